//! The region answer of `emotui explain` as text: per region and label the
//! region game's exact Shapley value and share, or the refit's shares and
//! R², then the game's strongest interactions and smallest flips.

use emotui::geometry::Region;
use emotui::methods::regions::{FaceRegions, RegionMethod};

/// The region answer: one line per region with each label's signed value
/// and share of |value| (Shapley), or its positive and negative shares and
/// R² (refit); then the game's strongest interactions and smallest flips.
pub fn regions_text(regions: &FaceRegions) -> String {
    let labels = &regions.labels;
    let shapley = regions.method == RegionMethod::Shapley;
    let mut s = if shapley {
        "  Facial regions (exact Shapley values of the region game; share of |value|):\n"
            .to_string()
    } else {
        "  Facial regions (LIME refitted on the regions; positive and negative shares):\n"
            .to_string()
    };
    s += &format!("    {:<12}", "region");
    for l in labels {
        if shapley {
            s += &format!(" {:>12} {:>7}", l.label, "share");
        } else {
            s += &format!(
                " {:>12} {:>12}",
                format!("{} +", l.label),
                format!("{} −", l.label)
            );
        }
    }
    s.push('\n');
    let value_shares: Vec<Vec<f64>> = labels.iter().map(|l| l.shares.value_shares()).collect();
    for (i, region) in Region::ALL.iter().enumerate() {
        s += &format!("    {:<12}", region.name());
        for (l, shares) in labels.iter().zip(&value_shares) {
            let r = &l.shares.regions[i];
            if shapley {
                s += &format!(" {:>+12.4} {:>6.1}%", r.value, 100.0 * shares[i]);
            } else {
                s += &format!(
                    " {:>11.1}% {:>11.1}%",
                    100.0 * r.positive,
                    100.0 * r.negative
                );
            }
        }
        s.push('\n');
    }
    if !shapley {
        s += &format!("    {:<12}", "region R²");
        for l in labels {
            s += &format!(" {:>12.3} {:>12}", l.r2.unwrap_or(f64::NAN), "");
        }
        s.push('\n');
    }
    let Some(game) = &regions.game else {
        return s;
    };
    for v in &game.values {
        s += &format!(
            "    {}: {:.4} with every region, {:.4} with none ({} evaluations)\n",
            v.label, v.whole, v.removed, game.evaluations
        );
    }
    let mut pairs: Vec<_> = game.interactions.iter().collect();
    pairs.sort_by(|a, b| b.value.abs().total_cmp(&a.value.abs()));
    let strongest: Vec<String> = pairs
        .iter()
        .take(INTERACTIONS_SHOWN)
        .map(|i| {
            format!(
                "{} × {} {:+.4} ({})",
                i.a.name(),
                i.b.name(),
                i.value,
                i.label
            )
        })
        .collect();
    if !strongest.is_empty() {
        s += &format!("  Strongest interactions: {}\n", strongest.join(", "));
    }
    if game.flips.is_empty() {
        s += "  No set of regions removed changes the predicted label.\n";
    } else {
        s += &format!(
            "  Smallest removals that change the label ({} in all):\n",
            game.flip_sets
        );
        for f in game.flips.iter().take(FLIPS_SHOWN) {
            s += &format!(
                "    remove {} → {} {:.2}\n",
                f.removed_names(),
                f.to,
                f.probability
            );
        }
    }
    s
}

/// Interactions printed in the table (JSON has every pair).
const INTERACTIONS_SHOWN: usize = 3;
/// Flipping sets printed in the table (JSON has up to the game's limit).
const FLIPS_SHOWN: usize = 5;
