"""Arbitrary-precision reference values for every CLV prediction of crmkit.

The formulas are written from the papers, not from crmkit's code, and evaluated with mpmath at
60 significant digits (removable singularities by a parameter shifted by 1e-40, so the value
differs from the limit by O(1e-40)):

- BG/NBD: Fader, Hardie & Lee (2005) "Counting your customers the easy way", eqs. 7, 8, 10, 11;
  DERT by numerical integration of the conditional expectation (integration by parts).
- MBG/NBD: Batislam, Denizel & Filiztekin (2007), the same quantities with the extra dropout
  chance at time 0.
- Pareto/NBD: Schmittlein, Morrison & Colombo (1987); P(alive) from the likelihood with the
  death term as a numerical integral (not through 2F1), the expectations of eqs. 17, 22, DERT of
  Fader, Hardie & Lee (2005) "RFM and CLV" eq. 2, P(X(t) = n) as a numerical integral over the
  death time.
- BG/BB: Fader, Hardie & Shang (2010) eqs. 5, 7, 9, 11, 13, with the expectations as finite sums
  (valid at gamma = 1 without a limit).
- sBG: Fader & Hardie (2007) "How to project customer retention": S(t), P(T = t), r(t), DERL.
- Gamma-Gamma: Fader, Hardie & Lee (2005) "RFM and CLV" eq. A3.

Usage:

    python tests/reference/clv_mpmath.py            # writes crates/crmkit/tests/data/clv_reference.csv
    python tests/reference/clv_mpmath.py --sample 5 # prints a few rows (pytest runs this)

Each output row: model, quantity, four parameters, x, t_x, T, horizon, n, expected (17
significant digits; the inputs are written as Python float reprs, which round-trip exactly).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys

import mpmath as mp

mp.mp.dps = 60
TINY = mp.mpf("1e-40")
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "crates", "crmkit", "tests", "data", "clv_reference.csv")


def M(v):
    return mp.mpf(v)


def off_one(a):
    """a, moved off the removable singularity a = 1 by 1e-40."""
    return a + TINY if a == 1 else a


# ---------------------------------------------------------------- BG/NBD and MBG/NBD


def bg_alive(p, x, tx, T, mbg):
    r, al, a, b = map(M, p)
    x, tx, T = M(x), M(tx), M(T)
    if x == 0 and not mbg:
        return mp.mpf(1)
    odds = a / (b + x - (0 if mbg else 1)) * ((al + T) / (al + tx)) ** (r + x)
    return 1 / (1 + odds)


def bg_given_alive(p, x, T, t, mbg):
    """E[Y(t) | alive at T, x]: (c/(a-1)) [1 - ((al+T)/(al+T+t))^(r+x) 2F1(r+x, b'; c; z)],
    b' = b+x (BG/NBD) or b+x+1 (MBG/NBD), c = a + b' - 1."""
    r, al, a, b = map(M, p)
    a = off_one(a)
    x, T, t = M(x), M(T), M(t)
    if t == 0:
        return mp.mpf(0)
    bp = b + x + (1 if mbg else 0)
    c = a + bp - 1
    if c == 0:
        c = TINY
        a = c - bp + 1
    R = r + x
    z = t / (al + T + t)
    try:
        F = ((al + T) / (al + T + t)) ** R * mp.hyp2f1(R, bp, c, z, maxterms=10**6)
    except mp.libmp.NoConvergence:
        return bg_given_alive_quad(p, x, T, t, mbg)
    return c / (a - 1) * (1 - F)


def bg_given_alive_quad(p, x, T, t, mbg):
    """The same as an integral over the dropout probability (independent check)."""
    r, al, a, b = map(M, p)
    x, T, t = M(x), M(T), M(t)
    bp = b + x + (1 if mbg else 0)
    u = t / (al + T)
    R = r + x
    f = lambda q: q ** (a - 2) * (1 - q) ** (bp - 1) * (-mp.expm1(-R * mp.log1p(q * u)))
    pts = sorted({mp.mpf(0), min(mp.mpf(1) / u, mp.mpf(1) / 2), min(1 / bp, mp.mpf(1) / 2), mp.mpf(1)})
    return mp.quad(f, pts) / mp.beta(a, bp)


def bg_new(p, t, mbg):
    r, al, a, b = map(M, p)
    if mbg:
        # alive at time 0 with probability b/(a+b), then as a BG/NBD customer with b+1
        return b / (a + b) * bg_given_alive((r, al, a, b), 0, 0, t, True)
    return bg_given_alive(p, 0, 0, t, False)


def bg_expected(p, x, tx, T, t, mbg):
    return bg_alive(p, x, tx, T, mbg) * bg_given_alive(p, x, T, t, mbg)


def nbd_tail(r, al, t, n):
    """P(N(t) >= n) for N(t) ~ NBD(r, al): the regularised incomplete beta I_q(n, r)."""
    q = t / (al + t)
    return mp.betainc(n, r, 0, q, regularized=True)


def bg_pmf(p, t, n, mbg):
    r, al, a, b = map(M, p)
    t = M(t)
    k = 1 if mbg else 0
    nbd = mp.exp(
        mp.loggamma(r + n) - mp.loggamma(r) - mp.loggamma(n + 1)
        + r * mp.log(al / (al + t)) + (n * mp.log(t / (al + t)) if n > 0 else 0)
    )
    stay = mp.beta(a, b + n + k) / mp.beta(a, b)
    v = stay * nbd
    if n + k > 0:
        drop = mp.beta(a + 1, b + n + k - 1) / mp.beta(a, b)
        v += drop * (nbd_tail(r, al, t, n) if n > 0 else 1)
    return v


def dert_numeric(expected, delta):
    """DERT = int_0^inf delta e^(-delta t) E[Y(t)] dt (integration by parts)."""
    d = M(delta)
    return mp.quad(lambda s: d * mp.exp(-d * s) * expected(s), [0, 1 / d, 10 / d, mp.inf])


def clv_steps(expected, months, per_month, rate):
    value, prev = mp.mpf(0), mp.mpf(0)
    for i in range(1, months + 1):
        cur = expected(M(per_month) * i)
        value += (cur - prev) / (1 + M(rate)) ** i
        prev = cur
    return value


# ---------------------------------------------------------------- Pareto/NBD


def pareto_alive(p, x, tx, T):
    r, al, s, be = map(M, p)
    x, tx, T = M(x), M(tx), M(T)
    alive = 1 / ((al + T) ** (r + x) * (be + T) ** s)
    if tx == T:
        return mp.mpf(1)
    # int_tx^T (al+u)^-(r+x) (be+u)^-(s+1) du = G(tx) - G(T) with the 2F1 expressions of Fader &
    # Hardie's note 008; checked against Gauss-Legendre quadrature in u = tx + (al+tx)(e^w - 1)
    # (the integrand falls like e^(-(r+x-1) w)) to 1e-10
    R = r + x
    m, zb, b2 = (al, al - be, s + 1) if al >= be else (be, be - al, R)
    G = lambda tau: mp.hyp2f1(R + s, b2, R + s + 1, zb / (m + tau), maxterms=10**6) / ((R + s) * (m + tau) ** (R + s))
    W = mp.log((al + T) / (al + tx))
    g = lambda w: (al + tx) ** (1 - R) * mp.exp(-(R - 1) * w) * (be + tx + (al + tx) * mp.expm1(w)) ** (-(s + 1))
    pts = [0] + [2 ** (j / 2) / R for j in range(-6, 30) if 2 ** (j / 2) / R < W] + [W]
    quad = mp.quad(g, pts, method="gauss-legendre")
    try:
        integral = G(tx) - G(T)
    except mp.libmp.NoConvergence:
        integral = quad
    if abs(integral - quad) > mp.mpf("1e-10") * abs(integral):
        raise mp.libmp.NoConvergence("Pareto/NBD death integral: %s vs %s" % (integral, quad))
    died = s * integral
    return alive / (alive + died)


def pareto_tail(s, q):
    """(1 - q^(s-1))/(s-1), -ln q at s = 1."""
    if s == 1:
        return -mp.log(q)
    return -mp.expm1((s - 1) * mp.log(q)) / (s - 1)


def pareto_expected(p, x, tx, T, t):
    r, al, s, be = map(M, p)
    x, T, t = M(x), M(T), M(t)
    c = be + T
    return pareto_alive(p, x, tx, T) * (r + x) * c / (al + T) * pareto_tail(s, c / (c + t))


def pareto_new(p, t):
    r, al, s, be = map(M, p)
    return r * be / al * pareto_tail(s, be / (be + M(t)))


def pareto_dert(p, x, tx, T, delta):
    r, al, s, be = map(M, p)
    x, T, d = M(x), M(T), M(delta)
    z = d * (be + T)
    integral = (be + T) * mp.exp(z) * z ** (s - 1) * mp.gammainc(1 - s, z)
    return pareto_alive(p, x, tx, T) * (r + x) / (al + T) * integral


def pareto_pmf(p, t, n):
    """P(X(t) = n) of a new customer: the conditional PMF of `pareto_cpmf` for a customer with
    no history (x = t_x = T = 0), i.e. alive at t with n purchases plus died at u in (0, t]
    after n purchases, the death-time integral scaled and taken twice (`scaled_quad`)."""
    return pareto_cpmf(p, 0.0, 0.0, 0.0, t, n)


def pieces(dphi, d2phi, lo, hi, top):
    """Break points for the integral of exp(phi) over [lo, hi] whose maximum is at `top`:
    geometric steps on both sides on the local scale (1/|phi'| at an end maximum, the
    Gaussian width 1/sqrt(-phi'') at an interior one), so tanh-sinh sees each piece smooth."""
    g, h = abs(dphi(top)), abs(d2phi(top))
    scale = min(1 / g if g else mp.inf, 1 / mp.sqrt(h) if h else mp.inf)
    steps = [scale * mp.mpf(2) ** (mp.mpf(j) / 2) for j in range(-8, 80)]
    left = [top - d for d in steps if lo < top - d]
    right = [top + d for d in steps if top + d < hi]
    return sorted(set([lo, hi, top] + left + right))


def scaled_quad(f, pts):
    """The integral on `pts` and again on twice as many pieces; they must agree to 1e-15.
    mpmath's quadrature stops on an absolute error estimate, so the integrand is divided by
    its largest value at the break points first (values here go down to 1e-6000)."""
    big = max(f(u) for u in pts)
    g = lambda u: f(u) / big
    v = mp.quad(g, pts)
    finer = sorted(set(pts) | {(a + b) / 2 for a, b in zip(pts, pts[1:])})
    w = mp.quad(g, finer)
    if abs(w - v) > mp.mpf("1e-15") * abs(v):
        raise mp.libmp.NoConvergence("Pareto/NBD integral: %s vs %s" % (v, w))
    return v * big


def pareto_ll(p, x, tx, T):
    """Per-customer log-likelihood (without t_x^(x-1)/Gamma(x)) from the model's definition:
    ln[Gamma(r+x) al^r be^s / Gamma(r) * ((al+T)^-(r+x) (be+T)^-s
       + s int_tx^T (al+u)^-(r+x) (be+u)^-(s+1) du)],
    alive at T plus died at u in (t_x, T] after x purchases; the death integral by
    `scaled_quad` (no 2F1)."""
    r, al, s, be = map(M, p)
    x, tx, T = M(x), M(tx), M(T)
    R = r + x
    head = mp.loggamma(R) - mp.loggamma(r) + r * mp.log(al) + s * mp.log(be)
    A = mp.exp(-R * mp.log(al + T) - s * mp.log(be + T))
    D = mp.mpf(0)
    if tx < T:
        death = lambda u: mp.exp(-R * mp.log(al + u) + mp.log(s) - (s + 1) * mp.log(be + u))
        dphi = lambda u: -R / (al + u) - (s + 1) / (be + u)
        d2phi = lambda u: R / (al + u) ** 2 + (s + 1) / (be + u) ** 2
        D = scaled_quad(death, pieces(dphi, d2phi, tx, T, tx))
    return head + mp.log(A + D)


def pareto_alive_quad(p, x, tx, T):
    """P(alive) = A / (A + D) with the terms of `pareto_ll` (no 2F1)."""
    r, al, s, be = map(M, p)
    x, tx, T = M(x), M(tx), M(T)
    R = r + x
    head = mp.loggamma(R) - mp.loggamma(r) + r * mp.log(al) + s * mp.log(be)
    la = head - R * mp.log(al + T) - s * mp.log(be + T)
    return mp.exp(la - pareto_ll(p, x, tx, T))


def pareto_cpmf(p, x, tx, T, t, n):
    """P(Y(T, T + t] = n | x, t_x, T) from the model's definition, not from note 028's 2F1 form.

    Given lambda and mu, a customer alive at T buys Poisson(lambda * min(tau, t)) more times, tau ~
    Exp(mu) the remaining lifetime (memoryless); one who died in (t_x, T] buys nothing. With the
    gamma mixing over lambda and mu done in closed form, every term is a 1-D integral over a
    death time (common factor Gamma(r + x) alpha^r / Gamma(r) dropped):
      alive at T:                  A = (al+T)^-(r+x) (be/(be+T))^s
      died in (t_x, T]:            D = s be^s int_tx^T (al+u)^-(r+x) (be+u)^-(s+1) du
      alive, n more, alive at T+t: C(n) t^n (al+T+t)^-(r+x+n) (be/(be+T+t))^s
      alive, n more, died at T+u:  C(n) s be^s int_0^t u^n (al+T+u)^-(r+x+n) (be+T+u)^-(s+1) du
    with C(n) = Gamma(r+x+n) / (Gamma(r+x) n!). P = ([n = 0] D + those two) / (A + D); the n
    terms sum to A. Each integral is taken twice by tanh-sinh on pieces set by the
    integrand's local scale, the second time on twice as many; the two must agree to 1e-15.
    """
    r, al, s, be = map(M, p)
    x, tx, T, t = M(x), M(tx), M(T), M(t)
    R = r + x
    # logs throughout: (al+T)^-(r+x) underflows nothing at 60 digits, but keeps the terms scaled
    la = -R * mp.log(al + T) + s * (mp.log(be) - mp.log(be + T))

    def death(u):
        return mp.exp(-R * mp.log(al + u) + mp.log(s) + s * mp.log(be) - (s + 1) * mp.log(be + u))

    # died in (t_x, T]: phi(u) = -R ln(al+u) - (s+1) ln(be+u), falling from t_x
    D = mp.mpf(0)
    if tx < T:
        dphi = lambda u: -R / (al + u) - (s + 1) / (be + u)
        d2phi = lambda u: R / (al + u) ** 2 + (s + 1) / (be + u) ** 2
        D = scaled_quad(death, pieces(dphi, d2phi, tx, T, tx))
    logc = mp.loggamma(R + n) - mp.loggamma(R) - mp.loggamma(n + 1)

    def window(u):
        if u == 0:
            return mp.mpf(0) if n > 0 else death(T)
        return mp.exp(logc + n * mp.log(u) - (R + n) * mp.log(al + T + u)
                      + mp.log(s) + s * mp.log(be) - (s + 1) * mp.log(be + T + u))

    # died at T + u, u in (0, t]: phi(u) = n ln u - (R+n) ln(al+T+u) - (s+1) ln(be+T+u)
    dphi = lambda u: (n / u if n else 0) - (R + n) / (al + T + u) - (s + 1) / (be + T + u)
    d2phi = lambda u: -(n / u**2 if n else 0) + (R + n) / (al + T + u) ** 2 + (s + 1) / (be + T + u) ** 2
    if n == 0:
        top = mp.mpf(0)
    else:
        top = t
        if dphi(t) < 0:  # interior maximum: bisect phi' (geometric midpoints while far apart)
            lo, hi = mp.mpf("1e-300"), t
            for _ in range(400):
                mid = mp.sqrt(lo * hi) if hi > 4 * lo else (lo + hi) / 2
                lo, hi = (mid, hi) if dphi(mid) > 0 else (lo, mid)
            top = (lo + hi) / 2
    died_in_window = scaled_quad(window, pieces(dphi, d2phi, mp.mpf(0), t, top))
    alive_after = mp.exp(logc + (n * mp.log(t) if n else 0) - (R + n) * mp.log(al + T + t)
                         + s * (mp.log(be) - mp.log(be + T + t)))
    A = mp.exp(la)
    return ((D if n == 0 else 0) + died_in_window + alive_after) / (A + D)


# ---------------------------------------------------------------- BG/BB


def bgbb_terms(p, x, tx, n):
    al, be, ga, de = map(M, p)
    x, tx, n = M(x), M(tx), M(n)
    head = mp.beta(al + x, be + n - x) / mp.beta(al, be)
    alive = head * mp.beta(ga, de + n) / mp.beta(ga, de)
    # died right after opportunity tx + i: ratio recurrence of B(al+x, be+tx-x+i) B(ga+1, de+tx+i)
    died = mp.mpf(0)
    i = 0
    term = mp.beta(al + x, be + tx - x) / mp.beta(al, be) * mp.beta(ga + 1, de + tx) / mp.beta(ga, de)
    while tx + i < n:
        died += term
        k = tx + i
        term *= (be + k - x) / (al + be + k) * (de + k) / (ga + de + k + 1)
        i += 1
    return alive, alive + died


def bgbb_alive(p, m, x, tx, n):
    al, be, ga, de = map(M, p)
    alive, L = bgbb_terms(p, x, tx, n)
    return alive * mp.beta(ga, de + M(n) + m) / mp.beta(ga, de + M(n)) / L


def bgbb_alive_sum(p, n, m):
    """sum_{j=n}^{n+m-1} B(ga, de+j+1)/B(ga, de+n) by the ratio recurrence."""
    al, be, ga, de = map(M, p)
    total, term = mp.mpf(0), mp.mpf(1)
    for j in range(n, n + m):
        term *= (de + j) / (ga + de + j)
        total += term
    return total


def bgbb_expected(p, m, x, tx, n):
    al, be, ga, de = map(M, p)
    alive, L = bgbb_terms(p, x, tx, n)
    return alive / L * (al + M(x)) / (al + be + M(n)) * bgbb_alive_sum(p, int(n), m)


def bgbb_new(p, n):
    al, be, ga, de = map(M, p)
    return al / (al + be) * bgbb_alive_sum(p, 0, n)


def bgbb_pmf(p, x, n):
    al, be, ga, de = map(M, p)
    if x > n:
        return mp.mpf(0)
    v = mp.binomial(n, x) * mp.beta(al + x, be + n - x) / mp.beta(al, be) * mp.beta(ga, de + n) / mp.beta(ga, de)
    for i in range(x, n):
        v += mp.binomial(i, x) * mp.beta(al + x, be + i - x) / mp.beta(al, be) * mp.beta(ga + 1, de + i) / mp.beta(ga, de)
    return v


# ---------------------------------------------------------------- sBG and Gamma-Gamma


def sbg_survival(p, t):
    a, b = map(M, p)
    return mp.beta(a, b + t) / mp.beta(a, b)


def sbg_churn(p, t):
    a, b = map(M, p)
    return mp.beta(a + 1, b + t - 1) / mp.beta(a, b)


def sbg_retention(p, t):
    a, b = map(M, p)
    return (b + t - 1) / (a + b + t - 1)


def sbg_derl(p, d, renewals):
    """DERL = sum_{t>=n} S(t)/S(n-1) / (1+d)^(t-n), n = renewals + 1 (Fader & Hardie 2010, eq. 6):
    (b+n-1)/(a+b+n-1) 2F1(1, b+n; a+b+n; 1/(1+d))."""
    a, b = map(M, p)
    n = M(renewals) + 1
    z = 1 / (1 + M(d))
    # the Gauss series of 2F1(1, b+n; a+b+n; z): positive terms, ratio below z
    term, total, k = mp.mpf(1), mp.mpf(1), 0
    while term > mp.mpf(10) ** -62 * total * (1 - z):
        term *= (b + n + k) / (a + b + n + k) * z
        total += term
        k += 1
    return (b + n - 1) / (a + b + n - 1) * total


def gg_spend(p, x, zbar):
    pp, q, g = map(M, p[:3])
    x, zbar = M(x), M(zbar)
    return pp * (g + x * zbar) / (pp * x + q - 1)


# ---------------------------------------------------------------- the grid


def loguni(rng, lo, hi):
    return float(mp.exp(mp.log(lo) + (mp.log(hi) - mp.log(lo)) * rng.random()))


def customer(rng, max_x=1e4, max_t=1e4):
    """(x, t_x, T): x = 0, small or up to 1e4; t_x = 0 (x = 0), = T, or inside."""
    T = loguni(rng, 1e-2, max_t)
    kind = rng.random()
    if kind < 0.2:
        return 0.0, 0.0, T
    x = float(int(loguni(rng, 1, max_x)))
    if kind < 0.4:
        return x, T, T
    return x, T * rng.random(), T


def rows(sample=None, only=None):
    rng = random.Random(20261206)
    out = []
    four = lambda: tuple(loguni(rng, 1e-3, 1e3) for _ in range(4))

    def add(model, quantity, params, x=0.0, tx=0.0, T=0.0, h=0.0, n=0, fn=None):
        if only and model not in only and f"{model}:{quantity}" not in only:
            return
        try:
            v = fn()
        except (ZeroDivisionError, mp.libmp.NoConvergence) as e:  # pragma: no cover
            print("skip", model, quantity, params, x, tx, T, h, n, e, file=sys.stderr)
            return
        p = list(params) + [0.0] * (4 - len(params))
        if len(out) % 25 == 0:
            print(len(out), model, quantity, file=sys.stderr, flush=True)
        out.append([model, quantity, *p, x, tx, T, h, n, mp.nstr(v, 17, min_fixed=1, max_fixed=0)])

    count = sample or 1
    k = lambda full: sample if sample else full

    # BG/NBD and MBG/NBD: random grid
    for model, mbg in (("bgnbd", False), ("mbgnbd", True)):
        for _ in range(k(60)):
            p = four()
            x, tx, T = customer(rng)
            h = loguni(rng, 1e-2, 1e4)
            add(model, "alive", p, x, tx, T, fn=lambda: bg_alive(p, x, tx, T, mbg))
            add(model, "expected", p, x, tx, T, h, fn=lambda: bg_expected(p, x, tx, T, h, mbg))
            add(model, "new", p, h=h, fn=lambda: bg_new(p, h, mbg))
        for _ in range(k(20)):
            p = four()
            h = loguni(rng, 1e-2, 1e3)
            n = int(loguni(rng, 1, 2000)) - 1
            add(model, "pmf", p, h=h, n=n, fn=lambda: bg_pmf(p, h, n, mbg))
    # named BG/NBD and MBG/NBD edge cases: a = 1 and 1 +- tiny, a + b = 1 (c = 0), large r
    named = [
        ((100.0, 1.0, 0.3, 0.3), 0.0, 0.0, 0.0, 200.0),
        ((104.9, 0.00378, 0.329, 0.00459), 0.0, 0.0, 40.0, 39.0),
        ((20.0, 1.0, 0.7, 0.3), 0.0, 0.0, 40.0, 39.0),
        ((1e3, 1e3, 1e3, 1e3), 0.0, 0.0, 0.0, 1e4),
        ((0.2426, 4.4136, 1.0, 2.4261), 2.0, 30.43, 38.86, 39.0),
        ((0.2426, 4.4136, 1.0 + 3e-7, 2.4261), 2.0, 30.43, 38.86, 39.0),
        ((0.2426, 4.4136, 1.0 - 3e-7, 2.4261), 2.0, 30.43, 38.86, 39.0),
        ((0.2426, 4.4136, 1.0 + 1e-12, 2.4261), 0.0, 0.0, 38.86, 390.0),
        ((0.2426, 4.4136, 1.0, 2.4261), 5.0, 20.0, 38.0, 5000.0),
        ((2.0, 4.4136, 1.0, 2.4261), 5.0, 20.0, 38.0, 5000.0),
        ((0.5, 3.0, 0.25, 0.75), 0.0, 0.0, 10.0, 100.0),
        ((0.5, 3.0, 0.25, 0.75), 0.0, 0.0, 10.0, 1e4),
        ((3.0, 1e-3, 2.0, 0.5), 7.0, 1.0, 1e4, 1e4),
        ((0.2426, 4.4136, 0.793, 2.4261), 14.0, 37.0, 38.0, 52.14),
    ]
    for model, mbg in (("bgnbd", False), ("mbgnbd", True)):
        for p, x, tx, T, h in named[: k(len(named))]:
            add(model, "alive", p, x, tx, T, fn=lambda: bg_alive(p, x, tx, T, mbg))
            add(model, "expected", p, x, tx, T, h, fn=lambda: bg_expected(p, x, tx, T, h, mbg))
            add(model, "new", p, h=h, fn=lambda: bg_new(p, h, mbg))
            add(model, "new", p, h=T + 1.0, fn=lambda: bg_new(p, T + 1.0, mbg))
    # P(alive) far out in x: monotone, in [0, 1]
    for model, mbg in (("bgnbd", False), ("mbgnbd", True)):
        for x in (1e6, 1e100, 1e300):
            p = (0.2426, 4.4136, 0.793, 2.4261)
            add(model, "alive", p, x, 30.0, 38.0, fn=lambda: bg_alive(p, x, 30.0, 38.0, mbg))
            add(model, "alive", p, x, 38.0, 38.0, fn=lambda: bg_alive(p, x, 38.0, 38.0, mbg))
    # DERT (continuous discounting) and CLV monthly steps, a few customers each
    for model, mbg in (("bgnbd", False), ("mbgnbd", True)):
        for i in range(k(5)):
            p = (loguni(rng, 0.05, 5), loguni(rng, 0.5, 50), loguni(rng, 0.1, 3), loguni(rng, 0.5, 20))
            if i == 0:
                p = (0.2426, 4.4136, 1.0, 2.4261)
            x, tx, T = customer(rng, 100, 100)
            delta = loguni(rng, 1e-3, 0.1)
            add(model, "dert", p, x, tx, T, delta,
                fn=lambda: dert_numeric(lambda s: bg_expected(p, x, tx, T, s, mbg), delta))
            per_month = rng.choice([4.345, 30.0])
            add(model, "clv12", p, x, tx, T, per_month, 0,
                fn=lambda: clv_steps(lambda s: bg_expected(p, x, tx, T, s, mbg), 12, per_month, 0.01))

    # Pareto/NBD
    for _ in range(k(60)):
        p = four()
        x, tx, T = customer(rng)
        h = loguni(rng, 1e-2, 1e4)
        add("paretonbd", "alive", p, x, tx, T, fn=lambda: pareto_alive(p, x, tx, T))
        add("paretonbd", "expected", p, x, tx, T, h, fn=lambda: pareto_expected(p, x, tx, T, h))
        add("paretonbd", "new", p, h=h, fn=lambda: pareto_new(p, h))
    for s in (1.0, 1.0 + 1e-9, 1.0 - 1e-9):
        p = (0.5533, 10.5776, s, 11.6679)
        add("paretonbd", "expected", p, 2.0, 30.43, 38.86, 39.0, fn=lambda: pareto_expected(p, 2.0, 30.43, 38.86, 39.0))
        add("paretonbd", "new", p, h=1e4, fn=lambda: pareto_new(p, 1e4))
    for _ in range(k(15)):
        p = (loguni(rng, 0.05, 20), loguni(rng, 0.5, 50), loguni(rng, 0.05, 5), loguni(rng, 0.5, 50))
        h = loguni(rng, 0.1, 200)
        n = int(loguni(rng, 1, 200)) - 1
        add("paretonbd", "pmf", p, h=h, n=n, fn=lambda: pareto_pmf(p, h, n))
    for i in range(k(5)):
        p = (loguni(rng, 0.05, 5), loguni(rng, 0.5, 50), loguni(rng, 0.1, 3), loguni(rng, 0.5, 50))
        if i == 0:
            p = (0.5533, 10.5776, 1.0, 11.6679)
        x, tx, T = customer(rng, 100, 100)
        delta = loguni(rng, 1e-3, 0.1)
        add("paretonbd", "dert", p, x, tx, T, delta, fn=lambda: pareto_dert(p, x, tx, T, delta))
        per_month = rng.choice([4.345, 30.0])
        add("paretonbd", "clv12", p, x, tx, T, per_month, 0,
            fn=lambda: clv_steps(lambda s: pareto_expected(p, x, tx, T, s), 12, per_month, 0.01))

    # BG/BB (opportunity counts up to 2,000 in the random grid: the mpmath sums are linear)
    for _ in range(k(50)):
        p = four()
        n = int(loguni(rng, 1, 2000))
        kind = rng.random()
        x = 0 if kind < 0.2 else rng.randint(1, n)
        tx = 0 if x == 0 else (n if kind < 0.4 else rng.randint(x, n))
        m = int(loguni(rng, 1, 1e4))
        add("bgbb", "alive", p, x, tx, n, m, fn=lambda: bgbb_alive(p, m, x, tx, n))
        add("bgbb", "alive", p, x, tx, n, 0, fn=lambda: bgbb_alive(p, 0, x, tx, n))
        add("bgbb", "expected", p, x, tx, n, m, fn=lambda: bgbb_expected(p, m, x, tx, n))
        add("bgbb", "new", p, n=m, fn=lambda: bgbb_new(p, m))
    for _ in range(k(25)):
        p = four()
        n = int(loguni(rng, 1, 300))
        x = rng.randint(0, n)
        add("bgbb", "pmf", p, x=x, n=n, fn=lambda: bgbb_pmf(p, x, n))
    for g in (1.0, 1.0 + 1e-9, 1.0 - 1e-7, 1.0 + 1e-3):
        for p, (x, tx, n, m) in (
            ((0.5, 2.0, g, 300.0), (0, 0, 1, 1)),
            ((1.2035, 0.7497, g, 2.7834), (3, 5, 6, 10)),
            ((1.2035, 0.7497, g, 2.7834), (300, 900, 1000, 5000)),
        ):
            add("bgbb", "expected", p, x, tx, n, m, fn=lambda: bgbb_expected(p, m, x, tx, n))
            add("bgbb", "new", p, n=m, fn=lambda: bgbb_new(p, m))

    # sBG
    for i in range(k(40)):
        p = (loguni(rng, 1e-3, 1e3), loguni(rng, 1e-3, 1e3))
        if i < 3:
            p = ((8.974, 9.007e15), (0.7, 1e9), (1e3, 1e16))[i]
        t = int(loguni(rng, 1, 1e4))
        add("sbg", "survival", p, n=t, fn=lambda: sbg_survival(p, t))
        add("sbg", "churn", p, n=t, fn=lambda: sbg_churn(p, t))
        add("sbg", "retention", p, n=t, fn=lambda: sbg_retention(p, t))
        d = loguni(rng, 1e-2, 1.0)
        ren = int(loguni(rng, 1, 1e3)) - 1
        add("sbg", "derl", p, h=d, n=ren, fn=lambda: sbg_derl(p, d, ren))

    # Gamma-Gamma expected spend (p, q > 1, gamma)
    for _ in range(k(40)):
        p = (loguni(rng, 1e-3, 1e3), 1.0 + loguni(rng, 1e-3, 1e3), loguni(rng, 1e-3, 1e3))
        x = float(int(loguni(rng, 1, 1e4)))
        zbar = loguni(rng, 1e-2, 1e4)
        add("gammagamma", "spend", p, x, zbar, fn=lambda: gg_spend(p, x, zbar))

    # Pareto/NBD conditional P(Y(T, T + t] = n | x, t_x, T): its own seed, so the rows above
    # are the same as before it was added
    rng = random.Random(20261207)
    four = lambda: tuple(loguni(rng, 1e-3, 1e3) for _ in range(4))
    for _ in range(k(40)):
        p = four()
        x, tx, T = customer(rng)
        h = loguni(rng, 1e-2, 1e4)
        n = rng.choice([0, 1, 2, int(loguni(rng, 1, 1e3))])
        add("paretonbd", "cpmf", p, x, tx, T, h, n, fn=lambda: pareto_cpmf(p, x, tx, T, h, n))
    for x, tx, T, h, n in ((2.0, 30.43, 38.86, 39.0, 0), (2.0, 30.43, 38.86, 39.0, 3),
                           (0.0, 0.0, 38.86, 39.0, 1), (7.0, 37.0, 38.0, 1e4, 50)):
        p = (0.5533, 10.5776, 0.6062, 11.6679)
        add("paretonbd", "cpmf", p, x, tx, T, h, n, fn=lambda: pareto_cpmf(p, x, tx, T, h, n))

    # Pareto/NBD at the corners of a fit's box: r, alpha in [1e5, 1e9] (where the 2F1 of G(tau)
    # has z within 1e-4..1e-12 of 1), s and beta small and large; its own seed
    rng = random.Random(20261208)
    corner = lambda: (loguni(rng, 1e5, 1e9), loguni(rng, 1e5, 1e9), loguni(rng, 1e-3, 1e3), loguni(rng, 1e-3, 1e3))
    for _ in range(k(40)):
        p = corner()
        x, tx, T = customer(rng)
        add("paretonbd", "ll", p, x, tx, T, fn=lambda: pareto_ll(p, x, tx, T))
        add("paretonbd", "alive", p, x, tx, T, fn=lambda: pareto_alive_quad(p, x, tx, T))
    e15 = float(mp.exp(15))
    for p in ((e15, e15, 0.05, 0.5), (e15, e15, 2.0, 10.0), (1e9, 1e9, 0.3, 1e-3), (1e5, 1e5, 2.0, 10.0),
              (1e6, 1e6, 0.5, 1e3), (1e9, 1e5, 1e3, 1e-3), (1e5, 1e9, 1e-3, 1e3),
              # the other corners a fit's box reaches: r, s tiny (c - 1 = r + s + x near 1e-6)
              # with beta large, where the 2F1 has z near 1 in the alpha < beta branch
              (6.53154811e-07, 9.10129555e-03, 3.05902321e-07, 3.26901737e+06),
              (1 / e15, e15, 1 / e15, e15), (1 / e15, 1 / e15, 1 / e15, e15)):
        for x, tx, T in ((0.0, 0.0, 40.0), (3.0, 20.0, 40.0), (30.0, 39.0, 40.0), (5.0, 0.5, 0.9), (200.0, 38.0, 38.0)):
            add("paretonbd", "ll", p, x, tx, T, fn=lambda: pareto_ll(p, x, tx, T))
            add("paretonbd", "alive", p, x, tx, T, fn=lambda: pareto_alive_quad(p, x, tx, T))
    return out


HEADER = ["model", "quantity", "p1", "p2", "p3", "p4", "x", "t_x", "T", "h", "n", "expected"]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", type=int, default=None, help="rows per block (quick check)")
    ap.add_argument("--only", help="comma-separated models or model:quantity (the grid is the same; others skipped)")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args(argv)
    data = rows(args.sample, args.only.split(",") if args.only else None)
    if args.sample:
        w = csv.writer(sys.stdout)
        w.writerow(HEADER)
        w.writerows(data)
        return 0
    with open(args.out, "w", newline="") as f:
        f.write("# crmkit CLV reference values: tests/reference/clv_mpmath.py (mpmath %s, 60 digits)\n" % mp.__version__)
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(data)
    print("wrote", len(data), "rows to", os.path.normpath(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
