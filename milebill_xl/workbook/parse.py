"""Raw table values -> checked core records, every problem reported at once.

Source-agnostic: the calamine file reader and the live-Excel reader both
build :class:`~.geometry.RawTable` objects and call :func:`parse_book`.

What the returned BookData guarantees (so the engine needs no guards):
IDs are non-blank and unique within their table (a blank or repeated ID's
row is left out and reported); every milestone's project exists; every
payment's invoice exists. Rows with a bad cell are kept with that field at
its default, so later rules still see them; the problem is reported.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import MappingProxyType
from decimal import Decimal
from operator import itemgetter
from typing import Callable, Iterator, Mapping, Sequence

from ..core import records as rec
from ..core.currency import ISO_4217, Currency, table_currencies
from ..core.records import (AuditEntry, BookData, Invoice, Milestone, Payment, Problem, Project,
                            Settings)
from . import contract
from .cells import (ERROR_CODES, CellProblem, check_number_format, choice_map, quote_sheet, to_choice,
                    to_currency, to_date, to_int, to_money, to_percent, to_text)
from .geometry import Locator, RawTable, TableGeometry, header_key

# DESIGN.md: a credit note's Status is "Applied" (our word beyond the contract).
APPLIED = "Applied"

_BASES = choice_map(rec.BASES)
_STATUSES = choice_map(rec.STATUSES)
_APPROVALS = choice_map(rec.APPROVALS)
_TYPES = choice_map(rec.INVOICE_TYPES)
_KINDS = choice_map(rec.PAYMENT_KINDS)
_RETENTION_TAX = choice_map(rec.RETENTION_TAX_MODES)
_INVOICE_STATUSES = choice_map(rec.INVOICE_STATUSES + (APPLIED,))
# Canonical spellings, for a quick exact match before the lenient one.
_EXACT = {w: w for w in rec.BASES + rec.STATUSES + rec.APPROVALS + rec.INVOICE_TYPES
          + rec.PAYMENT_KINDS}

_ZERO = Decimal(0)
_BAD = object()  # a cell that could not be read (its problem is already reported)

# Columns read from each table (the rest, e.g. computed ones, are ignored).
SETTINGS_COLUMNS = contract.SETTINGS.columns
PROJECT_COLUMNS = contract.PROJECT_INPUTS
MILESTONE_COLUMNS = (contract.MILESTONE_INPUTS + contract.MILESTONES.written
                     + contract.MILESTONES.optional)
INVOICE_COLUMNS = tuple(c for c in contract.INVOICES.columns if c not in contract.INVOICES.computed)
PAYMENT_COLUMNS = contract.PAYMENTS.columns + contract.PAYMENTS.optional
AUDIT_COLUMNS = contract.AUDIT.columns

_TABLE_ORDER = {t.name: i for i, t in enumerate(contract.TABLES)}


def _setting_attr(key: str) -> str:
    return key.lower().replace(" ", "_").replace("-", "_")


def _seq(value, label):
    return to_int(value, label, minimum=1)


def _days(value, label):
    return to_int(value, label, minimum=0)


def _number_format(value, label):
    text = to_text(value, label)
    return check_number_format(text, label) if text else None


def _blank_is_none(fn):
    def coerce(value, label):
        text = fn(value, label)
        return text or None
    return coerce


# Setting key -> coercion of its Value; a None result keeps the default.
_SETTING_KINDS: dict[str, Callable] = {
    "Company": to_text,
    "Company Address": to_text,
    "Company Tax ID": to_text,
    "Company Email": to_text,
    "Bank Details": to_text,
    "Invoice Number Format": _number_format,
    "Next Invoice Seq": _seq,
    "Credit Note Number Format": _number_format,
    "Next Credit Note Seq": _seq,
    "Default Payment Terms": _blank_is_none(to_text),
    "Default Currency": to_currency,
    "Default Tax Rate": to_percent,
    "Due Soon Days": _days,
    "Approval SLA Days": _days,
    "Invoice Folder": _blank_is_none(to_text),
    "As Of Date": to_date,
    "Operator": to_text,
    "Write-off Limit": to_money,
    "Retention Tax": lambda value, label: to_choice(value, label, _RETENTION_TAX),
}


class _Table:
    """One contract table being read: its columns found by header, its
    problems collected."""

    def __init__(self, spec: contract.TableSpec, raw: RawTable | None,
                 required: Sequence[str], problems: list[Problem]) -> None:
        self.name = spec.name
        self.spec = spec
        self.problems = problems
        self.raw = raw
        self.geometry: TableGeometry | None = raw.geometry if raw is not None else None
        self.missing: set[str] = set()
        if raw is None:
            problems.append(Problem(spec.name, None, None,
                f"The workbook has no table named {spec.name}; it belongs on the "
                f"{spec.sheet} sheet (select the range, Insert > Table, and name it "
                f"{spec.name} under Table Design)"))
            return
        g = raw.geometry
        for header in required:
            if g.index(header) is None:
                self.missing.add(header)
                problems.append(Problem(spec.name, None, header,
                    f"Table {g.name} on sheet {g.sheet} has no column '{header}'; "
                    "add a column with exactly that header"))

    @property
    def usable(self) -> bool:
        return self.raw is not None

    def has(self, header: str) -> bool:
        return self.raw is not None and header not in self.missing \
            and self.geometry.index(header) is not None

    def where(self, row: int, header: str) -> str:
        g = self.geometry
        return f"{quote_sheet(g.sheet)}!{g.address(row, header)}"

    def problem(self, row: int | None, header: str | None, message: str) -> None:
        self.problems.append(Problem(self.name, row, header, message))

    def rows(self, headers: Sequence[str]) -> Iterator[tuple[int, tuple]]:
        """(data row, values in ``headers`` order) for each non-blank row;
        a column the table lacks reads as blank. Rows blank in every read
        column are skipped: Excel tables often carry empty rows."""
        if self.raw is None:
            return
        g = self.geometry
        idx = [g.index(h) for h in headers]
        present = [i for i in idx if i is not None]
        width = max(present) + 1 if present else 0
        # Every column present (the normal case): one C-level itemgetter call
        # per row instead of a list comprehension.
        pick = itemgetter(*idx) if len(present) == len(idx) > 1 else None
        for r, values in enumerate(self.raw.rows):
            if len(values) < width:
                values = list(values) + [None] * (width - len(values))
            cells = pick(values) if pick is not None else \
                tuple(None if i is None else values[i] for i in idx)
            for v in cells:
                if v is not None and v != "" and (type(v) is not str or not v.isspace()):
                    break
            else:
                continue
            yield r, cells

    def take(self, row: int, header: str, fn: Callable, value: object, *args,
             label: str | None = None):
        """``fn(value, label or header)``, or _BAD after reporting its
        problem on the ``header`` cell."""
        try:
            return fn(value, label or header, *args)
        except CellProblem as exc:
            self.problems.append(Problem(self.name, row, header, str(exc)))
            return _BAD

    def text(self, row: int, header: str, value: object) -> str:
        t = type(value)
        if t is str and value[:1] != "#":
            return value.strip()
        if value is None:
            return ""
        out = self.take(row, header, to_text, value)
        return "" if out is _BAD else out

    def date(self, row: int, header: str, value: object):
        """A date or None (blank or reported)."""
        if type(value) is date:
            return value
        if value is None or value == "":
            return None
        out = self.take(row, header, to_date, value)
        return None if out is _BAD else out

    def choice(self, row: int, header: str, value: object, choices: dict[str, str]):
        """A contract word, None when blank, _BAD when reported."""
        if type(value) is str:
            word = _EXACT.get(value)
            if word is not None and choices.get(word.lower()) == word:
                return word
        elif value is None:
            return None
        return self.take(row, header, to_choice, value, choices)

    def unique_id(self, row: int, header: str, value: object, seen: dict[str, int],
                  what: str) -> str | None:
        """The row's ID, or None (reported) when blank or repeated."""
        ident = self.text(row, header, value)
        if not ident:
            if value not in ERROR_CODES:  # an error cell is already reported
                self.problem(row, header, f"{header} is blank; every {what} needs one")
            return None
        first = seen.get(ident)
        if first is not None:
            self.problem(row, header,
                f"{header} '{ident}' is used twice; it is already used at {self.where(first, header)}")
            return None
        seen[ident] = row
        return ident


