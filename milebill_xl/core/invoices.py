"""Paid, Balance and Status of the documents in tblInvoices (DESIGN.md).

- ``Paid`` = sum of tblPayments Amount with that Invoice No whose Kind is
  ``Payment`` (or blank) or ``Credit Applied``: money the client gave.
- An invoice's ``Balance`` = Total + the Totals (negative) of the credit
  notes whose Related Invoice is it - every tblPayments row of it, whatever
  its Kind (a ``Discount`` or ``Write-off`` settles without money). A void
  reverses the whole Total, so a voided invoice's Balance is minus the money
  received on it: the client's credit, until ``Credit Applied`` rows carry
  it to the milestone's next invoice.
- ``Status``: a credit note is ``Applied`` (our added word), with Paid 0 and
  Balance 0; an invoice with any related credit note is ``Void``; else
  ``Paid`` when Balance <= 0, ``Partially Paid`` when Paid > 0, else
  ``Open``.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Iterable, NamedTuple

from .money import arithmetic, rounding_currency, round_money
from .records import Invoice, Payment
from .words import APPLIED, CREDIT_NOTE, OPEN, PAID, PAID_KINDS, PARTIALLY_PAID, VOID, excel


class InvoiceFigures(NamedTuple):
    paid: Decimal
    balance: Decimal
    status: str


def payments_by_invoice(payments: Iterable[Payment], kinds: tuple[str, ...] | None = PAID_KINDS
                        ) -> dict[str, Decimal]:
    """Sum of the amounts per Invoice No of the rows of ``kinds`` (default:
    the money received, Payment and Credit Applied; None: every row)."""
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal(0))
    with arithmetic():
        for p in payments:
            if kinds is None or p.kind in kinds:
                totals[p.invoice_no] += p.amount
    return dict(totals)


def credits_by_invoice(invoices: Iterable[Invoice]) -> dict[str, Decimal]:
    """Sum of credit-note Totals (negative) per Related Invoice."""
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal(0))
    with arithmetic():
        for inv in invoices:
            if inv.type == CREDIT_NOTE and inv.related_invoice:
                totals[inv.related_invoice] += inv.total
    return dict(totals)


def invoice_figures(invoice: Invoice, paid: Decimal, credited: Decimal | None,
                    settled: Decimal | None = None) -> InvoiceFigures:
    """Paid, Balance and Status of one document. ``paid`` is the sum of its
    Payment and Credit Applied rows, ``settled`` of all its rows (default
    ``paid``: no Discount or Write-off); ``credited`` the sum of the Totals
    of credit notes related to it, None when there is none (a credit note of
    0 still voids). Paid and
    Balance are rounded to the invoice currency's minor unit (two digits for
    an unknown code), as the template's formulas round them."""
    currency = rounding_currency(invoice.currency)
    zero = round_money(0, currency)
    if invoice.type == CREDIT_NOTE:
        return InvoiceFigures(zero, zero, APPLIED)
    with arithmetic():
        paid = round_money(paid, currency)
        settled = paid if settled is None else round_money(settled, currency)
        balance = round_money(invoice.total - settled + round_money(credited or 0, currency), currency)
    if credited is not None:
        status = VOID
    elif balance <= 0:
        status = PAID
    elif paid > 0:
        status = PARTIALLY_PAID
    else:
        status = OPEN
    return InvoiceFigures(paid, balance, status)


def invoice_figures_formulas(*, is_credit_note: str, total: str, money_rows: str, all_rows: str,
                             credited: str, voided: str, digits: str, paid_cell: str,
                             balance_cell: str) -> dict[str, str]:
    """Excel text of :func:`invoice_figures`: Paid, Balance and Status from
    the Excel expressions of its inputs (``money_rows``: the sum of the
    Payment and Credit Applied rows; ``all_rows``: of every row;
    ``credited``: the credit notes' Totals; ``voided``: a credit note
    relates to it). Status reads the row's Paid and Balance cells."""
    return {
        "Paid": f'IF({is_credit_note},0,ROUND({money_rows},{digits}))',
        "Balance": f'IF({is_credit_note},0,ROUND(N({total})-{all_rows}+{credited},{digits}))',
        "Status": (f'IF({is_credit_note},{excel(APPLIED)},IF({voided},{excel(VOID)},'
                   f'IF({balance_cell}<=0,{excel(PAID)},IF({paid_cell}>0,{excel(PARTIALLY_PAID)},'
                   f'{excel(OPEN)}))))'),
    }
