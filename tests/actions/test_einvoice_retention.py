"""Retention, deposits and releases (issue 13) in EN 16931 e-invoices: the
retention withheld and the deposit recovered are document-level
allowances at the line's VAT rate (the tax falls with them); retention
withheld with its VAT charged at once (Retention Tax On invoice) counts
as already paid; a deposit invoice is a prepayment invoice (386); the
release is an invoice of the retention held. Figures are issue 13's,
written by hand; every XML passes the schema and the Schematron."""
from __future__ import annotations

import json
from datetime import date

import pytest
from einvoice_check import broken_rules, factur_x_xml, values

from milebill_xl.template.builder import build_workbook

from .conftest import cli
from .french_book import D, SELLER

UBL = {
    "type": "/*/cbc:InvoiceTypeCode/text() | /*/cbc:CreditNoteTypeCode/text()",
    "allowances": "/*/cac:AllowanceCharge/cbc:Amount/text()",
    "reasons": "/*/cac:AllowanceCharge/cbc:AllowanceChargeReason/text()",
    "category": "/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID/text()",
    "net": "/*/cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount/text()",
    "tax": "/*/cac:TaxTotal/cbc:TaxAmount/text()",
    "total": "/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount/text()",
    "paid": "/*/cac:LegalMonetaryTotal/cbc:PrepaidAmount/text()",
    "due": "/*/cac:LegalMonetaryTotal/cbc:PayableAmount/text()",
}
CII_SUM = ("/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/"
           "ram:ApplicableHeaderTradeSettlement/")
CII = {
    "type": "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode/text()",
    "allowances": f"{CII_SUM}ram:SpecifiedTradeAllowanceCharge/ram:ActualAmount/text()",
    "reasons": f"{CII_SUM}ram:SpecifiedTradeAllowanceCharge/ram:Reason/text()",
    "category": f"{CII_SUM}ram:ApplicableTradeTax/ram:CategoryCode/text()",
    "net": f"{CII_SUM}ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxBasisTotalAmount/text()",
    "tax": f"{CII_SUM}ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxTotalAmount/text()",
    "total": f"{CII_SUM}ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount/text()",
    "paid": f"{CII_SUM}ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TotalPrepaidAmount/text()",
    "due": f"{CII_SUM}ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount/text()",
}


def _book(path, fmt: str, retention_tax: str = "On release"):
    done = {"Status": "Complete", "Completed Date": date(2026, 6, 20), "Approval": "Approved"}
    client = {"Client": "Maison Dupont SA", "Client Address": "8 avenue Foch\n69006 Lyon",
              "Client Tax ID": "FR23334175221", "Client Country": "FR", "Currency": "EUR",
              "Payment Terms": "Net 30"}
    projects = [
        {"Project ID": "C1", "Project": "Warehouse", "Contract Value": D("80000.00"),
         "Tax Rate": D("0.08"), "Retainage %": D("0.1"), **client},
        {"Project ID": "D1", "Project": "Showroom", "Contract Value": D("40000.00"),
         "Tax Rate": D("0.21"), **client},
    ]
    milestones = [
        {"Milestone ID": f"C1-{k}", "Project ID": "C1", "Milestone": f"Stage {k}",
         "Basis": "Percent", "Percent": D(p), **done} for k, p in ((1, "0.25"), (2, "0.25"), (3, "0.5"))
    ] + [
        {"Milestone ID": "D1-0", "Project ID": "D1", "Milestone": "Deposit", "Basis": "Deposit",
         "Percent": D("0.15"), **done},
    ] + [
        {"Milestone ID": f"D1-{k}", "Project ID": "D1", "Milestone": f"Phase {k}",
         "Basis": "Percent", "Percent": D(p), **done} for k, p in ((1, "0.3"), (2, "0.3"), (3, "0.4"))
    ]
    return build_workbook(path, settings={**SELLER, "E-Invoice Format": fmt,
                                          "Retention Tax": retention_tax},
                          projects=projects, milestones=milestones)


def _run(book):
    out = json.loads(cli("issue", book, "--json").output)
    assert out["errors"] == [], out["errors"]
    files = list(out["e_invoices"])
    res = json.loads(cli("release", book, "--project", "C1", "--json").output)
    assert res["errors"] == [], res["errors"]
    files += res["released"]["e_invoice"]
    res = json.loads(cli("void", book, "--invoice", "INV-2026-0007", "--reason", "scope", "--json").output)
    assert res["errors"] == [], res["errors"]
    return files + res["credit_note"]["e_invoice"]


