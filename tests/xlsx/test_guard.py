"""The package guard's limits on what calamine would hold in memory: cells
per sheet (the limit lowered so a test book stays small), shared-string
text repeated into cells, and the rectangle from A1 to the farthest value.
Each is refused however the XML is spelled; ordinary sheets pass."""
from __future__ import annotations

import io
import zipfile

import pytest

from milebill_xl.xlsx import guard

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _book(sheet_xml: bytes) -> bytes:
    """A minimal package whose one worksheet is ``sheet_xml``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                   '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG_REL}">'
                   f'<Relationship Id="rId1" Type="{REL}/worksheet" '
                   'Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buf.getvalue()


def _sheet(cells: int, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    row = "".join(f'<{p}c r="A{i}"><{p}v>{i}</{p}v></{p}c>' for i in range(cells))
    return (f'<{p}worksheet {ns}><{p}sheetData><{p}row r="1">{row}</{p}row>'
            f'</{p}sheetData></{p}worksheet>').encode()


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(guard, "MAX_CELLS", 1_000)
    monkeypatch.setattr(guard, "MIN_CELL_BYTES", 1)   # count even this small sheet


@pytest.mark.parametrize("prefix", ["", "x"])
def test_sheet_with_more_cells_than_the_limit_is_refused(small_limit, prefix):
    with pytest.raises(guard.UnsafePackage) as err:
        guard.check_package(_book(_sheet(1_200, prefix)), "big.xlsx")
    assert "xl/worksheets/sheet1.xml" in str(err.value)
    assert "more than 1,000 cells" in str(err.value)


def test_sheet_within_the_limit_passes(small_limit):
    guard.check_package(_book(_sheet(300)), "ok.xlsx")


def test_small_part_is_not_counted(monkeypatch):
    """Below MAX_CELLS * MIN_CELL_BYTES bytes a part cannot hold MAX_CELLS
    cells with values (each takes 11 bytes at least), so it is let through
    uncounted: this sheet has 1,200 cells in about 32 kB, under 1,000 x 40 bytes."""
    monkeypatch.setattr(guard, "MAX_CELLS", 1_000)
    monkeypatch.setattr(guard, "MIN_CELL_BYTES", 40)
    xml = _sheet(1_200)
    assert len(xml) < 40_000
    guard.check_package(_book(xml), "ok.xlsx")


def test_error_cells_are_found_in_either_quote_style_and_across_chunks(monkeypatch):
    """calamine reads an error cell as blank, so the reader scans the sheet
    for t="e" itself, in 1 MB steps: a mark split between two steps counts."""
    from milebill_xl.workbook import reader

    def errors_of(book: bytes) -> dict:
        z = zipfile.ZipFile(io.BytesIO(book))
        return reader._error_cells_of(z, io.BytesIO(book), "xl/worksheets/sheet1.xml")

    for quote in ('"', "'"):
        xml = _sheet(3).replace(b'<c r="A1">', f"<c r=\"A1\" t={quote}e{quote}>".encode())
        xml = xml.replace(b"<v>1</v>", b"<v>#N/A</v>")
        assert errors_of(_book(xml)) == {(1, 1): "#N/A"}
        cut = xml.index(b"t=") + 3            # split inside t="e"
        padded = xml[:cut].replace(b"<sheetData>", b"<sheetData>" + b" " * (2**20 - cut)) + xml[cut:]
        assert padded.index(b"t=") + 3 == 2**20
        assert errors_of(_book(padded)) == {(1, 1): "#N/A"}
    assert errors_of(_book(_sheet(3))) == {}


def _book_with_strings(strings: list[str], sheet_cells: str) -> bytes:
    """A package with a shared-strings part and one sheet of ``sheet_cells``."""
    buf = io.BytesIO()
    sst = (f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
           + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    sheet = (f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_cells}</sheetData></worksheet>')
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}"><sheets>'
                   '<sheet name="S" sheetId="1"/></sheets></workbook>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)   # before the strings, as in a zip
        z.writestr("xl/sharedStrings.xml", sst)
    return buf.getvalue()


def _rows(refs: list[int], cell: str = '<c t="s"><v>{}</v></c>') -> str:
    return "".join(f'<row r="{r // 1000 + 1}">' + "".join(cell.format(i) for i in refs[r:r + 1000])
                   + "</row>" for r in range(0, len(refs), 1000))


def test_one_long_string_repeated_in_every_cell_is_refused():
    """A 6 kB file whose 20,000 cells all name one 30,000-character string
    would make calamine copy 600 MB of text."""
    book = _book_with_strings(["a" * 30_000], _rows([0] * 20_000))
    assert len(book) < 20_000
    with pytest.raises(guard.UnsafePackage) as err:
        guard.check_package(book, "amplified.xlsx")
    assert "repeat shared strings into more than 256 MB" in str(err.value)


def test_a_long_string_named_by_few_cells_passes(monkeypatch):
    """The quick bound (cells x longest string) would refuse this book; the
    exact sum of the strings the cells name lets it through."""
    monkeypatch.setattr(guard, "MAX_STRING_BYTES", 1_000_000)
    strings = ["note " * 10_000] + [f"s{i}" for i in range(1_000)]
    refs = [1 + i % 1_000 for i in range(5_000)] + [0, 0, 0]
    assert len(refs) * 50_000 > guard.MAX_STRING_BYTES       # the quick bound fails
    guard.check_package(_book_with_strings(strings, _rows(refs)), "notes.xlsx")
    many = refs + [0] * 20                                     # 23 x 50 kB: over 1 MB
    with pytest.raises(guard.UnsafePackage):
        guard.check_package(_book_with_strings(strings, _rows(many)), "notes.xlsx")


def test_a_reference_the_sum_cannot_read_counts_as_the_longest_string(monkeypatch):
    """Cells written so that the exact pattern misses their index (here a
    formula between the tag and its value) are charged the longest string."""
    monkeypatch.setattr(guard, "MAX_STRING_BYTES", 1_000_000)
    strings = ["note " * 10_000] + [f"s{i}" for i in range(1_000)]
    refs = [1 + i % 1_000 for i in range(5_000)]
    guard.check_package(_book_with_strings(strings, _rows(refs)), "ok.xlsx")
    odd = _rows(refs[:30], '<c t="s"><f>1</f><v>{}</v></c>')   # names short strings, unread
    with pytest.raises(guard.UnsafePackage):
        guard.check_package(_book_with_strings(strings, _rows(refs) + odd), "odd.xlsx")


def _sheet_with(dimension: str, extra: str) -> bytes:
    return (f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>'
            f'<row r="1"><c r="A1"><v>1</v></c></row>{extra}</sheetData></worksheet>').encode()


def test_a_value_far_from_a1_is_refused_naming_the_sheet_and_cell():
    xml = _sheet_with("A1:XFD1048576", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    with pytest.raises(guard.UnsafePackage) as err:
        guard.check_package(_book(xml), "far.xlsx")
    assert "S!XFD1048576 holds a value so far from A1" in str(err.value)


def test_formatted_empty_cells_far_away_pass():
    """Excel counts formatted cells in the used range; they hold no value,
    so calamine keeps nothing for them."""
    extra = ('<row r="900000"><c r="XFD900000" s="1"/><c r="XFC900000" s="1"></c></row>')
    guard.check_package(_book(_sheet_with("A1:XFD900000", extra)), "formatted.xlsx")


def test_values_within_the_limit_pass_whatever_the_declared_range():
    extra = '<row r="200000"><c r="AG200000"><v>2</v></c></row>'      # 33 x 200,000
    assert 33 * 200_000 <= guard.MAX_GRID
    guard.check_package(_book(_sheet_with("A1:XFD1048576", extra)), "ok.xlsx")


# --- spellings of the same attacks (each was let through once) -------------

AMPLIFIED_ROWS = _rows([0] * 20_000)


@pytest.mark.parametrize("spelling", ["spaces", "si-end-space", "empty-si-first", "decoy-part"])
def test_shared_string_amplification_however_spelled(spelling):
    strings, rows, extra = ["a" * 30_000], AMPLIFIED_ROWS, {}
    if spelling == "spaces":
        rows = rows.replace('t="s"', 't = "s"')
    book = _book_with_strings(strings, rows)
    if spelling in ("si-end-space", "empty-si-first"):
        z = zipfile.ZipFile(io.BytesIO(book))
        sst = z.read("xl/sharedStrings.xml").decode()
        if spelling == "si-end-space":
            sst = sst.replace("</si>", "</si >")
        else:   # cells name index 1, the long string after an empty one
            sst = sst.replace("<si>", "<si/><si>", 1)
            rows = rows.replace("<v>0</v>", "<v>1</v>")
        book = _rezip(book, {"xl/sharedStrings.xml": sst.encode(),
                             "xl/worksheets/sheet1.xml": _sheet_xml(rows)})
    if spelling == "decoy-part":   # a short strings part listed before the real one
        decoy = f'<sst xmlns="{MAIN}"><si><t>x</t></si></sst>'.encode()
        book = _rezip(book, {}, first=("a/sharedStrings.xml", decoy))
    with pytest.raises(guard.UnsafePackage) as err:
        guard.check_package(book, "amplified.xlsx")
    assert "repeat shared strings" in str(err.value)


def _sheet_xml(cells: str, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{MAIN}">{dim}<sheetData>{cells}</sheetData></worksheet>'.encode()


def _rezip(book: bytes, replace: dict[str, bytes], first: tuple[str, bytes] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(book))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if first:
            z.writestr(*first)
        for info in src.infolist():
            z.writestr(info.filename, replace.get(info.filename, src.read(info)))
    return buf.getvalue()


FAR = {
    "lowercase-ref": ('<row r="1"><c r="xfd1048576"><v>1</v></c></row>', "A1:XFD1048576"),
    "no-dimension": ('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', None),
    "single-cell-dimension": ('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                              "XFD1048576"),
    "padded-attributes": ('<row r="1048576"><c ' + 'x="y" ' * 1_000
                          + 'r="XFD1048576"><v>1</v></c></row>', "A1:XFD1048576"),
    "cells-without-r": ('<row r="1048576">' + "<c><v>1</v></c>" * 20 + "</row>", None),
    "rows-without-r": ("<row/>" * 999_999 + '<row><c r="A1"/><c r="Z1000000"><v>1</v></c></row>',
                       None),
}


@pytest.mark.parametrize("case", list(FAR))
def test_a_far_value_however_spelled(case):
    cells, dimension = FAR[case]
    book = _book(_sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>' + cells, dimension))
    if case == "cells-without-r":   # 20 columns x 1,048,576 rows = 21 million cells
        assert 20 * 1_048_576 > guard.MAX_GRID
    with pytest.raises(guard.UnsafePackage) as err:
        guard.check_package(book, "far.xlsx")
    assert "so far from A1" in str(err.value)


def test_a_dimension_after_the_first_chunk_counts_as_none():
    """A used range declared past the first 1 MB (after padding) is not
    believed: the cells' positions are read."""
    xml = (f'<worksheet xmlns="{MAIN}">' + " " * 2**20 + '<dimension ref="A1"/><sheetData>'
           '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>')
    with pytest.raises(guard.UnsafePackage):
        guard.check_package(_book(xml.encode()), "late.xlsx")


def test_tags_are_never_split_between_pieces():
    box = [b""]
    pieces = [guard._whole_tags(c, box, "b", "p") for c in (b'<a t="', b's"><c t', b'="s"/>')]
    pieces.append(box[0])
    assert pieces == [b"", b'<a t="s">', b'<c t="s"/>', b""]
    assert sum(len(guard._S_CELL.findall(p)) for p in pieces) == 2
    with pytest.raises(guard.UnsafePackage):
        guard._whole_tags(b"<c " + b"x" * (guard._MAX_TAG + 1), [b""], "b", "p")
