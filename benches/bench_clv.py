"""crmkit against lifetimes 0.11.3 on CDNOW and CDNOW x 100, in one process.

Run with the peers environment's Python (scripts/test.sh creates it with lifetimes and the crmkit
wheel): ``.venv-peers/bin/python benches/bench_clv.py``.

Timings are best of ``--repeat`` calls, by default back to back with the garbage collector off (as
``timeit``); ``--cold`` collects garbage before every call instead, which evicts the caches and lets
the second core idle (see ``best_of``).

Data: the CDNOW summary (data/cdnow/cdnow_customers_summary_with_transactions.csv, 2,357 customers,
weeks) and that table repeated 100 times (235,700 customers). Timed, best of ``--repeat`` runs
(lifetimes' fits and predictions on CDNOW x 100 once, being slow; on CDNOW both sides best of
``--repeat``, as lifetimes' single timings there vary by up to 2x between runs):

  * BG/NBD fit and Pareto/NBD fit. crmkit merges identical rows into weights before fitting; to be
    fair, lifetimes is timed both on its own ``weights`` (the same compressed rows) and on the raw
    rows without weights (what a lifetimes user typically runs).
  * predictions for every customer: conditional expected purchases in the next 39 weeks, P(alive)
    and 12-month CLV (Gamma-Gamma spend, 1% a month, discrete monthly steps) from the BG/NBD model.

Targets (issue 5): BG/NBD fit >= 100x, Pareto/NBD fit >= 300x, predictions >= 50x.

Usage: python benches/bench_clv.py [--repeat 3] [--pareto-raw-limit 240] [--cold] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import crmkit

warnings.simplefilter("ignore")  # lifetimes' pandas / numpy deprecation noise

from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


COLD = False


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    """Best of ``repeat`` calls. By default as ``timeit`` does: one collection first, then the
    calls back to back with the garbage collector off (warm caches). With ``--cold`` a full
    collection before every call, which evicts the caches and lets the second core idle: closer
    to a single call after other work, and much harder on calls that take a millisecond."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            if COLD:
                gc.collect()
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best


def compressed(s: pd.DataFrame) -> pd.DataFrame:
    return s.groupby(["x", "t_x", "T"], as_index=False).size().rename(columns={"size": "w"})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pareto-raw-limit", type=float, default=240.0, help="seconds: skip lifetimes' raw x100 Pareto/NBD fit beyond this estimate")
    ap.add_argument("--cold", action="store_true", help="collect garbage before every timed call (see best_of)")
    ap.add_argument("--quick", action="store_true", help="CDNOW only, without CDNOW x 100")
    args = ap.parse_args()
    global COLD
    COLD = args.cold
    base = pd.read_csv(ROOT / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    results: list[tuple[str, str, float, float, str]] = []
    print(f"crmkit {crmkit.__version__}; lifetimes 0.11.3; {len(base):,} CDNOW customers; {'cold' if COLD else 'warm'} timings\n")
    sizes = (("CDNOW", 1),) if args.quick else (("CDNOW", 1), ("CDNOW x 100", 100))
    for label, times in sizes:
        s = pd.concat([base] * times, ignore_index=True)
        x, tx, T, m = (s[c].to_numpy(np.float64) for c in ("x", "t_x", "T", "zbar"))
        c = compressed(s)
        print(f"== {label}: {len(s):,} customers, {len(c):,} distinct (x, t_x, T)")

        # -- BG/NBD fit --------------------------------------------------------------------
        peer_repeat = args.repeat if times == 1 else 1
        ours = best_of(args.repeat, lambda: crmkit.BgNbd().fit(x, tx, T))
        lt_w = best_of(args.repeat, lambda: BetaGeoFitter().fit(c["x"], c["t_x"], c["T"], weights=c["w"]))
        lt_raw = best_of(peer_repeat, lambda: BetaGeoFitter().fit(s["x"], s["t_x"], s["T"]))
        results.append((label, "BG/NBD fit (lifetimes with weights)", ours, lt_w, ""))
        results.append((label, "BG/NBD fit (lifetimes raw rows)", ours, lt_raw, ""))

        # -- Pareto/NBD fit ----------------------------------------------------------------
        ours = best_of(args.repeat, lambda: crmkit.ParetoNbd().fit(x, tx, T))
        lt_w = best_of(peer_repeat, lambda: ParetoNBDFitter().fit(c["x"], c["t_x"], c["T"], weights=c["w"]))
        results.append((label, "Pareto/NBD fit (lifetimes with weights)", ours, lt_w, ""))
        estimate = lt_w * len(s) / len(c)
        if estimate <= args.pareto_raw_limit:
            lt_raw = best_of(peer_repeat, lambda: ParetoNBDFitter().fit(s["x"], s["t_x"], s["T"]))
            results.append((label, "Pareto/NBD fit (lifetimes raw rows)", ours, lt_raw, ""))
        else:
            results.append((label, "Pareto/NBD fit (lifetimes raw rows)", ours, float("nan"), f"skipped: estimated {estimate:.0f} s"))

        # -- predictions -------------------------------------------------------------------
        bg = crmkit.BgNbd().fit(x, tx, T)
        gg = crmkit.GammaGamma().fit(x, m)
        lbg = BetaGeoFitter().fit(c["x"], c["t_x"], c["T"], weights=c["w"])
        lgg = GammaGammaFitter()
        lgg.params_ = pd.Series({"p": gg.params_["p"], "q": gg.params_["q"], "v": gg.params_["gamma"]})

        def ours_predict() -> None:
            bg.expected_purchases(39, x, tx, T)
            bg.probability_alive(x, tx, T)
            gg.customer_lifetime_value(bg, x, tx, T, m, months=12, discount_rate=0.01, time_units_per_month=crmkit.WEEKS_PER_MONTH)

        def lifetimes_predict() -> None:
            lbg.conditional_expected_number_of_purchases_up_to_time(39, s["x"], s["t_x"], s["T"])
            lbg.conditional_probability_alive(s["x"], s["t_x"], s["T"])
            lgg.customer_lifetime_value(lbg, s["x"], s["t_x"], s["T"], s["zbar"], time=12, discount_rate=0.01, freq="W")

        results.append((label, "predictions (E[Y(39)], P(alive), CLV 12 m)", best_of(args.repeat, ours_predict), best_of(peer_repeat, lifetimes_predict), ""))
        print(f"   BG/NBD params crmkit {({k: round(v, 4) for k, v in bg.params_.items()})}")
        print(f"   BG/NBD params lifetimes {({k: round(float(v), 4) for k, v in lbg.params_.items()})}\n")

    print(f"{'data':<12} {'task':<46} {'crmkit':>10} {'lifetimes':>11} {'ratio':>9}")
    for label, task, ours, theirs, note in results:
        ratio = theirs / ours if np.isfinite(theirs) else float("nan")
        theirs_s = f"{theirs:10.3f}s" if np.isfinite(theirs) else f"{'-':>11}"
        print(f"{label:<12} {task:<46} {ours * 1e3:8.2f}ms {theirs_s} {ratio:8.0f}x {note}")


if __name__ == "__main__":
    main()
