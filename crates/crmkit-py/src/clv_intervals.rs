//! Per-customer intervals of the CLV predictions (array level; see `crmkit.clv`).

use crmkit::CrmkitError;
use crmkit::clv::{
    FittedBgNbd, FittedGammaGamma, FittedMbgNbd, FittedParetoNbd, IntervalMethod, IntervalOptions,
    MonthlyDiscounting, PredictionIntervals,
};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use crate::clv::{PyBgNbd, PyGammaGamma, PyMbgNbd, PyParetoNbd, Rows, Summaries, run};
use crate::columns::floats;
use crate::errors::{to_py, whole};

type Arrays<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

fn arrays(py: Python<'_>, iv: PredictionIntervals) -> Arrays<'_> {
    (
        iv.estimate.into_pyarray(py),
        iv.lower.into_pyarray(py),
        iv.upper.into_pyarray(py),
    )
}

fn interval_options(level: f64, method: &str, draws: i64, seed: i64) -> PyResult<IntervalOptions> {
    let method = match method {
        "delta" => IntervalMethod::DeltaMethod,
        "bootstrap" => IntervalMethod::Bootstrap {
            draws: whole("draws", draws)?,
            seed: u64::from_ne_bytes(seed.to_ne_bytes()),
        },
        other => {
            return Err(to_py(CrmkitError::invalid_config(
                "method",
                other,
                "expected 'delta' or 'bootstrap'",
            )));
        }
    };
    let opts = IntervalOptions { level, method };
    opts.validate().map_err(to_py)?;
    Ok(opts)
}

fn not_fitted(field: &str) -> PyErr {
    to_py(CrmkitError::invalid_config(
        field,
        "model built from parameters",
        "intervals need a fitted model (its parameter covariance); call fit",
    ))
}

/// A fitted transaction model, by value.
enum Fitted {
    Bg(FittedBgNbd),
    Pareto(FittedParetoNbd),
    Mbg(FittedMbgNbd),
}

impl Fitted {
    fn extract(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Self> {
        if let Ok(m) = obj.cast::<PyBgNbd>() {
            return m
                .get()
                .fitted_model()
                .map(|f| Self::Bg(f.clone()))
                .ok_or_else(|| not_fitted(field));
        }
        if let Ok(m) = obj.cast::<PyParetoNbd>() {
            return m
                .get()
                .fitted_model()
                .map(|f| Self::Pareto(f.clone()))
                .ok_or_else(|| not_fitted(field));
        }
        if let Ok(m) = obj.cast::<PyMbgNbd>() {
            return m
                .get()
                .fitted_model()
                .map(|f| Self::Mbg(f.clone()))
                .ok_or_else(|| not_fitted(field));
        }
        Err(to_py(CrmkitError::invalid_config(
            field,
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default(),
            "expected a fitted BgNbdModel, ParetoNbdModel or MbgNbdModel",
        )))
    }
}

/// `$body` with `$f` bound to the fitted model of a [`Fitted`], whatever its type (the body is
/// compiled once per model type: the interval functions are generic over the model).
macro_rules! with_fitted {
    ($fitted:expr, |$f:ident| $body:expr) => {
        match $fitted {
            Fitted::Bg($f) => $body,
            Fitted::Pareto($f) => $body,
            Fitted::Mbg($f) => $body,
        }
    };
}

fn fitted_spend(obj: &Bound<'_, PyAny>) -> PyResult<FittedGammaGamma> {
    let m = obj.cast::<PyGammaGamma>().map_err(|_| {
        to_py(CrmkitError::invalid_config(
            "spend_model",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default(),
            "expected a fitted GammaGammaModel",
        ))
    })?;
    m.get()
        .fitted_model()
        .cloned()
        .ok_or_else(|| not_fitted("spend_model"))
}

/// Intervals for P(alive at T) of each customer from the sampling distribution of the fitted
/// parameters.
///
/// Args:
///     model: a fitted BgNbdModel, ParetoNbdModel or MbgNbdModel.
///     x, t_x, T: customer summaries (float64 arrays), or one CompressedSummary as x (then
///         t_x and T are None; each distinct row is evaluated once).
///     level: coverage of each interval, in (0, 1).
///     method: 'delta' (delta method on the logit scale) or 'bootstrap' (parametric, percentile).
///     draws, seed: number of parameter draws and their seed ('bootstrap' only).
///
/// Returns:
///     (estimate, lower, upper), numpy arrays of float64.
#[pyfunction]
#[pyo3(signature = (model, x, t_x=None, T=None, *, level=0.9, method="delta", draws=1000, seed=0))]
#[allow(non_snake_case, clippy::too_many_arguments)]
fn probability_alive_intervals<'py>(
    py: Python<'py>,
    model: &Bound<'py, PyAny>,
    x: &Bound<'py, PyAny>,
    t_x: Option<&Bound<'py, PyAny>>,
    T: Option<&Bound<'py, PyAny>>,
    level: f64,
    method: &str,
    draws: i64,
    seed: i64,
) -> PyResult<Arrays<'py>> {
    let opts = interval_options(level, method, draws, seed)?;
    let fitted = Fitted::extract(model, "model")?;
    let customers = Summaries::extract(x, t_x, T)?;
    let rows = customers.rows();
    let iv = run(py, move || {
        with_fitted!(&fitted, |f| rows.intervals(|x, t_x, t| {
            crmkit::clv::probability_alive_intervals(f, x, t_x, t, &opts)
        }))
    })?;
    Ok(arrays(py, iv))
}

