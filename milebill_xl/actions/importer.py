"""Import: add projects or milestones from a schedule someone exported
(CSV, or a workbook from MS Project, Smartsheet or Excel).

Rules (README "Import a schedule"):

- Headers are matched to our columns ignoring case, spaces and punctuation,
  by our own header or a usual synonym (``Task Name`` -> ``Milestone``,
  ``Finish`` -> ``Planned Date``); ``--map "Milestone=Task Name,..."``
  names a source header for any column and wins. Source columns that match
  nothing are ignored and listed.
- The rows go into Milestones when any source column maps to a
  milestone-only column (``Milestone``, ``Planned Date``, ``Percent`` ...),
  else into Projects.
- Milestones need ``Milestone``, ``Planned Date`` and ``Percent`` or
  ``Fixed Amount``, and a project: a ``Project ID`` column or ``--project``
  (which also fills a blank one). A blank ``Milestone ID`` becomes
  ``<project>-M<n>``, the next free number. Projects need ``Project ID``,
  ``Project``, ``Client`` and ``Contract Value``.
- Values: dates as ISO, as the sheet stores them, or as text with ``/``,
  ``.`` or ``-`` (day and month told apart by the column: a first part
  above 12 means day first, a second part above 12 month first; when the
  column never says, month first, and the dry run says so) or with a month
  name; amounts with ``,`` or ``.`` grouping and a currency sign;
  percents as ``30%`` or ``0.3`` (``30`` alone is refused, as in the
  workbook).
- All or nothing: every problem is reported with the source row and column
  (``schedule.csv line 7, column 'Finish': ...``) and nothing is written;
  an ID already in the workbook, or twice in the source, is a problem.
- ``--dry-run`` shows exactly the rows it would add and writes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from dateutil import parser as dateparser

from ..core.engine import compute
from ..core import records as rec
from ..core.records import FIXED, PERCENT, Milestone, Project, replace
from ..workbook import contract as C
from ..workbook.book import Book, Changes
from ..workbook.cells import CellProblem, choice_map, to_choice, to_currency
from ..workbook.source_table import SourceTable, read_source
from .common import Loaded, load, problem, seal, session
from .issue import audit_row
from .refresh import computed_changes

_MILESTONE_COLUMNS = ("Milestone ID", "Project ID", "Milestone", "Deliverable", "Planned Date",
                      "Basis", "Percent", "Fixed Amount", "Status", "Completed Date")
_PROJECT_COLUMNS = C.PROJECT_INPUTS
_MILESTONE_ONLY = {"Milestone", "Planned Date", "Percent", "Fixed Amount", "Deliverable", "Basis"}
#: our column -> usual headers of planners' and spreadsheets' exports
_SYNONYMS = {
    # (a planner's bare "ID" numbers tasks 1, 2, 3 in every file: not an ID
    # of ours; blank IDs are made from the project instead)
    "Milestone ID": ("milestone id", "milestone no", "wbs"),
    "Project ID": ("project id", "project code", "project number", "project"),
    "Milestone": ("milestone", "milestone name", "task name", "task", "name", "title", "phase"),
    "Deliverable": ("deliverable", "acceptance criteria", "description", "notes"),
    "Planned Date": ("planned date", "finish", "finish date", "end", "end date", "due date",
                     "due", "date", "planned finish", "baseline finish"),
    "Basis": ("basis",),
    "Percent": ("percent", "billing percent", "billing %", "% of contract", "share", "weight"),
    "Fixed Amount": ("fixed amount", "amount", "fee", "value", "billing amount"),
    "Status": ("status",),
    "Completed Date": ("completed date", "actual finish", "completed"),
    "Project": ("project name", "project"),
    "Client": ("client", "customer", "client name", "customer name"),
    "Client Email": ("client email", "email", "customer email"),
    "Client Address": ("client address", "address", "billing address"),
    "PO Number": ("po number", "po", "purchase order"),
    "Contract Value": ("contract value", "contract", "contract amount", "value", "budget"),
    "Currency": ("currency",),
    "Tax Rate": ("tax rate", "vat rate", "tax"),
    "Payment Terms": ("payment terms", "terms"),
    "Retainage %": ("retainage %", "retainage", "retention %", "retention"),
}
_DATES = {"Planned Date", "Completed Date"}
_MONEY = {"Fixed Amount", "Contract Value"}
_PERCENTS = {"Percent", "Tax Rate", "Retainage %"}
_REQUIRED = {C.MILESTONES.name: ("Project ID", "Milestone", "Planned Date"),
             C.PROJECTS.name: ("Project ID", "Project", "Client", "Contract Value")}
_WORDS = {"Basis": choice_map(rec.BASES), "Status": choice_map(rec.STATUSES)}


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z%]+", "", str(text).lower())


@dataclass
class ImportResult:
    as_of: date
    errors: tuple[dict, ...] = ()
    table: str = ""
    rows: list[dict] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "errors": list(self.errors),
                "table": self.table, "dry_run": self.dry_run, "mapping": self.mapping,
                "ignored_columns": self.ignored, "notes": self.notes,
                "rows": [{k: (v.isoformat() if isinstance(v, date) else
                              str(v) if isinstance(v, Decimal) else v) for k, v in r.items()}
                         for r in self.rows]}


class _Refused(Exception):
    pass


def parse_map(text: str | None) -> dict[str, str]:
    """``"Milestone=Task Name,Planned Date=Finish"`` -> {column: source header}.
    Raises ValueError naming the part that is not ``Column=Header`` or names
    no column of ours."""
    out: dict[str, str] = {}
    known = {_key(c): c for c in _SYNONYMS}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"--map part '{part.strip()}' is not Column=Source Header")
        ours, theirs = (s.strip() for s in part.split("=", 1))
        column = known.get(_key(ours))
        if column is None:
            raise ValueError(f"--map names '{ours}', which is not a column of Projects or "
                             f"Milestones ({', '.join(_SYNONYMS)})")
        out[column] = theirs
    return out


def _match(source: SourceTable, explicit: dict[str, str]) -> dict[str, int]:
    """our column -> source column index."""
    by_key: dict[str, int] = {}
    for i, h in enumerate(source.header):
        by_key.setdefault(_key(h), i)
    found: dict[str, int] = {}
    for column, header in explicit.items():
        if _key(header) not in by_key:
            raise _Refused(f"--map: {source.where} has no column '{header}' "
                           f"(its headers: {', '.join(h for h in source.header if h)})")
        found[column] = by_key[_key(header)]
    taken = set(found.values())
    for column, names in _SYNONYMS.items():
        if column in found:
            continue
        for name in names:
            i = by_key.get(_key(name))
            if i is not None and i not in taken:
                found[column] = i
                taken.add(i)
                break
    return found


# ---------------------------------------------------------------- values

_DATE_PARTS = re.compile(r"(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{2,4})\Z")


def _day_first(texts: list[str]) -> bool | None:
    """True/False when the column's numeric dates say which part is the day;
    None when none says (every part 12 or less)."""
    day = month = False
    for t in texts:
        m = _DATE_PARTS.match(t.split()[-1]) if t.split() else None
        if m and len(m.group(1)) <= 2:
            a, b = int(m.group(1)), int(m.group(2))
            day |= a > 12
            month |= b > 12
    if day and month:
        raise _Refused("mixes day-first and month-first dates")
    return True if day else False if month else None


def _to_date(value: object, day_first: bool) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dateparser.parse(text, dayfirst=day_first, default=datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        raise ValueError(f"'{text}' is not a date; use a date such as 2026-03-31") from None


_SIGNS = re.compile(r"[\s$€£¥\u00a0']|[A-Z]{3}")


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a number")
    if isinstance(value, (int, float, Decimal)):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    text = _SIGNS.sub("", str(value).strip())
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal_mark = "," if re.search(r",\d{1,2}\Z", text) else "."
    else:
        decimal_mark = "."
    group = "." if decimal_mark == "," else ","
    text = text.replace(group, "").replace(decimal_mark, ".")
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a number") from None
    if not d.is_finite():
        raise ValueError(f"'{value}' is not a number")
    return -d if negative else d


def _to_percent(value: object) -> Decimal:
    text = str(value).strip()
    if text.endswith("%"):
        return _to_decimal(text[:-1]) / 100
    d = _to_decimal(value)
    if d > 1:
        raise ValueError(f"'{text}' is more than 1; for {text} percent write {text}% or "
                         f"{d / 100}")
    return d


def _convert(column: str, value: object, day_first: bool):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if column in _DATES:
        return _to_date(value, day_first)
    if column in _MONEY:
        d = _to_decimal(value)
        if d < 0:
            raise ValueError(f"{d} is negative")
        return d
    if column in _PERCENTS:
        d = _to_percent(value)
        if d < 0:
            raise ValueError(f"{d} is negative")
        return d
    if column in _WORDS:
        word = to_choice(value, column, _WORDS[column])
        return word
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---------------------------------------------------------------- the run

def _rows(loaded: Loaded, source: SourceTable, found: dict[str, int], table: str,
          project: str | None, errors: list[dict], notes: list[str]) -> list[dict]:
    columns = _MILESTONE_COLUMNS if table == C.MILESTONES.name else _PROJECT_COLUMNS
    day_first: dict[str, bool] = {}
    for column in _DATES & found.keys():
        texts = [str(r[found[column]]) for r in source.rows
                 if isinstance(r[found[column]], str) and r[found[column]].strip()]
        try:
            said = _day_first(texts)
        except _Refused as exc:
            errors.append(problem(f"{source.where}, {source.column_name(found[column])} {exc}; "
                                  "use one form (ISO 2026-03-31 is safest)"))
            said = False
        if said is None and any(_DATE_PARTS.match(t.split()[-1]) for t in texts if t.split()):
            notes.append(f"{source.column_name(found[column])}: read as month/day/year "
                         "(no date in it has a day above 12)")
        day_first[column] = bool(said)
    out = []
    for values, line in zip(source.rows, source.row_numbers):
        row: dict = {}
        for column in columns:
            if column not in found:
                continue
            try:
                v = _convert(column, values[found[column]], day_first.get(column, False))
                if column == "Currency" and v is not None:
                    v = to_currency(v, column, loaded.data.currencies)
            except CellProblem as exc:
                errors.append(problem(f"{source.where} row {line}, "
                                      f"{source.column_name(found[column])}: {exc}"))
                continue
            except ValueError as exc:
                errors.append(problem(f"{source.where} row {line}, "
                                      f"{source.column_name(found[column])}: {column} {exc}"))
                continue
            if v is not None:
                row[column] = v
        if project and not row.get("Project ID"):
            row["Project ID"] = project
        out.append((line, row))
    return _checked(loaded, source, table, out, errors)


def _checked(loaded: Loaded, source: SourceTable, table: str, rows: list[tuple[int, dict]],
             errors: list[dict]) -> list[dict]:
    data = loaded.data
    required = _REQUIRED[table]
    if table == C.MILESTONES.name:
        id_col, existing = "Milestone ID", {m.milestone_id: m.row for m in data.milestones}
    else:
        id_col, existing = "Project ID", {p.project_id: p.row for p in data.projects}
    projects = {p.project_id for p in data.projects}
    next_n: dict[str, int] = {}
    seen: dict[str, int] = {}
    out = []
    for line, row in rows:
        where = f"{source.where} row {line}"
        for column in required:
            if column not in row:
                errors.append(problem(f"{where}: {column} is blank"))
        if table == C.MILESTONES.name:
            if "Percent" not in row and "Fixed Amount" not in row:
                errors.append(problem(f"{where}: neither Percent nor Fixed Amount is given"))
            pid = row.get("Project ID")
            if pid and pid not in projects:
                errors.append(problem(f"{where}: Project ID '{pid}' is not on the Projects sheet"))
            if not row.get(id_col) and pid:
                n = next_n.get(pid, 1)
                while f"{pid}-M{n}" in existing or f"{pid}-M{n}" in seen:
                    n += 1
                row[id_col] = f"{pid}-M{n}"
                next_n[pid] = n + 1
        ident = row.get(id_col)
        if ident:
            if ident in existing:
                cell = loaded.locator.cell(table, existing[ident], id_col)
                errors.append(problem(f"{where}: {id_col} '{ident}' is already in the workbook "
                                      f"at {cell}", cell))
            elif ident in seen:
                errors.append(problem(f"{where}: {id_col} '{ident}' appears twice in the source "
                                      f"(first at row {seen[ident]})"))
            seen[ident] = line
        out.append(row)
    return out


def _records(loaded: Loaded, table: str, rows: list[dict]):
    """The new rows as records appended to the book's own, for computing."""
    data = loaded.data
    if table == C.MILESTONES.name:
        start = max((m.row for m in data.milestones), default=-1) + 1
        new = tuple(Milestone(
            milestone_id=r["Milestone ID"], project_id=r["Project ID"], name=r.get("Milestone", ""),
            deliverable=r.get("Deliverable", ""), planned_date=r.get("Planned Date"),
            basis=r.get("Basis") or (FIXED if "Fixed Amount" in r and "Percent" not in r
                                     else PERCENT),
            status=r.get("Status", rec.PLANNED), completed_date=r.get("Completed Date"),
            percent=r.get("Percent", Decimal(0)), fixed_amount=r.get("Fixed Amount", Decimal(0)),
            row=start + k) for k, r in enumerate(rows))
        return replace(data, milestones=data.milestones + new)
    start = max((p.row for p in data.projects), default=-1) + 1
    s = data.settings
    new = tuple(Project(
        project_id=r["Project ID"], name=r.get("Project", ""), client=r.get("Client", ""),
        client_email=r.get("Client Email", ""), client_address=r.get("Client Address", ""),
        po_number=r.get("PO Number", ""), contract_value=r["Contract Value"],
        currency=r.get("Currency") or s.default_currency,
        tax_rate=r.get("Tax Rate", s.default_tax_rate),
        payment_terms=r.get("Payment Terms", s.default_payment_terms),
        retainage_pct=r.get("Retainage %", Decimal(0)), row=start + k) for k, r in enumerate(rows))
    return replace(data, projects=data.projects + new)


