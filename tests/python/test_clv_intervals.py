"""Per-customer intervals of the CLV models (delta method and parametric bootstrap).

Coverage of the true value is checked by simulation in Rust
(crates/crmkit/tests/clv_uncertainty_coverage.rs, 200 replications per model); these tests check
the Python surface: frames in and out, agreement of the estimates with the point predictions,
ordering and ranges of the bounds, seeding, and errors.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit

WEEKS = crmkit.WEEKS_PER_MONTH


@pytest.fixture(scope="module")
def summary(cdnow_summary: pd.DataFrame) -> pd.DataFrame:
    return cdnow_summary.rename(columns={"ID": "customer_id", "zbar": "m_x"})


@pytest.fixture(scope="module")
def fitted(summary: pd.DataFrame) -> dict[str, object]:
    return {
        "bg": crmkit.BgNbd().fit(summary),
        "pn": crmkit.ParetoNbd().fit(summary),
        "mbg": crmkit.MbgNbd().fit(summary),
        "gg": crmkit.GammaGamma().fit(summary),
    }


@pytest.mark.parametrize("name", ["bg", "pn", "mbg"])
def test_estimates_are_the_point_predictions_and_bounds_are_ordered(fitted: dict, summary: pd.DataFrame, name: str) -> None:
    model = fitted[name]
    alive = model.probability_alive_intervals(summary)
    assert list(alive.columns) == ["customer_id", "probability_alive", "lower", "upper"]
    assert alive.customer_id.tolist() == summary.customer_id.tolist()
    # the estimate is the point prediction (same code path): 1e-12 relative
    np.testing.assert_allclose(alive.probability_alive, model.probability_alive(summary).probability_alive, rtol=1e-12, atol=0)
    assert ((0 <= alive.lower) & (alive.lower <= alive.probability_alive)).all()
    assert ((alive.probability_alive <= alive.upper) & (alive.upper <= 1)).all()
    e = model.expected_purchases_intervals(summary, 39)
    np.testing.assert_allclose(e.expected_purchases, model.expected_purchases(summary, 39).expected_purchases, rtol=1e-12, atol=0)
    assert ((0 < e.lower) & (e.lower < e.expected_purchases) & (e.expected_purchases < e.upper)).all()


def test_clv_and_spend_intervals(fitted: dict, summary: pd.DataFrame) -> None:
    bg, gg = fitted["bg"], fitted["gg"]
    clv = gg.customer_lifetime_value_intervals(bg, summary, time_units_per_month=WEEKS)
    point = gg.customer_lifetime_value(bg, summary, time_units_per_month=WEEKS)
    assert point.customer_id.tolist() == clv.customer_id.tolist()  # the same keys as the intervals
    np.testing.assert_allclose(clv.clv, point.clv, rtol=1e-12, atol=0)
    assert ((clv.lower < clv.clv) & (clv.clv < clv.upper)).all()
    spend = gg.expected_spend_intervals(summary)
    np.testing.assert_allclose(spend.expected_spend, gg.expected_spend(summary).expected_spend, rtol=1e-12, atol=0)
    assert ((spend.lower < spend.expected_spend) & (spend.expected_spend < spend.upper)).all()
    # independent models: on the log scale the delta-method variance of CLV is that of the
    # discounted purchases plus that of the spend, so its half-width is at least the spend's
    clv_half = np.log(clv.upper / clv.clv)
    spend_half = np.log(spend.upper / spend.expected_spend)
    assert (clv_half >= spend_half - 1e-9).all()


def test_wider_at_higher_level_and_bootstrap_is_seeded(fitted: dict, summary: pd.DataFrame) -> None:
    bg = fitted["bg"]
    rows = summary[summary.x > 0].head(50)
    narrow = bg.expected_purchases_intervals(rows, 39, level=0.5)
    wide = bg.expected_purchases_intervals(rows, 39, level=0.99)
    assert ((wide.lower < narrow.lower) & (narrow.upper < wide.upper)).all()
    a = bg.probability_alive_intervals(rows, method="bootstrap", draws=300, seed=5)
    b = bg.probability_alive_intervals(rows, method="bootstrap", draws=300, seed=5)
    c = bg.probability_alive_intervals(rows, method="bootstrap", draws=300, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a.lower.to_numpy(), c.lower.to_numpy())
    delta = bg.probability_alive_intervals(rows)
    # both methods describe the same sampling distribution; they differ by the curvature the
    # delta method leaves out and Monte Carlo error of 300 draws: within 25 % of the width
    width = delta.upper - delta.lower
    assert ((a.lower - delta.lower).abs() < 0.25 * width).all()
    assert ((a.upper - delta.upper).abs() < 0.25 * width).all()


@pytest.mark.parametrize("family", ["polars", "pyarrow", "dict"])
def test_frames_come_back_in_the_input_family(fitted: dict, summary: pd.DataFrame, family: str) -> None:
    head = summary.head(20)
    table: object
    if family == "polars":
        table = pl.from_pandas(head)
    elif family == "pyarrow":
        table = pa.Table.from_pandas(head, preserve_index=False)
    else:
        table = {c: head[c].to_numpy() for c in head.columns}
    out = fitted["bg"].probability_alive_intervals(table)
    want = fitted["bg"].probability_alive_intervals(head)
    if family == "polars":
        assert isinstance(out, pl.DataFrame)
        got = out.to_pandas()
    elif family == "pyarrow":
        assert isinstance(out, pa.Table)
        got = out.to_pandas()
    else:
        assert isinstance(out, dict)
        got = pd.DataFrame(out)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    # arrays in: no id column, a dict of arrays out
    arrays = fitted["bg"].probability_alive_intervals(head.x.to_numpy(), head.t_x.to_numpy(), head["T"].to_numpy())
    assert sorted(arrays) == ["lower", "probability_alive", "upper"]
    # a table without the id column, or customer_id=None: no id column
    assert "customer_id" not in fitted["bg"].probability_alive_intervals(head.drop(columns="customer_id")).columns
    assert "customer_id" not in fitted["bg"].probability_alive_intervals(head, customer_id=None).columns


def test_errors(fitted: dict, summary: pd.DataFrame) -> None:
    bg = fitted["bg"]
    rows = summary.head(5)
    with pytest.raises(crmkit.ConfigError) as err:
        crmkit.BgNbd.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4).probability_alive_intervals(rows)
    assert err.value.field == "model"
    with pytest.raises(crmkit.ConfigError) as err:
        bg.probability_alive_intervals(rows, level=1.5)
    assert err.value.field == "level"
    with pytest.raises(crmkit.ConfigError) as err:
        bg.probability_alive_intervals(rows, method="jackknife")  # type: ignore[arg-type]
    assert err.value.field == "method"
    with pytest.raises(crmkit.ConfigError) as err:
        bg.probability_alive_intervals(rows, method="bootstrap", draws=3)
    assert err.value.field == "draws"
    with pytest.raises(crmkit.InvalidValueError) as err:
        bg.probability_alive_intervals([1.0, 2.0], [5.0, 40.0], [38.0, 38.0])
    assert (err.value.field, err.value.row) == ("T", 1)
    with pytest.raises(crmkit.ConfigError) as err:
        crmkit.GammaGamma.from_params(p=6, q=4, gamma=15).customer_lifetime_value_intervals(
            bg, summary.head(3), time_units_per_month=WEEKS
        )
    assert err.value.field == "spend_model"


@settings(max_examples=60, deadline=None)
@given(
    x=st.integers(0, 300),
    age=st.floats(0.5, 500.0),
    share=st.floats(0.0, 1.0),
    horizon=st.floats(0.1, 500.0),
)
def test_bounds_bracket_the_estimate_everywhere(fitted: dict, x: int, age: float, share: float, horizon: float) -> None:
    t_x = 0.0 if x == 0 else age * share
    for name in ("bg", "pn", "mbg"):
        model = fitted[name]
        a = model.probability_alive_intervals([float(x)], [t_x], [age])
        p, lo, hi = a["probability_alive"][0], a["lower"][0], a["upper"][0]
        assert 0.0 <= lo <= p <= hi <= 1.0, (name, lo, p, hi)
        e = model.expected_purchases_intervals([float(x)], horizon, [t_x], [age])
        v, lo, hi = e["expected_purchases"][0], e["lower"][0], e["upper"][0]
        assert math.isfinite(lo) and math.isfinite(hi)
        assert 0.0 <= lo <= v <= hi, (name, lo, v, hi)
