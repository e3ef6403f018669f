//! Validated inputs of the buy-till-you-die models.

use serde::{Deserialize, Serialize};

use crate::math::optimize::Interrupt;
use crate::runtime::hash::{FxHashMap, KeyNumbering};
use crate::{CrmkitError, Result};

/// Whether a finite `x` ≥ 0 is a whole number, without a call to `trunc` (this runs once per
/// customer row): every f64 from 2^52 on is whole, and below it the round trip through `u64`
/// is exact for whole numbers only.
#[inline]
pub(crate) fn is_whole(x: f64) -> bool {
    x >= 4_503_599_627_370_496.0 || (x as u64) as f64 == x
}

/// Checks one customer summary; the error names the field, `row` and the value.
#[inline]
pub(crate) fn check_customer(row: usize, x: f64, t_x: f64, t: f64) -> Result<()> {
    if !(x.is_finite() && x >= 0.0 && is_whole(x)) {
        return Err(CrmkitError::invalid_value(
            "x",
            row,
            x,
            "must be a finite whole number >= 0",
        ));
    }
    if !(t_x.is_finite() && t_x >= 0.0) {
        return Err(CrmkitError::invalid_value(
            "t_x",
            row,
            t_x,
            "must be finite and >= 0",
        ));
    }
    if !(t.is_finite() && t >= t_x) {
        return Err(CrmkitError::invalid_value(
            "t",
            row,
            t,
            format!("must be finite and >= t_x ({t_x})"),
        ));
    }
    if x == 0.0 && t_x != 0.0 {
        return Err(CrmkitError::invalid_value(
            "t_x",
            row,
            t_x,
            "must be 0 when x = 0 (no repeat purchase)",
        ));
    }
    Ok(())
}

/// Checks a prediction horizon.
pub(crate) fn check_horizon(field: &str, horizon: f64) -> Result<()> {
    if horizon.is_finite() && horizon >= 0.0 {
        Ok(())
    } else {
        Err(CrmkitError::invalid_config(
            field,
            horizon,
            "must be finite and >= 0",
        ))
    }
}

/// Puts `row` into a per-row error raised by a scalar check (which says row 0).
pub(crate) fn at_row(err: CrmkitError, row: usize) -> CrmkitError {
    err.map_row(|_| row)
}

fn check_weights(weights: &[f64]) -> Result<f64> {
    let mut total = 0.0;
    for (row, &w) in weights.iter().enumerate() {
        if !(w.is_finite() && w >= 0.0) {
            return Err(CrmkitError::invalid_value(
                "weights",
                row,
                w,
                "must be finite and >= 0",
            ));
        }
        total += w;
    }
    if total > 0.0 {
        Ok(total)
    } else {
        Err(CrmkitError::invalid_config(
            "weights",
            total,
            "the weights must not all be 0",
        ))
    }
}

/// Customer summaries for the continuous-time models (BG/NBD, Pareto/NBD, MBG/NBD): per customer
/// the number of repeat purchases `x`, the age at the last purchase `t_x` and the age at the end
/// of observation `t` (= T), all in one time unit of the caller's choice (days, weeks, …), and a
/// row weight (the number of customers with that summary).
///
/// A value of this type is valid: x is a whole number ≥ 0, 0 ≤ t_x ≤ T, t_x = 0 when x = 0,
/// weights are finite and ≥ 0 with a positive sum, and max T > 0.
///
/// # Examples
///
/// ```
/// use crmkit::clv::BtydData;
/// let data = BtydData::new(&[2.0, 0.0, 2.0], &[30.43, 0.0, 30.43], &[38.86, 38.86, 38.86]).unwrap();
/// assert_eq!(data.len(), 3);
/// let c = data.compress();
/// assert_eq!(c.len(), 2);
/// assert_eq!(c.total_weight(), 3.0);
/// assert!(BtydData::new(&[1.5], &[1.0], &[2.0]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BtydData {
    x: Vec<f64>,
    t_x: Vec<f64>,
    t: Vec<f64>,
    weights: Vec<f64>,
}

impl BtydData {
    /// Validates unweighted customer summaries (every weight 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::BtydData;
    /// let err = BtydData::new(&[1.0], &[5.0], &[4.0]).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid `t` at row 0: 4 (must be finite and >= t_x (5))");
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`], [`CrmkitError::LengthMismatch`], or
    /// [`CrmkitError::InvalidValue`] naming the field, the row and the value (see the type's
    /// rules); [`CrmkitError::InvalidConfig`] when max T is 0.
    pub fn new(x: &[f64], t_x: &[f64], t: &[f64]) -> Result<Self> {
        Self::with_weights(x, t_x, t, &vec![1.0; x.len()])
    }

    /// Validates weighted customer summaries.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::BtydData;
    /// let d = BtydData::with_weights(&[0.0, 3.0], &[0.0, 10.0], &[20.0, 20.0], &[120.0, 7.0]).unwrap();
    /// assert_eq!(d.total_weight(), 127.0);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`BtydData::new`], plus [`CrmkitError::InvalidValue`] for a negative or non-finite
    /// weight and [`CrmkitError::InvalidConfig`] when all weights are 0.
    pub fn with_weights(x: &[f64], t_x: &[f64], t: &[f64], weights: &[f64]) -> Result<Self> {
        if x.is_empty() {
            return Err(CrmkitError::empty("x"));
        }
        CrmkitError::check_len("t_x", x.len(), t_x.len())?;
        CrmkitError::check_len("t", x.len(), t.len())?;
        CrmkitError::check_len("weights", x.len(), weights.len())?;
        for (row, ((&xi, &ri), &ti)) in x.iter().zip(t_x).zip(t).enumerate() {
            check_customer(row, xi, ri, ti)?;
        }
        check_weights(weights)?;
        let max_t = t.iter().fold(0.0f64, |m, v| m.max(*v));
        if max_t <= 0.0 {
            return Err(CrmkitError::invalid_config(
                "t",
                max_t,
                "the largest T must be > 0",
            ));
        }
        Ok(Self {
            x: x.to_vec(),
            t_x: t_x.to_vec(),
            t: t.to_vec(),
            weights: weights.to_vec(),
        })
    }

    /// Merges identical (x, t_x, T) rows into one row whose weight is the sum; drops rows of
    /// weight 0. Row order becomes sorted by (x, t_x, T). The log-likelihood of any model is
    /// unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::BtydData;
    /// let d = BtydData::new(&[0.0, 0.0, 1.0], &[0.0, 0.0, 2.0], &[5.0, 5.0, 5.0]).unwrap();
    /// let c = d.compress();
    /// assert_eq!(c.weights(), &[2.0, 1.0]);
    /// ```
    pub fn compress(&self) -> Self {
        let ([x, t_x, t], weights) = compress_rows([&self.x, &self.t_x, &self.t], &self.weights);
        Self { x, t_x, t, weights }
    }

    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::BtydData;
    /// assert_eq!(BtydData::new(&[0.0], &[0.0], &[1.0]).unwrap().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Always false: a valid value has at least one row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::BtydData;
    /// assert!(!BtydData::new(&[0.0], &[0.0], &[1.0]).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Repeat purchases per row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::BtydData;
    /// assert_eq!(BtydData::new(&[4.0], &[3.0], &[9.0]).unwrap().x(), &[4.0]);
    /// ```
    pub fn x(&self) -> &[f64] {
        &self.x
    }

    /// Age at the last purchase per row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::BtydData;
    /// assert_eq!(BtydData::new(&[4.0], &[3.0], &[9.0]).unwrap().t_x(), &[3.0]);
    /// ```
    pub fn t_x(&self) -> &[f64] {
        &self.t_x
    }

    /// Age at the end of observation (T) per row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::BtydData;
    /// assert_eq!(BtydData::new(&[4.0], &[3.0], &[9.0]).unwrap().t(), &[9.0]);
    /// ```
    pub fn t(&self) -> &[f64] {
        &self.t
    }

