//! The few distribution functions caret's statistics need.
//!
//! statrs provides the gamma function and the chi-squared tail. Its
//! regularised incomplete beta stops after 140 continued-fraction terms and
//! loses digits for large counts (relative error 1.5e-4 at n = 500,000 near
//! p = NIR, measured), and the binomial tail and the Clopper–Pearson
//! interval depend on it. So [`beta_reg`] follows R's own TOMS 708 for the
//! shapes caret meets (a, b ≥ 1): the continued fraction `bfrac` on the
//! smaller tail, the prefactor x^a (1−x)^b / B(a, b) around the mode with
//! Stirling's corrections (`brcomp`, `algdiv`, `bcorr`), logarithms of x and
//! 1 − x from whichever is small. Real caret agrees with emotui to 1e-12
//! this way (tests/r_oracle.rs); through `ln Γ` the error grew like
//! (a + b) · 1e-16.

use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::gamma::ln_gamma;

/// Regularised lower incomplete beta function I_x(a, b), for a, b > 0 and
/// 0 ≤ x ≤ 1. NaN for arguments outside that domain.
pub fn beta_reg(a: f64, b: f64, x: f64) -> f64 {
    // R's pbeta passes y = 1 − x computed this way.
    beta_reg_xy(a, b, x, 0.5 - x + 0.5)
}

/// I_x(a, b) with y = 1 − x given. For a, b ≥ 1 as TOMS 708's `bratio`
/// does it with its continued fraction `bfrac`: the smaller tail (x below
/// the mean, λ ≥ 0) is computed directly, the other as its complement, so
/// that a p-value of 1e-12 keeps its digits.
fn beta_reg_xy(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if !(a > 0.0 && b > 0.0 && (0.0..=1.0).contains(&x)) {
        return f64::NAN;
    }
    if x == 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    if a < 1.0 || b < 1.0 {
        return beta_reg_small(a, b, x);
    }
    let lambda = if a > b {
        (a + b) * y - b
    } else {
        a - (a + b) * x
    };
    if lambda < 0.0 {
        0.5 - bfrac(b, a, y, x, -lambda) + 0.5
    } else {
        bfrac(a, b, x, y, lambda)
    }
}

/// I_x(a, b) when a or b is below 1 (not met by caret's statistics, whose
/// shape parameters are counts): Lentz's continued fraction.
fn beta_reg_small(a: f64, b: f64, x: f64) -> f64 {
    // The continued fraction converges fast for x < (a+1)/(a+b+2); use the
    // symmetry I_x(a,b) = 1 - I_{1-x}(b,a) otherwise.
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - beta_reg_small(b, a, 1.0 - x);
    }
    let front = (a * x.ln() + b * (-x).ln_1p() - ln_beta_small(a, b)).exp();
    front / a * continued_fraction(a, b, x)
}

/// TOMS 708's `bfrac`: I_x(a, b) by its continued fraction, for a, b > 1
/// and λ = a − (a + b)x ≥ 0 (computed by the caller from x or from y,
/// whichever keeps its digits).
fn bfrac(a: f64, b: f64, x: f64, y: f64, lambda: f64) -> f64 {
    const EPS: f64 = 1e-15;
    let brc = brcomp(a, b, x, y);
    if brc == 0.0 {
        return 0.0;
    }
    let c = lambda + 1.0;
    let c0 = b / a;
    let c1 = 1.0 / a + 1.0;
    let yp1 = y + 1.0;
    let (mut n, mut p, mut s) = (0.0f64, 1.0f64, a + 1.0);
    let (mut an, mut bn, mut anp1, mut bnp1) = (0.0f64, 1.0f64, 1.0f64, c / c1);
    let mut r = c1 / c;
    // TOMS stops at 10,000 terms; the terms needed grow like sqrt(a + b).
    let max_terms = 10_000f64.max(30.0 * (a + b).sqrt());
    loop {
        n += 1.0;
        let t = n / a;
        let w = n * (b - n) * x;
        let e = a / s;
        let alpha = p * (p + c0) * e * e * (w * x);
        let e = (t + 1.0) / (c1 + t + t);
        let beta = n + w / s + e * (c + n * yp1);
        p = t + 1.0;
        s += 2.0;
        let t = alpha * an + beta * anp1;
        an = anp1;
        anp1 = t;
        let t = alpha * bn + beta * bnp1;
        bn = bnp1;
        bnp1 = t;
        let r0 = r;
        r = anp1 / bnp1;
        if (r - r0).abs() <= EPS * r || n >= max_terms {
            break;
        }
        an /= bnp1;
        bn /= bnp1;
        anp1 = r;
        bnp1 = 1.0;
    }
    brc * r
}

