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


# Column roles
INPUT = "input"        # typed by the user (or imported); read into a record field
WRITTEN = "written"    # written by the tool (issue, void), read back into a field
COMPUTED = "computed"  # a contract formula column; the tool caches a result field
HELPER = "helper"      # our formula column after the contract's; a cached helper value

# Cell kinds of read columns (workbook/parse.py turns each into its reader)
ID, TEXT, DATE, MONEY, SIGNED_MONEY, PERCENT, CURRENCY, COUNT = (
    "id", "text", "date", "money", "signed money", "percent", "currency", "count")


@dataclass(frozen=True)
class Column:
    """One table column, declared once: its header, the record (or result)
    field it holds, its role, how its cells read, and whether an older
    workbook may lack it (read as blank, written only where present)."""

    header: str
    field: str | None = None
    role: str = INPUT
    kind: str | tuple[str, ...] = TEXT   # a tuple: a choice among those words
    optional: bool = False


def inputs(*spec: tuple) -> tuple[Column, ...]:
    """Input ``Column``s from (header, field[, kind]) tuples."""
    return tuple(Column(h, f, INPUT, *kind) for h, f, *kind in spec)


def helpers(*headers: str) -> tuple[Column, ...]:
    return tuple(Column(h, role=HELPER) for h in headers)


@dataclass(frozen=True)
class TableSpec:
    name: str            # Excel table (ListObject) name
    sheet: str           # sheet it lives on in the template
    declared: tuple[Column, ...]   # every column, in template order

    def _headers(self, keep) -> tuple[str, ...]:
        return tuple(c.header for c in self.declared if keep(c))

    @property
    def columns(self) -> tuple[str, ...]:
        """The required headers (the contract's and ours every book has)."""
        return self._headers(lambda c: c.role != HELPER and not c.optional)

    @property
    def computed(self) -> tuple[str, ...]:
        """Contract formula columns (Excel computes, the tool caches)."""
        return self._headers(lambda c: c.role == COMPUTED)

    @property
    def written(self) -> tuple[str, ...]:
        """Required value columns the tool writes."""
        return self._headers(lambda c: c.role == WRITTEN and not c.optional)

    @property
    def optional(self) -> tuple[str, ...]:
        """Columns after the required ones that an older workbook may lack."""
        return self._headers(lambda c: c.optional)

    @property
    def inputs(self) -> tuple[str, ...]:
        """Required columns the user types."""
        return self._headers(lambda c: c.role == INPUT and not c.optional)

    @property
    def read(self) -> tuple[Column, ...]:
        """The columns read into records: inputs and written, optional ones too."""
        return tuple(c for c in self.declared if c.role in (INPUT, WRITTEN))

    @property
    def extra(self) -> tuple[str, ...]:
        """Our helper formula columns, after the contract's."""
        return self._headers(lambda c: c.role == HELPER)

    @property
    def results(self) -> dict[str, str]:
        """Computed header -> the result field whose value it caches."""
        return {c.header: c.field for c in self.declared if c.role == COMPUTED and c.field}

    def values(self, record, present=None, **override) -> dict[str, object]:
        """Header -> value of ``record`` for every read column, as a row to
        append; ``present`` (header -> bool, e.g. a geometry's index) drops
        optional columns the workbook lacks; ``override`` by field name."""
        out = {}
        for c in self.read:
            if c.optional and present is not None and present(c.header) is None:
                continue
            value = override[c.field] if c.field in override else getattr(record, c.field)
            out[c.header] = None if value == "" else value   # blank text: an empty cell
        return out


SETTINGS = TableSpec("tblSettings", "Settings",
                     inputs(("Setting", None), ("Value", None)) + helpers("Notes"))

# Setting kinds beyond the column kinds (workbook/parse.py reads each)
SEQ, DAYS, NUMBER_FORMAT, TEXT_OR_DEFAULT = "seq", "days", "number format", "text or default"
DAY_LIST = "day list"          # Reminder Days: 7, 30, 60


@dataclass(frozen=True)
class SettingSpec:
    """One setting row, declared once: its key (the ``Settings`` record field
    of the same words, whose default is the one default), the defined name
    formulas use, and how its Value reads (a blank keeps the default)."""

    key: str
    name: str
    kind: str | tuple[str, ...] = TEXT   # a tuple: a choice among those words

    @property
    def attr(self) -> str:
        return setting_attr(self.key)


def setting_attr(key: str) -> str:
    """The ``Settings`` field of a setting key: ``Write-off Limit`` -> ``write_off_limit``."""
    return key.lower().replace(" ", "_").replace("-", "_")


SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("Company", "Company"),
    SettingSpec("Company Address", "CompanyAddress"),
    SettingSpec("Company Tax ID", "CompanyTaxID"),
    SettingSpec("Company Email", "CompanyEmail"),
    SettingSpec("Bank Details", "BankDetails"),
    SettingSpec("Invoice Number Format", "InvoiceNumberFormat", NUMBER_FORMAT),
    SettingSpec("Next Invoice Seq", "NextInvoiceSeq", SEQ),
    SettingSpec("Credit Note Number Format", "CreditNoteNumberFormat", NUMBER_FORMAT),
    SettingSpec("Next Credit Note Seq", "NextCreditNoteSeq", SEQ),
    SettingSpec("Default Payment Terms", "DefaultPaymentTerms", TEXT_OR_DEFAULT),
    SettingSpec("Default Currency", "DefaultCurrency", CURRENCY),
    SettingSpec("Default Tax Rate", "DefaultTaxRate", PERCENT),
    SettingSpec("Due Soon Days", "DueSoonDays", DAYS),
    SettingSpec("Approval SLA Days", "ApprovalSLADays", DAYS),
    SettingSpec("Invoice Folder", "InvoiceFolder", TEXT_OR_DEFAULT),
    SettingSpec("As Of Date", "AsOfSetting", DATE),
    SettingSpec("Operator", "Operator"),
    SettingSpec("Write-off Limit", "WriteOffLimit", MONEY),
    SettingSpec("Reminder Days", "ReminderDays", DAY_LIST),
    SettingSpec("Late Interest Rate", "LateInterestRate", PERCENT),
    SettingSpec("Late Fee", "LateFee", MONEY),
    SettingSpec("Retention Tax", "RetentionTax", W.RETENTION_TAX_MODES),
)
SETTING_KEYS: tuple[str, ...] = tuple(s.key for s in SETTING_SPECS)


