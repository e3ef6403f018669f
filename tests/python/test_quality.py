"""crmkit.quality_report: every rule, every frame family, nulls anywhere, and the invariant that
row order changes only row indices, never counts.

Expected values are counted by hand from the small logs below, or computed with pandas
(``DataFrame.duplicated(keep="first")``, ``isna``, comparisons; pandas as installed) on random
logs — exact integer counts, no tolerance.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import crmkit
from crmkit import _crmkit

AS_OF = "2024-03-31"

# row: id, timestamp, amount                      rule
# 0: C1 2024-03-01 20.0                           -
# 1: C1 2024-03-01 20.0                           duplicate_row
# 2: None 2024-03-02 5.0                          missing_customer_id
# 3: C2 2024-05-01 7.0                            timestamp_after_as_of
# 4: C3 2024-03-03 -8.0                           negative_amount
# 5: C3 NaT 9.0                                   missing_timestamp
# 6: C4 2024-03-04 null                           missing_amount
# 7: C4 2023-12-31 4.0                            timestamp_before_start (start 2024-01-01)
# 8: C5 2024-03-05 1000.0                         outlier_amount (factor 5: mean 1065/7, cut 760.7)
IDS = ["C1", "C1", None, "C2", "C3", "C3", "C4", "C4", "C5"]
TIMES = [dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 2), dt.datetime(2024, 5, 1),
         dt.datetime(2024, 3, 3), None, dt.datetime(2024, 3, 4), dt.datetime(2023, 12, 31), dt.datetime(2024, 3, 5)]
AMOUNTS = [20.0, 20.0, 5.0, 7.0, -8.0, 9.0, None, 4.0, 1000.0]
EXPECTED = {
    "missing_customer_id": [2],
    "missing_timestamp": [5],
    "missing_amount": [6],
    "non_finite_amount": [],
    "negative_amount": [4],
    "timestamp_after_as_of": [3],
    "timestamp_before_start": [7],
    "duplicate_row": [1],
    "outlier_amount": [8],
}


def _check(report: crmkit.QualityReport) -> None:
    assert report.rules == tuple(EXPECTED)
    for rule, rows in EXPECTED.items():
        assert report.row_indices(rule).tolist() == rows, rule
    assert report.outlier_cut == pytest.approx(5 * 1065 / 7, rel=1e-15)


def _pandas_log() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": pd.Series(IDS, dtype=object),
        "timestamp": pd.to_datetime(pd.Series(TIMES)),
        "amount": pd.array(AMOUNTS, dtype="Float64"),
    })


LOGS = {
    "pandas-object": _pandas_log,
    "pandas-string": lambda: _pandas_log().astype({"customer_id": "string"}),
    "pandas-string-pyarrow": lambda: _pandas_log().astype({"customer_id": "string[pyarrow]"}),
    "pandas-categorical": lambda: _pandas_log().astype({"customer_id": "category"}),
    "pandas-arrow-dtypes": lambda: pd.DataFrame({
        "customer_id": pd.Series(IDS, dtype=pd.ArrowDtype(pa.string())),
        "timestamp": pd.Series(TIMES, dtype=pd.ArrowDtype(pa.timestamp("us"))),
        "amount": pd.Series(AMOUNTS, dtype=pd.ArrowDtype(pa.float64())),
    }),
    "polars": lambda: pl.DataFrame({"customer_id": IDS, "timestamp": TIMES, "amount": AMOUNTS}),
    "polars-lazy": lambda: pl.DataFrame({"customer_id": IDS, "timestamp": TIMES, "amount": AMOUNTS}).lazy(),
    "polars-categorical": lambda: pl.DataFrame({"customer_id": IDS, "timestamp": TIMES, "amount": AMOUNTS}).with_columns(
        pl.col("customer_id").cast(pl.Categorical)),
    "pyarrow": lambda: pa.table({"customer_id": IDS, "timestamp": TIMES, "amount": AMOUNTS}),
    "pyarrow-chunked-dictionary": lambda: pa.Table.from_batches(
        pa.table({"customer_id": pa.array(IDS).dictionary_encode(), "timestamp": TIMES, "amount": AMOUNTS}).to_batches(max_chunksize=4)),
    "pyarrow-date32-large-string": lambda: pa.table({
        "customer_id": pa.array(IDS, type=pa.large_string()),
        "timestamp": pa.array([t.date() if t else None for t in TIMES], type=pa.date32()),
        "amount": pa.array(AMOUNTS, type=pa.float32())}),
}


@pytest.mark.parametrize("kind", sorted(LOGS))
def test_every_log_rule_in_every_frame_family(kind: str) -> None:
    log = LOGS[kind]()
    report = crmkit.quality_report(log, as_of=AS_OF, start="2024-01-01", outlier_factor=5)
    _check(report)
    family = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.Table}[kind.split("-")[0]]
    summary = report.summary()
    assert isinstance(summary, family)
    rows = report.rows("missing_customer_id")
    assert isinstance(rows, family)
    dup = report.rows("duplicate_row")
    as_dict = dup.to_pydict() if isinstance(dup, pa.Table) else dup.to_dict(as_series=False) if isinstance(dup, pl.DataFrame) else dup.to_dict("list")
    assert as_dict["row"] == [1]
    assert [str(v) for v in as_dict["customer_id"]] == ["C1"]


def test_numpy_arrays_and_a_dict_of_arrays() -> None:
    ids = np.array([1, 1, 2, 3], dtype=np.uint64)
    ts = np.array(["2024-03-01", "2024-03-01", "NaT", "2024-04-02"], dtype="datetime64[s]")
    amounts = np.array([10.0, 10.0, np.nan, np.inf])
    report = crmkit.quality_report({"customer_id": ids, "timestamp": ts, "amount": amounts}, as_of=AS_OF)
    assert report.counts == {
        "missing_customer_id": 0, "missing_timestamp": 1, "missing_amount": 0, "non_finite_amount": 2,
        "negative_amount": 0, "timestamp_after_as_of": 1, "duplicate_row": 1, "outlier_amount": 0,
    }
    summary = report.summary()
    assert isinstance(summary, dict) and summary["rule"][0] == "missing_customer_id"
    assert summary["rows"].dtype == np.int64
    rows = crmkit.quality_report(None, customer_id=ids, timestamp=ts, amount=amounts, as_of=AS_OF).rows("non_finite_amount")
    assert rows["row"].tolist() == [2, 3] and rows["customer_id"].tolist() == [2, 3]


def test_integer_ids_with_nulls_and_wide_unsigned_ids() -> None:
    # pandas stores integer ids with a missing one as float64 with NaN
    log = pd.DataFrame({"customer_id": [1.0, np.nan, 1.0], "timestamp": pd.to_datetime(["2024-01-01"] * 3), "amount": [1.0] * 3})
    report = crmkit.quality_report(log, as_of=AS_OF)
    assert report.row_indices("missing_customer_id").tolist() == [1]
    assert report.row_indices("duplicate_row").tolist() == [2]
    nullable = log.astype({"customer_id": "Int64"})
    assert crmkit.quality_report(nullable, as_of=AS_OF).counts == report.counts
    # uint64 ids >= 2^63 stay distinct (no duplicate across them), in numpy, polars and pyarrow
    big = [2**63, 2**63 + 5, 2**64 - 1, 0]
    for table in (
        {"customer_id": np.array(big, dtype=np.uint64), "timestamp": np.zeros(4, "datetime64[D]"), "amount": np.ones(4)},
        pl.DataFrame({"customer_id": pl.Series(big, dtype=pl.UInt64), "timestamp": [dt.date(2024, 1, 1)] * 4, "amount": [1.0] * 4}),
        pa.table({"customer_id": pa.array(big, pa.uint64()), "timestamp": [dt.date(2024, 1, 1)] * 4, "amount": [1.0] * 4}),
    ):
        assert crmkit.quality_report(table, as_of=AS_OF).count("duplicate_row") == 0
    with pytest.raises(crmkit.ConfigError, match="whole numbers"):
        crmkit.quality_report(log.assign(customer_id=[1.5, 2.0, 3.0]), as_of=AS_OF)


def test_a_null_inside_a_dictionary_is_a_missing_id() -> None:
    ids = pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], pa.int32()), pa.array(["A", None]))
    log = pa.table({"customer_id": ids, "timestamp": [dt.date(2024, 1, 1)] * 3, "amount": [1.0, 2.0, 3.0]})
    report = crmkit.quality_report(log, as_of=AS_OF)
    assert report.row_indices("missing_customer_id").tolist() == [1]
    assert report.rows("missing_customer_id").column("customer_id").to_pylist() == [None]


def test_time_zone_aware_timestamps_count_on_the_local_day() -> None:
    # 2024-03-31 23:30 in Tokyo is 14:30 UTC the same day; 2024-04-01 00:30 Tokyo is after as_of
    local = pd.to_datetime(["2024-03-31 23:30", "2024-04-01 00:30"]).tz_localize("Asia/Tokyo")
    log = pd.DataFrame({"customer_id": [1, 2], "timestamp": local, "amount": [1.0, 1.0]})
    arrow_backed = log.astype({"timestamp": pd.ArrowDtype(pa.timestamp("us", tz="Asia/Tokyo"))})
    for table in (log, arrow_backed, pl.from_pandas(log), pa.Table.from_pandas(log)):
        assert crmkit.quality_report(table, as_of=AS_OF).row_indices("timestamp_after_as_of").tolist() == [1]


def test_duplicate_columns_join_the_key() -> None:
    log = pd.DataFrame({
        "customer_id": [1, 1, 1, 1],
        "timestamp": pd.to_datetime(["2024-01-01 10:00"] * 3 + ["2024-01-01 10:01"]),
        "amount": [5.0] * 4,
        "order_id": ["A", "B", "A", "A"],
        "channel": pd.array([None, None, None, None], dtype="string"),
    })
    assert crmkit.quality_report(log, as_of=AS_OF).row_indices("duplicate_row").tolist() == [1, 2]
    report = crmkit.quality_report(log, as_of=AS_OF, duplicate_columns=["order_id", "channel"])
    assert report.row_indices("duplicate_row").tolist() == [2]
    # the same through polars and pyarrow, and a timestamp second apart is no duplicate
    for table in (pl.from_pandas(log), pa.Table.from_pandas(log)):
        assert crmkit.quality_report(table, as_of=AS_OF, duplicate_columns="order_id").row_indices("duplicate_row").tolist() == [2]


def test_outlier_rules() -> None:
    # orders 1..9 and 100 (and a refund, which takes no part): median 5.5, MAD 2.5,
    # cut 5.5 + 3.5 * 2.5 / 0.6745 = 18.47 (Iglewicz & Hoaglin modified z > 3.5)
    amounts = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100, -50]
    log = pd.DataFrame({"customer_id": range(11), "timestamp": pd.to_datetime(["2024-01-01"] * 11), "amount": amounts})
    mad = crmkit.quality_report(log, as_of=AS_OF, outliers="mad")
    assert mad.outlier_cut == pytest.approx(5.5 + 3.5 * 2.5 / 0.6745, rel=1e-14)
    assert mad.row_indices("outlier_amount").tolist() == [9]
    assert crmkit.quality_report(log, as_of=AS_OF, outliers="mad", mad_threshold=100).count("outlier_amount") == 0
    mean = crmkit.quality_report(log, as_of=AS_OF)
    assert mean.outlier_cut == pytest.approx(145.0, rel=1e-15)  # 10 × mean(1..9, 100) = 10 × 14.5
    assert mean.count("outlier_amount") == 0
    assert crmkit.quality_report(log, as_of=AS_OF, outlier_factor=5).row_indices("outlier_amount").tolist() == [9]
    for bad in ({"outliers": "zscore"}, {"outlier_factor": 0}, {"mad_threshold": float("nan"), "outliers": "mad"}):
        with pytest.raises(crmkit.ConfigError):
            crmkit.quality_report(log, as_of=AS_OF, **bad)  # type: ignore[arg-type]


def test_customer_record_rules_in_each_family() -> None:
    records = pd.DataFrame({
        "customer_id": ["C1", "C1", "C2", "C2", None, "C3"],
        "name": ["Acme Ltd", " acme  LTD", "Beta", "Gamma", "Delta", None],
        "contact": ["ops@acme.example", "", None, "+1 555 0100", "d@x.example", "e@x.example"],
        "industry": ["retail", "retail", "retail", "\t", "retail", "retail"],
        "core_need": ["delivery"] * 6,
    })
    expected = {
        "record_missing_customer_id": [4],
        "conflicting_names": [2, 3],
        "missing_name": [5],
        "missing_contact": [1, 2],
        "missing_industry": [3],
        "missing_core_need": [],
    }
    log = _pandas_log()
    for table in (records, pl.from_pandas(records), pa.Table.from_pandas(records)):
        report = crmkit.quality_report(log, as_of=AS_OF, customers=table)
        for rule, rows in expected.items():
            assert report.row_indices(rule).tolist() == rows, rule
        assert report.customer_records == 6
        rows_frame = report.rows("conflicting_names")
        ids = rows_frame["customer_id"].to_list() if not isinstance(rows_frame, pa.Table) else rows_frame.column("customer_id").to_pylist()
        assert list(ids) == ["C2", "C2"]
        # ids only: no name, contact or other field appears in what the report gives back
        text = repr(report) + report._repr_html_() + repr(report.to_dict())
        for value in ("Acme", "Beta", "Gamma", "ops@", "+1 555"):
            assert value not in text
    # a field can be skipped; a missing column is a ConfigError naming it
    report = crmkit.quality_report(log, as_of=AS_OF, customers=records.drop(columns="core_need"), core_need=None)
    assert "missing_core_need" not in report.rules
    with pytest.raises(crmkit.ConfigError, match="customers.core_need"):
        crmkit.quality_report(log, as_of=AS_OF, customers=records.drop(columns="core_need"))


def test_rule_vocabulary_and_errors() -> None:
    assert [r for r, _ in _crmkit.quality_rules()] == list(crmkit.QUALITY_RULES)
    report = crmkit.quality_report(_pandas_log(), as_of=AS_OF)
    with pytest.raises(crmkit.ConfigError, match="expected one of"):
        report.rows("typo")  # type: ignore[arg-type]
    with pytest.raises(crmkit.ConfigError, match="not checked"):
        report.rows("conflicting_names")
    with pytest.raises(crmkit.ConfigError, match="no column"):
        crmkit.quality_report(_pandas_log(), as_of=AS_OF, amount="price")
    with pytest.raises(crmkit.ConfigError, match="as_of"):
        crmkit.quality_report(_pandas_log(), as_of="31/03/2024")
    text = repr(report)
    assert text.startswith("QualityReport(9 transactions") and "duplicate_row" in text
    assert "<table>" in report._repr_html_()
    assert not report.is_clean


def test_an_empty_log_is_clean() -> None:
    empty = pd.DataFrame({"customer_id": pd.Series([], dtype="int64"), "timestamp": pd.to_datetime(pd.Series([], dtype="object")),
                          "amount": pd.Series([], dtype="float64")})
    report = crmkit.quality_report(empty, as_of=AS_OF)
    assert report.is_clean and report.outlier_cut is None and report.transactions == 0
    report = crmkit.quality_report(pa.table({"customer_id": pa.array([], pa.string()), "timestamp": pa.array([], pa.date32()),
                                             "amount": pa.array([], pa.float64())}), as_of=AS_OF)
    assert report.is_clean


def test_agrees_with_pandas_on_random_logs() -> None:
    rng = np.random.default_rng(7)
    n = 5_000
    log = pd.DataFrame({
        "customer_id": pd.array(rng.integers(0, 300, n), dtype="Int64"),
        "timestamp": np.datetime64("2024-01-01") + rng.integers(0, 120, n).astype("timedelta64[D]"),
        "amount": rng.choice([5.0, 10.0, 12.5, -3.0, np.nan, 900.0], n),
    })
    log.loc[rng.random(n) < 0.02, "customer_id"] = pd.NA
    log.loc[rng.random(n) < 0.02, "timestamp"] = pd.NaT
    report = crmkit.quality_report(log, as_of=AS_OF, start="2024-01-15")
    day = log["timestamp"].dt.floor("D")
    expected = {
        "missing_customer_id": log["customer_id"].isna(),
        "missing_timestamp": log["timestamp"].isna(),
        "non_finite_amount": log["amount"].isna(),
        "negative_amount": log["amount"] < 0,
        "timestamp_after_as_of": day > pd.Timestamp(AS_OF),
        "timestamp_before_start": day < pd.Timestamp("2024-01-15"),
        "duplicate_row": log.duplicated(["customer_id", "timestamp", "amount"], keep="first"),
    }
    for rule, mask in expected.items():
        assert report.row_indices(rule).tolist() == np.flatnonzero(mask.to_numpy()).tolist(), rule
    orders = log["amount"][log["amount"] >= 0]
    assert report.outlier_cut == pytest.approx(10 * orders.mean(), rel=1e-12)
    assert report.row_indices("outlier_amount").tolist() == np.flatnonzero((log["amount"] > 10 * orders.mean()).to_numpy()).tolist()


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["a", "b", "c"])),
            st.one_of(st.none(), st.integers(0, 6)),
            st.one_of(st.none(), st.sampled_from([1.0, 2.0, -1.0, float("nan"), float("inf"), 50.0])),
        ),
        min_size=1,
        max_size=40,
    ),
    seed=st.integers(0, 2**32 - 1),
    mad=st.booleans(),
)
def test_row_order_changes_indices_not_counts(rows: list[tuple[str | None, int | None, float | None]], seed: int, mad: bool) -> None:
    perm = np.random.default_rng(seed).permutation(len(rows))

    def table(order: np.ndarray) -> pa.Table:
        picked = [rows[i] for i in order]
        return pa.table({
            "customer_id": pa.array([r[0] for r in picked], pa.string()),
            "timestamp": pa.array([None if r[1] is None else dt.date(2024, 3, 28) + dt.timedelta(days=r[1]) for r in picked], pa.date32()),
            "amount": pa.array([r[2] for r in picked], pa.float64()),
        })

    options = {"as_of": AS_OF, "start": "2024-03-29", "outliers": "mad" if mad else "mean_multiple", "outlier_factor": 2.0}
    a = crmkit.quality_report(table(np.arange(len(rows))), **options)  # type: ignore[arg-type]
    b = crmkit.quality_report(table(perm), **options)  # type: ignore[arg-type]
    assert a.counts == b.counts
    assert a.outlier_cut == b.outlier_cut
    for rule in a.rules:
        if rule != "duplicate_row":  # which copy counts as the first depends on the order
            assert sorted(perm[b.row_indices(rule)].tolist()) == a.row_indices(rule).tolist(), rule


def _plain_duplicates(rows: list[tuple[object, int | None, float | None]]) -> list[int]:
    """Rows equal to an earlier row (NaN equals NaN, -0.0 equals 0.0, null equals null)."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for i, (cid, day, amount) in enumerate(rows):
        a: object = amount
        if amount is not None and math.isnan(amount):
            a = "nan"
        elif amount == 0.0:
            a = 0.0
        key = (cid, day, a)
        if key in seen:
            out.append(i)
        seen.add(key)
    return out


