"""Rule 8: aging buckets per currency."""
from datetime import date, timedelta

import pytest

from milebill_xl.core.aging import (BUCKETS, OpenItem, age, bucket, counts_for_aging,
                                    empty_buckets, overdue_total)
from milebill_xl.core.records import CREDIT_NOTE, INVOICE, OPEN, PAID, PARTIALLY_PAID, VOID

from .helpers import D

AS_OF = date(2025, 6, 30)


@pytest.mark.parametrize("days, expected", [
    (-10, "Current"), (0, "Current"),
    (1, "1-30"), (30, "1-30"),
    (31, "31-60"), (60, "31-60"),
    (61, "61-90"), (90, "61-90"),
    (91, "90+"), (400, "90+"),
])
def test_bucket_boundaries(days, expected):
    assert bucket(days) == expected


def test_buckets_are_the_contract_names_in_order():
    assert BUCKETS == ("Current", "1-30", "31-60", "61-90", "90+")


def test_age_sums_per_currency_by_days_past_due():
    due = lambda n: AS_OF - timedelta(days=n)  # noqa: E731  due n days before the as-of date
    items = [OpenItem("USD", due(0), D("100.00")),    # due today: Current
             OpenItem("USD", due(-3), D("5.00")),     # not yet due: Current
             OpenItem("USD", due(1), D("10.00")),
             OpenItem("USD", due(30), D("20.00")),
             OpenItem("USD", due(31), D("1.00")),
             OpenItem("USD", due(91), D("7.50")),
             OpenItem("JPY", due(61), D("5000")),
             OpenItem("JPY", None, D("300"))]         # no due date: Current
    result = age(items, AS_OF)
    assert result["USD"] == {"Current": D("105.00"), "1-30": D("30.00"), "31-60": D("1.00"),
                             "61-90": D("0.00"), "90+": D("7.50")}
    assert result["JPY"] == {"Current": D("300"), "1-30": D("0"), "31-60": D("0"),
                             "61-90": D("5000"), "90+": D("0")}
    assert overdue_total(result["USD"]) == D("38.50")  # 30 + 1 + 7.50


def test_listed_currencies_show_all_buckets_at_zero_in_their_digits():
    result = age([], AS_OF, ["USD", "jpy", "KWD"])
    assert list(result) == ["USD", "JPY", "KWD"]
    assert {k: str(v) for k, v in result["USD"].items()} == dict.fromkeys(BUCKETS, "0.00")
    assert {k: str(v) for k, v in result["KWD"].items()} == dict.fromkeys(BUCKETS, "0.000")
    assert str(empty_buckets("JPY")["90+"]) == "0"


@pytest.mark.parametrize("type_, status, balance, counts", [
    (INVOICE, OPEN, D("1"), True),
    (INVOICE, PARTIALLY_PAID, D("1"), True),
    (INVOICE, PAID, D("0"), False),
    (INVOICE, PAID, D("-1"), False),
    (INVOICE, VOID, D("1"), False),
    (CREDIT_NOTE, "Applied", D("-1"), False),
])
def test_only_open_invoices_count(type_, status, balance, counts):
    assert counts_for_aging(type_, status, balance) is counts
