//! Marketing RFM features per customer: what CRM teams mean by recency, frequency and monetary.
//!
//! Not to be confused with the buy-till-you-die summary of [`crate::clv::summary`], which counts
//! *repeat* purchase periods and measures ages in a time unit.
//!
//! # Definitions
//!
//! For each customer with at least one purchase on or before `as_of`:
//! - `first_purchase`, `last_purchase`: the days of the first and last purchase (any time
//!   up to `as_of`, not only inside the window);
//! - `days_since_last` = `as_of − last_purchase` in days (smaller is better; 0 for a purchase
//!   on the observation day itself);
//! - `frequency` = number of purchases (rows) inside the window, the last `window_days`
//!   days up to and including `as_of`: `as_of − window_days < day ≤ as_of`;
//! - `monetary` = total amount of those purchases (net of refunds in the window when refunds
//!   are netted): the correctly rounded sum of the amounts (equal to Python's `math.fsum`),
//!   whatever the row order (see
//!   [`crate::math::exact_sum::ExactSum`]);
//! - `avg_order_value` = `monetary / frequency`, and 0 when `frequency` is 0 (a customer whose
//!   purchases all lie before the window keeps a row, with frequency and monetary 0).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::calendar::Day;
use crate::data::grouping::{FullId, GroupKey, Layout, StrKey, aggregate, all_short, short_key};
use crate::data::transactions::{LogOptions, LogReport, Times, TransactionLog};
use crate::math::exact_sum::{ExactWindow, Spills};
use crate::runtime::parallel;
use crate::{CrmkitError, Result};

/// One record per customer: a row touches one cache line, not five.
#[derive(Clone, Copy)]
struct Acc {
    monetary: ExactWindow,
    first: Day,
    last: Day,
    frequency: u32,
    refunded: bool,
}

const EMPTY: Acc = Acc {
    monetary: ExactWindow::ZERO,
    first: Day::MAX,
    last: Day::MIN,
    frequency: 0,
    refunded: false,
};

impl Acc {
    /// Folds one row in scope; returns false when the amount must be kept in the spills.
    #[inline(always)]
    fn add(&mut self, day: Day, amount: f64, window_start: i64) -> bool {
        let in_window = i64::from(day) > window_start;
        if amount >= 0.0 {
            self.first = self.first.min(day);
            self.last = self.last.max(day);
            self.frequency += u32::from(in_window);
        } else {
            self.refunded = true;
        }
        !in_window || self.monetary.try_add(amount)
    }
}

/// Customers below which one scan of the log aggregates them all.
const MIN_CUSTOMERS_PER_SCAN: usize = 1 << 15;

/// Options for [`rfm_features`].
///
/// # Examples
///
/// ```
/// let options = crmkit::rfm::features::FeatureOptions::default();
/// assert_eq!(options.window_days, 365);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatureOptions {
    /// Length of the frequency / monetary window in days, ending at `as_of` (inclusive).
    pub window_days: u32,
    /// How rows after `as_of` and negative amounts are treated.
    pub log: LogOptions,
}

impl Default for FeatureOptions {
    fn default() -> Self {
        Self {
            window_days: 365,
            log: LogOptions::default(),
        }
    }
}

/// Marketing RFM features, one entry per customer in ascending customer-id order.
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::CustomerIndex;
/// use crmkit::rfm::features::{rfm_features, FeatureOptions};
/// use crmkit::data::transactions::{TransactionLog, Times};
///
/// let index = CustomerIndex::from_i64("customer_id", &[7, 7, 3])?;
/// let days = [100, 130, 90];
/// let log = TransactionLog::new(&index, Times::Days(&days), &[10.0, 30.0, 5.0])?;
/// let features = rfm_features(&log, 140, &FeatureOptions::default())?;
/// assert_eq!(features.days_since_last, vec![50, 10]); // customer 3, then customer 7
/// assert_eq!(features.frequency, vec![1, 2]);
/// assert_eq!(features.monetary, vec![5.0, 40.0]);
/// assert_eq!(features.avg_order_value, vec![5.0, 20.0]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RfmFeatures {
    /// Customer code of each output row (see [`crate::data::ids::CustomerIndex`]).
    pub customer: Vec<u32>,
    /// First row of the input at which the customer appears (to fetch the original id).
    pub first_row: Vec<u64>,
    /// Day of the first purchase on or before `as_of` (days since 1970-01-01).
    pub first_purchase: Vec<i64>,
    /// Day of the last purchase on or before `as_of`.
    pub last_purchase: Vec<i64>,
    /// Days from the last purchase to `as_of`.
    pub days_since_last: Vec<i64>,
    /// Purchases inside the window.
    pub frequency: Vec<i64>,
    /// Total spend inside the window.
    pub monetary: Vec<f64>,
    /// `monetary / frequency`; 0 when `frequency` is 0.
    pub avg_order_value: Vec<f64>,
    /// What was left out of the log and why.
    pub report: LogReport,
}

