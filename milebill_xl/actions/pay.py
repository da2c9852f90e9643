"""Pay: record a payment against an issued invoice (partial payments allowed).

Besides the money (a ``Payment`` row of tblPayments), ``pay`` records:

- an early-payment **discount**: on ``D/N Net M`` terms, a payment dated
  within N days of the Issue Date whose amount is the balance less
  ``round(Total * D / 100)`` settles the invoice with a ``Discount`` row
  for the difference;
- a **write-off** (``write_off=True``): what the payment leaves open, as a
  ``Write-off`` row, up to the ``Write-off Limit`` setting (0: off).

The payment date must lie between the invoice's Issue Date and the as-of
date. Only the invoice's own rows (its row, its payments, its credit notes)
must be free of problems: a typo elsewhere does not stop a payment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from ..core.engine import compute
from ..core.money import format_amount, minor_units
from ..core.records import CREDIT_NOTE, DISCOUNT, PAYMENT, VOID, WRITE_OFF, Payment, replace
from ..core.terms import TermsError, discount_amount, parse_terms
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
    #: every tblPayments row written (the payment, a discount, a write-off)
    rows: tuple[Payment, ...] = field(default=())

    @property
    def done(self) -> bool:
        return bool(self.rows)

    def describe(self) -> str:
        """What was recorded, in one sentence: "Recorded 980.00 USD on
        INV-2026-0001 (2026-11-24) and an early-payment discount of 20.00
        USD: balance 0.00 USD, Paid." """
        cur = self.currency
        money = [r for r in self.rows if r.kind == PAYMENT]
        first = self.rows[0]
        head = (f"Recorded {format_amount(money[0].amount, cur)} {cur} on {first.invoice_no} "
                f"({first.payment_date.isoformat()})" if money else
                f"Recorded on {first.invoice_no} ({first.payment_date.isoformat()})")
        extras = [f"{_WORDS[r.kind]} of {format_amount(r.amount, cur)} {cur}"
                  for r in self.rows if r.kind != PAYMENT]
        if extras:
            head += (" and " if money else " ") + ("an " if extras[0][0] in "aeiou" else "a ") \
                + " and a ".join(extras)
        return f"{head}: balance {format_amount(self.balance, cur)} {cur}, {self.status}."

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "errors": list(self.errors),
                "recorded": [{"invoice_no": r.invoice_no, "kind": r.kind, "amount": str(r.amount),
                              "payment_date": r.payment_date.isoformat(), "reference": r.reference}
                             for r in self.rows],
                "balance": None if self.balance is None else str(self.balance),
                "status": self.status or None, "currency": self.currency or None}


_WORDS = {PAYMENT: "payment", DISCOUNT: "early-payment discount", WRITE_OFF: "write-off"}


def validate(loaded: Loaded, invoice_no: str, amount: Decimal, when: date | None = None,
             write_off: bool = False) -> list[dict]:
    """What refuses the payment (``invoice_no`` as the sheet spells it)."""
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
    if amount < 0 or (amount == 0 and not write_off):
        return [_error(f"payment amount must be above zero, got {amount}")]
    if amount.as_tuple().exponent < -minor_units(inv.currency):
        return [_error(f"{amount} has more decimals than {inv.currency} allows "
                       f"({minor_units(inv.currency)})")]
    if amount > inv.balance:
        return [_error(f"payment of {format_amount(amount, inv.currency)} {inv.currency} is more than the "
                       f"open balance {format_amount(inv.balance, inv.currency)} of {invoice_no}", where)]
    src = next(i for i in loaded.data.invoices if i.invoice_no == invoice_no)
    if when is not None and src.issue_date is not None and when < src.issue_date:
        return [_error(f"payment date {when.isoformat()} is before {invoice_no} was issued "
                       f"({src.issue_date.isoformat()})",
                       loaded.locator.cell(C.INVOICES.name, inv.row, "Issue Date"))]
    if when is not None and when > loaded.as_of:
        return [_error(f"payment date {when.isoformat()} is after the as-of date "
                       f"{loaded.as_of.isoformat()}; a payment is recorded once received")]
    return []


