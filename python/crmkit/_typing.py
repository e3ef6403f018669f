"""Types shared by the public signatures: what a table or a column may be, and the string
options as ``Literal`` types, so that a type checker rejects ``unit="month"`` or
``after_as_of="drop"`` before the code runs.

The frame libraries are optional, so tables and columns are described by what crmkit uses of
them (structural protocols), not by importing pandas / polars / pyarrow.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol, TypeAlias, TypeVar, runtime_checkable

import numpy as np
import numpy.typing as npt

__all__ = [
    "AfterAsOf",
    "ArrayDict",
    "ArrowArrayExporter",
    "ArrowStreamExporter",
    "ColumnLike",
    "ColumnOrName",
    "DateLike",
    "Family",
    "Floats",
    "FrameLike",
    "MarginTiming",
    "NegativeValue",
    "NegativeAmounts",
    "Normalization",
    "NpsMethod",
    "OtherTable",
    "OutlierMethod",
    "ProportionMethod",
    "TableT",
    "TierLayout",
    "TimeUnit",
]


@runtime_checkable
class ArrowStreamExporter(Protocol):
    """Anything with the Arrow PyCapsule stream interface: a pyarrow Table / ChunkedArray, a
    polars DataFrame / Series, a DuckDB relation, pandas >= 3 objects."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...


@runtime_checkable
class ArrowArrayExporter(Protocol):
    """Anything with the Arrow PyCapsule array interface (a pyarrow Array or RecordBatch)."""

    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]: ...


@runtime_checkable
class _DataFrameLike(Protocol):
    """A table with named columns (pandas / polars DataFrame, pyarrow Table)."""

    @property
    def shape(self) -> tuple[int, ...]: ...


@runtime_checkable
class _SeriesLike(Protocol):
    """A one-dimensional column (pandas / polars Series)."""

    def __len__(self) -> int: ...


#: A table crmkit reads: a pandas / polars DataFrame (or polars LazyFrame), a pyarrow Table or
#: RecordBatch, a DuckDB relation or other Arrow PyCapsule table, a Parquet / CSV path, or a
#: dict of columns.
FrameLike: TypeAlias = "_DataFrameLike | ArrowStreamExporter | ArrowArrayExporter | Mapping[str, Any] | str | os.PathLike[str]"

#: One column: a numpy array, a pandas / polars Series, a pyarrow Array / ChunkedArray, any
#: Arrow PyCapsule column or a Python sequence.
ColumnLike: TypeAlias = "npt.ArrayLike | _SeriesLike | ArrowStreamExporter | ArrowArrayExporter | Sequence[Any]"

#: A column given by its name in the table, or the column itself.
ColumnOrName: TypeAlias = "str | ColumnLike"

#: A calendar date: ISO text (``'2024-12-31'``), a ``datetime.date`` / ``datetime`` (pandas
#: ``Timestamp`` included) or a numpy ``datetime64``. Numbers are not dates.
DateLike: TypeAlias = "str | _dt.date | np.datetime64"

#: The frame family results come back in (``'numpy'``: a dict of numpy arrays).
Family = Literal["pandas", "polars", "pyarrow", "numpy"]

#: What to do with rows dated after ``as_of``.
AfterAsOf = Literal["error", "exclude"]

#: What negative amounts mean: an error, or refunds netted against spend.
NegativeAmounts = Literal["error", "net"]

#: The time unit of the buy-till-you-die summary.
TimeUnit = Literal["days", "weeks"]

#: The normalisation of the RFM score.
Normalization = Literal["percentile_rank", "minmax"]

#: The tier layout of the RFM score.
TierLayout = Literal["three", "layered"]

#: The interval of an NPS.
NpsMethod = Literal["wald", "adjusted_wald"]

#: The interval of a proportion (CSAT).
ProportionMethod = Literal["wilson", "wald", "agresti_coull"]

#: The outlier rule of the data-quality report.
OutlierMethod = Literal["mean_multiple", "mad"]

#: One float64 value per customer (or per row), in input order.
Floats: TypeAlias = "npt.NDArray[np.float64]"

#: A table of the numpy family: a dict of numpy arrays, one per column.
ArrayDict: TypeAlias = "dict[str, npt.NDArray[Any]]"

#: A table whose family the result follows (a pandas / polars DataFrame, a pyarrow Table):
#: ``f(data: TableT) -> TableT`` says "a table of the same library comes back". pandas and
#: pyarrow ship no type information, so for them the checker sees Any either way.
TableT = TypeVar("TableT", bound="_DataFrameLike | ArrowStreamExporter")

#: A table whose result family is decided at run time: a Parquet / CSV path or an Arrow
#: PyCapsule table that only exports arrays (results: pyarrow when installed, else polars).
OtherTable: TypeAlias = "ArrowArrayExporter | str | os.PathLike[str]"

#: When in each period the margin of a retention CLV arrives.
MarginTiming = Literal["end", "start"]

#: The rule for a negative current value (refunds exceeding purchases) in the value–potential
#: matrix: leave the customer out (counted in a warning) or raise.
NegativeValue = Literal["exclude", "error"]
