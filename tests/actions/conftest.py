"""Workbooks for the action tests: a small, complete portfolio built with
the template builder, so every test starts from what a user would have."""
from __future__ import annotations

import hashlib
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from milebill_xl.cli import main
from milebill_xl.template.builder import build_workbook

AS_OF = date(2026, 11, 25)

SELLER = {
    "Company": "Acme Engineering Ltd", "Company Address": "1 Main Street\nSpringfield",
    "Company Tax ID": "GB123456789", "Company Email": "billing@acme.test",
    "Bank Details": "IBAN GB00 ACME 0000 0000 01", "As Of Date": AS_OF,
}


def projects():
    return [
        {"Project ID": "P1", "Project": "Bridge", "Client": "Harbour Council",
         "Client Address": "2 High Street\nPortside", "PO Number": "PO-77",
         "Contract Value": 10000, "Currency": "USD", "Tax Rate": 0.2, "Payment Terms": "Net 30"},
        {"Project ID": "P2", "Project": "Tunnel", "Client": "Metro KK", "Client Address": "Tokyo",
         "Contract Value": 1000000, "Currency": "JPY", "Tax Rate": 0.1, "Payment Terms": "2/10 Net 30"},
    ]


def milestones():
    done = {"Status": "Complete", "Completed Date": date(2026, 11, 1), "Approval": "Approved"}
    return [
        {"Milestone ID": "M1", "Project ID": "P1", "Milestone": "Design", "Basis": "Percent",
         "Percent": 0.3, "Planned Date": date(2026, 11, 1), **done},
        {"Milestone ID": "M2", "Project ID": "P1", "Milestone": "Build", "Basis": "Percent",
         "Percent": 0.7, "Status": "In Progress", "Planned Date": date(2026, 12, 15)},
        {"Milestone ID": "M3", "Project ID": "P2", "Milestone": "Survey", "Basis": "Percent",
         "Percent": 0.3333, "Planned Date": date(2026, 10, 1), **done},
        {"Milestone ID": "M4", "Project ID": "P2", "Milestone": "Dig", "Basis": "Fixed",
         "Fixed Amount": 666700, "Status": "Planned", "Planned Date": date(2027, 1, 10)},
    ]


@pytest.fixture
def book(tmp_path) -> Path:
    path = tmp_path / "billing.xlsx"
    build_workbook(path, settings=dict(SELLER), projects=projects(), milestones=milestones())
    return path


def make_book(path: Path, settings=None, projects_rows=None, milestone_rows=None) -> Path:
    build_workbook(path, settings=dict(SELLER if settings is None else settings),
                   projects=projects() if projects_rows is None else projects_rows,
                   milestones=milestones() if milestone_rows is None else milestone_rows)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args) -> "Result":
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def sheet_part(path: Path, sheet: str) -> str:
    """The zip member holding worksheet ``sheet``."""
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', wb).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels)
    if target is None:
        target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    t = target.group(1).lstrip("/")
    return t if t.startswith("xl/") else "xl/" + t
