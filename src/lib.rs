//! emotui's library: everything about faces, the emotion model, explanations
//! and statistics, with no terminal code. The `emotui` binary (CLI and TUI)
//! is a thin layer over it.
//!
//! - [`faces`]: the `<root>/<CLASS>/<face>` tree.
//! - [`model`]: model cards, inference backends (ort, tract), batched prediction.
//! - [`preprocess`]: images to input tensors, as Keras/PIL do it.
//! - [`predict`]: predictions for many faces, streamed, cancellable.
//! - [`lime`]: SLIC superpixels and LIME explanations as R lime computes them.
//! - [`explain`]: the explanation engine every front-end calls (request,
//!   events, cancellation, outcome with trust figures).
//! - [`export`]: the files written for an explanation (PNG, CSV, JSON) and
//!   its text report (`export::text`).
//! - [`emotion`]: emotion names and synonyms.
//! - [`survey`]: survey answers from CSV.
//! - [`stats`]: confusion matrices and caret's statistics.
//! - [`render`]: pictures (heatmaps, explanation panels) as RGB images.
//! - [`methods`]: second opinions (KernelSHAP, occlusion, RISE, the sanity
//!   check) and the answers per facial region: the region game (exact
//!   Shapley values, interactions and flips) and LIME's refit on regions.
//! - [`geometry`]: faces in photos, MediaPipe's landmarks and the named
//!   facial regions.
//! - [`atlas`]: every face of a tree explained once, grouped by class,
//!   prediction and confusion cell, against FACS and people.
//! - [`cache`]: the SQLite cache of landmarks and atlas records (`--cache`).
//! - [`files`], [`error`], [`parallel`]: reading files safely, typed
//!   errors, a deterministic parallel map.

#![warn(missing_docs)]
// Confusion matrices and images read best with explicit row/column indices.
#![allow(clippy::needless_range_loop)]

pub mod atlas;
pub mod cache;
pub mod emotion;
pub mod error;
pub mod explain;
pub mod export;
pub mod faces;
pub mod files;
pub mod geometry;
pub mod lime;
pub mod methods;
pub mod model;
pub mod parallel;
pub mod predict;
pub mod preprocess;
pub mod render;
pub mod stats;
pub mod survey;

pub use error::{Error, Result};
