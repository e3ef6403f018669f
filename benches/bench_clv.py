"""crmkit against lifetimes 0.11.3 on CDNOW and CDNOW x 100, in one process.

Run with the peers environment's Python (scripts/test.sh creates it with lifetimes and the crmkit
wheel): ``.venv-peers/bin/python benches/bench_clv.py``.

Protocol: the contenders take turns, in ``--rounds`` rounds (their order alternating), so a slow
spell of the machine falls on both. In each round crmkit is timed as ``timeit`` times (the calls
back to back with the garbage collector off, best of ``--inner``) and lifetimes once. Each round
gives a ratio; the table shows the medians of the times and of the ratios, and the lowest and
highest ratio over the rounds. ``--cold`` collects garbage before every crmkit call instead,
which evicts the caches and lets the second core idle (a single call after other work).

Data: the CDNOW summary (data/cdnow/cdnow_customers_summary_with_transactions.csv, 2,357 customers,
weeks) and that table repeated 100 times (235,700 customers; one round, lifetimes being slow
there). Tasks:

  * BG/NBD fit and Pareto/NBD fit. crmkit merges identical rows into weights before fitting; to be
    fair, lifetimes is timed both on its own ``weights`` (the same compressed rows) and on the raw
    rows without weights (what a lifetimes user typically runs).
  * predictions for every customer: conditional expected purchases in the next 39 weeks, P(alive)
    and 12-month CLV (Gamma-Gamma spend, 1% a month, discrete monthly steps) from the BG/NBD model.

Targets (issue 5): BG/NBD fit >= 100x, Pareto/NBD fit >= 300x, predictions >= 50x.

Usage: python benches/bench_clv.py [--rounds 11] [--inner 10] [--pareto-raw-limit 240] [--cold] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import statistics
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


def best_of(repeat: int, fn: Callable[[], Any], cold: bool = False) -> float:
    """Best of ``repeat`` calls, back to back with the garbage collector off (as ``timeit``), or
    with a full collection before each call when ``cold``."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            if cold:
                gc.collect()
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best


class Paired:
    """Per-round times of crmkit and the peer, and the ratios of each round."""

    def __init__(self, rounds: int, inner: int, cold: bool, ours: Callable[[], Any], peer: Callable[[], Any] | None) -> None:
        self.ours: list[float] = []
        self.peer: list[float] = []
        for i in range(rounds):
            steps = [lambda: self.ours.append(best_of(inner, ours, cold))]
            if peer is not None:
                steps.append(lambda: self.peer.append(best_of(1, peer)))
            for step in steps if i % 2 == 0 else steps[::-1]:
                step()

    def row(self, label: str, task: str, note: str = "") -> str:
        ours = statistics.median(self.ours)
        if not self.peer:
            return f"{label:<12} {task:<46} {ours * 1e3:8.2f}ms {'-':>10} {'-':>9} {note}"
        ratios = sorted(p / o for o, p in zip(self.ours, self.peer))
        spread = f"{ratios[0]:.0f}-{ratios[-1]:.0f}" if len(ratios) > 1 else ""
        return f"{label:<12} {task:<46} {ours * 1e3:8.2f}ms {statistics.median(self.peer):9.3f}s {statistics.median(ratios):8.0f}x {spread:>11} {note}"


