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

from datetime import date
from types import MappingProxyType
from decimal import Decimal
from operator import itemgetter
from typing import Callable, Iterator, Mapping, Sequence

from ..core import records as rec
from ..core.words import APPLIED, STANDARD
from ..core.currency import ISO_4217, Currency, table_currencies
from ..core.records import (AuditEntry, BookData, Invoice, Milestone, Payment, Problem, Project,
                            Settings, replace)
from . import contract
from .cells import (ERROR_CODES, CellProblem, check_number_format, choice_map, quote_sheet, to_bic,
                    to_choice, to_country, to_currency, to_date, to_day_list, to_iban, to_int,
                    to_money, to_percent, to_text)
from .geometry import Locator, RawTable, TableGeometry, header_key


_INVOICE_STATUSES = choice_map(rec.INVOICE_STATUSES + (APPLIED,))
# Canonical spellings of every declared choice, for a quick exact match
# before the lenient one.
_EXACT = {w: w for spec in contract.TABLES for c in spec.declared
          if isinstance(c.kind, tuple) for w in c.kind}

_ZERO = Decimal(0)
_BAD = object()  # a cell that could not be read (its problem is already reported)

# Columns read from each table, declared in the contract (the rest, computed
# and helper columns, are ignored).
SETTINGS_COLUMNS = contract.SETTINGS.columns
PROJECT_COLUMNS = contract.PROJECT_INPUTS
AUDIT_COLUMNS = contract.AUDIT.columns


_TABLE_ORDER = {t.name: i for i, t in enumerate(contract.TABLES)}


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


# Setting kind -> coercion of its Value; a None result keeps the default.
_SETTING_READERS: dict[str, Callable] = {
    contract.TEXT: to_text,
    contract.TEXT_OR_DEFAULT: _blank_is_none(to_text),
    contract.NUMBER_FORMAT: _number_format,
    contract.SEQ: _seq,
    contract.DAYS: _days,
    contract.CURRENCY: to_currency,
    contract.PERCENT: to_percent,
    contract.DATE: to_date,
    contract.MONEY: to_money,
    contract.DAY_LIST: to_day_list,
    contract.COUNTRY: to_country,
    contract.IBAN: to_iban,
    contract.BIC: to_bic,
}
_SETTING_SPECS = {s.key: s for s in contract.SETTING_SPECS}


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


def _converters(t: "_Table", spec: contract.TableSpec, currencies: Mapping[str, Currency],
                own: Sequence[str]) -> list[tuple[str, str, Callable | None]]:
    """(field, header, fn) per column of ``spec.read``: ``fn(row, header,
    value)`` reads a cell as its declared kind (None when blank, ``_BAD``
    when its problem is reported); None passes the raw cell through."""
    out = []
    for c in spec.read:
        h, kind = c.header, c.kind
        if h in own or kind == contract.ID:
            fn = None
        elif kind == contract.TEXT:
            fn = t.text
        elif kind == contract.DATE:
            fn = t.date
        elif isinstance(kind, tuple):
            words = choice_map(kind)
            fn = (lambda words: lambda r, h, v: t.choice(r, h, v, words))(words)
        else:
            coerce, args = {contract.MONEY: (to_money, ()),
                            contract.SIGNED_MONEY: (to_money, (True,)),
                            contract.PERCENT: (to_percent, ()),
                            contract.CURRENCY: (to_currency, (currencies,)),
                            contract.COUNT: (to_int, (0,)),
                            contract.COUNTRY: (to_country, ())}[kind]
            fn = (lambda coerce, args: lambda r, h, v: None if v is None
                  else t.take(r, h, coerce, v, *args))(coerce, args)
        out.append((c.field, h, fn))
    return out


def _read(t: "_Table", spec: contract.TableSpec, currencies: Mapping[str, Currency],
          own: Sequence[str] = (), extra: Sequence[str] = ()) -> list[tuple[int, tuple, dict]]:
    """(data row, cells, {field: value}) for each non-blank row of ``t``,
    each cell read as its declared kind (see :func:`_converters`). ``own``
    columns are passed through as the raw cell, for a table rule that reads
    them itself (an ID, a cell whose rule depends on another); ``extra``
    headers are appended to ``cells`` unread.

    Read a column at a time: a value read once in a column (a status, a
    currency, an amount, a date typed as text) is not read again, unless
    reading it reported a problem, which every row that holds it gets."""
    converters = _converters(t, spec, currencies, own)
    rows = list(t.rows(tuple(c.header for c in spec.read) + tuple(extra)))
    if not rows:
        return []
    at = [r for r, _cells in rows]
    columns = []
    for (_field, header, fn), values in zip(converters, zip(*[cells for _r, cells in rows])):
        columns.append(values if fn is None else _column(t, header, fn, at, values))
    fields = [f for f, _h, _fn in converters]
    return [(r, cells, dict(zip(fields, values)))
            for (r, cells), values in zip(rows, zip(*columns))]


