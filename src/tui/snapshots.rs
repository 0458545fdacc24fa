//! Snapshot tests of every screen (insta, ratatui's TestBackend) at 80×24
//! and 160×48, driven through the explorer's own inputs: worker messages
//! with predictions, the survey and an explanation, and keys. Pictures are
//! made by the real image worker's encoder (half-blocks), synchronously.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui_image::picker::Picker;

use emotui::explain;
use emotui::faces::FaceTree;
use emotui::model::Classifier;
use emotui::model::card::ModelCard;
use emotui::predict::Prediction;
use emotui::preprocess::Preprocessor;

use std::sync::Arc;

use emotui::geometry::{Detection, LandmarkSource, Landmarks};

use super::app::{App, Command};
use super::atlas::{AtlasEvent, AtlasJob, AtlasView};
use super::faceparts::FaceGeometry;
use super::images::Images;
use super::survey::SurveyData;
use super::workers::{self, ExplainEvent, Message};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A model whose answer is known: the darker the mouth, the happier, the
/// rest shared by the other labels in fixed proportions. Cheap and the
/// same on every machine, unlike a real network's last digits.
pub(crate) struct Mouth {
    pre: Preprocessor,
    labels: Vec<String>,
}

impl Mouth {
    pub(crate) fn new() -> Mouth {
        let card = ModelCard::load_for(&root().join("models/emotion_fer_minixception.onnx"))
            .expect("the bundled model's card");
        Mouth {
            pre: Preprocessor::new(card.input.clone()),
            labels: card.labels,
        }
    }

    fn probabilities(&self, img: &[f32]) -> Vec<f32> {
        let (w, h) = (self.pre.spec().width, self.pre.spec().height);
        let mut s = 0.0;
        let mut n = 0.0;
        for y in h * 2 / 3..h * 15 / 16 {
            for x in w / 3..w * 2 / 3 {
                s += img[y * w + x];
                n += 1.0;
            }
        }
        let happy = (1.0 - s / n).clamp(0.0, 1.0);
        let k = self.labels.len();
        let happy_at = self.labels.iter().position(|l| l == "happy").unwrap_or(0);
        (0..k)
            .map(|i| {
                if i == happy_at {
                    happy
                } else {
                    (1.0 - happy) * (i + 1) as f32 / (k * (k + 1) / 2 - happy_at - 1) as f32
                }
            })
            .collect()
    }
}

