//! The captcha's picture: each digit drawn from strokes (lines and arcs in a 10x14 box,
//! in one of two written forms for some digits) with its own bend, stretch, shear,
//! lean and a stroke width that changes along each stroke. Neighbours touch or cross
//! and sit up and down by turns; one smooth ink field colours digits and clutter alike;
//! a hairline, short arcs and blots as wide as the strokes lie over them; a long wave
//! and a short ripple bend the whole picture, and the paper has grain and specks. No two
//! draws of a digit are the same bitmap, and the glyphs do not come apart by colour or
//! by gaps: `attack::image` is the bitmap match that this is measured against.

use std::f32::consts::PI;

use image::{Rgb, RgbImage};

use super::Noise;

pub(super) const WIDTH: u32 = 240;
pub(super) const HEIGHT: u32 = 80;
const W: f32 = WIDTH as f32;
const H: f32 = HEIGHT as f32;

/// A point in a glyph's own box: x in 0..10, y in 0..14, y down.
pub(super) type Pt = (f32, f32);

/// How many written forms digit `digit` has.
pub(super) fn forms(digit: u32) -> u32 {
    match digit {
        1 | 2 | 4 | 7 | 9 => 2,
        _ => 1,
    }
}

/// Points along an elliptic arc; angles in degrees, 0 to the right, 90 down.
fn arc(cx: f32, cy: f32, rx: f32, ry: f32, from: f32, to: f32) -> Vec<Pt> {
    let steps = ((to - from).abs() / 12.0).ceil().max(2.0) as usize;
    (0..=steps)
        .map(|i| {
            let a = (from + (to - from) * i as f32 / steps as f32).to_radians();
            (cx + rx * a.cos(), cy + ry * a.sin())
        })
        .collect()
}

/// The strokes of a digit in written form `form` (taken modulo `forms(digit)`).
pub(super) fn strokes(digit: u32, form: u32) -> Vec<Vec<Pt>> {
    let form = form % forms(digit);
    match (digit, form) {
        (0, _) => vec![arc(5.0, 7.0, 4.0, 6.5, 0.0, 360.0)],
        (1, 0) => vec![vec![(3.0, 3.0), (5.6, 0.5), (5.6, 13.5)]],
        (1, _) => vec![
            vec![(2.4, 3.4), (5.4, 0.5), (5.4, 13.5)],
            vec![(2.2, 13.5), (8.6, 13.5)],
        ],
        (2, 0) => {
            let mut s = arc(5.0, 4.6, 4.0, 4.1, 195.0, 400.0);
            s.extend([(1.0, 13.5), (9.3, 13.5)]);
            vec![s]
        }
        (2, _) => {
            let mut s = arc(5.0, 4.6, 4.0, 4.1, 195.0, 390.0);
            s.extend(arc(6.5, 13.5, 5.5, 5.6, 205.0, 180.0));
            s.extend([(2.0, 12.4), (4.0, 13.6), (9.3, 13.2)]);
            vec![s]
        }
        (3, _) => {
            let mut s = arc(5.0, 3.8, 3.8, 3.3, 200.0, 450.0);
            s.extend(arc(5.0, 10.2, 4.2, 3.3, 270.0, 520.0));
            vec![s]
        }
        (4, 0) => vec![vec![(7.0, 13.5), (7.0, 0.5), (0.8, 9.5), (9.5, 9.5)]],
        (4, _) => vec![
            vec![(3.0, 0.5), (1.0, 9.2), (9.5, 9.2)],
            vec![(7.2, 4.0), (7.2, 13.5)],
        ],
        (5, _) => {
            let mut s = vec![(8.8, 0.5), (2.2, 0.5), (1.6, 6.2)];
            s.extend(arc(5.0, 9.4, 4.0, 4.1, 218.0, 505.0));
            vec![s]
        }
        (6, _) => {
            let mut s = arc(7.0, 8.0, 5.8, 7.5, 288.0, 175.0);
            s.extend(arc(5.0, 9.8, 3.8, 3.7, 180.0, 540.0));
            vec![s]
        }
        (7, 0) => vec![vec![(0.8, 2.0), (1.0, 0.5), (9.2, 0.5), (4.0, 13.5)]],
        (7, _) => vec![
            vec![(0.8, 0.5), (9.2, 0.5), (4.0, 13.5)],
            vec![(3.2, 7.0), (8.2, 7.0)],
        ],
        (8, _) => vec![
            arc(5.0, 3.7, 3.4, 3.2, 0.0, 360.0),
            arc(5.0, 10.2, 4.0, 3.3, 0.0, 360.0),
        ],
        (9, 0) => vec![
            arc(5.0, 4.6, 3.8, 4.0, 0.0, 360.0),
            vec![(8.8, 4.6), (8.6, 9.0), (7.6, 13.5)],
        ],
        (_, _) => {
            let mut tail = vec![(8.8, 4.6)];
            tail.extend(arc(3.6, 6.5, 5.2, 7.0, 0.0, 105.0));
            vec![arc(5.0, 4.6, 3.8, 4.0, 0.0, 360.0), tail]
        }
    }
}

