"""Worksheet functions (xlwings UDFs), each a thin wrapper over ``core``.

Import them into Excel with xlwings' *Import Functions* (module
``milebill_xl.excel.udfs``). Every function turns Excel's arguments into
core types, calls the one implementation of the rule and turns the answer
back; none computes anything itself. Bad arguments give a readable text
such as ``#MILEBILL: unknown payment terms 'Net thirty'``, never a
traceback.

=================================================  ==========================================
``MB_ALLOCATE(contract_value, percents, currency)``  amounts of percent milestones (rule 1),
                                                     a vertical dynamic array
``MB_DUE_DATE(invoice_date, terms)``                 due date (rule 5)
``MB_DAYS_OVERDUE(due_date, balance, [as_of])``      days overdue (rule 6)
``MB_FLAG(status, approval, invoice_no, balance,     the milestone flag (rule 7)
due_date, completed_date, planned_date, billable,
[as_of], [due_soon_days], [sla_days],
[approval_requested])``
``MB_INVOICE(total, amounts, kinds, [credited],       an invoice's [Paid, Balance] from its
currency, [part])``                                  tblPayments rows (Amount, Kind)
``MB_AGING_BUCKET(due_date, [as_of])``               Current, 1-30, 31-60, 61-90, 90+ (rule 8)
``MB_DISCOUNT(terms, invoice_date, total, currency,  early-payment discount: [amount, deadline]
[part])``                                            or one of them (part "amount"/"deadline")
``MB_CHARGE(net, tax_rate, retainage,                 a milestone invoice's [Retention, Tax,
[deposit_applied], [retention_tax], currency)``      Total] (Total: the amount due now)
``MB_RELEASE(held, tax_rate, [retention_tax],        a Retention Release invoice's [Tax, Total]
currency)``
``MB_DEPOSIT(contract_value, percent, fixed_amount,  a deposit milestone's amount
currency)``
``MB_DEPOSIT_SHARES(deposit, amounts, currency)``    each later milestone's share of the deposit
                                                     (cumulative rounding), a vertical array
=================================================  ==========================================

Dates may arrive as dates, as Excel serial numbers (a cell not formatted
as a date) or as ISO text; a blank ``as_of`` is today. Money is returned as
a float of the exactly rounded decimal amount.

When these functions are used in a workbook that is emailed, the reader
lacks the add-in: the Prepare for Sharing button replaces them by values.
"""
from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from decimal import Decimal

import xlwings as xw

from ..core import aging, allocation, deposits, flags, retention, terms as core_terms
from ..core.money import is_known_currency, normalize_currency
from ..core.invoices import invoice_figures, payments_by_invoice
from ..core.records import (APPROVALS, DEPOSIT, ON_RELEASE, PAYMENT, PAYMENT_KINDS,
                            RETENTION_TAX_MODES, STATUSES, Invoice, Milestone, Payment, Settings)
from ..workbook.cells import CellProblem, to_decimal, to_percent, to_text

#: the Settings defaults (Due Soon Days, Approval SLA Days) for omitted arguments
_DEFAULTS = Settings()

PREFIX = "#MILEBILL: "
CATEGORY = "MileBill"
_EPOCH = date(1899, 12, 30)  # Excel's 1900 date system (serial 61 = 1900-03-01)


class _Bad(ValueError):
    """An argument the function cannot use; its text is shown in the cell."""


def _safe(fn):
    """Return ``#MILEBILL: <message>`` instead of raising."""
    @functools.wraps(fn)
    def wrapper(*args):
        try:
            return fn(*args)
        except (_Bad, CellProblem, core_terms.TermsError) as exc:
            return PREFIX + str(exc)
        except Exception as exc:  # noqa: BLE001 - a cell shows text, never a traceback
            return f"{PREFIX}{type(exc).__name__}: {exc}"
    return wrapper


# ------------------------------------------------------------ arguments

