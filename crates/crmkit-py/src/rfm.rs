//! RFM scoring objects: min–max fit, quantile bins, segment rule sets, concentration.

use crmkit::CrmkitError;
use crmkit::rfm::concentration::concentration as core_concentration;
use crmkit::rfm::rank::PercentileRankFit;
use crmkit::rfm::score::{
    Direction, MinMaxFit, Normalization, QuantileBins, RfmScore, RfmWeights, TierThresholds,
    tier_codes,
};
use crmkit::rfm::segments::SegmentRules;
use crmkit::rfm::tiers::{LayeredThresholds, RfmDiagnostics, group_summary as core_group_summary};
use numpy::{IntoPyArray, PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::columns::{self, Numbers, numbers};
use crate::errors::{IntArg, IntoPyResult, to_py, whole};
use crate::json::{self, Reduced, json_class};
use crate::without_gil;

#[derive(Clone, Copy)]
enum Slice<'a> {
    F64(&'a [f64]),
    I64(&'a [i64]),
}

fn slice<'a>(numbers: &'a Numbers<'_>) -> Slice<'a> {
    match numbers {
        Numbers::F64(v) => Slice::F64(v.as_slice()),
        Numbers::I64(v) => Slice::I64(v.as_slice()),
    }
}

/// Calls a generic body with the three columns at their concrete types.
macro_rules! with_slices {
    ($r:expr, $f:expr, $m:expr, |$x:ident, $y:ident, $z:ident| $body:expr) => {
        match ($r, $f, $m) {
            (Slice::F64($x), Slice::F64($y), Slice::F64($z)) => $body,
            (Slice::F64($x), Slice::F64($y), Slice::I64($z)) => $body,
            (Slice::F64($x), Slice::I64($y), Slice::F64($z)) => $body,
            (Slice::F64($x), Slice::I64($y), Slice::I64($z)) => $body,
            (Slice::I64($x), Slice::F64($y), Slice::F64($z)) => $body,
            (Slice::I64($x), Slice::F64($y), Slice::I64($z)) => $body,
            (Slice::I64($x), Slice::I64($y), Slice::F64($z)) => $body,
            (Slice::I64($x), Slice::I64($y), Slice::I64($z)) => $body,
        }
    };
}

/// A new numpy array of `n` values to be filled by Rust. numpy's `empty` neither zeroes nor
/// touches the memory (and asks for huge pages), so filling it is the only pass over it: a
/// `Vec` from `vec![0.0; n]` is zeroed first, a third of the time of the score pass.
fn empty<'py, T: numpy::Element>(py: Python<'py>, n: usize) -> PyResult<Bound<'py, PyArray1<T>>> {
    let empty = py.import("numpy")?.getattr("empty")?;
    Ok(empty
        .call1((n, numpy::dtype::<T>(py)))?
        .cast_into::<PyArray1<T>>()?)
}

fn len(column: Slice<'_>) -> usize {
    match column {
        Slice::F64(v) => v.len(),
        Slice::I64(v) => v.len(),
    }
}

fn weights(w: (f64, f64, f64)) -> PyResult<RfmWeights> {
    RfmWeights::new(w.0, w.1, w.2).py()
}

/// Fitted min–max statistics of R (days_since_last), F (frequency) and M (monetary).
///
/// Fit once, apply to new customers (values outside the fitted range clip to [0, 1]),
/// merge the fits of partitions (equal to fitting the union), pickle or serialise to JSON.
#[pyclass(name = "MinMaxFit", module = "crmkit._crmkit", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyMinMaxFit {
    inner: MinMaxFit,
}

json_class!(PyMinMaxFit, MinMaxFit, "MinMaxFit");

#[pymethods]
impl PyMinMaxFit {
    /// Fits the ranges of R, F and M.
    ///
    /// Args:
    ///     days_since_last, frequency, monetary: 1-D numeric arrays of equal length.
    ///     winsorize: optional (lower, upper) percentiles in [0, 1] to clip at before min–max.
    ///
    /// Returns:
    ///     MinMaxFit
    #[staticmethod]
    #[pyo3(signature = (days_since_last, frequency, monetary, *, winsorize=None))]
    fn fit(
        py: Python<'_>,
        days_since_last: &Bound<'_, PyAny>,
        frequency: &Bound<'_, PyAny>,
        monetary: &Bound<'_, PyAny>,
        winsorize: Option<(f64, f64)>,
    ) -> PyResult<Self> {
        let normalization = match winsorize {
            None => Normalization::MinMax,
            Some((lower, upper)) => Normalization::Winsorized { lower, upper },
        };
        let (r, f, m) = (
            numbers(days_since_last, "days_since_last")?,
            numbers(frequency, "frequency")?,
            numbers(monetary, "monetary")?,
        );
        let (r, f, m) = (slice(&r), slice(&f), slice(&m));
        let inner = without_gil(py, move || {
            with_slices!(r, f, m, |x, y, z| MinMaxFit::fit(x, y, z, normalization))
        })?;
        Ok(Self { inner })
    }