/// Intervals for the conditional expected purchases of each customer in (T, T + t].
///
/// Args:
///     model: a fitted BgNbdModel, ParetoNbdModel or MbgNbdModel.
///     t: the horizon, in the time unit of the data.
///     x, t_x, T: customer summaries (float64 arrays), or one CompressedSummary as x (then
///         t_x and T are None).
///     level, method, draws, seed: as for probability_alive_intervals ('delta' works on the
///         log scale).
///
/// Returns:
///     (estimate, lower, upper), numpy arrays of float64.
#[pyfunction]
#[pyo3(signature = (model, t, x, t_x=None, T=None, *, level=0.9, method="delta", draws=1000, seed=0))]
#[allow(non_snake_case, clippy::too_many_arguments)]
fn expected_purchases_intervals<'py>(
    py: Python<'py>,
    model: &Bound<'py, PyAny>,
    t: f64,
    x: &Bound<'py, PyAny>,
    t_x: Option<&Bound<'py, PyAny>>,
    T: Option<&Bound<'py, PyAny>>,
    level: f64,
    method: &str,
    draws: i64,
    seed: i64,
) -> PyResult<Arrays<'py>> {
    let opts = interval_options(level, method, draws, seed)?;
    let fitted = Fitted::extract(model, "model")?;
    let customers = Summaries::extract(x, t_x, T)?;
    let rows = customers.rows();
    let iv = run(py, move || {
        with_fitted!(&fitted, |f| rows.intervals(|x, t_x, tt| {
            crmkit::clv::expected_purchases_intervals(f, t, x, t_x, tt, &opts)
        }))
    })?;
    Ok(arrays(py, iv))
}

/// Intervals for the Gamma–Gamma expected spend per purchase of each customer.
///
/// Args:
///     spend_model: a fitted GammaGammaModel.
///     x, mean_spend: repeat purchases and their mean value (float64 arrays).
///     level, method, draws, seed: as for probability_alive_intervals.
///
/// Returns:
///     (estimate, lower, upper), numpy arrays of float64.
#[pyfunction]
#[pyo3(signature = (spend_model, x, mean_spend, *, level=0.9, method="delta", draws=1000, seed=0))]
#[allow(clippy::too_many_arguments)]
fn expected_spend_intervals<'py>(
    py: Python<'py>,
    spend_model: &Bound<'py, PyAny>,
    x: &Bound<'py, PyAny>,
    mean_spend: &Bound<'py, PyAny>,
    level: f64,
    method: &str,
    draws: i64,
    seed: i64,
) -> PyResult<Arrays<'py>> {
    let opts = interval_options(level, method, draws, seed)?;
    let spend = fitted_spend(spend_model)?;
    let (x, m) = (floats(x, "x")?, floats(mean_spend, "mean_spend")?);
    let (x, m) = (x.as_slice(), m.as_slice());
    let iv = run(py, move || {
        crmkit::clv::expected_spend_intervals(&spend, x, m, &opts)
    })?;
    Ok(arrays(py, iv))
}

