"""Issue 13 through the live-book adapter (fake xlwings + LiveBook): the
Issue Invoices button withholds retention and recovers a deposit, and the
Release Retention button invoices what the selected project holds, as the
command line does. Figures by hand: 80,000.00 USD at 8 %, 10 % retention,
15 % deposit (the demo's P-600)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from fake_xlwings import FakeApp, FakeBook

import milebill_xl.excel.buttons as buttons
from milebill_xl.actions.common import load
from milebill_xl.excel.livebook import LiveBook
from milebill_xl.sample import SELLER, construction_project
from milebill_xl.template.builder import build_workbook

D = Decimal
AS_OF = date(2026, 11, 25)


def _open(tmp_path):
    site = construction_project(AS_OF)
    for m in site["milestones"]:
        m.update({"Approval": "Approved", "Approved By": "T. Okafor", "Approval Date": AS_OF})
    path = build_workbook(tmp_path / "site.xlsx", settings={**SELLER, "As Of Date": AS_OF},
                          projects=[site["project"]], milestones=site["milestones"])
    app = FakeApp()
    return FakeBook.from_xlsx(app, path), app


def _select(fake, sheet_name: str, address: str) -> None:
    sheet = fake.sheets[sheet_name]
    sheet.activate()
    sheet.range(address).select()


def test_issue_then_release_retention_from_the_ribbon(tmp_path):
    fake, app = _open(tmp_path)
    app.alert_answers = ["yes"]
    issued = buttons._run_issue_invoices(fake, app)
    assert [(i.invoice.total, i.invoice.retention, i.invoice.deposit_applied)
            for i in issued.issued] == [
        (D("12960.00"), D("0.00"), D("0.00")),
        (D("16200.00"), D("2000.00"), D("3000.00")),
        (D("16200.00"), D("2000.00"), D("3000.00")),
        (D("32400.00"), D("4000.00"), D("6000.00"))]
    assert load(LiveBook(fake)).computation.project("P-600").retention_held == D("8000.00")

    _select(fake, "Milestones", "C3")                 # any row of the project will do
    app.alert_answers = ["no"]
    assert buttons._run_release_retention(fake, app) is None
    assert ("Issue INV-2026-0005 dated 2026-11-25, releasing the retention project P-600 holds: "
            "8,000.00 USD + tax 640.00 USD = 8,640.00 USD?") in app.alerts[-1]["prompt"]
    saves = len(fake.saves)
    app.alert_answers = ["yes"]
    result = buttons._run_release_retention(fake, app)
    assert (result.invoice.invoice_no, result.invoice.total) == ("INV-2026-0005", D("8640.00"))
    assert result.document.exists() and len(fake.saves) == saves + 1
    assert "Released the retention of P-600: INV-2026-0005 for 8,640.00 USD" in app.alerts[-1]["prompt"]
    assert load(LiveBook(fake)).computation.project("P-600").retention_held == D("0.00")
    # pressed again: nothing held, nothing written
    app.counter.reset()
    assert buttons._run_release_retention(fake, app).invoice is None
    assert "Nothing to release: project P-600 holds no retention" in app.alerts[-1]["prompt"]
    assert app.counter.writes == 0


def test_release_needs_a_project_row_selected(tmp_path):
    fake, app = _open(tmp_path)
    _select(fake, "Settings", "B2")
    assert buttons._run_release_retention(fake, app) is None
    assert "first select the project's row on the Projects sheet" in app.alerts[-1]["prompt"]
