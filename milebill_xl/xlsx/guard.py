"""Limits every Office package (.xlsx workbook, .docx invoice template) is
checked against before any of its XML is parsed or a member is unpacked by
another library (calamine reads the zip itself, so the check comes first).

What is refused, and why:

* more than ``MAX_MEMBERS`` members (read from the end-of-central-directory
  record, before ``zipfile`` builds one object per member);
* a member that says it unpacks to more than ``MAX_MEMBER_SIZE``, or all
  members together to more than ``MAX_TOTAL_SIZE`` (a zip bomb: 2 GB of
  zeros compresses to 2 MB);
* a member above 16 MB unpacked that compresses better than 200 to 1
  (spreadsheet XML manages about 45 to 1, a bomb of zeros 1,000 to 1);
* a member whose compressed data unpacks to more than it declares (a zip
  bomb that lies in its headers), checked by streaming every XML member
  through zlib in 1 MB steps, never holding it whole;
* encrypted members and compression methods other than stored/deflate;
* any ``<!DOCTYPE`` or ``<!ENTITY`` in an XML member (never valid in
  OOXML; it is how entity-expansion "billion laughs" and external-entity
  (XXE) attacks start), in UTF-8 or UTF-16;
* shared strings that the sheets repeat into more than ``MAX_STRING_BYTES``
  of cell text (calamine copies a shared string into every cell that names
  it: a 6 kB file naming one 30,000-character string 20,000 times took
  570 MB). Each string's size is bounded by its span in the shared-strings
  part; a sheet whose ``t="s"`` cells times the longest string could pass
  the limit has its references summed exactly, any reference the sum cannot
  read counting as the longest string;
* a sheet whose values span more than ``MAX_GRID`` cells from A1 to the
  farthest one: calamine holds a sheet as one dense rectangle, so a single
  value typed at XFD1048576 would make it ask for hundreds of GB and abort.
  Excel writes the used range in ``<dimension>``; only a sheet declaring a
  range over the limit has its cells' positions read (a range of formatted
  but empty cells passes). A sheet that lies in ``<dimension>`` is not
  caught: that needs a reader that does not hold the whole rectangle;
* more than ``MAX_SHEETS`` sheets, more than ``MAX_SHARED_STRINGS`` shared
  strings, room for more than ``MAX_CELLS`` cells in one sheet. calamine
  keeps nothing for an empty ``<c/>``, and a cell with a value is written
  with at least three tags (``<c><v/></c>``, 11 bytes): so a sheet is
  refused when its tags (one ``<`` each, counted without caring for
  namespace prefixes) exceed ``3 * MAX_CELLS``, and a sheet under
  ``MAX_CELLS * MIN_CELL_BYTES`` bytes is not counted at all.

The limits sit far above any real billing workbook (the 100,000-milestone
benchmark book is well inside them) and keep one ``milebill check`` under a
few hundred MB of memory. Every XML parser we use is also safe on its own
(defusedxml for reading, lxml with ``resolve_entities=False`` and
``no_network``); this module makes the refusal early, cheap and worded
for a user.
"""
from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import BookError

MAX_MEMBERS = 10_000
MAX_SHEETS = 1_000
# The template writes every calculated column's formula in full on every
# row (about 7 KB of XML per milestone), so the 100,000-milestone benchmark
# book's Milestones sheet unpacks to about 710 MB: these limits leave room.
MAX_MEMBER_SIZE = 1024 * 2**20        # bytes, uncompressed, one member
MAX_TOTAL_SIZE = 2048 * 2**20         # bytes, uncompressed, all members
# Spreadsheet XML deflates about 10-50 to 1 (the benchmark book: 45); a
# part of spaces or zeros, 1,000 to 1. Above RATIO_FROM bytes unpacked, a
# part must not claim more than MAX_RATIO times its compressed size.
MAX_RATIO = 200
RATIO_FROM = 16 * 2**20
MAX_SHARED_STRINGS = 2_000_000
MAX_STRING_BYTES = 256 * 2**20         # shared-string text copied into cells, all sheets
MAX_CELLS = 10_000_000                # cells in one worksheet part
MAX_GRID = 8_000_000                  # A1 to the farthest value, rows x columns (256 MB)
# `<c><v/></c>`: 3 tags, 11 bytes; fewer cannot hold a value.
TAGS_PER_CELL = 3
MIN_CELL_BYTES = 10

