"""Churn: warning signals with reason codes, the 1–10 churn risk index, a logistic churn model
and the metrics to evaluate it, in the frame family you pass.

* :func:`churn_signals` / :func:`churn_reasons` measure the warning signals per
  customer from a transaction log and an interaction log, as of an observation date;
* :func:`churn_risk` turns measured signals into the index 1–10, an alert level and a suggested
  action (:class:`ChurnIndexOptions` configures it);
* :class:`LogisticRegression` fits a (penalised) logistic churn model by Newton / IRLS;
* :func:`evaluate` scores predicted probabilities (AUC, log loss, Brier, calibration, lift).

Missing values: a signal that could not be measured is null (pandas: NaN for floats, ``<NA>``
for flags and counts; polars / pyarrow: null; numpy dicts: NaN).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias, TypedDict, overload

import numpy as np
import numpy.typing as npt

from crmkit import _crmkit, _display, _frames
from crmkit._frames import output_ids, text_forms, texts
from crmkit._crmkit import ChurnIndexOptions, CrmkitWarning
from crmkit._estimator import Estimator
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

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "AlertLevelName",
    "ChurnIndexOptions",
    "ChurnSignalName",
    "ChurnSignalOptionsDict",
    "Evaluation",
    "InteractionKindName",
    "IntervalFallbackName",
    "LogisticRegression",
    "Matrix",
    "TopFraction",
    "churn_reasons",
    "churn_risk",
    "churn_signal_options",
    "churn_signals",
    "evaluate",
]

SIGNALS = (
    "activity_drop",
    "purchase_gap_ratio",
    "order_value_change",
    "negative_feedback",
    "competitor_contact",
    "service_silence",
    "nps_detractor",
)
_FLAGS = ("competitor_contact", "service_silence", "nps_detractor")
_OVERRIDES = SIGNALS[:6] + ("key_customer", "latest_nps")

#: A churn warning signal, also the reason code of a fired rule (the names the core defines).
ChurnSignalName = Literal[
    "activity_drop",
    "purchase_gap",
    "order_value_decline",
    "negative_feedback",
    "competitor_contact",
    "service_silence",
    "nps_detractor",
]

#: The kind of an interaction in the ``kind`` column of an interaction log.
InteractionKindName = Literal[
    "visit",
    "login",
    "consultation",
    "ticket",
    "complaint",
    "review",
    "bad_review",
    "campaign_response",
    "inbound",
    "outreach",
    "outreach_answered",
    "competitor_contact",
]

#: The alert level of the churn risk index.
AlertLevelName = Literal["green", "yellow", "red"]

#: Where the typical inter-purchase interval of a customer with fewer than two purchase days
#: comes from (``{"fixed": {"days": 30.0}}`` gives a fixed interval).
IntervalFallbackName = Literal["population_mean", "none"]


class ChurnSignalOptionsDict(TypedDict, total=False):
    """The churn signal options (:func:`churn_signal_options` gives them all, with defaults);
    any subset may be passed as ``options=``."""

    activity_window_days: int
    baseline_days: int
    min_baseline_days: int
    activity_drop_threshold: float
    purchase_gap_multiple: float
    interval_fallback: IntervalFallbackName | Mapping[Literal["fixed"], Mapping[Literal["days"], float]]
    order_value_period_days: int
    order_value_change_threshold: float
    feedback_window_days: int
    negative_feedback_min_count: int
    competitor_window_days: int
    silence_days: int
    nps_detractor_max: int
    after_as_of: AfterAsOf
    negative_amounts: NegativeAmounts


#: The features of :class:`LogisticRegression`: a 2-D array (anything numpy reads as one), a
#: table of numeric columns or a dict of columns.
Matrix: TypeAlias = "npt.ArrayLike | FrameLike"


class TopFraction(TypedDict):
    """The lift numbers of the top fraction of customers by predicted probability."""

    fraction: float
    selected: float
    positives_selected: float
    response_rate: float
    base_rate: float
    lift: float
    capture_rate: float


class Evaluation(TypedDict):
    """What :func:`evaluate` returns (a dict, typed). ``calibration`` is a table of the family
    of ``y`` (a dict of numpy arrays for numpy / list input)."""

    n: int
    auc: float
    log_loss: float
    brier_score: float
    lift: float
    capture_rate: float
    top: TopFraction
    calibration: Any

# ---------------------------------------------------------------------------------------------
# column helpers shared with crmkit.lifecycle


def _is_empty(col: Any) -> bool:
    return len(col) == 0


def float_or_nan(col: Any, field: str) -> np.ndarray:
    """A per-customer numeric / boolean column as float64 with NaN for null (a copy at most)."""
    fam = _frames.family(col)
    try:
        if fam == "pandas":
            return np.asarray(col.to_numpy(dtype="float64", na_value=np.nan), dtype=np.float64)
        if fam == "polars":
            import polars as pl

            return np.asarray(col.cast(pl.Float64).to_numpy(), dtype=np.float64)
        if fam == "pyarrow":
            import pyarrow as pa

            return np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        return np.asarray(col, dtype=np.float64)
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise _frames._error(_crmkit.ConfigError, f"invalid `{field}`: expected numbers or booleans", field) from exc
    except Exception as exc:  # polars / pyarrow cast errors
        raise _frames._error(_crmkit.ConfigError, f"invalid `{field}`: expected numbers or booleans", field) from exc


def columns_of(data: Any) -> list[str]:
    """Column names of a frame or dict."""
    if isinstance(data, Mapping):
        return [str(k) for k in data.keys()]
    fam = _frames.family(data)
    if fam == "pyarrow":
        return list(data.column_names)
    return [str(c) for c in getattr(data, "columns", [])]


def nullable(values: np.ndarray, kind: str, fam: str) -> Any:
    """A column from float64 values with NaN = null: kind 'float', 'int' or 'bool'."""
    mask = np.isnan(values)
    if fam == "numpy" or (fam == "pandas" and kind == "float"):
        return values
    if fam == "pandas":
        import pandas as pd

        if kind == "int":
            return pd.arrays.IntegerArray(np.where(mask, 0, values).astype(np.int64), mask)
        return pd.arrays.BooleanArray(values == 1.0, mask)
    if fam == "polars":
        import polars as pl

        s = pl.Series(values).fill_nan(None)
        return s.cast(pl.Int64) if kind == "int" else s.cast(pl.Boolean) if kind == "bool" else s
    import pyarrow as pa

    if kind == "bool":
        return pa.array(values == 1.0, mask=mask)
    if kind == "int":
        return pa.array(np.where(mask, 0, values).astype(np.int64), mask=mask)
    return pa.array(values, mask=mask)


def categorical(codes: np.ndarray, names: Sequence[str], fam: str) -> Any:
    """A categorical column from integer codes into ``names`` (negative code = null)."""
    codes = np.asarray(codes, dtype=np.int64)
    if fam == "pandas":
        import pandas as pd

        return pd.Categorical.from_codes(codes, categories=list(names))
    if fam == "polars":
        import polars as pl

        return pl.Series([names[c] if c >= 0 else None for c in codes], dtype=pl.Enum(list(names)))
    if fam == "pyarrow":
        import pyarrow as pa

        return pa.DictionaryArray.from_arrays(
            pa.array(codes.astype(np.int32), mask=codes < 0), pa.array(list(names), type=pa.string())
        )
    table = np.asarray([*names, None], dtype=object)
    return table[np.where(codes < 0, len(names), codes)]


def objects(values: Sequence[Any], fam: str, list_type: bool = False) -> Any:
    """A column of Python strings (or lists of strings) in family ``fam``."""
    if fam == "polars":
        import polars as pl

        return pl.Series(list(values), dtype=pl.List(pl.Utf8) if list_type else pl.Utf8)
    if fam == "pyarrow":
        import pyarrow as pa

        return pa.array(list(values), type=pa.list_(pa.string()) if list_type else pa.string())
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def as_json(value: Any, field: str) -> str | None:
    """Options given as None, a JSON string or a dict, as JSON text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return json.dumps(value)
    raise _frames._error(_crmkit.ConfigError, f"invalid `{field}`: expected a dict or a JSON string", field)


