"""Deposits (issue 13 item 2): a milestone of Basis ``Deposit``, invoiced
like any other once approved, outside the schedule sum (rule 2 leaves it
out), and recovered from the project's later milestone invoices.

- Its amount: ``round(Contract Value x Percent)`` when Percent is filled,
  else ``round(Fixed Amount)``; once invoiced, its invoice's Net.
- One deposit per project (a second one that is not Cancelled is a
  problem on its Basis cell).
- Recovery: the deposit ``D`` (its invoice's Net) is shared by the
  project's *sharers*, the schedule milestones (not Cancelled, not
  deposits) not yet invoiced when the deposit invoice was issued, in
  proportion to their amounts, by cumulative rounding in sheet order
  (``allocation.cumulative_split``): the k-th takes
  ``round(D*A_k/T) - round(D*A_{k-1}/T)`` with ``A_k`` the cumulative and
  ``T`` the total of their amounts. Each invoice of a sharer records its
  share as ``Deposit Applied``; the last sharer invoiced recovers the rest
  to the cent (``D`` - what the others' current invoices recovered), so a
  change order or a void on the way cannot leave a cent unrecovered. No
  invoice recovers more than its Net or less than 0. "Before" compares
  (Issue Date, row) of the invoices: rows are appended as issued.
- Nothing is recovered while the deposit is not invoiced (or its invoice
  is void).
- Problems (each on its cell, each stopping the project's billing): a
  deposit larger than the schedule work not yet invoiced (there is not
  enough left to recover it from); Retainage % plus the deposit's share of
  the contract above 100 % (invoices would ask for less than nothing).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

from .allocation import cumulative_split
from .money import arithmetic, format_amount, round_money
from .records import CANCELLED, DEPOSIT, VOID, Milestone, Problem, Project
from .words import excel

MILESTONES_TABLE, PROJECTS_TABLE = "tblMilestones", "tblProjects"


def is_deposit(m: Milestone) -> bool:
    return m.basis == DEPOSIT


def deposit_amount(m: Milestone, contract_value: Decimal, currency: str) -> Decimal:
    """An uninvoiced deposit's amount: its Percent of the contract value,
    else its Fixed Amount; 0 when cancelled."""
    if m.status == CANCELLED:
        return round_money(0, currency)
    with arithmetic():
        if m.percent:
            return round_money(contract_value * m.percent, currency)
        return round_money(m.fixed_amount, currency)


def the_deposit(rows: Iterable[Milestone]) -> Milestone | None:
    """The project's deposit milestone (the first that is not cancelled)."""
    return next((m for m in rows if is_deposit(m) and m.status != CANCELLED), None)


@dataclass
class Recovery:
    """One project's deposit while invoices are priced in issue order.

    ``deposit``: D, the Net of the deposit's current invoice (None while it
    is not invoiced); ``sharers``: (milestone id, amount) in sheet order;
    ``recovered``: what the current invoice of each invoiced sharer
    recovered; ``invoiced``: the sharers with a current invoice."""

    currency: str
    deposit: Decimal | None = None
    sharers: list[tuple[str, Decimal]] = field(default_factory=list)
    recovered: dict[str, Decimal] = field(default_factory=dict)
    invoiced: set[str] = field(default_factory=set)
    #: schedule milestones (id -> amount) in sheet order, to choose the
    #: sharers when the deposit is invoiced in this run
    schedule: list[tuple[str, Decimal]] = field(default_factory=list)

    def issue_deposit(self, net: Decimal) -> None:
        """The deposit is invoiced now: every schedule milestone not yet
        invoiced shares it."""
        self.deposit = net
        self.sharers = [(mid, a) for mid, a in self.schedule if mid not in self.invoiced]
        self.recovered = {}

    def take(self, milestone_id: str, net: Decimal) -> Decimal:
        """Deposit Applied of a new invoice of ``milestone_id`` for ``net``
        (recorded, so the next call sees it)."""
        zero = round_money(0, self.currency)
        ids = [mid for mid, _ in self.sharers]
        if self.deposit is None or milestone_id not in ids:
            self.invoiced.add(milestone_id)
            return zero
        pending = [mid for mid in ids if mid not in self.invoiced]
        with arithmetic():
            if pending == [milestone_id]:
                share = self.deposit - sum(self.recovered.values(), zero)
            else:
                amounts = [a for _, a in self.sharers]
                split = cumulative_split(self.deposit, amounts, sum(amounts, zero) or Decimal(1),
                                         self.currency)
                share = split[ids.index(milestone_id)]
            share = max(zero, min(round_money(share, self.currency), net))
        self.recovered[milestone_id] = share
        self.invoiced.add(milestone_id)
        return share

    @property
    def recovered_total(self) -> Decimal:
        with arithmetic():
            return sum(self.recovered.values(), round_money(0, self.currency))


