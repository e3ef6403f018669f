"""Lifecycle plots: the migration between two snapshots as a Sankey diagram and as a heat map."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from crmkit.plot import _common as c

__all__ = ["migration_sankey", "transition_heatmap"]


def _migration(migration: Any) -> tuple[list[str], Any]:
    if not (isinstance(migration, Mapping) and "labels" in migration and "flows" in migration):
        raise c.config_error("invalid `migration`: pass the dict returned by crmkit.stage_migration", "migration")
    return [str(x) for x in migration["labels"]], migration


def migration_sankey(
    migration: Any,
    *,
    snapshots: tuple[str, str] = ("before", "after"),
    min_count: int = 0,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The migration between two snapshots as a Sankey diagram.

    Left: the labels (lifecycle stages, tiers or segments) of the first snapshot, right: of the
    second, each a bar as tall as its customers; a band joins them for every non-empty
    transition, as thick as the customers who moved that way and coloured like its origin.
    Labels with no customers on a side are left out there; ``'(absent)'`` marks customers present
    in only one snapshot.

    Args:
        migration: the dict returned by :func:`crmkit.stage_migration` (any frame family).
        snapshots: the names of the two snapshots, shown above the columns (e.g. two dates).
        min_count: draw only the bands of at least this many customers (the bars keep their full
            height; the title says how many were left out).
        ax, title: the axes to draw on (default: a new figure) and the title (None: a default).

    Returns:
        The axes. Every node bar is a ``Rectangle`` with gid ``'node:before:<label>'`` or
        ``'node:after:<label>'``; every band a ``PathPatch`` with gid ``'flow:<from>-><to>'``.

    Examples:
        >>> import pandas as pd, crmkit, crmkit.plot
        >>> q1 = pd.DataFrame({"customer_id": [1, 2, 3], "tier": ["high value", "potential", "potential"]})
        >>> q2 = pd.DataFrame({"customer_id": [1, 2, 3], "tier": ["high value", "high value", "churn risk"]})
        >>> ax = crmkit.plot.migration_sankey(crmkit.stage_migration(q1, q2, label="tier"))
        >>> sorted(p.get_gid() for p in ax.patches if p.get_gid().startswith("flow:"))
        ['flow:high value->high value', 'flow:potential->churn risk', 'flow:potential->high value']
    """
    order, mig = _migration(migration)
    flows = mig["flows"]
    src = c.labels(flows, "from")
    dst = c.labels(flows, "to")
    cnt = c.floats(flows, "count")
    c.not_empty(len(cnt), "flows")
    rank = {name: i for i, name in enumerate(order)}
    out_tot = {name: 0.0 for name in order}
    in_tot = {name: 0.0 for name in order}
    for s, d, k in zip(src, dst, cnt):
        out_tot[str(s)] += k
        in_tot[str(d)] += k
    total = float(cnt.sum())
    colors = c.label_colors(order)
    left = [x for x in order if out_tot[x] > 0]
    right = [x for x in order if in_tot[x] > 0]
    gap = 0.02 * total if total else 1.0
    height = total + gap * (max(len(left), len(right)) - 1)
    ax = c.new_axes(ax, (9.0, max(4.5, 0.5 * max(len(left), len(right)) + 2.5)))
    x0, x1, w = 0.0, 1.0, 0.04

    def stack(names: list[str], totals: dict[str, float]) -> dict[str, float]:
        # top of each node, first label at the top, centred vertically
        span = sum(totals[n] for n in names) + gap * (len(names) - 1)
        top = height - (height - span) / 2
        tops = {}
        for name in names:
            tops[name] = top
            top -= totals[name] + gap
        return tops

    l_top, r_top = stack(left, out_tot), stack(right, in_tot)
    for name in left:
        ax.add_patch(Rectangle((x0 - w, l_top[name] - out_tot[name]), w, out_tot[name], color=colors[name], gid=f"node:before:{name}"))
        ax.text(x0 - w - 0.01, l_top[name] - out_tot[name] / 2, f"{name}  {c.count(out_tot[name])}", ha="right", va="center", fontsize=8)
    for name in right:
        ax.add_patch(Rectangle((x1, r_top[name] - in_tot[name]), w, in_tot[name], color=colors[name], gid=f"node:after:{name}"))
        ax.text(x1 + w + 0.01, r_top[name] - in_tot[name] / 2, f"{c.count(in_tot[name])}  {name}", ha="left", va="center", fontsize=8)
    # bands leave each left node in the order of their targets and enter each right node in the
    # order of their sources, which keeps crossings few
    l_cursor = dict(l_top)
    r_cursor = dict(r_top)
    items = sorted(zip(src, dst, cnt), key=lambda t: (rank[str(t[0])], rank[str(t[1])]))
    starts = {}
    for s, d, k in items:
        starts[(s, d)] = l_cursor[str(s)]
        l_cursor[str(s)] -= k
    hidden = 0
    for s, d, k in sorted(items, key=lambda t: (rank[str(t[1])], rank[str(t[0])])):
        y_end = r_cursor[str(d)]
        r_cursor[str(d)] -= k
        if k < min_count:
            hidden += 1
            continue
        y_start = starts[(s, d)]
        mid = (x0 + x1) / 2
        verts = [
            (x0, y_start), (mid, y_start), (mid, y_end), (x1, y_end),
            (x1, y_end - k), (mid, y_end - k), (mid, y_start - k), (x0, y_start - k),
            (x0, y_start),
        ]  # fmt: skip
        codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
        ax.add_patch(PathPatch(Path(verts, codes), facecolor=colors[str(s)], alpha=0.45, edgecolor="none", gid=f"flow:{s}->{d}"))
    ax.text(x0 - w / 2, height * 1.03, snapshots[0], ha="center", va="bottom", fontsize=9, fontweight="bold")
    ax.text(x1 + w / 2, height * 1.03, snapshots[1], ha="center", va="bottom", fontsize=9, fontweight="bold")
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(-0.02 * height, height * 1.1)
    ax.set_axis_off()
    moved = sum(k for s, d, k in zip(src, dst, cnt) if s != d)
    default = f"Migration: {c.count(moved)} of {c.count(total)} customers changed ({c.pct(moved / total if total else float('nan'))})"
    if hidden:
        default += f"; {hidden} bands under {min_count} customers not drawn"
    ax.set_title(default if title is None else title, fontsize=11)
    return ax


