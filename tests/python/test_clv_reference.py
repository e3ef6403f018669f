"""crmkit's CLV predictions (through the Python API) against fresh arbitrary-precision values.

Source: tests/reference/clv_mpmath.py (mpmath, 60 digits, formulas from the papers), run here on
one row of each block of its grid plus the named edge cases of the cheap models; the full grid is
committed in crates/crmkit/tests/data/clv_reference.csv and checked by the Rust test
clv_reference.rs. Tolerance: 1e-9 relative (values below 1e-290 must come back below it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mpmath")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))
import clv_mpmath  # noqa: E402

import crmkit  # noqa: E402

MODELS = {
    "bgnbd": (crmkit.BgNbd, ("r", "alpha", "a", "b")),
    "mbgnbd": (crmkit.MbgNbd, ("r", "alpha", "a", "b")),
}


def predict(row: list) -> float:
    model, quantity = row[0], row[1]
    p = [float(v) for v in row[2:6]]
    x, t_x, t, h, n = float(row[6]), float(row[7]), float(row[8]), float(row[9]), int(row[10])
    if model in MODELS:
        cls, names = MODELS[model]
        m = cls.from_params(**dict(zip(names, p)))
        if quantity == "alive":
            return float(m.probability_alive(np.array([x]), np.array([t_x]), np.array([t]))[0])
        if quantity == "expected":
            return float(m.expected_purchases(np.array([x]), h, np.array([t_x]), np.array([t]))[0])
        if quantity == "new":
            return float(m.expected_purchases_new_customer(h))
        if quantity == "pmf":
            return float(m.probability_of_purchases(n, h))
    if model == "bgbb":
        m = crmkit.BgBb.from_params(alpha=p[0], beta=p[1], gamma=p[2], delta=p[3])
        arrays = (np.array([x]), np.array([t_x]), np.array([t]))
        if quantity == "alive":
            return float(m.probability_alive(*arrays, future=int(h))[0])
        if quantity == "expected":
            return float(m.expected_purchases(arrays[0], int(h), *arrays[1:])[0])
        if quantity == "new":
            return float(m.expected_purchases_new_customer(n))
        if quantity == "pmf":
            return float(m.probability_of_purchases(int(x), n))
    if model == "sbg":
        m = crmkit.ShiftedBetaGeometric.from_params(alpha=p[0], beta=p[1])
        if quantity == "derl":
            return float(m.discounted_expected_residual_lifetime(h, n))
        return float(getattr(m, {"survival": "survival", "churn": "churn_probability", "retention": "retention_rate"}[quantity])(n)[0])
    if model == "gammagamma":
        m = crmkit.GammaGamma.from_params(p=p[0], q=p[1], gamma=p[2])
        return float(m.expected_spend(np.array([x]), np.array([t_x]))[0])
    raise AssertionError(f"not covered here: {model} {quantity}")


def rows() -> list:
    # the cheap models only (the BG/NBD family and Pareto/NBD take minutes at 60 digits)
    return clv_mpmath.rows(sample=1, only=["bgbb", "sbg", "gammagamma"])


@pytest.mark.parametrize("row", rows(), ids=lambda r: f"{r[0]}-{r[1]}")
def test_prediction_matches_mpmath(row: list) -> None:
    want = float(row[-1])
    got = predict(row)
    if abs(want) < 1e-290:
        assert abs(got) < 1e-290
    else:
        assert abs(got / want - 1) <= 1e-9, (row, got)


def test_bgnbd_named_cases_match_mpmath() -> None:
    # the failing cases (-2.68e8 against 54.626; a + b = 1 raised), computed afresh
    for p, x, t_x, t, h in [((100.0, 1.0, 0.3, 0.3), 0.0, 0.0, 0.0, 200.0), ((20.0, 1.0, 0.7, 0.3), 0.0, 0.0, 40.0, 39.0)]:
        want = float(clv_mpmath.bg_expected(p, x, t_x, t, h, False))
        m = crmkit.BgNbd.from_params(r=p[0], alpha=p[1], a=p[2], b=p[3])
        got = float(m.expected_purchases(np.array([x]), h, np.array([t_x]), np.array([t]))[0])
        assert abs(got / want - 1) <= 1e-9, (p, got, want)