def _column(t: "_Table", header: str, fn: Callable, at: list[int], values: tuple) -> list:
    """``fn(row, header, value)`` for each of a column's ``values`` (rows
    ``at``), called once per distinct value; a value whose reading reports
    a problem is read again in every row that holds it, so each row gets
    its message."""
    kinds = set(map(type, values))
    if bool in kinds or int in kinds:   # True == 1 == 1.0: no sharing
        return [fn(r, header, v) for r, v in zip(at, values)]
    problems = t.problems
    first = dict(zip(reversed(values), reversed(at)))   # value -> its first row
    memo, bad = {}, set()
    for v, r in first.items():
        before = len(problems)
        memo[v] = fn(r, header, v)
        if len(problems) != before:
            bad.add(v)
    if not bad:
        return list(map(memo.__getitem__, values))
    return [fn(r, header, v) if v in bad and first[v] != r else memo[v]
            for r, v in zip(at, values)]


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
        spec = _SETTING_SPECS[canon]
        if isinstance(spec.kind, tuple):         # one of the words (Retention Tax)
            reader, args = to_choice, (choice_map(spec.kind),)
        else:
            reader = _SETTING_READERS[spec.kind]
            args = (currencies,) if spec.kind == contract.CURRENCY else ()
        got = t.take(r, "Value", reader, value, *args, label=canon)
        if got is not None and got is not _BAD:
            values[spec.attr] = got
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
    has_id = t.has("Project ID")
    for r, cells, f in _read(t, contract.PROJECTS, currencies):
        pid = t.unique_id(r, "Project ID", f.pop("project_id"), seen, "project") if has_id else None
        if pid is None:
            continue
        value = f["contract_value"]
        if value is None and t.has("Contract Value"):
            blank_value.add(pid)
        # the fields left blank take the Settings defaults (refresh shows them)
        defaulted = tuple(k for k in ("currency", "tax_rate", "payment_terms")
                          if f[k] is None or f[k] == "")
        f.update(contract_value=_ok(value, _ZERO),
                 currency=_ok(f["currency"], settings.default_currency),
                 tax_rate=_ok(f["tax_rate"], settings.default_tax_rate),
                 payment_terms=f["payment_terms"] or settings.default_payment_terms,
                 retainage_pct=_ok(f["retainage_pct"], _ZERO),
                 client_country=_ok(f["client_country"], ""),
                 tax_category=_ok(f["tax_category"], STANDARD))
        projects.append(Project(project_id=pid, row=r, defaulted=defaulted, **f))
    return projects, seen, blank_value


def _parse_invoices(t: _Table, settings: Settings, projects: dict[str, Project],
                    currencies: Mapping[str, Currency]) -> tuple[list[Invoice], dict[str, int]]:
    invoices: list[Invoice] = []
    seen: dict[str, int] = {}
    status_present = t.has("Status")
    has_id = t.has("Invoice No")
    credit_notes: list[Invoice] = []
    for r, cells, f in _read(t, contract.INVOICES, currencies, extra=("Status",)):
        typ = f["type"] = _ok(f["type"], rec.INVOICE)
        for field, header in (("net", "Net"), ("tax", "Tax"), ("total", "Total"),
                              ("retention", "Retention"), ("deposit_applied", "Deposit Applied")):
            amount = f[field]
            if amount is not None and amount is not _BAD:
                if typ != rec.CREDIT_NOTE and amount < 0:
                    t.problem(r, header, f"{header} must not be negative on an invoice, "
                              f"got {amount}; a refund or correction is a credit note")
                elif typ == rec.CREDIT_NOTE and amount > 0:
                    t.problem(r, header, f"{header} of a credit note must be zero or "
                              f"negative (it takes money off an invoice), got {amount}")
            f[field] = _ok(amount, _ZERO)
        word = None
        if status_present:
            try:
                word = to_choice(cells[-1], "Status", _INVOICE_STATUSES)
            except CellProblem:
                word = None  # computed column: refresh rewrites it
        no = t.unique_id(r, "Invoice No", f.pop("invoice_no"), seen, "invoice") if has_id else None
        if no is None:
            continue
        currency = _ok(f["currency"])
        if currency is None:
            project = projects.get(f["project_id"])
            currency = project.currency if project is not None else settings.default_currency
        f["currency"] = currency
        f["tax_rate"], f["tax_category"] = _ok(f["tax_rate"]), _ok(f["tax_category"], "")
        inv = Invoice(invoice_no=no, status=word or (APPLIED if typ == rec.CREDIT_NOTE else rec.OPEN),
                      row=r, **f)
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


