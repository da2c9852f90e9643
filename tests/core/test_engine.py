"""compute(): the rules composed over a whole book."""
from milebill_xl.core.records import replace
from datetime import date

import pytest

from milebill_xl.core.engine import Computation, billable_milestones, compute
from milebill_xl.core.records import (COMPLETE, CREDIT_NOTE, PENDING, CANCELLED,
                                      Problem)

from .helpers import D, book, fixed, invoice, payment, pct, project, ready

AS_OF = date(2025, 3, 1)


def portfolio():
    """P1 (USD, Net 30): M1 invoiced and part paid, M2 ready, M3 late.
    P2 (JPY): schedule allocates 90 % only."""
    return book(
        projects=[project("P1", "10000.00", row=0, currency="USD", payment_terms="Net 30"),
                  project("P2", "1000000", row=1, currency="JPY")],
        milestones=[
            ready(pct("M1", "0.3", row=0, invoice_no="INV-2025-0001", invoice_date=date(2025, 1, 10),
                      due_date=date(2025, 2, 9))),
            ready(pct("M2", "0.3", row=1)),
            pct("M3", "0.4", row=2, planned_date=date(2025, 2, 1)),
            ready(pct("M4", "0.5", pid="P2", row=3)),
            pct("M5", "0.4", pid="P2", row=4, planned_date=date(2025, 6, 1)),
        ],
        invoices=[invoice("INV-2025-0001", "3000.00", mid="M1", issue_date=date(2025, 1, 10),
                          due_date=date(2025, 2, 9))],
        payments=[payment("INV-2025-0001", "1000.00", date(2025, 2, 1))],
    )


@pytest.fixture
def comp() -> Computation:
    return compute(portfolio(), AS_OF)


def test_milestone_results(comp):
    m1 = comp.milestone("M1")
    # Due 9 Feb, as of 1 Mar: 19 more days of February + 1 = 20 days overdue.
    assert (m1.amount, m1.paid_amount, m1.balance, m1.days_overdue, m1.flag) == (
        D("3000.00"), D("1000.00"), D("2000.00"), 20, "Overdue")
    m2 = comp.milestone("M2")
    assert (m2.amount, m2.flag, m2.billable, m2.days_overdue) == (D("3000.00"), "Ready to Invoice", True, 0)
    assert (comp.milestone("M3").amount, comp.milestone("M3").flag) == (D("4000.00"), "Behind Schedule")
    assert [m.milestone_id for m in comp.milestones] == ["M1", "M2", "M3", "M4", "M5"]
    assert comp.milestone("M1").row == 0 and comp.milestone("M5").row == 4


def test_jpy_amounts_have_no_decimals_and_failed_schedule_blocks(comp):
    m4, m5 = comp.milestone("M4"), comp.milestone("M5")
    assert (str(m4.amount), str(m5.amount)) == ("500000", "400000")
    assert (m4.flag, m4.billable) == ("Blocked", False)
    assert m5.flag == "Scheduled"
    assert comp.problems == (Problem("tblProjects", 1, "Contract Value",
                                     "Project P2 allocates 900,000 of 1,000,000 (under by 100,000)"),)


def test_invoice_and_project_figures(comp):
    inv = comp.invoice("INV-2025-0001")
    assert (inv.paid, inv.balance, inv.status, inv.row) == (D("1000.00"), D("2000.00"), "Partially Paid", 0)
    p1 = comp.project("P1")
    assert (p1.allocated, p1.billed, p1.unbilled, p1.collected, p1.outstanding) == (
        D("10000.00"), D("3000.00"), D("7000.00"), D("1000.00"), D("2000.00"))
    assert p1.schedule_ok and p1.difference == 0 and p1.can_bill and str(p1.terms) == "Net 30"
    p2 = comp.project("P2")
    assert (p2.schedule_ok, p2.difference, p2.can_bill) == (False, D("-100000"), False)


def test_aging_per_currency_with_all_buckets(comp):
    assert comp.aging == {
        "USD": {"Current": D("0"), "1-30": D("2000.00"), "31-60": D("0"), "61-90": D("0"), "90+": D("0")},
        "JPY": {"Current": D("0"), "1-30": D("0"), "31-60": D("0"), "61-90": D("0"), "90+": D("0")},
    }
    assert str(comp.aging["USD"]["90+"]) == "0.00" and str(comp.aging["JPY"]["90+"]) == "0"


