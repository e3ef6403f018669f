//! Lifecycle: stages, label migration between two snapshots and per-stage metrics.
//!
//! Ids of the transactions and of the attribute rows (of the two snapshots, of the stage and
//! metric tables) arrive as one column each and are indexed together by
//! [`columns::IdParts`], as for the churn bindings (see `churn.rs`).

use crmkit::CrmkitError;
use crmkit::data::calendar::Day;
use crmkit::data::ids::CustomerIndex;
use crmkit::data::transactions::TransactionLog;
use crmkit::lifecycle::{
    CustomerTable, Flow, LabelOrder, LifecycleReasonCode, LifecycleRules, LifecycleStage,
    MetricColumn, SnapshotMigrationOptions, lifecycle_stages_of_log,
    snapshot_migration as core_snapshot_migration, snapshot_migration_by_position,
    stage_metrics_by_id,
};
use numpy::{IntoPyArray, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::churn::{days, from_json, opt_f64, optional_floats, to_json};
use crate::columns::{self, IdParts, Ids, StrColumn};
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
///     customer_id: ids of the transactions.
///     timestamp, ticks_per_day: the transaction times.
///     as_of: observation date as days since 1970-01-01.
///     attribute_customer_id: ids of the attribute rows (the customer table), or None.
///     first_contact, first_contact_ticks_per_day: optional first-contact time per attribute
///         row.
///     attributes: dict of float64 arrays per attribute row (NaN = not given) among
///         churn_index, purchase_gap_fires, large_order, referral, upgrade, cross_category.
///     rules: LifecycleRules as JSON (None = the defaults).
///     after_as_of: 'error' or 'exclude'.
///     amount: the transaction amounts, or None (every row is a purchase).
///     negative_amounts: 'error' or 'net': a negative amount is a refund, never a purchase.
///     gather_ids: also return `customer_id`, each customer's id in the input's own type, or
///         None where the caller must gather them (see `churn_signals`).
///
/// Returns:
///     dict of numpy arrays per customer: `customer_row` (counted over the transactions, then
///     the attribute rows), `stage` (uint8 code into `stages`),
///     `reason` (uint8 code into `reasons`), `reason_value`, `reason_threshold` (NaN when none),
///     `first_purchase`, `last_purchase`, `previous_purchase` (days, NaN when none), and
///     `rows_after_as_of` and `refunds`.
#[pyfunction]
#[pyo3(signature = (customer_id, timestamp, as_of, *, ticks_per_day=None, attribute_customer_id=None, first_contact=None, first_contact_ticks_per_day=None, attributes=None, rules=None, after_as_of="error", amount=None, negative_amounts="error", gather_ids=false))]
#[allow(clippy::too_many_arguments)]
fn lifecycle_stages<'py>(
    py: Python<'py>,
    customer_id: &Bound<'py, PyAny>,
    timestamp: &Bound<'py, PyAny>,
    as_of: Day,
    ticks_per_day: Option<i64>,
    attribute_customer_id: Option<&Bound<'py, PyAny>>,
    first_contact: Option<&Bound<'py, PyAny>>,
    first_contact_ticks_per_day: Option<i64>,
    attributes: Option<&Bound<'py, PyDict>>,
    rules: Option<&str>,
    after_as_of: &str,
    amount: Option<&Bound<'py, PyAny>>,
    negative_amounts: &str,
    gather_ids: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let rules: LifecycleRules = match rules {
        Some(text) => from_json("rules", text).py()?,
        None => LifecycleRules::default(),
    };
    let log_options = crate::log_options(after_as_of, negative_amounts)?;
    let empty = numpy::PyArray1::<i64>::zeros(py, 0, false).into_any();
    let parts = IdParts::read(&[
        (customer_id, "customer_id"),
        (
            attribute_customer_id.unwrap_or(&empty),
            "customers.customer_id",
        ),
    ])?;
    let index = parts.index(py, "customer_id")?;
    let n_rows = index.codes().len();
    let n_transactions = parts.starts()[1];
    let rows = n_rows - n_transactions;
    // Without amounts every row is a purchase: the shared log reads them as amounts of 0.
    let amounts: Vec<f64> = match amount {
        Some(a) => columns::floats(a, "amount")?.as_slice().to_vec(),
        None => vec![0.0; n_transactions],
    };
    let tx_times = columns::times(timestamp, "timestamp", ticks_per_day)?;
    let contact = match first_contact {
        Some(obj) => Some(days(py, obj, "first_contact", first_contact_ticks_per_day)?),
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
    let tx_times = tx_times.times();
    let gathered = if gather_ids {
        Some(parts.gather(py, index.first_rows())?)
    } else {
        None
    };
    let first_rows: Vec<i64> = index.first_rows().iter().map(|&r| r as i64).collect();
    let report = without_gil(py, move || {
        let log = TransactionLog::of_rows(&index, 0..n_transactions, tx_times, &amounts)?;
        // Conversion only: NaN (null) = not given; values must be finite, the churn index
        // a whole number.
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
                Some(
                    v.iter()
                        .map(|x| (!x.is_nan()).then_some(*x as u8))
                        .collect(),
                )
            }
            None => None,
        };
        let flags: Vec<Option<Vec<Option<bool>>>> = given
            .iter()
            .map(|v| {
                v.as_deref().map(|v| {
                    v.iter()
                        .map(|x| (!x.is_nan()).then_some(*x != 0.0))
                        .collect()
                })
            })
            .collect();
        let table = CustomerTable {
            rows: n_transactions..n_rows,
            first_contact: contact.as_deref(),
            churn_index: churn_index.as_deref(),
            purchase_gap_fires: flags[1].as_deref(),
            large_order: flags[2].as_deref(),
            referral: flags[3].as_deref(),
            upgrade: flags[4].as_deref(),
            cross_category: flags[5].as_deref(),
        };
        lifecycle_stages_of_log(&log, as_of, log_options, Some(&table), &rules)
    })?;
    let (history, assignments) = (report.history, report.stages);
    let d = PyDict::new(py);
    d.set_item("warning", history.describe())?;
    d.set_item("customer_row", first_rows.into_pyarray(py))?;
    if let Some(ids) = gathered {
        d.set_item("customer_id", ids)?;
    }
    // Codes into the names the core lists in variant order (`crmkit::names::all`).
    d.set_item(
        "stage",
        assignments
            .iter()
            .map(|a| a.stage as u8)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item("stages", crmkit::names::all::<LifecycleStage>())?;
    d.set_item(
        "reason",
        assignments
            .iter()
            .map(|a| a.reason.code as u8)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item("reasons", crmkit::names::all::<LifecycleReasonCode>())?;
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

/// A label column as the core reads it: strings (borrowed from Arrow), or integers shown as
/// text.
enum LabelColumn {
    Str(arrow_array::ArrayRef),
    Text(Vec<String>),
}

impl LabelColumn {
    fn read(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Self> {
        Ok(match columns::ids(obj, field)? {
            Ids::Str(array) => LabelColumn::Str(array),
            Ids::Int(v) => LabelColumn::Text(v.as_slice().iter().map(i64::to_string).collect()),
            Ids::UInt(v) => LabelColumn::Text(v.as_slice().iter().map(u64::to_string).collect()),
            Ids::Wide(v) => LabelColumn::Text(v.iter().map(i128::to_string).collect()),
        })
    }

    /// The labels (nulls were refused when the column was read).
    fn labels(&self) -> Vec<Option<&str>> {
        match self {
            LabelColumn::Str(array) => {
                let strings = StrColumn::of(array);
                (0..strings.len()).map(|r| Some(strings.value(r))).collect()
            }
            LabelColumn::Text(v) => v.iter().map(|s| Some(s.as_str())).collect(),
        }
    }
}

/// One customer index over the ids of two tables (the rows of the first table first), and
/// the parts to gather the output's ids from.
fn snapshot_index<'py>(
    py: Python<'py>,
    before: &Bound<'py, PyAny>,
    after: &Bound<'py, PyAny>,
    fields: [&str; 2],
) -> PyResult<(CustomerIndex, IdParts<'py>)> {
    let parts = IdParts::read(&[(before, fields[0]), (after, fields[1])])?;
    Ok((parts.index(py, "customer_id")?, parts))
}

/// Migration between two snapshots of a label (array level; see `crmkit.stage_migration`).
///
/// Args:
///     before, after: the label columns (strings or integers; numpy or Arrow).
///     before_ids, after_ids: the customer-id columns, or both None to match by position.
///     label: the label column's name, for errors.
///     labels: the label order (every label seen must be listed), or None.
///     categories: the category order of a categorical `before` column (used when `labels`
///         is None).
///     matrices: also return the dense `counts` and `rates`.
///     gather_ids: also return `customer_id`, each customer's id in the input's own type, or
///         None where the caller must gather them (see `churn_signals`).
///
/// Returns:
///     dict: `labels` (list), `flow_from`, `flow_to` (label indices), `flow_count`,
///     `flow_rate`, `customer_row` (first row of each customer in before + after rows, customers
///     in ascending id order), `from`, `to` (label indices per customer), and `counts`, `rates`
///     (2-D arrays, or None without `matrices`).
#[pyfunction]
#[pyo3(signature = (before, after, *, before_ids=None, after_ids=None, label="stage", labels=None, categories=None, matrices=true, gather_ids=false))]
#[allow(clippy::too_many_arguments)]
fn snapshot_migration<'py>(
    py: Python<'py>,
    before: &Bound<'py, PyAny>,
    after: &Bound<'py, PyAny>,
    before_ids: Option<&Bound<'py, PyAny>>,
    after_ids: Option<&Bound<'py, PyAny>>,
    label: &str,
    labels: Option<Vec<String>>,
    categories: Option<Vec<String>>,
    matrices: bool,
    gather_ids: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let options = SnapshotMigrationOptions {
        label: label.to_owned(),
        order: match (labels, categories) {
            (Some(given), _) => LabelOrder::Given(given),
            (None, Some(c)) => LabelOrder::Categories(c),
            (None, None) => LabelOrder::Auto,
        },
        matrices,
    };
    let b = LabelColumn::read(before, &format!("before.{label}"))?;
    let a = LabelColumn::read(after, &format!("after.{label}"))?;
    let indexed = match (before_ids, after_ids) {
        (Some(bi), Some(ai)) => Some(snapshot_index(
            py,
            bi,
            ai,
            ["before.customer_id", "after.customer_id"],
        )?),
        (None, None) => None,
        _ => {
            return Err(to_py(CrmkitError::invalid_config(
                "customer_id",
                "one id column",
                "give the ids of both snapshots, or of neither (match by position)",
            )));
        }
    };
    let (index, parts) = match indexed {
        Some((index, parts)) => (Some(index), Some(parts)),
        None => (None, None),
    };
    let m = without_gil(py, move || {
        let (b, a) = (b.labels(), a.labels());
        match &index {
            Some(index) => core_snapshot_migration(index, &b, &a, &options),
            None => snapshot_migration_by_position(&b, &a, &options),
        }
    })?;
    let d = PyDict::new(py);
    let k = m.labels.len();
    let matrix = |rows: Option<Vec<Vec<u64>>>| rows.map(|r| r.concat());
    let counts = matrix(m.counts);
    let rates = m.rates.map(|r| r.concat());
    d.set_item("labels", m.labels)?;
    let flow = |f: &dyn Fn(&Flow<usize>) -> u64| m.flows.iter().map(f).collect::<Vec<u64>>();
    d.set_item("flow_from", flow(&|f| f.from as u64).into_pyarray(py))?;
    d.set_item("flow_to", flow(&|f| f.to as u64).into_pyarray(py))?;
    d.set_item("flow_count", flow(&|f| f.count).into_pyarray(py))?;
    d.set_item(
        "flow_rate",
        m.flows
            .iter()
            .map(|f| f.rate)
            .collect::<Vec<f64>>()
            .into_pyarray(py),
    )?;
    if let (true, Some(parts)) = (gather_ids, &parts) {
        d.set_item("customer_id", parts.gather(py, &m.customer_rows)?)?;
    }
    d.set_item("customer_row", m.customer_rows.into_pyarray(py))?;
    d.set_item("from", m.from.into_pyarray(py))?;
    d.set_item("to", m.to.into_pyarray(py))?;
    match (counts, rates) {
        (Some(c), Some(r)) => {
            d.set_item("counts", c.into_pyarray(py).reshape([k, k])?)?;
            d.set_item("rates", r.into_pyarray(py).reshape([k, k])?)?;
        }
        _ => {
            d.set_item("counts", py.None())?;
            d.set_item("rates", py.None())?;
        }
    }
    Ok(d)
}

/// One stage's row of [`stage_metrics`]: (stage, customers, [(metric, n, sum, mean)]).
type StageRow = (String, usize, Vec<(String, usize, f64, Option<f64>)>);

/// Per-stage metrics (array level; see `crmkit.stage_metrics`).
///
/// Args:
///     stage: the stage names, one per customer (strings; numpy or Arrow).
///     customer_id: the customers' ids.
///     columns: dict of float64 metric columns (NaN = not available), one value per row of
///         the metric table.
///     metrics_customer_id: the metric table's ids (None without metric columns).
///     stage_field: the stage column's name, for errors.
///     all_columns: report every column for every stage (else only each stage's own metrics).
///
/// Returns:
///     list of (stage, customers, [(metric, n, sum, mean)]) in stage order.
#[pyfunction]
#[pyo3(signature = (stage, customer_id, columns, *, metrics_customer_id=None, stage_field="stage", all_columns=false))]
fn stage_metrics(
    py: Python<'_>,
    stage: &Bound<'_, PyAny>,
    customer_id: &Bound<'_, PyAny>,
    columns: &Bound<'_, PyDict>,
    metrics_customer_id: Option<&Bound<'_, PyAny>>,
    stage_field: &str,
    all_columns: bool,
) -> PyResult<Vec<StageRow>> {
    let stages = LabelColumn::read(stage, stage_field)?;
    let index = match metrics_customer_id {
        Some(m) => snapshot_index(py, customer_id, m, ["customer_id", "metrics.customer_id"])?.0,
        None => columns::encode_ids(py, customer_id, "customer_id")?,
    };
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
    let stage_field = stage_field.to_owned();
    let groups = without_gil(py, move || {
        let cols: Vec<MetricColumn<'_>> = named
            .iter()
            .map(|(name, values)| MetricColumn { name, values })
            .collect();
        stage_metrics_by_id(&index, &stage_field, &stages.labels(), &cols, all_columns)
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
    m.add_function(wrap_pyfunction!(snapshot_migration, m)?)?;
    m.add("MAX_MATRIX_LABELS", crmkit::lifecycle::MAX_MATRIX_LABELS)?;
    m.add_function(wrap_pyfunction!(stage_metrics, m)?)?;
    Ok(())
}
