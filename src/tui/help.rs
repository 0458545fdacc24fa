//! The `?` overlay: every key of the explorer in one list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme;

/// Every key, for `?`.
pub const HELP: &[(&str, &str)] = &[
    ("↑ ↓ / j k", "move in the tree (PgUp PgDn, g G: jump)"),
    ("Enter → l", "open/close a class; on a face: explain it"),
    ("← h", "close the class"),
    ("/", "filter faces by name (Esc clears)"),
    ("n / N", "next / previous misclassified face"),
    (
        "L, c",
        "facial regions on faces; browse: crop a photo's faces",
    ),
    ("Tab, 1 … 5", "browse, explain, survey, atlas, models tabs"),
    ("M", "two models: browse, explain, atlas the other one"),
    (
        "Enter e",
        "models: explain a face with both; open it in explain",
    ),
    (
        "a x f o",
        "atlas: run, stop; f: the cell's faces; o: their order",
    ),
    ("s / S", "explain: more / fewer superpixels"),
    (
        "f / F, a",
        "explain: more / fewer features; a: 3/4 of superpixels",
    ),
    ("+ / -", "explain: more / fewer labels"),
    ("t / T", "explain: raise / lower the threshold"),
    ("d, v", "explain: outline/block; contradicting superpixels"),
    ("b", "explain: background grey, mean, blur"),
    ("r / R", "explain: next / previous seed"),
    ("u", "explain: stop sampling once the explanation is stable"),
    ("Esc x, c", "cancel the explanation; c computes it again"),
    ("e", "explain: export panels, curves (PNG), CSV and JSON"),
    ("m, z", "explain: other methods, agreement; sanity check"),
    ("mouse", "click a face or a tab; wheel scrolls"),
    ("? ^L, q ^C", "this help, repaint all (pictures too); quit"),
];

/// The help overlay, centred over `area`.
pub fn draw_help(f: &mut Frame, area: Rect) {
    let w = 70.min(area.width.saturating_sub(2));
    let h = (HELP.len() as u16 + 2).min(area.height.saturating_sub(2));
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(
                    format!("{k:>12}  "),
                    Style::default().fg(theme::palette().accent),
                ),
                Span::raw(*d),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" keys (any key closes) "),
        ),
        r,
    );
}
