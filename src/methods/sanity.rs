//! The model-randomisation sanity check (Adebayo et al. 2018, "Sanity
//! checks for saliency maps"): an explanation that does not change when the
//! model's weights are destroyed explains nothing about the model.
//!
//! Cascading randomisation, from the output layer down to the input: at step
//! i the weights of the i layers nearest the output are re-initialised
//! (seeded; Glorot uniform kernels with PyTorch's and Keras's fans, zero
//! biases, as a fresh layer), the ONNX model is written, reloaded in the same
//! backend and every method explains the same face and label again. Each
//! step reports, per method, Spearman's ρ of the superpixels' absolute and
//! signed importances against the original, and SSIM of the two importance
//! maps. A layer is every Conv, ConvTranspose, Gemm or MatMul node whose
//! weights are initializers (BatchNormalization's statistics are left
//! alone: the paper randomises the learned weights). The data-randomisation
//! test needs retraining and is out of scope.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use image::DynamicImage;
use prost::Message;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use tract_onnx::pb::{ModelProto, TensorProto};

use super::agreement::spearman;
use super::{Attribution, Context, Method, MethodOptions};
use crate::error::{Error, Result};
use crate::explain::{self, Preset, Request};
use crate::lime::{LabelChoice, Superpixels};
use crate::model::card::ModelCard;
use crate::model::{LoadOptions, Model};

/// One layer that can be randomised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layer {
    /// The node's name (or its weight's, when unnamed).
    pub name: String,
    /// The node's operator.
    pub op: String,
    /// Initializer holding the weights.
    weight: String,
    /// Initializer holding the bias, if any.
    bias: Option<String>,
}

impl Layer {
    /// The name in at most `width` characters, keeping its end (the part
    /// that tells layers apart) after an ellipsis.
    pub fn short_name(&self, width: usize) -> String {
        let chars: Vec<char> = self.name.chars().collect();
        if chars.len() <= width || width == 0 {
            return self.name.clone();
        }
        std::iter::once('…')
            .chain(chars[chars.len() - (width - 1)..].iter().copied())
            .collect()
    }
}

/// ONNX data type of 32-bit floats.
const FLOAT: i32 = 1;

fn is_float(t: &TensorProto) -> bool {
    t.data_type == FLOAT
}

/// The model's randomisable layers, from the output towards the input.
pub fn layers(model: &ModelProto) -> Vec<Layer> {
    let Some(graph) = &model.graph else {
        return Vec::new();
    };
    let init = |name: &str| {
        graph
            .initializer
            .iter()
            .find(|t| t.name == name && is_float(t))
    };
    graph
        .node
        .iter()
        .rev()
        .filter(|n| {
            matches!(
                n.op_type.as_str(),
                "Conv" | "ConvTranspose" | "Gemm" | "MatMul"
            )
        })
        .filter_map(|n| {
            let weight = n.input.get(1).filter(|w| init(w).is_some())?.clone();
            let bias = n.input.get(2).filter(|b| init(b).is_some()).cloned();
            Some(Layer {
                name: if n.name.is_empty() {
                    weight.clone()
                } else {
                    n.name.clone()
                },
                op: n.op_type.clone(),
                weight,
                bias,
            })
        })
        .collect()
}

/// The tensor's values as f32 (raw little-endian bytes or the float field).
fn values(t: &TensorProto) -> usize {
    if t.raw_data.is_empty() {
        t.float_data.len()
    } else {
        t.raw_data.len() / 4
    }
}

/// Replaces a tensor's values (stored as raw little-endian bytes).
fn set_values(t: &mut TensorProto, v: impl Iterator<Item = f32>) {
    t.raw_data = v.flat_map(f32::to_le_bytes).collect();
    t.float_data.clear();
}

/// Glorot-uniform bound of a kernel with ONNX dims (Conv: out, in/groups,
/// k…; Gemm/MatMul: in, out).
fn glorot_limit(dims: &[i64], op: &str) -> f64 {
    let d: Vec<f64> = dims.iter().map(|&x| x.max(1) as f64).collect();
    let (fan_in, fan_out) = match (op, d.len()) {
        ("Conv" | "ConvTranspose", n) if n >= 2 => {
            let receptive: f64 = d[2..].iter().product();
            (d[1] * receptive, d[0] * receptive)
        }
        (_, 2) => (d[0], d[1]),
        _ => {
            let n = d.iter().product::<f64>().sqrt();
            (n, n)
        }
    };
    (6.0 / (fan_in + fan_out)).sqrt()
}

