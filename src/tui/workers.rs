//! Background work, so that the UI thread only draws: loading the model,
//! predicting the whole tree, explaining a face, and turning images into
//! terminal graphics. Every worker reports through one channel; requests
//! that have been overtaken by newer ones are dropped, never queued.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use image::{DynamicImage, RgbImage, imageops::FilterType};
use ratatui::layout::Size;
use ratatui_image::Resize;
use ratatui_image::picker::Picker;
use ratatui_image::protocol::Protocol;

use emotui::faces::Face;
use emotui::lime;
use emotui::lime::trust::{self, Convergence, Trust};
use emotui::model::{LoadOptions, Model};
use emotui::predict::predict_faces;
use emotui::preprocess::load_image;

use super::app::{ExplainKey, ExplainParams, ExplainResult};

/// Where an image is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Face,
    Superpixels,
    Panel(usize),
}

/// Draws an image to fit in (width, height) pixels, so that its lines are
/// drawn at the size they are shown and never blurred by a later resize.
pub type Renderer = Arc<dyn Fn(u32, u32) -> Result<RgbImage, String> + Send + Sync>;

/// What to show in a slot.
#[derive(Clone)]
pub enum Source {
    /// An image file, decoded off the UI thread.
    File(PathBuf),
    /// A picture the library draws (superpixels, panels).
    Render(Renderer),
}

/// Everything workers tell the UI.
pub enum Message {
    ModelLoaded(Result<Arc<Model>, String>),
    Predicted {
        face: usize,
        result: Result<emotui::predict::Prediction, String>,
    },
    PredictProgress(usize, usize),
    ExplainProgress {
        id: u64,
        done: usize,
        total: usize,
    },
    ExplainPartial {
        id: u64,
        result: ExplainResult,
    },
    ExplainDone {
        id: u64,
        key: ExplainKey,
        result: Result<ExplainResult, String>,
    },
    Image {
        slot: Slot,
        key: String,
        size: Size,
        result: Result<Protocol, String>,
    },
}

