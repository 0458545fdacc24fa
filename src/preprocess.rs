//! From an image file to the model's input tensor, the way Keras does it.
//!
//! Keras' `load_img` goes through PIL: `convert("L")` for grayscale, then
//! `resize(target_size, resample)`. We reproduce both exactly (PIL's
//! fixed-point luma weights, PIL's resampling kernels and support), because a
//! different resize changes the model's output noticeably on 64×64 inputs.

use std::path::Path;
use std::sync::{Condvar, Mutex};

use image::{DynamicImage, ImageDecoder};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Memory layout of the input tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Layout {
    /// batch, height, width, channels (Keras' `channels_last`).
    #[serde(rename = "NHWC")]
    Nhwc,
    /// batch, channels, height, width (PyTorch's order).
    #[serde(rename = "NCHW")]
    Nchw,
}

impl Layout {
    /// The name the card uses.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Nhwc => "NHWC",
            Layout::Nchw => "NCHW",
        }
    }
}

/// Colour the model expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Colour {
    /// One channel, ITU-R 601-2 luma as PIL's `convert("L")`.
    Gray,
    /// Three channels, R, G, B.
    Rgb,
}

impl Colour {
    /// Number of channels this colour has.
    pub fn channels(self) -> usize {
        match self {
            Colour::Gray => 1,
            Colour::Rgb => 3,
        }
    }
}

/// Resampling filter used to bring a face to the model's input size, with
/// PIL's semantics (Keras loads images through PIL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResizeFilter {
    /// PIL `NEAREST`: Keras' `load_img(target_size=...)` default.
    Nearest,
    /// PIL `BILINEAR` (triangle filter, widened when downscaling).
    Bilinear,
    /// PIL `BICUBIC` (a = -0.5).
    Bicubic,
    /// PIL `LANCZOS` (a = 3).
    Lanczos,
}

/// Input section of the card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// Tensor layout.
    pub layout: Layout,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Number of channels (1 for gray, 3 for rgb).
    pub channels: usize,
    /// Colour conversion before resizing.
    pub colour: Colour,
    /// Resampling filter.
    pub resize: ResizeFilter,
    /// Each 0..255 pixel value `x` becomes `x * scale + offset`.
    pub scale: f32,
    /// See `scale`.
    pub offset: f32,
}

impl InputSpec {
    /// Number of floats in one input image.
    pub fn len(&self) -> usize {
        self.width * self.height * self.channels
    }

    /// Whether an input image has no values (never for a valid card).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The input tensor's shape for a batch of `n` images.
    pub fn shape(&self, n: usize) -> [usize; 4] {
        match self.layout {
            Layout::Nhwc => [n, self.height, self.width, self.channels],
            Layout::Nchw => [n, self.channels, self.height, self.width],
        }
    }
}

/// A decoded image as planar 8-bit channels (1 for gray, 3 for RGB).
#[derive(Debug, Clone, PartialEq)]
pub struct Planes {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// One `width * height` row-major plane per channel.
    pub planes: Vec<Vec<f32>>,
}

impl Planes {
    /// Number of pixels in one plane.
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }
}

/// Reads and decodes an image file. The format is detected from the content,
/// so a text file named `.png` is reported as what it is.
pub fn load_image(path: &Path) -> Result<DynamicImage> {
    let err = |problem: String| Error::Image {
        path: path.to_path_buf(),
        problem,
    };
    let bytes = crate::files::read_regular(path).map_err(err)?;
    decode_image(path, &bytes)
}

/// Longest side a face is explained at, in pixels. The model sees 48 or
/// 64 pixels and 40 superpixels need a few hundred; an 8000-pixel face
/// explained at its own size would hold gigabytes of planes and
/// perturbations for no finer answer. The bundled faces are all smaller.
pub const FACE_SIDE: u32 = 512;

