//! The captcha read aloud. The spoken digits are clips made once with espeak-ng in three
//! voices (`static/captcha/README.md`). For each digit of the answer: a voice at random,
//! played faster or slower (and so higher or lower) by a random rate in 0.8..1.25 that
//! also wavers a little while it plays, its phases turned by random all-pass filters, at
//! a random loudness, after a random pause. Under it all runs a bed of babble (other
//! digits played backwards, or cut up, shuffled and reversed, at their own rates) and a
//! hiss. So no stretch of the samples is a copy of a clip that a cross-correlation with
//! the clean clips would find (`attack::audio` measures it).

use std::f32::consts::PI;

use super::Noise;

macro_rules! clips {
    ($voice:literal) => {
        [
            include_bytes!(concat!("../../static/captcha/", $voice, "/0.wav")),
            include_bytes!(concat!("../../static/captcha/", $voice, "/1.wav")),
            include_bytes!(concat!("../../static/captcha/", $voice, "/2.wav")),
            include_bytes!(concat!("../../static/captcha/", $voice, "/3.wav")),
            include_bytes!(concat!("../../static/captcha/", $voice, "/4.wav")),
            include_bytes!(concat!("../../static/captcha/", $voice, "/5.wav")),
            include_bytes!(concat!("../../static/captcha/", $voice, "/6.wav")),
            include_bytes!(concat!("../../static/captcha/", $voice, "/7.wav")),
            include_bytes!(concat!("../../static/captcha/", $voice, "/8.wav")),
            include_bytes!(concat!("../../static/captcha/", $voice, "/9.wav")),
        ]
    };
}

/// The spoken digits, as shipped: 8 kHz, 8-bit unsigned mono WAV files, per voice.
pub(super) const VOICES: [[&[u8]; 10]; 3] = [clips!("id"), clips!("m3"), clips!("f2")];
pub(super) const SAMPLE_RATE: u32 = 8000;

/// The samples of a WAV file's `data` chunk.
pub(super) fn wav_samples(file: &[u8]) -> &[u8] {
    let mut at = 12;
    while at + 8 <= file.len() {
        let id = &file[at..at + 4];
        let len =
            u32::from_le_bytes([file[at + 4], file[at + 5], file[at + 6], file[at + 7]]) as usize;
        let body = at + 8;
        if id == b"data" {
            return &file[body..(body + len).min(file.len())];
        }
        at = body + len + (len & 1);
    }
    &[]
}

/// A clip's samples around zero.
pub(super) fn clip(voice: usize, digit: usize) -> Vec<f32> {
    wav_samples(VOICES[voice][digit])
        .iter()
        .map(|&s| f32::from(s) - 128.0)
        .collect()
}

/// How a clip is played: `rate` times its speed, the rate wavering by `depth` (a
/// fraction) `freq` times a second from `phase`.
pub(super) struct Play {
    pub rate: f32,
    pub depth: f32,
    pub freq: f32,
    pub phase: f32,
}

impl Play {
    fn random(noise: &mut Noise) -> Self {
        Self {
            // Even odds of slower or faster, spread evenly in the logarithm.
            rate: noise.range(0.8_f32.ln(), 1.25_f32.ln()).exp(),
            depth: noise.range(0.03, 0.07),
            freq: noise.range(2.0, 5.0),
            phase: noise.range(0.0, 2.0 * PI),
        }
    }
}

/// `samples` played as `play` says, read between samples by linear interpolation
/// (smoothed first when played faster, against aliasing).
pub(super) fn stretch(samples: &[f32], play: &Play) -> Vec<f32> {
    let smooth: Vec<f32>;
    let src = if play.rate * (1.0 + play.depth) > 1.0 && samples.len() > 2 {
        smooth = (0..samples.len())
            .map(|i| {
                let a = samples[i.saturating_sub(1)];
                let c = samples[(i + 1).min(samples.len() - 1)];
                0.25 * a + 0.5 * samples[i] + 0.25 * c
            })
            .collect();
        &smooth
    } else {
        samples
    };
    let step = 2.0 * PI * play.freq / SAMPLE_RATE as f32;
    let mut out = Vec::with_capacity((src.len() as f32 / play.rate * 1.1) as usize + 1);
    let mut pos = 0.0_f32;
    let mut n = 0.0_f32;
    while (pos as usize) + 1 < src.len() {
        let i = pos as usize;
        let f = pos - i as f32;
        out.push(src[i] * (1.0 - f) + src[i + 1] * f);
        pos += play.rate * (1.0 + play.depth * (step * n + play.phase).sin());
        n += 1.0;
    }
    out
}

