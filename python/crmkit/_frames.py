"""Frames in, frames out: reading columns from pandas / polars / pyarrow / numpy without copies,
and building results in the family of the input.

Rules (documented for users in the README):

* numpy arrays and numpy-backed pandas columns are passed to Rust as views (int64 / float64 /
  datetime64 as they are; other numeric dtypes are cast once to float64 or int64);
* polars and pyarrow columns, and pandas columns backed by Arrow or holding strings, are passed
  through the Arrow PyCapsule interface: Rust reads their buffers in place;
* time-zone-aware timestamps are first converted to local wall-clock time (one copy), so that a
  purchase counts on the calendar day the customer made it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from crmkit import _crmkit

_DAY = np.datetime64("1970-01-01", "D")
_TICKS_PER_DAY = {
    "D": 1,
    "h": 24,
    "m": 1_440,
    "s": 86_400,
    "ms": 86_400_000,
    "us": 86_400_000_000,
    "ns": 86_400_000_000_000,
}


def family(data: Any) -> str:
    """The frame family of ``data``: 'pandas', 'polars', 'pyarrow' or 'numpy' (arrays / dicts)."""
    module = type(data).__module__.split(".")[0]
    if module in ("pandas", "polars", "pyarrow"):
        return module
    return "numpy"


def _error(cls: type[Exception], message: str, field: str, row: int | None = None) -> Exception:
    err = cls(message)
    err.field = field  # type: ignore[attr-defined]
    err.row = row  # type: ignore[attr-defined]
    return err


#: The most characters of a value echoed in an error message.
SHOWN_CHARS = 40


def shown(value: Any) -> str:
    """``repr(value)`` for an error message, cut to ``SHOWN_CHARS`` characters (never an id:
    callers say "(customer id)" instead)."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def json_object(text: Any, field: str) -> dict[str, Any]:
    """``text`` parsed as a JSON object; anything else (not text, truncated or invalid JSON,
    nesting too deep, a list or a number) is a :class:`crmkit.ConfigError` naming ``field``."""
    import json

    try:
        doc = json.loads(text)
    except (ValueError, TypeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else shown(str(exc))
        raise _error(_crmkit.ConfigError, f"invalid `{field}` JSON: {reason}", field) from None
    if not isinstance(doc, dict):
        raise _error(_crmkit.ConfigError, f"invalid `{field}` JSON: expected an object, got {type(doc).__name__}", field)
    return doc


def column(data: Any, name: Any, field: str) -> Any:
    """Column ``name`` of ``data``; ``name`` may itself be an array (then ``data`` may be None)."""
    if not isinstance(name, str):
        return name
    if data is None:
        raise _error(
            _crmkit.ConfigError,
            f"invalid `{field}`: {name!r} (a column name needs `data`; pass arrays directly otherwise)",
            field,
        )
    fam = family(data)
    try:
        if fam == "polars":
            return data.get_column(name)
        if fam == "pyarrow":
            return data.column(name)
        return data[name]
    except (KeyError, ValueError, TypeError, LookupError) as exc:
        available = list(data.keys()) if isinstance(data, Mapping) else list(getattr(data, "columns", []))
        raise _error(
            _crmkit.ConfigError,
            f"invalid `{field}`: no column {name!r} (available: {available})",
            field,
        ) from exc
    except Exception as exc:  # polars raises its own ColumnNotFoundError
        raise _error(_crmkit.ConfigError, f"invalid `{field}`: no column {name!r}", field) from exc


def _to_numpy_if_plain(col: Any) -> np.ndarray | None:
    """A numpy view of a numpy-backed pandas Series / numpy array / list, or None for Arrow input."""
    if isinstance(col, np.ndarray):
        return col
    fam = family(col)
    if fam == "pandas":
        dtype = col.dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "biufM":
            return col.to_numpy(copy=False)
        return None
    if fam in ("polars", "pyarrow") or hasattr(col, "__arrow_c_stream__") or hasattr(col, "__arrow_c_array__"):
        return None
    if isinstance(col, Sequence) and not isinstance(col, (str, bytes)):
        return np.asarray(col)
    return np.asarray(col)


def _strings_to_arrow(values: np.ndarray, field: str) -> Any:
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - exercised only without pyarrow
        raise _error(
            _crmkit.ConfigError,
            f"invalid `{field}`: string ids from numpy or lists need pyarrow installed",
            field,
        ) from None
    missing = [i for i, v in enumerate(values) if v is None or (isinstance(v, float) and v != v)]
    if missing:
        raise _error(_crmkit.MissingValueError, f"`{field}` is missing (null) at row {missing[0]}", field, missing[0])
    return pa.array(values.astype(str) if values.dtype.kind != "O" else values, type=pa.string())


def ids(col: Any, field: str = "customer_id") -> Any:
    """Customer ids as Rust reads them: int64 numpy, or an Arrow column (ints / strings)."""
    arr = _to_numpy_if_plain(col)
    if arr is None:
        return col
    if arr.dtype.kind in "iub":
        return np.ascontiguousarray(arr, dtype=np.int64)
    if arr.dtype.kind in "OUS":
        return _strings_to_arrow(arr, field)
    raise _error(
        _crmkit.ConfigError,
        f"invalid `{field}`: {arr.dtype} (customer ids must be integers or strings)",
        field,
    )


def times(col: Any, field: str = "timestamp") -> tuple[Any, int | None]:
    """A time column as Rust reads it, with ticks per day for numpy input."""
    fam = family(col)
    if fam == "pandas" and getattr(col.dtype, "tz", None) is not None:
        col = col.dt.tz_localize(None)  # local wall-clock time
    elif fam == "polars":
        import polars as pl

        if isinstance(col.dtype, pl.Datetime) and col.dtype.time_zone is not None:
            col = col.dt.replace_time_zone(None)
        return col, None
    elif fam == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_timestamp(col.type) and col.type.tz is not None:
            col = pc.local_timestamp(col)
        return col, None
    arr = _to_numpy_if_plain(col)
    if arr is None:
        return col, None
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype("datetime64[us]")
        except (TypeError, ValueError) as exc:
            raise _error(_crmkit.ConfigError, f"invalid `{field}`: expected dates or datetimes", field) from exc
    if arr.dtype.kind != "M":
        raise _error(
            _crmkit.ConfigError,
            f"invalid `{field}`: {arr.dtype} (timestamps must be dates or datetimes, e.g. datetime64)",
            field,
        )
    unit, count = np.datetime_data(arr.dtype)
    if unit not in _TICKS_PER_DAY or _TICKS_PER_DAY[unit] % count:
        arr = arr.astype("datetime64[us]")
        unit, count = "us", 1
    nat = np.isnat(arr)
    if nat.any():
        row = int(np.argmax(nat))
        raise _error(_crmkit.MissingValueError, f"`{field}` is missing (null) at row {row}", field, row)
    return np.ascontiguousarray(arr).view(np.int64), _TICKS_PER_DAY[unit] // count


def floats(col: Any, field: str) -> Any:
    """A numeric column as Rust reads it: float64 numpy, or an Arrow column."""
    arr = _to_numpy_if_plain(col)
    if arr is None:
        return col
    if arr.dtype.kind not in "biuf":
        raise _error(_crmkit.ConfigError, f"invalid `{field}`: {arr.dtype} (expected numbers)", field)
    return np.ascontiguousarray(arr, dtype=np.float64)


def numbers(col: Any, field: str) -> Any:
    """A numeric column keeping int64 as int64 (no copy for counts and days)."""
    arr = _to_numpy_if_plain(col)
    if arr is None:
        return col
    if arr.dtype.kind in "iub":
        return np.ascontiguousarray(arr, dtype=np.int64)
    return floats(arr, field)


def day_number(value: Any, field: str) -> int:
    """A date-like value (str 'YYYY-MM-DD', date, datetime, numpy / pandas timestamp) as days since 1970-01-01."""
    try:
        if isinstance(value, _dt.datetime):
            if value.tzinfo is not None:
                value = value.replace(tzinfo=None)  # its local wall-clock date
            value = value.date()
        if isinstance(value, _dt.date):
            return value.toordinal() - _dt.date(1970, 1, 1).toordinal()
        day = np.datetime64(value, "D")
        if np.isnat(day):
            raise ValueError("NaT")
        return int((day - _DAY).astype(np.int64))
    except (TypeError, ValueError) as exc:
        raise _error(
            _crmkit.ConfigError,
            f"invalid `{field}`: {value!r} (expected a date such as '2024-12-31')",
            field,
        ) from exc


def take(col: Any, rows: np.ndarray) -> Any:
    """``col`` at ``rows``, in its own family (ids keep their type)."""
    fam = family(col)
    if fam == "pandas":
        import pandas as pd

        return pd.Series(col.array.take(rows), name=None)
    if fam == "polars":
        return col.gather(rows)
    if fam == "pyarrow":
        return col.take(rows)
    if hasattr(col, "__arrow_c_stream__") or hasattr(col, "__arrow_c_array__"):
        import pyarrow as pa

        return pa.chunked_array(col).take(rows) if hasattr(col, "__arrow_c_stream__") else pa.array(col).take(rows)
    return np.asarray(col)[rows]


def days_to_dates(days: np.ndarray) -> np.ndarray:
    """int64 days since 1970-01-01 as numpy datetime64[D] (a view)."""
    return days.view("datetime64[D]")


def categorical(codes: np.ndarray, names: Sequence[str], fam: str) -> Any:
    """A categorical column in the given family from integer codes into ``names``."""
    if fam == "pandas":
        import pandas as pd

        return pd.Categorical.from_codes(codes.astype(np.int64), categories=list(names))
    if fam == "polars":
        import polars as pl

        return pl.Series(list(names), dtype=pl.Enum(list(names))).gather(codes)
    if fam == "pyarrow":
        import pyarrow as pa

        return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(list(names), type=pa.string()))
    return np.asarray(list(names), dtype=object)[codes]


def frame(columns: dict[str, Any], fam: str) -> Any:
    """A frame of the given family from a dict of columns (numpy arrays or family columns)."""
    if fam == "pandas":
        import pandas as pd

        return pd.DataFrame({k: (v.reset_index(drop=True) if isinstance(v, pd.Series) else v) for k, v in columns.items()})
    if fam == "polars":
        import polars as pl

        return pl.DataFrame({k: (v.alias(k) if isinstance(v, pl.Series) else v) for k, v in columns.items()})
    if fam == "pyarrow":
        import pyarrow as pa

        return pa.table({k: (v if isinstance(v, (pa.Array, pa.ChunkedArray)) else pa.array(v)) for k, v in columns.items()})
    return {k: (np.asarray(v) if not isinstance(v, np.ndarray) else v) for k, v in columns.items()}
