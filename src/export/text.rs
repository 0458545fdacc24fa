//! The explanation as text, the way `emotui explain` prints it: R lime's
//! caption figures, the trust figures and the rows of every method, in
//! fixed-width columns. The report is data formatted once, here; the
//! command line only prints it.

use std::path::Path;

use crate::explain::Outcome;
use crate::lime::table;
use crate::lime::trust::Faithfulness;
use crate::methods::{Comparison, Method};
use crate::render;

/// An explanation as `emotui explain` prints it: the face, then per label
/// R lime's caption figures, the trust figures, and the rows.
pub fn explanation(face: &Path, o: &Outcome) -> String {
    let mut s = format!(
        "{}: {} superpixels, {} perturbations\n",
        face.display(),
        o.samples.superpixels.count,
        o.explanation.n_samples
    );
    for l in &o.explanation.labels {
        s += &format!(
            "  Label: {}  Probability: {}  Explanation Fit: {}  intercept {:.4}  local prediction {:.4}\n",
            l.name,
            render::two_digits(l.probability),
            render::two_digits(l.r2),
            l.intercept,
            l.prediction
        );
        if let Some(st) = o.trust.stability_of(l.label) {
            s += &format!(
                "    {}: top-{} Jaccard {:.2}, sign agreement {:.2} over {} replicates\n",
                st.verdict.word(),
                st.k,
                st.jaccard,
                st.sign_agreement,
                st.replicates
            );
        }
        if let Some(f) = o.trust.faithfulness_of(l.label) {
            s += &faithfulness_line(f);
        }
    }
    s + &rows_text(&super::rows(face, o))
}

/// A label's deletion and insertion areas against random orders.
fn faithfulness_line(f: &Faithfulness) -> String {
    format!(
        "    deletion AUC {:.3} ({:.2}x random), insertion AUC {:.3} ({:.2}x random)\n",
        f.deletion.auc, f.deletion_ratio, f.insertion.auc, f.insertion_ratio
    )
}

/// The rows as a fixed-width table (every method's rows have this shape).
pub fn rows_text(rows: &[table::Row]) -> String {
    let mut s = format!(
        "  {:<10} {:>10} {:>8} {:>8} {:>8} {:>7} {:>10} {:>20}  {}\n",
        "label",
        "label_prob",
        "model_r2",
        "intercpt",
        "model_pr",
        "feature",
        "weight",
        "95% interval",
        "feature_desc"
    );
    for r in rows {
        let interval = match (r.weight_lower, r.weight_upper) {
            (Some(a), Some(b)) => format!("[{a:.4}, {b:.4}]"),
            _ => String::new(),
        };
        s += &format!(
            "  {:<10} {:>10.4} {:>8.4} {:>8.4} {:>8.4} {:>7} {:>10.4} {:>20}  {}\n",
            r.label,
            r.label_prob,
            r.model_r2,
            r.model_intercept,
            r.model_prediction,
            r.feature,
            r.feature_weight,
            interval,
            r.feature_desc
        );
    }
    s
}

/// The other methods' rows and how far the methods agree, as `emotui
/// explain --method` prints them after LIME's.
pub fn methods(face: &Path, outcome: &Outcome, cmp: &Comparison) -> String {
    let mut s = String::new();
    for (a, curves) in cmp.attributions.iter().zip(&cmp.faithfulness) {
        if a.method == Method::Lime {
            continue;
        }
        s += &format!(
            "{}: {} ({} evaluations)\n",
            face.display(),
            a.method.name(),
            a.evaluations
        );
        for l in &a.explanation.labels {
            // KernelSHAP's intercept is f(empty): φ sums to f(face) − f(empty).
            let empty = match a.method {
                Method::KernelShap => format!("  f(empty) {:.4}", l.intercept),
                _ => String::new(),
            };
            s += &format!(
                "  Label: {}  Probability: {}  f(face) {:.4}{empty}\n",
                l.name,
                render::two_digits(l.probability),
                l.prediction,
            );
            if let Some(f) = curves.iter().find(|f| f.label == l.label) {
                s += &faithfulness_line(f);
            }
        }
        s += &rows_text(&super::attribution_rows(face, outcome, a, curves));
    }
    for l in &cmp.agreement {
        s += &format!(
            "{}: agreement on {} (top-{}): {} (mean Spearman {:.2}, mean Jaccard {:.2})\n",
            face.display(),
            l.name,
            l.k,
            l.verdict.word(),
            l.mean_spearman,
            l.mean_jaccard
        );
        for p in &l.pairs {
            s += &format!(
                "  {:<11} {:<11} Spearman {:>6.3}  top-{} Jaccard {:.2}\n",
                p.a.name(),
                p.b.name(),
                p.spearman,
                l.k,
                p.jaccard
            );
        }
        for c in &l.curves {
            s += &format!(
                "  {:<11} deletion AUC {:.3}  insertion AUC {:.3}\n",
                c.method.name(),
                c.deletion_auc,
                c.insertion_auc
            );
        }
    }
    s
}
