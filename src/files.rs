//! Reading the user's files without surprises, and the names of the files
//! written for a face.

use std::path::Path;

/// A face's name in tables (R's `case` column): its file name.
pub fn case_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The start of every file written for a face: its file name without the
/// extension.
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "face".into())
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
