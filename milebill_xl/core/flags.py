"""Milestone state words: billable (rule 3), days overdue (rule 6) and the
flag (rule 7, with our added ``Blocked``), as DESIGN.md pins them.

The flag is the first word that applies, in this order:

``Cancelled``; ``Paid`` (invoiced, balance <= 0); ``Overdue`` (invoiced,
days overdue > 0); ``Due Soon`` (invoiced, balance > 0, due 0 to Due Soon
Days days after the as-of date); ``Invoiced``; ``Ready to Invoice``
(billable); ``Blocked`` (Complete and Approved, not invoiced, yet not
billable: amount 0 or the project cannot bill); ``Rejected`` (Complete,
Rejected); ``Approval Overdue`` (Complete, Pending, the later of Completed
Date and Approval Requested more than Approval SLA Days before the as-of
date: a void asks for approval again, and the wait counts from then); ``Awaiting Approval`` (Complete,
Pending); ``Behind Schedule`` (Planned or In Progress, Planned Date before
the as-of date); ``Scheduled``.

A blank Approval counts as ``Pending`` and a blank Status as ``Planned``,
as the template's Flag formula reads them.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from .records import Milestone
from .words import (APPROVAL_OVERDUE, APPROVED, APPROVED_UNBILLED, AWAITING_APPROVAL,  # noqa: F401
                    BEHIND_SCHEDULE, BLOCKED, CANCELLED, COMPLETE, DUE_SOON, FLAG_CANCELLED,
                    FLAG_PAID, FLAG_REJECTED, FLAGS, IN_PROGRESS, INVOICED, OVERDUE, PENDING,
                    PLANNED, READY_TO_INVOICE, REJECTED, SCHEDULED, excel)

def is_billable(milestone: Milestone, amount: Decimal, project_can_bill: bool) -> bool:
    """Rule 3: Complete, Approved, Invoice No blank, Amount > 0, and the
    project can bill (its schedule passes the check; the engine also needs
    its currency and payment terms understood)."""
    return (milestone.status == COMPLETE and milestone.approval == APPROVED
            and not milestone.issued and amount > 0 and project_can_bill)


def billable_formula(complete: str, approval: str, invoice_no: str, amount: str,
                     can_bill: str) -> str:
    """Excel text of :func:`is_billable`; each argument is the Excel
    expression of that input (``complete`` a test, ``can_bill`` the
    project's Can Bill, FALSE for an unknown project)."""
    return f'AND({complete},{approval}={excel(APPROVED)},{invoice_no}="",{amount}>0,{can_bill})'


def approval_since(milestone: Milestone) -> date | None:
    """Since when the client has been asked to approve: the later of
    Completed Date and Approval Requested (set by a void); None when both
    are blank."""
    dates = [d for d in (milestone.completed_date, milestone.approval_requested) if d is not None]
    return max(dates) if dates else None


def days_overdue(due: date | None, balance: Decimal, as_of: date, invoiced: bool = True) -> int:
    """Rule 6: days from ``due`` to ``as_of`` when invoiced with a balance
    above zero and that count is positive; else 0. A due date of today is
    not overdue (0 days)."""
    if not invoiced or due is None or balance <= 0:
        return 0
    return max(0, (as_of - due).days)


def days_overdue_formula(invoiced: str, balance: str, due: str, as_of: str) -> str:
    """Excel text of :func:`days_overdue`."""
    return f'IF(AND({invoiced},{balance}>0,ISNUMBER({due})),MAX(0,{as_of}-{due}),0)'


def flag(milestone: Milestone, *, as_of: date, billable: bool, balance: Decimal | None,
         due: date | None, overdue_days: int, due_soon_days: int,
         approval_sla_days: int) -> str:
    """The rule 7 flag of ``milestone``. ``balance``, ``due`` and
    ``overdue_days`` describe its current invoice (ignored when it has
    none); ``balance`` None means its Invoice No names no known invoice, so
    nothing can be said beyond ``Invoiced``. ``billable`` is
    ``is_billable``'s answer."""
    m = milestone
    if m.status == CANCELLED:
        return FLAG_CANCELLED
    if m.issued:
        if balance is None:
            return INVOICED
        if balance <= 0:
            return FLAG_PAID
        if overdue_days > 0:
            return OVERDUE
        if due is not None and 0 <= (due - as_of).days <= due_soon_days:
            return DUE_SOON
        return INVOICED
    if billable:
        return READY_TO_INVOICE
    if m.status == COMPLETE:
        if m.approval == APPROVED:
            return BLOCKED
        if m.approval == REJECTED:
            return FLAG_REJECTED
        if m.approval in (PENDING, ""):
            since = approval_since(m)
            if since is not None and (as_of - since).days > approval_sla_days:
                return APPROVAL_OVERDUE
            return AWAITING_APPROVAL
    if m.status in (PLANNED, IN_PROGRESS, "") and m.planned_date is not None and m.planned_date < as_of:
        return BEHIND_SCHEDULE
    return SCHEDULED


def flag_formula(*, status: str, approval: str, invoice_no: str, invoice_missing: str,
                 balance: str, overdue_days: str, due: str, billable: str, since: str,
                 planned_date: str, as_of: str, due_soon_days: str, sla_days: str) -> str:
    """Excel text of :func:`flag`, test for test in the same order; each
    argument is the Excel expression of that input (``invoice_missing``:
    the Invoice No has no row in tblInvoices; ``since``: :func:`approval_since`
    as a serial date, 0 when blank)."""
    complete = f'{status}={excel(COMPLETE)}'
    pending = f'OR({approval}={excel(PENDING)},{approval}="")'
    return (
        f'IF({status}={excel(CANCELLED)},{excel(FLAG_CANCELLED)},'
        f'IF({invoice_no}<>"",IF({invoice_missing},{excel(INVOICED)},'
        f'IF({balance}<=0,{excel(FLAG_PAID)},'
        f'IF({overdue_days}>0,{excel(OVERDUE)},'
        f'IF(AND(ISNUMBER({due}),{due}-{as_of}>=0,{due}-{as_of}<={due_soon_days}),'
        f'{excel(DUE_SOON)},{excel(INVOICED)})))),'
        f'IF({billable},{excel(READY_TO_INVOICE)},'
        f'IF(AND({complete},{approval}={excel(APPROVED)}),{excel(BLOCKED)},'
        f'IF(AND({complete},{approval}={excel(REJECTED)}),{excel(FLAG_REJECTED)},'
        f'IF(AND({complete},{pending}),'
        f'IF(AND({since}>0,{as_of}-{since}>{sla_days}),'
        f'{excel(APPROVAL_OVERDUE)},{excel(AWAITING_APPROVAL)}),'
        f'IF(AND(OR({status}={excel(PLANNED)},{status}={excel(IN_PROGRESS)},{status}=""),'
        f'ISNUMBER({planned_date}),{planned_date}<{as_of}),'
        f'{excel(BEHIND_SCHEDULE)},{excel(SCHEDULED)})))))))')
