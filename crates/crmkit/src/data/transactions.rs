//! A transaction log as crmkit reads it: customer codes, purchase times and amounts.
//!
//! The log borrows its columns (no copy). Times are either calendar days or integer ticks
//! (seconds, milliseconds, … since 1970-01-01 in local wall-clock time) that are floored to
//! their calendar day as they are read. Validation of each row (finite, non-negative amounts;
//! nothing after the observation date) happens inside the single pass that aggregates the log,
//! so a clean log is read exactly once.

use serde::{Deserialize, Serialize};

use crate::data::calendar::{
    Day, MIN_DAY, checked_day, day_from_ticks, day_number_from_ticks, format_day,
};
use crate::data::ids::CustomerIndex;
use crate::data::rows_by_customer::RowsByCustomer;
use crate::names::named_enum;
use crate::quality::Rule;
use crate::{CrmkitError, Result};

/// The time column of a log.
///
/// # Examples
///
/// ```
/// use crmkit::data::transactions::Times;
/// let micros = [86_400_000_000_i64 + 5];
/// let times = Times::Ticks { values: &micros, per_day: 86_400_000_000 };
/// assert_eq!(times.day(0), 1);
/// assert_eq!(Times::Days(&[3]).day(0), 3);
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Times<'a> {
    /// Calendar days since 1970-01-01 (Arrow `date32`).
    Days(&'a [i32]),
    /// Ticks since 1970-01-01 00:00 local time, `per_day` ticks a day (86 400 for seconds).
    Ticks {
        /// The tick counts.
        values: &'a [i64],
        /// Ticks per day; must be > 0.
        per_day: i64,
    },
}

impl Times<'_> {
    /// Checks the unit of integer ticks: `per_day` must be > 0 (calendar days always pass).
    /// `field` names the time column the caller read, e.g. `"timestamp"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::transactions::Times;
    /// assert!(Times::Days(&[1]).check_unit("timestamp").is_ok());
    /// let err = Times::Ticks { values: &[1], per_day: 0 }.check_unit("timestamp").unwrap_err();
    /// assert!(err.to_string().contains("timestamp unit"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming `<field> unit` for ticks with `per_day <= 0`.
    pub fn check_unit(&self, field: &str) -> Result<()> {
        match *self {
            Times::Ticks { per_day, .. } if per_day <= 0 => Err(CrmkitError::invalid_config(
                format!("{field} unit"),
                per_day,
                "ticks per day must be > 0",
            )),
            _ => Ok(()),
        }
    }

    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::data::transactions::Times::Days(&[1, 2]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Times::Days(d) => d.len(),
            Times::Ticks { values, .. } => values.len(),
        }
    }

    /// Whether there are no rows.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(crmkit::data::transactions::Times::Days(&[]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The calendar day of `row` (panics if `row` is out of bounds, like slice indexing).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::transactions::Times;
    /// assert_eq!(Times::Ticks { values: &[-1], per_day: 86_400 }.day(0), -1);
    /// ```
    #[inline]
    pub fn day(&self, row: usize) -> Day {
        match *self {
            Times::Days(d) => d[row],
            Times::Ticks { values, per_day } => day_from_ticks(values[row], per_day),
        }
    }

    /// The calendar day of `row`, checked to lie in
    /// [`crate::data::calendar::MIN_DAY`]`..=`[`crate::data::calendar::MAX_DAY`] (panics if `row`
    /// is out of bounds, like slice indexing).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::transactions::Times;
    /// let far = [i64::MAX];
    /// assert!(Times::Ticks { values: &far, per_day: 86_400 }.checked_day("timestamp", 0).is_err());
    /// assert_eq!(Times::Days(&[3]).checked_day("timestamp", 0)?, 3);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] naming `field` and `row` for a day outside the range.
    #[inline]
    pub fn checked_day(&self, field: &str, row: usize) -> Result<Day> {
        match *self {
            Times::Days(d) => checked_day(field, row, i64::from(d[row])),
            Times::Ticks { values, per_day } => {
                checked_day(field, row, day_number_from_ticks(values[row], per_day))
            }
        }
    }
}

