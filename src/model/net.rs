//! A plain ONNX graph with a fixed NHWC input and several outputs: the face
//! detectors and the face mesh. They run on the same backends as the
//! emotion model; their pre- and post-processing lives with the faces
//! (`crate::geometry`), not in a card, because it is code, not settings.

use std::path::{Path, PathBuf};

use super::{Backend, LoadOptions, check_model_file, open_backend, worker_count};
use crate::error::{Error, Result};

/// A loaded graph that takes one image of a fixed shape.
pub struct Net {
    path: PathBuf,
    backend: Box<dyn Backend>,
    shape: [usize; 4],
    /// Sizes of the outputs, in graph order, checked on every run.
    output_sizes: Vec<usize>,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net")
            .field("path", &self.path)
            .field("backend", &self.backend.name())
            .field("shape", &self.shape)
            .finish()
    }
}

impl Net {
    /// Loads `path` for one image of `shape` (NHWC, batch 1) and checks that
    /// its outputs hold `output_sizes` values, in order.
    pub fn load(
        path: &Path,
        shape: [usize; 4],
        output_sizes: &[usize],
        options: &LoadOptions,
    ) -> Result<Net> {
        check_model_file(path)?;
        let check = |dims: &[Option<usize>], _: Option<usize>| {
            let fits = dims.len() == 4
                && dims
                    .iter()
                    .zip(shape)
                    .all(|(d, want)| d.is_none_or(|d| d == want));
            if fits {
                Ok(())
            } else {
                let dims: Vec<String> = dims
                    .iter()
                    .map(|d| d.map_or("?".into(), |d| d.to_string()))
                    .collect();
                Err(Error::Model {
                    path: path.to_path_buf(),
                    problem: format!(
                        "its input is [{}], emotui feeds it {shape:?}: not the bundled face model?",
                        dims.join(", ")
                    ),
                })
            }
        };
        let (backend, _) = open_backend(path, shape, options, worker_count(options), &check)?;
        let net = Net {
            path: path.to_path_buf(),
            backend,
            shape,
            output_sizes: output_sizes.to_vec(),
        };
        net.run(0, &vec![0.0; net.input_len()])?;
        Ok(net)
    }

    /// Number of floats in the input image.
    pub fn input_len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Runs one image on worker `worker`; every output, in graph order.
    pub fn run(&self, worker: usize, input: &[f32]) -> Result<Vec<Vec<f32>>> {
        if input.len() != self.input_len() {
            return Err(Error::Invalid(format!(
                "{}: input holds {} values, expected {}",
                self.path.display(),
                input.len(),
                self.input_len()
            )));
        }
        let outputs = self.backend.run(worker, input, 1)?;
        let sizes: Vec<usize> = outputs.iter().map(Vec::len).collect();
        if sizes.len() < self.output_sizes.len()
            || sizes.iter().zip(&self.output_sizes).any(|(a, b)| a != b)
        {
            return Err(Error::Model {
                path: self.path.clone(),
                problem: format!(
                    "it returned outputs of {sizes:?} values, expected {:?}",
                    self.output_sizes
                ),
            });
        }
        Ok(outputs)
    }
}