def _cell(value: object) -> object:
    """A default as the template's cell shows it (a whole Decimal as an int)."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, tuple):            # Reminder Days: 7, 30, 60
        return ", ".join(str(v) for v in value)
    return value


# (key, default) in template order, defaults as cell values.
SETTING_DEFAULTS: tuple[tuple[str, object], ...] = tuple(
    (s.key, _cell(getattr(Settings(), s.attr))) for s in SETTING_SPECS)
# Defined names (named cells) for the settings, used by template formulas.
SETTING_NAMES: dict[str, str] = {s.key: s.name for s in SETTING_SPECS}
# A defined name holding the effective as-of date: the setting, or TODAY().
AS_OF_NAME = "AsOfDate"

PROJECTS = TableSpec("tblProjects", "Projects", inputs(
    ("Project ID", "project_id", ID),
    ("Project", "name"),
    ("Client", "client"),
    ("Client Email", "client_email"),
    ("Client Address", "client_address"),
    ("PO Number", "po_number"),
    ("Contract Value", "contract_value", MONEY),
    ("Currency", "currency", CURRENCY),
    ("Tax Rate", "tax_rate", PERCENT),
    ("Payment Terms", "payment_terms"),
    ("Retainage %", "retainage_pct", PERCENT),
) + (
    Column("Allocated", "allocated", COMPUTED),
    Column("Billed", "billed", COMPUTED),
    Column("Unbilled", "unbilled", COMPUTED),
    Column("Collected", "collected", COMPUTED),
    Column("Outstanding", "outstanding", COMPUTED),
    # retention withheld less released (core/retention.py); an older
    # workbook without the column keeps working
    Column("Retention Held", "retention_held", COMPUTED, optional=True),
) + helpers(
    "Eff Currency", "Digits", "Issued Net", "Unissued Fixed", "Unissued Percent",
    "Has Issued", "Remainder", "Drift", "Schedule", "Terms Key", "Terms OK", "Can Bill"))
PROJECT_INPUTS = PROJECTS.inputs

MILESTONES = TableSpec("tblMilestones", "Milestones", inputs(
    ("Milestone ID", "milestone_id", ID),
    ("Project ID", "project_id"),
    ("Milestone", "name"),
    ("Deliverable", "deliverable"),
    ("Planned Date", "planned_date", DATE),
    ("Basis", "basis", W.BASES),
    ("Percent", "percent", PERCENT),
    ("Fixed Amount", "fixed_amount", MONEY),
    ("Status", "status", W.STATUSES),
    ("Completed Date", "completed_date", DATE),
    ("Approval", "approval", W.APPROVALS),
    ("Approved By", "approved_by"),
    ("Approval Date", "approval_date", DATE),
    ("Approval Notes", "approval_notes"),
) + (
    Column("Amount", "amount", COMPUTED),
    Column("Invoice No", "invoice_no", WRITTEN),
    Column("Invoice Date", "invoice_date", WRITTEN, DATE),
    Column("Due Date", "due_date", WRITTEN, DATE),
    Column("Paid Amount", "paid_amount", COMPUTED),
    Column("Balance", "balance", COMPUTED),
    Column("Days Overdue", "days_overdue", COMPUTED),
    Column("Flag", "flag", COMPUTED),
    # written by void and request-approval; blank in an older workbook
    Column("Approval Requested", "approval_requested", WRITTEN, DATE, optional=True),
) + helpers(
    "Project Row", "Invoice Row", "Project Currency", "Digits", "Eff Basis",
    "Eff Due Date", "Issued Net", "Fixed Part", "Weight", "Cum Weight",
    "Plan Weight", "Plan Cum Weight", "Plan Amount", "Billable", "Approval Days"))
MILESTONE_INPUTS = MILESTONES.inputs

INVOICES = TableSpec("tblInvoices", "Invoices", (
    Column("Invoice No", "invoice_no", WRITTEN, ID),
    Column("Type", "type", WRITTEN, W.INVOICE_TYPES),
    Column("Issue Date", "issue_date", WRITTEN, DATE),
    Column("Due Date", "due_date", WRITTEN, DATE),
    Column("Project ID", "project_id", WRITTEN),
    Column("Milestone ID", "milestone_id", WRITTEN),
    Column("Client", "client", WRITTEN),
    Column("Currency", "currency", WRITTEN, CURRENCY),
    Column("Net", "net", WRITTEN, SIGNED_MONEY),
    Column("Tax", "tax", WRITTEN, SIGNED_MONEY),
    Column("Total", "total", WRITTEN, SIGNED_MONEY),
    Column("Paid", "paid", COMPUTED),
    Column("Balance", "balance", COMPUTED),
    Column("Status", "status", COMPUTED),
    Column("Document", "document", WRITTEN),
    Column("Related Invoice", "related_invoice", WRITTEN),
    Column("Document SHA-256", "document_sha256", WRITTEN, optional=True),
    # written by remind (blank: never reminded); an older workbook without
    # them keeps working, remind asks for them
    Column("Reminder Level", "reminder_level", WRITTEN, COUNT, optional=True),
    Column("Last Reminder", "last_reminder", WRITTEN, DATE, optional=True),
    # written by issue (net of tax): retention withheld, deposit recovered;
    # an older workbook without them bills projects that have neither
    Column("Retention", "retention", WRITTEN, SIGNED_MONEY, optional=True),
    Column("Deposit Applied", "deposit_applied", WRITTEN, SIGNED_MONEY, optional=True),
) + helpers("Digits", "Credited", "Days To Pay"))

PAYMENTS = TableSpec("tblPayments", "Payments", inputs(
    ("Payment Date", "payment_date", DATE),
    ("Invoice No", "invoice_no"),
    ("Amount", "amount", SIGNED_MONEY),
    ("Reference", "reference"),
) + (
    # Payment (blank), Discount, Write-off, Credit Applied; an older
    # workbook without it holds only payments
    Column("Kind", "kind", INPUT, W.PAYMENT_KINDS, optional=True),
))

AUDIT = TableSpec("tblAudit", "Audit", inputs(
    ("Timestamp", "timestamp"),
    ("User", "user"),
    ("Action", "action"),
    ("Reference", "reference"),
    ("Detail", "detail"),
) + (Column("Hash", "hash", INPUT, optional=True),))

TABLES: tuple[TableSpec, ...] = (SETTINGS, PROJECTS, MILESTONES, INVOICES, PAYMENTS, AUDIT)
TABLES_BY_NAME = {t.name: t for t in TABLES}

DASHBOARD_SHEET = "Dashboard"
# Currency -> minor-unit digits, built from Babel, for formulas (ROUND digits).
CURRENCIES = TableSpec("tblCurrencies", "Lists", inputs(("Currency", None), ("Digits", None)))

# Helper columns the template adds after the contract's columns (computed by
# formulas, see template/formulas.py). Readers may ignore them; never rely on
# their position, only on their header.
PROJECT_EXTRA = PROJECTS.extra
MILESTONE_EXTRA = MILESTONES.extra
INVOICE_EXTRA = INVOICES.extra
SETTINGS_EXTRA = SETTINGS.extra
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {
    t.name: t.extra for t in (SETTINGS, PROJECTS, MILESTONES, INVOICES) if t.extra}
# Small lists on the Lists sheet feeding the dropdowns: table -> (header, values).
LIST_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "tblBasis": ("Basis", W.BASES),
    "tblStatus": ("Status", W.STATUSES),
    "tblApproval": ("Approval", W.APPROVALS),
    "tblInvoiceType": ("Type", W.INVOICE_TYPES),
    "tblRetentionTax": ("Retention Tax", W.RETENTION_TAX_MODES),
    "tblPaymentKind": ("Kind", W.PAYMENT_KINDS),
    "tblFlags": ("Flag", W.FLAGS),
}
