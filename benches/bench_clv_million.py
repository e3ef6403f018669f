"""crmkit against lifetimes 0.11.3 and pymc-marketing (MAP, flat priors) on 1 M customers at daily resolution.

Environment: the peers live in a bench-only virtualenv, never in crmkit's runtime or test
dependencies. ``scripts/bench_peers.sh`` builds it once (``.venv-bench``: lifetimes 0.11.3 and
pymc-marketing from ``benches/requirements-bench.txt``, pandas < 3 for lifetimes, and a release
wheel of crmkit) and then runs this script with the arguments given::

    scripts/bench_peers.sh --rounds 3
    .venv-bench/bin/python benches/bench_clv_million.py --rounds 3     # once it exists

Data: a BG/NBD population (Fader, Hardie & Lee 2005) of ``--customers`` (1,000,000) simulated
with ``numpy.random.default_rng(--seed)`` in DAYS: r = 0.25, α = 30 days, a = 0.8, b = 2.5; the
first purchase on a day uniform over the two years before the end of the calibration period
(T = 1..730 days); purchases at the customer's Poisson rate, the customer dropping out after each
repeat purchase with their beta-distributed probability; x, t_x in whole days. Spend per repeat
purchase from Gamma–Gamma (p = 6, q = 4, γ = 15): the mean of x values is Gamma(p·x, ν·x), ν ~
Gamma(q, γ). The number of distinct (x, t_x, T) rows is printed (hundreds of thousands).

End to end, for each contender: BG/NBD fit, Pareto/NBD fit, Gamma–Gamma fit (repeat customers),
then for every customer P(alive), expected purchases in the next 90 days and the 12-month CLV
(BG/NBD + Gamma–Gamma, 1 % a month, 30 days a month: the discrete-monthly-step convention all three
share). crmkit hashes the raw rows into their distinct rows once (``crmkit.CompressedSummary``, a
task of its own, counted end to end) and fits and predicts on that; lifetimes on the raw rows
(what its users run) and, reported separately, on the compressed rows with ``weights``;
pymc-marketing (``method="map"`` with ``HalfFlat`` priors on every parameter: the maximum
likelihood estimate, optimised by L-BFGS-B on log-parameters) on the raw rows (it has no weights).

Protocol (as ``benches/bench_clv.py``, whose helpers this reuses): the contenders take turns in
``--rounds`` rounds, their order rotating, so a slow spell of the shared machine falls on all.
crmkit is timed as ``timeit`` does (best of ``--inner`` back-to-back calls, garbage collector off),
each peer once per round. An untimed warm-up on 2,000 customers
comes first, so that pytensor's one-off C compilation (cached on disk) is not counted against
pymc-marketing. The table shows median times per task and the median ratio over the
rounds; "end to end" sums the tasks of a round. ``--peer-subset N`` runs the peers on the first N
customers only and scales their times by 1 M / N (flagged in the output as EXTRAPOLATED);
``--peer-task-limit S`` stops a peer's task after S seconds and
reports S as a lower bound on its time (marked ``>``; so is every ratio built on it);
``--skip-pymc`` / ``--skip-lifetimes`` leave a peer out.

Targets (issue 13): >= 100x both peers end to end; BG/NBD fit < 1 s on 2 cores.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import crmkit  # noqa: E402
from bench_clv import best_of, compressed  # noqa: E402  (imports lifetimes, silences its warnings)

warnings.simplefilter("ignore")

HORIZON_DAYS = 90
MONTHS = 12
DISCOUNT = 0.01
TRUTH = {"r": 0.25, "alpha": 30.0, "a": 0.8, "b": 2.5, "p": 6.0, "q": 4.0, "gamma": 15.0}


def simulate(n: int, seed: int) -> pd.DataFrame:
    """A BG/NBD + Gamma–Gamma population in days (see the module docstring)."""
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 731, n).astype(np.float64)
    lam = rng.gamma(TRUTH["r"], 1.0 / TRUTH["alpha"], n)
    p = rng.beta(TRUTH["a"], TRUTH["b"], n)
    arrivals = rng.poisson(lam * T)  # purchases in (0, T] of a customer who never drops out
    survive = rng.geometric(p)  # the repeat purchase after which the customer drops out
    x = np.minimum(arrivals, survive)
    # the x-th of `arrivals` uniform times in (0, T]: T · Beta(x, arrivals − x + 1)
    has = x > 0
    t_x = np.zeros(n)
    t_x[has] = T[has] * rng.beta(x[has], arrivals[has] - x[has] + 1)
    t_x = np.minimum(np.ceil(t_x), T)
    nu = rng.gamma(TRUTH["q"], 1.0 / TRUTH["gamma"], n)
    m = np.zeros(n)
    m[has] = rng.gamma(TRUTH["p"] * x[has], 1.0 / (nu[has] * x[has]))
    return pd.DataFrame(
        {"customer_id": np.arange(n), "x": x.astype(np.float64), "t_x": t_x, "T": T, "m_x": np.round(m, 2)}
    )


class TaskLimit(Exception):
    """A peer's task ran past ``--peer-task-limit``."""


