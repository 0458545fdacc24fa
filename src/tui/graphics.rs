//! Which graphics protocol the terminal can draw pictures with, when
//! ratatui-image's own query falls short: xterm (as a VT340) announces
//! sixel in its device attributes but ignores the font-size query unless
//! `allowWindowOps` is on, and ratatui-image then settles for half-blocks.
//! The kernel knows the window's size in pixels and cells (`TIOCGWINSZ`),
//! which gives the cell size; the device attributes (DA1) say whether
//! sixel is there. The same query asks for the background colour, which
//! chooses the light or the dark palette.

use std::io::Write;
use std::time::{Duration, Instant};

use ratatui_image::FontSize;

/// How long a terminal has to answer.
const ANSWER_WITHIN: Duration = Duration::from_millis(300);

/// The cell size from the kernel's window size, when it knows the pixels.
pub fn cell_size() -> Option<FontSize> {
    let ws = rustix::termios::tcgetwinsize(rustix::stdio::stdout()).ok()?;
    if ws.ws_xpixel == 0 || ws.ws_ypixel == 0 || ws.ws_col == 0 || ws.ws_row == 0 {
        return None;
    }
    Some(FontSize::new(
        ws.ws_xpixel / ws.ws_col,
        ws.ws_ypixel / ws.ws_row,
    ))
}

/// What the terminal says about itself.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answers {
    /// Its device attributes list sixel graphics (attribute 4).
    pub sixel: bool,
    /// Its background colour (OSC 11), each channel in 0–1.
    pub background: Option<[f64; 3]>,
    /// Its name and version (XTVERSION), as `kitty(0.26.5)`.
    pub version: Option<String>,
}

/// The first kitty that shows images placed with Unicode placeholders,
/// which ratatui-image uses; older ones show empty boxes.
const KITTY_PLACEHOLDERS: [u32; 2] = [0, 28];

impl Answers {
    /// Whether the terminal is a kitty too old for placeholders.
    pub fn kitty_without_placeholders(&self) -> bool {
        let Some(v) = self.version.as_deref() else {
            return false;
        };
        let Some(number) = v.strip_prefix("kitty(").and_then(|r| r.strip_suffix(')')) else {
            return false;
        };
        let parts: Vec<u32> = number.split('.').map_while(|p| p.parse().ok()).collect();
        parts.len() >= 2 && parts[..2] < KITTY_PLACEHOLDERS[..]
    }

    /// Whether the background is light (its luma above one half).
    pub fn light_background(&self) -> Option<bool> {
        self.background
            .map(|[r, g, b]| 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5)
    }
}

/// Asks the terminal, in raw mode, for its background colour (OSC 11), its
/// name and version (XTVERSION) and its device attributes (DA1), in that
/// order: every terminal answers DA1, so its answer ends the wait, and the
/// others come before it or not at all. Nothing is waited for longer than
/// [`ANSWER_WITHIN`].
///
/// Inside tmux, which answers DA1 itself without sixel and does not answer
/// OSC 11, the background and device attributes are asked of the terminal
/// outside too, passed through tmux (ratatui-image's query, made first,
/// allows passthrough in the pane): then two DA1 answers end the wait.
pub fn ask(tmux: bool) -> Answers {
    if crossterm::terminal::enable_raw_mode().is_err() {
        return Answers::default();
    }
    let mut query = b"\x1b]11;?\x1b\\\x1b[>q\x1b[c".to_vec();
    if tmux {
        query.extend_from_slice(&passthrough(b"\x1b]11;?\x07\x1b[c"));
    }
    let answer = read_answers(&query, 1 + usize::from(tmux));
    let _ = crossterm::terminal::disable_raw_mode();
    let answer = String::from_utf8_lossy(&answer);
    Answers {
        sixel: lists_sixel(&answer),
        background: background(&answer),
        version: version(&answer),
    }
}

