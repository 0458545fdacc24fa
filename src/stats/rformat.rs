//! R's number formatting, as far as caret's printout needs it: `round()` +
//! `as.character()`, `format()` of a vector (C `formatReal`), and
//! `format.pval()`. Matching R here is what makes our printout read digit for
//! digit like the practical's.

use super::confusion::Stat;

/// Significant digits R's `as.character()` keeps for a double.
const AS_CHARACTER_DIGITS: usize = 15;

/// A label as R prints it in a table (`encodeString`): a backslash doubled,
/// control characters as escapes (`\n`, `\t`, octal `\001`, `\u0085`),
/// so that one label stays on one line and keeps its columns.
pub fn encode_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\{:03o}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `as.character(round(x, digits))`. `NA` for `None`, `NaN` for NaN.
pub fn round_str(x: Stat, digits: usize) -> String {
    match x {
        None => "NA".into(),
        Some(v) if v.is_nan() => "NaN".into(),
        Some(v) if v.is_infinite() => if v > 0.0 { "Inf" } else { "-Inf" }.into(),
        Some(v) => {
            // Rust rounds the exact binary value, as R >= 4.0's round() does.
            let rounded: f64 = format!("{v:.digits$}").parse().unwrap_or(v);
            if rounded == 0.0 {
                return "0".into();
            }
            // as.character() writes 15 significant digits, fixed or
            // scientific, whichever is shorter ("7e-04", not "0.0007").
            format_vector(&[Some(rounded)], AS_CHARACTER_DIGITS)
                .remove(0)
                .trim()
                .to_string()
        }
    }
}

/// Significant digits and decimal exponent of |x| rounded to `digits`
/// significant digits (R's `scientific()`): (nsig, kpower).
fn scientific(x: f64, digits: usize) -> (usize, i32) {
    if x == 0.0 {
        return (1, 0);
    }
    let s = format!("{:.*e}", digits - 1, x.abs());
    let (mantissa, exp) = s.split_once('e').expect("exponent");
    let kp: i32 = exp.parse().expect("exponent");
    let digits_only: String = mantissa.chars().filter(|c| *c != '.').collect();
    let nsig = digits_only.trim_end_matches('0').len().max(1);
    (nsig, kp)
}

/// R's `format(x, digits = digits)` for a vector of finite or missing
/// values: one common fixed or scientific layout, right-justified to a
/// common width. `None` prints as `NA`, NaN as `NaN`.
pub fn format_vector(values: &[Stat], digits: usize) -> Vec<String> {
    let finite: Vec<f64> = values
        .iter()
        .flatten()
        .cloned()
        .filter(|v| v.is_finite())
        .collect();
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    if finite.is_empty() {
        out = values.iter().map(|v| missing(*v)).collect();
    } else {
        let mut rgt = 0usize;
        let mut max_left = 1usize;
        let mut max_sig = 1usize;
        let mut neg = false;
        let (mut min_e, mut max_e) = (i32::MAX, i32::MIN);
        for &v in &finite {
            let (nsig, kp) = scientific(v, digits);
            neg |= v < 0.0;
            max_sig = max_sig.max(nsig);
            min_e = min_e.min(kp);
            max_e = max_e.max(kp);
            let left = if kp >= 0 { kp as usize + 1 } else { 1 };
            max_left = max_left.max(left);
            rgt = rgt.max((nsig as i32 - kp - 1).max(0) as usize);
        }
        let fixed_width = neg as usize + max_left + rgt + (rgt > 0) as usize;
        let exp_width = if min_e.abs().max(max_e.abs()) >= 100 {
            3
        } else {
            2
        };
        let sci_width =
            neg as usize + if max_sig > 1 { max_sig + 1 } else { max_sig } + 2 + exp_width;
        for v in values {
            out.push(match v {
                Some(x) if x.is_finite() => {
                    if fixed_width <= sci_width {
                        format!("{x:.rgt$}")
                    } else {
                        r_sci(*x, max_sig - 1)
                    }
                }
                other => missing(*other),
            });
        }
    }
    let w = out.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    out.into_iter().map(|s| format!("{s:>w$}")).collect()
}

fn missing(v: Stat) -> String {
    match v {
        None => "NA".into(),
        Some(x) if x.is_nan() => "NaN".into(),
        Some(x) if x > 0.0 => "Inf".into(),
        Some(_) => "-Inf".into(),
    }
}

