"""The per-row records are NamedTuples (as beancount's are): immutable,
strict about their arguments, equal and hashable by value, copied with
``core.records.replace``, and built several times faster than frozen
dataclasses (bench/README.md)."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from milebill_xl.core.engine import InvoiceResult, MilestoneResult, ProjectResult
from milebill_xl.core.invoices import InvoiceFigures
from milebill_xl.core.records import (AuditEntry, Invoice, Milestone, Payment, Project, Settings,
                                      replace)
from milebill_xl.core.retention import Charge

RECORDS = (Project, Milestone, Invoice, Payment, AuditEntry, MilestoneResult, InvoiceResult,
           ProjectResult, InvoiceFigures, Charge)


@pytest.mark.parametrize("cls", RECORDS)
def test_named_tuples_without_a_dict(cls):
    assert issubclass(cls, tuple) and cls._fields
    assert cls.__slots__ == () and "__dict__" not in cls.__dict__


def test_immutable_and_strict_about_arguments():
    m = Milestone("M-1", "P-1")
    with pytest.raises(AttributeError):
        m.row = 3
    with pytest.raises(AttributeError):
        del m.row
    with pytest.raises(AttributeError):
        m.note = "x"                           # no __dict__ to hold it
    with pytest.raises(TypeError):
        Milestone("M-1")                       # project_id is required
    with pytest.raises(TypeError):
        Payment(None, "INV-1", Decimal(1), nonsense=1)
    with pytest.raises(ValueError):
        replace(m, nonsense=1)
    assert m.issued is False and m.status == "Planned" and m.percent == 0


def test_equal_hashable_and_replaced_by_value():
    p = Payment(date(2026, 11, 3), "INV-1", Decimal("10.00"), "ACH 1", row=4)
    same = Payment(date(2026, 11, 3), "INV-1", Decimal("10.00"), "ACH 1", row=4)
    assert p == same and hash(p) == hash(same) and len({p, same}) == 1
    moved = replace(p, row=5)
    assert (moved.row, moved.amount, p.row) == (5, Decimal("10.00"), 4)
    assert repr(p) == ("Payment(payment_date=datetime.date(2026, 11, 3), invoice_no='INV-1', "
                       "amount=Decimal('10.00'), reference='ACH 1', row=4, kind='Payment')")


def test_replace_copies_the_dataclass_records_too():
    s = Settings(next_invoice_seq=7)
    assert dataclasses.is_dataclass(s)
    assert replace(s, next_invoice_seq=8).next_invoice_seq == 8 and s.next_invoice_seq == 7


def test_a_charge_gives_the_invoice_columns_of_its_names():
    c = Charge(Decimal("100.00"), Decimal("5.00"), Decimal("0.00"), Decimal("19.00"),
               Decimal("114.00"))
    assert c.columns() == {"net": Decimal("100.00"), "retention": Decimal("5.00"),
                           "deposit_applied": Decimal("0.00"), "tax": Decimal("19.00"),
                           "total": Decimal("114.00")}
