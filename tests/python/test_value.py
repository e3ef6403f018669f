"""Value, quadrants, needs and the playbook: hand-computed cases, frame families, bad input,
invariants and pickling."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import crmkit

FAMILIES = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.table, "dict": dict}
TYPES = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.Table, "dict": dict}


def as_pandas(table: object) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):
        return table
    if isinstance(table, (pl.DataFrame, pa.Table)):
        return table.to_pandas()
    return pd.DataFrame(table)


# --- CLV --------------------------------------------------------------------------------------


def test_simple_clv_scalar_and_array() -> None:
    assert crmkit.simple_clv(150.0, 6, 2.5, 0.4) == 900.0
    out = crmkit.simple_clv(np.array([100.0, 200.0]), [1.0, 2.0], pd.Series([3.0, 1.0]), [0.5, 0.25])
    np.testing.assert_array_equal(out, [150.0, 100.0])
    # A scalar first argument broadcasts to the other columns' length.
    np.testing.assert_array_equal(crmkit.simple_clv(10.0, [1.0, 2.0], 1, 1), [10.0, 20.0])


def test_simple_clv_errors_name_field_and_row() -> None:
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.simple_clv([1.0, 1.0], 1, 1, [0.5, 1.2])
    assert (info.value.field, info.value.row) == ("gross_margin", 1)
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.simple_clv([1.0, -1.0], 1, 1, 0.5)
    assert (info.value.field, info.value.row) == ("avg_order_value", 1)
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.simple_clv(1.0, 1.0, float("nan"), 0.5)
    assert info.value.field == "expected_lifetime_periods"
    with pytest.raises(crmkit.LengthMismatchError):
        crmkit.simple_clv([1.0, 1.0, 1.0], [1.0, 2.0], 1, 0.5)


def test_retention_clv_hand_computed() -> None:
    # m = 100, r = 0.8, d = 0.1, end of period, H = 3: 100/1.1 + 80/1.21 + 64/1.331
    assert crmkit.retention_clv(100.0, 0.8, 0.1, horizon=3) == pytest.approx(205.108940, abs=1e-6)
    assert crmkit.retention_clv(100.0, 0.8, 0.1) == pytest.approx(100 / 0.3, rel=1e-14)
    # Start of period, H = 3: 100 + 80/1.1 + 64/1.21; H = inf: 110 / 0.3
    assert crmkit.retention_clv(100.0, 0.8, 0.1, 3, timing="start") == pytest.approx(100 + 80 / 1.1 + 64 / 1.21, rel=1e-13)
    assert crmkit.retention_clv(100.0, 0.8, 0.1, timing="start") == pytest.approx(110 / 0.3, rel=1e-13)
    assert crmkit.retention_clv(100.0, 0.8, 0.1, horizon=0) == 0.0


@pytest.mark.parametrize("r,d,h", [(0.9, 0.05, 1), (0.3, 0.2, 12), (0.95, 0.0, 40), (0.5, 0.1, 200)])
def test_retention_clv_matches_direct_sum(r: float, d: float, h: int) -> None:
    margins = np.array([10.0, -5.0, 250.0])
    t = np.arange(1, h + 1)
    end = (r ** (t - 1) / (1 + d) ** t).sum()
    start = (r ** (t - 1) / (1 + d) ** (t - 1)).sum()
    # Tolerance 1e-12 relative: closed form vs the direct sum in numpy.
    np.testing.assert_allclose(crmkit.retention_clv(margins, r, d, h), margins * end, rtol=1e-12)
    np.testing.assert_allclose(crmkit.retention_clv(pl.Series(margins), r, d, h, "start"), margins * start, rtol=1e-12)


def test_retention_clv_errors() -> None:
    for kwargs, field in (({"retention": 1.0, "discount_rate": 0.1}, "retention"), ({"retention": 0.5, "discount_rate": -0.1}, "discount_rate")):
        with pytest.raises(crmkit.ConfigError) as info:
            crmkit.retention_clv(1.0, **kwargs)
        assert info.value.field == field
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.retention_clv([1.0, float("inf")], 0.5, 0.1)
    assert (info.value.field, info.value.row) == ("margin_per_period", 1)
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.retention_clv(1.0, 0.5, 0.1, timing="middle")
    assert info.value.field == "timing"


# --- composite value score --------------------------------------------------------------------

VALUE = {
    "customer_id": ["c", "a", "b", "d"],
    "historical": [100.0, 300.0, 200.0, 300.0],
    "potential": [0.5, 0.0, 1.0, 0.0],
    "strategic": [7.0, 7.0, 7.0, 7.0],
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_value_scores_hand_computed_every_family(family: str) -> None:
    out = crmkit.value_scores(FAMILIES[family](VALUE))
    assert isinstance(out, TYPES[family])
    t = as_pandas(out)
    # normH = 0, 1, 0.5, 1; normP = 0.5, 0, 1, 0; normS = 0.5 (constant column)
    # composite: c 0.3, a 0.5, b 0.7, d 0.5; a and d tie → a first by id
    assert t["customer_id"].tolist() == VALUE["customer_id"]
    np.testing.assert_allclose(t["historical"], [0, 1, 0.5, 1])
    np.testing.assert_allclose(t["strategic"], 0.5)
    np.testing.assert_allclose(t["composite"], [0.3, 0.5, 0.7, 0.5], atol=1e-12)
    assert t["rank"].tolist() == [4, 2, 1, 3]


def test_value_scores_weights_and_integer_ids() -> None:
    ids = np.array([30, 10, 20])
    out = crmkit.value_scores(customer_id=ids, historical=np.array([1.0, 2.0, 3.0]), potential=[0.0, 0.0, 0.0],
                              strategic=[5.0, 5.0, 5.0], weights=(1.0, 0.0, 0.0))
    np.testing.assert_array_equal(out["composite"], [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(out["rank"], [3, 2, 1])
    np.testing.assert_array_equal(out["customer_id"], ids)


@pytest.mark.parametrize("weights", [(0.5, 0.5, 0.1), (1.2, -0.2, 0.0), (float("nan"), 0.5, 0.5), (0.5, 0.5), (0.2, 0.2, 0.2, 0.4)])
def test_value_scores_bad_weights(weights: tuple[float, ...]) -> None:
    # the error names the keyword the user typed (`weights`), not the core's `value_weights`
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.value_scores(VALUE, weights=weights)  # type: ignore[arg-type]
    assert info.value.field == "weights"
    assert "value_weights" not in str(info.value)


def test_value_scores_bad_input_names_row() -> None:
    bad = dict(VALUE, potential=[0.5, 0.0, float("nan"), 0.0])
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.value_scores(bad)
    assert (info.value.field, info.value.row) == ("potential", 2)
    dup = dict(VALUE, customer_id=["x", "y", "x", "z"])
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.value_scores(pd.DataFrame(dup))
    assert (info.value.field, info.value.row) == ("customer_id", 2)
    assert "customer_ids" not in str(info.value)
    with pytest.raises(crmkit.MissingValueError) as info:
        crmkit.value_scores(pl.DataFrame(dict(VALUE, historical=[1.0, None, 2.0, 3.0])))
    assert (info.value.field, info.value.row) == ("historical", 1)
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.value_scores(VALUE, historical="spend")
    assert info.value.field == "historical"


def test_core_customers() -> None:
    scores = crmkit.value_scores(pd.DataFrame(VALUE))
    assert crmkit.core_customers(scores, top_k=2)["customer_id"].tolist() == ["b", "a"]
    assert crmkit.core_customers(scores, top_percent=50)["customer_id"].tolist() == ["b", "a"]
    assert crmkit.core_customers(scores, top_percent=1)["customer_id"].tolist() == ["b"]  # ceil(0.04)
    assert len(crmkit.core_customers(scores, top_k=10)) == 4
    assert crmkit.core_customers(pl.DataFrame(VALUE).pipe(crmkit.value_scores), top_k=1)["customer_id"].to_list() == ["b"]
    for kwargs in ({}, {"top_k": 1, "top_percent": 10.0}, {"top_percent": 0.0}, {"top_percent": 120.0}):
        with pytest.raises(crmkit.ConfigError):
            crmkit.core_customers(scores, **kwargs)  # type: ignore[arg-type]


columns_strategy = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        hnp.arrays(np.float64, n, elements=st.floats(-1e6, 1e6)),
        hnp.arrays(np.float64, n, elements=st.floats(0, 1)),
        hnp.arrays(np.float64, n, elements=st.floats(0, 10)),
        st.permutations(list(range(n))),
    )
)


@settings(max_examples=150, deadline=None)
@given(cols=columns_strategy)
def test_value_scores_invariants(cols: tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]) -> None:
    h, p, s, perm = cols
    n = len(h)
    ids = np.arange(n, dtype=np.int64) * 7 + 3
    base = crmkit.value_scores(customer_id=ids, historical=h, potential=p, strategic=s)
    for k in ("historical", "potential", "strategic", "composite"):
        assert np.all((base[k] >= 0) & (base[k] <= 1))
    assert sorted(base["rank"].tolist()) == list(range(1, n + 1))
    order = np.argsort(base["rank"])
    assert np.all(np.diff(base["composite"][order]) <= 0)
    # Permuting the customers permutes the scores and keeps every rank.
    perm_a = np.asarray(perm)
    shuffled = crmkit.value_scores(customer_id=ids[perm_a], historical=h[perm_a], potential=p[perm_a], strategic=s[perm_a])
    for k in ("composite", "rank"):
        np.testing.assert_array_equal(shuffled[k], base[k][perm_a])


# --- value–potential matrix -------------------------------------------------------------------


@pytest.mark.parametrize("family", list(FAMILIES))
def test_value_potential_matrix_families(family: str) -> None:
    raw = {"customer_id": [1, 2, 3, 4], "value": [5.0, 1.0, 9.0, 3.0], "potential": [0.1, 0.9, 0.8, 0.2]}
    customers, summary = crmkit.value_potential_matrix(FAMILIES[family](raw), customer_id="customer_id")
    assert isinstance(customers, TYPES[family]) and isinstance(summary, TYPES[family])
    c, s = as_pandas(customers), as_pandas(summary)
    assert [str(q) for q in c["quadrant"]] == ["maintain", "develop", "deepen", "automate"]
    assert c["customer_id"].tolist() == [1, 2, 3, 4]
    assert c["high_value"].tolist() == [True, False, True, False]
    assert c["high_potential"].tolist() == [False, True, True, False]
    assert [str(q) for q in s["quadrant"]] == ["deepen", "maintain", "develop", "automate"]
    assert s["customers"].tolist() == [1, 1, 1, 1]
    # Medians: value (3 + 5)/2 = 4, potential (0.2 + 0.8)/2 = 0.5; total value 18.
    assert s["value_split"].tolist() == [4.0] * 4 and s["potential_split"].tolist() == [0.5] * 4
    np.testing.assert_allclose(s["value_share"], [9 / 18, 5 / 18, 1 / 18, 3 / 18])


def test_value_potential_matrix_thresholds_and_errors() -> None:
    customers, summary = crmkit.value_potential_matrix(value=np.array([100.0, 50.0, 0.0]), potential=np.array([0.2, 0.5, 0.0]),
                                                      thresholds=(100, 0.5))
    assert customers["quadrant"].tolist() == ["maintain", "develop", "automate"]
    assert summary["customers"].tolist() == [0, 1, 1, 1]
    _, zero = crmkit.value_potential_matrix(value=[0.0, 0.0], potential=[1.0, 2.0])
    assert np.isnan(zero["value_share"]).all()
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.value_potential_matrix(value=[1.0, -2.0], potential=[0.0, 0.0], negative_value="error")
    assert (info.value.field, info.value.row) == ("value", 1)
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.value_potential_matrix(value=[1.0, 2.0], potential=[0.0, float("nan")])
    assert (info.value.field, info.value.row) == ("potential", 1)
    with pytest.raises(crmkit.EmptyInputError):
        crmkit.value_potential_matrix(value=np.array([]), potential=np.array([]))
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.value_potential_matrix(value=[1.0], potential=[1.0], thresholds=(float("inf"), 0))
    assert info.value.field == "value_threshold"


@settings(max_examples=100, deadline=None)
@given(data=st.integers(1, 50).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, n, elements=st.floats(0, 1e6)), hnp.arrays(np.float64, n, elements=st.floats(-1e3, 1e3)))))
def test_value_potential_matrix_invariants(data: tuple[np.ndarray, np.ndarray]) -> None:
    v, p = data
    customers, summary = crmkit.value_potential_matrix(value=v, potential=p)
    assert summary["customers"].sum() == len(v)
    assert summary["customer_share"].sum() == pytest.approx(1.0)
    if v.sum() > 0:
        assert np.nansum(summary["value_share"]) == pytest.approx(1.0)
    # At least half the customers are on the high side of a median split.
    assert customers["high_value"].sum() >= len(v) / 2


# --- needs ------------------------------------------------------------------------------------

NEEDS = {
    "customer_id": ["a", "a", "b", "c", "d"],
    "topic": ["api", "api", "api", "price", "sla"],
    "type": ["product", "product", "product", "price", "service"],
    "importance": [0.9, 0.4, 0.9, 0.2, 0.7],
    "urgency": [0.2, 0.9, 0.8, 0.1, 0.9],
    "status": ["unmet", "partly_met", "unmet", "met", "unmet"],
    "owner": ["ann", "bob", "ann", None, "bob"],
    "due": [np.datetime64("2024-01-10"), np.datetime64("2024-03-01"), np.datetime64("2024-01-20"), np.datetime64("2024-01-01"), None],
}


def test_prioritise_needs_scores_and_flags() -> None:
    df = pd.DataFrame({"need": list("abcd"), "importance": [5, 3, 1, 4], "urgency": [3, 5, 5, 1]})
    out = crmkit.prioritise_needs(df, thresholds=(3, 3))
    assert out["need"].tolist() == ["a", "b", "d", "c"]
    assert out["quadrant"].astype(str).tolist() == ["do_now", "do_now", "schedule", "delegate"]
    flags = pl.DataFrame({"important": [False, True, True, False], "urgent": [True, False, True, False]})
    out = crmkit.prioritise_needs(flags, important="important", urgent="urgent")
    assert isinstance(out, pl.DataFrame)
    assert out["quadrant"].cast(pl.String).to_list() == ["do_now", "schedule", "delegate", "defer"]
    bare = crmkit.prioritise_needs(importance=np.array([0.1, 0.9]), urgency=np.array([0.9, 0.9]))
    assert bare["row"].tolist() == [1, 0]
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.prioritise_needs(importance=[0.1, float("nan")], urgency=[0.1, 0.2])
    assert (info.value.field, info.value.row) == ("importance", 1)


@pytest.mark.parametrize("family", ["pandas", "polars", "pyarrow"])
def test_need_functions_families(family: str) -> None:
    raw = dict(NEEDS)
    if family != "pandas":
        raw["due"] = [None if d is None else d.astype("datetime64[D]").item() for d in NEEDS["due"]]
    needs = FAMILIES[family](raw)
    work = crmkit.need_work_list(needs)
    assert isinstance(work, TYPES[family])
    w = as_pandas(work)
    # Open needs only (c's is met): do_now b (1.7), a/row 1... by score: d 1.6, b 1.7 → b, d; schedule a (1.1); delegate a (1.3)
    assert list(zip(w["customer_id"], w["quadrant"].astype(str))) == [("b", "do_now"), ("d", "do_now"), ("a", "schedule"), ("a", "delegate")]
    customers = FAMILIES[family]({"customer_id": ["a", "b", "c", "d", "e"], "industry": ["it", "it", "it", "retail", "retail"]})
    agg = as_pandas(crmkit.aggregate_needs(needs, customers, group="industry"))
    assert agg[["group", "topic", "customers_raising", "group_customers", "scope"]].values.tolist() == [
        ["it", "api", 2, 3, "common"],
        ["it", "price", 1, 3, "individual"],
        ["retail", "sla", 1, 2, "common"],
    ]
    load = as_pandas(crmkit.owner_workload(needs, as_of="2024-02-01"))
    assert load["owner"].tolist()[1:] == ["ann", "bob"]
    assert load[["needs", "unmet", "partly_met", "overdue"]].values.tolist() == [[1, 0, 0, 0], [2, 2, 0, 2], [2, 1, 1, 0]]


def test_need_records_bad_input() -> None:
    bad = dict(NEEDS, type=["product", "product", "hardware", "price", "service"])
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.need_work_list(pd.DataFrame(bad))
    assert (info.value.field, info.value.row) == ("type", 2)
    bad = dict(NEEDS, completion=[0.0, 0.5, 1.5, 0.0, 0.0])
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.owner_workload(pd.DataFrame(bad), as_of="2024-01-01")
    assert (info.value.field, info.value.row) == ("completion", 2)
    bad = dict(NEEDS, topic=["api", None, "api", "price", "sla"])
    with pytest.raises(crmkit.MissingValueError) as info:
        crmkit.need_work_list(pd.DataFrame(bad))
    assert (info.value.field, info.value.row) == ("topic", 1)
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.aggregate_needs(pd.DataFrame(NEEDS), pd.DataFrame({"customer_id": ["a", "b"], "group": ["x", "y"]}))
    assert (info.value.field, info.value.row) == ("customer_id", 3)
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.aggregate_needs(pd.DataFrame(NEEDS), pd.DataFrame({"customer_id": list("abcd"), "group": list("xxxx")}), common_threshold=0)
    assert info.value.field == "common_threshold"


def test_need_fields_are_column_keywords() -> None:
    """Each need field is a keyword naming its column (or the column itself); `columns=` still
    works for one release with a DeprecationWarning saying which keywords to pass."""
    plain = pd.DataFrame(NEEDS)
    expected = crmkit.need_work_list(plain)
    renamed = plain.rename(columns={"type": "need_type", "owner": "assignee", "customer_id": "account"})
    got = crmkit.need_work_list(renamed, type="need_type", customer_id="account")
    assert got["account"].tolist() == expected["customer_id"].tolist()
    assert got["quadrant"].astype(str).tolist() == expected["quadrant"].astype(str).tolist()
    # the columns themselves, without a table
    bare = crmkit.need_work_list(
        None, customer_id=plain["customer_id"], topic=plain["topic"], type=plain["type"].to_numpy(),
        status=plain["status"], importance=plain["importance"], urgency=plain["urgency"],
    )
    assert plain["customer_id"].to_numpy()[bare["row"]].tolist() == expected["customer_id"].tolist()  # row of each need, work order
    # owner / due read under their names; None leaves an optional field out (no owner: one unassigned row)
    load = crmkit.owner_workload(renamed, as_of="2024-02-01", owner="assignee", type="need_type", customer_id="account")
    assert load["owner"].tolist()[1:] == ["ann", "bob"]
    unassigned = crmkit.owner_workload(renamed, as_of="2024-02-01", owner=None, type="need_type", customer_id="account")
    assert unassigned["needs"].tolist() == [len(plain)]
    # errors name the column the user typed
    bad = renamed.assign(need_type=["product", "product", "hardware", "price", "service"])
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.need_work_list(bad, type="need_type", customer_id="account")
    assert (info.value.field, info.value.row) == ("need_type", 2) and "`need_type`" in str(info.value)
    # aggregate_needs: customer_id names the id column of both tables
    customers = pd.DataFrame({"account": ["a", "b", "c", "d", "e"], "industry": ["it", "it", "it", "retail", "retail"]})
    agg = crmkit.aggregate_needs(renamed, customers, group="industry", customer_id="account", type="need_type")
    ref = crmkit.aggregate_needs(plain, customers.rename(columns={"account": "customer_id"}), group="industry")
    pd.testing.assert_frame_equal(agg, ref)
    # the deprecated mapping: the same result, and a warning naming the keywords to use
    with pytest.warns(DeprecationWarning, match=r"need_work_list\(needs, type='need_type'\)"):
        old = crmkit.need_work_list(plain.rename(columns={"type": "need_type"}), columns={"type": "need_type"})
    assert old["quadrant"].astype(str).tolist() == expected["quadrant"].astype(str).tolist()
    with pytest.warns(DeprecationWarning, match="owner_workload"):
        crmkit.owner_workload(renamed, as_of="2024-02-01", columns={"owner": "assignee", "type": "need_type", "customer_id": "account"})
    with pytest.warns(DeprecationWarning, match="aggregate_needs"):
        crmkit.aggregate_needs(renamed, customers, group="industry", customer_id="account", columns={"type": "need_type"})
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.need_work_list(plain, columns={"kind": "type"})
    assert info.value.field == "columns"


# --- playbook ---------------------------------------------------------------------------------


def test_playbook_default_json_and_pickle() -> None:
    pb = crmkit.Playbook()
    assert pb.priority == ["alerts", "tiers", "segments", "quadrants"]
    rec = pb.recommend(tier="high value")
    assert rec["channels"] == ["phone", "visit"]
    assert any("dedicated account manager" in a for a in rec["actions"])
    assert crmkit.Playbook.from_json(pb.to_json()) == pb
    assert pickle.loads(pickle.dumps(pb)) == pb
    edited = json.loads(pb.to_json())
    edited["alerts"]["red"] = {"actions": ["call within 24 h"], "channels": ["phone"]}
    custom = crmkit.Playbook.from_json(json.dumps(edited))
    assert custom != pb and pickle.loads(pickle.dumps(custom)) == custom
    assert custom.recommend(alert="red")["actions"] == ["call within 24 h"]


def test_saved_playbook_with_old_action_texts_loads_with_the_codes() -> None:
    # Before the churn index and the playbook shared one action vocabulary (issue 11), the
    # playbook said "personal call-back"; such a saved playbook loads, and saves the codes.
    old = {"alerts": {"red": {"actions": ["personal call-back", "call within 24 h"], "channels": ["phone"]},
                      "yellow": {"actions": ["new-product trial voucher"]}}}
    pb = crmkit.Playbook.from_json(json.dumps(old))
    assert pb.recommend(alert="red")["actions"] == ["personal_call_back", "call within 24 h"]
    assert pb.recommend(alert="yellow")["actions"] == ["new_product_trial_voucher"]
    saved = pb.to_json()
    assert "call-back" not in saved and "personal_call_back" in saved
    # the same codes as the churn index's suggested actions
    risk = crmkit.churn_risk({"activity_drop": np.array([0.9]), "order_value_change": np.array([-0.9])})
    assert list(risk["action"]) == ["personal_call_back"]


def test_playbook_errors_name_the_entry() -> None:
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.Playbook.from_json('{"segments": {"champions": {"actons": []}}}')
    assert info.value.field == "playbook.segments.champions"
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.Playbook.from_json('{"tiers": {"gold": {}}}')
    assert info.value.field == "playbook.tiers.gold"
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.Playbook().recommend(tier="gold")
    assert info.value.field == "tier"


@pytest.mark.parametrize("family", list(FAMILIES))
def test_recommend_actions_families(family: str) -> None:
    raw = {
        "customer_id": [1, 2, 3, 4],
        "tier": ["high value", "churn risk", None, "potential"],
        "segment": ["champions", "at risk", "my own segment", None],
        "quadrant": ["deepen", None, "automate", "develop"],
        "alert": [None, "red", "green", None],
    }
    out = crmkit.recommend_actions(FAMILIES[family](raw), tier="tier", segment="segment", quadrant="quadrant", alert="alert",
                                   customer_id="customer_id")
    assert isinstance(out, TYPES[family])
    t = as_pandas(out)
    assert t["customer_id"].tolist() == [1, 2, 3, 4]
    actions = [list(a) for a in t["actions"]]
    matched = [list(m) for m in t["matched"]]
    assert matched == [
        ["tiers.high value", "segments.champions", "quadrants.deepen"],
        ["alerts.red", "tiers.churn risk", "segments.at risk"],
        ["alerts.green", "quadrants.automate"],
        ["tiers.potential", "quadrants.develop"],
    ]
    # One action vocabulary with the churn index (issue 11): the code, not the old text.
    assert actions[1][0] == "personal_call_back"
    assert sum("learn the cause" in a for a in actions[1]) == 1
    assert list(t["channels"][2]) == ["email", "sms"]
    # Same as recommend() one by one.
    pb = crmkit.Playbook()
    for i in range(4):
        one = pb.recommend(tier=raw["tier"][i], segment=raw["segment"][i], quadrant=raw["quadrant"][i], alert=raw["alert"][i])
        assert actions[i] == one["actions"]


def test_recommend_actions_from_pipeline_and_errors() -> None:
    scores = crmkit.value_scores(pd.DataFrame(VALUE))
    customers, _ = crmkit.value_potential_matrix(scores, value="historical", potential="potential", customer_id="customer_id")
    # Medians: historical 0.75, potential 0.25 → c develop, a maintain, b develop, d maintain.
    out = crmkit.recommend_actions(customers, quadrant="quadrant", customer_id="customer_id")
    assert out["matched"].tolist() == [["quadrants.develop"], ["quadrants.maintain"], ["quadrants.develop"], ["quadrants.maintain"]]
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.recommend_actions(alert=np.array(["red", "green", "purple"], dtype=object))
    assert (info.value.field, info.value.row) == ("alert", 2)
    with pytest.raises(crmkit.EmptyInputError):
        crmkit.recommend_actions(pd.DataFrame({"x": [1]}))
    with pytest.raises(crmkit.LengthMismatchError):
        crmkit.recommend_actions(tier=["potential"], alert=["red", "red"])
    custom = {"tiers": {"potential": {"actions": ["send a brochure"], "channels": ["post"]}}}
    out = crmkit.recommend_actions(tier=["potential", "high value"], playbook=custom)
    assert out["actions"].tolist() == [["send a brochure"], []]


def test_unknown_playbook_names_are_listed_by_the_core() -> None:
    # The accepted names come from the core's enums (crmkit::names), one message for every
    # categorical input: the quadrant's as the tier's and the alert's.
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.recommend_actions(quadrant=np.array(["deepen", "grow", "grow"], dtype=object))
    assert (info.value.field, info.value.row) == ("quadrant", 1)
    assert '["deepen", "maintain", "develop", "automate"]' in str(info.value)
    with pytest.raises(crmkit.ConfigError) as cfg:
        crmkit.Playbook().recommend(quadrant="grow")
    assert cfg.value.field == "quadrant" and "deepen, maintain, develop, automate" in str(cfg.value)


def test_docs_python_examples_run() -> None:
    """Every ```python block of docs/value.md, run as one doctest session."""
    import doctest
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "value.md").read_text()
    source = "\n".join(re.findall(r"```python\n(.*?)```", text, re.S))
    test = doctest.DocTestParser().get_doctest(source, {}, "docs/value.md", "docs/value.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 30 and result.failed == 0


def test_core_list_and_quadrant_flags_come_from_the_core() -> None:
    # equal ranks keep their row order (a stable sort by rank), in every family
    scores = {"customer_id": np.array(["a", "b", "c", "d"], dtype=object), "rank": np.array([2, 1, 2, 3])}
    for table in (scores, pd.DataFrame(scores), pl.DataFrame(scores), pa.table(scores)):
        core = crmkit.core_customers(table, top_k=3)
        ids = core.column("customer_id").to_pylist() if isinstance(core, pa.Table) else list(core["customer_id"])
        assert ids == ["b", "a", "c"]
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.core_customers(scores, top_k=1, top_percent=10)
    assert info.value.field == "core_list"
    # the flags are the quadrant's sides: deepen / maintain are high value, deepen / develop high potential
    rng = np.random.default_rng(4)
    customers, _ = crmkit.value_potential_matrix({"value": rng.gamma(2.0, 50.0, 200), "potential": rng.normal(size=200)})
    quadrant = np.asarray(customers["quadrant"], dtype=object)
    np.testing.assert_array_equal(customers["high_value"], np.isin(quadrant, ["deepen", "maintain"]))
    np.testing.assert_array_equal(customers["high_potential"], np.isin(quadrant, ["deepen", "develop"]))
