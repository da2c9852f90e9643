"""issue / pay / void: numbering, documents, payments and credit notes."""
from __future__ import annotations

import json
import zipfile
from datetime import date
from decimal import Decimal

import docx
import pytest

from milebill_xl.actions import issue as issue_action
from milebill_xl.core.money import round_money
from milebill_xl.workbook.filebook import FileBook
from milebill_xl.workbook.reader import read_book

from .conftest import AS_OF, SELLER, cli, digest, make_book, milestones


def _issue(path, *extra):
    res = cli("issue", path, "--json", *extra)
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def _doc_text(path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def test_issue_numbers_figures_and_documents(book):
    out = _issue(book)
    issued = out["issued"]
    assert [i["invoice_no"] for i in issued] == ["INV-2026-0001", "INV-2026-0002"]
    assert [i["milestone_id"] for i in issued] == ["M1", "M3"]  # sheet order
    m1 = issued[0]
    net = round_money(Decimal(10000) * Decimal("0.3"), "USD")
    tax = round_money(net * Decimal("0.2"), "USD")
    assert (Decimal(m1["net"]), Decimal(m1["tax"]), Decimal(m1["total"])) == (net, tax, net + tax)
    assert m1["due_date"] == "2026-12-25"  # Net 30 from 2026-11-25
    m3 = issued[1]
    jpy_net = round_money(Decimal(1000000) * Decimal("0.3333"), "JPY")
    assert Decimal(m3["tax"]) == round_money(jpy_net * Decimal("0.1"), "JPY")

    folder = book.parent / "invoices"
    assert sorted(p.name for p in folder.iterdir()) == ["INV-2026-0001.docx", "INV-2026-0002.docx"]
    text = _doc_text(folder / "INV-2026-0001.docx")
    for expected in ("INV-2026-0001", SELLER["Company"], SELLER["Company Tax ID"], "Harbour Council",
                     "PO-77", "Design", "2026-12-25", "$3,600.00", "$600.00", SELLER["Bank Details"]):
        assert expected in text, expected
    jp = _doc_text(folder / "INV-2026-0002.docx")
    assert "2% discount" in jp and "2026-12-05" in jp  # 2/10 Net 30

    data, _ = read_book(book)
    assert data.settings.next_invoice_seq == 3
    by_id = {m.milestone_id: m for m in data.milestones}
    assert by_id["M1"].invoice_no == "INV-2026-0001"
    assert by_id["M1"].due_date == date(2026, 12, 25)
    assert [i.invoice_no for i in data.invoices] == ["INV-2026-0001", "INV-2026-0002"]
    assert [i.document for i in data.invoices] == ["INV-2026-0001.docx", "INV-2026-0002.docx"]


def test_issue_twice_issues_nothing_new(book):
    _issue(book)
    before = digest(book)
    again = _issue(book)
    assert again["issued"] == []
    assert digest(book) == before


def test_dry_run_writes_nothing(book):
    before = digest(book)
    out = _issue(book, "--dry-run")
    assert [i["invoice_no"] for i in out["issued"]] == ["INV-2026-0001", "INV-2026-0002"]
    assert digest(book) == before
    assert not (book.parent / "invoices").exists()


def test_missing_seller_fields_refuse_with_cells(tmp_path):
    settings = dict(SELLER, **{"Company Tax ID": "", "Bank Details": ""})
    path = make_book(tmp_path / "b.xlsx", settings=settings)
    before = digest(path)
    res = cli("issue", path, "--json")
    assert res.exit_code == 1
    errors = json.loads(res.output)["errors"]
    cells = {e["cell"] for e in errors}
    assert "Settings!B4" in cells and "Settings!B6" in cells, errors
    assert len(errors) == 2  # one message per missing field, not per invoice
    assert digest(path) == before
    assert not (tmp_path / "invoices").exists()


def test_failure_after_some_documents_leaves_nothing(book, monkeypatch):
    before = digest(book)
    real, calls = issue_action.render_one, []

    def fail_on_second(*args):
        calls.append(args)
        if len(calls) > 1:
            raise OSError("injected failure after 1 document")
        return real(*args)
    monkeypatch.setattr(issue_action, "render_one", fail_on_second)
    with pytest.raises(OSError):
        issue_action.run(FileBook(book))
    monkeypatch.undo()
    assert digest(book) == before
    folder = book.parent / "invoices"
    assert not folder.exists() or not any(folder.rglob("*.docx"))
    # and the next run uses the same numbers: none was consumed
    assert [i["invoice_no"] for i in _issue(book)["issued"]] == ["INV-2026-0001", "INV-2026-0002"]


def test_locked_workbook_is_not_written(book):
    owner = book.with_name("~$" + book.name)
    owner.write_bytes(b"user")
    before = digest(book)
    res = cli("issue", book)
    assert res.exit_code == 1
    assert "open in Excel" in res.output or "open in Excel" in (res.stderr if hasattr(res, "stderr") else "")
    assert digest(book) == before
    assert not (book.parent / "invoices").exists() or not any((book.parent / "invoices").rglob("*.docx"))


def test_pay_partial_full_and_errors(book):
    _issue(book)
    # a payment dated after the as-of date needs that as-of date (issue 12)
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "1000.00",
               "--date", "2026-12-01", "--reference", "BANK-1", "--as-of", "2026-12-01").exit_code == 0
    data, _ = read_book(book)
    assert [(p.invoice_no, p.amount, p.reference) for p in data.payments] == \
        [("INV-2026-0001", Decimal("1000.00"), "BANK-1")]
    out = {m["milestone_id"]: m for m in json.loads(cli("check", book, "--json").output)["milestones"]}
    assert out["M1"]["flag"] == "Invoiced"
    before = digest(book)
    over = cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "2600.01")
    assert over.exit_code == 1 and "more than the open balance" in over.output
    unknown = cli("pay", book, "--invoice", "INV-2099-0001", "--amount", "1")
    assert unknown.exit_code == 1 and "there is no invoice 'INV-2099-0001' on the Invoices sheet" in unknown.output
    assert digest(book) == before
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "2600").exit_code == 0
    out = {m["milestone_id"]: m for m in json.loads(cli("check", book, "--json").output)["milestones"]}
    assert out["M1"]["flag"] == "Paid"


