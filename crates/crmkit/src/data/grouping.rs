//! Per-customer aggregation of a log straight from its id column, the way column stores run a
//! `GROUP BY`: radix-partitioned, each partition aggregated in its own cache-resident table.
//!
//! # How
//!
//! The rows are read in blocks (a bounded scratch, whatever the length of the log). In each
//! block, tasks on the pool read their rows in order, check them (the same rules as
//! [`crate::data::transactions::TransactionLog`]), hash the id once and append
//! `(key, day, amount, row)` to one of `2^bits` partitions chosen by the top bits of the hash.
//! Then every partition, on the pool, folds its rows into its own open-addressing table of
//! per-customer records: with about a thousand customers per partition the table and the
//! records stay in the core's cache, where a single table over a million customers misses the
//! cache on nearly every row. The tables persist from block to block. At the end the distinct
//! keys are sorted once (integers numerically, strings by their UTF-8 bytes), which numbers the
//! customers in ascending id order like [`crate::data::ids::CustomerIndex`], and the records are
//! gathered in that order.
//!
//! Every aggregate folded this way must be independent of the order of the rows (minima,
//! maxima, counts, exact sums), so the result is the same for any number of partitions, block
//! size, thread count and row order (tested against a one-table reference). String ids are
//! read once: the first 16 bytes are kept inline with the length and a hash of the rest, so ids
//! of up to 16 bytes are compared without reading the column again, and longer ones read their
//! bytes only when length, first 16 bytes and the hash of the rest all agree.

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::data::calendar::{Day, day_number_from_ticks};
use crate::data::transactions::{LogOptions, LogReport, Times, check_row};
use crate::math::exact_sum::Spills;
use crate::runtime::parallel;
use crate::{CrmkitError, Result};

/// Rows per block (the scratch holds one block of rows).
pub(crate) const BLOCK_ROWS: usize = 1 << 21;
/// Rows per task of the partition pass.
const TASK_ROWS: usize = 1 << 17;
/// The most partition bits.
const MAX_BITS: u32 = 10;
/// Rows per partition the partition count aims at (about a thousand customers at ten rows
/// each: a table and records of ~50 kB).
const ROWS_PER_PARTITION: usize = 8192;
/// The day of a row that only names its customer (after `as_of` and excluded).
const NO_DAY: Day = Day::MIN;

/// The partition bits for a log of `rows` rows.
pub(crate) fn partition_bits(rows: usize) -> u32 {
    let parts = (rows / ROWS_PER_PARTITION).max(1);
    (usize::BITS - 1 - parts.leading_zeros()).min(MAX_BITS)
}

/// A 64-bit mix (folded multiply): every output bit depends on every input bit.
#[inline(always)]
fn mix(x: u64) -> u64 {
    let m = u128::from(x) * 0x9E37_79B9_7F4A_7C15_u128;
    (m as u64) ^ ((m >> 64) as u64)
}

