"""`milebill request-approval`: a sign-off sheet and an e-mail draft per
completed milestone still pending; the Approval SLA counts from the request.

In the sample (as of 2026-11-25) M-203 (P-200, EUR, 30 % of 250,000.00,
completed 2026-11-15) and M-302 (P-300, JPY) are Complete and Pending.
"""
from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest
from docx2python import docx2python

from .conftest import cli, digest

AS_OF = "2026-11-25"


@pytest.fixture()
def book(tmp_path) -> Path:
    path = tmp_path / "b.xlsx"
    assert cli("new", path, "--demo", "--as-of", AS_OF).exit_code == 0
    return path


def _flags(book: Path, as_of: str) -> dict[str, str]:
    out = json.loads(cli("check", book, "--as-of", as_of, "--json").output)
    return {m["milestone_id"]: m["flag"] for m in out["milestones"]}


def test_requests_every_pending_completed_milestone_with_a_sheet_and_a_draft(book):
    assert _flags(book, AS_OF)["M-203"] == "Approval Overdue"      # completed 10 days ago
    r = cli("request-approval", book, "--as-of", AS_OF, "--email", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert [(q["milestone_id"], q["amount"], q["currency"]) for q in out["requested"]] == [
        ("M-203", "75000.00", "EUR"), ("M-302", "3333333", "JPY")]
    folder = book.parent / "invoices" / "approvals"
    assert sorted(p.name for p in folder.iterdir()) == [
        "M-203-approval-2026-11-25.docx", "M-203-approval-2026-11-25.eml",
        "M-302-approval-2026-11-25.docx", "M-302-approval-2026-11-25.eml"]
    with docx2python(folder / "M-203-approval-2026-11-25.docx") as doc:
        text = doc.text
    for expected in ("Milestone approval request", "Bergmann Logistik GmbH", "ERP rollout",
                     "Configuration (M-203)", "Configuration: signed acceptance certificate",
                     "€75,000.00", "€250,000.00", "30.0 %", "€175,000.00",
                     "☐ Approved", "☐ Rejected", "Signature:"):
        assert expected in text, expected
    msg = email.message_from_bytes((folder / "M-203-approval-2026-11-25.eml").read_bytes(),
                                   policy=email.policy.default)
    assert msg["From"] == "billing@northwind-engineering.example"
    assert msg["Subject"] == "Approval requested: ERP rollout, milestone M-203"
    assert msg["X-Unsent"] == "1"
    assert [a.get_filename() for a in msg.iter_attachments()] == ["M-203-approval-2026-11-25.docx"]
    assert "we will invoice 75,000.00 EUR (before tax)" in msg.get_body(("plain",)).get_content()
    # the SLA (5 days) now counts from the request: overdue again after 2026-11-30
    assert _flags(book, AS_OF)["M-203"] == "Awaiting Approval"
    assert _flags(book, "2026-11-30")["M-203"] == "Awaiting Approval"
    assert _flags(book, "2026-12-01")["M-203"] == "Approval Overdue"


def test_running_it_again_the_same_day_changes_nothing(book):
    assert cli("request-approval", book, "--as-of", AS_OF).exit_code == 0
    before = digest(book)
    r = cli("request-approval", book, "--as-of", AS_OF)
    assert r.exit_code == 0
    assert "skipped M-203: already requested on 2026-11-25" in r.output
    assert digest(book) == before


def test_one_milestone_and_the_audit_row(book):
    r = cli("request-approval", book, "--milestone", "M-302", "--as-of", AS_OF, "--json")
    assert r.exit_code == 0
    assert [q["milestone_id"] for q in json.loads(r.output)["requested"]] == ["M-302"]
    import openpyxl
    audit = openpyxl.load_workbook(book)["Audit"]
    last = [c.value for c in audit[audit.max_row]]
    assert last[2:4] == ["Approval Request", "M-302"]


@pytest.mark.parametrize("milestone, message", [
    ("M-101", "Milestone M-101 is Complete and Approved: only a Complete milestone still "
              "Pending approval can be sent for sign-off"),
    ("M-999", "Milestone 'M-999' is not on the Milestones sheet"),
])
def test_a_milestone_that_cannot_be_requested_is_refused(book, milestone, message):
    before = digest(book)
    r = cli("request-approval", book, "--milestone", milestone, "--as-of", AS_OF, "--json")
    assert r.exit_code == 1
    assert [e["message"] for e in json.loads(r.output)["errors"]] == [message]
    assert digest(book) == before
    assert not (book.parent / "invoices" / "approvals").exists()


def test_email_without_a_client_address_is_refused_with_its_cell(book):
    from milebill_xl.xlsx.patch import Patcher
    p = Patcher.open(book)
    p.update_rows("tblProjects", {1: {"Client Email": None}})     # P-200
    p.save()
    before = digest(book)
    r = cli("request-approval", book, "--as-of", AS_OF, "--email", "--json")
    assert r.exit_code == 1
    assert json.loads(r.output)["errors"] == [{
        "sheet": "Projects", "cell": "Projects!D3",
        "message": "Project P-200 has no Client Email to send the request to"}]
    assert digest(book) == before
