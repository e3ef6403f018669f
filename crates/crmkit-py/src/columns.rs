//! Borrowing input columns from Python without copying them.
//!
//! A column arrives either as a 1-D numpy array (borrowed as a view) or as any object that
//! exports the Arrow PyCapsule interface (`__arrow_c_stream__` / `__arrow_c_array__`: pyarrow,
//! polars, pandas ≥ 2.2, duckdb, …), whose buffers are borrowed as they are. Copies happen only
//! where the layout forces one, and each is documented here: several Arrow chunks are
//! concatenated; non-contiguous numpy views are made contiguous; numeric types other than
//! int64 / float64 (and dictionary-encoded ids) are cast.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef};
use arrow_buffer::{ArrowNativeType, ScalarBuffer};
use arrow_schema::{DataType, TimeUnit};
use crmkit::CrmkitError;
use crmkit::data::ids::CustomerIndex;
use crmkit::data::transactions::Times;
use numpy::{Element, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::PyTypeCheck;
use pyo3::prelude::*;
use pyo3_arrow::{PyArray, PyChunkedArray};

use crate::errors::to_py;
use crate::without_gil;

/// A column of `T` that is borrowed from Python where possible.
pub enum Values<'py, T: Element + ArrowNativeType> {
    /// A contiguous numpy array, borrowed.
    Numpy(PyReadonlyArray1<'py, T>),
    /// The values buffer of an Arrow array, shared (no copy).
    Arrow(ScalarBuffer<T>),
    /// A copy (non-contiguous numpy input, several chunks, or a cast).
    Owned(Vec<T>),
}

impl<T: Element + ArrowNativeType> Values<'_, T> {
    /// The values as a slice.
    pub fn as_slice(&self) -> &[T] {
        match self {
            // Contiguity was checked when the view was taken.
            Values::Numpy(a) => a.as_slice().unwrap_or(&[]),
            Values::Arrow(buffer) => buffer,
            Values::Owned(v) => v,
        }
    }
}

fn is_numpy(obj: &Bound<'_, PyAny>) -> bool {
    numpy::PyUntypedArray::type_check(obj)
}

/// The kind ('b', 'i', 'u' or 'f') and item size in bytes of a numeric numpy array (size 0
/// for a non-native byte order, which is always converted); a `ConfigError` naming the field
/// and dtype for anything else (strings, objects, dates).
fn numpy_dtype(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<(char, usize)> {
    let dtype = obj.getattr("dtype")?;
    let kind: char = dtype.getattr("kind")?.extract()?;
    let native: bool = dtype.getattr("isnative")?.extract()?;
    let size: usize = if native {
        dtype.getattr("itemsize")?.extract()?
    } else {
        0
    };
    if !matches!(kind, 'b' | 'i' | 'u' | 'f') || (kind == 'f' && size > 8) {
        return Err(to_py(CrmkitError::invalid_config(
            field,
            dtype.to_string(),
            "expected numbers (a boolean, integer or float dtype of up to 64 bits)",
        )));
    }
    Ok((kind, size))
}

/// Reads a numpy array of exactly `T` (the Python layer normalises dtypes before calling).
pub fn numpy_values<'py, T: Element + ArrowNativeType>(
    obj: &Bound<'py, PyAny>,
    field: &str,
) -> PyResult<Values<'py, T>> {
    let array: PyReadonlyArray1<'py, T> = obj.extract().map_err(|_| {
        to_py(CrmkitError::invalid_config(
            field,
            obj.getattr("dtype")
                .map(|d| d.to_string())
                .unwrap_or_default(),
            format!(
                "expected a 1-D numpy array of {}",
                std::any::type_name::<T>()
            ),
        ))
    })?;
    if array.is_contiguous() {
        Ok(Values::Numpy(array))
    } else {
        Ok(Values::Owned(array.as_array().to_vec()))
    }
}

