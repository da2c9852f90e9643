"""The fake keeps xlwings' signatures and Excel's value conventions."""
from __future__ import annotations

import inspect
from datetime import date, datetime

import pytest
import xlwings as xw
from fake_xlwings import FakeApp, FakeBook, FakeRange, FakeSheet, FakeTable, XlError

PAIRS = [
    (FakeRange.options, xw.Range.options), (FakeRange.resize, xw.Range.resize),
    (FakeRange.offset, xw.Range.offset), (FakeRange.get_address, xw.Range.get_address),
    (FakeRange.select, xw.Range.select), (FakeApp.alert, xw.App.alert),
    (FakeTable.resize, xw.main.Table.resize), (FakeSheet.range, xw.Sheet.range),
    (FakeSheet.activate, xw.Sheet.activate), (FakeBook.activate, xw.Book.activate),
]


@pytest.mark.parametrize("fake, real", PAIRS, ids=lambda f: getattr(f, "__qualname__", ""))
def test_signatures_match_xlwings(fake, real):
    names = lambda f: [p.name for p in inspect.signature(f).parameters.values()]  # noqa: E731
    assert names(fake) == names(real)


@pytest.mark.parametrize("name", ["value", "address", "row", "column", "shape", "last_cell",
                                  "size", "count", "sheet", "formula"])
def test_range_properties_exist_in_xlwings(name):
    assert isinstance(getattr(xw.Range, name), property)
    assert isinstance(getattr(FakeRange, name), property)


def test_values_read_and_written_like_excel():
    app = FakeApp()
    book = FakeBook(app, "/tmp/x.xlsx")
    sh = book.sheets.add("S")
    sh.range("A1").value = [[1, "0042", "'0042", date(2026, 1, 2)], [None, "=A1*2", True, 2.5]]
    sh.cells[(3, 1)] = XlError("#N/A")
    assert sh.range("A1:D2").value == [[1.0, 42.0, "0042", datetime(2026, 1, 2)],
                                       [None, None, True, 2.5]]
    assert sh.formula_at("B2") == "=A1*2"
    assert sh.range("A3").value is None
    assert sh.range("A3").options(err_to_str=True).value == "#N/A"
    assert sh.range("A1").options(ndim=2).value == [[1.0]]
    assert sh.range("A1:A2").value == [1.0, None]
    assert sh.range("A1:D1").value == [1.0, 42.0, "0042", datetime(2026, 1, 2)]
    r = sh.range("B2:C3")
    assert (r.row, r.column, r.shape, r.address, r.last_cell.address) == (2, 2, (2, 2), "$B$2:$C$3", "$C$3")
    assert r.resize(1).address == "$B$2:$C$2" and r.offset(1, 1).address == "$C$3:$D$4"
    with pytest.raises(TypeError):
        from decimal import Decimal
        sh.range("A1").value = Decimal("1.5")
    assert app.counter.snapshot() == {"reads": 6, "writes": 1, "selects": 0, "resizes": 0}
    other = book.sheets.add("T")
    with pytest.raises(RuntimeError):
        other.range("A1").select()  # not the active sheet, as in Excel
