//! The attack on the picture: ink against paper by Otsu's threshold, thin marks taken
//! off by an opening (tried with and without), specks dropped, the ink split into five
//! glyphs by column projection (gaps, then the lowest column of the widest piece), and
//! each glyph's box scaled to a grid and matched by normalized correlation against
//! templates of every digit drawn by the generator's own code at several shears,
//! rotations and stretches.

use image::RgbImage;

use super::super::picture::{self, Pose};
use super::old;

const TW: usize = 12;
const TH: usize = 18;

/// A boolean picture.
#[derive(Clone)]
struct Mask {
    w: usize,
    h: usize,
    on: Vec<bool>,
}

impl Mask {
    fn new(w: usize, h: usize) -> Self {
        Self {
            w,
            h,
            on: vec![false; w * h],
        }
    }

    fn get(&self, x: i64, y: i64) -> bool {
        x >= 0
            && y >= 0
            && (x as usize) < self.w
            && (y as usize) < self.h
            && self.on[y as usize * self.w + x as usize]
    }

    /// On where at least `need` of the 3x3 pixels around are on.
    fn filter(&self, need: usize) -> Self {
        let mut out = Self::new(self.w, self.h);
        for y in 0..self.h as i64 {
            for x in 0..self.w as i64 {
                let on = (-1..=1)
                    .flat_map(|dy| (-1..=1).map(move |dx| (x + dx, y + dy)))
                    .filter(|&(px, py)| self.get(px, py))
                    .count();
                out.on[y as usize * self.w + x as usize] = on >= need;
            }
        }
        out
    }

    /// `depth` erosions and then as many dilations: strokes under `2 * depth + 1`
    /// pixels wide go.
    fn opened(&self, depth: usize) -> Self {
        let mut m = self.clone();
        for _ in 0..depth {
            m = m.filter(9);
        }
        for _ in 0..depth {
            m = m.filter(1);
        }
        m
    }

    /// The 8-connected pieces of ink, each as its pixels' indexes.
    fn pieces(&self) -> Vec<Vec<usize>> {
        let mut pieces = Vec::new();
        let mut seen = vec![false; self.on.len()];
        for start in 0..self.on.len() {
            if !self.on[start] || seen[start] {
                continue;
            }
            let mut piece = vec![start];
            seen[start] = true;
            let mut i = 0;
            while i < piece.len() {
                let (x, y) = ((piece[i] % self.w) as i64, (piece[i] / self.w) as i64);
                for dy in -1..=1 {
                    for dx in -1..=1 {
                        if self.get(x + dx, y + dy) {
                            let j = (y + dy) as usize * self.w + (x + dx) as usize;
                            if !seen[j] {
                                seen[j] = true;
                                piece.push(j);
                            }
                        }
                    }
                }
                i += 1;
            }
            pieces.push(piece);
        }
        pieces
    }

    /// The pixels `pixels`, cut to their box and scaled to the template grid (each cell
    /// the share of inked samples under it), zero-mean and unit-norm.
    fn grid(&self, pixels: &[usize]) -> Option<Vec<f32>> {
        let xs = || pixels.iter().map(|&i| i % self.w);
        let ys = || pixels.iter().map(|&i| i / self.w);
        let (mut x0, mut x1) = (xs().min()?, xs().max()? + 1);
        let (mut y0, mut y1) = (ys().min()?, ys().max()? + 1);
        // Trim thin tails (the ends of lines through the glyph) off the box's edges.
        let mut cols = vec![0_usize; x1 - x0];
        let mut rows = vec![0_usize; y1 - y0];
        for &i in pixels {
            cols[i % self.w - x0] += 1;
            rows[i / self.w - y0] += 1;
        }
        let (c0, r0) = (x0, y0);
        while x1 - x0 > 4 && cols[x0 - c0] < 5 {
            x0 += 1;
        }
        while x1 - x0 > 4 && cols[x1 - 1 - c0] < 5 {
            x1 -= 1;
        }
        while y1 - y0 > 4 && rows[y0 - r0] < 5 {
            y0 += 1;
        }
        while y1 - y0 > 4 && rows[y1 - 1 - r0] < 5 {
            y1 -= 1;
        }
        let (bw, bh) = (x1 - x0, y1 - y0);
        let mut local = vec![false; bw * bh];
        for &i in pixels {
            let (x, y) = (i % self.w, i / self.w);
            if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
                local[(y - y0) * bw + (x - x0)] = true;
            }
        }
        let mut grid = vec![0.0_f32; TW * TH];
        for (i, g) in grid.iter_mut().enumerate() {
            let (cx, cy) = (i % TW, i / TW);
            let mut inked = 0;
            for (sx, sy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                let x = ((cx as f32 + sx) * bw as f32 / TW as f32) as usize;
                let y = ((cy as f32 + sy) * bh as f32 / TH as f32) as usize;
                if local[y.min(bh - 1) * bw + x.min(bw - 1)] {
                    inked += 1;
                }
            }
            *g = inked as f32 / 4.0;
        }
        normalized(grid)
    }

    fn whole(&self) -> Option<Vec<f32>> {
        let all: Vec<usize> = (0..self.on.len()).filter(|&i| self.on[i]).collect();
        self.grid(&all)
    }
}
fn normalized(mut v: Vec<f32>) -> Option<Vec<f32>> {
    let mean = v.iter().sum::<f32>() / v.len() as f32;
    v.iter_mut().for_each(|x| *x -= mean);
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm < 1e-6 {
        return None;
    }
    v.iter_mut().for_each(|x| *x /= norm);
    Some(v)
}