def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _date(value, label: str, required: bool = True) -> date | None:
    if _blank(value):
        if required:
            raise _Bad(f"{label} is blank")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise _Bad(f"{label} must be a date, got {value}")
    if isinstance(value, (int, float)):
        if not 1 <= value < 2958466:
            raise _Bad(f"{label} must be a date, got the number {value}")
        days = int(value)
        return _EPOCH + timedelta(days=days if days >= 61 else days + 1)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise _Bad(f"{label} must be a date such as 2026-11-25, got '{value.strip()}'") from None
    raise _Bad(f"{label} must be a date, got {value!r}")


def _as_of(value) -> date:
    return _date(value, "as_of", required=False) or date.today()


def _money(value, label: str, blank=Decimal(0)) -> Decimal:
    d = to_decimal(value, label)
    return blank if d is None else d


def _currency(value) -> str:
    code = to_text(value, "currency").upper()
    if not code:
        raise _Bad("currency is blank")
    if not is_known_currency(code):
        raise _Bad(f"unknown currency '{code}'")
    return normalize_currency(code)


def _terms(value) -> core_terms.Terms:
    text = to_text(value, "terms")
    if not text:
        raise _Bad("payment terms are blank")
    try:
        return core_terms.parse_terms(text)
    except core_terms.TermsError:
        raise _Bad(f"unknown payment terms '{text}'") from None


def _int(value, label: str, default: int) -> int:
    if _blank(value):
        return default
    d = to_decimal(value, label)
    if d != d.to_integral_value() or d < 0:
        raise _Bad(f"{label} must be a whole number of days, got {value}")
    return int(d)


def _bool(value, label: str) -> bool:
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    text = str(value).strip().upper()
    if text in ("TRUE", "YES", "1"):
        return True
    if text in ("FALSE", "NO", "0"):
        return False
    raise _Bad(f"{label} must be TRUE or FALSE, got '{value}'")


def _flat(values) -> list:
    if not isinstance(values, (list, tuple)):
        return [values]
    out = []
    for v in values:
        out.extend(_flat(v) if isinstance(v, (list, tuple)) else [v])
    return out


def _out(amount: Decimal) -> float:
    return float(amount)


# ------------------------------------------------------------ functions

@xw.func(category=CATEGORY)
@xw.arg("percents", ndim=1)
@xw.ret(transpose=True)
@_safe
def MB_ALLOCATE(contract_value, percents, currency):  # noqa: N802 - Excel's name
    """Amounts of percent milestones by cumulative rounding (rule 1): one
    amount per percent, summing exactly to round(V * sum of percents)."""
    cur = _currency(currency)
    value = to_decimal(contract_value, "contract_value")
    if value is None:
        raise _Bad("contract_value is blank")
    shares = [to_percent(p, f"percent {k}") or Decimal(0)
              for k, p in enumerate(_flat(percents), start=1)]
    amounts = allocation.cumulative_split(value, shares, Decimal(1), cur)
    return [_out(a) for a in amounts]


@xw.func(category=CATEGORY)
@xw.arg("invoice_date", dates=date)
@_safe
def MB_DUE_DATE(invoice_date, terms):  # noqa: N802
    """The due date of an invoice dated invoice_date under payment terms (rule 5)."""
    return core_terms.due_date(_terms(terms), _date(invoice_date, "invoice_date"))


@xw.func(category=CATEGORY)
@xw.arg("due_date", dates=date)
@xw.arg("as_of", dates=date)
@_safe
def MB_DAYS_OVERDUE(due_date, balance, as_of=None):  # noqa: N802
    """Days from due_date to as_of when the balance is above zero, else 0 (rule 6)."""
    due = _date(due_date, "due_date", required=False)
    return flags.days_overdue(due, _money(balance, "balance"), _as_of(as_of),
                              invoiced=due is not None)


