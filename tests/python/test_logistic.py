"""Logistic churn model and its evaluation: live parity with statsmodels and
scikit-learn, degenerate data, frame families, pickling."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import crmkit

sm = pytest.importorskip("statsmodels.api")
sklearn_linear = pytest.importorskip("sklearn.linear_model")
sklearn_metrics = pytest.importorskip("sklearn.metrics")


def data(seed: int = 0, n: int = 800) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) * [1.0, 2.0, 0.5, 3.0] + [0.0, 1.0, -1.0, 2.0]
    eta = -0.5 + X @ np.array([0.5, -0.3, 1.0, 0.2])
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(np.float64)
    return X, y


def sklearn_fit(X: np.ndarray, y: np.ndarray, C: float, w: np.ndarray | None = None) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sklearn_linear.LogisticRegression(C=C, tol=1e-10, max_iter=1000).fit(X, y, sample_weight=w)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unpenalised_equals_statsmodels_logit(seed: int) -> None:
    X, y = data(seed)
    m = crmkit.LogisticRegression().fit(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    params = np.r_[m.intercept_, m.coef_[0]]
    np.testing.assert_allclose(params, ref.params, rtol=0, atol=1e-6)
    s = m.summary()
    np.testing.assert_allclose(s["std_err"], ref.bse, rtol=0, atol=1e-6)
    np.testing.assert_allclose(s["z"], ref.tvalues, rtol=0, atol=1e-6)
    np.testing.assert_allclose(s["p_value"], ref.pvalues, rtol=0, atol=1e-6)
    np.testing.assert_allclose(m.log_likelihood_, ref.llf, rtol=1e-10)
    np.testing.assert_allclose(m.predict_proba(X)[:, 1], ref.predict(sm.add_constant(X)), atol=1e-8)


def test_standardize_changes_nothing_unpenalised() -> None:
    X, y = data(3)
    a = crmkit.LogisticRegression().fit(X, y)
    b = crmkit.LogisticRegression(standardize=True).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
    np.testing.assert_allclose(a.summary()["std_err"], b.summary()["std_err"], atol=1e-8)


@pytest.mark.parametrize("C", [0.01, 0.3, 1.0, 10.0])
def test_penalised_equals_sklearn(C: float) -> None:
    X, y = data(4)
    m = crmkit.LogisticRegression(C=C).fit(X, y)
    ref = sklearn_fit(X, y, C)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(m.intercept_, ref.intercept_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(m.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert np.isnan(m.summary()["std_err"]).all()
    same = crmkit.LogisticRegression(l2_penalty=1 / C).fit(X, y)
    np.testing.assert_array_equal(same.coef_, m.coef_)


def test_sample_weights_equal_sklearn() -> None:
    X, y = data(5)
    w = np.random.default_rng(5).uniform(0, 3, len(y))
    m = crmkit.LogisticRegression(C=0.5).fit(X, y, sample_weight=w)
    ref = sklearn_fit(X, y, 0.5, w)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(m.intercept_, ref.intercept_, rtol=0, atol=1e-6)


# --- degenerate data: typed errors, never NaN --------------------------------------------------


def test_perfect_separation_is_an_error_and_penalty_fixes_it() -> None:
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.raises(crmkit.NumericalError, match="separation"):
        crmkit.LogisticRegression().fit(X, y)
    m = crmkit.LogisticRegression(C=1.0).fit(X, y)
    assert np.isfinite(m.coef_).all()


def test_constant_and_collinear_columns() -> None:
    X, y = data(6, 100)
    const = np.column_stack([X, np.full(len(y), 3.0)])
    with pytest.raises(crmkit.NumericalError, match="constant"):
        crmkit.LogisticRegression().fit(const, y)
    coll = np.column_stack([X, X[:, 0] * 2 + X[:, 1]])
    with pytest.raises(crmkit.NumericalError, match="collinear"):
        crmkit.LogisticRegression().fit(coll, y)
    # A penalty makes both estimable.
    assert np.isfinite(crmkit.LogisticRegression(C=1.0).fit(coll, y).coef_).all()


def test_near_certain_rows_warn_not_nan() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = (rng.random(200) < 1 / (1 + np.exp(-2 * x))).astype(np.float64)
    X, Y = np.r_[x, 10.0][:, None], np.r_[y, 1.0]
    with pytest.warns(crmkit.CrmkitWarning, match="quasi-separation"):
        m = crmkit.LogisticRegression().fit(X, Y)
    assert np.isfinite(m.coef_).all() and np.isfinite(m.summary()["std_err"]).all()


def test_single_class_and_bad_values() -> None:
    X, _ = data(7, 50)
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.LogisticRegression().fit(X, np.zeros(50))
    assert e.value.field == "y"
    y = np.r_[np.zeros(25), np.ones(25)]
    y[3] = 2
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.LogisticRegression().fit(X, y)
    assert (e.value.field, e.value.row) == ("y", 3)
    y[3] = 0
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame.loc[7, "c"] = np.nan
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.LogisticRegression().fit(frame, y)
    assert (e.value.field, e.value.row) == ("c", 7)
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.LogisticRegression().fit(X, y, sample_weight=-np.ones(50))
    assert (e.value.field, e.value.row) == ("sample_weight", 0)
    with pytest.raises(crmkit.LengthMismatchError):
        crmkit.LogisticRegression().fit(X, y[:-1])
    with pytest.raises(crmkit.ConfigError):
        crmkit.LogisticRegression(C=0.0).fit(X, y)
    with pytest.raises(crmkit.ConfigError):
        crmkit.LogisticRegression(C=1.0, l2_penalty=1.0).fit(X, y)
    with pytest.raises(crmkit.ConfigError):
        crmkit.LogisticRegression().predict_proba(X)


# --- input layouts and families ------------------------------------------------------------


def test_layouts_and_frames_agree() -> None:
    X, y = data(8)
    base = crmkit.LogisticRegression().fit(X, y)
    names = ["tenure", "orders", "tickets", "spend"]
    pdf = pd.DataFrame(X, columns=names)
    inputs = [
        np.asfortranarray(X),
        np.repeat(X, 2, axis=1)[:, ::2],  # a strided view
        pdf,
        pl.from_pandas(pdf),
        pa.Table.from_pandas(pdf),
        {k: pdf[k].to_numpy() for k in names},
    ]
    for inp in inputs:
        m = crmkit.LogisticRegression().fit(inp, y)
        np.testing.assert_allclose(m.coef_, base.coef_, atol=1e-9)
        np.testing.assert_allclose(m.predict_proba(inp), base.predict_proba(X), atol=1e-12)
    s = crmkit.LogisticRegression().fit(pl.from_pandas(pdf), y).summary()
    assert isinstance(s, pl.DataFrame)
    assert s["term"].to_list() == ["intercept", *names]
    assert isinstance(crmkit.LogisticRegression().fit(X, y).summary(), dict)
    ints = np.round(X * 10).astype(np.int64)
    np.testing.assert_allclose(
        crmkit.LogisticRegression().fit(ints, y).coef_,
        crmkit.LogisticRegression().fit(ints.astype(np.float64), y).coef_,
    )
    assert isinstance(crmkit.LogisticRegression().fit(pa.Table.from_pandas(pdf), y).summary(), pa.Table)


def test_predict_checks_frame_columns() -> None:
    X, y = data(11)
    frame = pd.DataFrame(X, columns=list("abcd"))
    m = crmkit.LogisticRegression().fit(frame, y)
    with pytest.raises(crmkit.ConfigError) as e:
        m.predict_proba(frame[list("dcba")])
    assert e.value.field == "X"
    np.testing.assert_array_equal(m.predict_proba(X), m.predict_proba(frame))
    assert set(np.unique(m.predict(frame))) <= {0, 1}


def test_pickle_and_json_round_trip() -> None:
    X, y = data(9)
    m = crmkit.LogisticRegression(C=0.7).fit(pd.DataFrame(X, columns=list("abcd")), y)
    for back in (pickle.loads(pickle.dumps(m)), crmkit.LogisticRegression.from_json(m.to_json())):
        np.testing.assert_array_equal(back.coef_, m.coef_)
        np.testing.assert_array_equal(back.intercept_, m.intercept_)
        np.testing.assert_array_equal(back.predict_proba(X), m.predict_proba(X))
        assert list(back.feature_names_in_) == list("abcd")
    fit = m._fit
    assert pickle.loads(pickle.dumps(fit)) == fit


# --- evaluation ------------------------------------------------------------------------------


def test_evaluate_matches_sklearn_metrics() -> None:
    X, y = data(10, 2000)
    p = crmkit.LogisticRegression().fit(X, y).predict_proba(X)[:, 1]
    r = crmkit.evaluate(y, p)
    assert r["n"] == 2000
    np.testing.assert_allclose(r["auc"], sklearn_metrics.roc_auc_score(y, p), rtol=1e-12)
    np.testing.assert_allclose(r["log_loss"], sklearn_metrics.log_loss(y, p), rtol=1e-12)
    np.testing.assert_allclose(r["brier_score"], sklearn_metrics.brier_score_loss(y, p), rtol=1e-12)
    cal = r["calibration"]
    assert list(cal["n"]) == [200] * 10
    order = np.argsort(p)
    for b in range(10):
        rows = order[b * 200 : (b + 1) * 200]
        np.testing.assert_allclose(cal["mean_predicted"][b], p[rows].mean())
        np.testing.assert_allclose(cal["observed_rate"][b], y[rows].mean())
    top = order[-200:]
    np.testing.assert_allclose(r["lift"], y[top].mean() / y.mean())
    np.testing.assert_allclose(r["capture_rate"], y[top].sum() / y.sum())


def test_evaluate_ties_and_families() -> None:
    y = pd.Series([0, 0, 1, 1, 0, 1])
    p = pd.Series([0.1, 0.4, 0.35, 0.8, 0.4, 0.4])
    r = crmkit.evaluate(y, p)
    np.testing.assert_allclose(r["auc"], sklearn_metrics.roc_auc_score(y, p))
    assert isinstance(r["calibration"], pd.DataFrame)
    assert isinstance(crmkit.evaluate(pl.Series(y), pl.Series(p))["calibration"], pl.DataFrame)


def test_evaluate_bad_input() -> None:
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.evaluate([0, 0], [0.1, 0.2])
    assert e.value.field == "y"
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.evaluate([0, 1, 1], [0.1, 1.2, 0.3])
    assert (e.value.field, e.value.row) == ("predicted", 1)
    with pytest.raises(crmkit.LengthMismatchError):
        crmkit.evaluate([0, 1], [0.1])
    with pytest.raises(crmkit.EmptyInputError):
        crmkit.evaluate([], [])