def compressed(s: pd.DataFrame) -> pd.DataFrame:
    return s.groupby(["x", "t_x", "T"], as_index=False).size().rename(columns={"size": "w"})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=11, help="rounds on CDNOW (CDNOW x 100: one)")
    ap.add_argument("--inner", type=int, default=10, help="crmkit calls per round (the best counts)")
    ap.add_argument("--pareto-raw-limit", type=float, default=240.0, help="seconds: skip lifetimes' raw x100 Pareto/NBD fit beyond this estimate")
    ap.add_argument("--cold", action="store_true", help="collect garbage before every crmkit call (see best_of)")
    ap.add_argument("--quick", action="store_true", help="CDNOW only, without CDNOW x 100")
    args = ap.parse_args()
    base = pd.read_csv(ROOT / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    lines: list[str] = []
    print(
        f"crmkit {crmkit.__version__}; lifetimes 0.11.3; {len(base):,} CDNOW customers; "
        f"{'cold' if args.cold else 'warm'} crmkit timings, best of {args.inner} per round\n"
    )
    sizes = (("CDNOW", 1),) if args.quick else (("CDNOW", 1), ("CDNOW x 100", 100))
    for label, times in sizes:
        s = pd.concat([base] * times, ignore_index=True)
        x, tx, T, m = (s[c].to_numpy(np.float64) for c in ("x", "t_x", "T", "zbar"))
        c = compressed(s)
        rounds = args.rounds if times == 1 else 1
        print(f"== {label}: {len(s):,} customers, {len(c):,} distinct (x, t_x, T); {rounds} round(s)")

        def paired(ours: Callable[[], Any], peer: Callable[[], Any] | None) -> Paired:
            return Paired(rounds, args.inner, args.cold, ours, peer)

        # -- BG/NBD fit --------------------------------------------------------------------
        def bg_fit() -> Any:
            return crmkit.BgNbd().fit(x, tx, T)

        lines.append(paired(bg_fit, lambda: BetaGeoFitter().fit(c["x"], c["t_x"], c["T"], weights=c["w"])).row(label, "BG/NBD fit (lifetimes with weights)"))
        lines.append(paired(bg_fit, lambda: BetaGeoFitter().fit(s["x"], s["t_x"], s["T"])).row(label, "BG/NBD fit (lifetimes raw rows)"))

        # -- Pareto/NBD fit ----------------------------------------------------------------
        def pareto_fit() -> Any:
            return crmkit.ParetoNbd().fit(x, tx, T)

        weighted = paired(pareto_fit, lambda: ParetoNBDFitter().fit(c["x"], c["t_x"], c["T"], weights=c["w"]))
        lines.append(weighted.row(label, "Pareto/NBD fit (lifetimes with weights)"))
        estimate = statistics.median(weighted.peer) * len(s) / len(c)
        if estimate <= args.pareto_raw_limit:
            raw = paired(pareto_fit, lambda: ParetoNBDFitter().fit(s["x"], s["t_x"], s["T"]))
            lines.append(raw.row(label, "Pareto/NBD fit (lifetimes raw rows)"))
        else:
            lines.append(paired(pareto_fit, None).row(label, "Pareto/NBD fit (lifetimes raw rows)", f"lifetimes skipped: estimated {estimate:.0f} s"))

        # -- predictions -------------------------------------------------------------------
        bg = bg_fit()
        gg = crmkit.GammaGamma().fit(x, m)
        lbg = BetaGeoFitter().fit(c["x"], c["t_x"], c["T"], weights=c["w"])
        lgg = GammaGammaFitter()
        lgg.params_ = pd.Series({"p": gg.params_["p"], "q": gg.params_["q"], "v": gg.params_["gamma"]})

        def ours_predict() -> None:
            bg.expected_purchases(x, 39, tx, T)
            bg.probability_alive(x, tx, T)
            gg.customer_lifetime_value(bg, x, tx, T, m, months=12, discount_rate=0.01, time_units_per_month=crmkit.WEEKS_PER_MONTH)

        def lifetimes_predict() -> None:
            lbg.conditional_expected_number_of_purchases_up_to_time(39, s["x"], s["t_x"], s["T"])
            lbg.conditional_probability_alive(s["x"], s["t_x"], s["T"])
            lgg.customer_lifetime_value(lbg, s["x"], s["t_x"], s["T"], s["zbar"], time=12, discount_rate=0.01, freq="W")

        lines.append(paired(ours_predict, lifetimes_predict).row(label, "predictions (E[Y(39)], P(alive), CLV 12 m)"))
        print(f"   BG/NBD params crmkit {({k: round(v, 4) for k, v in bg.params_.items()})}")
        print(f"   BG/NBD params lifetimes {({k: round(float(v), 4) for k, v in lbg.params_.items()})}\n")

    print("medians over the rounds; the last column is the lowest and highest ratio of a round")
    print(f"{'data':<12} {'task':<46} {'crmkit':>10} {'lifetimes':>10} {'ratio':>9} {'range':>11}")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
