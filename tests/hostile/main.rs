//! The hostile-input corpus: bad or unusual images, trees, models, cards,
//! surveys and options, each run through the `emotui` binary as a user
//! would. Every case asserts its exit code, that stderr names the file or
//! flag at fault, that nothing panicked, and that it finished within its
//! time bound (the harness kills a case that runs past it, so a hang is a
//! failure, never a stuck test run).
//!
//! Small bad files are written at test time into a temporary folder (so
//! that no odd file names or pipes live in the repository); the misbehaving
//! models are in `tests/hostile/models/`, made by
//! `tools/make_hostile_models.py`. The explorer's part (random keys and
//! resizes in tmux) is in `tests/tui_e2e.rs`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

#[path = "../common/png.rs"]
mod png;
mod round3;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// How long a case may run before it counts as a hang. Generous: the test
/// machine may be busy with other tests; a hang is forever.
const BOUND: Duration = Duration::from_secs(90);
/// Bound for what must be refused from a file's first bytes.
const QUICK: Duration = Duration::from_secs(10);

/// One run of the binary and what it must do.
struct Case {
    name: &'static str,
    /// Arguments; `{d}` is the corpus folder, `{r}` the repository.
    args: Vec<String>,
    /// Expected exit code.
    code: i32,
    /// Each must appear in stderr.
    stderr: Vec<&'static str>,
    /// Each must appear in stdout.
    stdout: Vec<&'static str>,
    limit: Duration,
    /// Run `args[0]` as a bash script (`{bin}` is the binary): for pipes,
    /// redirections and closed descriptors.
    shell: bool,
}

/// A case from a space-separated command line (no argument holds a space;
/// one may hold a newline).
fn case(name: &'static str, command: &str, code: i32, stderr: &[&'static str]) -> Case {
    Case {
        name,
        args: command.split(' ').map(str::to_string).collect(),
        code,
        stderr: stderr.to_vec(),
        stdout: Vec::new(),
        limit: BOUND,
        shell: false,
    }
}

/// A case run by bash: `script` may pipe and redirect; `{bin}` is emotui.
fn shell(name: &'static str, script: &str, code: i32, stderr: &[&'static str]) -> Case {
    Case {
        args: vec![script.to_string()],
        shell: true,
        ..case(name, "", code, stderr)
    }
}

