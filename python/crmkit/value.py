"""Customer value, quadrants and needs: CLV, the composite value score and core list, the
value–potential matrix, the importance–urgency work list, need topics per group and owner
workload — plus the playbook that turns tiers, segments, quadrants and alerts into actions.

Tables in (pandas, polars, pyarrow, or a dict of arrays / arrays passed directly), tables of
the same family out (a dict of numpy arrays for array input).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from crmkit import _crmkit, _frames
from crmkit._crmkit import Playbook

__all__ = [
    "Playbook",
    "aggregate_needs",
    "core_customers",
    "need_work_list",
    "owner_workload",
    "prioritise_needs",
    "recommend_actions",
    "retention_clv",
    "simple_clv",
    "value_potential_matrix",
    "value_scores",
]


def _is_scalar(value: Any) -> bool:
    return np.ndim(value) == 0 and not hasattr(value, "__arrow_c_stream__") and not hasattr(value, "__arrow_c_array__")


def _as_column(value: Any, field: str) -> Any:
    if _is_scalar(value):
        return np.asarray([value], dtype=np.float64)
    return _frames.floats(value, field)


def simple_clv(avg_order_value: Any, purchases_per_period: Any, expected_lifetime: Any, gross_margin: Any) -> Any:
    """Simple CLV: average order value x purchases per period x expected lifetime x gross margin.

    The period is whatever unit you use for both the purchase rate and the lifetime (e.g.
    purchases per year and lifetime in years). Each argument is a number or a column (numpy
    array, list, pandas / polars / pyarrow column); scalars apply to every customer.

    Returns:
        A float when every argument is a scalar, else a numpy array of float64.

    Raises:
        crmkit.InvalidValueError: a NaN, infinite or negative value, or a margin outside [0, 1],
            naming the argument and the row.

    Examples:
        >>> import crmkit
        >>> crmkit.simple_clv(200.0, 4, 3, 0.25)  # 200 per order, 4 a year, 3 years, 25 % margin
        600.0
        >>> crmkit.simple_clv([100.0, 50.0], [2, 4], 5, 0.3)
        array([300., 300.])
    """
    args = (avg_order_value, purchases_per_period, expected_lifetime, gross_margin)
    names = ("avg_order_value", "purchases_per_period", "expected_lifetime_periods", "gross_margin")
    scalar = all(_is_scalar(a) for a in args)
    cols = [_as_column(a, n) for a, n in zip(args, names)]
    if not scalar and _is_scalar(avg_order_value):
        # avg_order_value sets n: broadcast it to the first array argument's length.
        n = next(len(np.asarray(c)) if isinstance(c, np.ndarray) else len(c) for a, c in zip(args, cols) if not _is_scalar(a))
        cols[0] = np.full(n, float(avg_order_value))
    out = _crmkit.simple_clv(*cols)
    return float(out[0]) if scalar else out


def retention_clv(
    margin: Any,
    retention: float,
    discount_rate: float,
    horizon: int | None = None,
    timing: str = "end",
) -> Any:
    """Retention-based discounted CLV.

    With margin m per period, retention rate r and discount rate d per period:

    * ``timing='end'`` (default): the margin arrives at the end of each period t = 1..H,
      CLV = sum m r^(t-1) / (1 + d)^t; with ``horizon=None`` (infinite) CLV = m / (1 + d - r).
      The first period's margin is certain and discounted once.
    * ``timing='start'``: the margin arrives at the start of each period t = 0..H-1,
      CLV = sum m r^t / (1 + d)^t, i.e. the end-of-period value times (1 + d).

    Args:
        margin: margin per period, a number or a column (may be negative).
        retention: retention rate per period, in [0, 1).
        discount_rate: discount rate per period, >= 0.
        horizon: number of periods, or None for the infinite closed form.
        timing: ``'end'`` or ``'start'``.

    Returns:
        A float for a scalar margin, else a numpy array of float64.

    Examples:
        >>> import crmkit
        >>> round(crmkit.retention_clv(100.0, 0.8, 0.1), 4)  # 100 / (1 + 0.1 - 0.8)
        333.3333
        >>> round(crmkit.retention_clv(100.0, 0.8, 0.1, horizon=2), 4)  # 100/1.1 + 80/1.21
        157.0248
        >>> crmkit.retention_clv([10.0, 20.0], 0.5, 0.0)
        array([20., 40.])
    """
    scalar = _is_scalar(margin)
    out = _crmkit.retention_clv(_as_column(margin, "margin_per_period"), retention, discount_rate, horizon, timing)
    return float(out[0]) if scalar else out


def _family(data: Any, first: Any) -> str:
    return _frames.family(data if data is not None else first)


def take_rows(table: Any, rows: np.ndarray) -> Any:
    """Rows ``rows`` of a table of any family, in that order (index reset for pandas)."""
    fam = _frames.family(table)
    if fam == "pandas":
        return table.iloc[rows].reset_index(drop=True)
    if fam == "polars":
        return table[rows]
    if fam == "pyarrow":
        return table.take(rows)
    return {k: _frames.take(v, rows) if not isinstance(v, np.ndarray) else v[rows] for k, v in table.items()}


def _append(table: Any, extra: dict[str, Any]) -> Any:
    fam = _frames.family(table)
    if fam == "pandas":
        out = table.copy(deep=False)
        for name, values in extra.items():
            out[name] = values
        return out
    if fam == "polars":
        import polars as pl

        return table.with_columns([pl.Series(name, values) for name, values in extra.items()])
    if fam == "pyarrow":
        import pyarrow as pa

        out = table
        for name, values in extra.items():
            col = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values)
            if name in out.column_names:
                out = out.set_column(out.column_names.index(name), name, col)
            else:
                out = out.append_column(name, col)
        return out
    out = dict(table)
    out.update(extra)
    return out


def value_scores(
    data: Any = None,
    *,
    customer_id: Any = "customer_id",
    historical: Any = "historical",
    potential: Any = "potential",
    strategic: Any = "strategic",
    weights: tuple[float, float, float] = (0.4, 0.4, 0.2),
) -> Any:
    """Composite customer value: three sub-scores normalised to [0, 1], weighted, ranked.

    Each sub-score column holds one number per customer, already combined from its indicators
    (historical: cumulative spend, profit contribution; potential: influence, referrals,
    cross- / up-sell likelihood; strategic: reference-case and feedback value). Each is min–max
    normalised over the population (a constant column scores 0.5 for everyone); the composite
    is ``w_h * historical + w_p * potential + w_s * strategic``; ``rank`` 1 is the most valuable
    customer, ties broken by ascending customer id (so ranks are distinct).

    Args:
        data: a table, or None when the columns are passed as arrays.
        customer_id: column of unique integer or string ids (name or column).
        historical, potential, strategic: sub-score columns (names or columns).
        weights: (historical, potential, strategic); finite, >= 0, summing to 1.

    Returns:
        A table of the input's family, in input order: customer_id, historical, potential,
        strategic (the normalised sub-scores), composite and rank.

    Raises:
        crmkit.InvalidValueError: a non-finite sub-score or a duplicate id, naming field and row.
        crmkit.ConfigError: invalid weights.

    Examples:
        >>> import pandas as pd, crmkit
        >>> df = pd.DataFrame({"customer_id": [10, 20, 30], "historical": [0.0, 50.0, 100.0],
        ...                    "potential": [1.0, 0.0, 0.5], "strategic": [2.0, 2.0, 2.0]})
        >>> crmkit.value_scores(df)
           customer_id  historical  potential  strategic  composite  rank
        0           10         0.0        1.0        0.5        0.5     2
        1           20         0.5        0.0        0.5        0.3     3
        2           30         1.0        0.5        0.5        0.7     1
    """
    ids_col = _frames.column(data, customer_id, "customer_id")
    cols = [
        _frames.floats(_frames.column(data, c, name), name)
        for c, name in ((historical, "historical"), (potential, "potential"), (strategic, "strategic"))
    ]
    w = tuple(float(x) for x in weights)
    if len(w) != 3:
        raise _frames._error(_crmkit.ConfigError, f"invalid `value_weights`: {weights!r} (expected three weights)", "value_weights")
    out = _crmkit.value_scores(_frames.ids(ids_col, "customer_ids"), *cols, weights=(w[0], w[1], w[2]))
    fam = _family(data, customer_id)
    columns = {"customer_id": ids_col}
    columns.update({k: out[k] for k in ("historical", "potential", "strategic", "composite", "rank")})
    return _frames.frame(columns, fam)


def core_customers(scores: Any, top_k: int | None = None, top_percent: float | None = None) -> Any:
    """The core list: the best customers of a :func:`value_scores` table, in rank order.

    Give exactly one of ``top_k`` (the k best; everyone when k >= n) or ``top_percent`` (the
    best p %, 0 < p <= 100, rounded up: ceil(p * n / 100)).

    Examples:
        >>> import crmkit
        >>> s = crmkit.value_scores({"customer_id": [1, 2, 3], "historical": [1.0, 2.0, 3.0],
        ...                          "potential": [1.0, 2.0, 3.0], "strategic": [0.0, 0.0, 0.0]})
        >>> crmkit.core_customers(s, top_percent=50)["customer_id"]  # ceil(1.5) = 2
        array([3, 2])
    """
    ranks = np.asarray(_frames.numbers(_frames.column(scores, "rank", "rank"), "rank"))
    k = _crmkit.core_list_size(len(ranks), top_k, top_percent)
    order = np.argsort(ranks, kind="stable")[:k]
    return take_rows(scores, order)


def value_potential_matrix(
    data: Any = None,
    *,
    value: Any = "value",
    potential: Any = "potential",
    customer_id: Any = None,
    thresholds: tuple[float, float] | None = None,
) -> tuple[Any, Any]:
    """The value–potential matrix: each customer's quadrant and a summary per quadrant.

    A customer is high value when value >= the value split and high potential when potential
    >= the potential split; the splits are the medians (mean of the two middle values for an
    even count) or the given ``thresholds``. Quadrants, named by their treatment:
    ``deepen`` (high value, high potential), ``maintain`` (high value, low potential),
    ``develop`` (low value, high potential), ``automate`` (low, low).

    Args:
        data: a table, or None when the columns are passed as arrays.
        value: current value per customer (>= 0), e.g. ARPU or monetary.
        potential: growth room per customer (any finite number).
        customer_id: optional id column copied into the customer table.
        thresholds: (value, potential) split points, or None for the medians.

    Returns:
        (customers, summary): the customer table (customer_id if given, value, potential,
        quadrant, high_value, high_potential) in input order, and one summary row per quadrant
        (quadrant, customers, customer_share, total_value, value_share, treatment,
        value_split, potential_split); ``value_share`` is NaN when the total value is 0.

    Examples:
        >>> import crmkit
        >>> customers, summary = crmkit.value_potential_matrix(
        ...     {"value": [5.0, 1.0, 9.0, 3.0], "potential": [0.1, 0.9, 0.8, 0.2]})
        >>> customers["quadrant"].tolist()
        ['maintain', 'develop', 'deepen', 'automate']
        >>> summary["value_share"].round(3).tolist()
        [0.5, 0.278, 0.056, 0.167]
    """
    v_col = _frames.column(data, value, "value")
    p_col = _frames.column(data, potential, "potential")
    v = _frames.floats(v_col, "value")
    p = _frames.floats(p_col, "potential")
    out = _crmkit.value_potential_matrix(v, p, None if thresholds is None else (float(thresholds[0]), float(thresholds[1])))
    fam = _family(data, value)
    codes = out["quadrant"]
    names = out["names"]
    customers: dict[str, Any] = {}
    if customer_id is not None:
        ids_col = _frames.column(data, customer_id, "customer_id")
        customers["customer_id"] = ids_col
    customers["value"] = v_col
    customers["potential"] = p_col
    customers["quadrant"] = _frames.categorical(codes, names, fam)
    customers["high_value"] = codes <= 1
    customers["high_potential"] = (codes == 0) | (codes == 2)
    summary = {
        "quadrant": _frames.categorical(np.arange(4), names, fam),
        "customers": np.asarray(out["customers"], dtype=np.int64),
        "customer_share": np.asarray(out["customer_share"], dtype=np.float64),
        "total_value": np.asarray(out["total_value"], dtype=np.float64),
        "value_share": np.asarray([np.nan if s is None else s for s in out["value_share"]], dtype=np.float64),
        "treatment": np.asarray(out["treatment"], dtype=object),
        "value_split": np.full(4, out["value_split"]),
        "potential_split": np.full(4, out["potential_split"]),
    }
    return _frames.frame(customers, fam), _frames.frame(summary, fam)


def _work_list(data: Any, out: Mapping[str, Any], fam: str) -> Any:
    rows = out["row"]
    extra = {
        "quadrant": _frames.categorical(out["quadrant"], out["names"], fam),
        "priority_score": out["score"],
    }
    if data is None:
        return _frames.frame({"row": rows, **extra}, fam)
    return _append(take_rows(data, rows), extra)


def prioritise_needs(
    data: Any = None,
    *,
    importance: Any = "importance",
    urgency: Any = "urgency",
    thresholds: tuple[float, float] = (0.5, 0.5),
    important: Any = None,
    urgent: Any = None,
) -> Any:
    """The importance–urgency matrix of needs as a sorted work list.

    From scores (default): a need is important when importance >= the importance threshold and
    urgent when urgency >= the urgency threshold (defaults 0.5 / 0.5 suit 0–1 scores; for 1–5
    ratings use e.g. (4, 4)). From flags: pass boolean columns ``important`` and ``urgent``.
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


