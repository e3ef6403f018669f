//! A data-quality report: which rows of a transaction log (and of a table of customer records)
//! break which rule, found without failing on them.
//!
//! The scoring functions reject bad input (a missing id, a NaN amount, a purchase after the
//! observation date) with an error naming the first bad row. [`quality_report`] instead reads
//! every row, tolerates every such value and lists, per rule, **how many rows and which** (row
//! indices; the caller fetches the customer id of a row from its own id column). It never
//! names a person or a contact detail, and it flags without removing anything.
//!
//! # Rules
//!
//! The vocabulary is fixed ([`Rule`]; the names are the `snake_case` strings of
//! [`Rule::as_str`], also used by every warning about rows left out elsewhere in crmkit).
//!
//! On the transaction log:
//! - `missing_customer_id`, `missing_timestamp`, `missing_amount`: the value is null;
//! - `non_finite_amount`: the amount is NaN or ±∞;
//! - `negative_amount`: the amount is finite and < 0 (a refund; flagged — the log readers net
//!   them only when told to);
//! - `timestamp_after_as_of`: the calendar day of the timestamp is after `as_of`;
//! - `timestamp_before_start`: its day is before the given `start` (checked only with a start);
//! - `duplicate_row`: the same customer id, timestamp (to the tick, not the day) and amount —
//!   and the same values in any further key columns given — as an earlier row. Nulls compare
//!   equal to nulls, NaN to NaN and −0.0 to 0.0. The first occurrence is not flagged, each later
//!   copy is. Rows are partitioned by a hash of the whole row and each partition is checked in
//!   its own cache-resident hash table (see `scan.rs`): linear in the rows, never quadratic,
//!   whatever the number of rows per customer;
//! - `outlier_amount`: an order whose amount exceeds the outlier cut (see [`OutlierRule`]).
//!
//! On the customer records (a table of one row per B2B customer record):
//! - `record_missing_customer_id`: the record's id is null;
//! - `conflicting_names`: the records of one id carry two or more different names (compared
//!   after trimming, collapsing inner whitespace and lower-casing); every record of that id
//!   with a name is flagged;
//! - `missing_name`, `missing_contact`, `missing_industry`, `missing_core_need`: the required
//!   field is null, empty or only whitespace.
//!
//! Row indices are zero-based and ascending within each rule. Counts never depend on the order
//! of the rows; only the indices (and, for duplicates, which copy counts as the first) do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::data::calendar::Day;
use crate::data::ids::CustomerIndex;
use crate::data::transactions::Times;
use crate::math::exact_sum::ExactSum;
use crate::math::stats::median_in_place;
use crate::names::named_enum;
use crate::rfm::features::IntIds;
use crate::{CrmkitError, Result};

mod scan;

named_enum! {
    /// A data-quality rule: the fixed vocabulary of the report.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::quality::{Rule, Table};
    /// assert_eq!(Rule::TimestampAfterAsOf.as_str(), "timestamp_after_as_of");
    /// assert_eq!("duplicate_row".parse::<Rule>(), Ok(Rule::DuplicateRow));
    /// assert_eq!(Rule::MissingContact.table(), Table::CustomerRecords);
    /// assert_eq!(Rule::ALL.len(), 15);
    /// ```
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum Rule {
        /// Transaction without a customer id (null).
        MissingCustomerId,
        /// Transaction without a timestamp (null).
        MissingTimestamp,
        /// Transaction without an amount (null).
        MissingAmount,
        /// Amount NaN or ±∞.
        NonFiniteAmount,
        /// Finite amount below 0 (a refund).
        NegativeAmount,
        /// Timestamp on a day after `as_of`.
        TimestampAfterAsOf,
        /// Timestamp on a day before the given `start`.
        TimestampBeforeStart,
        /// A later copy of an earlier row (same customer, timestamp, amount and key columns).
        DuplicateRow,
        /// Amount above the outlier cut.
        OutlierAmount,
        /// Customer record without an id (null).
        RecordMissingCustomerId,
        /// Customer record whose id carries two or more different names.
        ConflictingNames,
        /// Customer record without a name.
        MissingName,
        /// Customer record without a contact.
        MissingContact,
        /// Customer record without an industry.
        MissingIndustry,
        /// Customer record without a core need.
        MissingCoreNeed,
    }
}

named_enum! {
    /// The table a rule is about.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::quality::{Rule, Table};
    /// assert_eq!(Rule::DuplicateRow.table(), Table::Transactions);
    /// assert_eq!(Table::CustomerRecords.as_str(), "customers");
    /// ```
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum Table parsed as "table" {
        /// The transaction log.
        Transactions,
        /// The customer records.
        #[serde(rename = "customers")]
        #[strum(serialize = "customers")]
        CustomerRecords,
    }
}

impl Table {
    /// `"transactions"` or `"customers"`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::quality::Table::Transactions.as_str(), "transactions");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 15] = [
        Rule::MissingCustomerId,
        Rule::MissingTimestamp,
        Rule::MissingAmount,
        Rule::NonFiniteAmount,
        Rule::NegativeAmount,
        Rule::TimestampAfterAsOf,
        Rule::TimestampBeforeStart,
        Rule::DuplicateRow,
        Rule::OutlierAmount,
        Rule::RecordMissingCustomerId,
        Rule::ConflictingNames,
        Rule::MissingName,
        Rule::MissingContact,
        Rule::MissingIndustry,
        Rule::MissingCoreNeed,
    ];

    /// The rule's name (`snake_case`), as in reports, warnings and serialised reports.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::quality::Rule::NegativeAmount.as_str(), "negative_amount");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The table whose rows the rule flags.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::quality::{Rule, Table};
    /// assert_eq!(Rule::ConflictingNames.table(), Table::CustomerRecords);
    /// ```
    pub fn table(self) -> Table {
        if self >= Rule::RecordMissingCustomerId {
            Table::CustomerRecords
        } else {
            Table::Transactions
        }
    }
}

