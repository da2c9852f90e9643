"""Payment reminders (core/dunning.py): levels by Reminder Days, statutory
interest actual/365 to the minor unit, the fee, and which invoices a
letter lists. Every expected figure is worked out by hand in the comment
beside it."""
from __future__ import annotations

from datetime import date

import pytest

from milebill_xl.core.dunning import late_interest, level_title, reminder_level, reminders
from milebill_xl.core.engine import compute
from milebill_xl.core.records import CREDIT_NOTE, Payment

from .helpers import D, book, invoice, payment, project

DUE = date(2026, 10, 1)


@pytest.mark.parametrize("days, level", [
    (-3, 0), (0, 0), (6, 0), (7, 1), (29, 1), (30, 2), (59, 2), (60, 3), (400, 3)])
def test_levels_by_the_default_reminder_days(days, level):
    assert reminder_level(days, (7, 30, 60)) == level


@pytest.mark.parametrize("level, levels, title", [
    (1, 3, "Payment reminder"), (2, 3, "Second reminder"), (3, 3, "Final reminder"),
    (1, 1, "Final reminder"), (4, 5, "Fourth reminder"), (5, 5, "Final reminder")])
def test_level_titles(level, levels, title):
    assert level_title(level, levels) == title


@pytest.mark.parametrize("balance, currency, due, as_of, rate, received, expected", [
    # 10,000.00 x 61 days x 10.15 % / 365 = 61,915 / 365 = 169.6301...
    ("10000.00", "EUR", DUE, date(2026, 12, 1), "0.1015", (), "169.63"),
    # plus 2,000.00 paid 20 days late: (610,000 + 40,000) x 0.1015 / 365 = 180.7534...
    ("10000.00", "EUR", DUE, date(2026, 12, 1), "0.1015",
     (("2000.00", date(2026, 10, 21)),), "180.75"),
    # a payment on or before the due date bears no interest
    ("10000.00", "EUR", DUE, date(2026, 12, 1), "0.1015",
     (("2000.00", date(2026, 9, 20)), ("500.00", DUE)), "169.63"),
    # JPY, no minor unit: 1,100,000 x 45 x 0.08 / 365 = 10,849.31...
    ("1100000", "JPY", DUE, date(2026, 11, 15), "0.08", (), "10849"),
    # KWD, three digits: 13,575.150 x 38 x 0.1015 / 365 = 143.4503...
    ("13575.150", "KWD", date(2026, 12, 25), date(2027, 2, 1), "0.1015", (), "143.450"),
    # exactly half a cent rounds away from zero: 182.50 x 1 x 0.01 / 365 = 0.005
    ("182.50", "USD", DUE, date(2026, 10, 2), "0.01", (), "0.01"),
    # actual days over a leap February, still / 365: 36,500 x 29 x 0.10 / 365 = 290
    ("36500.00", "USD", date(2028, 2, 1), date(2028, 3, 1), "0.10", (), "290.00"),
    # a row dated after the as-of date counts up to the as-of date only:
    # (1,000 x 10 + 1,000 x 10) x 0.365 / 365 = 20.00
    ("1000.00", "USD", DUE, date(2026, 10, 11), "0.365",
     (("1000.00", date(2026, 10, 30)),), "20.00"),
    ("10000.00", "EUR", DUE, date(2026, 12, 1), "0", (), "0.00"),     # no rate set
    ("10000.00", "EUR", DUE, DUE, "0.1015", (), "0.00"),              # due today
])
def test_statutory_interest_actual_365_to_the_minor_unit(balance, currency, due, as_of, rate,
                                                          received, expected):
    rows = [Payment(when, "INV-1", D(amount)) for amount, when in received]
    got = late_interest(D(balance), due, as_of, rows, D(rate), currency)
    assert str(got) == expected


