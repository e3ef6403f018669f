"""The customer report in one call: a transaction log in, one self-contained HTML file out.

:func:`report` reads a transaction log (a CSV or Parquet path, or a table of any family), runs
the main analyses as of one observation date and returns a :class:`Report`, which writes one
HTML file (:meth:`Report.save`; figures inline as PNG, CSS inline, no scripts, nothing fetched
from the network), prints a terminal summary (:meth:`Report.text`) and shows itself in a
notebook. The same runs from the shell as ``crmkit report log.parquet --as-of 2024-12-31 -o
report.html`` (:mod:`crmkit.cli`).

What it contains, top to bottom (docs/report.md explains each part):

1. the data: transactions, customers, period, revenue, the observation date;
2. tiers and segments: customers, share, revenue share and mean R / F / M per tier and per
   segment (marketing RFM over the last ``window_days`` days), the R × F grid;
3. concentration: the Lorenz curve, the Gini coefficient and the top-20 % revenue share;
4. top customers by RFM score;
5. customer lifetime value: the weekly buy-till-you-die summary, BG/NBD (Fader, Hardie & Lee
   2005) and Gamma–Gamma fits with standard errors, P(alive), expected purchases and the
   12-month CLV (monthly steps, 1 % a month), the diagnostic plots, the top customers by CLV;
6. churn: warning signals measurable from a transaction log (activity drop, purchase gap, order
   value change), the risk index 1–10 with alert levels and reasons; the signals that need an
   interaction log or survey answers are listed as not measured;
7. lifecycle stages now and their migration since an earlier snapshot.

Figures come from :mod:`crmkit.plot` and need matplotlib (``pip install 'crmkit[plot]'``);
without it the report has every table and says that the figures were left out.

Examples:
    >>> import pandas as pd, crmkit
    >>> log = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 3],
    ...                     "timestamp": pd.to_datetime(["2024-01-05", "2024-06-01", "2024-03-01",
    ...                                                  "2024-02-01", "2024-05-01", "2024-09-01"]),
    ...                     "amount": [20.0, 35.0, 12.0, 50.0, 40.0, 60.0]})
    >>> r = crmkit.report(log, as_of="2024-12-31", figures=False)
    >>> r.customers, r.transactions
    (3, 6)
    >>> print(r.text().splitlines()[0])
    crmkit report as of 2024-12-31: 6 transactions, 3 customers
"""

from __future__ import annotations

import base64
import csv
import datetime as _dt
import html
import io
import math
import os
import re
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from crmkit import _crmkit, _display, _frames
from crmkit._typing import DateLike, FrameLike, Normalization

__all__ = ["Report", "read_transactions", "report"]

_OPTIONS = ("customer_id", "timestamp", "amount")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ]|$)")
_TIER_ORDER = ("high value", "potential", "churn risk")
_ALERT_ORDER = ("red", "yellow", "green")
_UNMEASURED_SIGNALS = {
    "negative_feedback": "complaints and bad reviews (needs an interaction log with kind complaint / bad_review)",
    "competitor_contact": "competitor contacts (needs an interaction log with kind competitor_contact)",
    "service_silence": "service silence of key customers (needs inbound / outreach interactions and key_customer)",
    "nps_detractor": "NPS detractors (needs the latest NPS answer per customer)",
}


def _error(cls: type[Exception], message: str, field_name: str, row: int | None = None) -> Exception:
    return _frames._error(cls, message, field_name, row)


# ---------------------------------------------------------------------------------------------
# reading


@dataclass
class _Log:
    """The transaction log as numpy arrays; string ids are kept as codes into ``labels``."""

    ids: np.ndarray  # int64
    days: np.ndarray  # datetime64[D]
    amount: np.ndarray  # float64
    labels: np.ndarray | None  # the string ids, code -> id
    source: str

    def table(self, mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
        if mask is None:
            return {"customer_id": self.ids, "timestamp": self.days, "amount": self.amount}
        return {"customer_id": self.ids[mask], "timestamp": self.days[mask], "amount": self.amount[mask]}

    def id_text(self, ids: np.ndarray) -> list[str]:
        if self.labels is None:
            return [str(int(i)) for i in ids]
        return [str(self.labels[int(i)]) for i in ids]


def _parse_days(values: np.ndarray, field_name: str, date_format: str | None) -> np.ndarray:
    """Dates / datetimes / strings / YYYYMMDD integers as datetime64[D] (each distinct value parsed once)."""
    if values.dtype.kind == "M":
        return values.astype("datetime64[D]")
    if values.dtype.kind in "iu" and date_format is None:
        raise _error(
            _crmkit.ConfigError,
            f"invalid `{field_name}`: integers ({values.dtype}); pass date_format (e.g. '%Y%m%d') to read them as dates",
            field_name,
        )
    uniq, inverse = np.unique(values.astype(str) if values.dtype.kind != "O" else values, return_inverse=True)
    parsed = np.empty(len(uniq), dtype="datetime64[D]")
    for j, text in enumerate(uniq):
        try:
            if text is None or (isinstance(text, float) and math.isnan(text)):
                raise ValueError("missing")
            text = str(text).strip()
            if date_format is not None:
                parsed[j] = np.datetime64(_dt.datetime.strptime(text, date_format).date(), "D")
            else:
                # ISO 8601: the date part (a time and an offset after it are local wall-clock time)
                if not _ISO_DATE.match(text):
                    raise ValueError(text)
                parsed[j] = np.datetime64(_dt.date.fromisoformat(text[:10]), "D")
        except (TypeError, ValueError) as exc:
            row = int(np.argmax(inverse == j))
            if text in ("", "missing", "None", "nan", "NaT"):
                raise _error(_crmkit.MissingValueError, f"`{field_name}` is missing (null) at row {row}", field_name, row) from exc
            hint = f" with format {date_format!r}" if date_format else " (expected an ISO date such as 2024-12-31; or pass date_format)"
            raise _error(
                _crmkit.InvalidValueError, f"invalid `{field_name}` at row {row}: {_frames.shown(text)} is not a date{hint}", field_name, row
            ) from exc
    return parsed[inverse.reshape(-1)]


def _id_codes(values: np.ndarray, field_name: str) -> tuple[np.ndarray, np.ndarray | None]:
    if values.dtype.kind in "iu":
        return values.astype(np.int64, copy=False), None
    if values.dtype.kind == "f":
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            row = int(np.argmax(bad))
            raise _error(_crmkit.InvalidValueError, f"invalid `{field_name}` at row {row}: not a whole number", field_name, row)
        return values.astype(np.int64), None
    strings = np.asarray(values, dtype=object)
    missing = np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in strings], dtype=bool)
    if missing.any():
        row = int(np.argmax(missing))
        raise _error(_crmkit.MissingValueError, f"`{field_name}` is missing (null) at row {row}", field_name, row)
    labels, codes = np.unique(strings.astype(str), return_inverse=True)
    return codes.reshape(-1).astype(np.int64), labels


