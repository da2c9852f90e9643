"""Splice cell changes into one worksheet part without reserializing it.

``SheetDoc`` scans the raw bytes once: the ``<sheetData>`` span, each
``<row>``'s span and number, ``<dimension>`` and ``<cols>`` defaults. Cell
writes are kept pending; ``render`` rebuilds only the rows that have pending
cells (untouched cells inside them are kept as their raw bytes) and the
dimension tag, and copies every other byte of the part unchanged.
"""
from __future__ import annotations

import bisect
import re

from . import ooxml
from .ooxml import TAG_BODY, Formula, attrs, set_attr

_PFX = rb"(?:[A-Za-z_][\w.\-]*:)?"


class SheetError(ValueError):
    """The worksheet XML has a shape this writer will not splice."""


class SharedFormulaError(SheetError):
    """A write would remove the master cell of a shared formula still in use."""


class SheetDoc:
    def __init__(self, data: bytes, part: str):
        ooxml.reject_dtd(data, part)
        self.data = data
        self.part = part
        m = ooxml.start_tag_re(b"sheetData").search(data)
        if not m:
            raise SheetError(f"{part}: no <sheetData>")
        self.prefix = m.group("prefix")          # b'' or b'x:' ...
        p = re.escape(self.prefix)
        self.sd_tag = (m.start(), m.end())
        self.sd_empty = bool(m.group("empty"))
        if self.sd_empty:
            self.inner = (m.end(), m.end())
        else:
            close = data.find(b"</" + self.prefix + b"sheetData>", m.end())
            if close < 0:
                raise SheetError(f"{part}: unterminated <sheetData>")
            self.inner = (m.end(), close)
        head = data[:m.start()]
        dm = ooxml.start_tag_re(b"dimension", p).search(head)
        self.dimension = (dm.start(), dm.end()) if dm else None
        self.col_styles: list[tuple[int, int, bytes]] = []
        self.col_widths: list[tuple[int, int, float]] = []
        for cm in ooxml.start_tag_re(b"col", p).finditer(head):
            a = attrs(cm.group("body"))
            if b"min" not in a or b"max" not in a:
                continue
            if b"style" in a:
                self.col_styles.append((int(a[b"min"]), int(a[b"max"]), a[b"style"]))
            if b"width" in a:
                try:
                    self.col_widths.append((int(a[b"min"]), int(a[b"max"]), float(a[b"width"])))
                except ValueError:
                    pass
        fm = ooxml.start_tag_re(b"sheetFormatPr", p).search(head)
        try:
            self.default_width = float(attrs(fm.group("body")).get(b"defaultColWidth", b"8.43")) \
                if fm else 8.43
        except ValueError:
            self.default_width = 8.43
        self._cell_re = re.compile(b"<" + p + rb"c(" + TAG_BODY + rb")(?:/>|>(.*?)</" + p
                                   + rb"c>)", re.S)
        # start tags only: element ends are found with bytes.find (a lazy
        # regex over each row's and cell's content is what made scans slow)
        self._row_start = re.compile(b"<" + p + rb"row(" + TAG_BODY + rb")(/?)>")
        self._cell_start = re.compile(b"<" + p + rb"c(" + TAG_BODY + rb")(/?)>")
        rm = _ROOT_RE.search(data)
        self.root_tag = (rm.group(0)[:-2] + b">") if rm and rm.group(0).endswith(b"/>") \
            else (rm.group(0) if rm else b"")
        self.root_name = rm.group(1) if rm else b""
        self.checked: list[bytes] = []    # the bytes the last render wrote anew
        self._rows_scanned = False
        self.row_nums: list[int] = []
        self.row_spans: list[tuple[int, int]] = []
        self.row_index: dict[int, int] = {}
        self._row_pos: list[tuple[int, int, int]] = []   # (tag body end, inner start, inner end)
        self._cells_cache: dict[int, dict[int, tuple[int, int, bytes]]] = {}
        self.pending: dict[int, dict[int, object]] = {}
        #: row -> new height in points (set with customHeight)
        self.heights: dict[int, float] = {}
        self._shared_masters: set[bytes] = set()

    # ----------------------------------------------------------- scanning
    def _scan_rows(self) -> None:
        if self._rows_scanned:
            return
        start, end = self.inner
        d = self.data
        if d.find(b"<![CDATA[", start, end) >= 0:
            raise SheetError(f"{self.part}: CDATA in sheetData is not supported")
        prev = 0
        nums, spans, parts = self.row_nums, self.row_spans, self._row_pos
        r_attr = _R_ROW.search
        open_tag = b"<" + self.prefix + b"row"
        close_tag = b"</" + self.prefix + b"row>"
        n_close = len(close_tag)
        find, match = d.find, self._row_start.match
        pos = start
        while True:
            k = find(open_tag, pos, end)
            if k < 0:
                break
            m = match(d, k, end)
            if m is None:
                pos = k + 1
                continue
            body = m.group(1)
            rm = r_attr(body)
            r = int(rm.group(1)) if rm else prev + 1
            if r <= prev:
                raise SheetError(f"{self.part}: rows out of order at row {r}")
            nums.append(r)
            if m.group(2):
                spans.append((k, m.end()))
                parts.append((m.end(1), m.end(), m.end()))
                pos = m.end()
            else:
                c = find(close_tag, m.end(), end)
                if c < 0:
                    raise SheetError(f"{self.part}: unterminated <row> (row {r})")
                spans.append((k, c + n_close))
                parts.append((m.end(1), m.end(), c))
                pos = c + n_close
            prev = r
        self.row_index = {r: i for i, r in enumerate(nums)}
        self._rows_scanned = True

    def _row_parts(self, i: int) -> tuple[bytes, int, int, int]:
        """(start tag, inner start, inner end, end) of existing row index i."""
        s, e = self.row_spans[i]
        body_end, in_s, in_e = self._row_pos[i]
        empty = in_s == e
        tag = self.data[s:body_end] + (b"/>" if empty else b">")
        return tag, in_s, in_e, e

    def cells(self, row: int) -> dict[int, tuple[int, int, bytes]]:
        """Existing cells of ``row``: col -> (start, end, raw start-tag body) in self.data."""
        got = self._cells_cache.get(row)
        if got is not None:
            return got
        self._scan_rows()
        i = self.row_index.get(row)
        if i is None:
            return {}
        _, s, e = self._row_pos[i]
        got = {}
        prev = 0
        r_attr = _R_CELL.search
        d = self.data
        find, match = d.find, self._cell_start.match
        open_tag = b"<" + self.prefix + b"c"
        close_tag = b"</" + self.prefix + b"c>"
        n_close = len(close_tag)
        pos = s
        while True:
            k = find(open_tag, pos, e)
            if k < 0:
                break
            m = match(d, k, e)
            if m is None:
                pos = k + 1
                continue
            if m.group(2):
                ce = m.end()
            else:
                ce = find(close_tag, m.end(), e)
                if ce < 0:
                    raise SheetError(f"{self.part}: unterminated <c> in row {row}")
                ce += n_close
            body = m.group(1)
            if body[:4] == b' r="':           # the usual shape: r first
                q = body.find(b'"', 4)
                c = _COLS.get(body[4:q].rstrip(_DIGITS))
                if c is None:
                    rm = r_attr(body)
                    c = _col_of(rm.group(1)) if rm else prev + 1
            else:
                rm = r_attr(body)
                c = _col_of(rm.group(1)) if rm else prev + 1
            got[c] = (k, ce, body)
            prev = c
            pos = ce
        self._cells_cache[row] = got
        return got

    def row_attrs(self, row: int) -> dict[bytes, bytes]:
        self._scan_rows()
        i = self.row_index.get(row)
        if i is None:
            return {}
        s, _ = self.row_spans[i]
        return attrs(self.data[s:self._row_pos[i][0]])

    def has_content(self, row: int, col: int) -> bool:
        """True when the cell will hold a value or formula after pending writes."""
        pend = self.pending.get(row)
        if pend is not None and col in pend:
            return pend[col] is not None
        cell = self.cells(row).get(col)
        if cell is None:
            return False
        return _raw_has_content(self.data[cell[0]:cell[1]])

    def max_row(self) -> int:
        self._scan_rows()
        last = self.row_nums[-1] if self.row_nums else 0
        return max([last, *self.pending]) if self.pending else last

    # ------------------------------------------------------------ writing
    def column_width(self, col: int) -> float:
        """Width of column ``col`` in characters (the sheet's default when unset)."""
        for lo, hi, w in self.col_widths:
            if lo <= col <= hi:
                return w
        return self.default_width

    def set_height(self, row: int, points: float) -> None:
        """Give ``row`` a custom height (written with the row's next render)."""
        self.heights[row] = points
        self.pending.setdefault(row, {})

    def set(self, row: int, col: int, value: object) -> None:
        if not (1 <= row <= ooxml.MAX_ROW and 1 <= col <= ooxml.MAX_COL):
            raise ValueError(f"cell ({row}, {col}) is outside the sheet")
        self.pending.setdefault(row, {})[col] = value

    def set_row(self, row: int, values: dict[int, object]) -> None:
        """``set`` for several cells of one row: {col: value}."""
        if not (1 <= row <= ooxml.MAX_ROW and all(1 <= c <= ooxml.MAX_COL for c in values)):
            raise ValueError(f"a cell of row {row} is outside the sheet")
        self.pending.setdefault(row, {}).update(values)

    def _height_differs(self, row: int, points: float) -> bool:
        ra = self.row_attrs(row)
        return ra.get(b"ht") != _num(points) or ra.get(b"customHeight") not in (b"1", b"true")

    @property
    def dirty(self) -> bool:
        return bool(self.pending)

    def _note_shared_master(self, raw: bytes) -> None:
        if b"shared" not in raw:
            return
        fm = _SHARED_F_RE.search(raw)
        if fm is not None:
            fa = attrs(fm.group(1))
            if fa.get(b"t") == b"shared" and b"ref" in fa and b"si" in fa:
                self._shared_masters.add(fa[b"si"])

    def _check_shared(self) -> None:
        if not self._shared_masters:
            return
        start, end = self.inner
        for m in self._cell_re.finditer(self.data, start, end):
            body = m.group(2)
            if not body or b"si=" not in body:
                continue
            fm = _SHARED_F_RE.search(body)
            if fm is None:
                continue
            fa = attrs(fm.group(1))
            if fa.get(b"t") != b"shared" or fa.get(b"si") not in self._shared_masters:
                continue
            a = attrs(m.group(1))
            if b"r" not in a:
                raise SharedFormulaError(f"{self.part}: shared formula cell without r")
            r, c = ooxml.parse_ref(a[b"r"].decode())
            if c not in self.pending.get(r, {}):
                raise SharedFormulaError(
                    f"{self.part}: writing the master cell of shared formula si="
                    f"{fa[b'si'].decode()} would break cell {a[b'r'].decode()}; "
                    "overwrite all its cells together")

    def render(self, date1904: bool, is_header=lambda r, c: False) -> bytes:
        """The part with pending writes spliced in (pending stays until reset).

        A write whose cell already holds exactly what it would write (same
        bytes; a formula without cached value also matches the same formula
        with an empty ``<v>``) changes nothing, and a row none of whose
        writes changes anything is not touched. Changed cells of a row whose
        cells all stay are replaced in place; a row that gains cells (or a
        new row) is rebuilt, its untouched cells kept as raw bytes. Returns
        ``self.data`` itself when nothing changes. ``self.checked`` holds the
        new bytes (to check them for well-formedness), a replaced cell's
        without its formula element, which ``ooxml.formula_elem`` checked.
        """
        self._scan_rows()
        self._shared_masters = set()
        d = self.data
        p = self.prefix.decode()
        pb = self.prefix
        c_open = b"<" + pb + b"c"
        skip_head = 2 + len(pb)                   # len(b"<c"), prefix included
        f_close = b"</" + pb + b"c>"
        empty_v = b"<" + pb + b"v></" + pb + b"v>" + f_close
        tail_of = ooxml.cell_tail_parts
        r_attrs = _R_ATTRS
        # no shared formula anywhere (ours never write one): no cell to look at
        maybe_shared = d.find(b"shared", *self.inner) >= 0
        # (start, end, new bytes, the bytes to check): a replaced cell is
        # checked without its formula element (checked once per formula)
        edits: list[tuple[int, int, bytes, bytes]] = []
        styles: dict[int, dict[int, bytes | None]] = {}
        bounds = [None, None, None, None]  # r1 c1 r2 c2 of written cells

        def style_for_new(r: int, c: int, row_style: bytes | None) -> bytes | None:
            # a row with its own format gives it to a new cell, as Excel does
            if row_style is not None:
                return row_style
            above = r - 1
            if above >= 1 and not is_header(above, c):
                st = styles.get(above)
                if st is not None and c in st:
                    return st[c]
                if st is None:
                    cell = self.cells(above).get(c)
                    if cell is not None:
                        return _style(cell[2])
            for lo, hi, s in self.col_styles:
                if lo <= c <= hi:
                    return s
            return None

        def note(r: int, lo: int, hi: int) -> None:
            """Row ``r`` has written cells in columns ``lo`` to ``hi``."""
            if bounds[0] is None:
                bounds[:] = [r, lo, r, hi]
            else:
                bounds[0], bounds[2] = min(bounds[0], r), max(bounds[2], r)
                bounds[1], bounds[3] = min(bounds[1], lo), max(bounds[3], hi)

        for r in sorted(self.pending):
            changes = self.pending[r]
            i = self.row_index.get(r)
            existing = self.cells(r)
            rs = str(r)
            rb = rs.encode() + b'"'                # ' r="B' + rb is the cell's r attribute
            lo, hi = ooxml.MAX_COL + 1, 0          # columns written in this row
            # ---- which writes change something: in-place replacements
            inplace: list[tuple[int, int, bytes, bytes]] = []
            height = self.heights.get(r)
            grows = i is None or (height is not None and self._height_differs(r, height))
            for c, value in changes.items():
                cell = existing.get(c)
                if cell is None:
                    if value is not None:
                        grows = True
                    continue
                cs, ce, body = cell
                head = (r_attrs.get(c) or _r_attr(c)) + rb
                before, formula, after = tail_of(p, value, date1904)
                if body.startswith(head):
                    k = len(head)
                    if body.startswith(b' s="', k):
                        q = body.find(b'"', k + 4) + 1
                        new_head = body[:q]
                    else:
                        q, new_head = k, head
                    at = cs + skip_head + q
                    n = ce - at
                    lb, lf = len(before), len(formula)
                    size = lb + lf + len(after)
                    if (n == size and d.startswith(before, at) and d.startswith(formula, at + lb)
                            and d.startswith(after, at + lb + lf)):
                        continue                              # already there
                    if (n == size - len(f_close) + len(empty_v)
                            and type(value) is Formula and value.cached is None
                            and d.startswith(before, at) and d.startswith(formula, at + lb)
                            and d.startswith(empty_v, ce - len(empty_v))):
                        continue                              # same, empty <v>
                else:
                    st = _style(body)
                    new_head = head + (b' s="' + st + b'"' if st is not None else b"")
                if maybe_shared and d.find(b"shared", cs, ce) >= 0:
                    self._note_shared_master(d[cs:ce])
                inplace.append((cs, ce, b"".join((c_open, new_head, before, formula, after)),
                                b"".join((c_open, new_head, before, after))))
                if value is not None:
                    if c < lo:
                        lo = c
                    if c > hi:
                        hi = c
            if not grows:
                if hi:
                    note(r, lo, hi)
                inplace.sort()
                edits.extend(inplace)
                continue
            # ---- the row gains cells (or is new): rebuild it
            if i is not None:
                tag, in_s, in_e, end = self._row_parts(i)
                ra = self.row_attrs(r)
            else:
                tag, in_s, in_e, end = f'<{p}row r="{r}">'.encode(), -1, -1, -1
                ra = {}
            replaced = {}
            for cs, ce, new, _ in inplace:
                replaced[cs] = new
            row_style = ra.get(b"s") if ra.get(b"customFormat") in (b"1", b"true") else None
            row_st: dict[int, bytes | None] = {}
            out: list[bytes] = []
            for c in sorted(set(existing) | set(changes)):
                if c in existing:
                    s, e, body = existing[c]
                    new = replaced.get(s)
                    if new is not None:
                        out.append(new)
                    else:
                        raw = d[s:e]
                        if _R_CELL.search(body) is None:
                            raw = raw[:len(p) + 2] + f' r="{ooxml.cell_ref(r, c)}"'.encode() \
                                + raw[len(p) + 2:]
                        out.append(raw)
                    row_st[c] = _style(body)
                else:
                    value = changes[c]
                    if value is None:
                        continue
                    st = style_for_new(r, c, row_style)
                    out.append(ooxml.render_cell(p, _letters(c) + rs, st, value, date1904))
                    row_st[c] = st
                    if c < lo:
                        lo = c
                    if c > hi:
                        hi = c
            if hi:
                note(r, lo, hi)
            styles[r] = row_st
            tail = b""
            if existing and in_e > 0:
                last_end = max(v[1] for v in existing.values())
                tail = d[last_end:in_e]
            elif not existing and in_s >= 0:
                tail = d[in_s:in_e]
            if b"spans" in ra and row_st:
                tag = set_attr(tag, b"spans", f"{min(row_st)}:{max(row_st)}".encode())
            if height is not None:
                tag = set_attr(set_attr(tag, b"ht", _num(height)), b"customHeight", b"1")
            if not out and not tail.strip():
                body = tag[:-1].rstrip(b"/") + b"/>"
            else:
                if tag.endswith(b"/>"):
                    tag = tag[:-2].rstrip() + b">"
                body = tag + b"".join(out) + tail + f"</{p}row>".encode()
            if i is not None:
                edits.append((self.row_spans[i][0], end, body, body))
            else:
                k = bisect.bisect_left(self.row_nums, r)
                pos = self.row_spans[k][0] if k < len(self.row_nums) else self.inner[1]
                edits.append((pos, pos, body, body))

        self._check_shared()
        if not edits:
            self.checked = []
            return d
        pieces: list = []
        checked: list[bytes] = []
        view = memoryview(d)
        if self.dimension is not None and bounds[0] is not None:
            ds, de = self.dimension
            dtag = d[ds:de]
            old = attrs(dtag).get(b"ref")
            try:
                r1, c1, r2, c2 = ooxml.parse_range(old.decode()) if old else bounds  # type: ignore
                r1, c1 = min(r1, bounds[0]), min(c1, bounds[1])
                r2, c2 = max(r2, bounds[2]), max(c2, bounds[3])
            except ValueError:
                r1, c1, r2, c2 = bounds  # type: ignore
            new_ref = ooxml.cell_ref(r1, c1) if (r1, c1) == (r2, c2) \
                else ooxml.range_ref(r1, c1, r2, c2)
            new_dim = set_attr(dtag, b"ref", new_ref.encode())
            pieces += [view[:ds], new_dim]
            checked.append(new_dim)
            pos = de
        else:
            pos = 0
        if self.sd_empty:
            s0, e0 = self.sd_tag
            pieces.append(view[pos:s0])
            pieces.append(d[s0:e0 - 2].rstrip() + b">")
            pos = e0
        s0, e0 = self.sd_tag
        checked.append(d[s0:e0 - 2].rstrip() + b">" if self.sd_empty else d[s0:e0])
        for s, e, body, check in edits:      # edits come in file order
            pieces.append(view[pos:s])
            pieces.append(body)
            checked.append(check)
            pos = e
        checked.append(f"</{p}sheetData>".encode())
        if self.sd_empty:
            pieces.append(f"</{p}sheetData>".encode())
        pieces.append(view[pos:])
        self.checked = checked
        return b"".join(pieces)


