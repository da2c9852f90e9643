"""Hostile files: entity expansion, external entities, zip bombs, thousands
of sheets, millions of shared strings, one long shared string repeated. ``milebill check`` (a real process)
must refuse each quickly, with bounded memory, never hang, never leak a
file's contents, and leave the file unchanged. The invoice template (.docx)
a team keeps beside its workbook is checked the same way by ``issue``.

Bounds asserted (measured per process with ``os.wait4``): peak RSS below
``RSS_LIMIT_MB`` and wall time below ``TIME_LIMIT_S``. A plain ``check`` of
the good base book is measured too, as the reference.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import struct
import signal
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from milebill_xl.xlsx import guard

from . import corpus
from .conftest import MILEBILL, sha256

RSS_LIMIT_MB = 500
TIME_LIMIT_S = 20

LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>\n")
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


# Linux gives a child the peak RSS of the process that forked it (kept
# across exec), so a child of a large pytest process would report pytest's
# size. A small, freshly started wrapper runs milebill and reports the peak
# of its own child, which is milebill's alone.
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(str(peak))\n"
    "sys.exit(rc)\n"
)


def measured(*args: str, cwd: Path) -> tuple[int, str, float, float]:
    """Run milebill; return (exit code, output, seconds, peak RSS in MB)."""
    peak_file = cwd / "peak.txt"
    with open(cwd / "out.txt", "w+b") as out:
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, str(peak_file),
                                 str(MILEBILL), *map(str, args)], cwd=cwd, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=TIME_LIMIT_S * 3)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            pytest.fail(f"milebill {args[0]} hung on {args[1]}")
        seconds = time.monotonic() - start
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return proc.returncode, text, seconds, int(peak_file.read_text()) / 1024


# ------------------------------------------------------------ packages

def _members(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(i, z.read(i)) for i in z.infolist()]


def raw_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from (name, deflated data, crc, compressed size, declared size);
    the declared size is what headers say, whatever the data unpacks to."""
    out, central = io.BytesIO(), []
    for name, data, crc, csize, usize in entries:
        n = name.encode()
        off = out.tell()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc,
                              csize, usize, len(n), 0) + n + data)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21,
                                   crc, csize, usize, len(n), 0, 0, 0, 0, 0, off) + n)
    cd_off = out.tell()
    cd = b"".join(central)
    out.write(cd + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central),
                               len(cd), cd_off, 0))
    return out.getvalue()


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _entries(members, replace: dict[str, tuple[bytes, int, int, int]] | None = None):
    out = []
    for info, data in members:
        if replace and info.filename in replace:
            out.append((info.filename, *replace[info.filename]))
        else:
            out.append((info.filename, _deflate(data), zlib.crc32(data), len(_deflate(data)),
                        len(data)))
    return out


def _milestones_sheet(members) -> str:
    """The part of the sheet holding tblMilestones (one the reader unpacks)."""
    z = zipfile.ZipFile(io.BytesIO(raw_zip(_entries(members))))
    from milebill_xl.workbook.reader import table_locations
    return next(t.sheet_part for t in table_locations(z) if t.name == "tblMilestones")


def _spaces_bomb(size: int, xml: bytes = b"") -> tuple[bytes, int]:
    """Raw deflate data unpacking to ``xml`` with ``size`` bytes of spaces
    after its ``<sheetData>`` (still well-formed), and its unpacked size.
    Made in a blink: one full-flushed 1 MB block of spaces repeated (each
    block is independent of what came before)."""
    cut = xml.find(b"<sheetData>") + len(b"<sheetData>") if b"<sheetData>" in xml else len(xml)
    head, tail = xml[:cut], xml[cut:]
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(b" " * 2**20) + c.flush(zlib.Z_FULL_FLUSH)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = c.compress(tail) + c.flush()
    n = size // 2**20
    return first + block * n + last, len(head) + n * 2**20 + len(tail)


