"""RFM plots: segment sizes with revenue share, tier distribution, the R x F heat map and the
revenue concentration (Lorenz curve)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes

import crmkit
from crmkit.plot import _common as c

__all__ = ["lorenz_curve", "rf_heatmap", "segment_sizes", "tier_distribution"]

TIERS = ("churn risk", "potential", "high value")


def _groups(customers: Any, name: str, monetary: str) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """Labels in display order, customers per label and revenue per label (None without ``monetary``)."""
    values = c.labels(customers, name)
    c.not_empty(len(values), name)
    order = c.label_order(customers, name, values)
    for row, v in enumerate(values):
        if v is None:
            raise c.error(crmkit.MissingValueError, f"`{name}` is missing (null) at row {row}", name)
    index = {label: i for i, label in enumerate(order)}
    codes = np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))  # type: ignore[index]
    counts = np.bincount(codes, minlength=len(order)).astype(np.float64)
    revenue = None
    if c.has(customers, monetary):
        m = c.floats(customers, monetary)
        revenue = np.bincount(codes, weights=np.nan_to_num(m), minlength=len(order))
    return order, counts, revenue


def segment_sizes(
    customers: Any,
    *,
    segment: str = "segment",
    monetary: str = "monetary",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Customers and revenue per RFM segment, as shares of the whole.

    One pair of horizontal bars per segment (in the segment rules' order; segments without
    customers show as empty bars): the share of customers and the share of revenue (sum of
    ``monetary``). Labels give the count and both shares. Segments whose revenue share exceeds
    their customer share are worth more than their size.

    Args:
        customers: the output of :func:`crmkit.rfm` or :meth:`crmkit.RfmModel.transform` (any
            frame family), or any table with ``segment`` (and optionally ``monetary``).
        segment, monetary: column names; without a ``monetary`` column only customer shares are drawn.
        ax: the axes to draw on (default: a new figure).
        title: the title (None: a default; "" for none).

    Returns:
        The axes. ``ax.containers[0]`` holds the customer-share bars (percent), ``[1]`` the
        revenue-share bars.

    Examples:
        >>> import pandas as pd, crmkit, crmkit.plot
        >>> log = pd.DataFrame({"customer_id": [1, 2, 2, 3], "amount": [10.0, 30.0, 30.0, 5.0],
        ...                     "timestamp": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-03-20", "2024-02-01"])})
        >>> customers = crmkit.rfm(log, as_of="2024-03-31", k=2, segments={"k": 2, "rules": [
        ...     {"segment": "best", "f": [2, 2]}, {"segment": "rest"}]})
        >>> ax = crmkit.plot.segment_sizes(customers)
        >>> ax.containers[0].datavalues.round(1).tolist(), ax.containers[1].datavalues.round(1).tolist()
        ([33.3, 66.7], [80.0, 20.0])
    """
    order, counts, revenue = _groups(customers, segment, monetary)
    n = counts.sum()
    ax = c.new_axes(ax, (8.0, 0.45 * len(order) + 1.6))
    y = np.arange(len(order))[::-1]
    h = 0.4 if revenue is not None else 0.7
    cust_share = counts / n if n else np.zeros_like(counts)
    bars = ax.barh(y + (h / 2 if revenue is not None else 0), 100 * cust_share, height=h, color=c.BLUE, label="share of customers")
    for rect, k, s in zip(bars, counts, cust_share):
        ax.annotate(
            f"{c.count(k)} ({c.pct(s)})",
            (rect.get_width(), rect.get_y() + rect.get_height() / 2),
            xytext=(3, 0), textcoords="offset points", va="center", fontsize=8,
        )  # fmt: skip
    top = float(np.max(100 * cust_share)) if len(order) else 1.0
    if revenue is not None:
        total = revenue.sum()
        rev_share = revenue / total if total > 0 else np.full_like(revenue, np.nan)
        rbars = ax.barh(y - h / 2, 100 * np.nan_to_num(rev_share), height=h, color=c.ORANGE, label="share of revenue")
        for rect, s in zip(rbars, rev_share):
            ax.annotate(
                c.pct(s), (rect.get_width(), rect.get_y() + rect.get_height() / 2),
                xytext=(3, 0), textcoords="offset points", va="center", fontsize=8, color="#555555",
            )  # fmt: skip
        top = max(top, float(np.nanmax(100 * rev_share)) if total > 0 else 0.0)
    ax.set_yticks(y, order)
    ax.set_xlim(0, top * 1.3 + 1)
    ax.set_xlabel("share (%)")
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    c.style(ax, title, f"RFM segments: {c.count(n)} customers", grid="x")
    return ax


