"""NPS and CSAT: reference values, closed-form parity, frame families, bad input, invariants."""

from __future__ import annotations

import math
import pickle
from statistics import NormalDist

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit

REFERENCE_NPS = np.repeat([10, 8, 3], [100, 60, 40])  # 100 promoters, 60 passives, 40 detractors


def z(confidence: float) -> float:
    # Peer: the standard library's normal quantile (Wichura's AS 241, ~1e-16 relative).
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


# --- reference values (issue 3; Sauro & Lewis for the adjusted Wald) -------------------------


def test_nps_reference_wald() -> None:
    r = crmkit.nps(REFERENCE_NPS)
    assert r.nps == 30.0
    assert r.counts == (100, 60, 40)
    assert r.respondents == 200
    # Reference [19.18, 40.82] to two decimals.
    assert r.lower == pytest.approx(19.18, abs=0.005)
    assert r.upper == pytest.approx(40.82, abs=0.005)
    assert r.method == "wald"


def test_nps_reference_adjusted_wald() -> None:
    r = crmkit.nps(REFERENCE_NPS, method="adjusted_wald")
    assert r.nps == 30.0  # the raw score is always reported
    assert r.center == pytest.approx(29.56, abs=0.005)
    assert r.lower == pytest.approx(18.82, abs=0.005)
    assert r.upper == pytest.approx(40.30, abs=0.005)


def test_csat_reference_wilson() -> None:
    answers = np.repeat([5, 4, 2], [100, 72, 28])  # 172 of 200 satisfied
    r = crmkit.csat(answers)
    assert r.top_two_box == 0.86
    assert r.satisfied == 172 and r.respondents == 200
    # Reference [0.8051, 0.9013] to four decimals.
    assert r.lower == pytest.approx(0.8051, abs=5e-5)
    assert r.upper == pytest.approx(0.9013, abs=5e-5)
    assert r.mean == pytest.approx((500 + 288 + 56) / 200)
    assert r.distribution == (0, 28, 0, 72, 100)
    assert crmkit.proportion_interval(172, 200) == pytest.approx((r.lower, r.upper), abs=0)


# --- closed-form parity (no statsmodels / scipy in the test env) ------------------------------


def closed_form_proportion(x: int, n: int, method: str, confidence: float) -> tuple[float, float]:
    """Textbook formulas (Wilson 1927; Agresti & Coull 1998) in numpy."""
    zz = z(confidence)
    p = x / n
    if method == "wilson":
        denom = 1 + zz**2 / n
        centre = (p + zz**2 / (2 * n)) / denom
        half = zz / denom * np.sqrt(p * (1 - p) / n + zz**2 / (4 * n**2))
        lo, hi = centre - half, centre + half
        lo = 0.0 if x == 0 else lo
        hi = 1.0 if x == n else hi
    elif method == "wald":
        half = zz * np.sqrt(p * (1 - p) / n)
        lo, hi = p - half, p + half
    else:
        nt = n + zz**2
        pt = (x + zz**2 / 2) / nt
        half = zz * np.sqrt(pt * (1 - pt) / nt)
        lo, hi = pt - half, pt + half
    return float(np.clip(lo, 0, 1)), float(np.clip(hi, 0, 1))


@pytest.mark.parametrize("method", ["wilson", "wald", "agresti_coull"])
@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_proportion_interval_matches_closed_form(method: str, confidence: float) -> None:
    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(1, 5_000))
        x = int(rng.integers(0, n + 1))
        got = crmkit.proportion_interval(x, n, method, confidence)
        # Tolerance 1e-12 absolute: same formulas, only rounding order and z differ.
        assert got == pytest.approx(closed_form_proportion(x, n, method, confidence), abs=1e-12)


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_nps_wald_matches_closed_form(confidence: float) -> None:
    rng = np.random.default_rng(11)
    for _ in range(30):
        answers = rng.integers(0, 11, int(rng.integers(1, 3_000)))
        n = len(answers)
        pp, pd_ = np.mean(answers >= 9), np.mean(answers <= 6)
        nps = 100 * (pp - pd_)
        se = 100 * np.sqrt((pp + pd_ - (pp - pd_) ** 2) / n)
        r = crmkit.nps(answers, confidence=confidence)
        # Tolerance 1e-9 NPS points (rounding of the shares).
        assert r.nps == pytest.approx(nps, abs=1e-9)
        assert r.standard_error == pytest.approx(se, abs=1e-9)
        assert r.lower == pytest.approx(max(-100, nps - z(confidence) * se), abs=1e-9)
        assert r.upper == pytest.approx(min(100, nps + z(confidence) * se), abs=1e-9)


