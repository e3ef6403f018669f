//! Customer lifetime value from a transaction model and expected spend, with the discounting
//! convention named explicitly.

use serde::{Deserialize, Serialize};

use super::data::at_row;
use super::{PerXT, TransactionModel};
use crate::{CrmkitError, Result};

/// Discrete monthly discounting as in lifetimes 0.11.3 and pymc-marketing: the value of month i
/// (i = 1..=`months`) is discounted by (1 + d)^i.
///
/// The model's time unit is converted to months by `time_units_per_month`: 4.345 for weekly data,
/// 30 for daily data. Using the daily factor on weekly data is the classic mistake that gives a
/// CLV about four times too large.
///
/// # Examples
///
/// ```
/// use crmkit::clv::MonthlyDiscounting;
/// let d = MonthlyDiscounting::weekly(12, 0.01);
/// assert_eq!(d.time_units_per_month, 4.345);
/// assert!(d.validate().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MonthlyDiscounting {
    /// Horizon in months.
    pub months: u32,
    /// Discount rate per month (0.01 = 1% a month).
    pub monthly_discount_rate: f64,
    /// Model time units per month (4.345 weeks, 30 days, 1 month, 720 hours).
    pub time_units_per_month: f64,
}

impl MonthlyDiscounting {
    /// Weeks per month used by lifetimes (`freq="W"`).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::MonthlyDiscounting;
    /// assert!((MonthlyDiscounting::WEEKS_PER_MONTH * 12.0 - 52.14).abs() < 1e-9);
    /// ```
    pub const WEEKS_PER_MONTH: f64 = 4.345;
    /// Days per month used by lifetimes (`freq="D"`).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::MonthlyDiscounting;
    /// assert_eq!(MonthlyDiscounting::DAYS_PER_MONTH, 30.0);
    /// ```
    pub const DAYS_PER_MONTH: f64 = 30.0;

    /// Longest horizon accepted, in months (100 years): the sum has one term per month, each an
    /// expectation per customer, so the work and the memory grow with it.
    pub const MAX_MONTHS: u32 = 1200;

    /// For a model fitted in weeks.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::MonthlyDiscounting;
    /// assert_eq!(MonthlyDiscounting::weekly(6, 0.0).months, 6);
    /// ```
    pub fn weekly(months: u32, monthly_discount_rate: f64) -> Self {
        Self {
            months,
            monthly_discount_rate,
            time_units_per_month: Self::WEEKS_PER_MONTH,
        }
    }

    /// For a model fitted in days.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::MonthlyDiscounting;
    /// assert_eq!(MonthlyDiscounting::daily(6, 0.0).time_units_per_month, 30.0);
    /// ```
    pub fn daily(months: u32, monthly_discount_rate: f64) -> Self {
        Self {
            months,
            monthly_discount_rate,
            time_units_per_month: Self::DAYS_PER_MONTH,
        }
    }

    /// Checks the settings.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::MonthlyDiscounting;
    /// assert!(MonthlyDiscounting::weekly(12, -1.5).validate().is_err());
    /// assert!(MonthlyDiscounting::weekly(u32::MAX, 0.01).validate().is_err()); // > 1,200 months
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] when the rate is not finite or ≤ −1, the time units per
    /// month are not finite and > 0, or `months` exceeds [`MonthlyDiscounting::MAX_MONTHS`].
    pub fn validate(&self) -> Result<()> {
        if self.months > Self::MAX_MONTHS {
            return Err(CrmkitError::invalid_config(
                "months",
                self.months,
                format!(
                    "at most {} months (100 years); for an unbounded horizon use continuous \
                     discounting (DERT)",
                    Self::MAX_MONTHS
                ),
            ));
        }
        if !(self.monthly_discount_rate.is_finite() && self.monthly_discount_rate > -1.0) {
            return Err(CrmkitError::invalid_config(
                "monthly_discount_rate",
                self.monthly_discount_rate,
                "must be finite and > -1",
            ));
        }
        if !(self.time_units_per_month.is_finite() && self.time_units_per_month > 0.0) {
            return Err(CrmkitError::invalid_config(
                "time_units_per_month",
                self.time_units_per_month,
                "must be finite and > 0",
            ));
        }
        Ok(())
    }
}