impl Case {
    fn stdout(mut self, wanted: &[&'static str]) -> Case {
        self.stdout = wanted.to_vec();
        self
    }

    fn within(mut self, limit: Duration) -> Case {
        self.limit = limit;
        self
    }

    /// Runs the case; `Err` says what went wrong.
    fn run(&self, corpus: &Path) -> Result<(), String> {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| {
                a.replace("{d}", corpus.to_str().unwrap())
                    .replace("{r}", root().to_str().unwrap())
            })
            .collect();
        let mut command = if self.shell {
            let mut c = Command::new("bash");
            c.arg("-c")
                .arg(args[0].replace("{bin}", env!("CARGO_BIN_EXE_emotui")));
            c
        } else {
            let mut c = Command::new(env!("CARGO_BIN_EXE_emotui"));
            c.args(&args);
            c
        };
        let mut child = command
            .current_dir(corpus)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start: {e}"))?;
        // Drain both pipes while waiting: a chatty child must not block.
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let out_reader = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = out.read_to_end(&mut s);
            s
        });
        let err_reader = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = err.read_to_end(&mut s);
            s
        });
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                break status;
            }
            if start.elapsed() > self.limit {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("still running after {:?}: killed", self.limit));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned();
        let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
        let mut problems = Vec::new();
        if status.code() != Some(self.code) {
            problems.push(format!("exit {:?}, expected {}", status.code(), self.code));
        }
        if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
            problems.push("panicked".into());
        }
        for want in &self.stderr {
            if !stderr.contains(want) {
                problems.push(format!("stderr lacks {want:?}"));
            }
        }
        for want in &self.stdout {
            if !stdout.contains(want) {
                problems.push(format!("stdout lacks {want:?}"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            let head: String = stdout.chars().take(600).collect();
            Err(format!(
                "{}\n  args: {args:?}\n  stderr: {stderr}\n  stdout: {head}",
                problems.join("; ")
            ))
        }
    }
}

/// Runs the cases on both cores and reports every failure at once.
fn run_all(cases: Vec<Case>) {
    let corpus = corpus();
    let names: std::collections::HashSet<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(c) = cases.get(i) else { break };
                    if let Err(e) = c.run(corpus) {
                        failures.lock().unwrap().push(format!("{}: {e}", c.name));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The corpus folder, written once per test run.
fn corpus() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        build(d.path());
        d
    })
    .path()
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

fn good_face() -> Vec<u8> {
    std::fs::read(root().join("data/test_crop/JOY/obama.png")).unwrap()
}

/// The good face re-encoded in another format.
fn encoded(format: image::ImageFormat) -> Vec<u8> {
    let img = image::load_from_memory(&good_face()).unwrap();
    let img = match format {
        // JPEG and GIF have no 16-bit or alpha variants to worry about.
        image::ImageFormat::Jpeg | image::ImageFormat::Gif | image::ImageFormat::Bmp => {
            image::DynamicImage::ImageRgb8(img.to_rgb8())
        }
        _ => img,
    };
    let mut v = std::io::Cursor::new(Vec::new());
    img.write_to(&mut v, format).unwrap();
    v.into_inner()
}

/// A noise image of w × h (gray), PNG.
fn noise_png(w: u32, h: u32) -> Vec<u8> {
    let mut x = 12345u32;
    let img = image::GrayImage::from_fn(w, h, |_, _| {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        image::Luma([(x >> 16) as u8])
    });
    let mut v = std::io::Cursor::new(Vec::new());
    img.write_to(&mut v, image::ImageFormat::Png).unwrap();
    v.into_inner()
}

fn build(d: &Path) {
    let good = good_face();
    // Face models that are not: the emotion model under their names.
    let emotion = std::fs::read(root().join("models/emotion_fer_minixception.onnx")).unwrap();
    for name in [
        "face_detection_short_range",
        "face_detection_full_range",
        "face_landmark",
    ] {
        write(&d.join(format!("facemodels/{name}.onnx")), &emotion);
    }
    let jpeg = encoded(image::ImageFormat::Jpeg);
    // Single images.
    write(&d.join("img/good.png"), &good);
    write(&d.join("img/zero.png"), b"");
    write(&d.join("img/text.png"), b"this is not a picture\n");
    write(
        &d.join("img/page.jpg"),
        b"<!DOCTYPE html><html><body>404</body></html>",
    );
    write(&d.join("img/half.png"), &good[..good.len() / 2]);
    write(&d.join("img/half.jpg"), &jpeg[..jpeg.len() / 2]);
    write(&d.join("img/good.jpg"), &jpeg);
    write(&d.join("img/signature_only.png"), &good[..8]);
    let mut bad_crc = good.clone();
    // The first chunk's CRC sits at bytes 29..33 (after the IHDR data).
    bad_crc[30] ^= 0xFF;
    write(&d.join("img/bad_crc.png"), bad_crc);
    let mut trailing = good.clone();
    trailing.extend(b"trailing bytes after IEND");
    write(&d.join("img/trailing.png"), trailing);
    write(&d.join("img/bomb.png"), png::header_only(20_000, 20_000));
    write(&d.join("img/wide_bomb.png"), png::header_only(100_000, 1));
    write(&d.join("img/header_only.png"), png::header_only(48, 48));
    write(&d.join("img/tiny.png"), noise_png(1, 1));
    write(&d.join("img/thin.png"), noise_png(1, 5000));
    write(&d.join("img/strip.png"), noise_png(7000, 10));
    write(&d.join("img/face.bmp"), encoded(image::ImageFormat::Bmp));
    write(&d.join("img/face.gif"), encoded(image::ImageFormat::Gif));
    write(&d.join("img/face.tiff"), encoded(image::ImageFormat::Tiff));
    write(&d.join("img/face.webp"), encoded(image::ImageFormat::WebP));
    write(&d.join("img/png_named.jpg"), &good);
    std::fs::create_dir_all(d.join("img/folder.png")).unwrap();
    mkfifo(&d.join("img/pipe.png"));
    std::os::unix::fs::symlink(d.join("img/nowhere.png"), d.join("img/dangling.png")).unwrap();
    std::os::unix::fs::symlink(d.join("img/good.png"), d.join("img/link.png")).unwrap();
    write(&d.join("img/new\nline.png"), &good);
    for (name, fixture) in [
        ("gray16.png", "gray16_face.png"),
        ("alpha.png", "colour_face_alpha.png"),
    ] {
        write(
            &d.join("img").join(name),
            std::fs::read(root().join("tests/fixtures").join(fixture)).unwrap(),
        );
    }

    // Trees.
    write(&d.join("tree/JOY/good.png"), &good);
    write(&d.join("tree/JOY/zero.png"), b"");
    write(&d.join("tree/JOY/half.jpg"), &jpeg[..jpeg.len() / 2]);
    write(
        &d.join("tree/FEAR/bomb.png"),
        png::header_only(20_000, 20_000),
    );
    write(
        &d.join("tree/FEAR/notes.txt"),
        b"not a face, not an image name",
    );
    mkfifo(&d.join("tree/FEAR/pipe.png"));
    std::os::unix::fs::symlink(d.join("nowhere.png"), d.join("tree/FEAR/dangling.png")).unwrap();
    // A link back up the tree: walking it must not loop.
    std::os::unix::fs::symlink(d.join("tree"), d.join("tree/FEAR/loop")).unwrap();
    write(&d.join("tree/SADNESS/new\nline.png"), &good);
    std::fs::create_dir_all(d.join("tree/EMPTY")).unwrap();
    std::fs::create_dir_all(d.join("empty")).unwrap();
    write(&d.join("flat/a.png"), &good);
    write(&d.join("flat/b.png"), &good);
    write(&d.join("nonimages/CLASS/readme.txt"), b"hello");
    write(&d.join("nonimages/CLASS/data.csv"), b"a,b\n");

    // Models and cards.
    let model = std::fs::read(root().join("models/emotion_fer_minixception.onnx")).unwrap();
    let card =
        std::fs::read_to_string(root().join("models/emotion_fer_minixception.toml")).unwrap();
    write(&d.join("models/text.onnx"), b"not a model");
    write(&d.join("models/text.toml"), &card);
    write(&d.join("models/half.onnx"), &model[..model.len() / 2]);
    write(&d.join("models/half.toml"), &card);
    write(&d.join("models/nocard.onnx"), &model);
    write(&d.join("models/badtoml.onnx"), &model);
    write(
        &d.join("models/badtoml.toml"),
        "labels = [\"a\", \n[input\n",
    );
    write(&d.join("models/three.onnx"), &model);
    write(
        &d.join("models/three.toml"),
        card.replace(
            r#"labels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]"#,
            r#"labels = ["a", "b", "c"]"#,
        ),
    );
    write(&d.join("models/zero.onnx"), b"");
    write(&d.join("models/zero.toml"), &card);
    write(&d.join("models/pipecard.onnx"), &model);
    mkfifo(&d.join("models/pipecard.toml"));
    std::fs::create_dir_all(d.join("models/dir.onnx")).unwrap();

    // Surveys.
    let s = |name: &str, text: &str| write(&d.join("survey").join(name), text);
    s(
        "good.csv",
        "actual,predicted\nJoy,Joy\nFear,Surprise\nAnger,Anger\n",
    );
    s("empty.csv", "");
    s("header.csv", "actual,predicted\n");
    s("fields.csv", "actual,predicted\nJoy,Joy\nJoy,Joy,Fear\n");
    s(
        "quote.csv",
        "actual,predicted\nJoy,Joy\n\"Fear,Joy\nJoy,Joy\n",
    );
    s("twice.csv", "actual,predicted,actual\nJoy,Joy,Fear\n");
    s("nocolumns.csv", "answer,guess\nJoy,Joy\n");
    s(
        "count.csv",
        "actual,predicted,count\nJoy,Joy,3\nFear,Joy,many\n",
    );
    s("negative.csv", "actual,predicted,count\nJoy,Joy,-2\n");
    s(
        "stray.csv",
        "actual,predicted\nJoy,Joy\nJoy,Contempt\nAwe,Joy\n",
    );
    s(
        "excel.csv",
        "\u{feff}actual;predicted\r\nJoy;Joy\r\nFear;Surprise\r\n",
    );
    s("blank_labels.csv", "actual,predicted\n,\n , \n");
    s(
        "newline_label.csv",
        "actual,predicted\nJoy,Joy\n\"Jo\ny\",Joy\n",
    );
    write(
        &d.join("survey/latin1.csv"),
        b"actual,predicted\nJoy,Sorpresa \xe9\n",
    );
    write(&d.join("survey/binary.csv"), b"PK\x03\x04\x00\x00binary");
    std::fs::create_dir_all(d.join("survey/folder.csv")).unwrap();
    mkfifo(&d.join("survey/pipe.csv"));
    let mut labels = String::from("actual,predicted\n");
    for i in 0..5000 {
        labels.push_str(&format!("L{i},L{}\n", (i * 7) % 5000));
    }
    s("labels5000.csv", &labels);
    // A million answers (27 MB): written here, never committed.
    let emotions = [
        "Anger", "Disgust", "Fear", "Joy", "Neutral", "Sadness", "Surprise",
    ];
    let mut big = String::with_capacity(28_000_000);
    big.push_str("image,actual,predicted\n");
    for i in 0..1_000_000usize {
        let a = emotions[i % 7];
        let p = emotions[(i * 31 / 7) % 7];
        big.push_str(&format!("face_{}.png,{a},{p}\n", i % 2000));
    }
    s("million.csv", &big);

    // --out folders that already hold what explain would write.
    write(&d.join("out_taken/good_explanation.csv"), b"precious");
    std::fs::create_dir_all(d.join("out_link")).unwrap();
    std::os::unix::fs::symlink(
        d.join("outside.csv"),
        d.join("out_link/good_explanation.csv"),
    )
    .unwrap();
    write(&d.join("out_file"), b"a file where a folder is expected");
    // Trees whose only fault is a link.
    write(&d.join("linked/JOY/good.png"), &good);
    std::os::unix::fs::symlink(d.join("nowhere.png"), d.join("linked/JOY/gone.png")).unwrap();
    write(&d.join("looped/JOY/good.png"), &good);
    write(&d.join("looped/FEAR/good.png"), &good);
    std::os::unix::fs::symlink(d.join("looped"), d.join("looped/JOY/again")).unwrap();
    round3::build(d);
}

const TRACT: &str = "--backend tract";

#[test]
fn images() {
    let p = |name, file: &str, code, stderr: &[&'static str]| {
        case(name, &format!("predict {TRACT} {file}"), code, stderr)
    };
    run_all(vec![
        p("good png", "img/good.png", 0, &[]).stdout(&["happy"]),
        p("zero bytes", "img/zero.png", 1, &["zero.png"]),
        p("text named .png", "img/text.png", 1, &["text.png"]),
        p("html named .jpg", "img/page.jpg", 1, &["page.jpg"]),
        p("png cut in half", "img/half.png", 1, &["half.png"]),
        p("jpeg cut in half", "img/half.jpg", 1, &["half.jpg"]),
        p(
            "png signature only",
            "img/signature_only.png",
            1,
            &["signature_only.png"],
        ),
        p("bad crc", "img/bad_crc.png", 1, &["bad_crc.png"]),
        p("bytes after IEND", "img/trailing.png", 0, &[]),
        p(
            "20000² bomb",
            "img/bomb.png",
            1,
            &["bomb.png", "20000×20000"],
        )
        .within(QUICK),
        p(
            "100000×1 bomb",
            "img/wide_bomb.png",
            1,
            &["wide_bomb.png", "8000"],
        )
        .within(QUICK),
        p(
            "header only",
            "img/header_only.png",
            1,
            &["header_only.png"],
        ),
        p("1×1", "img/tiny.png", 0, &[]),
        p("1×5000", "img/thin.png", 0, &[]),
        p("bmp", "img/face.bmp", 0, &[]).stdout(&["happy"]),
        p("gif", "img/face.gif", 0, &[]),
        p("tiff", "img/face.tiff", 0, &[]),
        p("webp", "img/face.webp", 0, &[]),
        p("png named .jpg", "img/png_named.jpg", 0, &[]).stdout(&["happy"]),
        p("16-bit gray", "img/gray16.png", 0, &[]),
        p("rgba", "img/alpha.png", 0, &[]),
        p("folder named .png", "img/folder.png", 2, &["folder.png"]),
        p(
            "named pipe",
            "img/pipe.png",
            1,
            &["pipe.png", "not a regular file"],
        )
        .within(QUICK),
        p("dangling link", "img/dangling.png", 2, &["dangling.png"]),
        p("link to a face", "img/link.png", 0, &[]).stdout(&["happy"]),
        p("missing file", "img/missing.png", 2, &["missing.png"]),
        p("newline in name", "img/new\nline.png", 0, &[]).stdout(&["new\\nline.png"]),
        case(
            "explain a 1×5000 strip",
            &format!("explain {TRACT} img/thin.png"),
            0,
            &[],
        ),
        case(
            "explain a 7000×10 strip",
            &format!("explain {TRACT} img/strip.png"),
            0,
            &[],
        ),
        case(
            "explain a corrupt face among good ones",
            &format!("explain {TRACT} --trust none img/good.png img/half.jpg"),
            1,
            &["half.jpg"],
        )
        .stdout(&["good.png"]),
    ]);
}

#[test]
fn trees() {
    run_all(vec![
        case(
            "tree with bad files",
            &format!("predict {TRACT} tree"),
            1,
            &[
                "zero.png",
                "half.jpg",
                "bomb.png",
                "pipe.png",
                "dangling.png",
            ],
        )
        .stdout(&["good.png", "new\\nline.png"]),
        case(
            "eval tree with bad files",
            &format!("eval {TRACT} tree"),
            1,
            &["pipe.png", "bomb.png"],
        )
        .stdout(&["Accuracy"]),
        case(
            "a dangling link in a tree",
            &format!("predict {TRACT} linked"),
            1,
            &["gone.png"],
        )
        .stdout(&["good.png"]),
        case(
            "a symlink loop in a tree",
            &format!("predict {TRACT} looped"),
            1,
            &["again"],
        )
        .stdout(&["good.png"]),
        case(
            "eval with a symlink loop",
            &format!("eval {TRACT} looped"),
            1,
            &["again"],
        )
        .stdout(&["Accuracy"]),
        case(
            "a good face and a missing one",
            &format!("predict {TRACT} img/good.png img/missing.png"),
            1,
            &["missing.png"],
        )
        .stdout(&["good.png"]),
        case(
            "empty folder",
            &format!("predict {TRACT} empty"),
            2,
            &["empty", "no face images"],
        ),
        case(
            "eval empty folder",
            &format!("eval {TRACT} empty"),
            2,
            &["empty"],
        ),
        case(
            "only non-images",
            &format!("predict {TRACT} nonimages"),
            2,
            &["readme.txt", "nonimages"],
        ),
        case(
            "missing folder",
            &format!("predict {TRACT} nowhere"),
            2,
            &["nowhere"],
        ),
        case(
            "eval flat folder",
            &format!("eval {TRACT} flat"),
            2,
            &["class folders"],
        ),
        case(
            "predict flat folder",
            &format!("predict {TRACT} flat"),
            0,
            &[],
        )
        .stdout(&["a.png", "b.png"]),
        case("explorer without a terminal", "tree", 2, &["terminal"]),
        case("explorer on a missing folder", "nowhere", 2, &["nowhere"]),
    ]);
}

/// Photos to crop and faces to find landmarks on: bad images, no faces,
/// wrong face models, a cache that is not one.
#[test]
fn faces_from_photos() {
    let crop = |name: &'static str, file: &str, code, stderr: &[&'static str]| {
        let out = name.replace(' ', "_");
        case(
            name,
            &format!("crop {TRACT} {file} --out {{d}}/crops/{out}"),
            code,
            stderr,
        )
    };
    let marks = |name, args: &str, code, stderr: &[&'static str]| {
        case(
            name,
            &format!("landmarks {TRACT} --no-cache {args}"),
            code,
            stderr,
        )
    };
    run_all(vec![
        crop("crop zero bytes", "img/zero.png", 1, &["zero.png", "empty"]),
        crop("crop text as png", "img/text.png", 1, &["text.png"]),
        crop(
            "crop header only",
            "img/header_only.png",
            1,
            &["header_only.png"],
        ),
        crop("crop a pipe", "img/pipe.png", 1, &["pipe.png"]).within(QUICK),
        crop("crop a 20000² bomb", "img/bomb.png", 1, &["bomb.png"]).within(QUICK),
        crop("crop 1x1", "img/tiny.png", 0, &["tiny.png: no face found"]),
        crop(
            "crop 1x5000",
            "img/thin.png",
            0,
            &["thin.png: no face found"],
        ),
        crop(
            "crop a missing photo",
            "img/missing.png",
            2,
            &["missing.png"],
        ),
        crop("crop an empty folder", "empty", 2, &["no photo"]),
        case(
            "crop into a file",
            &format!("crop {TRACT} img/good.png --out img/good.png/faces"),
            2,
            &["good.png", "not a folder"],
        ),
        marks("landmarks zero bytes", "img/zero.png", 1, &["zero.png"]),
        marks("landmarks 1x1", "img/tiny.png", 0, &[]).stdout(&["template"]),
        marks("landmarks 1x5000", "img/thin.png", 0, &[]),
        marks(
            "landmarks without face models",
            "--face-models {d}/nowhere img/good.png",
            2,
            &["nowhere", "face models"],
        ),
        marks(
            "landmarks with wrong face models",
            "--face-models {d}/facemodels img/good.png",
            2,
            &[
                "face_detection_short_range.onnx",
                "not the bundled face model",
            ],
        ),
        case(
            "landmarks with a cache that is not one",
            &format!("landmarks {TRACT} --cache {{d}}/img/text.png img/good.png"),
            2,
            &["text.png", "cache"],
        ),
        case(
            "atlas shard 0/3",
            &format!("atlas {TRACT} tree --shard 0/3"),
            2,
            &["--shard", "1 ≤ K ≤ N"],
        ),
        case(
            "atlas shard 4/3",
            &format!("atlas {TRACT} tree --shard 4/3"),
            2,
            &["--shard"],
        ),
        case(
            "atlas shard words",
            &format!("atlas {TRACT} tree --shard a/b"),
            2,
            &["--shard"],
        ),
        case(
            "atlas with a survey without the columns",
            &format!("atlas {TRACT} tree --survey survey/nocolumns.csv"),
            2,
            &["nocolumns.csv"],
        ),
        case(
            "atlas of an empty folder",
            &format!("atlas {TRACT} empty"),
            2,
            &["empty"],
        ),
        case(
            "explain with a cache that is not one",
            &format!("explain {TRACT} --trust none --cache {{d}}/img/text.png img/good.png"),
            0,
            &["no facial regions", "text.png"],
        ),
    ]);
}