/// The model with `layers` re-initialised (seeded by `seed` and each
/// layer's position, so that a layer gets the same weights at every step).
pub fn randomise(model: &ModelProto, layers: &[Layer], seed: u64) -> ModelProto {
    let mut out = model.clone();
    let Some(graph) = out.graph.as_mut() else {
        return out;
    };
    for (i, layer) in layers.iter().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xADE_B415);
        rng.set_stream(i as u64);
        for t in graph.initializer.iter_mut() {
            if t.name == layer.weight {
                let limit = glorot_limit(&t.dims, &layer.op);
                let n = values(t);
                set_values(t, (0..n).map(|_| rng.random_range(-limit..limit) as f32));
            } else if Some(&t.name) == layer.bias.as_ref() {
                let n = values(t);
                set_values(t, std::iter::repeat_n(0.0, n));
            }
        }
    }
    out
}

/// One method's similarity to its original explanation after a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Similarity {
    /// The method.
    pub method: Method,
    /// Spearman's ρ of |importance| (the paper's main measure).
    pub spearman_abs: f64,
    /// Spearman's ρ of the signed importances.
    pub spearman: f64,
    /// SSIM of the |importance| maps, each scaled to [0, 1].
    pub ssim: f64,
}

/// A step of the cascade: every layer up to this one randomised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The last layer randomised.
    pub layer: Layer,
    /// The randomised model's probability of the label on the face.
    pub probability: f64,
    /// Per method.
    pub similarity: Vec<Similarity>,
}

/// The whole check for one face.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The label explained (the model's top label on the face).
    pub label: String,
    /// Its probability under the trained model.
    pub probability: f64,
    /// The methods compared.
    pub methods: Vec<Method>,
    /// One step per layer, from the output down.
    pub steps: Vec<Step>,
}

