//! `emotui survey FILE.csv`: caret's confusionMatrix printout for survey
//! answers, and the column-normalised matrix (the practical's Figure 4).

use std::path::PathBuf;

use clap::Args;

use emotui::emotion;
use emotui::render::heatmap;
use emotui::stats::ConfusionMatrix;
use emotui::stats::report::{caret_json, caret_text, column_percentages_text};
use emotui::survey::{Survey, SurveyOptions};

use super::StatsFormat;

/// Arguments of `emotui survey`.
#[derive(Debug, Args)]
pub struct SurveyArgs {
    /// Survey CSV with a header (columns `actual` and `predicted` by default).
    pub file: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Text)]
    pub format: StatsFormat,

    #[command(flatten)]
    pub columns: SurveyColumns,

    /// Write the column-normalised matrix as a heatmap PNG into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Overwrite files in --out.
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub width: super::WidthArg,
}

/// How to read a survey CSV (shared with `eval --against`).
#[derive(Debug, Clone, Args)]
pub struct SurveyColumns {
    /// Column with the true class [default: actual, or reference/truth].
    #[arg(long, value_name = "NAME")]
    pub actual: Option<String>,

    /// Column with the answer [default: predicted, or prediction/pred].
    #[arg(long, value_name = "NAME")]
    pub predicted: Option<String>,

    /// Column naming the face each answer is about [default: image, face, file or path].
    #[arg(long, value_name = "NAME")]
    pub image: Option<String>,

    /// Column with the number of answers each row stands for, as R's
    /// `as.data.frame(table)` writes `Freq` [default: count or freq].
    #[arg(long, value_name = "NAME")]
    pub count: Option<String>,

    /// Trim, case-fold and map emotion synonyms (JOY, happy -> Joy).
    #[arg(long)]
    pub normalize_labels: bool,
}

impl SurveyColumns {
    /// Reads the survey with these options.
    pub fn read(&self, file: &std::path::Path, normalize: bool) -> anyhow::Result<Survey> {
        let survey = Survey::read(
            file,
            &SurveyOptions {
                actual: self.actual.clone(),
                predicted: self.predicted.clone(),
                image: self.image.clone(),
                count: self.count.clone(),
                normalize_labels: self.normalize_labels || normalize,
            },
        )?;
        for group in survey.label_clashes() {
            let shown: Vec<String> = group.iter().map(|l| format!("{l:?}")).collect();
            eprintln!(
                "emotui: warning: {}: labels {} differ only in case, surrounding spaces or \
                 Unicode normalisation and are counted as different classes; \
                 --normalize-labels merges them",
                file.display(),
                shown.join(", ")
            );
        }
        if survey.skipped_empty > 0 {
            eprintln!(
                "emotui: {}: skipped {} rows with an empty label",
                file.display(),
                survey.skipped_empty
            );
        }
        Ok(survey)
    }
}

/// Warns about each label `known` rejects: it becomes a class of its own.
pub fn warn_stray_labels(survey: &Survey, known: impl Fn(&str) -> bool, classes: &str) {
    for s in survey.stray_labels(known) {
        eprintln!(
            "emotui: warning: {}: line {}, column {:?}: {:?} is not {classes}; it is counted \
             as a class of its own ({} answer{})",
            survey.path.display(),
            s.line,
            s.column,
            s.label,
            s.answers,
            if s.answers == 1 { "" } else { "s" }
        );
    }
}

/// The heading under which emotui's own additions follow caret's output.
pub const ADDITIONS: &str = "-- emotui: beyond caret's output --";

pub fn run(args: SurveyArgs) -> anyhow::Result<bool> {
    let survey = args.columns.read(&args.file, false)?;
    warn_stray_labels(
        &survey,
        |l| emotion::canonical(l).is_some(),
        "one of the seven emotions",
    );
    let matrix = ConfusionMatrix::from_survey(&survey);
    let stats = matrix
        .statistics()
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    match args.format {
        StatsFormat::Text => {
            let width = args.width.columns();
            // caret's output first and unchanged; emotui's own additions
            // after it, under their own heading.
            out!("{}", caret_text(&stats, width))?;
            outln!("\n{ADDITIONS}\n")?;
            out!("{}", column_percentages_text(&matrix, width))?;
        }
        StatsFormat::Json => outln!("{}", serde_json::to_string_pretty(&caret_json(&stats))?)?,
    }
    if let Some(dir) = args.out {
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("survey_heatmap.png");
        let img = heatmap(
            &matrix,
            "People: answers per true emotion (% of each column)",
        );
        emotui::render::save_png(&img, &path, args.force)?;
        eprintln!("emotui: wrote {}", path.display());
    }
    Ok(true)
}
