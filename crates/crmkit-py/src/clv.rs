//! Probabilistic CLV: the buy-till-you-die models (array level; see `crmkit.clv`).
//!
//! One frozen class per model holds the parameters and, when it was fitted, the fit (standard
//! errors, log-likelihood, convergence report). Classes pickle through their JSON.

use crmkit::CrmkitError;
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use crmkit::clv::{
    BgBb, BgBbParams, BgNbd, BgNbdParams, CompressedBtyd, ContinuousDiscounting, DiscreteData,
    FitOptions, FittedBgBb, FittedBgNbd, FittedGammaGamma, FittedMbgNbd, FittedParetoNbd,
    FittedSbg, GammaGamma, GammaGammaParams, Interrupt, MbgNbd, MbgNbdParams, MonthlyDiscounting,
    ParetoNbd, ParetoNbdParams, RetentionData, Sbg, SbgParams, TransactionModel,
};
use crmkit::data::refunds::{NonPositiveSpend, SpendExclusions, repeat_spend_data};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::columns::{Values, floats};
use crate::errors::{IntArg, IntoPyResult, to_py, whole};
use crate::json::{self, Reduced, json_class};
use crate::without_gil;

/// Parameters, and the fit that produced them (None for a model built from parameters).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Stored<P, F> {
    params: P,
    fit: Option<F>,
}

/// The core names T `t`; Python users pass and see `T`.
fn rename_t(err: CrmkitError) -> CrmkitError {
    match err {
        CrmkitError::InvalidValue {
            field,
            row,
            value,
            reason,
        } if field == "t" => CrmkitError::InvalidValue {
            field: "T".to_owned(),
            row,
            value,
            reason: reason.replace("`t`", "`T`"),
        },
        other => other,
    }
}

/// [`without_gil`] with the core's `t` shown as `T`.
pub(crate) fn run<T: Send>(
    py: Python<'_>,
    work: impl Send + FnOnce() -> crmkit::Result<T>,
) -> PyResult<T> {
    without_gil(py, move || work().map_err(rename_t))
}

/// From this many rows a call runs its work on a worker thread while the calling thread
/// watches for Ctrl-C (below, the work is too short to be worth a thread).
const WATCH_ROWS: usize = 65_536;

