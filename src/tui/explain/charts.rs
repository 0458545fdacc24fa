//! The explain tab's charts and captions: the weights, their density, the
//! region values, the deletion and insertion curves, the methods'
//! comparison and the sanity check, drawn from what the tab holds.

use super::*;

pub(super) fn verdict_colour(v: Verdict) -> Color {
    match v {
        Verdict::Stable => theme::palette().good,
        Verdict::Shaky | Verdict::Tied => theme::palette().accent,
        Verdict::Unstable => theme::palette().bad,
        Verdict::Uninformative => theme::palette().muted,
    }
}

/// A panel's caption: R lime's words where they fit, the numbers otherwise.
pub(super) fn caption(
    f: &mut Frame,
    area: Rect,
    l: &LabelExplanation,
    panels: &PanelOptions,
    kind: PanelKind,
    stability: Option<&Stability>,
) {
    let c = render::caption(l, panels, kind);
    let colour = match kind {
        PanelKind::Supports => theme::palette().support,
        PanelKind::Contradicts => theme::palette().contradict,
    };
    let w = area.width as usize;
    let mut first = format!("Label: {}", c.label);
    if let Some(k) = c.kind {
        first = format!("{first} · {}", k.to_lowercase());
    }
    let long = format!("Probability: {} · Fit: {}", c.probability, c.fit);
    let numbers = if long.chars().count() <= w {
        long
    } else {
        format!("p {} · fit {}", c.probability, c.fit)
    };
    let mut lines = vec![
        Line::from(Span::styled(first, theme::bold().fg(colour))),
        Line::from(numbers),
    ];
    if let Some(st) = stability {
        let long = format!("{} (Jaccard {:.2})", st.verdict.word(), st.jaccard);
        let text = if long.chars().count() <= w {
            long
        } else {
            st.verdict.word().to_string()
        };
        lines.push(Line::from(Span::styled(
            text,
            Style::default().fg(verdict_colour(st.verdict)),
        )));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// The methods' agreement on the first label: Spearman's ρ between every
/// pair, the top-k overlap, each method's deletion and insertion areas,
/// and the verdict.
pub(super) fn draw_comparison(
    f: &mut Frame,
    area: Rect,
    shown: Method,
    all: bool,
    comparison: Option<&Result<Arc<Comparison>, String>>,
) {
    let block = Block::default()
        .borders(Borders::TOP)
        .title(" second opinion (m cycles lime · kernelshap · occlusion · rise) ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let c = match comparison {
        None => {
            f.render_widget(
                Paragraph::new(format!(
                    "Computing {} on these superpixels (KernelSHAP, occlusion and RISE share LIME's background)…",
                    shown.name()
                ))
                .style(Style::default().fg(theme::palette().muted)),
                inner,
            );
            return;
        }
        Some(Err(e)) => {
            f.render_widget(theme::error_text(format!("Cannot compare: {e}")), inner);
            return;
        }
        Some(Ok(c)) => c,
    };
    let Some(l) = c.agreement.first() else {
        return;
    };
    let methods: Vec<Method> = c.attributions.iter().map(|a| a.method).collect();
    let rho = |a: Method, b: Method| -> Option<&emotui::methods::agreement::Pair> {
        l.pairs
            .iter()
            .find(|p| (p.a == a && p.b == b) || (p.a == b && p.b == a))
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{}: ", l.name), theme::bold()),
        Span::styled(
            l.verdict.word(),
            Style::default().fg(match l.verdict {
                emotui::methods::agreement::Consensus::Agree => theme::palette().good,
                emotui::methods::agreement::Consensus::Partly => theme::palette().accent,
                emotui::methods::agreement::Consensus::Disagree => theme::palette().bad,
            }),
        ),
        Span::raw(format!(
            " · mean Spearman {:.2} · mean top-{} Jaccard {:.2}",
            l.mean_spearman, l.k, l.mean_jaccard
        )),
    ])];
    let mut header = format!("{:<11}", "Spearman ρ");
    for m in &methods {
        header += &format!(" {:>10}", m.name());
    }
    header += "   deletion  insertion  evaluations";
    lines.push(Line::from(Span::styled(header, theme::bold())));
    for (i, &a) in methods.iter().enumerate() {
        let mut row = format!("{:<11}", a.name());
        for &b in &methods {
            row += &match rho(a, b) {
                _ if a == b => format!(" {:>10}", "1"),
                Some(p) => format!(" {:>10.2}", p.spearman),
                None => format!(" {:>10}", "–"),
            };
        }
        if let Some(cv) = l.curves.iter().find(|cv| cv.method == a) {
            row += &format!("   {:>8.3}  {:>9.3}", cv.deletion_auc, cv.insertion_auc);
        }
        row += &format!("  {:>11}", c.attributions[i].evaluations);
        let style = if a == shown && !all {
            theme::bold().fg(theme::palette().other)
        } else {
            Style::default()
        };
        lines.push(Line::from(Span::styled(row, style)));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The sanity check: per layer randomised (from the output down), each
/// method's rank correlation with its original explanation and SSIM.
pub(super) fn draw_sanity(f: &mut Frame, area: Rect, state: &SanityState) {
    let block = Block::default()
        .borders(Borders::TOP)
        .title(" sanity check: model weights randomised layer by layer (z hides) ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let report = match state {
        SanityState::Running { done, total } => {
            let ratio = if *total > 0 {
                *done as f64 / *total as f64
            } else {
                0.0
            };
            f.render_widget(
                Gauge::default()
                    .ratio(ratio.clamp(0.0, 1.0))
                    .label(format!(
                        "randomising layer {done}/{total}; each one explained again"
                    ))
                    .gauge_style(Style::default().fg(theme::palette().other)),
                Rect { height: 1, ..inner },
            );
            return;
        }
        SanityState::Failed(e) => {
            f.render_widget(
                theme::error_text(format!("Sanity check failed: {e}")),
                inner,
            );
            return;
        }
        SanityState::Done(r) => r,
    };
    let mut header = format!("{:>4} {:<28} {:>6}", "step", "layer", "p");
    for m in &report.methods {
        header += &format!(" {:>13} {:>5}", format!("{} ρ|·|", m.name()), "SSIM");
    }
    let mut lines = vec![
        Line::from(format!(
            "label {} ({:.2}): similarity should fall towards 0 as layers are randomised",
            report.label, report.probability
        )),
        Line::from(Span::styled(header, theme::bold())),
    ];
    for (i, st) in report.steps.iter().enumerate() {
        let mut row = format!(
            "{:>4} {:<28} {:>6.3}",
            i + 1,
            st.layer.short_name(28),
            st.probability
        );
        for sim in &st.similarity {
            row += &format!(" {:>13.3} {:>5.2}", sim.spearman_abs, sim.ssim);
        }
        lines.push(Line::from(row));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// Per label: the weights' density, the strongest weights with their
/// intervals, and the deletion/insertion curves. Labels are stacked when
/// there is height for it, side by side otherwise.
pub(super) fn draw_charts(
    f: &mut Frame,
    area: Rect,
    labels: &[LabelExplanation],
    trust: Option<&trust::Trust>,
    regions: Option<&FaceRegions>,
) {
    let n = labels.len().max(1) as u16;
    let stacked = area.height / n >= 2 * CHART_MIN_ROWS;
    let parts = if stacked {
        Layout::vertical(vec![Constraint::Ratio(1, n as u32); n as usize]).split(area)
    } else {
        Layout::horizontal(vec![Constraint::Ratio(1, n as u32); n as usize]).split(area)
    };
    for (l, part) in labels.iter().zip(parts.iter()) {
        // What fits: all three charts, the weights and the curves, or the
        // weights alone.
        let weights_w = WEIGHTS_COLS.min(part.width);
        let (density, weights, curves) = if part.width >= 3 * weights_w {
            let [d, w, c] = Layout::horizontal([
                Constraint::Fill(1),
                Constraint::Length(weights_w),
                Constraint::Fill(1),
            ])
            .spacing(1)
            .areas(*part);
            (Some(d), w, Some(c))
        } else if part.width >= 2 * weights_w {
            let [w, c] = Layout::horizontal([Constraint::Length(weights_w), Constraint::Fill(1)])
                .spacing(1)
                .areas(*part);
            (None, w, Some(c))
        } else {
            (None, *part, None)
        };
        // Where the weight falls says more than its density, when known.
        let shares = regions.and_then(|r| r.labels.iter().find(|x| x.label == l.name));
        let game = regions.and_then(|r| r.game.as_ref());
        match (density, shares) {
            (Some(area), Some(shares)) => draw_regions(f, shares, game, area),
            (Some(area), None) => draw_density(f, l, area),
            _ => {}
        }
        draw_weights(f, l, trust.and_then(|t| t.stability_of(l.label)), weights);
        let Some(curves) = curves else { continue };
        match trust.and_then(|t| t.faithfulness_of(l.label)) {
            Some(fa) => draw_faithfulness(f, &l.name, fa, curves),
            None => f.render_widget(
                Paragraph::new("deletion curves when sampling is done")
                    .style(Style::default().fg(theme::palette().muted))
                    .wrap(Wrap { trim: true })
                    .block(Block::default().borders(Borders::TOP)),
                curves,
            ),
        }
    }
}

/// How many perturbations have been evaluated.
/// Sampling's progress, then that the trust figures are being computed.
pub(super) fn progress_gauge(f: &mut Frame, area: Rect, done: usize, total: usize, checking: bool) {
    let ratio = if total > 0 {
        done as f64 / total as f64
    } else {
        0.0
    };
    f.render_widget(
        Gauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(if checking {
                format!("{total} perturbations; checking trust (bootstrap refits, deletion curves)")
            } else {
                format!("{done}/{total} perturbations")
            })
            .gauge_style(Style::default().fg(theme::palette().other)),
        area,
    );
}

pub(super) fn line_dataset(data: &[(f64, f64)], colour: Color) -> Dataset<'_> {
    Dataset::default()
        .marker(symbols::Marker::Braille)
        .graph_type(GraphType::Line)
        .style(Style::default().fg(colour))
        .data(data)
}

/// The practical's density plot of one label's feature weights.
pub(super) fn draw_density(f: &mut Frame, l: &LabelExplanation, area: Rect) {
    let weights: Vec<f64> = l.features.iter().map(|f| f.weight).collect();
    let curve = render::weight_density(&weights);
    if curve.is_empty() {
        return;
    }
    let (x0, x1) = (curve[0].0, curve[curve.len() - 1].0);
    let ymax = curve.iter().map(|p| p.1).fold(0.0, f64::max);
    let chart = Chart::new(vec![line_dataset(&curve, theme::palette().other)])
        .block(
            Block::default()
                .borders(Borders::TOP)
                .title(format!(" {}: weights' density ", l.name)),
        )
        .x_axis(
            Axis::default()
                .bounds([x0, x1])
                .style(Style::default().fg(theme::palette().muted))
                .labels(vec![
                    Line::from(format!("{x0:.2}")),
                    Line::from(format!("{x1:.2}")),
                ]),
        )
        .y_axis(Axis::default().bounds([0.0, ymax * 1.05]));
    f.render_widget(chart, area);
}

/// The strongest weights with their 95% intervals (supports blue,
/// contradicts red), under the stability verdict.
pub(super) fn draw_weights(
    f: &mut Frame,
    l: &LabelExplanation,
    st: Option<&Stability>,
    area: Rect,
) {
    let title = match st {
        Some(s) if area.width >= WEIGHTS_COLS => {
            format!(" {}: weights · {} ", l.name, s.verdict.word())
        }
        _ => format!(" {}: weights ", l.name),
    };
    // The intervals need the full width; the weights come first.
    let intervals = area.width >= WEIGHTS_COLS;
    let block = Block::default().borders(Borders::TOP).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines: Vec<Line> = l
        .features
        .iter()
        .take(inner.height as usize)
        .map(|w| {
            let colour = if w.weight >= 0.0 {
                theme::palette().support
            } else {
                theme::palette().contradict
            };
            let iv = st
                .filter(|_| intervals)
                .and_then(|s| s.intervals.iter().find(|i| i.superpixel == w.superpixel))
                .map_or(String::new(), |i| {
                    format!(" {:+.2}‥{:+.2}", i.lower, i.upper)
                });
            Line::from(vec![
                Span::raw(format!("{:>3} ", w.superpixel)),
                Span::styled(format!("{:+.3}", w.weight), theme::bold().fg(colour)),
                Span::styled(iv, Style::default().fg(theme::palette().muted)),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// Each facial region's value for the label (the region game's exact
/// Shapley value: supports blue, contradicts red) and its share of |value|,
/// largest first; under them, the smallest removal that changes the label.
pub(super) fn draw_regions(
    f: &mut Frame,
    shares: &LabelRegions,
    game: Option<&GameAnswer>,
    area: Rect,
) {
    let title = match shares.r2 {
        Some(r2) => format!(" {}: regions (refit) · R² {r2:.2} ", shares.label),
        None => format!(" {}: regions · exact Shapley ", shares.label),
    };
    let block = Block::default().borders(Borders::TOP).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let mut rows: Vec<_> = shares
        .shares
        .regions
        .iter()
        .zip(shares.shares.value_shares())
        .filter(|(_, share)| *share >= REGION_SHOWN)
        .collect();
    rows.sort_by(|(a, _), (b, _)| b.value.abs().total_cmp(&a.value.abs()));
    // The flips are the predicted label's: shown under its regions.
    let flip = game
        .filter(|g| g.predicted == shares.label)
        .map(|g| match g.flips.first() {
            Some(fl) => format!(
                "remove {} → {} {:.2}",
                fl.removed_names(),
                fl.to,
                fl.probability
            ),
            None => "no removal of regions changes the label".to_string(),
        });
    // The label's strongest pair of regions acting together.
    let pair = game
        .and_then(|g| {
            g.interactions
                .iter()
                .filter(|i| i.label == shares.label)
                .max_by(|a, b| a.value.abs().total_cmp(&b.value.abs()))
        })
        // Shown to three decimals: smaller ones would read as +0.000.
        .filter(|i| i.value.abs() >= 5e-4)
        .map(|i| format!("{} × {} {:+.3} together", i.a.name(), i.b.name(), i.value));
    let notes = [flip.as_ref(), pair.as_ref()].into_iter().flatten().count();
    let room = (inner.height as usize).saturating_sub(notes.min(inner.height as usize / 2));
    let bar_w = inner.width.saturating_sub(24).max(2) as f64;
    let mut lines: Vec<Line> = rows
        .iter()
        .take(room)
        .map(|&(r, share)| {
            let colour = if r.value >= 0.0 {
                theme::palette().support
            } else {
                theme::palette().contradict
            };
            let bar = "█".repeat((share * bar_w).round() as usize);
            Line::from(vec![
                Span::raw(format!("{:<11}", r.region.name())),
                Span::styled(format!("{:>+7.3} ", r.value), theme::bold().fg(colour)),
                Span::styled(
                    format!("{:>3.0}% ", 100.0 * share),
                    Style::default().fg(theme::palette().muted),
                ),
                Span::styled(bar, Style::default().fg(colour)),
            ])
        })
        .collect();
    for note in [flip, pair].into_iter().flatten() {
        if lines.len() < inner.height as usize {
            lines.push(Line::styled(
                note,
                Style::default().fg(theme::palette().muted),
            ));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// Regions with less than this share of |value| are left out of the list.
pub(super) const REGION_SHOWN: f64 = 0.005;

/// Deletion (red) and insertion (blue) curves against random orders (grey).
pub(super) fn draw_faithfulness(f: &mut Frame, name: &str, fa: &trust::Faithfulness, area: Rect) {
    let (d, i) = (fa.deletion.points(), fa.insertion.points());
    let (rd, ri) = (fa.random_deletion.points(), fa.random_insertion.points());
    let ymax = d
        .iter()
        .chain(&i)
        .chain(&rd)
        .chain(&ri)
        .map(|p| p.1)
        .fold(1e-9, f64::max);
    let chart = Chart::new(vec![
        line_dataset(&rd, theme::palette().muted),
        line_dataset(&ri, theme::palette().muted),
        line_dataset(&d, theme::palette().contradict),
        line_dataset(&i, theme::palette().support),
    ])
    // The title's words in the curves' colours are the legend; grey is the
    // random-order baseline.
    .block(
        Block::default()
            .borders(Borders::TOP)
            .title(Line::from(vec![
                Span::raw(format!(" {name}: ")),
                Span::styled(
                    format!("deletion {:.2}×", fa.deletion_ratio),
                    Style::default().fg(theme::palette().contradict),
                ),
                Span::raw(" · "),
                Span::styled(
                    format!("insertion {:.2}× ", fa.insertion_ratio),
                    Style::default().fg(theme::palette().support),
                ),
            ])),
    )
    .x_axis(
        Axis::default()
            .bounds([0.0, 1.0])
            .style(Style::default().fg(theme::palette().muted))
            .labels(vec![Line::from("0"), Line::from("all")]),
    )
    .y_axis(
        Axis::default()
            .bounds([0.0, ymax * 1.05])
            .style(Style::default().fg(theme::palette().muted))
            .labels(vec![Line::from("0"), Line::from(format!("{ymax:.2}"))]),
    );
    f.render_widget(chart, area);
}
