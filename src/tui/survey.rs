//! The survey tab: the people's confusion matrix coloured by column
//! percentage (the practical's Figure 4), caret's statistics, and the
//! model's statistics on the tree beside the people's. Everything comes
//! from the library as data; this module only lays it out.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use emotui::emotion;
use emotui::stats::Stat;
use emotui::stats::compare::{ModelVsPeople, Naming, compare, model_matrix};
use emotui::stats::report::{by_class, overall_lines};
use emotui::stats::rformat::{encode_string, format_pval, round_str};
use emotui::stats::{CaretStatistics, ClassStatistics, ConfusionMatrix};
use emotui::survey::{StrayLabel, Survey, SurveyOptions};

use super::theme;
use super::tree::{Predictions, Tree};
use super::workers::Which;

/// The survey as the survey tab shows it.
#[derive(Debug, Clone)]
pub struct SurveyData {
    /// caret's statistics on the labels as people wrote them.
    pub statistics: CaretStatistics,
    /// The matrix in canonical emotion names, to compare with the model.
    pub canonical: ConfusionMatrix,
    /// Labels that are not emotions (each a class of its own).
    pub stray: Vec<StrayLabel>,
    /// Labels that differ only in case, spaces or Unicode normalisation.
    pub clashes: Vec<Vec<std::sync::Arc<str>>>,
}

impl SurveyData {
    /// Reads the survey at `path`: as written for caret's statistics, and
    /// with emotion names normalised to compare with the model.
    pub fn read(path: &std::path::Path) -> emotui::Result<SurveyData> {
        let read = |normalize_labels| {
            Survey::read(
                path,
                &SurveyOptions {
                    normalize_labels,
                    ..Default::default()
                },
            )
        };
        let raw = read(false)?;
        Ok(SurveyData {
            statistics: ConfusionMatrix::from_survey(&raw)
                .statistics()
                .map_err(|e| emotui::Error::file(path, e.to_string()))?,
            canonical: ConfusionMatrix::from_survey(&read(true)?),
            stray: raw.stray_labels(|l| emotion::canonical(l).is_some()),
            clashes: raw.label_clashes(),
        })
    }
}

/// Where the survey is.
pub enum SurveyState {
    /// No survey given or found.
    None,
    /// Being read in the background.
    Loading(PathBuf),
    /// Could not be read: why.
    Failed(String),
    /// Read.
    Loaded(Box<SurveyData>),
}

/// The survey tab's state.
pub struct SurveyTab {
    state: SurveyState,
    /// Each model beside the people (A, then B with `--compare-model`).
    comparison: [Option<ModelVsPeople>; 2],
}

/// Digits of the statistics shown (caret's).
const DIGITS: usize = 4;
/// Width given to caret's statistics by class beside the comparison (R's
/// console width).
const BY_CLASS_W: u16 = 80;
/// Width from which the two class tables sit side by side.
const SIDE_BY_SIDE: u16 = 150;

impl SurveyTab {
    pub fn new(path: Option<PathBuf>) -> SurveyTab {
        SurveyTab {
            state: path.map_or(SurveyState::None, SurveyState::Loading),
            comparison: [None, None],
        }
    }

    /// The survey worker's answer. Returns an error to show, if any.
    pub fn loaded(&mut self, result: emotui::Result<SurveyData>) -> Option<String> {
        match result {
            Ok(d) => {
                self.state = SurveyState::Loaded(Box::new(d));
                None
            }
            Err(e) => {
                let msg = e.to_string();
                self.state = SurveyState::Failed(msg.clone());
                Some(msg)
            }
        }
    }