def _ok(value, default=None):
    return default if value is None or value is _BAD else value


def _parse_currencies(raw: RawTable | None, problems: list[Problem]) -> dict[str, Currency]:
    """The workbook's currency list (code -> Currency with its digits): the
    one source of minor units for everything that reads this workbook, as
    its formulas look them up there too. A workbook without the table (made
    by hand) gets ISO 4217's."""
    if raw is None:
        return table_currencies(ISO_4217)
    t = _Table(contract.CURRENCIES, raw, contract.CURRENCIES.columns, problems)
    digits: dict[str, int] = {}
    for r, (code_cell, digits_cell) in t.rows(contract.CURRENCIES.columns):
        code = t.text(r, "Currency", code_cell).upper()
        n = t.take(r, "Digits", to_int, digits_cell, 0)
        if not code or n is _BAD:
            continue
        if n is None or n > 4:
            t.problem(r, "Digits", f"Digits of {code} must be a whole number from 0 to 4 "
                      f"(the minor unit: USD 2, JPY 0, KWD 3), got {'nothing' if n is None else n}")
        elif code in digits:
            t.problem(r, "Currency", f"Currency '{code}' is listed twice")
        else:
            digits[code] = n
    return table_currencies(digits)


def _parse_settings(t: _Table, currencies: Mapping[str, Currency]) -> tuple[Settings, dict[str, int]]:
    values: dict[str, object] = {}
    rows: dict[str, int] = {}
    keys = {header_key(k): k for k, _ in contract.SETTING_DEFAULTS}
    for r, (key_cell, value) in t.rows(SETTINGS_COLUMNS):
        key = t.text(r, "Setting", key_cell)
        if not key:
            continue
        canon = keys.get(header_key(key))
        if canon is None:
            continue  # a team's own note row: not ours to judge
        if canon in rows:
            t.problem(r, "Setting", f"Setting '{canon}' appears twice; the one at "
                      f"{t.where(rows[canon], 'Setting')} is used")
            continue
        rows[canon] = r
        kind = _SETTING_KINDS[canon]
        args = (currencies,) if kind is to_currency else ()
        got = t.take(r, "Value", kind, value, *args, label=canon)
        if got is not None and got is not _BAD:
            values[_setting_attr(canon)] = got
    settings = Settings(**values)
    default = currencies.get(settings.default_currency)
    if default is not None and type(settings.default_currency) is not Currency:
        settings = replace(settings, default_currency=default)
    return settings, rows


