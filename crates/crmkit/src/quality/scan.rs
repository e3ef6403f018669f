//! The report's passes over the transaction log, laid out like the per-customer aggregation of
//! [`crate::data::grouping`]: one partition pass, then per-partition work in cache.
//!
//! 1. **Partition pass** (tasks over consecutive rows, on the pool): each task reads its rows in
//!    order, applies the per-row rules (nulls, amounts, observation range) into its own lists,
//!    and hashes the whole row — customer id (with the grouping's [`GroupKey`] / [`StrKey`]
//!    hashes), timestamp, amount and any extra key columns — into one of `2^bits` partitions
//!    chosen by the top bits of the hash, as one packed word (the hash's low 32 bits and the
//!    row). Rows equal in every column have equal hashes, so they fall in the same partition.
//! 2. **Duplicates** (one partition per task, on the pool): each partition visits its rows in
//!    row order (tasks in order, each task's list in order) and probes an open-addressing table
//!    sized for that partition only — about ten thousand rows, a table that stays in the
//!    core's cache. A row whose hash tag matches is compared column by column with the row in
//!    the table; equal means it is a later copy (flagged), otherwise it is inserted. The first
//!    occurrence (lowest row) of every class of equal rows stays unflagged.
//! 3. **Outliers**: the mean (a correctly rounded exact sum) or the medians of the MAD rule are
//!    computed in parallel passes over the amounts — the medians by a radix selection on the
//!    bits of the non-negative amounts (a histogram of the top 16 bits, then a selection among
//!    the values of the one or two buckets that hold the middle ranks) — and a last pass flags
//!    the orders above the cut.
//!
//! Nothing here depends on the number of partitions, tasks or threads, nor on the row order
//! except through row indices (tested against plain references in `tests`).

use rayon::prelude::*;

use super::{QualityLog, QualityOptions, TicksOrDays, amount_bits, is_order};
use crate::data::calendar::Day;
use crate::data::grouping::{GroupKey, Layout, StrKey};
use crate::data::transactions::Times;
use crate::math::exact_sum::ExactSum;
use crate::rfm::features::IntIds;
use crate::runtime::parallel;

/// Rows per task of the partition pass (at least; larger logs get larger tasks).
const TASK_ROWS: usize = 1 << 17;
/// At most this many tasks (and so lists per partition).
const MAX_TASKS: usize = 256;

/// A customer-id column as the duplicate check reads it.
pub(super) trait IdColumn: Sync {
    /// A hash of the id of `row` (equal ids, equal hashes).
    fn id_hash(&self, row: usize) -> u64;
    /// Whether rows `a` and `b` have the same id.
    fn same_id(&self, a: usize, b: usize) -> bool;
}

/// Dense customer codes (a [`crate::data::ids::CustomerIndex`]).
pub(super) struct Codes<'a>(pub &'a [u32]);

impl IdColumn for Codes<'_> {
    #[inline(always)]
    fn id_hash(&self, row: usize) -> u64 {
        i64::from(self.0[row]).hash()
    }
    #[inline(always)]
    fn same_id(&self, a: usize, b: usize) -> bool {
        self.0[a] == self.0[b]
    }
}

impl IdColumn for [i64] {
    #[inline(always)]
    fn id_hash(&self, row: usize) -> u64 {
        self[row].hash()
    }
    #[inline(always)]
    fn same_id(&self, a: usize, b: usize) -> bool {
        self[a] == self[b]
    }
}

impl IdColumn for [u64] {
    #[inline(always)]
    fn id_hash(&self, row: usize) -> u64 {
        (self[row] as i64).hash()
    }
    #[inline(always)]
    fn same_id(&self, a: usize, b: usize) -> bool {
        self[a] == self[b]
    }
}

impl IdColumn for [i128] {
    #[inline(always)]
    fn id_hash(&self, row: usize) -> u64 {
        self[row].hash()
    }
    #[inline(always)]
    fn same_id(&self, a: usize, b: usize) -> bool {
        self[a] == self[b]
    }
}

/// String ids read through a function of the row.
pub(super) struct Strs<'a>(pub &'a (dyn Fn(usize) -> &'a str + Sync + 'a));

impl IdColumn for Strs<'_> {
    #[inline(always)]
    fn id_hash(&self, row: usize) -> u64 {
        let bytes = (self.0)(row).as_bytes();
        // ids of 4 GiB or more have no StrKey: their length alone is a valid (poor) hash
        StrKey::of(bytes).map_or(mix(bytes.len() as u64), |k| k.hash())
    }
    #[inline(always)]
    fn same_id(&self, a: usize, b: usize) -> bool {
        (self.0)(a).as_bytes() == (self.0)(b).as_bytes()
    }
}

