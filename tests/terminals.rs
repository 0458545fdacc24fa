//! The explorer in a real terminal emulator on a virtual X display, looked
//! at in pixels: xterm as a VT340 with its default settings (no font-size
//! answer) is found to draw sixel and the face is drawn pixel by pixel;
//! after the help overlay is closed the screen is what it was before (no
//! help text left over the picture); Ctrl-L repaints the same screen; a
//! tab switch, the export prompt and a resize leave nothing stale; through
//! tmux the face is sixel too and comes back after a window switch; mlterm
//! draws sixel; Debian's kitty gets half-blocks, not empty boxes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The terminals' size in cells.
const COLUMNS: u32 = 120;
const ROWS: u32 = 40;

/// A virtual display with one xterm running a command; both stopped on
/// drop.
struct Screen {
    display: String,
    xvfb: Child,
    terminal: Child,
    /// The terminal's X window class, to find its window.
    class: &'static str,
    dir: tempfile::TempDir,
}

impl Screen {
    /// `command` in an xterm as a VT340 with `colours` (its own options).
    fn xterm(command: &str, colours: &[&str], which: u32) -> Screen {
        let geometry = format!("{COLUMNS}x{ROWS}+0+0");
        let mut options: Vec<&str> = colours.to_vec();
        options.extend([
            "-ti",
            "vt340",
            "-geometry",
            &geometry,
            "-fa",
            "DejaVu Sans Mono",
            "-fs",
            "10",
        ]);
        Screen::start("xterm", &options, command, which)
    }

    /// `command` in mlterm, 120×40 cells.
    fn mlterm(command: &str, which: u32) -> Screen {
        let geometry = format!("{COLUMNS}x{ROWS}+0+0");
        Screen::start("mlterm", &["--geometry", &geometry], command, which)
    }

    /// `command` in kitty, 120×40 cells.
    fn kitty(command: &str, which: u32) -> Screen {
        let options = [
            "-o",
            "font_size=10",
            "-o",
            "remember_window_size=no",
            "-o",
            "initial_window_width=120c",
            "-o",
            "initial_window_height=40c",
        ];
        Screen::start("kitty", &options, command, which)
    }

    /// `terminal` with its `options` running `command` under `script`, which
    /// records what the command sends ([`Screen::sent`]), on display `:90 +
    /// 6·(pid mod 3) + which` of our own (`which` one per test, below 6):
    /// tests run side by side.
    fn start(terminal: &'static str, options: &[&str], command: &str, which: u32) -> Screen {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("sent");
        let display = format!(":{}", 90 + 6 * (std::process::id() % 3) + which);
        let xvfb = Command::new("Xvfb")
            .args([display.as_str(), "-screen", "0", "1200x800x24"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb must be installed (apt-get install xvfb)");
        std::thread::sleep(Duration::from_millis(800));
        let child = Command::new(terminal)
            .env("DISPLAY", &display)
            .args(options)
            .args(["-e", "script", "-q", "-f", "-c", command])
            .arg(&log)
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{terminal} must be installed (apt-get install {terminal}): {e}")
            });
        Screen {
            display,
            xvfb,
            terminal: child,
            class: terminal,
            dir,
        }
    }

    /// What the command has sent to the terminal so far.
    fn sent(&self) -> Vec<u8> {
        std::fs::read(self.dir.path().join("sent")).unwrap_or_default()
    }

    /// Asserts that the pictures sent so far are all `protocol`'s ("sixel",
    /// "kitty", "iterm2"; "halfblocks": none at all).
    fn assert_sent(&self, protocol: &str) {
        let p = pictures(&self.sent());
        let only = |n: usize| n > 0 && p.sixel + p.kitty + p.iterm2 == n;
        let ok = match protocol {
            "sixel" => only(p.sixel),
            "kitty" => only(p.kitty),
            "iterm2" => only(p.iterm2),
            _ => p == Pictures::default(),
        };
        assert!(ok, "expected {protocol} pictures, the program sent {p:?}");
    }

