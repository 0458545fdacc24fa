//! The atlas over a tree: a model that looks only at one region gets that
//! region's weight in every group; a second run is served from the store;
//! a run stopped half-way loses nothing; two processes share one store.

#[path = "common/bin.rs"]
mod bin;
mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use bin::{emotui, root, text};
use emotui::atlas::{self, AtlasRequest, Group};
use emotui::cache::Store;
use emotui::faces::FaceTree;
use emotui::geometry::{LazyFaceModels, Region};
use emotui::model::{BackendChoice, LoadOptions};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A tree of a demo JOY face (`looked-at`) and `rest` classes: the same
/// face, so that one region mask is right for all, at a few brightnesses so
/// that every file differs.
fn tree(dir: &Path) -> PathBuf {
    let face = image::open(root().join("data/test_crop/JOY/obama3.png")).unwrap();
    for (class, n) in [("looked-at", 3), ("rest", 2)] {
        std::fs::create_dir_all(dir.join(class)).unwrap();
        for i in 0..n {
            let lighter = face.brighten(i * 3 + if class == "rest" { 1 } else { 0 });
            lighter
                .save(dir.join(class).join(format!("face_{i}.png")))
                .unwrap();
        }
    }
    dir.to_path_buf()
}

/// `emotui atlas` on `tree` with tract, few perturbations, CSV.
fn quick_atlas(tree: &Path) -> Vec<String> {
    [
        "atlas",
        s(tree),
        "--backend",
        "tract",
        "--permutations",
        "200",
        "--format",
        "csv",
    ]
    .map(str::to_string)
    .to_vec()
}

fn face_models() -> LazyFaceModels {
    LazyFaceModels::new(
        &root().join("models/face"),
        &LoadOptions {
            backend: BackendChoice::Tract,
            ..Default::default()
        },
    )
    .unwrap()
}

/// The atlas of every face with `model`, its records under `key`.
fn whole_atlas(
    model: &common::RegionModel,
    key: &str,
    models: &LazyFaceModels,
    store: &mut Store,
    faces: &[emotui::faces::Face],
) -> atlas::Atlas {
    atlas::AtlasRun::new(model, key, models, AtlasRequest::default())
        .unwrap()
        .store(Some(store))
        .run(faces, &AtomicBool::new(false), |_, _| {})
        .unwrap()
}

/// The region model's atlas: in every group that has faces, the looked-at
/// label's weight is where the model looks.
fn known_answer(regions: &[Region]) {
    let dir = tempfile::tempdir().unwrap();
    let tree = FaceTree::scan(&tree(dir.path())).unwrap();
    let faces: Vec<_> = tree.faces().cloned().collect();
    let models = face_models();
    let face = image::open(&faces[0].path).unwrap();
    let landmarks = models.get().unwrap().landmarks(&face, 0).unwrap();
    let model = common::RegionModel::new(&landmarks.regions_at(64, 64), regions);
    let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
    let atlas = whole_atlas(&model, "known-answer", &models, &mut store, &faces);
    assert_eq!(atlas.faces.len(), 5);
    let summary = atlas.summary();
    let groups: Vec<_> = summary.iter().filter(|g| g.label == "looked-at").collect();
    assert!(!groups.is_empty());
    for g in groups {
        let share: f64 = g
            .regions
            .iter()
            .filter(|r| regions.contains(&r.region))
            .map(|r| r.mean)
            .sum();
        eprintln!("{:?}: {regions:?} hold {:.1}%", g.group, 100.0 * share);
        assert!(share >= 0.9, "{:?}: below 90%", g.group);
    }
    assert!(
        summary
            .iter()
            .any(|g| matches!(&g.group, Group::Cell { class, .. } if class == "rest"))
    );
    // The maps in the canonical frame put the weight on the template's
    // same regions.
    let mask = atlas::facs::template_mask(regions);
    let looked_at = atlas.groups();
    let looked_at: Vec<_> = looked_at
        .iter()
        .filter(|m| atlas.labels[m.label] == "looked-at")
        .collect();
    assert!(!looked_at.is_empty());
    for m in looked_at {
        let map = atlas.map(m).map;
        let inside: f32 = map
            .iter()
            .zip(&mask)
            .filter(|(_, k)| **k)
            .map(|(v, _)| v)
            .sum();
        let iou = atlas::facs::top_iou(&map, &mask);
        eprintln!(
            "{:?}: map {:.1}% inside, IoU {iou:.2}",
            m.group,
            100.0 * inside
        );
        assert!(
            inside >= MAP_INSIDE,
            "{:?}: {inside} of the map inside",
            m.group
        );
    }
}