/// A 64-bit mix (folded multiply).
#[inline(always)]
fn mix(x: u64) -> u64 {
    let m = u128::from(x) * 0xA076_1D64_78BD_642F_u128;
    (m as u64) ^ ((m >> 64) as u64)
}

/// The hash of a null customer id and of a null timestamp (any value works: equality decides).
const NULL_ID: u64 = 0x6E75_6C6C_2069_6400;
const NULL_TIME: u64 = 0x6E75_6C6C_2074_7300;

/// The rows the per-row rules flag in one task's rows.
#[derive(Default)]
struct RowRules {
    missing_id: Vec<usize>,
    missing_ts: Vec<usize>,
    missing_amount: Vec<usize>,
    non_finite: Vec<usize>,
    negative: Vec<usize>,
    after: Vec<usize>,
    before: Vec<usize>,
}

/// The range checks in ticks: a day d is after `as_of` when ticks >= (as_of + 1) · per_day,
/// before `start` when ticks < start · per_day (no division per row).
#[derive(Clone, Copy)]
struct Bounds {
    after_from: i64,
    after_never: bool,
    before_below: Option<i64>,
}

impl Bounds {
    fn of(times: Times<'_>, options: &QualityOptions) -> Self {
        let per_day = match times {
            Times::Days(_) => 1,
            Times::Ticks { per_day, .. } => per_day,
        };
        let bound = |day: Day| i128::from(day) * i128::from(per_day);
        let clamp = |v: i128| v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        let after_from = bound(options.as_of) + i128::from(per_day);
        Self {
            after_from: clamp(after_from),
            after_never: after_from > i128::from(i64::MAX),
            before_below: options.start.map(|s| clamp(bound(s))),
        }
    }
}

/// The per-row findings (in report order) and the duplicate rows, from one partition pass and
/// the per-partition duplicate check; `bits` partitions (log2) and tasks of `task_rows` rows.
pub(super) fn scan(
    log: &QualityLog<'_>,
    options: &QualityOptions,
    layout: Option<(u32, usize)>,
) -> (RowFindings, Vec<usize>) {
    let rows = log.len();
    let (bits, task_rows) = layout.unwrap_or_else(|| {
        let bits = Layout::for_rows(rows).bits;
        (bits, TASK_ROWS.max(rows.div_ceil(MAX_TASKS)))
    });
    match log.ids {
        super::LogIds::Index(index) => run(log, &Codes(index.codes()), options, bits, task_rows),
        super::LogIds::Int(IntIds::I64(v)) => run(log, v, options, bits, task_rows),
        super::LogIds::Int(IntIds::U64(v)) => run(log, v, options, bits, task_rows),
        super::LogIds::Int(IntIds::I128(v)) => run(log, v, options, bits, task_rows),
        super::LogIds::Str(id) => run(log, &Strs(id), options, bits, task_rows),
    }
}

/// The rows of each per-row rule, ascending.
pub(super) struct RowFindings {
    pub missing_id: Vec<usize>,
    pub missing_ts: Vec<usize>,
    pub missing_amount: Vec<usize>,
    pub non_finite: Vec<usize>,
    pub negative: Vec<usize>,
    pub after: Vec<usize>,
    pub before: Vec<usize>,
}

