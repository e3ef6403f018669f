"""crmkit.plot: what each plot draws (bars, cells, flows, labels, the numbers drawn), on CDNOW and a
synthetic log, for every frame family; the optional-dependency rules; the gallery's coverage.

Expected values are computed here independently from the pandas form of the same crmkit result
(groupby / crosstab / cumulative sums), or from closed forms where stated; a plot passes when what
it drew equals them (exact for counts, 1e-12 relative for shares and means unless stated).
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

matplotlib = pytest.importorskip(
    "matplotlib", reason="crmkit.plot needs matplotlib (pip install 'crmkit[plot]'); scripts/test.sh installs it"
)
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import PathPatch, Rectangle  # noqa: E402

import crmkit  # noqa: E402
import crmkit.plot as cp  # noqa: E402


ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
FAMILIES = ["pandas", "polars", "pyarrow", "numpy"]
DATASETS = ["cdnow", "synthetic"]
AS_OF = {"cdnow": "1998-06-30", "synthetic": "2025-12-01"}
MIDDLE = {"cdnow": "1997-09-30", "synthetic": "2025-01-01"}
REL = 1e-12


# --- data in every family ------------------------------------------------------------------------


@lru_cache(maxsize=None)
def log_pandas(dataset: str) -> pd.DataFrame:
    if dataset == "cdnow":
        raw = pd.read_csv(
            DATA / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None, names=["master_id", "customer_id", "date", "cds", "amount"]
        )
        raw["timestamp"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
        return raw[["customer_id", "timestamp", "amount"]]
    return btyd_log(7)


def btyd_log(seed: int, customers: int = 400) -> pd.DataFrame:
    """A synthetic log from the BG/NBD story: gamma purchase rates, a beta dropout chance after each
    purchase, first purchases in the first 90 days of 2024, observed to 2025-12-01 (700 days)."""
    rng = np.random.default_rng(seed)
    ids, days = [], []
    for cid in range(customers):
        rate, drop = rng.gamma(0.8, 1 / 20), rng.beta(1.0, 4.0)
        day = float(rng.integers(0, 90))
        while day < 700:
            ids.append(cid)
            days.append(int(day))
            if rng.random() < drop:
                break
            day += rng.exponential(1 / rate)
    return pd.DataFrame(
        {
            "customer_id": np.asarray(ids, dtype=np.int64),
            "timestamp": np.datetime64("2024-01-01") + np.asarray(days).astype("timedelta64[D]"),
            "amount": np.round(rng.lognormal(3, 0.8, len(ids)), 2),
        }
    )


def in_family(df: pd.DataFrame, fam: str) -> Any:
    if fam == "pandas":
        return df
    if fam == "polars":
        return pl.from_pandas(df)
    if fam == "pyarrow":
        return pa.Table.from_pandas(df, preserve_index=False)
    return {k: df[k].to_numpy() for k in df.columns}


def col_in_family(values: np.ndarray, fam: str) -> Any:
    if fam == "pandas":
        return pd.Series(values)
    if fam == "polars":
        return pl.Series(values)
    if fam == "pyarrow":
        return pa.array(values)
    return np.asarray(values)


def as_pandas(table: Any) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):
        return table
    if isinstance(table, pl.DataFrame):
        return table.to_pandas()
    if isinstance(table, pa.Table):
        return table.to_pandas()
    return pd.DataFrame({k: list(v) if np.asarray(v).dtype == object else v for k, v in table.items()})


@lru_cache(maxsize=None)
def rfm_of(dataset: str, fam: str, as_of: str | None = None) -> Any:
    with warnings.catch_warnings():
        # CDNOW's one-time buyers tie the F scores and crmkit warns so (tested in test_scoring.py)
        warnings.simplefilter("ignore", crmkit.CrmkitWarning)
        day = as_of or AS_OF[dataset]
        log = log_pandas(dataset)
        return crmkit.rfm(in_family(log[log["timestamp"] <= day].reset_index(drop=True), fam), as_of=day)


def family_of(table: Any) -> str:
    return type(table).__module__.split(".")[0] if not isinstance(table, dict) else "numpy"


def heights(ax: Any, i: int = 0) -> list[float]:
    return [float(v) for v in ax.containers[i].datavalues]


def tick_texts(labels: Any) -> list[str]:
    return [t.get_text() for t in labels]


both = pytest.mark.parametrize("dataset", DATASETS)
every = pytest.mark.parametrize("fam", FAMILIES)


# --- optional dependency ---------------------------------------------------------------------------


def test_import_crmkit_never_imports_matplotlib() -> None:
    code = "import sys, crmkit; crmkit.rfm; assert 'matplotlib' not in sys.modules, sorted(m for m in sys.modules if 'matplotlib' in m)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_without_matplotlib_the_import_error_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "try:\n    import crmkit.plot\nexcept ImportError as e:\n    print(e)\nelse:\n    raise SystemExit('imported')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True, text=True).stdout
    assert "pip install 'crmkit[plot]'" in out


def test_every_plot_is_documented_with_an_example_and_in_the_gallery() -> None:
    gallery = (ROOT / "docs" / "gallery.md").read_text()
    functions = [n for n in cp.__all__ if n.islower()]
    assert len(functions) == 22
    # the gallery shows exactly the calls scripts/gallery.py runs (re-run it after changing them)
    spec = importlib.util.spec_from_file_location("gallery", ROOT / "scripts" / "gallery.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert sorted(name for _, name, _, _ in script.PLOTS) == sorted(functions)
    assert script.SETUP.rstrip() in gallery
    for _, name, _, call in script.PLOTS:
        assert f"```python\n{call}\n```" in gallery, name
    for name in functions:
        doc = getattr(cp, name).__doc__ or ""
        assert "Examples:" in doc and ">>> " in doc, name
        assert f"crmkit.plot.{name}(" in gallery, name
        assert (ROOT / "docs" / "gallery" / f"{name}.png").is_file(), name


def test_ax_is_used_and_returned_else_a_new_figure() -> None:
    fig, axes = plt.subplots(1, 2)
    data = {"alert": np.array(["red", "green"], dtype=object)}
    assert cp.alert_levels(data, ax=axes[1]) is axes[1]
    assert len(axes[0].patches) == 0 and len(axes[1].patches) == 3  # green, yellow (0), red
    new = cp.alert_levels(data)
    assert new.figure is not fig
    assert cp.alert_levels(data, title="").get_title() == ""


def test_nothing_to_draw_is_an_empty_input_error() -> None:
    empty = np.array([], dtype=np.float64)
    labels = np.array([], dtype=object)
    bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
    calls = [
        lambda: cp.segment_sizes({"segment": labels}),
        lambda: cp.tier_distribution({"tier": labels}),
        lambda: cp.rf_heatmap({"r_score": empty, "f_score": empty}),
        lambda: cp.lorenz_curve({"monetary": empty}),
        lambda: cp.value_potential({"value": empty, "potential": empty, "quadrant": labels},
                                   {"quadrant": labels, "customers": empty, "value_share": empty,
                                    "value_split": empty, "potential_split": empty}),
        lambda: cp.needs_matrix({"importance": empty, "urgency": empty, "quadrant": labels}),
        lambda: cp.alert_levels({"alert": labels}),
        lambda: cp.churn_index_by_segment({"segment": labels, "churn_index": empty}),
        lambda: cp.calibration_curve({"bin": empty, "n": empty, "mean_predicted": empty, "observed_rate": empty}),
        lambda: cp.nps_by_segment({"segment": labels, "nps": empty, "lower": empty, "upper": empty, "respondents": empty}),
        lambda: cp.period_transactions(bg, {"x": empty, "t_x": empty, "T": empty}),
        lambda: cp.frequency_recency_matrix(bg, {"x": empty, "t_x": empty, "T": empty}),
        lambda: cp.clv_distribution(empty),
    ]  # fmt: skip
    for call in calls:
        with pytest.raises(crmkit.EmptyInputError, match="is empty"):
            call()
    # no reason fired is a fact, not an error: an empty chart says so
    assert cp.reason_codes({"customer_id": labels, "reason": labels}).get_title() == "Churn reason codes (0 reasons)"


# --- RFM -------------------------------------------------------------------------------------------


@both
@every
def test_segment_sizes(dataset: str, fam: str) -> None:
    customers = rfm_of(dataset, fam)
    ax = cp.segment_sizes(customers)
    df = rfm_of(dataset, "pandas")
    names = crmkit.segment_rules("rf_grid").names
    counts = df["segment"].astype(str).value_counts().reindex(names, fill_value=0)
    if fam == "numpy":  # plain strings: the segments present, in the rules' order
        names = [name for name in names if counts[name] > 0]
        counts = counts[names]
    revenue = df.groupby(df["segment"].astype(str))["monetary"].sum().reindex(names, fill_value=0.0)
    assert revenue.sum() == pytest.approx(df["monetary"].sum(), rel=1e-12)
    assert tick_texts(ax.get_yticklabels()) == names  # the first segment is the top bar
    assert len(ax.containers[0]) == len(names) == len(ax.containers[1])
    np.testing.assert_allclose(heights(ax, 0), 100 * counts.to_numpy() / len(df), rtol=REL)
    np.testing.assert_allclose(heights(ax, 1), 100 * revenue.to_numpy() / revenue.sum(), rtol=REL)
    top = max(ax.containers[0], key=lambda r: r.get_y())
    assert top.get_width() == pytest.approx(100 * counts.iloc[0] / len(df), rel=REL)
    texts = [t.get_text() for t in ax.texts]
    assert f"{counts.iloc[0]:,} ({100 * counts.iloc[0] / len(df):.1f} %)" in texts


def test_segment_sizes_without_monetary_draws_customer_shares_only() -> None:
    ax = cp.segment_sizes({"segment": np.array(["a", "b", "a"], dtype=object)})
    assert len(ax.containers) == 1
    np.testing.assert_allclose(heights(ax), [200 / 3, 100 / 3], rtol=REL)
    assert tick_texts(ax.get_yticklabels()) == ["a", "b"]  # first appearance at the top
    assert max(ax.containers[0], key=lambda r: r.get_y()).get_width() == pytest.approx(200 / 3)


@both
@every
def test_tier_distribution(dataset: str, fam: str) -> None:
    ax = cp.tier_distribution(rfm_of(dataset, fam))
    df = rfm_of(dataset, "pandas")
    tiers = ["churn risk", "potential", "high value"]
    counts = df["tier"].astype(str).value_counts().reindex(tiers, fill_value=0)
    assert tick_texts(ax.get_xticklabels()) == tiers
    assert heights(ax) == counts.astype(float).tolist()
    assert [matplotlib.colors.to_hex(r.get_facecolor()) for r in ax.containers[0]] == [cp.TIER_COLORS[t] for t in tiers]
    share = df.groupby(df["tier"].astype(str))["monetary"].sum() / df["monetary"].sum()
    assert any(f"{100 * share['high value']:.1f} % of revenue" in t.get_text() for t in ax.texts)


@both
@every
@pytest.mark.parametrize("value", ["count", "monetary"])
def test_rf_heatmap(dataset: str, fam: str, value: str) -> None:
    ax = cp.rf_heatmap(rfm_of(dataset, fam), value=value)
    df = rfm_of(dataset, "pandas")
    grid = np.ma.getdata(ax.images[0].get_array())
    mask = np.ma.getmaskarray(ax.images[0].get_array())
    assert grid.shape == (5, 5)
    if value == "count":
        expected = pd.crosstab(df["r_score"], df["f_score"]).reindex(index=range(1, 6), columns=range(1, 6), fill_value=0)
        np.testing.assert_array_equal(grid, expected.to_numpy())
        assert not mask.any()
        assert len(ax.texts) == 25
    else:
        mean = df.groupby(["r_score", "f_score"])["monetary"].mean().unstack().reindex(index=range(1, 6), columns=range(1, 6))
        np.testing.assert_array_equal(mask, mean.isna().to_numpy())
        np.testing.assert_allclose(grid[~mask], mean.to_numpy()[~mask], rtol=1e-12)
        assert len(ax.texts) == int((~mask).sum())
    assert tick_texts(ax.get_xticklabels()) == ["1", "2", "3", "4", "5"]


def test_rf_heatmap_k_keeps_scores_nobody_has() -> None:
    ax = cp.rf_heatmap({"r_score": [1.0, 2.0], "f_score": [1.0, 1.0]}, k=3)
    np.testing.assert_array_equal(ax.images[0].get_array(), [[1, 0, 0], [1, 0, 0], [0, 0, 0]])
    with pytest.raises(crmkit.ConfigError, match="k"):
        cp.rf_heatmap({"r_score": [1.0, 4.0], "f_score": [1.0, 1.0]}, k=3)


def test_rf_heatmap_rejects_a_score_that_is_not_1_to_k() -> None:
    with pytest.raises(crmkit.InvalidValueError, match="r_score"):
        cp.rf_heatmap({"r_score": [1.0, 0.0], "f_score": [1.0, 1.0]})
    with pytest.raises(crmkit.ConfigError, match="value"):
        cp.rf_heatmap({"r_score": [1.0], "f_score": [1.0]}, value="mean")  # type: ignore[arg-type]


@both
@every
def test_lorenz_curve(dataset: str, fam: str) -> None:
    customers = rfm_of(dataset, fam)
    ax = cp.lorenz_curve(customers)
    m = np.sort(rfm_of(dataset, "pandas")["monetary"].to_numpy())
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.concatenate([[0], np.cumsum(m) / m.sum()]), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), np.arange(len(m) + 1) / len(m), rtol=REL)
    conc = crmkit.concentration(m, 0.2)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == f"Lorenz curve (Gini {conc['gini']:.3f})"
    assert legend[2] == f"top 20 % of customers: {100 * conc['top_share']:.1f} %% of revenue".replace("%%", "%")
    # the marked point is (1 - ceil(0.2 n) / n, 1 - top share), and it lies on the curve
    point = ax.lines[3].get_xydata()[0]
    k = math.ceil(0.2 * len(m))
    assert point[0] == pytest.approx(1 - k / len(m), rel=REL)
    assert point[1] == pytest.approx(1 - conc["top_share"], rel=1e-9)
    assert point[1] == pytest.approx(m[: len(m) - k].sum() / m.sum(), rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False) | st.just(0.0), min_size=1, max_size=60).filter(lambda v: sum(v) > 0))
def test_lorenz_curve_is_convex_and_its_area_gives_crmkits_gini(spend: list[float]) -> None:
    ax = cp.lorenz_curve(np.asarray(spend))
    x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    assert (x[0], y[0]) == (0.0, 0.0) and x[-1] == 1.0 and y[-1] == pytest.approx(1.0, rel=1e-12)
    assert np.all(np.diff(y) >= -1e-15) and np.all(np.diff(np.diff(y)) >= -1e-12)  # sorted ascending: convex
    # Gini = 1 - 2 * (area under the Lorenz curve), trapezoids between the drawn points
    area = float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))
    assert 1 - 2 * area == pytest.approx(crmkit.concentration(np.asarray(spend))["gini"], abs=1e-9)
    plt.close("all")


def test_lorenz_curve_takes_a_column_too() -> None:
    for col in (np.array([1.0, 3.0]), pd.Series([1.0, 3.0]), pl.Series([1.0, 3.0]), pa.array([1.0, 3.0])):
        assert cp.lorenz_curve(col).lines[0].get_ydata().tolist() == [0.0, 0.25, 1.0]


# --- value -----------------------------------------------------------------------------------------


def value_table(dataset: str, fam: str) -> Any:
    """value = monetary, potential = frequency (the RFM output's own columns), in family ``fam``."""
    df = rfm_of(dataset, "pandas")
    table = pd.DataFrame({"customer_id": df["customer_id"], "value": df["monetary"], "potential": df["frequency"].astype(float)})
    return in_family(table, fam)


@both
@every
def test_value_potential(dataset: str, fam: str) -> None:
    matrix = crmkit.value_potential_matrix(value_table(dataset, fam), customer_id="customer_id")
    ax = cp.value_potential(matrix)
    customers, summary = (as_pandas(t) for t in matrix)
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), customers[["value", "potential"]].to_numpy())
    present = summary[summary["customers"] > 0]
    bubbles = ax.collections[1]
    assert len(bubbles.get_offsets()) == len(present)
    texts = [t.get_text() for t in ax.texts]
    for _, row in present.iterrows():
        assert f"{row['quadrant']}\n{row['customers']:,} customers\n{100 * row['value_share']:.1f} % of value" in texts
    assert (customers["quadrant"].astype(str).value_counts()[present["quadrant"].astype(str)].to_numpy() == present["customers"]).all()
    sizes = bubbles.get_sizes()
    np.testing.assert_allclose(sizes / sizes.sum(), present["customers"] / present["customers"].sum(), rtol=REL)
    splits = sorted(line.get_xdata()[0] for line in ax.lines if line.get_xdata()[0] == line.get_xdata()[1])
    assert splits == [pytest.approx(summary["value_split"].iloc[0])]
    assert any(t.get_text().startswith("deepen\n") for t in ax.texts)