/// Parses a rule's name; unlike the derived conversions of the other enums, an unknown name is
/// a [`CrmkitError`] naming `rule`, as the report's callers expect.
impl FromStr for Rule {
    type Err = CrmkitError;

    fn from_str(name: &str) -> Result<Self> {
        Rule::ALL
            .into_iter()
            .find(|rule| rule.as_str() == name)
            .ok_or_else(|| CrmkitError::invalid_config("rule", name, "not a data-quality rule"))
    }
}

/// Which values of a column are null.
///
/// # Examples
///
/// ```
/// use crmkit::quality::Nulls;
/// assert!(Nulls::Flags(&[false, true]).is_null(1));
/// // An Arrow validity bitmap (least significant bit first, 1 = present), from bit 1 on.
/// let bits = [0b0000_0101u8];
/// let nulls = Nulls::Validity { bits: &bits, offset: 1 };
/// assert_eq!((0..3).map(|r| nulls.is_null(r)).collect::<Vec<_>>(), [true, false, true]);
/// assert!(!Nulls::None.is_null(0));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub enum Nulls<'a> {
    /// No nulls.
    #[default]
    None,
    /// One flag per row, `true` for null.
    Flags(&'a [bool]),
    /// An Arrow validity bitmap: bit `offset + row` (least significant bit first) is 1 for a
    /// present value, 0 for null.
    Validity {
        /// The bitmap bytes.
        bits: &'a [u8],
        /// The bit of row 0.
        offset: usize,
    },
}

impl Nulls<'_> {
    /// Whether `row` is null (rows outside the column count as present).
    #[inline]
    pub fn is_null(&self, row: usize) -> bool {
        match *self {
            Nulls::None => false,
            Nulls::Flags(flags) => flags.get(row).copied().unwrap_or(false),
            Nulls::Validity { bits, offset } => {
                let bit = offset + row;
                bits.get(bit / 8)
                    .is_some_and(|byte| byte & (1 << (bit % 8)) == 0)
            }
        }
    }

    fn check_len(&self, field: &str, rows: usize) -> Result<()> {
        match *self {
            Nulls::None => Ok(()),
            Nulls::Flags(flags) => CrmkitError::check_len(field, rows, flags.len()),
            Nulls::Validity { bits, offset } => {
                let available = (bits.len() * 8).saturating_sub(offset);
                if available >= rows {
                    Ok(())
                } else {
                    CrmkitError::check_len(field, rows, available)
                }
            }
        }
    }
}

/// A text column of customer records: the value of each row, `None` for null.
///
/// Implemented for slices and vectors of `Option<S>` with `S: AsRef<str>`; the Python bindings
/// implement it for Arrow string columns.
///
/// # Examples
///
/// ```
/// use crmkit::quality::TextColumn;
/// let names = [Some("Acme"), None];
/// assert_eq!(names.text(0), Some("Acme"));
/// assert_eq!(TextColumn::len(&names[..]), 2);
/// ```
pub trait TextColumn {
    /// Number of rows.
    fn len(&self) -> usize;
    /// Whether there are no rows.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The text of `row`, `None` when null.
    fn text(&self, row: usize) -> Option<&str>;
}

impl<S: AsRef<str>> TextColumn for [Option<S>] {
    fn len(&self) -> usize {
        <[Option<S>]>::len(self)
    }
    fn text(&self, row: usize) -> Option<&str> {
        self.get(row).and_then(|v| v.as_ref().map(AsRef::as_ref))
    }
}

impl<S: AsRef<str>, const N: usize> TextColumn for [Option<S>; N] {
    fn len(&self) -> usize {
        N
    }
    fn text(&self, row: usize) -> Option<&str> {
        self[..].text(row)
    }
}

impl<S: AsRef<str>> TextColumn for Vec<Option<S>> {
    fn len(&self) -> usize {
        <[Option<S>]>::len(self)
    }
    fn text(&self, row: usize) -> Option<&str> {
        self[..].text(row)
    }
}

/// The customer ids of a [`QualityLog`]: dense codes, an integer column or string ids.
#[derive(Clone, Copy)]
enum LogIds<'a> {
    Index(&'a CustomerIndex),
    Int(IntIds<'a>),
    Str(&'a (dyn Fn(usize) -> &'a str + Sync + 'a)),
}

impl fmt::Debug for LogIds<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the ids themselves.
        f.write_str(match self {
            LogIds::Index(_) => "LogIds::Index",
            LogIds::Int(_) => "LogIds::Int",
            LogIds::Str(_) => "LogIds::Str",
        })
    }
}

/// A transaction log as the report reads it: like
/// [`TransactionLog`](crate::data::transactions::TransactionLog), but every column may hold nulls,
/// amounts may be anything, and extra key columns may join the duplicate check.
///
/// The customer codes of rows with a null id are ignored (a caller may build the index from
/// whatever values the id buffer holds there).
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::CustomerIndex;
/// use crmkit::quality::{Nulls, QualityLog};
/// use crmkit::data::transactions::Times;
///
/// let index = CustomerIndex::from_i64("customer_id", &[1, 0, 1])?;
/// let log = QualityLog::new(&index, Times::Days(&[10, 11, 12]), &[5.0, f64::NAN, 5.0])?
///     .with_missing_customer_ids(Nulls::Flags(&[false, true, false]))?;
/// assert_eq!(log.len(), 3);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug)]
pub struct QualityLog<'a> {
    ids: LogIds<'a>,
    missing_customer_id: Nulls<'a>,
    times: Times<'a>,
    missing_timestamp: Nulls<'a>,
    amounts: &'a [f64],
    missing_amount: Nulls<'a>,
    duplicate_keys: Vec<&'a [u64]>,
}

