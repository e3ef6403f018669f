"""Lifecycle stages and the migration of any label between two snapshots,
in the frame family you pass.

* :func:`lifecycle_stages` gives every customer one stage (prospect, onboarding, retained,
  expansion, churn_warning, lost, reactivated) from ordered rules (first match wins, JSON
  configurable: :func:`lifecycle_rules`) and the reason it was chosen;
* :func:`stage_migration` compares two snapshots of stages, RFM tiers or segments: transition
  counts and rates, the non-empty flows (the data behind a Sankey diagram) and each customer's
  move.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, NotRequired, TypedDict, TypeVar, cast, overload

import numpy as np

from crmkit import _crmkit, _frames
from crmkit._typing import (
    AfterAsOf,
    ArrayDict,
    ColumnLike,
    ColumnOrName,
    DateLike,
    FrameLike,
    NegativeAmounts,
    OtherTable,
    TableT,
)
from crmkit._frames import output_ids
from crmkit.churn import as_json, categorical, columns_of, float_or_nan, nullable, objects

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "LifecycleRuleDict",
    "LifecycleRulesDict",
    "LifecycleStageName",
    "StageMigration",
    "lifecycle_rules",
    "lifecycle_stages",
    "stage_metrics",
    "stage_migration",
]

#: A lifecycle stage (the names the core defines, in reporting order).
LifecycleStageName = Literal["prospect", "onboarding", "retained", "expansion", "churn_warning", "lost", "reactivated"]

#: A condition of a lifecycle rule: ``"no_purchase"``, ``"purchase_gap_fires"``, ``"always"``, or
#: a one-key dict such as ``{"days_since_last_purchase_over": {"days": 365}}``.
LifecycleCondition = Literal["no_purchase", "purchase_gap_fires", "always"] | Mapping[str, Mapping[str, Any]]


class LifecycleRuleDict(TypedDict):
    """One lifecycle rule: the stage given when any of the conditions holds."""

    stage: LifecycleStageName
    when_any: list[LifecycleCondition]


class LifecycleRulesDict(TypedDict):
    """Ordered lifecycle rules, first match wins (:func:`lifecycle_rules` gives the defaults)."""

    rules: list[LifecycleRuleDict]


_Table = TypeVar("_Table")


class StageMigration(TypedDict, Generic[_Table]):
    """What :func:`stage_migration` returns (a dict, typed): the tables are of the family of
    ``before``; ``counts`` and ``rates`` are present only with ``matrices=True``."""

    labels: list[str]
    flows: _Table
    moves: _Table
    counts: NotRequired[_Table]
    rates: NotRequired[_Table]

#: The most labels :func:`stage_migration` builds the dense ``counts`` / ``rates`` tables for.
MAX_MATRIX_LABELS: int = _crmkit.MAX_MATRIX_LABELS

STAGES = ("prospect", "onboarding", "retained", "expansion", "churn_warning", "lost", "reactivated")
_ATTRIBUTES = ("churn_index", "purchase_gap_fires", "large_order", "referral", "upgrade", "cross_category")
ABSENT = "(absent)"


def lifecycle_rules() -> LifecycleRulesDict:
    """The default lifecycle rules as a dict, to edit and pass as ``rules=``.

    Rules are tried in order and the first matching one gives the stage; each rule has a
    ``stage`` and ``when_any`` conditions among ``"no_purchase"``,
    ``{"days_since_last_purchase_over": {"days": N}}``,
    ``{"churn_index_at_least": {"index": N}}``, ``"purchase_gap_fires"``,
    ``{"reactivated": {"gap_over_days": N, "within_days": M}}``,
    ``{"first_purchase_within": {"days": N}}``,
    ``{"high_value_behaviour": {"any_of": ["large_order", "referral", "upgrade",
    "cross_category"]}}`` and ``"always"`` (the last rule must be a catch-all).

    Examples:
        >>> import crmkit
        >>> [r["stage"] for r in crmkit.lifecycle_rules()["rules"]]
        ['prospect', 'lost', 'churn_warning', 'reactivated', 'onboarding', 'expansion', 'retained']
        >>> crmkit.lifecycle_rules()["rules"][1]["when_any"]
        [{'days_since_last_purchase_over': {'days': 365}}]
    """
    rules: LifecycleRulesDict = json.loads(_crmkit.default_lifecycle_rules())
    return rules


@overload
def lifecycle_stages(
    transactions: TableT,
    customers: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    first_contact: str = "first_contact",
    rules: LifecycleRulesDict | str | None = None,
    after_as_of: AfterAsOf = "error",
    amount: ColumnOrName | None = "amount",
    negative_amounts: NegativeAmounts = "error",
    tz: str | None = None,
) -> TableT: ...
@overload
def lifecycle_stages(
    transactions: Mapping[str, Any],
    customers: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    first_contact: str = "first_contact",
    rules: LifecycleRulesDict | str | None = None,
    after_as_of: AfterAsOf = "error",
    amount: ColumnOrName | None = "amount",
    negative_amounts: NegativeAmounts = "error",
    tz: str | None = None,
) -> ArrayDict: ...
@overload
def lifecycle_stages(
    transactions: pl.LazyFrame,
    customers: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    first_contact: str = "first_contact",
    rules: LifecycleRulesDict | str | None = None,
    after_as_of: AfterAsOf = "error",
    amount: ColumnOrName | None = "amount",
    negative_amounts: NegativeAmounts = "error",
    tz: str | None = None,
) -> pl.DataFrame: ...
@overload
def lifecycle_stages(
    transactions: OtherTable,
    customers: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    first_contact: str = "first_contact",
    rules: LifecycleRulesDict | str | None = None,
    after_as_of: AfterAsOf = "error",
    amount: ColumnOrName | None = "amount",
    negative_amounts: NegativeAmounts = "error",
    tz: str | None = None,
) -> Any: ...
def lifecycle_stages(
    transactions: Any,
    customers: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    first_contact: str = "first_contact",
    rules: LifecycleRulesDict | str | None = None,
    after_as_of: AfterAsOf = "error",
    amount: ColumnOrName | None = "amount",
    negative_amounts: NegativeAmounts = "error",
    tz: str | None = None,
) -> Any:
    """A lifecycle stage for every customer, with the reason it was chosen.

    First, latest and previous purchase days come from the transaction log. The default rules,
    first match wins: no purchase → prospect; over 365 days since the last purchase →
    lost; churn index ≥ 8 or the purchase-gap warning fires → churn_warning; bought again
    within the last 180 days after a gap of over 365 days → reactivated; first purchase within
    180 days → onboarding; a large order, referral, upgrade or cross-category purchase →
    expansion; else retained.

    Args:
        transactions: the transaction log (ids, timestamps and, when present, amounts).
        customers: optional per-customer table with ``customer_id`` and any of
            ``first_contact`` (a date; customers without purchases are prospects since then),
            ``churn_index`` (1–10, e.g. from :func:`crmkit.churn_risk`), ``purchase_gap_fires`` (e.g.
            from :func:`crmkit.churn_signals`),
            ``large_order``, ``referral``, ``upgrade``, ``cross_category`` (booleans; null =
            unknown). Customers only in this table have no purchase.
        as_of: the observation date.
        customer_id, timestamp: column names.
        first_contact: the first-contact column name in ``customers``.
        rules: the rules as a dict or JSON (see :func:`lifecycle_rules`); None = defaults.
        after_as_of: ``'error'`` or ``'exclude'`` for transactions after ``as_of``.
        amount: the amount column name (or the column itself). A row with a negative amount is
            a refund and never a purchase. The default name may be absent (then every row is a
            purchase); None ignores amounts.
        negative_amounts: ``'error'`` (default: a negative amount is an error naming its row) or
            ``'net'`` (refund rows are left out of the purchase days and counted in a
            :class:`CrmkitWarning`).
        tz: a time-zone name to count calendar days in (see :func:`crmkit.rfm_features`).

    Returns:
        A table of the transactions' family, one row per customer in ascending id order:
        ``customer_id``, ``stage`` (categorical), ``reason`` (the condition that matched),
        ``reason_value`` and ``reason_threshold`` (e.g. days since the last purchase and 365),
        ``first_purchase``, ``last_purchase``, ``previous_purchase``.

    Examples:
        >>> import pandas as pd, crmkit
        >>> tx = pd.DataFrame({"customer_id": [1, 2, 2, 3],
        ...                    "timestamp": pd.to_datetime(["2022-05-01", "2022-01-10", "2024-06-01", "2024-05-01"])})
        >>> people = pd.DataFrame({"customer_id": [4], "first_contact": pd.to_datetime(["2024-06-20"])})
        >>> crmkit.lifecycle_stages(tx, people, as_of="2024-06-30")[["customer_id", "stage", "reason", "reason_value"]]
           customer_id        stage                    reason  reason_value
        0            1         lost  days_since_last_purchase         791.0
        1            2  reactivated     reactivated_after_gap         873.0
        2            3   onboarding     first_purchase_recent          60.0
        3            4     prospect               no_purchase          10.0
    """
    tx_ids = _frames.column(transactions, customer_id, "customer_id")
    ts, ticks = _frames.times(_frames.column(transactions, timestamp, "timestamp"), "timestamp", tz)
    parts = [tx_ids]
    kwargs: dict[str, Any] = {"ticks_per_day": ticks}
    if customers is not None:
        c_ids = _frames.column(customers, customer_id, "customers.customer_id")
        parts.append(c_ids)
        kwargs["attribute_customer_id"] = _frames.ids(c_ids, "customers.customer_id")
        present = columns_of(customers)
        if first_contact in present:
            fc, fticks = _frames.times(_frames.column(customers, first_contact, "first_contact"), "first_contact", tz)
            kwargs.update(first_contact=fc, first_contact_ticks_per_day=fticks)
        kwargs["attributes"] = {
            name: float_or_nan(_frames.column(customers, name, name), name) for name in _ATTRIBUTES if name in present
        }
    rules_json = as_json(rules, "rules")
    if rules_json is not None:
        rules_json = _crmkit.check_lifecycle_rules(rules_json)
    if amount is not None and (not isinstance(amount, str) or amount != "amount" or "amount" in columns_of(transactions)):
        kwargs["amount"] = _frames.floats(_frames.column(transactions, amount, "amount"), "amount")
    fam = _frames.family(transactions)
    out = _crmkit.lifecycle_stages(
        _frames.ids(tx_ids, "customer_id"),
        ts,
        _frames.day_number(as_of, "as_of"),
        rules=rules_json,
        after_as_of=after_as_of,
        negative_amounts=negative_amounts,
        gather_ids=True,
        **kwargs,
    )
    if out["warning"]:
        import warnings

        warnings.warn(f"crmkit: {out['warning']}", _crmkit.CrmkitWarning, stacklevel=2)
    cols: dict[str, Any] = {
        "customer_id": output_ids(parts, out["customer_id"], out["customer_row"], fam),
        "stage": categorical(out["stage"], out["stages"], fam),
        "reason": categorical(out["reason"], out["reasons"], fam),
        "reason_value": nullable(out["reason_value"], "float", fam),
        "reason_threshold": nullable(out["reason_threshold"], "float", fam),
    }
    for name in ("first_purchase", "last_purchase", "previous_purchase"):
        cols[name] = _dates(out[name], fam)
    return _frames.frame(cols, fam, fresh=True)


def _dates(days: np.ndarray, fam: str) -> Any:
    """Days since 1970-01-01 (NaN = none) as a date column."""
    mask = np.isnan(days)
    values = np.where(mask, 0, days).astype(np.int64).astype("datetime64[D]")
    values[mask] = np.datetime64("NaT")
    if fam == "pyarrow":
        import pyarrow as pa

        return pa.array(values.astype(np.int32), type=pa.int32(), mask=mask).cast(pa.date32())
    if fam == "polars":
        import polars as pl

        return pl.Series(values).cast(pl.Date)
    return values


def _values(col: Any) -> list[Any]:
    """A column as a list of Python values (strings, ints, None); the plots read labels so."""
    fam = _frames.family(col)
    if fam == "pandas":
        return [None if v is None or v != v else v for v in col.astype(object).tolist()]
    if fam in ("polars", "pyarrow"):
        return list(col.to_list() if fam == "polars" else col.to_pylist())
    return [None if v is None or v != v else v for v in np.asarray(col, dtype=object).tolist()]


def _label_order(col: Any) -> list[str] | None:
    """The category order of a categorical column, if it has one."""
    fam = _frames.family(col)
    if fam == "pandas" and hasattr(col, "cat"):
        return [str(c) for c in col.cat.categories]
    if fam == "polars":
        import polars as pl

        if isinstance(col.dtype, pl.Enum):
            return [str(c) for c in col.dtype.categories]
    if fam == "pyarrow":
        import pyarrow as pa

        t = col.type
        if pa.types.is_dictionary(t):
            chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
            if chunks:
                return [str(v) for v in chunks[0].dictionary.to_pylist()]
    return None


@overload
def stage_migration(
    before: TableT,
    after: FrameLike | ColumnLike,
    *,
    customer_id: ColumnOrName = "customer_id",
    label: str = "stage",
    labels: Sequence[str] | None = None,
    matrices: bool = True,
) -> StageMigration[TableT]: ...
@overload
def stage_migration(
    before: Mapping[str, Any],
    after: FrameLike | ColumnLike,
    *,
    customer_id: ColumnOrName = "customer_id",
    label: str = "stage",
    labels: Sequence[str] | None = None,
    matrices: bool = True,
) -> StageMigration[ArrayDict]: ...
@overload
def stage_migration(
    before: pl.LazyFrame,
    after: FrameLike | ColumnLike,
    *,
    customer_id: ColumnOrName = "customer_id",
    label: str = "stage",
    labels: Sequence[str] | None = None,
    matrices: bool = True,
) -> StageMigration[pl.DataFrame]: ...
@overload
def stage_migration(
    before: ColumnLike | OtherTable,
    after: FrameLike | ColumnLike,
    *,
    customer_id: ColumnOrName = "customer_id",
    label: str = "stage",
    labels: Sequence[str] | None = None,
    matrices: bool = True,
) -> StageMigration[Any]: ...
def stage_migration(
    before: Any,
    after: FrameLike | ColumnLike,
    *,
    customer_id: ColumnOrName = "customer_id",
    label: str = "stage",
    labels: Sequence[str] | None = None,
    matrices: bool = True,
) -> StageMigration[Any]:
    """Migration between two snapshots of a label: lifecycle stages, RFM tiers or segments.

    Customers are matched by ``customer_id`` (``customer_id=None``: by position, the inputs
    then being the label columns or tables of equal length); a customer present in only one
    snapshot moves from or to ``'(absent)'``.

    Args:
        before, after: tables (or dicts) with ``customer_id`` and the ``label`` column, or the
            label columns themselves with ``customer_id=None``.
        customer_id: id column name, or None to match by position.
        label: the label column (``'stage'``, ``'tier'``, ``'segment'``, …).
        labels: the label order; default: the category order of a categorical column, the
            lifecycle stage order for stages, else sorted.
        matrices: also return the dense ``counts`` and ``rates`` tables (label x label). They
            are limited to ``MAX_MATRIX_LABELS`` (4096) labels, beyond which a
            :class:`crmkit.ConfigError` is raised; with ``matrices=False`` only ``flows`` (the
            observed pairs) and ``moves`` are computed, for any number of labels.

    Returns:
        dict of tables in the family of ``before``: ``flows`` (from, to, count, rate: the
        non-empty transitions, rate = share of the ``from`` label), ``moves`` (customer_id,
        from, to, changed), ``counts`` and ``rates`` (one row per ``from`` label, one column per
        ``to`` label; only with ``matrices``), and ``labels``.

    Examples:
        >>> import pandas as pd, crmkit
        >>> q1 = pd.DataFrame({"customer_id": [1, 2, 3], "tier": ["high value", "potential", "potential"]})
        >>> q2 = pd.DataFrame({"customer_id": [1, 2, 3], "tier": ["high value", "high value", "churn risk"]})
        >>> crmkit.stage_migration(q1, q2, label="tier")["flows"]
                 from          to  count  rate
        0  high value  high value      1   1.0
        1   potential  churn risk      1   0.5
        2   potential  high value      1   0.5
    """
    fam = _frames.family(before)
    if customer_id is None:
        b_col = before if _is_column(before) else _frames.column(before, label, label)
        a_col = after if _is_column(after) else _frames.column(after, label, label)
        b_ids = a_ids = None
    else:
        b_col = _frames.column(before, label, label)
        a_col = _frames.column(after, label, label)
        b_ids = _frames.column(before, customer_id, "before.customer_id")
        a_ids = _frames.column(after, customer_id, "after.customer_id")
    out = _crmkit.snapshot_migration(
        _label_input(b_col, f"before.{label}"),
        _label_input(a_col, f"after.{label}"),
        before_ids=None if b_ids is None else _frames.ids(b_ids, "before.customer_id"),
        after_ids=None if a_ids is None else _frames.ids(a_ids, "after.customer_id"),
        label=label,
        labels=None if labels is None else [str(x) for x in labels],
        categories=_label_order(b_col),
        matrices=matrices,
        gather_ids=b_ids is not None,
    )
    order: list[str] = out["labels"]
    flows = _frames.frame(
        {
            "from": _strings(out["flow_from"], order, fam),
            "to": _strings(out["flow_to"], order, fam),
            "count": out["flow_count"].astype(np.int64),
            "rate": out["flow_rate"],
        },
        fam,
    )
    if b_ids is None or a_ids is None:
        ids = np.arange(len(out["from"]), dtype=np.int64)
    else:
        ids = output_ids([b_ids, a_ids], out["customer_id"], out["customer_row"].astype(np.int64), fam)
    moves = _frames.frame(
        {
            "customer_id": ids,
            "from": _strings(out["from"], order, fam),
            "to": _strings(out["to"], order, fam),
            "changed": out["from"] != out["to"],
        },
        fam,
    )
    result: dict[str, Any] = {"labels": order, "flows": flows, "moves": moves}  # counts, rates below
    if out["counts"] is not None:
        for key in ("counts", "rates"):
            matrix = out[key]
            cols: dict[str, Any] = {"from": objects(order, fam)}
            for j, name in enumerate(order):
                cols[name] = matrix[:, j].astype(np.int64) if key == "counts" else matrix[:, j]
            result[key] = _frames.frame(cols, fam)
    return cast("StageMigration[Any]", result)


def _label_input(col: Any, field: str) -> Any:
    """A label column as the compiled reader takes it: strings or integers (numpy or Arrow);
    other numpy types (floats, booleans) as their text, NaN being null."""
    plain = _frames._plain(col, field)
    if isinstance(plain, np.ndarray) and plain.dtype.kind not in "iuOUS":
        return np.asarray([None if v != v else str(v) for v in plain.tolist()], dtype=object)
    return plain


def _strings(codes: np.ndarray, names: Sequence[str], fam: str) -> Any:
    """A string column from codes into ``names``, in family ``fam``."""
    if fam == "polars":
        import polars as pl

        return pl.Series(list(names), dtype=pl.Utf8).gather(codes.astype(np.int64))
    if fam == "pyarrow":
        import pyarrow as pa

        return pa.array(list(names), type=pa.string()).take(pa.array(codes.astype(np.int64)))
    return np.asarray(list(names), dtype=object)[codes.astype(np.intp)]


@overload
def stage_metrics(
    stages: TableT,
    metrics: FrameLike | None = None,
    *,
    customer_id: str = "customer_id",
    stage: str = "stage",
    all_columns: bool = False,
) -> TableT: ...
@overload
def stage_metrics(
    stages: Mapping[str, Any],
    metrics: FrameLike | None = None,
    *,
    customer_id: str = "customer_id",
    stage: str = "stage",
    all_columns: bool = False,
) -> ArrayDict: ...
@overload
def stage_metrics(
    stages: pl.LazyFrame,
    metrics: FrameLike | None = None,
    *,
    customer_id: str = "customer_id",
    stage: str = "stage",
    all_columns: bool = False,
) -> pl.DataFrame: ...
@overload
def stage_metrics(
    stages: OtherTable,
    metrics: FrameLike | None = None,
    *,
    customer_id: str = "customer_id",
    stage: str = "stage",
    all_columns: bool = False,
) -> Any: ...
def stage_metrics(
    stages: Any,
    metrics: FrameLike | None = None,
    *,
    customer_id: str = "customer_id",
    stage: str = "stage",
    all_columns: bool = False,
) -> Any:
    """The per-stage report metrics: customers per stage and the mean of each metric.

    Every stage is reported, in stage order, also stages without customers. Without
    ``all_columns``, a stage reports only the metrics named for it (among the columns
    given): prospect — channel_cost, first_interaction_length, interest_tags, region_mix;
    onboarding — repurchase_rate, order_value_growth, satisfaction; retained —
    monthly_purchase_frequency, clv, nps, referrals; expansion — large_order_rate,
    cross_buy_rate, upgrade_rate; churn_warning — activity_drop, complaints, competitor_contact,
    win_back_response_rate; lost — win_back_response_rate; reactivated — repurchase_rate,
    order_value_growth. Per-customer metric values that are 0/1 give rates as means.

    Args:
        stages: a table with ``customer_id`` and ``stage`` (e.g. from :func:`lifecycle_stages`).
        metrics: a per-customer table with ``customer_id`` and numeric metric columns (null =
            not available), matched by id; None reports customer counts only.
        customer_id, stage: column names.
        all_columns: report every metric column for every stage.

    Returns:
        A long table in the family of ``stages``: ``stage``, ``customers``, ``metric``, ``n``
        (customers with a value), ``sum``, ``mean`` (null without values); a stage with no metric
        to report has one row with a null ``metric``.

    Examples:
        >>> import pandas as pd, crmkit
        >>> stages = pd.DataFrame({"customer_id": [1, 2, 3], "stage": ["onboarding", "onboarding", "expansion"]})
        >>> m = pd.DataFrame({"customer_id": [1, 2, 3], "repurchase_rate": [1.0, 0.0, 1.0], "cross_buy_rate": [None, None, 1.0]})
        >>> out = crmkit.stage_metrics(stages, m)
        >>> out[out["customers"] > 0]
                stage  customers           metric  n  sum  mean
        1  onboarding          2  repurchase_rate  2  1.0   0.5
        3   expansion          1   cross_buy_rate  1  1.0   1.0
    """
    fam = _frames.family(stages)
    ids = _frames.ids(_frames.column(stages, customer_id, "customer_id"), "customer_id")
    labels = _label_input(_frames.column(stages, stage, stage), stage)
    columns: dict[str, np.ndarray] = {}
    m_ids = None
    if metrics is not None:
        m_ids = _frames.ids(_frames.column(metrics, customer_id, "metrics.customer_id"), "metrics.customer_id")
        for name in columns_of(metrics):
            if name != customer_id:
                columns[name] = float_or_nan(_frames.column(metrics, name, name), name)
    groups = _crmkit.stage_metrics(labels, ids, columns, metrics_customer_id=m_ids, stage_field=stage, all_columns=all_columns)
    position = {name: i for i, name in enumerate(STAGES)}
    out: dict[str, list[Any]] = {k: [] for k in ("stage", "customers", "metric", "n", "sum", "mean")}
    for name, customers, summaries in groups:
        empty: list[tuple[Any, int, float, Any]] = [(None, 0, 0.0, None)]
        for metric, n, total, mean in summaries or empty:
            out["stage"].append(name)
            out["customers"].append(customers)
            out["metric"].append(metric)
            out["n"].append(n)
            out["sum"].append(total)
            out["mean"].append(np.nan if mean is None else mean)
    return _frames.frame(
        {
            "stage": categorical(np.asarray([position[s] for s in out["stage"]]), STAGES, fam),
            "customers": np.asarray(out["customers"], dtype=np.int64),
            "metric": objects(out["metric"], fam),
            "n": np.asarray(out["n"], dtype=np.int64),
            "sum": np.asarray(out["sum"], dtype=np.float64),
            "mean": nullable(np.asarray(out["mean"], dtype=np.float64), "float", fam),
        },
        fam,
    )


def _is_column(x: Any) -> bool:
    fam = _frames.family(x)
    if isinstance(x, np.ndarray) or isinstance(x, (list, tuple)):
        return True
    if fam == "pandas":
        import pandas as pd

        return isinstance(x, pd.Series)
    if fam == "polars":
        import polars as pl

        return isinstance(x, pl.Series)
    if fam == "pyarrow":
        import pyarrow as pa

        return isinstance(x, (pa.Array, pa.ChunkedArray))
    return False
