//! The weighted linear models R lime fits, from weighted moments.
//!
//! Every fit LIME makes (forward selection's OLS fits, highest-weights OLS,
//! the final ridge) is a weighted least-squares problem on a subset of the
//! same 0/1 columns. So we accumulate the weighted moment matrix of
//! (1, x₁..x_K) and y once, and each fit is a small solve on a submatrix:
//! forward selection over 50 superpixels costs microseconds, not a pass over
//! the samples per candidate.
//!
//! The ridge is glmnet's (alpha = 0, standardize = TRUE, intercept = TRUE):
//! minimise ½ Σ w̃ᵢ (yᵢ − β₀ − xᵢβ)² + λ/(2 s_y) Σ sⱼ² βⱼ², with w̃ the
//! weights normalised to sum 1, sⱼ the weighted (population) standard
//! deviation of column j — the penalty on standardised coefficients, written
//! on the raw scale — and s_y that of the response, because glmnet's gaussian
//! family standardises y as well before it applies λ. glmnet solves it by
//! coordinate descent to 1e-7; we solve it exactly.

/// Weighted moments of the design (with an intercept column) and response.
#[derive(Debug, Clone)]
pub struct Moments {
    /// Number of feature columns K (the matrix is (K+1)×(K+1)).
    k: usize,
    /// Σ w̃ zᵢ zᵢᵀ with z = (1, x), row-major.
    zz: Vec<f64>,
    /// Σ w̃ zᵢ yᵢ.
    zy: Vec<f64>,
    /// Σ w̃ yᵢ².
    yy: f64,
    /// Σ w̃ (yᵢ − ȳ)², computed in two passes: from `yy` it would lose every
    /// digit when the response is (nearly) constant.
    tss: f64,
    /// Number of distinct rows with a positive weight: the rank's bound.
    distinct_rows: usize,
}

/// A fitted linear model on a subset of columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Columns used, in the order of `coefficients`.
    pub columns: Vec<usize>,
    /// Intercept β₀.
    pub intercept: f64,
    /// One coefficient per column.
    pub coefficients: Vec<f64>,
    /// Weighted R² (glmnet's dev.ratio); 0 when the response is constant.
    pub r2: f64,
}

impl Fit {
    /// The prediction with every column at 1 (all superpixels present).
    pub fn prediction_all_present(&self) -> f64 {
        self.intercept + self.coefficients.iter().sum::<f64>()
    }
}

impl Moments {
    /// Moments of rows `rows` of a 0/1 design (`kept[r * k + j]`), response
    /// `y` and weights `w`. Rows may repeat (bootstrap resamples).
    pub fn new(kept: &[bool], k: usize, y: &[f64], w: &[f64], rows: &[usize]) -> Moments {
        Self::for_responses(kept, k, &[y], w, rows)
            .pop()
            .expect("one response, one set of moments")
    }

    /// Moments for several responses on the same design and weights (the
    /// labels of one explanation): the design's part, most of the work, is
    /// accumulated once.
    pub fn for_responses(
        kept: &[bool],
        k: usize,
        ys: &[&[f64]],
        w: &[f64],
        rows: &[usize],
    ) -> Vec<Moments> {
        let m = k + 1;
        let mut zz = vec![0.0; m * m];
        let mut zy = vec![vec![0.0; m]; ys.len()];
        let mut yy = vec![0.0; ys.len()];
        let total: f64 = rows.iter().map(|&r| w[r]).sum();
        let norm = if total > 0.0 { 1.0 / total } else { 0.0 };
        // A row drawn c times counts once with c times its weight: a
        // bootstrap resample holds about 63% distinct rows.
        let mut times = vec![0u32; w.len()];
        for &r in rows {
            times[r] += 1;
        }
        let distinct_rows = (0..w.len()).filter(|&r| times[r] > 0 && w[r] > 0.0).count();
        let mut on = Vec::with_capacity(m);
        for (r, &c) in times.iter().enumerate() {
            let wr = w[r] * norm * c as f64;
            if wr == 0.0 {
                continue;
            }
            on.clear();
            on.push(0);
            on.extend((0..k).filter(|&j| kept[r * k + j]).map(|j| j + 1));
            for (a, &i) in on.iter().enumerate() {
                for &j in &on[a..] {
                    zz[i * m + j] += wr;
                }
            }
            for (t, y) in ys.iter().enumerate() {
                for &i in &on {
                    zy[t][i] += wr * y[r];
                }
                yy[t] += wr * y[r] * y[r];
            }
        }
        for i in 0..m {
            for j in 0..i {
                zz[i * m + j] = zz[j * m + i];
            }
        }
        ys.iter()
            .zip(zy)
            .zip(yy)
            .map(|((y, zy), yy)| {
                let ybar = zy[0];
                let tss = rows
                    .iter()
                    .map(|&r| w[r] * norm * (y[r] - ybar).powi(2))
                    .sum();
                Moments {
                    k,
                    zz: zz.clone(),
                    zy,
                    yy,
                    tss,
                    distinct_rows,
                }
            })
            .collect()
    }

