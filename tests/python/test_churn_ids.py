"""Customer ids of several tables (transactions, interactions, overrides / customer tables):
one customer index over them without a concatenated copy, and the result's ids gathered in the
input's own type, for every frame family."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit

AS_OF = "2024-06-30"
FAMILIES = ["pandas_object", "pandas", "polars", "pyarrow", "pyarrow_large", "numpy"]


def tables(ids: list[Any]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Transactions of ids[0..3], interactions of ids[1], ids[3] (only there), overrides of
    ids[0], ids[4] (only there)."""
    a, b, c, d, e = ids
    tx = pd.DataFrame(
        {
            "customer_id": [a, a, b, c, a, c],
            "timestamp": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-06-01", "2023-11-01", "2024-06-20", "2024-05-20"]),
            "amount": [100.0, 100.0, 30.0, 80.0, 40.0, 20.0],
        }
    )
    ix = pd.DataFrame(
        {
            "customer_id": [b, d, b],
            "timestamp": pd.to_datetime(["2024-06-20", "2024-06-10", "2024-06-22"]),
            "kind": ["bad_review", "visit", "competitor_contact"],
        }
    )
    ov = pd.DataFrame({"customer_id": [e, a], "latest_nps": [3.0, 9.0]})
    return tx, ix, ov


def convert(df: pd.DataFrame, fam: str) -> Any:
    if fam == "pandas_object":
        return df.astype({"customer_id": object}) if df["customer_id"].dtype != np.int64 else df
    if fam == "polars":
        return pl.from_pandas(df)
    if fam in ("pyarrow", "pyarrow_large"):
        t = pa.Table.from_pandas(df, preserve_index=False)
        want = pa.large_string() if fam == "pyarrow_large" else pa.string()
        if pa.types.is_string(t.schema.field("customer_id").type) or pa.types.is_large_string(t.schema.field("customer_id").type):
            t = t.set_column(0, "customer_id", t.column("customer_id").cast(want))
        return t
    if fam == "numpy":
        return {k: df[k].to_numpy() for k in df.columns}
    return df


def id_list(col: Any) -> list[Any]:
    if isinstance(col, (pl.Series, pa.Array, pa.ChunkedArray)):
        return list(col.to_list() if isinstance(col, pl.Series) else col.to_pylist())
    return list(np.asarray(col).tolist())


def column(out: Any, name: str) -> Any:
    if isinstance(out, pa.Table):
        return out.column(name)
    if isinstance(out, pl.DataFrame):
        return out.get_column(name)
    return out[name]


def flag(v: Any) -> bool | None:
    return None if pd.isna(v) else bool(v)


def id_type(col: Any) -> Any:
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        return col.type
    return col.dtype


@pytest.mark.parametrize("fam", FAMILIES)
@pytest.mark.parametrize("kind", ["str", "int"])
def test_ids_from_every_part_in_the_input_type(fam: str, kind: str) -> None:
    ids: list[Any] = ["c1", "c2", "c3", "c4", "c5"] if kind == "str" else [11, 12, 13, 14, 15]
    tx, ix, ov = (convert(t, fam) for t in tables(ids))
    out = crmkit.churn_signals(tx, ix, as_of=AS_OF, overrides=ov)
    got = column(out, "customer_id")
    # every customer of any part, in ascending id order: d only interacts, e is only overridden
    assert id_list(got) == ids
    # the input's own type
    assert id_type(got) == id_type(column(tx, "customer_id") if fam != "numpy" else tx["customer_id"])
    ref = crmkit.churn_signals(*(t for t in tables(ids)[:2]), as_of=AS_OF, overrides=tables(ids)[2])
    nps = column(out, "nps_detractor")
    assert [flag(v) for v in id_list(nps)] == [flag(v) for v in ref["nps_detractor"].tolist()]
    assert [list(r) for r in id_list(column(out, "reasons"))] == [list(r) for r in ref["reasons"]]
    assert id_list(column(out, "reason_details")) == ref["reason_details"].tolist()
    long = crmkit.churn_reasons(tx, ix, as_of=AS_OF, overrides=ov)
    assert id_type(column(long, "customer_id")) == id_type(got)
    assert id_list(column(long, "customer_id")) == crmkit.churn_reasons(*tables(ids)[:2], as_of=AS_OF, overrides=tables(ids)[2])["customer_id"].tolist()


