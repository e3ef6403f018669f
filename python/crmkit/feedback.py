"""Feedback scores: Net Promoter Score (NPS) and customer satisfaction (CSAT), overall, per
segment, compared between samples, and NPS groups against repurchase and CLV.

NPS answers are whole numbers 0..10 (promoters 9–10, passives 7–8, detractors 0–6; NPS =
100 * (promoters - detractors) / n); CSAT answers are whole numbers 1..5 (top-two-box share =
answers >= 4). An answer that is NaN, not whole or outside the scale is an
:class:`~crmkit.InvalidValueError` naming ``answers`` and the row — nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, overload

import numpy as np

from crmkit import _crmkit, _display, _frames
from crmkit._typing import ArrayDict, ColumnLike, ColumnOrName, FrameLike, NpsMethod, ProportionMethod, TableT

__all__ = [
    "CsatResult",
    "NpsComparison",
    "NpsResult",
    "compare_nps",
    "csat",
    "csat_by_segment",
    "nps",
    "nps_by_segment",
    "nps_group_outcomes",
    "proportion_interval",
]


@dataclass(frozen=True)
class NpsResult:
    """An NPS with its confidence interval and group counts.

    ``nps`` is always the raw score; the interval ``(lower, upper)`` is around ``center``, which
    equals ``nps`` for the Wald method and is the adjusted NPS for adjusted Wald.
    """

    nps: float
    lower: float
    upper: float
    confidence: float
    center: float
    standard_error: float
    promoters: int
    passives: int
    detractors: int
    respondents: int
    method: NpsMethod

    @property
    def interval(self) -> tuple[float, float]:
        """(lower, upper)."""
        return (self.lower, self.upper)

    @property
    def counts(self) -> tuple[int, int, int]:
        """(promoters, passives, detractors)."""
        return (self.promoters, self.passives, self.detractors)

    def _display_summary(self) -> _display.Summary:
        pct = f"{self.confidence:.0%}"
        n = max(self.respondents, 1)
        return _display.Summary(
            "Net Promoter Score",
            [
                ("NPS", self.nps),
                (f"{pct} interval ({self.method})", f"[{_display.fmt(self.lower)}, {_display.fmt(self.upper)}]"),
                ("interval centre", self.center),
                ("standard error", self.standard_error),
                ("respondents", self.respondents),
            ],
            [
                (
                    "",
                    ["group", "answers", "respondents", "share"],
                    [
                        ["promoters", "9–10", self.promoters, f"{self.promoters / n:.1%}"],
                        ["passives", "7–8", self.passives, f"{self.passives / n:.1%}"],
                        ["detractors", "0–6", self.detractors, f"{self.detractors / n:.1%}"],
                    ],
                )
            ],
        )

    def _repr_html_(self) -> str:
        return _display.to_html(self._display_summary())

    def __str__(self) -> str:
        return _display.to_text(self._display_summary())

    def __repr__(self) -> str:
        return (
            f"NpsResult(nps={_display.fmt(self.nps)}, {self.confidence:.0%} interval [{_display.fmt(self.lower)}, "
            f"{_display.fmt(self.upper)}] ({self.method}), {self.respondents:,} respondents: "
            f"{self.promoters:,} promoters, {self.passives:,} passives, {self.detractors:,} detractors)"
        )


@dataclass(frozen=True)
class NpsComparison:
    """Two NPS compared: difference a - b, its Wald interval and a two-sided z-test."""

    nps_a: float
    nps_b: float
    difference: float
    standard_error: float
    lower: float
    upper: float
    confidence: float
    z: float
    p_value: float

    @property
    def interval(self) -> tuple[float, float]:
        """(lower, upper) of the difference."""
        return (self.lower, self.upper)

    def _display_summary(self) -> _display.Summary:
        return _display.Summary(
            "NPS comparison (a − b)",
            [
                ("NPS a", self.nps_a),
                ("NPS b", self.nps_b),
                ("difference", self.difference),
                (f"{self.confidence:.0%} interval", f"[{_display.fmt(self.lower)}, {_display.fmt(self.upper)}]"),
                ("standard error", self.standard_error),
                ("z", self.z),
                ("p-value (two-sided)", self.p_value),
            ],
        )

    def _repr_html_(self) -> str:
        return _display.to_html(self._display_summary())

    def __str__(self) -> str:
        return _display.to_text(self._display_summary())

    def __repr__(self) -> str:
        return (
            f"NpsComparison(difference={_display.fmt(self.difference)} (a {_display.fmt(self.nps_a)} − b "
            f"{_display.fmt(self.nps_b)}), {self.confidence:.0%} interval [{_display.fmt(self.lower)}, "
            f"{_display.fmt(self.upper)}], z={_display.fmt(self.z)}, p={_display.fmt(self.p_value)})"
        )


@dataclass(frozen=True)
class CsatResult:
    """CSAT: top-two-box share (answers 4–5) with its interval, the mean answer and the distribution."""

    top_two_box: float
    lower: float
    upper: float
    confidence: float
    mean: float
    satisfied: int
    respondents: int
    distribution: tuple[int, int, int, int, int]
    method: ProportionMethod

    @property
    def interval(self) -> tuple[float, float]:
        """(lower, upper)."""
        return (self.lower, self.upper)

    def _display_summary(self) -> _display.Summary:
        n = max(self.respondents, 1)
        return _display.Summary(
            "Customer satisfaction (CSAT)",
            [
                ("top-two-box share (4–5)", f"{self.top_two_box:.1%}"),
                (f"{self.confidence:.0%} interval ({self.method})", f"[{self.lower:.1%}, {self.upper:.1%}]"),
                ("mean answer", self.mean),
                ("respondents", self.respondents),
            ],
            [("", ["answer", "respondents", "share"], [[a, c, f"{c / n:.1%}"] for a, c in zip(range(1, 6), self.distribution)])],
        )

    def _repr_html_(self) -> str:
        return _display.to_html(self._display_summary())

    def __str__(self) -> str:
        return _display.to_text(self._display_summary())

    def __repr__(self) -> str:
        return (
            f"CsatResult(top_two_box={self.top_two_box:.1%}, {self.confidence:.0%} interval [{self.lower:.1%}, "
            f"{self.upper:.1%}] ({self.method}), mean={_display.fmt(self.mean)}, {self.respondents:,} respondents, "
            f"answers 1..5: {list(self.distribution)})"
        )


def _answers(answers: Any, field: str = "answers") -> Any:
    return _frames.numbers(answers, field)


def _nps_result(d: dict[str, Any]) -> NpsResult:
    return NpsResult(**d)


def nps(answers: ColumnLike, method: NpsMethod = "wald", confidence: float = 0.95) -> NpsResult:
    """Net Promoter Score of 0–10 answers with a confidence interval.

    With shares pP = promoters / n and pD = detractors / n, the variance is
    (pP + pD - (pP - pD)^2) / n and the interval centre +- z * 100 * sqrt(var):

    * ``'wald'`` (default): centre = NPS, from the raw counts;
    * ``'adjusted_wald'``: add 0.75 detractor, 1.5 passives and 0.75 promoter (n + 3) first —
      better coverage for small samples and extreme scores.

    Bounds are clipped to [-100, 100].

    Args:
        answers: numpy array, list or frame column of whole numbers 0..10.
        method: ``'wald'`` or ``'adjusted_wald'``.
        confidence: two-sided level in (0, 1).

    Examples:
        >>> import numpy as np, crmkit
        >>> answers = np.repeat([10, 8, 3], [100, 60, 40])
        >>> r = crmkit.nps(answers)
        >>> r.nps, round(r.lower, 2), round(r.upper, 2)
        (30.0, 19.18, 40.82)
        >>> r = crmkit.nps(answers, method="adjusted_wald")
        >>> round(r.center, 2), round(r.lower, 2), round(r.upper, 2)
        (29.56, 18.82, 40.3)
    """
    return _nps_result(_crmkit.nps(_answers(answers), method, confidence))


def _counts(sample: NpsSample) -> tuple[int, int, int]:
    if isinstance(sample, NpsResult):
        return sample.counts
    if isinstance(sample, tuple) and len(sample) == 3 and all(isinstance(c, (int, np.integer)) for c in sample):
        return (int(sample[0]), int(sample[1]), int(sample[2]))
    r = nps(sample)
    return r.counts


#: One NPS sample: the answers (0–10), its :class:`NpsResult`, or (promoters, passives, detractors).
NpsSample: TypeAlias = "ColumnLike | NpsResult | tuple[int, int, int]"


def compare_nps(a: NpsSample, b: NpsSample, confidence: float = 0.95) -> NpsComparison:
    """Compares the NPS of two independent samples.

    Each sample is an array / column of answers, an :class:`NpsResult`, or a tuple
    (promoters, passives, detractors). difference = NPS_a - NPS_b; its standard error is
    100 * sqrt(var_a + var_b) (unpooled); the interval is difference +- z * SE and the p-value
    that of the two-sided z-test of equal NPS.

    Examples:
        >>> import crmkit
        >>> c = crmkit.compare_nps((100, 60, 40), (80, 60, 60))
        >>> c.difference, round(c.p_value, 4)
        (20.0, 0.0131)
    """
    return NpsComparison(**_crmkit.compare_nps(_counts(a), _counts(b), confidence))


def csat(answers: ColumnLike, method: ProportionMethod = "wilson", confidence: float = 0.95) -> CsatResult:
    """CSAT of 1–5 answers: the top-two-box share (answers >= 4), its interval and the mean.

    Interval methods for the share p = x / n: ``'wilson'`` (default; never outside [0, 1]),
    ``'wald'`` (p +- z sqrt(p(1 - p)/n), clipped) and ``'agresti_coull'``.

    Examples:
        >>> import numpy as np, crmkit
        >>> r = crmkit.csat(np.repeat([5, 4, 2], [100, 72, 28]))
        >>> r.top_two_box, round(r.lower, 4), round(r.upper, 4)
        (0.86, 0.8051, 0.9013)
        >>> r.distribution
        (0, 28, 0, 72, 100)
    """
    d = _crmkit.csat(_answers(answers), method, confidence)
    d["distribution"] = tuple(d["distribution"])
    return CsatResult(**d)


def proportion_interval(successes: int, trials: int, method: ProportionMethod = "wilson", confidence: float = 0.95) -> tuple[float, float]:
    """Confidence interval of the proportion ``successes / trials`` (Wilson, Wald or Agresti–Coull).

    Examples:
        >>> import crmkit
        >>> tuple(round(x, 4) for x in crmkit.proportion_interval(172, 200))
        (0.8051, 0.9013)
    """
    return _crmkit.proportion_interval(successes, trials, method, confidence)


def _by_segment(run: Any, data: Any, segment: Any, answer: Any, method: str, confidence: float, keys: list[str]) -> Any:
    """Runs the extension's per-segment score ``run`` on the segment and answer columns and
    returns the segment column and ``keys`` as a table of the input's family."""
    out = run(_segment_ids(data, segment), _answers(_frames.column(data, answer, "answer"), "answer"), method, confidence)
    return _segment_frame(data, segment, out, keys)


