"""String ids in several Arrow chunks are read in place (no concatenation copy) by
``rfm_features``: the same result as one chunk, and a null in a later chunk named by its row in
the whole column."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import crmkit


def _log(ids: pa.ChunkedArray) -> pa.Table:
    n = len(ids)
    days = np.datetime64("2024-02-01") + (np.arange(n) * 7 % 300).astype("timedelta64[D]")
    return pa.table({"customer_id": ids, "timestamp": pa.array(days), "amount": pa.array(np.arange(n) % 13 + 0.25)})


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_chunked_string_ids_equal_one_chunk(kind: pa.DataType) -> None:
    values = [f"CUS-{i % 17:04d}" + ("-long-id-beyond-16-bytes" if i % 5 == 0 else "") for i in range(200)]
    chunked = pa.chunked_array([pa.array(values[:70], kind), pa.array(values[70:71], kind), pa.array(values[71:], kind)])
    one = pa.chunked_array([pa.array(values, kind)])
    a = crmkit.rfm_features(_log(chunked), as_of="2024-12-31")
    b = crmkit.rfm_features(_log(one), as_of="2024-12-31")
    assert a.equals(b)
    # known answer: ascending ids by their bytes, each customer's row count from the list
    assert a.column("customer_id").to_pylist() == sorted(set(values))
    assert sum(a.column("frequency").to_pylist()) == 200


def test_a_null_in_a_later_chunk_names_its_row() -> None:
    chunked = pa.chunked_array([pa.array(["a", "b", "c"]), pa.array(["d", None])])
    with pytest.raises(crmkit.MissingValueError) as err:
        crmkit.rfm_features(_log(chunked), as_of="2024-12-31")
    assert err.value.field == "customer_id" and err.value.row == 4


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string(), pa.string_view()])
@pytest.mark.parametrize("chunks", [1, 3])
def test_output_string_ids_gathered_by_the_extension_equal_a_take(kind: pa.DataType, chunks: int) -> None:
    """pyarrow string ids come back gathered in Rust: the same values and type as pyarrow's own
    ``take`` of each customer's first row (expected values: the ids sorted by their bytes,
    written out by hand), NUL bytes and ids longer than 16 bytes kept whole."""
    values = ["b", "a\x00", "a", "é-long-id-over-sixteen-bytes", "b", "a"]
    whole = pa.array(values, kind)
    col = pa.chunked_array([whole.slice(0, 2), whole.slice(2, 1), whole.slice(3)] if chunks == 3 else [whole])
    out = crmkit.rfm_features(_log(col), as_of="2024-12-31")
    ids = out.column("customer_id")
    assert ids.type == kind
    assert ids.to_pylist() == ["a", "a\x00", "b", "é-long-id-over-sixteen-bytes"]
    assert ids.to_pylist() == col.cast(pa.large_string()).take(pa.array([2, 1, 0, 3])).to_pylist()  # no take kernel for views
    # the column alone (an Array, not a table) gives the same ids
    alone = crmkit.rfm_features(None, customer_id=whole, timestamp=_log(col).column("timestamp"), amount=_log(col).column("amount"), as_of="2024-12-31")
    assert alone.column("customer_id").to_pylist() == ids.to_pylist()


def test_many_chunks_across_lookup_runs_equal_one_chunk() -> None:
    """Rows are found in their chunk through a lookup per 4,096 rows: chunks smaller and larger
    than a run, empty chunks and chunk ends on and off run boundaries give the one-chunk result
    (ids and every feature, output ids gathered from the right chunks)."""
    n = 20_000
    values = [f"C{(i * 7919) % 3001:05d}" + ("-longer-than-sixteen" if i % 11 == 0 else "") for i in range(n)]
    whole = pa.array(values)
    cuts = [0, 1, 1, 4095, 4096, 4097, 9000, 9000, 12288, 12300, 19999, n]
    chunked = pa.chunked_array([whole.slice(a, b - a) for a, b in zip(cuts, cuts[1:])])
    assert chunked.num_chunks == len(cuts) - 1
    a = crmkit.rfm_features(_log(chunked), as_of="2024-12-31")
    b = crmkit.rfm_features(_log(pa.chunked_array([whole])), as_of="2024-12-31")
    assert a.equals(b)
    assert a.column("customer_id").to_pylist() == sorted(set(values))
