//! `emotui eval DIR --compare-model B.onnx`: two models on the same faces,
//! the way a lab decides which one to keep: caret's statistics for each,
//! then the paired comparison (which faces each gets right, McNemar, the
//! exact test, the accuracy difference with its interval, kappa between
//! them), per class, and the faces they label differently.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use emotui::faces::FaceTree;
use emotui::geometry::landmarks_of_files;
use emotui::methods::looks::{Look, look_both};
use emotui::model::{Classifier, Model};
use emotui::stats::compare::{Naming, model_matrix};
use emotui::stats::paired::{Paired, PairedAnswer, PairedClass, by_class, paired};
use emotui::stats::report::{caret_json, caret_text};
use emotui::survey::normalize_label;

use super::predict::{Row, predict_with_progress};
use super::{ModelArgs, StatsFormat};

/// A face both models labelled, with their confidences.
struct Face<'a> {
    path: &'a Path,
    truth: String,
    a: String,
    a_probability: f32,
    b: String,
    b_probability: f32,
}

/// The label a model gave, in shared names, and its probability.
fn answer(model: &Model, row: &Row) -> Option<(String, f32)> {
    Some(emotui::stats::paired::answer(
        model.labels(),
        row.result.as_ref().ok()?,
    ))
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    dir: &Path,
    tree: &FaceTree,
    b_path: &Path,
    explain_disagreements: bool,
    format: StatsFormat,
    width: usize,
    model_args: &ModelArgs,
) -> anyhow::Result<bool> {
    let a = model_args.load()?;
    let b = model_args.load_from(b_path)?;
    let rows_a = predict_with_progress(&a, tree.faces().cloned().collect());
    let rows_b = predict_with_progress(&b, tree.faces().cloned().collect());
    let mut ok = tree.problems.is_empty();
    for r in rows_a.iter().chain(&rows_b) {
        if let Err(e) = &r.result {
            eprintln!("emotui: {e}");
            ok = false;
        }
    }
    let faces: Vec<Face> = rows_a
        .iter()
        .zip(&rows_b)
        .filter_map(|(ra, rb)| {
            let truth = normalize_label(ra.face.class.as_deref()?);
            let (la, pa) = answer(&a, ra)?;
            let (lb, pb) = answer(&b, rb)?;
            Some(Face {
                path: &ra.face.path,
                truth,
                a: la,
                a_probability: pa,
                b: lb,
                b_probability: pb,
            })
        })
        .collect();
    let answers: Vec<PairedAnswer> = faces
        .iter()
        .map(|f| PairedAnswer {
            truth: &f.truth,
            a: &f.a,
            b: &f.b,
        })
        .collect();
    let pair = paired(&answers).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let classes = by_class(&answers);
    let disagreements: Vec<&Face> = faces.iter().filter(|f| f.a != f.b).collect();
    let statistics = |model: &Model, rows: &[Row]| {
        let scored = rows
            .iter()
            .filter_map(|r| r.result.as_ref().ok().map(|p| (r.face.class.as_deref(), p)));
        model_matrix(model.labels(), scored, Naming::ModelLabels)
            .statistics()
            .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))
    };
    let (st_a, st_b) = (statistics(&a, &rows_a)?, statistics(&b, &rows_b)?);
    let looks = if explain_disagreements {
        let paths: Vec<PathBuf> = disagreements.iter().map(|f| f.path.to_path_buf()).collect();
        explain_both(&a, &b, &paths, model_args)?
    } else {
        Vec::new()
    };
    match format {
        StatsFormat::Text => {
            for (name, model, st) in [("A", &a, &st_a), ("B", &b, &st_b)] {
                outln!(
                    "Model {name}: {} ({}, {}) on {}: {} faces\n",
                    model.card().name,
                    model.path().display(),
                    model.backend_description(),
                    dir.display(),
                    st.matrix.n()
                )?;
                out!("{}\n", caret_text(st, width))?;
            }
            out!("{}", paired_text(&pair, &classes, &disagreements))?;
            out!(
                "{}",
                emotui::emotion::unmatched_text(a.labels(), b.labels())
            )?;
            for (face, look) in disagreements.iter().zip(&looks) {
                out!("{}", look_text(face, look))?;
            }
        }
        StatsFormat::Json => {
            let mut paired_json = serde_json::to_value(pair)?;
            paired_json["disagreements"] = serde_json::json!(
                disagreements
                    .iter()
                    .map(|f| f.path.display().to_string())
                    .collect::<Vec<_>>()
            );
            outln!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "a": {"model": a.path(), "statistics": caret_json(&st_a)},
                    "b": {"model": b.path(), "statistics": caret_json(&st_b)},
                    "paired": paired_json,
                    "by_class": classes,
                    "only_a": emotui::emotion::unmatched(a.labels(), b.labels()),
                    "only_b": emotui::emotion::unmatched(b.labels(), a.labels()),
                    "disagreements_explained": disagreements.iter().zip(&looks).map(|(f, l)| {
                        serde_json::json!({"path": f.path, "a": l[0], "b": l[1]})
                    }).collect::<Vec<_>>(),
                    "faces": faces.iter().map(|f| serde_json::json!({
                        "path": f.path,
                        "truth": f.truth,
                        "a": f.a,
                        "a_probability": f.a_probability,
                        "b": f.b,
                        "b_probability": f.b_probability,
                    })).collect::<Vec<_>>(),
                }))?
            )?;
        }
    }
    Ok(ok)
}

