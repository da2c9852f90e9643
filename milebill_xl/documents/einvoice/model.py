"""One document in EN 16931's semantic model, built from what it prints.

:func:`semantic` turns an :class:`~milebill_xl.documents.invoice.InvoiceDocument`
(the very record the .docx is filled from) into the factur-x library's
data dictionary, keyed by EN 16931 business terms (``BT-1`` invoice
number, ``BG-23`` VAT breakdown ...). The library writes that one
dictionary as CII (Factur-X) or as UBL 2.1, so both syntaxes carry the same
figures as the document and the workbook: nothing is recomputed here but
the VAT breakdown's taxable amounts, and the breakdown's tax must add up to
the document's Tax to the cent (else :class:`FiguresDisagree`).

Mapping (EN 16931 terms):

- Invoice: type 380; credit note: 381 with positive amounts and the
  invoice it corrects (BG-3, BT-25/26). Number, issue date, currency.
- Due date (BT-9) and payment terms (BT-20: the project's terms and the
  early-payment discount); a credit note's BT-20 says no payment is due.
- Buyer reference (BT-10): the project's PO Number.
- Date of supply (BT-72): the milestone's Completed Date.
- Seller (BG-4) and buyer (BG-7): name, address lines (a last line such
  as "75002 Paris" as postcode and city), country, VAT ID
  (BT-31 / BT-48, with its country prefix), e-mail as contact and as
  electronic address (scheme EM, which Peppol BIS 3 asks for).
- Payment (BG-16): SEPA credit transfer (58) in EUR, else credit transfer
  (30), to the IBAN (BT-84) and BIC (BT-86); the invoice number as
  remittance information (BT-83).
- One line (BG-25): the milestone, quantity 1, its net amount, its VAT
  category and rate.
- Invoice type 380; a deposit milestone's invoice 386 (prepayment); a
  Retention Release 380 whose line releases the retention (exempt, with
  the reason, when the milestone invoices already charged its VAT).
- Document-level allowances (BG-20): :func:`allowances`, the deposit
  recovered and the retention withheld (On release); retention withheld On
  invoice is counted as paid (BT-113) with a note.
- VAT breakdown (BG-23) per category and rate; for a category other than
  Standard and Zero rated, the legal wording as exemption reason (BT-120)
  and its VATEX code (BT-121).
- Totals (BG-22): line net, allowances, net, tax, total, paid (money
  carried from a voided invoice, BT-113) and amount due (BT-115).
- Notes (BG-1): the category's legal wording and the document's notes.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from ...core.money import minor_units, normalize_currency
from ...core.records import FACTUR_X, ON_RELEASE, UBL
from ...core.tax import INTRA_COMMUNITY, TAXED_EARLIER, Category, category, compact_bic, compact_iban, vat_id

#: the e-invoice specification both syntaxes declare (BT-24)
EN_16931 = "urn:cen.eu:en16931:2017"
#: UNTDID 1001 document types (a deposit milestone's invoice: prepayment)
INVOICE_TYPE, CREDIT_NOTE_TYPE, PREPAYMENT_TYPE = "380", "381", "386"
#: UNTDID 4461 payment means: SEPA credit transfer, credit transfer
SEPA_CREDIT_TRANSFER, CREDIT_TRANSFER = "58", "30"
#: the electronic-address scheme of an e-mail address (CEF EAS)
EMAIL_SCHEME = "EM"
#: the most decimals EN 16931 allows in an amount (BR-DEC-*)
MAX_DECIMALS = 2


class FiguresDisagree(ValueError):
    """The VAT breakdown does not add up to the document's own Tax."""


@dataclass(frozen=True)
class Allowance:
    """A document-level allowance (EN 16931 BG-20): an amount taken off the
    taxable base of one VAT category (a core.tax ``Category``) and rate."""

    amount: Decimal
    reason: str
    category: Category
    rate: Decimal


RETENTION, DEPOSIT_RECOVERED = "Retention withheld", "Deposit recovered"


def line_tax(doc) -> tuple[Category, Decimal]:
    """The VAT category and rate of the document's line: the project's,
    except for a Retention Release whose tax the milestone invoices already
    charged (``Retention Tax`` = On invoice: Tax 0 at a Standard rate),
    which EN 16931 can only carry as exempt, with that reason
    (``core.tax.TAXED_EARLIER``)."""
    cat = category(doc.tax_category)
    if doc.release and cat.standard and doc.tax_rate and not doc.tax:
        return TAXED_EARLIER, Decimal(0)
    return cat, Decimal(doc.tax_rate)


