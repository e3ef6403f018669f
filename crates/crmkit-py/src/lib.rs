//! Python bindings for crmkit.
use pyo3::prelude::*;

/// The compiled part of the `crmkit` Python package.
#[pymodule]
fn _crmkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