def _segment_frame(data: Any, segment: Any, out: dict[str, Any], keys: list[str]) -> Any:
    fam = _frames.family(data if data is not None else segment)
    seg = out["segment"]
    cols: dict[str, Any] = {"segment": np.asarray(seg, dtype=object) if isinstance(seg, list) else seg}
    for k in keys:
        cols[k] = out[k]
    return _frames.frame(cols, fam)


def _segment_ids(data: Any, segment: Any) -> Any:
    col = _frames.column(data, segment, "segment")
    fam = _frames.family(col)
    if fam == "pandas" and str(col.dtype) == "category":
        col = col.astype(object)
    return _frames.ids(col, "segment")


@overload
def nps_by_segment(
    data: TableT,
    *,
    segment: ColumnOrName = ...,
    answer: ColumnOrName = ...,
    method: NpsMethod = ...,
    confidence: float = ...,
) -> TableT: ...
@overload
def nps_by_segment(
    data: Mapping[str, Any],
    *,
    segment: ColumnOrName = ...,
    answer: ColumnOrName = ...,
    method: NpsMethod = ...,
    confidence: float = ...,
) -> ArrayDict: ...
@overload
def nps_by_segment(
    data: FrameLike | None = None,
    *,
    segment: ColumnOrName = ...,
    answer: ColumnOrName = ...,
    method: NpsMethod = ...,
    confidence: float = ...,
) -> Any: ...
def nps_by_segment(
    data: FrameLike | None = None,
    *,
    segment: ColumnOrName = "segment",
    answer: ColumnOrName = "answer",
    method: NpsMethod = "wald",
    confidence: float = 0.95,
) -> Any:
    """NPS per segment (one segment key per response), segments in ascending order.

    All answers are validated first, so an error names the row of the whole input.

    Returns:
        A table of the input's family: segment, respondents, promoters, passives, detractors,
        nps, center, lower, upper, standard_error.

    Examples:
        >>> import pandas as pd, crmkit
        >>> df = pd.DataFrame({"segment": ["b", "a", "a", "b"], "answer": [10, 9, 0, 6]})
        >>> crmkit.nps_by_segment(df)[["segment", "respondents", "nps"]]
          segment  respondents  nps
        0       a            2  0.0
        1       b            2  0.0
    """
    keys = ["respondents", "promoters", "passives", "detractors", "nps", "center", "lower", "upper", "standard_error"]
    return _by_segment(_crmkit.nps_by_segment, data, segment, answer, method, confidence, keys)


