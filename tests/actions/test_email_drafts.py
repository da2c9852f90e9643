"""`--email` on issue and void (issue 14 item 2): one .eml draft beside
each document, read back with the standard library: To the project's
Client Email, From Company Email, the number, amount due and due date in
the subject, the document attached byte for byte, the wording from the
editable template (built-in or the team's own email.txt).

Conftest's book: P1 (Harbour Council, USD) bills M1 at 3,000.00 + 20 % =
3,600.00, P2 (Metro KK, JPY) M3 at 333,300 + 10 % = 366,630, due
2026-12-25."""
from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest

from milebill_xl.workbook.reader import read_book

from .conftest import SELLER, cli, digest, make_book, projects
from .test_ledger import _approve_again, _worked_example


def _with_emails(tmp_path, **settings):
    rows = projects()
    rows[0]["Client Email"] = "accounts@harbour.example"
    rows[1]["Client Email"] = "Keiri <keiri@metro.example>; cfo@metro.example"
    return make_book(tmp_path / "billing.xlsx", projects_rows=rows,
                     settings={**SELLER, **settings})


def _message(path):
    return email.message_from_bytes(Path(path).read_bytes(), policy=email.policy.default)


def _attachments(msg):
    return [(a.get_filename(), a.get_content_type(), a.get_content()) for a in msg.iter_attachments()]


