//! Lifecycle stages straight from a transaction log and an optional per-customer table: the
//! purchase history, the join of the table to the customers of the log (customers present
//! only in the table, without purchases, included), first contacts and the rules.

use serde::{Deserialize, Serialize};

use super::{
    LifecycleInput, LifecycleRules, PurchaseHistory, StageAssignment, assign_lifecycle_stages,
    purchase_history,
};
use crate::data::calendar::Day;
use crate::data::rows_by_customer::CustomerRows;
use crate::data::transactions::{LogOptions, TransactionLog};
use crate::{CrmkitError, Result};

/// A table with at most one row per customer whose ids are rows `rows` of the customer index
/// of the transaction log (the index encodes the log's ids and the table's together, so a
/// customer only in the table has a code too). Every column given has one value per row
/// (`None` in a cell = not known).
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::CustomerTable;
/// let table = CustomerTable { rows: 3..5, first_contact: Some(&[10, 20]), ..Default::default() };
/// assert_eq!(table.rows.len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct CustomerTable<'a> {
    /// The rows of the customer index holding the table's ids.
    pub rows: std::ops::Range<usize>,
    /// The first contact day.
    pub first_contact: Option<&'a [Day]>,
    /// The churn risk index 1..=10.
    pub churn_index: Option<&'a [Option<u8>]>,
    /// Whether the purchase-gap warning rule fires.
    pub purchase_gap_fires: Option<&'a [Option<bool>]>,
    /// A large order in the window.
    pub large_order: Option<&'a [Option<bool>]>,
    /// A referral in the window.
    pub referral: Option<&'a [Option<bool>]>,
    /// An upgrade in the window.
    pub upgrade: Option<&'a [Option<bool>]>,
    /// A cross-category purchase in the window.
    pub cross_category: Option<&'a [Option<bool>]>,
}

/// The result of [`lifecycle_stages_of_log`]: one stage and one purchase history entry per
/// customer code of the log's index.
///
/// # Examples
///
/// ```
/// use crmkit::data::{ids::CustomerIndex, transactions::{Times, TransactionLog}};
/// use crmkit::lifecycle::{LifecycleStage, lifecycle_stages_of_log};
/// let index = CustomerIndex::from_i64("customer_id", &[1])?;
/// let log = TransactionLog::new(&index, Times::Days(&[90]), &[5.0])?;
/// let r = lifecycle_stages_of_log(&log, 100, Default::default(), None, &Default::default())?;
/// assert_eq!((r.stages[0].stage, r.history.last_purchase[0]), (LifecycleStage::Onboarding, Some(90)));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleReport {
    /// The stage of each customer and why.
    pub stages: Vec<StageAssignment>,
    /// First, latest and previous purchase of each customer, with the log's counts.
    pub history: PurchaseHistory,
}