    /// Merges the fit of another partition (plain min–max only).
    fn merge(&self, other: &Self) -> PyResult<Self> {
        Ok(Self {
            inner: self.inner.merge(&other.inner).py()?,
        })
    }

    /// Weighted min–max scores in [0, 1].
    ///
    /// Args:
    ///     days_since_last, frequency, monetary: 1-D numeric arrays of equal length.
    ///     weights: (wR, wF, wM), finite, >= 0, summing to 1.
    ///
    /// Returns:
    ///     numpy.ndarray of float64
    #[pyo3(signature = (days_since_last, frequency, monetary, weights=(0.3, 0.4, 0.3)))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        days_since_last: &Bound<'py, PyAny>,
        frequency: &Bound<'py, PyAny>,
        monetary: &Bound<'py, PyAny>,
        weights: (f64, f64, f64),
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let w = self::weights(weights)?;
        let (r, f, m) = (
            numbers(days_since_last, "days_since_last")?,
            numbers(frequency, "frequency")?,
            numbers(monetary, "monetary")?,
        );
        let (r, f, m) = (slice(&r), slice(&f), slice(&m));
        let fit = self.inner;
        let scores = empty::<f64>(py, len(r))?;
        {
            let mut out = scores.readwrite();
            let out = out.as_slice_mut()?;
            without_gil(py, move || {
                with_slices!(r, f, m, |x, y, z| fit.score_into(x, y, z, &w, out))
            })?;
        }
        Ok(scores)
    }

    /// Scores and tier codes (0 churn risk, 1 potential, 2 high value) in one pass.
    ///
    /// Args:
    ///     days_since_last, frequency, monetary: 1-D numeric arrays of equal length.
    ///     weights: (wR, wF, wM), finite, >= 0, summing to 1.
    ///     thresholds: (potential, high_value), strictly increasing.
    ///
    /// Returns:
    ///     (numpy.ndarray of float64, numpy.ndarray of uint8)
    #[pyo3(signature = (days_since_last, frequency, monetary, weights=(0.3, 0.4, 0.3), thresholds=(0.5, 0.8)))]
    #[allow(clippy::type_complexity)]
    fn score_tiers<'py>(
        &self,
        py: Python<'py>,
        days_since_last: &Bound<'py, PyAny>,
        frequency: &Bound<'py, PyAny>,
        monetary: &Bound<'py, PyAny>,
        weights: (f64, f64, f64),
        thresholds: (f64, f64),
    ) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<u8>>)> {
        let w = self::weights(weights)?;
        let t = TierThresholds::new(thresholds.0, thresholds.1).py()?;
        let (r, f, m) = (
            numbers(days_since_last, "days_since_last")?,
            numbers(frequency, "frequency")?,
            numbers(monetary, "monetary")?,
        );
        let (r, f, m) = (slice(&r), slice(&f), slice(&m));
        let fit = self.inner;
        let n = len(r);
        let (scores, tiers) = (empty::<f64>(py, n)?, empty::<u8>(py, n)?);
        {
            let (mut scores, mut tiers) = (scores.readwrite(), tiers.readwrite());
            let (scores, tiers) = (scores.as_slice_mut()?, tiers.as_slice_mut()?);
            without_gil(py, move || {
                with_slices!(r, f, m, |x, y, z| fit.score_tiers_into(
                    x,
                    y,
                    z,
                    &w,
                    Some(&t),
                    scores,
                    tiers
                ))
            })?;
        }
        Ok((scores, tiers))
    }

    /// The fitted (min, max, count) of days_since_last.
    #[getter]
    fn days_since_last(&self) -> (f64, f64, u64) {
        let r = self.inner.recency;
        (r.min, r.max, r.count)
    }

    /// The fitted (min, max, count) of frequency.
    #[getter]
    fn frequency(&self) -> (f64, f64, u64) {
        let r = self.inner.frequency;
        (r.min, r.max, r.count)
    }

    /// The fitted (min, max, count) of monetary.
    #[getter]
    fn monetary(&self) -> (f64, f64, u64) {
        let r = self.inner.monetary;
        (r.min, r.max, r.count)
    }

    /// The winsorizing percentiles, or None for plain min–max.
    #[getter]
    fn winsorize(&self) -> Option<(f64, f64)> {
        match self.inner.normalization {
            Normalization::MinMax => None,
            Normalization::Winsorized { lower, upper } => Some((lower, upper)),
        }
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

    /// An HTML summary for notebooks (Jupyter calls this).
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        crate::display::repr_html(slf.as_any())
    }

    fn __repr__(&self) -> String {
        format!(
            "MinMaxFit(days_since_last={:?}, frequency={:?}, monetary={:?}, winsorize={:?})",
            self.days_since_last(),
            self.frequency(),
            self.monetary(),
            self.winsorize()
        )
    }
}

