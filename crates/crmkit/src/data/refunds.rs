//! The refund policy, one rule through the pipeline.
//!
//! - **Reading a log** ([`crate::rfm::features::rfm_features`], [`crate::clv::summary::btyd_summary`],
//!   [`crate::churn::compute_churn_signals`], [`crate::lifecycle::purchase_history`]):
//!   [`NegativeAmounts`] says what a negative amount is — an error naming its row (the default)
//!   or, with `Net`, a refund. A refund is never a purchase anywhere: it adds to no frequency,
//!   `x`, purchase day, first / last purchase, activity or lifecycle purchase; its amount is
//!   netted (summed exactly, see [`crate::math::exact_sum`]) against the spend of the period it falls
//!   in. Refund rows are counted in each function's report.
//! - **Using spend** (the Gamma–Gamma fit, CLV, the value–potential matrix): netting can leave a
//!   customer with a total or mean spend ≤ 0, which no spend model accepts. Such customers are
//!   left out by a named rule, [`NON_POSITIVE_SPEND`] (repeat customers, `x > 0`, whose mean
//!   repeat spend `m_x` ≤ 0) — counted in a [`SpendExclusions`] report, never failing the
//!   population — or, with [`NonPositiveSpend::Error`], an error naming the first such row.
//!   Per-customer outputs keep every customer in input order: a left-out customer's value is
//!   NaN (Rust) / missing (Python) and the report lists its row.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::clv::{
    ContinuousDiscounting, GammaGammaParams, MonthlyDiscounting, SpendData, TransactionModel,
    clv_dert, clv_monthly_steps,
};
use crate::names::named_enum;
use crate::value::quadrant::{
    QuadrantSplit, QuadrantSummary, ValueQuadrant, value_potential_matrix,
};
use crate::{CrmkitError, Result};

pub use crate::data::transactions::NegativeAmounts;

/// The name of the rule that leaves out repeat customers whose mean spend is ≤ 0.
pub const NON_POSITIVE_SPEND: &str = "non_positive_spend";

/// The name of the rule that leaves customers with a negative current value (refunds exceed
/// purchases) out of the value–potential matrix. A value of exactly 0 is a valid low-value
/// customer (e.g. no purchase in the monetary window) and stays.
pub const NEGATIVE_VALUE: &str = "negative_value";

named_enum! {
    /// What to do with a repeat customer whose net mean spend is ≤ 0 (possible once refunds are
    /// netted) where a model needs a positive spend. Its names (`exclude`, `error`; serde and
    /// strum alike) are the values of the `non_positive_spend` / `negative_value` keywords.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::refunds::NonPositiveSpend;
    /// assert_eq!(NonPositiveSpend::default(), NonPositiveSpend::Exclude);
    /// let rule: NonPositiveSpend = serde_json::from_str("\"error\"").unwrap();
    /// assert_eq!(rule, NonPositiveSpend::Error);
    /// let rule = crmkit::names::parse_keyword::<NonPositiveSpend>("non_positive_spend", "exclude")?;
    /// assert_eq!(rule, NonPositiveSpend::Exclude);
    /// let err = "drop".parse::<NonPositiveSpend>().unwrap_err();
    /// assert_eq!(err.field(), Some("non_positive_spend"));
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    #[derive(Default)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum NonPositiveSpend parsed as "non_positive_spend" {
        /// Leave the customer out and count them in the [`SpendExclusions`] (the default).
        #[default]
        Exclude,
        /// Fail with [`CrmkitError::InvalidValue`] naming the first such row.
        Error,
    }
}