/// Runs `work` without the GIL, interruptible by Ctrl-C within about 50 ms plus one block of
/// work: from [`WATCH_ROWS`] rows the work runs on a scoped worker thread and the calling
/// (Python) thread wakes every 50 ms to run Python's signal handlers; when one raises (Ctrl-C:
/// `KeyboardInterrupt`) the [`Interrupt`] handed to `work` turns true, the work stops at its
/// next poll and the handler's exception is raised. Signal handlers only run on Python's main
/// thread, which is why the watching happens there and the hook itself is a plain flag that
/// any worker thread may read.
pub(crate) fn watched<T: Send>(
    py: Python<'_>,
    rows: usize,
    work: impl Send + FnOnce(&Interrupt) -> crmkit::Result<T>,
) -> PyResult<T> {
    if rows < WATCH_ROWS {
        // short work on the calling thread; a long fit on few rows still polls Python's
        // signal handlers through the hook (at most every 50 ms)
        let hook = Interrupt::new(|| Python::attach(|py| py.check_signals().is_err()));
        return run(py, move || work(&hook));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let interrupt = Interrupt::new(move || flag.load(Ordering::Relaxed));
    let mut raised: Option<PyErr> = None;
    let result = std::thread::scope(|scope| {
        let (done, finished) = std::sync::mpsc::channel::<()>();
        // (a receiver is not Sync; the lock lets the GIL-free wait borrow it)
        let finished = std::sync::Mutex::new(finished);
        let hook = &interrupt;
        let worker = scope.spawn(move || {
            let out = work(hook);
            let _ = done.send(());
            out
        });
        loop {
            let wait = py.detach(|| match finished.lock() {
                Ok(rx) => rx.recv_timeout(Duration::from_millis(50)),
                Err(_) => Err(RecvTimeoutError::Disconnected),
            });
            match wait {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if raised.is_none() {
                if let Err(err) = py.check_signals() {
                    raised = Some(err);
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
        match worker.join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    if let Some(err) = raised {
        return Err(err);
    }
    py.check_signals()?;
    result.map_err(rename_t).py()
}

/// Customer summaries as a call received them: a compression made earlier
/// (`CompressedSummary`), or three arrays.
pub(crate) enum Rows<'a> {
    Compressed(&'a CompressedBtyd),
    Arrays(&'a [f64], &'a [f64], &'a [f64]),
}

impl<'a> Rows<'a> {
    fn len(&self) -> usize {
        match self {
            Rows::Compressed(c) => c.rows(),
            Rows::Arrays(x, ..) => x.len(),
        }
    }

    /// The compression of the rows: the one given, or hashed now.
    fn compressed(&self, interrupt: &Interrupt) -> crmkit::Result<Cow<'a, CompressedBtyd>> {
        match *self {
            Rows::Compressed(c) => Ok(Cow::Borrowed(c)),
            Rows::Arrays(x, t_x, t) => {
                CompressedBtyd::new(x, t_x, t, None, interrupt).map(Cow::Owned)
            }
        }
    }

    /// Per-customer intervals by `f`: on the arrays, or once per distinct row of a compressed
    /// summary, spread back (see [`CompressedBtyd::map_intervals`]).
    pub(crate) fn intervals(
        self,
        f: impl FnOnce(&[f64], &[f64], &[f64]) -> crmkit::Result<crmkit::clv::PredictionIntervals>,
    ) -> crmkit::Result<crmkit::clv::PredictionIntervals> {
        match self {
            Rows::Compressed(c) => c.map_intervals(f),
            Rows::Arrays(x, t_x, t) => f(x, t_x, t),
        }
    }

    /// `f` once per distinct row, spread to every row (see [`CompressedBtyd::map`]).
    fn map(
        &self,
        min_parallel_rows: usize,
        interrupt: &Interrupt,
        f: impl Fn(&[f64], &[f64], &[f64]) -> crmkit::Result<Vec<f64>> + Sync,
    ) -> crmkit::Result<Vec<f64>> {
        self.compressed(interrupt)?
            .map(min_parallel_rows, interrupt, f)
    }

    /// A closed form of a few logarithms per row (BG/NBD and MBG/NBD P(alive)): `f` once per
    /// distinct row when already compressed; else `one` on every row as given, each block
    /// remembering the values of the rows it met ([`crmkit::clv::map_rows_remembered`]: a
    /// repeat costs a look-up). The values are the same either way.
    fn map_cheap(
        &self,
        interrupt: &Interrupt,
        one: impl Fn(f64, f64, f64) -> crmkit::Result<f64> + Sync,
        f: impl Fn(&[f64], &[f64], &[f64]) -> crmkit::Result<Vec<f64>> + Sync,
    ) -> crmkit::Result<Vec<f64>> {
        match *self {
            Rows::Compressed(c) => c.map(CHEAP_PARALLEL_ROWS, interrupt, f),
            Rows::Arrays(x, t_x, t) => crmkit::clv::map_rows_remembered(x, t_x, t, interrupt, one),
        }
    }
}

/// Rows `0..len` evaluated by `f(start, end)` in blocks of 4,096, split over threads from
/// [`CHEAP_PARALLEL_ROWS`] rows, polling `interrupt` between blocks; errors name the row.
fn blocks(
    len: usize,
    interrupt: &Interrupt,
    f: impl Fn(usize, usize) -> crmkit::Result<Vec<f64>> + Sync,
) -> crmkit::Result<Vec<f64>> {
    const BLOCK: usize = 4096;
    let parts = crmkit::runtime::parallel::map_chunks_min(len, CHEAP_PARALLEL_ROWS, |s, e| {
        let mut out = Vec::with_capacity(e - s);
        let mut lo = s;
        while lo < e {
            if interrupt.should_stop() {
                return Err(CrmkitError::Interrupted {
                    model: "prediction".to_owned(),
                    iterations: 0,
                });
            }
            let hi = (lo + BLOCK).min(e);
            out.extend(f(lo, hi).map_err(|err| err.map_row(|row| row + lo))?);
            lo = hi;
        }
        Ok(out)
    });
    let mut values = Vec::with_capacity(len);
    for part in parts {
        values.extend(part?);
    }
    Ok(values)
}

/// Customer summaries hashed once into their distinct (x, t_x, T) rows, for fitting and
/// predicting many times on the same customers (see `crmkit.CompressedSummary`).
///
/// Args:
///     x, t_x, T: repeat purchases, age at the last purchase and age at the end of the
///         calibration period (float64 arrays, one row per customer).
///     weights: customers per row, or None (each row one customer).
#[pyclass(name = "CompressedSummary", module = "crmkit._crmkit", frozen)]
pub struct PyCompressedSummary {
    pub(crate) inner: CompressedBtyd,
}

#[pymethods]
impl PyCompressedSummary {
    #[new]
    #[pyo3(signature = (x, t_x, T, weights=None))]
    #[allow(non_snake_case)]
    fn new(
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        t_x: &Bound<'_, PyAny>,
        T: &Bound<'_, PyAny>,
        weights: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let (x, t_x, t) = (floats(x, "x")?, floats(t_x, "t_x")?, floats(T, "T")?);
        let w = optional(weights, "weights")?;
        let (x, t_x, t) = (x.as_slice(), t_x.as_slice(), t.as_slice());
        let w = w.as_ref().map(|w| w.as_slice());
        let inner = watched(py, x.len(), move |stop| {
            CompressedBtyd::new(x, t_x, t, w, stop)
        })?;
        Ok(Self { inner })
    }

    /// Number of input rows (customers, or rows of customers with weights).
    #[getter]
    fn rows(&self) -> usize {
        self.inner.rows()
    }

    /// Number of distinct (x, t_x, T) rows.
    #[getter]
    fn distinct_rows(&self) -> usize {
        self.inner.distinct_rows()
    }

    /// The distinct rows, sorted by (x, T, t_x), and their weights: (x, t_x, T, weights).
    #[allow(clippy::type_complexity)]
    fn distinct<'py>(
        &self,
        py: Python<'py>,
    ) -> (
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
    ) {
        let (x, t_x, t, w) = self.inner.columns();
        (
            PyArray1::from_slice(py, x),
            PyArray1::from_slice(py, t_x),
            PyArray1::from_slice(py, t),
            PyArray1::from_slice(py, w),
        )
    }

    /// Per input row, its distinct row (an index into `distinct()`).
    fn index<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        PyArray1::from_slice(py, self.inner.index())
    }

    fn __repr__(&self) -> String {
        format!(
            "CompressedSummary({} rows, {} distinct)",
            self.inner.rows(),
            self.inner.distinct_rows()
        )
    }
}

/// The summaries of a call: `x` is a `CompressedSummary` (then `t_x` and `T` are None) or the
/// array of repeat purchases beside the arrays `t_x` and `T`.
pub(crate) enum Summaries<'py> {
    Compressed(Bound<'py, PyCompressedSummary>),
    Arrays(Values<'py, f64>, Values<'py, f64>, Values<'py, f64>),
}

impl<'py> Summaries<'py> {
    #[allow(non_snake_case)]
    pub(crate) fn extract(
        x: &Bound<'py, PyAny>,
        t_x: Option<&Bound<'py, PyAny>>,
        T: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Self> {
        if let Ok(c) = x.cast::<PyCompressedSummary>() {
            if t_x.is_some() || T.is_some() {
                return Err(to_py(CrmkitError::invalid_config(
                    "t_x",
                    "array",
                    "a CompressedSummary holds t_x and T: pass it alone",
                )));
            }
            return Ok(Self::Compressed(c.clone()));
        }
        let (Some(t_x), Some(T)) = (t_x, T) else {
            let missing = if t_x.is_none() { "t_x" } else { "T" };
            return Err(to_py(CrmkitError::invalid_config(
                missing,
                "None",
                "pass the arrays x, t_x and T, or one CompressedSummary",
            )));
        };
        Ok(Self::Arrays(
            floats(x, "x")?,
            floats(t_x, "t_x")?,
            floats(T, "T")?,
        ))
    }

    pub(crate) fn rows(&self) -> Rows<'_> {
        match self {
            Self::Compressed(c) => Rows::Compressed(&c.get().inner),
            Self::Arrays(x, t_x, t) => Rows::Arrays(x.as_slice(), t_x.as_slice(), t.as_slice()),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn options(
    penalty: f64,
    max_iterations: IntArg,
    gradient_tolerance: f64,
    initial: Option<Vec<f64>>,
    standard_errors: bool,
) -> PyResult<FitOptions> {
    let opts = FitOptions {
        penalty,
        max_iterations: whole("max_iterations", max_iterations)?,
        gradient_tolerance,
        compress: true,
        initial,
        standard_errors,
        // Ctrl-C: the fit runs without the GIL; the hook takes it back briefly (at most every
        // 50 ms) to run Python's signal handlers, and a raised KeyboardInterrupt stops the fit.
        interrupt: Interrupt::new(|| Python::attach(|py| py.check_signals().is_err())),
    };
    opts.validate().py()?;
    Ok(opts)
}

fn optional<'py>(
    obj: Option<&Bound<'py, PyAny>>,
    field: &str,
) -> PyResult<Option<Values<'py, f64>>> {
    obj.map(|o| floats(o, field)).transpose()
}

fn params_from<P: DeserializeOwned>(names: &[&str], values: &[f64]) -> crmkit::Result<P> {
    CrmkitError::check_len("params", names.len(), values.len())?;
    let mut map = serde_json::Map::new();
    for (name, &v) in names.iter().zip(values) {
        if !(v.is_finite() && v > 0.0) {
            return Err(CrmkitError::invalid_config(
                *name,
                v,
                "model parameters must be finite and > 0",
            ));
        }
        map.insert((*name).to_owned(), serde_json::Value::from(v));
    }
    serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|e| CrmkitError::invalid_config("params", "values", e.to_string()))
}

fn params_dict<'py, P: Serialize>(
    py: Python<'py>,
    names: &[&str],
    p: &P,
) -> PyResult<Bound<'py, PyDict>> {
    let value = serde_json::to_value(p).map_err(|e| {
        to_py(CrmkitError::invalid_config(
            "params",
            "value",
            e.to_string(),
        ))
    })?;
    let d = PyDict::new(py);
    for name in names {
        d.set_item(*name, value.get(*name).and_then(serde_json::Value::as_f64))?;
    }
    Ok(d)
}

fn report_dict<'py>(
    py: Python<'py>,
    report: &crmkit::clv::ConvergenceReport,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("iterations", report.iterations)?;
    d.set_item("function_evaluations", report.function_evaluations)?;
    d.set_item("gradient_norm", report.gradient_norm)?;
    d.set_item("log_likelihood", report.log_likelihood)?;
    let ending = match report.ending {
        crmkit::clv::FitEnding::Optimum => "optimum",
        crmkit::clv::FitEnding::Ridge => "ridge",
        crmkit::clv::FitEnding::Saddle => "saddle",
    };
    d.set_item("ending", ending)?;
    d.set_item("newton_iterations", report.newton_iterations)?;
    d.set_item("hessian_eigenvalues", report.hessian_eigenvalues.clone())?;
    d.set_item("starts", report.starts)?;
    d.set_item(
        "standard_errors_unavailable",
        report.standard_errors_unavailable.clone(),
    )?;
    Ok(d)
}

/// Distinct rows from which predictions that cost a special function or a series per row
/// (expected purchases, CLV, Pareto/NBD P(alive)) run on several threads. Below it they run on
/// the calling thread: waking the pool's sleeping threads costs more than half the work saves
/// (CDNOW, 1,016 distinct rows, idle machine: 1.46 -> 1.29 ms for E[Y(39)], P(alive) and a
/// 12-month CLV when 512 became 4,096).
const PARALLEL_ROWS: usize = 4096;
/// The same for closed forms of a few tens of nanoseconds per row (BG/NBD and MBG/NBD P(alive),
/// Gamma–Gamma expected spend): below this a second thread costs more to start and wake than
/// it saves (CDNOW BG/NBD P(alive): 170 µs on two threads, 100 µs on one).
const CHEAP_PARALLEL_ROWS: usize = 32_768;

/// Defines the common part of a fitted model's class: parameters, fit facts, JSON and pickle.
macro_rules! common_methods {
    ($class:ident, $name:literal) => {
        impl $class {
            fn repr(&self) -> String {
                let values = serde_json::to_value(self.inner.params).unwrap_or_default();
                let body: Vec<String> = Self::NAMES
                    .iter()
                    .map(|n| {
                        format!(
                            "{n}={}",
                            values
                                .get(*n)
                                .and_then(serde_json::Value::as_f64)
                                .unwrap_or(f64::NAN)
                        )
                    })
                    .collect();
                format!("{}({})", $name, body.join(", "))
            }
        }
    };
}

/// Defines a model class: struct, parameter names, and the shared methods (parameters, fit
/// facts, JSON, pickle) followed by the model's own `$extra` methods.
macro_rules! model_class {
    (
        $(#[$meta:meta])*
        $class:ident, $name:literal, $params:ident, $fitted:ident,
        [$($pname:literal),+],
        { $($extra:tt)* }
    ) => {
        $(#[$meta])*
        #[pyclass(name = $name, module = "crmkit._crmkit", frozen, eq)]
        #[derive(Clone, PartialEq)]
        pub struct $class {
            inner: Stored<$params, $fitted>,
        }

        impl $class {
            const NAMES: &'static [&'static str] = &[$($pname),+];

            /// The fit behind the model (None when built from parameters).
            #[allow(dead_code)]
            pub(crate) fn fitted_model(&self) -> Option<&$fitted> {
                self.inner.fit.as_ref()
            }
        }

        json_class!($class, Stored<$params, $fitted>, $name);

        common_methods!($class, $name);

        #[pymethods]
        impl $class {
        /// The parameter names in the model's order.
        #[classattr]
        fn param_names() -> Vec<&'static str> {
            Self::NAMES.to_vec()
        }

        /// The parameters as a dict (name → value).
        #[getter]
        fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            params_dict(py, Self::NAMES, &self.inner.params)
        }

        /// Delta-method standard errors (name → value), or None (built from parameters, or a
        /// singular Hessian).
        #[getter]
        fn standard_errors<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
            match self.inner.fit.as_ref().and_then(|f| f.standard_errors.as_ref()) {
                Some(se) => Ok(Some(params_dict(py, Self::NAMES, se)?)),
                None => Ok(None),
            }
        }

        /// Covariance matrix of the parameters (model order), or None.
        #[getter]
        fn covariance(&self) -> Option<Vec<Vec<f64>>> {
            self.inner
                .fit
                .as_ref()
                .and_then(|f| f.covariance.as_ref())
                .map(|c| c.iter().map(|row| row.to_vec()).collect())
        }

        /// Log-likelihood of the fit (penalty excluded), or None when built from parameters.
        #[getter]
        fn log_likelihood(&self) -> Option<f64> {
            self.inner.fit.as_ref().map(|f| f.log_likelihood)
        }

        /// The convergence report (iterations, function_evaluations, gradient_norm,
        /// log_likelihood) as a dict, or None when built from parameters.
        #[getter]
        fn report<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
            match self.inner.fit.as_ref() {
                Some(f) => Ok(Some(report_dict(py, &f.report)?)),
                None => Ok(None),
            }
        }

        /// True when the model was fitted (False when built from parameters).
        #[getter]
        fn fitted(&self) -> bool {
            self.inner.fit.is_some()
        }

        /// A model from parameter values in `param_names` order (no fit facts).
        #[staticmethod]
        fn from_params(values: Vec<f64>) -> PyResult<Self> {
            Ok(Self {
                inner: Stored {
                    params: params_from(Self::NAMES, &values).py()?,
                    fit: None,
                },
            })
        }

        /// Serialises to JSON (parameters and fit, exactly).
        fn to_json(&self) -> PyResult<String> {
            json::to_json(self)
        }

        /// Reads a model serialised by `to_json`.
        #[staticmethod]
        fn from_json(text: &str) -> PyResult<Self> {
            json::from_json(text)
        }

        fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
            json::reduce(slf)
        }

        fn __repr__(&self) -> String {
            self.repr()
        }

            $($extra)*
        }
    };
}