impl Classifier for Mouth {
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn preprocessor(&self) -> &Preprocessor {
        &self.pre
    }
    fn predict(&self, batch: &[f32], n: usize) -> emotui::Result<Vec<f32>> {
        let per = self.pre.spec().len();
        Ok(batch
            .chunks(per)
            .take(n)
            .flat_map(|c| self.probabilities(c))
            .collect())
    }
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// A face's geometry as MediaPipe's own pipeline gave it
/// (tests/fixtures/face_reference.json): the same on every machine, unlike
/// a backend's last digits.
fn fixture_geometry(path: &Path) -> emotui::Result<FaceGeometry> {
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/face_reference.json")).unwrap(),
    )
    .unwrap();
    let entry = &fixture["faces"][path.display().to_string()];
    if entry.is_null() {
        return Err(emotui::Error::Invalid("not in the fixture".into()));
    }
    let pair =
        |v: &serde_json::Value| [v[0].as_f64().unwrap() as f32, v[1].as_f64().unwrap() as f32];
    let d = &entry["detection"];
    let b: Vec<f32> = d["box"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let face = Detection {
        score: d["score"].as_f64().unwrap() as f32,
        bbox: [b[0], b[1], b[2], b[3]],
        keypoints: std::array::from_fn(|k| pair(&d["keypoints"][k])),
    };
    let (w, h) = (
        entry["size"][0].as_u64().unwrap() as usize,
        entry["size"][1].as_u64().unwrap() as usize,
    );
    let landmarks = Landmarks {
        width: w,
        height: h,
        source: LandmarkSource::Mesh,
        faces: vec![face],
        presence: Some(1.0),
        points: entry["landmarks"]
            .as_array()
            .unwrap()
            .iter()
            .map(pair)
            .collect(),
    };
    Ok(FaceGeometry {
        photo: landmarks.photo_check(),
        landmarks: Arc::new(landmarks),
    })
}

/// Runs the explanation and geometry jobs among `commands` with `model`,
/// feeding the outcome back as the workers would.
fn run_jobs(app: &mut App, model: &Mouth, commands: Vec<Command>) {
    for c in commands {
        if let Command::Regions(job) = &c {
            let result = emotui::methods::regions::face_regions(
                model,
                job.landmarks.as_ref().clone(),
                &job.outcome,
                None,
                emotui::methods::regions::RegionMethod::Shapley,
                &job.cancel,
            );
            let more = app.on_message(Message::Regions {
                key: job.key.clone(),
                result: result.map(Arc::new),
            });
            run_jobs(app, model, more);
        }
        if let Command::Geometry(job) = &c {
            let more = app.on_message(Message::Geometry {
                path: job.path.clone(),
                result: fixture_geometry(&job.path),
            });
            run_jobs(app, model, more);
        }
        if let Command::Compare(job) = &c {
            let result = emotui::methods::compare(
                model,
                &job.outcome,
                &super::workers::COMPARED,
                &emotui::methods::MethodOptions::default(),
                &job.cancel,
                |_, _| {},
            );
            let more = app.on_message(Message::Compared {
                key: job.key.clone(),
                result: result.map(std::sync::Arc::new),
            });
            run_jobs(app, model, more);
        }
        if let Command::Explain(job) = c {
            let image = emotui::preprocess::load_image(&job.path).unwrap();
            let outcome = match &job.samples {
                Some(s) => explain::run_on(model, &image, s.clone(), &job.request, &job.cancel),
                None => explain::run(model, &image, &job.request, &job.cancel, |_| {}),
            };
            let more = app.on_message(Message::Explain {
                id: job.id,
                event: ExplainEvent::Done(outcome),
            });
            run_jobs(app, model, more);
        }
    }
}

/// The explorer over the bundled tree with predictions and the survey in.
fn explorer(model: &Mouth) -> App {
    // Relative, as a user types it: the snapshots do not depend on where
    // the repository is (tests run in the package's folder).
    let tree = FaceTree::scan(Path::new("data/test_crop")).unwrap();
    let mut app = App::new(&tree, "halfblocks".into(), None);
    app.model_ready(model.labels.clone(), "known-answer model · test".into());
    let faces: Vec<_> = tree.faces().cloned().collect();
    for (i, face) in faces.iter().enumerate() {
        let img = emotui::preprocess::load_image(&face.path).unwrap();
        let p = model.probabilities(&model.pre.tensor(&img));
        app.on_message(Message::Predicted {
            face: i,
            result: Ok(Prediction::from_probabilities(p)),
        });
    }
    app.on_message(Message::PredictProgress {
        done: faces.len(),
        total: faces.len(),
    });
    app.on_message(Message::SurveyLoaded(Ok(SurveyData::read(
        &root().join("data/csv/Respuestas_emociones.csv"),
    )
    .unwrap())));
    app
}

/// Draws `app` at w × h, making every picture it asks for, and returns the
/// screen as text.
fn screen(app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let mut images = Images::new(false);
    let picker = Picker::halfblocks();
    let decoded = Mutex::new(HashMap::new());
    for _ in 0..2 {
        t.draw(|f| {
            app.layout(f.area());
            app.draw(f, &mut images);
        })
        .unwrap();
        for req in std::mem::take(&mut images.requests) {
            match workers::encode(&picker, &decoded, &req) {
                Ok(p) => images.done(req.slot, req.key, req.size, p),
                Err(e) => images.failed(req.slot, req.key, e.to_string()),
            }
        }
    }
    t.backend().to_string()
}

/// From the first face down to obama.png, the JOY face whose mouth the
/// known-answer model reads; the commands the cursor's moves gave.
fn down_to_joy_face(app: &mut App) -> Vec<Command> {
    let commands = app.on_key(key(KeyCode::Char('j')));
    // The tree's faces in order: JOY's biden, obama, obama3, astronaut.
    assert_eq!(app.selected_face(), Some(1));
    commands
}

fn both_sizes(name: &str, app: &mut App) {
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(app, w, h));
    }
}

#[test]
fn browse_tab() {
    let model = Mouth::new();
    let mut app = explorer(&model);
    both_sizes("browse", &mut app);
}

