"""Churn plots: alert levels, reason-code frequencies, the churn index by segment, and the
calibration curve, gains chart and lift chart of a churn probability model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

import numpy as np
from matplotlib.axes import Axes

from crmkit.churn import ChurnSignalName
from crmkit.plot import _common as c

__all__ = ["alert_levels", "calibration_curve", "churn_index_by_segment", "gains_chart", "lift_chart", "reason_codes"]

ALERTS = ("green", "yellow", "red")
#: The reason codes in the order the core defines them (the churn module's one list).
REASONS: tuple[str, ...] = get_args(ChurnSignalName)


def alert_levels(risk: Any, *, alert: str = "alert", ax: Axes | None = None, title: str | None = None) -> Axes:
    """Customers per churn alert level: green, yellow, red (and 'not scored' for a null alert).

    Args:
        risk: the output of :func:`crmkit.churn_risk` (any frame family), or a table with ``alert``.
        alert: the alert column name.
        ax, title: the axes to draw on (default: a new figure) and the title (None: a default).

    Returns:
        The axes; ``ax.containers[0]`` holds one bar per level (green, yellow, red, then 'not
        scored' when some customers have no index).

    Examples:
        >>> import pandas as pd, crmkit, crmkit.plot
        >>> signals = pd.DataFrame({"activity_drop": [0.9, 0.1, 0.6], "order_value_change": [-0.6, 0.0, -0.2]})
        >>> risk = crmkit.churn_risk(signals)
        >>> risk["alert"].tolist()
        ['red', 'green', 'yellow']
        >>> crmkit.plot.alert_levels(risk).containers[0].datavalues.tolist()
        [1.0, 1.0, 1.0]
    """
    values = c.labels(risk, alert)
    c.not_empty(len(values), alert)
    order = list(ALERTS) + sorted({v for v in values if v is not None and v not in ALERTS})
    counts = [sum(1 for v in values if v == level) for level in order]
    colors = [c.ALERT_COLORS.get(level, c.GREY) for level in order]
    missing = sum(1 for v in values if v is None)
    if missing:
        order.append("not scored")
        counts.append(missing)
        colors.append(c.LIGHT_GREY)
    n = len(values)
    ax = c.new_axes(ax, (6.0, 4.0))
    bars = ax.bar(np.arange(len(order)), np.asarray(counts, dtype=np.float64), color=colors, width=0.6, edgecolor="#555555", linewidth=0.5)
    for rect, k in zip(bars, counts):
        ax.annotate(f"{c.count(k)}\n({c.pct(k / n if n else float('nan'))})", (rect.get_x() + rect.get_width() / 2, k),
                    xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=8)  # fmt: skip
    ax.set_xticks(np.arange(len(order)), order)
    ax.set_ylim(0, max(counts + [1]) * 1.25)
    ax.set_ylabel("customers")
    c.style(ax, title, f"Churn alert levels: {c.count(n)} customers")
    return ax


def _reason_lists(reasons: Any, reason: str) -> tuple[list[str], int | None, str]:
    """Every fired reason (one entry per customer and reason), the customers and the denominator's name."""
    if c.has(reasons, reason):
        codes = [v for v in c.labels(reasons, reason) if v is not None]
        customers = len(set(c.labels(reasons, "customer_id"))) if c.has(reasons, "customer_id") else None
        return codes, customers, "of customers with a reason"
    if c.has(reasons, "reasons"):
        from crmkit import _frames
        from crmkit.lifecycle import _values

        lists = _values(_frames.column(reasons, "reasons", "reasons"))
        codes = [str(code) for lst in lists if lst is not None for code in list(lst)]
        return codes, len(lists), "of customers"
    raise c.config_error(f"invalid `reasons`: no column {reason!r} nor 'reasons' (pass churn_reasons or churn_signals output)", "reasons")


def reason_codes(reasons: Any, *, reason: str = "reason", ax: Axes | None = None, title: str | None = None) -> Axes:
    """How often each churn warning rule fired, most frequent first.

    Args:
        reasons: the output of :func:`crmkit.churn_reasons` (long form, one row per customer and
            reason) or of :func:`crmkit.churn_signals` (its ``reasons`` list column), any frame family.
        reason: the reason column name of the long form.
        ax, title: as for :func:`alert_levels`.

    Returns:
        The axes; ``ax.containers[0]`` holds one horizontal bar per reason code, the most
        frequent at the top. Labels give the count and its share of the customers (of those with
        a reason, for the long form).

    Examples:
        >>> import pandas as pd, crmkit, crmkit.plot
        >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2], "amount": [50.0, 50.0, 20.0, 10.0, 10.0],
        ...                    "timestamp": pd.to_datetime(["2024-01-10", "2024-02-10", "2024-03-10", "2024-06-01", "2024-06-20"])})
        >>> ax = crmkit.plot.reason_codes(crmkit.churn_reasons(tx, as_of="2024-06-30"))
        >>> [t.get_text() for t in ax.get_yticklabels()], ax.containers[0].datavalues.tolist()
        (['activity_drop', 'purchase_gap'], [1.0, 1.0])
    """
    codes, customers, of = _reason_lists(reasons, reason)
    known = {code: i for i, code in enumerate(REASONS)}
    counts: dict[str, int] = {}
    for code in codes:
        counts[code] = counts.get(code, 0) + 1
    order = sorted(counts, key=lambda k: (-counts[k], known.get(k, len(known)), k))
    ax = c.new_axes(ax, (7.0, 0.45 * max(len(order), 1) + 1.5))
    y = np.arange(len(order))[::-1]
    values = [counts[k] for k in order]
    bars = ax.barh(y, np.asarray(values, dtype=np.float64), color=c.RED, alpha=0.8, height=0.6)
    for rect, k in zip(bars, values):
        text = c.count(k) + (f" ({c.pct(k / customers)})" if customers else "")
        ax.annotate(text, (k, rect.get_y() + rect.get_height() / 2), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)  # fmt: skip
    ax.set_yticks(y, order)
    ax.set_xlim(0, max(values + [1]) * 1.3)
    ax.set_xlabel("customers for whom the rule fired" + (f" (% {of})" if customers else ""))
    c.style(ax, title, f"Churn reason codes ({c.count(len(codes))} reasons)", grid="x")
    return ax


def churn_index_by_segment(
    data: Any,
    *,
    segment: str = "segment",
    churn_index: str = "churn_index",
    options: Any = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The churn risk index (1–10) per segment: mean with the interquartile range.

    One horizontal bar per segment (the segment column's category order): the mean index of its
    scored customers, the whisker spanning the 25th to 75th percentile, coloured by the alert
    level of the mean; dashed lines mark where yellow and red alerts start. Customers without an
    index (null) are left out and counted in the label.

    Args:
        data: a table with both columns, e.g. the output of :func:`crmkit.churn_risk` with the
            ``segment`` of :func:`crmkit.rfm` added (any frame family).
        segment, churn_index: column names.
        options: the :class:`crmkit.ChurnIndexOptions` (or dict / JSON) the index was made with, for
            the alert thresholds; None = defaults (yellow from 5, red from 8).
        ax, title: as for :func:`alert_levels`.

    Returns:
        The axes; ``ax.containers[0]`` holds the mean-index bars.

    Examples:
        >>> import crmkit.plot
        >>> ax = crmkit.plot.churn_index_by_segment({"segment": ["a", "a", "b"], "churn_index": [2.0, 4.0, 9.0]})
        >>> ax.containers[0].datavalues.tolist()
        [3.0, 9.0]
    """
    from crmkit.churn import _index_options

    opts = _index_options(options)
    yellow, red = opts.yellow_from, opts.red_from
    seg = c.labels(data, segment)
    idx = c.floats(data, churn_index)
    c.not_empty(len(seg), segment)
    order = c.label_order(data, segment, seg)
    seg_arr = np.asarray(seg, dtype=object)
    means, lo, hi, scored, unscored = [], [], [], [], []
    for name in order:
        values = idx[seg_arr == name]
        ok = values[~np.isnan(values)]
        scored.append(len(ok))
        unscored.append(len(values) - len(ok))
        if len(ok):
            q25, q75 = np.percentile(ok, [25, 75])
            means.append(float(ok.mean()))
            lo.append(float(q25))
            hi.append(float(q75))
        else:
            means.append(float("nan"))
            lo.append(float("nan"))
            hi.append(float("nan"))
    m = np.asarray(means)
    colors = [c.RED if v >= red else c.AMBER if v >= yellow else c.GREEN for v in np.nan_to_num(m)]
    ax = c.new_axes(ax, (7.5, 0.45 * max(len(order), 1) + 1.6))
    y = np.arange(len(order))[::-1]
    xerr = np.vstack([np.clip(m - np.asarray(lo), 0, None), np.clip(np.asarray(hi) - m, 0, None)])
    bars = ax.barh(y, m, color=colors, alpha=0.85, height=0.6)
    ax.errorbar(m, y, xerr=xerr, fmt="none", ecolor="#444444", capsize=3, linewidth=1)
    for rect, v, k, u in zip(bars, m, scored, unscored):
        text = (f"{v:.1f}" if v == v else "no index") + f"  (n={c.count(k)}" + (f", {c.count(u)} unscored)" if u else ")")
        ax.annotate(text, (10.1, rect.get_y() + rect.get_height() / 2), va="center", fontsize=8, annotation_clip=False)
    ax.axvline(yellow, color=c.AMBER, linestyle="--", linewidth=1)
    ax.axvline(red, color=c.RED, linestyle="--", linewidth=1)
    ax.set_yticks(y, order)
    ax.set_xlim(0, 10)
    ax.set_xticks(range(0, 11))
    ax.set_xlabel(f"churn risk index (mean, whisker = 25th–75th percentile; yellow from {yellow}, red from {red})")
    c.style(ax, title, "Churn risk index by segment", grid="x")
    return ax


def _calibration(evaluation: Any) -> tuple[dict[str, np.ndarray], Mapping[str, Any] | None]:
    """The calibration bins of an :func:`crmkit.evaluate` result (or its table), sorted by bin."""
    report = evaluation if isinstance(evaluation, Mapping) and "calibration" in evaluation else None
    table = report["calibration"] if report is not None else evaluation
    cols = c.to_numpy(table, ["bin", "n", "mean_predicted", "observed_rate"])
    c.not_empty(len(cols["bin"]), "calibration")
    order = np.argsort(cols["bin"], kind="stable")
    return {k: v[order] for k, v in cols.items()}, report


def calibration_curve(evaluation: Any, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Calibration of predicted churn probabilities: observed churn rate against the mean
    prediction in each quantile bin (deciles by default), with the diagonal of perfect calibration.

    Args:
        evaluation: the dict of :func:`crmkit.evaluate`, or its ``calibration`` table (any family).
        ax, title: as for :func:`alert_levels`.

    Returns:
        The axes; ``ax.lines[0]`` joins the bins (x = mean_predicted, y = observed_rate).

    Examples:
        >>> import crmkit, crmkit.plot
        >>> report = crmkit.evaluate([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.4, 0.4], n_bins=2)
        >>> ax = crmkit.plot.calibration_curve(report)
        >>> ax.lines[0].get_xydata().round(4).tolist()
        [[0.225, 0.5], [0.5, 0.5]]
    """
    bins, report = _calibration(evaluation)
    ax = c.new_axes(ax, (5.5, 5.0))
    x, y, n = bins["mean_predicted"], bins["observed_rate"], bins["n"]
    ax.plot(x, y, "-", color=c.BLUE, linewidth=1.5, label="observed rate per bin")
    ax.scatter(x, y, s=20 + 200 * n / max(n.max(), 1), color=c.BLUE, zorder=3, alpha=0.8)
    ax.plot([0, 1], [0, 1], color=c.GREY, linestyle="--", linewidth=1, label="perfect calibration")
    hi = max(float(np.max(np.concatenate([x, y]))) if len(x) else 1.0, 0.05) * 1.1
    ax.set_xlim(0, min(hi, 1.0))
    ax.set_ylim(0, min(hi, 1.0))
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed churn rate")
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    default = "Calibration" + (
        f" (Brier {report['brier_score']:.3f}, AUC {report['auc']:.3f}, {c.count(report['n'])} customers)" if report else ""
    )
    c.style(ax, title, default, grid="both")
    return ax


def _ranked(evaluation: Any) -> tuple[np.ndarray, np.ndarray, float, Mapping[str, Any] | None]:
    """Bins from the highest predictions down: customers, positives, and the base rate."""
    bins, report = _calibration(evaluation)
    n = bins["n"][::-1]
    positives = (bins["n"] * bins["observed_rate"])[::-1]
    total = n.sum()
    base = positives.sum() / total if total else float("nan")
    return n, positives, base, report


def gains_chart(evaluation: Any, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Cumulative gains: the share of all churners caught when targeting the customers with the
    highest predicted probability first, bin by bin (from :func:`crmkit.evaluate`'s calibration
    bins), against random targeting (the diagonal) and a perfect model.

    Args:
        evaluation: the dict of :func:`crmkit.evaluate`, or its ``calibration`` table.
        ax, title: as for :func:`alert_levels`.

    Returns:
        The axes; ``ax.lines[0]`` is the gains curve from (0, 0) through each bin's cumulative
        (share of customers, share of churners).

    Examples:
        >>> import crmkit, crmkit.plot
        >>> report = crmkit.evaluate([0, 0, 0, 1, 0, 1, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], n_bins=4)
        >>> crmkit.plot.gains_chart(report).lines[0].get_xydata().tolist()
        [[0.0, 0.0], [0.25, 0.5], [0.5, 0.75], [0.75, 1.0], [1.0, 1.0]]
    """
    n, positives, base, report = _ranked(evaluation)
    x = np.concatenate([[0.0], np.cumsum(n) / n.sum()])
    y = np.concatenate([[0.0], np.cumsum(positives) / positives.sum()]) if positives.sum() > 0 else x
    ax = c.new_axes(ax, (5.5, 5.0))
    ax.plot(x, y, "o-", color=c.BLUE, linewidth=2, markersize=4, label="model")
    ax.plot([0, 1], [0, 1], color=c.GREY, linestyle="--", linewidth=1, label="random")
    ax.plot([0, base, 1], [0, 1, 1], color=c.GREEN, linestyle=":", linewidth=1, label="perfect")
    if report is not None:
        top = report["top"]
        ax.annotate(
            f"top {c.pct(top['fraction'], 0)}: {c.pct(top['capture_rate'])} of churners (lift {top['lift']:.2f})",
            (0.98, 0.04), xycoords="axes fraction", ha="right", fontsize=8,
        )  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("share of customers targeted (highest predicted first)")
    ax.set_ylabel("share of churners caught")
    ax.legend(loc="center right", frameon=False, fontsize=8)
    c.style(ax, title, "Cumulative gains", grid="both")
    return ax


def lift_chart(evaluation: Any, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Lift per bin: each bin's churn rate over the overall rate, bins from the highest predicted
    probability (1) down, with the cumulative lift as a line and 1 (random) as the baseline.

    Args:
        evaluation: the dict of :func:`crmkit.evaluate`, or its ``calibration`` table.
        ax, title: as for :func:`alert_levels`.

    Returns:
        The axes; ``ax.containers[0]`` holds the lift of each bin, ``ax.lines[0]`` the
        cumulative lift.

    Examples:
        >>> import crmkit, crmkit.plot
        >>> report = crmkit.evaluate([0, 0, 0, 1, 0, 1, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], n_bins=4)
        >>> crmkit.plot.lift_chart(report).containers[0].datavalues.tolist()
        [2.0, 1.0, 1.0, 0.0]
    """
    n, positives, base, report = _ranked(evaluation)
    rate = np.divide(positives, n, out=np.zeros_like(positives), where=n > 0)
    lift = rate / base if base > 0 else np.full_like(rate, np.nan)
    cum = (np.cumsum(positives) / np.cumsum(n)) / base if base > 0 else np.full_like(rate, np.nan)
    k = len(n)
    ax = c.new_axes(ax, (7.0, 4.5))
    pos = np.arange(1, k + 1)
    bars = ax.bar(pos, lift, color=c.BLUE, alpha=0.8, width=0.7, label="lift of the bin")
    for rect, v in zip(bars, lift):
        ax.annotate(f"{v:.2f}", (rect.get_x() + rect.get_width() / 2, v), xytext=(0, 2), textcoords="offset points",
                    ha="center", fontsize=7)  # fmt: skip
    ax.plot(pos, cum, "o-", color=c.ORANGE, linewidth=1.5, markersize=4, label="cumulative lift")
    ax.axhline(1.0, color=c.GREY, linestyle="--", linewidth=1, label="random")
    top = np.nanmax(np.concatenate([lift, cum, [1.0]]))
    ax.set_ylim(0, top * 1.15)
    ax.set_xticks(pos, [str(i) for i in pos])
    ax.set_xlabel("bin (1 = highest predicted probability)")
    ax.set_ylabel("lift (churn rate / overall rate)")
    ax.legend(loc="upper right", frameon=False, fontsize=8)
    c.style(ax, title, f"Lift by bin (overall churn rate {c.pct(base)})")
    return ax