/// CLV of each customer with discrete monthly discounting.
///
/// `expected_spend` is the expected value per purchase of each customer (e.g. from
/// [`super::GammaGammaParams::expected_spend`]); the other slices are the customers' summaries in
/// the model's time unit.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BgNbdParams, MonthlyDiscounting, clv_monthly_steps};
/// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
/// let clv = clv_monthly_steps(&m, &[35.0], &[2.0], &[30.43], &[38.86],
///     &MonthlyDiscounting::weekly(12, 0.01)).unwrap();
/// assert!(clv[0] > 0.0);
/// ```
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`]; [`CrmkitError::InvalidConfig`] for invalid discounting;
/// [`CrmkitError::InvalidValue`] for a negative or non-finite expected spend or an invalid
/// customer (with its row); errors of the model's predictions.
///
/// # Formula
///
/// lifetimes 0.11.3 `_customer_lifetime_value` (also pymc-marketing `customer_lifetime_value`):
/// CLV = Σ_{i=1..H} (E\[Y(i f)\] − E\[Y((i−1) f)\]) · spend / (1 + d)^i, where E\[Y(t)\] is the
/// conditional expected number of purchases in (T, T + t\] and f the time units per month.
pub fn clv_monthly_steps<M: TransactionModel + ?Sized>(
    model: &M,
    expected_spend: &[f64],
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    discounting: &MonthlyDiscounting,
) -> Result<Vec<f64>> {
    CrmkitError::check_len("expected_spend", x.len(), expected_spend.len())?;
    check_spend(expected_spend)?;
    let purchases = discounted_purchases_monthly(model, x, t_x, t, discounting)?;
    Ok(purchases
        .iter()
        .zip(expected_spend)
        .map(|(p, s)| p * s)
        .collect())
}

/// Checks expected spend per purchase: finite and ≥ 0, with the row of the first bad value.
///
/// # Examples
///
/// ```
/// use crmkit::clv::check_spend;
/// assert!(check_spend(&[35.0, 0.0]).is_ok());
/// assert!(check_spend(&[35.0, f64::NAN]).unwrap_err().to_string().contains("row 1"));
/// ```
///
/// # Errors
///
/// [`CrmkitError::InvalidValue`] naming `expected_spend`, the row and the value.
pub fn check_spend(expected_spend: &[f64]) -> Result<()> {
    match expected_spend
        .iter()
        .position(|s| !(s.is_finite() && *s >= 0.0))
    {
        Some(row) => Err(CrmkitError::invalid_value(
            "expected_spend",
            row,
            expected_spend[row],
            "must be finite and >= 0",
        )),
        None => Ok(()),
    }
}

/// Discounted expected purchases of each customer over the next months: the CLV of
/// [`clv_monthly_steps`] per unit of spend, which depends on (x, t_x, T) only (so customers who
/// share those and differ in spend need it once).
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BgNbdParams, MonthlyDiscounting, clv_monthly_steps, discounted_purchases_monthly};
/// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
/// let d = MonthlyDiscounting::weekly(12, 0.01);
/// let per_unit = discounted_purchases_monthly(&m, &[2.0], &[30.43], &[38.86], &d).unwrap();
/// let clv = clv_monthly_steps(&m, &[35.0], &[2.0], &[30.43], &[38.86], &d).unwrap();
/// assert!((clv[0] - 35.0 * per_unit[0]).abs() < 1e-12);
/// ```
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`]; [`CrmkitError::InvalidConfig`] for invalid discounting;
/// [`CrmkitError::InvalidValue`] for an invalid customer (with its row); errors of the model's
/// predictions.
///
/// # Formula
///
/// Σ_{i=1..H} (E\[Y(i f)\] − E\[Y((i−1) f)\]) / (1 + d)^i, as [`clv_monthly_steps`] without the
/// spend.
pub fn discounted_purchases_monthly<M: TransactionModel + ?Sized>(
    model: &M,
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    discounting: &MonthlyDiscounting,
) -> Result<Vec<f64>> {
    discounting.validate()?;
    CrmkitError::check_len("t_x", x.len(), t_x.len())?;
    CrmkitError::check_len("t", x.len(), t.len())?;
    let f = discounting.time_units_per_month;
    let factor = 1.0 + discounting.monthly_discount_rate;
    let horizons: Vec<f64> = (1..=discounting.months).map(|i| f64::from(i) * f).collect();
    let discounts: Vec<f64> = (1..=discounting.months)
        .map(|i| factor.powf(f64::from(i)))
        .collect();
    let discounted = |path: Vec<f64>| {
        let mut previous = 0.0;
        let mut value = 0.0;
        for (cumulative, discount) in path.into_iter().zip(&discounts) {
            value += (cumulative - previous) / discount;
            previous = cumulative;
        }
        value
    };
    // the sum is linear in the path: P(alive) times the discounted path given alive, which
    // customers who share (x, T) share
    let mut if_alive = PerXT::default();
    let mut out = Vec::with_capacity(x.len());
    for (row, ((&xi, &ri), &ti)) in x.iter().zip(t_x).zip(t).enumerate() {
        let value = match if_alive.get(xi, ti, || {
            model
                .expected_purchases_path_if_alive(&horizons, xi, ti)
                .map(|path| path.map(discounted))
        }) {
            Some(v) => model
                .probability_alive_one(xi, ri, ti)
                .and_then(|alive| Ok(alive * v?)),
            None => model
                .expected_purchases_path(&horizons, xi, ri, ti)
                .map(discounted),
        };
        out.push(value.map_err(|e| at_row(e, row))?);
    }
    Ok(out)
}

/// Continuous discounting for DERT-based CLV (CLVTools, R BTYD): an annual rate converted to a
/// continuous rate per model time unit, δ = ln(1 + annual rate) / time units per year.
///
/// # Examples
///
/// ```
/// use crmkit::clv::ContinuousDiscounting;
/// let d = ContinuousDiscounting { annual_discount_rate: 0.15, time_units_per_year: 52.0 };
/// assert!((d.delta().unwrap() - 1.15f64.ln() / 52.0).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContinuousDiscounting {
    /// Discount rate per year (0.15 = 15%).
    pub annual_discount_rate: f64,
    /// Model time units per year (52 for weeks, 365 for days).
    pub time_units_per_year: f64,
}

