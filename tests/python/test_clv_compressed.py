"""CompressedSummary (hash once, reuse) and the CLV API conventions of issue 11 §6.

Expected values here are crmkit's own results on the same data through another path (the plain
table, the default column names, the data-first order): the tests assert that the paths agree
BIT FOR BIT (tolerance 0), since they evaluate the same distinct rows with the same code.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import crmkit

WEEKS = crmkit.WEEKS_PER_MONTH


def simulated(n: int, seed: int = 11) -> pd.DataFrame:
    """A BG/NBD population in whole weeks (r = 0.25, α = 4, a = 0.8, b = 2.5; many customers
    share a summary) with Gamma–Gamma spend (p = 6, q = 4, γ = 15)."""
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 79, n).astype(np.float64)
    arrivals = rng.poisson(rng.gamma(0.25, 1 / 4.0, n) * T)
    x = np.minimum(arrivals, rng.geometric(rng.beta(0.8, 2.5, n)))
    has = x > 0
    t_x = np.zeros(n)
    t_x[has] = np.minimum(np.ceil(T[has] * rng.beta(x[has], arrivals[has] - x[has] + 1)), T[has])
    nu = rng.gamma(4.0, 1 / 15.0, n)
    m_x = np.zeros(n)
    m_x[has] = np.round(rng.gamma(6.0 * x[has], 1.0 / (nu[has] * x[has])), 2)
    return pd.DataFrame({"customer_id": np.arange(n) + 1000, "x": x.astype(np.float64), "t_x": t_x, "T": T, "m_x": m_x})


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return simulated(5_000)


@pytest.fixture(scope="module")
def fitted(summary: pd.DataFrame) -> dict[str, Any]:
    return {
        "bg": crmkit.BgNbd().fit(summary),
        "pn": crmkit.ParetoNbd().fit(summary),
        "mbg": crmkit.MbgNbd().fit(summary),
        "gg": crmkit.GammaGamma().fit(summary),
    }


# -- CompressedSummary: same results, once hashed ---------------------------------------------


def test_compressed_summary_counts_distinct_rows(summary: pd.DataFrame) -> None:
    rows = crmkit.CompressedSummary(summary, m_x="m_x")
    assert rows.rows == len(rows) == len(summary)
    distinct = summary[["x", "t_x", "T"]].drop_duplicates()
    assert rows.distinct_rows == len(distinct)
    d = rows.distinct()
    assert d["weights"].sum() == len(summary)
    # sorted by (x, T, t_x), and the weights count the customers of each row
    keys = list(zip(d["x"], d["T"], d["t_x"]))
    assert keys == sorted(keys)
    counts = summary.groupby(["x", "T", "t_x"]).size()
    assert d["weights"].tolist() == [float(counts[k]) for k in keys]


@pytest.mark.parametrize("name", ["bg", "pn", "mbg"])
def test_fits_and_predictions_on_compressed_rows_equal_the_table(fitted: dict[str, Any], summary: pd.DataFrame, name: str) -> None:
    model = fitted[name]
    rows = crmkit.CompressedSummary(summary)
    refit = type(model)().fit(rows)
    assert refit.params_ == model.params_  # the same distinct rows, the same fit: exactly
    assert refit.log_likelihood_ == model.log_likelihood_
    assert model.score(rows) == model.score(summary)
    same = np.testing.assert_array_equal
    same(model.probability_alive(rows), model.probability_alive(summary))
    same(model.expected_purchases(rows, 39), model.expected_purchases(summary, 39))
    same(model.discounted_expected_transactions(rows, 0.002), model.discounted_expected_transactions(summary, 0.002))
    if name == "pn":
        same(model.conditional_probability_of_purchases(rows, 2, 39), model.conditional_probability_of_purchases(summary, 2, 39))


def test_weights_and_spend_on_compressed_rows(fitted: dict[str, Any], summary: pd.DataFrame) -> None:
    bg, gg = fitted["bg"], fitted["gg"]
    grouped = summary.groupby(["x", "t_x", "T"], as_index=False).size()
    weighted = crmkit.CompressedSummary(grouped, weights="size")
    assert weighted.rows == len(grouped) and weighted.distinct().get("weights").sum() == len(summary)
    assert crmkit.BgNbd().fit(weighted).params_ == bg.params_
    with pytest.raises(crmkit.ConfigError) as err:
        crmkit.BgNbd().fit(weighted, weights=np.ones(len(grouped)))
    assert err.value.field == "weights"

    rows = crmkit.CompressedSummary(summary, m_x="m_x")
    np.testing.assert_array_equal(gg.expected_spend(rows), gg.expected_spend(summary))
    np.testing.assert_array_equal(
        gg.customer_lifetime_value(bg, rows, time_units_per_month=WEEKS),
        gg.customer_lifetime_value(bg, summary, time_units_per_month=WEEKS),
    )
    np.testing.assert_array_equal(
        gg.clv_dert(bg, rows, annual_discount_rate=0.15, time_units_per_year=52),
        gg.clv_dert(bg, summary, annual_discount_rate=0.15, time_units_per_year=52),
    )
    assert gg.score(rows) == gg.score(summary)
    assert crmkit.GammaGamma().fit(rows).params_ == gg.params_
    # without m_x the spend model has nothing to read
    with pytest.raises(crmkit.ConfigError) as err:
        gg.customer_lifetime_value(bg, crmkit.CompressedSummary(summary), time_units_per_month=WEEKS)
    assert err.value.field == "m_x"


def test_compressed_rows_are_a_copy(fitted: dict[str, Any]) -> None:
    bg = fitted["bg"]
    s = simulated(2_000, seed=3)
    x, t_x, T = (s[c].to_numpy().copy() for c in ("x", "t_x", "T"))
    rows = crmkit.CompressedSummary(None, x=x, t_x=t_x, T=T)
    before = bg.probability_alive(rows)
    x[:] = 0.0
    t_x[:] = 0.0  # the caller's arrays change; the compressed rows do not
    np.testing.assert_array_equal(bg.probability_alive(rows), before)
    assert isinstance(before, np.ndarray)  # arrays in, arrays out
    np.testing.assert_array_equal(before, bg.probability_alive(s)["probability_alive"])


@pytest.mark.parametrize("fam", ["pandas", "polars", "pyarrow"])
def test_predict_on_compressed_rows_is_keyed_by_customer(fitted: dict[str, Any], summary: pd.DataFrame, fam: str) -> None:
    table: Any = {"pandas": summary, "polars": pl.from_pandas(summary), "pyarrow": pa.Table.from_pandas(summary)}[fam]
    out = fitted["bg"].predict(crmkit.CompressedSummary(table), 39)
    assert type(out).__module__.split(".")[0] == fam
    ids = out["customer_id"]
    assert list(np.asarray(ids)) == summary["customer_id"].tolist()
    np.testing.assert_array_equal(np.asarray(out["probability_alive"]), fitted["bg"].probability_alive(summary)["probability_alive"])


def test_compressed_rows_errors_name_the_input_row_and_column() -> None:
    s = simulated(300, seed=5)
    s.loc[217, "t_x"] = s.loc[217, "T"] + 1
    with pytest.raises(crmkit.InvalidValueError) as err:
        crmkit.CompressedSummary(s.rename(columns={"t_x": "recency"}), t_x="recency")
    assert (err.value.field, err.value.row) == ("T", 217) or (err.value.field, err.value.row) == ("recency", 217)
    with pytest.raises(crmkit.ConfigError) as err2:
        crmkit.BgNbd.from_params(r=1, alpha=1, a=1, b=1).probability_alive(crmkit.CompressedSummary(simulated(10)), [0.0] * 10, [1.0] * 10)
    assert err2.value.field == "t_x"


# -- Ctrl-C ----------------------------------------------------------------------------------


def interrupted_within_half_a_second(call: Callable[[], object], after: float) -> None:
    """Sends SIGINT ``after`` seconds into ``call``; the KeyboardInterrupt must follow within
    0.5 s of work of the signal (a call that ends first leaves the signal to the sleep that follows).

    "Within 0.5 s of work" is measured in CPU time of the whole process (every pool thread), so a
    loaded machine that delays the threads does not fail the test: at most two threads of work
    (2 x 0.5 s of CPU) may follow the signal. The wall-clock delay gets a loose bound of 10 s, which
    only a call that ignores the signal exceeds."""
    sent: list[tuple[float, float]] = []

    def interrupt() -> None:
        time.sleep(after)
        sent.append((time.perf_counter(), time.process_time()))
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=interrupt)
    thread.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            call()
            time.sleep(30)
        raised = (time.perf_counter(), time.process_time())
    finally:
        thread.join()
    assert sent
    wall, cpu = raised[0] - sent[0][0], raised[1] - sent[0][1]
    assert cpu < 2 * 0.5, (wall, cpu)
    assert wall < 10.0, (wall, cpu)


def test_ctrl_c_stops_the_compression_within_half_a_second() -> None:
    # 3 M rows with a few thousand distinct summaries: seconds of hashing in a debug build, a
    # fraction of a second in release
    rng = np.random.default_rng(9)
    n = 3_000_000
    T = rng.integers(1, 53, n).astype(np.float64)
    x = rng.integers(0, 4, n).astype(np.float64)
    t_x = np.where(x > 0, np.minimum(rng.integers(1, 53, n), T), 0.0)
    interrupted_within_half_a_second(lambda: crmkit.CompressedSummary(None, x=x, t_x=t_x, T=T), 0.2)


def test_ctrl_c_stops_a_long_prediction_within_half_a_second() -> None:
    # BG/NBD DERT (a quadrature per distinct row) on 200,000 distinct rows: seconds in release
    rng = np.random.default_rng(10)
    n = 200_000
    T = rng.uniform(1.0, 730.0, n)
    x = rng.poisson(2.0, n).astype(np.float64)
    t_x = np.where(x > 0, T * rng.uniform(0.0, 1.0, n), 0.0)
    rows = crmkit.CompressedSummary(None, x=x, t_x=t_x, T=T)
    bg = crmkit.BgNbd.from_params(r=0.25, alpha=30.0, a=0.8, b=2.5)
    interrupted_within_half_a_second(lambda: bg.discounted_expected_transactions(rows, 0.0005), 0.3)


# -- conventions: configured column names, one argument order, the field the user typed -------

RENAMED = {"x": "frequency", "t_x": "recency", "T": "age", "m_x": "spend", "n": "opportunities"}


def test_every_clv_entry_point_reads_the_configured_columns(fitted: dict[str, Any], summary: pd.DataFrame) -> None:
    renamed = summary.assign(w=1.0).rename(columns=RENAMED)
    cols = {"x": "frequency", "t_x": "recency", "T": "age"}
    same = np.testing.assert_array_equal
    for name, cls in (("bg", crmkit.BgNbd), ("pn", crmkit.ParetoNbd), ("mbg", crmkit.MbgNbd)):
        ref = fitted[name]
        m = cls(**cols, weights="w").fit(renamed)
        assert m.params_ == ref.params_
        assert m.score(renamed) == ref.score(summary)
        same(m.probability_alive(renamed), ref.probability_alive(summary))
        same(m.expected_purchases(renamed, 39), ref.expected_purchases(summary, 39))
        same(m.discounted_expected_transactions(renamed, 0.01), ref.discounted_expected_transactions(summary, 0.01))
        same(m.predict(renamed, 39)["expected_purchases"], ref.predict(summary, 39)["expected_purchases"])
        same(m.probability_alive_intervals(renamed).upper, ref.probability_alive_intervals(summary).upper)
        same(m.expected_purchases_intervals(renamed, 39).upper, ref.expected_purchases_intervals(summary, 39).upper)
        if name == "pn":
            same(m.conditional_probability_of_purchases(renamed, 1, 39), ref.conditional_probability_of_purchases(summary, 1, 39))
    bg, gg = crmkit.BgNbd(**cols).fit(renamed), crmkit.GammaGamma(x="frequency", m_x="spend")
    gg.fit(renamed)
    assert gg.params_ == fitted["gg"].params_
    assert gg.score(renamed) == fitted["gg"].score(summary)
    same(gg.expected_spend(renamed), fitted["gg"].expected_spend(summary))
    assert gg.independence_check(renamed) == fitted["gg"].independence_check(summary)
    # CLV: x, t_x and T as the transaction model names them, m_x as the spend model does
    clv = gg.customer_lifetime_value(bg, renamed, time_units_per_month=WEEKS)
    same(clv, fitted["gg"].customer_lifetime_value(fitted["bg"], summary, time_units_per_month=WEEKS))
    same(
        gg.clv_dert(bg, renamed, annual_discount_rate=0.15, time_units_per_year=52),
        fitted["gg"].clv_dert(fitted["bg"], summary, annual_discount_rate=0.15, time_units_per_year=52),
    )
    same(gg.customer_lifetime_value_intervals(bg, renamed, time_units_per_month=WEEKS).clv, clv.clv)
    same(gg.expected_spend_intervals(renamed).expected_spend, fitted["gg"].expected_spend(summary).expected_spend)
    # BG/BB reads its configured columns too
    discrete = pd.DataFrame({"x": [0.0, 1, 3, 6, 2], "t_x": [0.0, 2, 5, 6, 6], "n": [6.0] * 5, "w": [300.0, 120, 80, 60, 40]})
    ref_bb = crmkit.BgBb(weights="w").fit(discrete)
    d2 = discrete.rename(columns={**RENAMED, "w": "count"})
    bb = crmkit.BgBb(x="frequency", t_x="recency", n="opportunities", weights="count").fit(d2)
    assert bb.params_ == ref_bb.params_ and bb.score(d2) == ref_bb.score(discrete)
    same(bb.probability_alive(d2), ref_bb.probability_alive(discrete))
    same(bb.expected_purchases(d2, 5), ref_bb.expected_purchases(discrete, 5))


def test_old_argument_order_warns_and_gives_the_same_result(fitted: dict[str, Any], summary: pd.DataFrame) -> None:
    bg, pn = fitted["bg"], fitted["pn"]
    head = summary.head(50)
    calls = [
        (lambda: bg.expected_purchases(39, head), lambda: bg.expected_purchases(head, 39)),
        (lambda: bg.expected_purchases(39, head.x, head.t_x, head["T"]), lambda: bg.expected_purchases(head.x, 39, head.t_x, head["T"])),
        (lambda: bg.discounted_expected_transactions(0.01, head), lambda: bg.discounted_expected_transactions(head, 0.01)),
        (lambda: pn.conditional_probability_of_purchases(2, 39, head), lambda: pn.conditional_probability_of_purchases(head, 2, 39)),
        (lambda: bg.expected_purchases_intervals(39, head).upper, lambda: bg.expected_purchases_intervals(head, 39).upper),
    ]
    bb = crmkit.BgBb.from_params(alpha=1.2, beta=0.75, gamma=0.66, delta=2.78)
    discrete = {"x": [1.0, 3.0], "t_x": [2.0, 5.0], "n": [6.0, 6.0]}
    calls.append((lambda: bb.expected_purchases(5, discrete), lambda: bb.expected_purchases(discrete, 5)))
    for old, new in calls:
        with pytest.warns(DeprecationWarning, match="pass the data first"):
            before = old()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            after = new()
        if isinstance(after, dict):
            assert sorted(before) == sorted(after)
            before, after = before["expected_purchases"], after["expected_purchases"]
        np.testing.assert_array_equal(np.asarray(before), np.asarray(after))


def test_errors_name_the_column_the_user_typed(fitted: dict[str, Any], summary: pd.DataFrame) -> None:
    bad = summary.head(20).rename(columns=RENAMED).copy()
    bad["spend"] = np.where(bad.frequency > 0, bad.spend.clip(lower=1.0), 0.0)  # no spend left out
    bad.loc[7, ["frequency", "recency", "spend"]] = [1.5, 1.0, 10.0]
    models: list[tuple[Any, Callable[[Any], object]]] = []
    for cls in (crmkit.BgNbd, crmkit.ParetoNbd, crmkit.MbgNbd):
        m = cls(x="frequency", t_x="recency", T="age")
        m.model_ = fitted["bg" if cls is crmkit.BgNbd else "pn" if cls is crmkit.ParetoNbd else "mbg"].model_
        models += [
            (m, lambda d, m=m: m.fit(d)),
            (m, lambda d, m=m: m.probability_alive(d)),
            (m, lambda d, m=m: m.expected_purchases(d, 10)),
            (m, lambda d, m=m: m.score(d)),
        ]
    gg = crmkit.GammaGamma(x="frequency", m_x="spend")
    gg.model_ = fitted["gg"].model_
    bg = crmkit.BgNbd(x="frequency", t_x="recency", T="age")
    bg.model_ = fitted["bg"].model_
    models += [
        (gg, lambda d: gg.fit(d)),
        (gg, lambda d: gg.expected_spend(d)),
        (gg, lambda d: gg.customer_lifetime_value(bg, d, time_units_per_month=WEEKS)),
        (gg, lambda d: gg.clv_dert(bg, d, annual_discount_rate=0.1, time_units_per_year=52)),
    ]
    for _, call in models:
        with pytest.raises(crmkit.InvalidValueError) as err:
            call(bad)
        assert (err.value.field, err.value.row) == ("frequency", 7), err.value
        assert "`frequency`" in str(err.value)
    # T and spend under their configured names
    late = summary.head(20).rename(columns=RENAMED).copy()
    late.loc[3, "age"] = late.loc[3, "recency"] - 1
    with pytest.raises(crmkit.InvalidValueError) as err:
        bg.probability_alive(late)
    assert (err.value.field, err.value.row) == ("age", 3)
    nan_spend = summary.head(20).rename(columns=RENAMED).copy()
    nan_spend.loc[int(np.flatnonzero(nan_spend.frequency > 0)[0]), "spend"] = np.nan
    with pytest.raises(crmkit.CrmkitError) as err:
        gg.expected_spend(nan_spend)
    assert err.value.field == "spend"
    # arrays: the argument names
    with pytest.raises(crmkit.InvalidValueError) as err:
        fitted["gg"].expected_spend(np.array([2.0]), np.array([np.inf]))
    assert err.value.field == "m_x"