    /// Row weights.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::BtydData;
    /// assert_eq!(BtydData::new(&[4.0], &[3.0], &[9.0]).unwrap().weights(), &[1.0]);
    /// ```
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Sum of the weights (the number of customers).
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::BtydData;
    /// assert_eq!(BtydData::new(&[4.0, 0.0], &[3.0, 0.0], &[9.0, 9.0]).unwrap().total_weight(), 2.0);
    /// ```
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }

    /// The largest T.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::BtydData;
    /// assert_eq!(BtydData::new(&[4.0, 0.0], &[3.0, 0.0], &[9.0, 12.0]).unwrap().max_t(), 12.0);
    /// ```
    pub fn max_t(&self) -> f64 {
        self.t.iter().fold(0.0, |m, v| m.max(*v))
    }

    /// [`CrmkitError::Uninformative`] when no customer made a repeat purchase: the purchase rate
    /// then runs to 0 and the dropout process is not identified.
    pub(crate) fn check_informative(&self, model: &str) -> Result<()> {
        if self
            .x
            .iter()
            .zip(&self.weights)
            .all(|(&x, &w)| x == 0.0 || w == 0.0)
        {
            return Err(CrmkitError::Uninformative {
                model: model.to_owned(),
                reason: "no customer made a repeat purchase (every x = 0), so the purchase rate \
                         runs to 0 and the dropout process is not identified"
                    .to_owned(),
            });
        }
        Ok(())
    }

    /// Method-of-moments estimates (r, α) of the gamma–Poisson purchase process, ignoring
    /// dropout, in the data's time unit: the pooled rate λ̂ = Σwx / ΣwT gives r / α, and the
    /// excess of Σw(x − λ̂T)² over its Poisson part Σwλ̂T, which is λ̂² ΣwT² / r, gives r
    /// (clamped to [0.05, 10]). `None` when no row has a repeat purchase. The transaction models
    /// start their fits here: on CDNOW it halves the BG/NBD evaluations (31 to 14) and keeps
    /// Pareto/NBD away from the region where its series are long.
    pub(crate) fn nbd_moments(&self) -> Option<(f64, f64)> {
        let (mut wx, mut wt, mut wt2) = (0.0, 0.0, 0.0);
        for (x, _, t, w) in self.rows() {
            wx += w * x;
            wt += w * t;
            wt2 += w * t * t;
        }
        let rate = wx / wt;
        if !(rate.is_finite() && rate > 0.0) {
            return None;
        }
        let excess: f64 = self
            .rows()
            .map(|(x, _, t, w)| w * ((x - rate * t).powi(2) - rate * t))
            .sum();
        let r = if excess > 0.0 {
            (rate * rate * wt2 / excess).clamp(0.05, 10.0)
        } else {
            10.0
        };
        Some((r, r / rate))
    }

    /// The log-likelihood in the data's time unit of a transaction model whose log-likelihood on
    /// the fitting scale (times and rate parameters divided by `scale`) is `scaled`. Each row's
    /// likelihood (without the t_x^(x−1)/Γ(x) factor) has the dimension time^(−x): the fitted
    /// α^r / (α + T)^(r+x) gains scale^x when α and T shrink by `scale`, so ℓ = ℓ_scaled − Σwx ln
    /// `scale`. This spares a last pass over the rows (tested against that pass to 1e-9).
    pub(crate) fn unscaled_log_likelihood(&self, scaled: f64, scale: f64) -> f64 {
        let wx: f64 = self.rows().map(|(x, _, _, w)| w * x).sum();
        scaled - wx * scale.ln()
    }

    /// The first and the second half of the rows (in order), the two parts of a fit's
    /// likelihood.
    pub(crate) fn halves(&self) -> [Self; 2] {
        self.split_at(self.len() / 2)
    }

    /// Rows `0..mid` and `mid..` (in order).
    pub(crate) fn split_at(&self, mid: usize) -> [Self; 2] {
        let mid = mid.min(self.len());
        let part = |range: std::ops::Range<usize>| Self {
            x: self.x[range.clone()].to_vec(),
            t_x: self.t_x[range.clone()].to_vec(),
            t: self.t[range.clone()].to_vec(),
            weights: self.weights[range].to_vec(),
        };
        [part(0..mid), part(mid..self.len())]
    }

    /// The same data with every time divided by `scale` (used for fitting on max T = 1).
    pub(crate) fn rescaled(&self, scale: f64) -> Self {
        Self {
            x: self.x.clone(),
            t_x: self.t_x.iter().map(|v| v / scale).collect(),
            t: self.t.iter().map(|v| v / scale).collect(),
            weights: self.weights.clone(),
        }
    }

    /// Iterates (x, t_x, T, weight).
    pub(crate) fn rows(&self) -> impl Iterator<Item = (f64, f64, f64, f64)> + '_ {
        self.x
            .iter()
            .zip(&self.t_x)
            .zip(&self.t)
            .zip(&self.weights)
            .map(|(((&x, &r), &t), &w)| (x, r, t, w))
    }
}

/// The distinct times of a data set (all t_x and T values, ascending) and, per row, the index
/// of its t_x and of its T among them: a likelihood evaluated many times on the same data
/// computes each ln(α + τ) once per distinct τ instead of twice per row.
pub(crate) struct TimeIndex {
    /// Distinct t_x and T values, ascending.
    pub times: Vec<f64>,
    /// Per row, the index of its t_x in `times`.
    pub t_x: Vec<usize>,
    /// Per row, the index of its T in `times`.
    pub t: Vec<usize>,
}

impl BtydData {
    /// The distinct times and per-row indices into them: one [`distinct_index`] over all t_x
    /// and T values.
    pub(crate) fn time_index(&self) -> TimeIndex {
        let all: Vec<f64> = self.t_x.iter().chain(&self.t).copied().collect();
        let (times, mut index) = distinct_index(&all);
        let t = index.split_off(self.len());
        TimeIndex {
            times,
            t_x: index,
            t,
        }
    }
}