def test_adjusted_wald_hand_computed() -> None:
    # P = 100.75, D = 40.75, n = 203: centre = 100 * 60 / 203 = 29.5567
    r = crmkit.nps(REFERENCE_NPS, method="adjusted_wald")
    pp, pd_ = 100.75 / 203, 40.75 / 203
    assert r.center == pytest.approx(100 * 60 / 203, abs=1e-12)
    assert r.standard_error == pytest.approx(100 * math.sqrt((pp + pd_ - (pp - pd_) ** 2) / 203), abs=1e-12)


def test_compare_nps_against_formula() -> None:
    a, b = crmkit.nps(REFERENCE_NPS), crmkit.nps(np.repeat([9, 7, 0], [80, 60, 60]))
    c = crmkit.compare_nps(a, b)
    se = math.hypot(a.standard_error, b.standard_error)
    assert c.difference == pytest.approx(20.0)
    assert c.standard_error == pytest.approx(se, abs=1e-12)
    assert c.z == pytest.approx(20.0 / se, abs=1e-12)
    assert c.p_value == pytest.approx(math.erfc(abs(c.z) / math.sqrt(2)), abs=1e-14)
    assert c.interval == pytest.approx((20 - z(0.95) * se, 20 + z(0.95) * se), abs=1e-9)
    # Answers, results and count tuples are interchangeable.
    assert crmkit.compare_nps(REFERENCE_NPS, (80, 60, 60)) == c
    same = crmkit.compare_nps((10, 5, 5), (10, 5, 5))
    assert same.difference == 0.0 and same.p_value == 1.0


# --- inputs: numpy, lists, frame columns ------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [
        REFERENCE_NPS,
        REFERENCE_NPS.astype(np.float64),
        REFERENCE_NPS.astype(np.int8),
        REFERENCE_NPS.tolist(),
        pd.Series(REFERENCE_NPS),
        pl.Series(REFERENCE_NPS),
        pa.chunked_array([REFERENCE_NPS[:50], REFERENCE_NPS[50:]]),
    ],
    ids=["int64", "float64", "int8", "list", "pandas", "polars", "pyarrow"],
)
def test_nps_accepts_columns(answers: object) -> None:
    assert crmkit.nps(answers).counts == (100, 60, 40)


def make_feedback(n: int = 400, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "segment": rng.choice(np.array(["north", "south", "west"], dtype=object), n),
        "answer": rng.integers(0, 11, n),
        "csat": rng.integers(1, 6, n),
        "repurchased": rng.random(n) < 0.4,
        "clv": rng.gamma(2.0, 100.0, n),
    }


@pytest.mark.parametrize("family", ["pandas", "polars", "pyarrow", "dict"])
def test_by_segment_families(family: str) -> None:
    raw = make_feedback()
    data = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.table, "dict": dict}[family](raw)
    out = crmkit.nps_by_segment(data, segment="segment", answer="answer")
    cs = crmkit.csat_by_segment(data, segment="segment", answer="csat")
    outcomes = crmkit.nps_group_outcomes(data, answer="answer", repurchased="repurchased", clv="clv")
    expected_type = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.Table, "dict": dict}[family]
    assert isinstance(out, expected_type) and isinstance(cs, expected_type) and isinstance(outcomes, expected_type)
    table = pd.DataFrame(out if family == "dict" else (out.to_pandas() if family != "pandas" else out))
    assert list(table["segment"]) == ["north", "south", "west"]
    for seg, row in table.set_index("segment").iterrows():
        ref = crmkit.nps(raw["answer"][raw["segment"] == seg])
        assert row["nps"] == pytest.approx(ref.nps, abs=1e-12)
        assert row["lower"] == pytest.approx(ref.lower, abs=1e-12)
        assert row["respondents"] == ref.respondents
    cst = pd.DataFrame(cs if family == "dict" else (cs.to_pandas() if family != "pandas" else cs))
    for seg, row in cst.set_index("segment").iterrows():
        ref_c = crmkit.csat(raw["csat"][raw["segment"] == seg])
        assert row["top_two_box"] == pytest.approx(ref_c.top_two_box, abs=1e-12)
        assert row["upper"] == pytest.approx(ref_c.upper, abs=1e-12)


def test_nps_by_segment_integer_and_categorical_keys() -> None:
    df = pd.DataFrame({"segment": [2, 1, 2], "answer": [10, 0, 6]})
    out = crmkit.nps_by_segment(df)
    assert out["segment"].tolist() == [1, 2] and out["nps"].tolist() == [-100.0, 0.0]
    cat = pd.DataFrame({"segment": pd.Categorical(["x", "y", "x"]), "answer": [10, 0, 9]})
    assert crmkit.nps_by_segment(cat)["segment"].tolist() == ["x", "y"]


