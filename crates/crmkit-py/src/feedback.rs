//! NPS and CSAT with their intervals, overall and by segment; array-level building blocks
//! for `python/crmkit/feedback.py`.

use std::borrow::Cow;

use crmkit::Result;
use crmkit::feedback::{
    self as fb, NpsCounts, NpsIntervalMethod, NpsSummary, ProportionIntervalMethod,
};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::columns::{self, Ids, Numbers, strs};
use crate::errors::{IntArg, IntoPyResult, whole};
use crate::needs::set_list;
use crate::without_gil;

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

/// Reads the `answers` column (int64 or float64) and runs `work` on it as f64 with the GIL
/// released.
fn on_answers<'py, T: Send>(
    py: Python<'py>,
    answers: &Bound<'py, PyAny>,
    work: impl Send + FnOnce(&[f64]) -> Result<T>,
) -> PyResult<T> {
    let answers = columns::numbers(answers, "answers")?;
    let answers = answer_slice(&answers);
    without_gil(py, move || work(&answers_f64(answers)))
}

fn nps_method(method: &str) -> PyResult<NpsIntervalMethod> {
    crmkit::names::parse_keyword("method", method).py()
}

fn proportion_method(method: &str) -> PyResult<ProportionIntervalMethod> {
    crmkit::names::parse_keyword("method", method).py()
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
    d.set_item("method", <&str>::from(s.method))?;
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
    d.set_item("method", <&str>::from(s.method))?;
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
    let s = on_answers(py, answers, move |a| fb::nps(a, method, confidence))?;
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
    promoters: IntArg,
    passives: IntArg,
    detractors: IntArg,
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
    counts_a: (IntArg, IntArg, IntArg),
    counts_b: (IntArg, IntArg, IntArg),
    confidence: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let counts = |field: &str, c: (IntArg, IntArg, IntArg)| -> PyResult<NpsCounts> {
        Ok(NpsCounts {
            promoters: whole(field, c.0)?,
            passives: whole(field, c.1)?,
            detractors: whole(field, c.2)?,
        })
    };
    let (a, b) = (counts("counts_a", counts_a)?, counts("counts_b", counts_b)?);
    let c = fb::compare_nps(&a, &b, confidence).py()?;
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
    let s = on_answers(py, answers, move |a| fb::csat(a, method, confidence))?;
    csat_dict(py, &s)
}

/// Confidence interval of a proportion successes / trials.
///
/// Returns:
///     (lower, upper)
#[pyfunction]
#[pyo3(signature = (successes, trials, method="wilson", confidence=0.95))]
fn proportion_interval(
    successes: IntArg,
    trials: IntArg,
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
    // Errors name the public keywords of `nps_by_segment` / `csat_by_segment` (`segment`,
    // `answer`), not the core's parameter names.
    let named = |e: crmkit::CrmkitError| {
        e.rename_field("answers", "answer")
            .rename_field("segments", "segment")
    };
    let ids = columns::ids(segments, "segment")?;
    let answers = columns::numbers(answers, "answer")?;
    let answers = answer_slice(&answers);
    match &ids {
        Ids::Int(values) => {
            let keys = values.as_slice();
            without_gil(py, move || {
                let rows = run_int(keys, &answers_f64(answers)).map_err(named)?;
                let (k, s): (Vec<i64>, Vec<S>) =
                    rows.into_iter().map(|r| (r.segment, r.score)).unzip();
                Ok((Keys::Int(k), s))
            })
        }
        Ids::Str(array) => without_gil(py, move || {
            let keys = strs(array);
            let rows = run_str(&keys, &answers_f64(answers)).map_err(named)?;
            let (k, s): (Vec<String>, Vec<S>) = rows
                .into_iter()
                .map(|r| (r.segment.to_owned(), r.score))
                .unzip();
            Ok((Keys::Str(k), s))
        }),
        Ids::UInt(_) | Ids::Wide(_) => Err(Ids::unsupported("segment")),
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
    let answers = columns::numbers(answers, "answer")?;
    let answers = answer_slice(&answers);
    let bought = repurchased.as_array().to_vec();
    let clv = columns::floats(clv, "clv")?;
    let clv = clv.as_slice();
    let rows = without_gil(py, move || {
        // The public keyword is `answer` (the core's parameter is `answers`).
        fb::nps_group_outcomes(&answers_f64(answers), &bought, clv)
            .map_err(|e| e.rename_field("answers", "answer"))
    })?;
    let d = PyDict::new(py);
    set_list(&d, "group", &rows, |r| r.group.as_str())?;
    set_list(&d, "respondents", &rows, |r| r.respondents)?;
    set_list(&d, "repurchase_rate", &rows, |r| r.repurchase_rate)?;
    set_list(&d, "mean_clv", &rows, |r| r.mean_clv)?;
    Ok(d)
}

/// Registers the feedback functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(nps, m)?)?;
    m.add_function(wrap_pyfunction!(nps_from_counts, m)?)?;
    m.add_function(wrap_pyfunction!(compare_nps, m)?)?;
    m.add_function(wrap_pyfunction!(csat, m)?)?;
    m.add_function(wrap_pyfunction!(proportion_interval, m)?)?;
    m.add_function(wrap_pyfunction!(nps_by_segment, m)?)?;
    m.add_function(wrap_pyfunction!(csat_by_segment, m)?)?;
    m.add_function(wrap_pyfunction!(nps_group_outcomes, m)?)?;
    Ok(())
}
