//! The emotion model: a card, an inference backend, and batched, parallel
//! prediction on top.
//!
//! Two backends sit behind [`Backend`]: ONNX Runtime (`ort`, loaded at run
//! time, about 3.5× faster on the bundled model) and `tract` (pure Rust,
//! always available). [`Model`] splits work into fixed batches by input
//! index and hands them to one worker per core, so the same input always
//! meets the same batch and gives bit-identical output whatever the number
//! of threads.

pub mod card;
mod net;
mod ort_backend;
mod tract_backend;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub use card::ModelCard;
pub use net::Net;

use crate::error::{Error, Result};
use crate::preprocess::Preprocessor;

/// Anything that turns a batch of preprocessed images into class
/// probabilities. [`Model`] is the real one; tests implement it with
/// classifiers whose answer is known.
pub trait Classifier: Send + Sync {
    /// Class labels, in output order.
    fn labels(&self) -> &[String];
    /// How images must be preprocessed for [`Classifier::predict`].
    fn preprocessor(&self) -> &Preprocessor;
    /// Probabilities for `n` images laid out one after another in `batch`
    /// (each `preprocessor().spec().len()` floats); `n * labels().len()` values.
    fn predict(&self, batch: &[f32], n: usize) -> Result<Vec<f32>>;
}

/// A raw inference engine for one ONNX graph.
pub trait Backend: Send + Sync {
    /// Short name for messages (`ort`, `tract`).
    fn name(&self) -> &'static str;
    /// Images per call that this backend runs fastest with.
    fn batch_size(&self) -> usize;
    /// Runs `n` images on worker `worker` (0..workers), returning every
    /// output of the graph, in its order, each holding the `n` images' values
    /// one after another.
    fn run(&self, worker: usize, input: &[f32], n: usize) -> Result<Vec<Vec<f32>>>;
}

/// What a backend checks a graph with when loading it: the input dimensions
/// the graph declares (`None` where symbolic) and, once known, the number of
/// values in one image's first output.
pub(crate) type GraphCheck<'a> = &'a dyn Fn(&[Option<usize>], Option<usize>) -> Result<()>;

/// Opens `path` on the backend `options` choose, for inputs of `shape`
/// (batch of one), with `workers` sessions; also returns why `Auto` fell
/// back to tract.
fn open_backend(
    path: &Path,
    shape: [usize; 4],
    options: &LoadOptions,
    workers: usize,
    check: GraphCheck,
) -> Result<(Box<dyn Backend>, Option<String>)> {
    let ort = || {
        ort_backend::OrtBackend::load(path, shape, options.ort_library.as_deref(), workers, check)
    };
    let tract = || tract_backend::TractBackend::load(path, shape, check);
    Ok(match options.backend {
        BackendChoice::Tract => (Box::new(tract()?), None),
        BackendChoice::Ort => (Box::new(ort()?), None),
        BackendChoice::Auto => match ort() {
            Ok(b) => (Box::new(b), None),
            // A broken model or card is the user's problem whatever the
            // backend; only a missing runtime falls back to tract.
            Err(e @ (Error::Card { .. } | Error::Model { .. })) => return Err(e),
            Err(e) => (Box::new(tract()?), Some(e.to_string())),
        },
    })
}

/// The number of workers `options` ask for: the number of cores by default.
fn worker_count(options: &LoadOptions) -> usize {
    options
        .threads
        .unwrap_or_else(crate::parallel::cores)
        .max(1)
}

/// Checks that a file exists and is a file before a backend tries it.
fn check_model_file(path: &Path) -> Result<()> {
    if path.is_file() {
        return Ok(());
    }
    Err(Error::Model {
        path: path.to_path_buf(),
        problem: if path.exists() {
            "not a file".into()
        } else {
            "no such file".into()
        },
    })
}

