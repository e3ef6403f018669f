//! Customer value, quadrants, needs, feedback scores and the playbook (issue 3).
//!
//! Array-level building blocks; the user-facing functions (frames in, frames out) are in
//! `python/crmkit/value.py` and `python/crmkit/feedback.py`.

use std::borrow::Cow;
use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use crmkit::feedback::{
    self as fb, NpsCounts, NpsIntervalMethod, NpsSummary, ProportionIntervalMethod,
};
use crmkit::needs::{self, Need, NeedScope, NeedSource, NeedStatus, NeedType};
use crmkit::playbook::{AlertLevel, CustomerContext, Playbook, RfmTier};
use crmkit::value::quadrant::{
    self, NeedPriority, PriorityThresholds, QuadrantSplit, ValueQuadrant,
};
use crmkit::value::scores::{self as cv, CoreListSize, MarginTiming, RetentionClv, ValueWeights};
use crmkit::{CrmkitError, Result};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::columns::{self, Ids, Numbers};
use crate::errors::{IntoPyResult, to_py, whole, whole_opt};
use crate::without_gil;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn config(field: &str, value: impl std::fmt::Debug, reason: &str) -> PyErr {
    to_py(CrmkitError::invalid_config(field, value, reason))
}

/// Borrowed string values of an Arrow string column (utf8, large utf8 or utf8 view).
fn strs(array: &ArrayRef) -> Vec<&str> {
    match array.data_type() {
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            (0..a.len()).map(|i| a.value(i)).collect()
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            (0..a.len()).map(|i| a.value(i)).collect()
        }
        _ => {
            let a = array.as_string_view();
            (0..a.len()).map(|i| a.value(i)).collect()
        }
    }
}

/// Answers as f64: float64 borrowed, int64 converted (exact for every valid answer; values
/// too large to convert exactly are out of range anyway and still reported with their row).
fn answers_f64(answers: AnswerSlice<'_>) -> Cow<'_, [f64]> {
    match answers {
        AnswerSlice::F64(v) => Cow::Borrowed(v),
        AnswerSlice::I64(v) => Cow::Owned(v.iter().map(|&x| x as f64).collect()),
    }
}

/// A borrowed numeric column that can cross into `without_gil`.
#[derive(Clone, Copy)]
enum AnswerSlice<'a> {
    F64(&'a [f64]),
    I64(&'a [i64]),
}

fn answer_slice<'a>(answers: &'a Numbers<'_>) -> AnswerSlice<'a> {
    match answers {
        Numbers::F64(v) => AnswerSlice::F64(v.as_slice()),
        Numbers::I64(v) => AnswerSlice::I64(v.as_slice()),
    }
}

fn nps_method(method: &str) -> PyResult<NpsIntervalMethod> {
    match method {
        "wald" => Ok(NpsIntervalMethod::Wald),
        "adjusted_wald" => Ok(NpsIntervalMethod::AdjustedWald),
        other => Err(config(
            "method",
            other,
            "expected 'wald' or 'adjusted_wald'",
        )),
    }
}

fn nps_method_name(method: NpsIntervalMethod) -> &'static str {
    match method {
        NpsIntervalMethod::Wald => "wald",
        NpsIntervalMethod::AdjustedWald => "adjusted_wald",
    }
}

fn proportion_method(method: &str) -> PyResult<ProportionIntervalMethod> {
    match method {
        "wilson" => Ok(ProportionIntervalMethod::Wilson),
        "wald" => Ok(ProportionIntervalMethod::Wald),
        "agresti_coull" => Ok(ProportionIntervalMethod::AgrestiCoull),
        other => Err(config(
            "method",
            other,
            "expected 'wilson', 'wald' or 'agresti_coull'",
        )),
    }
}

fn proportion_method_name(method: ProportionIntervalMethod) -> &'static str {
    match method {
        ProportionIntervalMethod::Wilson => "wilson",
        ProportionIntervalMethod::Wald => "wald",
        ProportionIntervalMethod::AgrestiCoull => "agresti_coull",
    }
}

// ---------------------------------------------------------------------------------------------
// Value
// ---------------------------------------------------------------------------------------------

/// Simple CLV per customer: avg_order_value × purchases_per_period × expected_lifetime × margin.
///
/// Args:
///     avg_order_value: float64 array (n customers).
///     purchases_per_period, expected_lifetime_periods, gross_margin: float64 arrays of
///         length n, or of length 1 to apply one value to everyone.
///
/// Returns:
///     numpy.ndarray of float64
#[pyfunction]
fn simple_clv<'py>(
    py: Python<'py>,
    avg_order_value: &Bound<'py, PyAny>,
    purchases_per_period: &Bound<'py, PyAny>,
    expected_lifetime_periods: &Bound<'py, PyAny>,
    gross_margin: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
    let aov = columns::floats(avg_order_value, "avg_order_value")?;
    let rate = columns::floats(purchases_per_period, "purchases_per_period")?;
    let life = columns::floats(expected_lifetime_periods, "expected_lifetime_periods")?;
    let margin = columns::floats(gross_margin, "gross_margin")?;
    let (a, r, l, m) = (
        aov.as_slice(),
        rate.as_slice(),
        life.as_slice(),
        margin.as_slice(),
    );
    let clv = without_gil(py, move || cv::simple_clv_batch(a, r, l, m))?;
    Ok(clv.into_pyarray(py))
}

