"""`crmkit.stage_migration` against `pd.crosstab` on the same labels, end to end from Python.

Two snapshots of lifecycle stages for ``--customers`` customers with string ids ("C" + 9
digits), each snapshot in its own shuffled row order, about 2 % of the customers in only one of
them. The peer: ``pd.crosstab`` of the stage columns after aligning the snapshots by id with
``pd.merge`` (outer) — the same labels, the same question (how many moved from which stage to
which). Contenders take turns in ``--rounds`` rounds; the report gives the median times and
the median ratio.

Usage: python benches/bench_lifecycle.py [--customers 1000000] [--rounds 3]
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
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
