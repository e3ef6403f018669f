"""Frames in, frames out: reading columns from pandas / polars / pyarrow / numpy without copies,
and building results in the family of the input.

Rules (documented for users in the README):

* numpy arrays and numpy-backed pandas columns are passed to Rust as views (int64 / float64 /
  datetime64 as they are; other numeric dtypes are cast once to float64 or int64);
* polars and pyarrow columns, and pandas columns backed by Arrow or holding strings, are passed
  through the Arrow PyCapsule interface: Rust reads their buffers in place;
* time-zone-aware timestamps are first converted to local wall-clock time (one copy), so that a
  purchase counts on the calendar day the customer made it; with ``tz=`` every timestamp is an
  instant (naive ones in UTC) counted on its calendar day in that zone;
* pandas columns that are not numpy-backed numbers (object, ``string``, categorical, nullable)
  are normalised here without pyarrow (pandas 2 Series have no Arrow PyCapsule interface);
  polars LazyFrames, DuckDB relations, other PyCapsule tables and Parquet / CSV paths are read
  column by column.

The accepted inputs are listed for users in docs/inputs.md.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

import numpy as np

from crmkit import _crmkit
from crmkit._typing import Family

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


_MIN_DAY = -719_162  # 0001-01-01, as crmkit::data::calendar::MIN_DAY
_MAX_DAY = 2_932_896  # 9999-12-31, as crmkit::data::calendar::MAX_DAY


def _installed(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def _arrow_family() -> Family:
    """The family that results of Arrow-only inputs (paths, DuckDB, PyCapsule tables) come in."""
    if _installed("pyarrow"):
        return "pyarrow"
    if _installed("polars"):
        return "polars"
    return "numpy"


def _is_path(data: Any) -> bool:
    return isinstance(data, (str, os.PathLike))


def _is_capsule_table(data: Any) -> bool:
    return (
        not isinstance(data, (Mapping, np.ndarray, list, tuple))
        and type(data).__module__.split(".")[0] not in ("pandas", "polars", "pyarrow")
        and hasattr(data, "__arrow_c_stream__")
    )


def family(data: Any) -> Family:
    """The frame family of ``data``: 'pandas', 'polars', 'pyarrow' or 'numpy' (arrays / dicts).

    Parquet / CSV paths, DuckDB relations and other Arrow PyCapsule tables come back as pyarrow
    when it is installed, else as polars.
    """
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return "pandas"
    if module == "polars":
        return "polars"
    if module == "pyarrow":
        return "pyarrow"
    if _is_path(data) or _is_capsule_table(data):
        return _arrow_family()
    return "numpy"


def _file_column(path: Any, name: str, field: str) -> Any:
    """Column ``name`` of a Parquet or CSV file, read with pyarrow if installed, else polars."""
    text = os.fspath(path)
    lower = text.lower()
    kind = "parquet" if lower.endswith((".parquet", ".pq", ".parq")) else "csv" if lower.endswith((".csv", ".csv.gz", ".tsv")) else None
    if kind is None:
        raise _error(
            _crmkit.ConfigError,
            f"invalid `data`: {os.path.basename(text)!r} (a path must end in .parquet, .pq or .csv; pass a frame otherwise)",
            "data",
        )
    if not os.path.exists(text):
        raise _error(_crmkit.ConfigError, f"invalid `data`: no file {text!r}", "data")
    try:
        if _installed("pyarrow"):
            if kind == "parquet":
                import pyarrow.parquet as pq

                return pq.read_table(text, columns=[name]).column(name)
            import pyarrow.csv as pacsv

            options = pacsv.ParseOptions(delimiter="\t") if lower.endswith(".tsv") else None
            return pacsv.read_csv(
                text, parse_options=options, convert_options=pacsv.ConvertOptions(include_columns=[name])
            ).column(name)
        if _installed("polars"):
            import polars as pl

            if kind == "parquet":
                lazy = pl.scan_parquet(text)
            else:
                lazy = pl.scan_csv(text, try_parse_dates=True, separator="\t" if lower.endswith(".tsv") else ",")
            return lazy.select(name).collect().get_column(name)
    except Exception as exc:  # the readers' own errors: missing column, unreadable file
        raise _error(
            _crmkit.ConfigError,
            f"invalid `{field}`: could not read column {name!r} from {os.path.basename(text)!r} ({type(exc).__name__})",
            field,
        ) from exc
    raise _error(
        _crmkit.ConfigError,
        f"invalid `data`: reading {kind.capitalize()} files needs pyarrow or polars "
        "(pip install 'crmkit[pyarrow]' or 'crmkit[polars]')",
        "data",
    )


def _capsule_column(data: Any, name: str, field: str) -> Any:
    """Column ``name`` of a table that only offers the Arrow PyCapsule interface (e.g. DuckDB)."""
    if _installed("pyarrow") and hasattr(_pyarrow().RecordBatchReader, "from_stream"):  # pyarrow >= 15
        import pyarrow as pa

        table = pa.RecordBatchReader.from_stream(data).read_all()
        if name not in table.column_names:
            raise _error(
                _crmkit.ConfigError, f"invalid `{field}`: no column {name!r} (available: {table.column_names})", field
            )
        return table.column(name)
    if _installed("polars"):
        import polars as pl

        frame = pl.DataFrame(data)
        if name not in frame.columns:
            raise _error(_crmkit.ConfigError, f"invalid `{field}`: no column {name!r} (available: {frame.columns})", field)
        return frame.get_column(name)
    raise _error(
        _crmkit.ConfigError,
        f"invalid `data`: {type(data).__name__} tables are read through Arrow, which needs pyarrow >= 15 or polars "
        "(pip install 'crmkit[pyarrow]' or 'crmkit[polars]')",
        "data",
    )


def _pyarrow() -> Any:
    import pyarrow

    return pyarrow


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
    if _is_path(data):
        return _file_column(data, name, field)
    if _is_capsule_table(data):
        return _capsule_column(data, name, field)
    fam = family(data)
    try:
        if fam == "polars":
            if type(data).__name__ == "LazyFrame":  # only this column is computed
                return data.select(name).collect().get_column(name)
            return data.get_column(name)
        if fam == "pyarrow":
            if type(data).__name__ == "RecordBatch":
                return data.column(data.schema.get_field_index(name) if name in data.schema.names else name)
            return data.column(name)
        col = data[name]
    except (KeyError, ValueError, TypeError, LookupError) as exc:
        available = list(data.keys()) if isinstance(data, Mapping) else list(getattr(data, "columns", []))
        raise _error(
            _crmkit.ConfigError,
            f"invalid `{field}`: no column {name!r} (available: {available})",
            field,
        ) from exc
    except Exception as exc:  # polars raises its own ColumnNotFoundError
        raise _error(_crmkit.ConfigError, f"invalid `{field}`: no column {name!r}", field) from exc
    if fam == "pandas" and getattr(col, "ndim", 1) == 2:
        raise _error(
            _crmkit.ConfigError,
            f"invalid `{field}`: the column name {name!r} appears {col.shape[1]} times in the frame",
            field,
        )
    return col


def _missing(field: str, row: int) -> Exception:
    return _error(_crmkit.MissingValueError, f"`{field}` is missing (null) at row {row}", field, row)


def _pandas_plain(col: Any, field: str) -> Any:
    """A pandas Series as a numpy array (a view where possible) or an Arrow-capable column.

    pandas 2 Series have no ``__arrow_c_stream__``, and non-Arrow pandas columns need no
    pyarrow here: object and python-backed strings become object arrays that the compiled
    reader turns into one Arrow string column (naming the row of a null, a mixed-type value or a
    lone surrogate), categoricals are decoded through their codes, nullable Int64 / Float64 /
    boolean columns are checked for NA and read as numpy.
    """
    import pandas as pd

    dtype = col.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind == "O":
            return col.to_numpy(dtype=object)
        return col.to_numpy(copy=False)
    if isinstance(dtype, pd.CategoricalDtype):
        codes = np.asarray(col.cat.codes)
        if len(codes) and codes.min() < 0:
            raise _missing(field, int(np.argmax(codes < 0)))
        categories = col.cat.categories
        values = categories.to_numpy(dtype=object) if categories.dtype.kind not in "biu" else categories.to_numpy()
        return values[codes]
    storage = getattr(dtype, "storage", None)
    arrow_backed = type(dtype).__name__ == "ArrowDtype" or storage in ("pyarrow", "pyarrow_numpy")
    if arrow_backed:
        if hasattr(col, "__arrow_c_stream__"):
            return col  # pandas >= 3: Arrow buffers in place
        import pyarrow as pa  # installed: the column is backed by it

        return pa.array(col.array)
    isna = np.asarray(col.isna())
    if isna.any():
        raise _missing(field, int(np.argmax(isna)))
    numpy_dtype = getattr(dtype, "numpy_dtype", None)
    if isinstance(dtype, pd.StringDtype) or numpy_dtype is None or numpy_dtype.kind == "O":
        return col.to_numpy(dtype=object)
    if isinstance(dtype, pd.DatetimeTZDtype):
        return col
    return col.to_numpy(dtype=numpy_dtype)


def _plain(col: Any, field: str) -> Any:
    """``col`` as the compiled readers take it: a numpy array (pandas / lists / numpy) or an
    object with the Arrow PyCapsule interface (polars, pyarrow, Arrow-backed pandas, …)."""
    if isinstance(col, np.ndarray):
        return col
    fam = family(col)
    if fam == "pandas":
        if type(col).__name__ == "Index":
            import pandas as pd

            col = pd.Series(col)
        return _pandas_plain(col, field)
    if fam == "polars":
        import polars as pl

        if col.dtype == getattr(pl, "Int128", None):  # a private Arrow format: send it as decimal128
            return col.cast(pl.Decimal(38, 0))
        return col
    if fam == "pyarrow" and not hasattr(col, "__arrow_c_stream__") and hasattr(col, "combine_chunks"):
        return col.combine_chunks()  # pyarrow < 15: chunked arrays export only as one array
    if fam == "pyarrow" or hasattr(col, "__arrow_c_stream__") or hasattr(col, "__arrow_c_array__"):
        return col
    arr = np.asarray(col)
    if arr.dtype.kind in "US":  # keep strings whole: numpy's fixed width drops trailing NULs
        arr = np.asarray(list(col) if not isinstance(col, (str, bytes)) else [col], dtype=object)
    return arr


def _to_numpy_if_plain(col: Any, field: str = "column") -> np.ndarray | None:
    """A numpy array for numpy / pandas / list input, or None for Arrow input."""
    plain = _plain(col, field)
    return plain if isinstance(plain, np.ndarray) else None


def ids(col: Any, field: str = "customer_id") -> Any:
    """Customer ids as Rust reads them: a numpy array (integers of any width, or strings /
    Python objects) or an Arrow column (integers, strings, dictionaries of either)."""
    arr = _plain(col, field)
    if isinstance(arr, np.ndarray) and arr.dtype.kind not in "biuOUS":
        raise _error(
            _crmkit.ConfigError,
            f"invalid `{field}`: {arr.dtype} (customer ids must be integers or strings)",
            field,
        )
    return arr


def _zone(tz: Any) -> str:
    """A checked IANA time-zone name."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(tz)
    except (TypeError, ValueError, zoneinfo.ZoneInfoNotFoundError) as exc:
        raise _error(_crmkit.ConfigError, f"invalid `tz`: {tz!r} (expected a time-zone name such as 'Europe/Berlin')", "tz") from exc
    return str(tz)