/// The distinct values of `values` (ascending; −0.0 as 0.0) and each value's index among them.
/// Sorted input (x after compression) takes one linear pass; otherwise each value gets a
/// number in order of first appearance through a [`KeyNumbering`] and only the distinct values are
/// sorted (CDNOW's 2,032 times: 300 distinct), instead of sorting everything and searching
/// for each value.
pub(crate) fn distinct_index(values: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let keys: Vec<u64> = values.iter().map(|&v| order_key(v)).collect();
    if keys.is_sorted() {
        let mut distinct: Vec<f64> = Vec::new();
        let mut index = Vec::with_capacity(keys.len());
        for (i, &k) in keys.iter().enumerate() {
            if i == 0 || k != keys[i - 1] {
                distinct.push(from_order_key(k));
            }
            index.push(distinct.len() - 1);
        }
        return (distinct, index);
    }
    let mut numbers = KeyNumbering::<1>::with_capacity(keys.len().min(1 << 15));
    let index: Vec<usize> = keys.iter().map(|&k| numbers.number([k]) as usize).collect();
    let first: Vec<u64> = numbers.into_keys().into_iter().map(|[k]| k).collect();
    let mut order: Vec<usize> = (0..first.len()).collect();
    order.sort_unstable_by_key(|&i| first[i]);
    let mut rank = vec![0; first.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    (
        order.iter().map(|&i| from_order_key(first[i])).collect(),
        index.into_iter().map(|i| rank[i]).collect(),
    )
}

/// Merges equal rows of `N` columns (summing weights), drops zero weights and sorts the distinct
/// rows by their values, first column first. Rows are numbered through a [`KeyNumbering`] first,
/// so only the distinct rows are sorted (CDNOW × 100: 1,016 of 235,700).
fn compress_rows<const N: usize>(cols: [&[f64]; N], w: &[f64]) -> ([Vec<f64>; N], Vec<f64>) {
    // order keys turn −0.0 into 0.0, so equal values share one key
    let mut numbers = KeyNumbering::<N>::with_capacity(w.len().min(1 << 10));
    let mut weights: Vec<f64> = Vec::new();
    for (i, &wi) in w.iter().enumerate() {
        if wi > 0.0 {
            let k = numbers.number(std::array::from_fn(|j| order_key(cols[j][i]))) as usize;
            if k == weights.len() {
                weights.push(0.0);
            }
            weights[k] += wi;
        }
    }
    // integer keys compare faster than chained `total_cmp` (CDNOW: 20 instead of 70 µs)
    let mut rows: Vec<([u64; N], f64)> = numbers.into_keys().into_iter().zip(weights).collect();
    rows.sort_unstable_by_key(|p| p.0);
    let columns = std::array::from_fn(|j| rows.iter().map(|r| from_order_key(r.0[j])).collect());
    (columns, rows.into_iter().map(|r| r.1).collect())
}

/// An integer whose order is `f64::total_cmp`'s, of `v + 0.0` (so −0.0 and 0.0 share a key).
fn order_key(v: f64) -> u64 {
    let bits = (v + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The inverse of [`order_key`].
fn from_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Distinct rows per task of the parallel validation in [`CompressedBtyd::new`].
const VALIDATE_BLOCK: usize = 1 << 15;
/// From this many distinct rows [`CompressedBtyd::new`] validates on several threads (it
/// validated every input row until 2026-12-07: CDNOW × 100, 235,700 rows, 8 tasks).
const VALIDATE_PARALLEL_ROWS: usize = 1 << 17;
/// Rows between two looks at the interrupt hook while hashing (about a millisecond of work).
const POLL_ROWS: usize = 1 << 16;
/// Distinct rows per task of [`CompressedBtyd::map`], each task looking at the interrupt hook
/// first: CDNOW's 1,016 distinct rows make 4 tasks, which two threads share evenly.
const MAP_BLOCK: usize = 256;
/// From this many input rows the hashing is split over threads, one block of rows each (CDNOW
/// × 100, 235,700 rows: 2.0 ms on one thread).
const PARALLEL_HASH_ROWS: usize = 1 << 17;
/// The shortest time between two calls of the interrupt hook from one thread.
const POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(20);

/// Calls an [`Interrupt`] hook at most every [`POLL_INTERVAL`] from one thread.
struct Poll<'a> {
    interrupt: &'a Interrupt,
    last: std::time::Instant,
}

impl<'a> Poll<'a> {
    fn new(interrupt: &'a Interrupt) -> Self {
        Self {
            interrupt,
            last: std::time::Instant::now(),
        }
    }

    /// [`CrmkitError::Interrupted`] when the hook asks to stop.
    fn check(&mut self, what: &str) -> Result<()> {
        if self.last.elapsed() >= POLL_INTERVAL {
            self.last = std::time::Instant::now();
            if self.interrupt.should_stop() {
                return Err(CrmkitError::Interrupted {
                    model: what.to_owned(),
                    iterations: 0,
                });
            }
        }
        Ok(())
    }
}

/// [`Poll`] for the tasks of one parallel pass: whichever task comes first after
/// [`POLL_INTERVAL`] calls the hook, and once it asks to stop every later task stops too.
struct SharedPoll<'a> {
    interrupt: &'a Interrupt,
    start: std::time::Instant,
    /// Nanoseconds after `start` from which the hook is called again.
    next: std::sync::atomic::AtomicU64,
    stopped: std::sync::atomic::AtomicBool,
}

impl<'a> SharedPoll<'a> {
    fn new(interrupt: &'a Interrupt) -> Self {
        Self {
            interrupt,
            start: std::time::Instant::now(),
            next: std::sync::atomic::AtomicU64::new(POLL_INTERVAL.as_nanos() as u64),
            stopped: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// [`CrmkitError::Interrupted`] when the hook asks (or asked) to stop.
    fn check(&self, what: &str) -> Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        let interrupted = || CrmkitError::Interrupted {
            model: what.to_owned(),
            iterations: 0,
        };
        if self.stopped.load(Relaxed) {
            return Err(interrupted());
        }
        let now = self.start.elapsed().as_nanos() as u64;
        let next = self.next.load(Relaxed);
        let interval = POLL_INTERVAL.as_nanos() as u64;
        if now >= next
            && self
                .next
                .compare_exchange(next, now + interval, Relaxed, Relaxed)
                .is_ok()
            && self.interrupt.should_stop()
        {
            self.stopped.store(true, Relaxed);
            return Err(interrupted());
        }
        Ok(())
    }
}

/// Distinct row keys, the first input row of each, and each input row's distinct row.
type DistinctKeys<const N: usize> = (Vec<[u64; N]>, Vec<usize>, Vec<u32>);

/// The distinct rows of `N` parallel columns: their keys ([`order_key`] of each value, so −0.0
/// and 0.0 are one value) numbered in order of first appearance, per distinct row the first
/// input row holding it, and per input row its distinct row.
///
/// From [`PARALLEL_HASH_ROWS`] rows the rows are cut into one contiguous block per thread, each
/// numbered in its own [`KeyNumbering`] on the pool; then the blocks' distinct keys are numbered
/// in the first block's table, block after block (a look-up per distinct key of a block, not
/// per row), and each block's rows are renumbered through that small map. The result is the
/// one-table numbering exactly, whatever the thread count.
fn distinct_keys<const N: usize>(
    cols: [&[f64]; N],
    interrupt: &Interrupt,
) -> Result<DistinctKeys<N>> {
    let n = cols[0].len();
    if u32::try_from(n).is_err() {
        return Err(CrmkitError::invalid_config(
            "x",
            n,
            "at most 4,294,967,295 customer rows can be compressed at once",
        ));
    }
    let threads = crate::runtime::parallel::num_threads().max(1);
    let block = if n >= PARALLEL_HASH_ROWS {
        n.div_ceil(threads)
    } else {
        n.max(1)
    };
    distinct_keys_in_blocks(cols, interrupt, block)
}

/// [`distinct_keys`] with the rows cut into blocks of `block` rows (the same result for any
/// block size).
fn distinct_keys_in_blocks<const N: usize>(
    cols: [&[f64]; N],
    interrupt: &Interrupt,
    block: usize,
) -> Result<DistinctKeys<N>> {
    let n = cols[0].len();
    let key = |row: usize| -> [u64; N] { std::array::from_fn(|j| order_key(cols[j][row])) };
    // per block: its numbering, the first row of each of its keys and its rows' local numbers
    type Block<const N: usize> = (KeyNumbering<N>, Vec<usize>, Vec<u32>);
    let blocks: Vec<Result<Block<N>>> =
        crate::runtime::parallel::map_blocks(n, block, PARALLEL_HASH_ROWS, |start, end| {
            let mut poll = Poll::new(interrupt);
            // grown as needed: summaries often repeat, and a table sized for every row would
            // cost fresh (faulted-in) pages on each call
            let mut numbers = KeyNumbering::with_capacity((end - start).min(1 << 10));
            let mut firsts = Vec::new();
            let mut local = Vec::with_capacity(end - start);
            for row in start..end {
                if row % POLL_ROWS == POLL_ROWS - 1 {
                    poll.check("compressing customer summaries")?;
                }
                let id = numbers.number(key(row));
                if id as usize == firsts.len() {
                    firsts.push(row);
                }
                local.push(id);
            }
            Ok((numbers, firsts, local))
        });
    let mut blocks = blocks.into_iter();
    let Some(first_block) = blocks.next() else {
        return Ok(Default::default());
    };
    let (mut numbers, mut firsts, mut index) = first_block?;
    let mut poll = Poll::new(interrupt);
    for later in blocks {
        let (block_numbers, block_firsts, local) = later?;
        poll.check("compressing customer summaries")?;
        let global: Vec<u32> = block_numbers
            .into_keys()
            .into_iter()
            .zip(block_firsts)
            .map(|(key, first)| {
                let id = numbers.number(key);
                if id as usize == firsts.len() {
                    firsts.push(first);
                }
                id
            })
            .collect();
        index.extend(local.into_iter().map(|l| global[l as usize]));
    }
    Ok((numbers.into_keys(), firsts, index))
}

/// Rows per task of [`map_rows_remembered`].
const MEMO_BLOCK: usize = 1 << 14;
/// Rows at the start of a block after which [`map_rows_remembered`] decides whether
/// remembering values pays.
const MEMO_TRIAL: usize = 1024;
/// From this many rows [`map_rows_remembered`] runs its blocks on the pool.
const MEMO_PARALLEL_ROWS: usize = 1 << 15;
/// Blocks shorter than this are evaluated row by row: a table for a few thousand rows costs
/// its allocation, growth and a hash per row whatever the repeats save (CDNOW's 2,357 rows
/// with 1,016 distinct: BG/NBD P(alive) took 0.078 ms remembered, 0.067 ms row by row).
const MEMO_MIN_ROWS: usize = 1 << 12;

/// `f(x, t_x, T)` of every row, for closed forms of a few logarithms per row (BG/NBD and
/// MBG/NBD P(alive)): within each block of 16,384 rows the value of every distinct row met so
/// far is remembered (hashed by the bits of its three values), so a repeated row costs a table
/// look-up instead of an evaluation — one pass, with no merging, sorting or spreading back.
/// When more than half of a block's first 1,024 rows are distinct, the rest of the block is
/// evaluated row by row, and so is a block of fewer than 4,096 rows (an input that short
/// gains less from repeats than the table costs). Blocks run on the pool from 32,768 rows,
/// `interrupt` polled before each. The values are those of `f` on every row, bit for bit (a repeat has the same bits).
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BgNbdParams, Interrupt, TransactionModel, map_rows_remembered};
/// let p = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
/// let (x, t_x, t) = ([2.0, 0.0, 2.0], [30.43, 0.0, 30.43], [38.86; 3]);
/// let alive = map_rows_remembered(&x, &t_x, &t, &Interrupt::default(), |x, t_x, t| {
///     p.probability_alive_one(x, t_x, t)
/// })?;
/// assert_eq!(alive, p.probability_alive(&x, &t_x, &t)?);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`]; the error of `f` at the first row where it fails (its row
/// named); [`CrmkitError::Interrupted`] when `interrupt` asks to stop.
pub fn map_rows_remembered(
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    interrupt: &Interrupt,
    f: impl Fn(f64, f64, f64) -> Result<f64> + Sync,
) -> Result<Vec<f64>> {
    CrmkitError::check_len("t_x", x.len(), t_x.len())?;
    CrmkitError::check_len("t", x.len(), t.len())?;
    let poll = SharedPoll::new(interrupt);
    let parts =
        crate::runtime::parallel::map_blocks(x.len(), MEMO_BLOCK, MEMO_PARALLEL_ROWS, |s, e| {
            poll.check("prediction")?;
            let one = |row: usize| f(x[row], t_x[row], t[row]).map_err(|err| at_row(err, row));
            let mut out = Vec::with_capacity(e - s);
            let mut seen: FxHashMap<[u64; 3], f64> = FxHashMap::default();
            let trial = (s + MEMO_TRIAL).min(e);
            // remember values while the first rows of the block repeat enough to pay for it
            let mut remember = e - s >= MEMO_MIN_ROWS;
            for row in s..e {
                if row == trial && 2 * seen.len() > trial - s {
                    remember = false;
                }
                if !remember {
                    out.push(one(row)?);
                    continue;
                }
                let key = [x[row].to_bits(), t_x[row].to_bits(), t[row].to_bits()];
                let v = match seen.get(&key) {
                    Some(&v) => v,
                    None => {
                        let v = one(row)?;
                        seen.insert(key, v);
                        v
                    }
                };
                out.push(v);
            }
            Ok::<_, CrmkitError>(out)
        });
    let mut values = Vec::with_capacity(x.len());
    for part in parts {
        values.extend(part?);
    }
    Ok(values)
}

/// Customer summaries (x, t_x, T) hashed ONCE into their distinct rows, with each input row's
/// distinct row: fit a model on [`CompressedBtyd::distinct`] (already compressed, so with
/// [`FitOptions::compress`](crate::clv::FitOptions) off) and evaluate predictions once per
/// distinct row with [`CompressedBtyd::map`], spread back to every input row.
///
/// A simulated million customers at daily resolution hold about 335,000 distinct rows; merging
/// them costs more than a closed-form prediction, so a pipeline (fits, then P(alive), expected
/// purchases and CLV) pays it once here instead of once per call. The value owns copies of its
/// data: changing the caller's arrays afterwards changes nothing.
///
/// The distinct rows are sorted by (x, T, t_x), their weights are the sums of the input
/// weights (1 per row without weights; rows of weight 0 are kept, with weight 0, so that every
/// input row has a prediction). Rows are validated as in [`BtydData::new`]; errors name the
/// input row.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BgNbd, CompressedBtyd, FitOptions, Interrupt, TransactionModel};
/// let (x, t_x, t) = ([2.0, 0.0, 2.0, 1.0], [30.0, 0.0, 30.0, 12.0], [38.0, 38.0, 38.0, 38.0]);
/// let c = CompressedBtyd::new(&x, &t_x, &t, None, &Interrupt::default()).unwrap();
/// assert_eq!((c.rows(), c.distinct_rows()), (4, 3));
/// let d = c.distinct().unwrap();
/// assert_eq!(d.x(), &[0.0, 1.0, 2.0]); // sorted
/// assert_eq!(d.weights(), &[1.0, 1.0, 2.0]);
/// // rows of (x, t_x) in weeks at T = 38 with the number of customers sharing each
/// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
/// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
/// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
/// let many = CompressedBtyd::new(&x, &t_x, &[38.0; 10], Some(&n), &Interrupt::default()).unwrap();
/// let opts = FitOptions { compress: false, ..FitOptions::default() };
/// let fit = BgNbd::fit(many.distinct().unwrap(), &opts).unwrap();
/// let alive = c.map(0, &Interrupt::default(), |x, t_x, t| fit.params.probability_alive(x, t_x, t)).unwrap();
/// assert_eq!(alive.len(), 4);
/// assert_eq!(alive[0], alive[2]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CompressedBtyd {
    distinct: BtydData,
    /// Per input row, its distinct row.
    index: Vec<u32>,
    /// Per distinct row, the first input row holding it (for errors).
    first: Vec<usize>,
}

