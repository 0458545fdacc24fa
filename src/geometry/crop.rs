//! Faces cut out of photos: a square around each detected face with a
//! margin, optionally turned so that the eyes are level, resized, and
//! optionally made gray the way Keras loads the practical's faces.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use image::{DynamicImage, GrayImage, RgbImage};

use super::FaceModels;
use super::detect::{Detection, DetectorKind};
use super::mesh::{Roi, sample};
use crate::error::Result;
use crate::model::card::{Colour, ResizeFilter};
use crate::preprocess::{Planes, Resizer, load_image, luma, to_planes};

/// The default margin on each side, as a fraction of the face box's longer
/// side: the box of MediaPipe's detector is tight around brows and chin.
pub const DEFAULT_MARGIN: f32 = 0.15;
/// The side used when no model card says what the model takes (the
/// practical's Keras model takes 128×128).
pub const FALLBACK_SIZE: usize = 128;
/// The largest face side written, and so sampled before resizing.
pub const MAX_SIZE: usize = 2048;
/// The largest margin accepted.
pub const MAX_MARGIN: f32 = 2.0;
/// A face box filling less than this fraction of an image means the image
/// is a photo to crop rather than a face to explain.
pub const PHOTO_FACE_FILL: f32 = 0.5;

/// How to cut faces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CropOptions {
    /// Side of the written square in pixels.
    pub size: usize,
    /// Space added on each side of the face box, as a fraction of its
    /// longer side.
    pub margin: f32,
    /// Rotate so that the eyes are level.
    pub align: bool,
    /// Write one gray channel (PIL's luma, as Keras' `color_mode="grayscale"`).
    pub gray: bool,
}

impl Default for CropOptions {
    fn default() -> CropOptions {
        CropOptions {
            size: FALLBACK_SIZE,
            margin: DEFAULT_MARGIN,
            align: false,
            gray: false,
        }
    }
}

/// The square cut for a face.
pub fn crop_square(face: &Detection, opts: &CropOptions) -> Roi {
    let (w, h) = face.size();
    Roi {
        centre: face.centre(),
        side: w.max(h) * (1.0 + 2.0 * opts.margin),
        rotation: if opts.align { face.rotation() } else { 0.0 },
    }
}

/// Cuts one face out of a photo (three 8-bit planes).
pub fn crop_face(photo: &Planes, face: &Detection, opts: &CropOptions) -> DynamicImage {
    let roi = crop_square(face, opts);
    // Sampled at the photo's own resolution, then resized with PIL's
    // bilinear filter, which averages when shrinking.
    let native = (roi.side.ceil() as usize).clamp(opts.size, MAX_SIZE.max(opts.size));
    let square = sample(photo, &roi, native);
    let small = if native == opts.size {
        square
    } else {
        Resizer::new(
            (native, native),
            (opts.size, opts.size),
            ResizeFilter::Bilinear,
            true,
        )
        .resize(&square, 0..native)
    };
    to_image(&small, opts.gray)
}

fn to_image(p: &Planes, gray: bool) -> DynamicImage {
    let (w, h) = (p.width as u32, p.height as u32);
    let px = |c: usize, i: usize| p.planes[c.min(p.planes.len() - 1)][i].clamp(0.0, 255.0) as u8;
    if gray {
        DynamicImage::ImageLuma8(GrayImage::from_fn(w, h, |x, y| {
            let i = (y * w + x) as usize;
            image::Luma([luma(px(0, i), px(1, i), px(2, i))])
        }))
    } else {
        DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
            let i = (y * w + x) as usize;
            image::Rgb([px(0, i), px(1, i), px(2, i)])
        }))
    }
}

/// Left to right, then top to bottom: the order faces are numbered in.
pub fn reading_order(faces: &mut [Detection]) {
    faces.sort_by(|a, b| {
        a.centre()[0]
            .total_cmp(&b.centre()[0])
            .then(a.centre()[1].total_cmp(&b.centre()[1]))
    });
}

/// Which detector finds the faces to cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DetectorChoice {
    /// Full range (it finds every face of a group photo), then short range
    /// when that finds none (it is surer on close-ups).
    #[default]
    Auto,
    /// One detector only.
    Only(DetectorKind),
}

/// The faces cut out of one photo.
#[derive(Debug, Clone)]
pub struct CroppedPhoto {
    /// The detector that found them.
    pub detector: DetectorKind,
    /// Each face's detection and picture, numbered left to right.
    pub faces: Vec<(Detection, DynamicImage)>,
}

