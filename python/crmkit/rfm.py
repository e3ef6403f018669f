"""RFM from a transaction log: features, scores, tiers and segments, in the frame family you pass.

The functions take a table of transactions (pandas, polars or pyarrow, or a dict of arrays /
numpy arrays passed directly) and return a table of the same family with one row per customer,
in ascending customer-id order.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from crmkit import _crmkit, _frames
from crmkit._crmkit import CrmkitWarning, MinMaxFit, QuantileBins, SegmentRules

__all__ = [
    "RfmModel",
    "btyd_summary",
    "concentration",
    "rfm",
    "rfm_features",
    "segment_rules",
]

TIER_NAMES = ("churn risk", "potential", "high value")


def _warn_report(report: Mapping[str, Any]) -> None:
    message = report.get("message")
    if message:
        warnings.warn(f"crmkit: {message}", CrmkitWarning, stacklevel=3)


def _log_columns(
    data: Any, customer_id: Any, timestamp: Any, amount: Any, tz: str | None = None
) -> tuple[Any, Any, Any, int | None]:
    ids_col = _frames.column(data, customer_id, "customer_id")
    ts, ticks = _frames.times(_frames.column(data, timestamp, "timestamp"), "timestamp", tz)
    amounts = _frames.floats(_frames.column(data, amount, "amount"), "amount")
    return ids_col, ts, amounts, ticks


def _family(data: Any, customer_id: Any) -> str:
    return _frames.family(data if data is not None else customer_id)


def rfm_features(
    data: Any = None,
    *,
    as_of: Any,
    customer_id: Any = "customer_id",
    timestamp: Any = "timestamp",
    amount: Any = "amount",
    window_days: int = 365,
    after_as_of: str = "error",
    negative_amounts: str = "error",
    tz: str | None = None,
) -> Any:
    """Marketing RFM features per customer, as of an observation date.

    For each customer with a purchase on or before ``as_of``: ``first_purchase``,
    ``last_purchase``, ``days_since_last`` (days from the last purchase to ``as_of``),
    ``frequency`` and ``monetary`` (purchases and their total inside the last ``window_days``
    days up to and including ``as_of``) and ``avg_order_value`` (``monetary / frequency``, 0 when
    there is no purchase in the window). Timestamps are reduced to calendar days (local time).

    Args:
        data: a pandas / polars / pyarrow table, a polars LazyFrame, a DuckDB relation or other
            Arrow PyCapsule table, a Parquet / CSV path, a dict of arrays, or None when the
            columns are passed as arrays (docs/inputs.md lists every accepted input).
        as_of: the observation date (``'2024-12-31'``, a date, datetime or numpy / pandas
            timestamp; numbers are rejected).
        customer_id, timestamp, amount: column names in ``data``, or the columns themselves.
        window_days: length of the frequency / monetary window.
        after_as_of: ``'error'`` (default) or ``'exclude'`` (rows after ``as_of`` are left out and
            counted in a ``CrmkitWarning``).
        negative_amounts: ``'error'`` (default) or ``'net'`` (refunds reduce monetary but are no
            purchases).
        tz: a time-zone name (``'Europe/Berlin'``) to count calendar days in: every timestamp
            is then an instant (naive ones in UTC). Without it, time-zone-aware timestamps count
            on their own wall-clock day and naive ones as they are. Dates are never moved.

    Returns:
        A table of the input's family (a dict of numpy arrays for array input), one row per
        customer in ascending id order.

    Raises:
        crmkit.CrmkitError: a subclass naming the field, row and value of bad input.

    Examples:
        >>> import pandas as pd, crmkit
        >>> log = pd.DataFrame({"customer_id": [1, 1, 2],
        ...                     "timestamp": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10"]),
        ...                     "amount": [20.0, 35.5, 12.0]})
        >>> crmkit.rfm_features(log, as_of="2024-03-31")[["customer_id", "days_since_last", "frequency", "monetary"]]
           customer_id  days_since_last  frequency  monetary
        0            1               30          2      55.5
        1            2               50          1      12.0
    """
    ids_col, ts, amounts, ticks = _log_columns(data, customer_id, timestamp, amount, tz)
    out = _crmkit.rfm_features(
        _frames.ids(ids_col),
        ts,
        amounts,
        _frames.day_number(as_of, "as_of"),
        ticks_per_day=ticks,
        window_days=window_days,
        after_as_of=after_as_of,
        negative_amounts=negative_amounts,
    )
    _warn_report(out["report"])
    return _frames.frame(_feature_columns(out, ids_col), _family(data, customer_id))


def _feature_columns(out: Mapping[str, Any], ids_col: Any) -> dict[str, Any]:
    return {
        "customer_id": _frames.take(ids_col, out["customer_row"]),
        "first_purchase": _frames.days_to_dates(out["first_purchase"]),
        "last_purchase": _frames.days_to_dates(out["last_purchase"]),
        "days_since_last": out["days_since_last"],
        "frequency": out["frequency"],
        "monetary": out["monetary"],
        "avg_order_value": out["avg_order_value"],
    }


def btyd_summary(
    data: Any = None,
    *,
    as_of: Any,
    customer_id: Any = "customer_id",
    timestamp: Any = "timestamp",
    amount: Any = "amount",
    unit: str = "days",
    calibration_end: Any = None,
    after_as_of: str = "error",
    negative_amounts: str = "error",
    tz: str | None = None,
) -> Any:
    """The buy-till-you-die summary per customer (x, t_x, T, m_x), as probabilistic CLV models use it.

    Purchases are merged per calendar day. ``x`` is the number of repeat purchase days, ``t_x``
    the age at the last purchase and ``T`` the age at the calibration end, both in ``unit``
    (``'days'`` or ``'weeks'``); ``m_x`` is the mean spend of the repeat purchase days (0 when
    ``x == 0``). With ``calibration_end``, the summary covers purchases up to that date and the
    columns ``x_holdout`` and ``spend_holdout`` count purchase days and spend in
    ``(calibration_end, as_of]``; ``duration_holdout`` is the holdout length in ``unit``.

    This is not the marketing RFM of :func:`rfm_features` (which counts every purchase in a window).

    Args:
        data, as_of, customer_id, timestamp, amount, after_as_of, negative_amounts, tz: as for
            :func:`rfm_features`.
        unit: ``'days'`` (default) or ``'weeks'``.
        calibration_end: end of the calibration period (inclusive), or None.

    Returns:
        A table of the input's family, one row per customer in ascending id order.

    Examples:
        >>> import polars as pl, datetime as dt, crmkit
        >>> log = pl.DataFrame({"customer_id": ["a", "a", "a"],
        ...                     "timestamp": [dt.date(2024, 1, 1), dt.date(2024, 1, 8), dt.date(2024, 1, 15)],
        ...                     "amount": [10.0, 20.0, 40.0]})
        >>> crmkit.btyd_summary(log, as_of="2024-01-29", unit="weeks").select("x", "t_x", "T", "m_x").row(0)
        (2, 2.0, 4.0, 30.0)
    """
    ids_col, ts, amounts, ticks = _log_columns(data, customer_id, timestamp, amount, tz)
    out = _crmkit.btyd_summary(
        _frames.ids(ids_col),
        ts,
        amounts,
        _frames.day_number(as_of, "as_of"),
        ticks_per_day=ticks,
        unit=unit,
        calibration_end=None if calibration_end is None else _frames.day_number(calibration_end, "calibration_end"),
        after_as_of=after_as_of,
        negative_amounts=negative_amounts,
    )
    _warn_report(out["report"])
    columns: dict[str, Any] = {
        "customer_id": _frames.take(ids_col, out["customer_row"]),
        "first_purchase": _frames.days_to_dates(out["first_purchase"]),
        "x": out["x"],
        "t_x": out["t_x"],
        "T": out["T"],
        "m_x": out["m_x"],
    }
    if "x_holdout" in out:
        columns["x_holdout"] = out["x_holdout"]
        columns["spend_holdout"] = out["spend_holdout"]
        columns["duration_holdout"] = np.full(len(out["x"]), out["holdout_duration"])
    return _frames.frame(columns, _family(data, customer_id))


def segment_rules(segments: Any) -> SegmentRules:
    """A validated :class:`SegmentRules` from a built-in name, a rule set, a dict or JSON text.

    Built-in names: ``'rf_grid'`` (the default recency x frequency grid), ``'rfm_classic'``
    (rules over R, F and M, unmatched customers are ``'others'``) and ``'four_tier'`` (high
    value, low value, churn risk, potential).

    Examples:
        >>> import crmkit
        >>> rules = crmkit.segment_rules({"k": 5, "rules": [{"segment": "best", "r": [4, 5], "f": [4, 5]},
        ...                                                {"segment": "rest"}]})
        >>> rules.names
        ['best', 'rest']
    """
    if isinstance(segments, SegmentRules):
        return segments
    if isinstance(segments, str):
        builtin = {"rf_grid": SegmentRules.rf_grid, "rfm_classic": SegmentRules.rfm_classic, "four_tier": SegmentRules.four_tier}
        if segments in builtin:
            return builtin[segments]()
        return SegmentRules.from_json(segments)
    if isinstance(segments, Mapping):
        return SegmentRules.from_json(json.dumps(segments))
    raise _frames._error(
        _crmkit.ConfigError,
        f"invalid `segments`: {type(segments).__name__} (expected a built-in name, SegmentRules, dict or JSON text)",
        "segments",
    )


class RfmModel:
    """Fitted RFM scoring: min–max weighted score with tiers, quantile scores 1..k and segments.

    ``fit`` learns the min–max ranges and the quantile cut points on one population; ``transform``
    scores any customers against them (new customers included), so scores are comparable
    across runs. The model pickles (its fitted parts serialise to JSON) and can be fitted once
    and broadcast to workers.

    Args:
        weights: (wR, wF, wM) for the min–max score; finite, >= 0, summing to 1.
        thresholds: (potential, high_value) score thresholds of the tiers, strictly increasing.
        k: number of quantile scores per dimension.
        segments: the segment rule set (see :func:`segment_rules`); its ``k`` must equal ``k``.
        winsorize: optional (lower, upper) percentiles for a robust min–max normalisation.
        window_days, after_as_of, negative_amounts, tz: as for :func:`rfm_features`.
        customer_id, timestamp, amount: column names (or arrays) of the transaction log.

    Examples:
        >>> import pandas as pd, crmkit
        >>> log = pd.DataFrame({"customer_id": [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5],
        ...                     "timestamp": pd.to_datetime(["2024-01-05"] + ["2024-02-01"] * 2 + ["2024-03-01"] * 3
        ...                                                 + ["2024-03-10"] * 4 + ["2024-03-30"] * 5),
        ...                     "amount": [10.0, 15, 15, 20, 20, 20, 30, 30, 30, 30, 50, 50, 50, 50, 50]})
        >>> model = crmkit.RfmModel().fit(log, as_of="2024-03-31")
        >>> model.transform(log, as_of="2024-03-31")[["customer_id", "r_score", "f_score", "rfm_score", "tier", "segment"]].round(3)
           customer_id  r_score  f_score  rfm_score        tier         segment
        0            1        1        1      0.000  churn risk     hibernating
        1            2        2        2      0.220  churn risk     hibernating
        2            3        3        3      0.460  churn risk  need attention
        3            4        4        4      0.667   potential           loyal
        4            5        5        5      1.000  high value       champions
    """

    def __init__(
        self,
        *,
        weights: tuple[float, float, float] = (0.3, 0.4, 0.3),
        thresholds: tuple[float, float] = (0.5, 0.8),
        k: int = 5,
        segments: Any = "rf_grid",
        winsorize: tuple[float, float] | None = None,
        window_days: int = 365,
        after_as_of: str = "error",
        negative_amounts: str = "error",
        customer_id: Any = "customer_id",
        timestamp: Any = "timestamp",
        amount: Any = "amount",
        tz: str | None = None,
    ) -> None:
        self.weights = tuple(float(w) for w in weights)
        self.thresholds = tuple(float(t) for t in thresholds)
        self.k = int(k)
        self.segments = segment_rules(segments)
        self.winsorize = winsorize
        self.window_days = window_days
        self.after_as_of = after_as_of
        self.negative_amounts = negative_amounts
        self.customer_id = customer_id
        self.timestamp = timestamp
        self.amount = amount
        self.tz = tz
        # Validate weights and thresholds now, not at the first transform.
        _crmkit.MinMaxFit.fit(np.zeros(1), np.zeros(1), np.zeros(1)).score(np.zeros(1), np.zeros(1), np.zeros(1), self.weights)
        _crmkit.tier_codes_of(np.zeros(1), self.thresholds)
        if self.segments.k != self.k:
            raise _frames._error(
                _crmkit.ConfigError,
                f"invalid `segments`: rules are written for k = {self.segments.k}, the model scores 1..{self.k}",
                "segments",
            )
        self.minmax_: MinMaxFit | None = None
        self.bins_: tuple[QuantileBins, QuantileBins, QuantileBins] | None = None

    def features(self, data: Any = None, *, as_of: Any) -> Any:
        """The marketing RFM features of ``data`` (see :func:`rfm_features`) with this model's options."""
        return rfm_features(
            data,
            as_of=as_of,
            customer_id=self.customer_id,
            timestamp=self.timestamp,
            amount=self.amount,
            window_days=self.window_days,
            after_as_of=self.after_as_of,
            negative_amounts=self.negative_amounts,
            tz=getattr(self, "tz", None),  # models pickled before tz existed
        )

    def fit(self, data: Any = None, *, as_of: Any) -> RfmModel:
        """Fits the min–max ranges and quantile cut points on the customers of a transaction log."""
        self.fit_features(self.features(data, as_of=as_of))
        return self

    def fit_features(self, features: Any) -> RfmModel:
        """Fits on a features table with columns days_since_last, frequency and monetary."""
        r, f, m = self._rfm_columns(features)
        self.minmax_ = MinMaxFit.fit(r, f, m, winsorize=self.winsorize)
        bins = []
        for name, values, higher in (("days_since_last", r, False), ("frequency", f, True), ("monetary", m, True)):
            fitted, _ = QuantileBins.fit_apply(values, self.k, higher, name)
            if fitted.empty_scores:
                warnings.warn(
                    f"crmkit: ties in `{name}` leave quantile scores {fitted.empty_scores} without customers "
                    f"(cut points {fitted.cuts}); segments that need them are unreachable",
                    CrmkitWarning,
                    stacklevel=3,
                )
            bins.append(fitted)
        self.bins_ = (bins[0], bins[1], bins[2])
        return self

    def transform(self, data: Any = None, *, as_of: Any) -> Any:
        """Features, scores, tier and segment per customer of a transaction log."""
        return self.score_features(self.features(data, as_of=as_of))

    def fit_transform(self, data: Any = None, *, as_of: Any) -> Any:
        """``fit`` then ``transform`` on the same log (the features are computed once)."""
        features = self.features(data, as_of=as_of)
        return self.fit_features(features).score_features(features)

    def score_features(self, features: Any) -> Any:
        """Adds r_score, f_score, m_score, rfm_score, tier and segment to a features table."""
        if self.minmax_ is None or self.bins_ is None:
            raise _frames._error(_crmkit.ConfigError, "invalid `RfmModel`: not fitted (call fit first)", "RfmModel")
        r, f, m = self._rfm_columns(features)
        score, tiers = self.minmax_.score_tiers(r, f, m, self.weights, self.thresholds)
        rs = self.bins_[0].apply(r, "days_since_last")
        fs = self.bins_[1].apply(f, "frequency")
        ms = self.bins_[2].apply(m, "monetary")
        segment = self.segments.assign(rs, fs, ms)
        fam = _frames.family(features)
        extra = {
            "r_score": rs,
            "f_score": fs,
            "m_score": ms,
            "rfm_score": score,
            "tier": _frames.categorical(tiers, TIER_NAMES, fam),
            "segment": _frames.categorical(segment, self.segments.names, fam),
        }
        return _append(features, extra, fam)

    def _rfm_columns(self, features: Any) -> tuple[Any, Any, Any]:
        return (
            _frames.numbers(_frames.column(features, "days_since_last", "days_since_last"), "days_since_last"),
            _frames.numbers(_frames.column(features, "frequency", "frequency"), "frequency"),
            _frames.numbers(_frames.column(features, "monetary", "monetary"), "monetary"),
        )

    def _display_summary(self) -> Any:
        """Options, and when fitted the min–max ranges and quantile cut points per dimension."""
        from crmkit import _display

        facts: list[tuple[str, Any]] = [
            ("weights (R, F, M)", ", ".join(_display.fmt(w) for w in self.weights)),
            ("tier thresholds (potential, high value)", ", ".join(_display.fmt(t) for t in self.thresholds)),
            ("scores", f"1..{self.k}"),
            ("segments", ", ".join(self.segments.names)),
        ]
        if self.winsorize is not None:
            facts.append(("winsorize (percentiles)", ", ".join(_display.fmt(w) for w in self.winsorize)))
        if self.minmax_ is None or self.bins_ is None:
            return _display.Summary("RfmModel (not fitted)", facts)
        rows = []
        for name, (lo, hi, n), bins in zip(
            ("days_since_last", "frequency", "monetary"),
            (self.minmax_.days_since_last, self.minmax_.frequency, self.minmax_.monetary),
            self.bins_,
        ):
            cuts = ", ".join(_display.fmt(c) for c in bins.cuts)
            counts = ", ".join(_display.fmt(c) for c in bins.counts)
            empty = ", ".join(str(e) for e in bins.empty_scores) or "none"
            rows.append([name, lo, hi, n, cuts, counts, empty])
        facts.insert(0, ("customers", int(self.minmax_.days_since_last[2])))
        return _display.Summary(
            "RfmModel, fitted",
            facts,
            [("", ["dimension", "min", "max", "customers", "quantile cuts", "customers per score", "empty scores"], rows)],
        )

    def _repr_html_(self) -> str:
        from crmkit import _display

        return _display.to_html(self._display_summary())

    def __str__(self) -> str:
        from crmkit import _display

        return _display.to_text(self._display_summary())

    def __repr__(self) -> str:
        fitted = "not fitted" if self.minmax_ is None else f"fitted on {int(self.minmax_.days_since_last[2]):,} customers"
        return f"RfmModel(weights={self.weights}, thresholds={self.thresholds}, k={self.k}, segments={self.segments.names}, {fitted})"


