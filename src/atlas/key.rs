//! The key atlas records are stored under, and the check that shards
//! merged with `--read-cache` were made the same way.

use std::path::PathBuf;

use super::{AtlasRequest, RECORD_VERSION};
use crate::cache::{self, Kind, Store};
use crate::error::{Error, Result};
use crate::model::{Model, ModelCard};

/// What the store keys a model's and request's records by: the model's
/// and card's bytes, the request, and the record format's version.
pub fn record_key(model: &Model, request: &AtlasRequest) -> Result<String> {
    let files: Vec<PathBuf> = vec![
        model.path().to_path_buf(),
        ModelCard::path_for(model.path()),
    ];
    let params = serde_json::to_string(request)
        .map_err(|e| Error::Invalid(format!("cannot describe the request: {e}")))?;
    Ok(RecordKey {
        backend: model.backend_name().to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        model: cache::digest_files(&files)?,
        request: cache::digest(params.as_bytes()),
    }
    .to_string())
}

/// What an atlas record depends on, readable in its key: two shards run
/// with different backends (ort and tract differ in the last digits) or
/// emotui versions never mix silently, and a merge can say which differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordKey {
    /// The inference backend (`ort`, `tract`).
    pub backend: String,
    /// emotui's version.
    pub version: String,
    /// Digest of the model's and its card's bytes.
    pub model: String,
    /// Digest of the request (sampling, regions, seed).
    pub request: String,
}

impl std::fmt::Display for RecordKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "v{RECORD_VERSION}-{}-{}-{}-{}",
            self.backend, self.version, self.model, self.request
        )
    }
}

impl RecordKey {
    /// Reads a key written by [`record_key`]; `None` for another format
    /// (an older emotui's).
    pub fn parse(key: &str) -> Option<RecordKey> {
        let rest = key.strip_prefix(&format!("v{RECORD_VERSION}-"))?;
        let mut parts = rest.splitn(4, '-');
        let (backend, version, model, request) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        Some(RecordKey {
            backend: backend.into(),
            version: version.into(),
            model: model.into(),
            request: request.into(),
        })
    }

    /// What differs from `other`, in words ("backend ort, not tract").
    pub fn differences(&self, other: &RecordKey) -> Vec<String> {
        let mut out = Vec::new();
        if self.backend != other.backend {
            out.push(format!("backend {}, not {}", other.backend, self.backend));
        }
        if self.version != other.version {
            out.push(format!("emotui {}, not {}", other.version, self.version));
        }
        if self.model != other.model {
            out.push("another model or card".into());
        }
        if self.request != other.request {
            out.push("other atlas options (superpixels, permutations, seed, regions)".into());
        }
        out
    }
}

/// Checks a store read for a merge (`--read-cache`) against `key`: an
/// error when its atlas records were all made another way (nothing in it
/// could be used, and every face would be explained again without a word),
/// naming what differs; a warning text when it holds both kinds.
pub fn check_merge(other: &Store, key: &str) -> Result<Option<String>> {
    let keys = other.keys(Kind::Explanation)?;
    let ours = keys.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n);
    let mine = RecordKey::parse(key);
    let foreign: Vec<String> = keys
        .iter()
        .filter(|(k, _)| k != key)
        .map(|(k, n)| {
            let why = match (&mine, RecordKey::parse(k)) {
                (Some(m), Some(o)) => m.differences(&o).join(", "),
                _ => "an older emotui's record format".into(),
            };
            format!("{n} with {why}")
        })
        .collect();
    if foreign.is_empty() {
        return Ok(None);
    }
    let said = format!("atlas records made another way: {}", foreign.join("; "));
    if ours == 0 {
        Err(Error::file(
            other.path(),
            format!("{said}; none matches this run, so nothing can be merged from it"),
        ))
    } else {
        Ok(Some(format!(
            "{}: {ours} records match this run; {said} (not merged)",
            other.path().display()
        )))
    }
}
