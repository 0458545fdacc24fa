//! The faces tree: `<root>/<CLASS>/<face>`, as in the practical's
//! `data/test_crop`.
//!
//! Scanning only lists files (images are decoded later, when needed), so a
//! tree of 10,000 faces is listed in milliseconds. Problems (unreadable
//! folders, files that are not images by name, symlink loops) are collected
//! with their paths and never stop the scan.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The files `emotui crop` writes at the root of the tree it makes, with
/// every photo and face: part of the tree, never reported as strays.
pub const CROP_MANIFESTS: [&str; 2] = ["manifest.csv", "manifest.json"];

fn is_manifest(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| CROP_MANIFESTS.contains(&n))
}

/// File extensions taken as images (decoding checks the content later).
pub const IMAGE_EXTENSIONS: [&str; 9] = [
    "png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp", "jfif",
];

/// One face image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Face {
    /// Path of the image.
    pub path: PathBuf,
    /// The class folder it sits in (`None` for files directly under the root
    /// or given on their own).
    pub class: Option<String>,
}

impl Face {
    /// The file name, for display.
    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }
}

pub use crate::files::printable;

/// One class folder with its faces, sorted by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceClass {
    /// The folder name, as written.
    pub name: String,
    /// Faces under it (including nested folders).
    pub faces: Vec<Face>,
}

/// Something found while scanning that is not a usable face.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanProblem {
    /// The file or folder.
    pub path: PathBuf,
    /// What is wrong.
    pub problem: String,
}

/// A scanned tree.
#[derive(Debug, Clone, Default)]
pub struct FaceTree {
    /// The root folder.
    pub root: PathBuf,
    /// Class folders, sorted by name. Empty folders are kept (with no faces).
    pub classes: Vec<FaceClass>,
    /// Images directly under the root (no class).
    pub unlabelled: Vec<Face>,
    /// Files and folders that were skipped, with the reason.
    pub problems: Vec<ScanProblem>,
}

/// Files the system writes into any folder it shows: Windows' thumbnail
/// caches and folder settings, macOS's folder icon.
const SYSTEM_FILES: [&str; 4] = ["thumbs.db", "ehthumbs.db", "desktop.ini", "icon\r"];

/// Hidden files (a leading dot: macOS's `.DS_Store` and `._face.png`
/// among them) and [`SYSTEM_FILES`]: nobody put them there, so they are
/// passed over without a word.
fn is_hidden(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        n.starts_with('.') || SYSTEM_FILES.contains(&n.to_ascii_lowercase().as_str())
    })
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

impl FaceTree {
    /// Scans `root`. Fails only when `root` itself cannot be listed.
    pub fn scan(root: &Path) -> Result<FaceTree> {
        let meta = std::fs::metadata(root).map_err(|e| Error::file(root, e))?;
        if !meta.is_dir() {
            return Err(Error::file(root, "not a folder"));
        }
        let mut tree = FaceTree {
            root: root.to_path_buf(),
            ..Default::default()
        };
        let mut visited = HashSet::new();
        if let Ok(c) = std::fs::canonicalize(root) {
            visited.insert(c);
        }
        let entries = list_dir(root).map_err(|e| Error::file(root, e))?;
        for path in entries {
            let Ok(meta) = std::fs::metadata(&path) else {
                tree.problem(&path, "cannot read (broken link or no permission)");
                continue;
            };
            if meta.is_dir() {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mut faces = Vec::new();
                tree.collect(&path, Some(&name), &mut faces, &mut visited);
                tree.classes.push(FaceClass { name, faces });
            } else if has_image_extension(&path) {
                tree.unlabelled.push(Face { path, class: None });
            } else if is_manifest(&path) {
                // `emotui crop` lists its photos here: not a stray file.
            } else {
                tree.problem(&path, "not an image file (by its extension); skipped");
            }
        }
        Ok(tree)
    }

    fn problem(&mut self, path: &Path, problem: &str) {
        self.problems.push(ScanProblem {
            path: path.to_path_buf(),
            problem: problem.to_string(),
        });
    }

