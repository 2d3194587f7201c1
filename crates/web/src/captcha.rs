//! The "Kode Keamanan" of the reset form: a PNG drawn here (digits from a 5x7 bitmap
//! font, scaled, jittered, crossed by noise lines and speckles) and the same kind of
//! answer read aloud (spoken-digit clips made once with espeak-ng, joined with random
//! pauses and noise). No font file and no captcha crate: the maintained captcha crates
//! pull in an older `image`, and this is 150 lines.

use std::io::Cursor;

use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use image::{ImageFormat, Rgb, RgbImage};
use serde::Deserialize;

use super::AppState;
use super::error::WebError;
use spse_domain::token::random_bytes;
use spse_usecases::{AuthError, Client};

/// Each digit as 7 rows of 5 bits, most significant bit on the left.
const FONT: [[u8; 7]; 10] = [
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

const WIDTH: u32 = 200;
const HEIGHT: u32 = 70;

/// A stream of random bytes from the OS generator, drawn in blocks.
struct Noise {
    pool: Vec<u8>,
}

impl Noise {
    fn new() -> Self {
        Self { pool: Vec::new() }
    }

    fn byte(&mut self) -> u8 {
        if self.pool.is_empty() {
            self.pool = random_bytes(1024);
        }
        self.pool.pop().unwrap_or(0)
    }

    /// A number in `0..n` (n at most 256).
    fn below(&mut self, n: u32) -> u32 {
        u32::from(self.byte()) % n.max(1)
    }
}

fn draw(answer: &str) -> RgbImage {
    let mut noise = Noise::new();
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

/// The spoken digits, as shipped: 8 kHz, 8-bit unsigned mono WAV files.
const CLIPS: [&[u8]; 10] = [
    include_bytes!("../static/captcha/0.wav"),
    include_bytes!("../static/captcha/1.wav"),
    include_bytes!("../static/captcha/2.wav"),
    include_bytes!("../static/captcha/3.wav"),
    include_bytes!("../static/captcha/4.wav"),
    include_bytes!("../static/captcha/5.wav"),
    include_bytes!("../static/captcha/6.wav"),
    include_bytes!("../static/captcha/7.wav"),
    include_bytes!("../static/captcha/8.wav"),
    include_bytes!("../static/captcha/9.wav"),
];
const SAMPLE_RATE: u32 = 8000;

/// The samples of a WAV file's `data` chunk.
fn wav_samples(file: &[u8]) -> &[u8] {
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

/// Quiet hiss around the middle of the 8-bit range.
fn pause(samples: &mut Vec<u8>, noise: &mut Noise, millis: u32) {
    for _ in 0..(SAMPLE_RATE * millis / 1000) {
        samples.push(128 - 6 + noise.below(13) as u8);
    }
}

fn speak(answer: &str) -> Vec<u8> {
    let mut noise = Noise::new();
    let mut samples = Vec::new();
    pause(&mut samples, &mut noise, 400);
    for digit in answer.chars().filter_map(|c| c.to_digit(10)) {
        for &s in wav_samples(CLIPS[digit as usize]) {
            let hiss = noise.below(17) as i16 - 8;
            samples.push((i16::from(s) + hiss).clamp(0, 255) as u8);
        }
        let gap = 350 + noise.below(250);
        pause(&mut samples, &mut noise, gap);
    }
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
    wav.extend_from_slice(&samples);
    wav
}

#[derive(Deserialize)]
pub struct CaptchaQuery {
    id: String,
}

async fn answer_for(state: &AppState, id: &str, client: &Client) -> Result<String, WebError> {
    match state.auth.new_captcha(id, client).await {
        Ok(answer) => Ok(answer),
        Err(AuthError::CaptchaWrong) => Err(WebError::BadRequest),
        Err(e) => Err(e.into()),
    }
}

/// The image of the form's captcha id: its one answer, made by the first render.
pub async fn image(
    State(state): State<AppState>,
    client: Client,
    Query(query): Query<CaptchaQuery>,
) -> Result<Response, WebError> {
    let answer = answer_for(&state, &query.id, &client).await?;
    let mut png = Vec::new();
    draw(&answer)
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|_| WebError::Internal)?;
    Ok((
        [(CONTENT_TYPE, "image/png"), (CACHE_CONTROL, "no-store")],
        png,
    )
        .into_response())
}

/// The audio alternative: the same answer as the image of that id, read aloud.
pub async fn audio(
    State(state): State<AppState>,
    client: Client,
    Query(query): Query<CaptchaQuery>,
) -> Result<Response, WebError> {
    let answer = answer_for(&state, &query.id, &client).await?;
    Ok((
        [(CONTENT_TYPE, "audio/wav"), (CACHE_CONTROL, "no-store")],
        speak(&answer),
    )
        .into_response())
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/captcha", get(image))
        .route("/captcha/audio", get(audio))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clip_has_samples() {
        for clip in CLIPS {
            assert!(wav_samples(clip).len() > 2000);
        }
    }

    #[test]
    fn the_audio_is_a_wav_of_every_digit() {
        let wav = speak("12345");
        assert_eq!(&wav[..4], b"RIFF");
        let spoken: usize = "12345"
            .chars()
            .map(|c| wav_samples(CLIPS[c.to_digit(10).unwrap() as usize]).len())
            .sum();
        assert!(wav_samples(&wav).len() > spoken);
    }

    #[test]
    fn the_image_has_ink_where_digits_are() {
        let img = draw("88888");
        let dark = img.pixels().filter(|p| p.0[0] < 110).count();
        assert!(dark > 1000, "{dark}");
    }
}
