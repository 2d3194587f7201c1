//! Issue 11, point 3a: the attacks a short script makes on the captcha, run on what the
//! generator makes now and on what it made before (`old`). Kerckhoffs: the attacker has
//! this source, the clean clips and the glyph strokes. Each test reads `RUNS` captchas
//! of each generator: the old ones must mostly be read (so the attack is real, at least
//! 90 %) and the new ones must not (under 5 %).
//!
//! The captchas come from a seeded stream (seed `SEED`, or `CAPTCHA_ATTACK_SEED`), so a
//! run measures the same captchas every time and CI cannot flake on a lucky draw; the
//! generator's code is the same as with the OS generator. The rates, per captcha and per
//! digit: `cargo test -p spse-web --lib captcha::attack -- --nocapture`.

mod audio;
mod image;
mod old;

use std::time::Instant;

use super::Noise;
use super::picture::draw_with;
use super::voice::speak_with;
use spse_domain::reset::CAPTCHA_DIGITS;

const RUNS: usize = 100;
const SEED: u64 = 11;

fn seed() -> u64 {
    std::env::var("CAPTCHA_ATTACK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED)
}

fn answer(noise: &mut Noise) -> String {
    (0..CAPTCHA_DIGITS)
        .map(|_| char::from(b'0' + noise.below(10) as u8))
        .collect()
}

/// Of `RUNS` captchas made by `make`, how many the attacker's `read` gets right, and
/// how many of their digits it gets right in place.
fn solved<T>(make: impl Fn(&str, &mut Noise) -> T, read: impl Fn(&T) -> String) -> (usize, usize) {
    let mut noise = Noise::seeded(seed());
    let (mut whole, mut digits) = (0, 0);
    for _ in 0..RUNS {
        let answer = answer(&mut noise);
        let reading = read(&make(&answer, &mut noise));
        whole += usize::from(reading == answer);
        digits += answer
            .chars()
            .zip(reading.chars())
            .filter(|(a, b)| a == b)
            .count();
    }
    (whole, digits)
}

fn report(what: &str, attack: &str, old: (usize, usize), new: (usize, usize), clock: Instant) {
    let all = RUNS * CAPTCHA_DIGITS;
    eprintln!(
        "{what}: {attack} solved {}/{RUNS} of the old captchas ({}/{all} digits), \
         {}/{RUNS} of the new ({}/{all} digits), in {:.1} s",
        old.0,
        old.1,
        new.0,
        new.1,
        clock.elapsed().as_secs_f32()
    );
    assert!(
        old.0 * 10 >= RUNS * 9,
        "the attack must read the old {what}"
    );
    assert!(new.0 * 20 < RUNS, "the attack reads the new {what}");
}

#[test]
fn template_matching_does_not_read_the_picture() {
    let clock = Instant::now();
    let font = image::Reader::for_font();
    let old = solved(old::draw, |img| font.read(img));
    let strokes = image::Reader::for_strokes();
    let new = solved(draw_with, |img| strokes.read(img));
    report("picture", "template matching", old, new, clock);
}

#[test]
fn cross_correlation_does_not_read_the_audio() {
    let clock = Instant::now();
    let one_voice = audio::Listener::new(&[0]);
    let old = solved(old::speak, |wav| one_voice.read(wav));
    drop(one_voice);
    let every_voice = audio::Listener::new(&[0, 1, 2]);
    let new = solved(speak_with, |wav| every_voice.read(wav));
    report("audio", "cross-correlation", old, new, clock);
}

/// Writes a few captchas, new and old, as files that open as PNG and WAV: to
/// `$CAPTCHA_SAMPLES` to look at and listen to
/// (`CAPTCHA_SAMPLES=DIR cargo test -p spse-web --lib write_samples`), else to a
/// directory that goes afterwards.
#[test]
fn write_samples() {
    let scratch = std::env::temp_dir().join(format!("captcha-samples-{}", std::process::id()));
    let dir = std::env::var("CAPTCHA_SAMPLES").map_or(scratch.clone(), std::path::PathBuf::from);
    std::fs::create_dir_all(&dir).unwrap();
    let mut noise = Noise::new();
    let (w, h) = (super::picture::WIDTH, super::picture::HEIGHT);
    let mut sheet = ::image::RgbImage::new(w, h * 8);
    for i in 0..8 {
        let answer = answer(&mut noise);
        let img = draw_with(&answer, &mut noise);
        ::image::imageops::replace(&mut sheet, &img, 0, i64::from(h) * i);
        img.save(dir.join(format!("{i}-{answer}.png"))).unwrap();
        std::fs::write(
            dir.join(format!("{i}-{answer}.wav")),
            speak_with(&answer, &mut noise),
        )
        .unwrap();
    }
    sheet.save(dir.join("sheet.png")).unwrap();
    let big = ::image::imageops::resize(&sheet, w * 2, h * 16, ::image::imageops::Nearest);
    big.save(dir.join("sheet-2x.png")).unwrap();
    old::draw("12345", &mut noise)
        .save(dir.join("old-12345.png"))
        .unwrap();
    std::fs::write(dir.join("old-12345.wav"), old::speak("12345", &mut noise)).unwrap();
    let sheet = ::image::open(dir.join("sheet.png")).unwrap();
    assert_eq!((sheet.width(), sheet.height()), (w, h * 8));
    let wav = std::fs::read(dir.join("old-12345.wav")).unwrap();
    assert_eq!(&wav[..4], b"RIFF");
    if dir == scratch {
        std::fs::remove_dir_all(&scratch).unwrap();
    }
}
