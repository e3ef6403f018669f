"""The cost of crmkit.quality_report against crmkit.rfm_features on the same log, in one process.

Target (issue 12): the data-quality report costs at most 2x rfm_features on the same log.

Builds one seeded log of 10 M transactions over about 1 M customers as a pyarrow Table (the
same generator as bench_rfm.py: skewed, time-ordered) in three variants:

  int-wide     integer ids spread over a wide range (random 62-bit ids, not dense),
  int-shuffled the same rows in random order,
  string       string ids like 'CUS-0000123456'.

A few bad rows are planted (1 per 10 000: a null id, a NaN amount, a refund, a row after
as_of, a duplicate) so that every rule has work and rfm_features (which must reject them)
runs on the same table with after_as_of='exclude' and negative_amounts='net' — null ids and
NaN amounts are kept out of its copy only, the only difference between the two inputs.

Protocol: the two contenders take turns in ``--rounds`` rounds (their order alternating); in
each round a contender's time is the best of two back-to-back calls. Each round gives a ratio
(report / features); the output shows the median times, the median ratio and its range.

With ``--check`` each report is first compared row for row with plain pandas / numpy references
on the same table (``isna``, comparisons, ``DataFrame.duplicated(keep="first")``; the cut
within 1e-9 relative of ``10 * mean`` or ``median + 3.5 * MAD / 0.6745``).

Usage: python benches/bench_quality.py [--rows 10000000] [--customers 1000000] [--rounds 5] [--outliers mean_multiple|mad] [--check]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))

import crmkit  # noqa: E402
from bench_rfm import best_of  # noqa: E402

AS_OF = "2025-12-31"


def synthetic_log(rows: int, customers: int, seed: int = 42) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    rank = (customers * rng.random(rows) ** 2).astype(np.int64)
    seconds = np.sort(rng.integers(0, 730 * 86_400, rows))
    timestamp = (np.datetime64("2024-01-01", "s") + seconds).astype("datetime64[us]")
    amount = np.round(np.exp(3 + rng.standard_normal(rows)), 2)
    return {"rank": rank, "timestamp": timestamp, "amount": amount}


def tables(rows: int, customers: int) -> Iterator[tuple[str, pa.Table, pa.Table]]:
    """(name, log with planted bad rows, the same without null ids / NaN amounts), one at a time."""
    cols = synthetic_log(rows, customers)
    n = rows
    every = np.arange(0, n, 10_000)
    amount = cols["amount"].copy()
    amount[every[1::5]] = np.nan  # non-finite
    amount[every[2::5]] = -amount[every[2::5]]  # refunds
    ts = cols["timestamp"].copy()
    ts[every[3::5]] = np.datetime64("2026-02-01", "us")  # after as_of
    dup = every[4::5]
    ts[dup] = ts[np.maximum(dup - 1, 0)]
    amount[dup] = amount[np.maximum(dup - 1, 0)]
    rank = cols["rank"].copy()
    rank[dup] = rank[np.maximum(dup - 1, 0)]  # exact copies of the previous row
    null_id = np.zeros(n, dtype=bool)
    null_id[every[0::5]] = True

    # random 62-bit ids: spread over a wide range, no arithmetic pattern a hash could trip on
    int_ids = np.random.default_rng(5).integers(10**12, 2**62, customers + 1)[rank]
    perm = np.random.default_rng(3).permutation(n)
    for name, order in (("int-wide", None), ("int-shuffled", perm), ("string", None)):
        o = np.arange(n) if order is None else order
        if name == "string":
            id_arr = pa.array(np.char.add("CUS-", np.char.zfill(rank.astype(str), 10)), mask=null_id)
        else:
            id_arr = pa.array(int_ids[o], mask=null_id[o])
        full = pa.table({"customer_id": id_arr, "timestamp": pa.array(ts[o]), "amount": pa.array(amount[o])})
        keep = pc.and_(pc.is_valid(full["customer_id"]), pc.invert(pc.is_nan(full["amount"])))
        clean = full.filter(keep)
        clean = pa.table({c: clean[c].combine_chunks() for c in clean.column_names})
        yield name, full, clean
        del full, clean, keep, id_arr


def check(full: pa.Table, report: Any, outliers: str) -> None:
    """The report's rows against plain pandas / numpy references on the same table."""
    df = full.to_pandas()
    day = df["timestamp"].dt.floor("D")
    a = df["amount"].to_numpy()
    orders = a[np.isfinite(a) & (a >= 0)]
    expected = {
        "missing_customer_id": df["customer_id"].isna().to_numpy(),
        "non_finite_amount": ~np.isfinite(a),
        "negative_amount": a < 0,
        "timestamp_after_as_of": (day > np.datetime64(AS_OF)).to_numpy(),
        "duplicate_row": df.duplicated(["customer_id", "timestamp", "amount"], keep="first").to_numpy(),
    }
    for rule, mask in expected.items():
        assert report.row_indices(rule).tolist() == np.flatnonzero(mask).tolist(), rule
    if outliers == "mean_multiple":
        cut = 10 * orders.mean()
    else:
        center = np.median(orders)
        cut = center + 3.5 * np.median(np.abs(orders - center)) / 0.6745
    assert abs(report.outlier_cut - cut) <= 1e-9 * cut, (report.outlier_cut, cut)
    flagged = np.flatnonzero(np.isfinite(a) & (a > report.outlier_cut))
    assert report.row_indices("outlier_amount").tolist() == flagged.tolist(), "outlier_amount"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--outliers", default="mean_multiple", choices=["mean_multiple", "mad"])
    parser.add_argument("--check", action="store_true", help="compare the rows with pandas / numpy first")
    args = parser.parse_args()
    print(f"crmkit {crmkit.__version__}, pyarrow {pa.__version__}, numpy {np.__version__}; {os.cpu_count()} cores")
    print(f"log: {args.rows:,} transactions over about {args.customers:,} customers; outliers={args.outliers}\n")
    print("median times over the rounds; ratio = quality_report / rfm_features: median [lowest-highest] (target <= 2)")
    for name, full, clean in tables(args.rows, args.customers):

        def report(full: pa.Table = full) -> Any:
            return crmkit.quality_report(full, as_of=AS_OF, outliers=args.outliers)

        def features(clean: pa.Table = clean) -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", crmkit.CrmkitWarning)
                return crmkit.rfm_features(clean, as_of=AS_OF, after_as_of="exclude", negative_amounts="net")

        first = report()
        counts = first.counts
        if args.check:
            check(full, first, args.outliers)
            print(f"{name:<13} rows identical to the pandas / numpy references")
        times: dict[str, list[float]] = {"quality_report": [], "rfm_features": []}
        contenders = [("quality_report", report), ("rfm_features", features)]
        for i in range(args.rounds):
            for label, fn in contenders[i % 2 :] + contenders[: i % 2]:
                times[label].append(best_of(2, fn))
        ratios = sorted(q / f for q, f in zip(times["quality_report"], times["rfm_features"]))
        print(
            f"{name:<13} quality_report {statistics.median(times['quality_report']) * 1e3:7.1f} ms   "
            f"rfm_features {statistics.median(times['rfm_features']) * 1e3:7.1f} ms   "
            f"ratio {statistics.median(ratios):.2f} [{ratios[0]:.2f}-{ratios[-1]:.2f}]"
        )
        flagged = {k: v for k, v in counts.items() if v}
        print(f"{'':<13} flagged: {flagged}")


if __name__ == "__main__":
    main()