impl<'a> QualityLog<'a> {
    /// Wraps the three columns after checking their lengths. An empty log is allowed (its
    /// report is empty); build its index with `CustomerIndex::from_codes(field, vec![], 0)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::ids::CustomerIndex;
    /// use crmkit::quality::QualityLog;
    /// use crmkit::data::transactions::Times;
    /// let index = CustomerIndex::from_codes("customer_id", vec![], 0)?;
    /// assert!(QualityLog::new(&index, Times::Days(&[]), &[])?.is_empty());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] when `times` or `amounts` do not have one value per
    /// row; [`CrmkitError::InvalidConfig`] for ticks with `per_day <= 0`, or for a log of
    /// `u32::MAX` rows or more.
    pub fn new(customers: &'a CustomerIndex, times: Times<'a>, amounts: &'a [f64]) -> Result<Self> {
        Self::with_ids(
            LogIds::Index(customers),
            customers.codes().len(),
            times,
            amounts,
        )
    }

    /// Wraps an integer id column as it is (no [`CustomerIndex`] is built: the report groups
    /// rows by a hash of the ids), with the checks of [`QualityLog::new`]. Every `u64` and
    /// `i128` value is its own customer. This is the fast path for large logs.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::transactions::Times;
    /// use crmkit::quality::{quality_report, QualityLog, QualityOptions, Rule};
    /// use crmkit::rfm::features::IntIds;
    ///
    /// let ids = [7_i64, 7, 3];
    /// let log = QualityLog::by_id(IntIds::I64(&ids), Times::Days(&[100, 100, 90]), &[5.0, 5.0, 2.0])?;
    /// let report = quality_report(&log, None, &QualityOptions::new(140))?;
    /// assert_eq!(report.rows(Rule::DuplicateRow), Some(&[1][..]));
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`QualityLog::new`], with `ids` giving the number of rows.
    pub fn by_id(ids: IntIds<'a>, times: Times<'a>, amounts: &'a [f64]) -> Result<Self> {
        Self::with_ids(LogIds::Int(ids), ids.len(), times, amounts)
    }

    /// Wraps `rows` string ids read through `id(row)` (borrowed, never copied; no
    /// [`CustomerIndex`] is built), with the checks of [`QualityLog::new`]. Ids
    /// are equal when their UTF-8 bytes are. `id` is not called for rows marked by
    /// [`QualityLog::with_missing_customer_ids`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::transactions::Times;
    /// use crmkit::quality::{quality_report, QualityLog, QualityOptions, Rule};
    ///
    /// let ids = ["CUS-7", "CUS-3", "CUS-7"];
    /// let id = |row: usize| ids[row];
    /// let log = QualityLog::by_str(3, &id, Times::Days(&[100, 100, 100]), &[5.0, 5.0, 5.0])?;
    /// let report = quality_report(&log, None, &QualityOptions::new(140))?;
    /// assert_eq!(report.rows(Rule::DuplicateRow), Some(&[2][..]));
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`QualityLog::new`].
    pub fn by_str(
        rows: usize,
        id: &'a (dyn Fn(usize) -> &'a str + Sync + 'a),
        times: Times<'a>,
        amounts: &'a [f64],
    ) -> Result<Self> {
        Self::with_ids(LogIds::Str(id), rows, times, amounts)
    }

    fn with_ids(
        ids: LogIds<'a>,
        rows: usize,
        times: Times<'a>,
        amounts: &'a [f64],
    ) -> Result<Self> {
        CrmkitError::check_len("timestamp", rows, times.len())?;
        CrmkitError::check_len("amount", rows, amounts.len())?;
        times.check_unit("timestamp")?;
        if rows >= u32::MAX as usize {
            return Err(CrmkitError::invalid_config(
                "customer_id",
                rows,
                "the quality report reads logs of fewer than 2^32 - 1 rows",
            ));
        }
        Ok(Self {
            ids,
            missing_customer_id: Nulls::None,
            times,
            missing_timestamp: Nulls::None,
            amounts,
            missing_amount: Nulls::None,
            duplicate_keys: Vec::new(),
        })
    }

    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::{data::ids::CustomerIndex, data::transactions::Times, quality::QualityLog};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// assert_eq!(QualityLog::new(&index, Times::Days(&[0]), &[1.0])?.len(), 1);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.amounts.len()
    }

    /// Whether the log has no rows.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::{data::ids::CustomerIndex, data::transactions::Times, quality::QualityLog};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// assert!(!QualityLog::new(&index, Times::Days(&[0]), &[1.0])?.is_empty());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.amounts.is_empty()
    }

    /// Marks the rows whose customer id is null.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::{data::ids::CustomerIndex, data::transactions::Times, quality::{Nulls, QualityLog}};
    /// let index = CustomerIndex::from_i64("customer_id", &[1, 1])?;
    /// let log = QualityLog::new(&index, Times::Days(&[0, 0]), &[1.0, 1.0])?;
    /// assert!(log.with_missing_customer_ids(Nulls::Flags(&[true])).is_err()); // one flag per row
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] when `nulls` does not cover every row.
    pub fn with_missing_customer_ids(mut self, nulls: Nulls<'a>) -> Result<Self> {
        nulls.check_len("customer_id", self.len())?;
        self.missing_customer_id = nulls;
        Ok(self)
    }

    /// Marks the rows whose timestamp is null (their time values are ignored).
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::{data::ids::CustomerIndex, data::transactions::Times, quality::{Nulls, QualityLog}};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// let log = QualityLog::new(&index, Times::Days(&[0]), &[1.0])?
    ///     .with_missing_timestamps(Nulls::Flags(&[true]))?;
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] when `nulls` does not cover every row.
    pub fn with_missing_timestamps(mut self, nulls: Nulls<'a>) -> Result<Self> {
        nulls.check_len("timestamp", self.len())?;
        self.missing_timestamp = nulls;
        Ok(self)
    }

    /// Marks the rows whose amount is null (their amount values are ignored).
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::{data::ids::CustomerIndex, data::transactions::Times, quality::{Nulls, QualityLog}};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// let log = QualityLog::new(&index, Times::Days(&[0]), &[0.0])?
    ///     .with_missing_amounts(Nulls::Flags(&[true]))?;
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] when `nulls` does not cover every row.
    pub fn with_missing_amounts(mut self, nulls: Nulls<'a>) -> Result<Self> {
        nulls.check_len("amount", self.len())?;
        self.missing_amount = nulls;
        Ok(self)
    }

    /// Adds a column to the duplicate check, as exact keys: two rows agree on the column when
    /// their keys are equal (e.g. dense codes of the column's values, with one reserved key
    /// for null).
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::{data::ids::CustomerIndex, data::transactions::Times, quality::QualityLog};
    /// let index = CustomerIndex::from_i64("customer_id", &[1, 1])?;
    /// let product = [3, 4];
    /// let log = QualityLog::new(&index, Times::Days(&[0, 0]), &[1.0, 1.0])?
    ///     .with_duplicate_key("product", &product)?;
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] naming `field` when `keys` has not one key per row.
    pub fn with_duplicate_key(mut self, field: &str, keys: &'a [u64]) -> Result<Self> {
        CrmkitError::check_len(field, self.len(), keys.len())?;
        self.duplicate_keys.push(keys);
        Ok(self)
    }
}