def test_pandas_result_columns_keep_their_types() -> None:
    tx, ix, ov = tables(["c1", "c2", "c3", "c4", "c5"])
    o = {"customer_id": object}
    obj = crmkit.churn_signals(tx.astype(o), ix.astype(o), as_of=AS_OF, overrides=ov.astype(o))
    assert obj["customer_id"].dtype == object
    assert obj["customer_id"].tolist() == ["c1", "c2", "c3", "c4", "c5"]
    strs = crmkit.churn_signals(tx, ix, as_of=AS_OF, overrides=ov)
    assert strs["customer_id"].dtype == tx["customer_id"].dtype
    assert strs["reason_details"].dtype == pd.Series(np.array(["x"], dtype=object)).dtype
    assert isinstance(strs["reasons"][0], list)
    assert strs["reasons"][0] is not strs["reasons"][1]


def test_polars_and_pyarrow_text_columns() -> None:
    tx, ix, ov = tables(["c1", "c2", "c3", "c4", "c5"])
    p = crmkit.churn_signals(pl.from_pandas(tx), pl.from_pandas(ix), as_of=AS_OF, overrides=pl.from_pandas(ov))
    assert p.schema["reasons"] == pl.List(pl.Utf8)
    assert p.schema["reason_details"] == pl.Utf8
    assert p.schema["interval_source"] == pl.Enum(["own_history", "population_mean", "fixed", "none"]) or isinstance(
        p.schema["interval_source"], pl.Enum
    )
    a = crmkit.churn_signals(*(pa.Table.from_pandas(t, preserve_index=False) for t in (tx, ix)), as_of=AS_OF)
    assert a.schema.field("reasons").type == pa.list_(pa.string())
    assert a.schema.field("reason_details").type == pa.string()


@pytest.mark.parametrize("fam", ["pandas_object", "polars", "pyarrow"])
def test_null_ids_name_the_part_and_row(fam: str) -> None:
    tx, ix, ov = tables(["c1", "c2", "c3", "c4", "c5"])
    bad_ix = ix.astype({"customer_id": object})
    bad_ix.loc[2, "customer_id"] = None
    with pytest.raises(crmkit.MissingValueError) as e:
        crmkit.churn_signals(convert(tx, fam), convert(bad_ix, fam), as_of=AS_OF)
    assert (e.value.field, e.value.row) == ("interactions.customer_id", 2)
    bad_ov = ov.astype({"customer_id": object})
    bad_ov.loc[1, "customer_id"] = None
    with pytest.raises(crmkit.MissingValueError) as e:
        crmkit.churn_signals(convert(tx, fam), convert(ix, fam), as_of=AS_OF, overrides=convert(bad_ov, fam))
    assert (e.value.field, e.value.row) == ("overrides.customer_id", 1)
    bad_tx = tx.astype({"customer_id": object})
    bad_tx.loc[4, "customer_id"] = None
    with pytest.raises(crmkit.MissingValueError) as e:
        crmkit.churn_signals(convert(bad_tx, fam), convert(ix, fam), as_of=AS_OF)
    assert (e.value.field, e.value.row) == ("customer_id", 4)
    with pytest.raises(crmkit.MissingValueError) as e:
        crmkit.lifecycle_stages(convert(tx, fam), convert(bad_ov, fam), as_of=AS_OF)
    assert (e.value.field, e.value.row) == ("customers.customer_id", 1)


@pytest.mark.parametrize("fam", ["pandas_object", "pandas", "polars", "pyarrow", "numpy"])
def test_integer_and_string_ids_across_parts_are_a_config_error(fam: str) -> None:
    tx, _, _ = tables([1, 2, 3, 4, 5])
    _, ix, ov = tables(["c1", "c2", "c3", "c4", "c5"])
    with pytest.raises(crmkit.ConfigError) as e:
        crmkit.churn_signals(convert(tx, fam), convert(ix, fam), as_of=AS_OF)
    assert e.value.field == "interactions.customer_id"
    with pytest.raises(crmkit.ConfigError) as e:
        crmkit.churn_signals(convert(tx, fam), as_of=AS_OF, overrides=convert(ov, fam))
    assert e.value.field == "overrides.customer_id"
    with pytest.raises(crmkit.ConfigError) as e:
        crmkit.lifecycle_stages(convert(tx, fam), convert(ov, fam), as_of=AS_OF)
    assert e.value.field == "customers.customer_id"


