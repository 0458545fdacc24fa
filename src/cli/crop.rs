//! `emotui crop PHOTOS... --out DIR`: every face in the photos, cut out and
//! written as a faces tree (`DIR/<CLASS>/<photo>_<k>.png`) with a manifest
//! (`manifest.csv`, `manifest.json`) that lists every photo, those without
//! a face too.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use clap::{Args, ValueEnum};
use serde::Serialize;

use emotui::export::{Content, File};
use emotui::faces::{FaceTree, printable};
use emotui::geometry::crop::{self, CropOptions, DetectorChoice};
use emotui::geometry::detect::KEYPOINT_NAMES;
use emotui::geometry::{Detection, DetectorKind};

use super::{ModelArgs, count, progress};

/// Photos decoded and cropped per round: enough to keep every core busy,
/// few enough that big photos never pile up in memory.
const ROUND: usize = 16;

/// Arguments of `emotui crop`.
#[derive(Debug, Args)]
pub struct CropArgs {
    /// Photos, or folders of them (a folder of class folders keeps its
    /// classes).
    #[arg(required = true)]
    pub photos: Vec<PathBuf>,

    /// The faces tree to write.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Class folder for every face [default: the photo's class folder when
    /// a folder of class folders is given, else none].
    #[arg(long, value_name = "NAME")]
    pub class: Option<String>,

    /// Side of the written faces in pixels [default: the model's input side
    /// from its card].
    #[arg(long, value_name = "N", value_parser = count::<8, { crop::MAX_SIZE }>)]
    pub size: Option<usize>,

    /// Space added on each side of the face box, as a fraction of its
    /// longer side.
    #[arg(long, value_name = "M", default_value_t = crop::DEFAULT_MARGIN,
          allow_negative_numbers = true, value_parser = margin)]
    pub margin: f32,

    /// Write gray faces (PIL's luma, as Keras loads them in grayscale).
    #[arg(long)]
    pub gray: bool,

    /// Rotate each face so that its eyes are level.
    #[arg(long)]
    pub align: bool,

    /// Which detector: full range finds small faces in group photos, short
    /// range is surer on close-ups; auto tries full range, then short.
    #[arg(long, value_enum, default_value_t = DetectorArg::Auto)]
    pub detector: DetectorArg,

    /// Overwrite existing faces and manifests in --out.
    #[arg(long)]
    pub force: bool,
}

impl DetectorArg {
    fn choice(self) -> DetectorChoice {
        match self {
            DetectorArg::Auto => DetectorChoice::Auto,
            DetectorArg::Short => DetectorChoice::Only(DetectorKind::Short),
            DetectorArg::Full => DetectorChoice::Only(DetectorKind::Full),
        }
    }
}

/// `--detector` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DetectorArg {
    /// Full range, then short range when it finds nothing.
    Auto,
    /// MediaPipe's short-range detector (128×128).
    Short,
    /// MediaPipe's full-range detector (192×192).
    Full,
}

fn margin(s: &str) -> Result<f32, String> {
    let m: f32 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=crop::MAX_MARGIN).contains(&m) {
        Ok(m)
    } else {
        Err(format!(
            "must be between 0 and {} (got {m})",
            crop::MAX_MARGIN
        ))
    }
}

/// A photo to crop and the class its faces go to.
struct Photo {
    path: PathBuf,
    class: Option<String>,
}

/// One line of the manifest: a face, or a photo without any.
#[derive(Debug, Serialize)]
struct Entry {
    photo: String,
    class: Option<String>,
    /// 1-based, left to right; `None` when the photo gave no face.
    face: Option<usize>,
    detector: Option<DetectorKind>,
    score: Option<f32>,
    /// `[x_min, y_min, x_max, y_max]` in the photo's pixels.
    bbox: Option<[f32; 4]>,
    keypoints: Option<[[f32; 2]; 6]>,
    output: Option<String>,
    note: Option<String>,
}

impl Entry {
    /// A photo's line before any face is known.
    fn photo(path: &Path, class: Option<String>, note: Option<String>) -> Entry {
        Entry {
            photo: path.display().to_string(),
            class,
            face: None,
            detector: None,
            score: None,
            bbox: None,
            keypoints: None,
            output: None,
            note,
        }
    }
}