named_enum! {
    /// The required fields of a B2B customer record.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::quality::{RecordField, Rule};
    /// assert_eq!(RecordField::CoreNeed.rule(), Rule::MissingCoreNeed);
    /// ```
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum RecordField parsed as "record_field" {
        /// The customer's (company's) name.
        Name,
        /// A contact (person, phone or e-mail).
        Contact,
        /// The industry.
        Industry,
        /// The customer's core need.
        CoreNeed,
    }
}

impl RecordField {
    /// Every field, in report order.
    pub const ALL: [RecordField; 4] = [
        RecordField::Name,
        RecordField::Contact,
        RecordField::Industry,
        RecordField::CoreNeed,
    ];

    /// The rule flagging records without this field.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::quality::{RecordField, Rule};
    /// assert_eq!(RecordField::Name.rule(), Rule::MissingName);
    /// ```
    pub fn rule(self) -> Rule {
        match self {
            RecordField::Name => Rule::MissingName,
            RecordField::Contact => Rule::MissingContact,
            RecordField::Industry => Rule::MissingIndustry,
            RecordField::CoreNeed => Rule::MissingCoreNeed,
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// A table of customer records (one row per record; an id may have several records).
///
/// Only the fields given are checked: a field never given gets no rule in the report, and
/// `conflicting_names` needs the name field.
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::CustomerIndex;
/// use crmkit::quality::{CustomerRecords, RecordField};
/// let index = CustomerIndex::from_i64("customer_id", &[1, 1])?;
/// let names = [Some("Acme"), Some("ACME ")];
/// let records = CustomerRecords::new(&index).with_field(RecordField::Name, &names)?;
/// assert_eq!(records.len(), 2);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub struct CustomerRecords<'a> {
    customers: &'a CustomerIndex,
    missing_customer_id: Nulls<'a>,
    fields: [Option<&'a dyn TextColumn>; 4],
}

impl fmt::Debug for CustomerRecords<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the records themselves: they hold personal fields.
        f.debug_struct("CustomerRecords")
            .field("rows", &self.len())
            .field("fields", &self.fields.map(|c| c.is_some()))
            .finish()
    }
}

impl<'a> CustomerRecords<'a> {
    /// Records with the given ids and no fields yet.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::{data::ids::CustomerIndex, quality::CustomerRecords};
    /// let index = CustomerIndex::from_i64("customer_id", &[5])?;
    /// assert_eq!(CustomerRecords::new(&index).len(), 1);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn new(customers: &'a CustomerIndex) -> Self {
        Self {
            customers,
            missing_customer_id: Nulls::None,
            fields: [None; 4],
        }
    }

    /// Number of records.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::{data::ids::CustomerIndex, quality::CustomerRecords};
    /// let index = CustomerIndex::from_i64("customer_id", &[5, 6])?;
    /// assert_eq!(CustomerRecords::new(&index).len(), 2);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.customers.codes().len()
    }

    /// Whether there are no records.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::{data::ids::CustomerIndex, quality::CustomerRecords};
    /// let index = CustomerIndex::from_codes("customer_id", vec![], 0)?;
    /// assert!(CustomerRecords::new(&index).is_empty());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Marks the records whose id is null.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::{data::ids::CustomerIndex, quality::{CustomerRecords, Nulls}};
    /// let index = CustomerIndex::from_i64("customer_id", &[5, 0])?;
    /// let records = CustomerRecords::new(&index).with_missing_customer_ids(Nulls::Flags(&[false, true]))?;
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] when `nulls` does not cover every record.
    pub fn with_missing_customer_ids(mut self, nulls: Nulls<'a>) -> Result<Self> {
        nulls.check_len("customers.customer_id", self.len())?;
        self.missing_customer_id = nulls;
        Ok(self)
    }

    /// Adds a required field.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::{data::ids::CustomerIndex, quality::{CustomerRecords, RecordField}};
    /// let index = CustomerIndex::from_i64("customer_id", &[5])?;
    /// let industry = [Some("retail"), None];
    /// assert!(CustomerRecords::new(&index).with_field(RecordField::Industry, &industry).is_err());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] naming the field when `column` has not one value per
    /// record.
    pub fn with_field(mut self, field: RecordField, column: &'a dyn TextColumn) -> Result<Self> {
        let name = match field {
            RecordField::Name => "customers.name",
            RecordField::Contact => "customers.contact",
            RecordField::Industry => "customers.industry",
            RecordField::CoreNeed => "customers.core_need",
        };
        CrmkitError::check_len(name, self.len(), column.len())?;
        self.fields[field.slot()] = Some(column);
        Ok(self)
    }
}