/// Reads an Arrow column (stream or array) as one array, concatenating chunks if needed.
fn arrow_array(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<ArrayRef> {
    one_array(arrow_chunks(obj, field)?, field)
}

/// The chunks of an Arrow column (stream or array), as they are.
fn arrow_chunks(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Vec<ArrayRef>> {
    if obj.hasattr("__arrow_c_stream__")? {
        let chunked: PyChunkedArray = obj.extract()?;
        Ok(chunked.into_inner().0)
    } else if obj.hasattr("__arrow_c_array__")? {
        let array: PyArray = obj.extract()?;
        Ok(vec![array.into_inner().0])
    } else {
        Err(to_py(CrmkitError::invalid_config(
            field,
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default(),
            "expected a numpy array or an Arrow-compatible column (pyarrow, polars, pandas)",
        )))
    }
}

/// The chunks as one array (concatenated when there are several), checked for nulls.
fn one_array(chunks: Vec<ArrayRef>, field: &str) -> PyResult<ArrayRef> {
    let array = match chunks.len() {
        0 => return Err(to_py(CrmkitError::empty(field))),
        1 => chunks
            .into_iter()
            .next()
            .ok_or_else(|| to_py(CrmkitError::empty(field)))?,
        _ => {
            let refs: Vec<&dyn Array> = chunks.iter().map(|a| a.as_ref()).collect();
            arrow_select::concat::concat(&refs).map_err(|e| arrow_error(field, e))?
        }
    };
    check_nulls(&array, 0, field)?;
    Ok(array)
}

/// A `MissingValueError` naming the first null of `array` (logical nulls: also a dictionary
/// key pointing at a null dictionary value), its row counted from `offset`.
fn check_nulls(array: &ArrayRef, offset: usize, field: &str) -> PyResult<()> {
    if let Some(nulls) = array.logical_nulls() {
        if let Some(row) = nulls.iter().position(|valid| !valid) {
            return Err(to_py(CrmkitError::MissingValue {
                field: field.to_owned(),
                row: offset + row,
            }));
        }
    }
    Ok(())
}

/// A string column in several Arrow chunks, read in place: concatenating them would copy
/// every id (the largest column of a log) for nothing.
pub struct ChunkedStrs<'a> {
    chunks: Vec<StrColumn<'a>>,
    /// The first row of each chunk, and the number of rows at the end.
    starts: Vec<usize>,
    /// For every run of `2^RUN_BITS` rows, the chunk of its first row: a row's chunk is then
    /// found in a step or two instead of a binary search over all chunks.
    chunk_of_run: Vec<u32>,
}

/// log2 of the rows per entry of [`ChunkedStrs`]'s chunk lookup.
const RUN_BITS: u32 = 12;

impl<'a> ChunkedStrs<'a> {
    /// Views chunks of string type (callers check the types), checking them for nulls.
    fn of(chunks: &'a [ArrayRef], field: &str) -> PyResult<Self> {
        let mut starts = vec![0];
        for c in chunks {
            check_nulls(c, starts[starts.len() - 1], field)?;
            starts.push(starts[starts.len() - 1] + c.len());
        }
        let rows = starts[starts.len() - 1];
        let mut chunk_of_run = Vec::with_capacity((rows >> RUN_BITS) + 1);
        let mut c = 0;
        for run in 0..=(rows >> RUN_BITS) {
            // the last chunk that starts at or before the run's first row (empty chunks skipped)
            while c + 1 < chunks.len() && starts[c + 1] <= run << RUN_BITS {
                c += 1;
            }
            chunk_of_run.push(c as u32);
        }
        Ok(Self {
            chunks: chunks.iter().map(StrColumn::of).collect(),
            starts,
            chunk_of_run,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.starts[self.starts.len() - 1]
    }

    /// The chunk of `row` (< `len()`) and the row inside it.
    #[inline]
    pub fn locate(&self, row: usize) -> (usize, usize) {
        let mut c = self.chunk_of_run[row >> RUN_BITS] as usize;
        while self.starts[c + 1] <= row {
            c += 1;
        }
        (c, row - self.starts[c])
    }

    /// The string at `row` (< `len()`).
    #[inline]
    pub fn value(&self, row: usize) -> &'a str {
        let (c, r) = self.locate(row);
        self.chunks[c].value(r)
    }
}

/// Whether `t` is one of Arrow's three string layouts (utf8, large utf8, utf8 view).
fn is_string_type(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Whether every one of several chunks holds strings.
fn several_string_chunks(chunks: &[ArrayRef]) -> bool {
    chunks.len() > 1 && chunks.iter().all(|c| is_string_type(c.data_type()))
}

fn arrow_error(field: &str, err: arrow_schema::ArrowError) -> PyErr {
    to_py(CrmkitError::invalid_config(
        field,
        "arrow column",
        err.to_string(),
    ))
}

fn cast(array: &ArrayRef, to: &DataType, field: &str) -> PyResult<ArrayRef> {
    arrow_cast::cast(array, to).map_err(|e| arrow_error(field, e))
}

/// Customer ids: integers or strings.
pub enum Ids<'py> {
    /// Integer ids that fit int64 (every signed width up to 64 bits, unsigned below 64 bits,
    /// and uint64 columns whose values are all below 2^63).
    Int(Values<'py, i64>),
    /// uint64 ids of which some are >= 2^63 (kept exact and distinct).
    UInt(Values<'py, u64>),
    /// 128-bit integer ids (decimal128 with scale 0, e.g. polars Int128 cast to Decimal(38, 0)).
    Wide(Vec<i128>),
    /// String ids (utf8, large utf8 or utf8 view).
    Str(ArrayRef),
}

impl Ids<'_> {
    /// The number of ids.
    pub fn len(&self) -> usize {
        match self {
            Ids::Int(v) => v.as_slice().len(),
            Ids::UInt(v) => v.as_slice().len(),
            Ids::Wide(v) => v.len(),
            Ids::Str(a) => a.len(),
        }
    }

    /// The error for id kinds a caller does not support (keys that must fit int64).
    pub fn unsupported(field: &str) -> PyErr {
        to_py(CrmkitError::invalid_config(
            field,
            "integers beyond int64",
            "expected integers that fit int64 or strings",
        ))
    }
}

/// A string column in any of Arrow's three layouts (utf8, large utf8, utf8 view).
pub enum StrColumn<'a> {
    /// 32-bit offsets.
    Utf8(&'a arrow_array::StringArray),
    /// 64-bit offsets.
    LargeUtf8(&'a arrow_array::LargeStringArray),
    /// Views (what polars exports).
    View(&'a arrow_array::StringViewArray),
}

impl<'a> StrColumn<'a> {
    /// Views a utf8 / large utf8 / utf8 view array (callers check the type first).
    pub fn of(array: &'a ArrayRef) -> Self {
        match array.data_type() {
            DataType::Utf8 => StrColumn::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => StrColumn::LargeUtf8(array.as_string::<i64>()),
            _ => StrColumn::View(array.as_string_view()),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            StrColumn::Utf8(a) => a.len(),
            StrColumn::LargeUtf8(a) => a.len(),
            StrColumn::View(a) => a.len(),
        }
    }

    /// The string at `row`.
    #[inline]
    pub fn value(&self, row: usize) -> &'a str {
        match self {
            StrColumn::Utf8(a) => a.value(row),
            StrColumn::LargeUtf8(a) => a.value(row),
            StrColumn::View(a) => a.value(row),
        }
    }
}

/// Reads an id column and builds its dense customer index with the GIL released.
pub fn encode_ids(py: Python<'_>, obj: &Bound<'_, PyAny>, field: &str) -> PyResult<CustomerIndex> {
    match ids(obj, field)? {
        Ids::Int(values) => {
            let values = values.as_slice();
            without_gil(py, move || CustomerIndex::from_i64(field, values))
        }
        Ids::UInt(values) => {
            let values = values.as_slice();
            without_gil(py, move || CustomerIndex::from_u64(field, values))
        }
        Ids::Wide(values) => without_gil(py, move || CustomerIndex::from_i128(field, &values)),
        Ids::Str(array) => without_gil(py, move || {
            let strings = StrColumn::of(&array);
            CustomerIndex::from_strs(field, strings.len(), |row| strings.value(row))
        }),
    }
}

/// Marketing RFM features straight from the id column (the fused grouping and aggregation of
/// `crmkit::rfm::features::rfm_features_by_id`; no customer index is built first), with the
/// GIL released. With `string_ids`, a string id column also gives the output's id column
/// (each customer's id at its first row, in the input's Arrow string type), gathered here in
/// one pass instead of a take over the input's chunks in Python.
#[allow(clippy::too_many_arguments)]
pub fn rfm_features_of(
    py: Python<'_>,
    customer_id: &Bound<'_, PyAny>,
    timestamp: &Bound<'_, PyAny>,
    amount: &Bound<'_, PyAny>,
    ticks_per_day: Option<i64>,
    as_of: i32,
    options: crmkit::rfm::features::FeatureOptions,
    string_ids: bool,
) -> PyResult<(crmkit::rfm::features::RfmFeatures, Option<ArrayRef>)> {
    use crmkit::rfm::features::{IntIds, rfm_features_by_id, rfm_features_by_str};
    let time_column = times(timestamp, "timestamp", ticks_per_day)?;
    let amounts = floats(amount, "amount")?;
    let (times, amounts) = (time_column.times(), amounts.as_slice());
    let field = "customer_id";
    let ids = if is_numpy(customer_id) || !customer_id.hasattr("__arrow_c_stream__")? {
        ids(customer_id, field)?
    } else {
        let chunks = arrow_chunks(customer_id, field)?;
        // several string chunks are read in place (a pyarrow table of strings built from
        // numpy comes in chunks)
        if several_string_chunks(&chunks) {
            let strings = ChunkedStrs::of(&chunks, field)?;
            let f = without_gil(py, || {
                rfm_features_by_str(
                    strings.len(),
                    |row| strings.value(row),
                    times,
                    amounts,
                    as_of,
                    &options,
                )
            })?;
            let out = if string_ids {
                Some(gather_ids(py, &chunks, &f.first_row, |row| {
                    strings.locate(row)
                })?)
            } else {
                None
            };
            return Ok((f, out));
        }
        arrow_ids(one_array(chunks, field)?, field)?
    };
    let by_id = |ids: IntIds<'_>| {
        without_gil(py, move || {
            rfm_features_by_id(ids, times, amounts, as_of, &options)
        })
        .map(|f| (f, None))
    };
    match &ids {
        Ids::Int(values) => by_id(IntIds::I64(values.as_slice())),
        Ids::UInt(values) => by_id(IntIds::U64(values.as_slice())),
        Ids::Wide(values) => by_id(IntIds::I128(values)),
        Ids::Str(array) => {
            let f = without_gil(py, || {
                let strings = StrColumn::of(array);
                rfm_features_by_str(
                    strings.len(),
                    |row| strings.value(row),
                    times,
                    amounts,
                    as_of,
                    &options,
                )
            })?;
            let out = if string_ids {
                Some(gather_ids(
                    py,
                    std::slice::from_ref(array),
                    &f.first_row,
                    |row| (0, row),
                )?)
            } else {
                None
            };
            Ok((f, out))
        }
    }
}

/// The ids at `rows` of a string column in `chunks` (`locate` maps a row to its chunk and the
/// row inside it), in the chunks' own type, with the GIL released.
fn gather_ids(
    py: Python<'_>,
    chunks: &[ArrayRef],
    rows: &[u64],
    locate: impl Fn(usize) -> (usize, usize) + Sync,
) -> PyResult<ArrayRef> {
    let field = "customer_id";
    without_gil(py, || {
        let at: Vec<(usize, usize)> = rows.iter().map(|&r| locate(r as usize)).collect();
        let arrays: Vec<&dyn Array> = chunks.iter().map(|a| a.as_ref()).collect();
        arrow_select::interleave::interleave(&arrays, &at)
            .map_err(|e| CrmkitError::invalid_config(field, "arrow column", e.to_string()))
    })
}

/// uint64 values as ids: int64 (a view) when all are below 2^63, else kept as uint64.
fn uint64_ids<'py>(values: Values<'py, u64>) -> Ids<'py> {
    if values.as_slice().iter().all(|&v| v < 1 << 63) {
        match values {
            Values::Arrow(buffer) => {
                let len = buffer.len();
                Ids::Int(Values::Arrow(ScalarBuffer::new(
                    buffer.into_inner(),
                    0,
                    len,
                )))
            }
            other => Ids::Int(Values::Owned(
                other.as_slice().iter().map(|&v| v as i64).collect(),
            )),
        }
    } else {
        Ids::UInt(values)
    }
}

/// A numpy id array: integers of any width (uint64 kept exact), or strings / Python objects
/// (read under the GIL into an Arrow string column, one copy), with the row of a null, a
/// mixed-type column or a string that UTF-8 cannot hold (a lone surrogate) named in the error.
fn numpy_ids<'py>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Ids<'py>> {
    let dtype = obj.getattr("dtype")?;
    let kind: char = dtype.getattr("kind")?.extract()?;
    let size: usize = dtype.getattr("itemsize")?.extract()?;
    let native: bool = dtype.getattr("isnative")?.extract()?;
    match (kind, size, native) {
        ('i', 8, true) => Ok(Ids::Int(numpy_values::<i64>(obj, field)?)),
        ('u', 8, true) => Ok(uint64_ids(numpy_values::<u64>(obj, field)?)),
        ('u', 8, false) => Ok(uint64_ids(numpy_values::<u64>(
            &obj.call_method1("astype", ("uint64",))?,
            field,
        )?)),
        ('b' | 'i' | 'u', _, _) => Ok(Ids::Int(numpy_values::<i64>(
            &obj.call_method1("astype", ("int64",))?,
            field,
        )?)),
        ('O' | 'U' | 'S', _, _) => object_ids(obj, field),
        _ => Err(to_py(CrmkitError::invalid_config(
            field,
            dtype.to_string(),
            "customer ids must be integers or strings",
        ))),
    }
}

/// Ids from a numpy array of Python objects (or fixed-width strings): all strings, or all
/// integers (bool counts as an integer), null-free.
fn object_ids<'py>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Ids<'py>> {
    use pyo3::types::{PyBytes, PyInt, PyString};
    let items = obj.call_method0("tolist")?;
    let items = items.cast::<pyo3::types::PyList>()?;
    let n = items.len();
    if n == 0 {
        return Err(to_py(CrmkitError::empty(field)));
    }
    let first = items.get_item(0)?;
    let missing = |row: usize| {
        to_py(CrmkitError::MissingValue {
            field: field.to_owned(),
            row,
        })
    };
    let is_missing = |v: &Bound<'_, PyAny>| -> bool {
        v.is_none()
            || v.extract::<f64>().map(|f| f.is_nan()).unwrap_or(false)
                && !v.is_instance_of::<PyInt>()
            || v.get_type()
                .name()
                .map(|t| t == "NAType" || t == "NaTType")
                .unwrap_or(false)
    };
    let mixed = |row: usize| {
        to_py(CrmkitError::invalid_value(
            field,
            row,
            "(customer id)",
            "ids of one column must all be strings or all integers",
        ))
    };
    if first.is_instance_of::<PyInt>() {
        let mut values: Vec<i128> = Vec::with_capacity(n);
        for (row, v) in items.iter().enumerate() {
            if !v.is_instance_of::<PyInt>() {
                return Err(if is_missing(&v) {
                    missing(row)
                } else {
                    mixed(row)
                });
            }
            let value: i128 = v.extract().map_err(|_| {
                to_py(CrmkitError::invalid_value(
                    field,
                    row,
                    "(customer id)",
                    "integer ids must fit 128 bits",
                ))
            })?;
            values.push(value);
        }
        return Ok(match i64_or_u64(&values) {
            Some(Ok(ints)) => Ids::Int(Values::Owned(ints)),
            Some(Err(uints)) => Ids::UInt(Values::Owned(uints)),
            None => Ids::Wide(values),
        });
    }
    let mut builder = arrow_array::builder::StringBuilder::new();
    for (row, v) in items.iter().enumerate() {
        if let Ok(text) = v.cast::<PyString>() {
            let text = text.to_str().map_err(|_| {
                to_py(CrmkitError::invalid_value(
                    field,
                    row,
                    "(customer id)",
                    "not representable as UTF-8 (a lone surrogate); clean or encode the ids first",
                ))
            })?;
            builder.append_value(text);
        } else if let Ok(bytes) = v.cast::<PyBytes>() {
            let text = std::str::from_utf8(bytes.as_bytes()).map_err(|_| {
                to_py(CrmkitError::invalid_value(
                    field,
                    row,
                    "(customer id)",
                    "bytes ids must be valid UTF-8",
                ))
            })?;
            builder.append_value(text);
        } else if is_missing(&v) {
            return Err(missing(row));
        } else {
            return Err(mixed(row));
        }
    }
    let array: ArrayRef = std::sync::Arc::new(builder.finish());
    Ok(Ids::Str(array))
}