    fn shot(&self, name: &str) -> image::RgbImage {
        let path = self.dir.path().join(format!("{name}.png"));
        let ok = Command::new("import")
            .env("DISPLAY", &self.display)
            .args(["-window", "root"])
            .arg(&path)
            .status()
            .expect("ImageMagick's import must be installed")
            .success();
        assert!(ok, "import failed");
        image::open(&path).unwrap().to_rgb8()
    }

    /// The screen once two shots a second apart are the same.
    fn settled(&self, name: &str) -> image::RgbImage {
        self.settled_for(name, Duration::from_millis(1000))
    }

    /// The screen once two shots `quiet` apart are the same (longer for
    /// work with pauses in it, like an explanation and its region game).
    fn settled_for(&self, name: &str, quiet: Duration) -> image::RgbImage {
        let start = Instant::now();
        let mut last = self.shot(name);
        loop {
            std::thread::sleep(quiet);
            let now = self.shot(name);
            if now == last {
                return now;
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "the screen never settled (kept: {})",
                self.keep(name)
            );
            last = now;
        }
    }

    /// xdotool on the terminal's window: `action` and its arguments after
    /// `search --class <terminal>`.
    fn xdotool(&self, action: &[&str]) {
        let ok = Command::new("xdotool")
            .env("DISPLAY", &self.display)
            .args(["search", "--sync", "--class", self.class])
            .args(action)
            .status()
            .expect("xdotool must be installed")
            .success();
        assert!(ok, "xdotool {action:?} failed");
    }

    /// Resizes the terminal's window to `columns`×`rows` cells.
    fn resize(&self, columns: u32, rows: u32) {
        let (c, r) = (columns.to_string(), rows.to_string());
        self.xdotool(&["windowsize", "--usehints", &c, &r]);
        std::thread::sleep(Duration::from_millis(500));
    }

    /// The screen, settled, once the face (browse pane, right of the tree)
    /// is a picture: the whole box is ink where text would leave it mostly
    /// white.
    fn with_face(&self) -> image::RgbImage {
        let face = |img: &image::RgbImage| {
            let (w, h) = (img.width(), img.height());
            filled(img, w * 35 / 100, h / 10, w / 4, h / 3)
        };
        let start = Instant::now();
        while face(&self.shot("start")) < 0.9 {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no picture of the face after a minute (the last screen: {})",
                self.keep("start")
            );
            std::thread::sleep(Duration::from_millis(500));
        }
        self.settled("before")
    }

    /// Asserts that the face in `shot` (the browse pane) is drawn pixel by
    /// pixel: with a graphics protocol, not in cells.
    fn assert_face_in_pixels(&self, shot: &image::RgbImage, what: &str) {
        let (w, h) = (shot.width(), shot.height());
        let fine = detail(shot, w * 35 / 100, h / 10, w / 4, h / 3);
        assert!(
            fine > 0.25,
            "{what}: the face is drawn in cells ({fine:.2} of neighbours differ), not as a picture (kept: {})",
            self.keep("before")
        );
    }

    /// The settled screen, asserted to be `before` again after `what`: a
    /// few pixels may differ where the text cursor is drawn; text left over
    /// a picture, or a picture missing, is thousands.
    fn assert_back_to(&self, before: &image::RgbImage, name: &str, what: &str) -> image::RgbImage {
        let now = self.settled(name);
        let changed = pixels_differing(before, &now);
        assert!(
            changed < CURSOR_PIXELS,
            "{changed} pixels differ after {what} (kept: {})",
            self.keep(name)
        );
        now
    }

    /// Keeps a shot where it outlives the test, for the failure message.
    fn keep(&self, name: &str) -> String {
        let kept = std::env::temp_dir().join(format!("emotui-terminals-{name}.png"));
        let _ = std::fs::copy(self.dir.path().join(format!("{name}.png")), &kept);
        kept.display().to_string()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            // Focused and typed through XTEST: xterm ignores keys sent to
            // it as synthetic events.
            self.xdotool(&["windowfocus", "--sync", "key", k]);
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.terminal.kill();
        let _ = self.terminal.wait();
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// The pictures in what was sent, by protocol: sixel (`ESC P … q`), kitty
/// image commands other than the capability query (`ESC _ G` without
/// `a=q`), iTerm2 files (`ESC ] 1337 ; File=`).
#[derive(Debug, Default, PartialEq)]
struct Pictures {
    sixel: usize,
    kitty: usize,
    iterm2: usize,
}

fn pictures(sent: &[u8]) -> Pictures {
    let starts = |pattern: &[u8]| -> Vec<usize> {
        sent.windows(pattern.len())
            .enumerate()
            .filter(|(_, w)| *w == pattern)
            .map(|(i, _)| i)
            .collect()
    };
    let sixel = starts(b"\x1bP")
        .into_iter()
        .filter(|&i| {
            let params = sent[i + 2..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b';')
                .count();
            sent.get(i + 2 + params) == Some(&b'q')
        })
        .count();
    let kitty = starts(b"\x1b_G")
        .into_iter()
        .filter(|&i| {
            let end = sent[i..]
                .windows(2)
                .position(|w| w == b"\x1b\\")
                .unwrap_or(0);
            !sent[i..i + end].windows(3).any(|w| w == b"a=q")
        })
        .count();
    Pictures {
        sixel,
        kitty,
        iterm2: starts(b"\x1b]1337;File=").len(),
    }
}

/// A tmux server of our own (`tmux -L name`), stopped on drop.
struct TmuxServer(String);

impl Drop for TmuxServer {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.0, "kill-server"])
            .status();
    }
}