def _bools(col: Any, field: str) -> np.ndarray:
    values = _to_list(col)
    for row, v in enumerate(values):
        if v is None:
            raise _frames._error(_crmkit.MissingValueError, f"`{field}` is missing (null) at row {row}", field, row)
    return np.asarray(values, dtype=bool)


_NEED_FIELDS = ("customer_id", "topic", "type", "source", "description", "status", "owner", "due", "importance", "urgency", "completion")


def _need_columns(needs: Any, columns: Mapping[str, str] | None) -> dict[str, Any]:
    """The need records of a table as the dict of lists the extension reads."""
    names = {f: f for f in _NEED_FIELDS}
    if columns:
        unknown = set(columns) - set(_NEED_FIELDS)
        if unknown:
            raise _frames._error(_crmkit.ConfigError, f"invalid `columns`: unknown need fields {sorted(unknown)}", "columns")
        names.update(columns)
    available = set(needs.keys()) if isinstance(needs, Mapping) else set(getattr(needs, "column_names", None) or needs.columns)
    out: dict[str, Any] = {}
    for field, name in names.items():
        if name not in available:
            continue
        values = _to_list(_frames.column(needs, name, field))
        if field in ("customer_id", "topic", "type", "source", "description", "status", "owner"):
            values = [None if v is None else str(v) for v in values]
        elif field == "due":
            values = [None if v is None else _frames.day_number(v, "due") for v in values]
        else:
            for row, v in enumerate(values):
                if v is None:
                    raise _frames._error(_crmkit.MissingValueError, f"`{field}` is missing (null) at row {row}", field, row)
            values = [float(v) for v in values]
        out[field] = values
    return out