def _numpy_times_in_zone(arr: np.ndarray, zone: str) -> Any:
    """Naive numpy datetimes (UTC instants) as a column of a frame library that can move them to ``zone``."""
    if _installed("pandas"):
        import pandas as pd

        return pd.Series(arr)
    if _installed("pyarrow"):
        import pyarrow as pa

        return pa.chunked_array([pa.array(arr)])
    if _installed("polars"):
        import polars as pl

        return pl.Series(arr)
    raise _error(_crmkit.ConfigError, "invalid `tz`: converting numpy timestamps needs pandas, polars or pyarrow", "tz")


def times(col: Any, field: str = "timestamp", tz: str | None = None) -> tuple[Any, int | None]:
    """A time column as Rust reads it, with ticks per day for numpy input.

    Without ``tz``, time-zone-aware timestamps count on their local wall-clock day and naive ones
    as they are. With ``tz``, every timestamp is an instant (naive ones taken as UTC) and counts
    on its calendar day in zone ``tz``; dates are already days and stay as they are.
    """
    zone = None if tz is None else _zone(tz)
    if zone is not None and isinstance(col, np.ndarray) and col.dtype.kind == "M":
        col = _numpy_times_in_zone(col, zone)
    fam = family(col)
    if fam == "pandas":
        dtype = col.dtype
        aware = getattr(dtype, "tz", None) is not None
        if zone is not None and (aware or (isinstance(dtype, np.dtype) and dtype.kind == "M")):
            col = (col.dt.tz_convert(zone) if aware else col.dt.tz_localize("UTC").dt.tz_convert(zone)).dt.tz_localize(None)
        elif aware:
            col = col.dt.tz_localize(None)  # local wall-clock time
        elif type(dtype).__name__ == "ArrowDtype":
            import pyarrow as pa

            return times(pa.array(col.array), field, tz)
    elif fam == "polars":
        import polars as pl

        if isinstance(col.dtype, pl.Datetime):
            if zone is not None:
                if col.dtype.time_zone is None:
                    col = col.dt.replace_time_zone("UTC")
                col = col.dt.convert_time_zone(zone).dt.replace_time_zone(None)
            elif col.dtype.time_zone is not None:
                col = col.dt.replace_time_zone(None)
        return col, None
    elif fam == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_timestamp(col.type):
            if zone is not None:
                if col.type.tz is None:
                    col = col.cast(pa.timestamp(col.type.unit, "UTC"))
                col = pc.local_timestamp(col.cast(pa.timestamp(col.type.unit, zone)))
            elif col.type.tz is not None:
                col = pc.local_timestamp(col)
        return _plain(col, field), None
    arr = _to_numpy_if_plain(col, field)
    if arr is None:
        if zone is not None and _installed("pyarrow"):
            import pyarrow as pa

            return times(pa.chunked_array(col) if hasattr(col, "__arrow_c_stream__") else pa.array(col), field, tz)
        return col, None
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype("datetime64[us]")
        except (TypeError, ValueError, OverflowError) as exc:
            raise _error(_crmkit.ConfigError, f"invalid `{field}`: expected dates or datetimes", field) from exc
    if arr.dtype.kind != "M":
        raise _error(
            _crmkit.ConfigError,
            f"invalid `{field}`: {arr.dtype} (timestamps must be dates or datetimes, e.g. datetime64)",
            field,
        )
    unit, count = np.datetime_data(arr.dtype)
    if unit not in _TICKS_PER_DAY or _TICKS_PER_DAY[unit] % count:
        if unit in ("Y", "M", "W"):
            arr = arr.astype("datetime64[D]")  # whole days: exact for every date numpy holds
        else:
            arr = arr.astype("datetime64[ns]" if unit in ("ps", "fs", "as") else "datetime64[us]")
        unit, count = np.datetime_data(arr.dtype)
    nat = np.isnat(arr)
    if nat.any():
        row = int(np.argmax(nat))
        raise _missing(field, row)
    return np.ascontiguousarray(arr).view(np.int64), _TICKS_PER_DAY[unit] // count


