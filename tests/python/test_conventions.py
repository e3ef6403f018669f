"""API conventions (docs/conventions.md): errors name what the user typed, models validate their
configuration at construction, string options are Literal types a checker enforces, and customer
records are read from any frame family, validated, and survive JSON."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import hypothesis.strategies as st
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings

import crmkit

ROOT = Path(__file__).resolve().parents[2]


# -- errors name the keyword the user typed ---------------------------------------------------


def test_aggregate_needs_errors_name_the_keywords() -> None:
    needs = pd.DataFrame({"customer_id": ["a"], "topic": ["api"], "type": ["product"]})
    customers = pd.DataFrame({"customer_id": ["a", "b", "a"], "industry": ["it", "it", "it"]})
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.aggregate_needs(needs, customers, group="industry")
    # The core's parameter is `customer_ids`; the user typed `customer_id` (the default keyword).
    assert (info.value.field, info.value.row) == ("customer_id", 2)
    assert "`customer_id`" in str(info.value) and "customer_ids" not in str(info.value)
    assert "'a'" not in str(info.value) and '"a"' not in str(info.value)


def test_unknown_option_names_the_keyword_and_lists_the_names() -> None:
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.nps([10, 9], method="exact")  # type: ignore[arg-type]
    assert info.value.field == "method"
    assert "'wald' or 'adjusted_wald'" in str(info.value)
    with pytest.raises(crmkit.ConfigError, match="'wilson', 'wald' or 'agresti_coull'"):
        crmkit.csat([5, 1], method="exact")  # type: ignore[arg-type]
    needs = pd.DataFrame({"customer_id": ["a"], "topic": ["api"], "type": ["gadget"]})
    with pytest.raises(crmkit.InvalidValueError) as bad_type:
        crmkit.need_work_list(needs)
    assert (bad_type.value.field, bad_type.value.row) == ("type", 0)
    assert '["product", "service", "price", "experience"]' in str(bad_type.value)


# -- RfmModel checks its configuration directly ------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"weights": (0.5, 0.5, 0.5)}, "weights"),
        ({"weights": (0.5, 0.5)}, "weights"),
        ({"thresholds": (0.8, 0.5)}, "thresholds"),
        ({"thresholds": (0.3, 0.5, 0.8)}, "thresholds"),  # three thresholds for tiers='three'
        ({"tiers": "layered", "thresholds": (0.5, 0.8)}, "thresholds"),
        ({"k": 1, "segments": {"k": 1, "rules": [{"segment": "all"}]}}, "k"),
        ({"window_days": 0}, "window_days"),
        ({"after_as_of": "drop"}, "after_as_of"),
        ({"negative_amounts": "ignore"}, "negative_amounts"),
        ({"normalization": "log"}, "normalization"),
        ({"tiers": "four"}, "tiers"),
    ],
)
def test_rfm_model_rejects_bad_configuration_at_construction(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(crmkit.ConfigError) as info:
        crmkit.RfmModel(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field, str(info.value)


def test_rfm_model_accepts_the_documented_configurations() -> None:
    crmkit.RfmModel()
    crmkit.RfmModel(tiers="layered")
    crmkit.RfmModel(weights=(0.2, 0.5, 0.3), thresholds=(0.4, 0.7), after_as_of="exclude", negative_amounts="net")


# -- typed options -----------------------------------------------------------------------------


def test_mypy_rejects_wrong_string_options() -> None:
    mypy_api = pytest.importorskip("mypy.api")
    out, err, status = mypy_api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--warn-unused-ignores",
            "--no-incremental",
            str(ROOT / "tests" / "typing" / "literals.py"),
        ]
    )
    assert status == 0, out + err


# -- customer records --------------------------------------------------------------------------

TABLE = {
    "customer_id": ["CUS-2024-001", "CUS-2024-002", "CUS-2024-003"],
    "name": ["Acme Ltd", None, "  "],
    "industry": ["F5211", "4711", None],
    "size_band": ["50_199", "1000_plus", None],
    "province": ["Zhejiang", None, "Guangdong"],
    "city": ["Hangzhou", None, "Shenzhen"],
    "contact_role": ["decision_maker", "user", None],
    "channel": ["trade_show", "referral", "search"],
}


@pytest.mark.parametrize("family", ["pandas", "polars", "pyarrow", "dict"])
def test_read_customers_from_every_family(family: str) -> None:
    table: object
    if family == "pandas":
        table = pd.DataFrame(TABLE).assign(first_contact=pd.to_datetime(["2024-03-01", None, "2023-12-31"]))
    elif family == "polars":
        table = pl.DataFrame(TABLE).with_columns(
            first_contact=pl.Series(["2024-03-01", None, "2023-12-31"]).str.to_date()
        )
    elif family == "pyarrow":
        table = pa.table(TABLE)
    else:
        table = dict(TABLE)
    records = crmkit.read_customers(table)  # type: ignore[arg-type]
    assert len(records) == 3
    frame = records.to_frame("pandas")
    def values(col: str) -> list[object]:
        return [None if pd.isna(v) else v for v in frame[col].tolist()]

    assert values("size_band") == ["50_199", "1000_plus", None]
    assert values("name") == ["Acme Ltd", None, None]  # blank is absent
    if family in ("pandas", "polars"):
        # 2024-03-01 is day 19783 since 1970-01-01 (datetime.date(2024, 3, 1).toordinal() - 719163).
        assert frame["first_contact"].iloc[0] == pd.Timestamp("2024-03-01")
        assert pd.isna(frame["first_contact"].iloc[1])
    own = records.to_frame()
    if family == "dict":
        assert isinstance(own, dict)
    else:
        assert type(own).__module__.split(".")[0] == family


def test_read_customers_errors_name_field_and_row_never_personal_values() -> None:
    bad = pd.DataFrame({"customer_id": ["john.doe@example.com", "x"], "size_band": ["50_199", "huge"]})
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.read_customers(bad)
    assert (info.value.field, info.value.row) == ("size_band", 1)
    dup = pd.DataFrame({"customer_id": ["+1 555 123 4567", "+1 555 123 4567"]})
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.read_customers(dup)
    assert (info.value.field, info.value.row) == ("customer_id", 1)
    assert "555" not in str(info.value)
    with pytest.raises(crmkit.MissingValueError) as missing:
        crmkit.read_customers(pd.DataFrame({"customer_id": ["a", None]}))
    assert (missing.value.field, missing.value.row) == ("customer_id", 1)
    with pytest.raises(crmkit.InvalidValueError) as code:
        crmkit.read_customers(pd.DataFrame({"customer_id": ["a"], "industry": ["retail; DROP"]}))
    assert (code.value.field, code.value.row) == ("industry", 0)
    with pytest.raises(crmkit.InvalidValueError) as date:
        crmkit.read_customers(pd.DataFrame({"customer_id": ["a", "b"], "first_contact": [None, "yesterday"]}))
    assert (date.value.field, date.value.row) == ("first_contact", 1)
    with pytest.raises(crmkit.ConfigError) as column:
        crmkit.read_customers(pd.DataFrame({"customer_id": ["a"]}), channel="source")
    assert column.value.field == "channel"
    with pytest.raises(crmkit.InvalidValueError) as loaded:
        crmkit.CustomerRecords.from_json('[{"customer_id": "a", "device_type": "fax"}]')
    assert (loaded.value.field, loaded.value.row) == ("device_type", 0)


def test_quality_report_takes_customer_records() -> None:
    log = pd.DataFrame({"customer_id": ["CUS-2024-001"], "timestamp": pd.to_datetime(["2024-01-01"]), "amount": [5.0]})
    records = crmkit.read_customers(pd.DataFrame(TABLE))
    report = crmkit.quality_report(log, as_of="2024-02-01", customers=records)
    # Rows 1 and 2 have no name (None, blank); row 2 has no industry; nobody has a contact.
    assert report.rows("missing_name")["row"].tolist() == [1, 2]
    assert report.rows("missing_industry")["row"].tolist() == [2]
    assert report.count("missing_contact") == 3


_text = st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            _text,
            st.one_of(st.none(), st.sampled_from(["under_50", "50_199", "200_999", "1000_plus"])),
            st.one_of(st.none(), st.sampled_from(["search", "social_ads", "trade_show", "referral", "direct_visit", "other"])),
            st.one_of(st.none(), st.from_regex(r"[A-Z0-9.\-]{1,16}", fullmatch=True)),
            st.one_of(st.none(), st.integers(-719_162, 2_932_896)),
            _text,
        ),
        max_size=15,
    )
)
def test_customer_records_round_trip_through_json(rows: list[tuple[object, ...]]) -> None:
    columns: dict[str, list[str | None]] = {
        "customer_id": [f"C{i}" for i in range(len(rows))],
        "name": [r[0] for r in rows],  # type: ignore[misc]
        "size_band": [r[1] for r in rows],  # type: ignore[misc]
        "channel": [r[2] for r in rows],  # type: ignore[misc]
        "industry": [r[3] for r in rows],  # type: ignore[misc]
        "notes": [r[5] for r in rows],  # type: ignore[misc]
    }
    days = [r[4] for r in rows]
    compiled = crmkit._crmkit.CustomerRecords.from_columns(columns, days)  # type: ignore[arg-type]
    records = crmkit.CustomerRecords(compiled)
    text = records.to_json()
    again = crmkit.CustomerRecords.from_json(text)
    assert again == records
    assert again.to_json() == text
    assert pickle.loads(pickle.dumps(records)) == records
    assert len(json.loads(text)) == len(rows)


def test_read_customers_from_a_csv_path_skips_absent_optional_columns(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,channel,size_band\nC1,referral,under_50\nC2,search,\n")
    records = crmkit.read_customers(str(path))
    frame = records.to_frame("pandas")
    assert frame["channel"].tolist() == ["referral", "search"]
    assert frame["size_band"].iloc[0] == "under_50" and pd.isna(frame["size_band"].iloc[1])
    assert frame["industry"].isna().all()


def test_feedback_by_segment_errors_name_the_keywords() -> None:
    df = pd.DataFrame({"segment": ["a", "b", "a"], "answer": [10, 9, 12]})
    with pytest.raises(crmkit.InvalidValueError) as info:
        crmkit.nps_by_segment(df)
    assert (info.value.field, info.value.row) == ("answer", 2)
    with pytest.raises(crmkit.InvalidValueError) as csat:
        crmkit.csat_by_segment(df.assign(answer=[5, 9, 4]))
    assert (csat.value.field, csat.value.row) == ("answer", 1)
    with pytest.raises(crmkit.MissingValueError) as missing:
        crmkit.nps_by_segment(pd.DataFrame({"segment": ["a", None], "answer": [10, 9]}))
    assert (missing.value.field, missing.value.row) == ("segment", 1)
    outcomes = pd.DataFrame({"answer": [10, 11], "repurchased": [True, False], "clv": [1.0, 2.0]})
    with pytest.raises(crmkit.InvalidValueError) as group:
        crmkit.nps_group_outcomes(outcomes)
    assert (group.value.field, group.value.row) == ("answer", 1)
