"""Two builds of crmkit's extension module in ONE process, timed in alternating rounds.

For regression checks between builds on the shared 2-core machine, where the load of other
work moves every absolute time: each build's ``_crmkit`` shared library is loaded from its own
path (an unpacked wheel: ``<dir>/crmkit/_crmkit.abi3.so``), and the two take turns on the same
arrays, their order alternating, best of a few calls per round. Tasks: bench_clv.py's
predictions (BG/NBD E[Y(39)], P(alive), 12-month CLV by monthly steps, parameters fixed) on
CDNOW and CDNOW x 100, two of their parts, and bench_rfm.py's step (b) on 1 M random features.

Usage: python benches/compare_builds.py OLD_DIR NEW_DIR [--rounds 15]
"""
import argparse
import gc
import importlib.machinery
import importlib.util
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument("old")
ap.add_argument("new")
ap.add_argument("--rounds", type=int, default=15)
args = ap.parse_args()


def load(path):
    loader = importlib.machinery.ExtensionFileLoader("_crmkit", path)
    spec = importlib.util.spec_from_loader("_crmkit", loader)
    m = importlib.util.module_from_spec(spec); loader.exec_module(m); return m
mods = {"base": load(f"{args.old}/crmkit/_crmkit.abi3.so"), "new": load(f"{args.new}/crmkit/_crmkit.abi3.so")}
def best(fn, k):
    b = 1e9; gc.collect(); gc.disable()
    for _ in range(k):
        s = time.perf_counter(); fn(); b = min(b, time.perf_counter() - s)
    gc.enable(); return b
base = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
tasks = {}
for label, times in (("CDNOW", 1), ("x100", 100)):
    s = pd.concat([base] * times, ignore_index=True)
    x, tx, T, m = (np.ascontiguousarray(s[c].to_numpy(np.float64)) for c in ("x", "t_x", "T", "zbar"))
    for v, mod in mods.items():
        bg = mod.BgNbdModel.from_params([0.2426, 4.4135, 0.7929, 2.4258])
        gg = mod.GammaGammaModel.from_params([6.25, 3.74, 15.44])
        def pred(bg=bg, gg=gg, mod=mod, x=x, tx=tx, T=T, m=m):
            bg.expected_purchases(39.0, x, tx, T); bg.probability_alive(x, tx, T)
            mod.clv_monthly_steps(bg, gg.expected_spend(x, m), x, tx, T, months=12, monthly_discount_rate=0.01, time_units_per_month=4.345)
        tasks.setdefault(f"{label} predictions", {})[v] = (pred, 10 if times == 1 else 3)
        tasks.setdefault(f"{label} P(alive)", {})[v] = ((lambda bg=bg, x=x, tx=tx, T=T: bg.probability_alive(x, tx, T)), 10 if times == 1 else 3)
        tasks.setdefault(f"{label} clv_monthly_steps", {})[v] = ((lambda bg=bg, gg=gg, mod=mod, x=x, tx=tx, T=T, m=m: mod.clv_monthly_steps(bg, gg.expected_spend(x, m), x, tx, T, months=12, monthly_discount_rate=0.01, time_units_per_month=4.345)), 10 if times == 1 else 3)
rng = np.random.default_rng(42); n = 998_252
r = rng.integers(0, 1500, n).astype(np.int64); f = rng.integers(0, 40, n).astype(np.int64); mm = rng.random(n) * 1000
for v, mod in mods.items():
    tasks.setdefault("rfm (b) fit+score_tiers 1M", {})[v] = ((lambda mod=mod: mod.MinMaxFit.fit(r, f, mm).score_tiers(r, f, mm)), 5)
rounds = args.rounds
res = {t: {"base": [], "new": []} for t in tasks}
for i in range(rounds):
    for t, vs in tasks.items():
        order = ("base", "new") if i % 2 == 0 else ("new", "base")
        for v in order:
            fn, k = vs[v]; res[t][v].append(best(fn, k))
print(f"{rounds} rounds, contenders alternating; medians of per-round best-of; ratio = median of per-round old/new")
for t, d in res.items():
    ratios = sorted(b / n for b, n in zip(d["base"], d["new"]))
    print(f"{t:<30} old {statistics.median(d['base'])*1e3:8.3f} ms  new {statistics.median(d['new'])*1e3:8.3f} ms  old/new {statistics.median(ratios):.2f} [{ratios[0]:.2f}-{ratios[-1]:.2f}]")
