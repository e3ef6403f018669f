"""Lifecycle stages and label migration."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit

AS_OF = "2024-06-30"


def scenario() -> tuple[pd.DataFrame, pd.DataFrame]:
    tx = pd.DataFrame(
        {
            "customer_id": [
                "lost", "warn", "warn", "react", "react", "new", "big", "big", "ret", "ret", "ret",
            ],
            "timestamp": pd.to_datetime(
                [
                    "2023-01-01",
                    "2023-01-01", "2024-06-01",
                    "2022-01-10", "2024-06-01",
                    "2024-05-01",
                    "2023-09-01", "2024-06-10",
                    "2023-02-01", "2024-01-01", "2024-06-15",
                ]
            ),
            "amount": 10.0,
        }
    )
    people = pd.DataFrame(
        {
            "customer_id": ["pros", "warn", "big"],
            "first_contact": pd.to_datetime(["2024-06-01", "2022-12-01", "2022-12-01"]),
            "churn_index": [None, 9, 3],
            "large_order": [None, False, True],
        }
    )
    return tx, people


EXPECTED = {
    "big": ("expansion", "large_order"),
    "lost": ("lost", "days_since_last_purchase"),
    "new": ("onboarding", "first_purchase_recent"),
    "pros": ("prospect", "no_purchase"),
    "react": ("reactivated", "reactivated_after_gap"),
    "ret": ("retained", "default"),
    "warn": ("churn_warning", "churn_index"),
}


def test_every_default_stage_with_reason() -> None:
    tx, people = scenario()
    s = crmkit.lifecycle_stages(tx, people, as_of=AS_OF)
    got = {i: (str(st_), str(r)) for i, st_, r in zip(s["customer_id"], s["stage"], s["reason"])}
    assert got == EXPECTED
    assert list(s["stage"].cat.categories) == [
        "prospect", "onboarding", "retained", "expansion", "churn_warning", "lost", "reactivated",
    ]
    row = s.set_index("customer_id").loc["lost"]
    assert (row["reason_value"], row["reason_threshold"]) == (546.0, 365.0)
    assert row["last_purchase"] == np.datetime64("2023-01-01")
    react = s.set_index("customer_id").loc["react"]
    assert react["previous_purchase"] == np.datetime64("2022-01-10")
    assert pd.isna(s.set_index("customer_id").loc["pros", "last_purchase"])


def test_rules_as_json_config() -> None:
    tx, people = scenario()
    rules = crmkit.lifecycle_rules()
    rules["rules"][1]["when_any"] = [{"days_since_last_purchase_over": {"days": 20}}]
    s = crmkit.lifecycle_stages(tx, people, as_of=AS_OF, rules=json.dumps(rules)).set_index("customer_id")
    assert s.loc["ret", "stage"] == "retained"  # 15 days
    assert s.loc["new", "stage"] == "lost"  # 60 days > 20
    with pytest.raises(crmkit.ConfigError):
        crmkit.lifecycle_stages(tx, as_of=AS_OF, rules={"rules": [{"stage": "lost", "when_any": ["no_purchase"]}]})
    with pytest.raises(crmkit.ConfigError):
        crmkit.lifecycle_stages(tx, as_of=AS_OF, rules={"rules": [{"stage": "gone", "when_any": ["always"]}]})


def test_bad_input_names_field_and_row() -> None:
    tx, people = scenario()
    bad = people.copy()
    bad.loc[2, "churn_index"] = 11
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.lifecycle_stages(tx, bad, as_of=AS_OF)
    assert (e.value.field, e.value.row) == ("churn_index", 2)
    with pytest.raises(crmkit.ObservationDateError) as e:
        crmkit.lifecycle_stages(tx, as_of="2024-06-12")
    assert e.value.row == 10
    with pytest.warns(crmkit.CrmkitWarning):
        crmkit.lifecycle_stages(tx, as_of="2024-06-12", after_as_of="exclude")
    dup = pd.DataFrame({"customer_id": ["a", "a"], "large_order": [True, False]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.lifecycle_stages(tx, dup, as_of=AS_OF)
    assert (e.value.field, e.value.row) == ("attributes.customer_id", 1)
    with pytest.raises(crmkit.ConfigError):
        crmkit.lifecycle_stages(tx, as_of=AS_OF, timestamp="when")


@pytest.mark.parametrize("fam", ["polars", "pyarrow", "numpy"])
def test_frame_families(fam: str) -> None:
    tx, people = scenario()
    if fam == "polars":
        tx2, p2 = pl.from_pandas(tx), pl.from_pandas(people)
    elif fam == "pyarrow":
        tx2, p2 = pa.Table.from_pandas(tx), pa.Table.from_pandas(people)
    else:
        tx2 = {k: tx[k].to_numpy() for k in tx.columns}
        p2 = {k: people[k].to_numpy() for k in people.columns}
    s = crmkit.lifecycle_stages(tx2, p2, as_of=AS_OF)
    if fam == "polars":
        assert isinstance(s, pl.DataFrame)
        ids, stages = s["customer_id"].to_list(), s["stage"].to_list()
    elif fam == "pyarrow":
        assert isinstance(s, pa.Table)
        ids, stages = s.column("customer_id").to_pylist(), s.column("stage").to_pylist()
    else:
        assert isinstance(s, dict)
        ids, stages = [str(i) for i in s["customer_id"]], list(s["stage"])
    assert dict(zip(ids, stages)) == {k: v[0] for k, v in EXPECTED.items()}


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_row_order_does_not_change_stages(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 40, n),
            "timestamp": np.datetime64("2021-01-01") + rng.integers(0, 1276, n).astype("timedelta64[D]"),
        }
    )
    a = crmkit.lifecycle_stages(tx, as_of=AS_OF)
    b = crmkit.lifecycle_stages(tx.sample(frac=1, random_state=seed), as_of=AS_OF)
    pd.testing.assert_frame_equal(a, b)


# --- migration ---------------------------------------------------------------------------


def test_stage_migration_counts_rates_and_moves() -> None:
    tx, people = scenario()
    with pytest.warns(crmkit.CrmkitWarning, match="after as_of"):
        before = crmkit.lifecycle_stages(tx, people, as_of="2024-06-12", after_as_of="exclude")
    after = crmkit.lifecycle_stages(tx, people, as_of=AS_OF)
    before = before[before["customer_id"] != "pros"]  # "pros" joins between the snapshots
    m = crmkit.stage_migration(before, after)
    moves = m["moves"].set_index("customer_id")
    assert moves.loc["pros", "from"] == "(absent)" and moves.loc["pros", "to"] == "prospect"
    assert moves.loc["react", "to"] == "reactivated" and not bool(moves.loc["react", "changed"])
    assert int(moves["changed"].sum()) == 1
    flows = m["flows"]
    assert flows["count"].sum() == len(moves)
    rates = m["rates"].set_index("from")
    np.testing.assert_allclose(rates.loc[[r for r in rates.index if m["counts"].set_index("from").loc[r].sum() > 0]].sum(axis=1), 1.0)
    assert m["labels"][:7] == [s for s in m["labels"] if s != "(absent)"][:7]
    assert m["labels"][-1] == "(absent)"


def test_migration_of_rfm_tiers_and_segments() -> None:
    rng = np.random.default_rng(1)
    n = 400
    log = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 60, n),
            "timestamp": np.datetime64("2023-01-01") + rng.integers(0, 540, n).astype("timedelta64[D]"),
            "amount": np.round(rng.lognormal(3, 1, n), 2),
        }
    )
    with warnings.catch_warnings():
        # 60 customers leave some grid segments empty, and crmkit says so (tested in test_rfm_defaults.py).
        warnings.simplefilter("ignore", crmkit.CrmkitWarning)
        q1 = crmkit.rfm(log[log["timestamp"] <= "2024-03-31"], as_of="2024-03-31")
        q2 = crmkit.rfm(log, as_of="2024-06-30")
    tiers = crmkit.stage_migration(q1, q2, label="tier")
    assert tiers["labels"][:3] == ["churn risk", "potential", "high value"]
    assert int(tiers["flows"]["count"].sum()) == len(set(q1["customer_id"]) | set(q2["customer_id"]))
    seg = crmkit.stage_migration(q1, q2, label="segment")
    assert seg["counts"].drop(columns="from").to_numpy().sum() == tiers["counts"].drop(columns="from").to_numpy().sum()
    pos = crmkit.stage_migration(
        np.array(["a", "b", "b"]), np.array(["b", "b", "a"]), customer_id=None
    )
    assert pos["counts"]["b"].tolist() == [1, 1]
    assert list(pos["moves"]["changed"]) == [True, False, True]


def test_migration_families_and_errors() -> None:
    before = pl.DataFrame({"customer_id": [1, 2], "stage": ["lost", "retained"]})
    after = pl.DataFrame({"customer_id": [2, 1], "stage": ["lost", "reactivated"]})
    m = crmkit.stage_migration(before, after)
    assert isinstance(m["flows"], pl.DataFrame)
    assert m["labels"] == ["retained", "lost", "reactivated"]
    assert m["moves"]["to"].to_list() == ["reactivated", "lost"]
    dup = pl.DataFrame({"customer_id": [1, 1], "stage": ["lost", "lost"]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.stage_migration(dup, after)
    assert (e.value.field, e.value.row) == ("before.customer_id", 1)
    with pytest.raises(crmkit.MissingValueError):
        crmkit.stage_migration(pl.DataFrame({"customer_id": [1], "stage": [None]}, schema={"customer_id": pl.Int64, "stage": pl.Utf8}), after)
    with pytest.raises(crmkit.LengthMismatchError):
        crmkit.stage_migration(np.array(["a"]), np.array(["a", "b"]), customer_id=None)
    with pytest.raises(crmkit.ConfigError):
        crmkit.stage_migration(before, after, labels=["lost"])


# --- per-stage metrics and the link to churn -------------------------------------------------


def test_stage_metrics_spec_and_all_columns() -> None:
    stages = pd.DataFrame({"customer_id": [1, 2, 3, 4], "stage": ["onboarding", "onboarding", "expansion", "lost"]})
    metrics = pd.DataFrame(
        {"customer_id": [3, 1, 2], "repurchase_rate": [1.0, 1.0, 0.0], "cross_buy_rate": [1.0, None, None]}
    )
    out = crmkit.stage_metrics(stages, metrics)
    assert list(out["stage"].cat.categories)[0] == "prospect"
    rows = {
        (str(s), m if isinstance(m, str) else None): (c, n, mean)
        for s, c, m, n, mean in zip(out["stage"], out["customers"], out["metric"], out["n"], out["mean"])
    }
    assert rows[("onboarding", "repurchase_rate")] == (2, 2, 0.5)
    assert rows[("expansion", "cross_buy_rate")] == (1, 1, 1.0)
    assert ("expansion", "repurchase_rate") not in rows
    assert rows[("lost", None)][0] == 1  # no metric is named for lost
    full = crmkit.stage_metrics(stages, metrics, all_columns=True)
    assert len(full) == 7 * 2
    counts = crmkit.stage_metrics(pl.from_pandas(stages))
    assert isinstance(counts, pl.DataFrame) and counts["customers"].sum() == 4
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.stage_metrics(pd.DataFrame({"customer_id": [1, 2], "stage": ["lost", "gone"]}))
    assert (e.value.field, e.value.row) == ("stage", 1)


def test_churn_signals_feed_lifecycle() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2],
            "timestamp": pd.to_datetime(["2023-06-01", "2023-07-01", "2023-08-01", "2023-06-01", "2024-06-20"]),
            "amount": 10.0,
        }
    )
    signals = crmkit.churn_signals(tx, as_of=AS_OF)
    risk = crmkit.churn_risk(signals)
    customers = signals[["customer_id", "purchase_gap_fires"]].merge(risk[["customer_id", "churn_index"]])
    s = crmkit.lifecycle_stages(tx, customers, as_of=AS_OF).set_index("customer_id")
    assert s.loc[1, "stage"] == "churn_warning"  # 334 days since the last purchase, 31-day rhythm
    assert s.loc[2, "stage"] != "churn_warning"