/// `samples` through four second-order all-pass filters, each turning the phase by a
/// full circle around a random frequency in the voice's band (150 Hz to 2 kHz): the
/// same sound to the ear (the loudness of every frequency stays), another waveform, as
/// the harmonics' phases no longer line up as in the clip.
fn disperse(samples: &mut [f32], noise: &mut Noise) {
    for _ in 0..4 {
        let theta = 2.0 * PI * noise.range(150.0, 2000.0) / SAMPLE_RATE as f32;
        let r = noise.range(0.8, 0.93);
        let (c1, c2) = (-2.0 * r * theta.cos(), r * r);
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        for s in samples.iter_mut() {
            let y = c2 * *s + c1 * x1 + x2 - c1 * y1 - c2 * y2;
            (x2, x1) = (x1, *s);
            (y2, y1) = (y1, y);
            *s = y;
        }
    }
}

/// A clip that sounds like speech and is none of the digits: played backwards, or cut
/// into pieces of 30 to 60 ms that are shuffled and each played backwards.
fn garble(samples: &[f32], noise: &mut Noise) -> Vec<f32> {
    if noise.byte() & 1 == 0 {
        return samples.iter().rev().copied().collect();
    }
    let mut pieces: Vec<&[f32]> = Vec::new();
    let mut at = 0;
    while at < samples.len() {
        let len = 240 + noise.below(241) as usize;
        pieces.push(&samples[at..(at + len).min(samples.len())]);
        at += len;
    }
    for i in (1..pieces.len()).rev() {
        let j = (u32::from(noise.byte()) as usize * 256 + usize::from(noise.byte())) % (i + 1);
        pieces.swap(i, j);
    }
    pieces
        .iter()
        .flat_map(|p| p.iter().rev().copied())
        .collect()
}

/// Babble under `len` samples: garbled digits, one after another and overlapping.
fn babble(len: usize, noise: &mut Noise) -> Vec<f32> {
    let mut bed = vec![0.0_f32; len];
    let level = noise.range(0.2, 0.3);
    let mut at = 0;
    while at < len {
        let raw = clip(noise.below(3) as usize, noise.below(10) as usize);
        let words = stretch(&garble(&raw, noise), &Play::random(noise));
        let gain = level * noise.range(0.7, 1.0);
        for (b, s) in bed[at..].iter_mut().zip(&words) {
            *b += s * gain;
        }
        at += (words.len() as f32 * noise.range(0.45, 0.85)) as usize + 1;
    }
    bed
}

fn pause(samples: &mut Vec<f32>, millis: f32) {
    let n = (SAMPLE_RATE as f32 * millis / 1000.0) as usize;
    samples.resize(samples.len() + n, 0.0);
}

/// The answer read aloud, as a WAV file.
pub(super) fn speak(answer: &str) -> Vec<u8> {
    speak_with(answer, &mut Noise::new())
}

/// The answer read aloud, its chance drawn from `noise`.
pub(super) fn speak_with(answer: &str, noise: &mut Noise) -> Vec<u8> {
    let mut voice = Vec::new();
    pause(&mut voice, noise.range(250.0, 600.0));
    for (i, digit) in answer.chars().filter_map(|c| c.to_digit(10)).enumerate() {
        if i > 0 {
            pause(&mut voice, noise.range(200.0, 650.0));
        }
        let raw = clip(noise.below(3) as usize, digit as usize);
        let gain = noise.range(0.6, 0.9);
        let mut spoken = stretch(&raw, &Play::random(noise));
        disperse(&mut spoken, noise);
        voice.extend(spoken.iter().map(|s| s * gain));
    }
    pause(&mut voice, 300.0);
    let bed = babble(voice.len(), noise);
    let samples: Vec<u8> = voice
        .iter()
        .zip(&bed)
        .map(|(v, b)| {
            let hiss = noise.range(-7.0, 7.0);
            (128.0 + v + b + hiss).round().clamp(0.0, 255.0) as u8
        })
        .collect();
    wav(&samples)
}

/// 8-bit unsigned mono PCM samples as a WAV file.
pub(super) fn wav(samples: &[u8]) -> Vec<u8> {
    let mut wav = Vec::with_capacity(44 + samples.len());
    let data_len = samples.len() as u32;
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16_u32.to_le_bytes());
    wav.extend_from_slice(&1_u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1_u16.to_le_bytes()); // mono
    wav.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    wav.extend_from_slice(&SAMPLE_RATE.to_le_bytes()); // bytes per second
    wav.extend_from_slice(&1_u16.to_le_bytes()); // block align
    wav.extend_from_slice(&8_u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    wav.extend_from_slice(samples);
    wav
}