/// A face reduced to at most [`FACE_SIDE`] on its longest side (aspect
/// kept, an area-averaging filter); a smaller face is returned as it is.
pub fn working_face(image: DynamicImage) -> DynamicImage {
    if image.width().max(image.height()) <= FACE_SIDE {
        return image;
    }
    image.resize(FACE_SIDE, FACE_SIDE, image::imageops::FilterType::Triangle)
}

/// [`load_image`] for a face to explain or show: [`working_face`] of it.
pub fn load_face(path: &Path) -> Result<DynamicImage> {
    load_image(path).map(working_face)
}

/// Largest image side decoded, in pixels: faces are far smaller, and a
/// file that declares more is refused before anything is decoded.
pub const MAX_SIDE: u32 = 8000;
/// Largest image decoded, in pixels.
pub const MAX_PIXELS: u64 = 64_000_000;
/// Bytes per pixel at most (16-bit RGBA), for the decoder's memory limit.
const MAX_BYTES_PER_PIXEL: u64 = 8;

/// Decodes image bytes; `path` only names the source in errors.
pub fn decode_image(path: &Path, bytes: &[u8]) -> Result<DynamicImage> {
    let err = |problem: String| Error::Image {
        path: path.to_path_buf(),
        problem,
    };
    if bytes.is_empty() {
        return Err(err("empty file, not an image".into()));
    }
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if reader.format().is_none() {
        return Err(err(
            "not an image (the content is not PNG, JPEG, BMP, GIF, TIFF or WebP)".into(),
        ));
    }
    if reader.format() == Some(image::ImageFormat::Jpeg) && !jpeg_is_complete(bytes) {
        // The JPEG decoder would fill the missing part in grey and say
        // nothing: a different face, a different prediction.
        return Err(err(
            "truncated JPEG: the file ends before its end-of-image marker (cut short while copying?)"
                .into(),
        ));
    }
    // The size the header declares, before any pixel is decoded.
    let (w, h) = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| err(format!("cannot read: {e}")))?
        .into_dimensions()
        .map_err(|e| err(format!("corrupt or unsupported image: {e}")))?;
    if w > MAX_SIDE || h > MAX_SIDE || w as u64 * h as u64 > MAX_PIXELS {
        return Err(err(format!(
            "{w}×{h} pixels is larger than emotui decodes (at most {MAX_SIDE} a side and {} megapixels): crop or scale the face first",
            MAX_PIXELS / 1_000_000
        )));
    }
    // Held until the pixels are decoded: workers decoding at once share
    // one budget.
    let _ticket = DecodeTicket::reserve(w as u64 * h as u64);
    let mut reader = reader;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * MAX_BYTES_PER_PIXEL);
    reader.limits(limits);
    let corrupt = |e: image::ImageError| err(format!("corrupt or unsupported image: {e}"));
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    // A phone's JPEG stores the sensor's pixels and says in EXIF how to
    // turn them; every viewer applies it, and so must we, or a face is
    // read sideways. An unreadable EXIF block leaves the pixels as stored.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    img.apply_orientation(orientation);
    if img.width() == 0 || img.height() == 0 {
        return Err(err("image has no pixels".into()));
    }
    Ok(img)
}

/// Pixels decoded at the same time, across all threads: the explorer's
/// prediction and picture workers may each decode a large image at once, and
/// each may take up to `MAX_BYTES_PER_PIXEL` bytes a pixel. A decode waits
/// until its pixels fit (one alone always fits: it is at most `MAX_PIXELS`).
const DECODE_BUDGET: u64 = MAX_PIXELS;

static IN_FLIGHT: (Mutex<u64>, Condvar) = (Mutex::new(0), Condvar::new());

/// A share of [`DECODE_BUDGET`], given back when dropped.
struct DecodeTicket(u64);