/// Checks what both backends would otherwise find late, or never: one
/// image input, float32 scores, and external weights that are regular
/// files (a FIFO there blocks a backend's read forever). A file that is not
/// an ONNX model is left to the backend to describe.
fn check_graph(path: &Path) -> Result<()> {
    use prost::Message;
    use tract_onnx::pb::ModelProto;
    use tract_onnx::pb::tensor_proto::{DataLocation, DataType};
    let problem = |problem: String| Error::Model {
        path: path.to_path_buf(),
        problem,
    };
    let bytes = crate::files::read_regular(path).map_err(problem)?;
    let Ok(proto) = ModelProto::decode(bytes.as_slice()) else {
        return Ok(());
    };
    let Some(graph) = proto.graph else {
        return Ok(());
    };
    let weights: std::collections::HashSet<&str> =
        graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let inputs: Vec<&str> = graph
        .input
        .iter()
        .map(|i| i.name.as_str())
        .filter(|n| !weights.contains(n))
        .collect();
    if inputs.len() != 1 {
        return Err(problem(format!(
            "the model has {} inputs ({}); emotui feeds it one batch of images",
            inputs.len(),
            inputs.join(", ")
        )));
    }
    let elem_type = graph
        .output
        .first()
        .and_then(|o| o.r#type.as_ref())
        .and_then(|t| match &t.value {
            Some(tract_onnx::pb::type_proto::Value::TensorType(t)) => Some(t.elem_type),
            _ => None,
        });
    if let Some(t) = elem_type.filter(|&t| t != DataType::Float as i32) {
        let name = DataType::try_from(t)
            .map_or_else(|_| format!("type {t}"), |d| d.as_str_name().to_lowercase());
        return Err(problem(format!(
            "the first output holds {name} values; emotui reads float32 class scores (export the \
             model with a float output)"
        )));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    for t in &graph.initializer {
        if t.data_location != Some(DataLocation::External as i32) {
            continue;
        }
        for entry in t.external_data.iter().filter(|e| e.key == "location") {
            let file = dir.join(&entry.value);
            let meta = std::fs::metadata(&file);
            if !meta.as_ref().is_ok_and(|m| m.is_file()) {
                return Err(problem(format!(
                    "its weights {:?} are in {}, which is {}",
                    t.name,
                    file.display(),
                    if meta.is_ok() {
                        "not a regular file (a folder, pipe or device); it was not opened"
                    } else {
                        "missing"
                    }
                )));
            }
        }
    }
    Ok(())
}

/// Which backend to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendChoice {
    /// ort when its library is found, otherwise tract.
    #[default]
    Auto,
    /// ONNX Runtime; an error when its library cannot be loaded.
    Ort,
    /// tract.
    Tract,
}

/// Options for loading a model.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Backend selection.
    pub backend: BackendChoice,
    /// Explicit path of `libonnxruntime.so` (otherwise `ORT_DYLIB_PATH` and
    /// the places `pip install onnxruntime` uses are searched).
    pub ort_library: Option<PathBuf>,
    /// Worker threads (default: the number of cores), at most
    /// [`MAX_THREADS`].
    pub threads: Option<usize>,
}

/// The most worker threads a model may be given: far beyond any lab
/// machine's cores, low enough that a typo cannot start thousands.
pub const MAX_THREADS: usize = 256;

/// A loaded model, ready to predict.
pub struct Model {
    path: PathBuf,
    card: ModelCard,
    preprocessor: Preprocessor,
    backend: Box<dyn Backend>,
    workers: usize,
    /// Why ort was not used when `Auto` fell back to tract.
    fallback_reason: Option<String>,
    /// What looked wrong in the model's first answers, without stopping it.
    warnings: Vec<String>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("path", &self.path)
            .field("backend", &self.backend.name())
            .field("workers", &self.workers)
            .finish()
    }
}

/// The bundled model's path relative to the repository root.
pub const BUNDLED_MODEL: &str = "models/emotion_fer_minixception.onnx";

