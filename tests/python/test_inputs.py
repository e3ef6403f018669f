"""Ids exact, times exact, strict dates, and bad input as a CrmkitError: one test per finding of
the ingestion probe (issue "Data in"), across the frame families that can hold each case.

Expected values are worked by hand: one purchase per row, so ``frequency`` counts rows per
customer and the ids come back in ascending order, unchanged.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit

HAS = {name: importlib.util.find_spec(name) is not None for name in ("pandas", "polars", "pyarrow")}
AS_OF = "2024-02-01"


def features(ids: Any, days: Any = None, **kw: Any) -> Any:
    n = len(ids)
    ts = np.full(n, np.datetime64("2024-01-01", "D")) if days is None else days
    return crmkit.rfm_features(customer_id=ids, timestamp=ts, amount=np.ones(n), as_of=kw.pop("as_of", AS_OF), **kw)


def id_list(out: Any) -> list[Any]:
    col = out["customer_id"]
    for attr in ("to_pylist", "to_list", "tolist"):
        if hasattr(col, attr):
            return list(getattr(col, attr)())
    return list(col)


def freq(out: Any) -> list[int]:
    return [int(v) for v in np.asarray(out["frequency"])]


# --- ids ------------------------------------------------------------------------------------


def uint64_columns(values: list[int]) -> list[Any]:
    cols: list[Any] = [np.array(values, dtype=np.uint64)]
    if HAS["pyarrow"]:
        import pyarrow as pa

        cols.append(pa.array(values, pa.uint64()))
    if HAS["polars"]:
        import polars as pl

        cols.append(pl.Series(values, dtype=pl.UInt64))
    if HAS["pandas"]:
        import pandas as pd

        cols.append(pd.Series(values, dtype="uint64"))
        cols.append(pd.Series(values, dtype="UInt64"))
    return cols


@pytest.mark.parametrize("values", [[2**63, 2**63 + 5, 2**63], [2**64 - 1, 0, 2**64 - 1], [5, 2**64 - 1, 2**63 - 1]])
def test_uint64_ids_at_and_above_2_63_stay_distinct(values: list[int]) -> None:
    expected = sorted(set(values))
    for col in uint64_columns(values):
        out = features(col)
        assert id_list(out) == expected, type(col)
        assert freq(out) == [values.count(v) for v in expected]


def test_int64_ids_beyond_2_53_are_exact() -> None:
    values = [2**62, 2**62 + 1, 2**62, -(2**63), 2**63 - 1]
    out = features(np.array(values, dtype=np.int64))
    assert id_list(out) == [-(2**63), 2**62, 2**62 + 1, 2**63 - 1]
    assert freq(out) == [1, 2, 1, 1]
    scores = crmkit.value_scores(
        customer_id=np.array([2**62, 2**62 + 1]), historical=[1.0, 2.0], potential=[1.0, 2.0], strategic=[1.0, 2.0]
    )
    assert list(scores["customer_id"]) == [2**62, 2**62 + 1]  # two customers, not one duplicate
    if HAS["pandas"]:  # nullable Int64 ids go through the same exact path
        import pandas as pd

        out = features(pd.Series([2**62 + 1, 2**62], dtype="Int64"))
        assert id_list(out) == [2**62, 2**62 + 1]


@pytest.mark.skipif(not HAS["polars"], reason="needs polars")
def test_polars_int128_ids_are_exact() -> None:
    import polars as pl

    if not hasattr(pl, "Int128"):
        pytest.skip("this polars has no Int128")
    values = [2**100, 1, 2**100, -(2**90)]
    out = features(pl.Series(values, dtype=pl.Int128))
    assert out["customer_id"].dtype == pl.Int128
    assert id_list(out) == [-(2**90), 1, 2**100]
    assert freq(out) == [1, 1, 2]


def test_python_int_ids_of_any_size() -> None:
    out = features(np.array([2**100, 1, 2**64 + 3, 1], dtype=object))
    assert id_list(out) == [1, 2**64 + 3, 2**100]
    with pytest.raises(crmkit.InvalidValueError, match="128 bits"):
        features(np.array([2**200, 1], dtype=object))


def null_id_columns() -> list[Any]:
    cols: list[Any] = [np.array(["a", None, "b"], dtype=object), np.array([3, None, 4], dtype=object)]
    if HAS["pyarrow"]:
        import pyarrow as pa

        cols.append(pa.array(["a", None, "b"]))
        # a dictionary whose VALUES hold the null (the keys are all valid)
        cols.append(pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], pa.int32()), pa.array(["a", None])))
        cols.append(pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], pa.int32()), pa.array([7, None])))
    if HAS["polars"]:
        import polars as pl

        cols.append(pl.Series(["a", None, "b"]))
        cols.append(pl.Series([1, None, 2]))
    if HAS["pandas"]:
        import pandas as pd

        cols += [
            pd.Series(["a", None, "b"], dtype=object),
            pd.Series(["a", None, "b"], dtype="string"),
            pd.Series(["a", None, "b"], dtype="category"),
            pd.Series([1, None, 2], dtype="Int64"),
        ]
    return cols


@pytest.mark.parametrize("col", null_id_columns(), ids=lambda c: f"{type(c).__module__.split('.')[0]}-{getattr(c, 'dtype', getattr(c, 'type', ''))}")
def test_null_ids_name_their_row(col: Any) -> None:
    with pytest.raises(crmkit.MissingValueError, match="row 1") as err:
        features(col)
    assert err.value.field == "customer_id" and err.value.row == 1


def test_strings_keep_every_character() -> None:
    values = ["a\x00", "a", "a\x00b", "é", "🦀", ""]
    cols: list[Any] = [np.array(values, dtype=object), values]
    if HAS["polars"]:
        import polars as pl

        cols.append(pl.Series(values))
    if HAS["pyarrow"]:
        import pyarrow as pa

        cols += [pa.array(values), pa.array(values, pa.large_string())]
        if hasattr(pa, "string_view"):  # pyarrow >= 16
            cols.append(pa.array(values, pa.string_view()))
    if HAS["pandas"]:
        import pandas as pd

        cols += [pd.Series(values, dtype=object), pd.Series(values, dtype="string")]
    expected = sorted(values, key=lambda s: s.encode())
    for col in cols:
        out = features(col)
        assert id_list(out) == expected, type(col)
    if HAS["polars"]:  # polars ids given in a dict: numpy output keeps the NULs
        import polars as pl

        out = crmkit.rfm_features(
            {"customer_id": pl.Series(["a\x00", "a"]), "timestamp": np.full(2, np.datetime64("2024-01-01")), "amount": np.ones(2)},
            as_of=AS_OF,
        )
        assert list(out["customer_id"]) == ["a", "a\x00"]


def test_lone_surrogates_and_mixed_types_are_clear_errors() -> None:
    with pytest.raises(crmkit.InvalidValueError, match="surrogate") as err:
        features(np.array(["ok", "bad\ud800"], dtype=object))
    assert err.value.row == 1 and "bad" not in str(err.value)  # the id itself is not echoed
    with pytest.raises(crmkit.InvalidValueError, match="all be strings or all integers") as err:
        features(np.array([1, "a"], dtype=object))
    assert err.value.row == 1
    if HAS["pandas"]:
        import pandas as pd

        with pytest.raises(crmkit.InvalidValueError):
            features(pd.Series(["x", "\udfff"], dtype=object))
        with pytest.raises(crmkit.InvalidValueError):
            features(pd.Series(["x", 3], dtype=object))


@pytest.mark.skipif(not HAS["pandas"], reason="needs pandas")
def test_duplicated_column_names_are_a_config_error() -> None:
    import pandas as pd

    log = pd.DataFrame([[1, 2, pd.Timestamp("2024-01-01"), 1.0]], columns=["customer_id", "customer_id", "timestamp", "amount"])
    with pytest.raises(crmkit.ConfigError, match="appears 2 times"):
        crmkit.rfm_features(log, as_of=AS_OF)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(-(2**63), 2**64 - 1)), min_size=1, max_size=30))
def test_integer_ids_round_trip(values: list[int]) -> None:
    """Any Python int of 64 bits (signed or not): one customer per distinct value, in order."""
    out = features(np.array(values, dtype=object))
    expected = sorted(set(values))
    assert id_list(out) == expected
    assert freq(out) == [values.count(v) for v in expected]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=6), min_size=1, max_size=30))
def test_string_ids_round_trip(values: list[str]) -> None:
    """Any text (NULs included): one customer per distinct string, in UTF-8 byte order."""
    expected = sorted(set(values), key=lambda s: s.encode())
    cols: list[Any] = [np.array(values, dtype=object)]
    if HAS["pyarrow"]:
        import pyarrow as pa

        cols.append(pa.array(values))
    if HAS["polars"]:
        import polars as pl

        cols.append(pl.Series(values, dtype=pl.String))
    for col in cols:
        out = features(col)
        assert id_list(out) == expected
        assert freq(out) == [values.count(v) for v in expected]


# --- times ----------------------------------------------------------------------------------


def test_days_outside_the_calendar_are_rejected_not_wrapped() -> None:
    ids = np.array([1, 2])
    # 2022-01-08 + 2^32 days wraps to 2022-01-08 in 32 bits (year 11,761,243 really)
    far = np.array(["2022-01-08", "2022-01-08"], dtype="datetime64[D]") + np.array([2**32, 0]).astype("timedelta64[D]")
    with pytest.raises(crmkit.InvalidValueError, match="0001-01-01 and 9999-12-31") as err:
        features(ids, far, as_of="2022-02-01")
    assert err.value.row == 0 and err.value.field == "timestamp"
    low = np.array([-(2**31), 0], dtype=np.int64).view("datetime64[D]")
    with pytest.raises(crmkit.InvalidValueError, match="row 0"):
        features(ids, low)
    with pytest.raises(crmkit.InvalidValueError):  # also when rows after as_of are excluded
        features(ids, far, as_of="2022-02-01", after_as_of="exclude")
    ok = np.array(["0001-01-01", "9999-12-31"], dtype="datetime64[D]")
    assert list(features(ids, ok, as_of="9999-12-31")["days_since_last"]) == [3_652_058, 0]
    if HAS["pyarrow"]:
        import pyarrow as pa

        date32 = pa.array([2**31 - 1, 0], pa.int32()).cast(pa.date32())
        with pytest.raises(crmkit.InvalidValueError, match="row 0"):
            features(ids, date32, after_as_of="exclude")


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns", "m", "h", "D", "10s", "M", "Y", "W"])
def test_every_numpy_unit(unit: str) -> None:
    # 2024-01-01 is a whole month and year; 2023-01-05 a Thursday, where numpy's weeks start.
    days = np.array(["2024-01-01", "2023-01-05"], dtype="datetime64[D]")
    if unit in ("M", "Y"):
        days = days[:1]
    elif unit == "W":
        days = days[1:]
    out = features(np.arange(len(days)), days.astype(f"datetime64[{unit}]"))
    assert list(out["days_since_last"]) == ([392] if unit == "W" else [31, 392][: len(days)])


def test_as_of_is_parsed_strictly() -> None:
    ids = np.array([1])
    for bad in (20241231, True, 1.5, "20241231", "2024-13-01", "2024-02-30", "31/12/2024", "2024-12-31 junk", None, np.int64(5)):
        with pytest.raises(crmkit.ConfigError) as err:
            features(ids, as_of=bad)
        assert err.value.field == "as_of"
    with pytest.raises(crmkit.ConfigError):
        features(ids, as_of="0000-12-31")
    with pytest.raises(crmkit.ConfigError, match="0001-01-01 and 9999-12-31"):
        features(ids, as_of=np.datetime64("10000-01-01"))
    same = [
        "2024-02-01",
        "2024-02-01T23:59:59",
        "2024-02-01 08:00+05:30",
        "2024-02-01T08:00:00.123456Z",
        dt.date(2024, 2, 1),
        dt.datetime(2024, 2, 1, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-8))),  # its own wall-clock date
        np.datetime64("2024-02-01T12:00"),
        np.datetime64("2024-02-01", "D"),
    ]
    if HAS["pandas"]:
        import pandas as pd

        same.append(pd.Timestamp("2024-02-01 13:00", tz="Asia/Tokyo"))
        with pytest.raises(crmkit.ConfigError):
            features(ids, as_of=pd.NaT)
    for value in same:
        assert list(features(ids, as_of=value)["days_since_last"]) == [31], value


def _utc_log(fam: str) -> Any:
    """Two purchases at 23:30 UTC on 2024-01-01: 2024-01-02 in Berlin, 2024-01-01 in New York."""
    instants = [dt.datetime(2024, 1, 1, 23, 30), dt.datetime(2024, 1, 1, 23, 30)]
    data: dict[str, Any] = {"customer_id": [1, 2], "timestamp": instants, "amount": [1.0, 1.0]}
    if fam == "pandas":
        import pandas as pd

        return pd.DataFrame(data)
    if fam == "pandas-aware":
        import pandas as pd

        frame = pd.DataFrame(data)
        frame["timestamp"] = frame["timestamp"].dt.tz_localize("UTC")
        return frame
    if fam == "polars":
        import polars as pl

        return pl.DataFrame(data)
    if fam == "pyarrow":
        import pyarrow as pa

        return pa.table(data)
    return {
        "customer_id": np.array([1, 2]),
        "timestamp": np.array(instants, dtype="datetime64[us]"),
        "amount": np.ones(2),
    }


TZ_FAMILIES = [f for f in ("pandas", "pandas-aware", "polars", "pyarrow") if HAS[f.split("-")[0]]] + (
    ["numpy"] if any(HAS.values()) else []
)


@pytest.mark.parametrize("fam", TZ_FAMILIES)
def test_tz_counts_days_in_the_named_zone(fam: str) -> None:
    log = _utc_log(fam)
    as_of = "2024-01-31"
    berlin = crmkit.rfm_features(log, as_of=as_of, tz="Europe/Berlin")
    assert list(np.asarray(berlin["days_since_last"])) == [29, 29]  # counted on 2024-01-02
    new_york = crmkit.rfm_features(log, as_of=as_of, tz="America/New_York")
    assert list(np.asarray(new_york["days_since_last"])) == [30, 30]  # 18:30 on 2024-01-01
    plain = crmkit.rfm_features(log, as_of=as_of)  # without tz: the wall-clock day as stored
    assert list(np.asarray(plain["days_since_last"])) == [30, 30]
    summary = crmkit.btyd_summary(log, as_of=as_of, tz="Europe/Berlin")
    assert list(np.asarray(summary["T"])) == [29.0, 29.0]
    signals = crmkit.churn_signals(log, as_of=as_of, tz="Asia/Tokyo")
    assert len(signals["customer_id"]) == 2
    stages = crmkit.lifecycle_stages(log, as_of=as_of, tz="Asia/Tokyo")
    assert list(np.asarray(stages["first_purchase"], dtype="datetime64[D]").astype(str)) == ["2024-01-02"] * 2


def test_tz_must_be_a_zone_name() -> None:
    with pytest.raises(crmkit.ConfigError, match="time-zone name") as err:
        features(np.array([1]), tz="Mars/Olympus")
    assert err.value.field == "tz"


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.parametrize("wide", [False, True], ids=["dense ids", "hashed ids"])
def test_id_array_mutated_by_another_thread_never_panics(wide: bool) -> None:
    """The GIL is released while the id buffer is borrowed: a writer thread must give an error
    or a result, never a PanicException (which is not a CrmkitError)."""
    n = 300_000
    rng = np.random.default_rng(7)
    ids = rng.integers(0, 50_000, n) * (10**9 if wide else 1)
    ts = np.full(n, np.datetime64("2024-01-01", "D"))
    amounts = np.ones(n)
    stop = threading.Event()

    def write() -> None:
        i = 0
        while not stop.is_set():
            ids[(i * 7919) % n] = (-1) ** i * 10**15 * (i % 5)  # far outside the id range
            i += 1

    writer = threading.Thread(target=write)
    writer.start()
    outcomes = {"result": 0, "error": 0}
    try:
        for _ in range(20):
            try:
                out = crmkit.rfm_features(customer_id=ids, timestamp=ts, amount=amounts, as_of=AS_OF)
                assert int(np.asarray(out["frequency"]).sum()) == n  # every row counted once
                outcomes["result"] += 1
            except crmkit.InvalidValueError as err:
                assert "changed while crmkit read it" in str(err)
                outcomes["error"] += 1
    finally:
        stop.set()
        writer.join()
    assert sum(outcomes.values()) == 20