/// Where and how one glyph is drawn: pixels per box unit, width against height,
/// shear, rotation (radians), the glyph box centre's place in the picture, and the
/// stroke radius in pixels.
#[derive(Clone, Copy)]
pub(super) struct Pose {
    pub scale: f32,
    pub stretch: f32,
    pub shear: f32,
    pub angle: f32,
    pub centre: (f32, f32),
    pub radius: f32,
}

/// A smooth bend of a glyph's box, the same for all its strokes.
#[derive(Clone, Copy, Default)]
pub(super) struct Bend {
    amp: (f32, f32),
    freq: (f32, f32),
    phase: (f32, f32),
}

impl Bend {
    fn random(noise: &mut Noise) -> Self {
        Self {
            amp: (noise.range(0.4, 0.9), noise.range(0.4, 0.9)),
            freq: (noise.range(0.3, 0.7), noise.range(0.3, 0.7)),
            phase: (noise.range(0.0, 2.0 * PI), noise.range(0.0, 2.0 * PI)),
        }
    }

    fn apply(&self, (x, y): Pt) -> Pt {
        (
            x + self.amp.0 * (self.freq.0 * y + self.phase.0).sin(),
            y + self.amp.1 * (self.freq.1 * x + self.phase.1).sin(),
        )
    }
}

/// A stroke segment in picture coordinates with its radius at either end.
#[derive(Clone, Copy)]
struct Segment {
    a: Pt,
    b: Pt,
    ra: f32,
    rb: f32,
}

/// Strokes of ink: segments and the box that holds them.
pub(super) struct Mark {
    segments: Vec<Segment>,
    bounds: (f32, f32, f32, f32),
}

impl Mark {
    fn new() -> Self {
        Self {
            segments: Vec::new(),
            bounds: (f32::MAX, f32::MAX, f32::MIN, f32::MIN),
        }
    }

    /// A polyline whose radius goes from `r0` to `r1` along its length.
    fn stroke(&mut self, points: &[Pt], r0: f32, r1: f32) {
        let total: f32 = points
            .windows(2)
            .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
            .sum::<f32>()
            .max(1e-3);
        let mut along = 0.0;
        for w in points.windows(2) {
            let len = (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1);
            let ra = r0 + (r1 - r0) * along / total;
            along += len;
            let rb = r0 + (r1 - r0) * along / total;
            self.segments.push(Segment {
                a: w[0],
                b: w[1],
                ra,
                rb,
            });
            let r = ra.max(rb) + 1.0;
            for p in [w[0], w[1]] {
                self.bounds.0 = self.bounds.0.min(p.0 - r);
                self.bounds.1 = self.bounds.1.min(p.1 - r);
                self.bounds.2 = self.bounds.2.max(p.0 + r);
                self.bounds.3 = self.bounds.3.max(p.1 + r);
            }
        }
    }

    /// The same ink `dx` pixels to the right.
    fn shift(&mut self, dx: f32) {
        for s in &mut self.segments {
            s.a.0 += dx;
            s.b.0 += dx;
        }
        self.bounds.0 += dx;
        self.bounds.2 += dx;
    }

