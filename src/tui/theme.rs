//! Colours, in one place. Every text colour is a light one of the 16 basic
//! colours, readable on a black or dark-grey background both in 256-colour
//! terminals and in truecolour (the dark ANSI blue is not).

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
