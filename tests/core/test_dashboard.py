"""Dashboard figures: totals, forecast months and window, timeline."""
from datetime import date

import pytest

from milebill_xl.core.dashboard import build_dashboard, forecast_months, forecast_window
from milebill_xl.core.records import CANCELLED

from .helpers import D, book, fixed, invoice, payment, pct, project, ready
from milebill_xl.core.records import replace

AS_OF = date(2025, 1, 31)


@pytest.mark.parametrize("as_of, months, window_end", [
    # 15 Jan + 90 days = 15 Apr (16 to end of Jan, +28 Feb, +31 Mar, +15 Apr).
    (date(2025, 1, 15), ["2025-01", "2025-02", "2025-03", "2025-04"], date(2025, 4, 15)),
    # 31 Jan + 90 = 1 May, clipped to the end of the fourth month, 30 Apr.
    (date(2025, 1, 31), ["2025-01", "2025-02", "2025-03", "2025-04"], date(2025, 4, 30)),
    # 1 Dec + 90 = 1 Mar 2025 (31 + 31 + 28), across the year end.
    (date(2024, 12, 1), ["2024-12", "2025-01", "2025-02", "2025-03"], date(2025, 3, 1)),
])
def test_forecast_months_and_window(as_of, months, window_end):
    assert [m.strftime("%Y-%m") for m in forecast_months(as_of)] == months
    assert forecast_window(as_of) == (as_of, window_end)


def sample():
    planned = lambda y, m, d: {"planned_date": date(y, m, d)}  # noqa: E731
    return book(
        projects=[project("P1", "850.00", name="Website", row=0),
                  project("P2", "500.00", name="Audit", currency="EUR", row=1)],
        milestones=[
            ready(fixed("A", "100.00", row=0, **planned(2024, 12, 15))),   # ready, planned date past
            fixed("B", "200.00", row=1, **planned(2025, 1, 31)),           # on the as-of date
            fixed("C", "150.00", row=2, **planned(2025, 4, 30)),           # last day of the window
            fixed("D", "50.00", row=3, **planned(2025, 5, 1)),             # after the window
            replace(fixed("E", "300.00", row=4, **planned(2025, 2, 10)), status=CANCELLED),
            fixed("F", "200.00", row=5, **planned(2025, 1, 30)),           # behind schedule
            fixed("G", "150.00", row=6, invoice_no="INV-1", **planned(2025, 2, 15)),  # issued
            replace(fixed("I", "0", row=7), status=CANCELLED),              # no planned date
            pct("H", "1", pid="P2", row=8, **planned(2025, 3, 3)),
        ],
        invoices=[invoice("INV-1", "150.00", mid="G", due_date=date(2025, 1, 1))],
        payments=[payment("INV-1", "30.00", date(2025, 1, 25), row=0),
                  payment("INV-1", "20.00", date(2025, 1, 20), row=1)],
    )


def test_totals_per_currency():
    dash = build_dashboard(sample(), AS_OF)
    usd, eur = dash.totals
    # Billed 150 (INV-1), collected 30 + 20, outstanding 100, due 1 Jan: 30 days late -> overdue.
    assert (usd.currency, usd.contract, usd.billed, usd.unbilled, usd.collected, usd.outstanding, usd.overdue) == (
        "USD", D("850.00"), D("150.00"), D("700.00"), D("50.00"), D("100.00"), D("100.00"))
    assert (eur.currency, eur.contract, eur.billed, eur.unbilled, eur.overdue) == (
        "EUR", D("500.00"), D("0.00"), D("500.00"), D("0.00"))
    assert dash.aging["USD"]["1-30"] == D("100.00")


def test_contract_total_is_rounded_to_the_minor_unit():
    # two contract values typed finer than KWD's 3 digits: 0.1759 + 0.0003
    # = 0.1762 shows 0.176, as the sheet's ROUND(SUMIFS(...), 3)
    dash = build_dashboard(book(projects=[project("P1", "0.1759", currency="KWD"),
                                          project("P2", "0.0003", currency="KWD", row=1)]), AS_OF)
    (kwd,) = dash.totals
    assert (str(kwd.contract), str(kwd.unbilled)) == ("0.176", "0.176")


def test_expected_billing_by_month():
    dash = build_dashboard(sample(), AS_OF)
    got = {(f.currency, f.label): (f.amount, f.milestone_ids) for f in dash.forecast}
    assert got == {
        # A is ready to invoice now (planned in December); B is planned on the as-of date;
        # F is behind schedule (planned the day before) and still expected now: 100 + 200 + 200.
        ("USD", "2025-01"): (D("500.00"), ("A", "B", "F")),
        ("USD", "2025-02"): (D("0.00"), ()),        # E cancelled, G already issued
        ("USD", "2025-03"): (D("0.00"), ()),
        ("USD", "2025-04"): (D("150.00"), ("C",)),  # D on 1 May is outside the window
        ("EUR", "2025-01"): (D("0.00"), ()),
        ("EUR", "2025-02"): (D("0.00"), ()),
        ("EUR", "2025-03"): (D("500.00"), ("H",)),
        ("EUR", "2025-04"): (D("0.00"), ()),
    }
    assert str(dash.forecast[1].amount) == "0.00"


def test_timeline_sorted_by_planned_date_blank_last():
    dash = build_dashboard(sample(), AS_OF)
    assert [t.milestone_id for t in dash.timeline] == ["A", "F", "B", "E", "G", "H", "C", "D", "I"]
    a = dash.timeline[0]
    assert (a.project_id, a.project, a.flag, a.amount, a.currency) == ("P1", "Website", "Ready to Invoice",
                                                                     D("100.00"), "USD")
    assert [(p.payment_date, p.amount, p.project_id) for p in dash.payments] == [
        (date(2025, 1, 20), D("20.00"), "P1"), (date(2025, 1, 25), D("30.00"), "P1")]


def test_milestone_without_planned_date_is_forecast_only_when_ready():
    b = book(projects=[project("P1", "300.00")],
             milestones=[fixed("A", "100.00"), ready(fixed("B", "200.00", row=1))])
    (jan, *_rest) = build_dashboard(b, AS_OF).forecast
    assert (jan.amount, jan.milestone_ids) == (D("200.00"), ("B",))