@pytest.mark.parametrize("fam", FAMILIES)
@pytest.mark.parametrize("kind", ["str", "int"])
def test_lifecycle_ids_only_in_the_customer_table(fam: str, kind: str) -> None:
    ids: list[Any] = ["c1", "c2", "c3", "c4", "c5"] if kind == "str" else [11, 12, 13, 14, 15]
    tx, _, ov = tables(ids)
    out = crmkit.lifecycle_stages(convert(tx, fam), convert(ov, fam), as_of=AS_OF)
    got = column(out, "customer_id")
    assert id_list(got) == [ids[0], ids[1], ids[2], ids[4]]
    txc = convert(tx, fam)
    assert id_type(got) == id_type(txc["customer_id"] if fam == "numpy" else column(txc, "customer_id"))
    assert id_list(column(out, "stage"))[-1] == "prospect"


@pytest.mark.parametrize("fam", FAMILIES)
def test_stage_migration_ids_in_the_input_type(fam: str) -> None:
    b = pd.DataFrame({"customer_id": ["x", "y", "z"], "stage": ["lost", "retained", "lost"]})
    a = pd.DataFrame({"customer_id": ["w", "y"], "stage": ["onboarding", "lost"]})
    m = crmkit.stage_migration(convert(b, fam), convert(a, fam))
    got = column(m["moves"], "customer_id")
    assert id_list(got) == ["w", "x", "y", "z"]
    bc = convert(b, fam)
    assert id_type(got) == id_type(bc["customer_id"] if fam == "numpy" else column(bc, "customer_id"))


def test_categorical_and_wide_ids_fall_back_to_the_concatenation() -> None:
    tx, ix, ov = tables(["c1", "c2", "c3", "c4", "c5"])
    cat = crmkit.churn_signals(tx.astype({"customer_id": "category"}), ix, as_of=AS_OF)
    assert cat["customer_id"].astype(str).tolist() == ["c1", "c2", "c3", "c4"]
    big = [2**63 + k for k in range(5)]
    txb, ixb, _ = tables(big)
    wide = crmkit.churn_signals(pl.from_pandas(txb.astype({"customer_id": np.uint64})), pl.from_pandas(ixb.astype({"customer_id": np.uint64})), as_of=AS_OF)
    assert [int(v) for v in wide["customer_id"].to_list()] == big[:4]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=40),
    st.lists(st.integers(0, 30), max_size=20),
    st.lists(st.integers(0, 30), max_size=10, unique=True),
    st.sampled_from(["pandas_object", "pandas", "polars", "pyarrow"]),
)
def test_parts_give_what_one_concatenated_column_gives(tx_ids: list[int], ix_ids: list[int], ov_ids: list[int], fam: str) -> None:
    """Indexing the parts together numbers customers exactly as one concatenated column would:
    every id of any part once, in ascending order; string ids in the same order as bytes."""
    rng = np.random.default_rng(len(tx_ids) * 7 + len(ix_ids))
    names = [f"k{v:03d}" for v in range(31)]
    tx = pd.DataFrame(
        {
            "customer_id": [names[v] for v in tx_ids],
            "timestamp": pd.Timestamp("2024-06-01") - pd.to_timedelta(rng.integers(0, 400, len(tx_ids)), unit="D"),
            "amount": rng.integers(1, 100, len(tx_ids)).astype(float),
        }
    )
    ix = pd.DataFrame(
        {
            "customer_id": pd.Series([names[v] for v in ix_ids], dtype=object),
            "timestamp": pd.Timestamp("2024-06-01") - pd.to_timedelta(rng.integers(0, 60, len(ix_ids)), unit="D"),
            "kind": pd.Series(["login"] * len(ix_ids), dtype=object),
        }
    )
    ov = pd.DataFrame({"customer_id": pd.Series([names[v] for v in ov_ids], dtype=object), "key_customer": [True] * len(ov_ids)})
    parts = [tx] + ([ix] if ix_ids else []) + ([ov] if ov_ids else [])
    out = crmkit.churn_signals(
        convert(tx, fam),
        convert(ix, fam) if ix_ids else None,
        as_of=AS_OF,
        overrides=convert(ov, fam) if ov_ids else None,
    )
    expected = sorted({v for p in parts for v in p["customer_id"]})
    assert id_list(column(out, "customer_id")) == expected
    ints = crmkit.churn_signals(
        tx.assign(customer_id=tx_ids),
        ix.assign(customer_id=np.asarray(ix_ids, dtype=np.int64)) if ix_ids else None,
        as_of=AS_OF,
        overrides=ov.assign(customer_id=np.asarray(ov_ids, dtype=np.int64)) if ov_ids else None,
    )
    assert ints["customer_id"].tolist() == sorted({int(v[1:]) for v in expected})
    np.testing.assert_array_equal(
        np.asarray(ints["purchase_gap_ratio"], dtype=float), np.asarray(id_list(column(out, "purchase_gap_ratio")), dtype=float)
    )
