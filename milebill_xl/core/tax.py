"""VAT: the rate a milestone is invoiced at, tax categories and their legal
wording, and the checks the EU VAT Directive's invoice particulars
(Art. 226) need.

- **Rate.** A milestone's own ``Tax Rate`` when filled, else its
  project's (whose blank takes the ``Default Tax Rate`` setting). The tax
  of a document is ``round(base * rate)`` to the currency's minor unit.
- **Categories** (``Tax Category`` of a project, blank = ``Standard``),
  with their EN 16931 code (UNTDID 5305) and the words the invoice prints:
  every category but ``Standard`` is invoiced at 0 % and prints its legal
  wording; the reverse charge and intra-Community supplies need both VAT
  IDs.
- **Identifiers** are checked with python-stdnum, never by hand: a VAT
  number against its country's rules (when the country is given and
  python-stdnum knows that country's VAT numbers), IBAN and BIC by their
  ISO 13616 / ISO 9362 rules.

Each rule, word and wording lives here once; the engine, the documents and
the e-invoices take it from here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale

from .money import round_money
from .words import (CANCELLED, EXEMPT, EXPORT, INTRA_COMMUNITY, REVERSE_CHARGE,  # noqa: F401
                    STANDARD, TAX_CATEGORIES, ZERO_RATED)

# ------------------------------------------------------------- categories

# The Tax Category words (WORKBOOK.md "Additions") are words.py's.


@dataclass(frozen=True)
class Category:
    """One tax category: its EN 16931 VAT category code (UNTDID 5305), the
    exemption reason code (CEF VATEX) where one fits every case, and the
    legal wording the invoice prints (Directive 2006/112/EC)."""

    word: str
    code: str
    wording: str = ""
    vatex: str = ""

    @property
    def standard(self) -> bool:
        return self.word == STANDARD

    @property
    def needs_vat_ids(self) -> bool:
        """The seller's and the buyer's VAT IDs must both be on the invoice
        (Art. 226(4); EN 16931 BR-AE-02, BR-IC-02)."""
        return self.word in (REVERSE_CHARGE, INTRA_COMMUNITY)

    @property
    def states_reason(self) -> bool:
        """The e-invoice states why no VAT is charged (BR-E-10, BR-AE-10,
        BR-IC-10, BR-G-10); a zero-rated supply must not (BR-Z-10)."""
        return self.word not in (STANDARD, ZERO_RATED)

    def reason(self, exemption_reason: str = "") -> str:
        """What the invoice prints for the category: the project's ``Tax
        Exemption Reason`` after the legal wording, or the wording alone."""
        own = (exemption_reason or "").strip()
        return " ".join(x for x in (self.wording, own) if x)


CATEGORIES: dict[str, Category] = {c.word: c for c in (
    Category(STANDARD, "S"),
    Category(ZERO_RATED, "Z", "Zero-rated supply: VAT 0 %."),
    Category(EXEMPT, "E", "Exempt from VAT."),
    Category(REVERSE_CHARGE, "AE",
             "Reverse charge: VAT to be accounted for by the customer "
             "(Art. 196 Directive 2006/112/EC).", "VATEX-EU-AE"),
    Category(INTRA_COMMUNITY, "K",
             "Exempt intra-Community supply (Art. 138 Directive 2006/112/EC).", "VATEX-EU-IC"),
    Category(EXPORT, "G",
             "Exempt export outside the EU (Art. 146 Directive 2006/112/EC).", "VATEX-EU-G"),
)}


#: a Retention Release whose tax the milestone invoices already charged
#: (``Retention Tax`` = On invoice): no VAT on it, for this reason
TAXED_EARLIER = Category(EXEMPT, "E", "No VAT on this release: the VAT on the retention was "
                         "charged on the milestone invoices.")


def category(word: str | None) -> Category:
    """The category of a Tax Category cell; blank is ``Standard``."""
    return CATEGORIES[word or STANDARD]


# ------------------------------------------------------------------- rate

def effective_rate(milestone_rate: Decimal | None, project_rate: Decimal) -> Decimal:
    """A milestone's own Tax Rate, else its project's (blank = None)."""
    return project_rate if milestone_rate is None else milestone_rate


def tax_amount(base: Decimal, rate: Decimal, currency: str) -> Decimal:
    """``round(base * rate)`` to the currency's minor unit, half away from
    zero (rule 4's ``Tax``)."""
    return round_money(base * rate, currency)


# -------------------------------------------------------------- countries

# CLDR's regions that are not ISO 3166-1 countries: exceptionally reserved
# codes, groupings and private-use codes.
_NOT_ISO_3166 = frozenset({"AC", "CP", "CQ", "DG", "EA", "IC", "TA", "EU", "EZ", "QO", "UN",
                           "XA", "XB", "XK", "ZZ"})

#: ISO 3166-1 alpha-2 codes (from CLDR, through Babel)
COUNTRY_CODES: frozenset[str] = frozenset(
    code for code in Locale("en").territories
    if len(code) == 2 and code.isalpha() and code not in _NOT_ISO_3166)

#: EU member states (ISO codes); their VAT numbers carry the ISO code as a
#: prefix, except Greece's, which carry EL
EU_MEMBERS = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT "
                       "RO SE SI SK".split())


