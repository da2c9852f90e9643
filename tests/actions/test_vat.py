"""VAT particulars (issue 13 items 3 and 4) as a user meets them: a
milestone taxed at its own rate, the invoice printing the client's VAT ID,
the date of supply and the category's legal wording, and check / issue
refusing bad VAT data on its cell with the file left as it was."""
from __future__ import annotations

import json
from datetime import date

import pytest

from milebill_xl.workbook.reader import read_book
from milebill_xl.xlsx.patch import Patcher

from .conftest import cli, digest, make_book
from .french_book import D, PROJECTS, french_book
from .test_issue_cycle import _doc_text
from .test_ledger import _rename_header


def _errors(res) -> list[tuple[str, str]]:
    return [(e["cell"], e["message"]) for e in json.loads(res.output)["errors"]]


def test_the_invoice_prints_the_vat_particulars(tmp_path):
    book = french_book(tmp_path / "b.xlsx")
    res = cli("issue", book, "--json")
    assert res.exit_code == 0, res.output
    issued = {i["invoice_no"]: (i["net"], i["tax"], i["total"]) for i in json.loads(res.output)["issued"]}
    # FR1-2 at its own 10 %, FR1-1 at its project's 20 %, the others at 0 %
    assert issued == {"INV-2026-0001": ("4800.00", "960.00", "5760.00"),
                      "INV-2026-0002": ("7200.00", "720.00", "7920.00"),
                      "INV-2026-0003": ("4000.00", "0.00", "4000.00"),
                      "INV-2026-0004": ("5000.00", "0.00", "5000.00")}
    folder = tmp_path / "invoices"
    fr = _doc_text(folder / "INV-2026-0002.docx")
    for text in ("VAT ID: FR23334175221", "Date of supply\t2026-06-20", "Tax (10%)", "€720.00",
                 "IBAN FR76 3000 6000 0112 3456 7890 189 · BIC BNPAFRPPXXX"):
        assert text in fr, text
    assert "Directive 2006/112/EC" not in fr          # Standard prints no exemption wording
    es = _doc_text(folder / "INV-2026-0003.docx")
    for text in ("VAT ID: ESB58378431", "Date of supply\t2026-06-15", "Tax (0%)",
                 "Reverse charge: VAT to be accounted for by the customer (Art. 196 Directive "
                 "2006/112/EC)."):
        assert text in es, text
    ch = _doc_text(folder / "INV-2026-0004.docx")
    assert "Exempt export outside the EU (Art. 146 Directive 2006/112/EC)." in ch
    # the credit note reverses the invoice at the rate and category it was issued at,
    # even after the project's category changed
    p = Patcher.open(book)
    p.update_rows("tblProjects", {0: {"Tax Category": "Exempt", "Tax Rate": 0}})
    p.save()
    assert cli("void", book, "--invoice", "INV-2026-0002", "--reason", "wrong PO").exit_code == 0
    cn = _doc_text(folder / "CN-2026-0001.docx")
    assert "Tax (10%)" in cn and "-€720.00" in cn and "Exempt from VAT" not in cn


def test_bad_vat_data_is_refused_on_its_cell_and_nothing_is_written(tmp_path):
    projects = [dict(p) for p in PROJECTS]
    projects[1]["Client Tax ID"] = ""               # reverse charge without the client's VAT ID
    projects[2]["Tax Rate"] = D("0.2")              # export taxed at 20 %
    projects[0]["Client Tax ID"] = "FR23334175222"  # a checksum off by one
    book = french_book(tmp_path / "b.xlsx", projects=projects)
    res = cli("check", book, "--json")
    assert res.exit_code == 1
    assert _errors(res) == [
        ("Projects!R2", "Project FR1: Client Tax ID 'FR23334175222' is not a valid France VAT "
                        "number (the number's checksum or check digit is invalid); Client "
                        "Country is FR"),
        ("Projects!R3", "Project ES1 is Reverse charge, which needs the client's VAT ID on every "
                        "invoice; fill Client Tax ID"),
        ("Projects!I4", "Project CH1 is Export, which is invoiced at 0 %, but its tax rate is "
                        "20% (a blank Tax Rate takes the Default Tax Rate setting); enter 0"),
    ]
    before = digest(book)
    res = cli("issue", book, "--json")
    assert res.exit_code == 1 and not json.loads(res.output)["issued"]
    assert digest(book) == before and not (tmp_path / "invoices").exists()


def test_a_malformed_iban_or_bic_stops_every_command_on_its_cell(tmp_path):
    book = french_book(tmp_path / "b.xlsx", IBAN="FR76 3000 6000 0112 3456 7890 188",
                       BIC="BNPAXXPP")
    before = digest(book)
    for command in ("check", "issue"):
        res = cli(command, book, "--json")
        assert res.exit_code == 1
        assert _errors(res) == [
            ("Settings!B25", "IBAN: 'FR76 3000 6000 0112 3456 7890 188' is not a valid IBAN (the "
                             "number's checksum or check digit is invalid)"),
            ("Settings!B26", "BIC: 'BNPAXXPP' is not a valid BIC (one of the parts of the number "
                             "are invalid or unknown)"),
        ]
    assert digest(book) == before


# ------------------------------------- a workbook made before these columns

def _older_book(tmp_path):
    book = make_book(tmp_path / "old.xlsx")
    for table, sheet, old, new in (
            ("tblMilestones", "Milestones", "Tax Rate", "Rate Note"),
            ("tblProjects", "Projects", "Client Tax ID", "Notes 1"),
            ("tblProjects", "Projects", "Client Country", "Notes 2"),
            ("tblProjects", "Projects", "Tax Category", "Notes 3"),
            ("tblProjects", "Projects", "Tax Exemption Reason", "Notes 4"),
            ("tblInvoices", "Invoices", "Tax Rate", "Notes 5"),
            ("tblInvoices", "Invoices", "Tax Category", "Notes 6")):
        _rename_header(book, table, sheet, old, new)
    return book


def test_a_workbook_without_the_vat_columns_still_works(tmp_path):
    book = _older_book(tmp_path)
    assert json.loads(cli("check", book, "--json").output)["errors"] == []
    out = json.loads(cli("issue", book, "--json").output)
    assert [(i["invoice_no"], i["tax"]) for i in out["issued"]] == [
        ("INV-2026-0001", "600.00"), ("INV-2026-0002", "33330")]
    assert cli("void", book, "--invoice", "INV-2026-0001", "--reason", "typo").exit_code == 0
    cn = next(i for i in read_book(book)[0].invoices if i.invoice_no == "CN-2026-0001")
    assert (cn.tax, cn.tax_rate, cn.tax_category) == (D("-600"), None, "")


@pytest.mark.libreoffice
def test_an_older_workbook_recalculates_its_rates_like_the_engine(tmp_path):
    from recalc_check import engine_mismatches, error_cells

    from milebill_xl.office import recalculate
    book = _older_book(tmp_path)
    cli("issue", book)
    assert cli("refresh", book).exit_code == 0
    out = recalculate([book], tmp_path / "lo")[0]
    assert error_cells(out) == []
    mismatches, compared = engine_mismatches(out, date(2026, 11, 25))
    assert mismatches == [] and compared > 20
