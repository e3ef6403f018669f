"""Two builds of crmkit timed on bench_clv.py's CDNOW fits, each in its OWN process, processes
alternating.

``compare_builds.py`` loads both builds into one process, which is fair for single-threaded
work but not for fits that use crmkit's thread pool: each build then has its own threads, and a
build whose helper thread keeps spinning after a call (the build of 2026-11-23, ``508358f``,
spun for up to 200 µs) holds a core while the other build's fit wants it. Here every process
loads one build only, as a user's process does; the builds take turns, process after process,
so that a slow spell of the machine falls on both.

Each process times ``--calls`` back-to-back fits of each model (BG/NBD and Pareto/NBD on (x,
t_x, T), Gamma-Gamma on (x, zbar), default options) and prints their medians. Reported per
model: the median over the pairs of each build's median, and the median, lowest and highest of
the per-pair ratios old / new (above 1: the new build is faster).

Usage: python benches/compare_fit_processes.py OLD_DIR NEW_DIR [--pairs 8] [--calls 300]
(each DIR holds ``crmkit/`` of an unpacked wheel or a source tree with its built extension).
"""

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv"
MODELS = ("BG/NBD", "Pareto/NBD", "Gamma-Gamma")

CHILD = """
import sys, time, statistics
sys.path.insert(0, sys.argv[1])
import numpy as np, pandas as pd, crmkit
s = pd.read_csv(sys.argv[2])
x, tx, T, m = (np.ascontiguousarray(s[c].to_numpy(np.float64)) for c in ("x", "t_x", "T", "zbar"))
fits = (lambda: crmkit.BgNbd().fit(x, tx, T), lambda: crmkit.ParetoNbd().fit(x, tx, T),
        lambda: crmkit.GammaGamma().fit(x, m))
out = []
for fit in fits:
    times = []
    for _ in range(int(sys.argv[3])):
        start = time.perf_counter()
        fit()
        times.append(time.perf_counter() - start)
    out.append(statistics.median(times))
print(" ".join(repr(t) for t in out))
"""


def run(directory: str, calls: int) -> list[float]:
    """Median seconds per fit of each model, measured in a fresh process on `directory`'s build."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(Path(directory).resolve()), str(DATA), str(calls)],
        check=True,
        capture_output=True,
        text=True,
    )
    return [float(v) for v in done.stdout.split()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--calls", type=int, default=300)
    args = ap.parse_args()
    old: list[list[float]] = []
    new: list[list[float]] = []
    for pair in range(args.pairs):
        # the order alternates, so neither build always runs on a machine just woken up
        if pair % 2 == 0:
            old.append(run(args.old, args.calls))
            new.append(run(args.new, args.calls))
        else:
            new.append(run(args.new, args.calls))
            old.append(run(args.old, args.calls))
    print(f"{args.pairs} pairs of processes, {args.calls} fits per model each; medians of the per-process medians")
    for i, model in enumerate(MODELS):
        ratios = [o[i] / n[i] for o, n in zip(old, new)]
        print(
            f"CDNOW fit {model:<12} old {statistics.median(o[i] for o in old) * 1e3:7.3f} ms  "
            f"new {statistics.median(n[i] for n in new) * 1e3:7.3f} ms  "
            f"old/new {statistics.median(ratios):.2f} [{min(ratios):.2f}-{max(ratios):.2f}]"
        )


if __name__ == "__main__":
    main()
