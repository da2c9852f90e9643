"""Issue 13 items 1-2 in the core: retention withheld and released, deposits
invoiced outside the schedule and recovered by cumulative rounding, Billed
and Unbilled counting the work once, and the combinations refused."""
from __future__ import annotations

from milebill_xl.core.records import replace
from datetime import date
from decimal import Decimal

from milebill_xl.core.deposits import Recovery, deposit_amount, deposit_problems, recovery
from milebill_xl.core.engine import compute
from milebill_xl.core.position import position
from milebill_xl.core.records import (CANCELLED, CREDIT_NOTE, DEPOSIT, ON_INVOICE, ON_RELEASE,
                                      RETENTION_RELEASE, VOID, BookData, Milestone, Settings)
from milebill_xl.core.retention import milestone_charge, release_charge, retention_held

from .helpers import invoice, pct, project, ready

D = Decimal
AS_OF = date(2026, 3, 10)


def deposit(mid: str, share: str, pid: str = "P1", row: int = 0, **kw) -> Milestone:
    return Milestone(milestone_id=mid, project_id=pid, basis=DEPOSIT, percent=D(share), row=row, **kw)


# ---------------------------------------------------------------- retention

def test_the_80000_contract_at_8_percent_with_10_percent_retention():
    """25 / 25 / 50 of 80,000.00 USD: each invoice withholds 10 %, is taxed
    on what it asks for now, and the release taxes the retention."""
    got = [milestone_charge(D(net), D("0.08"), D("0.10"), D(0), ON_RELEASE, "USD")
           for net in ("20000.00", "20000.00", "40000.00")]
    assert [(c.retention, c.tax, c.total) for c in got] == [
        (D("2000.00"), D("1440.00"), D("19440.00")),
        (D("2000.00"), D("1440.00"), D("19440.00")),
        (D("4000.00"), D("2880.00"), D("38880.00"))]
    release = release_charge(D("8000.00"), D("0.08"), ON_RELEASE, "USD")
    assert (release.net, release.tax, release.total) == (D("8000.00"), D("640.00"), D("8640.00"))
    # the client pays the contract and its tax, 86,400.00, in all
    assert sum(c.total for c in got) + release.total == D("86400.00")


def test_on_invoice_charges_the_tax_on_the_full_amount_and_none_on_release():
    c = milestone_charge(D("20000.00"), D("0.19"), D("0.05"), D(0), ON_INVOICE, "EUR")
    assert (c.retention, c.tax, c.total) == (D("1000.00"), D("3800.00"), D("22800.00"))
    release = release_charge(D("1000.00"), D("0.19"), ON_INVOICE, "EUR")
    assert (release.tax, release.total) == (D("0.00"), D("1000.00"))
    assert c.total + release.total == D("23800.00")         # 20,000.00 x 1.19


def test_retention_and_tax_round_half_away_from_zero_in_the_currency():
    c = milestone_charge(D("333"), D("0.1"), D("0.05"), D(0), ON_RELEASE, "JPY")
    # retention 16.65 -> 17 yen; tax on 316 -> 31.6 -> 32
    assert (c.retention, c.tax, c.total) == (D("17"), D("32"), D("348"))


def test_held_is_retention_less_releases_void_documents_left_out():
    rows = [invoice("I1", "0", net="20000", retention=D("2000")),
            invoice("I2", "0", net="20000", retention=D("2000"), status=VOID),
            invoice("R1", "0", net="2000", type=RETENTION_RELEASE),
            invoice("R2", "0", net="2000", type=RETENTION_RELEASE, status=VOID),
            invoice("C1", "0", net="-20000", retention=D("-2000"), type=CREDIT_NOTE)]
    assert retention_held(rows, "USD") == D("0.00")
    assert retention_held(rows[:2], "USD") == D("2000.00")


# ------------------------------------------------------------------ deposits

def test_deposit_amount_is_its_percent_of_the_contract_or_its_fixed_amount():
    assert deposit_amount(deposit("D", "0.15"), D("40000"), "EUR") == D("6000.00")
    fixed = Milestone("D", "P1", basis=DEPOSIT, fixed_amount=D("2500.005"))
    assert deposit_amount(fixed, D("40000"), "EUR") == D("2500.01")
    assert deposit_amount(replace(fixed, status=CANCELLED), D("40000"), "EUR") == D("0.00")


