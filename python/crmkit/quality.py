"""The data-quality report: which rows of a transaction log (and of a table of customer records)
break which rule — counted and listed, never an error, nothing removed.

Unlike the scoring functions, :func:`quality_report` reads columns tolerantly: null ids, null or
NaN amounts, null timestamps and rows after ``as_of`` are what it reports. The rule names are a
fixed vocabulary (:data:`QUALITY_RULES`, typed as :data:`QualityRule`); every warning about rows
left out elsewhere in crmkit starts with the name of the rule those rows fall under.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np

from crmkit import _crmkit, _frames
from crmkit._typing import ColumnOrName, DateLike, FrameLike, OutlierMethod
from crmkit.customers import CustomerRecords

__all__ = ["QUALITY_RULES", "QualityReport", "QualityRule", "quality_report"]

QualityRule = Literal[
    "missing_customer_id",
    "missing_timestamp",
    "missing_amount",
    "non_finite_amount",
    "negative_amount",
    "timestamp_after_as_of",
    "timestamp_before_start",
    "duplicate_row",
    "outlier_amount",
    "record_missing_customer_id",
    "conflicting_names",
    "missing_name",
    "missing_contact",
    "missing_industry",
    "missing_core_need",
]
"""The name of a data-quality rule."""

QUALITY_RULES: tuple[QualityRule, ...] = get_args(QualityRule)
"""Every rule name, in report order: the transaction-log rules, then the customer-record rules."""

_RECORD_FIELDS = ("name", "contact", "industry", "core_need")


def _config(field: str, message: str) -> Exception:
    return _frames._error(_crmkit.ConfigError, f"invalid `{field}`: {message}", field)


def _pyarrow(field: str) -> Any:
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - exercised only without pyarrow
        raise _config(field, "string or mixed columns from pandas or numpy need pyarrow installed") from None
    return pa


def _to_arrow(values: Any, field: str) -> Any:
    """Object / string / categorical values as an Arrow array; None and NaN become null."""
    pa = _pyarrow(field)
    try:
        if _frames.family(values) == "pandas":
            return pa.array(values, from_pandas=True)
        return pa.array(np.asarray(values), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as exc:
        raise _config(field, f"cannot read the column as one type ({type(exc).__name__})") from exc


def _plain(col: Any) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(values, null mask) of numpy-like input, or (None, None) for Arrow-backed columns."""
    fam = _frames.family(col)
    if fam in ("polars", "pyarrow"):
        return None, None
    if fam == "pandas":
        dtype = col.dtype
        if isinstance(dtype, np.dtype):
            return col.to_numpy(copy=False), None
        kind = getattr(dtype, "kind", "O")
        if kind in "iufb" and not hasattr(dtype, "pyarrow_dtype"):
            # nullable Int64 / Float64 / boolean: values and the mask, no pyarrow needed
            mask = col.isna().to_numpy(dtype=bool)
            target = "float64" if kind == "f" else "int64"
            return col.to_numpy(dtype=target, na_value=0), mask
        if hasattr(col, "__arrow_c_stream__"):
            return None, None
        return None, np.zeros(0, dtype=bool)  # marker: convert through pyarrow
    if hasattr(col, "__arrow_c_stream__") or hasattr(col, "__arrow_c_array__"):
        return None, None
    return np.asarray(col), None


def _ids(col: Any, field: str) -> tuple[Any, np.ndarray | None]:
    values, mask = _plain(col)
    if values is None:
        return (col if mask is None else _to_arrow(col, field)), None
    if values.dtype.kind in "iub":
        if values.dtype.kind == "u" and values.dtype.itemsize == 8:
            return np.ascontiguousarray(values).view(np.int64), mask  # distinct, order irrelevant
        return np.ascontiguousarray(values, dtype=np.int64), mask
    if values.dtype.kind == "f":
        # integer ids with missing values, as pandas stores them: NaN is null
        nan = np.isnan(values) if mask is None else (np.isnan(values) | mask)
        present = values[~nan]
        if not (np.all(np.isfinite(present)) and np.all(present == np.trunc(present)) and np.all(np.abs(present) < 2.0**63)):
            raise _config(field, "float ids must be whole numbers (NaN for missing)")
        return np.ascontiguousarray(np.where(nan, 0, values).astype(np.int64)), nan
    if values.dtype.kind in "OUS":
        return _to_arrow(col if _frames.family(col) == "pandas" else values, field), None
    raise _config(field, f"{values.dtype} (customer ids must be integers or strings)")