/// The customers a spend rule left out: the rule's name and their rows (input order).
///
/// # Examples
///
/// ```
/// use crmkit::data::refunds::{NonPositiveSpend, SpendExclusions};
/// let e = SpendExclusions::non_positive_spend(&[2.0, 0.0, 1.0], &[-5.0, 0.0, 10.0], NonPositiveSpend::Exclude)?;
/// assert_eq!(e.rows, vec![0]); // x = 0 customers have no repeat spend to judge
/// assert_eq!(e.describe().unwrap(), "1 customers with net spend <= 0 were left out (rule non_positive_spend)");
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendExclusions {
    /// The rule that left them out ([`NON_POSITIVE_SPEND`]).
    pub rule: String,
    /// Rows left out, ascending.
    pub rows: Vec<usize>,
}

impl SpendExclusions {
    /// Applies the [`NON_POSITIVE_SPEND`] rule: rows with `x > 0` and a finite mean spend ≤ 0.
    /// (Non-finite or otherwise invalid values are left for the model's own checks, which name
    /// them.)
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::refunds::{NonPositiveSpend, SpendExclusions};
    /// let err = SpendExclusions::non_positive_spend(&[1.0], &[-2.0], NonPositiveSpend::Error).unwrap_err();
    /// assert_eq!((err.field(), err.row()), (Some("mean_spend"), Some(0)));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`]; with [`NonPositiveSpend::Error`],
    /// [`CrmkitError::InvalidValue`] naming `mean_spend`, the first such row and its value.
    pub fn non_positive_spend(
        x: &[f64],
        mean_spend: &[f64],
        rule: NonPositiveSpend,
    ) -> Result<Self> {
        CrmkitError::check_len("mean_spend", x.len(), mean_spend.len())?;
        let rows: Vec<usize> = x
            .iter()
            .zip(mean_spend)
            .enumerate()
            .filter(|(_, (x, m))| **x > 0.0 && m.is_finite() && **m <= 0.0)
            .map(|(row, _)| row)
            .collect();
        if let (NonPositiveSpend::Error, Some(&row)) = (rule, rows.first()) {
            return Err(CrmkitError::invalid_value(
                "mean_spend",
                row,
                mean_spend[row],
                "a repeat customer's net spend must be > 0 (rule non_positive_spend; pass \
                 non_positive_spend = exclude to leave such customers out and have them counted)",
            ));
        }
        Ok(Self {
            rule: NON_POSITIVE_SPEND.to_owned(),
            rows,
        })
    }

    /// Customers left out.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::data::refunds::SpendExclusions::default().count(), 0);
    /// ```
    pub fn count(&self) -> usize {
        self.rows.len()
    }

    /// Applies the [`NEGATIVE_VALUE`] rule: rows with a finite value < 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::refunds::{NonPositiveSpend, SpendExclusions};
    /// let e = SpendExclusions::negative_value(&[3.0, 0.0, -1.5], NonPositiveSpend::Exclude)?;
    /// assert_eq!((e.rule.as_str(), e.rows.clone()), ("negative_value", vec![2]));
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// With [`NonPositiveSpend::Error`], [`CrmkitError::InvalidValue`] naming `value`, the first
    /// such row and its value.
    pub fn negative_value(value: &[f64], rule: NonPositiveSpend) -> Result<Self> {
        let rows: Vec<usize> = (0..value.len()).filter(|&r| value[r] < 0.0).collect();
        if let (NonPositiveSpend::Error, Some(&row)) = (rule, rows.first()) {
            return Err(CrmkitError::invalid_value(
                "value",
                row,
                value[row],
                "current value must be >= 0 (rule negative_value; pass negative_value = exclude \
                 to leave such customers out and have them counted)",
            ));
        }
        Ok(Self {
            rule: NEGATIVE_VALUE.to_owned(),
            rows,
        })
    }

    /// What was left out, as a sentence for warnings; `None` when nothing was.
    ///
    /// # Examples
    ///
    /// See [`SpendExclusions`].
    pub fn describe(&self) -> Option<String> {
        (!self.rows.is_empty()).then(|| {
            let what = if self.rule == NEGATIVE_VALUE {
                "a negative current value"
            } else {
                "net spend <= 0"
            };
            format!(
                "{} customers with {what} were left out (rule {})",
                self.rows.len(),
                self.rule
            )
        })
    }

