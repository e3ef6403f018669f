"""Shared pieces of crmkit.plot: reading result columns of any frame family, new axes, colours, style."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes

from crmkit import _crmkit, _frames
from crmkit.churn import float_or_nan
from crmkit.lifecycle import _label_order, _values

RED = "#d62728"
AMBER = "#f2b701"
GREEN = "#2ca02c"
BLUE = "#1f77b4"
ORANGE = "#ff7f0e"
GREY = "#8c8c8c"
LIGHT_GREY = "#d9d9d9"
PURPLE = "#9467bd"
TEAL = "#17becf"

ALERT_COLORS: dict[str, str] = {"green": GREEN, "yellow": AMBER, "red": RED}
"""The colour of each churn alert level."""
TIER_COLORS: dict[str, str] = {"churn risk": RED, "potential": AMBER, "high value": GREEN, "low value": GREY}
"""The colour of each RFM tier (the alert colours: churn risk is red, high value green)."""
QUADRANT_COLORS: dict[str, str] = {"deepen": GREEN, "maintain": BLUE, "develop": ORANGE, "automate": GREY}
"""The colour of each value–potential quadrant."""
NEED_COLORS: dict[str, str] = {"do_now": RED, "schedule": BLUE, "delegate": AMBER, "defer": GREY}
"""The colour of each importance–urgency quadrant."""
STAGE_COLORS: dict[str, str] = {
    "prospect": "#c7c7c7",
    "onboarding": TEAL,
    "retained": BLUE,
    "expansion": GREEN,
    "churn_warning": AMBER,
    "lost": RED,
    "reactivated": PURPLE,
    "(absent)": LIGHT_GREY,
}
"""The colour of each lifecycle stage (and of '(absent)' in a migration)."""
PALETTE: tuple[str, ...] = (
    BLUE, ORANGE, GREEN, RED, PURPLE, "#8c564b", "#e377c2", GREY, "#bcbd22", TEAL,
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
)  # fmt: skip
"""Colours of labels without a fixed colour (segments), in order."""

MODEL_COLOR = ORANGE
ACTUAL_COLOR = BLUE
CMAP = "YlGnBu"


def error(cls: type[Exception], message: str, field: str) -> Exception:
    """A crmkit error (``cls`` a CrmkitError subclass) with its field set."""
    return _frames._error(cls, message, field)


def not_empty(n: int, field: str) -> None:
    """Raises :class:`crmkit.EmptyInputError` when there is nothing to draw."""
    if n == 0:
        raise error(_crmkit.EmptyInputError, f"`{field}` is empty: at least one row is needed", field)


def config_error(message: str, field: str) -> Exception:
    return error(_crmkit.ConfigError, message, field)


def column_names(table: Any) -> list[str]:
    """The column names of a frame of any family or of a dict of columns."""
    if isinstance(table, Mapping):
        return [str(k) for k in table.keys()]
    if _frames.family(table) == "pyarrow":
        return list(table.column_names)
    return [str(c) for c in getattr(table, "columns", [])]


def has(table: Any, name: str) -> bool:
    return name in column_names(table)


def floats(table: Any, name: Any, field: str | None = None) -> np.ndarray:
    """Column ``name`` of ``table`` (or ``name`` itself when it is a column) as float64, null = NaN."""
    field = field or (name if isinstance(name, str) else "values")
    col = _frames.column(table, name, field)
    if isinstance(col, (list, tuple)):
        col = np.asarray(col, dtype=np.float64)
    return float_or_nan(col, field)


def labels(table: Any, name: Any, field: str | None = None) -> list[str | None]:
    """Column ``name`` as a list of strings (None for null)."""
    field = field or (name if isinstance(name, str) else "labels")
    col = _frames.column(table, name, field)
    return [None if v is None else str(v) for v in _values(col)]


def label_order(table: Any, name: Any, present: Sequence[str | None]) -> list[str]:
    """The order to show labels in.

    The category order of a categorical column (with its empty categories); else, when every label
    is one of crmkit's own (tiers, lifecycle stages, alert levels, quadrants, the segments of a
    built-in rule set), their order; else the order of first appearance.
    """
    col = _frames.column(table, name, name if isinstance(name, str) else "labels")
    order = _label_order(col)
    if order is not None:
        return order
    seen: dict[str, None] = {}
    for v in present:
        if v is not None:
            seen.setdefault(v, None)
    for known in _known_orders():
        if seen.keys() <= set(known):
            return [k for k in known if k in seen]
    return list(seen)


def _known_orders() -> list[tuple[str, ...]]:
    from crmkit.lifecycle import STAGES
    from crmkit.rfm import TIER_NAMES

    rules = [tuple(_crmkit.SegmentRules.rf_grid().names), tuple(_crmkit.SegmentRules.rfm_classic().names), tuple(_crmkit.SegmentRules.four_tier().names)]
    return [TIER_NAMES, STAGES, ("green", "yellow", "red"), ("deepen", "maintain", "develop", "automate"), *rules]


def _is_numeric(col: Any) -> bool:
    fam = _frames.family(col)
    if fam == "polars":
        import polars as pl

        return bool(col.dtype.is_numeric() or col.dtype == pl.Boolean)
    if fam == "pyarrow":
        import pyarrow as pa

        t = col.type
        return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t))
    dtype = getattr(col, "dtype", None)
    if dtype is None:
        dtype = np.asarray(col).dtype
    kind = getattr(dtype, "kind", "O")
    return kind in "biuf"


def to_numpy(table: Any, names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """A frame of any family (or a dict of columns) as a dict of numpy columns.

    Numeric and boolean columns become float64 (null = NaN); others (strings, categoricals, lists)
    object arrays (null = None).

    Examples:
        >>> import polars as pl
        >>> from crmkit.plot._common import to_numpy
        >>> to_numpy(pl.DataFrame({"a": [1, None], "b": ["x", "y"]}))
        {'a': array([ 1., nan]), 'b': array(['x', 'y'], dtype=object)}
    """
    out: dict[str, np.ndarray] = {}
    for name in names if names is not None else column_names(table):
        col = _frames.column(table, name, name)
        if _is_numeric(col):
            out[name] = float_or_nan(col, name)
        else:
            values = np.empty(len(col), dtype=object)
            values[:] = _values(col)
            out[name] = values
    return out


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax``, or the axes of a new figure of the given size."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def style(ax: Axes, title: str | None, default_title: str, *, grid: Literal["x", "y", "both"] | None = "y") -> None:
    """Title, light grid on the value axis, no top / right frame."""
    ax.set_title(default_title if title is None else title, fontsize=11)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    if grid:
        ax.grid(axis=grid, color="#e6e6e6", linewidth=0.8)
        ax.set_axisbelow(True)


def color_of(name: str, index: int, fixed: Mapping[str, str] | None = None) -> str:
    """The fixed colour of ``name`` if it has one, else the palette colour of ``index``."""
    if fixed and name in fixed:
        return fixed[name]
    return PALETTE[index % len(PALETTE)]


def label_colors(names: Sequence[str]) -> dict[str, str]:
    """A colour per label: the fixed colours of tiers, stages, alerts and quadrants, else the palette."""
    fixed = {**TIER_COLORS, **STAGE_COLORS, **ALERT_COLORS, **QUADRANT_COLORS}
    out: dict[str, str] = {}
    free = 0
    for name in names:
        if name in fixed:
            out[name] = fixed[name]
        else:
            out[name] = PALETTE[free % len(PALETTE)]
            free += 1
    return out


def pct(x: float, digits: int = 1) -> str:
    """A share as a percentage text ('12.3 %'), '–' for NaN."""
    if x != x:
        return "–"
    return f"{100 * x:.{digits}f} %"


def count(n: float) -> str:
    """A whole count with thousands separators."""
    return f"{int(round(n)):,}"


def heat_text_color(value: float, vmin: float, vmax: float) -> str:
    """Black on light cells, white on dark ones."""
    if value != value or vmax <= vmin:
        return "black"
    return "white" if (value - vmin) / (vmax - vmin) > 0.6 else "black"
