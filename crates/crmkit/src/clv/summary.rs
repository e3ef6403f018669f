//! The buy-till-you-die summary per customer: what the probabilistic CLV literature (and the
//! `lifetimes` package) means by frequency, recency and age.
//!
//! Not to be confused with the marketing RFM features of [`crate::rfm::features`].
//!
//! # Definitions
//!
//! Purchases are merged per calendar day: several purchases on one day are one purchase
//! *period* (their amounts are summed). This is how the published CDNOW summary was built, and
//! the unit below only scales the ages, it does not merge periods further. For each customer
//! whose first purchase is on or before the calibration end `c` (= `as_of` without a split):
//! - `x` = number of distinct purchase days after the first one, up to `c`;
//! - `t_x` = (last purchase day − first purchase day) / days per unit;
//! - `T` = (`c` − first purchase day) / days per unit;
//! - `m_x` = total spend of the repeat purchase days / `x` (the first day's spend is left
//!   out), 0 when `x = 0`; refunds (when netted) dated after the first purchase day reduce it
//!   (refund days are never purchase days). Totals — here and in the holdout spend — are the
//!   correctly rounded sums of their amounts ([`crate::math::exact_sum`]), whatever the row order.
//!
//! With a calibration / holdout split at `c < as_of`, the holdout columns count the
//! purchase days (`x_holdout`) and the spend (`spend_holdout`) in `(c, as_of]`; customers whose
//! first purchase falls in the holdout get no row (they are counted in the report).

use serde::{Deserialize, Serialize};

use crate::data::calendar::{Day, format_day};
use crate::data::transactions::{LogOptions, LogReport, TransactionLog};
use crate::math::exact_sum::{ExactWindow, Spills};
use crate::{CrmkitError, Result};

/// The unit of `t_x` and `T`.
///
/// # Examples
///
/// ```
/// use crmkit::clv::summary::TimeUnit;
/// assert_eq!(TimeUnit::Weeks.days(), 7.0);
/// assert_eq!(TimeUnit::default(), TimeUnit::Days);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Days (the default).
    #[default]
    Days,
    /// Weeks of 7 days (the unit of the published CDNOW results).
    Weeks,
}

impl TimeUnit {
    /// Days per unit.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::clv::summary::TimeUnit::Days.days(), 1.0);
    /// ```
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Days => 1.0,
            TimeUnit::Weeks => 7.0,
        }
    }
}

/// Options for [`btyd_summary`].
///
/// # Examples
///
/// ```
/// use crmkit::clv::summary::{SummaryOptions, TimeUnit};
/// let options = SummaryOptions { unit: TimeUnit::Weeks, ..SummaryOptions::default() };
/// assert_eq!(options.calibration_end, None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SummaryOptions {
    /// Unit of `t_x`, `T` and the holdout duration.
    pub unit: TimeUnit,
    /// End of the calibration period (inclusive); `None` for no holdout.
    pub calibration_end: Option<Day>,
    /// How rows after `as_of` and negative amounts are treated.
    pub log: LogOptions,
}

/// The buy-till-you-die summary, one entry per customer in ascending customer-id order.
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::CustomerIndex;
/// use crmkit::clv::summary::{btyd_summary, SummaryOptions, TimeUnit};
/// use crmkit::data::transactions::{TransactionLog, Times};
///
/// // One customer: two purchases on day 0 (merged), then days 7 and 14.
/// let index = CustomerIndex::from_i64("customer_id", &[1, 1, 1, 1])?;
/// let log = TransactionLog::new(&index, Times::Days(&[0, 0, 7, 14]), &[5.0, 5.0, 20.0, 40.0])?;
/// let options = SummaryOptions { unit: TimeUnit::Weeks, ..SummaryOptions::default() };
/// let s = btyd_summary(&log, 28, &options)?;
/// assert_eq!((s.x[0], s.t_x[0], s.t[0], s.m_x[0]), (2, 2.0, 4.0, 30.0));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BtydSummary {
    /// Customer code of each output row.
    pub customer: Vec<u32>,
    /// First row of the input at which the customer appears (to fetch the original id).
    pub first_row: Vec<u64>,
    /// Day of the first purchase.
    pub first_purchase: Vec<i64>,
    /// Repeat purchase days in the calibration period.
    pub x: Vec<i64>,
    /// Age at the last purchase, in the unit.
    pub t_x: Vec<f64>,
    /// Age at the calibration end, in the unit.
    #[serde(rename = "T")]
    pub t: Vec<f64>,
    /// Mean spend per repeat purchase day; 0 when `x = 0`.
    pub m_x: Vec<f64>,
    /// Purchase days in the holdout period (present with a calibration split).
    pub x_holdout: Option<Vec<i64>>,
    /// Spend in the holdout period (present with a calibration split).
    pub spend_holdout: Option<Vec<f64>>,
    /// Length of the holdout period in the unit (present with a calibration split).
    pub holdout_duration: Option<f64>,
    /// What was left out of the log and why.
    pub report: LogReport,
}

