"""Payment terms (contract rule 5): parse the text, compute due and discount dates.

Accepted forms, case- and space-insensitive (DESIGN.md):

- ``Net N``          due N days after the invoice date;
- ``Due on receipt`` due on the invoice date;
- ``EOM``            due on the last day of the invoice month;
- ``Net N EOM``      due N days after the last day of the invoice month;
- ``D/N Net M``      due M days after the invoice date, D % discount when paid
  within N days of the invoice date; D may be decimal (``1.5/10 Net 30``).

Day counts have at most four digits (``Net 9999``); longer is surely a typo
and would run dates off the calendar. Anything else raises ``TermsError``,
whose message quotes the text so the user can find it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from .money import arithmetic, round_money


class TermsError(ValueError):
    """Payment terms text that is none of the accepted forms."""


@dataclass(frozen=True)
class Terms:
    """Parsed payment terms.

    ``net_days`` counts from the invoice date, or from the last day of the
    invoice month when ``end_of_month``. ``discount_percent`` is in percent
    (2 means 2 %), 0 when the terms carry no early-payment discount."""

    net_days: int = 0
    end_of_month: bool = False
    discount_percent: Decimal = Decimal(0)
    discount_days: int = 0

    @property
    def has_discount(self) -> bool:
        return self.discount_percent != 0

    def __str__(self) -> str:
        """The canonical spelling, e.g. ``Net 30 EOM`` or ``2/10 Net 30``."""
        if self.has_discount:
            return f"{self.discount_percent}/{self.discount_days} Net {self.net_days}"
        if self.end_of_month:
            return "EOM" if self.net_days == 0 else f"Net {self.net_days} EOM"
        return "Due on receipt" if self.net_days == 0 else f"Net {self.net_days}"


@dataclass(frozen=True)
class Discount:
    """An early-payment discount as printed on a document: ``percent`` % off
    when paid within ``days`` days, that is on or before ``deadline``."""

    percent: Decimal
    days: int
    deadline: date


_DAYS = r"(\d{1,4})"
_NET = re.compile(rf"net{_DAYS}")
_NET_EOM = re.compile(rf"net{_DAYS}eom")
_DISCOUNT = re.compile(rf"(\d{{1,3}}(?:\.\d+)?|\.\d+)/{_DAYS}net{_DAYS}")


def parse_terms(text: str) -> Terms:
    """Parse payment terms text into ``Terms``; raises ``TermsError``.

    Whitespace of any kind (also non-breaking spaces pasted from mail) is
    ignored, as is case: ``net30``, ``NET 30`` and ``Net  30`` are the same.
    A discount must be below 100 %."""
    key = "".join(str(text).split()).lower()
    if key == "dueonreceipt":
        return Terms()
    if key == "eom":
        return Terms(end_of_month=True)
    if m := _NET.fullmatch(key):
        return Terms(net_days=int(m.group(1)))
    if m := _NET_EOM.fullmatch(key):
        return Terms(net_days=int(m.group(1)), end_of_month=True)
    if m := _DISCOUNT.fullmatch(key):
        percent = Decimal(m.group(1))
        if percent >= 100:
            raise TermsError(f"payment terms {text!r}: a discount of {percent} % is not below 100 %")
        return Terms(net_days=int(m.group(3)), discount_percent=percent, discount_days=int(m.group(2)))
    raise TermsError(
        f"payment terms {text!r} are not understood; use Net N, Due on receipt, EOM, "
        f"Net N EOM or D/N Net M (for example 2/10 Net 30)"
    )


def month_end(day: date) -> date:
    """The last day of ``day``'s month (29 February in leap years)."""
    return day + relativedelta(day=31)


def due_date(terms: Terms, invoice_date: date) -> date:
    """The date payment is due for an invoice dated ``invoice_date``."""
    start = month_end(invoice_date) if terms.end_of_month else invoice_date
    return start + timedelta(days=terms.net_days)


def discount(terms: Terms, invoice_date: date) -> Discount | None:
    """The early-payment discount of ``terms`` for an invoice dated
    ``invoice_date``, or None when the terms have none. The discount window
    counts from the invoice date, as ``2/10`` is commonly read."""
    if not terms.has_discount:
        return None
    return Discount(terms.discount_percent, terms.discount_days,
                    invoice_date + timedelta(days=terms.discount_days))


def discount_amount(terms: Terms, total: Decimal, currency: str) -> Decimal:
    """What the client may deduct when paying within the discount window:
    ``round(total * D / 100)`` in the currency's minor unit; 0 without a
    discount."""
    with arithmetic():
        return round_money(total * terms.discount_percent / 100, currency)