/// Loads the model in the background.
pub fn load_model(path: PathBuf, options: LoadOptions, tx: Sender<Message>) {
    std::thread::spawn(move || {
        let r = Model::load(&path, &options)
            .map(Arc::new)
            .map_err(|e| e.to_string());
        let _ = tx.send(Message::ModelLoaded(r));
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
            |face, r| {
                let result = r.map_err(|e| e.to_string());
                if tx.send(Message::Predicted { face, result }).is_err() {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
            |done, total| {
                let _ = tx2.send(Message::PredictProgress(done, total));
            },
        );
    });
}

/// A request to the explanation worker.
pub struct ExplainRequest {
    pub id: u64,
    pub key: ExplainKey,
    pub path: PathBuf,
    pub params: ExplainParams,
    /// Samples already computed for the same face and sampling options:
    /// only the cheap fit is redone.
    pub samples: Option<Arc<lime::Samples>>,
    pub cancel: Arc<AtomicBool>,
}

/// The explanation worker: one job at a time, the newest wins.
pub struct Explainer {
    tx: Sender<ExplainRequest>,
}

impl Explainer {
    pub fn new(model: Arc<Model>, out: Sender<Message>) -> Explainer {
        let (tx, rx) = channel::<ExplainRequest>();
        std::thread::spawn(move || {
            while let Ok(mut req) = rx.recv() {
                // Requests overtaken by newer ones are not worth running.
                while let Ok(newer) = rx.try_recv() {
                    let _ = out.send(Message::ExplainDone {
                        id: req.id,
                        key: req.key.clone(),
                        result: Err("cancelled".into()),
                    });
                    req = newer;
                }
                let result = explain(&model, &req, &out);
                if out
                    .send(Message::ExplainDone {
                        id: req.id,
                        key: req.key,
                        result,
                    })
                    .is_err()
                {
                    return;
                }
            }
        });
        Explainer { tx }
    }

    pub fn request(&self, req: ExplainRequest) {
        let _ = self.tx.send(req);
    }
}

fn explain(
    model: &Model,
    req: &ExplainRequest,
    out: &Sender<Message>,
) -> Result<ExplainResult, String> {
    let image = load_image(&req.path).map_err(|e| e.to_string())?;
    let sampling = req.params.sampling();
    let fit = req.params.fit();
    let samples = match &req.samples {
        Some(s) => s.clone(),
        None => {
            let id = req.id;
            let mut convergence = Convergence::default();
            // Live refinement: every few hundred samples, refit and show it.
            let s = lime::sample_until(
                model,
                &image,
                &sampling,
                &req.cancel,
                |done, total| {
                    let _ = out.send(Message::ExplainProgress { id, done, total });
                },
                |partial| {
                    let Ok(refit) = convergence.update(partial, &fit, sampling.seed) else {
                        return false;
                    };
                    let _ = out.send(Message::ExplainPartial {
                        id,
                        result: ExplainResult {
                            samples: Arc::new(partial.clone()),
                            explanation: refit.explanation.clone(),
                            trust: Trust::default(),
                            refit: Some(refit.clone()),
                        },
                    });
                    req.params.until_stable && convergence.is_stable()
                },
            )
            .map_err(|e| e.to_string())?;
            Arc::new(s)
        }
    };
    let explanation = samples.explain(&fit).map_err(|e| e.to_string())?;
    // Trust: a cheap bootstrap and deletion/insertion curves.
    let stability = trust::bootstrap(&samples, &explanation, 50, sampling.seed);
    let faithfulness = trust::faithfulness(model, &samples, &explanation, 3, sampling.seed)
        .map_err(|e| e.to_string())?;
    Ok(ExplainResult {
        samples,
        explanation,
        trust: Trust {
            stability,
            faithfulness,
        },
        refit: None,
    })
}

/// A request to turn a picture into terminal graphics of a given size.
pub struct ImageRequest {
    pub slot: Slot,
    pub key: String,
    pub size: Size,
    pub source: Source,
}

/// The image worker: resizes and encodes off the UI thread, keeping only
/// the newest request per slot.
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
                for req in latest {
                    let result = encode(&picker, &decoded, &req);
                    let msg = Message::Image {
                        slot: req.slot,
                        key: req.key,
                        size: req.size,
                        result,
                    };
                    if out.send(msg).is_err() {
                        return;
                    }
                }
            }
        });
        Imager { tx }
    }

    pub fn request(&self, req: ImageRequest) {
        let _ = self.tx.send(req);
    }
}

fn encode(
    picker: &Picker,
    decoded: &Mutex<HashMap<PathBuf, DynamicImage>>,
    req: &ImageRequest,
) -> Result<Protocol, String> {
    let font = picker.font_size();
    let (pw, ph) = (
        req.size.width as u32 * font.width as u32,
        req.size.height as u32 * font.height as u32,
    );
    if pw == 0 || ph == 0 {
        return Err("no room".into());
    }
    let image = match &req.source {
        Source::File(path) => {
            let mut cache = decoded.lock().unwrap_or_else(|p| p.into_inner());
            if cache.len() > 64 {
                cache.clear();
            }
            match cache.get(path) {
                Some(img) => img.clone(),
                None => {
                    let img = load_image(path).map_err(|e| e.to_string())?;
                    cache.insert(path.clone(), img.clone());
                    img
                }
            }
        }
        Source::Render(render) => DynamicImage::ImageRgb8(render(pw.min(1024), ph.min(1024))?),
    };
    // Fit with a smooth filter (ratatui-image would use nearest).
    let (w, h) = (image.width() as f64, image.height() as f64);
    let s = (pw as f64 / w).min(ph as f64 / h);
    let (tw, th) = (((w * s) as u32).max(1), ((h * s) as u32).max(1));
    let fitted = image.resize_exact(tw, th, FilterType::Triangle).to_rgb8();
    picker
        .new_protocol(DynamicImage::ImageRgb8(fitted), req.size, Resize::Fit(None))
        .map_err(|e| e.to_string())
}