def floats(col: Any, field: str) -> Any:
    """A numeric column as Rust reads it: float64 numpy, or an Arrow column."""
    arr = _plain(col, field)
    if not isinstance(arr, np.ndarray):
        return arr
    if arr.dtype.kind not in "biuf":
        raise _error(_crmkit.ConfigError, f"invalid `{field}`: {arr.dtype} (expected numbers)", field)
    return np.ascontiguousarray(arr, dtype=np.float64)


def numbers(col: Any, field: str) -> Any:
    """A numeric column keeping int64 as int64 (no copy for counts and days)."""
    arr = _plain(col, field)
    if not isinstance(arr, np.ndarray):
        return arr
    if arr.dtype.kind in "iub":
        return np.ascontiguousarray(arr, dtype=np.int64)
    return floats(arr, field)


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?")


def day_number(value: Any, field: str) -> int:
    """A date as days since 1970-01-01, parsed strictly.

    Accepted: an ISO date or datetime string (``'2024-12-31'``, ``'2024-12-31T18:30'``, with an
    optional offset), ``datetime.date`` / ``datetime.datetime`` (pandas ``Timestamp`` too) and
    numpy ``datetime64``. A datetime counts on its own wall-clock date (an offset or time zone
    does not move it). Numbers and booleans are rejected: ``20241231`` or ``True`` is no date.
    Dates must lie between 0001-01-01 and 9999-12-31.
    """

    def bad(why: str = "expected a date such as '2024-12-31', a datetime.date / datetime or numpy datetime64") -> Exception:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
        return _error(_crmkit.ConfigError, f"invalid `{field}`: {shown} ({why})", field)

    day: int
    try:
        if isinstance(value, str):
            text = value.strip()
            if not _ISO.fullmatch(text):
                raise bad("expected an ISO date 'YYYY-MM-DD' or datetime 'YYYY-MM-DDTHH:MM[:SS]'")
            date = _dt.date(int(text[:4]), int(text[5:7]), int(text[8:10]))
            day = date.toordinal() - _dt.date(1970, 1, 1).toordinal()
        elif isinstance(value, _dt.datetime):
            if value != value:  # pandas NaT
                raise bad("a missing date (NaT)")
            day = value.date().toordinal() - _dt.date(1970, 1, 1).toordinal()  # its wall-clock date
        elif isinstance(value, _dt.date):
            day = value.toordinal() - _dt.date(1970, 1, 1).toordinal()
        elif isinstance(value, np.datetime64):
            if np.isnat(value):
                raise bad("a missing date (NaT)")
            day = int(value.astype("datetime64[D]").astype(np.int64))
        else:
            raise bad()
    except (TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, _crmkit.CrmkitError):
            raise
        raise bad() from exc
    if not _MIN_DAY <= day <= _MAX_DAY:
        raise bad("dates must lie between 0001-01-01 and 9999-12-31")
    return day


