//! Colours, in one place: a palette for dark backgrounds and one for light
//! ones (`--theme`, or the terminal's background colour asked with OSC 11),
//! each in colours a 256-colour terminal has, and each text colour at
//! least 4.5:1 against its background (WCAG's rule for text; tested with
//! xterm's colour values).

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Paragraph, Wrap};

/// The colours of text and marks, for a dark or a light background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// Titles, the selected tab, prompts, the predicted label.
    pub accent: Color,
    /// Superpixels and regions that support a label (the panels' blue).
    pub support: Color,
    /// Superpixels and regions that contradict a label (the panels' red).
    pub contradict: Color,
    /// A right prediction.
    pub good: Color,
    /// A wrong prediction.
    pub bad: Color,
    /// Errors.
    pub error: Color,
    /// Secondary text (hints, counts, placeholders).
    pub muted: Color,
    /// Other bars and curves.
    pub other: Color,
}

/// For dark backgrounds (the default): light ones of the 16 basic colours,
/// and a light blue from the 256 (the basic light blue is too dark on
/// black for text).
pub const DARK: Palette = Palette {
    accent: Color::Yellow,
    support: Color::Indexed(75),
    contradict: Color::LightRed,
    good: Color::LightGreen,
    bad: Color::LightRed,
    error: Color::LightMagenta,
    muted: Color::Gray,
    other: Color::Cyan,
};

/// For light backgrounds (xterm's default black on white): dark colours
/// of the 256-colour palette, each at least 4.5:1 against white (the basic
/// green, cyan, yellow and grey are not).
pub const LIGHT: Palette = Palette {
    accent: Color::Indexed(130),
    support: Color::Indexed(25),
    contradict: Color::Indexed(124),
    good: Color::Indexed(28),
    bad: Color::Indexed(124),
    error: Color::Indexed(90),
    muted: Color::Indexed(242),
    other: Color::Indexed(23),
};

static PALETTE: std::sync::OnceLock<Palette> = std::sync::OnceLock::new();

/// Chooses the palette, once, before the first frame; [`DARK`] if never.
pub fn set_palette(p: Palette) {
    let _ = PALETTE.set(p);
}

/// The palette in use.
pub fn palette() -> &'static Palette {
    PALETTE.get().unwrap_or(&DARK)
}

/// Bold text.
pub fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

/// The line under the cursor.
pub fn selected() -> Style {
    Style::default().bg(Color::Blue).fg(Color::White)
}

/// A message about something that went wrong, wrapped to its area.
pub fn error_text(text: String) -> Paragraph<'static> {
    Paragraph::new(text)
        .style(Style::default().fg(palette().error))
        .wrap(Wrap { trim: true })
}

/// Whether a colour is a picture's: text and marks use the palettes'
/// colours, pictures drawn in half-blocks their pixels' colours
/// (truecolour or the 256-colour palette).
fn is_picture_colour(c: Color) -> bool {
    let text = |p: &Palette| {
        [
            p.accent,
            p.support,
            p.contradict,
            p.good,
            p.bad,
            p.error,
            p.muted,
            p.other,
        ]
        .contains(&c)
    };
    matches!(c, Color::Rgb(..) | Color::Indexed(_)) && !text(&DARK) && !text(&LIGHT)
}

/// Takes colour out of the text of a drawn frame (NO_COLOR): every cell but
/// a picture's loses its colours, and a coloured background (the selected
/// line) becomes reversed video, so that what was marked stays marked.
pub fn monochrome(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        if is_picture_colour(cell.fg) || is_picture_colour(cell.bg) {
            continue;
        }
        if cell.bg != Color::Reset {
            cell.modifier.insert(Modifier::REVERSED);
        }
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    #[test]
    fn monochrome_keeps_pictures_and_marks() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 3, 1));
        buf[(0, 0)].set_symbol("a").set_fg(palette().accent);
        buf[(1, 0)].set_symbol(" ").set_bg(Color::Indexed(240));
        buf[(2, 0)].set_symbol("b").set_style(selected());
        monochrome(&mut buf);
        assert_eq!(buf[(0, 0)].fg, Color::Reset);
        assert_eq!(buf[(1, 0)].bg, Color::Indexed(240));
        assert!(!buf[(1, 0)].modifier.contains(Modifier::REVERSED));
        assert_eq!(
            (buf[(2, 0)].fg, buf[(2, 0)].bg),
            (Color::Reset, Color::Reset)
        );
        assert!(buf[(2, 0)].modifier.contains(Modifier::REVERSED));
    }

    /// xterm's values for the colours the palettes use.
    fn rgb(c: Color) -> [u8; 3] {
        let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
        match c {
            Color::Yellow => [0xcd, 0xcd, 0x00],
            Color::Cyan => [0x00, 0xcd, 0xcd],
            Color::Gray => [0xe5, 0xe5, 0xe5],
            Color::LightRed => [0xff, 0x00, 0x00],
            Color::LightGreen => [0x00, 0xff, 0x00],
            Color::LightMagenta => [0xff, 0x00, 0xff],
            Color::Indexed(i @ 16..=231) => {
                let i = i - 16;
                [level(i / 36), level(i / 6 % 6), level(i % 6)]
            }
            Color::Indexed(i @ 232..=255) => [8 + 10 * (i - 232); 3],
            other => panic!("no xterm value for {other:?}"),
        }
    }

    /// WCAG 2's contrast ratio of two sRGB colours.
    fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
        let luminance = |c: [u8; 3]| {
            let lin = |v: u8| {
                let v = v as f64 / 255.0;
                if v <= 0.04045 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
        };
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn every_colour_reads_on_its_background() {
        for (name, p, background) in [("dark", DARK, [0, 0, 0]), ("light", LIGHT, [255; 3])] {
            for (what, c) in [
                ("accent", p.accent),
                ("support", p.support),
                ("contradict", p.contradict),
                ("good", p.good),
                ("bad", p.bad),
                ("error", p.error),
                ("muted", p.muted),
                ("other", p.other),
            ] {
                let ratio = contrast(rgb(c), background);
                assert!(ratio >= 4.5, "{name} {what} {c:?}: {ratio:.2}:1");
            }
        }
        // The rule's own edge: #767676 on white is 4.54:1.
        assert!((contrast([0x76; 3], [255; 3]) - 4.54).abs() < 0.01);
    }
}
