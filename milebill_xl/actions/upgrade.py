"""Upgrade: a workbook made by an older milebill template, rebuilt on the
current one with every row carried across.

    result = upgrade.run("billing.xlsx")            # backup: billing.before-upgrade.xlsx

An older template lacks columns this version's has (optional ones such as
Retention, Kind or Hash, and helper formula columns such as Drift): most
commands work without the optional ones, but ``refresh`` (and so every
writing command) refuses a table that lacks one of its formula columns.

The rule:

1. The old book is read with the usual reader; a workbook-wide problem
   (a setting, the currency list, a missing table or column), or an error
   value (``#REF!`` ...) in a cell that would be carried, refuses the
   upgrade: nothing is written.
2. A book that has every declared column of every table (helpers
   included) is already current: nothing is written.
3. Otherwise a new book is built from the current template
   (``template.builder.build_workbook``) with every setting value and every
   row's input and written cells exactly as read (computed and helper
   columns get the template's formulas), plus the book's own currency list;
   then it is refreshed, so every formula cell carries its value.
4. The new book is read back and its records (settings, currency list,
   projects, milestones, invoices, payments, audit rows, and the row
   problems) must equal the old book's, the new columns reading blank or
   as their default; the first difference refuses the upgrade.
5. The old file is copied, byte for byte, to ``<stem>.before-upgrade.xlsx``
   beside it (``-2``, ``-3`` ... when that exists); then the new book
   replaces it atomically.

Not carried (listed in the result): columns a team added to a table,
setting rows of its own, sheets and tables that are not the template's,
and the old file's formatting, notes, charts and defined names. A formula a
team typed into a data cell is carried as its value, except the
``=DefaultCurrency`` / ``=DefaultTaxRate`` / ``=DefaultPaymentTerms``
cells refresh writes into blank project cells, which stay blank (so
refresh writes them again and the project keeps following the default).
"""
from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Mapping

from ..core.records import BookData
from ..template.builder import NUMBER_FORMATS, SHEET_ORDER, DATE, build_workbook
from ..template.formulas import PROJECT_DEFAULTS
from ..workbook import contract as C
from ..workbook.book import BookError
from ..workbook.cells import ERROR_CODES, quote_sheet, to_text
from ..workbook.filebook import FileBook
from ..workbook.geometry import Locator, RawTable, header_key
from ..workbook.parse import parse_book
from ..workbook.reader import open_tables, read_book, table_locations
from ..xlsx.atomic import atomic_write
from ..xlsx.sheetxml import SheetDoc
from .common import load, problem

#: the row tables carried, and the build_workbook argument (and BookData
#: field) each fills
ROW_TABLES = {C.PROJECTS.name: "projects", C.MILESTONES.name: "milestones",
              C.INVOICES.name: "invoices", C.PAYMENTS.name: "payments",
              C.AUDIT.name: "audit"}
_SPECS = {t.name: t for t in C.TABLES}
#: tables of the template that are ours beyond the contract's
_OUR_TABLES = {n.lower() for n in (*ROW_TABLES, C.SETTINGS.name, C.CURRENCIES.name,
                                   *C.LIST_TABLES)}
#: record fields that come from a computed column or from how a cell was
#: filled, not from the values carried: refresh rewrites them
_NOT_COMPARED = {C.PROJECTS.name: ("defaulted",), C.INVOICES.name: ("status",)}
BACKUP_TAG = ".before-upgrade"
_DATELIKE = (date, datetime, time, timedelta)

FORMATTING_NOTE = ("The old file's formatting (fonts, fills, number formats, column widths, "
                   "hidden rows and filters), cell notes and comments, charts, pictures, data "
                   "validations, conditional formats and defined names you added are not "
                   "copied: the new workbook has the current template's. The backup keeps them.")


