"""CLV plots, the standard diagnostics of lifetimes and pymc-marketing drawn from crmkit's models:
period transactions (actual vs model), the frequency / recency matrix of expected purchases, the
P(alive) matrix, calibration vs holdout purchases, one customer's P(alive) history and the
distribution of predicted CLV.

``model`` is a fitted :class:`crmkit.BgNbd`, :class:`crmkit.ParetoNbd` or :class:`crmkit.MbgNbd`;
``summary`` the output of :func:`crmkit.btyd_summary` (any frame family) in the model's time unit.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes

import crmkit
from crmkit import _frames
from crmkit.plot import _common as c

__all__ = [
    "calibration_holdout",
    "clv_distribution",
    "frequency_recency_matrix",
    "period_transactions",
    "probability_alive_history",
    "probability_alive_matrix",
]

_UNIT_DAYS = {"days": 1.0, "weeks": 7.0}


def _check_model(model: Any) -> None:
    from crmkit.clv import _TransactionModel

    if not isinstance(model, _TransactionModel):
        raise c.config_error(
            f"invalid `model`: {type(model).__name__} (expected a fitted BgNbd, ParetoNbd or MbgNbd)", "model"
        )
    model._fitted()


def period_transactions(
    model: Any,
    summary: Any,
    *,
    max_frequency: int = 7,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Customers by number of repeat purchases in the calibration period: actual against the model.

    Actual: customers with x = 0, 1, …, ``max_frequency`` − 1 repeat purchases and with
    ``max_frequency`` or more. Model: the expected number of such customers, Σᵢ P(X(Tᵢ) = x) over
    the customers' ages Tᵢ (``model.probability_of_purchases``), the last bar taking the rest —
    the exact expectation of the histogram lifetimes' ``plot_period_transactions`` simulates.

    Args:
        model: a fitted transaction model.
        summary: the table the model was fitted on (columns ``x`` and ``T``).
        max_frequency: the first repeat count pooled into the last bar.
        ax, title: the axes to draw on (default: a new figure) and the title (None: a default).

    Returns:
        The axes; ``ax.containers[0]`` holds the actual counts, ``[1]`` the model's.

    Examples:
        >>> import crmkit, crmkit.plot
        >>> bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
        >>> summary = {"x": [0.0, 0.0, 1.0, 3.0], "t_x": [0.0, 0.0, 5.0, 20.0], "T": [30.0, 38.0, 38.0, 38.0]}
        >>> ax = crmkit.plot.period_transactions(bg, summary, max_frequency=3)
        >>> ax.containers[0].datavalues.tolist(), round(float(sum(ax.containers[1].datavalues)), 12)
        ([2.0, 1.0, 0.0, 1.0], 4.0)
    """
    _check_model(model)
    if max_frequency < 1:
        raise c.config_error(f"invalid `max_frequency`: {max_frequency} (must be >= 1)", "max_frequency")
    x = c.floats(summary, model.x)
    T = c.floats(summary, model.T)
    c.not_empty(len(x), model.x)
    actual = np.bincount(np.minimum(x, max_frequency).astype(np.int64), minlength=max_frequency + 1)[: max_frequency + 1]
    ages, weight = np.unique(T, return_counts=True)
    expected = np.zeros(max_frequency + 1)
    for age, k in zip(ages, weight):
        p = np.array([model.probability_of_purchases(n, float(age)) for n in range(max_frequency)])
        expected[:max_frequency] += k * p
        expected[max_frequency] += k * max(0.0, 1.0 - p.sum())
    ax = c.new_axes(ax, (8.0, 4.5))
    pos = np.arange(max_frequency + 1)
    a = ax.bar(pos - 0.2, actual.astype(np.float64), width=0.4, color=c.ACTUAL_COLOR, label="actual")
    m = ax.bar(pos + 0.2, expected, width=0.4, color=c.MODEL_COLOR, label=f"model ({type(model).__name__})")
    for rect in list(a) + list(m):
        ax.annotate(c.count(rect.get_height()), (rect.get_x() + rect.get_width() / 2, rect.get_height()), xytext=(0, 2),
                    textcoords="offset points", ha="center", fontsize=7)  # fmt: skip
    ax.set_xticks(pos, [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"])
    ax.set_xlabel("repeat purchases in the calibration period (x)")
    ax.set_ylabel("customers")
    ax.legend(frameon=False, fontsize=8)
    c.style(ax, title, f"Repeat purchases: actual vs model ({c.count(len(x))} customers)")
    return ax


def _grid(model: Any, summary: Any, T: float | None, max_frequency: int | None, max_recency: float | None) -> tuple[float, int, int]:
    if summary is None and (T is None or max_frequency is None):
        raise c.config_error("invalid `summary`: pass the summary, or T and max_frequency", "summary")
    if summary is not None:
        c.not_empty(len(c.floats(summary, model.x)), model.x)
    if T is None:
        T = float(np.nanmax(c.floats(summary, model.T)))
    if max_frequency is None:
        max_frequency = int(np.nanmax(c.floats(summary, model.x)))
    if max_recency is None:
        max_recency = T
    if not (np.isfinite(T) and T > 0):
        raise c.config_error(f"invalid `T`: {T!r} (must be finite and > 0)", "T")
    if max_recency > T:
        raise c.config_error(f"invalid `max_recency`: {max_recency!r} (must be <= T = {T!r})", "max_recency")
    return float(T), int(max_frequency), int(np.floor(max_recency))


def _matrix(model: Any, compute: Any, T: float, max_frequency: int, max_recency: int) -> np.ndarray:
    """Values for frequency 0..max_frequency (columns) x recency 0..max_recency (rows).

    Customers without repeat purchases have no recency (t_x = 0): their column repeats the value at t_x = 0.
    """
    f, r = np.meshgrid(np.arange(max_frequency + 1, dtype=np.float64), np.arange(max_recency + 1, dtype=np.float64))
    r = np.where(f == 0, 0.0, r)
    values = compute(f.ravel(), r.ravel(), np.full(f.size, T))
    return np.asarray(values, dtype=np.float64).reshape(f.shape)


def _heat(ax: Axes, matrix: np.ndarray, label: str, unit: str, T: float, title: str | None, default: str) -> None:
    image = ax.imshow(matrix, origin="lower", aspect="auto", cmap=c.CMAP, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label=label, shrink=0.9)
    ax.set_xlabel("frequency: repeat purchases (x)")
    ax.set_ylabel(f"recency: age at the last purchase (t_x, {unit})")
    c.style(ax, title, f"{default} (T = {T:.4g} {unit})", grid=None)


def frequency_recency_matrix(
    model: Any,
    summary: Any = None,
    *,
    t: float = 1.0,
    T: float | None = None,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    unit: str = "time units",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Expected purchases in the next ``t`` time units of a customer with frequency x and recency
    t_x, all of age ``T`` (lifetimes' ``plot_frequency_recency_matrix``).

    The best customers (many purchases, bought recently) are at the top right; a customer who
    bought often but long ago (bottom right) is expected to buy little — the model thinks they left.

    Args:
        model: a fitted transaction model.
        summary: the summary table, for the defaults of ``T`` (its largest age),
            ``max_frequency`` (its largest x) and ``max_recency`` (``T``).
        t: the horizon, in the model's time unit.
        T, max_frequency, max_recency: the grid: x = 0..max_frequency, t_x = 0..max_recency (whole units).
        unit: the name of the time unit for the labels (e.g. ``"weeks"``).
        ax, title: as for :func:`period_transactions`.

    Returns:
        The axes; ``ax.images[0].get_array()`` is the matrix, row = recency, column = frequency.

    Examples:
        >>> import crmkit, crmkit.plot
        >>> bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
        >>> ax = crmkit.plot.frequency_recency_matrix(bg, t=39, T=38.86, max_frequency=2, max_recency=30.43)
        >>> round(float(ax.images[0].get_array()[30, 2]), 3)  # x = 2, t_x = 30 weeks
        1.216
    """
    _check_model(model)
    T_, mf, mr = _grid(model, summary, T, max_frequency, max_recency)
    matrix = _matrix(model, lambda x, tx, tt: model.expected_purchases(x, t, tx, tt), T_, mf, mr)
    ax = c.new_axes(ax, (7.0, 5.5))
    _heat(ax, matrix, f"expected purchases in the next {t:g} {unit}", unit, T_, title, "Expected purchases by frequency and recency")
    return ax


def probability_alive_matrix(
    model: Any,
    summary: Any = None,
    *,
    T: float | None = None,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    unit: str = "time units",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """P(alive) of a customer with frequency x and recency t_x, all of age ``T`` (lifetimes'
    ``plot_probability_alive_matrix``).

    Args:
        model, summary, T, max_frequency, max_recency, unit, ax, title: as for
            :func:`frequency_recency_matrix`.

    Returns:
        The axes; ``ax.images[0].get_array()`` is the matrix, row = recency, column = frequency.

    Examples:
        >>> import crmkit, crmkit.plot
        >>> bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
        >>> ax = crmkit.plot.probability_alive_matrix(bg, T=38.86, max_frequency=2, max_recency=30.43)
        >>> m = ax.images[0].get_array()
        >>> float(m[0, 0]), round(float(m[30, 2]), 4)  # x = 0: alive; x = 2, t_x = 30 weeks
        (1.0, 0.721)
    """
    _check_model(model)
    T_, mf, mr = _grid(model, summary, T, max_frequency, max_recency)
    matrix = _matrix(model, model.probability_alive, T_, mf, mr)
    ax = c.new_axes(ax, (7.0, 5.5))
    _heat(ax, matrix, "P(alive)", unit, T_, title, "P(alive) by frequency and recency")
    image = ax.images[0]
    image.set_clim(0.0, 1.0)
    return ax


def calibration_holdout(
    model: Any,
    summary: Any,
    *,
    max_frequency: int = 7,
    unit: str = "time units",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Mean holdout purchases per calibration frequency: actual against the model.

    Customers are grouped by their repeat purchases x in the calibration period (0 ..
    ``max_frequency``); for each group the mean of the purchases they actually made in the
    holdout period and the mean the model expected, E[purchases in (T, T + holdout)]
    (lifetimes' ``plot_calibration_purchases_vs_holdout_purchases``).

    Args:
        model: a transaction model fitted on the calibration columns of ``summary``.
        summary: :func:`crmkit.btyd_summary` made with ``calibration_end=`` (columns ``x_holdout``
            and ``duration_holdout``).
        max_frequency: the largest calibration frequency shown.
        unit: the name of the time unit for the title (e.g. ``"weeks"``).
        ax, title: as for :func:`period_transactions`.

    Returns:
        The axes; ``ax.lines[0]`` is the actual mean, ``ax.lines[1]`` the model's, x = 0..max_frequency
        (groups without customers left out).

    Examples:
        >>> import crmkit, crmkit.plot
        >>> bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
        >>> summary = {"x": [0.0, 0.0, 2.0], "t_x": [0.0, 0.0, 30.43], "T": [38.86, 30.0, 38.86],
        ...            "x_holdout": [0.0, 1.0, 2.0], "duration_holdout": [39.0, 39.0, 39.0]}
        >>> ax = crmkit.plot.calibration_holdout(bg, summary, max_frequency=2)
        >>> ax.lines[0].get_xydata().tolist()
        [[0.0, 0.5], [2.0, 2.0]]
        >>> round(float(ax.lines[1].get_ydata()[1]), 3)
        1.226
    """
    _check_model(model)
    for name in ("x_holdout", "duration_holdout"):
        if not c.has(summary, name):
            raise c.config_error(f"invalid `summary`: no column {name!r} (make it with btyd_summary(..., calibration_end=...))", "summary")
    x = c.floats(summary, model.x)
    tx = c.floats(summary, model.t_x)
    T = c.floats(summary, model.T)
    c.not_empty(len(x), model.x)
    hold = c.floats(summary, "x_holdout")
    duration = c.floats(summary, "duration_holdout")
    durations = np.unique(duration)
    predicted = np.empty(len(x))
    for d in durations:  # one horizon in practice (the holdout length)
        rows = duration == d
        predicted[rows] = model.expected_purchases(x[rows], float(d), tx[rows], T[rows])
    groups = [k for k in range(max_frequency + 1) if np.any(x == k)]
    actual_mean = [float(hold[x == k].mean()) for k in groups]
    model_mean = [float(predicted[x == k].mean()) for k in groups]
    sizes = [int(np.sum(x == k)) for k in groups]
    ax = c.new_axes(ax, (7.0, 4.5))
    ax.plot(groups, actual_mean, "o-", color=c.ACTUAL_COLOR, label="actual (holdout)")
    ax.plot(groups, model_mean, "s--", color=c.MODEL_COLOR, label=f"model ({type(model).__name__})")
    for g, v, k in zip(groups, actual_mean, sizes):
        ax.annotate(f"n={c.count(k)}", (g, v), xytext=(0, -12), textcoords="offset points", ha="center", fontsize=7, color="#555555")
    ax.set_xticks(groups)
    ax.set_xlabel("repeat purchases in the calibration period (x)")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.legend(frameon=False, fontsize=8)
    c.style(ax, title, f"Calibration vs holdout (holdout = {', '.join(f'{d:.4g}' for d in durations)} {unit})", grid="both")
    return ax


def _calendar_days(col: Any, field: str) -> np.ndarray:
    """A time column of any family as int64 calendar days since 1970-01-01 (local wall-clock dates)."""
    fam = _frames.family(col)
    if fam == "polars":
        import polars as pl

        col, _ = _frames.times(col, field)
        return np.asarray(col.cast(pl.Date).cast(pl.Int32).to_numpy(), dtype=np.int64)
    if fam == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        col, _ = _frames.times(col, field)
        if not pa.types.is_date32(col.type):
            col = pc.cast(col, pa.date32()) if not pa.types.is_timestamp(col.type) else pc.cast(pc.floor_temporal(col, unit="day"), pa.date32())
        return np.asarray(pc.cast(col, pa.int32()).to_numpy(zero_copy_only=False), dtype=np.int64)
    ticks_col, per_day = _frames.times(col, field)
    if per_day is None:  # Arrow-backed pandas column
        import pyarrow as pa

        return _calendar_days(pa.chunked_array(ticks_col), field)
    return np.floor_divide(np.asarray(ticks_col, dtype=np.int64), per_day)


def _mask_of(ids_col: Any, customer: Any) -> np.ndarray:
    fam = _frames.family(ids_col)
    if fam == "pandas":
        values = ids_col.to_numpy()
    elif fam == "polars":
        values = ids_col.to_numpy()
    elif fam == "pyarrow":
        values = ids_col.to_numpy(zero_copy_only=False) if hasattr(ids_col, "to_numpy") else np.asarray(ids_col)
    else:
        values = np.asarray(ids_col)
    return np.asarray(values == customer, dtype=bool)


def probability_alive_history(
    model: Any,
    transactions: Any,
    customer: Any,
    *,
    as_of: Any,
    unit: Literal["days", "weeks"] = "weeks",
    customer_id: str = "customer_id",
    timestamp: str = "timestamp",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """One customer's P(alive) day by day, from the first purchase to ``as_of`` (lifetimes'
    ``plot_history_alive``).

    On each day s the customer's summary is that of :func:`crmkit.btyd_summary` with ``as_of = s``
    (purchases merged per calendar day: x = repeat purchase days so far, t_x = first to latest
    purchase, T = first purchase to s, in ``unit``), and the curve is the model's P(alive) of it.
    It jumps up at each purchase (dotted lines) and decays while the customer is silent.

    Args:
        model: a transaction model fitted in ``unit``.
        transactions: the transaction log (any frame family).
        customer: the customer's id.
        as_of: the last day drawn.
        unit: the model's time unit, ``'days'`` or ``'weeks'``.
        customer_id, timestamp: column names of the log.
        ax, title: as for :func:`period_transactions`.

    Returns:
        The axes; ``ax.lines[0]`` is the P(alive) curve (x = dates, one point per day).

    Raises:
        crmkit.InvalidValueError: the customer has no purchase on or before ``as_of``.

    Examples:
        >>> import pandas as pd, crmkit, crmkit.plot
        >>> bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
        >>> log = pd.DataFrame({"customer_id": [7, 7, 7], "amount": [10.0, 20.0, 5.0],
        ...                     "timestamp": pd.to_datetime(["1997-01-01 00:00", "1997-02-12 09:00", "1997-02-12 18:00"])})
        >>> ax = crmkit.plot.probability_alive_history(bg, log, 7, as_of="1997-09-30")
        >>> p = ax.lines[0].get_ydata()
        >>> len(p), float(p[0]), round(float(p[-1]), 4)  # 273 days; x = 1, t_x = 6, T = 38.86 weeks at the end
        (273, 1.0, 0.3426)
    """
    _check_model(model)
    if unit not in _UNIT_DAYS:
        raise c.config_error(f"invalid `unit`: {unit!r} (expected 'days' or 'weeks')", "unit")
    ids_col = _frames.column(transactions, customer_id, "customer_id")
    times_col = _frames.column(transactions, timestamp, "timestamp")
    mask = _mask_of(ids_col, customer)
    days = _calendar_days(times_col, "timestamp")[mask]
    end = _frames.day_number(as_of, "as_of")
    purchase_days = np.unique(days[days <= end])
    if len(purchase_days) == 0:
        raise c.error(crmkit.InvalidValueError, "invalid `customer`: (customer id) has no purchase on or before as_of", "customer")
    first = int(purchase_days[0])
    s = np.arange(first, end + 1)
    # repeat purchase days up to and including each day, and the latest of them
    seen = np.searchsorted(purchase_days, s, side="right")
    x = (seen - 1).astype(np.float64)
    last = purchase_days[seen - 1]
    scale = _UNIT_DAYS[unit]
    t_x = (last - first) / scale
    T = (s - first) / scale
    p = model.probability_alive(x, t_x, T)
    dates = s.astype("datetime64[D]")
    ax = c.new_axes(ax, (9.0, 4.0))
    ax.plot(dates, p, color=c.BLUE, linewidth=1.5, label="P(alive)")
    for i, d in enumerate(purchase_days.astype("datetime64[D]")):
        ax.axvline(d, color=c.GREY, linestyle=":", linewidth=1, label="purchase" if i == 0 else None)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("P(alive)")
    ax.set_xlabel("date")
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    c.style(ax, title, f"P(alive) history of customer {customer} ({len(purchase_days)} purchase day{'s' if len(purchase_days) > 1 else ''}, {type(model).__name__})")
    return ax


def clv_distribution(
    clv: Any,
    *,
    column: str = "clv",
    bins: int = 50,
    log_x: bool = False,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The distribution of predicted CLV across customers: a histogram with the mean and median.

    Args:
        clv: predicted CLV per customer — the array of
            :meth:`crmkit.GammaGamma.customer_lifetime_value` or :meth:`~crmkit.GammaGamma.clv_dert`,
            or a table with a ``column``.
        column: the CLV column of a table.
        bins: the number of histogram bins.
        log_x: logarithmic bins and axis (for skewed CLV), from the smallest positive CLV but at
            most two decades below the median; customers below that (and CLV <= 0) are counted
            in the legend but not drawn.
        ax, title: as for :func:`period_transactions`.

    Returns:
        The axes; ``ax.containers[0]`` holds the histogram bars (customers per bin).

    Examples:
        >>> import numpy as np, crmkit.plot
        >>> ax = crmkit.plot.clv_distribution(np.array([10.0, 20.0, 20.0, 90.0]), bins=4)
        >>> ax.containers[0].datavalues.tolist()
        [3.0, 0.0, 0.0, 1.0]
    """
    from crmkit.plot.rfm import _is_array

    values = c.floats(None, clv, "clv") if _is_array(clv) else c.floats(clv, column)
    c.not_empty(len(values), "clv")
    bad = np.isnan(values)
    if bad.any():
        row = int(np.argmax(bad))
        raise c.error(crmkit.MissingValueError, f"`clv` is missing (NaN) at row {row}", "clv")
    ax = c.new_axes(ax, (7.5, 4.5))
    shown = values
    hidden = 0
    if log_x:
        positive = values[values > 0]
        if len(positive) == 0:
            raise c.config_error("invalid `log_x`: no CLV above 0 to draw on a log axis", "log_x")
        # a log axis down to the smallest CLV would be mostly empty: start 2 decades below the median
        lo = max(float(positive.min()), float(np.median(positive)) * 1e-2)
        shown = values[values >= lo]
        hidden = len(values) - len(shown)
        hi = float(shown.max())
        edges = np.geomspace(lo, hi if hi > lo else lo * 1.01, bins + 1)
        ax.hist(shown, bins=edges.tolist(), color=c.BLUE, alpha=0.8)
        ax.set_xscale("log")
    else:
        ax.hist(shown, bins=bins, color=c.BLUE, alpha=0.8)
    mean, median = float(values.mean()), float(np.median(values))
    ax.axvline(mean, color=c.ORANGE, linewidth=1.5, label=f"mean {mean:,.2f}")
    ax.axvline(median, color=c.GREEN, linewidth=1.5, linestyle="--", label=f"median {median:,.2f}")
    if hidden:
        ax.plot([], [], " ", label=f"{c.count(hidden)} customer{'s' if hidden != 1 else ''} below {lo:.3g} not drawn")
    ax.set_xlabel("predicted CLV")
    ax.set_ylabel("customers")
    ax.legend(frameon=False, fontsize=8)
    c.style(ax, title, f"Predicted CLV: {c.count(len(values))} customers, total {values.sum():,.0f}")
    return ax
