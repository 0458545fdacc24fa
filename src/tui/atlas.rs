//! The atlas tab: every face of the tree explained in the background (the
//! library's atlas, through the cache, so a second visit costs nothing),
//! then the class maps, the model's confusion matrix, and for the selected
//! cell its maps, where its weight falls and its faces, each one key from
//! its explanation.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use emotui::atlas::facs::GAYA_MOREY_MEAN_IOU;
use emotui::atlas::{Atlas, Group, Overview};
use emotui::faces::Face;

use super::images::{Images, Slot, Source};
use super::jobs::Latest;
use super::theme;

/// Flipping sets listed for the selected cell.
const FLIP_ROWS: u16 = 2;
/// The flips are shown when the faces' list has this many rows.
const FLIPS_FROM: u16 = 8;
/// An atlas and what it shows, made by the worker.
pub struct AtlasView {
    /// The job that made it.
    pub id: u64,
    pub atlas: Atlas,
    pub overview: Overview,
}

/// The atlas worker's job: every face of the tree, in the explorer's order.
pub struct AtlasJob {
    pub id: u64,
    pub faces: Vec<Face>,
    pub cancel: Arc<AtomicBool>,
}

/// What the atlas worker reports.
pub enum AtlasEvent {
    /// Faces done so far.
    Progress { done: usize, total: usize },
    /// The atlas, or why there is none.
    Done(Result<Arc<AtlasView>, emotui::Error>),
}

/// Where the run is.
enum Run {
    Idle,
    Running {
        id: u64,
        done: usize,
        total: usize,
        started: Instant,
    },
    Cancelled,
    Failed(String),
    Finished,
}

/// What a key asks the explorer to do.
pub enum AtlasKey {
    None,
    /// Start the atlas (the explorer has the faces and the model).
    Start,
    /// Show this face (explorer index) in the explain tab.
    Open(usize),
}

/// The atlas tab's state.
pub struct AtlasTab {
    run: Run,
    /// The run's job, by id, to cancel it.
    job: Latest<u64>,
    next_id: u64,
    view: Option<Arc<AtlasView>>,
    /// The selected cell: true class, predicted label.
    cell: (usize, usize),
    /// Whether keys move in the face list (else in the matrix).
    in_faces: bool,
    face_cursor: usize,
    /// Least confident first.
    ascending: bool,
}

/// Pane width and height from which the class maps are shown above.
const CLASS_MAPS_FROM: (u16, u16) = (100, 36);
/// Rows of one class map.
const CLASS_MAP_ROWS: u16 = 6;
/// Width of the matrix's row names.
const NAME_W: usize = 9;

impl AtlasTab {
    pub fn new() -> AtlasTab {
        AtlasTab {
            run: Run::Idle,
            job: Latest::default(),
            next_id: 0,
            view: None,
            cell: (0, 0),
            in_faces: false,
            face_cursor: 0,
            ascending: false,
        }
    }

    /// Whether an atlas is being made.
    pub fn running(&self) -> bool {
        matches!(self.run, Run::Running { .. })
    }

    /// A new run over `faces`, unless one is running.
    pub fn start(&mut self, faces: Vec<Face>) -> Option<AtlasJob> {
        if self.running() {
            return None;
        }
        self.next_id += 1;
        let (_, cancel) = self.job.start(self.next_id);
        self.run = Run::Running {
            id: self.next_id,
            done: 0,
            total: faces.len(),
            started: Instant::now(),
        };
        Some(AtlasJob {
            id: self.next_id,
            faces,
            cancel,
        })
    }

    /// Stops the run; what is finished stays in the cache.
    pub fn cancel(&mut self) {
        self.job.cancel();
    }

    /// The worker's report; an error to show, if any.
    pub fn on_event(&mut self, id: u64, event: AtlasEvent) -> Option<String> {
        if matches!(event, AtlasEvent::Done(_)) {
            self.job.finished(&id);
        }
        let Run::Running {
            id: current,
            done,
            total,
            ..
        } = &mut self.run
        else {
            return None;
        };
        if *current != id {
            return None;
        }
        match event {
            AtlasEvent::Progress { done: d, total: t } => {
                (*done, *total) = (d, t);
                None
            }
            AtlasEvent::Done(Ok(view)) => {
                self.run = Run::Finished;
                self.show(view);
                None
            }
            AtlasEvent::Done(Err(emotui::Error::Cancelled)) => {
                self.run = Run::Cancelled;
                None
            }
            AtlasEvent::Done(Err(e)) => {
                let msg = format!("atlas: {e}");
                self.run = Run::Failed(msg.clone());
                Some(msg)
            }
        }
    }

