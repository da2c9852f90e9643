"""Surgical .xlsx writer: change cells and table ranges, keep every other byte.

openpyxl's load/save drops what it does not model (x14 data validations,
sparklines, data bars, slicers, comments' threads, custom XML ...). This
writer never reserializes a part:

* zip members it does not change are copied as their raw compressed bytes,
  in the original order (``safezip.rewrite_zip``);
* in a worksheet it rewrites only the ``<row>`` elements holding written
  cells (other cells of those rows are kept as raw bytes) and the ``ref``
  of ``<dimension>`` (``sheetxml.SheetDoc``);
* in a table part only the ``ref`` attributes of ``<table>``,
  ``<autoFilter>`` and ``<sortState>`` change;
* workbook level: ``xl/calcChain.xml`` is dropped (with its relationship
  and content-type override) and ``<calcPr fullCalcOnLoad="1">`` is set,
  so Excel recalculates on open. Nothing else.

Usage::

    p = Patcher.open("book.xlsx")
    t = p.table("tblMilestones")             # TableRef
    p.set_column("tblMilestones", "Amount", [Decimal("10.00"), ...])
    p.append_rows("tblPayments", [{"Invoice No": "INV-1", "Amount": 5}])
    p.update_rows("tblInvoices", {0: {"Status": "Paid"}})   # 0-based data rows
    p.set_cells("Dashboard", {(2, 3): Formula("SUM(A1:A9)", 42), "B7": "text"})
    p.save()                                  # atomic; refuses if ~$book.xlsx exists

Values: None (empties the cell, keeps its style), bool, int / float /
Decimal (exact decimal text), str (inline string; never a formula, even when
it starts with '='), date / datetime / time / timedelta (serial numbers in
the workbook's 1900 or 1904 date system; the cell's number format is what
shows them as dates) and ``Formula(text, cached)``.
Written cells keep their style; a new cell takes its row's style when the
row has one (``customFormat``, as Excel does), else the style of the same
column in the row above (not a table header), else the column's.
"""
from __future__ import annotations

import bisect
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from lxml import etree

from . import ooxml
from .guard import check_package
from .ooxml import Formula, attrs, local, parse_xml, set_attr
from .atomic import atomic_write
from .safezip import (WorkbookChanged, WorkbookLocked, ZipSource, check_unlocked, owner_file,
                      rewrite_zip)
from .sheetxml import SharedFormulaError, SheetDoc, SheetError

__all__ = ["Patcher", "TableRef", "Formula", "WorkbookLocked", "WorkbookChanged",
           "PatchError", "SheetError", "SharedFormulaError", "owner_file"]

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"


class PatchError(ValueError):
    """A requested change cannot be made safely (nothing was written)."""


@dataclass(frozen=True)
class TableRef:
    """Where a table (ListObject) is, as of the pending changes.

    Rows and columns are 1-based sheet coordinates. ``data_rows`` is the
    number of data rows; 0 for a table whose only data row is Excel's blank
    placeholder (that row is ``data_first_row`` and is filled first).
    """
    name: str
    sheet: str
    part: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int
    headers: tuple[str, ...]
    header_row_count: int
    totals_row_count: int
    data_rows: int

    @property
    def ref(self) -> str:
        return ooxml.range_ref(self.first_row, self.first_col, self.last_row, self.last_col)

    @property
    def data_first_row(self) -> int:
        return self.first_row + self.header_row_count

    @property
    def data_last_row(self) -> int:
        """Last data row (data_first_row - 1 when there are none)."""
        return self.data_first_row + self.data_rows - 1

    def column(self, header: str) -> int:
        """Sheet column number of ``header`` (exact, else case-insensitive like Excel)."""
        if header in self.headers:
            return self.first_col + self.headers.index(header)
        folded = [h.casefold() for h in self.headers]
        if header.casefold() in folded:
            return self.first_col + folded.index(header.casefold())
        raise KeyError(f"table {self.name} has no column {header!r}")

    def cell(self, row_index: int, header: str) -> tuple[int, int]:
        """(row, col) of 0-based data row ``row_index`` in column ``header``."""
        return self.data_first_row + row_index, self.column(header)