/// A continuous-time transaction model class (BG/NBD, Pareto/NBD, MBG/NBD).
macro_rules! transaction_class {
    (
        $(#[$meta:meta])*
        $class:ident, $name:literal, $model:ident, $params:ident, $fitted:ident,
        [$($pname:literal),+], alive_cheap: $alive_cheap:expr,
        { $($extra:tt)* }
    ) => {
        model_class!(
            $(#[$meta])*
            $class, $name, $params, $fitted, [$($pname),+],
            {
            /// Fits by maximum likelihood on customer summaries (identical rows are compressed).
            ///
            /// Args:
            ///     x: repeat purchases (whole numbers >= 0), float64; or a CompressedSummary
            ///         (then t_x, T and weights are None: it holds them).
            ///     t_x: age at the last purchase (0 when x = 0).
            ///     T: age at the end of the calibration period (>= t_x).
            ///     weights: customers per row, or None (each row one customer).
            ///     penalty: L2 penalty on the parameters (lifetimes' `penalizer_coef`).
            ///     max_iterations, gradient_tolerance: BFGS stopping rules.
            ///     initial: starting parameters in `param_names` order, or None.
            ///     standard_errors: compute standard errors from the Hessian.
            ///
            /// Returns:
            ///     the fitted model. Raises ConvergenceError (saying why) when the fit fails.
            #[staticmethod]
            #[pyo3(signature = (x, t_x=None, T=None, weights=None, *, penalty=0.0, max_iterations=IntArg::Fits(500), gradient_tolerance=1e-9, initial=None, standard_errors=true), text_signature = "(x, t_x=None, T=None, weights=None, *, penalty=0.0, max_iterations=500, gradient_tolerance=1e-9, initial=None, standard_errors=True)")]
            #[allow(non_snake_case, clippy::too_many_arguments)]
            fn fit(
                py: Python<'_>,
                x: &Bound<'_, PyAny>,
                t_x: Option<&Bound<'_, PyAny>>,
                T: Option<&Bound<'_, PyAny>>,
                weights: Option<&Bound<'_, PyAny>>,
                penalty: f64,
                max_iterations: IntArg,
                gradient_tolerance: f64,
                initial: Option<Vec<f64>>,
                standard_errors: bool,
            ) -> PyResult<Self> {
                let mut opts = options(penalty, max_iterations, gradient_tolerance, initial, standard_errors)?;
                let summaries = Summaries::extract(x, t_x, T)?;
                if weights.is_some() && matches!(summaries, Summaries::Compressed(_)) {
                    return Err(to_py(CrmkitError::invalid_config(
                        "weights",
                        "array",
                        "a CompressedSummary holds its weights: pass them when compressing",
                    )));
                }
                let w = optional(weights, "weights")?;
                let w = w.as_ref().map(|w| w.as_slice());
                let rows = summaries.rows();
                let fitted = watched(py, rows.len(), move |stop| {
                    opts.interrupt = stop.clone();
                    // already compressed (and sorted): the fit need not merge rows again
                    opts.compress = false;
                    match (rows, w) {
                        (Rows::Arrays(x, t_x, t), Some(w)) => {
                            let data = CompressedBtyd::new(x, t_x, t, Some(w), stop)?;
                            $model::fit(data.distinct()?, &opts)
                        }
                        (rows, _) => $model::fit(rows.compressed(stop)?.distinct()?, &opts),
                    }
                })?;
                Ok(Self {
                    inner: Stored {
                        params: fitted.params,
                        fit: Some(fitted),
                    },
                })
            }


            /// Log-likelihood of customer summaries under the model's parameters (penalty
            /// excluded): the data term of the fit's objective, for scoring held-out customers;
            /// returned with the number of customers it covers (the sum of weights).
            ///
            /// Args:
            ///     x, t_x, T: customer summaries (float64 arrays), or a CompressedSummary as x.
            ///     weights: customers per row, or None.
            #[pyo3(signature = (x, t_x=None, T=None, weights=None))]
            #[allow(non_snake_case)]
            fn log_likelihood_of(
                &self,
                py: Python<'_>,
                x: &Bound<'_, PyAny>,
                t_x: Option<&Bound<'_, PyAny>>,
                T: Option<&Bound<'_, PyAny>>,
                weights: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<(f64, f64)> {
                let summaries = Summaries::extract(x, t_x, T)?;
                let w = optional(weights, "weights")?;
                let w = w.as_ref().map(|w| w.as_slice());
                let rows = summaries.rows();
                let m = self.inner.params;
                watched(py, rows.len(), move |stop| {
                    let data = match (rows, w) {
                        (Rows::Compressed(c), _) => Cow::Borrowed(c.distinct()?),
                        (Rows::Arrays(x, t_x, t), Some(w)) => {
                            Cow::Owned(CompressedBtyd::new(x, t_x, t, Some(w), stop)?.distinct()?.clone())
                        }
                        (rows, None) => Cow::Owned(rows.compressed(stop)?.distinct()?.clone()),
                    };
                    Ok((m.log_likelihood(&data)?, data.total_weight()))
                })
            }

            /// Number of customers the model was fitted on (the sum of weights), or None.
            #[getter]
            fn n_customers(&self) -> Option<f64> {
                self.inner.fit.as_ref().map(|f| f.n_customers)
            }

            /// Expected purchases of each customer in (T, T + t].
            ///
            /// Args:
            ///     t: the horizon, in the time unit of the data.
            ///     x, t_x, T: customer summaries (float64 arrays), or a CompressedSummary as x.
            ///
            /// Returns:
            ///     numpy.ndarray of float64
            #[pyo3(signature = (t, x, t_x=None, T=None))]
            #[allow(non_snake_case)]
            fn expected_purchases<'py>(
                &self,
                py: Python<'py>,
                t: f64,
                x: &Bound<'py, PyAny>,
                t_x: Option<&Bound<'py, PyAny>>,
                T: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyArray1<f64>>> {
                let summaries = Summaries::extract(x, t_x, T)?;
                let rows = summaries.rows();
                let m = self.inner.params;
                let out = watched(py, rows.len(), move |stop| {
                    rows.map(PARALLEL_ROWS, stop, |x, t_x, tt| m.expected_purchases(t, x, t_x, tt))
                })?;
                Ok(out.into_pyarray(py))
            }

            /// Probability that each customer is alive at T.
            ///
            /// Args:
            ///     x, t_x, T: customer summaries (float64 arrays), or a CompressedSummary as x.
            ///
            /// Returns:
            ///     numpy.ndarray of float64 in [0, 1]
            #[pyo3(signature = (x, t_x=None, T=None))]
            #[allow(non_snake_case)]
            fn probability_alive<'py>(
                &self,
                py: Python<'py>,
                x: &Bound<'py, PyAny>,
                t_x: Option<&Bound<'py, PyAny>>,
                T: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyArray1<f64>>> {
                let summaries = Summaries::extract(x, t_x, T)?;
                let rows = summaries.rows();
                let m = self.inner.params;
                let out = watched(py, rows.len(), move |stop| {
                    let f = |x: &[f64], t_x: &[f64], tt: &[f64]| m.probability_alive(x, t_x, tt);
                    if $alive_cheap {
                        rows.map_cheap(stop, |x, t_x, tt| m.probability_alive_one(x, t_x, tt), f)
                    } else {
                        rows.map(PARALLEL_ROWS, stop, f)
                    }
                })?;
                Ok(out.into_pyarray(py))
            }

            /// Expected purchases of a new customer in (0, t]: E[X(t)].
            fn expected_purchases_new_customer(&self, py: Python<'_>, t: f64) -> PyResult<f64> {
                let m = self.inner.params;
                run(py, move || m.expected_purchases_new_customer(t))
            }

            /// Discounted expected residual transactions of each customer at continuous rate
            /// `delta` per time unit (infinite horizon).
            ///
            /// Returns:
            ///     numpy.ndarray of float64
            #[pyo3(signature = (delta, x, t_x=None, T=None))]
            #[allow(non_snake_case)]
            fn discounted_expected_transactions<'py>(
                &self,
                py: Python<'py>,
                delta: f64,
                x: &Bound<'py, PyAny>,
                t_x: Option<&Bound<'py, PyAny>>,
                T: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyArray1<f64>>> {
                let summaries = Summaries::extract(x, t_x, T)?;
                let rows = summaries.rows();
                let m = self.inner.params;
                let out = watched(py, rows.len(), move |stop| {
                    rows.map(PARALLEL_ROWS, stop, |x, t_x, tt| m.discounted_expected_transactions(delta, x, t_x, tt))
                })?;
                Ok(out.into_pyarray(py))
            }

            $($extra)*
            }
        );
    };
}

transaction_class!(
    /// BG/NBD (Fader, Hardie & Lee 2005): parameters r, alpha, a, b, and the fit.
    PyBgNbd, "BgNbdModel", BgNbd, BgNbdParams, FittedBgNbd, ["r", "alpha", "a", "b"],
    alive_cheap: true,
    {
        /// Probability of exactly `n` purchases in (0, t] for a new customer (eq. 8).
        fn probability_of_purchases(&self, py: Python<'_>, n: IntArg, t: f64) -> PyResult<f64> {
            let n = whole::<u32>("n", n)?;
            let m = self.inner.params;
            run(py, move || m.probability_of_purchases(n, t))
        }
    }
);

transaction_class!(
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987): parameters r, alpha, s, beta, and the fit.
    PyParetoNbd, "ParetoNbdModel", ParetoNbd, ParetoNbdParams, FittedParetoNbd,
    ["r", "alpha", "s", "beta"], alive_cheap: false,
    {
        /// Probability of exactly `n` purchases in (0, t] for a new customer (Fader & Hardie 2006,
        /// "Deriving an expression for P(X(t) = x) under the Pareto/NBD model").
        fn probability_of_purchases(&self, py: Python<'_>, n: IntArg, t: f64) -> PyResult<f64> {
            let n = whole::<u32>("n", n)?;
            let m = self.inner.params;
            run(py, move || m.probability_of_purchases(n, t))
        }

        /// Probability that each customer makes exactly `n` purchases in (T, T + t] (Fader & Hardie
        /// note 028 eq. 16).
        ///
        /// Args:
        ///     n: the number of purchases.
        ///     t: the horizon, in the time unit of the data.
        ///     x, t_x, T: customer summaries (float64 arrays).
        ///
        /// Returns:
        ///     numpy.ndarray of float64 in [0, 1]
        #[pyo3(signature = (n, t, x, t_x=None, T=None))]
        #[allow(non_snake_case)]
        fn conditional_probability_of_purchases<'py>(
            &self,
            py: Python<'py>,
            n: IntArg,
            t: f64,
            x: &Bound<'py, PyAny>,
            t_x: Option<&Bound<'py, PyAny>>,
            T: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyArray1<f64>>> {
            let n = whole::<u32>("n", n)?;
            let summaries = Summaries::extract(x, t_x, T)?;
            let rows = summaries.rows();
            let m = self.inner.params;
            let out = watched(py, rows.len(), move |stop| {
                rows.map(PARALLEL_ROWS, stop, |x, t_x, tt| {
                    m.conditional_probability_of_purchases(n, t, x, t_x, tt)
                })
            })?;
            Ok(out.into_pyarray(py))
        }
    }
);

transaction_class!(
    /// MBG/NBD (Batislam, Denizel & Filiztekin 2007): parameters r, alpha, a, b, and the fit.
    PyMbgNbd, "MbgNbdModel", MbgNbd, MbgNbdParams, FittedMbgNbd, ["r", "alpha", "a", "b"],
    alive_cheap: true,
    {
        /// Probability of exactly `n` purchases in (0, t] for a new customer (Batislam, Denizel &
        /// Filiztekin 2007).
        fn probability_of_purchases(&self, py: Python<'_>, n: IntArg, t: f64) -> PyResult<f64> {
            let n = whole::<u32>("n", n)?;
            let m = self.inner.params;
            run(py, move || m.probability_of_purchases(n, t))
        }
    }
);

/// Any fitted transaction model, by value.
#[derive(Clone, Copy)]
enum AnyTransaction {
    Bg(BgNbdParams),
    Pareto(ParetoNbdParams),
    Mbg(MbgNbdParams),
}

impl AnyTransaction {
    fn extract(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(m) = obj.cast::<PyBgNbd>() {
            return Ok(Self::Bg(m.get().inner.params));
        }
        if let Ok(m) = obj.cast::<PyParetoNbd>() {
            return Ok(Self::Pareto(m.get().inner.params));
        }
        if let Ok(m) = obj.cast::<PyMbgNbd>() {
            return Ok(Self::Mbg(m.get().inner.params));
        }
        Err(to_py(CrmkitError::invalid_config(
            "transaction_model",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default(),
            "expected a BG/NBD, Pareto/NBD or MBG/NBD model",
        )))
    }

    fn model(&self) -> &(dyn TransactionModel + Send + Sync) {
        match self {
            Self::Bg(m) => m,
            Self::Pareto(m) => m,
            Self::Mbg(m) => m,
        }
    }
}

/// CLV with discrete monthly discounting (lifetimes 0.11.3 / pymc-marketing algorithm).
///
/// Args:
///     transaction_model: a BgNbdModel, ParetoNbdModel or MbgNbdModel.
///     expected_spend: expected value per purchase of each customer.
///     x, t_x, T: customer summaries in the model's time unit.
///     months: horizon in months.
///     monthly_discount_rate: discount rate per month (0.01 = 1%).
///     time_units_per_month: 4.345 for weeks, 30 for days.
///
///     left_out: NaN expected spend marks a customer left out by the `non_positive_spend`
///         rule (see `GammaGammaModel.expected_spend`): their CLV is NaN. False (default):
///         NaN is an error.
///
/// Returns:
///     numpy.ndarray of float64: Σ_{i=1..months} (E[Y(i f)] − E[Y((i−1) f)]) · spend / (1 + d)^i.
#[pyfunction]
#[pyo3(signature = (transaction_model, expected_spend, x, t_x=None, T=None, *, months, monthly_discount_rate, time_units_per_month, left_out=false))]
#[allow(non_snake_case, clippy::too_many_arguments)]
fn clv_monthly_steps<'py>(
    py: Python<'py>,
    transaction_model: &Bound<'py, PyAny>,
    expected_spend: &Bound<'py, PyAny>,
    x: &Bound<'py, PyAny>,
    t_x: Option<&Bound<'py, PyAny>>,
    T: Option<&Bound<'py, PyAny>>,
    months: IntArg,
    monthly_discount_rate: f64,
    time_units_per_month: f64,
    left_out: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let months = whole::<u32>("months", months)?;
    let model = AnyTransaction::extract(transaction_model)?;
    let discounting = MonthlyDiscounting {
        months,
        monthly_discount_rate,
        time_units_per_month,
    };
    let spend = floats(expected_spend, "expected_spend")?;
    let summaries = Summaries::extract(x, t_x, T)?;
    let rows = summaries.rows();
    let spend = spend.as_slice();
    let (left_out_rows, kept_spend) = left_out_spend(spend, left_out);
    let spend = kept_spend.as_deref().unwrap_or(spend);
    let out = watched(py, rows.len(), move |stop| {
        CrmkitError::check_len("expected_spend", rows.len(), spend.len())?;
        crmkit::clv::check_spend(spend)?;
        discounting.validate()?;
        // the discounted purchases depend on (x, t_x, T) only: once per distinct summary
        let per_unit = rows.map(PARALLEL_ROWS, stop, |x, t_x, tt| {
            crmkit::clv::discounted_purchases_monthly(model.model(), x, t_x, tt, &discounting)
        })?;
        let mut clv: Vec<f64> = per_unit.iter().zip(spend).map(|(p, s)| p * s).collect();
        left_out_rows.iter().for_each(|&r| clv[r] = f64::NAN);
        Ok::<_, CrmkitError>(clv)
    })?;
    Ok(out.into_pyarray(py))
}

/// With `left_out`, the rows whose expected spend is NaN — customers the `non_positive_spend`
/// rule left out (see `GammaGammaModel.expected_spend`) — and the spend with 0 there, so the
/// computation runs on valid input and those rows are set to NaN afterwards.
fn left_out_spend(spend: &[f64], left_out: bool) -> (Vec<usize>, Option<Vec<f64>>) {
    if !left_out || !spend.iter().any(|s| s.is_nan()) {
        return (Vec::new(), None);
    }
    let rows: Vec<usize> = (0..spend.len()).filter(|&r| spend[r].is_nan()).collect();
    let filled = spend
        .iter()
        .map(|&s| if s.is_nan() { 0.0 } else { s })
        .collect();
    (rows, Some(filled))
}

/// CLV with continuous discounting over an infinite horizon: DERT × expected spend.
///
/// Args:
///     transaction_model: a BgNbdModel, ParetoNbdModel or MbgNbdModel.
///     expected_spend: expected value per purchase of each customer.
///     x, t_x, T: customer summaries in the model's time unit.
///     annual_discount_rate: discount rate per year (0.15 = 15%), > 0.
///     time_units_per_year: 52 for weeks, 365 for days.
///     left_out: as for `clv_monthly_steps` (NaN spend = left out by the spend rule).
///
/// Returns:
///     numpy.ndarray of float64
#[pyfunction]
#[pyo3(signature = (transaction_model, expected_spend, x, t_x=None, T=None, *, annual_discount_rate, time_units_per_year, left_out=false))]
#[allow(non_snake_case, clippy::too_many_arguments)]
fn clv_dert<'py>(
    py: Python<'py>,
    transaction_model: &Bound<'py, PyAny>,
    expected_spend: &Bound<'py, PyAny>,
    x: &Bound<'py, PyAny>,
    t_x: Option<&Bound<'py, PyAny>>,
    T: Option<&Bound<'py, PyAny>>,
    annual_discount_rate: f64,
    time_units_per_year: f64,
    left_out: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = AnyTransaction::extract(transaction_model)?;
    let discounting = ContinuousDiscounting {
        annual_discount_rate,
        time_units_per_year,
    };
    let spend = floats(expected_spend, "expected_spend")?;
    let summaries = Summaries::extract(x, t_x, T)?;
    let rows = summaries.rows();
    let spend = spend.as_slice();
    let (left_out_rows, kept_spend) = left_out_spend(spend, left_out);
    let spend = kept_spend.as_deref().unwrap_or(spend);
    let out = watched(py, rows.len(), move |stop| {
        CrmkitError::check_len("expected_spend", rows.len(), spend.len())?;
        let delta = discounting.delta()?;
        // DERT depends on (x, t_x, T) only: once per distinct summary, times each spend
        let dert = rows.map(PARALLEL_ROWS, stop, |x, t_x, tt| {
            model
                .model()
                .discounted_expected_transactions(delta, x, t_x, tt)
        })?;
        let mut clv = dert
            .iter()
            .zip(spend)
            .enumerate()
            .map(|(row, (d, &s))| {
                if s.is_finite() && s >= 0.0 {
                    Ok(d * s)
                } else {
                    Err(CrmkitError::invalid_value(
                        "expected_spend",
                        row,
                        s,
                        "must be finite and >= 0",
                    ))
                }
            })
            .collect::<crmkit::Result<Vec<f64>>>()?;
        left_out_rows.iter().for_each(|&r| clv[r] = f64::NAN);
        Ok::<_, CrmkitError>(clv)
    })?;
    Ok(out.into_pyarray(py))
}

