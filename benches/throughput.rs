//! Images per second of prediction, for both backends:
//! `cargo bench --bench throughput`.
//!
//! - "model": `Model::predict` on 2,000 preprocessed faces (inference only);
//! - "predict": the whole `emotui predict` path on 400 files (decode,
//!   preprocess, infer), which is what a user waits for.
//!
//! - "scan": listing a tree of 10,000 faces (images are decoded lazily).
//!
//! Each figure is the median of 5 runs after one warm-up run.

mod common;

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use common::{median, models, root};
use emotui::faces::FaceTree;
use emotui::model::Classifier;
use emotui::predict::predict_faces;
use emotui::preprocess::load_image;

fn scan_10k() {
    let dir = std::env::temp_dir().join(format!("emotui-scan-{}", std::process::id()));
    for c in 0..7 {
        let class = dir.join(format!("CLASS{c}"));
        std::fs::create_dir_all(&class).unwrap();
        for i in 0..1429 {
            std::fs::write(class.join(format!("{i:05}.png")), b"").unwrap();
        }
    }
    let mut runs = Vec::new();
    for i in 0..6 {
        let t = Instant::now();
        let tree = FaceTree::scan(&dir).unwrap();
        assert_eq!(tree.len(), 10_003);
        if i > 0 {
            runs.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    println!(" scan: 10,003 faces listed in {:.1} ms", median(runs));
}

fn main() {
    scan_10k();
    let root = root();
    let tree = FaceTree::scan(&root.join("data/test_crop")).expect("demo faces");
    let faces: Vec<_> = tree.faces().cloned().collect();
    for (name, model) in models() {
        let tensors: Vec<Vec<f32>> = faces
            .iter()
            .map(|f| model.preprocessor().tensor(&load_image(&f.path).unwrap()))
            .collect();
        let n = 2000;
        let batch: Vec<f32> = (0..n)
            .flat_map(|i| tensors[i % tensors.len()].iter().copied())
            .collect();
        let mut runs = Vec::new();
        for i in 0..6 {
            let t = Instant::now();
            model.predict(&batch, n).unwrap();
            if i > 0 {
                runs.push(n as f64 / t.elapsed().as_secs_f64());
            }
        }
        let inference = median(runs);
        let files: Vec<_> = (0..400).map(|i| faces[i % faces.len()].clone()).collect();
        let mut runs = Vec::new();
        for i in 0..6 {
            let t = Instant::now();
            predict_faces(
                &model,
                &files,
                &AtomicBool::new(false),
                |_, r| {
                    r.unwrap();
                },
                |_, _| {},
            )
            .unwrap();
            if i > 0 {
                runs.push(files.len() as f64 / t.elapsed().as_secs_f64());
            }
        }
        println!(
            "{name:>5} ({} workers): model {:>6.0} img/s   predict (decode+preprocess+infer) {:>6.0} img/s",
            model.workers(),
            inference,
            median(runs)
        );
    }
}
