//! Lifecycle: stages, label migration between two snapshots and per-stage metrics.
//!
//! Ids of the transactions and of the attribute rows arrive as ONE concatenated id column plus
//! the row count of the transactions, as for the churn bindings (see `churn.rs`).

use crmkit::data::calendar::Day;
use crmkit::lifecycle::{
    LifecycleInput, LifecycleReasonCode, LifecycleRules, LifecycleStage, MetricColumn,
    assign_lifecycle_stages, migration_flows, purchase_history_of_log,
    stage_metrics as core_stage_metrics,
};
use crmkit::{CrmkitError, Result};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::churn::{
    checked_attribute_codes, days, from_json, opt_f64, optional_floats, scatter, to_json,
};
use crate::columns;
use crate::errors::{IntoPyResult, to_py};
use crate::without_gil;

const LIFECYCLE_ATTRIBUTES: [&str; 6] = [
    "churn_index",
    "purchase_gap_fires",
    "large_order",
    "referral",
    "upgrade",
    "cross_category",
];

/// Lifecycle stages per customer (array level; see `crmkit.lifecycle_stages`).
///
/// Args:
///     customer_id: ids of the transactions, then of the attribute rows, concatenated.
///     n_transactions: row count of the transactions part.
///     timestamp, ticks_per_day: the transaction times.
///     as_of: observation date as days since 1970-01-01.
///     first_contact, first_contact_ticks_per_day: optional first-contact time per attribute
///         row.
///     attributes: dict of float64 arrays per attribute row (NaN = not given) among
///         churn_index, purchase_gap_fires, large_order, referral, upgrade, cross_category.
///     rules: LifecycleRules as JSON (None = the defaults).
///     after_as_of: 'error' or 'exclude'.
///     amount: the transaction amounts, or None (every row is a purchase).
///     negative_amounts: 'error' or 'net': a negative amount is a refund, never a purchase.
///
/// Returns:
///     dict of numpy arrays per customer: `customer_row`, `stage` (uint8 code into `stages`),
///     `reason` (uint8 code into `reasons`), `reason_value`, `reason_threshold` (NaN when none),
///     `first_purchase`, `last_purchase`, `previous_purchase` (days, NaN when none), and
///     `rows_after_as_of` and `refunds`.
#[pyfunction]
#[pyo3(signature = (customer_id, n_transactions, timestamp, as_of, *, ticks_per_day=None, first_contact=None, first_contact_ticks_per_day=None, attributes=None, rules=None, after_as_of="error", amount=None, negative_amounts="error"))]
#[allow(clippy::too_many_arguments)]
fn lifecycle_stages<'py>(
    py: Python<'py>,
    customer_id: &Bound<'py, PyAny>,
    n_transactions: usize,
    timestamp: &Bound<'py, PyAny>,
    as_of: Day,
    ticks_per_day: Option<i64>,
    first_contact: Option<&Bound<'py, PyAny>>,
    first_contact_ticks_per_day: Option<i64>,
    attributes: Option<&Bound<'py, PyDict>>,
    rules: Option<&str>,
    after_as_of: &str,
    amount: Option<&Bound<'py, PyAny>>,
    negative_amounts: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let rules: LifecycleRules = match rules {
        Some(text) => from_json("rules", text).py()?,
        None => LifecycleRules::default(),
    };
    let log_options = crate::log_options(after_as_of, negative_amounts)?;
    let amounts = match amount {
        Some(a) => Some(columns::floats(a, "amount")?),
        None => None,
    };
    let amounts = amounts.as_ref().map(|a| a.as_slice());
    let index = columns::encode_ids(py, customer_id, "customer_id")?;
    let codes = index.codes();
    let n = index.n_customers();
    if n_transactions > codes.len() {
        return Err(to_py(CrmkitError::invalid_config(
            "n_transactions",
            n_transactions,
            "more than the id rows",
        )));
    }
    let (tx_codes, attr_codes) = codes.split_at(n_transactions);
    let rows = attr_codes.len();
    let tx_days = days(py, timestamp, "timestamp", ticks_per_day)?;
    CrmkitError::check_len("timestamp", n_transactions, tx_days.len()).py()?;
    if let Some(a) = amounts {
        CrmkitError::check_len("amount", n_transactions, a.len()).py()?;
    }
    let contact = match first_contact {
        Some(obj) => {
            let d = days(py, obj, "first_contact", first_contact_ticks_per_day)?;
            CrmkitError::check_len("first_contact", rows, d.len()).py()?;
            Some(d)
        }
        None => None,
    };
    if let Some(d) = attributes {
        for key in d.keys() {
            let key: String = key.extract()?;
            if !LIFECYCLE_ATTRIBUTES.contains(&key.as_str()) {
                return Err(to_py(CrmkitError::invalid_config(
                    "attributes",
                    key,
                    format!("expected columns among {}", LIFECYCLE_ATTRIBUTES.join(", ")),
                )));
            }
        }
    }
    let mut given: Vec<Option<Vec<f64>>> = Vec::with_capacity(6);
    for name in LIFECYCLE_ATTRIBUTES {
        given.push(optional_floats(attributes, name, rows)?);
    }
    let (history, assignments) = without_gil(py, move || {
        checked_attribute_codes("attributes.customer_id", attr_codes, n)?;
        let history = purchase_history_of_log(tx_codes, &tx_days, amounts, n, as_of, log_options)?;
        let mut first_contact: Vec<Day> = (0..n)
            .map(|c| history.first_purchase[c].unwrap_or(as_of))
            .collect();
        if let Some(d) = &contact {
            for (&c, &day) in attr_codes.iter().zip(d) {
                first_contact[c as usize] = day.min(first_contact[c as usize]);
            }
        }
        for (name, values) in LIFECYCLE_ATTRIBUTES.iter().zip(&given) {
            if let Some(values) = values {
                if let Some(row) = values.iter().position(|v| v.is_infinite()) {
                    return Err(CrmkitError::invalid_value(
                        *name,
                        row,
                        values[row],
                        "must be finite (NaN / null = not given)",
                    ));
                }
            }
        }
        let churn_index: Option<Vec<Option<u8>>> = match given[0].as_deref() {
            Some(v) => {
                if let Some(row) = v
                    .iter()
                    .position(|x| !(x.is_nan() || x.fract() == 0.0 && (1.0..=10.0).contains(x)))
                {
                    return Err(CrmkitError::invalid_value(
                        "churn_index",
                        row,
                        v[row],
                        "must be a whole number in 1..=10",
                    ));
                }
                Some(scatter(attr_codes, n, v, |x| x as u8))
            }
            None => None,
        };
        let b = |i: usize| {
            given[i]
                .as_deref()
                .map(|v| scatter(attr_codes, n, v, |x| x != 0.0))
        };
        let (gap, large, referral, upgrade, cross) = (b(1), b(2), b(3), b(4), b(5));
        let input = LifecycleInput {
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
        };
        let assignments = assign_lifecycle_stages(&input, &rules)?;
        Ok((history, assignments))
    })?;
    const REASONS: [LifecycleReasonCode; 11] = [
        LifecycleReasonCode::NoPurchase,
        LifecycleReasonCode::DaysSinceLastPurchase,
        LifecycleReasonCode::ChurnIndex,
        LifecycleReasonCode::PurchaseGap,
        LifecycleReasonCode::ReactivatedAfterGap,
        LifecycleReasonCode::FirstPurchaseRecent,
        LifecycleReasonCode::LargeOrder,
        LifecycleReasonCode::Referral,
        LifecycleReasonCode::Upgrade,
        LifecycleReasonCode::CrossCategory,
        LifecycleReasonCode::Default,
    ];
    let reason_names: Vec<String> = REASONS
        .iter()
        .map(|r| serde_json::to_string(r).map(|s| s.trim_matches('"').to_owned()))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| to_py(CrmkitError::invalid_config("reason", "json", e.to_string())))?;
    let d = PyDict::new(py);
    d.set_item(
        "customer_row",
        index
            .first_rows()
            .iter()
            .map(|&r| r as i64)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item(
        "stage",
        assignments
            .iter()
            .map(|a| {
                LifecycleStage::ALL
                    .iter()
                    .position(|s| *s == a.stage)
                    .unwrap_or(0) as u8
            })
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item("stages", LifecycleStage::ALL.map(|s| s.as_str()).to_vec())?;
    d.set_item(
        "reason",
        assignments
            .iter()
            .map(|a| {
                REASONS
                    .iter()
                    .position(|r| *r == a.reason.code)
                    .unwrap_or(0) as u8
            })
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item("reasons", reason_names)?;
    d.set_item(
        "reason_value",
        assignments
            .iter()
            .map(|a| opt_f64(a.reason.value))
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item(
        "reason_threshold",
        assignments
            .iter()
            .map(|a| opt_f64(a.reason.threshold))
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    for (name, col) in [
        ("first_purchase", &history.first_purchase),
        ("last_purchase", &history.last_purchase),
        ("previous_purchase", &history.previous_purchase),
    ] {
        d.set_item(
            name,
            col.iter()
                .map(|v| opt_f64(v.map(f64::from)))
                .collect::<Vec<_>>()
                .into_pyarray(py),
        )?;
    }
    d.set_item("rows_after_as_of", history.rows_after_as_of)?;
    d.set_item("refunds", history.refunds)?;
    Ok(d)
}

/// The default lifecycle rules as JSON.
#[pyfunction]
fn default_lifecycle_rules() -> PyResult<String> {
    to_json(&LifecycleRules::default())
}

/// Checks lifecycle rules given as JSON; returns them normalised.
#[pyfunction]
fn check_lifecycle_rules(text: &str) -> PyResult<String> {
    let rules: LifecycleRules = from_json("rules", text).py()?;
    rules.validate().py()?;
    to_json(&rules)
}

type Flows<'py> = (
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<f64>>,
);

/// Transition counts and rates between two snapshots of label codes, as the non-empty
/// (from, to) pairs only (array level; see `crmkit.stage_migration`).
///
/// Args:
///     before, after: uint32 codes into `n_labels` labels, one per customer.
///     n_labels: number of labels.
///
/// Returns:
///     (from, to, counts, rates): one entry per non-empty pair, ordered by from then to; rates
///     are shares of the customers of `from`.
#[pyfunction]
fn label_migration<'py>(
    py: Python<'py>,
    before: numpy::PyReadonlyArray1<'py, u32>,
    after: numpy::PyReadonlyArray1<'py, u32>,
    n_labels: u32,
) -> PyResult<Flows<'py>> {
    let (b, a) = (before.as_array().to_vec(), after.as_array().to_vec());
    let labels: Vec<u32> = (0..n_labels).collect();
    let m = without_gil(py, move || migration_flows(&b, &a, &labels))?;
    let from: Vec<u32> = m.flows.iter().map(|f| f.from).collect();
    let to: Vec<u32> = m.flows.iter().map(|f| f.to).collect();
    let counts: Vec<u64> = m.flows.iter().map(|f| f.count).collect();
    let rates: Vec<f64> = m.flows.iter().map(|f| f.rate).collect();
    Ok((
        from.into_pyarray(py),
        to.into_pyarray(py),
        counts.into_pyarray(py),
        rates.into_pyarray(py),
    ))
}

/// One stage's row of [`stage_metrics`]: (stage, customers, [(metric, n, sum, mean)]).
type StageRow = (String, usize, Vec<(String, usize, f64, Option<f64>)>);

/// Per-stage metrics (array level; see `crmkit.stage_metrics`).
///
/// Args:
///     stage: uint8 stage codes (into the lifecycle stage order), one per customer.
///     columns: dict of float64 metric columns (NaN = not available), one value per customer.
///     all_columns: report every column for every stage (else only each stage's own metrics).
///
/// Returns:
///     list of (stage, customers, [(metric, n, sum, mean)]) in stage order.
#[pyfunction]
#[pyo3(signature = (stage, columns, all_columns=false))]
fn stage_metrics(
    py: Python<'_>,
    stage: numpy::PyReadonlyArray1<'_, u8>,
    columns: &Bound<'_, PyDict>,
    all_columns: bool,
) -> PyResult<Vec<StageRow>> {
    let stages = stage
        .as_array()
        .iter()
        .enumerate()
        .map(|(row, &c)| {
            LifecycleStage::ALL
                .get(usize::from(c))
                .copied()
                .ok_or_else(|| CrmkitError::invalid_value("stage", row, c, "not a stage code"))
        })
        .collect::<Result<Vec<_>>>()
        .py()?;
    let mut named: Vec<(String, Vec<Option<f64>>)> = Vec::new();
    for (key, value) in columns.iter() {
        let name: String = key.extract()?;
        let values = columns::floats(&value, &name)?;
        let values: Vec<Option<f64>> = values
            .as_slice()
            .iter()
            .map(|v| (!v.is_nan()).then_some(*v))
            .collect();
        named.push((name, values));
    }
    let groups = without_gil(py, move || {
        let cols: Vec<MetricColumn<'_>> = named
            .iter()
            .map(|(name, values)| MetricColumn { name, values })
            .collect();
        core_stage_metrics(&stages, &cols, all_columns)
    })?;
    Ok(groups
        .into_iter()
        .map(|g| {
            (
                g.group.as_str().to_owned(),
                g.customers,
                g.metrics
                    .into_iter()
                    .map(|m| (m.name, m.n, m.sum, m.mean))
                    .collect(),
            )
        })
        .collect())
}

/// Registers the lifecycle functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(lifecycle_stages, m)?)?;
    m.add_function(wrap_pyfunction!(default_lifecycle_rules, m)?)?;
    m.add_function(wrap_pyfunction!(check_lifecycle_rules, m)?)?;
    m.add_function(wrap_pyfunction!(label_migration, m)?)?;
    m.add("MAX_MATRIX_LABELS", crmkit::lifecycle::MAX_MATRIX_LABELS)?;
    m.add_function(wrap_pyfunction!(stage_metrics, m)?)?;
    Ok(())
}