def take(col: Any, rows: np.ndarray) -> Any:
    """``col`` at ``rows``, in its own family (ids keep their type)."""
    fam = family(col)
    if fam == "pandas":
        import pandas as pd

        return pd.Series(col.array.take(rows), dtype=col.dtype, name=None)
    if fam == "polars":
        return col.gather(rows)
    if fam == "pyarrow":
        import pyarrow as pa

        if getattr(pa.types, "is_string_view", lambda t: False)(col.type):  # no take kernel: take, then view again
            return col.cast(pa.large_string()).take(rows).cast(col.type)
        return col.take(rows)
    if hasattr(col, "__arrow_c_stream__") or hasattr(col, "__arrow_c_array__"):
        import pyarrow as pa

        return pa.chunked_array(col).take(rows) if hasattr(col, "__arrow_c_stream__") else pa.array(col).take(rows)
    arr = np.asarray(col)
    if arr.dtype.kind in "US":  # a list of strings: keep them whole (fixed width drops NULs)
        arr = np.asarray(list(col), dtype=object)
    return arr[rows]


def is_arrow_strings(col: Any) -> bool:
    """Whether ``col`` is a pyarrow string column (utf8, large utf8 or utf8 view): the
    extension can then gather the output's ids itself, in the column's own type."""
    if family(col) != "pyarrow":
        return False
    import pyarrow as pa

    kind = getattr(col, "type", None)
    is_view = getattr(pa.types, "is_string_view", lambda t: False)
    return kind is not None and (pa.types.is_string(kind) or pa.types.is_large_string(kind) or bool(is_view(kind)))


