//! Per-customer intervals of the CLV predictions (array level; see `crmkit.clv`).

use crmkit::CrmkitError;
use crmkit::clv::{
    FittedBgNbd, FittedGammaGamma, FittedMbgNbd, FittedParetoNbd, IntervalMethod, IntervalOptions,
    MonthlyDiscounting, PredictionIntervals, SamplingDistribution, TransactionModel,
};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use crate::clv::{PyBgNbd, PyGammaGamma, PyMbgNbd, PyParetoNbd, run};
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

    /// Runs `f` on the fitted model, whatever its type.
    fn with<T>(&self, f: impl Visit<T>) -> T {
        match self {
            Self::Bg(m) => f.visit(m),
            Self::Pareto(m) => f.visit(m),
            Self::Mbg(m) => f.visit(m),
        }
    }
}

/// A computation generic over the fitted transaction model.
trait Visit<T> {
    fn visit<F>(self, fitted: &F) -> T
    where
        F: SamplingDistribution + Sync,
        F::Params: TransactionModel;
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
///     x, t_x, T: customer summaries (float64 arrays).
///     level: coverage of each interval, in (0, 1).
///     method: 'delta' (delta method on the logit scale) or 'bootstrap' (parametric, percentile).
///     draws, seed: number of parameter draws and their seed ('bootstrap' only).
///
/// Returns:
///     (estimate, lower, upper), numpy arrays of float64.
#[pyfunction]
#[pyo3(signature = (model, x, t_x, T, *, level=0.9, method="delta", draws=1000, seed=0))]
#[allow(non_snake_case, clippy::too_many_arguments)]
fn probability_alive_intervals<'py>(
    py: Python<'py>,
    model: &Bound<'py, PyAny>,
    x: &Bound<'py, PyAny>,
    t_x: &Bound<'py, PyAny>,
    T: &Bound<'py, PyAny>,
    level: f64,
    method: &str,
    draws: i64,
    seed: i64,
) -> PyResult<Arrays<'py>> {
    let opts = interval_options(level, method, draws, seed)?;
    let fitted = Fitted::extract(model, "model")?;
    let (x, t_x, tt) = (floats(x, "x")?, floats(t_x, "t_x")?, floats(T, "T")?);
    let (x, t_x, tt) = (x.as_slice(), t_x.as_slice(), tt.as_slice());
    struct Alive<'a>(&'a [f64], &'a [f64], &'a [f64], IntervalOptions);
    impl Visit<crmkit::Result<PredictionIntervals>> for Alive<'_> {
        fn visit<F>(self, fitted: &F) -> crmkit::Result<PredictionIntervals>
        where
            F: SamplingDistribution + Sync,
            F::Params: TransactionModel,
        {
            crmkit::clv::probability_alive_intervals(fitted, self.0, self.1, self.2, &self.3)
        }
    }
    let iv = run(py, move || fitted.with(Alive(x, t_x, tt, opts)))?;
    Ok(arrays(py, iv))
}

/// Intervals for the conditional expected purchases of each customer in (T, T + t].
///
/// Args:
///     model: a fitted BgNbdModel, ParetoNbdModel or MbgNbdModel.
///     t: the horizon, in the time unit of the data.
///     x, t_x, T: customer summaries (float64 arrays).
///     level, method, draws, seed: as for probability_alive_intervals ('delta' works on the
///         log scale).
///
/// Returns:
///     (estimate, lower, upper), numpy arrays of float64.
#[pyfunction]
#[pyo3(signature = (model, t, x, t_x, T, *, level=0.9, method="delta", draws=1000, seed=0))]
#[allow(non_snake_case, clippy::too_many_arguments)]
fn expected_purchases_intervals<'py>(
    py: Python<'py>,
    model: &Bound<'py, PyAny>,
    t: f64,
    x: &Bound<'py, PyAny>,
    t_x: &Bound<'py, PyAny>,
    T: &Bound<'py, PyAny>,
    level: f64,
    method: &str,
    draws: i64,
    seed: i64,
) -> PyResult<Arrays<'py>> {
    let opts = interval_options(level, method, draws, seed)?;
    let fitted = Fitted::extract(model, "model")?;
    let (x, t_x, tt) = (floats(x, "x")?, floats(t_x, "t_x")?, floats(T, "T")?);
    let (x, t_x, tt) = (x.as_slice(), t_x.as_slice(), tt.as_slice());
    struct Expected<'a>(f64, &'a [f64], &'a [f64], &'a [f64], IntervalOptions);
    impl Visit<crmkit::Result<PredictionIntervals>> for Expected<'_> {
        fn visit<F>(self, fitted: &F) -> crmkit::Result<PredictionIntervals>
        where
            F: SamplingDistribution + Sync,
            F::Params: TransactionModel,
        {
            crmkit::clv::expected_purchases_intervals(
                fitted, self.0, self.1, self.2, self.3, &self.4,
            )
        }
    }
    let iv = run(py, move || fitted.with(Expected(t, x, t_x, tt, opts)))?;
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
///     x, t_x, T, mean_spend: customer summaries and mean repeat spend (float64 arrays).
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
    t_x: &Bound<'py, PyAny>,
    T: &Bound<'py, PyAny>,
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
    let (x, t_x, tt) = (floats(x, "x")?, floats(t_x, "t_x")?, floats(T, "T")?);
    let m = floats(mean_spend, "mean_spend")?;
    let (x, t_x, tt, m) = (x.as_slice(), t_x.as_slice(), tt.as_slice(), m.as_slice());
    struct Clv<'a> {
        spend: &'a FittedGammaGamma,
        columns: [&'a [f64]; 4],
        discounting: MonthlyDiscounting,
        opts: IntervalOptions,
    }
    impl Visit<crmkit::Result<PredictionIntervals>> for Clv<'_> {
        fn visit<F>(self, fitted: &F) -> crmkit::Result<PredictionIntervals>
        where
            F: SamplingDistribution + Sync,
            F::Params: TransactionModel,
        {
            let [x, t_x, t, m] = self.columns;
            crmkit::clv::clv_intervals(
                fitted,
                self.spend,
                x,
                t_x,
                t,
                m,
                &self.discounting,
                &self.opts,
            )
        }
    }
    let iv = run(py, move || {
        fitted.with(Clv {
            spend: &spend,
            columns: [x, t_x, tt, m],
            discounting,
            opts,
        })
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