/// The share of a box's pixels that are not the terminal's background (the
/// colour of the empty tree pane, under the list): a picture of a face
/// fills its box, text or empty glyph boxes leave most of it background.
fn filled(img: &image::RgbImage, x0: u32, y0: u32, w: u32, h: u32) -> f64 {
    let background = *img.get_pixel(img.width() / 20, img.height() * 6 / 10);
    let (mut n, mut inked) = (0usize, 0usize);
    for y in y0..(y0 + h).min(img.height()) {
        for x in x0..(x0 + w).min(img.width()) {
            n += 1;
            inked += usize::from(*img.get_pixel(x, y) != background);
        }
    }
    inked as f64 / n.max(1) as f64
}

/// The share of horizontally adjacent pixels in a box that differ: a
/// picture drawn pixel by pixel (sixel) changes at most pixels (0.39 on
/// the first face), one drawn in cells (half-blocks) only at each cell's
/// edge (0.08).
fn detail(img: &image::RgbImage, x0: u32, y0: u32, w: u32, h: u32) -> f64 {
    let (mut n, mut changes) = (0usize, 0usize);
    for y in y0..(y0 + h).min(img.height()) {
        for x in x0..(x0 + w).min(img.width()).saturating_sub(1) {
            n += 1;
            changes += usize::from(img.get_pixel(x, y) != img.get_pixel(x + 1, y));
        }
    }
    changes as f64 / n.max(1) as f64
}

/// Pixels a text cursor may change.
const CURSOR_PIXELS: usize = 200;

fn pixels_differing(a: &image::RgbImage, b: &image::RgbImage) -> usize {
    a.pixels().zip(b.pixels()).filter(|(p, q)| p != q).count()
}

#[test]
#[ignore = "needs Xvfb, xterm, xdotool and ImageMagick: apt-get install xvfb xterm xdotool imagemagick"]
fn sixel_in_xterm_survives_the_help_overlay() {
    let bin = Path::new(env!("CARGO_BIN_EXE_emotui"));
    let command = format!("{} data/test_crop --backend tract", bin.display());
    let screen = Screen::xterm(&command, &[], 0);
    let before = screen.with_face();
    // Found without being told (no --protocol): sixel, not half-blocks.
    screen.assert_face_in_pixels(&before, "xterm");
    screen.assert_sent("sixel");
    screen.keys(&["question"]);
    let help = screen.settled("help");
    assert!(
        pixels_differing(&before, &help) > 1000,
        "the help did not show"
    );
    screen.keys(&["Escape"]);
    screen.assert_back_to(&before, "after", "closing the help");
    screen.keys(&["ctrl+l"]);
    screen.assert_back_to(&before, "repainted", "Ctrl-L");
}