    /// `column` without the left-out rows (borrowed when none is left out).
    fn keep<'a, T: Copy>(&self, column: &'a [T]) -> Cow<'a, [T]> {
        if self.rows.is_empty() {
            return Cow::Borrowed(column);
        }
        let mut out = Vec::with_capacity(column.len() - self.rows.len().min(column.len()));
        let mut skip = self.rows.iter().peekable();
        for (row, &v) in column.iter().enumerate() {
            if skip.peek() == Some(&&row) {
                skip.next();
            } else {
                out.push(v);
            }
        }
        Cow::Owned(out)
    }

    /// The row of the full table of the `kept`-th kept row.
    fn full_row(&self, kept: usize) -> usize {
        // rows are ascending: the full row is kept + the number of left-out rows before it
        let mut row = kept;
        for &r in &self.rows {
            if r <= row {
                row += 1;
            } else {
                break;
            }
        }
        row
    }

    /// Values of the kept rows spread back to `n` rows, NaN at the left-out rows.
    fn restore(&self, n: usize, kept: Vec<f64>) -> Vec<f64> {
        if self.rows.is_empty() {
            return kept;
        }
        let mut out = vec![f64::NAN; n];
        let mut values = kept.into_iter();
        let mut skip = self.rows.iter().peekable();
        for (row, o) in out.iter_mut().enumerate() {
            if skip.peek() == Some(&&row) {
                skip.next();
            } else if let Some(v) = values.next() {
                *o = v;
            }
        }
        out
    }

    /// Runs `compute` on the kept rows of `columns`, maps the rows named by its errors back to
    /// the full table and spreads its per-row output back (NaN at the left-out rows).
    fn run<const N: usize>(
        &self,
        columns: [&[f64]; N],
        compute: impl FnOnce([&[f64]; N]) -> Result<Vec<f64>>,
    ) -> Result<Vec<f64>> {
        let n = columns[0].len();
        if self.rows.is_empty() {
            return compute(columns);
        }
        let kept: Vec<Cow<'_, [f64]>> = columns.iter().map(|c| self.keep(c)).collect();
        let views: [&[f64]; N] = std::array::from_fn(|i| &*kept[i]);
        let values = compute(views).map_err(|e| e.map_row(|r| self.full_row(r)))?;
        Ok(self.restore(n, values))
    }
}

/// Per-customer values with the customers a spend rule left out (NaN at their rows).
///
/// # Examples
///
/// ```
/// use crmkit::data::refunds::{expected_spend, NonPositiveSpend};
/// use crmkit::clv::GammaGammaParams;
/// let params = GammaGammaParams { p: 6.2488, q: 3.7446, gamma: 15.4477 };
/// let s = expected_spend(&params, &[2.0, 3.0], &[-4.0, 20.0], NonPositiveSpend::Exclude)?;
/// assert!(s.values[0].is_nan() && s.values[1] > 20.0);
/// assert_eq!(s.excluded.rows, vec![0]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RuledValues {
    /// One value per customer, in input order; NaN for the customers left out.
    pub values: Vec<f64>,
    /// The customers left out and the rule.
    pub excluded: SpendExclusions,
}

