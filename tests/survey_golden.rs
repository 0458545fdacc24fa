//! The shipped survey printed exactly as real caret prints it:
//! tests/fixtures/caret_reference.txt is caret 6.0-93's own output (R 4.2.2,
//! Rscript, console width 80; see shared/survey/README.md), compared byte for
//! byte, through the library and through `emotui survey`.

use std::path::Path;
use std::process::Command;

use emotui::stats::ConfusionMatrix;
use emotui::stats::report::{R_WIDTH, caret_text};
use emotui::survey::{Survey, SurveyOptions};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> String {
    std::fs::read_to_string(root().join("tests/fixtures/caret_reference.txt")).unwrap()
}

#[test]
fn shipped_survey_prints_as_caret_byte_for_byte() {
    let survey = Survey::read(
        &root().join("data/csv/Respuestas_emociones.csv"),
        &SurveyOptions::default(),
    )
    .unwrap();
    assert_eq!(survey.answers.len(), 880);
    let stats = ConfusionMatrix::from_survey(&survey).statistics().unwrap();
    let ours = caret_text(&stats, R_WIDTH);
    assert_eq!(ours, reference());
}

/// `emotui survey FILE > out.txt` starts with caret's output, unchanged;
/// emotui's own additions come after it.
#[test]
fn survey_command_prints_caret_first() {
    let out = Command::new(env!("CARGO_BIN_EXE_emotui"))
        .args(["survey", "data/csv/Respuestas_emociones.csv"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let want = reference();
    assert!(text.starts_with(&want), "{text}");
    assert!(text[want.len()..].starts_with("\n-- emotui:"), "{text}");
}

/// Labels with a newline, a tab and a backslash print escaped, as R prints
/// them (tests/fixtures/caret_odd_labels.txt is real caret's output, made by
/// tools/make_odd_labels_fixture.R): one label stays one line.
#[test]
fn odd_labels_print_escaped_as_caret() {
    let survey = Survey::read(
        &root().join("tests/fixtures/odd_labels.csv"),
        &SurveyOptions::default(),
    )
    .unwrap();
    let stats = ConfusionMatrix::from_survey(&survey).statistics().unwrap();
    let want = std::fs::read_to_string(root().join("tests/fixtures/caret_odd_labels.txt")).unwrap();
    assert_eq!(caret_text(&stats, R_WIDTH), want);
}
