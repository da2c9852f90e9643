"""Invoice and credit-note documents: fields, money formatting, refusal of
incomplete documents, literal cell text, safe names, PDF via LibreOffice."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from milebill_xl.core.records import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import docx
import pytest
from babel.numbers import format_currency
from docx.shared import Pt

from milebill_xl.core.position import Position
from milebill_xl.core.records import CREDIT_NOTE, Invoice, Milestone, Project, Settings
from milebill_xl.documents import pdf as pdf_mod
from milebill_xl.documents.invoice import (IncompleteInvoiceError, InvoiceTemplate, TemplateError,
                                           document_data, document_path, load_template,
                                           missing_fields, render_invoice, safe_document_name)
from milebill_xl.documents.template import DEFAULT_TEMPLATE, TOKENS, build_bytes

ISSUE = date(2026, 12, 1)
SELLER_ADDRESS = "Hauptstrasse 1\n10115 Berlin\nGermany"
CLIENT_ADDRESS = "1 Main Street\r\nSuite 200\nSpringfield, IL 62701"
BANK = "IBAN DE89 3704 0044 0532 0130 00\nBIC COBADEFFXXX"


def settings(**kw) -> Settings:
    base = dict(company="Acme Consulting GmbH", company_address=SELLER_ADDRESS,
                company_tax_id="DE123456789", company_email="billing@acme.example",
                bank_details=BANK)
    base.update(kw)
    return Settings(**base)


def project(**kw) -> Project:
    base = dict(project_id="P1", name="Website relaunch", client="Globex Corporation",
                client_email="ap@globex.example", client_address=CLIENT_ADDRESS,
                po_number="PO-4711", contract_value=Decimal("10000"), currency="USD",
                tax_rate=Decimal("0.2"), payment_terms="2/10 Net 30", retainage_pct=Decimal("0.05"))
    base.update(kw)
    return Project(**base)


def milestone(**kw) -> Milestone:
    base = dict(milestone_id="M1", project_id="P1", name="Design sign-off",
                deliverable="Approved mockups for all page types")
    base.update(kw)
    return Milestone(**base)


def money_round(x: Decimal, digits: int) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def invoice_for(prj: Project, net: Decimal, *, no="INV-2026-0001", digits=2, **kw) -> Invoice:
    """An invoice computed the contract's way: Tax = round(Net * rate)."""
    net = money_round(Decimal(net), digits)
    tax = money_round(net * prj.tax_rate, digits)
    base = dict(invoice_no=no, issue_date=ISSUE, due_date=ISSUE + timedelta(days=30),
                project_id=prj.project_id, milestone_id="M1", client=prj.client,
                currency=prj.currency, net=net, tax=tax, total=net + tax)
    base.update(kw)
    return Invoice(**base)


def credit_note_for(original: Invoice, no="CN-2026-0001", sign=-1) -> Invoice:
    return Invoice(invoice_no=no, type=CREDIT_NOTE, issue_date=ISSUE + timedelta(days=5),
                   project_id=original.project_id, milestone_id=original.milestone_id,
                   client=original.client, currency=original.currency,
                   net=sign * original.net, tax=sign * original.tax, total=sign * original.total,
                   related_invoice=original.invoice_no)


def all_text(path: Path) -> str:
    """Every piece of text in the document: body, tables, headers, footers."""
    d = docx.Document(str(path))
    out = []

    def walk(container):
        for p in container.paragraphs:
            out.append(p.text)
        for t in container.tables:
            for row in t.rows:
                for cell in row.cells:
                    walk(cell)

    walk(d)
    for s in d.sections:
        walk(s.header)
        walk(s.footer)
    return "\n".join(out)


def paragraphs(path: Path) -> list:
    d = docx.Document(str(path))
    out = []

    def walk(container):
        out.extend(container.paragraphs)
        for t in container.tables:
            for row in t.rows:
                for cell in row.cells:
                    walk(cell)

    walk(d)
    return out


def usd(x) -> str:
    return format_currency(Decimal(x), "USD", locale="en_US")