/// The Iglewicz–Hoaglin constant: 0.6745 ≈ Φ⁻¹(0.75), which makes the MAD of normal data a
/// consistent estimate of its standard deviation (σ ≈ MAD / 0.6745).
pub const MAD_CONSTANT: f64 = 0.6745;

/// Used when the MAD is 0 (more than half the orders share one amount): the mean absolute
/// deviation from the median, scaled by √(π/2) ≈ 1.253314 (σ ≈ 1.253314 · MeanAD for normal
/// data), replaces MAD / 0.6745.
pub const MEAN_AD_CONSTANT: f64 = 1.253_314;

/// How outlier orders are found. Both rules flag orders (rows with a present, finite amount
/// ≥ 0) whose amount is **above a cut**; both compute the cut on those same orders, so the
/// outliers themselves take part. Refunds, nulls and non-finite amounts take no part.
///
/// # Examples
///
/// ```
/// use crmkit::quality::OutlierRule;
/// assert_eq!(OutlierRule::default(), OutlierRule::MeanMultiple { factor: 10.0 });
/// assert_eq!(OutlierRule::mad().cut(&[1.0, 2.0, 3.0, 4.0, 100.0]), Some(3.0 + 3.5 * 1.0 / 0.6745));
/// assert_eq!(OutlierRule::default().cut(&[1.0, 1.0, 1.0, 97.0]), Some(250.0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum OutlierRule {
    /// Flag orders above `factor` × the mean order amount (cut = factor · mean). The mean is
    /// computed from the correctly rounded sum of the amounts (as Python's `math.fsum`), so it
    /// does not depend on row order.
    MeanMultiple {
        /// The multiple of the mean (10 by default); finite and > 0.
        factor: f64,
    },
    /// The robust rule of Iglewicz & Hoaglin (1993, *How to Detect and Handle Outliers*):
    /// the modified z-score Mᵢ = 0.6745 · (xᵢ − median) / MAD, with MAD the median absolute
    /// deviation from the median; flag orders with Mᵢ > `threshold` (they recommend 3.5),
    /// i.e. above the cut median + threshold · MAD / 0.6745. When the MAD is 0, the cut is
    /// median + threshold · 1.253314 · MeanAD (mean absolute deviation); when that is 0 too,
    /// all orders are equal and none is flagged. Medians of an even count are the mean of the
    /// two middle values.
    Mad {
        /// The modified z-score above which an order is flagged (3.5 by default); finite, > 0.
        threshold: f64,
    },
}

impl Default for OutlierRule {
    fn default() -> Self {
        OutlierRule::MeanMultiple { factor: 10.0 }
    }
}

impl OutlierRule {
    /// The MAD rule with the threshold 3.5 that Iglewicz & Hoaglin recommend.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::quality::OutlierRule::mad(), crmkit::quality::OutlierRule::Mad { threshold: 3.5 });
    /// ```
    pub fn mad() -> Self {
        OutlierRule::Mad { threshold: 3.5 }
    }

    /// Checks the factor or threshold.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::quality::OutlierRule;
    /// assert!(OutlierRule::MeanMultiple { factor: 0.0 }.validate().is_err());
    /// assert!(OutlierRule::Mad { threshold: f64::NAN }.validate().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for a factor or threshold that is not finite and > 0.
    pub fn validate(&self) -> Result<()> {
        let (field, value) = match *self {
            OutlierRule::MeanMultiple { factor } => ("outlier_factor", factor),
            OutlierRule::Mad { threshold } => ("mad_threshold", threshold),
        };
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(CrmkitError::invalid_config(
                field,
                value,
                "must be finite and > 0",
            ))
        }
    }

    /// The cut for these order amounts (all finite and ≥ 0; others are skipped): amounts above
    /// it are outliers. `None` without orders.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::quality::OutlierRule;
    /// assert_eq!(OutlierRule::default().cut(&[]), None);
    /// assert_eq!(OutlierRule::mad().cut(&[5.0, 5.0, 5.0]), Some(5.0));
    /// ```
    pub fn cut(&self, amounts: &[f64]) -> Option<f64> {
        self.cut_of(amounts.iter().copied().filter(|a| is_order(*a)))
    }

    /// The cut of `orders` (all finite and >= 0). A cut that would overflow is `f64::MAX`: no
    /// finite amount exceeds it either.
    fn cut_of(&self, orders: impl Iterator<Item = f64> + Clone) -> Option<f64> {
        let cut = match *self {
            OutlierRule::MeanMultiple { factor } => exact_mean(orders).map(|m| factor * m),
            OutlierRule::Mad { threshold } => {
                let mut values: Vec<f64> = orders.collect();
                mad_cut(&mut values, threshold)
            }
        };
        cut.map(|c| if c.is_finite() { c } else { f64::MAX })
    }
}

