//! The "Kode Keamanan" of the reset form: a PNG of the answer's digits drawn as strokes
//! (`picture`) and the same kind of answer read aloud from spoken-digit clips (`voice`).
//! Both are made so that matching against what an attacker can read in this source (the
//! glyph strokes, the clean clips) does not read them: `attack` runs those matches in
//! the test suite. No font file and no captcha crate: the maintained captcha crates pull
//! in an older `image`.

mod picture;
mod voice;

use std::io::Cursor;

use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use image::ImageFormat;
use serde::Deserialize;

use super::AppState;
use super::error::WebError;
use picture::draw;
use spse_domain::token::random_bytes;
use spse_usecases::{AuthError, Client};
use voice::speak;

/// A stream of random bytes from the OS generator, drawn in blocks. (Tests may draw
/// from a seeded stream instead, to measure the same captchas at every run.)
struct Noise {
    pool: Vec<u8>,
    #[cfg(test)]
    seed: Option<u64>,
}

impl Noise {
    fn new() -> Self {
        Self {
            pool: Vec::new(),
            #[cfg(test)]
            seed: None,
        }
    }

    /// A SplitMix64 stream from `seed`: the same bytes at every run.
    #[cfg(test)]
    fn seeded(seed: u64) -> Self {
        Self {
            pool: Vec::new(),
            seed: Some(seed),
        }
    }

    fn refill(&mut self) {
        #[cfg(test)]
        if let Some(state) = &mut self.seed {
            for _ in 0..512 {
                *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = *state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                self.pool.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
            }
            return;
        }
        self.pool = random_bytes(4096);
    }

    fn byte(&mut self) -> u8 {
        if self.pool.is_empty() {
            self.refill();
        }
        self.pool.pop().unwrap_or(0)
    }

    /// A number in `0..n` (n at most 256).
    fn below(&mut self, n: u32) -> u32 {
        u32::from(self.byte()) % n.max(1)
    }

    /// A number in `lo..hi`, in steps of 1/65536 of the span.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        let bits = (u32::from(self.byte()) << 8) | u32::from(self.byte());
        lo + (hi - lo) * (bits as f32 / 65536.0)
    }

    /// A sign, either way at even odds.
    fn sign(&mut self) -> f32 {
        if self.byte() & 1 == 0 { 1.0 } else { -1.0 }
    }
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
mod attack;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clip_has_samples() {
        for voice in voice::VOICES {
            for clip in voice {
                assert!(voice::wav_samples(clip).len() > 2000);
            }
        }
    }

    #[test]
    fn the_audio_is_a_wav_longer_than_its_digits() {
        let wav = speak("12345");
        assert_eq!(&wav[..4], b"RIFF");
        let shortest: usize = "12345"
            .chars()
            .map(|c| {
                let digit = c.to_digit(10).unwrap() as usize;
                voice::VOICES
                    .iter()
                    .map(|v| voice::wav_samples(v[digit]).len())
                    .min()
                    .unwrap()
            })
            .sum();
        // Spoken at up to 1.25 times the clip's rate, with pauses between.
        assert!(voice::wav_samples(&wav).len() * 5 > shortest * 4);
    }

    #[test]
    fn the_image_has_ink_where_digits_are() {
        let img = draw("88888");
        let dark = img
            .pixels()
            .filter(|p| p.0.iter().map(|&c| u32::from(c)).sum::<u32>() < 400)
            .count();
        assert!(dark > 1000, "{dark}");
    }
}
