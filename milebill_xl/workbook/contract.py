"""The sheet contract of ../shared/spec/WORKBOOK.md as data.

Sheet names, table names, column headers and setting keys live here and
nowhere else. Code finds columns by header, never by position. Columns may
be added after the listed ones (``*_EXTRA`` below are ours); never rename
or drop a listed one.
"""
from __future__ import annotations

from dataclasses import dataclass

from decimal import Decimal

from ..core import words as W
from ..core.records import Settings


@dataclass(frozen=True)
class TableSpec:
    name: str            # Excel table (ListObject) name
    sheet: str           # sheet it lives on in the template
    columns: tuple[str, ...]   # required headers, in template order
    computed: tuple[str, ...] = ()  # formula columns (Excel computes, tool caches)
    written: tuple[str, ...] = ()   # value columns the tool writes
    # columns the template has after ``columns`` that an older workbook may
    # lack: read as blank, written only where the table has them
    optional: tuple[str, ...] = ()

    @property
    def all_columns(self) -> tuple[str, ...]:
        return self.columns


SETTINGS = TableSpec("tblSettings", "Settings", ("Setting", "Value"))

# Setting keys in template order; each is the ``Settings`` record field of
# the same words (``setting_attr``), whose default is the one default.
SETTING_KEYS: tuple[str, ...] = (
    "Company", "Company Address", "Company Tax ID", "Company Email", "Bank Details",
    "Invoice Number Format", "Next Invoice Seq", "Credit Note Number Format",
    "Next Credit Note Seq", "Default Payment Terms", "Default Currency", "Default Tax Rate",
    "Due Soon Days", "Approval SLA Days", "Invoice Folder", "As Of Date", "Operator",
    "Write-off Limit", "Reminder Days", "Late Interest Rate", "Late Fee",
)


def setting_attr(key: str) -> str:
    """The ``Settings`` field of a setting key: ``Write-off Limit`` -> ``write_off_limit``."""
    return key.lower().replace(" ", "_").replace("-", "_")