/// The `non_positive_spend` option ('exclude' or 'error'), passed as the keyword `field`.
pub(crate) fn spend_rule(field: &str, text: &str) -> PyResult<NonPositiveSpend> {
    crmkit::names::parse_keyword(field, text).py()
}

/// Rows of repeat customers (x > 0) whose net mean spend is <= 0: the customers the
/// `non_positive_spend` rule leaves out of the Gamma–Gamma fit and CLV.
///
/// Args:
///     x: repeat purchases per customer.
///     mean_spend: mean repeat spend per customer.
///     non_positive_spend: 'exclude' (return the rows) or 'error' (raise naming the first).
///
/// Returns:
///     numpy.ndarray of int64 row indices, ascending.
#[pyfunction]
#[pyo3(signature = (x, mean_spend, non_positive_spend="exclude"))]
fn non_positive_spend_rows<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    mean_spend: &Bound<'py, PyAny>,
    non_positive_spend: &str,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let rule = spend_rule("non_positive_spend", non_positive_spend)?;
    let (x, m) = (floats(x, "x")?, floats(mean_spend, "mean_spend")?);
    let (x, m) = (x.as_slice(), m.as_slice());
    let rows = run(py, move || SpendExclusions::non_positive_spend(x, m, rule))?.rows;
    Ok(rows
        .into_iter()
        .map(|r| r as i64)
        .collect::<Vec<_>>()
        .into_pyarray(py))
}

