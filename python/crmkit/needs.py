"""Customer needs: the importance–urgency work list, need topics per group and owner workload.

Tables in (pandas, polars, pyarrow, or a dict of arrays / arrays passed directly), tables of
the same family out (a dict of numpy arrays for array input).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, overload

import numpy as np

from crmkit import _crmkit, _frames
from crmkit._typing import ArrayDict, ColumnOrName, DateLike, FrameLike, TableT
from crmkit.clv import _user_fields
from crmkit.value import _append, _family, take_rows

__all__ = [
    "aggregate_needs",
    "need_work_list",
    "owner_workload",
    "prioritise_needs",
]


def _work_list(data: Any, out: Mapping[str, Any], fam: str) -> Any:
    rows = out["row"]
    extra = {
        "quadrant": _frames.categorical(out["quadrant"], out["names"], fam),
        "priority_score": out["score"],
    }
    if data is None:
        return _frames.frame({"row": rows, **extra}, fam)
    return _append(take_rows(data, rows), extra)


@overload
def prioritise_needs(
    data: TableT,
    *,
    importance: ColumnOrName = ...,
    urgency: ColumnOrName = ...,
    thresholds: tuple[float, float] = ...,
    important: ColumnOrName | None = ...,
    urgent: ColumnOrName | None = ...,
) -> TableT: ...
@overload
def prioritise_needs(
    data: Mapping[str, Any],
    *,
    importance: ColumnOrName = ...,
    urgency: ColumnOrName = ...,
    thresholds: tuple[float, float] = ...,
    important: ColumnOrName | None = ...,
    urgent: ColumnOrName | None = ...,
) -> ArrayDict: ...
@overload
def prioritise_needs(
    data: FrameLike | None = None,
    *,
    importance: ColumnOrName = ...,
    urgency: ColumnOrName = ...,
    thresholds: tuple[float, float] = ...,
    important: ColumnOrName | None = ...,
    urgent: ColumnOrName | None = ...,
) -> Any: ...
def prioritise_needs(
    data: FrameLike | None = None,
    *,
    importance: ColumnOrName = "importance",
    urgency: ColumnOrName = "urgency",
    thresholds: tuple[float, float] = (0.5, 0.5),
    important: ColumnOrName | None = None,
    urgent: ColumnOrName | None = None,
) -> Any:
    """The importance–urgency matrix of needs as a sorted work list.

    From scores (default): a need is important when importance >= the importance threshold and
    urgent when urgency >= the urgency threshold (defaults 0.5 / 0.5 suit 0–1 scores; for 1–5
    ratings use e.g. (4, 4)). From flags: pass boolean columns ``important`` and ``urgent`` (booleans or 0 / 1; text
    such as ``'no'`` is refused with an InvalidValueError naming field and row, a null with a
    MissingValueError).
    Quadrants: ``do_now`` (important and urgent), ``schedule`` (important), ``delegate``
    (urgent), ``defer`` (neither). The list is sorted by quadrant, then by ``priority_score``
    (importance + urgency) descending, then input order.

    Returns:
        The rows of ``data`` in work order with columns ``quadrant`` and ``priority_score``
        added (NaN for flags); without ``data``, a table of ``row``, ``quadrant``,
        ``priority_score``.

    Examples:
        >>> import pandas as pd, crmkit
        >>> needs = pd.DataFrame({"need": ["a", "b", "c", "d"], "importance": [5, 3, 1, 4], "urgency": [3, 5, 5, 1]})
        >>> crmkit.prioritise_needs(needs, thresholds=(3, 3))
          need  importance  urgency  quadrant  priority_score
        0    a           5        3    do_now             8.0
        1    b           3        5    do_now             8.0
        2    d           4        1  schedule             5.0
        3    c           1        5  delegate             6.0
    """
    if important is not None or urgent is not None:
        i_col = _frames.column(data, important, "important")
        u_col = _frames.column(data, urgent, "urgent")
        out = _crmkit.prioritise_needs_by_flags(_bools(i_col, "important"), _bools(u_col, "urgent"))
        return _work_list(data, out, _family(data, important))
    i = _frames.floats(_frames.column(data, importance, "importance"), "importance")
    u = _frames.floats(_frames.column(data, urgency, "urgency"), "urgency")
    out = _crmkit.prioritise_needs(i, u, (float(thresholds[0]), float(thresholds[1])))
    return _work_list(data, out, _family(data, importance))


def _to_list(col: Any) -> list[Any]:
    fam = _frames.family(col)
    if fam == "pandas":
        return [None if _is_missing(v) else v for v in col.tolist()]
    if fam in ("polars", "pyarrow"):
        return list(col.to_list() if fam == "polars" else col.to_pylist())
    if hasattr(col, "__arrow_c_stream__") or hasattr(col, "__arrow_c_array__"):
        import pyarrow as pa

        return list(pa.chunked_array(col).to_pylist())
    return [None if _is_missing(v) else v for v in np.asarray(col, dtype=object).tolist()]


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, NaT, pd.NA raise or compare unequal
    except (TypeError, ValueError):
        return True


def _texts(values: list[Any], field: str) -> list[str]:
    """Values as text; a missing value (None, NaN, NA) is a MissingValueError naming the row,
    never the text "None" (a customer without a group is not in a group called "None")."""
    out = []
    for row, v in enumerate(values):
        if v is None or _is_missing(v):
            raise _frames._error(_crmkit.MissingValueError, f"`{field}` is missing (null) at row {row}", field, row)
        out.append(str(v))
    return out


def _bools(col: Any, field: str) -> np.ndarray:
    """A flag column: booleans, or the numbers 0 and 1 (integers or floats). Text such as
    ``'no'`` or ``'false'`` is an InvalidValueError naming field and row, never guessed at."""
    values = _to_list(col)
    out = np.empty(len(values), dtype=bool)
    for row, v in enumerate(values):
        if v is None or (not isinstance(v, (str, bytes)) and _is_missing(v)):
            raise _frames._error(_crmkit.MissingValueError, f"`{field}` is missing (null) at row {row}", field, row)
        if isinstance(v, (bool, np.bool_)):
            out[row] = bool(v)
        elif isinstance(v, (int, float, np.integer, np.floating)) and v in (0, 1):
            out[row] = v == 1
        else:
            raise _frames._error(
                _crmkit.InvalidValueError,
                f"invalid `{field}` at row {row}: {_frames.shown(v)} (a flag must be a boolean, 0 or 1)",
                field,
                row,
            )
    return out


_NEED_FIELDS = ("customer_id", "topic", "type", "source", "description", "status", "owner", "due", "importance", "urgency", "completion")
_TEXT_FIELDS = ("customer_id", "topic", "type", "source", "description", "status", "owner")


def _column_names(table: Any) -> set[str]:
    """The column names of a table (a dict, pandas / polars / pyarrow frame); none for None."""
    if table is None:
        return set()
    if isinstance(table, Mapping):
        return set(table.keys())
    if type(table).__name__ == "LazyFrame":
        return set(table.collect_schema().names())
    names = getattr(table, "column_names", None)
    return set(names if names is not None else table.columns)


def _deprecated_columns(call: str, columns: Mapping[str, str], fields: dict[str, ColumnOrName | None]) -> None:
    """Applies the deprecated ``columns=`` mapping onto the column keywords, with a
    DeprecationWarning saying which keywords to pass instead."""
    unknown = set(columns) - set(_NEED_FIELDS)
    if unknown:
        raise _frames._error(_crmkit.ConfigError, f"invalid `columns`: unknown need fields {sorted(unknown)}", "columns")
    keywords = ", ".join(f"{field}={_frames.shown(name)}" for field, name in columns.items())
    warnings.warn(
        f"crmkit: {call}(columns={{...}}) is deprecated and stops working in the next release; "
        f"pass each column as a keyword instead: {call}(needs, {keywords})",
        DeprecationWarning,
        stacklevel=4,
    )
    fields.update(columns)


def _need_columns(needs: Any, fields: Mapping[str, ColumnOrName | None]) -> tuple[dict[str, Any], dict[str, str]]:
    """The need records as the dict of lists the extension reads, and the core's field names →
    the column names the user typed (so that errors name the column).

    Each field is a column name of ``needs`` (read when the table has it: the optional fields
    keep their defaults otherwise, and a missing required one is an error naming the field),
    the column itself, or None (not read).
    """
    available = _column_names(needs)
    out: dict[str, Any] = {}
    typed: dict[str, str] = {}
    for field, spec in fields.items():
        if spec is None or (isinstance(spec, str) and spec not in available):
            continue
        if isinstance(spec, str):
            typed[field] = spec
        name = typed.get(field, field)
        values = _to_list(_frames.column(needs, spec, name))
        if field in _TEXT_FIELDS:
            values = [None if v is None else str(v) for v in values]
        elif field == "due":
            values = [None if v is None else _frames.day_number(v, name) for v in values]
        else:
            for row, v in enumerate(values):
                if v is None:
                    raise _frames._error(_crmkit.MissingValueError, f"`{name}` is missing (null) at row {row}", name, row)
            values = [float(v) for v in values]
        out[field] = values
    return out, typed


@overload
def need_work_list(
    needs: TableT,
    *,
    thresholds: tuple[float, float] = ...,
    customer_id: ColumnOrName = ...,
    topic: ColumnOrName = ...,
    type: ColumnOrName = ...,
    source: ColumnOrName | None = ...,
    description: ColumnOrName | None = ...,
    status: ColumnOrName | None = ...,
    owner: ColumnOrName | None = ...,
    due: ColumnOrName | None = ...,
    importance: ColumnOrName | None = ...,
    urgency: ColumnOrName | None = ...,
    completion: ColumnOrName | None = ...,
    columns: Mapping[str, str] | None = ...,
) -> TableT: ...
@overload
def need_work_list(
    needs: Mapping[str, Any] | None = None,
    *,
    thresholds: tuple[float, float] = ...,
    customer_id: ColumnOrName = ...,
    topic: ColumnOrName = ...,
    type: ColumnOrName = ...,
    source: ColumnOrName | None = ...,
    description: ColumnOrName | None = ...,
    status: ColumnOrName | None = ...,
    owner: ColumnOrName | None = ...,
    due: ColumnOrName | None = ...,
    importance: ColumnOrName | None = ...,
    urgency: ColumnOrName | None = ...,
    completion: ColumnOrName | None = ...,
    columns: Mapping[str, str] | None = ...,
) -> ArrayDict: ...
@overload
def need_work_list(
    needs: FrameLike,
    *,
    thresholds: tuple[float, float] = ...,
    customer_id: ColumnOrName = ...,
    topic: ColumnOrName = ...,
    type: ColumnOrName = ...,
    source: ColumnOrName | None = ...,
    description: ColumnOrName | None = ...,
    status: ColumnOrName | None = ...,
    owner: ColumnOrName | None = ...,
    due: ColumnOrName | None = ...,
    importance: ColumnOrName | None = ...,
    urgency: ColumnOrName | None = ...,
    completion: ColumnOrName | None = ...,
    columns: Mapping[str, str] | None = ...,
) -> Any: ...
def need_work_list(
    needs: FrameLike | None = None,
    *,
    thresholds: tuple[float, float] = (0.5, 0.5),
    customer_id: ColumnOrName = "customer_id",
    topic: ColumnOrName = "topic",
    type: ColumnOrName = "type",
    source: ColumnOrName | None = "source",
    description: ColumnOrName | None = "description",
    status: ColumnOrName | None = "status",
    owner: ColumnOrName | None = "owner",
    due: ColumnOrName | None = "due",
    importance: ColumnOrName | None = "importance",
    urgency: ColumnOrName | None = "urgency",
    completion: ColumnOrName | None = "completion",
    columns: Mapping[str, str] | None = None,
) -> Any:
    """The work list of need records: open needs (unmet or partly met) in importance–urgency order.

    A need record has the fields ``customer_id``, ``topic`` (normalised subject, the key of
    aggregation), ``type`` (``product``, ``service``, ``price``, ``experience``) and optionally
    ``source`` (``sales_call``, ``ticket``, ``survey``, ``other``), ``description``,
    ``importance``, ``urgency`` (scores, default 0), ``status`` (``unmet`` — the default —,
    ``partly_met``, ``met``), ``owner``, ``due`` (a date) and ``completion`` (share done in
    [0, 1]). Each field is read from the column of its keyword: ``type="need_type"`` reads the
    need type from column ``need_type``; errors name that column.

    Args:
        needs: the need records (a table), or None when every field read is passed as a column.
        thresholds: (importance, urgency) thresholds of the quadrants (see :func:`prioritise_needs`).
        customer_id, topic, type, source, description, status, owner, due, importance, urgency, completion:
            the need fields, each a column name of ``needs`` (default: the field's own name), the
            column itself, or None to leave an optional field out. An optional field whose
            named column the table lacks takes its default.
        columns: deprecated (a ``DeprecationWarning``; removed in the next release): a mapping
            of fields to column names, ``{"type": "need_type"}``; pass ``type="need_type"``.

    Returns:
        The open needs in work order with ``quadrant`` and ``priority_score`` added (see
        :func:`prioritise_needs`).

    Examples:
        >>> import pandas as pd, crmkit
        >>> needs = pd.DataFrame({"customer_id": ["c1", "c2", "c3"], "topic": ["api", "sla", "price"],
        ...                       "need_type": ["product", "service", "price"], "importance": [0.9, 0.9, 0.2],
        ...                       "urgency": [0.2, 0.8, 0.9], "status": ["unmet", "partly_met", "met"]})
        >>> crmkit.need_work_list(needs, type="need_type")[["customer_id", "topic", "quadrant"]]
          customer_id topic  quadrant
        0          c2   sla    do_now
        1          c1   api  schedule
    """
    fields = _need_fields(
        "need_work_list", columns, customer_id, topic, type, source, description, status, owner, due, importance, urgency, completion
    )
    records, typed = _need_columns(needs, fields)
    with _user_fields(typed):
        out = _crmkit.need_work_list(records, (float(thresholds[0]), float(thresholds[1])))
    return _work_list(needs, out, _frames.family(needs))


def _need_fields(call: str, columns: Mapping[str, str] | None, *specs: ColumnOrName | None) -> dict[str, ColumnOrName | None]:
    """The need fields of ``call``: its keywords, in the order of ``_NEED_FIELDS``, with the
    deprecated ``columns=`` mapping applied (and warned about)."""
    fields: dict[str, ColumnOrName | None] = dict(zip(_NEED_FIELDS, specs))
    if columns is not None:
        _deprecated_columns(call, columns, fields)
    return fields


def _arrays(out: Mapping[str, Any], dtypes: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The extension's lists ``out[name]`` as numpy arrays of the given dtypes, in that order."""
    return {name: np.asarray(out[name], dtype=dtype) for name, dtype in dtypes.items()}


@overload
def aggregate_needs(
    needs: TableT,
    customers: FrameLike,
    *,
    group: ColumnOrName = ...,
    customer_id: ColumnOrName = ...,
    common_threshold: float = ...,
    topic: ColumnOrName = ...,
    type: ColumnOrName = ...,
    source: ColumnOrName | None = ...,
    description: ColumnOrName | None = ...,
    status: ColumnOrName | None = ...,
    owner: ColumnOrName | None = ...,
    due: ColumnOrName | None = ...,
    importance: ColumnOrName | None = ...,
    urgency: ColumnOrName | None = ...,
    completion: ColumnOrName | None = ...,
    columns: Mapping[str, str] | None = ...,
) -> TableT: ...
@overload
def aggregate_needs(
    needs: Mapping[str, Any] | None,
    customers: FrameLike,
    *,
    group: ColumnOrName = ...,
    customer_id: ColumnOrName = ...,
    common_threshold: float = ...,
    topic: ColumnOrName = ...,
    type: ColumnOrName = ...,
    source: ColumnOrName | None = ...,
    description: ColumnOrName | None = ...,
    status: ColumnOrName | None = ...,
    owner: ColumnOrName | None = ...,
    due: ColumnOrName | None = ...,
    importance: ColumnOrName | None = ...,
    urgency: ColumnOrName | None = ...,
    completion: ColumnOrName | None = ...,
    columns: Mapping[str, str] | None = ...,
) -> ArrayDict: ...
@overload
def aggregate_needs(
    needs: FrameLike,
    customers: FrameLike,
    *,
    group: ColumnOrName = ...,
    customer_id: ColumnOrName = ...,
    common_threshold: float = ...,
    topic: ColumnOrName = ...,
    type: ColumnOrName = ...,
    source: ColumnOrName | None = ...,
    description: ColumnOrName | None = ...,
    status: ColumnOrName | None = ...,
    owner: ColumnOrName | None = ...,
    due: ColumnOrName | None = ...,
    importance: ColumnOrName | None = ...,
    urgency: ColumnOrName | None = ...,
    completion: ColumnOrName | None = ...,
    columns: Mapping[str, str] | None = ...,
) -> Any: ...
def aggregate_needs(
    needs: FrameLike | None,
    customers: FrameLike,
    *,
    group: ColumnOrName = "group",
    customer_id: ColumnOrName = "customer_id",
    common_threshold: float = 0.5,
    topic: ColumnOrName = "topic",
    type: ColumnOrName = "type",
    source: ColumnOrName | None = "source",
    description: ColumnOrName | None = "description",
    status: ColumnOrName | None = "status",
    owner: ColumnOrName | None = "owner",
    due: ColumnOrName | None = "due",
    importance: ColumnOrName | None = "importance",
    urgency: ColumnOrName | None = "urgency",
    completion: ColumnOrName | None = "completion",
    columns: Mapping[str, str] | None = None,
) -> Any:
    """Common versus individual need topics per customer group (industry, size band, ...).

    ``customers`` lists every customer once with its group, so that customers without needs
    count in the denominator. A topic is ``common`` in a group when the share of the group's
    customers who raised it is >= ``common_threshold`` (default 50 %), else ``individual``.
    A customer without an id or a group (None, NaN, null) is a MissingValueError naming the
    row: a missing group is never read as a group called ``"None"``.

    Args:
        needs: the need records (fields as in :func:`need_work_list`).
        customers: every customer once, with its id and group.
        group: the group column of ``customers`` (a name or the column itself).
        customer_id: the customer id column, of both tables when a name (as a join key); the
            column itself is read for ``needs``, and ``customers`` then has a ``customer_id``
            column.
        common_threshold: the share of a group from which a topic is common.
        topic, type, source, description, status, owner, due, importance, urgency, completion:
            the other need fields of ``needs``, as in :func:`need_work_list`.
        columns: deprecated mapping of need fields to column names (a ``DeprecationWarning``).

    Returns:
        A table (family of ``needs``) with group, topic, customers_raising, group_customers,
        share, scope; sorted by group, then topic.

    Examples:
        >>> import pandas as pd, crmkit
        >>> needs = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "topic": ["api", "api", "api", "price"],
        ...                       "type": ["product", "product", "product", "price"]})
        >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "industry": ["it", "it", "it", "retail"]})
        >>> crmkit.aggregate_needs(needs, customers, group="industry")
          group  topic  customers_raising  group_customers     share       scope
        0    it    api                  2                3  0.666667      common
        1    it  price                  1                3  0.333333  individual
    """
    fields = _need_fields(
        "aggregate_needs", columns, customer_id, topic, type, source, description, status, owner, due, importance, urgency, completion
    )
    id_name = customer_id if isinstance(customer_id, str) else "customer_id"
    ids = _texts(_to_list(_frames.column(customers, id_name, "customer_id")), "customer_id")
    groups = _texts(_to_list(_frames.column(customers, group, "group")), "group")
    records, typed = _need_columns(needs, fields)
    with _user_fields(typed):
        out = _crmkit.aggregate_needs(records, ids, groups, common_threshold)
    dtypes = {"group": object, "topic": object, "customers_raising": np.int64, "group_customers": np.int64}
    cols = _arrays(out, {**dtypes, "share": np.float64, "scope": object})
    return _frames.frame(cols, _frames.family(needs))


@overload
def owner_workload(
    needs: TableT,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = ...,
    topic: ColumnOrName = ...,
    type: ColumnOrName = ...,
    source: ColumnOrName | None = ...,
    description: ColumnOrName | None = ...,
    status: ColumnOrName | None = ...,
    owner: ColumnOrName | None = ...,
    due: ColumnOrName | None = ...,
    importance: ColumnOrName | None = ...,
    urgency: ColumnOrName | None = ...,
    completion: ColumnOrName | None = ...,
    columns: Mapping[str, str] | None = ...,
) -> TableT: ...
@overload
def owner_workload(
    needs: Mapping[str, Any] | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = ...,
    topic: ColumnOrName = ...,
    type: ColumnOrName = ...,
    source: ColumnOrName | None = ...,
    description: ColumnOrName | None = ...,
    status: ColumnOrName | None = ...,
    owner: ColumnOrName | None = ...,
    due: ColumnOrName | None = ...,
    importance: ColumnOrName | None = ...,
    urgency: ColumnOrName | None = ...,
    completion: ColumnOrName | None = ...,
    columns: Mapping[str, str] | None = ...,
) -> ArrayDict: ...
@overload
def owner_workload(
    needs: FrameLike,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = ...,
    topic: ColumnOrName = ...,
    type: ColumnOrName = ...,
    source: ColumnOrName | None = ...,
    description: ColumnOrName | None = ...,
    status: ColumnOrName | None = ...,
    owner: ColumnOrName | None = ...,
    due: ColumnOrName | None = ...,
    importance: ColumnOrName | None = ...,
    urgency: ColumnOrName | None = ...,
    completion: ColumnOrName | None = ...,
    columns: Mapping[str, str] | None = ...,
) -> Any: ...
def owner_workload(
    needs: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    topic: ColumnOrName = "topic",
    type: ColumnOrName = "type",
    source: ColumnOrName | None = "source",
    description: ColumnOrName | None = "description",
    status: ColumnOrName | None = "status",
    owner: ColumnOrName | None = "owner",
    due: ColumnOrName | None = "due",
    importance: ColumnOrName | None = "importance",
    urgency: ColumnOrName | None = "urgency",
    completion: ColumnOrName | None = "completion",
    columns: Mapping[str, str] | None = None,
) -> Any:
    """Per owner: needs in total, unmet, partly met and overdue (due before ``as_of``, not met).

    Rows are sorted by owner; unassigned needs (no owner) come first with owner None. The need
    fields are read from the columns of their keywords, as in :func:`need_work_list`
    (``columns=`` is deprecated, with a ``DeprecationWarning``).

    Examples:
        >>> import pandas as pd, crmkit
        >>> needs = pd.DataFrame({"customer_id": ["c1", "c2", "c3"], "topic": ["a", "b", "c"],
        ...                       "type": ["product"] * 3, "assignee": ["ann", "ann", None],
        ...                       "status": ["unmet", "met", "partly_met"],
        ...                       "due": pd.to_datetime(["2024-01-10", "2024-01-01", "2024-03-01"])})
        >>> crmkit.owner_workload(needs, as_of="2024-02-01", owner="assignee")
          owner  needs  unmet  partly_met  overdue
        0   NaN      1      0           1        0
        1   ann      2      1           0        1
    """
    fields = _need_fields(
        "owner_workload", columns, customer_id, topic, type, source, description, status, owner, due, importance, urgency, completion
    )
    records, typed = _need_columns(needs, fields)
    with _user_fields(typed):
        out = _crmkit.owner_workload(records, _frames.day_number(as_of, "as_of"))
    counts = {"needs": np.int64, "unmet": np.int64, "partly_met": np.int64, "overdue": np.int64}
    return _frames.frame(_arrays(out, {"owner": object, **counts}), _frames.family(needs))