def _amounts(values: np.ndarray, field_name: str) -> np.ndarray:
    if values.dtype.kind in "iuf":
        return values.astype(np.float64, copy=False)
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        for row, v in enumerate(values):
            if v is None or (isinstance(v, str) and not v.strip()):
                raise _missing(field_name, row) from None
            try:
                float(v)
            except (TypeError, ValueError):
                raise _error(_crmkit.InvalidValueError, f"invalid `{field_name}` at row {row}: {_frames.shown(v)} is not a number", field_name, row) from None
        raise


def _missing(field_name: str, row: int) -> Exception:
    return _error(_crmkit.MissingValueError, f"`{field_name}` is missing (null) at row {row}", field_name, row)


def _to_numpy(col: Any, field_name: str) -> np.ndarray:
    """A pandas / polars / pyarrow column (or array-like) as a numpy array; nulls are an error naming the row."""
    fam = _frames.family(col)
    if fam == "pandas":
        if getattr(col.dtype, "tz", None) is not None:
            col = col.dt.tz_localize(None)
        missing = col.isna().to_numpy()
        if missing.any():
            raise _missing(field_name, int(np.argmax(missing)))
        if str(col.dtype) == "category":
            col = col.astype(object)
        return np.asarray(col.to_numpy())
    if fam == "polars":
        import polars as pl

        if col.null_count():
            raise _missing(field_name, int(np.argmax(col.is_null().to_numpy())))
        if isinstance(col.dtype, pl.Datetime) and col.dtype.time_zone is not None:
            col = col.dt.replace_time_zone(None)
        if col.dtype == pl.Categorical or isinstance(col.dtype, pl.Enum):
            col = col.cast(pl.Utf8)
        return np.asarray(col.to_numpy())
    if fam == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        if col.null_count:
            raise _missing(field_name, int(np.argmax(np.asarray(pc.is_null(col)))))
        if pa.types.is_timestamp(col.type) and col.type.tz is not None:
            col = pc.local_timestamp(col)
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        return np.asarray(col.to_numpy(zero_copy_only=False))
    return np.asarray(col)


def _csv_header(path: Path, names: Sequence[str]) -> None:
    """Checks that the CSV header names every column (so a typo is named, whatever reads the file)."""
    import gzip

    opener: Any = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(_crmkit.ConfigError, f"invalid `path`: cannot read {path.name} as CSV: {exc}", "path") from exc
    if not header:
        raise _error(_crmkit.EmptyInputError, f"empty input: {path.name} has no header row", "path")
    for option, name in zip(_OPTIONS, names):
        if name not in header:
            raise _error(_crmkit.ConfigError, f"invalid `{option}`: no column {name!r} (available: {header})", option)


def _unreadable(path: Path, kind: str, exc: Exception) -> Exception:
    return _error(_crmkit.ConfigError, f"invalid `path`: cannot read {path.name} as {kind}: {str(exc).splitlines()[0]}", "path")


def _read_csv(path: Path, names: Sequence[str], date_format: str | None) -> dict[str, np.ndarray]:
    _csv_header(path, names)
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        pacsv = None
    if pacsv is not None:
        try:  # dates as text, parsed below like every other reader's
            t = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(include_columns=list(names), column_types={names[1]: pa.string()}))
        except Exception as exc:  # pyarrow.lib.ArrowInvalid: a malformed file
            raise _unreadable(path, "CSV", exc) from exc
        return {n: _to_numpy(t.column(n), o) for n, o in zip(names, _OPTIONS)}
    try:
        import polars as pl
    except ImportError:
        pl = None  # type: ignore[assignment]
    if pl is not None:
        try:
            df = pl.read_csv(path, columns=list(names), schema_overrides={names[1]: pl.Utf8})
        except Exception as exc:  # polars.exceptions.ComputeError etc.
            raise _unreadable(path, "CSV", exc) from exc
        return {n: _to_numpy(df.get_column(n), o) for n, o in zip(names, _OPTIONS)}
    import gzip

    opener: Any = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        at = [header.index(n) for n in names]
        cols: list[list[str]] = [[], [], []]
        for line, row in enumerate(reader):
            if len(row) < len(header):
                raise _error(_crmkit.InvalidValueError, f"invalid `path` at row {line}: {len(row)} fields, expected {len(header)}", "path", line)
            for k, j in enumerate(at):
                cols[k].append(row[j])
    ids = np.asarray(cols[0], dtype=object)
    if all(v.lstrip("-").isdigit() for v in cols[0]):
        ids = np.asarray([int(v) for v in cols[0]], dtype=np.int64)
    return {names[0]: ids, names[1]: np.asarray(cols[1], dtype=object), names[2]: np.asarray(cols[2], dtype=object)}


