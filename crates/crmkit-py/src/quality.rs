//! The data-quality report (issue 12): tolerant reading of the log and customer-record columns
//! — nulls are recorded, never an error — then the core report.
//!
//! The strict readers of `columns.rs` reject nulls at once; these variants keep each column's
//! null mask (an Arrow validity bitmap, borrowed, or a numpy boolean mask from the Python
//! layer) next to its values.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, UInt64Type};
use arrow_array::{Array, ArrayRef};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, TimeUnit};
use crmkit::CrmkitError;
use crmkit::data::ids::CustomerIndex;
use crmkit::quality::{
    CustomerRecords, Nulls, OutlierRule, QualityLog, QualityOptions, RecordField, TextColumn,
    quality_report as core_quality_report,
};
use crmkit::rfm::features::IntIds;
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::PyTypeCheck;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use pyo3_arrow::{PyArray, PyChunkedArray};

use crate::columns::{self, StrColumn, TimeColumn, Values};
use crate::errors::to_py;
use crate::without_gil;

/// The null mask of a column: none, a numpy boolean mask (true = null) or an Arrow validity
/// bitmap.
enum Mask<'py> {
    None,
    Numpy(PyReadonlyArray1<'py, bool>),
    Arrow(NullBuffer),
}

impl Mask<'_> {
    fn nulls(&self) -> Nulls<'_> {
        match self {
            Mask::None => Nulls::None,
            // The Python layer passes contiguous masks; anything else fails the length check.
            Mask::Numpy(flags) => Nulls::Flags(flags.as_slice().unwrap_or(&[])),
            Mask::Arrow(buffer) => Nulls::Validity {
                bits: buffer.buffer().as_slice(),
                offset: buffer.offset(),
            },
        }
    }

    fn of_numpy<'py>(mask: Option<&Bound<'py, PyAny>>, field: &str) -> PyResult<Mask<'py>> {
        match mask {
            None => Ok(Mask::None),
            Some(m) if m.is_none() => Ok(Mask::None),
            Some(m) => m.extract().map(Mask::Numpy).map_err(|_| {
                to_py(CrmkitError::invalid_config(
                    field,
                    "mask",
                    "a null mask must be a 1-D numpy array of booleans",
                ))
            }),
        }
    }

    fn of_arrow(array: &ArrayRef) -> Mask<'static> {
        match array.logical_nulls() {
            Some(nulls) if nulls.null_count() > 0 => Mask::Arrow(nulls),
            _ => Mask::None,
        }
    }
}

fn is_numpy(obj: &Bound<'_, PyAny>) -> bool {
    numpy::PyUntypedArray::type_check(obj)
}

fn config(field: &str, value: impl std::fmt::Debug, reason: &str) -> PyErr {
    to_py(CrmkitError::invalid_config(field, value, reason))
}

/// An Arrow column (stream or array) as one array, chunks concatenated; nulls allowed.
fn arrow_column(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<ArrayRef> {
    let chunks: Vec<ArrayRef> = if obj.hasattr("__arrow_c_stream__")? {
        let chunked: PyChunkedArray = obj.extract()?;
        let (chunks, field_ref) = chunked.into_inner();
        if chunks.is_empty() {
            return Ok(arrow_array::new_empty_array(field_ref.data_type()));
        }
        chunks
    } else if obj.hasattr("__arrow_c_array__")? {
        let array: PyArray = obj.extract()?;
        vec![array.into_inner().0]
    } else {
        let type_name = obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        return Err(config(
            field,
            type_name,
            "expected a numpy array or an Arrow-compatible column (pyarrow, polars, pandas)",
        ));
    };
    if chunks.len() == 1 {
        return chunks
            .into_iter()
            .next()
            .ok_or_else(|| to_py(CrmkitError::empty(field)));
    }
    let refs: Vec<&dyn Array> = chunks.iter().map(|a| a.as_ref()).collect();
    arrow_select::concat::concat(&refs).map_err(|e| config(field, "arrow column", &e.to_string()))
}

fn cast(array: &ArrayRef, to: &DataType, field: &str) -> PyResult<ArrayRef> {
    arrow_cast::cast(array, to).map_err(|e| config(field, "arrow column", &e.to_string()))
}

/// The values of an Int64 array (shared buffer).
fn i64_values(array: &ArrayRef) -> Values<'static, i64> {
    Values::Arrow(array.as_primitive::<Int64Type>().values().clone())
}

