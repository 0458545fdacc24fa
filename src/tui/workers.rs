//! Background work, so that the UI thread only draws: loading the model and
//! the survey, predicting the whole tree, explaining a face (through the
//! library's engine), the other methods and the sanity check, and turning
//! pictures into terminal graphics. Every
//! worker reports through one channel with typed [`Message`]s; requests
//! overtaken by newer ones are dropped, never queued.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use image::{DynamicImage, imageops::FilterType};
use ratatui::layout::Size;
use ratatui_image::Resize;
use ratatui_image::picker::Picker;
use ratatui_image::protocol::Protocol;

use emotui::atlas::{AtlasRequest, AtlasRun};
use emotui::explain::{self, Event, Outcome, Request};
use emotui::faces::Face;
use emotui::lime::Samples;
use emotui::lime::trust::Refit;
use emotui::methods::{self, Comparison, Method, MethodOptions, sanity};
use emotui::model::{LoadOptions, Model};
use emotui::predict::{Prediction, predict_faces};
use emotui::preprocess::{load_face, load_image};

use emotui::cache::Store;
use emotui::export::{self, Content, File};
use emotui::geometry::crop::{self, CropOptions, DetectorChoice, PhotoCheck};
use emotui::geometry::{Landmarks, LazyFaceModels, landmarks_of_files};
use emotui::methods::looks::{Look, look_both};
use emotui::methods::regions::{FaceRegions, RegionMethod, face_regions};
use emotui::model::card::Colour;
use emotui::preprocess::to_planes;

use super::atlas::{AtlasEvent, AtlasJob, AtlasView};
use super::explain::ExplainKey;
use super::faceparts::{CropJob, FaceGeometry, GeometryJob};
use super::images::{ImageRequest, Slot, Source};
use super::survey::SurveyData;

/// What the explanation worker reports about a job.
pub enum ExplainEvent {
    /// Perturbations evaluated so far.
    Progress { done: usize, total: usize },
    /// The samples are in; the trust figures are being computed.
    Checking,
    /// A refit on the samples so far.
    Refit { samples: Arc<Samples>, refit: Refit },
    /// The finished explanation, or why there is none.
    Done(Result<Outcome, emotui::Error>),
}

/// Why an image could not be shown.
#[derive(Debug)]
pub enum ImageError {
    /// The file could not be read or decoded.
    Load(emotui::Error),
    /// The terminal graphics could not be made.
    Encode(String),
}

impl std::fmt::Display for ImageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageError::Load(e) => write!(f, "{e}"),
            ImageError::Encode(e) => write!(f, "cannot encode for the terminal: {e}"),
        }
    }
}

/// Every method on a finished explanation (the explain tab's `m`).
pub struct CompareJob {
    /// What the comparison belongs to.
    pub key: ExplainKey,
    /// The explanation to compare with (its samples are reused).
    pub outcome: Arc<Outcome>,
    pub cancel: Arc<AtomicBool>,
}

/// The model-randomisation sanity check for one face (the explain tab's `z`).
#[derive(Debug, Clone)]
pub struct SanityJob {
    /// What the report belongs to.
    pub key: ExplainKey,
    /// The face.
    pub path: PathBuf,
    /// The explanation's parameters.
    pub request: Request,
    pub cancel: Arc<AtomicBool>,
}

impl PartialEq for SanityJob {
    /// The same job: same face, parameters and cancel flag.
    fn eq(&self, other: &SanityJob) -> bool {
        self.key == other.key
            && self.path == other.path
            && self.request == other.request
            && Arc::ptr_eq(&self.cancel, &other.cancel)
    }
}

/// What the sanity worker reports.
pub enum SanityEvent {
    /// Layers randomised so far.
    Progress { done: usize, total: usize },
    /// The report, or why there is none.
    Done(Result<sanity::Report, emotui::Error>),
}

/// Methods compared by the explorer, with LIME first.
pub const COMPARED: [Method; 4] = Method::ALL;
/// Methods the explorer's sanity check runs (the two that explain by
/// superpixels through a fitted model; `emotui sanity --method all` runs
/// every one).
pub const SANITY_METHODS: [Method; 2] = [Method::Lime, Method::KernelShap];