def arrow_like(col: Any, values: Any) -> Any:
    """``values`` (an Arrow array export) as a pyarrow column shaped like the pyarrow ``col``:
    chunked when ``col`` is, as :func:`take` would give it."""
    import pyarrow as pa

    array = pa.array(values)
    return pa.chunked_array([array], type=array.type) if isinstance(col, pa.ChunkedArray) else array


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


def frame(columns: dict[str, Any], fam: str, fresh: bool = False) -> Any:
    """A frame of the given family from a dict of columns (numpy arrays or family columns).

    ``fresh``: every column was made for this frame (no input's array among them), so a pandas
    frame takes them as they are instead of copying same-typed columns into one block.
    """
    if fam == "pandas":
        import pandas as pd

        cols = {k: (v.reset_index(drop=True) if isinstance(v, pd.Series) else v) for k, v in columns.items()}
        return pd.DataFrame(cols, copy=False) if fresh else pd.DataFrame(cols)
    if fam == "polars":
        import polars as pl

        return pl.DataFrame({k: (v.alias(k) if isinstance(v, pl.Series) else v) for k, v in columns.items()})
    if fam == "pyarrow":
        import pyarrow as pa

        return pa.table({k: (v if isinstance(v, (pa.Array, pa.ChunkedArray)) else pa.array(v)) for k, v in columns.items()})
    return {k: (to_numpy(v) if not isinstance(v, np.ndarray) else v) for k, v in columns.items()}


