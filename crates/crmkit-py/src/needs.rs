//! Customer needs: the importance–urgency matrix, work lists, topic aggregation and owner
//! workload; array-level building blocks for `python/crmkit/needs.py`.

use crmkit::CrmkitError;
use crmkit::needs::{self, Need, NeedType};
use crmkit::value::quadrant::{self, NeedPriority, PriorityThresholds};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::columns;
use crate::errors::{IntoPyResult, config, to_py};
use crate::without_gil;
use crmkit::names::parse_cell;

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

fn text_column(cols: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<Vec<Option<String>>>> {
    match cols.get_item(key)? {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => Ok(Some(v.extract().map_err(|_| {
            config(key, "column", "expected a list of strings or None")
        })?)),
    }
}

/// Need records from a dict of equal-length lists (see `python/crmkit/needs.py`).
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
    let mut out = Vec::with_capacity(n);
    for row in 0..n {
        let id = customer_id[row]
            .clone()
            .ok_or_else(|| missing("customer_id", row))?;
        let t = topic[row].clone().ok_or_else(|| missing("topic", row))?;
        let ty = need_type[row]
            .as_deref()
            .ok_or_else(|| missing("type", row))?;
        let mut need = Need::new(id, t, parse_cell::<NeedType>("type", row, ty).py()?);
        if let Some(Some(s)) = source.as_ref().map(|c| c[row].as_deref()) {
            need.source = parse_cell("source", row, s).py()?;
        }
        if let Some(Some(s)) = status.as_ref().map(|c| c[row].as_deref()) {
            need.status = parse_cell("status", row, s).py()?;
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
    // The core names its parameters `customer_ids` / `groups`; the Python keywords are
    // `customer_id` / `group` (columns of `customers`), and errors name what the user typed.
    let rows = without_gil(py, move || {
        needs::aggregate_need_topics(&records, &customer_ids, &groups, common_threshold).map_err(
            |e| {
                e.rename_field("customer_ids", "customer_id")
                    .rename_field("groups", "group")
            },
        )
    })?;
    let d = PyDict::new(py);
    set_list(&d, "group", &rows, |r| r.group.as_str())?;
    set_list(&d, "topic", &rows, |r| r.topic.as_str())?;
    set_list(&d, "customers_raising", &rows, |r| r.customers_raising)?;
    set_list(&d, "group_customers", &rows, |r| r.group_customers)?;
    set_list(&d, "share", &rows, |r| r.share)?;
    set_list(&d, "scope", &rows, |r| <&str>::from(r.scope))?;
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
    set_list(&d, "owner", &rows, |r| r.owner.clone())?;
    set_list(&d, "needs", &rows, |r| r.needs)?;
    set_list(&d, "unmet", &rows, |r| r.unmet)?;
    set_list(&d, "partly_met", &rows, |r| r.partly_met)?;
    set_list(&d, "overdue", &rows, |r| r.overdue)?;
    let overdue: Vec<i64> = overdue.into_iter().map(|r| r as i64).collect();
    d.set_item("overdue_rows", overdue.into_pyarray(py))?;
    Ok(d)
}

/// Sets `d[key]` to the list of `f(row)` over `rows`: one field of per-row results as a
/// Python list.
pub(crate) fn set_list<'py, 'a, R, T: IntoPyObject<'py>>(
    d: &Bound<'py, PyDict>,
    key: &str,
    rows: &'a [R],
    f: impl Fn(&'a R) -> T,
) -> PyResult<()> {
    d.set_item(key, rows.iter().map(f).collect::<Vec<T>>())
}

/// Registers the needs functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(prioritise_needs, m)?)?;
    m.add_function(wrap_pyfunction!(prioritise_needs_by_flags, m)?)?;
    m.add_function(wrap_pyfunction!(need_work_list, m)?)?;
    m.add_function(wrap_pyfunction!(aggregate_needs, m)?)?;
    m.add_function(wrap_pyfunction!(owner_workload, m)?)?;
    Ok(())
}