/// Checks the configuration of an `RfmModel` at construction, directly (no fit): the weights,
/// the tier thresholds for the chosen tier layout, the number of quantile scores and the log
/// options. Each error is a `ConfigError` naming the keyword the user typed.
///
/// Args:
///     weights: (wR, wF, wM).
///     thresholds: 2 thresholds for tiers='three', 3 for tiers='layered'.
///     tiers: 'three' or 'layered'.
///     k: number of quantile scores (2..=100).
///     window_days: length of the frequency / monetary window (>= 1).
///     after_as_of: 'error' or 'exclude'.
///     negative_amounts: 'error' or 'net'.
#[pyfunction]
#[pyo3(signature = (weights, thresholds, tiers, k, window_days, after_as_of, negative_amounts))]
fn check_rfm_config(
    weights: (f64, f64, f64),
    thresholds: Vec<f64>,
    tiers: &str,
    k: IntArg,
    window_days: IntArg,
    after_as_of: &str,
    negative_amounts: &str,
) -> PyResult<()> {
    RfmWeights::new(weights.0, weights.1, weights.2).py()?;
    let wrong_count = |expected: &str| {
        to_py(CrmkitError::invalid_config(
            "thresholds",
            &thresholds,
            format!("tiers={tiers:?} needs {expected} strictly increasing thresholds"),
        ))
    };
    match tiers {
        "three" => match thresholds[..] {
            [potential, high_value] => {
                TierThresholds::new(potential, high_value).py()?;
            }
            _ => return Err(wrong_count("2 (potential, high_value)")),
        },
        "layered" => match thresholds[..] {
            [general, potential, high_value] => {
                LayeredThresholds::new(general, potential, high_value).py()?;
            }
            _ => return Err(wrong_count("3 (general, potential, high_value)")),
        },
        other => {
            return Err(to_py(CrmkitError::invalid_config(
                "tiers",
                other,
                "expected 'three' or 'layered'",
            )));
        }
    }
    let k: u8 = whole("k", k)?;
    if !(2..=100).contains(&k) {
        return Err(to_py(CrmkitError::invalid_config(
            "k",
            k,
            "the number of quantile scores must be between 2 and 100",
        )));
    }
    let window_days: u32 = whole("window_days", window_days)?;
    if window_days == 0 {
        return Err(to_py(CrmkitError::invalid_config(
            "window_days",
            window_days,
            "the window must be at least one day",
        )));
    }
    crate::log_options(after_as_of, negative_amounts)?;
    Ok(())
}

/// Tier codes of min–max scores: 0 churn risk, 1 potential, 2 high value.
///
/// Args:
///     scores: float64 array of scores.
///     thresholds: (potential, high_value), strictly increasing.
///
/// Returns:
///     numpy.ndarray of uint8
#[pyfunction]
#[pyo3(signature = (scores, thresholds=(0.5, 0.8)))]
fn tier_codes_of<'py>(
    py: Python<'py>,
    scores: &Bound<'py, PyAny>,
    thresholds: (f64, f64),
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let t = TierThresholds::new(thresholds.0, thresholds.1).py()?;
    let scores = columns::floats(scores, "scores")?;
    let scores = scores.as_slice();
    let codes = without_gil(py, move || Ok(tier_codes(scores, &t)))?;
    Ok(codes.into_pyarray(py))
}

