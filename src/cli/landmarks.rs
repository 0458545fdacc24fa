//! `emotui landmarks FACE...`: MediaPipe's 468 face-mesh landmarks of each
//! face with where they came from, as JSON (or a summary table or CSV), and
//! with `--out` a picture of the named regions over each face.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::Args;
use serde_json::{Value, json};

use emotui::export::{Content, File};
use emotui::faces::{Face, collect_paths, printable};
use emotui::geometry::{LandmarkSource, Landmarks, Region, landmarks_of_files};
use emotui::model::card::Colour;
use emotui::preprocess::{load_image, to_planes};

use super::{ModelArgs, TableFormat, progress};

/// Side of the region pictures `--out` writes.
const PICTURE_SIDE: u32 = 384;

/// Arguments of `emotui landmarks`.
#[derive(Debug, Args)]
pub struct LandmarksArgs {
    /// Face images or folders of them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// Output format: JSON has every point; the table and CSV one line per
    /// face.
    #[arg(long, value_enum, default_value_t = TableFormat::Json)]
    pub format: TableFormat,

    /// Write `<face>_regions.png` (regions and points over the face) here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Overwrite files in --out.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: LandmarksArgs, model_args: &ModelArgs) -> anyhow::Result<bool> {
    if let Some(dir) = &args.out {
        emotui::export::check_folder(dir)?;
    }
    let (faces, problems) = collect_paths(&args.paths)?;
    for p in &problems {
        eprintln!("emotui: {}: {}", p.path.display(), p.problem);
    }
    if faces.is_empty() {
        anyhow::bail!("no face image among the paths given");
    }
    let models = model_args.lazy_face_models()?;
    let mut store = model_args.open_cache()?;
    let paths: Vec<PathBuf> = faces.iter().map(|f| f.path.clone()).collect();
    let pb = progress::bar(paths.len(), "landmarks");
    let results = landmarks_of_files(
        &models,
        store.as_mut(),
        &paths,
        model_args.workers(),
        &AtomicBool::new(false),
        |done, _| pb.set_position(done as u64),
    )?;
    pb.finish_and_clear();
    let rows: Vec<(&Face, &emotui::Result<Landmarks>)> = faces.iter().zip(&results).collect();
    match args.format {
        TableFormat::Json => outln!("{}", serde_json::to_string_pretty(&json_rows(&rows))?)?,
        TableFormat::Csv => out!("{}", csv_text(&rows)?)?,
        TableFormat::Table => out!("{}", table(&rows))?,
    }
    let mut ok = problems.is_empty();
    for (_, r) in &rows {
        if let Err(e) = r {
            eprintln!("emotui: {e}");
            ok = false;
        }
    }
    if let Some(dir) = &args.out {
        let mut files = Vec::new();
        let paths: Vec<&std::path::Path> =
            rows.iter().map(|(face, _)| face.path.as_path()).collect();
        for ((face, r), stem) in rows.iter().zip(emotui::files::distinct_stems(&paths)) {
            let Ok(l) = r else { continue };
            let planes = to_planes(&load_image(&face.path)?, Colour::Rgb);
            files.push(File {
                path: dir.join(format!("{stem}_regions.png")),
                content: Content::Png(emotui::render::regions_image(&planes, l, PICTURE_SIDE)),
            });
        }
        emotui::export::write(&files, args.force)?;
        for f in &files {
            eprintln!("emotui: wrote {}", f.path.display());
        }
    }
    Ok(ok)
}

/// `mesh`, or `template` with why.
fn source(l: &Landmarks) -> (&'static str, Option<&'static str>) {
    match l.source {
        LandmarkSource::Mesh => ("mesh", None),
        LandmarkSource::Template(why) => ("template", Some(why.describe())),
    }
}

/// Fraction of the image's pixels in each region.
fn region_areas(l: &Landmarks) -> serde_json::Map<String, Value> {
    let map = l.regions();
    let n = map.labels.len().max(1) as f64;
    Region::ALL
        .iter()
        .map(|&r| {
            let count = map.labels.iter().filter(|&&x| x == r).count();
            (r.name().to_string(), json!(count as f64 / n))
        })
        .collect()
}

fn json_rows(rows: &[(&Face, &emotui::Result<Landmarks>)]) -> Value {
    Value::Array(
        rows.iter()
            .map(|(face, r)| match r {
                Ok(l) => {
                    let (src, why) = source(l);
                    json!({
                        "face": face.path.display().to_string(),
                        "class": face.class,
                        "width": l.width,
                        "height": l.height,
                        "source": src,
                        "fallback": why,
                        "presence": l.presence,
                        "faces": l.faces,
                        "interocular": l.interocular(),
                        "region_areas": region_areas(l),
                        "points": l.points,
                    })
                }
                Err(e) => json!({
                    "face": face.path.display().to_string(),
                    "class": face.class,
                    "error": e.to_string(),
                }),
            })
            .collect(),
    )
}

fn summary(l: &Landmarks) -> [String; 4] {
    [
        source(l).0.to_string(),
        l.presence.map_or(String::new(), |p| format!("{p:.3}")),
        l.detection()
            .as_ref()
            .map_or(String::new(), |d| format!("{:.3}", d.score)),
        format!("{:.1}", l.interocular()),
    ]
}

fn csv_text(rows: &[(&Face, &emotui::Result<Landmarks>)]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "face",
        "class",
        "source",
        "presence",
        "detection_score",
        "interocular",
        "error",
    ])?;
    for (face, r) in rows {
        let mut rec = vec![
            face.path.display().to_string(),
            face.class.clone().unwrap_or_default(),
        ];
        match r {
            Ok(l) => {
                rec.extend(summary(l));
                rec.push(String::new());
            }
            Err(e) => {
                rec.extend(std::iter::repeat_n(String::new(), 4));
                rec.push(e.to_string());
            }
        }
        w.write_record(&rec)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn table(rows: &[(&Face, &emotui::Result<Landmarks>)]) -> String {
    let path_w = rows
        .iter()
        .map(|(f, _)| printable(&f.path).chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut s = format!(
        "{:path_w$}  {:8}  {:>8}  {:>9}  {:>11}\n",
        "face", "source", "presence", "detection", "interocular"
    );
    for (face, r) in rows {
        match r {
            Ok(l) => {
                let [src, p, d, iod] = summary(l);
                s += &format!(
                    "{:path_w$}  {src:8}  {p:>8}  {d:>9}  {iod:>11}\n",
                    printable(&face.path)
                );
                if let Some(why) = source(l).1 {
                    s += &format!("{:path_w$}  ({why})\n", "");
                }
            }
            Err(e) => s += &format!("{:path_w$}  error: {e}\n", printable(&face.path)),
        }
    }
    s
}