/// Runs every method on a finished explanation in the background.
pub fn compare(model: Arc<Model>, job: CompareJob, tx: Sender<Message>) {
    std::thread::spawn(move || {
        let result = methods::compare(
            model.as_ref(),
            &job.outcome,
            &COMPARED,
            &MethodOptions::default(),
            &job.cancel,
            |_, _| {},
        );
        let _ = tx.send(Message::Compared {
            key: job.key,
            result: result.map(Arc::new),
        });
    });
}

/// The region game of an explained face.
pub struct RegionsJob {
    pub key: ExplainKey,
    pub outcome: Arc<Outcome>,
    pub landmarks: Arc<Landmarks>,
    /// Set when a newer face's regions are asked for.
    pub cancel: Arc<AtomicBool>,
}

/// Plays the region game of an explanation's face in the background (one
/// batch of 2^regions model evaluations).
pub fn regions(model: Arc<Model>, job: RegionsJob, tx: Sender<Message>) {
    std::thread::spawn(move || {
        let result = face_regions(
            model.as_ref(),
            job.landmarks.as_ref().clone(),
            &job.outcome,
            None,
            RegionMethod::Shapley,
            &job.cancel,
        );
        let _ = tx.send(Message::Regions {
            key: job.key,
            result: result.map(Arc::new),
        });
    });
}

/// Runs the sanity check in the background on the loaded `model` (whose
/// file the randomised copies are made from), reporting each layer.
pub fn sanity(model: Arc<Model>, load: LoadOptions, job: SanityJob, tx: Sender<Message>) {
    std::thread::spawn(move || {
        let key = job.key.clone();
        let progress_tx = tx.clone();
        let progress_key = key.clone();
        let result = load_face(&job.path).and_then(|image| {
            sanity::run(
                model.as_ref(),
                &load,
                &image,
                &job.request,
                &SANITY_METHODS,
                &MethodOptions::default(),
                &job.cancel,
                |done, total| {
                    let _ = progress_tx.send(Message::Sanity {
                        key: progress_key.clone(),
                        event: SanityEvent::Progress { done, total },
                    });
                },
            )
        });
        let _ = tx.send(Message::Sanity {
            key,
            event: SanityEvent::Done(result),
        });
    });
}

/// What the geometry worker is asked to do.
enum GeometryRequest {
    Geometry(GeometryJob),
    Crop(CropJob, CropOptions),
}

/// The geometry worker: landmarks and photo checks (newest first, through
/// the cache) and crops, one at a time, with the face models loaded on
/// first use.
pub struct Geometer {
    tx: Sender<GeometryRequest>,
}

impl Geometer {
    pub fn new(
        models: Arc<LazyFaceModels>,
        cache: Option<PathBuf>,
        out: Sender<Message>,
    ) -> Geometer {
        let (tx, rx) = channel::<GeometryRequest>();
        std::thread::spawn(move || {
            // A cache that cannot be opened only costs time.
            let mut store = cache.and_then(|p| Store::open(&p).ok());
            while let Ok(first) = rx.recv() {
                let mut queue = vec![first];
                while let Ok(r) = rx.try_recv() {
                    queue.push(r);
                }
                // Crops all run; of the faces asked for, only the newest.
                let newest = queue
                    .iter()
                    .rposition(|r| matches!(r, GeometryRequest::Geometry(_)));
                for (i, request) in queue.into_iter().enumerate() {
                    let msg = match request {
                        GeometryRequest::Geometry(job) if Some(i) != newest => Message::Geometry {
                            path: job.path,
                            result: Err(emotui::Error::Cancelled),
                        },
                        GeometryRequest::Geometry(job) => Message::Geometry {
                            result: face_geometry(&models, store.as_mut(), &job.path),
                            path: job.path,
                        },
                        GeometryRequest::Crop(job, opts) => Message::Cropped {
                            result: crop(&models, &job, &opts),
                            photo: job.photo,
                        },
                    };
                    if out.send(msg).is_err() {
                        return;
                    }
                }
            }
        });
        Geometer { tx }
    }

    pub fn geometry(&self, job: GeometryJob) {
        let _ = self.tx.send(GeometryRequest::Geometry(job));
    }

    pub fn crop(&self, job: CropJob, opts: CropOptions) {
        let _ = self.tx.send(GeometryRequest::Crop(job, opts));
    }
}

