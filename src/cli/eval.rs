//! `emotui eval DIR [--against survey.csv]`: the model's caret statistics on
//! a faces tree, optionally side by side with people's.

use std::fmt::Write;
use std::path::PathBuf;

use clap::Args;

use emotui::emotion;
use emotui::faces::FaceTree;
use emotui::model::Classifier;
use emotui::stats::ConfusionMatrix;
use emotui::stats::compare::{
    FaceAgreement, ModelVsPeople, Naming, NeutralQuestion, compare, model_matrix, neutral_question,
    per_face,
};
use emotui::stats::report::{caret_json, caret_text};
use emotui::stats::rformat::round_str;

use super::predict::predict_with_progress;
use super::survey::SurveyColumns;
use super::{ModelArgs, StatsFormat};

/// Arguments of `emotui eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Faces tree: `<DIR>/<CLASS>/<face>`; the folder is the true class.
    pub dir: PathBuf,

    /// Survey CSV to compare the model with.
    #[arg(long, value_name = "CSV")]
    pub against: Option<PathBuf>,

    /// A second model (its card beside it) to compare with the first
    /// (`--model`) on the same faces: both models' statistics, then the
    /// paired comparison and the faces they label differently.
    #[arg(long, value_name = "MODEL", conflicts_with = "against")]
    pub compare_model: Option<PathBuf>,

    /// With --compare-model: explain every face the two models label
    /// differently with both, on the same superpixels and seed, and give
    /// each model's strongest superpixels and facial regions (region game)
    /// for its own label.
    #[arg(long, requires = "compare_model")]
    pub explain_disagreements: bool,

    #[command(flatten)]
    pub columns: SurveyColumns,

    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Text)]
    pub format: StatsFormat,

    #[command(flatten)]
    pub width: super::WidthArg,
}

pub fn run(args: EvalArgs, model_args: &ModelArgs) -> anyhow::Result<bool> {
    let tree = FaceTree::scan(&args.dir)?;
    for p in &tree.problems {
        eprintln!("emotui: {}: {}", p.path.display(), p.problem);
    }
    if tree.is_empty() {
        anyhow::bail!("{}: no face images found", args.dir.display());
    }
    if tree.classes.is_empty() {
        anyhow::bail!(
            "{}: the faces are directly in this folder, but eval needs class folders \
             (<DIR>/<CLASS>/<face>) to know each face's true class; \
             `emotui predict {}` predicts them without one",
            args.dir.display(),
            args.dir.display()
        );
    }
    if tree.classes.len() > emotui::survey::MAX_CLASSES {
        anyhow::bail!(
            "{}: {} class folders (at most {}, as for surveys): a confusion matrix that size is \
             not an evaluation of emotions (its printout alone grows with the square); point \
             eval at the folder whose subfolders are the classes",
            args.dir.display(),
            tree.classes.len(),
            emotui::survey::MAX_CLASSES
        );
    }
    if let Some(b) = &args.compare_model {
        return super::pair::run(
            &args.dir,
            &tree,
            b,
            args.explain_disagreements,
            args.format,
            args.width.columns(),
            model_args,
        );
    }
    let model = model_args.load()?;
    let labels = model.labels();
    for class in &tree.classes {
        if emotion::find(labels, &class.name).is_none() {
            eprintln!(
                "emotui: warning: {}: the class folder {:?} is not one of the model's labels \
                 ({}) nor a synonym of one; its {} faces count as a class the model never \
                 predicts",
                args.dir.join(&class.name).display(),
                class.name,
                labels.join(", "),
                class.faces.len()
            );
        }
    }
    let rows = predict_with_progress(&model, tree.faces().cloned().collect());
    // Skipped files and folders count as failures.
    let mut ok = tree.problems.is_empty();
    for r in &rows {
        if let Err(e) = &r.result {
            eprintln!("emotui: {e}");
            ok = false;
        }
    }
    let scored = rows
        .iter()
        .filter_map(|r| r.result.as_ref().ok().map(|p| (r.face.class.as_deref(), p)));
    match &args.against {
        None => {
            let m = model_matrix(labels, scored, Naming::ModelLabels);
            if m.n() == 0 {
                anyhow::bail!("{}: no face could be scored", args.dir.display());
            }
            let st = m
                .statistics()
                .map_err(|e| anyhow::anyhow!("{}: {e}", args.dir.display()))?;
            match args.format {
                StatsFormat::Text => {
                    outln!(
                        "Model {} ({}) on {}: {} faces\n",
                        model.card().name,
                        model.backend_description(),
                        args.dir.display(),
                        m.n()
                    )?;
                    out!("{}", caret_text(&st, args.width.columns()))?;
                }
                StatsFormat::Json => outln!("{}", serde_json::to_string_pretty(&caret_json(&st))?)?,
            }
        }
        Some(csv) => {
            let survey = args.columns.read(csv, true)?;
            super::survey::warn_stray_labels(
                &survey,
                |l| emotion::find(labels, l).is_some(),
                &format!("one of the model's labels ({})", labels.join(", ")),
            );
            let m = model_matrix(labels, scored, Naming::Canonical);
            let cmp = compare(&m, &ConfusionMatrix::from_survey(&survey))?;
            let faces: Vec<_> = rows.iter().map(|r| r.face.clone()).collect();
            let preds: Vec<_> = rows.iter().map(|r| r.result.as_ref().ok()).collect();
            let per = per_face(&survey.answers, &faces, labels, &preds);
            let question = (!per.is_empty()).then(|| neutral_question(&per));
            match args.format {
                StatsFormat::Text => {
                    out!("{}", side_by_side(&cmp, args.width.columns()))?;
                    if let Some(q) = &question {
                        out!("{}", faces_text(&per, q))?;
                    }
                }
                StatsFormat::Json => outln!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "levels": cmp.levels,
                        "model": caret_json(&cmp.model),
                        "people": caret_json(&cmp.people),
                        "accuracy_test": {
                            "test": "prop.test (two-sample chi-squared, Yates correction)",
                            "statistic": cmp.accuracy_test.statistic,
                            "p_value": cmp.accuracy_test.p_value,
                        },
                        "faces": per,
                        "neutral_question": question,
                    }))?
                )?,
            }
        }
    }
    Ok(ok)
}