fn run<I: IdColumn + ?Sized>(
    log: &QualityLog<'_>,
    ids: &I,
    options: &QualityOptions,
    bits: u32,
    task_rows: usize,
) -> (RowFindings, Vec<usize>) {
    let rows = log.len();
    let n_parts = 1usize << bits;
    let task_rows = task_rows.max(1);
    let tasks = rows.div_ceil(task_rows);
    let bounds = Bounds::of(log.times, options);
    let ticks = match log.times {
        Times::Days(days) => TicksOrDays::Days(days),
        Times::Ticks { values, .. } => TicksOrDays::Ticks(values),
    };
    let dedup = rows >= 2;
    let time = |row: usize| match ticks {
        TicksOrDays::Days(days) => i64::from(days[row]),
        TicksOrDays::Ticks(values) => values[row],
    };
    let shift = 64 - bits;
    // 1. partition pass
    let task = |t: usize| -> (RowRules, Vec<Vec<u64>>) {
        let start = t * task_rows;
        let end = (start + task_rows).min(rows);
        let mut rules = RowRules::default();
        let mut lists: Vec<Vec<u64>> = Vec::new();
        if dedup {
            let share = (end - start) / n_parts;
            lists = (0..n_parts)
                .map(|_| Vec::with_capacity(share + share / 4 + 8))
                .collect();
        }
        for row in start..end {
            let id_null = log.missing_customer_id.is_null(row);
            if id_null {
                rules.missing_id.push(row);
            }
            let ts_null = log.missing_timestamp.is_null(row);
            let t = if ts_null {
                rules.missing_ts.push(row);
                0
            } else {
                let t = time(row);
                if !bounds.after_never && t >= bounds.after_from {
                    rules.after.push(row);
                }
                if let Some(below) = bounds.before_below {
                    if t < below {
                        rules.before.push(row);
                    }
                }
                t
            };
            let amount = log.amounts[row];
            let amount_null = log.missing_amount.is_null(row);
            if amount_null {
                rules.missing_amount.push(row);
            } else if !amount.is_finite() {
                rules.non_finite.push(row);
            } else if amount < 0.0 {
                rules.negative.push(row);
            }
            if dedup {
                let id_hash = if id_null { NULL_ID } else { ids.id_hash(row) };
                let time_key = if ts_null { NULL_TIME } else { t as u64 };
                let mut h = mix(id_hash ^ mix(time_key ^ mix(amount_bits(amount, amount_null))));
                for keys in &log.duplicate_keys {
                    h = mix(h ^ keys[row]);
                }
                let p = h.checked_shr(shift).unwrap_or(0) as usize;
                lists[p].push((h << 32) | (row as u64 + 1));
            }
        }
        (rules, lists)
    };
    let done: Vec<(RowRules, Vec<Vec<u64>>)> =
        parallel::install(|| (0..tasks).into_par_iter().map(task).collect());
    let (task_rules, lists): (Vec<RowRules>, Vec<Vec<Vec<u64>>>) = done.into_iter().unzip();
    let findings = concat_rules(task_rules);
    if !dedup {
        return (findings, Vec::new());
    }
    // 2. duplicates, partition by partition
    let amount_key = |row: usize| amount_bits(log.amounts[row], log.missing_amount.is_null(row));
    let same_row = |a: usize, b: usize| {
        let (ia, ib) = (
            log.missing_customer_id.is_null(a),
            log.missing_customer_id.is_null(b),
        );
        let (ta, tb) = (
            log.missing_timestamp.is_null(a),
            log.missing_timestamp.is_null(b),
        );
        ia == ib
            && ta == tb
            && (ta || time(a) == time(b))
            && amount_key(a) == amount_key(b)
            && log.duplicate_keys.iter().all(|k| k[a] == k[b])
            && (ia || ids.same_id(a, b))
    };
    let lists = &lists;
    let per_part: Vec<Vec<usize>> = parallel::install(|| {
        (0..n_parts)
            .into_par_iter()
            // one table per worker, cleared for each partition (no fresh pages per partition)
            .map_init(Vec::new, |table: &mut Vec<u64>, p| {
                let n: usize = lists.iter().map(|l| l[p].len()).sum();
                let mut dups = Vec::new();
                if n < 2 {
                    return dups;
                }
                let size = (n + n / 2).next_power_of_two().max(8);
                let mask = size - 1;
                table.clear();
                table.resize(size, 0);
                for list in lists {
                    for &e in &list[p] {
                        let tag = e >> 32;
                        let row = (e as u32 - 1) as usize;
                        let mut i = tag as usize & mask;
                        loop {
                            let slot = table[i];
                            if slot == 0 {
                                table[i] = e;
                                break;
                            }
                            if slot >> 32 == tag && same_row(row, (slot as u32 - 1) as usize) {
                                dups.push(row);
                                break;
                            }
                            i = (i + 1) & mask;
                        }
                    }
                }
                dups
            })
            .collect()
    });
    let mut duplicates: Vec<usize> = per_part.into_iter().flatten().collect();
    duplicates.sort_unstable();
    (findings, duplicates)
}