/// The least share of a known-answer model's canonical map that must fall
/// inside its regions on the template: superpixels that straddle a
/// region's edge carry weight over it.
const MAP_INSIDE: f32 = 0.6;

#[test]
fn a_model_that_looks_at_the_mouth_gets_an_atlas_of_the_mouth() {
    known_answer(&[Region::Mouth]);
}

#[test]
fn a_model_that_looks_at_the_eyes_gets_an_atlas_of_the_eyes() {
    known_answer(&[Region::EyeLeft, Region::EyeRight]);
}

/// `emotui atlas` twice on one store: the second run explains nothing; two
/// at once (one a shard) corrupt nothing and agree.
#[test]
fn the_store_serves_the_second_run_and_two_processes_share_it() {
    let dir = tempfile::tempdir().unwrap();
    let tree = tree(&dir.path().join("tree"));
    let cache = dir.path().join("c.sqlite");
    let atlas = |extra: &[&str]| {
        let mut args = quick_atlas(&tree);
        args.extend(
            ["--cache", s(&cache)]
                .iter()
                .chain(extra)
                .map(|a| a.to_string()),
        );
        args
    };
    // Two processes at once on the same store.
    let spawn = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_emotui"))
            .args(atlas(extra))
            .current_dir(root())
            .output()
    };
    let (a, b) = std::thread::scope(|sc| {
        let a = sc.spawn(|| spawn(&[]).unwrap());
        let b = sc.spawn(|| spawn(&["--shard", "1/2"]).unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a.status.success(), "{}", text(&a).1);
    assert!(b.status.success(), "{}", text(&b).1);
    // The third run is all from the store, and prints the same atlas.
    let c = emotui(&atlas(&[]).iter().map(String::as_str).collect::<Vec<_>>());
    let (out, err) = text(&c);
    assert!(c.status.success(), "{err}");
    assert!(err.contains("5 faces, 5 from "), "{err}");
    assert_eq!(out, text(&a).0);
    let info = emotui(&["cache", "info", "--cache", s(&cache)]);
    assert!(
        text(&info).0.contains("explained  5 faces"),
        "{}",
        text(&info).0
    );
}

/// Killed half-way, `emotui atlas` has kept every face it finished: the
/// next run starts from them.
#[test]
fn a_killed_run_loses_at_most_the_face_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let tree = tree(&dir.path().join("tree"));
    let cache = dir.path().join("c.sqlite");
    let args = [
        "atlas",
        s(&tree),
        "--backend",
        "tract",
        "--permutations",
        "300",
        "--cache",
        s(&cache),
    ];
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_emotui"))
        .args(args)
        .current_dir(root())
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let explained = || {
        Store::open(&cache)
            .ok()
            .and_then(|s| s.info().ok())
            .map_or(0, |i| i.explanations)
    };
    let start = std::time::Instant::now();
    while explained() < 2 && start.elapsed().as_secs() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let kept = explained();
    assert!((2..5).contains(&kept), "{kept} faces kept before the kill");
    let o = emotui(&args);
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains(&format!("5 faces, {kept} from ")), "{err}");
}