/// Fitted quantile bins of one dimension: scores 1..=k by percentile rank.
///
/// A value scores 1 + floor(k * b / n), where b counts the fitted values strictly worse than
/// it; equal values share a score and row order never matters.
#[pyclass(name = "QuantileBins", module = "crmkit._crmkit", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyQuantileBins {
    inner: QuantileBins,
}

json_class!(PyQuantileBins, QuantileBins, "QuantileBins");

#[pymethods]
impl PyQuantileBins {
    /// Fits bins on `values` and scores them.
    ///
    /// Args:
    ///     values: 1-D numeric array.
    ///     k: number of scores (2..=100).
    ///     higher_is_better: False for days_since_last (recent customers score k).
    ///     field: the name used in errors.
    ///
    /// Returns:
    ///     (QuantileBins, numpy.ndarray of uint8)
    #[staticmethod]
    #[pyo3(signature = (values, k=IntArg::Fits(5), higher_is_better=true, field="values"), text_signature = "(values, k=5, higher_is_better=True, field='values')")]
    fn fit_apply<'py>(
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
        k: IntArg,
        higher_is_better: bool,
        field: &str,
    ) -> PyResult<(Self, Bound<'py, PyArray1<u8>>)> {
        let k: u8 = whole("k", k)?;
        let direction = if higher_is_better {
            Direction::HigherIsBetter
        } else {
            Direction::LowerIsBetter
        };
        let values = numbers(values, field)?;
        let values = slice(&values);
        let (inner, scores) = without_gil(py, move || match values {
            Slice::F64(v) => QuantileBins::fit_apply(field, v, k, direction),
            Slice::I64(v) => QuantileBins::fit_apply(field, v, k, direction),
        })?;
        Ok((Self { inner }, scores.into_pyarray(py)))
    }

    /// Scores new values against the fitted cut points.
    #[pyo3(signature = (values, field="values"))]
    fn apply<'py>(
        &self,
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
        field: &str,
    ) -> PyResult<Bound<'py, PyArray1<u8>>> {
        let values = numbers(values, field)?;
        let values = slice(&values);
        let bins = &self.inner;
        let scores = without_gil(py, move || match values {
            Slice::F64(v) => bins.apply(field, v),
            Slice::I64(v) => bins.apply(field, v),
        })?;
        Ok(scores.into_pyarray(py))
    }

    /// Number of scores.
    #[getter]
    fn k(&self) -> u8 {
        self.inner.k()
    }

    /// Whether larger values score higher.
    #[getter]
    fn higher_is_better(&self) -> bool {
        self.inner.direction() == Direction::HigherIsBetter
    }

    /// The k - 1 realised cut points, from the worst end to the best.
    #[getter]
    fn cuts(&self) -> Vec<f64> {
        self.inner.cuts().to_vec()
    }

    /// Fitted customers per score (index 0 is score 1).
    #[getter]
    fn counts(&self) -> Vec<u64> {
        self.inner.counts().to_vec()
    }

    /// Scores no fitted customer reached because of ties.
    #[getter]
    fn empty_scores(&self) -> Vec<u32> {
        // Not Vec<u8>: PyO3 turns that into `bytes`.
        self.inner
            .empty_scores()
            .into_iter()
            .map(u32::from)
            .collect()
    }

    /// Serialises to JSON.
    fn to_json(&self) -> PyResult<String> {
        json::to_json(self)
    }

    /// Reads bins serialised by `to_json`.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        json::from_json(text)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        json::reduce(slf)
    }

    /// An HTML summary for notebooks (Jupyter calls this).
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        crate::display::repr_html(slf.as_any())
    }

    fn __repr__(&self) -> String {
        format!(
            "QuantileBins(k={}, higher_is_better={}, cuts={:?})",
            self.k(),
            if self.higher_is_better() {
                "True"
            } else {
                "False"
            },
            self.cuts()
        )
    }
}

/// A validated set of named segment rules over (R, F, M) scores.
///
/// First matching rule wins; every score combination is covered (a catch-all is required).
#[pyclass(name = "SegmentRules", module = "crmkit._crmkit", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PySegmentRules {
    inner: SegmentRules,
}

json_class!(
    PySegmentRules,
    SegmentRules,
    "SegmentRules",
    load = SegmentRules::from_json,
    dump = |rules: &SegmentRules| Ok(rules.to_json())
);