def test_value_potential_draws_a_sample_of_many_customers_but_counts_all() -> None:
    rng = np.random.default_rng(5)
    matrix = crmkit.value_potential_matrix({"value": rng.lognormal(3, 1, 3000), "potential": rng.random(3000)})
    ax = cp.value_potential(matrix, max_points=500)
    customers, summary = matrix
    drawn = ax.collections[0].get_offsets()
    assert len(drawn) == 500 and len(np.unique(drawn, axis=0)) == 500
    every = np.column_stack([customers["value"], customers["potential"]])
    assert {tuple(r) for r in drawn.tolist()} <= {tuple(r) for r in every.tolist()}
    assert ax.get_xlabel() == "value (500 of 3,000 customers drawn)"
    assert [t.get_text().split("\n")[1] for t in ax.texts] == [f"{k:,} customers" for k in summary["customers"]]
    assert len(cp.value_potential(matrix, max_points=None).collections[0].get_offsets()) == 3000


def test_value_potential_needs_the_summary() -> None:
    customers, _ = crmkit.value_potential_matrix({"value": [1.0, 2.0], "potential": [0.0, 1.0]})
    with pytest.raises(crmkit.ConfigError, match="summary"):
        cp.value_potential(customers)


@every
def test_needs_matrix(fam: str) -> None:
    rng = np.random.default_rng(3)
    needs = pd.DataFrame(
        {"topic": [f"t{i}" for i in range(40)], "importance": rng.integers(1, 6, 40).astype(float), "urgency": rng.integers(1, 6, 40).astype(float)}
    )
    work = crmkit.prioritise_needs(in_family(needs, fam), thresholds=(4, 3))
    ax = cp.needs_matrix(work, thresholds=(4, 3))
    pairs = needs.groupby(["urgency", "importance"]).size()
    offsets = ax.collections[0].get_offsets()
    assert len(offsets) == len(pairs)
    assert sorted(map(tuple, offsets.tolist())) == sorted(pairs.index.tolist())
    quadrants = as_pandas(work)["quadrant"].astype(str).value_counts()
    for name, label in (("do_now", "do now"), ("schedule", "schedule"), ("delegate", "delegate"), ("defer", "defer")):
        assert f"{label} ({quadrants.get(name, 0)})" in [t.get_text() for t in ax.texts]
    with pytest.raises(crmkit.ConfigError, match="thresholds"):
        cp.needs_matrix(work)  # made with (4, 3), drawn with the default (0.5, 0.5)


