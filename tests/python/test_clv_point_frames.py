"""CLV point predictions come back keyed by customer (issue 11 §6, docs/conventions.md).

A table in (pandas, polars, pyarrow, a dict of arrays) gives a table of the same family with the
customer id column first (in the input's own type) and the prediction, one row per input row in
input order; arrays in give a numpy array. The values are compared with the array path BIT FOR
BIT (tolerance 0: the same compiled code evaluates the same rows); the array path itself is
checked against lifetimes 0.11.3 and the papers in test_clv_lifetimes.py / test_clv_reference.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import crmkit

WEEKS = crmkit.WEEKS_PER_MONTH
BG = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
PN = crmkit.ParetoNbd.from_params(r=0.5533, alpha=10.5776, s=0.6062, beta=11.6679)
GG = crmkit.GammaGamma.from_params(p=6.2488, q=3.7446, gamma=15.4477)
BB = crmkit.BgBb.from_params(alpha=1.2035, beta=0.7497, gamma=0.6567, delta=2.7834)

# ids deliberately out of order and of mixed length: the result keeps input order, not id order
IDS = ["zoe", "a", "mm", "b7", "c"]
SUMMARY = {
    "customer_id": IDS,
    "x": np.array([2.0, 0.0, 5.0, 1.0, 3.0]),
    "t_x": np.array([30.43, 0.0, 35.0, 3.0, 20.0]),
    "T": np.array([38.86, 38.86, 36.0, 30.0, 25.0]),
    "m_x": np.array([25.0, 0.0, 40.0, 12.0, 18.5]),
    "n": np.array([6.0, 6.0, 6.0, 6.0, 6.0]),
}
DISCRETE_T_X = np.array([5.0, 0.0, 6.0, 1.0, 4.0])  # BG/BB: recency ≤ n = 6 and ≥ 1 when x > 0


def table_of(fam: str, data: dict[str, Any] = SUMMARY) -> Any:
    frame = pd.DataFrame(data)
    if fam == "pandas":
        return frame.set_index(pd.Index([10, 11, 12, 13, 14]))  # a non-default index: results reset it
    if fam == "polars":
        return pl.from_pandas(frame)
    if fam == "pyarrow":
        return pa.Table.from_pandas(frame, preserve_index=False)
    return {k: np.asarray(v, dtype=object) if k == "customer_id" else np.asarray(v) for k, v in data.items()}


ARRAYS = (SUMMARY["x"], SUMMARY["t_x"], SUMMARY["T"])

# (column of the result, call on a table, the same call on arrays)
CALLS: list[tuple[str, Callable[[Any], Any], Callable[[], np.ndarray]]] = [
    ("probability_alive", lambda d: BG.probability_alive(d), lambda: BG.probability_alive(*ARRAYS)),
    ("expected_purchases", lambda d: BG.expected_purchases(d, 39), lambda: BG.expected_purchases(ARRAYS[0], 39, *ARRAYS[1:])),
    (
        "discounted_expected_transactions",
        lambda d: PN.discounted_expected_transactions(d, 0.003),
        lambda: PN.discounted_expected_transactions(ARRAYS[0], 0.003, *ARRAYS[1:]),
    ),
    (
        "conditional_probability_of_purchases",
        lambda d: PN.conditional_probability_of_purchases(d, 1, 39),
        lambda: PN.conditional_probability_of_purchases(ARRAYS[0], 1, 39, *ARRAYS[1:]),
    ),
    ("expected_spend", lambda d: GG.expected_spend(d), lambda: GG.expected_spend(SUMMARY["x"], SUMMARY["m_x"])),
    (
        "clv",
        lambda d: GG.customer_lifetime_value(BG, d, time_units_per_month=WEEKS),
        lambda: GG.customer_lifetime_value(BG, *ARRAYS, SUMMARY["m_x"], time_units_per_month=WEEKS),
    ),
    (
        "clv_dert",
        lambda d: GG.clv_dert(PN, d, annual_discount_rate=0.15, time_units_per_year=52),
        lambda: GG.clv_dert(PN, *ARRAYS, SUMMARY["m_x"], annual_discount_rate=0.15, time_units_per_year=52),
    ),
]


def column(result: Any, name: str) -> np.ndarray:
    if isinstance(result, pa.Table):
        return np.asarray(result.column(name).to_pylist())
    if isinstance(result, pl.DataFrame):
        return np.asarray(result.get_column(name).to_list())
    return np.asarray(list(result[name]) if name == "customer_id" else result[name])


def names(result: Any) -> list[str]:
    return list(result.column_names) if isinstance(result, pa.Table) else list(result.columns) if hasattr(result, "columns") else list(result)


RESULT_TYPE = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.Table, "numpy": dict}


@pytest.mark.parametrize("fam", ["pandas", "polars", "pyarrow", "numpy"])
@pytest.mark.parametrize("name, on_table, on_arrays", CALLS, ids=[c[0] for c in CALLS])
def test_point_predictions_on_a_table_are_keyed_by_customer(fam: str, name: str, on_table: Callable[[Any], Any], on_arrays: Callable[[], np.ndarray]) -> None:
    result = on_table(table_of(fam))
    assert isinstance(result, RESULT_TYPE[fam])
    assert names(result) == ["customer_id", name]
    assert column(result, "customer_id").tolist() == IDS  # input order, not sorted
    expected = on_arrays()
    assert isinstance(expected, np.ndarray) and expected.dtype == np.float64  # arrays in, an array out
    np.testing.assert_array_equal(column(result, name), expected)


def test_bg_bb_point_predictions_are_keyed_by_customer() -> None:
    data = {**SUMMARY, "t_x": DISCRETE_T_X}
    for fam in ("pandas", "polars", "pyarrow", "numpy"):
        table = table_of(fam, data)
        alive = BB.probability_alive(table, future=2)
        e = BB.expected_purchases(table, 5)
        assert names(alive) == ["customer_id", "probability_alive"] and names(e) == ["customer_id", "expected_purchases"]
        assert column(e, "customer_id").tolist() == IDS
        np.testing.assert_array_equal(column(alive, "probability_alive"), BB.probability_alive(SUMMARY["x"], DISCRETE_T_X, SUMMARY["n"], future=2))
        np.testing.assert_array_equal(column(e, "expected_purchases"), BB.expected_purchases(SUMMARY["x"], 5, DISCRETE_T_X, SUMMARY["n"]))


def test_ids_keep_their_type() -> None:
    base = {k: v for k, v in SUMMARY.items() if k != "customer_id"}
    # polars UInt32 and pyarrow large_string ids come back in the same type; pandas nullable
    # Int64 and string dtypes too
    polars = pl.DataFrame({"customer_id": pl.Series([5, 4, 3, 2, 1], dtype=pl.UInt32), **base})
    assert BG.probability_alive(polars).schema["customer_id"] == pl.UInt32
    arrow = pa.table({"customer_id": pa.array(IDS, type=pa.large_string()), **base})
    assert BG.probability_alive(arrow).schema.field("customer_id").type == pa.large_string()
    for dtype in ("Int64", "string"):
        ids = pd.Series([5, 4, 3, 2, 1] if dtype == "Int64" else IDS, dtype=dtype)
        out = BG.probability_alive(pd.DataFrame({"customer_id": ids, **base}))
        assert out["customer_id"].dtype == ids.dtype and out["customer_id"].tolist() == ids.tolist()


def test_the_id_column_is_the_one_named_or_none() -> None:
    renamed = pd.DataFrame(SUMMARY).rename(columns={"customer_id": "account"})
    out = BG.probability_alive(renamed, customer_id="account")
    assert list(out.columns) == ["account", "probability_alive"] and out["account"].tolist() == IDS
    # a table without the id column: the prediction alone, still a table of its family
    assert list(BG.probability_alive(renamed).columns) == ["probability_alive"]
    assert list(BG.expected_purchases(pd.DataFrame(SUMMARY), 39, customer_id=None).columns) == ["expected_purchases"]
    # polars LazyFrame: a polars DataFrame back
    lazy = pl.from_pandas(pd.DataFrame(SUMMARY)).lazy()
    out_lazy = BG.probability_alive(lazy)
    assert isinstance(out_lazy, pl.DataFrame) and out_lazy["customer_id"].to_list() == IDS


def test_compressed_summary_predictions_follow_what_it_was_built_from() -> None:
    frame = pd.DataFrame(SUMMARY)
    rows = crmkit.CompressedSummary(pl.from_pandas(frame), m_x="m_x")
    out = BG.probability_alive(rows)
    assert isinstance(out, pl.DataFrame) and out.columns == ["customer_id", "probability_alive"]
    assert out["customer_id"].to_list() == IDS
    np.testing.assert_array_equal(out["probability_alive"].to_numpy(), BG.probability_alive(*ARRAYS))
    clv = GG.customer_lifetime_value(BG, rows, time_units_per_month=WEEKS)
    assert clv.columns == ["customer_id", "clv"]
    # built from arrays alone: arrays out
    bare = crmkit.CompressedSummary(None, x=ARRAYS[0], t_x=ARRAYS[1], T=ARRAYS[2])
    assert isinstance(BG.expected_purchases(bare, 39), np.ndarray)
    # an id column the table lacks: the predictions alone
    no_ids = crmkit.CompressedSummary(frame.drop(columns="customer_id"))
    assert list(BG.probability_alive(no_ids).columns) == ["probability_alive"]


def test_predict_and_intervals_share_the_keys_of_the_point_predictions() -> None:
    frame = pd.DataFrame(SUMMARY)
    # ten summaries shared by 2,320 customers (the fit needs a covariance for the intervals)
    x, t_x = [0, 1, 1, 2, 2, 3, 3, 5, 7, 10], [0, 5, 30, 10, 35, 20, 37, 25, 36, 37]
    fitted = crmkit.BgNbd().fit(x, t_x, [38.0] * 10, weights=[1400, 300, 150, 100, 120, 60, 80, 40, 50, 20])
    point = fitted.probability_alive(frame)
    interval = fitted.probability_alive_intervals(frame)
    assert point["customer_id"].tolist() == interval["customer_id"].tolist() == IDS
    np.testing.assert_array_equal(point["probability_alive"], interval["probability_alive"])
    np.testing.assert_array_equal(fitted.predict(frame, 39)["expected_purchases"], fitted.expected_purchases(frame, 39)["expected_purchases"])


def test_record_batches_and_duckdb_relations_come_back_as_pyarrow_tables() -> None:
    duckdb = pytest.importorskip("duckdb")
    batch = pa.RecordBatch.from_pandas(pd.DataFrame(SUMMARY), preserve_index=False)
    out = BG.probability_alive(batch)
    assert isinstance(out, pa.Table) and out.column_names == ["customer_id", "probability_alive"]
    assert out.column("customer_id").to_pylist() == IDS
    np.testing.assert_array_equal(out.column("probability_alive").to_numpy(), BG.probability_alive(*ARRAYS))
    frame = pd.DataFrame(SUMMARY)  # read by the relation below
    relation = duckdb.sql("select * from frame")
    rel = BG.expected_purchases(relation, 39)
    assert isinstance(rel, pa.Table) and rel.column("customer_id").to_pylist() == IDS
    np.testing.assert_array_equal(rel.column("expected_purchases").to_numpy(), BG.expected_purchases(ARRAYS[0], 39, *ARRAYS[1:]))
