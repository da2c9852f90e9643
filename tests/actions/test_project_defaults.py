"""A project's blank Currency, Tax Rate and Payment Terms show the Settings
default, greyed (issue 15 item 2): refresh writes a formula (=DefaultCurrency)
into the blank cell, a value typed over it overrides it, and the rules read
it as the default it is."""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from milebill_xl.actions import refresh
from milebill_xl.office import convert
from milebill_xl.workbook.reader import read_book
from milebill_xl.xlsx.patch import Patcher

from .conftest import SELLER, cli, make_book

sys.path.insert(0, str(Path(__file__).parents[1] / "excel"))
from fake_xlwings import FakeApp, FakeBook  # noqa: E402

from milebill_xl.excel.livebook import LiveBook  # noqa: E402

SETTINGS = dict(SELLER, **{"Default Currency": "EUR", "Default Tax Rate": Decimal("0.2"),
                           "Default Payment Terms": "Net 14"})


def _projects():
    return [
        {"Project ID": "P1", "Project": "Typed", "Client": "A", "Contract Value": 1000,
         "Currency": "USD", "Tax Rate": 0, "Payment Terms": "Net 30"},
        {"Project ID": "P2", "Project": "Defaults", "Client": "B", "Contract Value": 2000},
    ]


def _milestones():
    return [{"Milestone ID": f"M{k}", "Project ID": f"P{k}", "Milestone": "All",
             "Basis": "Percent", "Percent": 1, "Status": "Planned",
             "Planned Date": date(2026, 12, 1)} for k in (1, 2)]


@pytest.fixture
def book(tmp_path) -> Path:
    path = make_book(tmp_path / "defaults.xlsx", SETTINGS, _projects(), _milestones())
    assert cli("refresh", path).exit_code == 0
    return path


def _project_cells(path: Path, row: int) -> tuple[list, list]:
    """(formulas, shown values) of Currency, Tax Rate, Payment Terms in a
    Projects sheet row."""
    ws = load_workbook(path)["Projects"]
    head = [c.value for c in ws[1]]
    cols = [head.index(h) for h in ("Currency", "Tax Rate", "Payment Terms")]
    formulas = [ws.cell(row=row, column=c + 1).value for c in cols]
    shown = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Projects").to_python()
    return formulas, [shown[row - 1][c] for c in cols]


def test_blank_cells_show_the_settings_defaults(book):
    assert _project_cells(book, 2) == (["USD", 0, "Net 30"], ["USD", 0.0, "Net 30"])
    assert _project_cells(book, 3) == (
        ["=DefaultCurrency", "=DefaultTaxRate", "=DefaultPaymentTerms"], ["EUR", 0.2, "Net 14"])
    data, _ = read_book(book)
    p2 = data.projects[1]
    assert (p2.currency, p2.tax_rate, p2.payment_terms) == ("EUR", Decimal("0.2"), "Net 14")
    # greyed when the cell holds a formula (a typed value stays black)
    ws = load_workbook(book)["Projects"]
    rules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in ws.conditional_formatting}
    assert rules["H2:H5001"] == ["_xlfn.ISFORMULA(H2)"]
    assert rules["I2:I5001"] == ["_xlfn.ISFORMULA(I2)"]
    assert rules["J2:J5001"] == ["_xlfn.ISFORMULA(J2)"]
    # a second refresh finds them up to date
    before = book.read_bytes()
    assert cli("refresh", book).exit_code == 0
    assert _project_cells(book, 3)[0] == ["=DefaultCurrency", "=DefaultTaxRate",
                                         "=DefaultPaymentTerms"]
    assert len(book.read_bytes()) == len(before)


def test_a_typed_value_overrides_and_a_cleared_cell_shows_the_default_again(book):
    p = Patcher.open(book)
    p.update_rows("tblProjects", {1: {"Currency": "JPY", "Payment Terms": None}})
    p.save()
    assert cli("refresh", book).exit_code == 0
    formulas, shown = _project_cells(book, 3)
    assert formulas == ["JPY", "=DefaultTaxRate", "=DefaultPaymentTerms"]
    assert shown == ["JPY", 0.2, "Net 14"]
    data, _ = read_book(book)
    assert data.projects[1].currency == "JPY"
    # M2 is now 2,000 JPY: the Dashboard's JPY column has it
    dash = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Dashboard").to_python(
        skip_empty_area=False)
    assert dash[4][8:11] == ["USD", "JPY", ""] and dash[5][8:10] == [1000.0, 2000.0]


def test_the_live_workbook_gets_the_same_formulas(tmp_path):
    path = make_book(tmp_path / "live.xlsx", SETTINGS, _projects(), _milestones())
    fake = FakeBook.from_xlsx(FakeApp(), path)
    result = refresh.run(LiveBook(fake))
    assert result.errors == ()
    sheet = fake.sheets["Projects"]
    assert [sheet.formula_at(a) for a in ("H3", "I3", "J3")] == \
        ["=DefaultCurrency", "=DefaultTaxRate", "=DefaultPaymentTerms"]
    assert [sheet.formula_at(a) for a in ("H2", "I2", "J2")] == [None, None, None]
    assert sheet.get("H2") == "USD"


@pytest.mark.libreoffice
def test_libreoffice_prints_the_defaults_grey(tmp_path):
    path = make_book(tmp_path / "print.xlsx", SETTINGS, _projects(), _milestones())
    assert cli("refresh", path).exit_code == 0
    pdf, = convert([path], "pdf", tmp_path / "pdf")
    page = 3                                                   # Projects, after the Dashboard's two
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                       r'([^<]*)</word>', html)

    def darkest(text: str) -> int:
        x0, y0, x1, y1, _ = next(w for w in words if w[4] == text)
        out = tmp_path / f"w{text.replace(' ', '')}"
        subprocess.run(["pdftoppm", "-gray", "-r", "288", "-f", str(page), "-l", str(page),
                        "-singlefile", "-x", str(int(float(x0) * 4)), "-y", str(int(float(y0) * 4)),
                        "-W", str(int((float(x1) - float(x0)) * 4) + 1),
                        "-H", str(int((float(y1) - float(y0)) * 4) + 1), str(pdf), str(out)],
                       check=True)
        return min(out.with_suffix(".pgm").read_bytes().split(maxsplit=4)[4])

    # P1's typed USD and Net 30 print black, P2's defaults EUR and Net 14 grey
    assert darkest("USD") < 60 and darkest("30") < 60
    assert 110 < darkest("EUR") < 180 and 110 < darkest("14") < 180   # #808080 is 128