def test_lookups_and_billable_in_sheet_order(comp):
    with pytest.raises(KeyError):
        comp.milestone("nope")
    assert [m.milestone_id for m in billable_milestones(comp)] == ["M2"]


def test_sheet_order_is_the_data_row_not_the_tuple_order():
    # Rows 2, 0, 1 handed over out of order: results and billing follow the sheet.
    b = book(projects=[project("P1", "300.00")],
             milestones=[ready(fixed("C", "100.00", row=2)), ready(fixed("A", "100.00", row=0)),
                         ready(fixed("B", "100.00", row=1))])
    comp = compute(b, AS_OF)
    assert [m.milestone_id for m in comp.milestones] == ["A", "B", "C"]
    assert [m.milestone_id for m in billable_milestones(b, AS_OF)] == ["A", "B", "C"]
    # Cumulative rounding follows the sheet too: the middle row takes the extra cent.
    third = str(D(1) / 3)
    b = book(projects=[project("P1", "100.00")],
             milestones=[pct("C", third, row=2), pct("A", third, row=0), pct("B", third, row=1)])
    comp = compute(b, AS_OF)
    assert {m.milestone_id: m.amount for m in comp.milestones} == {
        "A": D("33.33"), "B": D("33.34"), "C": D("33.33")}


def test_paid_and_due_soon_through_the_engine():
    b = book(projects=[project("P1", "100.00")],
             milestones=[ready(pct("A", "0.5", invoice_no="I1")), ready(pct("B", "0.5", row=1, invoice_no="I2"))],
             invoices=[invoice("I1", "50.00", due_date=AS_OF), invoice("I2", "50.00", row=1, due_date=AS_OF)],
             payments=[payment("I1", "50.00")])
    comp = compute(b, AS_OF)
    assert comp.milestone("A").flag == "Paid" and comp.invoice("I1").status == "Paid"
    assert comp.milestone("B").flag == "Due Soon" and comp.milestone("B").due_date == AS_OF
    assert comp.aging["USD"]["Current"] == D("50.00")
    assert comp.ok


def test_void_invoice_and_credit_note():
    # INV-1 for 1,000, 400 paid, voided: a credit note for the open 600; milestone cleared, Pending.
    b = book(projects=[project("P1", "1000.00")],
             milestones=[replace(pct("M1", "1"), status=COMPLETE, approval=PENDING)],
             invoices=[invoice("INV-1", "1000.00", mid="M1", due_date=date(2025, 1, 1)),
                       invoice("CN-1", "-600.00", mid="M1", row=1, type=CREDIT_NOTE, related_invoice="INV-1")],
             payments=[payment("INV-1", "400.00")])
    comp = compute(b, AS_OF)
    inv, cn = comp.invoice("INV-1"), comp.invoice("CN-1")
    assert (inv.status, inv.balance, inv.paid) == ("Void", D("0.00"), D("400.00"))
    assert (cn.status, cn.balance, cn.paid) == ("Applied", D("0.00"), D("0.00"))
    p = comp.project("P1")
    # Void invoices are not billed; the cash received stays collected.
    assert (p.billed, p.unbilled, p.collected, p.outstanding) == (D("0.00"), D("1000.00"), D("400.00"), D("0.00"))
    assert sum(comp.aging["USD"].values()) == 0
    m = comp.milestone("M1")
    assert (m.amount, m.flag, m.balance) == (D("1000.00"), "Awaiting Approval", D("0.00"))
    assert comp.ok


def test_change_order_keeps_the_issued_net():
    b = book(projects=[project("P1", "1100.00")],
             milestones=[pct("A", "0.2", invoice_no="INV-1"), pct("B", "0.3", row=1), pct("C", "0.5", row=2)],
             invoices=[invoice("INV-1", "300.00", net="250.00", tax="50.00")])
    comp = compute(b, AS_OF)
    # R = 1,100 - 250 = 850 over 0.3 : 0.5 -> 318.75 and 531.25.
    assert [m.amount for m in comp.milestones] == [D("250.00"), D("318.75"), D("531.25")]
    assert comp.project("P1").allocated == D("1100.00") and comp.ok
    # Billed is net of tax; outstanding is gross.
    assert comp.project("P1").billed == D("250.00") and comp.project("P1").outstanding == D("300.00")


