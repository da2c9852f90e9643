"""``records.record``: a frozen dataclass with a faster ``__init__`` must
behave exactly as ``@dataclass(frozen=True)`` does to every caller."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from milebill_xl.core.records import Milestone, Payment, record


@dataclasses.dataclass(frozen=True)
class Plain:
    a: str
    b: int = 2
    c: Decimal = Decimal("1.5")


@record
class Fast:
    a: str
    b: int = 2
    c: Decimal = Decimal("1.5")


@pytest.mark.parametrize("args, kwargs", [(("x",), {}), (("x", 5), {}), ((), {"a": "x", "c": Decimal(3)}),
                                          (("x",), {"c": Decimal(0), "b": 7})])
def test_same_as_a_frozen_dataclass(args, kwargs):
    fast, plain = Fast(*args, **kwargs), Plain(*args, **kwargs)
    assert dataclasses.astuple(fast) == dataclasses.astuple(plain)
    assert repr(fast).replace("Fast", "Plain") == repr(plain)
    assert fast == Fast(*args, **kwargs) and hash(fast) == hash(Fast(*args, **kwargs))
    assert dataclasses.replace(fast, b=9) == Fast(fast.a, 9, fast.c)


def test_still_immutable_and_strict_about_arguments():
    m = Milestone("M-1", "P-1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.row = 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        del m.row
    with pytest.raises(TypeError):
        Milestone("M-1")                       # project_id is required
    with pytest.raises(TypeError):
        Payment(None, "INV-1", Decimal(1), nonsense=1)
    assert m.issued is False and m.status == "Planned" and m.percent == 0


def test_refuses_what_it_cannot_build_faithfully():
    with pytest.raises(TypeError):
        @record
        class WithFactory:
            items: list = dataclasses.field(default_factory=list)
    with pytest.raises(TypeError):
        @record
        class WithPostInit:
            a: int

            def __post_init__(self):
                pass
