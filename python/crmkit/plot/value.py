"""Value plots: the value–potential quadrant bubble chart and the importance–urgency matrix of needs."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from crmkit.plot import _common as c

__all__ = ["needs_matrix", "value_potential"]

QUADRANTS = ("deepen", "maintain", "develop", "automate")
NEED_QUADRANTS = ("do_now", "schedule", "delegate", "defer")


def value_potential(
    customers: Any,
    summary: Any = None,
    *,
    log_value: bool = False,
    log_potential: bool = False,
    max_points: int | None = 20_000,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The value–potential matrix as a quadrant bubble chart.

    Each customer is a small point at (value, potential), coloured by quadrant; the dashed lines
    are the splits (medians unless thresholds were given). In the middle of each quadrant a
    bubble, its area proportional to the quadrant's customers, gives the quadrant, its customers
    and its share of value: deepen (high value, high potential), maintain (high value, low
    potential), develop (low value, high potential), automate (low, low).

    Args:
        customers: the customer table of :func:`crmkit.value_potential_matrix` (any frame family),
            or the whole ``(customers, summary)`` tuple it returns.
        summary: the summary table of :func:`crmkit.value_potential_matrix` (needed unless the
            tuple is passed as ``customers``).
        log_value, log_potential: symmetric-log axes (for skewed values; linear within a tenth of
            the split around 0).
        max_points: draw at most this many customer points, a fixed random sample (seed 0) when
            there are more (the bubbles and splits always use every customer; the x-axis label
            says how many were drawn); None draws all.
        ax, title: the axes to draw on (default: a new figure) and the title (None: a default).

    Returns:
        The axes. ``ax.collections[0]`` holds the customer points, ``ax.collections[1]`` the
        quadrant bubbles (in the summary's quadrant order, quadrants without customers left out;
        placed in axes coordinates).

    Examples:
        >>> import crmkit, crmkit.plot
        >>> matrix = crmkit.value_potential_matrix({"value": [5.0, 1.0, 9.0, 3.0], "potential": [0.1, 0.9, 0.8, 0.2]})
        >>> ax = crmkit.plot.value_potential(matrix)
        >>> ax.collections[0].get_offsets().tolist()
        [[5.0, 0.1], [1.0, 0.9], [9.0, 0.8], [3.0, 0.2]]
        >>> [t.get_text().split("\\n")[0] for t in ax.texts]
        ['deepen', 'maintain', 'develop', 'automate']
    """
    if summary is None and isinstance(customers, tuple) and len(customers) == 2:
        customers, summary = customers
    if summary is None:
        raise c.config_error("invalid `summary`: pass the summary table of value_potential_matrix (or its whole tuple)", "summary")
    v = c.floats(customers, "value")
    p = c.floats(customers, "potential")
    c.not_empty(len(v), "value")
    q = c.labels(customers, "quadrant")
    names = c.labels(summary, "quadrant")
    n_q = c.floats(summary, "customers")
    share = c.floats(summary, "value_share")
    v_split = float(c.floats(summary, "value_split")[0])
    p_split = float(c.floats(summary, "potential_split")[0])
    ax = c.new_axes(ax, (7.5, 5.5))
    n = len(v)
    rows = np.arange(n)
    if max_points is not None and n > max_points:
        rows = np.sort(np.random.default_rng(0).choice(n, size=max_points, replace=False))
    colors = [c.QUADRANT_COLORS.get(q[i] or "", c.GREY) for i in rows.tolist()]
    ax.scatter(v[rows], p[rows], s=8, c=colors, alpha=0.35, linewidths=0)
    if log_value:
        ax.set_xscale("symlog", linthresh=_linthresh(v, v_split))
    if log_potential:
        ax.set_yscale("symlog", linthresh=_linthresh(p, p_split))
    ax.axvline(v_split, color=c.GREY, linestyle="--", linewidth=1)
    ax.axhline(p_split, color=c.GREY, linestyle="--", linewidth=1)
    # quadrant centres in axes coordinates, between the split and the edge of the visible axes;
    # the limits are fixed first so that the bubbles (in axes coordinates) do not move them
    ax.set_xlim(ax.get_xlim())
    ax.set_ylim(ax.get_ylim())
    to_axes = ax.transAxes.inverted()
    sx, sy = to_axes.transform(ax.transData.transform((v_split, p_split)))
    sx, sy = min(max(sx, 0.0), 1.0), min(max(sy, 0.0), 1.0)
    centre = {
        "deepen": ((sx + 1) / 2, (sy + 1) / 2),
        "maintain": ((sx + 1) / 2, sy / 2),
        "develop": (sx / 2, (sy + 1) / 2),
        "automate": (sx / 2, sy / 2),
    }
    bx, by, bs, bc, texts = [], [], [], [], []
    total = max(float(np.nansum(n_q)), 1.0)
    for name, k, s in zip(names, n_q, share):
        if name is None or k == 0:
            continue
        x, y = centre.get(name, (0.5, 0.5))
        bx.append(x)
        by.append(y)
        bs.append(4000.0 * k / total)
        bc.append(c.QUADRANT_COLORS.get(name, c.GREY))
        texts.append(f"{name}\n{c.count(k)} customers\n{c.pct(s)} of value")
    ax.scatter(bx, by, s=bs, c=bc, alpha=0.3, edgecolors="black", linewidths=0.8, transform=ax.transAxes, zorder=3)
    for x, y, text in zip(bx, by, texts):
        ax.text(x, y, text, ha="center", va="center", fontsize=8, fontweight="bold", transform=ax.transAxes, zorder=4)
    ax.set_xlabel("value" + (f" ({c.count(len(rows))} of {c.count(n)} customers drawn)" if len(rows) < n else ""))
    ax.set_ylabel("potential")
    c.style(ax, title, f"Value–potential matrix (splits: value {v_split:,.4g}, potential {p_split:,.4g})", grid="both")
    return ax