/// Computes the marketing RFM features of every customer of `log` as of `as_of` (one pass).
///
/// # Examples
///
/// See [`RfmFeatures`].
///
/// # Errors
///
/// [`CrmkitError::InvalidValue`] for a NaN, infinite or (unless refunds are netted) negative
/// amount; [`CrmkitError::AfterObservation`] for a row after `as_of` (unless excluded);
/// [`CrmkitError::InvalidConfig`] for `window_days == 0`; [`CrmkitError::EmptyInput`] when
/// no customer has a purchase on or before `as_of`.
pub fn rfm_features(
    log: &TransactionLog<'_>,
    as_of: Day,
    options: &FeatureOptions,
) -> Result<RfmFeatures> {
    let window_start = i64::from(as_of) - check_window(options)?;
    let n = log.customers().n_customers();
    // The customers are split into ranges, each aggregated by its own scan of the log on the
    // pool: a scan touches only its own records (a fraction of the table, better cached) and
    // needs no locks. The result is the same for any split (exact sums, minima, counts).
    let parts = crate::runtime::parallel::num_threads()
        .min(n.div_ceil(MIN_CUSTOMERS_PER_SCAN))
        .max(1);
    let (scans, report) = log.scan_by_customers(
        as_of,
        options.log,
        parts,
        |range| {
            // terms the 16-byte windows cannot hold exactly (rare), by customer code
            (range.start, vec![EMPTY; range.len()], Spills::default())
        },
        // the records are prefetched a few rows ahead (the scan is bound by cache misses)
        |(_, acc, _)| (acc.as_ptr() as usize, std::mem::size_of::<Acc>()),
        |(start, acc, spills), code, day, amount| {
            if !acc[(code - *start) as usize].add(day, amount, window_start) {
                spills.push(code, amount);
            }
        },
    )?;
    let mut acc = Vec::with_capacity(n);
    let mut spills = Spills::default();
    for (_, part, part_spills) in scans {
        acc.extend(part);
        spills.absorb(part_spills);
    }
    spills.finish();
    collect(&acc, log.customers().first_rows(), &spills, report, as_of)
}

/// Customers per task of [`collect`] (tests split even small logs into several runs).
const COLLECT_RUN: usize = if cfg!(test) { 16 } else { 1 << 15 };

/// The output columns of a run of customers: disjoint parts of a result's columns.
struct OutRows<'a> {
    customer: &'a mut [u32],
    first_row: &'a mut [u64],
    first_purchase: &'a mut [i64],
    last_purchase: &'a mut [i64],
    days_since_last: &'a mut [i64],
    frequency: &'a mut [i64],
    monetary: &'a mut [f64],
    avg_order_value: &'a mut [f64],
}

impl<'a> OutRows<'a> {
    fn of(out: &'a mut RfmFeatures) -> Self {
        Self {
            customer: &mut out.customer,
            first_row: &mut out.first_row,
            first_purchase: &mut out.first_purchase,
            last_purchase: &mut out.last_purchase,
            days_since_last: &mut out.days_since_last,
            frequency: &mut out.frequency,
            monetary: &mut out.monetary,
            avg_order_value: &mut out.avg_order_value,
        }
    }

    /// The first `n` rows and the rest.
    fn split_at(self, n: usize) -> (Self, Self) {
        let (customer, customer_rest) = self.customer.split_at_mut(n);
        let (first_row, first_row_rest) = self.first_row.split_at_mut(n);
        let (first_purchase, first_purchase_rest) = self.first_purchase.split_at_mut(n);
        let (last_purchase, last_purchase_rest) = self.last_purchase.split_at_mut(n);
        let (days_since_last, days_since_last_rest) = self.days_since_last.split_at_mut(n);
        let (frequency, frequency_rest) = self.frequency.split_at_mut(n);
        let (monetary, monetary_rest) = self.monetary.split_at_mut(n);
        let (avg_order_value, avg_order_value_rest) = self.avg_order_value.split_at_mut(n);
        (
            Self {
                customer,
                first_row,
                first_purchase,
                last_purchase,
                days_since_last,
                frequency,
                monetary,
                avg_order_value,
            },
            Self {
                customer: customer_rest,
                first_row: first_row_rest,
                first_purchase: first_purchase_rest,
                last_purchase: last_purchase_rest,
                days_since_last: days_since_last_rest,
                frequency: frequency_rest,
                monetary: monetary_rest,
                avg_order_value: avg_order_value_rest,
            },
        )
    }
}