/// Integer or string ids as an Arrow column, with nulls; other types are a `ConfigError`.
enum IdValues<'py> {
    Int(Values<'py, i64>),
    Str(ArrayRef),
}

/// Reads ids tolerantly: every integer width (uint64 kept distinct by its bit pattern),
/// strings in any layout, dictionaries (a null in the dictionary counts as a null id).
fn id_values<'py>(
    obj: &Bound<'py, PyAny>,
    mask: Option<&Bound<'py, PyAny>>,
    field: &str,
) -> PyResult<(IdValues<'py>, Mask<'py>)> {
    if is_numpy(obj) {
        return Ok((
            IdValues::Int(columns::numpy_values::<i64>(obj, field)?),
            Mask::of_numpy(mask, field)?,
        ));
    }
    let array = arrow_column(obj, field)?;
    let array = match array.data_type() {
        DataType::Dictionary(_, value) => {
            let value = (**value).clone();
            cast(&array, &value, field)?
        }
        _ => array,
    };
    let mask = Mask::of_arrow(&array);
    let values = match array.data_type() {
        DataType::Int64 => IdValues::Int(i64_values(&array)),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => IdValues::Int(i64_values(&cast(&array, &DataType::Int64, field)?)),
        DataType::UInt64 => IdValues::Int(Values::Owned(
            // A bijection onto i64: ids stay distinct (their order is irrelevant here).
            array
                .as_primitive::<UInt64Type>()
                .values()
                .iter()
                .map(|&v| v as i64)
                .collect(),
        )),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => IdValues::Str(array),
        other => {
            return Err(config(
                field,
                other,
                "customer ids must be integers or strings",
            ));
        }
    };
    Ok((values, mask))
}

/// Ids as borrowed slices / arrays (what may cross into the GIL-free closure).
#[derive(Clone, Copy)]
enum IdSlice<'a> {
    Int(&'a [i64]),
    Str(&'a ArrayRef),
}

impl IdValues<'_> {
    fn slice(&self) -> IdSlice<'_> {
        match self {
            IdValues::Int(v) => IdSlice::Int(v.as_slice()),
            IdValues::Str(array) => IdSlice::Str(array),
        }
    }
}

fn index_of(values: IdSlice<'_>, field: &str) -> crmkit::Result<CustomerIndex> {
    match values {
        IdSlice::Int([]) => CustomerIndex::from_codes(field, vec![], 0),
        IdSlice::Int(v) => CustomerIndex::from_i64(field, v),
        IdSlice::Str(array) => {
            let strings = StrColumn::of(array);
            if strings.len() == 0 {
                return CustomerIndex::from_codes(field, vec![], 0);
            }
            CustomerIndex::from_strs(field, strings.len(), |row| strings.value(row))
        }
    }
}

fn per_day(unit: &TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => 86_400,
        TimeUnit::Millisecond => 86_400_000,
        TimeUnit::Microsecond => 86_400_000_000,
        TimeUnit::Nanosecond => 86_400_000_000_000,
    }
}

/// Reads a time column tolerantly (nulls kept as a mask).
fn time_values<'py>(
    obj: &Bound<'py, PyAny>,
    mask: Option<&Bound<'py, PyAny>>,
    ticks_per_day: Option<i64>,
    field: &str,
) -> PyResult<(TimeColumn<'py>, Mask<'py>)> {
    if is_numpy(obj) {
        let per_day = ticks_per_day.ok_or_else(|| {
            config(
                field,
                "numpy",
                "a numpy time column needs its unit (ticks per day)",
            )
        })?;
        return Ok((
            TimeColumn::Ticks(columns::numpy_values::<i64>(obj, field)?, per_day),
            Mask::of_numpy(mask, field)?,
        ));
    }
    let array = arrow_column(obj, field)?;
    let mask = Mask::of_arrow(&array);
    let column = match array.data_type().clone() {
        DataType::Date32 => TimeColumn::Days(array),
        DataType::Date64 => TimeColumn::Ticks(
            i64_values(&cast(&array, &DataType::Int64, field)?),
            86_400_000,
        ),
        DataType::Timestamp(unit, None) => {
            let ticks = cast(&array, &DataType::Int64, field)?;
            TimeColumn::Ticks(i64_values(&ticks), per_day(&unit))
        }
        DataType::Timestamp(_, Some(tz)) => {
            return Err(config(
                field,
                tz.as_ref(),
                "time-zone-aware timestamps must be converted to local wall-clock time first",
            ));
        }
        other => {
            return Err(config(
                field,
                other,
                "timestamps must be dates or datetimes",
            ));
        }
    };
    Ok((column, mask))
}