def test_nps_group_outcomes_hand_computed() -> None:
    raw = make_feedback()
    out = crmkit.nps_group_outcomes(raw, answer="answer", repurchased="repurchased", clv="clv")
    assert out["group"].tolist() == ["detractor", "passive", "promoter"]
    for name, mask in (("detractor", raw["answer"] <= 6), ("passive", (raw["answer"] >= 7) & (raw["answer"] <= 8)), ("promoter", raw["answer"] >= 9)):
        i = out["group"].tolist().index(name)
        assert out["respondents"][i] == mask.sum()
        assert out["repurchase_rate"][i] == pytest.approx(raw["repurchased"][mask].mean(), abs=1e-12)
        assert out["mean_clv"][i] == pytest.approx(raw["clv"][mask].mean(), rel=1e-12)


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [11, -1, 7.5, float("nan"), float("inf")])
def test_nps_bad_answer_names_row(bad: float) -> None:
    answers = [10.0, 9.0, 8.0, bad, 1.0]
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.nps(answers)
    assert (info.value.field, info.value.row) == ("answers", 3)


@pytest.mark.parametrize("bad", [0, 6, 2.5, float("nan")])
def test_csat_bad_answer_names_row(bad: float) -> None:
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.csat([5.0, bad, 4.0])
    assert (info.value.field, info.value.row) == ("answers", 1)


def test_bad_answer_by_segment_names_row_of_whole_input() -> None:
    df = pd.DataFrame({"segment": ["a", "b", "a"], "answer": [10, 9, 12]})
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.nps_by_segment(df)
    assert info.value.row == 2
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.csat_by_segment(df)
    assert info.value.row == 0


def test_null_answer_is_missing_value() -> None:
    with pytest.raises(crmkit.MissingValueError) as info:
        crmkit.nps(pa.chunked_array([[10, None, 3]]))
    assert (info.value.field, info.value.row) == ("answers", 1)
    with pytest.raises(crmkit.MissingValueError) as info:
        crmkit.csat(pl.Series([5, 4, None]))
    assert info.value.row == 2


def test_feedback_config_errors() -> None:
    with pytest.raises(crmkit.EmptyInputError):
        crmkit.nps(np.array([], dtype=np.int64))
    with pytest.raises(crmkit.EmptyInputError):
        crmkit.csat([])
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.nps(REFERENCE_NPS, method="exact")
    assert info.value.field == "method"
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.csat([5], method="clopper")
    assert info.value.field == "method"
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.nps(REFERENCE_NPS, confidence=1.0)
    assert info.value.field == "confidence"
    with pytest.raises(crmkit.ConfigError):
        crmkit.proportion_interval(5, 4)
    with pytest.raises(crmkit.EmptyInputError):
        crmkit.compare_nps((0, 0, 0), (1, 1, 1))
    with pytest.raises(crmkit.LengthMismatchError):
        crmkit.nps_by_segment(segment=np.array([1, 2]), answer=np.array([1, 2, 3]))
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.nps_group_outcomes(answer=[9, 9], repurchased=[True, False], clv=[1.0, float("nan")])
    assert (info.value.field, info.value.row) == ("clv", 1)


# --- invariants -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    counts=st.tuples(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500)).filter(lambda c: sum(c) > 0),
    method=st.sampled_from(["wald", "adjusted_wald"]),
    confidence=st.floats(0.5, 0.999),
)
def test_nps_interval_contains_estimate(counts: tuple[int, int, int], method: str, confidence: float) -> None:
    answers = np.repeat([10, 7, 0], counts)
    r = crmkit.nps(answers, method=method, confidence=confidence)
    assert -100 <= r.lower <= r.center <= r.upper <= 100
    if method == "wald":
        assert r.lower <= r.nps <= r.upper
    # Shuffling the answers changes nothing.
    assert crmkit.nps(np.random.default_rng(0).permutation(answers), method=method, confidence=confidence) == r


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 10_000), frac=st.floats(0, 1), method=st.sampled_from(["wilson", "wald", "agresti_coull"]))
def test_proportion_interval_bounds(n: int, frac: float, method: str) -> None:
    x = round(frac * n)
    lo, hi = crmkit.proportion_interval(x, n, method)
    assert 0 <= lo <= hi <= 1
    if method in ("wilson", "wald"):
        assert lo - 1e-12 <= x / n <= hi + 1e-12


def test_results_pickle_round_trip() -> None:
    for obj in (crmkit.nps(REFERENCE_NPS), crmkit.csat([5, 4, 1]), crmkit.compare_nps((3, 2, 1), (1, 2, 3))):
        assert pickle.loads(pickle.dumps(obj)) == obj
