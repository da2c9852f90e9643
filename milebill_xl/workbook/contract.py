"""The sheet contract of ../shared/spec/WORKBOOK.md as data.

Sheet names, table names, column headers and setting keys live here and
nowhere else. Code finds columns by header, never by position. Columns may
be added after the listed ones (``*_EXTRA`` below are ours); never rename
or drop a listed one.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core import records as rec


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

# (key, default) in template order. Defaults are cell values.
SETTING_DEFAULTS: tuple[tuple[str, object], ...] = (
    ("Company", ""),
    ("Company Address", ""),
    ("Company Tax ID", ""),
    ("Company Email", ""),
    ("Bank Details", ""),
    ("Invoice Number Format", "INV-{year}-{seq:04d}"),
    ("Next Invoice Seq", 1),
    ("Credit Note Number Format", "CN-{year}-{seq:04d}"),
    ("Next Credit Note Seq", 1),
    ("Default Payment Terms", "Net 30"),
    ("Default Currency", "USD"),
    ("Default Tax Rate", 0),
    ("Due Soon Days", 7),
    ("Approval SLA Days", 5),
    ("Invoice Folder", "invoices"),
    ("As Of Date", None),
    ("Operator", ""),
    ("Write-off Limit", 0),
    ("Retention Tax", rec.ON_RELEASE),
)

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
    "Retention Tax": "RetentionTax",
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
    # computed (core/retention.py); an older workbook without it keeps working
    optional=("Retention Held",),
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
    # Retention and Deposit Applied: written by issue (net of tax); an older
    # workbook without them bills projects without retention or deposit
    optional=("Document SHA-256", "Retention", "Deposit Applied"),
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
# formulas, see workbook/formulas.py). Readers may ignore them; never rely on
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
    "tblBasis": ("Basis", rec.BASES),
    "tblStatus": ("Status", ("Planned", "In Progress", "Complete", "Cancelled")),
    "tblApproval": ("Approval", ("Pending", "Approved", "Rejected")),
    "tblInvoiceType": ("Type", rec.INVOICE_TYPES),
    "tblRetentionTax": ("Retention Tax", rec.RETENTION_TAX_MODES),
    "tblPaymentKind": ("Kind", ("Payment", "Discount", "Write-off", "Credit Applied")),
    "tblFlags": ("Flag", ("Cancelled", "Paid", "Overdue", "Due Soon", "Invoiced",
                          "Ready to Invoice", "Blocked", "Rejected", "Approval Overdue",
                          "Awaiting Approval", "Behind Schedule", "Scheduled")),
}
