"""Every table family users have, end to end, with whichever frame libraries are installed.

This file is also the subset that scripts/test_matrix.sh runs in small virtualenvs holding only
pandas (at its minimum supported version and at the latest), only polars or only pyarrow: each
case skips when its library is missing, and the cases that need no optional library (numpy,
dicts, the clear error for a path without a reader) always run.

Expected values are worked by hand from the log below (as_of 2024-03-31, window 365 days):
customer "a"/10 bought 20.0 on 2024-01-05 and 35.5 on 2024-03-01 (days since last 30,
frequency 2, monetary 55.5); customer "b"/20 bought 12.0 on 2024-02-10 (50, 1, 12.0). Exact
integers and sums of two binary fractions: compared with ==.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from typing import Any, Callable

import numpy as np
import pytest

import crmkit

HAS = {name: importlib.util.find_spec(name) is not None for name in ("pandas", "polars", "pyarrow", "duckdb")}
AS_OF = "2024-03-31"
DATES = [dt.date(2024, 1, 5), dt.date(2024, 3, 1), dt.date(2024, 2, 10)]
AMOUNTS = [20.0, 35.5, 12.0]
EXPECTED = {"days_since_last": [30, 50], "frequency": [2, 1], "monetary": [55.5, 12.0]}


def needs(*libs: str) -> Any:
    missing = [lib for lib in libs if not HAS[lib]]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)}")


def as_lists(table: Any) -> dict[str, list[Any]]:
    """Columns of any result family as Python lists."""
    mod = type(table).__module__.split(".")[0]
    if mod == "pandas":
        return {c: table[c].tolist() for c in table.columns}
    if mod == "polars":
        return {c: table.get_column(c).to_list() for c in table.columns}
    if mod == "pyarrow":
        return {c: table.column(c).to_pylist() for c in table.column_names}
    return {k: list(np.asarray(v).tolist()) for k, v in table.items()}


def check(out: Any, ids: list[Any]) -> None:
    got = as_lists(out)
    assert got["customer_id"] == ids
    for name, values in EXPECTED.items():
        assert got[name] == values, name


# --- tables of each family: (maker of the log, expected family of the result) ------------------


def _pandas(ids: Any, id_dtype: str | None = None, ts_dtype: str | None = None, amt_dtype: str | None = None) -> Any:
    import pandas as pd

    ts = pd.Series(pd.to_datetime([d.isoformat() for d in DATES]))
    if ts_dtype == "UTC":
        ts = ts.dt.tz_localize("UTC")
    elif ts_dtype == "arrow":
        import pyarrow as pa

        ts = pd.Series(ts.tolist(), dtype=pd.ArrowDtype(pa.timestamp("us")))
    elif ts_dtype is not None:
        ts = ts.astype(ts_dtype)
    return pd.DataFrame(
        {
            "customer_id": pd.Series(ids, dtype=id_dtype),
            "timestamp": ts,
            "amount": pd.Series(AMOUNTS, dtype=amt_dtype),
        }
    )


PANDAS_CASES: list[tuple[str, Callable[[], Any], list[Any]]] = [
    ("object strings", lambda: _pandas(["a", "a", "b"], "object"), ["a", "b"]),
    ("string (python)", lambda: _pandas(["a", "a", "b"], "string[python]"), ["a", "b"]),
    ("categorical", lambda: _pandas(["a", "a", "b"], "category"), ["a", "b"]),
    ("int64", lambda: _pandas([10, 10, 20], "int64"), [10, 20]),
    ("nullable Int64 + Float64", lambda: _pandas([10, 10, 20], "Int64", amt_dtype="Float64"), [10, 20]),
    ("uint8", lambda: _pandas([10, 10, 20], "uint8"), [10, 20]),
    ("tz-aware timestamps", lambda: _pandas([10, 10, 20], ts_dtype="UTC"), [10, 20]),
    ("second timestamps", lambda: _pandas([10, 10, 20], ts_dtype="datetime64[s]"), [10, 20]),
]
PANDAS_ARROW_CASES: list[tuple[str, Callable[[], Any], list[Any]]] = [
    ("string[pyarrow]", lambda: _pandas(["a", "a", "b"], "string[pyarrow]"), ["a", "b"]),
    ("ArrowDtype ints, times", lambda: _pandas([10, 10, 20], "int64[pyarrow]", ts_dtype="arrow"), [10, 20]),
    ("ArrowDtype strings", lambda: _pandas(["a", "a", "b"], "large_string[pyarrow]"), ["a", "b"]),
]


@needs("pandas")
@pytest.mark.parametrize("name, make, ids", PANDAS_CASES, ids=[c[0] for c in PANDAS_CASES])
def test_pandas_columns(name: str, make: Callable[[], Any], ids: list[Any]) -> None:
    log = make()
    out = crmkit.rfm_features(log, as_of=AS_OF)
    assert type(out).__module__.startswith("pandas")
    assert out["customer_id"].dtype == log["customer_id"].dtype  # the input's own type
    check(out, ids)


@needs("pandas", "pyarrow")
@pytest.mark.parametrize("name, make, ids", PANDAS_ARROW_CASES, ids=[c[0] for c in PANDAS_ARROW_CASES])
def test_pandas_arrow_backed_columns(name: str, make: Callable[[], Any], ids: list[Any]) -> None:
    log = make()
    out = crmkit.rfm_features(log, as_of=AS_OF)
    assert out["customer_id"].dtype == log["customer_id"].dtype
    check(out, ids)


@needs("polars")
@pytest.mark.parametrize("lazy", [False, True], ids=["DataFrame", "LazyFrame"])
@pytest.mark.parametrize("id_dtype", ["Int64", "UInt32", "String", "Categorical"])
def test_polars(lazy: bool, id_dtype: str) -> None:
    import polars as pl

    ids: list[Any] = ["a", "a", "b"] if id_dtype in ("String", "Categorical") else [10, 10, 20]
    log = pl.DataFrame({"customer_id": ids, "timestamp": DATES, "amount": AMOUNTS}).with_columns(
        pl.col("customer_id").cast(getattr(pl, id_dtype))
    )
    out = crmkit.rfm_features(log.lazy() if lazy else log, as_of=AS_OF)
    assert isinstance(out, pl.DataFrame)
    assert out.schema["customer_id"] == log.schema["customer_id"]
    check(out, sorted(set(ids)))


PYARROW_ID_TYPES = ["int64", "int32", "uint64", "string", "large_string", "string_view", "dictionary"]


@needs("pyarrow")
@pytest.mark.parametrize("id_type", PYARROW_ID_TYPES)
@pytest.mark.parametrize("container", ["Table", "RecordBatch", "chunked columns"])
def test_pyarrow(id_type: str, container: str) -> None:
    import pyarrow as pa

    if not hasattr(pa, id_type) and id_type != "dictionary":
        pytest.skip(f"this pyarrow has no {id_type}")
    strings = id_type in ("string", "large_string", "string_view", "dictionary")
    ids: list[Any] = ["a", "a", "b"] if strings else [10, 10, 20]
    if id_type == "dictionary":
        id_col = pa.array(ids).dictionary_encode()
    else:
        id_col = pa.array(ids, type=getattr(pa, id_type)())
    table = pa.table({"customer_id": id_col, "timestamp": pa.array(DATES, pa.date32()), "amount": AMOUNTS})
    if container == "RecordBatch":
        out = crmkit.rfm_features(table.to_batches()[0], as_of=AS_OF)
    elif container == "chunked columns":  # two chunks each, columns passed directly
        cols = {n: pa.chunked_array([table.column(n)[:1], table.column(n)[1:]]) for n in table.column_names}
        out = crmkit.rfm_features(
            customer_id=cols["customer_id"], timestamp=cols["timestamp"], amount=cols["amount"], as_of=AS_OF
        )
    else:
        out = crmkit.rfm_features(table, as_of=AS_OF)
    assert out.column("customer_id").type == id_col.type
    check(out, sorted(set(ids)))


def test_numpy_and_dicts() -> None:
    """No optional library: numpy arrays (and lists) in, a dict of numpy arrays out."""
    log = {
        "customer_id": np.array(["a", "a", "b"], dtype=object),
        "timestamp": np.array([d.isoformat() for d in DATES], dtype="datetime64[D]"),
        "amount": np.array(AMOUNTS),
    }
    check(crmkit.rfm_features(log, as_of=AS_OF), ["a", "b"])
    out = crmkit.rfm_features(customer_id=[10, 10, 20], timestamp=log["timestamp"], amount=AMOUNTS, as_of=AS_OF)
    check(out, [10, 20])


class CapsuleTable:
    """A table offering only the Arrow PyCapsule interface (as DuckDB, arro3 or nanoarrow do)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._table.__arrow_c_stream__(requested_schema)


