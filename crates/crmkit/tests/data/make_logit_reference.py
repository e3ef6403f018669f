"""Generate the logistic-regression reference data and values used by tests/churn_logistic.rs.

Not run by the tests. Run it in a scratch virtualenv outside the repository:

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install statsmodels scikit-learn
    /tmp/peers/bin/python crates/crmkit/tests/data/make_logit_reference.py

It writes churn_logit.csv (features x1..x3, label y, sample weight w) next to itself and prints
the reference values (17 significant digits) that are pasted into the Rust test.
"""

import os

import numpy as np
import sklearn
import statsmodels
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))

rng = np.random.RandomState(20261122)
n = 200
# Features on different scales, like customer signals: an activity drop in [-0.5, 1],
# an order count (integer), and a spend in currency units.
x1 = np.round(rng.uniform(-0.5, 1.0, n), 6)
x2 = rng.poisson(4.0, n).astype(float)
x3 = np.round(rng.gamma(2.0, 150.0, n), 2)
eta = -1.0 + 2.0 * x1 - 0.3 * x2 + 0.004 * x3
y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
w = rng.randint(1, 4, n).astype(float)

with open(os.path.join(HERE, "churn_logit.csv"), "w") as f:
    f.write("x1,x2,x3,y,w\n")
    for row in zip(x1, x2, x3, y, w):
        f.write(",".join(repr(float(v)) for v in row) + "\n")

X = np.column_stack([x1, x2, x3])
Xc = sm.add_constant(X)


def show(name, values):
    print(f"{name} = [" + ", ".join(f"{v:.17g}" for v in np.ravel(values)) + "]")


print(f"# statsmodels {statsmodels.__version__}, scikit-learn {sklearn.__version__}, numpy {np.__version__}")

print("# statsmodels Logit(y, add_constant(X)).fit(method='newton', tol=1e-12, maxiter=100)")
res = sm.Logit(y, Xc).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
show("params", res.params)
show("bse", res.bse)
show("tvalues", res.tvalues)
show("pvalues", res.pvalues)
print(f"llf = {res.llf:.17g}")

print("# statsmodels GLM(y, add_constant(X), family=Binomial(), freq_weights=w).fit(tol=1e-12)")
g = sm.GLM(y, Xc, family=sm.families.Binomial(), freq_weights=w).fit(tol=1e-12, maxiter=100)
show("params", g.params)
show("bse", g.bse)
show("pvalues", g.pvalues)

for C in (0.01, 1.0):
    print(f"# sklearn LogisticRegression(C={C}, tol=1e-10, max_iter=1000).fit(X, y)")
    m = LogisticRegression(C=C, tol=1e-10, max_iter=1000).fit(X, y)
    show("intercept", m.intercept_)
    show("coef", m.coef_)
    # Cross-check the lbfgs optimum with an exact Newton solver.
    m2 = LogisticRegression(C=C, tol=1e-10, max_iter=1000, solver="newton-cholesky").fit(X, y)
    print(f"#   |lbfgs - newton-cholesky| = {np.max(np.abs(np.r_[m.intercept_, m.coef_.ravel()] - np.r_[m2.intercept_, m2.coef_.ravel()])):.3g}")
    show("newton_cholesky_intercept", m2.intercept_)
    show("newton_cholesky_coef", m2.coef_)

print("# sklearn LogisticRegression(C=0.1, tol=1e-10, max_iter=1000).fit(X, y, sample_weight=w)")
m = LogisticRegression(C=0.1, tol=1e-10, max_iter=1000).fit(X, y, sample_weight=w)
show("intercept", m.intercept_)
show("coef", m.coef_)
m2 = LogisticRegression(C=0.1, tol=1e-10, max_iter=1000, solver="newton-cholesky").fit(X, y, sample_weight=w)
show("newton_cholesky_intercept", m2.intercept_)
show("newton_cholesky_coef", m2.coef_)

p = res.predict(Xc)
print("# predictions of the statsmodels fit, rows 0..5")
show("predict", p[:5])
print("# sklearn.metrics on the statsmodels predictions")
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

print(f"auc = {roc_auc_score(y, p):.17g}")
print(f"log_loss = {log_loss(y, p):.17g}")
print(f"brier = {brier_score_loss(y, p):.17g}")

print("# sklearn LogisticRegression(C=1.0, tol=1e-10, max_iter=1000) on StandardScaler().fit_transform(X),")
print("# coefficients mapped back to the original scale: b_j = beta_j / s_j, b0 = beta0 - sum(beta_j mu_j / s_j)")
from sklearn.preprocessing import StandardScaler

scaler = StandardScaler().fit(X)
m = LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit(scaler.transform(X), y)
b = m.coef_.ravel() / scaler.scale_
b0 = m.intercept_[0] - np.sum(m.coef_.ravel() * scaler.mean_ / scaler.scale_)
show("intercept", [b0])
show("coef", b)