/// The full bytes of a row's id (strings longer than the inline part; unused for integers).
pub(crate) type FullId<'a> = &'a (dyn Fn(usize) -> &'a [u8] + Sync);

/// A customer key as the aggregation carries it.
pub(crate) trait GroupKey: Copy + Send + Sync + Default {
    /// The key's hash (top bits choose the partition, low bits the table slot).
    fn hash(&self) -> u64;
    /// Whether `self` (the key of `row`) equals `other` (the key of `other_row`).
    fn same(&self, row: usize, other: &Self, other_row: usize, full: FullId<'_>) -> bool;
    /// [`Self::same`] with `other`'s row looked up only when the bytes must be compared: the
    /// hot loop then loads no row for keys that hold their id whole.
    #[inline(always)]
    fn same_lazy(
        &self,
        row: usize,
        other: &Self,
        other_row: impl FnOnce() -> usize,
        full: FullId<'_>,
    ) -> bool {
        self.same(row, other, other_row(), full)
    }
    /// The order of ids; `in_full()` compares the two ids' full bytes (called only for keys
    /// that do not hold their id whole, so integer sorts never look up rows).
    fn order(&self, other: &Self, in_full: impl FnOnce() -> Ordering) -> Ordering;
    /// What the partition pass compares: a coarsening of the id order (`a.split() <
    /// b.split()` implies that `a` orders before `b`; equal splits may order either way).
    fn split(&self) -> Self::Split;
    /// The type of [`Self::split`]: an unsigned word, as narrow as the ids allow.
    type Split: SplitWord;
}

impl GroupKey for i64 {
    type Split = u64;
    #[inline(always)]
    fn split(&self) -> u64 {
        *self as u64 ^ 1 << 63
    }
    #[inline(always)]
    fn same_lazy(&self, _: usize, other: &Self, _: impl FnOnce() -> usize, _: FullId<'_>) -> bool {
        self == other
    }
    #[inline(always)]
    fn hash(&self) -> u64 {
        mix(*self as u64)
    }
    #[inline(always)]
    fn same(&self, _: usize, other: &Self, _: usize, _: FullId<'_>) -> bool {
        self == other
    }
    #[inline(always)]
    fn order(&self, other: &Self, _: impl FnOnce() -> Ordering) -> Ordering {
        self.cmp(other)
    }
}

impl GroupKey for i128 {
    type Split = u128;
    #[inline(always)]
    fn split(&self) -> u128 {
        *self as u128 ^ 1 << 127
    }
    #[inline(always)]
    fn same_lazy(&self, _: usize, other: &Self, _: impl FnOnce() -> usize, _: FullId<'_>) -> bool {
        self == other
    }
    #[inline(always)]
    fn hash(&self) -> u64 {
        mix(mix(*self as u64) ^ (*self >> 64) as u64)
    }
    #[inline(always)]
    fn same(&self, _: usize, other: &Self, _: usize, _: FullId<'_>) -> bool {
        self == other
    }
    #[inline(always)]
    fn order(&self, other: &Self, _: impl FnOnce() -> Ordering) -> Ordering {
        self.cmp(other)
    }
}

/// A string id: its first 16 bytes (big-endian words, zero-padded), its length and, for ids
/// longer than 16 bytes, a 32-bit hash of the bytes after the first 16. The key's hash is a
/// function of these 24 bytes, so it is computed where it is needed instead of travelling with
/// every row (a row's entry is then 40 bytes, not 48).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StrKey {
    head: [u64; 2],
    len: u32,
    /// A hash of the bytes after the first 16 (0 for ids of at most 16 bytes).
    tail: u32,
}

/// Ids longer than this many bytes are compared in full when their heads agree.
const INLINE: usize = 16;

impl StrKey {
    /// The key of `bytes`; `None` for ids of 4 GiB or more.
    #[inline]
    pub(crate) fn of(bytes: &[u8]) -> Option<Self> {
        let len = u32::try_from(bytes.len()).ok()?;
        let be = |b: &[u8]| {
            let mut w = [0u8; 8];
            w.copy_from_slice(b);
            u64::from_be_bytes(w)
        };
        let n = bytes.len();
        // two word loads for 8 bytes and more (the second shifted into place); bytes one by
        // one only for the shortest ids
        let head = if n >= INLINE {
            [be(&bytes[..8]), be(&bytes[8..16])]
        } else if n > 8 {
            [be(&bytes[..8]), be(&bytes[n - 8..]) << ((INLINE - n) * 8)]
        } else if n == 8 {
            [be(bytes), 0]
        } else {
            let mut w = [0u8; 8];
            w[..n].copy_from_slice(bytes);
            [u64::from_be_bytes(w), 0]
        };
        let mut tail = 0;
        if n > INLINE {
            let mut h = u64::from(len);
            for chunk in bytes[INLINE..].chunks(8) {
                let mut w = [0u8; 8];
                w[..chunk.len()].copy_from_slice(chunk);
                h = mix(h ^ u64::from_le_bytes(w));
            }
            tail = (h ^ (h >> 32)) as u32;
        }
        Some(Self { head, len, tail })
    }

    /// Whether the keys agree in everything they hold (for ids of at most 16 bytes: equal ids).
    #[inline(always)]
    fn same_inline(&self, other: &Self) -> bool {
        self.head == other.head && self.len == other.len && self.tail == other.tail
    }
}

impl GroupKey for StrKey {
    type Split = u128;
    /// The first 16 bytes, zero-padded, as one big-endian number: ids whose heads differ
    /// order like their heads.
    #[inline(always)]
    fn split(&self) -> u128 {
        u128::from(self.head[0]) << 64 | u128::from(self.head[1])
    }
    #[inline(always)]
    fn hash(&self) -> u64 {
        mix(self.head[0] ^ mix(self.head[1] ^ (u64::from(self.tail) << 32 | u64::from(self.len))))
    }
    #[inline(always)]
    fn same(&self, row: usize, other: &Self, other_row: usize, full: FullId<'_>) -> bool {
        self.same_inline(other) && (self.len as usize <= INLINE || full(row) == full(other_row))
    }
    #[inline(always)]
    fn same_lazy(
        &self,
        row: usize,
        other: &Self,
        other_row: impl FnOnce() -> usize,
        full: FullId<'_>,
    ) -> bool {
        self.same_inline(other) && (self.len as usize <= INLINE || full(row) == full(other_row()))
    }
    fn order(&self, other: &Self, in_full: impl FnOnce() -> Ordering) -> Ordering {
        // Zero-padded heads order like the bytes, except that a shorter id whose missing bytes
        // pad as zeros ties with a longer one: the shorter (a prefix) comes first.
        self.head.cmp(&other.head).then_with(|| {
            if self.len as usize > INLINE && other.len as usize > INLINE {
                in_full()
            } else {
                self.len.cmp(&other.len)
            }
        })
    }
}

/// Rows whose keys are sampled to choose the partitions' bounds (32 per partition).
const SAMPLE_ROWS: usize = 1 << 15;

/// log2 of the first-level buckets that map split values to partitions.
const BUCKET_BITS: u32 = 10;
/// log2 of the buckets of one level (when it balances the partitions well enough).
const FLAT_BUCKET_BITS: u32 = 12;

/// An unsigned word that split values are (u64 or u128).
pub(crate) trait SplitWord: Copy + Ord + Default + Send + Sync {
    /// Bits in the word.
    const BITS: u32;
    /// `self − low`, 0 below `low`.
    fn above(self, low: Self) -> Self;
    /// `self >> shift` (shift < BITS), at most `last`.
    fn index(self, shift: u32, last: u32) -> usize;
    /// Leading zero bits.
    fn leading_zeros(self) -> u32;
}

macro_rules! split_word {
    ($($t:ty),*) => {$(
        impl SplitWord for $t {
            const BITS: u32 = <$t>::BITS;
            #[inline(always)]
            fn above(self, low: Self) -> Self {
                self.saturating_sub(low)
            }
            #[inline(always)]
            fn index(self, shift: u32, last: u32) -> usize {
                (self >> shift).min(<$t>::from(last)) as usize
            }
            #[inline(always)]
            fn leading_zeros(self) -> u32 {
                <$t>::leading_zeros(self)
            }
        }
    )*};
}
split_word!(u64, u128);

/// A first-level bucket: its span is cut again into `last + 1` equal sub-buckets of
/// `2^shift` values from `low` (values outside go to the first or last).
#[derive(Clone, Copy, Debug, Default)]
struct Bucket<S> {
    low: S,
    shift: u32,
    last: u32,
    /// The index of the first sub-bucket in [`Splitters::parts`].
    base: u32,
}

/// The partitions as ranges of ids. The span of the sampled split values is cut into `2^10`
/// equal buckets, and each bucket's sampled span again into about as many equal sub-buckets
/// as it holds sampled values (values outside a span go to its first or last bucket), so that
/// clustered ids spread as well as uniform ones. Each sub-bucket belongs to one partition,
/// consecutive sub-buckets to the same or the next one, shared out so that each partition gets
/// about as many sampled rows: a partition's keys all order before the next partition's. A
/// row's partition costs two table loads, no search and no branch. Only the balance of the
/// partitions depends on the sample, never the result.
struct Splitters<S> {
    /// Whether one level of buckets is enough: then `top` cuts the span into `2^12` buckets and
    /// `parts` holds their partitions (one table load per row).
    flat: bool,
    /// The first-level buckets, over the whole sampled span.
    top: Bucket<S>,
    buckets: Vec<Bucket<S>>,
    /// The partition of each sub-bucket (non-decreasing).
    parts: Vec<u16>,
}

/// The bucket of `values` (sorted, not empty) cut into about `2^bits` equal parts.
fn bucket_over<S: SplitWord>(values: &[S], bits: u32, base: usize) -> Bucket<S> {
    let (low, high) = (values[0], values[values.len() - 1]);
    let span = high.above(low);
    let shift = (S::BITS - span.leading_zeros()).saturating_sub(bits);
    Bucket {
        low,
        shift,
        last: span.index(shift, u32::MAX) as u32,
        base: base as u32,
    }
}

impl<S: SplitWord> Bucket<S> {
    #[inline(always)]
    fn index(&self, s: S) -> usize {
        s.above(self.low).index(self.shift, self.last)
    }
}

impl<S: SplitWord> Splitters<S> {
    /// `2^bits` partitions balanced on `sample` (any values: they only balance the partitions,
    /// the result does not depend on them).
    fn from_sample(mut sample: Vec<S>, bits: u32) -> Self {
        let n = 1usize << bits.min(MAX_BITS);
        let one = Self {
            flat: true,
            top: Bucket::default(),
            buckets: vec![Bucket::default()],
            parts: vec![0],
        };
        if n == 1 || sample.is_empty() {
            return one;
        }
        sample.sort_unstable();
        let part_at = |before: usize| (before * n / sample.len()).min(n - 1) as u16;
        // one level when no bucket holds more than two partitions' share of the sample
        let flat = bucket_over(&sample, FLAT_BUCKET_BITS, 0);
        let mut counts = vec![0usize; flat.last as usize + 1];
        sample.iter().for_each(|&s| counts[flat.index(s)] += 1);
        if counts.iter().all(|&c| c * n <= 2 * sample.len()) {
            let mut before = 0;
            let parts = counts
                .iter()
                .map(|&c| {
                    let p = part_at(before);
                    before += c;
                    p
                })
                .collect();
            return Self {
                flat: true,
                top: flat,
                buckets: Vec::new(),
                parts,
            };
        }
        let top = bucket_over(&sample, BUCKET_BITS, 0);
        let mut buckets = Vec::with_capacity(top.last as usize + 1);
        let mut parts: Vec<u16> = Vec::with_capacity(2 * sample.len());
        let mut rest = &sample[..];
        let mut before = 0;
        for b in 0..=top.last as usize {
            let len = rest.iter().take_while(|&&s| top.index(s) == b).count();
            let (inside, after) = rest.split_at(len);
            rest = after;
            if inside.is_empty() {
                buckets.push(Bucket {
                    base: parts.len() as u32,
                    ..Bucket::default()
                });
                parts.push(part_at(before));
                continue;
            }
            // about as many sub-buckets as sampled values (a partition's bounds fall within
            // a thirty-second of a partition of its quantiles)
            let bits = usize::BITS - len.leading_zeros();
            let bucket = bucket_over(inside, bits, parts.len());
            let mut at = 0;
            for sub in 0..=bucket.last as usize {
                parts.push(part_at(before));
                let c = inside[at..]
                    .iter()
                    .take_while(|&&s| bucket.index(s) == sub)
                    .count();
                at += c;
                before += c;
            }
            buckets.push(bucket);
        }
        Self {
            flat: false,
            top,
            buckets,
            parts,
        }
    }

    /// The partition of split value `s`.
    #[inline(always)]
    fn part(&self, s: S) -> usize {
        // the same branch for every row of a log: predicted
        if self.flat {
            return usize::from(self.parts[self.top.index(s)]);
        }
        let bucket = &self.buckets[self.top.index(s)];
        usize::from(self.parts[bucket.base as usize + bucket.index(s)])
    }
}

/// The split values of about [`SAMPLE_ROWS`] rows spread over the whole log (rows whose key
/// cannot be read are skipped: the partition pass reports them).
fn sample_splits<K: GroupKey>(
    rows: usize,
    key_of: &(impl Fn(usize) -> Result<K> + Sync),
) -> Vec<K::Split> {
    let take = rows.min(SAMPLE_ROWS);
    let stride = (rows / take.max(1)).max(1);
    parallel::install(|| {
        (0..take)
            .into_par_iter()
            .filter_map(|i| {
                // a jitter inside each stride: no aliasing with periodic logs
                let row = (i * rows / take + mix(i as u64) as usize % stride).min(rows - 1);
                key_of(row).ok().map(|k| k.split())
            })
            .collect()
    })
}

/// One row on its way to its partition.
#[derive(Clone, Copy, Debug, Default)]
struct Entry<K> {
    key: K,
    amount: f64,
    /// The row's day, or [`NO_DAY`] for a row that only names its customer.
    day: Day,
    /// The row's offset in its block.
    row: u32,
}

/// One partition's customers: an open-addressing table (linear probing) over their keys, and
/// per customer its key, record and first row.
struct Part<K, R> {
    /// Local index + 1 of the customer in each slot (0: empty); a power of two long.
    table: Vec<u32>,
    keys: Vec<K>,
    records: Vec<R>,
    first_rows: Vec<usize>,
    /// Terms a record's fold handed back (by local index).
    spills: Vec<(u32, f64)>,
}

impl<K: GroupKey, R: Copy> Part<K, R> {
    fn new() -> Self {
        Self {
            table: vec![0; 64],
            keys: Vec::new(),
            records: Vec::new(),
            first_rows: Vec::new(),
            spills: Vec::new(),
        }
    }

    fn grow(&mut self) {
        let mut table = vec![0u32; self.table.len() * 2];
        let mask = table.len() - 1;
        for (l, key) in self.keys.iter().enumerate() {
            let mut i = key.hash() as usize & mask;
            while table[i] != 0 {
                i = (i + 1) & mask;
            }
            table[i] = l as u32 + 1;
        }
        self.table = table;
    }

    /// The partition's records and first rows in ascending id order, and its spills under
    /// their output codes (`start` is the code of the partition's first customer).
    fn sorted(&self, start: u32, full: FullId<'_>) -> Run<R> {
        let mut order: Vec<(K, u32)> = (self.keys.iter().enumerate())
            .map(|(l, &k)| (k, l as u32))
            .collect();
        order.sort_unstable_by(|a, b| {
            a.0.order(&b.0, || {
                full(self.first_rows[a.1 as usize]).cmp(full(self.first_rows[b.1 as usize]))
            })
        });
        let records = order
            .iter()
            .map(|&(_, l)| self.records[l as usize])
            .collect();
        let first_rows = order
            .iter()
            .map(|&(_, l)| self.first_rows[l as usize])
            .collect();
        let mut spills = Vec::new();
        if !self.spills.is_empty() {
            let mut code = vec![0u32; order.len()];
            for (c, &(_, l)) in order.iter().enumerate() {
                code[l as usize] = start + c as u32;
            }
            spills = self
                .spills
                .iter()
                .map(|&(l, x)| (code[l as usize], x))
                .collect();
        }
        Run {
            records,
            first_rows,
            spills,
        }
    }

    /// Folds the rows of one block into the table.
    #[inline]
    fn add_all(
        &mut self,
        entries: &[Entry<K>],
        block_start: usize,
        empty: R,
        fold: &impl Fn(&mut R, Day, f64) -> bool,
        full: FullId<'_>,
    ) {
        for e in entries {
            let row = block_start + e.row as usize;
            let mask = self.table.len() - 1;
            let mut i = e.key.hash() as usize & mask;
            let local = loop {
                let slot = self.table[i];
                if slot == 0 {
                    let local = self.keys.len();
                    self.keys.push(e.key);
                    self.records.push(empty);
                    self.first_rows.push(row);
                    self.table[i] = local as u32 + 1;
                    if self.keys.len() * 2 > self.table.len() {
                        self.grow();
                    }
                    break local;
                }
                let l = slot as usize - 1;
                if e.key
                    .same_lazy(row, &self.keys[l], || self.first_rows[l], full)
                {
                    break l;
                }
                i = (i + 1) & mask;
            };
            if e.day != NO_DAY && !fold(&mut self.records[local], e.day, e.amount) {
                self.spills.push((local as u32, e.amount));
            }
        }
    }
}

/// The per-customer records of a log in ascending id order, from [`aggregate`].
pub(crate) struct Grouped<R> {
    /// One record per distinct customer (also those whose rows were all excluded) with its
    /// first row, in runs: the customers of each run in ascending id order, every run's
    /// before the next run's (customer codes count through the runs).
    pub runs: Vec<Run<R>>,
    /// The terms the folds handed back, by customer code (finished).
    pub spills: Spills,
    /// `rows`, `rows_after_as_of` and `refunds` of the log.
    pub report: LogReport,
}

/// A run of consecutive customers of a [`Grouped`] (one partition's).
pub(crate) struct Run<R> {
    pub records: Vec<R>,
    pub first_rows: Vec<usize>,
    /// The terms the folds handed back, by customer code.
    spills: Vec<(u32, f64)>,
}

impl<R: Copy> Grouped<R> {
    /// Every customer's record and first row, in ascending id order.
    pub(crate) fn customers(&self) -> impl Iterator<Item = (&R, usize)> + Clone {
        self.runs
            .iter()
            .flat_map(|run| run.records.iter().zip(run.first_rows.iter().copied()))
    }
}

/// How the aggregation is laid out (the result does not depend on it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    /// log2 of the partitions.
    pub bits: u32,
    /// Rows per block.
    pub block_rows: usize,
    /// Rows per task of the partition pass.
    pub task_rows: usize,
}