_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)" + TAG_BODY + rb"/?>")
_SHARED_F_RE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?f(" + TAG_BODY + rb")/?>")
_CONTENT_RE = re.compile(
    rb"<(?:[A-Za-z_][\w.\-]*:)?f[\s>/]|<(?:[A-Za-z_][\w.\-]*:)?v>[^<]"
    rb"|<(?:[A-Za-z_][\w.\-]*:)?t(?:\s[^>]*)?>[^<]")


def _num(points: float) -> bytes:
    return (f"{points:.2f}".rstrip("0").rstrip(".")).encode()


def _raw_has_content(raw: bytes) -> bool:
    return _CONTENT_RE.search(raw) is not None


_R_ROW = re.compile(rb"""(?:^|\s)r\s*=\s*["']([0-9]+)["']""")
_R_CELL = re.compile(rb"""(?:^|\s)r\s*=\s*["']\$?([A-Za-z]{1,3})\$?[0-9]+["']""")
_S_ATTR = re.compile(rb"""(?:^|\s)s\s*=\s*["']([0-9]+)["']""")
_COLS: dict[bytes, int] = {}
_DIGITS = b"0123456789"
_LETTERS: dict[int, str] = {}


def _col_of(letters: bytes) -> int:
    c = _COLS.get(letters)
    if c is None:
        c = _COLS[letters] = ooxml.col_number(letters.decode())
    return c


def _letters(col: int) -> str:
    s = _LETTERS.get(col)
    if s is None:
        s = _LETTERS[col] = ooxml.col_letters(col)
    return s


_R_ATTRS: dict[int, bytes] = {}


def _r_attr(col: int) -> bytes:
    """``b' r="B'`` for column 2: a cell's r attribute up to its row number."""
    a = _R_ATTRS.get(col)
    if a is None:
        a = _R_ATTRS[col] = b' r="' + _letters(col).encode()
    return a


def _style(body: bytes) -> bytes | None:
    m = _S_ATTR.search(body)
    return m.group(1) if m else None