def _times(col: Any, field: str) -> tuple[Any, np.ndarray | None, int | None]:
    fam = _frames.family(col)
    if fam == "pandas" and hasattr(col.dtype, "pyarrow_dtype"):
        col, fam = _to_arrow(col, field), "pyarrow"
    if fam == "polars":
        import polars as pl

        if isinstance(col.dtype, pl.Datetime) and col.dtype.time_zone is not None:
            col = col.dt.replace_time_zone(None)
        return col, None, None
    if fam == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_timestamp(col.type) and col.type.tz is not None:
            col = pc.local_timestamp(col)
        return col, None, None
    if fam == "pandas" and getattr(col.dtype, "tz", None) is not None:
        col = col.dt.tz_localize(None)  # local wall-clock time
    values, _ = _plain(col)
    if values is None:
        if fam != "pandas":
            return col, None, None
        values = col.to_numpy()
    if values.dtype.kind == "O":
        try:
            values = values.astype("datetime64[us]")
        except (TypeError, ValueError) as exc:
            raise _config(field, "expected dates or datetimes") from exc
    if values.dtype.kind != "M":
        raise _config(field, f"{values.dtype} (timestamps must be dates or datetimes, e.g. datetime64)")
    unit, count = np.datetime_data(values.dtype)
    if unit not in _frames._TICKS_PER_DAY or _frames._TICKS_PER_DAY[unit] % count:
        values = values.astype("datetime64[us]")
        unit, count = "us", 1
    nat = np.isnat(values)
    return np.ascontiguousarray(values).view(np.int64), nat, _frames._TICKS_PER_DAY[unit] // count


def _amounts(col: Any, field: str) -> tuple[Any, np.ndarray | None]:
    values, mask = _plain(col)
    if values is None:
        return (col if mask is None else _to_arrow(col, field)), None
    if values.dtype.kind == "O":
        return _to_arrow(values, field), None
    if values.dtype.kind not in "biuf":
        raise _config(field, f"{values.dtype} (expected numbers)")
    return np.ascontiguousarray(values, dtype=np.float64), mask


def _key(col: Any, field: str) -> tuple[Any, np.ndarray | None]:
    values, mask = _plain(col)
    if values is None:
        return (col if mask is None else _to_arrow(col, field)), None
    if values.dtype.kind == "M":
        return np.ascontiguousarray(values).view(np.int64), np.isnat(values)
    if values.dtype.kind in "biuf":
        return np.ascontiguousarray(values), mask
    return _to_arrow(values, field), None


def _text(col: Any, field: str) -> Any:
    values, mask = _plain(col)
    if values is None and mask is None:
        return col
    return _to_arrow(col if values is None else values, field)


def _table(data: Any) -> Any:
    if type(data).__name__ == "LazyFrame" and _frames.family(data) == "polars":
        return data.collect()
    return data


