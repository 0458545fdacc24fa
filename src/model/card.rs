//! The model card: the TOML file next to an `.onnx` that says how to feed the
//! model and how to read its output.
//!
//! An ONNX graph knows its tensor shapes but not what the numbers mean: the
//! class names, how pixels were normalised in training, whether the last
//! layer is a softmax. Getting any of these wrong gives plausible-looking
//! nonsense, so the card is required and checked against the graph.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
// The input's description belongs to preprocessing, which reads it; the
// card names it as its input section.
pub use crate::preprocess::{Colour, InputSpec, Layout, ResizeFilter};

/// What the model's output row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    /// Already probabilities (the graph ends in a softmax).
    Probabilities,
    /// Raw scores: emotui applies a softmax.
    Logits,
}

/// Output section of the card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Whether outputs are probabilities or logits.
    pub kind: OutputKind,
}

/// The whole card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCard {
    /// Human-readable model name.
    pub name: String,
    /// Class labels in output order.
    pub labels: Vec<String>,
    /// Input preprocessing and tensor shape.
    pub input: InputSpec,
    /// How to read the output.
    pub output: OutputSpec,
    /// Where the weights come from (free text).
    #[serde(default)]
    pub source: Option<String>,
    /// Licence of the weights (free text).
    #[serde(default)]
    pub license: Option<String>,
}

/// An example card, shown in errors so that the user knows what to write.
pub const EXAMPLE: &str = r#"name = "my emotion model"
labels = ["ANGER", "DISGUST", "FEAR", "JOY", "NEUTRAL", "SADNESS", "SURPRISE"]

[input]
layout = "NHWC"        # or "NCHW"
width = 128
height = 128
channels = 1
colour = "gray"        # or "rgb"
resize = "nearest"     # nearest | bilinear | bicubic | lanczos (PIL semantics)
scale = 0.00392156862745098   # x/255: value = x * scale + offset
offset = 0.0

[output]
kind = "probabilities" # or "logits" (a softmax is applied)
"#;

/// A card error, with [`EXAMPLE`] to copy from.
pub fn card_error(path: PathBuf, problem: String) -> Error {
    Error::Card {
        path,
        problem,
        example: EXAMPLE,
    }
}

/// Largest input side a card may ask for, in pixels: every image and
/// perturbation is resized to it, and a batch of them held at once.
pub const MAX_INPUT_SIDE: usize = 1024;

/// Longest label a card may give, in characters.
pub const MAX_LABEL_CHARS: usize = 100;

impl ModelCard {
    /// The card path for a model: the same path with the extension `.toml`.
    pub fn path_for(model: &Path) -> PathBuf {
        model.with_extension("toml")
    }

    /// Reads and validates the card that belongs to `model`.
    pub fn load_for(model: &Path) -> Result<ModelCard> {
        let path = Self::path_for(model);
        let text = crate::files::read_regular(&path)
            .and_then(|b| String::from_utf8(b).map_err(|e| format!("not UTF-8 text ({e})")))
            .map_err(|e| {
                card_error(
                    path.clone(),
                    format!("the model card: {e}; every model needs one next to it"),
                )
            })?;
        Self::parse(&text).map_err(|problem| card_error(path, problem))
    }