#[test]
fn explain_tab() {
    let model = Mouth::new();
    let mut app = explorer(&model);
    // Down to the JOY face, then the explain tab, which asks for its job.
    down_to_joy_face(&mut app);
    let commands = app.on_key(key(KeyCode::Char('2')));
    assert!(matches!(commands.first(), Some(Command::Explain(_))));
    run_jobs(&mut app, &model, commands);
    both_sizes("explain", &mut app);
    // Contradicting superpixels too: a second panel per label.
    let commands = app.on_key(key(KeyCode::Char('v')));
    run_jobs(&mut app, &model, commands);
    both_sizes("explain_negatives", &mut app);
}

/// `m` shows KernelSHAP's panels on the same superpixels, with every
/// method's agreement beside them.
#[test]
fn explain_second_opinion() {
    let model = Mouth::new();
    let mut app = explorer(&model);
    down_to_joy_face(&mut app);
    let commands = app.on_key(key(KeyCode::Char('2')));
    run_jobs(&mut app, &model, commands);
    let commands = app.on_key(key(KeyCode::Char('m')));
    assert!(
        commands.iter().any(|c| matches!(c, Command::Compare(_))),
        "m asks for the other methods"
    );
    run_jobs(&mut app, &model, commands);
    let s = screen(&mut app, 160, 48);
    assert!(s.contains("kernelshap") && s.contains("Spearman"), "{s}");
    insta::assert_snapshot!("explain_kernelshap_160x48", s);
    // Occlusion, RISE, then every method's panels of the first label side
    // by side (the comparison is already in: no new job).
    for _ in 0..3 {
        let commands = app.on_key(key(KeyCode::Char('m')));
        assert!(commands.is_empty());
    }
    let s = screen(&mut app, 160, 48);
    assert!(
        s.contains("all methods") && s.contains("rise · happy"),
        "{s}"
    );
    insta::assert_snapshot!("explain_all_methods_160x48", s);
}

#[test]
fn survey_tab() {
    let model = Mouth::new();
    let mut app = explorer(&model);
    app.on_key(key(KeyCode::Char('3')));
    both_sizes("survey", &mut app);
}

#[test]
fn help_overlay() {
    let model = Mouth::new();
    let mut app = explorer(&model);
    app.on_key(key(KeyCode::Char('?')));
    both_sizes("help", &mut app);
}

#[test]
fn too_small() {
    let model = Mouth::new();
    let mut app = explorer(&model);
    insta::assert_snapshot!("too_small_39x11", screen(&mut app, 39, 11));
    insta::assert_snapshot!("too_small_20x5", screen(&mut app, 20, 5));
}

/// `L` in the browse tab draws the face's landmarks and regions; the line
/// under the face says where they came from.
#[test]
fn browse_landmarks() {
    let model = Mouth::new();
    let mut app = explorer(&model);
    let commands = down_to_joy_face(&mut app);
    run_jobs(&mut app, &model, commands);
    let commands = app.on_key(key(KeyCode::Char('L')));
    run_jobs(&mut app, &model, commands);
    let s = screen(&mut app, 160, 48);
    assert!(s.contains("face mesh: 468 landmarks · L hides them"), "{s}");
    insta::assert_snapshot!("browse_landmarks_160x48", s);
}

/// An image with several faces is flagged as a photo, and `c` asks to crop
/// it into `<tree>-cropped/<CLASS>`.
#[test]
fn browse_photo() {
    let model = Mouth::new();
    let mut app = explorer(&model);
    down_to_joy_face(&mut app);
    let path = PathBuf::from("data/test_crop/JOY/obama.png");
    let mut g = fixture_geometry(&path).unwrap();
    let one = g.photo.faces[0].clone();
    let small = |dx: f32| Detection {
        bbox: [dx, 0.0, dx + 60.0, 60.0],
        ..one.clone()
    };
    g.photo = emotui::geometry::crop::PhotoCheck::new(
        vec![small(0.0), small(100.0), small(200.0)],
        320,
        320,
    );
    app.on_message(Message::Geometry {
        path: path.clone(),
        result: Ok(g),
    });
    let s = screen(&mut app, 160, 48);
    assert!(s.contains("photo: 3 faces, press c to crop"), "{s}");
    insta::assert_snapshot!("browse_photo_160x48", s);
    let commands = app.on_key(key(KeyCode::Char('c')));
    let crop = commands.iter().find_map(|c| match c {
        Command::Crop(job) => Some(job.clone()),
        _ => None,
    });
    let crop = crop.expect("c asks for a crop");
    assert_eq!(crop.photo, path);
    assert_eq!(crop.out, PathBuf::from("data/test_crop-cropped/JOY"));
    // A photo is not explained whole: the explain tab says what to do.
    let commands = app.on_key(key(KeyCode::Char('2')));
    assert!(!commands.iter().any(|c| matches!(c, Command::Explain(_))));
    let s = screen(&mut app, 160, 48);
    assert!(s.contains("This is a photo with 3 faces"), "{s}");
}

