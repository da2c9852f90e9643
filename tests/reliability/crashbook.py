"""A workbook with many billable milestones and a complete seller, for the
kill and concurrency tests."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from milebill_xl.sample import SELLER
from milebill_xl.template.builder import build_workbook

AS_OF = date(2025, 6, 30)
PER_PROJECT = 10


def build_many(path: str | Path, n_milestones: int = 300) -> Path:
    """``n_milestones`` Complete + Approved fixed milestones over projects of
    ten, every schedule adding up: all billable."""
    settings = dict(SELLER, **{"As Of Date": AS_OF, "Next Invoice Seq": 1})
    projects, milestones = [], []
    n_projects = -(-n_milestones // PER_PROJECT)
    for p in range(n_projects):
        pid = f"P{p + 1:03d}"
        count = min(PER_PROJECT, n_milestones - p * PER_PROJECT)
        amounts = [Decimal(1000 + 10 * k + p) for k in range(count)]
        projects.append({"Project ID": pid, "Project": f"Project {p + 1}",
                         "Client": f"Client {p % 7}", "Client Email": "ap@client.example",
                         "Client Address": "1 Road\nTown", "PO Number": f"PO-{p}",
                         "Contract Value": sum(amounts), "Currency": "USD",
                         "Tax Rate": Decimal("0.2"), "Payment Terms": "Net 30"})
        for k, amount in enumerate(amounts):
            milestones.append({
                "Milestone ID": f"{pid}-M{k + 1:02d}", "Project ID": pid,
                "Milestone": f"Stage {k + 1}", "Deliverable": "Signed acceptance",
                "Planned Date": date(2025, 5, 1), "Basis": "Fixed", "Fixed Amount": amount,
                "Status": "Complete", "Completed Date": date(2025, 5, 2),
                "Approval": "Approved", "Approved By": "J. Doe",
                "Approval Date": date(2025, 5, 3)})
    build_workbook(path, settings=settings, projects=projects, milestones=milestones)
    return Path(path)
