"""Where `crmkit.churn_signals` spends its time: in the compiled core or in Python.

Builds a seeded, realistic log — string customer ids (``"C" + 9 digits``), about 1 M
customers, rows shuffled (not sorted by customer or by time) — of ``--transactions``
transactions and ``--interactions`` interactions, and times ``crmkit.churn_signals`` end to end
(pandas in, pandas out) in ``--rounds`` rounds. Inside each call the time spent in the compiled
``_crmkit.churn_signals`` (id encoding, the signals, the reason texts, the arrays handed back)
is measured by wrapping that one function with a timer; the rest — picking the columns,
building the result frame — is the Python share reported.

Usage: python benches/bench_churn.py [--customers 1000000] [--transactions 3000000]
       [--interactions 2000000] [--rounds 3]

Build the extension in release mode first (``maturin build --release`` and install the wheel,
or ``maturin develop --release``).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from typing import Any

import numpy as np
import pandas as pd

import crmkit
from crmkit import _crmkit

AS_OF = "2025-12-31"
KINDS = np.array(["visit", "login", "ticket", "complaint", "review", "outreach", "inbound", "competitor_contact"])


def make_logs(customers: int, transactions: int, interactions: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.char.add("C", np.char.zfill(rng.permutation(10**9)[:customers].astype(str), 9)).astype(object)
    end = np.datetime64(AS_OF, "s").astype(np.int64)
    span = 3 * 365 * 86_400
    tx = pd.DataFrame(
        {
            "customer_id": ids[rng.integers(0, customers, transactions)],
            "timestamp": pd.to_datetime(end - rng.integers(0, span, transactions), unit="s"),
            "amount": np.round(rng.gamma(2.0, 40.0, transactions), 2),
        }
    )
    ix = pd.DataFrame(
        {
            "customer_id": ids[rng.integers(0, customers, interactions)],
            "timestamp": pd.to_datetime(end - rng.integers(0, 400 * 86_400, interactions), unit="s"),
            "kind": KINDS[rng.integers(0, len(KINDS), interactions)].astype(object),
        }
    )
    return tx, ix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--transactions", type=int, default=3_000_000)
    parser.add_argument("--interactions", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    tx, ix = make_logs(args.customers, args.transactions, args.interactions)

    inner: list[float] = []
    original = _crmkit.churn_signals

    def timed(*a: Any, **k: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            inner.append(time.perf_counter() - start)

    _crmkit.churn_signals = timed  # type: ignore[assignment]
    totals: list[float] = []
    shares: list[float] = []
    try:
        for _ in range(args.rounds):
            gc.collect()
            inner.clear()
            start = time.perf_counter()
            out = crmkit.churn_signals(tx, ix, as_of=AS_OF)
            total = time.perf_counter() - start
            totals.append(total)
            shares.append((total - sum(inner)) / total)
    finally:
        _crmkit.churn_signals = original  # type: ignore[assignment]
    print(
        f"churn_signals: {len(tx):,} transactions + {len(ix):,} interactions, {len(out):,} customers "
        f"(string ids, shuffled rows), {args.rounds} rounds"
    )
    print(f"  end to end, median {statistics.median(totals):.2f} s (min {min(totals):.2f} s)")
    print(
        f"  share of the time in Python (outside _crmkit.churn_signals): median {100 * statistics.median(shares):.1f} % "
        f"(range {100 * min(shares):.1f}–{100 * max(shares):.1f} %)"
    )


if __name__ == "__main__":
    main()
