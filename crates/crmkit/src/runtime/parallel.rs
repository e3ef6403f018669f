//! Data parallelism on one global thread pool (rayon, work stealing).
//!
//! Every parallel pass of crmkit runs on the same pool, started on first use with
//! [`num_threads`] threads: the number given to [`set_num_threads`], else the environment
//! variable `CRMKIT_NUM_THREADS` (read once, when the pool starts), else the number of cores.
//! Passes over fewer than [`MIN_PARALLEL_LEN`] values run on the calling thread; longer ones
//! split into contiguous chunks whose number depends only on the length (never on the number
//! of threads), and results are combined in chunk order, so they are the same bit for bit
//! with one thread or many.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{CrmkitError, Result};

/// Below this many values a pass is not worth a thread.
pub const MIN_PARALLEL_LEN: usize = 262_144;
/// Upper bound on the chunks of one pass (enough for the pool to balance the load).
pub const MAX_CHUNKS: usize = 16;
/// The environment variable read once, when the pool starts, for its number of threads
/// (a whole number ≥ 1; anything else is ignored and every core is used).
pub const THREADS_ENV: &str = "CRMKIT_NUM_THREADS";
/// The most threads [`set_num_threads`] accepts.
pub const MAX_THREADS: usize = 1024;

/// The pool; `None` until first use (or when the system refused to start threads: then every
/// pass runs on the calling thread).
static POOL: Mutex<Option<Arc<rayon::ThreadPool>>> = Mutex::new(None);
static STARTED: Mutex<bool> = Mutex::new(false);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // a poisoned lock means a thread panicked while holding it; the data is still consistent
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn build(threads: usize) -> Option<Arc<rayon::ThreadPool>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("crmkit-{i}"))
        .build()
        .ok()
        .map(Arc::new)
}

fn default_threads() -> usize {
    std::env::var(THREADS_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| (1..=MAX_THREADS).contains(&n))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// The pool, started on first use.
fn pool() -> Option<Arc<rayon::ThreadPool>> {
    let mut pool = lock(&POOL);
    let mut started = lock(&STARTED);
    if !*started {
        *pool = build(default_threads());
        *started = true;
    }
    pool.clone()
}

/// Sets the number of threads of crmkit's pool (from then on; calls already running finish
/// on the old pool). Results do not depend on it.
///
/// # Errors
///
/// [`CrmkitError::InvalidConfig`] naming `num_threads` for 0 or more than [`MAX_THREADS`], or
/// when the system refuses to start the threads.
///
/// # Examples
///
/// ```
/// use crmkit::runtime::parallel::{num_threads, set_num_threads};
/// set_num_threads(2)?;
/// assert_eq!(num_threads(), 2);
/// assert!(set_num_threads(0).is_err());
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn set_num_threads(threads: usize) -> Result<()> {
    if !(1..=MAX_THREADS).contains(&threads) {
        return Err(CrmkitError::invalid_config(
            "num_threads",
            threads,
            format!("must be between 1 and {MAX_THREADS}"),
        ));
    }
    let new = build(threads).ok_or_else(|| {
        CrmkitError::invalid_config(
            "num_threads",
            threads,
            "the system refused to start threads",
        )
    })?;
    let mut pool = lock(&POOL);
    *lock(&STARTED) = true;
    *pool = Some(new);
    Ok(())
}

/// The number of threads of crmkit's pool (starting it if needed).
///
/// # Examples
///
/// ```
/// assert!(crmkit::runtime::parallel::num_threads() >= 1);
/// ```
pub fn num_threads() -> usize {
    pool().map_or(1, |p| p.current_num_threads())
}

/// Runs `op` on the pool (parallel iterators and [`join`] inside it use the pool's threads).
///
/// # Examples
///
/// ```
/// use rayon::prelude::*;
/// let total: u64 = crmkit::runtime::parallel::install(|| (0..1000u64).into_par_iter().sum());
/// assert_eq!(total, 499_500);
/// ```
pub fn install<R: Send>(op: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Some(pool) => pool.install(op),
        None => op(),
    }
}

/// Runs `a` and `b`, in parallel when the pool has a free thread, and returns both results.
///
/// # Examples
///
/// ```
/// let (a, b) = crmkit::runtime::parallel::join(|| 1 + 1, || "two");
/// assert_eq!((a, b), (2, "two"));
/// ```
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    install(|| rayon::join(a, b))
}

fn chunks_for(len: usize, min_len: usize) -> usize {
    if len < min_len.max(2) {
        return 1;
    }
    (len / (min_len / 2).max(1)).clamp(1, MAX_CHUNKS)
}