def test_recovery_by_cumulative_rounding_and_the_last_takes_the_rest():
    """A 10.00 deposit over 33.33 / 33.33 / 33.34: cumulative rounding gives
    3.33, 6.67, 10.00, so 3.33 / 3.34 / 3.33 (not 3.33 each and 3.34 last);
    invoiced in another order, each takes its share and the last the rest."""
    def fresh():
        r = Recovery("USD", schedule=[("A", D("33.33")), ("B", D("33.33")), ("C", D("33.34"))])
        r.issue_deposit(D("10.00"))
        return r
    r = fresh()
    assert [r.take(m, D("33.34")) for m in "ABC"] == [D("3.33"), D("3.34"), D("3.33")]
    r = fresh()
    assert [r.take(m, D("33.34")) for m in "CAB"] == [D("3.33"), D("3.33"), D("3.34")]
    assert r.recovered_total == D("10.00")


def test_the_last_recovers_the_rest_after_a_change_moved_the_shares():
    r = Recovery("USD", schedule=[("A", D("50.00")), ("B", D("50.00"))])
    r.issue_deposit(D("10.00"))
    assert r.take("A", D("50.00")) == D("5.00")
    r.sharers = [("A", D("50.00")), ("B", D("70.00"))]      # a change order grew B
    assert r.take("B", D("70.00")) == D("5.00")              # the rest, to the cent
    assert r.recovered_total == D("10.00")


def test_nothing_is_recovered_before_the_deposit_is_invoiced_nor_by_earlier_invoices():
    rows = [deposit("D0", "0.15", row=0), pct("M1", "0.5", row=1), pct("M2", "0.5", row=2)]
    amounts = {"D0": D("6000.00"), "M1": D("20000.00"), "M2": D("20000.00")}
    assert recovery(rows, amounts, {}, "EUR").take("M1", D("20000.00")) == D("0.00")
    # M1 was invoiced before the deposit: only M2 shares it, and takes it all
    issued = [replace(rows[1], invoice_no="I1"), replace(rows[0], invoice_no="I2"), rows[2]]
    comp = compute(BookData(Settings(), projects=(project("P1", "40000", currency="EUR"),),
                            milestones=(issued[1], issued[0], issued[2]),
                            invoices=(invoice("I1", "20000.00", mid="M1", row=0, currency="EUR",
                                              issue_date=date(2026, 1, 5)),
                                      invoice("I2", "6000.00", mid="D0", row=1, currency="EUR",
                                              issue_date=date(2026, 1, 6)))), AS_OF)
    rec = recovery([issued[1], issued[0], issued[2]], amounts,
                   {r.invoice_no: r for r in comp.invoices}, "EUR")
    assert rec.sharers == [("M2", D("20000.00"))]
    assert rec.take("M2", D("20000.00")) == D("6000.00")


def _deposit_book(*milestones, retainage="0", invoices=()):
    return BookData(Settings(), projects=(project("P1", "40000.00", currency="EUR",
                                                  tax_rate=D("0.21"), retainage_pct=D(retainage)),),
                    milestones=milestones, invoices=invoices)


def test_a_deposit_sits_outside_the_schedule_and_billed_counts_the_work_once():
    ms = (ready(deposit("D0", "0.15", row=0)), ready(pct("M1", "0.3", row=1)),
          ready(pct("M2", "0.3", row=2)), ready(pct("M3", "0.4", row=3)))
    comp = compute(_deposit_book(*ms), AS_OF)
    p = comp.project("P1")
    assert (p.allocated, p.schedule_ok) == (D("40000.00"), True)      # the deposit is not in it
    assert [m.amount for m in comp.milestones] == [D("6000.00"), D("12000.00"), D("12000.00"),
                                                   D("16000.00")]
    assert all(m.billable for m in comp.milestones)
    # deposit invoiced, then the first milestone recovering 1,800.00 of it
    done = (replace(ms[0], invoice_no="I1"), replace(ms[1], invoice_no="I2"), ms[2], ms[3])
    invoices = (invoice("I1", "7260.00", mid="D0", row=0, net="6000.00", tax="1260.00",
                        currency="EUR", issue_date=AS_OF),
                invoice("I2", "12342.00", mid="M1", row=1, net="12000.00", tax="2142.00",
                        currency="EUR", issue_date=AS_OF, deposit_applied=D("1800.00")))
    p = compute(_deposit_book(*done, invoices=invoices), AS_OF).project("P1")
    assert (p.billed, p.unbilled) == (D("16200.00"), D("23800.00"))   # 6,000 + 12,000 - 1,800
    assert (p.deposit, p.deposit_recovered) == (D("6000.00"), D("1800.00"))


