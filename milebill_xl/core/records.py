"""Plain immutable records: what the sheets hold, once read and checked.

Every record keeps ``row``, its 0-based position among the data rows of its
table, so a rule that finds a problem can point back at the sheet cell
without knowing anything about sheets. Money is ``Decimal``; dates are
``datetime.date``; text is ``str`` ("" for blank).

The per-row records (projects, milestones, invoices, payments, audit rows
and the engine's results) are ``NamedTuple``s, as beancount's are: a book
of 100,000 milestones builds half a million of them, and a tuple is built
four times faster than a frozen dataclass (whose every field is set
through ``object.__setattr__``) and is as small as one with slots. The
few one-per-book records (``Settings``, ``BookData``) and ``Problem``
are frozen dataclasses. :func:`replace` copies either kind with changes.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple, TypeVar

# The words (re-exported: records and rules are read together)
from .words import (APPROVALS, APPROVED, BASES, CANCELLED, COMPLETE, CREDIT_APPLIED,  # noqa: F401
                    CREDIT_NOTE, DEPOSIT, DISCOUNT, E_INVOICE_FORMATS, FACTUR_X, FIXED,
                    IN_PROGRESS, INVOICE, INVOICE_STATUSES, INVOICE_TYPES, NO_E_INVOICE,
                    ON_INVOICE, ON_RELEASE, OPEN, PAID, PAID_KINDS, PARTIALLY_PAID, PAYMENT,
                    PAYMENT_KINDS, PENDING, PERCENT, PLANNED, RECEIVABLE_TYPES, REJECTED,
                    RETENTION_RELEASE, RETENTION_TAX_MODES, STANDARD, STATUSES, UBL, VOID,
                    WRITE_OFF)

#: the tables rules point their problems at (``Problem.table``)
PROJECTS_TABLE, MILESTONES_TABLE = "tblProjects", "tblMilestones"
INVOICES_TABLE, PAYMENTS_TABLE, SETTINGS_TABLE = "tblInvoices", "tblPayments", "tblSettings"


_R = TypeVar("_R")


def replace(record: _R, /, **changes) -> _R:
    """A copy of ``record`` with ``changes`` (field name -> value): a
    per-row ``NamedTuple`` record or a dataclass alike."""
    if isinstance(record, tuple):
        return record._replace(**changes)
    return dataclasses.replace(record, **changes)


#: the Settings defaults a record falls back to when built in code
DEFAULT_CURRENCY = "USD"
DEFAULT_TERMS = "Net 30"


@dataclass(frozen=True)
class Settings:
    company: str = ""
    company_address: str = ""
    company_tax_id: str = ""
    company_email: str = ""
    bank_details: str = ""
    invoice_number_format: str = "INV-{year}-{seq:04d}"
    next_invoice_seq: int = 1
    credit_note_number_format: str = "CN-{year}-{seq:04d}"
    next_credit_note_seq: int = 1
    default_payment_terms: str = DEFAULT_TERMS
    default_currency: str = DEFAULT_CURRENCY
    default_tax_rate: Decimal = Decimal(0)
    due_soon_days: int = 7
    approval_sla_days: int = 5
    invoice_folder: str = "invoices"
    as_of_date: date | None = None
    #: who the Audit rows name (blank: the signed-in person)
    operator: str = ""
    #: largest residual ``pay --write-off`` may write off, in the invoice's
    #: currency; 0 (the default) turns write-offs off
    write_off_limit: Decimal = Decimal(0)
    #: days overdue at which reminder levels 1, 2, ... are reached
    #: (core/dunning.py); the last level is the final reminder
    reminder_days: tuple[int, ...] = (7, 30, 60)
    #: statutory late-payment interest a year (fraction; 0 = none), and a
    #: fixed late-payment fee per overdue invoice in its currency (0 = none)
    late_interest_rate: Decimal = Decimal(0)
    late_fee: Decimal = Decimal(0)
    #: when retention's tax is invoiced: ``On release`` (with the release
    #: invoice) or ``On invoice`` (on the full amount of each invoice)
    retention_tax: str = ON_RELEASE
    #: the seller's country (ISO 3166-1 alpha-2): checks Company Tax ID,
    #: and e-invoices need it
    company_country: str = ""
    #: the account clients pay into (checked as IBAN and BIC)
    iban: str = ""
    bic: str = ""
    #: E_INVOICE_FORMATS: ``None`` (documents only), ``Factur-X`` or ``UBL``
    e_invoice_format: str = NO_E_INVOICE


class Project(NamedTuple):
    """A project with the Settings defaults already applied."""

    project_id: str
    name: str = ""
    client: str = ""
    client_email: str = ""
    client_address: str = ""
    po_number: str = ""
    contract_value: Decimal = Decimal(0)
    currency: str = DEFAULT_CURRENCY
    tax_rate: Decimal = Decimal(0)
    payment_terms: str = DEFAULT_TERMS
    retainage_pct: Decimal = Decimal(0)
    row: int = 0
    #: the fields left blank, which took the Settings defaults
    #: ("currency", "tax_rate", "payment_terms")
    defaulted: tuple[str, ...] = ()
    client_tax_id: str = ""
    #: ISO 3166-1 alpha-2, upper case ("" when blank)
    client_country: str = ""
    #: a TAX_CATEGORIES word; blank reads as Standard
    tax_category: str = STANDARD
    tax_exemption_reason: str = ""


class Milestone(NamedTuple):
    milestone_id: str
    project_id: str
    name: str = ""
    deliverable: str = ""
    planned_date: date | None = None
    basis: str = PERCENT
    percent: Decimal = Decimal(0)
    fixed_amount: Decimal = Decimal(0)
    status: str = PLANNED
    completed_date: date | None = None
    approval: str = PENDING
    approved_by: str = ""
    approval_date: date | None = None
    approval_notes: str = ""
    # Written by the tool when the milestone is invoiced.
    invoice_no: str = ""
    invoice_date: date | None = None
    due_date: date | None = None
    row: int = 0
    #: set by ``void`` (the void date) or ``request-approval`` (the request
    #: date): the approval SLA counts from the later of it and Completed Date
    approval_requested: date | None = None
    #: the milestone's own tax rate; None (blank) takes the project's
    tax_rate: Decimal | None = None

    @property
    def issued(self) -> bool:
        return bool(self.invoice_no)


class Invoice(NamedTuple):
    """One issued document, invoice or credit note. Credit notes carry
    negative Net, Tax and Total and name the invoice they correct in
    ``related_invoice``."""

    invoice_no: str
    type: str = INVOICE
    issue_date: date | None = None
    due_date: date | None = None
    project_id: str = ""
    milestone_id: str = ""
    client: str = ""
    currency: str = DEFAULT_CURRENCY
    net: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    status: str = OPEN
    document: str = ""
    related_invoice: str = ""
    row: int = 0
    document_sha256: str = ""
    #: the reminder level last sent for it (None: never) and when (remind)
    reminder_level: int | None = None
    last_reminder: date | None = None
    #: retention withheld from this milestone invoice (net of tax)
    retention: Decimal = Decimal(0)
    #: part of the project's deposit this invoice recovers (net of tax)
    deposit_applied: Decimal = Decimal(0)
    #: the rate and category the document was issued at (a credit note
    #: reverses them whatever the project says since); None / "" in a
    #: workbook made before these columns
    tax_rate: Decimal | None = None
    tax_category: str = ""


class Payment(NamedTuple):
    payment_date: date | None
    invoice_no: str
    amount: Decimal
    reference: str = ""
    row: int = 0
    kind: str = PAYMENT


class AuditEntry(NamedTuple):
    timestamp: str
    user: str
    action: str
    reference: str
    detail: str
    hash: str = ""
    row: int = 0


@dataclass(frozen=True)
class Problem:
    """Something wrong with the book, located by table, data row and column.

    The workbook layer turns (table, row, column) into ``Sheet!A1``.
    ``row`` is None for a problem with a whole table or column."""

    table: str
    row: int | None
    column: str | None
    message: str
    #: what the problem touches, when it is one row's: the project whose
    #: billing it stops and the invoice whose payments and void it stops
    #: (not part of equality: the same problem wherever it is found)
    project_id: str = field(default="", compare=False)
    invoice_no: str = field(default="", compare=False)

    @property
    def wide(self) -> bool:
        """A workbook-wide problem (a missing table or column, a setting,
        the currency list): it stops every command."""
        return self.row is None or self.table.lower() in WIDE_TABLES


#: tables whose row problems are workbook-wide
WIDE_TABLES = ("tblsettings", "tblcurrencies")


@dataclass(frozen=True)
class BookData:
    """Everything the rules need from one workbook."""

    settings: Settings
    projects: tuple[Project, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    payments: tuple[Payment, ...] = ()
    audit: tuple[AuditEntry, ...] = ()
    problems: tuple[Problem, ...] = field(default=())
    #: code -> Currency: the workbook's own currency list (its minor units);
    #: empty for a book built in code, whose plain codes round as ISO 4217
    currencies: Mapping[str, str] = field(default_factory=dict)