#[pymethods]
impl PySegmentRules {
    /// The default recency x frequency grid (champions, loyal, ..., hibernating).
    #[classmethod]
    fn rf_grid(_cls: &Bound<'_, PyType>) -> Self {
        Self {
            inner: SegmentRules::rf_grid(),
        }
    }

    /// The built-in set over R, F and M (unmatched customers are 'others').
    #[classmethod]
    fn rfm_classic(_cls: &Bound<'_, PyType>) -> Self {
        Self {
            inner: SegmentRules::rfm_classic(),
        }
    }

    /// The classic four-tier CRM reading: high value (R, F, M >= 4), low value (R >= 4,
    /// F, M <= 2), churn risk (R, F, M <= 2), potential (everyone else).
    #[classmethod]
    fn four_tier(_cls: &Bound<'_, PyType>) -> Self {
        Self {
            inner: SegmentRules::four_tier(),
        }
    }

    /// Reads and validates a rule set from JSON.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        json::from_json(text)
    }

    /// The rule set as JSON.
    fn to_json(&self) -> PyResult<String> {
        json::to_json(self)
    }

    /// Distinct segment names; segment codes index into this list.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.inner.names().to_vec()
    }

    /// Number of scores per dimension the rules are written for.
    #[getter]
    fn k(&self) -> u8 {
        self.inner.k()
    }

    /// Segment codes (uint16, indexing `names`) of score triples.
    fn assign<'py>(
        &self,
        py: Python<'py>,
        r_score: &Bound<'py, PyAny>,
        f_score: &Bound<'py, PyAny>,
        m_score: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<u16>>> {
        let r = columns::numpy_values::<u8>(r_score, "r_score")?;
        let f = columns::numpy_values::<u8>(f_score, "f_score")?;
        let m = columns::numpy_values::<u8>(m_score, "m_score")?;
        let (r, f, m) = (r.as_slice(), f.as_slice(), m.as_slice());
        let rules = &self.inner;
        let codes = without_gil(py, move || rules.assign_all(r, f, m))?;
        Ok(codes.into_pyarray(py))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        json::reduce(slf)
    }

    /// An HTML summary for notebooks (Jupyter calls this).
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        crate::display::repr_html(slf.as_any())
    }

    fn __repr__(&self) -> String {
        format!("SegmentRules(k={}, names={:?})", self.k(), self.names())
    }
}

/// Fitted percentile-rank statistics of R (days_since_last), F (frequency) and M (monetary).
///
/// Each dimension becomes its mid-rank percentile p(v) = (below + (equal - 1) / 2) / (n - 1)
/// in the fitted population (R reversed) before the weights. Keeps the sorted distinct values
/// with their counts, so fits of partitions merge exactly; pickles and serialises to JSON.
#[pyclass(name = "PercentileRankFit", module = "crmkit._crmkit", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyPercentileRankFit {
    inner: PercentileRankFit,
}

json_class!(PyPercentileRankFit, PercentileRankFit, "PercentileRankFit");

#[pymethods]
impl PyPercentileRankFit {
    /// Fits the distributions of R, F and M.
    ///
    /// Args:
    ///     days_since_last, frequency, monetary: 1-D numeric arrays of equal length.
    ///
    /// Returns:
    ///     PercentileRankFit
    #[staticmethod]
    fn fit(
        py: Python<'_>,
        days_since_last: &Bound<'_, PyAny>,
        frequency: &Bound<'_, PyAny>,
        monetary: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let (r, f, m) = (
            numbers(days_since_last, "days_since_last")?,
            numbers(frequency, "frequency")?,
            numbers(monetary, "monetary")?,
        );
        let (r, f, m) = (slice(&r), slice(&f), slice(&m));
        let inner = without_gil(py, move || {
            with_slices!(r, f, m, |x, y, z| PercentileRankFit::fit(x, y, z))
        })?;
        Ok(Self { inner })
    }

    /// Merges the fit of another partition (exact: equal to fitting the union).
    fn merge(&self, other: &Self) -> Self {
        Self {
            inner: self.inner.merge(&other.inner),
        }
    }

