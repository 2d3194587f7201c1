//! The attack on the audio: normalized cross-correlation of the samples against every
//! clean clip the attacker has (each voice, each digit), each also resampled to a few
//! rates across the generator's range; the best of them per digit at each offset, and
//! then the five best peaks that do not overlap, in time order. Correlation by FFT,
//! overlap-save in blocks, two real templates packed in one complex spectrum. Samples
//! and templates are low-passed and taken at 4 kHz first: that halves the work, and a
//! correlation of the band under 2 kHz forgives more of a small misalignment than one
//! of the full band, so it is no weaker an attack.

use super::super::voice::{self, Play};

/// Rates at which the attacker also tries each clip: 0.8 to 1.25, evenly in log.
const RATES: [f32; 5] = [0.8, 0.894, 1.0, 1.118, 1.25];
const BLOCK: usize = 1 << 15;

/// An in-place radix-2 FFT of one size, its twiddles laid out stage by stage.
struct Fft {
    n: usize,
    swaps: Vec<(u32, u32)>,
    /// For each stage of length `len`, `len / 2` twiddles, from `len / 2 - 1` on.
    cos: Vec<f32>,
    sin: Vec<f32>,
}

impl Fft {
    fn new(n: usize) -> Self {
        let bits = n.trailing_zeros();
        let swaps = (0..n)
            .map(|i| (i, i.reverse_bits() >> (usize::BITS - bits)))
            .filter(|(i, j)| j > i)
            .map(|(i, j)| (i as u32, j as u32))
            .collect();
        let (mut cos, mut sin) = (vec![0.0; n], vec![0.0; n]);
        let mut len = 2;
        while len <= n {
            for k in 0..len / 2 {
                let angle = -2.0 * std::f64::consts::PI * k as f64 / len as f64;
                cos[len / 2 - 1 + k] = angle.cos() as f32;
                sin[len / 2 - 1 + k] = angle.sin() as f32;
            }
            len *= 2;
        }
        Self { n, swaps, cos, sin }
    }

    fn run(&self, re: &mut [f32], im: &mut [f32], inverse: bool) {
        for &(i, j) in &self.swaps {
            re.swap(i as usize, j as usize);
            im.swap(i as usize, j as usize);
        }
        let sign = if inverse { -1.0 } else { 1.0 };
        let mut len = 2;
        while len <= self.n {
            let half = len / 2;
            let (wc, ws) = (&self.cos[half - 1..len - 1], &self.sin[half - 1..len - 1]);
            for (cr, ci) in re.chunks_exact_mut(len).zip(im.chunks_exact_mut(len)) {
                let (ar, br) = cr.split_at_mut(half);
                let (ai, bi) = ci.split_at_mut(half);
                for ((((ar, ai), br), bi), (wr, wi)) in ar
                    .iter_mut()
                    .zip(ai.iter_mut())
                    .zip(br.iter_mut())
                    .zip(bi.iter_mut())
                    .zip(wc.iter().zip(ws))
                {
                    let wi = sign * wi;
                    let (xr, xi) = (*br * wr - *bi * wi, *br * wi + *bi * wr);
                    *br = *ar - xr;
                    *bi = *ai - xi;
                    *ar += xr;
                    *ai += xi;
                }
            }
            len *= 2;
        }
        if inverse {
            let scale = 1.0 / self.n as f32;
            re.iter_mut().for_each(|v| *v *= scale);
            im.iter_mut().for_each(|v| *v *= scale);
        }
    }
}

/// Every second sample of `x` low-passed by [1, 2, 1] / 4.
fn half_rate(x: &[f32]) -> Vec<f32> {
    (0..x.len() / 2)
        .map(|i| {
            let j = 2 * i;
            let a = x[j.saturating_sub(1)];
            let c = x[(j + 1).min(x.len() - 1)];
            0.25 * a + 0.5 * x[j] + 0.25 * c
        })
        .collect()
}

struct Template {
    digit: usize,
    len: usize,
}

/// The attacker's clips and their spectra.
pub struct Listener {
    fft: Fft,
    templates: Vec<Template>,
    /// Spectra of templates 2k + i * (2k + 1).
    spectra: Vec<(Vec<f32>, Vec<f32>)>,
    longest: usize,
}