def _cell(value: object) -> object:
    """A default as the template's cell shows it (a whole Decimal as an int)."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, tuple):            # Reminder Days: 7, 30, 60
        return ", ".join(str(v) for v in value)
    return value


# (key, default) in template order, defaults as cell values.
SETTING_DEFAULTS: tuple[tuple[str, object], ...] = tuple(
    (key, _cell(getattr(Settings(), setting_attr(key)))) for key in SETTING_KEYS)

# Defined names (named cells) for the settings, used by template formulas.
SETTING_NAMES: dict[str, str] = {
    "Company": "Company",
    "Company Address": "CompanyAddress",
    "Company Tax ID": "CompanyTaxID",
    "Company Email": "CompanyEmail",
    "Bank Details": "BankDetails",
    "Invoice Number Format": "InvoiceNumberFormat",
    "Next Invoice Seq": "NextInvoiceSeq",
    "Credit Note Number Format": "CreditNoteNumberFormat",
    "Next Credit Note Seq": "NextCreditNoteSeq",
    "Default Payment Terms": "DefaultPaymentTerms",
    "Default Currency": "DefaultCurrency",
    "Default Tax Rate": "DefaultTaxRate",
    "Due Soon Days": "DueSoonDays",
    "Approval SLA Days": "ApprovalSLADays",
    "Invoice Folder": "InvoiceFolder",
    "As Of Date": "AsOfSetting",
    "Operator": "Operator",
    "Write-off Limit": "WriteOffLimit",
    "Reminder Days": "ReminderDays",
    "Late Interest Rate": "LateInterestRate",
    "Late Fee": "LateFee",
}
# A defined name holding the effective as-of date: the setting, or TODAY().
AS_OF_NAME = "AsOfDate"

PROJECTS = TableSpec(
    "tblProjects", "Projects",
    ("Project ID", "Project", "Client", "Client Email", "Client Address",
     "PO Number", "Contract Value", "Currency", "Tax Rate", "Payment Terms",
     "Retainage %",
     "Allocated", "Billed", "Unbilled", "Collected", "Outstanding"),
    computed=("Allocated", "Billed", "Unbilled", "Collected", "Outstanding"),
)
PROJECT_INPUTS = PROJECTS.columns[:11]

MILESTONES = TableSpec(
    "tblMilestones", "Milestones",
    ("Milestone ID", "Project ID", "Milestone", "Deliverable", "Planned Date",
     "Basis", "Percent", "Fixed Amount", "Status", "Completed Date",
     "Approval", "Approved By", "Approval Date", "Approval Notes",
     "Amount", "Invoice No", "Invoice Date", "Due Date", "Paid Amount",
     "Balance", "Days Overdue", "Flag"),
    computed=("Amount", "Paid Amount", "Balance", "Days Overdue", "Flag"),
    written=("Invoice No", "Invoice Date", "Due Date"),
    # written by void and request-approval; blank in an older workbook
    optional=("Approval Requested",),
)
MILESTONE_INPUTS = MILESTONES.columns[:14]

INVOICES = TableSpec(
    "tblInvoices", "Invoices",
    ("Invoice No", "Type", "Issue Date", "Due Date", "Project ID",
     "Milestone ID", "Client", "Currency", "Net", "Tax", "Total", "Paid",
     "Balance", "Status", "Document", "Related Invoice"),
    computed=("Paid", "Balance", "Status"),
    # Reminder Level / Last Reminder: written by remind; an older workbook
    # without them is read as never reminded (remind asks for them)
    optional=("Document SHA-256", "Reminder Level", "Last Reminder"),
)

PAYMENTS = TableSpec(
    "tblPayments", "Payments",
    ("Payment Date", "Invoice No", "Amount", "Reference"),
    # Payment (blank), Discount, Write-off, Credit Applied; an older
    # workbook without it holds only payments
    optional=("Kind",),
)

AUDIT = TableSpec(
    "tblAudit", "Audit",
    ("Timestamp", "User", "Action", "Reference", "Detail"),
    optional=("Hash",),
)

TABLES: tuple[TableSpec, ...] = (SETTINGS, PROJECTS, MILESTONES, INVOICES, PAYMENTS, AUDIT)
TABLES_BY_NAME = {t.name: t for t in TABLES}

DASHBOARD_SHEET = "Dashboard"
# Currency -> minor-unit digits, built from Babel, for formulas (ROUND digits).
CURRENCIES = TableSpec("tblCurrencies", "Lists", ("Currency", "Digits"))

# Helper columns the template adds after the contract's columns (computed by
# formulas, see template/formulas.py). Readers may ignore them; never rely on
# their position, only on their header.
PROJECT_EXTRA: tuple[str, ...] = (
    "Eff Currency", "Digits", "Issued Net", "Unissued Fixed", "Unissued Percent",
    "Has Issued", "Remainder", "Drift", "Schedule", "Terms Key", "Terms OK", "Can Bill")
MILESTONE_EXTRA: tuple[str, ...] = (
    "Project Row", "Invoice Row", "Project Currency", "Digits", "Eff Basis",
    "Eff Due Date", "Issued Net", "Fixed Part", "Weight", "Cum Weight",
    "Plan Weight", "Plan Cum Weight", "Plan Amount", "Billable", "Approval Days")
INVOICE_EXTRA: tuple[str, ...] = ("Digits", "Credited", "Days To Pay")
SETTINGS_EXTRA: tuple[str, ...] = ("Notes",)
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {
    SETTINGS.name: SETTINGS_EXTRA,
    PROJECTS.name: PROJECT_EXTRA,
    MILESTONES.name: MILESTONE_EXTRA,
    INVOICES.name: INVOICE_EXTRA,
}
# Small lists on the Lists sheet feeding the dropdowns: table -> (header, values).
LIST_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "tblBasis": ("Basis", W.BASES),
    "tblStatus": ("Status", W.STATUSES),
    "tblApproval": ("Approval", W.APPROVALS),
    "tblInvoiceType": ("Type", W.INVOICE_TYPES),
    "tblPaymentKind": ("Kind", W.PAYMENT_KINDS),
    "tblFlags": ("Flag", W.FLAGS),
}
