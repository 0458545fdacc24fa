//! Drawing the explain tab: the pictures' grid and captions for what
//! [`super::view`] decided to show, and the charts under them
//! ([`super::charts`]).

use super::*;

impl ExplainTab {
    /// The block title: the parameters in use.
    fn title(&self) -> String {
        let p = &self.params;
        format!(
            " {} · {} superpixels · {} features · {} labels · threshold {:.2} · {} · negatives {} · {} · seed {} ",
            if self.compare_all {
                "all methods"
            } else {
                self.method.name()
            },
            p.n_superpixels,
            p.n_features,
            p.n_labels,
            p.panels.threshold,
            match p.panels.display {
                Display::Outline => "outline",
                Display::Block => "block",
            },
            if p.panels.show_negative { "on" } else { "off" },
            p.background.name(),
            p.seed
        )
    }

    /// Draws the tab's pane for `face` (its path, and why it is not
    /// explained when it is not).
    pub fn draw(
        &self,
        f: &mut Frame,
        images: &mut Images,
        area: Rect,
        face: Option<(usize, &Path, Option<String>)>,
        drawn: Option<Arc<Landmarks>>,
        waiting: &str,
    ) {
        let block = Block::default().borders(Borders::ALL).title(self.title());
        let inner = block.inner(area);
        f.render_widget(block, area);
        let Some((face, path, blocked)) = face else {
            f.render_widget(Paragraph::new("Select a face to explain."), inner);
            return;
        };
        if let Some(why) = blocked {
            f.render_widget(theme::error_text(why), inner);
            return;
        }
        let Some(view) = self.view(face) else {
            self.draw_waiting(f, inner, path, waiting);
            return;
        };
        let inner = match &view.shown {
            Shown::Refining(p) => self.draw_refining(f, inner, p),
            Shown::Done(_) => inner,
        };
        let (samples, labels, trust) = (view.samples, &view.labels[..], view.trust);
        let stability = |l: &LabelExplanation| trust.and_then(|t| t.stability_of(l.label));
        let n_pictures = 1 + labels.len() * view.kinds.len();
        let charts_min = if inner.height >= 18 { 8 } else { 0 };
        let (cells, pictures_h) = picture_grid(inner, n_pictures, charts_min);
        let face_key = format!(
            "{}|{:?}|{}|{}",
            path.display(),
            self.key(face),
            view.method,
            if drawn.is_some() { "L" } else { "" }
        );
        // The superpixels.
        let [cap, img] = caption_split(cells[0]);
        f.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(
                    if drawn.is_some() {
                        "Facial regions"
                    } else {
                        "Superpixels"
                    },
                    theme::bold(),
                )),
                Line::from(format!("{} of them", samples.superpixels.count)),
                Line::from(format!("{} perturbations", view.n_rows)),
            ]),
            cap,
        );
        let n_rows = view.n_rows;
        let (s, lm) = (samples.clone(), drawn.clone());
        images.show(
            f,
            img,
            Slot::Superpixels,
            &format!("sp|{face_key}"),
            move || {
                Source::Render(Arc::new(move |pw, ph| match &lm {
                    // The regions tinted: outlines alone vanish in half-blocks.
                    Some(l) => render::regions_image(&s.face, l, fit(&s.face, pw, ph)),
                    None => {
                        render::superpixels_image(&s.face, &s.superpixels, fit(&s.face, pw, ph))
                    }
                }))
            },
        );
        let mut cell = 1;
        for (li, l) in labels.iter().enumerate() {
            for &kind in &view.kinds {
                let [cap, img] = caption_split(cells[cell]);
                caption(f, cap, l, &self.params.panels, kind, stability(l));
                let opts = self.params.panels;
                // One picture refined as samples arrive, in doubling steps.
                let picture = format!("panel|{face_key}|{li}|{kind:?}|{opts:?}");
                let step = picture_step(n_rows, matches!(view.shown, Shown::Done(_)));
                let key = format!("{picture}|{step}");
                let (s, l2, lm) = (samples.clone(), l.clone(), drawn.clone());
                let slot = Slot::Panel(cell - 1);
                images.show_refined(f, img, slot, &key, &picture, move || {
                    Source::Render(Arc::new(move |pw, ph| {
                        let mut img = render::explanation_overlay(
                            &s.face,
                            &s.superpixels,
                            &l2,
                            &opts,
                            fit(&s.face, pw, ph),
                            kind,
                        );
                        if let Some(l) = &lm {
                            render::draw_regions(&mut img, l, false);
                        }
                        img
                    }))
                });
                cell += 1;
            }
        }
        let charts = Rect {
            y: inner.y + pictures_h,
            height: inner.height.saturating_sub(pictures_h),
            ..inner
        };
        if charts.height >= CHART_MIN_ROWS {
            match view.below {
                Below::Sanity(state) => draw_sanity(f, charts, state),
                Below::Comparison(comparison) => {
                    draw_comparison(f, charts, self.method, self.compare_all, comparison)
                }
                Below::Charts(regions) => draw_charts(f, charts, labels, trust, regions),
            }
        }
    }

    /// The refit's line and the sampling's gauge above the pictures; the
    /// rows left for them.
    fn draw_refining(&self, f: &mut Frame, area: Rect, p: &Partial) -> Rect {
        // Under the pictures, so that they keep their place and size when
        // the explanation is done (a picture moved is sent again).
        let [rest, msg, gauge] = Layout::vertical([
            Constraint::Min(4),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let r = &p.refit;
        f.render_widget(
            Paragraph::new(format!(
                "Refining: {} samples · top superpixels {:.0}% unchanged since {} · weights moved ≤ {:.3}{} · Esc cancels",
                r.rows,
                100.0 * r.top_overlap,
                r.rows.saturating_sub(REFIT_EVERY),
                r.weight_change,
                if self.params.until_stable { " · stops when stable" } else { "" }
            ))
            .style(Style::default().fg(theme::palette().muted)),
            msg,
        );
        if let Job::Running {
            done,
            total,
            checking,
            ..
        } = &self.job
        {
            progress_gauge(f, gauge, *done, *total, *checking);
        }
        rest
    }

    fn draw_waiting(&self, f: &mut Frame, area: Rect, path: &Path, waiting: &str) {
        let text = match &self.job {
            Job::Running {
                done,
                total,
                checking,
                ..
            } => {
                let [msg, gauge] =
                    Layout::vertical([Constraint::Length(2), Constraint::Length(1)]).areas(area);
                f.render_widget(
                    Paragraph::new(format!(
                        "Explaining {} (Esc or x cancels)",
                        emotui::files::case_name(path)
                    )),
                    msg,
                );
                progress_gauge(f, gauge, *done, *total, *checking);
                return;
            }
            Job::Cancelled => "Cancelled. Press c to compute again.".to_string(),
            Job::Failed(e) => format!("Failed: {e}\nPress c to try again."),
            Job::Idle if !waiting.is_empty() => waiting.to_string(),
            Job::Idle => "Waiting…".into(),
        };
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
    }
}

/// Lines above every picture: label, probability and fit, stability.
pub(super) const CAPTION_ROWS: u16 = 3;
/// Columns between two pictures.
pub(super) const GAP: u16 = 2;
/// Fewest rows worth a chart.
pub(super) const CHART_MIN_ROWS: u16 = 5;
/// Width of the list of strongest weights.
pub(super) const WEIGHTS_COLS: u16 = 27;

pub(super) fn caption_split(cell: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(CAPTION_ROWS), Constraint::Min(1)]).areas(cell)
}