    fn collect(
        &mut self,
        dir: &Path,
        class: Option<&str>,
        faces: &mut Vec<Face>,
        visited: &mut HashSet<PathBuf>,
    ) {
        match std::fs::canonicalize(dir) {
            Ok(c) => {
                if !visited.insert(c) {
                    self.problem(dir, "symlink loop or folder seen twice; skipped");
                    return;
                }
            }
            Err(e) => {
                self.problem(dir, &format!("cannot resolve: {e}"));
                return;
            }
        }
        let entries = match list_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.problem(dir, &format!("cannot list: {e}"));
                return;
            }
        };
        for path in entries {
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => self.collect(&path, class, faces, visited),
                Ok(_) if has_image_extension(&path) => faces.push(Face {
                    path,
                    class: class.map(str::to_string),
                }),
                Ok(_) => self.problem(&path, "not an image file (by its extension); skipped"),
                Err(_) => self.problem(&path, "cannot read (broken link or no permission)"),
            }
        }
    }

    /// Every face, class by class, then the unlabelled ones.
    pub fn faces(&self) -> impl Iterator<Item = &Face> {
        self.classes
            .iter()
            .flat_map(|c| c.faces.iter())
            .chain(self.unlabelled.iter())
    }

    /// Number of faces.
    pub fn len(&self) -> usize {
        self.classes.iter().map(|c| c.faces.len()).sum::<usize>() + self.unlabelled.len()
    }

    /// Whether the tree holds no face at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Sorted, non-hidden entries of a folder.
fn list_dir(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !is_hidden(p))
        .collect();
    out.sort();
    Ok(out)
}

/// Expands command-line paths (files or folders) into faces. A folder is
/// scanned as a tree; a file is taken as it is. Either way an image's class
/// is the name of the folder it sits in, so `predict data/test_crop/JOY`
/// knows its faces are JOY.
pub fn collect_paths(paths: &[PathBuf]) -> Result<(Vec<Face>, Vec<ScanProblem>)> {
    let mut faces = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        // A missing or unreadable path is one problem among the others: the
        // rest are still processed.
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                problems.push(ScanProblem {
                    path: p.clone(),
                    problem: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        if meta.is_dir() {
            let tree = FaceTree::scan(p)?;
            if tree.is_empty() {
                problems.push(ScanProblem {
                    path: p.clone(),
                    problem:
                        "a folder with no face images (PNG, JPEG, BMP, GIF, TIFF or WebP) in it"
                            .into(),
                });
            }
            let own = folder_name(p);
            faces.extend(tree.classes.iter().flat_map(|c| c.faces.iter().cloned()));
            faces.extend(tree.unlabelled.iter().map(|f| Face {
                path: f.path.clone(),
                class: own.clone(),
            }));
            problems.extend(tree.problems);
        } else {
            faces.push(Face {
                path: p.clone(),
                class: p.parent().and_then(folder_name),
            });
        }
    }
    Ok((faces, problems))
}

/// The last component of a folder path, resolving `.` and `..`.
fn folder_name(dir: &Path) -> Option<String> {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    dir.file_name().map(|n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }

    #[test]
    fn scan_sorts_skips_hidden_and_reports_non_images() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        touch(&r.join("JOY/b.png"));
        touch(&r.join("JOY/a.PNG"));
        touch(&r.join("JOY/.hidden.png"));
        touch(&r.join("JOY/notes.txt"));
        touch(&r.join("ANGER/x.jpg"));
        std::fs::create_dir_all(r.join("FEAR")).unwrap();
        touch(&r.join(".git/config"));
        let t = FaceTree::scan(r).unwrap();
        let names: Vec<_> = t.classes.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["ANGER", "FEAR", "JOY"]);
        assert!(t.classes[1].faces.is_empty());
        let joy: Vec<_> = t.classes[2].faces.iter().map(|f| f.name()).collect();
        assert_eq!(joy, ["a.PNG", "b.png"]);
        assert_eq!(t.problems.len(), 1);
        assert!(t.problems[0].path.ends_with("notes.txt"));
        assert_eq!(t.len(), 3);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_reported_not_followed_forever() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        touch(&r.join("JOY/a.png"));
        std::os::unix::fs::symlink(r.join("JOY"), r.join("JOY/again")).unwrap();
        std::os::unix::fs::symlink(r.join("nowhere"), r.join("JOY/broken.png")).unwrap();
        let t = FaceTree::scan(r).unwrap();
        assert_eq!(t.len(), 1);
        assert!(t.problems.iter().any(|p| p.problem.contains("loop")));
        assert!(t.problems.iter().any(|p| p.path.ends_with("broken.png")));
    }

    #[test]
    fn missing_root_is_an_error_naming_it() {
        let err = FaceTree::scan(Path::new("/no/such/faces")).unwrap_err();
        assert!(err.to_string().contains("/no/such/faces"));
    }

    #[test]
    fn ten_thousand_faces_list_quickly() {
        let d = tempfile::tempdir().unwrap();
        for c in 0..10 {
            let dir = d.path().join(format!("C{c}"));
            std::fs::create_dir_all(&dir).unwrap();
            for i in 0..1000 {
                std::fs::write(dir.join(format!("{i:05}.png")), b"").unwrap();
            }
        }
        let t = FaceTree::scan(d.path()).unwrap();
        assert_eq!(t.len(), 10_000);
        assert_eq!(t.classes[3].faces[7].name(), "00007.png");
    }
}
