//! `emotui predict PATH...`: one row per image, one column per label, like
//! the practical's `print(res)`, plus the folder class and the prediction.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::Args;
use serde_json::{Map, Value, json};

use emotui::faces::{Face, collect_paths, printable};
use emotui::model::{Classifier, Model};
use emotui::predict::{Prediction, predict_faces};

use super::{ModelArgs, TableFormat, progress};

/// Arguments of `emotui predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Image files or folders (folders are read as faces trees); EXIF
    /// orientation is applied.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// One face and what became of it.
pub struct Row {
    pub face: Face,
    pub result: emotui::Result<Prediction>,
}

/// Predicts every face with a progress bar.
pub fn predict_with_progress(model: &Model, faces: Vec<Face>) -> Vec<Row> {
    let pb = progress::bar(faces.len(), "predicting");
    let mut results: Vec<Option<emotui::Result<Prediction>>> = faces.iter().map(|_| None).collect();
    let cancel = AtomicBool::new(false);
    let outcome = predict_faces(
        model,
        &faces,
        &cancel,
        |i, r| results[i] = Some(r),
        |done, _| pb.set_position(done as u64),
    );
    pb.finish_and_clear();
    if let Err(e) = outcome {
        // Only cancellation stops the loop, and nothing cancels here.
        eprintln!("emotui: {e}");
    }
    faces
        .into_iter()
        .zip(results)
        .map(|(face, r)| Row {
            result: r.unwrap_or(Err(emotui::Error::Cancelled)),
            face,
        })
        .collect()
}

pub fn run(args: PredictArgs, model_args: &ModelArgs) -> anyhow::Result<bool> {
    let (faces, problems) = collect_paths(&args.paths)?;
    for p in &problems {
        eprintln!("emotui: {}: {}", p.path.display(), p.problem);
    }
    if faces.is_empty() {
        anyhow::bail!("nothing to predict: no face image among the paths given");
    }
    let model = model_args.load()?;
    let rows = predict_with_progress(&model, faces);
    let labels = model.labels();
    let out = match args.format {
        TableFormat::Table => table(&rows, labels),
        TableFormat::Csv => csv_text(&rows, labels)?,
        TableFormat::Json => serde_json::to_string_pretty(&json_rows(&rows, labels))? + "\n",
    };
    out!("{out}")?;
    // Skipped paths count as failures: the run did not do all it was asked.
    let mut ok = problems.is_empty();
    for r in &rows {
        if let Err(e) = &r.result {
            eprintln!("emotui: {e}");
            ok = false;
        }
    }
    Ok(ok)
}

fn predicted_label<'a>(r: &Row, labels: &'a [String]) -> Option<&'a str> {
    r.result.as_ref().ok().map(|p| labels[p.predicted].as_str())
}

fn mark(r: &Row, labels: &[String]) -> &'static str {
    match &r.result {
        Ok(p) => match p.is_correct(labels, r.face.class.as_deref()) {
            Some(true) => "✓",
            Some(false) => "✗",
            None => "",
        },
        Err(_) => "!",
    }
}

fn table(rows: &[Row], labels: &[String]) -> String {
    let path_w = rows
        .iter()
        .map(|r| printable(&r.face.path).chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let class_w = rows
        .iter()
        .filter_map(|r| r.face.class.as_ref().map(|c| c.chars().count()))
        .max()
        .unwrap_or(5)
        .max(5);
    let pred_w = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(9)
        .max(9);
    let col_w: Vec<usize> = labels.iter().map(|l| l.chars().count().max(6)).collect();
    let mut s = format!(
        "{:path_w$}  {:class_w$}  {:pred_w$}   ",
        "path", "class", "predicted"
    );
    for (l, w) in labels.iter().zip(&col_w) {
        s += &format!(" {l:>w$}");
    }
    s.push('\n');
    for r in rows {
        s += &format!(
            "{:path_w$}  {:class_w$}  {:pred_w$} {:1} ",
            printable(&r.face.path),
            r.face.class.as_deref().unwrap_or("-"),
            predicted_label(r, labels).unwrap_or("error"),
            mark(r, labels),
        );
        match &r.result {
            Ok(p) => {
                for (v, w) in p.probabilities.iter().zip(&col_w) {
                    s += &format!(" {v:>w$.4}");
                }
            }
            Err(e) => s += &format!(" {e}"),
        }
        s.push('\n');
    }
    s
}

fn csv_text(rows: &[Row], labels: &[String]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["path".to_string(), "class".into(), "predicted".into()];
    header.extend(labels.iter().cloned());
    header.push("error".into());
    w.write_record(&header)?;
    for r in rows {
        let mut rec = vec![
            r.face.path.display().to_string(),
            r.face.class.clone().unwrap_or_default(),
            predicted_label(r, labels).unwrap_or("").to_string(),
        ];
        match &r.result {
            Ok(p) => {
                rec.extend(p.probabilities.iter().map(|v| v.to_string()));
                rec.push(String::new());
            }
            Err(e) => {
                rec.extend(labels.iter().map(|_| String::new()));
                rec.push(e.to_string());
            }
        }
        w.write_record(&rec)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn json_rows(rows: &[Row], labels: &[String]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                let mut o = Map::new();
                o.insert("path".into(), json!(r.face.path.display().to_string()));
                o.insert("class".into(), json!(r.face.class));
                match &r.result {
                    Ok(p) => {
                        o.insert("predicted".into(), json!(labels[p.predicted]));
                        let probs: Map<String, Value> = labels
                            .iter()
                            .zip(&p.probabilities)
                            .map(|(l, v)| (l.clone(), json!(v)))
                            .collect();
                        o.insert("probabilities".into(), Value::Object(probs));
                    }
                    Err(e) => {
                        o.insert("predicted".into(), Value::Null);
                        o.insert("probabilities".into(), Value::Null);
                        o.insert("error".into(), json!(e.to_string()));
                    }
                }
                Value::Object(o)
            })
            .collect(),
    )
}
