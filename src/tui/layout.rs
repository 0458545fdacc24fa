//! Screen geometry, computed once per frame from the terminal's size and
//! shared by drawing and by mouse hit-testing, so that a click lands where
//! the picture is.

use ratatui::layout::{Constraint, Layout, Rect};

/// The explorer's tabs, in tab-bar order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Browse,
    Explain,
    Survey,
    Atlas,
    Models,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Tab; 5] = [
        Tab::Browse,
        Tab::Explain,
        Tab::Survey,
        Tab::Atlas,
        Tab::Models,
    ];

    /// The tab bar's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Browse => "1 Browse",
            Tab::Explain => "2 Explain",
            Tab::Survey => "3 Survey",
            Tab::Atlas => "4 Atlas",
            Tab::Models => "5 Models",
        }
    }

    /// Position in the bar.
    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|&t| t == self).unwrap_or(0)
    }

    /// The next (or previous) tab, wrapping around.
    pub fn cycle(self, forward: bool) -> Tab {
        let n = Tab::ALL.len();
        let i = if forward {
            self.index() + 1
        } else {
            self.index() + n - 1
        };
        Tab::ALL[i % n]
    }
}

/// The smallest screen the explorer draws on; below it, a message.
pub const MIN_SIZE: (u16, u16) = (40, 12);

/// Where everything is on the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Geometry {
    /// The whole screen.
    pub area: Rect,
    /// The tab bar.
    pub tabs: Rect,
    /// Between the tab bar and the status line.
    pub body: Rect,
    /// The status line.
    pub status: Rect,
    /// The face tree's box (browse and explain tabs), and its lines inside.
    pub tree: Option<(Rect, Rect)>,
    /// The tab's own pane: right of the tree, or the whole body.
    pub pane: Rect,
}

/// Padding the tab bar puts on each side of a title, and its divider.
const TAB_PAD: u16 = 1;
const TAB_DIVIDER: u16 = 1;

impl Geometry {
    /// The geometry of `area` showing `tab`.
    pub fn new(area: Rect, tab: Tab) -> Geometry {
        let [tabs, body, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let (tree, pane) = match tab {
            Tab::Browse | Tab::Explain => {
                let [left, right] = Layout::horizontal([
                    Constraint::Length((area.width / 3).clamp(24, 48)),
                    Constraint::Min(10),
                ])
                .areas(body);
                let inner = Rect::new(
                    left.x + 1,
                    left.y + 1,
                    left.width.saturating_sub(2),
                    left.height.saturating_sub(2),
                );
                (Some((left, inner)), right)
            }
            Tab::Survey | Tab::Atlas | Tab::Models => (None, body),
        };
        Geometry {
            area,
            tabs,
            body,
            status,
            tree,
            pane,
        }
    }

    /// Whether the screen is too small to draw the explorer.
    pub fn too_small(&self) -> bool {
        self.area.width < MIN_SIZE.0 || self.area.height < MIN_SIZE.1
    }

    /// The tab whose title is at (column, row), if any.
    pub fn tab_at(&self, column: u16, row: u16) -> Option<Tab> {
        if row != self.tabs.y {
            return None;
        }
        let mut x = self.tabs.x;
        for tab in Tab::ALL {
            let w = tab.title().chars().count() as u16 + 2 * TAB_PAD;
            if column >= x && column < x + w {
                return Some(tab);
            }
            x += w + TAB_DIVIDER;
        }
        None
    }

    /// The line of the tree list at (column, row): 0 is the first visible.
    pub fn tree_line_at(&self, column: u16, row: u16) -> Option<usize> {
        let (_, inner) = self.tree?;
        let inside = column >= inner.x
            && column < inner.x + inner.width
            && row >= inner.y
            && row < inner.y + inner.height;
        inside.then(|| (row - inner.y) as usize)
    }

    /// How many tree lines fit.
    pub fn tree_height(&self) -> usize {
        self.tree.map_or(0, |(_, inner)| inner.height as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_titles_are_hit_where_they_are_drawn() {
        let g = Geometry::new(Rect::new(0, 0, 100, 30), Tab::Browse);
        // " 1 Browse │ 2 Explain │ 3 Survey"
        assert_eq!(g.tab_at(1, 0), Some(Tab::Browse));
        assert_eq!(g.tab_at(12, 0), Some(Tab::Explain));
        assert_eq!(g.tab_at(25, 0), Some(Tab::Survey));
        assert_eq!(g.tab_at(60, 0), None);
        assert_eq!(g.tab_at(1, 1), None);
    }

    #[test]
    fn tree_lines_start_inside_the_border() {
        let g = Geometry::new(Rect::new(0, 0, 100, 30), Tab::Explain);
        assert_eq!(g.tree_line_at(3, 2), Some(0));
        assert_eq!(g.tree_line_at(3, 1), None);
        assert_eq!(g.tree_height(), 30 - 4);
        assert!(
            Geometry::new(Rect::new(0, 0, 100, 30), Tab::Survey)
                .tree
                .is_none()
        );
    }
}