    /// Once every face is predicted and the survey is read: model `which`
    /// on the tree beside the people. Returns an error to show, if any.
    pub fn compare_with(
        &mut self,
        tree: &Tree,
        which: Which,
        predictions: &Predictions,
    ) -> Option<String> {
        let SurveyState::Loaded(data) = &self.state else {
            return None;
        };
        let slot = &mut self.comparison[which as usize];
        if slot.is_some() || predictions.labels.is_empty() || !predictions.complete() {
            return None;
        }
        let scored = tree
            .faces
            .iter()
            .zip(&predictions.results)
            .filter_map(|(f, r)| match r {
                Some(Ok(p)) => Some((f.class.as_deref(), p)),
                _ => None,
            });
        let m = model_matrix(&predictions.labels, scored, Naming::Canonical);
        if m.n() == 0 {
            return None;
        }
        match compare(&m, &data.canonical) {
            Ok(c) => {
                *slot = Some(c);
                None
            }
            Err(e) => Some(e.to_string()),
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, predictions: &Predictions) {
        let data = match &self.state {
            SurveyState::Loaded(d) => d,
            other => {
                let text = match other {
                    SurveyState::Loading(p) => format!("Reading {}…", p.display()),
                    SurveyState::Failed(e) => format!("Cannot read the survey:\n{e}"),
                    _ => "No survey. Start with --survey FILE.csv, or put csv/Respuestas_emociones.csv next to the faces tree.".into(),
                };
                f.render_widget(
                    Paragraph::new(text)
                        .block(Block::default().borders(Borders::ALL).title(" survey "))
                        .wrap(Wrap { trim: true }),
                    area,
                );
                return;
            }
        };
        let st = &data.statistics;
        let k = st.matrix.levels.len() as u16;
        // caret's longest name (22), a space, its widest value (16), borders.
        let overall_w = 41;
        let [top, bottom] =
            Layout::vertical([Constraint::Length(k + 4), Constraint::Min(3)]).areas(area);
        let [matrix_area, overall_area] =
            Layout::horizontal([Constraint::Min(20), Constraint::Length(overall_w)]).areas(top);
        draw_matrix(f, matrix_area, data);
        self.draw_overall(f, overall_area, data);
        // The two class tables side by side where they fit, else stacked.
        let table_h = k + 2;
        let [by_class_area, compare_area] = if bottom.width >= SIDE_BY_SIDE {
            Layout::horizontal([Constraint::Length(BY_CLASS_W), Constraint::Fill(1)])
                .spacing(2)
                .areas(bottom)
        } else {
            let [a, b, _] = Layout::vertical([
                Constraint::Length(by_class_height(data, bottom.width)),
                Constraint::Length(table_h + 1),
                Constraint::Fill(1),
            ])
            .areas(bottom);
            [a, b]
        };
        draw_by_class(f, by_class_area, data);
        match &self.comparison {
            [Some(a), b] => draw_comparison(f, compare_area, a, b.as_ref()),
            [None, _] => f.render_widget(
                Paragraph::new(format!(
                    "The model's statistics appear when all faces are predicted ({}/{}).",
                    predictions.done, predictions.total
                ))
                .style(Style::default().fg(theme::palette().muted))
                .wrap(Wrap { trim: true })
                .block(Block::default().borders(Borders::TOP)),
                compare_area,
            ),
        }
    }

    fn draw_overall(&self, f: &mut Frame, area: Rect, data: &SurveyData) {
        let mut lines: Vec<Line> = overall_lines(&data.statistics)
            .into_iter()
            .filter(|(n, _)| !n.is_empty())
            .map(|(n, v)| {
                Line::from(vec![
                    Span::styled(
                        format!("{n:>22} "),
                        Style::default().fg(theme::palette().muted),
                    ),
                    Span::raw(v),
                ])
            })
            .collect();
        for s in &data.stray {
            lines.push(Line::from(Span::styled(
                format!(
                    "not an emotion: {} (line {}, {}; {} answers)",
                    encode_string(&s.label),
                    s.line,
                    s.column,
                    s.answers
                ),
                Style::default().fg(theme::palette().accent),
            )));
        }
        for group in &data.clashes {
            let shown: Vec<String> = group.iter().map(|l| format!("{l:?}")).collect();
            lines.push(Line::from(Span::styled(
                format!(
                    "one class written {} ways: {}",
                    group.len(),
                    shown.join(", ")
                ),
                Style::default().fg(theme::palette().accent),
            )));
        }
        match &self.comparison {
            [Some(c), None] => {
                lines.push(Line::from(Span::styled(
                    format!("Model on the tree ({} faces):", c.model.matrix.n()),
                    theme::bold(),
                )));
                for (name, v) in [
                    ("Accuracy", c.model.overall.accuracy),
                    ("Kappa", c.model.overall.kappa),
                ] {
                    lines.push(Line::from(vec![
                        Span::styled(
                            format!("{name:>22} "),
                            Style::default().fg(theme::palette().muted),
                        ),
                        Span::raw(round_str(v, DIGITS)),
                    ]));
                }
            }
            // Two models: a line each, so that both fit beside the matrix.
            both => {
                for (c, who) in both.iter().zip(["A", "B"]) {
                    let Some(c) = c else { continue };
                    lines.push(Line::from(vec![
                        Span::styled(format!("model {who} on the tree: "), theme::bold()),
                        Span::raw(format!(
                            "acc {} kappa {}",
                            round_str(c.model.overall.accuracy, DIGITS),
                            round_str(c.model.overall.kappa, DIGITS)
                        )),
                    ]));
                }
            }
        }
        f.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" overall (people) "),
            ),
            area,
        );
    }
}