impl Layout {
    /// The layout for a log of `rows` rows.
    pub(crate) fn for_rows(rows: usize) -> Self {
        Self {
            bits: partition_bits(rows),
            block_rows: BLOCK_ROWS,
            task_rows: TASK_ROWS,
        }
    }
}

/// Checks the rows of a log, groups them by `key_of(row)` and folds each in-scope row's day and
/// amount into its customer's record (`fold` returns false to hand the amount back: it is kept
/// in the spills). Rows after `as_of` that are excluded create their customer's record but are
/// not folded. Errors are those of the earliest bad row.
#[allow(clippy::too_many_arguments)]
pub(crate) fn aggregate<K, R>(
    rows: usize,
    key_of: &(impl Fn(usize) -> Result<K> + Sync),
    full: FullId<'_>,
    times: Times<'_>,
    amounts: &[f64],
    as_of: Day,
    options: LogOptions,
    empty: R,
    fold: &(impl Fn(&mut R, Day, f64) -> bool + Sync),
    layout: Layout,
) -> Result<Grouped<R>>
where
    K: GroupKey,
    R: Copy + Send + Sync,
{
    if rows == 0 {
        return Err(CrmkitError::empty("customer_id"));
    }
    CrmkitError::check_len("timestamp", rows, times.len())?;
    CrmkitError::check_len("amount", rows, amounts.len())?;
    // The common units get a constant divisor, which the compiler turns into a multiply.
    macro_rules! ticks {
        ($values:expr, $($unit:literal),*) => {
            match $values {
                $((values, $unit) => run(rows, key_of, full, |row| day_number_from_ticks(values[row], $unit), amounts, as_of, options, empty, fold, layout),)*
                (values, per_day) => run(rows, key_of, full, |row| day_number_from_ticks(values[row], per_day), amounts, as_of, options, empty, fold, layout),
            }
        };
    }
    match times {
        Times::Days(days) => run(
            rows,
            key_of,
            full,
            |row| i64::from(days[row]),
            amounts,
            as_of,
            options,
            empty,
            fold,
            layout,
        ),
        Times::Ticks { values, per_day } => {
            if per_day <= 0 {
                return Err(CrmkitError::invalid_config(
                    "timestamp unit",
                    per_day,
                    "ticks per day must be > 0",
                ));
            }
            ticks!(
                (values, per_day),
                86_400,
                86_400_000,
                86_400_000_000,
                86_400_000_000_000
            )
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run<K, R>(
    rows: usize,
    key_of: &(impl Fn(usize) -> Result<K> + Sync),
    full: FullId<'_>,
    day_of: impl Fn(usize) -> i64 + Sync,
    amounts: &[f64],
    as_of: Day,
    options: LogOptions,
    empty: R,
    fold: &(impl Fn(&mut R, Day, f64) -> bool + Sync),
    layout: Layout,
) -> Result<Grouped<R>>
where
    K: GroupKey,
    R: Copy + Send + Sync,
{
    let bits = layout.bits.min(MAX_BITS);
    let n_parts = 1usize << bits;
    let block_rows = layout.block_rows.max(1);
    let task_rows = layout.task_rows.max(1);
    let mut parts: Vec<Part<K, R>> = (0..n_parts).map(|_| Part::new()).collect();
    let tasks_per_block = block_rows.min(rows).div_ceil(task_rows);
    // Scratch of one block: per task, one list per partition (reused from block to block).
    let mut scratch: Vec<Vec<Vec<Entry<K>>>> = (0..tasks_per_block)
        .map(|_| (0..n_parts).map(|_| Vec::new()).collect())
        .collect();
    let mut report = LogReport {
        rows,
        ..LogReport::default()
    };
    let sample = if bits == 0 {
        Vec::new()
    } else {
        sample_splits(rows, key_of)
    };
    let splitters = Splitters::from_sample(sample, bits);
    for block_start in (0..rows).step_by(block_rows) {
        let block_end = (block_start + block_rows).min(rows);
        // 1. Partition: each task checks its rows in order and appends them to its lists.
        let scatter = |t: usize, lists: &mut Vec<Vec<Entry<K>>>| -> Result<LogReport> {
            let start = block_start + t * task_rows;
            let end = (start + task_rows).min(block_end);
            let mut report = LogReport::default();
            // room for a fair share and a quarter more (no copies as the lists grow)
            let share = (end - start) / n_parts;
            for list in lists.iter_mut() {
                list.clear();
                list.reserve(share + share / 4 + 16);
            }
            for (row, &amount) in amounts.iter().enumerate().take(end).skip(start) {
                let day = check_row(row, day_of(row), amount, as_of, options, &mut report)?;
                let key = key_of(row)?;
                let p = splitters.part(key.split());
                lists[p].push(Entry {
                    key,
                    amount,
                    day: day.unwrap_or(NO_DAY),
                    row: (row - block_start) as u32,
                });
            }
            Ok(report)
        };
        let tasks = (block_end - block_start).div_ceil(task_rows);
        let reports: Vec<Result<LogReport>> = parallel::install(|| {
            scratch[..tasks]
                .par_iter_mut()
                .enumerate()
                .map(|(t, lists)| scatter(t, lists))
                .collect()
        });
        // the earliest bad row: tasks cover consecutive rows, so the first failing task's
        for r in reports {
            let r = r?;
            report.rows_after_as_of += r.rows_after_as_of;
            report.refunds += r.refunds;
        }
        // 2. Aggregate: each partition folds its rows from every task into its own table.
        let scratch = &scratch[..tasks];
        parallel::install(|| {
            parts.par_iter_mut().enumerate().for_each(|(p, part)| {
                for lists in scratch {
                    part.add_all(&lists[p], block_start, empty, fold, full);
                }
            });
        });
    }
    drop(scratch);
    finish(parts, full, report)
}

/// Sorts each partition's customers by id (on the pool, each partition in its own cache): the
/// partitions hold consecutive ranges of ids, so their runs one after the other are in
/// ascending id order without a global sort or gather.
fn finish<K: GroupKey, R: Copy + Send + Sync>(
    parts: Vec<Part<K, R>>,
    full: FullId<'_>,
    report: LogReport,
) -> Result<Grouped<R>> {
    let total: usize = parts.iter().map(|p| p.keys.len()).sum();
    if total > u32::MAX as usize {
        return Err(CrmkitError::invalid_config(
            "customer_id",
            total,
            "more distinct customers than crmkit supports (u32::MAX)",
        ));
    }
    // the code of each partition's first customer
    let starts: Vec<u32> = parts
        .iter()
        .scan(0u32, |start, p| {
            let s = *start;
            *start += p.keys.len() as u32;
            Some(s)
        })
        .collect();
    let runs: Vec<Run<R>> = parallel::install(|| {
        parts
            .par_iter()
            .zip(&starts)
            .map(|(part, &start)| part.sorted(start, full))
            .collect()
    });
    drop(parts);
    let mut spills = Spills::default();
    for run in &runs {
        for &(code, x) in &run.spills {
            spills.push(code, x);
        }
    }
    spills.finish();
    Ok(Grouped {
        runs,
        spills,
        report,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// String keys agree with the bytes they stand for: the head is the zero-padded first
        /// 16 bytes, equal keys mean equal bytes, and the order is the bytes' order, for every
        /// length (short, 8, 9..16, longer) and bytes including zeros.
        #[test]
        fn string_keys_order_and_compare_like_their_bytes(
            a in proptest::collection::vec(prop_oneof![Just(0u8), Just(b'a'), any::<u8>()], 0..40),
            b in proptest::collection::vec(prop_oneof![Just(0u8), Just(b'a'), any::<u8>()], 0..40),
            cut in 0usize..40,
        ) {
            // b often shares a prefix with a
            let b = if cut % 2 == 0 { [&a[..cut.min(a.len())], &b[..]].concat() } else { b };
            let (ka, kb) = (StrKey::of(&a).unwrap(), StrKey::of(&b).unwrap());
            let mut padded = [0u8; 16];
            padded[..a.len().min(16)].copy_from_slice(&a[..a.len().min(16)]);
            let word = |i: usize| u64::from_be_bytes(padded[i..i + 8].try_into().unwrap());
            prop_assert_eq!(ka.head, [word(0), word(8)]);
            let rows = [a.as_slice(), b.as_slice()];
            let full: FullId<'_> = &|r| rows[r];
            prop_assert_eq!(ka.same(0, &kb, 1, full), a == b);
            prop_assert_eq!(ka.order(&kb, || full(0).cmp(full(1))), a.cmp(&b));
            prop_assert_eq!(ka.same(0, &ka, 0, full), true);
            // the partition pass's split value coarsens the order
            if ka.split() < kb.split() {
                prop_assert_eq!(a.cmp(&b), Ordering::Less);
            }
        }

        /// Whatever the sample (uniform, clustered, all equal, empty) and the probes, a split
        /// value's partition is in range and never decreases as the value grows, so
        /// partitions hold consecutive ranges of ids.
        #[test]
        fn partitions_are_ranges_of_split_values(
            sample in prop_oneof![
                proptest::collection::vec(any::<u64>(), 0..3000),
                proptest::collection::vec((0u64..4, 0u64..1000).prop_map(|(c, x)| (c << 62) + x), 1..3000),
                (any::<u64>(), 1usize..3000).prop_map(|(x, n)| vec![x; n]),
            ],
            probes in proptest::collection::vec(any::<u64>(), 0..200),
            bits in 0u32..=MAX_BITS,
        ) {
            let mut probes: Vec<u64> = probes.into_iter().chain(sample.iter().copied()).chain([0, u64::MAX]).collect();
            probes.sort_unstable();
            let splitters = Splitters::from_sample(sample, bits);
            let parts: Vec<usize> = probes.iter().map(|&s| splitters.part(s)).collect();
            prop_assert!(parts.iter().all(|&p| p < 1 << bits));
            prop_assert!(parts.windows(2).all(|w| w[0] <= w[1]));
        }
    }

    #[test]
    fn partitions_balance_uniform_and_clustered_ids() {
        let n = 1usize << 10;
        let spread = |i: u64| i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // uniform over the whole range: one level of buckets; four narrow clusters: two
        for (ids, flat) in [
            (
                (0..SAMPLE_ROWS as u64).map(spread).collect::<Vec<_>>(),
                true,
            ),
            (
                (0..SAMPLE_ROWS as u64)
                    .map(|i| (i % 4) << 62 | spread(i) >> 44)
                    .collect(),
                false,
            ),
        ] {
            let splitters = Splitters::from_sample(ids.clone(), 10);
            assert_eq!(splitters.flat, flat);
            let mut rows = vec![0usize; n];
            ids.iter().for_each(|&s| rows[splitters.part(s)] += 1);
            let share = SAMPLE_ROWS / n;
            assert!(
                rows.iter().all(|&r| r <= 3 * share),
                "{:?}",
                rows.iter().max()
            );
        }
    }

    #[test]
    fn string_entries_carry_no_hash() {
        // 16 bytes of head, length and tail hash: the key's hash is derived, not stored
        assert_eq!(std::mem::size_of::<StrKey>(), 24);
        assert_eq!(std::mem::size_of::<Entry<StrKey>>(), 40);
        assert_eq!(std::mem::size_of::<Entry<i64>>(), 24);
    }

    #[test]
    fn long_ids_that_share_their_head_and_length_are_told_apart() {
        let a = b"CUS-0000000001-north-0001".as_slice();
        let b = b"CUS-0000000001-north-0002".as_slice();
        let (ka, kb) = (StrKey::of(a).unwrap(), StrKey::of(b).unwrap());
        assert_eq!((ka.head, ka.len), (kb.head, kb.len));
        assert_ne!(ka.tail, kb.tail);
        assert_ne!(ka.hash(), kb.hash());
        let rows = [a, b];
        let full: FullId<'_> = &|r| rows[r];
        assert!(!ka.same(0, &kb, 1, full));
        assert_eq!(ka.order(&kb, || full(0).cmp(full(1))), Ordering::Less);
        // equal keys hash alike; short ids carry no tail
        assert_eq!(StrKey::of(a).unwrap().hash(), ka.hash());
        assert_eq!(StrKey::of(b"CUS-0000000001").unwrap().tail, 0);
    }

    #[test]
    fn sampled_rows_are_spread_over_the_log_and_skip_bad_keys() {
        crate::runtime::parallel::set_num_threads(1).unwrap();
        let key_of = |row: usize| {
            if row % 2 == 0 {
                Ok(row as i64)
            } else {
                Err(CrmkitError::empty("customer_id"))
            }
        };
        let sample = sample_splits(1_000_000, &key_of);
        assert!(!sample.is_empty() && sample.len() < SAMPLE_ROWS);
        let rows: Vec<u64> = sample.iter().map(|&s| s ^ 1 << 63).collect();
        assert!(rows.iter().all(|&r| r < 1_000_000 && r % 2 == 0));
        assert!(rows.iter().any(|&r| r < 10_000) && rows.iter().any(|&r| r > 990_000));
        assert_eq!(sample_splits(3, &|r: usize| Ok(r as i64)).len(), 3);
    }

    #[test]
    fn partition_bits_grow_with_the_log() {
        assert_eq!(partition_bits(0), 0);
        assert_eq!(partition_bits(100_000), 3);
        assert_eq!(partition_bits(10_000_000), MAX_BITS);
    }
}
