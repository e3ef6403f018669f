"""Defaults that tell the truth: the percentile-rank score, the warnings, both four-tier
readings and the tier summary table, on the bundled CDNOW sample and a realistic synthetic log."""

from __future__ import annotations

import json
import pickle
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from conftest import realistic_log

import crmkit

CDNOW_AS_OF = "1998-06-30"  # the last day of the CDNOW sample
SYNTHETIC_AS_OF = "2025-12-31"  # the last day of realistic_log()


def quiet_rfm(log: pd.DataFrame, **options: object) -> pd.DataFrame:
    # Both logs tie many one-time buyers, so some rf_grid segments are unreachable and crmkit
    # warns (tested below); here only the scores and tiers matter.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", crmkit.CrmkitWarning)
        return crmkit.rfm(log, **options)  # type: ignore[arg-type]


def pandas_percentile_rank_score(out: pd.DataFrame, w: tuple[float, float, float] = (0.3, 0.4, 0.3)) -> np.ndarray:
    """Independent reference: pandas' average rank (ties share the mean rank), (rank - 1) / (n - 1), R reversed."""
    n = len(out)

    def p(column: str) -> np.ndarray:
        return ((out[column].astype(float).rank(method="average") - 1) / (n - 1)).to_numpy()

    return w[0] * (1 - p("days_since_last")) + w[1] * p("frequency") + w[2] * p("monetary")


def test_cdnow_default_tiers_separate_customers(cdnow: pd.DataFrame) -> None:
    out = quiet_rfm(cdnow, as_of=CDNOW_AS_OF)
    # The score equals the pandas rank reference (to rounding) and the tiers follow from it.
    np.testing.assert_allclose(out["rfm_score"], pandas_percentile_rank_score(out), rtol=0, atol=1e-12)
    # Tiers against exact rational scores (average ranks are whole or half numbers, so each
    # score is rational): customer row 1961 scores exactly 0.8 and is high value (>= 0.8).
    n = len(out)

    def ranks(column: str) -> list[Fraction]:
        return [Fraction(v).limit_denominator(2) for v in out[column].astype(float).rank(method="average")]

    exact = [
        Fraction(3, 10) * (1 - (r - 1) / (n - 1)) + Fraction(4, 10) * (f - 1) / (n - 1) + Fraction(3, 10) * (m - 1) / (n - 1)
        for r, f, m in zip(ranks("days_since_last"), ranks("frequency"), ranks("monetary"))
    ]
    expected = ["high value" if s >= Fraction(4, 5) else "potential" if s >= Fraction(1, 2) else "churn risk" for s in exact]
    assert out["tier"].astype(str).tolist() == expected
    assert sum(s == Fraction(4, 5) for s in exact) == 1
    counts = out["tier"].value_counts(sort=False).to_dict()
    assert counts == {"churn risk": 1545, "potential": 347, "high value": 465}  # 65.5 %, 14.7 %, 19.7 %
    assert counts["churn risk"] == int((out["frequency"] == 0).sum())  # exactly the 1,545 without a purchase in the window
    # No champion sits in churn risk any more (under min-max 444 do).
    champions = out[out["segment"] == "champions"]["tier"].value_counts().to_dict()
    assert champions["churn risk"] == 0 and champions["high value"] == 378


def test_cdnow_minmax_is_the_guides_formula_and_warns(cdnow: pd.DataFrame) -> None:
    with pytest.warns(crmkit.CrmkitWarning) as record:
        out = crmkit.rfm(cdnow, as_of=CDNOW_AS_OF, normalization="minmax")
    messages = [str(w.message) for w in record]
    assert any("tier 'churn risk' holds 98.9 % of customers (more than 90 %)" in m for m in messages), messages
    # Unreachable by hand: F ties (65.5 % have F = 0) leave F scores 2 and 3 empty, so the grid
    # cells needing F in 2..3 only (potential loyalist, need attention) cannot be reached.
    assert any("segments 'potential loyalist', 'need attention' cannot be reached" in m for m in messages), messages
    assert any("segments 'new', 'at risk', 'cannot lose' hold no customers" in m for m in messages), messages
    r, f, m = (out[c].to_numpy(dtype=float) for c in ("days_since_last", "frequency", "monetary"))

    def norm(x: np.ndarray, reverse: bool = False) -> np.ndarray:
        return (x.max() - x) / (x.max() - x.min()) if reverse else (x - x.min()) / (x.max() - x.min())

    np.testing.assert_allclose(out["rfm_score"], 0.3 * norm(r, True) + 0.4 * norm(f) + 0.3 * norm(m), rtol=0, atol=1e-12)
    assert out["tier"].value_counts(sort=False).to_dict() == {"churn risk": 2330, "potential": 23, "high value": 4}