/// Pearson correlation of repeat purchases and mean spend among repeat customers (x > 0): the
/// Gamma–Gamma independence check (near 0 is good).
#[pyfunction]
fn spend_frequency_correlation(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    mean_spend: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let (x, m) = (floats(x, "x")?, floats(mean_spend, "mean_spend")?);
    let (x, m) = (x.as_slice(), m.as_slice());
    run(py, move || crmkit::clv::spend_frequency_correlation(x, m))
}

model_class!(
    /// Gamma–Gamma spend model (Fader, Hardie & Lee 2005; Fader & Hardie 2013): p, q, gamma.
    PyGammaGamma, "GammaGammaModel", GammaGammaParams, FittedGammaGamma, ["p", "q", "gamma"],
    {
    /// Fits on repeat purchases and their mean spend.
    ///
    /// Args:
    ///     x: repeat purchases; without weights, rows with x = 0 are left out (errors name the
    ///         row of the full table).
    ///     mean_spend: mean spend of the repeat purchases (> 0 for x > 0).
    ///     weights: customers per row (then every row must have x > 0), or None.
    ///     q_above_one: constrain q > 1 (lifetimes' `q_constraint`; finite population mean).
    ///     non_positive_spend: 'exclude' (default: repeat customers with mean spend <= 0 are
    ///         left out; `non_positive_spend_rows` lists them) or 'error'.
    ///     penalty, max_iterations, gradient_tolerance, initial, standard_errors: as for
    ///         BgNbdModel.fit.
    ///
    /// Returns:
    ///     the fitted model.
    #[staticmethod]
    #[pyo3(signature = (x, mean_spend, weights=None, *, q_above_one=false, penalty=0.0, max_iterations=IntArg::Fits(500), gradient_tolerance=1e-9, initial=None, standard_errors=true, non_positive_spend="exclude"), text_signature = "(x, mean_spend, weights=None, *, q_above_one=False, penalty=0.0, max_iterations=500, gradient_tolerance=1e-9, initial=None, standard_errors=True, non_positive_spend='exclude')")]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        mean_spend: &Bound<'_, PyAny>,
        weights: Option<&Bound<'_, PyAny>>,
        q_above_one: bool,
        penalty: f64,
        max_iterations: IntArg,
        gradient_tolerance: f64,
        initial: Option<Vec<f64>>,
        standard_errors: bool,
        non_positive_spend: &str,
    ) -> PyResult<Self> {
        let rule = spend_rule("non_positive_spend", non_positive_spend)?;
        let opts = options(
            penalty,
            max_iterations,
            gradient_tolerance,
            initial,
            standard_errors,
        )?;
        let (x, m) = (floats(x, "x")?, floats(mean_spend, "mean_spend")?);
        let w = optional(weights, "weights")?;
        let (x, m) = (x.as_slice(), m.as_slice());
        let w = w.as_ref().map(|w| w.as_slice());
        let fitted = run(py, move || {
            let (data, _excluded) = repeat_spend_data(x, m, w, rule)?;
            if q_above_one {
                GammaGamma::fit_q_above_one(&data, &opts)
            } else {
                GammaGamma::fit(&data, &opts)
            }
        })?;
        Ok(Self {
            inner: Stored {
                params: fitted.params,
                fit: Some(fitted),
            },
        })
    }

    /// Log-likelihood of (x, mean spend) rows under the model's parameters (penalty
    /// excluded), for scoring held-out customers, and the number of customers it covers: like
    /// `fit`, only the repeat customers (x > 0) count, and those with mean spend <= 0 follow
    /// `non_positive_spend` ('exclude' leaves them out, 'error' raises).
    #[pyo3(signature = (x, mean_spend, weights=None, *, non_positive_spend="exclude"))]
    fn log_likelihood_of(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        mean_spend: &Bound<'_, PyAny>,
        weights: Option<&Bound<'_, PyAny>>,
        non_positive_spend: &str,
    ) -> PyResult<(f64, f64)> {
        let rule = spend_rule("non_positive_spend", non_positive_spend)?;
        let (x, m) = (floats(x, "x")?, floats(mean_spend, "mean_spend")?);
        let w = optional(weights, "weights")?;
        let (x, m) = (x.as_slice(), m.as_slice());
        let w = w.as_ref().map(|w| w.as_slice());
        let params = self.inner.params;
        run(py, move || {
            let (data, _excluded) = repeat_spend_data(x, m, w, rule)?;
            Ok((params.log_likelihood(&data)?, data.total_weight()))
        })
    }

    /// Number of customers the model was fitted on (the sum of weights), or None.
    #[getter]
    fn n_customers(&self) -> Option<f64> {
        self.inner.fit.as_ref().map(|f| f.n_customers)
    }

    /// Population mean spend per purchase, p γ / (q − 1) (needs q > 1).
    #[getter]
    fn population_mean_spend(&self) -> PyResult<f64> {
        self.inner.params.population_mean_spend().py()
    }

    /// Expected spend per purchase of each customer, E[M | x, z̄] (Fader, Hardie & Lee 2005 eq. A3).
    ///
    /// Args:
    ///     x, mean_spend: repeat purchases and mean repeat spend per customer.
    ///     non_positive_spend: None (a mean spend < 0 is an error), 'exclude' (repeat customers
    ///         with mean spend <= 0 get NaN, the rows of `non_positive_spend_rows`) or 'error'.
    ///
    /// Returns:
    ///     numpy.ndarray of float64
    #[pyo3(signature = (x, mean_spend, *, non_positive_spend=None))]
    fn expected_spend<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        mean_spend: &Bound<'py, PyAny>,
        non_positive_spend: Option<&str>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let rule = match non_positive_spend {
            Some(text) => Some(spend_rule("non_positive_spend", text)?),
            None => None,
        };
        let (x, m) = (floats(x, "x")?, floats(mean_spend, "mean_spend")?);
        let (x, m) = (x.as_slice(), m.as_slice());
        let p = self.inner.params;
        let out = watched(py, x.len(), move |stop| {
            let excluded = match rule {
                Some(rule) => SpendExclusions::non_positive_spend(x, m, rule)?,
                None => SpendExclusions::default(),
            };
            // the left-out rows are computed at mean spend 0 (valid) and then marked NaN
            let zeroed: Vec<f64>;
            let m = if excluded.rows.is_empty() {
                m
            } else {
                let mut z = m.to_vec();
                excluded.rows.iter().for_each(|&r| z[r] = 0.0);
                zeroed = z;
                &zeroed
            };
            // a closed form of a few nanoseconds per row: cheaper than hashing the row
            CrmkitError::check_len("mean_spend", x.len(), m.len())?;
            let mut out = blocks(x.len(), stop, |s, e| p.expected_spend(&x[s..e], &m[s..e]))?;
            excluded.rows.iter().for_each(|&r| out[r] = f64::NAN);
            Ok::<_, CrmkitError>(out)
        })?;
        Ok(out.into_pyarray(py))
    }
    }
);

