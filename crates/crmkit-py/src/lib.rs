//! Python bindings for crmkit: convert, release the GIL, map errors — nothing else.
//!
//! The user-facing API (frames in, frames out, docstrings with examples) lives in the pure
//! Python package `python/crmkit`; this extension module `crmkit._crmkit` offers the typed,
//! array-level building blocks it calls.

mod churn;
mod clv;
mod clv_intervals;
mod columns;
mod customers;
mod display;
mod errors;
mod feedback;
mod json;
mod lifecycle;
mod needs;
mod playbook;
mod quality;
mod rfm;
mod value;

use crmkit::CrmkitError;
use crmkit::clv::summary::{SummaryOptions, TimeUnit, btyd_summary as core_btyd_summary};
use crmkit::data::transactions::{
    AfterAsOf, LogOptions, LogReport, NegativeAmounts, TransactionLog,
};
use crmkit::names::parse_keyword;
use crmkit::rfm::features::FeatureOptions;
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::columns::TimeColumn;
use crate::errors::IntoPyResult;

/// Runs pure-Rust work with the GIL released, then checks for Ctrl-C. Every computation that
/// may take long leaves Python through here.
pub(crate) fn without_gil<T: Send>(
    py: Python<'_>,
    work: impl Send + FnOnce() -> crmkit::Result<T>,
) -> PyResult<T> {
    let result = py.detach(work);
    py.check_signals()?;
    result.py()
}

/// The `after_as_of` and `negative_amounts` keywords, read through the core's names.
pub(crate) fn log_options(after_as_of: &str, negative_amounts: &str) -> PyResult<LogOptions> {
    Ok(LogOptions {
        after_as_of: parse_keyword::<AfterAsOf>("after_as_of", after_as_of).py()?,
        negative_amounts: parse_keyword::<NegativeAmounts>("negative_amounts", negative_amounts)
            .py()?,
    })
}

/// Encodes ids and borrows the time and amount columns; returns what `work` computes on them.
fn with_log<T: Send>(
    py: Python<'_>,
    customer_id: &Bound<'_, PyAny>,
    timestamp: &Bound<'_, PyAny>,
    amount: &Bound<'_, PyAny>,
    ticks_per_day: Option<i64>,
    work: impl Send + FnOnce(&TransactionLog<'_>) -> crmkit::Result<T>,
) -> PyResult<T> {
    let index = columns::encode_ids(py, customer_id, "customer_id")?;
    let times: TimeColumn<'_> = columns::times(timestamp, "timestamp", ticks_per_day)?;
    let amounts = columns::floats(amount, "amount")?;
    let (times, amounts) = (times.times(), amounts.as_slice());
    without_gil(py, move || {
        work(&TransactionLog::new(&index, times, amounts)?)
    })
}

fn report_dict<'py>(py: Python<'py>, report: &LogReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("rows", report.rows)?;
    d.set_item("rows_after_as_of", report.rows_after_as_of)?;
    d.set_item("refunds", report.refunds)?;
    d.set_item("customers_after_as_of", report.customers_after_as_of)?;
    d.set_item("refund_only_customers", report.refund_only_customers)?;
    d.set_item("holdout_only_customers", report.holdout_only_customers)?;
    d.set_item("message", report.describe())?;
    Ok(d)
}

/// Marketing RFM features per customer (array level; see `crmkit.rfm_features`).
///
/// Args:
///     customer_id: int64 numpy array or Arrow column of integer / string ids.
///     timestamp: int64 numpy ticks (with `ticks_per_day`) or an Arrow date / timestamp column.
///     amount: float64 numpy array or Arrow numeric column.
///     as_of: observation date as days since 1970-01-01 (inclusive).
///     ticks_per_day: ticks per day of a numpy `timestamp` (86_400 for seconds).
///     window_days: length of the frequency / monetary window ending at `as_of`.
///     after_as_of: 'error' or 'exclude'.
///     negative_amounts: 'error' or 'net' (refunds).
///     string_ids: also return `customer_id`, the output's ids as an Arrow array (an object
///         with `__arrow_c_array__`, in the input's string type) when the ids are an Arrow
///         string column.
///
/// Returns:
///     dict of numpy arrays (`customer_row`, `first_purchase`, `last_purchase` as days,
///     `days_since_last`, `frequency`, `monetary`, `avg_order_value`), `report` (a dict) and,
///     with `string_ids`, `customer_id`.
#[pyfunction]
#[pyo3(signature = (customer_id, timestamp, amount, as_of, *, ticks_per_day=None, window_days=errors::IntArg::Fits(365), after_as_of="error", negative_amounts="error", string_ids=false), text_signature = "(customer_id, timestamp, amount, as_of, *, ticks_per_day=None, window_days=365, after_as_of='error', negative_amounts='error', string_ids=False)")]
#[allow(clippy::too_many_arguments)]
fn rfm_features<'py>(
    py: Python<'py>,
    customer_id: &Bound<'py, PyAny>,
    timestamp: &Bound<'py, PyAny>,
    amount: &Bound<'py, PyAny>,
    as_of: i32,
    ticks_per_day: Option<i64>,
    window_days: errors::IntArg,
    after_as_of: &str,
    negative_amounts: &str,
    string_ids: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let options = FeatureOptions {
        window_days: errors::whole("window_days", window_days)?,
        log: log_options(after_as_of, negative_amounts)?,
    };
    let (f, ids) = columns::rfm_features_of(
        py,
        customer_id,
        timestamp,
        amount,
        ticks_per_day,
        as_of,
        options,
        string_ids,
    )?;
    let d = PyDict::new(py);
    if let Some(ids) = ids {
        d.set_item("customer_id", pyo3_arrow::PyArray::from_array_ref(ids))?;
    }
    d.set_item("report", report_dict(py, &f.report)?)?;
    d.set_item("customer_row", f.first_row.into_pyarray(py))?;
    d.set_item("first_purchase", f.first_purchase.into_pyarray(py))?;
    d.set_item("last_purchase", f.last_purchase.into_pyarray(py))?;
    d.set_item("days_since_last", f.days_since_last.into_pyarray(py))?;
    d.set_item("frequency", f.frequency.into_pyarray(py))?;
    d.set_item("monetary", f.monetary.into_pyarray(py))?;
    d.set_item("avg_order_value", f.avg_order_value.into_pyarray(py))?;
    Ok(d)
}

