//! Churn (issue 4): warning signals, the risk index, the logistic churn model and its
//! evaluation. The lifecycle bindings are in `lifecycle.rs`.
//!
//! Customer ids of several tables (transactions, interactions, per-customer attributes) arrive
//! as one column each; [`IdParts`] builds one [`CustomerIndex`] over their rows in that order
//! (no concatenated copy) and gathers the output's ids in the input's own type; per-customer
//! results come back in customer-code order with `customer_row`, the row (counted over the
//! tables in order) where each customer first appears.
//! Optional per-customer values arrive as float64 arrays with NaN meaning "not given".

use std::collections::HashMap;

use crmkit::churn::{
    AlertLevel, CalibrationBin, ChurnIndexOptions, ChurnReason, ChurnRiskIndex, ChurnSignal,
    ChurnSignalInput, ChurnSignalOptions, CustomerSignals, FitWarning, InteractionKind,
    InteractionLog, IntervalSource, LogisticOptions, LogisticRegression, SignalOverrides,
    SignalValues, TransactionLog, assess_signals, calibration_by_quantile, compute_churn_signals,
    top_fraction_lift,
};
use crmkit::data::calendar::Day;
use crmkit::data::rows_by_customer::CustomerRows;
use crmkit::lifecycle::{LifecycleRules, LifecycleStage};
use crmkit::{CrmkitError, Result};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::columns::{self, IdParts, Ids, StrColumn};
use crate::errors::{IntArg, IntoPyResult, to_py, whole};
use crate::json::{self, JsonClass, Reduced, json_class};
use crate::without_gil;

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(field: &str, text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| CrmkitError::invalid_config(field, "JSON", e.to_string()))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value)
        .map_err(|e| to_py(CrmkitError::invalid_config("json", "value", e.to_string())))
}

/// Calendar days of a time column (a copy: the core reads `&[Day]`).
pub(crate) fn days(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    field: &str,
    ticks_per_day: Option<i64>,
) -> PyResult<Vec<Day>> {
    let column = columns::times(obj, field, ticks_per_day)?;
    let times = column.times();
    if let crmkit::data::transactions::Times::Ticks { per_day, .. } = times {
        if per_day <= 0 {
            return Err(to_py(CrmkitError::invalid_config(
                field,
                per_day,
                "ticks per day must be > 0",
            )));
        }
    }
    let field = field.to_owned();
    without_gil(py, move || {
        (0..times.len())
            .map(|r| times.checked_day(&field, r))
            .collect()
    })
}

