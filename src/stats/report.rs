//! `print.confusionMatrix` (caret, digits = 4), byte for byte as R prints
//! it at a given console width (`options(width)`: R wraps matrices into
//! blocks of columns that fit), plus the column-normalised matrix of the
//! practical's Figure 4.

use std::fmt::Write;

use super::confusion::{CaretStatistics, ClassStatistics, ConfusionMatrix, Stat};
use super::rformat::{encode_string, format_pval, format_vector, round_str};

/// caret's `digits = max(3, getOption("digits") - 3)` with R's default 7.
const DIGITS: usize = 4;

/// R's default console width, as Rscript prints when not on a terminal.
pub const R_WIDTH: usize = 80;

/// R's way of splitting a matrix's columns into blocks that fit in `width`
/// (printmatrix.c): a block takes at least one column, and the next one
/// while the row-label column plus each column and its separating space
/// stays below `width`.
fn column_blocks(label_w: usize, widths: &[usize], width: usize) -> Vec<std::ops::Range<usize>> {
    let mut blocks = Vec::new();
    let mut start = 0;
    while start < widths.len() {
        let mut end = start;
        let mut line = label_w;
        while end < widths.len() && (end == start || line + 1 + widths[end] < width) {
            line += 1 + widths[end];
            end += 1;
        }
        blocks.push(start..end);
        start = end;
    }
    blocks
}

/// Reads one statistic of a class.
pub type ClassStat = fn(&ClassStatistics) -> Stat;

/// Per-class rows as caret prints them in `sens_spec` mode.
pub const CLASS_ROWS: [(&str, ClassStat); 8] = [
    ("Sensitivity", |c| c.sensitivity),
    ("Specificity", |c| c.specificity),
    ("Pos Pred Value", |c| c.pos_pred_value),
    ("Neg Pred Value", |c| c.neg_pred_value),
    ("Prevalence", |c| c.prevalence),
    ("Detection Rate", |c| c.detection_rate),
    ("Detection Prevalence", |c| c.detection_prevalence),
    ("Balanced Accuracy", |c| c.balanced_accuracy),
];

/// A square table with R's layout for a table with dimnames `Prediction`
/// and `Reference` (`print.table`): the row labels left-justified among
/// themselves and right-aligned under "Prediction" (at least two spaces
/// in), the cells formatted together to one width (`format()` of the whole
/// matrix), each column right-aligned to that width or its label, the
/// reference name over the columns; wrapped into blocks at `width`, each
/// with its own two header lines.
fn square_table(
    levels: &[String],
    heading: &str,
    width: usize,
    cell: impl Fn(usize, usize) -> String,
) -> String {
    let levels: Vec<String> = levels.iter().map(|l| encode_string(l)).collect();
    let k = levels.len();
    let longest = levels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let label_w = (longest + 2).max("Prediction".len());
    let cells: Vec<Vec<String>> = (0..k)
        .map(|i| (0..k).map(|j| cell(i, j)).collect())
        .collect();
    let cell_w = cells
        .iter()
        .flatten()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(1);
    let widths: Vec<usize> = levels
        .iter()
        .map(|l| l.chars().count().max(cell_w))
        .collect();
    let mut s = String::new();
    for block in column_blocks(label_w, &widths, width) {
        let _ = writeln!(s, "{:label_w$}{heading}", "");
        let _ = write!(s, "{:<label_w$}", "Prediction");
        for j in block.clone() {
            let _ = write!(s, " {:>w$}", levels[j], w = widths[j]);
        }
        s.push('\n');
        for i in 0..k {
            let _ = write!(
                s,
                "{:indent$}{:<longest$}",
                "",
                levels[i],
                indent = label_w - longest
            );
            for j in block.clone() {
                let _ = write!(s, " {:>w$}", cells[i][j], w = widths[j]);
            }
            s.push('\n');
        }
    }
    s
}