def _parse_projects(t: _Table, settings: Settings, currencies: Mapping[str, Currency]
                    ) -> tuple[list[Project], dict[str, int], set[str]]:
    projects: list[Project] = []
    seen: dict[str, int] = {}
    blank_value: set[str] = set()
    (c_id, c_name, c_client, c_email, c_addr, c_po, c_value, c_cur, c_tax, c_terms,
     c_ret) = PROJECT_COLUMNS
    for r, v in t.rows(PROJECT_COLUMNS):
        value = t.take(r, c_value, to_money, v[6])
        currency = t.take(r, c_cur, to_currency, v[7], currencies)
        tax = t.take(r, c_tax, to_percent, v[8])
        retainage = t.take(r, c_ret, to_percent, v[10])
        name = t.text(r, c_name, v[1])
        client = t.text(r, c_client, v[2])
        email = t.text(r, c_email, v[3])
        address = t.text(r, c_addr, v[4])
        po = t.text(r, c_po, v[5])
        terms = t.text(r, c_terms, v[9])
        pid = t.unique_id(r, c_id, v[0], seen, "project") if t.has(c_id) else None
        if pid is None:
            continue
        if value is None and t.has(c_value):
            blank_value.add(pid)
        projects.append(Project(
            project_id=pid, name=name, client=client, client_email=email,
            client_address=address, po_number=po,
            contract_value=_ok(value, _ZERO),
            currency=_ok(currency, settings.default_currency),
            tax_rate=_ok(tax, settings.default_tax_rate),
            payment_terms=terms or settings.default_payment_terms,
            retainage_pct=_ok(retainage, _ZERO),
            row=r,
        ))
    return projects, seen, blank_value