named_enum! {
    /// What to do with transactions dated after the observation date: `"error"` or
    /// `"exclude"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::transactions::AfterAsOf;
    /// assert_eq!(AfterAsOf::default(), AfterAsOf::Error);
    /// assert_eq!("exclude".parse::<AfterAsOf>()?, AfterAsOf::Exclude);
    /// assert_eq!(AfterAsOf::Exclude.to_string(), "exclude");
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    #[derive(Default)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum AfterAsOf parsed as "after_as_of" {
        /// Fail with [`CrmkitError::AfterObservation`] naming the first such row (the default).
        #[default]
        Error,
        /// Leave such rows out and count them in the [`LogReport`].
        Exclude,
    }
}

named_enum! {
    /// What negative amounts mean: `"error"` or `"net"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::transactions::NegativeAmounts;
    /// assert_eq!(NegativeAmounts::default(), NegativeAmounts::Error);
    /// assert_eq!("net".parse::<NegativeAmounts>()?, NegativeAmounts::Net);
    /// assert_eq!(NegativeAmounts::Net.to_string(), "net");
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    #[derive(Default)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum NegativeAmounts parsed as "negative_amounts" {
        /// A negative amount is an error naming its row (the default): a log of purchases should
        /// not contain them, and a silent choice would change every monetary figure.
        #[default]
        Error,
        /// Negative amounts are refunds: they are netted against the customer's spend of the
        /// period they fall in, but are not purchases (they count towards no frequency and move no
        /// purchase date). A customer who has only refunds gets no row and is counted in
        /// [`LogReport::refund_only_customers`].
        Net,
    }
}

/// How the rows of a log were used: what was left out and why. Nothing is dropped without
/// being counted here.
///
/// # Examples
///
/// ```
/// let report = crmkit::data::transactions::LogReport::default();
/// assert_eq!(report.rows_after_as_of, 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogReport {
    /// Rows in the log.
    pub rows: usize,
    /// Rows dated after `as_of` that were excluded (only with [`AfterAsOf::Exclude`]).
    pub rows_after_as_of: usize,
    /// Rows with a negative amount netted as refunds (only with [`NegativeAmounts::Net`]).
    pub refunds: usize,
    /// Customers with rows in the log who get no output row because every row of theirs was
    /// after `as_of` (with [`AfterAsOf::Exclude`]).
    pub customers_after_as_of: usize,
    /// Customers who get no output row because their only rows in scope were refunds.
    pub refund_only_customers: usize,
    /// Customers with no purchase in the calibration period whose first purchase falls in the
    /// holdout period (only for a calibration / holdout summary); they get no output row.
    pub holdout_only_customers: usize,
}

