"""Read an .xlsx file's contract tables into core records (no Excel needed).

    data, locator = read_book("billing.xlsx")
    for p in data.problems:
        print(format_problem(p, locator))   # {"sheet", "cell", "message"}

Tables are found by name wherever they are (the table XML gives sheet and
range), columns by header. Cell values come from python-calamine, one pass
per sheet. calamine reads error cells (#N/A, #REF!...) as blank, so the
sheet XML is scanned for error cells and their codes put back; the record
parsing (:mod:`.parse`) is shared with the live-Excel reader.

A file that cannot be read at all (missing, empty, not an .xlsx, an old
.xls, password-protected) raises :class:`BookError` with a user message.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from ..core.records import BookData, Problem
from . import contract
from .book import BookError
from .cells import ERROR_CODES, a1, quote_sheet, split_a1, split_range, to_text
from .geometry import Locator, RawTable, TableGeometry, format_problem
from ..xlsx.guard import MAX_GRID, check_package, unpacked
from .parse import parse_book

__all__ = [
    "BookError", "Locator", "RawTable", "TableGeometry", "TableLocation",
    "format_problem", "open_tables", "parse_book", "read_book", "read_raw_tables",
    "table_locations",
]

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

CONTRACT_TABLES = tuple(t.name for t in contract.TABLES) + (contract.CURRENCIES.name,)


def read_book(path: str | Path) -> tuple[BookData, Locator]:
    """Read and check a workbook. Bad cell values become ``problems``;
    a file that is not a usable workbook raises BookError."""
    with open_tables(path) as tables:
        return parse_book(tables)


# ------------------------------------------------------------ file checks

def _check_file(path: Path) -> None:
    name = path.name
    if not path.exists():
        raise BookError(f"{path}: no such file")
    if path.is_dir():
        raise BookError(f"{path} is a folder, not an Excel workbook")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise BookError(f"{name} cannot be opened: {exc.strerror or exc}") from None
    if not head:
        raise BookError(f"{name} is empty (0 bytes), not an Excel workbook")
    if head.startswith(_OLE_MAGIC):
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise BookError(
                f"{name} is protected with a password; open it in Excel, remove the "
                "password (File > Info > Protect Workbook > Encrypt with Password) "
                "and save it again")
        raise BookError(
            f"{name} is an old-style Excel 97-2003 (.xls) file; open it in Excel and "
            "save it as an Excel Workbook (.xlsx)")
    if not head.startswith(b"PK"):
        raise BookError(f"{name} is not an Excel workbook (.xlsx)")


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BookError(f"{path.name} is damaged or not an Excel workbook (.xlsx): {exc}") from None
    names = set(z.namelist())
    if "xl/workbook.xml" not in names:
        z.close()
        if "xl/workbook.bin" in names:
            raise BookError(f"{path.name} is a binary workbook (.xlsb); open it in Excel "
                            "and save it as an Excel Workbook (.xlsx)")
        if "word/document.xml" in names:
            raise BookError(f"{path.name} is a Word document, not an Excel workbook")
        raise BookError(f"{path.name} is not an Excel workbook (.xlsx)")
    return z


# ------------------------------------------------------ package structure

def _xml(z: zipfile.ZipFile, part: str):
    from defusedxml.ElementTree import fromstring
    try:
        return fromstring(z.read(part))
    except KeyError:
        return None
    except Exception as exc:  # malformed XML in the package
        raise BookError(f"the workbook is damaged ({part}: {exc})") from None


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship Id -> (type, target part path) for a part."""
    folder, base = posixpath.split(part)
    root = _xml(z, posixpath.join(folder, "_rels", base + ".rels"))
    out: dict[str, tuple[str, str]] = {}
    if root is None:
        return out
    for rel in root.iter(f"{{{_NS_PKG_REL}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        if target.startswith("/"):
            path = target.lstrip("/")
        else:
            path = posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), path)
    return out


@dataclass(frozen=True)
class TableLocation:
    """A table as declared in the package: where its XML and sheet are."""

    name: str           # displayName, as Excel shows it
    sheet: str
    sheet_part: str     # e.g. xl/worksheets/sheet2.xml
    table_part: str     # e.g. xl/tables/table1.xml
    ref: str            # e.g. A1:V101 (header, data and totals rows)
    header_rows: int    # 1, or 0 when the header row is switched off
    totals_rows: int
    columns: tuple[str, ...]


