//! The Python exception hierarchy and the one place core errors become Python errors.

use crmkit::CrmkitError;
use pyo3::create_exception;
use pyo3::exceptions::{PyValueError, PyWarning};
use pyo3::prelude::*;

create_exception!(
    crmkit,
    PyCrmkitError,
    PyValueError,
    "Base class of every error crmkit raises (a ValueError). Has `field` and `row` attributes (None when not applicable)."
);
create_exception!(
    crmkit,
    EmptyInputError,
    PyCrmkitError,
    "The input has no rows where at least one is needed."
);
create_exception!(
    crmkit,
    LengthMismatchError,
    PyCrmkitError,
    "Columns that must be parallel have different lengths."
);
create_exception!(
    crmkit,
    MissingValueError,
    PyCrmkitError,
    "A required value is null / missing; `row` names the first one."
);
create_exception!(
    crmkit,
    InvalidValueError,
    PyCrmkitError,
    "A value is outside its domain (NaN, infinite, negative, out of range); `row` names it."
);
create_exception!(
    crmkit,
    ObservationDateError,
    PyCrmkitError,
    "A transaction is dated after the observation date `as_of`."
);
create_exception!(
    crmkit,
    ConfigError,
    PyCrmkitError,
    "A parameter, option or rule set is invalid."
);
create_exception!(
    crmkit,
    ConvergenceError,
    PyCrmkitError,
    "An iterative fit stopped without converging."
);
create_exception!(
    crmkit,
    NumericalError,
    PyCrmkitError,
    "A computation could not produce a finite result."
);
create_exception!(
    crmkit,
    CrmkitWarning,
    PyWarning,
    "Something the user should know about a result (e.g. unreachable quantile scores)."
);

/// Converts a core error into the Python exception of its kind, with `field` and `row` set.
pub fn to_py(err: CrmkitError) -> PyErr {
    let message = err.to_string();
    let py_err = match &err {
        CrmkitError::EmptyInput { .. } => EmptyInputError::new_err(message),
        CrmkitError::LengthMismatch { .. } => LengthMismatchError::new_err(message),
        CrmkitError::MissingValue { .. } => MissingValueError::new_err(message),
        CrmkitError::InvalidValue { .. } => InvalidValueError::new_err(message),
        CrmkitError::AfterObservation { .. } => ObservationDateError::new_err(message),
        CrmkitError::InvalidConfig { .. } => ConfigError::new_err(message),
        CrmkitError::NotConverged { .. } => ConvergenceError::new_err(message),
        CrmkitError::Numerical { .. } => NumericalError::new_err(message),
        CrmkitError::Uninformative { .. } => InvalidValueError::new_err(message),
        CrmkitError::Interrupted { .. } => pyo3::exceptions::PyKeyboardInterrupt::new_err(message),
        _ => PyCrmkitError::new_err(message),
    };
    Python::attach(|py| {
        let value = py_err.value(py);
        // Attributes on a fresh exception instance cannot fail in practice; if they did, the
        // message still carries the same facts.
        let _ = value.setattr("field", err.field());
        let _ = value.setattr("row", err.row());
    });
    py_err
}

/// Extension to turn core results into Python results.
pub trait IntoPyResult<T> {
    /// Maps the error with [`to_py`].
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for crmkit::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// An integer argument from Python of any size: a Python `int` outside the 64-bit range is
/// kept as "out of range" (with its sign) instead of failing the call with Python's
/// `OverflowError` before crmkit can name the field; [`whole`] then gives a
/// `crmkit.ConfigError` naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntArg {
    /// The value, within the `i64` range.
    Fits(i64),
    /// A value outside the `i64` range; `true` when negative.
    OutOfRange(bool),
}

impl From<i64> for IntArg {
    fn from(value: i64) -> Self {
        Self::Fits(value)
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for IntArg {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.extract::<i64>() {
            Ok(v) => Ok(Self::Fits(v)),
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(obj.py()) => {
                Ok(Self::OutOfRange(obj.lt(0)?))
            }
            Err(e) => Err(e),
        }
    }
}

/// An unsigned integer argument from Python (a count, a number of bins, iterations or
/// periods): a negative or too large value is a `crmkit.ConfigError` naming the field, not
/// Python's `OverflowError`.
pub trait Whole: Sized {
    /// `value` as `Self`, or the error.
    fn whole(field: &str, value: i64) -> PyResult<Self>;
}

macro_rules! whole {
    ($($t:ty),*) => {$(
        impl Whole for $t {
            fn whole(field: &str, value: i64) -> PyResult<Self> {
                <$t>::try_from(value)
                    .map_err(|_| {
                        crmkit::CrmkitError::invalid_config(
                            field,
                            value,
                            format!("must be a whole number from 0 to {}", <$t>::MAX),
                        )
                    })
                    .py()
            }
        }
    )*};
}
whole!(u8, u32, u64, usize);

/// [`Whole::whole`] as a function: `whole::<u32>("n", n)?`.
pub fn whole<T: Whole>(field: &str, value: impl Into<IntArg>) -> PyResult<T> {
    match value.into() {
        IntArg::Fits(v) => T::whole(field, v),
        IntArg::OutOfRange(negative) => Err(to_py(CrmkitError::InvalidConfig {
            field: field.to_owned(),
            value: if negative {
                "(below -2^63)"
            } else {
                "(above 2^63 - 1)"
            }
            .to_owned(),
            reason: "must be a whole number in the 64-bit range".to_owned(),
        })),
    }
}

/// [`whole`] of an optional argument.
pub fn whole_opt<T: Whole>(field: &str, value: Option<impl Into<IntArg>>) -> PyResult<Option<T>> {
    value.map(|v| whole(field, v)).transpose()
}

/// Registers the exception classes on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("CrmkitError", py.get_type::<PyCrmkitError>())?;
    m.add("EmptyInputError", py.get_type::<EmptyInputError>())?;
    m.add("LengthMismatchError", py.get_type::<LengthMismatchError>())?;
    m.add("MissingValueError", py.get_type::<MissingValueError>())?;
    m.add("InvalidValueError", py.get_type::<InvalidValueError>())?;
    m.add(
        "ObservationDateError",
        py.get_type::<ObservationDateError>(),
    )?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("ConvergenceError", py.get_type::<ConvergenceError>())?;
    m.add("NumericalError", py.get_type::<NumericalError>())?;
    m.add("CrmkitWarning", py.get_type::<CrmkitWarning>())?;
    Ok(())
}

/// A `ConfigError` naming the option, its value and what was expected.
pub fn config(field: &str, value: impl std::fmt::Debug, reason: &str) -> PyErr {
    to_py(CrmkitError::invalid_config(field, value, reason))
}