def _arrow_table() -> Any:
    import pyarrow as pa

    return pa.table({"customer_id": ["a", "a", "b"], "timestamp": pa.array(DATES, pa.date32()), "amount": AMOUNTS})


@needs("pyarrow")
def test_pycapsule_table() -> None:
    import pyarrow as pa

    if not hasattr(pa.RecordBatchReader, "from_stream") and not HAS["polars"]:
        with pytest.raises(crmkit.ConfigError, match="pyarrow >= 15 or polars"):
            crmkit.rfm_features(CapsuleTable(_arrow_table()), as_of=AS_OF)
        return
    out = crmkit.rfm_features(CapsuleTable(_arrow_table()), as_of=AS_OF)
    assert isinstance(out, pa.Table)
    check(out, ["a", "b"])


@needs("duckdb", "pyarrow")
def test_duckdb_relation() -> None:
    import duckdb

    con = duckdb.connect()
    rel = con.sql(
        "SELECT * FROM (VALUES ('a', DATE '2024-01-05', 20.0::DOUBLE), ('a', DATE '2024-03-01', 35.5::DOUBLE),"
        " ('b', DATE '2024-02-10', 12.0::DOUBLE)) t(customer_id, timestamp, amount)"
    )
    check(crmkit.rfm_features(rel, as_of=AS_OF), ["a", "b"])


