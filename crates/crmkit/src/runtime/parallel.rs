//! Data parallelism for the vectorised passes, with scoped standard-library threads only.
//!
//! Passes over fewer than [`MIN_PARALLEL_LEN`] values run on the calling thread; longer ones
//! split into one contiguous chunk per available core (at most [`MAX_THREADS`]). Results are
//! combined in chunk order, so they never depend on the number of threads.

use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// Below this many values a pass is not worth a thread.
pub const MIN_PARALLEL_LEN: usize = 262_144;
/// Upper bound on threads per pass.
pub const MAX_THREADS: usize = 8;

fn threads_for(len: usize) -> usize {
    threads_for_min(len, MIN_PARALLEL_LEN)
}

fn threads_for_min(len: usize, min_len: usize) -> usize {
    if len < min_len.max(2) {
        return 1;
    }
    let cores = thread::available_parallelism().map_or(1, usize::from);
    cores
        .min(MAX_THREADS)
        .min(len / (min_len / 2).max(1))
        .max(1)
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
/// memory pass (a special function or a series per customer): threads start from `min_len`
/// items, with at least `min_len / 2` per thread.
///
/// # Examples
///
/// ```
/// // 1,000 costly items: worth two threads from 512 items on
/// let parts = crmkit::runtime::parallel::map_chunks_min(1_000, 512, |start, end| end - start);
/// assert_eq!(parts.iter().sum::<usize>(), 1_000);
/// assert!(crmkit::runtime::parallel::map_chunks_min(100, 512, |s, e| (s, e)) == vec![(0, 100)]);
/// ```
pub fn map_chunks_min<T: Send>(
    len: usize,
    min_len: usize,
    work: impl Fn(usize, usize) -> T + Sync,
) -> Vec<T> {
    let threads = threads_for_min(len, min_len);
    if threads == 1 {
        return vec![work(0, len)];
    }
    let step = len.div_ceil(threads);
    let work = &work;
    thread::scope(|scope| {
        // The calling thread takes the first chunk itself: one thread fewer to start per pass.
        let handles: Vec<_> = (1..threads)
            .map(|t| {
                let (start, end) = ((t * step).min(len), ((t + 1) * step).min(len));
                scope.spawn(move || work(start, end))
            })
            .collect();
        let first = work(0, step.min(len));
        std::iter::once(first)
            .chain(handles.into_iter().map(|h| match h.join() {
                Ok(value) => value,
                Err(panic) => std::panic::resume_unwind(panic),
            }))
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
    let threads = threads_for(out.len());
    if threads == 1 {
        work(0, out);
        return;
    }
    let step = out.len().div_ceil(threads);
    let work = &work;
    thread::scope(|scope| {
        let mut chunks = out.chunks_mut(step).enumerate();
        let first = chunks.next();
        for (t, chunk) in chunks {
            scope.spawn(move || work(t * step, chunk));
        }
        // The calling thread takes the first chunk itself.
        if let Some((_, chunk)) = first {
            work(0, chunk);
        }
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
    let threads = threads_for(a.len());
    let paired = b.len() == a.len();
    if threads == 1 {
        work(0, a, if paired { b } else { &mut [] });
        return;
    }
    let step = a.len().div_ceil(threads);
    let work = &work;
    thread::scope(|scope| {
        let mut b_chunks = b.chunks_mut(step);
        let mut first = None;
        for (t, a_chunk) in a.chunks_mut(step).enumerate() {
            let b_chunk = if paired {
                b_chunks.next().unwrap_or_default()
            } else {
                &mut []
            };
            if t == 0 {
                first = Some((a_chunk, b_chunk));
            } else {
                scope.spawn(move || work(t * step, a_chunk, b_chunk));
            }
        }
        // The calling thread takes the first chunk itself.
        if let Some((a_chunk, b_chunk)) = first {
            work(0, a_chunk, b_chunk);
        }
    });
}

/// How long a waiting side of a [`Helper`] spins before it blocks: longer than the gaps
/// between the steps of a fit (microseconds), short enough not to hold a core when idle.
const SPIN: Duration = Duration::from_micros(200);

/// Receives from `rx`, spinning for up to [`SPIN`] before blocking (a blocked thread takes tens
/// of microseconds to wake, as long as a whole step of a small fit). `None` once the sender is
/// gone.
fn recv_spinning<T>(rx: &Receiver<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        for _ in 0..64 {
            match rx.try_recv() {
                Ok(v) => return Some(v),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) => std::hint::spin_loop(),
            }
        }
        if start.elapsed() > SPIN {
            return rx.recv().ok();
        }
    }
}

/// A second thread kept for a sequence of short steps (the likelihood evaluations of a model
/// fit, each too short to start a thread for): [`Helper::start`] hands it a job, the caller works
/// on its own share, and [`Helper::finish`] collects the helper's result. A job the helper has
/// not picked up by then (its core busy, or a virtual CPU the host has not scheduled yet) is
/// taken back and run on the calling thread, so a late helper never costs more than working
/// alone. Without a second core every job runs on the calling thread at `finish`. Either way the
/// same code runs on the same state, so results never depend on the machine.
pub(crate) struct Helper<'a, S, J, R, W> {
    shared: &'a Shared<S, J>,
    work: &'a W,
    /// The wake-up line to the helper thread and its results; `None` without one.
    thread: Option<(Sender<()>, Receiver<R>)>,
    pending: bool,
}

struct Shared<S, J> {
    state: Mutex<S>,
    job: Mutex<Option<J>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // a poisoned lock means the helper thread panicked; `thread::scope` propagates that panic
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<S, J, R, W: Fn(&mut S, J) -> R> Helper<'_, S, J, R, W> {
    /// Hands `job` to the helper.
    pub(crate) fn start(&mut self, job: J) {
        *lock(&self.shared.job) = Some(job);
        self.pending = true;
        if let Some((wake, _)) = &self.thread {
            // fails only if the helper thread is gone; `finish` then runs the job itself
            let _ = wake.send(());
        }
    }

    /// The result of the job last started (computed here if the helper has not taken it);
    /// `None` if no job was started or the helper thread died (a panic, which
    /// `thread::scope` then propagates).
    pub(crate) fn finish(&mut self) -> Option<R> {
        if !std::mem::take(&mut self.pending) {
            return None;
        }
        let untaken = lock(&self.shared.job).take();
        match (untaken, &self.thread) {
            (Some(job), _) => Some((self.work)(&mut lock(&self.shared.state), job)),
            (None, Some((_, results))) => recv_spinning(results),
            (None, None) => None,
        }
    }
}

/// Runs `body` with a [`Helper`] that owns `state` and runs `work(&mut state, job)` for each
/// job: on a second thread when `threaded` and the machine has two or more cores, else on the
/// calling thread.
pub(crate) fn with_helper<S, J, R, W, T>(
    threaded: bool,
    state: S,
    work: W,
    body: impl FnOnce(&mut Helper<'_, S, J, R, W>) -> T,
) -> T
where
    S: Send,
    J: Send,
    R: Send,
    W: Fn(&mut S, J) -> R + Sync,
{
    let shared = Shared {
        state: Mutex::new(state),
        job: Mutex::new(None),
    };
    let cores = thread::available_parallelism().map_or(1, usize::from);
    if !threaded || cores < 2 {
        let mut helper = Helper {
            shared: &shared,
            work: &work,
            thread: None,
            pending: false,
        };
        return body(&mut helper);
    }
    let (wake_tx, wake_rx) = mpsc::channel::<()>();
    let (result_tx, result_rx) = mpsc::channel::<R>();
    let (shared, work) = (&shared, &work);
    thread::scope(|scope| {
        scope.spawn(move || {
            while recv_spinning(&wake_rx).is_some() {
                // the job may already be gone: the calling thread took it back
                let job = lock(&shared.job).take();
                if let Some(job) = job {
                    let result = work(&mut lock(&shared.state), job);
                    if result_tx.send(result).is_err() {
                        break;
                    }
                }
            }
        });
        let mut helper = Helper {
            shared,
            work,
            thread: Some((wake_tx, result_rx)),
            pending: false,
        };
        // dropping the helper closes the wake-up line, which ends the thread
        body(&mut helper)
    })
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

    #[test]
    fn helper_runs_jobs_in_order_on_either_thread() {
        for threaded in [false, true] {
            let total = with_helper(
                threaded,
                0u64,
                |seen: &mut u64, job: u64| {
                    *seen += 1;
                    (*seen, job * job)
                },
                |h| {
                    assert!(h.finish().is_none(), "no job started yet");
                    (1..=50u64)
                        .map(|k| {
                            h.start(k);
                            let (count, square) = h.finish().unwrap_or_default();
                            assert_eq!(count, k, "the helper keeps its state between jobs");
                            square
                        })
                        .sum::<u64>()
                },
            );
            assert_eq!(total, 50 * 51 * 101 / 6);
        }
    }
}
