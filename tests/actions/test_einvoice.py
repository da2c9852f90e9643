"""E-invoices (issue 14 item 1): a French seller's book with a French
client (standard 20 %, one milestone at 10 %), a Spanish client under the
reverse charge and a Swiss client under export. Every Factur-X PDF and
UBL XML, invoices and credit notes, passes the schema and the EN 16931
Schematron (checked by tests/einvoice_check.py, apart from the product's
own checks) and carries the workbook's figures, written here by hand."""
from __future__ import annotations

import json

import pytest
from einvoice_check import broken_rules, factur_x_xml, values

from milebill_xl.workbook.reader import read_book
from milebill_xl.xlsx.patch import Patcher

from .conftest import cli, digest
from .french_book import D, french_book

CII = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"
CII_SUM = f"{CII}/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
CII_TAX = f"{CII}/ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
CII_PATHS = {
    "type": "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode/text()",
    "category": f"{CII_TAX}/ram:CategoryCode/text()",
    "rate": f"{CII_TAX}/ram:RateApplicablePercent/text()",
    "exemption": f"{CII_TAX}/ram:ExemptionReasonCode/text()",
    "net": f"{CII_SUM}/ram:TaxBasisTotalAmount/text()",
    "tax": f"{CII_SUM}/ram:TaxTotalAmount/text()",
    "total": f"{CII_SUM}/ram:GrandTotalAmount/text()",
    "due": f"{CII_SUM}/ram:DuePayableAmount/text()",
    "seller_vat": "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()",
    "buyer_vat": "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()",
    "buyer_ref": "//ram:BuyerReference/text()",
    "supplied": "//ram:ActualDeliverySupplyChainEvent//udt:DateTimeString/text()",
    "due_date": "//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString/text()",
    "terms": "//ram:SpecifiedTradePaymentTerms/ram:Description/text()",
    "iban": "//ram:PayeePartyCreditorFinancialAccount/ram:IBANID/text()",
    "corrects": "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()",
}
UBL_PATHS = {
    "type": "/*/cbc:InvoiceTypeCode/text() | /*/cbc:CreditNoteTypeCode/text()",
    "category": "/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID/text()",
    "rate": "/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent/text()",
    "exemption": "/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode/text()",
    "net": "/*/cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount/text()",
    "tax": "/*/cac:TaxTotal/cbc:TaxAmount/text()",
    "total": "/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount/text()",
    "due": "/*/cac:LegalMonetaryTotal/cbc:PayableAmount/text()",
    "seller_vat": "/*/cac:AccountingSupplierParty//cac:PartyTaxScheme/cbc:CompanyID/text()",
    "buyer_vat": "/*/cac:AccountingCustomerParty//cac:PartyTaxScheme/cbc:CompanyID/text()",
    "buyer_ref": "/*/cbc:BuyerReference/text()",
    "supplied": "/*/cac:Delivery/cbc:ActualDeliveryDate/text()",
    "due_date": "/*/cbc:DueDate/text()",
    "terms": "/*/cac:PaymentTerms/cbc:Note/text()",
    "iban": "/*/cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID/text()",
    "corrects": "/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()",
}

SELLER_VAT, IBAN = "FR40303265045", "FR7630006000011234567890189"
NOTHING_DUE = ("No payment is due. This credit note reduces the amount owed on invoice {} "
               "by €{}.")
