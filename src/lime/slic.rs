//! SLIC superpixels as R lime runs them (its own `src/slic.cpp`).
//!
//! Seeds on a grid of step S = sqrt(W·H / n) (along the long side on images
//! thinner than S), moved to the lowest gradient in
//! their 3×3 neighbourhood; exactly `n_iter` rounds of assignment within
//! 2S×2S windows by D = sqrt((dc/weight)² + (ds/S)²) on 8-bit CIELAB; then
//! connectivity is enforced so that every superpixel is one 4-connected
//! piece, with small fragments merged into a neighbour. One deliberate
//! difference: R lets a fragment with no labelled neighbour take label 0,
//! which can make superpixel 0 disconnected; here it keeps its own label.

use crate::preprocess::Planes;

/// A segmentation of an image into superpixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Superpixels {
    /// Image width.
    pub width: usize,
    /// Image height.
    pub height: usize,
    /// Superpixel id of each pixel, row-major, ids 0..count.
    pub labels: Vec<u32>,
    /// Number of superpixels.
    pub count: usize,
}

impl Superpixels {
    /// Pixel indices (row-major `y * width + x`) of each superpixel.
    pub fn members(&self) -> Vec<Vec<u32>> {
        let mut out = vec![Vec::new(); self.count];
        for (i, &l) in self.labels.iter().enumerate() {
            out[l as usize].push(i as u32);
        }
        out
    }

    /// Bounding box of each superpixel: (x0, y0, x1, y1), inclusive.
    pub fn bounding_boxes(&self) -> Vec<(usize, usize, usize, usize)> {
        let mut b = vec![(usize::MAX, usize::MAX, 0, 0); self.count];
        for y in 0..self.height {
            for x in 0..self.width {
                let e = &mut b[self.labels[y * self.width + x] as usize];
                e.0 = e.0.min(x);
                e.1 = e.1.min(y);
                e.2 = e.2.max(x);
                e.3 = e.3.max(y);
            }
        }
        b
    }
}

/// sRGB 0..255 to CIELAB scaled to 8 bits as ImageMagick stores it
/// (L·2.55, a + 128, b + 128).
fn lab8(r: f32, g: f32, b: f32) -> [f32; 3] {
    fn lin(c: f32) -> f32 {
        let c = c / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    }
    fn f(t: f32) -> f32 {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    }
    let (r, g, b) = (lin(r), lin(g), lin(b));
    let x = (0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b) / 0.950_47;
    let y = 0.212_672_9 * r + 0.715_152_2 * g + 0.072_175 * b;
    let z = (0.019_333_9 * r + 0.119_192 * g + 0.950_304_1 * b) / 1.088_83;
    let (fx, fy, fz) = (f(x), f(y), f(z));
    let l = 116.0 * fy - 16.0;
    [
        (l * 2.55).round().clamp(0.0, 255.0),
        (500.0 * (fx - fy) + 128.0).round().clamp(0.0, 255.0),
        (200.0 * (fy - fz) + 128.0).round().clamp(0.0, 255.0),
    ]
}

