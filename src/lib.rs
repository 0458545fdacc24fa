//! emotui's library: everything about faces, the emotion model, explanations
//! and statistics, with no terminal code. The `emotui` binary (CLI and TUI)
//! is a thin layer over it.
//!
//! - [`faces`]: the `<root>/<CLASS>/<face>` tree.
//! - [`model`]: model cards, inference backends (ort, tract), batched prediction.
//! - [`preprocess`]: images to input tensors, as Keras/PIL do it.
//! - [`predict`]: predictions for many faces, streamed, cancellable.
//! - [`emotion`]: emotion names and synonyms.

#![warn(missing_docs)]

pub mod emotion;
pub mod error;
pub mod faces;
pub mod model;
pub mod predict;
pub mod preprocess;

pub use error::{Error, Result};