/// Interaction kinds from a string column (parsed by the core, [`crmkit::names::parse_cell`]),
/// or integer codes into the kind list.
fn kinds(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Vec<InteractionKind>> {
    let column = columns::ids(obj, "kind")?;
    match &column {
        Ids::Int(codes) => {
            let codes = codes.as_slice();
            without_gil(py, move || {
                codes
                    .iter()
                    .enumerate()
                    .map(|(row, &c)| {
                        usize::try_from(c)
                            .ok()
                            .and_then(|c| InteractionKind::ALL.get(c).copied())
                            .ok_or_else(|| {
                                CrmkitError::invalid_value(
                                    "kind",
                                    row,
                                    c,
                                    "integer kinds are codes 0..=11 into the kind list",
                                )
                            })
                    })
                    .collect()
            })
        }
        Ids::Str(array) => without_gil(py, move || {
            let strings = StrColumn::of(array);
            (0..strings.len())
                .map(|row| crmkit::names::parse_cell("kind", row, strings.value(row)))
                .collect()
        }),
        Ids::UInt(_) | Ids::Wide(_) => Err(Ids::unsupported("kind")),
    }
}

/// Optional float64 column of per-row values (NaN = not given), read from a dict.
pub(crate) fn optional_floats(
    columns_dict: Option<&Bound<'_, PyDict>>,
    name: &str,
    rows: usize,
) -> PyResult<Option<Vec<f64>>> {
    let Some(d) = columns_dict else {
        return Ok(None);
    };
    let Some(obj) = d.get_item(name)? else {
        return Ok(None);
    };
    let values = columns::floats(&obj, name)?;
    let values = values.as_slice();
    CrmkitError::check_len(name, rows, values.len()).py()?;
    Ok(Some(values.to_vec()))
}

pub(crate) fn opt_f64(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

fn opt_flag(v: Option<bool>) -> f64 {
    v.map_or(f64::NAN, |b| if b { 1.0 } else { 0.0 })
}

/// The form of the text columns handed back: Python lists, numpy object arrays (what a
/// pandas or numpy result holds) or Arrow arrays (what a polars or pyarrow result holds, and a
/// pandas `str` column wraps without a copy).
#[derive(Clone, Copy)]
enum Texts {
    Lists,
    Objects,
    Arrow,
}

impl Texts {
    fn parse(field: &str, text: &str) -> PyResult<Self> {
        match text {
            "lists" => Ok(Texts::Lists),
            "objects" => Ok(Texts::Objects),
            "arrow" => Ok(Texts::Arrow),
            other => Err(to_py(CrmkitError::invalid_config(
                field,
                other,
                "expected 'lists', 'objects' or 'arrow'",
            ))),
        }
    }

    /// One text per row.
    fn strings<'py>(self, py: Python<'py>, values: Vec<String>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            Texts::Lists => values.into_pyobject(py)?.into_any(),
            Texts::Objects => {
                let objects: Vec<Py<PyAny>> = values
                    .iter()
                    .map(|v| PyString::new(py, v).into_any().unbind())
                    .collect();
                PyArray1::from_vec(py, objects).into_any()
            }
            Texts::Arrow => {
                let array: arrow_array::ArrayRef =
                    std::sync::Arc::new(arrow_array::StringArray::from(values));
                pyo3_arrow::PyArray::from_array_ref(array)
                    .into_pyobject(py)?
                    .into_any()
            }
        })
    }

    /// A list of names per row (each list its own object; the names are shared strings).
    fn lists<'py>(
        self,
        py: Python<'py>,
        values: Vec<Vec<&'static str>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            Texts::Lists => values.into_pyobject(py)?.into_any(),
            Texts::Objects => {
                let mut shared: HashMap<&'static str, Bound<'py, PyString>> = HashMap::new();
                let mut objects: Vec<Py<PyAny>> = Vec::with_capacity(values.len());
                for row in &values {
                    let items: Vec<Bound<'py, PyString>> = row
                        .iter()
                        .map(|name| {
                            shared
                                .entry(name)
                                .or_insert_with(|| PyString::new(py, name))
                                .clone()
                        })
                        .collect();
                    objects.push(PyList::new(py, items)?.into_any().unbind());
                }
                PyArray1::from_vec(py, objects).into_any()
            }
            Texts::Arrow => {
                let mut builder = arrow_array::builder::ListBuilder::new(
                    arrow_array::builder::StringBuilder::new(),
                );
                for row in &values {
                    for name in row {
                        builder.values().append_value(name);
                    }
                    builder.append(true);
                }
                let array: arrow_array::ArrayRef = std::sync::Arc::new(builder.finish());
                pyo3_arrow::PyArray::from_array_ref(array)
                    .into_pyobject(py)?
                    .into_any()
            }
        })
    }
}

const OVERRIDE_NAMES: [&str; 8] = [
    "activity_drop",
    "purchase_gap_ratio",
    "order_value_change",
    "negative_feedback",
    "competitor_contact",
    "service_silence",
    "key_customer",
    "latest_nps",
];