/// Retention-based discounted CLV per customer.
///
/// Args:
///     margin: float64 array of the margin per period (may be negative).
///     retention: retention rate per period in [0, 1).
///     discount_rate: discount rate per period, >= 0.
///     horizon: number of periods, or None for the infinite closed form.
///     timing: 'end' (margin at the end of each period, default) or 'start'.
///
/// Returns:
///     numpy.ndarray of float64
#[pyfunction]
#[pyo3(signature = (margin, retention, discount_rate, horizon=None, timing="end"))]
fn retention_clv<'py>(
    py: Python<'py>,
    margin: &Bound<'py, PyAny>,
    retention: f64,
    discount_rate: f64,
    horizon: Option<i64>,
    timing: &str,
) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
    let horizon: Option<u32> = whole_opt("horizon", horizon)?;
    let timing = match timing {
        "end" => MarginTiming::EndOfPeriod,
        "start" => MarginTiming::StartOfPeriod,
        other => return Err(config("timing", other, "expected 'end' or 'start'")),
    };
    let model = RetentionClv::new(retention, discount_rate, horizon).py()?;
    let margin = columns::floats(margin, "margin_per_period")?;
    let m = margin.as_slice();
    let clv = without_gil(py, move || model.values(m, timing))?;
    Ok(clv.into_pyarray(py))
}

/// Composite value scores: min–max sub-scores, weighted composite and rank.
///
/// Args:
///     customer_id: int64 numpy array or Arrow column of integer / string ids (unique).
///     historical, potential, strategic: float64 arrays, one value per customer.
///     weights: (historical, potential, strategic), finite, >= 0, summing to 1.
///
/// Returns:
///     dict of numpy arrays `historical`, `potential`, `strategic`, `composite` (float64, in
///     [0, 1]) and `rank` (int64, 1 = most valuable, ties broken by ascending id).
#[pyfunction]
#[pyo3(signature = (customer_id, historical, potential, strategic, weights=(0.4, 0.4, 0.2)))]
fn value_scores<'py>(
    py: Python<'py>,
    customer_id: &Bound<'py, PyAny>,
    historical: &Bound<'py, PyAny>,
    potential: &Bound<'py, PyAny>,
    strategic: &Bound<'py, PyAny>,
    weights: (f64, f64, f64),
) -> PyResult<Bound<'py, PyDict>> {
    let weights = ValueWeights {
        historical: weights.0,
        potential: weights.1,
        strategic: weights.2,
    };
    weights.validate().py()?;
    let ids = columns::ids(customer_id, "customer_ids")?;
    let h = columns::floats(historical, "historical")?;
    let p = columns::floats(potential, "potential")?;
    let s = columns::floats(strategic, "strategic")?;
    let (h, p, s) = (h.as_slice(), p.as_slice(), s.as_slice());
    type Cols = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<i64>);
    fn unzip<K>(scores: Vec<cv::ValueScore<K>>) -> Cols {
        let n = scores.len();
        let mut out: Cols = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for v in scores {
            out.0.push(v.historical);
            out.1.push(v.potential);
            out.2.push(v.strategic);
            out.3.push(v.composite);
            out.4.push(v.rank as i64);
        }
        out
    }
    let cols = match &ids {
        Ids::Int(values) => {
            let ids = values.as_slice();
            without_gil(py, move || {
                cv::composite_value_scores(ids, h, p, s, &weights).map(unzip)
            })?
        }
        Ids::Str(array) => without_gil(py, move || {
            let ids = strs(array);
            cv::composite_value_scores(&ids, h, p, s, &weights).map(unzip)
        })?,
        Ids::UInt(values) => {
            let ids = values.as_slice();
            without_gil(py, move || {
                cv::composite_value_scores(ids, h, p, s, &weights).map(unzip)
            })?
        }
        Ids::Wide(ids) => without_gil(py, move || {
            cv::composite_value_scores(ids, h, p, s, &weights).map(unzip)
        })?,
    };
    let d = PyDict::new(py);
    d.set_item("historical", cols.0.into_pyarray(py))?;
    d.set_item("potential", cols.1.into_pyarray(py))?;
    d.set_item("strategic", cols.2.into_pyarray(py))?;
    d.set_item("composite", cols.3.into_pyarray(py))?;
    d.set_item("rank", cols.4.into_pyarray(py))?;
    Ok(d)
}

/// Size of the core list of a population of n: min(top_k, n) or ceil(top_percent · n / 100).
///
/// Args:
///     n: number of customers.
///     top_k: the k best customers, or None.
///     top_percent: the best p % (0 < p <= 100), or None. Exactly one of the two is given.
///
/// Returns:
///     int
#[pyfunction]
#[pyo3(signature = (n, top_k=None, top_percent=None))]
fn core_list_size(n: i64, top_k: Option<i64>, top_percent: Option<f64>) -> PyResult<usize> {
    let n: usize = whole("n", n)?;
    let top_k: Option<usize> = whole_opt("top_k", top_k)?;
    let size = match (top_k, top_percent) {
        (Some(k), None) => CoreListSize::TopK(k),
        (None, Some(p)) => CoreListSize::TopPercent(p),
        _ => {
            return Err(config(
                "core_list",
                (top_k, top_percent),
                "give exactly one of top_k and top_percent",
            ));
        }
    };
    size.count(n).py()
}

// ---------------------------------------------------------------------------------------------
// Quadrants
// ---------------------------------------------------------------------------------------------