/// The narrowest exact 64-bit form of integer ids: int64, else uint64, else None.
fn i64_or_u64(values: &[i128]) -> Option<Result<Vec<i64>, Vec<u64>>> {
    if let Ok(ints) = values.iter().map(|&v| i64::try_from(v)).collect() {
        Some(Ok(ints))
    } else if let Ok(uints) = values.iter().map(|&v| u64::try_from(v)).collect() {
        Some(Err(uints))
    } else {
        None
    }
}

/// Reads a customer-id column.
pub fn ids<'py>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Ids<'py>> {
    if is_numpy(obj) {
        return numpy_ids(obj, field);
    }
    arrow_ids(arrow_array(obj, field)?, field)
}

/// Ids from one Arrow array (nulls were checked by the caller).
fn arrow_ids<'py>(array: ArrayRef, field: &str) -> PyResult<Ids<'py>> {
    match array.data_type() {
        DataType::Int64 => Ok(Ids::Int(int64_values(&array))),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(Ids::Str(array)),
        // Exact casts: every value of these types fits int64.
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::Boolean => Ok(Ids::Int(int64_values(&cast(
            &array,
            &DataType::Int64,
            field,
        )?))),
        // No cast: a "safe" cast to int64 would turn values >= 2^63 into nulls.
        DataType::UInt64 => Ok(uint64_ids(Values::Arrow(
            array
                .as_primitive::<arrow_array::types::UInt64Type>()
                .values()
                .clone(),
        ))),
        DataType::Decimal128(_, 0) => {
            let values: Vec<i128> = array
                .as_primitive::<arrow_array::types::Decimal128Type>()
                .values()
                .to_vec();
            Ok(match i64_or_u64(&values) {
                Some(Ok(ints)) => Ids::Int(Values::Owned(ints)),
                Some(Err(uints)) => Ids::UInt(Values::Owned(uints)),
                None => Ids::Wide(values),
            })
        }
        // Dictionary-encoded ids (categoricals): decoded to their value type, then read as such.
        DataType::Dictionary(_, value) => {
            let value = value.as_ref().clone();
            arrow_ids(cast(&array, &value, field)?, field)
        }
        other => Err(to_py(CrmkitError::invalid_config(
            field,
            other,
            "customer ids must be integers or strings",
        ))),
    }
}