/// x^a · y^b / B(a, b) for a, b ≥ 1 (TOMS 708's `brcomp`), with y = 1 − x
/// given: the logarithm of whichever of x, y is small is taken directly and
/// the other's through ln(1 + ·), so that neither loses digits.
fn brcomp(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if a.min(b) >= 8.0 {
        return brcomp_large(a, b, x, y);
    }
    let (lnx, lny) = if x <= 0.375 {
        (x.ln(), (-x).ln_1p())
    } else if y > 0.375 {
        (x.ln(), y.ln())
    } else {
        ((-y).ln_1p(), y.ln())
    };
    (a * lnx + b * lny - ln_beta_small(a, b)).exp()
}

/// x^a · y^b / B(a, b) for a, b ≥ 8 (y = 1 − x), as TOMS 708's `brcomp`
/// (used by R's pbeta and qbeta) computes it: around the mode, with
/// Stirling's corrections, so that no large logarithms cancel. With
/// `ln Γ` the relative error would grow like (a + b) · 1e-16: 1e-8 for
/// a confusion matrix of 10^8 answers.
fn brcomp_large(a: f64, b: f64, x: f64, y: f64) -> f64 {
    const INV_SQRT_2PI: f64 = 0.398_942_280_401_433;
    let (x0, y0, lambda) = if a > b {
        let h = b / a;
        (1.0 / (h + 1.0), h / (h + 1.0), (a + b) * y - b)
    } else {
        let h = a / b;
        (h / (h + 1.0), 1.0 / (h + 1.0), a - (a + b) * x)
    };
    let e = -lambda / a;
    let u = if e.abs() > 0.6 {
        e - (x / x0).ln()
    } else {
        rlog1(e)
    };
    let e = lambda / b;
    let v = if e.abs() > 0.6 {
        e - (y / y0).ln()
    } else {
        rlog1(e)
    };
    let z = (-(a * u + b * v)).exp();
    INV_SQRT_2PI * (b * x0).sqrt() * z * (-bcorr(a, b)).exp()
}

/// ln B(a, b) when the smaller of a, b is below 8. When the larger is 8 or
/// more, ln Γ(b) − ln Γ(a + b) is computed as one (TOMS 708's `algdiv`):
/// for a confusion matrix with no correct answer, b is the number of
/// answers, and the two ln Γ would cancel to 1e-8.
fn ln_beta_small(a: f64, b: f64) -> f64 {
    let (small, large) = (a.min(b), a.max(b));
    if large < 8.0 {
        ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
    } else {
        ln_gamma(small) + algdiv(small, large)
    }
}

/// Coefficients of Stirling's correction Δ(z) = ln Γ(z) − (z − ½) ln z + z
/// − ½ ln 2π ≈ Σ cᵢ / z^(2i+1) (TOMS 708).
const STIRLING: [f64; 6] = [
    0.083_333_333_333_333_3,
    -0.002_777_777_777_609_91,
    7.936_506_668_253_9e-4,
    -5.952_029_313_518_7e-4,
    8.373_080_340_312_15e-4,
    -0.001_653_229_627_807_13,
];