    /// Weighted percentile-rank scores in [0, 1].
    ///
    /// Args:
    ///     days_since_last, frequency, monetary: 1-D numeric arrays of equal length.
    ///     weights: (wR, wF, wM), finite, >= 0, summing to 1.
    ///
    /// Returns:
    ///     numpy.ndarray of float64
    #[pyo3(signature = (days_since_last, frequency, monetary, weights=(0.3, 0.4, 0.3)))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        days_since_last: &Bound<'py, PyAny>,
        frequency: &Bound<'py, PyAny>,
        monetary: &Bound<'py, PyAny>,
        weights: (f64, f64, f64),
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let w = self::weights(weights)?;
        let (r, f, m) = (
            numbers(days_since_last, "days_since_last")?,
            numbers(frequency, "frequency")?,
            numbers(monetary, "monetary")?,
        );
        let (r, f, m) = (slice(&r), slice(&f), slice(&m));
        let fit = &self.inner;
        let scores = empty::<f64>(py, len(r))?;
        {
            let mut out = scores.readwrite();
            let out = out.as_slice_mut()?;
            without_gil(py, move || {
                with_slices!(r, f, m, |x, y, z| fit.score_into(x, y, z, &w, out))
            })?;
        }
        Ok(scores)
    }

    /// Number of customers fitted.
    #[getter]
    fn count(&self) -> u64 {
        self.inner.recency.count()
    }

    /// Distinct values per dimension (days_since_last, frequency, monetary): the fit's size.
    #[getter]
    fn distinct_values(&self) -> (usize, usize, usize) {
        (
            self.inner.recency.values().len(),
            self.inner.frequency.values().len(),
            self.inner.monetary.values().len(),
        )
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
            "PercentileRankFit(customers={}, distinct_values={:?})",
            self.count(),
            self.distinct_values()
        )
    }
}

/// Tier codes of the layered reading: 0 churn risk, 1 general, 2 potential, 3 high value.
///
/// Args:
///     scores: float64 array of scores.
///     thresholds: (general, potential, high_value), strictly increasing.
///
/// Returns:
///     numpy.ndarray of uint8
#[pyfunction]
#[pyo3(signature = (scores, thresholds=(0.3, 0.5, 0.8)))]
fn layered_tier_codes_of<'py>(
    py: Python<'py>,
    scores: &Bound<'py, PyAny>,
    thresholds: (f64, f64, f64),
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let t = LayeredThresholds::new(thresholds.0, thresholds.1, thresholds.2).py()?;
    let scores = columns::floats(scores, "scores")?;
    let scores = scores.as_slice();
    let codes = without_gil(py, move || Ok(t.codes(scores)))?;
    Ok(codes.into_pyarray(py))
}

/// Diagnostics of one scoring run: a dominant tier, unreachable and empty segments.
///
/// Args:
///     tier_names: tier names by code.
///     tier_codes: uint8 tier codes.
///     rules: the SegmentRules the segments came from.
///     segment_codes: uint16 segment codes.
///     bins: the (R, F, M) QuantileBins of the segment scores.
///
/// Returns:
///     dict with tier_names, tier_counts, dominant_tier, largest_tier_share, segment_names,
///     segment_counts, unreachable_segments, empty_segments and warnings (sentences).
#[pyfunction]
fn rfm_diagnostics<'py>(
    py: Python<'py>,
    tier_names: Vec<String>,
    tier_codes: &Bound<'py, PyAny>,
    rules: &PySegmentRules,
    segment_codes: &Bound<'py, PyAny>,
    bins: (
        PyRef<'py, PyQuantileBins>,
        PyRef<'py, PyQuantileBins>,
        PyRef<'py, PyQuantileBins>,
    ),
) -> PyResult<Bound<'py, PyDict>> {
    let tiers = columns::numpy_values::<u8>(tier_codes, "tier")?;
    let segments = columns::numpy_values::<u16>(segment_codes, "segment")?;
    let names: Vec<&str> = tier_names.iter().map(String::as_str).collect();
    let d = RfmDiagnostics::new(
        &names,
        tiers.as_slice(),
        &rules.inner,
        segments.as_slice(),
        [&bins.0.inner, &bins.1.inner, &bins.2.inner],
    )
    .py()?;
    let out = PyDict::new(py);
    out.set_item("warnings", d.warnings())?;
    out.set_item("tier_names", d.tier_names)?;
    out.set_item("tier_counts", d.tier_counts)?;
    out.set_item("dominant_tier", d.dominant_tier)?;
    out.set_item("largest_tier_share", d.largest_tier_share)?;
    out.set_item("segment_names", d.segment_names)?;
    out.set_item("segment_counts", d.segment_counts)?;
    out.set_item("unreachable_segments", d.unreachable_segments)?;
    out.set_item("empty_segments", d.empty_segments)?;
    Ok(out)
}

