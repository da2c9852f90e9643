"""The values of the helper columns (formulas.py), as Excel computes them,
so every formula cell the tool writes carries a cached value: file
previews, calamine, pandas and other readers that do not recalculate see
what Excel shows. Each value follows its column's formula text in
formulas.py; the LibreOffice recalculation tests compare every one.

``helper_values(book, comp)`` returns table -> header -> {data row: value};
rows not in the book's records (blank rows) are left to the caller ("").
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from ..core.engine import Computation
from ..core.money import arithmetic, minor_units, round_digits, round_share
from ..core.records import (APPROVED, CANCELLED, COMPLETE, CREDIT_NOTE, DEPOSIT, FIXED, PAID,
                            PERCENT, BookData)
from ..workbook.contract import INVOICES, MILESTONES, PROJECTS
from .formulas import FALLBACK_DIGITS

_ZERO = Decimal(0)
_SPACES = (" ", "\u00a0", "\t", "\n", "\r")


def digits_for(currency: str, known) -> int:
    """The minor-unit digits the formulas look up for ``currency`` in the
    workbook's currency list ``known`` (``digits_of``): 2 when it is not
    there."""
    try:
        return minor_units(currency) if currency in known or not known else FALLBACK_DIGITS
    except ValueError:
        return FALLBACK_DIGITS


_round = round_digits


def terms_key(text: str) -> str:
    """Payment terms lower-cased without spaces (formulas._terms_key)."""
    for ch in _SPACES:
        text = text.replace(ch, "")
    return text.lower()


def _fixed(amount: Decimal, digits: int) -> str:
    """Excel's FIXED(ROUND(ROUND(amount, digits+5), digits), digits) (the
    Schedule formula): thousands separators, ``digits`` decimals."""
    return f"{round_share(amount, digits):,.{digits}f}"


def helper_values(book: BookData, comp: Computation) -> dict[str, dict[str, dict[int, object]]]:
    out: dict[str, dict[str, dict[int, object]]] = defaultdict(lambda: defaultdict(dict))
    known = book.currencies
    invoice_at = {}
    for inv in book.invoices:
        invoice_at.setdefault(inv.invoice_no, inv)
    projects = {p.project_id: p for p in book.projects}
    amounts = {r.milestone_id: r.amount for r in comp.milestones}
    rates = {r.milestone_id: r.tax_rate for r in comp.milestones}
    project_results = {r.project_id: r for r in comp.projects}
    digits_of = {p.project_id: digits_for(p.currency, known) for p in book.projects}

    # ---- milestones (projects sum them)
    m_out = out[MILESTONES.name]
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    has_issued: dict[str, bool] = defaultdict(bool)
    negative: dict[str, bool] = defaultdict(bool)
    cum: dict[str, Decimal] = defaultdict(Decimal)
    plan_cum: dict[str, Decimal] = defaultdict(Decimal)
    with arithmetic():
        for m in sorted(book.milestones, key=lambda m: m.row):
            r = m.row
            p = projects.get(m.project_id)
            inv = invoice_at.get(m.invoice_no) if m.invoice_no else None
            ir = inv.row + 1 if inv is not None else 0
            cancelled = m.status == CANCELLED
            d = digits_of[m.project_id] if p else FALLBACK_DIGITS
            issued_net = inv.net if (ir and not cancelled) else _ZERO
            live = ir == 0 and not cancelled
            fixed_part = _round(m.fixed_amount, d) if live and m.basis == FIXED else _ZERO
            weight = m.percent if live and m.basis == PERCENT else _ZERO
            if weight:
                cum[m.project_id] += weight
            plan_weight = m.percent if not cancelled and m.basis == PERCENT else _ZERO
            if plan_weight:
                plan_cum[m.project_id] += plan_weight
            plan_amount = _ZERO
            if weight and p:
                v, pc = p.contract_value, plan_cum[m.project_id]
                plan_amount = round_share(v * pc, d) - round_share(v * (pc - plan_weight), d)
            m_out["Project Row"][r] = p.row + 1 if p else 0
            m_out["Invoice Row"][r] = ir
            m_out["Project Currency"][r] = str(p.currency if p else book.settings.default_currency)
            m_out["Digits"][r] = d
            m_out["Eff Basis"][r] = m.basis
            due = m.due_date or (inv.due_date if inv is not None else None)
            m_out["Eff Due Date"][r] = due if due is not None else ""
            m_out["Issued Net"][r] = issued_net
            m_out["Fixed Part"][r] = fixed_part
            m_out["Weight"][r] = weight
            m_out["Cum Weight"][r] = cum[m.project_id] if weight else _ZERO
            m_out["Plan Weight"][r] = plan_weight
            m_out["Plan Cum Weight"][r] = plan_cum[m.project_id] if plan_weight else _ZERO
            m_out["Plan Amount"][r] = plan_amount
            pr = project_results.get(m.project_id)
            m_out["Eff Tax Rate"][r] = rates[m.milestone_id]
            m_out["Approval Days"][r] = (
                (m.approval_date - m.completed_date).days
                if m.approval == APPROVED and m.approval_date and m.completed_date else "")
            m_out["Billable"][r] = bool(
                m.status == COMPLETE and m.approval == APPROVED and not m.invoice_no
                and amounts.get(m.milestone_id, _ZERO) > 0 and pr is not None and pr.can_bill)
            s = sums[m.project_id]
            if m.basis != DEPOSIT:      # a deposit sits outside the schedule
                s["issued"] += issued_net
                has_issued[m.project_id] |= bool(ir) and not cancelled
                negative[m.project_id] |= amounts.get(m.milestone_id, _ZERO) < 0
            s["fixed"] += fixed_part
            s["percent"] += weight
            s["plan"] += plan_amount

        # ---- projects
        p_out = out[PROJECTS.name]
        for p in book.projects:
            r, d, s = p.row, digits_of[p.project_id], sums[p.project_id]
            res = project_results.get(p.project_id)
            key = terms_key(p.payment_terms or book.settings.default_payment_terms)
            p_out["Eff Currency"][r] = str(p.currency)
            p_out["Digits"][r] = d
            p_out["Issued Net"][r] = _round(s["issued"], d)
            p_out["Unissued Fixed"][r] = _round(s["fixed"], d)
            p_out["Unissued Percent"][r] = s["percent"]
            p_out["Has Issued"][r] = has_issued[p.project_id]
            remainder = _round(p.contract_value - _round(s["issued"], d) - _round(s["fixed"], d), d)
            p_out["Remainder"][r] = remainder
            p_out["Drift"][r] = _round(remainder - s["plan"], d) if has_issued[p.project_id] else _ZERO
            allocated = res.allocated if res else _ZERO
            v = p.contract_value
            p_out["Schedule"][r] = ("Negative amount" if negative[p.project_id] else
                                    "OK" if allocated == v else
                                    f"Under by {_fixed(v - allocated, d)}" if allocated < v else
                                    f"Over by {_fixed(allocated - v, d)}")
            p_out["Terms Key"][r] = key
            p_out["Terms OK"][r] = bool(res is not None and res.terms is not None)
            p_out["Can Bill"][r] = bool(res is not None and res.can_bill)
            p_out["Eff Tax Rate"][r] = p.tax_rate

        # ---- invoices
        i_out = out[INVOICES.name]
        credited: dict[str, Decimal] = defaultdict(Decimal)
        for inv in book.invoices:
            if inv.type == CREDIT_NOTE and inv.related_invoice:
                credited[inv.related_invoice] += inv.total
        last_paid: dict[str, object] = {}
        for pay in book.payments:
            if pay.payment_date and pay.payment_date > last_paid.get(pay.invoice_no, pay.payment_date.min):
                last_paid[pay.invoice_no] = pay.payment_date
        status = {r.invoice_no: r.status for r in comp.invoices}
        for inv in book.invoices:
            paid_on = last_paid.get(inv.invoice_no)
            i_out["Days To Pay"][inv.row] = (
                (paid_on - inv.issue_date).days
                if inv.type != CREDIT_NOTE and status.get(inv.invoice_no) == PAID
                and inv.issue_date and paid_on else "")
        for inv in book.invoices:
            d = digits_for(inv.currency, known)
            i_out["Digits"][inv.row] = d
            i_out["Credited"][inv.row] = (_ZERO if inv.type == CREDIT_NOTE
                                          else _round(credited.get(inv.invoice_no, _ZERO), d))
    return out