/// With the face's landmarks in, the explain tab lists where each label's
/// weight falls, and `L` shows the regions in place of the superpixels.
#[test]
fn explain_regions() {
    let model = Mouth::new();
    let mut app = explorer(&model);
    down_to_joy_face(&mut app);
    let mut commands = app.on_key(key(KeyCode::Char('2')));
    commands.extend(app.on_key(key(KeyCode::Char('L'))));
    // The face's geometry was asked for when the cursor reached it.
    commands.extend(app.on_message(Message::Geometry {
        path: PathBuf::from("data/test_crop/JOY/obama.png"),
        result: fixture_geometry(Path::new("data/test_crop/JOY/obama.png")),
    }));
    run_jobs(&mut app, &model, commands);
    let s = screen(&mut app, 160, 48);
    assert!(
        s.contains("happy: regions") && s.contains("Facial regions"),
        "{s}"
    );
    insta::assert_snapshot!("explain_regions_160x48", s);
}

/// The explorer's export (key `e`) and `emotui explain --out` write the
/// same CSV and JSON, byte for byte, for the same face, parameters and
/// seed: both go through the library's engine and export module.
#[test]
fn explorer_export_equals_cli_out() {
    use clap::Parser;
    let dir = tempfile::tempdir().unwrap();
    let face = root().join("data/test_crop/JOY/obama.png");
    let model_path = root().join("models/emotion_fer_minixception.onnx");
    let cli_out = dir.path().join("cli");
    let cli = crate::cli::Cli::try_parse_from([
        "emotui".as_ref(),
        "--backend".as_ref(),
        "tract".as_ref(),
        "explain".as_ref(),
        face.as_os_str(),
        "--no-cache".as_ref(),
        "--out".as_ref(),
        cli_out.as_os_str(),
    ])
    .unwrap();
    assert!(crate::cli::run(cli.command.unwrap(), &cli.model).unwrap());

    let model = emotui::model::Model::load(
        &model_path,
        &emotui::model::LoadOptions {
            backend: emotui::model::BackendChoice::Tract,
            ..Default::default()
        },
    )
    .unwrap();
    let tree = FaceTree::scan(&root().join("data/test_crop")).unwrap();
    let mut app = App::new(&tree, "halfblocks".into(), None);
    app.model_ready(model.card().labels.clone(), "fer · tract".into());
    let joy = tree.faces().position(|f| f.path == face).unwrap();
    let img = emotui::preprocess::load_image(&face).unwrap();
    let p = emotui::predict::Prediction::from_probabilities(
        model
            .predict(&model.preprocessor().tensor(&img), 1)
            .unwrap(),
    );
    app.on_message(Message::Predicted {
        face: joy,
        result: Ok(p),
    });
    // Down to the face, then the explain tab.
    let mut commands = Vec::new();
    while app.selected_face() != Some(joy) {
        commands.extend(app.on_key(key(KeyCode::Char('j'))));
    }
    // Only the geometry of the face explained.
    commands.retain(|c| matches!(c, Command::Geometry(job) if job.path == face));
    commands.extend(app.on_key(key(KeyCode::Char('2'))));
    for c in commands {
        if let Command::Geometry(job) = &c {
            // The same landmarks as the CLI's: the bundled face models.
            let models = emotui::geometry::FaceModels::load(
                &root().join("models/face"),
                &emotui::model::LoadOptions {
                    backend: emotui::model::BackendChoice::Tract,
                    ..Default::default()
                },
            )
            .unwrap();
            let landmarks = models.landmarks(&img, 0).unwrap();
            app.on_message(Message::Geometry {
                path: job.path.clone(),
                result: Ok(FaceGeometry {
                    photo: landmarks.photo_check(),
                    landmarks: Arc::new(landmarks),
                }),
            });
        }
        if let Command::Explain(job) = c {
            let outcome = explain::run(&model, &img, &job.request, &AtomicBool::new(false), |_| {});
            let more = app.on_message(Message::Explain {
                id: job.id,
                event: ExplainEvent::Done(outcome),
            });
            // The region game, as its worker plays it.
            for c in more {
                if let Command::Regions(job) = c {
                    let result = emotui::methods::regions::face_regions(
                        &model,
                        job.landmarks.as_ref().clone(),
                        &job.outcome,
                        None,
                        emotui::methods::regions::RegionMethod::Shapley,
                        &job.cancel,
                    );
                    app.on_message(Message::Regions {
                        key: job.key,
                        result: result.map(Arc::new),
                    });
                }
            }
        }
    }
    // e, clear the proposed folder, type ours, Enter.
    let tui_out = dir.path().join("tui");
    app.on_key(key(KeyCode::Char('e')));
    for _ in 0..400 {
        app.on_key(key(KeyCode::Backspace));
    }
    for ch in tui_out.display().to_string().chars() {
        app.on_key(key(KeyCode::Char(ch)));
    }
    app.on_key(key(KeyCode::Enter));
    let read = |d: &Path, name: &str| std::fs::read(d.join(name)).unwrap();
    for name in [
        "obama_explanation.csv",
        "obama_explanation.json",
        "obama_regions.csv",
        "obama_region_values.png",
    ] {
        let (a, b) = (read(&cli_out, name), read(&tui_out, name));
        assert!(a == b, "{name} differs");
    }
    let csv = String::from_utf8(read(&cli_out, "obama_explanation.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.contains("weight_lower,weight_upper"), "{header}");
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert!(row.iter().filter(|v| !v.is_empty()).count() > 15, "{row:?}");
    // Every other file the CLI wrote, the explorer wrote too.
    let names = |d: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&cli_out), names(&tui_out));
}