/// A time column: calendar days or ticks.
pub enum TimeColumn<'py> {
    /// Days since 1970-01-01.
    Days(ArrayRef),
    /// Ticks since 1970-01-01 with `per_day` ticks a day.
    Ticks(Values<'py, i64>, i64),
}

impl TimeColumn<'_> {
    /// The core view of the column.
    pub fn times(&self) -> Times<'_> {
        match self {
            TimeColumn::Days(array) => Times::Days(array.as_primitive::<Date32Type>().values()),
            TimeColumn::Ticks(values, per_day) => Times::Ticks {
                values: values.as_slice(),
                per_day: *per_day,
            },
        }
    }
}

fn int64_values<'py>(array: &ArrayRef) -> Values<'py, i64> {
    Values::Arrow(array.as_primitive::<Int64Type>().values().clone())
}

fn per_day(unit: &TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => 86_400,
        TimeUnit::Millisecond => 86_400_000,
        TimeUnit::Microsecond => 86_400_000_000,
        TimeUnit::Nanosecond => 86_400_000_000_000,
    }
}

/// Reads a time column. numpy input is int64 ticks with `ticks_per_day` given by the caller
/// (the Python layer views datetime64 arrays as int64 and passes their unit).
pub fn times<'py>(
    obj: &Bound<'py, PyAny>,
    field: &str,
    ticks_per_day: Option<i64>,
) -> PyResult<TimeColumn<'py>> {
    if is_numpy(obj) {
        let per_day = ticks_per_day.ok_or_else(|| {
            to_py(CrmkitError::invalid_config(
                field,
                "numpy",
                "a numpy time column needs its unit (ticks per day)",
            ))
        })?;
        return Ok(TimeColumn::Ticks(numpy_values::<i64>(obj, field)?, per_day));
    }
    let array = arrow_array(obj, field)?;
    match array.data_type().clone() {
        DataType::Date32 => Ok(TimeColumn::Days(array)),
        DataType::Date64 => Ok(TimeColumn::Ticks(
            int64_values(&cast(&array, &DataType::Int64, field)?),
            86_400_000,
        )),
        DataType::Timestamp(unit, None) => {
            // Every timestamp unit stores i64 ticks: view the buffer as it is.
            let ticks = array
                .to_data()
                .buffers()
                .first()
                .cloned()
                .map(|buffer| ScalarBuffer::<i64>::new(buffer, array.offset(), array.len()));
            let ticks = ticks.ok_or_else(|| to_py(CrmkitError::empty(field)))?;
            Ok(TimeColumn::Ticks(Values::Arrow(ticks), per_day(&unit)))
        }
        DataType::Timestamp(_, Some(tz)) => Err(to_py(CrmkitError::invalid_config(
            field,
            tz.as_ref(),
            "time-zone-aware timestamps must be converted to local wall-clock time first \
             (the crmkit Python functions do this for pandas, polars and pyarrow input)",
        ))),
        DataType::Int64 if ticks_per_day.is_some() => Ok(TimeColumn::Ticks(
            int64_values(&array),
            ticks_per_day.unwrap_or(1),
        )),
        other => Err(to_py(CrmkitError::invalid_config(
            field,
            other,
            "timestamps must be dates or datetimes",
        ))),
    }
}