# --------------------------------------------------------------------------


def test_invoice_prints_every_field(tmp_path):
    prj, ms, st = project(), milestone(), settings()
    inv = invoice_for(prj, Decimal("3333.33"))
    doc = document_data(inv, prj, ms, st, notes="Thank you for the smooth project.")
    assert missing_fields(doc) == []
    out = render_invoice(doc, DEFAULT_TEMPLATE, tmp_path / "INV-2026-0001.docx")
    text = all_text(out)

    net = Decimal("3333.33")
    tax = money_round(net * Decimal("0.2"), 2)          # 666.67 (666.666 rounded)
    total = net + tax
    assert tax == Decimal("666.67")
    expected = [
        "INVOICE", "Invoice number", "INV-2026-0001",
        "Acme Consulting GmbH", SELLER_ADDRESS, "DE123456789", "billing@acme.example",
        "Globex Corporation", "1 Main Street\nSuite 200\nSpringfield, IL 62701", "PO-4711",
        "2026-12-01", "2026-12-31", "2/10 Net 30",
        "2% discount if paid by 2026-12-11 (within 10 days)",
        "Website relaunch", "Design sign-off", "Approved mockups for all page types",
        "USD", usd(net), "Tax (20%)", usd(tax), usd(total), BANK,
        f"Please pay {usd(total)} by 2026-12-31", "quoting INV-2026-0001",
        "Thank you for the smooth project.",
    ]
    for piece in expected:
        assert piece in text, piece
    # internal IDs stay out of the client's eye (their tokens remain)
    assert "P1" not in text.split("\n") and "M1" not in text
    assert "Retention" not in text           # the invoice withholds none
    assert usd(total) == "$4,000.00"
    assert "CREDIT NOTE" not in text
    assert "{{" not in text and "}}" not in text
    # The footer (header/footer parts are filled too).
    footer = docx.Document(str(out)).sections[0].footer.paragraphs[0].text
    assert footer == "Acme Consulting GmbH · Tax ID DE123456789 · INV-2026-0001"


def test_invoice_figures_stand_on_their_lines_without_a_grid(tmp_path):
    prj = project(tax_rate=Decimal("0.075"), payment_terms="Net 30", retainage_pct=Decimal(0))
    inv = invoice_for(prj, Decimal("1234.5"))
    out = render_invoice(document_data(inv, prj, milestone(), settings()), None, tmp_path / "a.docx")
    lines = {p.text for p in paragraphs(out)}
    tax = money_round(Decimal("1234.50") * Decimal("0.075"), 2)     # 92.5875 -> 92.59
    assert tax == Decimal("92.59")
    assert "Milestone amount\t$1,234.50" in lines
    assert "Tax (7.5%)\t$92.59" in lines
    assert "Amount due now\t$1,327.09" in lines
    assert "Invoice number\tINV-2026-0001" in lines
    assert "Payment terms\tNet 30" in lines
    text = all_text(out)
    assert "discount" not in text.lower()          # no discount line for Net 30
    assert "Retention" not in text and "Deposit" not in text      # none withheld
    # an invoice, not a spreadsheet: no table carries a style or cell borders
    xml = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert "w:tblStyle" not in xml and "w:tcBorders" not in xml and "w:tblBorders" not in xml


