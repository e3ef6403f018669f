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
//! cache on nearly every row. The tables persist from block to block; all of them together
//! (some 50 MB for a million customers) outgrow the cache, so each block reloads them: a task
//! folds a run of partitions in turn and prefetches the next partition's table, keys and
//! records, one cache line per row, while the current one folds (measured: the fold of 10 M
//! rows in blocks of 2 M from ~200 to ~130 ms on one core). At the end the distinct keys are
//! sorted once (integers numerically, strings by their UTF-8 bytes), which numbers the
//! customers in ascending id order like [`crate::data::ids::CustomerIndex`]: a bucket sort on a
//! 64-bit window of each key (see `sort_customers`), the ids themselves compared only where
//! windows tie. The records are then gathered in that order, prefetched a few customers ahead.
//!
//! Every aggregate folded this way must be independent of the order of the rows (minima,
//! maxima, counts, exact sums), so the result is the same for any number of partitions, block
//! size, thread count and row order (tested against a one-table reference). String ids are
//! read once. When every id of the log has at most 15 bytes (most id schemes), each becomes a
//! 128-bit integer that holds it whole and orders like its bytes (see `short_key`), and the
//! log is grouped like integer ids. Otherwise the first 16 bytes are kept inline with the length
//! and a hash of the rest, so ids of up to 16 bytes are compared without reading the column
//! again, and longer ones read their bytes only when length, first 16 bytes and the hash of the
//! rest all agree.

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::data::calendar::{Day, day_number_from_ticks};
use crate::data::transactions::{LogOptions, LogReport, Times, check_row, prefetch};
use crate::math::exact_sum::Spills;
use crate::runtime::parallel;
use crate::{CrmkitError, Result};

/// Rows per block (the scratch holds one block of rows).
pub(crate) const BLOCK_ROWS: usize = 1 << 21;
/// Partitions a fold task takes in turn (each prefetching the next one's tables).
const FOLD_CHUNK: usize = 8;
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
    /// A 128-bit image of the key that orders like the ids where it differs: `a` before `b`
    /// implies `a.radix() <= b.radix()` (equal radixes leave the order to [`Self::order`]).
    fn radix(&self) -> u128;
}

impl GroupKey for i64 {
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
    #[inline(always)]
    fn radix(&self) -> u128 {
        // the top bit flipped: signed order as unsigned, in the high half
        u128::from(*self as u64 ^ (1 << 63)) << 64
    }
}

impl GroupKey for i128 {
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
    #[inline(always)]
    fn radix(&self) -> u128 {
        *self as u128 ^ (1 << 127)
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

/// The first 16 bytes of `bytes`, zero-padded, as two big-endian words: two word loads for 8
/// bytes and more (the second shifted into place), bytes one by one only for the shortest.
#[inline(always)]
fn head_words(bytes: &[u8]) -> [u64; 2] {
    let be = |b: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        u64::from_be_bytes(w)
    };
    let n = bytes.len();
    if n >= INLINE {
        [be(&bytes[..8]), be(&bytes[8..16])]
    } else if n > 8 {
        [be(&bytes[..8]), be(&bytes[n - 8..]) << ((INLINE - n) * 8)]
    } else if n == 8 {
        [be(bytes), 0]
    } else {
        let mut w = [0u8; 8];
        w[..n].copy_from_slice(bytes);
        [u64::from_be_bytes(w), 0]
    }
}

impl StrKey {
    /// The key of `bytes`; `None` for ids of 4 GiB or more.
    #[inline]
    pub(crate) fn of(bytes: &[u8]) -> Option<Self> {
        let len = u32::try_from(bytes.len()).ok()?;
        let (head, n) = (head_words(bytes), bytes.len());
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

/// String ids of at most this many bytes are grouped as 128-bit integers (see [`short_key`]).
pub(crate) const SHORT_ID: usize = 15;

/// The 128-bit integer key of a string id of at most [`SHORT_ID`] bytes: its bytes zero-padded
/// to 15, big-endian, then its length in the last byte, with the top bit flipped so that the
/// signed order of keys is their unsigned order. Equal keys mean equal ids, and keys order like
/// the ids' bytes: where an id is a prefix of another, the padding zeros tie and the shorter
/// length comes first. A log whose ids are all this short is then grouped like integer ids:
/// 32-byte rows instead of 40, and no id is ever read twice.
#[inline(always)]
pub(crate) fn short_key(bytes: &[u8]) -> i128 {
    debug_assert!(bytes.len() <= SHORT_ID);
    // at most 15 bytes: the head's last byte is a padding zero, which the length takes
    let [high, low] = head_words(bytes);
    let key = (u128::from(high) << 64) | u128::from(low | bytes.len() as u64);
    (key ^ (1 << 127)) as i128
}

/// Whether every one of the `rows` string ids `id(row)` has at most [`SHORT_ID`] bytes (then
/// [`short_key`] holds each whole). Reads only the ids' lengths, in chunks on the pool for long
/// logs (`parallel::map_chunks`), each chunk stopping at its first longer id.
pub(crate) fn all_short<'a>(rows: usize, id: &(impl Fn(usize) -> &'a str + Sync)) -> bool {
    parallel::map_chunks(rows, |start, end| {
        (start..end).all(|r| id(r).len() <= SHORT_ID)
    })
    .into_iter()
    .all(|short| short)
}

impl GroupKey for StrKey {
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
    #[inline(always)]
    fn radix(&self) -> u128 {
        // the head's words in order: the zero-padded first 16 bytes
        u128::from(self.head[0]) << 64 | u128::from(self.head[1])
    }
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

