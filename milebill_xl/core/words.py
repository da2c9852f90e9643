"""Every word a rule reads or writes, defined once.

The contract's words (WORKBOOK.md: never rename them) and the few we added
(``Applied``, ``Blocked``, the payment kinds). The engine, the Excel
formula text, the Dashboard, the dropdown lists, the UDFs and the documents
all import them from here, so a word changes in one place or nowhere.
"""
from __future__ import annotations

# tblMilestones Basis, Status, Approval
PERCENT, FIXED, DEPOSIT = "Percent", "Fixed", "Deposit"
PLANNED, IN_PROGRESS, COMPLETE, CANCELLED = "Planned", "In Progress", "Complete", "Cancelled"
PENDING, APPROVED, REJECTED = "Pending", "Approved", "Rejected"
BASES = (PERCENT, FIXED, DEPOSIT)
STATUSES = (PLANNED, IN_PROGRESS, COMPLETE, CANCELLED)
APPROVALS = (PENDING, APPROVED, REJECTED)

# tblInvoices Type and Status; APPLIED is our word for a credit note
INVOICE, CREDIT_NOTE, RETENTION_RELEASE = "Invoice", "Credit Note", "Retention Release"
OPEN, PARTIALLY_PAID, PAID, VOID = "Open", "Partially Paid", "Paid", "Void"
APPLIED = "Applied"
INVOICE_TYPES = (INVOICE, CREDIT_NOTE, RETENTION_RELEASE)
#: documents a client pays (aging, overdue, collected, the invoice number
#: series): every type but the credit note
RECEIVABLE_TYPES = (INVOICE, RETENTION_RELEASE)
INVOICE_STATUSES = (OPEN, PARTIALLY_PAID, PAID, VOID)

# tblPayments Kind (a blank cell is a Payment). Paid counts PAYMENT and
# CREDIT_APPLIED rows; every row counts against the Balance.
PAYMENT, DISCOUNT, WRITE_OFF, CREDIT_APPLIED = "Payment", "Discount", "Write-off", "Credit Applied"
PAYMENT_KINDS = (PAYMENT, DISCOUNT, WRITE_OFF, CREDIT_APPLIED)
PAID_KINDS = (PAYMENT, CREDIT_APPLIED)
#: rows that settle a balance without money changing hands
SETTLING_KINDS = (DISCOUNT, WRITE_OFF)

# Settings Retention Tax: when the tax on retention is invoiced (default first)
ON_RELEASE, ON_INVOICE = "On release", "On invoice"
RETENTION_TAX_MODES = (ON_RELEASE, ON_INVOICE)

# Milestone flags (rule 7, with our BLOCKED), in precedence order
FLAG_CANCELLED = CANCELLED
FLAG_PAID = PAID
OVERDUE = "Overdue"
DUE_SOON = "Due Soon"
INVOICED = "Invoiced"
READY_TO_INVOICE = "Ready to Invoice"
BLOCKED = "Blocked"
FLAG_REJECTED = REJECTED
APPROVAL_OVERDUE = "Approval Overdue"
AWAITING_APPROVAL = "Awaiting Approval"
BEHIND_SCHEDULE = "Behind Schedule"
SCHEDULED = "Scheduled"
FLAGS = (FLAG_CANCELLED, FLAG_PAID, OVERDUE, DUE_SOON, INVOICED, READY_TO_INVOICE,
         BLOCKED, FLAG_REJECTED, APPROVAL_OVERDUE, AWAITING_APPROVAL,
         BEHIND_SCHEDULE, SCHEDULED)
#: complete and approved, not invoiced: the next issue bills them (or a
#: problem blocks them); "approved but unbilled" in reports and metrics
APPROVED_UNBILLED = (READY_TO_INVOICE, BLOCKED)
#: waiting for the client's approval (request-approval chases these)
AWAITING = (AWAITING_APPROVAL, APPROVAL_OVERDUE)

# Aging buckets (rule 8) by days past due
CURRENT, D1_30, D31_60, D61_90, D90_PLUS = "Current", "1-30", "31-60", "61-90", "90+"
BUCKETS = (CURRENT, D1_30, D31_60, D61_90, D90_PLUS)
OVERDUE_BUCKETS = BUCKETS[1:]


def excel(word: str) -> str:
    """``word`` as an Excel string literal, for the formula text that
    mirrors a rule (``Paid`` -> ``"Paid"``)."""
    return '"' + word.replace('"', '""') + '"'

# Reminder letters (core/dunning.py): the first level, the levels between
# ("Second reminder", ...) and the last
REMINDER_FIRST, REMINDER_FINAL = "Payment reminder", "Final reminder"
REMINDER_ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh",
                     "Eighth", "Ninth", "Tenth")