fn concat_rules(tasks: Vec<RowRules>) -> RowFindings {
    let mut out = RowRules::default();
    for t in tasks {
        out.missing_id.extend(t.missing_id);
        out.missing_ts.extend(t.missing_ts);
        out.missing_amount.extend(t.missing_amount);
        out.non_finite.extend(t.non_finite);
        out.negative.extend(t.negative);
        out.after.extend(t.after);
        out.before.extend(t.before);
    }
    RowFindings {
        missing_id: out.missing_id,
        missing_ts: out.missing_ts,
        missing_amount: out.missing_amount,
        non_finite: out.non_finite,
        negative: out.negative,
        after: out.after,
        before: out.before,
    }
}

/// The order amount of `row` (present, finite, >= 0), if it is an order.
#[inline(always)]
fn order(log: &QualityLog<'_>, row: usize) -> Option<f64> {
    let a = log.amounts[row];
    (is_order(a) && !log.missing_amount.is_null(row)).then_some(a)
}

/// [`super::exact_mean`] of `value(row)` over the rows where it is `Some`, in parallel passes
/// (exact sums merged in chunk order: the same value).
fn exact_mean_par(rows: usize, value: impl Fn(usize) -> Option<f64> + Sync) -> Option<f64> {
    super::mean_of_sums(|scale| {
        parallel::map_chunks(rows, |s, e| {
            super::scaled_sum((s..e).filter_map(&value), scale)
        })
        .into_iter()
        .fold((0, ExactSum::default()), |(n, mut all), (count, sum)| {
            all.merge(&sum);
            (n + count, all)
        })
    })
}

/// The order key of a non-negative finite value: its bits (−0.0 as 0.0), which order like the
/// values.
#[inline(always)]
fn key(v: f64) -> u64 {
    if v == 0.0 { 0 } else { v.to_bits() }
}

const RADIX_SHIFT: u32 = 48;

/// The median of `value(row)` over the rows where it is `Some` (all finite and >= 0), as
/// [`crate::math::stats::median_in_place`] computes it (even counts: the mean of the two middle
/// values, `below + (upper − below) / 2`); `None` without values. −0.0 counts as 0.0.
fn median_par(rows: usize, value: impl Fn(usize) -> Option<f64> + Sync) -> Option<f64> {
    let hists = parallel::map_chunks(rows, |s, e| {
        let mut hist = vec![0u32; 1 << (64 - RADIX_SHIFT)];
        for v in (s..e).filter_map(&value) {
            hist[(key(v) >> RADIX_SHIFT) as usize] += 1;
        }
        hist
    });
    let mut hist = vec![0usize; 1 << (64 - RADIX_SHIFT)];
    for h in &hists {
        for (total, &c) in hist.iter_mut().zip(h) {
            *total += c as usize;
        }
    }
    drop(hists);
    let count: usize = hist.iter().sum();
    if count == 0 {
        return None;
    }
    let hi_rank = count / 2;
    let lo_rank = if count % 2 == 1 { hi_rank } else { hi_rank - 1 };
    // the buckets of the two ranks and the values below the first
    let (mut below, mut seen) = (0usize, 0usize);
    let (mut lo_bucket, mut hi_bucket) = (None, 0usize);
    for (b, &c) in hist.iter().enumerate() {
        if lo_bucket.is_none() && seen + c > lo_rank {
            lo_bucket = Some(b);
            below = seen;
        }
        if seen + c > hi_rank {
            hi_bucket = b;
            break;
        }
        seen += c;
    }
    let lo_bucket = lo_bucket.unwrap_or(hi_bucket) as u64;
    let hi_bucket = hi_bucket as u64;
    let parts = parallel::map_chunks(rows, |s, e| {
        (s..e)
            .filter_map(&value)
            .map(key)
            .filter(|k| (lo_bucket..=hi_bucket).contains(&(k >> RADIX_SHIFT)))
            .collect::<Vec<u64>>()
    });
    let mut gathered: Vec<u64> = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for p in parts {
        gathered.extend(p);
    }
    let local_hi = hi_rank - below;
    let (lower, upper, _) = gathered.select_nth_unstable(local_hi);
    let upper = f64::from_bits(*upper);
    if lo_rank == hi_rank {
        return Some(upper);
    }
    let below = f64::from_bits(lower.iter().copied().max().unwrap_or(0));
    Some(below + (upper - below) / 2.0)
}