impl CompressedBtyd {
    /// Validates and compresses customer summaries, with optional weights per row (the number
    /// of customers each row stands for). `interrupt` is polled while hashing (from each
    /// worker thread, at most every 20 ms per thread).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{CompressedBtyd, Interrupt};
    /// let c = CompressedBtyd::new(&[1.0, 1.0], &[4.0, 4.0], &[9.0, 9.0], Some(&[2.0, 3.0]), &Interrupt::default()).unwrap();
    /// assert_eq!(c.distinct().unwrap().weights(), &[5.0]);
    /// let err = CompressedBtyd::new(&[1.0, 1.5], &[4.0, 4.0], &[9.0, 9.0], None, &Interrupt::default()).unwrap_err();
    /// assert_eq!((err.field(), err.row()), (Some("x"), Some(1)));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`BtydData::with_weights`] (errors name the input row);
    /// [`CrmkitError::Interrupted`] when `interrupt` asks to stop.
    pub fn new(
        x: &[f64],
        t_x: &[f64],
        t: &[f64],
        weights: Option<&[f64]>,
        interrupt: &Interrupt,
    ) -> Result<Self> {
        if x.is_empty() {
            return Err(CrmkitError::empty("x"));
        }
        CrmkitError::check_len("t_x", x.len(), t_x.len())?;
        CrmkitError::check_len("t", x.len(), t.len())?;
        if let Some(w) = weights {
            CrmkitError::check_len("weights", x.len(), w.len())?;
        }
        let (keys, first, index) = distinct_keys([x, t_x, t], interrupt)?;
        // Validation of the distinct rows only, read from their keys (in order, not gathered
        // from the input: 1 M rows with 335,000 distinct ones took 40 ms longer that way).
        // Rows with one key hold the same values, −0.0 and 0.0 aside, which the checks treat
        // alike; so the first bad input row is the first row of a bad distinct row, and its
        // error, made again from that input row, names the row, field and value a row-by-row
        // check would (CDNOW × 100: 1,016 checks instead of 235,700). In parallel blocks from
        // VALIDATE_PARALLEL_ROWS distinct rows.
        let bad = crate::runtime::parallel::map_blocks(
            keys.len(),
            VALIDATE_BLOCK,
            VALIDATE_PARALLEL_ROWS,
            |start, end| {
                (start..end)
                    .filter(|&i| {
                        let [kx, ktx, kt] = keys[i];
                        let row = first[i];
                        check_customer(
                            row,
                            from_order_key(kx),
                            from_order_key(ktx),
                            from_order_key(kt),
                        )
                        .is_err()
                    })
                    .map(|i| first[i])
                    .min()
            },
        );
        if let Some(row) = bad.into_iter().flatten().min() {
            check_customer(row, x[row], t_x[row], t[row])?;
        }
        if let Some(w) = weights {
            check_weights(w)?;
        }
        let mut poll = Poll::new(interrupt);
        poll.check("compressing customer summaries")?;
        // sort the distinct rows by (x, T, t_x) and renumber: the fits' caches want rows of one
        // x together, and the predictions share their per-(x, T) part (the expectation given
        // alive, the discounted monthly path) among neighbouring rows of one block. (The keys
        // are distinct, so the pairs sort by key; sorting them directly, not indices into
        // them, keeps the comparisons in cache.)
        let mut pairs: Vec<([u64; 3], u32)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| ([k[0], k[2], k[1]], i as u32))
            .collect();
        pairs.sort_unstable();
        poll.check("compressing customer summaries")?;
        let order: Vec<u32> = pairs.iter().map(|p| p.1).collect();
        let mut rank = vec![0u32; keys.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        let mut index = index;
        let mut counts = vec![0.0; keys.len()];
        // renumber and count in one pass (the rank table is small and stays in cache)
        match weights {
            Some(w) => index.iter_mut().zip(w).for_each(|(k, &w)| {
                *k = rank[*k as usize];
                counts[*k as usize] += w;
            }),
            None => index.iter_mut().for_each(|k| {
                *k = rank[*k as usize];
                counts[*k as usize] += 1.0;
            }),
        }
        let column =
            |j: usize| -> Vec<f64> { pairs.iter().map(|p| from_order_key(p.0[j])).collect() };
        let distinct = BtydData {
            x: column(0),
            t_x: column(2),
            t: column(1),
            weights: counts,
        };
        let first = order.iter().map(|&i| first[i as usize]).collect();
        Ok(Self {
            distinct,
            index,
            first,
        })
    }

    /// The distinct rows, sorted by (x, T, t_x), weighted by the customers sharing each: the
    /// data to fit on.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{CompressedBtyd, Interrupt};
    /// let c = CompressedBtyd::new(&[0.0, 0.0], &[0.0, 0.0], &[5.0, 5.0], None, &Interrupt::default()).unwrap();
    /// assert_eq!(c.distinct().unwrap().total_weight(), 2.0);
    /// // predictions take customers of age T = 0; a fit needs some T > 0
    /// let young = CompressedBtyd::new(&[0.0], &[0.0], &[0.0], None, &Interrupt::default()).unwrap();
    /// assert!(young.distinct().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming `t` when every T is 0 (a [`BtydData`] needs
    /// max T > 0).
    pub fn distinct(&self) -> Result<&BtydData> {
        let max_t = self.distinct.max_t();
        if max_t <= 0.0 {
            return Err(CrmkitError::invalid_config(
                "t",
                max_t,
                "the largest T must be > 0",
            ));
        }
        Ok(&self.distinct)
    }

    /// Number of distinct rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{CompressedBtyd, Interrupt};
    /// let c = CompressedBtyd::new(&[0.0, 0.0], &[0.0, 0.0], &[0.0, 5.0], None, &Interrupt::default()).unwrap();
    /// assert_eq!(c.distinct_rows(), 2);
    /// ```
    pub fn distinct_rows(&self) -> usize {
        self.distinct.len()
    }

    /// The distinct rows' columns (x, t_x, T, weights), sorted by (x, T, t_x); unlike
    /// [`CompressedBtyd::distinct`] also when every T is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{CompressedBtyd, Interrupt};
    /// let c = CompressedBtyd::new(&[1.0, 0.0], &[0.0, 0.0], &[0.0, 0.0], None, &Interrupt::default()).unwrap();
    /// assert_eq!(c.columns().0, &[0.0, 1.0]);
    /// ```
    pub fn columns(&self) -> (&[f64], &[f64], &[f64], &[f64]) {
        let d = &self.distinct;
        (&d.x, &d.t_x, &d.t, &d.weights)
    }

    /// Number of input rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{CompressedBtyd, Interrupt};
    /// let c = CompressedBtyd::new(&[0.0, 0.0], &[0.0, 0.0], &[5.0, 5.0], None, &Interrupt::default()).unwrap();
    /// assert_eq!(c.rows(), 2);
    /// ```
    pub fn rows(&self) -> usize {
        self.index.len()
    }

    /// Per input row, the number of its distinct row in [`CompressedBtyd::distinct`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{CompressedBtyd, Interrupt};
    /// let c = CompressedBtyd::new(&[3.0, 0.0, 3.0], &[2.0, 0.0, 2.0], &[5.0; 3], None, &Interrupt::default()).unwrap();
    /// assert_eq!(c.index(), &[1, 0, 1]);
    /// ```
    pub fn index(&self) -> &[u32] {
        &self.index
    }

    /// Values of the distinct rows spread to every input row.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{CompressedBtyd, Interrupt};
    /// let c = CompressedBtyd::new(&[3.0, 0.0, 3.0], &[2.0, 0.0, 2.0], &[5.0; 3], None, &Interrupt::default()).unwrap();
    /// assert_eq!(c.spread(&[10.0, 20.0]).unwrap(), vec![20.0, 10.0, 20.0]);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] when `values` has not one value per distinct row.
    pub fn spread(&self, values: &[f64]) -> Result<Vec<f64>> {
        CrmkitError::check_len("values", self.distinct.len(), values.len())?;
        let mut out = vec![0.0; self.index.len()];
        crate::runtime::parallel::for_chunks_mut(&mut out, |offset, chunk| {
            let index = &self.index[offset..offset + chunk.len()];
            for (o, &k) in chunk.iter_mut().zip(index) {
                *o = values[k as usize];
            }
        });
        Ok(out)
    }

    /// Evaluates `f(x, t_x, T)` once per distinct row and returns its value for every input
    /// row. The distinct rows are evaluated in blocks of 256 rows, each block a task that
    /// whichever thread is free takes (on several threads from `min_parallel_rows` rows on; 0:
    /// the default of 512, for predictions that cost a special function or a series per row),
    /// and `interrupt` is polled before each block. An error of `f` about a row names the first
    /// input row holding it.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, CompressedBtyd, Interrupt, TransactionModel};
    /// let p = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// let c = CompressedBtyd::new(&[2.0, 2.0], &[30.43, 30.43], &[38.86, 38.86], None, &Interrupt::default()).unwrap();
    /// let e = c.map(0, &Interrupt::default(), |x, t_x, t| p.expected_purchases(39.0, x, t_x, t)).unwrap();
    /// assert!((e[1] - 1.226).abs() < 1e-3);
    /// ```
    ///
    /// # Errors
    ///
    /// The first error of `f`; [`CrmkitError::Interrupted`] when `interrupt` asks to stop.
    pub fn map(
        &self,
        min_parallel_rows: usize,
        interrupt: &Interrupt,
        f: impl Fn(&[f64], &[f64], &[f64]) -> Result<Vec<f64>> + Sync,
    ) -> Result<Vec<f64>> {
        let min = if min_parallel_rows == 0 {
            512
        } else {
            min_parallel_rows
        };
        let d = &self.distinct;
        // one task per block, taken by whichever thread is free: a few long chunks left one of
        // two threads with a chunk more (CDNOW's 1,016 rows in three chunks: a third idle)
        let poll = SharedPoll::new(interrupt);
        let parts = crate::runtime::parallel::map_blocks(d.len(), MAP_BLOCK, min, |lo, hi| {
            poll.check("prediction")?;
            let values = f(&d.x[lo..hi], &d.t_x[lo..hi], &d.t[lo..hi])
                .map_err(|err| err.map_row(|row| row + lo))?;
            CrmkitError::check_len("values", hi - lo, values.len())?;
            Ok::<_, CrmkitError>(values)
        });
        let mut values = Vec::with_capacity(d.len());
        for part in parts {
            values.extend(
                part.map_err(|err| err.map_row(|row| self.first.get(row).copied().unwrap_or(row)))?,
            );
        }
        self.spread(&values)
    }

