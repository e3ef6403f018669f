//! Customer value and the value–potential matrix: array-level building blocks for
//! `python/crmkit/value.py`.

use crmkit::CrmkitError;
use crmkit::data::refunds::value_potential_matrix_with_rule;
use crmkit::value::quadrant::{QuadrantSplit, ValueQuadrant};
use crmkit::value::scores::{self as cv, CoreListSize, MarginTiming, RetentionClv, ValueWeights};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::columns::{self, Ids, strs};
use crate::errors::{IntArg, IntoPyResult, config, whole, whole_opt};
use crate::without_gil;

/// Simple CLV per customer: avg_order_value × purchases_per_period × expected_lifetime × margin.
///
/// Args:
///     avg_order_value, purchases_per_period, expected_lifetime_periods, gross_margin: float64
///         arrays of length n (the longest), or of length 1 to apply one value to everyone.
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
    horizon: Option<IntArg>,
    timing: &str,
) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
    let horizon: Option<u32> = whole_opt("horizon", horizon)?;
    let timing: MarginTiming = crmkit::names::parse_keyword("timing", timing).py()?;
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
///     weights: three weights (historical, potential, strategic), finite, >= 0, summing to 1.
///
/// Errors name the keywords of `crmkit.value_scores`: `customer_id`, `weights`.
///
/// Returns:
///     dict of numpy arrays `historical`, `potential`, `strategic`, `composite` (float64, in
///     [0, 1]) and `rank` (int64, 1 = most valuable, ties broken by ascending id).
#[pyfunction]
#[pyo3(signature = (customer_id, historical, potential, strategic, weights=vec![0.4, 0.4, 0.2]))]
fn value_scores<'py>(
    py: Python<'py>,
    customer_id: &Bound<'py, PyAny>,
    historical: &Bound<'py, PyAny>,
    potential: &Bound<'py, PyAny>,
    strategic: &Bound<'py, PyAny>,
    weights: Vec<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let [historical_weight, potential_weight, strategic_weight] = weights[..] else {
        return Err(config("weights", &weights, "expected three weights"));
    };
    let weights = ValueWeights {
        historical: historical_weight,
        potential: potential_weight,
        strategic: strategic_weight,
    };
    // the core's names (`value_weights`, `customer_ids`) → the keywords the user typed
    let typed = |e: CrmkitError| {
        e.rename_field("value_weights", "weights")
            .rename_field("customer_ids", "customer_id")
    };
    weights.validate().map_err(typed).py()?;
    let ids = columns::ids(customer_id, "customer_id")?;
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
    // one generic call for every id type
    fn scores<K: Ord + Clone + std::fmt::Debug>(
        ids: &[K],
        (h, p, s): (&[f64], &[f64], &[f64]),
        weights: &ValueWeights,
    ) -> crmkit::Result<Cols> {
        cv::composite_value_scores(ids, h, p, s, weights).map(unzip)
    }
    let (subs, w) = ((h, p, s), &weights);
    let cols = match &ids {
        Ids::Int(values) => {
            let ids = values.as_slice();
            without_gil(py, move || scores(ids, subs, w).map_err(typed))?
        }
        Ids::Str(array) => without_gil(py, move || scores(&strs(array), subs, w).map_err(typed))?,
        Ids::UInt(values) => {
            let ids = values.as_slice();
            without_gil(py, move || scores(ids, subs, w).map_err(typed))?
        }
        Ids::Wide(ids) => without_gil(py, move || scores(ids, subs, w).map_err(typed))?,
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
fn core_list_size(n: IntArg, top_k: Option<IntArg>, top_percent: Option<f64>) -> PyResult<usize> {
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

/// The rows of the core list: the positions of the best ranks, in rank order (equal ranks in
/// row order).
///
/// Args:
///     ranks: int64 array, the rank of each row (1 = most valuable).
///     top_k: the k best rows, or None.
///     top_percent: the best p % (0 < p <= 100, rounded up), or None. Exactly one of the two.
///
/// Returns:
///     numpy.ndarray of int64 row positions
#[pyfunction]
#[pyo3(signature = (ranks, top_k=None, top_percent=None))]
fn core_list_rows<'py>(
    py: Python<'py>,
    ranks: &Bound<'py, PyAny>,
    top_k: Option<IntArg>,
    top_percent: Option<f64>,
) -> PyResult<Bound<'py, numpy::PyArray1<i64>>> {
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
    let columns::Numbers::I64(ranks) = columns::numbers(ranks, "rank")? else {
        return Err(config("rank", "floats", "expected integer ranks"));
    };
    let r = ranks.as_slice();
    let rows = without_gil(py, move || cv::core_list_rows(r, size))?;
    Ok(rows
        .into_iter()
        .map(|i| i as i64)
        .collect::<Vec<_>>()
        .into_pyarray(py))
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
///     negative_value: 'exclude' (default: customers with value < 0 — refunds exceeding
///         purchases — are left out, quadrant code -1, and counted in `excluded`) or 'error'.
///
/// Returns:
///     dict with `quadrant` (int8 codes into `names`, -1 = left out), `high_value` and
///     `high_potential` (bool, False for those left out), `excluded`, `names`, `value_split`,
///     `potential_split` and the summary lists `customers`, `customer_share`, `total_value`,
///     `value_share` (None when the total value is 0) and `treatment`, in the order of `names`.
#[pyfunction]
#[pyo3(signature = (value, potential, thresholds=None, *, negative_value="exclude"))]
fn value_potential_matrix<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
    potential: &Bound<'py, PyAny>,
    thresholds: Option<(f64, f64)>,
    negative_value: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let rule = crate::clv::spend_rule("negative_value", negative_value)?;
    let split = match thresholds {
        None => QuadrantSplit::Median,
        Some((value, potential)) => QuadrantSplit::Thresholds { value, potential },
    };
    let v = columns::floats(value, "value")?;
    let p = columns::floats(potential, "potential")?;
    let (v, p) = (v.as_slice(), p.as_slice());
    let (m, codes, high_value, high_potential) = without_gil(py, move || {
        let mut m = value_potential_matrix_with_rule(v, p, split, rule)?;
        let n = m.quadrants.len();
        let (mut codes, mut high_value, mut high_potential) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for q in &m.quadrants {
            let code = q.and_then(|q| ValueQuadrant::ALL.iter().position(|&a| a == q));
            codes.push(code.map_or(-1, |i| i as i8));
            high_value.push(q.is_some_and(|q| q.is_high_value()));
            high_potential.push(q.is_some_and(|q| q.is_high_potential()));
        }
        m.quadrants = Vec::new();
        Ok((m, codes, high_value, high_potential))
    })?;
    let d = PyDict::new(py);
    d.set_item("quadrant", codes.into_pyarray(py))?;
    d.set_item("high_value", high_value.into_pyarray(py))?;
    d.set_item("high_potential", high_potential.into_pyarray(py))?;
    d.set_item("excluded", m.excluded.count())?;
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

/// Registers the value functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(simple_clv, m)?)?;
    m.add_function(wrap_pyfunction!(retention_clv, m)?)?;
    m.add_function(wrap_pyfunction!(value_scores, m)?)?;
    m.add_function(wrap_pyfunction!(core_list_size, m)?)?;
    m.add_function(wrap_pyfunction!(core_list_rows, m)?)?;
    m.add_function(wrap_pyfunction!(value_potential_matrix, m)?)?;
    Ok(())
}
