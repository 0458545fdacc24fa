//! The one running job of a kind in a tab: starting another cancels the
//! stale one ("latest wins"), and a job's end is only taken for the key it
//! was started with.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The running job of one kind, by its key.
#[derive(Debug)]
pub struct Latest<K> {
    running: Option<(K, Arc<AtomicBool>)>,
}

impl<K> Default for Latest<K> {
    fn default() -> Self {
        Latest { running: None }
    }
}

impl<K: PartialEq> Latest<K> {
    /// Whether the job for `key` is running.
    pub fn runs(&self, key: &K) -> bool {
        self.running.as_ref().is_some_and(|(k, _)| k == key)
    }

    /// Starts the job for `key`: the one running, if any, is cancelled and
    /// its key returned, with the new job's cancellation flag.
    pub fn start(&mut self, key: K) -> (Option<K>, Arc<AtomicBool>) {
        let stale = self.running.take().map(|(k, cancel)| {
            cancel.store(true, Ordering::Relaxed);
            k
        });
        let cancel = Arc::new(AtomicBool::new(false));
        self.running = Some((key, cancel.clone()));
        (stale, cancel)
    }

    /// Asks the running job, if any, to stop; it runs until its end is
    /// reported ([`Latest::finished`]).
    pub fn cancel(&self) {
        if let Some((_, cancel)) = &self.running {
            cancel.store(true, Ordering::Relaxed);
        }
    }

    /// The job for `key` has ended (a stale job's end changes nothing).
    pub fn finished(&mut self, key: &K) {
        if self.runs(key) {
            self.running = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_job_wins() {
        let mut l = Latest::default();
        let (stale, first) = l.start(1);
        assert_eq!(stale, None);
        let (stale, second) = l.start(2);
        assert_eq!(stale, Some(1));
        assert!(first.load(Ordering::Relaxed) && !second.load(Ordering::Relaxed));
        l.finished(&1);
        assert!(l.runs(&2));
        l.cancel();
        assert!(second.load(Ordering::Relaxed) && l.runs(&2));
        l.finished(&2);
        assert!(!l.runs(&2));
    }
}