def _alarm(signum: int, frame: Any) -> None:
    raise TaskLimit


class Contender:
    """A pipeline of named tasks, timed per round. A task stopped at ``limit`` seconds counts as
    ``limit`` and is marked censored: the peer's time (and the ratio) is then a lower bound."""

    def __init__(
        self, name: str, tasks: list[tuple[str, Callable[[], Any]]], inner: int, scale: float = 1.0, limit: float = 0.0
    ) -> None:
        self.name, self.tasks, self.inner, self.scale, self.limit = name, tasks, inner, scale, limit
        self.times: dict[str, list[float]] = {task: [] for task, _ in tasks}
        self.censored: set[str] = set()

    def run_round(self) -> None:
        for task, fn in self.tasks:
            note = ""
            if self.limit:
                signal.signal(signal.SIGALRM, _alarm)
                signal.setitimer(signal.ITIMER_REAL, self.limit)
            try:
                elapsed = best_of(self.inner, fn)
            except (TaskLimit, KeyError):
                # stopped at the limit, or a prediction whose fit was stopped
                elapsed, note = self.limit, f"  STOPPED at the {self.limit:.0f} s limit (lower bound)"
                self.censored.add(task)
            finally:
                if self.limit:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            elapsed *= self.scale
            self.times[task].append(elapsed)
            print(f"   {self.name:<28} {task:<34} {elapsed:10.3f} s{note}", flush=True)

    def total(self, i: int) -> float:
        return sum(t[i] for t in self.times.values())


def crmkit_tasks(s: pd.DataFrame) -> list[tuple[str, Callable[[], Any]]]:
    """crmkit's pipeline: the summaries are hashed into their distinct rows ONCE
    (``crmkit.CompressedSummary``, timed as its own task and counted end to end), then every fit
    and prediction reuses that compression."""
    x, tx, T, m = (s[c].to_numpy(np.float64) for c in ("x", "t_x", "T", "m_x"))
    state: dict[str, Any] = {}

    def compress() -> None:
        state["rows"] = crmkit.CompressedSummary(None, x=x, t_x=tx, T=T, m_x=m)

    def bg() -> None:
        state["bg"] = crmkit.BgNbd().fit(state["rows"])

    def pn() -> None:
        state["pn"] = crmkit.ParetoNbd().fit(state["rows"])

    def gg() -> None:
        state["gg"] = crmkit.GammaGamma().fit(state["rows"])

    def predict() -> None:
        rows = state["rows"]
        state["alive"] = state["bg"].probability_alive(rows)
        state["next"] = state["bg"].expected_purchases(rows, HORIZON_DAYS)
        state["clv"] = state["gg"].customer_lifetime_value(
            state["bg"], rows, months=MONTHS, discount_rate=DISCOUNT, time_units_per_month=crmkit.DAYS_PER_MONTH
        )

    return [
        ("compress summaries (once)", compress),
        ("BG/NBD fit", bg),
        ("Pareto/NBD fit", pn),
        ("Gamma-Gamma fit", gg),
        ("P(alive), E[Y(90 d)], CLV 12 m", predict),
    ]