def _read_parquet(path: Path, names: Sequence[str]) -> dict[str, np.ndarray]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        pq = None
    if pq is not None:
        try:
            available = pq.read_schema(path).names
        except Exception as exc:  # not a Parquet file
            raise _unreadable(path, "Parquet", exc) from exc
        for option, name in zip(_OPTIONS, names):
            if name not in available:
                raise _error(_crmkit.ConfigError, f"invalid `{option}`: no column {name!r} (available: {available})", option)
        try:
            t = pq.read_table(path, columns=list(names))
        except Exception as exc:
            raise _unreadable(path, "Parquet", exc) from exc
        return {n: _to_numpy(t.column(n), o) for n, o in zip(names, _OPTIONS)}
    try:
        import polars as pl
    except ImportError:
        raise _error(_crmkit.ConfigError, "invalid `path`: reading Parquet needs pyarrow or polars installed", "path") from None
    try:
        available = list(pl.read_parquet_schema(path))
    except Exception as exc:
        raise _unreadable(path, "Parquet", exc) from exc
    for option, name in zip(_OPTIONS, names):
        if name not in available:
            raise _error(_crmkit.ConfigError, f"invalid `{option}`: no column {name!r} (available: {available})", option)
    try:
        df = pl.read_parquet(path, columns=list(names))
    except Exception as exc:
        raise _unreadable(path, "Parquet", exc) from exc
    return {n: _to_numpy(df.get_column(n), o) for n, o in zip(names, _OPTIONS)}


def read_transactions(
    data: FrameLike,
    *,
    customer_id: str = "customer_id",
    timestamp: str = "timestamp",
    amount: str = "amount",
    date_format: str | None = None,
) -> dict[str, np.ndarray]:
    """A transaction log as a dict of numpy arrays ``customer_id``, ``timestamp`` (datetime64[D]), ``amount``.

    ``data`` is a path to a ``.csv`` or ``.parquet`` file (``.csv.gz`` too) or a table (pandas,
    polars, pyarrow, dict of arrays). CSV files are read with pyarrow or polars when installed,
    else with Python's csv module; Parquet needs pyarrow or polars. Timestamps may be dates,
    datetimes (reduced to the calendar day, time zones to local time) or strings: ISO dates,
    or any format with ``date_format`` (``'%Y%m%d'`` reads CDNOW's 19970101, also as integers).

    Raises:
        crmkit.ConfigError: a missing file or column (naming it), an unreadable file.
        crmkit.InvalidValueError / MissingValueError: a bad or missing value, naming the field and row.

    Examples:
        >>> import crmkit.reporting as rep
        >>> log = rep.read_transactions({"id": [7, 7], "day": ["20240105", "20240301"], "eur": [10, 20.5]},
        ...                             customer_id="id", timestamp="day", amount="eur", date_format="%Y%m%d")
        >>> log["timestamp"].tolist(), log["amount"].tolist()
        ([datetime.date(2024, 1, 5), datetime.date(2024, 3, 1)], [10.0, 20.5])
    """
    log = _load(data, customer_id, timestamp, amount, date_format)
    ids: Any = log.ids if log.labels is None else log.labels[log.ids]
    return {"customer_id": ids, "timestamp": log.days, "amount": log.amount}


def _load(data: Any, customer_id: str, timestamp: str, amount: str, date_format: str | None) -> _Log:
    names = (customer_id, timestamp, amount)
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.is_file():
            raise _error(_crmkit.ConfigError, f"invalid `path`: no such file {str(path)!r}", "path")
        suffixes = "".join(path.suffixes[-2:]).lower()
        if suffixes.endswith((".parquet", ".pq")):
            raw = _read_parquet(path, names)
        elif suffixes.endswith((".csv", ".csv.gz", ".txt", ".tsv")):
            raw = _read_csv(path, names, date_format)
        else:
            raise _error(_crmkit.ConfigError, f"invalid `path`: {path.name} (expected a .csv or .parquet file)", "path")
        source = path.name
    else:
        raw = {n: _to_numpy(_frames.column(data, n, f), f) for n, f in zip(names, _OPTIONS)}
        source = "the given table"
    ids, labels = _id_codes(np.asarray(raw[customer_id]), "customer_id")
    days = _parse_days(np.asarray(raw[timestamp]), "timestamp", date_format)
    amounts = _amounts(np.asarray(raw[amount]), "amount")
    if len(ids) == 0:
        raise _error(_crmkit.EmptyInputError, "empty input: the transaction log has no rows", "transactions")
    return _Log(ids, days, amounts, labels, source)


# ---------------------------------------------------------------------------------------------
# progress