/// A grid at half the resolution (each cell the sum of four), zero-mean and unit-norm.
fn coarse(grid: &[f32]) -> Option<Vec<f32>> {
    let mut small = vec![0.0; TW * TH / 4];
    for (i, v) in grid.iter().enumerate() {
        small[(i / TW / 2) * (TW / 2) + (i % TW) / 2] += v;
    }
    normalized(small)
}

/// The threshold between the two classes of a histogram that keeps them tightest.
fn otsu(values: &[u8]) -> u8 {
    let mut hist = [0_f64; 256];
    values.iter().for_each(|&v| hist[v as usize] += 1.0);
    let total = values.len() as f64;
    let sum: f64 = (0..256).map(|i| i as f64 * hist[i]).sum();
    let (mut below, mut below_sum, mut best, mut at) = (0.0, 0.0, 0.0, 128);
    for (t, &count) in hist.iter().enumerate() {
        below += count;
        below_sum += t as f64 * count;
        let above = total - below;
        if below == 0.0 || above == 0.0 {
            continue;
        }
        let between = below * above * (below_sum / below - (sum - below_sum) / above).powi(2);
        if between > best {
            best = between;
            at = t;
        }
    }
    at as u8
}

/// The columns a set of pixels spans.
fn span(w: usize, pixels: &[usize]) -> (usize, usize) {
    let xs = pixels.iter().map(|&i| i % w);
    (xs.clone().min().unwrap_or(0), xs.max().unwrap_or(0) + 1)
}

/// The ink split into `count` glyphs: the connected pieces (specks dropped, pieces that
/// share most of their columns joined); then the smallest joined to its nearest
/// neighbour while there are too many, the widest cut in two by `cut` while there are
/// too few.
fn glyphs(
    mask: &Mask,
    count: usize,
    cut: impl Fn(&[usize]) -> (Vec<usize>, Vec<usize>),
) -> Vec<Vec<usize>> {
    let w = mask.w;
    let mut parts: Vec<Vec<usize>> = mask
        .pieces()
        .into_iter()
        .filter(|p| p.len() >= 12)
        .collect();
    parts.sort_by_key(|p| span(w, p).0);
    let mut i = 0;
    while i + 1 < parts.len() {
        let (a, b) = (span(w, &parts[i]), span(w, &parts[i + 1]));
        let shared = a.1.min(b.1).saturating_sub(a.0.max(b.0));
        if shared * 5 >= (a.1 - a.0).min(b.1 - b.0) * 3 {
            let next = parts.remove(i + 1);
            parts[i].extend(next);
        } else {
            i += 1;
        }
    }
    while parts.len() > count {
        let small = (0..parts.len())
            .min_by_key(|&i| parts[i].len())
            .unwrap_or(0);
        let s = span(w, &parts[small]);
        let gap = |j: usize| {
            let o = span(w, &parts[j]);
            o.0.max(s.0).saturating_sub(o.1.min(s.1))
        };
        let near = match (
            small.checked_sub(1),
            (small + 1 < parts.len()).then_some(small + 1),
        ) {
            (Some(l), Some(r)) => {
                if gap(l) <= gap(r) {
                    l
                } else {
                    r
                }
            }
            (Some(l), None) => l,
            (None, Some(r)) => r,
            (None, None) => break,
        };
        let taken = parts.remove(small);
        parts[if near > small { near - 1 } else { near }].extend(taken);
    }
    while parts.len() < count && !parts.is_empty() {
        let widest = (0..parts.len())
            .max_by_key(|&i| {
                let s = span(w, &parts[i]);
                s.1 - s.0
            })
            .unwrap_or(0);
        let (a, b) = span(w, &parts[widest]);
        if b - a < 6 {
            break;
        }
        let (left, right) = cut(&parts[widest]);
        parts[widest] = right;
        parts.insert(widest, left);
    }
    parts
}