def _write(tmp_path: Any, kind: str) -> str:
    """The log as a Parquet or CSV file, written by whichever library is installed."""
    path = os.path.join(tmp_path, f"log.{kind}")
    data = {"customer_id": ["a", "a", "b"], "timestamp": DATES, "amount": AMOUNTS}
    if HAS["pyarrow"]:
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        table = pa.table(data)
        pq.write_table(table, path) if kind == "parquet" else pacsv.write_csv(table, path)
    elif HAS["polars"]:
        import polars as pl

        frame = pl.DataFrame(data)
        frame.write_parquet(path) if kind == "parquet" else frame.write_csv(path)
    else:
        with open(path, "w") as f:  # CSV by hand; no Parquet writer without a library
            f.write("customer_id,timestamp,amount\n")
            f.writelines(f"{i},{d.isoformat()},{a}\n" for i, d, a in zip(data["customer_id"], DATES, AMOUNTS))
    return path


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_files_by_path(tmp_path: Any, kind: str) -> None:
    import pathlib

    if not (HAS["pyarrow"] or HAS["polars"]):
        path = _write(tmp_path, "csv")
        with pytest.raises(crmkit.ConfigError, match="needs pyarrow or polars"):
            crmkit.rfm_features(path, as_of=AS_OF)
        return
    path = _write(tmp_path, kind)
    for given in (path, pathlib.Path(path)):
        out = crmkit.rfm_features(given, as_of=AS_OF)
        assert type(out).__module__.split(".")[0] == ("pyarrow" if HAS["pyarrow"] else "polars")
        check(out, ["a", "b"])