/// Reads amounts tolerantly: float64 borrowed, other numbers cast, nulls kept as a mask.
fn amount_values<'py>(
    obj: &Bound<'py, PyAny>,
    mask: Option<&Bound<'py, PyAny>>,
    field: &str,
) -> PyResult<(Values<'py, f64>, Mask<'py>)> {
    if is_numpy(obj) {
        return Ok((columns::floats(obj, field)?, Mask::of_numpy(mask, field)?));
    }
    let array = arrow_column(obj, field)?;
    let array = match array.data_type() {
        DataType::Float64 => array,
        t if t.is_numeric() => cast(&array, &DataType::Float64, field)?,
        other => return Err(config(field, other, "expected numbers")),
    };
    let mask = Mask::of_arrow(&array);
    Ok((
        Values::Arrow(array.as_primitive::<Float64Type>().values().clone()),
        mask,
    ))
}

/// Exact keys of an extra duplicate-check column: dense codes of its values (numbers by
/// value, floats by canonical bit pattern, strings by content), `u64::MAX` for null.
fn key_column(
    obj: &Bound<'_, PyAny>,
    mask: Option<&Bound<'_, PyAny>>,
    field: &str,
) -> PyResult<Vec<u64>> {
    let (ints, mask): (Vec<i64>, Mask<'_>) = if is_numpy(obj) {
        let kind: char = obj.getattr("dtype")?.getattr("kind")?.extract()?;
        let values = if kind == 'f' {
            let floats = columns::floats(obj, field)?;
            floats.as_slice().iter().map(|&v| float_key(v)).collect()
        } else {
            let ints = obj.call_method1("astype", ("int64",))?;
            columns::numpy_values::<i64>(&ints, field)?
                .as_slice()
                .to_vec()
        };
        (values, Mask::of_numpy(mask, field)?)
    } else {
        let array = arrow_column(obj, field)?;
        let array = match array.data_type() {
            DataType::Dictionary(_, value) => {
                let value = (**value).clone();
                cast(&array, &value, field)?
            }
            _ => array,
        };
        let mask = Mask::of_arrow(&array);
        let ints = match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                let strings = StrColumn::of(&array);
                let index = if strings.len() == 0 {
                    CustomerIndex::from_codes(field, vec![], 0)
                } else {
                    CustomerIndex::from_strs(field, strings.len(), |row| strings.value(row))
                }
                .map_err(to_py)?;
                index.codes().iter().map(|&c| i64::from(c)).collect()
            }
            DataType::UInt64 => array
                .as_primitive::<UInt64Type>()
                .values()
                .iter()
                .map(|&v| v as i64)
                .collect(),
            t if t.is_floating()
                || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) =>
            {
                cast(&array, &DataType::Float64, field)?
                    .as_primitive::<Float64Type>()
                    .values()
                    .iter()
                    .map(|&v| float_key(v))
                    .collect()
            }
            _ => match cast(&array, &DataType::Int64, field) {
                Ok(ints) => ints.as_primitive::<Int64Type>().values().to_vec(),
                Err(_) => {
                    let text = cast(&array, &DataType::Utf8, field)?;
                    let strings = StrColumn::of(&text);
                    let index = if strings.len() == 0 {
                        CustomerIndex::from_codes(field, vec![], 0)
                    } else {
                        CustomerIndex::from_strs(field, strings.len(), |row| strings.value(row))
                    }
                    .map_err(to_py)?;
                    index.codes().iter().map(|&c| i64::from(c)).collect()
                }
            },
        };
        (ints, mask)
    };
    // Dense codes (< 2^32) of the values, so that u64::MAX is free for null.
    let codes = if ints.is_empty() {
        Vec::new()
    } else {
        CustomerIndex::from_i64(field, &ints)
            .map_err(to_py)?
            .codes()
            .to_vec()
    };
    let nulls = mask.nulls();
    Ok(codes
        .iter()
        .enumerate()
        .map(|(row, &code)| {
            if nulls.is_null(row) {
                u64::MAX
            } else {
                u64::from(code)
            }
        })
        .collect())
}

