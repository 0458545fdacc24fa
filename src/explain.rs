//! The explanation engine: one request in, events while samples arrive, one
//! outcome out. Every front-end (the `explain` command, the explorer, the
//! exports) goes through [`run`], so that the same face, options and seed
//! give the same numbers everywhere.
//!
//! A request holds the three groups of options: sampling (superpixels and
//! perturbations: the model's work), fitting (labels, features, kernel:
//! milliseconds) and trust (stability and faithfulness, see
//! [`TrustOptions`]). [`run`] samples, refits every
//! [`lime::REFIT_EVERY`] samples while they arrive when asked to (live
//! refinement, `until_stable`), fits, and measures trust; [`run_on`] does the
//! same from samples already drawn, for a change that does not touch them.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use image::DynamicImage;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::lime::trust::{self, Baseline, Convergence, Refit, StabilityMethod, Trust};
use crate::lime::{self, Explanation, FitOptions, Samples, SamplingOptions};
use crate::model::Classifier;

/// Named sets of trust options, so that front-ends agree on what a figure
/// means. The explorer and the command line both use [`Preset::Standard`]
/// for a finished explanation, so their exports are identical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// 100 bootstrap resamples; deletion and insertion curves against the
    /// random-order baseline estimated from the samples (2 · (K + 1) model
    /// evaluations per label). About 1.1× the cost of LIME alone.
    #[default]
    Standard,
    /// 30 bootstrap resamples and no curves: the figures shown while
    /// samples still arrive (every refit), where only the trend matters.
    Quick,
    /// No trust figures: LIME alone.
    None,
}

impl Preset {
    /// The options this preset stands for.
    pub fn options(self) -> TrustOptions {
        match self {
            Preset::Standard => TrustOptions {
                stability: Some(StabilityMethod::Bootstrap(STANDARD_BOOTSTRAP)),
                faithfulness: Some(Baseline::Samples),
            },
            Preset::Quick => TrustOptions {
                stability: Some(StabilityMethod::Bootstrap(QUICK_BOOTSTRAP)),
                faithfulness: None,
            },
            Preset::None => TrustOptions {
                stability: None,
                faithfulness: None,
            },
        }
    }
}

/// Bootstrap resamples of [`Preset::Standard`].
pub const STANDARD_BOOTSTRAP: usize = 100;
/// Bootstrap resamples of [`Preset::Quick`] (and of every live refit).
pub const QUICK_BOOTSTRAP: usize = 30;
/// Seeds when seed stability is asked for without a number.
pub const DEFAULT_SEEDS: usize = 10;

/// How far to trust an explanation: what to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrustOptions {
    /// Stability of the weights and of the top superpixels, if measured.
    pub stability: Option<StabilityMethod>,
    /// Deletion and insertion curves, against this baseline, if measured.
    pub faithfulness: Option<Baseline>,
}

impl Default for TrustOptions {
    fn default() -> Self {
        Preset::Standard.options()
    }
}

/// Everything that determines an explanation's numbers.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Request {
    /// Superpixels and perturbations.
    pub sampling: SamplingOptions,
    /// Labels, features, kernel.
    pub fit: FitOptions,
    /// Stability and faithfulness.
    pub trust: TrustOptions,
    /// Stop drawing samples once the explanation is stable
    /// (`sampling.n_permutations` is then the cap).
    pub until_stable: bool,
    /// Refit every [`lime::REFIT_EVERY`] samples and report it as
    /// [`Event::Refit`] (implied by `until_stable`).
    pub live: bool,
}

impl Request {
    /// Checks every option once, before any work.
    pub fn validate(&self) -> Result<()> {
        self.sampling.validate()?;
        self.fit.validate()?;
        if let Some(StabilityMethod::Bootstrap(0) | StabilityMethod::Seeds(0)) =
            self.trust.stability
        {
            return Err(Error::Invalid(
                "stability needs at least 1 replicate".into(),
            ));
        }
        if self.trust.faithfulness == Some(Baseline::RandomOrders(0)) {
            return Err(Error::Invalid(
                "the random-order baseline needs at least 1 order".into(),
            ));
        }
        Ok(())
    }
}