def test_void_credit_note_then_reissue_gapless(book):
    _issue(book)
    cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "600")
    res = cli("void", book, "--invoice", "INV-2026-0001", "--reason", "wrong PO number")
    assert res.exit_code == 0, res.output
    data, _ = read_book(book)
    cn = [i for i in data.invoices if i.type == "Credit Note"]
    # issue 12: the credit note reverses the whole invoice (no longer the
    # open amount 3,600 - 600); the 600 received is the client's credit
    assert [(c.invoice_no, c.related_invoice, c.net, c.tax, c.total) for c in cn] == \
        [("CN-2026-0001", "INV-2026-0001", Decimal("-3000.00"), Decimal("-600.00"),
          Decimal("-3600.00"))]
    m1 = next(m for m in data.milestones if m.milestone_id == "M1")
    assert (m1.invoice_no, m1.approval) == ("", "Pending")
    cn_text = _doc_text(book.parent / "invoices" / "CN-2026-0001.docx")
    assert "CREDIT NOTE" in cn_text and "INV-2026-0001" in cn_text
    checked = json.loads(cli("check", book, "--json").output)
    assert {m["milestone_id"]: m["flag"] for m in checked["milestones"]}["M1"] in (
        "Awaiting Approval", "Approval Overdue")
    statuses = {i.invoice_no: i for i in read_book(book)[0].invoices}
    assert "INV-2026-0001" in statuses  # never deleted
    # voiding again is refused; the invoice stays
    assert cli("void", book, "--invoice", "INV-2026-0001", "--reason", "again").exit_code == 1

    # re-approve M1 by hand (as a user would in Excel), then issue again
    from milebill_xl.xlsx.patch import Patcher
    p = Patcher.open(book)
    p.update_rows("tblMilestones", {m1.row: {"Approval": "Approved"}})
    p.save()
    out = _issue(book)
    assert [i["invoice_no"] for i in out["issued"]] == ["INV-2026-0003"]
    # the 600 already received is applied to the new invoice, not billed again
    assert (out["issued"][0]["credit_applied"], out["issued"][0]["amount_due"]) == \
        ("600.00", "3000.00")
    data, _ = read_book(book)
    numbers = [i.invoice_no for i in data.invoices if i.type == "Invoice"]
    assert numbers == ["INV-2026-0001", "INV-2026-0002", "INV-2026-0003"]
    assert len(set(numbers)) == len(numbers)