def _parse_milestones(t: _Table, projects: _Table, project_ids: dict[str, int],
                      currencies: Mapping[str, Currency]) -> list[Milestone]:
    """Milestones of known projects. An Invoice No missing from tblInvoices
    is left to the engine, which reports it."""
    milestones: list[Milestone] = []
    seen: dict[str, int] = {}
    check_projects = projects.has("Project ID")
    has_id = t.has("Milestone ID")
    projects_sheet = projects.geometry.sheet if projects.geometry else "Projects"
    for r, cells, f in _read(t, contract.MILESTONES, currencies):
        basis, percent, fixed = f["basis"], f["percent"], f["fixed_amount"]
        status = f["status"] = _ok(f["status"], rec.PLANNED)
        f["approval"] = _ok(f["approval"], rec.PENDING)
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
        if status != rec.CANCELLED and not f["invoice_no"]:
            if basis == rec.PERCENT and percent is None and t.has("Percent"):
                t.problem(r, "Percent", "Percent is blank for a Percent milestone; "
                          "enter its share of the contract, such as 25% or 0.25")
            elif basis == rec.FIXED and fixed is None and t.has("Fixed Amount"):
                t.problem(r, "Fixed Amount", "Fixed Amount is blank for a Fixed milestone")
            elif basis == rec.DEPOSIT and (percent is None) == (fixed is None):
                t.problem(r, "Percent", "A Deposit milestone takes either a Percent of the "
                          "contract or a Fixed Amount; "
                          + ("clear one of them" if percent is not None else "fill one of them"))
        f.update(basis=_ok(basis, rec.PERCENT), percent=_ok(percent, _ZERO),
                 fixed_amount=_ok(fixed, _ZERO), tax_rate=_ok(f["tax_rate"]))

        mid = t.unique_id(r, "Milestone ID", f.pop("milestone_id"), seen, "milestone") if has_id else None
        if mid is None:
            continue
        pid = cells[1]
        pid_text = f["project_id"]
        if not pid_text:
            if t.has("Project ID") and pid not in ERROR_CODES:
                t.problem(r, "Project ID", f"Project ID is blank; milestone {mid} must "
                          "belong to a project")
            continue
        if check_projects and pid_text not in project_ids:
            t.problem(r, "Project ID", f"Project ID '{pid_text}' is not on the "
                      f"{projects_sheet} sheet")
            continue
        milestones.append(Milestone(milestone_id=mid, row=r, **f))
    return milestones


def _parse_payments(t: _Table, invoices: _Table, invoice_ids: dict[str, int],
                    currencies: Mapping[str, Currency]) -> list[Payment]:
    payments: list[Payment] = []
    check_invoices = invoices.has("Invoice No")
    for r, cells, f in _read(t, contract.PAYMENTS, currencies, own=("Amount",)):
        kind = f["kind"] = _ok(f["kind"], rec.PAYMENT)
        # only a Payment must be positive: a Credit Applied row takes credit
        # off a voided invoice, and void reverses Discount and Write-off rows
        amount_value = t.take(r, "Amount", to_money, f["amount"], kind != rec.PAYMENT)
        no = cells[1]
        no_text = f["invoice_no"]
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
            f["amount"] = amount_value
            payments.append(Payment(row=r, **f))
    return payments


def _parse_audit(t: _Table, currencies: Mapping[str, Currency]) -> tuple[AuditEntry, ...]:
    """Audit rows as text, exactly as stored (the hash chain reads them)."""
    return tuple(AuditEntry(row=r, **f) for r, _cells, f in _read(t, contract.AUDIT, currencies))


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
    "A problem blocks only what it touches"). Only the tables that have a
    row problem are read again."""
    keys = {projects.name: (projects, ("Project ID",), lambda k: (k[0], "")),
            milestones.name: (milestones, ("Project ID",), lambda k: (k[0], "")),
            invoices.name: (invoices, ("Invoice No", "Project ID"), lambda k: (k[1], k[0])),
            payments.name: (payments, ("Invoice No",), lambda k: ("", k[0]))}
    rows: dict[str, dict] = {}
    out = []
    for p in problems:
        found = None
        if p.row is not None and p.table in keys:
            if p.table not in rows:
                table, headers, scope = keys[p.table]
                rows[p.table] = {r: scope(k) for r, k in _keys(table, headers).items()}
            found = rows[p.table].get(p.row)
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
                        contract.INVOICES.written, problems)
    payments_t = _Table(contract.PAYMENTS, _find(tables, contract.PAYMENTS.name),
                        contract.PAYMENTS.columns, problems)
    audit_t = _Table(contract.AUDIT, _find(tables, contract.AUDIT.name), AUDIT_COLUMNS, problems)

    currencies = _parse_currencies(_find(tables, contract.CURRENCIES.name), problems)
    settings, setting_rows = _parse_settings(settings_t, currencies)
    projects, project_ids, blank_value = _parse_projects(projects_t, settings, currencies)
    by_project = {p.project_id: p for p in projects}
    invoices, invoice_ids = _parse_invoices(invoices_t, settings, by_project, currencies)
    payments = _parse_payments(payments_t, invoices_t, invoice_ids, currencies)
    audit = _parse_audit(audit_t, currencies)
    milestones_t = _Table(contract.MILESTONES, _find(tables, contract.MILESTONES.name),
                          contract.MILESTONE_INPUTS + contract.MILESTONES.written, problems)
    milestones = _parse_milestones(milestones_t, projects_t, project_ids, currencies)

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
