//! The one error type of the core crate.
//!
//! Every variant names the field (column or parameter) it is about and, where the error is
//! about one row of input, the row index and the offending value. Values are rendered with
//! `Debug`-like formatting of numbers and dates only: personal fields (names, contact details)
//! are never put into an error, so errors are safe to log.

use thiserror::Error;

/// Result alias used throughout crmkit.
pub type Result<T, E = CrmkitError> = std::result::Result<T, E>;

/// Everything that can go wrong in crmkit.
///
/// The Python bindings map each variant to its own exception class (all rooted in
/// `crmkit.CrmkitError`, a `ValueError`).
///
/// # Examples
///
/// ```
/// use crmkit::CrmkitError;
///
/// let err = CrmkitError::invalid_value("amount", 3, f64::NAN, "must be finite");
/// assert_eq!(err.to_string(), "invalid `amount` at row 3: NaN (must be finite)");
/// assert_eq!(err.row(), Some(3));
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum CrmkitError {
    /// The input had no rows where at least one is needed.
    #[error("`{field}` is empty: at least one row is needed")]
    EmptyInput {
        /// What was empty (a column, a table or a parameter list).
        field: String,
    },
    /// Two columns that must be parallel have different lengths.
    #[error("length mismatch: `{field}` has {found} rows, expected {expected}")]
    LengthMismatch {
        /// The column whose length differs.
        field: String,
        /// The length of the reference column.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A required value is null / missing.
    #[error("`{field}` is missing (null) at row {row}")]
    MissingValue {
        /// The column.
        field: String,
        /// Zero-based row index.
        row: usize,
    },
    /// A value of the input is out of its domain (NaN, infinite, negative, out of range, …).
    #[error("invalid `{field}` at row {row}: {value} ({reason})")]
    InvalidValue {
        /// The column.
        field: String,
        /// Zero-based row index.
        row: usize,
        /// The offending value, rendered as text (never a personal field).
        value: String,
        /// What the value should have been.
        reason: String,
    },
    /// A transaction lies after the observation date while the caller asked for an error.
    #[error(
        "`{field}` at row {row} is after the observation date: {value} > as_of {as_of} \
         (pass after_as_of = exclude to leave such rows out and have them counted)"
    )]
    AfterObservation {
        /// The time column.
        field: String,
        /// Zero-based row index.
        row: usize,
        /// The offending time, as an ISO date.
        value: String,
        /// The observation date, as an ISO date.
        as_of: String,
    },
    /// A parameter or configuration (weights, thresholds, rule sets, options) is invalid.
    #[error("invalid `{field}`: {value} ({reason})")]
    InvalidConfig {
        /// The parameter.
        field: String,
        /// Its value, rendered as text.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An iterative fit stopped without converging; its parameters must not be used.
    #[error("{model} fit did not converge after {iterations} iterations: {reason}")]
    NotConverged {
        /// The model being fitted.
        model: String,
        /// Iterations done.
        iterations: usize,
        /// Why it stopped.
        reason: String,
    },
    /// The data carry no information about the model's parameters (e.g. BG/BB with every
    /// customer at n = 0 opportunities, or no customer with a repeat purchase), so a fit would
    /// only return its starting point or run off to the boundary.
    #[error("{model} cannot be fitted: {reason}")]
    Uninformative {
        /// The model being fitted.
        model: String,
        /// What the data lack.
        reason: String,
    },
    /// A long computation was stopped by its interrupt hook (e.g. Ctrl-C in Python).
    #[error("{model} fit interrupted after {iterations} iterations")]
    Interrupted {
        /// The model being fitted.
        model: String,
        /// Iterations done before the interrupt.
        iterations: usize,
    },
    /// A computation could not produce a finite result (e.g. a degenerate design matrix).
    #[error("numerical problem in {context}: {reason}")]
    Numerical {
        /// What was being computed.
        context: String,
        /// What went wrong.
        reason: String,
    },
}

impl CrmkitError {
    /// Builds [`CrmkitError::InvalidValue`] from any displayable value.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::CrmkitError;
    /// let e = CrmkitError::invalid_value("amount", 0, -2.5, "must be >= 0");
    /// assert!(matches!(e, CrmkitError::InvalidValue { row: 0, .. }));
    /// ```
    pub fn invalid_value(
        field: impl Into<String>,
        row: usize,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidValue {
            field: field.into(),
            row,
            value: shorten(value.to_string()),
            reason: reason.into(),
        }
    }

    /// Builds [`CrmkitError::InvalidConfig`] from any debug-printable value.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::CrmkitError;
    /// let e = CrmkitError::invalid_config("weights", [0.5, 0.6, 0.1], "must sum to 1");
    /// assert_eq!(e.to_string(), "invalid `weights`: [0.5, 0.6, 0.1] (must sum to 1)");
    /// ```
    pub fn invalid_config(
        field: impl Into<String>,
        value: impl std::fmt::Debug,
        reason: impl Into<String>,
    ) -> Self {
        Self::InvalidConfig {
            field: field.into(),
            value: shorten(format!("{value:?}")),
            reason: reason.into(),
        }
    }