/// Churn warning signals per customer (array level; see `crmkit.churn_signals`).
///
/// Args:
///     customer_id: the ids of the transactions (integers or strings; numpy or Arrow).
///     timestamp, amount: time and amount columns of the transactions.
///     as_of: observation date as days since 1970-01-01.
///     ticks_per_day: unit of a numpy `timestamp`.
///     interaction_customer_id, interaction_timestamp, interaction_ticks_per_day, kind: the
///         interaction columns (kind: strings such as 'login', 'complaint').
///     attribute_customer_id: the ids of the per-customer attribute rows.
///     attributes: dict of float64 arrays, one row per attribute row (NaN = not given), among
///         activity_drop, purchase_gap_ratio, order_value_change, negative_feedback,
///         competitor_contact, service_silence (overrides; flags as 0/1), key_customer,
///         latest_nps.
///     options: ChurnSignalOptions as JSON (missing keys take their defaults).
///     negative_amounts: 'error' or 'net' (refunds); None keeps the value in `options`.
///     gather_ids: also return `customer_id`, each customer's id in the input's own type
///         (see `IdParts::gather`), or None where the caller must gather them.
///     texts: 'lists' (Python lists), 'objects' (numpy object arrays) or 'arrow' (Arrow
///         arrays) for `reason_details` and `reason_rule`.
///     reason_lists: the same for `reasons` (per customer, the list of fired codes).
///     reason_rules: also return `reason_rule`, the readable rule of every fired reason.
///
/// One customer index is built over the rows of the transactions, then the interactions, then
/// the attribute rows; `customer_row` is the row where each customer first appears, counted
/// over the three in that order.
///
/// Returns:
///     dict of numpy arrays per customer (`customer_row`, the measured signals with NaN for
///     unavailable, the measurements behind them), the reasons in long form (`reason_customer`,
///     `reason_code`, `reason_value`, `reason_threshold`), `signal_names`, `interval_sources`
///     and the report counts.
#[pyfunction]
#[pyo3(signature = (customer_id, timestamp, amount, as_of, *, ticks_per_day=None, interaction_customer_id=None, interaction_timestamp=None, interaction_ticks_per_day=None, kind=None, attribute_customer_id=None, attributes=None, options=None, negative_amounts=None, assess=None, gather_ids=false, texts="lists", reason_lists="lists", reason_rules=true))]
#[allow(clippy::too_many_arguments)]
fn churn_signals<'py>(
    py: Python<'py>,
    customer_id: &Bound<'py, PyAny>,
    timestamp: &Bound<'py, PyAny>,
    amount: &Bound<'py, PyAny>,
    as_of: Day,
    ticks_per_day: Option<i64>,
    interaction_customer_id: Option<&Bound<'py, PyAny>>,
    interaction_timestamp: Option<&Bound<'py, PyAny>>,
    interaction_ticks_per_day: Option<i64>,
    kind: Option<&Bound<'py, PyAny>>,
    attribute_customer_id: Option<&Bound<'py, PyAny>>,
    attributes: Option<&Bound<'py, PyDict>>,
    options: Option<&str>,
    negative_amounts: Option<&str>,
    assess: Option<&str>,
    gather_ids: bool,
    texts: &str,
    reason_lists: &str,
    reason_rules: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let (texts, reason_lists) = (
        Texts::parse("texts", texts)?,
        Texts::parse("reason_lists", reason_lists)?,
    );
    let assess: Option<ChurnRiskIndex> = match assess {
        Some(text) => {
            Some(ChurnRiskIndex::new(from_json::<ChurnIndexOptions>("assess", text).py()?).py()?)
        }
        None => None,
    };
    let mut options: ChurnSignalOptions = match options {
        Some(text) => from_json("options", text).py()?,
        None => ChurnSignalOptions::default(),
    };
    if let Some(text) = negative_amounts {
        options.negative_amounts = crate::log_options("error", text)?.negative_amounts;
    }
    let empty = numpy::PyArray1::<i64>::zeros(py, 0, false).into_any();
    let parts = IdParts::read(&[
        (customer_id, "customer_id"),
        (
            interaction_customer_id.unwrap_or(&empty),
            "interactions.customer_id",
        ),
        (
            attribute_customer_id.unwrap_or(&empty),
            "overrides.customer_id",
        ),
    ])?;
    let starts = parts.starts().to_vec();
    let index = parts.index(py, "customer_id")?;
    let codes = index.codes();
    let n = index.n_customers();
    let n_transactions = starts[1];
    let n_interactions = starts[2] - starts[1];
    let ix_rows = n_transactions..n_transactions + n_interactions;
    let attr_rows = starts[2]..codes.len();
    let tx_times = columns::times(timestamp, "timestamp", ticks_per_day)?;
    let amounts = columns::floats(amount, "amount")?;
    let amounts = amounts.as_slice();
    let interactions = match (interaction_timestamp, kind) {
        (Some(ts), Some(kind)) => {
            let t = columns::times(ts, "interactions.timestamp", interaction_ticks_per_day)?;
            let k = kinds(py, kind)?;
            CrmkitError::check_len("kind", n_interactions, k.len()).py()?;
            Some((t, k))
        }
        (None, None) => None,
        _ => {
            return Err(to_py(CrmkitError::invalid_config(
                "interactions",
                "partial",
                "give both the interaction timestamp and kind columns",
            )));
        }
    };
    let rows = attr_rows.len();
    let mut given: Vec<Option<Vec<f64>>> = Vec::with_capacity(OVERRIDE_NAMES.len());
    for name in OVERRIDE_NAMES {
        given.push(optional_floats(attributes, name, rows)?);
    }
    if let Some(d) = attributes {
        for key in d.keys() {
            let key: String = key.extract()?;
            if !OVERRIDE_NAMES.contains(&key.as_str()) {
                return Err(to_py(CrmkitError::invalid_config(
                    "attributes",
                    key,
                    format!("expected columns among {}", OVERRIDE_NAMES.join(", ")),
                )));
            }
        }
    }
    let first_rows = index.first_rows().to_vec();
    let tx_times = tx_times.times();
    let ix_columns = interactions
        .as_ref()
        .map(|(t, k)| (t.times(), k.as_slice()));
    let report = without_gil(py, move || {
        let transactions = TransactionLog::of_rows(&index, 0..n_transactions, tx_times, amounts)?;
        let interactions = match ix_columns {
            Some((times, kinds)) => Some(InteractionLog::of_rows(
                &index,
                ix_rows.clone(),
                times,
                kinds,
            )?),
            None => None,
        };
        // The per-customer table joins to the customers of the logs in the core.
        let joined = CustomerRows::new("attributes.customer_id", &index.codes()[attr_rows], n)?;
        // Conversion only: NaN (null) = not given; values must be finite.
        let mut cells: Vec<Option<Vec<Option<f64>>>> = Vec::with_capacity(given.len());
        for (name, values) in OVERRIDE_NAMES.iter().zip(&given) {
            cells.push(match values {
                Some(values) => {
                    if let Some(row) = values.iter().position(|v| v.is_infinite()) {
                        return Err(CrmkitError::invalid_value(
                            *name,
                            row,
                            values[row],
                            "must be finite (NaN / null = not given)",
                        ));
                    }
                    Some(values.iter().map(|v| (!v.is_nan()).then_some(*v)).collect())
                }
                None => None,
            });
        }
        let f = |i: usize| cells[i].as_deref().map(|v| joined.gather(v));
        let b = |i: usize| {
            cells[i].as_deref().map(|v| {
                let flags: Vec<Option<bool>> = v.iter().map(|x| x.map(|x| x != 0.0)).collect();
                joined.gather(&flags)
            })
        };
        let (ad, pg, ov, nf) = (f(0), f(1), f(2), f(3));
        let (cc, ss) = (b(4), b(5));
        let key: Option<Vec<bool>> = b(6).map(|k| k.into_iter().map(|k| k == Some(true)).collect());
        let nps: Option<Vec<Option<u8>>> = match cells[7].as_deref() {
            Some(v) => {
                if let Some(row) = v.iter().position(|x| {
                    x.is_some_and(|x| !(x.fract() == 0.0 && (0.0..=10.0).contains(&x)))
                }) {
                    return Err(CrmkitError::invalid_value(
                        "latest_nps",
                        row,
                        v[row].unwrap_or(f64::NAN),
                        "NPS answers are whole numbers 0..=10",
                    ));
                }
                let answers: Vec<Option<u8>> = v.iter().map(|x| x.map(|x| x as u8)).collect();
                Some(joined.gather(&answers))
            }
            None => None,
        };
        let mut input = ChurnSignalInput::new(as_of, transactions);
        input.interactions = interactions;
        input.key_customer = key.as_deref();
        input.latest_nps = nps.as_deref();
        input.overrides = SignalOverrides {
            activity_drop: ad.as_deref(),
            purchase_gap_ratio: pg.as_deref(),
            order_value_change: ov.as_deref(),
            negative_feedback: nf.as_deref(),
            competitor_contact: cc.as_deref(),
            service_silence: ss.as_deref(),
        };
        let report = compute_churn_signals(&input, &options)?;
        let story = match &assess {
            Some(index) => Some(assess_signals(
                &input,
                &options,
                report.customers.clone(),
                index,
                &LifecycleRules::default(),
                None,
            )?),
            None => None,
        };
        Ok((report, story))
    })?;
    let (report, story) = report;
    let d = PyDict::new(py);
    d.set_item("warning", report.describe())?;
    let c = &report.customers;
    let col = |f: &dyn Fn(&crmkit::churn::CustomerSignals) -> f64| -> Vec<f64> {
        c.iter().map(f).collect()
    };
    d.set_item(
        "customer_row",
        first_rows
            .iter()
            .map(|&r| r as i64)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    if gather_ids {
        d.set_item("customer_id", parts.gather(py, &first_rows)?)?;
    }
    d.set_item(
        "activity_drop",
        col(&|s| opt_f64(s.values.activity_drop)).into_pyarray(py),
    )?;
    d.set_item(
        "purchase_gap_ratio",
        col(&|s| opt_f64(s.values.purchase_gap_ratio)).into_pyarray(py),
    )?;
    d.set_item(
        "order_value_change",
        col(&|s| opt_f64(s.values.order_value_change)).into_pyarray(py),
    )?;
    d.set_item(
        "negative_feedback",
        col(&|s| opt_f64(s.values.negative_feedback)).into_pyarray(py),
    )?;
    d.set_item(
        "competitor_contact",
        col(&|s| opt_flag(s.values.competitor_contact)).into_pyarray(py),
    )?;
    d.set_item(
        "service_silence",
        col(&|s| opt_flag(s.values.service_silence)).into_pyarray(py),
    )?;
    d.set_item(
        "nps_detractor",
        col(&|s| opt_flag(s.values.nps_detractor)).into_pyarray(py),
    )?;
    d.set_item(
        "active_days_current",
        col(&|s| f64::from(s.active_days_current)).into_pyarray(py),
    )?;
    d.set_item(
        "baseline_active_days",
        col(&|s| opt_f64(s.baseline_active_days)).into_pyarray(py),
    )?;
    d.set_item(
        "purchase_days",
        col(&|s| f64::from(s.purchase_days)).into_pyarray(py),
    )?;
    d.set_item(
        "days_since_last_purchase",
        col(&|s| opt_f64(s.days_since_last_purchase.map(f64::from))).into_pyarray(py),
    )?;
    d.set_item(
        "typical_interval_days",
        col(&|s| opt_f64(s.typical_interval_days)).into_pyarray(py),
    )?;
    d.set_item(
        "interval_source",
        c.iter()
            .map(|s| s.interval_source as u8)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item("interval_sources", crmkit::names::all::<IntervalSource>())?;
    d.set_item(
        "order_value_last_period",
        col(&|s| opt_f64(s.order_value_last_period)).into_pyarray(py),
    )?;
    d.set_item(
        "order_value_previous_period",
        col(&|s| opt_f64(s.order_value_previous_period)).into_pyarray(py),
    )?;
    d.set_item(
        "days_since_inbound_contact",
        col(&|s| opt_f64(s.days_since_inbound_contact.map(f64::from))).into_pyarray(py),
    )?;
    let (mut rc, mut code, mut value, mut threshold) = (vec![], vec![], vec![], vec![]);
    for (i, s) in c.iter().enumerate() {
        for r in &s.reasons {
            rc.push(i as u32);
            code.push(r.code as u8);
            value.push(r.value);
            threshold.push(r.threshold);
        }
    }
    // Per customer: the fired codes, the readable rules joined by "; ", and whether the
    // purchase-gap rule fired (NaN when the gap could not be measured) — built here so the
    // Python layer only assembles the frame.
    let names: Vec<Vec<&'static str>> = c
        .iter()
        .map(|s| s.reasons.iter().map(|r| r.code.as_str()).collect())
        .collect();
    d.set_item("reasons", reason_lists.lists(py, names)?)?;
    let details: Vec<String> = c.iter().map(CustomerSignals::describe_reasons).collect();
    d.set_item("reason_details", texts.strings(py, details)?)?;
    if reason_rules {
        let rules: Vec<String> = c
            .iter()
            .flat_map(|s| s.reasons.iter().map(ChurnReason::describe))
            .collect();
        d.set_item("reason_rule", texts.strings(py, rules)?)?;
    }
    d.set_item(
        "purchase_gap_fires",
        col(&|s| opt_flag(s.fired(ChurnSignal::PurchaseGap))).into_pyarray(py),
    )?;
    if let Some(story) = &story {
        // One churn story (docs/churn.md): index, alerts, stage and action per customer.
        d.set_item(
            "story_index",
            story
                .iter()
                .map(|a| a.index)
                .collect::<Vec<u8>>()
                .into_pyarray(py),
        )?;
        let alert_code = |a: AlertLevel| a as u8;
        d.set_item(
            "story_index_alert",
            story
                .iter()
                .map(|a| alert_code(a.index_alert))
                .collect::<Vec<u8>>()
                .into_pyarray(py),
        )?;
        d.set_item(
            "story_alert",
            story
                .iter()
                .map(|a| alert_code(a.alert))
                .collect::<Vec<u8>>()
                .into_pyarray(py),
        )?;
        d.set_item("story_alerts", crmkit::names::all::<AlertLevel>())?;
        d.set_item(
            "story_stage",
            story
                .iter()
                .map(|a| {
                    LifecycleStage::ALL
                        .iter()
                        .position(|s| *s == a.stage.stage)
                        .unwrap_or(0) as u8
                })
                .collect::<Vec<u8>>()
                .into_pyarray(py),
        )?;
        d.set_item(
            "story_stages",
            LifecycleStage::ALL.map(|s| s.as_str()).to_vec(),
        )?;
        d.set_item(
            "story_action",
            story
                .iter()
                .map(|a| a.action.as_ref().map(ToString::to_string))
                .collect::<Vec<Option<String>>>(),
        )?;
    }
    d.set_item("reason_customer", rc.into_pyarray(py))?;
    d.set_item("reason_code", code.into_pyarray(py))?;
    d.set_item("reason_value", value.into_pyarray(py))?;
    d.set_item("reason_threshold", threshold.into_pyarray(py))?;
    d.set_item(
        "signal_names",
        ChurnSignal::ALL.map(|s| s.as_str()).to_vec(),
    )?;
    d.set_item("population_interval_days", report.population_interval_days)?;
    d.set_item("transactions_after_as_of", report.transactions_after_as_of)?;
    d.set_item("interactions_after_as_of", report.interactions_after_as_of)?;
    d.set_item("refunds", report.refunds)?;
    Ok(d)
}

/// The default churn signal options as JSON.
#[pyfunction]
fn default_churn_signal_options() -> PyResult<String> {
    to_json(&ChurnSignalOptions::default())
}

/// Checks churn signal options given as JSON; returns them complete (defaults filled in).
#[pyfunction]
fn check_churn_signal_options(text: &str) -> PyResult<String> {
    let o: ChurnSignalOptions = from_json("options", text).py()?;
    o.validate().py()?;
    to_json(&o)
}

/// Configuration of the churn risk index: per-signal weight and ramp, alert cut
/// points and the action playbook. `ChurnIndexOptions()` is the documented default;
/// `ChurnIndexOptions.from_json(text)` reads a (partial) JSON configuration over the defaults.
#[pyclass(name = "ChurnIndexOptions", module = "crmkit._crmkit", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyChurnIndexOptions {
    inner: ChurnRiskIndex,
}