@xw.func(category=CATEGORY)
@xw.arg("due_date", dates=date)
@xw.arg("completed_date", dates=date)
@xw.arg("planned_date", dates=date)
@xw.arg("as_of", dates=date)
@xw.arg("approval_requested", dates=date)
@_safe
def MB_FLAG(status, approval, invoice_no, balance, due_date, completed_date,  # noqa: N802
            planned_date, billable, as_of=None, due_soon_days=None, sla_days=None,
            approval_requested=None):
    """The milestone's flag (rule 7). ``balance`` blank with an Invoice No
    means the invoice is unknown (flag Invoiced); ``billable`` is rule 3's
    answer (the template's Billable column); ``approval_requested`` is the
    milestone's Approval Requested (a void asks again: the approval wait
    counts from the later of it and Completed Date)."""
    when = _as_of(as_of)
    number = to_text(invoice_no, "invoice_no")
    due = _date(due_date, "due_date", required=False)
    m = Milestone(milestone_id="", project_id="",
                  status=_word(status, "status", flags_words=STATUSES),
                  approval=_word(approval, "approval", flags_words=APPROVALS),
                  invoice_no=number, due_date=due,
                  completed_date=_date(completed_date, "completed_date", required=False),
                  planned_date=_date(planned_date, "planned_date", required=False),
                  approval_requested=_date(approval_requested, "approval_requested",
                                           required=False))
    bal = None if (number and _blank(balance)) else _money(balance, "balance")
    overdue = flags.days_overdue(due, bal, when, invoiced=bool(number)) if bal is not None else 0
    return flags.flag(m, as_of=when, billable=_bool(billable, "billable"), balance=bal, due=due,
                      overdue_days=overdue,
                      due_soon_days=_int(due_soon_days, "due_soon_days", _DEFAULTS.due_soon_days),
                      approval_sla_days=_int(sla_days, "sla_days", _DEFAULTS.approval_sla_days))


def _word(value, label: str, flags_words: tuple[str, ...]) -> str:
    """A contract word matched ignoring case; blank stays blank."""
    text = " ".join(to_text(value, label).split())
    if not text:
        return ""
    for w in flags_words:
        if w.lower() == text.lower():
            return w
    raise _Bad(f"{label} '{text}' is not one of {', '.join(flags_words)}")


@xw.func(category=CATEGORY)
@xw.arg("due_date", dates=date)
@xw.arg("as_of", dates=date)
@_safe
def MB_AGING_BUCKET(due_date, as_of=None):  # noqa: N802
    """Current, 1-30, 31-60, 61-90 or 90+ (rule 8); no due date is Current."""
    due = _date(due_date, "due_date", required=False)
    return aging.bucket(0 if due is None else (_as_of(as_of) - due).days)


@xw.func(category=CATEGORY)
@xw.arg("invoice_date", dates=date)
@_safe
def MB_DISCOUNT(terms, invoice_date, total, currency, part=None):  # noqa: N802
    """Early-payment discount of D/N Net M terms: [amount, deadline] (a row),
    or just "amount" / "deadline" with ``part``; terms without a discount
    give amount 0 and a blank deadline."""
    t = _terms(terms)
    cur = _currency(currency)
    amount = _out(core_terms.discount_amount(t, _money(total, "total"), cur))
    found = core_terms.discount(t, _date(invoice_date, "invoice_date"))
    deadline = found.deadline if found is not None else ""
    which = to_text(part, "part").lower()
    if which in ("", "both"):
        return [amount, deadline]
    if which == "amount":
        return amount
    if which == "deadline":
        return deadline
    raise _Bad(f"part must be amount or deadline, got '{which}'")


@xw.func(category=CATEGORY)
@xw.arg("amounts", ndim=1)
@xw.arg("kinds", ndim=1)
@_safe
def MB_INVOICE(total, amounts, kinds, credited=None, currency=None, part=None):  # noqa: N802
    """An invoice's [Paid, Balance] (a row), or one of them with ``part``
    ("paid" / "balance"), from the Amount and Kind of its tblPayments rows:
    Paid counts Payment (blank) and Credit Applied rows, Balance = Total +
    ``credited`` (its credit notes' Totals, negative) - every row."""
    cur = _currency(currency)
    values = [_money(a, "amounts") for a in _flat(amounts)]
    words = [_kind(k) for k in _flat(kinds)]
    if len(words) != len(values):
        raise _Bad(f"amounts has {len(values)} cells but kinds has {len(words)}")
    rows = [Payment(None, "X", a, kind=k) for a, k in zip(values, words) if a]
    fig = invoice_figures(Invoice("X", total=_money(total, "total"), currency=cur),
                          payments_by_invoice(rows).get("X", Decimal(0)),
                          None if _blank(credited) else _money(credited, "credited"),
                          payments_by_invoice(rows, None).get("X", Decimal(0)))
    which = to_text(part, "part").lower()
    if which in ("", "both"):
        return [_out(fig.paid), _out(fig.balance)]
    if which in ("paid", "balance"):
        return _out(getattr(fig, which))
    raise _Bad(f"part must be paid or balance, got '{which}'")