# --- churn -----------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def signals_of(dataset: str, fam: str) -> Any:
    return crmkit.churn_signals(in_family(log_pandas(dataset), fam), as_of=AS_OF[dataset])


@lru_cache(maxsize=None)
def risk_of(dataset: str, fam: str) -> Any:
    return crmkit.churn_risk(signals_of(dataset, fam))


@both
@every
def test_alert_levels(dataset: str, fam: str) -> None:
    ax = cp.alert_levels(risk_of(dataset, fam))
    alerts = as_pandas(risk_of(dataset, "pandas"))["alert"]
    expected = [int((alerts.astype(object) == level).sum()) for level in ("green", "yellow", "red")]
    labels = tick_texts(ax.get_xticklabels())
    assert labels[:3] == ["green", "yellow", "red"]
    assert heights(ax)[:3] == expected
    unscored = int(alerts.isna().sum())
    assert (labels[3:], heights(ax)[3:]) == ((["not scored"], [unscored]) if unscored else ([], []))
    colors = [matplotlib.colors.to_hex(r.get_facecolor()) for r in ax.containers[0]][:3]
    assert colors == ["#2ca02c", "#f2b701", "#d62728"]


@both
@every
def test_reason_codes(dataset: str, fam: str) -> None:
    log = in_family(log_pandas(dataset), fam)
    long = crmkit.churn_reasons(log, as_of=AS_OF[dataset])
    ax = cp.reason_codes(long)
    counts = as_pandas(long)["reason"].value_counts()
    labels = tick_texts(ax.get_yticklabels())  # most frequent first (at the top)
    assert sorted(labels) == sorted(counts.index)
    assert [heights(ax)[i] for i in range(len(labels))] == [float(counts[name]) for name in labels]
    assert heights(ax) == sorted(heights(ax), reverse=True)
    # the churn_signals form (a list column of reasons) draws the same bars
    wide = cp.reason_codes(signals_of(dataset, fam))
    assert heights(wide) == heights(ax)
    n = len(as_pandas(signals_of(dataset, "pandas")))
    assert f"{counts.iloc[0]:,} ({100 * counts.iloc[0] / n:.1f} %)" in [t.get_text() for t in wide.texts]
    assert wide.get_xlabel().endswith("(% of customers)") and ax.get_xlabel().endswith("(% of customers with a reason)")