/// The JSON is the options; loading checks them by building the index.
impl JsonClass for PyChurnIndexOptions {
    type Inner = ChurnIndexOptions;
    const NAME: &'static str = "ChurnIndexOptions";

    fn inner(&self) -> &ChurnIndexOptions {
        self.inner.options()
    }

    fn wrap(options: ChurnIndexOptions) -> Result<Self> {
        Ok(Self {
            inner: ChurnRiskIndex::new(options)?,
        })
    }
}

#[pymethods]
impl PyChurnIndexOptions {
    #[new]
    fn new() -> PyResult<Self> {
        Ok(Self {
            inner: ChurnRiskIndex::new(ChurnIndexOptions::default()).py()?,
        })
    }

    /// Reads options from JSON (missing keys take the defaults) and validates them.
    ///
    /// Args:
    ///     text: JSON such as '{"red_from": 9, "competitor_contact": {"weight": 0.3,
    ///         "zero_at": 0, "full_at": 1}}'.
    ///
    /// Returns:
    ///     ChurnIndexOptions
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        json::from_json(text)
    }

    /// The complete options as JSON.
    fn to_json(&self) -> PyResult<String> {
        json::to_json(self)
    }

    /// Lowest index with a red alert.
    #[getter]
    fn red_from(&self) -> u8 {
        self.inner.options().red_from
    }

    /// Lowest index with a yellow alert.
    #[getter]
    fn yellow_from(&self) -> u8 {
        self.inner.options().yellow_from
    }

    /// Weight of each signal, by signal name.
    #[getter]
    fn weights(&self) -> Vec<(String, f64)> {
        ChurnSignal::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_owned(),
                    self.inner.options().component(*s).weight,
                )
            })
            .collect()
    }

    /// Scores customers (array level; see `crmkit.churn_risk`).
    ///
    /// Args:
    ///     signals: dict of float64 arrays of equal length among activity_drop,
    ///         purchase_gap_ratio, order_value_change, negative_feedback, competitor_contact,
    ///         service_silence, nps_detractor (flags as 0/1; NaN = not measured).
    ///     n: number of customers.
    ///
    /// Returns:
    ///     dict: `index` (uint8, 0 = no signal to score), `weighted_strength` (NaN when not
    ///     scored), `alert` (uint8 code into `alerts`, 255 when not scored), `action` (int32
    ///     code into `actions`, -1 = none), `alerts`, `actions`.
    fn score<'py>(
        &self,
        py: Python<'py>,
        signals: &Bound<'py, PyDict>,
        n: IntArg,
    ) -> PyResult<Bound<'py, PyDict>> {
        let n: usize = whole("n", n)?;
        crmkit::runtime::memory::check_rows("n", n, std::mem::size_of::<SignalValues>() + 64)
            .py()?;
        const NAMES: [&str; 7] = [
            "activity_drop",
            "purchase_gap_ratio",
            "order_value_change",
            "negative_feedback",
            "competitor_contact",
            "service_silence",
            "nps_detractor",
        ];
        for key in signals.keys() {
            let key: String = key.extract()?;
            if !NAMES.contains(&key.as_str()) {
                return Err(to_py(CrmkitError::invalid_config(
                    "signals",
                    key,
                    format!("expected columns among {}", NAMES.join(", ")),
                )));
            }
        }
        let mut given: Vec<Option<Vec<f64>>> = Vec::with_capacity(7);
        for name in NAMES {
            given.push(optional_floats(Some(signals), name, n)?);
        }
        let index = self.inner.clone();
        let risks = without_gil(py, move || {
            let get = |i: usize, row: usize| -> Option<f64> {
                given[i].as_ref().map(|v| v[row]).filter(|v| !v.is_nan())
            };
            let values: Vec<SignalValues> = (0..n)
                .map(|r| SignalValues {
                    activity_drop: get(0, r),
                    purchase_gap_ratio: get(1, r),
                    order_value_change: get(2, r),
                    negative_feedback: get(3, r),
                    competitor_contact: get(4, r).map(|v| v != 0.0),
                    service_silence: get(5, r).map(|v| v != 0.0),
                    nps_detractor: get(6, r).map(|v| v != 0.0),
                })
                .collect();
            index.score_all(&values)
        })?;
        let mut actions: Vec<String> = Vec::new();
        let mut codes: HashMap<String, i32> = HashMap::new();
        let (mut idx, mut strength, mut alert, mut action) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for r in &risks {
            match r {
                Some(r) => {
                    idx.push(r.index);
                    strength.push(r.weighted_strength);
                    alert.push(r.alert as u8);
                    action.push(match &r.action {
                        Some(a) => *codes.entry(a.to_string()).or_insert_with(|| {
                            actions.push(a.to_string());
                            actions.len() as i32 - 1
                        }),
                        None => -1,
                    });
                }
                None => {
                    idx.push(0);
                    strength.push(f64::NAN);
                    alert.push(255);
                    action.push(-1);
                }
            }
        }
        let d = PyDict::new(py);
        d.set_item("index", idx.into_pyarray(py))?;
        d.set_item("weighted_strength", strength.into_pyarray(py))?;
        d.set_item("alert", alert.into_pyarray(py))?;
        d.set_item("action", action.into_pyarray(py))?;
        d.set_item("alerts", vec!["green", "yellow", "red"])?;
        d.set_item("actions", actions)?;
        Ok(d)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        json::reduce(slf)
    }

    /// An HTML summary for notebooks (Jupyter calls this).
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        crate::display::repr_html(slf.as_any())
    }

    fn __repr__(&self) -> String {
        let weights: Vec<String> = self
            .weights()
            .into_iter()
            .filter(|(_, w)| *w > 0.0)
            .map(|(s, w)| format!("{s}={w}"))
            .collect();
        format!(
            "ChurnIndexOptions(weights: {}; yellow_from={}, red_from={})",
            weights.join(", "),
            self.yellow_from(),
            self.red_from()
        )
    }
}

