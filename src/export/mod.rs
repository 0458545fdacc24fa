//! Files written for an explanation, the same for every front-end: the
//! superpixels, one panel per label, the weights' density and the deletion
//! and insertion curves as PNG, R's data frame as CSV and everything as
//! JSON. `emotui explain --out` and the explorer's export both call
//! [`explanation_files`] and [`write()`].

pub mod text;

use std::path::{Path, PathBuf};

use image::RgbImage;
use serde_json::json;

use crate::error::{Error, Result};
use crate::explain::Outcome;
use crate::files::case_name;
use crate::lime::table;
use crate::lime::trust::{Faithfulness, Trust};
use crate::methods::regions::{FaceRegions, LabelRegions};
use crate::methods::{Attribution, Comparison, Method};
use crate::render::{self, PanelOptions};

/// Longer side, in pixels, of the exported face pictures.
pub const PANEL_SIZE: u32 = 384;
/// Size of the exported weight-density plot.
pub const DENSITY_SIZE: (u32, u32) = (480, 200);
/// Size of the exported deletion and insertion curves.
pub const CURVES_SIZE: (u32, u32) = (480, 240);

/// What a file holds.
#[derive(Debug, Clone)]
pub enum Content {
    /// A picture, written as PNG.
    Png(RgbImage),
    /// A face image (gray or colour), written as PNG.
    Face(image::DynamicImage),
    /// Text (CSV, JSON).
    Text(String),
}

/// One file to write.
#[derive(Debug, Clone)]
pub struct File {
    /// Where.
    pub path: PathBuf,
    /// What.
    pub content: Content,
}

/// The rows of R's `as.data.frame(explanation)` with the trust columns.
pub fn rows(face: &Path, outcome: &Outcome) -> Vec<table::Row> {
    table::rows(
        &case_name(face),
        &outcome.samples,
        &outcome.explanation,
        &outcome.trust,
    )
}

/// The rows of one method's attribution, tagged with the method (no
/// stability columns: only LIME has replicates).
pub fn attribution_rows(
    face: &Path,
    outcome: &Outcome,
    attribution: &Attribution,
    curves: &[Faithfulness],
) -> Vec<table::Row> {
    let trust = if attribution.method == Method::Lime {
        outcome.trust.clone()
    } else {
        Trust {
            stability: Vec::new(),
            faithfulness: curves.to_vec(),
        }
    };
    let mut rows = table::rows(
        &case_name(face),
        &outcome.samples,
        &attribution.explanation,
        &trust,
    );
    for r in &mut rows {
        r.method = Some(attribution.method.name().to_string());
    }
    rows
}

/// Every method's rows, one data frame with a `method` column.
pub fn method_rows(face: &Path, outcome: &Outcome, cmp: &Comparison) -> Vec<table::Row> {
    cmp.attributions
        .iter()
        .zip(&cmp.faithfulness)
        .flat_map(|(a, f)| attribution_rows(face, outcome, a, f))
        .collect()
}

/// Every method as JSON: its evaluations, rows (with `feature_value`, as
/// LIME's) and pixel maps where it has them.
pub fn methods_json(face: &Path, outcome: &Outcome, cmp: &Comparison) -> serde_json::Value {
    let members = outcome.samples.superpixels.members();
    let methods: Vec<serde_json::Value> = cmp
        .attributions
        .iter()
        .zip(&cmp.faithfulness)
        .map(|(a, f)| {
            let rows: Vec<serde_json::Value> = attribution_rows(face, outcome, a, f)
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(r).unwrap_or_default();
                    v["feature_value"] = json!(members[r.feature]);
                    v
                })
                .collect();
            json!({
                "method": a.method,
                "evaluations": a.evaluations,
                "rows": rows,
                "maps": a.maps,
            })
        })
        .collect();
    json!(methods)
}

/// The data frame as CSV text.
pub fn csv(face: &Path, outcome: &Outcome) -> Result<String> {
    csv_text(&rows(face, outcome))
}

/// Rows as CSV text.
fn csv_text(rows: &[table::Row]) -> Result<String> {
    let mut out = Vec::new();
    table::write_csv(rows, &mut out)
        .map_err(|e| Error::Invalid(format!("cannot format the CSV: {e}")))?;
    String::from_utf8(out).map_err(|e| Error::Invalid(format!("CSV is not UTF-8: {e}")))
}