def _with_prefix(data: bytes, prefix: bytes, reference: bytes | None = None) -> bytes:
    """``data`` (an XML part) with a DTD prefix, and ``reference`` placed in
    its first text so a parser that expands entities would expand it."""
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
    if reference:
        body = re.sub(rb"(<(?:\w+:)?t(?: [^>]*)?>)", rb"\1" + reference, body, count=1)
    return prefix + body


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return corpus.base_book(tmp_path_factory.mktemp("hostile") / "base.xlsx")


def _shared_strings_members(members):
    """The package's members with a sharedStrings part (added if missing)."""
    names = {i.filename for i, _ in members}
    if "xl/sharedStrings.xml" in names:
        return members
    sst = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
           b'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>x</t></si></sst>')
    out = []
    for info, data in members:
        if info.filename == "[Content_Types].xml":
            data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                b'sharedStrings+xml"/></Types>')
        if info.filename == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.'
                                b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                b'Target="sharedStrings.xml"/></Relationships>')
        out.append((info, data))
    info = zipfile.ZipInfo("xl/sharedStrings.xml")
    out.append((info, sst))
    return out


def hostile_books(base: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, words the refusal must contain)."""
    members = _members(base)
    sheet = _milestones_sheet(members)
    sheet_xml = dict((i.filename, d) for i, d in members)[sheet]
    table = next(i.filename for i, _ in members if i.filename.startswith("xl/tables/"))
    books: dict[str, tuple[bytes, str]] = {}

    def edited(part: str, prefix: bytes, ref: bytes | None, ms=None) -> bytes:
        ms = ms or members
        out = []
        for info, data in ms:
            if info.filename == part:
                data = _with_prefix(data, prefix, ref)
            out.append((info, data))
        return raw_zip(_entries(out))

    sst_members = _shared_strings_members(members)
    books["laughs-sheet"] = (edited(sheet, LAUGHS, None), "DOCTYPE")
    books["laughs-table"] = (edited(table, LAUGHS, None), "DOCTYPE")
    books["laughs-workbook"] = (edited("xl/workbook.xml", LAUGHS, None), "DOCTYPE")
    books["laughs-sharedstrings"] = (edited("xl/sharedStrings.xml", LAUGHS, b"&lol9;", sst_members),
                                     "DOCTYPE")
    books["xxe-sharedstrings"] = (edited("xl/sharedStrings.xml", XXE, b"&xxe;", sst_members), "DOCTYPE")
    books["xxe-workbook"] = (edited("xl/workbook.xml", XXE, None), "DOCTYPE")
    books["xxe-utf16-workbook"] = (raw_zip(_entries([
        (i, (XXE.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>')
             + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", d)).decode().encode("utf-16")
         if i.filename == "xl/workbook.xml" else d) for i, d in members])), "DOCTYPE")

    # a zip bomb: one sheet unpacks to 2 GB of spaces (2 MB on disk)
    bomb, size = _spaces_bomb(2 * 2**30, sheet_xml)
    books["zip-bomb-2gb"] = (raw_zip(_entries(members, {sheet: (bomb, 0, len(bomb), size)})),
                             "unpacks to 2,048 MB")
    # under the per-part size limit, but no spreadsheet compresses 1,000 to 1
    small, size = _spaces_bomb(900 * 2**20, sheet_xml)
    books["zip-bomb-900mb"] = (raw_zip(_entries(members, {sheet: (small, 0, len(small), size)})),
                               "over 200 to 1")
    # a bomb whose headers claim the sheet is 10 kB
    books["zip-bomb-lying-sizes"] = (raw_zip(_entries(members, {sheet: (small, 0, len(small), 10_000)})),
                                     "more than the 10,000 bytes it declares")
    # thousands of sheets
    n = 3000
    wb = (b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
          b'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
          + b"".join(b'<sheet name="S%d" sheetId="%d" r:id="rId%d"/>' % (k, k, k) for k in range(1, n + 1))
          + b"</sheets></workbook>")
    rels = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'relationships">' + b"".join(
                b'<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                b'relationships/worksheet" Target="worksheets/s%d.xml"/>' % (k, k) for k in range(1, n + 1))
            + b"</Relationships>")
    ws = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
          b'main"><sheetData/></worksheet>')
    parts = [(i, d) for i, d in members if not i.filename.startswith(("xl/worksheets/", "xl/tables/"))
             and i.filename not in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")]
    parts += [(zipfile.ZipInfo("xl/workbook.xml"), wb), (zipfile.ZipInfo("xl/_rels/workbook.xml.rels"), rels)]
    parts += [(zipfile.ZipInfo(f"xl/worksheets/s{k}.xml"), ws) for k in range(1, n + 1)]
    books["3000-sheets"] = (raw_zip(_entries(parts)), "more than 1,000 sheets")
    # a shared-strings table of 3 million entries (51 MB unpacked)
    count = 3_000_000
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    head = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
            b'main" count="%d" uniqueCount="%d">' % (count, count))
    crc = zlib.crc32(head)
    data = [c.compress(head)]
    usize = len(head)
    for start in range(0, count, 100_000):     # distinct strings: no bomb-like ratio
        body = b"".join(b"<si><t>%x</t></si>" % k for k in range(start, start + 100_000))
        data.append(c.compress(body))
        crc = zlib.crc32(body, crc)
        usize += len(body)
    data.append(c.compress(b"</sst>"))
    crc = zlib.crc32(b"</sst>", crc)
    usize += len(b"</sst>")
    data.append(c.flush())
    sst = b"".join(data)
    books["3m-shared-strings"] = (raw_zip(_entries(sst_members, {"xl/sharedStrings.xml":
                                                                  (sst, crc, len(sst), usize)})),
                                  "more than 2,000,000 shared strings")
    # one 30,000-character shared string named by 20,000 cells of the
    # Milestones sheet: calamine would copy 600 MB of text out of a small file
    amp = []
    for info, data in _shared_strings_members(members):
        if info.filename == "xl/sharedStrings.xml":
            data = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
                    + b"a" * 30_000 + b"</t></si></sst>")
        if info.filename == sheet:
            rows = b"".join(b'<row r="%d">' % r + b'<c t="s"><v>0</v></c>' * 10_000 + b"</row>"
                            for r in (60_000, 60_001))
            data = data.replace(b"</sheetData>", rows + b"</sheetData>", 1)
        amp.append((info, data))
    books["shared-string-amplification"] = (raw_zip(_entries(amp)), "repeat shared strings")
    # one value typed at the sheet's far corner, the used range as Excel
    # writes it: calamine would allocate the whole 17-billion-cell rectangle
    far = []
    for info, data in members:
        if info.filename == sheet:
            data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v>'
                                b'</c></row></sheetData>', 1)
            data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
        far.append((info, data))
    books["value-at-far-corner"] = (raw_zip(_entries(far)), "XFD1048576 holds a value so far")
    # a table whose range is the whole sheet: its rows would be padded out
    # to 17 billion cells
    huge = [(info, re.sub(rb'\bref="[^"]*"', b'ref="A1:XFD1048576"', data, count=1)
             if info.filename == table else data) for info, data in members]
    books["table-over-whole-sheet"] = (raw_zip(_entries(huge)), "spans 17,179,869,184 cells")
    # more zip members than any workbook
    many = [(zipfile.ZipInfo(f"customXml/item{k}.bin"), b"") for k in range(12_000)]
    books["12000-members"] = (raw_zip(_entries(members + many)), "parts (limit 10,000)")
    out = {}
    for name, (data, words) in books.items():
        d = folder / name
        d.mkdir()
        (d / "book.xlsx").write_bytes(data)
        out[name] = (d / "book.xlsx", words)
    return out


@pytest.fixture(scope="module")
def hostile(base, tmp_path_factory):
    return hostile_books(base, tmp_path_factory.mktemp("books"))


NAMES = ["laughs-sheet", "laughs-table", "laughs-workbook", "laughs-sharedstrings",
         "xxe-sharedstrings", "xxe-workbook", "xxe-utf16-workbook", "zip-bomb-2gb", "zip-bomb-900mb",
         "zip-bomb-lying-sizes", "3000-sheets", "3m-shared-strings", "12000-members",
         "shared-string-amplification", "value-at-far-corner", "table-over-whole-sheet"]


def test_reference_check_of_a_good_book(base, tmp_path):
    shutil.copyfile(base, tmp_path / "book.xlsx")
    code, out, seconds, rss = measured("check", tmp_path / "book.xlsx", cwd=tmp_path)
    print(f"\ngood book: check {seconds:.2f}s, peak RSS {rss:.0f} MB")
    assert code == 0, out
    assert rss < RSS_LIMIT_MB


@pytest.mark.parametrize("name", NAMES)
def test_check_refuses_hostile_file_quickly_with_bounded_memory(hostile, name):
    book, words = hostile[name]
    before = sha256(book)
    code, out, seconds, rss = measured("check", book, cwd=book.parent)
    print(f"\n{name}: {seconds:.2f}s, peak RSS {rss:.0f} MB: {out.strip()[:160]}")
    assert code == 1, out
    assert "Traceback" not in out
    assert words in " ".join(out.split()), out
    assert "root:" not in out                       # nothing of /etc/passwd leaks
    assert seconds < TIME_LIMIT_S
    assert rss < RSS_LIMIT_MB, f"{name}: peak RSS {rss:.0f} MB"
    assert sha256(book) == before


@pytest.mark.parametrize("name", ["laughs-sharedstrings", "zip-bomb-2gb", "3000-sheets"])
def test_issue_refuses_hostile_file_too(hostile, name):
    book, words = hostile[name]
    before = sha256(book)
    code, out, seconds, rss = measured("issue", book, cwd=book.parent)
    assert code == 1 and "Traceback" not in out and words in " ".join(out.split())
    assert rss < RSS_LIMIT_MB and sha256(book) == before
    assert not (book.parent / "invoices").exists()


def test_patcher_checks_the_package_too(hostile):
    """The writer refuses a hostile package even when called directly."""
    from milebill_xl.xlsx.patch import Patcher
    for name in ("laughs-workbook", "zip-bomb-2gb"):
        with pytest.raises(guard.UnsafePackage):
            Patcher.open(hostile[name][0])


# ------------------------------------------------- the invoice template

def _docx_variants(folder: Path) -> dict[str, bytes]:
    from milebill_xl.documents.template import DEFAULT_TEMPLATE
    members = _members(Path(DEFAULT_TEMPLATE))
    bomb, size = _spaces_bomb(2 * 2**30)
    out = {}
    ms = [(i, _with_prefix(d, LAUGHS, b"&lol9;") if i.filename == "word/document.xml" else d)
          for i, d in members]
    out["laughs"] = raw_zip(_entries(ms))
    ms = [(i, _with_prefix(d, XXE, b"&xxe;") if i.filename == "word/document.xml" else d)
          for i, d in members]
    out["xxe"] = raw_zip(_entries(ms))
    out["bomb"] = raw_zip(_entries(members, {"word/document.xml": (bomb, 0, len(bomb), size)}))
    return out


@pytest.mark.parametrize("variant", ["laughs", "xxe", "bomb"])
def test_issue_refuses_a_hostile_invoice_template(base, tmp_path, variant):
    book = tmp_path / "book.xlsx"
    shutil.copyfile(base, book)
    (tmp_path / "invoice.docx").write_bytes(_docx_variants(tmp_path)[variant])
    before = sha256(book)
    code, out, seconds, rss = measured("issue", book, cwd=tmp_path)
    print(f"\ntemplate {variant}: {seconds:.2f}s, peak RSS {rss:.0f} MB: {out.strip()[:200]}")
    assert code == 1, out
    assert "Traceback" not in out and "root:" not in out
    assert "invoice.docx" in out and "was not opened" in " ".join(out.split())
    assert rss < RSS_LIMIT_MB and seconds < TIME_LIMIT_S
    assert sha256(book) == before
    docs = list((tmp_path / "invoices").rglob("*")) if (tmp_path / "invoices").exists() else []
    assert docs == []