def _plain_cut(rows: list[tuple[object, int | None, float | None]], mad: bool) -> float | None:
    orders = [a for _, _, a in rows if a is not None and math.isfinite(a) and a >= 0]
    if not orders:
        return None
    if not mad:
        return 2.0 * math.fsum(orders) / len(orders)
    center = statistics.median(orders)
    deviations = [abs(a - center) for a in orders]
    spread = statistics.median(deviations)
    if spread > 0:
        return center + 3.5 * spread / 0.6745
    return center + 3.5 * 1.253314 * math.fsum(deviations) / len(deviations)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 3)),
            st.one_of(st.none(), st.integers(0, 3)),
            st.one_of(st.none(), st.sampled_from([0.0, -0.0, 1.0, 2.0, -1.0, float("nan"), 40.0]),
                      st.floats(0, 1e6)),
        ),
        min_size=1,
        max_size=60,
    ),
    seed=st.integers(0, 2**32 - 1),
    strings=st.booleans(),
    mad=st.booleans(),
)
# found by this test: a mean summed on a 2^-40 grid gave 0.00019999999858555384 for 2 x 1e-4
@example(rows=[(None, None, 0.0001)], seed=0, strings=False, mad=False)
@example(rows=[(1, 1, 5e-13), (2, 1, 3e-13)], seed=0, strings=True, mad=True)
def test_duplicates_and_outliers_match_a_plain_reference_under_shuffles(
    rows: list[tuple[int | None, int | None, float | None]], seed: int, strings: bool, mad: bool
) -> None:
    """The partitioned duplicate check and the parallel outlier cut against plain Python
    (a set of seen rows; statistics.median and math.fsum, rel 1e-12), in the drawn order and
    shuffled; string and integer ids."""
    perm = np.random.default_rng(seed).permutation(len(rows))
    for order in (np.arange(len(rows)), perm):
        picked = [rows[i] for i in order]
        ids = [None if r[0] is None else (f"CUS-{r[0]:010d}" if strings else 2**62 + r[0]) for r in picked]
        table = pa.table({
            "customer_id": pa.array(ids, pa.string() if strings else pa.int64()),
            "timestamp": pa.array([None if r[1] is None else dt.date(2024, 3, 1) + dt.timedelta(days=r[1]) for r in picked], pa.date32()),
            "amount": pa.array([r[2] for r in picked], pa.float64()),
        })
        report = crmkit.quality_report(table, as_of=AS_OF, outliers="mad" if mad else "mean_multiple", outlier_factor=2.0)
        plain = [(ids[i], picked[i][1], picked[i][2]) for i in range(len(picked))]
        assert report.row_indices("duplicate_row").tolist() == _plain_duplicates(plain)
        cut = _plain_cut(plain, mad)
        if cut is None:
            assert report.outlier_cut is None
            continue
        assert report.outlier_cut == pytest.approx(cut, rel=1e-12, abs=1e-12)
        flagged = [i for i, (_, _, a) in enumerate(plain) if a is not None and math.isfinite(a) and a > report.outlier_cut]
        assert report.row_indices("outlier_amount").tolist() == flagged


def test_warnings_about_rows_left_out_name_their_rule() -> None:
    log = pd.DataFrame({"customer_id": [1, 1, 2], "timestamp": pd.to_datetime(["2024-01-01", "2024-05-01", "2024-01-02"]),
                        "amount": [10.0, 5.0, -2.0]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        crmkit.rfm_features(log, as_of=AS_OF, after_as_of="exclude", negative_amounts="net")
    messages = [str(w.message) for w in caught if issubclass(w.category, crmkit.CrmkitWarning)]
    assert len(messages) == 1
    assert "timestamp_after_as_of: 1 of 3 rows were after as_of" in messages[0]
    assert "negative_amount: 1 refund rows were netted" in messages[0]
    # the report flags the same rows under the same names
    report = crmkit.quality_report(log, as_of=AS_OF)
    assert report.count("timestamp_after_as_of") == 1 and report.count("negative_amount") == 1
    with pytest.warns(crmkit.CrmkitWarning, match="timestamp_after_as_of: 1 transactions"):
        crmkit.lifecycle_stages(log[["customer_id", "timestamp"]], as_of=AS_OF, after_as_of="exclude")