/// Buy-till-you-die summary per customer (array level; see `crmkit.btyd_summary`).
///
/// Args:
///     customer_id, timestamp, amount, as_of, ticks_per_day, after_as_of, negative_amounts:
///         as for `rfm_features`.
///     unit: 'days' or 'weeks' for `t_x`, `T` and the holdout duration.
///     calibration_end: end of the calibration period as days since 1970-01-01, or None.
///
/// Returns:
///     dict of numpy arrays (`customer_row`, `first_purchase`, `x`, `t_x`, `T`, `m_x`, and
///     with a calibration end `x_holdout`, `spend_holdout`), `holdout_duration` and `report`.
#[pyfunction]
#[pyo3(signature = (customer_id, timestamp, amount, as_of, *, ticks_per_day=None, unit="days", calibration_end=None, after_as_of="error", negative_amounts="error"))]
#[allow(clippy::too_many_arguments)]
fn btyd_summary<'py>(
    py: Python<'py>,
    customer_id: &Bound<'py, PyAny>,
    timestamp: &Bound<'py, PyAny>,
    amount: &Bound<'py, PyAny>,
    as_of: i32,
    ticks_per_day: Option<i64>,
    unit: &str,
    calibration_end: Option<i32>,
    after_as_of: &str,
    negative_amounts: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let unit = match unit {
        "days" | "D" => TimeUnit::Days,
        "weeks" | "W" => TimeUnit::Weeks,
        other => {
            return Err(errors::to_py(CrmkitError::invalid_config(
                "unit",
                other,
                "expected 'days' or 'weeks'",
            )));
        }
    };
    let options = SummaryOptions {
        unit,
        calibration_end,
        log: log_options(after_as_of, negative_amounts)?,
    };
    let s = with_log(
        py,
        customer_id,
        timestamp,
        amount,
        ticks_per_day,
        move |log| core_btyd_summary(log, as_of, &options),
    )?;
    let d = PyDict::new(py);
    d.set_item("report", report_dict(py, &s.report)?)?;
    d.set_item("customer_row", s.first_row.into_pyarray(py))?;
    d.set_item("first_purchase", s.first_purchase.into_pyarray(py))?;
    d.set_item("x", s.x.into_pyarray(py))?;
    d.set_item("t_x", s.t_x.into_pyarray(py))?;
    d.set_item("T", s.t.into_pyarray(py))?;
    d.set_item("m_x", s.m_x.into_pyarray(py))?;
    if let (Some(x), Some(spend)) = (s.x_holdout, s.spend_holdout) {
        d.set_item("x_holdout", x.into_pyarray(py))?;
        d.set_item("spend_holdout", spend.into_pyarray(py))?;
    }
    d.set_item("holdout_duration", s.holdout_duration)?;
    Ok(d)
}

/// Sets the number of threads crmkit computes on (one pool shared by every call).
///
/// Args:
///     n: threads, from 1 to 1024. Results do not depend on it.
///
/// Raises:
///     ConfigError: for 0, more than 1024, or when the system refuses to start threads.
#[pyfunction]
fn set_num_threads(py: Python<'_>, n: errors::IntArg) -> PyResult<()> {
    let n: usize = errors::whole("num_threads", n)?;
    without_gil(py, move || crmkit::runtime::parallel::set_num_threads(n))
}

/// The number of threads crmkit computes on (the pool is started on first use with
/// `CRMKIT_NUM_THREADS` threads when that is set, else one per core).
#[pyfunction]
fn get_num_threads(py: Python<'_>) -> usize {
    py.detach(crmkit::runtime::parallel::num_threads)
}

/// The compiled part of the `crmkit` Python package.
#[pymodule]
fn _crmkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    m.add_function(wrap_pyfunction!(rfm_features, m)?)?;
    m.add_function(wrap_pyfunction!(btyd_summary, m)?)?;
    m.add_function(wrap_pyfunction!(set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(get_num_threads, m)?)?;
    rfm::register(m)?;
    churn::register(m)?;
    lifecycle::register(m)?;
    value::register(m)?;
    needs::register(m)?;
    feedback::register(m)?;
    playbook::register(m)?;
    clv::register(m)?;
    clv_intervals::register(m)?;
    quality::register(m)?;
    customers::register(m)?;
    Ok(())
}