# ---------------------------------------------------------------------------------------------
# warning signals


def churn_signal_options(**changes: Any) -> ChurnSignalOptionsDict:
    """The churn signal options (documented defaults), with ``changes`` applied and checked.

    Returns:
        dict: the complete options, ready to pass as ``options=`` to :func:`churn_signals`.

    Examples:
        >>> import crmkit
        >>> o = crmkit.churn_signal_options(silence_days=30)
        >>> (o["silence_days"], o["activity_window_days"], o["interval_fallback"])
        (30, 30, 'population_mean')
    """
    base = json.loads(_crmkit.default_churn_signal_options())
    base.update(changes)
    checked: ChurnSignalOptionsDict = json.loads(_crmkit.check_churn_signal_options(json.dumps(base)))
    return checked


def _signals_raw(
    transactions: Any,
    interactions: Any,
    as_of: Any,
    customer_id: Any,
    timestamp: Any,
    amount: Any,
    kind: Any,
    interaction_timestamp: Any,
    overrides: Any,
    options: ChurnSignalOptionsDict | str | None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
    assess: str | None = None,
    reason_rules: bool = False,
) -> tuple[dict[str, Any], str]:
    """The extension's churn signals: its dict, with ``customer_id`` the result's id column
    (in the input's own type) and the text columns in the form :func:`text_forms` gives for
    the result's family, and that family."""
    tx_ids = _frames.column(transactions, customer_id, "customer_id")
    ts, ticks = _frames.times(_frames.column(transactions, timestamp, "timestamp"), "timestamp", tz)
    amounts = _frames.floats(_frames.column(transactions, amount, "amount"), "amount")
    parts = [tx_ids]
    fam = _frames.family(transactions if transactions is not None else tx_ids)
    strings, lists = text_forms(fam)
    kwargs: dict[str, Any] = {"ticks_per_day": ticks}
    if interactions is not None:
        ix_ids = _frames.column(interactions, customer_id, "interactions.customer_id")
        its, iticks = _frames.times(
            _frames.column(interactions, interaction_timestamp or timestamp, "interactions.timestamp"),
            "interactions.timestamp",
            tz,
        )
        kinds = _frames.column(interactions, kind, "kind")
        parts.append(ix_ids)
        kwargs.update(
            interaction_customer_id=_frames.ids(ix_ids, "interactions.customer_id"),
            interaction_timestamp=its,
            interaction_ticks_per_day=iticks,
            kind=_frames.ids(kinds, "kind"),
        )
    if overrides is not None:
        o_ids = _frames.column(overrides, customer_id, "overrides.customer_id")
        parts.append(o_ids)
        kwargs["attribute_customer_id"] = _frames.ids(o_ids, "overrides.customer_id")
        kwargs["attributes"] = {
            name: float_or_nan(_frames.column(overrides, name, name), name)
            for name in _OVERRIDES
            if name in columns_of(overrides)
        }
    out = _crmkit.churn_signals(
        _frames.ids(tx_ids, "customer_id"),
        ts,
        amounts,
        _frames.day_number(as_of, "as_of"),
        options=as_json(options, "options"),
        negative_amounts=negative_amounts,
        assess=assess,
        gather_ids=True,
        texts=strings,
        reason_lists=lists,
        reason_rules=reason_rules,
        **kwargs,
    )
    if out["warning"]:
        warnings.warn(f"crmkit: {out['warning']}", CrmkitWarning, stacklevel=3)
    out["customer_id"] = output_ids(parts, out["customer_id"], out["customer_row"], fam)
    return out, fam


