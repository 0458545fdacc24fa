//! The explanation engine from a program of your own, with no terminal
//! code: `cargo run --release --example explain_face [FACE]`.
//!
//! Loads the bundled model, explains one face with the same request the
//! `explain` command and the explorer use (progress as samples arrive),
//! and prints the strongest superpixels of each label with their 95%
//! intervals and the faithfulness ratios.
use std::sync::atomic::AtomicBool;

use emotui::explain::{self, Event, Request};
use emotui::model::{LoadOptions, Model, default_model_path};
use emotui::preprocess::load_image;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/test_crop/JOY/obama.png".into());
    let model = Model::load(&default_model_path(), &LoadOptions::default())?;
    let face = load_image(path.as_ref())?;
    let request = Request::default();
    let outcome = explain::run(&model, &face, &request, &AtomicBool::new(false), |e| {
        if let Event::Progress { done, total } = e {
            eprint!("\r{done}/{total} perturbations");
        }
    })?;
    eprintln!();
    for l in &outcome.explanation.labels {
        println!(
            "{}: probability {:.2}, explanation fit {:.2}",
            l.name, l.probability, l.r2
        );
        if let Some(st) = outcome.trust.stability_of(l.label) {
            println!(
                "  {} (top-{} Jaccard {:.2})",
                st.verdict.word(),
                st.k,
                st.jaccard
            );
            for iv in st.intervals.iter().take(5) {
                println!(
                    "  superpixel {:>2}: {:+.3}  [{:+.3}, {:+.3}]",
                    iv.superpixel, iv.weight, iv.lower, iv.upper
                );
            }
        }
        if let Some(f) = outcome.trust.faithfulness_of(l.label) {
            println!(
                "  deletion {:.2}× random, insertion {:.2}× random",
                f.deletion_ratio, f.insertion_ratio
            );
        }
    }
    Ok(())
}