def test_synthetic_log_default_tiers() -> None:
    log = realistic_log()
    assert log.groupby("customer_id").size().eq(1).mean() > 0.6  # many one-time buyers
    out = quiet_rfm(log, as_of=SYNTHETIC_AS_OF)
    np.testing.assert_allclose(out["rfm_score"], pandas_percentile_rank_score(out), rtol=0, atol=1e-12)
    # crmkit 0.1.0 on realistic_log(seed=7): 41.6 %, 42.4 %, 16.0 %.
    assert out["tier"].value_counts(sort=False).to_dict() == {"churn risk": 2081, "potential": 2121, "high value": 798}
    layered = quiet_rfm(log, as_of=SYNTHETIC_AS_OF, tiers="layered")
    assert layered["tier"].value_counts(sort=False).to_dict() == {"churn risk": 1830, "general": 251, "potential": 2121, "high value": 798}
    with pytest.warns(crmkit.CrmkitWarning) as record:
        crmkit.rfm(log, as_of=SYNTHETIC_AS_OF, normalization="minmax")
    assert any("tier 'churn risk' holds 96.6 % of customers" in str(w.message) for w in record)


def test_layered_reading_cuts_general_out_of_churn_risk(cdnow: pd.DataFrame) -> None:
    three = quiet_rfm(cdnow, as_of=CDNOW_AS_OF)
    layered = quiet_rfm(cdnow, as_of=CDNOW_AS_OF, tiers="layered")
    assert list(layered["tier"].cat.categories) == ["churn risk", "general", "potential", "high value"]
    score = layered["rfm_score"].to_numpy()
    expected = np.select([score >= 0.8, score >= 0.5, score >= 0.3], ["high value", "potential", "general"], "churn risk")
    np.testing.assert_array_equal(layered["tier"].astype(str), expected)
    # general + churn risk of the layered reading = churn risk of the three tiers.
    assert layered["tier"].value_counts(sort=False).to_dict() == {"churn risk": 554, "general": 991, "potential": 347, "high value": 465}
    assert ((three["tier"] == "churn risk") == layered["tier"].isin(["churn risk", "general"])).all()
    custom = quiet_rfm(cdnow, as_of=CDNOW_AS_OF, tiers="layered", thresholds=(0.4, 0.6, 0.9))
    s = custom["rfm_score"].to_numpy()
    np.testing.assert_array_equal(custom["tier"].cat.codes, (s >= 0.4).astype(int) + (s >= 0.6) + (s >= 0.9))
    with pytest.raises(crmkit.ConfigError, match="thresholds"):
        crmkit.RfmModel(tiers="layered", thresholds=(0.5, 0.8))
    with pytest.raises(crmkit.ConfigError, match="thresholds"):
        crmkit.RfmModel(tiers="layered", thresholds=(0.6, 0.5, 0.8))


def test_classic_four_tier_segments_follow_the_rules(cdnow: pd.DataFrame) -> None:
    out = quiet_rfm(cdnow, as_of=CDNOW_AS_OF, segments="four_tier")
    r, f, m = out["r_score"], out["f_score"], out["m_score"]
    expected = np.select(
        [(r >= 4) & (f >= 4) & (m >= 4), (r >= 4) & (f <= 2) & (m <= 2), (r <= 2) & (f <= 2) & (m <= 2)],
        ["high value", "low value", "churn risk"],
        "potential",
    )
    np.testing.assert_array_equal(out["segment"].astype(str), expected)
    assert out["segment"].value_counts(sort=False).to_dict() == {"high value": 812, "low value": 129, "churn risk": 953, "potential": 463}


def test_no_warning_when_tiers_spread_and_every_segment_is_filled() -> None:
    rng = np.random.default_rng(3)
    n = 1_000
    features = pd.DataFrame({"days_since_last": rng.permutation(n), "frequency": rng.permutation(n) + 1, "monetary": rng.permutation(n) * 1.5})
    model = crmkit.RfmModel().fit_features(features)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = model.score_features(features)
    assert model.diagnostics_ is not None
    assert model.diagnostics_["warnings"] == [] and model.diagnostics_["dominant_tier"] is None
    assert model.diagnostics_["segment_counts"] == out["segment"].value_counts(sort=False).tolist()
    # Everybody in one tier: more than 90 %, warned.
    model = crmkit.RfmModel(thresholds=(0.99, 0.999)).fit_features(features)
    with pytest.warns(crmkit.CrmkitWarning, match=r"tier 'churn risk' holds 100\.0 % of customers"):
        model.score_features(features)