#: document -> (type, category, rate, exemption code, net, tax, total, amount due,
#:              buyer VAT ID, buyer reference (PO number), date of supply, due date,
#:              payment terms, IBAN, invoice corrected); dates as in CII (YYYYMMDD)
EXPECTED = {
    "INV-2026-0001": ("380", "S", "20", None, "4800.00", "960.00", "5760.00", "5760.00",
                      "FR23334175221", "PO-2026-117", "20260610", "20260730", "Net 30", IBAN, None),
    "INV-2026-0002": ("380", "S", "10", None, "7200.00", "720.00", "7920.00", "7920.00",
                      "FR23334175221", "PO-2026-117", "20260620", "20260730", "Net 30", IBAN, None),
    "INV-2026-0003": ("380", "AE", "0", "VATEX-EU-AE", "4000.00", "0.00", "4000.00", "4000.00",
                      "ESB58378431", None, "20260615", "20260814", "Net 45", IBAN, None),
    "INV-2026-0004": ("380", "G", "0", "VATEX-EU-G", "5000.00", "0.00", "5000.00", "5000.00",
                      "CHE116281710MWST", "BE-4471", "20260625", "20260730",
                      "2/10 Net 30; 2% discount if paid by 2026-07-10 (within 10 days)", IBAN, None),
    "CN-2026-0001": ("381", "S", "20", None, "4800.00", "960.00", "5760.00", "5760.00",
                     "FR23334175221", "PO-2026-117", "20260610", None,
                     NOTHING_DUE.format("INV-2026-0001", "5,760.00"), None, "INV-2026-0001"),
    "CN-2026-0002": ("381", "AE", "0", "VATEX-EU-AE", "4000.00", "0.00", "4000.00", "4000.00",
                     "ESB58378431", None, "20260615", None,
                     NOTHING_DUE.format("INV-2026-0003", "4,000.00"), None, "INV-2026-0003"),
    "CN-2026-0003": ("381", "G", "0", "VATEX-EU-G", "5000.00", "0.00", "5000.00", "5000.00",
                     "CHE116281710MWST", "BE-4471", "20260625", None,
                     NOTHING_DUE.format("INV-2026-0004", "5,000.00"), None, "INV-2026-0004"),
}
FIELDS = ("type", "category", "rate", "exemption", "net", "tax", "total", "due", "buyer_vat",
          "buyer_ref", "supplied", "due_date", "terms", "iban", "corrects")


def _figures(xml: bytes, paths: dict, iso_dates: bool) -> tuple:
    got = values(xml, paths)
    assert got["seller_vat"] == [SELLER_VAT]
    out = []
    for name in FIELDS:
        v = got[name][0] if got[name] else None
        if iso_dates and v and name in ("supplied", "due_date"):
            v = v.replace("-", "")
        out.append(v)
    return tuple(out)


