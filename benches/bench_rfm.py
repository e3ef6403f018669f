"""crmkit against pandas and polars on one synthetic log, in one process.

Builds a seeded log of 10 M transactions over about 1 M customers (sorted by time, as logs
are) and times:

  (a) log -> per-customer features (days_since_last, frequency, monetary in a 365-day window,
      first and last purchase): crmkit vs polars group_by vs the pandas groupby idiom;
  (b) features -> min-max weighted score and tiers: crmkit vs the pandas idiom, and against
      copying the three input columns once (the floor for any vectorised pass);
  (c) features -> quintile scores of R, F and M: crmkit vs pd.qcut on ranks.

Protocol: the contenders of a step take turns in ``--rounds`` rounds (their order rotating),
so a slow spell of the shared machine falls on all of them; in each round a contender's time
is the best of a few back-to-back calls (one call for the slow pandas steps). Each round gives
a ratio per peer; the report shows the median times, the median ratio and its lowest and
highest value over the rounds.

Peak memory: the extra resident memory of each crmkit step over the memory before it
(Linux VmHWM, reset through /proc/self/clear_refs), against the size of the step's input
columns.

Usage: python benches/bench_rfm.py [--rows 10000000] [--customers 1000000] [--rounds 5] [--steps abc]

--steps picks the steps to time (e.g. ``--steps bc`` skips the slow peers of (a); the features
for (b) and (c) are still computed by crmkit and checked against polars).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

import crmkit

AS_OF = np.datetime64("2025-12-31", "D")


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def rounds_of(rounds: int, contenders: list[tuple[str, int, Callable[[], Any]]]) -> dict[str, list[float]]:
    """Per-round times of each (name, calls per round, fn), the order rotating between rounds."""
    times: dict[str, list[float]] = {name: [] for name, _, _ in contenders}
    for i in range(rounds):
        k = i % len(contenders)
        for name, calls, fn in contenders[k:] + contenders[:k]:
            times[name].append(best_of(calls, fn))
    return times


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def extra_peak_mib(fn: Callable[[], Any]) -> float | None:
    """Peak resident memory of ``fn`` above what was resident before it, in MiB (Linux only)."""
    try:
        gc.collect()
        # Hand freed heap back to the OS first, or new allocations reuse resident pages unseen.
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except (OSError, AttributeError):
        return None
    before = _status_kib("VmRSS:")
    result = fn()
    peak = _status_kib("VmHWM:")
    del result
    return max(0, peak - before) / 1024


def synthetic_log(rows: int, customers: int, seed: int = 42) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Skewed ids (some customers buy much more), not in id order.
    rank = (customers * rng.random(rows) ** 2).astype(np.int64)
    ids = (rank * 2_654_435_761) % (customers * 4) + 1_000_000
    seconds = np.sort(rng.integers(0, 730 * 86_400, rows))
    timestamp = (np.datetime64("2024-01-01", "s") + seconds).astype("datetime64[us]")
    amount = np.round(np.exp(3 + rng.standard_normal(rows)), 2)
    return {"customer_id": ids, "timestamp": timestamp, "amount": amount}


def polars_features(log: pl.DataFrame) -> pl.DataFrame:
    day = pl.col("timestamp").dt.truncate("1d")
    in_window = pl.col("timestamp") >= pl.lit(AS_OF - np.timedelta64(364, "D")).cast(pl.Datetime("us"))
    return log.group_by("customer_id").agg(
        day.min().alias("first_purchase"),
        day.max().alias("last_purchase"),
        in_window.sum().alias("frequency"),
        pl.col("amount").filter(in_window).sum().alias("monetary"),
    )


def pandas_features(log: pd.DataFrame) -> pd.DataFrame:
    start = pd.Timestamp(AS_OF - np.timedelta64(364, "D"))
    in_window = log["timestamp"] >= start
    frame = log.assign(
        day=log["timestamp"].dt.normalize(),
        w_amount=log["amount"].where(in_window, 0.0),
        w_count=in_window,
    )
    g = frame.groupby("customer_id", sort=True)
    out = g.agg(
        first_purchase=("day", "min"),
        last_purchase=("day", "max"),
        frequency=("w_count", "sum"),
        monetary=("w_amount", "sum"),
    )
    out["days_since_last"] = (pd.Timestamp(AS_OF) - out["last_purchase"]).dt.days
    return out


def pandas_minmax(features: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    r, f, m = features["days_since_last"], features["frequency"], features["monetary"]
    score = (
        0.3 * (r.max() - r) / (r.max() - r.min())
        + 0.4 * (f - f.min()) / (f.max() - f.min())
        + 0.3 * (m - m.min()) / (m.max() - m.min())
    )
    tiers = pd.cut(score, [-np.inf, 0.5, 0.8, np.inf], right=False, labels=["churn risk", "potential", "high value"])
    return score, tiers


def pandas_quintiles(features: pd.DataFrame) -> list[pd.Series]:
    return [
        pd.qcut(features[c].rank(method="first", ascending=asc), 5, labels=False) + 1
        for c, asc in (("days_since_last", False), ("frequency", True), ("monetary", True))
    ]


def crmkit_minmax(r: np.ndarray, f: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return crmkit.MinMaxFit.fit(r, f, m).score_tiers(r, f, m)


def crmkit_quintiles(r: np.ndarray, f: np.ndarray, m: np.ndarray) -> list[np.ndarray]:
    return [
        crmkit.QuantileBins.fit_apply(r, 5, False)[1],
        crmkit.QuantileBins.fit_apply(f, 5, True)[1],
        crmkit.QuantileBins.fit_apply(m, 5, True)[1],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per step ((b): three times as many)")
    parser.add_argument("--steps", default="abc", help="steps to time, any of a, b, c (default: abc)")
    args = parser.parse_args()
    if not args.steps or set(args.steps) - set("abc"):
        parser.error("--steps takes letters from 'abc'")

    print(f"crmkit {crmkit.__version__}, pandas {pd.__version__}, polars {pl.__version__}, numpy {np.__version__}; {os.cpu_count()} cores")
    columns = synthetic_log(args.rows, args.customers)
    log_pd = pd.DataFrame(columns)
    log_pl = pl.DataFrame(columns)
    input_mib = sum(v.nbytes for v in columns.values()) / 2**20
    print(f"log: {args.rows:,} transactions, {len(np.unique(columns['customer_id'])):,} customers, input columns {input_mib:.0f} MiB\n")

    def ours_features() -> Any:
        return crmkit.rfm_features(log_pd, as_of=str(AS_OF))

    features = ours_features()
    check = polars_features(log_pl).sort("customer_id")
    assert np.array_equal(features["frequency"].to_numpy(), check["frequency"].to_numpy())
    assert np.allclose(features["monetary"].to_numpy(), check["monetary"].to_numpy())

    rows = []
    if "a" in args.steps:
        t = rounds_of(
            args.rounds,
            [("crmkit", 2, ours_features), ("polars group_by", 2, lambda: polars_features(log_pl))],
        )
        t["pandas groupby"] = [best_of(1, lambda: pandas_features(log_pd))]  # slow: once
        mem = extra_peak_mib(ours_features)
        rows.append(("(a) log -> features", t, mem, input_mib))

    r = features["days_since_last"].to_numpy()
    f = features["frequency"].to_numpy()
    m = features["monetary"].to_numpy()
    feat_pd = pd.DataFrame({"days_since_last": r, "frequency": f, "monetary": m})
    feat_mib = (r.nbytes + f.nbytes + m.nbytes) / 2**20
    if "b" in args.steps:
        t = rounds_of(
            args.rounds * 3,
            [
                ("crmkit", 5, lambda: crmkit_minmax(r, f, m)),
                ("pandas idiom", 1, lambda: pandas_minmax(feat_pd)),
                ("copy input once", 5, lambda: (r.copy(), f.copy(), m.copy())),
            ],
        )
        mem = extra_peak_mib(lambda: crmkit_minmax(r, f, m))
        rows.append(("(b) min-max score + tiers", t, mem, feat_mib))

    if "c" in args.steps:
        t = rounds_of(
            args.rounds,
            [("crmkit", 3, lambda: crmkit_quintiles(r, f, m)), ("pd.qcut on ranks", 1, lambda: pandas_quintiles(feat_pd))],
        )
        mem = extra_peak_mib(lambda: crmkit_quintiles(r, f, m))
        rows.append(("(c) quintile scores R, F, M", t, mem, feat_mib))

    print("median times over the rounds; ratios: median [lowest-highest] of the rounds")
    for name, t, mem_mib, in_mib in rows:
        ours = t.pop("crmkit")
        print(f"{name}: crmkit {statistics.median(ours) * 1e3:8.1f} ms")
        for peer, theirs in t.items():
            if len(theirs) == len(ours):
                ratios = sorted(p / o for o, p in zip(ours, theirs))
                spread = f"[{ratios[0]:.2f}-{ratios[-1]:.2f}]"
            else:  # timed once: against crmkit's median
                ratios, spread = [theirs[0] / statistics.median(ours)], "(one run)"
            print(f"    {peer:<18} {statistics.median(theirs) * 1e3:8.1f} ms   crmkit is {statistics.median(ratios):6.2f}x faster {spread}")
        if mem_mib is not None:
            print(f"    peak extra memory {mem_mib:7.1f} MiB = {mem_mib / in_mib:.2f}x the input columns ({in_mib:.0f} MiB)")

if __name__ == "__main__":
    main()