/// Value–potential matrix: quadrant per customer and a summary per quadrant.
///
/// Args:
///     value: current value per customer (float64, >= 0).
///     potential: potential per customer (float64, finite).
///     thresholds: (value, potential) split points, or None to split at the medians.
///
/// Returns:
///     dict with `quadrant` (uint8 codes into `names`), `names`, `value_split`,
///     `potential_split` and the summary lists `customers`, `customer_share`, `total_value`,
///     `value_share` (None when the total value is 0) and `treatment`, in the order of `names`.
#[pyfunction]
#[pyo3(signature = (value, potential, thresholds=None))]
fn value_potential_matrix<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
    potential: &Bound<'py, PyAny>,
    thresholds: Option<(f64, f64)>,
) -> PyResult<Bound<'py, PyDict>> {
    let split = match thresholds {
        None => QuadrantSplit::Median,
        Some((value, potential)) => QuadrantSplit::Thresholds { value, potential },
    };
    let v = columns::floats(value, "value")?;
    let p = columns::floats(potential, "potential")?;
    let (v, p) = (v.as_slice(), p.as_slice());
    let (m, codes) = without_gil(py, move || {
        let mut m = quadrant::value_potential_matrix(v, p, split)?;
        let codes: Vec<u8> = m.quadrants.iter().map(|&q| q as u8).collect();
        m.quadrants = Vec::new();
        Ok((m, codes))
    })?;
    let d = PyDict::new(py);
    d.set_item("quadrant", codes.into_pyarray(py))?;
    d.set_item(
        "names",
        ValueQuadrant::ALL.map(ValueQuadrant::as_str).to_vec(),
    )?;
    d.set_item("value_split", m.value_split)?;
    d.set_item("potential_split", m.potential_split)?;
    let summary = &m.summary;
    d.set_item(
        "customers",
        summary.iter().map(|s| s.customers).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "customer_share",
        summary.iter().map(|s| s.customer_share).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "total_value",
        summary.iter().map(|s| s.total_value).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "value_share",
        summary.iter().map(|s| s.value_share).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "treatment",
        summary
            .iter()
            .map(|s| s.quadrant.recommended_treatment())
            .collect::<Vec<_>>(),
    )?;
    Ok(d)
}

const NEED_QUADRANT_NAMES: [&str; 4] = ["do_now", "schedule", "delegate", "defer"];

fn work_list_dict<'py>(py: Python<'py>, list: &[NeedPriority]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let rows: Vec<i64> = list.iter().map(|p| p.row as i64).collect();
    let codes: Vec<u8> = list.iter().map(|p| p.quadrant as u8).collect();
    let scores: Vec<f64> = list.iter().map(|p| p.score.unwrap_or(f64::NAN)).collect();
    d.set_item("row", rows.into_pyarray(py))?;
    d.set_item("quadrant", codes.into_pyarray(py))?;
    d.set_item("score", scores.into_pyarray(py))?;
    d.set_item("names", NEED_QUADRANT_NAMES.to_vec())?;
    Ok(d)
}

/// Importance–urgency work list from scores.
///
/// Args:
///     importance, urgency: float64 arrays, one score per need.
///     thresholds: (importance, urgency); a score >= its threshold is high.
///
/// Returns:
///     dict with `row` (int64 input rows in work order), `quadrant` (uint8 codes into
///     `names`: do_now, schedule, delegate, defer) and `score` (importance + urgency).
#[pyfunction]
#[pyo3(signature = (importance, urgency, thresholds=(0.5, 0.5)))]
fn prioritise_needs<'py>(
    py: Python<'py>,
    importance: &Bound<'py, PyAny>,
    urgency: &Bound<'py, PyAny>,
    thresholds: (f64, f64),
) -> PyResult<Bound<'py, PyDict>> {
    let t = PriorityThresholds {
        importance: thresholds.0,
        urgency: thresholds.1,
    };
    let i = columns::floats(importance, "importance")?;
    let u = columns::floats(urgency, "urgency")?;
    let (i, u) = (i.as_slice(), u.as_slice());
    let list = without_gil(py, move || quadrant::prioritise_needs_by_scores(i, u, &t))?;
    work_list_dict(py, &list)
}

/// Importance–urgency work list from yes/no flags.
///
/// Args:
///     important, urgent: numpy bool arrays, one flag per need.
///
/// Returns:
///     dict as for `prioritise_needs` (`score` is NaN).
#[pyfunction]
fn prioritise_needs_by_flags<'py>(
    py: Python<'py>,
    important: PyReadonlyArray1<'py, bool>,
    urgent: PyReadonlyArray1<'py, bool>,
) -> PyResult<Bound<'py, PyDict>> {
    let i = important.as_array().to_vec();
    let u = urgent.as_array().to_vec();
    let list = without_gil(py, move || quadrant::prioritise_needs_by_flags(&i, &u))?;
    work_list_dict(py, &list)
}

// ---------------------------------------------------------------------------------------------
// Needs
// ---------------------------------------------------------------------------------------------

fn parse_enum<T: Copy>(field: &str, row: usize, text: &str, options: &[(&str, T)]) -> Result<T> {
    options
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            CrmkitError::invalid_value(
                field,
                row,
                format!("{text:?}"),
                format!("expected one of {names:?}"),
            )
        })
}

