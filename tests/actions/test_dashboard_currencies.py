"""The Dashboard for any number of currencies (issue 12 item 10): one
column per currency held, every figure a native formula with its cached
value, charts only where a currency is, and the printout still two pages.
Figures are written out by hand."""
from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from milebill_xl.office import convert, recalculate
from milebill_xl.template.builder import build_workbook
from milebill_xl.xlsx.patch import Patcher
from recalc_check import cached_mismatches, engine_mismatches

from .conftest import SELLER, cli

AS_OF = date(2026, 11, 25)
#: currency -> contract value, one project each, in this sheet order
EIGHT = {"USD": 1000, "EUR": 2000, "JPY": 3000000, "KWD": 4000.5, "GBP": 5000,
         "CHF": 6000, "BHD": 7000.25, "SEK": 80000}


def _book(path: Path, contracts: dict[str, float]) -> Path:
    """One project per currency, its whole value billed by one milestone
    planned for December 2026."""
    projects, milestones = [], []
    for k, (cur, value) in enumerate(contracts.items(), start=1):
        projects.append({"Project ID": f"P{k}", "Project": f"Work {cur}", "Client": f"Client {k}",
                         "Contract Value": value, "Currency": cur, "Tax Rate": 0,
                         "Payment Terms": "Net 30"})
        milestones.append({"Milestone ID": f"M{k}", "Project ID": f"P{k}", "Milestone": "All",
                           "Basis": "Percent", "Percent": 1, "Status": "Planned",
                           "Planned Date": date(2026, 12, 15)})
    return build_workbook(path, settings=dict(SELLER), projects=projects, milestones=milestones)


@pytest.fixture(scope="module")
def eight(tmp_path_factory) -> Path:
    path = _book(tmp_path_factory.mktemp("eight") / "eight.xlsx", EIGHT)
    assert cli("refresh", path).exit_code == 0
    return path


def _rows(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Dashboard").to_python(
        skip_empty_area=False)


def _at(rows, ref: str):
    col = 0
    letters = ref.rstrip("0123456789")
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    row = rows[int(ref[len(letters):]) - 1]
    return row[col - 1] if col - 1 < len(row) else None


def test_every_currency_gets_its_column_of_figures(eight):
    rows = _rows(eight)
    codes = [_at(rows, f"{c}5") for c in "IJKLMNOP"]
    assert codes == ["USD", "EUR", "JPY", "KWD", "GBP", "CHF", "BHD", "SEK"]
    assert _at(rows, "Q5") in (None, "")
    # Contract (row 6) and Unbilled (row 8): nothing is billed yet
    contract = [_at(rows, f"{c}6") for c in "IJKLMNOP"]
    assert contract == [1000, 2000, 3000000, 4000.5, 5000, 6000, 7000.25, 80000]
    assert [_at(rows, f"{c}8") for c in "IJKLMNOP"] == contract
    # expected billing: all of it in December (row 26), nothing in November
    assert [_at(rows, f"{c}26") for c in "IJKLMNOP"] == contract
    assert [_at(rows, f"{c}25") for c in "IJKLMNOP"] == [0] * 8
    # the eighth currency is no note: its formulas are there like the first's
    wb = load_workbook(eight)
    ws = wb["Dashboard"]
    assert ws["P6"].value.startswith("=IF(P$5=\"\",\"\",ROUND(SUMIFS(tblProjects[Contract Value]")
    assert ws["P6"].number_format == "#,##0.00" and ws["P21"].alignment.horizontal == "right"
    # a chart band names each currency; the ninth chart has none
    assert [_at(rows, a) for a in ("B5", "D5", "F5", "B17", "D17", "F17", "B29", "D29", "F29")] \
        == ["USD", "EUR", "JPY", "KWD", "GBP", "CHF", "BHD", "SEK", ""]
    assert _at(rows, "B41") in (None, "")      # no note: every currency has its chart