def table_locations(z: zipfile.ZipFile) -> list[TableLocation]:
    """Every table of the workbook with its sheet, from the package XML."""
    wb_rels = _rels(z, "xl/workbook.xml")
    root = _xml(z, "xl/workbook.xml")
    out: list[TableLocation] = []
    sheets = root.find(f"{{{_NS_MAIN}}}sheets") if root is not None else None
    for sheet in (sheets if sheets is not None else ()):
        rel = wb_rels.get(sheet.get(f"{{{_NS_REL}}}id", ""))
        if rel is None:
            continue
        sheet_part = rel[1]
        for typ, table_part in _rels(z, sheet_part).values():
            if not typ.endswith("/table"):
                continue
            t = _xml(z, table_part)
            if t is None:
                continue
            cols = t.find(f"{{{_NS_MAIN}}}tableColumns")
            out.append(TableLocation(
                name=t.get("displayName") or t.get("name") or "",
                sheet=sheet.get("name", ""),
                sheet_part=sheet_part,
                table_part=table_part,
                ref=t.get("ref", "A1:A1"),
                header_rows=int(t.get("headerRowCount", "1")),
                totals_rows=int(t.get("totalsRowCount", "0")),
                columns=tuple(c.get("name", "") for c in
                              (cols if cols is not None else ())),
            ))
    return out


# ------------------------------------------------------------ error cells

_ERROR_CELL = re.compile(rb"""<(?:\w+:)?c\s[^>]{0,4096}?\bt=["']e["'][^>]{0,4096}>""")
_CELL_SPAN = 65_536   # an error cell's </c> is within this many bytes (formulas are < 8,192 chars)
_CELL_REF = re.compile(rb"""\br=["']([A-Za-z]+[0-9]+)["']""")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")


def error_cells(sheet_xml: bytes) -> dict[tuple[int, int], str]:
    """(row, col) 1-based -> error code ('#N/A') for every error cell of a
    worksheet's XML (calamine reads them as blank)."""
    if b't="e"' not in sheet_xml and b"t='e'" not in sheet_xml:
        return {}
    found: dict[tuple[int, int], str] = {}
    for m in _ERROR_CELL.finditer(sheet_xml):
        tag = m.group(0)
        ref = _CELL_REF.search(tag)
        if ref is None or tag.endswith(b"/>"):
            continue
        end = _CELL_END.search(sheet_xml, m.end(), m.end() + _CELL_SPAN)
        value = _VALUE.search(sheet_xml, m.end(), end.start() if end else m.end() + _CELL_SPAN)
        code = value.group(1).decode("utf-8", "replace").strip() if value else ""
        found[split_a1(ref.group(1).decode())] = code or "#VALUE!"
    return found


# A superset of t="e" / t='e' that sre finds fast; error_cells is exact.
# (``t = "e"``, spaces around "=", which no spreadsheet program writes, is
# not looked for: such a cell would read as blank, and allowing the spaces
# makes this scan of every table sheet a third slower.)
_ERROR_HINT = re.compile(rb"=[\"']e[\"']")
_SEAM = 8


def _error_cells_of(z: zipfile.ZipFile, fh, part: str) -> dict[tuple[int, int], str]:
    """error_cells of a worksheet part, unpacking it in 1 MB steps and
    reading it whole only when it may hold an error cell (most never do).
    The guard has already checked the part, so its raw data is inflated
    straight (no CRC pass: calamine checks that)."""
    info = next((i for i in z.infolist() if i.filename.lower() == part.lower()), None)
    if info is None:
        return {}         # calamine, which looks parts up the same way, says what is wrong
    tail = b""
    for chunk in unpacked(fh, info, part):
        if _ERROR_HINT.search(chunk) is not None or \
                _ERROR_HINT.search(tail + chunk[:_SEAM]) is not None:
            return error_cells(z.read(info))
        tail = chunk[-_SEAM:]
    return {}


# ------------------------------------------------------------ the tables

# A sheet part unpacking to more than this is read in a thread of its own,
# while the calling thread reads the other sheets and parses their tables
# (calamine lets go of the GIL while it parses a sheet's XML).
_THREAD_FROM = 1 << 20


def read_raw_tables(path: str | Path,
                    names: tuple[str, ...] = CONTRACT_TABLES) -> dict[str, RawTable]:
    """The named tables (matched ignoring case) as RawTables, keyed by the
    names asked for. A table the workbook lacks is simply absent."""
    with open_tables(path, names) as tables:
        return dict(tables)