fn text_column(cols: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<Vec<Option<String>>>> {
    match cols.get_item(key)? {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => Ok(Some(v.extract().map_err(|_| {
            config(key, "column", "expected a list of strings or None")
        })?)),
    }
}

/// Need records from a dict of equal-length lists (see `python/crmkit/value.py`).
fn needs_from_columns(cols: &Bound<'_, PyDict>) -> PyResult<Vec<Need>> {
    let required = |key: &str| -> PyResult<Vec<Option<String>>> {
        text_column(cols, key)?.ok_or_else(|| config(key, "None", "this column is required"))
    };
    let customer_id = required("customer_id")?;
    let topic = required("topic")?;
    let need_type = required("type")?;
    let n = customer_id.len();
    let source = text_column(cols, "source")?;
    let description = text_column(cols, "description")?;
    let status = text_column(cols, "status")?;
    let owner = text_column(cols, "owner")?;
    let due: Option<Vec<Option<i32>>> = match cols.get_item("due")? {
        Some(v) if !v.is_none() => Some(
            v.extract()
                .map_err(|_| config("due", "column", "expected days since 1970-01-01"))?,
        ),
        _ => None,
    };
    let float = |key: &str| -> PyResult<Option<Vec<f64>>> {
        match cols.get_item(key)? {
            Some(v) if !v.is_none() => Ok(Some(
                v.extract()
                    .map_err(|_| config(key, "column", "expected numbers"))?,
            )),
            _ => Ok(None),
        }
    };
    let importance = float("importance")?;
    let urgency = float("urgency")?;
    let completion = float("completion")?;
    let lens = [
        ("topic", Some(topic.len())),
        ("type", Some(need_type.len())),
        ("source", source.as_ref().map(Vec::len)),
        ("description", description.as_ref().map(Vec::len)),
        ("status", status.as_ref().map(Vec::len)),
        ("owner", owner.as_ref().map(Vec::len)),
        ("due", due.as_ref().map(Vec::len)),
        ("importance", importance.as_ref().map(Vec::len)),
        ("urgency", urgency.as_ref().map(Vec::len)),
        ("completion", completion.as_ref().map(Vec::len)),
    ];
    for (field, len) in lens {
        if let Some(len) = len {
            CrmkitError::check_len(field, n, len).py()?;
        }
    }
    let missing = |field: &str, row: usize| {
        to_py(CrmkitError::MissingValue {
            field: field.to_owned(),
            row,
        })
    };
    const TYPES: [(&str, NeedType); 4] = [
        ("product", NeedType::Product),
        ("service", NeedType::Service),
        ("price", NeedType::Price),
        ("experience", NeedType::Experience),
    ];
    const SOURCES: [(&str, NeedSource); 4] = [
        ("sales_call", NeedSource::SalesCall),
        ("ticket", NeedSource::Ticket),
        ("survey", NeedSource::Survey),
        ("other", NeedSource::Other),
    ];
    const STATUSES: [(&str, NeedStatus); 3] = [
        ("unmet", NeedStatus::Unmet),
        ("partly_met", NeedStatus::PartlyMet),
        ("met", NeedStatus::Met),
    ];
    let mut out = Vec::with_capacity(n);
    for row in 0..n {
        let id = customer_id[row]
            .clone()
            .ok_or_else(|| missing("customer_id", row))?;
        let t = topic[row].clone().ok_or_else(|| missing("topic", row))?;
        let ty = need_type[row]
            .as_deref()
            .ok_or_else(|| missing("type", row))?;
        let mut need = Need::new(id, t, parse_enum("type", row, ty, &TYPES).py()?);
        if let Some(Some(s)) = source.as_ref().map(|c| c[row].as_deref()) {
            need.source = parse_enum("source", row, s, &SOURCES).py()?;
        }
        if let Some(Some(s)) = status.as_ref().map(|c| c[row].as_deref()) {
            need.status = parse_enum("status", row, s, &STATUSES).py()?;
        }
        if let Some(c) = &description {
            need.description = c[row].clone().unwrap_or_default();
        }
        if let Some(c) = &owner {
            need.owner = c[row].clone();
        }
        if let Some(c) = &due {
            need.due = c[row];
        }
        if let Some(c) = &importance {
            need.importance = c[row];
        }
        if let Some(c) = &urgency {
            need.urgency = c[row];
        }
        if let Some(c) = &completion {
            need.completion = c[row];
        }
        out.push(need);
    }
    Ok(out)
}

/// Work list of need records: open needs by quadrant, then importance + urgency, then row.
///
/// Args:
///     needs: dict of equal-length lists: `customer_id`, `topic`, `type` (product, service,
///         price, experience) required; `source`, `description`, `status` (unmet, partly_met,
///         met), `owner`, `due` (days since 1970-01-01), `importance`, `urgency`, `completion`
///         optional (missing keys or None take the defaults).
///     thresholds: (importance, urgency).
///
/// Returns:
///     dict as for `prioritise_needs`.
#[pyfunction]
#[pyo3(signature = (needs, thresholds=(0.5, 0.5)))]
fn need_work_list<'py>(
    py: Python<'py>,
    needs: &Bound<'py, PyDict>,
    thresholds: (f64, f64),
) -> PyResult<Bound<'py, PyDict>> {
    let records = needs_from_columns(needs)?;
    let t = PriorityThresholds {
        importance: thresholds.0,
        urgency: thresholds.1,
    };
    let list = without_gil(py, move || needs::need_work_list(&records, &t))?;
    work_list_dict(py, &list)
}

/// Common versus individual need topics per customer group.
///
/// Args:
///     needs: need records as for `need_work_list`.
///     customer_ids: every customer of the population once (strings).
///     groups: the group of each customer (strings).
///     common_threshold: share in (0, 1] at or above which a topic is common.
///
/// Returns:
///     dict of lists `group`, `topic`, `customers_raising`, `group_customers`, `share`, `scope`.
#[pyfunction]
#[pyo3(signature = (needs, customer_ids, groups, common_threshold=0.5))]
fn aggregate_needs<'py>(
    py: Python<'py>,
    needs: &Bound<'py, PyDict>,
    customer_ids: Vec<String>,
    groups: Vec<String>,
    common_threshold: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let records = needs_from_columns(needs)?;
    let rows = without_gil(py, move || {
        needs::aggregate_need_topics(&records, &customer_ids, &groups, common_threshold)
    })?;
    let d = PyDict::new(py);
    d.set_item(
        "group",
        rows.iter().map(|r| r.group.as_str()).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "topic",
        rows.iter().map(|r| r.topic.as_str()).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "customers_raising",
        rows.iter().map(|r| r.customers_raising).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "group_customers",
        rows.iter().map(|r| r.group_customers).collect::<Vec<_>>(),
    )?;
    d.set_item("share", rows.iter().map(|r| r.share).collect::<Vec<_>>())?;
    d.set_item(
        "scope",
        rows.iter()
            .map(|r| match r.scope {
                NeedScope::Common => "common",
                NeedScope::Individual => "individual",
            })
            .collect::<Vec<_>>(),
    )?;
    Ok(d)
}