/// Splits `0..len` into contiguous chunks, runs `work(start, end)` on each (in parallel when
/// worthwhile) and returns the results in chunk order.
///
/// # Examples
///
/// ```
/// let sums = crmkit::runtime::parallel::map_chunks(1_000_000, |start, end| (start..end).map(|i| i as u64).sum::<u64>());
/// assert_eq!(sums.iter().sum::<u64>(), 999_999 * 1_000_000 / 2);
/// ```
pub fn map_chunks<T: Send>(len: usize, work: impl Fn(usize, usize) -> T + Sync) -> Vec<T> {
    map_chunks_min(len, MIN_PARALLEL_LEN, work)
}

/// [`map_chunks`] with a caller-chosen threshold, for items that each cost far more than a
/// memory pass (a special function or a series per customer): chunks start from `min_len`
/// items, with at least `min_len / 2` per chunk.
///
/// # Examples
///
/// ```
/// // 1,000 costly items: worth two chunks from 512 items on
/// let parts = crmkit::runtime::parallel::map_chunks_min(1_000, 512, |start, end| end - start);
/// assert_eq!(parts.iter().sum::<usize>(), 1_000);
/// assert!(crmkit::runtime::parallel::map_chunks_min(100, 512, |s, e| (s, e)) == vec![(0, 100)]);
/// ```
pub fn map_chunks_min<T: Send>(
    len: usize,
    min_len: usize,
    work: impl Fn(usize, usize) -> T + Sync,
) -> Vec<T> {
    use rayon::prelude::*;
    let chunks = chunks_for(len, min_len);
    if chunks == 1 {
        return vec![work(0, len)];
    }
    let step = len.div_ceil(chunks);
    install(|| {
        (0..chunks)
            .into_par_iter()
            .map(|c| work((c * step).min(len), ((c + 1) * step).min(len)))
            .collect()
    })
}

/// Runs `work(offset, chunk)` over contiguous mutable chunks of `out` (in parallel when
/// worthwhile); `offset` is the index of the chunk's first element in `out`.
///
/// # Examples
///
/// ```
/// let mut out = vec![0usize; 1_000_000];
/// crmkit::runtime::parallel::for_chunks_mut(&mut out, |offset, chunk| {
///     for (i, o) in chunk.iter_mut().enumerate() { *o = offset + i; }
/// });
/// assert!(out.iter().enumerate().all(|(i, &v)| i == v));
/// ```
pub fn for_chunks_mut<T: Send>(out: &mut [T], work: impl Fn(usize, &mut [T]) + Sync) {
    use rayon::prelude::*;
    let chunks = chunks_for(out.len(), MIN_PARALLEL_LEN);
    if chunks == 1 {
        work(0, out);
        return;
    }
    let step = out.len().div_ceil(chunks);
    install(|| {
        out.par_chunks_mut(step)
            .enumerate()
            .for_each(|(c, chunk)| work(c * step, chunk));
    });
}

/// Like [`for_chunks_mut`] over two parallel outputs: `b` is split like `a` when it has the
/// same length, and passed as empty chunks when it is empty.
///
/// # Examples
///
/// ```
/// let (mut a, mut b) = (vec![0u32; 500_000], vec![0u8; 500_000]);
/// crmkit::runtime::parallel::for_chunk_pairs_mut(&mut a, &mut b, |offset, a, b| {
///     for (i, (x, y)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
///         *x = (offset + i) as u32;
///         *y = ((offset + i) % 7) as u8;
///     }
/// });
/// assert_eq!((a[499_999], b[13]), (499_999, 6));
/// ```
pub fn for_chunk_pairs_mut<A: Send, B: Send>(
    a: &mut [A],
    b: &mut [B],
    work: impl Fn(usize, &mut [A], &mut [B]) + Sync,
) {
    use rayon::prelude::*;
    let chunks = chunks_for(a.len(), MIN_PARALLEL_LEN);
    let paired = b.len() == a.len();
    if chunks == 1 {
        work(0, a, if paired { b } else { &mut [] });
        return;
    }
    let step = a.len().div_ceil(chunks);
    install(|| {
        if paired {
            a.par_chunks_mut(step)
                .zip(b.par_chunks_mut(step))
                .enumerate()
                .for_each(|(c, (a, b))| work(c * step, a, b));
        } else {
            a.par_chunks_mut(step)
                .enumerate()
                .for_each(|(c, a)| work(c * step, a, &mut []));
        }
    });
}