def test_a_milestone_invoice_shows_itself_in_its_contract(tmp_path):
    """Issue 13 item 5: contract value, this milestone's share, billed to
    date with this invoice, remaining to bill, retention withheld and held
    to date, deposit recovered, amount due now (figures of the 40,000.00
    contract's second 30 % milestone: 10 % retention, 15 % deposit)."""
    prj = project(contract_value=Decimal("40000"), tax_rate=Decimal("0.21"), currency="EUR",
                  retainage_pct=Decimal("0.10"), payment_terms="Net 30")
    inv = replace(invoice_for(prj, Decimal("12000")), retention=Decimal("1200.00"),
                  deposit_applied=Decimal("1800.00"), tax=Decimal("1890.00"),
                  total=Decimal("10890.00"))
    where = Position(contract_value=Decimal("40000.00"), share=Decimal("0.3"),
                     billed_to_date=Decimal("24000.00"), remaining=Decimal("16000.00"),
                     retention_held=Decimal("2400.00"), deposit=Decimal("6000.00"),
                     deposit_recovered=Decimal("3600.00"))
    out = render_invoice(document_data(inv, prj, milestone(), settings(), position=where), None,
                         tmp_path / "r.docx")
    lines = {p.text for p in paragraphs(out)}
    for line in ("Milestone amount\t€12,000.00", "Less retention withheld (10%)\t-€1,200.00",
                 "Less deposit recovered\t-€1,800.00", "Taxable amount\t€9,000.00",
                 "Tax (21%)\t€1,890.00", "Amount due now\t€10,890.00",
                 "Contract value\t€40,000.00", "This milestone (30% of the contract)\t€12,000.00",
                 "Billed to date, this invoice included\t€24,000.00",
                 "Remaining to bill\t€16,000.00", "Retention held to date\t€2,400.00",
                 "Deposit\t€6,000.00",
                 "Deposit recovered to date, this invoice included\t€3,600.00"):
        assert line in lines, line
    assert any(x.startswith("Please pay €10,890.00 by") for x in lines)
    assert "Invoice total" not in all_text(out)      # the total is the amount due


def test_multiline_addresses_become_line_breaks(tmp_path):
    out = render_invoice(document_data(invoice_for(project(), 100), project(), milestone(), settings()),
                         None, tmp_path / "a.docx")
    [p] = [p for p in paragraphs(out) if p.text.startswith("Hauptstrasse 1")]
    assert p.text == SELLER_ADDRESS
    assert len(p._p.xpath(".//w:br")) == 2
    [c] = [p for p in paragraphs(out) if p.text.startswith("1 Main Street")]
    assert c.text == "1 Main Street\nSuite 200\nSpringfield, IL 62701"   # \r\n normalized


def test_credit_note(tmp_path):
    prj, ms, st = project(), milestone(), settings()
    original = invoice_for(prj, Decimal("1000"))
    cn = credit_note_for(original)
    doc = document_data(cn, prj, ms, st, related=original)
    assert missing_fields(doc) == []
    assert doc.net == Decimal("-1000.00") and doc.total == Decimal("-1200.00")
    out = render_invoice(doc, None, tmp_path / "CN-2026-0001.docx")
    text = all_text(out)
    for piece in ["CREDIT NOTE", "Credit note number", "CN-2026-0001",
                  "Credit note for invoice INV-2026-0001 dated 2026-12-01",
                  "Credit for invoice INV-2026-0001", "2026-12-06",
                  usd("-1000.00"), usd("-200.00"), usd("-1200.00"),
                  "No payment is due", "Globex Corporation", "Acme Consulting GmbH"]:
        assert piece in text, piece
    assert usd("-1200.00") == "-$1,200.00"
    assert "INVOICE" not in text.replace("CREDIT NOTE", "")
    assert "discount" not in text.lower()
    d = docx.Document(str(out))
    assert d.paragraphs[0].text == "CREDIT NOTE"


def test_credit_note_amounts_negative_whatever_the_stored_sign(tmp_path):
    original = invoice_for(project(), Decimal("500"))
    cn = credit_note_for(original, sign=+1)
    doc = document_data(cn, project(), milestone(), settings(), related=original)
    assert (doc.net, doc.tax, doc.total) == (Decimal("-500.00"), Decimal("-100.00"), Decimal("-600.00"))


def test_credit_note_must_name_invoice_and_its_date():
    original = invoice_for(project(), Decimal("500"))
    cn = credit_note_for(original)
    msgs = missing_fields(document_data(cn, project(), milestone(), settings()))   # no related record
    assert msgs == ["Credit note CN-2026-0001 must give the date of invoice INV-2026-0001, which it corrects."]
    msgs = missing_fields(document_data(replace(cn, related_invoice=""), project(), milestone(), settings()))
    assert "Credit note CN-2026-0001 does not name the invoice it corrects (Related Invoice)." in msgs


