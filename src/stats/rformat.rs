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
        Some(v) => as_character(fround(v, digits as i32)),
    }
}

/// R's `as.character()` of one double (`StringFromReal`): `formatReal`
/// with 15 significant digits, fixed or scientific, whichever is shorter
/// ("7e-04", not "0.0007"), trailing zeros dropped.
pub fn as_character(x: f64) -> String {
    if !x.is_finite() {
        return missing(Some(x));
    }
    // IEEE's negative zero prints as 0.
    let x = if x == 0.0 { 0.0 } else { x };
    let layout = RealLayout::of(&[x], AS_CHARACTER_DIGITS);
    drop_trailing_zeros(&layout.encode(x))
}

/// `EncodeRealDrop0`: the zeros at the end of the digits after the decimal
/// point go, and the point with them when nothing is left after it.
fn drop_trailing_zeros(s: &str) -> String {
    let Some(dot) = s.find('.') else {
        return s.to_string();
    };
    let digits_end = s[dot + 1..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(s.len(), |i| dot + 1 + i);
    let kept = s[dot + 1..digits_end].trim_end_matches('0');
    let head = if kept.is_empty() {
        &s[..dot]
    } else {
        &s[..dot + 1 + kept.len()]
    };
    format!("{head}{}", &s[digits_end..])
}

/// R's `round(x, digits)` (nmath/fround.c, R >= 4.0): of the two
/// candidates `floor(x·10^d)/10^d` and `ceil(x·10^d)/10^d`, the one nearer
/// to `x` in double arithmetic, the even one on a tie. This is not
/// `sprintf`'s rounding of the exact binary value: 0.22145 (stored as
/// 0.22145000000000000795) rounds to 0.2214 in R, to 0.2215 in `%.4f`.
pub fn fround(x: f64, digits: i32) -> f64 {
    const MAX10E: i32 = f64::MAX_10_EXP; // 308
    const MAX_DIGITS: i32 = MAX10E + f64::DIGITS as i32;
    if x.is_nan() || !x.is_finite() || x == 0.0 || digits > MAX_DIGITS {
        return x;
    }
    if digits < -MAX10E {
        return 0.0;
    }
    if digits == 0 {
        return x.round_ties_even();
    }
    let (sgn, x) = if x < 0.0 { (-1.0, -x) } else { (1.0, x) };
    let l10x = std::f64::consts::LOG10_2 * (0.5 + logb(x));
    if l10x + digits as f64 > f64::DIGITS as f64 {
        return sgn * x;
    }
    let (x10, xd, xu) = if digits <= MAX10E {
        let pow10 = r_pow_di(10.0, digits);
        let x10 = x * pow10;
        (x10, x10.floor() / pow10, x10.ceil() / pow10)
    } else {
        // |x| far below 1e-300: scale in two steps so 10^d does not overflow.
        let p10 = r_pow_di(10.0, digits - MAX10E);
        let pow10 = r_pow_di(10.0, MAX10E);
        let x10 = (x * pow10) * p10;
        (x10, x10.floor() / pow10 / p10, x10.ceil() / pow10 / p10)
    };
    let i10 = x10.floor();
    let (du, dd) = (xu - x, x - xd);
    sgn * if du < dd || (i10 % 2.0 == 1.0 && du == dd) {
        xu
    } else {
        xd
    }
}

/// C's `logb`: the binary exponent of a finite, non-zero `x`.
fn logb(x: f64) -> f64 {
    let bits = x.abs().to_bits();
    let biased = (bits >> 52) as i64;
    if biased == 0 {
        // Subnormal: the exponent of the leading set bit.
        let mantissa = bits & ((1 << 52) - 1);
        (-1074 + 63 - mantissa.leading_zeros() as i64) as f64
    } else {
        (biased - 1023) as f64
    }
}

/// R's `R_pow_di`: `x^n` by repeated squaring, in double arithmetic.
fn r_pow_di(mut x: f64, n: i32) -> f64 {
    let mut xn = 1.0;
    let mut m = n.unsigned_abs();
    while m != 0 {
        if m & 1 == 1 {
            xn *= x;
        }
        m >>= 1;
        if m != 0 {
            x *= x;
        }
    }
    if n < 0 { 1.0 / xn } else { xn }
}

/// Powers of ten exactly representable in an x87 long double (64-bit
/// significand), R's `tbl` in format.c.
const KP_MAX: i32 = 27;

/// A positive x87 extended-precision value, `mant · 2^exp` with a 64-bit
/// significand: R's `scientific()` scales in `long double` on x86-64, and
/// its rounding decides how many significant digits a number prints with.
#[derive(Debug, Clone, Copy)]
struct Extended {
    mant: u128,
    exp: i32,
}

impl Extended {
    /// `num / den · 2^exp`, rounded to 64 significant bits, ties to even,
    /// as the FPU rounds the result of one multiplication or division.
    /// `den` must be below 2^64 so that the quotient keeps 64 bits.
    fn ratio(num: u128, den: u128, exp: i32) -> Extended {
        debug_assert!(num > 0 && den > 0 && den < 1 << 64);
        let shift = num.leading_zeros() as i32;
        let num = num << shift;
        let (q, rem) = (num / den, num % den);
        let exp = exp - shift;
        let drop = (128 - q.leading_zeros() as i32 - 64).max(0);
        let kept = q >> drop;
        let lost = q & ((1u128 << drop) - 1);
        let half = if drop > 0 { 1u128 << (drop - 1) } else { 0 };
        // Compare what is lost with half a unit in the last place; the
        // remainder of the division breaks a tie in the quotient's bits.
        let up = if drop == 0 {
            match (2 * rem).cmp(&den) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Equal => kept & 1 == 1,
                std::cmp::Ordering::Less => false,
            }
        } else {
            lost > half || (lost == half && (rem > 0 || kept & 1 == 1))
        };
        let mut mant = kept + up as u128;
        let mut exp = exp + drop;
        if mant >> 64 != 0 {
            mant >>= 1;
            exp += 1;
        }
        Extended { mant, exp }
    }

    /// An `f64`, exactly.
    fn from_f64(x: f64) -> Extended {
        let bits = x.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let frac = (bits & ((1 << 52) - 1)) as u128;
        let (mant, exp) = if biased == 0 {
            (frac, -1074)
        } else {
            (frac | 1 << 52, biased - 1075)
        };
        Extended::ratio(mant, 1, exp)
    }

    /// This value times `10^k` (`k` ≤ [`KP_MAX`]), rounded once.
    fn times_pow10(self, k: u32) -> Extended {
        // 10^k = 5^k · 2^k; 5^27 < 2^63 keeps the product in 128 bits.
        Extended::ratio(self.mant * 5u128.pow(k), 1, self.exp + k as i32)
    }

    /// This value divided by `10^k` (`k` ≤ [`KP_MAX`]), rounded once.
    fn over_pow10(self, k: u32) -> Extended {
        Extended::ratio(self.mant, 5u128.pow(k), self.exp - k as i32)
    }

    /// Whether this value is below the integer `n`.
    fn below(self, n: u128) -> bool {
        if self.exp >= 0 {
            self.mant.checked_shl(self.exp as u32).is_none_or(|v| v < n)
        } else {
            n.checked_shl((-self.exp) as u32)
                .is_none_or(|scaled| self.mant < scaled)
        }
    }

    /// `nearbyintl`: the nearest integer, ties to even.
    fn round_to_integer(self) -> u128 {
        if self.exp >= 0 {
            return self.mant << self.exp;
        }
        let s = (-self.exp) as u32;
        if s >= 128 {
            return 0;
        }
        let int = self.mant >> s;
        let frac = self.mant & ((1u128 << s) - 1);
        let half = 1u128 << (s - 1);
        int + (frac > half || (frac == half && int & 1 == 1)) as u128
    }
}