    fn zz(&self, i: usize, j: usize) -> f64 {
        self.zz[i * (self.k + 1) + j]
    }

    /// Weighted mean of column j (0-based feature index).
    pub fn mean(&self, j: usize) -> f64 {
        self.zz(0, j + 1)
    }

    /// Weighted population variance of column j.
    pub fn variance(&self, j: usize) -> f64 {
        // For a 0/1 column Σw̃x² = Σw̃x = mean.
        let m = self.mean(j);
        (self.zz(j + 1, j + 1) - m * m).max(0.0)
    }

    /// Weighted variance of the response.
    pub fn response_variance(&self) -> f64 {
        self.tss
    }

    /// Whether the response is constant up to rounding: nothing to explain.
    fn constant_response(&self) -> bool {
        self.tss <= 1e-20 * self.zy[0].powi(2).max(1e-300)
    }

    /// Weighted least squares with intercept on `columns`, with penalty
    /// `lambda` on the standardised coefficients (0 for OLS).
    pub fn fit(&self, columns: &[usize], lambda: f64) -> Fit {
        let (mut a, b, p) = self.system(columns);
        // glmnet (gaussian) standardises the response too: a user's lambda
        // is applied to the problem in y / sd(y), which on y's own scale is a
        // ridge penalty of lambda / sd(y) (sd with the normalised weights).
        // Checked against real glmnet in tests/r_oracle.rs.
        let lambda = if lambda > 0.0 && !self.constant_response() {
            lambda / self.tss.sqrt()
        } else {
            lambda
        };
        for (r, &c) in columns.iter().enumerate() {
            a[(r + 1) * p + r + 1] += lambda * self.variance(c);
        }
        let beta = Factor::new(&a, p, lambda == 0.0 && self.rank_deficient(p)).solve(&b);
        self.finish(columns, &beta, &b)
    }

    /// Unpenalised fits of several responses on the same design and rows
    /// (the labels of one explanation, from [`Moments::for_responses`]) on
    /// the same `columns`: the matrix is the same, so it is factorised once.
    pub fn ols_shared(moments: &[Moments], columns: &[usize]) -> Vec<Fit> {
        let Some(first) = moments.first() else {
            return Vec::new();
        };
        let (a, _, p) = first.system(columns);
        let factor = Factor::new(&a, p, first.rank_deficient(p));
        moments
            .iter()
            .map(|m| {
                let (_, b, _) = m.system(columns);
                m.finish(columns, &factor.solve(&b), &b)
            })
            .collect()
    }

    /// The normal equations on `columns` (with the intercept first):
    /// matrix, right-hand side and size.
    fn system(&self, columns: &[usize]) -> (Vec<f64>, Vec<f64>, usize) {
        let p = columns.len() + 1;
        let idx = self.indices(columns);
        let mut a = vec![0.0; p * p];
        let mut b = vec![0.0; p];
        for (r, &i) in idx.iter().enumerate() {
            b[r] = self.zy[i];
            for (c, &j) in idx.iter().enumerate() {
                a[r * p + c] = self.zz(i, j);
            }
        }
        (a, b, p)
    }

    /// Rows of the moment matrix for the intercept and `columns`.
    fn indices(&self, columns: &[usize]) -> Vec<usize> {
        std::iter::once(0)
            .chain(columns.iter().map(|&c| c + 1))
            .collect()
    }

    /// Whether a p×p system on these rows is singular for certain: fewer
    /// distinct rows than unknowns (a bootstrap resample of about as many
    /// rows as superpixels), so that factorising without a ridge is wasted.
    fn rank_deficient(&self, p: usize) -> bool {
        self.distinct_rows < p
    }

    /// The fit from its solution `beta` of the system with right-hand side
    /// `b`: R² from the unpenalised matrix.
    fn finish(&self, columns: &[usize], beta: &[f64], b: &[f64]) -> Fit {
        let p = beta.len();
        let idx = self.indices(columns);
        let rss = {
            // yy − 2βᵀv + βᵀAβ (with the unpenalised A).
            let mut s = self.yy;
            for r in 0..p {
                s -= 2.0 * beta[r] * b[r];
                for c in 0..p {
                    s += beta[r] * beta[c] * self.zz(idx[r], idx[c]);
                }
            }
            s.max(0.0)
        };
        let r2 = if self.constant_response() {
            0.0
        } else {
            (1.0 - rss / self.tss).clamp(0.0, 1.0)
        };
        Fit {
            columns: columns.to_vec(),
            intercept: beta[0],
            coefficients: beta[1..].to_vec(),
            r2,
        }
    }

    /// glmnet's lasso path (alpha = 1, nlambda = 300, standardised): the
    /// columns with nonzero coefficients at the last lambda that has at most
    /// `n` of them. The path ends where glmnet ends it: from the fifth
    /// lambda on, once the explained deviance grows by less than 1e-5 of
    /// itself from one lambda to the next, or passes 0.999 (glmnet's
    /// `fdev` and `devmax`).
    pub fn lasso_path_select(&self, candidates: &[usize], n: usize) -> Vec<usize> {
        let p = candidates.len();
        let sd: Vec<f64> = candidates
            .iter()
            .map(|&c| self.variance(c).sqrt())
            .collect();
        let ybar = self.zy[0];
        // Standardised cross-moments: corr-like Gram g and c = x̃ᵀWỹ.
        let mut g = vec![0.0; p * p];
        let mut cvec = vec![0.0; p];
        for (a, &i) in candidates.iter().enumerate() {
            let mi = self.mean(i);
            cvec[a] = (self.zy[i + 1] - mi * ybar) / sd[a];
            for (b, &j) in candidates.iter().enumerate() {
                let mj = self.mean(j);
                g[a * p + b] = (self.zz(i + 1, j + 1) - mi * mj) / (sd[a] * sd[b]);
            }
        }
        let lambda_max = cvec.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if lambda_max == 0.0 {
            return Vec::new();
        }
        let ratio = 1e-4f64;
        let steps = 300;
        let mut beta = vec![0.0; p];
        let mut best: Vec<usize> = Vec::new();
        let mut r2_before = 0.0;
        for s in 0..steps {
            let lambda = lambda_max * ratio.powf(s as f64 / (steps - 1) as f64);
            for _ in 0..1000 {
                let mut change = 0.0f64;
                for j in 0..p {
                    let mut r = cvec[j];
                    for k in 0..p {
                        if k != j {
                            r -= g[j * p + k] * beta[k];
                        }
                    }
                    let new = soft_threshold(r, lambda) / g[j * p + j].max(1e-12);
                    change = change.max((new - beta[j]).abs());
                    beta[j] = new;
                }
                if change < 1e-9 {
                    break;
                }
            }
            let nz: Vec<usize> = (0..p).filter(|&j| beta[j] != 0.0).collect();
            if nz.len() <= n {
                best = nz.iter().map(|&j| candidates[j]).collect();
            }
            // Explained deviance: (2βᵀc − βᵀGβ) / TSS on the standardised scale.
            let mut explained = 0.0;
            for j in 0..p {
                let gb: f64 = (0..p).map(|k| g[j * p + k] * beta[k]).sum();
                explained += beta[j] * (2.0 * cvec[j] - gb);
            }
            let r2 = if self.tss > 0.0 {
                explained / self.tss
            } else {
                0.0
            };
            if s + 1 >= GLMNET_MIN_LAMBDAS
                && (r2 - r2_before < GLMNET_FDEV * r2 || r2 > GLMNET_DEVMAX)
            {
                break;
            }
            r2_before = r2;
        }
        best
    }
}

/// glmnet's path-stopping rule (`glmnet.control`): lambdas always run
/// (`mnlam`), the least relative gain in explained deviance (`fdev`), and
/// the explained deviance that ends the path (`devmax`).
const GLMNET_MIN_LAMBDAS: usize = 5;
const GLMNET_FDEV: f64 = 1e-5;
const GLMNET_DEVMAX: f64 = 0.999;

fn soft_threshold(x: f64, l: f64) -> f64 {
    if x > l {
        x - l
    } else if x < -l {
        x + l
    } else {
        0.0
    }
}

/// The solution of a symmetric positive (semi-)definite system `a x = b`
/// (p×p), with a tiny ridge where it is singular.
pub(crate) fn solve_spd(a: &[f64], b: &[f64], p: usize) -> Vec<f64> {
    Factor::new(a, p, false).solve(b)
}