#[test]
fn models_and_cards() {
    let m = |name, model: &str, code, stderr: &[&'static str]| {
        case(
            name,
            &format!("predict {TRACT} --model {model} img/good.png"),
            code,
            stderr,
        )
    };
    run_all(vec![
        m("missing model", "models/none.onnx", 2, &["none.onnx"]),
        m("text as model", "models/text.onnx", 2, &["text.onnx"]),
        m("model cut in half", "models/half.onnx", 2, &["half.onnx"]),
        m("empty model", "models/zero.onnx", 2, &["zero.onnx"]),
        m("folder as model", "models/dir.onnx", 2, &["dir.onnx"]),
        m("no card", "models/nocard.onnx", 2, &["nocard.toml"]),
        m("card not TOML", "models/badtoml.onnx", 2, &["badtoml.toml"]),
        m(
            "card with 3 labels",
            "models/three.onnx",
            2,
            &["three.toml", "7"],
        ),
        m(
            "card is a pipe",
            "models/pipecard.onnx",
            2,
            &["pipecard.toml"],
        )
        .within(QUICK),
        m(
            "NaN outputs",
            "{r}/tests/hostile/models/nan.onnx",
            2,
            &["nan.onnx", "NaN"],
        ),
        m(
            "infinite outputs",
            "{r}/tests/hostile/models/inf.onnx",
            2,
            &["inf.onnx", "inf"],
        ),
        m(
            "negative probabilities",
            "{r}/tests/hostile/models/negated.onnx",
            2,
            &["negated.toml", "not probabilities"],
        ),
        m(
            "logits under a probabilities card",
            "{r}/tests/hostile/models/logits_as_probabilities.onnx",
            2,
            &["logits_as_probabilities.toml", "not probabilities"],
        ),
        m(
            "fewer outputs than labels",
            "{r}/tests/hostile/models/five_outputs.onnx",
            2,
            &["five_outputs.toml", "5"],
        ),
        m(
            "another input size",
            "{r}/tests/hostile/models/input_32.onnx",
            2,
            &["input_32.toml", "32"],
        ),
        case(
            "missing onnx runtime library",
            "predict --backend ort --ort-lib /nowhere/libonnxruntime.so img/good.png",
            2,
            &["/nowhere/libonnxruntime.so"],
        ),
    ]);
}

