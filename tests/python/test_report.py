"""The one-command report: crmkit.report / the `crmkit report` command on the CDNOW sample.

Expected values come from the library's own functions run directly on the same log (the report
must show exactly what they compute) and, for the sizes, from the data itself (6,919 purchases
of 2,357 customers, data/README.md). The browser check of the HTML is in scripts/test_report.sh.
"""

from __future__ import annotations

import builtins
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import crmkit
from crmkit import cli, reporting

AS_OF = "1998-06-30"


@pytest.fixture(scope="module")
def rep(cdnow: pd.DataFrame) -> crmkit.Report:
    return crmkit.report(cdnow, as_of=AS_OF, figures=False, progress=False)


def section(r: crmkit.Report, key: str) -> Any:
    return next(s for s in r.sections if s.key == key)


def table(r: crmkit.Report, key: str, caption_start: str) -> tuple[list[str], list[list[Any]]]:
    for caption, header, rows in section(r, key).tables:
        if caption.startswith(caption_start):
            return header, rows
    raise AssertionError(f"no table {caption_start!r} in {key}")


def test_sizes_and_sections(rep: crmkit.Report) -> None:
    assert (rep.transactions, rep.customers) == (6919, 2357)
    assert [s.key for s in rep.sections] == ["data", "tiers", "concentration", "top", "clv", "churn", "lifecycle"]
    assert rep.as_of.isoformat() == AS_OF


def test_tier_and_segment_tables_equal_rfm(rep: crmkit.Report, cdnow: pd.DataFrame) -> None:
    with pytest.warns(crmkit.CrmkitWarning):
        customers = crmkit.rfm(cdnow, as_of=AS_OF)
    total = customers["monetary"].sum()
    _, rows = table(rep, "tiers", "Tiers")
    assert [r[0] for r in rows] == ["high value", "potential", "churn risk"]
    for name, n, share, revenue, revenue_share, r, f, m in rows:
        part = customers[customers["tier"] == name]
        assert n == len(part) and share == f"{len(part) / len(customers):.1%}"
        assert revenue == pytest.approx(part["monetary"].sum(), rel=1e-12)
        assert revenue_share == f"{part['monetary'].sum() / total:.1%}"
        assert (r, f, m) == pytest.approx((part["days_since_last"].mean(), part["frequency"].mean(), part["monetary"].mean()), rel=1e-12)
    _, seg = table(rep, "tiers", "Segments")
    assert sum(r[1] for r in seg) == 2357
    assert [r[3] for r in seg] == sorted((r[3] for r in seg), reverse=True)
    expected = customers.groupby("segment", observed=False).size()
    assert {r[0]: r[1] for r in seg} == {k: int(v) for k, v in expected.items()}


def test_concentration_and_top_customers(rep: crmkit.Report) -> None:
    c = crmkit.concentration(rep.results["customers"]["monetary"], top_fraction=0.2)
    facts = dict(section(rep, "concentration").facts)
    assert facts["Gini coefficient"] == c["gini"] and facts["revenue share of the top 20 %"] == f"{c['top_share']:.1%}"
    _, rows = section(rep, "top").tables[0][1:]
    scores = [r[6] for r in rows]
    assert len(rows) == 10 and scores == sorted(scores, reverse=True)
    assert scores[0] == pytest.approx(rep.results["customers"]["rfm_score"].max())


def test_clv_matches_the_models(rep: crmkit.Report, cdnow: pd.DataFrame) -> None:
    summary = crmkit.btyd_summary(cdnow, as_of=AS_OF, unit="weeks")
    bg = crmkit.BgNbd().fit(summary)
    gg = crmkit.GammaGamma().fit(summary)
    assert rep.results["bgnbd"].params_ == pytest.approx(bg.params_, rel=1e-9)
    clv = gg.customer_lifetime_value(bg, summary, months=12, discount_rate=0.01, time_units_per_month=crmkit.WEEKS_PER_MONTH)["clv"].to_numpy()
    np.testing.assert_allclose(rep.results["clv"], clv, rtol=1e-9)
    facts = dict(section(rep, "clv").facts)
    assert facts["12-month CLV, all customers"] == pytest.approx(clv.sum(), rel=1e-9)
    assert facts["repeat customers (x > 0)"] == int((summary["x"] > 0).sum())
    _, rows = table(rep, "clv", "Top 10 customers by 12-month CLV")
    assert [r[-1] for r in rows] == pytest.approx(sorted(clv, reverse=True)[:10], rel=1e-9)
    html = rep.html()
    assert "BgNbd, fitted" in html and "GammaGamma, fitted" in html