/// Intervals for the CLV of each customer with discrete monthly discounting, from the sampling
/// distributions of the transaction model and the Gamma–Gamma spend model (taken as independent).
///
/// Args:
///     transaction_model: a fitted BgNbdModel, ParetoNbdModel or MbgNbdModel.
///     spend_model: a fitted GammaGammaModel.
///     x, t_x, T, mean_spend: customer summaries and mean repeat spend (float64 arrays); x may
///         be one CompressedSummary instead (then t_x and T are None and mean_spend has one
///         value per input row of the summary).
///     months, monthly_discount_rate, time_units_per_month: as for clv_monthly_steps.
///     level, method, draws, seed: as for probability_alive_intervals.
///
/// Returns:
///     (estimate, lower, upper), numpy arrays of float64.
#[pyfunction]
#[pyo3(signature = (transaction_model, spend_model, x, t_x, T, mean_spend, *, months, monthly_discount_rate, time_units_per_month, level=0.9, method="delta", draws=1000, seed=0))]
#[allow(non_snake_case, clippy::too_many_arguments)]
fn clv_intervals<'py>(
    py: Python<'py>,
    transaction_model: &Bound<'py, PyAny>,
    spend_model: &Bound<'py, PyAny>,
    x: &Bound<'py, PyAny>,
    t_x: Option<&Bound<'py, PyAny>>,
    T: Option<&Bound<'py, PyAny>>,
    mean_spend: &Bound<'py, PyAny>,
    months: i64,
    monthly_discount_rate: f64,
    time_units_per_month: f64,
    level: f64,
    method: &str,
    draws: i64,
    seed: i64,
) -> PyResult<Arrays<'py>> {
    let opts = interval_options(level, method, draws, seed)?;
    let discounting = MonthlyDiscounting {
        months: whole("months", months)?,
        monthly_discount_rate,
        time_units_per_month,
    };
    let fitted = Fitted::extract(transaction_model, "transaction_model")?;
    let spend = fitted_spend(spend_model)?;
    let customers = Summaries::extract(x, t_x, T)?;
    let m = floats(mean_spend, "mean_spend")?;
    // the CLV depends on each customer's mean spend as well: a compressed summary is spread
    // back to its rows (clv_intervals merges equal (x, t_x, T, mean spend) rows itself)
    let expanded;
    let [x, t_x, tt] = match customers.rows() {
        Rows::Compressed(c) => {
            expanded = c.expanded();
            [
                expanded.0.as_slice(),
                expanded.1.as_slice(),
                expanded.2.as_slice(),
            ]
        }
        Rows::Arrays(x, t_x, t) => [x, t_x, t],
    };
    let m = m.as_slice();
    let iv = run(py, move || {
        with_fitted!(&fitted, |f| crmkit::clv::clv_intervals(
            f,
            &spend,
            x,
            t_x,
            tt,
            m,
            &discounting,
            &opts,
        ))
    })?;
    Ok(arrays(py, iv))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(probability_alive_intervals, m)?)?;
    m.add_function(wrap_pyfunction!(expected_purchases_intervals, m)?)?;
    m.add_function(wrap_pyfunction!(expected_spend_intervals, m)?)?;
    m.add_function(wrap_pyfunction!(clv_intervals, m)?)?;
    Ok(())
}