/// `work(start, end)` on consecutive blocks of `block` values (the last one shorter), the
/// results in block order. From `min_len` values on (and with more than one block) the blocks
/// run on the pool, each taken by whichever thread is free, so that any number of threads
/// stays busy to the end; below, all on the calling thread. Unlike [`map_chunks_min`], whose
/// few long chunks (their number fixed by the length) can leave one of two threads with one
/// chunk more, this suits passes whose values do not depend on how the rows are split (per-row
/// values, minima and maxima). The blocks depend only on `len` and `block`, never on the
/// number of threads.
///
/// # Examples
///
/// ```
/// let sums = crmkit::runtime::parallel::map_blocks(1000, 300, 0, |s, e| (s..e).sum::<usize>());
/// assert_eq!(sums.len(), 4);
/// assert_eq!(sums.iter().sum::<usize>(), 999 * 1000 / 2);
/// ```
pub fn map_blocks<T: Send>(
    len: usize,
    block: usize,
    min_len: usize,
    work: impl Fn(usize, usize) -> T + Sync,
) -> Vec<T> {
    use rayon::prelude::*;
    let block = block.max(1);
    let blocks = len.div_ceil(block);
    let range = |b: usize| (b * block, ((b + 1) * block).min(len));
    if blocks <= 1 || len < min_len {
        return (0..blocks.max(1))
            .map(|b| {
                let (s, e) = range(b);
                work(s, e)
            })
            .collect();
    }
    install(|| {
        (0..blocks)
            .into_par_iter()
            .with_max_len(1)
            .map(|b| {
                let (s, e) = range(b);
                work(s, e)
            })
            .collect()
    })
}

/// [`map_blocks`] writing into two parallel outputs: `work(offset, a_block, b_block)` on
/// consecutive blocks of `block` values of `a`, on the pool; `b` is split like `a` when it has
/// the same length, and passed as empty blocks when it is empty. Below `min_len` values (or
/// with one block) `work` runs once, on the calling thread, over the whole outputs.
///
/// # Examples
///
/// ```
/// let (mut a, mut b) = (vec![0u32; 500_000], vec![0u8; 500_000]);
/// crmkit::runtime::parallel::for_block_pairs_mut(&mut a, &mut b, 65_536, 0, |offset, a, b| {
///     for (i, (x, y)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
///         *x = (offset + i) as u32;
///         *y = ((offset + i) % 7) as u8;
///     }
/// });
/// assert_eq!((a[499_999], b[13]), (499_999, 6));
/// ```
pub fn for_block_pairs_mut<A: Send, B: Send>(
    a: &mut [A],
    b: &mut [B],
    block: usize,
    min_len: usize,
    work: impl Fn(usize, &mut [A], &mut [B]) + Sync,
) {
    use rayon::prelude::*;
    let block = block.max(1);
    let paired = b.len() == a.len();
    if a.len() <= block || a.len() < min_len {
        work(0, a, if paired { b } else { &mut [] });
        return;
    }
    install(|| {
        if paired {
            a.par_chunks_mut(block)
                .zip(b.par_chunks_mut(block))
                .with_max_len(1)
                .enumerate()
                .for_each(|(c, (a, b))| work(c * block, a, b));
        } else {
            a.par_chunks_mut(block)
                .with_max_len(1)
                .enumerate()
                .for_each(|(c, a)| work(c * block, a, &mut []));
        }
    });
}