impl DecodeTicket {
    fn reserve(pixels: u64) -> DecodeTicket {
        let (lock, freed) = &IN_FLIGHT;
        let mut used = lock.lock().unwrap_or_else(|e| e.into_inner());
        while *used > 0 && *used + pixels > DECODE_BUDGET {
            used = freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += pixels;
        DecodeTicket(pixels)
    }
}

impl Drop for DecodeTicket {
    fn drop(&mut self) {
        let (lock, freed) = &IN_FLIGHT;
        let mut used = lock.lock().unwrap_or_else(|e| e.into_inner());
        *used -= self.0;
        freed.notify_all();
    }
}

/// Whether a JPEG's last scan is followed by its end-of-image marker
/// (0xFFD9). The last start-of-scan (0xFFDA) is the reference point, so that
/// the end marker of an embedded thumbnail does not count.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last = |marker: u8| bytes.windows(2).rposition(|w| w == [0xFF, marker]);
    match (last(0xDA), last(0xD9)) {
        (Some(sos), Some(eoi)) => eoi > sos,
        (None, Some(_)) => true,
        _ => false,
    }
}

/// PIL's `convert("L")`: ITU-R 601-2 luma in 16-bit fixed point, rounded.
pub fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((r as u32 * 19595 + g as u32 * 38470 + b as u32 * 7471 + 0x8000) >> 16) as u8
}

/// Converts to the card's colour as 8-bit planes. Alpha is dropped without
/// compositing, as PIL does; 16-bit images are scaled to 8 bits.
pub fn to_planes(img: &DynamicImage, colour: Colour) -> Planes {
    let rgb = img.to_rgb8();
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let planes = match colour {
        Colour::Gray => {
            // An image that is already gray must not go through the RGB
            // round trip's luma rounding: PIL leaves mode "L" untouched.
            let plane = match img {
                DynamicImage::ImageLuma8(g) => g.as_raw().iter().map(|&v| v as f32).collect(),
                DynamicImage::ImageLumaA8(_)
                | DynamicImage::ImageLuma16(_)
                | DynamicImage::ImageLumaA16(_) => {
                    img.to_luma8().as_raw().iter().map(|&v| v as f32).collect()
                }
                _ => rgb
                    .pixels()
                    .map(|p| luma(p[0], p[1], p[2]) as f32)
                    .collect(),
            };
            vec![plane]
        }
        Colour::Rgb => (0..3)
            .map(|c| rgb.pixels().map(|p| p[c] as f32).collect())
            .collect(),
    };
    Planes {
        width: w,
        height: h,
        planes,
    }
}

/// A precomputed 1-D resampling: for each output index, the first input
/// index and the weights that follow it.
#[derive(Debug, Clone)]
struct Kernel1d {
    starts: Vec<usize>,
    weights: Vec<Vec<f32>>,
    /// The same weights in PIL's fixed point, for bit-exact 8-bit output.
    fixed: Vec<Vec<i64>>,
}

/// PIL's fixed-point precision for 8-bit resampling (Resample.c).
const PRECISION_BITS: u32 = 32 - 8 - 2;

fn to_fixed(w: f64) -> i64 {
    let scaled = w * (1u64 << PRECISION_BITS) as f64;
    if w < 0.0 {
        (scaled - 0.5) as i64
    } else {
        (scaled + 0.5) as i64
    }
}

/// PIL's `clip8`: accumulator back to 0..255.
fn clip8(acc: i64) -> f32 {
    (acc >> PRECISION_BITS).clamp(0, 255) as f32
}

fn filter_support(filter: ResizeFilter) -> f64 {
    match filter {
        ResizeFilter::Nearest => 0.0,
        ResizeFilter::Bilinear => 1.0,
        ResizeFilter::Bicubic => 2.0,
        ResizeFilter::Lanczos => 3.0,
    }
}

fn filter_value(filter: ResizeFilter, x: f64) -> f64 {
    fn sinc(x: f64) -> f64 {
        if x == 0.0 {
            1.0
        } else {
            let px = std::f64::consts::PI * x;
            px.sin() / px
        }
    }
    let ax = x.abs();
    match filter {
        ResizeFilter::Nearest => 0.0,
        ResizeFilter::Bilinear => (1.0 - ax).max(0.0),
        ResizeFilter::Bicubic => {
            let a = -0.5;
            if ax < 1.0 {
                ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1.0
            } else if ax < 2.0 {
                (((ax - 5.0) * ax + 8.0) * ax - 4.0) * a
            } else {
                0.0
            }
        }
        ResizeFilter::Lanczos => {
            if ax < 3.0 {
                sinc(x) * sinc(x / 3.0)
            } else {
                0.0
            }
        }
    }
}