/// Finds the faces of the photo at `path` and cuts each out.
pub fn crop_photo(
    models: &FaceModels,
    path: &Path,
    detector: DetectorChoice,
    opts: &CropOptions,
    worker: usize,
) -> Result<CroppedPhoto> {
    let rgb = to_planes(&load_image(path)?, Colour::Rgb);
    let (kind, mut found) = match detector {
        DetectorChoice::Auto => models.detect_any(&rgb, worker)?,
        DetectorChoice::Only(kind) => (kind, models.detect(&rgb, kind, worker)?),
    };
    reading_order(&mut found);
    Ok(CroppedPhoto {
        detector: kind,
        faces: found
            .into_iter()
            .map(|d| {
                let img = crop_face(&rgb, &d, opts);
                (d, img)
            })
            .collect(),
    })
}

/// Where the `k`-th face (from 1) of `photo` goes in `dir`:
/// `<stem>_<k>.png`, with `-2`, `-3`… after the stem when another photo of
/// the same stem took that name already (`taken` remembers names given).
pub fn face_path(dir: &Path, photo: &Path, k: usize, taken: &mut HashSet<PathBuf>) -> PathBuf {
    let stem = crate::files::stem(photo);
    (1..)
        .map(|n| {
            let name = if n == 1 {
                format!("{stem}_{k}.png")
            } else {
                format!("{stem}-{n}_{k}.png")
            };
            dir.join(name)
        })
        .find(|p| taken.insert(p.clone()))
        .unwrap_or_else(|| dir.join(format!("{stem}_{k}.png")))
}

/// What a detector says about an image of the faces tree.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoCheck {
    /// Faces found.
    pub faces: Vec<Detection>,
    /// The largest face box's share of the image's area.
    pub fill: f32,
}

impl PhotoCheck {
    /// From detections in a `width × height` image.
    pub fn new(faces: Vec<Detection>, width: usize, height: usize) -> PhotoCheck {
        let area = (width * height).max(1) as f32;
        let fill = faces
            .iter()
            .map(|d| {
                let (w, h) = d.size();
                (w * h / area).min(1.0)
            })
            .fold(0.0, f32::max);
        PhotoCheck { faces, fill }
    }

    /// Whether the image looks like a photo to crop rather than a cropped
    /// face: several faces, or one that fills less than half of it.
    pub fn is_photo(&self) -> bool {
        self.faces.len() > 1 || (!self.faces.is_empty() && self.fill < PHOTO_FACE_FILL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(bbox: [f32; 4]) -> Detection {
        Detection {
            score: 0.9,
            bbox,
            keypoints: [[bbox[0], bbox[1]]; 6],
        }
    }

    #[test]
    fn a_crop_keeps_the_face_box_inside_with_its_margin() {
        // A white square face on a black photo: the crop's middle is white,
        // its margin black.
        let (w, h) = (200, 100);
        let mut plane = vec![0.0f32; w * h];
        for y in 40..60 {
            for x in 90..110 {
                plane[y * w + x] = 255.0;
            }
        }
        let photo = Planes {
            width: w,
            height: h,
            planes: vec![plane.clone(), plane.clone(), plane],
        };
        let opts = CropOptions {
            size: 40,
            margin: 0.5,
            gray: true,
            align: false,
        };
        let img = crop_face(&photo, &det([90.0, 40.0, 110.0, 60.0]), &opts).to_luma8();
        assert_eq!(img.dimensions(), (40, 40));
        assert_eq!(img.get_pixel(20, 20)[0], 255);
        assert_eq!(img.get_pixel(2, 2)[0], 0);
    }

    #[test]
    fn photos_are_told_from_faces() {
        let one_big = PhotoCheck::new(vec![det([0.0, 0.0, 90.0, 90.0])], 100, 100);
        assert!(!one_big.is_photo());
        let one_small = PhotoCheck::new(vec![det([0.0, 0.0, 30.0, 30.0])], 100, 100);
        assert!(one_small.is_photo());
        let two = PhotoCheck::new(
            vec![det([0.0, 0.0, 90.0, 90.0]), det([50.0, 0.0, 99.0, 90.0])],
            100,
            100,
        );
        assert!(two.is_photo());
        assert!(!PhotoCheck::new(Vec::new(), 100, 100).is_photo());
    }

    #[test]
    fn face_names_never_collide() {
        let mut taken = HashSet::new();
        let dir = Path::new("out");
        let a = face_path(dir, Path::new("a/x.jpg"), 1, &mut taken);
        let b = face_path(dir, Path::new("b/x.png"), 1, &mut taken);
        assert_eq!(a, dir.join("x_1.png"));
        assert_eq!(b, dir.join("x-2_1.png"));
    }

    #[test]
    fn faces_are_numbered_left_to_right() {
        let mut v = vec![det([50.0, 0.0, 60.0, 10.0]), det([0.0, 0.0, 10.0, 10.0])];
        reading_order(&mut v);
        assert_eq!(v[0].bbox[0], 0.0);
    }
}