/// The explain tab's panels, the export prompt and a resize leave the
/// screen as it was: sixel pictures re-sent wherever text covered them.
#[test]
#[ignore = "needs Xvfb, xterm, xdotool and ImageMagick: apt-get install xvfb xterm xdotool imagemagick"]
fn sixel_in_xterm_leaves_nothing_stale() {
    let bin = Path::new(env!("CARGO_BIN_EXE_emotui"));
    let command = format!("{} data/test_crop --backend tract", bin.display());
    let screen = Screen::xterm(&command, &[], 3);
    let browse = screen.with_face();
    // The explain tab (its explanation and panels), then back.
    screen.keys(&["2"]);
    let explain = screen.settled_for("explain", Duration::from_secs(3));
    assert!(
        pixels_differing(&browse, &explain) > 10_000,
        "no explain tab"
    );
    screen.keys(&["1"]);
    screen.assert_back_to(&browse, "back", "the explain tab and back");
    // The export prompt opened and cancelled over the panels.
    screen.keys(&["2"]);
    let panels = screen.settled("panels");
    screen.keys(&["e"]);
    let prompt = screen.settled("prompt");
    assert!(pixels_differing(&panels, &prompt) > 100, "no export prompt");
    screen.keys(&["Escape"]);
    screen.assert_back_to(&panels, "after-prompt", "the export prompt");
    // Smaller, then the same size again: the panels are drawn anew.
    screen.resize(80, 24);
    let small = screen.settled("small");
    assert!(pixels_differing(&panels, &small) > 10_000, "no resize");
    screen.resize(COLUMNS, ROWS);
    screen.assert_back_to(&panels, "resized", "a resize and back");
}

/// Through tmux (sixel passed through to xterm): the face is found to be
/// sixel without being told, and after another tmux window was shown it
/// is drawn again on the focus event (tmux's `focus-events on`).
#[test]
#[ignore = "needs Xvfb, xterm, tmux, xdotool and ImageMagick: apt-get install xvfb xterm tmux xdotool imagemagick"]
fn sixel_through_tmux_comes_back_after_a_window_switch() {
    let bin = Path::new(env!("CARGO_BIN_EXE_emotui"));
    let conf = tempfile::NamedTempFile::new().unwrap();
    // No status line: it lists the windows, which the switch changes.
    std::fs::write(conf.path(), "set -g focus-events on\nset -g status off\n").unwrap();
    let socket = format!("emotui-terminals-{}", std::process::id());
    let command = format!(
        "tmux -L {socket} -f {} new-session '{} data/test_crop --backend tract'",
        conf.path().display(),
        bin.display()
    );
    let _server = TmuxServer(socket);
    let screen = Screen::xterm(&command, &[], 4);
    let before = screen.with_face();
    screen.assert_face_in_pixels(&before, "tmux");
    screen.assert_sent("sixel");
    let (w, h) = (before.width(), before.height());
    screen.keys(&["ctrl+b", "c"]);
    let other = screen.settled("other-window");
    assert!(
        filled(&other, w * 35 / 100, h / 10, w / 4, h / 3) < 0.1,
        "the other tmux window still shows the face (kept: {})",
        screen.keep("other-window")
    );
    screen.keys(&["ctrl+b", "p"]);
    screen.assert_back_to(&before, "back", "the window switch");
}