def country_name(code: str) -> str:
    return Locale("en").territories.get(code, code)


def vat_prefix(country: str) -> str:
    """The prefix of a VAT number issued in ``country``: its ISO code, EL
    for Greece."""
    return "EL" if country == "GR" else country


# ------------------------------------------------------------ identifiers

def _stdnum_vat(country: str):
    from stdnum import get_cc_module
    return get_cc_module(country.lower(), "vat") if country else None


def vat_number_problem(number: str, country: str) -> str | None:
    """Why ``number`` is not a VAT number of ``country``, or None (also when
    it cannot be checked: no number, no country, or a country whose VAT
    numbers python-stdnum does not know)."""
    module = _stdnum_vat(country) if (number or "").strip() else None
    if module is None:
        return None
    return _stdnum_problem(module, f"{country_name(country)} VAT number", number)


def vat_id(number: str, country: str = "") -> str:
    """A VAT number as e-invoices carry it (EN 16931 BR-CO-09): no spaces,
    dots or dashes, upper case, led by its country prefix (added from
    ``country`` when the number has none)."""
    text = re.sub(r"[\s.\-/]", "", number or "").upper()
    if text and country and not text[:2].isalpha():
        text = vat_prefix(country) + text
    return text


def iban_problem(text: str) -> str | None:
    """Why ``text`` is not an IBAN (ISO 13616: country, length, check
    digits), or None; blank is not checked."""
    from stdnum import iban
    return _stdnum_problem(iban, "IBAN", text)


def bic_problem(text: str) -> str | None:
    """Why ``text`` is not a BIC (ISO 9362: 8 or 11 characters, a known
    country), or None; blank is not checked."""
    from stdnum import bic
    return _stdnum_problem(bic, "BIC", text)


def _stdnum_problem(module, name: str, text: str) -> str | None:
    """Why python-stdnum's ``module.validate`` refuses ``text``, as a
    message naming ``name`` (IBAN, BIC, French VAT number), or None; blank
    is not checked."""
    text = (text or "").strip()
    if not text:
        return None
    from stdnum.exceptions import ValidationError
    try:
        module.validate(text)
    except ValidationError as exc:
        return f"'{text}' is not a valid {name} ({exc.message.rstrip('.').lower()})"
    return None


def compact_iban(text: str) -> str:
    from stdnum import iban
    return iban.compact(text) if text else ""


def compact_bic(text: str) -> str:
    from stdnum import bic
    return bic.compact(text) if text else ""


# ----------------------------------------------------------------- checks

