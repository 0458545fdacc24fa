//! The explorer driven like a person drives it, in a real terminal (tmux):
//! first face, move, explain, survey tab, quit, terminal restored; and
//! driven like nobody should: random keys and resizes down to 20×5 over a
//! tree of corrupt files with a million-answer survey.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "common/png.rs"]
mod png;

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux must be installed (.ci/run installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// The screen with its colours (the half-block pictures among them),
    /// once two captures a second apart are the same.
    fn settled_colours(&self) -> String {
        let mut last = self.run(&["capture-pane", "-p", "-e", "-t", "e2e"]);
        for _ in 0..60 {
            std::thread::sleep(Duration::from_millis(1000));
            let now = self.run(&["capture-pane", "-p", "-e", "-t", "e2e"]);
            if now == last {
                return now;
            }
            last = now;
        }
        panic!("the screen never settled:\n{last}");
    }

    /// Starts `command` in a detached session of w × h.
    fn start(&self, command: &str, w: u16, h: u16) {
        let (w, h) = (w.to_string(), h.to_string());
        self.run(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &w,
            "-y",
            &h,
            command,
        ]);
    }

    /// Waits for the shell to write the explorer's exit status, then checks
    /// that it is 0 and that the terminal is back from the alternate screen.
    fn assert_quit_cleanly(&self, status: &std::path::Path, timeout: Duration) {
        let start = Instant::now();
        while !status.exists() {
            assert!(
                start.elapsed() < timeout,
                "emotui did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(std::fs::read_to_string(status).unwrap().trim(), "0");
        let alternate = self.run(&["display-message", "-p", "-t", "e2e", "#{alternate_on}"]);
        assert_eq!(alternate.trim(), "0", "still on the alternate screen");
        let s = self.screen();
        assert!(
            !s.contains("1 Browse"),
            "the explorer is still on screen:\n{s}"
        );
    }

    /// Polls the screen until `pred` holds, or fails with the last screen.
    fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.run(&args);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

#[test]
#[ignore = "needs tmux: apt-get install tmux"]
fn explore_explain_survey_and_quit() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = env!("CARGO_BIN_EXE_emotui");
    let status = std::env::temp_dir().join(format!("emotui-e2e-{}.status", std::process::id()));
    let _ = std::fs::remove_file(&status);
    let t = Tmux {
        socket: format!("emotui-e2e-{}", std::process::id()),
    };
    let cmd = format!(
        "cd {} && {bin} data/test_crop --protocol halfblocks; echo $? > {}; sleep 60",
        root.display(),
        status.display()
    );
    t.start(&cmd, 160, 48);
    let long = Duration::from_secs(60);

    // The first face with its probabilities.
    t.wait_for("the first face", long, |s| {
        s.contains("biden.png") && s.contains("predicted:")
    });
    // Down past the other JOY faces and the NEUTRAL class line to its face.
    t.keys(&["j", "j", "j", "j", "j"]);
    t.wait_for("the NEUTRAL face", long, |s| {
        s.contains("grace_hopper.png ─") || s.contains("NEUTRAL/grace_hopper.png")
    });
    // Explain it: panels with their captions.
    t.keys(&["2"]);
    // The finished explanation: panels with captions and the trust verdict.
    let s = t.wait_for("the explanation panels", long, |s| {
        s.contains("Probability:")
            && s.contains("Label: neutral")
            && s.contains("insertion")
            && !s.contains("Refining")
    });
    assert!(s.contains("weights · "), "{s}");
    // Nothing stale in half-blocks: the help, the export prompt and a
    // resize come and go, and the pictures and text are as they were.
    let panels = t.settled_colours();
    for (what, open, close) in [
        ("the help", "?", "Escape"),
        ("the export prompt", "e", "Escape"),
    ] {
        t.keys(&[open]);
        t.wait_for(what, long, |s| {
            s.contains("keys") && s.contains("Esc") || s.contains("export to folder")
        });
        t.keys(&[close]);
        same_screen(&panels, &t.settled_colours(), what);
    }
    t.run(&["resize-window", "-t", "e2e", "-x", "100", "-y", "30"]);
    assert_eq!(t.settled_colours().lines().count(), 30, "no resize");
    t.run(&["resize-window", "-t", "e2e", "-x", "160", "-y", "48"]);
    same_screen(&panels, &t.settled_colours(), "a resize and back");
    // The survey tab, with caret's numbers.
    t.keys(&["3"]);
    let s = t.wait_for("the survey statistics", long, |s| {
        // Both at once: a capture can fall between two lines being drawn.
        s.contains("Accuracy 0.5614") && s.contains("Kappa 0.4888")
    });
    assert!(s.contains("No Information Rate 0.15"), "{s}");
    // Quit: exit status 0 and the normal screen back.
    t.keys(&["q"]);
    t.assert_quit_cleanly(&status, long);
    let _ = std::fs::remove_file(&status);
}

/// Asserts that a screen is what it was before `what`, naming the first
/// line that differs.
/// Colours that end a line change nothing visible (tmux writes a reset
/// there when the last cells' colour differs, on blanks), so they are left
/// out.
fn same_screen(before: &str, after: &str, what: &str) {
    fn visible(line: &str) -> &str {
        let mut l = line.trim_end();
        while let Some(at) = l.rfind('\x1b') {
            let tail = &l[at..];
            if !(tail.starts_with("\x1b[") && tail.ends_with('m') && tail.len() <= 16) {
                break;
            }
            l = l[..at].trim_end();
        }
        l
    }
    for (i, (b, a)) in before.lines().zip(after.lines()).enumerate() {
        assert_eq!(visible(a), visible(b), "line {i} differs after {what}");
    }
    assert_eq!(
        before.lines().count(),
        after.lines().count(),
        "after {what}"
    );
}

/// Random keys and resizes (down to 20×5) over a tree of good and corrupt
/// faces with a million-answer survey: the explorer keeps drawing, never
/// dies, and `q` still exits 0 with the terminal restored.
#[test]
#[ignore = "needs tmux: apt-get install tmux"]
fn random_keys_and_resizes_on_a_hostile_tree() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = env!("CARGO_BIN_EXE_emotui");
    let d = tempfile::tempdir().unwrap();
    let tree = d.path().join("tree");
    for entry in std::fs::read_dir(root.join("data/test_crop")).unwrap() {
        let class = entry.unwrap().path();
        let to = tree.join(class.file_name().unwrap());
        std::fs::create_dir_all(&to).unwrap();
        for face in std::fs::read_dir(&class).unwrap() {
            let face = face.unwrap().path();
            std::fs::copy(&face, to.join(face.file_name().unwrap())).unwrap();
        }
    }
    let good = std::fs::read(root.join("data/test_crop/JOY/obama.png")).unwrap();
    let joy = tree.join("JOY");
    std::fs::write(joy.join("zero.png"), b"").unwrap();
    std::fs::write(joy.join("half.png"), &good[..good.len() / 2]).unwrap();
    std::fs::write(joy.join("text.png"), b"not a face").unwrap();
    std::fs::write(joy.join("new\nline.png"), &good).unwrap();
    std::fs::write(joy.join("bomb.png"), png::header_only(20_000, 20_000)).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(joy.join("pipe.png"))
            .status()
            .unwrap()
            .success()
    );
    let mut survey = String::from("actual,predicted\n");
    let labels = ["Joy", "Fear", "Surprise", "Neutral", "Contempt", "Jo\ny"];
    for i in 0..1_000_000usize {
        let (a, p) = (labels[i % 4], labels[(i * 7 / 3) % labels.len()]);
        let p = if p.contains('\n') { "\"Jo\ny\"" } else { p };
        survey.push_str(&format!("{a},{p}\n"));
    }
    let survey_path = d.path().join("big.csv");
    std::fs::write(&survey_path, survey).unwrap();

    let status = d.path().join("status");
    let t = Tmux {
        socket: format!("emotui-hostile-{}", std::process::id()),
    };
    let cmd = format!(
        "cd {} && {bin} tree --survey big.csv --protocol halfblocks; echo $? > {}; sleep 120",
        d.path().display(),
        status.display()
    );
    t.start(&cmd, 100, 30);
    let long = Duration::from_secs(60);
    t.wait_for("the first frame", long, |s| s.contains("1 Browse"));

    // Every key the explorer knows, and some it does not; never q or Ctrl-C.
    let keys = [
        "j", "k", "h", "l", "g", "G", "n", "N", "Tab", "BTab", "1", "2", "3", "Enter", "Escape",
        "Up", "Down", "Left", "Right", "PageUp", "PageDown", "Home", "End", "?", "c", "x", "e",
        "/", "m", "+", "-", "s", "t", "u", "L", "a", "z", "Space", "BSpace", "F1", "0", "9",
    ];
    let sizes = [
        (100, 30),
        (20, 5),
        (40, 12),
        (160, 48),
        (21, 6),
        (80, 24),
        (30, 5),
        (60, 20),
    ];
    // A fixed-seed generator: the same run every time.
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    for round in 0..40 {
        let batch: Vec<&str> = (0..12).map(|_| keys[next(keys.len())]).collect();
        t.keys(&batch);
        if round % 3 == 0 {
            let (w, h) = sizes[next(sizes.len())];
            t.run(&[
                "resize-window",
                "-t",
                "e2e",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
            ]);
        }
        std::thread::sleep(Duration::from_millis(150));
        assert!(
            !status.exists(),
            "the explorer exited during random input (round {round}, status {:?}); screen:\n{}",
            std::fs::read_to_string(&status),
            t.screen()
        );
    }
    // Back to a usable size; the survey tab has read the million answers.
    t.run(&["resize-window", "-t", "e2e", "-x", "160", "-y", "48"]);
    t.keys(&["Escape", "Escape", "Escape", "3"]);
    t.wait_for("the survey tab", long, |s| {
        s.contains("1000000") || s.contains("1,000,000")
    });
    t.keys(&["Escape", "q"]);
    t.assert_quit_cleanly(&status, long);
}