#[test]
fn surveys() {
    let s = |name, file: &str, code, stderr: &[&'static str]| {
        case(name, &format!("survey survey/{file}"), code, stderr)
    };
    run_all(vec![
        s("good", "good.csv", 0, &[]).stdout(&["Accuracy"]),
        s("excel export", "excel.csv", 0, &[]).stdout(&["Accuracy"]),
        s("empty", "empty.csv", 2, &["empty.csv", "empty file"]),
        s(
            "header only",
            "header.csv",
            2,
            &["header.csv", "header only"],
        ),
        s("field count", "fields.csv", 2, &["fields.csv", "line 3"]),
        s(
            "unclosed quote",
            "quote.csv",
            2,
            &["quote.csv", "line 3", "never closes"],
        ),
        s(
            "two actual columns",
            "twice.csv",
            2,
            &["twice.csv", "columns 1, 3"],
        ),
        s(
            "no label columns",
            "nocolumns.csv",
            2,
            &["nocolumns.csv", "--actual"],
        ),
        s(
            "count not a number",
            "count.csv",
            2,
            &["count.csv", "line 3", "many"],
        ),
        s(
            "negative count",
            "negative.csv",
            2,
            &["negative.csv", "line 2"],
        ),
        s(
            "labels not emotions",
            "stray.csv",
            0,
            &["stray.csv", "line 3", "Contempt", "line 4", "Awe"],
        ),
        s(
            "only blank labels",
            "blank_labels.csv",
            2,
            &["blank_labels.csv"],
        ),
        s("latin-1", "latin1.csv", 2, &["latin1.csv", "UTF-8"]),
        s("binary", "binary.csv", 2, &["binary.csv"]),
        s("folder", "folder.csv", 2, &["folder.csv"]),
        s(
            "named pipe",
            "pipe.csv",
            2,
            &["pipe.csv", "not a regular file"],
        )
        .within(QUICK),
        s(
            "5000 labels",
            "labels5000.csv",
            2,
            &["labels5000.csv", "at most 200"],
        )
        .within(QUICK),
        s("a million answers", "million.csv", 0, &[])
            .stdout(&["Accuracy"])
            .within(QUICK),
        s("newline in a label", "newline_label.csv", 0, &[]).stdout(&["Jo\\ny"]),
        s("missing file", "none.csv", 2, &["none.csv"]),
        case(
            "survey --width 5",
            "survey survey/good.csv --width 5",
            2,
            &["--width"],
        ),
        case(
            "eval against a survey with an unclosed quote",
            &format!("eval {TRACT} {{r}}/data/test_crop --against survey/quote.csv"),
            2,
            &["quote.csv", "line 3"],
        ),
        case(
            "eval against labels the model lacks",
            &format!("eval {TRACT} {{r}}/data/test_crop --against survey/stray.csv"),
            0,
            &["stray.csv", "contempt", "model's labels"],
        ),
        case(
            "explorer with a survey that is a pipe",
            "{r}/data/test_crop --survey survey/pipe.csv",
            2,
            &["terminal"],
        ),
    ]);
}