    /// Per-customer intervals computed once per distinct row: `f` gets the distinct (x, t_x,
    /// T) columns (as [`crate::clv::probability_alive_intervals`] and
    /// [`crate::clv::expected_purchases_intervals`] take them), and its estimates and bounds
    /// are spread to every input row. The same values as `f` on the input rows (the interval
    /// functions merge equal rows themselves), without building those columns. An error of `f`
    /// about a row names the first input row holding it.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbd, BtydData, CompressedBtyd, FitOptions, Interrupt, IntervalOptions, probability_alive_intervals};
    /// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
    /// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
    /// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
    /// let fit = BgNbd::fit(&BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap(), &FitOptions::default()).unwrap();
    /// let (cx, ct_x, ct) = ([2.0, 0.0, 2.0], [30.0, 0.0, 30.0], [38.0; 3]);
    /// let c = CompressedBtyd::new(&cx, &ct_x, &ct, None, &Interrupt::default()).unwrap();
    /// let opts = IntervalOptions::default();
    /// let iv = c.map_intervals(|x, t_x, t| probability_alive_intervals(&fit, x, t_x, t, &opts)).unwrap();
    /// assert_eq!(iv, probability_alive_intervals(&fit, &cx, &ct_x, &ct, &opts).unwrap());
    /// ```
    ///
    /// # Errors
    ///
    /// The error of `f`; [`CrmkitError::LengthMismatch`] when `f` does not return one value
    /// per distinct row.
    pub fn map_intervals(
        &self,
        f: impl FnOnce(&[f64], &[f64], &[f64]) -> Result<super::PredictionIntervals>,
    ) -> Result<super::PredictionIntervals> {
        let d = &self.distinct;
        let iv = f(&d.x, &d.t_x, &d.t)
            .map_err(|err| err.map_row(|row| self.first.get(row).copied().unwrap_or(row)))?;
        Ok(super::PredictionIntervals {
            estimate: self.spread(&iv.estimate)?,
            lower: self.spread(&iv.lower)?,
            upper: self.spread(&iv.upper)?,
            ..iv
        })
    }

    /// The (x, t_x, T) columns of every input row (the distinct rows spread back), for
    /// computations keyed by more than the summary (a CLV with each customer's mean spend).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{CompressedBtyd, Interrupt};
    /// let c = CompressedBtyd::new(&[3.0, 0.0, 3.0], &[2.0, 0.0, 2.0], &[5.0; 3], None, &Interrupt::default()).unwrap();
    /// let (x, t_x, t) = c.expanded();
    /// assert_eq!((x, t_x, t), (vec![3.0, 0.0, 3.0], vec![2.0, 0.0, 2.0], vec![5.0; 3]));
    /// ```
    pub fn expanded(&self) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let d = &self.distinct;
        let column = |c: &[f64]| self.index.iter().map(|&k| c[k as usize]).collect();
        (column(&d.x), column(&d.t_x), column(&d.t))
    }
}

/// Repeat customers' frequency and mean spend for the Gamma–Gamma model: `x` ≥ 1 repeat
/// purchases and `mean_spend` > 0, the mean value of those repeat purchases (z̄), with weights.
///
/// # Examples
///
/// ```
/// use crmkit::clv::SpendData;
/// // customers with x = 0 are left out by `repeaters`
/// let d = SpendData::repeaters(&[2.0, 0.0, 1.0], &[22.35, 0.0, 11.77]).unwrap();
/// assert_eq!(d.len(), 2);
/// assert!(SpendData::new(&[0.0], &[10.0]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendData {
    x: Vec<f64>,
    mean_spend: Vec<f64>,
    weights: Vec<f64>,
}

impl SpendData {
    /// Validates repeat customers (every x ≥ 1), each with weight 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::SpendData;
    /// assert!(SpendData::new(&[3.0], &[25.0]).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`], [`CrmkitError::LengthMismatch`], or
    /// [`CrmkitError::InvalidValue`] when x is not a whole number ≥ 1 or a mean spend is not
    /// finite and > 0.
    pub fn new(x: &[f64], mean_spend: &[f64]) -> Result<Self> {
        Self::with_weights(x, mean_spend, &vec![1.0; x.len()])
    }

    /// Validates weighted repeat customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::SpendData;
    /// assert!(SpendData::with_weights(&[3.0], &[25.0], &[4.0]).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// As [`SpendData::new`], plus invalid weights.
    pub fn with_weights(x: &[f64], mean_spend: &[f64], weights: &[f64]) -> Result<Self> {
        if x.is_empty() {
            return Err(CrmkitError::empty("x"));
        }
        CrmkitError::check_len("mean_spend", x.len(), mean_spend.len())?;
        CrmkitError::check_len("weights", x.len(), weights.len())?;
        for (row, (&xi, &mi)) in x.iter().zip(mean_spend).enumerate() {
            check_spend(row, xi, mi)?;
        }
        check_weights(weights)?;
        Ok(Self {
            x: x.to_vec(),
            mean_spend: mean_spend.to_vec(),
            weights: weights.to_vec(),
        })
    }

    /// Keeps the repeat customers (x > 0) of a full customer table and validates them; errors
    /// name the row of the full table.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::SpendData;
    /// let err = SpendData::repeaters(&[0.0, 2.0], &[0.0, -5.0]).unwrap_err();
    /// assert_eq!(err.row(), Some(1));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`]; [`CrmkitError::InvalidValue`] for an x that is not a whole
    /// number ≥ 0 or a repeater's mean spend that is not finite and > 0;
    /// [`CrmkitError::EmptyInput`] when nobody has x > 0.
    pub fn repeaters(x: &[f64], mean_spend: &[f64]) -> Result<Self> {
        CrmkitError::check_len("mean_spend", x.len(), mean_spend.len())?;
        // room for every row: pages are only touched as they are written
        let mut kept_x = Vec::with_capacity(x.len());
        let mut kept_m = Vec::with_capacity(x.len());
        for (row, (&xi, &mi)) in x.iter().zip(mean_spend).enumerate() {
            if !(xi.is_finite() && xi >= 0.0 && is_whole(xi)) {
                return Err(CrmkitError::invalid_value(
                    "x",
                    row,
                    xi,
                    "must be a finite whole number >= 0",
                ));
            }
            if xi > 0.0 {
                check_spend(row, xi, mi)?;
                kept_x.push(xi);
                kept_m.push(mi);
            }
        }
        if kept_x.is_empty() {
            return Err(CrmkitError::empty("x (repeat customers)"));
        }
        let weights = vec![1.0; kept_x.len()];
        Ok(Self {
            x: kept_x,
            mean_spend: kept_m,
            weights,
        })
    }

    /// Merges identical (x, mean spend) rows into weights.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::SpendData;
    /// let d = SpendData::new(&[1.0, 1.0], &[9.5, 9.5]).unwrap().compress();
    /// assert_eq!(d.len(), 1);
    /// ```
    pub fn compress(&self) -> Self {
        let ([x, mean_spend], weights) = compress_rows([&self.x, &self.mean_spend], &self.weights);
        Self {
            x,
            mean_spend,
            weights,
        }
    }

    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::SpendData;
    /// assert_eq!(SpendData::new(&[1.0], &[2.0]).unwrap().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Always false: a valid value has at least one row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::SpendData;
    /// assert!(!SpendData::new(&[1.0], &[2.0]).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Repeat purchases per row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::SpendData;
    /// assert_eq!(SpendData::new(&[1.0], &[2.0]).unwrap().x(), &[1.0]);
    /// ```
    pub fn x(&self) -> &[f64] {
        &self.x
    }

    /// Mean spend per repeat purchase per row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::SpendData;
    /// assert_eq!(SpendData::new(&[1.0], &[2.0]).unwrap().mean_spend(), &[2.0]);
    /// ```
    pub fn mean_spend(&self) -> &[f64] {
        &self.mean_spend
    }

    /// Row weights.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::SpendData;
    /// assert_eq!(SpendData::new(&[1.0], &[2.0]).unwrap().weights(), &[1.0]);
    /// ```
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Sum of the weights.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::SpendData;
    /// assert_eq!(SpendData::new(&[1.0, 4.0], &[2.0, 3.0]).unwrap().total_weight(), 2.0);
    /// ```
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }

    pub(crate) fn rows(&self) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        self.x
            .iter()
            .zip(&self.mean_spend)
            .zip(&self.weights)
            .map(|((&x, &m), &w)| (x, m, w))
    }
}

pub(crate) fn check_spend(row: usize, x: f64, mean_spend: f64) -> Result<()> {
    if !(x.is_finite() && x >= 1.0 && is_whole(x)) {
        return Err(CrmkitError::invalid_value(
            "x",
            row,
            x,
            "must be a whole number >= 1 (repeat customers only)",
        ));
    }
    if !(mean_spend.is_finite() && mean_spend > 0.0) {
        return Err(CrmkitError::invalid_value(
            "mean_spend",
            row,
            mean_spend,
            "must be finite and > 0",
        ));
    }
    Ok(())
}

/// A contractual cohort for the shifted-beta-geometric model: customers lost in each period
/// 1..=n and the customers still active after period n.
///
/// # Examples
///
/// ```
/// use crmkit::clv::RetentionData;
/// // Fader & Hardie (2007), "regular" customers, years 0–7, in percent of the cohort
/// let d = RetentionData::from_survival(&[100.0, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1], 1000.0).unwrap();
/// assert_eq!(d.periods(), 7);
/// assert!((d.lost()[0] - 369.0).abs() < 1e-9);
/// assert!((d.survivors() - 241.0).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionData {
    lost: Vec<f64>,
    survivors: f64,
}

