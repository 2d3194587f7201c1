//! Reading the activation QR code from an image: a photo, a saved QR, or a screenshot of
//! the whole activation page with the code somewhere on it.

use std::path::{Path, PathBuf};

use image::{DynamicImage, GrayImage, ImageReader, imageops::FilterType};

/// Why no activation URI came out of an image.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("{path}: {detail}")]
    Unreadable { path: PathBuf, detail: String },
    #[error("{path}: no QR code found")]
    NoCode { path: PathBuf },
    #[error("{path}: the QR code is not an otpauth://totp/ URI")]
    NotOtpauth { path: PathBuf },
    /// Guessing which of several accounts the user meant would be worse than asking.
    #[error("{path}: {count} different activation QR codes")]
    Several { path: PathBuf, count: usize },
}

/// The one `otpauth://` URI held by a QR code in the image at `path`.
pub fn read_otpauth(path: &Path) -> Result<String, QrError> {
    let unreadable = |detail: String| QrError::Unreadable {
        path: path.to_path_buf(),
        detail,
    };
    let image = ImageReader::open(path)
        .map_err(|e| unreadable(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| unreadable(e.to_string()))?
        .decode()
        .map_err(|e| unreadable(e.to_string()))?;
    let texts = decode_all(&image);
    if texts.is_empty() {
        return Err(QrError::NoCode {
            path: path.to_path_buf(),
        });
    }
    let mut uris: Vec<String> = texts
        .into_iter()
        .filter(|text| {
            text.trim_start()
                .to_ascii_lowercase()
                .starts_with("otpauth://")
        })
        .collect();
    uris.dedup();
    match uris.len() {
        0 => Err(QrError::NotOtpauth {
            path: path.to_path_buf(),
        }),
        1 => Ok(uris.remove(0)),
        count => Err(QrError::Several {
            path: path.to_path_buf(),
            count,
        }),
    }
}

/// Every QR payload found in the image.
///
/// rqrr's own adaptive threshold is tried first on the whole image. It can lose the
/// finder patterns in JPEG screenshots, whose compression noise around sharp edges sits
/// right at a threshold derived from a white page; a global threshold (Otsu) ignores
/// that noise. A high-resolution screenshot may only yield when scaled down, and a tiny
/// code only when scaled up, so those come last.
fn decode_all(image: &DynamicImage) -> Vec<String> {
    let luma = image.to_luma8();
    let found = decode_adaptive(&luma);
    if !found.is_empty() {
        return found;
    }
    let found = decode_global(&luma);
    if !found.is_empty() {
        return found;
    }
    let (width, height) = (image.width(), image.height());
    let longest = width.max(height);
    let mut sizes = Vec::new();
    if longest >= 800 {
        sizes.push((width / 2, height / 2));
    }
    if longest <= 1200 {
        sizes.push((width * 2, height * 2));
    }
    for (w, h) in sizes {
        let scaled = image
            .resize_exact(w.max(1), h.max(1), FilterType::Triangle)
            .to_luma8();
        for decode in [decode_adaptive, decode_global] {
            let found = decode(&scaled);
            if !found.is_empty() {
                return found;
            }
        }
    }
    Vec::new()
}

fn decode_adaptive(luma: &GrayImage) -> Vec<String> {
    decode_luma(luma, |level| level)
}

fn decode_global(luma: &GrayImage) -> Vec<String> {
    let threshold = otsu_threshold(luma);
    decode_luma(luma, |level| if level <= threshold { 0 } else { 255 })
}

/// Runs rqrr over the image with each grey level mapped through `level`.
fn decode_luma(luma: &GrayImage, level: impl Fn(u8) -> u8) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        luma.width() as usize,
        luma.height() as usize,
        |x, y| level(luma.get_pixel(x as u32, y as u32).0[0]),
    );
    let mut texts: Vec<String> = prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok())
        .map(|(_, text)| text)
        .collect();
    texts.sort();
    texts.dedup();
    texts
}

/// The grey level that best splits the image into dark and light (Otsu's method).
fn otsu_threshold(luma: &GrayImage) -> u8 {
    let mut histogram = [0u64; 256];
    for pixel in luma.pixels() {
        histogram[usize::from(pixel.0[0])] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let weighted_total: f64 = histogram
        .iter()
        .enumerate()
        .map(|(level, &n)| level as f64 * n as f64)
        .sum();
    let (mut dark_count, mut dark_weighted) = (0u64, 0f64);
    let (mut best_level, mut best_variance) = (127u8, -1f64);
    for (level, &count) in histogram.iter().enumerate() {
        dark_count += count;
        dark_weighted += level as f64 * count as f64;
        let light_count = total - dark_count;
        if dark_count == 0 || light_count == 0 {
            continue;
        }
        let dark_mean = dark_weighted / dark_count as f64;
        let light_mean = (weighted_total - dark_weighted) / light_count as f64;
        let variance = dark_count as f64 * light_count as f64 * (dark_mean - light_mean).powi(2);
        if variance > best_variance {
            best_variance = variance;
            best_level = u8::try_from(level).unwrap_or(u8::MAX);
        }
    }
    best_level
}

#[cfg(test)]
mod tests {
    use image::Luma;

    use super::*;

    #[test]
    fn otsu_splits_two_levels_between_them() {
        let image = GrayImage::from_fn(10, 10, |x, _| Luma([if x < 5 { 40 } else { 220 }]));
        let threshold = otsu_threshold(&image);
        assert!((40..220).contains(&threshold), "{threshold}");
    }
}
