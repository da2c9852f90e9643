"""Retention (issue 13 item 1): what a milestone invoice withholds, what it
charges now, what a project holds, and what its release invoices.

- A milestone invoice withholds ``Retention = round(Net x Retainage %)``.
  A deposit invoice withholds nothing (it is an advance, not work).
- Tax falls on what is invoiced now. Settings ``Retention Tax``:
  ``On release`` (the default): ``Tax = round((Net - Retention - Deposit
  Applied) x rate)``, and the release invoice charges the tax on the
  retention; ``On invoice`` (tax due on the full amount at once, as in
  Germany): ``Tax = round((Net - Deposit Applied) x rate)`` and the release
  charges no tax. Either way ``Total = Net - Retention - Deposit Applied +
  Tax``: the amount due now, at which the invoice settles.
- A project's ``Retention Held`` (net of tax) = the Retention of its
  invoices (Type Invoice, not Void) - the Net of its Retention Release
  invoices (not Void). Voiding a release puts its retention back.
- A ``Retention Release`` invoice: Net = what the project holds, Tax as
  above, Total = Net + Tax.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable, NamedTuple

from .money import arithmetic, round_money
from .records import INVOICE, ON_INVOICE, ON_RELEASE, RETENTION_RELEASE, VOID


class Charge(NamedTuple):
    """The money columns of one new tblInvoices row. ``total`` is the
    amount due now."""

    net: Decimal
    retention: Decimal
    deposit_applied: Decimal
    tax: Decimal
    total: Decimal

    def columns(self) -> dict[str, Decimal]:
        """The fields as a dict: the Invoice fields of the same names."""
        return self._asdict()


def milestone_charge(net: Decimal, tax_rate: Decimal, retainage: Decimal,
                     deposit_applied: Decimal, retention_tax: str, currency: str) -> Charge:
    """A milestone invoice of ``net``: its retention, tax and amount due."""
    with arithmetic():
        retention = round_money(net * retainage, currency)
        base = net - deposit_applied - (retention if retention_tax != ON_INVOICE else 0)
        tax = round_money(base * tax_rate, currency)
        total = net - retention - deposit_applied + tax
    return Charge(net, retention, round_money(deposit_applied, currency), tax, total)


def release_charge(held: Decimal, tax_rate: Decimal, retention_tax: str, currency: str) -> Charge:
    """The Retention Release invoice for ``held``: tax on it unless the
    invoices already charged it (``On invoice``)."""
    zero = round_money(0, currency)
    with arithmetic():
        tax = round_money(held * tax_rate, currency) if retention_tax == ON_RELEASE else zero
        return Charge(held, zero, zero, tax, held + tax)


def retention_held(invoices: Iterable, currency: str) -> Decimal:
    """What a project holds back: Retention of its invoices less the Net of
    its releases, voided documents left out. ``invoices`` are the project's
    tblInvoices rows (each with ``type``, ``status``, ``net``, ``retention``;
    the engine's results, whose status says Void)."""
    with arithmetic():
        held = Decimal(0)
        for i in invoices:
            if i.status == VOID:
                continue
            if i.type == INVOICE:
                held += i.retention
            elif i.type == RETENTION_RELEASE:
                held -= i.net
        return round_money(held, currency)