def recovery(rows: Sequence[Milestone], amounts: Mapping[str, Decimal],
             invoices: Mapping[str, object], currency: str) -> Recovery:
    """The deposit recovery of one project as its book stands. ``rows``: its
    milestones in sheet order; ``amounts``: milestone id -> Amount;
    ``invoices``: invoice no -> the engine's invoice result (``status``,
    ``net``, ``deposit_applied``, ``issue_date``, ``row``)."""
    def current(m: Milestone):
        inv = invoices.get(m.invoice_no) if m.invoice_no else None
        return inv if inv is not None and inv.status != VOID else None

    def key(inv):
        return (inv.issue_date is None, inv.issue_date or 0, inv.row)

    dep = the_deposit(rows)
    if dep is None:        # nothing to recover, and no deposit to issue in a run
        return Recovery(currency)
    schedule = [m for m in rows if not is_deposit(m) and m.status != CANCELLED]
    out = Recovery(currency, schedule=[(m.milestone_id, amounts.get(m.milestone_id, Decimal(0)))
                                       for m in schedule])
    out.invoiced = {m.milestone_id for m in schedule if current(m) is not None}
    dep_inv = current(dep)
    if dep_inv is None:
        return out
    out.deposit = dep_inv.net
    dep_key = key(dep_inv)
    out.sharers = [(m.milestone_id, amounts.get(m.milestone_id, Decimal(0))) for m in schedule
                   if current(m) is None or key(current(m)) > dep_key]
    out.recovered = {m.milestone_id: current(m).deposit_applied for m in schedule
                     if current(m) is not None and key(current(m)) > dep_key}
    return out


def deposit_problems(project: Project, rows: Sequence[Milestone], amounts: Mapping[str, Decimal],
                     currency: str) -> list[Problem]:
    """Deposits that cannot work, on their cells: a second deposit, a
    deposit larger than the work left to recover it from, retention and
    deposit together above the contract."""
    out = []
    deposits = [m for m in rows if is_deposit(m) and m.status != CANCELLED]
    pid = project.project_id
    for extra in deposits[1:]:
        out.append(Problem(MILESTONES_TABLE, extra.row, "Basis",
                           f"Milestone {extra.milestone_id}: project {pid} already has a deposit "
                           f"({deposits[0].milestone_id}); a project takes one deposit "
                           "(cancel one, or make it a Fixed milestone)", project_id=pid))
    if not deposits:
        return out
    dep = deposits[0]
    d = amounts.get(dep.milestone_id, Decimal(0))
    column = "Percent" if dep.percent else "Fixed Amount"
    if not dep.issued:
        with arithmetic():
            left = sum((amounts.get(m.milestone_id, Decimal(0)) for m in rows
                        if not is_deposit(m) and m.status != CANCELLED and not m.issued),
                       round_money(0, currency))
        if d > left:
            out.append(Problem(MILESTONES_TABLE, dep.row, column,
                               f"Deposit {dep.milestone_id} of {format_amount(d, currency)} is more "
                               f"than the work left to invoice on project {pid} "
                               f"({format_amount(left, currency)}), from which it is recovered; "
                               "lower it or cancel it", project_id=pid))
    value = project.contract_value
    if value > 0 and project.retainage_pct:
        with arithmetic():
            share = d / value
        if project.retainage_pct + share > 1:
            out.append(Problem(PROJECTS_TABLE, project.row, "Retainage %",
                               f"Project {pid}: Retainage % ({_pct(project.retainage_pct)}) and the "
                               f"deposit {dep.milestone_id} ({_pct(share)} of the contract) together "
                               "exceed 100 %: its invoices would ask for less than nothing; "
                               "lower one of them", project_id=pid))
    return out


def deposit_problems_formula(rows: str, basis: str, status: str, invoice_row: str,
                             amount: str, value: str, retainage: str) -> str:
    """Excel text, TRUE when :func:`deposit_problems` finds one, for the
    project's Can Bill. ``rows``: the criteria pair selecting the
    project's milestones (``tblMilestones[Project ID],<its ID>``);
    ``basis``, ``status``, ``invoice_row`` (0: not invoiced) and ``amount``:
    those milestone columns; ``value`` and ``retainage``: the project's
    Contract Value and Retainage %."""
    live = f'{rows},{basis},{excel(DEPOSIT)},{status},{excel("<>" + CANCELLED)}'
    count = f"COUNTIFS({live})"
    left = (f'SUMIFS({amount},{rows},{basis},{excel("<>" + DEPOSIT)},'
            f'{status},{excel("<>" + CANCELLED)},{invoice_row},0)')
    return (f"OR({count}>1,"
            f"AND({count}=1,COUNTIFS({live},{invoice_row},0)=1,SUMIFS({amount},{live})>{left}),"
            f"AND({count}=1,{value}>0,{retainage}>0,{retainage}+SUMIFS({amount},{live})/{value}>1))")


def _pct(fraction: Decimal) -> str:
    """0.1 -> '10 %', 0.155 -> '15.5 %' (at most two decimals)."""
    with arithmetic():
        text = f"{(fraction * 100).quantize(Decimal('0.01')).normalize():f}"
    return f"{text} %"