    /// Shows `view`, on its first confused cell with faces if there is
    /// one.
    fn show(&mut self, view: Arc<AtlasView>) {
        let m = &view.overview.confusion;
        let biggest = (0..m.len())
            .flat_map(|t| (0..m.len()).map(move |p| (t, p)))
            .filter(|&(t, p)| m[t][p] > 0)
            .max_by_key(|&(t, p)| (t != p, m[t][p]));
        self.cell = biggest.unwrap_or((0, 0));
        self.face_cursor = 0;
        self.view = Some(view);
    }

    /// The selected cell's faces (explorer indices) with the predicted
    /// label's probability, sorted by it.
    fn cell_faces(&self) -> Vec<(usize, f32)> {
        let Some(v) = &self.view else {
            return Vec::new();
        };
        let (t, p) = self.cell;
        let labels = &v.overview.labels;
        let group = Group::Cell {
            class: labels[t].clone(),
            label: labels[p].clone(),
        };
        let Some(i) = v.overview.find(&group, p) else {
            return Vec::new();
        };
        let mut faces: Vec<(usize, f32)> = v.overview.groups[i]
            .faces
            .iter()
            .filter_map(|&f| {
                let r = v.atlas.faces[f].record.as_ref().ok()?;
                Some((f, r.probabilities[p]))
            })
            .collect();
        faces.sort_by(|a, b| {
            let o = a.1.total_cmp(&b.1);
            if self.ascending { o } else { o.reverse() }
        });
        faces
    }

    /// Handles a key of the tab.
    pub fn on_key(&mut self, key: KeyEvent) -> AtlasKey {
        let k = self.view.as_ref().map_or(0, |v| v.overview.labels.len());
        let faces = self.cell_faces().len();
        let step = |v: &mut usize, by: i64, n: usize| {
            *v = (*v as i64 + by).clamp(0, n.saturating_sub(1) as i64) as usize;
        };
        match key.code {
            KeyCode::Char('a') => return AtlasKey::Start,
            KeyCode::Esc | KeyCode::Char('x') if self.running() => self.cancel(),
            KeyCode::Char('o') => self.ascending = !self.ascending,
            KeyCode::Char('f') => self.in_faces = !self.in_faces && faces > 0,
            KeyCode::Esc => self.in_faces = false,
            KeyCode::Enter if self.in_faces => {
                if let Some(&(f, _)) = self.cell_faces().get(self.face_cursor) {
                    return AtlasKey::Open(f);
                }
            }
            KeyCode::Enter => self.in_faces = faces > 0,
            KeyCode::Down | KeyCode::Char('j') if self.in_faces => {
                step(&mut self.face_cursor, 1, faces)
            }
            KeyCode::Up | KeyCode::Char('k') if self.in_faces => {
                step(&mut self.face_cursor, -1, faces)
            }
            KeyCode::Down | KeyCode::Char('j') => step(&mut self.cell.0, 1, k),
            KeyCode::Up | KeyCode::Char('k') => step(&mut self.cell.0, -1, k),
            KeyCode::Right | KeyCode::Char('l') => step(&mut self.cell.1, 1, k),
            KeyCode::Left | KeyCode::Char('h') => step(&mut self.cell.1, -1, k),
            _ => return AtlasKey::None,
        }
        if !self.in_faces {
            self.face_cursor = 0;
        }
        AtlasKey::None
    }

    /// The status line's part: progress and time left.
    pub fn progress(&self) -> Option<String> {
        let Run::Running {
            done,
            total,
            started,
            ..
        } = &self.run
        else {
            return None;
        };
        let eta = if *done > 0 {
            let left = started.elapsed().as_secs_f64() / *done as f64 * (total - done) as f64;
            format!(", {}:{:02} left", left as u64 / 60, left as u64 % 60)
        } else {
            String::new()
        };
        Some(format!("atlas {done}/{total}{eta}"))
    }

