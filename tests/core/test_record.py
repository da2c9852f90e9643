"""The per-row records are plain frozen dataclasses with slots: immutable,
strict about their arguments, equal and hashable by value, copied with
``dataclasses.replace``."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from milebill_xl.core.engine import InvoiceResult, MilestoneResult, ProjectResult
from milebill_xl.core.invoices import InvoiceFigures
from milebill_xl.core.records import Invoice, Milestone, Payment, Project

RECORDS = (Project, Milestone, Invoice, Payment, MilestoneResult, InvoiceResult, ProjectResult,
           InvoiceFigures)


@pytest.mark.parametrize("cls", RECORDS)
def test_frozen_dataclasses_with_slots(cls):
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen
    assert "__slots__" in cls.__dict__ and "__dict__" not in cls.__dict__


def test_immutable_and_strict_about_arguments():
    m = Milestone("M-1", "P-1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.row = 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        del m.row
    with pytest.raises((AttributeError, TypeError)):
        m.note = "x"                           # no __dict__ to hold it
    with pytest.raises(TypeError):
        Milestone("M-1")                       # project_id is required
    with pytest.raises(TypeError):
        Payment(None, "INV-1", Decimal(1), nonsense=1)
    assert m.issued is False and m.status == "Planned" and m.percent == 0


def test_equal_hashable_and_replaced_by_value():
    p = Payment(date(2026, 11, 3), "INV-1", Decimal("10.00"), "ACH 1", row=4)
    same = Payment(date(2026, 11, 3), "INV-1", Decimal("10.00"), "ACH 1", row=4)
    assert p == same and hash(p) == hash(same) and len({p, same}) == 1
    moved = dataclasses.replace(p, row=5)
    assert (moved.row, moved.amount, p.row) == (5, Decimal("10.00"), 4)
    assert repr(p) == ("Payment(payment_date=datetime.date(2026, 11, 3), invoice_no='INV-1', "
                       "amount=Decimal('10.00'), reference='ACH 1', row=4, kind='Payment')")