def test_issue_writes_a_draft_beside_each_invoice(tmp_path):
    book = _with_emails(tmp_path)
    res = cli("issue", book, "--email", "--json")
    assert res.exit_code == 0, res.output
    issued = json.loads(res.output)["issued"]
    folder = book.parent / "invoices"
    assert [Path(i["email"]).name for i in issued] == ["INV-2026-0001.eml", "INV-2026-0002.eml"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "INV-2026-0001.docx", "INV-2026-0001.eml", "INV-2026-0002.docx", "INV-2026-0002.eml"]

    usd = _message(folder / "INV-2026-0001.eml")
    assert (usd["To"], usd["From"], usd["X-Unsent"]) == (
        "accounts@harbour.example", "billing@acme.test", "1")
    assert usd["Subject"] == "Invoice INV-2026-0001 from Acme Engineering Ltd: 3,600.00 USD due 2026-12-25"
    assert usd.get_body(("plain",)).get_content() == (
        "Dear Harbour Council,\n\n"
        "please find attached our invoice INV-2026-0001 for Bridge (Design).\n"
        "The amount due is 3,600.00 USD, payable by 2026-12-25.\n\n"
        "Kind regards,\nAcme Engineering Ltd\n")
    assert _attachments(usd) == [(
        "INV-2026-0001.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (folder / "INV-2026-0001.docx").read_bytes())]

    jpy = _message(folder / "INV-2026-0002.eml")
    # several addresses in the cell, separated by a semicolon as Outlook does
    assert jpy["To"] == "Keiri <keiri@metro.example>, cfo@metro.example"
    assert jpy["Subject"] == "Invoice INV-2026-0002 from Acme Engineering Ltd: 366,630 JPY due 2026-12-25"


@pytest.mark.libreoffice
def test_with_pdf_the_draft_carries_the_pdf(tmp_path):
    book = _with_emails(tmp_path)
    assert cli("issue", book, "--email", "--pdf").exit_code == 0
    msg = _message(book.parent / "invoices" / "INV-2026-0001.eml")
    [(name, kind, data)] = _attachments(msg)
    assert (name, kind) == ("INV-2026-0001.pdf", "application/pdf")
    assert data == (book.parent / "invoices" / "INV-2026-0001.pdf").read_bytes()


def test_a_reissued_invoice_asks_for_what_is_left_after_the_carried_credit(tmp_path):
    book = _worked_example(tmp_path)           # 1,190.00, of which 500.00 paid, voided
    from milebill_xl.xlsx.patch import Patcher
    p = Patcher.open(book)
    p.update_rows("tblProjects", {0: {"Client Email": "accounts@harbour.example"},
                                  1: {"Client Email": "keiri@metro.example"}})
    p.save()
    cli("issue", book)
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "500").exit_code == 0
    out = json.loads(cli("void", book, "--invoice", "INV-2026-0001", "--reason", "wrong PO",
                         "--email", "--json").output)
    cn = _message(out["credit_note"]["email"])
    assert cn["Subject"] == ("Credit note CN-2026-0001 from Acme Engineering Ltd for invoice "
                             "INV-2026-0001: 1,190.00 USD")
    assert "cancels invoice\nINV-2026-0001 (Bridge) in full: 1,190.00 USD" in \
        cn.get_body(("plain",)).get_content()
    assert [a[0] for a in _attachments(cn)] == ["CN-2026-0001.docx"]

    m1 = next(m for m in read_book(book)[0].milestones if m.milestone_id == "M1")
    _approve_again(book, m1.row)
    res = cli("issue", book, "--as-of", "2026-11-26", "--email")
    assert res.exit_code == 0, res.output
    msg = _message(book.parent / "invoices" / "INV-2026-0003.eml")
    assert msg["Subject"] == "Invoice INV-2026-0003 from Acme Engineering Ltd: 690.00 USD due 2026-12-26"


def test_a_project_without_a_client_email_is_skipped_and_the_rest_issued(tmp_path):
    book = make_book(tmp_path / "billing.xlsx")        # conftest: P1 has no Client Email
    p = __import__("milebill_xl.xlsx.patch", fromlist=["Patcher"]).Patcher.open(book)
    p.update_rows("tblProjects", {1: {"Client Email": "keiri@metro.example"}})
    p.save()
    res = cli("issue", book, "--email", "--json")
    assert res.exit_code == 3, res.output
    out = json.loads(res.output)
    assert [(i["invoice_no"], i["milestone_id"]) for i in out["issued"]] == [("INV-2026-0001", "M3")]
    assert out["errors"] == [{"sheet": "Projects", "cell": "Projects!D2",
                              "message": "Project P1 has no Client Email to send the invoice to"}]
    assert [s["milestone_id"] for s in out["skipped"]] == ["M1"]
    assert (book.parent / "invoices" / "INV-2026-0001.eml").is_file()


def test_without_a_company_email_nothing_is_written(tmp_path):
    book = _with_emails(tmp_path, **{"Company Email": "billing at acme"})
    before = digest(book)
    res = cli("issue", book, "--email", "--json")
    assert res.exit_code == 1
    assert json.loads(res.output)["errors"] == [{
        "sheet": "Settings", "cell": "Settings!B5",
        "message": "Company Email 'billing at acme' is not an e-mail address such as "
                   "billing@company.example"}]
    assert digest(book) == before and not (book.parent / "invoices").exists()


def test_the_team_s_own_wording_beside_the_workbook(tmp_path):
    book = _with_emails(tmp_path)
    (book.parent / "email.txt").write_text(
        "# our wording\n[Invoice]\nSubject: Rechnung {{number}}: {{amount_due}} bis {{due_date}}\n\n"
        "Guten Tag {{client}},\nanbei {{attachment}}.\n", encoding="utf-8")
    assert cli("issue", book, "--email").exit_code == 0
    msg = _message(book.parent / "invoices" / "INV-2026-0001.eml")
    assert msg["Subject"] == "Rechnung INV-2026-0001: 3,600.00 USD bis 2026-12-25"
    assert msg.get_body(("plain",)).get_content() == (
        "Guten Tag Harbour Council,\nanbei INV-2026-0001.docx.\n")


def test_a_template_with_an_unknown_placeholder_is_refused(tmp_path):
    book = _with_emails(tmp_path)
    (book.parent / "email.txt").write_text(
        "[Invoice]\nSubject: Invoice {{number}}\n\nDear {{nmae}},\n", encoding="utf-8")
    before = digest(book)
    res = cli("issue", book, "--email", "--json")
    assert res.exit_code == 1
    [error] = json.loads(res.output)["errors"]
    assert error["message"].startswith(
        f"{book.parent / 'email.txt'}: section [Invoice] uses unknown placeholder(s) {{{{nmae}}}}; "
        "known placeholders: amount, amount_due, attachment, balance, client")
    assert digest(book) == before


def test_an_e_invoice_xml_beside_the_document_travels_with_it(tmp_path):
    """The hook for UBL e-invoices: a file of the document's name ending in
    .xml is attached after the document."""
    from datetime import date

    from milebill_xl.actions.common import load
    from milebill_xl.actions.mailing import Mailer
    from milebill_xl.workbook.filebook import FileBook
    book = _with_emails(tmp_path)
    assert cli("issue", book).exit_code == 0
    fb = FileBook(book)
    loaded = load(fb, date(2026, 11, 25))
    mailer, errors = Mailer.prepare(fb, loaded)
    assert errors == ()
    folder = book.parent / "invoices"
    (folder / "INV-2026-0001.xml").write_bytes(b"<Invoice/>")
    inv = next(i for i in loaded.data.invoices if i.invoice_no == "INV-2026-0001")
    eml = mailer.invoice(inv, loaded.data.projects[0], folder / "INV-2026-0001.docx")
    assert [(a[0], a[1]) for a in _attachments(_message(eml))] == [
        ("INV-2026-0001.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("INV-2026-0001.xml", "application/xml")]


def test_void_with_email_for_a_project_without_a_client_email_is_refused(tmp_path):
    book = make_book(tmp_path / "billing.xlsx")        # conftest: P1 has no Client Email
    assert cli("issue", book).exit_code == 0
    before = digest(book)
    res = cli("void", book, "--invoice", "INV-2026-0001", "--reason", "typo", "--email", "--json")
    assert res.exit_code == 1
    assert json.loads(res.output)["errors"] == [{
        "sheet": "Projects", "cell": "Projects!D2",
        "message": "Project P1 has no Client Email to send the credit note to"}]
    assert digest(book) == before
    assert not list((book.parent / "invoices").glob("CN-*"))