@pytest.mark.parametrize("currency,net,rate", [
    ("JPY", Decimal("123457"), Decimal("0.1")),
    ("KWD", Decimal("1234.567"), Decimal("0.05")),
    ("EUR", Decimal("999.99"), Decimal("0.19")),
])
def test_currency_formatting(tmp_path, currency, net, rate):
    digits = {"JPY": 0, "KWD": 3, "EUR": 2}[currency]
    prj = project(currency=currency, tax_rate=rate)
    inv = invoice_for(prj, net, digits=digits)
    out = render_invoice(document_data(inv, prj, milestone(), settings()), None, tmp_path / "x.docx")
    text = all_text(out)
    tax = money_round(net * rate, digits)
    for amount in (net, tax, net + tax):
        shown = format_currency(amount, currency, locale="en_US")
        assert shown in text
        decimals = re.search(r"\.(\d+)$", shown)
        assert (len(decimals.group(1)) if decimals else 0) == digits, shown
    if currency == "JPY":
        assert "¥135,803" in text          # 123,457 + round(12,345.7) = 135,803, no decimals
    if currency == "KWD":
        assert format_currency(Decimal("1296.295"), "KWD", locale="en_US") in text   # 3 decimals


def test_money_rounds_half_away_from_zero():
    prj = project(currency="JPY")
    doc = document_data(invoice_for(prj, 1, digits=0), prj, milestone(), settings())
    assert doc.money(Decimal("0.5")) == "¥1"          # Babel alone would print ¥0 (half even)
    assert doc.money(Decimal("-2.5")) == "-¥3"


def test_other_locale():
    prj = project(currency="EUR")
    doc = document_data(invoice_for(prj, Decimal("1234.5")), prj, milestone(), settings(), locale="de_DE")
    assert doc.fields()["net"] == format_currency(Decimal("1234.50"), "EUR", locale="de_DE")


@pytest.mark.parametrize("terms,expected", [
    ("2/10 Net 30", "2% discount if paid by 2026-12-11 (within 10 days)"),
    ("1.5/15 net 45", "1.5% discount if paid by 2026-12-16 (within 15 days)"),
    ("3/1 Net 20", "3% discount if paid by 2026-12-02 (within 1 day)"),
    ("Net 30", ""),
    ("Due on receipt", ""),
    ("Net 15 EOM", ""),
])
def test_discount_wording(terms, expected):
    doc = document_data(invoice_for(project(), 100), project(payment_terms=terms), milestone(), settings())
    assert doc.discount_note == expected
    assert doc.fields()["payment_terms"] == terms


def test_terms_argument_and_settings_default():
    prj = project(payment_terms="")
    doc = document_data(invoice_for(prj, 100), prj, milestone(), settings(default_payment_terms="2/10 Net 30"))
    assert doc.payment_terms == "2/10 Net 30" and doc.discount_note
    doc = document_data(invoice_for(prj, 100), prj, milestone(), settings(), "5/7 Net 60")
    assert doc.discount_note == "5% discount if paid by 2026-12-08 (within 7 days)"


def test_bad_terms_refuse_issue():
    doc = document_data(invoice_for(project(), 100), project(payment_terms="30 days please"),
                        milestone(), settings())
    msgs = missing_fields(doc)
    assert len(msgs) == 1 and "P1" in msgs[0] and "30 days please" in msgs[0]