/// Lifecycle stages of every customer of a log's index.
///
/// The purchase history comes from the log ([`purchase_history`], refunds never purchases).
/// The per-customer table is joined by customer code ([`CustomerRows`]: at most one row per
/// customer); a customer's first contact is the earlier of their first purchase and the
/// table's first contact, and `as_of` for a customer with neither. The table's columns feed the
/// rule inputs of [`LifecycleInput`]; customers without a row get `None` (the conditions on
/// that column do not match).
///
/// # Examples
///
/// ```
/// use crmkit::data::{ids::CustomerIndex, transactions::{Times, TransactionLog}};
/// use crmkit::lifecycle::{CustomerTable, LifecycleStage, lifecycle_stages_of_log};
/// // Customers 1 and 2 bought; customer 3 is only in the customer table (a prospect).
/// let index = CustomerIndex::from_i64("customer_id", &[1, 2, 3])?;
/// let log = TransactionLog::of_rows(&index, 0..2, Times::Days(&[100, 990]), &[5.0, 8.0])?;
/// let table = CustomerTable { rows: 2..3, first_contact: Some(&[980]), ..Default::default() };
/// let r = lifecycle_stages_of_log(&log, 1000, Default::default(), Some(&table), &Default::default())?;
/// let stages: Vec<_> = r.stages.iter().map(|s| s.stage).collect();
/// assert_eq!(stages, [LifecycleStage::Lost, LifecycleStage::Onboarding, LifecycleStage::Prospect]);
/// assert_eq!(r.stages[2].reason.value, Some(20.0)); // days since the first contact
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// As [`purchase_history`] and [`assign_lifecycle_stages`];
/// [`CrmkitError::InvalidConfig`] when the table's rows are not rows of the log's index;
/// [`CrmkitError::LengthMismatch`] for a column without one value per table row;
/// [`CrmkitError::InvalidValue`] (`attributes.customer_id`, the table row) for a second row
/// of one customer.
pub fn lifecycle_stages_of_log(
    log: &TransactionLog<'_>,
    as_of: Day,
    options: LogOptions,
    customers: Option<&CustomerTable<'_>>,
    rules: &LifecycleRules,
) -> Result<LifecycleReport> {
    rules.validate()?;
    let index = log.customers();
    let n = index.n_customers();
    let history = purchase_history(log, as_of, options)?;
    let mut first_contact: Vec<Day> = history
        .first_purchase
        .iter()
        .map(|f| f.unwrap_or(as_of))
        .collect();
    let Some(table) = customers else {
        let stages = assign_lifecycle_stages(
            &LifecycleInput {
                as_of,
                first_contact: &first_contact,
                first_purchase: &history.first_purchase,
                last_purchase: &history.last_purchase,
                previous_purchase: &history.previous_purchase,
                ..Default::default()
            },
            rules,
        )?;
        return Ok(LifecycleReport { stages, history });
    };
    let codes = index.codes().get(table.rows.clone()).ok_or_else(|| {
        CrmkitError::invalid_config(
            "customers.rows",
            format!("{}..{}", table.rows.start, table.rows.end),
            "not a range of the rows of the customer index",
        )
    })?;
    let rows = codes.len();
    let check = |field: &str, len: Option<usize>| match len {
        Some(len) => CrmkitError::check_len(field, rows, len),
        None => Ok(()),
    };
    check("first_contact", table.first_contact.map(<[Day]>::len))?;
    check("churn_index", table.churn_index.map(<[Option<u8>]>::len))?;
    for (field, column) in [
        ("purchase_gap_fires", table.purchase_gap_fires),
        ("large_order", table.large_order),
        ("referral", table.referral),
        ("upgrade", table.upgrade),
        ("cross_category", table.cross_category),
    ] {
        check(field, column.map(<[Option<bool>]>::len))?;
    }
    let joined = CustomerRows::new("attributes.customer_id", codes, n)?;
    if let Some(days) = table.first_contact {
        for (c, day) in joined.gather_values(days).into_iter().enumerate() {
            if let Some(day) = day {
                first_contact[c] = first_contact[c].min(day);
            }
        }
    }
    let flags = |column: Option<&[Option<bool>]>| column.map(|v| joined.gather(v));
    let churn_index = table.churn_index.map(|v| joined.gather(v));
    let (gap, large, referral, upgrade, cross) = (
        flags(table.purchase_gap_fires),
        flags(table.large_order),
        flags(table.referral),
        flags(table.upgrade),
        flags(table.cross_category),
    );
    let stages = assign_lifecycle_stages(
        &LifecycleInput {
            as_of,
            first_contact: &first_contact,
            first_purchase: &history.first_purchase,
            last_purchase: &history.last_purchase,
            previous_purchase: &history.previous_purchase,
            churn_index: churn_index.as_deref(),
            purchase_gap_fires: gap.as_deref(),
            large_order: large.as_deref(),
            referral: referral.as_deref(),
            upgrade: upgrade.as_deref(),
            cross_category: cross.as_deref(),
        },
        rules,
    )?;
    Ok(LifecycleReport { stages, history })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::data::ids::CustomerIndex;
    use crate::data::transactions::{NegativeAmounts, Times};
    use crate::lifecycle::{LifecycleReasonCode, LifecycleStage};

    /// Customers 1 (bought on days 100 and 990), 2 (only a refund) and 3 (only in the table).
    fn index() -> CustomerIndex {
        CustomerIndex::from_i64("customer_id", &[1, 1, 2, 3, 1]).unwrap()
    }

    #[test]
    fn table_only_and_refund_only_customers_are_prospects() {
        let index = index();
        let log = TransactionLog::of_rows(
            &index,
            0..3,
            Times::Days(&[100, 990, 500]),
            &[5.0, 5.0, -5.0],
        )
        .unwrap();
        let net = LogOptions {
            negative_amounts: NegativeAmounts::Net,
            ..LogOptions::default()
        };
        let flags = [Some(true), None];
        let table = CustomerTable {
            rows: 3..5,
            first_contact: Some(&[900, 50]),
            large_order: Some(&flags),
            ..CustomerTable::default()
        };
        let r = lifecycle_stages_of_log(&log, 1000, net, Some(&table), &LifecycleRules::default())
            .unwrap();
        let stages: Vec<_> = r.stages.iter().map(|s| s.stage).collect();
        // Hand-derived from the default rules: customer 1 came back after 890 days within 10
        // days (reactivated); 2 has a refund only (no purchase); 3 is in the table only.
        assert_eq!(
            stages,
            [
                LifecycleStage::Reactivated,
                LifecycleStage::Prospect,
                LifecycleStage::Prospect
            ]
        );
        // Customer 2: first contact = as_of (no purchase, no table row): 0 days.
        assert_eq!(r.stages[1].reason.value, Some(0.0));
        // Customer 3: first contact on day 900 from the table: 100 days.
        assert_eq!(r.stages[2].reason.code, LifecycleReasonCode::NoPurchase);
        assert_eq!(r.stages[2].reason.value, Some(100.0));
        assert_eq!((r.history.refunds, r.history.last_purchase[1]), (1, None));
    }

    #[test]
    fn table_errors_name_field_and_row() {
        let index = CustomerIndex::from_i64("customer_id", &[1, 3, 3]).unwrap();
        let log = TransactionLog::of_rows(&index, 0..1, Times::Days(&[1]), &[1.0]).unwrap();
        let rules = LifecycleRules::default();
        let table = CustomerTable {
            rows: 1..3,
            ..CustomerTable::default()
        };
        let e = lifecycle_stages_of_log(&log, 5, LogOptions::default(), Some(&table), &rules)
            .unwrap_err();
        assert_eq!(
            (e.field(), e.row()),
            (Some("attributes.customer_id"), Some(1))
        );
        assert!(e.to_string().contains("(customer id)"));
        let table = CustomerTable {
            rows: 1..2,
            first_contact: Some(&[1, 2]),
            ..CustomerTable::default()
        };
        let e = lifecycle_stages_of_log(&log, 5, LogOptions::default(), Some(&table), &rules)
            .unwrap_err();
        assert_eq!(e.field(), Some("first_contact"));
        let table = CustomerTable {
            rows: 2..9,
            ..CustomerTable::default()
        };
        assert!(
            lifecycle_stages_of_log(&log, 5, LogOptions::default(), Some(&table), &rules).is_err()
        );
    }
}