/// A face's landmarks (through the cache) and whether it is a photo: when
/// the short-range detector behind the landmarks says so, the full-range
/// one counts its faces.
fn face_geometry(
    models: &LazyFaceModels,
    store: Option<&mut Store>,
    path: &std::path::Path,
) -> emotui::Result<FaceGeometry> {
    let landmarks = landmarks_of_files(
        models,
        store,
        &[path.to_path_buf()],
        1,
        &AtomicBool::new(false),
        |_, _| {},
    )?
    .pop()
    .unwrap_or(Err(emotui::Error::Cancelled))?;
    let mut photo = landmarks.photo_check();
    if photo.is_photo() {
        let rgb = to_planes(&load_image(path)?, Colour::Rgb);
        let (_, faces) = models.get()?.detect_any(&rgb, 0)?;
        if faces.len() > photo.faces.len() {
            photo = PhotoCheck::new(faces, rgb.width, rgb.height);
        }
    }
    Ok(FaceGeometry {
        landmarks: Arc::new(landmarks),
        photo,
    })
}

/// Crops a photo of the tree into `job.out`, never overwriting: how many
/// faces were written.
fn crop(models: &LazyFaceModels, job: &CropJob, opts: &CropOptions) -> emotui::Result<usize> {
    let cut = crop::crop_photo(&*models.get()?, &job.photo, DetectorChoice::Auto, opts, 0)?;
    let mut taken = std::collections::HashSet::new();
    let files: Vec<File> = cut
        .faces
        .into_iter()
        .enumerate()
        .map(|(k, (_, img))| File {
            path: crop::face_path(&job.out, &job.photo, k + 1, &mut taken),
            content: Content::Face(img),
        })
        .collect();
    export::write(&files, false)?;
    Ok(files.len())
}

/// Makes the atlas of the tree in the background, through the cache:
/// faces explained before are read back, new ones kept as they finish.
pub fn atlas(
    model: Arc<Model>,
    face_models: Arc<LazyFaceModels>,
    cache: Option<PathBuf>,
    job: AtlasJob,
    tx: Sender<Message>,
) {
    std::thread::spawn(move || {
        let id = job.id;
        let progress_tx = tx.clone();
        let result = (|| {
            // A cache that cannot be opened only costs time.
            let mut store = cache.and_then(|p| Store::open(&p).ok());
            let request = AtlasRequest::default();
            let key = emotui::atlas::record_key(&model, &request)?;
            let atlas = AtlasRun::new(model.as_ref(), key, &face_models, request)?
                .store(store.as_mut())
                .run(&job.faces, &job.cancel, |done, total| {
                    let _ = progress_tx.send(Message::Atlas {
                        id,
                        event: AtlasEvent::Progress { done, total },
                    });
                })?;
            let overview = atlas.overview();
            Ok(Arc::new(AtlasView {
                id,
                atlas,
                overview,
            }))
        })();
        let _ = tx.send(Message::Atlas {
            id,
            event: AtlasEvent::Done(result),
        });
    });
}

/// Everything workers tell the UI.
pub enum Message {
    Atlas {
        id: u64,
        event: AtlasEvent,
    },
    Geometry {
        path: PathBuf,
        result: Result<FaceGeometry, emotui::Error>,
    },
    Cropped {
        photo: PathBuf,
        result: Result<usize, emotui::Error>,
    },
    Regions {
        key: ExplainKey,
        result: Result<Arc<FaceRegions>, emotui::Error>,
    },
    ModelLoaded(Result<Arc<Model>, emotui::Error>),
    SurveyLoaded(Result<SurveyData, emotui::Error>),
    Predicted {
        face: usize,
        result: Result<Prediction, emotui::Error>,
    },
    PredictProgress {
        done: usize,
        total: usize,
    },
    Explain {
        id: u64,
        event: ExplainEvent,
    },
    Compared {
        key: ExplainKey,
        result: Result<Arc<Comparison>, emotui::Error>,
    },
    Sanity {
        key: ExplainKey,
        event: SanityEvent,
    },
    Image {
        slot: Slot,
        key: String,
        size: Size,
        result: Result<Protocol, ImageError>,
    },
    /// A message from the work of one of two compared models (its
    /// predictions, explanations, other methods, regions, atlas).
    Of(Which, Box<Message>),
    /// Both models' looks at a face they part on.
    Looks {
        path: PathBuf,
        result: Result<Arc<Looks>, emotui::Error>,
    },
}

/// Which of two compared models: A is `--model`, B `--compare-model`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    A,
    B,
}