#[inline]
fn is_order(amount: f64) -> bool {
    amount.is_finite() && amount >= 0.0
}

/// The mean of non-negative finite values, independent of their order: their correctly rounded
/// sum (equal to Python's `math.fsum`) divided by their count (see [`mean_of_sums`]).
fn exact_mean(values: impl Iterator<Item = f64> + Clone) -> Option<f64> {
    mean_of_sums(|scale| scaled_sum(values.clone(), scale))
}

/// The count of `values` and the exact sum of each times `scale`.
pub(super) fn scaled_sum(values: impl Iterator<Item = f64>, scale: f64) -> (usize, ExactSum) {
    let mut sum = ExactSum::default();
    let mut count = 0;
    for v in values {
        sum.add(v * scale);
        count += 1;
    }
    (count, sum)
}

/// The mean of non-negative finite values from `sums(scale)`, their count and the exact sum of
/// each value times `scale` (a power of two): the correctly rounded sum divided by the count,
/// independent of the values' order. Only when that sum passes the largest `f64` are the sums
/// taken again of the values scaled down by the smallest power of two above the count (exact,
/// but for values below about 1e-290, which lie far below the mean's last digit).
pub(super) fn mean_of_sums(sums: impl Fn(f64) -> (usize, ExactSum)) -> Option<f64> {
    let (count, sum) = sums(1.0);
    if count == 0 {
        return None;
    }
    let total = sum.value();
    if total.is_finite() {
        return Some(total / count as f64);
    }
    let scale = libm::exp2(-f64::from(usize::BITS - count.leading_zeros()));
    let (_, sum) = sums(scale);
    Some(sum.value() / count as f64 / scale)
}

fn mad_cut(values: &mut [f64], threshold: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let center = median_in_place(values);
    for v in values.iter_mut() {
        *v = (*v - center).abs();
    }
    let mad = median_in_place(values);
    if mad > 0.0 {
        return Some(center + threshold * mad / MAD_CONSTANT);
    }
    let mean_ad = exact_mean(values.iter().copied()).unwrap_or(0.0);
    Some(center + threshold * MEAN_AD_CONSTANT * mean_ad)
}

/// Options of [`quality_report`].
///
/// # Examples
///
/// ```
/// use crmkit::quality::{OutlierRule, QualityOptions};
/// let options = QualityOptions { start: Some(19_000), ..QualityOptions::new(19_723) };
/// assert_eq!(options.outliers, OutlierRule::default());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityOptions {
    /// The observation date (days since 1970-01-01): rows on later days are flagged.
    pub as_of: Day,
    /// The start of the observation range, if any: rows on earlier days are flagged.
    #[serde(default)]
    pub start: Option<Day>,
    /// The outlier rule.
    #[serde(default)]
    pub outliers: OutlierRule,
}

impl QualityOptions {
    /// Options with this observation date, no start and the default outlier rule.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::quality::QualityOptions::new(5).start, None);
    /// ```
    pub fn new(as_of: Day) -> Self {
        Self {
            as_of,
            start: None,
            outliers: OutlierRule::default(),
        }
    }
}

/// The rows one rule flags.
///
/// # Examples
///
/// ```
/// use crmkit::quality::{Finding, Rule};
/// let finding = Finding { rule: Rule::MissingAmount, rows: vec![2, 7] };
/// assert_eq!(finding.count(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// The flagged rows of the rule's table, zero-based and ascending.
    pub rows: Vec<usize>,
}

impl Finding {
    /// How many rows the rule flags.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::quality::{Finding, Rule};
    /// assert_eq!(Finding { rule: Rule::DuplicateRow, rows: vec![] }.count(), 0);
    /// ```
    pub fn count(&self) -> usize {
        self.rows.len()
    }
}

/// The data-quality report: per rule checked, the rows it flags.
///
/// A rule appears when it was checked (the customer-record rules only with customer records,
/// `timestamp_before_start` only with a start, a field's rule only when the field was given),
/// in the order of [`Rule::ALL`]; a count of 0 means checked and clean. Deserialising checks
/// that rules are distinct and in that order and that rows are ascending and inside their
/// table.
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::CustomerIndex;
/// use crmkit::quality::{quality_report, QualityLog, QualityOptions, Rule};
/// use crmkit::data::transactions::Times;
///
/// let index = CustomerIndex::from_i64("customer_id", &[1, 1, 2, 2])?;
/// let days = [100, 100, 101, 200];
/// let amounts = [5.0, 5.0, -3.0, 1.0];
/// let log = QualityLog::new(&index, Times::Days(&days), &amounts)?;
/// let report = quality_report(&log, None, &QualityOptions::new(150))?;
/// assert_eq!(report.rows(Rule::DuplicateRow), Some(&[1][..]));
/// assert_eq!(report.rows(Rule::NegativeAmount), Some(&[2][..]));
/// assert_eq!(report.rows(Rule::TimestampAfterAsOf), Some(&[3][..]));
/// assert_eq!(report.count(Rule::MissingAmount), Some(0));
/// assert_eq!(report.count(Rule::ConflictingNames), None); // not checked: no records
/// let json = serde_json::to_string(&report).unwrap();
/// assert_eq!(serde_json::from_str::<crmkit::quality::QualityReport>(&json).unwrap(), report);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "UncheckedReport")]
pub struct QualityReport {
    /// Rows in the transaction log.
    pub transactions: usize,
    /// Rows in the customer records, when given.
    pub customer_records: Option<usize>,
    /// The options the report was made with.
    pub options: QualityOptions,
    /// The outlier cut on the order amounts (`None` without orders).
    pub outlier_cut: Option<f64>,
    /// One finding per rule checked, in the order of [`Rule::ALL`].
    pub findings: Vec<Finding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UncheckedReport {
    transactions: usize,
    customer_records: Option<usize>,
    options: QualityOptions,
    outlier_cut: Option<f64>,
    findings: Vec<Finding>,
}

impl TryFrom<UncheckedReport> for QualityReport {
    type Error = CrmkitError;