/// R's `print()` of the table with dimnames `Prediction` and `Reference`.
pub fn table_text(m: &ConfusionMatrix, width: usize) -> String {
    square_table(&m.levels, "Reference", width, |i, j| {
        m.table[i][j].to_string()
    })
}

/// The overall block's (name, value) lines, values formatted as caret does.
pub fn overall_lines(st: &CaretStatistics) -> Vec<(&'static str, String)> {
    let o = &st.overall;
    let p = format_pval(&[o.accuracy_p_value, o.mcnemar_p_value], DIGITS);
    vec![
        ("Accuracy", round_str(o.accuracy, DIGITS)),
        (
            "95% CI",
            format!(
                "({}, {})",
                round_str(o.accuracy_lower, DIGITS),
                round_str(o.accuracy_upper, DIGITS)
            ),
        ),
        ("No Information Rate", round_str(o.accuracy_null, DIGITS)),
        ("P-Value [Acc > NIR]", p[0].clone()),
        ("", String::new()),
        ("Kappa", round_str(o.kappa, DIGITS)),
        ("", String::new()),
        ("Mcnemar's Test P-Value", p[1].clone()),
    ]
}

/// A two-column character matrix as `print(out, quote = FALSE)` shows it
/// at `width`: names right-justified with " :", values left-justified,
/// empty row and column names; the two columns in two blocks when they do
/// not fit side by side.
fn name_value_block(lines: &[(String, String)], width: usize) -> String {
    let names: Vec<String> = lines
        .iter()
        .map(|(n, _)| {
            if n.is_empty() {
                String::new()
            } else {
                format!("{n} :")
            }
        })
        .collect();
    let values: Vec<String> = lines.iter().map(|(_, v)| v.clone()).collect();
    let nw = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let vw = values.iter().map(|v| v.chars().count()).max().unwrap_or(0);
    let mut s = String::new();
    for block in column_blocks(0, &[nw, vw], width) {
        let cell = |j: usize, i: usize| -> String {
            if j == 0 {
                format!(" {:>nw$}", names[i])
            } else {
                format!(" {:<vw$}", values[i])
            }
        };
        for j in block.clone() {
            let _ = write!(s, " {:w$}", "", w = [nw, vw][j]);
        }
        s.push('\n');
        for i in 0..lines.len() {
            for j in block.clone() {
                s.push_str(&cell(j, i));
            }
            s.push('\n');
        }
    }
    s
}

/// caret's statistics by class as data: the reported classes, and for
/// every statistic its name and one value per class, each class's values
/// formatted on their own as R's `print(t(byClass), digits = 4)` does.
#[derive(Debug, Clone, PartialEq)]
pub struct ByClass {
    /// Reported class names, in caret's order.
    pub classes: Vec<String>,
    /// (statistic, value per class), in [`CLASS_ROWS`] order.
    pub rows: Vec<(&'static str, Vec<String>)>,
}

/// The statistics by class, formatted as caret prints them.
pub fn by_class(st: &CaretStatistics) -> ByClass {
    let classes: Vec<usize> = st.reported_classes().collect();
    let columns: Vec<Vec<String>> = classes
        .iter()
        .map(|&c| {
            let vals: Vec<Stat> = CLASS_ROWS.iter().map(|(_, f)| f(&st.by_class[c])).collect();
            format_vector(&vals, DIGITS)
        })
        .collect();
    ByClass {
        classes: classes
            .iter()
            .map(|&c| encode_string(&st.matrix.levels[c]))
            .collect(),
        rows: CLASS_ROWS
            .iter()
            .enumerate()
            .map(|(r, (name, _))| (*name, columns.iter().map(|col| col[r].clone()).collect()))
            .collect(),
    }
}

impl ByClass {
    /// Width of the statistic names' column.
    pub fn label_width(&self) -> usize {
        self.rows
            .iter()
            .map(|(n, _)| n.chars().count())
            .max()
            .unwrap_or(0)
    }