_CHUNK = 2**20
_EOCD = b"PK\x05\x06"
_Z64_LOCATOR = b"PK\x06\x07"
_LOCAL = b"PK\x03\x04"
_DTD_MARKS = tuple(m for word in (b"<!DOCTYPE", b"<!ENTITY")
                   for m in (word, word.decode().encode("utf-16-le"),
                             word.decode().encode("utf-16-be")))
_OVERLAP = max(len(m) for m in _DTD_MARKS) + 8
# Every mark holds the byte "!", and "<!" (UTF-8) or "<\0!" (UTF-16, either
# byte order): a chunk without them cannot hold a mark, and most sheets have
# no "!" at all (bytes `in` of one byte is a memchr), so the six exact
# searches run only on the rare chunk that has a candidate.
_DTD_HINT = re.compile(rb"<\x00?!")
_PFX = rb"(?:[A-Za-z_][\w.\-]*:)?"
_SI_START = re.compile(rb"<" + _PFX + rb"si(?=[\s/>])")
# quick-xml allows spaces around "=", and calamine compares the raw value
_S_CELL = re.compile(rb"""(?<![\w:.\-])t\s*=\s*["']s["']""")
_TAG = re.compile(rb"<" + _PFX + rb"(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb"""(?<![\w:.\-])r\s*=\s*["']([A-Za-z]{1,3})(\d{1,7})["']""")
_ROW_ATTR = re.compile(rb"""(?<![\w:.\-])r\s*=\s*["'](\d{1,7})["']""")
_V_INDEX = re.compile(rb"\s*<" + _PFX + rb"v(?:\s[^>]*)?>\s*(\d{1,10})\s*<")
_MAX_TAG = 65_536    # no tag of a real sheet comes near; a longer one is refused
_SHEET_EL = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?sheet\s")
_DIMENSION = re.compile(rb"""<(?:[A-Za-z_][\w.\-]*:)?dimension\s[^>]*?\bref\s*=\s*["']"""
                        rb"""\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?["']""")
_XML_NAME = re.compile(r".*\.(xml|rels|vml)\Z", re.I)
_SHEET_PART = re.compile(r"xl/(worksheets|chartsheets|dialogsheets|macrosheets)/[^/]+\.xml\Z", re.I)


class UnsafePackage(BookError, ValueError):
    """The file is not a package we open: too big, damaged or hostile."""


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def check_package(source: str | os.PathLike | bytes, name: str | None = None,
                  kind: str = "workbook") -> None:
    """Raise :class:`UnsafePackage` unless ``source`` (a path or the file's
    bytes) is within every limit above. ``name`` is shown in messages."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        name = name or kind
        fh: BinaryIO = io.BytesIO(source)
        _check(fh, name, kind)
        return
    path = Path(source)
    name = name or path.name
    with open(path, "rb") as fh:
        _check(fh, name, kind)


def _refuse(name: str, kind: str, why: str) -> UnsafePackage:
    return UnsafePackage(f"{name} was not opened: {why}. A normal {kind} never does this; "
                         "the file is damaged or was made to attack the program reading it")


def _member_count(fh: BinaryIO) -> int | None:
    """Members declared by the end-of-central-directory record (zip64 aware)."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    tail_len = min(size, 65_557)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(_EOCD)
    if pos < 0 or pos + 22 > len(tail):
        return None
    count = struct.unpack("<H", tail[pos + 10:pos + 12])[0]
    loc = pos - 20
    if count == 0xFFFF and loc >= 0 and tail[loc:loc + 4] == _Z64_LOCATOR:
        (z64_off,) = struct.unpack("<Q", tail[loc + 8:loc + 16])
        fh.seek(z64_off)
        rec = fh.read(56)
        if len(rec) == 56 and rec[:4] == b"PK\x06\x06":
            count = struct.unpack("<Q", rec[32:40])[0]
    return count


def _check(fh: BinaryIO, name: str, kind: str) -> None:
    count = _member_count(fh)
    if count is not None and count > MAX_MEMBERS:
        raise _refuse(name, kind, f"it holds {count:,} parts (limit {MAX_MEMBERS:,})")
    fh.seek(0)
    try:
        z = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError, struct.error) as exc:
        what = "an Excel workbook (.xlsx)" if kind == "workbook" else f"a {kind}"
        raise UnsafePackage(f"{name} is damaged or not {what}: {exc}") from None
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _refuse(name, kind, f"it holds {len(infos):,} parts (limit {MAX_MEMBERS:,})")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnsafePackage(f"{name} is encrypted ({info.filename}); "
                                "remove the password in the program that made it and save it again")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse(name, kind, f"part {info.filename} uses compression method "
                          f"{info.compress_type}")
        if info.file_size > MAX_MEMBER_SIZE:
            raise _refuse(name, kind, f"part {info.filename} unpacks to {_mb(info.file_size)} "
                          f"(limit {_mb(MAX_MEMBER_SIZE)})")
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refuse(name, kind, f"part {info.filename} unpacks to {_mb(info.file_size)} from "
                          f"{info.compress_size:,} bytes, over {MAX_RATIO} to 1 (a zip bomb)")
        total += info.file_size
        if total > MAX_TOTAL_SIZE:
            raise _refuse(name, kind, f"its parts unpack to more than {_mb(MAX_TOTAL_SIZE)} "
                          "in all")
    xml = [info for info in infos if _XML_NAME.match(info.filename)]
    xml.sort(key=lambda info: not _is_sst(info.filename))   # strings before sheets
    strings = _Strings()
    for info in xml:
        _scan_member(fh, info, name, kind, strings)


def _is_sst(part: str) -> bool:
    return part.lower().endswith("sharedstrings.xml")


class _Strings:
    """What the scan learnt of the shared strings: an upper bound of each
    one's size in bytes (from its ``<si`` to the next), and how much
    shared-string text the sheets scanned so far copy into cells. A package
    with more than one strings part is judged by the largest span at each
    index (which part calamine reads does not matter then)."""

    def __init__(self) -> None:
        self.parts: list[list[int]] = []
        self.longest = 0
        self.copied = 0

    def add_part(self, starts: list[int], end: int) -> None:
        spans = [b - a for a, b in zip(starts, starts[1:] + [end])]
        self.parts.append(spans)
        self.longest = max(self.longest, max(spans, default=0))

    def span(self, index: int) -> int:
        return max((p[index] for p in self.parts if index < len(p)), default=0)


def _whole_tags(out: bytes, box: list[bytes], name: str, part: str) -> bytes:
    """``out`` behind what the previous chunk left in ``box[0]``, cut just
    before its last ``<`` whose tag is not closed yet; that rest goes back
    into ``box[0]``. ``<`` cannot occur inside a tag, so no tag is split
    between two pieces and no pattern within a tag is missed at a seam."""
    buf = box[0] + out if box[0] else out
    cut = buf.rfind(b"<")
    if cut < 0 or buf.find(b">", cut) >= 0:
        cut = len(buf)
    box[0] = buf[cut:]
    if len(box[0]) > _MAX_TAG:
        raise UnsafePackage(f"{name} is damaged: part {part} has a tag longer than "
                            f"{_MAX_TAG:,} bytes")
    return buf[:cut]


def _tag_chunks(fh: BinaryIO, info: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    """The member unpacked in pieces that never split a tag."""
    box = [b""]
    for out in unpacked(fh, info, name):
        yield _whole_tags(out, box, name, info.filename)
    if box[0]:
        yield box[0]


def _raw_data_start(fh: BinaryIO, info: zipfile.ZipInfo, name: str) -> int:
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) < 30 or head[:4] != _LOCAL:
        raise UnsafePackage(f"{name} is damaged: part {info.filename} has no local header")
    nlen, xlen = struct.unpack("<HH", head[26:30])
    return info.header_offset + 30 + nlen + xlen


def unpacked(fh: BinaryIO, info: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    """The member's bytes, unpacked in steps of at most 1 MB (so a bomb is
    never held whole). Raises UnsafePackage when its data is damaged."""
    fh.seek(_raw_data_start(fh, info, name))
    left_in = info.compress_size
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    part = info.filename
    while True:
        try:
            if inflate is not None and inflate.unconsumed_tail:
                out = inflate.decompress(inflate.unconsumed_tail, _CHUNK)
            elif left_in > 0:
                raw = fh.read(min(_CHUNK, left_in))
                if not raw:
                    raise UnsafePackage(f"{name} is damaged: part {part} is cut short")
                left_in -= len(raw)
                out = raw if inflate is None else inflate.decompress(raw, _CHUNK)
            elif inflate is not None and not inflate.eof:
                out = inflate.flush()
                if not out:
                    return
            else:
                return
        except zlib.error as exc:
            raise UnsafePackage(f"{name} is damaged: part {part}: {exc}") from None
        if out:
            yield out


def _scan_member(fh: BinaryIO, info: zipfile.ZipInfo, name: str, kind: str,
                 strings: _Strings) -> None:
    """Stream one XML member: unpacked size as declared, no DTD, counts."""
    produced = 0
    tail = b""
    part = info.filename
    lower = part.lower()
    is_sst = _is_sst(part)
    is_sheet = bool(_SHEET_PART.match(part))
    is_workbook = lower in ("xl/workbook.xml",)
    counted = 0
    count_cells = is_sheet and info.file_size > MAX_CELLS * MIN_CELL_BYTES
    limit = (MAX_SHARED_STRINGS if is_sst else MAX_CELLS * TAGS_PER_CELL if is_sheet
             else MAX_SHEETS)
    counter = _SHEET_EL if is_workbook else None
    # t="s" cells are counted only where they could copy too much text
    count_refs = is_sheet and strings.longest * (info.file_size // 11) > \
        MAX_STRING_BYTES - strings.copied
    refs = 0
    starts: list[int] = []
    carry_box = [b""]
    wide = False
    seen = 0               # bytes of whole tags handed to the tag scans so far
    for out in unpacked(fh, info, name):
        if is_sheet and not produced:
            wide = _wide(out)
        if is_sst or count_refs:
            # this chunk's whole tags (a tag split at the chunk's end waits
            # for the next one): the ``<`` scan cannot miss or split a tag
            piece = _whole_tags(out, carry_box, name, part)
            if is_sst:
                starts.extend(seen + m.start() for m in _SI_START.finditer(piece))
            else:
                refs += len(_S_CELL.findall(piece))
            seen += len(piece)
        produced += len(out)
        if produced > info.file_size or produced > MAX_MEMBER_SIZE:
            raise _refuse(name, kind, f"part {part} unpacks to more than the "
                          f"{info.file_size:,} bytes it declares")
        # Only the seam (end of the previous chunk + start of this one) is
        # concatenated, for a mark split across two chunks.
        seam = tail + out[:_OVERLAP]
        for buf in (seam, out):
            if b"!" in buf and _DTD_HINT.search(buf) is not None:
                for mark in _DTD_MARKS:
                    if mark in buf:
                        raise _refuse(name, kind, f"part {part} declares a DOCTYPE or ENTITY "
                                      "(XML entity expansion or external entity)")
        if count_cells:
            counted += out.count(b"<")     # tags: three per cell at least
        elif is_sst:
            counted = len(starts)
        elif counter is not None:
            counted += len(counter.findall(out))
        if counted > limit:
            if is_sheet:
                raise _refuse(name, kind, f"part {part} has room for more than "
                              f"{MAX_CELLS:,} cells ({counted:,} tags or more)")
            what = "shared strings" if is_sst else "sheets"
            raise _refuse(name, kind, f"it has more than {limit:,} {what} ({part})")
        tail = out[-_OVERLAP:] if len(out) >= _OVERLAP else (tail + out)[-_OVERLAP:]
    if produced != info.file_size:
        raise UnsafePackage(f"{name} is damaged: part {part} unpacks to {produced:,} bytes, "
                            f"not the {info.file_size:,} it declares")
    if carry_box[0]:                       # the part ends inside a tag
        if is_sst:
            starts.extend(seen + m.start() for m in _SI_START.finditer(carry_box[0]))
        else:
            refs += len(_S_CELL.findall(carry_box[0]))
    if wide:
        _refuse_far_values(fh, info, name)
    if is_sst:
        strings.add_part(starts, produced)
    elif refs:
        copied = refs * strings.longest
        if strings.copied + copied > MAX_STRING_BYTES:
            copied = _copied_text(fh, info, name, strings, refs)
        strings.copied += copied
        if strings.copied > MAX_STRING_BYTES:
            raise _refuse(name, kind, f"its cells repeat shared strings into more than "
                          f"{_mb(MAX_STRING_BYTES)} of text ({part})")


def _copied_text(fh: BinaryIO, info: zipfile.ZipInfo, name: str, strings: _Strings,
                 refs: int) -> int:
    """Bytes of shared-string text the sheet's ``refs`` t="s" cells copy:
    the span of the string each one names, read from its ``<v>``; a cell
    whose index cannot be read here (written oddly, or its value in the next
    piece) counts as the longest string."""
    total = matched = 0
    for piece in _tag_chunks(fh, info, name):
        for m in _TAG.finditer(piece):
            if m.group(1) == b"c" and _S_CELL.search(m.group(2)):
                v = _V_INDEX.match(piece, m.end())
                if v is not None:
                    matched += 1
                    total += strings.span(int(v.group(1)))
    return total + max(refs - matched, 0) * strings.longest


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _wide(first_chunk: bytes) -> bool:
    """Whether the sheet may hold values farther than MAX_GRID cells from A1
    by the ``<dimension>`` before its ``<sheetData>`` (Excel's used range);
    a sheet without one, or one that cannot be read, may."""
    end = first_chunk.find(b"sheetData")
    dim = _DIMENSION.search(first_chunk, 0, end if end >= 0 else len(first_chunk))
    if dim is None:
        return True
    col, row = (dim.group(3), dim.group(4)) if dim.group(3) else (dim.group(1), dim.group(2))
    return _col_number(col) * int(row) > MAX_GRID


def _refuse_far_values(fh: BinaryIO, info: zipfile.ZipInfo, name: str) -> None:
    """Place every cell as calamine does (its ``r``, else the next column
    of the row, a row without ``r`` being the next row) and refuse when A1
    to the farthest cell that may hold a value (not ``<c/>`` nor
    ``<c></c>``) spans more than MAX_GRID cells, naming those cells."""
    row = col = 0
    far_row = far_col = (0, 0)
    for piece in _tag_chunks(fh, info, name):
        for m in _TAG.finditer(piece):
            attrs = m.group(2)
            if m.group(1) == b"row":
                r = _ROW_ATTR.search(attrs)
                row, col = (int(r.group(1)) if r else row + 1), 0
                continue
            ref = _R_ATTR.search(attrs)
            if ref is not None:
                col, row = _col_number(ref.group(1)), int(ref.group(2))
            else:
                col += 1
            if attrs.endswith(b"/") or piece.startswith(b"</", m.end()):
                continue                       # no value: calamine keeps nothing
            if row > far_row[0]:
                far_row = (row, col)
            if col > far_col[1]:
                far_col = (row, col)
    span = far_row[0] * far_col[1]
    if span > MAX_GRID:
        from .ooxml import cell_ref
        cells = sorted({cell_ref(*far_row), cell_ref(*far_col)})
        raise UnsafePackage(
            f"{name} was not opened: {_sheet_name(fh, info.filename)}!{' and '.join(cells)} "
            f"{'hold values' if len(cells) > 1 else 'holds a value'} so far from A1 that the "
            f"sheet would span {span:,} cells (limit {MAX_GRID:,}); "
            "clear what is there (Ctrl+End goes to the last used cell) and save again")


def _sheet_name(fh: BinaryIO, part: str) -> str:
    """The sheet's tab name for a message (the part name when not found)."""
    from defusedxml.ElementTree import fromstring
    try:
        z = zipfile.ZipFile(fh)
        rels = fromstring(z.read("xl/_rels/workbook.xml.rels"))
        ids = {r.get("Id"): r.get("Target", "").lstrip("/").removeprefix("xl/")
               for r in rels}
        book = fromstring(z.read("xl/workbook.xml"))
        for sheet in book.iter():
            if sheet.tag.endswith("}sheet"):
                rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
                if ids.get(rid) and "xl/" + ids[rid] == part:
                    title = sheet.get("name", part)
                    return f"'{title}'" if not title.isalnum() else title
    except Exception:  # a message helper: any trouble falls back to the part
        pass
    return part
