"""Money exact and one refund policy through the pipeline (issue 12, deliverables 4 and 5).

Expected sums: Python's ``math.fsum`` (the correctly rounded sum), compared bit for bit
(tolerance 0). The refund findings reproduced here were measured on a synthetic log with
refunds: negative ``monetary`` / ``m_x`` for some customers, after which ``GammaGamma().fit``
failed with "invalid mean_spend at row ..." and CLV / the value matrix rejected the population.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmkit

AS_OF = "2024-12-31"


def _log(ids, days, amounts):
    base = np.datetime64("2024-01-01")
    return pd.DataFrame(
        {
            "customer_id": np.asarray(ids, dtype=np.int64),
            "timestamp": base + np.asarray(days, dtype="timedelta64[D]"),
            "amount": np.asarray(amounts, dtype=np.float64),
        }
    )


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", crmkit.CrmkitWarning)
        return fn(*args, **kwargs)


# --- money exact ------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0.1, 1e-6, 5e-13, 49.09, 19.99, 1e-300, 9.007199254740992e15])
def test_one_purchase_is_its_own_amount(amount):
    # fixed-point sums gave 0.0999999999994543, 9.99999429e-7 and 0.0 here
    f = crmkit.rfm_features(_log([1], [10], [amount]), as_of=AS_OF)
    assert f["monetary"].iloc[0] == amount
    assert f["avg_order_value"].iloc[0] == amount
    s = crmkit.btyd_summary(_log([1, 1], [10, 20], [1.0, amount]), as_of=AS_OF)
    assert s["m_x"].iloc[0] == amount


money = st.one_of(
    st.integers(-10**9, 10**9).map(lambda c: c / 100),
    st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False),
    st.floats(min_value=1e-300, max_value=1e-250),
    st.sampled_from([0.1, 1e-6, 5e-13, -0.1, 1e-300, 1e15]),
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 365), money), min_size=1, max_size=80),
    seed=st.integers(0, 2**32 - 1),
)
def test_per_customer_sums_equal_fsum_in_any_row_order(rows, seed):
    ids, days, amounts = (list(c) for c in zip(*rows))
    if all(a < 0 for a in amounts):
        return  # refunds only: nobody has a purchase
    results = []
    for order in (np.arange(len(rows)), np.random.default_rng(seed).permutation(len(rows)), np.arange(len(rows))[::-1]):
        log = _log(np.take(ids, order), np.take(days, order), np.take(amounts, order))
        f = _quiet(crmkit.rfm_features, log, as_of=AS_OF, negative_amounts="net")
        for cid, monetary in zip(f["customer_id"], f["monetary"]):
            expected = math.fsum(a for i, d, a in rows if i == cid and d > 0)  # the 365-day window
            assert monetary == expected, (cid, monetary, expected)
        split = {"calibration_end": "2024-06-30"} if any(d <= 181 and a >= 0 for d, a in zip(days, amounts)) else {}
        s = _quiet(crmkit.btyd_summary, log, as_of=AS_OF, negative_amounts="net", **split)
        holdout = s["spend_holdout"].to_numpy().tobytes() if split else b""
        results.append((f["monetary"].to_numpy().tobytes(), s["m_x"].to_numpy().tobytes(), holdout))
    assert results[0] == results[1] == results[2], "row order changed a sum"


def test_holdout_spend_and_m_x_are_fsum():
    # customer 1: first day 0 (left out of m_x), repeat days with 0.1 + 0.2 + 0.3 + a refund,
    # holdout spend 1e-6 + 5e-13
    log = _log([1] * 6, [0, 10, 20, 30, 200, 250], [5.0, 0.1, 0.2, 0.3 - 0.05, 1e-6, 5e-13])
    s = crmkit.btyd_summary(log, as_of=AS_OF, calibration_end="2024-06-30")
    assert s["m_x"].iloc[0] == math.fsum([0.1, 0.2, 0.3 - 0.05]) / 3
    assert s["spend_holdout"].iloc[0] == math.fsum([1e-6, 5e-13])


def test_churn_order_values_are_exact():
    log = _log([1, 1, 1, 1], [300, 310, 340, 350], [0.1, 0.2, 0.1, 0.7])
    s = crmkit.churn_signals(log, as_of=AS_OF)
    assert s["order_value_last_period"].iloc[0] == math.fsum([0.1, 0.2, 0.1, 0.7]) / 4


# --- one refund policy ------------------------------------------------------------------------


def _synthetic_refund_log(rows=40_000, customers=4_000, seed=12):
    """Gamma–Gamma purchases (p = 6, q = 4, γ = 15; cents) with 6 % refund rows of 0.2–1.5×
    an order."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, customers, rows)
    days = rng.integers(0, 366, rows)
    rate = rng.gamma(4.0, 1 / 15.0, customers)  # ν per customer
    amounts = np.round(rng.gamma(6.0, 1 / rate[ids]), 2)
    refund = rng.random(rows) < 0.06
    amounts[refund] = -np.round(amounts[refund] * rng.uniform(0.2, 1.5, refund.sum()), 2)
    return _log(ids, days, amounts)


@pytest.fixture(scope="module")
def refund_log():
    return _synthetic_refund_log()