    /// The column headers, `Class: <name>`.
    pub fn headers(&self) -> Vec<String> {
        self.classes.iter().map(|c| format!("Class: {c}")).collect()
    }

    /// Each class column's width: its header or its widest value.
    pub fn widths(&self) -> Vec<usize> {
        self.headers()
            .iter()
            .enumerate()
            .map(|(j, h)| {
                self.rows
                    .iter()
                    .map(|(_, v)| v[j].chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(h.chars().count())
            })
            .collect()
    }

    /// The classes of each block when printed at `width`, as R wraps a
    /// matrix.
    pub fn blocks(&self, width: usize) -> Vec<std::ops::Range<usize>> {
        column_blocks(self.label_width(), &self.widths(), width)
    }
}

/// The per-class table: one column per class, headed `Class: <name>`,
/// wrapped into blocks at `width` as R prints a matrix.
pub fn by_class_text(st: &CaretStatistics, width: usize) -> String {
    let bc = by_class(st);
    let row_w = bc.label_width();
    let (headers, widths) = (bc.headers(), bc.widths());
    let mut s = String::new();
    for block in bc.blocks(width) {
        let _ = write!(s, "{:row_w$}", "");
        for j in block.clone() {
            let _ = write!(s, " {:>w$}", headers[j], w = widths[j]);
        }
        s.push('\n');
        for (name, vals) in &bc.rows {
            let _ = write!(s, "{name:<row_w$}");
            for j in block.clone() {
                let _ = write!(s, " {:>w$}", vals[j], w = widths[j]);
            }
            s.push('\n');
        }
    }
    s
}

/// The whole of `print(confusionMatrix(...))` at console width `width`.
pub fn caret_text(st: &CaretStatistics, width: usize) -> String {
    let mut s = String::from("Confusion Matrix and Statistics\n\n");
    s.push_str(&table_text(&st.matrix, width));
    let mut lines: Vec<(String, String)> = overall_lines(st)
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect();
    if st.matrix.levels.len() > 2 {
        s.push_str("\nOverall Statistics\n");
        s.push_str(&name_value_block(&lines, width));
        s.push_str("\nStatistics by Class:\n\n");
        s.push_str(&by_class_text(st, width));
    } else {
        // Two classes: the positive class's statistics continue the block,
        // all formatted together, and R adds an empty row at the end.
        let c = &st.by_class[0];
        let vals: Vec<Stat> = CLASS_ROWS.iter().map(|(_, f)| f(c)).collect();
        lines.push((String::new(), String::new()));
        for ((name, _), v) in CLASS_ROWS.iter().zip(format_vector(&vals, DIGITS)) {
            lines.push((name.to_string(), v));
        }
        lines.push((String::new(), String::new()));
        lines.push((
            "'Positive' Class".into(),
            encode_string(&st.matrix.levels[0]),
        ));
        lines.push((String::new(), String::new()));
        s.push_str(&name_value_block(&lines, width));
    }
    s
}

/// The matrix with each reference column as percentages (one decimal).
pub fn column_percentages_text(m: &ConfusionMatrix, width: usize) -> String {
    let pct = m.column_percentages();
    square_table(&m.levels, "Reference (% of each column)", width, |i, j| {
        pct[i][j].map_or("-".to_string(), |p| format!("{p:.1}"))
    })
}

/// The statistics as JSON, full precision, NA and NaN as `null`:
/// `{"levels", "table" (rows = prediction), "overall", "by_class": {level: ...}}`.
pub fn caret_json(st: &CaretStatistics) -> serde_json::Value {
    let by_class: serde_json::Map<String, serde_json::Value> = st
        .reported_classes()
        .map(|c| {
            (
                st.matrix.levels[c].clone(),
                serde_json::to_value(st.by_class[c]).unwrap_or_default(),
            )
        })
        .collect();
    serde_json::json!({
        "levels": st.matrix.levels,
        "table": st.matrix.table,
        "overall": st.overall,
        "by_class": by_class,
    })
}
