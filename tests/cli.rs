//! The `emotui` binary run as a user runs it: real files, bad files, exit codes.

#[path = "common/bin.rs"]
mod bin;
#[path = "common/png.rs"]
mod png;

use std::path::Path;
use std::process::Command;

use bin::{emotui, root, text};

#[test]
fn predict_demo_faces_with_tract() {
    let o = emotui(&[
        "predict",
        "data/test_crop",
        "--backend",
        "tract",
        "--format",
        "csv",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "path,class,predicted,angry,disgust,fear,happy,sad,surprise,neutral,error"
    );
    assert_eq!(lines.len(), 1 + 5);
    let joy = lines.iter().find(|l| l.contains("obama")).unwrap();
    assert!(joy.contains(",JOY,happy,"), "{joy}");
}

#[test]
fn predict_json_has_the_documented_shape() {
    let o = emotui(&[
        "predict",
        "data/test_crop/NEUTRAL",
        "--backend",
        "tract",
        "--format",
        "json",
    ]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let first = &v[0];
    assert_eq!(first["class"], "NEUTRAL");
    assert_eq!(first["predicted"], "neutral");
    let sum: f64 = first["probabilities"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_f64().unwrap())
        .sum();
    assert!((sum - 1.0).abs() < 1e-5);
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

#[test]
fn bad_images_are_reported_and_do_not_stop_the_run() {
    let d = tempfile::tempdir().unwrap();
    let good = root().join("data/test_crop/JOY/obama.png");
    copy(&good, &d.path().join("JOY/good.png"));
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(d.path().join("JOY/corrupt.png"), &bytes[..bytes.len() / 3]).unwrap();
    std::fs::write(d.path().join("JOY/notes.png"), b"this is a text file").unwrap();
    std::fs::create_dir_all(d.path().join("FEAR")).unwrap();
    let dir = d.path().to_str().unwrap();
    let o = emotui(&["predict", dir, "--backend", "tract"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(out.contains("good.png") && out.contains("happy"), "{out}");
    assert!(
        err.contains("corrupt.png") && err.contains("corrupt"),
        "{err}"
    );
    assert!(
        err.contains("notes.png") && err.contains("not an image"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn empty_tree_and_missing_folder_are_clear_errors() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("JOY")).unwrap();
    let o = emotui(&["eval", d.path().to_str().unwrap(), "--backend", "tract"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("no face images"), "{err}");
    let o = emotui(&["predict", "/no/such/folder"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("/no/such/folder"), "{err}");
}

#[test]
fn missing_model_is_a_clear_error() {
    let o = emotui(&["predict", "data/test_crop", "--model", "/no/model.onnx"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("/no/model.onnx") && err.contains("no such file"),
        "{err}"
    );
}

#[test]
fn card_that_disagrees_with_the_model_says_what_to_write() {
    let d = tempfile::tempdir().unwrap();
    let model = d.path().join("m.onnx");
    copy(&root().join("models/emotion_fer_minixception.onnx"), &model);
    let card =
        std::fs::read_to_string(root().join("models/emotion_fer_minixception.toml")).unwrap();
    let bad = card.replace("\"neutral\"]", "\"neutral\", \"contempt\"]");
    std::fs::write(d.path().join("m.toml"), bad).unwrap();
    for backend in ["tract", "auto"] {
        let o = emotui(&[
            "predict",
            "data/test_crop",
            "--model",
            model.to_str().unwrap(),
            "--backend",
            backend,
        ]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains("8 labels") && err.contains("7 classes"),
            "{err}"
        );
    }
    std::fs::remove_file(d.path().join("m.toml")).unwrap();
    let o = emotui(&[
        "predict",
        "data/test_crop",
        "--model",
        model.to_str().unwrap(),
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("m.toml") && err.contains("labels = ["),
        "{err}"
    );
}

#[test]
fn survey_text_and_json() {
    let o = emotui(&["survey", "data/csv/Respuestas_emociones.csv"]);
    let (out, _) = text(&o);
    assert!(o.status.success());
    assert!(out.contains("Accuracy : 0.5614") && out.contains("Kappa : 0.4888"));
    let o = emotui(&[
        "survey",
        "data/csv/Respuestas_emociones.csv",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["table"][4][4], 97);
    assert!(v["overall"]["mcnemar_p_value"].is_null());
    assert!((v["by_class"]["Joy"]["sensitivity"].as_f64().unwrap() - 72.0 / 132.0).abs() < 1e-15);
}

#[test]
fn survey_bad_files_name_the_problem() {
    let d = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        ("empty.csv", b"", "empty file"),
        ("header.csv", b"actual,predicted\n", "header only"),
        ("ragged.csv", b"actual,predicted\nJoy,Joy\nJoy\n", "line 3"),
        ("cols.csv", b"who,what\nJoy,Joy\n", "`actual`"),
        ("binary.csv", b"\x00\x01\x02\xff", "binary"),
    ];
    for (name, bytes, want) in cases {
        let p = d.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = emotui(&["survey", p.to_str().unwrap()]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(err.contains(want) && err.contains(name), "{name}: {err}");
    }
}

#[test]
fn survey_heatmap_is_written_once() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().to_str().unwrap();
    let o = emotui(&["survey", "data/csv/Respuestas_emociones.csv", "--out", out]);
    assert!(o.status.success());
    let png = d.path().join("survey_heatmap.png");
    assert!(image::open(&png).is_ok());
    let o = emotui(&["survey", "data/csv/Respuestas_emociones.csv", "--out", out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--force"));
}

#[test]
fn eval_prints_caret_statistics_and_compares_with_people() {
    let o = emotui(&["eval", "data/test_crop", "--backend", "tract"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("Accuracy : 0.6 "), "{out}");
    let o = emotui(&[
        "eval",
        "data/test_crop",
        "--backend",
        "tract",
        "--against",
        "data/csv/Respuestas_emociones.csv",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("prop.test") && out.contains("0.5614"), "{out}");
}

#[test]
fn eval_against_a_survey_that_names_faces_answers_the_neutral_question() {
    let o = emotui(&[
        "eval",
        "data/test_crop",
        "--backend",
        "tract",
        "--against",
        "tests/fixtures/survey_with_faces.csv",
        "--format",
        "json",
    ]);
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let faces = v["faces"].as_array().unwrap();
    assert_eq!(faces.len(), 4);
    let biden = faces.iter().find(|f| f["image"] == "biden.png").unwrap();
    assert_eq!(biden["answers"], 3);
    assert_eq!(biden["most_common"], "Neutral");
    // The model's probability for "happy" on that faint smile (about 0.03,
    // see predict): people and the model both miss it.
    let p = biden["model_probability"].as_f64().unwrap();
    assert!(p > 0.01 && p < 0.05, "{p}");
    let q = &v["neutral_question"];
    assert_eq!(q["called_neutral"]["faces"], 1);
    assert_eq!(q["rest"]["faces"], 3);
}

#[test]
fn explain_json_csv_and_pictures() {
    let face = "data/test_crop/JOY/obama3.png";
    let base = [
        "explain",
        face,
        "--backend",
        "tract",
        "--permutations",
        "300",
        "--superpixels",
        "20",
    ];
    let with = |extra: &[&str]| {
        let mut v: Vec<&str> = base.to_vec();
        v.extend_from_slice(extra);
        emotui(&v)
    };
    let o = with(&["--format", "json", "--labels", "1"]);
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let case = &v[0];
    assert_eq!(case["case"], "obama3.png");
    assert_eq!(
        (case["width"].as_u64(), case["height"].as_u64()),
        (Some(320), Some(320))
    );
    let row = &case["rows"][0];
    assert_eq!(row["label"], "sad");
    for key in [
        "label_prob",
        "model_r2",
        "model_intercept",
        "model_prediction",
        "feature_weight",
        "weight_lower",
        "deletion_ratio",
    ] {
        assert!(row[key].is_number(), "{key}: {row}");
    }
    let pixels = row["feature_value"].as_array().unwrap();
    assert!(!pixels.is_empty() && pixels.iter().all(|p| p.as_u64().unwrap() < 320 * 320));
    assert!(row["verdict"].is_string());

    let o = with(&[
        "--format",
        "csv",
        "--label",
        "SURPRISE",
        "--label",
        "fear",
        "--stability",
        "none",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let header = out.lines().next().unwrap();
    assert!(header.starts_with("case,label,label_prob,model_r2,model_intercept,model_prediction,feature,feature_weight,feature_desc"), "{header}");
    assert!(
        out.lines()
            .skip(1)
            .all(|l| l.contains(",surprise,") || l.contains(",fear,"))
    );

    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    let o = with(&[
        "--out",
        dir,
        "--labels",
        "1",
        "--show-negative",
        "--display",
        "block",
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    for f in [
        "obama3_superpixels.png",
        "obama3_sad.png",
        "obama3_sad_weights.png",
        "obama3_sad_deletion.png",
    ] {
        assert!(image::open(d.path().join(f)).is_ok(), "{f}");
    }
    let o = with(&["--out", dir, "--labels", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--force"));

    let o = with(&["--label", "contempt"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        text(&o).1.contains("no label \"contempt\""),
        "{}",
        text(&o).1
    );
}

/// The same command and seed print the same bytes: twice, and on one or
/// two threads. Timings only appear when asked for.
#[test]
fn explain_output_is_reproducible() {
    let run = |threads: &str, extra: &[&str]| {
        let mut args = vec![
            "explain",
            "data/test_crop/JOY/obama.png",
            "--backend",
            "tract",
            "--threads",
            threads,
            "--permutations",
            "400",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let o = emotui(&args);
        assert!(o.status.success(), "{}", text(&o).1);
        o.stdout
    };
    let first = run("2", &[]);
    assert_eq!(first, run("2", &[]), "two runs differ");
    assert_eq!(first, run("1", &[]), "one and two threads differ");
    assert!(!String::from_utf8_lossy(&first).contains("timing_seconds"));
    let timed = run("2", &["--timings"]);
    assert!(String::from_utf8_lossy(&timed).contains("timing_seconds"));
}

/// Options are checked before any work, with the flag's name and bounds.
#[test]
fn explain_options_out_of_range_are_refused_up_front() {
    let face = "data/test_crop/JOY/obama.png";
    for (flag, value) in [
        ("--superpixels", "100000"),
        ("--superpixels", "1"),
        ("--permutations", "0"),
        ("--features", "0"),
        ("--labels", "0"),
        ("--replicates", "0"),
        ("--random-orders", "0"),
        ("--weight", "-5"),
        ("--weight", "inf"),
        ("--p-remove", "NaN"),
        ("--p-remove", "1"),
        ("--threshold", "-1"),
    ] {
        let o = emotui(&["explain", face, flag, value]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(flag), "{flag} {value}: {err}");
    }
}

/// A named pipe among the faces is reported, not opened (opening one waits
/// forever), and a PNG declaring 20000×20000 is refused from its header.
/// The good face is still predicted; the run exits 1.
#[test]
fn pipes_and_huge_images_are_refused_without_waiting() {
    let d = tempfile::tempdir().unwrap();
    let joy = d.path().join("JOY");
    std::fs::create_dir_all(&joy).unwrap();
    copy(
        &root().join("data/test_crop/JOY/obama.png"),
        &joy.join("good.png"),
    );
    let fifo = joy.join("pipe.png");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    std::fs::write(joy.join("huge.png"), png::header_only(20_000, 20_000)).unwrap();
    let start = std::time::Instant::now();
    let o = emotui(&["predict", "--backend", "tract", d.path().to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(out.contains("good.png"), "{out}");
    assert!(
        err.contains("pipe.png") && err.contains("not a regular file"),
        "{err}"
    );
    assert!(
        err.contains("huge.png") && err.contains("20000×20000"),
        "{err}"
    );
}

/// A missing file among good ones: the good ones are predicted, the missing
/// one is named, and the run exits 1 (not 2: it did run).
#[test]
fn predict_reports_a_missing_file_and_goes_on() {
    let o = emotui(&[
        "predict",
        "--backend",
        "tract",
        "data/test_crop/JOY/obama.png",
        "data/test_crop/JOY/missing.png",
    ]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(out.contains("obama.png"), "{out}");
    assert!(err.contains("missing.png"), "{err}");
}

/// A card that says "logits" on a model that ends in a softmax would apply
/// a softmax twice (happy 0.31 instead of 0.98): the load-time check of the
/// model's first answers says so.
#[test]
fn logits_card_on_a_softmax_model_is_flagged() {
    let d = tempfile::tempdir().unwrap();
    let model = d.path().join("m.onnx");
    copy(&root().join("models/emotion_fer_minixception.onnx"), &model);
    let card =
        std::fs::read_to_string(root().join("models/emotion_fer_minixception.toml")).unwrap();
    std::fs::write(
        d.path().join("m.toml"),
        card.replace("kind = \"probabilities\"", "kind = \"logits\""),
    )
    .unwrap();
    let o = emotui(&[
        "predict",
        "data/test_crop/JOY/obama.png",
        "--model",
        model.to_str().unwrap(),
        "--backend",
        "tract",
    ]);
    let (_, err) = text(&o);
    assert!(
        err.contains("m.toml") && err.contains("already sum to 1"),
        "{err}"
    );
}

/// `eval` on a folder of faces without class folders says what a faces
/// tree is, and what `predict` does instead.
#[test]
fn eval_without_class_folders_says_what_to_do() {
    let d = tempfile::tempdir().unwrap();
    copy(
        &root().join("data/test_crop/JOY/obama.png"),
        &d.path().join("a.png"),
    );
    let o = emotui(&["eval", d.path().to_str().unwrap(), "--backend", "tract"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("class folders") && err.contains("emotui predict"),
        "{err}"
    );
}

/// A newline in a file name does not split the table's row.
#[test]
fn a_newline_in_a_file_name_stays_on_its_row() {
    let d = tempfile::tempdir().unwrap();
    let odd = d.path().join("JOY").join("two\nlines.png");
    copy(&root().join("data/test_crop/JOY/obama.png"), &odd);
    let o = emotui(&["predict", d.path().to_str().unwrap(), "--backend", "tract"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("two\\nlines.png"), "{out}");
}

/// `emotui sanity`: one row per randomised layer (23 in the bundled model,
/// from the output down), every method's similarity, and the curve.
#[test]
fn sanity_randomises_every_layer_from_the_output_down() {
    let d = tempfile::tempdir().unwrap();
    let o = emotui(&[
        "sanity",
        "data/test_crop/JOY/obama.png",
        "--backend",
        "tract",
        "--superpixels",
        "12",
        "--permutations",
        "150",
        "--method",
        "lime,occlusion",
        "--format",
        "json",
        "--out",
        d.path().to_str().unwrap(),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 23);
    assert_eq!(steps[0]["layer"]["name"], "model_1/conv2d_7/BiasAdd");
    assert_eq!(steps[22]["layer"]["name"], "model_1/conv2d_1/Conv2D");
    for s in steps {
        let sims = s["similarity"].as_array().unwrap();
        assert_eq!(sims.len(), 2);
        assert_eq!(sims[0]["method"], "lime");
    }
    assert_eq!(v["label"], "happy");
    assert!(d.path().join("obama_sanity.png").is_file());
    // The model file itself is untouched.
    let again = emotui(&[
        "predict",
        "--backend",
        "tract",
        "data/test_crop/JOY/obama.png",
    ]);
    assert!(text(&again).0.contains("happy"));
}

/// `explain --method … --out` writes each method's panels and pixel maps
/// beside LIME's files, and every method's rows with the agreement.
#[test]
fn explain_methods_write_panels_maps_and_agreement() {
    let d = tempfile::tempdir().unwrap();
    let o = emotui(&[
        "explain",
        "data/test_crop/JOY/obama.png",
        "--backend",
        "tract",
        "--method",
        "lime,occlusion,rise",
        "--rise-masks",
        "200",
        "--labels",
        "1",
        "--trust",
        "none",
        "--format",
        "csv",
        "--out",
        d.path().to_str().unwrap(),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.lines().next().unwrap().ends_with(",method"), "{out}");
    for method in ["lime", "occlusion", "rise"] {
        assert!(out.contains(&format!(",{method}\n")), "{method}: {out}");
    }
    for f in [
        "obama_occlusion_happy.png",
        "obama_occlusion_happy_map.png",
        "obama_rise_happy_map.png",
        "obama_methods.csv",
    ] {
        assert!(d.path().join(f).is_file(), "{f}");
    }
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("obama_methods.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["methods"].as_array().unwrap().len(), 3);
    assert_eq!(json["agreement"][0]["pairs"].as_array().unwrap().len(), 3);
}

/// `eval` of the bundled tree (tract) against model `b`, with `more`: its
/// output, once it succeeded.
fn compare_with(b: &str, more: &[&str]) -> String {
    let args = [
        "eval",
        "--backend",
        "tract",
        "data/test_crop",
        "--compare-model",
        b,
    ];
    let o = emotui(&[&args[..], more].concat());
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    out
}

/// Two models on the bundled tree: the bundled one (A) against a baseline
/// that answers happy for every face (B). A is right on two JOY faces and
/// the NEUTRAL one and reads the two faint smiles as sad; B is right on the
/// four JOY faces only.
#[test]
fn two_models_are_compared_face_by_face() {
    let b = "tests/hostile/models/constant_happy.onnx";
    let out = compare_with(b, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let p = &v["paired"];
    assert_eq!(
        [
            &p["both_right"],
            &p["a_right_b_wrong"],
            &p["a_wrong_b_right"],
            &p["both_wrong"]
        ],
        [2, 1, 2, 0]
    );
    // binom.test(1, 3)$p.value is 1; McNemar's (|1 - 2| - 1)² / 3 is 0.
    assert_eq!(p["exact_p_value"], 1.0);
    assert_eq!(p["mcnemar_statistic"], 0.0);
    assert!((p["accuracy_difference"].as_f64().unwrap() + 0.2).abs() < 1e-12);
    let disagreements: Vec<&str> = p["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(disagreements.len(), 3, "{disagreements:?}");
    assert!(!disagreements.iter().any(|d| d.contains("obama.png")));
    assert_eq!(v["b"]["statistics"]["overall"]["accuracy"], 0.8);

    let out = compare_with(b, &["--width", "100"]);
    for want in [
        "Model A: fer mini-XCEPTION",
        "Model B: hostile: constant_happy",
        "McNemar's chi-squared (continuity correction): 0, p-value 1",
        "Faces they label differently:",
        "grace_hopper.png  truth Neutral  A Neutral 0.5414  B Joy",
    ] {
        assert!(out.contains(want), "{want:?} missing:\n{out}");
    }

    // Both explanations of each disagreement: B never changes its answer,
    // so every superpixel and region weighs nothing for it; A's do.
    let out = compare_with(b, &["--explain-disagreements", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let looks = v["disagreements_explained"].as_array().unwrap();
    assert_eq!(looks.len(), 3);
    let weights = |look: &serde_json::Value, key: &str| -> Vec<f64> {
        look[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| pair[1].as_f64().unwrap())
            .collect()
    };
    for look in looks {
        assert_eq!(look["b"]["label"], "Joy");
        for key in ["superpixels", "regions"] {
            let b = weights(&look["b"], key);
            assert!(!b.is_empty() && b.iter().all(|w| w.abs() < 1e-9), "{b:?}");
            let a = weights(&look["a"], key);
            assert!(a.iter().any(|w| w.abs() > 1e-3), "{a:?}");
        }
    }
    assert_eq!(looks[1]["a"]["label"], "Sadness");
    assert_eq!(looks[2]["a"]["label"], "Neutral");
}

/// Two models whose labels differ in names and in one class: matched
/// through synonyms, the labels only one has are said, in text and JSON.
#[test]
fn models_with_different_labels_are_matched_and_the_rest_named() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b.onnx");
    std::fs::copy("models/emotion_fer_minixception.onnx", &b).unwrap();
    let card = std::fs::read_to_string("models/emotion_fer_minixception.toml")
        .unwrap()
        .replace(
            r#"labels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]"#,
            r#"labels = ["ANGER", "DISGUST", "FEAR", "JOY", "SADNESS", "SURPRISE", "CONTEMPT"]"#,
        );
    assert!(card.contains("CONTEMPT"));
    std::fs::write(d.path().join("b.toml"), card).unwrap();
    let b = b.to_str().unwrap();
    let out = compare_with(b, &[]);
    assert!(out.contains("labels only model A has: neutral\n"), "{out}");
    assert!(out.contains("labels only model B has: CONTEMPT\n"), "{out}");
    // The same network under other names: only the face A calls neutral,
    // the label B lacks, is labelled differently.
    assert!(
        out.contains("Faces they label differently:\n  data/test_crop/NEUTRAL/grace_hopper.png  truth Neutral  A Neutral 0.5414  B contempt 0.5414\n"),
        "{out}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&compare_with(b, &["--format", "json"])).unwrap();
    assert_eq!(v["only_a"], serde_json::json!(["neutral"]));
    assert_eq!(v["only_b"], serde_json::json!(["CONTEMPT"]));
    // Agreement on 4 of 5 faces, by chance 0.32: (0.8 - 0.32) / 0.68.
    let kappa = v["paired"]["kappa_between"].as_f64().unwrap();
    assert!((kappa - 0.48 / 0.68).abs() < 1e-12, "{kappa}");
}
