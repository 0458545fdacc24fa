//! The on-disk cache of results that are slow to compute and keyed by what
//! they depend on: the landmarks of each face, and each face's explanation
//! for the atlas.
//!
//! One SQLite file (rusqlite with its bundled library, so nothing needs to
//! be installed): transactions make a half-written row impossible, and
//! SQLite's locking lets two emotui processes share the file. A key holds a
//! hash of every input (the image's bytes, the models' bytes and the
//! pipeline's version), so a changed image or model is never served an old
//! answer.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The cache file's name in its folder.
pub const FILE_NAME: &str = "emotui.sqlite";
/// How long a writer waits for another process's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The default cache: `$XDG_CACHE_HOME/emotui/emotui.sqlite`, else
/// `~/.cache/emotui/emotui.sqlite`; `None` when neither variable is set.
pub fn default_path() -> Option<PathBuf> {
    Some(crate::files::cache_dir()?.join(FILE_NAME))
}

/// SHA-256 of some bytes, in hex.
pub fn digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 over several files' contents (each length-prefixed), in hex.
pub fn digest_files(paths: &[PathBuf]) -> Result<String> {
    let mut h = Sha256::new();
    for p in paths {
        let bytes = std::fs::read(p).map_err(|e| Error::file(p, e))?;
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An open cache.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    conn: Connection,
}

/// What a cache holds, for `emotui cache info`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Info {
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes (with SQLite's write-ahead log).
    pub bytes: u64,
    /// Faces with landmarks.
    pub landmarks: u64,
    /// Faces explained for the atlas.
    pub explanations: u64,
}

/// What a cached result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A face's landmarks.
    Landmarks,
    /// A face's explanation for the atlas.
    Explanation,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Landmarks => "landmarks",
            Kind::Explanation => "explanation",
        }
    }
}