def test_missing_fields_refusal_messages(tmp_path):
    st = Settings()                                             # nothing filled in
    prj = project(client="", client_address="  ")
    ms = milestone(name="", deliverable="")
    inv = replace(invoice_for(prj, 100), invoice_no="", issue_date=None, client="")
    doc = document_data(inv, prj, ms, st)
    msgs = missing_fields(doc)
    assert msgs == [
        "Seller name is missing for the invoice: fill 'Company' on the Settings sheet.",
        "Seller address is missing for the invoice: fill 'Company Address' on the Settings sheet.",
        "Seller tax ID is missing for the invoice: fill 'Company Tax ID' on the Settings sheet.",
        "Client name is missing for the invoice: fill 'Client' of project P1 on the Projects sheet.",
        "Client address is missing for the invoice: fill 'Client Address' of project P1 on the Projects sheet.",
        "Invoice number is missing for the invoice of project P1.",
        "Issue date is missing for the invoice.",
        "Description is missing for the invoice: fill 'Milestone' or 'Deliverable' of milestone M1 "
        "on the Milestones sheet.",
        "Bank details are missing for the invoice: fill 'Bank Details' on the Settings sheet.",
    ]
    out = tmp_path / "x.docx"
    with pytest.raises(IncompleteInvoiceError) as err:
        render_invoice(doc, None, out)
    assert err.value.messages == msgs
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("field,message", [
    ("company_tax_id", "Seller tax ID is missing for INV-2026-0001"),
    ("bank_details", "Bank details are missing for INV-2026-0001"),
    ("company_address", "Seller address is missing for INV-2026-0001"),
])
def test_each_missing_setting_is_named(field, message):
    doc = document_data(invoice_for(project(), 100), project(), milestone(), settings(**{field: ""}))
    [msg] = missing_fields(doc)
    assert msg.startswith(message)


def test_unknown_currency_refused():
    prj = project(currency="ABC")
    doc = document_data(invoice_for(prj, 100), prj, milestone(), settings())
    assert any("'ABC'" in m and "ISO 4217" in m for m in missing_fields(doc))


def test_template_looking_cell_text_is_printed_literally(tmp_path):
    prj = project(client="{{total}}", client_address="{% for x in y %}\n{{ invoice_no }}\n{{nosuch}}",
                  po_number="{{po_number}}", name="{%raw%}")
    ms = milestone(name="{{title}}", deliverable="${7*7} {{ 7*7 }}")
    st = settings(company="<b>&amp; Co</b>", bank_details="{{bank_details}}")
    doc = document_data(invoice_for(prj, 100), prj, ms, st)
    out = render_invoice(doc, None, tmp_path / "x.docx")
    text = all_text(out)
    for literal in ["{{total}}", "{% for x in y %}\n{{ invoice_no }}\n{{nosuch}}", "{{po_number}}",
                    "{%raw%}", "{{title}}", "${7*7} {{ 7*7 }}", "<b>&amp; Co</b>", "{{bank_details}}"]:
        assert literal in text, literal
    d = docx.Document(str(out))
    assert d.paragraphs[0].text == "INVOICE"
    assert usd("120.00") in text


def test_control_characters_in_cells_are_dropped(tmp_path):
    prj = project(client="Globex\x00 Corp\x07oration\x0bDivision")
    out = render_invoice(document_data(invoice_for(prj, 100), prj, milestone(), settings()), None,
                         tmp_path / "x.docx")
    assert "Globex Corporation\nDivision" in all_text(out)


# ---- the template and the filler -----------------------------------------


def _parts(data: bytes) -> dict[str, bytes]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n: z.read(n) for n in z.namelist()}


def test_committed_template_is_the_built_one():
    """Rebuilding gives the committed template (run
    ``python -m milebill_xl.documents.template`` after changing the code)."""
    assert _parts(build_bytes()) == _parts(DEFAULT_TEMPLATE.read_bytes())
    assert build_bytes() == build_bytes()


def test_committed_template_uses_known_tokens_each_in_one_run():
    tpl = load_template(DEFAULT_TEMPLATE)
    assert tpl.tokens <= TOKENS.keys()
    assert {"title", "invoice_no", "issue_date", "due_date", "seller_name", "seller_address",
            "seller_tax_id", "client_name", "client_address", "net", "tax", "amount_due",
            "bank_details", "reference_note", "discount_note"} <= tpl.tokens
    d = docx.Document(str(DEFAULT_TEMPLATE))
    runs = [r.text for p in paragraphs(DEFAULT_TEMPLATE) for r in p.runs]
    runs += [r.text for p in d.sections[0].footer.paragraphs for r in p.runs]
    tokens_in_runs = [t for r in runs for t in re.findall(r"\{\{(\w+)\}\}", r)]
    assert set(tokens_in_runs) == tpl.tokens
    assert all(r.count("{{") == r.count("}}") for r in runs)
    core = d.core_properties
    assert core.created.year == 2026 and core.modified == core.created