/// Per owner: total, unmet, partly met and overdue needs as of a date.
///
/// Args:
///     needs: need records as for `need_work_list`.
///     as_of: days since 1970-01-01; a need due before it and not met is overdue.
///
/// Returns:
///     dict of lists `owner` (None = unassigned, first), `needs`, `unmet`, `partly_met`,
///     `overdue`, and `overdue_rows` (int64 rows of the overdue needs, input order).
#[pyfunction]
fn owner_workload<'py>(
    py: Python<'py>,
    needs: &Bound<'py, PyDict>,
    as_of: i32,
) -> PyResult<Bound<'py, PyDict>> {
    let records = needs_from_columns(needs)?;
    let (rows, overdue) = without_gil(py, move || {
        Ok((
            needs::owner_workload(&records, as_of)?,
            needs::overdue_needs(&records, as_of)?,
        ))
    })?;
    let d = PyDict::new(py);
    d.set_item(
        "owner",
        rows.iter().map(|r| r.owner.clone()).collect::<Vec<_>>(),
    )?;
    d.set_item("needs", rows.iter().map(|r| r.needs).collect::<Vec<_>>())?;
    d.set_item("unmet", rows.iter().map(|r| r.unmet).collect::<Vec<_>>())?;
    d.set_item(
        "partly_met",
        rows.iter().map(|r| r.partly_met).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "overdue",
        rows.iter().map(|r| r.overdue).collect::<Vec<_>>(),
    )?;
    let overdue: Vec<i64> = overdue.into_iter().map(|r| r as i64).collect();
    d.set_item("overdue_rows", overdue.into_pyarray(py))?;
    Ok(d)
}

// ---------------------------------------------------------------------------------------------
// Feedback
// ---------------------------------------------------------------------------------------------

fn nps_dict<'py>(py: Python<'py>, s: &NpsSummary) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("nps", s.nps)?;
    d.set_item("lower", s.interval.lower)?;
    d.set_item("upper", s.interval.upper)?;
    d.set_item("confidence", s.interval.confidence)?;
    d.set_item("center", s.center)?;
    d.set_item("standard_error", s.standard_error)?;
    d.set_item("promoters", s.counts.promoters)?;
    d.set_item("passives", s.counts.passives)?;
    d.set_item("detractors", s.counts.detractors)?;
    d.set_item("respondents", s.respondents)?;
    d.set_item("method", nps_method_name(s.method))?;
    Ok(d)
}

fn csat_dict<'py>(py: Python<'py>, s: &fb::CsatSummary) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("top_two_box", s.top_two_box)?;
    d.set_item("lower", s.interval.lower)?;
    d.set_item("upper", s.interval.upper)?;
    d.set_item("confidence", s.interval.confidence)?;
    d.set_item("mean", s.mean)?;
    d.set_item("satisfied", s.satisfied)?;
    d.set_item("respondents", s.respondents)?;
    d.set_item("distribution", s.distribution.to_vec())?;
    d.set_item("method", proportion_method_name(s.method))?;
    Ok(d)
}

/// NPS of 0–10 answers with its interval.
///
/// Args:
///     answers: int64 / float64 numpy array or Arrow numeric column of whole numbers 0..=10.
///     method: 'wald' or 'adjusted_wald'.
///     confidence: two-sided level in (0, 1).
///
/// Returns:
///     dict with nps, lower, upper, confidence, center, standard_error, promoters, passives,
///     detractors, respondents, method.
#[pyfunction]
#[pyo3(signature = (answers, method="wald", confidence=0.95))]
fn nps<'py>(
    py: Python<'py>,
    answers: &Bound<'py, PyAny>,
    method: &str,
    confidence: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let method = nps_method(method)?;
    let answers = columns::numbers(answers, "answers")?;
    let answers = answer_slice(&answers);
    let s = without_gil(py, move || {
        fb::nps(&answers_f64(answers), method, confidence)
    })?;
    nps_dict(py, &s)
}

/// NPS from group counts (promoters, passives, detractors) with its interval.
///
/// Returns:
///     dict as for `nps`.
#[pyfunction]
#[pyo3(signature = (promoters, passives, detractors, method="wald", confidence=0.95))]
fn nps_from_counts<'py>(
    py: Python<'py>,
    promoters: i64,
    passives: i64,
    detractors: i64,
    method: &str,
    confidence: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let counts = NpsCounts {
        promoters: whole("promoters", promoters)?,
        passives: whole("passives", passives)?,
        detractors: whole("detractors", detractors)?,
    };
    let s = counts.summary(nps_method(method)?, confidence).py()?;
    nps_dict(py, &s)
}

/// Compares the NPS of two independent samples given as (promoters, passives, detractors).
///
/// Returns:
///     dict with nps_a, nps_b, difference, standard_error, lower, upper, confidence, z, p_value.
#[pyfunction]
#[pyo3(signature = (counts_a, counts_b, confidence=0.95))]
fn compare_nps<'py>(
    py: Python<'py>,
    counts_a: (u64, u64, u64),
    counts_b: (u64, u64, u64),
    confidence: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let counts = |c: (u64, u64, u64)| NpsCounts {
        promoters: c.0,
        passives: c.1,
        detractors: c.2,
    };
    let c = fb::compare_nps(&counts(counts_a), &counts(counts_b), confidence).py()?;
    let d = PyDict::new(py);
    d.set_item("nps_a", c.nps_a)?;
    d.set_item("nps_b", c.nps_b)?;
    d.set_item("difference", c.difference)?;
    d.set_item("standard_error", c.standard_error)?;
    d.set_item("lower", c.interval.lower)?;
    d.set_item("upper", c.interval.upper)?;
    d.set_item("confidence", c.interval.confidence)?;
    d.set_item("z", c.z)?;
    d.set_item("p_value", c.p_value)?;
    Ok(d)
}

/// CSAT of 1–5 answers: top-two-box share, its interval and the mean.
///
/// Args:
///     answers: int64 / float64 numpy array or Arrow numeric column of whole numbers 1..=5.
///     method: 'wilson', 'wald' or 'agresti_coull'.
///     confidence: two-sided level in (0, 1).
///
/// Returns:
///     dict with top_two_box, lower, upper, confidence, mean, satisfied, respondents,
///     distribution (counts of 1..5), method.
#[pyfunction]
#[pyo3(signature = (answers, method="wilson", confidence=0.95))]
fn csat<'py>(
    py: Python<'py>,
    answers: &Bound<'py, PyAny>,
    method: &str,
    confidence: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let method = proportion_method(method)?;
    let answers = columns::numbers(answers, "answers")?;
    let answers = answer_slice(&answers);
    let s = without_gil(py, move || {
        fb::csat(&answers_f64(answers), method, confidence)
    })?;
    csat_dict(py, &s)
}