    /// Draws the tab in `area`.
    pub fn draw(&self, f: &mut Frame, images: &mut Images, area: Rect, waiting: &str) {
        let [head, body] =
            Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
        f.render_widget(
            Paragraph::new(self.headline(waiting)).wrap(Wrap { trim: true }),
            head,
        );
        let Some(view) = &self.view else {
            return;
        };
        let o = &view.overview;
        let body = if body.width >= CLASS_MAPS_FROM.0 && body.height >= CLASS_MAPS_FROM.1 {
            let [maps, rest] = Layout::vertical([
                Constraint::Length(2 * CLASS_MAP_ROWS + 4),
                Constraint::Min(1),
            ])
            .areas(body);
            draw_class_maps(f, images, maps, view);
            rest
        } else {
            body
        };
        let k = o.labels.len() as u16;
        let matrix_w = (NAME_W + 1 + 5 * o.labels.len()) as u16 + 2;
        let [left, right] =
            Layout::horizontal([Constraint::Length(matrix_w), Constraint::Min(20)]).areas(body);
        let [matrix, facs] =
            Layout::vertical([Constraint::Length(k + 3), Constraint::Min(0)]).areas(left);
        self.draw_matrix(f, matrix, o);
        draw_facs(f, facs, o);
        let maps_w = if right.width >= 60 {
            right.width / 3
        } else {
            0
        };
        let [maps, info] =
            Layout::horizontal([Constraint::Length(maps_w), Constraint::Min(10)]).areas(right);
        self.draw_cell_maps(f, images, maps, view);
        let [bars, list] =
            Layout::vertical([Constraint::Length(12), Constraint::Min(3)]).areas(info);
        self.draw_bars(f, bars, o);
        let list = if list.height >= FLIPS_FROM {
            let [flips, rest] =
                Layout::vertical([Constraint::Length(FLIP_ROWS + 2), Constraint::Min(3)])
                    .areas(list);
            self.draw_flips(f, flips, o);
            rest
        } else {
            list
        };
        self.draw_faces(f, list, view);
    }

