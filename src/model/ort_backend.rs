//! The ONNX Runtime backend, loaded at run time.
//!
//! ort's default build downloads a prebuilt runtime from outside the package
//! registries, so emotui uses `load-dynamic` and finds `libonnxruntime.so`
//! itself: an explicit path, `ORT_DYLIB_PATH`, or the wheel that
//! `pip install onnxruntime` installed. One session per worker, each with one
//! intra-op thread, is measured fastest on two cores (about 6,000 images/s
//! against 3,300–4,900 for one session with two threads).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::value::TensorRef;

use super::{Backend, GraphCheck};
use crate::error::{Error, Result};

/// The runtime can be loaded once per process; later loads reuse it.
static ENVIRONMENT: OnceLock<
    std::result::Result<(ort::environment::Environment, PathBuf), String>,
> = OnceLock::new();

pub(super) struct OrtBackend {
    sessions: Vec<Mutex<Session>>,
    input_name: String,
    output_names: Vec<String>,
    shape_tail: [usize; 3],
    /// Images per run: the graph's batch when it is fixed, else the fastest.
    batch: usize,
}

/// Candidate locations of `libonnxruntime.so`, best first.
pub fn library_candidates(explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = explicit {
        out.push(p.to_path_buf());
        return out;
    }
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH") {
        out.push(PathBuf::from(p));
        return out;
    }
    let mut site_dirs: Vec<PathBuf> = Vec::new();
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
        site_dirs.extend(python_site_dirs(&PathBuf::from(venv).join("lib")));
    }
    if let Some(home) = std::env::var_os("HOME") {
        let home = PathBuf::from(home);
        site_dirs.extend(python_site_dirs(&home.join(".local/lib")));
        // pyenv installs (this machine's Python lives there).
        if let Ok(versions) = std::fs::read_dir(home.join(".pyenv/versions")) {
            let mut vs: Vec<_> = versions.flatten().map(|e| e.path().join("lib")).collect();
            vs.sort();
            for v in vs.iter().rev() {
                site_dirs.extend(python_site_dirs(v));
            }
        }
    }
    for root in ["/usr/local/lib", "/usr/lib", "/opt/conda/lib"] {
        site_dirs.extend(python_site_dirs(Path::new(root)));
    }
    for dir in site_dirs {
        let capi = dir.join("onnxruntime").join("capi");
        if let Ok(entries) = std::fs::read_dir(&capi) {
            let mut libs: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("libonnxruntime.so"))
                })
                .collect();
            // Prefer the fully versioned file (the wheel ships only that one).
            libs.sort_by_key(|p| std::cmp::Reverse(p.as_os_str().len()));
            out.extend(libs);
        }
    }
    out
}

/// `<lib>/python3.*/{site,dist}-packages` folders, newest Python first.
fn python_site_dirs(lib: &Path) -> Vec<PathBuf> {
    let mut pys: Vec<PathBuf> = match std::fs::read_dir(lib) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("python3"))
            })
            .collect(),
        Err(_) => return Vec::new(),
    };
    pys.sort();
    pys.reverse();
    pys.into_iter()
        .flat_map(|p| [p.join("site-packages"), p.join("dist-packages")])
        .filter(|p| p.is_dir())
        .collect()
}

fn environment(
    explicit: Option<&Path>,
) -> std::result::Result<ort::environment::Environment, String> {
    let entry = ENVIRONMENT.get_or_init(|| {
        let candidates = library_candidates(explicit);
        if candidates.is_empty() {
            return Err(
                "no ONNX Runtime library found (give --ort-lib or ORT_DYLIB_PATH, \
                        or `pip install onnxruntime`)"
                    .into(),
            );
        }
        let mut problems = Vec::new();
        for lib in candidates {
            if !lib.is_file() {
                problems.push(format!("{}: no such file", lib.display()));
                continue;
            }
            match ort::init_from(&lib) {
                Ok(builder) => match builder.with_name("emotui").build() {
                    Ok(env) => return Ok((env, lib)),
                    Err(e) => problems.push(format!("{}: {e}", lib.display())),
                },
                Err(e) => problems.push(format!("{}: {e}", lib.display())),
            }
        }
        Err(problems.join("; "))
    });
    match entry {
        Ok((env, _)) => Ok(env.clone()),
        Err(e) => Err(e.clone()),
    }
}

