//! Running the atlas: every face of a tree (or shard) explained once, in
//! a two-stage pipeline, each record kept in the store as soon as it is
//! done.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::canonical::CanonicalFace;
use super::{Atlas, AtlasFace, AtlasRequest, FaceRecord, Shard};
use crate::cache::{self, Kind, Store};
use crate::error::{Error, Result};
use crate::faces::Face;
use crate::geometry::regions::RegionMap;
use crate::geometry::{LandmarkSource, LazyFaceModels, landmarks_of_image};
use crate::lime::{self, FeatureSelect, FitOptions};
use crate::methods::game;
use crate::methods::regions::{RegionMethod, game_regions, refit_labels_on};
use crate::model::Classifier;
use crate::preprocess::Preprocessor;

/// One atlas run: what every face is explained with (the request,
/// checked once when the run is made), where records are read and kept,
/// and which faces are this job's. Made with [`AtlasRun::new`], set with
/// its builder methods, started with [`AtlasRun::run`].
pub struct AtlasRun<'a> {
    model: &'a dyn Classifier,
    key: String,
    face_models: &'a LazyFaceModels,
    request: AtlasRequest,
    store: Option<&'a mut Store>,
    also: &'a [Store],
    shard: Option<Shard>,
}

impl<'a> AtlasRun<'a> {
    /// A run of `model` with `request`, its records stored under `key`
    /// (see [`super::record_key`]); the request is checked here, once.
    pub fn new(
        model: &'a dyn Classifier,
        key: impl Into<String>,
        face_models: &'a LazyFaceModels,
        request: AtlasRequest,
    ) -> Result<AtlasRun<'a>> {
        request.sampling.validate()?;
        Ok(AtlasRun {
            model,
            key: key.into(),
            face_models,
            request,
            store: None,
            also: &[],
            shard: None,
        })
    }

    /// Reads records from `store` and writes each new one to it as soon as
    /// it is done.
    pub fn store(mut self, store: Option<&'a mut Store>) -> Self {
        self.store = store;
        self
    }

    /// Also reads records from these stores (other jobs' shards).
    pub fn also(mut self, also: &'a [Store]) -> Self {
        self.also = also;
        self
    }

    /// Only this shard's faces.
    pub fn shard(mut self, shard: Option<Shard>) -> Self {
        self.shard = shard;
        self
    }

    /// Explains every face (of the shard, if any) not already in a store;
    /// `progress(done, total)` after each face. Cancelling returns
    /// [`Error::Cancelled`] with everything finished so far kept in the
    /// store.
    ///
    /// The faces to explain go through two stages: one thread decodes the
    /// next face, segments it, draws its perturbations, finds its
    /// landmarks and warps it to the canonical frame while the model works
    /// on this one.
    pub fn run(
        self,
        faces: &[Face],
        cancel: &AtomicBool,
        progress: impl FnMut(usize, usize),
    ) -> Result<Atlas> {
        explain_faces(self, faces, cancel, progress)
    }
}

/// [`AtlasRun::run`].
fn explain_faces(
    run: AtlasRun<'_>,
    faces: &[Face],
    cancel: &AtomicBool,
    mut progress: impl FnMut(usize, usize),
) -> Result<Atlas> {
    let AtlasRun {
        model,
        key,
        face_models,
        request,
        mut store,
        also,
        shard,
    } = run;
    let (key, request) = (key.as_str(), &request);
    let mine: Vec<&Face> = faces
        .iter()
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|s| s.takes(*i)))
        .map(|(_, f)| f)
        .collect();
    let total = mine.len();
    let mut records: Vec<Option<(Result<FaceRecord>, bool)>> = (0..total).map(|_| None).collect();
    // What the stores have already, and what cannot be read.
    let mut misses = Vec::new();
    for (i, face) in mine.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        match read_face(&face.path) {
            Err(e) => records[i] = Some((Err(e), false)),
            Ok((_, hash)) => {
                let mut cached = None;
                for s in store.as_deref().into_iter().chain(also) {
                    cached = s.get(Kind::Explanation, key, &hash)?;
                    if cached.is_some() {
                        break;
                    }
                }
                match cached.and_then(|json| serde_json::from_str::<FaceRecord>(&json).ok()) {
                    Some(r) => records[i] = Some((Ok(r), true)),
                    None => misses.push(i),
                }
            }
        }
    }
    let mut done = total - misses.len();
    if done > 0 {
        progress(done, total);
    }
    let labels: Vec<usize> = (0..model.labels().len()).collect();
    let pre = model.preprocessor().clone();
    let cache_path = store.as_ref().map(|s| s.path().to_path_buf());
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let paths: Vec<&Path> = misses.iter().map(|&i| mine[i].path.as_path()).collect();
        scope.spawn(move || {
            // Its own connection: landmarks are kept as they are found.
            let mut landmarks_store = cache_path.and_then(|p| Store::open(&p).ok());
            for path in paths {
                if cancel.load(Ordering::Relaxed) {
                    return;
                }
                let ready =
                    prepare_face(&pre, face_models, landmarks_store.as_mut(), path, request);
                if tx.send(ready).is_err() {
                    return;
                }
            }
        });
        for (&i, ready) in misses.iter().zip(rx) {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            let record = ready.and_then(|ready| {
                let r = finish_face(model, ready.0, &labels, request, cancel)?;
                Ok((r, ready.1))
            });
            let record = match record {
                Err(Error::Cancelled) => return Err(Error::Cancelled),
                Err(e) => Err(e),
                Ok((r, hash)) => {
                    if let (Some(s), Ok(json)) = (store.as_deref_mut(), serde_json::to_string(&r)) {
                        s.put(Kind::Explanation, key, &[(hash, json)])?;
                    }
                    Ok(r)
                }
            };
            records[i] = Some((record, false));
            done += 1;
            progress(done, total);
        }
        Ok(())
    })?;
    // The first stage stops early when cancelled.
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Cancelled);
    }
    Ok(Atlas {
        labels: model.labels().to_vec(),
        seed: request.sampling.seed,
        faces: mine
            .into_iter()
            .zip(records)
            .map(|(face, r)| {
                let (record, cached) = r.unwrap_or((Err(Error::Cancelled), false));
                AtlasFace {
                    face: face.clone(),
                    record,
                    cached,
                }
            })
            .collect(),
    })
}