/// Where to find the bundled model (see [`bundled_path`]).
pub fn default_model_path() -> PathBuf {
    bundled_path(BUNDLED_MODEL)
}

/// A bundled file or folder (`relative` to the repository root): under the
/// working directory (the repository's own, when run from it), else the
/// copy the binary carries, written out once (embedded at build time). Nothing
/// points back at the folder emotui was built in, so a copied or installed
/// binary works from anywhere.
pub fn bundled_path(relative: &str) -> PathBuf {
    let local = PathBuf::from(relative);
    if local.exists() {
        return local;
    }
    embedded(relative).unwrap_or(local)
}

/// The bundled models, inside the binary: copied to a cluster's shared
/// folder or installed with `cargo install`, emotui predicts, finds
/// landmarks and opens the explorer with its source tree gone.
const EMBEDDED: [(&str, &[u8]); 5] = [
    (
        BUNDLED_MODEL,
        include_bytes!("../../models/emotion_fer_minixception.onnx"),
    ),
    (
        "models/emotion_fer_minixception.toml",
        include_bytes!("../../models/emotion_fer_minixception.toml"),
    ),
    (
        "models/face/face_detection_short_range.onnx",
        include_bytes!("../../models/face/face_detection_short_range.onnx"),
    ),
    (
        "models/face/face_detection_full_range.onnx",
        include_bytes!("../../models/face/face_detection_full_range.onnx"),
    ),
    (
        "models/face/face_landmark.onnx",
        include_bytes!("../../models/face/face_landmark.onnx"),
    ),
];

/// Writes the embedded files at or under `relative` (and beside it with
/// the same stem) into a folder of this
/// emotui version (the cache folder, else the system's temporary one) and
/// returns where `relative` is there; `None` when nothing embedded matches
/// or nothing can be written. A file already there with the same bytes is
/// kept; a new one goes to a temporary name first and is renamed, so that
/// the tasks of a job array starting together never read half a model.
fn embedded(relative: &str) -> Option<PathBuf> {
    // A folder's files, or a file with its companions of the same stem (a
    // model with its card).
    let prefix = format!("{relative}/");
    let stem = Path::new(relative).with_extension("");
    let files: Vec<&(&str, &[u8])> = EMBEDDED
        .iter()
        .filter(|(p, _)| p.starts_with(&prefix) || Path::new(p).with_extension("") == stem)
        .collect();
    if files.is_empty() {
        return None;
    }
    let folder = format!("bundled-{}", env!("CARGO_PKG_VERSION"));
    // SAFETY: getuid only reads the process's user id.
    let user = unsafe { libc::getuid() };
    let root = crate::files::cache_dir().map_or_else(
        || std::env::temp_dir().join(format!("emotui-{folder}-{user}")),
        |c| c.join(&folder),
    );
    for (path, bytes) in files {
        let dest = root.join(path);
        if std::fs::read(&dest).is_ok_and(|b| b == *bytes) {
            continue;
        }
        std::fs::create_dir_all(dest.parent()?).ok()?;
        let temp = dest.with_extension(format!("part-{}", std::process::id()));
        std::fs::write(&temp, bytes).ok()?;
        std::fs::rename(&temp, &dest).ok()?;
    }
    Some(root.join(relative))
}

impl Model {
    /// Loads the model at `path` with its card (`path` with `.toml`).
    pub fn load(path: &Path, options: &LoadOptions) -> Result<Model> {
        check_model_file(path)?;
        let card = ModelCard::load_for(path)?;
        check_graph(path)?;
        let workers = worker_count(options);
        let check = |dims: &[Option<usize>], classes: Option<usize>| {
            card.check_against_graph(dims, classes)
                .map_err(|problem| card::card_error(ModelCard::path_for(path), problem))
        };
        let (backend, fallback_reason) =
            open_backend(path, card.input.shape(1), options, workers, &check)?;
        let mut model = Model {
            path: path.to_path_buf(),
            preprocessor: Preprocessor::new(card.input.clone()),
            card,
            backend,
            workers,
            fallback_reason,
            warnings: Vec::new(),
        };
        model.warnings = model.check_outputs()?;
        Ok(model)
    }

