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

use serde::{Deserialize, Serialize};

use crate::data::calendar::Day;
use crate::data::transactions::{LogOptions, LogReport, TransactionLog};
use crate::math::exact_sum::{ExactWindow, Spills};
use crate::{CrmkitError, Result};

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
    if options.window_days == 0 {
        return Err(CrmkitError::invalid_config(
            "window_days",
            options.window_days,
            "the window must be at least one day",
        ));
    }
    let n = log.customers().n_customers();
    let window_start = i64::from(as_of) - i64::from(options.window_days);
    // One record per customer: a row touches one cache line, not five.
    #[derive(Clone, Copy)]
    struct Acc {
        monetary: ExactWindow,
        first: Day,
        last: Day,
        frequency: u32,
        refunded: bool,
    }
    let empty = Acc {
        monetary: ExactWindow::ZERO,
        first: Day::MAX,
        last: Day::MIN,
        frequency: 0,
        refunded: false,
    };
    // The customers are split into ranges, each aggregated by its own scan of the log on the
    // pool: a scan touches only its own records (a fraction of the table, better cached) and
    // needs no locks. The result is the same for any split (exact sums, minima, counts).
    let parts = crate::runtime::parallel::num_threads()
        .min(n.div_ceil(MIN_CUSTOMERS_PER_SCAN))
        .max(1);
    let (scans, mut report) = log.scan_by_customers(
        as_of,
        options.log,
        parts,
        |range| {
            // terms the 16-byte windows cannot hold exactly (rare), by customer code
            (range.start, vec![empty; range.len()], Spills::default())
        },
        // the records are prefetched a few rows ahead (the scan is bound by cache misses)
        |(_, acc, _)| (acc.as_ptr() as usize, std::mem::size_of::<Acc>()),
        |(start, acc, spills), code, day, amount| {
            let a = &mut acc[(code - *start) as usize];
            let in_window = i64::from(day) > window_start;
            if amount >= 0.0 {
                a.first = a.first.min(day);
                a.last = a.last.max(day);
                a.frequency += u32::from(in_window);
            } else {
                a.refunded = true;
            }
            if in_window && !a.monetary.try_add(amount) {
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
    let with_purchase = acc.iter().filter(|a| a.last != Day::MIN).count();
    let mut out = RfmFeatures {
        customer: Vec::with_capacity(with_purchase),
        first_row: Vec::with_capacity(with_purchase),
        first_purchase: Vec::with_capacity(with_purchase),
        last_purchase: Vec::with_capacity(with_purchase),
        days_since_last: Vec::with_capacity(with_purchase),
        frequency: Vec::with_capacity(with_purchase),
        monetary: Vec::with_capacity(with_purchase),
        avg_order_value: Vec::with_capacity(with_purchase),
        report: LogReport::default(),
    };
    let first_rows = log.customers().first_rows();
    for (c, a) in acc.iter().enumerate() {
        if a.last == Day::MIN {
            if a.refunded {
                report.refund_only_customers += 1;
            } else {
                report.customers_after_as_of += 1;
            }
            continue;
        }
        out.customer.push(c as u32);
        out.first_row.push(first_rows[c] as u64);
        out.first_purchase.push(i64::from(a.first));
        out.last_purchase.push(i64::from(a.last));
        out.days_since_last
            .push(i64::from(as_of) - i64::from(a.last));
        out.frequency.push(i64::from(a.frequency));
        let monetary = a.monetary.value_with(spills.of(c as u32));
        out.monetary.push(monetary);
        out.avg_order_value.push(if a.frequency > 0 {
            monetary / f64::from(a.frequency)
        } else {
            0.0
        });
    }
    if out.customer.is_empty() {
        return Err(CrmkitError::empty(
            "transactions on or before as_of (every row is after the observation date or a refund)",
        ));
    }
    out.report = report;
    Ok(out)
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
}
