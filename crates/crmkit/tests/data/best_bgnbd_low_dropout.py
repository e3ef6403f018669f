"""Best BG/NBD log-likelihood of `bgnbd_low_dropout.csv`, found independently of crmkit.

scipy.optimize.minimize (L-BFGS-B on log-parameters, numerical gradient) from 3^4 starts
r, alpha, a, b in {0.1, 1, 10} x the scales (1, 10, 1, 10), the truth, and a, b scaled by 10^k
(k = 0..6) at the truth's mean dropout; reports the best optimum. Log-likelihood as Fader, Hardie & Lee (2005) eq. 6 (t_x^(x-1)/Gamma(x) factors left out).
Run in the peers environment: python best_bgnbd_low_dropout.py
"""
import itertools
import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, betaln

d = np.loadtxt(__file__.replace("best_bgnbd_low_dropout.py", "bgnbd_low_dropout.csv"), delimiter=",", skiprows=1)
x, tx, T = d[:, 0], d[:, 1], d[:, 2]


def ll(u):
    r, al, a, b = np.exp(u)
    head = gammaln(r + x) - gammaln(r) + r * np.log(al)
    head = head + np.where(x > 0, betaln(a, b + x) - betaln(a, b), 0.0)
    d1 = -(r + x) * np.log(al + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        d2 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(al + tx), -np.inf)
    m = np.maximum(d1, d2)
    return float(np.sum(head + m + np.log(np.exp(d1 - m) + np.exp(d2 - m))))


best = None
grid = [0.1, 1.0, 10.0]
starts = [np.log([r, al * 10, a, b * 10]) for r, al, a, b in itertools.product(grid, repeat=4)]
starts.append(np.log([0.8, 8.0, 0.05, 40.0]))
starts += [np.log([0.8, 8.0, 0.05 * 10**k, 40.0 * 10**k]) for k in range(7)]
for s in starts:
    try:
        res = minimize(lambda u: -ll(u), s, method="L-BFGS-B", bounds=[(-20, 20)] * 4,
                       options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 5000})
    except Exception:
        continue
    if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
        best = res
    print("%.6f" % -res.fun, np.exp(res.x), flush=True)
print("best LL %.6f at r, alpha, a, b = %s" % (-best.fun, np.exp(best.x)))
