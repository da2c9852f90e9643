"""Rules 3, 6, 7: billable, days overdue and the flag with its precedence."""
from datetime import date, timedelta

import pytest

from milebill_xl.core.flags import FLAGS, days_overdue, flag, is_billable
from milebill_xl.core.records import (APPROVED, CANCELLED, COMPLETE, IN_PROGRESS, PENDING,
                                      PLANNED, REJECTED, Milestone)

from .helpers import D
from milebill_xl.core.records import replace

AS_OF = date(2025, 3, 15)
DAY = timedelta(days=1)
BASE = Milestone(milestone_id="M1", project_id="P1", planned_date=AS_OF + 30 * DAY)


def word(m, *, billable=False, balance=D("0"), due=None, due_soon=7, sla=5):
    overdue = days_overdue(due, balance, AS_OF, invoiced=m.issued) if balance is not None else 0
    return flag(m, as_of=AS_OF, billable=billable, balance=balance, due=due,
                overdue_days=overdue, due_soon_days=due_soon, approval_sla_days=sla)


def invoiced(m=BASE, **kw):
    return replace(m, invoice_no="INV-2025-0001", **kw)


def test_contract_flag_words_and_order():
    # The contract's words in its order, with our Blocked after Ready to Invoice.
    assert FLAGS == ("Cancelled", "Paid", "Overdue", "Due Soon", "Invoiced", "Ready to Invoice",
                     "Blocked", "Rejected", "Approval Overdue", "Awaiting Approval",
                     "Behind Schedule", "Scheduled")


# -- invoiced milestones --------------------------------------------------------

def test_paid_when_balance_is_zero_or_overpaid_even_if_past_due():
    assert word(invoiced(), balance=D("0.00"), due=AS_OF - 40 * DAY) == "Paid"
    assert word(invoiced(), balance=D("-5.00"), due=AS_OF - 40 * DAY) == "Paid"


def test_overdue_from_one_day_past_due():
    assert word(invoiced(), balance=D("10.00"), due=AS_OF - DAY) == "Overdue"


@pytest.mark.parametrize("days_ahead, expected", [(0, "Due Soon"), (1, "Due Soon"), (7, "Due Soon"),
                                                  (8, "Invoiced"), (60, "Invoiced")])
def test_due_soon_window_is_0_to_due_soon_days(days_ahead, expected):
    assert word(invoiced(), balance=D("10.00"), due=AS_OF + days_ahead * DAY) == expected


def test_due_soon_days_setting_is_used():
    assert word(invoiced(), balance=D("10.00"), due=AS_OF + 10 * DAY, due_soon=14) == "Due Soon"
    assert word(invoiced(), balance=D("10.00"), due=AS_OF + 0 * DAY, due_soon=0) == "Due Soon"


def test_invoice_no_naming_no_invoice_is_just_invoiced():
    assert word(invoiced(), balance=None, due=AS_OF - 90 * DAY) == "Invoiced"


def test_cancelled_beats_everything():
    m = invoiced(status=CANCELLED, approval=APPROVED)
    assert word(m, balance=D("10.00"), due=AS_OF - 5 * DAY) == "Cancelled"
    assert word(replace(BASE, status=CANCELLED), billable=True) == "Cancelled"


def test_invoiced_beats_approval_states():
    m = invoiced(status=COMPLETE, approval=PENDING, completed_date=AS_OF - 60 * DAY)
    assert word(m, balance=D("1.00"), due=AS_OF + 30 * DAY) == "Invoiced"


# -- not yet invoiced -------------------------------------------------------------

COMPLETE_M = replace(BASE, status=COMPLETE, completed_date=AS_OF - 2 * DAY)


def test_ready_to_invoice_when_billable():
    assert word(replace(COMPLETE_M, approval=APPROVED), billable=True) == "Ready to Invoice"


def test_blocked_when_complete_approved_but_not_billable():
    assert word(replace(COMPLETE_M, approval=APPROVED), billable=False) == "Blocked"


def test_rejected():
    assert word(replace(COMPLETE_M, approval=REJECTED, completed_date=AS_OF - 60 * DAY)) == "Rejected"


@pytest.mark.parametrize("days_waiting, expected", [(0, "Awaiting Approval"), (5, "Awaiting Approval"),
                                                    (6, "Approval Overdue"), (40, "Approval Overdue")])
def test_approval_overdue_after_more_than_sla_days(days_waiting, expected):
    m = replace(COMPLETE_M, approval=PENDING, completed_date=AS_OF - days_waiting * DAY)
    assert word(m, sla=5) == expected


def test_awaiting_approval_without_completed_date():
    assert word(replace(COMPLETE_M, completed_date=None)) == "Awaiting Approval"


def test_complete_pending_with_past_planned_date_is_awaiting_not_behind():
    m = replace(COMPLETE_M, planned_date=AS_OF - 30 * DAY)
    assert word(m) == "Awaiting Approval"


@pytest.mark.parametrize("status", [PLANNED, IN_PROGRESS])
@pytest.mark.parametrize("planned_offset, expected", [(-1, "Behind Schedule"), (-100, "Behind Schedule"),
                                                      (0, "Scheduled"), (1, "Scheduled")])
def test_behind_schedule_only_when_planned_date_passed(status, planned_offset, expected):
    m = replace(BASE, status=status, planned_date=AS_OF + planned_offset * DAY)
    assert word(m) == expected


def test_scheduled_without_planned_date():
    assert word(replace(BASE, planned_date=None)) == "Scheduled"


# -- rule 3 and rule 6 ---------------------------------------------------------------

GOOD = replace(BASE, status=COMPLETE, approval=APPROVED)


@pytest.mark.parametrize("m, amount, can_bill, expected", [
    (GOOD, D("1.00"), True, True),
    (GOOD, D("0.00"), True, False),
    (GOOD, D("-1.00"), True, False),
    (GOOD, D("1.00"), False, False),
    (replace(GOOD, approval=PENDING), D("1.00"), True, False),
    (replace(GOOD, approval=REJECTED), D("1.00"), True, False),
    (replace(GOOD, status=IN_PROGRESS), D("1.00"), True, False),
    (replace(GOOD, invoice_no="INV-1"), D("1.00"), True, False),
])
def test_billable(m, amount, can_bill, expected):
    assert is_billable(m, amount, can_bill) is expected


@pytest.mark.parametrize("due, balance, invoiced, expected", [
    (AS_OF - DAY, D("1"), True, 1),
    (AS_OF - 45 * DAY, D("1"), True, 45),
    (AS_OF, D("1"), True, 0),            # due today: not overdue yet
    (AS_OF + DAY, D("1"), True, 0),
    (AS_OF - 45 * DAY, D("0"), True, 0),  # paid
    (AS_OF - 45 * DAY, D("-3"), True, 0),  # overpaid
    (AS_OF - 45 * DAY, D("1"), False, 0),
    (None, D("1"), True, 0),
])
def test_days_overdue(due, balance, invoiced, expected):
    assert days_overdue(due, balance, AS_OF, invoiced) == expected


def test_blank_approval_and_status_read_as_pending_and_planned():
    # As the template's Flag formula reads blank cells.
    assert word(replace(COMPLETE_M, approval="")) == "Awaiting Approval"
    assert word(replace(BASE, status="", planned_date=AS_OF - DAY)) == "Behind Schedule"