@contextlib.contextmanager
def open_tables(path: str | Path,
                names: tuple[str, ...] = CONTRACT_TABLES) -> Iterator[Mapping[str, RawTable]]:
    """Like :func:`read_raw_tables`, as a mapping whose biggest sheet may
    still be being read: looking up one of its tables waits for it. So
    :func:`.parse.parse_book` works on the small tables meanwhile. The read
    is finished (or abandoned) when the ``with`` block ends.

    Order: the guard checks the whole package first (nothing else touches
    its XML before); then calamine parses the biggest sheet in a worker
    while this thread looks for error cells (which calamine reads as blank)
    and reads the other sheets."""
    path = Path(path)
    _check_file(path)
    check_package(path)   # size, count and DTD limits before any XML is parsed
    wanted = {n.lower(): n for n in names}
    with _open_zip(path) as z:
        found = [loc for loc in table_locations(z) if loc.name.lower() in wanted]
        if not found:
            yield {}
            return
        for loc in found:
            _refuse_huge_table(loc)
        try:
            from python_calamine import CalamineError, CalamineWorkbook
        except ImportError as exc:  # pragma: no cover - a broken install
            raise BookError(f"python-calamine is not installed: {exc}") from None
        by_sheet: dict[str, list[TableLocation]] = {}
        for loc in found:
            by_sheet.setdefault(loc.sheet, []).append(loc)
        sizes = {info.filename: info.file_size for info in z.infolist()}

        def read(source, sheets: list[str]) -> dict[str, tuple]:
            """sheet -> (its tables, merged ranges): calamine's values cut
            into tables, error cells not yet put back."""
            out = {}
            try:
                with (CalamineWorkbook.from_path(source) if isinstance(source, str)
                      else CalamineWorkbook.from_filelike(io.BytesIO(source))) as wb:
                    for sheet in sheets:
                        locs = by_sheet[sheet]
                        bounds = [split_range(loc.ref) for loc in locs]
                        data = wb.get_sheet_by_name(sheet)
                        values = data.to_python(skip_empty_area=False,
                                                nrows=max(b[2] for b in bounds))
                        out[sheet] = ({wanted[loc.name.lower()]: _cut(loc, bound, values)
                                       for loc, bound in zip(locs, bounds)},
                                      data.merged_cell_ranges or ())
            except CalamineError as exc:
                raise BookError(f"{path.name} cannot be read: {exc}") from None
            return out

        order = sorted(by_sheet, key=lambda sh: -sizes.get(by_sheet[sh][0].sheet_part, 0))
        big = order[0] if len(order) > 1 and sizes.get(by_sheet[order[0]][0].sheet_part, 0) > \
            _THREAD_FROM else None
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            later = pool.submit(read, str(path), [big]) if big is not None else None
            try:
                with open(path, "rb") as fh:
                    errors = {sheet: _error_cells_of(z, fh, by_sheet[sheet][0].sheet_part)
                              for sheet in order}
                unsupported = {by_sheet[sh][0].sheet_part for sh in order
                               if any(code not in _CALAMINE_ERRORS
                                      for code in errors[sh].values())}
                if unsupported:
                    # calamine refuses a sheet with #SPILL! and the like: read
                    # every sheet from a copy that has #N/A in their place
                    # (_cut puts the real codes back).
                    if later is not None:
                        concurrent.futures.wait([later])
                    later = None
                    raw = read(_without_new_errors(z, unsupported), order)
                else:
                    raw = read(str(path), [sh for sh in order if sh != big])

                def tables_of(sheet: str, got: tuple) -> dict[str, RawTable]:
                    tables, merged = got
                    _refuse_merged(merged, by_sheet[sheet])
                    return {name: _put_errors(raw, errors[sheet])
                            for name, raw in tables.items()}

                ready: dict[str, RawTable] = {}
                for sheet, got in raw.items():
                    ready.update(tables_of(sheet, got))
                pending = ({wanted[loc.name.lower()] for loc in by_sheet[big]}
                           if later is not None else set())
                yield _Tables(ready, pending,
                              lambda: tables_of(big, later.result()[big]))
            finally:
                if later is not None:
                    later.cancel()


class _Tables(Mapping):
    """Tables read, plus the tables of one sheet still being read, which
    ``resolve()`` waits for."""

    def __init__(self, ready: dict[str, RawTable], pending: set[str], resolve) -> None:
        self._ready, self._pending, self._resolve = dict(ready), set(pending), resolve

    def __getitem__(self, name: str) -> RawTable:
        if name in self._pending:
            self._ready.update(self._resolve())
            self._pending.clear()
        return self._ready[name]

    def __iter__(self):
        return iter([*self._ready, *sorted(self._pending - self._ready.keys())])

    def __len__(self) -> int:
        return len(self._ready.keys() | self._pending)