@overload
def csat_by_segment(
    data: TableT,
    *,
    segment: ColumnOrName = ...,
    answer: ColumnOrName = ...,
    method: ProportionMethod = ...,
    confidence: float = ...,
) -> TableT: ...
@overload
def csat_by_segment(
    data: Mapping[str, Any],
    *,
    segment: ColumnOrName = ...,
    answer: ColumnOrName = ...,
    method: ProportionMethod = ...,
    confidence: float = ...,
) -> ArrayDict: ...
@overload
def csat_by_segment(
    data: FrameLike | None = None,
    *,
    segment: ColumnOrName = ...,
    answer: ColumnOrName = ...,
    method: ProportionMethod = ...,
    confidence: float = ...,
) -> Any: ...
def csat_by_segment(
    data: FrameLike | None = None,
    *,
    segment: ColumnOrName = "segment",
    answer: ColumnOrName = "answer",
    method: ProportionMethod = "wilson",
    confidence: float = 0.95,
) -> Any:
    """CSAT per segment (one segment key per response), segments in ascending order.

    Returns:
        A table of the input's family: segment, respondents, satisfied, top_two_box, lower,
        upper, mean.

    Examples:
        >>> import polars as pl, crmkit
        >>> df = pl.DataFrame({"segment": ["web", "store", "web"], "answer": [5, 2, 3]})
        >>> crmkit.csat_by_segment(df).select("segment", "top_two_box", "mean").rows()
        [('store', 0.0, 2.0), ('web', 0.5, 4.0)]
    """
    keys = ["respondents", "satisfied", "top_two_box", "lower", "upper", "mean"]
    return _by_segment(_crmkit.csat_by_segment, data, segment, answer, method, confidence, keys)