/// What [`run`] reports while it works.
#[derive(Debug)]
pub enum Event<'a> {
    /// `done` of `total` perturbations evaluated.
    Progress {
        /// Evaluated so far.
        done: usize,
        /// To evaluate.
        total: usize,
    },
    /// The samples are in; the trust figures (bootstrap refits, deletion
    /// curves) are being computed.
    Checking,
    /// A refit on the samples so far (live refinement).
    Refit {
        /// The samples so far.
        samples: &'a Samples,
        /// The refit and how much it moved.
        refit: &'a Refit,
    },
}

/// Seconds spent in each stage, for `--timings` and benchmarks. Never part
/// of the default output, so that two runs can be compared byte for byte.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Sampling (segmentation, composition, the model).
    pub sampling: f64,
    /// The final fit.
    pub fit: f64,
    /// Stability and faithfulness.
    pub trust: f64,
}

/// A finished explanation with everything a front-end shows or exports.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The perturbations and the model's answers (shared, so that a cheap
    /// refit can reuse them).
    pub samples: Arc<Samples>,
    /// The explanation of every chosen label.
    pub explanation: Explanation,
    /// How far to trust it.
    pub trust: Trust,
    /// The request it answers.
    pub request: Request,
    /// Where the time went.
    pub timings: Timings,
}

/// Explains `image`: samples (with progress and, if asked, refits), fits and
/// measures trust. Setting `cancel` stops the work with [`Error::Cancelled`].
pub fn run(
    classifier: &dyn Classifier,
    image: &DynamicImage,
    request: &Request,
    cancel: &AtomicBool,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<Outcome> {
    request.validate()?;
    let clock = Instant::now();
    let mut convergence = Convergence::default();
    let live = request.live || request.until_stable;
    // Both callbacks report through `on_event`, never at the same time.
    let on_event = std::cell::RefCell::new(&mut on_event);
    let samples = lime::sample_until(
        classifier,
        image,
        &request.sampling,
        cancel,
        |done, total| (on_event.borrow_mut())(Event::Progress { done, total }),
        |partial| {
            if !live {
                return false;
            }
            let Ok(refit) =
                convergence.update(partial, &request.fit, request.sampling.seed, cancel)
            else {
                return false;
            };
            (on_event.borrow_mut())(Event::Refit {
                samples: partial,
                refit,
            });
            request.until_stable && convergence.is_stable()
        },
    )?;
    let sampling = clock.elapsed().as_secs_f64();
    if request.trust.stability.is_some() || request.trust.faithfulness.is_some() {
        (on_event.borrow_mut())(Event::Checking);
    }
    let mut outcome = run_on(classifier, image, Arc::new(samples), request, cancel)?;
    outcome.timings.sampling = sampling;
    Ok(outcome)
}

/// Like [`run`], from samples already drawn for the same face and sampling
/// options: only the fit and the trust figures are computed.
pub fn run_on(
    classifier: &dyn Classifier,
    image: &DynamicImage,
    samples: Arc<Samples>,
    request: &Request,
    cancel: &AtomicBool,
) -> Result<Outcome> {
    request.validate()?;
    let clock = Instant::now();
    let explanation = samples.explain(&request.fit)?;
    let fit = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    let seed = request.sampling.seed;
    let stability = match request.trust.stability {
        Some(StabilityMethod::Bootstrap(n)) => {
            trust::bootstrap(&samples, &explanation, n, seed, cancel)?
        }
        Some(StabilityMethod::Seeds(n)) => trust::seeds(
            classifier,
            image,
            &request.sampling,
            &samples,
            &explanation,
            n,
            cancel,
        )?,
        None => Vec::new(),
    };
    let faithfulness = match request.trust.faithfulness {
        Some(baseline) => trust::faithfulness(classifier, &samples, &explanation, baseline, seed)?,
        None => Vec::new(),
    };
    Ok(Outcome {
        samples,
        explanation,
        trust: Trust {
            stability,
            faithfulness,
        },
        request: request.clone(),
        timings: Timings {
            sampling: 0.0,
            fit,
            trust: clock.elapsed().as_secs_f64(),
        },
    })
}
