"""Feedback plots: NPS and CSAT per segment with their confidence intervals."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from crmkit.plot import _common as c

__all__ = ["csat_by_segment", "nps_by_segment"]


def _interval_plot(
    ax: Axes,
    names: list[str],
    point: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    texts: list[str],
    colors: list[str],
) -> None:
    y = np.arange(len(names))[::-1]
    ax.hlines(y, lower, upper, color=colors, linewidth=3, alpha=0.45)
    ax.scatter(point, y, color=colors, s=45, zorder=3)
    for yi, text in zip(y, texts):
        ax.annotate(text, (1.01, yi), xycoords=("axes fraction", "data"), va="center", fontsize=8, annotation_clip=False)
    ax.set_yticks(y, names)
    ax.set_ylim(-0.7, len(names) - 0.3)


def nps_by_segment(table: Any, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Net Promoter Score per segment with its confidence interval.

    A dot at each segment's NPS (100 · (promoters − detractors) / respondents, from −100 to
    100) and a bar over its interval; green above 0, red below. Labels give the score, the
    interval and the respondents.

    Args:
        table: the output of :func:`crmkit.nps_by_segment` (any frame family).
        ax, title: the axes to draw on (default: a new figure) and the title (None: a default).

    Returns:
        The axes; ``ax.collections[0]`` holds the interval bars, ``ax.collections[1]`` the NPS
        dots (x = nps, segments from the top).

    Examples:
        >>> import pandas as pd, crmkit, crmkit.plot
        >>> answers = pd.DataFrame({"segment": ["web"] * 4 + ["store"] * 4, "answer": [10, 9, 9, 3, 10, 5, 6, 8]})
        >>> ax = crmkit.plot.nps_by_segment(crmkit.nps_by_segment(answers))
        >>> ax.collections[1].get_offsets()[:, 0].tolist()
        [-25.0, 50.0]
    """
    names = [str(s) for s in c.labels(table, "segment")]
    c.not_empty(len(names), "segment")
    score = c.floats(table, "nps")
    lower = c.floats(table, "lower")
    upper = c.floats(table, "upper")
    n = c.floats(table, "respondents")
    colors = [c.GREEN if v > 0 else c.RED if v < 0 else c.GREY for v in score]
    texts = [f"{v:+.0f} [{lo:+.0f}, {hi:+.0f}]  n={c.count(k)}" for v, lo, hi, k in zip(score, lower, upper, n)]
    ax = c.new_axes(ax, (8.0, 0.45 * max(len(names), 1) + 1.6))
    _interval_plot(ax, names, score, lower, upper, texts, colors)
    ax.axvline(0, color=c.GREY, linewidth=1)
    ax.set_xlim(-100, 100)
    ax.set_xlabel("NPS (dot) and its confidence interval (bar)")
    c.style(ax, title, f"NPS by segment ({c.count(n.sum())} respondents)", grid="x")
    return ax


def csat_by_segment(table: Any, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """CSAT per segment: the top-two-box share (answers 4–5 of 5) with its confidence interval.

    Labels give the share, the interval, the mean answer and the respondents.

    Args:
        table: the output of :func:`crmkit.csat_by_segment` (any frame family).
        ax, title: as for :func:`nps_by_segment`.

    Returns:
        The axes; ``ax.collections[0]`` holds the interval bars, ``ax.collections[1]`` the
        shares (in percent, segments from the top).

    Examples:
        >>> import pandas as pd, crmkit, crmkit.plot
        >>> answers = pd.DataFrame({"segment": ["web", "web", "store", "store"], "answer": [5, 2, 4, 5]})
        >>> ax = crmkit.plot.csat_by_segment(crmkit.csat_by_segment(answers))
        >>> ax.collections[1].get_offsets()[:, 0].tolist()
        [100.0, 50.0]
    """
    names = [str(s) for s in c.labels(table, "segment")]
    c.not_empty(len(names), "segment")
    share = c.floats(table, "top_two_box")
    lower = c.floats(table, "lower")
    upper = c.floats(table, "upper")
    mean = c.floats(table, "mean")
    n = c.floats(table, "respondents")
    texts = [f"{c.pct(v)} [{c.pct(lo, 0)}, {c.pct(hi, 0)}]  mean {m:.2f}  n={c.count(k)}" for v, lo, hi, m, k in zip(share, lower, upper, mean, n)]
    ax = c.new_axes(ax, (8.0, 0.45 * max(len(names), 1) + 1.6))
    _interval_plot(ax, names, 100 * share, 100 * lower, 100 * upper, texts, [c.BLUE] * len(names))
    ax.set_xlim(0, 100)
    ax.set_xlabel("satisfied: answers 4–5 (%, dot) and its confidence interval (bar)")
    c.style(ax, title, f"CSAT by segment ({c.count(n.sum())} respondents)", grid="x")
    return ax