/// Cells for `n` captioned square pictures in the grid that makes them
/// largest, leaving at least `reserve` rows below for the charts. A
/// terminal cell is about twice as tall as wide. Returns the cells and the
/// rows they take.
pub(super) fn picture_grid(area: Rect, n: usize, reserve: u16) -> (Vec<Rect>, u16) {
    let n = n.max(1);
    let avail = area.height.saturating_sub(reserve).max(CAPTION_ROWS + 2);
    // (side in columns, columns of the grid)
    let (side, cols) = (1..=n)
        .map(|c| {
            let rows = n.div_ceil(c) as u16;
            let w = area.width.saturating_sub(GAP * (c as u16 - 1)) / c as u16;
            let h = (avail / rows).saturating_sub(CAPTION_ROWS);
            (w.min(2 * h), c)
        })
        .max_by_key(|&(side, c)| (side, std::cmp::Reverse(c)))
        .unwrap_or((area.width, n));
    let rows = n.div_ceil(cols) as u16;
    let cell_h = (CAPTION_ROWS + side.div_ceil(2)).min(avail / rows);
    let cell_w = area.width.saturating_sub(GAP * (cols as u16 - 1)) / cols as u16;
    let cells = (0..n)
        .map(|i| {
            let (r, c) = ((i / cols) as u16, (i % cols) as u16);
            Rect::new(
                area.x + c * (cell_w + GAP),
                area.y + r * cell_h,
                cell_w,
                cell_h,
            )
        })
        .collect();
    (cells, rows * cell_h)
}

/// The longer side of a face fitted into pw × ph pixels.
pub(super) fn fit(face: &emotui::preprocess::Planes, pw: u32, ph: u32) -> u32 {
    let (w, h) = (face.width as f64, face.height as f64);
    let s = (pw as f64 / w).min(ph as f64 / h);
    ((w.max(h) * s) as u32).max(1)
}

/// The samples a panel's picture shows: while refining, the last doubling of
/// [`REFIT_EVERY`] reached (100, 200, 400, …), so that a terminal slow to
/// draw pictures (xterm parses sixel at well under a megabyte a second) gets
/// a few of them, not one per refit; once done, all of them.
fn picture_step(rows: usize, done: bool) -> usize {
    if done || rows < REFIT_EVERY {
        return rows;
    }
    let doublings = (rows / REFIT_EVERY).ilog2();
    REFIT_EVERY << doublings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refined_pictures_double_their_samples() {
        let steps: Vec<usize> = (1..=10).map(|k| picture_step(100 * k, false)).collect();
        assert_eq!(steps, [100, 200, 200, 400, 400, 400, 400, 800, 800, 800]);
        assert_eq!(picture_step(1000, true), 1000);
        assert_eq!(picture_step(50, false), 50);
    }
}
