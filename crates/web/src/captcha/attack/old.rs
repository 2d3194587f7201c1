//! The generator as it was before issue 11: a 5x7 bitmap font scaled and slanted, and the
//! clean clips joined with a light hiss. Kept only as the baseline that shows the attacks
//! in this module work: they must read it.

use image::{Rgb, RgbImage};

use super::super::Noise;
use super::super::voice::{SAMPLE_RATE, VOICES, wav, wav_samples};

const WIDTH: u32 = 200;
const HEIGHT: u32 = 70;

/// Each digit as 7 rows of 5 bits, most significant bit on the left.
pub const FONT: [[u8; 7]; 10] = [
    [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
    [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
    [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
    [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
    [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
    [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
    [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
    [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
    [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
    [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
];

/// Whether the font's glyph `digit`, scaled by `scale` and slanted by `slant` (-1..=1),
/// inks the pixel (x, y) of a box `5 * scale + 8` wide and `7 * scale` high.
pub fn font_ink(digit: usize, scale: i64, slant: i64, x: i64, y: i64) -> bool {
    let row = y / scale;
    if !(0..7).contains(&row) {
        return false;
    }
    let col = (x - 4 - slant * (3 - row)).div_euclid(scale);
    (0..5).contains(&col) && FONT[digit][row as usize] & (0x10 >> col) != 0
}

pub fn draw(answer: &str, noise: &mut Noise) -> RgbImage {
    let mut img = RgbImage::from_pixel(WIDTH, HEIGHT, Rgb([238, 240, 232]));
    for _ in 0..600 {
        let (x, y) = (noise.below(200), noise.below(70));
        let shade = 120 + noise.below(100) as u8;
        img.put_pixel(x, y, Rgb([shade, shade, shade]));
    }
    let mut x0 = 12 + noise.below(10);
    for ch in answer.chars() {
        let Some(digit) = ch.to_digit(10) else {
            continue;
        };
        let scale = 5 + noise.below(2);
        let y0 = 6 + noise.below(HEIGHT - 7 * scale - 8);
        let slant = noise.below(3) as i64 - 1;
        let colour = Rgb([
            20 + noise.below(80) as u8,
            20 + noise.below(60) as u8,
            60 + noise.below(100) as u8,
        ]);
        for (row, bits) in FONT[digit as usize].iter().enumerate() {
            for col in 0..5 {
                if bits & (0x10 >> col) == 0 {
                    continue;
                }
                let shift = slant * (3 - row as i64);
                for dy in 0..scale {
                    for dx in 0..scale {
                        let x = i64::from(x0 + col * scale + dx) + shift;
                        let y = i64::from(y0 + row as u32 * scale + dy);
                        if (0..i64::from(WIDTH)).contains(&x) && (0..i64::from(HEIGHT)).contains(&y)
                        {
                            img.put_pixel(x as u32, y as u32, colour);
                        }
                    }
                }
            }
        }
        x0 += 5 * scale + 4 + noise.below(6);
    }
    for _ in 0..4 {
        let (mut x, mut y) = (0_i64, i64::from(noise.below(HEIGHT)));
        let drift = i64::from(noise.below(5)) - 2;
        let colour = Rgb([90 + noise.below(90) as u8, 60, 60 + noise.below(90) as u8]);
        while x < i64::from(WIDTH) {
            if (0..i64::from(HEIGHT)).contains(&y) {
                img.put_pixel(x as u32, y as u32, colour);
                if y + 1 < i64::from(HEIGHT) {
                    img.put_pixel(x as u32, (y + 1) as u32, colour);
                }
            }
            x += 1;
            if x % 8 == 0 {
                y += drift + i64::from(noise.below(3)) - 1;
            }
        }
    }
    img
}

fn pause(samples: &mut Vec<u8>, noise: &mut Noise, millis: u32) {
    for _ in 0..(SAMPLE_RATE * millis / 1000) {
        samples.push(128 - 6 + noise.below(13) as u8);
    }
}

/// The old speech, with the first voice's clips (the old clips were that voice).
pub fn speak(answer: &str, noise: &mut Noise) -> Vec<u8> {
    let mut samples = Vec::new();
    pause(&mut samples, noise, 400);
    for digit in answer.chars().filter_map(|c| c.to_digit(10)) {
        for &s in wav_samples(VOICES[0][digit as usize]) {
            let hiss = noise.below(17) as i16 - 8;
            samples.push((i16::from(s) + hiss).clamp(0, 255) as u8);
        }
        let gap = 350 + noise.below(250);
        pause(&mut samples, noise, gap);
    }
    wav(&samples)
}