/// A fitted logistic regression (array level; see `crmkit.LogisticRegression`).
#[pyclass(name = "LogisticFit", module = "crmkit._crmkit", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyLogisticFit {
    inner: LogisticRegression,
}

json_class!(PyLogisticFit, LogisticRegression, "LogisticFit");

#[pymethods]
impl PyLogisticFit {
    /// Fits by Newton / IRLS.
    ///
    /// Args:
    ///     x: 2-D float64 numpy array (C or F order: borrowed as it is).
    ///     y: 0/1 outcomes (float64 array or Arrow column).
    ///     sample_weight: optional non-negative weights.
    ///     l2_penalty: λ ≥ 0 (scikit-learn's C = 1 / λ); intercept unpenalised.
    ///     fit_intercept, standardize, max_iter, tol: see `crmkit.LogisticRegression`.
    ///
    /// Returns:
    ///     LogisticFit
    #[staticmethod]
    #[pyo3(signature = (x, y, sample_weight=None, *, l2_penalty=0.0, fit_intercept=true, standardize=false, max_iter=IntArg::Fits(100), tol=1e-10), text_signature = "(x, y, sample_weight=None, *, l2_penalty=0.0, fit_intercept=True, standardize=False, max_iter=100, tol=1e-10)")]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        y: &Bound<'_, PyAny>,
        sample_weight: Option<&Bound<'_, PyAny>>,
        l2_penalty: f64,
        fit_intercept: bool,
        standardize: bool,
        max_iter: IntArg,
        tol: f64,
    ) -> PyResult<Self> {
        let options = LogisticOptions {
            l2_penalty,
            fit_intercept,
            standardize,
            max_iter: whole("max_iter", max_iter)?,
            tol,
        };
        let y = columns::floats(y, "y")?;
        let w = match sample_weight {
            Some(w) => Some(columns::floats(w, "sample_weight")?),
            None => None,
        };
        let (xv, yv, wv) = (x.as_array(), y.as_slice(), w.as_ref().map(|w| w.as_slice()));
        let inner = without_gil(py, move || {
            LogisticRegression::fit(
                xv,
                ndarray::ArrayView1::from(yv),
                wv.map(ndarray::ArrayView1::from),
                &options,
            )
        })?;
        Ok(Self { inner })
    }

    /// Predicted probabilities of the positive class.
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let xv = x.as_array();
        let model = &self.inner;
        Ok(without_gil(py, move || model.predict_proba(xv))?.into_pyarray(py))
    }

    /// The linear predictor.
    fn decision_function<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let xv = x.as_array();
        let model = &self.inner;
        Ok(without_gil(py, move || model.decision_function(xv))?.into_pyarray(py))
    }

    /// The intercept (0 when not fitted).
    #[getter]
    fn intercept(&self) -> f64 {
        self.inner.intercept
    }

    /// One coefficient per feature.
    #[getter]
    fn coefficients<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.coefficients.clone().into_pyarray(py)
    }

    /// Whether an intercept was fitted.
    #[getter]
    fn fit_intercept(&self) -> bool {
        self.inner.fit_intercept
    }

    /// The L2 penalty λ.
    #[getter]
    fn l2_penalty(&self) -> f64 {
        self.inner.l2_penalty
    }

    /// Whether features were standardised for fitting.
    #[getter]
    fn standardized(&self) -> bool {
        self.inner.standardized
    }

    /// Standard errors (intercept first), None for penalised fits.
    #[getter]
    fn std_errors(&self) -> Option<Vec<f64>> {
        self.inner.inference.as_ref().map(|i| i.std_errors.clone())
    }

    /// z statistics (intercept first), None for penalised fits.
    #[getter]
    fn z_values(&self) -> Option<Vec<f64>> {
        self.inner.inference.as_ref().map(|i| i.z_values.clone())
    }

    /// Two-sided p-values (intercept first), None for penalised fits.
    #[getter]
    fn p_values(&self) -> Option<Vec<f64>> {
        self.inner.inference.as_ref().map(|i| i.p_values.clone())
    }

    /// Weighted log-likelihood at the optimum.
    #[getter]
    fn log_likelihood(&self) -> f64 {
        self.inner.log_likelihood
    }

    /// Newton iterations done.
    #[getter]
    fn iterations(&self) -> usize {
        self.inner.iterations
    }

    /// Rows used.
    #[getter]
    fn n_observations(&self) -> usize {
        self.inner.n_observations
    }

    /// Warnings about the fit, as messages.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.inner
            .warnings
            .iter()
            .map(|w| match w {
                FitWarning::QuasiSeparation { near_certain_rows } => format!(
                    "near quasi-separation: {near_certain_rows} rows are fitted within 1e-6 of \
                     their label; read the coefficients and standard errors with care"
                ),
            })
            .collect()
    }

    /// Serialises to JSON.
    fn to_json(&self) -> PyResult<String> {
        json::to_json(self)
    }

    /// Reads a fit serialised by `to_json`.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        json::from_json(text)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        json::reduce(slf)
    }

    fn __repr__(&self) -> String {
        format!(
            "LogisticFit(intercept={}, coefficients={:?}, l2_penalty={})",
            self.inner.intercept, self.inner.coefficients, self.inner.l2_penalty
        )
    }
}

