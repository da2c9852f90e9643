"""Issue 12 through the live-book adapter (fake xlwings + LiveBook, the
ribbon buttons): a paid invoice voided and re-billed with Credit Applied
rows, an early-payment discount and a write-off. Figures by hand from the
sample portfolio (tests/excel/conftest.py)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import milebill_xl.excel.buttons as buttons
from milebill_xl.actions.common import load
from milebill_xl.excel.livebook import LiveBook
from milebill_xl.workbook.book import Changes

D = Decimal


def _select(fake, sheet_name: str, address: str) -> None:
    sheet = fake.sheets[sheet_name]
    sheet.activate()
    sheet.range(address).select()


def _figures(fake, number: str):
    r = load(LiveBook(fake)).computation.invoice(number)
    return r.paid, r.balance, r.status


def test_void_of_a_paid_invoice_then_reissue_applies_the_money(open_book):
    fake, app = open_book("small")
    _select(fake, "Invoices", "A2")          # INV-2026-0001: M-101, 24,000.00, paid in full
    app.alert_answers = ["yes"]
    app.api.answers = ["client asked for a split"]
    result = buttons._run_void_invoice(fake, app)
    assert "A credit note reversing all of it (24,000.00 USD)" in app.alerts[-2]["prompt"]
    assert (result.credit_note.invoice_no, result.credit_note.total) == ("CN-2026-0002", D("-24000.00"))
    assert "24,000.00 USD received is the client's credit" in app.alerts[-1]["prompt"]
    assert _figures(fake, "INV-2026-0001") == (D("24000.00"), D("-24000.00"), "Void")
    live = LiveBook(fake)
    data, _ = live.load()
    m = next(m for m in data.milestones if m.milestone_id == "M-101")
    assert (m.approval, m.approved_by, m.approval_date, m.approval_requested) == \
        ("Pending", "", None, date(2026, 11, 25))

    changes = Changes()                      # the client approves again, in Excel
    changes.set("tblMilestones", "Approval", m.row, "Approved")
    live.apply(changes)
    app.alert_answers = ["yes"]
    issued = buttons._run_issue_invoices(fake, app)
    again = next(i for i in issued.issued if i.milestone_id == "M-101")
    assert (again.invoice.invoice_no, again.invoice.total, again.credit_applied) == \
        ("INV-2026-0007", D("24000.00"), D("24000.00"))
    data, _ = LiveBook(fake).load()
    assert [(p.invoice_no, p.amount, p.kind, p.reference) for p in data.payments[-2:]] == [
        ("INV-2026-0001", D("-24000.00"), "Credit Applied", "INV-2026-0007"),
        ("INV-2026-0007", D("24000.00"), "Credit Applied", "INV-2026-0001")]
    assert _figures(fake, "INV-2026-0001") == (D("0.00"), D("0.00"), "Void")
    assert _figures(fake, "INV-2026-0007") == (D("24000.00"), D("0.00"), "Paid")


def test_record_payment_within_the_discount_window_takes_the_discount(open_book):
    fake, app = open_book("small")
    _select(fake, "Invoices", "A7")          # INV-2026-0006: EUR 89,250.00, 2/10 Net 30, 2026-11-15
    app.api.answers = ["87,465.00", "2026-11-25", "SEPA 41"]
    result = buttons._run_record_payment(fake, app)
    assert app.alerts[-1]["prompt"] == (
        "Recorded 87,465.00 EUR on INV-2026-0006 (2026-11-25) and an early-payment discount "
        "of 1,785.00 EUR: balance 0.00 EUR, Paid.")
    assert [(r.kind, r.amount) for r in result.rows] == [("Payment", D("87465.00")),
                                                         ("Discount", D("1785.00"))]
    assert _figures(fake, "INV-2026-0006") == (D("87465.00"), D("0.00"), "Paid")


def test_record_payment_offers_a_write_off_within_the_limit(open_book):
    fake, app = open_book("small")
    live = LiveBook(fake)
    changes = Changes()
    changes.settings["Write-off Limit"] = 5
    live.apply(changes)
    _select(fake, "Invoices", "A5")          # INV-2026-0004: 36,000.00, 10,000.00 paid
    app.api.answers = ["25998.00", "2026-11-25", "ACH 9"]
    app.alert_answers = ["yes"]
    result = buttons._run_record_payment(fake, app)
    assert app.alerts[-2]["prompt"] == ("Write off the remaining 2.00 USD of INV-2026-0004? "
                                        "(Write-off Limit 5.00 USD)")
    assert [(r.kind, r.amount) for r in result.rows] == [("Payment", D("25998.00")),
                                                         ("Write-off", D("2.00"))]
    assert _figures(fake, "INV-2026-0004") == (D("35998.00"), D("0.00"), "Paid")
