"""Customer records: who a customer is, read from a table and validated.

A record has a unique ``customer_id`` and, all optional: ``name`` (display name), ``industry``
(a code of a national industry classification such as ISIC ``4711``, NAICS ``445110`` or
GB/T 4754 ``F5211``: 1 to 16 letters, digits, ``.`` or ``-``), ``size_band`` (employees:
``under_50``, ``50_199``, ``200_999``, ``1000_plus``), ``revenue_band`` (a label of your own
banding), ``province`` and ``city``, ``contact`` (the contact person), ``contact_role``
(``decision_maker``, ``influencer``, ``user``), ``contact_details`` (phone, e-mail),
``first_contact`` (a date), ``channel`` (``search``, ``social_ads``, ``trade_show``,
``referral``, ``direct_visit``, ``other``), ``notes``; B2C records may add ``age_band`` (a label)
and ``device_type`` (``desktop``, ``mobile``, ``tablet``, ``other``).

Empty or blank optional text is absent. Errors name the field and the row, never an id, a name
or a contact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from crmkit import _crmkit, _frames
from crmkit._typing import ArrayDict, Family, FrameLike

if TYPE_CHECKING:
    import polars as pl

__all__ = ["CUSTOMER_FIELDS", "CustomerRecords", "read_customers"]

#: The text fields of a customer record, in order (``first_contact`` is a date).
CUSTOMER_FIELDS: tuple[str, ...] = (
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
)


def _to_list(col: Any) -> list[Any]:
    fam = _frames.family(col)
    if fam == "pandas":
        return [None if _missing(v) else v for v in col.tolist()]
    if fam == "polars":
        return list(col.to_list())
    if fam == "pyarrow":
        return list(col.to_pylist())
    if hasattr(col, "__arrow_c_stream__") or hasattr(col, "__arrow_c_array__"):
        import pyarrow as pa

        return list(pa.chunked_array(col).to_pylist())
    return [None if _missing(v) else v for v in np.asarray(col, dtype=object).tolist()]


def _missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, NaT, pd.NA
    except (TypeError, ValueError):
        return True


def _has_column(data: Any, name: str) -> bool | None:
    """Whether ``data`` has a column ``name``; None when that is only known by reading it
    (a file path, a DuckDB relation or another Arrow PyCapsule table)."""
    names: Any
    if isinstance(data, Mapping):
        names = list(data.keys())
    elif _frames._is_path(data) or _frames._is_capsule_table(data):
        return None
    elif _frames.family(data) == "pyarrow":
        names = data.schema.names  # a Table's `.columns` are the columns themselves
    else:
        names = getattr(data, "columns", None)
    if names is None:
        return None
    return name in list(names)


def _texts(values: list[Any], field: str) -> list[str | None]:
    out: list[str | None] = []
    for row, v in enumerate(values):
        if v is None or _missing(v):
            out.append(None)
        elif isinstance(v, str):
            out.append(v)
        elif isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
            out.append(str(v))  # integer ids and numeric industry codes
        else:
            raise _frames._error(
                _crmkit.InvalidValueError,
                f"invalid `{field}` at row {row}: a {type(v).__name__} (expected text)",
                field,
                row,
            )
    return out


class CustomerRecords:
    """Validated customer records (unique ids), in the order read.

    Attributes:
        family: the frame family :meth:`to_frame` returns by default.

    Examples:
        >>> import crmkit
        >>> records = crmkit.CustomerRecords.from_json('[{"customer_id": "C1", "channel": "referral"}]')
        >>> len(records), records.to_frame()["channel"].tolist()
        (1, ['referral'])
    """

    def __init__(self, records: _crmkit.CustomerRecords, family: Family = "pandas") -> None:
        self._records = records
        self.family: Family = family

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        return f"CustomerRecords({len(self)} records)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CustomerRecords) and self._records == other._records

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Callable[[str, Family], CustomerRecords], tuple[str, Family]]:
        # Pickles through the validated JSON form (so a pickle is checked when loaded).
        return (CustomerRecords.from_json, (self.to_json(), self.family))

    @overload
    def to_frame(self, family: Literal["numpy"]) -> ArrayDict: ...
    @overload
    def to_frame(self, family: Literal["polars"]) -> pl.DataFrame: ...
    @overload
    def to_frame(self, family: Family | None = None) -> Any: ...
    def to_frame(self, family: Family | None = None) -> Any:
        """The records as a frame (``first_contact`` as dates, missing values null)."""
        cols: dict[str, Any] = {}
        for key, values in self._records.columns().items():
            if key == "first_contact":
                days = np.array([np.iinfo(np.int64).min if d is None else d for d in values], dtype=np.int64)
                cols[key] = _frames.days_to_dates(days)
            else:
                cols[key] = np.asarray(values, dtype=object)
        return _frames.frame(cols, family or self.family)

    def to_json(self) -> str:
        """The records as a JSON array (lossless; :meth:`from_json` reads it back)."""
        return self._records.to_json()

    @classmethod
    def from_json(cls, text: str, family: Family = "pandas") -> CustomerRecords:
        """Records from JSON, validated like :func:`read_customers` (errors name field and row)."""
        return cls(_crmkit.CustomerRecords.from_json(text), family)


def read_customers(
    data: FrameLike,
    *,
    customer_id: str = "customer_id",
    name: str | None = "name",
    industry: str | None = "industry",
    size_band: str | None = "size_band",
    revenue_band: str | None = "revenue_band",
    province: str | None = "province",
    city: str | None = "city",
    contact: str | None = "contact",
    contact_role: str | None = "contact_role",
    contact_details: str | None = "contact_details",
    first_contact: str | None = "first_contact",
    channel: str | None = "channel",
    notes: str | None = "notes",
    age_band: str | None = "age_band",
    device_type: str | None = "device_type",
) -> CustomerRecords:
    """Reads and validates a table of customer records (the fields are listed in
    :mod:`crmkit.customers`).

    Each keyword names the column of that field; an optional field whose column (under its
    default name) is absent is left out, None skips a field, and a column named explicitly must
    exist. ``first_contact`` holds dates (date / datetime values or ISO text).

    Args:
        data: a pandas / polars table (or LazyFrame), a pyarrow Table, a DuckDB relation or
            other Arrow PyCapsule table, a Parquet / CSV path, or a dict of lists / arrays.

    Returns:
        :class:`CustomerRecords`, whose :meth:`~CustomerRecords.to_frame` is in the family of
        ``data``.

    Raises:
        crmkit.MissingValueError: a record without an id (naming the row).
        crmkit.InvalidValueError: a repeated id, an unknown size band, role, channel or device
            type, a malformed industry code or date (naming field and row; never the id, a
            name or a contact).

    Examples:
        >>> import pandas as pd, crmkit
        >>> table = pd.DataFrame({"customer_id": ["CUS-1", "CUS-2"], "industry": ["F5211", None],
        ...                       "size_band": ["50_199", "under_50"], "channel": ["trade_show", "search"],
        ...                       "first_contact": pd.to_datetime(["2024-03-01", None])})
        >>> records = crmkit.read_customers(table)
        >>> records.to_frame()[["customer_id", "industry", "size_band", "first_contact"]]
          customer_id industry size_band first_contact
        0       CUS-1    F5211    50_199    2024-03-01
        1       CUS-2      NaN  under_50           NaT
        >>> crmkit.read_customers(pd.DataFrame({"customer_id": ["a"], "channel": ["fax"]}))
        Traceback (most recent call last):
        ...
        crmkit.InvalidValueError: invalid `channel` at row 0: "fax" (expected one of ["search", "social_ads", "trade_show", "referral", "direct_visit", "other"])
    """
    table: Any = data
    if type(table).__name__ == "LazyFrame":
        table = table.collect()
    fam = _frames.family(table)
    defaults = {f: f for f in CUSTOMER_FIELDS} | {"first_contact": "first_contact"}
    given = {
        "customer_id": customer_id,
        "name": name,
        "industry": industry,
        "size_band": size_band,
        "revenue_band": revenue_band,
        "province": province,
        "city": city,
        "contact": contact,
        "contact_role": contact_role,
        "contact_details": contact_details,
        "channel": channel,
        "notes": notes,
        "age_band": age_band,
        "device_type": device_type,
        "first_contact": first_contact,
    }
    columns: dict[str, list[str | None]] = {}
    days: list[int | None] | None = None
    for field, column_name in given.items():
        if column_name is None:
            continue
        optional = field != "customer_id" and column_name == defaults[field]
        present = _has_column(table, column_name)
        if optional and present is False:
            continue
        try:
            values = _to_list(_frames.column(table, column_name, field))
        except _crmkit.ConfigError as exc:
            if optional and present is None and getattr(exc, "field", None) == field:
                continue  # an optional column a file or relation does not have
            raise
        if field == "first_contact":
            days = []
            for row, v in enumerate(values):
                if v is None or _missing(v):
                    days.append(None)
                    continue
                try:
                    days.append(_frames.day_number(v, field))
                except _crmkit.CrmkitError as exc:
                    raise _frames._error(
                        _crmkit.InvalidValueError,
                        f"invalid `{field}` at row {row}: {_frames.shown(v)} (expected a date)",
                        field,
                        row,
                    ) from exc
        else:
            columns[field] = _texts(values, field)
    return CustomerRecords(_crmkit.CustomerRecords.from_columns(columns, days), fam)