/// Whether tmux tells its panes when they regain focus (its server option
/// `focus-events`, off by default): pictures passed through tmux are lost
/// when another window is shown, and come back on the focus event.
/// `None` when tmux cannot be asked.
pub fn tmux_focus_events() -> Option<bool> {
    let out = std::process::Command::new("tmux")
        .args(["show", "-sv", "focus-events"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    match String::from_utf8_lossy(&out.stdout).trim() {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    }
}

/// `sequence` wrapped for tmux to pass on to the terminal outside it: in a
/// `tmux;` device control string, every escape doubled.
fn passthrough(sequence: &[u8]) -> Vec<u8> {
    let mut out = b"\x1bPtmux;".to_vec();
    for &b in sequence {
        if b == 0x1b {
            out.push(0x1b);
        }
        out.push(b);
    }
    out.extend_from_slice(b"\x1b\\");
    out
}

/// The primary device attributes' answers in `answer` (`ESC [ ? … c`).
fn device_attributes(answer: &str) -> impl Iterator<Item = &str> {
    answer
        .split("\x1b[?")
        .skip(1)
        .filter_map(|a| a.split_once('c').map(|(params, _)| params))
        .filter(|params| params.bytes().all(|b| b.is_ascii_digit() || b == b';'))
}

/// Writes `query` and reads the answers until `answers` device attributes'
/// have come.
fn read_answers(query: &[u8], answers: usize) -> Vec<u8> {
    use rustix::event::{PollFd, PollFlags, poll};
    let mut answer = Vec::new();
    let mut out = std::io::stdout();
    if out.write_all(query).and_then(|()| out.flush()).is_err() {
        return answer;
    }
    let stdin = rustix::stdio::stdin();
    let start = Instant::now();
    while start.elapsed() < ANSWER_WITHIN
        && device_attributes(&String::from_utf8_lossy(&answer)).count() < answers
    {
        let left = ANSWER_WITHIN.saturating_sub(start.elapsed()).as_millis() as i32;
        let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
        if !matches!(poll(&mut fds, left.max(1)), Ok(n) if n > 0) {
            break;
        }
        let mut buf = [0u8; 128];
        match rustix::io::read(stdin, &mut buf) {
            Ok(n) if n > 0 => answer.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    answer
}

/// The name and version in an XTVERSION answer (`ESC P > | kitty(0.26.5)
/// ESC \`).
fn version(answer: &str) -> Option<String> {
    let rest = &answer[answer.find("\x1bP>|")? + "\x1bP>|".len()..];
    let end = rest.find('\x1b')?;
    Some(rest[..end].to_string())
}

/// The colour in an OSC 11 answer (`ESC ] 11 ; rgb:RRRR/GGGG/BBBB`, one to
/// four hex digits a channel), each channel in 0–1.
fn background(answer: &str) -> Option<[f64; 3]> {
    let rest = &answer[answer.find("]11;rgb:")? + "]11;rgb:".len()..];
    let end = rest.find(['\x07', '\x1b']).unwrap_or(rest.len());
    let mut channels = rest[..end].split('/').map(|h| {
        let v = u32::from_str_radix(h, 16).ok()?;
        (1..=4)
            .contains(&h.len())
            .then(|| v as f64 / ((1u32 << (4 * h.len())) - 1) as f64)
    });
    let mut next = || channels.next().flatten();
    Some([next()?, next()?, next()?])
}

/// Whether a DA1 answer (`ESC [ ? 63 ; 1 ; 2 ; 4 ; 6 c`) lists attribute 4:
/// any of them, in tmux the outer terminal's beside tmux's own.
fn lists_sixel(answer: &str) -> bool {
    device_attributes(answer).any(|params| params.split(';').skip(1).any(|p| p == "4"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backgrounds_from_osc_11() {
        // xterm's white (BEL-terminated), a dark grey ending in ST, two
        // hex digits a channel, and what is not a colour.
        let white = background("\x1b]11;rgb:ffff/ffff/ffff\x07\x1b[?63;1;4c").unwrap();
        assert_eq!(white, [1.0, 1.0, 1.0]);
        let grey = background("\x1b]11;rgb:1c1c/1c1c/1c1c\x1b\\").unwrap();
        assert!((grey[0] - 0x1c1c as f64 / 65535.0).abs() < 1e-12);
        assert_eq!(background("\x1b]11;rgb:80/00/ff\x07").unwrap()[2], 1.0);
        assert_eq!(background("\x1b[?62;1c"), None);
        assert_eq!(background("\x1b]11;rgb:zz/00/00\x07"), None);
        let light = |rgb| {
            Answers {
                background: Some(rgb),
                ..Answers::default()
            }
            .light_background()
        };
        assert_eq!(light(white), Some(true));
        assert_eq!(light(grey), Some(false));
        // The device attributes' answer ends the wait, whatever came first.
        let das = |a: &str| device_attributes(a).count();
        assert_eq!(das("\x1b]11;rgb:cccc/cccc/cccc\x07\x1b[?63;1;2;4c"), 1);
        assert_eq!(das("\x1b]11;rgb:cccc/cc"), 0);
        assert_eq!(das("\x1b[?63;1;2;4c\x1b[?1;2c"), 2);
    }

    #[test]
    fn kitty_before_0_28_has_no_placeholders() {
        let answers = |text: &str| Answers {
            version: version(text),
            ..Answers::default()
        };
        let old = answers("\x1bP>|kitty(0.26.5)\x1b\\\x1b[?62;c");
        assert_eq!(old.version.as_deref(), Some("kitty(0.26.5)"));
        assert!(old.kitty_without_placeholders());
        assert!(!answers("\x1bP>|kitty(0.28.0)\x1b\\").kitty_without_placeholders());
        assert!(!answers("\x1bP>|kitty(0.35.2)\x1b\\").kitty_without_placeholders());
        assert!(!answers("\x1bP>|XTerm(379)\x1b\\").kitty_without_placeholders());
        assert!(!answers("\x1b[?62;c").kitty_without_placeholders());
    }

    #[test]
    fn sixel_is_attribute_four_after_the_class() {
        // xterm -ti vt340, a VT220 xterm, mlterm, and the class alone.
        assert!(lists_sixel("\x1b[?63;1;2;4;6;9;15;22c"));
        assert!(!lists_sixel("\x1b[?62;1;2;6;9;15;22c"));
        assert!(lists_sixel("\x1b[?64;1;2;4;6;9;15;18;21;22;28;29c"));
        // 4 as the class (VT-level) is not the sixel attribute.
        assert!(!lists_sixel("\x1b[?4c"));
        assert!(!lists_sixel("garbage"));
        // In tmux: tmux's own answer and the outer xterm's, either order.
        assert!(lists_sixel(
            "\x1bP>|tmux 3.3a\x1b\\\x1b[?1;2c\x1b[?63;1;2;4;6c"
        ));
        assert!(lists_sixel("\x1b[?63;1;2;4;6c\x1b[?1;2c"));
        assert!(!lists_sixel("\x1b[?1;2c"));
    }

    #[test]
    fn passthrough_doubles_escapes() {
        assert_eq!(
            passthrough(b"\x1b]11;?\x07\x1b[c"),
            b"\x1bPtmux;\x1b\x1b]11;?\x07\x1b\x1b[c\x1b\\".to_vec()
        );
    }
}