def _rate(value, label: str) -> Decimal:
    return to_percent(value, label) or Decimal(0)


def _retention_tax(value) -> str:
    """Settings Retention Tax; blank is On release."""
    return _word(value, "retention_tax", RETENTION_TAX_MODES) or ON_RELEASE


@xw.func(category=CATEGORY)
@_safe
def MB_CHARGE(net, tax_rate, retainage, deposit_applied=None, retention_tax=None,  # noqa: N802
              currency=None):
    """A milestone invoice of ``net``: [Retention, Tax, Total] (a row).
    Retention = round(Net x retainage); Tax on Net - Retention - Deposit
    Applied (``On release``) or Net - Deposit Applied (``On invoice``);
    Total = Net - Retention - Deposit Applied + Tax, the amount due now."""
    c = retention.milestone_charge(_money(net, "net"), _rate(tax_rate, "tax_rate"),
                                   _rate(retainage, "retainage"),
                                   _money(deposit_applied, "deposit_applied"),
                                   _retention_tax(retention_tax), _currency(currency))
    return [_out(c.retention), _out(c.tax), _out(c.total)]


@xw.func(category=CATEGORY)
@_safe
def MB_RELEASE(held, tax_rate, retention_tax=None, currency=None):  # noqa: N802
    """The Retention Release invoice for ``held``: [Tax, Total] (a row);
    no tax when the invoices charged it (``On invoice``)."""
    c = retention.release_charge(_money(held, "held"), _rate(tax_rate, "tax_rate"),
                                 _retention_tax(retention_tax), _currency(currency))
    return [_out(c.tax), _out(c.total)]


@xw.func(category=CATEGORY)
@_safe
def MB_DEPOSIT(contract_value, percent, fixed_amount, currency):  # noqa: N802
    """A Deposit milestone's amount: round(contract value x percent) when
    percent is filled, else round(fixed amount)."""
    m = Milestone("", "", basis=DEPOSIT, percent=_rate(percent, "percent"),
                  fixed_amount=_money(fixed_amount, "fixed_amount"))
    return _out(deposits.deposit_amount(m, _money(contract_value, "contract_value"),
                                        _currency(currency)))


@xw.func(category=CATEGORY)
@xw.arg("amounts", ndim=1)
@xw.ret(transpose=True)
@_safe
def MB_DEPOSIT_SHARES(deposit, amounts, currency):  # noqa: N802
    """Each later milestone's share of the deposit (its Deposit Applied), in
    proportion to ``amounts`` by cumulative rounding: a vertical array that
    adds up exactly to the deposit."""
    cur = _currency(currency)
    values = [_money(a, "amounts") for a in _flat(amounts)]
    total = sum(values, Decimal(0))
    if total <= 0:
        raise _Bad("amounts add up to nothing; there is nothing to recover the deposit from")
    return [_out(a) for a in allocation.cumulative_split(_money(deposit, "deposit"), values,
                                                         total, cur)]


def _kind(value) -> str:
    """A tblPayments Kind; blank is a Payment."""
    text = " ".join(to_text(value, "kinds").split())
    if not text:
        return PAYMENT
    for w in PAYMENT_KINDS:
        if w.lower() == text.lower():
            return w
    raise _Bad(f"kind '{text}' is not one of {', '.join(PAYMENT_KINDS)}")


__all__ = ["MB_ALLOCATE", "MB_DUE_DATE", "MB_DAYS_OVERDUE", "MB_FLAG", "MB_AGING_BUCKET",
           "MB_DISCOUNT", "MB_INVOICE", "MB_CHARGE", "MB_RELEASE", "MB_DEPOSIT",
           "MB_DEPOSIT_SHARES", "PREFIX"]
