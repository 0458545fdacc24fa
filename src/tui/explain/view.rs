//! What the explain tab shows for a face, decided without a frame: the
//! finished explanation or the latest refit, LIME's labels or another
//! method's (or every method's first label side by side), the panels per
//! label, and what goes under the pictures. [`super::draw`] only paints it.

use std::borrow::Cow;

use emotui::lime::trust::Trust;

use super::*;

/// What the pane shows: a finished explanation or the latest refit.
pub(super) enum Shown<'a> {
    Done(&'a Outcome),
    Refining(&'a Partial),
}

/// Under the pictures.
pub(super) enum Below<'a> {
    /// The sanity check (`z`).
    Sanity(&'a SanityState),
    /// The other methods' agreement, or why it is not there yet.
    Comparison(Option<&'a Result<Arc<Comparison>, String>>),
    /// The weights' charts, with the region game's answer once it is in.
    Charts(Option<&'a FaceRegions>),
}

/// Everything the pane shows for one face.
pub(super) struct View<'a> {
    pub shown: Shown<'a>,
    /// The face's superpixels and perturbations.
    pub samples: &'a Arc<Samples>,
    /// The labels whose panels are shown (LIME's, another method's, or
    /// every method's first label named "method · label").
    pub labels: Cow<'a, [LabelExplanation]>,
    /// LIME's trust figures, when the labels are LIME's finished ones.
    pub trust: Option<&'a Trust>,
    /// Supports, and contradicts when negatives are shown.
    pub kinds: Vec<PanelKind>,
    /// Which method's panels: "lime", a method's name, or "all".
    pub method: &'static str,
    /// Perturbations the labels were fitted on.
    pub n_rows: usize,
    pub below: Below<'a>,
}

impl ExplainTab {
    /// What to show for `face`; `None` while there is nothing to show yet
    /// (waiting, cancelled or failed).
    pub(super) fn view(&self, face: usize) -> Option<View<'_>> {
        let key = self.key(face);
        let shown = match (self.cache.get(&key), self.refining(face)) {
            (Some(o), _) => Shown::Done(o.as_ref()),
            (None, Some(p)) => Shown::Refining(p),
            (None, None) => return None,
        };
        let (samples, labels, trust, n_rows) = match &shown {
            Shown::Done(o) => (
                &o.samples,
                &o.explanation.labels,
                Some(&o.trust),
                o.explanation.n_samples,
            ),
            Shown::Refining(p) => (&p.samples, &p.refit.explanation.labels, None, p.refit.rows),
        };
        // Another method's panels, or every method's for the first label,
        // once the comparison is in.
        let comparing = self.method != Method::Lime || self.compare_all;
        let comparison = match &shown {
            Shown::Done(_) if comparing => self.comparisons.get(&key),
            _ => None,
        };
        let other: Option<Cow<'_, [LabelExplanation]>> = match comparison {
            Some(Ok(c)) if self.compare_all => Some(Cow::Owned(
                c.attributions
                    .iter()
                    .filter_map(|a| {
                        let mut l = a.explanation.labels.first()?.clone();
                        l.name = format!("{} · {}", a.method.name(), l.name);
                        Some(l)
                    })
                    .collect(),
            )),
            Some(Ok(c)) => c
                .attributions
                .iter()
                .find(|a| a.method == self.method)
                .map(|a| Cow::Borrowed(a.explanation.labels.as_slice())),
            _ => None,
        };
        let method = match (other.is_some(), self.compare_all) {
            (false, _) => Method::Lime.name(),
            (true, true) => "all",
            (true, false) => self.method.name(),
        };
        let (labels, trust) = match other {
            Some(l) => (l, None),
            None => (Cow::Borrowed(labels.as_slice()), trust),
        };
        let kinds = if self.params.panels.show_negative {
            vec![PanelKind::Supports, PanelKind::Contradicts]
        } else {
            vec![PanelKind::Supports]
        };
        let below = match (self.show_sanity, self.sanity.get(&key)) {
            (true, Some(state)) => Below::Sanity(state),
            _ if comparing => Below::Comparison(comparison),
            _ => Below::Charts(match &shown {
                Shown::Done(_) => self.regions.get(&key).and_then(|r| r.as_deref()),
                Shown::Refining(_) => None,
            }),
        };
        Some(View {
            shown,
            samples,
            labels,
            trust,
            kinds,
            method,
            n_rows,
            below,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::snapshots::Mouth;
    use emotui::preprocess::load_image;

    #[test]
    fn what_is_shown_is_decided_without_a_frame() {
        let model = Mouth::new();
        let mut tab = ExplainTab::new();
        assert!(tab.view(0).is_none(), "nothing before the explanation");
        let job = tab
            .ensure(0, Path::new("data/test_crop/JOY/obama.png"))
            .unwrap();
        let image = load_image(&job.path).unwrap();
        let outcome =
            emotui::explain::run(&model, &image, &job.request, &job.cancel, |_| {}).unwrap();
        tab.on_event(job.id, ExplainEvent::Done(Ok(outcome)));
        let v = tab.view(0).unwrap();
        assert!(matches!(v.shown, Shown::Done(_)));
        assert_eq!((v.method, v.kinds.len()), ("lime", 1));
        assert_eq!(v.labels.len(), tab.params.n_labels);
        assert!(v.trust.is_some());
        assert!(
            matches!(v.below, Below::Charts(None)),
            "the region game is not in"
        );
        tab.params.panels.show_negative = true;
        assert_eq!(tab.view(0).unwrap().kinds.len(), 2);
        // Another method chosen: LIME's panels until its comparison is in,
        // and the comparison's place under them.
        tab.method = Method::Occlusion;
        let v = tab.view(0).unwrap();
        assert_eq!(v.method, "lime");
        assert!(matches!(v.below, Below::Comparison(None)));
        // Another face is not explained yet.
        assert!(tab.view(1).is_none());
    }
}
