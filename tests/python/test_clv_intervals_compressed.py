"""The ``*_intervals`` methods on a CompressedSummary.

Expected values are crmkit's own intervals on the plain table the summary was built from: the
interval functions merge equal rows themselves, so evaluating the distinct rows once and
spreading them back must give the same numbers BIT FOR BIT (tolerance 0), for the delta method
and for the seeded bootstrap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

import crmkit

WEEKS = crmkit.WEEKS_PER_MONTH


def simulated(n: int, seed: int = 11) -> pd.DataFrame:
    """A BG/NBD population in whole weeks (many customers share a summary) with spend."""
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 79, n).astype(np.float64)
    arrivals = rng.poisson(rng.gamma(0.25, 1 / 4.0, n) * T)
    x = np.minimum(arrivals, rng.geometric(rng.beta(0.8, 2.5, n)))
    has = x > 0
    t_x = np.zeros(n)
    t_x[has] = np.minimum(np.ceil(T[has] * rng.beta(x[has], arrivals[has] - x[has] + 1)), T[has])
    m_x = np.zeros(n)
    m_x[has] = np.round(rng.gamma(6.0 * x[has], 1.0 / (rng.gamma(4.0, 1 / 15.0, n)[has] * x[has])), 2)
    return pd.DataFrame({"customer_id": np.arange(n) + 1000, "x": x.astype(np.float64), "t_x": t_x, "T": T, "m_x": m_x})


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return simulated(3_000)


@pytest.fixture(scope="module")
def fitted(summary: pd.DataFrame) -> dict[str, Any]:
    return {"bg": crmkit.BgNbd().fit(summary), "pn": crmkit.ParetoNbd().fit(summary), "gg": crmkit.GammaGamma().fit(summary)}


@pytest.mark.parametrize("method", ["delta", "bootstrap"])
@pytest.mark.parametrize("model", ["bg", "pn"])
def test_transaction_intervals_equal_the_table(summary: pd.DataFrame, fitted: dict[str, Any], model: str, method: str) -> None:
    m = fitted[model]
    rows = crmkit.CompressedSummary(summary, m_x="m_x")
    assert rows.distinct_rows < rows.rows  # the compression merges something
    kw: dict[str, Any] = {"method": method, "draws": 200, "seed": 4}
    for got, want in (
        (m.probability_alive_intervals(rows, **kw), m.probability_alive_intervals(summary, **kw)),
        (m.expected_purchases_intervals(rows, 39, **kw), m.expected_purchases_intervals(summary, 39, **kw)),
    ):
        assert isinstance(got, pd.DataFrame) and list(got.columns) == list(want.columns)
        for column in want.columns:
            np.testing.assert_array_equal(got[column].to_numpy(), want[column].to_numpy())


@pytest.mark.parametrize("method", ["delta", "bootstrap"])
def test_spend_and_clv_intervals_equal_the_table(summary: pd.DataFrame, fitted: dict[str, Any], method: str) -> None:
    bg, gg = fitted["bg"], fitted["gg"]
    rows = crmkit.CompressedSummary(summary, m_x="m_x")
    kw: dict[str, Any] = {"method": method, "draws": 200, "seed": 4}
    for got, want in (
        (gg.expected_spend_intervals(rows, **kw), gg.expected_spend_intervals(summary, **kw)),
        (
            gg.customer_lifetime_value_intervals(bg, rows, time_units_per_month=WEEKS, **kw),
            gg.customer_lifetime_value_intervals(bg, summary, time_units_per_month=WEEKS, **kw),
        ),
    ):
        assert list(got.columns) == list(want.columns)
        for column in want.columns:
            np.testing.assert_array_equal(got[column].to_numpy(), want[column].to_numpy())


def test_family_ids_and_arrays(summary: pd.DataFrame, fitted: dict[str, Any]) -> None:
    bg = fitted["bg"]
    table = pl.from_pandas(summary)
    got = bg.probability_alive_intervals(crmkit.CompressedSummary(table))
    assert isinstance(got, pl.DataFrame) and got.columns == ["customer_id", "probability_alive", "lower", "upper"]
    assert got["customer_id"].to_list() == summary["customer_id"].tolist()
    # built from arrays: no ids, a dict of arrays, the same values as the arrays
    x, t_x, T = (summary[c].to_numpy() for c in ("x", "t_x", "T"))
    plain = bg.expected_purchases_intervals(crmkit.CompressedSummary(None, x=x, t_x=t_x, T=T), 10)
    assert sorted(plain) == ["expected_purchases", "lower", "upper"]
    np.testing.assert_array_equal(plain["upper"], bg.expected_purchases_intervals(x, 10, t_x, T)["upper"])


def test_bad_calls_name_the_field(summary: pd.DataFrame, fitted: dict[str, Any]) -> None:
    bg, gg = fitted["bg"], fitted["gg"]
    rows = crmkit.CompressedSummary(summary)
    with pytest.raises(crmkit.ConfigError) as err:
        bg.probability_alive_intervals(rows, summary["t_x"].to_numpy(), summary["T"].to_numpy())
    assert err.value.field == "t_x"
    with pytest.raises(crmkit.ConfigError) as err:  # no mean spend kept
        gg.customer_lifetime_value_intervals(bg, rows, time_units_per_month=WEEKS)
    assert err.value.field == "m_x"
    with pytest.raises(crmkit.ConfigError) as err:
        gg.customer_lifetime_value_intervals(bg, crmkit.CompressedSummary(summary, m_x="m_x"), m_x=summary["m_x"], time_units_per_month=WEEKS)
    assert err.value.field == "m_x"
    with pytest.raises(crmkit.ConfigError) as err:  # a model built from parameters has no covariance
        crmkit.BgNbd.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4).probability_alive_intervals(rows)
    assert err.value.field == "model"