/// Runs SLIC on a face (gray or RGB planes, 0..255).
///
/// `n_superpixels` is the requested count (the result is only close to it),
/// `weight` the compactness, `n_iter` the number of rounds.
pub fn slic(face: &Planes, n_superpixels: usize, weight: f64, n_iter: usize) -> Superpixels {
    let (w, h) = (face.width, face.height);
    let n = w * h;
    // A gray face has 256 possible colours: convert through a table.
    let gray_lab: Vec<[f32; 3]> = (0..256)
        .map(|g| lab8(g as f32, g as f32, g as f32))
        .collect();
    let lab: Vec<[f32; 3]> = (0..n)
        .map(|i| match face.planes.len() {
            3 => lab8(face.planes[0][i], face.planes[1][i], face.planes[2][i]),
            _ => gray_lab[face.planes[0][i].round().clamp(0.0, 255.0) as usize],
        })
        .collect();
    let step = grid_step(w, h, n_superpixels);

    // Seeds on the grid; the integer counter truncates at every step, as in R.
    let mut centres: Vec<[f64; 5]> = Vec::new();
    let half = step / 2.0;
    let grid = |size: usize| {
        let mut v = Vec::new();
        let mut c = half as usize;
        while (c as f64) < size as f64 - half {
            v.push(c);
            c = (c as f64 + step) as usize;
        }
        if v.is_empty() {
            v.push(size / 2);
        }
        v
    };
    let gradient = |x: usize, y: usize| -> f32 {
        let x = x.min(w.saturating_sub(2));
        let y = y.min(h.saturating_sub(2));
        let l = lab[y * w + x][0];
        let down = if h > 1 { lab[(y + 1) * w + x][0] } else { l };
        let right = if w > 1 { lab[y * w + x + 1][0] } else { l };
        (down - l).abs() + (right - l).abs()
    };
    for &cy in &grid(h) {
        for &cx in &grid(w) {
            let (mut bx, mut by, mut bg) = (cx, cy, f32::INFINITY);
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (x, y) = (cx as i64 + dx, cy as i64 + dy);
                    if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
                        continue;
                    }
                    let g = gradient(x as usize, y as usize);
                    if g < bg {
                        (bx, by, bg) = (x as usize, y as usize, g);
                    }
                }
            }
            let p = lab[by * w + bx];
            centres.push([p[0] as f64, p[1] as f64, p[2] as f64, bx as f64, by as f64]);
        }
    }

    let mut labels = vec![0u32; n];
    let mut dist = vec![f32::INFINITY; n];
    let s = step as i64;
    // D² = dc²/m² + ds²/S² orders pixels as D does, without square roots.
    let (inv_m2, inv_s2) = (
        (1.0 / (weight * weight)) as f32,
        (1.0 / (step * step)) as f32,
    );
    // Channels as separate planes so the inner loop runs over plain slices
    // (vectorised, no bounds checks); a gray face has a = b = 128 everywhere.
    let plane = |c: usize| -> Vec<f32> { lab.iter().map(|p| p[c]).collect() };
    let (lp, ap, bp) = (plane(0), plane(1), plane(2));
    let bytes = |p: &[f32]| -> Vec<u8> { p.iter().map(|&v| v as u8).collect() };
    let (l8, a8, b8) = (bytes(&lp), bytes(&ap), bytes(&bp));
    let colour = face.planes.len() == 3;
    let grid = Assign {
        w,
        h,
        s,
        inv_m2,
        inv_s2,
        lp: &lp,
        ap: &ap,
        bp: &bp,
        colour,
    };
    let mut dist2 = vec![f32::INFINITY; n];
    let mut labels2 = vec![0u32; n];
    for _ in 0..n_iter {
        dist.iter_mut().for_each(|d| *d = f32::INFINITY);
        dist2.iter_mut().for_each(|d| *d = f32::INFINITY);
        // Two halves of the centres on two cores, merged pixel by pixel; a
        // tie goes to the first half, i.e. to the lower centre as in one pass.
        let half = centres.len() / 2;
        std::thread::scope(|sc| {
            sc.spawn(|| grid.run(&centres[half..], half, &mut dist2, &mut labels2));
            grid.run(&centres[..half], 0, &mut dist, &mut labels);
        });
        for (((d, l), &d2), &l2) in dist
            .iter_mut()
            .zip(labels.iter_mut())
            .zip(&dist2)
            .zip(&labels2)
        {
            let better = d2 < *d;
            *d = if better { d2 } else { *d };
            *l = if better { l2 } else { *l };
        }
        // New centres: the mean colour and position of their pixels. Lab
        // values are whole numbers, so runs of equal labels (most of a row
        // belongs to few superpixels) are summed in integers, and only the
        // run totals are scattered.
        let mut sums = vec![[0u64; 6]; centres.len()];
        for y in 0..h {
            let row = &labels[y * w..(y + 1) * w];
            let mut x = 0;
            while x < w {
                let l = row[x];
                let start = x;
                while x < w && row[x] == l {
                    x += 1;
                }
                let run = |p: &[u8]| {
                    p[y * w + start..y * w + x]
                        .iter()
                        .map(|&v| v as u64)
                        .sum::<u64>()
                };
                let len = (x - start) as u64;
                let e = &mut sums[l as usize];
                e[0] += run(&l8);
                e[1] += run(&a8);
                e[2] += run(&b8);
                e[3] += (start + x - 1) as u64 * len / 2;
                e[4] += y as u64 * len;
                e[5] += len;
            }
        }
        for (c, e) in centres.iter_mut().zip(&sums) {
            if e[5] > 0 {
                for d in 0..5 {
                    c[d] = e[d] as f64 / e[5] as f64;
                }
            }
        }
    }
    enforce_connectivity(&labels, w, h, centres.len().max(1))
}