/// mlterm 3.9 (Debian 12's) announces sixel and tells its cell size: the
/// face is drawn pixel by pixel, and closing the help leaves it as it was;
/// the same with iTerm2's protocol, which mlterm draws too.
#[test]
#[ignore = "needs Xvfb, mlterm, xdotool and ImageMagick: apt-get install xvfb mlterm xdotool imagemagick"]
fn sixel_and_iterm2_in_mlterm_survive_the_help_overlay() {
    let bin = Path::new(env!("CARGO_BIN_EXE_emotui"));
    for protocol in ["auto", "iterm2"] {
        let command = format!(
            "{} data/test_crop --backend tract --protocol {protocol}",
            bin.display()
        );
        let screen = Screen::mlterm(&command, 5);
        let before = screen.with_face();
        screen.assert_face_in_pixels(&before, protocol);
        screen.assert_sent(if protocol == "auto" {
            "sixel"
        } else {
            protocol
        });
        screen.keys(&["question"]);
        assert!(pixels_differing(&before, &screen.settled("help")) > 1000);
        screen.keys(&["Escape"]);
        screen.assert_back_to(&before, "after", "closing the help");
    }
}

/// Whether a screen has pixels of exactly this colour (text drawn in it).
fn has_colour(img: &image::RgbImage, rgb: [u8; 3]) -> bool {
    img.pixels().any(|p| p.0 == rgb)
}

/// The palette follows the terminal's background (OSC 11): on xterm's
/// default white the titles are the light palette's dark orange (#af5f00,
/// 4.7:1 on white), on black the dark palette's yellow (#cdcd00); each
/// palette's contrast is checked in `tui::theme`'s unit test.
#[test]
#[ignore = "needs Xvfb, xterm, xdotool and ImageMagick: apt-get install xvfb xterm xdotool imagemagick"]
fn the_palette_follows_the_background() {
    let bin = Path::new(env!("CARGO_BIN_EXE_emotui"));
    let command = format!("{} data/test_crop --backend tract", bin.display());
    let (light_accent, dark_accent) = ([0xaf, 0x5f, 0x00], [0xcd, 0xcd, 0x00]);
    let white = Screen::xterm(&command, &[], 1).with_face();
    assert!(has_colour(&white, light_accent) && !has_colour(&white, dark_accent));
    let black = Screen::xterm(&command, &["-bg", "black", "-fg", "white"], 1).with_face();
    assert!(has_colour(&black, dark_accent) && !has_colour(&black, light_accent));
}

/// kitty 0.26 (Debian's) shows ratatui-image's image placements as empty
/// glyph boxes; emotui asks its version (XTVERSION) and draws in
/// half-blocks there, so the face fills its box.
#[test]
#[ignore = "needs Xvfb, kitty and ImageMagick: apt-get install xvfb kitty imagemagick"]
fn old_kitty_shows_the_face() {
    let bin = Path::new(env!("CARGO_BIN_EXE_emotui"));
    let command = format!("{} data/test_crop --backend tract", bin.display());
    let screen = Screen::kitty(&command, 2);
    screen.with_face();
    screen.assert_sent("halfblocks");
}

/// The protocol checks above can fail: each protocol's bytes are told apart,
/// and kitty's capability query is not a picture.
#[test]
fn pictures_are_told_apart_by_protocol() {
    let query = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\";
    assert_eq!(pictures(query), Pictures::default());
    let sixel = b"\x1b[5;3H\x1bP0;1;0q\"1;1;8;8#0;2;0;0;0~~\x1b\\";
    assert_eq!(pictures(sixel).sixel, 1);
    // XTVERSION's answer and tmux's passthrough are not sixel.
    assert_eq!(
        pictures(b"\x1bP>|XTerm(379)\x1b\\\x1bPtmux;x\x1b\\").sixel,
        0
    );
    let kitty = b"\x1b_Gq=2,a=T,f=24,s=8,v=8,m=1;AAAA\x1b\\";
    assert_eq!(pictures(kitty).kitty, 1);
    assert_eq!(pictures(b"\x1b]1337;File=inline=1:AAAA\x07").iterm2, 1);
}
