from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from milebill_xl.core.terms import (Discount, Terms, TermsError, discount, discount_amount,
                                    due_date, month_end, parse_terms)

D = Decimal


@pytest.mark.parametrize("text, invoice_date, due", [
    # Net N: N calendar days; 15 Jan + 30 days = 14 Feb (16 days left in January, then 14).
    ("Net 30", date(2025, 1, 15), date(2025, 2, 14)),
    # 31 Jan 2024 + 30 = 1 Mar 2024 (Feb 2024 has 29 days: 29 + 1).
    ("Net 30", date(2024, 1, 31), date(2024, 3, 1)),
    ("Net 0", date(2025, 6, 30), date(2025, 6, 30)),
    ("Due on receipt", date(2025, 6, 30), date(2025, 6, 30)),
    # EOM: last day of the invoice month, February in leap and common years.
    ("EOM", date(2024, 2, 10), date(2024, 2, 29)),
    ("EOM", date(2025, 2, 10), date(2025, 2, 28)),
    ("EOM", date(2025, 12, 5), date(2025, 12, 31)),
    ("EOM", date(2025, 4, 30), date(2025, 4, 30)),
    # Net N EOM: N days after the month end. 31 Jan 2025 + 30 = 2 Mar (28 days of Feb + 2).
    ("Net 30 EOM", date(2025, 1, 15), date(2025, 3, 2)),
    ("Net 30 EOM", date(2024, 1, 15), date(2024, 3, 1)),
    # 29 Feb 2024 + 15 = 15 Mar 2024.
    ("Net 15 EOM", date(2024, 2, 15), date(2024, 3, 15)),
    # Crossing a year end: 31 Dec 2025 + 45 = 14 Feb 2026 (31 of Jan + 14).
    ("Net 45 EOM", date(2025, 12, 1), date(2026, 2, 14)),
    # D/N Net M: due M days after the invoice date; 1 Mar + 30 = 31 Mar.
    ("2/10 Net 30", date(2025, 3, 1), date(2025, 3, 31)),
])
def test_due_dates(text, invoice_date, due):
    assert due_date(parse_terms(text), invoice_date) == due


@pytest.mark.parametrize("text, expected", [
    ("net30", Terms(net_days=30)),
    ("  NET   30 ", Terms(net_days=30)),
    ("Net\u00a030", Terms(net_days=30)),  # non-breaking space pasted from an email
    ("due ON receipt", Terms()),
    ("eom", Terms(end_of_month=True)),
    ("net 60 eom", Terms(net_days=60, end_of_month=True)),
    ("2 / 10 net 30", Terms(net_days=30, discount_percent=D(2), discount_days=10)),
    ("1.5/10 Net 30", Terms(net_days=30, discount_percent=D("1.5"), discount_days=10)),
    ("0.5/15 Net 45", Terms(net_days=45, discount_percent=D("0.5"), discount_days=15)),
])
def test_parsing_is_case_and_space_insensitive(text, expected):
    assert parse_terms(text) == expected


def test_two_ten_net_thirty_discount_for_the_invoice():
    terms = parse_terms("2/10 Net 30")
    # Discount window counts from the invoice date: 1 Mar + 10 days = 11 Mar.
    assert discount(terms, date(2025, 3, 1)) == Discount(D(2), 10, date(2025, 3, 11))
    # 2 % of 1,234.56 = 24.6912 -> 24.69 USD; of 12,345 JPY = 246.9 -> 247.
    assert discount_amount(terms, D("1234.56"), "USD") == D("24.69")
    assert discount_amount(terms, D("12345"), "JPY") == D("247")
    assert discount(parse_terms("Net 30"), date(2025, 3, 1)) is None
    assert discount_amount(parse_terms("Net 30"), D("100.00"), "USD") == D("0.00")


@pytest.mark.parametrize("text", ["Net", "Net thirty", "30 days", "Net -5", "Net 30 days", "2/10",
                                  "2/10 Net", "100/10 Net 30", "", "   ", "Net 30 EOM EOM",
                                  "Net 12345", "EOM 30", "2%/10 Net 30", "Net 3.5"])
def test_anything_else_is_an_error_quoting_the_text(text):
    with pytest.raises(TermsError) as info:
        parse_terms(text)
    assert repr(text) in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("text", ["Net 30", "Due on receipt", "EOM", "Net 30 EOM", "2/10 Net 30",
                                  "1.5/10 Net 30"])
def test_canonical_text_reads_back_the_same(text):
    terms = parse_terms(text)
    assert str(terms) == text
    assert parse_terms(str(terms)) == terms


days = st.integers(min_value=0, max_value=9999)
invoice_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


@given(invoice_dates)
def test_eom_is_always_the_last_day_of_the_invoice_month(d):
    due = due_date(parse_terms("EOM"), d)
    assert (due.year, due.month) == (d.year, d.month)
    assert date.fromordinal(due.toordinal() + 1).day == 1


@given(days, invoice_dates)
def test_net_n_eom_is_n_days_after_month_end(n, d):
    due = due_date(parse_terms(f"Net {n} EOM"), d)
    assert (due - month_end(d)).days == n
    assert (due_date(parse_terms(f"Net {n}"), d) - d).days == n
