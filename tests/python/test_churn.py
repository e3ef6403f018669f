"""Churn warning signals and the churn risk index."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit

AS_OF = "2024-06-30"


def logs() -> tuple[pd.DataFrame, pd.DataFrame]:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c", "c"],
            "timestamp": pd.to_datetime(
                ["2024-01-05", "2024-02-05", "2024-03-05", "2024-06-20", "2024-06-01", "2023-11-01", "2024-05-20"]
            ),
            "amount": [100.0, 100.0, 100.0, 40.0, 30.0, 80.0, 20.0],
        }
    )
    ix = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "d"],
            "timestamp": pd.to_datetime(["2024-03-01", "2024-06-25", "2024-06-20", "2024-06-22", "2024-06-10"]),
            "kind": ["login", "complaint", "bad_review", "competitor_contact", "visit"],
        }
    )
    return tx, ix


# --- The worked examples -----------------------------------------------------------------


def test_worked_examples_give_8_and_6() -> None:
    signals = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "activity_drop": [0.8, 1 - 1 / 10],
            "order_value_change": [-0.4, -0.6],
            "negative_feedback": [2.0, 0.0],
            "competitor_contact": [True, False],
        }
    )
    risk = crmkit.churn_risk(signals)
    assert risk["churn_index"].tolist() == [8, 6]
    assert risk["alert"].astype(str).tolist() == ["red", "yellow"]
    assert risk["action"].tolist() == ["personal_call_back_with_exclusive_offer", "new_product_trial_voucher"]
    assert risk["weighted_strength"].round(6).tolist() == [0.74, 0.54]


def test_worked_example_through_signal_overrides() -> None:
    tx, ix = logs()
    overrides = pd.DataFrame(
        {
            "customer_id": ["a"],
            "activity_drop": [0.8],
            "order_value_change": [-0.4],
            "negative_feedback": [2.0],
            "competitor_contact": [1.0],
        }
    )
    s = crmkit.churn_signals(tx, ix, as_of=AS_OF, overrides=overrides)
    # The worked example weighs four signals: the purchase gap (weighted by default, docs/churn.md)
    # is set to weight 0 to reproduce it from a log.
    four = {"purchase_gap": {"weight": 0.0, "zero_at": 1.0, "full_at": 2.0}}
    risk = crmkit.churn_risk(s, four)
    assert risk.loc[risk["customer_id"] == "a", "churn_index"].item() == 8


def test_options_json_and_pickle() -> None:
    o = crmkit.ChurnIndexOptions.from_json('{"red_from": 9}')
    assert (o.red_from, o.yellow_from) == (9, 5)
    assert dict(o.weights)["activity_drop"] == 0.4
    assert pickle.loads(pickle.dumps(o)) == o
    assert crmkit.ChurnIndexOptions.from_json(o.to_json()) == o
    signals = {"activity_drop": np.array([0.8]), "order_value_change": np.array([-0.4]),
               "negative_feedback": np.array([2.0]), "competitor_contact": np.array([1.0])}
    assert crmkit.churn_risk(signals, {"red_from": 9})["alert"].tolist() == ["yellow"]
    assert crmkit.churn_risk(signals, o)["churn_index"].tolist() == [8]
    with pytest.raises(crmkit.ConfigError):
        crmkit.ChurnIndexOptions.from_json('{"red_form": 9}')
    with pytest.raises(crmkit.ConfigError) as e:
        crmkit.ChurnIndexOptions.from_json('{"yellow_from": 9}')
    assert e.value.field == "yellow_from, red_from"


def test_missing_signals_renormalise_and_unscored() -> None:
    risk = crmkit.churn_risk({"competitor_contact": np.array([1.0, np.nan])})
    assert risk["churn_index"][0] == 10
    assert np.isnan(risk["churn_index"][1])
    assert risk["alert"][1] is None and risk["action"][1] is None


# --- signals from logs -----------------------------------------------------------------------


def test_signals_from_logs() -> None:
    tx, ix = logs()
    s = crmkit.churn_signals(tx, ix, as_of=AS_OF)
    assert s["customer_id"].tolist() == ["a", "b", "c", "d"]
    a, b, c, d = (s.iloc[i] for i in range(4))
    assert a["negative_feedback"] == 1.0 and "negative_feedback" in a["reasons"]
    assert b["competitor_contact"] and "competitor_contact" in b["reasons"]
    assert b["negative_feedback"] == 1.0
    # c: two purchases 201 days apart; 41 days since the last.
    assert c["typical_interval_days"] == 201.0 and c["days_since_last_purchase"] == 41
    assert c["order_value_change"] is not None
    # d has interactions only: no purchase signals.
    assert pd.isna(d["purchase_gap_ratio"]) and d["purchase_days"] == 0
    reasons = crmkit.churn_reasons(tx, ix, as_of=AS_OF)
    assert set(reasons.columns) == {"customer_id", "reason", "value", "threshold", "rule"}
    flat = [(i, r) for i, rs in zip(s["customer_id"], s["reasons"]) for r in rs]
    assert list(zip(reasons["customer_id"], reasons["reason"])) == flat


def test_key_customer_and_nps() -> None:
    tx, ix = logs()
    extra = pd.DataFrame({"customer_id": ["a", "c", "e"], "key_customer": [True, True, False], "latest_nps": [3, 9, None]})
    s = crmkit.churn_signals(tx, ix, as_of=AS_OF, overrides=extra).set_index("customer_id")
    assert bool(s.loc["a", "nps_detractor"]) and "nps_detractor" in s.loc["a", "reasons"]
    assert not bool(s.loc["c", "nps_detractor"])
    assert "e" in s.index  # a customer known only from the attribute table
    assert pd.isna(s.loc["b", "service_silence"])  # not a key customer


def test_signal_options() -> None:
    tx, ix = logs()
    base = crmkit.churn_signals(tx, ix, as_of=AS_OF)
    loose = crmkit.churn_signals(tx, ix, as_of=AS_OF, options={"negative_feedback_min_count": 5})
    assert any("negative_feedback" in r for r in base["reasons"])
    assert not any("negative_feedback" in r for r in loose["reasons"])
    assert crmkit.churn_signal_options(silence_days=30)["silence_days"] == 30
    with pytest.raises(crmkit.ConfigError):
        crmkit.churn_signal_options(purchase_gap_multiple=0)


@pytest.mark.parametrize("fam", ["pandas", "polars", "pyarrow", "numpy"])
def test_frame_families(fam: str) -> None:
    tx, ix = logs()
    expected = crmkit.churn_signals(tx, ix, as_of=AS_OF)

    def convert(df: pd.DataFrame) -> object:
        if fam == "polars":
            return pl.from_pandas(df)
        if fam == "pyarrow":
            return pa.Table.from_pandas(df, preserve_index=False)
        if fam == "numpy":
            return {k: df[k].to_numpy() for k in df.columns}
        return df

    got = crmkit.churn_signals(convert(tx), convert(ix), as_of=AS_OF)
    if fam == "polars":
        assert isinstance(got, pl.DataFrame)
        got = got.to_pandas()
    elif fam == "pyarrow":
        assert isinstance(got, pa.Table)
        got = got.to_pandas()
    elif fam == "numpy":
        assert isinstance(got, dict)
        got = pd.DataFrame({k: list(v) for k, v in got.items()})
    assert [str(x) for x in got["customer_id"]] == expected["customer_id"].tolist()
    for col in ("activity_drop", "purchase_gap_ratio", "order_value_change", "negative_feedback"):
        np.testing.assert_allclose(got[col].astype(float), expected[col].astype(float))
    assert [list(r) for r in got["reasons"]] == expected["reasons"].tolist()
    risk = crmkit.churn_risk(crmkit.churn_signals(convert(tx), convert(ix), as_of=AS_OF))
    assert crmkit.churn_risk(expected)["churn_index"].tolist() == _ints(risk, "churn_index")


def _ints(frame: object, col: str) -> list[object]:
    if isinstance(frame, pl.DataFrame):
        return frame[col].to_list()
    if isinstance(frame, pa.Table):
        return frame.column(col).to_pylist()
    if isinstance(frame, dict):
        return [int(v) for v in frame[col]]
    return frame[col].tolist()  # type: ignore[attr-defined]


def test_integer_ids_and_interaction_kind_codes() -> None:
    tx = pd.DataFrame({"customer_id": [5, 7], "timestamp": pd.to_datetime(["2024-06-01", "2024-06-02"]), "amount": [1.0, 2.0]})
    ix = pd.DataFrame({"customer_id": [7], "timestamp": pd.to_datetime(["2024-06-03"]), "kind": pd.Categorical(["complaint"])})
    s = crmkit.churn_signals(tx, ix, as_of=AS_OF)
    assert s["customer_id"].tolist() == [5, 7]
    assert s["negative_feedback"].tolist() == [0.0, 1.0]


# --- bad input -----------------------------------------------------------------------------


def test_bad_input_names_field_and_row() -> None:
    tx, ix = logs()
    bad = tx.copy()
    bad.loc[2, "amount"] = -5.0
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.churn_signals(bad, ix, as_of=AS_OF)
    assert (e.value.field, e.value.row) == ("transactions.amount", 2)
    bad_ix = ix.copy()
    bad_ix.loc[3, "kind"] = "fax"
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.churn_signals(tx, bad_ix, as_of=AS_OF)
    assert (e.value.field, e.value.row) == ("kind", 3)
    with pytest.raises(crmkit.ObservationDateError) as e:
        crmkit.churn_signals(tx, ix, as_of="2024-06-21")
    assert (e.value.field, e.value.row) == ("interactions.day", 1)
    with pytest.raises(crmkit.ConfigError) as e:
        crmkit.churn_signals(tx, ix, as_of=AS_OF, options={"silense_days": 3})
    with pytest.raises(crmkit.ConfigError) as e:
        crmkit.churn_signals(tx, ix, as_of=AS_OF, kind="type")
    assert e.value.field == "kind"
    dup = pd.DataFrame({"customer_id": ["a", "a"], "latest_nps": [1, 2]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.churn_signals(tx, ix, as_of=AS_OF, overrides=dup)
    assert (e.value.field, e.value.row) == ("attributes.customer_id", 1)
    nps = pd.DataFrame({"customer_id": ["a", "b"], "latest_nps": [1, 11]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.churn_signals(tx, ix, as_of=AS_OF, overrides=nps)
    assert (e.value.field, e.value.row) == ("latest_nps", 1)


def test_after_as_of_exclude_warns() -> None:
    tx, ix = logs()
    with pytest.warns(crmkit.CrmkitWarning, match="after as_of"):
        s = crmkit.churn_signals(tx, ix, as_of="2024-06-21", options={"after_as_of": "exclude"})
    assert len(s) == 4


def test_risk_bad_input() -> None:
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.churn_risk({"activity_drop": np.array([0.1, np.inf])})
    assert (e.value.field, e.value.row) == ("activity_drop", 1)
    with pytest.raises(crmkit.ConfigError):
        crmkit.churn_risk({"activity_drop": np.array(["x"])})
    with pytest.raises(crmkit.ConfigError):
        crmkit.churn_risk({"foo": np.array([1.0])})


# --- invariants ------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_row_order_does_not_change_signals(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_tx, n_ix = 200, 300
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 30, n_tx),
            "timestamp": np.datetime64("2024-01-01") + rng.integers(0, 180, n_tx).astype("timedelta64[D]"),
            "amount": np.round(rng.lognormal(3, 1, n_tx), 2),
        }
    )
    kinds = ["visit", "login", "complaint", "bad_review", "competitor_contact", "outreach", "inbound"]
    ix = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 35, n_ix),
            "timestamp": np.datetime64("2024-01-01") + rng.integers(0, 180, n_ix).astype("timedelta64[D]"),
            "kind": rng.choice(kinds, n_ix),
        }
    )
    a = crmkit.churn_signals(tx, ix, as_of="2024-06-30")
    b = crmkit.churn_signals(
        tx.sample(frac=1, random_state=seed), ix.sample(frac=1, random_state=seed + 1), as_of="2024-06-30"
    )
    pd.testing.assert_frame_equal(a, b)
    risk = crmkit.churn_risk(a)
    idx = risk["churn_index"].dropna()
    assert idx.between(1, 10).all()


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-2, 5, allow_nan=False), min_size=4, max_size=4),
    flag=st.booleans(),
    which=st.integers(0, 3),
    bump=st.floats(0, 3),
)
def test_index_in_range_and_monotone(values: list[float], flag: bool, which: int, bump: float) -> None:
    # Measured values that raise risk: activity drop, −order value change, feedback, competitor.
    base = {
        "activity_drop": np.array([values[0]]),
        "order_value_change": np.array([-values[1]]),
        "negative_feedback": np.array([abs(values[2])]),
        "competitor_contact": np.array([float(flag)]),
    }
    worse = {k: v.copy() for k, v in base.items()}
    key = list(base)[which]
    if key == "order_value_change":
        worse[key] = worse[key] - bump
    elif key == "competitor_contact":
        worse[key] = np.array([1.0])
    else:
        worse[key] = worse[key] + bump
    a = crmkit.churn_risk(base)["churn_index"][0]
    b = crmkit.churn_risk(worse)["churn_index"][0]
    assert 1 <= a <= 10 and 1 <= b <= 10
    assert b >= a


# --- One churn story (docs/churn.md) --------------------------------------------------------


def test_churn_story_every_customer_has_an_index_and_lapsed_customers_are_never_green() -> None:
    rng = np.random.default_rng(11)
    n_rows = 4000
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 500, n_rows).astype(str),
            "timestamp": pd.to_datetime("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, n_rows), unit="D"),
            "amount": rng.gamma(2.0, 30.0, n_rows),
        }
    )
    story = crmkit.churn_story(tx, as_of="2024-06-30")
    assert len(story) == tx["customer_id"].nunique()
    assert story["churn_index"].between(1, 10).all()
    lapsed = story["stage"].isin(["lost", "churn_warning"])
    assert lapsed.any()
    assert (story.loc[lapsed, "alert"] != "green").all()
    order = {"green": 0, "yellow": 1, "red": 2}
    assert (story["alert"].map(order).astype(int) >= story["index_alert"].map(order).astype(int)).all()
    # The index agrees with churn_risk on the signals of the same log (every buyer has a gap ratio).
    risk = crmkit.churn_risk(crmkit.churn_signals(tx, as_of="2024-06-30"))
    assert risk["churn_index"].tolist() == story["churn_index"].tolist()
    # Same answer in polars.
    pl_story = crmkit.churn_story(pl.from_pandas(tx), as_of="2024-06-30")
    assert pl_story["alert"].cast(pl.Utf8).to_list() == story["alert"].astype(str).tolist()
