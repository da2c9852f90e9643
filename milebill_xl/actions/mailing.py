"""E-mail drafts of the documents an action writes (``--email``): one
``.eml`` beside each document, to the project's ``Client Email``, from the
``Company Email`` setting, worded by the e-mail template
(documents/email.py), with the document attached (its PDF when there is
one) and any e-invoice XML of the same name (``INV-2026-0001.xml`` beside
``INV-2026-0001.docx``). Shared by issue, void, release, remind and
request-approval; nothing is ever sent.

Everything a draft needs is checked before the action writes anything
(:meth:`Mailer.prepare`, :func:`client_problem`), so ``--email`` never
leaves a document without its draft for a reason known in advance.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path

from ..core.money import format_amount
from ..core.records import CREDIT_NOTE, Invoice, Project
from ..documents.email import (EmailTemplate, EmailTemplateError, load_email_template, recipients,
                               write_draft)
from ..workbook import contract as C
from .common import Loaded, problem

#: attached beside the document when a file of its name has this suffix:
#: the UBL e-invoice (EN 16931) of the same document
COMPANION_SUFFIXES = (".xml",)


def amount_text(amount: Decimal, currency: str) -> str:
    """``1,190.00 USD``: amounts in a draft read like the command line's."""
    return f"{format_amount(amount, currency)} {currency}"


def client_problem(loaded: Loaded, project: Project, what: str) -> dict | None:
    """Why ``project``'s Client Email cannot take a draft about ``what``
    (``invoice``, ``reminder``...), on its cell; None when it can."""
    if recipients(project.client_email):
        return None
    cell = loaded.locator.cell(C.PROJECTS.name, project.row, "Client Email")
    text = (project.client_email or "").strip()
    if not text:
        return problem(f"Project {project.project_id} has no Client Email to send the {what} to",
                       cell)
    return problem(f"Client Email {text!r} of project {project.project_id} is not an e-mail "
                   "address such as ap@client.example; separate several with commas", cell)


@dataclass
class Mailer:
    """The sender, the wording and the date of one run's drafts."""

    sender: str
    template: EmailTemplate
    when: datetime
    company: str

    @classmethod
    def prepare(cls, book, loaded: Loaded) -> tuple["Mailer | None", tuple[dict, ...]]:
        """A mailer, or the problems that stop every draft (no usable
        Company Email, an e-mail template that cannot be used)."""
        s = loaded.data.settings
        errors = []
        sender = recipients(s.company_email)
        if sender is None:
            text = (s.company_email or "").strip()
            errors.append(problem(
                "fill 'Company Email' on the Settings sheet: the e-mail drafts are sent from it"
                if not text else f"Company Email {text!r} is not an e-mail address such as "
                                 "billing@company.example", loaded.locator.cell(
                                     C.SETTINGS.name, None, "Company Email")))
        try:
            template = load_email_template(getattr(book, "folder", None))
        except (EmailTemplateError, OSError) as exc:
            errors.append(problem(str(exc)))
            template = None
        if errors:
            return None, tuple(errors)
        return cls(sender, template, datetime.combine(loaded.as_of, time(9), timezone.utc),
                   s.company), ()

    @classmethod
    def for_document(cls, book, loaded: Loaded, project: Project, what: str, email: bool = True
                     ) -> tuple["Mailer | None", tuple[dict, ...]]:
        """For an action writing one document of ``project`` (void, release):
        no mailer without ``email``; else a mailer, or every problem that
        stops its draft (settings, template, the project's Client Email)."""
        if not email:
            return None, ()
        mailer, errors = cls.prepare(book, loaded)
        unmailable = client_problem(loaded, project, what)
        errors += (unmailable,) if unmailable else ()
        return (None if errors else mailer), errors

    def write(self, section: str, to: str, fields: dict[str, str], document: Path,
              pdf: Path | None = None) -> Path:
        """The draft of ``document`` (attached as ``pdf`` when given, with
        its companion e-invoice files): ``<document stem>.eml`` beside it."""
        main = Path(pdf or document)
        attachments = [main] + [main.with_suffix(s) for s in COMPANION_SUFFIXES
                                if main.with_suffix(s).is_file()]
        fields = {"company": self.company, "company_email": self.sender,
                  "attachment": ", ".join(a.name for a in attachments), **fields}
        subject, body = self.template.message(section, fields)
        return write_draft(Path(document).with_suffix(".eml"), recipients(to), self.sender,
                           subject, body, attachments, self.when)

    def invoice(self, inv: Invoice, project: Project, document: Path, pdf: Path | None = None,
                amount_due: Decimal | None = None, milestone: str = "") -> Path:
        """The draft of an invoice, credit note or release document; its
        wording is the section named by the document's Type."""
        cur = inv.currency
        due = inv.total if amount_due is None else amount_due
        fields = {
            "number": inv.invoice_no, "client": inv.client or project.client,
            "project": project.name or project.project_id, "project_id": project.project_id,
            "po_number": project.po_number, "milestone": milestone or inv.milestone_id,
            "issue_date": _iso(inv.issue_date), "due_date": _iso(inv.due_date),
            "amount": amount_text(abs(inv.total), cur),
            "amount_due": amount_text(due * 0 if inv.type == CREDIT_NOTE else due, cur),
            "related_invoice": inv.related_invoice}
        return self.write(inv.type, project.client_email, fields, document, pdf)


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""
