"""RFM scoring: min-max score and tiers, quantile scores, segments, fitted objects, invariants."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import random_log
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit

AS_OF = "2025-12-01"


def pandas_minmax(r: np.ndarray, f: np.ndarray, m: np.ndarray, w: tuple[float, float, float]) -> np.ndarray:
    def norm(x: np.ndarray, reverse: bool = False) -> np.ndarray:
        lo, hi = x.min(), x.max()
        if hi == lo:
            return np.full(len(x), 0.5)
        return (hi - x) / (hi - lo) if reverse else (x - lo) / (hi - lo)

    return w[0] * norm(r.astype(float), True) + w[1] * norm(f.astype(float)) + w[2] * norm(m.astype(float))


def rank_scores(values: np.ndarray, k: int, higher_is_better: bool) -> np.ndarray:
    """The documented rule via pandas: 1 + floor(k * (values strictly worse) / n)."""
    s = pd.Series(values if higher_is_better else -values)
    worse = s.rank(method="min").to_numpy() - 1
    return (1 + np.floor(k * worse / len(values))).astype(np.uint8)


def test_min_max_score_matches_the_formula_and_tiers() -> None:
    f = crmkit.rfm_features(random_log(1), as_of=AS_OF)
    r, fr, m = (f[c].to_numpy() for c in ("days_since_last", "frequency", "monetary"))
    fit = crmkit.MinMaxFit.fit(r, fr, m)
    for w in ((0.3, 0.4, 0.3), (0.2, 0.6, 0.2), (1.0, 0.0, 0.0)):
        np.testing.assert_allclose(fit.score(r, fr, m, w), pandas_minmax(r, fr, m, w), rtol=0, atol=1e-12)
    scores = np.array([0.0, 0.49, 0.5, 0.79, 0.8, 1.0])
    np.testing.assert_array_equal(crmkit._crmkit.tier_codes_of(scores), [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(crmkit._crmkit.tier_codes_of(scores, (0.3, 0.9)), [0, 1, 1, 1, 1, 2])


def test_min_max_merge_equals_fit_of_the_union_and_serialises() -> None:
    rng = np.random.default_rng(0)
    r, f, m = rng.integers(0, 400, 1000), rng.integers(0, 30, 1000), rng.lognormal(4, 1, 1000)
    whole = crmkit.MinMaxFit.fit(r, f, m)
    merged = crmkit.MinMaxFit.fit(r[:300], f[:300], m[:300]).merge(crmkit.MinMaxFit.fit(r[300:], f[300:], m[300:]))
    assert merged == whole
    assert pickle.loads(pickle.dumps(whole)) == whole
    assert crmkit.MinMaxFit.from_json(whole.to_json()) == whole
    assert json.loads(whole.to_json())["normalization"] == {"method": "min_max"}
    # New customers beyond the fitted range clip to [0, 1].
    out = whole.score(np.array([-10, 10_000]), np.array([1_000, 0]), np.array([1e9, 0.0]))
    np.testing.assert_array_equal(out, [1.0, 0.0])
    robust = crmkit.MinMaxFit.fit(r, f, m, winsorize=(0.01, 0.99))
    assert robust.monetary[1] == pytest.approx(np.percentile(m, 99), rel=1e-12)
    with pytest.raises(crmkit.ConfigError, match="merge"):
        robust.merge(whole)


@pytest.mark.parametrize("k", [2, 4, 5, 10])
def test_quantile_scores_follow_the_documented_rule(k: int) -> None:
    rng = np.random.default_rng(k)
    for values in (rng.integers(0, 5, 997), rng.normal(size=1000), np.repeat([1.0, 2.0, 3.0], [600, 300, 100])):
        for higher in (True, False):
            bins, scores = crmkit.QuantileBins.fit_apply(values, k, higher)
            np.testing.assert_array_equal(scores, rank_scores(np.asarray(values, dtype=float), k, higher))
            assert sum(bins.counts) == len(values)
            assert len(bins.cuts) == k - 1
            np.testing.assert_array_equal(bins.apply(values), scores)
            assert pickle.loads(pickle.dumps(bins)) == bins


def test_heavy_ties_warn_about_unreachable_scores() -> None:
    # 60 % one-time buyers: scores 2 and 3 of F cannot be reached.
    log = pd.DataFrame(
        {
            "customer_id": np.r_[np.arange(60), np.repeat(np.arange(60, 100), 3)],
            "timestamp": np.datetime64("2025-06-01") + (np.arange(180) % 150).astype("timedelta64[D]"),
            "amount": np.arange(180, dtype=float) + 1,
        }
    )
    with pytest.warns(crmkit.CrmkitWarning) as record:
        out = crmkit.rfm(log, as_of=AS_OF)
    messages = [str(w.message) for w in record]
    assert any("`frequency` leave quantile scores [2, 3, 5]" in m for m in messages), messages
    assert set(out["f_score"]) == {1, 4}
    # With F in {1, 4} only, the grid cells that need F = 2, 3 or 5 and nothing else are
    # unreachable (by hand from the rf_grid table): potential loyalist (F 2-3), need attention
    # (F 3), cannot lose (F 5).
    assert any("segments 'potential loyalist', 'need attention', 'cannot lose' cannot be reached" in m for m in messages), messages


def test_segments_follow_the_rule_sets() -> None:
    grid = crmkit.SegmentRules.rf_grid()
    r = np.array([5, 3, 1, 4, 2], dtype=np.uint8)
    f = np.array([5, 3, 5, 1, 1], dtype=np.uint8)
    codes = grid.assign(r, f, np.ones(5, dtype=np.uint8))
    assert [grid.names[c] for c in codes] == ["champions", "need attention", "cannot lose", "promising", "hibernating"]
    four = crmkit.segment_rules("four_tier")
    codes = four.assign(np.array([5, 5, 2, 3], np.uint8), np.array([5, 1, 2, 3], np.uint8), np.array([5, 1, 1, 3], np.uint8))
    assert [four.names[c] for c in codes] == ["high value", "low value", "churn risk", "potential"]
    custom = crmkit.segment_rules(grid.to_json())
    assert custom == grid
    assert pickle.loads(pickle.dumps(grid)) == grid


def test_rfm_model_refits_nothing_on_new_data_and_pickles() -> None:
    old, new = random_log(1), random_log(2)
    model = crmkit.RfmModel(weights=(0.2, 0.5, 0.3), normalization="minmax", winsorize=(0.0, 0.95)).fit(old, as_of=AS_OF)
    again = pickle.loads(pickle.dumps(model))
    a = model.transform(new, as_of=AS_OF)
    b = again.transform(new, as_of=AS_OF)
    pd.testing.assert_frame_equal(a, b)
    fresh = crmkit.RfmModel(weights=(0.2, 0.5, 0.3), normalization="minmax", winsorize=(0.0, 0.95)).fit(new, as_of=AS_OF).transform(new, as_of=AS_OF)
    assert not np.allclose(a["rfm_score"], fresh["rfm_score"]), "transform uses the fit of the old data"
    assert a["rfm_score"].between(0, 1).all()


def test_concentration() -> None:
    # Hand-computed: spends 1, 2, 3, 4 -> Gini 0.25, top 25 % (one customer) holds 0.4.
    c = crmkit.concentration(np.array([1.0, 2.0, 3.0, 4.0]), top_fraction=0.25)
    assert c["gini"] == pytest.approx(0.25, abs=1e-15)
    assert c["top_share"] == pytest.approx(0.4, abs=1e-15)
    assert c["top_customers"] == 1


@st.composite
def logs(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 80))
    ids = draw(st.lists(st.integers(0, 15), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n))
    amounts = draw(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=n, max_size=n))
    return pd.DataFrame(
        {"customer_id": ids, "timestamp": np.datetime64("2024-07-01") + np.array(days, dtype="timedelta64[D]"), "amount": amounts}
    )


@settings(max_examples=60, deadline=None)
@given(log=logs(), seed=st.integers(0, 2**32 - 1))
def test_row_order_never_changes_a_result(log: pd.DataFrame, seed: int) -> None:
    import warnings

    shuffled = log.sample(frac=1.0, random_state=seed % (2**32)).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", crmkit.CrmkitWarning)
        a = crmkit.rfm(log, as_of="2025-12-01")
        b = crmkit.rfm(shuffled, as_of="2025-12-01")
    for column in ("customer_id", "days_since_last", "frequency", "r_score", "f_score", "m_score", "segment", "tier"):
        assert a[column].tolist() == b[column].tolist()
    # Exact per-customer sums: bit-for-bit equal whatever the row order.
    np.testing.assert_array_equal(a["monetary"], b["monetary"])
    np.testing.assert_array_equal(a["rfm_score"], b["rfm_score"])
    assert a["rfm_score"].between(0, 1 + 1e-12).all()
    # Equal inputs get equal scores.
    key = a[["days_since_last", "frequency", "monetary"]].astype(str).agg("|".join, axis=1)
    assert (a.groupby(key)["rfm_score"].nunique() == 1).all()
    assert (a.groupby(key)["segment"].nunique() == 1).all()


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=200),
    k=st.integers(2, 10),
    higher=st.booleans(),
)
def test_quantile_scores_are_monotone_and_in_range(values: list[float], k: int, higher: bool) -> None:
    x = np.array(values)
    _, scores = crmkit.QuantileBins.fit_apply(x, k, higher)
    assert scores.min() >= 1 and scores.max() <= k
    order = np.argsort(x if higher else -x, kind="stable")
    assert (np.diff(scores[order].astype(int)) >= 0).all()


@pytest.mark.parametrize("n", [500, 300_000])  # both sides of the parallel threshold (262,144)
def test_score_tiers_equals_score_then_tiers(n: int) -> None:
    rng = np.random.default_rng(9)
    r, f, m = rng.integers(0, 400, n), rng.integers(0, 30, n), rng.lognormal(4, 1, n)
    fit = crmkit.MinMaxFit.fit(r, f, m)
    scores, tiers = fit.score_tiers(r, f, m, (0.2, 0.5, 0.3), (0.3, 0.6))
    np.testing.assert_array_equal(scores, fit.score(r, f, m, (0.2, 0.5, 0.3)))
    np.testing.assert_array_equal(tiers, crmkit._crmkit.tier_codes_of(scores, (0.3, 0.6)))
    np.testing.assert_allclose(scores, pandas_minmax(r, f, m, (0.2, 0.5, 0.3)), rtol=0, atol=1e-12)
    # The outputs are filled in place (numpy.empty): fresh, owned, writeable, C-contiguous arrays.
    for out, dtype in ((scores, np.float64), (tiers, np.uint8)):
        assert out.dtype == dtype and out.shape == (n,) and out.flags.c_contiguous and out.flags.writeable
        assert out.flags.owndata
    with pytest.raises(crmkit.ConfigError):
        fit.score_tiers(r, f, m, thresholds=(0.6, 0.3))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint16, np.uint32, np.uint64, np.float16, np.float32, np.bool_, ">f8", ">i8"])
def test_compiled_scorers_take_any_numeric_numpy_dtype(dtype: object) -> None:
    # The compiled classes (used directly, without the Python layer's normalisation) cast other
    # numeric dtypes, and big-endian ones: the same results as int64 / float64 input.
    values = np.array([3, 1, 0, 2, 1, 4, 0, 2])
    if dtype is np.bool_:
        values = values % 2
    typed = values.astype(dtype)
    base = values.astype(np.float64)
    _, ours = crmkit.QuantileBins.fit_apply(typed, 3, True)
    _, expected = crmkit.QuantileBins.fit_apply(base, 3, True)
    assert np.array_equal(ours, expected)
    fit = crmkit.MinMaxFit.fit(typed, typed, typed)
    assert np.allclose(fit.score(typed, typed, typed), crmkit.MinMaxFit.fit(base, base, base).score(base, base, base))


def test_compiled_scorers_reject_non_numeric_numpy_dtypes() -> None:
    for values in (np.array(["a", "b"]), np.array([1 + 2j, 3j]), np.array(["2025-01-01"], dtype="datetime64[D]")):
        with pytest.raises(crmkit.ConfigError) as info:
            crmkit.QuantileBins.fit_apply(values, 2, True)
        assert info.value.field == "values"