/// What the attacker knows of the glyphs, as grids.
pub struct Reader {
    templates: Vec<(char, Vec<f32>)>,
    /// The templates on the coarse grid.
    coarse: Vec<Vec<f32>>,
    palette: Option<fn([u8; 3]) -> bool>,
}

impl Reader {
    fn new(templates: Vec<(char, Vec<f32>)>, palette: Option<fn([u8; 3]) -> bool>) -> Self {
        let coarse = templates
            .iter()
            .map(|(_, t)| coarse(t).unwrap_or_else(|| vec![0.0; TW * TH / 4]))
            .collect();
        Self {
            templates,
            coarse,
            palette,
        }
    }

    /// Templates of the old bitmap font, at each slant it used.
    pub fn for_font() -> Self {
        let mut templates = Vec::new();
        for digit in 0..10 {
            for slant in -1..=1 {
                let scale = 5;
                let mut mask = Mask::new(5 * scale + 8, 7 * scale);
                for y in 0..mask.h {
                    for x in 0..mask.w {
                        mask.on[y * mask.w + x] =
                            old::font_ink(digit, scale as i64, slant, x as i64, y as i64);
                    }
                }
                templates.extend(mask.whole().map(|g| (digit_char(digit), g)));
            }
        }
        // The old digits' colours; the old lines are of others (green always 60, red
        // from 90), so lines only overlap the digits' box in a corner.
        let palette: fn([u8; 3]) -> bool = |[r, g, b]| {
            (20..100).contains(&r)
                && (20..80).contains(&g)
                && (60..160).contains(&b)
                && !(g == 60 && r >= 90)
        };
        Self::new(templates, Some(palette))
    }

    /// Templates of the stroke glyphs: every written form at several shears, rotations
    /// and stretches, drawn by the generator's own code with even strokes.
    pub fn for_strokes() -> Self {
        let mut templates = Vec::new();
        for digit in 0..10 {
            for form in 0..picture::forms(digit) {
                for angle in [-0.3, -0.15, 0.0, 0.15, 0.3] {
                    for shear in [-0.25, 0.0, 0.25] {
                        for stretch in [0.85, 1.0, 1.15] {
                            let pose = Pose {
                                scale: 3.0,
                                stretch,
                                shear,
                                angle,
                                centre: (35.0, 35.0),
                                radius: 2.0,
                            };
                            let mark = picture::glyph(digit, form, &pose, &Default::default(), &[]);
                            let mut mask = Mask::new(70, 70);
                            for y in 0..70 {
                                for x in 0..70 {
                                    mask.on[y * 70 + x] =
                                        mark.cover((x as f32 + 0.5, y as f32 + 0.5)) > 0.5;
                                }
                            }
                            templates.extend(mask.whole().map(|g| (digit_char(digit as usize), g)));
                        }
                    }
                }
            }
        }
        Self::new(templates, None)
    }