/// The atlas of the bundled tree with the known-answer model, as the
/// atlas worker makes it: the faces' landmarks from MediaPipe's own
/// pipeline (the fixture, put in the cache first), so that nothing depends
/// on a backend's last digits.
fn atlas_view(model: &Mouth, job: &AtlasJob) -> Arc<AtlasView> {
    use emotui::cache::{self, Kind, Store};
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Store::open(&dir.path().join("c.sqlite")).unwrap();
    let face_models = emotui::geometry::LazyFaceModels::new(
        &root().join("models/face"),
        &emotui::model::LoadOptions::default(),
    )
    .unwrap();
    for face in &job.faces {
        let landmarks = fixture_geometry(&face.path).unwrap().landmarks;
        let hash = cache::digest(&std::fs::read(&face.path).unwrap());
        let json = serde_json::to_string(&*landmarks).unwrap();
        cache
            .put(Kind::Landmarks, face_models.key(), &[(hash, json)])
            .unwrap();
    }
    let request = emotui::atlas::AtlasRequest::default();
    let atlas = emotui::atlas::AtlasRun::new(model, "snapshot", &face_models, request)
        .unwrap()
        .store(Some(&mut cache))
        .run(&job.faces, &job.cancel, |_, _| {})
        .unwrap();
    Arc::new(AtlasView {
        id: job.id,
        overview: atlas.overview(),
        atlas,
    })
}

/// The atlas tab before a run, while it runs, and with the atlas in; `f`
/// and Enter open the selected cell's first face in the explain tab.
#[test]
fn atlas_tab() {
    let model = Mouth::new();
    let mut app = explorer(&model);
    app.on_key(key(KeyCode::Char('4')));
    insta::assert_snapshot!("atlas_idle_80x24", screen(&mut app, 80, 24));
    let job = app
        .on_key(key(KeyCode::Char('a')))
        .into_iter()
        .find_map(|c| match c {
            Command::Atlas(job) => Some(job),
            _ => None,
        })
        .expect("a starts the atlas");
    assert_eq!(job.faces.len(), 5);
    app.on_message(Message::Atlas {
        id: job.id,
        event: AtlasEvent::Progress { done: 0, total: 5 },
    });
    assert!(screen(&mut app, 80, 24).contains("atlas 0/5"));
    let view = atlas_view(&model, &job);
    app.on_message(Message::Atlas {
        id: job.id,
        event: AtlasEvent::Done(Ok(view.clone())),
    });
    both_sizes("atlas", &mut app);
    app.on_key(key(KeyCode::Char('f')));
    let commands = app.on_key(key(KeyCode::Enter));
    let face = app.selected_face().expect("a face is selected");
    assert!(
        view.atlas.faces[face].record.is_ok(),
        "the face opened is one of the atlas's"
    );
    assert!(
        commands.iter().any(|c| matches!(c, Command::Explain(_))),
        "Enter explains it"
    );
}