def _custom_template(tmp_path, build) -> Path:
    d = docx.Document()
    build(d)
    path = tmp_path / "custom.docx"
    d.save(str(path))
    return path


def test_token_split_over_runs_is_joined(tmp_path):
    def build(d):
        p = d.add_paragraph()
        p.add_run("No: ")
        a = p.add_run("{{inv")
        a.bold = True
        p.add_run("oice_")
        p.add_run("no}} / {")
        p.add_run("{ client_name }")
        p.add_run("} end")
        q = d.add_paragraph()
        q.add_run("{{title}}").font.size = Pt(20)
        q.add_run(" kept")
    path = _custom_template(tmp_path, build)
    doc = document_data(invoice_for(project(), 100), project(), milestone(), settings())
    out = render_invoice(doc, path, tmp_path / "out.docx")
    d = docx.Document(str(out))
    p, q = d.paragraphs
    assert p.text == "No: INV-2026-0001 / Globex Corporation end"
    assert p.runs[0].text == "No: " and not p.runs[0].bold
    # The runs a token spans are joined into the first, which keeps its style.
    assert p.runs[1].text.startswith("INV-2026-0001") and p.runs[1].bold
    assert q.runs[0].text == "INVOICE" and q.runs[0].font.size == Pt(20)
    assert q.text == "INVOICE kept"


def test_paragraph_with_only_empty_tokens_is_dropped(tmp_path):
    def build(d):
        d.add_paragraph("before")
        d.add_paragraph("{{discount_note}}")
        d.add_paragraph("PO: {{po_number}}")
        d.add_paragraph("Ref: {{reference_note}}")
        t = d.add_table(rows=1, cols=1)
        t.rows[0].cells[0].paragraphs[0].add_run("{{notes}}")
        d.add_paragraph("after")
    path = _custom_template(tmp_path, build)
    prj = project(payment_terms="Net 30", po_number="")
    out = render_invoice(document_data(invoice_for(prj, 100), prj, milestone(), settings()),
                         path, tmp_path / "o.docx")
    d = docx.Document(str(out))
    assert [p.text for p in d.paragraphs] == ["before", "after"]
    assert d.tables[0].rows[0].cells[0].text == ""        # a cell keeps its one paragraph


def test_unknown_placeholder_in_template_is_refused(tmp_path):
    path = _custom_template(tmp_path, lambda d: d.add_paragraph("Dear {{clinet_name}}, {{invoice_no}}"))
    with pytest.raises(TemplateError, match=r"\{\{clinet_name\}\}"):
        load_template(path)


def test_not_a_docx_is_refused(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(TemplateError, match="not a .docx"):
        InvoiceTemplate.from_path(bad)


def test_template_cache_follows_file_changes(tmp_path):
    path = _custom_template(tmp_path, lambda d: d.add_paragraph("A {{invoice_no}}"))
    first = load_template(path)
    assert load_template(path) is first
    doc = docx.Document()
    doc.add_paragraph("B {{invoice_no}} {{total}}")
    doc.save(str(path))
    os.utime(path, ns=(1, 1))
    second = load_template(path)
    assert second is not first and "total" in second.tokens


# ---- file names -------------------------------------------------------------

RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(10)} | {f"LPT{i}" for i in range(10)}


def test_plain_number_keeps_its_name():
    assert safe_document_name("INV-2026-0001", "Globex") == "INV-2026-0001.docx"
    assert safe_document_name("CN-2026-0001") == "CN-2026-0001.docx"
    assert safe_document_name("INV_2026.07") == "INV_2026.07.docx"