impl RetentionData {
    /// From counts: `lost[i]` customers churned in period i + 1; `survivors` still active.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::RetentionData;
    /// assert!(RetentionData::from_counts(&[131.0, 126.0], 743.0).is_ok());
    /// assert!(RetentionData::from_counts(&[-1.0], 10.0).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`] without periods; [`CrmkitError::InvalidValue`] for a negative or
    /// non-finite count; [`CrmkitError::InvalidConfig`] when every count is 0.
    pub fn from_counts(lost: &[f64], survivors: f64) -> Result<Self> {
        if lost.is_empty() {
            return Err(CrmkitError::empty("lost"));
        }
        for (row, &v) in lost.iter().enumerate() {
            if !(v.is_finite() && v >= 0.0) {
                return Err(CrmkitError::invalid_value(
                    "lost",
                    row,
                    v,
                    "must be finite and >= 0",
                ));
            }
        }
        if !(survivors.is_finite() && survivors >= 0.0) {
            return Err(CrmkitError::invalid_config(
                "survivors",
                survivors,
                "must be finite and >= 0",
            ));
        }
        if lost.iter().sum::<f64>() + survivors <= 0.0 {
            return Err(CrmkitError::invalid_config(
                "lost",
                lost,
                "the cohort has no customers",
            ));
        }
        Ok(Self {
            lost: lost.to_vec(),
            survivors,
        })
    }

    /// From a survival curve: `survival[0]` is the starting level (100 for percentages, 1 for
    /// fractions, or a head count) and `survival[t]` the level after period t; the curve is scaled
    /// to a cohort of `cohort_size` customers. The fitted parameters do not depend on
    /// `cohort_size`; the standard errors do.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::RetentionData;
    /// let d = RetentionData::from_survival(&[1.0, 0.75, 0.5], 500.0).unwrap();
    /// assert_eq!(d.lost(), &[125.0, 125.0]);
    /// assert!(RetentionData::from_survival(&[100.0, 80.0, 85.0], 1000.0).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`] for fewer than two values; [`CrmkitError::InvalidValue`] for a
    /// non-finite or negative level, a first level of 0, or a level above the one before;
    /// [`CrmkitError::InvalidConfig`] for a cohort size that is not finite and > 0.
    pub fn from_survival(survival: &[f64], cohort_size: f64) -> Result<Self> {
        if survival.len() < 2 {
            return Err(CrmkitError::empty(
                "survival (at least the start and one period)",
            ));
        }
        if !(cohort_size.is_finite() && cohort_size > 0.0) {
            return Err(CrmkitError::invalid_config(
                "cohort_size",
                cohort_size,
                "must be finite and > 0",
            ));
        }
        let mut previous = f64::INFINITY;
        for (row, &v) in survival.iter().enumerate() {
            if !(v.is_finite() && v >= 0.0) {
                return Err(CrmkitError::invalid_value(
                    "survival",
                    row,
                    v,
                    "must be finite and >= 0",
                ));
            }
            if v > previous {
                return Err(CrmkitError::invalid_value(
                    "survival",
                    row,
                    v,
                    format!("must not exceed the previous level ({previous})"),
                ));
            }
            previous = v;
        }
        let start = survival.first().copied().unwrap_or(0.0);
        if start <= 0.0 {
            return Err(CrmkitError::invalid_value(
                "survival",
                0,
                start,
                "the starting level must be > 0",
            ));
        }
        let k = cohort_size / start;
        let lost = survival.windows(2).map(|w| k * (w[0] - w[1])).collect();
        let survivors = k * survival.last().copied().unwrap_or(0.0);
        Ok(Self { lost, survivors })
    }

    /// Number of observed periods n.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::RetentionData;
    /// assert_eq!(RetentionData::from_counts(&[1.0, 2.0], 5.0).unwrap().periods(), 2);
    /// ```
    pub fn periods(&self) -> usize {
        self.lost.len()
    }

    /// Customers lost in each period 1..=n.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::RetentionData;
    /// assert_eq!(RetentionData::from_counts(&[1.0, 2.0], 5.0).unwrap().lost(), &[1.0, 2.0]);
    /// ```
    pub fn lost(&self) -> &[f64] {
        &self.lost
    }

    /// Customers still active after period n.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::RetentionData;
    /// assert_eq!(RetentionData::from_counts(&[1.0, 2.0], 5.0).unwrap().survivors(), 5.0);
    /// ```
    pub fn survivors(&self) -> f64 {
        self.survivors
    }

    /// Size of the cohort (lost + survivors).
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::RetentionData;
    /// assert_eq!(RetentionData::from_counts(&[1.0, 2.0], 5.0).unwrap().cohort_size(), 8.0);
    /// ```
    pub fn cohort_size(&self) -> f64 {
        self.lost.iter().sum::<f64>() + self.survivors
    }
}

/// Checks one discrete-time customer summary (BG/BB).
pub(crate) fn check_discrete(row: usize, x: f64, t_x: f64, n: f64) -> Result<()> {
    let whole = |v: f64| v.is_finite() && v >= 0.0 && is_whole(v);
    if !whole(x) {
        return Err(CrmkitError::invalid_value(
            "x",
            row,
            x,
            "must be a finite whole number >= 0",
        ));
    }
    if !whole(t_x) || t_x < x {
        return Err(CrmkitError::invalid_value(
            "t_x",
            row,
            t_x,
            format!("must be a whole number >= x ({x})"),
        ));
    }
    if x == 0.0 && t_x != 0.0 {
        return Err(CrmkitError::invalid_value(
            "t_x",
            row,
            t_x,
            "must be 0 when x = 0",
        ));
    }
    if !whole(n) || n < t_x {
        return Err(CrmkitError::invalid_value(
            "n",
            row,
            n,
            format!("must be a whole number >= t_x ({t_x})"),
        ));
    }
    Ok(())
}

/// Customer summaries for the discrete-time BG/BB model: out of `n` transaction opportunities,
/// `x` had a transaction and the last one was opportunity `t_x` (0 when x = 0), with weights.
///
/// # Examples
///
/// ```
/// use crmkit::clv::DiscreteData;
/// let d = DiscreteData::with_weights(&[0.0, 1.0, 6.0], &[0.0, 1.0, 6.0], &[6.0; 3], &[3464.0, 1091.0, 1203.0]).unwrap();
/// assert_eq!(d.total_weight(), 5758.0);
/// assert!(DiscreteData::new(&[3.0], &[2.0], &[6.0]).is_err()); // t_x < x
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscreteData {
    x: Vec<f64>,
    t_x: Vec<f64>,
    n: Vec<f64>,
    weights: Vec<f64>,
}

impl DiscreteData {
    /// Validates unweighted summaries.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::DiscreteData;
    /// assert!(DiscreteData::new(&[2.0], &[5.0], &[6.0]).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`], [`CrmkitError::LengthMismatch`], or
    /// [`CrmkitError::InvalidValue`] naming the field and row when 0 ≤ x ≤ t_x ≤ n (whole numbers,
    /// t_x = 0 when x = 0) does not hold.
    pub fn new(x: &[f64], t_x: &[f64], n: &[f64]) -> Result<Self> {
        Self::with_weights(x, t_x, n, &vec![1.0; x.len()])
    }

    /// Validates weighted summaries.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::DiscreteData;
    /// assert!(DiscreteData::with_weights(&[2.0], &[5.0], &[6.0], &[-1.0]).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// As [`DiscreteData::new`], plus invalid weights.
    pub fn with_weights(x: &[f64], t_x: &[f64], n: &[f64], weights: &[f64]) -> Result<Self> {
        if x.is_empty() {
            return Err(CrmkitError::empty("x"));
        }
        CrmkitError::check_len("t_x", x.len(), t_x.len())?;
        CrmkitError::check_len("n", x.len(), n.len())?;
        CrmkitError::check_len("weights", x.len(), weights.len())?;
        for (row, ((&a, &b), &c)) in x.iter().zip(t_x).zip(n).enumerate() {
            check_discrete(row, a, b, c)?;
        }
        check_weights(weights)?;
        Ok(Self {
            x: x.to_vec(),
            t_x: t_x.to_vec(),
            n: n.to_vec(),
            weights: weights.to_vec(),
        })
    }

    /// Merges identical rows into weights.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::DiscreteData;
    /// let d = DiscreteData::new(&[1.0, 1.0], &[3.0, 3.0], &[6.0, 6.0]).unwrap().compress();
    /// assert_eq!(d.weights(), &[2.0]);
    /// ```
    pub fn compress(&self) -> Self {
        let ([x, t_x, n], weights) = compress_rows([&self.x, &self.t_x, &self.n], &self.weights);
        Self { x, t_x, n, weights }
    }

    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::DiscreteData;
    /// assert_eq!(DiscreteData::new(&[1.0], &[3.0], &[6.0]).unwrap().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Always false: a valid value has at least one row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::DiscreteData;
    /// assert!(!DiscreteData::new(&[1.0], &[3.0], &[6.0]).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Transactions per row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::DiscreteData;
    /// assert_eq!(DiscreteData::new(&[1.0], &[3.0], &[6.0]).unwrap().x(), &[1.0]);
    /// ```
    pub fn x(&self) -> &[f64] {
        &self.x
    }

    /// Opportunity of the last transaction per row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::DiscreteData;
    /// assert_eq!(DiscreteData::new(&[1.0], &[3.0], &[6.0]).unwrap().t_x(), &[3.0]);
    /// ```
    pub fn t_x(&self) -> &[f64] {
        &self.t_x
    }

    /// Transaction opportunities per row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::DiscreteData;
    /// assert_eq!(DiscreteData::new(&[1.0], &[3.0], &[6.0]).unwrap().n(), &[6.0]);
    /// ```
    pub fn n(&self) -> &[f64] {
        &self.n
    }