/// Everything about one explanation as JSON: the face, the options, the
/// prediction, trust, and the rows (with each superpixel's pixels as
/// `feature_value`). Timings only when asked, so that the default output of
/// two runs is identical.
pub fn json(face: &Path, outcome: &Outcome, timings: bool) -> serde_json::Value {
    let s = &outcome.samples;
    let members = s.superpixels.members();
    let rows: Vec<serde_json::Value> = rows(face, outcome)
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            v["feature_value"] = json!(members[r.feature]);
            v
        })
        .collect();
    let mut v = json!({
        "case": case_name(face),
        "path": face.display().to_string(),
        "width": s.face.width,
        "height": s.face.height,
        "n_superpixels": s.superpixels.count,
        "n_samples": outcome.explanation.n_samples,
        "sampling": s.options,
        "fit": outcome.explanation.options,
        "trust_options": outcome.request.trust,
        "trust": outcome.trust,
        "prediction": s.labels.iter().zip(s.prediction()).map(|(l, p)| (l.clone(), json!(p))).collect::<serde_json::Map<_, _>>(),
        "rows": rows,
    });
    if timings {
        v["timing_seconds"] = json!({
            "segmentation": s.timings.segmentation,
            "preparation": s.timings.preparation,
            "composing": s.timings.composing,
            "model": s.timings.model,
            "sampling": outcome.timings.sampling,
            "fit": outcome.timings.fit,
            "trust": outcome.timings.trust,
        });
    }
    v
}

/// The files names for a face in `dir` that do not depend on its labels:
/// check these before any work.
pub fn fixed_paths(dir: &Path, stem: &str) -> Vec<PathBuf> {
    vec![
        dir.join(format!("{stem}_superpixels.png")),
        dir.join(format!("{stem}_explanation.csv")),
        dir.join(format!("{stem}_explanation.json")),
    ]
}

/// Every file for one explanation, to be written in `dir`, each name
/// starting with `stem` (see [`crate::files::distinct_stems`]).
pub fn explanation_files(
    dir: &Path,
    face: &Path,
    stem: &str,
    outcome: &Outcome,
    panels: &PanelOptions,
) -> Result<Vec<File>> {
    let s = &outcome.samples;
    let [superpixels, csv_path, json_path] = <[PathBuf; 3]>::try_from(fixed_paths(dir, stem))
        .map_err(|_| Error::Invalid("three fixed export paths".into()))?;
    let mut files = vec![File {
        path: superpixels,
        content: Content::Png(render::superpixels_image(
            &s.face,
            &s.superpixels,
            PANEL_SIZE,
        )),
    }];
    for l in &outcome.explanation.labels {
        let png = |suffix: &str, img| File {
            path: dir.join(format!("{stem}_{}{suffix}.png", l.name)),
            content: Content::Png(img),
        };
        files.push(png(
            "",
            render::explanation_panel(&s.face, &s.superpixels, l, panels, PANEL_SIZE),
        ));
        files.push(png(
            "_weights",
            render::density_plot(l, DENSITY_SIZE.0, DENSITY_SIZE.1),
        ));
        if let Some(f) = outcome.trust.faithfulness_of(l.label) {
            files.push(png(
                "_deletion",
                render::faithfulness_plot(&l.name, f, CURVES_SIZE.0, CURVES_SIZE.1),
            ));
        }
    }
    files.push(File {
        path: csv_path,
        content: Content::Text(csv(face, outcome)?),
    });
    let json_text = serde_json::to_string_pretty(&json(face, outcome, false))
        .map_err(|e| Error::Invalid(format!("cannot format the JSON: {e}")))?;
    files.push(File {
        path: json_path,
        content: Content::Text(json_text + "\n"),
    });
    Ok(files)
}

