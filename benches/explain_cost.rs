//! What the trust figures cost: `cargo bench --bench explain_cost`.
//!
//! For one face at 64×64 and one at 320×320, with ort (when its library is
//! found) and tract: the default explanation (`Preset::Standard`: 100
//! bootstrap resamples, deletion/insertion curves against the baseline
//! from the samples) against LIME alone (`Preset::None`), and the earlier
//! default (curves against 5 random orders evaluated by the model). Each
//! figure is the median of 5 runs after a warm-up; the ratios are what the
//! target is about (default ≤ 1.3× LIME alone), since this shared machine's
//! speed varies between runs.

mod common;

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use common::{faces, median, models};
use emotui::explain::{self, Preset, Request};
use emotui::lime::trust::Baseline;
use emotui::model::Model;

fn seconds(model: &Model, face: &image::DynamicImage, request: &Request) -> f64 {
    let run = || {
        let t = Instant::now();
        explain::run(model, face, request, &AtomicBool::new(false), |_| {}).unwrap();
        t.elapsed().as_secs_f64()
    };
    run();
    median((0..5).map(|_| run()).collect())
}

fn main() {
    let faces = faces();
    for (name, model) in models() {
        for (size, face) in &faces {
            let with = |preset: Preset, baseline: Option<Baseline>| {
                let mut r = Request {
                    trust: preset.options(),
                    ..Request::default()
                };
                if baseline.is_some() {
                    r.trust.faithfulness = baseline;
                }
                r
            };
            let lime = seconds(&model, face, &with(Preset::None, None));
            let default = seconds(&model, face, &with(Preset::Standard, None));
            let before = seconds(
                &model,
                face,
                &with(Preset::Standard, Some(Baseline::RandomOrders(5))),
            );
            println!(
                "{name:>5} {size:>8}: LIME alone {lime:.3} s · default {default:.3} s ({:.2}×) · with 5 random orders {before:.3} s ({:.2}×)",
                default / lime,
                before / lime
            );
        }
    }
}