/// The tier (or segment) summary table.
///
/// Args:
///     codes: int64 group codes in 0..groups (a negative code is reported as out of range).
///     groups: the number of groups.
///     days_since_last, frequency, monetary: float64 arrays of equal length.
///
/// Returns:
///     dict of numpy arrays: customers, share, revenue_share, mean_days_since_last,
///     mean_frequency, mean_monetary (one entry per group; means NaN for empty groups).
#[pyfunction]
fn group_summary<'py>(
    py: Python<'py>,
    codes: &Bound<'py, PyAny>,
    groups: usize,
    days_since_last: &Bound<'py, PyAny>,
    frequency: &Bound<'py, PyAny>,
    monetary: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let codes = columns::numpy_values::<i64>(codes, "group")?;
    let (r, f, m) = (
        columns::floats(days_since_last, "days_since_last")?,
        columns::floats(frequency, "frequency")?,
        columns::floats(monetary, "monetary")?,
    );
    let (codes, r, f, m) = (codes.as_slice(), r.as_slice(), f.as_slice(), m.as_slice());
    let rows = without_gil(py, move || {
        // Negative codes become u32::MAX, which the core reports as out of range.
        let codes: Vec<u32> = codes
            .iter()
            .map(|&c| u32::try_from(c).unwrap_or(u32::MAX))
            .collect();
        core_group_summary(&codes, groups, r, f, m)
    })?;
    let out = PyDict::new(py);
    let column = |get: fn(&crmkit::rfm::tiers::GroupSummary) -> f64| -> Vec<f64> {
        rows.iter().map(get).collect()
    };
    out.set_item(
        "customers",
        rows.iter()
            .map(|g| g.customers)
            .collect::<Vec<u64>>()
            .into_pyarray(py),
    )?;
    out.set_item("share", column(|g| g.share).into_pyarray(py))?;
    out.set_item(
        "revenue_share",
        column(|g| g.revenue_share).into_pyarray(py),
    )?;
    out.set_item(
        "mean_days_since_last",
        column(|g| g.mean_days_since_last).into_pyarray(py),
    )?;
    out.set_item(
        "mean_frequency",
        column(|g| g.mean_frequency).into_pyarray(py),
    )?;
    out.set_item(
        "mean_monetary",
        column(|g| g.mean_monetary).into_pyarray(py),
    )?;
    Ok(out)
}

/// Revenue concentration: share of the top customers and the Gini coefficient of spend.
///
/// Args:
///     monetary: non-negative spend per customer.
///     top_fraction: the top share of customers, in (0, 1].
///
/// Returns:
///     dict with customers, total, top_fraction, top_customers, top_share, gini.
#[pyfunction]
#[pyo3(signature = (monetary, top_fraction=0.2))]
fn concentration<'py>(
    py: Python<'py>,
    monetary: &Bound<'py, PyAny>,
    top_fraction: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let values = columns::floats(monetary, "monetary")?;
    let values = values.as_slice();
    let c = without_gil(py, move || core_concentration(values, top_fraction))?;
    let d = PyDict::new(py);
    d.set_item("customers", c.customers)?;
    d.set_item("total", c.total)?;
    d.set_item("top_fraction", c.top_fraction)?;
    d.set_item("top_customers", c.top_customers)?;
    d.set_item("top_share", c.top_share)?;
    d.set_item("gini", c.gini)?;
    Ok(d)
}

/// Registers the scoring classes and functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMinMaxFit>()?;
    m.add_class::<PyQuantileBins>()?;
    m.add_class::<PySegmentRules>()?;
    m.add_class::<PyPercentileRankFit>()?;
    m.add_function(wrap_pyfunction!(layered_tier_codes_of, m)?)?;
    m.add_function(wrap_pyfunction!(rfm_diagnostics, m)?)?;
    m.add_function(wrap_pyfunction!(group_summary, m)?)?;
    m.add_function(wrap_pyfunction!(tier_codes_of, m)?)?;
    m.add_function(wrap_pyfunction!(check_rfm_config, m)?)?;
    m.add_function(wrap_pyfunction!(concentration, m)?)?;
    Ok(())
}