def test_columns_refresh_adds_look_like_the_template_s(tmp_path):
    """A blank new workbook, projects typed in later: the columns refresh
    writes take their rows' formats (in Excel too, which reads a cell's own
    style, not its row's)."""
    book = tmp_path / "new.xlsx"
    assert cli("new", book, "--as-of", "2026-11-25").exit_code == 0
    source = tmp_path / "projects.csv"
    source.write_text("Project ID,Project,Client,Contract Value,Currency\n"
                      "P-1,Bridge,Harbour Council,1000,USD\nP-2,Tunnel,Metro KK,2000000,JPY\n")
    assert cli("import", book, source, "--as-of", "2026-11-25").exit_code == 0
    ws = load_workbook(book)["Dashboard"]
    assert (ws["I5"].value, ws["J5"].value) == ("USD", "JPY") and ws["J6"].value.startswith("=IF(J$5")
    assert ws["J5"].alignment.horizontal == "center"
    assert [ws[f"J{r}"].number_format for r in (6, 12, 16, 20, 25, 29)] == ["#,##0.00"] * 6
    assert ws["J21"].alignment.horizontal == "right"              # DSO


def test_a_currency_no_longer_held_leaves_its_column(eight, tmp_path):
    path = tmp_path / "seven.xlsx"
    path.write_bytes(eight.read_bytes())
    p = Patcher.open(path)
    p.update_rows("tblProjects", {7: {"Currency": "EUR"}})     # P8 SEK -> EUR
    p.save()
    assert cli("refresh", path).exit_code == 0
    rows = _rows(path)
    assert [_at(rows, f"{c}5") or None for c in "IJKLMNOP"] == \
        ["USD", "EUR", "JPY", "KWD", "GBP", "CHF", "BHD", None]
    assert _at(rows, "J6") == 82000                             # 2,000 + 80,000 EUR
    ws = load_workbook(path)["Dashboard"]
    assert all(ws[f"P{r}"].value is None for r in range(5, 34))
    assert ws["D29"].value == '=IF($P$5="","",$P$5)'          # the band formula stays


def test_more_currencies_than_charts_and_a_wider_printout(tmp_path):
    more = dict(EIGHT, NOK=1000, DKK=2000, PLN=3000, CZK=4000, HUF=5000)
    path = _book(tmp_path / "thirteen.xlsx", more)
    ran = cli("refresh", path)
    assert ran.exit_code == 0
    note = ("Charts for the first 9 currencies; the tables show every currency, "
            "also DKK, PLN, CZK, HUF.")
    assert "note: " + note in ran.output
    ws = load_workbook(path)["Dashboard"]
    assert ws["U5"].value == "HUF" and ws["U6"].value.startswith("=IF(U$5")
    assert ws["B41"].value == note
    # the print area takes in the thirteenth column (U)
    assert ws.print_area == "'Dashboard'!$A$1:$U$95"
    out = __import__("json").loads(cli("refresh", path, "--json").output)
    assert out["currencies_without_chart"] == ["DKK", "PLN", "CZK", "HUF"]


# ------------------------------------------------------------ LibreOffice

def _pages(pdf: Path) -> list[str]:
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout).group(1))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(k), "-l", str(k), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
            for k in range(1, n + 1)]