def test_churn_and_lifecycle(rep: crmkit.Report, cdnow: pd.DataFrame) -> None:
    risk = crmkit.churn_risk(crmkit.churn_signals(cdnow, as_of=AS_OF))
    facts = dict(section(rep, "churn").facts)
    for level in ("red", "yellow", "green"):
        assert facts[f"{level} alerts"] == int((risk["alert"] == level).sum())
    assert sum(facts[f"{a} alerts"] for a in ("red", "yellow", "green")) + facts["no signal measurable"] == 2357
    notes = " ".join(section(rep, "churn").notes)
    assert "Not measured" in notes and "competitor" in notes and "NPS" in notes
    _, stages = table(rep, "lifecycle", "Stages now")
    assert sum(r[1] for r in stages) == 2357
    assert rep.results["migration"]["moves"]["changed"].sum() == dict(section(rep, "lifecycle").facts)["changed stage since 1998-04-01"]


def test_html_is_self_contained(rep: crmkit.Report, tmp_path: Path) -> None:
    path = rep.save(tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text), "a report must not fetch anything"
    assert "Figures were left out" in text  # figures=False says so
    assert "<h2>Customer lifetime value</h2>" in text


def test_figures_are_inline_pngs(cdnow: pd.DataFrame) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("crmkit.plot")
    r = crmkit.report(cdnow, as_of=AS_OF, progress=False)
    text = r.html()
    pngs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(pngs) == sum(len(s.figures) for s in r.sections) >= 12
    import base64

    assert all(base64.b64decode(p)[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert "Figures were left out" not in text


def test_text_summary(rep: crmkit.Report) -> None:
    text = rep.text()
    assert text.splitlines()[0] == "crmkit report as of 1998-06-30: 6,919 transactions, 2,357 customers"
    for heading in ("== Tiers and segments", "== Customer lifetime value", "== Churn warnings", "== Lifecycle stages"):
        assert heading in text


def cdnow_files(cdnow: pd.DataFrame, tmp_path: Path) -> tuple[Path, Path]:
    csv_path = tmp_path / "log.csv"
    frame = cdnow.assign(timestamp=cdnow["timestamp"].dt.strftime("%Y-%m-%d"))
    frame.to_csv(csv_path, index=False)
    parquet_path = tmp_path / "log.parquet"
    pq.write_table(pa.Table.from_pandas(cdnow, preserve_index=False), parquet_path)
    return csv_path, parquet_path


def test_read_csv_and_parquet(cdnow: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv_path, parquet_path = cdnow_files(cdnow, tmp_path)
    want = crmkit.read_transactions(cdnow)
    real_import = builtins.__import__

    def without(*names: str) -> Any:
        def fake(name: str, *args: Any, **kwargs: Any) -> Any:
            if name.split(".")[0] in names:
                raise ImportError(name)
            return real_import(name, *args, **kwargs)

        return fake

    readings = {"pyarrow csv": crmkit.read_transactions(csv_path), "parquet": crmkit.read_transactions(parquet_path)}
    with monkeypatch.context() as m:
        m.setattr(builtins, "__import__", without("pyarrow"))
        readings["polars csv"] = crmkit.read_transactions(csv_path)
        readings["polars parquet"] = crmkit.read_transactions(parquet_path)
    with monkeypatch.context() as m:
        m.setattr(builtins, "__import__", without("pyarrow", "polars"))
        readings["csv module"] = crmkit.read_transactions(csv_path)
        with pytest.raises(crmkit.ConfigError, match="Parquet needs pyarrow or polars"):
            crmkit.read_transactions(parquet_path)
    for how, got in readings.items():
        np.testing.assert_array_equal(got["customer_id"], want["customer_id"], err_msg=how)
        np.testing.assert_array_equal(got["timestamp"], want["timestamp"], err_msg=how)
        np.testing.assert_array_equal(got["amount"], want["amount"], err_msg=how)


def test_report_from_a_path_equals_the_table(rep: crmkit.Report, cdnow: pd.DataFrame, tmp_path: Path) -> None:
    _, parquet_path = cdnow_files(cdnow, tmp_path)
    r = crmkit.report(parquet_path, as_of=AS_OF, figures=False, progress=False, output=tmp_path / "p.html")
    assert (tmp_path / "p.html").stat().st_size > 10_000
    assert table(r, "tiers", "Tiers") == table(rep, "tiers", "Tiers")
    assert r.text().splitlines()[1:] == rep.text().splitlines()[1:]
    assert "from log.parquet" in r.html()


def test_string_ids_and_other_column_names() -> None:
    log = {
        "who": np.array(["b", "a", "b", "c", "a", "a"], dtype=object),
        "day": np.array(["20240105", "20240201", "20240301", "20240401", "20240601", "20240901"]),
        "eur": np.array([10.0, 20.0, 30.0, 5.0, 15.0, 25.0]),
    }
    r = crmkit.report(log, customer_id="who", timestamp="day", amount="eur", date_format="%Y%m%d", figures=False, progress=False)
    assert r.as_of.isoformat() == "2024-09-01"  # default: the last purchase's day
    _, rows = section(r, "top").tables[0][1:]
    assert {row[0] for row in rows} == {"a", "b", "c"}
    assert rows[0][0] == "a"  # 3 purchases, the latest: the best RFM score


@pytest.mark.parametrize(
    ("kwargs", "error", "field", "match"),
    [
        ({"amount": "price"}, crmkit.ConfigError, "amount", r"no column 'price'"),
        ({"as_of": "1998-13-01"}, crmkit.ConfigError, "as_of", r"1998-13-01"),
        ({"as_of": "1997-01-15"}, crmkit.CrmkitError, None, r"after"),
    ],
)
def test_bad_input(cdnow: pd.DataFrame, kwargs: dict[str, Any], error: type, field: str | None, match: str) -> None:
    with pytest.raises(error, match=match) as info:
        crmkit.report(cdnow, figures=False, progress=False, **kwargs)
    if field is not None:
        assert info.value.field == field


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(crmkit.ConfigError, match="no such file") as info:
        crmkit.read_transactions(tmp_path / "missing.csv")
    assert info.value.field == "path"
    (tmp_path / "log.xlsx").write_text("x")
    with pytest.raises(crmkit.ConfigError, match=r"expected a \.csv or \.parquet"):
        crmkit.read_transactions(tmp_path / "log.xlsx")
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,timestamp,amount\n1,2024-01-05,10\n2,yesterday,5\n")
    with pytest.raises(crmkit.InvalidValueError, match=r"row 1: 'yesterday' is not a date") as info:
        crmkit.read_transactions(bad)
    assert (info.value.field, info.value.row) == ("timestamp", 1)
    ints = tmp_path / "ints.csv"
    ints.write_text("customer_id,timestamp,amount\n1,20240105,10\n")
    with pytest.raises(crmkit.CrmkitError, match="date_format"):
        crmkit.read_transactions(ints)
    amounts = tmp_path / "amounts.csv"
    amounts.write_text("customer_id,timestamp,amount\n1,2024-01-05,10\n1,2024-01-06,\n")
    with pytest.raises(crmkit.CrmkitError, match="amount") as info:
        crmkit.report(amounts, figures=False, progress=False)
    assert info.value.row == 1


def test_cli(cdnow: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path, _ = cdnow_files(cdnow, tmp_path)
    assert cli.main(["report", str(csv_path), "--as-of", AS_OF, "--no-figures", "-q"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("crmkit report as of 1998-06-30: 6,919 transactions, 2,357 customers") and out.err == ""
    html = tmp_path / "out.html"
    assert cli.main(["report", str(csv_path), "--as-of", AS_OF, "--no-figures", "-o", str(html), "--title", "CDNOW <test>"]) == 0
    assert "<h1>CDNOW &lt;test&gt;</h1>" in html.read_text(encoding="utf-8")
    assert capsys.readouterr().err.strip().endswith(f"wrote {html}")
    assert cli.main(["report", str(csv_path), "--customer-id", "client", "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crmkit report: error: invalid `customer_id`: no column 'client'") and err.count("\n") == 1
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["report"])
    assert exit_info.value.code == 2


def test_progress_only_when_asked_or_on_a_terminal(cdnow: pd.DataFrame, capsys: pytest.CaptureFixture[str]) -> None:
    crmkit.report(cdnow.head(200), figures=False)  # stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""
    crmkit.report(cdnow.head(200), figures=False, progress=True)
    err = capsys.readouterr().err
    assert "[1/9] reading the transaction log" in err and "[9/9] writing" in err and err.endswith("s)\n")


def test_repr_and_notebook_display(rep: crmkit.Report) -> None:
    assert repr(rep) == "Report('Customer report, 1998-06-30', as_of=1998-06-30, 6,919 transactions, 2,357 customers, 7 sections)"
    shown = rep._repr_html_()
    assert shown.startswith('<div class="crmkit-report">') and "<html" not in shown and "<h2>Churn warnings</h2>" in shown
    css = shown.split("<style>", 1)[1].split("</style>", 1)[0]
    rules = [line for line in css.splitlines() if line]
    assert rules and all(line.startswith(".crmkit-report") for line in rules)  # leaves the notebook's own page alone


def test_console_script_is_declared() -> None:
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert 'crmkit = "crmkit.cli:main"' in text
    assert reporting.__all__ == ["Report", "read_transactions", "report"]