def _book(**settings):
    """Acme: an open invoice 40 days late, one part-paid 8 days late, one
    paid, one void (disputed by a credit note), one not yet due; Bravo: one
    invoice 62 days late in EUR and one 76 days late in USD (sent level 2)."""
    return book(
        projects=[project("P1", "100000", client="Acme", currency="USD", row=0),
                  project("P2", "100000", client="Bravo", currency="EUR", row=1),
                  project("P3", "100000", client="Bravo", currency="USD", row=2)],
        invoices=[
            invoice("INV-1", "1000.00", "P1", client="Acme", currency="USD", row=0,
                    issue_date=date(2026, 9, 22), due_date=date(2026, 10, 22)),
            invoice("INV-2", "3000.00", "P1", client="Acme", currency="USD", row=1,
                    issue_date=date(2026, 10, 24), due_date=date(2026, 11, 23)),
            invoice("INV-3", "500.00", "P1", client="Acme", currency="USD", row=2,
                    issue_date=date(2026, 9, 1), due_date=date(2026, 10, 1)),
            invoice("INV-4", "700.00", "P1", client="Acme", currency="USD", row=3,
                    issue_date=date(2026, 9, 1), due_date=date(2026, 10, 1)),
            invoice("CN-1", "-700.00", "P1", client="Acme", currency="USD", row=4,
                    type=CREDIT_NOTE, related_invoice="INV-4", issue_date=date(2026, 10, 5)),
            invoice("INV-5", "800.00", "P1", client="Acme", currency="USD", row=5,
                    issue_date=date(2026, 11, 20), due_date=date(2026, 12, 20)),
            invoice("INV-6", "2000.00", "P2", client="Bravo", currency="EUR", row=6,
                    issue_date=date(2026, 8, 31), due_date=date(2026, 9, 30)),
            invoice("INV-7", "100.00", "P3", client="Bravo", currency="USD", row=7,
                    issue_date=date(2026, 8, 16), due_date=date(2026, 9, 16),
                    reminder_level=2, last_reminder=date(2026, 10, 16)),
        ],
        payments=[payment("INV-2", "1000.00", date(2026, 11, 25), row=0),
                  payment("INV-3", "500.00", date(2026, 10, 10), row=1)],
        **settings)


AS_OF = date(2026, 12, 1)


def test_one_letter_per_client_and_currency_listing_only_what_is_chased():
    data = _book(late_interest_rate=D("0.08"), late_fee=D("40"))
    letters = reminders(data, compute(data, AS_OF), AS_OF)
    assert [(r.client, r.currency, r.title, [i.invoice_no for i in r.items]) for r in letters] == [
        ("Acme", "USD", "Second reminder", ["INV-1", "INV-2"]),
        ("Bravo", "EUR", "Final reminder", ["INV-6"]),
        ("Bravo", "USD", "Final reminder", ["INV-7"])]
    acme = letters[0]
    # INV-1: 40 days late, 1,000.00 x 40 x 0.08 / 365 = 8.7671 -> 8.77
    # INV-2: 8 days late, 2,000.00 open x 8 + 1,000.00 paid 2 days late x 2
    #        = 18,000 x 0.08 / 365 = 3.9452 -> 3.95
    assert [(i.days_overdue, i.level, i.balance, i.interest, i.fee, i.amount_due)
            for i in acme.items] == [
        (40, 2, D("1000.00"), D("8.77"), D("40.00"), D("1048.77")),
        (8, 1, D("2000.00"), D("3.95"), D("40.00"), D("2043.95"))]
    assert acme.level == 2            # the highest level it lists
    assert (acme.balance, acme.interest, acme.fee, acme.amount_due) == (
        D("3000.00"), D("12.72"), D("80.00"), D("3092.72"))
    # Bravo EUR: 2,000.00 x 62 days x 0.08 / 365 = 27.178... -> 27.18
    assert letters[1].items[0].interest == D("27.18")
    # INV-7 was sent level 2; 76 days late it reaches the final level 3
    assert (letters[2].items[0].previous_level, letters[2].items[0].level) == (2, 3)


def test_a_letter_is_written_only_when_a_level_rises():
    data = _book()
    from milebill_xl.core.records import replace
    sent = replace(data, invoices=tuple(
        replace(i, reminder_level={"INV-1": 2, "INV-2": 1, "INV-6": 3, "INV-7": 3}.get(
            i.invoice_no, 0)) for i in data.invoices))
    assert reminders(sent, compute(sent, AS_OF), AS_OF) == []
    # a week later INV-2 is 15 days late: still level 1, nothing new
    later = date(2026, 12, 8)
    assert reminders(sent, compute(sent, later), later) == []
    # on 2026-12-23 INV-2 is 30 days late (level 2) and INV-1 62 (level 3)
    rise = date(2026, 12, 23)
    letters = reminders(sent, compute(sent, rise), rise)
    assert [(r.client, [(i.invoice_no, i.previous_level, i.level) for i in r.items])
            for r in letters] == [("Acme", [("INV-1", 2, 3), ("INV-2", 1, 2)])]


def test_reminder_days_set_by_the_team():
    data = _book(reminder_days=(14, 45))
    letters = reminders(data, compute(data, AS_OF), AS_OF)
    # INV-2 (8 days) is not chased yet; INV-1 (40 days) is level 1 of 2
    assert [(r.client, r.currency, r.title, [i.invoice_no for i in r.items]) for r in letters] == [
        ("Acme", "USD", "Payment reminder", ["INV-1"]),
        ("Bravo", "EUR", "Final reminder", ["INV-6"])]   # INV-7 already at 2 (of 2)
