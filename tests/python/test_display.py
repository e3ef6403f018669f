"""Rich display: ``_repr_html_``, ``__repr__`` and ``__str__`` of fitted models and result objects.

Each test parses the HTML the notebook would show (with the standard library's HTMLParser) and
checks that the numbers in it are the object's own (to the 4 significant digits shown), that the
facts (convergence, sizes) are there, that text is escaped, and that the one-line repr names
the parameters with their standard errors.
"""

from __future__ import annotations

import math
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import crmkit
from crmkit import _display


class Tables(HTMLParser):
    """Every <table> of a fragment as a list of rows of cell texts (header rows included)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.tags: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[-1].append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-")) if text != "–" else math.nan


def facts(html: str) -> dict[str, str]:
    return {row[0]: row[1] for row in Tables(html).tables[0][1:]}


def param_table(html: str) -> dict[str, list[float]]:
    table = Tables(html).tables[1]
    assert table[0] == ["param", "estimate", "std_error", "lower_95", "upper_95"]
    return {row[0]: [number(c) for c in row[1:]] for row in table[1:]}


@pytest.fixture(scope="module")
def summary(cdnow: pd.DataFrame) -> pd.DataFrame:
    with pytest.warns(crmkit.CrmkitWarning, match="after as_of"):
        return crmkit.btyd_summary(cdnow, as_of="1997-09-30", unit="weeks", after_as_of="exclude")


def check_model(model: object, n_customers: int | None) -> tuple[str, str]:
    html = model._repr_html_()  # type: ignore[attr-defined]
    shown = param_table(html)
    params, se = model.params_, model.standard_errors_  # type: ignore[attr-defined]
    assert list(shown) == list(params)
    for name, (est, err, lower, upper) in shown.items():
        # 4 significant digits shown (crmkit._display.fmt)
        assert est == pytest.approx(params[name], rel=5e-4)
        assert err == pytest.approx(se[name], rel=5e-3)
        assert lower == pytest.approx(params[name] - 1.959963984540054 * se[name], rel=5e-3, abs=1e-4)
        assert upper == pytest.approx(params[name] + 1.959963984540054 * se[name], rel=5e-3, abs=1e-4)
    f = facts(html)
    assert f["converged"].startswith("yes, ")
    assert number(f["log-likelihood"]) == pytest.approx(model.log_likelihood_, abs=0.01)  # type: ignore[attr-defined]
    if n_customers is not None:
        assert number(f["customers"]) == n_customers
    text = repr(model)
    assert "\n" not in text and text.startswith(type(model).__name__ + "(")
    for name in params:
        assert f"{name}=" in text
    assert " ± " in text
    return html, text


# Published values: Fader, Hardie & Lee (2005) BG/NBD r 0.2426 α 4.4136 a 0.7930 b 2.4261,
# LL −9582.43 (data/README.md), on the 2,357 CDNOW customers; Gamma–Gamma on the 946 repeaters.
def test_bgnbd_display(summary: pd.DataFrame) -> None:
    html, text = check_model(crmkit.BgNbd().fit(summary), 2357)
    assert text.startswith("BgNbd(r=0.2426 ± ") and text.endswith(", 2,357 customers)")
    ll = number(text.split("log-likelihood ")[1].split(", 2,357")[0])
    assert ll == pytest.approx(-9582.43, abs=0.01)
    assert "BgNbd, fitted" in html
    lines = str(crmkit.BgNbd().fit(summary)).splitlines()
    assert lines[0] == "BgNbd, fitted" and lines[1].strip() == "customers: 2,357"


def test_other_transaction_models_display(summary: pd.DataFrame) -> None:
    check_model(crmkit.ParetoNbd().fit(summary), 2357)
    check_model(crmkit.MbgNbd().fit(summary), 2357)


def test_gamma_gamma_display(summary: pd.DataFrame) -> None:
    _, text = check_model(crmkit.GammaGamma().fit(summary), 946)
    # Fader & Hardie (2013): p 6.2488, q 3.7446, γ 15.4477 (to 1e-3 relative, as test_clv.py)
    assert float(text.split("p=")[1].split(" ")[0]) == pytest.approx(6.2488, rel=1e-3)
    assert text.endswith("946 customers)")


def test_bgbb_and_sbg_display() -> None:
    d = pd.read_csv(__import__("pathlib").Path(__file__).resolve().parents[2] / "data" / "cdnow" / "donations.csv")
    check_model(crmkit.BgBb(x="frequency", t_x="recency", n="periods", weights="weights").fit(d), 11_104)
    sbg = crmkit.ShiftedBetaGeometric().fit([100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1])
    check_model(sbg, None)


def test_models_from_parameters_and_unfitted() -> None:
    bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
    assert repr(bg) == "BgNbd(r=0.2426, alpha=4.414, a=0.793, b=2.426; from parameters)"
    html = bg._repr_html_()
    assert facts(html)["fit"] == "built from parameters (no fit facts)"
    assert all(math.isnan(v[1]) for v in param_table(html).values())  # no standard errors
    assert repr(crmkit.GammaGamma()) == "GammaGamma(not fitted)"
    assert "not fitted" in crmkit.ParetoNbd()._repr_html_()


def test_logistic_regression_display() -> None:
    # The doctest data of LogisticRegression.summary: statsmodels Logit gives intercept 3.501
    # (se 3.232), tenure −0.624 (0.501), tickets −0.623 (1.009), to 3 decimals.
    X = pd.DataFrame({"tenure": [1.0, 2, 3, 4, 5, 6, 7, 8], "tickets": [3.0, 1, 2, 0, 2, 0, 1, 0]})
    y = [1, 1, 0, 1, 0, 0, 1, 0]
    model = crmkit.LogisticRegression().fit(X, y)
    html = model._repr_html_()
    table = Tables(html).tables[1]
    assert table[0] == ["term", "coef", "std_err", "z", "p_value"]
    rows = {r[0]: [number(c) for c in r[1:]] for r in table[1:]}
    assert rows["intercept"][:2] == pytest.approx([3.501, 3.232], abs=1e-3)
    assert rows["tenure"][:2] == pytest.approx([-0.624, 0.501], abs=1e-3)
    assert rows["tickets"][:2] == pytest.approx([-0.623, 1.009], abs=1e-3)
    f = facts(html)
    assert f["observations"] == "8" and f["features"] == "2" and f["converged"].endswith("Newton iterations")
    text = repr(model)
    assert text.startswith("LogisticRegression() fitted on 8 rows: intercept=3.501 ± 3.2, tenure=-0.6238 ± 0.5")
    assert repr(crmkit.LogisticRegression(C=2.0)) == "LogisticRegression(C=2.0)"
    penalised = crmkit.LogisticRegression(C=1.0).fit(X, y)
    assert "no standard errors" in penalised._repr_html_()
    assert " ± " not in repr(penalised)


def test_rfm_model_display(cdnow: pd.DataFrame) -> None:
    with pytest.warns(crmkit.CrmkitWarning):
        model = crmkit.RfmModel(normalization="minmax").fit(cdnow, as_of="1998-06-30")
    html = model._repr_html_()
    f = facts(html)
    assert f["customers"] == "2,357" and f["scores"] == "1..5"
    table = Tables(html).tables[1]
    assert [r[0] for r in table[1:]] == ["days_since_last", "frequency", "monetary"]
    assert isinstance(model.score_fit_, crmkit.MinMaxFit)
    r_min, r_max, r_n = model.score_fit_.days_since_last
    assert number(table[1][1]) == r_min and number(table[1][2]) == r_max and number(table[1][3]) == r_n
    assert table[2][4] == ", ".join(_display.fmt(c) for c in model.bins_[1].cuts)
    assert repr(model).endswith("fitted on 2,357 customers)")
    assert "not fitted" in crmkit.RfmModel()._repr_html_()


def test_feedback_results_display() -> None:
    # crmkit.nps doctest: 100 promoters, 60 passives, 40 detractors -> NPS 30, Wald [19.18, 40.82].
    r = crmkit.nps(np.repeat([10, 8, 3], [100, 60, 40]))
    html = r._repr_html_()
    f = facts(html)
    assert f["NPS"] == "30" and f["95% interval (wald)"] == "[19.18, 40.82]" and f["respondents"] == "200"
    groups = Tables(html).tables[1]
    assert groups[1:] == [["promoters", "9–10", "100", "50.0%"], ["passives", "7–8", "60", "30.0%"], ["detractors", "0–6", "40", "20.0%"]]
    assert repr(r) == "NpsResult(nps=30, 95% interval [19.18, 40.82] (wald), 200 respondents: 100 promoters, 60 passives, 40 detractors)"

    c = crmkit.compare_nps((100, 60, 40), (80, 60, 60))
    f = facts(c._repr_html_())
    assert f["difference"] == "20" and number(f["p-value (two-sided)"]) == pytest.approx(0.0131, abs=5e-5)
    assert repr(c).startswith("NpsComparison(difference=20 (a 30 − b 10)")

    s = crmkit.csat(np.repeat([5, 4, 2], [100, 72, 28]))
    html = s._repr_html_()
    f = facts(html)
    assert f["top-two-box share (4–5)"] == "86.0%" and f["95% interval (wilson)"] == "[80.5%, 90.1%]"
    dist = Tables(html).tables[1]
    assert [int(row[1]) for row in dist[1:]] == [0, 28, 0, 72, 100]
    assert "answers 1..5: [0, 28, 0, 72, 100]" in repr(s)


def test_html_is_escaped_and_self_contained() -> None:
    html = _display.to_html(_display.Summary("a <b> & c", [("x<y", "<script>")], [("cap<", ["h&"], [["<i>"]])]))
    assert "<script>" not in html and "&lt;script&gt;" in html and "a &lt;b&gt; &amp; c" in html
    assert "http" not in html


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.24261, "0.2426"), (4413.6, "4,414"), (12345.6, "12,346"), (2357, "2,357"), (float("nan"), "–"), (None, "–"),
     (True, "yes"), (1.5e-12, "1.5e-12"), (-9582.43, "-9,582"), (np.int64(7), "7"), (np.float64(0.5), "0.5"), (float("inf"), "∞")],
)
def test_fmt(value: object, text: str) -> None:
    assert _display.fmt(value) == text


def test_compiled_fitted_parts_show_html_summaries():
    """MinMaxFit, QuantileBins, SegmentRules, ChurnIndexOptions and Playbook render the same
    escaped HTML table layout as the Python models, with their own numbers."""
    import numpy as np

    import crmkit

    r, f, m = np.array([3.0, 40.0, 10.0]), np.array([5.0, 1.0, 2.0]), np.array([120.0, 10.0, 30.0])
    fit = crmkit.MinMaxFit.fit(r, f, m)
    page = fit._repr_html_()
    assert page.count("<tr>") == 6 and "days_since_last" in page and ">40<" in page and ">120<" in page
    bins, _ = crmkit.QuantileBins.fit_apply(np.array([1.0, 1, 1, 1, 5]), k=3)
    page = bins._repr_html_()
    assert "hold nobody" in page and page.count("<tr>") == 1 + 2 + 1 + 3  # facts (hidden header, 2 rows), header, 3 scores
    rules = crmkit.SegmentRules.rf_grid()
    page = rules._repr_html_()
    assert all(name in page for name in rules.names)
    opts = crmkit.ChurnIndexOptions()
    page = opts._repr_html_()
    assert all(name in page for name, _ in opts.weights) and str(opts.red_from) in page
    page = crmkit.Playbook()._repr_html_()
    assert "priority" in page and "<script" not in page