/// The matrix, each cell with its count and its share of the true class.
fn draw_matrix(f: &mut Frame, area: Rect, data: &SurveyData) {
    let m = &data.statistics.matrix;
    let pct = m.column_percentages();
    let count_w = m
        .table
        .iter()
        .flatten()
        .map(|c| c.to_string().len())
        .max()
        .unwrap_or(1);
    // Labels escaped as R prints them: a newline in one stays one line.
    let levels: Vec<String> = m.levels.iter().map(|l| encode_string(l)).collect();
    let label_w = levels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(label_w.max(11) as u16))
        .chain(
            levels
                .iter()
                .map(|l| Constraint::Length((l.chars().count().max(count_w + 7)) as u16)),
        )
        .collect();
    let header = Row::new(
        std::iter::once(Cell::from("pred \\ true"))
            .chain(levels.iter().map(|l| Cell::from(l.clone()))),
    )
    .style(theme::bold());
    let rows: Vec<Row> = (0..levels.len())
        .map(|i| {
            Row::new(
                std::iter::once(Cell::from(levels[i].clone()).style(theme::bold())).chain(
                    (0..m.levels.len()).map(|j| {
                        let p = pct[i][j].unwrap_or(0.0);
                        let shade = (255.0 - p * 2.2).clamp(30.0, 255.0) as u8;
                        let fg = if p > 50.0 { Color::White } else { Color::Black };
                        Cell::from(format!("{:>count_w$} {:>5.1}%", m.table[i][j], p))
                            .style(Style::default().bg(Color::Rgb(shade, shade, 255)).fg(fg))
                    }),
                ),
            )
        })
        .collect();
    f.render_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .block(Block::default().borders(Borders::ALL).title(format!(
                " people: {} answers (% of each true emotion) ",
                m.n()
            ))),
        area,
    );
}

/// A table with one row per class and one column per statistic.
fn class_table<'a>(
    title: String,
    headers: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
) -> Table<'a> {
    let name_w = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(5)
        .max(5) as u16;
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(name_w))
        .chain(
            headers
                .iter()
                .map(|h| Constraint::Length(h.chars().count().max(7) as u16)),
        )
        .collect();
    let header =
        Row::new(std::iter::once(Cell::from("")).chain(headers.into_iter().map(Cell::from)))
            .style(theme::bold());
    let body: Vec<Row> = rows
        .into_iter()
        .map(|(n, vals)| {
            Row::new(
                std::iter::once(Cell::from(n).style(theme::bold())).chain(
                    vals.into_iter()
                        .map(|v| Cell::from(Line::from(v).alignment(Alignment::Right))),
                ),
            )
        })
        .collect();
    Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .block(Block::default().borders(Borders::TOP).title(title))
}

