"""Every kind of file milebill writes, read by independent readers:
openxml-audit (Open XML SDK rules; tests/ooxml_check.py holds the short
allow-list) for workbooks, documents and the add-in, and docx2python for the
invoice documents, which must show every EU VAT Art. 226 field."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from docx2python import docx2python
from rich.console import Console

from milebill_xl.actions import demo, portfolio, share
from milebill_xl.excel.addin import build_addin
from milebill_xl.resources import invoice_template, template_workbook
from milebill_xl.sample import sample_portfolio
from milebill_xl.template.portfolio import write_portfolio
from milebill_xl.template.builder import build_workbook
from ooxml_check import findings

AS_OF = date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("readers")
    with open(folder / "out.txt", "w") as fh:
        return demo.run(folder / "demo", AS_OF, Console(file=fh))


def _outputs(demo_run, tmp: Path) -> dict[str, Path]:
    """One file of each kind milebill writes."""
    shared = share.run(demo_run.workbook, tmp, AS_OF)
    pf_folder = tmp / "portfolio"
    pf_folder.mkdir()
    shutil.copyfile(demo_run.workbook, pf_folder / "a.xlsx")
    return {
        "template": template_workbook(),
        "sample book": build_workbook(tmp / "sample.xlsx", **sample_portfolio(AS_OF)),
        "demo workbook (written by issue, pay, void, refresh)": demo_run.workbook,
        "shared copy": shared,
        "upgraded workbook (the demo's, made old)": _upgraded(demo_run.workbook, tmp),
        "portfolio roll-up": write_portfolio(portfolio.run(pf_folder, AS_OF), tmp / "roll.xlsx"),
        "add-in": build_addin(tmp / "addin"),
        "invoice layout": invoice_template(),
        "invoice": demo_run.folder / "invoices" / "INV-2026-0001.docx",
        "credit note": demo_run.folder / "invoices" / "CN-2026-0001.docx",
        "reminder letter": demo_run.folder / "invoices" / "reminders" /
        "REM-2026-11-25-INV-2026-0006.docx",
    }


def _upgraded(workbook: Path, tmp: Path) -> Path:
    """The demo workbook as an older template left it (no Days To Pay
    helper column), upgraded."""
    from milebill_xl.actions import upgrade
    from milebill_xl.workbook.reader import read_raw_tables
    from milebill_xl.xlsx.patch import Patcher
    from reliability.corpus import edit_zip, table_part
    path = tmp / "upgraded" / "billing.xlsx"
    path.parent.mkdir()
    shutil.copyfile(workbook, path)
    g = read_raw_tables(path)["tblInvoices"].geometry
    p = Patcher.open(path)
    p.set_cells(g.sheet, {(g.header_row, g.column("Days To Pay")): "Old Days"})
    p.save()
    edit_zip(path, {table_part(path, "tblInvoices"):
                    lambda b: b.replace(b'name="Days To Pay"', b'name="Old Days"')})
    assert upgrade.run(path, AS_OF).upgraded
    return path


def test_openxml_audit_finds_nothing_outside_the_allow_list(demo_run, tmp_path):
    found = {kind: findings(path) for kind, path in _outputs(demo_run, tmp_path).items()}
    assert found == {kind: [] for kind in found}


def _text(path: Path) -> str:
    with docx2python(path) as doc:
        return doc.text


def test_a_second_reader_finds_every_art_226_field_on_the_invoice(demo_run):
    text = _text(demo_run.folder / "invoices" / "INV-2026-0001.docx")
    for field in ("INVOICE", "INV-2026-0001",                     # number
                  "2026-09-11",                                    # issue date (as of - 75 days)
                  "Northwind Engineering Ltd", "12 Harbour Street", "GB 123 4567 89",   # seller
                  "Acme Retail Inc.", "500 Market St",              # client
                  "Website relaunch – Discovery",                  # what was supplied
                  "$24,000.00",                                    # net and total
                  "Tax (0%)", "$0.00",                             # tax rate and tax
                  "2026-10-11",                                    # due date (Net 30)
                  "IBAN GB29 NWBK 6016 1331 9268 19"):             # payment details
        assert field in text, field


def test_a_second_reader_reads_the_credit_note_and_what_it_corrects(demo_run):
    # the demo voids the paid INV-2026-0001 (24,000.00 USD) with CN-2026-0001
    text = _text(demo_run.folder / "invoices" / "CN-2026-0001.docx")
    for field in ("CREDIT NOTE", "CN-2026-0001", "INV-2026-0001", "$24,000.00"):
        assert field in text, field


def test_a_second_reader_reads_the_reminder_letter(demo_run):
    # INV-2026-0006: 26,000.00 USD open ten days late at 10.15 %:
    # 26,000.00 x 10 x 0.1015 / 365 = 72.30, fee 40.00, due 26,112.30
    text = _text(demo_run.folder / "invoices" / "reminders" / "REM-2026-11-25-INV-2026-0006.docx")
    for field in ("Payment reminder", "REM-2026-11-25-INV-2026-0006", "Acme Retail Inc.",
                  "INV-2026-0006", "2026-11-15", "26,000.00", "72.30", "40.00", "26,112.30",
                  "10.15% a year", "IBAN GB29 NWBK 6016 1331 9268 19"):
        assert field in text, field
