//! Times SLIC on a demo face: `cargo run --release --example slic_timing [FACE]`.
use std::time::Instant;

use emotui::lime::slic::slic;
use emotui::model::card::Colour;
use emotui::preprocess::{load_image, to_planes};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/test_crop/JOY/obama.png".into());
    let img = match load_image(path.as_ref()) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let t = Instant::now();
    let face = to_planes(&img, Colour::Gray);
    let planes = t.elapsed();
    for n in [20, 40, 50] {
        let t = Instant::now();
        let reps = 20;
        let mut count = 0;
        for _ in 0..reps {
            count = slic(&face, n, 20.0, 10).count;
        }
        println!(
            "{}x{} n_superpixels={n}: K={count}, {:.2} ms per SLIC (planes {:.2} ms)",
            face.width,
            face.height,
            t.elapsed().as_secs_f64() * 1000.0 / reps as f64,
            planes.as_secs_f64() * 1000.0
        );
    }
}