/// The outlier cut of the log's orders, as [`super::OutlierRule::cut`] computes it on the same
/// amounts.
pub(super) fn outlier_cut(log: &QualityLog<'_>, rule: super::OutlierRule) -> Option<f64> {
    let rows = log.len();
    let cut = match rule {
        super::OutlierRule::MeanMultiple { factor } => {
            exact_mean_par(rows, |r| order(log, r)).map(|m| factor * m)
        }
        super::OutlierRule::Mad { threshold } => {
            let center = median_par(rows, |r| order(log, r))?;
            let deviation = |r: usize| order(log, r).map(|v| (v - center).abs());
            let mad = median_par(rows, deviation)?;
            if mad > 0.0 {
                Some(center + threshold * mad / super::MAD_CONSTANT)
            } else {
                let mean_ad = exact_mean_par(rows, deviation).unwrap_or(0.0);
                Some(center + threshold * super::MEAN_AD_CONSTANT * mean_ad)
            }
        }
    };
    cut.map(|c| if c.is_finite() { c } else { f64::MAX })
}

/// The orders above `cut`, ascending.
pub(super) fn outlier_rows(log: &QualityLog<'_>, cut: f64) -> Vec<usize> {
    let parts = parallel::map_chunks(log.len(), |s, e| {
        (s..e)
            .filter(|&r| order(log, r).is_some_and(|a| a > cut))
            .collect::<Vec<usize>>()
    });
    parts.into_iter().flatten().collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;
    use crate::data::ids::CustomerIndex;
    use crate::quality::{Nulls, OutlierRule};

    /// Plain reference: a row is a duplicate when an earlier row has the same (id or null,
    /// timestamp or null, canonical amount bits or null, extra key).
    fn reference_duplicates(
        ids: &[Option<i64>],
        times: &[Option<i32>],
        amounts: &[Option<f64>],
        keys: &[u64],
    ) -> Vec<usize> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for row in 0..ids.len() {
            let amount = amounts[row].map(|a| amount_bits(a, false));
            let key = (ids[row], times[row], amount, keys[row]);
            if seen.insert(key, row).is_some() {
                out.push(row);
            }
        }
        out
    }

    /// Plain reference for the cut: the orders collected and handed to `OutlierRule::cut`.
    fn reference_cut(amounts: &[Option<f64>], rule: OutlierRule) -> Option<f64> {
        let orders: Vec<f64> = amounts.iter().flatten().copied().collect();
        rule.cut(&orders)
    }

    type Rows = Vec<(Option<i64>, Option<i32>, Option<f64>, u64)>;

    fn shuffle(n: usize, seed: u64) -> Vec<usize> {
        let mut perm: Vec<usize> = (0..n).collect();
        let mut state = seed | 1;
        for i in (1..n).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            perm.swap(i, (state % (i as u64 + 1)) as usize);
        }
        perm
    }

    /// Runs the partitioned path on `rows` with the given ids view; returns (duplicates, cut,
    /// outlier rows).
    fn partitioned(
        rows: &Rows,
        how: u8,
        layout: (u32, usize),
        rule: OutlierRule,
    ) -> (Vec<usize>, Option<f64>, Vec<usize>) {
        let ids: Vec<i64> = rows.iter().map(|r| r.0.unwrap_or(99)).collect();
        let id_null: Vec<bool> = rows.iter().map(|r| r.0.is_none()).collect();
        let days: Vec<i32> = rows.iter().map(|r| r.1.unwrap_or(-5)).collect();
        let ts_null: Vec<bool> = rows.iter().map(|r| r.1.is_none()).collect();
        let amounts: Vec<f64> = rows.iter().map(|r| r.2.unwrap_or(1.0)).collect();
        let amount_null: Vec<bool> = rows.iter().map(|r| r.2.is_none()).collect();
        let keys: Vec<u64> = rows.iter().map(|r| r.3).collect();
        let strings: Vec<String> = ids.iter().map(|i| format!("CUS-{i:012}")).collect();
        let id_of = |r: usize| strings[r].as_str();
        let index = if ids.is_empty() {
            CustomerIndex::from_codes("customer_id", vec![], 0)
        } else {
            CustomerIndex::from_i64("customer_id", &ids)
        }
        .unwrap();
        let times = Times::Days(&days);
        let log = match how {
            0 => QualityLog::new(&index, times, &amounts),
            1 => QualityLog::by_id(IntIds::I64(&ids), times, &amounts),
            _ => QualityLog::by_str(strings.len(), &id_of, times, &amounts),
        }
        .unwrap()
        .with_missing_customer_ids(Nulls::Flags(&id_null))
        .unwrap()
        .with_missing_timestamps(Nulls::Flags(&ts_null))
        .unwrap()
        .with_missing_amounts(Nulls::Flags(&amount_null))
        .unwrap()
        .with_duplicate_key("k", &keys)
        .unwrap();
        let (_, dups) = scan(&log, &QualityOptions::new(0), Some(layout));
        let cut = outlier_cut(&log, rule);
        let outliers = cut.map_or_else(Vec::new, |c| outlier_rows(&log, c));
        (dups, cut, outliers)
    }

    fn amount() -> impl Strategy<Value = Option<f64>> {
        prop_oneof![
            Just(None),
            Just(Some(f64::NAN)),
            Just(Some(-0.0)),
            Just(Some(0.0)),
            Just(Some(-3.0)),
            (0u8..6).prop_map(|a| Some(f64::from(a) * 10.0)),
            (0.0f64..1e6).prop_map(Some),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Duplicates and outliers of the partitioned passes equal the plain references, for
        /// every id view, partition count and task size, in the original row order and shuffled
        /// (the shuffled rows flag the shuffled reference's rows).
        #[test]
        fn partitioned_passes_match_plain_references(
            rows in proptest::collection::vec(
                (proptest::option::of(0i64..5), proptest::option::of(0i32..4), amount(), 0u64..2),
                0..120,
            ),
            seed in any::<u64>(),
            how in 0u8..3,
            bits in 0u32..5,
            task_rows in 1usize..40,
            mad in any::<bool>(),
        ) {
            let rule = if mad { OutlierRule::mad() } else { OutlierRule::MeanMultiple { factor: 1.5 } };
            for order in [None, Some(shuffle(rows.len(), seed))] {
                let rows: Rows = match &order {
                    None => rows.clone(),
                    Some(perm) => perm.iter().map(|&r| rows[r]).collect(),
                };
                let ids: Vec<Option<i64>> = rows.iter().map(|r| r.0).collect();
                let times: Vec<Option<i32>> = rows.iter().map(|r| r.1).collect();
                let amounts: Vec<Option<f64>> = rows.iter().map(|r| r.2).collect();
                let keys: Vec<u64> = rows.iter().map(|r| r.3).collect();
                let (dups, cut, outliers) = partitioned(&rows, how, (bits, task_rows), rule);
                prop_assert_eq!(dups, reference_duplicates(&ids, &times, &amounts, &keys));
                let expected_cut = reference_cut(&amounts, rule);
                prop_assert_eq!(cut, expected_cut);
                let expected: Vec<usize> = match expected_cut {
                    None => Vec::new(),
                    Some(c) => (0..rows.len())
                        .filter(|&r| amounts[r].is_some_and(|a| a.is_finite() && a > c))
                        .collect(),
                };
                prop_assert_eq!(outliers, expected);
            }
        }

        /// The radix median equals `median_in_place` on the same values, including many ties
        /// and values spread over one bucket or many.
        #[test]
        fn radix_median_matches_median_in_place(
            values in proptest::collection::vec(
                prop_oneof![Just(0.0f64), Just(-0.0), Just(16.0), 16.0f64..17.0, 0.0f64..1e300],
                0..300,
            ),
        ) {
            let got = median_par(values.len(), |r| Some(values[r]));
            let expected = if values.is_empty() {
                None
            } else {
                Some(crate::math::stats::median_in_place(&mut values.clone()))
            };
            // −0.0 and 0.0 are the same median
            prop_assert_eq!(got.map(|m| m + 0.0), expected.map(|m| m + 0.0));
        }
    }

    #[test]
    fn large_logs_split_into_tasks_and_partitions() {
        // 300 k rows (parallel chunks), every 1000th row a copy of the row before
        let n = 300_000;
        let ids: Vec<i64> = (0..n as i64)
            .map(|i| if i % 1000 == 1 { i - 1 } else { i })
            .collect();
        let days = vec![3i32; n];
        let amounts: Vec<f64> = (0..n)
            .map(|i| {
                if i % 1000 == 1 {
                    (i - 1) as f64
                } else {
                    i as f64
                }
            })
            .collect();
        let log = QualityLog::by_id(IntIds::I64(&ids), Times::Days(&days), &amounts).unwrap();
        let (_, dups) = scan(&log, &QualityOptions::new(5), None);
        let expected: Vec<usize> = (0..n).filter(|i| i % 1000 == 1).collect();
        assert_eq!(dups, expected);
        for rule in [OutlierRule::default(), OutlierRule::mad()] {
            assert_eq!(outlier_cut(&log, rule), rule.cut(&amounts));
        }
    }
}
