"""Parity with lifetimes 0.11.3: given the same parameters, conditional expected purchases,
P(alive), CLV (discrete monthly steps) and the Pareto/NBD conditional probability of n purchases
agree for every CDNOW customer to 1e-6 relative; BG/BB P(X(n) = x) for the donations data too.

lifetimes runs only in the test environment .venv-peers (it needs pandas < 3 and setuptools
< 82); scripts/test.sh creates it and sets CRMKIT_PEERS_VENV and CRMKIT_REQUIRE_PEERS=1, so CI
never skips this. Run by hand without it, the test is skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crmkit

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = ROOT / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv"
DONATIONS = ROOT / "data" / "cdnow" / "donations.csv"
PEERS = Path(os.environ.get("CRMKIT_PEERS_VENV", ROOT / ".venv-peers"))
PYTHON = PEERS / "bin" / "python"

# Published CDNOW parameters (data/README.md).
SPEC = {
    "bgnbd": {"r": 0.2426, "alpha": 4.4136, "a": 0.7930, "b": 2.4261},
    "pareto": {"r": 0.5533, "alpha": 10.5776, "s": 0.6062, "beta": 11.6679},
    "mbgnbd": {"r": 0.5248, "alpha": 6.1830, "a": 0.8914, "b": 1.6140},
    "gg": {"p": 6.2488, "q": 3.7446, "gamma": 15.4477},
    "bgbb": {"alpha": 1.2035, "beta": 0.7497, "gamma": 0.6567, "delta": 2.7834},
    "pmf_n": [0, 1, 2, 5, 10],
    "t": 39.0,
    "months": 12,
    "discount_rate": 0.01,
}


@pytest.fixture(scope="module")
def lifetimes_values() -> dict[str, np.ndarray]:
    if not PYTHON.exists():
        if os.environ.get("CRMKIT_REQUIRE_PEERS") == "1":
            pytest.fail(f"the peers environment {PEERS} is missing (scripts/test.sh creates it)")
        pytest.skip(f"no peers environment at {PEERS} (run scripts/test.sh)")
    done = subprocess.run(
        [str(PYTHON), str(ROOT / "tests" / "peers" / "lifetimes_values.py"), json.dumps(SPEC), str(SUMMARY), str(DONATIONS)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return {k: np.asarray(v, dtype=np.float64) for k, v in json.loads(done.stdout).items()}


@pytest.mark.parametrize(("name", "cls"), [("bgnbd", crmkit.BgNbd), ("pareto", crmkit.ParetoNbd), ("mbgnbd", crmkit.MbgNbd)])
def test_same_predictions_as_lifetimes(name: str, cls: type, lifetimes_values: dict[str, np.ndarray]) -> None:
    s = pd.read_csv(SUMMARY)
    model = cls.from_params(**SPEC[name])
    gg = crmkit.GammaGamma.from_params(**SPEC["gg"])
    ours = {
        "expected": model.expected_purchases(s["x"], SPEC["t"], s["t_x"], s["T"]),
        "alive": model.probability_alive(s["x"], s["t_x"], s["T"]),
        "clv": gg.customer_lifetime_value(
            model, s["x"], s["t_x"], s["T"], s["zbar"],
            months=SPEC["months"], discount_rate=SPEC["discount_rate"], time_units_per_month=crmkit.WEEKS_PER_MONTH,
        ),
    }
    assert len(s) == 2357
    for what, values in ours.items():
        theirs = lifetimes_values[f"{name}_{what}"]
        assert np.all(np.isfinite(theirs)), what
        np.testing.assert_allclose(values, theirs, rtol=1e-6, atol=0, err_msg=f"{name} {what}")


def test_same_expected_spend_as_lifetimes(lifetimes_values: dict[str, np.ndarray]) -> None:
    s = pd.read_csv(SUMMARY)
    gg = crmkit.GammaGamma.from_params(**SPEC["gg"])
    np.testing.assert_allclose(gg.expected_spend(s["x"], s["zbar"]), lifetimes_values["gg_spend"], rtol=1e-6, atol=0)


@pytest.mark.parametrize("n", SPEC["pmf_n"])
def test_same_conditional_probability_of_purchases_as_lifetimes(n: int, lifetimes_values: dict[str, np.ndarray]) -> None:
    # ParetoNBDFitter.conditional_probability_of_n_purchases_up_to_time (Fader & Hardie note 028
    # eq. 16) for every CDNOW customer, 1e-6 relative.
    s = pd.read_csv(SUMMARY)
    pn = crmkit.ParetoNbd.from_params(**SPEC["pareto"])
    ours = pn.conditional_probability_of_purchases(s["x"], n, SPEC["t"], s["t_x"], s["T"])
    theirs = lifetimes_values[f"pareto_pmf_{n}"]
    assert np.all(np.isfinite(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=0, err_msg=f"P(Y = {n})")


@pytest.mark.parametrize("n", [6, 10])
def test_same_bgbb_probability_of_purchases_as_lifetimes(n: int, lifetimes_values: dict[str, np.ndarray]) -> None:
    # BetaGeoBetaBinomFitter.expected_number_of_transactions_in_first_n_periods (Fader, Hardie &
    # Shang 2010 eq. 7 times the number of donors) for x = 0..6 of the donations data, 1e-6 relative.
    m = crmkit.BgBb.from_params(**SPEC["bgbb"])
    ours = np.array([m.probability_of_purchases(x, n) for x in range(7)])
    np.testing.assert_allclose(ours, lifetimes_values[f"bgbb_pmf_{n}"], rtol=1e-6, atol=0)


@pytest.mark.parametrize("n", SPEC["pmf_n"])
def test_same_mbgnbd_probability_of_purchases_as_lifetimes(n: int, lifetimes_values: dict[str, np.ndarray]) -> None:
    # ModifiedBetaGeoFitter.probability_of_n_purchases_up_to_time (Batislam et al. 2007), 1e-6 relative.
    m = crmkit.MbgNbd.from_params(**SPEC["mbgnbd"])
    np.testing.assert_allclose([m.probability_of_purchases(n, SPEC["t"])], lifetimes_values[f"mbgnbd_pmf_{n}"], rtol=1e-6, atol=0)
