//! One way to spread independent items over worker threads, shared by
//! prediction, landmarks and cropping.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The number of cores, the default number of workers.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `f(worker, item)` for every item on up to `workers` threads (worker
/// indices 0..workers, so each can own a model session), results in item
/// order. An item is `None` when `cancel` was set before it started or its
/// thread panicked.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    cancel: &AtomicBool,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<Option<R>> {
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for w in 0..workers.clamp(1, items.len().max(1)) {
            let (f, slots, next) = (&f, &slots, &next);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= items.len() || cancel.load(Ordering::Relaxed) {
                        break;
                    }
                    let r = f(w, &items[i]);
                    *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_item_order_and_cancel_stops_everything() {
        let items: Vec<u32> = (0..100).collect();
        let out = map(&items, 3, &AtomicBool::new(false), |_, &x| x * 2);
        assert_eq!(out, items.iter().map(|x| Some(x * 2)).collect::<Vec<_>>());
        let out = map(&items, 3, &AtomicBool::new(true), |_, &x| x);
        assert!(out.iter().all(Option::is_none));
        assert!(map(&[] as &[u32], 2, &AtomicBool::new(false), |_, &x| x).is_empty());
    }
}