    /// The cache lines of the table, keys and records, to prefetch while another partition folds.
    fn lines(&self) -> Lines {
        fn range<T>(v: &[T]) -> (usize, usize) {
            let start = v.as_ptr() as usize;
            (start & !63, start + std::mem::size_of_val(v))
        }
        Lines {
            ranges: [range(&self.table), range(&self.keys), range(&self.records)],
            at: 0,
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
        ahead: &mut Lines,
    ) {
        for e in entries {
            ahead.next();
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

/// Cache lines to prefetch, one at a time (the tables of the next partition to fold).
#[derive(Clone, Copy, Debug, Default)]
struct Lines {
    ranges: [(usize, usize); 3],
    at: usize,
}

impl Lines {
    /// Prefetches every line left.
    fn all(mut self) {
        while self.at < self.ranges.len() {
            self.next();
        }
    }

    /// Prefetches the next line, if any is left.
    #[inline(always)]
    fn next(&mut self) {
        while let Some((line, end)) = self.ranges.get_mut(self.at) {
            if *line < *end {
                prefetch(*line);
                *line += 64;
                return;
            }
            self.at += 1;
        }
    }
}

/// The per-customer records of a log in ascending id order, from [`aggregate`].
pub(crate) struct Grouped<R> {
    /// One record per distinct customer (also those whose rows were all excluded).
    pub records: Vec<R>,
    /// The first row of each customer.
    pub first_rows: Vec<usize>,
    /// The terms the folds handed back, by customer code (finished).
    pub spills: Spills,
    /// `rows`, `rows_after_as_of` and `refunds` of the log.
    pub report: LogReport,
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
    let shift = 63 - bits;
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
                let p = ((key.hash() >> 1) >> shift) as usize;
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
        // Each task folds a run of partitions in turn, prefetching the next one's table, keys
        // and records (one line per row) while the current one folds: after the first block
        // the tables no longer fit in the cache, and their lines would otherwise be missed one
        // by one as the rows probe them.
        parallel::install(|| {
            parts
                .par_chunks_mut(FOLD_CHUNK)
                .enumerate()
                .for_each(|(c, chunk)| {
                    // the first tables of a run come in one sweep
                    if let Some(first) = chunk.first() {
                        first.lines().all();
                    }
                    for j in 0..chunk.len() {
                        let (done, rest) = chunk.split_at_mut(j + 1);
                        let mut ahead = rest.first().map(Part::lines).unwrap_or_default();
                        let p = c * FOLD_CHUNK + j;
                        for lists in scratch {
                            done[j].add_all(&lists[p], block_start, empty, fold, full, &mut ahead);
                        }
                    }
                });
        });
    }
    drop(scratch);
    finish(parts, full, report)
}

/// Customers ahead whose record the final gather prefetches.
const GATHER_AHEAD: usize = 16;
/// Digit bits of a bucketing pass of the final sort.
const SORT_BITS: u32 = 10;
/// Runs of customers up to this long are sorted by comparison, not bucketed (tests bucket
/// down to tiny runs).
const SMALL_RUN: usize = if cfg!(test) { 4 } else { 64 };

/// A customer in the final sort: `w`, a 64-bit window of its key's [`GroupKey::radix`], and
/// where its record is (partition `p`, index `l`).
#[derive(Clone, Copy, Debug, Default)]
struct Item {
    w: u64,
    p: u32,
    l: u32,
}

/// The customers of all partitions in ascending id order.
///
/// The keys' radixes agree on their top bits down to the highest bit in which any two differ;
/// the 64 bits from there on are each customer's window `w`, which orders like the ids
/// (`w(a) < w(b)` implies `a < b`). The customers are bucketed by the 10 highest bits in which
/// their windows differ, each bucket (on the pool) again by its own 10 highest differing bits,
/// and so on down to runs of at most 64 customers, which are sorted by `(w, id)`: the ids
/// themselves are compared only between equal windows (integer ids never; string ids that
/// agree on 8 bytes from their first difference). A million random 64-bit ids take two
/// bucketing passes over 16-byte items instead of a comparison sort of the keys.
fn sort_customers<K: GroupKey, R: Send + Sync>(
    parts: &[Part<K, R>],
    total: usize,
    full: FullId<'_>,
) -> Vec<Item> {
    let x0 = parts
        .iter()
        .find_map(|p| p.keys.first())
        .map_or(0, GroupKey::radix);
    let diff = parallel::install(|| {
        parts
            .par_iter()
            .map(|p| p.keys.iter().fold(0u128, |d, k| d | (k.radix() ^ x0)))
            .reduce(|| 0, |a, b| a | b)
    });
    let lz = diff.leading_zeros();
    let window = |k: &K| window_of(k.radix(), lz);
    let first_row = |i: &Item| parts[i.p as usize].first_rows[i.l as usize];
    let cmp = |a: &Item, b: &Item| {
        a.w.cmp(&b.w).then_with(|| {
            let ka = &parts[a.p as usize].keys[a.l as usize];
            let kb = &parts[b.p as usize].keys[b.l as usize];
            ka.order(kb, || full(first_row(a)).cmp(full(first_row(b))))
        })
    };
    // The first pass places the items straight from the partitions into their buckets (by
    // the window's top bits, of which the first is the highest differing one).
    let significant = u64::BITS - window_of(diff, lz).trailing_zeros();
    let bits = SORT_BITS.min(significant);
    let digit = |w: u64| w.checked_shr(u64::BITS - bits).unwrap_or(0) as usize;
    let mut starts = vec![0usize; (1 << bits) + 1];
    for part in parts {
        for k in &part.keys {
            starts[digit(window(k)) + 1] += 1;
        }
    }
    for d in 1..starts.len() {
        starts[d] += starts[d - 1];
    }
    let mut items = vec![Item::default(); total];
    let mut next = starts.clone();
    for (p, part) in parts.iter().enumerate() {
        for (l, k) in part.keys.iter().enumerate() {
            let w = window(k);
            let d = digit(w);
            items[next[d]] = Item {
                w,
                p: p as u32,
                l: l as u32,
            };
            next[d] += 1;
        }
    }
    // the buckets on the pool
    let mut runs = Vec::with_capacity(starts.len());
    let mut data = items.as_mut_slice();
    for w in starts.windows(2) {
        let (run, rest) = data.split_at_mut(w[1] - w[0]);
        data = rest;
        if run.len() > 1 {
            runs.push(run);
        }
    }
    parallel::install(|| {
        runs.par_iter_mut().for_each(|run| {
            let mut tmp = vec![Item::default(); run.len()];
            sort_run(run, &mut tmp, &cmp);
        });
    });
    items
}

/// The 64 bits of `radix` after its `lz` highest (0 when `lz` is 128).
#[inline(always)]
fn window_of(radix: u128, lz: u32) -> u64 {
    (radix.checked_shl(lz).unwrap_or(0) >> 64) as u64
}

/// Sorts `data` by `cmp` (whose first criterion is the window `w`), using `tmp` (as long).
fn sort_run(data: &mut [Item], tmp: &mut [Item], cmp: &impl Fn(&Item, &Item) -> Ordering) {
    if let Some(starts) = bucket(data, tmp, cmp) {
        for w in starts.windows(2) {
            if w[1] - w[0] > 1 {
                sort_run(&mut data[w[0]..w[1]], &mut tmp[w[0]..w[1]], cmp);
            }
        }
    }
}

/// One bucketing pass: sorts a short or single-window `data` by `cmp` and returns `None`;
/// otherwise reorders `data` by the 10 highest bits in which its windows differ (through
/// `tmp`) and returns where each bucket starts (and the end).
fn bucket(
    data: &mut [Item],
    tmp: &mut [Item],
    cmp: &impl Fn(&Item, &Item) -> Ordering,
) -> Option<Vec<usize>> {
    let w0 = data.first()?.w;
    let diff = data.iter().fold(0, |d, i| d | (i.w ^ w0));
    if data.len() <= SMALL_RUN || diff == 0 {
        data.sort_unstable_by(cmp);
        return None;
    }
    let top = u64::BITS - diff.leading_zeros();
    let bits = SORT_BITS.min(top);
    let (shift, mask) = (top - bits, (1u64 << bits) - 1);
    let digit = |i: &Item| ((i.w >> shift) & mask) as usize;
    let mut starts = vec![0usize; (1 << bits) + 1];
    for i in data.iter() {
        starts[digit(i) + 1] += 1;
    }
    for d in 1..starts.len() {
        starts[d] += starts[d - 1];
    }
    let mut next = starts.clone();
    for i in data.iter() {
        let d = digit(i);
        tmp[next[d]] = *i;
        next[d] += 1;
    }
    data.copy_from_slice(tmp);
    Some(starts)
}

/// Numbers the customers in ascending id order and gathers their records in that order.
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
    let sorted = sort_customers(&parts, total, full);
    let (records, first_rows): (Vec<R>, Vec<usize>) = parallel::install(|| {
        sorted
            .par_iter()
            .enumerate()
            .map(|(i, item)| {
                // a gather at random addresses: the records a few customers ahead are fetched early
                if let Some(ahead) = sorted.get(i + GATHER_AHEAD) {
                    let part = &parts[ahead.p as usize];
                    prefetch(std::ptr::from_ref(&part.records[ahead.l as usize]) as usize);
                    prefetch(std::ptr::from_ref(&part.first_rows[ahead.l as usize]) as usize);
                }
                let part = &parts[item.p as usize];
                (
                    part.records[item.l as usize],
                    part.first_rows[item.l as usize],
                )
            })
            .unzip()
    });
    let mut spills = Spills::default();
    if parts.iter().any(|p| !p.spills.is_empty()) {
        let mut code: Vec<Vec<u32>> = parts.iter().map(|p| vec![0; p.keys.len()]).collect();
        for (c, item) in sorted.iter().enumerate() {
            code[item.p as usize][item.l as usize] = c as u32;
        }
        for (part, code) in parts.iter().zip(&code) {
            for &(l, x) in &part.spills {
                spills.push(code[l as usize], x);
            }
        }
    }
    spills.finish();
    Ok(Grouped {
        records,
        first_rows,
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
        }

        /// The 128-bit keys of ids of at most 15 bytes are equal exactly when the ids are and
        /// order like their bytes, for every length and bytes including zeros (a prefix first).
        #[test]
        fn short_keys_order_and_compare_like_their_bytes(
            a in proptest::collection::vec(prop_oneof![Just(0u8), Just(b'a'), Just(0xff), any::<u8>()], 0..=SHORT_ID),
            b in proptest::collection::vec(prop_oneof![Just(0u8), Just(b'a'), Just(0xff), any::<u8>()], 0..=SHORT_ID),
            cut in 0usize..=SHORT_ID,
        ) {
            // b often shares a prefix with a
            let b = if cut % 2 == 0 {
                let mut b = [&a[..cut.min(a.len())], &b[..]].concat();
                b.truncate(SHORT_ID);
                b
            } else { b };
            let (ka, kb) = (short_key(&a), short_key(&b));
            prop_assert_eq!(ka == kb, a == b);
            prop_assert_eq!(ka.cmp(&kb), a.cmp(&b));
            // the radix (what the final sort buckets on) orders them the same way
            prop_assert!(ka.cmp(&kb) == Ordering::Equal || ka.radix().cmp(&kb.radix()) == ka.cmp(&kb));
        }
    }

    /// Partitions holding `keys` (the key of row `r` is `keys[r]`, spread by hash), and the
    /// order `sort_customers` gives them, as rows.
    fn sorted_rows<K: GroupKey>(keys: &[K], bits: u32, full: FullId<'_>) -> Vec<usize> {
        let mut parts: Vec<Part<K, ()>> = (0..1 << bits).map(|_| Part::new()).collect();
        for (row, k) in keys.iter().enumerate() {
            let part = &mut parts[(k.hash() >> (64 - bits.max(1))) as usize % (1 << bits)];
            part.keys.push(*k);
            part.first_rows.push(row);
            part.records.push(());
        }
        sort_customers(&parts, keys.len(), full)
            .iter()
            .map(|i| parts[i.p as usize].first_rows[i.l as usize])
            .collect()
    }

    /// Distinct integer ids in a few shapes: spread over the whole range, in narrow clusters
    /// far apart, consecutive, and differing only far below their highest differing bit.
    fn integer_ids() -> impl Strategy<Value = Vec<i64>> {
        let n = 0usize..3000;
        prop_oneof![
            proptest::collection::hash_set(any::<i64>(), n.clone())
                .prop_map(|s| s.into_iter().collect()),
            (
                proptest::collection::hash_set(0i64..5000, n.clone()),
                any::<i64>()
            )
                .prop_map(|(s, base)| {
                    s.into_iter()
                        .map(|x| {
                            if x % 2 == 0 {
                                base.wrapping_add(x)
                            } else {
                                base.wrapping_add(x) ^ (1 << 62)
                            }
                        })
                        .collect()
                }),
            (n.clone(), any::<i32>())
                .prop_map(|(n, base)| (0..n as i64).rev().map(|i| i64::from(base) + i).collect()),
            proptest::collection::hash_set(0i64..100_000, n)
                .prop_map(|s| s.into_iter().map(|x| (x << 20) ^ i64::MIN | 1).collect()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// The bucketed sort orders integer customers like their ids (i64, and i128 whose
        /// differences lie both above and below any 64-bit window), for any partition count.
        #[test]
        fn customers_are_sorted_like_their_integer_ids(ids in integer_ids(), bits in 0u32..=10, shift in 8u32..64) {
            let none: FullId<'_> = &|_| &[];
            let mut expected: Vec<usize> = (0..ids.len()).collect();
            expected.sort_by_key(|&r| ids[r]);
            prop_assert_eq!(sorted_rows(&ids, bits, none), expected.clone());
            // the same order with 128-bit ids spread over more than 64 bits
            let wide: Vec<i128> = ids.iter().map(|&i| (i128::from(i) << shift) ^ i128::from(i & 0xff)).collect();
            let mut expected: Vec<usize> = (0..wide.len()).collect();
            expected.sort_by_key(|&r| wide[r]);
            prop_assert_eq!(sorted_rows(&wide, bits, none), expected);
        }

        /// String customers are sorted by their bytes: ids sharing long prefixes, differing
        /// only after 8 bytes from their first difference or beyond their inline 16 bytes,
        /// prefixes of one another and ids padded with zero bytes.
        #[test]
        fn customers_are_sorted_like_their_string_ids(
            ids in proptest::collection::hash_set(
                (0usize..6, 0u64..3000, proptest::collection::vec(prop_oneof![Just(0u8), Just(b'7'), any::<u8>()], 0..6)),
                0..1500,
            ),
            bits in 0u32..=10,
        ) {
            let ids: Vec<Vec<u8>> = ids.into_iter().map(|(shape, n, tail)| {
                let mut id = match shape {
                    0 => format!("CUS-{n:010}").into_bytes(),
                    1 => format!("CUSTOMER-0000000-{n}").into_bytes(),
                    2 => format!("{n}").into_bytes(),
                    3 => format!("A{}B{n:04}", "\0".repeat((n % 9) as usize)).into_bytes(),
                    4 => format!("ab{n:03}cdefghijkl{}", n % 7).into_bytes(),
                    _ => Vec::new(),
                };
                id.extend(tail);
                id
            }).collect::<std::collections::HashSet<_>>().into_iter().collect();
            let keys: Vec<StrKey> = ids.iter().map(|id| StrKey::of(id).unwrap()).collect();
            let full: FullId<'_> = &|r| ids[r].as_slice();
            let mut expected: Vec<usize> = (0..ids.len()).collect();
            expected.sort_by(|&a, &b| ids[a].cmp(&ids[b]));
            prop_assert_eq!(sorted_rows(&keys, bits, full), expected);
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
    fn partition_bits_grow_with_the_log() {
        assert_eq!(partition_bits(0), 0);
        assert_eq!(partition_bits(100_000), 3);
        assert_eq!(partition_bits(10_000_000), MAX_BITS);
    }
}