/// Confidence interval of a proportion successes / trials.
///
/// Returns:
///     (lower, upper)
#[pyfunction]
#[pyo3(signature = (successes, trials, method="wilson", confidence=0.95))]
fn proportion_interval(
    successes: i64,
    trials: i64,
    method: &str,
    confidence: f64,
) -> PyResult<(f64, f64)> {
    let (successes, trials) = (whole("successes", successes)?, whole("trials", trials)?);
    let ci =
        fb::proportion_interval(successes, trials, proportion_method(method)?, confidence).py()?;
    Ok((ci.lower, ci.upper))
}

/// Segment keys of a feedback table: integers or strings.
enum Keys {
    Int(Vec<i64>),
    Str(Vec<String>),
}

fn keys_into_py<'py>(py: Python<'py>, keys: Keys) -> PyResult<Bound<'py, PyAny>> {
    Ok(match keys {
        Keys::Int(v) => v.into_pyarray(py).into_any(),
        Keys::Str(v) => PyList::new(py, v)?.into_any(),
    })
}

/// Runs a per-segment computation on int or string keys; returns the keys and the scores.
fn by_segment<'py, S: Send>(
    py: Python<'py>,
    segments: &Bound<'py, PyAny>,
    answers: &Bound<'py, PyAny>,
    run_int: impl Send + FnOnce(&[i64], &[f64]) -> Result<Vec<fb::SegmentScore<i64, S>>>,
    run_str: impl Send + for<'k> FnOnce(&[&'k str], &[f64]) -> Result<Vec<fb::SegmentScore<&'k str, S>>>,
) -> PyResult<(Keys, Vec<S>)> {
    let ids = columns::ids(segments, "segments")?;
    let answers = columns::numbers(answers, "answers")?;
    let answers = answer_slice(&answers);
    match &ids {
        Ids::Int(values) => {
            let keys = values.as_slice();
            without_gil(py, move || {
                let rows = run_int(keys, &answers_f64(answers))?;
                let (k, s): (Vec<i64>, Vec<S>) =
                    rows.into_iter().map(|r| (r.segment, r.score)).unzip();
                Ok((Keys::Int(k), s))
            })
        }
        Ids::Str(array) => without_gil(py, move || {
            let keys = strs(array);
            let rows = run_str(&keys, &answers_f64(answers))?;
            let (k, s): (Vec<String>, Vec<S>) = rows
                .into_iter()
                .map(|r| (r.segment.to_owned(), r.score))
                .unzip();
            Ok((Keys::Str(k), s))
        }),
        Ids::UInt(_) | Ids::Wide(_) => Err(Ids::unsupported("segments")),
    }
}

/// NPS per segment.
///
/// Args:
///     segments: int64 numpy array or Arrow column of integer / string segment keys.
///     answers: 0–10 answers, one per row.
///     method, confidence: as for `nps`.
///
/// Returns:
///     dict with `segment` (keys in ascending order) and one numpy array per field of `nps`.
#[pyfunction]
#[pyo3(signature = (segments, answers, method="wald", confidence=0.95))]
fn nps_by_segment<'py>(
    py: Python<'py>,
    segments: &Bound<'py, PyAny>,
    answers: &Bound<'py, PyAny>,
    method: &str,
    confidence: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let method = nps_method(method)?;
    let (keys, scores) = by_segment(
        py,
        segments,
        answers,
        move |k, a| fb::nps_by_segment(k, a, method, confidence),
        move |k, a| fb::nps_by_segment(k, a, method, confidence),
    )?;
    let d = PyDict::new(py);
    d.set_item("segment", keys_into_py(py, keys)?)?;
    let col = |f: fn(&NpsSummary) -> f64| scores.iter().map(f).collect::<Vec<f64>>();
    let count = |f: fn(&NpsSummary) -> u64| scores.iter().map(f).collect::<Vec<u64>>();
    d.set_item("respondents", count(|s| s.respondents).into_pyarray(py))?;
    d.set_item("promoters", count(|s| s.counts.promoters).into_pyarray(py))?;
    d.set_item("passives", count(|s| s.counts.passives).into_pyarray(py))?;
    d.set_item(
        "detractors",
        count(|s| s.counts.detractors).into_pyarray(py),
    )?;
    d.set_item("nps", col(|s| s.nps).into_pyarray(py))?;
    d.set_item("center", col(|s| s.center).into_pyarray(py))?;
    d.set_item("lower", col(|s| s.interval.lower).into_pyarray(py))?;
    d.set_item("upper", col(|s| s.interval.upper).into_pyarray(py))?;
    d.set_item("standard_error", col(|s| s.standard_error).into_pyarray(py))?;
    Ok(d)
}

/// CSAT per segment.
///
/// Args:
///     segments: as for `nps_by_segment`.
///     answers: 1–5 answers, one per row.
///     method, confidence: as for `csat`.
///
/// Returns:
///     dict with `segment` (ascending) and numpy arrays respondents, satisfied, top_two_box,
///     lower, upper, mean.
#[pyfunction]
#[pyo3(signature = (segments, answers, method="wilson", confidence=0.95))]
fn csat_by_segment<'py>(
    py: Python<'py>,
    segments: &Bound<'py, PyAny>,
    answers: &Bound<'py, PyAny>,
    method: &str,
    confidence: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let method = proportion_method(method)?;
    let (keys, scores) = by_segment(
        py,
        segments,
        answers,
        move |k, a| fb::csat_by_segment(k, a, method, confidence),
        move |k, a| fb::csat_by_segment(k, a, method, confidence),
    )?;
    let d = PyDict::new(py);
    d.set_item("segment", keys_into_py(py, keys)?)?;
    let col = |f: fn(&fb::CsatSummary) -> f64| scores.iter().map(f).collect::<Vec<f64>>();
    let count = |f: fn(&fb::CsatSummary) -> u64| scores.iter().map(f).collect::<Vec<u64>>();
    d.set_item("respondents", count(|s| s.respondents).into_pyarray(py))?;
    d.set_item("satisfied", count(|s| s.satisfied).into_pyarray(py))?;
    d.set_item("top_two_box", col(|s| s.top_two_box).into_pyarray(py))?;
    d.set_item("lower", col(|s| s.interval.lower).into_pyarray(py))?;
    d.set_item("upper", col(|s| s.interval.upper).into_pyarray(py))?;
    d.set_item("mean", col(|s| s.mean).into_pyarray(py))?;
    Ok(d)
}