def test_unbilled_is_rounded_to_the_minor_unit():
    # a contract value typed finer than its currency: 0.1759 KWD leaves
    # 0.176 unbilled, as the sheet's ROUND shows it (it was 0.1759)
    comp = compute(book(projects=[project("P1", "0.1759", currency="KWD")]), AS_OF)
    assert str(comp.project("P1").unbilled) == "0.176"


def test_cancelled_milestone_with_invoice_is_cancelled_and_zero():
    b = book(projects=[project("P1", "100.00")],
             milestones=[pct("A", "1"), replace(pct("X", "0.5", row=1, invoice_no="INV-1"), status=CANCELLED)],
             invoices=[invoice("INV-1", "50.00")])
    comp = compute(b, AS_OF)
    assert (comp.milestone("X").amount, comp.milestone("X").flag) == (D("0.00"), "Cancelled")
    assert comp.milestone("A").amount == D("100.00")


def test_bad_terms_are_a_problem_and_block_billing():
    b = book(projects=[project("P1", "100.00", payment_terms="Net thirty")],
             milestones=[ready(pct("A", "1"))])
    comp = compute(b, AS_OF)
    (problem,) = comp.problems
    assert (problem.table, problem.row, problem.column) == ("tblProjects", 0, "Payment Terms")
    assert "P1" in problem.message and "'Net thirty'" in problem.message
    assert comp.project("P1").terms is None and not comp.project("P1").can_bill
    assert comp.project("P1").schedule_ok
    assert (comp.milestone("A").flag, comp.milestone("A").billable) == ("Blocked", False)


def test_bad_default_terms_are_reported_on_settings_and_on_the_project():
    b = book(projects=[project("P1", "100.00", payment_terms="Net thirty")],
             milestones=[pct("A", "1")], default_payment_terms="Net thirty")
    comp = compute(b, AS_OF)
    assert [(p.table, p.row, p.column) for p in comp.problems] == [
        ("tblSettings", None, "Value"), ("tblProjects", 0, "Payment Terms")]
    assert "Default Payment Terms" in comp.problems[0].message
    assert "Default Payment Terms setting" in comp.problems[1].message


def test_unknown_currency_is_a_problem_amounts_use_two_digits():
    b = book(projects=[project("P1", "100", currency="USX")],
             milestones=[ready(pct(m, str(D(1) / 3), row=i)) for i, m in enumerate("ABC")])
    comp = compute(b, AS_OF)
    assert [(p.table, p.row, p.column) for p in comp.problems] == [("tblProjects", 0, "Currency")]
    assert "'USX'" in comp.problems[0].message
    assert [m.amount for m in comp.milestones] == [D("33.33"), D("33.34"), D("33.33")]
    assert not comp.project("P1").can_bill and not billable_milestones(comp)


def test_invoice_no_without_a_row_is_a_problem_on_the_milestone():
    b = book(projects=[project("P1", "100.00")],
             milestones=[ready(pct("A", "0.5", invoice_no="INV-9")), ready(pct("B", "0.5", row=1))])
    comp = compute(b, AS_OF)
    assert comp.problems == (Problem("tblMilestones", 0, "Invoice No",
                                     "Milestone A names invoice INV-9, which is not on the Invoices sheet"),)
    a = comp.milestone("A")
    # Allocated as planned, not billable (it has an Invoice No), shown as Invoiced.
    assert (a.amount, a.flag, a.billable, a.balance) == (D("50.00"), "Invoiced", False, D("0.00"))


def test_unknown_project_and_unknown_invoice_on_a_payment():
    b = book(projects=[project("P1", "0")], milestones=[pct("A", "0.5", pid="P9")],
             payments=[payment("INV-404", "10.00", row=3)])
    comp = compute(b, AS_OF)
    assert [(p.table, p.row, p.column) for p in comp.problems] == [
        ("tblMilestones", 0, "Project ID"), ("tblPayments", 3, "Invoice No")]
    assert comp.milestone("A").amount == 0 and not comp.milestone("A").billable
    assert comp.milestone("A").currency == "USD"  # the Default Currency
