//! Where two models look on one face: each explained for its own label with
//! the same request (the same superpixels, perturbations and seed), with its
//! strongest superpixels and the exact Shapley values of the facial regions.
//! The CLI (`eval --compare-model --explain-disagreements`) and the
//! explorer's models tab both show it for the faces two models part on.

use std::sync::atomic::AtomicBool;

use image::DynamicImage;
use serde::Serialize;

use crate::error::Result;
use crate::explain::{Preset, Request};
use crate::geometry::Landmarks;
use crate::geometry::regions::Region;
use crate::lime::LabelChoice;
use crate::methods::regions::{RegionMethod, face_regions};
use crate::model::Classifier;
use crate::survey::normalize_label;

/// Where one model looks on one face, for its own label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Look {
    /// The model's label for the face, in shared emotion names.
    pub label: String,
    /// Its probability on the explanation's working image (as `explain`
    /// prints it).
    pub probability: f64,
    /// LIME's fit of the label (R²).
    pub fit: f64,
    /// Every superpixel LIME kept (id, weight), strongest |weight| first.
    pub superpixels: Vec<(usize, f64)>,
    /// The facial regions (name, Shapley value), strongest |value| first;
    /// empty without landmarks.
    pub regions: Vec<(String, f64)>,
    /// The same values in [`Region::ALL`] order, for pictures.
    #[serde(skip)]
    pub region_values: Vec<f64>,
}

/// The request both models are explained with: the top label, no trust
/// figures (the comparison is between the models, not between seeds).
pub fn request() -> Request {
    let mut request = Request::default();
    request.fit.labels = LabelChoice::Top(1);
    request.trust = Preset::None.options();
    request
}

/// Explains `image` with `model` for the label it gives, and plays the
/// region game on `landmarks` when there are any.
pub fn look(
    model: &dyn Classifier,
    image: &DynamicImage,
    landmarks: Option<&Landmarks>,
    request: &Request,
    cancel: &AtomicBool,
) -> Result<Look> {
    let outcome = crate::explain::run(model, image, request, cancel, |_| {})?;
    let label = &outcome.explanation.labels[0];
    let region_values: Vec<f64> = match landmarks {
        Some(l) => {
            let r = face_regions(
                model,
                l.clone(),
                &outcome,
                None,
                RegionMethod::Shapley,
                cancel,
            )?;
            r.labels[0].shares.regions.iter().map(|s| s.value).collect()
        }
        None => Vec::new(),
    };
    let mut regions: Vec<(String, f64)> = Region::ALL
        .iter()
        .zip(&region_values)
        .map(|(r, &v)| (r.name().to_string(), v))
        .collect();
    regions.sort_by(|x, y| y.1.abs().total_cmp(&x.1.abs()));
    Ok(Look {
        label: normalize_label(&label.name),
        probability: label.probability,
        fit: label.r2,
        superpixels: label
            .features
            .iter()
            .map(|f| (f.superpixel, f.weight))
            .collect(),
        regions,
        region_values,
    })
}

/// Both models' looks at one face, A first.
pub fn look_both(
    a: &dyn Classifier,
    b: &dyn Classifier,
    image: &DynamicImage,
    landmarks: Option<&Landmarks>,
    cancel: &AtomicBool,
) -> Result<[Look; 2]> {
    let request = request();
    Ok([
        look(a, image, landmarks, &request, cancel)?,
        look(b, image, landmarks, &request, cancel)?,
    ])
}