def early_discount(loaded: Loaded, invoice_no: str, amount: Decimal, when: date) -> Decimal:
    """The discount a payment of ``amount`` on ``when`` earns: D % of the
    Total when the terms are ``D/N Net M``, ``when`` is at most N days after
    the Issue Date and ``amount`` is exactly the balance less it; else 0."""
    inv = loaded.computation.invoice(invoice_no)
    src = next(i for i in loaded.data.invoices if i.invoice_no == invoice_no)
    project = next((p for p in loaded.data.projects if p.project_id == src.project_id), None)
    zero = amount * 0
    if project is None or src.issue_date is None:
        return zero
    try:
        terms = parse_terms(project.payment_terms)
    except TermsError:
        return zero
    if not terms.has_discount or (when - src.issue_date).days > terms.discount_days:
        return zero
    off = discount_amount(terms, src.total, inv.currency)
    return off if off > 0 and amount == inv.balance - off else zero


def run(book: Book, invoice_no: str, amount, pay_date: date | None = None,
        reference: str = "", as_of: date | None = None, write_off: bool = False) -> PayResult:
    try:
        amount = Decimal(str(amount).strip())
    except InvalidOperation:
        return PayResult(as_of or date.today(), (_error(f"amount {amount!r} is not a number"),))
    if not amount.is_finite():
        return PayResult(as_of or date.today(), (_error(f"amount {amount} is not a number"),))
    with session(book):
        loaded = load(book, as_of)
        record, _ = find_invoice(loaded, invoice_no)
        invoice_no = record.invoice_no if record is not None else invoice_no.strip()
        blocking = loaded.errors_touching(invoices=[invoice_no])
        if blocking:
            return PayResult(loaded.as_of, blocking)
        when = pay_date or loaded.as_of
        errors = validate(loaded, invoice_no, amount, when, write_off)
        if errors:
            return PayResult(loaded.as_of, tuple(errors))
        inv = loaded.computation.invoice(invoice_no)
        rows = [Payment(when, invoice_no, amount, reference, kind=PAYMENT)] if amount else []
        off = early_discount(loaded, invoice_no, amount, when)
        if off:
            rows.append(Payment(when, invoice_no, off, "early-payment discount", kind=DISCOUNT))
        left = inv.balance - amount - off
        if write_off and left > 0:
            limit = loaded.data.settings.write_off_limit
            if left > limit:
                return PayResult(loaded.as_of, (_error(
                    f"this payment leaves {format_amount(left, inv.currency)} {inv.currency} open on "
                    f"{invoice_no}, above the Write-off Limit of {format_amount(limit, inv.currency)}; "
                    "nothing was recorded",
                    loaded.locator.cell(C.SETTINGS.name, None, "Write-off Limit")),))
            rows.append(Payment(when, invoice_no, left, "written off", kind=WRITE_OFF))
        if not rows:
            return PayResult(loaded.as_of, (_error(f"{invoice_no} has nothing open to write off"),))
        data = replace(loaded.data, payments=loaded.data.payments + tuple(rows))
        comp = compute(data, loaded.as_of)
        has_kind = loaded.locator.geometry(C.PAYMENTS.name).index("Kind") is not None
        if not has_kind and any(r.kind != PAYMENT for r in rows):
            return PayResult(loaded.as_of, (_error(
                "this records a discount or write-off, which needs a Kind column in the "
                "Payments table; add a column headed Kind after Reference",
                loaded.locator.sheet(C.PAYMENTS.name)),))
        changes = Changes()
        present = loaded.locator.geometry(C.PAYMENTS.name).index
        for r in rows:
            changes.append(C.PAYMENTS.name, C.PAYMENTS.values(r, present))
        after = comp.invoice(invoice_no)
        cur = after.currency
        recorded = "; ".join(f"{_WORDS[r.kind]} {format_amount(r.amount, cur)} {cur}" for r in rows)
        changes.append(C.AUDIT.name, audit_row(
            "Payment", invoice_no, f"{recorded} on {when.isoformat()}"
            f"{' ref ' + reference if reference else ''}; "
            f"balance {format_amount(after.balance, cur)} {cur}, {after.status}"))
        computed_changes(loaded, data, comp, changes)
        book.apply(seal(loaded, changes))
        return PayResult(loaded.as_of, loaded.errors, rows[0] if rows else None, after.balance,
                         after.status, after.currency, tuple(rows))