def to_numpy(col: Any) -> np.ndarray:
    """A column as numpy; strings as objects (numpy's fixed-width strings drop trailing NULs)."""
    fam = family(col)
    if fam == "polars":
        import polars as pl

        if col.dtype in (pl.Utf8, pl.Categorical, pl.Object) or isinstance(col.dtype, pl.Enum):
            return np.asarray(col.to_list(), dtype=object)
        return np.asarray(col.to_numpy())
    if fam == "pyarrow":
        import pyarrow as pa

        kind = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind) or getattr(pa.types, "is_string_view", lambda t: False)(kind):
            return np.asarray(col.to_pylist(), dtype=object)
        return np.asarray(col.to_numpy(zero_copy_only=False))
    return np.asarray(col)


# ---------------------------------------------------------------------------------------------
# ids of several tables (churn signals, lifecycle): the result's id column in the input's type


def concat_ids(parts: Sequence[Any]) -> Any:
    """One id column from several (same kind: integers or strings), for one customer index."""
    parts = [p for p in parts if p is not None]
    if len(parts) == 1:
        return parts[0]
    normal = [ids(p) for p in parts]
    if all(isinstance(p, np.ndarray) for p in normal):
        return np.concatenate(normal)
    fams = {family(p) for p in parts}
    if fams == {"polars"}:
        import polars as pl

        string = any(p.dtype in (pl.Utf8, pl.Categorical) or isinstance(p.dtype, pl.Enum) for p in parts)
        wide = any(p.dtype in (pl.UInt64, getattr(pl, "Int128", pl.UInt64)) for p in parts)  # beyond int64
        return pl.concat([p.cast(pl.Utf8 if string else pl.Decimal(38, 0) if wide else pl.Int64) for p in parts])
    import pyarrow as pa

    arrays = []
    for p in normal:
        if isinstance(p, np.ndarray):
            arrays.append(pa.array(p))
        elif family(p) == "polars":
            arrays.append(p.to_arrow())
        elif isinstance(p, (pa.Array, pa.ChunkedArray)):
            arrays.append(p)
        else:
            arrays.append(pa.array(p))
    string = any(
        pa.types.is_string(a.type)
        or pa.types.is_large_string(a.type)
        or getattr(pa.types, "is_string_view", lambda t: False)(a.type)
        or pa.types.is_dictionary(a.type)
        for a in arrays
    )
    wide = any(pa.types.is_uint64(a.type) or pa.types.is_decimal(a.type) for a in arrays)
    target = pa.string() if string else pa.decimal128(38, 0) if wide else pa.int64()
    chunks: list[Any] = []
    for a in arrays:
        if pa.types.is_dictionary(a.type):
            a = a.cast(a.type.value_type)
        a = a.cast(target)
        chunks.extend(a.chunks if isinstance(a, pa.ChunkedArray) else [a])
    return pa.chunked_array(chunks, type=target)


def take_ids(concat: Any, rows: np.ndarray, fam: str) -> Any:
    """Ids at ``rows`` of a (possibly concatenated) id column, as a column of family ``fam``."""
    col = take(concat, rows)
    got = family(col)
    if got == fam or fam == "pyarrow" and got == "numpy":
        return col
    if got == "pyarrow":
        if fam == "polars":
            import polars as pl

            return pl.from_arrow(col)
        if fam == "pandas":
            import pandas as pd

            return pd.Series(col.to_pandas(), name=None)
        return to_numpy(col)
    if got == "polars":
        return to_numpy(col) if fam == "numpy" else col.to_arrow() if fam == "pyarrow" else col.to_pandas()
    return col