def test_refunds_can_make_monetary_and_m_x_negative(refund_log):
    with pytest.warns(crmkit.CrmkitWarning, match="refund rows were netted"):
        f = crmkit.rfm_features(refund_log, as_of=AS_OF, negative_amounts="net")
    assert (f["monetary"] < 0).sum() > 0
    with pytest.raises(crmkit.InvalidValueError, match="negative_amounts"):
        crmkit.rfm_features(refund_log, as_of=AS_OF)
    s = _quiet(crmkit.btyd_summary, refund_log, as_of=AS_OF, negative_amounts="net")
    assert ((s["x"] > 0) & (s["m_x"] <= 0)).sum() > 0


def test_gamma_gamma_clv_and_matrix_leave_out_non_positive_spend(refund_log):
    s = _quiet(crmkit.btyd_summary, refund_log, as_of=AS_OF, unit="weeks", negative_amounts="net")
    bad = (s["x"] > 0) & (s["m_x"] <= 0)
    n_bad = int(bad.sum())
    assert n_bad > 0
    # before: GammaGamma().fit failed for the whole population ("invalid mean_spend at row ...")
    with pytest.raises(crmkit.InvalidValueError, match="non_positive_spend") as err:
        crmkit.GammaGamma(non_positive_spend="error").fit(s)
    assert err.value.row == int(np.flatnonzero(bad.to_numpy())[0])
    with pytest.warns(crmkit.CrmkitWarning, match=f"{n_bad} customers with net spend <= 0 .*non_positive_spend"):
        gg = crmkit.GammaGamma().fit(s)
    # the same fit as on the repeat customers with positive spend alone
    good = s[(s["x"] > 0) & (s["m_x"] > 0)]
    ref = crmkit.GammaGamma().fit(good)
    assert gg.model_.params == ref.model_.params

    bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
    with pytest.warns(crmkit.CrmkitWarning, match="non_positive_spend"):
        clv = gg.customer_lifetime_value(bg, s, time_units_per_month=crmkit.WEEKS_PER_MONTH)["clv"].to_numpy()
    assert len(clv) == len(s)
    assert np.isnan(clv[bad.to_numpy()]).all()
    assert np.isfinite(clv[~bad.to_numpy()]).all() and (clv[~bad.to_numpy()] > 0).all()
    with pytest.warns(crmkit.CrmkitWarning, match="non_positive_spend"):
        dert = gg.clv_dert(bg, s, annual_discount_rate=0.15, time_units_per_year=52)["clv_dert"].to_numpy()
    assert np.array_equal(np.isnan(dert), bad.to_numpy())
    strict = crmkit.GammaGamma(non_positive_spend="error")
    strict.model_ = gg.model_
    with pytest.raises(crmkit.InvalidValueError, match="non_positive_spend"):
        strict.customer_lifetime_value(bg, s, time_units_per_month=crmkit.WEEKS_PER_MONTH)

    f = _quiet(crmkit.rfm_features, refund_log, as_of=AS_OF, negative_amounts="net")
    negative = (f["monetary"] < 0).to_numpy()
    with pytest.warns(crmkit.CrmkitWarning, match=f"{negative.sum()} customers with a negative current value"):
        customers, summary = crmkit.value_potential_matrix(f, value="monetary", potential="frequency", customer_id="customer_id")
    assert customers["quadrant"].isna().to_numpy().tolist() == negative.tolist()
    assert customers["high_value"].isna().to_numpy().tolist() == negative.tolist()
    assert summary["customers"].sum() == len(f) - negative.sum()
    with pytest.raises(crmkit.InvalidValueError, match="negative_value"):
        crmkit.value_potential_matrix(f, value="monetary", potential="frequency", negative_value="error")


def test_lifecycle_never_counts_a_refund_as_a_purchase():
    # customer 1 bought on day 0 and was refunded 300 days later; before, the refund day was
    # the "last purchase" and the customer looked active
    log = _log([1, 1, 2], [0, 300, 100], [50.0, -50.0, 20.0])
    with pytest.raises(crmkit.InvalidValueError, match="negative_amounts"):
        crmkit.lifecycle_stages(log, as_of=AS_OF)
    with pytest.warns(crmkit.CrmkitWarning, match="1 refund rows"):
        st_ = crmkit.lifecycle_stages(log, as_of=AS_OF, negative_amounts="net")
    assert st_["last_purchase"].iloc[0] == pd.Timestamp("2024-01-01")
    assert pd.isna(st_["previous_purchase"].iloc[0])
    # a table without an amount column: every row is a purchase, as before
    plain = log.drop(columns="amount").iloc[[0, 2]]
    assert len(crmkit.lifecycle_stages(plain, as_of=AS_OF)) == 2


def test_churn_signals_take_the_refund_option():
    log = _log([1, 1, 1, 1], [250, 270, 330, 360], [40.0, 20.0, 30.0, -15.0])
    with pytest.raises(crmkit.InvalidValueError, match="negative_amounts"):
        crmkit.churn_signals(log, as_of=AS_OF)
    with pytest.warns(crmkit.CrmkitWarning, match="1 refund rows"):
        s = crmkit.churn_signals(log, as_of=AS_OF, negative_amounts="net")
    assert s["purchase_days"].iloc[0] == 3
    assert s["days_since_last_purchase"].iloc[0] == 365 - 330
    assert s["order_value_last_period"].iloc[0] == 15.0
    same = _quiet(crmkit.churn_signals, log, as_of=AS_OF, options={"negative_amounts": "net"})
    assert same["order_value_last_period"].iloc[0] == 15.0
    with pytest.warns(crmkit.CrmkitWarning, match="refund"):
        r = crmkit.churn_reasons(log, as_of=AS_OF, negative_amounts="net")
    assert "reason" in r.columns