#[test]
fn options() {
    let face = "img/good.png";
    let x = |name, flags: &str, stderr: &[&'static str]| {
        case(name, &format!("explain {TRACT} {face} {flags}"), 2, stderr)
    };
    run_all(vec![
        x("superpixels 0", "--superpixels 0", &["--superpixels"]),
        x(
            "superpixels 100000",
            "--superpixels 100000",
            &["--superpixels", "1000"],
        ),
        x("permutations 0", "--permutations 0", &["--permutations"]),
        x(
            "permutations 10^7",
            "--permutations 10000000",
            &["--permutations"],
        ),
        x("features 0", "--features 0", &["--features"]),
        x("labels 0", "--labels 0", &["--labels"]),
        x("replicates 0", "--replicates 0", &["--replicates"]),
        x("random orders 0", "--random-orders 0", &["--random-orders"]),
        x("weight -5", "--weight -5", &["--weight"]),
        x("weight inf", "--weight inf", &["--weight"]),
        x("p-remove NaN", "--p-remove NaN", &["--p-remove"]),
        x("p-remove 1.5", "--p-remove 1.5", &["--p-remove"]),
        x("threshold -1", "--threshold -1", &["--threshold"]),
        x("seed not a number", "--seed abc", &["--seed"]),
        x("threads 0", "--threads 0", &["--threads"]),
        x("unknown flag", "--frobnicate", &["--frobnicate"]),
        case(
            "label the model lacks",
            &format!("explain {TRACT} {face} --label contempt"),
            1,
            &["contempt"],
        ),
        case(
            "1000 superpixels, 200 permutations",
            &format!("explain {TRACT} {face} --superpixels 1000 --permutations 200"),
            0,
            &[],
        ),
        case(
            "out holds a file explain would write",
            &format!("explain {TRACT} {face} --out out_taken"),
            2,
            &["good_explanation.csv", "--force"],
        ),
        case(
            "out holds a dangling link",
            &format!("explain {TRACT} {face} --out out_link"),
            2,
            &["good_explanation.csv", "--force"],
        ),
        case(
            "out is a file",
            &format!("explain {TRACT} {face} --out out_file --trust none"),
            2,
            &["out_file", "not a folder"],
        ),
        case(
            "out under a file",
            &format!("explain {TRACT} {face} --out out_file/sub"),
            2,
            &["out_file", "not a folder"],
        )
        .within(QUICK),
        x("occlusion patch 0", "--patch 0", &["--patch"]),
        x(
            "occlusion patch wider than the model",
            "--method occlusion --patch 100",
            &["patch", "64"],
        ),
        x("RISE masks 0", "--rise-masks 0", &["--rise-masks"]),
        x(
            "KernelSHAP samples 0",
            "--shap-samples 0",
            &["--shap-samples"],
        ),
        x("unknown method", "--method gradcam", &["gradcam"]),
        case(
            "sanity on a model that is not ONNX",
            "sanity img/good.png --model models/text.onnx --backend tract",
            2,
            &["text.onnx"],
        ),
        case(
            "sanity on a missing face",
            "sanity img/none.png",
            2,
            &["none.png"],
        ),
        case("no subcommand argument", "predict", 2, &["PATHS"]),
        case("unknown subcommand", "frobnicate now", 2, &["'now'"]),
    ]);
    // Nothing was written through the link, and the file kept its bytes.
    let d = corpus();
    assert!(!d.join("outside.csv").exists());
    assert_eq!(
        std::fs::read(d.join("out_taken/good_explanation.csv")).unwrap(),
        b"precious"
    );
}