/// Validated repeat-customer spend data for the Gamma–Gamma fit, with the
/// [`NON_POSITIVE_SPEND`] rule applied first: without weights, rows with `x = 0` are left out
/// (as [`SpendData::repeaters`]); with weights every row needs `x ≥ 1`. Errors name rows of the
/// full table.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{FitOptions, GammaGamma};
/// use crmkit::data::refunds::{repeat_spend_data, NonPositiveSpend};
/// // the third customer's refunds exceed their repeat purchases
/// let (data, excluded) =
///     repeat_spend_data(&[2.0, 1.0, 3.0, 0.0], &[20.0, 35.0, -5.0, 0.0], None, NonPositiveSpend::Exclude)?;
/// assert_eq!((data.len(), excluded.rows.clone()), (2, vec![2]));
/// assert!(repeat_spend_data(&[1.0], &[-5.0], None, NonPositiveSpend::Error).is_err());
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// As [`SpendExclusions::non_positive_spend`], [`SpendData::repeaters`] and
/// [`SpendData::with_weights`] (also when every customer is left out: empty input).
pub fn repeat_spend_data(
    x: &[f64],
    mean_spend: &[f64],
    weights: Option<&[f64]>,
    rule: NonPositiveSpend,
) -> Result<(SpendData, SpendExclusions)> {
    let excluded = SpendExclusions::non_positive_spend(x, mean_spend, rule)?;
    if let Some(w) = weights {
        CrmkitError::check_len("weights", x.len(), w.len())?;
    }
    let remap = |e: CrmkitError| e.map_row(|r| excluded.full_row(r));
    let (kx, km) = (excluded.keep(x), excluded.keep(mean_spend));
    let data = match weights {
        Some(w) => SpendData::with_weights(&kx, &km, &excluded.keep(w)).map_err(remap)?,
        None => SpendData::repeaters(&kx, &km).map_err(remap)?,
    };
    Ok((data, excluded))
}

/// Expected spend per purchase of each customer (Fader, Hardie & Lee 2005 "RFM and CLV"
/// eq. A3) with the [`NON_POSITIVE_SPEND`] rule applied: NaN for the customers left out.
///
/// # Examples
///
/// See [`RuledValues`].
///
/// # Errors
///
/// As [`SpendExclusions::non_positive_spend`] and [`GammaGammaParams::expected_spend`].
pub fn expected_spend(
    params: &GammaGammaParams,
    x: &[f64],
    mean_spend: &[f64],
    rule: NonPositiveSpend,
) -> Result<RuledValues> {
    let excluded = SpendExclusions::non_positive_spend(x, mean_spend, rule)?;
    let values = excluded.run([x, mean_spend], |[x, m]| params.expected_spend(x, m))?;
    Ok(RuledValues { values, excluded })
}

/// CLV with discrete monthly discounting and the Gamma–Gamma expected spend
/// ([`crate::clv::FittedGammaGamma::customer_lifetime_value`]) with the
/// [`NON_POSITIVE_SPEND`] rule applied: NaN for the customers left out.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BgNbdParams, GammaGammaParams, MonthlyDiscounting};
/// use crmkit::data::refunds::{customer_lifetime_value, NonPositiveSpend};
/// let spend = GammaGammaParams { p: 6.2488, q: 3.7446, gamma: 15.4477 };
/// let bg = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
/// let clv = customer_lifetime_value(
///     &spend, &bg, &[2.0, 2.0], &[30.43, 30.43], &[38.86, 38.86], &[22.35, -1.0],
///     &MonthlyDiscounting::weekly(12, 0.01), NonPositiveSpend::Exclude,
/// )?;
/// assert!(clv.values[0] > 0.0 && clv.values[1].is_nan());
/// assert_eq!(clv.excluded.count(), 1);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// As [`expected_spend`] and [`clv_monthly_steps`].
#[allow(clippy::too_many_arguments)]
pub fn customer_lifetime_value<M: TransactionModel + ?Sized>(
    spend_model: &GammaGammaParams,
    model: &M,
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    mean_spend: &[f64],
    discounting: &MonthlyDiscounting,
    rule: NonPositiveSpend,
) -> Result<RuledValues> {
    let excluded = SpendExclusions::non_positive_spend(x, mean_spend, rule)?;
    let values = excluded.run([x, t_x, t, mean_spend], |[x, t_x, t, m]| {
        let spend = spend_model.expected_spend(x, m)?;
        clv_monthly_steps(model, &spend, x, t_x, t, discounting)
    })?;
    Ok(RuledValues { values, excluded })
}