@dataclass
class UpgradeResult:
    path: Path
    as_of: date
    #: refusals (nothing written), or the row problems carried as they are
    errors: tuple[dict, ...] = ()
    current: bool = False
    upgraded: bool = False
    dry_run: bool = False
    refused: bool = False
    #: the copy of the old file (the name it would get, for a dry run)
    backup: Path | None = None
    carried: list[dict] = field(default_factory=list)
    not_carried: list[dict] = field(default_factory=list)
    added_columns: list[dict] = field(default_factory=list)
    added_settings: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not self.refused

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "errors": list(self.errors),
                "upgraded": self.upgraded, "already_current": self.current,
                "dry_run": self.dry_run,
                "backup": str(self.backup) if self.backup is not None else None,
                "carried": self.carried, "not_carried": self.not_carried,
                "added_columns": self.added_columns, "added_settings": self.added_settings}


class _Parsed:
    """A book already read, for :func:`.common.load`."""

    def __init__(self, name: str, data: BookData, locator: Locator) -> None:
        self.name, self._data, self._locator = name, data, locator

    def load(self):
        return self._data, self._locator


def backup_path(path: Path) -> Path:
    """``billing.before-upgrade.xlsx`` beside ``path``, or ``...-2``, ``-3``
    ... the first that does not exist."""
    n = 1
    while True:
        tag = BACKUP_TAG if n == 1 else f"{BACKUP_TAG}-{n}"
        candidate = path.with_name(f"{path.stem}{tag}{path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


def run(path: str | os.PathLike, as_of: date | None = None, dry_run: bool = False
        ) -> UpgradeResult:
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise BookError(f"{path.name}: only an Excel workbook (.xlsx) made by milebill can be "
                        "upgraded")
    book = FileBook(path)
    with contextlib.nullcontext() if dry_run else book.session():
        if not dry_run:
            book.check_writable()
        return _upgrade(book, path, as_of, dry_run)


def _upgrade(book: FileBook, path: Path, as_of: date | None, dry_run: bool) -> UpgradeResult:
    try:
        before = os.stat(path)
    except OSError as exc:
        raise BookError(f"{path}: cannot open ({exc.strerror})") from exc
    with open_tables(path) as tables:
        raw = {name: tables[name] for name in tables}
    data, locator = parse_book(raw)
    loaded = load(_Parsed(path.name, data, locator), as_of)
    result = UpgradeResult(path, loaded.as_of, dry_run=dry_run)
    if loaded.wide_errors:
        result.errors, result.refused = loaded.errors, True
        return result
    result.added_columns = _added_columns(locator)
    if not result.added_columns:
        result.current = True
        return result

    plan = _Plan(path, raw, locator)
    result.carried, result.not_carried = plan.carried, plan.not_carried
    result.added_settings = plan.added_settings
    if plan.refusals:
        result.errors, result.refused = tuple(plan.refusals), True
        return result

    with tempfile.TemporaryDirectory(prefix="milebill-upgrade-") as tmp:
        new = Path(tmp) / path.name
        build_workbook(new, settings=plan.settings, currencies=plan.currencies,
                       **{ROW_TABLES[t]: rows for t, rows in plan.rows.items()})
        from . import refresh
        refreshed = refresh.run(FileBook(new), loaded.as_of)
        if not refreshed.written:
            result.errors, result.refused = tuple(refreshed.errors), True
            return result
        new_data, _ = read_book(new)
        difference = first_difference(data, new_data, locator)
        if difference is not None:
            result.errors, result.refused = (difference,), True
            return result
        if dry_run:
            result.backup = backup_path(path)
            result.errors = loaded.errors
            return result
        book.check_writable()
        now = os.stat(path)
        if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            raise BookError(f"{path.name} changed on disk while milebill worked; nothing written")
        result.backup = _replace(path, new, before)
    result.upgraded = True
    result.errors = refreshed.errors      # row problems, at the new book's cells
    return result


def _replace(path: Path, new: Path, before: os.stat_result) -> Path:
    """Copy ``path`` to its backup, then replace it with ``new``; on any
    failure the backup is removed again and ``path`` is as it was."""
    backup = backup_path(path)
    try:
        atomic_write(backup, lambda fh: _copy(path, fh))
        os.utime(backup, ns=(before.st_atime_ns, before.st_mtime_ns))
    except OSError as exc:
        with contextlib.suppress(OSError):
            backup.unlink()
        raise BookError(f"cannot write the backup {backup.name}: {exc.strerror or exc}; "
                        "nothing written") from exc
    try:
        atomic_write(path, lambda fh: _copy(new, fh))
    except BaseException as exc:
        with contextlib.suppress(OSError):
            backup.unlink()
        if isinstance(exc, OSError):
            raise BookError(f"cannot replace {path.name}: {exc.strerror or exc}; "
                            "nothing written") from exc
        raise
    return backup


def _copy(source: Path, fh) -> None:
    with open(source, "rb") as src:
        shutil.copyfileobj(src, fh, 1 << 20)


# ------------------------------------------------------------- what is there

def _added_columns(locator: Locator) -> list[dict]:
    """Every declared column (helpers included) a table of the book lacks."""
    out = []
    for spec in C.TABLES:
        g = locator.geometry(spec.name)
        if g is None:
            continue      # a missing table is a workbook-wide problem, refused before
        for c in spec.declared:
            if g.index(c.header) is None:
                out.append({"table": spec.name, "sheet": spec.sheet, "column": c.header})
    return out


_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?f(?=[\s/>])([^>]*?)(?:/>|>(.*?)</(?:[A-Za-z_][\w.\-]*:)?f>)",
                      re.S)
