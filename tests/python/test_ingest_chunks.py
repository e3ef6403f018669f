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
