//! Deserialisation that validates: a model or fitted result read with serde is checked like a
//! constructed one (parameters finite and > 0, no unknown or missing fields, finite
//! log-likelihood, covariance and customer count). A rejected value is a serde error whose
//! message is the [`crate::CrmkitError`] the check raised (it names the field and the value).

use crate::{CrmkitError, Result};

/// Checks the facts of a fit that a deserialised fitted result carries besides its parameters.
pub(crate) fn check_fit_facts(
    log_likelihood: f64,
    covariance: Option<&[f64]>,
    report_log_likelihood: f64,
    n_customers: Option<f64>,
) -> Result<()> {
    if !log_likelihood.is_finite() {
        return Err(CrmkitError::invalid_config(
            "log_likelihood",
            log_likelihood,
            "a fitted log-likelihood must be finite",
        ));
    }
    if !report_log_likelihood.is_finite() {
        return Err(CrmkitError::invalid_config(
            "report.log_likelihood",
            report_log_likelihood,
            "a fitted log-likelihood must be finite",
        ));
    }
    if let Some(c) = covariance {
        if let Some(v) = c.iter().find(|v| !v.is_finite()) {
            return Err(CrmkitError::invalid_config(
                "covariance",
                v,
                "covariance entries must be finite",
            ));
        }
    }
    if let Some(n) = n_customers {
        if !(n.is_finite() && n > 0.0) {
            return Err(CrmkitError::invalid_config(
                "n_customers",
                n,
                "the number of customers must be finite and > 0",
            ));
        }
    }
    Ok(())
}

/// `#[serde(try_from = "<raw>")]` for a parameter struct of `f64` fields with a `check` method:
/// defines the raw struct (unknown fields refused) and the checked conversion.
macro_rules! validated_params {
    ($ty:ident, $raw:ident { $($f:ident),+ $(,)? }) => {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $raw {
            $($f: f64),+
        }

        impl TryFrom<$raw> for $ty {
            type Error = crate::CrmkitError;

            fn try_from(v: $raw) -> crate::Result<Self> {
                let p = Self { $($f: v.$f),+ };
                p.check()?;
                Ok(p)
            }
        }
    };
}

/// `#[serde(try_from = "<raw>")]` for a fitted result: parameters and standard errors are
/// checked by their own type; log-likelihoods, covariance and customer count here.
macro_rules! validated_fit {
    ($ty:ident, $raw:ident, $params:ty, $n:literal, n_customers) => {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $raw {
            params: $params,
            standard_errors: Option<$params>,
            covariance: Option<[[f64; $n]; $n]>,
            log_likelihood: f64,
            report: crate::clv::ConvergenceReport,
            n_customers: f64,
        }

        impl TryFrom<$raw> for $ty {
            type Error = crate::CrmkitError;

            fn try_from(v: $raw) -> crate::Result<Self> {
                crate::clv::validated::check_fit_facts(
                    v.log_likelihood,
                    v.covariance.as_ref().map(|c| c.as_flattened()),
                    v.report.log_likelihood,
                    Some(v.n_customers),
                )?;
                Ok(Self {
                    params: v.params,
                    standard_errors: v.standard_errors,
                    covariance: v.covariance,
                    log_likelihood: v.log_likelihood,
                    report: v.report,
                    n_customers: v.n_customers,
                })
            }
        }
    };
    ($ty:ident, $raw:ident, $params:ty, $n:literal) => {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $raw {
            params: $params,
            standard_errors: Option<$params>,
            covariance: Option<[[f64; $n]; $n]>,
            log_likelihood: f64,
            report: crate::clv::ConvergenceReport,
        }

        impl TryFrom<$raw> for $ty {
            type Error = crate::CrmkitError;

            fn try_from(v: $raw) -> crate::Result<Self> {
                crate::clv::validated::check_fit_facts(
                    v.log_likelihood,
                    v.covariance.as_ref().map(|c| c.as_flattened()),
                    v.report.log_likelihood,
                    None,
                )?;
                Ok(Self {
                    params: v.params,
                    standard_errors: v.standard_errors,
                    covariance: v.covariance,
                    log_likelihood: v.log_likelihood,
                    report: v.report,
                })
            }
        }
    };
}
