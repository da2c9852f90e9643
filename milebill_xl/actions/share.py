"""Prepare for Sharing: a copy of the workbook that is safe to email.

    share.run("billing.xlsx")            # -> billing (as of 2026-11-25).xlsx

The copy, written beside the workbook (or into ``out_dir``), differs from
it only where it must:

* **external links removed**: the ``xl/externalLinks`` parts, their
  relationships, content types, the workbook's ``<externalReferences>``
  and defined names that point into another workbook;
* **formulas the reader cannot compute replaced by their cached values**:
  any formula that refers to another workbook (``[1]Sheet1!A1``) or calls a
  function that is not built into Excel: our ``MB_*`` worksheet functions
  (stored as ``MB_FLAG(...)``, ``'MileBill.xlam'!MB_FLAG(...)`` or
  ``[1]!MB_FLAG(...)``), other add-in (``_xll.``) or VBA functions. Every
  other formula, including the template's own, stays a formula.

Cells are rewritten with the surgical patcher (cell styles kept, every other
byte of the package unchanged) and the file appears atomically. The as-of
date in the name is ``as_of``, else the Settings ``As Of Date``, else today.
The source is only read, so it may be open in Excel.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree
from openpyxl.utils.formulas import FORMULAE

from ..workbook import contract
from ..workbook.book import BookError
from ..xlsx.ooxml import local
from ..xlsx.atomic import atomic_write
from ..xlsx.safezip import ZipSource, rewrite_zip
from ..xlsx.patch import Patcher, PatchError, _remove_element

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=True)
_STRINGS = re.compile(r'"(?:[^"]|"")*"')
_QUOTED = re.compile(r"'(?:[^']|'')*'")
_FUNCTION = re.compile(r"(?<![A-Za-z0-9_.\\])([A-Za-z_\\][A-Za-z0-9_.]*)\s*\(")
_EXTERNAL = re.compile(r"(?:^|[^\w\]\[])'?\[\d+\]")
_BUILTIN_PREFIXES = ("_XLFN._XLWS.", "_XLFN.", "_XLWS.")
BUILTIN = frozenset(FORMULAE)


def shared_name(path: Path, as_of: date) -> str:
    return f"{path.stem} (as of {as_of.isoformat()}).xlsx"


def needs_value(formula: str, defined_names: frozenset[str] = frozenset()) -> bool:
    """True when a reader of the emailed copy could not compute ``formula``:
    it refers to another workbook or calls a function Excel does not have."""
    text = _STRINGS.sub('""', formula)
    if _EXTERNAL.search(text):
        return True
    bare = _QUOTED.sub("''", text)
    if re.search(r"'!\s*[A-Za-z_][\w.]*\s*\(", bare):  # 'Book.xlam'!FUNC(
        return True
    for m in _FUNCTION.finditer(bare):
        name = m.group(1).upper()
        if name.startswith("_XLL."):
            return True
        for prefix in _BUILTIN_PREFIXES:
            if name.startswith(prefix):
                break
        else:
            if name not in BUILTIN and name not in defined_names:
                return True
    return False


def _source_path(path_or_book) -> Path:
    if isinstance(path_or_book, (str, Path)):
        return Path(path_or_book)
    for attr in ("saved_path", "path"):
        value = getattr(path_or_book, attr, None)
        if value is not None:
            return Path(value)
    raise BookError(f"{getattr(path_or_book, 'name', 'the workbook')} has never been saved; "
                    "save it first, then prepare it for sharing")


def _as_of(path: Path, as_of: date | None) -> date:
    if as_of is not None:
        return as_of
    from ..workbook.parse import parse_book
    from ..workbook.reader import read_raw_tables
    data, _ = parse_book(read_raw_tables(path, (contract.SETTINGS.name,)))
    return data.settings.as_of_date or date.today()


def _shared_strings(src: ZipSource) -> list[str]:
    name = next((n for n in src.names if n.lower() == "xl/sharedstrings.xml"), None)
    if name is None:
        return []
    root = etree.fromstring(src.read(name), _PARSER)
    out = []
    for si in root:
        if local(si.tag) != "si":
            continue
        parts = []
        for el in si.iter():
            if local(el.tag) == "t" and local(el.getparent().tag) != "rPh":
                parts.append(el.text or "")
        out.append("".join(parts))
    return out


def _cached(cell, strings: list[str]):
    """A formula cell's cached result as a value the patcher writes."""
    typ = cell.get("t", "n")
    v = next((el for el in cell if local(el.tag) == "v"), None)
    if typ == "inlineStr":
        return "".join(el.text or "" for el in cell.iter() if local(el.tag) == "t")
    if v is None or v.text is None:
        return None
    text = v.text
    if typ in ("str", "e"):
        return text
    if typ == "s":
        try:
            return strings[int(text)]
        except (ValueError, IndexError):
            return None
    if typ == "b":
        return text.strip() in ("1", "true")
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return text


