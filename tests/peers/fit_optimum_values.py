"""BG/NBD maximum-likelihood fits of simulated populations by lifetimes 0.11.3 and scipy.

Run in the peers environment by tests/python/test_clv_fit_optimum.py:
    python fit_optimum_values.py '<json: {name: [n, seed, r, alpha, a, b]}>'
Prints JSON {name: {"x": [...], "t_x": [...], "T": [...], "lifetimes": [r, alpha, a, b] | null,
"scipy": [r, alpha, a, b]}}. The population: rate lambda ~ Gamma(r, 1/alpha), dropout probability
p ~ Beta(a, b), T uniform in [10, 78], purchases a Poisson process stopped after each purchase
with probability p (numpy default_rng(seed)). scipy: L-BFGS-B on log-parameters from (1, 1, 1, 1),
from the truth and from the lifetimes solution; the best is kept.
"""
import contextlib
import io
import json
import sys
import warnings

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln


def simulate(n, seed, r, alpha, a, b):
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.uniform(10.0, 78.0, n)
    x = np.zeros(n)
    tx = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1.0 / max(lam[i], 1e-300))
            if t > T[i]:
                break
            x[i] += 1
            tx[i] = t
            if rng.random() < p[i]:
                break
    return x, np.round(tx, 6), np.round(T, 6)


def loglik(u, x, tx, T):
    r, al, a, b = np.exp(u)
    head = gammaln(r + x) - gammaln(r) + r * np.log(al)
    head = head + np.where(x > 0, betaln(a, b + x) - betaln(a, b), 0.0)
    d1 = -(r + x) * np.log(al + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        d2 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(al + tx), -np.inf)
    m = np.maximum(d1, d2)
    return float(np.sum(head + m + np.log(np.exp(d1 - m) + np.exp(d2 - m))))


def main():
    spec = json.loads(sys.argv[1])
    out = {}
    for name, (n, seed, r, alpha, a, b) in spec.items():
        x, tx, T = simulate(int(n), int(seed), r, alpha, a, b)
        lt = None
        try:
            from lifetimes import BetaGeoFitter

            # lifetimes prints its convergence notes; keep stdout for the JSON
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                f = BetaGeoFitter().fit(x, tx, T)
            lt = [float(f.params_[k]) for k in ("r", "alpha", "a", "b")]
        except Exception:  # lifetimes' own convergence errors: no reference from it
            lt = None
        starts = [np.zeros(4), np.log([r, alpha, a, b])] + ([np.log(lt)] if lt else [])
        best = None
        for s in starts:
            res = minimize(lambda u: -loglik(u, x, tx, T), s, method="L-BFGS-B", bounds=[(-20, 20)] * 4,
                           options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 5000})
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
        out[name] = {"x": x.tolist(), "t_x": tx.tolist(), "T": T.tolist(), "lifetimes": lt,
                     "scipy": np.exp(best.x).tolist()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