/// Repurchase rate and mean CLV per NPS group (detractor, passive, promoter).
///
/// Args:
///     answers: 0–10 answers.
///     repurchased: numpy bool array, one flag per answer.
///     clv: float64 array, one value per answer.
///
/// Returns:
///     dict of lists `group`, `respondents`, `repurchase_rate` and `mean_clv` (None for an
///     empty group).
#[pyfunction]
fn nps_group_outcomes<'py>(
    py: Python<'py>,
    answers: &Bound<'py, PyAny>,
    repurchased: PyReadonlyArray1<'py, bool>,
    clv: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let answers = columns::numbers(answers, "answers")?;
    let answers = answer_slice(&answers);
    let bought = repurchased.as_array().to_vec();
    let clv = columns::floats(clv, "clv")?;
    let clv = clv.as_slice();
    let rows = without_gil(py, move || {
        fb::nps_group_outcomes(&answers_f64(answers), &bought, clv)
    })?;
    let d = PyDict::new(py);
    d.set_item(
        "group",
        rows.iter().map(|r| r.group.as_str()).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "respondents",
        rows.iter().map(|r| r.respondents).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "repurchase_rate",
        rows.iter().map(|r| r.repurchase_rate).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "mean_clv",
        rows.iter().map(|r| r.mean_clv).collect::<Vec<_>>(),
    )?;
    Ok(d)
}

// ---------------------------------------------------------------------------------------------
// Playbook
// ---------------------------------------------------------------------------------------------

/// Recommended actions and contact channels per RFM tier, segment, value quadrant and churn
/// alert level.
///
/// `Playbook()` is the default playbook; `Playbook.from_json(text)` reads an edited one
/// (unknown sections, keys and fields are errors naming the entry, e.g.
/// `playbook.segments.champions`). Pickles via its JSON form.
#[pyclass(name = "Playbook", module = "crmkit._crmkit", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyPlaybook {
    inner: Playbook,
}

/// One categorical input column of `Playbook.apply_codes`: codes (-1 = missing) and names.
type CodedColumn<'py> = Option<(PyReadonlyArray1<'py, i64>, Vec<String>)>;

fn parse_names<T>(
    field: &str,
    codes: &[i64],
    names: &[String],
    parse: impl Fn(&str) -> Result<T>,
) -> Result<Vec<T>> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            parse(name).map_err(|e| {
                let row = codes.iter().position(|&c| c == i as i64).unwrap_or(0);
                let reason = match e {
                    CrmkitError::InvalidConfig { reason, .. } => reason,
                    other => other.to_string(),
                };
                CrmkitError::invalid_value(field, row, format!("{name:?}"), reason)
            })
        })
        .collect()
}

fn check_codes(field: &str, codes: &[i64], names: usize) -> Result<()> {
    if let Some(row) = codes.iter().position(|&c| c < -1 || c >= names as i64) {
        return Err(CrmkitError::invalid_value(
            field,
            row,
            codes[row],
            "category code out of range",
        ));
    }
    Ok(())
}

fn quadrant_from_str(s: &str) -> Result<ValueQuadrant> {
    ValueQuadrant::ALL
        .into_iter()
        .find(|q| q.as_str() == s)
        .ok_or_else(|| {
            CrmkitError::invalid_config(
                "quadrant",
                s,
                "expected \"deepen\", \"maintain\", \"develop\" or \"automate\"",
            )
        })
}

#[pymethods]
impl PyPlaybook {
    /// The default playbook.
    #[new]
    fn new() -> Self {
        Self {
            inner: Playbook::default(),
        }
    }