class _Table:
    def __init__(self, part: str, sheet: str, data: bytes):
        self.part, self.sheet, self.data = part, sheet, data
        root = parse_xml(data, part)
        self.name = root.get("name") or root.get("displayName") or ""
        self.display = root.get("displayName") or self.name
        self.r1, self.c1, self.r2, self.c2 = ooxml.parse_range(root.get("ref", ""))
        self.orig_r2 = self.r2
        self.header_rows = int(root.get("headerRowCount", "1"))
        self.totals_rows = int(root.get("totalsRowCount", "0"))
        self.headers: list[str] = []
        self.calculated: dict[str, str] = {}
        for el in root:
            if local(el.tag) == "tableColumns":
                for tc in el:
                    if local(tc.tag) != "tableColumn":
                        continue
                    name = tc.get("name", "")
                    self.headers.append(name)
                    for sub in tc:
                        if local(sub.tag) == "calculatedColumnFormula" and sub.text:
                            self.calculated[name] = sub.text
        if len(self.headers) != self.c2 - self.c1 + 1:
            raise PatchError(f"{part}: {len(self.headers)} columns for ref {root.get('ref')}")

    def render(self) -> bytes:
        """The table part with only the ref attributes moved to the new last row."""
        d = self.data
        new_ref = ooxml.range_ref(self.r1, self.c1, self.r2, self.c2).encode()
        out: list[bytes] = []
        pos = 0
        m = ooxml.start_tag_re(b"table").search(d)
        if m is None:
            raise PatchError(f"{self.part}: no <table>")
        out += [d[:m.start()], set_attr(m.group(0), b"ref", new_ref)]
        pos = m.end()
        for name in (b"autoFilter", b"sortState"):
            sm = ooxml.start_tag_re(name).search(d, pos)
            if sm is None:
                continue
            old = attrs(sm.group("body")).get(b"ref")
            if old is None:
                continue
            r1, c1, r2, c2 = ooxml.parse_range(old.decode())
            if r2 != self.orig_r2:
                continue
            ref = ooxml.range_ref(r1, c1, self.r2, c2).encode()
            out += [d[pos:sm.start()], set_attr(sm.group(0), b"ref", ref)]
            pos = sm.end()
        out.append(d[pos:])
        return b"".join(out)


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target)).lstrip("/")