/// A second known-answer model: the first with happy and sad swapped, its
/// labels named as the practical's folders (matched through synonyms).
struct Flipped<'a> {
    mouth: &'a Mouth,
    labels: Vec<String>,
}

impl<'a> Flipped<'a> {
    fn new(mouth: &'a Mouth) -> Flipped<'a> {
        let labels = [
            "ANGER", "DISGUST", "FEAR", "JOY", "SADNESS", "SURPRISE", "NEUTRAL",
        ];
        Flipped {
            mouth,
            labels: labels.map(String::from).to_vec(),
        }
    }

    fn probabilities(&self, img: &[f32]) -> Vec<f32> {
        let mut p = self.mouth.probabilities(img);
        p.swap(3, 4);
        p
    }
}

impl Classifier for Flipped<'_> {
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn preprocessor(&self) -> &Preprocessor {
        &self.mouth.pre
    }
    fn predict(&self, batch: &[f32], n: usize) -> emotui::Result<Vec<f32>> {
        let per = self.mouth.pre.spec().len();
        Ok(batch
            .chunks(per)
            .take(n)
            .flat_map(|c| self.probabilities(c))
            .collect())
    }
}

#[test]
fn models_tab() {
    use super::workers::Which;
    let model = Mouth::new();
    let b = Flipped::new(&model);
    let mut app = explorer(&model);
    app.compare_models();
    // Model B's work arrives tagged with it, as its workers send it.
    let of_b = |m: Message| Message::Of(Which::B, Box::new(m));
    app.parked_ready(b.labels.clone(), "flipped known-answer model · test".into());
    let tree = FaceTree::scan(Path::new("data/test_crop")).unwrap();
    let faces: Vec<_> = tree.faces().cloned().collect();
    for (i, face) in faces.iter().enumerate() {
        let img = emotui::preprocess::load_image(&face.path).unwrap();
        let p = b.probabilities(&model.pre.tensor(&img));
        app.on_message(of_b(Message::Predicted {
            face: i,
            result: Ok(Prediction::from_probabilities(p)),
        }));
    }
    app.on_message(of_b(Message::PredictProgress {
        done: faces.len(),
        total: faces.len(),
    }));
    app.on_key(key(KeyCode::Char('5')));
    both_sizes("models", &mut app);
    // Enter explains the first face they part on with both models.
    let commands = app.on_key(key(KeyCode::Enter));
    let mut looked = 0;
    for c in commands {
        if let Command::Looks(path, cancel) = c {
            let image = emotui::preprocess::load_face(&path).unwrap();
            let geometry = fixture_geometry(&path).ok();
            let landmarks = geometry.as_ref().map(|g| g.landmarks.as_ref());
            let result = emotui::methods::looks::look_both(&model, &b, &image, landmarks, &cancel)
                .map(|looks| {
                    Arc::new(workers::Looks {
                        looks,
                        face: emotui::preprocess::to_planes(
                            &image,
                            emotui::model::card::Colour::Rgb,
                        ),
                        landmarks: landmarks.cloned(),
                    })
                });
            app.on_message(Message::Looks { path, result });
            looked += 1;
        }
    }
    assert_eq!(looked, 1);
    both_sizes("models_looks", &mut app);
    // M: the browse tab shows model B, with A's probabilities beside.
    app.on_key(key(KeyCode::Char('M')));
    app.on_key(key(KeyCode::Char('1')));
    both_sizes("browse_model_b", &mut app);
    // The survey tab: people, model A and model B side by side.
    app.on_key(key(KeyCode::Char('3')));
    both_sizes("survey_two_models", &mut app);
}