/// The paired report, then the faces the models label differently.
fn paired_text(p: &Paired, classes: &[PairedClass], disagreements: &[&Face]) -> String {
    let mut s = emotui::stats::paired::report(p, classes);
    if !disagreements.is_empty() {
        let _ = writeln!(s, "\nFaces they label differently:");
        for f in disagreements {
            let _ = writeln!(
                s,
                "  {}  truth {}  A {} {:.4}  B {} {:.4}",
                emotui::files::printable(f.path),
                f.truth,
                f.a,
                f.a_probability,
                f.b,
                f.b_probability
            );
        }
    }
    s
}

/// Superpixels and regions listed per model.
const SHOWN: usize = 3;

/// Explains every face with both models (the same request: the same
/// superpixels, perturbations and seed) for each model's own label; the
/// region game on the face's landmarks.
fn explain_both(
    a: &Model,
    b: &Model,
    paths: &[PathBuf],
    model_args: &ModelArgs,
) -> anyhow::Result<Vec<[Look; 2]>> {
    let cancel = AtomicBool::new(false);
    let models = model_args.lazy_face_models()?;
    let mut store = model_args.open_cache()?;
    let landmarks = landmarks_of_files(
        &models,
        store.as_mut(),
        paths,
        model_args.workers(),
        &cancel,
        |_, _| {},
    )?;
    let pb = super::progress::bar(paths.len(), "explaining the faces they part on");
    let mut out = Vec::with_capacity(paths.len());
    for (path, landmarks) in paths.iter().zip(landmarks) {
        let image = emotui::preprocess::load_face(path)?;
        let looks = look_both(a, b, &image, landmarks.as_ref().ok(), &cancel)
            .map_err(|e| anyhow::anyhow!("{}: {e}", emotui::files::printable(path)))?;
        out.push(looks);
        pb.inc(1);
    }
    pb.finish_and_clear();
    Ok(out)
}

/// One face's two explanations side by side.
fn look_text(face: &Face, look: &[Look; 2]) -> String {
    let columns: Vec<[String; 3]> = look
        .iter()
        .zip(["A", "B"])
        .map(|(l, who)| {
            let sp: Vec<String> = l
                .superpixels
                .iter()
                .take(SHOWN)
                .map(|(id, w)| format!("{id} {w:+.3}"))
                .collect();
            let re: Vec<String> = l
                .regions
                .iter()
                .take(SHOWN)
                .map(|(name, v)| format!("{name} {v:+.3}"))
                .collect();
            [
                format!("{who}: {}", l.label),
                sp.join(", "),
                if re.is_empty() {
                    "(no landmarks)".into()
                } else {
                    re.join(", ")
                },
            ]
        })
        .collect();
    let w = columns[0]
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0);
    let mut s = format!(
        "\n{} (truth {}): both explained on the same superpixels and seed\n",
        emotui::files::printable(face.path),
        face.truth
    );
    for (name, row) in ["", "superpixels", "regions"].iter().zip(0..3) {
        let _ = writeln!(
            s,
            "  {name:<12} {:<w$}   {}",
            columns[0][row], columns[1][row]
        );
    }
    s
}