    /// Row weights.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::DiscreteData;
    /// assert_eq!(DiscreteData::new(&[1.0], &[3.0], &[6.0]).unwrap().weights(), &[1.0]);
    /// ```
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Sum of the weights.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::clv::DiscreteData;
    /// assert_eq!(DiscreteData::new(&[1.0], &[3.0], &[6.0]).unwrap().total_weight(), 1.0);
    /// ```
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }

    /// [`CrmkitError::Uninformative`] when every customer had n = 0 opportunities (the
    /// likelihood is 1 whatever the parameters) or none made a transaction (the transaction
    /// probability runs to 0 and dropout is not identified).
    pub(crate) fn check_informative(&self, model: &str) -> Result<()> {
        let used = || self.weights.iter().map(|&w| w > 0.0);
        if self.n.iter().zip(used()).all(|(&n, u)| n == 0.0 || !u) {
            return Err(CrmkitError::Uninformative {
                model: model.to_owned(),
                reason: "every customer has n = 0 transaction opportunities: the data carry no \
                         information about the parameters"
                    .to_owned(),
            });
        }
        if self.x.iter().zip(used()).all(|(&x, u)| x == 0.0 || !u) {
            return Err(CrmkitError::Uninformative {
                model: model.to_owned(),
                reason: "no customer made a transaction (every x = 0), so the transaction \
                         probability runs to 0 and dropout is not identified"
                    .to_owned(),
            });
        }
        Ok(())
    }

    pub(crate) fn rows(&self) -> impl Iterator<Item = (f64, f64, f64, f64)> + '_ {
        self.x
            .iter()
            .zip(&self.t_x)
            .zip(&self.n)
            .zip(&self.weights)
            .map(|(((&a, &b), &c), &w)| (a, b, c, w))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The first failing row of a row-by-row check (the reference for the error of
    /// [`CompressedBtyd::new`], which checks the distinct rows only).
    fn first_bad_row(x: &[f64], t_x: &[f64], t: &[f64]) -> Option<CrmkitError> {
        (0..x.len()).find_map(|r| check_customer(r, x[r], t_x[r], t[r]).err())
    }

    /// Above VALIDATE_PARALLEL_ROWS distinct rows (validation in parallel blocks): the first
    /// bad row wins over a later one in an earlier block of the sorted distinct rows.
    #[test]
    fn distinct_row_validation_in_parallel_blocks() {
        let n = VALIDATE_PARALLEL_ROWS + 70_000;
        let t: Vec<f64> = (0..n).map(|i| 40.0 + i as f64 * 1e-3).collect();
        let mut x: Vec<f64> = (0..n).map(|i| (i % 7) as f64 + 1.0).collect();
        let mut t_x = vec![5.0; n];
        t_x[150_001] = -2.0;
        x[160_000] = 0.5; // x sorts first: an earlier distinct row, a later input row
        x[7] = 1.0;
        let e = CompressedBtyd::new(&x, &t_x, &t, None, &Interrupt::default()).unwrap_err();
        assert_eq!((e.field(), e.row()), (Some("t_x"), Some(150_001)));
        assert_eq!(
            e.to_string(),
            first_bad_row(&x, &t_x, &t).unwrap().to_string()
        );
        t_x[150_001] = 5.0;
        let e = CompressedBtyd::new(&x, &t_x, &t, None, &Interrupt::default()).unwrap_err();
        assert_eq!((e.field(), e.row()), (Some("x"), Some(160_000)));
    }

    proptest::proptest! {
        /// Repeated summaries with bad values sprinkled in (repeats of a bad row, −0.0, NaN,
        /// fractions, t_x > T, t_x ≠ 0 at x = 0): the error names the field, row and value of
        /// the row-by-row check, whichever distinct row sorts first.
        #[test]
        fn distinct_row_validation_names_the_first_bad_row(
            rows in proptest::collection::vec((0u8..4, 0u8..3, 0u8..3), 1..400),
            bad in proptest::collection::vec((0usize..400, 0u8..6), 0..4),
        ) {
            let mut x: Vec<f64> = rows.iter().map(|r| f64::from(r.0)).collect();
            let mut t: Vec<f64> = rows.iter().map(|r| 30.0 + f64::from(r.2)).collect();
            let mut t_x: Vec<f64> = rows
                .iter()
                .zip(&x)
                .map(|(r, &x)| if x == 0.0 { if r.1 == 0 { -0.0 } else { 0.0 } } else { 10.0 * f64::from(r.1) })
                .collect();
            for &(at, kind) in &bad {
                let r = at % x.len();
                match kind {
                    0 => x[r] = 1.5,
                    1 => x[r] = f64::NAN,
                    2 => t_x[r] = t[r] + 1.0,
                    3 => { x[r] = 0.0; t_x[r] = 3.0; }
                    4 => t[r] = f64::INFINITY,
                    _ => x[r] = -1.0,
                }
            }
            let got = CompressedBtyd::new(&x, &t_x, &t, None, &Interrupt::default()).err();
            let want = first_bad_row(&x, &t_x, &t);
            proptest::prop_assert_eq!(got.as_ref().map(|e| (e.field(), e.row())), want.as_ref().map(|e| (e.field(), e.row())));
            proptest::prop_assert_eq!(got.map(|e| e.to_string()), want.map(|e| e.to_string()));
        }
    }

    #[test]
    fn whole_numbers_are_told_from_fractions_over_the_whole_range() {
        let two52 = 4_503_599_627_370_496.0_f64;
        for w in [
            0.0,
            -0.0,
            1.0,
            37.0,
            two52 - 1.0,
            two52,
            two52 * 2.0 + 2.0,
            1e300,
            f64::MAX,
        ] {
            assert!(is_whole(w), "{w}");
            assert_eq!(is_whole(w), w.fract() == 0.0);
        }
        for f in [
            0.5,
            1e-300,
            f64::MIN_POSITIVE,
            2.5,
            two52 - 0.5,
            1.0 + f64::EPSILON,
        ] {
            assert!(!is_whole(f), "{f}");
            assert_eq!(is_whole(f), f.fract() == 0.0);
        }
    }

    #[test]
    fn order_keys_sort_as_total_cmp_and_round_trip() {
        let mut values = vec![3.5, 0.0, -0.0, 1e-300, -2.0, 1e300, 0.25, -1e-310, 7.0];
        let keys: Vec<u64> = values.iter().map(|v| order_key(*v)).collect();
        for (v, k) in values.iter().zip(&keys) {
            assert_eq!(from_order_key(*k).to_bits(), (v + 0.0).to_bits());
        }
        let mut by_key = keys.clone();
        by_key.sort_unstable();
        values.sort_by(|a, b| (a + 0.0).total_cmp(&(b + 0.0)));
        let sorted: Vec<f64> = by_key.into_iter().map(from_order_key).collect();
        assert_eq!(sorted, values.iter().map(|v| v + 0.0).collect::<Vec<_>>());
    }

    #[test]
    fn time_index_lists_distinct_times_ascending_and_indexes_every_row() {
        // repeated times, t_x = T, t_x = 0 (as −0.0 too) and rows out of time order
        let t_x = [0.0, 2.5, -0.0, 7.0, 2.5, 1.0, 0.0];
        let t = [9.0, 9.0, 3.0, 7.0, 12.0, 3.0, 12.0];
        let d = BtydData::new(&[0.0, 1.0, 0.0, 4.0, 2.0, 1.0, 0.0], &t_x, &t).unwrap();
        let ti = d.time_index();
        assert_eq!(ti.times, vec![0.0, 1.0, 2.5, 3.0, 7.0, 9.0, 12.0]);
        for row in 0..t.len() {
            assert_eq!(ti.times[ti.t_x[row]], t_x[row]);
            assert_eq!(ti.times[ti.t[row]], t[row]);
        }
        // the linear path for sorted input agrees with the hashed one
        let sorted = [-0.0, 0.0, 0.0, 1.0, 1.0, 4.0];
        let shuffled = [4.0, 0.0, 1.0, -0.0, 1.0, 0.0];
        for values in [&sorted[..], &shuffled[..]] {
            let (distinct, index) = distinct_index(values);
            assert_eq!(distinct, vec![0.0, 1.0, 4.0]);
            assert!(distinct[0].is_sign_positive());
            for (v, i) in values.iter().zip(&index) {
                assert_eq!(distinct[*i], *v);
            }
        }
        assert_eq!(distinct_index(&[]), (vec![], vec![]));
    }

    /// Summaries with many repeated rows (and −0.0 for some zeros), from a fixed LCG.
    fn repeated_rows(n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut state = 12345u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        let (mut x, mut t_x, mut t) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            let age = 1.0 + next(300) as f64;
            let repeats = next(6) as f64;
            x.push(repeats);
            t_x.push(if repeats == 0.0 {
                if next(2) == 0 { -0.0 } else { 0.0 }
            } else {
                (next(age as u64) + 1) as f64
            });
            t.push(age);
        }
        (x, t_x, t)
    }

    #[test]
    fn compressed_rows_match_compress_and_spread_back_exactly() {
        // below and above the parallel threshold: the same rows and weights as `compress`, and
        // every input row finds its own summary again
        for n in [1_000, PARALLEL_HASH_ROWS + 7_001] {
            let (x, t_x, t) = repeated_rows(n);
            let c = CompressedBtyd::new(&x, &t_x, &t, None, &Interrupt::default()).unwrap();
            // the same rows and weights as `compress` (which sorts by (x, t_x, T))
            let reference = BtydData::new(&x, &t_x, &t).unwrap().compress();
            let sorted = |d: &BtydData| {
                let mut r: Vec<[u64; 4]> = d
                    .rows()
                    .map(|(a, b, c, w)| [a, c, b, w].map(order_key))
                    .collect();
                r.sort_unstable();
                r
            };
            assert_eq!(sorted(c.distinct().unwrap()), sorted(&reference), "n = {n}");
            let keys: Vec<[u64; 3]> = c
                .distinct()
                .unwrap()
                .rows()
                .map(|(a, b, c, _)| [a, c, b].map(order_key))
                .collect();
            assert!(keys.is_sorted(), "sorted by (x, T, t_x)");
            assert_eq!(c.rows(), n);
            let d = c.distinct().unwrap();
            for (row, &k) in c.index().iter().enumerate() {
                let k = k as usize;
                assert_eq!(
                    (d.x()[k], d.t_x()[k], d.t()[k]),
                    (x[row], t_x[row] + 0.0, t[row])
                );
            }
            // map spreads per-distinct values back and names the first input row in errors
            let v = c
                .map(0, &Interrupt::default(), |x, t_x, t| {
                    Ok(x.iter()
                        .zip(t_x)
                        .zip(t)
                        .map(|((a, b), c)| a + b * 1e3 + c * 1e6)
                        .collect())
                })
                .unwrap();
            for row in 0..n {
                assert_eq!(v[row], x[row] + t_x[row] * 1e3 + t[row] * 1e6);
            }
            let err = c
                .map(0, &Interrupt::default(), |x, _, _| {
                    x.iter()
                        .enumerate()
                        .map(|(i, &v)| {
                            if v == 5.0 {
                                Err(CrmkitError::invalid_value("x", i, v, "test"))
                            } else {
                                Ok(v)
                            }
                        })
                        .collect()
                })
                .unwrap_err();
            // the first failing distinct row (smallest T, t_x among x = 5), at its first input row
            let row = err.row().unwrap();
            assert_eq!(x[row], 5.0);
            let same = |r: usize| (x[r], t_x[r], t[r]) == (x[row], t_x[row], t[row]);
            assert_eq!((0..n).find(|&r| same(r)), Some(row));
            let smallest = (0..n)
                .filter(|&r| x[r] == 5.0)
                .min_by(|&a, &b| (t[a], t_x[a]).partial_cmp(&(t[b], t_x[b])).unwrap())
                .unwrap();
            assert_eq!((t_x[smallest], t[smallest]), (t_x[row], t[row]));
        }
    }

    #[test]
    fn compressed_rows_keep_zero_weights_and_name_the_input_row() {
        let c = CompressedBtyd::new(
            &[1.0, 0.0, 1.0],
            &[2.0, 0.0, 2.0],
            &[5.0, 5.0, 5.0],
            Some(&[0.0, 2.0, 0.0]),
            &Interrupt::default(),
        )
        .unwrap();
        assert_eq!(c.distinct().unwrap().weights(), &[2.0, 0.0]);
        assert_eq!(c.spread(&[7.0, 9.0]).unwrap(), vec![9.0, 7.0, 9.0]);
        let (mut x, t_x, t) = repeated_rows(PARALLEL_HASH_ROWS + 10);
        x[PARALLEL_HASH_ROWS + 3] = 2.5;
        let err = CompressedBtyd::new(&x, &t_x, &t, None, &Interrupt::default()).unwrap_err();
        assert_eq!(
            (err.field(), err.row()),
            (Some("x"), Some(PARALLEL_HASH_ROWS + 3))
        );
        let short = CompressedBtyd::new(&[1.0], &[0.5], &[1.0, 2.0], None, &Interrupt::default());
        assert!(matches!(short, Err(CrmkitError::LengthMismatch { .. })));
    }

    #[test]
    fn merged_remembered_and_row_by_row_alive_agree_bit_for_bit() {
        // how the rows are evaluated changes the time, never a value (±0.0 rows included)
        use crate::clv::{BgNbdParams, MbgNbdParams, TransactionModel};
        // 2,000 summaries repeated 33 times
        let (x, t_x, t) = repeated_rows(2000);
        let (x, t_x, t) = (x.repeat(33), t_x.repeat(33), t.repeat(33));
        let bg = BgNbdParams {
            r: 0.2426,
            alpha: 4.4136,
            a: 0.7930,
            b: 2.4261,
        };
        let mbg = MbgNbdParams {
            r: 0.2426,
            alpha: 4.4136,
            a: 0.7930,
            b: 2.4261,
        };
        let none = Interrupt::default();
        let c = CompressedBtyd::new(&x, &t_x, &t, None, &none).unwrap();
        let models: [&(dyn TransactionModel + Sync); 2] = [&bg, &mbg];
        let bits = |v: &[f64]| v.iter().map(|p| p.to_bits()).collect::<Vec<_>>();
        for m in models {
            let direct = m.probability_alive(&x, &t_x, &t).unwrap();
            let merged = c.map(0, &none, |x, t_x, t| m.probability_alive(x, t_x, t));
            assert_eq!(bits(&direct), bits(&merged.unwrap()), "{}", m.model_name());
            let one = |x, t_x, t| m.probability_alive_one(x, t_x, t);
            let remembered = map_rows_remembered(&x, &t_x, &t, &none, one).unwrap();
            assert_eq!(bits(&direct), bits(&remembered), "{}", m.model_name());
        }
        // rows that never repeat (row by row after the trial), and the first bad row named
        let (ux, ut_x, _) = repeated_rows(70_000);
        let ut: Vec<f64> = (0..ux.len()).map(|i| 400.0 + i as f64).collect();
        let one = |x, t_x, t| bg.probability_alive_one(x, t_x, t);
        let remembered = map_rows_remembered(&ux, &ut_x, &ut, &none, one).unwrap();
        assert_eq!(
            bits(&bg.probability_alive(&ux, &ut_x, &ut).unwrap()),
            bits(&remembered)
        );
        let mut bad = x.clone();
        bad[40_000] = 1.5;
        bad[50_000] = -1.0;
        let err = map_rows_remembered(&bad, &t_x, &t, &none, one).unwrap_err();
        assert_eq!((err.field(), err.row()), (Some("x"), Some(40_000)));
    }

    #[test]
    fn short_inputs_are_evaluated_row_by_row() {
        // below MEMO_MIN_ROWS every row is evaluated (no table), from there repeats are looked
        // up; the values and the row of an error are the same either way
        use crate::clv::{BgNbdParams, TransactionModel};
        use std::sync::atomic::{AtomicUsize, Ordering};
        let bg = BgNbdParams {
            r: 0.2426,
            alpha: 4.4136,
            a: 0.7930,
            b: 2.4261,
        };
        let none = Interrupt::default();
        let bits = |v: &[f64]| v.iter().map(|p| p.to_bits()).collect::<Vec<_>>();
        let (x, t_x, t) = repeated_rows(100);
        for n in [1, MEMO_MIN_ROWS - 1, MEMO_MIN_ROWS, 3 * MEMO_MIN_ROWS] {
            let rep = n.div_ceil(x.len());
            let (x, t_x, t) = (
                &x.repeat(rep)[..n],
                &t_x.repeat(rep)[..n],
                &t.repeat(rep)[..n],
            );
            let calls = AtomicUsize::new(0);
            let one = |x, t_x, t| {
                calls.fetch_add(1, Ordering::Relaxed);
                bg.probability_alive_one(x, t_x, t)
            };
            let remembered = map_rows_remembered(x, t_x, t, &none, one).unwrap();
            assert_eq!(
                bits(&bg.probability_alive(x, t_x, t).unwrap()),
                bits(&remembered)
            );
            let calls = calls.into_inner();
            if n < MEMO_MIN_ROWS {
                assert_eq!(calls, n, "{n} rows");
            } else {
                assert!(calls < n / 2, "{n} rows: {calls} evaluations");
            }
            let mut bad = x.to_vec();
            bad[n / 2] = -1.0;
            let one = |x, t_x, t| bg.probability_alive_one(x, t_x, t);
            let err = map_rows_remembered(&bad, t_x, t, &none, one).unwrap_err();
            assert_eq!(
                (err.field(), err.row()),
                (Some("x"), Some(n / 2)),
                "{n} rows"
            );
        }
    }

    /// Blocks numbered apart and merged give the one-table numbering exactly: keys in order of
    /// first appearance, their first rows, every row's number.
    #[test]
    fn distinct_keys_are_the_same_for_any_block_size() {
        let (mut x, t_x, t) = repeated_rows(5_000);
        x[17] = -0.0; // one value, whatever its sign of zero
        let one = distinct_keys_in_blocks([&x, &t_x, &t], &Interrupt::default(), x.len()).unwrap();
        assert!(one.0.len() > 100 && one.0.len() < 5_000);
        for block in [1, 7, 1_000, 2_500, 4_999] {
            let split =
                distinct_keys_in_blocks([&x, &t_x, &t], &Interrupt::default(), block).unwrap();
            assert_eq!(split, one, "block {block}");
        }
        let none = distinct_keys_in_blocks::<3>([&[], &[], &[]], &Interrupt::default(), 1).unwrap();
        assert!(none.0.is_empty() && none.2.is_empty());
    }

    #[test]
    fn compression_and_map_stop_when_interrupted() {
        let (x, t_x, t) = repeated_rows(4 * PARALLEL_HASH_ROWS);
        let stop = Interrupt::new(|| true);
        // the hook is looked at after 20 ms of hashing; a slow machine gets there, a fast one
        // may finish first: either way no wrong result
        match CompressedBtyd::new(&x, &t_x, &t, None, &stop) {
            Err(e) => assert!(matches!(e, CrmkitError::Interrupted { .. })),
            Ok(c) => assert_eq!(c.rows(), x.len()),
        }
        let c = CompressedBtyd::new(&x, &t_x, &t, None, &Interrupt::default()).unwrap();
        let slow = c.map(1, &stop, |x, _, _| {
            std::thread::sleep(std::time::Duration::from_millis(25));
            Ok(x.to_vec())
        });
        assert!(matches!(slow, Err(CrmkitError::Interrupted { .. })));
    }

    #[test]
    fn nbd_moments_recover_rate_and_shape() {
        // Equal T = 1: λ̂ = mean x, and Var x = λ̂ + λ̂²/r (negative binomial). x = 0, 0, 1, 3:
        // mean 1, Σ(x − 1)² = 6 over 4 rows, so 6 − 4 = λ̂² · 4 / r gives r = 2 and α = 2.
        let d = BtydData::new(&[0.0, 0.0, 1.0, 3.0], &[0.0, 0.0, 0.5, 0.9], &[1.0; 4]).unwrap();
        let (r, alpha) = d.nbd_moments().unwrap();
        assert!(
            (r - 2.0).abs() < 1e-12 && (alpha - 2.0).abs() < 1e-12,
            "{r} {alpha}"
        );
        // under-dispersed: r at its upper clamp; nobody repeats: no estimate
        let even = BtydData::new(&[1.0, 1.0], &[0.5, 0.5], &[1.0, 1.0]).unwrap();
        assert_eq!(even.nbd_moments().unwrap().0, 10.0);
        let none = BtydData::new(&[0.0, 0.0], &[0.0, 0.0], &[1.0, 2.0]).unwrap();
        assert!(none.nbd_moments().is_none());
    }
}