@overload
def nps_group_outcomes(
    data: TableT,
    *,
    answer: ColumnOrName = ...,
    repurchased: ColumnOrName = ...,
    clv: ColumnOrName = ...,
) -> TableT: ...
@overload
def nps_group_outcomes(
    data: Mapping[str, Any],
    *,
    answer: ColumnOrName = ...,
    repurchased: ColumnOrName = ...,
    clv: ColumnOrName = ...,
) -> ArrayDict: ...
@overload
def nps_group_outcomes(
    data: FrameLike | None = None,
    *,
    answer: ColumnOrName = ...,
    repurchased: ColumnOrName = ...,
    clv: ColumnOrName = ...,
) -> Any: ...
def nps_group_outcomes(
    data: FrameLike | None = None,
    *,
    answer: ColumnOrName = "answer",
    repurchased: ColumnOrName = "repurchased",
    clv: ColumnOrName = "clv",
) -> Any:
    """Repurchase rate and mean CLV per NPS group: the evidence that promoters are worth more.

    Always three rows, detractor, passive, promoter; a group without respondents has NaN rate
    and mean.

    Examples:
        >>> import crmkit
        >>> out = crmkit.nps_group_outcomes({"answer": [9, 10, 0], "repurchased": [True, False, False],
        ...                                  "clv": [100.0, 300.0, 50.0]})
        >>> out["group"].tolist(), out["repurchase_rate"].tolist(), out["mean_clv"].tolist()
        (['detractor', 'passive', 'promoter'], [0.0, nan, 0.5], [50.0, nan, 200.0])
    """
    a = _answers(_frames.column(data, answer, "answer"), "answer")
    bought_col = _frames.column(data, repurchased, "repurchased")
    from crmkit.needs import _bools

    bought = _bools(bought_col, "repurchased")
    values = _frames.floats(_frames.column(data, clv, "clv"), "clv")
    out = _crmkit.nps_group_outcomes(a, bought, values)
    fam = _frames.family(data if data is not None else answer)
    cols = {
        "group": np.asarray(out["group"], dtype=object),
        "respondents": np.asarray(out["respondents"], dtype=np.int64),
        "repurchase_rate": np.asarray([np.nan if v is None else v for v in out["repurchase_rate"]], dtype=np.float64),
        "mean_clv": np.asarray([np.nan if v is None else v for v in out["mean_clv"]], dtype=np.float64),
    }
    return _frames.frame(cols, fam)
