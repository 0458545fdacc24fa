//! Reading the user's files without surprises, and the names of the files
//! written for a face.

use std::path::Path;

/// A face's name in tables (R's `case` column): its file name.
pub fn case_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// A path for a message, a table or a screen: control characters (a
/// newline in a file name, say) written as escapes, so that one face stays
/// one line, and bytes that are not UTF-8 as `\xNN`, so that two such
/// names never print alike (as `display()`'s replacement character would).
pub fn printable(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for chunk in path.as_os_str().as_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// emotui's cache folder: `$XDG_CACHE_HOME/emotui`, else
/// `~/.cache/emotui`; `None` when neither variable is set.
pub fn cache_dir() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache")))?;
    Some(base.join("emotui"))
}

/// The start of every file written for a face: its file name without the
/// extension.
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "face".into())
}

/// [`stem`] of each face, made distinct: a stem already given gets `-2`,
/// `-3`… (as `crop` names faces), so that two faces called `face.png` in
/// two folders, or `face.png` and `face.jpg`, never write the same files.
pub fn distinct_stems<P: AsRef<Path>>(faces: &[P]) -> Vec<String> {
    let mut taken = std::collections::HashSet::new();
    faces
        .iter()
        .map(|f| {
            let stem = stem(f.as_ref());
            (1..)
                .map(|n| {
                    if n == 1 {
                        stem.clone()
                    } else {
                        format!("{stem}-{n}")
                    }
                })
                .find(|s| taken.insert(s.clone()))
                .unwrap_or(stem)
        })
        .collect()
}

/// The bytes of a regular file (or of a symlink to one). A pipe, a device
/// or a folder is refused without being opened: reading a pipe waits for a
/// writer that may never come. The error is the problem, for the caller to
/// attach to its own error with the path.
pub fn read_regular(path: &Path) -> std::result::Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file (a folder, pipe or device); it was not opened".into());
    }
    std::fs::read(path).map_err(|e| format!("cannot read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_names_print_apart() {
        use std::os::unix::ffi::OsStrExt;
        let a = Path::new(std::ffi::OsStr::from_bytes(b"a\xff.png"));
        let b = Path::new(std::ffi::OsStr::from_bytes(b"a\xfe.png"));
        assert_eq!(printable(a), "a\\xff.png");
        assert_ne!(printable(a), printable(b));
        assert_eq!(printable(Path::new("new\nline.png")), "new\\nline.png");
    }

    #[test]
    fn stems_are_made_distinct() {
        let faces = [
            "A/face.png",
            "B/face.png",
            "face.jpg",
            "face-2.png",
            "x.png",
        ];
        assert_eq!(
            distinct_stems(&faces),
            ["face", "face-2", "face-3", "face-2-2", "x"]
        );
    }

    #[test]
    fn folders_are_refused_and_files_read() {
        let d = tempfile::tempdir().unwrap();
        let e = read_regular(d.path()).unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
        let f = d.path().join("a.csv");
        std::fs::write(&f, b"x").unwrap();
        assert_eq!(read_regular(&f).unwrap(), b"x");
        let e = read_regular(&d.path().join("missing")).unwrap_err();
        assert!(e.starts_with("cannot read"), "{e}");
    }
}