def _linthresh(values: np.ndarray, split: float) -> float:
    """The linear range of a symlog axis: a tenth of the split, else of the largest magnitude."""
    scale = abs(split) if split != 0 else float(np.nanmax(np.abs(values))) if len(values) else 1.0
    return scale / 10 if scale > 0 else 1.0


def needs_matrix(
    work_list: Any,
    *,
    importance: str = "importance",
    urgency: str = "urgency",
    label: str | None = None,
    thresholds: tuple[float, float] = (0.5, 0.5),
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The importance–urgency matrix of needs: do now, schedule, delegate, defer.

    Urgency runs along x, importance along y; the dashed lines are the thresholds, so do now
    (important and urgent) is the top-right quadrant, schedule (important) top-left, delegate
    (urgent) bottom-right and defer bottom-left. Needs with the same (urgency, importance) share
    one point whose area grows with their number (labelled with it when more than one).

    Args:
        work_list: the output of :func:`crmkit.prioritise_needs` or :func:`crmkit.need_work_list`
            (any frame family), with the score columns and ``quadrant``.
        importance, urgency: the score column names.
        label: optional column whose values annotate the points (e.g. ``"topic"``).
        thresholds: the (importance, urgency) thresholds the work list was made with; they are
            checked against its ``quadrant`` column.
        ax, title: as for :func:`value_potential`.

    Returns:
        The axes; ``ax.collections[0]`` holds one point per distinct (urgency, importance).

    Raises:
        crmkit.ConfigError: ``thresholds`` disagree with the work list's quadrants.

    Examples:
        >>> import pandas as pd, crmkit, crmkit.plot
        >>> needs = pd.DataFrame({"topic": ["api", "sla", "price"], "importance": [5, 3, 1], "urgency": [3, 5, 5]})
        >>> work = crmkit.prioritise_needs(needs, thresholds=(3, 3))
        >>> ax = crmkit.plot.needs_matrix(work, thresholds=(3, 3), label="topic")
        >>> ax.collections[0].get_offsets().tolist()
        [[3.0, 5.0], [5.0, 3.0], [5.0, 1.0]]
    """
    imp = c.floats(work_list, importance)
    urg = c.floats(work_list, urgency)
    c.not_empty(len(imp), importance)
    quad = c.labels(work_list, "quadrant")
    t_imp, t_urg = float(thresholds[0]), float(thresholds[1])
    expected = np.where(imp >= t_imp, np.where(urg >= t_urg, "do_now", "schedule"), np.where(urg >= t_urg, "delegate", "defer"))
    for row, (got, want) in enumerate(zip(quad, expected)):
        if got != want:
            raise c.config_error(
                f"invalid `thresholds`: {thresholds!r} put row {row} in {want!r}, the work list says {got!r} "
                "(pass the thresholds the work list was made with)",
                "thresholds",
            )
    names = c.labels(work_list, label) if label is not None else [None] * len(imp)
    points: dict[tuple[float, float], list[int]] = {}
    for row, (u, i) in enumerate(zip(urg.tolist(), imp.tolist())):
        points.setdefault((u, i), []).append(row)
    xy = np.array(list(points.keys()), dtype=np.float64).reshape(-1, 2)
    sizes = np.array([40.0 + 30.0 * (len(rows) - 1) for rows in points.values()])
    colors = [c.NEED_COLORS[str(expected[rows[0]])] for rows in points.values()]
    ax = c.new_axes(ax, (6.5, 5.5))
    ax.scatter(xy[:, 0], xy[:, 1], s=sizes, c=colors, alpha=0.75, edgecolors="white", linewidths=0.8)
    for (u, i), rows in points.items():
        parts = [str(names[r]) for r in rows if names[r] is not None]
        text = ", ".join(parts[:3]) + (f" +{len(parts) - 3}" if len(parts) > 3 else "")
        if len(rows) > 1 and not parts:
            text = str(len(rows))
        if text:
            ax.annotate(text, (u, i), xytext=(6, 4), textcoords="offset points", fontsize=7)
    ax.axvline(t_urg, color=c.GREY, linestyle="--", linewidth=1)
    ax.axhline(t_imp, color=c.GREY, linestyle="--", linewidth=1)
    counts = {name: sum(1 for x in expected if x == name) for name in NEED_QUADRANTS}
    corners = {"do_now": (0.98, 0.98, "right", "top"), "schedule": (0.02, 0.98, "left", "top"),
               "delegate": (0.98, 0.02, "right", "bottom"), "defer": (0.02, 0.02, "left", "bottom")}  # fmt: skip
    for name, (x, y, ha, va) in corners.items():
        ax.text(x, y, f"{name.replace('_', ' ')} ({counts[name]})", transform=ax.transAxes, ha=ha, va=va,
                fontsize=9, fontweight="bold", color=c.NEED_COLORS[name])  # fmt: skip
    lo_u, hi_u = _span(urg, t_urg)
    lo_i, hi_i = _span(imp, t_imp)
    ax.set_xlim(lo_u, hi_u)
    ax.set_ylim(lo_i, hi_i)
    ax.set_xlabel("urgency")
    ax.set_ylabel("importance")
    c.style(ax, title, f"Needs: importance × urgency ({len(imp)} needs)", grid="both")
    return ax


def _span(values: np.ndarray, split: float) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    lo = min(float(finite.min()) if len(finite) else split, split)
    hi = max(float(finite.max()) if len(finite) else split, split)
    pad = 0.12 * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad

