"""Rich display of fitted models and result objects: one HTML table and one text layout for all.

Every displayable object builds a :class:`Summary` (a title, a list of facts such as
convergence and sizes, and tables such as parameters with standard errors); :func:`to_html`
renders it for notebooks (``_repr_html_``) and :func:`to_text` for terminals (``__str__`` /
``summary_text``). The HTML is a plain ``<table>`` with inline styles, escaped, with no
scripts, so it shows the same in Jupyter, VS Code and an e-mailed HTML report.

Examples:
    >>> from crmkit._display import Summary, to_text
    >>> s = Summary("Example", [("customers", 3)], [("", ["param", "estimate"], [["r", 0.2426]])])
    >>> print(to_text(s))
    Example
      customers: 3
      param  estimate
      r        0.2426
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Summary", "fmt", "html_table", "to_html", "to_text"]

Row = Sequence[Any]
Table = tuple[str, Sequence[str], Sequence[Row]]


@dataclass
class Summary:
    """What an object shows: a title, facts ``(label, value)`` and tables ``(caption, header, rows)``."""

    title: str
    facts: list[tuple[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""


def fmt(value: Any, digits: int = 4) -> str:
    """A value as a short readable string: floats to ``digits`` significant digits, ints with
    thousands separators, None / NaN as an en dash.

    Examples:
        >>> from crmkit._display import fmt
        >>> fmt(4.413588), fmt(2357), fmt(float("nan")), fmt(None), fmt(1.5e-12), fmt(-33225.5813, 8)
        ('4.414', '2,357', '–', '–', '1.5e-12', '-33,225.581')
    """
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return f"{int(value):,}"
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f"):
        v = float(value)
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        if v != 0 and (abs(v) >= 1e15 or abs(v) < 1e-4):
            return f"{v:.{digits}g}"
        if abs(v) < 1e4:
            return f"{v:,.{digits}g}"
        decimals = max(0, digits - (int(math.floor(math.log10(abs(v)))) + 1))
        return f"{v:,.{decimals}f}"
    return str(value)


_NUMBER_TEXT = re.compile(r"^[-−]?[\d,.]+ ?%?$")


def _is_number(value: Any) -> bool:
    """Numbers, and text that reads as one (a preformatted share such as '12.5%'), align right."""
    if isinstance(value, str):
        return bool(_NUMBER_TEXT.match(value))
    return isinstance(value, (int, float)) and not isinstance(value, bool) or (
        hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iuf"
    )


_TABLE_STYLE = "border-collapse:collapse;margin:0.3em 0 0.8em 0;font-size:0.9em"
_CELL = "padding:0.2em 0.7em;border-bottom:1px solid #ddd"


def html_table(header: Sequence[str], rows: Sequence[Row], caption: str = "", *, numeric: Sequence[bool] | None = None) -> str:
    """An HTML table (escaped, inline styles): numbers right-aligned and formatted with :func:`fmt`.

    Cells that are already strings are escaped and shown as they are.

    Examples:
        >>> from crmkit._display import html_table
        >>> html_table(["param", "estimate"], [["r<1>", 0.24261]]).count("<tr>")
        2
        >>> "r&lt;1&gt;" in html_table(["param"], [["r<1>"]])
        True
    """
    out = [f'<table class="crmkit" style="{_TABLE_STYLE}">']
    if caption:
        out.append(f'<caption style="text-align:left;font-weight:bold;padding:0.2em 0">{html.escape(caption)}</caption>')
    out.append("<thead><tr>")
    for j, h in enumerate(header):
        align = "right" if (numeric[j] if numeric is not None else _column_numeric(rows, j)) else "left"
        out.append(f'<th style="{_CELL};text-align:{align};border-bottom:2px solid #888">{html.escape(str(h))}</th>')
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for j, cell in enumerate(row):
            forced = numeric is not None and j < len(numeric)
            align = "right" if (numeric[j] if forced and numeric is not None else _is_number(cell)) else "left"
            out.append(f'<td style="{_CELL};text-align:{align}">{html.escape(fmt(cell))}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _column_numeric(rows: Sequence[Row], j: int) -> bool:
    return any(_is_number(r[j]) for r in rows if j < len(r))


def to_html(summary: Summary) -> str:
    """The summary as an HTML fragment: a title, a facts table and the other tables."""
    parts = [f'<div class="crmkit-summary"><p style="font-weight:bold;margin:0.2em 0">{html.escape(summary.title)}</p>']
    if summary.facts:
        parts.append(html_table(["", ""], [[k, v] for k, v in summary.facts], numeric=[False, True]).replace(
            "<thead><tr>", '<thead style="display:none"><tr>', 1
        ))
    for caption, header, rows in summary.tables:
        parts.append(html_table(header, rows, caption))
    if summary.note:
        parts.append(f'<p style="font-size:0.85em;color:#555;margin:0.2em 0">{html.escape(summary.note)}</p>')
    parts.append("</div>")
    return "".join(parts)


def text_table(header: Sequence[str], rows: Sequence[Row], indent: str = "") -> str:
    """A plain-text table: columns padded, numbers right-aligned."""
    cells = [[str(h) for h in header]] + [[fmt(c) for c in row] for row in rows]
    widths = [max(len(r[j]) for r in cells if j < len(r)) for j in range(len(header))]
    numeric = [_column_numeric(rows, j) for j in range(len(header))]
    lines = []
    for r in cells:
        padded = [c.rjust(widths[j]) if numeric[j] else c.ljust(widths[j]) for j, c in enumerate(r)]
        lines.append((indent + "  ".join(padded)).rstrip())
    return "\n".join(lines)


def to_text(summary: Summary) -> str:
    """The summary as plain text (for terminals and logs)."""
    lines = [summary.title]
    for label, value in summary.facts:
        lines.append(f"  {label}: {fmt(value)}")
    for caption, header, rows in summary.tables:
        if caption:
            lines.append(f"  {caption}")
        lines.append(text_table(header, rows, indent="  "))
    if summary.note:
        lines.append(f"  {summary.note}")
    return "\n".join(lines)


def short(params: Sequence[tuple[str, Any, Any]]) -> str:
    """``name=value ± se`` items joined for a one-line repr (the ± part only when se is known)."""
    items = []
    for name, value, se in params:
        known = se is not None and not (isinstance(se, float) and math.isnan(se))
        items.append(f"{name}={fmt(value)}" + (f" ± {fmt(se, 2)}" if known else ""))
    return ", ".join(items)


def _compiled_summary(obj: Any) -> Summary:
    """The :class:`Summary` of a compiled fitted part (``MinMaxFit``, ``QuantileBins``,
    ``SegmentRules``, ``ChurnIndexOptions``, ``Playbook``), read from its public attributes."""
    kind = type(obj).__name__
    if kind == "MinMaxFit":
        rows = [[name, *getattr(obj, name)] for name in ("days_since_last", "frequency", "monetary")]
        w = obj.winsorize
        facts: list[tuple[str, Any]] = [("winsorized at percentiles", "no" if w is None else f"{w[0]:g}–{w[1]:g}")]
        return Summary("MinMaxFit: fitted ranges of R, F, M", facts, [("", ["dimension", "min", "max", "customers"], rows)])
    if kind == "QuantileBins":
        cuts = list(obj.cuts)
        rows = [[score, count, cuts[score - 2] if score >= 2 and score - 2 < len(cuts) else None] for score, count in enumerate(obj.counts, start=1)]
        facts = [("scores", f"1..{obj.k}"), ("higher value scores higher", obj.higher_is_better)]
        empty = list(obj.empty_scores)
        note = f"scores {empty} hold nobody (heavy ties)" if empty else ""
        return Summary("QuantileBins", facts, [("", ["score", "customers", "lower cut"], rows)], note)
    if kind == "SegmentRules":
        import json

        doc = json.loads(obj.to_json())
        rows = []
        for rule in doc.get("rules", []):
            rng = [f"{rule[d][0]}–{rule[d][1]}" if d in rule else "any" for d in ("r", "f", "m")]
            rows.append([rule.get("segment", ""), *rng])
        return Summary(f"SegmentRules (k = {obj.k}, first match wins)", [("segments", len(obj.names))], [("", ["segment", "R", "F", "M"], rows)])
    if kind == "ChurnIndexOptions":
        facts = [("red from index", obj.red_from), ("yellow from index", obj.yellow_from)]
        return Summary("ChurnIndexOptions", facts, [("", ["signal", "weight"], [[n, w] for n, w in obj.weights])])
    if kind == "Playbook":
        return Summary("Playbook", [("priority", ", ".join(obj.priority))])
    return Summary(kind)


def compiled_html(obj: Any) -> str:
    """``_repr_html_`` of the compiled classes (their ``_repr_html_`` calls this).

    Examples:
        >>> import numpy as np, crmkit
        >>> fit = crmkit.MinMaxFit.fit(np.array([3.0, 40.0]), np.array([5.0, 1.0]), np.array([120.0, 10.0]))
        >>> html = fit._repr_html_()
        >>> html.count("<tr>"), "days_since_last" in html
        (6, True)
    """
    return to_html(_compiled_summary(obj))
