//! The JSON and pickle stanza of the compiled classes, written once.
//!
//! Every compiled class that wraps one core value (the RFM fits, the CLV models, the churn
//! index options, the logistic fit, the playbook …) offers `to_json`, `from_json` and
//! `__reduce__` (pickling goes through the JSON, so a pickled value is loaded — and checked —
//! exactly like `from_json`). The class implements [`JsonClass`] (its core value, its name, and
//! the core's validating loader where the core has one); its `#[pymethods]` delegate to
//! [`to_json`], [`from_json`] and [`reduce`]. PyO3 takes one `#[pymethods]` block per class and
//! no macro inside it, so the three methods stay as one-line delegations in each class.

use crmkit::CrmkitError;
use pyo3::PyClass;
use pyo3::prelude::*;
use pyo3::pyclass::boolean_struct::True;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::errors::IntoPyResult;

/// What `__reduce__` returns: the class's `from_json` and the JSON text.
pub type Reduced<'py> = (Bound<'py, PyAny>, (String,));

/// A compiled class wrapping one core value that round-trips through JSON.
pub(crate) trait JsonClass: Sized {
    /// The core value (serde on models and fitted results).
    type Inner: Serialize + DeserializeOwned;

    /// The field a JSON error names (the class's Python name).
    const NAME: &'static str;

    /// The wrapped core value (what `to_json` writes).
    fn inner(&self) -> &Self::Inner;

    /// The class around a core value read by [`JsonClass::load`]; an error when the core
    /// checks the value further on construction.
    fn wrap(inner: Self::Inner) -> crmkit::Result<Self>;

    /// Reads the core value. By default serde, whose impls on the core models validate like
    /// construction; an error names [`JsonClass::NAME`]. A core type with its own validating
    /// loader (segment rules, the playbook) overrides this.
    fn load(text: &str) -> crmkit::Result<Self::Inner> {
        serde_json::from_str(text)
            .map_err(|e| CrmkitError::invalid_config(Self::NAME, "JSON", e.to_string()))
    }

    /// Writes the core value. By default serde; a core type with its own writer overrides this.
    fn dump(inner: &Self::Inner) -> crmkit::Result<String> {
        to_string(inner)
    }
}

/// Compact JSON of any serialisable value; a failure (which the core's types never give) is a
/// `ConfigError`.
pub fn to_string<T: Serialize>(value: &T) -> crmkit::Result<String> {
    serde_json::to_string(value)
        .map_err(|e| CrmkitError::invalid_config("json", "value", e.to_string()))
}

/// `to_json` of a class.
pub fn to_json<T: JsonClass>(obj: &T) -> PyResult<String> {
    T::dump(obj.inner()).py()
}

/// `from_json` of a class: the core's loader, then the class around the value.
pub fn from_json<T: JsonClass>(text: &str) -> PyResult<T> {
    T::load(text).and_then(T::wrap).py()
}

/// `__reduce__` of a class: unpickling calls the type's `from_json` with `to_json`'s text.
pub fn reduce<'py, T>(slf: &Bound<'py, T>) -> PyResult<Reduced<'py>>
where
    T: JsonClass + PyClass<Frozen = True> + Sync,
{
    let from_json = slf.as_any().get_type().getattr("from_json")?;
    Ok((from_json, (to_json(slf.get())?,)))
}

/// Implements [`JsonClass`] for a class whose field `inner` holds the core value:
/// `json_class!(PyMinMaxFit, MinMaxFit, "MinMaxFit")`, with `load = …` / `dump = …` naming the
/// core's own loader and writer where it has them.
macro_rules! json_class {
    ($class:ty, $inner:ty, $name:expr $(, load = $load:expr)? $(, dump = $dump:expr)? $(,)?) => {
        impl $crate::json::JsonClass for $class {
            type Inner = $inner;
            const NAME: &'static str = $name;

            fn inner(&self) -> &$inner {
                &self.inner
            }

            fn wrap(inner: $inner) -> crmkit::Result<Self> {
                Ok(Self { inner })
            }

            $(
                fn load(text: &str) -> crmkit::Result<$inner> {
                    $load(text)
                }
            )?

            $(
                fn dump(inner: &$inner) -> crmkit::Result<String> {
                    $dump(inner)
                }
            )?
        }
    };
}
pub(crate) use json_class;