def _parse_invoices(t: _Table, settings: Settings, projects: dict[str, Project],
                    currencies: Mapping[str, Currency]) -> tuple[list[Invoice], dict[str, int]]:
    invoices: list[Invoice] = []
    seen: dict[str, int] = {}
    columns = INVOICE_COLUMNS + ("Status",) + contract.INVOICES.optional
    status_present = t.has("Status")
    credit_notes: list[Invoice] = []
    for r, v in t.rows(columns):
        (no, typ, issue, due, pid, mid, client, currency, net, tax, total, document,
         related, status, document_sha, retention, deposit_applied) = v
        typ = _ok(t.choice(r, "Type", typ, _TYPES), rec.INVOICE)
        issue = t.date(r, "Issue Date", issue)
        due = t.date(r, "Due Date", due)
        pid = t.text(r, "Project ID", pid)
        mid = t.text(r, "Milestone ID", mid)
        client = t.text(r, "Client", client)
        currency = _ok(t.take(r, "Currency", to_currency, currency, currencies))
        amounts = []
        for header, cell in (("Net", net), ("Tax", tax), ("Total", total),
                             ("Retention", retention), ("Deposit Applied", deposit_applied)):
            amount = t.take(r, header, to_money, cell, True)
            if amount is not None and amount is not _BAD:
                if typ != rec.CREDIT_NOTE and amount < 0:
                    t.problem(r, header, f"{header} must not be negative on an invoice, "
                              f"got {amount}; a refund or correction is a credit note")
                elif typ == rec.CREDIT_NOTE and amount > 0:
                    t.problem(r, header, f"{header} of a credit note must be zero or "
                              f"negative (it takes money off an invoice), got {amount}")
            amounts.append(_ok(amount, _ZERO))
        document = t.text(r, "Document", document)
        related = t.text(r, "Related Invoice", related)
        word = None
        if status_present:
            try:
                word = to_choice(status, "Status", _INVOICE_STATUSES)
            except CellProblem:
                word = None  # computed column: refresh rewrites it
        no = t.unique_id(r, "Invoice No", no, seen, "invoice") if t.has("Invoice No") else None
        if no is None:
            continue
        if currency is None:
            project = projects.get(pid)
            currency = project.currency if project is not None else settings.default_currency
        inv = Invoice(
            invoice_no=no, type=typ, issue_date=issue, due_date=due, project_id=pid,
            milestone_id=mid, client=client, currency=currency,
            net=amounts[0], tax=amounts[1], total=amounts[2],
            status=word or (APPLIED if typ == rec.CREDIT_NOTE else rec.OPEN),
            document=document, related_invoice=related, row=r,
            document_sha256=t.text(r, "Document SHA-256", document_sha),
            retention=amounts[3], deposit_applied=amounts[4])
        invoices.append(inv)
        if typ == rec.CREDIT_NOTE:
            credit_notes.append(inv)
    if t.has("Related Invoice"):
        for cn in credit_notes:
            if not cn.related_invoice:
                t.problem(cn.row, "Related Invoice",
                          f"Credit note {cn.invoice_no} does not say which invoice it corrects; "
                          "fill Related Invoice")
            elif cn.related_invoice not in seen:
                t.problem(cn.row, "Related Invoice",
                          f"Related Invoice '{cn.related_invoice}' is not on the "
                          f"{t.geometry.sheet if t.geometry else t.spec.sheet} sheet")
    return invoices, seen