def transition_heatmap(
    migration: Any,
    *,
    value: Literal["rates", "counts"] = "rates",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The transition matrix between two snapshots as a heat map.

    Rows are the labels of the first snapshot, columns those of the second; ``value='rates'``
    colours each cell by the share of the row's customers who moved there (each non-empty cell
    shows the percentage and the count), ``'counts'`` by the number of customers. Rows without
    customers are blank.

    Args:
        migration: the dict returned by :func:`crmkit.stage_migration` (any frame family).
        value: ``'rates'`` or ``'counts'``.
        ax, title: as for :func:`migration_sankey`.

    Returns:
        The axes; ``ax.images[0].get_array()`` is the matrix drawn (rows and columns in the
        migration's label order).

    Examples:
        >>> import pandas as pd, crmkit, crmkit.plot
        >>> q1 = pd.DataFrame({"customer_id": [1, 2, 3], "tier": ["high value", "potential", "potential"]})
        >>> q2 = pd.DataFrame({"customer_id": [1, 2, 3], "tier": ["high value", "high value", "churn risk"]})
        >>> ax = crmkit.plot.transition_heatmap(crmkit.stage_migration(q1, q2, label="tier"))
        >>> ax.images[0].get_array().tolist()
        [[None, None, None], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0]]
    """
    if value not in ("rates", "counts"):
        raise c.config_error(f"invalid `value`: {value!r} (expected 'rates' or 'counts')", "value")
    order, mig = _migration(migration)
    c.not_empty(len(order), "labels")
    counts = np.column_stack([c.floats(mig["counts"], name) for name in order]) if order else np.zeros((0, 0))
    rates = np.column_stack([c.floats(mig["rates"], name) for name in order]) if order else np.zeros((0, 0))
    row_total = counts.sum(axis=1)
    empty = np.repeat((row_total == 0)[:, None], len(order), axis=1)
    matrix = np.ma.masked_array(rates if value == "rates" else counts, mask=empty)
    k = len(order)
    ax = c.new_axes(ax, (0.75 * k + 3.5, 0.5 * k + 2.0))
    vmax = 1.0 if value == "rates" else max(float(counts.max()) if k else 1.0, 1.0)
    image = ax.imshow(matrix, cmap=c.CMAP, vmin=0.0, vmax=vmax, aspect="auto")
    for i in range(k):
        for j in range(k):
            if empty[i, j] or counts[i, j] == 0:
                continue
            v = float(matrix[i, j])
            text = f"{c.pct(rates[i, j], 0)}\n{c.count(counts[i, j])}" if value == "rates" else c.count(counts[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=c.heat_text_color(v, 0.0, vmax))
    ax.set_xticks(range(k), order, rotation=30, ha="right")
    ax.set_yticks(range(k), [f"{name} ({c.count(t)})" for name, t in zip(order, row_total)])
    ax.set_xlabel("to (second snapshot)")
    ax.set_ylabel("from (first snapshot, customers)")
    ax.figure.colorbar(image, ax=ax, label="share of the row" if value == "rates" else "customers", shrink=0.85)
    c.style(ax, title, "Transition matrix" + (" (row shares)" if value == "rates" else " (customers)"), grid=None)
    return ax
