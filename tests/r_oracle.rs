//! Real R as the oracle: caret's `confusionMatrix` on many random tables,
//! and glmnet's fits inside LIME, against emotui on the same inputs.
//!
//! Needs R with caret and glmnet (`apt-get install r-base-core r-cran-caret
//! r-cran-glmnet`); `.ci/run` installs them and runs these ignored tests.
//! Nothing R computes is stored in the repository: every run asks R.

use std::path::{Path, PathBuf};
use std::process::Command;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use emotui::stats::{CaretStatistics, ConfusionMatrix, Stat};
use emotui::survey::{Survey, SurveyOptions};

/// Runs an R script; panics with R's messages when it fails.
fn rscript(script: &Path, args: &[&Path]) {
    let out = Command::new("Rscript")
        .arg("--vanilla")
        .arg(script)
        .args(args)
        // UTF-8 level names print as themselves, and sort as bytes.
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect(
            "Rscript must be installed (apt-get install r-base-core r-cran-caret r-cran-glmnet)",
        );
    assert!(
        out.status.success(),
        "Rscript failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Level names: spaces, accents, different lengths, case.
const NAMES: &[&str] = &[
    "Anger",
    "Disgust",
    "Fear",
    "Joy",
    "Neutral",
    "Sadness",
    "Surprise",
    "a",
    "bb",
    "level with spaces",
    "Ñandú",
    "éclair",
    "Zeta, a long level name",
    "x",
    "neutral face",
    "Q",
    "Ünïcödé",
    "joy",
];

/// Widths to print at, as `options(width = N)`.
const WIDTHS: &[usize] = &[80, 80, 60, 120, 200, 40];

/// One random table: levels and counts[prediction][reference].
struct Case {
    levels: Vec<String>,
    counts: Vec<Vec<u64>>,
    width: usize,
}

fn random_case(rng: &mut ChaCha8Rng, i: usize) -> Case {
    let k = rng.random_range(2..=10);
    let mut pool: Vec<&str> = NAMES.to_vec();
    pool.shuffle(rng);
    let levels: Vec<String> = pool[..k].iter().map(|s| s.to_string()).collect();
    // Scales from a handful to a million per cell.
    let scale = [5u64, 50, 1_000, 1_000_000][rng.random_range(0..4)];
    let mut counts: Vec<Vec<u64>> = (0..k)
        .map(|_| (0..k).map(|_| rng.random_range(0..=scale)).collect())
        .collect();
    match i % 8 {
        // Perfect.
        0 => {
            for (p, row) in counts.iter_mut().enumerate() {
                for (r, c) in row.iter_mut().enumerate() {
                    if p != r {
                        *c = 0;
                    }
                }
            }
        }
        // All wrong.
        1 => {
            for (p, row) in counts.iter_mut().enumerate() {
                row[p] = 0;
            }
        }
        // One class never predicted (an empty row).
        2 => {
            let p = rng.random_range(0..k);
            counts[p].iter_mut().for_each(|c| *c = 0);
        }
        // One class never the truth (an empty column).
        3 => {
            let r = rng.random_range(0..k);
            counts.iter_mut().for_each(|row| row[r] = 0);
        }
        // Both, and a sparse rest.
        4 => {
            let j = rng.random_range(0..k);
            counts[j].iter_mut().for_each(|c| *c = 0);
            counts.iter_mut().for_each(|row| row[j] = 0);
            for row in counts.iter_mut() {
                for c in row.iter_mut() {
                    if rng.random_bool(0.5) {
                        *c = 0;
                    }
                }
            }
        }
        _ => {}
    }
    Case {
        levels,
        counts,
        width: WIDTHS[rng.random_range(0..WIDTHS.len())],
    }
}

fn write_case(dir: &Path, i: usize, case: &Case) -> PathBuf {
    let path = dir.join(format!("{i}.csv"));
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(["actual", "predicted", "count"]).unwrap();
    for (p, row) in case.counts.iter().enumerate() {
        for (r, c) in row.iter().enumerate() {
            w.write_record([&case.levels[r], &case.levels[p], &c.to_string()])
                .unwrap();
        }
    }
    w.flush().unwrap();
    std::fs::write(dir.join(format!("{i}.width")), case.width.to_string()).unwrap();
    path
}

/// For every `<i>.csv` in the folder: caret's printout at `<i>.width` into
/// `<i>.txt`, and every statistic into `<i>.num` (name, value; NA and NaN
/// kept apart; 17 significant digits).
const CARET_SCRIPT: &str = r#"
suppressMessages(library(caret))
dir <- commandArgs(trailingOnly = TRUE)[1]
num <- function(x) ifelse(is.nan(x), "NaN", ifelse(is.na(x), "NA", sprintf("%.17g", x)))
for (f in list.files(dir, pattern = "\\.csv$", full.names = TRUE)) {
  base <- sub("\\.csv$", "", f)
  d <- read.csv(f, stringsAsFactors = FALSE, check.names = FALSE, encoding = "UTF-8",
                colClasses = c("character", "character", "integer"))
  L <- sort(unique(c(d$actual, d$predicted)), method = "radix")
  m <- matrix(0L, length(L), length(L), dimnames = list(Prediction = L, Reference = L))
  m[cbind(match(d$predicted, L), match(d$actual, L))] <- d$count
  cm <- suppressWarnings(confusionMatrix(as.table(m)))
  options(width = as.integer(readLines(paste0(base, ".width"))))
  writeLines(capture.output(print(cm)), paste0(base, ".txt"), useBytes = TRUE)
  o <- cm$overall
  lines <- paste("overall", names(o), num(o), sep = "\t")
  b <- cm$byClass
  if (is.matrix(b)) {
    for (i in seq_len(nrow(b))) lines <- c(lines, paste(i, colnames(b), num(b[i, ]), sep = "\t"))
  } else {
    lines <- c(lines, paste(1, names(b), num(b), sep = "\t"))
  }
  writeLines(lines, paste0(base, ".num"), useBytes = TRUE)
}
"#;

/// Whether emotui's statistic agrees with R's printed value: NA with NA,
/// NaN with NaN, numbers within `rel` (relative) or 1e-300 absolute.
fn agrees(ours: Stat, r: &str, rel: f64) -> bool {
    match (ours, r) {
        (None, "NA") => true,
        (Some(x), "NaN") => x.is_nan(),
        (Some(x), v) if !x.is_nan() => match v.parse::<f64>() {
            Ok(y) if x == y => true,
            Ok(y) => (x - y).abs() <= rel * y.abs().max(x.abs()) || (x - y).abs() < 1e-300,
            Err(_) => false,
        },
        _ => false,
    }
}

fn overall_stat(st: &CaretStatistics, name: &str) -> (Stat, f64) {
    let o = &st.overall;
    // (value, tolerance): p-values within 1e-9, the rest within 1e-12.
    match name {
        "Accuracy" => (o.accuracy, 1e-12),
        "Kappa" => (o.kappa, 1e-12),
        "AccuracyLower" => (o.accuracy_lower, 1e-12),
        "AccuracyUpper" => (o.accuracy_upper, 1e-12),
        "AccuracyNull" => (o.accuracy_null, 1e-12),
        "AccuracyPValue" => (o.accuracy_p_value, 1e-9),
        "McnemarPValue" => (o.mcnemar_p_value, 1e-9),
        other => panic!("unknown overall statistic {other}"),
    }
}

fn class_stat(st: &CaretStatistics, class: usize, name: &str) -> Stat {
    let c = &st.by_class[class];
    match name {
        "Sensitivity" => c.sensitivity,
        "Specificity" => c.specificity,
        "Pos Pred Value" => c.pos_pred_value,
        "Neg Pred Value" => c.neg_pred_value,
        "Precision" => c.precision,
        "Recall" => c.recall,
        "F1" => c.f1,
        "Prevalence" => c.prevalence,
        "Detection Rate" => c.detection_rate,
        "Detection Prevalence" => c.detection_prevalence,
        "Balanced Accuracy" => c.balanced_accuracy,
        other => panic!("unknown class statistic {other}"),
    }
}

/// Tables compared with real caret.
const TABLES: usize = 520;

/// Runs real caret over `cases` and checks every statistic and every
/// printout (through the command line, byte for byte) against emotui's.
fn check_against_caret(cases: &[Case]) {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| write_case(dir.path(), i, c))
        .collect();
    let script = dir.path().join("caret.R");
    std::fs::write(&script, CARET_SCRIPT).unwrap();
    rscript(&script, &[dir.path()]);

    let mut printouts = 0;
    for (i, (case, file)) in cases.iter().zip(&files).enumerate() {
        let survey = Survey::read(file, &SurveyOptions::default()).unwrap();
        let st = ConfusionMatrix::from_survey(&survey).statistics().unwrap();
        // Every number.
        let nums = std::fs::read_to_string(dir.path().join(format!("{i}.num"))).unwrap();
        for line in nums.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let (ours, r, rel) = if f[0] == "overall" {
                let (v, rel) = overall_stat(&st, f[1]);
                (v, f[2], rel)
            } else {
                let class: usize = f[0].parse().unwrap();
                (class_stat(&st, class - 1, f[1]), f[2], 1e-12)
            };
            assert!(
                agrees(ours, r, rel),
                "table {i} ({file:?}) {} {}: emotui {ours:?}, caret {r}",
                f[0],
                f[1]
            );
        }
        // The printout, byte for byte, through the command line.
        let want = std::fs::read(dir.path().join(format!("{i}.txt"))).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_emotui"))
            .arg("survey")
            .arg(file)
            .args(["--width", &case.width.to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = &out.stdout[..want.len().min(out.stdout.len())];
        assert!(
            got == want.as_slice(),
            "table {i} at width {}: printout differs\n--- caret\n{}\n--- emotui\n{}",
            case.width,
            String::from_utf8_lossy(&want),
            String::from_utf8_lossy(&out.stdout)
        );
        printouts += 1;
    }
    assert_eq!(printouts, cases.len());
}

#[test]
#[ignore = "needs R with caret: apt-get install r-base-core r-cran-caret"]
fn random_tables_match_real_caret() {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let cases: Vec<Case> = (0..TABLES).map(|i| random_case(&mut rng, i)).collect();
    check_against_caret(&cases);
}

/// An edge of R's printing rules that a table's printout reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Edge {
    /// A p-value with this decimal exponent (-3 … -6): where `format.pval`
    /// splits fixed from scientific and the two widths tie.
    PValue(&'static str, i32),
    /// A statistic caret passes through `round(x, 4)` sits half-way at the
    /// fourth decimal, where R's `round()` and `sprintf` part.
    RoundHalfway,
    /// A per-class statistic sits half-way at its fourth significant
    /// digit, where `formatReal`'s count of digits decides.
    FormatHalfway,
    /// The two p-values, formatted together, print with more decimals than
    /// either needs alone.
    SharedPValues,
    /// A class's statistics, formatted together, need more than four
    /// decimals or scientific notation.
    WideClassVector,
}

fn halfway(v: f64, scale_exponent: i32) -> bool {
    let s = v * 10f64.powi(scale_exponent);
    v > 0.0 && ((s - s.floor()) - 0.5).abs() < 1e-7
}

fn decimal_exponent(v: f64) -> i32 {
    v.log10().floor() as i32
}

/// The edges a table's statistics reach.
fn edges_of(st: &CaretStatistics) -> Vec<Edge> {
    let o = &st.overall;
    let mut edges = Vec::new();
    let pvalues = [
        ("accuracy", o.accuracy_p_value),
        ("mcnemar", o.mcnemar_p_value),
    ];
    for (name, p) in pvalues {
        if let Some(p) = p.filter(|p| *p >= f64::EPSILON) {
            let e = decimal_exponent(p);
            if (-6..=-3).contains(&e) {
                edges.push(Edge::PValue(name, e));
            }
        }
    }
    let fixed = |p: Stat| p.filter(|p| *p >= f64::EPSILON && decimal_exponent(*p) >= -4);
    if let (Some(a), Some(m)) = (fixed(o.accuracy_p_value), fixed(o.mcnemar_p_value))
        && decimal_exponent(a).min(decimal_exponent(m)) <= -2
        && (a - m).abs() > 0.01
    {
        edges.push(Edge::SharedPValues);
    }
    let rounded = [
        o.accuracy,
        o.accuracy_null,
        o.accuracy_lower,
        o.accuracy_upper,
        o.kappa,
    ];
    if rounded.iter().flatten().any(|v| halfway(v.abs(), 4)) {
        edges.push(Edge::RoundHalfway);
    }
    for c in st.reported_classes() {
        let values: Vec<f64> = emotui::stats::report::CLASS_ROWS
            .iter()
            .filter_map(|(_, f)| f(&st.by_class[c]))
            .filter(|v| v.is_finite() && *v > 0.0)
            .collect();
        if values.iter().any(|v| halfway(*v, 3 - decimal_exponent(*v))) {
            edges.push(Edge::FormatHalfway);
        }
        if values
            .iter()
            .any(|v| decimal_exponent(*v) <= -2 && (v * 1e4).fract() != 0.0)
        {
            edges.push(Edge::WideClassVector);
        }
    }
    edges.sort();
    edges.dedup();
    edges
}

/// A random table shaped to reach the edges: some with a total or column
/// totals of 20,000 (proportions land half-way at the fourth decimal),
/// some with a rare class (tiny proportions beside large ones), some with
/// a skewed diagonal (small p-values).
fn edge_candidate(rng: &mut ChaCha8Rng, two_class: bool) -> Case {
    let k = if two_class {
        2
    } else {
        rng.random_range(3..=6)
    };
    let mut pool: Vec<&str> = NAMES.to_vec();
    pool.shuffle(rng);
    let mut levels: Vec<String> = pool[..k].iter().map(|s| s.to_string()).collect();
    levels.sort();
    let mut counts = vec![vec![0u64; k]; k];
    match rng.random_range(0..4) {
        // Every column sums to 20,000.
        0 => {
            for r in 0..k {
                let mut left = 20_000u64;
                for row in counts.iter_mut().take(k - 1) {
                    let c = rng.random_range(0..=left);
                    row[r] = c;
                    left -= c;
                }
                counts[k - 1][r] = left;
                if rng.random_bool(0.5) {
                    let p = rng.random_range(0..k);
                    counts[p].swap(r, p);
                }
            }
        }
        // 20,000 in all.
        1 => {
            for _ in 0..20_000 {
                let (p, r) = (rng.random_range(0..k), rng.random_range(0..k));
                let p = if rng.random_bool(0.5) { r } else { p };
                counts[p][r] += 1;
            }
        }
        // A rare class among large ones.
        2 => {
            for row in counts.iter_mut() {
                for c in row.iter_mut() {
                    *c = rng.random_range(0..=100_000);
                }
            }
            let rare = rng.random_range(0..k);
            for row in counts.iter_mut() {
                row[rare] = rng.random_range(0..=3);
            }
        }
        // A modest table, right a little more often than chance.
        _ => {
            let n = rng.random_range(20..=3_000);
            let bias = rng.random_range(0.0..0.6);
            let skew = rng.random_range(0.0..0.5);
            for _ in 0..n {
                let r = rng.random_range(0..k);
                let p = if rng.random_bool(bias) {
                    r
                } else if rng.random_bool(skew) {
                    (r + 1) % k
                } else {
                    rng.random_range(0..k)
                };
                counts[p][r] += 1;
            }
        }
    }
    Case {
        levels,
        counts,
        width: WIDTHS[rng.random_range(0..WIDTHS.len())],
    }
}

/// Tables kept for each edge, in each layout.
const PER_EDGE: usize = 6;

#[test]
#[ignore = "needs R with caret: apt-get install r-base-core r-cran-caret"]
fn edge_tables_match_real_caret() {
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let mut kept: Vec<Case> = Vec::new();
    let mut counts: std::collections::BTreeMap<(bool, Edge), usize> = Default::default();
    let wanted: Vec<Edge> = ["accuracy", "mcnemar"]
        .into_iter()
        .flat_map(|n| (-6..=-3).map(move |e| Edge::PValue(n, e)))
        .chain([
            Edge::RoundHalfway,
            Edge::FormatHalfway,
            Edge::SharedPValues,
            Edge::WideClassVector,
        ])
        .collect();
    let full = |counts: &std::collections::BTreeMap<(bool, Edge), usize>, two: bool, e: Edge| {
        counts.get(&(two, e)).copied().unwrap_or(0) >= PER_EDGE
    };
    for attempt in 0..400_000 {
        let two = attempt % 2 == 0;
        let case = edge_candidate(&mut rng, two);
        let m = ConfusionMatrix {
            levels: case.levels.clone(),
            table: case.counts.clone(),
        };
        let Ok(st) = m.statistics() else { continue };
        let edges = edges_of(&st);
        if edges
            .iter()
            .any(|&e| wanted.contains(&e) && !full(&counts, two, e))
        {
            for e in edges {
                *counts.entry((two, e)).or_default() += 1;
            }
            kept.push(case);
        }
        if wanted
            .iter()
            .all(|&e| full(&counts, true, e) && full(&counts, false, e))
        {
            break;
        }
    }
    // Hand-made: 4,429 of 20,000 is 0.22145000000000000795 as a double;
    // R's round() gives 0.2214 where sprintf gives 0.2215.
    kept.push(Case {
        levels: vec!["a".into(), "b".into(), "c".into()],
        counts: vec![
            vec![4_429, 0, 0],
            vec![3_000, 4_000, 0],
            vec![1_000, 0, 7_571],
        ],
        width: 80,
    });
    let missing: Vec<String> = wanted
        .iter()
        .flat_map(|&e| [(true, e), (false, e)])
        .filter(|&(two, e)| !full(&counts, two, e))
        .map(|(two, e)| format!("{e:?} ({} classes)", if two { "2" } else { ">2" }))
        .collect();
    assert!(missing.is_empty(), "no tables found for {missing:?}");
    eprintln!("{} edge tables: {counts:?}", kept.len());
    check_against_caret(&kept);
}

/// For every `<i>.csv` (0/1 columns x1..xK, then y and w) with its
/// `<i>.n` (features to select): glmnet's ridge as R lime fits it
/// (alpha = 0, lambda = 2 / rows, standardize and intercept on), and the
/// features R lime's three glmnet selections choose, written as R lime's
/// code computes them (lime/R/lime.R: select_f_fs, select_f_hw, select_f_lp).
const GLMNET_SCRIPT: &str = r#"
suppressMessages(library(glmnet))
dir <- commandArgs(trailingOnly = TRUE)[1]
num <- function(x) sprintf("%.17g", x)
for (f in list.files(dir, pattern = "\\.csv$", full.names = TRUE)) {
  base <- sub("\\.csv$", "", f)
  d <- as.matrix(read.csv(f))
  K <- ncol(d) - 2
  x <- d[, 1:K, drop = FALSE]; y <- d[, K + 1]; w <- d[, K + 2]
  n_features <- as.integer(readLines(paste0(base, ".n")))
  out <- character()
  # As R lime calls it, and converged far beyond glmnet's default 1e-7 (at 1e-14 an ill-conditioned
  # problem of 300 rows and 143 columns is still 1e-6 from its answer).
  for (run in c("ridge", "default")) {
    fit <- if (run == "ridge") {
      glmnet(x, y, weights = w, alpha = 0, lambda = 2 / nrow(x), thresh = 1e-18, maxit = 1e8)
    } else {
      glmnet(x, y, weights = w, alpha = 0, lambda = 2 / nrow(x))
    }
    out <- c(out, paste0(run, "_a0 ", num(fit$a0)), paste0(run, "_r2 ", num(fit$dev.ratio)),
             paste0(run, "_beta ", paste(num(as.vector(coef(fit)[-1, 1])), collapse = " ")))
  }
  if (nrow(x) > 2 * K) {
    # forward_selection (what auto uses for n_features <= 6): glm.fit's R2
    # for the first feature, glmnet's dev.ratio at lambda = 0 for the next.
    {
      features <- c()
      for (i in seq_len(n_features)) {
        best <- -Inf; pick <- 0
        for (j in seq_len(K)) {
          if (j %in% features) next
          cols <- c(features, j)
          if (length(cols) == 1) {
            g <- glm.fit(cbind(1, x[, j]), y, weights = w)
            r2 <- 1 - g$deviance / g$null.deviance
          } else {
            r2 <- glmnet(x[, cols, drop = FALSE], y, weights = w, alpha = 0, lambda = 0)$dev.ratio
          }
          if (r2 > best) { best <- r2; pick <- j }
        }
        features <- c(features, pick)
      }
      out <- c(out, paste("forward", paste(sort(features), collapse = " ")))
    }
    hw <- glmnet(x, y, weights = w, alpha = 0, lambda = 0)
    b <- coef(hw)[-1, 1]
    out <- c(out, paste("highest", paste(sort(head(order(abs(b), decreasing = TRUE), n_features)), collapse = " ")),
             paste("highest_beta", paste(num(b), collapse = " ")))
    lp <- glmnet(x, y, weights = w, alpha = 1, nlambda = 300)
    has <- as.matrix(coef(lp)[-1, , drop = FALSE]) != 0
    row <- rev(which(colSums(has) <= n_features))[1]
    out <- c(out, paste("lasso", paste(which(has[, row]), collapse = " ")))
  }
  writeLines(out, paste0(base, ".out"))
}
"#;

/// One random local-model problem shaped as LIME makes them.
struct Problem {
    k: usize,
    kept: Vec<bool>,
    y: Vec<f64>,
    w: Vec<f64>,
    n_features: usize,
}

impl Problem {
    fn rows(&self) -> usize {
        self.y.len()
    }
}

fn random_problem(rng: &mut ChaCha8Rng, i: usize) -> Problem {
    let rows = [50, 100, 300, 1000, 2000, 5000][rng.random_range(0..6)];
    let k = if i.is_multiple_of(4) {
        rng.random_range(2..=200)
    } else {
        rng.random_range(2..=(rows / 3).clamp(3, 60))
    };
    loop {
        // Rows that remove every superpixel have no weight in R lime (0/0);
        // draw those again.
        let mut kept = Vec::with_capacity(rows * k);
        while kept.len() < rows * k {
            let row: Vec<bool> = (0..k).map(|_| rng.random_bool(0.5)).collect();
            if row.contains(&true) {
                kept.extend(row);
            }
        }
        // A response like a model's probability: a few superpixels matter,
        // through a sigmoid, plus noise.
        let effects: Vec<f64> = (0..k)
            .map(|_| {
                if rng.random_bool(0.3) {
                    rng.random_range(-2.0..2.0)
                } else {
                    0.0
                }
            })
            .collect();
        let y: Vec<f64> = (0..rows)
            .map(|r| {
                let s: f64 = (0..k)
                    .filter(|&j| kept[r * k + j])
                    .map(|j| effects[j])
                    .sum();
                let noise = rng.random_range(-0.3..0.3);
                1.0 / (1.0 + (-(s - 1.0 + noise)).exp())
            })
            .collect();
        // R lime's weights, sqrt(kept / K).
        let w: Vec<f64> = (0..rows)
            .map(|r| ((0..k).filter(|&j| kept[r * k + j]).count() as f64 / k as f64).sqrt())
            .collect();
        let varies = (0..k).all(|j| {
            let on = (0..rows).filter(|&r| kept[r * k + j]).count();
            on > 0 && on < rows
        });
        if varies {
            let n_features = rng.random_range(1..=k.min(10));
            return Problem {
                k,
                kept,
                y,
                w,
                n_features,
            };
        }
    }
}

fn write_problem(dir: &Path, i: usize, p: &Problem) {
    let mut w = csv::Writer::from_path(dir.join(format!("{i}.csv"))).unwrap();
    let mut header: Vec<String> = (1..=p.k).map(|j| format!("x{j}")).collect();
    header.extend(["y".into(), "w".into()]);
    w.write_record(&header).unwrap();
    for r in 0..p.rows() {
        let mut rec: Vec<String> = (0..p.k)
            .map(|j| (p.kept[r * p.k + j] as u8).to_string())
            .collect();
        // Shortest text that reads back as the same double.
        rec.push(format!("{:?}", p.y[r]));
        rec.push(format!("{:?}", p.w[r]));
        w.write_record(&rec).unwrap();
    }
    w.flush().unwrap();
    std::fs::write(dir.join(format!("{i}.n")), p.n_features.to_string()).unwrap();
}

fn parse_floats(s: &str) -> Vec<f64> {
    s.split_whitespace().map(|v| v.parse().unwrap()).collect()
}

fn parse_ids(s: &str) -> Vec<usize> {
    // R's columns are 1-based.
    s.split_whitespace()
        .map(|v| v.parse::<usize>().unwrap() - 1)
        .collect()
}

/// Problems compared with real glmnet.
const PROBLEMS: usize = 240;

#[test]
#[ignore = "needs R with glmnet: apt-get install r-base-core r-cran-glmnet"]
fn lime_fits_match_real_glmnet() {
    use emotui::lime::regression::Moments;
    use emotui::lime::{FeatureSelect, select_features};

    let dir = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(708);
    let problems: Vec<Problem> = (0..PROBLEMS).map(|i| random_problem(&mut rng, i)).collect();
    for (i, p) in problems.iter().enumerate() {
        write_problem(dir.path(), i, p);
    }
    let script = dir.path().join("glmnet.R");
    std::fs::write(&script, GLMNET_SCRIPT).unwrap();
    rscript(&script, &[dir.path()]);

    let (mut worst_coef, mut worst_r2, mut worst_default) = (0.0f64, 0.0f64, 0.0f64);
    let mut compared = [0usize; 3];
    let mut differing = Vec::new();
    for (i, p) in problems.iter().enumerate() {
        let out = std::fs::read_to_string(dir.path().join(format!("{i}.out"))).unwrap();
        let get = |key: &str| {
            out.lines()
                .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(' ')))
                .map(str::to_string)
        };
        let all: Vec<usize> = (0..p.k).collect();
        let rows: Vec<usize> = (0..p.rows()).collect();
        let m = Moments::new(&p.kept, p.k, &p.y, &p.w, &rows);
        // The ridge: coefficients and intercept within 1e-6 of the largest
        // coefficient, and the explanation fit within 1e-6, of glmnet run
        // to convergence (thresh 1e-18). glmnet's default stopping rule
        // (thresh 1e-7, on the objective) leaves its coefficients further
        // from that answer: recorded, not asserted.
        let fit = m.fit(&all, 2.0 / p.rows() as f64);
        let error = |run: &str| {
            let beta = parse_floats(&get(&format!("{run}_beta")).unwrap());
            let a0: f64 = get(&format!("{run}_a0")).unwrap().parse().unwrap();
            let r2: f64 = get(&format!("{run}_r2")).unwrap().parse().unwrap();
            let scale = beta.iter().fold(1e-12f64, |s, b| s.max(b.abs()));
            let coef = fit
                .coefficients
                .iter()
                .zip(&beta)
                .map(|(ours, theirs)| (ours - theirs).abs() / scale)
                .fold((fit.intercept - a0).abs() / scale.max(a0.abs()), f64::max);
            (coef, (fit.r2 - r2).abs() / r2.abs().max(1e-12))
        };
        let (coef, r2) = error("ridge");
        worst_coef = worst_coef.max(coef);
        worst_r2 = worst_r2.max(r2);
        let (coef, _) = error("default");
        worst_default = worst_default.max(coef);
        assert!(
            worst_coef <= 1e-6 && worst_r2 <= 1e-6,
            "problem {i} ({} rows, {} columns): coefficient error {worst_coef:e}, fit error {worst_r2:e}",
            p.rows(),
            p.k
        );
        // The selections, where OLS (lambda = 0) is defined: rows > 2K.
        for (k, (key, how)) in [
            ("forward", FeatureSelect::ForwardSelection),
            ("highest", FeatureSelect::HighestWeights),
            ("lasso", FeatureSelect::LassoPath),
        ]
        .into_iter()
        .enumerate()
        {
            let Some(theirs) = get(key) else { continue };
            let mut theirs = parse_ids(&theirs);
            theirs.sort();
            let mut ours = select_features(&m, &all, p.n_features, how);
            ours.sort();
            compared[k] += 1;
            if ours != theirs {
                differing.push((i, key, ours, theirs));
            }
        }
    }
    eprintln!(
        "ridge over {PROBLEMS} problems: worst coefficient error {worst_coef:.2e} (relative to the largest), worst fit error {worst_r2:.2e}; glmnet with its default thresh is {worst_default:.2e} from converged"
    );
    eprintln!(
        "selections compared: forward {}, highest {}, lasso {}; differing: {differing:?}",
        compared[0], compared[1], compared[2]
    );
    // Every selection method over at least 200 problems.
    assert!(compared.iter().all(|&c| c >= 200), "{compared:?}");
    // glmnet stops its path and its descent at a tolerance; a chosen set
    // may differ where two candidates are closer than that tolerance.
    assert!(
        differing.len() * 50 <= compared.iter().sum::<usize>(),
        "more than 2% of the selections differ: {differing:?}"
    );
}

/// For every `<i>.csv` (truth, a, b): `mcnemar.test` on the 2×2 table of
/// right and wrong, `binom.test` on the discordant faces, and caret's kappa
/// between the two label columns.
const PAIRED_SCRIPT: &str = r#"
suppressMessages(library(caret))
dir <- commandArgs(trailingOnly = TRUE)[1]
num <- function(x) ifelse(is.nan(x), "NaN", ifelse(is.na(x), "NA", sprintf("%.17g", x)))
for (f in list.files(dir, pattern = "\\.csv$", full.names = TRUE)) {
  d <- read.csv(f, stringsAsFactors = FALSE, colClasses = "character")
  ar <- factor(d$a == d$truth, levels = c(TRUE, FALSE))
  br <- factor(d$b == d$truth, levels = c(TRUE, FALSE))
  t <- table(ar, br)
  m <- suppressWarnings(mcnemar.test(t))
  disc <- t[1, 2] + t[2, 1]
  exact <- if (disc > 0) binom.test(t[1, 2], disc)$p.value else 1
  L <- sort(unique(c(d$a, d$b)), method = "radix")
  k <- if (length(L) > 1) {
    suppressWarnings(confusionMatrix(table(factor(d$a, L), factor(d$b, L))))$overall[["Kappa"]]
  } else NaN
  writeLines(c(num(m$statistic), num(m$p.value), num(exact), num(k)),
             sub("\\.csv$", ".out", f))
}
"#;