/// Runs `work` as one job on the pool while the calling thread waits for it, calling `poll` on
/// the calling thread first and then at most every `interval` until the job ends (a sleeping
/// wait between the calls, no spinning). Once `poll` returns true the flag handed to `work`
/// turns true and `poll` is not called again; `work` decides when it looks at the flag. The
/// point is where `poll` runs: a hook that only works on the calling thread (Python runs its
/// signal handlers on its main thread only) keeps working while `work` runs on a pool thread,
/// where [`rayon::join`] hands half of a short step to an idle pool thread without waking the
/// calling thread.
///
/// On a thread of the pool already (a job waiting for a job of its own pool could keep a thread
/// busy doing nothing), or without a pool, `work` runs on the calling thread after the first
/// `poll`. Returns `None` only when `work` panicked (the panic is raised again first).
///
/// # Examples
///
/// ```
/// use std::sync::atomic::Ordering;
/// use std::time::Duration;
/// let out = crmkit::runtime::parallel::run_polled(Duration::from_millis(50), || false, |stop| {
///     assert!(!stop.load(Ordering::Relaxed));
///     rayon::join(|| 20, || 22)
/// });
/// assert_eq!(out, Some((20, 22)));
/// // a poll saying "stop" at once: the flag is set before the work starts
/// let seen = crmkit::runtime::parallel::run_polled(Duration::from_millis(50), || true, |stop| stop.load(Ordering::Relaxed));
/// assert_eq!(seen, Some(true));
/// ```
pub fn run_polled<R: Send>(
    interval: std::time::Duration,
    mut poll: impl FnMut() -> bool,
    work: impl FnOnce(&Arc<AtomicBool>) -> R + Send,
) -> Option<R> {
    use std::sync::mpsc::RecvTimeoutError;
    let stop = Arc::new(AtomicBool::new(false));
    let mut last_poll = Instant::now();
    if poll() {
        stop.store(true, Ordering::Relaxed);
    }
    let pool = match pool() {
        Some(p) if p.current_thread_index().is_none() => p,
        _ => return Some(work(&stop)),
    };
    let (tx, rx) = mpsc::channel::<R>();
    let mut result = None;
    let flag = &stop;
    pool.in_place_scope(|scope| {
        scope.spawn(move |_| {
            let _ = tx.send(work(flag));
        });
        loop {
            let got = if flag.load(Ordering::Relaxed) {
                rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                rx.recv_timeout((last_poll + interval).saturating_duration_since(Instant::now()))
            };
            match got {
                Ok(r) => {
                    result = Some(r);
                    break;
                }
                // the job panicked: the scope raises its panic again on return
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    last_poll = Instant::now();
                    if poll() {
                        flag.store(true, Ordering::Relaxed);
                    }
                }
            }
        }
    });
    result
}

/// How long [`help_while`] looks for work without finding any before it gives up its thread:
/// longer than the gaps between the steps of a fit (an optimiser step between two likelihood
/// evaluations: a few µs), short enough that a thread is not held beyond a pause of the owner.
pub const HELP_SPIN: Duration = Duration::from_micros(50);

