"""Find the invoice a user typed: case-insensitively, and when it is not
there, a message that helps (the nearest numbers, the open invoices)."""
from __future__ import annotations

import difflib

from ..core.money import format_amount
from ..core.records import RECEIVABLE_TYPES, VOID
from ..workbook import contract as C
from .common import Loaded, problem

#: how many near matches and open invoices a refusal lists
SHOWN = 5


def find_invoice(loaded: Loaded, typed: str):
    """(the tblInvoices record ``typed`` names, None) or (None, the problem).

    Invoice numbers match whatever their case: ``inv-2026-0003`` is
    ``INV-2026-0003``."""
    key = typed.strip().casefold()
    invoices = loaded.data.invoices
    found = next((i for i in invoices if i.invoice_no.casefold() == key), None)
    if found is not None:
        return found, None
    numbers = [i.invoice_no for i in invoices]
    near = difflib.get_close_matches(typed.strip().upper(), [n.upper() for n in numbers],
                                     n=SHOWN, cutoff=0.6)
    near = [n for n in numbers if n.upper() in near]
    sheet = loaded.locator.sheet(C.INVOICES.name)
    text = f"there is no invoice {typed.strip()!r} on the {sheet} sheet"
    if near:
        text += "; nearest: " + ", ".join(near)
    open_ones = [r for r in loaded.computation.invoices
                 if r.type in RECEIVABLE_TYPES and r.balance > 0 and r.status != VOID]
    if open_ones:
        shown = ", ".join(f"{r.invoice_no} ({format_amount(r.balance, r.currency)} {r.currency})"
                          for r in open_ones[:SHOWN])
        more = f" and {len(open_ones) - SHOWN} more" if len(open_ones) > SHOWN else ""
        text += f"; open invoices: {shown}{more}"
    else:
        text += "; no invoice is open"
    return None, problem(text, sheet)