_SHARED = re.compile(rb"""\bt\s*=\s*["']shared["']""")
_SI = re.compile(rb"""\bsi\s*=\s*["'](\d+)["']""")


def _text_of(raw: bytes | None) -> str:
    return html.unescape((raw or b"").decode("utf-8", "replace"))


def formula_cells(path: Path, raw: Mapping[str, RawTable],
                  columns: Mapping[str, tuple[str, ...]]) -> dict[tuple[str, int, str], str]:
    """(table, data row, header) -> formula text of every formula cell in
    ``columns`` (table -> headers) of the tables ``raw`` read: calamine
    gives a formula cell's cached value only."""
    out: dict[tuple[str, int, str], str] = {}
    with zipfile.ZipFile(path) as z:
        parts = {loc.name.lower(): loc.sheet_part for loc in table_locations(z)}
        by_part: dict[str, list[tuple[str, object]]] = {}
        for name, table in raw.items():
            part = parts.get(table.geometry.name.lower())
            if part is not None and columns.get(name):
                by_part.setdefault(part, []).append((name, table.geometry))
        names = {i.filename.lower(): i.filename for i in z.infolist()}
        for part, tables in by_part.items():
            member = names.get(part.lower())
            if member is None:
                continue
            data = z.read(member)
            if _FORMULA.search(data) is None:
                continue
            doc = SheetDoc(data, part)
            masters: dict[bytes, str] | None = None
            for name, g in tables:
                cols = {g.column(h): h for h in columns[name] if g.column(h) is not None}
                for i in range(g.n_rows):
                    for col, (start, end, _body) in doc.cells(g.sheet_row(i)).items():
                        header = cols.get(col)
                        if header is None:
                            continue
                        m = _FORMULA.search(doc.data, start, end)
                        if m is None:
                            continue
                        text = _text_of(m.group(2))
                        if not text and _SHARED.search(m.group(1)):
                            if masters is None:
                                masters = _shared_masters(doc.data)
                            si = _SI.search(m.group(1))
                            text = masters.get(si.group(1), "") if si else ""
                        out[(name, i, header)] = text
    return out


def _shared_masters(data: bytes) -> dict[bytes, str]:
    out = {}
    for m in _FORMULA.finditer(data):
        if m.group(2) and _SHARED.search(m.group(1)):
            si = _SI.search(m.group(1))
            if si is not None:
                out.setdefault(si.group(1), _text_of(m.group(2)))
    return out