/// Random pairs of label vectors compared with real R.
const PAIRS: usize = 240;

#[test]
#[ignore = "needs R with caret: apt-get install r-base-core r-cran-caret"]
fn paired_tests_match_real_r() {
    use emotui::stats::paired::{PairedAnswer, paired};
    let dir = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(25);
    let labels = [
        "Anger", "Fear", "Joy", "Neutral", "Sadness", "Surprise", "Disgust",
    ];
    let mut cases: Vec<Vec<[String; 3]>> = Vec::new();
    for i in 0..PAIRS {
        let k = rng.random_range(2..=labels.len());
        let n = [3usize, 10, 40, 200, 2000][rng.random_range(0..5)];
        // How often each model is right, and how often B copies A: from
        // twins to strangers, from perfect to hopeless.
        let (pa, pb, copy) = (
            rng.random_range(0.0..=1.0),
            rng.random_range(0.0..=1.0),
            if i % 4 == 0 {
                0.95
            } else {
                rng.random_range(0.0..1.0)
            },
        );
        let rows: Vec<[String; 3]> = (0..n)
            .map(|_| {
                let truth = labels[rng.random_range(0..k)];
                let guess = |p: f64, rng: &mut ChaCha8Rng| {
                    if rng.random_bool(p) {
                        truth
                    } else {
                        labels[rng.random_range(0..k)]
                    }
                };
                let a = guess(pa, &mut rng);
                let b = if rng.random_bool(copy) {
                    a
                } else {
                    guess(pb, &mut rng)
                };
                [truth.to_string(), a.to_string(), b.to_string()]
            })
            .collect();
        let mut w = csv::Writer::from_path(dir.path().join(format!("{i}.csv"))).unwrap();
        w.write_record(["truth", "a", "b"]).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        w.flush().unwrap();
        cases.push(rows);
    }
    let script = dir.path().join("paired.R");
    std::fs::write(&script, PAIRED_SCRIPT).unwrap();
    rscript(&script, &[dir.path()]);
    let mut discordant_none = 0;
    for (i, rows) in cases.iter().enumerate() {
        let answers: Vec<PairedAnswer> = rows
            .iter()
            .map(|[t, a, b]| PairedAnswer { truth: t, a, b })
            .collect();
        let p = paired(&answers).unwrap();
        discordant_none += usize::from(p.a_right_b_wrong + p.a_wrong_b_right == 0);
        let out = std::fs::read_to_string(dir.path().join(format!("{i}.out"))).unwrap();
        let r: Vec<&str> = out.lines().collect();
        for (name, ours, theirs) in [
            ("McNemar statistic", p.mcnemar_statistic, r[0]),
            ("McNemar p-value", p.mcnemar_p_value, r[1]),
            ("exact p-value", p.exact_p_value, r[2]),
            ("kappa between", p.kappa_between, r[3]),
        ] {
            let ours = if ours.is_nan() {
                Some(f64::NAN)
            } else {
                Some(ours)
            };
            assert!(
                agrees(ours, theirs, 1e-12),
                "pair {i} ({} faces): {name}: emotui {ours:?}, R {theirs}",
                rows.len()
            );
        }
    }
    // The edge where McNemar is NaN and the exact test 1 was reached.
    assert!(discordant_none > 0, "no pair without a discordant face");
}