def _refuse_huge_table(loc: TableLocation) -> None:
    """A table range bigger than any sheet the guard lets calamine read
    (its rows are padded out to the range, so ``A1:XFD1048576`` would ask
    for 17 billion cells): refused, naming it."""
    try:
        r1, c1, r2, c2 = split_range(loc.ref)
    except ValueError:
        raise BookError(f"Table {loc.name} on sheet {loc.sheet} has a range Excel cannot "
                        f"read ({loc.ref!r}); the workbook is damaged") from None
    cells = (r2 - r1 + 1) * (c2 - c1 + 1)
    if cells > MAX_GRID:
        raise BookError(f"{quote_sheet(loc.sheet)}!{loc.ref}: table {loc.name} spans "
                        f"{cells:,} cells (limit {MAX_GRID:,}); the workbook is damaged or "
                        "was made to attack the program reading it")


def _refuse_merged(merged, locs: list[TableLocation]) -> None:
    """Merged cells inside a table (Excel never allows them; other tools
    write them): the values would hide under the merge and a written cell
    would not show. Refuse, naming the range. ``merged`` holds calamine's
    0-based ((row, col), (row, col)) corners."""
    for (r1, c1), (r2, c2) in merged:
        r1, c1, r2, c2 = r1 + 1, c1 + 1, r2 + 1, c2 + 1
        for loc in locs:
            t1, u1, t2, u2 = split_range(loc.ref)
            if r1 <= t2 and t1 <= r2 and c1 <= u2 and u1 <= c2:
                where = a1(r1, c1) if (r1, c1) == (r2, c2) else f"{a1(r1, c1)}:{a1(r2, c2)}"
                raise BookError(f"{quote_sheet(loc.sheet)}!{where}: cells are merged "
                                f"inside table {loc.name}; unmerge them (Home > Merge & Center) "
                                "and fill every cell")


# Error codes calamine reads; newer ones (#SPILL!, #CALC! ...) make it refuse
# the whole sheet, so a copy with them as #N/A is read instead (the real
# codes come from error_cells and are put back by _cut).
_CALAMINE_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!",
                              "#N/A", "#GETTING_DATA"})
_ERROR_VALUE = re.compile(rb"""(<(?:\w+:)?c\s[^>]{0,4096}?\bt=["']e["'][^>]{0,4096}>"""
                          rb"""(?:(?!</(?:\w+:)?c>).){0,65536}?<(?:\w+:)?v>)#[A-Z_/0!?]+""", re.S)


def _without_new_errors(z: zipfile.ZipFile, parts: set[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename in parts:
                data = _ERROR_VALUE.sub(rb"\1#N/A", data)
            out.writestr(info, data)
    return buf.getvalue()


def _cut(loc: TableLocation, bound: tuple[int, int, int, int], values: list[list]) -> RawTable:
    """The table's rows out of its sheet's ``values`` (fresh lists, which
    :func:`_put_errors` may then fill in)."""
    r1, c1, r2, c2 = bound
    first_data = r1 + (1 if loc.header_rows else 0)     # 1-based sheet row
    last_data = r2 - loc.totals_rows
    width = c2 - c1 + 1
    # Header cells are what the user sees; the table XML's column names
    # (normally identical) stand in where a cell is blank or headers are off.
    declared = list(loc.columns)[:width]
    declared += [""] * (width - len(declared))
    shown = [""] * width
    if loc.header_rows and len(values) >= r1:
        shown = [to_text(v, "header") if v not in ERROR_CODES else ""
                 for v in values[r1 - 1][c1 - 1:c2]]
        shown += [""] * (width - len(shown))
    headers = [s or d for s, d in zip(shown, declared)]
    rows = []
    for row in values[first_data - 1:last_data]:
        cut = row[c1 - 1:c2]
        if len(cut) < width:
            cut = cut + [""] * (width - len(cut))
        rows.append(cut)
    n_rows = max(last_data - first_data + 1, 0)
    while len(rows) < n_rows:
        rows.append([""] * width)
    geometry = TableGeometry(name=loc.name, sheet=loc.sheet, header_row=first_data - 1,
                             first_col=c1, headers=tuple(headers), n_rows=n_rows)
    return RawTable(geometry, rows)


def _put_errors(raw: RawTable, errors: Mapping[tuple[int, int], str]) -> RawTable:
    """``raw`` with the sheet's error cells (1-based (row, col) -> code)
    that fall in its data rows written in, as calamine reads them blank."""
    g = raw.geometry
    first, last = g.first_data_row, g.header_row + g.n_rows
    for (er, ec), code in errors.items():
        if first <= er <= last and g.first_col <= ec < g.first_col + len(g.headers):
            raw.rows[er - first][ec - g.first_col] = code
    return raw


def format_problems(problems: tuple[Problem, ...] | list[Problem], locator: Locator) -> list[dict]:
    return [format_problem(p, locator) for p in problems]
