"""Pay: record a payment against an issued invoice (partial payments allowed)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from ..core.engine import compute
from ..core.money import format_amount, minor_units
from ..core.records import CREDIT_NOTE, VOID, Payment
from ..workbook import contract as C
from ..workbook.book import Book, Changes
from .common import Loaded, load, problem as _error, seal, session
from .issue import audit_row
from .lookup import find_invoice
from .refresh import computed_changes


@dataclass(frozen=True)
class PayResult:
    as_of: date
    errors: tuple[dict, ...]
    payment: Payment | None = None
    balance: Decimal | None = None
    status: str = ""
    currency: str = ""


def validate(loaded: Loaded, invoice_no: str, amount: Decimal) -> list[dict]:
    comp = loaded.computation
    record, missing = find_invoice(loaded, invoice_no)
    if missing:
        return [missing]
    invoice_no = record.invoice_no
    inv = comp.invoice(invoice_no)
    where = loaded.locator.cell(C.INVOICES.name, inv.row, "Invoice No")
    if inv.type == CREDIT_NOTE:
        return [_error(f"{invoice_no} is a credit note; payments go against invoices", where)]
    if inv.status == VOID:
        return [_error(f"{invoice_no} is void; record the payment against its replacement invoice", where)]
    if amount <= 0:
        return [_error(f"payment amount must be above zero, got {amount}")]
    if amount.as_tuple().exponent < -minor_units(inv.currency):
        return [_error(f"{amount} has more decimals than {inv.currency} allows "
                       f"({minor_units(inv.currency)})")]
    if amount > inv.balance:
        return [_error(f"payment of {format_amount(amount, inv.currency)} {inv.currency} is more than the "
                       f"open balance {format_amount(inv.balance, inv.currency)} of {invoice_no}", where)]
    return []


def run(book: Book, invoice_no: str, amount, pay_date: date | None = None,
        reference: str = "", as_of: date | None = None) -> PayResult:
    try:
        amount = Decimal(str(amount).strip())
    except InvalidOperation:
        return PayResult(as_of or date.today(), (_error(f"amount {amount!r} is not a number"),))
    with session(book):
        loaded = load(book, as_of)
        if loaded.errors:
            return PayResult(loaded.as_of, loaded.errors)
        record, _ = find_invoice(loaded, invoice_no)
        invoice_no = record.invoice_no if record is not None else invoice_no.strip()
        errors = validate(loaded, invoice_no, amount)
        if errors:
            return PayResult(loaded.as_of, tuple(errors))
        when = pay_date or loaded.as_of
        payment = Payment(when, invoice_no, amount, reference)
        data = replace(loaded.data, payments=loaded.data.payments + (payment,))
        comp = compute(data, loaded.as_of)
        changes = Changes()
        changes.append(C.PAYMENTS.name, {"Payment Date": when, "Invoice No": invoice_no,
                                         "Amount": amount, "Reference": reference or None})
        inv = comp.invoice(invoice_no)
        changes.append(C.AUDIT.name, audit_row(
            "Payment", invoice_no, f"{format_amount(amount, inv.currency)} {inv.currency} on "
            f"{when.isoformat()}{' ref ' + reference if reference else ''}; "
            f"balance {format_amount(inv.balance, inv.currency)}, {inv.status}"))
        computed_changes(loaded, data, comp, changes)
        book.apply(seal(loaded, changes))
        return PayResult(loaded.as_of, (), payment, inv.balance, inv.status, inv.currency)