def test_tier_summary_matches_a_pandas_groupby(cdnow: pd.DataFrame) -> None:
    out = quiet_rfm(cdnow, as_of=CDNOW_AS_OF, tiers="layered")
    for by in ("tier", "segment"):
        table = crmkit.tier_summary(out, by=by)
        g = out.groupby(by, observed=False)
        ref = pd.DataFrame(
            {
                "customers": g.size(),
                "share": g.size() / len(out),
                "revenue_share": g["monetary"].sum() / out["monetary"].sum(),
                "mean_days_since_last": g["days_since_last"].mean(),
                "mean_frequency": g["frequency"].mean(),
                "mean_monetary": g["monetary"].mean(),
            }
        )
        assert table[by].astype(str).tolist() == [str(c) for c in ref.index]
        for column in ref.columns:
            np.testing.assert_allclose(table[column].to_numpy(dtype=float), ref[column].to_numpy(dtype=float), rtol=1e-12, atol=1e-12)
    # Frames of each family give the same numbers back in their own family.
    pandas_table = crmkit.tier_summary(out)
    polars_table = crmkit.tier_summary(pl.from_pandas(out[["tier", "days_since_last", "frequency", "monetary"]]))
    arrow_table = crmkit.tier_summary(pa.Table.from_pandas(out[["tier", "days_since_last", "frequency", "monetary"]]))
    assert isinstance(polars_table, pl.DataFrame) and isinstance(arrow_table, pa.Table)
    expected = dict(zip(pandas_table["tier"].astype(str), pandas_table["customers"]))
    # The Arrow dictionary keeps the category order; polars Categorical has none (sorted names).
    assert dict(zip(arrow_table.column("tier").to_pylist(), arrow_table.column("customers").to_pylist())) == expected
    assert arrow_table.column("tier").to_pylist() == list(expected)
    assert dict(zip(polars_table["tier"].to_list(), polars_table["customers"].to_list())) == expected
    assert polars_table["tier"].to_list() == sorted(expected)
    # A plain (non-categorical) label column is grouped by its sorted distinct values.
    plain = crmkit.tier_summary(pd.DataFrame({"tier": ["b", "a", "b"], "days_since_last": [1, 2, 3], "frequency": [1, 1, 1], "monetary": [1.0, 2.0, 3.0]}))
    assert plain["tier"].astype(str).tolist() == ["a", "b"] and plain["customers"].tolist() == [1, 2]
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.tier_summary(pd.DataFrame({"tier": ["a", None], "days_since_last": [1, 2], "frequency": [1, 1], "monetary": [1.0, 2.0]}))
    assert info.value.row == 1


def test_percentile_rank_fit_merges_exactly_serialises_and_scores_new_customers() -> None:
    rng = np.random.default_rng(0)
    r, f, m = rng.integers(0, 400, 1000), rng.integers(1, 30, 1000), np.round(rng.lognormal(4, 1, 1000), 2)
    whole = crmkit.PercentileRankFit.fit(r, f, m)
    merged = crmkit.PercentileRankFit.fit(r[:300], f[:300], m[:300]).merge(crmkit.PercentileRankFit.fit(r[300:], f[300:], m[300:]))
    assert merged == whole
    assert pickle.loads(pickle.dumps(whole)) == whole
    assert crmkit.PercentileRankFit.from_json(whole.to_json()) == whole
    assert whole.count == 1000 and whole.distinct_values[1] == len(np.unique(f))
    bad = json.loads(whole.to_json())
    bad["frequency"]["values"] = bad["frequency"]["values"][::-1]
    with pytest.raises(crmkit.ConfigError):
        crmkit.PercentileRankFit.from_json(json.dumps(bad))
    # New customers beyond the fitted range: the best and the worst possible scores.
    np.testing.assert_array_equal(whole.score(np.array([-10, 10_000]), np.array([1_000, 0]), np.array([1e9, 0.0])), [1.0, 0.0])
    # A model fitted on old customers scores new ones against the old distribution.
    old = pd.DataFrame({"days_since_last": r, "frequency": f, "monetary": m})
    model = crmkit.RfmModel().fit_features(old)
    new = old.iloc[:10].assign(monetary=old["monetary"].iloc[:10] * 100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", crmkit.CrmkitWarning)  # ten customers leave segments empty
        scored = model.score_features(new)
    assert (scored["rfm_score"].to_numpy() >= model.score_fit_.score(r[:10], f[:10], m[:10])).all()  # type: ignore[union-attr]


def test_winsorize_belongs_to_minmax() -> None:
    with pytest.raises(crmkit.ConfigError, match="normalization='minmax'") as info:
        crmkit.RfmModel(winsorize=(0.0, 0.99))
    assert info.value.field == "winsorize"
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.RfmModel(normalization="rank")  # type: ignore[arg-type]
    assert info.value.field == "normalization"