impl ContinuousDiscounting {
    /// The continuous discount rate per time unit.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::ContinuousDiscounting;
    /// let d = ContinuousDiscounting { annual_discount_rate: 0.0, time_units_per_year: 52.0 };
    /// assert!(d.delta().is_err()); // DERT needs a positive rate
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] when the rate is not finite and > 0 or the time units per
    /// year are not finite and > 0.
    ///
    /// # Formula
    ///
    /// δ = ln(1 + d) / units per year.
    pub fn delta(&self) -> Result<f64> {
        if !(self.annual_discount_rate.is_finite() && self.annual_discount_rate > 0.0) {
            return Err(CrmkitError::invalid_config(
                "annual_discount_rate",
                self.annual_discount_rate,
                "must be finite and > 0 (an infinite horizon needs discounting)",
            ));
        }
        if !(self.time_units_per_year.is_finite() && self.time_units_per_year > 0.0) {
            return Err(CrmkitError::invalid_config(
                "time_units_per_year",
                self.time_units_per_year,
                "must be finite and > 0",
            ));
        }
        Ok(self.annual_discount_rate.ln_1p() / self.time_units_per_year)
    }
}

/// CLV of each customer with continuous discounting over an infinite horizon: DERT × expected
/// spend (closed form for Pareto/NBD, numerical integration for the other models).
///
/// # Examples
///
/// ```
/// use crmkit::clv::{ContinuousDiscounting, ParetoNbdParams, clv_dert};
/// let m = ParetoNbdParams { r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 };
/// let d = ContinuousDiscounting { annual_discount_rate: 0.15, time_units_per_year: 52.0 };
/// let clv = clv_dert(&m, &[35.0, 35.0], &[2.0, 0.0], &[30.43, 0.0], &[38.86, 38.86], &d).unwrap();
/// assert!(clv[0] > clv[1]);
/// ```
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`]; [`CrmkitError::InvalidConfig`] for invalid discounting;
/// [`CrmkitError::InvalidValue`] for a negative or non-finite spend or an invalid customer (with
/// its row); [`CrmkitError::Numerical`] if DERT cannot be evaluated.
///
/// # Formula
///
/// CLV = DERT(δ | x, t_x, T) × E\[spend\] (Fader, Hardie & Lee 2005, "RFM and CLV" eq. 2; DERT as
/// in [`TransactionModel::discounted_expected_transactions_one`]).
pub fn clv_dert<M: TransactionModel + ?Sized>(
    model: &M,
    expected_spend: &[f64],
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    discounting: &ContinuousDiscounting,
) -> Result<Vec<f64>> {
    let delta = discounting.delta()?;
    CrmkitError::check_len("expected_spend", x.len(), expected_spend.len())?;
    let dert = model.discounted_expected_transactions(delta, x, t_x, t)?;
    dert.iter()
        .zip(expected_spend)
        .enumerate()
        .map(|(row, (d, &spend))| {
            if spend.is_finite() && spend >= 0.0 {
                Ok(d * spend)
            } else {
                Err(CrmkitError::invalid_value(
                    "expected_spend",
                    row,
                    spend,
                    "must be finite and >= 0",
                ))
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::clv::{BgNbdParams, MbgNbdParams, ParetoNbdParams};

    /// The discounted sum of one customer's path, row by row, without the per-(x, T) sharing.
    fn by_row<M: TransactionModel + ?Sized>(
        m: &M,
        x: f64,
        t_x: f64,
        t: f64,
        d: &MonthlyDiscounting,
    ) -> f64 {
        let horizons: Vec<f64> = (1..=d.months)
            .map(|i| f64::from(i) * d.time_units_per_month)
            .collect();
        let path = m.expected_purchases_path(&horizons, x, t_x, t).unwrap();
        let (mut previous, mut value) = (0.0, 0.0);
        for (i, cumulative) in path.into_iter().enumerate() {
            value += (cumulative - previous) / (1.0 + d.monthly_discount_rate).powi(i as i32 + 1);
            previous = cumulative;
        }
        value
    }

    #[test]
    fn customers_sharing_x_and_t_share_the_path_given_alive() {
        // Rows that share (x, T) with different t_x (and a = 1 for the BG/NBD limit): the shared
        // expectation given alive times each row's P(alive) equals the row-by-row results to
        // 1e-13 relative (the same terms, multiplied in another order); Pareto/NBD has no
        // shared form and takes the row-by-row path.
        let x = [2.0, 2.0, 2.0, 0.0, 0.0, 7.0, 2.0];
        let t_x = [30.4, 5.0, 38.0, 0.0, 0.0, 12.0, 30.4];
        let t = [38.86, 38.86, 38.86, 38.86, 20.0, 38.86, 31.5];
        let d = MonthlyDiscounting::weekly(12, 0.01);
        let bg = BgNbdParams {
            r: 0.2426,
            alpha: 4.4136,
            a: 0.7930,
            b: 2.4261,
        };
        let bg1 = BgNbdParams { a: 1.0, ..bg };
        let mbg = MbgNbdParams {
            r: 0.2426,
            alpha: 4.4136,
            a: 0.7930,
            b: 2.4261,
        };
        let pn = ParetoNbdParams {
            r: 0.55,
            alpha: 10.58,
            s: 0.61,
            beta: 11.67,
        };
        let models: [&dyn TransactionModel; 4] = [&bg, &bg1, &mbg, &pn];
        for m in models {
            let clv = discounted_purchases_monthly(m, &x, &t_x, &t, &d).unwrap();
            let e = m.expected_purchases(39.0, &x, &t_x, &t).unwrap();
            for row in 0..x.len() {
                let want = by_row(m, x[row], t_x[row], t[row], &d);
                assert!(
                    (clv[row] - want).abs() <= 1e-13 * want,
                    "{} row {row}: {} vs {want}",
                    m.model_name(),
                    clv[row]
                );
                let want = m
                    .expected_purchases_one(39.0, x[row], t_x[row], t[row])
                    .unwrap();
                assert!(
                    (e[row] - want).abs() <= 1e-13 * want,
                    "{} row {row}: {} vs {want}",
                    m.model_name(),
                    e[row]
                );
            }
        }
        assert!(
            pn.expected_purchases_path_if_alive(&[1.0], 2.0, 30.0)
                .is_none()
        );
    }

    #[test]
    fn shared_paths_still_name_the_bad_row() {
        let bg = BgNbdParams {
            r: 0.2426,
            alpha: 4.4136,
            a: 0.7930,
            b: 2.4261,
        };
        let d = MonthlyDiscounting::weekly(12, 0.01);
        // row 2 shares (x, T) with row 0 but has t_x > T
        let err = discounted_purchases_monthly(
            &bg,
            &[2.0, 1.0, 2.0],
            &[3.0, 1.0, 50.0],
            &[40.0, 40.0, 40.0],
            &d,
        )
        .unwrap_err();
        assert_eq!(err.row(), Some(2));
        let err = bg
            .expected_purchases(5.0, &[2.0, 2.0], &[3.0, 50.0], &[40.0, 40.0])
            .unwrap_err();
        assert_eq!(err.row(), Some(1));
    }
}