    /// The selected cell's most frequent smallest sets of regions whose
    /// removal changes the prediction (the region game's flips).
    fn draw_flips(&self, f: &mut Frame, area: Rect, o: &Overview) {
        let (t, p) = self.cell;
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" remove to change {} ", o.labels[p]));
        let cell = o
            .flips
            .iter()
            .find(|c| c.class == o.labels[t] && c.label == o.labels[p]);
        let lines: Vec<Line> = match cell {
            None => vec![Line::styled(
                "no faces, or regions refitted",
                Style::default().fg(theme::palette().muted),
            )],
            Some(c) if c.sets.is_empty() => vec![Line::styled(
                "no removal of regions changes it",
                Style::default().fg(theme::palette().muted),
            )],
            Some(c) => c
                .sets
                .iter()
                .take(FLIP_ROWS as usize)
                .map(|s| {
                    Line::from(vec![
                        Span::styled(s.removed_names(), theme::bold()),
                        Span::raw(format!(" → {} ", s.to)),
                        Span::styled(
                            format!("({} of {} faces)", s.faces, c.n),
                            Style::default().fg(theme::palette().muted),
                        ),
                    ])
                })
                .collect(),
        };
        f.render_widget(Paragraph::new(lines).block(block), area);
    }

    fn headline(&self, waiting: &str) -> Line<'static> {
        let muted = Style::default().fg(theme::palette().muted);
        let text = match &self.run {
            _ if !waiting.is_empty() => return Line::from(waiting.to_string()),
            Run::Idle => "Press a to explain every face of the tree for the atlas (kept in the cache: a second run is immediate; x stops).".into(),
            Run::Running { .. } => format!(
                "{} · x stops; what is done stays in the cache",
                self.progress().unwrap_or_default()
            ),
            Run::Cancelled => "Stopped: the faces done are in the cache; a resumes.".into(),
            Run::Failed(e) => return Line::from(Span::styled(e.clone(), Style::default().fg(theme::palette().error))),
            Run::Finished => {
                let v = self.view.as_ref();
                let n = v.map_or(0, |v| v.atlas.faces.len());
                let cached = v.map_or(0, |v| v.atlas.faces.iter().filter(|f| f.cached).count());
                format!(
                    "{n} faces ({cached} from the cache) · ←→↑↓ cell · Enter/f faces · o order · a again"
                )
            }
        };
        Line::from(Span::styled(text, muted))
    }

    fn draw_matrix(&self, f: &mut Frame, area: Rect, o: &Overview) {
        let short = |l: &str| l.chars().take(4).collect::<String>();
        let header = Row::new(
            std::iter::once(Cell::from(format!("{:>NAME_W$}", "true\\pred"))).chain(
                o.labels
                    .iter()
                    .map(|l| Cell::from(format!("{:>4}", short(l)))),
            ),
        )
        .style(theme::bold());
        let rows = o.confusion.iter().enumerate().map(|(t, row)| {
            let cells = row.iter().enumerate().map(|(p, &n)| {
                let mut style = if n == 0 {
                    Style::default().fg(theme::palette().muted)
                } else if t == p {
                    Style::default().fg(theme::palette().good)
                } else {
                    Style::default().fg(theme::palette().bad)
                };
                if (t, p) == self.cell {
                    style = theme::selected();
                }
                Cell::from(format!("{n:>4}")).style(style)
            });
            let name: String = o.labels[t].chars().take(NAME_W).collect();
            Row::new(std::iter::once(Cell::from(format!("{name:>NAME_W$}"))).chain(cells))
        });
        let widths = std::iter::once(Constraint::Length(NAME_W as u16))
            .chain(o.labels.iter().map(|_| Constraint::Length(4)));
        f.render_widget(
            Table::new(rows, widths).header(header).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" model: true × predicted "),
            ),
            area,
        );
    }

    fn draw_cell_maps(
        &self,
        f: &mut Frame,
        images: &mut Images,
        area: Rect,
        view: &Arc<AtlasView>,
    ) {
        if area.width < 8 || area.height < 6 {
            return;
        }
        let o = &view.overview;
        let (t, p) = self.cell;
        let group = Group::Cell {
            class: o.labels[t].clone(),
            label: o.labels[p].clone(),
        };
        let block = Block::default().borders(Borders::ALL).title(" cell maps ");
        let inner = block.inner(area);
        f.render_widget(block, area);
        let labels: Vec<usize> = if t == p { vec![p] } else { vec![p, t] };
        let parts = Layout::vertical(
            labels
                .iter()
                .map(|_| Constraint::Ratio(1, labels.len() as u32)),
        )
        .split(inner);
        for (slot, (&label, &part)) in labels.iter().zip(parts.iter()).enumerate() {
            let [caption, picture] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(part);
            f.render_widget(
                Paragraph::new(format!("{}'s weight", o.labels[label]))
                    .style(Style::default().fg(theme::palette().accent)),
                caption,
            );
            if let Some(i) = o.find(&group, label) {
                show_map(f, images, picture, Slot::AtlasCell(slot), view, i);
            }
        }
    }

    fn draw_bars(&self, f: &mut Frame, area: Rect, o: &Overview) {
        let (t, p) = self.cell;
        let group = Group::Cell {
            class: o.labels[t].clone(),
            label: o.labels[p].clone(),
        };
        let title = format!(
            " true {} → {}: {}'s weight by region ",
            o.labels[t], o.labels[p], o.labels[p]
        );
        let block = Block::default().borders(Borders::ALL).title(title);
        let inner = block.inner(area);
        let lines: Vec<Line> = match o.find(&group, p) {
            None => vec![Line::from(Span::styled(
                "no faces in this cell",
                Style::default().fg(theme::palette().muted),
            ))],
            Some(i) => {
                let room = (inner.width as usize).saturating_sub(24).max(4);
                o.summary[i]
                    .regions
                    .iter()
                    .map(|r| {
                        let bar = "█".repeat((r.mean * room as f64).round() as usize);
                        Line::from(vec![
                            Span::raw(format!("{:<10} ", r.region.name())),
                            Span::styled(
                                format!("{bar:<room$}"),
                                Style::default().fg(theme::palette().support),
                            ),
                            Span::raw(format!(
                                " {:>3.0}% [{:.0}–{:.0}]",
                                100.0 * r.mean,
                                100.0 * r.lower,
                                100.0 * r.upper
                            )),
                        ])
                    })
                    .collect()
            }
        };
        f.render_widget(Paragraph::new(lines).block(block), area);
    }

    fn draw_faces(&self, f: &mut Frame, area: Rect, view: &Arc<AtlasView>) {
        let faces = self.cell_faces();
        let order = if self.ascending { "least" } else { "most" };
        let title = format!(" {} faces, {order} confident first (o) ", faces.len());
        let block = Block::default()
            .borders(Borders::ALL)
            .title(title)
            .border_style(if self.in_faces {
                Style::default().fg(theme::palette().accent)
            } else {
                Style::default()
            });
        let height = block.inner(area).height as usize;
        let top = (self.face_cursor + 1).saturating_sub(height.max(1));
        let lines: Vec<Line> = faces
            .iter()
            .enumerate()
            .skip(top)
            .take(height)
            .map(|(i, &(face, prob))| {
                let fc = &view.atlas.faces[face].face;
                let text = format!(
                    "{prob:.2}  {}/{}",
                    fc.class.as_deref().unwrap_or("-"),
                    fc.name()
                );
                if self.in_faces && i == self.face_cursor {
                    Line::styled(text, theme::selected())
                } else {
                    Line::from(text)
                }
            })
            .collect();
        f.render_widget(Paragraph::new(lines).block(block), area);
    }
}