/// The runtime library that was loaded, if any.
pub fn loaded_library() -> Option<PathBuf> {
    ENVIRONMENT
        .get()
        .and_then(|e| e.as_ref().ok())
        .map(|(_, p)| p.clone())
}

impl OrtBackend {
    /// Loads `path` for inputs of `shape` in one session per worker;
    /// `check` sees the dimensions the graph declares and its first output's
    /// size.
    pub(super) fn load(
        path: &Path,
        shape: [usize; 4],
        library: Option<&Path>,
        workers: usize,
        check: GraphCheck,
    ) -> Result<OrtBackend> {
        let env = environment(library).map_err(|problem| Error::Inference {
            backend: "ort",
            problem,
        })?;
        let model_err = |e: ort::Error| Error::Model {
            path: path.to_path_buf(),
            problem: format!("ONNX Runtime cannot load it: {e}"),
        };
        let mut sessions = Vec::with_capacity(workers);
        for _ in 0..workers.max(1) {
            let session = Session::builder(&env)
                .map_err(model_err)?
                .with_intra_threads(1)
                .map_err(|e| model_err(e.into()))?
                .with_inter_threads(1)
                .map_err(|e| model_err(e.into()))?
                .commit_from_file(path)
                .map_err(model_err)?;
            sessions.push(session);
        }
        let first = &sessions[0];
        let shape_err = |problem: &str| Error::Model {
            path: path.to_path_buf(),
            problem: problem.into(),
        };
        let input = first
            .inputs()
            .first()
            .ok_or_else(|| shape_err("the model has no input"))?;
        let output = first
            .outputs()
            .first()
            .ok_or_else(|| shape_err("the model has no output"))?;
        let dims: Vec<Option<usize>> = input
            .dtype()
            .tensor_shape()
            .map(|s| {
                s.iter()
                    .map(|&d| if d >= 0 { Some(d as usize) } else { None })
                    .collect()
            })
            .unwrap_or_default();
        let classes = output
            .dtype()
            .tensor_shape()
            .and_then(|s| s.last().copied())
            .filter(|&d| d > 0)
            .map(|d| d as usize);
        check(&dims, classes)?;
        let backend = OrtBackend {
            input_name: input.name().to_string(),
            output_names: first
                .outputs()
                .iter()
                .map(|o| o.name().to_string())
                .collect(),
            shape_tail: [shape[1], shape[2], shape[3]],
            // Small batches are fastest per image on this CPU (B = 4: about
            // 3,100 img/s per session; B ≥ 250: about 2,100).
            batch: match dims.first() {
                Some(Some(fixed)) => (*fixed).max(1),
                _ => 4,
            },
            sessions: sessions.into_iter().map(Mutex::new).collect(),
        };
        // ONNX Runtime allocates on a session's first run (a few ms); do it
        // now, once, rather than in the first prediction the user waits for.
        let per: usize = backend.shape_tail.iter().product();
        let zeros = vec![0.0f32; per * backend.batch];
        for w in 0..backend.sessions.len() {
            backend.run(w, &zeros, backend.batch_size())?;
        }
        Ok(backend)
    }
}

impl Backend for OrtBackend {
    fn name(&self) -> &'static str {
        "ort"
    }

    fn batch_size(&self) -> usize {
        self.batch
    }

    fn run(&self, worker: usize, input: &[f32], n: usize) -> Result<Vec<Vec<f32>>> {
        let err = |e: ort::Error| Error::Inference {
            backend: "ort",
            problem: e.to_string(),
        };
        let [a, b, c] = self.shape_tail;
        let shape = [n, a, b, c];
        let tensor = TensorRef::from_array_view((shape, input)).map_err(err)?;
        let mut session = self.sessions[worker % self.sessions.len()]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let outputs = session
            .run(ort::inputs![self.input_name.as_str() => tensor])
            .map_err(err)?;
        self.output_names
            .iter()
            .map(|name| {
                let (_, data) = outputs[name.as_str()]
                    .try_extract_tensor::<f32>()
                    .map_err(err)?;
                Ok(data.to_vec())
            })
            .collect()
    }
}