impl Listener {
    /// Templates from the clips of `voices` (indexes into `voice::VOICES`).
    pub fn new(voices: &[usize]) -> Self {
        let fft = Fft::new(BLOCK);
        let mut clips: Vec<(usize, Vec<f32>)> = Vec::new();
        for &v in voices {
            for digit in 0..10 {
                let raw = voice::clip(v, digit);
                for rate in RATES {
                    let play = Play {
                        rate,
                        depth: 0.0,
                        freq: 0.0,
                        phase: 0.0,
                    };
                    let mut t = half_rate(&voice::stretch(&raw, &play));
                    let mean = t.iter().sum::<f32>() / t.len() as f32;
                    t.iter_mut().for_each(|s| *s -= mean);
                    let norm = t.iter().map(|s| s * s).sum::<f32>().sqrt().max(1e-9);
                    t.iter_mut().for_each(|s| *s /= norm);
                    clips.push((digit, t));
                }
            }
        }
        let longest = clips.iter().map(|c| c.1.len()).max().unwrap_or(0);
        let mut spectra = Vec::new();
        for pair in clips.chunks(2) {
            let mut re = vec![0.0; BLOCK];
            let mut im = vec![0.0; BLOCK];
            re[..pair[0].1.len()].copy_from_slice(&pair[0].1);
            if let Some(b) = pair.get(1) {
                im[..b.1.len()].copy_from_slice(&b.1);
            }
            fft.run(&mut re, &mut im, false);
            spectra.push((re, im));
        }
        let templates = clips
            .iter()
            .map(|(digit, t)| Template {
                digit: *digit,
                len: t.len(),
            })
            .collect();
        Self {
            fft,
            templates,
            spectra,
            longest,
        }
    }

    /// For each digit and offset, the best correlation of any of its templates there,
    /// and that template's length.
    fn scores(&self, x: &[f32]) -> Vec<Vec<(f32, u32)>> {
        let n = x.len();
        // Window sums in f64: f32 would lose the quiet windows' energy.
        let mut sum = vec![0.0_f64; n + 1];
        let mut sq = vec![0.0_f64; n + 1];
        for (i, &v) in x.iter().enumerate() {
            let v = f64::from(v);
            sum[i + 1] = sum[i] + v;
            sq[i + 1] = sq[i] + v * v;
        }
        let mut best = vec![vec![(f32::MIN, 0_u32); n]; 10];
        let hop = BLOCK - self.longest;
        let (mut xr, mut xi) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
        let (mut pr, mut pi) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
        let mut start = 0;
        while start < n {
            let end = (start + BLOCK).min(n);
            xr.iter_mut().for_each(|v| *v = 0.0);
            xi.iter_mut().for_each(|v| *v = 0.0);
            xr[..end - start].copy_from_slice(&x[start..end]);
            self.fft.run(&mut xr, &mut xi, false);
            for (k, (tr, ti)) in self.spectra.iter().enumerate() {
                // X times the conjugate of (A + iB): its inverse is corr(A) - i corr(B).
                for j in 0..BLOCK {
                    pr[j] = xr[j] * tr[j] + xi[j] * ti[j];
                    pi[j] = xi[j] * tr[j] - xr[j] * ti[j];
                }
                self.fft.run(&mut pr, &mut pi, true);
                for (which, corr, sign) in [(2 * k, &pr, 1.0), (2 * k + 1, &pi, -1.0)] {
                    let Some(t) = self.templates.get(which) else {
                        continue;
                    };
                    let m = t.len;
                    let row = &mut best[t.digit];
                    for (lag, &c) in corr.iter().enumerate().take(hop.min(n - start)) {
                        let at = start + lag;
                        if at + m > n {
                            break;
                        }
                        // Only a likeness can be a peak: no need to scale the rest.
                        let c = sign * c;
                        if c <= 0.0 {
                            continue;
                        }
                        let s = sum[at + m] - sum[at];
                        let var = sq[at + m] - sq[at] - s * s / m as f64;
                        if var <= 1e-6 {
                            continue;
                        }
                        let ncc = c / var.sqrt() as f32;
                        if ncc > row[at].0 {
                            row[at] = (ncc, m as u32);
                        }
                    }
                }
            }
            start += hop;
        }
        best
    }

    /// The attacker's reading of a WAV file: five digits.
    pub fn read(&self, wav: &[u8]) -> String {
        let x: Vec<f32> = voice::wav_samples(wav)
            .iter()
            .map(|&s| f32::from(s) - 128.0)
            .collect();
        let x = half_rate(&x);
        let best = self.scores(&x);
        // The best of each digit in every 20 ms (80 samples at 4 kHz), as candidates.
        let mut candidates: Vec<(f32, usize, usize, usize)> = Vec::new();
        for (digit, row) in best.iter().enumerate() {
            for (w, window) in row.chunks(80).enumerate() {
                if let Some((i, &(score, len))) = window
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.0.total_cmp(&b.1.0))
                    && score > f32::MIN
                {
                    candidates.push((score, w * 80 + i, len as usize, digit));
                }
            }
        }
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut picked: Vec<(usize, usize, usize)> = Vec::new();
        for (_, at, len, digit) in candidates {
            let clash = picked.iter().any(|&(p, plen, _)| {
                let overlap = (at + len).min(p + plen).saturating_sub(at.max(p));
                overlap * 5 > len.min(plen)
            });
            if !clash {
                picked.push((at, len, digit));
                if picked.len() == 5 {
                    break;
                }
            }
        }
        picked.sort();
        picked
            .iter()
            .map(|&(_, _, d)| char::from(b'0' + d as u8))
            .collect()
    }
}