@pytest.mark.libreoffice
def test_libreoffice_computes_and_prints_eight_currencies(eight, tmp_path):
    out, = recalculate([eight], tmp_path / "recalc")
    mismatches, compared = cached_mismatches(eight, out)
    assert mismatches == [] and compared > 500
    assert engine_mismatches(out, AS_OF)[0] == []
    rows = _rows(out)
    assert [_at(rows, f"{c}6") for c in "IJKLMNOP"] == \
        [1000, 2000, 3000000, 4000.5, 5000, 6000, 7000.25, 80000]

    pdf, = convert([eight], "pdf", tmp_path / "pdf")
    pages = _pages(pdf)
    dashboard = [p for p in pages if re.search(r"^\s*Dashboard\s+Page", p, re.M)]
    assert len(dashboard) == 2
    first, second = dashboard
    # each currency with its own minor unit: JPY none, KWD and BHD three
    for text in ("1,000.00", "2,000.00", "3,000,000", "4,000.500", "5,000.00", "6,000.00",
                 "7,000.250", "80,000.00"):
        assert text in first, text
    assert "3,000,000.00" not in first and "4,000.50 " not in first
    # all eight charts on page 1, each December bar labelled, none cut onto page 2
    for label in ("1.0k", "2.0k", "3.0M", "4.0k", "5.0k", "6.0k", "7.0k", "80.0k"):
        assert label in first and label not in second, label
    assert "Milestone timeline" in second and "Milestone timeline" not in first


def _words(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html)]


def _ink_in_chart_grid(pdf: Path) -> int:
    """Dark pixels of page 1 between the charts' title and the last figure
    row, left of the figures: where the charts are drawn."""
    words = _words(pdf, 1)
    title = next(w for w in words if w[0] == "Milestone")        # Milestone billing dashboard
    totals = next(w for w in words if w[0] == "Totals")
    bottom = next(w for w in words if w[0] == "payment")          # Days to full payment
    dpi = 72
    left, top = title[1], totals[4] + 2
    width, height = totals[1] - 6 - left, bottom[4] - top
    out = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
                    "-x", str(int(left)), "-y", str(int(top)), "-W", str(int(width)),
                    "-H", str(int(height)), str(pdf), str(out)], check=True)
    data = out.with_suffix(".pgm").read_bytes()
    # P5 header: magic, width, height, maxval, each ended by whitespace
    fields = data.split(maxsplit=4)
    pixels = fields[4]
    return sum(1 for b in pixels if b < 200)


@pytest.mark.libreoffice
def test_a_blank_new_workbook_shows_no_empty_chart_frames(tmp_path):
    blank = tmp_path / "blank.xlsx"
    assert cli("new", blank).exit_code == 0
    demo = tmp_path / "demo.xlsx"
    assert cli("new", demo, "--demo", "--as-of", "2026-11-25").exit_code == 0
    blank_pdf, demo_pdf = convert([blank, demo], "pdf", tmp_path / "pdf")
    first = _pages(blank_pdf)[0]
    assert "Totals by currency" in first and "Expected billing by month" not in first
    # no month names under charts ("Nov 26") and no currency bands
    assert not re.search(r"\b[A-Z][a-z]{2} \d{2}\b", first)
    assert _ink_in_chart_grid(blank_pdf) == 0
    # the same place in the demo holds its charts
    assert _ink_in_chart_grid(demo_pdf) > 1000


def test_the_live_workbook_gets_a_column_per_currency(tmp_path):
    import sys
    sys.path.insert(0, str(Path(__file__).parents[1] / "excel"))
    from fake_xlwings import FakeApp, FakeBook

    from milebill_xl.actions import refresh
    from milebill_xl.excel.livebook import LiveBook

    path = _book(tmp_path / "live.xlsx", dict(EIGHT, NOK=1000, DKK=2000, PLN=3000, CZK=4000,
                                              HUF=5000))
    fake = FakeBook.from_xlsx(FakeApp(), path)
    result = refresh.run(LiveBook(fake))
    assert result.errors == () and result.uncharted == ("DKK", "PLN", "CZK", "HUF")
    dash = fake.sheets["Dashboard"]
    assert [dash.get(f"{c}5") for c in "IJKLMNOPQRSTU"] == [
        "USD", "EUR", "JPY", "KWD", "GBP", "CHF", "BHD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF"]
    assert dash.formula_at("U6").startswith('=IF(U$5="","",ROUND(SUMIFS(tblProjects[Contract Value]')
    assert dash.get("B41").startswith("Charts for the first 9 currencies")
    assert dash.page_setup.print_area == "$A$1:$U$95"