def run(book: Book, source_path: Path, mapping: dict[str, str] | None = None,
        project: str | None = None, dry_run: bool = False,
        as_of: date | None = None) -> ImportResult:
    with session(book):
        loaded = load(book, as_of)
        # Workbook-wide problems stop it (a problem in some project's rows
        # does not: the import only adds rows); a schedule that does not add
        # up yet is what a plan being imported looks like (shown as a note).
        unreadable = tuple(e for e, p in zip(loaded.errors, loaded.problems[:len(loaded.data.problems)])
                           if p.wide)
        if unreadable:
            return ImportResult(loaded.as_of, unreadable)
        source = read_source(source_path)
        try:
            found = _match(source, mapping or {})
        except _Refused as exc:
            return ImportResult(loaded.as_of, (problem(str(exc)),))
        table = C.MILESTONES.name if (found.keys() & _MILESTONE_ONLY) else C.PROJECTS.name
        if table == C.PROJECTS.name:
            found.pop("Milestone ID", None)
        result = ImportResult(loaded.as_of, table=table, dry_run=dry_run,
                              mapping={c: source.header[i] for c, i in found.items()},
                              ignored=[h for i, h in enumerate(source.header)
                                       if h and i not in found.values()])
        errors: list[dict] = []
        for column in _REQUIRED[table]:
            if column not in found and not (column == "Project ID" and project):
                errors.append(problem(
                    f"{source.where} has no column for {column} (its headers: "
                    f"{', '.join(h for h in source.header if h)}); name one with "
                    f"--map \"{column}=<source header>\""))
        if table == C.MILESTONES.name and not found.keys() & {"Percent", "Fixed Amount"}:
            errors.append(problem(f"{source.where} has no column for Percent or Fixed Amount; "
                                  "name one with --map \"Percent=<source header>\""))
        if errors:
            result.errors = tuple(errors)
            return result
        rows = _rows(loaded, source, found, table, project, errors, result.notes)
        if errors or not rows:
            result.errors = tuple(errors) or (problem(f"{source.where} has no rows to import"),)
            return result
        result.rows = rows
        if dry_run:
            return result
        data = _records(loaded, table, rows)
        comp = compute(data, loaded.as_of)
        changes = Changes()
        for r in rows:
            changes.append(table, r)
        changes.append(C.AUDIT.name, audit_row(
            "Import", Path(source_path).name,
            f"{len(rows)} row(s) into {table}: {', '.join(str(r[C.TABLES_BY_NAME[table].columns[0]]) for r in rows)}"))
        computed_changes(loaded, data, comp, changes, {table: len(rows)})
        book.apply(seal(loaded, changes))
        result.notes += [p.message for p in comp.problems]
        return result
