//! The library's error type. Every variant that concerns a file names it,
//! so that a message can always tell the user which file and what is wrong;
//! paths are written with [`printable`], so two odd names never read alike.

use std::path::PathBuf;

use crate::files::printable;

/// Errors from the emotui library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model card is missing, unreadable or inconsistent with its model.
    #[error(
        "model card {}: {problem}\nA card looks like this:\n{example}",
        printable(path)
    )]
    Card {
        /// The card's path.
        path: PathBuf,
        /// What is wrong.
        problem: String,
        /// A valid card to copy from (the card module's example).
        example: &'static str,
    },
    /// A model file is missing or cannot be loaded.
    #[error("model {}: {problem}", printable(path))]
    Model {
        /// The model's path.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// An image cannot be read or decoded.
    #[error("{}: {problem}", printable(path))]
    Image {
        /// The image's path.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A file or folder cannot be read or written.
    #[error("{}: {problem}", printable(path))]
    File {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// Inference failed inside a backend.
    #[error("inference failed ({backend}): {problem}")]
    Inference {
        /// Backend name.
        backend: &'static str,
        /// What went wrong.
        problem: String,
    },
    /// Work was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// Invalid arguments or data that is not tied to a file.
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// A file error from an I/O error.
    pub fn file(path: impl Into<PathBuf>, err: impl std::fmt::Display) -> Error {
        Error::File {
            path: path.into(),
            problem: err.to_string(),
        }
    }
}

/// Result with the library's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
