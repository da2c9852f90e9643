"""Aging of open invoice balances (contract rule 8), per currency.

An invoice counts when it is of Type ``Invoice`` or ``Retention Release``
(``records.RECEIVABLE_TYPES``), not ``Void`` and its
Balance is above zero (credit notes never count: their effect is already in
the balance of the invoice they correct). Days past due = as-of date - Due
Date: ``Current`` (0 or less, not yet due or due today), ``1-30``,
``31-60``, ``61-90``, ``90+`` (91 days and more).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from .money import normalize_currency, rounding_currency, zero
from .words import (BUCKETS, CURRENT, D1_30, D31_60, D61_90, D90_PLUS,  # noqa: F401
                    OVERDUE_BUCKETS, RECEIVABLE_TYPES, VOID)


@dataclass(frozen=True)
class OpenItem:
    """One open balance to age: what the engine knows of an invoice."""

    currency: str
    due_date: date | None
    balance: Decimal


def counts_for_aging(invoice_type: str, status: str, balance: Decimal) -> bool:
    """True for an invoice that rule 8 ages: Type Invoice (or Retention
    Release), not Void, Balance above zero."""
    return invoice_type in RECEIVABLE_TYPES and status != VOID and balance > 0


def bucket(days_past_due: int) -> str:
    """The bucket name for ``days_past_due`` (as-of date minus due date)."""
    if days_past_due <= 0:
        return CURRENT
    if days_past_due <= 30:
        return D1_30
    if days_past_due <= 60:
        return D31_60
    if days_past_due <= 90:
        return D61_90
    return D90_PLUS


def _zero(currency: str) -> Decimal:
    return zero(rounding_currency(currency))


def empty_buckets(currency: str) -> dict[str, Decimal]:
    """All five buckets at zero, written with the currency's digits."""
    return {name: _zero(currency) for name in BUCKETS}


def age(items: Iterable[OpenItem], as_of: date,
        currencies: Iterable[str] = ()) -> dict[str, dict[str, Decimal]]:
    """Sum ``items`` into buckets per currency: ``{currency: {bucket:
    amount}}`` with all five buckets for every currency seen in ``items``
    or listed in ``currencies`` (so a book with nothing open still shows
    its currencies at zero). An item without a due date is ``Current``.
    Currencies are in order of first appearance."""
    result: dict[str, dict[str, Decimal]] = {}
    for cur in currencies:
        code = normalize_currency(cur)
        if code not in result:
            result[code] = empty_buckets(cur)
    for item in items:
        cur = normalize_currency(item.currency)
        buckets = result.get(cur)
        if buckets is None:
            buckets = result[cur] = empty_buckets(cur)
        days = 0 if item.due_date is None else (as_of - item.due_date).days
        buckets[bucket(days)] += item.balance
    return result


def overdue_total(buckets: dict[str, Decimal]) -> Decimal:
    """What is past due in one currency's buckets: all but ``Current``."""
    return sum((buckets[name] for name in OVERDUE_BUCKETS), buckets[CURRENT] * 0)