class _Progress:
    """Step messages on stderr when it is a terminal (or when forced); silent otherwise."""

    def __init__(self, steps: int, enabled: bool | None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.steps = steps
        self.done = 0
        self.started = time.perf_counter()
        self.step_started = self.started

    def step(self, what: str) -> None:
        now = time.perf_counter()
        self.done += 1
        if self.enabled:
            sys.stderr.write(f"\r\x1b[2K[{self.done}/{self.steps}] {what} … ({now - self.started:.1f} s)")
            sys.stderr.flush()
        self.step_started = now

    def finish(self, message: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\x1b[2K{message} ({time.perf_counter() - self.started:.1f} s)\n")
            sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# figures


def _png(draw: Any, *args: Any, size: tuple[float, float] = (7.0, 3.8), **kwargs: Any) -> str:
    """Draws with a crmkit.plot function on a new (pyplot-free) figure and returns the PNG as base64."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    ax = fig.add_subplot()
    draw(*args, ax=ax, **kwargs)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return base64.b64encode(buf.getvalue()).decode("ascii")


# ---------------------------------------------------------------------------------------------
# the analyses


@dataclass
class _Section:
    key: str
    title: str
    intro: str = ""
    facts: list[tuple[str, Any]] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[list[Any]]]] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (caption, base64 png)
    notes: list[str] = field(default_factory=list)
    html_parts: list[str] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else math.nan


def _group_rows(by: str, order: Sequence[str], customers: dict[str, np.ndarray], revenue_total: float) -> list[list[Any]]:
    """The rows of the tier (or segment) summary table, from :func:`crmkit.tier_summary`."""
    from crmkit.rfm import tier_summary

    table = tier_summary(customers, by=by)
    at = {str(name): i for i, name in enumerate(table[by])}
    rows = []
    for name in order:
        i = at.get(name)
        if i is None:  # no customer carries this label
            rows.append([name, 0, f"{0:.1%}", 0.0, f"{0:.1%}" if revenue_total > 0 else "–", math.nan, math.nan, math.nan])
            continue
        revenue = float(table["revenue_share"][i]) * revenue_total
        rows.append(
            [
                name,
                int(table["customers"][i]),
                f"{table['share'][i]:.1%}",
                revenue,
                f"{table['revenue_share'][i]:.1%}" if revenue_total > 0 else "–",
                float(table["mean_days_since_last"][i]),
                float(table["mean_frequency"][i]),
                float(table["mean_monetary"][i]),
            ]
        )
    return rows


_GROUP_HEADER = ["", "customers", "share", "revenue", "revenue share", "mean R (days)", "mean F", "mean M"]


class Report:
    """The analyses of one transaction log as of one date, ready to write as HTML or print.

    Made by :func:`report`. Attributes: ``as_of`` (a date), ``customers``, ``transactions`` and
    ``results`` (a dict of the crmkit results used, dicts of numpy arrays: ``customers`` (RFM),
    ``summary`` (weekly BTYD summary), ``clv``, ``signals``, ``risk``, ``stages``, ``migration``,
    and the fitted ``bgnbd`` / ``gamma_gamma`` models when they fitted).
    """

    def __init__(self, title: str, as_of: _dt.date, log: _Log, sections: list[_Section], results: dict[str, Any], notes: list[str]) -> None:
        self.title = title
        self.as_of = as_of
        self.transactions = len(log.ids)
        self.customers = len(results["customers"]["customer_id"])
        self.source = log.source
        self.sections = sections
        self.results = results
        self.notes = notes

    # -- html ---------------------------------------------------------------------------------
    def html(self) -> str:
        """The report as one self-contained HTML document (no scripts, no external resources)."""
        from crmkit import __version__

        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(self.title)}</title>",
            f"<style>{_CSS}</style></head><body><main>",
            f"<h1>{html.escape(self.title)}</h1>",
            f'<p class="lead">As of <b>{self.as_of.isoformat()}</b> · {self.transactions:,} transactions of '
            f"{self.customers:,} customers from {html.escape(self.source)} · made with crmkit {html.escape(__version__)}</p>",
            '<nav><ol>' + "".join(f'<li><a href="#{s.key}">{html.escape(s.title)}</a></li>' for s in self.sections) + "</ol></nav>",
        ]
        for s in self.sections:
            parts.append(f'<section id="{s.key}"><h2>{html.escape(s.title)}</h2>')
            if s.intro:
                parts.append(f"<p>{html.escape(s.intro)}</p>")
            if s.facts:
                parts.append('<div class="facts">')
                for label, value in s.facts:
                    parts.append(f'<div class="fact"><div class="v">{html.escape(_display.fmt(value))}</div><div class="l">{html.escape(label)}</div></div>')
                parts.append("</div>")
            parts.extend(s.html_parts)
            for caption, header, rows in s.tables:
                parts.append(_display.html_table(header, rows, caption))
            for caption, png in s.figures:
                parts.append(
                    f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{png}">'
                    f"<figcaption>{html.escape(caption)}</figcaption></figure>"
                )
            for note in s.notes:
                parts.append(f'<p class="note">{html.escape(note)}</p>')
            parts.append("</section>")
        if self.notes:
            parts.append('<section id="notes"><h2>Notes</h2><ul>' + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ul></section>")
        parts.append("</main></body></html>")
        return "\n".join(parts)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Writes :meth:`html` to ``path`` (UTF-8) and returns the path."""
        out = Path(path)
        try:
            out.write_text(self.html(), encoding="utf-8")
        except OSError as exc:
            raise _error(_crmkit.ConfigError, f"invalid `output`: cannot write {str(out)!r}: {exc.strerror}", "output") from exc
        return out

    def _repr_html_(self) -> str:
        body = self.html()
        start, end = body.index("<main>"), body.index("</main>")
        return f'<div class="crmkit-report"><style>{_scoped_css()}</style>{body[start + 6:end]}</div>'

    # -- text ---------------------------------------------------------------------------------
    def text(self) -> str:
        """A terminal summary: the key figures and tables of every section (no figures)."""
        lines = [f"crmkit report as of {self.as_of.isoformat()}: {self.transactions:,} transactions, {self.customers:,} customers"]
        for s in self.sections:
            lines += ["", f"== {s.title}"]
            for label, value in s.facts:
                lines.append(f"  {label}: {_display.fmt(value)}")
            for part in s.text_parts:
                lines += ["  " + line for line in part.splitlines()]
            for caption, header, rows in s.tables:
                if caption:
                    lines.append(f"  {caption}")
                lines.append(_display.text_table(header, rows, indent="  "))
            for note in s.notes:
                lines.append(f"  note: {note}")
        if self.notes:
            lines += ["", "== Notes"] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Report({self.title!r}, as_of={self.as_of.isoformat()}, {self.transactions:,} transactions, {self.customers:,} customers, {len(self.sections)} sections)"


def report(
    data: FrameLike,
    *,
    as_of: DateLike | None = None,
    output: str | os.PathLike[str] | None = None,
    customer_id: str = "customer_id",
    timestamp: str = "timestamp",
    amount: str = "amount",
    date_format: str | None = None,
    title: str | None = None,
    window_days: int = 365,
    normalization: Normalization = "percentile_rank",
    winsorize: tuple[float, float] | None = None,
    clv_months: int = 12,
    monthly_discount_rate: float = 0.01,
    compare_days: int = 90,
    top: int = 10,
    figures: bool | None = None,
    progress: bool | None = None,
    source: str | None = None,
) -> Report:
    """Runs the main analyses of a transaction log and returns the :class:`Report`.

    Args:
        data: a ``.csv`` / ``.parquet`` path or a table (see :func:`read_transactions`).
        as_of: the observation date (``'2024-12-31'``, a date); default: the last transaction's day.
            Transactions after it are an error.
        output: when given, the HTML file to write.
        customer_id, timestamp, amount: column names; ``date_format`` parses string / integer dates.
        title: the report's heading.
        window_days: the RFM window; normalization: the score's normalisation (see
            :func:`crmkit.rfm`: percentile ranks by default, ``'minmax'`` for the guides'
            formula); winsorize: percentiles to clip at before min–max (implies ``'minmax'``).
        clv_months, monthly_discount_rate: the CLV horizon and discounting (monthly steps).
        compare_days: the earlier snapshot (days before ``as_of``) for the lifecycle migration.
        top: rows in the top-customer lists.
        figures: draw figures (needs matplotlib); None = when matplotlib is installed.
        progress: step messages on stderr; None = when stderr is a terminal.
        source: how the report names the data (default: the file name, or "the given table").

    Returns:
        The :class:`Report` (``.save(path)``, ``.html()``, ``.text()``; shows itself in a notebook).

    Raises:
        crmkit.CrmkitError: bad input or options, naming the field, the row and the value.
    """
    from crmkit import (
        WEEKS_PER_MONTH,
        BgNbd,
        ChurnIndexOptions,
        CrmkitError,
        CrmkitWarning,
        GammaGamma,
        btyd_summary,
        churn_risk,
        churn_signals,
        concentration,
        lifecycle_stages,
        rfm,
        segment_rules,
        stage_migration,
    )

    bar = _Progress(9, progress)
    bar.step("reading the transaction log")
    log = _load(data, customer_id, timestamp, amount, date_format)
    if source is not None:
        log.source = source
    last_day = log.days.max()
    as_of_day = np.datetime64(last_day, "D") if as_of is None else np.datetime64(_frames.day_number(as_of, "as_of"), "D")
    as_of_date: _dt.date = as_of_day.astype(object)
    if figures is None:
        try:
            import crmkit.plot  # noqa: F401
            import matplotlib  # noqa: F401

            figures = True
        except ImportError:
            figures = False
    if figures:
        from crmkit import plot
    notes: list[str] = []
    if not figures:
        notes.append("Figures were left out: they need matplotlib (pip install 'crmkit[plot]').")
    table = log.table()
    results: dict[str, Any] = {}
    sections: list[_Section] = []

    def figure(section: _Section, caption: str, draw: Any, *args: Any, size: tuple[float, float] = (7.0, 3.8), **kwargs: Any) -> None:
        if not figures:
            return
        try:
            section.figures.append((caption, _png(draw, *args, size=size, **kwargs)))
        except CrmkitError as exc:  # e.g. nothing to draw for this log: say so, keep the report
            section.notes.append(f"Figure left out ({caption}): {exc}")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CrmkitWarning)

        # -- the data --------------------------------------------------------------------
        first, last = log.days.min().astype(object), last_day.astype(object)
        data_section = _Section(
            "data",
            "The data",
            f"Transactions of {log.source}, read as customer id, date and amount. Everything below is as of "
            f"{as_of_date.isoformat()}.",
            [
                ("transactions", len(log.ids)),
                ("customers", int(len(np.unique(log.ids)))),
                ("first purchase", first.isoformat()),
                ("last purchase", last.isoformat()),
                ("revenue", float(log.amount.sum())),
                ("mean order value", float(log.amount.mean())),
            ],
        )
        sections.append(data_section)

        # -- RFM ------------------------------------------------------------------------------
        bar.step("RFM scores, tiers and segments")
        rules = segment_rules("rf_grid")
        if winsorize is not None:
            normalization = "minmax"
        customers = rfm(
            table, as_of=as_of_date, window_days=window_days, normalization=normalization, winsorize=winsorize, segments=rules
        )
        results["customers"] = customers
        revenue_window = float(customers["monetary"].sum())
        tiers = _Section(
            "tiers",
            "Tiers and segments",
            f"R = days since the last purchase, F = purchases and M = spend in the last {window_days} days. "
            + (
                "Tiers come from the min–max weighted score 0.3 R + 0.4 F + 0.3 M"
                if normalization == "minmax"
                else "Tiers come from the weighted score 0.3 R + 0.4 F + 0.3 M over percentile ranks (each of R, F, M "
                "is the customer's mid-rank among all customers, fewer days best)"
            )
            + " (high value ≥ 0.8, potential ≥ 0.5, else churn risk"
            + (f"; spend winsorised at the {winsorize[1]:.0%} percentile" if winsorize else "")
            + "); segments from the R × F quintile grid (champions, loyal, … hibernating), first matching rule wins.",
            [("customers", len(customers["customer_id"])), (f"revenue in the last {window_days} days", revenue_window)],
        )
        tiers.tables.append(("Tiers", ["tier"] + _GROUP_HEADER[1:], _group_rows("tier", _TIER_ORDER, customers, revenue_window)))
        seg_rows = _group_rows("segment", list(rules.names), customers, revenue_window)
        seg_rows.sort(key=lambda r: -r[3])
        tiers.tables.append(("Segments (by revenue)", ["segment"] + _GROUP_HEADER[1:], seg_rows))
        if figures:
            figure(tiers, "Customers per tier with their revenue share", plot.tier_distribution, customers)
            figure(tiers, "Segment sizes: share of customers and share of revenue", plot.segment_sizes, customers, size=(7.0, 4.4))
            figure(tiers, "The R × F grid: customers per recency and frequency score", plot.rf_heatmap, customers, size=(5.6, 4.4))
        sections.append(tiers)

        # -- concentration ----------------------------------------------------------------
        bar.step("concentration")
        conc = concentration(customers["monetary"], top_fraction=0.2)
        results["concentration"] = conc
        c_section = _Section(
            "concentration",
            "Concentration",
            f"How unevenly the revenue of the last {window_days} days is spread over customers. The Gini coefficient is 0 "
            "when everyone spends the same and near 1 when a few customers bring everything.",
            [
                ("revenue share of the top 20 %", f"{conc['top_share']:.1%}"),
                ("top 20 % of customers", int(conc["top_customers"])),
                ("Gini coefficient", conc["gini"]),
            ],
        )
        if figures:
            figure(c_section, "Lorenz curve of spend", plot.lorenz_curve, customers, size=(5.2, 4.4))
        sections.append(c_section)

        # -- top customers ----------------------------------------------------------------
        order = np.lexsort((customers["customer_id"], -customers["rfm_score"]))[:top]
        top_section = _Section("top", f"Top {len(order)} customers by RFM score", "The customers to know by name.")
        top_section.tables.append(
            (
                "",
                ["customer", "last purchase", "R (days)", "F", "M", "R/F/M scores", "score", "tier", "segment"],
                [
                    [
                        log.id_text(customers["customer_id"][[i]])[0],
                        str(customers["last_purchase"][i]),
                        int(customers["days_since_last"][i]),
                        int(customers["frequency"][i]),
                        float(customers["monetary"][i]),
                        f"{customers['r_score'][i]}/{customers['f_score'][i]}/{customers['m_score'][i]}",
                        float(customers["rfm_score"][i]),
                        str(customers["tier"][i]),
                        str(customers["segment"][i]),
                    ]
                    for i in order
                ],
            )
        )
        sections.append(top_section)

        # -- CLV ------------------------------------------------------------------------------
        bar.step("buy-till-you-die summary and BG/NBD fit")
        summary = btyd_summary(table, as_of=as_of_date, unit="weeks")
        results["summary"] = summary
        x = summary["x"]
        clv_section = _Section(
            "clv",
            "Customer lifetime value",
            "The weekly buy-till-you-die summary (x = repeat purchase days, t_x = weeks from the first to the last "
            "purchase, T = weeks from the first purchase to the observation date, m_x = mean spend of the repeat "
            "days) feeds the BG/NBD model of purchases and drop-out (Fader, Hardie & Lee 2005) and the Gamma–Gamma "
            f"model of spend. CLV = the expected spend of the next {clv_months} months, discounted "
            f"{monthly_discount_rate:.0%} a month.",
            [
                ("customers", len(x)),
                ("repeat customers (x > 0)", int((x > 0).sum())),
                ("mean repeat purchases x", _mean(x)),
                ("mean age T (weeks)", _mean(summary["T"])),
            ],
        )
        sections.append(clv_section)
        bg = gg = None
        try:
            bg = BgNbd().fit(summary)
            results["bgnbd"] = bg
            clv_section.html_parts.append(bg._repr_html_())
            clv_section.text_parts.append(str(bg))
        except CrmkitError as exc:
            clv_section.notes.append(f"BG/NBD could not be fitted: {exc}")
        bar.step("Gamma–Gamma fit and CLV")
        if bg is not None:
            try:
                gg = GammaGamma().fit(summary)
                results["gamma_gamma"] = gg
                clv_section.html_parts.append(gg._repr_html_())
                clv_section.text_parts.append(str(gg))
            except CrmkitError as exc:
                clv_section.notes.append(f"Gamma–Gamma could not be fitted: {exc}")
            # predictions on a table come back keyed by customer, in the summary's row order
            p_alive = _frames.to_numpy(_frames.column(bg.probability_alive(summary), "probability_alive", "probability_alive"))
            expected = _frames.to_numpy(_frames.column(bg.expected_purchases(summary, clv_months * WEEKS_PER_MONTH), "expected_purchases", "expected_purchases"))
            results["probability_alive"] = p_alive
            results["expected_purchases"] = expected
            clv_section.facts += [
                ("mean P(alive)", _mean(p_alive)),
                (f"expected purchases, next {clv_months} months", float(expected.sum())),
            ]
            if gg is not None:
                clv = _frames.to_numpy(
                    _frames.column(
                        gg.customer_lifetime_value(
                            bg, summary, months=clv_months, discount_rate=monthly_discount_rate, time_units_per_month=WEEKS_PER_MONTH
                        ),
                        "clv",
                        "clv",
                    )
                )
                results["clv"] = clv
                clv_section.facts += [
                    (f"{clv_months}-month CLV, all customers", float(clv.sum())),
                    ("mean CLV", _mean(clv)),
                    ("median CLV", float(np.median(clv))),
                ]
                best = np.lexsort((summary["customer_id"], -clv))[:top]
                clv_section.tables.append(
                    (
                        f"Top {len(best)} customers by {clv_months}-month CLV",
                        ["customer", "x", "t_x (weeks)", "T (weeks)", "m_x", "P(alive)", "expected purchases", "CLV"],
                        [
                            [
                                log.id_text(summary["customer_id"][[i]])[0],
                                int(x[i]),
                                float(summary["t_x"][i]),
                                float(summary["T"][i]),
                                float(summary["m_x"][i]),
                                float(p_alive[i]),
                                float(expected[i]),
                                float(clv[i]),
                            ]
                            for i in best
                        ],
                    )
                )
            if figures:
                figure(clv_section, "Repeat purchases per customer: actual vs BG/NBD", plot.period_transactions, bg, summary)
                figure(clv_section, "Expected purchases next week by frequency and recency", plot.frequency_recency_matrix, bg, summary, unit="weeks", size=(7.4, 5.0))
                figure(clv_section, "P(alive) by frequency and recency", plot.probability_alive_matrix, bg, summary, unit="weeks", size=(7.4, 5.0))
                if gg is not None:
                    figure(clv_section, f"Distribution of the {clv_months}-month CLV", plot.clv_distribution, results["clv"])

        # -- churn ----------------------------------------------------------------------------
        bar.step("churn signals and risk index")
        signals = churn_signals(table, as_of=as_of_date)
        risk = churn_risk(signals)
        results["signals"], results["risk"] = signals, risk
        alerts = np.asarray(risk["alert"], dtype=object)
        churn_section = _Section(
            "churn",
            "Churn warnings",
            "Warning signals measured from the transaction log: activity drop (active days in the last 30 days against "
            "the trailing 180-day baseline), purchase gap (days since the last purchase against the customer's typical "
            "interval) and order value change (last 90 days against the 90 before). The risk index 1–10 weighs the "
            "signals present (red from 8, yellow from 5).",
        )
        counts = {a: int((alerts == a).sum()) for a in _ALERT_ORDER}
        unmeasured = int(sum(1 for a in alerts if a is None))
        churn_section.facts = [(f"{a} alerts", counts[a]) for a in _ALERT_ORDER] + [("no signal measurable", unmeasured)]
        reason_lists = signals["reasons"]
        codes: dict[str, int] = {}
        for rs in reason_lists:
            for r in rs:
                codes[r] = codes.get(r, 0) + 1
        churn_section.tables.append(
            ("Reasons (rules that fired)", ["reason", "customers", "share of customers"],
             [[k, v, f"{v / len(reason_lists):.1%}"] for k, v in sorted(codes.items(), key=lambda kv: -kv[1])])
        )
        by_segment = {
            "segment": customers["segment"],
            "churn_index": np.asarray(risk["churn_index"], dtype=np.float64),
        }
        seg_alert_rows = []
        for name in rules.names:
            m = customers["segment"] == name
            if not m.any():
                continue
            idx = by_segment["churn_index"][m]
            seg_alert_rows.append(
                [name, int(m.sum()), float(np.nanmean(idx)) if np.isfinite(idx).any() else math.nan]
                + [int((alerts[m] == a).sum()) for a in _ALERT_ORDER]
            )
        churn_section.tables.append(("Churn risk by segment", ["segment", "customers", "mean index", "red", "yellow", "green"], seg_alert_rows))
        red = np.flatnonzero(alerts == "red")
        red = red[np.lexsort((customers["customer_id"][red], -customers["monetary"][red]))][:top]
        if len(red):
            churn_section.tables.append(
                (
                    f"Red alerts: the {len(red)} customers with the highest spend",
                    ["customer", "index", "reasons", "segment", "M", "CLV"],
                    [
                        [
                            log.id_text(customers["customer_id"][[i]])[0],
                            int(risk["churn_index"][i]),
                            str(signals["reason_details"][i]),
                            str(customers["segment"][i]),
                            float(customers["monetary"][i]),
                            float(results["clv"][i]) if "clv" in results else math.nan,
                        ]
                        for i in red
                    ],
                )
            )
        if unmeasured:
            churn_section.notes.append(
                f"{unmeasured:,} customers have no index: none of the weighted signals can be measured for them (no "
                "purchase in the activity baseline, no orders in the two 90-day windows). Their purchase gap is still "
                "measured, and the lifecycle stages below place them (lost or churn_warning)."
            )
        churn_section.notes.append(
            "Not measured (a transaction log cannot show them; pass an interaction log and survey answers to "
            "crmkit.churn_signals): " + "; ".join(_UNMEASURED_SIGNALS.values()) + ". The index renormalises the "
            "weights over the signals present."
        )
        if figures:
            figure(churn_section, "Alert levels", plot.alert_levels, risk, size=(6.0, 3.4))
            figure(churn_section, "Reasons", plot.reason_codes, signals, size=(6.4, 3.4))
            figure(churn_section, "Churn index by segment (mean and interquartile range)", plot.churn_index_by_segment, by_segment, options=ChurnIndexOptions(), size=(7.0, 4.4))
        sections.append(churn_section)

        # -- lifecycle ------------------------------------------------------------------------
        bar.step("lifecycle stages")
        attrs = {
            "customer_id": signals["customer_id"],
            "churn_index": np.asarray(risk["churn_index"], dtype=np.float64),
            "purchase_gap_fires": np.asarray(signals["purchase_gap_fires"], dtype=np.float64),
        }
        stages = lifecycle_stages(table, attrs, as_of=as_of_date)
        results["stages"] = stages
        stage_names = [s for s in ("prospect", "onboarding", "retained", "expansion", "churn_warning", "lost", "reactivated")]
        st = np.asarray(stages["stage"], dtype=object)
        life = _Section(
            "lifecycle",
            "Lifecycle stages",
            "Each customer's stage, first matching rule wins: over 365 days since the last purchase → lost; churn index "
            "≥ 8 or the purchase-gap warning → churn_warning; bought again within 180 days after a gap of over 365 days "
            "→ reactivated; first purchase within 180 days → onboarding; else retained (expansion needs order and "
            "referral data).",
        )
        life.tables.append(
            ("Stages now", ["stage", "customers", "share"], [[s, int((st == s).sum()), f"{(st == s).mean():.1%}"] for s in stage_names if (st == s).any()])
        )
        bar.step("lifecycle migration")
        before_date = as_of_date - _dt.timedelta(days=compare_days)
        before_day = np.datetime64(before_date, "D")
        mask = log.days <= before_day
        if mask.any():
            before_table = log.table(mask)
            b_signals = churn_signals(before_table, as_of=before_date)
            b_risk = churn_risk(b_signals)
            b_attrs = {
                "customer_id": b_signals["customer_id"],
                "churn_index": np.asarray(b_risk["churn_index"], dtype=np.float64),
                "purchase_gap_fires": np.asarray(b_signals["purchase_gap_fires"], dtype=np.float64),
            }
            before = lifecycle_stages(before_table, b_attrs, as_of=before_date)
            migration = stage_migration(before, stages)
            results["migration"] = migration
            moved = int(np.asarray(migration["moves"]["changed"]).sum())
            life.facts = [(f"changed stage since {before_date.isoformat()}", moved), ("customers then", len(before["customer_id"]))]
            labels = list(migration["labels"])
            counts_tab = migration["counts"]
            life.tables.append(
                (
                    f"Migration: stage on {before_date.isoformat()} (rows) → on {as_of_date.isoformat()} (columns)",
                    ["from \\ to"] + labels,
                    [[str(counts_tab["from"][i])] + [int(counts_tab[lab][i]) for lab in labels] for i in range(len(counts_tab["from"]))],
                )
            ) if "from" in counts_tab else None
            if figures:
                figure(life, f"Migration between stages, {before_date.isoformat()} → {as_of_date.isoformat()}", plot.migration_sankey, migration, size=(7.0, 5.0))
        else:
            life.notes.append(f"No migration: no transactions before {before_date.isoformat()}.")
        sections.append(life)

    bar.step("writing")
    for w in caught:
        if issubclass(w.category, CrmkitWarning):
            notes.append(str(w.message))
        else:  # not ours: pass it on unchanged
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    rep = Report(title or f"Customer report, {as_of_date.isoformat()}", as_of_date, log, sections, results, notes)
    if output is not None:
        rep.save(output)
    bar.finish(f"crmkit report: {rep.customers:,} customers" + (f", written to {output}" if output is not None else ""))
    return rep


def _scoped_css() -> str:
    """The style sheet limited to the report's own <div> (for a notebook, which has its own page styles)."""
    rules = []
    for line in _CSS.strip().splitlines():
        if line.startswith("@media") or "{" not in line:
            continue
        selectors, body = line.split("{", 1)
        scoped = ",".join(".crmkit-report" if s.strip() in ("body", "main") else f".crmkit-report {s.strip()}" for s in selectors.split(","))
        rules.append(scoped + "{" + body)
    return "\n".join(rules)


_CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#222;background:#fafafa;margin:0;line-height:1.45}
main{max-width:960px;margin:0 auto;padding:1.5em 2em 3em;background:#fff}
h1{font-size:1.7em;margin:0.2em 0}
h2{font-size:1.3em;border-bottom:2px solid #2a6f97;padding-bottom:0.2em;margin-top:1.8em;color:#1d4e6b}
p.lead{color:#555;margin-top:0}
nav ol{columns:2;font-size:0.95em}
nav a{color:#2a6f97}
.facts{display:flex;flex-wrap:wrap;gap:0.6em;margin:0.6em 0 1em}
.fact{background:#eef4f8;border-radius:6px;padding:0.5em 0.9em;min-width:8em}
.fact .v{font-size:1.25em;font-weight:600;color:#1d4e6b}
.fact .l{font-size:0.8em;color:#555}
table.crmkit{border-collapse:collapse}
figure{margin:1em 0;text-align:center}
figure img{max-width:100%;height:auto}
figcaption{font-size:0.85em;color:#555}
p.note{font-size:0.88em;color:#6b4f00;background:#fff8e1;border-left:3px solid #f2b701;padding:0.4em 0.7em}
.crmkit-summary{display:inline-block;vertical-align:top;margin-right:2em}
@media print{body{background:#fff} main{padding:0}}
"""