@pytest.mark.parametrize("number", [
    "../../etc/passwd", "..", ".", "/etc/passwd", "C:\\Windows\\system32", "a/b\\c", "CON", "nul",
    "Com1", "LPT9.txt", "CON.2026", "INV\x00-1", "INV\x1f\n2026", "x" * 500, "", "   ", "...",
    "INV 2026/0001", "INV:2026*0001?", "Rechnung-Ä-ß-2026", "\u202eevil.exe", "~$INV", ".hidden",
    "INV-1.", "INV-1 ", "-rf", "{{total}}",
])
def test_unsafe_numbers_give_safe_names(tmp_path, number):
    name = safe_document_name(number, "../../client")
    stem = name[:-len(".docx")]
    assert name.endswith(".docx")
    assert re.fullmatch(r"[A-Za-z0-9._-]+\.docx", name), name
    assert not name.startswith((".", "-")) and ".." not in name
    assert 0 < len(stem) <= 80
    assert stem.split(".")[0].upper() not in RESERVED
    assert not stem.endswith((".", " "))
    path = tmp_path / name
    assert path.resolve().parent == tmp_path.resolve()
    path.write_bytes(b"x")                       # a real, writable file name
    assert document_path(tmp_path, number) == path


def test_different_numbers_never_share_a_file():
    numbers = ["INV/1", "INV:1", "INV 1", "INV-1", "INV\\1", "x" * 300, "x" * 301]
    names = [safe_document_name(n) for n in numbers]
    assert len(set(names)) == len(names)
    assert safe_document_name("INV/1") == safe_document_name("INV/1")


# ---- many documents ---------------------------------------------------------


def test_many_renders_from_one_parsed_template(tmp_path):
    """One parsed template renders many documents, each with its own
    figures (speed is measured in bench/, not here)."""
    tpl = load_template()
    prj = project()
    docs = [document_data(invoice_for(prj, 100 + i, no=f"INV-2026-{i:04d}"), prj, milestone(), settings())
            for i in range(1, 101)]
    for d in docs:
        render_invoice(d, tpl, tmp_path / safe_document_name(d.invoice_no))
    assert "INV-2026-0100" in all_text(tmp_path / "INV-2026-0100.docx")
    assert usd(Decimal(200) * Decimal("1.2")) in all_text(tmp_path / "INV-2026-0100.docx")


# ---- PDF --------------------------------------------------------------------


def test_to_pdf_refuses_clashing_names(tmp_path):
    with pytest.raises(ValueError, match="INV-1.pdf"):
        pdf_mod.to_pdf([tmp_path / "a" / "INV-1.docx", tmp_path / "b" / "INV-1.docx"], tmp_path)
    assert pdf_mod.to_pdf([], tmp_path / "none") == []


@pytest.mark.libreoffice
def test_pdf_in_one_batch(tmp_path, soffice, monkeypatch):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but pdftotext (poppler-utils) is missing")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    prj = project()
    original = invoice_for(prj, Decimal("1000"))
    cn = credit_note_for(original)
    paths = [
        render_invoice(document_data(original, prj, milestone(), settings()), None,
                       tmp_path / "docs" / safe_document_name(original.invoice_no)),
        render_invoice(document_data(cn, prj, milestone(), settings(), related=original), None,
                       tmp_path / "docs" / safe_document_name(cn.invoice_no)),
    ]
    calls = []
    real = pdf_mod.office.convert
    monkeypatch.setattr(pdf_mod.office, "convert", lambda *a, **k: calls.append(a) or real(*a, **k))
    pdfs = pdf_mod.to_pdf(paths, tmp_path / "pdf")
    assert len(calls) == 1
    assert [p.name for p in pdfs] == ["INV-2026-0001.pdf", "CN-2026-0001.pdf"]
    texts = [subprocess.run([pdftotext, "-layout", str(p), "-"], capture_output=True, text=True,
                            check=True).stdout for p in pdfs]
    assert "INV-2026-0001" in texts[0] and "INVOICE" in texts[0] and "$1,200.00" in texts[0]
    assert "CN-2026-0001" in texts[1] and "CREDIT NOTE" in texts[1]
    assert "INV-2026-0001" in texts[1] and "-$1,200.00" in texts[1]
