//! Landmarks, named regions and the photo check of the faces in view,
//! shared by the browse and explain tabs: which faces have them, which
//! are being computed, whether they are drawn (`L`), and the crop of a photo
//! (`c`). The work happens in [`super::workers::Geometer`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use emotui::geometry::Landmarks;
use emotui::geometry::crop::PhotoCheck;

/// What the explorer knows about a face's geometry.
#[derive(Debug, Clone)]
pub struct FaceGeometry {
    /// The 468 landmarks (or the template) in the image's pixels.
    pub landmarks: Arc<Landmarks>,
    /// Whether the image is a photo to crop, with every face found.
    pub photo: PhotoCheck,
}

/// A request for a face's geometry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeometryJob {
    pub path: PathBuf,
}

/// A request to crop a photo of the tree into `out`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CropJob {
    pub photo: PathBuf,
    /// The folder of its class in the output tree.
    pub out: PathBuf,
}

/// The geometry of faces seen so far, and whether it is drawn.
#[derive(Debug, Default)]
pub struct FaceParts {
    /// Draw landmarks and regions over faces and panels.
    pub show: bool,
    /// Results by face path (an error as text: it is only shown).
    known: HashMap<PathBuf, Result<Arc<FaceGeometry>, String>>,
    /// Asked for and not answered yet.
    asked: HashSet<PathBuf>,
    /// Why there are no face models, when they could not be found.
    unavailable: Option<String>,
    /// The photo being cropped.
    pub cropping: Option<PathBuf>,
}

impl FaceParts {
    /// Face parts without face models: `why` is shown when asked for them.
    pub fn unavailable(why: String) -> FaceParts {
        FaceParts {
            unavailable: Some(why),
            ..FaceParts::default()
        }
    }

    /// Why landmarks cannot be computed, if they cannot.
    pub fn why_unavailable(&self) -> Option<&str> {
        self.unavailable.as_deref()
    }

    /// The job for `path`, unless it is known, asked for, or impossible.
    pub fn ensure(&mut self, path: &Path) -> Option<GeometryJob> {
        if self.unavailable.is_some() || self.known.contains_key(path) || self.asked.contains(path)
        {
            return None;
        }
        self.asked.insert(path.to_path_buf());
        Some(GeometryJob {
            path: path.to_path_buf(),
        })
    }

    /// A worker's answer; a job overtaken by newer ones (cancelled) will be
    /// asked for again when its face is shown again.
    pub fn on_result(&mut self, path: PathBuf, result: Result<FaceGeometry, emotui::Error>) {
        self.asked.remove(&path);
        if matches!(result, Err(emotui::Error::Cancelled)) {
            return;
        }
        self.known
            .insert(path, result.map(Arc::new).map_err(|e| e.to_string()));
    }

    /// Whether `path`'s geometry is being computed.
    pub fn pending(&self, path: &Path) -> bool {
        self.asked.contains(path)
    }

    /// The geometry of `path`, when known.
    pub fn get(&self, path: &Path) -> Option<&Arc<FaceGeometry>> {
        self.known.get(path)?.as_ref().ok()
    }

    /// Why `path` has no geometry, when it failed.
    pub fn error(&self, path: &Path) -> Option<&str> {
        self.known.get(path)?.as_ref().err().map(String::as_str)
    }

    /// The landmarks to draw over `path`, when drawing is on and they are
    /// known.
    pub fn drawn(&self, path: &Path) -> Option<Arc<Landmarks>> {
        self.show
            .then(|| self.get(path).map(|g| g.landmarks.clone()))
            .flatten()
    }

    /// The `L` key: what the status line should say.
    pub fn toggle(&mut self) -> String {
        if let Some(why) = &self.unavailable {
            return format!("no landmarks: {why}");
        }
        self.show = !self.show;
        if self.show {
            "landmarks and regions drawn (L hides them)".into()
        } else {
            "landmarks hidden".into()
        }
    }
}

/// The folder next to the tree where the explorer writes crops:
/// `<tree>-cropped`.
pub fn crops_root(tree: &Path) -> PathBuf {
    let name = tree
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "faces".into());
    tree.with_file_name(format!("{name}-cropped"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_face_is_asked_for_once() {
        let mut parts = FaceParts::default();
        let p = Path::new("a.png");
        assert!(parts.ensure(p).is_some());
        assert!(parts.ensure(p).is_none(), "already asked");
        parts.on_result(p.to_path_buf(), Err(emotui::Error::Cancelled));
        assert!(parts.ensure(p).is_some(), "overtaken: asked again");
        parts.on_result(p.to_path_buf(), Err(emotui::Error::Invalid("bad".into())));
        assert!(parts.ensure(p).is_none(), "known (as an error)");
        assert_eq!(parts.error(p), Some("bad"));
        let mut none = FaceParts::unavailable("no models".into());
        assert!(none.ensure(p).is_none());
        assert!(none.toggle().contains("no models"));
    }

    #[test]
    fn crops_go_beside_the_tree() {
        assert_eq!(
            crops_root(Path::new("data/test_crop")),
            PathBuf::from("data/test_crop-cropped")
        );
    }
}
