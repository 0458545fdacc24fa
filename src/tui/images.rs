//! Pictures on screen: which image each slot shows, which are being made,
//! and which could not be made. Drawing asks for missing images through
//! [`Images::requests`]; the image worker answers with terminal graphics.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use image::RgbImage;
use ratatui::Frame;
use ratatui::layout::{Rect, Size};
use ratatui::style::{Color, Style};
use ratatui::widgets::Paragraph;
use ratatui_image::Image;
use ratatui_image::protocol::Protocol;

use super::theme;

/// Where an image is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Face,
    Superpixels,
    Panel(usize),
    /// The atlas's class maps (label × predicted/true).
    AtlasClass(usize),
    /// The atlas's selected cell's maps.
    AtlasCell(usize),
}

/// Draws a picture to fit in (width, height) pixels, so that its lines are
/// drawn at the size they are shown and never blurred by a later resize.
pub type Renderer = Arc<dyn Fn(u32, u32) -> RgbImage + Send + Sync>;

/// What to show in a slot.
#[derive(Clone)]
pub enum Source {
    /// An image file, decoded off the UI thread.
    File(PathBuf),
    /// A picture the library draws (superpixels, panels).
    Render(Renderer),
}

/// A request to turn a picture into terminal graphics of a given size.
pub struct ImageRequest {
    pub slot: Slot,
    pub key: String,
    pub size: Size,
    pub source: Source,
}

/// Encoded pictures kept for showing again without encoding: a face or a
/// tab revisited. A panel encoded for kitty is a few megabytes, sixel and
/// half-blocks far less.
const KEEP_ENCODED: usize = 32;

/// Images shown on screen, by slot, and the requests for missing ones.
pub struct Images {
    /// Encoded pictures by key and size, with when each was last shown:
    /// one encoding per picture and size, whatever slot shows it.
    encoded: HashMap<(String, Size), (Protocol, u64)>,
    /// Draws so far: the clock of `encoded`'s last use.
    clock: u64,
    pending: HashMap<Slot, (String, Size)>,
    /// The picture and step each slot drew last (see
    /// [`Images::show_refined`]).
    last: HashMap<Slot, (String, String)>,
    /// Images that could not be made, with why: not asked for again.
    failed: HashMap<Slot, (String, String)>,
    pub requests: Vec<ImageRequest>,
    /// Map colours to the 256-colour palette (no truecolor announced).
    pub palette_256: bool,
}

impl Images {
    pub fn new(palette_256: bool) -> Images {
        Images {
            encoded: HashMap::new(),
            clock: 0,
            pending: HashMap::new(),
            last: HashMap::new(),
            failed: HashMap::new(),
            requests: Vec::new(),
            palette_256,
        }
    }

    /// A finished image from the worker; the least recently shown is
    /// dropped beyond [`KEEP_ENCODED`].
    pub fn done(&mut self, slot: Slot, key: String, size: Size, protocol: Protocol) {
        if self.pending.get(&slot) == Some(&(key.clone(), size)) {
            self.pending.remove(&slot);
        }
        self.clock += 1;
        self.encoded.insert((key, size), (protocol, self.clock));
        while self.encoded.len() > KEEP_ENCODED {
            let oldest = self
                .encoded
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => self.encoded.remove(&k),
                None => break,
            };
        }
    }

    /// How many encoded pictures are kept.
    #[cfg(test)]
    pub fn kept(&self) -> usize {
        self.encoded.len()
    }

    /// A failed image: stop waiting for it, and do not ask again.
    pub fn failed(&mut self, slot: Slot, key: String, error: String) {
        self.pending.remove(&slot);
        self.failed.insert(slot, (key, error));
    }

    /// Draws the image for `key` in `area`, or asks for it.
    pub fn show(
        &mut self,
        f: &mut Frame,
        area: Rect,
        slot: Slot,
        key: &str,
        source: impl FnOnce() -> Source,
    ) {
        self.show_refined(f, area, slot, key, key, source);
    }

    /// [`Images::show`] for a picture that is refined in steps (an
    /// explanation's panel as samples arrive): while step `key` is made, the
    /// slot keeps showing the last step of the same `picture` drawn at this
    /// size, instead of "rendering…". A step that looks like the last one
    /// then costs the terminal nothing: ratatui sends only changed cells.
    pub fn show_refined(
        &mut self,
        f: &mut Frame,
        area: Rect,
        slot: Slot,
        key: &str,
        picture: &str,
        source: impl FnOnce() -> Source,
    ) {
        if area.width < 2 || area.height < 2 {
            return;
        }
        let size = Size::new(area.width, area.height);
        if self.draw(f, area, key, size) {
            self.last
                .insert(slot, (picture.to_string(), key.to_string()));
            return;
        }
        if let Some((k, e)) = self.failed.get(&slot)
            && k == key
        {
            f.render_widget(
                theme::error_text(format!("cannot draw this image: {e}")),
                area,
            );
            return;
        }
        if self.pending.get(&slot) != Some(&(key.to_string(), size)) {
            self.pending.insert(slot, (key.to_string(), size));
            self.requests.push(ImageRequest {
                slot,
                key: key.to_string(),
                size,
                source: source(),
            });
        }
        let earlier = match self.last.get(&slot) {
            Some((p, k)) if p == picture => Some(k.clone()),
            _ => None,
        };
        if !earlier.is_some_and(|k| self.draw(f, area, &k, size)) {
            f.render_widget(
                Paragraph::new("rendering…").style(Style::default().fg(theme::palette().muted)),
                area,
            );
        }
    }

    /// Draws the encoded picture `key` of `size`, if there is one.
    fn draw(&mut self, f: &mut Frame, area: Rect, key: &str, size: Size) -> bool {
        self.clock += 1;
        let Some((protocol, used)) = self.encoded.get_mut(&(key.to_string(), size)) else {
            return false;
        };
        *used = self.clock;
        f.render_widget(Image::new(protocol), area);
        if self.palette_256 {
            to_256(f, area);
        }
        true
    }
}