/// A sender whose messages arrive as [`Message::Of`] `which`: the work of
/// one model, told apart from the other's by the event loop.
pub fn tagged(which: Which, tx: Sender<Message>) -> Sender<Message> {
    let (inner, rx) = channel::<Message>();
    std::thread::spawn(move || {
        for m in rx {
            if tx.send(Message::Of(which, Box::new(m))).is_err() {
                break;
            }
        }
    });
    inner
}

/// Both models' looks at one face, with what their pictures need.
pub struct Looks {
    /// Model A's, then model B's.
    pub looks: [Look; 2],
    /// The face as shown.
    pub face: emotui::preprocess::Planes,
    /// Its landmarks, when found.
    pub landmarks: Option<Landmarks>,
}

/// A face two models part on: finds its landmarks, then explains it with
/// both (the same superpixels and seed) and plays the region game.
pub fn looks(
    models: [Arc<Model>; 2],
    face_models: Option<Arc<LazyFaceModels>>,
    path: PathBuf,
    cancel: Arc<AtomicBool>,
    tx: Sender<Message>,
) {
    std::thread::spawn(move || {
        let result = (|| {
            let image = load_face(&path)?;
            let landmarks = match &face_models {
                Some(m) => {
                    landmarks_of_files(m, None, std::slice::from_ref(&path), 1, &cancel, |_, _| {})?
                        .pop()
                        .and_then(Result::ok)
                }
                None => None,
            };
            let [a, b] = &models;
            let looks = look_both(a.as_ref(), b.as_ref(), &image, landmarks.as_ref(), &cancel)?;
            Ok(Arc::new(Looks {
                looks,
                face: to_planes(&image, Colour::Rgb),
                landmarks,
            }))
        })();
        let _ = tx.send(Message::Looks { path, result });
    });
}

/// Loads the model in the background.
pub fn load_model(path: PathBuf, options: LoadOptions, tx: Sender<Message>) {
    std::thread::spawn(move || {
        // A backend that panics on a strange graph must leave a message on
        // the screen, not a model that never arrives.
        let r = std::panic::catch_unwind(|| Model::load(&path, &options))
            .unwrap_or_else(|panic| {
                let why = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("no message");
                Err(emotui::Error::Model {
                    path: path.clone(),
                    problem: format!("loading it crashed ({why})"),
                })
            })
            .map(Arc::new);
        let _ = tx.send(Message::ModelLoaded(r));
    });
}

/// Reads the survey in the background: a big file never delays the first
/// frame.
pub fn load_survey(path: PathBuf, tx: Sender<Message>) {
    std::thread::spawn(move || {
        let _ = tx.send(Message::SurveyLoaded(SurveyData::read(&path)));
    });
}

