"""Remind: payment reminder letters for overdue invoices (dunning).

The rules are core/dunning.py's: which invoices are chased, the level each
has reached by the ``Reminder Days`` setting, the statutory interest and
the fee. Per client and currency with a level raised, a letter
(documents/reminder.py) goes into the ``reminders`` folder beside the
invoices (``--pdf``: also a PDF, all in one LibreOffice batch; ``--email``:
an .eml draft to the Client Email), each listed invoice's ``Reminder
Level`` and ``Last Reminder`` are written, and one Audit row per letter
records it with the letter's SHA-256. Running again the same day raises no
level: nothing is written.

Scoped problems: a workbook-wide one stops the run; one in the rows of a
letter's invoices or projects (or, with ``--email``, a project without a
usable Client Email) skips that letter only: exit 3, done in part.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..core.audit import file_sha256, with_document
from ..core.dunning import Reminder, reminders
from ..core.money import format_amount
from ..documents.email import recipients
from ..documents.invoice import safe_document_name
from ..documents.reminder import ReminderLetter, write_letter
from ..workbook import contract as C
from ..workbook.book import Book, Changes
from .common import load, problem, seal, session
from .issue import audit_row, invoice_folder
from .mailing import Mailer, amount_text, client_problem

#: the columns of tblInvoices remind writes
COLUMNS = ("Reminder Level", "Last Reminder")
FOLDER = "reminders"


@dataclass
class RemindResult:
    as_of: date
    errors: tuple[dict, ...] = ()
    letters: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return bool(self.letters)

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "errors": list(self.errors),
                "reminders": self.letters, "skipped": self.skipped}


def reference(r: Reminder, as_of: date) -> str:
    """The letter's reference and file name stem: the date and the first
    (oldest) invoice it lists, unique per day as a client and currency
    have one letter a day: ``REM-2026-12-01-INV-2026-0004``."""
    return safe_document_name(f"REM-{as_of.isoformat()}-{r.items[0].invoice_no}", ext="")


def _entry(r: Reminder, ref: str, document: Path) -> dict:
    cur = r.currency
    return {"reference": ref, "client": r.client, "currency": str(cur), "level": r.level,
            "title": r.title, "document": str(document),
            "balance": str(r.balance), "interest": str(r.interest), "fee": str(r.fee),
            "amount_due": str(r.amount_due),
            "invoices": [{"invoice_no": i.invoice_no, "project_id": i.project_id,
                          "issue_date": i.issue_date.isoformat() if i.issue_date else None,
                          "due_date": i.due_date.isoformat(), "days_overdue": i.days_overdue,
                          "balance": str(i.balance), "interest": str(i.interest),
                          "fee": str(i.fee), "amount_due": str(i.amount_due),
                          "level": i.level, "previous_level": i.previous_level}
                         for i in r.items]}


def _detail(r: Reminder) -> str:
    cur = r.currency
    money = lambda x: format_amount(x, cur)  # noqa: E731
    listed = ", ".join(f"{i.invoice_no} {money(i.balance)} ({i.days_overdue} days, level "
                       f"{i.level})" for i in r.items)
    return (f"{r.title} (level {r.level}) to {r.client}: {listed}; interest {money(r.interest)}, "
            f"fee {money(r.fee)}, amount due {money(r.amount_due)} {cur}")


def run(book: Book, as_of: date | None = None, pdf: bool = False, email: bool = False,
        out_dir: Path | None = None) -> RemindResult:
    with session(book):
        loaded = load(book, as_of)
        when = loaded.as_of
        if loaded.wide_errors:
            return RemindResult(when, loaded.errors)
        geo = loaded.locator.geometry(C.INVOICES.name)
        absent = [c for c in COLUMNS if geo.index(c) is None]
        if absent:
            return RemindResult(when, (problem(
                "the Invoices table has no column " + " or ".join(f"'{c}'" for c in absent)
                + ", where the reminders sent are kept; add columns headed Reminder Level and "
                "Last Reminder at the right end of the table", loaded.locator.sheet(C.INVOICES.name)),))
        mailer = None
        if email:
            mailer, refused = Mailer.prepare(book, loaded)
            if refused:
                return RemindResult(when, refused)
        data = loaded.data
        settings = data.settings
        projects = {p.project_id: p for p in data.projects}
        cell = loaded.locator.cell
        # every row problem is listed (an invoice it hides from the rules is
        # not chased); the ones a letter touches also skip that letter
        result = RemindResult(when, loaded.errors)
        folder = invoice_folder(book, loaded, out_dir) / FOLDER
        planned: list[tuple[Reminder, ReminderLetter, dict, str]] = []
        for r in reminders(data, loaded.computation, when):
            nos = [i.invoice_no for i in r.items]
            pids = list(dict.fromkeys(i.project_id for i in r.items))
            blocking = list(loaded.errors_touching(projects=pids, invoices=nos))
            blocking += [problem(f"{i.invoice_no} names project {i.project_id!r}, which is not on "
                                 "the Projects sheet", cell(C.INVOICES.name, i.row, "Project ID"))
                         for i in r.items if i.project_id not in projects]
            own = [projects[p] for p in pids if p in projects]
            to = ", ".join(dict.fromkeys(recipients(p.client_email) for p in own
                                         if recipients(p.client_email)))
            if email and own and not to:
                blocking.append(client_problem(loaded, own[0], "reminder"))
            if blocking:
                result.errors += tuple(e for e in blocking if e not in result.errors)
                result.skipped.append({"client": r.client, "currency": str(r.currency),
                                       "invoices": nos, "errors": blocking})
                continue
            ref = reference(r, when)
            letter = ReminderLetter(
                reference=ref, written_on=when, reminder=r, seller=settings.company,
                seller_address=settings.company_address, seller_email=settings.company_email,
                bank_details=settings.bank_details, client_address=own[0].client_address,
                interest_rate=settings.late_interest_rate, late_fee=settings.late_fee)
            planned.append((r, letter, _entry(r, ref, folder / f"{ref}.docx"), to))
        if not planned:
            return result
        changes = Changes()
        made: list[Path] = []
        try:
            for r, letter, entry, _to in planned:
                path = write_letter(letter, Path(entry["document"]))
                made.append(path)
                for i in r.items:
                    changes.set(C.INVOICES.name, "Reminder Level", i.row, i.level)
                    changes.set(C.INVOICES.name, "Last Reminder", i.row, when)
                changes.append(C.AUDIT.name, audit_row(
                    "Reminder", entry["reference"],
                    with_document(_detail(r), f"{FOLDER}/{path.name}", file_sha256(path))))
            if pdf:
                from ..documents.pdf import to_pdf
                for (_r, _l, entry, _to), converted in zip(planned, to_pdf(made, folder)):
                    entry["pdf"] = str(converted)
            for r, _letter, entry, to in planned:
                if mailer is not None:
                    entry["email"] = str(mailer.write("Reminder", to, _fields(r, entry),
                                                      Path(entry["document"]),
                                                      Path(entry["pdf"]) if "pdf" in entry else None))
            book.apply(seal(loaded, changes))
        except BaseException:
            for path in made:                   # nothing half-done is left behind
                for suffix in (".docx", ".pdf", ".eml"):
                    path.with_suffix(suffix).unlink(missing_ok=True)
            raise
        result.letters = [entry for _r, _l, entry, _to in planned]
        return result


def _fields(r: Reminder, entry: dict) -> dict[str, str]:
    cur = r.currency
    first = r.items[0]
    return {"number": entry["reference"], "client": r.client, "title": r.title,
            "invoices": ", ".join(i.invoice_no for i in r.items),
            "due_date": r.overdue_since.isoformat(),
            "amount_due": amount_text(r.amount_due, cur), "balance": amount_text(r.balance, cur),
            "amount": amount_text(r.balance, cur), "interest": amount_text(r.interest, cur),
            "fee": amount_text(r.fee, cur), "project_id": first.project_id}