/// Reads a float column (amounts, scores inputs): float64 numpy arrays and Arrow columns are
/// borrowed; other numeric dtypes are cast (a copy); strings, objects and dates are a
/// `ConfigError` naming the field.
pub fn floats<'py>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Values<'py, f64>> {
    if is_numpy(obj) {
        return match numpy_dtype(obj, field)? {
            ('f', 8) => numpy_values::<f64>(obj, field),
            _ => numpy_values::<f64>(&obj.call_method1("astype", ("float64",))?, field),
        };
    }
    let array = arrow_array(obj, field)?;
    match array.data_type() {
        DataType::Float64 => Ok(Values::Arrow(
            array.as_primitive::<Float64Type>().values().clone(),
        )),
        t if t.is_numeric() => Ok(Values::Arrow(
            cast(&array, &DataType::Float64, field)?
                .as_primitive::<Float64Type>()
                .values()
                .clone(),
        )),
        other => Err(to_py(CrmkitError::invalid_config(
            field,
            other,
            "expected numbers",
        ))),
    }
}

/// A numeric column: int64 or float64, borrowed; from numpy, booleans and narrower integers are
/// copied as int64 and other numeric types (float16 / float32, uint64) as float64.
pub enum Numbers<'py> {
    /// Floats.
    F64(Values<'py, f64>),
    /// Integers.
    I64(Values<'py, i64>),
}

/// Reads a numeric column, keeping int64 as it is (no conversion copy for counts and days).
pub fn numbers<'py>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Numbers<'py>> {
    if is_numpy(obj) {
        return match numpy_dtype(obj, field)? {
            ('i', 8) => Ok(Numbers::I64(numpy_values(obj, field)?)),
            ('f', 8) => Ok(Numbers::F64(numpy_values(obj, field)?)),
            // exact in int64: booleans, signed integers, unsigned ones below 64 bits
            ('b' | 'i', _) | ('u', 1 | 2 | 4) => Ok(Numbers::I64(numpy_values(
                &obj.call_method1("astype", ("int64",))?,
                field,
            )?)),
            _ => Ok(Numbers::F64(numpy_values(
                &obj.call_method1("astype", ("float64",))?,
                field,
            )?)),
        };
    }
    let array = arrow_array(obj, field)?;
    match array.data_type() {
        DataType::Int64 => Ok(Numbers::I64(int64_values(&array))),
        // Exact in int64 (a float cast would round integers beyond 2^53 of wider types).
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => Ok(Numbers::I64(int64_values(&cast(
            &array,
            &DataType::Int64,
            field,
        )?))),
        DataType::Float64 => Ok(Numbers::F64(Values::Arrow(
            array.as_primitive::<Float64Type>().values().clone(),
        ))),
        t if t.is_numeric() => Ok(Numbers::F64(Values::Arrow(
            cast(&array, &DataType::Float64, field)?
                .as_primitive::<Float64Type>()
                .values()
                .clone(),
        ))),
        other => Err(to_py(CrmkitError::invalid_config(
            field,
            other,
            "expected numbers",
        ))),
    }
}

/// Borrowed string values of an Arrow string column (utf8, large utf8 or utf8 view).
pub fn strs(array: &ArrayRef) -> Vec<&str> {
    match array.data_type() {
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            (0..a.len()).map(|i| a.value(i)).collect()
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            (0..a.len()).map(|i| a.value(i)).collect()
        }
        _ => {
            let a = array.as_string_view();
            (0..a.len()).map(|i| a.value(i)).collect()
        }
    }
}