/// A face's bytes and their hash.
fn read_face(path: &Path) -> Result<(Vec<u8>, String)> {
    let bytes = crate::files::read_regular(path).map_err(|problem| Error::Image {
        path: path.to_path_buf(),
        problem,
    })?;
    let hash = cache::digest(&bytes);
    Ok((bytes, hash))
}

/// A face ready for the model: its perturbations drawn, its regions and
/// canonical frame found.
struct Ready {
    prepared: lime::Prepared,
    source: LandmarkSource,
    regions: RegionMap,
    canonical: CanonicalFace,
}

/// Everything of a face before the model (the pipeline's first stage),
/// with the hash of the bytes read.
fn prepare_face(
    pre: &Preprocessor,
    face_models: &LazyFaceModels,
    store: Option<&mut Store>,
    path: &Path,
    request: &AtlasRequest,
) -> Result<(Ready, String)> {
    let (bytes, hash) = read_face(path)?;
    let image = crate::preprocess::working_face(crate::preprocess::decode_image(path, &bytes)?);
    let prepared = lime::prepare(pre, &image, &request.sampling)?;
    let landmarks = landmarks_of_image(face_models, store, &hash, &image, 0)?;
    let sp = prepared.superpixels();
    let points = landmarks.points_at(sp.width, sp.height);
    let ready = Ready {
        regions: RegionMap::new(&points, sp.width, sp.height),
        canonical: CanonicalFace::new(prepared.face(), sp, &points),
        source: landmarks.source,
        prepared,
    };
    Ok((ready, hash))
}

/// The model on a prepared face, then one fit per label on the regions
/// and one on every superpixel, from the same samples.
fn finish_face(
    model: &dyn Classifier,
    ready: Ready,
    labels: &[usize],
    request: &AtlasRequest,
    cancel: &AtomicBool,
) -> Result<FaceRecord> {
    let samples = ready
        .prepared
        .sample_until(model, cancel, |_, _| {}, |_| false)?;
    let sp = &samples.superpixels;
    let fit = FitOptions {
        labels: lime::LabelChoice::Top(labels.len()),
        n_features: sp.count,
        feature_select: FeatureSelect::None,
        kernel: request.kernel,
    };
    let rows: Vec<usize> = (0..samples.rows()).collect();
    let mut sizes = vec![0usize; sp.count];
    for &s in &sp.labels {
        sizes[s as usize] += 1;
    }
    let density = samples
        .fit_labels(labels, &fit, &samples.weights(request.kernel), &rows)
        .into_iter()
        .map(|f| {
            let mut d = vec![0.0f32; sp.count];
            for (&s, &w) in f.columns.iter().zip(&f.coefficients) {
                d[s] = (w / sizes[s].max(1) as f64) as f32;
            }
            d
        })
        .collect();
    let (regions, flips) = match request.regions {
        RegionMethod::Refit => (
            refit_labels_on(&ready.regions, &samples, labels, request.kernel),
            Vec::new(),
        ),
        RegionMethod::Shapley => {
            let answer = game::play(
                model,
                &samples.face,
                sp,
                &ready.regions,
                samples.options.background,
                cancel,
                |_, _| {},
            )?
            .answer(labels);
            (game_regions(&answer), answer.flips)
        }
    };
    Ok(FaceRecord {
        probabilities: samples.prediction().to_vec(),
        landmarks: ready.source,
        regions,
        flips,
        canonical: ready.canonical,
        density,
    })
}
