//! The action playbook: array-level building blocks for `python/crmkit/playbook.py`.

use std::collections::HashMap;

use crmkit::names::parse_categories;
use crmkit::playbook::{AlertLevel, CustomerContext, Playbook, Tier};
use crmkit::value::quadrant::ValueQuadrant;
use crmkit::{CrmkitError, Result};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::IntoPyResult;
use crate::json::{self, Reduced, json_class};
use crate::without_gil;

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

json_class!(
    PyPlaybook,
    Playbook,
    "Playbook",
    load = Playbook::from_json,
    dump = Playbook::to_json
);

/// One categorical input column of `Playbook.apply_codes`: codes (-1 = missing) and names.
type CodedColumn<'py> = Option<(PyReadonlyArray1<'py, i64>, Vec<String>)>;

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
        json::from_json(text)
    }

    /// The playbook as pretty-printed JSON.
    fn to_json(&self) -> PyResult<String> {
        json::to_json(self)
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
            tier: tier.map(str::parse::<Tier>).transpose().py()?,
            segment,
            quadrant: quadrant.map(str::parse::<ValueQuadrant>).transpose().py()?,
            alert: alert.map(str::parse::<AlertLevel>).transpose().py()?,
        };
        let rec = self.inner.recommend(&ctx);
        let d = PyDict::new(py);
        d.set_item("actions", strings(&rec.actions))?;
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
                .map(|(c, names)| parse_categories::<Tier>("tier", c, names))
                .transpose()?;
            let quadrant_of = q
                .as_ref()
                .map(|(c, names)| parse_categories::<ValueQuadrant>("quadrant", c, names))
                .transpose()?;
            let alert_of = a
                .as_ref()
                .map(|(c, names)| parse_categories::<AlertLevel>("alert", c, names))
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
                    recs.push((strings(&rec.actions), rec.channels, rec.matched));
                }
                index.push(slot);
            }
            Ok((index, recs))
        })?;
        Ok((index.into_pyarray(py), recs))
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
            "Playbook(tiers={}, segments={}, quadrants={}, alerts={}, priority={:?})",
            self.inner.tiers.len(),
            self.inner.segments.len(),
            self.inner.quadrants.len(),
            self.inner.alerts.len(),
            self.priority()
        )
    }
}

/// Registers the playbook class.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPlaybook>()?;
    Ok(())
}

/// The string forms of actions, for Python.
fn strings(actions: &[crmkit::playbook::Action]) -> Vec<String> {
    actions.iter().map(ToString::to_string).collect()
}