/// Per-customer running state; rows of a customer must arrive in non-decreasing day order.
#[derive(Clone, Copy)]
struct State {
    first: Day,
    last: Day,
    seen: Day,
    days: u32,
    repeat_spend: ExactWindow,
    holdout_days: u32,
    holdout_last: Day,
    holdout_spend: ExactWindow,
    refunded: bool,
}

const FRESH: State = State {
    first: Day::MAX,
    last: Day::MIN,
    seen: Day::MIN,
    days: 0,
    repeat_spend: ExactWindow::ZERO,
    holdout_days: 0,
    holdout_last: Day::MIN,
    holdout_spend: ExactWindow::ZERO,
    refunded: false,
};

/// Terms the windows of [`State`] cannot hold exactly (rare), by customer code.
#[derive(Default)]
struct SpendSpills {
    repeat: Spills,
    holdout: Spills,
}

impl SpendSpills {
    fn finish(&mut self) {
        self.repeat.finish();
        self.holdout.finish();
    }
}

impl State {
    /// Adds one row of customer `code`; returns false if the row is earlier than one already
    /// seen.
    #[inline]
    fn push(
        &mut self,
        code: u32,
        day: Day,
        amount: f64,
        calibration_end: Day,
        spills: &mut SpendSpills,
    ) -> bool {
        if day < self.seen {
            return false;
        }
        self.seen = day;
        let purchase = amount >= 0.0;
        if day > calibration_end {
            if purchase && day > self.holdout_last {
                self.holdout_days += 1;
                self.holdout_last = day;
            }
            if !self.holdout_spend.try_add(amount) {
                spills.holdout.push(code, amount);
            }
        } else if purchase {
            if self.days == 0 {
                self.first = day;
                self.last = day;
                self.days = 1;
            } else if day > self.last {
                self.days += 1;
                self.last = day;
            }
            if day > self.first && !self.repeat_spend.try_add(amount) {
                spills.repeat.push(code, amount);
            }
        } else {
            self.refunded = true;
            if self.days > 0 && day > self.first && !self.repeat_spend.try_add(amount) {
                spills.repeat.push(code, amount);
            }
        }
        true
    }
}