/// One assignment pass of SLIC over some centres.
struct Assign<'a> {
    w: usize,
    h: usize,
    s: i64,
    inv_m2: f32,
    inv_s2: f32,
    lp: &'a [f32],
    ap: &'a [f32],
    bp: &'a [f32],
    colour: bool,
}

impl Assign<'_> {
    /// Gives each pixel in the 2S×2S window of a centre that centre's id
    /// (`first` + its index) where it is closer than anything before.
    fn run(&self, centres: &[[f64; 5]], first: usize, dist: &mut [f32], labels: &mut [u32]) {
        let (w, h, s) = (self.w, self.h, self.s);
        let mut dx2 = Vec::with_capacity(2 * s as usize + 1);
        for (k, c) in centres.iter().enumerate() {
            let (cx, cy) = (c[3] as i64, c[4] as i64);
            let (x0, x1) = ((cx - s).max(0) as usize, (cx + s).min(w as i64) as usize);
            let (y0, y1) = ((cy - s).max(0) as usize, (cy + s).min(h as i64) as usize);
            let (cl, ca, cb) = (c[0] as f32, c[1] as f32, c[2] as f32);
            dx2.clear();
            dx2.extend((x0..x1).map(|x| {
                let dx = (x as i64 - cx) as f32;
                dx * dx * self.inv_s2
            }));
            let k = (first + k) as u32;
            for y in y0..y1 {
                let dy = (y as i64 - cy) as f32;
                let dy2 = dy * dy * self.inv_s2;
                let r = y * w + x0..y * w + x1;
                let (dist_row, label_row) = (&mut dist[r.clone()], &mut labels[r.clone()]);
                // slic.cpp truncates the colour deltas to integers; we keep
                // them exact: it only moves ties, and the truncating cast
                // (saturating in Rust) keeps the loop from vectorising.
                if self.colour {
                    let (l, a, b) = (&self.lp[r.clone()], &self.ap[r.clone()], &self.bp[r]);
                    for i in 0..dist_row.len() {
                        let (dl, da, db) = (l[i] - cl, a[i] - ca, b[i] - cb);
                        let d = (dl * dl + da * da + db * db) * self.inv_m2 + dx2[i] + dy2;
                        if d < dist_row[i] {
                            dist_row[i] = d;
                            label_row[i] = k;
                        }
                    }
                } else {
                    let l = &self.lp[r];
                    for (((dr, lr), &lv), &d2) in dist_row
                        .iter_mut()
                        .zip(label_row.iter_mut())
                        .zip(l)
                        .zip(&dx2)
                    {
                        let dl = lv - cl;
                        let d = dl * dl * self.inv_m2 + d2 + dy2;
                        // Branch-free so that the loop vectorises.
                        let better = d < *dr;
                        *dr = if better { d } else { *dr };
                        *lr = if better { k } else { *lr };
                    }
                }
            }
        }
    }
}

/// The seeds' grid step: S = sqrt(W·H / n) as R lime, except on an image
/// thinner than S, which would get a single row of W / S seeds far more than
/// n (a 1×5000 strip asked for 40 got 551 superpixels and a local model
/// cubic in them): there the n seeds share the long side, as scikit-image's
/// grid does.
fn grid_step(w: usize, h: usize, n_superpixels: usize) -> f64 {
    let n = n_superpixels.max(1) as f64;
    let square = ((w * h) as f64 / n).sqrt();
    let step = if (w.min(h) as f64) < square {
        w.max(h) as f64 / n
    } else {
        square
    };
    step.max(1.0)
}

/// Relabels 4-connected components 0..K in scan order, merging components of
/// at most a quarter of the mean superpixel size into a labelled neighbour.
fn enforce_connectivity(old: &[u32], w: usize, h: usize, k: usize) -> Superpixels {
    let n = w * h;
    let limit = (n / k) / 4;
    let mut new = vec![u32::MAX; n];
    let mut next = 0u32;
    let mut stack = Vec::new();
    let mut component = Vec::new();
    for start in 0..n {
        if new[start] != u32::MAX {
            continue;
        }
        let (sx, sy) = (start % w, start / w);
        let mut adjacent = None;
        for (nx, ny) in neighbours(sx, sy, w, h) {
            let j = ny * w + nx;
            if new[j] != u32::MAX {
                adjacent = Some(new[j]);
            }
        }
        component.clear();
        stack.push(start);
        new[start] = next;
        while let Some(i) = stack.pop() {
            component.push(i);
            for (nx, ny) in neighbours(i % w, i / w, w, h) {
                let j = ny * w + nx;
                if new[j] == u32::MAX && old[j] == old[start] {
                    new[j] = next;
                    stack.push(j);
                }
            }
        }
        match adjacent {
            Some(a) if component.len() <= limit => {
                for &i in &component {
                    new[i] = a;
                }
            }
            _ => next += 1,
        }
    }
    Superpixels {
        width: w,
        height: h,
        labels: new,
        count: next as usize,
    }
}