/// caret's statistics by class as caret prints them, wrapped into blocks
/// for the pane's width as R wraps them for its console.
fn draw_by_class(f: &mut Frame, area: Rect, data: &SurveyData) {
    let bc = by_class(&data.statistics);
    let block = Block::default()
        .borders(Borders::TOP)
        .title(" statistics by class (caret; people) ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let row_w = bc.label_width();
    let (headers, widths) = (bc.headers(), bc.widths());
    let mut lines: Vec<Line> = Vec::new();
    for cols in bc.blocks(inner.width as usize) {
        let mut head = format!("{:row_w$}", "");
        for j in cols.clone() {
            head += &format!(" {:>w$}", headers[j], w = widths[j]);
        }
        lines.push(Line::from(Span::styled(head, theme::bold())));
        for (name, vals) in &bc.rows {
            let mut spans = vec![Span::styled(
                format!("{name:<row_w$}"),
                Style::default().fg(theme::palette().muted),
            )];
            for j in cols.clone() {
                spans.push(Span::raw(format!(" {:>w$}", vals[j], w = widths[j])));
            }
            lines.push(Line::from(spans));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// Rows of caret's by-class printout at `width`: a header and one line per
/// statistic for each block.
fn by_class_height(data: &SurveyData, width: u16) -> u16 {
    let bc = by_class(&data.statistics);
    (bc.blocks(width as usize).len() * (bc.rows.len() + 1)) as u16 + 1
}

/// The model (or models A and B) beside the people, by class, and whether
/// accuracies differ.
fn draw_comparison(f: &mut Frame, area: Rect, c: &ModelVsPeople, b: Option<&ModelVsPeople>) {
    let r = |x: Stat| round_str(x, DIGITS);
    let b_classes = b.map(ModelVsPeople::classes);
    // B's statistics for a class, matched by its (canonical) name.
    let of_b = |level: &str| {
        b_classes
            .as_ref()
            .and_then(|bc| bc.iter().find(|x| x.level == level))
            .map(|x| x.model)
    };
    let rows = c
        .classes()
        .iter()
        .map(|cc| {
            let values = match (b, of_b(cc.level)) {
                (None, _) => vec![
                    r(cc.model.sensitivity),
                    r(cc.people.sensitivity),
                    r(cc.model.specificity),
                    r(cc.people.specificity),
                    r(cc.model.balanced_accuracy),
                    r(cc.people.balanced_accuracy),
                ],
                // Two models and people: sensitivity and specificity
                // (balanced accuracy, their mean, would not fit).
                (Some(_), bs) => {
                    let bv =
                        |get: fn(&ClassStatistics) -> Stat| bs.map_or("-".into(), |s| r(get(s)));
                    vec![
                        r(cc.model.sensitivity),
                        bv(|s| s.sensitivity),
                        r(cc.people.sensitivity),
                        r(cc.model.specificity),
                        bv(|s| s.specificity),
                        r(cc.people.specificity),
                    ]
                }
            };
            (cc.level.to_string(), values)
        })
        .collect();
    let headers: &[&str] = match b {
        None => &[
            "Sens M", "Sens P", "Spec M", "Spec P", "BalAcc M", "BalAcc P",
        ],
        Some(_) => &["Sens A", "Sens B", "Sens P", "Spec A", "Spec B", "Spec P"],
    };
    let rows_h = c.levels.len() as u16 + 2;
    let [table, test_area, _] = Layout::vertical([
        Constraint::Length(rows_h),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    let title = match b {
        None => " model (faces tree) beside people ",
        Some(_) => " models A and B (faces tree) beside people ",
    };
    f.render_widget(
        class_table(
            title.into(),
            headers.iter().map(|s| s.to_string()).collect(),
            rows,
        ),
        table,
    );
    let p = |c: &ModelVsPeople| format_pval(&[Some(c.accuracy_test.p_value)], DIGITS)[0].clone();
    let text = match b {
        None => format!(
            "Accuracies differ? prop.test X-squared = {:.3}, p = {}",
            c.accuracy_test.statistic,
            p(c)
        ),
        Some(b) => format!(
            "Accuracy against people, prop.test p: A {} · B {}",
            p(c),
            p(b)
        ),
    };
    f.render_widget(Paragraph::new(text), test_area);
}