fn sbg_fit(py: Python<'_>, data: RetentionData, opts: FitOptions) -> PyResult<PySbg> {
    let fitted = run(py, move || Sbg::fit(&data, &opts))?;
    Ok(PySbg {
        inner: Stored {
            params: fitted.params,
            fit: Some(fitted),
        },
    })
}

model_class!(
    /// Shifted-beta-geometric retention model (Fader & Hardie 2007): alpha, beta.
    PySbg, "SbgModel", SbgParams, FittedSbg, ["alpha", "beta"],
    {
    /// Fits on a cohort's survival curve: `survival[0]` is the start (100, 1 or a head count),
    /// `survival[t]` the level after period t, scaled to `cohort_size` customers.
    #[staticmethod]
    #[pyo3(signature = (survival, cohort_size=1000.0, *, penalty=0.0, max_iterations=IntArg::Fits(500), gradient_tolerance=1e-9, initial=None, standard_errors=true), text_signature = "(survival, cohort_size=1000.0, *, penalty=0.0, max_iterations=500, gradient_tolerance=1e-9, initial=None, standard_errors=True)")]
    #[allow(clippy::too_many_arguments)]
    fn fit_survival(
        py: Python<'_>,
        survival: Vec<f64>,
        cohort_size: f64,
        penalty: f64,
        max_iterations: IntArg,
        gradient_tolerance: f64,
        initial: Option<Vec<f64>>,
        standard_errors: bool,
    ) -> PyResult<Self> {
        let opts = options(
            penalty,
            max_iterations,
            gradient_tolerance,
            initial,
            standard_errors,
        )?;
        let data = RetentionData::from_survival(&survival, cohort_size).py()?;
        sbg_fit(py, data, opts)
    }

    /// Fits on counts: `lost[i]` customers churned in period i + 1, `survivors` still active.
    #[staticmethod]
    #[pyo3(signature = (lost, survivors, *, penalty=0.0, max_iterations=IntArg::Fits(500), gradient_tolerance=1e-9, initial=None, standard_errors=true), text_signature = "(lost, survivors, *, penalty=0.0, max_iterations=500, gradient_tolerance=1e-9, initial=None, standard_errors=True)")]
    #[allow(clippy::too_many_arguments)]
    fn fit_counts(
        py: Python<'_>,
        lost: Vec<f64>,
        survivors: f64,
        penalty: f64,
        max_iterations: IntArg,
        gradient_tolerance: f64,
        initial: Option<Vec<f64>>,
        standard_errors: bool,
    ) -> PyResult<Self> {
        let opts = options(
            penalty,
            max_iterations,
            gradient_tolerance,
            initial,
            standard_errors,
        )?;
        let data = RetentionData::from_counts(&lost, survivors).py()?;
        sbg_fit(py, data, opts)
    }

    /// Share of the cohort active after each period in `t`: S(t) (Fader & Hardie 2007 eq. 4).
    fn survival(&self, t: Vec<u32>) -> PyResult<Vec<f64>> {
        t.iter().map(|&t| self.inner.params.survival(t).py()).collect()
    }

    /// P(churn in period t) for each t >= 1 (Fader & Hardie 2007 eq. 3).
    fn churn_probability(&self, t: Vec<u32>) -> PyResult<Vec<f64>> {
        t.iter()
            .map(|&t| self.inner.params.churn_probability(t).py())
            .collect()
    }

    /// Retention rate of each period t >= 1 (Fader & Hardie 2007 eq. 6).
    fn retention_rate(&self, t: Vec<u32>) -> PyResult<Vec<f64>> {
        t.iter()
            .map(|&t| self.inner.params.retention_rate(t).py())
            .collect()
    }

    /// Discounted expected residual lifetime at rate `d` per period after `renewals` renewals
    /// (Fader & Hardie 2010 eq. 6).
    fn discounted_expected_residual_lifetime(&self, d: f64, renewals: u32) -> PyResult<f64> {
        self.inner
            .params
            .discounted_expected_residual_lifetime(d, renewals)
            .py()
    }
    }
);