/// C's `%.*e` with at least two exponent digits, as R prints.
fn r_sci(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$e}");
    let (m, e) = s.split_once('e').expect("exponent");
    let e: i32 = e.parse().expect("exponent");
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// R's `format.pval(pv, digits)`: values below machine epsilon print as
/// `< 2.2e-16` (or `<2e-16` next to short values), missing ones as `NA`.
pub fn format_pval(values: &[Stat], digits: usize) -> Vec<String> {
    let eps = f64::EPSILON;
    let present: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|x| !x.is_nan()).map(|x| (i, x)))
        .collect();
    let mut out = vec!["NA".to_string(); values.len()];
    let small: Vec<&(usize, f64)> = present.iter().filter(|(_, x)| *x < eps).collect();
    let rest: Vec<&(usize, f64)> = present.iter().filter(|(_, x)| *x >= eps).collect();
    let mut rr = Vec::new();
    if !rest.is_empty() {
        // Fixed-point candidates (exponent >= -3) and the others are formatted
        // as two separate vectors.
        type Indexed = Vec<(usize, f64)>;
        let (fix, sci): (Indexed, Indexed) = rest.iter().map(|&&p| p).partition(|(_, x)| {
            let expo = if *x > 0.0 { x.log10().floor() } else { -50.0 };
            expo >= -3.0 || *x == 0.0
        });
        for group in [fix, sci] {
            let vals: Vec<Stat> = group.iter().map(|(_, x)| Some(*x)).collect();
            for ((i, _), s) in group.iter().zip(format_vector(&vals, digits)) {
                out[*i] = s.clone();
                rr.push(s);
            }
        }
    }
    if !small.is_empty() {
        let mut d = digits.saturating_sub(2).max(1);
        let sep;
        if !rr.is_empty() {
            let nc = rr.iter().map(|s| s.chars().count()).max().unwrap_or(0);
            if d > 1 && d + 6 > nc {
                d = nc.saturating_sub(7).max(1);
            }
            sep = if d == 1 && nc <= 6 { "" } else { " " };
        } else {
            sep = if d == 1 { "" } else { " " };
        }
        let e = format_vector(&[Some(eps)], d).remove(0);
        for (i, _) in small {
            out[*i] = format!("<{sep}{}", e.trim());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_as_r_prints_them() {
        // R 4.2.2: print(table(...)) of these labels prints
        // a\001b a\\b a\tb a\177b a\u0085b.
        let got: Vec<String> = ["a\u{1}b", "a\\b", "a\tb", "a\u{7f}b", "a\u{85}b", "Jo\ny"]
            .iter()
            .map(|s| encode_string(s))
            .collect();
        assert_eq!(
            got,
            [
                "a\\001b",
                "a\\\\b",
                "a\\tb",
                "a\\177b",
                "a\\u0085b",
                "Jo\\ny"
            ]
        );
    }

    #[test]
    fn round_like_as_character() {
        assert_eq!(round_str(Some(0.561_363_6), 4), "0.5614");
        assert_eq!(round_str(Some(0.15), 4), "0.15");
        assert_eq!(round_str(Some(1.0), 4), "1");
        assert_eq!(round_str(Some(-0.000_01), 4), "0");
        assert_eq!(round_str(None, 4), "NA");
        // R: as.character(round(0.000683, 4)) is "7e-04".
        assert_eq!(round_str(Some(0.000_683), 4), "7e-04");
        assert_eq!(round_str(Some(0.052_7), 4), "0.0527");
        assert_eq!(round_str(Some(0.141_57), 4), "0.1416");
    }

    #[test]
    fn vectors_share_decimals() {
        // R: format(c(0.46212121, 0.06931818, 0.15), digits = 4)
        assert_eq!(
            format_vector(&[Some(0.462_121_21), Some(0.069_318_18), Some(0.15)], 4),
            ["0.46212", "0.06932", "0.15000"]
        );
        // R: format(c(0.001288, 1), digits = 4) -> "0.001288" "1.000000"
        assert_eq!(
            format_vector(&[Some(0.001_288), Some(1.0)], 4),
            ["0.001288", "1.000000"]
        );
        assert_eq!(format_vector(&[Some(1.23e-7)], 4), ["1.23e-07"]);
        assert_eq!(
            format_vector(&[None, Some(f64::NAN), Some(0.5)], 4),
            [" NA", "NaN", "0.5"]
        );
    }

    #[test]
    fn pvalues_like_format_pval() {
        assert_eq!(
            format_pval(&[Some(1e-300), Some(f64::NAN)], 4),
            ["< 2.2e-16", "NA"]
        );
        assert_eq!(format_pval(&[Some(1e-300), Some(1.0)], 4), ["<2e-16", "1"]);
        assert_eq!(
            format_pval(&[Some(0.001_288), Some(1.0)], 4),
            ["0.001288", "1.000000"]
        );
    }
}
