"""stage_migration / stage_metrics after the id join, checks and label coding moved into the
core: same answers as a pandas merge + crosstab (hypothesis), every frame family, errors
naming field and row (never the id)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit

LABELS = ["lost", "retained", "gold", "onboarding", "z"]


@st.composite
def snapshot(draw: st.DrawFn) -> pd.DataFrame:
    ids = draw(st.lists(st.integers(0, 30), unique=True, max_size=30))
    labels = draw(st.lists(st.sampled_from(LABELS), min_size=len(ids), max_size=len(ids)))
    return pd.DataFrame({"customer_id": [f"C{i:02d}" for i in ids], "stage": labels}, dtype=object)


@settings(max_examples=60, deadline=None)
@given(before=snapshot(), after=snapshot())
def test_migration_matches_pandas_merge_and_crosstab(before: pd.DataFrame, after: pd.DataFrame) -> None:
    if len(before) == 0 or len(after) == 0:
        return  # an empty snapshot has no ids to group (EmptyInputError)
    out = crmkit.stage_migration(before, after)
    # Reference: pandas 3.x merge (outer) and crosstab, absent as "(absent)".
    m = before.merge(after, on="customer_id", how="outer", suffixes=("_b", "_a")).fillna("(absent)")
    ref = pd.crosstab(m["stage_b"], m["stage_a"])
    counts = out["counts"].set_index("from")
    for f in ref.index:
        for t in ref.columns:
            assert counts.loc[f, t] == ref.loc[f, t]
    assert int(counts.to_numpy().sum()) == len(m)
    moves = out["moves"]
    assert list(moves["customer_id"]) == sorted(m["customer_id"])  # ascending id order
    expected = m.set_index("customer_id")
    for cid, f, t, changed in zip(moves["customer_id"], moves["from"], moves["to"], moves["changed"]):
        assert (f, t) == (expected.loc[cid, "stage_b"], expected.loc[cid, "stage_a"])
        assert bool(changed) == (f != t)
    # Row order within a snapshot does not matter.
    again = crmkit.stage_migration(before.iloc[::-1], after.sample(frac=1.0, random_state=0))
    pd.testing.assert_frame_equal(again["flows"], out["flows"])
    pd.testing.assert_frame_equal(again["moves"], out["moves"])


@pytest.mark.parametrize("family", ["pandas", "polars", "pyarrow"])
def test_families_give_the_same_flows(family: str) -> None:
    b = {"customer_id": ["a", "b", "c"], "tier": ["gold", "silver", "silver"]}
    a = {"customer_id": ["c", "b", "d"], "tier": ["gold", "gold", "bronze"]}
    make = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.table}[family]
    out = crmkit.stage_migration(make(b), make(a), label="tier")
    flows = pd.DataFrame(out["flows"].to_pydict() if family == "pyarrow" else out["flows"].to_dict(as_series=False) if family == "polars" else out["flows"])
    # Counted by hand: a gold->absent, b silver->gold, c silver->gold, d absent->bronze.
    assert out["labels"] == ["bronze", "gold", "silver", "(absent)"]
    assert list(zip(flows["from"], flows["to"], flows["count"])) == [
        ("gold", "(absent)", 1), ("silver", "gold", 2), ("(absent)", "bronze", 1)
    ]
    moves = out["moves"]
    ids = moves["customer_id"].to_pylist() if family == "pyarrow" else list(moves["customer_id"])
    assert ids == ["a", "b", "c", "d"]


def test_categorical_order_then_other_labels() -> None:
    cats = pd.CategoricalDtype(["high", "mid", "low"], ordered=True)
    b = pd.DataFrame({"customer_id": [1, 2], "tier": pd.Series(["low", "mid"], dtype=cats)})
    a = pd.DataFrame({"customer_id": [1, 2], "tier": ["new", "high"]})  # "new" is not a category of `before`
    out = crmkit.stage_migration(b, a, label="tier")
    assert out["labels"] == ["high", "mid", "low", "new"]


def test_errors_name_the_snapshot_row_never_the_id() -> None:
    b = pd.DataFrame({"customer_id": ["x@example.com", "y"], "stage": ["lost", "lost"]})
    a = pd.DataFrame({"customer_id": ["y", "z", "y"], "stage": ["lost", "lost", "lost"]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.stage_migration(b, a)
    assert (e.value.field, e.value.row) == ("after.customer_id", 2)
    assert "example" not in str(e.value)
    a2 = pd.DataFrame({"customer_id": ["y", "z"], "stage": ["lost", None]})
    with pytest.raises(crmkit.MissingValueError) as m:
        crmkit.stage_migration(b, a2)
    assert (m.value.field, m.value.row) == ("after.stage", 1)
    with pytest.raises(crmkit.ConfigError):
        crmkit.stage_migration(b, pd.DataFrame({"customer_id": [1], "stage": ["lost"]}))


def test_stage_metrics_ids_checked_in_the_core() -> None:
    stages = pl.DataFrame({"customer_id": ["a", "b", "c"], "stage": ["onboarding", "onboarding", "lost"]})
    metrics = pl.DataFrame({"customer_id": ["c", "a"], "repurchase_rate": [None, 1.0], "win_back_response_rate": [0.0, None]})
    out = crmkit.stage_metrics(stages, metrics).to_pandas()
    onboarding = out[(out["stage"] == "onboarding") & (out["metric"] == "repurchase_rate")].iloc[0]
    # a has 1.0, b has no metric row: n = 1, mean 1.0 (by hand).
    assert (onboarding["customers"], onboarding["n"], onboarding["mean"]) == (2, 1, 1.0)
    lost = out[(out["stage"] == "lost") & (out["metric"] == "win_back_response_rate")].iloc[0]
    assert (lost["n"], lost["mean"]) == (1, 0.0)
    dup = pl.DataFrame({"customer_id": ["c", "c"], "clv": [1.0, 2.0]})
    with pytest.raises(crmkit.InvalidValueError) as e:
        crmkit.stage_metrics(stages, dup)
    assert (e.value.field, e.value.row) == ("metrics.customer_id", 1)
    with pytest.raises(crmkit.MissingValueError) as m:
        crmkit.stage_metrics(pd.DataFrame({"customer_id": [1, 2], "stage": ["lost", None]}))
    assert (m.value.field, m.value.row) == ("stage", 1)
    assert np.isnan(crmkit.stage_metrics(stages.to_pandas(), metrics.to_pandas(), all_columns=True)["mean"]).any()