/// ROC AUC, log loss, Brier score, calibration by quantile bin and top-fraction lift
/// (array level; see `crmkit.evaluate`).
///
/// Args:
///     y: 0/1 outcomes. predicted: probabilities in [0, 1].
///     n_bins: calibration bins (10 = deciles). top_fraction: share targeted for lift.
///
/// Returns:
///     dict with `n`, `auc`, `log_loss`, `brier_score`, `calibration` (dict of arrays) and
///     `top` (dict: fraction, selected, positives_selected, response_rate, base_rate, lift,
///     capture_rate).
#[pyfunction]
#[pyo3(signature = (y, predicted, n_bins=IntArg::Fits(10), top_fraction=0.1), text_signature = "(y, predicted, n_bins=10, top_fraction=0.1)")]
fn classification_report<'py>(
    py: Python<'py>,
    y: &Bound<'py, PyAny>,
    predicted: &Bound<'py, PyAny>,
    n_bins: IntArg,
    top_fraction: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let n_bins: usize = whole("n_bins", n_bins)?;
    let y = columns::floats(y, "y")?;
    let p = columns::floats(predicted, "predicted")?;
    let (yv, pv) = (y.as_slice(), p.as_slice());
    let (auc, ll, brier, bins, top) = without_gil(py, move || {
        Ok((
            crmkit::churn::roc_auc(yv, pv)?,
            crmkit::churn::log_loss(yv, pv)?,
            crmkit::churn::brier_score(yv, pv)?,
            calibration_by_quantile(yv, pv, n_bins)?,
            top_fraction_lift(yv, pv, top_fraction)?,
        ))
    })?;
    let d = PyDict::new(py);
    d.set_item("n", yv.len())?;
    d.set_item("auc", auc)?;
    d.set_item("log_loss", ll)?;
    d.set_item("brier_score", brier)?;
    let cal = PyDict::new(py);
    cal.set_item(
        "bin",
        bins.iter()
            .map(|b| b.bin as i64)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    cal.set_item(
        "n",
        bins.iter()
            .map(|b| b.n as i64)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    for (name, f) in [
        (
            "mean_predicted",
            (|b| b.mean_predicted) as fn(&CalibrationBin) -> f64,
        ),
        ("observed_rate", |b| b.observed_rate),
        ("min_predicted", |b| b.min_predicted),
        ("max_predicted", |b| b.max_predicted),
    ] {
        cal.set_item(
            name,
            bins.iter().map(f).collect::<Vec<f64>>().into_pyarray(py),
        )?;
    }
    d.set_item("calibration", cal)?;
    let t = PyDict::new(py);
    t.set_item("fraction", top.fraction)?;
    t.set_item("selected", top.selected)?;
    t.set_item("positives_selected", top.positives_selected)?;
    t.set_item("response_rate", top.response_rate)?;
    t.set_item("base_rate", top.base_rate)?;
    t.set_item("lift", top.lift)?;
    t.set_item("capture_rate", top.capture_rate)?;
    d.set_item("top", t)?;
    Ok(d)
}

/// Registers the churn functions and classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(churn_signals, m)?)?;
    m.add_function(wrap_pyfunction!(default_churn_signal_options, m)?)?;
    m.add_function(wrap_pyfunction!(check_churn_signal_options, m)?)?;
    m.add_class::<PyChurnIndexOptions>()?;
    m.add_class::<PyLogisticFit>()?;
    m.add_function(wrap_pyfunction!(classification_report, m)?)?;
    Ok(())
}