/// skimage's `structural_similarity` defaults: 7×7 uniform window, sample
/// covariance, K1 = 0.01, K2 = 0.03, data range 1.
pub fn ssim(a: &[f64], b: &[f64], w: usize, h: usize) -> f64 {
    const WIN: usize = 7;
    if w < WIN || h < WIN {
        return f64::NAN;
    }
    let (c1, c2) = (0.01f64.powi(2), 0.03f64.powi(2));
    let n = (WIN * WIN) as f64;
    let cov_norm = n / (n - 1.0);
    let mut total = 0.0;
    let mut count = 0;
    // skimage crops (WIN − 1) / 2 pixels at each border before the mean.
    for y in 0..=h - WIN {
        for x in 0..=w - WIN {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for dy in 0..WIN {
                for dx in 0..WIN {
                    let i = (y + dy) * w + x + dx;
                    let (u, v) = (a[i], b[i]);
                    sa += u;
                    sb += v;
                    saa += u * u;
                    sbb += v * v;
                    sab += u * v;
                }
            }
            let (ma, mb) = (sa / n, sb / n);
            let va = cov_norm * (saa / n - ma * ma);
            let vb = cov_norm * (sbb / n - mb * mb);
            let vab = cov_norm * (sab / n - ma * mb);
            total += ((2.0 * ma * mb + c1) * (2.0 * vab + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            count += 1;
        }
    }
    total / count as f64
}

/// |importance| painted on the superpixels, scaled to [0, 1].
fn abs_map(sp: &Superpixels, importance: &[f64]) -> Vec<f64> {
    let max = importance.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    sp.labels
        .iter()
        .map(|&l| {
            if max > 0.0 {
                importance[l as usize].abs() / max
            } else {
                0.0
            }
        })
        .collect()
}

/// One explanation of `image` by every method in `methods` on `model`, for
/// the first label of `request`.
struct Explained {
    attributions: Vec<Attribution>,
    superpixels: Superpixels,
    /// The label explained and its probability.
    label: String,
    probability: f64,
}

fn explain_all(
    model: &Model,
    image: &DynamicImage,
    request: &Request,
    methods: &[Method],
    options: &MethodOptions,
    cancel: &AtomicBool,
) -> Result<Explained> {
    let outcome = explain::run(model, image, request, cancel, |_| {})?;
    let seed = request.sampling.seed;
    let ctx = Context::new(model, &outcome.samples, &outcome.explanation, seed, cancel);
    let attributions = methods
        .iter()
        .map(|&m| match m {
            Method::Lime => Ok(super::from_lime(&outcome.explanation)),
            other => super::run(other, &ctx, options),
        })
        .collect::<Result<Vec<_>>>()?;
    let first = &outcome.explanation.labels[0];
    Ok(Explained {
        attributions,
        superpixels: outcome.samples.superpixels.clone(),
        label: first.name.clone(),
        probability: first.probability,
    })
}

/// A folder of its own for the randomised models (removed when dropped).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("emotui-sanity-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| Error::file(&dir, e))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the cascading randomisation on `image` with `model` (its ONNX file
/// is read and randomised; the copies are loaded with `load`): the original
/// explanation of the top label, then one step per layer.
/// `progress(done, total)` after each step; `cancel` stops with
/// [`Error::Cancelled`].
#[allow(clippy::too_many_arguments)]
pub fn run(
    model: &Model,
    load: &LoadOptions,
    image: &DynamicImage,
    request: &Request,
    methods: &[Method],
    options: &MethodOptions,
    cancel: &AtomicBool,
    mut progress: impl FnMut(usize, usize),
) -> Result<Report> {
    let model_path = model.path();
    let bytes = crate::files::read_regular(model_path).map_err(|e| Error::file(model_path, e))?;
    let proto = ModelProto::decode(bytes.as_slice())
        .map_err(|e| Error::file(model_path, format!("not an ONNX model: {e}")))?;
    let all = layers(&proto);
    if all.is_empty() {
        return Err(Error::file(
            model_path,
            "no Conv, Gemm or MatMul layer with weights to randomise",
        ));
    }
    let card_path = ModelCard::path_for(model_path);
    let card = crate::files::read_regular(&card_path).map_err(|e| Error::file(&card_path, e))?;
    // The trained model's top label, then that label at every step, so that
    // every step explains the same thing.
    let mut request = Request {
        fit: crate::lime::FitOptions {
            labels: LabelChoice::Top(1),
            ..request.fit.clone()
        },
        trust: Preset::None.options(),
        until_stable: false,
        live: false,
        ..request.clone()
    };
    let original = explain_all(model, image, &request, methods, options, cancel)?;
    request.fit.labels = LabelChoice::Names(vec![original.label.clone()]);
    let sp = &original.superpixels;
    let original_maps: Vec<Vec<f64>> = original
        .attributions
        .iter()
        .map(|a| abs_map(sp, &a.importance(0, sp.count)))
        .collect();
    let scratch = Scratch::new()?;
    let path = scratch.0.join("randomised.onnx");
    let scratch_card = ModelCard::path_for(&path);
    std::fs::write(&scratch_card, &card).map_err(|e| Error::file(&scratch_card, e))?;
    let mut steps = Vec::new();
    for i in 0..all.len() {
        progress(i, all.len());
        let randomised = randomise(&proto, &all[..=i], request.sampling.seed);
        std::fs::write(&path, randomised.encode_to_vec()).map_err(|e| Error::file(&path, e))?;
        let broken = Model::load(&path, load)?;
        let now = explain_all(&broken, image, &request, methods, options, cancel)?;
        let similarity = original
            .attributions
            .iter()
            .zip(&now.attributions)
            .zip(&original_maps)
            .map(|((a, b), map_a)| {
                let va = a.importance(0, sp.count);
                let vb = b.importance(0, now.superpixels.count);
                let abs = |v: &[f64]| v.iter().map(|x| x.abs()).collect::<Vec<_>>();
                Similarity {
                    method: a.method,
                    spearman_abs: spearman(&abs(&va), &abs(&vb)),
                    spearman: spearman(&va, &vb),
                    ssim: ssim(map_a, &abs_map(&now.superpixels, &vb), sp.width, sp.height),
                }
            })
            .collect();
        steps.push(Step {
            layer: all[i].clone(),
            probability: now.probability,
            similarity,
        });
    }
    progress(all.len(), all.len());
    Ok(Report {
        label: original.label,
        probability: original.probability,
        methods: methods.to_vec(),
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssim_of_equal_maps_is_one_and_of_opposites_low() {
        let (w, h) = (16, 16);
        let a: Vec<f64> = (0..w * h).map(|i| ((i * 7) % 13) as f64 / 13.0).collect();
        assert!((ssim(&a, &a, w, h) - 1.0).abs() < 1e-12);
        let b: Vec<f64> = a.iter().map(|v| 1.0 - v).collect();
        assert!(ssim(&a, &b, w, h) < 0.0);
    }

    #[test]
    fn long_layer_names_keep_their_end() {
        let l = Layer {
            name: "model_1/separable_conv2d_8/separable_conv2d/depthwise".into(),
            op: "Conv".into(),
            weight: "w".into(),
            bias: None,
        };
        assert_eq!(l.short_name(20), "…le_conv2d/depthwise");
        assert_eq!(l.short_name(20).chars().count(), 20);
        assert_eq!(l.short_name(100), l.name);
    }

    #[test]
    fn glorot_bounds_follow_the_fans() {
        // Conv 8 → 16 with 3×3 kernels: fans 72 and 144.
        let l = glorot_limit(&[16, 8, 3, 3], "Conv");
        assert!((l - (6.0f64 / 216.0).sqrt()).abs() < 1e-12);
        let l = glorot_limit(&[128, 7], "Gemm");
        assert!((l - (6.0f64 / 135.0).sqrt()).abs() < 1e-12);
    }
}