/// Computes the buy-till-you-die summary of every customer of `log` as of `as_of`.
///
/// Reads the log once when each customer's rows come in time order (a log sorted by time, or
/// by customer and time); otherwise groups the rows by customer first (one more pass).
///
/// # Examples
///
/// See [`BtydSummary`].
///
/// # Errors
///
/// [`CrmkitError::InvalidValue`] for a NaN, infinite or (unless refunds are netted) negative
/// amount; [`CrmkitError::AfterObservation`] for a row after `as_of` (unless excluded);
/// [`CrmkitError::InvalidConfig`] for a calibration end after `as_of`;
/// [`CrmkitError::EmptyInput`] when no customer has a purchase in the calibration period.
pub fn btyd_summary(
    log: &TransactionLog<'_>,
    as_of: Day,
    options: &SummaryOptions,
) -> Result<BtydSummary> {
    let calibration_end = options.calibration_end.unwrap_or(as_of);
    if calibration_end > as_of {
        return Err(CrmkitError::invalid_config(
            "calibration_end",
            format_day(calibration_end),
            format!("must be on or before as_of {}", format_day(as_of)),
        ));
    }
    let n = log.customers().n_customers();
    let mut states = vec![FRESH; n];
    let mut spills = SpendSpills::default();
    let mut ordered = true;
    // Optimistic single pass; at the first customer whose rows go back in time, stop updating
    // and regroup (the regrouping pass validates every row again).
    let records = (states.as_ptr() as usize, std::mem::size_of::<State>());
    let mut report =
        log.scan_prefetching(as_of, options.log, Some(records), |code, day, amount| {
            ordered = states[code as usize].push(code, day, amount, calibration_end, &mut spills);
            ordered
        })?;
    if !ordered {
        (states, spills, report) = grouped_states(log, as_of, options.log, calibration_end)?;
    }
    spills.finish();

    let unit = options.unit.days();
    let split = options.calibration_end.is_some();
    let mut out = BtydSummary::default();
    let (mut x_holdout, mut spend_holdout) = (Vec::new(), Vec::new());
    let first_rows = log.customers().first_rows();
    for (c, s) in states.iter().enumerate() {
        if s.days == 0 {
            if s.holdout_days > 0 {
                report.holdout_only_customers += 1;
            } else if s.refunded || s.holdout_spend.value_with(spills.holdout.of(c as u32)) < 0.0 {
                report.refund_only_customers += 1;
            } else {
                report.customers_after_as_of += 1;
            }
            continue;
        }
        let x = s.days - 1;
        out.customer.push(c as u32);
        out.first_row.push(first_rows[c] as u64);
        out.first_purchase.push(i64::from(s.first));
        out.x.push(i64::from(x));
        out.t_x.push(f64::from(s.last - s.first) / unit);
        out.t.push(f64::from(calibration_end - s.first) / unit);
        out.m_x.push(if x > 0 {
            s.repeat_spend.value_with(spills.repeat.of(c as u32)) / f64::from(x)
        } else {
            0.0
        });
        if split {
            x_holdout.push(i64::from(s.holdout_days));
            spend_holdout.push(s.holdout_spend.value_with(spills.holdout.of(c as u32)));
        }
    }
    if out.customer.is_empty() {
        return Err(CrmkitError::empty(
            "purchases on or before the calibration end",
        ));
    }
    if split {
        out.x_holdout = Some(x_holdout);
        out.spend_holdout = Some(spend_holdout);
        out.holdout_duration = Some(f64::from(as_of - calibration_end) / unit);
    }
    out.report = report;
    Ok(out)
}