pub fn run(args: CropArgs, model_args: &ModelArgs) -> anyhow::Result<bool> {
    emotui::export::check_folder(&args.out)?;
    let [csv_name, json_name] = emotui::faces::CROP_MANIFESTS;
    let manifests = [args.out.join(csv_name), args.out.join(json_name)];
    if !args.force
        && let Some(p) = manifests.iter().find(|p| emotui::export::occupied(p))
    {
        anyhow::bail!(
            "{}: already exists (an earlier crop?); nothing was written (pass --force to overwrite)",
            p.display()
        );
    }
    let opts = CropOptions {
        size: args.size.unwrap_or_else(|| default_size(model_args)),
        margin: args.margin,
        align: args.align,
        gray: args.gray,
    };
    let (photos, mut entries) = photos(&args)?;
    if photos.is_empty() {
        anyhow::bail!("no photo (PNG, JPEG, BMP, GIF, TIFF or WebP) among the paths given");
    }
    let models = model_args.face_models()?;
    let workers = model_args.workers();
    let pb = progress::bar(photos.len(), "cropping");
    let cancel = AtomicBool::new(false);
    let mut files = Vec::new();
    let mut taken = HashSet::new();
    let (mut faces, mut empty, mut failed) = (0usize, 0usize, 0usize);
    for (round, chunk) in photos.chunks(ROUND).enumerate() {
        let found = emotui::parallel::map(chunk, workers, &cancel, |w, photo| {
            crop::crop_photo(&models, &photo.path, args.detector.choice(), &opts, w)
        });
        for (photo, r) in chunk.iter().zip(found) {
            let class = args.class.clone().or_else(|| photo.class.clone());
            let mut entry = Entry::photo(&photo.path, class.clone(), None);
            match r {
                None | Some(Err(_)) => {
                    // Nothing cancels here: no result means a thread died.
                    let e = match r {
                        Some(Err(e)) => e.to_string(),
                        _ => format!("{}: the worker cropping it stopped", photo.path.display()),
                    };
                    eprintln!("emotui: {e}");
                    failed += 1;
                    entry.note = Some(e);
                    entries.push(entry);
                }
                Some(Ok(cut)) if cut.faces.is_empty() => {
                    eprintln!("emotui: {}: no face found", printable(&photo.path));
                    empty += 1;
                    entry.detector = Some(cut.detector);
                    entry.note = Some("no face found".into());
                    entries.push(entry);
                }
                Some(Ok(cut)) => {
                    let dir = match &class {
                        Some(c) => args.out.join(c),
                        None => args.out.clone(),
                    };
                    for (k, (d, img)) in cut.faces.into_iter().enumerate() {
                        let path = crop::face_path(&dir, &photo.path, k + 1, &mut taken);
                        faces += 1;
                        entries.push(face_entry(&entry, cut.detector, k + 1, &d, &path));
                        files.push(File {
                            path,
                            content: Content::Face(img),
                        });
                    }
                }
            }
        }
        pb.set_position(((round + 1) * ROUND).min(photos.len()) as u64);
    }
    pb.finish_and_clear();
    files.push(File {
        path: manifests[0].clone(),
        content: Content::Text(manifest_csv(&entries)?),
    });
    files.push(File {
        path: manifests[1].clone(),
        content: Content::Text(serde_json::to_string_pretty(&entries)? + "\n"),
    });
    emotui::export::write(&files, args.force)?;
    eprintln!(
        "emotui: {faces} faces from {} photos into {} ({empty} without a face, {failed} unreadable); manifest in {}",
        photos.len(),
        args.out.display(),
        manifests[0].display()
    );
    Ok(failed == 0)
}

/// The bundled (or `--model`) card's input side, else the practical's 128.
fn default_size(model_args: &ModelArgs) -> usize {
    emotui::model::ModelCard::load_for(&model_args.path())
        .map_or(crop::FALLBACK_SIZE, |c| c.input.width.max(c.input.height))
}

/// Photos from the paths: folders are read as faces trees (class folders
/// give their class), files as they are. Unreadable paths become manifest
/// entries.
fn photos(args: &CropArgs) -> anyhow::Result<(Vec<Photo>, Vec<Entry>)> {
    let mut photos = Vec::new();
    let mut problems = Vec::new();
    for p in &args.photos {
        if p.is_dir() {
            let tree = FaceTree::scan(p)?;
            for c in &tree.classes {
                photos.extend(c.faces.iter().map(|f| Photo {
                    path: f.path.clone(),
                    class: f.class.clone(),
                }));
            }
            photos.extend(tree.unlabelled.iter().map(|f| Photo {
                path: f.path.clone(),
                class: None,
            }));
            problems.extend(tree.problems.into_iter().map(|s| (s.path, s.problem)));
        } else if p.exists() {
            photos.push(Photo {
                path: p.clone(),
                class: None,
            });
        } else {
            problems.push((p.clone(), "no such file or folder".to_string()));
        }
    }
    let entries = problems
        .into_iter()
        .map(|(path, problem)| {
            eprintln!("emotui: {}: {problem}", path.display());
            Entry::photo(&path, None, Some(problem))
        })
        .collect();
    Ok((photos, entries))
}

fn face_entry(base: &Entry, kind: DetectorKind, k: usize, d: &Detection, path: &Path) -> Entry {
    Entry {
        photo: base.photo.clone(),
        class: base.class.clone(),
        face: Some(k),
        detector: Some(kind),
        score: Some(d.score),
        bbox: Some(d.bbox),
        keypoints: Some(d.keypoints),
        output: Some(path.display().to_string()),
        note: None,
    }
}

fn manifest_csv(entries: &[Entry]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "photo", "class", "face", "detector", "score", "x_min", "y_min", "x_max", "y_max",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for name in KEYPOINT_NAMES {
        header.push(format!("{name}_x"));
        header.push(format!("{name}_y"));
    }
    header.extend(["output".to_string(), "note".to_string()]);
    w.write_record(&header)?;
    let opt = |v: Option<f32>| v.map_or(String::new(), |v| v.to_string());
    for e in entries {
        let mut rec = vec![
            e.photo.clone(),
            e.class.clone().unwrap_or_default(),
            e.face.map_or(String::new(), |k| k.to_string()),
            e.detector.map_or(String::new(), |d| d.name().to_string()),
            opt(e.score),
        ];
        rec.extend((0..4).map(|i| opt(e.bbox.map(|b| b[i]))));
        for k in 0..KEYPOINT_NAMES.len() {
            rec.push(opt(e.keypoints.map(|p| p[k][0])));
            rec.push(opt(e.keypoints.map(|p| p[k][1])));
        }
        rec.push(e.output.clone().unwrap_or_default());
        rec.push(e.note.clone().unwrap_or_default());
        w.write_record(&rec)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
