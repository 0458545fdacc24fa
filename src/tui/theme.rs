//! Colours, in one place. Every text colour is a light one of the 16 basic
//! colours, readable on a black or dark-grey background both in 256-colour
//! terminals and in truecolour (the dark ANSI blue is not).

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Paragraph, Wrap};

/// Titles, the selected tab, prompts, the predicted label.
pub const ACCENT: Color = Color::Yellow;
/// Superpixels that support a label (the panels' blue).
pub const SUPPORT: Color = Color::LightBlue;
/// Superpixels that contradict a label (the panels' red).
pub const CONTRADICT: Color = Color::LightRed;
/// A right prediction.
pub const GOOD: Color = Color::LightGreen;
/// A wrong prediction.
pub const BAD: Color = Color::LightRed;
/// Errors.
pub const ERROR: Color = Color::LightMagenta;
/// Secondary text (hints, counts, placeholders).
pub const MUTED: Color = Color::Gray;
/// Other bars and curves.
pub const OTHER: Color = Color::Cyan;

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
        .style(Style::default().fg(ERROR))
        .wrap(Wrap { trim: true })
}

/// Whether a colour is a picture's: text and marks use the 16 named
/// colours above, pictures drawn in half-blocks their pixels' colours
/// (truecolour or the 256-colour palette).
fn is_picture_colour(c: Color) -> bool {
    matches!(c, Color::Rgb(..) | Color::Indexed(_))
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
        buf[(0, 0)].set_symbol("a").set_fg(ACCENT);
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
}
