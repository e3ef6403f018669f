"""Two builds of crmkit in ONE process, timed in alternating rounds.

For regression checks between builds on the shared 2-core machine, where the load of other
work moves every absolute time: each build is an unpacked wheel (``<dir>/crmkit/`` with its
``_crmkit.abi3.so``), loaded side by side, and the two take turns on the same arrays, their
order alternating, best of a few calls per round.

Tasks, on CDNOW and CDNOW x 100 (parameters fixed, as bench_clv.py's fitted ones):

  * ``fit ...``: bench_clv.py's fits — BG/NBD and Pareto/NBD on (x, t_x, T), Gamma-Gamma on
    (x, zbar) — whole ``fit`` calls through the Python API, default options (the fitted
    parameters of the two builds are compared first);

  * ``py ...``: bench_clv.py's predictions through the Python API — E[Y(39)], P(alive) and
    12-month CLV (Gamma-Gamma spend, 1% a month, monthly steps) — each call alone and the three
    together, arrays in and out (what bench_clv.py times);
  * ``core ...``: the same through the compiled module only (no Python layer), so that the
    difference of the two is the Python layer's cost per call;
  * bench_rfm.py's step (b) on 1 M random features (``--rfm``).

The Python packages are imported under the names ``crmkit`` one after the other and kept apart
in ``sys.modules`` (their modules import each other by absolute name at import time only);
a build whose API takes the horizon first (``expected_purchases(t, data)``) is called that way.

Usage: python benches/compare_builds.py OLD_DIR NEW_DIR [--rounds 15] [--quick] [--rfm] [--no-fits]
       [--no-predictions] [--new-threads N]
"""
import argparse
import gc
import importlib
import inspect
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument("old")
ap.add_argument("new")
ap.add_argument("--rounds", type=int, default=15)
ap.add_argument("--quick", action="store_true", help="CDNOW only, without CDNOW x 100")
ap.add_argument("--rfm", action="store_true", help="also bench_rfm.py's step (b) on 1 M rows")
ap.add_argument("--no-fits", action="store_true", help="predictions only, without bench_clv.py's fits")
ap.add_argument("--no-predictions", action="store_true", help="fits only, without the predictions")
ap.add_argument("--new-threads", type=int, default=0, help="set_num_threads(N) on the new build (0: leave it)")
args = ap.parse_args()


def load(directory):
    """The package ``crmkit`` of an unpacked wheel, removed from sys.modules afterwards."""
    for k in [k for k in sys.modules if k == "crmkit" or k.startswith("crmkit.")]:
        del sys.modules[k]
    sys.path.insert(0, str(Path(directory).resolve()))
    try:
        pkg = importlib.import_module("crmkit")
    finally:
        sys.path.pop(0)
    for k in [k for k in sys.modules if k == "crmkit" or k.startswith("crmkit.")]:
        del sys.modules[k]
    return pkg


pkgs = {"base": load(args.old), "new": load(args.new)}
if args.new_threads:
    pkgs["new"].set_num_threads(args.new_threads)


def best(fn, k):
    b = 1e9
    gc.collect()
    gc.disable()
    for _ in range(k):
        s = time.perf_counter()
        fn()
        b = min(b, time.perf_counter() - s)
    gc.enable()
    return b


base = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
BG = dict(r=0.2426, alpha=4.4135, a=0.7929, b=2.4258)
GG = dict(p=6.25, q=3.74, gamma=15.44)
tasks = {}
for label, times in (("CDNOW", 1),) if args.quick else (("CDNOW", 1), ("x100", 100)):
    s = pd.concat([base] * times, ignore_index=True)
    x, tx, T, m = (np.ascontiguousarray(s[c].to_numpy(np.float64)) for c in ("x", "t_x", "T", "zbar"))
    k = 10 if times == 1 else 3
    for v, pkg in pkgs.items():
        mod = pkg._crmkit
        bg, gg = pkg.BgNbd.from_params(**BG), pkg.GammaGamma.from_params(**GG)
        horizon_first = list(inspect.signature(bg.expected_purchases).parameters)[0] == "t"
        cbg, cgg = bg._fitted(), gg._fitted()

        def ey(bg=bg, hf=horizon_first, x=x, tx=tx, T=T):
            return bg.expected_purchases(39, x, tx, T) if hf else bg.expected_purchases(x, 39, tx, T)

        def alive(bg=bg, x=x, tx=tx, T=T):
            return bg.probability_alive(x, tx, T)

        def clv(bg=bg, gg=gg, pkg=pkg, x=x, tx=tx, T=T, m=m):
            return gg.customer_lifetime_value(bg, x, tx, T, m, months=12, discount_rate=0.01, time_units_per_month=pkg.WEEKS_PER_MONTH)

        def pred(ey=ey, alive=alive, clv=clv):
            ey(), alive(), clv()

        def core_pred(bg=cbg, gg=cgg, mod=mod, x=x, tx=tx, T=T, m=m):
            bg.expected_purchases(39.0, x, tx, T)
            bg.probability_alive(x, tx, T)
            mod.clv_monthly_steps(bg, gg.expected_spend(x, m), x, tx, T, months=12, monthly_discount_rate=0.01, time_units_per_month=4.345)

        if not args.no_predictions:
            for name, fn in (("py predictions", pred), ("py E[Y(39)]", ey), ("py P(alive)", alive), ("py CLV 12 m", clv), ("core predictions", core_pred)):
                tasks.setdefault(f"{label} {name}", {})[v] = (fn, k)
        if not args.no_fits:
            # bench_clv.py's fits: BG/NBD and Pareto/NBD on (x, t_x, T), Gamma-Gamma on (x, zbar)
            for name, fn in (
                ("fit BG/NBD", lambda pkg=pkg, x=x, tx=tx, T=T: pkg.BgNbd().fit(x, tx, T)),
                ("fit Pareto/NBD", lambda pkg=pkg, x=x, tx=tx, T=T: pkg.ParetoNbd().fit(x, tx, T)),
                ("fit Gamma-Gamma", lambda pkg=pkg, x=x, m=m: pkg.GammaGamma().fit(x, m)),
            ):
                tasks.setdefault(f"{label} {name}", {})[v] = (fn, k)
if args.rfm:
    rng = np.random.default_rng(42)
    n = 998_252
    r = rng.integers(0, 1500, n).astype(np.int64)
    f = rng.integers(0, 40, n).astype(np.int64)
    mm = rng.random(n) * 1000
    for v, pkg in pkgs.items():
        tasks.setdefault("rfm (b) fit+score_tiers 1M", {})[v] = ((lambda mod=pkg._crmkit: mod.MinMaxFit.fit(r, f, mm).score_tiers(r, f, mm)), 5)
# the same values from both builds (bit for bit unless a build changed a formula)
for t, vs in tasks.items():
    if t.split(" ", 1)[1] in ("py E[Y(39)]", "py P(alive)", "py CLV 12 m"):
        a, b = (np.asarray(vs[v][0]()) for v in ("base", "new"))
        diff = float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300)))
        print(f"{t:<30} values: {'identical' if np.array_equal(a, b) else f'max relative difference {diff:.1e}'}")
    elif " fit " in t:
        a, b = (np.array(list(vs[v][0]().params_.values()), dtype=np.float64) for v in ("base", "new"))
        diff = float(np.max(np.abs(a - b) / np.abs(a)))
        print(f"{t:<30} params: {'identical' if np.array_equal(a, b) else f'max relative difference {diff:.1e}'}")
rounds = args.rounds
res = {t: {"base": [], "new": []} for t in tasks}
for i in range(rounds):
    for t, vs in tasks.items():
        order = ("base", "new") if i % 2 == 0 else ("new", "base")
        for v in order:
            fn, k = vs[v]
            res[t][v].append(best(fn, k))
print(f"{rounds} rounds, contenders alternating; medians of per-round best-of; ratio = median of per-round old/new")
for t, d in res.items():
    ratios = sorted(b / n for b, n in zip(d["base"], d["new"]))
    print(f"{t:<30} old {statistics.median(d['base'])*1e3:8.3f} ms  new {statistics.median(d['new'])*1e3:8.3f} ms  old/new {statistics.median(ratios):.2f} [{ratios[0]:.2f}-{ratios[-1]:.2f}]")