    fn try_from(raw: UncheckedReport) -> Result<Self> {
        raw.options.outliers.validate()?;
        for (i, finding) in raw.findings.iter().enumerate() {
            if i > 0 && raw.findings[i - 1].rule >= finding.rule {
                return Err(CrmkitError::invalid_config(
                    "findings",
                    finding.rule.as_str(),
                    "rules must be distinct and in report order",
                ));
            }
            let size = match finding.rule.table() {
                Table::Transactions => Some(raw.transactions),
                Table::CustomerRecords => raw.customer_records,
            };
            let Some(size) = size else {
                return Err(CrmkitError::invalid_config(
                    "findings",
                    finding.rule.as_str(),
                    "a customer-record rule needs customer_records",
                ));
            };
            for (j, &row) in finding.rows.iter().enumerate() {
                if row >= size || (j > 0 && finding.rows[j - 1] >= row) {
                    return Err(CrmkitError::invalid_value(
                        finding.rule.as_str(),
                        j,
                        row,
                        "rows must be ascending and inside their table",
                    ));
                }
            }
        }
        if raw.outlier_cut.is_some_and(|c| !c.is_finite()) {
            return Err(CrmkitError::invalid_config(
                "outlier_cut",
                raw.outlier_cut,
                "must be finite",
            ));
        }
        Ok(Self {
            transactions: raw.transactions,
            customer_records: raw.customer_records,
            options: raw.options,
            outlier_cut: raw.outlier_cut,
            findings: raw.findings,
        })
    }
}

impl QualityReport {
    /// The finding of `rule`, if it was checked.
    ///
    /// # Examples
    ///
    /// See [`QualityReport`].
    pub fn finding(&self, rule: Rule) -> Option<&Finding> {
        self.findings.iter().find(|f| f.rule == rule)
    }

    /// How many rows `rule` flags, if it was checked.
    ///
    /// # Examples
    ///
    /// See [`QualityReport`].
    pub fn count(&self, rule: Rule) -> Option<usize> {
        self.finding(rule).map(Finding::count)
    }

    /// The rows `rule` flags, if it was checked.
    ///
    /// # Examples
    ///
    /// See [`QualityReport`].
    pub fn rows(&self, rule: Rule) -> Option<&[usize]> {
        self.finding(rule).map(|f| f.rows.as_slice())
    }

    /// Whether no rule flags any row.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::{data::ids::CustomerIndex, data::transactions::Times, quality::*};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// let log = QualityLog::new(&index, Times::Days(&[0]), &[1.0])?;
    /// assert!(quality_report(&log, None, &QualityOptions::new(0))?.is_clean());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn is_clean(&self) -> bool {
        self.findings.iter().all(|f| f.rows.is_empty())
    }
}

/// Checks a transaction log (and optionally customer records) against every data-quality rule
/// and lists the rows each rule flags. Bad rows are what it reports, never an error.
///
/// See the [module documentation](self) for the rules. The cost is one partition pass over the
/// columns (the per-row rules and the rows' hashes, on the pool), the duplicate check of each
/// partition in cache, and two to five parallel passes over the amounts for the outliers. A log
/// made with [`QualityLog::by_id`] or [`QualityLog::by_str`] needs no customer index first.
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::CustomerIndex;
/// use crmkit::quality::{quality_report, CustomerRecords, Nulls, OutlierRule, QualityLog, QualityOptions, RecordField, Rule};
/// use crmkit::data::transactions::Times;
///
/// // four orders of 10 and one of 1,000: the mean is 208 and 1,000 > 3 × 208
/// let index = CustomerIndex::from_i64("customer_id", &[1, 2, 3, 4, 0])?;
/// let amounts = [10.0, 10.0, 10.0, 10.0, 1_000.0];
/// let log = QualityLog::new(&index, Times::Days(&[0; 5]), &amounts)?
///     .with_missing_customer_ids(Nulls::Flags(&[false, false, false, false, true]))?;
///
/// let ids = CustomerIndex::from_i64("customer_id", &[1, 1, 2])?;
/// let names = [Some("Acme Ltd"), Some("Apex Ltd"), Some("Zeta")];
/// let contacts = [Some("ops@acme.example"), Some(" "), None];
/// let records = CustomerRecords::new(&ids)
///     .with_field(RecordField::Name, &names)?
///     .with_field(RecordField::Contact, &contacts)?;
///
/// let options = QualityOptions { outliers: OutlierRule::MeanMultiple { factor: 3.0 }, ..QualityOptions::new(0) };
/// let report = quality_report(&log, Some(&records), &options)?;
/// assert_eq!(report.rows(Rule::MissingCustomerId), Some(&[4][..]));
/// assert_eq!(report.rows(Rule::OutlierAmount), Some(&[4][..]));
/// assert_eq!(report.rows(Rule::ConflictingNames), Some(&[0, 1][..]));
/// assert_eq!(report.rows(Rule::MissingContact), Some(&[1, 2][..]));
/// assert_eq!(report.count(Rule::MissingIndustry), None); // not given
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// [`CrmkitError::InvalidConfig`] for an invalid outlier factor or threshold. Nothing about
/// the rows is an error.
pub fn quality_report(
    log: &QualityLog<'_>,
    records: Option<&CustomerRecords<'_>>,
    options: &QualityOptions,
) -> Result<QualityReport> {
    options.outliers.validate()?;
    let (rules, duplicates) = scan::scan(log, options, None);
    let outlier_cut = scan::outlier_cut(log, options.outliers);
    let outliers = outlier_cut.map_or_else(Vec::new, |cut| scan::outlier_rows(log, cut));
    let mut findings = vec![
        Finding {
            rule: Rule::MissingCustomerId,
            rows: rules.missing_id,
        },
        Finding {
            rule: Rule::MissingTimestamp,
            rows: rules.missing_ts,
        },
        Finding {
            rule: Rule::MissingAmount,
            rows: rules.missing_amount,
        },
        Finding {
            rule: Rule::NonFiniteAmount,
            rows: rules.non_finite,
        },
        Finding {
            rule: Rule::NegativeAmount,
            rows: rules.negative,
        },
        Finding {
            rule: Rule::TimestampAfterAsOf,
            rows: rules.after,
        },
    ];
    if options.start.is_some() {
        findings.push(Finding {
            rule: Rule::TimestampBeforeStart,
            rows: rules.before,
        });
    }
    findings.push(Finding {
        rule: Rule::DuplicateRow,
        rows: duplicates,
    });
    findings.push(Finding {
        rule: Rule::OutlierAmount,
        rows: outliers,
    });
    if let Some(records) = records {
        findings.extend(check_records(records));
    }
    findings.sort_by_key(|f| f.rule);
    Ok(QualityReport {
        transactions: log.len(),
        customer_records: records.map(CustomerRecords::len),
        options: *options,
        outlier_cut,
        findings,
    })
}