/// Predicts every face, streaming results. Stops when the UI is gone.
pub fn predict_all(model: Arc<Model>, faces: Vec<Face>, tx: Sender<Message>) {
    std::thread::spawn(move || {
        let cancel = AtomicBool::new(false);
        let tx2 = tx.clone();
        let _ = predict_faces(
            model.as_ref(),
            &faces,
            &cancel,
            |face, result| {
                if tx.send(Message::Predicted { face, result }).is_err() {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
            |done, total| {
                let _ = tx2.send(Message::PredictProgress { done, total });
            },
        );
    });
}

/// A job for the explanation worker.
pub struct ExplainJob {
    pub id: u64,
    pub path: PathBuf,
    pub request: Request,
    /// Samples already drawn for the same face and sampling options: only
    /// the fit and the trust figures are redone.
    pub samples: Option<Arc<Samples>>,
    pub cancel: Arc<AtomicBool>,
}

/// The explanation worker: one job at a time, the newest wins.
pub struct Explainer {
    tx: Sender<ExplainJob>,
}

impl Explainer {
    pub fn new(model: Arc<Model>, out: Sender<Message>) -> Explainer {
        let (tx, rx) = channel::<ExplainJob>();
        std::thread::spawn(move || {
            while let Ok(mut job) = rx.recv() {
                // Jobs overtaken by newer ones are not worth running.
                while let Ok(newer) = rx.try_recv() {
                    let _ = out.send(Message::Explain {
                        id: job.id,
                        event: ExplainEvent::Done(Err(emotui::Error::Cancelled)),
                    });
                    job = newer;
                }
                let result = explain_job(&model, &job, &out);
                let done = Message::Explain {
                    id: job.id,
                    event: ExplainEvent::Done(result),
                };
                if out.send(done).is_err() {
                    return;
                }
            }
        });
        Explainer { tx }
    }

    pub fn request(&self, job: ExplainJob) {
        let _ = self.tx.send(job);
    }
}

fn explain_job(model: &Model, job: &ExplainJob, out: &Sender<Message>) -> emotui::Result<Outcome> {
    let image = load_face(&job.path)?;
    if let Some(samples) = &job.samples {
        return explain::run_on(model, &image, samples.clone(), &job.request, &job.cancel);
    }
    let id = job.id;
    explain::run(model, &image, &job.request, &job.cancel, |e| {
        let event = match e {
            Event::Progress { done, total } => ExplainEvent::Progress { done, total },
            Event::Checking => ExplainEvent::Checking,
            Event::Refit { samples, refit } => ExplainEvent::Refit {
                samples: Arc::new(samples.clone()),
                refit: refit.clone(),
            },
        };
        let _ = out.send(Message::Explain { id, event });
    })
}

/// The image worker: resizes and encodes off the UI thread, keeping only
/// the newest request per slot, on every core.
pub struct Imager {
    tx: Sender<ImageRequest>,
}

impl Imager {
    pub fn new(picker: Picker, out: Sender<Message>) -> Imager {
        let (tx, rx): (Sender<ImageRequest>, Receiver<ImageRequest>) = channel();
        let decoded: Arc<Mutex<HashMap<PathBuf, DynamicImage>>> = Arc::default();
        std::thread::spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut latest: Vec<ImageRequest> = vec![first];
                while let Ok(r) = rx.try_recv() {
                    latest.retain(|o| o.slot != r.slot);
                    latest.push(r);
                }
                // The explain tab asks for several panels at once: each
                // core encodes one and sends it as soon as it is done.
                let gone = AtomicBool::new(false);
                emotui::parallel::map(&latest, emotui::parallel::cores(), &gone, |_, req| {
                    let msg = Message::Image {
                        slot: req.slot,
                        key: req.key.clone(),
                        size: req.size,
                        result: encode(&picker, &decoded, req),
                    };
                    if out.send(msg).is_err() {
                        gone.store(true, Ordering::Relaxed);
                    }
                });
                if gone.load(Ordering::Relaxed) {
                    return;
                }
            }
        });
        Imager { tx }
    }

    pub fn request(&self, req: ImageRequest) {
        let _ = self.tx.send(req);
    }
}

/// Decoded files kept for redrawing at another size.
const DECODED_CACHE: usize = 64;
/// Largest picture drawn for a slot, in pixels a side.
const MAX_RENDER: u32 = 1024;

/// Terminal graphics for a request (also used synchronously by tests).
pub fn encode(
    picker: &Picker,
    decoded: &Mutex<HashMap<PathBuf, DynamicImage>>,
    req: &ImageRequest,
) -> Result<Protocol, ImageError> {
    let font = picker.font_size();
    let (pw, ph) = (
        req.size.width as u32 * font.width as u32,
        req.size.height as u32 * font.height as u32,
    );
    if pw == 0 || ph == 0 {
        return Err(ImageError::Encode("no room".into()));
    }
    let image = match &req.source {
        Source::File(path) => {
            let mut cache = decoded.lock().unwrap_or_else(|p| p.into_inner());
            if cache.len() > DECODED_CACHE {
                cache.clear();
            }
            match cache.get(path) {
                Some(img) => img.clone(),
                None => {
                    let img = load_face(path).map_err(ImageError::Load)?;
                    cache.insert(path.clone(), img.clone());
                    img
                }
            }
        }
        Source::Render(render) => {
            DynamicImage::ImageRgb8(render(pw.min(MAX_RENDER), ph.min(MAX_RENDER)))
        }
    };
    // Fit with a smooth filter (ratatui-image would use nearest).
    let (w, h) = (image.width() as f64, image.height() as f64);
    let s = (pw as f64 / w).min(ph as f64 / h);
    let (tw, th) = (((w * s) as u32).max(1), ((h * s) as u32).max(1));
    let fitted = image.resize_exact(tw, th, FilterType::Triangle).to_rgb8();
    picker
        .new_protocol(DynamicImage::ImageRgb8(fitted), req.size, Resize::Fit(None))
        .map_err(|e| ImageError::Encode(e.to_string()))
}