    /// Builds [`CrmkitError::EmptyInput`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::CrmkitError;
    /// assert_eq!(CrmkitError::empty("amount").to_string(), "`amount` is empty: at least one row is needed");
    /// ```
    pub fn empty(field: impl Into<String>) -> Self {
        Self::EmptyInput {
            field: field.into(),
        }
    }

    /// Checks that a column has the expected length.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::CrmkitError;
    /// assert!(CrmkitError::check_len("amount", 3, 3).is_ok());
    /// assert!(CrmkitError::check_len("amount", 3, 2).is_err());
    /// ```
    pub fn check_len(field: &str, expected: usize, found: usize) -> Result<()> {
        if expected == found {
            Ok(())
        } else {
            Err(Self::LengthMismatch {
                field: field.to_owned(),
                expected,
                found,
            })
        }
    }

    /// The same error with its row (if it is about one row) replaced by `f(row)`: for callers that
    /// evaluate a slice, a chunk or the distinct rows of their input and report input rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::CrmkitError;
    /// let e = CrmkitError::invalid_value("t", 2, 0.5, "must be >= t_x");
    /// assert_eq!(e.map_row(|r| r + 100).row(), Some(102));
    /// assert_eq!(CrmkitError::empty("x").map_row(|r| r + 100).row(), None);
    /// ```
    #[must_use]
    pub fn map_row(self, f: impl FnOnce(usize) -> usize) -> Self {
        match self {
            Self::MissingValue { field, row } => Self::MissingValue { field, row: f(row) },
            Self::InvalidValue {
                field,
                row,
                value,
                reason,
            } => Self::InvalidValue {
                field,
                row: f(row),
                value,
                reason,
            },
            Self::AfterObservation {
                field,
                row,
                value,
                as_of,
            } => Self::AfterObservation {
                field,
                row: f(row),
                value,
                as_of,
            },
            other => other,
        }
    }

    /// The same error with its field renamed from `from` to `to` (other fields untouched): for
    /// callers whose users named the input differently from the core's parameter (a binding
    /// whose keyword is `group` for the core's `groups`), so the error names what they typed.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::CrmkitError;
    /// let e = CrmkitError::invalid_value("groups", 2, "x", "bad").rename_field("groups", "group");
    /// assert_eq!(e.field(), Some("group"));
    /// assert!(e.to_string().contains("`group`"));
    /// assert_eq!(CrmkitError::empty("ids").rename_field("groups", "group").field(), Some("ids"));
    /// ```
    #[must_use]
    pub fn rename_field(mut self, from: &str, to: &str) -> Self {
        match &mut self {
            Self::EmptyInput { field }
            | Self::LengthMismatch { field, .. }
            | Self::MissingValue { field, .. }
            | Self::InvalidValue { field, .. }
            | Self::AfterObservation { field, .. }
            | Self::InvalidConfig { field, .. }
                if field == from =>
            {
                to.clone_into(field);
            }
            _ => {}
        }
        self
    }

    /// The row the error is about, if it is about one row.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::CrmkitError;
    /// assert_eq!(CrmkitError::empty("x").row(), None);
    /// ```
    pub fn row(&self) -> Option<usize> {
        match self {
            Self::MissingValue { row, .. }
            | Self::InvalidValue { row, .. }
            | Self::AfterObservation { row, .. } => Some(*row),
            _ => None,
        }
    }

    /// The field (column or parameter) the error is about, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::CrmkitError;
    /// assert_eq!(CrmkitError::empty("amount").field(), Some("amount"));
    /// ```
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::EmptyInput { field }
            | Self::LengthMismatch { field, .. }
            | Self::MissingValue { field, .. }
            | Self::InvalidValue { field, .. }
            | Self::AfterObservation { field, .. }
            | Self::InvalidConfig { field, .. } => Some(field),
            Self::NotConverged { .. }
            | Self::Numerical { .. }
            | Self::Uninformative { .. }
            | Self::Interrupted { .. } => None,
        }
    }
}

/// The most characters of a value an error echoes: longer values (a free-text label, a
/// 1 MB string) are cut to this many characters, the last being `…`. Customer ids and
/// personal fields are never echoed at all (errors say `(customer id)`).
///
/// # Examples
///
/// ```
/// use crmkit::CrmkitError;
/// let e = CrmkitError::invalid_value("label", 0, "x".repeat(1_000_000), "unknown label");
/// assert!(e.to_string().len() < 200);
/// assert_eq!(crmkit::error::MAX_SHOWN_CHARS, 64);
/// ```
pub const MAX_SHOWN_CHARS: usize = 64;

/// `text` cut to [`MAX_SHOWN_CHARS`] characters.
fn shorten(mut text: String) -> String {
    if let Some((cut, _)) = text.char_indices().nth(MAX_SHOWN_CHARS - 1) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// Checks that every value of `values` is finite; the error names `field` and the first bad row.
///
/// # Examples
///
/// ```
/// use crmkit::error::check_finite;
/// assert!(check_finite("amount", &[1.0, 2.0]).is_ok());
/// assert!(check_finite("amount", &[1.0, f64::INFINITY]).is_err());
/// ```
///
/// # Errors
///
/// [`CrmkitError::InvalidValue`] for the first NaN or infinite value.
pub fn check_finite(field: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(row) => Err(CrmkitError::invalid_value(
            field,
            row,
            values[row],
            "must be finite",
        )),
    }
}
