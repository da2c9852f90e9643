"""The approval request: a one-page sign-off sheet for a completed
milestone (what was delivered, against which acceptance criteria, what it
bills, where it stands in the contract) with approve / reject lines for the
client's signature. Built with python-docx: plain paragraphs and one table,
editable in Word.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from docx.shared import Pt

from ..xlsx.atomic import atomic_write
from .invoice import money_text
from .template import blank_document


@dataclass(frozen=True)
class ApprovalRequest:
    reference: str                  # e.g. M-102
    requested_on: date
    seller: str
    seller_email: str
    client: str
    client_address: str
    project: str
    po_number: str
    milestone: str
    deliverable: str
    completed_on: date | None
    currency: str
    amount: Decimal
    contract_value: Decimal
    billed_to_date: Decimal

    def share(self) -> str:
        if not self.contract_value:
            return ""
        return f"{(self.amount / self.contract_value * 100).quantize(Decimal('0.1'))} %"


def write_request(req: ApprovalRequest, path: Path) -> Path:
    """Write the sign-off sheet to ``path`` (atomically) and return it."""
    money = lambda x: money_text(x, req.currency)  # noqa: E731
    doc = blank_document()
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading("Milestone approval request", level=1)
    doc.add_paragraph(f"{req.seller} asks {req.client} to approve the milestone below, "
                      f"completed{' on ' + req.completed_on.isoformat() if req.completed_on else ''}, "
                      f"so that it can be invoiced. Requested on {req.requested_on.isoformat()}.")
    rows = [("Project", req.project), ("Purchase order", req.po_number or "-"),
            ("Milestone", f"{req.milestone} ({req.reference})"),
            ("Deliverable and acceptance criteria", req.deliverable or "-"),
            ("Completed on", req.completed_on.isoformat() if req.completed_on else "-"),
            ("Amount to invoice on approval (before tax)", money(req.amount)),
            ("Contract value", money(req.contract_value)),
            ("This milestone's share of the contract", req.share() or "-"),
            ("Invoiced before this milestone", money(req.billed_to_date)),
            ("Left to invoice after it", money(req.contract_value - req.billed_to_date - req.amount))]
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_heading("Decision", level=2)
    doc.add_paragraph("☐ Approved: the deliverable meets the acceptance criteria.")
    doc.add_paragraph("☐ Rejected, because: ____________________________________________")
    for line in ("Name", "Position", "Signature", "Date"):
        doc.add_paragraph(f"{line}: ______________________________")
    doc.add_paragraph(f"Please return the signed page to {req.seller_email or req.seller}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, doc.save)
    return path