def _same_type(gathered: Any, first: Any, parts: Sequence[Any]) -> Any:
    """int64 ids gathered by the extension in the numpy dtype all ``parts`` share, else int64."""
    dtypes = {getattr(_to_numpy_if_plain(p), "dtype", None) for p in parts}
    dtype = dtypes.pop() if len(dtypes) == 1 else None
    if dtype is not None and dtype.kind in "biu" and dtype != gathered.dtype:
        return gathered.astype(dtype)
    return gathered


def output_ids(parts: Sequence[Any], gathered: Any, rows: np.ndarray, fam: str) -> Any:
    """The result's id column, in the type of the first id column of ``parts`` and family ``fam``.

    ``gathered`` is what the extension gathered over the parts (``gather_ids=True``): int64
    ids as numpy, the parts' own Python objects as a numpy object array, or Arrow strings in
    the parts' string type; None (integers beyond int64, numpy and Arrow strings mixed) or a
    first column of a type these cannot give back (categoricals, dictionaries) fall back to
    the ids at ``rows`` of the parts concatenated.
    """
    parts = [p for p in parts if p is not None]
    first = parts[0]
    first_fam = family(first)
    dtype = getattr(first, "dtype", None)
    categorical = (
        type(dtype).__name__ in ("CategoricalDtype", "Categorical", "Enum")
        or first_fam == "pyarrow"
        and "dictionary" in str(getattr(first, "type", ""))
    )
    if gathered is None or categorical or first_fam != fam and fam != "numpy":
        return take_ids(concat_ids(parts), rows, fam)
    if isinstance(gathered, np.ndarray) and gathered.dtype.kind == "i":
        ints = _same_type(gathered, first, parts)
        if isinstance(dtype, np.dtype) and dtype.kind not in "biu":  # Python ints in objects
            return ints.astype(object)
        if fam == "pandas" and not isinstance(dtype, np.dtype):
            import pandas as pd

            try:
                return pd.Series(pd.array(ints, dtype=dtype))
            except (TypeError, ValueError):
                return ints
        if fam == "polars":
            import polars as pl

            s = pl.Series(ints)
            try:
                return s.cast(first.dtype, strict=True)
            except Exception:  # a type the ids do not fit: int64 as gathered
                return s
        if fam == "pyarrow":
            import pyarrow as pa

            a = pa.array(ints)
            try:
                a = a.cast(first.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
            return pa.chunked_array([a], type=a.type) if isinstance(first, pa.ChunkedArray) else a
        return ints
    if isinstance(gathered, np.ndarray):  # the parts' own Python objects
        if fam == "pandas":
            import pandas as pd

            return pd.Series(gathered, dtype=dtype)
        return gathered
    return _from_arrow(gathered, fam, first)


def _from_arrow(values: Any, fam: str, like: Any = None) -> Any:
    """An Arrow array handed back by the extension as a column of family ``fam`` (pandas:
    of the dtype of ``like`` or the inferred string dtype; pyarrow: chunked like ``like``)."""
    if fam == "polars":
        import polars as pl

        return pl.Series(values)
    import pyarrow as pa

    if fam == "pyarrow":
        return arrow_like(like, values) if like is not None else pa.array(values)
    array = pa.array(values)
    if fam == "pandas":
        import pandas as pd

        return pd.Series(pd.array(array, dtype=getattr(like, "dtype", None) or _pandas_strings()))
    return to_numpy(array)


def _pandas_strings() -> Any:
    """The dtype pandas gives a column of Python strings (``str`` with pandas 3, else object)."""
    import pandas as pd

    return pd.Series(np.array(["x"], dtype=object)).dtype


TextForm: TypeAlias = Literal["lists", "objects", "arrow"]


def text_forms(fam: str) -> tuple[TextForm, TextForm]:
    """How the extension should hand back (strings, lists of strings) for a result of family
    ``fam``: Arrow for polars / pyarrow (and pandas strings when pandas stores them in Arrow),
    numpy object arrays otherwise."""
    if fam in ("polars", "pyarrow"):
        return "arrow", "arrow"
    if fam == "pandas" and getattr(_pandas_strings(), "storage", None) == "pyarrow":
        return "arrow", "objects"
    return "objects", "objects"


def texts(values: Any, fam: str) -> Any:
    """A text column handed back in the form :func:`text_forms` asked for, in family ``fam``."""
    if isinstance(values, np.ndarray):
        return values
    return _from_arrow(values, fam)
