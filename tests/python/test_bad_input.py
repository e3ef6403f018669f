"""Issue 12, "bad input anywhere": every finding of the adversarial probe that is not about
reading a log's columns, reproduced on the public Python API.

Each test states the finding it reproduces. Expected values are exact by construction (stated
next to each) unless a tolerance is given.
"""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit
from crmkit import _crmkit

EMAIL = "john.doe@example.com"
PHONE = "+1 555 123 4567"


def _message(exc_info: pytest.ExceptionInfo[BaseException]) -> str:
    return str(exc_info.value)


# --- personal data in errors -----------------------------------------------------------------


def test_value_scores_error_does_not_echo_the_id() -> None:
    df = pd.DataFrame({"customer_id": [EMAIL, PHONE, EMAIL], "historical": [1.0, 2.0, 3.0], "potential": [1.0] * 3, "strategic": [0.0] * 3})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.value_scores(df)
    assert "john" not in _message(e) and "(customer id)" in _message(e)
    assert e.value.row == 2


def test_aggregate_needs_errors_do_not_echo_ids() -> None:
    customers = pd.DataFrame({"customer_id": [EMAIL, EMAIL], "industry": ["it", "it"]})
    needs = pd.DataFrame({"customer_id": [PHONE], "topic": ["api"], "type": ["product"]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.aggregate_needs(needs, customers, group="industry")
    assert "john" not in _message(e) and "(customer id)" in _message(e)
    customers = pd.DataFrame({"customer_id": [EMAIL], "industry": ["it"]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.aggregate_needs(needs, customers, group="industry")
    assert "555" not in _message(e) and "(customer id)" in _message(e)


def test_stage_migration_and_metrics_errors_do_not_echo_ids() -> None:
    before = pd.DataFrame({"customer_id": [EMAIL, EMAIL], "stage": ["onboarding", "retained"]})
    after = pd.DataFrame({"customer_id": [EMAIL], "stage": ["retained"]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.stage_migration(before, after)
    assert "john" not in _message(e) and "(customer id)" in _message(e)
    stages = pd.DataFrame({"customer_id": [EMAIL], "stage": ["retained"]})
    metrics = pd.DataFrame({"customer_id": [EMAIL, EMAIL], "clv": [1.0, 2.0]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.stage_metrics(stages, metrics)
    assert "john" not in _message(e) and "(customer id)" in _message(e)


def test_a_one_megabyte_value_gives_a_short_message() -> None:
    huge = "x" * 1_000_000
    stages = pd.DataFrame({"customer_id": [1], "stage": [huge]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.stage_metrics(stages)
    assert len(_message(e)) < 300
    customers = pd.DataFrame({"customer_id": [huge, huge], "industry": ["it", "it"]})
    needs = pd.DataFrame({"customer_id": [huge], "topic": ["api"], "type": ["product"]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.aggregate_needs(needs, customers, group="industry")
    assert len(_message(e)) < 300


# --- sizes beyond the memory -------------------------------------------------------------------


@pytest.mark.parametrize("n", [2**33, 2**62, 2**64 - 1, 2**70])
def test_churn_index_refuses_sizes_beyond_the_memory(n: int) -> None:
    # Was: a 618 GB allocation aborted the process for n = 2**33.
    with pytest.raises(crmkit.ConfigError) as e:
        _crmkit.ChurnIndexOptions().score({}, n)
    assert e.value.field == "n"


def test_stage_migration_of_thirty_thousand_labels() -> None:
    # Was: two 30k x 30k matrices (7.2 GB) allocated and the process aborted.
    n = 30_000
    before = [f"l{i}" for i in range(n)]
    after = [f"l{(i + 1) % n}" for i in range(n)]
    with pytest.raises(crmkit.ConfigError) as e:
        crmkit.stage_migration(before, after, customer_id=None)
    assert e.value.field == "labels" and "matrices=False" in _message(e)
    out = crmkit.stage_migration(before, after, customer_id=None, matrices=False)
    assert len(out["flows"]["count"]) == n and set(out) == {"labels", "flows", "moves"}
    assert (out["flows"]["count"] == 1).all() and (out["flows"]["rate"] == 1.0).all()


def test_stage_migration_flows_match_the_matrices() -> None:
    q1 = pd.DataFrame({"customer_id": [1, 2, 3, 4], "tier": ["a", "b", "b", "b"]})
    q2 = pd.DataFrame({"customer_id": [1, 2, 3, 4], "tier": ["b", "b", "a", "a"]})
    out = crmkit.stage_migration(q1, q2, label="tier")
    flows = out["flows"]
    # b -> a: 2 of 3, b -> b: 1 of 3, a -> b: 1 of 1 (counted by hand).
    got = {(f, t): (c, r) for f, t, c, r in zip(flows["from"], flows["to"], flows["count"], flows["rate"])}
    assert got == {("a", "b"): (1, 1.0), ("b", "a"): (2, 2 / 3), ("b", "b"): (1, 1 / 3)}
    counts = out["counts"].set_index("from")
    assert counts.loc["b", "a"] == 2 and counts.loc["a", "a"] == 0


# --- wrapping and infinite statistics ---------------------------------------------------------


def test_compare_nps_refuses_counts_that_wrap() -> None:
    # Was: NPS 1.8e20 with lower > upper.
    with pytest.raises(crmkit.ConfigError) as e:
        crmkit.compare_nps((2**63, 2**63, 5), (1, 1, 1))
    assert e.value.field == "counts_a"  # 2**63 is beyond the 64-bit signed range of an option
    with pytest.raises(crmkit.ConfigError) as e:
        crmkit.compare_nps((2**62, 2**62, 5), (1, 1, 1))
    assert e.value.field == "counts"  # more than 2**53 respondents
    with pytest.raises(crmkit.ConfigError):
        crmkit.compare_nps((2**64, 0, 0), (1, 1, 1))
    with pytest.raises(crmkit.ConfigError):
        crmkit.compare_nps((-1, 0, 0), (1, 1, 1))


def test_compare_nps_with_zero_standard_error_is_not_infinite() -> None:
    with pytest.raises(crmkit.NumericalError):
        crmkit.compare_nps((5, 0, 0), (0, 0, 5))
    same = crmkit.compare_nps((5, 0, 0), (5, 0, 0))
    assert (same.z, same.p_value) == (0.0, 1.0)


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(st.integers(0, 2**64 + 5), st.integers(0, 2**64 + 5), st.integers(0, 2**64 + 5)),
    st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(1, 50)),
)
def test_compare_nps_is_finite_or_an_error(a: tuple[int, int, int], b: tuple[int, int, int]) -> None:
    try:
        c = crmkit.compare_nps(a, b)
    except crmkit.CrmkitError:
        return
    assert math.isfinite(c.z) and math.isfinite(c.difference)
    assert c.lower <= c.upper and -200 <= c.difference <= 200


# --- flags and missing groups -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["no", "false", "False", "0", "yes"])
def test_text_flags_are_refused(text: str) -> None:
    # Was: 'no' / 'false' counted as true.
    data = pd.DataFrame({"important": [True, text], "urgent": [False, False]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.prioritise_needs(data, important="important", urgent="urgent")
    assert (e.value.field, e.value.row) == ("important", 1)


def test_numeric_flags_are_read() -> None:
    data = pd.DataFrame({"important": [1, 0], "urgent": [0.0, 1.0]})
    out = crmkit.prioritise_needs(data, important="important", urgent="urgent")
    assert list(out["quadrant"]) == ["schedule", "delegate"]


def test_a_missing_group_is_not_a_group_called_none() -> None:
    # Was: None became the group "None".
    needs = pd.DataFrame({"customer_id": ["a"], "topic": ["api"], "type": ["product"]})
    customers = pd.DataFrame({"customer_id": ["a", "b"], "industry": ["it", None]})
    with pytest.raises(crmkit.MissingValueError) as e:
        crmkit.aggregate_needs(needs, customers, group="industry")
    assert (e.value.field, e.value.row) == ("group", 1)
    customers = pd.DataFrame({"customer_id": ["a", None], "industry": ["it", "it"]})
    with pytest.raises(crmkit.MissingValueError) as e:
        crmkit.aggregate_needs(needs, customers, group="industry")
    assert (e.value.field, e.value.row) == ("customer_id", 1)


# --- documented rules at extreme values -------------------------------------------------------


@pytest.mark.parametrize("p", [1e-300, 5e-324, 1e-9])
def test_core_customers_tiny_percentage_keeps_one(p: float) -> None:
    # Documented: ceil(p * n / 100), so any p > 0 keeps at least one customer. Was: 0.
    s = crmkit.value_scores({"customer_id": [1, 2, 3], "historical": [1.0, 2.0, 3.0], "potential": [1.0] * 3, "strategic": [0.0] * 3})
    assert len(crmkit.core_customers(s, top_percent=p)["customer_id"]) == 1


def test_spend_frequency_correlation_refuses_negative_spend() -> None:
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.spend_frequency_correlation([1.0, 2.0, 3.0], [10.0, -5.0, 30.0])
    assert (e.value.field, e.value.row) == ("mean_spend", 1)


def test_retention_clv_overflow_is_an_error() -> None:
    # Was: inf (1e308 x 100).
    with pytest.raises(crmkit.CrmkitError) as e:
        crmkit.retention_clv(1e308, 0.99, 0)
    assert e.value.field == "margin_per_period"


def test_gini_near_the_largest_float() -> None:
    # One holder of everything among 3: G = (n - 1) / n = 2/3. Was: inf.
    c = crmkit.concentration([0.0, 0.0, 8.98e307])
    assert c["gini"] == pytest.approx(2 / 3, abs=1e-15)


def test_min_max_fit_on_a_subnormal_range() -> None:
    # Was: NaN scores. R and F are flat (0.5 each), M goes 0 -> 1 with weight 0.5.
    m = np.array([0.0, 5e-324])
    fit = crmkit.MinMaxFit.fit(np.array([1.0, 1.0]), np.array([1.0, 1.0]), m)
    s = fit.score(np.array([1.0, 1.0]), np.array([1.0, 1.0]), m, weights=(0.25, 0.25, 0.5))
    assert np.isfinite(s).all()
    assert s[1] - s[0] == pytest.approx(0.5, abs=1e-12)


def test_shares_of_totals_beyond_the_largest_float() -> None:
    # Was: inf / NaN shares.
    _, summary = crmkit.value_potential_matrix({"value": [1.7e308, 1.7e308], "potential": [0.9, 0.1]}, thresholds=(1.0, 0.5))
    shares = [s for s in np.asarray(summary["value_share"], dtype=float) if not np.isnan(s)]
    assert all(math.isfinite(s) for s in shares) and sum(shares) == pytest.approx(1.0)
    g = crmkit.nps_group_outcomes({"answer": [10, 9, 0], "repurchased": [True, True, False], "clv": [1.7e308, 1.7e308, 1.0]})
    assert list(g["mean_clv"]) == [1.0, pytest.approx(float("nan"), nan_ok=True), 1.7e308]
    stages = pd.DataFrame({"customer_id": [1, 2], "stage": ["retained", "retained"]})
    metrics = pd.DataFrame({"customer_id": [1, 2], "clv": [1.7e308, 1.7e308]})
    with pytest.raises(crmkit.NumericalError):
        crmkit.stage_metrics(stages, metrics, all_columns=True)


# --- quadratic de-duplication ------------------------------------------------------------------


def test_playbook_recommend_is_linear() -> None:
    # Was: > 5 s for 2e5 actions (a list search per action).
    n = 200_000
    actions = [f"action {i % (n // 2)}" for i in range(n)]
    pb = crmkit.Playbook.from_json(json.dumps({"alerts": {"red": {"actions": actions, "channels": ["phone"]}}}))
    start = time.perf_counter()
    rec = pb.recommend(alert="red")
    took = time.perf_counter() - start
    assert len(rec["actions"]) == n // 2 and rec["actions"][:2] == ["action 0", "action 1"]
    assert took < 5.0, took


# --- integer options beyond 64 bits ------------------------------------------------------------

_INT_OPTIONS = [
    ("max_iter", lambda v: crmkit.LogisticRegression(max_iter=v).fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 1, 0, 1])),
    ("n_bins", lambda v: crmkit.evaluate([0, 1], [0.2, 0.8], n_bins=v)),
    ("k", lambda v: _crmkit.QuantileBins.fit_apply(np.array([1.0, 2.0, 3.0]), k=v)),
    ("horizon", lambda v: crmkit.retention_clv(10.0, 0.5, 0.1, horizon=v)),
    ("top_k", lambda v: _crmkit.core_list_size(3, top_k=v)),
    ("n", lambda v: _crmkit.core_list_size(v, top_k=1)),
    ("promoters", lambda v: _crmkit.nps_from_counts(v, 0, 0)),
    ("successes", lambda v: crmkit.proportion_interval(v, 10)),
    ("trials", lambda v: crmkit.proportion_interval(1, v)),
]


@pytest.mark.parametrize(("field", "call"), _INT_OPTIONS, ids=[f for f, _ in _INT_OPTIONS])
@pytest.mark.parametrize("value", [2**63, 2**100, -(2**63) - 1])
def test_integer_options_beyond_64_bits_are_config_errors(field: str, call, value: int) -> None:  # type: ignore[no-untyped-def]
    # Was: Python's OverflowError before crmkit could name the field.
    with pytest.raises(crmkit.ConfigError) as e:
        call(value)
    assert e.value.field == field


# --- loaded models -----------------------------------------------------------------------------


def _fitted_json() -> str:
    m = crmkit.LogisticRegression().fit(np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]]), [0, 0, 1, 0, 1, 1])
    return m.to_json()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[1, 2]",
        "42",
        "[" * 100_000,
        '{"params": {}}',
        '{"params": {"bogus": 1}, "fit": null}',
        '{"params": [], "fit": null}',
    ],
)
def test_logistic_from_json_bad_text_is_a_config_error(text: str) -> None:
    # Was: JSONDecodeError / KeyError / RecursionError / TypeError.
    with pytest.raises(crmkit.ConfigError):
        crmkit.LogisticRegression.from_json(text)


def test_logistic_from_json_truncated_is_a_config_error() -> None:
    text = _fitted_json()
    for cut in range(1, len(text), max(1, len(text) // 40)):
        with pytest.raises(crmkit.ConfigError):
            crmkit.LogisticRegression.from_json(text[:cut])


def test_logistic_from_json_validates_the_fit() -> None:
    state = json.loads(_fitted_json())
    assert crmkit.LogisticRegression.from_json(json.dumps(state)).coef_.shape == (1, 1)
    # A coefficient of 1e308 is finite: it loads, but a row whose linear predictor overflows
    # is an error naming the row, never inf.
    state["fit"]["coefficients"] = [1e308]
    m = crmkit.LogisticRegression.from_json(json.dumps(state))
    with pytest.raises(crmkit.InvalidValueError) as e:
        m.decision_function(np.array([[0.0], [3.0]]))
    assert e.value.row == 1
    for key, bad in [("coefficients", [1.0, 2.0, "x"]), ("l2_penalty", -1.0), ("log_likelihood", 5.0), ("intercept", "1e999")]:
        s = json.loads(_fitted_json())
        s["fit"][key] = bad
        with pytest.raises(crmkit.ConfigError):
            crmkit.LogisticRegression.from_json(json.dumps(s))
    s = json.loads(_fitted_json())
    s["fit"]["coefficients"] = [1.0, 2.0]  # inference no longer matches
    with pytest.raises(crmkit.ConfigError):
        crmkit.LogisticRegression.from_json(json.dumps(s))


@pytest.mark.parametrize("model", [crmkit.BgNbd, crmkit.GammaGamma])
@pytest.mark.parametrize("text", ["", "{", "[" * 100_000, "[]", '{"model": "BgNbd", "options": {"bogus": 1}}'])
def test_clv_from_json_bad_text_is_a_config_error(model, text: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(crmkit.ConfigError):
        model.from_json(text)


def test_report_cell_values_in_errors_are_capped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "log.csv"
    path.write_text("customer_id,timestamp,amount\n1,2024-01-01," + "9" * 10 + "x" * 100_000 + "\n")
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.report(path, as_of="2024-12-31")
    assert len(_message(e)) < 300
