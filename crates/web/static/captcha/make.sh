#!/usr/bin/env bash
# Makes the spoken-digit clips of the audio captcha: three voices, ten digits each.
# Needs espeak-ng and sox. Run from this folder: ./make.sh
set -euo pipefail
words=(nol satu dua tiga empat lima enam tujuh delapan sembilan)
for voice in id id+m3 id+f2; do
  dir=${voice#id+}
  mkdir -p "$dir"
  for n in "${!words[@]}"; do
    tmp=$(mktemp --suffix=.wav)
    espeak-ng -v "$voice" -s 140 -w "$tmp" "${words[$n]}"
    sox "$tmp" -r 8000 -b 8 -e unsigned-integer -c 1 "$dir/$n.wav" \
      silence 1 0.01 1% reverse silence 1 0.01 1% reverse norm -1
    rm -f "$tmp"
  done
done