/// Customer ids of several tables (transactions, interactions, a per-customer table), each
/// read as it is: one [`CustomerIndex`] is built over their rows in order (the first part's
/// rows first) without a concatenated copy of string ids, and the output's ids are gathered
/// from the parts in their own type.
pub struct IdParts<'py> {
    kind: PartsKind<'py>,
    /// The first row of each part, and the number of rows at the end.
    starts: Vec<usize>,
}

/// What the parts hold, once their kinds agree.
enum PartsKind<'py> {
    /// int64 ids (the one part borrowed, several parts copied into one column).
    Int(Values<'py, i64>),
    /// Integers beyond int64 in some part (uint64 >= 2^63, 128-bit), widened.
    Wide(Vec<i128>),
    /// Strings: Arrow chunks of every part read in place, `chunk_starts` as
    /// [`ChunkedStrs::starts`]; `objects` holds the numpy object arrays of the parts when
    /// every part was one (the output's ids are then the parts' own Python objects).
    Str {
        chunks: Vec<ArrayRef>,
        chunk_starts: Vec<usize>,
        objects: Option<Vec<Bound<'py, PyAny>>>,
        some_objects: bool,
    },
}

/// One part's ids as read.
enum PartIds<'py> {
    /// No rows.
    Empty,
    /// Numbers (any width).
    Ints(Ids<'py>),
    /// String chunks; `object` is the numpy object array they were read from, if any.
    Strs(Vec<ArrayRef>, Option<Bound<'py, PyAny>>),
}

/// Reads one part: numpy arrays as [`ids`] does, Arrow string chunks in place.
fn part_ids<'py>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<PartIds<'py>> {
    if is_numpy(obj) {
        if obj.len()? == 0 {
            return Ok(PartIds::Empty);
        }
        let object = obj.getattr("dtype")?.getattr("kind")?.extract::<char>()? == 'O';
        return Ok(match numpy_ids(obj, field)? {
            Ids::Str(array) => PartIds::Strs(vec![array], object.then(|| obj.clone())),
            other => PartIds::Ints(other),
        });
    }
    let chunks: Vec<ArrayRef> = arrow_chunks(obj, field)?
        .into_iter()
        .filter(|c| !c.is_empty())
        .collect();
    if chunks.is_empty() {
        return Ok(PartIds::Empty);
    }
    if chunks.iter().all(|c| is_string_type(c.data_type())) {
        let mut start = 0;
        for c in &chunks {
            check_nulls(c, start, field)?;
            start += c.len();
        }
        return Ok(PartIds::Strs(chunks, None));
    }
    Ok(match arrow_ids(one_array(chunks, field)?, field)? {
        Ids::Str(array) => PartIds::Strs(vec![array], None),
        other => PartIds::Ints(other),
    })
}

impl<'py> IdParts<'py> {
    /// Reads the id columns of the parts, `(column, field)` in row order. Nulls are a
    /// `MissingValueError` naming the part's field and its row in that part; integer ids in
    /// one part and string ids in another are a `ConfigError` naming the later part's field.
    pub fn read(parts: &[(&Bound<'py, PyAny>, &str)]) -> PyResult<Self> {
        let mut read = Vec::with_capacity(parts.len());
        let mut starts = vec![0];
        let mut first_kind: Option<(bool, &str)> = None;
        for (obj, field) in parts {
            let part = part_ids(obj, field)?;
            let (len, is_str) = match &part {
                PartIds::Empty => (0, None),
                PartIds::Ints(ids) => (ids.len(), Some(false)),
                PartIds::Strs(chunks, _) => (chunks.iter().map(|c| c.len()).sum(), Some(true)),
            };
            if let Some(is_str) = is_str {
                match first_kind {
                    None => first_kind = Some((is_str, field)),
                    Some((kind, first)) if kind != is_str => {
                        return Err(to_py(CrmkitError::invalid_config(
                            *field,
                            "(customer ids)",
                            format!(
                                "the ids of every table must be of one kind: `{first}` holds {}, this column {}",
                                if kind { "strings" } else { "integers" },
                                if is_str { "strings" } else { "integers" },
                            ),
                        )));
                    }
                    Some(_) => {}
                }
            }
            starts.push(starts[starts.len() - 1] + len);
            read.push(part);
        }
        let field = parts.first().map_or("customer_id", |p| p.1);
        let kind = match first_kind {
            None => return Err(to_py(CrmkitError::empty(field))),
            Some((true, _)) => {
                let mut chunks = Vec::new();
                let mut chunk_starts = vec![0];
                let mut objects = Some(Vec::new());
                let mut some_objects = false;
                for part in read {
                    match part {
                        PartIds::Strs(cs, object) => {
                            some_objects |= object.is_some();
                            match (object, objects.as_mut()) {
                                (Some(o), Some(list)) => list.push(o),
                                _ => objects = None,
                            }
                            for c in cs {
                                chunk_starts.push(chunk_starts[chunk_starts.len() - 1] + c.len());
                                chunks.push(c);
                            }
                        }
                        PartIds::Empty => {}
                        PartIds::Ints(_) => unreachable_kind()?,
                    }
                }
                PartsKind::Str {
                    chunks,
                    chunk_starts,
                    objects,
                    some_objects,
                }
            }
            Some((false, _)) => {
                let ints: Vec<Ids<'py>> = read
                    .into_iter()
                    .filter_map(|p| match p {
                        PartIds::Ints(ids) => Some(ids),
                        _ => None,
                    })
                    .collect();
                if ints.iter().all(|i| matches!(i, Ids::Int(_))) {
                    let mut values: Vec<Values<'py, i64>> = ints
                        .into_iter()
                        .filter_map(|i| match i {
                            Ids::Int(v) => Some(v),
                            _ => None,
                        })
                        .collect();
                    if values.len() == 1 {
                        PartsKind::Int(values.remove(0))
                    } else {
                        let all: Vec<&[i64]> = values.iter().map(|v| v.as_slice()).collect();
                        PartsKind::Int(Values::Owned(all.concat()))
                    }
                } else {
                    let mut wide = Vec::with_capacity(starts[starts.len() - 1]);
                    for ids in &ints {
                        match ids {
                            Ids::Int(v) => wide.extend(v.as_slice().iter().map(|&x| i128::from(x))),
                            Ids::UInt(v) => {
                                wide.extend(v.as_slice().iter().map(|&x| i128::from(x)))
                            }
                            Ids::Wide(v) => wide.extend_from_slice(v),
                            Ids::Str(_) => unreachable_kind()?,
                        }
                    }
                    PartsKind::Wide(wide)
                }
            }
        };
        Ok(Self { kind, starts })
    }

    /// The first row of each part, and the number of rows at the end.
    pub fn starts(&self) -> &[usize] {
        &self.starts
    }

    /// The one customer index over the rows of every part, with the GIL released.
    pub fn index(&self, py: Python<'_>, field: &str) -> PyResult<CustomerIndex> {
        match &self.kind {
            PartsKind::Int(values) => {
                let values = values.as_slice();
                without_gil(py, move || CustomerIndex::from_i64(field, values))
            }
            PartsKind::Wide(values) => {
                without_gil(py, move || CustomerIndex::from_i128(field, values))
            }
            PartsKind::Str {
                chunks,
                chunk_starts,
                ..
            } => without_gil(py, move || {
                let strings: Vec<StrColumn<'_>> = chunks.iter().map(StrColumn::of).collect();
                let rows = chunk_starts[chunk_starts.len() - 1];
                if let [one] = strings.as_slice() {
                    return CustomerIndex::from_strs(field, rows, |row| one.value(row));
                }
                CustomerIndex::from_strs(field, rows, |row| {
                    let c = chunk_starts.partition_point(|&s| s <= row) - 1;
                    strings[c].value(row - chunk_starts[c])
                })
            }),
        }
    }

    /// The ids at `rows` (rows of the parts in order), in the parts' own type: int64 ids as
    /// a numpy int64 array; string ids as the parts' own Python objects (a numpy object array)
    /// when every part was a numpy object array, else as an Arrow array of the first chunk's
    /// string type (other string types cast to it). None where no such form exists (integers
    /// beyond int64, or numpy object strings in one part and Arrow strings in another): the
    /// caller gathers those itself.
    pub fn gather(&self, py: Python<'py>, rows: &[usize]) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.kind {
            PartsKind::Int(values) => {
                let values = values.as_slice();
                let out: Vec<i64> = rows.iter().map(|&r| values[r]).collect();
                Ok(Some(numpy::IntoPyArray::into_pyarray(out, py).into_any()))
            }
            PartsKind::Wide(_) => Ok(None),
            PartsKind::Str {
                objects: Some(objects),
                ..
            } => {
                let arrays: Vec<PyReadonlyArray1<'py, Py<PyAny>>> = match objects
                    .iter()
                    .map(|o| o.extract::<PyReadonlyArray1<'py, Py<PyAny>>>())
                    .collect::<PyResult<Vec<_>>>()
                {
                    Ok(a) => a,
                    Err(_) => return Ok(None),
                };
                let views: Vec<_> = arrays.iter().map(|a| a.as_array()).collect();
                // Part starts over the non-empty parts, which are exactly these arrays.
                let mut starts = vec![0];
                for v in &views {
                    starts.push(starts[starts.len() - 1] + v.len());
                }
                let out: Vec<Py<PyAny>> = rows
                    .iter()
                    .map(|&r| {
                        let p = starts.partition_point(|&s| s <= r) - 1;
                        views[p][r - starts[p]].clone_ref(py)
                    })
                    .collect();
                Ok(Some(numpy::PyArray1::from_vec(py, out).into_any()))
            }
            // numpy object strings in one part, Arrow strings in another: no one own type
            PartsKind::Str {
                some_objects: true, ..
            } => Ok(None),
            PartsKind::Str {
                chunks,
                chunk_starts,
                ..
            } => {
                let field = "customer_id";
                let target = chunks[0].data_type().clone();
                let chunks: Vec<ArrayRef> = chunks
                    .iter()
                    .map(|c| {
                        if *c.data_type() == target {
                            Ok(c.clone())
                        } else {
                            cast(c, &target, field)
                        }
                    })
                    .collect::<PyResult<_>>()?;
                let array = gather_ids(
                    py,
                    &chunks,
                    &rows.iter().map(|&r| r as u64).collect::<Vec<_>>(),
                    |row| {
                        let c = chunk_starts.partition_point(|&s| s <= row) - 1;
                        (c, row - chunk_starts[c])
                    },
                )?;
                Ok(Some(
                    pyo3_arrow::PyArray::from_array_ref(array)
                        .into_pyobject(py)?
                        .into_any(),
                ))
            }
        }
    }
}

fn unreachable_kind() -> PyResult<()> {
    Err(to_py(CrmkitError::invalid_config(
        "customer_id",
        "(customer ids)",
        "the ids of every table must be of one kind: integers or strings",
    )))
}