/// Reads `path` once a shell has written it (an exit status, a pid).
fn wait_file(t: &Tmux, path: &std::path::Path, timeout: Duration) -> String {
    let start = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(path)
            && s.ends_with('\n')
        {
            return s.trim().to_string();
        }
        assert!(
            start.elapsed() < timeout,
            "{} never written; screen:\n{}",
            path.display(),
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A signal from outside (a batch system's time limit, `kill` from another
/// shell) ends the explorer with the terminal restored: normal screen,
/// mouse reporting off, exit status 128 + the signal.
#[test]
#[ignore = "needs tmux: apt-get install tmux"]
fn signals_restore_the_terminal() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = env!("CARGO_BIN_EXE_emotui");
    let dir = tempfile::tempdir().unwrap();
    let long = Duration::from_secs(60);
    for (signal, code) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let (pid, status) = (
            dir.path().join(signal),
            dir.path().join(format!("{signal}.status")),
        );
        let t = Tmux {
            socket: format!("emotui-e2e-{}-{signal}", std::process::id()),
        };
        t.start(
            &format!(
                "cd {} && sh -c 'echo $$ > {}; exec {bin} data/test_crop --protocol halfblocks'; \
                 echo $? > {}; sleep 60",
                root.display(),
                pid.display(),
                status.display()
            ),
            120,
            40,
        );
        t.wait_for("the first face", long, |s| s.contains("predicted:"));
        let pid = wait_file(&t, &pid, long);
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        assert_eq!(
            wait_file(&t, &status, long),
            code.to_string(),
            "SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(200));
        let modes = t.run(&[
            "display-message",
            "-p",
            "-t",
            "e2e",
            "#{alternate_on} #{mouse_any_flag}",
        ]);
        assert_eq!(modes.trim(), "0 0", "SIG{signal}: alternate screen, mouse");
    }
}

/// TERM=dumb is refused with a message; under NO_COLOR the text has no
/// colour and the half-block face keeps its own; Esc right after a large
/// paste acts at once.
#[test]
#[ignore = "needs tmux: apt-get install tmux"]
fn dumb_terminals_no_color_and_pastes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = env!("CARGO_BIN_EXE_emotui");
    let dir = tempfile::tempdir().unwrap();
    let long = Duration::from_secs(60);
    let status = dir.path().join("dumb.status");
    let t = Tmux {
        socket: format!("emotui-e2e-{}-dumb", std::process::id()),
    };
    t.start(
        &format!(
            "cd {} && TERM=dumb {bin} data/test_crop; echo $? > {}; sleep 60",
            root.display(),
            status.display()
        ),
        120,
        40,
    );
    assert_eq!(wait_file(&t, &status, long), "2");
    assert!(t.screen().contains("TERM=dumb"), "{}", t.screen());
    drop(t);

    let status = dir.path().join("nocolor.status");
    let t = Tmux {
        socket: format!("emotui-e2e-{}-nocolor", std::process::id()),
    };
    t.start(
        &format!(
            "cd {} && NO_COLOR=1 {bin} data/test_crop --protocol halfblocks; echo $? > {}; sleep 60",
            root.display(),
            status.display()
        ),
        120,
        40,
    );
    t.wait_for("the first face", long, |s| s.contains("predicted:"));
    // SGR colours: 30–37, 90–97 (foreground), 40–47, 100–107, and 38;/48;
    // palette or RGB.
    let sgr_colour = |l: &str| {
        l.split("\x1b[").skip(1).any(|seq| {
            let params = seq.split('m').next().unwrap_or("");
            params.split(';').any(|p| {
                matches!(
                    p.parse::<u32>(),
                    Ok(30..=37 | 40..=47 | 90..=97 | 100..=107 | 38 | 48)
                )
            })
        })
    };
    // The picture is encoded in the background and may follow the text
    // by a moment on a busy machine: wait for it, then look at both.
    let face_drawn = |c: &str| c.lines().any(|l| l.contains('▀') && sgr_colour(l));
    let start = Instant::now();
    let mut coloured = t.run(&["capture-pane", "-p", "-e", "-t", "e2e"]);
    while !face_drawn(&coloured) && start.elapsed() < long {
        std::thread::sleep(Duration::from_millis(200));
        coloured = t.run(&["capture-pane", "-p", "-e", "-t", "e2e"]);
    }
    let text_line = coloured.lines().find(|l| l.contains("predicted:")).unwrap();
    assert!(
        !sgr_colour(text_line),
        "coloured text under NO_COLOR: {text_line:?}"
    );
    assert!(
        face_drawn(&coloured),
        "the face lost its colours under NO_COLOR"
    );

    // The help, a paste of 20,000 characters, one Esc: the help is gone.
    t.keys(&["?"]);
    t.wait_for("the help", long, |s| s.contains("filter faces by name"));
    let paste = dir.path().join("paste.txt");
    std::fs::write(&paste, "x".repeat(20_000)).unwrap();
    t.run(&["load-buffer", paste.to_str().unwrap()]);
    t.run(&["paste-buffer", "-p", "-t", "e2e"]);
    t.keys(&["Escape"]);
    t.wait_for("the help to close", Duration::from_secs(5), |s| {
        !s.contains("filter faces by name")
    });
    t.keys(&["q"]);
    t.assert_quit_cleanly(&status, long);
}

/// Two models in the real explorer: the models tab's paired report and the
/// one face they part on, both looks at it, `M` to browse and explain
/// model B (its own prediction and explanation), and back.
#[test]
#[ignore = "needs tmux: apt-get install tmux"]
fn two_models_in_the_explorer() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = env!("CARGO_BIN_EXE_emotui");
    let status = std::env::temp_dir().join(format!("emotui-pair-{}.status", std::process::id()));
    let _ = std::fs::remove_file(&status);
    let t = Tmux {
        socket: format!("emotui-pair-{}", std::process::id()),
    };
    let cmd = format!(
        "cd {} && {bin} data/test_crop --protocol halfblocks --theme dark --backend tract \
         --compare-model models/extra/emotion_oarriaga_big_xception.onnx; echo $? > {}; sleep 60",
        root.display(),
        status.display()
    );
    t.start(&cmd, 160, 48);
    let long = Duration::from_secs(60);
    t.wait_for("the first face", long, |s| s.contains("predicted:"));
    t.keys(&["5"]);
    let s = t.wait_for("the paired report", long, |s| {
        s.contains("Faces they label differently: 2") && s.contains("Kappa between their labels")
    });
    assert!(s.contains("A Sadness 0.52  B Neutral 0.48"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("both looks", long, |s| {
        s.matches("regions (Shapley)").count() == 2 && s.contains("B: Neutral")
    });
    // Model B in the browse and explain tabs.
    t.keys(&["M", "1"]);
    t.wait_for("model B's prediction", long, |s| {
        s.contains(" B: oarriaga big XCEPTION") && s.contains("model A (M shows it): sad")
    });
    t.keys(&["2"]);
    t.wait_for("model B's explanation", long, |s| {
        s.contains("Label: neutral") && !s.contains("Refining")
    });
    // And back to A, whose explanation is its own.
    t.keys(&["M"]);
    t.wait_for("model A's explanation", long, |s| {
        s.contains(" A: fer mini-XCEPTION") && s.contains("Label: sad")
    });
    t.keys(&["q"]);
    t.assert_quit_cleanly(&status, long);
    let _ = std::fs::remove_file(&status);
}