def _parse_milestones(t: _Table, projects: _Table, project_ids: dict[str, int]) -> list[Milestone]:
    """Milestones of known projects. An Invoice No missing from tblInvoices
    is left to the engine, which reports it."""
    milestones: list[Milestone] = []
    seen: dict[str, int] = {}
    check_projects = projects.has("Project ID")
    has_id = t.has("Milestone ID")
    projects_sheet = projects.geometry.sheet if projects.geometry else "Projects"
    for r, v in t.rows(MILESTONE_COLUMNS):
        (mid, pid, name, deliverable, planned, basis, percent, fixed, status, completed,
         approval, approved_by, approval_date, notes, invoice_no, invoice_date, due,
         requested) = v
        name = t.text(r, "Milestone", name)
        deliverable = t.text(r, "Deliverable", deliverable)
        planned = t.date(r, "Planned Date", planned)
        basis = t.choice(r, "Basis", basis, _BASES)
        percent = t.take(r, "Percent", to_percent, percent)
        fixed = t.take(r, "Fixed Amount", to_money, fixed)
        status = _ok(t.choice(r, "Status", status, _STATUSES), rec.PLANNED)
        completed = t.date(r, "Completed Date", completed)
        approval = _ok(t.choice(r, "Approval", approval, _APPROVALS), rec.PENDING)
        approved_by = t.text(r, "Approved By", approved_by)
        approval_date = t.date(r, "Approval Date", approval_date)
        notes = t.text(r, "Approval Notes", notes)
        invoice_no = t.text(r, "Invoice No", invoice_no)
        invoice_date = t.date(r, "Invoice Date", invoice_date)
        due = t.date(r, "Due Date", due)
        requested = t.date(r, "Approval Requested", requested)

        if basis is None:
            if percent is not None and fixed is None:
                basis = rec.PERCENT
            elif fixed is not None and percent is None:
                basis = rec.FIXED
            elif t.has("Basis"):
                t.problem(r, "Basis", "Basis is blank and both Percent and Fixed Amount are "
                          "filled; choose Percent or Fixed" if percent is not None else
                          "Basis is blank; enter Percent or Fixed and fill Percent or Fixed Amount")
                basis = _BAD
        if status != rec.CANCELLED and not invoice_no:
            if basis == rec.PERCENT and percent is None and t.has("Percent"):
                t.problem(r, "Percent", "Percent is blank for a Percent milestone; "
                          "enter its share of the contract, such as 25% or 0.25")
            elif basis == rec.FIXED and fixed is None and t.has("Fixed Amount"):
                t.problem(r, "Fixed Amount", "Fixed Amount is blank for a Fixed milestone")
            elif basis == rec.DEPOSIT and (percent is None) == (fixed is None):
                t.problem(r, "Percent", "A Deposit milestone takes either a Percent of the "
                          "contract or a Fixed Amount; "
                          + ("clear one of them" if percent is not None else "fill one of them"))

        mid = t.unique_id(r, "Milestone ID", mid, seen, "milestone") if has_id else None
        if mid is None:
            continue
        pid_text = t.text(r, "Project ID", pid)
        if not pid_text:
            if t.has("Project ID") and pid not in ERROR_CODES:
                t.problem(r, "Project ID", f"Project ID is blank; milestone {mid} must "
                          "belong to a project")
            continue
        if check_projects and pid_text not in project_ids:
            t.problem(r, "Project ID", f"Project ID '{pid_text}' is not on the "
                      f"{projects_sheet} sheet")
            continue
        milestones.append(Milestone(
            milestone_id=mid, project_id=pid_text, name=name, deliverable=deliverable,
            planned_date=planned, basis=_ok(basis, rec.PERCENT),
            percent=_ok(percent, _ZERO), fixed_amount=_ok(fixed, _ZERO),
            status=status, completed_date=completed, approval=approval,
            approved_by=approved_by, approval_date=approval_date, approval_notes=notes,
            invoice_no=invoice_no, invoice_date=invoice_date, due_date=due, row=r,
            approval_requested=requested))
    return milestones


def _parse_payments(t: _Table, invoices: _Table, invoice_ids: dict[str, int]) -> list[Payment]:
    payments: list[Payment] = []
    check_invoices = invoices.has("Invoice No")
    for r, (when, no, amount, reference, kind) in t.rows(PAYMENT_COLUMNS):
        when = t.date(r, "Payment Date", when)
        kind = _ok(t.choice(r, "Kind", kind, _KINDS), rec.PAYMENT)
        # only a Payment must be positive: a Credit Applied row takes credit
        # off a voided invoice, and void reverses Discount and Write-off rows
        amount_value = t.take(r, "Amount", to_money, amount, kind != rec.PAYMENT)
        reference = t.text(r, "Reference", reference)
        no_text = t.text(r, "Invoice No", no)
        keep = True
        if amount_value is None and t.has("Amount"):
            t.problem(r, "Amount", "Amount is blank; enter the amount received")
        if amount_value is None or amount_value is _BAD:
            keep = False
        if not no_text:
            if t.has("Invoice No") and no not in ERROR_CODES:
                t.problem(r, "Invoice No", "Invoice No is blank; say which invoice this "
                          "payment is for")
            keep = False
        elif check_invoices and no_text not in invoice_ids:
            t.problem(r, "Invoice No", f"Invoice No '{no_text}' is not on the "
                      f"{invoices.geometry.sheet if invoices.geometry else invoices.spec.sheet} sheet; "
                      "a payment must be for an issued invoice")
            keep = False
        if keep:
            payments.append(Payment(payment_date=when, invoice_no=no_text,
                                    amount=amount_value, reference=reference, row=r,
                                    kind=kind))
    return payments


def _parse_audit(t: _Table) -> tuple[AuditEntry, ...]:
    """Audit rows as text, exactly as stored (the hash chain reads them)."""
    out = []
    for r, v in t.rows(AUDIT_COLUMNS + contract.AUDIT.optional):
        out.append(AuditEntry(*(t.text(r, h, x) for h, x in
                                zip(AUDIT_COLUMNS + contract.AUDIT.optional, v)), row=r))
    return tuple(out)


def _keys(t: _Table, headers: Sequence[str]) -> dict[int, tuple[str, ...]]:
    """Data row -> the text of ``headers`` in that row, as typed (blank for
    a cell that is not text): what a row's problem touches."""
    out = {}
    for r, cells in t.rows(headers):
        out[r] = tuple(c.strip() if isinstance(c, str) else "" for c in cells)
    return out