/// Runs on a pool thread, next to a thread (`owner`, its index in the pool) that keeps
/// offering short jobs with [`rayon::join`] (the parts of the likelihood evaluations of a
/// fit): takes those jobs as soon as they are offered ([`rayon::yield_now`] in a loop, no
/// system call), until `done` turns true or no job came for [`HELP_SPIN`]; then clears `alive`
/// and returns. Without it the pool thread would go back to sleep between two evaluations
/// and wake for the next one only after tens of µs (a virtual CPU waking), as long as the
/// part it woke for. The spin is bounded twice: by `done` (set when the owner's work ends, so
/// nothing spins after it) and by [`HELP_SPIN`] without work. On the owner's own thread (a
/// helper job the owner ran itself while waiting) it returns at once.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use crmkit::runtime::parallel::{help_while, install};
/// let (done, alive) = (AtomicBool::new(false), AtomicBool::new(true));
/// let sum: u64 = install(|| {
///     let owner = rayon::current_thread_index();
///     rayon::in_place_scope(|s| {
///         s.spawn(|_| help_while(&done, &alive, owner));
///         let total = (0..8u64).map(|i| { let (a, b) = rayon::join(|| i, || 2 * i); a + b }).sum();
///         done.store(true, Ordering::Release);
///         total
///     })
/// });
/// assert_eq!(sum, 84);
/// assert!(!alive.load(Ordering::Acquire));
/// ```
pub fn help_while(done: &AtomicBool, alive: &AtomicBool, owner: Option<usize>) {
    if owner.is_none() || rayon::current_thread_index() != owner {
        let mut idle_since = Instant::now();
        let mut spins = 0u32;
        while !done.load(Ordering::Acquire) {
            if let Some(rayon::Yield::Executed) = rayon::yield_now() {
                idle_since = Instant::now();
                continue;
            }
            std::hint::spin_loop();
            spins = spins.wrapping_add(1);
            if spins % 16 == 0 && idle_since.elapsed() > HELP_SPIN {
                break;
            }
        }
    }
    alive.store(false, Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both sides of the threshold: chunks come back in order and cover `0..len` exactly once,
    /// with the first chunk run on the calling thread.
    #[test]
    fn chunks_cover_the_range_in_order() {
        for len in [
            0,
            1,
            MIN_PARALLEL_LEN - 1,
            MIN_PARALLEL_LEN,
            3 * MIN_PARALLEL_LEN + 7,
        ] {
            let parts = map_chunks(len, |start, end| (start, end));
            assert!(parts.len() <= MAX_CHUNKS);
            assert_eq!(parts.first().map(|p| p.0), Some(0));
            assert_eq!(parts.last().map(|p| p.1), Some(len));
            assert!(
                parts
                    .windows(2)
                    .all(|w| w[0].1 == w[1].0 && w[0].0 <= w[0].1)
            );
            let mut a = vec![0usize; len];
            let mut b = vec![0u8; len];
            for_chunk_pairs_mut(&mut a, &mut b, |offset, a, b| {
                for (i, (x, y)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
                    *x = offset + i;
                    *y = 1;
                }
            });
            assert!(a.iter().enumerate().all(|(i, &v)| i == v) && b.iter().all(|&y| y == 1));
            // An empty second output is passed as empty chunks.
            for_chunk_pairs_mut(&mut a, &mut [] as &mut [u8], |offset, a, b| {
                assert!(b.is_empty());
                a.iter_mut()
                    .enumerate()
                    .for_each(|(i, x)| *x = 2 * (offset + i));
            });
            assert!(a.iter().enumerate().all(|(i, &v)| 2 * i == v));
        }
    }

    /// `run_polled` from outside the pool: the first poll before the work, the work on a pool
    /// thread, further polls on the calling thread until one says stop, which the work sees.
    #[test]
    fn run_polled_polls_on_the_calling_thread_until_stopped() {
        use std::time::Duration;
        let caller = std::thread::current().id();
        let mut polls = Vec::new();
        let out = run_polled(
            Duration::from_millis(5),
            || {
                polls.push(std::thread::current().id());
                polls.len() >= 3
            },
            |stop| {
                let on_pool = rayon::current_thread_index().is_some();
                let start = Instant::now();
                while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(5) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                (on_pool, stop.load(Ordering::Relaxed))
            },
        );
        assert_eq!(out, Some((pool().is_some(), true)));
        // stopped at the third poll and never asked again
        assert_eq!(polls.len(), 3);
        assert!(polls.iter().all(|&id| id == caller));
        // work that ends before the interval: one poll
        let mut n = 0;
        assert_eq!(
            run_polled(
                Duration::from_secs(60),
                || {
                    n += 1;
                    false
                },
                |_| 7
            ),
            Some(7)
        );
        assert_eq!(n, 1);
    }

    /// From a thread of the pool the work runs on that thread (a pool job waiting for another
    /// would hold a thread idle); a panic in the work reaches the caller.
    #[test]
    fn run_polled_inside_the_pool_and_panics() {
        use std::time::Duration;
        let (outer, inner) = install(|| {
            let outer = (std::thread::current().id(), rayon::current_thread_index());
            let inner = run_polled(
                Duration::from_millis(50),
                || false,
                |_| (std::thread::current().id(), rayon::current_thread_index()),
            );
            (outer, inner)
        });
        assert_eq!(Some(outer), inner);
        let caught = std::panic::catch_unwind(|| {
            run_polled(
                Duration::from_millis(50),
                || false,
                |_| -> u8 { panic!("in the work") },
            )
        });
        assert!(caught.is_err());
    }

    /// `help_while` takes the jobs its owner offers, ends once `done` is set or after
    /// [`HELP_SPIN`] without work (clearing `alive` either way), and returns at once on the
    /// owner's own thread.
    #[test]
    fn help_while_helps_and_stops() {
        use std::sync::atomic::AtomicUsize;
        // on the owner's thread: returns at once, though `done` is never set
        let (done, alive) = (AtomicBool::new(false), AtomicBool::new(true));
        let start = Instant::now();
        install(|| help_while(&done, &alive, rayon::current_thread_index()));
        assert!(!alive.load(Ordering::Acquire));
        assert!(start.elapsed() < Duration::from_secs(1));
        // no work at all: gives up after about HELP_SPIN (generously bounded here)
        alive.store(true, Ordering::Release);
        let start = Instant::now();
        install(|| help_while(&done, &alive, None));
        assert!(!alive.load(Ordering::Acquire));
        assert!(start.elapsed() >= HELP_SPIN);
        assert!(start.elapsed() < Duration::from_secs(5));
        // next to an owner offering jobs: every job runs once, the helper ends with `done`
        if num_threads() < 2 {
            return;
        }
        let ran = AtomicUsize::new(0);
        let (done, alive) = (AtomicBool::new(false), AtomicBool::new(true));
        install(|| {
            let owner = rayon::current_thread_index();
            rayon::in_place_scope(|s| {
                s.spawn(|_| help_while(&done, &alive, owner));
                for _ in 0..200 {
                    rayon::join(
                        || ran.fetch_add(1, Ordering::Relaxed),
                        || ran.fetch_add(1, Ordering::Relaxed),
                    );
                }
                done.store(true, Ordering::Release);
            });
        });
        assert_eq!(ran.load(Ordering::Relaxed), 400);
        assert!(!alive.load(Ordering::Acquire));
    }
}