def tier_distribution(
    customers: Any,
    *,
    tier: str = "tier",
    monetary: str = "monetary",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Customers per RFM tier (churn risk / potential / high value), with their revenue share.

    One bar per tier in the colours of the alert levels (churn risk red, potential amber, high
    value green), labelled with the count, the share of customers and the share of revenue.

    Args:
        customers: the output of :func:`crmkit.rfm` (any frame family), or a table with ``tier``.
        tier, monetary: column names (revenue shares only when ``monetary`` is present).
        ax, title: as for :func:`segment_sizes`.

    Returns:
        The axes; ``ax.containers[0]`` holds the bars (customers per tier).

    Examples:
        >>> import crmkit.plot
        >>> ax = crmkit.plot.tier_distribution({"tier": ["potential", "high value", "potential"],
        ...                                     "monetary": [10.0, 50.0, 40.0]})
        >>> [t.get_text() for t in ax.get_xticklabels()], ax.containers[0].datavalues.tolist()
        (['potential', 'high value'], [2.0, 1.0])
    """
    order, counts, revenue = _groups(customers, tier, monetary)
    if set(order) <= set(TIERS) | {"low value"}:
        known = [t for t in (*TIERS, "low value") if t in order]
        pos = [order.index(t) for t in known]
        order, counts = known, counts[pos]
        revenue = None if revenue is None else revenue[pos]
    n = counts.sum()
    ax = c.new_axes(ax, (6.0, 4.0))
    colors = [c.color_of(t, i, c.TIER_COLORS) for i, t in enumerate(order)]
    bars = ax.bar(np.arange(len(order)), counts, color=colors, width=0.6)
    total = None if revenue is None else revenue.sum()
    for i, (rect, k) in enumerate(zip(bars, counts)):
        text = f"{c.count(k)}\n{c.pct(k / n if n else math.nan)} of customers"
        if revenue is not None and total:
            text += f"\n{c.pct(revenue[i] / total)} of revenue"
        ax.annotate(text, (rect.get_x() + rect.get_width() / 2, rect.get_height()), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8)  # fmt: skip
    ax.set_xticks(np.arange(len(order)), order)
    ax.set_ylim(0, (counts.max() if len(counts) else 1) * 1.35)
    ax.set_ylabel("customers")
    c.style(ax, title, f"RFM tiers: {c.count(n)} customers")
    return ax


def rf_heatmap(
    customers: Any,
    *,
    value: Literal["count", "monetary"] = "count",
    r: str = "r_score",
    f: str = "f_score",
    monetary: str = "monetary",
    k: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The R × F grid: customers (or their mean monetary value) per recency and frequency score.

    Rows are R scores (k, the most recent, at the top), columns F scores (k, the most frequent,
    on the right). Each cell is labelled with its value;
    empty cells of the mean are blank.

    Args:
        customers: the output of :func:`crmkit.rfm` (any frame family), with ``r_score`` and ``f_score``.
        value: ``'count'`` (customers per cell) or ``'monetary'`` (mean ``monetary`` per cell).
        r, f, monetary: column names.
        k: the number of scores (default: the highest score present).
        ax, title: as for :func:`segment_sizes`.

    Returns:
        The axes; ``ax.images[0].get_array()`` is the k x k matrix, row i = R score i + 1.

    Examples:
        >>> import crmkit.plot
        >>> ax = crmkit.plot.rf_heatmap({"r_score": [1, 2, 2], "f_score": [1, 2, 2], "monetary": [5.0, 7.0, 9.0]},
        ...                             value="monetary")
        >>> ax.images[0].get_array().tolist()
        [[5.0, None], [None, 8.0]]
    """
    if value not in ("count", "monetary"):
        raise c.config_error(f"invalid `value`: {value!r} (expected 'count' or 'monetary')", "value")
    rs = c.floats(customers, r)
    fs = c.floats(customers, f)
    c.not_empty(len(rs), r)
    for name, s in ((r, rs), (f, fs)):
        bad = ~np.isfinite(s) | (s < 1) | (s != np.round(s))
        if bad.any():
            row = int(np.argmax(bad))
            raise c.error(crmkit.InvalidValueError, f"invalid `{name}` at row {row}: {s[row]!r} (expected a score 1..k)", name)
    top = int(max(rs.max(), fs.max()))
    if k is None:
        k = top
    elif k < top:
        raise c.config_error(f"invalid `k`: {k} (scores up to {top} are present)", "k")
    ri, fi = rs.astype(np.int64) - 1, fs.astype(np.int64) - 1
    counts = np.zeros((k, k))
    np.add.at(counts, (ri, fi), 1.0)
    if value == "count":
        matrix = np.ma.masked_array(counts, mask=np.zeros_like(counts, dtype=bool))
        label = "customers"
        fmt: Callable[[float], str] = c.count
    else:
        m = c.floats(customers, monetary)
        sums = np.zeros((k, k))
        np.add.at(sums, (ri, fi), m)
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix = np.ma.masked_invalid(sums / counts)
        label, fmt = f"mean {monetary}", _amount

    ax = c.new_axes(ax, (1.0 * k + 2.8, 0.8 * k + 1.6))
    image = ax.imshow(matrix, origin="lower", cmap=c.CMAP, aspect="auto")
    vmin, vmax = (float(matrix.min()), float(matrix.max())) if matrix.count() else (0.0, 1.0)
    for i in range(k):
        for j in range(k):
            if not np.ma.is_masked(matrix[i, j]):
                v = float(matrix[i, j])
                ax.text(j, i, fmt(v), ha="center", va="center", fontsize=8, color=c.heat_text_color(v, vmin, vmax))
    ax.set_xticks(range(k), [str(i + 1) for i in range(k)])
    ax.set_yticks(range(k), [str(i + 1) for i in range(k)])
    ax.set_xlabel("F score (frequency: k = most purchases)")
    ax.set_ylabel("R score (recency: k = most recent)")
    ax.figure.colorbar(image, ax=ax, label=label, shrink=0.85)
    default = "Customers per R × F cell" if value == "count" else f"Mean {monetary} per R × F cell"
    c.style(ax, title, default, grid=None)
    return ax


def lorenz_curve(
    customers: Any,
    *,
    monetary: str = "monetary",
    top_fraction: float = 0.2,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Revenue concentration: the Lorenz curve with the Gini coefficient and the top customers' share.

    Customers are sorted by spend, smallest first; the curve joins (share of customers, share of
    revenue) from (0, 0) to (1, 1). The diagonal is perfect equality; the Gini coefficient is
    twice the area between them. The marked point is the share of revenue of the top
    ``top_fraction`` of customers (the top ceil(top_fraction · n)). Both numbers come from
    :func:`crmkit.concentration`.

    Args:
        customers: a table with ``monetary`` (e.g. the output of :func:`crmkit.rfm`), or the spend
            per customer itself (array or column), finite and >= 0.
        monetary: the spend column name.
        top_fraction: in (0, 1].
        ax, title: as for :func:`segment_sizes`.

    Returns:
        The axes; ``ax.lines[0]`` is the Lorenz curve.

    Examples:
        >>> import crmkit.plot
        >>> ax = crmkit.plot.lorenz_curve({"monetary": [0.0, 0.0, 0.0, 10.0]}, top_fraction=0.25)
        >>> ax.lines[0].get_ydata().tolist()
        [0.0, 0.0, 0.0, 0.0, 1.0]
        >>> ax.get_legend().get_texts()[0].get_text()
        'Lorenz curve (Gini 0.750)'
    """
    spend = c.floats(customers, monetary) if not _is_array(customers) else c.floats(None, customers, "monetary")
    result = crmkit.concentration(spend, top_fraction)
    gini, top_share = result["gini"], result["top_share"]
    n = len(spend)
    s = np.sort(spend)
    total = s.sum()
    x = np.arange(n + 1) / n
    y = np.concatenate([[0.0], np.cumsum(s) / total]) if total > 0 else x.copy()
    if n > 20_000:  # plot at most ~20k points; the curve is exact at the points kept
        keep = np.unique(np.linspace(0, n, 20_001).round().astype(np.int64))
        x, y = x[keep], y[keep]
    ax = c.new_axes(ax, (5.5, 5.0))
    ax.plot(x, y, color=c.BLUE, linewidth=2, label=f"Lorenz curve (Gini {gini:.3f})")
    ax.fill_between(x, y, x, color=c.BLUE, alpha=0.12)
    ax.plot([0, 1], [0, 1], color=c.GREY, linestyle="--", linewidth=1, label="equality")
    top_n = math.ceil(top_fraction * n)
    px, py = 1 - top_n / n, 1 - top_share
    ax.plot([px, px, 1], [0, py, py], color=c.RED, linestyle=":", linewidth=1)
    ax.plot([px], [py], "o", color=c.RED,
            label=f"top {c.pct(top_fraction, 0)} of customers: {c.pct(top_share)} of revenue")  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("share of customers (smallest spend first)")
    ax.set_ylabel("share of revenue")
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    c.style(ax, title, f"Revenue concentration: Gini {gini:.2f}", grid="both")
    return ax


def _amount(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}"


def _is_array(x: Any) -> bool:
    """True for a column (array, list, Series, Arrow array), False for a table or dict."""
    from crmkit.lifecycle import _is_column

    return _is_column(x) or (hasattr(x, "__arrow_c_array__") and not hasattr(x, "column_names"))
