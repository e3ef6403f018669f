"""`crmkit.stage_migration` against `pd.crosstab` on the same labels, end to end from Python;
and where `crmkit.lifecycle_stages` spends its time (``--stages``).

Two snapshots of lifecycle stages for ``--customers`` customers with string ids ("C" + 9
digits), each snapshot in its own shuffled row order, about 2 % of the customers in only one of
them. The peer: ``pd.crosstab`` of the stage columns after aligning the snapshots by id with
``pd.merge`` (outer) — the same labels, the same question (how many moved from which stage to
which). Contenders take turns in ``--rounds`` rounds; the report gives the median times and
the median ratio.

With ``--stages``, also times ``crmkit.lifecycle_stages`` on the transactions of
bench_churn.py (string ids in pandas, ``--transactions`` rows, shuffled) and a customer table of
every customer plus 1 % who never bought (with a first contact), and reports the share of the
time spent in Python (outside ``_crmkit.lifecycle_stages``) as bench_churn.py does.

Usage: python benches/bench_lifecycle.py [--customers 1000000] [--rounds 3] [--stages]
       [--transactions 3000000]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import crmkit

STAGES = np.array(["prospect", "onboarding", "retained", "expansion", "churn_warning", "lost", "reactivated"], dtype=object)


def snapshots(customers: int, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.char.add("C", np.char.zfill(rng.permutation(10**9)[:customers].astype(str), 9)).astype(object)
    before_stage = rng.integers(0, len(STAGES), customers)
    after_stage = np.where(rng.random(customers) < 0.7, before_stage, rng.integers(0, len(STAGES), customers))
    keep_before = rng.random(customers) > 0.01
    keep_after = rng.random(customers) > 0.01
    b = pd.DataFrame({"customer_id": ids[keep_before], "stage": STAGES[before_stage[keep_before]]})
    a = pd.DataFrame({"customer_id": ids[keep_after], "stage": STAGES[after_stage[keep_after]]})
    return b.sample(frac=1.0, random_state=1).reset_index(drop=True), a.sample(frac=1.0, random_state=2).reset_index(drop=True)


def timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stages", action="store_true")
    parser.add_argument("--transactions", type=int, default=3_000_000)
    args = parser.parse_args()
    if args.stages:
        stages(args.customers, args.transactions, args.rounds)
    before, after = snapshots(args.customers)

    def peer() -> Any:
        m = before.merge(after, on="customer_id", how="outer", suffixes=("_before", "_after"))
        return pd.crosstab(m["stage_before"].fillna("(absent)"), m["stage_after"].fillna("(absent)"))

    def ours() -> Any:
        return crmkit.stage_migration(before, after)

    # Same counts: the check that both answer the same question.
    table = peer()
    counts = ours()["counts"].set_index("from")
    for f in table.index:
        for t in table.columns:
            assert counts.loc[f, t] == table.loc[f, t], (f, t)

    times: dict[str, list[float]] = {"crmkit.stage_migration": [], "pd.merge + pd.crosstab": []}
    contenders = [("crmkit.stage_migration", ours), ("pd.merge + pd.crosstab", peer)]
    for i in range(args.rounds):
        for name, fn in contenders[i % 2 :] + contenders[: i % 2]:
            times[name].append(timed(fn))
    ratios = [c / p for c, p in zip(times["crmkit.stage_migration"], times["pd.merge + pd.crosstab"])]
    print(f"stage_migration: {len(before):,} + {len(after):,} rows, string ids, shuffled, {args.rounds} rounds")
    for name, t in times.items():
        print(f"  {name:26s} median {statistics.median(t):.3f} s")
    print(f"  crmkit / peer time ratio: median {statistics.median(ratios):.2f} (range {min(ratios):.2f}–{max(ratios):.2f})")


def stages(customers: int, transactions: int, rounds: int) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_churn import AS_OF, make_logs

    from crmkit import _crmkit

    tx, _ = make_logs(customers, transactions, 0)
    rng = np.random.default_rng(5)
    ids = pd.unique(tx["customer_id"])
    extra = np.char.add("P", np.arange(customers // 100).astype(str)).astype(object)
    table = pd.DataFrame({"customer_id": np.concatenate([ids, extra])}).sample(frac=1.0, random_state=4).reset_index(drop=True)
    table["first_contact"] = pd.Timestamp(AS_OF) - pd.to_timedelta(rng.integers(0, 900, len(table)), unit="D")
    inner: list[float] = []
    original = _crmkit.lifecycle_stages

    def timed_call(*a: Any, **k: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            inner.append(time.perf_counter() - start)

    _crmkit.lifecycle_stages = timed_call  # type: ignore[assignment]
    totals: list[float] = []
    shares: list[float] = []
    try:
        for _ in range(rounds):
            gc.collect()
            inner.clear()
            start = time.perf_counter()
            out = crmkit.lifecycle_stages(tx, table, as_of=AS_OF)
            total = time.perf_counter() - start
            totals.append(total)
            shares.append((total - sum(inner)) / total)
    finally:
        _crmkit.lifecycle_stages = original  # type: ignore[assignment]
    print(f"lifecycle_stages: {len(tx):,} transactions + {len(table):,} customer rows, {len(out):,} customers, {rounds} rounds")
    print(f"  end to end, median {statistics.median(totals):.2f} s (min {min(totals):.2f} s)")
    print(
        f"  share of the time in Python (outside _crmkit.lifecycle_stages): median {100 * statistics.median(shares):.1f} % "
        f"(range {100 * min(shares):.1f}–{100 * max(shares):.1f} %)"
    )


if __name__ == "__main__":
    main()