    /// The best digit for a glyph grid, with its score: the templates scored on the
    /// coarse grid first, the best 16 of them then on the full one.
    fn best(&self, grid: &[f32]) -> (char, f32) {
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let Some(small) = coarse(grid) else {
            return ('?', -1.0);
        };
        let mut first: Vec<(f32, usize)> = self
            .coarse
            .iter()
            .enumerate()
            .map(|(i, t)| (dot(t, &small), i))
            .collect();
        let keep = first.len().min(16);
        if keep == 0 {
            return ('?', -1.0);
        }
        first.select_nth_unstable_by(keep - 1, |a, b| b.0.total_cmp(&a.0));
        first[..keep]
            .iter()
            .map(|&(_, i)| (self.templates[i].0, dot(&self.templates[i].1, grid)))
            .fold(('?', f32::MIN), |a, b| if b.1 > a.1 { b } else { a })
    }

    /// A piece cut in two between columns, away from its edges: the cut whose halves
    /// match templates best. (Cutting at the column with the least ink fails where
    /// slanted glyphs touch: a 0's inside has less ink than where two 0s meet.)
    fn cut(&self, w: usize, mask: &Mask, piece: &[usize]) -> (Vec<usize>, Vec<usize>) {
        let (a, b) = span(w, piece);
        let mut best = (f32::MIN, (Vec::new(), Vec::new()));
        for x in ((b - a) / 5..(b - a) - (b - a) / 5).step_by(2) {
            let (left, right): (Vec<usize>, Vec<usize>) =
                piece.iter().partition(|&&i| i % w < a + x);
            let score = [&left, &right]
                .iter()
                .map(|p| mask.grid(p).map_or(-1.0, |g| self.best(&g).1))
                .sum::<f32>();
            if score > best.0 {
                best = (score, (left, right));
            }
        }
        best.1
    }

    /// Reads the glyphs of `mask`: for each, its digit, match score and middle column.
    fn read_mask(&self, mask: &Mask) -> Vec<(char, f32, usize)> {
        glyphs(mask, 5, |p| self.cut(mask.w, mask, p))
            .iter()
            .map(|glyph| {
                let (a, b) = span(mask.w, glyph);
                let (d, score) = mask.grid(glyph).map_or(('?', -1.0), |g| self.best(&g));
                (d, score, (a + b) / 2)
            })
            .collect()
    }

    /// The ink: pixels of the ink colours, when the source tells them apart from
    /// the clutter's; else those darker than Otsu's threshold on luminance.
    fn ink(&self, img: &RgbImage) -> Mask {
        let mut ink = Mask::new(img.width() as usize, img.height() as usize);
        if let Some(inked) = self.palette {
            for (o, p) in ink.on.iter_mut().zip(img.pixels()) {
                *o = inked(p.0);
            }
            return ink;
        }
        let lum: Vec<u8> = img
            .pixels()
            .map(|p| {
                let [r, g, b] = p.0.map(f32::from);
                (0.299 * r + 0.587 * g + 0.114 * b) as u8
            })
            .collect();
        let t = otsu(&lum);
        for (o, &l) in ink.on.iter_mut().zip(&lum) {
            *o = l <= t;
        }
        ink
    }

    /// The ink as it is, opened (thin strokes off) at two strengths, and closed (holes
    /// where clutter crossed filled).
    fn cleaned(ink: &Mask) -> [Mask; 4] {
        [
            ink.clone(),
            ink.opened(1),
            ink.opened(2),
            ink.filter(1).filter(9),
        ]
    }

    /// The attacker's reading of a captcha picture. Each cleaned ink is read; the
    /// reading whose glyphs match best on average gives the places, and at each place
    /// the best-matching glyph of any reading there gives the digit.
    pub fn read(&self, img: &RgbImage) -> String {
        let readings: Vec<Vec<(char, f32, usize)>> = Self::cleaned(&self.ink(img))
            .iter()
            .map(|m| self.read_mask(m))
            .collect();
        let mean = |r: &Vec<(char, f32, usize)>| r.iter().map(|g| g.1).sum::<f32>() / 5.0;
        let Some(places) = readings.iter().max_by(|a, b| mean(a).total_cmp(&mean(b))) else {
            return String::new();
        };
        places
            .iter()
            .map(|&(d, score, x)| {
                readings
                    .iter()
                    .flatten()
                    .filter(|g| g.2.abs_diff(x) <= 4)
                    .fold((d, score), |a, g| if g.1 > a.1 { (g.0, g.1) } else { a })
                    .0
            })
            .collect()
    }
}

fn digit_char(d: usize) -> char {
    char::from(b'0' + d as u8)
}
