"""Probabilistic CLV from Python: CDNOW end to end against the published results (data/README.md),
BG/BB on donations, sBG on the retention series, bad input, round trips and invariants."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def summary(cdnow: pd.DataFrame) -> pd.DataFrame:
    with pytest.warns(crmkit.CrmkitWarning, match="after as_of"):
        return crmkit.btyd_summary(cdnow, as_of="1997-09-30", unit="weeks", after_as_of="exclude")


@pytest.fixture(scope="module")
def bgnbd(summary: pd.DataFrame) -> crmkit.BgNbd:
    return crmkit.BgNbd().fit(summary)


@pytest.fixture(scope="module")
def pareto(summary: pd.DataFrame) -> crmkit.ParetoNbd:
    return crmkit.ParetoNbd().fit(summary)


@pytest.fixture(scope="module")
def gg(summary: pd.DataFrame) -> crmkit.GammaGamma:
    return crmkit.GammaGamma().fit(summary)


def assert_params(model: object, published: dict[str, float], rel: float = 1e-3) -> None:
    params = model.params_  # type: ignore[attr-defined]
    for name, value in published.items():
        assert params[name] == pytest.approx(value, rel=rel), (name, params[name], value)


# Source: data/README.md (Fader, Hardie & Lee 2005; Fader & Hardie 2013; Batislam et al. 2007).
# Tolerances: 1e-3 relative on the 4-decimal parameters, 0.01 on the 2-decimal log-likelihoods.
def test_cdnow_bgnbd(bgnbd: crmkit.BgNbd) -> None:
    assert_params(bgnbd, {"r": 0.2426, "alpha": 4.4136, "a": 0.7930, "b": 2.4261})
    assert bgnbd.log_likelihood_ == pytest.approx(-9582.43, abs=0.01)
    assert bgnbd.report_ is not None and bgnbd.report_["gradient_norm"] < 1e-6


def test_cdnow_pareto_nbd(pareto: crmkit.ParetoNbd) -> None:
    assert_params(pareto, {"r": 0.5533, "alpha": 10.5776, "s": 0.6062, "beta": 11.6679})
    assert pareto.log_likelihood_ == pytest.approx(-9594.97, abs=0.01)


def test_cdnow_gamma_gamma(gg: crmkit.GammaGamma) -> None:
    assert_params(gg, {"p": 6.2488, "q": 3.7446, "gamma": 15.4477})
    assert gg.log_likelihood_ == pytest.approx(-4055.92, abs=0.01)
    assert gg.model_.n_customers == 946


def test_cdnow_mbgnbd(summary: pd.DataFrame) -> None:
    m = crmkit.MbgNbd().fit(summary)
    assert_params(m, {"r": 0.5248, "alpha": 6.1830, "a": 0.8914, "b": 1.6140})
    assert m.log_likelihood_ == pytest.approx(-9582.13, abs=0.01)


def test_cdnow_end_to_end_predictions(summary: pd.DataFrame, bgnbd: crmkit.BgNbd, pareto: crmkit.ParetoNbd, gg: crmkit.GammaGamma) -> None:
    e = bgnbd.expected_purchases(summary, 39)["expected_purchases"].to_numpy()
    alive = bgnbd.probability_alive(summary)["probability_alive"].to_numpy()
    assert e.shape == alive.shape == (2357,)
    assert np.all((alive >= 0) & (alive <= 1))
    # Customer 1 is the paper's example (x 2, t_x 30.43, T 38.86): 1.226 purchases in the next
    # 39 weeks (data/README.md); unrounded t_x and T here, hence 5e-3.
    assert (summary["x"].iloc[0], round(summary["T"].iloc[0], 2)) == (2, 38.86)
    assert e[0] == pytest.approx(1.226, abs=5e-3)
    clv = gg.customer_lifetime_value(bgnbd, summary, months=12, discount_rate=0.01, time_units_per_month=crmkit.WEEKS_PER_MONTH)["clv"]
    dert = gg.clv_dert(pareto, summary, annual_discount_rate=0.15, time_units_per_year=52)["clv_dert"]
    assert np.all(np.isfinite(clv)) and np.all(clv >= 0)
    assert np.all(np.isfinite(dert)) and np.all(dert >= 0)
    out = bgnbd.predict(summary, t=39)
    assert list(out.columns[-2:]) == ["probability_alive", "expected_purchases"]
    np.testing.assert_array_equal(out["expected_purchases"], e)


def test_known_predictions() -> None:
    # data/README.md: BG/NBD E[Y(39) | x 2, t_x 30.43, T 38.86] = 1.226 (published parameters);
    # Pareto/NBD P(alive | 26, 30.86, 31) = 0.9979 with (0.5534, 10.5802, 0.6061, 11.6562).
    bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
    assert bg.expected_purchases([2], 39, [30.43], [38.86])[0] == pytest.approx(1.226, abs=5e-4)
    pn = crmkit.ParetoNbd.from_params(r=0.5534, alpha=10.5802, s=0.6061, beta=11.6562)
    assert pn.probability_alive([26], [30.86], [31])[0] == pytest.approx(0.9979, abs=5e-5)


def test_bgbb_donations() -> None:
    # Fader, Hardie & Shang (2010): α 1.2035, β 0.7497, γ 0.6567, δ 2.7834, LL −33225.58.
    d = pd.read_csv(DATA / "cdnow" / "donations.csv")
    m = crmkit.BgBb(x="frequency", t_x="recency", n="periods", weights="weights").fit(d)
    assert_params(m, {"alpha": 1.2035, "beta": 0.7497, "gamma": 0.6567, "delta": 2.7834})
    assert m.log_likelihood_ == pytest.approx(-33225.58, abs=0.01)
    assert m.model_.n_customers == 11_104
    p = m.probability_alive(d["frequency"], d["recency"], d["periods"])
    assert np.all((p >= 0) & (p <= 1))
    assert m.expected_purchases_new_customer(6) > 0


@pytest.mark.parametrize(("column", "alpha", "beta"), [("regular", 0.704, 1.182), ("high_end", 0.668, 3.806)])
def test_sbg_retention(column: str, alpha: float, beta: float) -> None:
    # Fader & Hardie (2007), fitted on years 0-7; published to 3 decimals (5e-4 absolute).
    series = pd.read_csv(DATA / "retention" / "fader_hardie_2007.csv")[column]
    m = crmkit.ShiftedBetaGeometric().fit(series[:8])
    assert m.params_["alpha"] == pytest.approx(alpha, abs=5e-4)
    assert m.params_["beta"] == pytest.approx(beta, abs=5e-4)
    # the projection of years 8-12 tracks the holdout within 2 points (their fig. 4)
    projected = 100 * m.survival(range(8, 13))
    np.testing.assert_allclose(projected, series[8:13], atol=2.5)


def test_summary_frame(bgnbd: crmkit.BgNbd) -> None:
    s = bgnbd.summary()
    assert list(s["param"]) == ["r", "alpha", "a", "b"]
    assert (s["std_error"] > 0).all()
    assert s["log_likelihood"].iloc[0] == bgnbd.log_likelihood_
    assert isinstance(bgnbd.summary("polars"), pl.DataFrame)


def test_every_frame_family(summary: pd.DataFrame, bgnbd: crmkit.BgNbd) -> None:
    cols = summary[["x", "t_x", "T"]]
    for data in (pl.from_pandas(cols), pa.Table.from_pandas(cols), {k: cols[k].to_numpy() for k in cols}):
        m = crmkit.BgNbd().fit(data)
        assert m.params_ == pytest.approx(bgnbd.params_, rel=1e-9)
        np.testing.assert_allclose(
            np.asarray(m.probability_alive(data)["probability_alive"]), bgnbd.probability_alive(summary)["probability_alive"], rtol=1e-9
        )
    arrays = crmkit.BgNbd().fit(cols["x"].to_numpy(), cols["t_x"].to_numpy(), cols["T"].to_numpy())
    assert arrays.params_ == pytest.approx(bgnbd.params_, rel=1e-9)


def test_weights_equal_repeated_rows(summary: pd.DataFrame) -> None:
    s = summary[["x", "t_x", "T"]]
    counts = s.groupby(["x", "t_x", "T"]).size().reset_index(name="n")
    weighted = crmkit.BgNbd().fit(counts["x"], counts["t_x"], counts["T"], counts["n"])
    plain = crmkit.BgNbd().fit(s)
    assert weighted.params_ == pytest.approx(plain.params_, rel=1e-7)


def test_penalty(summary: pd.DataFrame, bgnbd: crmkit.BgNbd) -> None:
    m = crmkit.BgNbd(penalty=0.1).fit(summary)
    assert m.params_ != pytest.approx(bgnbd.params_, rel=1e-3)
    assert m.log_likelihood_ < bgnbd.log_likelihood_  # the unpenalised fit is the maximum
    assert crmkit.BgNbd().fit(summary, penalty=0.1).params_ == m.params_


def test_probability_of_purchases_sums_to_one() -> None:
    bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
    assert sum(bg.probability_of_purchases(n, 39) for n in range(200)) == pytest.approx(1.0, abs=1e-9)
    assert bg.expected_purchases_new_customer(39) > 0


def test_independence_check(summary: pd.DataFrame, gg: crmkit.GammaGamma) -> None:
    r = gg.independence_check(summary)
    assert -0.3 < r < 0.3  # CDNOW: weak correlation (Fader & Hardie 2013 report 0.11)
    assert r == pytest.approx(crmkit.spend_frequency_correlation(summary["x"], summary["m_x"]))


# -- bad input: typed errors naming the field and row ---------------------------------------
@pytest.mark.parametrize(
    ("x", "t_x", "T", "error", "field", "row"),
    [
        ([1, 2], [1.0, 5.0], [3.0, 4.0], crmkit.InvalidValueError, "T", 1),
        ([1, -2], [1.0, 1.0], [3.0, 4.0], crmkit.InvalidValueError, "x", 1),
        ([1.5, 2], [1.0, 1.0], [3.0, 4.0], crmkit.InvalidValueError, "x", 0),
        ([1, 2], [1.0, np.nan], [3.0, 4.0], crmkit.InvalidValueError, "t_x", 1),
        ([1, 2, 3], [1.0, 2.0, 1.0], [3.0, 4.0, np.inf], crmkit.InvalidValueError, "T", 2),
        ([0, 2], [1.0, 2.0], [3.0, 4.0], crmkit.InvalidValueError, "t_x", 0),
    ],
)
def test_bad_input(x: list[float], t_x: list[float], T: list[float], error: type, field: str, row: int) -> None:
    for call in (
        lambda: crmkit.BgNbd().fit(x, t_x, T),
        lambda: crmkit.ParetoNbd.from_params(r=1, alpha=1, s=1, beta=1).probability_alive(x, t_x, T),
        lambda: crmkit.BgNbd.from_params(r=1, alpha=1, a=1, b=1).expected_purchases(x, 10, t_x, T),
        lambda: crmkit.ParetoNbd.from_params(r=1, alpha=1, s=1, beta=1).conditional_probability_of_purchases(x, 1, 10, t_x, T),
    ):
        with pytest.raises(error) as info:
            call()
        assert info.value.field == field
        assert info.value.row == row
        assert f"`{field}` at row {row}" in str(info.value)


def test_bad_options() -> None:
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.BgNbd(penalty=-1).fit([1], [1.0], [2.0])
    assert info.value.field == "penalty"
    with pytest.raises(crmkit.ConfigError):
        crmkit.BgNbd.from_params(r=1, alpha=1, a=1)
    with pytest.raises(crmkit.ConfigError):
        crmkit.BgNbd.from_params(r=-1, alpha=1, a=1, b=1)
    with pytest.raises(crmkit.ConfigError):
        crmkit.BgNbd().probability_alive([1], [1.0], [2.0])  # not fitted
    with pytest.raises(crmkit.ConfigError):
        crmkit.GammaGamma.from_params(p=6, q=3, gamma=15).customer_lifetime_value(
            object(), [1], [1.0], [2.0], [10.0], time_units_per_month=4.345  # type: ignore[arg-type]
        )
    with pytest.raises(crmkit.LengthMismatchError):
        crmkit.BgNbd().fit([1, 2], [1.0], [2.0, 3.0])


def test_negative_counts_are_config_errors() -> None:
    # A negative count was Python's OverflowError from the u32 conversion; now a crmkit error
    # that names the field.
    bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
    pn = crmkit.ParetoNbd.from_params(r=0.55, alpha=10.6, s=0.61, beta=11.7)
    mbg = crmkit.MbgNbd.from_params(r=0.5, alpha=6.0, a=1.2, b=0.8)
    bb = crmkit.BgBb.from_params(alpha=1.2, beta=0.75, gamma=0.66, delta=2.78)
    gg = crmkit.GammaGamma.from_params(p=6, q=3, gamma=15)
    calls = {
        "n": [
            lambda: bg.probability_of_purchases(-1, 39),
            lambda: pn.probability_of_purchases(-1, 39),
            lambda: mbg.probability_of_purchases(-2, 39),
            lambda: pn.conditional_probability_of_purchases([1], -1, 39, [1.0], [2.0]),
            lambda: bb.expected_purchases_new_customer(-3),
            lambda: bb.probability_of_purchases(1, -1),
            lambda: bg.probability_of_purchases(2**40, 39),
        ],
        "x": [lambda: bb.probability_of_purchases(-1, 6)],
        "months": [
            lambda: gg.customer_lifetime_value(bg, [1], [1.0], [2.0], [10.0], months=-1, time_units_per_month=4.345)
        ],
    }
    for field, fns in calls.items():
        for call in fns:
            with pytest.raises(crmkit.ConfigError) as info:
                call()
            assert info.value.field == field


def test_not_converging_is_an_error() -> None:
    with pytest.raises(crmkit.ConvergenceError) as info:
        crmkit.BgNbd(max_iterations=1).fit([0, 1, 2, 5], [0.0, 3.0, 10.0, 20.0], [30.0, 30.0, 30.0, 30.0])
    assert "BG/NBD" in str(info.value)


# -- round trips ----------------------------------------------------------------------------
def test_pickle_and_json(bgnbd: crmkit.BgNbd, gg: crmkit.GammaGamma, summary: pd.DataFrame) -> None:
    for model in (bgnbd, gg, crmkit.ParetoNbd.from_params(r=0.55, alpha=10.6, s=0.61, beta=11.7), crmkit.BgNbd()):
        again = pickle.loads(pickle.dumps(model))
        assert again == model
        assert type(model).from_json(model.to_json()) == model
    back = crmkit.BgNbd.from_json(bgnbd.to_json())
    assert back.params_ == bgnbd.params_ and back.standard_errors_ == bgnbd.standard_errors_
    np.testing.assert_array_equal(back.expected_purchases(summary, 10)["expected_purchases"], bgnbd.expected_purchases(summary, 10)["expected_purchases"])
    core = bgnbd.model_
    assert pickle.loads(pickle.dumps(core)) == core
    with pytest.raises(crmkit.ConfigError):
        crmkit.ParetoNbd.from_json(bgnbd.to_json())


# -- invariants -----------------------------------------------------------------------------
# The ranges of the core's property tests (crates/crmkit/tests/clv_properties.rs).
customers = st.tuples(st.integers(0, 2999), st.floats(0, 1), st.floats(0.01, 400))
params = st.tuples(st.floats(0.05, 5), st.floats(0.1, 100), st.floats(0.05, 5), st.floats(0.1, 10))


@settings(max_examples=150, deadline=None)
@given(customers, params, st.sampled_from([crmkit.BgNbd, crmkit.ParetoNbd, crmkit.MbgNbd]))
def test_probability_alive_in_unit_interval_and_monotone_expectations(
    c: tuple[int, float, float], p: tuple[float, float, float, float], cls: type
) -> None:
    x, frac, T = c
    t_x = 0.0 if x == 0 else frac * T
    model = cls.from_params(**dict(zip(cls._core.param_names, p)))
    alive = model.probability_alive([x], [t_x], [T])[0]
    assert 0.0 <= alive <= 1.0
    e = [model.expected_purchases([x], t, [t_x], [T])[0] for t in (0.0, 1.0, 10.0, 100.0, 2000.0)]
    assert e[0] == pytest.approx(0.0, abs=1e-12)
    assert all(np.isfinite(e))
    assert all(b >= a - 1e-9 * max(1.0, abs(a)) for a, b in zip(e, e[1:]))


def test_repeated_rows_are_evaluated_once_with_the_same_answers(summary: pd.DataFrame, bgnbd: crmkit.BgNbd, gg: crmkit.GammaGamma) -> None:
    # Customers sharing a summary are evaluated once (then spread back): values per row are the
    # same as for the single table, and errors name the first failing input row.
    big = pd.concat([summary] * 3, ignore_index=True)
    alive, e = bgnbd.probability_alive(big), bgnbd.expected_purchases(big, 10)
    np.testing.assert_array_equal(alive["probability_alive"], np.tile(bgnbd.probability_alive(summary)["probability_alive"], 3))
    np.testing.assert_array_equal(e["expected_purchases"], np.tile(bgnbd.expected_purchases(summary, 10)["expected_purchases"], 3))
    np.testing.assert_array_equal(alive["customer_id"], big["customer_id"])  # keyed by customer, in input order
    clv = gg.customer_lifetime_value(bgnbd, big, months=6, discount_rate=0.01, time_units_per_month=crmkit.WEEKS_PER_MONTH)["clv"].to_numpy()
    np.testing.assert_array_equal(clv[:2357], clv[2357:4714])
    with pytest.raises(crmkit.InvalidValueError) as info:
        bgnbd.probability_alive([1, 1, 2, 2, 2], [1.0, 1.0, 5.0, 5.0, 5.0], [3.0, 3.0, 4.0, 4.0, 4.0])
    assert (info.value.field, info.value.row) == ("T", 2)
    # Enough distinct rows to run on several threads: an error in a later chunk still names its row.
    n = 3000
    x, t_x, T = np.full(n, 2.0), np.linspace(1.0, 30.0, n), np.full(n, 40.0)
    T[2900] = 0.5
    with pytest.raises(crmkit.InvalidValueError) as info:
        bgnbd.expected_purchases(x, 10, t_x, T)
    assert (info.value.field, info.value.row) == ("T", 2900)
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.BgNbd().fit([1, 1, 3, 2, 3], [1.0, 1.0, 2.0, 5.0, 2.0], [3.0, 3.0, 4.0, 4.0, 4.0])
    assert (info.value.field, info.value.row) == ("T", 3)


# -- probability of n purchases (issue 5) -----------------------------------------------------
PARETO_CDNOW = {"r": 0.5533, "alpha": 10.5776, "s": 0.6062, "beta": 11.6679}
BGBB_DONATIONS = {"alpha": 1.2035, "beta": 0.7497, "gamma": 0.6567, "delta": 2.7834}


def test_pareto_probability_of_purchases_is_a_distribution(summary: pd.DataFrame) -> None:
    # Σₙ P = 1 to 1e-9; Σₙ n P = E[X(t)] (or E[Y(t) | x, t_x, T]) to 1e-8 relative.
    pn = crmkit.ParetoNbd.from_params(**PARETO_CDNOW)
    p = np.array([pn.probability_of_purchases(n, 39) for n in range(300)])
    assert np.all((p >= 0) & (p <= 1))
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    assert (np.arange(300) * p).sum() == pytest.approx(pn.expected_purchases_new_customer(39), rel=1e-8)
    some = summary.sort_values("x").iloc[::200]  # a dozen customers from x = 0 to the heaviest buyers
    rows = np.array([pn.conditional_probability_of_purchases(some, n, 39)["conditional_probability_of_purchases"] for n in range(300)])
    assert rows.shape == (300, len(some))
    assert np.all((rows >= 0) & (rows <= 1))
    np.testing.assert_allclose(rows.sum(axis=0), 1.0, rtol=0, atol=1e-9)
    np.testing.assert_allclose((np.arange(300)[:, None] * rows).sum(axis=0), pn.expected_purchases(some, 39)["expected_purchases"], rtol=1e-8)
    # arrays and tables give the same answer; T = 0 with no history is a new customer
    np.testing.assert_array_equal(pn.conditional_probability_of_purchases(some["x"], 2, 39, some["t_x"], some["T"]), rows[2])
    assert pn.conditional_probability_of_purchases([0], 2, 39, [0], [0])[0] == pn.probability_of_purchases(2, 39)
    with pytest.raises(crmkit.ConfigError) as info:
        pn.probability_of_purchases(1, -1.0)
    assert info.value.field == "horizon"


def test_bgbb_probability_of_purchases_is_a_distribution() -> None:
    # Fader, Hardie & Shang (2010) eq. 7 sums to 1 and has the mean of eq. 9 (both to 1e-10).
    m = crmkit.BgBb.from_params(**BGBB_DONATIONS)
    for n in (1, 6, 40):
        p = np.array([m.probability_of_purchases(x, n) for x in range(n + 1)])
        assert p.sum() == pytest.approx(1.0, abs=1e-10)
        assert (np.arange(n + 1) * p).sum() == pytest.approx(m.expected_purchases_new_customer(n), abs=1e-10)
    assert m.probability_of_purchases(7, 6) == 0.0
    assert m.probability_of_purchases(0, 0) == 1.0