def allowances(doc) -> tuple[Allowance, ...]:
    """The document-level allowances of ``doc``, at its line's category and
    rate: the deposit it recovers, and the retention it withholds when the
    tax falls with it (``Retention Tax`` = On release). Reasons as text
    only: UNTDID 5189 has no code for either. Retention ``On invoice``
    leaves the tax as it is: it is money withheld, which :func:`semantic`
    counts with the paid amount (BT-113) and states in a note."""
    cat, rate = line_tax(doc)
    out = []
    if doc.retention and doc.retention_tax == ON_RELEASE:
        out.append(Allowance(abs(doc.retention), RETENTION, cat, rate))
    if doc.deposit_applied:
        out.append(Allowance(abs(doc.deposit_applied), DEPOSIT_RECOVERED, cat, rate))
    return tuple(out)


def _pct(rate: Decimal) -> str:
    """0.2 -> '20', 0.055 -> '5.5' (BT-119 / BT-152 are percentages)."""
    return format((Decimal(rate) * 100).normalize(), "f")


#: a last address line that is a postcode then the city ("75002 Paris",
#: "8001 Zürich", "01310-100 São Paulo")
_POSTCODE_CITY = re.compile(r"(\d{3,6}(?:-\d{3,4})?)\s+(\D.*)")


def _lines(text: str) -> dict:
    """An address typed on several lines as EN 16931's postcode and city
    (from a last line such as "75002 Paris") and three address lines (the
    third takes what is left)."""
    parts = [p.strip() for p in (text or "").splitlines() if p.strip()]
    out = {}
    m = _POSTCODE_CITY.fullmatch(parts[-1]) if len(parts) > 1 else None
    if m:
        out["postcode"], out["city"] = m.group(1), m.group(2)
        parts = parts[:-1]
    if len(parts) > 3:
        parts = parts[:2] + [", ".join(parts[2:])]
    out.update({f"addr_l{k}": p for k, p in enumerate(parts, start=1)})
    return out


def _party(name: str, address: str, country: str, tax_id: str, email: str) -> dict:
    party = {"name": name, "country_code": country, **_lines(address)}
    if tax_id:
        party["vat_identifier"] = vat_id(tax_id, country)
    if email:
        party["einvoicing_addr"] = email
        party["einvoicing_addr_schemeid"] = EMAIL_SCHEME
        party["contacts"] = [{"email": email}]
    return party