/// The output rows of the customers with a purchase, from their records in customer-code order
/// (runs of customers on the pool: one pass counts each run's rows, the next writes them in
/// place).
fn collect(
    acc: &[Acc],
    first_rows: &[usize],
    spills: &Spills,
    mut report: LogReport,
    as_of: Day,
) -> Result<RfmFeatures> {
    // per run: customers with a purchase, refund-only customers, customers after as_of
    let counts: Vec<[usize; 3]> = parallel::install(|| {
        acc.par_chunks(COLLECT_RUN)
            .map(|run| {
                run.iter().fold([0; 3], |mut n, a| {
                    n[if a.last != Day::MIN {
                        0
                    } else if a.refunded {
                        1
                    } else {
                        2
                    }] += 1;
                    n
                })
            })
            .collect()
    });
    let with_purchase: usize = counts.iter().map(|n| n[0]).sum();
    if with_purchase == 0 {
        return Err(CrmkitError::empty(
            "transactions on or before as_of (every row is after the observation date or a refund)",
        ));
    }
    report.refund_only_customers += counts.iter().map(|n| n[1]).sum::<usize>();
    report.customers_after_as_of += counts.iter().map(|n| n[2]).sum::<usize>();
    let mut out = RfmFeatures {
        customer: vec![0; with_purchase],
        first_row: vec![0; with_purchase],
        first_purchase: vec![0; with_purchase],
        last_purchase: vec![0; with_purchase],
        days_since_last: vec![0; with_purchase],
        frequency: vec![0; with_purchase],
        monetary: vec![0.0; with_purchase],
        avg_order_value: vec![0.0; with_purchase],
        report,
    };
    let mut rest = OutRows::of(&mut out);
    let mut runs = Vec::with_capacity(counts.len());
    for (i, n) in counts.iter().enumerate() {
        let (rows, tail) = rest.split_at(n[0]);
        runs.push((i * COLLECT_RUN, rows));
        rest = tail;
    }
    parallel::install(|| {
        runs.into_par_iter().for_each(|(start, rows)| {
            let end = (start + COLLECT_RUN).min(acc.len());
            let mut j = 0;
            for (c, a) in acc[start..end].iter().enumerate() {
                if a.last == Day::MIN {
                    continue;
                }
                let c = start + c;
                rows.customer[j] = c as u32;
                rows.first_row[j] = first_rows[c] as u64;
                rows.first_purchase[j] = i64::from(a.first);
                rows.last_purchase[j] = i64::from(a.last);
                rows.days_since_last[j] = i64::from(as_of) - i64::from(a.last);
                rows.frequency[j] = i64::from(a.frequency);
                let monetary = a.monetary.value_with(spills.of(c as u32));
                rows.monetary[j] = monetary;
                rows.avg_order_value[j] = if a.frequency > 0 {
                    monetary / f64::from(a.frequency)
                } else {
                    0.0
                };
                j += 1;
            }
        });
    });
    Ok(out)
}

/// An integer customer-id column, read by [`rfm_features_by_id`] as it is (no copy).
///
/// # Examples
///
/// ```
/// use crmkit::rfm::features::IntIds;
/// let ids = [u64::MAX, 1 << 63];
/// assert_eq!(IntIds::U64(&ids).len(), 2);
/// ```
#[derive(Clone, Copy, Debug)]
pub enum IntIds<'a> {
    /// Signed 64-bit ids.
    I64(&'a [i64]),
    /// Unsigned 64-bit ids (every value, also those >= 2^63, is its own customer).
    U64(&'a [u64]),
    /// 128-bit ids.
    I128(&'a [i128]),
}

impl IntIds<'_> {
    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::rfm::features::IntIds::I64(&[1, 2, 1]).len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            IntIds::I64(v) => v.len(),
            IntIds::U64(v) => v.len(),
            IntIds::I128(v) => v.len(),
        }
    }

    /// Whether there are no rows.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(crmkit::rfm::features::IntIds::I64(&[]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn check_window(options: &FeatureOptions) -> Result<i64> {
    if options.window_days == 0 {
        return Err(CrmkitError::invalid_config(
            "window_days",
            options.window_days,
            "the window must be at least one day",
        ));
    }
    Ok(i64::from(options.window_days))
}

#[allow(clippy::too_many_arguments)]
fn grouped_features<K: GroupKey>(
    rows: usize,
    key_of: &(impl Fn(usize) -> Result<K> + Sync),
    full: FullId<'_>,
    times: Times<'_>,
    amounts: &[f64],
    as_of: Day,
    options: &FeatureOptions,
    layout: Layout,
) -> Result<RfmFeatures> {
    let window_start = i64::from(as_of) - check_window(options)?;
    let grouped = aggregate(
        rows,
        key_of,
        full,
        times,
        amounts,
        as_of,
        options.log,
        EMPTY,
        &|acc: &mut Acc, day, amount| acc.add(day, amount, window_start),
        layout,
    )?;
    collect(
        &grouped.records,
        &grouped.first_rows,
        &grouped.spills,
        grouped.report,
        as_of,
    )
}

/// [`rfm_features`] straight from an integer id column: the same features, customer codes (in
/// ascending id order) and report, computed in one radix-partitioned pass that groups and
/// aggregates together (see [`crate::data::grouping`]) instead of first building a
/// [`crate::data::ids::CustomerIndex`]. This is the fast path for large logs.
///
/// # Examples
///
/// ```
/// use crmkit::data::transactions::Times;
/// use crmkit::rfm::features::{rfm_features_by_id, FeatureOptions, IntIds};
///
/// let f = rfm_features_by_id(IntIds::I64(&[7, 7, 3]), Times::Days(&[100, 130, 90]), &[10.0, 30.0, 5.0], 140, &FeatureOptions::default())?;
/// assert_eq!(f.customer, vec![0, 1]); // customer 3, then customer 7
/// assert_eq!(f.first_row, vec![2, 0]);
/// assert_eq!(f.monetary, vec![5.0, 40.0]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// As [`rfm_features`]; also [`CrmkitError::LengthMismatch`] when the columns differ in
/// length and [`CrmkitError::EmptyInput`] for an empty log.
pub fn rfm_features_by_id(
    ids: IntIds<'_>,
    times: Times<'_>,
    amounts: &[f64],
    as_of: Day,
    options: &FeatureOptions,
) -> Result<RfmFeatures> {
    let layout = Layout::for_rows(ids.len());
    by_id_with(ids, times, amounts, as_of, options, layout)
}