/// What R's `scientific()` (format.c) finds for one finite number at
/// `digits` significant digits.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scientific {
    neg: bool,
    /// The decimal exponent after rounding to `digits` significant digits.
    kpower: i32,
    /// Significant digits left once trailing zeros are dropped (≥ 1).
    nsig: i32,
    /// Rounding to `digits` adds a digit in scientific notation that fixed
    /// notation does not print (9996 at 3 digits: 1e+04 but 9996).
    rounding_widens: bool,
}

fn scientific(x: f64, digits: usize) -> Scientific {
    if x == 0.0 {
        return Scientific {
            neg: false,
            kpower: 0,
            nsig: 1,
            rounding_widens: false,
        };
    }
    let neg = x < 0.0;
    let r = x.abs();
    let digits = digits as i32;
    if digits > f64::DIGITS as i32 {
        // R's format_via_sprintf: C's "%.*e" and its digits.
        let s = format!("{:.*e}", (digits - 1) as usize, r);
        let (mantissa, exp) = s.split_once('e').expect("exponent");
        let nsig = mantissa.replace('.', "").trim_end_matches('0').len().max(1);
        return Scientific {
            neg,
            kpower: exp.parse().expect("exponent"),
            nsig: nsig as i32,
            rounding_widens: false,
        };
    }
    let mut kp = r.log10().floor() as i32 - digits + 1;
    let mut r_prec = if kp.abs() <= KP_MAX {
        let exact = Extended::from_f64(r);
        if kp > 0 {
            exact.over_pow10(kp as u32)
        } else {
            exact.times_pow10((-kp) as u32)
        }
    } else {
        // R divides by powl(10, kp), itself inexact there; so is this.
        Extended::from_f64(if kp < -300 {
            (r * 1e300) * 10f64.powi(-kp - 300)
        } else {
            r / 10f64.powi(kp)
        })
    };
    let lowest = 10u128.pow((digits - 1) as u32);
    if r_prec.below(lowest) {
        r_prec = Extended::ratio(r_prec.mant * 10, 1, r_prec.exp);
        kp -= 1;
    }
    let mut alpha = r_prec.round_to_integer();
    let mut nsig = digits;
    for _ in 0..digits {
        if alpha % 10 != 0 {
            break;
        }
        alpha /= 10;
        nsig -= 1;
    }
    if nsig == 0 && digits > 0 {
        nsig = 1;
        kp += 1;
    }
    let kpower = kp + digits - 1;
    let rgt = (digits - kpower).clamp(0, KP_MAX);
    let fuzz = 0.5 / 10f64.powi(rgt);
    let rounding_widens = kpower > 0 && kpower <= KP_MAX && r < 10f64.powi(kpower) - fuzz;
    Scientific {
        neg,
        kpower,
        nsig,
        rounding_widens,
    }
}

