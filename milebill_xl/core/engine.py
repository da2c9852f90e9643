"""Compute every derived figure of a book as of one date.

``compute(book, as_of)`` composes the rule modules (allocation, terms,
invoices, flags, aging) into frozen results per milestone, per invoice and
per project, aging per currency, and the problems the rules find. It holds
no rule of its own beyond wiring; each rule lives in exactly one module.

Choices the engine makes where rules meet (also in the report to the team):

- A project can bill (its milestones may be ``Ready to Invoice``) only when
  its schedule passes (rule 2) *and* its currency and payment terms are
  understood: an invoice without a due date or minor unit cannot be issued.
  Otherwise an approved complete milestone is ``Blocked``.
- An unknown currency is allocated with two digits (Babel's default), so
  the sheet still shows amounts while the Currency cell is reported.
- A milestone whose Invoice No has no row in tblInvoices is allocated as if
  unissued (its planned amount), shows Paid Amount and Balance 0 and the
  flag ``Invoiced``; the Invoice No cell is reported.
- Bad ``Default Payment Terms`` / ``Default Currency`` settings are reported
  once on tblSettings (row None, column ``Value``), and on every project
  whose terms/currency cell therefore fails, naming the setting.
- A milestone naming an unknown project, and a payment naming an unknown
  invoice, are reported too. Such a milestone is never billable, takes the
  Default Currency and ``allocation.orphan_amounts`` (Fixed rounded, Percent 0).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Iterable, NamedTuple

from . import aging as aging_rules
from .allocation import allocate, orphan_amounts, schedule_message
from .deposits import deposit_amount, deposit_problems, is_deposit, recovery
from .flags import days_overdue, flag, is_billable
from .invoices import credits_by_invoice, invoice_figures, payments_by_invoice
from .money import (FALLBACK_CURRENCY, arithmetic, is_known_currency, normalize_currency,
                    round_money)
from .records import (CANCELLED, CREDIT_NOTE, INVOICE, INVOICES_TABLE, MILESTONES_TABLE,
                      PAYMENTS_TABLE, PROJECTS_TABLE, SETTINGS_TABLE, VOID, BookData, Milestone,
                      Problem, Project, replace)
from .retention import retention_held
from .tax import effective_rate, vat_problems
from .terms import Terms, TermsError, parse_terms


class MilestoneResult(NamedTuple):
    """Computed columns of one tblMilestones row."""

    milestone_id: str
    project_id: str
    row: int
    currency: str
    amount: Decimal
    invoice_no: str
    due_date: date | None
    paid_amount: Decimal
    balance: Decimal
    days_overdue: int
    flag: str
    billable: bool
    #: the rate its invoice is taxed at: its own Tax Rate, else its project's
    tax_rate: Decimal = Decimal(0)


class InvoiceResult(NamedTuple):
    """Computed columns of one tblInvoices row (invoice or credit note)."""

    invoice_no: str
    row: int
    type: str
    project_id: str
    milestone_id: str
    currency: str
    due_date: date | None
    net: Decimal
    total: Decimal
    paid: Decimal
    balance: Decimal
    status: str
    client: str = ""
    #: a voided invoice's money not yet carried to a new invoice (-Balance)
    credit: Decimal = Decimal(0)
    issue_date: date | None = None
    #: retention withheld and deposit recovered (net of tax), as written
    retention: Decimal = Decimal(0)
    deposit_applied: Decimal = Decimal(0)


class ProjectResult(NamedTuple):
    """Computed columns of one tblProjects row, plus what issuing needs.

    ``difference`` = allocated - contract value (positive: over-allocated).
    ``terms`` is None when the payment terms text is not understood.
    ``can_bill``: schedule passes, currency known and terms understood."""

    project_id: str
    row: int
    currency: str
    contract_value: Decimal
    allocated: Decimal
    billed: Decimal
    unbilled: Decimal
    collected: Decimal
    outstanding: Decimal
    schedule_ok: bool
    difference: Decimal
    terms: Terms | None
    can_bill: bool
    #: retention the client holds back (net of tax, core/retention.py)
    retention_held: Decimal = Decimal(0)
    #: the deposit invoiced (its Net; 0 while not invoiced) and how much of
    #: it the project's invoices have recovered so far (core/deposits.py)
    deposit: Decimal = Decimal(0)
    deposit_recovered: Decimal = Decimal(0)


@dataclass(frozen=True)
class Computation:
    """Everything ``compute`` derives, in sheet order, with lookups by id.

    ``aging`` maps currency -> bucket -> amount, all five buckets present
    for every currency of a project or an invoice."""

    as_of: date
    milestones: tuple[MilestoneResult, ...]
    invoices: tuple[InvoiceResult, ...]
    projects: tuple[ProjectResult, ...]
    aging: dict[str, dict[str, Decimal]] = field(hash=False)
    problems: tuple[Problem, ...]

    @cached_property
    def _milestones_by_id(self) -> dict[str, MilestoneResult]:
        return _first_by(self.milestones, "milestone_id")

    @cached_property
    def _invoices_by_no(self) -> dict[str, InvoiceResult]:
        return _first_by(self.invoices, "invoice_no")

    @cached_property
    def _projects_by_id(self) -> dict[str, ProjectResult]:
        return _first_by(self.projects, "project_id")

    def milestone(self, milestone_id: str) -> MilestoneResult:
        """The result for ``milestone_id``; KeyError when there is none."""
        return self._milestones_by_id[milestone_id]

    def invoice(self, invoice_no: str) -> InvoiceResult:
        return self._invoices_by_no[invoice_no]

    def project(self, project_id: str) -> ProjectResult:
        return self._projects_by_id[project_id]

    @property
    def ok(self) -> bool:
        return not self.problems


def _first_by(items, attr: str) -> dict:
    index: dict = {}
    for item in items:
        index.setdefault(getattr(item, attr), item)
    return index


def _in_sheet_order(rows: Iterable) -> list:
    """Rows sorted by their data row; stable, so equal rows keep tuple order."""
    return sorted(rows, key=lambda r: r.row)


def _settings_problems(book: BookData) -> tuple[list[Problem], bool, bool]:
    s = book.settings
    problems = []
    try:
        parse_terms(s.default_payment_terms)
        terms_ok = True
    except TermsError as exc:
        terms_ok = False
        problems.append(Problem(SETTINGS_TABLE, None, "Value", f"Setting Default Payment Terms: {exc}"))
    currency_ok = is_known_currency(s.default_currency)
    if not currency_ok:
        problems.append(Problem(SETTINGS_TABLE, None, "Value",
                                f"Setting Default Currency: unknown currency code {s.default_currency!r}; "
                                "use an ISO 4217 code such as USD, EUR or JPY"))
    return problems, terms_ok, currency_ok


def _project_setup(project: Project, book: BookData, default_terms_ok: bool,
                   default_currency_ok: bool) -> tuple[str | None, Terms | None, list[Problem]]:
    """The known currency (None when unknown), parsed terms (None when not
    understood), and the problems of both."""
    problems = []
    s = book.settings
    currency = normalize_currency(project.currency)
    if not is_known_currency(currency):
        note = (" (the Default Currency setting)"
                if not default_currency_ok and currency == normalize_currency(s.default_currency) else "")
        problems.append(Problem(PROJECTS_TABLE, project.row, "Currency",
                                f"Project {project.project_id}: unknown currency code {project.currency!r}{note}; "
                                "use an ISO 4217 code such as USD, EUR or JPY"))
        currency = None
    try:
        terms = parse_terms(project.payment_terms)
    except TermsError as exc:
        terms = None
        note = (" (the Default Payment Terms setting)"
                if not default_terms_ok and project.payment_terms == s.default_payment_terms else "")
        problems.append(Problem(PROJECTS_TABLE, project.row, "Payment Terms",
                                f"Project {project.project_id}{note}: {exc}"))
    return currency, terms, problems


def compute(book: BookData, as_of: date) -> Computation:
    """Derive every computed figure of ``book`` as of ``as_of``."""
    settings = book.settings
    problems: list[Problem] = []
    settings_problems, default_terms_ok, default_currency_ok = _settings_problems(book)
    problems += settings_problems
    # a problem in a project's own rows stops that project's billing only
    troubled = {p.project_id for p in book.problems if p.project_id and not p.wide}
    # VAT particulars (core/tax.py) stop the projects they are found in
    tax_problems = vat_problems(book)
    problems += tax_problems
    troubled |= {p.project_id for p in tax_problems if p.project_id}

    # Invoices: paid, balance, status.
    paid_by_no = payments_by_invoice(book.payments)
    settled_by_no = payments_by_invoice(book.payments, None)
    credited_by_no = credits_by_invoice(book.invoices)
    invoice_results = []
    for inv in _in_sheet_order(book.invoices):
        fig = invoice_figures(inv, paid_by_no.get(inv.invoice_no, inv.total * 0),
                              credited_by_no.get(inv.invoice_no),
                              settled_by_no.get(inv.invoice_no, inv.total * 0))
        invoice_results.append(InvoiceResult(
            invoice_no=inv.invoice_no, row=inv.row, type=inv.type, project_id=inv.project_id,
            milestone_id=inv.milestone_id, currency=normalize_currency(inv.currency),
            due_date=inv.due_date, net=inv.net, total=inv.total,
            paid=fig.paid, balance=fig.balance, status=fig.status, client=inv.client,
            credit=-fig.balance if (fig.status == VOID and fig.balance < 0) else fig.balance * 0,
            issue_date=inv.issue_date, retention=inv.retention,
            deposit_applied=inv.deposit_applied))
    invoice_by_no = _first_by(invoice_results, "invoice_no")

    # Milestones grouped by project, in sheet order.
    milestones = _in_sheet_order(book.milestones)
    project_by_id = _first_by(book.projects, "project_id")
    by_project: dict[str, list[Milestone]] = {}
    for m in milestones:
        by_project.setdefault(m.project_id, []).append(m)
        if m.project_id not in project_by_id:
            problems.append(Problem(MILESTONES_TABLE, m.row, "Project ID",
                                    f"Milestone {m.milestone_id} names project {m.project_id!r}, "
                                    "which is not on the Projects sheet"))
        if m.issued and m.invoice_no not in invoice_by_no:
            problems.append(Problem(MILESTONES_TABLE, m.row, "Invoice No",
                                    f"Milestone {m.milestone_id} names invoice {m.invoice_no}, "
                                    "which is not on the Invoices sheet", project_id=m.project_id))
            troubled.add(m.project_id)

    # Projects: allocation (rules 1, 2, 10) and totals.
    invoices_of: dict[str, list[InvoiceResult]] = {}   # grouped once: linear in rows
    for r in invoice_results:
        invoices_of.setdefault(r.project_id, []).append(r)
    amount_of: dict[int, Decimal] = {}          # id(milestone) -> amount
    can_bill_of: dict[str, bool] = {}
    project_results = []
    for project in _in_sheet_order(book.projects):
        currency, terms, setup_problems = _project_setup(
            project, book, default_terms_ok, default_currency_ok)
        rounding_currency = currency or FALLBACK_CURRENCY
        problems += [replace(p, project_id=project.project_id) for p in setup_problems]
        rows = by_project.get(project.project_id, [])
        issued = {m.milestone_id: invoice_by_no[m.invoice_no].net
                  for m in rows if m.issued and m.invoice_no in invoice_by_no}
        # deposits sit outside the schedule (rule 2): allocated on their own
        schedule = [m for m in rows if not is_deposit(m)]
        alloc = allocate(project.contract_value, rounding_currency, schedule, issued)
        for m, (_mid, amount) in zip(schedule, alloc.amounts):
            amount_of[id(m)] = amount
        for m in rows:
            if is_deposit(m):
                amount_of[id(m)] = (round_money(issued[m.milestone_id], rounding_currency)
                                    if m.milestone_id in issued and m.status != CANCELLED
                                    else deposit_amount(m, project.contract_value, rounding_currency))
        if not alloc.passes:
            problems.append(Problem(PROJECTS_TABLE, project.row, "Contract Value",
                                    schedule_message(project.project_id, alloc),
                                    project_id=project.project_id))
        amounts = {m.milestone_id: amount_of[id(m)] for m in rows}
        deposit_trouble = deposit_problems(project, rows, amounts, rounding_currency)
        problems += deposit_trouble
        can_bill = (alloc.passes and terms is not None and currency is not None
                    and project.project_id not in troubled and not deposit_trouble)
        can_bill_of.setdefault(project.project_id, can_bill)
        own = invoices_of.get(project.project_id, ())
        zero = round_money(0, rounding_currency)
        recovered = recovery(rows, amounts, invoice_by_no, rounding_currency)
        with arithmetic():
            # the work once: a deposit counts when invoiced, and what later
            # invoices recover of it does not count again
            billed = sum((r.net - r.deposit_applied for r in own
                          if r.type == INVOICE and r.status != VOID), zero)
            collected = sum((r.paid for r in own if r.type != CREDIT_NOTE), zero)
            outstanding = sum((r.balance for r in own if r.status != VOID), zero)
            unbilled = round_money(project.contract_value - billed, rounding_currency)
        project_results.append(ProjectResult(
            project_id=project.project_id, row=project.row,
            currency=normalize_currency(project.currency),
            contract_value=project.contract_value, allocated=alloc.allocated,
            billed=billed, unbilled=unbilled, collected=collected, outstanding=outstanding,
            schedule_ok=alloc.passes, difference=alloc.difference, terms=terms,
            can_bill=can_bill, retention_held=retention_held(own, rounding_currency),
            deposit=recovered.deposit or zero, deposit_recovered=recovered.recovered_total))

    # Milestones naming no project: nothing to share (allocation.orphan_amounts).
    orphans = [m for m in milestones if m.project_id not in project_by_id]
    orphan_issued = {m.milestone_id: invoice_by_no[m.invoice_no].net
                     for m in orphans if m.issued and m.invoice_no in invoice_by_no}
    for m, (_mid, amount) in zip(orphans, orphan_amounts(orphans, orphan_issued, FALLBACK_CURRENCY)):
        amount_of[id(m)] = amount

    # Milestones: money, overdue, billable, flag (rules 3, 6, 7).
    currency_of = {p.project_id: p.currency for p in project_results}
    rate_of = {p.project_id: p.tax_rate for p in book.projects}
    default_currency = normalize_currency(settings.default_currency)
    milestone_results = []
    for m in milestones:
        amount = amount_of[id(m)]
        inv = invoice_by_no.get(m.invoice_no) if m.issued else None
        due = (m.due_date or inv.due_date) if inv is not None else m.due_date
        paid = inv.paid if inv is not None else amount * 0
        balance = inv.balance if inv is not None else amount * 0
        overdue = days_overdue(due, balance, as_of, invoiced=inv is not None)
        billable = is_billable(m, amount, can_bill_of.get(m.project_id, False))
        word = flag(m, as_of=as_of, billable=billable,
                    balance=balance if inv is not None or not m.issued else None,
                    due=due, overdue_days=overdue, due_soon_days=settings.due_soon_days,
                    approval_sla_days=settings.approval_sla_days)
        milestone_results.append(MilestoneResult(
            milestone_id=m.milestone_id, project_id=m.project_id, row=m.row,
            currency=currency_of.get(m.project_id, default_currency), amount=amount,
            invoice_no=m.invoice_no, due_date=due, paid_amount=paid, balance=balance,
            days_overdue=overdue, flag=word, billable=billable,
            tax_rate=effective_rate(m.tax_rate, rate_of.get(m.project_id, settings.default_tax_rate))))

    # Payments naming no document.
    for p in _in_sheet_order(book.payments):
        if p.invoice_no not in invoice_by_no:
            problems.append(Problem(PAYMENTS_TABLE, p.row, "Invoice No",
                                    f"Payment of {p.amount} names invoice {p.invoice_no!r}, "
                                    "which is not on the Invoices sheet", invoice_no=p.invoice_no))

    # Aging (rule 8) per currency.
    open_items = [aging_rules.OpenItem(r.currency, r.due_date, r.balance) for r in invoice_results
                  if aging_rules.counts_for_aging(r.type, r.status, r.balance)]
    currencies = [r.currency for r in project_results] + [r.currency for r in invoice_results]
    aging = aging_rules.age(open_items, as_of, currencies)

    return Computation(
        as_of=as_of,
        milestones=tuple(milestone_results),
        invoices=tuple(invoice_results),
        projects=tuple(project_results),
        aging=aging,
        problems=tuple(problems),
    )


def billable_milestones(source: Computation | BookData, as_of: date | None = None
                        ) -> tuple[MilestoneResult, ...]:
    """The billable milestones in sheet order: the ones ``issue`` invoices
    (rule 4). Accepts a ``Computation`` or a ``BookData`` (computed as of
    ``as_of``, default today: billability does not depend on the date)."""
    if isinstance(source, BookData):
        source = compute(source, as_of or date.today())
    return tuple(m for m in source.milestones if m.billable)
