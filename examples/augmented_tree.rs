//! Makes a large faces tree from the bundled one, for trying the atlas on
//! hundreds of faces: `cargo run --release --example augmented_tree -- OUT
//! [N] [SEED]` writes N faces (default 500) as `OUT/<CLASS>/<face>_<i>.png`,
//! each a bundled face of that class cropped a little differently, perhaps
//! mirrored, with its brightness and contrast changed. The same N and seed
//! give the same files. The tree is for trying things, not for committing:
//! its faces are the bundled five, many times over.

use std::path::{Path, PathBuf};

use image::imageops::{self, FilterType};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(
        args.next()
            .ok_or_else(|| anyhow::anyhow!("usage: augmented_tree OUT [N] [SEED]"))?,
    );
    let n: usize = args.next().map_or(Ok(500), |a| a.parse())?;
    let seed: u64 = args.next().map_or(Ok(1), |a| a.parse())?;
    if out.exists() {
        anyhow::bail!("{} exists: give a new folder", out.display());
    }
    let tree = emotui::faces::FaceTree::scan(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/test_crop")
            .as_path(),
    )?;
    let faces: Vec<_> = tree.faces().cloned().collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in 0..n {
        let face = &faces[i % faces.len()];
        let img = image::open(&face.path)?.to_rgb8();
        let (w, h) = img.dimensions();
        // Up to 8% off each side, then back to the face's size.
        let cut = |rng: &mut ChaCha8Rng, side: u32| rng.random_range(0..=side * 8 / 100);
        let (l, t) = (cut(&mut rng, w), cut(&mut rng, h));
        let (r, b) = (cut(&mut rng, w), cut(&mut rng, h));
        let cropped = imageops::crop_imm(&img, l, t, w - l - r, h - t - b).to_image();
        let mut face_img = imageops::resize(&cropped, w, h, FilterType::CatmullRom);
        if rng.random_bool(0.5) {
            imageops::flip_horizontal_in_place(&mut face_img);
        }
        let contrast = rng.random_range(-20.0f32..20.0);
        let brightness = rng.random_range(-25..25);
        let face_img = imageops::colorops::brighten(
            &imageops::colorops::contrast(&face_img, contrast),
            brightness,
        );
        let class = face.class.as_deref().unwrap_or("UNLABELLED");
        let stem = face.path.file_stem().unwrap_or_default().to_string_lossy();
        let dir = out.join(class);
        std::fs::create_dir_all(&dir)?;
        face_img.save(dir.join(format!("{stem}_{i:04}.png")))?;
    }
    println!("{n} faces in {}", out.display());
    Ok(())
}