def _sheets(path: Path) -> list[str]:
    """Every sheet of the workbook (worksheets, chart sheets ...), in order."""
    from defusedxml.ElementTree import fromstring
    with zipfile.ZipFile(path) as z:
        try:
            root = fromstring(z.read("xl/workbook.xml"))
        except KeyError:
            return []
    return [el.get("name", "") for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "sheet"]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Plan:
    """What the new book gets from the old one (settings, rows, currency
    list), what is not carried, and what refuses the upgrade."""

    def __init__(self, path: Path, raw: Mapping[str, RawTable], locator: Locator) -> None:
        self.raw = {name.lower(): table for name, table in raw.items()}
        self.locator = locator
        self.carried: list[dict] = []
        self.not_carried: list[dict] = []
        self.refusals: list[dict] = []
        self.added_settings: list[str] = []
        self.formulas = formula_cells(path, {_canonical(n): t for n, t in raw.items()}, {
            name: self._carried_headers(name) for name in (*ROW_TABLES, C.SETTINGS.name)})
        self.settings = self._settings()
        self.rows = {name: self._rows(name) for name in ROW_TABLES}
        self.currencies = self._currencies()
        self._others(path)
        self.not_carried.append({"what": "formatting", "sheet": None, "cell": None,
                                 "name": None, "message": FORMATTING_NOTE})

    # -- helpers
    def _raw(self, name: str) -> RawTable | None:
        return self.raw.get(name.lower())

    def _carried_headers(self, name: str) -> tuple[str, ...]:
        t = self._raw(name)
        if t is None:
            return ()
        if name == C.SETTINGS.name:
            return ("Value",)
        return tuple(c.header for c in _SPECS[name].read if t.geometry.index(c.header) is not None)

    def _cell(self, name: str, row: int | None, header: str) -> str:
        return self.locator.cell(name, row, header)

    def _value(self, name: str, row: int, header: str, value, keep_dates: bool,
               default_name: str | None = None):
        """A cell's value as it goes into the new book: formulas as their
        value (noted), a project's default formula as blank, a date in a
        column that shows no dates as the text the tool reads from it; an
        error value refuses the upgrade."""
        formula = self.formulas.get((name, row, header))
        if formula is not None:
            if default_name and formula.strip().lstrip("=").strip().lower() == default_name.lower():
                return None       # refresh writes =DefaultCurrency ... again
            cell = self._cell(name, row, header)
            self.not_carried.append({
                "what": "formula", "sheet": _sheet_of(cell), "cell": cell, "name": header,
                "message": (f"the formula ={formula} is carried as its value {_show(value)}"
                            if not _blank(value) else
                            f"the formula ={formula} is not carried (it showed nothing)")})
        if isinstance(value, str) and value in ERROR_CODES:
            self.refusals.append(problem(
                f"{header} holds the Excel error {value}; correct or clear it, then upgrade "
                "again", self._cell(name, row, header)))
            return None
        if _blank(value):
            return None if value is None or value == "" else value
        if isinstance(value, _DATELIKE) and not keep_dates:
            return to_text(value, header)
        return value

    # -- settings
    def _settings(self) -> dict[str, object]:
        t = self._raw(C.SETTINGS.name)
        if t is None:
            return {}
        g = t.geometry
        ik, iv = g.index("Setting"), g.index("Value")
        keys = {header_key(s.key): s for s in C.SETTING_SPECS}
        out: dict[str, object] = {}
        for r, row in enumerate(t.rows):
            key = row[ik] if ik is not None and ik < len(row) else None
            value = row[iv] if iv is not None and iv < len(row) else None
            if _blank(key):
                if not _blank(value):
                    self._lost_setting(r, "", value)
                continue
            spec = keys.get(header_key(to_text(key, "Setting")))
            if spec is None:
                self._lost_setting(r, to_text(key, "Setting"), value)
                continue
            if spec.key in out:
                continue          # a repeated setting is refused before (workbook-wide)
            out[spec.key] = self._value(C.SETTINGS.name, r, "Value", value,
                                        keep_dates=spec.kind == C.DATE)
        self.added_settings = [s.key for s in C.SETTING_SPECS if s.key not in out]
        self.carried.append({"table": C.SETTINGS.name, "sheet": C.SETTINGS.sheet,
                             "rows": len(out), "columns": ["Setting", "Value"]})
        self._extra_columns(C.SETTINGS.name)
        return out

    def _lost_setting(self, r: int, key: str, value) -> None:
        cell = self._cell(C.SETTINGS.name, r, "Setting")
        self.not_carried.append({
            "what": "setting", "sheet": _sheet_of(cell), "cell": cell, "name": key or None,
            "message": (f"setting row '{key}' is not a setting of milebill: not copied"
                        if key else "a row without a Setting name: not copied")})

    # -- row tables
    def _rows(self, name: str) -> list[dict]:
        t = self._raw(name)
        if t is None:
            return []
        spec = _SPECS[name]
        g = t.geometry
        headers = self._carried_headers(name)
        at = [(h, g.index(h)) for h in headers]
        dates = {h for h, f in NUMBER_FORMATS.get(name, {}).items() if f == DATE}
        defaults = {h: n for h, (_f, n) in PROJECT_DEFAULTS.items()} \
            if name == C.PROJECTS.name else {}
        out = []
        filled = 0
        for r, row in enumerate(t.rows):
            values = {}
            for h, i in at:
                v = row[i] if i < len(row) else None
                v = self._value(name, r, h, v, keep_dates=h in dates,
                                default_name=defaults.get(h))
                if v is not None:
                    values[h] = v
            if any(not _blank(v) for v in values.values()):
                filled += 1
            out.append(values)
        self.carried.append({"table": name, "sheet": spec.sheet, "rows": filled,
                             "columns": list(headers)})
        self._extra_columns(name)
        return out

    def _extra_columns(self, name: str) -> None:
        """Columns a team added to a table: listed with their values' count."""
        t = self._raw(name)
        spec = _SPECS.get(name) or C.CURRENCIES
        declared = {header_key(c.header) for c in spec.declared}
        g = t.geometry
        for i, h in enumerate(g.headers):
            if header_key(h) in declared:
                continue
            n = sum(1 for row in t.rows if i < len(row) and not _blank(row[i]))
            cell = f"{quote_sheet(g.sheet)}!{g.address(None, h) if h else g.address(None, None)}"
            self.not_carried.append({
                "what": "column", "sheet": g.sheet, "cell": cell, "name": h,
                "message": (f"column '{h}' of table {g.name} is not a column of the template: "
                            f"not copied ({n} value{'s' if n != 1 else ''}; the backup keeps them)")})

    # -- the currency list
    def _currencies(self) -> list[tuple[object, object]] | None:
        t = self._raw(C.CURRENCIES.name)
        if t is None:
            return None       # the template's ISO 4217 list, as the reader assumed
        g = t.geometry
        ic, idg = g.index("Currency"), g.index("Digits")
        out = []
        for row in t.rows:
            code = row[ic] if ic is not None and ic < len(row) else None
            digits = row[idg] if idg is not None and idg < len(row) else None
            if _blank(code) and _blank(digits):
                continue
            out.append((code, digits))
        self.carried.append({"table": C.CURRENCIES.name, "sheet": C.CURRENCIES.sheet,
                             "rows": len(out), "columns": ["Currency", "Digits"]})
        self._extra_columns(C.CURRENCIES.name)
        return out

    # -- sheets and tables that are not the template's
    def _others(self, path: Path) -> None:
        ours = {s.lower() for s in SHEET_ORDER}
        moved = {}
        for name, t in self.raw.items():
            moved.setdefault(t.geometry.sheet.lower(), []).append(t.geometry.name)
        for sheet in _sheets(path):
            if sheet.lower() in ours:
                continue
            held = moved.get(sheet.lower())
            extra = (f" (its table{'s' if len(held) > 1 else ''} {', '.join(held)} "
                     "carried to the template's sheet)" if held else "")
            self.not_carried.append({
                "what": "sheet", "sheet": sheet, "cell": None, "name": sheet,
                "message": f"sheet '{sheet}' is not a sheet of the template: not copied{extra}"})
        with zipfile.ZipFile(path) as z:
            locations = table_locations(z)
        for loc in locations:
            if loc.name.lower() in _OUR_TABLES or loc.sheet.lower() not in ours:
                continue
            self.not_carried.append({
                "what": "table", "sheet": loc.sheet, "cell": f"{quote_sheet(loc.sheet)}!{loc.ref}",
                "name": loc.name,
                "message": f"table {loc.name} on sheet {loc.sheet} is not a table of the "
                           "template: not copied"})


