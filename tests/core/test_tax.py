"""VAT rules (core/tax.py): the rate a milestone is taxed at, the tax
categories and their wording, and the particulars that stop billing."""
from __future__ import annotations

from core.helpers import D, book, pct, project, ready

from milebill_xl.core import tax
from milebill_xl.core.engine import compute
from milebill_xl.core.records import CANCELLED

from datetime import date

AS_OF = date(2026, 6, 30)


def test_a_milestone_rate_overrides_its_projects_and_blank_inherits():
    assert tax.effective_rate(D("0.055"), D("0.2")) == D("0.055")
    assert tax.effective_rate(D("0"), D("0.2")) == D("0")          # 0 is a rate, not blank
    assert tax.effective_rate(None, D("0.2")) == D("0.2")


def test_tax_is_rounded_half_away_from_zero_in_the_currency():
    assert tax.tax_amount(D("1000.05"), D("0.055"), "EUR") == D("55.00")     # 55.00275
    assert tax.tax_amount(D("10.10"), D("0.05"), "EUR") == D("0.51")         # 0.505
    assert tax.tax_amount(D("-10.10"), D("0.05"), "EUR") == D("-0.51")
    assert tax.tax_amount(D("333333"), D("0.1"), "JPY") == D("33333")        # 33333.3
    assert tax.tax_amount(D("10.005"), D("0.5"), "KWD") == D("5.003")        # 5.0025


def test_the_engine_gives_each_milestone_its_rate():
    b = book([project("P1", "1000", tax_rate=D("0.2")), project("P2", "100", row=1)],
             [pct("M1", "0.5", tax_rate=D("0.1")), pct("M2", "0.5", row=1),
              pct("M3", "1", pid="P2", row=2, tax_rate=D("0"))])
    rates = {m.milestone_id: m.tax_rate for m in compute(b, AS_OF).milestones}
    assert rates == {"M1": D("0.1"), "M2": D("0.2"), "M3": D("0")}


def test_categories_have_their_en_16931_codes_and_wording():
    assert [tax.category(w).code for w in tax.TAX_CATEGORIES] == ["S", "Z", "E", "AE", "K", "G"]
    assert tax.category("").word == "Standard" and tax.category(None).reason("x") == "x"
    assert tax.category("Reverse charge").reason() == (
        "Reverse charge: VAT to be accounted for by the customer (Art. 196 Directive 2006/112/EC).")
    assert tax.category("Exempt").reason("Art. 261 C CGI") == "Exempt from VAT. Art. 261 C CGI"
    assert tax.category("Export").vatex == "VATEX-EU-G"
    assert tax.category("Zero rated").states_reason is False          # BR-Z-10


def test_vat_numbers_are_checked_against_their_country():
    assert tax.vat_number_problem("FR40303265045", "FR") is None
    assert tax.vat_number_problem("FR 40 303 265 045", "FR") is None
    assert tax.vat_number_problem("ESB58378431", "ES") is None
    assert tax.vat_number_problem("CHE-116.281.710 MWST", "CH") is None
    assert tax.vat_number_problem("FR40303265046", "FR") == (
        "'FR40303265046' is not a valid France VAT number (the number's checksum or check "
        "digit is invalid)")
    # no country, or a country without VAT numbers python-stdnum knows: not checked
    assert tax.vat_number_problem("FR40303265046", "") is None
    assert tax.vat_number_problem("12-3456789", "US") is None


def test_vat_ids_in_e_invoices_carry_their_prefix():
    assert tax.vat_id("fr 40 303 265 045") == "FR40303265045"
    assert tax.vat_id("B58378431", "ES") == "ESB58378431"
    assert tax.vat_id("094259216", "GR") == "EL094259216"
    assert tax.vat_id("CHE-116.281.710 MWST", "CH") == "CHE116281710MWST"


def test_iban_and_bic_are_checked_by_their_standards():
    assert tax.iban_problem("FR76 3000 6000 0112 3456 7890 189") is None
    assert tax.iban_problem("FR76 3000 6000 0112 3456 7890 188") == (
        "'FR76 3000 6000 0112 3456 7890 188' is not a valid IBAN (the number's checksum or "
        "check digit is invalid)")
    assert tax.bic_problem("BNPAFRPPXXX") is None and tax.bic_problem("BNPAFRPP") is None
    assert tax.bic_problem("BNPAXXPP") == "'BNPAXXPP' is not a valid BIC (one of the parts of " \
        "the number are invalid or unknown)"
    assert tax.iban_problem("") is None and tax.bic_problem(" ") is None


def _messages(b):
    return [(p.table, p.row, p.column, p.message) for p in tax.vat_problems(b)]


def test_reverse_charge_needs_both_vat_ids_and_no_tax():
    b = book([project("P1", "1000", tax_category="Reverse charge", tax_rate=D("0.21"))],
             [ready(pct("M1", "1", tax_rate=D("0.1"))),
              pct("M2", "0", row=1, tax_rate=D("0.1"), status=CANCELLED)])
    assert _messages(b) == [
        ("tblProjects", 0, "Tax Rate", "Project P1 is Reverse charge, which is invoiced at 0 %, "
         "but its tax rate is 21% (a blank Tax Rate takes the Default Tax Rate setting); enter 0"),
        ("tblMilestones", 0, "Tax Rate", "Milestone M1 has Tax Rate 10%, but project P1 is "
         "Reverse charge, which is invoiced at 0 %; clear it or enter 0"),
        ("tblProjects", 0, "Client Tax ID", "Project P1 is Reverse charge, which needs the "
         "client's VAT ID on every invoice; fill Client Tax ID"),
        ("tblProjects", 0, "Tax Category", "Project P1 is Reverse charge, which needs the "
         "seller's VAT ID on every invoice; fill Company Tax ID on the Settings sheet"),
    ]
    # the engine stops that project: its ready milestone is Blocked
    comp = compute(b, AS_OF)
    assert comp.milestone("M1").flag == "Blocked" and len(comp.problems) == 4


def test_intra_community_goes_to_another_member_state():
    def problems(country, seller="FR"):
        b = book([project("P1", "1", tax_category="Intra-community", client_tax_id="DE136695976",
                          client_country=country)],
                 company_tax_id="FR40303265045", company_country=seller)
        return [m for _t, _r, column, m in _messages(b) if column == "Client Country"]
    assert problems("DE") == []
    assert problems("") == ["Project P1 is Intra-community: fill Client Country, the member "
                            "state the supply goes to"]
    assert problems("CH") == ["Project P1 is Intra-community, but Switzerland is not an EU "
                              "member state; choose Export for a client outside the EU"]
    assert problems("DE", seller="DE") == [
        "Project P1 is Intra-community, but the client is in Germany, as the seller is (Company "
        "Country); a supply within one country is Standard"]


def test_malformed_vat_numbers_are_refused_on_their_cells():
    b = book([project("P1", "1", client_tax_id="ESB58378432", client_country="ES")],
             company_tax_id="FR40303265046", company_country="FR")
    assert _messages(b) == [
        ("tblSettings", None, "Company Tax ID", "Setting Company Tax ID: 'FR40303265046' is not "
         "a valid France VAT number (the number's checksum or check digit is invalid); Company "
         "Country is FR"),
        ("tblProjects", 0, "Client Tax ID", "Project P1: Client Tax ID 'ESB58378432' is not a "
         "valid Spain VAT number (the number's checksum or check digit is invalid); Client "
         "Country is ES"),
    ]