impl Store {
    /// Opens a cache that must exist already (another job's, to read
    /// from): a missing file is an error, never an empty cache.
    /// It is opened read-only: another job's results are only read, and
    /// its file may be read-only (a finished shard, another user's).
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(Error::File {
                path: path.to_path_buf(),
                problem: "no such cache file".into(),
            });
        }
        let err = |e: &dyn std::fmt::Display| Error::File {
            path: path.to_path_buf(),
            problem: format!("cannot read it as emotui's cache: {e}"),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| err(&e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| err(&e))?;
        let tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'results'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| err(&e))?;
        if tables == 0 {
            return Err(err(&"an SQLite file without emotui's results table"));
        }
        Ok(Store {
            path: path.to_path_buf(),
            conn,
        })
    }

    /// Opens (creating if needed) the cache at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let err = |e: &dyn std::fmt::Display| Error::File {
            path: path.to_path_buf(),
            problem: format!("cannot use it as emotui's cache: {e}"),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
        }
        let conn = Connection::open(path).map_err(|e| err(&e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| err(&e))?;
        // Readers never wait for a writer, and a crash loses at most the
        // transaction in flight.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| err(&e))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS results (
                 kind TEXT NOT NULL,
                 key TEXT NOT NULL,
                 image TEXT NOT NULL,
                 json TEXT NOT NULL,
                 PRIMARY KEY (kind, key, image)
             ) WITHOUT ROWID;",
        )
        .map_err(|e| err(&e))?;
        Ok(Store {
            path: path.to_path_buf(),
            conn,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, e: rusqlite::Error) -> Error {
        sql_error(&self.path, e)
    }

    /// The result of `kind` stored for an image hash under `key` (what
    /// else it depends on: models, parameters).
    pub fn get(&self, kind: Kind, key: &str, image: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT json FROM results WHERE kind = ?1 AND key = ?2 AND image = ?3",
                params![kind.name(), key, image],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Stores results of `kind` (image hash, JSON) under `key`, all in one
    /// transaction.
    pub fn put(&mut self, kind: Kind, key: &str, rows: &[(String, String)]) -> Result<()> {
        let path = &self.path;
        let err = |e| sql_error(path, e);
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO results (kind, key, image, json) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(err)?;
            for (image, json) in rows {
                stmt.execute(params![kind.name(), key, image, json])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// The keys results of `kind` are stored under, each with its count.
    pub fn keys(&self, kind: Kind) -> Result<Vec<(String, u64)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, COUNT(*) FROM results WHERE kind = ?1 GROUP BY key ORDER BY key")
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![kind.name()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.error(e))
    }

    /// Sizes and counts.
    pub fn info(&self) -> Result<Info> {
        let count = |kind: Kind| -> Result<u64> {
            let n: i64 = self
                .conn
                .query_row(
                    "SELECT COUNT(*) FROM results WHERE kind = ?1",
                    params![kind.name()],
                    |r| r.get(0),
                )
                .map_err(|e| self.error(e))?;
            Ok(n.max(0) as u64)
        };
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        Ok(Info {
            path: self.path.clone(),
            bytes: size(&self.path) + size(Path::new(&wal)),
            landmarks: count(Kind::Landmarks)?,
            explanations: count(Kind::Explanation)?,
        })
    }

    /// Deletes every cached result; returns how many rows went.
    pub fn clear(&mut self) -> Result<u64> {
        let n = self
            .conn
            .execute("DELETE FROM results", [])
            .map_err(|e| self.error(e))?;
        self.conn
            .execute_batch("VACUUM")
            .map_err(|e| self.error(e))?;
        Ok(n as u64)
    }
}

/// What [`clear`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleared {
    /// The cache was emptied: this many results went.
    Rows(u64),
    /// The cache could not be read (why); being an SQLite file, or at the
    /// default place, it was a damaged cache, and its files were removed.
    Damaged(String),
}

/// `emotui cache clear`: empties the cache at `path`. A cache SQLite can
/// no longer read (a disk full mid-write, a copy cut short) cannot be
/// emptied row by row; it is removed with its journal files, but only when
/// it is an SQLite file or lies where emotui keeps its cache, never a
/// user's other file named by mistake.
pub fn clear(path: &Path) -> Result<Cleared> {
    let emptied = Store::open(path).and_then(|mut s| s.clear());
    let why = match emptied {
        Ok(n) => return Ok(Cleared::Rows(n)),
        Err(Error::File { problem, .. }) => problem,
        Err(e) => e.to_string(),
    };
    let sqlite = std::fs::read(path).is_ok_and(|b| b.starts_with(b"SQLite format 3\0"));
    if !sqlite && default_path().as_deref() != Some(path) {
        return Err(Error::File {
            path: path.to_path_buf(),
            problem: format!(
                "{why}; it is not an SQLite file, so it was left alone (remove it yourself if \
                 it is a cache)"
            ),
        });
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::file(PathBuf::from(p), e)),
        }
    }
    Ok(Cleared::Damaged(why))
}

fn sql_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::File {
        path: path.to_path_buf(),
        problem: format!("cache: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_survive_reopening_and_clear_removes_them() {
        let dir = std::env::temp_dir().join(format!("emotui-store-{}", std::process::id()));
        let path = dir.join("nested").join(FILE_NAME);
        let mut s = Store::open(&path).unwrap();
        let rows = [("a".into(), "[1]".into()), ("b".into(), "[2]".into())];
        s.put(Kind::Landmarks, "m1", &rows).unwrap();
        s.put(Kind::Explanation, "m1", &rows[..1]).unwrap();
        drop(s);
        let mut s = Store::open(&path).unwrap();
        assert_eq!(
            s.get(Kind::Landmarks, "m1", "a").unwrap().as_deref(),
            Some("[1]")
        );
        assert_eq!(
            s.get(Kind::Landmarks, "m2", "a").unwrap(),
            None,
            "another key"
        );
        assert_eq!(
            s.get(Kind::Explanation, "m1", "b").unwrap(),
            None,
            "another kind"
        );
        let info = s.info().unwrap();
        assert_eq!((info.landmarks, info.explanations), (2, 1));
        assert_eq!(s.clear().unwrap(), 3);
        assert_eq!(s.get(Kind::Landmarks, "m1", "b").unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn digest_is_sha256() {
        assert_eq!(
            digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
