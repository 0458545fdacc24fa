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

/// Images shown on screen, by slot, and the requests for missing ones.
pub struct Images {
    shown: HashMap<Slot, (String, Size, Protocol)>,
    pending: HashMap<Slot, (String, Size)>,
    /// Images that could not be made, with why: not asked for again.
    failed: HashMap<Slot, (String, String)>,
    pub requests: Vec<ImageRequest>,
    /// Map colours to the 256-colour palette (no truecolor announced).
    pub palette_256: bool,
}

impl Images {
    pub fn new(palette_256: bool) -> Images {
        Images {
            shown: HashMap::new(),
            pending: HashMap::new(),
            failed: HashMap::new(),
            requests: Vec::new(),
            palette_256,
        }
    }

    /// A finished image from the worker.
    pub fn done(&mut self, slot: Slot, key: String, size: Size, protocol: Protocol) {
        if self.pending.get(&slot) == Some(&(key.clone(), size)) {
            self.pending.remove(&slot);
        }
        self.shown.insert(slot, (key, size, protocol));
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
        if area.width < 2 || area.height < 2 {
            return;
        }
        let size = Size::new(area.width, area.height);
        match self.shown.get(&slot) {
            Some((k, s, protocol)) if k == key && *s == size => {
                f.render_widget(Image::new(protocol), area);
                if self.palette_256 {
                    to_256(f, area);
                }
                return;
            }
            _ => {}
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
        f.render_widget(
            Paragraph::new("rendering…").style(Style::default().fg(theme::palette().muted)),
            area,
        );
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