impl LogReport {
    /// What was left out, as a sentence for warnings; `None` when nothing was. Each part
    /// starts with the data-quality rule its rows fall under (see [`crate::quality::Rule`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::transactions::LogReport;
    /// let report = LogReport { rows: 10, rows_after_as_of: 2, ..LogReport::default() };
    /// assert_eq!(
    ///     report.describe().unwrap(),
    ///     "timestamp_after_as_of: 2 of 10 rows were after as_of and excluded"
    /// );
    /// assert!(LogReport::default().describe().is_none());
    /// ```
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.rows_after_as_of > 0 {
            parts.push(format!(
                "{}: {} of {} rows were after as_of and excluded",
                Rule::TimestampAfterAsOf,
                self.rows_after_as_of,
                self.rows
            ));
        }
        if self.customers_after_as_of > 0 {
            parts.push(format!(
                "{} customers had rows only after as_of and get no row",
                self.customers_after_as_of
            ));
        }
        if self.refunds > 0 {
            parts.push(format!(
                "{}: {} refund rows were netted",
                Rule::NegativeAmount,
                self.refunds
            ));
        }
        if self.refund_only_customers > 0 {
            parts.push(format!(
                "{} customers had only refunds and get no row",
                self.refund_only_customers
            ));
        }
        if self.holdout_only_customers > 0 {
            parts.push(format!(
                "{} customers first bought in the holdout period and get no row",
                self.holdout_only_customers
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Options for reading a log, shared by both feature conventions.
///
/// # Examples
///
/// ```
/// use crmkit::data::transactions::{LogOptions, AfterAsOf};
/// let options = LogOptions { after_as_of: AfterAsOf::Exclude, ..LogOptions::default() };
/// assert_eq!(options.after_as_of, AfterAsOf::Exclude);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogOptions {
    /// Transactions after the observation date.
    pub after_as_of: AfterAsOf,
    /// Negative amounts.
    pub negative_amounts: NegativeAmounts,
}

/// The largest amount magnitude crmkit accepts: 2^53 ≈ 9.007e15 (far beyond any real order;
/// it keeps every per-customer total far from the end of the double range).
pub const MAX_AMOUNT: f64 = 9_007_199_254_740_992.0;

/// Rows ahead whose per-customer record is prefetched while the current row is aggregated.
pub(crate) const PREFETCH_DISTANCE: usize = 24;

/// Hints the CPU to load the cache line at `address` (a prefetch never faults, whatever the
/// address). Per-customer aggregation over a log is bound by cache misses on the customer
/// records; since the customer of a future row is known, its record can be fetched early.
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn prefetch(address: usize) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` is a hint that neither reads memory architecturally nor faults,
    // for any address; SSE is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}

/// Checks one row of a log: a day in range (read in 64 bits, so a far-off date is an error and
/// never wraps to a day in range; one compare on the common path, merged with `as_of`'s), a
/// finite amount of magnitude at most [`MAX_AMOUNT`], non-negative unless refunds are netted,
/// and a day not after `as_of` unless such rows are excluded. Returns the day of a row in scope
/// and `None` for an excluded row, counting refunds and excluded rows in `report`.
#[inline(always)]
pub(crate) fn check_row(
    row: usize,
    day: i64,
    amount: f64,
    as_of: Day,
    options: LogOptions,
    report: &mut LogReport,
) -> Result<Option<Day>> {
    let day = if (i64::from(MIN_DAY)..=i64::from(as_of)).contains(&day) {
        day as Day
    } else {
        checked_day("timestamp", row, day)?
    };
    if !(0.0..=MAX_AMOUNT).contains(&amount) {
        bad_amount(row, amount, options)?;
        if day <= as_of {
            report.refunds += 1;
        }
    }
    if day > as_of {
        if options.after_as_of == AfterAsOf::Error {
            return Err(CrmkitError::AfterObservation {
                field: "timestamp".into(),
                row,
                value: format_day(day),
                as_of: format_day(as_of),
            });
        }
        report.rows_after_as_of += 1;
        return Ok(None);
    }
    Ok(Some(day))
}

/// The error of an amount outside `0..=MAX_AMOUNT`, if any (a refund when netted).
#[cold]
#[inline(never)]
fn bad_amount(row: usize, amount: f64, options: LogOptions) -> Result<()> {
    if !amount.is_finite() {
        return Err(CrmkitError::invalid_value(
            "amount",
            row,
            amount,
            "must be finite",
        ));
    }
    if amount.abs() > MAX_AMOUNT {
        return Err(CrmkitError::invalid_value(
            "amount",
            row,
            amount,
            "magnitude must be <= 2^53 (9.007e15)",
        ));
    }
    if options.negative_amounts == NegativeAmounts::Error {
        return Err(CrmkitError::invalid_value(
            "amount",
            row,
            amount,
            "must be >= 0 (pass negative_amounts = net to treat negative amounts as refunds)",
        ));
    }
    Ok(())
}

/// A borrowed, length-checked transaction log.
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::CustomerIndex;
/// use crmkit::data::transactions::{TransactionLog, Times};
///
/// let index = CustomerIndex::from_i64("customer_id", &[1, 2, 1])?;
/// let days = [10, 11, 12];
/// let amounts = [5.0, 7.5, 1.0];
/// let log = TransactionLog::new(&index, Times::Days(&days), &amounts)?;
/// assert_eq!(log.len(), 3);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct TransactionLog<'a> {
    customers: &'a CustomerIndex,
    /// The customer code of each row: the index's codes, or a range of them.
    codes: &'a [u32],
    times: Times<'a>,
    amounts: &'a [f64],
}

impl<'a> TransactionLog<'a> {
    /// Wraps the columns of a log after checking their lengths.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::ids::CustomerIndex;
    /// use crmkit::data::transactions::{TransactionLog, Times};
    /// let index = CustomerIndex::from_i64("customer_id", &[1, 2])?;
    /// assert!(TransactionLog::new(&index, Times::Days(&[1]), &[1.0, 2.0]).is_err());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] when `times` or `amounts` do not have one value per
    /// row of `customers`; [`CrmkitError::InvalidConfig`] for ticks with `per_day <= 0`;
    /// [`CrmkitError::EmptyInput`] for an empty log.
    pub fn new(customers: &'a CustomerIndex, times: Times<'a>, amounts: &'a [f64]) -> Result<Self> {
        let rows = customers.codes().len();
        if rows == 0 {
            return Err(CrmkitError::empty("customer_id"));
        }
        CrmkitError::check_len("timestamp", rows, times.len())?;
        CrmkitError::check_len("amount", rows, amounts.len())?;
        times.check_unit("timestamp")?;
        Ok(Self {
            customers,
            codes: customers.codes(),
            times,
            amounts,
        })
    }

    /// Wraps the columns of a log whose ids are rows `rows` of the id column `customers` was
    /// built from. One index can encode the ids of several tables at once (the transactions,
    /// the interactions, a per-customer table, concatenated), so that they share customer
    /// codes: each table is then a range of the index's rows. The log may be empty (a reader
    /// that needs rows says so).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::ids::CustomerIndex;
    /// use crmkit::data::transactions::{TransactionLog, Times};
    /// // Transactions of customers 5 and 7, then an attribute row of customer 9.
    /// let index = CustomerIndex::from_i64("customer_id", &[5, 7, 9])?;
    /// let log = TransactionLog::of_rows(&index, 0..2, Times::Days(&[1, 2]), &[3.0, 4.0])?;
    /// assert_eq!((log.len(), log.codes(), log.customers().n_customers()), (2, &[0, 1][..], 3));
    /// assert!(TransactionLog::of_rows(&index, 2..4, Times::Days(&[1, 2]), &[3.0, 4.0]).is_err());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] when `rows` is not a range of the index's rows or for
    /// ticks with `per_day <= 0`; [`CrmkitError::LengthMismatch`] when `times` or `amounts`
    /// do not have one value per row of the range.
    pub fn of_rows(
        customers: &'a CustomerIndex,
        rows: std::ops::Range<usize>,
        times: Times<'a>,
        amounts: &'a [f64],
    ) -> Result<Self> {
        let codes = codes_of_rows(customers, rows, "rows")?;
        CrmkitError::check_len("timestamp", codes.len(), times.len())?;
        CrmkitError::check_len("amount", codes.len(), amounts.len())?;
        times.check_unit("timestamp")?;
        Ok(Self {
            customers,
            codes,
            times,
            amounts,
        })
    }

    /// The customer code of each row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::data::{ids::CustomerIndex, transactions::{TransactionLog, Times}};
    /// let index = CustomerIndex::from_i64("customer_id", &[9, 4])?;
    /// assert_eq!(TransactionLog::new(&index, Times::Days(&[0, 0]), &[1.0, 1.0])?.codes(), &[1, 0]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn codes(&self) -> &'a [u32] {
        self.codes
    }

    /// The time column.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::data::{ids::CustomerIndex, transactions::{TransactionLog, Times}};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// assert_eq!(TransactionLog::new(&index, Times::Days(&[6]), &[1.0])?.times().day(0), 6);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn times(&self) -> Times<'a> {
        self.times
    }

    /// The amount column.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::data::{ids::CustomerIndex, transactions::{TransactionLog, Times}};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// assert_eq!(TransactionLog::new(&index, Times::Days(&[6]), &[2.5])?.amounts(), &[2.5]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn amounts(&self) -> &'a [f64] {
        self.amounts
    }

    /// Each customer's rows in scope, grouped ([`RowsByCustomer`], rows in input order), after
    /// checking every row as [`crate::rfm::features::rfm_features`] does: a day in range, a finite
    /// amount of magnitude at most 2^53, non-negative unless refunds are netted
    /// ([`NegativeAmounts::Net`]: a refund row stays in its customer's group, for the reader to
    /// net, and is counted in [`LogReport::refunds`]), and not after `as_of` unless such rows
    /// are excluded ([`AfterAsOf::Exclude`]: counted in [`LogReport::rows_after_as_of`] and left
    /// out of the groups).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::ids::CustomerIndex;
    /// use crmkit::data::transactions::{AfterAsOf, LogOptions, NegativeAmounts, Times, TransactionLog};
    /// let index = CustomerIndex::from_i64("customer_id", &[1, 2, 1, 1])?;
    /// let log = TransactionLog::new(&index, Times::Days(&[5, 6, 7, 99]), &[1.0, 2.0, -1.0, 3.0])?;
    /// let options = LogOptions { after_as_of: AfterAsOf::Exclude, negative_amounts: NegativeAmounts::Net };
    /// let (groups, report) = log.rows_by_customer(10, options)?;
    /// assert_eq!((groups.of(0), groups.of(1)), (&[0, 2][..], &[1][..]));
    /// assert_eq!((report.rows_after_as_of, report.refunds), (1, 1));
    /// assert!(log.rows_by_customer(10, LogOptions::default()).is_err());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] naming `timestamp` or `amount` and the row (of this log)
    /// of a bad value; [`CrmkitError::AfterObservation`] for a row after `as_of` unless
    /// excluded.
    pub fn rows_by_customer(
        &self,
        as_of: Day,
        options: LogOptions,
    ) -> Result<(RowsByCustomer, LogReport)> {
        let mut report = LogReport {
            rows: self.len(),
            ..LogReport::default()
        };
        // Only rows after `as_of` leave the groups; the mask is built only when there are any.
        let mut out_of_scope: Option<Vec<bool>> = None;
        for (row, &amount) in self.amounts.iter().enumerate() {
            let day = match self.times {
                Times::Days(d) => i64::from(d[row]),
                Times::Ticks { values, per_day } => day_number_from_ticks(values[row], per_day),
            };
            if check_row(row, day, amount, as_of, options, &mut report)?.is_none() {
                out_of_scope.get_or_insert_with(|| vec![false; self.len()])[row] = true;
            }
        }
        let n = self.customers.n_customers();
        let groups = match &out_of_scope {
            None => RowsByCustomer::new("customer_id", self.codes, n, |_| true)?,
            Some(mask) => RowsByCustomer::new("customer_id", self.codes, n, |row| !mask[row])?,
        };
        Ok((groups, report))
    }

    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::data::{ids::CustomerIndex, transactions::{TransactionLog, Times}};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// assert_eq!(TransactionLog::new(&index, Times::Days(&[0]), &[1.0])?.len(), 1);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.amounts.len()
    }

    /// Whether the log has no rows (never true for a constructed log).
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::data::{ids::CustomerIndex, transactions::{TransactionLog, Times}};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// assert!(!TransactionLog::new(&index, Times::Days(&[0]), &[1.0])?.is_empty());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.amounts.is_empty()
    }

    /// The customer index of the log.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::data::{ids::CustomerIndex, transactions::{TransactionLog, Times}};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// let log = TransactionLog::new(&index, Times::Days(&[0]), &[1.0])?;
    /// assert_eq!(log.customers().n_customers(), 1);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn customers(&self) -> &'a CustomerIndex {
        self.customers
    }

    /// Calls `visit(code, day, amount)` for every row in scope, in row order, after checking
    /// it: amounts must be finite (and non-negative unless refunds are netted) and days must
    /// not be after `as_of` (unless excluded). `visit` returns false to stop early (the report
    /// then counts only the rows read). Returns the report of what was left out.
    pub(crate) fn scan(
        &self,
        as_of: Day,
        options: LogOptions,
        visit: impl FnMut(u32, Day, f64) -> bool,
    ) -> Result<LogReport> {
        self.scan_prefetching(as_of, options, None, visit)
    }

    /// [`Self::scan`] that prefetches the per-customer record of the row
    /// [`PREFETCH_DISTANCE`] rows ahead: `records` is `(address of record 0, record size)`.
    pub(crate) fn scan_prefetching(
        &self,
        as_of: Day,
        options: LogOptions,
        records: Option<(usize, usize)>,
        visit: impl FnMut(u32, Day, f64) -> bool,
    ) -> Result<LogReport> {
        self.scan_codes(as_of, options, records, 0..u32::MAX, visit)
    }

    /// Splits the customers into `parts` ranges of codes and scans the log once per range, in
    /// parallel: each scan checks and visits only the rows of its own customers (so each row
    /// is checked and visited exactly once), reading the columns in order and touching only
    /// its own per-customer records. `work(range)` returns the state of a range's scan and
    /// `visit(state, code, day, amount)` aggregates one row. Returns the states in range order
    /// and the report; an error is the one of the earliest bad row, as in [`Self::scan`].
    pub(crate) fn scan_by_customers<T: Send>(
        &self,
        as_of: Day,
        options: LogOptions,
        parts: usize,
        init: impl Fn(std::ops::Range<u32>) -> T + Sync,
        records: impl Fn(&T) -> (usize, usize) + Sync,
        visit: impl Fn(&mut T, u32, Day, f64) + Sync,
    ) -> Result<(Vec<T>, LogReport)> {
        use rayon::prelude::*;
        let n = self.customers.n_customers();
        let parts = parts.clamp(1, n.max(1));
        let step = n.div_ceil(parts);
        let ranges: Vec<std::ops::Range<u32>> = (0..parts)
            .map(|p| ((p * step).min(n) as u32)..(((p + 1) * step).min(n) as u32))
            .collect();
        let scanned: Vec<Result<(T, LogReport)>> = crate::runtime::parallel::install(|| {
            ranges
                .into_par_iter()
                .map(|range| {
                    let mut state = init(range.clone());
                    let record = records(&state);
                    let report = self.scan_codes(
                        as_of,
                        options,
                        Some(record),
                        range,
                        |code, day, amount| {
                            visit(&mut state, code, day, amount);
                            true
                        },
                    )?;
                    Ok((state, report))
                })
                .collect()
        });
        let mut states = Vec::with_capacity(parts);
        let mut report = LogReport {
            rows: self.len(),
            ..LogReport::default()
        };
        let mut first_error: Option<CrmkitError> = None;
        for part in scanned {
            match part {
                Ok((state, r)) => {
                    states.push(state);
                    report.rows_after_as_of += r.rows_after_as_of;
                    report.refunds += r.refunds;
                }
                Err(e) => {
                    let earlier = match &first_error {
                        None => true,
                        Some(f) => e.row().unwrap_or(usize::MAX) < f.row().unwrap_or(usize::MAX),
                    };
                    if earlier {
                        first_error = Some(e);
                    }
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok((states, report)),
        }
    }

    /// [`Self::scan_prefetching`] over the rows whose customer code lies in `codes`; `records`
    /// then gives the address of the record of code `codes.start`.
    fn scan_codes(
        &self,
        as_of: Day,
        options: LogOptions,
        records: Option<(usize, usize)>,
        codes: std::ops::Range<u32>,
        mut visit: impl FnMut(u32, Day, f64) -> bool,
    ) -> Result<LogReport> {
        // The common units get a constant divisor, which the compiler turns into a multiply.
        macro_rules! ticks {
            ($values:expr, $($unit:literal),*) => {
                match $values {
                    $((values, $unit) => self.scan_with(as_of, options, records, &codes, |row| day_number_from_ticks(values[row], $unit), &mut visit),)*
                    (values, per_day) => self.scan_with(as_of, options, records, &codes, |row| day_number_from_ticks(values[row], per_day), &mut visit),
                }
            };
        }
        match self.times {
            Times::Days(days) => self.scan_with(
                as_of,
                options,
                records,
                &codes,
                |row| i64::from(days[row]),
                &mut visit,
            ),
            Times::Ticks { values, per_day } => ticks!(
                (values, per_day),
                86_400,
                86_400_000,
                86_400_000_000,
                86_400_000_000_000
            ),
        }
    }

    fn scan_with(
        &self,
        as_of: Day,
        options: LogOptions,
        records: Option<(usize, usize)>,
        keep: &std::ops::Range<u32>,
        day_of: impl Fn(usize) -> i64,
        visit: &mut impl FnMut(u32, Day, f64) -> bool,
    ) -> Result<LogReport> {
        let mut report = LogReport {
            rows: self.len(),
            ..LogReport::default()
        };
        let codes = self.codes;
        let (low, width) = (keep.start, keep.end.wrapping_sub(keep.start));
        let every = keep.start == 0 && keep.end == u32::MAX;
        for (row, (&code, &amount)) in codes.iter().zip(self.amounts).enumerate() {
            // one compare: rows of other customers belong to another range's scan
            if !every && code.wrapping_sub(low) >= width {
                continue;
            }
            if let (Some((base, size)), Some(&ahead)) =
                (records, codes.get(row + PREFETCH_DISTANCE))
            {
                let slot = ahead.wrapping_sub(low);
                if slot < width {
                    prefetch(base.wrapping_add(slot as usize * size));
                }
            }
            let Some(day) = check_row(row, day_of(row), amount, as_of, options, &mut report)?
            else {
                continue;
            };
            if !visit(code, day, amount) {
                break;
            }
        }
        Ok(report)
    }
}

/// The customer codes of rows `rows` of `customers` (a table that is a range of the rows the
/// index was built from); `field` names the range in the error.
pub(crate) fn codes_of_rows<'a>(
    customers: &'a CustomerIndex,
    rows: std::ops::Range<usize>,
    field: &str,
) -> Result<&'a [u32]> {
    customers.codes().get(rows.clone()).ok_or_else(|| {
        CrmkitError::invalid_config(
            field,
            format!("{}..{}", rows.start, rows.end),
            format!(
                "not a range of the {} rows of the customer index",
                customers.codes().len()
            ),
        )
    })
}
