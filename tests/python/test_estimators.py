"""scikit-learn conventions: clone, get_params / set_params, cross_val_score and GridSearchCV
work for LogisticRegression and the CLV models (scikit-learn is a test-only dependency)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crmkit

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

CDNOW = Path(__file__).resolve().parents[2] / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    d = pd.read_csv(CDNOW)
    return pd.DataFrame(
        {"freq": d["x"].astype(float), "rec": d["t_x"].astype(float), "age": d["T"].astype(float),
         "x": d["x"].astype(float), "m_x": d["zbar"].astype(float)}
    )


MODELS = [
    lambda: crmkit.BgNbd(penalty=0.0, x="freq", t_x="rec", T="age"),
    lambda: crmkit.ParetoNbd(x="freq", t_x="rec", T="age"),
    lambda: crmkit.MbgNbd(x="freq", t_x="rec", T="age"),
    lambda: crmkit.GammaGamma(x="x", m_x="m_x"),
]


@pytest.mark.parametrize("make", MODELS)
def test_clone_keeps_every_parameter_and_no_fit(make, cdnow):
    model = make()
    fitted = make().fit(cdnow)
    copy = clone(fitted)
    assert copy.get_params() == model.get_params()
    assert copy.model_ is None and "model_" not in vars(copy)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        check_is_fitted(copy)
    check_is_fitted(fitted)


@pytest.mark.parametrize("make", MODELS)
def test_cross_val_score_reads_the_configured_columns(make, cdnow):
    scores = cross_val_score(make(), cdnow, cv=KFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,) and np.all(np.isfinite(scores)) and np.all(scores < 0)


def test_score_is_the_mean_log_likelihood_of_the_fit(cdnow):
    # On the fitting data, score × customers equals the fit's own log-likelihood (1e-9 relative).
    model = crmkit.BgNbd(x="freq", t_x="rec", T="age").fit(cdnow)
    assert model.score(cdnow) * len(cdnow) == pytest.approx(model.log_likelihood_, rel=1e-9)
    gg = crmkit.GammaGamma().fit(cdnow)
    repeaters = int((cdnow["x"] > 0).sum())
    assert gg.score(cdnow) * repeaters == pytest.approx(gg.log_likelihood_, rel=1e-9)


def test_grid_search_prefers_no_penalty_on_cdnow(cdnow):
    grid = GridSearchCV(crmkit.BgNbd(x="freq", t_x="rec", T="age"), {"penalty": [0.0, 0.5]}, cv=3).fit(cdnow)
    assert grid.best_params_ == {"penalty": 0.0}
    assert grid.best_estimator_.params_["r"] == pytest.approx(0.2426, abs=1e-3)


def test_set_params_rejects_unknown_names():
    with pytest.raises(crmkit.ConfigError) as err:
        crmkit.BgNbd().set_params(penalizer_coef=0.1)
    assert err.value.field == "penalizer_coef"


def test_logistic_regression_in_a_grid_search():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + rng.logistic(size=400) > 0).astype(int)
    model = crmkit.LogisticRegression(C=1.0)
    assert clone(model).get_params() == model.get_params()
    acc = cross_val_score(model, X, y, cv=5)
    assert np.all((acc > 0.6) & (acc <= 1.0))
    auc = cross_val_score(model, X, y, cv=5, scoring="roc_auc")
    assert np.all(auc > 0.7)
    grid = GridSearchCV(crmkit.LogisticRegression(), {"C": [0.001, 10.0]}, cv=5, scoring="neg_log_loss").fit(X, y)
    assert grid.best_params_ == {"C": 10.0}
    # sklearn's own model reaches the same coefficients for C=10 (to 1e-4, L-BFGS tolerance).
    from sklearn.linear_model import LogisticRegression as SkLogit

    ours = grid.best_estimator_.coef_
    theirs = SkLogit(C=10.0, tol=1e-10, max_iter=10_000).fit(X, y).coef_
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


def test_json_round_trip_keeps_parameters():
    model = crmkit.BgNbd(penalty=0.01, x="freq").fit(pd.DataFrame({"freq": [0.0, 2, 5], "t_x": [0.0, 10, 30], "T": [40.0, 40, 40]}))
    again = crmkit.BgNbd.from_json(model.to_json())
    assert again.get_params() == model.get_params()