    /// Runs the model on two plain test images (mid grey, and a gradient)
    /// and checks its raw outputs against the card: no NaN or infinity;
    /// "probabilities" in [0, 1] summing to 1; "logits" that already sum to
    /// 1 are a warning (a softmax would be applied twice).
    fn check_outputs(&self) -> Result<Vec<String>> {
        let spec = self.card.input.clone();
        let (w, h) = (spec.width as u32, spec.height as u32);
        let grey =
            image::DynamicImage::ImageLuma8(image::GrayImage::from_pixel(w, h, image::Luma([128])));
        let gradient = image::DynamicImage::ImageLuma8(image::GrayImage::from_fn(w, h, |x, y| {
            image::Luma([((x + y) * 255 / (w + h).max(1)) as u8])
        }));
        let mut batch = self.preprocessor.tensor(&grey);
        batch.extend(self.preprocessor.tensor(&gradient));
        let raw = self.run_first(0, &batch, 2)?;
        let classes = self.card.labels.len();
        check_len(&raw, 2 * classes, self.backend.name())?;
        let problem = |what: String| Error::Card {
            path: ModelCard::path_for(&self.path),
            problem: what,
            example: card::EXAMPLE,
        };
        if let Some(v) = raw.iter().find(|v| !v.is_finite()) {
            return Err(Error::Model {
                path: self.path.clone(),
                problem: format!("the model answers {v} on a plain grey image: it cannot be used"),
            });
        }
        let sums_to_one = raw.chunks(classes).all(|row| {
            row.iter()
                .all(|&p| (-PROBABILITY_SLACK..=1.0 + PROBABILITY_SLACK).contains(&p))
                && (row.iter().sum::<f32>() - 1.0).abs() <= PROBABILITY_SLACK
        });
        match self.card.output.kind {
            card::OutputKind::Probabilities if !sums_to_one => Err(problem(format!(
                "the card says the outputs are probabilities, but on a test image the model answers {:?}, \
                 which are not probabilities (each in [0, 1], summing to 1); if the model ends without a \
                 softmax, write kind = \"logits\" under [output]",
                &raw[..classes]
            ))),
            card::OutputKind::Logits if sums_to_one => Ok(vec![format!(
                "{}: the card says the outputs are logits, but they already sum to 1 on test images: \
                 a softmax is applied to probabilities; write kind = \"probabilities\" if the model ends with one",
                ModelCard::path_for(&self.path).display()
            )]),
            _ => Ok(Vec::new()),
        }
    }

    /// What looked wrong in the model's first answers (see the load-time
    /// check), to show the user.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The model file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The model card.
    pub fn card(&self) -> &ModelCard {
        &self.card
    }

    /// The backend's name (`ort` or `tract`).
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// The backend for people: `ort (<library path>)` or `tract`.
    pub fn backend_description(&self) -> String {
        match (self.backend.name(), ort_backend::loaded_library()) {
            ("ort", Some(lib)) => format!("ort ({})", lib.display()),
            (name, _) => name.to_string(),
        }
    }

    /// When `Auto` had to use tract: why ort could not be loaded.
    pub fn fallback_reason(&self) -> Option<&str> {
        self.fallback_reason.as_deref()
    }

    /// Number of worker threads.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// The graph's first output: the class scores.
    fn run_first(&self, worker: usize, input: &[f32], n: usize) -> Result<Vec<f32>> {
        let outputs = self.backend.run(worker, input, n)?;
        outputs.into_iter().next().ok_or_else(|| Error::Inference {
            backend: self.backend.name(),
            problem: "the model returned no output".into(),
        })
    }