def _issue_and_void(book):
    res = cli("issue", book, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [i["invoice_no"] for i in out["issued"]] == [f"INV-2026-000{k}" for k in (1, 2, 3, 4)]
    files = list(out["e_invoices"])
    for number, reason in (("INV-2026-0001", "PO reissued"), ("INV-2026-0003", "wrong site"),
                           ("INV-2026-0004", "cancelled order")):
        res = cli("void", book, "--invoice", number, "--reason", reason, "--json")
        assert res.exit_code == 0, res.output
        files += json.loads(res.output)["credit_note"]["e_invoice"]
    return out, files


@pytest.mark.libreoffice
def test_factur_x_pdfs_pass_en_16931_with_the_workbooks_figures(tmp_path):
    book = french_book(tmp_path / "fx.xlsx", "Factur-X")
    out, files = _issue_and_void(book)
    # --pdf is implied: the run's PDFs are the Factur-X ones, beside each .docx
    assert [p.rsplit("/", 1)[1] for p in out["pdfs"]] == [
        f"INV-2026-000{k}.pdf" for k in (1, 2, 3, 4)]
    folder = tmp_path / "invoices"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{n}.docx" for n in EXPECTED] + [f"{n}.pdf" for n in EXPECTED])
    for name, want in EXPECTED.items():
        xml = factur_x_xml(folder / f"{name}.pdf")
        assert broken_rules(xml, "cii") == [], name
        assert _figures(xml, CII_PATHS, iso_dates=False) == want, name
    assert len(files) == 7


def test_ubl_xml_beside_each_document_passes_en_16931(tmp_path):
    book = french_book(tmp_path / "ubl.xlsx", "UBL")
    out, files = _issue_and_void(book)
    assert out["pdfs"] == []          # UBL implies no PDF
    folder = tmp_path / "invoices"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{n}.docx" for n in EXPECTED] + [f"{n}.xml" for n in EXPECTED])
    for name, want in EXPECTED.items():
        xml = (folder / f"{name}.xml").read_bytes()
        root = "<CreditNote" if name.startswith("CN") else "<Invoice"
        assert root.encode() in xml[:400], name
        assert broken_rules(xml, "ubl") == [], name
        assert _figures(xml, UBL_PATHS, iso_dates=True) == want, name
    # and the workbook records what the files say
    data, _ = read_book(book)
    rows = {i.invoice_no: (i.net, i.tax, i.total, i.tax_rate, i.tax_category) for i in data.invoices}
    assert rows["INV-2026-0002"] == (D("7200.00"), D("720.00"), D("7920.00"), D("0.1"), "Standard")
    assert rows["CN-2026-0002"] == (D("-4000.00"), D("0"), D("-4000.00"), D("0"), "Reverse charge")


def test_a_document_that_breaks_a_rule_stops_the_run_and_nothing_is_written(tmp_path):
    """A US seller whose Company Tax ID is an EIN: EN 16931 wants a VAT ID
    led by a country code (BR-CO-09); nothing is issued, the workbook is
    byte for byte as it was and no document is left."""
    book = french_book(tmp_path / "us.xlsx", "UBL", **{"Company Country": "US",
                                                       "Company Tax ID": "EIN 12-3456789"})
    before = digest(book)
    res = cli("issue", book, "--json")
    assert res.exit_code == 1
    (error,) = json.loads(res.output)["errors"]
    assert error["message"].startswith(
        "INV-2026-0001: the UBL e-invoice breaks EN 16931 rule BR-CO-09 ([BR-CO-09]-The Seller "
        "VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) and the "
        "Buyer VAT identifier (BT-48) shall have a prefix in accordance with ISO code ISO "
        "3166-1 alpha-2")
    assert error["message"].endswith("; nothing was written")
    assert digest(book) == before
    assert not (tmp_path / "invoices").exists()


def test_what_an_e_invoice_needs_is_asked_for_on_its_cells(tmp_path):
    book = french_book(tmp_path / "b.xlsx", "Factur-X", IBAN="", **{"Company Country": ""})
    before = digest(book)
    res = cli("issue", book, "--json")
    assert res.exit_code == 1
    errors = [(e["cell"], e["message"]) for e in json.loads(res.output)["errors"]]
    assert errors == [
        ("Settings!B24", "Seller country is missing for INV-2026-0001 as a Factur-X e-invoice: "
                         "fill 'Company Country' on the Settings sheet."),
        ("Settings!B25", "The account to pay is missing for INV-2026-0001 as a Factur-X "
                         "e-invoice: fill 'IBAN' on the Settings sheet."),
    ]
    assert digest(book) == before


def test_money_carried_from_a_voided_invoice_is_the_e_invoices_paid_amount(tmp_path):
    """INV-2026-0001 (5,760.00) was paid 1,000.00, then voided; its
    milestone, approved again, is invoiced anew: the new invoice's UBL says
    1,000.00 paid and 4,760.00 due, as the document and the workbook do."""
    book = french_book(tmp_path / "paid.xlsx", "UBL")
    assert cli("issue", book).exit_code == 0
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "1000.00").exit_code == 0
    assert cli("void", book, "--invoice", "INV-2026-0001", "--reason", "wrong PO").exit_code == 0
    p = Patcher.open(book)
    p.update_rows("tblMilestones", {0: {"Approval": "Approved"}})
    p.save()
    out = json.loads(cli("issue", book, "--json").output)
    (new,) = out["issued"]
    assert (new["invoice_no"], new["credit_applied"], new["amount_due"]) == (
        "INV-2026-0005", "1000.00", "4760.00")
    xml = (tmp_path / "invoices" / "INV-2026-0005.xml").read_bytes()
    assert broken_rules(xml, "ubl") == []
    got = values(xml, {"paid": "/*/cac:LegalMonetaryTotal/cbc:PrepaidAmount/text()",
                       "due": "/*/cac:LegalMonetaryTotal/cbc:PayableAmount/text()",
                       "total": "/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount/text()"})
    assert got == {"paid": ["1000.00"], "due": ["4760.00"], "total": ["5760.00"]}