/// A batch job's shards, each with its own cache file, then one atlas of
/// the whole tree read from them: nothing explained again, the same atlas
/// as one machine's.
#[test]
fn shards_in_their_own_files_make_one_atlas() {
    let dir = tempfile::tempdir().unwrap();
    let tree = tree(&dir.path().join("tree"));
    let run = |extra: &[&str]| {
        let mut args = quick_atlas(&tree);
        args.extend(extra.iter().map(|a| a.to_string()));
        emotui(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let part = |k: usize| dir.path().join(format!("shard-{k}.sqlite"));
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let o = run(&["--shard", &shard, "--cache", s(&part(k))]);
        assert!(o.status.success(), "{}", text(&o).1);
    }
    let merged = dir.path().join("all.sqlite");
    let o = run(&[
        "--cache",
        s(&merged),
        "--read-cache",
        s(&part(1)),
        "--read-cache",
        s(&part(2)),
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    // The files read are named: the merge's own cache and both shards.
    assert!(err.contains("5 faces, 5 from "), "{err}");
    for f in [&merged, &part(1), &part(2)] {
        assert!(err.contains(s(f)), "{err}");
    }
    let single = run(&["--no-cache"]);
    assert_eq!(out, text(&single).0, "the same atlas as one run");
    // A shard file that is not there is an error, never an empty shard.
    let o = run(&[
        "--no-cache",
        "--read-cache",
        s(&dir.path().join("missing.sqlite")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("missing.sqlite"));
}

/// `--out` writes the class maps, the cells and the bars, never over a
/// file without `--force`; JSON carries the FACS comparison and, with a
/// survey that names its faces, people's answers beside the model.
#[test]
fn pictures_facs_and_people() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pictures");
    let cache = dir.path().join("c.sqlite");
    let mut args = quick_atlas(&root().join("data/test_crop"));
    args.pop();
    args.extend(
        [
            "json",
            "--cache",
            s(&cache),
            "--out",
            s(&out),
            "--survey",
            "tests/fixtures/survey_with_images.csv",
        ]
        .iter()
        .map(|a| a.to_string()),
    );
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        a.extend(extra);
        emotui(&a)
    };
    let first = run(&[]);
    let (json, err) = text(&first);
    assert!(first.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let happy = v["facs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["class"] == "happy")
        .expect("the happy faces are compared with AU6+12");
    assert_eq!(happy["aus"], serde_json::json!([6, 12]));
    assert!((0.0..=1.0).contains(&happy["iou"].as_f64().unwrap()));
    assert_eq!(v["facs_reference_iou"], 0.27);
    // The survey (tests/fixtures/survey_with_images.csv): 2 of 3 people
    // call Biden's faint smile neutral, 2 of 3 call obama3 sad; 1 of 2 are
    // right on the NEUTRAL face, which is not below a half.
    let people = &v["people"];
    let hard: Vec<&str> = people["faces"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["people_right"].as_f64().unwrap() < 0.5)
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(hard.len(), 2, "{hard:?}");
    assert!(hard[0].ends_with("JOY/biden.png"));
    assert!(hard[1].ends_with("JOY/obama3.png"));
    assert_eq!(people["called_neutral"]["n"], 1);
    assert_eq!(people["rest"]["n"], 3);
    assert_eq!(people["unmatched"], serde_json::json!(["nowhere.png"]));
    let files = ["classes.png", "cells.png", "regions.png"];
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();
    for b in &before {
        image::load_from_memory(b).unwrap();
    }
    let again = run(&[]);
    assert!(!again.status.success());
    assert!(
        text(&again).1.contains("already exists"),
        "{}",
        text(&again).1
    );
    for (f, b) in files.iter().zip(&before) {
        assert_eq!(&std::fs::read(out.join(f)).unwrap(), b, "{f} kept");
    }
    assert!(run(&["--force"]).status.success());
}

/// Two known-answer models' atlases side by side: A looks at the mouth, B
/// at the eyes. On the looked-at faces, for the looked-at label, the mouth
/// is A's and the eyes are B's, both differences clear; each model's
/// blind regions get 0.
#[test]
fn two_models_atlases_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let tree = FaceTree::scan(&tree(dir.path())).unwrap();
    let faces: Vec<_> = tree.faces().cloned().collect();
    let models = face_models();
    let face = image::open(&faces[0].path).unwrap();
    let map = models
        .get()
        .unwrap()
        .landmarks(&face, 0)
        .unwrap()
        .regions_at(64, 64);
    let mouth = common::RegionModel::new(&map, &[Region::Mouth]);
    let eyes = common::RegionModel::new(&map, &[Region::EyeLeft, Region::EyeRight]);
    let mut store = Store::open(&dir.path().join("c.sqlite")).unwrap();
    let a = whole_atlas(&mouth, "mouth", &models, &mut store, &faces);
    let b = whole_atlas(&eyes, "eyes", &models, &mut store, &faces);
    let pair = atlas::pair::compare(&a, &b);
    assert!(pair.only_a.is_empty() && pair.only_b.is_empty() && pair.unmatched == 0);
    let looked_at = pair
        .groups
        .iter()
        .find(|g| matches!(&g.group, atlas::pair::PairGroup::Class { class } if class.eq_ignore_ascii_case("looked-at")))
        .expect("the looked-at class");
    assert_eq!(looked_at.faces, 3);
    let region = |r: Region| looked_at.regions.iter().find(|x| x.region == r).unwrap();
    let m = region(Region::Mouth);
    eprintln!("mouth {m:?}");
    assert!(m.a > 0.1 && m.b.abs() < 1e-9 && m.difference > 0.1 && m.clear);
    for r in [Region::EyeLeft, Region::EyeRight] {
        let e = region(r);
        eprintln!("{r:?} {e:?}");
        assert!(e.b > 0.03 && e.a.abs() < 1e-9 && e.difference < 0.0 && e.clear);
    }
    // Sorted by |A − B|: the mouth or an eye comes first.
    assert!(matches!(
        looked_at.regions[0].region,
        Region::Mouth | Region::EyeLeft | Region::EyeRight
    ));
}
