//! One way to spread independent items over worker threads, shared by
//! prediction, landmarks and cropping.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How many workers the machine and the job allow, and what set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// Workers to run (at least 1).
    pub workers: usize,
    /// What set the number: the smallest of the limits found.
    pub why: String,
    /// Whether something below the machine's online CPUs set it (a batch
    /// job's allocation, an affinity mask, a CPU quota).
    pub limited: bool,
}

/// The workers this process may use: the smallest of SLURM's
/// `SLURM_CPUS_PER_TASK` (under `task/none` a task still sees every core),
/// the CPUs of the process's affinity mask (`taskset`, SLURM's
/// `task/affinity`), and the cgroup's CPU quota (`cpu.max`, rounded up).
/// Computed once per process.
pub fn allocation() -> &'static Allocation {
    static ALLOCATION: std::sync::OnceLock<Allocation> = std::sync::OnceLock::new();
    ALLOCATION.get_or_init(|| {
        allocation_from(
            std::env::var("SLURM_CPUS_PER_TASK").ok().as_deref(),
            affinity_cpus(),
            cgroup_quota(),
            online_cpus(),
        )
    })
}

/// [`allocation`] from what was read: the SLURM variable's text, the
/// affinity mask's CPUs, the cgroup quota in CPUs, the online CPUs.
fn allocation_from(
    slurm: Option<&str>,
    affinity: Option<usize>,
    quota: Option<f64>,
    online: usize,
) -> Allocation {
    let online = online.max(1);
    let mut limits: Vec<(usize, String)> = vec![(online, format!("{online} CPUs online"))];
    if let Some(n) = slurm
        .and_then(|s| s.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
    {
        limits.push((n, format!("SLURM_CPUS_PER_TASK={n}")));
    }
    if let Some(n) = affinity.filter(|&n| n > 0) {
        limits.push((n, format!("CPU affinity mask of {n}")));
    }
    if let Some(q) = quota.filter(|q| q.is_finite() && *q > 0.0) {
        let n = (q.ceil() as usize).max(1);
        limits.push((n, format!("cgroup CPU quota of {q}")));
    }
    // The first smallest: the online count only when nothing is below it.
    let (workers, why) = limits
        .iter()
        .min_by_key(|(n, _)| *n)
        .cloned()
        .unwrap_or((1, "1 CPU".into()));
    Allocation {
        workers,
        why,
        limited: workers < online,
    }
}

/// CPUs in this process's affinity mask.
fn affinity_cpus() -> Option<usize> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; sched_getaffinity
    // fills it for the calling process (pid 0).
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return None;
        }
        Some(libc::CPU_COUNT(&set) as usize)
    }
}

/// CPUs online on the machine.
fn online_cpus() -> usize {
    // SAFETY: sysconf only reads a system value.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if n > 0 { n as usize } else { 1 }
}

/// The CPU quota of this process's cgroup (v2 `cpu.max`: quota and
/// period in microseconds, or `max`), in CPUs.
fn cgroup_quota() -> Option<f64> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = cgroups.lines().find_map(|l| l.strip_prefix("0::"))?;
    let max = std::fs::read_to_string(format!("/sys/fs/cgroup{}/cpu.max", path.trim())).ok()?;
    parse_cpu_max(&max)
}

/// `cpu.max`'s "QUOTA PERIOD" as CPUs; `None` for "max" (no quota).
fn parse_cpu_max(text: &str) -> Option<f64> {
    let mut parts = text.split_whitespace();
    let quota: f64 = parts.next()?.parse().ok()?;
    let period: f64 = parts.next().map_or(Some(100_000.0), |p| p.parse().ok())?;
    (period > 0.0).then(|| quota / period)
}

/// The number of workers to run by default: [`allocation`]'s.
pub fn cores() -> usize {
    allocation().workers
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

/// `f` of every item on [`cores`] threads, in the items' order: each
/// thread takes one contiguous part, so the result does not depend on the
/// number of threads. A panic in `f` is passed on to the caller.
pub fn ordered<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let size = items
        .len()
        .div_ceil(cores().clamp(1, items.len().max(1)))
        .max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = items
            .chunks(size)
            .map(|part| {
                let f = &f;
                s.spawn(move || part.iter().map(f).collect::<Vec<R>>())
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_limit_sets_the_workers() {
        let a = allocation_from(None, Some(8), None, 8);
        assert_eq!((a.workers, a.limited), (8, false));
        assert_eq!(a.why, "8 CPUs online");
        let a = allocation_from(Some("2"), Some(8), None, 8);
        assert_eq!(
            (a.workers, a.why.as_str(), a.limited),
            (2, "SLURM_CPUS_PER_TASK=2", true)
        );
        let a = allocation_from(Some("4"), Some(3), Some(1.5), 8);
        assert_eq!((a.workers, a.why.as_str()), (2, "cgroup CPU quota of 1.5"));
        let a = allocation_from(Some("0"), Some(1), None, 8);
        assert_eq!((a.workers, a.why.as_str()), (1, "CPU affinity mask of 1"));
        let a = allocation_from(Some("lots"), None, None, 2);
        assert_eq!(a.workers, 2);
    }

    #[test]
    fn ordered_keeps_the_items_order() {
        let items: Vec<usize> = (0..1001).collect();
        let squares = ordered(&items, |&i| i * i);
        assert_eq!(squares, items.iter().map(|i| i * i).collect::<Vec<_>>());
        assert!(ordered(&[] as &[usize], |&i| i).is_empty());
    }

    #[test]
    fn cpu_max_is_read_as_cpus() {
        assert_eq!(parse_cpu_max("150000 100000\n"), Some(1.5));
        assert_eq!(parse_cpu_max("max 100000\n"), None);
        assert_eq!(parse_cpu_max("200000"), Some(2.0));
    }

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