/// Each class against its FACS prototype.
fn draw_facs(f: &mut Frame, area: Rect, o: &Overview) {
    if area.height < 3 {
        return;
    }
    let mut lines: Vec<Line> = o
        .facs
        .iter()
        .map(|c| {
            let mark = if c.top_expected { "✓" } else { "✗" };
            let style = Style::default().fg(if c.top_expected {
                theme::palette().good
            } else {
                theme::palette().bad
            });
            Line::from(vec![
                Span::raw(format!(
                    "{:<9}",
                    c.class.chars().take(9).collect::<String>()
                )),
                Span::styled(format!("{mark} {:<10}", c.top_region.name()), style),
                Span::raw(format!(" IoU {:.2}", c.iou)),
            ])
        })
        .collect();
    if !o.facs.is_empty() {
        let mean = o.facs.iter().map(|c| c.iou).sum::<f64>() / o.facs.len() as f64;
        lines.push(Line::styled(
            format!("mean {mean:.2} (12 FER nets: {GAYA_MOREY_MEAN_IOU:.2})"),
            Style::default().fg(theme::palette().muted),
        ));
    }
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" top region vs FACS "),
        ),
        area,
    );
}

/// The class maps: a column per label, predicted then true.
fn draw_class_maps(f: &mut Frame, images: &mut Images, area: Rect, view: &Arc<AtlasView>) {
    let o = &view.overview;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" where the model looks: predicted as (top), true class (bottom) ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let columns = Layout::horizontal(
        o.labels
            .iter()
            .map(|_| Constraint::Ratio(1, o.labels.len() as u32)),
    )
    .split(inner);
    for (l, column) in columns.iter().enumerate() {
        let [name, top, bottom] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(CLASS_MAP_ROWS + 1),
            Constraint::Length(CLASS_MAP_ROWS + 1),
        ])
        .areas(*column);
        f.render_widget(
            Paragraph::new(o.labels[l].clone()).style(theme::bold()),
            name,
        );
        let label = o.labels[l].clone();
        for (row, (area, group)) in [
            (
                top,
                Group::Predicted {
                    label: label.clone(),
                },
            ),
            (bottom, Group::True { class: label }),
        ]
        .into_iter()
        .enumerate()
        {
            let [picture, caption] =
                Layout::vertical([Constraint::Length(CLASS_MAP_ROWS), Constraint::Length(1)])
                    .areas(area);
            match o.find(&group, l) {
                Some(i) => {
                    show_map(f, images, picture, Slot::AtlasClass(2 * l + row), view, i);
                    f.render_widget(
                        Paragraph::new(format!("n={}", o.groups[i].faces.len()))
                            .style(Style::default().fg(theme::palette().muted)),
                        caption,
                    );
                }
                None => f.render_widget(
                    Paragraph::new("no faces").style(Style::default().fg(theme::palette().muted)),
                    picture,
                ),
            }
        }
    }
}

/// Group `i`'s map over its mean face, drawn by the library.
fn show_map(
    f: &mut Frame,
    images: &mut Images,
    area: Rect,
    slot: Slot,
    view: &Arc<AtlasView>,
    i: usize,
) {
    let key = format!("atlas-{}-{i}", view.id);
    let view = view.clone();
    images.show(f, area, slot, &key, move || {
        Source::Render(Arc::new(move |pw, ph| {
            emotui::render::map_image(&view.overview.maps[i], pw.min(ph))
        }))
    });
}