/// R's common layout for a vector of numbers (`formatReal`): a field
/// width, and either fixed notation with `decimals` places or scientific
/// notation with `decimals` mantissa places.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RealLayout {
    width: usize,
    decimals: usize,
    scientific: bool,
}

impl RealLayout {
    /// The layout R chooses for `values` at `digits` significant digits
    /// (`scipen` 0): fixed whenever it is not wider than scientific.
    fn of(values: &[f64], digits: usize) -> RealLayout {
        let (mut rgt, mut mxsl, mut mxns) = (i32::MIN, i32::MIN, i32::MIN);
        let (mut mxl, mut mnl) = (i32::MIN, i32::MAX);
        let mut neg = false;
        for &x in values.iter().filter(|x| x.is_finite()) {
            let sci = scientific(x, digits);
            let left = sci.kpower + 1 - sci.rounding_widens as i32;
            let sleft = sci.neg as i32 + left.max(1);
            neg |= sci.neg;
            rgt = rgt.max(sci.nsig - left);
            mxl = mxl.max(left);
            mnl = mnl.min(left);
            mxsl = mxsl.max(sleft);
            mxns = mxns.max(sci.nsig);
        }
        if mxns == i32::MIN {
            return RealLayout {
                width: 0,
                decimals: 0,
                scientific: false,
            };
        }
        if mxl < 0 {
            mxsl = 1 + neg as i32;
        }
        let rgt = rgt.max(0);
        let fixed_width = mxsl + rgt + (rgt != 0) as i32;
        let exp_digits = if mxl > 100 || mnl <= -99 { 2 } else { 1 };
        let d = mxns - 1;
        let sci_width = neg as i32 + (d > 0) as i32 + d + 4 + exp_digits;
        if fixed_width <= sci_width {
            RealLayout {
                width: fixed_width as usize,
                decimals: rgt as usize,
                scientific: false,
            }
        } else {
            RealLayout {
                width: sci_width as usize,
                decimals: d as usize,
                scientific: true,
            }
        }
    }

    /// One finite number in this layout, right-justified to its width
    /// (C's "%*.*f", or "%#*.*e" with at least two exponent digits).
    fn encode(&self, x: f64) -> String {
        let (width, decimals) = (self.width, self.decimals);
        if self.scientific {
            let s = format!("{x:.decimals$e}");
            let (m, e) = s.split_once('e').expect("exponent");
            let e: i32 = e.parse().expect("exponent");
            let s = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
            format!("{s:>width$}")
        } else {
            format!("{x:>width$.decimals$}")
        }
    }
}

