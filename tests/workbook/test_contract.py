"""The declared columns (workbook/contract.py) and the places generated
from them agree: a column added in one place and forgotten in another
fails here, before any workbook is written."""
from __future__ import annotations

from datetime import date

import pytest

from milebill_xl.core.engine import InvoiceResult, MilestoneResult, ProjectResult, compute
from milebill_xl.core.records import Invoice, Milestone, Payment, Project
from milebill_xl.template.formulas import FORMULAS
from milebill_xl.template.helper_values import helper_values
from milebill_xl.workbook import contract as C
from tests.core.helpers import book, invoice, pct, project, ready

RESULTS = {C.PROJECTS.name: ProjectResult, C.MILESTONES.name: MilestoneResult,
           C.INVOICES.name: InvoiceResult}
RECORDS = {C.PROJECTS.name: Project, C.MILESTONES.name: Milestone,
           C.INVOICES.name: Invoice, C.PAYMENTS.name: Payment}


@pytest.mark.parametrize("spec", [C.PROJECTS, C.MILESTONES, C.INVOICES], ids=lambda s: s.name)
def test_every_formula_column_is_declared_and_every_declared_one_has_its_formula(spec):
    formulas = set(FORMULAS[spec.name])
    declared = {c.header for c in spec.declared if c.role in (C.COMPUTED, C.HELPER)}
    assert formulas == declared


@pytest.mark.parametrize("spec", [C.PROJECTS, C.MILESTONES, C.INVOICES], ids=lambda s: s.name)
def test_a_computed_column_caches_a_field_of_its_result(spec):
    fields = set(RESULTS[spec.name]._fields)
    assert spec.results and set(spec.results.values()) <= fields


@pytest.mark.parametrize("spec", [C.PROJECTS, C.MILESTONES, C.INVOICES, C.PAYMENTS],
                         ids=lambda s: s.name)
def test_a_read_column_fills_a_field_of_its_record(spec):
    fields = set(RECORDS[spec.name]._fields)
    assert {c.field for c in spec.read} <= fields


def test_every_helper_column_gets_a_cached_value():
    data = book([project("P1", "1000", currency="USD")],
                [ready(pct("M1", "0.4", row=0, invoice_no="INV-1")), pct("M2", "0.6", row=1)],
                [invoice("INV-1", "400.00", mid="M1", currency="USD")])
    values = helper_values(data, compute(data, date(2026, 1, 31)))
    rows = {C.PROJECTS.name: 1, C.MILESTONES.name: 2, C.INVOICES.name: 1}
    for spec in (C.PROJECTS, C.MILESTONES, C.INVOICES):
        for header in spec.extra:
            assert len(values[spec.name][header]) == rows[spec.name], (spec.name, header)