impl Kernel1d {
    /// PIL's `precompute_coeffs` (Resample.c), in floating point.
    fn new(in_size: usize, out_size: usize, filter: ResizeFilter) -> Kernel1d {
        let scale = in_size as f64 / out_size as f64;
        if filter == ResizeFilter::Nearest {
            // PIL resizes with NEAREST through an affine transform that
            // samples the input at the centre of each output pixel.
            let starts = (0..out_size)
                .map(|x| (((x as f64 + 0.5) * scale) as usize).min(in_size - 1))
                .collect();
            return Kernel1d {
                starts,
                weights: vec![vec![1.0]; out_size],
                fixed: vec![vec![1 << PRECISION_BITS]; out_size],
            };
        }
        let filterscale = scale.max(1.0);
        let support = filter_support(filter) * filterscale;
        let ss = 1.0 / filterscale;
        let mut starts = Vec::with_capacity(out_size);
        let mut weights = Vec::with_capacity(out_size);
        let mut fixed = Vec::with_capacity(out_size);
        for xx in 0..out_size {
            let center = (xx as f64 + 0.5) * scale;
            let xmin = ((center - support + 0.5).floor().max(0.0)) as usize;
            let xmax = ((center + support + 0.5).floor() as usize).min(in_size);
            let mut k: Vec<f64> = (xmin..xmax)
                .map(|x| filter_value(filter, (x as f64 - center + 0.5) * ss))
                .collect();
            let ww: f64 = k.iter().sum();
            if ww != 0.0 {
                k.iter_mut().for_each(|v| *v /= ww);
            }
            starts.push(xmin);
            fixed.push(k.iter().map(|&v| to_fixed(v)).collect());
            weights.push(k.into_iter().map(|v| v as f32).collect());
        }
        Kernel1d {
            starts,
            weights,
            fixed,
        }
    }
}

/// A resize from one size to another, precomputed so that it can be applied
/// to many planes (every superpixel of a face, for example).
#[derive(Debug, Clone)]
pub struct Resizer {
    in_w: usize,
    in_h: usize,
    out_w: usize,
    out_h: usize,
    horizontal: Kernel1d,
    vertical: Kernel1d,
    /// Round and clamp to 0..255 after each pass, as PIL's 8-bit path does.
    quantize: bool,
}

impl Resizer {
    /// A resizer from `in_w × in_h` to `out_w × out_h`. With `quantize`, the
    /// result matches PIL's 8-bit output; without, the resize is exactly
    /// linear (used to resize parts of an image separately and add them).
    pub fn new(
        (in_w, in_h): (usize, usize),
        (out_w, out_h): (usize, usize),
        filter: ResizeFilter,
        quantize: bool,
    ) -> Resizer {
        Resizer {
            in_w,
            in_h,
            out_w,
            out_h,
            horizontal: Kernel1d::new(in_w, out_w, filter),
            vertical: Kernel1d::new(in_h, out_h, filter),
            quantize,
        }
    }

    /// Resizes every plane; `rows` as in [`Resizer::apply_rows`].
    pub fn resize(&self, planes: &Planes, rows: std::ops::Range<usize>) -> Planes {
        Planes {
            width: self.out_w,
            height: self.out_h,
            planes: planes
                .planes
                .iter()
                .map(|p| self.apply_rows(p, rows.clone()))
                .collect(),
        }
    }

    /// Resizes one row-major plane.
    pub fn apply(&self, plane: &[f32]) -> Vec<f32> {
        self.apply_rows(plane, 0..self.in_h)
    }

