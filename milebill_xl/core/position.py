"""Where one invoice stands in its contract (issue 13 item 5): the figures a
milestone invoice prints so a client's accounts-payable clerk can check it
without a call.

For an invoice of project P, counting P's documents up to and including
this one (tblInvoices rows are appended as issued) and leaving void ones
out:

- ``billed_to_date``: the work billed, the Net of P's milestone invoices
  (Type Invoice, not deposits); ``remaining`` = Contract Value - that;
- ``share``: this invoice's Net as a fraction of the Contract Value;
- ``retention_held``: Retention of P's invoices less its releases' Net
  (core/retention.py), after this invoice;
- ``deposit``: P's deposit invoiced (its Net) and ``deposit_recovered``,
  the Deposit Applied of P's invoices so far.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from .money import arithmetic, round_money
from .records import DEPOSIT, INVOICE, VOID, Invoice, Milestone
from .retention import retention_held


@dataclass(frozen=True, slots=True)
class Position:
    contract_value: Decimal
    share: Decimal
    billed_to_date: Decimal
    remaining: Decimal
    retention_held: Decimal
    deposit: Decimal
    deposit_recovered: Decimal


def position(invoice: Invoice, contract_value: Decimal, invoices: Iterable, statuses: dict[str, str],
             milestones: Iterable[Milestone]) -> Position:
    """The position of ``invoice`` (a row of ``invoices``, the book's
    tblInvoices rows; ``statuses``: invoice no -> Status, Void ones left
    out; ``milestones`` to tell deposits)."""
    cur = invoice.currency
    deposits = {m.milestone_id for m in milestones if m.basis == DEPOSIT}
    own = [i for i in invoices if i.project_id == invoice.project_id and i.row <= invoice.row
           and statuses.get(i.invoice_no) != VOID]
    zero = round_money(0, cur)
    with arithmetic():
        work = [i for i in own if i.type == INVOICE and i.milestone_id not in deposits]
        billed = sum((i.net for i in work), zero)
        deposit = sum((i.net for i in own if i.type == INVOICE and i.milestone_id in deposits), zero)
        recovered = sum((i.deposit_applied for i in work), zero)
        share = invoice.net / contract_value if contract_value else Decimal(0)
        held = retention_held([_Row(i.type, "", i.net, i.retention) for i in own], cur)
        return Position(contract_value, share, billed, contract_value - billed, held, deposit,
                        recovered)


@dataclass(frozen=True, slots=True)
class _Row:
    type: str
    status: str
    net: Decimal
    retention: Decimal