fn by_id_with(
    ids: IntIds<'_>,
    times: Times<'_>,
    amounts: &[f64],
    as_of: Day,
    options: &FeatureOptions,
    layout: Layout,
) -> Result<RfmFeatures> {
    let none: FullId<'_> = &|_| &[];
    match ids {
        IntIds::I64(v) => grouped_features(
            v.len(),
            &|r| Ok(v[r]),
            none,
            times,
            amounts,
            as_of,
            options,
            layout,
        ),
        // flipping the top bit maps u64 onto i64 keeping the order
        IntIds::U64(v) => grouped_features(
            v.len(),
            &|r| Ok((v[r] ^ (1 << 63)) as i64),
            none,
            times,
            amounts,
            as_of,
            options,
            layout,
        ),
        IntIds::I128(v) => grouped_features(
            v.len(),
            &|r| Ok(v[r]),
            none,
            times,
            amounts,
            as_of,
            options,
            layout,
        ),
    }
}

/// [`rfm_features_by_id`] for string ids: `id(row)` returns the id of a row (borrowed, never
/// copied). Ids are hashed once; customers are numbered in ascending order of the ids' UTF-8
/// bytes. When no id is longer than 15 bytes, each id is packed into a 128-bit integer that
/// orders like its bytes and the log is grouped like integer ids (a first pass reads only the
/// ids' lengths); the result is the same either way.
///
/// # Examples
///
/// ```
/// use crmkit::data::transactions::Times;
/// use crmkit::rfm::features::{rfm_features_by_str, FeatureOptions};
///
/// let ids = ["CUS-7", "CUS-7", "CUS-3"];
/// let f = rfm_features_by_str(3, |r| ids[r], Times::Days(&[100, 130, 90]), &[10.0, 30.0, 5.0], 140, &FeatureOptions::default())?;
/// assert_eq!(f.first_row, vec![2, 0]);
/// assert_eq!(f.frequency, vec![1, 2]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// As [`rfm_features_by_id`]; also [`CrmkitError::InvalidValue`] for an id of 4 GiB or more.
pub fn rfm_features_by_str<'a>(
    rows: usize,
    id: impl Fn(usize) -> &'a str + Sync,
    times: Times<'_>,
    amounts: &[f64],
    as_of: Day,
    options: &FeatureOptions,
) -> Result<RfmFeatures> {
    by_str_with(
        rows,
        id,
        times,
        amounts,
        as_of,
        options,
        Layout::for_rows(rows),
    )
}

