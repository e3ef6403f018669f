"""Simulates the BG/NBD near-zero-dropout population of `bgnbd_low_dropout.csv`.

Truth r = 0.8, alpha = 8, a = 0.05, b = 40; 5,000 customers, numpy.random.default_rng(7000),
T uniform in [10, 78]. Each customer's rate lambda ~ Gamma(r, 1/alpha) and dropout probability
p ~ Beta(a, b); purchases follow a Poisson process of rate lambda and after each purchase the
customer drops out with probability p. Columns: x (repeat purchases), t_x, T (rounded to 1e-6
so the CSV is exact).  Run: python make_bgnbd_low_dropout.py > bgnbd_low_dropout.csv
"""
import numpy as np


def simulate(n, r, alpha, a, b, seed, t_lo=10.0, t_hi=78.0):
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.uniform(t_lo, t_hi, n)
    x = np.zeros(n)
    tx = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1.0 / lam[i])
            if t > T[i]:
                break
            x[i] += 1
            tx[i] = t
            if rng.random() < p[i]:
                break
    return x, np.round(tx, 6), np.round(T, 6)


if __name__ == "__main__":
    x, tx, T = simulate(5000, 0.8, 8.0, 0.05, 40.0, 7000)
    print("x,t_x,T")
    for a, b, c in zip(x, tx, T):
        print(f"{int(a)},{b:.6f},{c:.6f}")