class QualityReport:
    """The data-quality report of :func:`quality_report`: per rule checked, the flagged rows.

    Attributes:
        rules: the rules checked, in report order (a subset of :data:`QUALITY_RULES`).
        counts: rule → number of flagged rows.
        transactions: rows of the transaction log; ``customer_records``: rows of the customer
            table (None without one).
        outlier_cut: the amount above which an order is an outlier (None without orders).
        as_of, start, outliers: the options used.
    """

    def __init__(
        self,
        raw: dict[str, Any],
        *,
        ids: Any,
        record_ids: Any,
        family: str,
        record_family: str,
        as_of: DateLike,
        start: DateLike | None,
        outliers: OutlierMethod,
    ) -> None:
        self._rows: dict[str, np.ndarray] = {}
        self._tables: dict[str, str] = {}
        for rule, table, rows in raw["findings"]:
            self._rows[rule] = rows
            self._tables[rule] = table
        self._ids = ids
        self._record_ids = record_ids
        self._family = family
        self._record_family = record_family
        self.transactions: int = raw["transactions"]
        self.customer_records: int | None = raw["customer_records"]
        self.outlier_cut: float | None = raw["outlier_cut"]
        self.as_of = as_of
        self.start = start
        self.outliers = outliers

    @property
    def rules(self) -> tuple[QualityRule, ...]:
        return tuple(r for r in QUALITY_RULES if r in self._rows)

    @property
    def counts(self) -> dict[QualityRule, int]:
        return {r: len(self._rows[r]) for r in self.rules}

    @property
    def is_clean(self) -> bool:
        """Whether no rule flags any row."""
        return all(len(rows) == 0 for rows in self._rows.values())

    def _check(self, rule: str) -> np.ndarray:
        if rule not in QUALITY_RULES:
            raise _config("rule", f"{rule!r} (expected one of {list(QUALITY_RULES)})")
        if rule not in self._rows:
            raise _config("rule", f"{rule!r} was not checked (customer-record rules need `customers=`, "
                          "timestamp_before_start needs `start=`, a field's rule needs its column)")
        return self._rows[rule]

    def count(self, rule: QualityRule) -> int:
        """How many rows ``rule`` flags."""
        return len(self._check(rule))

    def row_indices(self, rule: QualityRule) -> np.ndarray:
        """The flagged row indices of ``rule`` (int64, ascending, zero-based)."""
        return self._check(rule)

    def rows(self, rule: QualityRule) -> Any:
        """The rows ``rule`` flags: a frame with ``row`` (zero-based index into the rule's table)
        and ``customer_id`` (the id as given, null where missing), in the family of that table."""
        rows = self._check(rule)
        if self._tables[rule] == "customers":
            ids, fam = self._record_ids, self._record_family
        else:
            ids, fam = self._ids, self._family
        return _frames.frame({"row": rows, "customer_id": _frames.take(ids, rows)}, fam)

    def summary(self) -> Any:
        """One row per rule checked: ``rule``, ``rows`` (how many it flags) and ``table``
        (``'transactions'`` or ``'customers'``), in the family of the log."""
        rules = list(self.rules)
        return _frames.frame(
            {
                "rule": rules,
                "rows": np.array([len(self._rows[r]) for r in rules], dtype=np.int64),
                "table": [self._tables[r] for r in rules],
            },
            self._family,
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as plain Python values (rule → list of rows), e.g. for JSON."""
        return {
            "transactions": self.transactions,
            "customer_records": self.customer_records,
            "outlier_cut": self.outlier_cut,
            "rules": {r: {"table": self._tables[r], "rows": self._rows[r].tolist()} for r in self.rules},
        }

    def _lines(self) -> list[tuple[str, str, int]]:
        return [(r, self._tables[r], len(self._rows[r])) for r in self.rules]

    def __repr__(self) -> str:
        head = f"QualityReport({self.transactions} transactions"
        if self.customer_records is not None:
            head += f", {self.customer_records} customer records"
        head += f", as_of={self.as_of}"
        if self.start is not None:
            head += f", start={self.start}"
        head += f", outliers={self.outliers!r})"
        width = max((len(r) for r in self.rules), default=4)
        lines = [head] + [f"  {rule:<{width}}  {count:>10,}  ({table})" for rule, table, count in self._lines()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{html.escape(rule)}</td><td style='text-align:right'>{count:,}</td><td>{table}</td></tr>"
            for rule, table, count in self._lines()
        )
        caption = html.escape(self.__repr__().splitlines()[0])
        return (
            f"<table><caption>{caption}</caption><thead><tr><th>rule</th><th>rows</th><th>table</th></tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )


def quality_report(
    data: FrameLike | None = None,
    *,
    as_of: DateLike,
    start: DateLike | None = None,
    customers: FrameLike | CustomerRecords | None = None,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName = "amount",
    duplicate_columns: Sequence[str] = (),
    outliers: OutlierMethod = "mean_multiple",
    outlier_factor: float = 10.0,
    mad_threshold: float = 3.5,
    name: str | None = "name",
    contact: str | None = "contact",
    industry: str | None = "industry",
    core_need: str | None = "core_need",
) -> QualityReport:
    """Checks a transaction log (and optionally a table of customer records) against every
    data-quality rule; returns per rule how many rows and which. Never fails on bad rows.

    Rules on the log (names of :data:`QUALITY_RULES`):

    * ``missing_customer_id``, ``missing_timestamp``, ``missing_amount``: the value is null
      (None, NA, NaT, an Arrow null; NaN in float ids). A NaN amount in a float column is
      ``non_finite_amount``, as are ±inf.
    * ``negative_amount``: a finite amount below 0 (a refund): flagged, not removed.
    * ``timestamp_after_as_of`` / ``timestamp_before_start``: the calendar day (local time) is
      after ``as_of`` / before ``start`` (the latter checked only when ``start`` is given).
    * ``duplicate_row``: the same customer id, timestamp (exactly, not just the day), amount and
      values of ``duplicate_columns`` as an earlier row; each later copy is flagged, the first is
      not. Nulls equal nulls. Found by grouping rows per customer, never pairwise.
    * ``outlier_amount``: an order (present, finite amount ≥ 0) above the cut: with
      ``outliers="mean_multiple"`` the cut is ``outlier_factor`` × the mean order amount (10 ×
      by default); with ``"mad"`` it is the robust rule of Iglewicz & Hoaglin (1993): modified
      z-score 0.6745 · (amount − median) / MAD above ``mad_threshold`` (3.5), i.e. amounts above
      median + 3.5 · MAD / 0.6745 (when MAD = 0: median + 3.5 · 1.253314 · mean absolute
      deviation). Flagged for review, not removed.

    Rules on ``customers`` (one row per B2B customer record; checked only when it is given):

    * ``record_missing_customer_id``: the record has no id.
    * ``conflicting_names``: one id's records carry different names (compared trimmed, inner
      whitespace collapsed, lower-cased); every named record of that id is flagged.
    * ``missing_name``, ``missing_contact``, ``missing_industry``, ``missing_core_need``: the
      field is null, empty or blank (pass ``None`` as a column name to skip a field).

    Row indices are zero-based positions in the table; counts never depend on row order. No
    name or contact appears in the report: rows are identified by index and customer id.

    Args:
        data: the transaction log — pandas (numpy-backed, nullable, string, categorical or
            Arrow-backed columns), polars DataFrame / LazyFrame, pyarrow Table, or a dict of
            arrays; None when the columns are passed as arrays.
        as_of: the observation date (``'2024-12-31'``, a date, datetime or numpy / pandas timestamp).
        start: the start of the observation range, or None.
        customers: the customer records (any of the same table types, or the
            :class:`~crmkit.CustomerRecords` of :func:`crmkit.read_customers`, which hold no core
            need, so ``missing_core_need`` is then not checked), or None. Its id column
            has the name given as ``customer_id`` (``'customer_id'`` when ids are passed as arrays).
        customer_id, timestamp, amount: column names in ``data``, or the columns themselves.
        duplicate_columns: further columns of ``data`` that must agree for a duplicate
            (e.g. ``["order_id", "product"]``).
        outliers: ``'mean_multiple'`` or ``'mad'``.
        outlier_factor: the multiple of the mean (``'mean_multiple'``), finite and > 0.
        mad_threshold: the modified z-score threshold (``'mad'``), finite and > 0.
        name, contact, industry, core_need: column names of the required fields in
            ``customers`` (None to skip one).

    Returns:
        A :class:`QualityReport`: ``.summary()`` gives a table (``rule``, ``rows``, ``table``)
        in the family of ``data`` (a dict of numpy arrays for array input) and
        ``.rows(rule)`` the flagged rows (``row``, ``customer_id``).

    Raises:
        crmkit.ConfigError: for a missing column, an unreadable column type or an invalid
            option — never for the rows' values.

    Examples:
        >>> import pandas as pd, crmkit
        >>> log = pd.DataFrame({
        ...     "customer_id": ["C1", "C1", None, "C2", "C3"],
        ...     "timestamp": pd.to_datetime(["2024-03-01", "2024-03-01", "2024-03-02", "2024-05-01", "2024-03-03"]),
        ...     "amount": [20.0, 20.0, 5.0, float("nan"), -8.0]})
        >>> report = crmkit.quality_report(log, as_of="2024-03-31")
        >>> report.summary()
                            rule  rows         table
        0    missing_customer_id     1  transactions
        1      missing_timestamp     0  transactions
        2         missing_amount     0  transactions
        3      non_finite_amount     1  transactions
        4        negative_amount     1  transactions
        5  timestamp_after_as_of     1  transactions
        6          duplicate_row     1  transactions
        7         outlier_amount     0  transactions
        >>> report.rows("duplicate_row")
           row customer_id
        0    1          C1
        >>> customers = pd.DataFrame({"customer_id": ["C1", "C1", "C2"], "name": ["Acme", "ACME ", "Beta"],
        ...                           "contact": ["ops@acme.example", None, "  "],
        ...                           "industry": ["retail"] * 3, "core_need": ["delivery"] * 3})
        >>> report = crmkit.quality_report(log, as_of="2024-03-31", customers=customers)
        >>> report.count("conflicting_names"), report.rows("missing_contact")["row"].tolist()
        (0, [1, 2])
    """
    data = _table(data)
    if isinstance(customers, CustomerRecords):
        # Validated records hold no core need: that rule needs a table with the column.
        customers, core_need = customers.to_frame(), None
    customers = _table(customers)
    fam = _frames.family(data if data is not None else customer_id)
    ids_col = _frames.column(data, customer_id, "customer_id")
    ids, ids_mask = _ids(ids_col, "customer_id")
    ts, ts_mask, ticks = _times(_frames.column(data, timestamp, "timestamp"), "timestamp")
    amounts, amounts_mask = _amounts(_frames.column(data, amount, "amount"), "amount")
    if isinstance(duplicate_columns, str):
        duplicate_columns = [duplicate_columns]
    keys = []
    for column in duplicate_columns:
        values, mask = _key(_frames.column(data, column, str(column)), str(column))
        keys.append((str(column), values, mask))
    records = None
    record_ids_col = None
    record_fam = fam
    if customers is not None:
        record_fam = _frames.family(customers)
        id_name = customer_id if isinstance(customer_id, str) else "customer_id"
        record_ids_col = _frames.column(customers, id_name, "customers.customer_id")
        record_ids, record_mask = _ids(record_ids_col, "customers.customer_id")
        records = {"customer_id": record_ids, "customer_id_missing": record_mask}
        for role, column_name in zip(_RECORD_FIELDS, (name, contact, industry, core_need)):
            if column_name is not None:
                field = f"customers.{role}"
                records[role] = _text(_frames.column(customers, column_name, field), field)
    as_of_day = _frames.day_number(as_of, "as_of")
    start_day = None if start is None else _frames.day_number(start, "start")
    raw = _crmkit.quality_report(
        ids,
        ts,
        amounts,
        as_of_day,
        customer_id_missing=ids_mask,
        timestamp_missing=ts_mask,
        amount_missing=amounts_mask,
        ticks_per_day=ticks,
        start=start_day,
        duplicate_keys=keys,
        outliers=outliers,
        outlier_factor=float(outlier_factor),
        mad_threshold=float(mad_threshold),
        records=records,
    )
    return QualityReport(
        raw,
        ids=ids_col,
        record_ids=record_ids_col,
        family=fam,
        record_family=record_fam,
        as_of=as_of,
        start=start,
        outliers=outliers,
    )