    /// Resizes a plane that is zero outside the input rows `rows` (a
    /// superpixel's extent), skipping the work on the zero rows.
    pub fn apply_rows(&self, plane: &[f32], rows: std::ops::Range<usize>) -> Vec<f32> {
        debug_assert_eq!(plane.len(), self.in_w * self.in_h);
        let rows = rows.start.min(self.in_h)..rows.end.min(self.in_h);
        // PIL skips a pass whose size does not change.
        let tmp = if self.in_w == self.out_w {
            plane.to_vec()
        } else {
            let mut tmp = vec![0.0f32; self.out_w * self.in_h];
            for y in rows.clone() {
                let row = &plane[y * self.in_w..(y + 1) * self.in_w];
                for x in 0..self.out_w {
                    let s = self.horizontal.starts[x];
                    tmp[y * self.out_w + x] = if self.quantize {
                        let acc = self.horizontal.fixed[x]
                            .iter()
                            .zip(&row[s..])
                            .fold(1i64 << (PRECISION_BITS - 1), |a, (w, &v)| a + w * v as i64);
                        clip8(acc)
                    } else {
                        self.horizontal.weights[x]
                            .iter()
                            .zip(&row[s..])
                            .map(|(w, v)| w * v)
                            .sum()
                    };
                }
            }
            tmp
        };
        if self.in_h == self.out_h {
            return tmp;
        }
        let w = self.out_w;
        let mut out = vec![0.0f32; w * self.out_h];
        for y in 0..self.out_h {
            let s = self.vertical.starts[y];
            let taps = self.vertical.weights[y].len();
            if s >= rows.end || s + taps <= rows.start {
                continue;
            }
            let dst = &mut out[y * w..(y + 1) * w];
            if self.quantize {
                let ks = &self.vertical.fixed[y];
                for (x, d) in dst.iter_mut().enumerate() {
                    let acc = ks
                        .iter()
                        .enumerate()
                        .fold(1i64 << (PRECISION_BITS - 1), |a, (k, wt)| {
                            a + wt * tmp[(s + k) * w + x] as i64
                        });
                    *d = clip8(acc);
                }
            } else {
                for (k, wt) in self.vertical.weights[y].iter().enumerate() {
                    let src = &tmp[(s + k) * w..(s + k + 1) * w];
                    for (d, v) in dst.iter_mut().zip(src) {
                        *d += wt * v;
                    }
                }
            }
        }
        out
    }
}

/// Turns faces into model input tensors according to a card's input spec.
#[derive(Debug, Clone)]
pub struct Preprocessor {
    spec: InputSpec,
}

impl Preprocessor {
    /// A preprocessor for the given input spec.
    pub fn new(spec: InputSpec) -> Preprocessor {
        Preprocessor { spec }
    }

    /// The input spec.
    pub fn spec(&self) -> &InputSpec {
        &self.spec
    }

    /// The face as the model sees it before normalisation: colour converted
    /// and resized, 0..255 planes.
    pub fn resized_planes(&self, img: &DynamicImage) -> Planes {
        let planes = to_planes(img, self.spec.colour);
        self.resize(&planes, true)
    }

    /// Resizes planes to the model's input size.
    pub fn resize(&self, planes: &Planes, quantize: bool) -> Planes {
        self.resizer_for(planes, quantize)
            .resize(planes, 0..planes.height)
    }

    /// A resizer from the size of `planes` to the model's input size.
    pub fn resizer_for(&self, planes: &Planes, quantize: bool) -> Resizer {
        Resizer::new(
            (planes.width, planes.height),
            (self.spec.width, self.spec.height),
            self.spec.resize,
            quantize,
        )
    }

    /// The input tensor (one image, in the card's layout) for a decoded image.
    pub fn tensor(&self, img: &DynamicImage) -> Vec<f32> {
        let planes = self.resized_planes(img);
        let mut out = Vec::with_capacity(self.spec.len());
        self.write_tensor(&planes, &mut out);
        out
    }