def need_work_list(needs: Any, *, thresholds: tuple[float, float] = (0.5, 0.5), columns: Mapping[str, str] | None = None) -> Any:
    """The work list of need records: open needs (unmet or partly met) in importance–urgency order.

    A need record has the columns ``customer_id``, ``topic`` (normalised subject, the key of
    aggregation), ``type`` (``product``, ``service``, ``price``, ``experience``) and optionally
    ``source`` (``sales_call``, ``ticket``, ``survey``, ``other``), ``description``,
    ``importance``, ``urgency`` (scores, default 0), ``status`` (``unmet`` — the default —,
    ``partly_met``, ``met``), ``owner``, ``due`` (a date) and ``completion`` (share done in
    [0, 1]). ``columns`` maps a field to another column name, e.g. ``{"type": "need_type"}``.

    Returns:
        The open needs in work order with ``quadrant`` and ``priority_score`` added (see
        :func:`prioritise_needs`).

    Examples:
        >>> import pandas as pd, crmkit
        >>> needs = pd.DataFrame({"customer_id": ["c1", "c2", "c3"], "topic": ["api", "sla", "price"],
        ...                       "type": ["product", "service", "price"], "importance": [0.9, 0.9, 0.2],
        ...                       "urgency": [0.2, 0.8, 0.9], "status": ["unmet", "partly_met", "met"]})
        >>> crmkit.need_work_list(needs)[["customer_id", "topic", "quadrant"]]
          customer_id topic  quadrant
        0          c2   sla    do_now
        1          c1   api  schedule
    """
    out = _crmkit.need_work_list(_need_columns(needs, columns), (float(thresholds[0]), float(thresholds[1])))
    return _work_list(needs, out, _frames.family(needs))


