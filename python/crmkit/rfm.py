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
from crmkit._typing import AfterAsOf, ColumnOrName, DateLike, FrameLike, NegativeAmounts, Normalization, TierLayout, TimeUnit
from crmkit._crmkit import CrmkitWarning, MinMaxFit, PercentileRankFit, QuantileBins, SegmentRules

__all__ = [
    "RfmModel",
    "btyd_summary",
    "concentration",
    "rfm",
    "rfm_features",
    "segment_rules",
    "tier_summary",
]

TIER_NAMES = ("churn risk", "potential", "high value")
LAYERED_TIER_NAMES = ("churn risk", "general", "potential", "high value")
_DEFAULT_THRESHOLDS = {"three": (0.5, 0.8), "layered": (0.3, 0.5, 0.8)}


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
    data: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName = "amount",
    window_days: int = 365,
    after_as_of: AfterAsOf = "error",
    negative_amounts: NegativeAmounts = "error",
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
        string_ids=_frames.is_arrow_strings(ids_col),
    )
    _warn_report(out["report"])
    return _frames.frame(_feature_columns(out, ids_col), _family(data, customer_id), fresh=True)


def _feature_columns(out: Mapping[str, Any], ids_col: Any) -> dict[str, Any]:
    gathered = out.get("customer_id")  # string ids gathered by the extension (pyarrow input)
    return {
        "customer_id": _frames.take(ids_col, out["customer_row"]) if gathered is None else _frames.arrow_like(ids_col, gathered),
        "first_purchase": _frames.days_to_dates(out["first_purchase"]),
        "last_purchase": _frames.days_to_dates(out["last_purchase"]),
        "days_since_last": out["days_since_last"],
        "frequency": out["frequency"],
        "monetary": out["monetary"],
        "avg_order_value": out["avg_order_value"],
    }