/// Groups the in-scope rows by customer (counting sort), orders each customer's rows by day
/// and replays them through the per-customer state.
fn grouped_states(
    log: &TransactionLog<'_>,
    as_of: Day,
    options: LogOptions,
    calibration_end: Day,
) -> Result<(Vec<State>, SpendSpills, LogReport)> {
    let n = log.customers().n_customers();
    let mut start = vec![0usize; n + 1];
    for &code in log.customers().codes() {
        start[code as usize + 1] += 1;
    }
    for c in 0..n {
        start[c + 1] += start[c];
    }
    let mut fill = start.clone();
    let mut rows: Vec<(Day, f64)> = vec![(0, 0.0); log.len()];
    let report = log.scan(as_of, options, |code, day, amount| {
        let slot = &mut fill[code as usize];
        rows[*slot] = (day, amount);
        *slot += 1;
        true
    })?;
    let mut states = vec![FRESH; n];
    let mut spills = SpendSpills::default();
    for (c, state) in states.iter_mut().enumerate() {
        let group = &mut rows[start[c]..fill[c]];
        if !group.is_sorted_by_key(|r| r.0) {
            group.sort_unstable_by_key(|r| r.0);
        }
        for &(day, amount) in group.iter() {
            state.push(c as u32, day, amount, calibration_end, &mut spills);
        }
    }
    Ok((states, spills, report))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::data::ids::CustomerIndex;
    use crate::data::transactions::{NegativeAmounts, Times};
    use proptest::prelude::*;

    fn summary(
        ids: &[i64],
        days: &[i32],
        amounts: &[f64],
        as_of: Day,
        options: SummaryOptions,
    ) -> Result<BtydSummary> {
        let index = CustomerIndex::from_i64("customer_id", ids)?;
        let log = TransactionLog::new(&index, Times::Days(days), amounts)?;
        btyd_summary(&log, as_of, &options)
    }

    #[test]
    fn holdout_split() {
        let options = SummaryOptions {
            calibration_end: Some(10),
            ..SummaryOptions::default()
        };
        let s = summary(
            &[1, 1, 1, 1, 2],
            &[2, 5, 12, 12, 11],
            &[1.0, 2.0, 3.0, 4.0, 9.0],
            20,
            options,
        )
        .unwrap();
        assert_eq!(s.customer, vec![0]);
        assert_eq!((s.x[0], s.t_x[0], s.t[0], s.m_x[0]), (1, 3.0, 8.0, 2.0));
        assert_eq!(s.x_holdout, Some(vec![1]));
        assert_eq!(s.spend_holdout, Some(vec![7.0]));
        assert_eq!(s.holdout_duration, Some(10.0));
        assert_eq!(s.report.holdout_only_customers, 1);
        let late = SummaryOptions {
            calibration_end: Some(21),
            ..SummaryOptions::default()
        };
        assert!(summary(&[1], &[1], &[1.0], 20, late).is_err());
    }

    #[test]
    fn unordered_rows_take_the_grouping_path() {
        let s = summary(
            &[1, 2, 1, 1],
            &[9, 3, 1, 9],
            &[4.0, 1.0, 2.0, 6.0],
            10,
            SummaryOptions::default(),
        )
        .unwrap();
        assert_eq!(s.x, vec![1, 0]);
        assert_eq!(s.m_x, vec![10.0, 0.0]);
        assert_eq!(s.t_x, vec![8.0, 0.0]);
    }

    #[test]
    fn refunds_reduce_repeat_spend_after_the_first_day_only() {
        let mut options = SummaryOptions::default();
        options.log.negative_amounts = NegativeAmounts::Net;
        let s = summary(
            &[1, 1, 1, 1],
            &[0, 0, 5, 6],
            &[10.0, -3.0, 20.0, -5.0],
            10,
            options,
        )
        .unwrap();
        assert_eq!(s.x, vec![1]);
        assert_eq!(s.m_x, vec![15.0]);
        assert_eq!(s.report.refunds, 2);
    }

    proptest! {
        #[test]
        fn row_order_does_not_change_the_summary(
            rows in proptest::collection::vec((0i64..15, 0i32..200, 0.0f64..100.0), 1..200),
            reverse in any::<bool>(),
        ) {
            let mut sorted = rows.clone();
            sorted.sort_by_key(|r| (r.0, r.1));
            let other: Vec<_> = if reverse { sorted.iter().rev().cloned().collect() } else { rows.clone() };
            let run = |rows: &[(i64, i32, f64)]| {
                let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
                let days: Vec<i32> = rows.iter().map(|r| r.1).collect();
                let amounts: Vec<f64> = rows.iter().map(|r| r.2).collect();
                summary(&ids, &days, &amounts, 200, SummaryOptions { unit: TimeUnit::Weeks, ..SummaryOptions::default() }).unwrap()
            };
            let a = run(&sorted);
            let b = run(&other);
            prop_assert_eq!(&a.x, &b.x);
            prop_assert_eq!(&a.t_x, &b.t_x);
            prop_assert_eq!(&a.t, &b.t);
            // Exact sums: bit-for-bit equal whatever the row order.
            prop_assert_eq!(&a.m_x, &b.m_x);
            for i in 0..a.x.len() {
                prop_assert!(a.t_x[i] <= a.t[i] && a.t_x[i] >= 0.0);
                prop_assert!(a.x[i] == 0 || a.t_x[i] > 0.0);
            }
        }
    }
}