/// The other methods' files beside LIME's (`explain --method … --out`):
/// per method and label its panel (`<face>_<method>_<label>.png`) and its
/// pixel map where it has one (`…_map.png`), then every method's rows as
/// CSV and, with the agreement, as JSON (`<face>_methods.csv|json`).
pub fn method_files(
    dir: &Path,
    face: &Path,
    stem: &str,
    outcome: &Outcome,
    cmp: &Comparison,
    panels: &PanelOptions,
) -> Result<Vec<File>> {
    let s = &outcome.samples;
    let mut files = Vec::new();
    for a in cmp.attributions.iter().filter(|a| a.method != Method::Lime) {
        for (l, map) in a.explanation.labels.iter().zip(&a.maps) {
            let base = format!("{stem}_{}_{}", a.method.name(), l.name);
            files.push(File {
                path: dir.join(format!("{base}.png")),
                content: Content::Png(render::explanation_panel(
                    &s.face,
                    &s.superpixels,
                    l,
                    panels,
                    PANEL_SIZE,
                )),
            });
            if let Some(map) = map {
                files.push(File {
                    path: dir.join(format!("{base}_map.png")),
                    content: Content::Png(render::pixel_map_image(map, PANEL_SIZE)),
                });
            }
        }
    }
    files.push(File {
        path: dir.join(format!("{stem}_methods.csv")),
        content: Content::Text(csv_text(&method_rows(face, outcome, cmp))?),
    });
    let json_text = serde_json::to_string_pretty(&json!({
        "methods": methods_json(face, outcome, cmp),
        "agreement": cmp.agreement,
    }))
    .map_err(|e| Error::Invalid(format!("cannot format the JSON: {e}")))?;
    files.push(File {
        path: dir.join(format!("{stem}_methods.json")),
        content: Content::Text(json_text + "\n"),
    });
    Ok(files)
}