@overload
def churn_signals(
    transactions: TableT,
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> TableT: ...
@overload
def churn_signals(
    transactions: Mapping[str, Any],
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> ArrayDict: ...
@overload
def churn_signals(
    transactions: pl.LazyFrame,
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> pl.DataFrame: ...
@overload
def churn_signals(
    transactions: OtherTable,
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> Any: ...
def churn_signals(
    transactions: Any,
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> Any:
    """The churn warning signals per customer, as of an observation date.

    Measured per customer (null when it cannot be measured):

    * ``activity_drop``: 1 − active days in the last 30 days / the customer's mean over the
      trailing 180-day baseline (purchases and customer interactions count as activity);
    * ``purchase_gap_ratio``: days since the last purchase / the typical inter-purchase interval
      (own mean gap, else the population mean);
    * ``order_value_change``: mean order value of the last 90 days / the 90 days before − 1;
    * ``negative_feedback``: complaints and bad reviews in the last 30 days;
    * ``competitor_contact``: a competitor contact in the last 30 days;
    * ``service_silence``: a key customer with no inbound contact for over 15 days whose outreach
      went unanswered (needs ``key_customer`` in ``overrides``);
    * ``nps_detractor``: the latest NPS answer is 0–6 (needs ``latest_nps`` in ``overrides``).

    ``reasons`` lists the codes of the rules that fired (activity_drop, purchase_gap,
    order_value_decline, negative_feedback, competitor_contact, service_silence,
    nps_detractor) and ``reason_details`` shows each with its measured value and threshold
    (:func:`churn_reasons` gives them in long form); ``purchase_gap_fires`` feeds
    :func:`crmkit.lifecycle_stages`. The result does not depend on the order of the rows.

    Args:
        transactions: the transaction log (pandas / polars / pyarrow table or dict of arrays).
        interactions: optional interaction log with ``customer_id``, timestamp and ``kind``
            (visit, login, consultation, ticket, complaint, review, bad_review,
            campaign_response, inbound, outreach, outreach_answered, competitor_contact).
        as_of: the observation date; rows after it are an error unless
            ``options={"after_as_of": "exclude"}``.
        customer_id, timestamp, amount, kind: column names (shared by both logs).
        tz: a time-zone name to count calendar days in (see :func:`crmkit.rfm_features`).
        interaction_timestamp: the interactions' time column name if it differs.
        overrides: optional per-customer table with ``customer_id`` and any of the signal
            columns ``activity_drop``, ``purchase_gap_ratio``, ``order_value_change``,
            ``negative_feedback``, ``competitor_contact``, ``service_silence`` (a value replaces
            the computed one; null keeps it), plus ``key_customer`` and ``latest_nps``.
        options: signal thresholds and windows as a dict or JSON (see
            :func:`churn_signal_options`).
        negative_amounts: ``'error'`` (default) or ``'net'``: negative amounts are refunds,
            netted against the mean order value of their period but never purchases, purchase
            days or activity (counted in a :class:`CrmkitWarning`). None keeps the value in
            ``options``.

    Returns:
        A table of the transactions' family, one row per customer (of any of the inputs) in
        ascending id order.

    Raises:
        crmkit.CrmkitError: a subclass naming the field, row and value of bad input.

    Examples:
        >>> import pandas as pd, crmkit
        >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2],
        ...                    "timestamp": pd.to_datetime(["2024-01-10", "2024-02-10", "2024-03-10", "2024-06-01"]),
        ...                    "amount": [50.0, 50.0, 20.0, 30.0]})
        >>> ix = pd.DataFrame({"customer_id": [2, 2], "timestamp": pd.to_datetime(["2024-06-20", "2024-06-25"]),
        ...                    "kind": ["complaint", "competitor_contact"]})
        >>> s = crmkit.churn_signals(tx, ix, as_of="2024-06-30")
        >>> s[["customer_id", "purchase_gap_ratio", "negative_feedback", "competitor_contact"]]
           customer_id  purchase_gap_ratio  negative_feedback  competitor_contact
        0            1            3.733333                0.0               False
        1            2            0.966667                1.0                True
        >>> s["reasons"].tolist()
        [['activity_drop', 'purchase_gap'], ['negative_feedback', 'competitor_contact']]
        >>> s["reason_details"][0]
        'activity_drop 1 >= 0.3; purchase_gap 3.733 > 1.5x interval'
    """
    out, fam = _signals_raw(
        transactions,
        interactions,
        as_of,
        customer_id,
        timestamp,
        amount,
        kind,
        interaction_timestamp,
        overrides,
        options,
        negative_amounts,
        tz,
    )
    # Reason codes, their readable rules and the purchase-gap flag come from the core.
    cols: dict[str, Any] = {"customer_id": out["customer_id"]}
    for name in SIGNALS:
        cols[name] = nullable(out[name], "bool" if name in _FLAGS else "float", fam)
    cols["reasons"] = texts(out["reasons"], fam)
    cols["reason_details"] = texts(out["reason_details"], fam)
    cols["purchase_gap_fires"] = nullable(out["purchase_gap_fires"], "bool", fam)
    cols["active_days_current"] = out["active_days_current"].astype(np.int64)
    cols["baseline_active_days"] = nullable(out["baseline_active_days"], "float", fam)
    cols["purchase_days"] = out["purchase_days"].astype(np.int64)
    cols["days_since_last_purchase"] = nullable(out["days_since_last_purchase"], "int", fam)
    cols["typical_interval_days"] = nullable(out["typical_interval_days"], "float", fam)
    cols["interval_source"] = _frames.categorical(out["interval_source"], out["interval_sources"], fam)
    cols["order_value_last_period"] = nullable(out["order_value_last_period"], "float", fam)
    cols["order_value_previous_period"] = nullable(out["order_value_previous_period"], "float", fam)
    cols["days_since_inbound_contact"] = nullable(out["days_since_inbound_contact"], "int", fam)
    # every column is new (the extension's arrays, or built here from them)
    return _frames.frame(cols, fam, fresh=True)


@overload
def churn_reasons(
    transactions: TableT,
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> TableT: ...
@overload
def churn_reasons(
    transactions: Mapping[str, Any],
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> ArrayDict: ...
@overload
def churn_reasons(
    transactions: pl.LazyFrame,
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> pl.DataFrame: ...
@overload
def churn_reasons(
    transactions: OtherTable,
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> Any: ...
def churn_reasons(
    transactions: Any,
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> Any:
    """The fired churn warning rules in long form: one row per customer and reason.

    Takes the arguments of :func:`churn_signals`. Columns: ``customer_id``, ``reason`` (the
    code), ``value`` (the measured value), ``threshold`` and ``rule`` (readable). Values and
    thresholds: activity drop (drop ≥ threshold), purchase gap (days since last purchase /
    interval > multiple), order value decline (change ≤ threshold), negative feedback (count ≥
    minimum), NPS detractor (answer ≤ maximum), competitor contact and service silence (1, 1).

    Examples:
        >>> import pandas as pd, crmkit
        >>> tx = pd.DataFrame({"customer_id": [1, 1, 1], "amount": [50.0, 50.0, 20.0],
        ...                    "timestamp": pd.to_datetime(["2024-01-10", "2024-02-10", "2024-03-10"])})
        >>> crmkit.churn_reasons(tx, as_of="2024-06-30")[["customer_id", "reason", "value", "threshold"]]
           customer_id         reason     value  threshold
        0            1  activity_drop  1.000000        0.3
        1            1   purchase_gap  3.733333        1.5
    """
    out, fam = _signals_raw(
        transactions,
        interactions,
        as_of,
        customer_id,
        timestamp,
        amount,
        kind,
        interaction_timestamp,
        overrides,
        options,
        negative_amounts,
        tz,
        reason_rules=True,
    )
    names = np.asarray(out["signal_names"], dtype=object)
    values, thresholds = out["reason_value"], out["reason_threshold"]
    return _frames.frame(
        {
            "customer_id": _frames.take(out["customer_id"], out["reason_customer"].astype(np.int64)),
            "reason": objects(names[out["reason_code"].astype(np.int64)].tolist(), fam),
            "value": values,
            "threshold": thresholds,
            "rule": texts(out["reason_rule"], fam),
        },
        fam,
    )


@overload
def churn_story(
    transactions: TableT,
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    index_options: ChurnIndexOptions | Mapping[str, Any] | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> TableT: ...
@overload
def churn_story(
    transactions: Mapping[str, Any],
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    index_options: ChurnIndexOptions | Mapping[str, Any] | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> ArrayDict: ...
@overload
def churn_story(
    transactions: pl.LazyFrame,
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    index_options: ChurnIndexOptions | Mapping[str, Any] | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> pl.DataFrame: ...
@overload
def churn_story(
    transactions: OtherTable,
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    index_options: ChurnIndexOptions | Mapping[str, Any] | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> Any: ...
def churn_story(
    transactions: Any,
    interactions: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName | None = "amount",
    kind: ColumnOrName = "kind",
    interaction_timestamp: ColumnOrName | None = None,
    overrides: FrameLike | None = None,
    options: ChurnSignalOptionsDict | str | None = None,
    index_options: ChurnIndexOptions | Mapping[str, Any] | str | None = None,
    negative_amounts: NegativeAmounts | None = None,
    tz: str | None = None,
) -> Any:
    """One churn story per customer: index, alert, lifecycle stage and action that agree.

    Computes, in the core and from the one log, the warning signals (:func:`churn_signals`),
    the churn risk index (1 when no signal can be measured), the lifecycle stage under the
    default rules (with the index and the purchase-gap rule as inputs, the first contact taken
    as the first purchase), and the alert: the index's alert raised to the stage's floor —
    yellow for ``churn_warning`` and ``lost``, so such a customer is never green. The action is
    the index playbook's at that alert (docs/churn.md, "How index, alert, stage and playbook
    relate").

    Args:
        transactions, interactions, as_of, customer_id, timestamp, amount, kind,
            interaction_timestamp, overrides, options, negative_amounts, tz: as for
            :func:`churn_signals`.
        index_options: a :class:`ChurnIndexOptions`, a dict or JSON (over the defaults), or None.

    Returns:
        A table of the transactions' family, one row per customer in ascending id order:
        ``customer_id``, ``churn_index``, ``index_alert`` (the index alone), ``stage``,
        ``alert`` and ``action`` (null when no rule matches).

    Examples:
        >>> import pandas as pd, crmkit
        >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 2],
        ...                    "timestamp": pd.to_datetime(["2023-01-01", "2023-01-11", "2024-06-01", "2024-06-20"]),
        ...                    "amount": [10.0, 10.0, 30.0, 30.0]})
        >>> crmkit.churn_story(tx, as_of="2024-06-30")
           customer_id  churn_index index_alert       stage  alert              action
        0            1           10         red        lost    red  personal_call_back
        1            2            1       green  onboarding  green                 NaN
    """
    opts = _index_options(index_options)
    out, fam = _signals_raw(
        transactions,
        interactions,
        as_of,
        customer_id,
        timestamp,
        amount,
        kind,
        interaction_timestamp,
        overrides,
        options,
        negative_amounts,
        tz,
        assess=opts.to_json(),
    )
    alerts = list(out["story_alerts"])
    return _frames.frame(
        {
            "customer_id": out["customer_id"],
            "churn_index": out["story_index"].astype(np.int64),
            "index_alert": categorical(out["story_index_alert"].astype(np.int64), alerts, fam),
            "stage": categorical(out["story_stage"].astype(np.int64), list(out["story_stages"]), fam),
            "alert": categorical(out["story_alert"].astype(np.int64), alerts, fam),
            "action": objects(out["story_action"], fam),
        },
        fam,
    )


# ---------------------------------------------------------------------------------------------
# risk index


def _index_options(options: Any) -> ChurnIndexOptions:
    if options is None:
        return ChurnIndexOptions()
    if isinstance(options, ChurnIndexOptions):
        return options
    return ChurnIndexOptions.from_json(as_json(options, "options") or "{}")


@overload
def churn_risk(
    signals: TableT,
    options: ChurnIndexOptions | Mapping[str, Any] | str | None = None,
    *,
    customer_id: ColumnOrName = "customer_id",
) -> TableT: ...
@overload
def churn_risk(
    signals: Mapping[str, Any],
    options: ChurnIndexOptions | Mapping[str, Any] | str | None = None,
    *,
    customer_id: ColumnOrName = "customer_id",
) -> ArrayDict: ...
@overload
def churn_risk(
    signals: pl.LazyFrame,
    options: ChurnIndexOptions | Mapping[str, Any] | str | None = None,
    *,
    customer_id: ColumnOrName = "customer_id",
) -> pl.DataFrame: ...
@overload
def churn_risk(
    signals: OtherTable,
    options: ChurnIndexOptions | Mapping[str, Any] | str | None = None,
    *,
    customer_id: ColumnOrName = "customer_id",
) -> Any: ...
def churn_risk(
    signals: Any,
    options: ChurnIndexOptions | Mapping[str, Any] | str | None = None,
    *,
    customer_id: ColumnOrName = "customer_id",
) -> Any:
    """The churn risk index 1–10, the alert level and the suggested action.

    index = 1 + round(9 · Σ wᵢ·sᵢ / Σ wᵢ) over the signals present, where sᵢ ∈ [0, 1] is the
    strength of signal i (a linear ramp of its measured value) and wᵢ its weight; missing
    signals drop out and the weights renormalise. Defaults: activity drop 0.40, order
    value decline 0.30, negative feedback 0.15 (full at 2), competitor contact 0.15; red from 8,
    yellow from 5.

    Args:
        signals: a table (e.g. from :func:`churn_signals`) or dict with any of the columns
            activity_drop, purchase_gap_ratio, order_value_change, negative_feedback,
            competitor_contact, service_silence, nps_detractor (null = not measured); other
            columns are ignored, ``customer_id`` is carried over.
        options: a :class:`ChurnIndexOptions`, a dict or JSON (over the defaults), or None.
        customer_id: the id column to carry over, if present.

    Returns:
        A table of the same family: ``churn_index`` (null when no weighted signal is present),
        ``weighted_strength``, ``alert`` (green / yellow / red) and ``action``.

    Examples:
        Worked examples (docs/churn.md):

        >>> import pandas as pd, crmkit
        >>> signals = pd.DataFrame({"customer_id": ["a", "b"], "activity_drop": [0.8, 0.9],
        ...                         "order_value_change": [-0.4, -0.6], "negative_feedback": [2, 0],
        ...                         "competitor_contact": [True, False]})
        >>> crmkit.churn_risk(signals)[["customer_id", "churn_index", "alert", "action"]]
          customer_id  churn_index   alert                                   action
        0           a            8     red  personal_call_back_with_exclusive_offer
        1           b            6  yellow                new_product_trial_voucher
    """
    opts = _index_options(options)
    fam = _frames.family(signals)
    present = columns_of(signals)
    n: int | None = None
    given: dict[str, np.ndarray] = {}
    for name in SIGNALS:
        if name in present:
            given[name] = float_or_nan(_frames.column(signals, name, name), name)
            n = len(given[name])
    ids = _frames.column(signals, customer_id, "customer_id") if isinstance(customer_id, str) and customer_id in present else None
    if n is None:
        if ids is None:
            raise _frames._error(
                _crmkit.ConfigError,
                f"invalid `signals`: no signal column (expected any of {', '.join(SIGNALS)})",
                "signals",
            )
        n = len(ids)
    out = opts.score(given, n)
    cols: dict[str, Any] = {}
    if ids is not None:
        cols["customer_id"] = ids
    index = out["index"].astype(np.float64)
    index[index == 0] = np.nan
    cols["churn_index"] = nullable(index, "int", fam)
    cols["weighted_strength"] = nullable(out["weighted_strength"], "float", fam)
    alert = out["alert"].astype(np.int64)
    alert[alert == 255] = -1
    cols["alert"] = categorical(alert, out["alerts"], fam)
    # code -1 (no action) picks the trailing None
    actions = np.asarray([*out["actions"], None], dtype=object)
    cols["action"] = objects(actions[out["action"].astype(np.int64)].tolist(), fam)
    return _frames.frame(cols, fam)


# ---------------------------------------------------------------------------------------------
# logistic regression


def _matrix(X: Any) -> tuple[npt.NDArray[np.float64], list[str] | None]:
    """A float64 2-D numpy matrix (a view where possible) and the column names of a frame."""
    fam = _frames.family(X)
    if isinstance(X, np.ndarray):
        arr = X if X.dtype == np.float64 else X.astype(np.float64)
        names = None
    elif fam == "pandas":
        names = [str(c) for c in X.columns]
        arr = X.to_numpy(dtype=np.float64, na_value=np.nan)
    elif fam == "polars":
        import polars as pl

        names = list(X.columns)
        arr = X.cast(pl.Float64).to_numpy()
    elif fam == "pyarrow" or isinstance(X, Mapping):
        names = columns_of(X)
        arr = np.column_stack([float_or_nan(_frames.column(X, c, c), c) for c in names]) if names else np.empty((0, 0))
    else:
        arr = np.asarray(X, dtype=np.float64)
        names = None
    if arr.ndim != 2:
        raise _frames._error(_crmkit.ConfigError, f"invalid `X`: expected a 2-D matrix, got {arr.ndim} dimensions", "X")
    return arr, names


def _named(exc: _crmkit.CrmkitError, names: list[str] | None) -> _crmkit.CrmkitError:
    """The error with the column name of ``x[, j]`` fields spelled out."""
    field = getattr(exc, "field", None)
    if names and isinstance(field, str) and field.startswith("x[, "):
        j = int(field[4:-1])
        new = type(exc)(f"{exc} (column {names[j]!r})")
        new.field = names[j]
        new.row = exc.row
        return new
    return exc


class LogisticRegression(Estimator):
    """Logistic regression of a 0/1 outcome (e.g. churned within 30 days), scikit-learn style.

    Fitted by Newton's method (IRLS) to full precision. Unpenalised (the default), the
    coefficients are the maximum likelihood estimates (statsmodels ``Logit``) with standard
    errors and p-values; with ``C`` (scikit-learn's inverse penalty) or ``l2_penalty`` (λ = 1/C)
    the objective is Σ wᵢ·loss + (λ/2)·‖β‖², intercept unpenalised, the optimum of
    scikit-learn's ``LogisticRegression(C=C)``. Perfect or quasi-complete separation, constant
    or collinear columns and a single class raise :class:`crmkit.NumericalError` /
    :class:`crmkit.InvalidValueError` (use a penalty); coefficients are never NaN.

    Args:
        C: inverse L2 penalty (> 0), like scikit-learn. Mutually exclusive with ``l2_penalty``.
        l2_penalty: λ ≥ 0 (0 = unpenalised).
        fit_intercept: fit an (unpenalised) intercept.
        standardize: standardise features before fitting (coefficients are reported on the
            original scale; penalised, the penalty then applies to standardised coefficients).
        max_iter, tol: Newton iterations and convergence tolerance.

    Examples:
        >>> import numpy as np, crmkit
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
        >>> y = np.array([0, 0, 1, 0, 1, 1])
        >>> model = crmkit.LogisticRegression().fit(X, y)
        >>> model.coef_.round(4), model.intercept_.round(4)
        (array([[1.214]]), array([-3.0351]))
        >>> model.predict_proba(X)[:, 1].round(3)
        array([0.046, 0.139, 0.353, 0.647, 0.861, 0.954])
        >>> crmkit.LogisticRegression(C=1.0).fit(X, y).coef_.round(4)
        array([[0.7671]])
    """

    def __init__(
        self,
        C: float | None = None,
        *,
        l2_penalty: float | None = None,
        fit_intercept: bool = True,
        standardize: bool = False,
        max_iter: int = 100,
        tol: float = 1e-10,
    ) -> None:
        self.C = C
        self.l2_penalty = l2_penalty
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.max_iter = max_iter
        self.tol = tol

    _estimator_type: ClassVar[str | None] = "classifier"
    _requires_y: ClassVar[bool] = True

    def _penalty(self) -> float:
        if self.C is not None and self.l2_penalty is not None:
            raise _frames._error(_crmkit.ConfigError, "invalid `C`: give C or l2_penalty, not both", "C")
        if self.C is not None:
            c = float(self.C)
            if not (math.isfinite(c) and c > 0):
                raise _frames._error(_crmkit.ConfigError, f"invalid `C`: {self.C!r} (must be finite and > 0)", "C")
            return 1.0 / c
        return 0.0 if self.l2_penalty is None else float(self.l2_penalty)

    def fit(self, X: Matrix, y: ColumnLike, sample_weight: ColumnLike | None = None) -> LogisticRegression:
        """Fits the model.

        Args:
            X: n × p features: a 2-D numpy array (C or F order, borrowed as it is when
                float64), a pandas / polars / pyarrow table or a dict of columns (their names
                label the summary).
            y: n outcomes, 0 or 1.
            sample_weight: optional n non-negative weights (frequency weights).

        Returns:
            self
        """
        arr, names = _matrix(X)
        fam = _frames.family(X)
        yv = float_or_nan(y, "y")
        w = None if sample_weight is None else float_or_nan(sample_weight, "sample_weight")
        try:
            fit = _crmkit.LogisticFit.fit(
                arr,
                yv,
                w,
                l2_penalty=self._penalty(),
                fit_intercept=self.fit_intercept,
                standardize=self.standardize,
                max_iter=self.max_iter,
                tol=self.tol,
            )
        except _crmkit.CrmkitError as exc:
            raise _named(exc, names) from None
        for message in fit.warnings:
            warnings.warn(f"crmkit: {message}", CrmkitWarning, stacklevel=2)
        self._fit = fit
        self._family = fam
        self.n_features_in_ = arr.shape[1]
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        self.classes_ = np.array([0, 1])
        self.coef_ = fit.coefficients.reshape(1, -1)
        self.intercept_ = np.array([fit.intercept])
        self.n_iter_ = np.array([fit.iterations])
        return self

    def _fitted(self) -> _crmkit.LogisticFit:
        fit: _crmkit.LogisticFit | None = getattr(self, "_fit", None)
        if fit is None:
            raise _frames._error(_crmkit.ConfigError, "invalid `LogisticRegression`: not fitted (call fit first)", "LogisticRegression")
        return fit

    def _predict_matrix(self, X: Matrix) -> tuple[np.ndarray, list[str] | None]:
        arr, names = _matrix(X)
        fitted = getattr(self, "feature_names_in_", None)
        if names is not None and fitted is not None and list(names) != list(fitted):
            raise _frames._error(
                _crmkit.ConfigError,
                f"invalid `X`: columns {names} differ from those seen in fit {list(fitted)}",
                "X",
            )
        return arr, names

    def decision_function(self, X: Matrix) -> npt.NDArray[np.float64]:
        """The linear predictor β₀ + X·β per row."""
        arr, names = self._predict_matrix(X)
        try:
            return self._fitted().decision_function(arr)
        except _crmkit.CrmkitError as exc:
            raise _named(exc, names) from None

    def predict_proba(self, X: Matrix) -> npt.NDArray[np.float64]:
        """Probabilities of class 0 and class 1 per row (n × 2, like scikit-learn)."""
        arr, names = self._predict_matrix(X)
        try:
            p = self._fitted().predict_proba(arr)
        except _crmkit.CrmkitError as exc:
            raise _named(exc, names) from None
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Matrix, threshold: float = 0.5) -> npt.NDArray[np.int64]:
        """Predicted class (1 where the probability is at least ``threshold``)."""
        return (self.predict_proba(X)[:, 1] >= threshold).astype(np.int64)

    def score(self, X: Matrix, y: ColumnLike, sample_weight: ColumnLike | None = None) -> float:
        """Accuracy: the (weighted) share of rows whose predicted class equals ``y``.

        scikit-learn's default score for classifiers, used by ``cross_val_score`` and
        ``GridSearchCV`` without ``scoring``; pass ``scoring="roc_auc"`` or ``"neg_log_loss"``
        there for a probabilistic score.

        Examples:
            >>> import numpy as np, crmkit
            >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
            >>> y = np.array([0, 0, 1, 0, 1, 1])
            >>> round(crmkit.LogisticRegression().fit(X, y).score(X, y), 4)
            0.6667
        """
        right = (self.predict(X) == np.asarray(y)).astype(np.float64)
        if sample_weight is None:
            return float(right.mean())
        w = float_or_nan(sample_weight, "sample_weight")
        return float(np.sum(w * right) / np.sum(w))

    @property
    def log_likelihood_(self) -> float:
        """Weighted log-likelihood at the optimum (penalty excluded)."""
        return float(self._fitted().log_likelihood)

    def summary(self) -> Any:
        """Coefficient table: ``term``, ``coef``, ``std_err``, ``z``, ``p_value``.

        Standard errors, z and p-values (normal approximation, two-sided) are given for
        unpenalised fits and null for penalised ones. The table is of the family of the ``X``
        the model was fitted on (a dict of numpy arrays for numpy input).

        Examples:
            >>> import pandas as pd, crmkit
            >>> X = pd.DataFrame({"tenure": [1.0, 2, 3, 4, 5, 6, 7, 8], "tickets": [3.0, 1, 2, 0, 2, 0, 1, 0]})
            >>> y = [1, 1, 0, 1, 0, 0, 1, 0]
            >>> crmkit.LogisticRegression().fit(X, y).summary().round(3)
                    term   coef  std_err      z  p_value
            0  intercept  3.501    3.232  1.083    0.279
            1     tenure -0.624    0.501 -1.244    0.213
            2    tickets -0.623    1.009 -0.618    0.537
        """
        fit = self._fitted()
        p = self.n_features_in_
        names = list(getattr(self, "feature_names_in_", [f"x{j}" for j in range(p)]))
        terms = (["intercept"] if fit.fit_intercept else []) + names
        coef = np.asarray(([fit.intercept] if fit.fit_intercept else []) + fit.coefficients.tolist())
        nan = np.full(len(terms), np.nan)
        se = np.asarray(fit.std_errors) if fit.std_errors is not None else nan
        z = np.asarray(fit.z_values) if fit.z_values is not None else nan
        pv = np.asarray(fit.p_values) if fit.p_values is not None else nan
        fam = self._family
        return _frames.frame(
            {
                "term": objects(terms, fam),
                "coef": coef,
                "std_err": nullable(se, "float", fam),
                "z": nullable(z, "float", fam),
                "p_value": nullable(pv, "float", fam),
            },
            fam,
        )

    def to_json(self) -> str:
        """The parameters and the fit as JSON."""
        state = {
            "params": {
                "C": self.C,
                "l2_penalty": self.l2_penalty,
                "fit_intercept": self.fit_intercept,
                "standardize": self.standardize,
                "max_iter": self.max_iter,
                "tol": self.tol,
            },
            "fit": json.loads(self._fit.to_json()) if hasattr(self, "_fit") else None,
            "feature_names": list(self.feature_names_in_) if hasattr(self, "feature_names_in_") else None,
            "family": getattr(self, "_family", "numpy"),
        }
        return json.dumps(state)

    @classmethod
    def from_json(cls, text: str) -> LogisticRegression:
        """A model from :meth:`to_json` output.

        The text is validated as fully as a fit: invalid, truncated or wrong-shape JSON, unknown
        parameters and non-finite or inconsistent fitted values are a :class:`crmkit.ConfigError`.

        Examples:
            >>> import numpy as np, crmkit
            >>> m = crmkit.LogisticRegression(C=2.0).fit(np.array([[0.0], [1], [2], [3]]), [0, 1, 0, 1])
            >>> crmkit.LogisticRegression.from_json(m.to_json()).coef_ == m.coef_
            array([[ True]])
        """
        field = "LogisticRegression"
        state = _frames.json_object(text, field)

        def bad(what: str) -> Exception:
            return _frames._error(_crmkit.ConfigError, f"invalid `{field}` JSON: {what}", field)

        unknown = set(state) - {"params", "fit", "feature_names", "family"}
        if unknown or not isinstance(state.get("params"), dict) or "fit" not in state:
            raise bad("expected the keys params, fit, feature_names and family of to_json")
        try:
            model = cls(**state["params"])
            model._penalty()
            if not (isinstance(model.max_iter, int) and isinstance(model.tol, (int, float))):
                raise TypeError("max_iter and tol must be numbers")
        except TypeError as exc:
            raise bad(f"params: {_frames.shown(str(exc))}") from None
        if state["fit"] is not None:
            if not isinstance(state["fit"], dict):
                raise bad("fit must be an object or null")
            fit = _crmkit.LogisticFit.from_json(json.dumps(state["fit"]))
            family = state.get("family", "numpy")
            if family not in ("numpy", "pandas", "polars", "pyarrow"):
                raise bad(f"family {_frames.shown(family)}")
            names = state.get("feature_names")
            if names is not None and (
                not isinstance(names, list) or len(names) != len(fit.coefficients) or not all(isinstance(n, str) for n in names)
            ):
                raise bad("feature_names must be one name per coefficient")
            model._fit = fit
            model._family = family
            model.n_features_in_ = len(fit.coefficients)
            if names is not None:
                model.feature_names_in_ = np.asarray(names, dtype=object)
            model.classes_ = np.array([0, 1])
            model.coef_ = fit.coefficients.reshape(1, -1)
            model.intercept_ = np.array([fit.intercept])
            model.n_iter_ = np.array([fit.iterations])
        return model

    def _terms(self) -> list[list[Any]]:
        """Rows term, coef, std_err, z, p_value (NaN where not defined)."""
        fit = self._fitted()
        names = list(getattr(self, "feature_names_in_", [f"x{j}" for j in range(self.n_features_in_)]))
        terms = (["intercept"] if fit.fit_intercept else []) + [str(n) for n in names]
        coef = ([fit.intercept] if fit.fit_intercept else []) + fit.coefficients.tolist()
        k = len(terms)
        se = fit.std_errors or [math.nan] * k
        z = fit.z_values or [math.nan] * k
        pv = fit.p_values or [math.nan] * k
        return [[t, c, s, zz, p] for t, c, s, zz, p in zip(terms, coef, se, z, pv)]

    def _display_summary(self) -> _display.Summary:
        """Coefficients with standard errors, the fit's size and convergence."""
        if getattr(self, "_fit", None) is None:
            return _display.Summary(f"{self._call()} (not fitted)")
        fit = self._fitted()
        facts: list[tuple[str, Any]] = [
            ("observations", fit.n_observations),
            ("features", self.n_features_in_),
            ("log-likelihood", _display.fmt(fit.log_likelihood, 8)),
            ("converged", f"yes, {fit.iterations} Newton iterations"),
        ]
        if fit.l2_penalty:
            facts.append(("L2 penalty λ", fit.l2_penalty))
        for message in fit.warnings:
            facts.append(("warning", message))
        note = "" if fit.std_errors is not None else "Penalised fit: no standard errors, z or p-values."
        return _display.Summary(
            f"{self._call()}, fitted",
            facts,
            [("", ["term", "coef", "std_err", "z", "p_value"], self._terms())],
            note,
        )

    def _repr_html_(self) -> str:
        return _display.to_html(self._display_summary())

    def __str__(self) -> str:
        return _display.to_text(self._display_summary())

    def _call(self) -> str:
        args = [f"C={self.C!r}"] if self.C is not None else []
        if self.l2_penalty is not None:
            args.append(f"l2_penalty={self.l2_penalty!r}")
        if self.standardize:
            args.append("standardize=True")
        if not self.fit_intercept:
            args.append("fit_intercept=False")
        return f"LogisticRegression({', '.join(args)})"

    def __repr__(self) -> str:
        """The constructor call; when fitted, the coefficients (± standard error) and the size too."""
        if getattr(self, "_fit", None) is None:
            return self._call()
        fit = self._fitted()
        terms = self._terms()
        shown = _display.short([(t[0], t[1], t[2]) for t in terms[:6]]) + (", …" if len(terms) > 6 else "")
        return f"{self._call()} fitted on {fit.n_observations:,} rows: {shown}; log-likelihood {_display.fmt(fit.log_likelihood, 8)}"


# ---------------------------------------------------------------------------------------------
# evaluation


def evaluate(y: ColumnLike, p: ColumnLike, *, n_bins: int = 10, top_fraction: float = 0.1) -> Evaluation:
    """Scores predicted churn probabilities against observed outcomes.

    Args:
        y: observed outcomes, 0 or 1 (array or column).
        p: predicted probabilities in [0, 1].
        n_bins: calibration bins by predicted-probability quantile (10 = deciles).
        top_fraction: the share of customers targeted for lift and capture (0.1 = top decile).

    Returns:
        dict: ``n``, ``auc`` (ROC AUC, ties count half), ``log_loss`` (probabilities clipped to
        [1e-15, 1 − 1e-15]), ``brier_score``, ``lift`` and ``capture_rate`` in the top fraction
        (ties at the cut shared), ``top`` (the full top-fraction numbers) and ``calibration``
        (a table of the family of ``y``: bin, n, mean_predicted, observed_rate, min_predicted,
        max_predicted).

    Examples:
        >>> import crmkit
        >>> r = crmkit.evaluate([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.4, 0.4], n_bins=2)
        >>> round(r["auc"], 4), round(r["brier_score"], 4), r["lift"]
        (0.6667, 0.1921, 2.0)
        >>> r["calibration"]["observed_rate"]
        array([0.5, 0.5])
    """
    out = _crmkit.classification_report(float_or_nan(y, "y"), float_or_nan(p, "predicted"), n_bins, top_fraction)
    fam = _frames.family(y)
    top: TopFraction = out["top"]
    return {
        "n": out["n"],
        "auc": out["auc"],
        "log_loss": out["log_loss"],
        "brier_score": out["brier_score"],
        "lift": top["lift"],
        "capture_rate": top["capture_rate"],
        "top": top,
        "calibration": _frames.frame(dict(out["calibration"]), fam),
    }