def semantic(doc) -> dict:
    """The factur-x library's data dictionary for ``doc`` (a fresh one on
    every call: the library edits it)."""
    cn = doc.is_credit_note
    currency = str(normalize_currency(doc.currency))
    digits = minor_units(doc.currency)

    def money(x: Decimal) -> str:
        return f"{abs(Decimal(x)):.{digits}f}"

    cat, rate = line_tax(doc)
    net, tax, total = abs(doc.net), abs(doc.tax), abs(doc.total)
    offs = allowances(doc)
    # VAT breakdown per (category, rate): the line less its allowances
    taxable: dict[tuple[Category, Decimal], Decimal] = defaultdict(Decimal)
    taxable[(cat, rate)] += net
    for a in offs:
        taxable[(a.category, a.rate)] -= a.amount
    breakdown = []
    for (c, r), base in taxable.items():
        entry = {"BT-116": money(base), "BT-118": c.code, "BT-119": _pct(r),
                 # one group: the document's own Tax, to the cent
                 "BT-117": money(tax if len(taxable) == 1 else base * r)}
        if c.states_reason:
            entry["BT-120"] = c.reason(doc.tax_exemption_reason if c is cat else "")
            if c.vatex:
                entry["BT-121"] = c.vatex
        breakdown.append(entry)
    off_total = sum((a.amount for a in offs), Decimal(0))
    with_vat = net - off_total + tax
    # what the document's Total (the amount due now) leaves out: retention
    # withheld without lowering the tax (On invoice), counted as paid
    withheld = with_vat - total
    if sum(Decimal(e["BT-117"]) for e in breakdown) != tax or withheld not in (
            0, abs(doc.retention)):
        raise FiguresDisagree(f"{doc.invoice_no}: net {money(net)} less {money(off_total)} plus "
                              f"tax {money(tax)} is {money(with_vat)}, the document's total "
                              f"{money(total)}, its VAT breakdown "
                              f"{sum(Decimal(e['BT-117']) for e in breakdown)}")
    paid = abs(doc.credit_applied) + withheld

    d = {
        "BT-1": doc.invoice_no,
        "BT-2": doc.issue_date,
        "BT-3": CREDIT_NOTE_TYPE if cn else PREPAYMENT_TYPE if doc.deposit else INVOICE_TYPE,
        "BT-5": currency,
        "BT-24": EN_16931,
        "BT-72": doc.supply_date,
        "BG-4": _party(doc.seller_name, doc.seller_address, doc.seller_country,
                       doc.seller_tax_id, doc.seller_email),
        "BG-7": _party(doc.client_name, doc.client_address, doc.client_country,
                       doc.client_tax_id, doc.client_email),
        "BG-23": breakdown,
        "BG-25": [{
            "BT-126": "1", "BT-129": "1", "BT-130": "C62",
            "BT-131": money(net), "BT-146": money(net),
            "BT-151": cat.code, "BT-152": _pct(rate),
            "BT-153": doc.line_description or doc.invoice_no,
            **({"BT-154": doc.deliverable} if doc.deliverable else {}),
        }],
        "BT-106": money(net),
        "BT-109": money(net - off_total),
        "BT-110": money(tax),
        "BT-112": money(with_vat),
        "BT-115": money(with_vat - paid),
    }
    if offs:
        d["BT-107"] = money(off_total)
        d["BG-20"] = [{"amount": money(a.amount), "reason": a.reason,
                       "vat_category_code": a.category.code,
                       "vat_rate": _pct(a.rate)} for a in offs]
    if paid:
        d["BT-113"] = money(paid)
    if doc.po_number:
        d["BT-10"] = doc.po_number
    if cat.word == INTRA_COMMUNITY:           # BR-IC-12: the country delivered to
        d["BG-13"] = {"name": doc.client_name, "country_code": doc.client_country}
    notes = [n for n in (cat.reason(doc.tax_exemption_reason) if not cat.standard else "",
                         f"Retention withheld: {money(withheld)} {currency}, payable on its "
                         "release (its VAT is invoiced here)." if withheld else "",
                         doc.notes) if n]
    if notes:
        d["BG-1"] = [{"BT-22": n} for n in notes]
    if cn:
        d["BG-3"] = [{"BT-25": doc.related_invoice, "BT-26": doc.related_invoice_date}]
        d["BT-20"] = doc.payment_instructions
    else:
        d["BT-9"] = doc.due_date
        d["BT-20"] = "; ".join(x for x in (doc.payment_terms, doc.discount_note) if x)
        d["BT-83"] = doc.invoice_no
        if doc.iban:
            d["BT-81"] = SEPA_CREDIT_TRANSFER if currency == "EUR" else CREDIT_TRANSFER
            d["BT-84"] = compact_iban(doc.iban)
            if doc.bic:
                d["BT-86"] = compact_bic(doc.bic)
    return d


# ------------------------------------------------------------ requirements

def missing(doc, fmt: str) -> list[str]:
    """What an EN 16931 e-invoice of ``doc`` needs that the book leaves
    out, each in words naming the cell to fill (missing_fields' style), or
    [] when ``fmt`` is not an e-invoice format."""
    if fmt not in (FACTUR_X, UBL):
        return []
    ref = doc.invoice_no or "the invoice"
    proj = f"project {doc.project_id}" if doc.project_id else "the project"
    out = []
    if not doc.seller_country:
        out.append(f"Seller country is missing for {ref} as a {fmt} e-invoice: fill "
                   "'Company Country' on the Settings sheet.")
    if not doc.client_country:
        out.append(f"Client country is missing for {ref} as a {fmt} e-invoice: fill "
                   f"'Client Country' of {proj} on the Projects sheet.")
    if not doc.is_credit_note and not doc.iban:
        out.append(f"The account to pay is missing for {ref} as a {fmt} e-invoice: fill "
                   "'IBAN' on the Settings sheet.")
    if category(doc.tax_category).standard and not doc.tax_rate:
        out.append(f"Standard VAT at 0 % is refused by EN 16931 (BR-S-05) for {ref}: fill "
                   f"'Tax Category' of {proj} on the Projects sheet with the category that "
                   "applies (Zero rated, Exempt, Reverse charge, Intra-community, Export), or "
                   "give it a Tax Rate.")
    try:
        digits = minor_units(doc.currency)
    except ValueError:
        digits = 0
    if digits > MAX_DECIMALS:
        out.append(f"Amounts in {doc.currency} have {digits} decimals, more than the "
                   f"{MAX_DECIMALS} an EN 16931 e-invoice carries, for {ref}: change 'Currency' "
                   f"of {proj} on the Projects sheet, or set E-Invoice Format to None.")
    return out
