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

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use image::imageops::FilterType;

use emotui::explain::{self, Preset, Request};
use emotui::lime::trust::Baseline;
use emotui::model::{BackendChoice, LoadOptions, Model};
use emotui::preprocess::load_image;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

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
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let big = load_image(&root.join("data/test_crop/SURPRISE/feat_0-f1-su.png")).unwrap();
    let small =
        image::DynamicImage::ImageRgb8(big.resize_exact(64, 64, FilterType::Triangle).to_rgb8());
    for (name, choice) in [("ort", BackendChoice::Ort), ("tract", BackendChoice::Tract)] {
        let model = match Model::load(
            &root.join("models/emotion_fer_minixception.onnx"),
            &LoadOptions {
                backend: choice,
                ..Default::default()
            },
        ) {
            Ok(m) => m,
            Err(e) => {
                println!("{name:>5}: not available ({e})");
                continue;
            }
        };
        for (size, face) in [("64×64", &small), ("320×320", &big)] {
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