def lifetimes_tasks(s: pd.DataFrame, weighted: bool) -> list[tuple[str, Callable[[], Any]]]:
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter

    repeat = s[s["x"] > 0]
    state: dict[str, Any] = {"rows": s}

    def compress() -> None:
        # with weights: pandas' group-by merges the rows (timed, as crmkit's compression is)
        if weighted:
            state["rows"] = compressed(s)

    def fit_args() -> tuple[list[Any], dict[str, Any]]:
        rows = state["rows"]
        return [rows["x"], rows["t_x"], rows["T"]], ({"weights": rows["w"]} if weighted else {})

    def bg() -> None:
        a, w = fit_args()
        state["bg"] = BetaGeoFitter().fit(*a, **w)

    def pn() -> None:
        a, w = fit_args()
        state["pn"] = ParetoNBDFitter().fit(*a, **w)

    def gg() -> None:
        state["gg"] = GammaGammaFitter().fit(repeat["x"], repeat["m_x"])

    def predict() -> None:
        bgf = state["bg"]
        state["alive"] = bgf.conditional_probability_alive(s["x"], s["t_x"], s["T"])
        state["next"] = bgf.conditional_expected_number_of_purchases_up_to_time(HORIZON_DAYS, s["x"], s["t_x"], s["T"])
        state["clv"] = state["gg"].customer_lifetime_value(
            bgf, s["x"], s["t_x"], s["T"], s["m_x"], time=MONTHS, discount_rate=DISCOUNT, freq="D"
        )

    return [("compress summaries (once)", compress), ("BG/NBD fit", bg), ("Pareto/NBD fit", pn), ("Gamma-Gamma fit", gg), ("P(alive), E[Y(90 d)], CLV 12 m", predict)]