fn by_str_with<'a>(
    rows: usize,
    id: impl Fn(usize) -> &'a str + Sync,
    times: Times<'_>,
    amounts: &[f64],
    as_of: Day,
    options: &FeatureOptions,
    layout: Layout,
) -> Result<RfmFeatures> {
    // Ids of at most 15 bytes (most id schemes) are grouped as 128-bit integers: checking
    // their lengths first reads only the offsets.
    if all_short(rows, &id) {
        let none: FullId<'_> = &|_| &[];
        let key_of = |r: usize| Ok(short_key(id(r).as_bytes()));
        return grouped_features(rows, &key_of, none, times, amounts, as_of, options, layout);
    }
    let full = |r: usize| id(r).as_bytes();
    let key_of = |r: usize| {
        StrKey::of(id(r).as_bytes()).ok_or_else(|| {
            CrmkitError::invalid_value(
                "customer_id",
                r,
                "(customer id)",
                "ids must be shorter than 4 GiB",
            )
        })
    };
    grouped_features(rows, &key_of, &full, times, amounts, as_of, options, layout)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::data::ids::CustomerIndex;
    use crate::data::transactions::{AfterAsOf, NegativeAmounts, Times};
    use proptest::prelude::*;

    fn features(
        ids: &[i64],
        days: &[i32],
        amounts: &[f64],
        as_of: Day,
        options: FeatureOptions,
    ) -> Result<RfmFeatures> {
        let index = CustomerIndex::from_i64("customer_id", ids)?;
        let log = TransactionLog::new(&index, Times::Days(days), amounts)?;
        rfm_features(&log, as_of, &options)
    }

    #[test]
    fn window_is_inclusive_of_as_of_and_exclusive_of_its_start() {
        let options = FeatureOptions {
            window_days: 10,
            ..FeatureOptions::default()
        };
        // Day 90 is exactly window_days before as_of: outside. Day 91 and day 100 inside.
        let f = features(&[1, 1, 1], &[90, 91, 100], &[1.0, 2.0, 4.0], 100, options).unwrap();
        assert_eq!(f.frequency, vec![2]);
        assert_eq!(f.monetary, vec![6.0]);
        assert_eq!(f.days_since_last, vec![0]);
        assert_eq!(f.first_purchase, vec![90]);
    }

    #[test]
    fn customers_before_the_window_keep_a_row_with_zero_value() {
        let options = FeatureOptions {
            window_days: 5,
            ..FeatureOptions::default()
        };
        let f = features(&[1, 2], &[10, 99], &[3.0, 4.0], 100, options).unwrap();
        assert_eq!(f.frequency, vec![0, 1]);
        assert_eq!(f.avg_order_value, vec![0.0, 4.0]);
        assert_eq!(f.days_since_last, vec![90, 1]);
    }

    #[test]
    fn rows_after_as_of_error_or_are_counted() {
        let err = features(
            &[1, 2],
            &[10, 101],
            &[3.0, 4.0],
            100,
            FeatureOptions::default(),
        );
        assert!(matches!(
            err,
            Err(CrmkitError::AfterObservation { row: 1, .. })
        ));
        let mut options = FeatureOptions::default();
        options.log.after_as_of = AfterAsOf::Exclude;
        let f = features(&[1, 2], &[10, 101], &[3.0, 4.0], 100, options).unwrap();
        assert_eq!(f.customer, vec![0]);
        assert_eq!(f.report.rows_after_as_of, 1);
        assert_eq!(f.report.customers_after_as_of, 1);
    }

    #[test]
    fn bad_amounts_name_the_row() {
        for bad in [f64::NAN, f64::INFINITY, -1.0, 1e17] {
            let err = features(&[1, 1], &[1, 2], &[1.0, bad], 10, FeatureOptions::default());
            assert!(
                matches!(err, Err(CrmkitError::InvalidValue { row: 1, ref field, .. }) if field == "amount")
            );
        }
    }

    #[test]
    fn refunds_are_netted_when_asked() {
        let mut options = FeatureOptions::default();
        options.log.negative_amounts = NegativeAmounts::Net;
        let f = features(&[1, 1, 2], &[1, 5, 3], &[10.0, -4.0, -1.0], 10, options).unwrap();
        assert_eq!(f.customer, vec![0]);
        assert_eq!(f.frequency, vec![1]);
        assert_eq!(f.monetary, vec![6.0]);
        assert_eq!(f.last_purchase, vec![1], "a refund is not a purchase");
        assert_eq!(f.report.refunds, 2);
        assert_eq!(f.report.refund_only_customers, 1);
    }

    #[test]
    fn everything_after_as_of_is_an_error() {
        let mut options = FeatureOptions::default();
        options.log.after_as_of = AfterAsOf::Exclude;
        assert!(matches!(
            features(&[1], &[11], &[1.0], 10, options),
            Err(CrmkitError::EmptyInput { .. })
        ));
        options.window_days = 0;
        assert!(features(&[1], &[1], &[1.0], 10, options).is_err());
    }

    proptest! {
        #[test]
        fn row_order_does_not_change_results(
            rows in proptest::collection::vec((0i64..20, 0i32..400, 0.0f64..1000.0), 1..300),
            seed in any::<u64>(),
        ) {
            let split = |rows: &[(i64, i32, f64)]| -> (Vec<i64>, Vec<i32>, Vec<f64>) {
                (rows.iter().map(|r| r.0).collect(), rows.iter().map(|r| r.1).collect(), rows.iter().map(|r| r.2).collect())
            };
            let (ids, days, amounts) = split(&rows);
            let a = features(&ids, &days, &amounts, 400, FeatureOptions::default()).unwrap();
            let mut shuffled = rows.clone();
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let (ids, days, amounts) = split(&shuffled);
            let b = features(&ids, &days, &amounts, 400, FeatureOptions::default()).unwrap();
            prop_assert_eq!(&a.customer, &b.customer);
            prop_assert_eq!(&a.days_since_last, &b.days_since_last);
            prop_assert_eq!(&a.frequency, &b.frequency);
            // Exact sums: bit-for-bit equal whatever the row order.
            prop_assert_eq!(&a.monetary, &b.monetary);
            let total: i64 = a.frequency.iter().sum();
            prop_assert_eq!(total as usize, rows.iter().filter(|r| r.1 > 35).count());
        }
    }

    /// A plain reference for the fused path: one ordered map from id to the rows of each
    /// customer, the rules of the module documentation applied customer by customer, money by
    /// `exact_sum` over the customer's amounts.
    fn reference<K: Ord + Clone>(
        ids: &[K],
        days: &[i32],
        amounts: &[f64],
        as_of: Day,
        options: FeatureOptions,
    ) -> Result<RfmFeatures> {
        use crate::math::exact_sum::exact_sum;
        use std::collections::BTreeMap;
        // the errors come from the established scan (earliest bad row)
        let mut by_id: BTreeMap<K, Vec<usize>> = BTreeMap::new();
        for (row, id) in ids.iter().enumerate() {
            by_id.entry(id.clone()).or_default().push(row);
        }
        let mut out = RfmFeatures::default();
        out.report.rows = ids.len();
        let window_start = i64::from(as_of) - i64::from(options.window_days);
        for (code, rows) in by_id.values().enumerate() {
            let scope: Vec<usize> = rows.iter().copied().filter(|&r| days[r] <= as_of).collect();
            out.report.rows_after_as_of += rows.len() - scope.len();
            out.report.refunds += scope.iter().filter(|&&r| amounts[r] < 0.0).count();
            let buys: Vec<usize> = scope
                .iter()
                .copied()
                .filter(|&r| amounts[r] >= 0.0)
                .collect();
            if buys.is_empty() {
                if scope.is_empty() {
                    out.report.customers_after_as_of += 1;
                } else {
                    out.report.refund_only_customers += 1;
                }
                continue;
            }
            let window: Vec<usize> = scope
                .iter()
                .copied()
                .filter(|&r| i64::from(days[r]) > window_start)
                .collect();
            let frequency = window.iter().filter(|&&r| amounts[r] >= 0.0).count() as i64;
            let monetary = exact_sum(window.iter().map(|&r| amounts[r]));
            let last = buys.iter().map(|&r| days[r]).max().unwrap_or(0);
            out.customer.push(code as u32);
            out.first_row.push(rows[0] as u64);
            out.first_purchase
                .push(i64::from(buys.iter().map(|&r| days[r]).min().unwrap_or(0)));
            out.last_purchase.push(i64::from(last));
            out.days_since_last.push(i64::from(as_of - last));
            out.frequency.push(frequency);
            out.monetary.push(monetary);
            out.avg_order_value.push(if frequency > 0 {
                monetary / frequency as f64
            } else {
                0.0
            });
        }
        if out.customer.is_empty() {
            return Err(CrmkitError::empty("transactions"));
        }
        Ok(out)
    }

    /// Bit-for-bit equality of two feature tables (monetary compared by bits).
    fn same_features(a: &RfmFeatures, b: &RfmFeatures) -> std::result::Result<(), TestCaseError> {
        prop_assert_eq!(&a.customer, &b.customer);
        prop_assert_eq!(&a.first_row, &b.first_row);
        prop_assert_eq!(&a.first_purchase, &b.first_purchase);
        prop_assert_eq!(&a.last_purchase, &b.last_purchase);
        prop_assert_eq!(&a.days_since_last, &b.days_since_last);
        prop_assert_eq!(&a.frequency, &b.frequency);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&a.monetary), bits(&b.monetary));
        prop_assert_eq!(bits(&a.avg_order_value), bits(&b.avg_order_value));
        prop_assert_eq!(&a.report, &b.report);
        Ok(())
    }

    fn layout() -> impl Strategy<Value = Layout> {
        (0u32..=10, 1usize..200, 1usize..80).prop_map(|(bits, block_rows, task_rows)| Layout {
            bits,
            block_rows,
            task_rows,
        })
    }

    fn amount() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => (0i64..100_000).prop_map(|c| c as f64 / 100.0),
            1 => Just(5e-13),
            1 => Just(1e-300),
            1 => Just(9.007199254740992e15),
            1 => (-5_000i64..0).prop_map(|c| c as f64 / 100.0),
        ]
    }

    /// The rows of a log and the way it is read: ids drawn from a small pool (so customers
    /// repeat), a layout, a thread count and a shuffle seed.
    fn log_rows() -> impl Strategy<Value = (Vec<(usize, i32, f64)>, Layout, usize, u64)> {
        (
            proptest::collection::vec((0usize..40, 0i32..420, amount()), 1..300),
            layout(),
            1usize..=3,
            any::<u64>(),
        )
    }

    fn shuffled<T: Clone>(rows: &[T], seed: u64) -> Vec<T> {
        let mut rows = rows.to_vec();
        let mut state = seed | 1;
        for i in (1..rows.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            rows.swap(i, (state % (i as u64 + 1)) as usize);
        }
        rows
    }

    fn net_excluding() -> FeatureOptions {
        let mut options = FeatureOptions {
            window_days: 90,
            ..FeatureOptions::default()
        };
        options.log.after_as_of = AfterAsOf::Exclude;
        options.log.negative_amounts = NegativeAmounts::Net;
        options
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        /// Integer ids (i64 near both ends, u64 ≥ 2^63, i128 beyond 64 bits): the fused path
        /// gives the reference's customers, codes, first rows, features (money bit for bit)
        /// and report, for any partition count, block and task size, thread count and row order.
        #[test]
        fn fused_integer_path_matches_the_reference((rows, layout, threads, seed) in log_rows()) {
            crate::runtime::parallel::set_num_threads(threads).unwrap();
            let options = net_excluding();
            let pool: Vec<i64> = (0..40).map(|i: i64| if i % 3 == 0 { i64::MIN + i } else if i % 3 == 1 { i64::MAX - i } else { i * 1_000_003 - 17 }).collect();
            for rows in [rows.clone(), shuffled(&rows, seed)] {
                let ids: Vec<i64> = rows.iter().map(|r| pool[r.0]).collect();
                let days: Vec<i32> = rows.iter().map(|r| r.1).collect();
                let amounts: Vec<f64> = rows.iter().map(|r| r.2).collect();
                let expected = reference(&ids, &days, &amounts, 400, options);
                let got = by_id_with(IntIds::I64(&ids), Times::Days(&days), &amounts, 400, &options, layout);
                match (&expected, &got) {
                    (Ok(e), Ok(g)) => same_features(e, g)?,
                    (Err(_), Err(g)) => prop_assert!(matches!(g, CrmkitError::EmptyInput { .. }), "{:?}", g),
                    _ => prop_assert!(false, "{:?} vs {:?}", expected.is_ok(), got),
                }
                // and as the established path over a CustomerIndex
                if let Ok(e) = &expected {
                    same_features(e, &features(&ids, &days, &amounts, 400, options).unwrap())?;
                }
                let unsigned: Vec<u64> = ids.iter().map(|&i| (i as u64) ^ (1 << 63)).collect();
                let wide: Vec<i128> = ids.iter().map(|&i| i128::from(i) << 40).collect();
                for got in [
                    by_id_with(IntIds::U64(&unsigned), Times::Days(&days), &amounts, 400, &options, layout),
                    by_id_with(IntIds::I128(&wide), Times::Days(&days), &amounts, 400, &options, layout),
                ] {
                    match (&expected, &got) {
                        (Ok(e), Ok(g)) => same_features(e, g)?,
                        (Err(_), Err(_)) => {}
                        _ => prop_assert!(false),
                    }
                }
            }
        }

        /// String ids of every length (inline and longer than 16 bytes, shared 16-byte heads,
        /// trailing zero bytes, non-ASCII): grouped by their bytes and ordered by them.
        #[test]
        ///
        /// With `short`, every id is cut to at most 15 bytes (the 128-bit integer keys): ids
        /// that are prefixes of one another, of 0, 8 and 15 bytes, with zero bytes.
        #[test]
        fn fused_string_path_matches_the_reference((rows, layout, threads, seed) in log_rows(), short in any::<bool>()) {
            crate::runtime::parallel::set_num_threads(threads).unwrap();
            let options = net_excluding();
            let head = "CUSTOMER-0000000"; // 16 bytes
            let pool: Vec<String> = (0..40).map(|i| match i % 5 {
                0 => format!("CUS-{i:010}"),
                1 => format!("{head}{i}"),
                2 => head.to_string(),
                3 => format!("a{}", "\0".repeat(i % 4)),
                _ => format!("é{i}-{}", "x".repeat(i)),
            }).enumerate().map(|(i, id)| if short {
                // the longest prefix of at most (7 i) % 16 bytes that ends on a character
                let i = (7 * i) % 16;
                let cut = (0..=i.min(id.len())).rev().find(|&c| id.is_char_boundary(c)).unwrap_or(0);
                id[..cut].to_string()
            } else { id }).collect();
            for rows in [rows.clone(), shuffled(&rows, seed)] {
                let ids: Vec<&str> = rows.iter().map(|r| pool[r.0].as_str()).collect();
                let days: Vec<i32> = rows.iter().map(|r| r.1).collect();
                let amounts: Vec<f64> = rows.iter().map(|r| r.2).collect();
                let expected = reference(&ids, &days, &amounts, 400, options);
                let got = by_str_with(ids.len(), |r| ids[r], Times::Days(&days), &amounts, 400, &options, layout);
                match (&expected, &got) {
                    (Ok(e), Ok(g)) => same_features(e, g)?,
                    (Err(_), Err(g)) => prop_assert!(matches!(g, CrmkitError::EmptyInput { .. }), "{:?}", g),
                    _ => prop_assert!(false, "{:?} vs {:?}", expected.is_ok(), got),
                }
            }
        }

        /// Skewed logs: one customer with most of the rows, ids in two tight clusters far
        /// apart, or every row the same customer (partitions very unequal in rows): the result
        /// is the reference's all the same, for integer and string ids.
        #[test]
        fn fused_path_on_skewed_logs_matches_the_reference(
            rows in proptest::collection::vec((prop_oneof![3 => Just(0usize), 1 => 0usize..40], 0i32..420, amount()), 1..600),
            layout in layout(),
            threads in 1usize..=3,
            one in any::<bool>(),
        ) {
            crate::runtime::parallel::set_num_threads(threads).unwrap();
            let options = net_excluding();
            let rows: Vec<(usize, i32, f64)> = rows.into_iter().map(|r| (if one { 7 } else { r.0 }, r.1, r.2)).collect();
            let pool: Vec<i64> = (0..40).map(|i: i64| if i % 2 == 0 { 1_000 + i } else { (1 << 62) + i }).collect();
            let ids: Vec<i64> = rows.iter().map(|r| pool[r.0]).collect();
            let texts: Vec<String> = rows.iter().map(|r| format!("CUS-{:010}", pool[r.0] % 1_000_000_007)).collect();
            let days: Vec<i32> = rows.iter().map(|r| r.1).collect();
            let amounts: Vec<f64> = rows.iter().map(|r| r.2).collect();
            let expected = reference(&ids, &days, &amounts, 400, options);
            let got = by_id_with(IntIds::I64(&ids), Times::Days(&days), &amounts, 400, &options, layout);
            let strs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let expected_str = reference(&strs, &days, &amounts, 400, options);
            let got_str = by_str_with(strs.len(), |r| strs[r], Times::Days(&days), &amounts, 400, &options, layout);
            for (expected, got) in [(&expected, &got), (&expected_str, &got_str)] {
                match (expected, got) {
                    (Ok(e), Ok(g)) => same_features(e, g)?,
                    (Err(_), Err(g)) => prop_assert!(matches!(g, CrmkitError::EmptyInput { .. }), "{:?}", g),
                    _ => prop_assert!(false, "{:?} vs {:?}", expected.is_ok(), got),
                }
            }
        }

        /// Bad rows anywhere: the fused path reports the same error (the earliest bad row) as
        /// the established scan, whatever the layout and thread count.
        #[test]
        fn fused_errors_name_the_earliest_bad_row(
            (rows, layout, threads, _seed) in log_rows(),
            bad in proptest::collection::vec((0usize..300, 0usize..4), 1..4),
        ) {
            crate::runtime::parallel::set_num_threads(threads).unwrap();
            let ids: Vec<i64> = rows.iter().map(|r| r.0 as i64 * 7).collect();
            let mut days: Vec<i32> = rows.iter().map(|r| r.1).collect();
            let mut amounts: Vec<f64> = rows.iter().map(|r| r.2.abs()).collect();
            for &(row, kind) in &bad {
                let row = row % rows.len();
                match kind {
                    0 => amounts[row] = f64::NAN,
                    1 => amounts[row] = -1.0,
                    2 => days[row] = 401,
                    _ => amounts[row] = 1e17,
                }
            }
            let options = FeatureOptions::default();
            let expected = features(&ids, &days, &amounts, 400, options);
            let got = by_id_with(IntIds::I64(&ids), Times::Days(&days), &amounts, 400, &options, layout);
            prop_assert!(expected.is_err());
            prop_assert_eq!(expected.err(), got.err());
        }
    }

    #[test]
    fn fused_path_reads_ticks_and_checks_lengths() {
        let micros: Vec<i64> = [10i64, 11, 12]
            .iter()
            .map(|d| d * 86_400_000_000 + 5)
            .collect();
        let f = rfm_features_by_id(
            IntIds::I64(&[1, 2, 1]),
            Times::Ticks {
                values: &micros,
                per_day: 86_400_000_000,
            },
            &[1.0, 2.0, 3.0],
            20,
            &FeatureOptions::default(),
        )
        .unwrap();
        assert_eq!(f.first_purchase, vec![10, 11]);
        assert_eq!(f.last_purchase, vec![12, 11]);
        // a unit without a constant divisor, and a far-off tick count that must not wrap
        let f = rfm_features_by_id(
            IntIds::I64(&[1]),
            Times::Ticks {
                values: &[7 * 1000 + 999],
                per_day: 1000,
            },
            &[1.0],
            20,
            &FeatureOptions::default(),
        )
        .unwrap();
        assert_eq!(f.first_purchase, vec![7]);
        let far = rfm_features_by_id(
            IntIds::I64(&[1]),
            Times::Ticks {
                values: &[i64::MAX],
                per_day: 86_400,
            },
            &[1.0],
            20,
            &FeatureOptions::default(),
        );
        assert!(matches!(far, Err(CrmkitError::InvalidValue { row: 0, .. })));
        let bad_unit = rfm_features_by_id(
            IntIds::I64(&[1]),
            Times::Ticks {
                values: &[1],
                per_day: 0,
            },
            &[1.0],
            20,
            &FeatureOptions::default(),
        );
        assert!(matches!(bad_unit, Err(CrmkitError::InvalidConfig { .. })));
        let short = rfm_features_by_id(
            IntIds::I64(&[1, 2]),
            Times::Days(&[1]),
            &[1.0, 2.0],
            20,
            &FeatureOptions::default(),
        );
        assert!(matches!(short, Err(CrmkitError::LengthMismatch { .. })));
        let empty = rfm_features_by_str(
            0,
            |_| "",
            Times::Days(&[]),
            &[],
            20,
            &FeatureOptions::default(),
        );
        assert!(matches!(empty, Err(CrmkitError::EmptyInput { .. })));
        let zero_window = FeatureOptions {
            window_days: 0,
            ..FeatureOptions::default()
        };
        assert!(
            rfm_features_by_id(
                IntIds::I64(&[1]),
                Times::Days(&[1]),
                &[1.0],
                20,
                &zero_window
            )
            .is_err()
        );
    }

    /// A log long enough for many blocks, tasks and partitions at the default layout: the fused
    /// path equals the established one (ids near u64's top stay distinct).
    #[test]
    fn fused_path_on_a_large_log_equals_the_scan() {
        let rows = 3 * (1 << 17) + 1234;
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let ids: Vec<u64> = (0..rows)
            .map(|_| u64::MAX - next() % 30_000 * 1_000_000_007)
            .collect();
        let days: Vec<i32> = (0..rows).map(|_| (next() % 700) as i32).collect();
        let amounts: Vec<f64> = (0..rows)
            .map(|_| (next() % 100_000) as f64 / 100.0)
            .collect();
        let index = CustomerIndex::from_u64("customer_id", &ids).unwrap();
        let log = TransactionLog::new(&index, Times::Days(&days), &amounts).unwrap();
        let expected = rfm_features(&log, 700, &FeatureOptions::default()).unwrap();
        for layout in [
            Layout::for_rows(rows),
            Layout {
                bits: 3,
                block_rows: 100_000,
                task_rows: 7_777,
            },
        ] {
            let got = by_id_with(
                IntIds::U64(&ids),
                Times::Days(&days),
                &amounts,
                700,
                &FeatureOptions::default(),
                layout,
            )
            .unwrap();
            same_features(&expected, &got).unwrap();
        }
    }
}
