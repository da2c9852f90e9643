"""Cash metrics: DSO by countback, approved-but-unbilled, average delays.
Figures worked by hand in the comments."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from milebill_xl.core.engine import compute
from milebill_xl.core.metrics import cash_metrics, countback, periods

from .helpers import book, fixed, invoice, payment, pct, project, ready

D = Decimal
AS_OF = date(2026, 11, 25)


def test_periods_are_three_30_day_spans_back_from_the_as_of_date():
    assert periods(AS_OF) == ((date(2026, 10, 27), date(2026, 11, 25)),
                              (date(2026, 9, 27), date(2026, 10, 26)),
                              (date(2026, 8, 28), date(2026, 9, 26)))


def test_countback_by_hand():
    # 46,000 open; newest 30 days sold 20,000 (30 days, 26,000 left); the 30
    # before sold 36,000: 30 x 26,000 / 36,000 = 21.67 -> 51.7 days
    assert countback(D("46000.00"), (D("20000.00"), D("36000.00"), D("24000.00"))) == (D("51.7"), False)
    assert countback(D("0.00"), (D("0"), D("0"), D("0"))) == (D("0"), False)
    # more open than 90 days of sales: no figure, "more than 90 days"
    assert countback(D("100.00"), (D("10.00"), D("0.00"), D("20.00"))) == (None, True)
    assert countback(D("15.00"), (D("0.00"), D("30.00"), D("0.00"))) == (D("45.0"), False)


def test_metrics_of_a_small_book():
    b = book(
        projects=[project("P1", "1000.00", currency="USD")],
        milestones=[ready(fixed("M1", "400.00", row=0)),
                    ready(fixed("M2", "300.00", row=1)),
                    fixed("M3", "300.00", row=2)],
        invoices=[invoice("INV-1", "400.00", mid="M1", row=0, currency="USD",
                          issue_date=date(2026, 9, 1), due_date=date(2026, 10, 1)),
                  invoice("INV-2", "300.00", mid="M2", row=1, currency="USD",
                          issue_date=date(2026, 11, 1), due_date=date(2026, 12, 1))],
        payments=[payment("INV-1", "150.00", date(2026, 9, 20), row=0),
                  payment("INV-1", "250.00", date(2026, 10, 11), row=1)],
    )
    from milebill_xl.core.records import replace
    ms = [replace(b.milestones[0], invoice_no="INV-1", completed_date=date(2026, 8, 28),
                  approval_date=date(2026, 8, 31)),
          replace(b.milestones[1], invoice_no="INV-2", completed_date=date(2026, 10, 25),
                  approval_date=date(2026, 10, 30)),
          b.milestones[2]]
    b = replace(b, milestones=tuple(ms))
    m = cash_metrics(b, compute(b, AS_OF))
    (usd,) = m.dso
    # open: INV-2 300.00; newest 30 days (27 Oct - 25 Nov) sold 300.00 -> 30.0 days
    assert (usd.receivables, usd.sales, usd.days, usd.beyond) == (
        D("300.00"), (D("300.00"), D("0.00"), D("400.00")), D("30.0"), False)
    # approvals took 3 and 5 days; INV-1 was paid in full 40 days after issue
    assert m.days_to_approval == D("4.0")
    assert m.days_to_payment == D("40.0")
    assert m.approved_unbilled == ()


def test_an_approval_dated_after_the_as_of_date_has_waited_no_days():
    # looking back at a past as-of date: approved 3 days later, waiting 0
    # days then (it was -3, where the sheet shows 0)
    b = book(projects=[project("P1", "100.00")],
             milestones=[ready(pct("M1", "1", approval_date=AS_OF + timedelta(days=3)))])
    (usd,) = cash_metrics(b, compute(b, AS_OF)).approved_unbilled
    assert (usd.amount, usd.milestones, usd.longest_wait_days) == (D("100.00"), 1, 0)