def _figures(path, fmt):
    xml = factur_x_xml(path) if fmt == "Factur-X" else open(path, "rb").read()
    syntax, paths = ("cii", CII) if fmt == "Factur-X" else ("ubl", UBL)
    assert broken_rules(xml, syntax) == [], path
    got = values(xml, paths)
    return tuple(", ".join(got[k]) or None for k in paths)


#: document -> (type, allowances, their reasons, VAT category, net less allowances, tax,
#:              total with tax, paid, amount due)
ON_RELEASE = {
    # 20,000.00 less 2,000.00 retention, tax 8 % of 18,000.00: due 19,440.00
    "INV-2026-0001": ("380", "2000.00", "Retention withheld", "S", "18000.00", "1440.00",
                      "19440.00", None, "19440.00"),
    "INV-2026-0002": ("380", "2000.00", "Retention withheld", "S", "18000.00", "1440.00",
                      "19440.00", None, "19440.00"),
    "INV-2026-0003": ("380", "4000.00", "Retention withheld", "S", "36000.00", "2880.00",
                      "38880.00", None, "38880.00"),
    # the 15 % deposit: a prepayment invoice of 6,000.00 + 21 %
    "INV-2026-0004": ("386", None, None, "S", "6000.00", "1260.00", "7260.00", None, "7260.00"),
    # 12,000.00 recovering 30 % of the deposit (1,800.00): tax on 10,200.00
    "INV-2026-0005": ("380", "1800.00", "Deposit recovered", "S", "10200.00", "2142.00",
                      "12342.00", None, "12342.00"),
    "INV-2026-0006": ("380", "1800.00", "Deposit recovered", "S", "10200.00", "2142.00",
                      "12342.00", None, "12342.00"),
    # the last recovers the rest of the deposit, 2,400.00
    "INV-2026-0007": ("380", "2400.00", "Deposit recovered", "S", "13600.00", "2856.00",
                      "16456.00", None, "16456.00"),
    # the release of 8,000.00 held, tax 640.00: 8,640.00
    "INV-2026-0008": ("380", None, None, "S", "8000.00", "640.00", "8640.00", None, "8640.00"),
    # INV-2026-0007 credited whole, its deposit recovery given back
    "CN-2026-0001": ("381", "2400.00", "Deposit recovered", "S", "13600.00", "2856.00",
                     "16456.00", None, "16456.00"),
}


def test_retention_and_deposits_in_ubl(tmp_path):
    files = _run(_book(tmp_path / "r.xlsx", "UBL"))
    assert len(files) == 9
    for name, want in ON_RELEASE.items():
        assert _figures(tmp_path / "invoices" / f"{name}.xml", "UBL") == want, name


@pytest.mark.libreoffice
def test_retention_and_deposits_in_factur_x(tmp_path):
    _run(_book(tmp_path / "r.xlsx", "Factur-X"))
    for name, want in ON_RELEASE.items():
        assert _figures(tmp_path / "invoices" / f"{name}.pdf", "Factur-X") == want, name


def test_retention_taxed_on_invoice_counts_as_paid_and_its_release_is_not_taxed(tmp_path):
    """Retention Tax On invoice: the tax is on the full 20,000.00 (1,600.00),
    the 2,000.00 withheld is what the client already owes but pays later:
    total 21,600.00, paid 2,000.00, due 19,600.00; the release charges no
    VAT, which EN 16931 carries as exempt with the reason."""
    book = _book(tmp_path / "r.xlsx", "UBL", "On invoice")
    _run(book)
    folder = tmp_path / "invoices"
    assert _figures(folder / "INV-2026-0001.xml", "UBL") == (
        "380", None, None, "S", "20000.00", "1600.00", "21600.00", "2000.00", "19600.00")
    assert _figures(folder / "INV-2026-0008.xml", "UBL") == (
        "380", None, None, "E", "8000.00", "0.00", "8000.00", None, "8000.00")
    xml = (folder / "INV-2026-0008.xml").read_bytes()
    assert values(xml, {"why": "//cbc:TaxExemptionReason/text()"})["why"] == [
        "No VAT on this release: the VAT on the retention was charged on the milestone invoices."]
    notes = values((folder / "INV-2026-0001.xml").read_bytes(), {"n": "/*/cbc:Note/text()"})["n"]
    assert "Retention withheld: 2000.00 EUR, payable on its release (its VAT is invoiced here)." in notes