/// The Cholesky factor of a symmetric positive (semi-)definite matrix, with
/// a tiny ridge added when it is singular (collinear columns) instead of
/// failing.
struct Factor {
    /// Lower triangle, row-major; `None` when no ridge made it definite.
    l: Option<Vec<f64>>,
    p: usize,
}

impl Factor {
    /// Factorises `a` (p×p); `singular` says it is known to be singular, so
    /// the first attempt is already with the ridge.
    fn new(a: &[f64], p: usize, singular: bool) -> Factor {
        let scale = (0..p)
            .map(|i| a[i * p + i].abs())
            .fold(0.0, f64::max)
            .max(1e-300);
        let first = scale * 1e-12;
        let mut jitter = if singular { first } else { 0.0 };
        for _ in 0..8 {
            if let Some(l) = cholesky(a, p, jitter) {
                return Factor { l: Some(l), p };
            }
            jitter = if jitter == 0.0 { first } else { jitter * 100.0 };
        }
        Factor { l: None, p }
    }

    /// The solution of a x = b (zeros when the matrix could not be factorised).
    fn solve(&self, b: &[f64]) -> Vec<f64> {
        let p = self.p;
        let Some(l) = &self.l else {
            return vec![0.0; p];
        };
        let mut z = vec![0.0; p];
        for i in 0..p {
            z[i] = (b[i] - dot(&l[i * p..i * p + i], &z[..i])) / l[i * p + i];
        }
        let mut x = vec![0.0; p];
        for i in (0..p).rev() {
            let mut s = z[i];
            for k in i + 1..p {
                s -= l[k * p + i] * x[k];
            }
            x[i] = s / l[i * p + i];
        }
        x
    }
}

fn cholesky(a: &[f64], p: usize, jitter: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let s = a[i * p + j] + if i == j { jitter } else { 0.0 }
                - dot(&l[i * p..i * p + j], &l[j * p..j * p + j]);
            if i == j {
                if s <= 1e-14 * (a[i * p + i].abs() + jitter).max(1e-300) {
                    return None;
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    Some(l)
}

/// Dot product in four independent sums: the factorisation's inner loop,
/// where one running sum would serialise every addition (a 1,000-superpixel
/// bootstrap spends most of its time here).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (qa, qb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = qa
        .remainder()
        .iter()
        .zip(qb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in qa.zip(qb) {
        for lane in 0..4 {
            acc[lane] += x[lane] * y[lane];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ols_recovers_an_exact_linear_response() {
        // y = 0.1 + 0.5 x0 - 0.2 x2, all 8 patterns of 3 bits.
        let k = 3;
        let mut kept = Vec::new();
        let mut y = Vec::new();
        for r in 0..8 {
            let bits: Vec<bool> = (0..k).map(|j| r >> j & 1 == 1).collect();
            y.push(0.1 + 0.5 * bits[0] as u8 as f64 - 0.2 * bits[2] as u8 as f64);
            kept.extend(bits);
        }
        let w = vec![1.0; 8];
        let m = Moments::new(&kept, k, &y, &w, &(0..8).collect::<Vec<_>>());
        let f = m.fit(&[0, 1, 2], 0.0);
        assert!((f.intercept - 0.1).abs() < 1e-12);
        assert!((f.coefficients[0] - 0.5).abs() < 1e-12);
        assert!(f.coefficients[1].abs() < 1e-12);
        assert!((f.r2 - 1.0).abs() < 1e-12);
        assert_eq!(m.lasso_path_select(&[0, 1, 2], 1), vec![0]);
    }

    #[test]
    fn constant_response_has_zero_fit_not_nan() {
        let kept = vec![true, false, false, true, true, true];
        let m = Moments::new(&kept, 2, &[0.3, 0.3, 0.3], &[1.0, 0.5, 0.0], &[0, 1, 2]);
        let f = m.fit(&[0, 1], 0.002);
        assert_eq!(f.r2, 0.0);
        assert!(f.coefficients.iter().all(|c| c.abs() < 1e-9));
    }

    #[test]
    fn collinear_columns_do_not_fail() {
        let kept = vec![true, true, false, false, true, true];
        let m = Moments::new(&kept, 2, &[1.0, 0.0, 1.0], &[1.0; 3], &[0, 1, 2]);
        let f = m.fit(&[0, 1], 0.0);
        assert!(f.coefficients.iter().all(|c| c.is_finite()));
    }
}
