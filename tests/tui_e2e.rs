//! The explorer driven like a person drives it, in a real terminal (tmux):
//! first face, move, explain, survey tab, quit, terminal restored.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

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
    t.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "160",
        "-y",
        "48",
        &cmd,
    ]);
    let long = Duration::from_secs(60);

    // The first face with its probabilities.
    t.wait_for("the first face", long, |s| {
        s.contains("feat_15-f13-anc.png") && s.contains("predicted:")
    });
    // Down past the DISGUST class line to its face.
    t.keys(&["j", "j"]);
    t.wait_for("the second face", long, |s| {
        s.contains("feat_45-m7-di.png ─") || s.contains("DISGUST/feat_45-m7-di.png")
    });
    // Explain it: panels with their captions.
    t.keys(&["2"]);
    // The finished explanation: panels with captions and the trust verdict.
    let s = t.wait_for("the explanation panels", long, |s| {
        s.contains("Probability:")
            && s.contains("Label: sad")
            && s.contains("insertion")
            && !s.contains("Refining")
    });
    assert!(s.contains("weights · "), "{s}");
    // The survey tab, with caret's numbers.
    t.keys(&["3"]);
    let s = t.wait_for("the survey statistics", long, |s| {
        // Both at once: a capture can fall between two lines being drawn.
        s.contains("Accuracy 0.5614") && s.contains("Kappa 0.4888")
    });
    assert!(s.contains("No Information Rate 0.15"), "{s}");
    // Quit: exit status 0 and the normal screen back.
    t.keys(&["q"]);
    let start = Instant::now();
    while !status.exists() {
        assert!(
            start.elapsed() < long,
            "emotui did not exit; screen:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(std::fs::read_to_string(&status).unwrap().trim(), "0");
    let alternate = t.run(&["display-message", "-p", "-t", "e2e", "#{alternate_on}"]);
    assert_eq!(alternate.trim(), "0", "still on the alternate screen");
    let s = t.screen();
    assert!(
        !s.contains("1 Browse"),
        "the explorer is still on screen:\n{s}"
    );
    let _ = std::fs::remove_file(&status);
}