    /// How much of the pixel at `p` this ink covers, 0 to 1.
    pub(super) fn cover(&self, p: Pt) -> f32 {
        let (x0, y0, x1, y1) = self.bounds;
        if p.0 < x0 || p.0 > x1 || p.1 < y0 || p.1 > y1 {
            return 0.0;
        }
        let mut best = 0.0_f32;
        for s in &self.segments {
            let (dx, dy) = (s.b.0 - s.a.0, s.b.1 - s.a.1);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (((p.0 - s.a.0) * dx + (p.1 - s.a.1) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let d = (p.0 - s.a.0 - t * dx).hypot(p.1 - s.a.1 - t * dy);
            let r = s.ra + (s.rb - s.ra) * t;
            best = best.max((r + 0.5 - d).clamp(0.0, 1.0));
            if best >= 1.0 {
                break;
            }
        }
        best
    }
}

/// A digit's strokes placed by `pose`, bent by `bend`, each stroke's radius running
/// from `radius * widths[i].0` to `radius * widths[i].1`.
pub(super) fn glyph(
    digit: u32,
    form: u32,
    pose: &Pose,
    bend: &Bend,
    widths: &[(f32, f32)],
) -> Mark {
    let (sin, cos) = pose.angle.sin_cos();
    let place = |p: Pt| {
        let (x, y) = bend.apply(p);
        let x = (x - 5.0) * pose.scale * pose.stretch;
        let y = (y - 7.0) * pose.scale;
        let x = x + pose.shear * -y;
        (
            pose.centre.0 + x * cos - y * sin,
            pose.centre.1 + x * sin + y * cos,
        )
    };
    let mut mark = Mark::new();
    for (i, s) in strokes(digit, form).iter().enumerate() {
        let points: Vec<Pt> = s.iter().map(|&p| place(p)).collect();
        let (w0, w1) = widths.get(i).copied().unwrap_or((1.0, 1.0));
        mark.stroke(&points, pose.radius * w0, pose.radius * w1);
    }
    mark
}

fn dark(noise: &mut Noise) -> [f32; 3] {
    let mut c = [
        noise.range(20.0, 120.0),
        noise.range(20.0, 100.0),
        noise.range(30.0, 130.0),
    ];
    // One channel well down, so every ink reads as dark on the paper.
    c[noise.below(3) as usize] = noise.range(10.0, 50.0);
    c
}

/// The ink's colour, one smooth field over the whole picture for digits and clutter
/// alike: so colour tells no glyph from its neighbour or from a stroke across it.
struct Ink {
    from: [f32; 3],
    to: [f32; 3],
    wave: (f32, f32, f32),
}

impl Ink {
    fn random(noise: &mut Noise) -> Self {
        let angle = noise.range(0.0, PI);
        let k = 2.0 * PI / noise.range(70.0, 160.0);
        Self {
            from: dark(noise),
            to: dark(noise),
            wave: (k * angle.cos(), k * angle.sin(), noise.range(0.0, 2.0 * PI)),
        }
    }

    fn at(&self, (x, y): Pt) -> [f32; 3] {
        let t = 0.5 + 0.5 * (self.wave.0 * x + self.wave.1 * y + self.wave.2).sin();
        [0, 1, 2].map(|k| self.from[k] + (self.to[k] - self.from[k]) * t)
    }
}

/// The digits of `answer` as marks, placed across the picture: each glyph's ink starts
/// a little before the last one's ends, so neighbours touch or cross.
fn digits(answer: &str, noise: &mut Noise) -> Vec<Mark> {
    // Neighbours up and down by turns (so they can overlap more and still read apart).
    let mut up = noise.sign();
    let mut marks: Vec<Mark> = answer
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| {
            up = -up;
            let pose = Pose {
                scale: noise.range(3.0, 3.5),
                stretch: noise.range(0.8, 1.05),
                // Never upright: every glyph leans and is sheared, one way or the other.
                shear: noise.sign() * noise.range(0.12, 0.3),
                angle: noise.sign() * noise.range(0.1, 0.28),
                centre: (0.0, H / 2.0 + up * noise.range(2.0, 5.0)),
                radius: noise.range(1.5, 2.4),
            };
            let bend = Bend::random(noise);
            let widths: Vec<(f32, f32)> = (0..3)
                .map(|_| (noise.range(0.75, 1.25), noise.range(0.75, 1.25)))
                .collect();
            glyph(d, noise.below(2), &pose, &bend, &widths)
        })
        .collect();
    let mut lefts = Vec::new();
    let mut x = 0.0;
    for (i, m) in marks.iter().enumerate() {
        if i > 0 {
            x -= noise.range(3.0, 7.0);
        }
        lefts.push(x);
        x += m.bounds.2 - m.bounds.0;
    }
    let room = W - 12.0;
    let squeeze = if x > room { room / x } else { 1.0 };
    let start = (W - x * squeeze) / 2.0 + noise.range(-6.0, 6.0);
    for (m, left) in marks.iter_mut().zip(lefts) {
        let shift = start + left * squeeze - m.bounds.0;
        m.shift(shift);
    }
    marks
}

/// Marks that are no digit: a long hairline across, a few short arcs, blots.
fn clutter(noise: &mut Noise) -> Vec<Mark> {
    let mut marks = Vec::new();
    for _ in 0..1 {
        let mut mark = Mark::new();
        let p = [
            (noise.range(-10.0, 20.0), noise.range(0.25 * H, 0.75 * H)),
            (
                noise.range(0.2 * W, 0.45 * W),
                noise.range(0.05 * H, 0.95 * H),
            ),
            (
                noise.range(0.55 * W, 0.8 * W),
                noise.range(0.05 * H, 0.95 * H),
            ),
            (
                noise.range(W - 20.0, W + 10.0),
                noise.range(0.25 * H, 0.75 * H),
            ),
        ];
        let points: Vec<Pt> = (0..=40)
            .map(|i| {
                let t = i as f32 / 40.0;
                let u = 1.0 - t;
                let w = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
                (
                    (0..4).map(|k| w[k] * p[k].0).sum(),
                    (0..4).map(|k| w[k] * p[k].1).sum(),
                )
            })
            .collect();
        mark.stroke(&points, noise.range(0.6, 0.85), noise.range(0.6, 0.85));
        marks.push(mark);
    }
    for _ in 0..2 + noise.below(2) {
        let mut mark = Mark::new();
        let r = noise.range(5.0, 12.0);
        let from = noise.range(0.0, 360.0);
        let sweep = noise.range(60.0, 150.0) * noise.sign();
        let points = arc(
            noise.range(10.0, W - 10.0),
            noise.range(8.0, H - 8.0),
            r,
            r * noise.range(0.6, 1.4),
            from,
            from + sweep,
        );
        mark.stroke(&points, noise.range(0.6, 1.0), noise.range(0.6, 1.0));
        marks.push(mark);
    }
    // Blots as wide as the digits' strokes, many touching them: a reader passes over a
    // dot, a template match counts it as part of the glyph it touches.
    for _ in 0..16 + noise.below(9) {
        let mut mark = Mark::new();
        let p = (
            noise.range(0.15 * W, 0.85 * W),
            noise.range(0.2 * H, 0.8 * H),
        );
        let r = noise.range(1.8, 2.6);
        mark.stroke(&[p, p], r, r);
        marks.push(mark);
    }
    marks
}

/// Where each pixel of the picture takes its ink from: a long wave across and one down
/// that bend the whole line of digits, and a short ripple that makes every stroke wavy.
struct Warp {
    long: [(f32, f32, f32); 2],
    ripple: [(f32, f32, f32, f32); 2],
}

impl Warp {
    fn random(noise: &mut Noise) -> Self {
        let mut ripple = || {
            let angle = noise.range(0.0, 2.0 * PI);
            let k = 2.0 * PI / noise.range(18.0, 30.0);
            (
                noise.range(0.3, 0.6),
                k * angle.cos(),
                k * angle.sin(),
                noise.range(0.0, 2.0 * PI),
            )
        };
        let ripple = [ripple(), ripple()];
        Self {
            long: [
                (
                    noise.range(1.5, 3.0),
                    2.0 * PI / noise.range(24.0, 44.0),
                    noise.range(0.0, 2.0 * PI),
                ),
                (
                    noise.range(2.0, 4.0),
                    2.0 * PI / noise.range(55.0, 95.0),
                    noise.range(0.0, 2.0 * PI),
                ),
            ],
            ripple,
        }
    }