def _defined_names(src: ZipSource, workbook_part: str) -> frozenset[str]:
    root = etree.fromstring(src.read(workbook_part), _PARSER)
    return frozenset((el.get("name") or "").upper() for el in root.iter()
                     if local(el.tag) == "definedName")


def _values_for(src: ZipSource, sheet_part: str, strings: list[str],
                names: frozenset[str]) -> dict[str, object]:
    """Cell ref -> cached value for every formula cell that must become a value."""
    root = etree.fromstring(src.read(sheet_part), _PARSER)
    masters: dict[str, str] = {}
    cells = []
    for c in root.iter():
        if local(c.tag) != "c":
            continue
        f = next((el for el in c if local(el.tag) == "f"), None)
        if f is None:
            continue
        text = f.text or ""
        if f.get("t") == "shared" and f.get("si") is not None and text:
            masters[f.get("si")] = text
        cells.append((c, f, text))
    out: dict[str, object] = {}
    for c, f, text in cells:
        if not text and f.get("t") == "shared":
            text = masters.get(f.get("si"), "")
        if text and needs_value(text, names) and c.get("r"):
            out[c.get("r")] = _cached(c, strings)
    return out


def _drop_external_links(data: bytes) -> bytes:
    """The package without external link parts and references to them."""
    src = ZipSource(data)
    names = set(src.names)
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name not in names:
        return data
    rels = src.read(rels_name)
    root = etree.fromstring(rels, _PARSER)
    links = [(r.get("Id"), r.get("Target", "")) for r in root
             if (r.get("Type") or "").endswith("/externalLink")]
    if not links:
        return data
    replace: dict[str, bytes] = {}
    remove: set[str] = set()
    for rid, target in links:
        rels = _remove_element(rels, b"Relationship", b"Id", rid.encode())
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        part = re.sub(r"[^/]+/\.\./", "", part)
        if part in names:
            remove.add(part)
        part_rels = part.rsplit("/", 1)[0] + "/_rels/" + part.rsplit("/", 1)[1] + ".rels"
        if part_rels in names:
            remove.add(part_rels)
    replace[rels_name] = rels
    ct = src.read("[Content_Types].xml")
    for part in remove:
        ct = _remove_element(ct, b"Override", b"PartName", ("/" + part).encode())
    replace["[Content_Types].xml"] = ct
    wb = src.read("xl/workbook.xml")
    wb = re.sub(rb"<(?:\w+:)?externalReferences\b.*?</(?:\w+:)?externalReferences\s*>", b"",
                wb, flags=re.S)
    wb = re.sub(rb"<(?:\w+:)?externalReferences\b[^>]*/>", b"", wb)

    def keep(m: re.Match) -> bytes:
        return b"" if re.search(rb"(?:^|[^\w\]\[])'?\[\d+\]", m.group(2)) else m.group(0)
    wb = re.sub(rb"(<(?:\w+:)?definedName\b[^>]*>)(.*?)</(?:\w+:)?definedName\s*>", keep,
                wb, flags=re.S)
    wb = re.sub(rb"<(?:\w+:)?definedNames\b[^>]*>\s*</(?:\w+:)?definedNames\s*>", b"", wb)
    replace["xl/workbook.xml"] = wb
    for part, new in replace.items():
        etree.fromstring(new, _PARSER)  # never write a part that is not well-formed
    out = bytearray()

    class _Sink:
        def write(self, chunk: bytes) -> None:
            out.extend(chunk)
    rewrite_zip(_Sink(), src, replace, remove)
    return bytes(out)


def run(path_or_book, out_dir: Path | None = None, as_of: date | None = None) -> Path:
    """Write the shareable copy; return its path."""
    path = _source_path(path_or_book)
    if not path.is_file():
        raise BookError(f"{path}: no such workbook")
    if path.suffix.lower() != ".xlsx":
        raise BookError(f"{path.name}: only .xlsx workbooks can be prepared for sharing")
    when = _as_of(path, as_of)
    folder = Path(out_dir) if out_dir is not None else path.parent
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / shared_name(path, when)
    if target.resolve() == path.resolve():
        raise BookError(f"{target.name}: the shared copy would replace the workbook itself")
    try:
        patcher = Patcher.open(path)
        src = patcher.src
        strings = _shared_strings(src)
        names = _defined_names(src, patcher.workbook_part)
        for sheet, part in patcher.sheet_parts.items():
            if part not in src:
                continue
            values = _values_for(src, part, strings, names)
            if values:
                patcher.set_cells(sheet, values)
        patcher.save(target)
        data = target.read_bytes()
        cleaned = _drop_external_links(data)
        if cleaned is not data:
            atomic_write(target, lambda fh: fh.write(cleaned))
    except (PatchError, KeyError, ValueError, SyntaxError, etree.XMLSyntaxError) as exc:
        raise BookError(f"{path.name}: cannot prepare a shared copy: {exc}") from exc
    return target
