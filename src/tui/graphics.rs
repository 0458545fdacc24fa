//! Which graphics protocol the terminal can draw pictures with, when
//! ratatui-image's own query falls short: xterm (as a VT340) announces
//! sixel in its device attributes but ignores the font-size query unless
//! `allowWindowOps` is on, and ratatui-image then settles for half-blocks.
//! The kernel knows the window's size in pixels and cells (`TIOCGWINSZ`),
//! which gives the cell size; the device attributes (DA1) say whether
//! sixel is there.

use std::io::Write;
use std::time::{Duration, Instant};

use ratatui_image::FontSize;

/// How long a terminal has to answer the device query.
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

/// Whether the terminal's primary device attributes list sixel graphics
/// (attribute 4), asked in raw mode and read until the answer's final `c`
/// or [`ANSWER_WITHIN`].
pub fn answers_sixel() -> bool {
    if crossterm::terminal::enable_raw_mode().is_err() {
        return false;
    }
    let answer = device_attributes();
    let _ = crossterm::terminal::disable_raw_mode();
    answer.is_some_and(|a| lists_sixel(&a))
}

/// The terminal's answer to `CSI c`, if it gives one in time.
fn device_attributes() -> Option<String> {
    use rustix::event::{PollFd, PollFlags, poll};
    let mut out = std::io::stdout();
    out.write_all(b"\x1b[c").ok()?;
    out.flush().ok()?;
    let stdin = rustix::stdio::stdin();
    let start = Instant::now();
    let mut answer = Vec::new();
    while start.elapsed() < ANSWER_WITHIN {
        let left = ANSWER_WITHIN.saturating_sub(start.elapsed()).as_millis() as i32;
        let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
        if poll(&mut fds, left.max(1)).ok()? == 0 {
            break;
        }
        let mut buf = [0u8; 64];
        let n = rustix::io::read(stdin, &mut buf).ok()?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        if answer.ends_with(b"c") {
            return String::from_utf8(answer).ok();
        }
    }
    None
}

/// Whether a DA1 answer (`ESC [ ? 63 ; 1 ; 2 ; 4 ; 6 c`) lists attribute 4.
fn lists_sixel(answer: &str) -> bool {
    let Some(params) = answer
        .rsplit("\x1b[?")
        .next()
        .and_then(|a| a.strip_suffix('c'))
    else {
        return false;
    };
    params.split(';').skip(1).any(|p| p == "4")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixel_is_attribute_four_after_the_class() {
        // xterm -ti vt340, a VT220 xterm, mlterm, and the class alone.
        assert!(lists_sixel("\x1b[?63;1;2;4;6;9;15;22c"));
        assert!(!lists_sixel("\x1b[?62;1;2;6;9;15;22c"));
        assert!(lists_sixel("\x1b[?64;1;2;4;6;9;15;18;21;22;28;29c"));
        // 4 as the class (VT-level) is not the sixel attribute.
        assert!(!lists_sixel("\x1b[?4c"));
        assert!(!lists_sixel("garbage"));
    }
}
