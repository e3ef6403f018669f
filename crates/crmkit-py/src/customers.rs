//! Customer records: columns of text in, the validated `CustomerRecords` of the core out.

use crmkit::CrmkitError;
use crmkit::data::customers::{CustomerRecord, CustomerRecords, RawCustomerRecord};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::errors::{IntoPyResult, config};

/// The text fields of a record, by column name, in the order of `RawCustomerRecord`.
const TEXT_FIELDS: [&str; 14] = [
    "customer_id",
    "name",
    "industry",
    "size_band",
    "revenue_band",
    "province",
    "city",
    "contact",
    "contact_role",
    "contact_details",
    "channel",
    "notes",
    "age_band",
    "device_type",
];

fn text_column(cols: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<Vec<Option<String>>>> {
    match cols.get_item(key)? {
        Some(v) if !v.is_none() => {
            Ok(Some(v.extract().map_err(|_| {
                config(key, "column", "expected a list of strings or None")
            })?))
        }
        _ => Ok(None),
    }
}

/// Validated customer records (unique ids), in the order given.
///
/// Build with `crmkit.read_customers(frame, ...)` or `CustomerRecords.from_columns`; serialise
/// with `to_json` / `from_json` (validated like construction).
#[pyclass(name = "CustomerRecords", module = "crmkit._crmkit", frozen, eq)]
#[derive(PartialEq)]
pub struct PyCustomerRecords {
    inner: CustomerRecords,
}

#[pymethods]
impl PyCustomerRecords {
    /// Validated records from columns.
    ///
    /// Args:
    ///     columns: dict of equal-length lists of str or None; `customer_id` required, any of
    ///         `name`, `industry`, `size_band`, `revenue_band`, `province`, `city`, `contact`,
    ///         `contact_role`, `contact_details`, `channel`, `notes`, `age_band`, `device_type`.
    ///     first_contact: None or a list of days since 1970-01-01 (None for missing).
    ///
    /// Returns:
    ///     CustomerRecords
    #[classmethod]
    #[pyo3(signature = (columns, first_contact=None))]
    fn from_columns(
        _cls: &Bound<'_, PyType>,
        columns: &Bound<'_, PyDict>,
        first_contact: Option<Vec<Option<i64>>>,
    ) -> PyResult<Self> {
        for key in columns.keys() {
            let key: String = key.extract()?;
            if !TEXT_FIELDS.contains(&key.as_str()) {
                return Err(config(
                    "columns",
                    key,
                    "not a customer-record field (first_contact is passed on its own)",
                ));
            }
        }
        let mut texts = Vec::with_capacity(TEXT_FIELDS.len());
        for field in TEXT_FIELDS {
            texts.push(text_column(columns, field)?);
        }
        let n = texts[0]
            .as_ref()
            .map(Vec::len)
            .ok_or_else(|| config("customer_id", "None", "the id column is required"))?;
        for (field, col) in TEXT_FIELDS.iter().zip(&texts) {
            if let Some(col) = col {
                CrmkitError::check_len(field, n, col.len()).py()?;
            }
        }
        if let Some(days) = &first_contact {
            CrmkitError::check_len("first_contact", n, days.len()).py()?;
        }
        let cell = |i: usize, row: usize| texts[i].as_ref().and_then(|c| c[row].clone());
        let mut records = Vec::with_capacity(n);
        for row in 0..n {
            let raw = RawCustomerRecord {
                customer_id: cell(0, row),
                name: cell(1, row),
                industry: cell(2, row),
                size_band: cell(3, row),
                revenue_band: cell(4, row),
                province: cell(5, row),
                city: cell(6, row),
                contact: cell(7, row),
                contact_role: cell(8, row),
                contact_details: cell(9, row),
                channel: cell(10, row),
                notes: cell(11, row),
                age_band: cell(12, row),
                device_type: cell(13, row),
                first_contact: None,
            };
            let mut record = CustomerRecord::from_raw(raw, row).py()?;
            if let Some(Some(day)) = first_contact.as_ref().map(|d| d[row]) {
                record = record.with_first_contact_day(day, row).py()?;
            }
            records.push(record);
        }
        Ok(Self {
            inner: CustomerRecords::new(records).py()?,
        })
    }

    /// The records as columns: a dict of lists (str or None) for every field, and
    /// `first_contact` as days since 1970-01-01 (int or None).
    fn columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let records = self.inner.records();
        let strs =
            |f: &dyn Fn(&CustomerRecord) -> Option<&str>| records.iter().map(f).collect::<Vec<_>>();
        d.set_item(
            "customer_id",
            records.iter().map(|r| r.customer_id()).collect::<Vec<_>>(),
        )?;
        d.set_item("name", strs(&|r| r.name()))?;
        d.set_item("industry", strs(&|r| r.industry()))?;
        d.set_item("size_band", strs(&|r| r.size_band().map(<&str>::from)))?;
        d.set_item("revenue_band", strs(&|r| r.revenue_band()))?;
        d.set_item("province", strs(&|r| r.province()))?;
        d.set_item("city", strs(&|r| r.city()))?;
        d.set_item("contact", strs(&|r| r.contact()))?;
        d.set_item(
            "contact_role",
            strs(&|r| r.contact_role().map(<&str>::from)),
        )?;
        d.set_item("contact_details", strs(&|r| r.contact_details()))?;
        d.set_item(
            "first_contact",
            records
                .iter()
                .map(|r| r.first_contact())
                .collect::<Vec<_>>(),
        )?;
        d.set_item("channel", strs(&|r| r.channel().map(<&str>::from)))?;
        d.set_item("notes", strs(&|r| r.notes()))?;
        d.set_item("age_band", strs(&|r| r.age_band()))?;
        d.set_item("device_type", strs(&|r| r.device_type().map(<&str>::from)))?;
        Ok(d)
    }

    /// The records as a JSON array (lossless; `from_json` reads it back).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner)
            .map_err(|e| config("customers", e.to_string(), "cannot serialise"))
    }

    /// Records from the JSON of `to_json`, validated like construction (errors name field and row).
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, text: &str) -> PyResult<Self> {
        Ok(Self {
            inner: CustomerRecords::from_json(text).py()?,
        })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("CustomerRecords({} records)", self.inner.len())
    }
}

/// Registers the class on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCustomerRecords>()?;
    Ok(())
}
