"""Customer value: simple and retention-based CLV, the composite value score and core list, and
the value–potential matrix.

Tables in (pandas, polars, pyarrow, or a dict of arrays / arrays passed directly), tables of
the same family out (a dict of numpy arrays for array input).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, overload

import numpy as np

from crmkit import _crmkit, _frames
from crmkit._typing import ArrayDict, ColumnLike, ColumnOrName, Floats, FrameLike, MarginTiming, NegativeValue, TableT

__all__ = [
    "core_customers",
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


@overload
def simple_clv(  # type: ignore[overload-overlap]  # all scalars: a float (the first overload wins)
    avg_order_value: float, purchases_per_period: float, expected_lifetime: float, gross_margin: float
) -> float: ...
@overload
def simple_clv(
    avg_order_value: float | ColumnLike, purchases_per_period: float | ColumnLike, expected_lifetime: float | ColumnLike, gross_margin: float | ColumnLike
) -> Floats: ...
def simple_clv(
    avg_order_value: float | ColumnLike, purchases_per_period: float | ColumnLike, expected_lifetime: float | ColumnLike, gross_margin: float | ColumnLike
) -> float | Floats:
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
    out = _crmkit.simple_clv(*cols)  # scalars are columns of length 1, applied to everyone
    return float(out[0]) if scalar else out


@overload
def retention_clv(margin: float, retention: float, discount_rate: float, horizon: int | None = None, timing: MarginTiming = "end") -> float: ...
@overload
def retention_clv(margin: ColumnLike, retention: float, discount_rate: float, horizon: int | None = None, timing: MarginTiming = "end") -> Floats: ...
def retention_clv(
    margin: float | ColumnLike,
    retention: float,
    discount_rate: float,
    horizon: int | None = None,
    timing: MarginTiming = "end",
) -> float | Floats:
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


@overload
def value_scores(
    data: TableT,
    *,
    customer_id: ColumnOrName = ...,
    historical: ColumnOrName = ...,
    potential: ColumnOrName = ...,
    strategic: ColumnOrName = ...,
    weights: tuple[float, float, float] = ...,
) -> TableT: ...
@overload
def value_scores(
    data: Mapping[str, Any],
    *,
    customer_id: ColumnOrName = ...,
    historical: ColumnOrName = ...,
    potential: ColumnOrName = ...,
    strategic: ColumnOrName = ...,
    weights: tuple[float, float, float] = ...,
) -> ArrayDict: ...
@overload
def value_scores(
    data: FrameLike | None = None,
    *,
    customer_id: ColumnOrName = ...,
    historical: ColumnOrName = ...,
    potential: ColumnOrName = ...,
    strategic: ColumnOrName = ...,
    weights: tuple[float, float, float] = ...,
) -> Any: ...
def value_scores(
    data: FrameLike | None = None,
    *,
    customer_id: ColumnOrName = "customer_id",
    historical: ColumnOrName = "historical",
    potential: ColumnOrName = "potential",
    strategic: ColumnOrName = "strategic",
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
    out = _crmkit.value_scores(_frames.ids(ids_col, "customer_id"), cols[0], cols[1], cols[2], weights=[float(x) for x in weights])
    fam = _family(data, customer_id)
    columns = {"customer_id": ids_col}
    columns.update({k: out[k] for k in ("historical", "potential", "strategic", "composite", "rank")})
    return _frames.frame(columns, fam)


@overload
def core_customers(scores: TableT, top_k: int | None = None, top_percent: float | None = None) -> TableT: ...
@overload
def core_customers(scores: Mapping[str, Any], top_k: int | None = None, top_percent: float | None = None) -> ArrayDict: ...
def core_customers(scores: TableT | Mapping[str, Any], top_k: int | None = None, top_percent: float | None = None) -> TableT | ArrayDict:
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
    rows = _crmkit.core_list_rows(_frames.numbers(_frames.column(scores, "rank", "rank"), "rank"), top_k, top_percent)
    core: TableT | ArrayDict = take_rows(scores, rows)
    return core


@overload
def value_potential_matrix(
    data: TableT,
    *,
    value: ColumnOrName = ...,
    potential: ColumnOrName = ...,
    customer_id: ColumnOrName | None = ...,
    thresholds: tuple[float, float] | None = ...,
    negative_value: NegativeValue = ...,
) -> tuple[TableT, TableT]: ...
@overload
def value_potential_matrix(
    data: Mapping[str, Any],
    *,
    value: ColumnOrName = ...,
    potential: ColumnOrName = ...,
    customer_id: ColumnOrName | None = ...,
    thresholds: tuple[float, float] | None = ...,
    negative_value: NegativeValue = ...,
) -> tuple[ArrayDict, ArrayDict]: ...
@overload
def value_potential_matrix(
    data: FrameLike | None = None,
    *,
    value: ColumnOrName = ...,
    potential: ColumnOrName = ...,
    customer_id: ColumnOrName | None = ...,
    thresholds: tuple[float, float] | None = ...,
    negative_value: NegativeValue = ...,
) -> tuple[Any, Any]: ...
def value_potential_matrix(
    data: FrameLike | None = None,
    *,
    value: ColumnOrName = "value",
    potential: ColumnOrName = "potential",
    customer_id: ColumnOrName | None = None,
    thresholds: tuple[float, float] | None = None,
    negative_value: NegativeValue = "exclude",
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
        negative_value: the rule ``negative_value`` for a value < 0 (refunds exceeding
            purchases): ``'exclude'`` (default) leaves such customers out of the splits and the
            summary — they keep their row with a missing quadrant and flags — and counts them in
            a :class:`CrmkitWarning`; ``'error'`` raises naming the first row. A value of 0 is
            a valid low-value customer.

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
    out = _crmkit.value_potential_matrix(
        v,
        p,
        None if thresholds is None else (float(thresholds[0]), float(thresholds[1])),
        negative_value=negative_value,
    )
    fam = _family(data, value)
    codes = out["quadrant"].astype(np.int64)
    names = out["names"]
    if out["excluded"]:
        import warnings

        warnings.warn(
            f"crmkit: {out['excluded']} customers with a negative current value were left out (rule negative_value)",
            _crmkit.CrmkitWarning,
            stacklevel=2,
        )
    customers: dict[str, Any] = {}
    if customer_id is not None:
        ids_col = _frames.column(data, customer_id, "customer_id")
        customers["customer_id"] = ids_col
    customers["value"] = v_col
    customers["potential"] = p_col
    if out["excluded"]:
        from crmkit.churn import categorical, nullable

        left_out = codes < 0  # -1: no quadrant (rule negative_value)
        customers["quadrant"] = categorical(codes, names, fam)
        customers["high_value"] = nullable(np.where(left_out, np.nan, out["high_value"]), "bool", fam)
        customers["high_potential"] = nullable(np.where(left_out, np.nan, out["high_potential"]), "bool", fam)
    else:
        customers["quadrant"] = _frames.categorical(codes, names, fam)
        customers["high_value"] = out["high_value"]
        customers["high_potential"] = out["high_potential"]
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