const T_SCRIPT: &str = r#"
dir <- commandArgs(trailingOnly = TRUE)[1]
num <- function(x) sprintf("%.17g", x)
for (f in list.files(dir, pattern = "\\.txt$", full.names = TRUE)) {
  d <- scan(f, quiet = TRUE)
  t <- t.test(d, rep(0, length(d)), paired = TRUE)
  writeLines(c(num(t$estimate), num(t$conf.int[1]), num(t$conf.int[2])),
             sub("\\.txt$", ".out", f))
}
"#;

/// The paired interval of the atlas's two-model comparison against R's
/// `t.test(paired = TRUE)`: from 2 to 500 faces, differences of every
/// scale, one of them with a single face apart from the rest.
#[test]
#[ignore = "needs R: apt-get install r-base-core"]
fn paired_intervals_match_real_r() {
    use emotui::stats::paired::mean_difference;
    let dir = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(26);
    let mut cases = Vec::new();
    for i in 0..60 {
        let n = [2usize, 3, 5, 30, 500][i % 5];
        let scale = [1e-4, 0.05, 1.0][i % 3];
        let shift = rng.random_range(-1.0..1.0) * scale;
        let mut d: Vec<f64> = (0..n)
            .map(|_| shift + scale * rng.random_range(-1.0..1.0))
            .collect();
        if i == 7 {
            d.iter_mut().for_each(|v| *v = 0.0);
            d[0] = 0.3;
        }
        let text: Vec<String> = d.iter().map(|v| format!("{v:.17e}")).collect();
        std::fs::write(dir.path().join(format!("{i:02}.txt")), text.join("\n")).unwrap();
        cases.push(d);
    }
    let script = dir.path().join("t.R");
    std::fs::write(&script, T_SCRIPT).unwrap();
    rscript(&script, &[dir.path()]);
    for (i, d) in cases.iter().enumerate() {
        let (mean, lower, upper) = mean_difference(d).unwrap();
        let out = std::fs::read_to_string(dir.path().join(format!("{i:02}.out"))).unwrap();
        let r: Vec<&str> = out.lines().collect();
        for (name, ours, theirs) in [
            ("mean", mean, r[0]),
            ("lower", lower, r[1]),
            ("upper", upper, r[2]),
        ] {
            assert!(
                agrees(Some(ours), theirs, 1e-9),
                "case {i} ({} faces): {name}: emotui {ours}, R {theirs}",
                d.len()
            );
        }
    }
    assert!(mean_difference(&[0.5]).is_none());
}