def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def vat_problems(book) -> list:
    """The VAT particulars that stop billing, each on its cell: a Tax ID
    that is not a valid VAT number of its country; a category other than
    Standard with a tax rate above 0 (the project's, or an unissued
    milestone's own); a reverse-charge or intra-Community project without
    both VAT IDs; an intra-Community supply without a client country in
    another member state. ``book`` is a ``records.BookData``."""
    from .records import (CANCELLED, MILESTONES_TABLE, PROJECTS_TABLE, SETTINGS_TABLE, Problem)
    s = book.settings
    out = []
    why = vat_number_problem(s.company_tax_id, s.company_country)
    if why:
        out.append(Problem(SETTINGS_TABLE, None, "Company Tax ID",
                           f"Setting Company Tax ID: {why}; Company Country is {s.company_country}"))
    by_project: dict[str, list] = {}
    for m in book.milestones:
        if m.tax_rate and not m.issued and m.status != CANCELLED:
            by_project.setdefault(m.project_id, []).append(m)
    for p in book.projects:
        def problem(column: str, message: str, table=PROJECTS_TABLE, row=p.row):
            out.append(Problem(table, row, column, message, project_id=p.project_id))
        cat = category(p.tax_category)
        why = vat_number_problem(p.client_tax_id, p.client_country)
        if why:
            problem("Client Tax ID", f"Project {p.project_id}: Client Tax ID {why}; "
                    f"Client Country is {p.client_country}")
        if cat.standard:
            continue
        if p.tax_rate > 0:
            problem("Tax Rate", f"Project {p.project_id} is {cat.word}, which is invoiced at 0 %, "
                    f"but its tax rate is {_pct(p.tax_rate)} (a blank Tax Rate takes the Default "
                    "Tax Rate setting); enter 0")
        for m in by_project.get(p.project_id, ()):
            problem("Tax Rate", f"Milestone {m.milestone_id} has Tax Rate {_pct(m.tax_rate)}, but "
                    f"project {p.project_id} is {cat.word}, which is invoiced at 0 %; clear it "
                    "or enter 0", MILESTONES_TABLE, m.row)
        if cat.needs_vat_ids:
            if not p.client_tax_id:
                problem("Client Tax ID", f"Project {p.project_id} is {cat.word}, which needs the "
                        "client's VAT ID on every invoice; fill Client Tax ID")
            if not s.company_tax_id.strip():
                problem("Tax Category", f"Project {p.project_id} is {cat.word}, which needs the "
                        "seller's VAT ID on every invoice; fill Company Tax ID on the Settings sheet")
        if cat.word == INTRA_COMMUNITY:
            if not p.client_country:
                problem("Client Country", f"Project {p.project_id} is {cat.word}: fill Client "
                        "Country, the member state the supply goes to")
            elif p.client_country not in EU_MEMBERS:
                problem("Client Country", f"Project {p.project_id} is {cat.word}, but "
                        f"{country_name(p.client_country)} is not an EU member state; choose "
                        "Export for a client outside the EU")
            elif p.client_country == s.company_country:
                problem("Client Country", f"Project {p.project_id} is {cat.word}, but the client "
                        f"is in {country_name(p.client_country)}, as the seller is (Company "
                        "Country); a supply within one country is Standard")
    return out


def vat_problems_formula(category_cell: str, rate_cell: str, client_tax_id: str,
                         client_country: str, rows: str, milestone_rate: str | None,
                         invoice_no: str, status: str, company_tax_id: str,
                         company_country: str) -> str:
    """Excel text, TRUE when :func:`vat_problems` stops the project, for
    its Can Bill: every rule but the VAT-number checksums (those need
    python-stdnum; the engine alone sees them, as it alone sees a cell it
    cannot read). ``category_cell``, ``rate_cell``, ``client_tax_id``,
    ``client_country``: the project's Tax Category, effective tax rate,
    Client Tax ID and Client Country; ``rows``: the criteria pair selecting
    its milestones; ``milestone_rate`` (None: the table has no Tax Rate),
    ``invoice_no``, ``status``: those milestone columns; the two company
    arguments: the settings' names."""
    from .words import excel
    other = f'AND({category_cell}<>"",{category_cell}<>{excel(STANDARD)})'
    ids = f"OR({category_cell}={excel(REVERSE_CHARGE)},{category_cell}={excel(INTRA_COMMUNITY)})"
    eu = f'ISNUMBER(SEARCH("|"&{client_country}&"|",{excel("|" + "|".join(sorted(EU_MEMBERS)) + "|")}))'
    own_rates = (f'COUNTIFS({rows},{milestone_rate},">0",{invoice_no},"",'
                 f'{status},{excel("<>" + CANCELLED)})>0' if milestone_rate else "FALSE")
    return (f"OR(AND({other},OR({rate_cell}>0,{own_rates})),"
            f'AND({ids},OR(TRIM({client_tax_id})="",TRIM({company_tax_id})="")),'
            f"AND({category_cell}={excel(INTRA_COMMUNITY)},OR({client_country}=\"\",NOT({eu}),"
            f"UPPER({client_country})=UPPER({company_country}))))")