/// Δ(b) − Δ(a + b) from c = a / (a + b) and x = b / (a + b), the series
/// `algdiv` and `bcorr` share (s_n = (1 − x^n) / (1 − x)).
fn stirling_difference(b: f64, c: f64, x: f64) -> f64 {
    let [c0, c1, c2, c3, c4, c5] = STIRLING;
    let x2 = x * x;
    let s3 = x + x2 + 1.0;
    let s5 = x + x2 * s3 + 1.0;
    let s7 = x + x2 * s5 + 1.0;
    let s9 = x + x2 * s7 + 1.0;
    let s11 = x + x2 * s9 + 1.0;
    let t = 1.0 / (b * b);
    (((((c5 * s11 * t + c4 * s9) * t + c3 * s7) * t + c2 * s5) * t + c1 * s3) * t + c0) * c / b
}

/// ln(Γ(b) / Γ(a + b)) for b ≥ 8 (TOMS 708's `algdiv`).
fn algdiv(a: f64, b: f64) -> f64 {
    let (c, x, d) = if a > b {
        let h = b / a;
        (1.0 / (h + 1.0), h / (h + 1.0), a + (b - 0.5))
    } else {
        let h = a / b;
        (h / (h + 1.0), 1.0 / (h + 1.0), b + (a - 0.5))
    };
    let w = stirling_difference(b, c, x);
    let u = d * (a / b).ln_1p();
    let v = a * (b.ln() - 1.0);
    if u > v { w - v - u } else { w - u - v }
}

/// x − ln(1 + x) without cancellation near 0 (TOMS 708's `rlog1`).
fn rlog1(x: f64) -> f64 {
    const A: f64 = 0.056_674_943_938_732_4;
    const B: f64 = 0.045_651_260_881_552_4;
    const P0: f64 = 0.333_333_333_333_333;
    const P1: f64 = -0.224_696_413_112_536;
    const P2: f64 = 0.006_208_868_153_757_87;
    const Q1: f64 = -1.274_089_239_336_23;
    const Q2: f64 = 0.354_508_718_369_557;
    if !(-0.39..=0.57).contains(&x) {
        return x - (x + 1.0).ln();
    }
    let (h, w1) = if x < -0.18 {
        let h = (x + 0.3) / 0.7;
        (h, A - h * 0.3)
    } else if x > 0.18 {
        let h = x * 0.75 - 0.25;
        (h, B + h / 3.0)
    } else {
        (x, 0.0)
    };
    let r = h / (h + 2.0);
    let t = r * r;
    let w = ((P2 * t + P1) * t + P0) / ((Q2 * t + Q1) * t + 1.0);
    t * 2.0 * (1.0 / (1.0 - r) - r * w) + w1
}

/// ln Γ(a) + ln Γ(b) − ln Γ(a + b) minus its Stirling approximation, for
/// a, b ≥ 8 (TOMS 708's `bcorr`).
fn bcorr(a0: f64, b0: f64) -> f64 {
    let (a, b) = (a0.min(b0), a0.max(b0));
    let h = a / b;
    let c = h / (h + 1.0);
    let x = 1.0 / (h + 1.0);
    let w = stirling_difference(b, c, x);
    let t = 1.0 / (a * a);
    let [c0, c1, c2, c3, c4, c5] = STIRLING;
    (((((c5 * t + c4) * t + c3) * t + c2) * t + c1) * t + c0) / a + w
}

/// Lentz's guard against a zero denominator.
fn not_tiny(x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    if x.abs() < TINY { TINY } else { x }
}

