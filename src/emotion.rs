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

#[cfg(test)]
mod tests {
    use super::*;

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
