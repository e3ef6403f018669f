"""Simulated CLV populations and log-likelihoods shared by the optimum and pymc-marketing tests
(not a test file).

Every population is drawn with ``numpy.random.default_rng(seed)`` from the model's own story and
returned as compressed rows with their customer counts ``w``. Time is in whole weeks (T in [10, 78],
purchase times rounded up to the next week), so that rows repeat and the peers, which are slow
per row, fit in seconds.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from scipy.special import betaln, gammaln

import crmkit


def _compress(cols: dict[str, np.ndarray]) -> dict[str, Any]:
    keys = list(cols)
    stacked = np.column_stack([cols[k] for k in keys])
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    out: dict[str, Any] = {k: rows[:, i].tolist() for i, k in enumerate(keys)}
    out["w"] = counts.astype(float).tolist()
    return out


def _week(t: np.ndarray) -> np.ndarray:
    return np.ceil(np.round(t, 9))


def transactions(model: str, n: int, seed: int, truth: list[float]) -> dict[str, Any]:
    """(x, t_x, T) rows of a BG/NBD, MBG/NBD or Pareto/NBD population.

    BG/NBD and MBG/NBD: rate λ ~ Gamma(r, 1/α), dropout probability p ~ Beta(a, b), a customer
    drops out after each repeat purchase with probability p (MBG/NBD: also at time 0).
    Pareto/NBD: λ ~ Gamma(r, 1/α), μ ~ Gamma(s, 1/β), lifetime exponential with rate μ.
    T is a whole number of weeks in [10, 78]; t_x is rounded up to the next whole week.
    """
    rng = np.random.default_rng(seed)
    r, alpha, c, d = truth
    lam = np.maximum(rng.gamma(r, 1.0 / alpha, n), 1e-300)
    T = rng.integers(10, 79, n).astype(np.float64)
    end = T.copy()
    alive = np.ones(n, dtype=bool)
    if model == "paretonbd":
        mu = np.maximum(rng.gamma(c, 1.0 / d, n), 1e-300)
        end = np.minimum(end, rng.exponential(1.0, n) / mu)
    else:
        p = rng.beta(c, d, n)
        if model == "mbgnbd":
            alive = rng.random(n) >= p
    x = np.zeros(n)
    tx = np.zeros(n)
    t = np.zeros(n)
    idx = np.flatnonzero(alive)
    while idx.size:
        t[idx] += rng.exponential(1.0, idx.size) / lam[idx]
        idx = idx[t[idx] <= end[idx]]
        x[idx] += 1
        tx[idx] = t[idx]
        if model != "paretonbd":
            idx = idx[rng.random(idx.size) >= p[idx]]
    tx = np.where(x > 0, np.minimum(_week(tx), T), 0.0)
    return _compress({"x": x, "t_x": tx, "T": T})


def discrete(n: int, seed: int, truth: list[float], opportunities: tuple[int, int] = (4, 12)) -> dict[str, Any]:
    """(x, t_x, n) rows of a BG/BB population: transaction probability p ~ Beta(α, β), dropout
    probability θ ~ Beta(γ, δ); over n opportunities (4 to 12 by default) a live customer transacts with
    probability p, then drops out with probability θ. ``opportunities``: the range of n."""
    rng = np.random.default_rng(seed)
    a, b, g, d = truth
    p = rng.beta(a, b, n)
    th = rng.beta(g, d, n)
    opp = rng.integers(opportunities[0], opportunities[1] + 1, n)
    x = np.zeros(n)
    tx = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    for k in range(1, opportunities[1] + 1):
        alive &= k <= opp
        buy = alive & (rng.random(n) < p)
        x += buy
        tx = np.where(buy, float(k), tx)
        alive &= rng.random(n) >= th
    return _compress({"x": x, "t_x": tx, "n": opp.astype(np.float64)})


def spend(n: int, seed: int, truth: list[float], mean_purchases: float) -> dict[str, Any]:
    """(x, m) rows of repeat customers under Gamma–Gamma: x = 1 + Poisson(mean_purchases),
    ν ~ Gamma(q, 1/γ), each purchase ~ Gamma(p, 1/ν); m the mean of the x purchases, rounded to
    0.1."""
    rng = np.random.default_rng(seed)
    p, q, g = truth
    x = 1.0 + rng.poisson(mean_purchases, n)
    nu = rng.gamma(q, 1.0 / g, n)
    m = rng.gamma(p * x, 1.0 / (nu * x))
    m = np.maximum(np.round(m, 1), 0.1)
    return _compress({"x": x, "m": m})


def retention(n: int, seed: int, truth: list[float], periods: int = 12) -> dict[str, Any]:
    """One sBG cohort of n customers: churn probability θ ~ Beta(α, β), churn period geometric
    (1, 2, …); ``lost[i]`` churned in period i + 1 for i < periods − 1, ``survivors`` the rest."""
    rng = np.random.default_rng(seed)
    a, b = truth
    th = rng.beta(a, b, n)
    churn = rng.geometric(np.clip(th, 1e-300, 1.0))
    lost = [int(np.sum(churn == k)) for k in range(1, periods)]
    return {"lost": lost, "survivors": int(np.sum(churn >= periods))}


NAMES = {
    "bgnbd": ["r", "alpha", "a", "b"],
    "mbgnbd": ["r", "alpha", "a", "b"],
    "paretonbd": ["r", "alpha", "s", "beta"],
    "bgbb": ["alpha", "beta", "gamma", "delta"],
    "gg": ["p", "q", "gamma"],
    "sbg": ["alpha", "beta"],
}
CLASSES: dict[str, Any] = {
    "bgnbd": crmkit.BgNbd,
    "mbgnbd": crmkit.MbgNbd,
    "paretonbd": crmkit.ParetoNbd,
    "bgbb": crmkit.BgBb,
    "gg": crmkit.GammaGamma,
    "sbg": crmkit.ShiftedBetaGeometric,
}
# -- log-likelihoods (numpy, from the papers; constants that do not depend on the parameters left out)
def ll_bgnbd(p: np.ndarray, c: dict[str, Any]) -> float:
    # Fader, Hardie & Lee (2005) eq. 6: Γ(r+x) α^r / Γ(r) B(a, b+x)/B(a, b)
    #   × [(α+T)^-(r+x) + [x > 0] a/(b+x−1) (α+t_x)^-(r+x)]
    r, al, a, b = p
    x, tx, T, w = (np.asarray(c[k]) for k in ("x", "t_x", "T", "w"))
    head = gammaln(r + x) - gammaln(r) + r * np.log(al) + betaln(a, b + x) - betaln(a, b)
    d1 = -(r + x) * np.log(al + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        d2 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(al + tx), -np.inf)
    return float(np.sum(w * (head + np.logaddexp(d1, d2))))


def ll_mbgnbd(p: np.ndarray, c: dict[str, Any]) -> float:
    # Batislam, Denizel & Filiztekin (2007): B(a, b+x+1)/B(a, b) Γ(r+x) α^r / Γ(r)
    #   × [(α+T)^-(r+x) + a/(b+x) (α+t_x)^-(r+x)]
    r, al, a, b = p
    x, tx, T, w = (np.asarray(c[k]) for k in ("x", "t_x", "T", "w"))
    head = betaln(a, b + x + 1) - betaln(a, b) + gammaln(r + x) - gammaln(r) + r * np.log(al)
    d1 = -(r + x) * np.log(al + T)
    d2 = np.log(a) - np.log(b + x) - (r + x) * np.log(al + tx)
    return float(np.sum(w * (head + np.logaddexp(d1, d2))))


def ll_bgbb(p: np.ndarray, c: dict[str, Any]) -> float:
    # Fader, Hardie & Shang (2010) eq. 5
    al, be, ga, de = p
    x, tx, n, w = (np.asarray(c[k]) for k in ("x", "t_x", "n", "w"))
    terms = [betaln(al + x, be + n - x) - betaln(al, be) + betaln(ga, de + n) - betaln(ga, de)]
    for i in range(int(n.max())):
        k = np.where(i <= n - tx - 1, 0.0, -np.inf)
        terms.append(k + betaln(al + x, be + tx - x + i) - betaln(al, be) + betaln(ga + 1, de + tx + i) - betaln(ga, de))
    return float(np.sum(w * np.logaddexp.reduce(np.array(terms), axis=0)))


def ll_gg(p: np.ndarray, c: dict[str, Any]) -> float:
    # Fader, Hardie & Lee (2005) "Gamma–Gamma" note: density of the mean spend m of x purchases
    pp, q, g = p
    x, m, w = (np.asarray(c[k]) for k in ("x", "m", "w"))
    v = gammaln(pp * x + q) - gammaln(pp * x) - gammaln(q) + q * np.log(g) + (pp * x - 1) * np.log(m) + pp * x * np.log(x) - (pp * x + q) * np.log(g + m * x)
    return float(np.sum(w * v))


def ll_sbg(p: np.ndarray, c: dict[str, Any]) -> float:
    # Fader & Hardie (2007): P(T = t) = B(α+1, β+t−1)/B(α, β), S(t) = B(α, β+t)/B(α, β)
    a, b = p
    lost = np.asarray(c["lost"], dtype=float)
    t = np.arange(1, len(lost) + 1)
    return float(np.sum(lost * (betaln(a + 1, b + t - 1) - betaln(a, b))) + c["survivors"] * (betaln(a, b + len(lost)) - betaln(a, b)))


def ll_crmkit(model: str, p: np.ndarray, c: dict[str, Any]) -> float:
    """crmkit's own log-likelihood (through the bindings) at parameters p."""
    if model == "sbg":
        return ll_sbg(p, c)
    core = CLASSES[model].from_params(**dict(zip(NAMES[model], (float(v) for v in p)))).model_
    w = np.asarray(c["w"])
    if model == "gg":
        value, _ = core.log_likelihood_of(np.asarray(c["x"]), np.asarray(c["m"]), w)
    elif model == "bgbb":
        value, _ = core.log_likelihood_of(np.asarray(c["x"]), np.asarray(c["t_x"]), np.asarray(c["n"]), w)
    else:
        value, _ = core.log_likelihood_of(np.asarray(c["x"]), np.asarray(c["t_x"]), np.asarray(c["T"]), w)
    return float(value)


NUMPY_LL: dict[str, Callable[[np.ndarray, dict[str, Any]], float]] = {
    "bgnbd": ll_bgnbd,
    "mbgnbd": ll_mbgnbd,
    "bgbb": ll_bgbb,
    "gg": ll_gg,
    "sbg": ll_sbg,
    "paretonbd": lambda p, c: ll_crmkit("paretonbd", p, c),
}


def crmkit_fit(model: str, c: dict[str, Any]) -> Any:
    if model == "sbg":
        return crmkit.ShiftedBetaGeometric().fit(lost=c["lost"], survivors=float(c["survivors"]))
    w = np.asarray(c["w"])
    if model == "gg":
        return crmkit.GammaGamma().fit(np.asarray(c["x"]), np.asarray(c["m"]), weights=w)
    if model == "bgbb":
        return crmkit.BgBb().fit(np.asarray(c["x"]), np.asarray(c["t_x"]), np.asarray(c["n"]), weights=w)
    return CLASSES[model]().fit(np.asarray(c["x"]), np.asarray(c["t_x"]), np.asarray(c["T"]), weights=w)