/// Lentz's method for the incomplete beta continued fraction, run to
/// convergence (Numerical Recipes' betacf without the iteration cap).
fn continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const EPS: f64 = 1e-16;
    let max_terms = 1000 + (20.0 * (a + b).sqrt()) as usize;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / not_tiny(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=max_terms {
        let m = m as f64;
        let m2 = 2.0 * m;
        // The even and the odd step of the fraction.
        for aa in [
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ] {
            d = 1.0 / not_tiny(1.0 + aa * d);
            c = not_tiny(1.0 + aa / c);
            h *= d * c;
        }
        if (d * c - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// Quantile of the Beta(a, b) distribution (R's `qbeta(p, a, b)`), by
/// bisection on [`beta_reg`] to full double precision.
pub fn qbeta(p: f64, a: f64, b: f64) -> f64 {
    if !((0.0..=1.0).contains(&p) && a > 0.0 && b > 0.0) {
        return f64::NAN;
    }
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return 1.0;
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if beta_reg(a, b, mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// P(X ≥ x) for X ~ Binomial(n, p): R's `pbinom(x - 1, n, p, lower.tail = FALSE)`.
pub fn binom_upper_tail(x: u64, n: u64, p: f64) -> f64 {
    if x == 0 {
        return 1.0;
    }
    if x > n {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    // P(X >= x) = I_p(x, n - x + 1).
    beta_reg(x as f64, (n - x + 1) as f64, p)
}

/// Upper tail of the chi-squared distribution: R's `pchisq(s, df, lower.tail = FALSE)`.
pub fn chisq_upper_tail(s: f64, df: f64) -> f64 {
    if s.is_nan() || df.is_nan() {
        return f64::NAN;
    }
    if s <= 0.0 {
        return 1.0;
    }
    match ChiSquared::new(df) {
        Ok(d) => d.sf(s),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn beta_reg_known_values() {
        // scipy.special.betainc
        assert!(close(beta_reg(2.0, 3.0, 0.4), 0.5248, 1e-12));
        assert!(close(beta_reg(0.5, 0.5, 0.5), 0.5, 1e-12));
        assert!(close(
            beta_reg(10.0, 20.0, 0.2),
            0.049_263_517_304_212_585,
            1e-12
        ));
    }

    #[test]
    fn binomial_tail_matches_r() {
        // R: pbinom(4, 10, 0.3, lower.tail = FALSE)
        assert!(close(binom_upper_tail(5, 10, 0.3), 0.150_268_332_6, 1e-9));
        // R: binom.test(494, 880, p = 0.15, alternative = "greater")$p.value
        // is below 2.2e-16 (printed "< 2.2e-16").
        assert!(binom_upper_tail(494, 880, 0.15) < 2.2e-16);
    }

    #[test]
    fn large_n_stays_accurate() {
        // scipy.stats.binom.sf(250299, 500000, 0.5); statrs's own beta_reg
        // is off by about 1e-4 relative at this size.
        let v = binom_upper_tail(250_300, 500_000, 0.5);
        assert!(close(v, 0.198_465_823_538_792_75, 1e-9), "{v}");
    }

    #[test]
    fn clopper_pearson_for_the_survey() {
        // scipy.stats.beta.ppf(0.025, 494, 387), beta.ppf(0.975, 495, 386)
        assert!(close(
            qbeta(0.025, 494.0, 387.0),
            0.527_850_468_172_074_6,
            1e-12
        ));
        assert!(close(
            qbeta(0.975, 495.0, 386.0),
            0.594_464_640_245_929_5,
            1e-12
        ));
    }

    #[test]
    fn qbeta_inverts_beta_reg() {
        for &(a, b, p) in &[(494.0, 387.0, 0.025), (2.0, 9.0, 0.975), (1.0, 1.0, 0.3)] {
            let q = qbeta(p, a, b);
            assert!(close(beta_reg(a, b, q), p, 1e-10), "{a} {b} {p}");
        }
    }

    #[test]
    fn chisq_tail() {
        // R: pchisq(3.84, 1, lower.tail = FALSE)
        assert!(close(
            chisq_upper_tail(3.84, 1.0),
            0.050_043_521_248_705_19,
            1e-9
        ));
    }
}