/// Maps truecolor cells to the nearest xterm-256 colour.
fn to_256(f: &mut Frame, area: Rect) {
    fn idx(c: Color) -> Color {
        let Color::Rgb(r, g, b) = c else { return c };
        let q = |v: u8| {
            if v < 48 {
                0
            } else if v < 115 {
                1
            } else {
                (v as u16 - 35) as u8 / 40
            }
        };
        let (qr, qg, qb) = (q(r), q(g), q(b));
        let cube = 16 + 36 * qr + 6 * qg + qb;
        let level = |q: u8| [0u8, 95, 135, 175, 215, 255][q as usize] as i32;
        let cube_err = (level(qr) - r as i32).pow(2)
            + (level(qg) - g as i32).pow(2)
            + (level(qb) - b as i32).pow(2);
        let avg = (r as i32 + g as i32 + b as i32) / 3;
        let gi = ((avg - 8).max(0) / 10).min(23);
        let gv = 8 + 10 * gi;
        let grey_err = (gv - r as i32).pow(2) + (gv - g as i32).pow(2) + (gv - b as i32).pow(2);
        Color::Indexed(if grey_err < cube_err {
            232 + gi as u8
        } else {
            cube
        })
    }
    let buf = f.buffer_mut();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if let Some(cell) = buf.cell_mut((x, y)) {
                let (fg, bg) = (idx(cell.fg), idx(cell.bg));
                cell.set_fg(fg).set_bg(bg);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui_image::Resize;
    use ratatui_image::picker::Picker;

    fn protocol(size: Size) -> Protocol {
        let grey = image::DynamicImage::ImageRgb8(RgbImage::from_pixel(8, 8, [90, 90, 90].into()));
        Picker::halfblocks()
            .new_protocol(grey, size, Resize::Fit(None))
            .unwrap()
    }

    /// Shows `key` in `slot` on a 20×10 screen; true when it was drawn
    /// without asking the worker.
    fn shown(images: &mut Images, slot: Slot, key: &str) -> bool {
        let mut terminal = Terminal::new(TestBackend::new(20, 10)).unwrap();
        let before = images.requests.len();
        terminal
            .draw(|f| {
                images.show(f, f.area(), slot, key, || {
                    Source::File(PathBuf::from("unused.png"))
                })
            })
            .unwrap();
        images.requests.len() == before
    }

    #[test]
    fn a_picture_is_encoded_once_per_size() {
        let mut images = Images::new(false);
        let size = Size::new(20, 10);
        assert!(!shown(&mut images, Slot::Face, "a"), "nothing encoded yet");
        // Pending: drawn as "rendering…" without asking again.
        shown(&mut images, Slot::Face, "a");
        assert_eq!(images.requests.len(), 1);
        images.done(Slot::Face, "a".into(), size, protocol(size));
        assert!(shown(&mut images, Slot::Face, "a"));
        // Another face, then back: the first is still encoded.
        images.done(Slot::Face, "b".into(), size, protocol(size));
        assert!(shown(&mut images, Slot::Face, "b"));
        assert!(shown(&mut images, Slot::Face, "a"));
        // The same picture in another slot of the same size.
        assert!(shown(&mut images, Slot::Panel(0), "a"));
    }

    #[test]
    fn the_least_recently_shown_are_dropped() {
        let mut images = Images::new(false);
        let size = Size::new(20, 10);
        for i in 0..KEEP_ENCODED {
            images.done(Slot::Face, format!("{i}"), size, protocol(size));
        }
        // "0" shown again: "1" is now the oldest.
        assert!(shown(&mut images, Slot::Face, "0"));
        images.done(Slot::Face, "new".into(), size, protocol(size));
        assert_eq!(images.kept(), KEEP_ENCODED);
        assert!(shown(&mut images, Slot::Face, "0"));
        assert!(!shown(&mut images, Slot::Face, "1"));
    }

    /// What a 20×10 screen shows after `show_refined`.
    fn screen(images: &mut Images, key: &str, picture: &str) -> String {
        let mut terminal = Terminal::new(TestBackend::new(20, 10)).unwrap();
        terminal
            .draw(|f| {
                images.show_refined(f, f.area(), Slot::Panel(0), key, picture, || {
                    Source::File(PathBuf::from("unused.png"))
                })
            })
            .unwrap();
        let buffer = terminal.backend().buffer();
        buffer.content().iter().map(|c| c.symbol()).collect()
    }

    #[test]
    fn a_refined_picture_stays_until_its_next_step_is_drawn() {
        let mut images = Images::new(false);
        let size = Size::new(20, 10);
        assert!(screen(&mut images, "p|100", "p").contains("rendering"));
        images.done(Slot::Panel(0), "p|100".into(), size, protocol(size));
        assert!(!screen(&mut images, "p|100", "p").contains("rendering"));
        // The next step is being made: the last one stays.
        assert!(!screen(&mut images, "p|200", "p").contains("rendering"));
        assert_eq!(images.requests.len(), 2, "the next step is asked for");
        // Another picture (another face) is never shown in its place.
        assert!(screen(&mut images, "q|100", "q").contains("rendering"));
    }
}