def pymc_tasks(s: pd.DataFrame) -> list[tuple[str, Callable[[], Any]]]:
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel, customer_lifetime_value

    flat = Prior("HalfFlat")
    data = pd.DataFrame({"customer_id": s["customer_id"], "frequency": s["x"], "recency": s["t_x"], "T": s["T"]})
    repeat = s[s["x"] > 0]
    spend_data = pd.DataFrame({"customer_id": repeat["customer_id"], "frequency": repeat["x"], "monetary_value": repeat["m_x"]})
    state: dict[str, Any] = {}

    def bg() -> None:
        model = BetaGeoModel(data=data, model_config={"r": flat, "alpha": flat, "a": flat, "b": flat})
        model.fit(method="map", progressbar=False)
        state["bg"] = model

    def pn() -> None:
        model = ParetoNBDModel(data=data, model_config={"r": flat, "alpha": flat, "s": flat, "beta": flat})
        model.fit(method="map", progressbar=False)
        state["pn"] = model

    def gg() -> None:
        model = GammaGammaModel(data=spend_data, model_config={"p": flat, "q": flat, "v": flat})
        model.fit(method="map", progressbar=False)
        state["gg"] = model

    def predict() -> None:
        bgm, ggm = state["bg"], state["gg"]
        state["alive"] = bgm.expected_probability_alive(data=data)
        state["next"] = bgm.expected_purchases(data=data, future_t=HORIZON_DAYS)
        spend = ggm.expected_customer_spend(
            data=pd.DataFrame({"customer_id": s["customer_id"], "frequency": s["x"], "monetary_value": s["m_x"]})
        )
        clv_data = data.assign(future_spend=np.asarray(spend.mean(("chain", "draw"))))
        state["clv"] = customer_lifetime_value(bgm, clv_data, future_t=MONTHS, discount_rate=DISCOUNT, time_unit="D")

    return [("compress summaries (once)", lambda: None), ("BG/NBD fit", bg), ("Pareto/NBD fit", pn), ("Gamma-Gamma fit", gg), ("P(alive), E[Y(90 d)], CLV 12 m", predict)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--inner", type=int, default=3, help="crmkit calls per task and round (the best counts)")
    ap.add_argument("--peer-subset", type=int, default=0, help="run the peers on this many customers and scale their times (reported as EXTRAPOLATED)")
    ap.add_argument("--peer-task-limit", type=float, default=0.0, help="stop a peer's task after this many seconds and report its time as a lower bound (0: no limit)")
    ap.add_argument("--no-warm-up", dest="warm_up", action="store_false", help="skip the untimed warm-up run on 2,000 customers (pytensor compiles its C code there)")
    ap.add_argument("--skip-pymc", action="store_true")
    ap.add_argument("--skip-lifetimes", action="store_true")
    ap.add_argument("--skip-lifetimes-raw", action="store_true", help="leave out the lifetimes variant fitted on the raw rows")
    ap.add_argument("--skip-lifetimes-weights", action="store_true", help="leave out the lifetimes variant fitted on compressed rows with weights")
    args = ap.parse_args()

    start = time.perf_counter()
    s = simulate(args.customers, args.seed)
    distinct = len(compressed(s))
    print(
        f"crmkit {crmkit.__version__}; {len(s):,} simulated BG/NBD customers in days (seed {args.seed}), "
        f"{distinct:,} distinct (x, t_x, T); {int((s.x > 0).sum()):,} repeat customers; "
        f"max x {int(s.x.max())}; simulated in {time.perf_counter() - start:.1f} s"
    )
    peer_rows = s
    scale = 1.0
    if args.peer_subset and args.peer_subset < len(s):
        peer_rows = s.iloc[: args.peer_subset].reset_index(drop=True)
        scale = len(s) / args.peer_subset
        print(f"PEERS RUN ON {len(peer_rows):,} CUSTOMERS, TIMES EXTRAPOLATED x {scale:.1f} (linear in rows)")

    contenders = [Contender("crmkit", crmkit_tasks(s), args.inner)]
    if not args.skip_lifetimes:
        import lifetimes

        if not args.skip_lifetimes_raw:
            contenders.append(Contender(f"lifetimes {lifetimes.__version__} raw rows", lifetimes_tasks(peer_rows, False), 1, scale, args.peer_task_limit))
        if not args.skip_lifetimes_weights:
            contenders.append(Contender(f"lifetimes {lifetimes.__version__} weights", lifetimes_tasks(peer_rows, True), 1, scale, args.peer_task_limit))
    if not args.skip_pymc:
        import pymc_marketing

        contenders.append(Contender(f"pymc-marketing {pymc_marketing.__version__} MAP", pymc_tasks(peer_rows), 1, scale, args.peer_task_limit))

    if args.warm_up:
        # compile and cache what the peers compile on first use (pytensor's C code), untimed
        small = s.iloc[:2000].reset_index(drop=True)
        print("== warm-up on 2,000 customers (untimed)", flush=True)
        warm = [Contender("crmkit", crmkit_tasks(small), 1)]
        if not args.skip_pymc:
            warm.append(Contender("pymc-marketing", pymc_tasks(small), 1))
        for c in warm:
            c.run_round()

    for r in range(args.rounds):
        print(f"== round {r + 1} of {args.rounds}", flush=True)
        order = contenders[r % len(contenders) :] + contenders[: r % len(contenders)]
        for c in order:
            c.run_round()

    ours = contenders[0]
    tasks = [task for task, _ in ours.tasks] + ["end to end"]

    def times_of(c: Contender, task: str) -> list[float]:
        return [c.total(i) for i in range(args.rounds)] if task == "end to end" else c.times[task]

    print(f"\nmedians over {args.rounds} round(s); ratio = peer / crmkit per round, median (lowest-highest); '>': a lower bound (task stopped at the limit)")
    if scale != 1.0:
        print(f"peer times EXTRAPOLATED from {len(peer_rows):,} customers")
    print(f"{'task':<34} {'crmkit':>10}   " + "   ".join(f"{c.name:>34}" for c in contenders[1:]))
    for task in tasks:
        mine = times_of(ours, task)
        cells = []
        for c in contenders[1:]:
            theirs = times_of(c, task)
            ratios = sorted(p / o for o, p in zip(mine, theirs))
            bound = ">" if task in c.censored or (task == "end to end" and c.censored) else " "
            cells.append(f"{bound}{statistics.median(theirs):9.2f} s {bound}{statistics.median(ratios):6.0f}x ({ratios[0]:.0f}-{ratios[-1]:.0f})")
        print(f"{task:<34} {statistics.median(mine):8.3f} s   " + "   ".join(f"{cell:>34}" for cell in cells))
    bg_fit = statistics.median(ours.times["BG/NBD fit"])
    x, tx, T = (s[c].to_numpy(np.float64) for c in ("x", "t_x", "T"))
    from_arrays = best_of(args.inner, lambda: crmkit.BgNbd().fit(x, tx, T))
    print(
        f"\nBG/NBD fit {bg_fit:.3f} s on the compressed summaries, {from_arrays:.3f} s from the raw arrays (compression included; target < 1 s)"
        "; crmkit BG/NBD params: " + str({k: round(v, 4) for k, v in crmkit.BgNbd().fit(x, tx, T).params_.items()})
    )


if __name__ == "__main__":
    main()