    fn finish(&self, raw: &mut [f32]) {
        if self.card.output.kind == card::OutputKind::Logits {
            for row in raw.chunks_mut(self.card.labels.len()) {
                softmax(row);
            }
        }
    }
}

/// In-place softmax, stable for large logits.
pub fn softmax(row: &mut [f32]) {
    let max = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

impl Classifier for Model {
    fn labels(&self) -> &[String] {
        &self.card.labels
    }

    fn preprocessor(&self) -> &Preprocessor {
        &self.preprocessor
    }

    fn predict(&self, batch: &[f32], n: usize) -> Result<Vec<f32>> {
        let per = self.card.input.len();
        let classes = self.card.labels.len();
        if batch.len() != n * per {
            return Err(Error::Invalid(format!(
                "batch holds {} values, expected {n} images of {per}",
                batch.len()
            )));
        }
        let bs = self.backend.batch_size().max(1);
        let chunks = n.div_ceil(bs);
        let mut out = vec![0.0f32; n * classes];
        if chunks == 0 {
            return Ok(out);
        }
        let workers = self.workers.min(chunks);
        if workers == 1 {
            for c in 0..chunks {
                let (a, b) = (c * bs, ((c + 1) * bs).min(n));
                let r = self.run_first(0, &batch[a * per..b * per], b - a)?;
                check_len(&r, (b - a) * classes, self.backend.name())?;
                out[a * classes..b * classes].copy_from_slice(&r);
            }
        } else {
            let next = AtomicUsize::new(0);
            let results: Vec<Result<Vec<ChunkOutput>>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..workers)
                    .map(|w| {
                        let next = &next;
                        s.spawn(move || {
                            let mut done = Vec::new();
                            loop {
                                let c = next.fetch_add(1, Ordering::Relaxed);
                                if c >= chunks {
                                    return Ok(done);
                                }
                                let (a, b) = (c * bs, ((c + 1) * bs).min(n));
                                let r = self.run_first(w, &batch[a * per..b * per], b - a)?;
                                check_len(&r, (b - a) * classes, self.backend.name())?;
                                done.push((c, r));
                            }
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(Error::Inference {
                                backend: self.backend.name(),
                                problem: "a worker thread panicked".into(),
                            })
                        })
                    })
                    .collect()
            });
            for r in results {
                for (c, v) in r? {
                    let a = c * bs;
                    out[a * classes..a * classes + v.len()].copy_from_slice(&v);
                }
            }
        }
        self.finish(&mut out);
        // A NaN would otherwise become the last label through argmax, and a
        // perturbation's NaN would poison a whole explanation: silently.
        if let Some(i) = out.iter().position(|v| !v.is_finite()) {
            return Err(Error::Model {
                path: self.path.clone(),
                problem: format!(
                    "the model answered {} for {:?}{}: a model that answers NaN or infinity \
                     gives no prediction",
                    out[i],
                    self.card.labels[i % classes],
                    if n == 1 {
                        String::new()
                    } else {
                        format!(" on image {} of {n} in a batch", i / classes + 1)
                    }
                ),
            });
        }
        Ok(out)
    }
}

/// How far probabilities may stray from [0, 1] and their sum from 1
/// (float32 softmax outputs carry rounding).
const PROBABILITY_SLACK: f32 = 1e-3;

/// A chunk's index and its outputs.
type ChunkOutput = (usize, Vec<f32>);

fn check_len(r: &[f32], want: usize, backend: &'static str) -> Result<()> {
    if r.len() == want {
        Ok(())
    } else {
        Err(Error::Inference {
            backend,
            problem: format!("the model returned {} values, expected {want}", r.len()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one_and_survives_large_logits() {
        let mut v = [1000.0, 1001.0, 999.0];
        softmax(&mut v);
        assert!((v.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(v[1] > v[0] && v[0] > v[2]);
    }
}