    /// Appends the normalised tensor of model-sized planes to `out`.
    pub fn write_tensor(&self, planes: &Planes, out: &mut Vec<f32>) {
        let start = out.len();
        out.resize(start + planes.pixels() * planes.planes.len(), 0.0);
        self.fill_tensor(planes, &mut out[start..]);
    }

    /// Writes the normalised tensor of model-sized planes into `out`, which
    /// holds exactly one image.
    pub fn fill_tensor(&self, planes: &Planes, out: &mut [f32]) {
        let (scale, offset) = (self.spec.scale, self.spec.offset);
        let c = planes.planes.len();
        match self.spec.layout {
            Layout::Nchw => {
                for (p, dst) in planes.planes.iter().zip(out.chunks_mut(planes.pixels())) {
                    for (d, &v) in dst.iter_mut().zip(p) {
                        *d = v * scale + offset;
                    }
                }
            }
            Layout::Nhwc => {
                for (ch, p) in planes.planes.iter().enumerate() {
                    for (i, &v) in p.iter().enumerate() {
                        out[i * c + ch] = v * scale + offset;
                    }
                }
            }
        }
    }

    /// Loads a file and returns its input tensor.
    pub fn tensor_from_path(&self, path: &Path) -> Result<Vec<f32>> {
        Ok(self.tensor(&load_image(path)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_share_one_pixel_budget() {
        // Two big decodes on two threads: the second waits for the first's
        // pixels, and every ticket is given back.
        let big = DECODE_BUDGET * 3 / 4;
        let first = DecodeTicket::reserve(big);
        let waiter = std::thread::spawn(move || {
            let _second = DecodeTicket::reserve(big);
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiter.is_finished(), "the second decode waits");
        drop(first);
        waiter.join().unwrap();
        // Small ones pass side by side.
        let a = DecodeTicket::reserve(100);
        let b = DecodeTicket::reserve(100);
        drop((a, b));
    }

    #[test]
    fn luma_matches_pil() {
        // Values from PIL: Image.new("RGB",(1,1),c).convert("L").getpixel((0,0))
        assert_eq!(luma(255, 255, 255), 255);
        assert_eq!(luma(255, 0, 0), 76);
        assert_eq!(luma(0, 255, 0), 150);
        assert_eq!(luma(0, 0, 255), 29);
        assert_eq!(luma(10, 200, 30), 124);
    }

    #[test]
    fn linear_resize_preserves_constant_and_is_additive() {
        let r = Resizer::new((10, 7), (4, 3), ResizeFilter::Bilinear, false);
        let ones = vec![1.0; 70];
        for v in r.apply(&ones) {
            assert!((v - 1.0).abs() < 1e-6);
        }
        let a: Vec<f32> = (0..70).map(|i| (i % 13) as f32).collect();
        let b: Vec<f32> = (0..70).map(|i| (i % 5) as f32 * 3.0).collect();
        let ab: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
        let (ra, rb, rab) = (r.apply(&a), r.apply(&b), r.apply(&ab));
        for i in 0..12 {
            assert!((ra[i] + rb[i] - rab[i]).abs() < 1e-4);
        }
    }

    #[test]
    fn nearest_samples_pixel_centres() {
        let r = Resizer::new((4, 1), (2, 1), ResizeFilter::Nearest, true);
        assert_eq!(r.apply(&[0.0, 1.0, 2.0, 3.0]), vec![1.0, 3.0]);
    }

    #[test]
    fn text_is_not_an_image() {
        let err = decode_image(Path::new("x.png"), b"hello, I am text").unwrap_err();
        assert!(err.to_string().contains("not an image"), "{err}");
    }

    #[test]
    fn a_jpeg_cut_short_is_an_error_not_a_grey_face() {
        let img =
            image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([x as u8 * 4, y as u8 * 4, 90]));
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
            .encode_image(&img)
            .unwrap();
        assert!(decode_image(Path::new("face.jpg"), &bytes).is_ok());
        let err = decode_image(Path::new("face.jpg"), &bytes[..bytes.len() / 2]).unwrap_err();
        assert!(err.to_string().contains("truncated JPEG"), "{err}");
    }
}