/// Whether something is at `path` already: a file, a folder, or a link
/// (even a dangling one, which writing would follow out of the folder).
pub fn occupied(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// The paths among `files` where something exists already.
pub fn conflicts(files: &[File]) -> Vec<&Path> {
    files
        .iter()
        .map(|f| f.path.as_path())
        .filter(|p| occupied(p))
        .collect()
}

/// Checks, before any work, that `dir` can hold exported files: a file
/// where a folder must be is named; then the folder is made (as the export
/// would make it) and a file is created in it and removed, so that a
/// read-only place is found now, not after minutes of work.
pub fn check_folder(dir: &Path) -> Result<()> {
    let existing = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .find_map(|a| std::fs::metadata(a).ok().map(|m| (a, m)));
    if let Some((a, m)) = existing
        && !m.is_dir()
    {
        return Err(Error::file(
            a,
            "exists and is not a folder; exported files go into a folder",
        ));
    }
    let unwritable = |e: std::io::Error| Error::file(dir, format!("cannot write there: {e}"));
    std::fs::create_dir_all(dir).map_err(unwritable)?;
    let probe = dir.join(format!(".emotui-write-check-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(unwritable)?;
    std::fs::remove_file(&probe).map_err(unwritable)
}

/// The region answers of a face as CSV: one row per method, label and
/// region, with the rule that gave them, the region's signed value, its
/// positive and negative shares and, for the refit, its R².
pub fn regions_csv(face: &Path, regions: &FaceRegions, cmp: Option<&Comparison>) -> Result<String> {
    let by_method: Vec<(&str, &Vec<LabelRegions>)> = match cmp {
        Some(c) => c
            .attributions
            .iter()
            .map(|a| a.method.name())
            .zip(&regions.methods)
            .collect(),
        None => vec![(Method::Lime.name(), &regions.labels)],
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::Invalid(format!("cannot format the CSV: {e}"));
    w.write_record([
        "case", "method", "label", "rule", "region", "value", "positive", "negative", "r2",
    ])
    .map_err(err)?;
    for (method, labels) in by_method {
        for l in labels {
            for r in &l.shares.regions {
                w.write_record([
                    case_name(face),
                    method.to_string(),
                    l.label.clone(),
                    l.rule.name().to_string(),
                    r.region.name().to_string(),
                    r.value.to_string(),
                    r.positive.to_string(),
                    r.negative.to_string(),
                    l.r2.map_or(String::new(), |v| v.to_string()),
                ])
                .map_err(err)?;
            }
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Invalid(format!("cannot format the CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Invalid(format!("CSV is not UTF-8: {e}")))
}

/// The region files of a face: the regions over the face as PNG and the
/// shares as CSV.
pub fn region_files(
    dir: &Path,
    face: &Path,
    stem: &str,
    outcome: &Outcome,
    regions: &FaceRegions,
    cmp: Option<&Comparison>,
) -> Result<Vec<File>> {
    Ok(vec![
        File {
            path: dir.join(format!("{stem}_regions.png")),
            content: Content::Png(render::regions_image(
                &outcome.samples.face,
                &regions.landmarks,
                PANEL_SIZE,
            )),
        },
        File {
            path: dir.join(format!("{stem}_region_values.png")),
            content: Content::Png(region_values_grid(outcome, regions)),
        },
        File {
            path: dir.join(format!("{stem}_regions.csv")),
            content: Content::Text(regions_csv(face, regions, cmp)?),
        },
    ])
}

/// Every label's region values over the face, side by side, each captioned
/// with its largest region and the method.
fn region_values_grid(outcome: &Outcome, regions: &FaceRegions) -> RgbImage {
    let tiles: Vec<Option<render::Tile>> = regions
        .labels
        .iter()
        .map(|l| {
            let values: Vec<f64> = l.shares.regions.iter().map(|r| r.value).collect();
            let top = l
                .shares
                .regions
                .iter()
                .max_by(|a, b| a.value.abs().total_cmp(&b.value.abs()));
            Some(render::Tile {
                image: render::region_values_image(
                    &outcome.samples.face,
                    &regions.landmarks,
                    &values,
                    PANEL_SIZE,
                ),
                caption: top.map_or(String::new(), |t| {
                    format!("{} {:+.3}", t.region.name(), t.value)
                }),
            })
        })
        .collect();
    let columns: Vec<String> = regions.labels.iter().map(|l| l.label.clone()).collect();
    render::grid(
        &format!(
            "Regions by {} (blue supports, red contradicts)",
            regions.method.name()
        ),
        &columns,
        &[(String::new(), tiles)],
    )
}

/// The landmarks' provenance and the region answer as JSON: `method`,
/// `values` (`[{label, region, value, share}]`, share of |value|),
/// `interactions` and `flips` (the region game's), and `shares` (each
/// label's positive and negative shares, with the refit's R²).
pub fn regions_json(regions: &FaceRegions) -> serde_json::Value {
    let l = &regions.landmarks;
    let values: Vec<serde_json::Value> = regions
        .labels
        .iter()
        .flat_map(|lr| {
            lr.shares
                .regions
                .iter()
                .zip(lr.shares.value_shares())
                .map(move |(r, share)| {
                    json!({
                        "label": lr.label,
                        "region": r.region,
                        "value": r.value,
                        "share": share,
                    })
                })
        })
        .collect();
    let mut v = json!({
        "landmarks": {
            "source": l.source,
            "presence": l.presence,
            "detection_score": l.detection().map(|d| d.score),
        },
        "method": regions.method.name(),
        "values": values,
        "shares": regions.labels,
    });
    if let Some(g) = &regions.game {
        v["evaluations"] = json!(g.evaluations);
        v["interactions"] = json!(g.interactions);
        v["flips"] = json!(g.flips);
        v["flip_sets"] = json!(g.flip_sets);
    }
    v
}

/// Writes every file, creating their folders. Unless `overwrite`, nothing is
/// written when any of them exists already (the error names the first).
pub fn write(files: &[File], overwrite: bool) -> Result<()> {
    let mut names = std::collections::HashSet::new();
    if let Some(f) = files.iter().find(|f| !names.insert(&f.path)) {
        return Err(Error::file(
            &f.path,
            "two files of this export have this name; nothing was written",
        ));
    }
    if !overwrite && let Some(p) = conflicts(files).first() {
        return Err(Error::file(
            p,
            "already exists; nothing was written (pass --force to overwrite)",
        ));
    }
    for f in files {
        if let Some(parent) = f.path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| Error::file(parent, e))?;
        }
        if overwrite && f.path.is_symlink() {
            // Replace the link itself, never what it points to.
            std::fs::remove_file(&f.path).map_err(|e| Error::file(&f.path, e))?;
        }
        match &f.content {
            Content::Png(img) => render::save_png(img, &f.path, true)?,
            Content::Face(img) => img
                .save_with_format(&f.path, image::ImageFormat::Png)
                .map_err(|e| Error::file(&f.path, e))?,
            Content::Text(t) => std::fs::write(&f.path, t).map_err(|e| Error::file(&f.path, e))?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_where_the_export_folder_goes_is_named() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("taken");
        std::fs::write(&file, b"x").unwrap();
        for dir in [file.clone(), file.join("sub/deeper")] {
            let e = check_folder(&dir).unwrap_err().to_string();
            assert!(e.contains("taken") && e.contains("not a folder"), "{e}");
        }
        assert!(check_folder(&d.path().join("new/folder")).is_ok());
        assert!(check_folder(d.path()).is_ok());
    }
}