def aggregate_needs(
    needs: Any,
    customers: Any,
    *,
    group: str = "group",
    customer_id: str = "customer_id",
    common_threshold: float = 0.5,
    columns: Mapping[str, str] | None = None,
) -> Any:
    """Common versus individual need topics per customer group (industry, size band, ...).

    ``customers`` lists every customer once with its group, so that customers without needs
    count in the denominator. A topic is ``common`` in a group when the share of the group's
    customers who raised it is >= ``common_threshold`` (default 50 %), else ``individual``.

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
    ids = [str(v) for v in _to_list(_frames.column(customers, customer_id, "customer_id"))]
    groups = [str(v) for v in _to_list(_frames.column(customers, group, "group"))]
    out = _crmkit.aggregate_needs(_need_columns(needs, columns), ids, groups, common_threshold)
    cols = {
        "group": np.asarray(out["group"], dtype=object),
        "topic": np.asarray(out["topic"], dtype=object),
        "customers_raising": np.asarray(out["customers_raising"], dtype=np.int64),
        "group_customers": np.asarray(out["group_customers"], dtype=np.int64),
        "share": np.asarray(out["share"], dtype=np.float64),
        "scope": np.asarray(out["scope"], dtype=object),
    }
    return _frames.frame(cols, _frames.family(needs))


def owner_workload(needs: Any, *, as_of: Any, columns: Mapping[str, str] | None = None) -> Any:
    """Per owner: needs in total, unmet, partly met and overdue (due before ``as_of``, not met).

    Rows are sorted by owner; unassigned needs (no owner) come first with owner None.

    Examples:
        >>> import pandas as pd, crmkit
        >>> needs = pd.DataFrame({"customer_id": ["c1", "c2", "c3"], "topic": ["a", "b", "c"],
        ...                       "type": ["product"] * 3, "owner": ["ann", "ann", None],
        ...                       "status": ["unmet", "met", "partly_met"],
        ...                       "due": pd.to_datetime(["2024-01-10", "2024-01-01", "2024-03-01"])})
        >>> crmkit.owner_workload(needs, as_of="2024-02-01")
          owner  needs  unmet  partly_met  overdue
        0   NaN      1      0           1        0
        1   ann      2      1           0        1
    """
    out = _crmkit.owner_workload(_need_columns(needs, columns), _frames.day_number(as_of, "as_of"))
    cols = {
        "owner": np.asarray(out["owner"], dtype=object),
        "needs": np.asarray(out["needs"], dtype=np.int64),
        "unmet": np.asarray(out["unmet"], dtype=np.int64),
        "partly_met": np.asarray(out["partly_met"], dtype=np.int64),
        "overdue": np.asarray(out["overdue"], dtype=np.int64),
    }
    return _frames.frame(cols, _frames.family(needs))


def _factorize(col: Any) -> tuple[np.ndarray, list[str]]:
    """Integer codes (-1 = missing) and the distinct names of a column of strings."""
    fam = _frames.family(col)
    if fam == "pandas":
        import pandas as pd

        codes, uniques = pd.factorize(col)
        return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]
    arrow_col = fam in ("polars", "pyarrow") or hasattr(col, "__arrow_c_stream__") or hasattr(col, "__arrow_c_array__")
    if arrow_col and _frames._installed("pyarrow"):  # a polars-only install takes the list path below
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = col.to_arrow() if fam == "polars" else (col if fam == "pyarrow" else pa.chunked_array(col))
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        encoded = pc.dictionary_encode(arr.cast(pa.string()))
        codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
        return codes, [str(v) for v in encoded.dictionary.to_pylist()]
    index: dict[str, int] = {}
    codes_list = []
    for v in _to_list(col):
        codes_list.append(-1 if v is None else index.setdefault(str(v), len(index)))
    return np.asarray(codes_list, dtype=np.int64), list(index)


def _list_column(values: list[list[str]], index: np.ndarray, fam: str) -> Any:
    if fam == "polars":
        import polars as pl

        return pl.Series(values, dtype=pl.List(pl.String)).gather(index)
    if fam == "pyarrow":
        import pyarrow as pa

        return pa.array(values, type=pa.list_(pa.string())).take(index)
    if fam == "pandas":
        try:
            import pandas as pd
            import pyarrow as pa
        except ImportError:  # pragma: no cover - pandas without pyarrow: object column below
            pass
        else:
            arrow = pa.array(values, type=pa.list_(pa.string())).take(index)
            return pd.Series(pd.arrays.ArrowExtensionArray(arrow))
    out = np.empty(len(index), dtype=object)
    for row, i in enumerate(index.tolist()):
        out[row] = list(values[i])  # a fresh list per customer: editing one leaves the others
    return out


def recommend_actions(
    data: Any = None,
    *,
    tier: Any = None,
    segment: Any = None,
    quadrant: Any = None,
    alert: Any = None,
    customer_id: Any = None,
    playbook: Playbook | str | Mapping[str, Any] | None = None,
) -> Any:
    """Recommended actions and contact channels per customer, from the playbook.

    Any of ``tier`` (``'high value'``, ``'potential'``, ``'churn risk'``, ``'low value'``),
    ``segment`` (an RFM segment name), ``quadrant`` (``'deepen'``, ``'maintain'``,
    ``'develop'``, ``'automate'``) and ``alert`` (``'red'``, ``'yellow'``, ``'green'``) may be
    given, as column names in ``data`` or as columns; missing values (None / null) are
    unknown. Sections contribute in the playbook's priority order (default: alert, tier,
    segment, quadrant); actions and channels are deduplicated, highest priority first.

    Args:
        playbook: a :class:`Playbook`, its JSON text or dict, or None for the default.

    Returns:
        A table of the input's family, one row per customer in input order: customer_id (if
        given), actions, channels and matched (lists of strings; ``matched`` names the entries
        that fired, e.g. ``'alerts.red'``).

    Raises:
        crmkit.InvalidValueError: an unknown tier, quadrant or alert, naming the row.

    Examples:
        >>> import pandas as pd, crmkit
        >>> df = pd.DataFrame({"customer_id": [1, 2], "tier": ["high value", "churn risk"], "alert": [None, "red"]})
        >>> out = crmkit.recommend_actions(df, tier="tier", alert="alert", customer_id="customer_id")
        >>> out.loc[0, "channels"], out.loc[1, "actions"][0], out.loc[1, "matched"]
        (['phone', 'visit'], 'personal call-back', ['alerts.red', 'tiers.churn risk'])
    """
    pb = _playbook(playbook)
    given = {"tiers": tier, "segments": segment, "quadrants": quadrant, "alerts": alert}
    first = next((v for v in given.values() if v is not None), None)
    if first is None:
        raise _frames._error(_crmkit.EmptyInputError, "`playbook inputs` is empty: give at least one of tier, segment, quadrant, alert", "playbook inputs")
    coded = {k: (_factorize(_frames.column(data, v, k[:-1])) if v is not None else None) for k, v in given.items()}
    index, recs = pb.apply_codes(**coded)
    fam = _family(data, first)
    cols: dict[str, Any] = {}
    if customer_id is not None:
        ids_col = _frames.column(data, customer_id, "customer_id")
        cols["customer_id"] = ids_col
    cols["actions"] = _list_column([r[0] for r in recs], index, fam)
    cols["channels"] = _list_column([r[1] for r in recs], index, fam)
    cols["matched"] = _list_column([r[2] for r in recs], index, fam)
    return _frames.frame(cols, fam)


def _playbook(playbook: Any) -> Playbook:
    if playbook is None:
        return Playbook()
    if isinstance(playbook, Playbook):
        return playbook
    if isinstance(playbook, str):
        return Playbook.from_json(playbook)
    if isinstance(playbook, Mapping):
        return Playbook.from_json(json.dumps(playbook))
    raise _frames._error(
        _crmkit.ConfigError,
        f"invalid `playbook`: {type(playbook).__name__} (expected a Playbook, JSON text or a dict)",
        "playbook",
    )
