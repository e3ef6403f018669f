"""Bad input: a typed error naming the field, row and value; never a panic or a silent NaN."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import crmkit

AS_OF = "2025-12-01"


def log(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "customer_id": np.array([1, 2, 2, 3]),
        "timestamp": np.array(["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"], dtype="datetime64[D]"),
        "amount": np.array([10.0, 20.0, 5.0, 7.5]),
    }
    base.update(overrides)
    return base


def features(**overrides: object) -> object:
    return crmkit.rfm_features(**log(**overrides), as_of=overrides.pop("as_of", AS_OF))  # type: ignore[arg-type]


def test_hierarchy() -> None:
    for cls in (
        crmkit.EmptyInputError,
        crmkit.LengthMismatchError,
        crmkit.MissingValueError,
        crmkit.InvalidValueError,
        crmkit.ObservationDateError,
        crmkit.ConfigError,
        crmkit.ConvergenceError,
        crmkit.NumericalError,
    ):
        assert issubclass(cls, crmkit.CrmkitError)
    assert issubclass(crmkit.CrmkitError, ValueError)


def test_empty_input() -> None:
    with pytest.raises(crmkit.EmptyInputError) as info:
        features(customer_id=np.array([], dtype=np.int64), timestamp=np.array([], dtype="datetime64[D]"), amount=np.array([]))
    assert info.value.field == "customer_id"


@pytest.mark.parametrize(
    "ids",
    [
        pd.Series([1, None, 2, 3], dtype="Int64"),
        pd.Series(["a", None, "b", "c"]),
        pl.Series([1, None, 2, 3]),
        pa.array(["a", None, "b", "c"]),
        np.array(["a", None, "b", "c"], dtype=object),
    ],
)
def test_null_ids_name_the_row(ids: object) -> None:
    with pytest.raises(crmkit.MissingValueError, match="row 1") as info:
        features(customer_id=ids)
    assert (info.value.field, info.value.row) == ("customer_id", 1)


def test_null_timestamps_name_the_row() -> None:
    ts = np.array(["2025-01-01", "NaT", "2025-03-01", "2025-04-01"], dtype="datetime64[D]")
    with pytest.raises(crmkit.MissingValueError) as info:
        features(timestamp=ts)
    assert (info.value.field, info.value.row) == ("timestamp", 1)
    with pytest.raises(crmkit.MissingValueError):
        features(timestamp=pa.array([None, 1, 2, 3], type=pa.date32()))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_amounts(bad: float) -> None:
    with pytest.raises(crmkit.InvalidValueError, match=r"invalid `amount` at row 2") as info:
        features(amount=np.array([1.0, 2.0, bad, 3.0]))
    assert (info.value.field, info.value.row) == ("amount", 2)


def test_null_amounts_are_missing_not_nan() -> None:
    with pytest.raises(crmkit.MissingValueError):
        features(amount=pd.Series([1.0, None, 2.0, 3.0], dtype="Float64"))


def test_negative_amounts_are_an_error_unless_netted() -> None:
    amounts = np.array([10.0, 20.0, -5.0, 7.5])
    with pytest.raises(crmkit.InvalidValueError, match="-5") as info:
        features(amount=amounts)
    assert info.value.row == 2
    with pytest.warns(crmkit.CrmkitWarning, match="1 refund rows were netted"):
        out = crmkit.rfm_features(**log(amount=amounts), as_of=AS_OF, negative_amounts="net")  # type: ignore[arg-type]
    np.testing.assert_allclose(out["monetary"], [10.0, 15.0, 7.5])
    np.testing.assert_array_equal(out["frequency"], [1, 1, 1])


def test_mismatched_lengths() -> None:
    with pytest.raises(crmkit.LengthMismatchError, match="`amount` has 3 rows, expected 4"):
        features(amount=np.array([1.0, 2.0, 3.0]))


def test_transactions_after_as_of() -> None:
    with pytest.raises(crmkit.ObservationDateError, match="2025-04-01 > as_of 2025-03-15") as info:
        crmkit.rfm_features(**log(), as_of="2025-03-15")  # type: ignore[arg-type]
    assert info.value.row == 3
    with pytest.warns(crmkit.CrmkitWarning, match="1 of 4 rows were after as_of and excluded; 1 customers had rows only after"):
        out = crmkit.rfm_features(**log(), as_of="2025-03-15", after_as_of="exclude")  # type: ignore[arg-type]
    assert list(out["customer_id"]) == [1, 2]


@pytest.mark.parametrize(
    ("weights", "message"),
    [((0.5, 0.6, -0.1), "finite and >= 0"), ((0.5, 0.6, 0.1), "sum to 1"), ((np.nan, 0.5, 0.5), "finite")],
)
def test_bad_weights(weights: tuple[float, float, float], message: str) -> None:
    with pytest.raises(crmkit.ConfigError, match=message) as info:
        crmkit.RfmModel(weights=weights)
    assert info.value.field == "weights"


def test_unordered_thresholds() -> None:
    with pytest.raises(crmkit.ConfigError, match="strictly increasing") as info:
        crmkit.RfmModel(thresholds=(0.8, 0.5))
    assert info.value.field == "thresholds"


@pytest.mark.parametrize(
    ("rules", "field", "message"),
    [
        ({"k": 5, "rules": [{"segment": "best", "r": [5, 5]}]}, "rules", "others"),
        ({"k": 5, "rules": [{"segment": "x", "r": [4, 9]}, {"segment": "y"}]}, "rules[0].r", "9"),
        ({"k": 5, "rules": [{"segment": "x", "q": [1, 2]}, {"segment": "y"}]}, "segment_rules", "unknown field"),
        ('{"k": 5, "rules": [', "segment_rules", "EOF"),
        ({"k": 5, "rules": []}, "rules", "at least one rule"),
    ],
)
def test_malformed_rule_sets(rules: object, field: str, message: str) -> None:
    with pytest.raises(crmkit.ConfigError, match=message) as info:
        crmkit.segment_rules(rules)
    assert info.value.field == field


def test_rule_set_k_must_match_the_model() -> None:
    with pytest.raises(crmkit.ConfigError, match="k = 5"):
        crmkit.RfmModel(k=4)


def test_missing_columns_and_bad_as_of() -> None:
    frame = pd.DataFrame(log())
    with pytest.raises(crmkit.ConfigError, match="no column 'when'"):
        crmkit.rfm_features(frame, as_of=AS_OF, timestamp="when")
    with pytest.raises(crmkit.ConfigError, match="as_of"):
        crmkit.rfm_features(frame, as_of="31/12/2025")


def test_scores_reject_nan_with_the_row() -> None:
    fit = crmkit.MinMaxFit.fit(np.array([1.0, 2.0]), np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    with pytest.raises(crmkit.InvalidValueError) as info:
        fit.score(np.array([1.0, 2.0]), np.array([1.0, np.nan]), np.array([1.0, 2.0]))
    assert (info.value.field, info.value.row) == ("frequency", 1)
    with pytest.raises(crmkit.InvalidValueError):
        crmkit.QuantileBins.fit_apply(np.array([1.0, np.nan]))
    with pytest.raises(crmkit.InvalidValueError, match="m_score"):
        crmkit.SegmentRules.rf_grid().assign(np.ones(2, np.uint8), np.ones(2, np.uint8), np.array([1, 9], np.uint8))


def test_personal_fields_never_appear_in_errors() -> None:
    names = np.array(["Zhang San", "Li Si", "Li Si", "Wang Wu"], dtype=object)
    with pytest.raises(crmkit.InvalidValueError) as info:
        features(customer_id=names, amount=np.array([1.0, np.nan, 1.0, 1.0]))
    assert "Li Si" not in str(info.value)


def test_negative_or_huge_whole_numbers_are_config_errors() -> None:
    # Unsigned integer options went through PyO3's unsigned conversions, which raise Python's
    # OverflowError; each is now a crmkit.ConfigError naming the field.
    x, t_x, big_t = np.array([1.0, 2.0, 0.0, 3.0]), np.array([1.0, 2.0, 0.0, 3.0]), np.full(4, 5.0)
    bb = crmkit.BgBb.from_params(alpha=1.2, beta=0.75, gamma=0.66, delta=2.78)
    scores = crmkit.value_scores(
        {"customer_id": [1, 2], "historical": [1.0, 2.0], "potential": [1.0, 2.0], "strategic": [0.0, 0.0]}
    )
    calls = {
        "max_iterations": [
            lambda: crmkit.BgNbd(max_iterations=-1).fit(x, t_x, big_t),
            lambda: crmkit.GammaGamma(max_iterations=-5).fit(np.array([1.0, 2.0]), np.array([3.0, 4.0])),
            lambda: crmkit.BgBb(max_iterations=-1).fit(np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([6.0, 6.0])),
        ],
        "max_iter": [lambda: crmkit.LogisticRegression(max_iter=-1).fit(np.ones((4, 1)), [0, 1, 0, 1])],
        "n_bins": [lambda: crmkit.evaluate([0, 1, 1, 0], [0.1, 0.2, 0.3, 0.4], n_bins=-1)],
        "k": [
            lambda: crmkit.QuantileBins.fit_apply(np.array([1.0, 2.0]), -1, True),
            lambda: crmkit.QuantileBins.fit_apply(np.array([1.0, 2.0]), 300, True),
        ],
        "successes": [lambda: crmkit.proportion_interval(-1, 5)],
        "trials": [lambda: crmkit.proportion_interval(1, -5)],
        "future": [
            lambda: bb.expected_purchases([1.0], -1, [2.0], [3.0]),
            lambda: bb.probability_alive([1.0], [2.0], [3.0], future=-1),
        ],
        "top_k": [lambda: crmkit.core_customers(scores, top_k=-1)],
        "horizon": [lambda: crmkit.retention_clv([10.0], retention=0.8, discount_rate=0.1, horizon=-1)],
        "window_days": [lambda: features(window_days=-1)],
    }
    for field, fns in calls.items():
        for call in fns:
            with pytest.raises(crmkit.ConfigError) as info:
                call()
            assert info.value.field == field, (field, str(info.value))