/// The bit pattern of a float as a key: one NaN, and 0.0 for −0.0.
fn float_key(v: f64) -> i64 {
    if v.is_nan() {
        f64::NAN.to_bits() as i64
    } else if v == 0.0 {
        0
    } else {
        v.to_bits() as i64
    }
}

/// A text column of customer records read from Arrow (strings, or anything castable to them).
struct ArrowText {
    array: ArrayRef,
}

impl ArrowText {
    fn read(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Self> {
        let array = arrow_column(obj, field)?;
        let array = match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => array,
            _ => cast(&array, &DataType::Utf8, field)?,
        };
        Ok(Self { array })
    }
}

impl TextColumn for ArrowText {
    fn len(&self) -> usize {
        self.array.len()
    }

    fn text(&self, row: usize) -> Option<&str> {
        if row >= self.array.len() || self.array.is_null(row) {
            None
        } else {
            Some(StrColumn::of(&self.array).value(row))
        }
    }
}

fn outlier_rule(outliers: &str, factor: f64, threshold: f64) -> PyResult<OutlierRule> {
    let rule = match outliers {
        "mean_multiple" => OutlierRule::MeanMultiple { factor },
        "mad" => OutlierRule::Mad { threshold },
        other => {
            return Err(config(
                "outliers",
                other,
                "expected 'mean_multiple' or 'mad'",
            ));
        }
    };
    rule.validate().map_err(to_py)?;
    Ok(rule)
}

fn get<'py>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(d.get_item(key)?.filter(|v| !v.is_none()))
}