def test_every_milestone_invoiced_leaves_nothing_unbilled_whatever_the_deposit():
    ms = (replace(ready(deposit("D0", "0.15", row=0)), invoice_no="I1"),
          replace(ready(pct("M1", "1", row=1)), invoice_no="I2"))
    invoices = (invoice("I1", "7260.00", mid="D0", row=0, net="6000.00", currency="EUR"),
                invoice("I2", "41140.00", mid="M1", row=1, net="40000.00", currency="EUR",
                        deposit_applied=D("6000.00")))
    p = compute(_deposit_book(*ms, invoices=invoices), AS_OF).project("P1")
    assert (p.billed, p.unbilled) == (D("40000.00"), D("0.00"))


def test_combinations_that_cannot_work_are_problems_on_their_cells():
    p = project("P1", "40000.00", currency="EUR", retainage_pct=D("0.9"), row=3)
    rows = [deposit("D0", "0.15", row=4), deposit("D1", "0.05", row=5),
            replace(pct("M1", "0.9", row=6), invoice_no="I1"), pct("M2", "0.1", row=7)]
    amounts = {"D0": D("6000.00"), "D1": D("2000.00"), "M1": D("36000.00"), "M2": D("4000.00")}
    found = [(x.table, x.row, x.column) for x in deposit_problems(p, rows, amounts, "EUR")]
    assert found == [("tblMilestones", 5, "Basis"),           # a second deposit
                     ("tblMilestones", 4, "Percent"),         # 6,000.00 > the 4,000.00 left
                     ("tblProjects", 3, "Retainage %")]       # 90 % + 15 % > 100 %
    messages = [x.message for x in deposit_problems(p, rows, amounts, "EUR")]
    assert messages[1] == ("Deposit D0 of 6,000.00 is more than the work left to invoice on "
                           "project P1 (4,000.00), from which it is recovered; lower it or "
                           "cancel it")
    assert messages[2].startswith("Project P1: Retainage % (90 %) and the deposit D0 (15 % of "
                                  "the contract) together exceed 100 %")
    # and the engine stops the project's billing for them
    comp = compute(BookData(Settings(), projects=(p,), milestones=tuple(ready(m) for m in rows[:2])
                            + (ready(pct("M3", "1", row=8)),)), AS_OF)
    assert not comp.project("P1").can_bill and all(not m.billable for m in comp.milestones)


def test_position_of_an_invoice_counts_its_project_up_to_it():
    ms = (deposit("D0", "0.15"), pct("M1", "0.3"), pct("M2", "0.3"))
    invoices = (invoice("I1", "7260.00", mid="D0", row=0, net="6000.00"),
                invoice("I2", "1", mid="M1", row=1, net="12000.00", retention=D("1200.00"),
                        deposit_applied=D("1800.00")),
                invoice("I3", "1", mid="M2", row=2, net="12000.00", retention=D("1200.00"),
                        deposit_applied=D("1800.00")),
                invoice("I4", "1", mid="M2", row=3, net="12000.00", retention=D("1200.00")))
    statuses = {"I3": VOID}
    where = position(invoices[3], D("40000.00"), invoices, statuses, ms)
    assert (where.share, where.billed_to_date, where.remaining) == (
        D("0.3"), D("24000.00"), D("16000.00"))
    assert (where.retention_held, where.deposit, where.deposit_recovered) == (
        D("2400.00"), D("6000.00"), D("1800.00"))
    first = position(invoices[1], D("40000.00"), invoices, statuses, ms)
    assert (first.billed_to_date, first.retention_held) == (D("12000.00"), D("1200.00"))