/// CLV with continuous discounting (DERT × the Gamma–Gamma expected spend) with the
/// [`NON_POSITIVE_SPEND`] rule applied: NaN for the customers left out.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{ContinuousDiscounting, GammaGammaParams, ParetoNbdParams};
/// use crmkit::data::refunds::{customer_lifetime_value_dert, NonPositiveSpend};
/// let spend = GammaGammaParams { p: 6.2488, q: 3.7446, gamma: 15.4477 };
/// let pnbd = ParetoNbdParams { r: 0.5534, alpha: 10.5802, s: 0.6061, beta: 11.6562 };
/// let d = ContinuousDiscounting { annual_discount_rate: 0.15, time_units_per_year: 52.0 };
/// let clv = customer_lifetime_value_dert(
///     &spend, &pnbd, &[2.0, 1.0], &[30.43, 5.0], &[38.86, 38.86], &[0.0, 20.0], &d,
///     NonPositiveSpend::Exclude,
/// )?;
/// assert!(clv.values[0].is_nan() && clv.values[1] > 0.0);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// As [`expected_spend`] and [`clv_dert`].
#[allow(clippy::too_many_arguments)]
pub fn customer_lifetime_value_dert<M: TransactionModel + ?Sized>(
    spend_model: &GammaGammaParams,
    model: &M,
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    mean_spend: &[f64],
    discounting: &ContinuousDiscounting,
    rule: NonPositiveSpend,
) -> Result<RuledValues> {
    let excluded = SpendExclusions::non_positive_spend(x, mean_spend, rule)?;
    let values = excluded.run([x, t_x, t, mean_spend], |[x, t_x, t, m]| {
        let spend = spend_model.expected_spend(x, m)?;
        clv_dert(model, &spend, x, t_x, t, discounting)
    })?;
    Ok(RuledValues { values, excluded })
}

/// The value–potential matrix with the [`NEGATIVE_VALUE`] rule applied (see
/// [`value_potential_matrix`] for the splits and the summary, computed over the customers kept).
///
/// # Examples
///
/// ```
/// use crmkit::value::quadrant::{QuadrantSplit, ValueQuadrant};
/// use crmkit::data::refunds::{value_potential_matrix_with_rule, NonPositiveSpend};
/// // the second customer's refunds exceed their purchases
/// let m = value_potential_matrix_with_rule(
///     &[5.0, -2.0, 9.0, 3.0], &[0.1, 0.9, 0.8, 0.2], QuadrantSplit::Median, NonPositiveSpend::Exclude,
/// )?;
/// assert_eq!(m.quadrants, [Some(ValueQuadrant::Maintain), None, Some(ValueQuadrant::Deepen), Some(ValueQuadrant::Develop)]);
/// assert_eq!((m.value_split, m.excluded.rows.clone()), (5.0, vec![1]));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// As [`SpendExclusions::negative_value`] and [`value_potential_matrix`] (rows of the full
/// table; empty input when every customer is left out).
pub fn value_potential_matrix_with_rule(
    value: &[f64],
    potential: &[f64],
    split: QuadrantSplit,
    rule: NonPositiveSpend,
) -> Result<RuledValuePotentialMatrix> {
    CrmkitError::check_len("potential", value.len(), potential.len())?;
    let excluded = SpendExclusions::negative_value(value, rule)?;
    let (kv, kp) = (excluded.keep(value), excluded.keep(potential));
    let m =
        value_potential_matrix(&kv, &kp, split).map_err(|e| e.map_row(|r| excluded.full_row(r)))?;
    let mut quadrants = vec![None; value.len()];
    let mut kept = m.quadrants.into_iter();
    let mut skip = excluded.rows.iter().peekable();
    for (row, q) in quadrants.iter_mut().enumerate() {
        if skip.peek() == Some(&&row) {
            skip.next();
        } else {
            *q = kept.next();
        }
    }
    Ok(RuledValuePotentialMatrix {
        value_split: m.value_split,
        potential_split: m.potential_split,
        quadrants,
        summary: m.summary,
        excluded,
    })
}