    /// Parses and validates card text; the error is a description of the problem.
    pub fn parse(text: &str) -> std::result::Result<ModelCard, String> {
        let card: ModelCard = toml::from_str(text).map_err(|e| e.to_string())?;
        card.validate()?;
        Ok(card)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        if self.labels.len() < 2 {
            return Err("`labels` must list at least two classes".into());
        }
        // Two labels that name one class (by case, spaces or an emotion's
        // synonym) would split it in every table without a word.
        let mut seen: std::collections::HashMap<String, &str> = Default::default();
        for l in &self.labels {
            if l.trim().is_empty() {
                return Err("`labels` contains an empty label".into());
            }
            if l.chars().any(char::is_control) {
                return Err(format!(
                    "label {l:?} contains a control character (a newline, tab or escape)"
                ));
            }
            if l.chars().count() > MAX_LABEL_CHARS {
                return Err(format!(
                    "label {l:?} is longer than {MAX_LABEL_CHARS} characters"
                ));
            }
            let key = crate::emotion::canonical(l)
                .map_or_else(|| l.trim().to_lowercase(), |e| e.to_string());
            if let Some(first) = seen.insert(key, l) {
                return Err(if first == l {
                    format!("label {l:?} appears twice in `labels`")
                } else {
                    format!("labels {first:?} and {l:?} name the same class in `labels`")
                });
            }
        }
        let i = &self.input;
        if i.width == 0 || i.height == 0 {
            return Err("input width and height must be positive".into());
        }
        if i.width > MAX_INPUT_SIDE || i.height > MAX_INPUT_SIDE {
            return Err(format!(
                "input {}×{} is larger than emotui runs (at most {MAX_INPUT_SIDE} a side; \
                 emotion models take 48 to 299)",
                i.width, i.height
            ));
        }
        if i.channels != i.colour.channels() {
            return Err(format!(
                "input.channels = {} but colour {:?} has {} channel(s)",
                i.channels,
                i.colour,
                i.colour.channels()
            ));
        }
        if !(i.scale.is_finite() && i.offset.is_finite()) || i.scale == 0.0 {
            return Err("input.scale must be finite and non-zero, input.offset finite".into());
        }
        Ok(())
    }

    /// Checks the card against what the ONNX graph declares. `input` holds
    /// the graph's input dimensions (None where symbolic) and `classes` the
    /// size of the output's last dimension when known.
    pub fn check_against_graph(
        &self,
        input: &[Option<usize>],
        classes: Option<usize>,
    ) -> std::result::Result<(), String> {
        if input.len() != 4 {
            return Err(format!(
                "the model's input has {} dimensions; emotui needs a 4-D image batch",
                input.len()
            ));
        }
        let want = self.input.shape(0);
        let names = match self.input.layout {
            Layout::Nhwc => ["batch", "height", "width", "channels"],
            Layout::Nchw => ["batch", "channels", "height", "width"],
        };
        for k in 1..4 {
            if let Some(d) = input[k]
                && d != want[k]
            {
                let shape: Vec<String> = input
                    .iter()
                    .map(|d| d.map_or("?".to_string(), |d| d.to_string()))
                    .collect();
                return Err(format!(
                    "the card says {} = {} (layout {}) but the model's input has {} there; \
                     fix `input` in the card (the graph's input shape is [{}])",
                    names[k],
                    want[k],
                    self.input.layout.name(),
                    d,
                    shape.join(", ")
                ));
            }
        }
        if let Some(c) = classes
            && c != self.labels.len()
        {
            return Err(format!(
                "the card lists {} labels but the model outputs {} classes; \
                 `labels` must name every output, in order",
                self.labels.len(),
                c
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_card_parses() {
        let card = ModelCard::parse(EXAMPLE).unwrap();
        assert_eq!(card.labels.len(), 7);
        assert_eq!(card.input.shape(2), [2, 128, 128, 1]);
    }

    #[test]
    fn inconsistent_channels_are_rejected() {
        let bad = EXAMPLE.replace("channels = 1", "channels = 3");
        let err = ModelCard::parse(&bad).unwrap_err();
        assert!(err.contains("channels"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let bad = EXAMPLE.replace("offset = 0.0", "offset = 0.0\nmean = 3");
        assert!(ModelCard::parse(&bad).unwrap_err().contains("mean"));
    }

    #[test]
    fn graph_mismatch_names_the_dimension() {
        let card = ModelCard::parse(EXAMPLE).unwrap();
        let err = card
            .check_against_graph(&[None, Some(64), Some(64), Some(1)], Some(7))
            .unwrap_err();
        assert!(err.contains("height = 128"), "{err}");
        let err = card
            .check_against_graph(&[None, Some(128), Some(128), Some(1)], Some(8))
            .unwrap_err();
        assert!(
            err.contains("7 labels") && err.contains("8 classes"),
            "{err}"
        );
        card.check_against_graph(&[None, Some(128), Some(128), Some(1)], Some(7))
            .unwrap();
    }
}