    fn at(&self, (x, y): Pt) -> Pt {
        let [(ax, kx, px), (ay, ky, py)] = self.long;
        let [(rx, ux, vx, qx), (ry, uy, vy, qy)] = self.ripple;
        (
            x + ax * (kx * y + px).sin() + rx * (ux * x + vx * y + qx).sin(),
            y + ay * (ky * x + py).sin() + ry * (uy * x + vy * y + qy).sin(),
        )
    }
}

/// The picture of `answer`.
pub(super) fn draw(answer: &str) -> RgbImage {
    draw_with(answer, &mut Noise::new())
}

/// The picture of `answer`, its chance drawn from `noise`.
pub(super) fn draw_with(answer: &str, noise: &mut Noise) -> RgbImage {
    let paper = [
        noise.range(228.0, 246.0),
        noise.range(228.0, 246.0),
        noise.range(222.0, 240.0),
    ];
    let ink = Ink::random(noise);
    let mut marks = digits(answer, noise);
    marks.extend(clutter(noise));
    let warp = Warp::random(noise);
    let mut img = RgbImage::new(WIDTH, HEIGHT);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let p = warp.at((x as f32 + 0.5, y as f32 + 0.5));
            let grain = noise.range(-5.0, 5.0);
            let mut c = paper.map(|v| v + grain);
            let cover = marks.iter().map(|m| m.cover(p)).fold(0.0, f32::max);
            if cover > 0.0 {
                let ink = ink.at(p);
                for k in 0..3 {
                    c[k] += (ink[k] - c[k]) * cover;
                }
            }
            img.put_pixel(x, y, Rgb(c.map(|v| v.clamp(0.0, 255.0) as u8)));
        }
    }
    for _ in 0..250 {
        let (x, y) = (noise.below(WIDTH), noise.below(HEIGHT));
        let shade = 90 + noise.below(120) as u8;
        img.put_pixel(x, y, Rgb([shade, shade, shade]));
    }
    img
}
