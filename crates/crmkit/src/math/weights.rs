//! Validation shared by every weighted score (RFM, composite value, churn index).

use crate::{CrmkitError, Result};

/// How far the sum of weights may stray from 1 (rounding of user-typed decimals such as 0.3 + 0.4 + 0.3).
pub const WEIGHT_SUM_TOLERANCE: f64 = 1e-9;

/// Checks that weights are finite, non-negative and sum to 1 (within [`WEIGHT_SUM_TOLERANCE`]).
///
/// # Examples
///
/// ```
/// use crmkit::math::weights::validate_weights;
/// assert!(validate_weights("weights", &[0.3, 0.4, 0.3]).is_ok());
/// assert!(validate_weights("weights", &[0.5, 0.6, -0.1]).is_err());
/// assert!(validate_weights("weights", &[0.5, 0.6, 0.1]).is_err());
/// ```
///
/// # Errors
///
/// [`CrmkitError::InvalidConfig`] naming `field` and the weights when one is NaN, infinite or
/// negative, or when they do not sum to 1; [`CrmkitError::EmptyInput`] when there are none.
pub fn validate_weights(field: &str, weights: &[f64]) -> Result<()> {
    if weights.is_empty() {
        return Err(CrmkitError::empty(field));
    }
    if let Some(w) = weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
        return Err(CrmkitError::invalid_config(
            field,
            weights,
            format!("every weight must be finite and >= 0, found {w}"),
        ));
    }
    let sum: f64 = weights.iter().sum();
    if (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
        return Err(CrmkitError::invalid_config(
            field,
            weights,
            format!("weights must sum to 1, they sum to {sum}"),
        ));
    }
    Ok(())
}

/// Checks that thresholds are finite and strictly increasing.
///
/// # Examples
///
/// ```
/// use crmkit::math::weights::validate_increasing;
/// assert!(validate_increasing("thresholds", &[0.5, 0.8]).is_ok());
/// assert!(validate_increasing("thresholds", &[0.8, 0.5]).is_err());
/// ```
///
/// # Errors
///
/// [`CrmkitError::InvalidConfig`] naming `field` when a value is not finite or the values are
/// not strictly increasing.
pub fn validate_increasing(field: &str, thresholds: &[f64]) -> Result<()> {
    if thresholds.iter().any(|t| !t.is_finite()) {
        return Err(CrmkitError::invalid_config(
            field,
            thresholds,
            "thresholds must be finite",
        ));
    }
    if thresholds.windows(2).any(|w| w[0] >= w[1]) {
        return Err(CrmkitError::invalid_config(
            field,
            thresholds,
            "thresholds must be strictly increasing",
        ));
    }
    Ok(())
}