def _canonical(name: str) -> str:
    """The contract's spelling of a table name read in any case."""
    for known in (*ROW_TABLES, C.SETTINGS.name, C.CURRENCIES.name):
        if known.lower() == name.lower():
            return known
    return name


def _sheet_of(cell: str | None) -> str | None:
    return cell.split("!")[0].strip("'").replace("''", "'") if cell else None


# ------------------------------------------------------- the check before

def first_difference(old: BookData, new: BookData, locator: Locator) -> dict | None:
    """The first way the rebuilt book's records differ from the old book's
    (an error object naming the old book's cell), or None. Fields that
    come from computed columns (an invoice's Status) and how a project's
    default was shown (``defaulted``) are not compared: refresh rewrites
    them."""
    def refuse(message: str, cell: str | None = None) -> dict:
        return problem(f"the upgraded workbook would differ from the old one: {message}; "
                       "nothing was written", cell)

    for f in old.settings.__dataclass_fields__:
        a, b = getattr(old.settings, f), getattr(new.settings, f)
        if a != b:
            spec = next(s for s in C.SETTING_SPECS if s.attr == f)
            return refuse(f"setting {spec.key} reads {_show(a)} in the old workbook and "
                          f"{_show(b)} in the new one",
                          locator.cell(C.SETTINGS.name, None, spec.key))
    a = {k: getattr(v, "digits", None) for k, v in old.currencies.items()}
    b = {k: getattr(v, "digits", None) for k, v in new.currencies.items()}
    if a != b:
        code = next(k for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k))
        return refuse(f"currency {code} has {a.get(code)} digits in the old workbook and "
                      f"{b.get(code)} in the new one", locator.cell(C.CURRENCIES.name, None, None))
    for table, attr in ROW_TABLES.items():
        spec = _SPECS[table]
        skip = _NOT_COMPARED.get(table, ())
        headers = {c.field: c.header for c in spec.read}
        rows_a, rows_b = getattr(old, attr), getattr(new, attr)
        for ra, rb in zip(rows_a, rows_b):
            if ra == rb:
                continue
            for f in ra._fields:
                if f in skip or getattr(ra, f) == getattr(rb, f):
                    continue
                header = headers.get(f)
                ident = ra[0] if table != C.PAYMENTS.name else f"payment of {ra.invoice_no}"
                return refuse(f"{spec.sheet} row {ident}: {header or f} reads "
                              f"{_show(getattr(ra, f))} in the old workbook and "
                              f"{_show(getattr(rb, f))} in the new one",
                              locator.cell(table, ra.row, header))
        if len(rows_a) != len(rows_b):
            return refuse(f"{spec.sheet} has {len(rows_a)} rows in the old workbook and "
                          f"{len(rows_b)} in the new one", locator.cell(table, None, None))
    # the same cells with a problem (a message may name the sheet, which a
    # table moved to another sheet changes)
    a = {(p.table, p.row, p.column): p for p in old.problems}
    b = {(p.table, p.row, p.column): p for p in new.problems}
    if a.keys() != b.keys():
        key = sorted(a.keys() ^ b.keys(), key=lambda k: (k[0], -1 if k[1] is None else k[1]))[0]
        p = a.get(key) or b[key]
        where = "old" if key in a else "new"
        return refuse(f"only the {where} workbook has the problem '{p.message}'",
                      locator.cell(p.table, p.row, p.column) if key in a else None)
    return None


def _show(value) -> str:
    if value is None or value == "":
        return "blank"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


__all__ = ["UpgradeResult", "backup_path", "first_difference", "formula_cells", "run"]
