"""The thread pool: its size is settable (Python and CRMKIT_NUM_THREADS) and results do not
depend on it (exact per-customer sums, ids grouped by partitions on the pool)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

import crmkit


@pytest.fixture()
def restore_threads():  # type: ignore[no-untyped-def]
    before = crmkit.get_num_threads()
    yield
    crmkit.set_num_threads(before)


def test_set_num_threads_takes_effect(restore_threads: None) -> None:
    for n in (1, 2, 3):
        crmkit.set_num_threads(n)
        assert crmkit.get_num_threads() == n
    for bad in (0, -1, 10**6, 2**70):
        with pytest.raises(crmkit.ConfigError):
            crmkit.set_num_threads(bad)


def test_environment_variable_sets_the_pool_at_start() -> None:
    code = "import crmkit; print(crmkit.get_num_threads())"
    env = {**os.environ, "CRMKIT_NUM_THREADS": "3"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3"


def _log(rows: int, kind: str) -> pa.Table:
    rng = np.random.default_rng(7)
    rank = (60_000 * rng.random(rows) ** 2).astype(np.int64)
    ids: object
    if kind == "int":
        ids = np.random.default_rng(5).integers(10**12, 2**62, 60_001)[rank]
    else:
        ids = pa.array(np.char.add("CUS-", np.char.zfill(rank.astype(str), 10)), pa.string())
    days = np.datetime64("2023-01-01") + rng.integers(0, 700, rows).astype("timedelta64[D]")
    # cents, and a few amounts the fast exact window cannot hold (5e-13) so spills are merged too
    amount = np.round(rng.exponential(30.0, rows), 2)
    amount[::997] = 5e-13
    return pa.table({"customer_id": ids, "timestamp": days, "amount": amount})


@pytest.mark.parametrize("kind", ["int", "string"])
def test_results_are_identical_for_one_and_two_threads(restore_threads: None, kind: str) -> None:
    table = _log(300_000, kind)  # above the sizes where ids are grouped by partitions on the pool
    results = []
    for n in (1, 2):
        crmkit.set_num_threads(n)
        results.append(crmkit.rfm_features(table, as_of="2024-12-31"))
    one, two = results
    assert one.equals(two)
    # and equal to math.fsum per customer, in any row order (shuffled log, two threads)
    perm = np.random.default_rng(1).permutation(table.num_rows)
    shuffled = crmkit.rfm_features(table.take(pa.array(perm)), as_of="2024-12-31")
    assert shuffled.equals(two)
    assert one.column("customer_id").to_pylist() == sorted(set(table.column("customer_id").to_pylist()))
    # monetary equals math.fsum of the customer's amounts in the window (a sample of customers)
    import math

    ids = table.column("customer_id").to_numpy(zero_copy_only=False)
    days = table.column("timestamp").to_numpy()
    amounts = table.column("amount").to_numpy()
    in_window = days > np.datetime64("2024-12-31") - np.timedelta64(365, "D")
    for i in range(0, one.num_rows, 5_000):
        cid = one.column("customer_id")[i].as_py()
        expected = math.fsum(amounts[(ids == cid) & in_window])
        assert one.column("monetary")[i].as_py() == expected
