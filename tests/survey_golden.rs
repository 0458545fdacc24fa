//! The shipped survey must reproduce every number of caret's own printout
//! (tests/fixtures/caret_reference.txt, copied from the practical's R run).

use std::collections::HashMap;
use std::path::Path;

use emotui::stats::ConfusionMatrix;
use emotui::stats::report::caret_text;
use emotui::survey::{Survey, SurveyOptions};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Lines keyed by their label (the text before the values), values as tokens.
fn rows(text: &str, labels: &[&str]) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let t = line.trim();
        for l in labels {
            if let Some(rest) = t.strip_prefix(l) {
                let rest = rest.trim_start_matches([' ', ':']).trim();
                if !rest.is_empty() && !out.contains_key(*l) {
                    out.insert(
                        l.to_string(),
                        rest.split_whitespace().map(String::from).collect(),
                    );
                }
            }
        }
    }
    out
}

#[test]
fn shipped_survey_reproduces_caret_reference() {
    let reference =
        std::fs::read_to_string(root().join("tests/fixtures/caret_reference.txt")).unwrap();
    let survey = Survey::read(
        &root().join("data/csv/Respuestas_emociones.csv"),
        &SurveyOptions::default(),
    )
    .unwrap();
    assert_eq!(survey.answers.len(), 880);
    let stats = ConfusionMatrix::from_survey(&survey).statistics().unwrap();
    let ours = caret_text(&stats);

    let labels = [
        "Anger ",
        "Disgust ",
        "Fear ",
        "Joy ",
        "Neutral ",
        "Sadness ",
        "Surprise ",
        "Accuracy",
        "95% CI",
        "No Information Rate",
        "P-Value [Acc > NIR]",
        "Kappa",
        "Mcnemar's Test P-Value",
        "Sensitivity",
        "Specificity",
        "Pos Pred Value",
        "Neg Pred Value",
        "Prevalence",
        "Detection Rate",
        "Detection Prevalence",
        "Balanced Accuracy",
    ];
    let want = rows(&reference, &labels);
    let got = rows(&ours, &labels);
    assert_eq!(want.len(), labels.len(), "reference parsed: {want:?}");
    for l in labels {
        assert_eq!(got.get(l), want.get(l), "row {l:?}\n{ours}");
    }
    // The layout itself, as caret prints it.
    assert!(ours.contains("               Accuracy : 0.5614"));
    assert!(ours.contains("          Reference\nPrediction Anger Disgust Fear Joy Neutral Sadness Surprise\n  Anger       61"));
}