    /// Reads and checks a playbook from JSON.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        Ok(Self {
            inner: Playbook::from_json(text).py()?,
        })
    }

    /// The playbook as pretty-printed JSON.
    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().py()
    }

    /// The order in which sections contribute actions.
    #[getter]
    fn priority(&self) -> Vec<String> {
        let json = serde_json::to_value(&self.inner.priority).unwrap_or_default();
        json.as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Recommendations for one customer.
    ///
    /// Args:
    ///     tier: 'high value', 'potential', 'churn risk', 'low value' or None.
    ///     segment: an RFM segment name or None.
    ///     quadrant: 'deepen', 'maintain', 'develop', 'automate' or None.
    ///     alert: 'red', 'yellow', 'green' or None.
    ///
    /// Returns:
    ///     dict with lists `actions`, `channels` and `matched` (the entries that fired).
    #[pyo3(signature = (*, tier=None, segment=None, quadrant=None, alert=None))]
    fn recommend<'py>(
        &self,
        py: Python<'py>,
        tier: Option<&str>,
        segment: Option<String>,
        quadrant: Option<&str>,
        alert: Option<&str>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let ctx = CustomerContext {
            tier: tier.map(str::parse::<RfmTier>).transpose().py()?,
            segment,
            quadrant: quadrant.map(quadrant_from_str).transpose().py()?,
            alert: alert.map(str::parse::<AlertLevel>).transpose().py()?,
        };
        let rec = self.inner.recommend(&ctx);
        let d = PyDict::new(py);
        d.set_item("actions", rec.actions)?;
        d.set_item("channels", rec.channels)?;
        d.set_item("matched", rec.matched)?;
        Ok(d)
    }

    /// Recommendations for many customers from categorical columns.
    ///
    /// Each argument is None or (codes, names): int64 codes per customer (-1 = unknown)
    /// into the list of names. Customers with the same inputs share one recommendation.
    ///
    /// Returns:
    ///     (int64 array of recommendation indices per customer, list of
    ///     (actions, channels, matched) per distinct recommendation)
    #[pyo3(signature = (tiers=None, segments=None, quadrants=None, alerts=None))]
    #[allow(clippy::type_complexity)]
    fn apply_codes<'py>(
        &self,
        py: Python<'py>,
        tiers: CodedColumn<'py>,
        segments: CodedColumn<'py>,
        quadrants: CodedColumn<'py>,
        alerts: CodedColumn<'py>,
    ) -> PyResult<(
        Bound<'py, numpy::PyArray1<i64>>,
        Vec<(Vec<String>, Vec<String>, Vec<String>)>,
    )> {
        let view = |c: &'_ CodedColumn<'py>| -> PyResult<Option<(Vec<i64>, Vec<String>)>> {
            Ok(c.as_ref()
                .map(|(codes, names)| (codes.as_array().to_vec(), names.clone())))
        };
        let (t, s, q, a) = (
            view(&tiers)?,
            view(&segments)?,
            view(&quadrants)?,
            view(&alerts)?,
        );
        let pb = &self.inner;
        let (index, recs) = without_gil(py, move || {
            let cols = [
                ("tier", t.as_ref()),
                ("segment", s.as_ref()),
                ("quadrant", q.as_ref()),
                ("alert", a.as_ref()),
            ];
            let Some(n) = cols.iter().find_map(|(_, c)| c.map(|c| c.0.len())) else {
                return Err(CrmkitError::empty("playbook inputs"));
            };
            for (field, c) in cols {
                if let Some((codes, names)) = c {
                    CrmkitError::check_len(field, n, codes.len())?;
                    check_codes(field, codes, names.len())?;
                }
            }
            let tier_of = t
                .as_ref()
                .map(|(c, names)| parse_names("tier", c, names, |x| x.parse::<RfmTier>()))
                .transpose()?;
            let quadrant_of = q
                .as_ref()
                .map(|(c, names)| parse_names("quadrant", c, names, quadrant_from_str))
                .transpose()?;
            let alert_of = a
                .as_ref()
                .map(|(c, names)| parse_names("alert", c, names, |x| x.parse::<AlertLevel>()))
                .transpose()?;
            let code = |c: Option<&(Vec<i64>, Vec<String>)>, i: usize| -> i64 {
                c.map_or(-1, |(codes, _)| codes[i])
            };
            let mut seen: HashMap<[i64; 4], i64> = HashMap::new();
            let mut recs = Vec::new();
            let mut index = Vec::with_capacity(n);
            for i in 0..n {
                let key = [
                    code(t.as_ref(), i),
                    code(s.as_ref(), i),
                    code(q.as_ref(), i),
                    code(a.as_ref(), i),
                ];
                let next = recs.len() as i64;
                let slot = *seen.entry(key).or_insert(next);
                if slot == next {
                    let pick = |k: i64| usize::try_from(k).ok();
                    let ctx = CustomerContext {
                        tier: tier_of.as_ref().and_then(|v| pick(key[0]).map(|k| v[k])),
                        segment: s
                            .as_ref()
                            .and_then(|(_, names)| pick(key[1]).map(|k| names[k].clone())),
                        quadrant: quadrant_of
                            .as_ref()
                            .and_then(|v| pick(key[2]).map(|k| v[k])),
                        alert: alert_of.as_ref().and_then(|v| pick(key[3]).map(|k| v[k])),
                    };
                    let rec = pb.recommend(&ctx);
                    recs.push((rec.actions, rec.channels, rec.matched));
                }
                index.push(slot);
            }
            Ok((index, recs))
        })?;
        Ok((index.into_pyarray(py), recs))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let from_json = slf.get_type().getattr("from_json")?;
        Ok((from_json, (slf.get().to_json()?,)))
    }

    fn __repr__(&self) -> String {
        format!(
            "Playbook(tiers={}, segments={}, quadrants={}, alerts={}, priority={:?})",
            self.inner.tiers.len(),
            self.inner.segments.len(),
            self.inner.quadrants.len(),
            self.inner.alerts.len(),
            self.priority()
        )
    }
}

/// Registers the value, quadrant, needs, feedback and playbook functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(simple_clv, m)?)?;
    m.add_function(wrap_pyfunction!(retention_clv, m)?)?;
    m.add_function(wrap_pyfunction!(value_scores, m)?)?;
    m.add_function(wrap_pyfunction!(core_list_size, m)?)?;
    m.add_function(wrap_pyfunction!(value_potential_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(prioritise_needs, m)?)?;
    m.add_function(wrap_pyfunction!(prioritise_needs_by_flags, m)?)?;
    m.add_function(wrap_pyfunction!(need_work_list, m)?)?;
    m.add_function(wrap_pyfunction!(aggregate_needs, m)?)?;
    m.add_function(wrap_pyfunction!(owner_workload, m)?)?;
    m.add_function(wrap_pyfunction!(nps, m)?)?;
    m.add_function(wrap_pyfunction!(nps_from_counts, m)?)?;
    m.add_function(wrap_pyfunction!(compare_nps, m)?)?;
    m.add_function(wrap_pyfunction!(csat, m)?)?;
    m.add_function(wrap_pyfunction!(proportion_interval, m)?)?;
    m.add_function(wrap_pyfunction!(nps_by_segment, m)?)?;
    m.add_function(wrap_pyfunction!(csat_by_segment, m)?)?;
    m.add_function(wrap_pyfunction!(nps_group_outcomes, m)?)?;
    m.add_class::<PyPlaybook>()?;
    Ok(())
}