/// R's `format(x, digits = digits)` of a vector: one common fixed or
/// scientific layout, right-justified to a common width. `None` prints as
/// `NA`, NaN as `NaN`, infinities as `Inf` and `-Inf`.
pub fn format_vector(values: &[Stat], digits: usize) -> Vec<String> {
    let finite: Vec<f64> = values.iter().flatten().copied().collect();
    let layout = RealLayout::of(&finite, digits);
    let out: Vec<String> = values
        .iter()
        .map(|v| match v {
            Some(x) if x.is_finite() => layout.encode(if *x == 0.0 { 0.0 } else { *x }),
            other => missing(*other),
        })
        .collect();
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
        // Fixed-point candidates (exponent >= -3, or -4 when digits > 1) and
        // the others are formatted as two separate vectors.
        type Indexed = Vec<(usize, f64)>;
        let (fix, sci): (Indexed, Indexed) = rest.iter().map(|&&p| p).partition(|(_, x)| {
            let expo = if *x > 0.0 { x.log10().floor() } else { -50.0 };
            expo >= -3.0 || (expo == -4.0 && digits > 1)
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
    fn round_is_r_round_not_sprintf() {
        // R 4.2.2: round(4429/20000, 4) is 0.2214; sprintf("%.4f") says 0.2215.
        assert_eq!(round_str(Some(4429.0 / 20000.0), 4), "0.2214");
        assert_eq!(round_str(Some(0.10005), 4), "0.1");
        assert_eq!(round_str(Some(0.000_521_66), 4), "5e-04");
        assert_eq!(round_str(Some(1.234_56e-5), 4), "0");
        assert_eq!(round_str(Some(9.999_96), 4), "10");
        assert_eq!(round_str(Some(0.99995), 4), "1");
        assert_eq!(round_str(Some(-0.5), 4), "-0.5");
        assert_eq!(round_str(Some(123_456_789_012.0), 4), "123456789012");
        assert_eq!(round_str(Some(f64::NAN), 4), "NaN");
        assert_eq!(fround(2.5, 0), 2.0);
    }

    #[test]
    fn format_matches_r_at_the_edges() {
        let f = |v: &[f64]| format_vector(&v.iter().map(|x| Some(*x)).collect::<Vec<_>>(), 4);
        // R 4.2.2: format(x, digits = 4), alone and with 0.5.
        assert_eq!(f(&[4429.0 / 20000.0]), ["0.2215"]);
        assert_eq!(f(&[0.10005]), ["0.1001"]);
        assert_eq!(f(&[0.000_521_66]), ["0.0005217"]);
        assert_eq!(f(&[0.000_521_66, 0.5]), ["0.0005217", "0.5000000"]);
        assert_eq!(f(&[1.234_56e-5, 0.5]), ["1.235e-05", "5.000e-01"]);
        assert_eq!(f(&[9.999_96, 0.5]), ["10.0", " 0.5"]);
        assert_eq!(f(&[123_456_789_012.0]), ["1.235e+11"]);
        assert_eq!(f(&[1e-20, 0.5]), ["1e-20", "5e-01"]);
        assert_eq!(f(&[2e-310, 0.5]), ["2e-310", " 5e-01"]);
        assert_eq!(f(&[-0.5, 10.5]), ["-0.5", "10.5"]);
        assert_eq!(f(&[0.10005, 0.123]), ["0.1001", "0.1230"]);
        // format(9996, digits = 3): rounding would widen it to 1e+04.
        assert_eq!(format_vector(&[Some(9996.0)], 3), ["9996"]);
    }

    #[test]
    fn pvalues_like_format_pval() {
        // R 4.2.2: exponent -4 stays with the fixed-point group.
        assert_eq!(
            format_pval(&[Some(0.000_521_66), Some(0.078_326_4)], 4),
            ["0.0005217", "0.0783264"]
        );
        assert_eq!(format_pval(&[Some(5.2e-5), Some(1.0)], 4), ["5.2e-05", "1"]);
        assert_eq!(
            format_pval(&[Some(5.25e-6), Some(0.9)], 4),
            ["5.25e-06", "0.9"]
        );
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