def _scoped(problems: list[Problem], projects: _Table, milestones: _Table,
            invoices: _Table, payments: _Table) -> list[Problem]:
    """Each row problem with the project (and invoice) it touches, so a
    typo in one project stops that project's billing only (README,
    "A problem blocks only what it touches")."""
    rows = {projects.name: {r: (k[0], "") for r, k in _keys(projects, ("Project ID",)).items()},
            milestones.name: {r: (k[0], "") for r, k in _keys(milestones, ("Project ID",)).items()},
            invoices.name: {r: (k[1], k[0]) for r, k in
                            _keys(invoices, ("Invoice No", "Project ID")).items()},
            payments.name: {r: ("", k[0]) for r, k in _keys(payments, ("Invoice No",)).items()}}
    out = []
    for p in problems:
        found = rows.get(p.table, {}).get(p.row) if p.row is not None else None
        out.append(replace(p, project_id=found[0], invoice_no=found[1]) if found else p)
    return out


def _find(tables: Mapping[str, RawTable], name: str) -> RawTable | None:
    raw = tables.get(name)
    if raw is not None:
        return raw
    lower = name.lower()
    for key in tables:       # keys only: a value may still be being read
        if key.lower() == lower:
            return tables[key]
    return None


def parse_book(tables: Mapping[str, RawTable]) -> tuple[BookData, Locator]:
    """Read the contract tables (keyed by table name, any case) into records.

    Every problem found is in ``BookData.problems``, ordered by table, row
    and column; nothing is raised for bad cell values."""
    problems: list[Problem] = []
    # Milestones come last: with open_tables, the biggest table may still be
    # being read while the others are parsed. Problems are sorted below, so
    # the order tables are parsed in does not show.
    settings_t = _Table(contract.SETTINGS, _find(tables, contract.SETTINGS.name),
                        SETTINGS_COLUMNS, problems)
    projects_t = _Table(contract.PROJECTS, _find(tables, contract.PROJECTS.name),
                        PROJECT_COLUMNS, problems)
    invoices_t = _Table(contract.INVOICES, _find(tables, contract.INVOICES.name),
                        INVOICE_COLUMNS, problems)
    payments_t = _Table(contract.PAYMENTS, _find(tables, contract.PAYMENTS.name),
                        contract.PAYMENTS.columns, problems)
    audit_t = _Table(contract.AUDIT, _find(tables, contract.AUDIT.name), AUDIT_COLUMNS, problems)

    currencies = _parse_currencies(_find(tables, contract.CURRENCIES.name), problems)
    settings, setting_rows = _parse_settings(settings_t, currencies)
    projects, project_ids, blank_value = _parse_projects(projects_t, settings, currencies)
    by_project = {p.project_id: p for p in projects}
    invoices, invoice_ids = _parse_invoices(invoices_t, settings, by_project, currencies)
    payments = _parse_payments(payments_t, invoices_t, invoice_ids)
    audit = _parse_audit(audit_t)
    milestones_t = _Table(contract.MILESTONES, _find(tables, contract.MILESTONES.name),
                          contract.MILESTONE_INPUTS + contract.MILESTONES.written, problems)
    milestones = _parse_milestones(milestones_t, projects_t, project_ids)

    with_milestones = {m.project_id for m in milestones}
    for pid in sorted(blank_value & with_milestones, key=project_ids.get):
        projects_t.problem(project_ids[pid], "Contract Value",
                           f"Contract Value is blank but project {pid} has milestones; "
                           "enter the contract value")

    geometries = {raw.geometry.name: raw.geometry for raw in tables.values()}
    locator = Locator(geometries, setting_rows)

    def order(p: Problem):
        g = locator.geometry(p.table)
        col = g.index(p.column) if (g is not None and p.column is not None) else None
        return (_TABLE_ORDER.get(p.table, len(_TABLE_ORDER)),
                -1 if p.row is None else p.row, -1 if col is None else col)

    problems[:] = _scoped(problems, projects_t, milestones_t, invoices_t, payments_t)
    problems.sort(key=order)
    book = BookData(settings=settings, projects=tuple(projects),
                    milestones=tuple(milestones), invoices=tuple(invoices),
                    payments=tuple(payments), audit=audit, problems=tuple(problems),
                    currencies=MappingProxyType(currencies))
    return book, locator