def _append(features: Any, extra: dict[str, Any], fam: str) -> Any:
    if fam == "pandas":
        out = features.copy(deep=False)
        for name, values in extra.items():
            out[name] = values
        return out
    if fam == "polars":
        import polars as pl

        return features.with_columns([pl.Series(name, values) for name, values in extra.items()])
    if fam == "pyarrow":
        import pyarrow as pa

        out = features
        for name, values in extra.items():
            out = out.append_column(name, values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values))
        return out
    out = dict(features)
    out.update(extra)
    return out


def rfm(
    data: Any = None,
    *,
    as_of: Any,
    weights: tuple[float, float, float] = (0.3, 0.4, 0.3),
    thresholds: tuple[float, float] = (0.5, 0.8),
    k: int = 5,
    segments: Any = "rf_grid",
    winsorize: tuple[float, float] | None = None,
    window_days: int = 365,
    after_as_of: str = "error",
    negative_amounts: str = "error",
    customer_id: Any = "customer_id",
    timestamp: Any = "timestamp",
    amount: Any = "amount",
    tz: str | None = None,
) -> Any:
    """One call from a transaction log to per-customer features, scores, tier and segment.

    Equivalent to ``RfmModel(...).fit_transform(data, as_of=as_of)``; use :class:`RfmModel` to
    keep the fit and score new customers against it.

    Columns: customer_id, first_purchase, last_purchase, days_since_last, frequency, monetary,
    avg_order_value, r_score, f_score, m_score (1..k, k best), rfm_score (min–max weighted, in
    [0, 1]), tier (churn risk / potential / high value) and segment.

    Examples:
        >>> import pyarrow as pa, datetime as dt, crmkit
        >>> log = pa.table({"customer_id": [1, 2, 2], "timestamp": [dt.date(2024, 1, 1), dt.date(2024, 3, 1), dt.date(2024, 3, 2)],
        ...                 "amount": [5.0, 10.0, 10.0]})
        >>> out = crmkit.rfm(log, as_of="2024-03-31", k=2, segments={"k": 2, "rules": [{"segment": "all"}]})
        >>> out.column("tier").to_pylist()
        ['churn risk', 'high value']
    """
    model = RfmModel(
        weights=weights,
        thresholds=thresholds,
        k=k,
        segments=segments,
        winsorize=winsorize,
        window_days=window_days,
        after_as_of=after_as_of,
        negative_amounts=negative_amounts,
        customer_id=customer_id,
        timestamp=timestamp,
        amount=amount,
        tz=tz,
    )
    return model.fit_transform(data, as_of=as_of)


def concentration(monetary: Any, top_fraction: float = 0.2) -> dict[str, float]:
    """Revenue concentration: the share of revenue of the top ``top_fraction`` of customers
    (the top ceil(top_fraction * n)) and the Gini coefficient of spend.

    Args:
        monetary: spend per customer (an array or a column), finite and >= 0.
        top_fraction: in (0, 1].

    Examples:
        >>> import crmkit
        >>> c = crmkit.concentration([0.0, 0.0, 0.0, 10.0], top_fraction=0.25)
        >>> c["top_share"], c["gini"]
        (1.0, 0.75)
    """
    return dict(_crmkit.concentration(_frames.floats(monetary, "monetary"), top_fraction))