fn faces_text(per: &[FaceAgreement], q: &NeutralQuestion) -> String {
    let mut s = String::from(
        "\nPer face (the survey names faces): people right, and the model's probability for the true emotion\n",
    );
    let w = per
        .iter()
        .map(|f| f.image.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        s,
        "{:<w$} {:>9} {:>8} {:>9} {:>12} {:>8}",
        "face", "truth", "answers", "% right", "most common", "model p"
    );
    for f in per {
        let _ = writeln!(
            s,
            "{:<w$} {:>9} {:>8} {:>8.1}% {:>12} {:>8}",
            f.image,
            f.truth,
            f.answers,
            100.0 * f.share_right,
            f.most_common,
            f.model_probability
                .map_or("-".into(), |p| format!("{p:.4}"))
        );
    }
    let mean = |c: &emotui::stats::compare::Confidence| {
        if c.faces == 0 {
            "no face".to_string()
        } else {
            format!("{:.4} over {} faces", c.mean_probability, c.faces)
        }
    };
    let _ = writeln!(
        s,
        "\nFaces people wrongly call Neutral (their most common answer, the truth is not Neutral):\n  \
         model's mean probability for the true emotion {}\n  on every other face {}",
        mean(&q.called_neutral),
        mean(&q.rest)
    );
    if q.called_neutral.faces > 0 && q.rest.faces > 0 {
        let d = q.called_neutral.mean_probability - q.rest.mean_probability;
        let _ = writeln!(
            s,
            "  so the model is {} confident on them ({:+.4})",
            if d < 0.0 { "less" } else { "not less" },
            d
        );
    }
    s
}

fn side_by_side(c: &ModelVsPeople, width: usize) -> String {
    let mut s = String::new();
    let (m, p) = (&c.model, &c.people);
    let _ = writeln!(
        s,
        "Model ({} faces) and people ({} answers), classes by emotion\n",
        m.matrix.n(),
        p.matrix.n()
    );
    let _ = writeln!(
        s,
        "{:<22} {:>10} {:>10} {:>10}",
        "", "Model", "People", "Diff"
    );
    let row = |s: &mut String, name: &str, a: Option<f64>, b: Option<f64>| {
        let d = match (a, b) {
            (Some(x), Some(y)) => Some(x - y),
            _ => None,
        };
        let _ = writeln!(
            s,
            "{name:<22} {:>10} {:>10} {:>10}",
            round_str(a, 4),
            round_str(b, 4),
            round_str(d, 4)
        );
    };
    row(&mut s, "Accuracy", m.overall.accuracy, p.overall.accuracy);
    row(&mut s, "Kappa", m.overall.kappa, p.overall.kappa);
    row(
        &mut s,
        "No Information Rate",
        m.overall.accuracy_null,
        p.overall.accuracy_null,
    );
    let _ = writeln!(
        s,
        "\nAccuracies differ? prop.test (Yates-corrected chi-squared, 1 df): \
         X-squared = {:.4}, p-value = {}\n\
         (a two-sample test: the model and the people answered different sets of faces, \
         so McNemar's paired test does not apply)\n",
        c.accuracy_test.statistic,
        emotui::stats::rformat::format_pval(&[Some(c.accuracy_test.p_value)], 4)[0]
    );
    let _ = writeln!(
        s,
        "{:<12} {:>8} {:>8} {:>8}   {:>8} {:>8} {:>8}   {:>8} {:>8}",
        "Class", "Sens M", "Sens P", "Diff", "Spec M", "Spec P", "Diff", "BalAcc M", "BalAcc P"
    );
    for (i, l) in c.levels.iter().enumerate() {
        let (a, b) = (&m.by_class[i], &p.by_class[i]);
        let diff = |x: Option<f64>, y: Option<f64>| match (x, y) {
            (Some(x), Some(y)) => Some(x - y),
            _ => None,
        };
        let _ = writeln!(
            s,
            "{:<12} {:>8} {:>8} {:>8}   {:>8} {:>8} {:>8}   {:>8} {:>8}",
            l,
            round_str(a.sensitivity, 4),
            round_str(b.sensitivity, 4),
            round_str(diff(a.sensitivity, b.sensitivity), 4),
            round_str(a.specificity, 4),
            round_str(b.specificity, 4),
            round_str(diff(a.specificity, b.specificity), 4),
            round_str(a.balanced_accuracy, 4),
            round_str(b.balanced_accuracy, 4),
        );
    }
    let _ = writeln!(s, "\nModel:\n{}", caret_text(m, width));
    let _ = writeln!(s, "People:\n{}", caret_text(p, width));
    s
}