def btyd_summary(
    data: FrameLike | None = None,
    *,
    as_of: DateLike,
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName = "amount",
    unit: TimeUnit = "days",
    calibration_end: Any = None,
    after_as_of: AfterAsOf = "error",
    negative_amounts: NegativeAmounts = "error",
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


def _three(weights: tuple[float, ...]) -> tuple[float, float, float]:
    """The (R, F, M) weights as the fixed triple the compiled scorer takes."""
    if len(weights) != 3:
        raise _frames._error(_crmkit.ConfigError, f"invalid `weights`: {weights!r} (expected three weights: R, F, M)", "weights")
    return (weights[0], weights[1], weights[2])


class RfmModel:
    """Fitted RFM scoring: weighted score with tiers, quantile scores 1..k and segments.

    ``fit`` learns the score normalisation and the quantile cut points on one population;
    ``transform`` scores any customers against them (new customers included), so scores are
    comparable across runs. The model pickles (its fitted parts serialise to JSON) and can be
    fitted once and broadcast to workers.

    The score is ``wR·normR + wF·normF + wM·normM``. With ``normalization='percentile_rank'``
    (the default) each of R, F and M is its mid-rank percentile in the fitted population
    (R reversed): ``(below + (equal - 1) / 2) / (n - 1)``, ties share their mean rank, so the
    tiers mean "ahead of most customers" whatever the shape of the data. With
    ``normalization='minmax'`` it is the guides' min–max score, ``(v - min) / (max - min)``
    (R reversed), which on heavy-tailed data puts nearly everyone near 0 — see docs/rfm.md.

    After each ``transform`` the model warns (``CrmkitWarning``) when one tier holds more than
    90 % of the customers, or a segment cannot be reached or holds nobody; the facts are kept in
    ``diagnostics_``.

    Args:
        weights: (wR, wF, wM) for the score; finite, >= 0, summing to 1.
        thresholds: score cuts of the tiers, strictly increasing: (potential, high_value) for
            ``tiers='three'`` (default (0.5, 0.8)), (general, potential, high_value) for
            ``tiers='layered'`` (default (0.3, 0.5, 0.8)).
        k: number of quantile scores per dimension.
        segments: the segment rule set (see :func:`segment_rules`); its ``k`` must equal ``k``.
        normalization: ``'percentile_rank'`` (default) or ``'minmax'`` (the guides' formula).
        tiers: ``'three'`` (high value / potential / churn risk) or ``'layered'`` (high value /
            potential / general / churn risk).
        winsorize: optional (lower, upper) percentiles for a robust min–max normalisation
            (``normalization='minmax'`` only).
        window_days, after_as_of, negative_amounts, tz: as for :func:`rfm_features`.
        customer_id, timestamp, amount: column names (or arrays) of the transaction log.

    Examples:
        >>> import pandas as pd, crmkit, warnings
        >>> log = pd.DataFrame({"customer_id": [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5],
        ...                     "timestamp": pd.to_datetime(["2024-01-05"] + ["2024-02-01"] * 2 + ["2024-03-01"] * 3
        ...                                                 + ["2024-03-10"] * 4 + ["2024-03-30"] * 5),
        ...                     "amount": [10.0, 15, 15, 20, 20, 20, 30, 30, 30, 30, 50, 50, 50, 50, 50]})
        >>> model = crmkit.RfmModel(normalization="minmax").fit(log, as_of="2024-03-31")
        >>> with warnings.catch_warnings(record=True) as caught:  # five customers leave segments empty
        ...     warnings.simplefilter("always")
        ...     out = model.transform(log, as_of="2024-03-31")
        >>> out[["customer_id", "r_score", "f_score", "rfm_score", "tier", "segment"]].round(3)
           customer_id  r_score  f_score  rfm_score        tier         segment
        0            1        1        1      0.000  churn risk     hibernating
        1            2        2        2      0.220  churn risk     hibernating
        2            3        3        3      0.460  churn risk  need attention
        3            4        4        4      0.667   potential           loyal
        4            5        5        5      1.000  high value       champions
        >>> model.diagnostics_["empty_segments"]
        ['potential loyalist', 'new', 'promising', 'about to sleep', 'at risk', 'cannot lose']
        >>> crmkit.RfmModel().fit(log, as_of="2024-03-31").score_fit_
        PercentileRankFit(customers=5, distinct_values=(5, 5, 5))
    """

    def __init__(
        self,
        *,
        weights: tuple[float, float, float] = (0.3, 0.4, 0.3),
        thresholds: tuple[float, ...] | None = None,
        k: int = 5,
        segments: Any = "rf_grid",
        normalization: Normalization = "percentile_rank",
        tiers: TierLayout = "three",
        winsorize: tuple[float, float] | None = None,
        window_days: int = 365,
        after_as_of: AfterAsOf = "error",
        negative_amounts: NegativeAmounts = "error",
        customer_id: ColumnOrName = "customer_id",
        timestamp: ColumnOrName = "timestamp",
        amount: ColumnOrName = "amount",
        tz: str | None = None,
    ) -> None:
        if normalization not in ("percentile_rank", "minmax"):
            raise _frames._error(
                _crmkit.ConfigError, f"invalid `normalization`: {normalization!r} (expected 'percentile_rank' or 'minmax')", "normalization"
            )
        if tiers not in _DEFAULT_THRESHOLDS:
            raise _frames._error(_crmkit.ConfigError, f"invalid `tiers`: {tiers!r} (expected 'three' or 'layered')", "tiers")
        if winsorize is not None and normalization != "minmax":
            raise _frames._error(
                _crmkit.ConfigError,
                "invalid `winsorize`: it clips the min–max ranges, pass normalization='minmax' with it "
                "(percentile ranks need no clipping)",
                "winsorize",
            )
        self.normalization = normalization
        self.tiers = tiers
        self.weights = tuple(float(w) for w in weights)
        self.thresholds = tuple(float(t) for t in (_DEFAULT_THRESHOLDS[tiers] if thresholds is None else thresholds))
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
        # Validate the configuration now (directly, no fit), not at the first transform.
        _crmkit.check_rfm_config(
            _three(self.weights), list(self.thresholds), tiers, self.k, window_days, after_as_of, negative_amounts
        )
        if self.segments.k != self.k:
            raise _frames._error(
                _crmkit.ConfigError,
                f"invalid `segments`: rules are written for k = {self.segments.k}, the model scores 1..{self.k}",
                "segments",
            )
        self.score_fit_: PercentileRankFit | MinMaxFit | None = None
        self.bins_: tuple[QuantileBins, QuantileBins, QuantileBins] | None = None
        self.diagnostics_: dict[str, Any] | None = None

    @property
    def tier_names(self) -> tuple[str, ...]:
        """The tier names by code, from the worst tier to the best."""
        return LAYERED_TIER_NAMES if self.tiers == "layered" else TIER_NAMES

    def _tier_codes(self, scores: Any) -> Any:
        if self.tiers == "layered":
            if len(self.thresholds) != 3:
                raise _frames._error(
                    _crmkit.ConfigError, "invalid `thresholds`: tiers='layered' needs (general, potential, high_value)", "thresholds"
                )
            return _crmkit.layered_tier_codes_of(scores, (self.thresholds[0], self.thresholds[1], self.thresholds[2]))
        if len(self.thresholds) != 2:
            raise _frames._error(_crmkit.ConfigError, "invalid `thresholds`: tiers='three' needs (potential, high_value)", "thresholds")
        return _crmkit.tier_codes_of(scores, (self.thresholds[0], self.thresholds[1]))

    def features(self, data: FrameLike | None = None, *, as_of: DateLike) -> Any:
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

    def fit(self, data: FrameLike | None = None, *, as_of: DateLike) -> RfmModel:
        """Fits the min–max ranges and quantile cut points on the customers of a transaction log."""
        self.fit_features(self.features(data, as_of=as_of))
        return self

    def fit_features(self, features: Any) -> RfmModel:
        """Fits on a features table with columns days_since_last, frequency and monetary."""
        r, f, m = self._rfm_columns(features)
        if self.normalization == "minmax":
            self.score_fit_ = MinMaxFit.fit(r, f, m, winsorize=self.winsorize)
        else:
            self.score_fit_ = PercentileRankFit.fit(r, f, m)
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

    def transform(self, data: FrameLike | None = None, *, as_of: DateLike) -> Any:
        """Features, scores, tier and segment per customer of a transaction log."""
        return self.score_features(self.features(data, as_of=as_of))

    def fit_transform(self, data: FrameLike | None = None, *, as_of: DateLike) -> Any:
        """``fit`` then ``transform`` on the same log (the features are computed once)."""
        features = self.features(data, as_of=as_of)
        return self.fit_features(features).score_features(features)

    def score_features(self, features: Any) -> Any:
        """Adds r_score, f_score, m_score, rfm_score, tier and segment to a features table.

        Warns (``CrmkitWarning``) when one tier holds more than 90 % of these customers or a
        segment cannot be reached or holds nobody; the facts are kept in ``diagnostics_``.
        """
        if self.score_fit_ is None or self.bins_ is None:
            raise _frames._error(_crmkit.ConfigError, "invalid `RfmModel`: not fitted (call fit first)", "RfmModel")
        r, f, m = self._rfm_columns(features)
        score = self.score_fit_.score(r, f, m, _three(self.weights))
        tiers = self._tier_codes(score)
        rs = self.bins_[0].apply(r, "days_since_last")
        fs = self.bins_[1].apply(f, "frequency")
        ms = self.bins_[2].apply(m, "monetary")
        segment = self.segments.assign(rs, fs, ms)
        self.diagnostics_ = _crmkit.rfm_diagnostics(list(self.tier_names), tiers, self.segments, segment, self.bins_)
        for message in self.diagnostics_["warnings"]:
            warnings.warn(f"crmkit: {message}", CrmkitWarning, stacklevel=3)
        fam = _frames.family(features)
        extra = {
            "r_score": rs,
            "f_score": fs,
            "m_score": ms,
            "rfm_score": score,
            "tier": _frames.categorical(tiers, self.tier_names, fam),
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
            ("normalization", self.normalization),
            ("weights (R, F, M)", ", ".join(_display.fmt(w) for w in self.weights)),
            (
                "tier thresholds (" + ", ".join(self.tier_names[1:]) + ")",
                ", ".join(_display.fmt(t) for t in self.thresholds),
            ),
            ("scores", f"1..{self.k}"),
            ("segments", ", ".join(self.segments.names)),
        ]
        if self.winsorize is not None:
            facts.append(("winsorize (percentiles)", ", ".join(_display.fmt(w) for w in self.winsorize)))
        if self.score_fit_ is None or self.bins_ is None:
            return _display.Summary("RfmModel (not fitted)", facts)
        rows = []
        fit = self.score_fit_
        if isinstance(fit, MinMaxFit):
            ranges: list[tuple[Any, Any]] = [(lo, hi) for lo, hi, _ in (fit.days_since_last, fit.frequency, fit.monetary)]
            customers = int(fit.days_since_last[2])
        else:
            ranges = [("–", "–")] * 3
            customers = int(fit.count)
        for name, (lo, hi), bins in zip(("days_since_last", "frequency", "monetary"), ranges, self.bins_):
            cuts = ", ".join(_display.fmt(c) for c in bins.cuts)
            counts = ", ".join(_display.fmt(c) for c in bins.counts)
            empty = ", ".join(str(e) for e in bins.empty_scores) or "none"
            rows.append([name, lo, hi, customers, cuts, counts, empty])
        facts.insert(0, ("customers", customers))
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
        fit = self.score_fit_
        if fit is None:
            fitted = "not fitted"
        else:
            fitted = f"fitted on {int(fit.days_since_last[2] if isinstance(fit, MinMaxFit) else fit.count):,} customers"
        return (
            f"RfmModel(normalization={self.normalization!r}, tiers={self.tiers!r}, weights={self.weights}, "
            f"thresholds={self.thresholds}, k={self.k}, segments={self.segments.names}, {fitted})"
        )


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
    data: FrameLike | None = None,
    *,
    as_of: DateLike,
    weights: tuple[float, float, float] = (0.3, 0.4, 0.3),
    thresholds: tuple[float, ...] | None = None,
    k: int = 5,
    segments: Any = "rf_grid",
    normalization: Normalization = "percentile_rank",
    tiers: TierLayout = "three",
    winsorize: tuple[float, float] | None = None,
    window_days: int = 365,
    after_as_of: AfterAsOf = "error",
    negative_amounts: NegativeAmounts = "error",
    customer_id: ColumnOrName = "customer_id",
    timestamp: ColumnOrName = "timestamp",
    amount: ColumnOrName = "amount",
    tz: str | None = None,
) -> Any:
    """One call from a transaction log to per-customer features, scores, tier and segment.

    Equivalent to ``RfmModel(...).fit_transform(data, as_of=as_of)``; use :class:`RfmModel` to
    keep the fit and score new customers against it.

    Columns: customer_id, first_purchase, last_purchase, days_since_last, frequency, monetary,
    avg_order_value, r_score, f_score, m_score (1..k, k best), rfm_score (weighted, in [0, 1]),
    tier and segment.

    The score normalises each dimension before the weights: by default to its mid-rank
    percentile among the customers (``normalization='percentile_rank'``, R reversed), so the
    tiers separate customers on heavy-tailed data; ``normalization='minmax'`` gives the guides'
    min–max score exactly. Tiers: ``tiers='three'`` (score >= 0.8 high value, >= 0.5 potential,
    else churn risk) or ``tiers='layered'`` (>= 0.8 high value, >= 0.5 potential, >= 0.3
    general, else churn risk); the classic four tiers over the quantile scores are
    ``segments='four_tier'``. Warns (``CrmkitWarning``) when one tier holds more than 90 % of
    the customers or a segment cannot be reached or holds nobody. See docs/rfm.md.

    Examples:
        >>> import pyarrow as pa, datetime as dt, crmkit
        >>> log = pa.table({"customer_id": [1, 2, 2], "timestamp": [dt.date(2024, 1, 1), dt.date(2024, 3, 1), dt.date(2024, 3, 2)],
        ...                 "amount": [5.0, 10.0, 10.0]})
        >>> out = crmkit.rfm(log, as_of="2024-03-31", k=2, segments={"k": 2, "rules": [{"segment": "all"}]})
        >>> out.column("tier").to_pylist()
        ['churn risk', 'high value']
        >>> out = crmkit.rfm(log, as_of="2024-03-31", k=2, segments={"k": 2, "rules": [{"segment": "all"}]},
        ...                  normalization="minmax", tiers="layered", thresholds=(0.2, 0.5, 0.8))
        >>> out.column("tier").to_pylist()
        ['churn risk', 'high value']
    """
    model = RfmModel(
        weights=weights,
        thresholds=thresholds,
        k=k,
        segments=segments,
        normalization=normalization,
        tiers=tiers,
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


def _group_labels(column: Any, fam: str) -> tuple[np.ndarray, list[str]]:
    """Integer codes (-1 for missing) and the group names of a label column: a categorical
    column keeps its category order, any other column is grouped by its sorted distinct values."""
    names: list[Any] | None = None
    if fam == "pandas":
        import pandas as pd

        if isinstance(column.dtype, pd.CategoricalDtype):
            return np.asarray(column.cat.codes, dtype=np.int64), [str(c) for c in column.cat.categories]
        values = column.to_numpy(dtype=object)
    elif fam == "polars":
        import polars as pl

        if isinstance(column.dtype, pl.Enum):
            names = list(column.dtype.categories)
        # A polars Categorical has no fixed category order: grouped by its distinct values.
        values = np.asarray(column.cast(pl.String).to_list() if isinstance(column.dtype, (pl.Enum, pl.Categorical)) else column.to_list(), dtype=object)
    elif fam == "pyarrow":
        import pyarrow as pa

        array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if isinstance(array, pa.DictionaryArray):
            names = [str(v) for v in array.dictionary.to_pylist()]
        values = np.asarray(array.to_pylist(), dtype=object)
    else:
        values = np.asarray(column, dtype=object)
    missing = np.array([v is None or (isinstance(v, float) and v != v) for v in values], dtype=bool)
    present = values[~missing]
    uniques, inverse = np.unique(present.astype(str), return_inverse=True)
    if names is None:
        names = list(uniques)
    index = {str(name): i for i, name in enumerate(names)}
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[~missing] = np.array([index[u] for u in uniques], dtype=np.int64)[inverse] if len(uniques) else np.zeros(0, np.int64)
    return codes, [str(n) for n in names]


def tier_summary(customers: Any, *, by: str = "tier") -> Any:
    """The tier (or segment) summary table: per group the customers and their share, the
    revenue share and the mean R, F and M — the table the guides hand to the business.

    ``share`` = customers in the group / all customers; ``revenue_share`` = the group's
    ``monetary`` total / the total of all customers (0 when that is 0); ``mean_days_since_last``,
    ``mean_frequency`` and ``mean_monetary`` are plain means over the group (NaN for a category
    without customers). Computed in the Rust core.

    Args:
        customers: the output of :func:`rfm` (any table with ``by``, ``days_since_last``,
            ``frequency`` and ``monetary``).
        by: the label column: ``'tier'`` (default), ``'segment'`` or any other. A categorical
            column with fixed categories (pandas categorical, polars Enum, Arrow dictionary — as
            :func:`rfm` returns) keeps them in their order, empty ones included; other columns
            (a polars Categorical too) are grouped by their sorted distinct values.

    Returns:
        A table of the input's family (a dict of numpy arrays for a dict), one row per group.

    Raises:
        crmkit.InvalidValueError: a missing label (naming the row), or a NaN / infinite R, F or M.

    Examples:
        >>> import pandas as pd, crmkit
        >>> customers = pd.DataFrame({"tier": pd.Categorical(["high value", "churn risk", "high value"],
        ...                                                  categories=["churn risk", "potential", "high value"]),
        ...                           "days_since_last": [5, 300, 15], "frequency": [4, 1, 2], "monetary": [60.0, 10.0, 30.0]})
        >>> table = crmkit.tier_summary(customers)
        >>> table[["tier", "customers", "share", "revenue_share"]].round(3)
                 tier  customers  share  revenue_share
        0  churn risk          1  0.333            0.1
        1   potential          0  0.000            0.0
        2  high value          2  0.667            0.9
        >>> table["mean_days_since_last"].tolist(), table["mean_monetary"].tolist()
        ([300.0, nan, 10.0], [10.0, nan, 45.0])
    """
    fam = _frames.family(customers)
    codes, names = _group_labels(_frames.column(customers, by, by), fam)
    out = _crmkit.group_summary(
        codes,
        len(names),
        _frames.floats(_frames.column(customers, "days_since_last", "days_since_last"), "days_since_last"),
        _frames.floats(_frames.column(customers, "frequency", "frequency"), "frequency"),
        _frames.floats(_frames.column(customers, "monetary", "monetary"), "monetary"),
    )
    columns: dict[str, Any] = {by: _frames.categorical(np.arange(len(names)), names, fam)}
    for key in ("customers", "share", "revenue_share", "mean_days_since_last", "mean_frequency", "mean_monetary"):
        columns[key] = out[key]
    return _frames.frame(columns, fam)
