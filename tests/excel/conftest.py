"""Workbooks for the Excel-side tests: the template with the sample
portfolio, small (the sample's ~16 milestones) and big (plus 1,000 filler
milestones and 1,000 audit rows), built once per session as files and
loaded into a fresh fake Excel per test."""
from __future__ import annotations

import shutil
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_xlwings import FakeApp, FakeBook  # noqa: E402

from milebill_xl.sample import sample_inputs, sample_portfolio  # noqa: E402
from milebill_xl.template.builder import build_workbook  # noqa: E402

AS_OF = date(2026, 11, 25)


def portfolio_rows(filler: int = 0, fresh: bool = False) -> dict:
    """The sample portfolio with a clean schedule (P-500's cancelled
    milestone planned again, so no problem blocks the actions), As Of Date
    set, and ``filler`` extra milestones (four per filler project, all
    Scheduled) and audit rows. ``fresh``: nothing issued yet (empty
    Invoices, Payments and Audit tables)."""
    p = sample_inputs(AS_OF) if fresh else sample_portfolio(AS_OF)
    p["settings"]["As Of Date"] = AS_OF
    for m in p["milestones"]:
        if m["Milestone ID"] == "M-503":
            m["Status"] = "Planned"
    for k in range(filler // 4):
        pid = f"F-{k:04d}"
        p["projects"].append({"Project ID": pid, "Project": "Filler", "Client": "Filler Co",
                              "Contract Value": Decimal("1000.00"), "Currency": "USD"})
        for j in range(4):
            p["milestones"].append({
                "Milestone ID": f"{pid}-{j}", "Project ID": pid, "Milestone": f"Step {j}",
                "Planned Date": AS_OF + timedelta(days=400), "Basis": "Percent",
                "Percent": Decimal("0.25"), "Status": "Planned"})
    for k in range(filler):
        p["audit"].insert(0, {"Timestamp": datetime(2025, 1, 1, 9, 0).isoformat(sep=" "),
                              "User": "old", "Action": "note", "Reference": f"R{k}",
                              "Detail": "history"})
    return p


@pytest.fixture(scope="session")
def book_files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("books")
    return {
        "small": build_workbook(root / "small.xlsx", **portfolio_rows(0)),
        "big": build_workbook(root / "big.xlsx", **portfolio_rows(1000)),
        "fresh": build_workbook(root / "fresh.xlsx", **portfolio_rows(0, fresh=True)),
    }


@pytest.fixture
def open_book(book_files, tmp_path):
    """open_book("small") -> (FakeBook, FakeApp): the workbook copied into
    its own folder and opened in a fresh fake Excel."""
    def opener(size: str = "small", name: str = "billing.xlsx"):
        folder = tmp_path / size
        folder.mkdir(exist_ok=True)
        path = folder / name
        shutil.copyfile(book_files[size], path)
        app = FakeApp()
        return FakeBook.from_xlsx(app, path), app
    return opener
