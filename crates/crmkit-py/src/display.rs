//! Rich display: the compiled classes show the same HTML summary as the Python ones.

use pyo3::prelude::*;

/// `_repr_html_` of a compiled class: `crmkit._display.compiled_html(obj)` renders it, so the
/// HTML layout is written once, in the Python package, for every displayable object.
pub fn repr_html(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    obj.py()
        .import("crmkit._display")?
        .call_method1("compiled_html", (obj,))?
        .extract()
}
