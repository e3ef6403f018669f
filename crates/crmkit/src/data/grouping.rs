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
    // (key, partition << 32 | local index), sorted by id.
    let mut order: Vec<(K, u64)> = Vec::with_capacity(total);
    for (p, part) in parts.iter().enumerate() {
        order.extend(
            part.keys
                .iter()
                .enumerate()
                .map(|(l, &k)| (k, (p as u64) << 32 | l as u64)),
        );
    }
    let first_row = |r: u64| parts[(r >> 32) as usize].first_rows[r as u32 as usize];
    parallel::install(|| {
        order.par_sort_unstable_by(|a, b| {
            a.0.order(&b.0, || full(first_row(a.1)).cmp(full(first_row(b.1))))
        });
    });
    let (records, first_rows): (Vec<R>, Vec<usize>) = parallel::install(|| {
        order
            .par_iter()
            .map(|&(_, r)| {
                let part = &parts[(r >> 32) as usize];
                let l = r as u32 as usize;
                (part.records[l], part.first_rows[l])
            })
            .unzip()
    });
    let mut spills = Spills::default();
    if parts.iter().any(|p| !p.spills.is_empty()) {
        let mut code: Vec<Vec<u32>> = parts.iter().map(|p| vec![0; p.keys.len()]).collect();
        for (c, &(_, r)) in order.iter().enumerate() {
            code[(r >> 32) as usize][r as u32 as usize] = c as u32;
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