model_class!(
    /// BG/BB for discrete opportunities (Fader, Hardie & Shang 2010): alpha, beta, gamma, delta.
    PyBgBb, "BgBbModel", BgBbParams, FittedBgBb, ["alpha", "beta", "gamma", "delta"],
    {
    /// Fits on (frequency x, recency t_x, opportunities n) rows with optional weights.
    #[staticmethod]
    #[pyo3(signature = (x, t_x, n, weights=None, *, penalty=0.0, max_iterations=IntArg::Fits(500), gradient_tolerance=1e-9, initial=None, standard_errors=true), text_signature = "(x, t_x, n, weights=None, *, penalty=0.0, max_iterations=500, gradient_tolerance=1e-9, initial=None, standard_errors=True)")]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        t_x: &Bound<'_, PyAny>,
        n: &Bound<'_, PyAny>,
        weights: Option<&Bound<'_, PyAny>>,
        penalty: f64,
        max_iterations: IntArg,
        gradient_tolerance: f64,
        initial: Option<Vec<f64>>,
        standard_errors: bool,
    ) -> PyResult<Self> {
        let opts = options(
            penalty,
            max_iterations,
            gradient_tolerance,
            initial,
            standard_errors,
        )?;
        let (x, t_x, n) = (floats(x, "x")?, floats(t_x, "t_x")?, floats(n, "n")?);
        let w = optional(weights, "weights")?;
        let (x, t_x, n) = (x.as_slice(), t_x.as_slice(), n.as_slice());
        let w = w.as_ref().map(|w| w.as_slice());
        let fitted = run(py, move || {
            let data = match w {
                Some(w) => DiscreteData::with_weights(x, t_x, n, w)?,
                None => DiscreteData::new(x, t_x, n)?,
            };
            BgBb::fit(&data, &opts)
        })?;
        Ok(Self {
            inner: Stored {
                params: fitted.params,
                fit: Some(fitted),
            },
        })
    }

    /// Log-likelihood of (x, t_x, n) rows under the model's parameters (penalty excluded),
    /// for scoring held-out customers, and the number of customers it covers.
    #[pyo3(signature = (x, t_x, n, weights=None))]
    fn log_likelihood_of(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        t_x: &Bound<'_, PyAny>,
        n: &Bound<'_, PyAny>,
        weights: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(f64, f64)> {
        let (x, t_x, n) = (floats(x, "x")?, floats(t_x, "t_x")?, floats(n, "n")?);
        let w = optional(weights, "weights")?;
        let (x, t_x, n) = (x.as_slice(), t_x.as_slice(), n.as_slice());
        let w = w.as_ref().map(|w| w.as_slice());
        let params = self.inner.params;
        run(py, move || {
            let data = match w {
                Some(w) => DiscreteData::with_weights(x, t_x, n, w)?,
                None => DiscreteData::new(x, t_x, n)?,
            };
            Ok((params.log_likelihood(&data)?, data.total_weight()))
        })
    }

    /// Number of customers the model was fitted on (the sum of weights), or None.
    #[getter]
    fn n_customers(&self) -> Option<f64> {
        self.inner.fit.as_ref().map(|f| f.n_customers)
    }

    /// P(alive at opportunity n + future) of each customer (Fader, Hardie & Shang 2010 eq. 11).
    #[pyo3(signature = (x, t_x, n, future=IntArg::Fits(0)), text_signature = "($self, x, t_x, n, future=0)")]
    fn probability_alive<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        t_x: &Bound<'py, PyAny>,
        n: &Bound<'py, PyAny>,
        future: IntArg,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let future = whole::<u32>("future", future)?;
        let (x, t_x, n) = (floats(x, "x")?, floats(t_x, "t_x")?, floats(n, "n")?);
        let (x, t_x, n) = (x.as_slice(), t_x.as_slice(), n.as_slice());
        let m = self.inner.params;
        let out = run(py, move || m.probability_alive(future, x, t_x, n))?;
        Ok(out.into_pyarray(py))
    }

    /// Expected transactions of each customer in the next `future` opportunities (eq. 13).
    fn expected_purchases<'py>(
        &self,
        py: Python<'py>,
        future: IntArg,
        x: &Bound<'py, PyAny>,
        t_x: &Bound<'py, PyAny>,
        n: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let future = whole::<u32>("future", future)?;
        let (x, t_x, n) = (floats(x, "x")?, floats(t_x, "t_x")?, floats(n, "n")?);
        let (x, t_x, n) = (x.as_slice(), t_x.as_slice(), n.as_slice());
        let m = self.inner.params;
        let out = run(py, move || m.expected_purchases(future, x, t_x, n))?;
        Ok(out.into_pyarray(py))
    }

    /// Expected transactions of a new customer in the first `n` opportunities (eq. 9).
    fn expected_purchases_new_customer(&self, py: Python<'_>, n: IntArg) -> PyResult<f64> {
        let n = whole::<u32>("n", n)?;
        let m = self.inner.params;
        run(py, move || m.expected_purchases_new_customer(n))
    }

    /// Probability that a new customer makes exactly `x` transactions in the first `n`
    /// opportunities (eq. 7); 0 for x > n.
    fn probability_of_purchases(&self, py: Python<'_>, x: IntArg, n: IntArg) -> PyResult<f64> {
        let (x, n) = (whole::<u32>("x", x)?, whole::<u32>("n", n)?);
        let m = self.inner.params;
        run(py, move || m.probability_of_purchases(x, n))
    }
    }
);

/// Registers the CLV classes and functions on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyBgNbd>()?;
    m.add_class::<PyParetoNbd>()?;
    m.add_class::<PyMbgNbd>()?;
    m.add_class::<PyGammaGamma>()?;
    m.add_class::<PySbg>()?;
    m.add_class::<PyBgBb>()?;
    m.add_class::<PyCompressedSummary>()?;
    m.add_function(wrap_pyfunction!(clv_monthly_steps, m)?)?;
    m.add_function(wrap_pyfunction!(clv_dert, m)?)?;
    m.add_function(wrap_pyfunction!(spend_frequency_correlation, m)?)?;
    m.add_function(wrap_pyfunction!(non_positive_spend_rows, m)?)?;
    Ok(())
}