def _inject_foreign_parts(path):
    """Add what Excel writes and openpyxl would drop: an x14 data validation
    pointing at another sheet, a sparkline group, and a custom XML part."""
    from .conftest import sheet_part
    part = sheet_part(path, "Milestones")
    ext = ('<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
           '<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>Lists!$A$2:$A$5</xm:f>'
           '</x14:formula1><xm:sqref>X2:X100</xm:sqref></x14:dataValidation></x14:dataValidations></ext>'
           '<ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
           'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
           '<x14:sparklineGroup displayEmptyCellsAs="gap"><x14:colorSeries rgb="FF376092"/>'
           '<x14:sparklines><x14:sparkline><xm:f>Milestones!O2:O5</xm:f><xm:sqref>Y2</xm:sqref>'
           '</x14:sparkline></x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext></extLst>')
    src = path.read_bytes()
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = data.replace(b"</worksheet>", ext.encode() + b"</worksheet>")
            zout.writestr(info, data)
        zout.writestr("customXml/item1.xml", '<?xml version="1.0"?><team xmlns="urn:acme">keep me</team>')
    tmp.replace(path)
    assert path.read_bytes() != src
    return part, ext


def test_foreign_parts_survive_issue_pay_void(book):
    part, ext = _inject_foreign_parts(book)
    with zipfile.ZipFile(book) as z:
        custom = z.read("customXml/item1.xml")
        drawings = {n: z.read(n) for n in z.namelist() if n.startswith("xl/charts/") or n.startswith("xl/drawings/")}
    _issue(book)
    assert cli("pay", book, "--invoice", "INV-2026-0002", "--amount", "100").exit_code == 0
    assert cli("void", book, "--invoice", "INV-2026-0001", "--reason", "test").exit_code == 0
    assert cli("refresh", book).exit_code == 0
    with zipfile.ZipFile(book) as z:
        assert z.read("customXml/item1.xml") == custom
        sheet = z.read(part).decode()
        assert ext in sheet  # byte-for-byte, extLst untouched
        for name, data in drawings.items():
            assert z.read(name) == data, name


def test_progress_is_reported_per_document(book):
    seen = []
    result = issue_action.run(FileBook(book), progress=lambda done, total: seen.append((done, total)))
    assert len(result.issued) == 2
    assert seen == [(1, 2), (2, 2)]


@pytest.mark.libreoffice
def test_issue_with_pdf_converts_every_document(book):
    import subprocess
    out = _issue(book, "--pdf")
    folder = book.parent / "invoices"
    for item in out["issued"]:
        pdf = folder / (item["invoice_no"] + ".pdf")
        assert pdf.exists()
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert item["invoice_no"] in text


def test_void_with_a_broken_team_template_is_refused_like_issue(book):
    # a team's own invoice.docx beside the workbook that is not a .docx:
    # void says so and writes nothing, as issue and release do
    _issue(book)
    (book.parent / "invoice.docx").write_bytes(b"not a word file")
    before = digest(book)
    res = cli("void", book, "--invoice", "INV-2026-0001", "--reason", "wrong PO number")
    assert res.exit_code == 1, res.output
    assert "invoice.docx" in res.output and "not a .docx" in res.output
    assert "Traceback" not in res.output
    assert digest(book) == before
    assert not (book.parent / "invoices" / "CN-2026-0001.docx").exists()