@both
@every
def test_churn_index_by_segment(dataset: str, fam: str) -> None:
    risk = as_pandas(risk_of(dataset, "pandas"))
    seg = rfm_of(dataset, "pandas")
    assert risk["customer_id"].tolist() == seg["customer_id"].tolist()
    joined = pd.DataFrame({"segment": seg["segment"], "churn_index": risk["churn_index"].astype("Float64")})
    ax = cp.churn_index_by_segment(in_family(joined, fam) if fam != "numpy" else {"segment": seg["segment"].astype(str).to_numpy(dtype=object), "churn_index": joined["churn_index"].to_numpy(dtype=float, na_value=np.nan)})
    means = joined.groupby(joined["segment"].astype(str))["churn_index"].mean()
    labels = tick_texts(ax.get_yticklabels())
    names = crmkit.segment_rules("rf_grid").names
    # a pandas categorical keeps the rules' order with the empty segments; else the segments present, in that order
    assert labels == (names if fam == "pandas" else [n for n in names if n in set(labels)])
    assert set(labels) >= set(means.index)
    for name, v in zip(labels, heights(ax)):
        assert (math.isnan(v) and pd.isna(means.get(name))) or v == pytest.approx(float(means[name]), rel=REL)
    thresholds = [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"]
    assert sorted(thresholds) == [5, 8]


@lru_cache(maxsize=None)
def churn_model(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Outcome: no purchase after the middle date; features from the log up to it. Returns (y, p)."""
    log = log_pandas(dataset)
    before = log[log["timestamp"] <= MIDDLE[dataset]]
    features = crmkit.rfm_features(before, as_of=MIDDLE[dataset])
    later = set(log.loc[log["timestamp"] > MIDDLE[dataset], "customer_id"])
    y = (~features["customer_id"].isin(later)).astype(float).to_numpy()
    X = np.column_stack([np.log1p(features["days_since_last"]), np.log1p(features["frequency"]), np.log1p(features["monetary"])])
    p = crmkit.LogisticRegression().fit(X, y).predict_proba(X)[:, 1]
    return y, p


@both
@every
def test_calibration_gains_and_lift(dataset: str, fam: str) -> None:
    y, p = churn_model(dataset)
    report = crmkit.evaluate(col_in_family(y, fam), p)
    cal = as_pandas(report["calibration"]).sort_values("bin")
    ax = cp.calibration_curve(report)
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), cal[["mean_predicted", "observed_rate"]].to_numpy())
    assert f"AUC {report['auc']:.3f}" in ax.get_title()
    # gains: bins from the highest predictions down; cumulative shares of customers and churners
    desc = cal.iloc[::-1]
    positives = desc["n"] * desc["observed_rate"]
    gains = cp.gains_chart(report).lines[0].get_xydata()
    np.testing.assert_allclose(gains[1:, 0], np.cumsum(desc["n"]) / desc["n"].sum(), rtol=REL)
    np.testing.assert_allclose(gains[1:, 1], np.cumsum(positives) / positives.sum(), rtol=1e-9)
    assert gains[0].tolist() == [0.0, 0.0] and gains[-1].tolist() == pytest.approx([1.0, 1.0])
    # lift: each bin's rate over the overall rate; y.mean() is the overall rate
    lift = cp.lift_chart(report)
    np.testing.assert_allclose(heights(lift), desc["observed_rate"] / y.mean(), rtol=1e-9)
    assert len(lift.containers[0]) == len(cal)
    # the top bin of deciles holds the top 10 %: its lift is evaluate's top-decile lift when no tie straddles the cut
    if desc["n"].iloc[0] == math.ceil(0.1 * len(y)):
        assert heights(lift)[0] == pytest.approx(report["lift"], rel=1e-9)
    # the calibration table alone draws the same
    np.testing.assert_array_equal(cp.calibration_curve(report["calibration"]).lines[0].get_xydata(), ax.lines[0].get_xydata())


# --- lifecycle -------------------------------------------------------------------------------------


@both
@every
def test_migration_sankey_and_heatmap(dataset: str, fam: str) -> None:
    before = rfm_of(dataset, fam, MIDDLE[dataset])
    after = rfm_of(dataset, fam, AS_OF[dataset])
    mig = crmkit.stage_migration(before, after, label="tier")
    ax = cp.migration_sankey(mig, snapshots=(MIDDLE[dataset], AS_OF[dataset]))
    flows = as_pandas(mig["flows"])
    bands = {p.get_gid(): p for p in ax.patches if isinstance(p, PathPatch)}
    assert len(bands) == len(flows)
    for _, row in flows.iterrows():
        verts = bands[f"flow:{row['from']}->{row['to']}"].get_path().vertices
        assert verts[0, 1] - verts[7, 1] == pytest.approx(row["count"])  # thickness at the left end
        assert verts[3, 1] - verts[4, 1] == pytest.approx(row["count"])  # and at the right end
    nodes = {p.get_gid(): p.get_height() for p in ax.patches if isinstance(p, Rectangle) and p.get_gid()}
    out_tot = flows.groupby("from")["count"].sum()
    in_tot = flows.groupby("to")["count"].sum()
    assert nodes == {**{f"node:before:{k}": float(v) for k, v in out_tot.items()}, **{f"node:after:{k}": float(v) for k, v in in_tot.items()}}
    # every customer bought by the middle date (CDNOW: in Q1 1997; synthetic: in Q1 2024), so nobody is '(absent)'
    assert "(absent)" not in out_tot.index and "(absent)" not in in_tot.index
    assert sum(nodes[k] for k in nodes if k.startswith("node:before:")) == len(as_pandas(mig["moves"]))
    moved = int((flows["from"] != flows["to"]).mul(flows["count"]).sum())
    assert f"{moved:,} of" in ax.get_title()
    hm = cp.transition_heatmap(mig)
    rates = as_pandas(mig["rates"]).set_index("from")[mig["labels"]].to_numpy()
    counts = as_pandas(mig["counts"]).set_index("from")[mig["labels"]].to_numpy()
    grid = hm.images[0].get_array()
    empty = counts.sum(axis=1) == 0
    np.testing.assert_array_equal(np.ma.getdata(grid)[~empty], rates[~empty])
    assert np.ma.getmaskarray(grid)[empty].all()
    assert tick_texts(hm.get_xticklabels()) == mig["labels"]
    np.testing.assert_array_equal(np.ma.getdata(cp.transition_heatmap(mig, value="counts").images[0].get_array())[~empty], counts[~empty])


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from("abce")), min_size=1, max_size=40),
    st.integers(0, 5),
)
def test_sankey_bands_and_nodes_add_up(pairs: list[tuple[str, str]], shift: int) -> None:
    # customers 0..n-1 before, shift..n-1+shift after: the first `shift` leave, `shift` new ones come
    n = len(pairs)
    before = {"customer_id": np.arange(n), "label": np.array([a for a, _ in pairs], dtype=object)}
    after = {"customer_id": np.arange(n) + shift, "label": np.array([b for _, b in pairs], dtype=object)}
    ax = cp.migration_sankey(crmkit.stage_migration(before, after, label="label"))
    moves = pd.DataFrame({"from": pd.Series(dict(zip(range(n), before["label"]))), "to": pd.Series(dict(zip(range(shift, n + shift), after["label"])))})
    moves = moves.fillna("(absent)")
    bands = [p for p in ax.patches if isinstance(p, PathPatch)]
    assert len(bands) == len(moves.groupby(["from", "to"]))
    nodes = {p.get_gid(): p.get_height() for p in ax.patches if isinstance(p, Rectangle) and p.get_gid()}
    assert {k[len("node:before:"):]: v for k, v in nodes.items() if k.startswith("node:before:")} == moves["from"].value_counts().astype(float).to_dict()
    assert {k[len("node:after:"):]: v for k, v in nodes.items() if k.startswith("node:after:")} == moves["to"].value_counts().astype(float).to_dict()
    rects = {p.get_gid(): p for p in ax.patches if isinstance(p, Rectangle) and p.get_gid()}
    thickness: dict[str, float] = {}
    for band in bands:
        verts = band.get_path().vertices
        source, target = band.get_gid()[len("flow:"):].split("->")
        # each band leaves inside its source's bar and arrives inside its target's bar
        left, right = rects[f"node:before:{source}"], rects[f"node:after:{target}"]
        assert left.get_y() - 1e-9 <= verts[7, 1] < verts[0, 1] <= left.get_y() + left.get_height() + 1e-9
        assert right.get_y() - 1e-9 <= verts[4, 1] < verts[3, 1] <= right.get_y() + right.get_height() + 1e-9
        thickness[source] = thickness.get(source, 0.0) + verts[0, 1] - verts[7, 1]
    assert thickness == pytest.approx({k[len("node:before:"):]: v for k, v in nodes.items() if k.startswith("node:before:")})
    plt.close("all")


def test_migration_sankey_min_count_hides_small_bands() -> None:
    q1 = {"customer_id": np.arange(6), "stage": np.array(["retained"] * 5 + ["lost"], dtype=object)}
    q2 = {"customer_id": np.arange(1, 8), "stage": np.array(["retained"] * 3 + ["lost", "reactivated", "onboarding", "onboarding"], dtype=object)}
    mig = crmkit.stage_migration(q1, q2)
    everything = cp.migration_sankey(mig)
    drawn = sorted(p.get_gid() for p in everything.patches if isinstance(p, PathPatch))
    assert drawn == sorted(f"flow:{a}->{b}" for a, b in [("retained", "(absent)"), ("retained", "retained"), ("retained", "lost"),
                                                         ("lost", "reactivated"), ("(absent)", "onboarding")])  # fmt: skip
    assert "5 of 8 customers changed (62.5 %)" in everything.get_title()
    ax = cp.migration_sankey(mig, min_count=2)
    assert sorted(p.get_gid() for p in ax.patches if isinstance(p, PathPatch)) == ["flow:(absent)->onboarding", "flow:retained->retained"]
    assert "3 bands under 2 customers not drawn" in ax.get_title()
    colors = {p.get_gid(): matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches if isinstance(p, Rectangle) and p.get_gid()}
    assert colors["node:before:lost"] == cp.STAGE_COLORS["lost"]


# --- feedback --------------------------------------------------------------------------------------


@every
def test_nps_and_csat_by_segment(fam: str) -> None:
    rng = np.random.default_rng(11)
    segments = np.array(["champions", "loyal", "at risk", "new"], dtype=object)[rng.integers(0, 4, 600)]
    nps_answers = pd.DataFrame({"segment": segments, "answer": rng.integers(0, 11, 600)})
    csat_answers = pd.DataFrame({"segment": segments, "answer": rng.integers(1, 6, 600)})
    nps = crmkit.nps_by_segment(in_family(nps_answers, fam), method="adjusted_wald")
    ax = cp.nps_by_segment(nps)
    table = as_pandas(nps)
    assert tick_texts(ax.get_yticklabels()) == table["segment"].astype(str).tolist()
    np.testing.assert_array_equal(ax.collections[1].get_offsets()[:, 0], table["nps"])
    segs = ax.collections[0].get_segments()
    np.testing.assert_array_equal([s[0][0] for s in segs], table["lower"])
    np.testing.assert_array_equal([s[1][0] for s in segs], table["upper"])
    assert f"n={int(table['respondents'].iloc[0]):,}" in ax.texts[0].get_text()
    csat = crmkit.csat_by_segment(in_family(csat_answers, fam))
    ax = cp.csat_by_segment(csat)
    table = as_pandas(csat)
    np.testing.assert_allclose(ax.collections[1].get_offsets()[:, 0], 100 * table["top_two_box"], rtol=REL)
    segs = ax.collections[0].get_segments()
    np.testing.assert_allclose([s[0][0] for s in segs], 100 * table["lower"], rtol=REL)
    np.testing.assert_allclose([s[1][0] for s in segs], 100 * table["upper"], rtol=REL)


# --- CLV -------------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def clv_fit(dataset: str, fam: str) -> tuple[Any, crmkit.BgNbd]:
    with warnings.catch_warnings():
        # customers who first bought in the holdout get no row, and crmkit counts them in a warning
        warnings.simplefilter("ignore", crmkit.CrmkitWarning)
        summary = crmkit.btyd_summary(
            in_family(log_pandas(dataset), fam), as_of=AS_OF[dataset], calibration_end=MIDDLE[dataset], unit="weeks"
        )
    return summary, crmkit.BgNbd().fit(summary)


@both
@every
def test_period_transactions(dataset: str, fam: str) -> None:
    summary, bg = clv_fit(dataset, fam)
    ax = cp.period_transactions(bg, summary)
    df = as_pandas(summary)
    x = df["x"].to_numpy()
    assert heights(ax, 0) == [float((x == k).sum()) for k in range(7)] + [float((x >= 7).sum())]
    assert tick_texts(ax.get_xticklabels()) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    model = heights(ax, 1)
    assert sum(model) == pytest.approx(len(x), rel=1e-12)
    # BG/NBD closed form (Fader, Hardie & Lee 2005 eq. 8 at x = 0): P(X(T) = 0) = (alpha / (alpha + T))^r
    r, alpha = bg.params_["r"], bg.params_["alpha"]
    assert model[0] == pytest.approx(float(np.sum((alpha / (alpha + df["T"].to_numpy())) ** r)), rel=1e-10)


@both
@every
def test_frequency_recency_and_alive_matrices(dataset: str, fam: str) -> None:
    summary, bg = clv_fit(dataset, fam)
    df = as_pandas(summary)
    T, mf = float(df["T"].max()), int(df["x"].max())
    ax = cp.frequency_recency_matrix(bg, summary, t=10, unit="weeks")
    grid = ax.images[0].get_array()
    assert grid.shape == (int(np.floor(T)) + 1, mf + 1)
    for tx, x in ((3, 1), (int(np.floor(T)), mf), (0, 0), (5, 0)):
        expected = bg.expected_purchases([float(x)], 10, [float(tx) if x else 0.0], [T])[0]
        assert grid[tx, x] == pytest.approx(expected, rel=1e-12)
    alive = cp.probability_alive_matrix(bg, summary).images[0].get_array()
    assert alive.shape == grid.shape
    np.testing.assert_array_equal(alive[:, 0], 1.0)  # BG/NBD: no repeat purchase, no chance to drop out
    assert alive[2, 4] == pytest.approx(bg.probability_alive([4.0], [2.0], [T])[0], rel=1e-12)
    assert np.all(np.diff(alive[:, 3]) >= 0)  # more recent, more alive


@both
@every
def test_calibration_holdout(dataset: str, fam: str) -> None:
    summary, bg = clv_fit(dataset, fam)
    ax = cp.calibration_holdout(bg, summary)
    df = as_pandas(summary)
    groups = df[df["x"] <= 7].groupby("x")
    actual = groups["x_holdout"].mean()
    np.testing.assert_allclose(ax.lines[0].get_xdata(), actual.index.to_numpy(dtype=float))
    np.testing.assert_allclose(ax.lines[0].get_ydata(), actual.to_numpy(), rtol=REL)
    predicted = pd.Series(bg.expected_purchases(df, df["duration_holdout"].iloc[0])["expected_purchases"].to_numpy(), index=df.index)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), predicted[df["x"] <= 7].groupby(df["x"]).mean().to_numpy(), rtol=1e-12)
    with pytest.raises(crmkit.ConfigError, match="x_holdout"):
        cp.calibration_holdout(bg, crmkit.btyd_summary(log_pandas(dataset), as_of=AS_OF[dataset], unit="weeks"))


@both
@every
def test_probability_alive_history(dataset: str, fam: str) -> None:
    summary, bg = clv_fit(dataset, fam)
    log = log_pandas(dataset)
    df = as_pandas(summary)
    who = df.sort_values("x", kind="stable")["customer_id"].iloc[-1]  # the most frequent buyer
    ax = cp.probability_alive_history(bg, in_family(log, fam), who, as_of=MIDDLE[dataset])
    p = ax.lines[0].get_ydata()
    first = log.loc[log["customer_id"] == who, "timestamp"].min().normalize()
    assert len(p) == (pd.Timestamp(MIDDLE[dataset]) - first).days + 1
    assert p[0] == 1.0
    # on the last day it is the P(alive) of the customer's calibration summary
    row = df[df["customer_id"] == who]
    assert p[-1] == pytest.approx(bg.probability_alive(row["x"], row["t_x"], row["T"])[0], rel=1e-12)
    purchases = log.loc[(log["customer_id"] == who) & (log["timestamp"] <= MIDDLE[dataset]), "timestamp"].dt.normalize().nunique()
    assert len(ax.lines) == 1 + purchases
    with pytest.raises(crmkit.InvalidValueError, match=r"\(customer id\)"):
        cp.probability_alive_history(bg, in_family(log, fam), -12345, as_of=MIDDLE[dataset])


@both
@every
def test_clv_distribution(dataset: str, fam: str) -> None:
    summary, bg = clv_fit(dataset, fam)
    gg = crmkit.GammaGamma().fit(summary)
    result = gg.customer_lifetime_value(bg, summary, months=12, time_units_per_month=crmkit.WEEKS_PER_MONTH)
    clv = as_pandas(result)["clv"].to_numpy()  # a table of the summary's family, keyed by customer
    assert heights(cp.clv_distribution(result, bins=30)) == np.histogram(clv, bins=30)[0].astype(float).tolist()
    ax = cp.clv_distribution(col_in_family(clv, fam), bins=30)
    counts, _ = np.histogram(clv, bins=30)
    assert heights(ax) == counts.astype(float).tolist()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"mean {clv.mean():,.2f}", f"median {np.median(clv):,.2f}"]
    table = in_family(pd.DataFrame({"clv": clv}), fam)
    logged = cp.clv_distribution(table, log_x=True, bins=20)
    lo = max(clv[clv > 0].min(), np.median(clv[clv > 0]) * 1e-2)
    hidden = int((clv < lo).sum())
    assert sum(heights(logged)) == len(clv) - hidden and logged.get_xscale() == "log"
    assert logged.containers[0][0].get_x() == pytest.approx(lo, rel=1e-12)
    notes = [t.get_text() for t in logged.get_legend().get_texts()][2:]
    assert notes == ([f"{hidden:,} customer{'s' if hidden != 1 else ''} below {lo:.3g} not drawn"] if hidden else [])