def test_unknown_file_type_is_a_config_error(tmp_path: Any) -> None:
    path = os.path.join(tmp_path, "log.xlsx")
    open(path, "w").close()
    with pytest.raises(crmkit.ConfigError, match="must end in"):
        crmkit.rfm_features(path, as_of=AS_OF)


def _families() -> list[str]:
    return [f for f in ("pandas", "polars", "pyarrow") if HAS[f]] + ["numpy"]


def _log(fam: str, ids: list[Any]) -> Any:
    """The three-row log in family ``fam``, with a kind column for interaction logs."""
    data: dict[str, Any] = {"customer_id": ids, "timestamp": DATES, "amount": AMOUNTS}
    if fam == "pandas":
        import pandas as pd

        data["timestamp"] = pd.to_datetime([d.isoformat() for d in DATES])
        return pd.DataFrame(data)
    if fam == "polars":
        import polars as pl

        return pl.DataFrame(data)
    if fam == "pyarrow":
        import pyarrow as pa

        return pa.table(data)
    return {
        "customer_id": np.array(ids, dtype=object if isinstance(ids[0], str) else np.int64),
        "timestamp": np.array([d.isoformat() for d in DATES], dtype="datetime64[D]"),
        "amount": np.array(AMOUNTS),
    }


@pytest.mark.parametrize("fam", _families())
def test_pipeline_end_to_end(fam: str) -> None:
    """rfm, btyd_summary, churn signals, lifecycle and a CLV fit summary in one family."""
    log = _log(fam, ["a", "a", "b"])
    check(crmkit.rfm_features(log, as_of=AS_OF), ["a", "b"])
    out = as_lists(crmkit.rfm(log, as_of=AS_OF, k=2, segments={"k": 2, "rules": [{"segment": "all"}]}))
    assert out["tier"] == ["high value", "churn risk"]  # a: best on all three; b: worst
    summary = as_lists(crmkit.btyd_summary(log, as_of=AS_OF))
    assert summary["x"] == [1, 0] and summary["t_x"] == [56.0, 0.0] and summary["T"] == [86.0, 50.0]
    signals = as_lists(crmkit.churn_signals(log, as_of=AS_OF))
    assert signals["customer_id"] == ["a", "b"]
    stages = as_lists(crmkit.lifecycle_stages(log, as_of=AS_OF))
    assert [str(s) for s in stages["stage"]] == ["onboarding", "onboarding"]  # first purchases < 180 days ago
    model = crmkit.BgNbd.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    assert len(as_lists(model.summary())["param"]) == 4  # default family: whichever is installed


@pytest.mark.parametrize("fam", _families())
def test_value_and_feedback_tables(fam: str) -> None:
    log = _log(fam, [10, 20, 30])
    scores = as_lists(crmkit.value_scores(log, historical="amount", potential="amount", strategic="amount"))
    assert scores["customer_id"] == [10, 20, 30] and scores["rank"] == [2, 1, 3]  # amounts 20, 35.5, 12
    answers = {"segment": ["x", "x", "y"], "answer": [10, 0, 9]}
    if fam == "pandas":
        import pandas as pd

        table: Any = pd.DataFrame({"segment": pd.Series(answers["segment"], dtype=object), "answer": answers["answer"]})
    elif fam == "polars":
        import polars as pl

        table = pl.DataFrame(answers)
    elif fam == "pyarrow":
        import pyarrow as pa

        table = pa.table(answers)
    else:
        table = {"segment": np.array(answers["segment"], dtype=object), "answer": np.array(answers["answer"])}
    nps = as_lists(crmkit.nps_by_segment(table, segment="segment", answer="answer"))
    assert nps["segment"] == ["x", "y"] and nps["nps"] == [0.0, 100.0]  # (1 - 1) / 2, (1 - 0) / 1
