"""Milestone amounts of one project (contract rules 1 and 10) and the
schedule check (rule 2), exactly as DESIGN.md pins them.

Per project, milestones in sheet order:

- ``Cancelled``: 0, whatever else the row says.
- issued (in ``issued``, the Net of its tblInvoices row): that Net, kept.
- ``Fixed``, unissued: ``round(Fixed Amount)``.
- ``Percent``, unissued (rules 1 and 10): its *plan* amount plus its share
  of the drift. The plan amount is rule 1 on the current schedule, issued
  milestones included: ``round(V*P_k) - round(V*P_{k-1})`` with ``P_k`` the
  cumulative percent of the non-cancelled percent milestones up to and
  including the k-th. Nothing issued: the drift is 0. Something issued:
  with ``R = V - issued Nets - unissued fixed amounts`` (what the unissued
  percent milestones share, rounded to the minor unit), the drift is
  ``D = R - sum of their plan amounts``; for a schedule that adds up to V
  that is the sum over the issued milestones of (plan amount - issued
  Net). D is shared among the unissued percent milestones by cumulative
  rounding in proportion to their percents (``S`` their sum):
  ``round(D*Q_k/S) - round(D*Q_{k-1}/S)``, ``Q_k`` their cumulative
  percent. No share when S = 0; all take 0 when R = 0 (a contract cut to
  what is issued leaves nothing, not +-1 minor unit of rounding).

With no change to the contract value or the schedule since a project's
first invoice, every milestone is issued at its plan amount, the drift is 0
and issuing, paying or voiding one milestone never moves another's amount.
A change order (new Contract Value or schedule) moves plan amounts; what
the issued milestones took differently is the drift, spread over what is
left, so the non-cancelled amounts again add up exactly to ``V``. (While a
drift remains, issuing one of the milestones that share it re-rounds the
others' shares: one of them can move by one minor unit.)

Cumulative rounding makes the amounts add up exactly to the rounded total
while each stays within one minor unit of its exact share: the k-th amount
is the difference of two roundings, each off by at most half a unit.

Percents are fractions, as Excel stores a cell formatted ``30%`` (0.3).
Any basis other than ``Fixed`` counts as ``Percent``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping

from .money import arithmetic, format_amount, minor_units, round_money, round_share
from .records import CANCELLED, FIXED, Milestone


@dataclass(frozen=True)
class Allocation:
    """The amounts of one project's milestones and its schedule check.

    ``amounts`` pairs milestone ids with amounts in sheet order (cancelled
    ones included, at 0). ``allocated`` is the sum of the non-cancelled
    amounts; ``difference = allocated - contract_value`` (positive: over-
    allocated). ``passes`` is rule 2: allocated equals the contract value
    and no amount is negative."""

    contract_value: Decimal
    currency: str
    amounts: tuple[tuple[str, Decimal], ...]
    allocated: Decimal
    difference: Decimal
    passes: bool

    def amount(self, milestone_id: str) -> Decimal:
        for mid, amount in self.amounts:
            if mid == milestone_id:
                return amount
        raise KeyError(milestone_id)

    def as_dict(self) -> dict[str, Decimal]:
        return dict(self.amounts)


def cumulative_split(total: Decimal, weights: Iterable[Decimal], weight_sum: Decimal,
                     currency: str) -> list[Decimal]:
    """Split ``total * sum(weights) / weight_sum`` into one amount per weight
    by cumulative rounding: the k-th is ``round(total*W_k/weight_sum) -
    round(total*W_{k-1}/weight_sum)`` with ``W_k`` the running weight sum.

    With ``weight_sum = 1`` this is rule 1 (weights are the percents); with
    the remainder and the sum of unissued percents it is rule 10. Each
    ``round`` is ``money.round_share``, as the formulas round shares."""
    amounts = []
    running = Decimal(0)
    previous = round_money(0, currency)
    digits = minor_units(currency)
    with arithmetic():
        for weight in weights:
            running += weight
            current = round_share(total * running / weight_sum, digits)
            amounts.append(current - previous)
            previous = current
    return amounts


def _plan_amounts(contract_value: Decimal, currency: str, rows: list[Milestone]) -> dict[int, Decimal]:
    """Rule 1 on the whole current schedule (issued or not), by row index:
    rounded Fixed Amounts, cumulative rounding of ``V`` over the percents of
    the non-cancelled percent milestones; cancelled rows have none."""
    plan: dict[int, Decimal] = {}
    percent_rows = []
    for i, m in enumerate(rows):
        if m.status == CANCELLED:
            continue
        if m.basis == FIXED:
            plan[i] = round_money(m.fixed_amount, currency)
        else:
            percent_rows.append(i)
    split = cumulative_split(contract_value, [rows[i].percent for i in percent_rows],
                             Decimal(1), currency)
    plan.update(zip(percent_rows, split))
    return plan


def allocate(contract_value: Decimal, currency: str, milestones: Iterable[Milestone],
             issued: Mapping[str, Decimal]) -> Allocation:
    """Amounts for one project's ``milestones`` (its rows, in sheet order).

    ``issued`` maps the ids of milestones that count as issued to the Net of
    their tblInvoices row; a milestone absent from it is unissued whatever
    its Invoice No cell says (the engine reports a dangling Invoice No as a
    problem and leaves the amount as planned). Raises ValueError for an
    unknown currency."""
    rows = list(milestones)
    live = [m for m in rows if m.status != CANCELLED]
    issued_ids = {m.milestone_id for m in live if m.milestone_id in issued}
    amount: dict[int, Decimal] = {}
    percent_rows: list[int] = []
    with arithmetic():
        for i, m in enumerate(rows):
            if m.status == CANCELLED:
                amount[i] = round_money(0, currency)
            elif m.milestone_id in issued_ids:
                amount[i] = round_money(issued[m.milestone_id], currency)
            elif m.basis == FIXED:
                amount[i] = round_money(m.fixed_amount, currency)
            else:
                percent_rows.append(i)
        plan = _plan_amounts(contract_value, currency, rows)
        split = [plan[i] for i in percent_rows]
        if issued_ids:
            remainder = round_money(contract_value - sum(amount[i] for i in amount
                                                         if rows[i].status != CANCELLED), currency)
            drift = remainder - sum(split, Decimal(0))
            percents = [rows[i].percent for i in percent_rows]
            weight_sum = sum(percents, Decimal(0))
            if remainder == 0:
                split = [round_money(0, currency)] * len(split)
            elif weight_sum != 0:
                shares = cumulative_split(drift, percents, weight_sum, currency)
                split = [a + share for a, share in zip(split, shares)]
        amount.update(zip(percent_rows, split))
        allocated = sum((amount[i] for i, m in enumerate(rows) if m.status != CANCELLED),
                        round_money(0, currency))
        difference = allocated - contract_value
    passes = difference == 0 and all(a >= 0 for a in amount.values())
    return Allocation(
        contract_value=contract_value,
        currency=currency,
        amounts=tuple((m.milestone_id, amount[i]) for i, m in enumerate(rows)),
        allocated=allocated,
        difference=difference,
        passes=passes,
    )


def orphan_amounts(milestones: Iterable[Milestone], issued: Mapping[str, Decimal],
                   currency: str) -> tuple[tuple[str, Decimal], ...]:
    """Amounts of milestones whose Project ID names no project (reported
    elsewhere): with no Contract Value there is nothing to share, so
    ``Cancelled`` 0, issued its Net, ``Fixed`` its rounded Fixed Amount and
    ``Percent`` 0, as the template's formulas show them."""
    out = []
    for m in milestones:
        if m.status == CANCELLED:
            out.append((m.milestone_id, round_money(0, currency)))
        elif m.milestone_id in issued:
            out.append((m.milestone_id, issued[m.milestone_id]))
        elif m.basis == FIXED:
            out.append((m.milestone_id, round_money(m.fixed_amount, currency)))
        else:
            out.append((m.milestone_id, round_money(0, currency)))
    return tuple(out)


def schedule_message(project_id: str, allocation: Allocation) -> str:
    """The rule 2 message for a failing schedule, e.g.
    ``Project P1 allocates 9,000.00 of 10,000.00 (under by 1,000.00)``."""
    cur = allocation.currency
    allocated = format_amount(allocation.allocated, cur)
    value = format_amount(allocation.contract_value, cur)
    diff = allocation.difference
    if diff > 0:
        tail = f"over by {format_amount(diff, cur)}"
    elif diff < 0:
        tail = f"under by {format_amount(-diff, cur)}"
    else:
        negative = [mid for mid, a in allocation.amounts if a < 0]
        tail = f"negative amount for {', '.join(negative)}"
    return f"Project {project_id} allocates {allocated} of {value} ({tail})"
