"""Per-customer features from a transaction log: golden values, peer parity, frame families."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from conftest import random_log

import crmkit

AS_OF = "2025-12-01"


def pandas_rfm(log: pd.DataFrame, as_of: str, window_days: int = 365) -> pd.DataFrame:
    """The hand-written pandas idiom the library replaces (the peer for parity)."""
    as_of_ts = pd.Timestamp(as_of)
    day = log["timestamp"].dt.normalize()
    in_window = day > as_of_ts - pd.Timedelta(days=window_days)
    g = log.assign(day=day, w_amount=log["amount"].where(in_window, 0.0), w_count=in_window.astype(int)).groupby("customer_id")
    out = pd.DataFrame(
        {
            "first_purchase": g["day"].min(),
            "last_purchase": g["day"].max(),
            "frequency": g["w_count"].sum(),
            "monetary": g["w_amount"].sum(),
        }
    )
    out["days_since_last"] = (as_of_ts - out["last_purchase"]).dt.days
    return out.reset_index()


def test_cdnow_summary_matches_the_published_file(cdnow: pd.DataFrame, cdnow_summary: pd.DataFrame) -> None:
    # Source: cdnow_customers_summary_with_transactions.csv (2-decimal rounding) — tolerance 0.005.
    with pytest.warns(crmkit.CrmkitWarning, match="rows were after as_of and excluded"):
        s = crmkit.btyd_summary(cdnow, as_of="1997-09-30", unit="weeks", after_as_of="exclude")
    assert len(s) == 2357
    np.testing.assert_array_equal(s["customer_id"], cdnow_summary["ID"])
    np.testing.assert_array_equal(s["x"], cdnow_summary["x"])
    for ours, theirs in (("t_x", "t_x"), ("T", "T"), ("m_x", "zbar")):
        np.testing.assert_allclose(s[ours], cdnow_summary[theirs], rtol=0, atol=0.005 + 1e-9)


def test_cdnow_holdout(cdnow: pd.DataFrame) -> None:
    # data/README.md: weeks 40-78 hold 1,882 repeat purchase days.
    s = crmkit.btyd_summary(cdnow, as_of="1998-06-30", unit="weeks", calibration_end="1997-09-30")
    assert int(s["x_holdout"].sum()) == 1882
    assert s["duration_holdout"].iloc[0] == pytest.approx(39.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_features_equal_the_pandas_idiom(seed: int) -> None:
    log = random_log(seed)
    log["timestamp"] = log["timestamp"] + pd.to_timedelta(np.arange(len(log)) % 86_400, unit="s")
    ours = crmkit.rfm_features(log, as_of=AS_OF, window_days=200)
    peer = pandas_rfm(log, AS_OF, window_days=200)
    np.testing.assert_array_equal(ours["customer_id"], peer["customer_id"])
    np.testing.assert_array_equal(ours["days_since_last"], peer["days_since_last"])
    np.testing.assert_array_equal(ours["frequency"], peer["frequency"])
    np.testing.assert_allclose(ours["monetary"], peer["monetary"], rtol=1e-12)
    np.testing.assert_array_equal(ours["first_purchase"], peer["first_purchase"])
    expected_aov = np.where(peer["frequency"] > 0, peer["monetary"] / peer["frequency"].clip(lower=1), 0.0)
    np.testing.assert_allclose(ours["avg_order_value"], expected_aov, rtol=1e-12)


def _families(log: pd.DataFrame) -> dict[str, object]:
    return {
        "pandas": log,
        "polars": pl.from_pandas(log),
        "pyarrow": pa.Table.from_pandas(log, preserve_index=False),
        "numpy": {c: log[c].to_numpy() for c in log.columns},
    }


def test_every_frame_family_gives_the_same_features_in_its_own_family() -> None:
    log = random_log(7)
    results = {name: crmkit.rfm(data, as_of=AS_OF) for name, data in _families(log).items()}
    assert isinstance(results["pandas"], pd.DataFrame)
    assert isinstance(results["polars"], pl.DataFrame)
    assert isinstance(results["pyarrow"], pa.Table)
    assert isinstance(results["numpy"], dict)
    base = results["pandas"]
    for name, out in results.items():
        frame = out if isinstance(out, pd.DataFrame) else (
            out.to_pandas() if hasattr(out, "to_pandas") else pd.DataFrame(out)
        )
        for column in ("customer_id", "days_since_last", "frequency", "r_score", "f_score", "m_score"):
            np.testing.assert_array_equal(np.asarray(frame[column]), np.asarray(base[column]), err_msg=f"{name}.{column}")
        np.testing.assert_allclose(np.asarray(frame["rfm_score"], dtype=float), base["rfm_score"], rtol=1e-15)
        assert [str(v) for v in frame["segment"]] == [str(v) for v in base["segment"]], name
        assert [str(v) for v in frame["tier"]] == [str(v) for v in base["tier"]], name


def test_output_types() -> None:
    out = crmkit.rfm(pl.from_pandas(random_log(3)), as_of=AS_OF)
    assert out.schema["first_purchase"] == pl.Date
    assert isinstance(out.schema["segment"], pl.Enum)
    out_pd = crmkit.rfm(random_log(3), as_of=AS_OF)
    assert isinstance(out_pd["tier"].dtype, pd.CategoricalDtype)
    assert list(out_pd["tier"].cat.categories) == ["churn risk", "potential", "high value"]


@pytest.mark.parametrize(
    "make_ids",
    [
        lambda ids: pd.Series(ids).map(lambda i: f"CUS-{i:04d}"),
        lambda ids: pd.Series(ids).map(lambda i: f"CUS-{i:04d}").astype(object),
        lambda ids: pl.Series(ids).map_elements(lambda i: f"CUS-{i:04d}", return_dtype=pl.String),
        lambda ids: pa.array([f"CUS-{i:04d}" for i in ids], type=pa.large_string()),
        lambda ids: np.array([f"CUS-{i:04d}" for i in ids], dtype=object),
        lambda ids: pd.Series([f"CUS-{i:04d}" for i in ids]).astype("category"),
        lambda ids: pa.array(ids.astype(np.int32)),
        lambda ids: ids.astype(np.uint16),
    ],
)
def test_ids_of_any_kind(make_ids: object) -> None:
    log = random_log(11, rows=500, customers=60)
    ids = make_ids(log["customer_id"].to_numpy())  # type: ignore[operator]
    out = crmkit.rfm_features(customer_id=ids, timestamp=log["timestamp"], amount=log["amount"], as_of=AS_OF)
    base = crmkit.rfm_features(log, as_of=AS_OF)
    frame = out if isinstance(out, pd.DataFrame) else pd.DataFrame(out) if isinstance(out, dict) else out.to_pandas()
    # Zero-padded string ids sort like the integers, so rows line up.
    np.testing.assert_array_equal(np.asarray(frame["frequency"]), base["frequency"].to_numpy())
    np.testing.assert_allclose(np.asarray(frame["monetary"]), base["monetary"].to_numpy())


@pytest.mark.parametrize(
    "convert",
    [
        lambda s: s.astype("datetime64[ns]"),
        lambda s: s.astype("datetime64[s]"),
        lambda s: s.dt.date,  # python date objects (object dtype)
        lambda s: pl.Series(s).cast(pl.Date),
        lambda s: pl.Series(s).cast(pl.Datetime("ms")),
        lambda s: pa.array(s.dt.date, type=pa.date32()),
        lambda s: pa.array(s, type=pa.timestamp("us")),
        lambda s: s.to_numpy().astype("datetime64[D]"),
        lambda s: pa.array(s.dt.date, type=pa.date64()),
    ],
)
def test_timestamps_in_any_unit(convert: object) -> None:
    log = random_log(5, rows=400, customers=50)
    ts = convert(log["timestamp"])  # type: ignore[operator]
    out = crmkit.rfm_features(customer_id=log["customer_id"].to_numpy(), timestamp=ts, amount=log["amount"].to_numpy(), as_of=AS_OF)
    base = crmkit.rfm_features(log, as_of=AS_OF)
    np.testing.assert_array_equal(out["days_since_last"], base["days_since_last"].to_numpy())


def test_time_zones_count_the_local_calendar_day() -> None:
    # 2024-06-01 23:30 in Shanghai is 15:30 UTC the same day; 2024-06-02 01:00 Shanghai is still June 1 in UTC.
    local = pd.Series(pd.to_datetime(["2024-06-01 23:30", "2024-06-02 01:00"])).dt.tz_localize("Asia/Shanghai")
    ids = np.array([1, 2])
    amounts = np.array([1.0, 1.0])
    for ts in (local, pl.Series(local), pa.array(local)):
        out = crmkit.rfm_features(customer_id=ids, timestamp=ts, amount=amounts, as_of="2024-06-10")
        np.testing.assert_array_equal(np.asarray(out["days_since_last"]), [9, 8])


def test_as_of_accepts_date_like_values() -> None:
    log = random_log(2, rows=50, customers=5)
    base = crmkit.rfm_features(log, as_of=AS_OF)["days_since_last"]
    for as_of in (dt.date(2025, 12, 1), dt.datetime(2025, 12, 1, 18), np.datetime64("2025-12-01"), pd.Timestamp("2025-12-01")):
        np.testing.assert_array_equal(crmkit.rfm_features(log, as_of=as_of)["days_since_last"], base)


def test_numpy_inputs_are_not_modified_and_results_own_their_memory() -> None:
    log = random_log(4, rows=100, customers=10)
    amounts = log["amount"].to_numpy().copy()
    before = amounts.copy()
    out = crmkit.rfm_features(customer_id=log["customer_id"].to_numpy(), timestamp=log["timestamp"].to_numpy(), amount=amounts, as_of=AS_OF)
    np.testing.assert_array_equal(amounts, before)
    assert not np.shares_memory(out["monetary"], amounts)
