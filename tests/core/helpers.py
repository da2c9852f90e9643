"""Small builders for hand-made books: only the fields a test cares about."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from milebill_xl.core.records import (APPROVED, COMPLETE, FIXED, INVOICE, PENDING, PERCENT,
                                      PLANNED, BookData, Invoice, Milestone, Payment,
                                      Project, Settings)

D = Decimal


def project(pid: str, value: str, row: int = 0, **kw) -> Project:
    return Project(project_id=pid, contract_value=D(value), row=row, **kw)


def pct(mid: str, percent: str, pid: str = "P1", row: int = 0, **kw) -> Milestone:
    return Milestone(milestone_id=mid, project_id=pid, basis=PERCENT, percent=D(percent), row=row, **kw)


def fixed(mid: str, amount: str, pid: str = "P1", row: int = 0, **kw) -> Milestone:
    return Milestone(milestone_id=mid, project_id=pid, basis=FIXED, fixed_amount=D(amount), row=row, **kw)


def ready(m: Milestone) -> Milestone:
    """The milestone marked Complete and Approved."""
    from milebill_xl.core.records import replace
    return replace(m, status=COMPLETE, approval=APPROVED)


def invoice(no: str, total: str, pid: str = "P1", mid: str = "", row: int = 0,
            net: str | None = None, tax: str = "0", **kw) -> Invoice:
    kw.setdefault("type", INVOICE)
    return Invoice(invoice_no=no, project_id=pid, milestone_id=mid, row=row,
                   net=D(net if net is not None else total), tax=D(tax), total=D(total), **kw)


def payment(no: str, amount: str, when: date | None = None, row: int = 0) -> Payment:
    return Payment(payment_date=when, invoice_no=no, amount=D(amount), row=row)


def book(projects=(), milestones=(), invoices=(), payments=(), **settings) -> BookData:
    return BookData(settings=Settings(**settings), projects=tuple(projects),
                    milestones=tuple(milestones), invoices=tuple(invoices),
                    payments=tuple(payments))


__all__ = ["D", "project", "pct", "fixed", "ready", "invoice", "payment", "book",
           "PENDING", "PLANNED", "COMPLETE", "APPROVED"]