fn neighbours(x: usize, y: usize, w: usize, h: usize) -> impl Iterator<Item = (usize, usize)> {
    let mut v = [(usize::MAX, 0); 4];
    if x > 0 {
        v[0] = (x - 1, y);
    }
    if y > 0 {
        v[1] = (x, y - 1);
    }
    if x + 1 < w {
        v[2] = (x + 1, y);
    }
    if y + 1 < h {
        v[3] = (x, y + 1);
    }
    v.into_iter().filter(|p| p.0 != usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(w: usize, h: usize) -> Planes {
        // Smooth shading with a dark "mouth" box and a bright stripe.
        let plane = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let mut v = 80.0 + 100.0 * (x as f32 / w as f32) + 40.0 * (y as f32 / h as f32);
                if (w / 3..2 * w / 3).contains(&x) && (2 * h / 3..5 * h / 6).contains(&y) {
                    v = 20.0;
                }
                if (h / 5..h / 4).contains(&y) {
                    v = 250.0;
                }
                v
            })
            .collect();
        Planes {
            width: w,
            height: h,
            planes: vec![plane],
        }
    }

    fn connected(sp: &Superpixels) -> bool {
        let members = sp.members();
        members.iter().all(|m| {
            if m.is_empty() {
                return false;
            }
            let set: std::collections::HashSet<u32> = m.iter().cloned().collect();
            let mut seen = std::collections::HashSet::new();
            let mut stack = vec![m[0]];
            seen.insert(m[0]);
            while let Some(i) = stack.pop() {
                let (x, y) = (i as usize % sp.width, i as usize / sp.width);
                for (nx, ny) in neighbours(x, y, sp.width, sp.height) {
                    let j = (ny * sp.width + nx) as u32;
                    if set.contains(&j) && seen.insert(j) {
                        stack.push(j);
                    }
                }
            }
            seen.len() == m.len()
        })
    }

    #[test]
    fn superpixels_are_connected_and_close_to_the_request() {
        for &(w, h, n) in &[(64, 64, 20), (320, 320, 40), (121, 97, 46), (320, 320, 50)] {
            let sp = slic(&face(w, h), n, 20.0, 10);
            assert!(connected(&sp), "{w}x{h} n={n}");
            assert!(
                sp.count as f64 >= 0.5 * n as f64 && sp.count as f64 <= 1.6 * n as f64,
                "{w}x{h}: asked {n}, got {}",
                sp.count
            );
            assert!(sp.labels.iter().all(|&l| (l as usize) < sp.count));
        }
    }

    #[test]
    fn deterministic() {
        let f = face(100, 80);
        assert_eq!(slic(&f, 30, 20.0, 10), slic(&f, 30, 20.0, 10));
    }

    #[test]
    fn thin_strips_get_about_the_requested_count() {
        for (w, h) in [(1, 5000), (5000, 1), (3, 2000), (7000, 10)] {
            let sp = slic(&face(w, h), 40, 20.0, 10);
            assert!(
                (20..=80).contains(&sp.count),
                "{w}×{h}: {} superpixels for 40",
                sp.count
            );
            assert!(connected(&sp));
        }
    }

    #[test]
    fn tiny_images_do_not_panic() {
        for &(w, h) in &[(1, 1), (2, 1), (3, 7)] {
            let sp = slic(&face(w, h), 50, 20.0, 10);
            assert!(sp.count >= 1);
        }
    }

    #[test]
    fn gray_lab_is_lightness() {
        assert_eq!(lab8(0.0, 0.0, 0.0), [0.0, 128.0, 128.0]);
        assert_eq!(lab8(255.0, 255.0, 255.0)[0], 255.0);
    }
}
