"""Injection: text from cells never becomes a formula in a cell we write,
never a path outside the invoice folder, never template code in a document."""
from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from milebill_xl.workbook import contract as C
from milebill_xl.workbook.reader import read_book, table_locations
from milebill_xl.template.builder import build_workbook

from . import corpus
from .conftest import run_cli, run_proc, sha256

FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C notepad'!A1",
            "@SUM(1+1)*cmd|' /C calc'!A0", "=1+1"]


def _book(folder: Path, client: str = "Acme", milestone_id: str = "M-103",
          **settings) -> Path:
    rows = corpus.portfolio()
    for p in rows["projects"]:
        if p["Project ID"] == "P-100":
            p["Client"] = client
    for m in rows["milestones"]:
        if m["Milestone ID"] == "M-103":
            m["Milestone ID"] = milestone_id
    rows["settings"].update(settings)
    folder.mkdir(parents=True, exist_ok=True)
    return build_workbook(folder / "book.xlsx", **rows)


def _cell_xml(book: Path, table: str, header: str, row: int) -> bytes:
    """The raw <c> element the tool wrote for (table, data row, column)."""
    data, loc = read_book(book)
    address = loc.cell(table, row, header).split("!")[1]
    with zipfile.ZipFile(book) as z:
        part = next(t.sheet_part for t in table_locations(z) if t.name == table)
        xml = z.read(part)
    m = re.search(rb'<(?:\w+:)?c r="' + address.encode() + rb'"[^>]*?(?:/>|>.*?</(?:\w+:)?c>)', xml, re.S)
    assert m, address
    return m.group(0)


def _files(root: Path) -> set[Path]:
    """Files under ``root``, but not the workbook's lock sidecar (expected)."""
    return {p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".milebill-lock")}


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_client_stays_text_in_the_invoice_table(tmp_path, text):
    book = _book(tmp_path, client=text, milestone_id=text[:1] + "M-103")
    ran = run_cli("issue", book, "--json")
    assert ran.code == 0, ran.out
    data, _ = read_book(book)
    new = next(i for i in data.invoices if i.milestone_id == text[:1] + "M-103")
    assert new.client == text                           # read back as the same text
    for header in ("Client", "Milestone ID"):
        cell = _cell_xml(book, C.INVOICES.name, header, new.row)
        assert b"<f>" not in cell and b":f>" not in cell, cell     # no formula
        assert b't="inlineStr"' in cell or b't="s"' in cell, cell  # a text cell
    m = next(m for m in data.milestones if m.milestone_id == text[:1] + "M-103")
    cell = _cell_xml(book, C.MILESTONES.name, "Invoice No", m.row)
    assert b"<f>" not in cell


def test_template_tokens_in_cells_are_printed_literally(tmp_path):
    client = "{{total}} {{invoice_no}} {% for x in range(9) %}{{ x }}{% endfor %}"
    book = _book(tmp_path, client=client)
    ran = run_cli("issue", book, "--json")
    assert ran.code == 0, ran.out
    issued = {i["milestone_id"]: i for i in json.loads(ran.out)["issued"]}
    doc = tmp_path / "invoices" / issued["M-103"]["document"]
    with zipfile.ZipFile(doc) as z:
        xml = z.read("word/document.xml").decode()
    text = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))
    assert "{{total}} {{invoice_no}} {% for x in range(9) %}{{ x }}{% endfor %}" in text
    assert "012345678" not in text


@pytest.mark.parametrize("client", ["../../etc", "CON", "..\\..\\Windows\\x", "/etc/passwd", "NUL.txt"])
def test_client_names_never_become_paths(tmp_path, client):
    root = tmp_path / "root"
    book = _book(root / "team", client=client)
    before = _files(tmp_path)
    ran = run_cli("issue", book, "--json")
    assert ran.code == 0, ran.out
    new = _files(tmp_path) - before
    folder = (root / "team" / "invoices").resolve()
    assert new and all(p.resolve().parent == folder for p in new), sorted(new)
    assert all(p.name.startswith("INV-") for p in new)


@pytest.mark.parametrize("fmt", ["../{seq}", "{seq}/../../x", "..\\{seq}", "/tmp/{seq}", "CON{seq:.0s}x{seq}"])
def test_number_formats_never_escape_the_invoice_folder(tmp_path, fmt):
    root = tmp_path / "root"
    book = _book(root / "team", **{"Invoice Number Format": fmt})
    before = _files(tmp_path)
    ran = run_cli("issue", book, "--json")
    if ran.code == 1:       # refused with a message on the setting: fine, nothing written
        assert "Settings!" in ran.out and "Traceback" not in ran.out
        assert _files(tmp_path) == before
        return
    assert ran.code == 0, ran.out
    issued = json.loads(ran.out)["issued"]
    assert len(issued) == 3
    folder = (root / "team" / "invoices").resolve()
    new = _files(tmp_path) - before - {book}
    assert len(new) == 3 and all(p.resolve().parent == folder for p in new), sorted(new)
    names = {i["document"] for i in issued}
    assert {p.name for p in new} == names
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)


@pytest.mark.parametrize("setting", ["../../tmp", "/tmp", "..", "invoices/../../x"])
def test_invoice_folder_outside_the_workbook_folder_is_refused(tmp_path, setting):
    root = tmp_path / "root"
    book = _book(root / "team", **{"Invoice Folder": setting})
    before_files, before_hash = _files(tmp_path), sha256(book)
    ran = run_proc("issue", book, cwd=root)
    assert ran.code == 1, ran.out
    assert "Traceback" not in ran.out
    assert "Settings!B16" in ran.out and "inside the workbook's folder" in " ".join(ran.out.split())
    assert sha256(book) == before_hash
    assert _files(tmp_path) == before_files
    # void (which also writes a document) refuses the same way
    ran = run_cli("void", book, "--invoice", corpus.open_invoice(), "--reason", "x")
    assert ran.code == 1 and "inside the workbook's folder" in ran.flat, ran.out
    assert sha256(book) == before_hash