/// The result of [`value_potential_matrix_with_rule`].
///
/// # Examples
///
/// See [`value_potential_matrix_with_rule`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuledValuePotentialMatrix {
    /// The value split point used (over the customers kept).
    pub value_split: f64,
    /// The potential split point used.
    pub potential_split: f64,
    /// Quadrant of each customer, in input order; `None` for the customers left out.
    pub quadrants: Vec<Option<ValueQuadrant>>,
    /// One row per quadrant (deepen, maintain, develop, automate) over the customers kept.
    pub summary: Vec<QuadrantSummary>,
    /// The customers left out and the rule.
    pub excluded: SpendExclusions,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::clv::{FitOptions, GammaGamma};

    #[test]
    fn one_bad_customer_never_fails_the_population() {
        // Before the rule: "invalid mean_spend at row 2 ... must be > 0" for the whole fit.
        let x = [2.0, 1.0, 3.0, 0.0, 4.0, 2.0];
        let m = [20.0, 35.0, -5.0, 0.0, 0.0, 28.0];
        assert!(SpendData::repeaters(&x, &m).is_err());
        let (data, excluded) = repeat_spend_data(&x, &m, None, NonPositiveSpend::Exclude).unwrap();
        assert_eq!(excluded.rows, vec![2, 4]);
        assert_eq!(data.len(), 3);
        // and the fit runs on the rest (a population with varied spend, plus refund-only rows)
        let mut big_x: Vec<f64> = (0..60).map(|i| f64::from(1 + i % 5)).collect();
        let mut big_m: Vec<f64> = (0..60)
            .map(|i| 10.0 + f64::from(i * 7 % 23) * 1.5)
            .collect();
        big_x.extend([2.0, 3.0]);
        big_m.extend([-12.5, 0.0]);
        assert!(SpendData::repeaters(&big_x, &big_m).is_err());
        let (d, e) = repeat_spend_data(&big_x, &big_m, None, NonPositiveSpend::Exclude).unwrap();
        assert_eq!(e.rows, vec![60, 61]);
        assert!(GammaGamma::fit(&d, &FitOptions::default()).is_ok());
        let err = repeat_spend_data(&x, &m, None, NonPositiveSpend::Error).unwrap_err();
        assert_eq!((err.field(), err.row()), (Some("mean_spend"), Some(2)));
        // errors of the kept rows still name rows of the full table
        let bad = [20.0, -1.0, f64::NAN, 0.0, 1.0, 2.0];
        let err = repeat_spend_data(&x, &bad, None, NonPositiveSpend::Exclude).unwrap_err();
        assert_eq!(err.row(), Some(2));
        let w = [1.0, 1.0, 1.0, 1.0, 1.0, 2.0];
        let x1 = [2.0, 1.0, 3.0, 1.0, 4.0, 2.0];
        let err = repeat_spend_data(
            &x1,
            &[1.0, -1.0, 2.0, 3.0, f64::NAN, 1.0],
            Some(&w),
            NonPositiveSpend::Exclude,
        )
        .unwrap_err();
        assert_eq!(err.row(), Some(4));
    }

    #[test]
    fn keep_restore_and_row_mapping_are_inverse() {
        let e = SpendExclusions {
            rule: NON_POSITIVE_SPEND.into(),
            rows: vec![0, 2, 3, 7],
        };
        let column: Vec<f64> = (0..9).map(f64::from).collect();
        assert!(matches!(
            SpendExclusions::default().keep(&column),
            Cow::Borrowed(_)
        ));
        let kept = e.keep(&column);
        assert_eq!(*kept, [1.0, 4.0, 5.0, 6.0, 8.0]);
        for (k, v) in kept.iter().enumerate() {
            assert_eq!(e.full_row(k) as f64, *v);
        }
        let back = e.restore(9, kept.into_owned());
        for (row, v) in back.iter().enumerate() {
            assert!(if e.rows.contains(&row) {
                v.is_nan()
            } else {
                *v == row as f64
            });
        }
    }
}
