//! The pure-Rust backend.
//!
//! tract is fastest here with one plan for a fixed batch of 1 shared by all
//! workers: a symbolic or larger batch costs 2.5–6× more per image on this
//! model (measured, see the README), so [`Backend::batch_size`] is 1.

use std::path::Path;
use std::sync::Arc;

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;

use super::{Backend, GraphCheck};
use crate::error::{Error, Result};

type Plan = Arc<TypedSimplePlan>;

pub(super) struct TractBackend {
    plan: Plan,
    shape: [usize; 4],
}

impl TractBackend {
    /// Loads `path` for inputs of `shape`; `check` sees the dimensions the
    /// graph declares, then the fixed shape with the first output's size.
    pub(super) fn load(path: &Path, shape: [usize; 4], check: GraphCheck) -> Result<TractBackend> {
        let model_err = |e: TractError| Error::Model {
            path: path.to_path_buf(),
            problem: format!("tract cannot load it: {e:#}"),
        };
        let model = tract_onnx::onnx().model_for_path(path).map_err(model_err)?;
        let input = model.input_fact(0).map_err(model_err)?;
        let dims: Vec<Option<usize>> = input
            .shape
            .dims()
            .map(|d| {
                d.concretize()
                    .and_then(|d| d.to_i64().ok())
                    .map(|v| v as usize)
            })
            .collect();
        if !dims.is_empty() {
            check(&dims, None)?;
        }
        let typed = model
            .with_input_fact(0, f32::fact(shape).into())
            .map_err(model_err)?
            .into_optimized()
            .map_err(model_err)?;
        let classes = typed
            .output_fact(0)
            .ok()
            .and_then(|f| f.shape.as_concrete().map(|s| s.iter().product::<usize>()));
        check(&shape.map(Some), classes)?;
        let plan = typed.into_runnable().map_err(model_err)?;
        Ok(TractBackend { plan, shape })
    }
}

impl Backend for TractBackend {
    fn name(&self) -> &'static str {
        "tract"
    }

    fn batch_size(&self) -> usize {
        1
    }

    fn run(&self, _worker: usize, input: &[f32], n: usize) -> Result<Vec<Vec<f32>>> {
        let per: usize = self.shape.iter().product();
        let mut out: Vec<Vec<f32>> = Vec::new();
        for i in 0..n {
            let err = |e: TractError| Error::Inference {
                backend: "tract",
                problem: format!("{e:#}"),
            };
            let t = Tensor::from_shape(&self.shape, &input[i * per..(i + 1) * per]).map_err(err)?;
            let r = self.plan.run(tvec!(t.into_tvalue())).map_err(err)?;
            out.resize_with(r.len(), Vec::new);
            for (o, value) in out.iter_mut().zip(r.iter()) {
                o.extend(
                    value
                        .to_plain_array_view::<f32>()
                        .map_err(err)?
                        .iter()
                        .copied(),
                );
            }
        }
        Ok(out)
    }
}