#[derive(Clone, Copy)]
enum TicksOrDays<'a> {
    Days(&'a [i32]),
    Ticks(&'a [i64]),
}

/// A NaN payload no arithmetic produces, standing for a null amount.
const NULL_AMOUNT_BITS: u64 = 0x7FF8_DEAD_BEEF_0001;

fn amount_bits(amount: f64, null: bool) -> u64 {
    if null {
        NULL_AMOUNT_BITS
    } else if amount.is_nan() {
        f64::NAN.to_bits()
    } else if amount == 0.0 {
        0
    } else {
        amount.to_bits()
    }
}

/// Lower-cased with surrounding whitespace trimmed and inner runs of whitespace collapsed.
fn normalized_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

fn is_blank(text: Option<&str>) -> bool {
    text.is_none_or(|t| t.trim().is_empty())
}

fn check_records(records: &CustomerRecords<'_>) -> Vec<Finding> {
    let rows = records.len();
    let codes = records.customers.codes();
    let mut findings = vec![Finding {
        rule: Rule::RecordMissingCustomerId,
        rows: (0..rows)
            .filter(|&r| records.missing_customer_id.is_null(r))
            .collect(),
    }];
    if let Some(names) = records.fields[RecordField::Name.slot()] {
        // The first name seen per customer, and whether another one follows.
        let mut first: Vec<Option<String>> = vec![None; records.customers.n_customers()];
        let mut conflict = vec![false; first.len()];
        let named = |r: usize| {
            if records.missing_customer_id.is_null(r) || is_blank(names.text(r)) {
                None
            } else {
                names.text(r).map(|n| (codes[r] as usize, n))
            }
        };
        for row in 0..rows {
            if let Some((code, name)) = named(row) {
                let name = normalized_name(name);
                match &first[code] {
                    None => first[code] = Some(name),
                    Some(seen) if *seen != name => conflict[code] = true,
                    Some(_) => {}
                }
            }
        }
        findings.push(Finding {
            rule: Rule::ConflictingNames,
            rows: (0..rows)
                .filter(|&r| named(r).is_some_and(|(code, _)| conflict[code]))
                .collect(),
        });
    }
    for field in RecordField::ALL {
        if let Some(column) = records.fields[field.slot()] {
            findings.push(Finding {
                rule: field.rule(),
                rows: (0..rows).filter(|&r| is_blank(column.text(r))).collect(),
            });
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_mean_is_order_independent_and_correctly_rounded() {
        let values = [0.1, 0.2, 0.3, 1e15, 7.25];
        let mut reversed = values;
        reversed.reverse();
        let a = exact_mean(values.iter().copied());
        let b = exact_mean(reversed.iter().copied());
        assert_eq!(a, b);
        // math.fsum([0.1, 0.2, 0.3, 1e15, 7.25]) / 5 (Python 3.11): 200000000000001.56
        assert_eq!(a, Some(200_000_000_000_001.56));
        // small amounts keep every digit (once truncated to a 2^-40 grid: 0.00019999999858...)
        assert_eq!(exact_mean([1e-4].into_iter()), Some(1e-4));
        assert_eq!(
            exact_mean([5e-13, 1e-4].into_iter()),
            Some((5e-13 + 1e-4) / 2.0)
        );
        assert_eq!(exact_mean([5e-324].into_iter()), Some(5e-324));
        // the largest finite values do not overflow the sum
        let huge = [f64::MAX, f64::MAX];
        assert_eq!(exact_mean(huge.iter().copied()), Some(f64::MAX));
        assert_eq!(
            exact_mean([f64::MAX, f64::MAX, 0.0, 0.0].into_iter()),
            Some(f64::MAX / 2.0)
        );
        assert_eq!(exact_mean(std::iter::empty()), None);
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median_in_place(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median_in_place(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median_in_place(&mut [f64::MAX, f64::MAX]), f64::MAX);
    }

    #[test]
    fn name_normalisation() {
        assert_eq!(normalized_name("  Acme\t LTD "), "acme ltd");
        assert_eq!(normalized_name("ÄBC"), "äbc");
    }
}
