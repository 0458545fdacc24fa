//! What each attribution method costs beyond its own model evaluations:
//! `cargo bench --bench methods_cost`.
//!
//! For one face at 64×64 and one at 320×320, with ort (when its library is
//! found) and tract: each method's evaluations and wall time (LIME from
//! sampling; the others from LIME's samples, as `explain --method` runs
//! them), against the time of the same number of evaluations of the model
//! alone on a prepared batch. Target: each method within 1.15× of its own
//! evaluations' cost. Medians of 5 runs after a warm-up.

mod common;

use std::sync::atomic::AtomicBool;

use common::{faces, models, timed};
use emotui::explain::{self, Preset, Request};
use emotui::methods::{self, Context, Method, MethodOptions};
use emotui::model::{Classifier, Model};

/// `n` evaluations of the model alone, in the chunks the engine uses.
fn model_alone(model: &Model, face: &image::DynamicImage, n: usize) -> f64 {
    let one = model.preprocessor().tensor(face);
    let chunk = 100;
    let batch: Vec<f32> = one.repeat(chunk);
    timed(|| {
        let mut left = n;
        while left > 0 {
            let k = left.min(chunk);
            model.predict(&batch[..k * one.len()], k).unwrap();
            left -= k;
        }
    })
}

fn main() {
    let faces = faces();
    let request = Request {
        trust: Preset::None.options(),
        ..Request::default()
    };
    for (name, model) in models() {
        for (size, face) in &faces {
            let cancel = AtomicBool::new(false);
            let outcome = explain::run(&model, face, &request, &cancel, |_| {}).unwrap();
            let ctx = Context::new(&model, &outcome.samples, &outcome.explanation, 42, &cancel);
            for method in Method::ALL {
                let (seconds, evaluations) = match method {
                    Method::Lime => (
                        timed(|| {
                            explain::run(&model, face, &request, &cancel, |_| {}).unwrap();
                        }),
                        outcome.explanation.n_samples,
                    ),
                    m => {
                        let n = methods::run(m, &ctx, &MethodOptions::default())
                            .unwrap()
                            .evaluations;
                        (
                            timed(|| {
                                methods::run(m, &ctx, &MethodOptions::default()).unwrap();
                            }),
                            n,
                        )
                    }
                };
                let alone = model_alone(&model, face, evaluations);
                println!(
                    "{name:>5} {size:>8} {:<10}: {evaluations:>5} evaluations · {seconds:.3} s · model alone {alone:.3} s · {:.2}×",
                    method.name(),
                    seconds / alone
                );
            }
        }
    }
}
