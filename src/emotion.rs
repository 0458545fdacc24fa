//! Emotion names and their synonyms.
//!
//! The practical's folders say `JOY` and `SADNESS`, the bundled model says
//! `happy` and `sad`, and the survey says `Joy`. Everything that has to line
//! these up (faces tree against model labels, model against people) goes
//! through [`canonical`], so there is one table of synonyms.

/// The seven basic emotions, in the alphabetical order the practical uses.
pub const EMOTIONS: [&str; 7] = [
    "anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise",
];

/// Maps a label to its canonical emotion name (one of [`EMOTIONS`]), or
/// `None` when the label is not a known emotion.
///
/// Matching ignores case and surrounding whitespace.
pub fn canonical(label: &str) -> Option<&'static str> {
    let l = label.trim().to_lowercase();
    let name = match l.as_str() {
        "anger" | "angry" => "anger",
        "disgust" | "disgusted" => "disgust",
        "fear" | "fearful" | "afraid" => "fear",
        "joy" | "happy" | "happiness" => "joy",
        "neutral" => "neutral",
        "sadness" | "sad" => "sadness",
        "surprise" | "surprised" => "surprise",
        _ => return None,
    };
    Some(name)
}

/// Whether two labels name the same class: equal ignoring case, or the same
/// emotion through the synonyms.
pub fn same_class(a: &str, b: &str) -> bool {
    if a.trim().eq_ignore_ascii_case(b.trim()) {
        return true;
    }
    matches!((canonical(a), canonical(b)), (Some(x), Some(y)) if x == y)
}

/// Index of the label in `labels` that names the same class as `name`.
pub fn find(labels: &[String], name: &str) -> Option<usize> {
    labels.iter().position(|l| same_class(l, name))
}

/// The labels of `labels` that `other` has no synonym of: what one of two
/// models can say that the other cannot.
pub fn unmatched(labels: &[String], other: &[String]) -> Vec<String> {
    labels
        .iter()
        .filter(|l| find(other, l).is_none())
        .cloned()
        .collect()
}

/// Says which labels only one of two models has ("labels only model B
/// has: contempt"), one line per model; empty when both name the same
/// classes. (Its answers with them never match the other's, nor a class
/// the other can name.)
pub fn unmatched_text(a: &[String], b: &[String]) -> String {
    [("A", unmatched(a, b)), ("B", unmatched(b, a))]
        .iter()
        .filter(|(_, only)| !only.is_empty())
        .map(|(who, only)| format!("labels only model {who} has: {}\n", only.join(", ")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_only_one_model_has_are_named() {
        let a: Vec<String> = ["happy", "sad", "neutral"].map(String::from).to_vec();
        let b: Vec<String> = ["JOY", "SADNESS", "CONTEMPT", "fear"]
            .map(String::from)
            .to_vec();
        assert_eq!(unmatched(&a, &b), vec!["neutral"]);
        assert_eq!(unmatched(&b, &a), vec!["CONTEMPT", "fear"]);
        let text = unmatched_text(&a, &b);
        assert_eq!(
            text,
            "labels only model A has: neutral\nlabels only model B has: CONTEMPT, fear\n"
        );
        assert_eq!(unmatched_text(&a, &a), "");
    }

    #[test]
    fn folder_names_match_model_labels() {
        let model: Vec<String> = [
            "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(find(&model, "JOY"), Some(3));
        assert_eq!(find(&model, "SADNESS"), Some(4));
        assert_eq!(find(&model, "ANGER"), Some(0));
        assert_eq!(find(&model, "Surprised"), Some(5));
        assert_eq!(find(&model, "FEARFUL"), Some(2));
        assert_eq!(find(&model, "disgusted"), Some(1));
        assert_eq!(find(&model, "NEUTRAL"), Some(6));
        assert_eq!(find(&model, "contempt"), None);
    }

    #[test]
    fn unknown_labels_only_match_themselves() {
        assert!(same_class("Contempt", "contempt"));
        assert!(!same_class("Contempt", "anger"));
        assert_eq!(canonical("pride"), None);
    }
}