class Patcher:
    """An open .xlsx with pending surgical changes. Not thread-safe."""

    def __init__(self, path: Path, data: bytes, stat: os.stat_result | None):
        self.path = Path(path)
        self._load(data, stat)

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Patcher":
        """Read the workbook at ``path`` (the file is not kept open)."""
        path = Path(path)
        with open(path, "rb") as fh:
            data = fh.read()
            stat = os.fstat(fh.fileno())
        check_package(data, path.name)   # size, count and DTD limits first
        return cls(path, data, stat)

    # ------------------------------------------------------------ loading
    def _load(self, data: bytes, stat: os.stat_result | None) -> None:
        self._stat = stat
        self.src = ZipSource(data)
        self._rels_cache: dict[str, list[tuple[str, str, str]]] = {}
        root_rels = self._rels("")
        wb = [t for (_, typ, t) in root_rels if typ.endswith("/officeDocument")]
        if not wb:
            raise PatchError("not a workbook: no officeDocument relationship")
        self.workbook_part = wb[0]
        wbroot = parse_xml(self.src.read(self.workbook_part), self.workbook_part)
        self.date1904 = False
        rels = {rid: (typ, target) for rid, typ, target in self._rels(self.workbook_part)}
        self.sheet_parts: dict[str, str] = {}
        #: every <sheet> in workbook order (localSheetId counts them all)
        self._sheet_order: list[str] = []
        for el in wbroot:
            tag = local(el.tag)
            if tag == "workbookPr":
                self.date1904 = el.get("date1904", "0").lower() in ("1", "true")
            elif tag == "sheets":
                for sh in el:
                    self._sheet_order.append(sh.get("name", ""))
                    rid = sh.get(f"{{{_REL_NS}}}id") or sh.get(f"{{{_STRICT_REL_NS}}}id")
                    typ, target = rels.get(rid, ("", ""))
                    if typ.endswith("/worksheet"):
                        self.sheet_parts[sh.get("name", "")] = target
        self.tables: dict[str, _Table] = {}
        for sheet, part in self.sheet_parts.items():
            for _, typ, target in self._rels(part):
                if typ.endswith("/table") and target in self.src:
                    t = _Table(target, sheet, self.src.read(target))
                    self.tables[t.display.casefold()] = t
                    self.tables.setdefault(t.name.casefold(), t)
        self.sheets: dict[str, SheetDoc] = {}
        self._print_areas: dict[int, str] = {}

    def _rels(self, part: str) -> list[tuple[str, str, str]]:
        """Relationships of ``part`` ('' for the package) as (id, type, target part)."""
        if part in self._rels_cache:
            return self._rels_cache[part]
        path = _rels_path(part) if part else "_rels/.rels"
        out = []
        if path in self.src:
            root = parse_xml(self.src.read(path), path)
            for rel in root:
                if rel.get("TargetMode") == "External":
                    continue
                out.append((rel.get("Id", ""), rel.get("Type", ""),
                            _resolve(part or "/", rel.get("Target", ""))))
        self._rels_cache[part] = out
        return out

    def _sheet(self, name: str) -> SheetDoc:
        part = self._sheet_part(name)
        doc = self.sheets.get(part)
        if doc is None:
            doc = self.sheets[part] = SheetDoc(self.src.read(part), part)
        return doc

    def _sheet_part(self, name: str) -> str:
        if name in self.sheet_parts:
            return self.sheet_parts[name]
        for k, v in self.sheet_parts.items():
            if k.casefold() == name.casefold():
                return v
        raise KeyError(f"no worksheet named {name!r}")

    def _table(self, name: str) -> _Table:
        t = self.tables.get(name.casefold())
        if t is None:
            raise KeyError(f"no table named {name!r}")
        return t

    # ------------------------------------------------------------- lookup
    @property
    def sheet_names(self) -> list[str]:
        """Worksheet names in workbook order."""
        return list(self.sheet_parts)

    @property
    def table_names(self) -> list[str]:
        return sorted({t.display for t in self.tables.values()})

    def table(self, name: str) -> TableRef:
        """Where table ``name`` (display name, case-insensitive) is now."""
        t = self._table(name)
        return TableRef(t.display, t.sheet, t.part, t.r1, t.c1, t.r2, t.c2, tuple(t.headers),
                        t.header_rows, t.totals_rows, self._data_rows(t))

    def _data_rows(self, t: _Table) -> int:
        first = t.r1 + t.header_rows
        n = (t.r2 - t.totals_rows) - first + 1
        if n <= 0:
            return 0
        if n == 1 and self._is_placeholder(t, first):
            return 0
        return n

    def _is_placeholder(self, t: _Table, row: int) -> bool:
        doc = self._sheet(t.sheet)
        for i, h in enumerate(t.headers):
            if h in t.calculated:
                continue
            if doc.has_content(row, t.c1 + i):
                return False
        return True

    # ------------------------------------------------------------ writing
    def set_cells(self, sheet: str, values: Mapping[tuple[int, int] | str, object]) -> None:
        """Write cells of worksheet ``sheet``: keys (row, col) 1-based or 'B7'."""
        doc = self._sheet(sheet)
        for key, value in values.items():
            row, col = ooxml.parse_ref(key) if isinstance(key, str) else key
            ooxml.check_value(value, self.date1904)
            doc.set(row, col, value)

    def column_width(self, sheet: str, col: int) -> float:
        """Width of a column of ``sheet`` in characters."""
        return self._sheet(sheet).column_width(col)

    def set_row_height(self, sheet: str, row: int, points: float) -> None:
        """Give a row of ``sheet`` a custom height in points."""
        if not 0 < points <= 409:
            raise PatchError(f"row height {points} is outside 0..409 points")
        self._sheet(sheet).set_height(row, points)

    def set_print_area(self, sheet: str, ref: str) -> None:
        """Set the print area of ``sheet`` to ``ref`` ('A1:T95'). Only an
        existing print area changes: a sheet without one is left as it is."""
        r1, c1, r2, c2 = ooxml.parse_range(ref)
        part = self._sheet_part(sheet)
        name = next(n for n, p in self.sheet_parts.items() if p == part)
        quoted = "'" + name.replace("'", "''") + "'"
        self._print_areas[self._sheet_order.index(name)] = (
            f"{quoted}!${ooxml.col_letters(c1)}${r1}:${ooxml.col_letters(c2)}${r2}")

    def update_rows(self, table: str, rows: Mapping[int, Mapping[str, object]]) -> None:
        """Write cells of existing data rows: {0-based data row: {header: value}}."""
        t = self.table(table)
        cols: dict[str, int] = {}
        first, n = t.data_first_row, t.data_rows
        check, d1904 = ooxml.check_value, self.date1904
        for idx, values in rows.items():
            if not 0 <= idx < n:
                raise IndexError(f"{t.name} has no data row {idx} ({n} rows)")
            for header in values:
                if header not in cols:
                    cols[header] = t.column(header)
            for value in values.values():
                check(value, d1904)
        doc = self._sheet(t.sheet)
        for idx, values in rows.items():
            doc.set_row(first + idx, {cols[header]: value for header, value in values.items()})

    def set_column(self, table: str, header: str, values: Sequence[object]) -> None:
        """Write every data row of one column; ``len(values)`` must equal data_rows."""
        t = self.table(table)
        if len(values) != t.data_rows:
            raise PatchError(f"{t.name}[{header}]: {len(values)} values for "
                             f"{t.data_rows} data rows")
        col = t.column(header)
        doc = self._sheet(t.sheet)
        first = t.data_first_row
        for i, value in enumerate(values):
            ooxml.check_value(value, self.date1904)
            doc.set(first + i, col, value)

    def append_rows(self, table: str, rows: Iterable[Mapping[str, object]],
                    fill_calculated: bool = True) -> list[int]:
        """Add data rows at the table's end; return their sheet row numbers.

        The blank placeholder row of an empty table is filled first. The
        table's ``ref`` (and its autoFilter's) grows. Columns absent from a
        row stay empty, except calculated columns, which get the table's
        calculated-column formula when ``fill_calculated`` (no cached value).
        Refuses tables with a totals row, and growth into non-empty cells or
        another table.
        """
        rows = list(rows)
        t = self._table(table)
        ref = self.table(table)
        if not rows:
            return []
        if t.totals_rows:
            raise PatchError(f"{ref.name}: appending to a table with a totals row "
                             "is not supported")
        start = ref.data_last_row + 1
        new_last = start + len(rows) - 1
        if new_last > ooxml.MAX_ROW:
            raise PatchError(f"{ref.name}: would grow past row {ooxml.MAX_ROW}")
        cols = []
        for row in rows:
            cols.append({ref.column(h): v for h, v in row.items()})
            for v in row.values():
                ooxml.check_value(v, self.date1904)
        self._check_growth(t, max(t.r2, new_last))
        doc = self._sheet(t.sheet)
        if fill_calculated:
            calc = {ref.column(h): Formula(f) for h, f in t.calculated.items()}
        else:
            calc = {}
        for offset, values in enumerate(cols):
            r = start + offset
            for c, f in calc.items():
                if c not in values:
                    doc.set(r, c, f)
            for c, v in sorted(values.items()):
                doc.set(r, c, v)
        t.r2 = max(t.r2, new_last)
        return list(range(start, new_last + 1))

    def _check_growth(self, t: _Table, new_r2: int) -> None:
        if new_r2 <= t.r2:
            return
        doc = self._sheet(t.sheet)
        for other in {id(o): o for o in self.tables.values()}.values():
            if other is t or other.sheet != t.sheet:
                continue
            if other.c1 <= t.c2 and t.c1 <= other.c2 and other.r1 <= new_r2 \
                    and other.r2 > t.r2:
                raise PatchError(f"{t.display} cannot grow to row {new_r2}: table "
                                 f"{other.display} is in the way")
        doc._scan_rows()
        lo = bisect.bisect_right(doc.row_nums, t.r2)
        hi = bisect.bisect_right(doc.row_nums, new_r2)
        candidates = set(doc.row_nums[lo:hi]) | {r for r in doc.pending if t.r2 < r <= new_r2}
        for r in sorted(candidates):
            for c in range(t.c1, t.c2 + 1):
                if doc.has_content(r, c):
                    raise PatchError(f"{t.display} cannot grow to row {new_r2}: "
                                     f"{t.sheet}!{ooxml.cell_ref(r, c)} is not empty")

    # --------------------------------------------------------------- save
    @property
    def dirty(self) -> bool:
        return any(d.dirty for d in self.sheets.values()) or any(
            t.r2 != t.orig_r2 for t in self.tables.values()) or bool(self._print_areas)

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write the changes atomically to ``path`` (default: the opened file).

        Raises WorkbookLocked when ``~$<name>`` exists beside the target and
        WorkbookChanged when the opened file changed on disk since open.
        Nothing is written when there are no changes and the target is the
        opened file. Afterwards the patcher continues from the saved file.
        """
        target = Path(path) if path is not None else self.path
        check_unlocked(target)
        same = _same_file(target, self.path)
        if same and self._stat is not None:
            try:
                st = os.stat(target)
            except FileNotFoundError as exc:
                raise WorkbookChanged(f"{target} vanished since it was opened") from exc
            if (st.st_size, st.st_mtime_ns) != (self._stat.st_size, self._stat.st_mtime_ns):
                raise WorkbookChanged(f"{target.name} changed on disk since it was opened")
        if not self.dirty:
            if not same:
                atomic_write(target, lambda fh: fh.write(self.src.data))
            return target
        replace, remove, fragments = self._changed_parts()
        for part, data in replace.items():
            if part in fragments:
                _check_fragments_well_formed(fragments[part], part)
            else:
                _check_well_formed(data, part)
        if not replace and not remove:
            # every pending write found its cell already as asked: nothing to write
            if not same:
                atomic_write(target, lambda fh: fh.write(self.src.data))
            for doc in self.sheets.values():
                doc.pending.clear()
                doc.heights.clear()
            self._print_areas.clear()
            return target

        def produce(fh):
            rewrite_zip(fh, self.src, replace, remove)

        atomic_write(target, produce)
        with open(target, "rb") as fh:
            data = fh.read()
            stat = os.fstat(fh.fileno())
        self.path = target
        self._load(data, stat)
        return target

    def _changed_parts(self) -> tuple[dict[str, bytes], set[str], dict[str, list[bytes]]]:
        """(new bytes by part, parts to drop, the new fragments of each sheet
        part: only those need the well-formedness check)."""
        replace: dict[str, bytes] = {}
        remove: set[str] = set()
        fragments: dict[str, list[bytes]] = {}
        sheets_changed: set[str] = set()
        headers: dict[str, list[_Table]] = {}
        for t in {id(t): t for t in self.tables.values()}.values():
            headers.setdefault(self.sheet_parts[t.sheet], []).append(t)
            if t.r2 != t.orig_r2:
                replace[t.part] = t.render()
        for part, doc in self.sheets.items():
            if not doc.dirty:
                continue
            tabs = [t for t in headers.get(part, []) if t.header_rows]

            def is_header(r, c, tabs=tabs):
                return any(t.r1 <= r < t.r1 + t.header_rows and t.c1 <= c <= t.c2
                           for t in tabs)
            data = doc.render(self.date1904, is_header)
            if data is doc.data:
                continue                      # every write was a no-op
            replace[part] = data
            sheets_changed.add(part)
            if doc.root_tag:
                fragments[part] = [doc.root_tag, *doc.checked,
                                   b"</" + doc.root_name + b">"]
        # workbook level: drop calcChain, force full recalculation on load
        wb_part = self.workbook_part
        wb_rels_path = _rels_path(wb_part)
        for rid, typ, target in self._rels(wb_part):
            if typ.endswith("/calcChain"):
                replace[wb_rels_path] = _remove_element(
                    replace.get(wb_rels_path, self.src.read(wb_rels_path)), b"Relationship",
                    b"Id", rid.encode())
                if target in self.src:
                    remove.add(target)
                ct = "[Content_Types].xml"
                replace[ct] = _remove_element(replace.get(ct, self.src.read(ct)), b"Override",
                                              b"PartName", ("/" + target).encode())
        replace[wb_part] = _full_calc_on_load(
            _set_print_areas(self.src.read(wb_part), self._print_areas))
        # a rendered sheet with edits differs; small parts are compared
        replace = {k: v for k, v in replace.items()
                   if k in sheets_changed or v != self.src.read(k)}
        return replace, remove, fragments


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _remove_element(data: bytes, name: bytes, key: bytes, value: bytes) -> bytes:
    """Drop the (empty) element ``name`` whose attribute ``key`` equals ``value``."""
    for m in ooxml.start_tag_re(name).finditer(data):
        if attrs(m.group("body")).get(key) == value:
            end = m.end()
            if not m.group("empty"):
                close = re.compile(rb"</(?:[\w.\-]+:)?" + name + rb"\s*>").search(data, end)
                if close is None:
                    raise PatchError(f"unterminated <{name.decode()}>")
                end = close.end()
            return data[:m.start()] + data[end:]
    return data


def _set_print_areas(data: bytes, areas: Mapping[int, str]) -> bytes:
    """workbook.xml with the text of each sheet's (by localSheetId) existing
    ``_xlnm.Print_Area`` defined name replaced."""
    if not areas:
        return data
    tag = ooxml.start_tag_re(b"definedName")
    close = re.compile(rb"</(?:[\w.\-]+:)?definedName\s*>")
    out, at = [], 0
    for m in tag.finditer(data):
        a = attrs(m.group("body"))
        if a.get(b"name") != b"_xlnm.Print_Area" or m.group("empty"):
            continue
        try:
            sheet = int(a.get(b"localSheetId", b"-1"))
        except ValueError:
            continue
        if sheet not in areas:
            continue
        end = close.search(data, m.end())
        if end is None:
            raise PatchError("workbook: unterminated <definedName>")
        out += [data[at:m.end()], ooxml.escape_xml(areas[sheet]).encode()]
        at = end.start()
    out.append(data[at:])
    return b"".join(out)


_CALCPR_AFTER = (b"definedNames", b"externalReferences", b"functionGroups", b"sheets")


def _full_calc_on_load(data: bytes) -> bytes:
    """workbook.xml with fullCalcOnLoad="1" on <calcPr> (added where the schema wants it)."""
    ooxml.reject_dtd(data, "workbook")
    m = ooxml.start_tag_re(b"calcPr").search(data)
    if m is not None:
        return data[:m.start()] + set_attr(m.group(0), b"fullCalcOnLoad", b"1") + data[m.end():]
    wm = ooxml.start_tag_re(b"workbook").search(data)
    prefix = wm.group("prefix") if wm else b""
    for name in _CALCPR_AFTER:
        sm = ooxml.start_tag_re(name).search(data)
        if sm is None:
            continue
        end = sm.end()
        if not sm.group("empty"):
            close = re.compile(rb"</(?:[\w.\-]+:)?" + name + rb"\s*>").search(data, end)
            if close is None:
                raise PatchError(f"workbook: unterminated <{name.decode()}>")
            end = close.end()
        return data[:end] + b"<" + prefix + b'calcPr fullCalcOnLoad="1"/>' + data[end:]
    raise PatchError("workbook: no <sheets> element")


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=True, dtd_validation=False)


def _check_fragments_well_formed(fragments: list[bytes], part: str) -> None:
    """Check a changed worksheet by its new bytes only (a bug guard).

    ``fragments`` are the part's root start tag, the new ``<dimension>``,
    the ``<sheetData>`` start tag, every rebuilt row or replaced cell and
    the end tags; everything else is the original part's bytes, copied
    unchanged. Fed to lxml piece by piece: the whole part is never parsed.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=True, dtd_validation=False)
    try:
        batch: list[bytes] = []
        size = 0
        for frag in fragments:
            batch.append(frag)
            size += len(frag)
            if size > 1 << 20:
                chunk = b"".join(batch)
                ooxml.reject_dtd(chunk, part)
                parser.feed(chunk)
                batch, size = [], 0
        if batch:
            chunk = b"".join(batch)
            ooxml.reject_dtd(chunk, part)
            parser.feed(chunk)
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise PatchError(f"{part}: would not be well-formed XML: {exc}") from exc


def _check_well_formed(data: bytes, part: str) -> None:
    """Refuse to write a part that is not well-formed XML (a bug guard)."""
    ooxml.reject_dtd(data, part)
    try:
        etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise PatchError(f"{part}: would not be well-formed XML: {exc}") from exc