/// The data-quality report of a transaction log (array level; see `crmkit.quality_report`).
///
/// Args:
///     customer_id: int64 numpy ids or an Arrow column of integer / string ids (nulls allowed).
///     timestamp: int64 numpy ticks (with `ticks_per_day`) or an Arrow date / timestamp column.
///     amount: float64 numpy array or an Arrow numeric column.
///     as_of: observation date as days since 1970-01-01 (inclusive).
///     customer_id_missing, timestamp_missing, amount_missing: numpy boolean masks (True =
///         null) for numpy columns, or None.
///     ticks_per_day: ticks per day of a numpy `timestamp`.
///     start: first day of the observation range, or None.
///     duplicate_keys: list of (name, column, mask or None) that join the duplicate check.
///     outliers: 'mean_multiple' or 'mad'.
///     outlier_factor: the multiple of the mean order amount ('mean_multiple').
///     mad_threshold: the modified z-score threshold ('mad').
///     records: None, or a dict with `customer_id`, `customer_id_missing` and any of `name`,
///         `contact`, `industry`, `core_need` (Arrow columns).
///
/// Returns:
///     dict with `transactions`, `customer_records`, `outlier_cut` and `findings`: a list of
///     (rule, table, int64 numpy array of flagged rows).
#[pyfunction]
#[pyo3(signature = (customer_id, timestamp, amount, as_of, *, customer_id_missing=None, timestamp_missing=None, amount_missing=None, ticks_per_day=None, start=None, duplicate_keys=None, outliers="mean_multiple", outlier_factor=10.0, mad_threshold=3.5, records=None))]
#[allow(clippy::too_many_arguments)]
fn quality_report<'py>(
    py: Python<'py>,
    customer_id: &Bound<'py, PyAny>,
    timestamp: &Bound<'py, PyAny>,
    amount: &Bound<'py, PyAny>,
    as_of: i32,
    customer_id_missing: Option<&Bound<'py, PyAny>>,
    timestamp_missing: Option<&Bound<'py, PyAny>>,
    amount_missing: Option<&Bound<'py, PyAny>>,
    ticks_per_day: Option<i64>,
    start: Option<i32>,
    duplicate_keys: Option<&Bound<'py, PyList>>,
    outliers: &str,
    outlier_factor: f64,
    mad_threshold: f64,
    records: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let options = QualityOptions {
        as_of,
        start,
        outliers: outlier_rule(outliers, outlier_factor, mad_threshold)?,
    };
    let (ids, id_mask) = id_values(customer_id, customer_id_missing, "customer_id")?;
    let (times, time_mask) = time_values(timestamp, timestamp_missing, ticks_per_day, "timestamp")?;
    let (amounts, amount_mask) = amount_values(amount, amount_missing, "amount")?;
    let mut keys: Vec<(String, Vec<u64>)> = Vec::new();
    if let Some(list) = duplicate_keys {
        for item in list.iter() {
            let item = item.cast_into::<PyTuple>()?;
            let name: String = item.get_item(0)?.extract()?;
            let mask = item.get_item(2)?;
            let mask = (!mask.is_none()).then_some(mask);
            let column = key_column(&item.get_item(1)?, mask.as_ref(), &name)?;
            keys.push((name, column));
        }
    }
    // Customer records.
    let mut record_ids = None;
    let mut record_fields: Vec<(RecordField, ArrowText)> = Vec::new();
    if let Some(r) = records {
        let ids_obj = get(r, "customer_id")?
            .ok_or_else(|| config("customers", "records", "customer_id is required"))?;
        let mask = get(r, "customer_id_missing")?;
        record_ids = Some(id_values(&ids_obj, mask.as_ref(), "customers.customer_id")?);
        for (field, key) in [
            (RecordField::Name, "name"),
            (RecordField::Contact, "contact"),
            (RecordField::Industry, "industry"),
            (RecordField::CoreNeed, "core_need"),
        ] {
            if let Some(column) = get(r, key)? {
                record_fields.push((
                    field,
                    ArrowText::read(&column, &format!("customers.{key}"))?,
                ));
            }
        }
    }
    let id_nulls = id_mask.nulls();
    let time_nulls = time_mask.nulls();
    let amount_nulls = amount_mask.nulls();
    let times = times.times();
    let amounts = amounts.as_slice();
    let record_masks = record_ids.as_ref().map(|(v, m)| (v.slice(), m.nulls()));
    let ids = ids.slice();
    let report = without_gil(py, || {
        // The log's ids are read in place (the report groups rows by a hash of the ids; no
        // customer index is built).
        let strings = match ids {
            IdSlice::Str(array) => Some(StrColumn::of(array)),
            IdSlice::Int(_) => None,
        };
        let id_of = |row: usize| strings.as_ref().map_or("", |s| s.value(row));
        let log = match ids {
            IdSlice::Int(v) => QualityLog::by_id(IntIds::I64(v), times, amounts)?,
            IdSlice::Str(array) => QualityLog::by_str(array.len(), &id_of, times, amounts)?,
        };
        let mut log = log
            .with_missing_customer_ids(id_nulls)?
            .with_missing_timestamps(time_nulls)?
            .with_missing_amounts(amount_nulls)?;
        for (name, column) in &keys {
            log = log.with_duplicate_key(name, column)?;
        }
        match record_masks {
            None => core_quality_report(&log, None, &options),
            Some((values, nulls)) => {
                let record_index = index_of(values, "customers.customer_id")?;
                let mut records =
                    CustomerRecords::new(&record_index).with_missing_customer_ids(nulls)?;
                for (field, column) in &record_fields {
                    records = records.with_field(*field, column)?;
                }
                core_quality_report(&log, Some(&records), &options)
            }
        }
    })?;
    let d = PyDict::new(py);
    d.set_item("transactions", report.transactions)?;
    d.set_item("customer_records", report.customer_records)?;
    d.set_item("outlier_cut", report.outlier_cut)?;
    let findings = PyList::empty(py);
    for finding in report.findings {
        let rows: Vec<i64> = finding.rows.iter().map(|&r| r as i64).collect();
        findings.append((
            finding.rule.as_str(),
            finding.rule.table().as_str(),
            rows.into_pyarray(py),
        ))?;
    }
    d.set_item("findings", findings)?;
    Ok(d)
}

/// The rule names of the data-quality report, in report order, with their tables.
#[pyfunction]
fn quality_rules() -> Vec<(&'static str, &'static str)> {
    crmkit::quality::Rule::ALL
        .iter()
        .map(|r| (r.as_str(), r.table().as_str()))
        .collect()
}

/// Registers the functions of this module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(quality_report, m)?)?;
    m.add_function(wrap_pyfunction!(quality_rules, m)?)?;
    Ok(())
}
