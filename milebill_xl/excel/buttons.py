"""Ribbon entry points: each button of the Milestone Billing tab runs one
function here through xlwings' ``RunPython`` (see macros/MileBillRibbon.bas).

Every button is glue: it finds the workbook, wraps it in a
:class:`~milebill_xl.excel.livebook.LiveBook`, runs the same action as the
``milebill`` command and shows the outcome in Excel: a message box
(``app.alert``), the status bar, and, for problems, the offending cell of
the first one selected. The testable body of each button is
``_run_<name>(book, app)`` (an xlwings Book and App, or the test fakes).

Which workbook: ``xw.Book.caller()``; when the caller is the add-in itself
(``MileBill.xlam``: xlwings' VBA passes ThisWorkbook), the active workbook
of the same Excel instance.

Inputs of Record Payment and Void Invoice (RunPython passes no arguments,
so the buttons read Excel's state and ask):

* the invoice is the one of the **selected row**: select any cell of its
  row in tblInvoices, or of the milestone in tblMilestones, or of an
  earlier payment in tblPayments (each has an ``Invoice No`` column);
* Record Payment then asks, with Excel's InputBox (``app.api.InputBox``;
  on a Mac an AppleScript dialog), for the amount (default: the open
  balance), the payment date (default: the as-of date) and the bank
  reference (optional);
* Void Invoice asks to confirm (Yes/No message box) and for the reason,
  which is required.

Cancel at any prompt changes nothing. Issue and Void write documents into
the Invoice Folder beside the workbook and then save the workbook, so the
invoice register on disk always matches the documents.
"""
from __future__ import annotations

import logging
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Callable

from ..core.money import format_amount, quantum
from ..core.records import CREDIT_NOTE, VOID
from ..core.words import AWAITING
from ..workbook import contract as C
from ..workbook.book import BookError
from ..workbook.cells import to_text
from .livebook import LiveBook, unsaved_message

log = logging.getLogger(__name__)

TITLE = "Milestone Billing"
MAX_LISTED = 10
#: tables whose rows name an invoice (for Record Payment / Void Invoice)
_INVOICE_ROW_TABLES = (C.INVOICES.name, C.MILESTONES.name, C.PAYMENTS.name)


# ------------------------------------------------------------------ UI

def _money(amount, currency: str) -> str:
    try:
        return f"{format_amount(amount, currency)} {currency}"
    except Exception:  # noqa: BLE001 - unknown currency: the raw figure
        return f"{amount} {currency}"


def prompt(app, message: str, title: str = TITLE, default: str = "") -> str | None:
    """Ask for one line of text; None when the user cancels.

    Windows: Excel's ``Application.InputBox`` (via ``app.api``), which
    returns False on Cancel. Mac: an AppleScript dialog (``osascript``)."""
    if sys.platform == "darwin" and not hasattr(app.api, "InputBox"):  # pragma: no cover
        script = ('on run argv\n'
                  'display dialog (item 1 of argv) default answer (item 3 of argv) '
                  'with title (item 2 of argv)\n'
                  'return text returned of result\nend run')
        proc = subprocess.run(["osascript", "-e", script, message, title, default],
                              capture_output=True, text=True)
        return proc.stdout.rstrip("\n") if proc.returncode == 0 else None
    answer = app.api.InputBox(message, title, default)
    if answer is False or answer is None:
        return None
    if isinstance(answer, float) and answer.is_integer():
        answer = int(answer)
    return str(answer)


class _Ui:
    def __init__(self, book, app) -> None:
        self.book, self.app = book, app

    def status(self, text: str) -> None:
        self.app.status_bar = f"MileBill: {text}"

    def info(self, text: str) -> None:
        self.app.alert(text, TITLE, mode="info")

    def fail(self, text: str) -> None:
        self.status(text.splitlines()[0])
        self.app.alert(text, TITLE, mode="critical")

    def ask(self, question: str) -> bool:
        return self.app.alert(question, TITLE, buttons="yes_no") == "yes"

    def select(self, live: LiveBook, ref: str | None) -> None:
        """Show the cell ``Sheet!A1`` (activate its sheet, select it)."""
        if not ref:
            return
        try:
            sheet, rng = live.range_of(ref)
            sheet.activate()
            rng.select()
        except Exception:  # noqa: BLE001 - a cell we cannot show is no reason to fail
            log.warning("could not select %s", ref, exc_info=True)

    def problems(self, live: LiveBook, errors, what: str, done: str = "") -> None:
        """List the problems, say nothing was changed (or, with ``done``, what
        was done in part), select the first cell."""
        errors = list(errors)
        n = len(errors)
        head = (f"{what}: {done}. Left as they are, {n} problem{'s' if n != 1 else ''}:"
                if done else f"{what}: {n} problem{'s' if n != 1 else ''}; nothing was changed.")
        lines = [head, ""]
        for e in errors[:MAX_LISTED]:
            where = e.get("cell") or e.get("sheet")
            lines.append(f"- {where}: {e['message']}" if where else f"- {e['message']}")
        if n > MAX_LISTED:
            lines.append(f"... and {n - MAX_LISTED} more (Check lists them all).")
        first = next((e.get("cell") for e in errors if e.get("cell") and "!" in e["cell"]), None)
        if first:
            lines += ["", f"The first one is selected: {first}"]
        self.status(f"{what}: {'done in part, ' if done else ''}{n} problem{'s' if n != 1 else ''}"
                    + (f", first at {first}" if first else ""))
        self.app.alert("\n".join(lines), TITLE, mode="info" if done else "critical")
        self.select(live, first)

    def written(self, live: LiveBook, errors, what: str, text: str, short: str) -> None:
        """After a button wrote the workbook: the problems it left as they
        are, with ``text`` (what was done), else ``short`` on the status
        bar and ``text`` in a message."""
        if errors:
            self.problems(live, errors, what, text.rstrip("."))
            return
        self.status(short)
        self.info(text)


def _guarded(what: str, body: Callable, book, app):
    """Run ``body``; a BookError or an unexpected failure becomes a message
    box instead of a Python traceback."""
    ui = _Ui(book, app)
    try:
        return body(ui)
    except BookError as exc:
        ui.fail(f"{what}: {exc}")
    except Exception as exc:  # noqa: BLE001 - shown to the user, logged for support
        log.exception("%s failed", what)
        ui.fail(f"{what} failed unexpectedly: {type(exc).__name__}: {exc}")
    return None


def _caller_book():
    """The workbook the button was pressed for."""
    import xlwings as xw

    book = xw.Book.caller()
    if str(book.name).lower().endswith((".xlam", ".xla")):
        active = book.app.books.active
        if active is None:
            raise BookError("no workbook is open; open the billing workbook and try again")
        book = active
    return book


def _press(run: Callable) -> None:
    book = _caller_book()
    run(book, book.app)


# -------------------------------------------------------- the buttons

def refresh() -> None:
    """Write every computed column and the Dashboard."""
    _press(_run_refresh)


def check() -> None:
    """Validate and compute; show problems, write nothing."""
    _press(_run_check)


def issue_invoices() -> None:
    """Invoice every milestone that is Ready to Invoice."""
    _press(_run_issue_invoices)


def issue_and_email() -> None:
    """Issue invoices and write an e-mail draft of each (``issue --email``)."""
    _press(lambda book, app: _run_issue_invoices(book, app, email=True))


def record_payment() -> None:
    """Record a payment on the invoice of the selected row."""
    _press(_run_record_payment)


def void_invoice() -> None:
    """Void the invoice of the selected row with a credit note."""
    _press(_run_void_invoice)


def release_retention() -> None:
    """Invoice the retention held by the project of the selected row."""
    _press(_run_release_retention)


def release_and_email() -> None:
    """Release retention with an e-mail draft of the invoice (``release --email``)."""
    _press(lambda book, app: _run_release_retention(book, app, email=True))


def void_and_email() -> None:
    """Void with a credit note and an e-mail draft of it (``void --email``)."""
    _press(lambda book, app: _run_void_invoice(book, app, email=True))


def remind() -> None:
    """Reminder letters for overdue invoices, with e-mail drafts if wanted."""
    _press(_run_remind)


def report() -> None:
    """Overdue invoices, aging, unbilled work and the billing forecast."""
    _press(_run_report)


def prepare_for_sharing() -> None:
    """Save a copy safe to email (no links, no add-in functions)."""
    _press(_run_prepare_for_sharing)


def request_approval() -> None:
    """Sign-off sheets and e-mail drafts for completed milestones still pending."""
    _press(_run_request_approval)


def verify_audit() -> None:
    """Check the audit trail's hash chain and the issued documents."""
    _press(_run_verify_audit)


def import_schedule() -> None:
    """Add projects or milestones from a CSV or workbook export."""
    _press(_run_import_schedule)


# ------------------------------------------------------------ bodies

def _run_refresh(book, app, as_of: date | None = None):
    from ..actions import refresh as action

    def body(ui: _Ui):
        live = LiveBook(book)
        ui.status("refreshing...")
        result = action.run(live, as_of)
        if result.errors:
            ui.problems(live, result.errors, "Refresh", f"refreshed as of {result.as_of.isoformat()}"
                        if result.done else "")
            return result
        ui.status(f"refreshed as of {result.as_of.isoformat()} ({result.cells_written} cells)")
        return result
    return _guarded("Refresh", body, book, app)


def _run_check(book, app, as_of: date | None = None):
    from ..actions import check as action

    def body(ui: _Ui):
        live = LiveBook(book)
        loaded = action.run(live, as_of)
        if loaded.errors:
            ui.problems(live, loaded.errors, "Check")
            return loaded
        flags: dict[str, int] = {}
        for r in loaded.computation.milestones:
            flags[r.flag] = flags.get(r.flag, 0) + 1
        lines = [f"No problems as of {loaded.as_of.isoformat()}: {len(loaded.data.projects)} "
                 f"projects, {len(loaded.data.milestones)} milestones, "
                 f"{len(loaded.data.invoices)} invoices.", ""]
        lines += [f"{flag}: {n}" for flag, n in sorted(flags.items(), key=lambda kv: -kv[1])]
        ui.status(f"no problems as of {loaded.as_of.isoformat()}")
        ui.info("\n".join(lines))
        return loaded
    return _guarded("Check", body, book, app)


def _run_issue_invoices(book, app, as_of: date | None = None, email: bool = False):
    from ..actions import issue as action
    what = "Issue + e-mail" if email else "Issue invoices"

    def body(ui: _Ui):
        live = LiveBook(book)
        plan = action.run(live, as_of, dry_run=True, email=email)
        if plan.errors and not plan.issued:
            ui.problems(live, plan.errors, what)
            return plan
        if not plan.issued:
            ui.status("nothing to issue")
            ui.info(f"Nothing to issue as of {plan.as_of.isoformat()}: no milestone is "
                    "Ready to Invoice.")
            return plan
        n = len(plan.issued)
        drafts = " with an e-mail draft of each" if email else ""
        lines = [f"Issue {n} invoice{'s' if n != 1 else ''} dated {plan.as_of.isoformat()} "
                 f"into {plan.folder}{drafts}?", ""]
        for item in plan.issued[:MAX_LISTED]:
            i = item.invoice
            lines.append(f"- {i.invoice_no}: {i.milestone_id} ({i.project_id}) "
                         f"{_money(i.total, i.currency)}")
        if n > MAX_LISTED:
            lines.append(f"... and {n - MAX_LISTED} more")
        if plan.skipped:
            lines += ["", f"Skipped for a problem in their project ({len(plan.skipped)}): "
                      + ", ".join(sk["milestone_id"] for sk in plan.skipped[:MAX_LISTED])]
        if not ui.ask("\n".join(lines)):
            ui.status("issuing cancelled; nothing was changed")
            return None

        def progress(k: int, total: int) -> None:
            ui.status(f"writing invoice {k} of {total}...")
        result = action.run(live, as_of, progress=progress, email=email)
        if result.errors and not result.issued:
            ui.problems(live, result.errors, what)
            return result
        book.save()
        numbers = [i.invoice.invoice_no for i in result.issued]
        span = numbers[0] if len(numbers) == 1 else f"{numbers[0]} to {numbers[-1]}"
        drafts = (f" and {len(result.drafts)} e-mail draft(s) to check and send"
                  if result.drafts else "")
        text = (f"Issued {len(numbers)} invoice(s), {span}; documents{drafts} in {result.folder}. "
                "The workbook was saved.")
        ui.written(live, result.errors, what, text, f"issued {len(numbers)} invoice(s): {span}")
        return result
    return _guarded(what, body, book, app)


def _selected_invoice(ui: _Ui, live: LiveBook, what: str) -> str | None:
    """The Invoice No of the selected row, or None (the user was told why)."""
    sel = ui.app.selection
    found = None
    if sel is not None:
        found = live.locate(sel.sheet.name, sel.row, sel.column)
    if found is not None and found[0] in _INVOICE_ROW_TABLES:
        number = to_text(live.value(found[0], found[1], "Invoice No"), "Invoice No")
        if number:
            return number
        if found[0] == C.MILESTONES.name:
            ui.fail(f"{what}: the selected milestone has no invoice yet; select an invoiced "
                    "milestone or a row of the Invoices table")
            return None
    ui.fail(f"{what}: first select the row of the invoice on the Invoices sheet "
            "(or its milestone on the Milestones sheet), then press the button again")
    return None


def _run_record_payment(book, app):
    from ..actions import common, pay as action

    def body(ui: _Ui):
        live = LiveBook(book)
        number = _selected_invoice(ui, live, "Record payment")
        if number is None:
            return None
        loaded = common.load(live)
        blocking = loaded.errors_touching(invoices=[number])
        if blocking:
            ui.problems(live, blocking, "Record payment")
            return None
        inv = next((r for r in loaded.computation.invoices if r.invoice_no == number), None)
        if inv is not None and inv.type != CREDIT_NOTE and inv.status != VOID and inv.balance <= 0:
            ui.fail(f"Record payment: {number} is fully paid (balance "
                    f"{_money(inv.balance, inv.currency)}); nothing to record")
            return None
        if inv is not None:
            errors = action.validate(loaded, number, max(inv.balance, quantum(inv.currency)))
            if errors:
                ui.problems(live, errors, "Record payment")
                return None
        balance = _money(inv.balance, inv.currency) if inv else "?"
        amount = prompt(ui.app, f"Amount received for {number} (open balance {balance}):",
                        TITLE, str(inv.balance) if inv else "")
        if amount is None:
            ui.status("payment cancelled; nothing was changed")
            return None
        when_text = prompt(ui.app, "Payment date (YYYY-MM-DD):", TITLE, loaded.as_of.isoformat())
        if when_text is None:
            ui.status("payment cancelled; nothing was changed")
            return None
        try:
            when = date.fromisoformat(when_text.strip())
        except ValueError:
            ui.fail(f"Record payment: {when_text!r} is not a date such as "
                    f"{loaded.as_of.isoformat()}; nothing was changed")
            return None
        reference = prompt(ui.app, "Bank reference (optional):", TITLE, "")
        if reference is None:
            ui.status("payment cancelled; nothing was changed")
            return None
        amount = amount.strip().replace(",", "")
        write_off = _ask_write_off(ui, loaded, inv, amount, when) if inv is not None else False
        if write_off is None:
            ui.status("payment cancelled; nothing was changed")
            return None
        result = action.run(live, number, amount, when, reference.strip(), write_off=write_off)
        if result.errors and not result.done:
            ui.problems(live, result.errors, "Record payment")
            return result
        text = result.describe()
        ui.written(live, result.errors, "Record payment", text, text)
        return result
    return _guarded("Record payment", body, book, app)


def _ask_write_off(ui: _Ui, loaded, inv, amount: str, when: date) -> bool | None:
    """When the payment would leave a residual within the Write-off Limit
    (and no early-payment discount settles it), ask whether to write it
    off. None: the user cancelled."""
    from decimal import Decimal, InvalidOperation
    from ..actions import pay as action
    try:
        paid = Decimal(amount)
    except InvalidOperation:
        return False
    off = action.early_discount(loaded, inv.invoice_no, paid, when)
    left = inv.balance - paid - off
    limit = loaded.data.settings.write_off_limit
    if not (0 < left <= limit):
        return False
    answer = ui.app.alert(f"Write off the remaining {_money(left, inv.currency)} of "
                          f"{inv.invoice_no}? (Write-off Limit {_money(limit, inv.currency)})",
                          TITLE, buttons="yes_no_cancel")
    return None if answer == "cancel" else answer == "yes"


def _run_void_invoice(book, app, email: bool = False):
    from ..actions import common, void as action

    def body(ui: _Ui):
        live = LiveBook(book)
        number = _selected_invoice(ui, live, "Void invoice")
        if number is None:
            return None
        loaded = common.load(live)
        blocking = loaded.errors_touching(invoices=[number])
        if blocking:
            ui.problems(live, blocking, "Void invoice")
            return None
        inv = next((r for r in loaded.computation.invoices if r.invoice_no == number), None)
        if inv is not None:
            where = loaded.locator.cell(C.INVOICES.name, inv.row, "Invoice No")
            reason_not = (f"{number} is a credit note; it cannot be voided" if inv.type == CREDIT_NOTE
                          else f"{number} is already void" if inv.status == VOID else None)
            if reason_not:
                ui.problems(live, [{"sheet": C.INVOICES.sheet, "cell": where,
                                    "message": reason_not}], "Void invoice")
                return None
            kept = (f" The {_money(inv.paid, inv.currency)} received stays the client's credit "
                    "and is applied to the milestone's next invoice." if inv.paid > 0 else "")
            question = (f"Void {number}? A credit note reversing all of it "
                        f"({_money(inv.total, inv.currency)}) will be issued, and its milestone "
                        f"goes back to Approval Pending.{kept}")
        else:
            question = f"Void {number}?"
        if not ui.ask(question):
            ui.status("void cancelled; nothing was changed")
            return None
        reason = prompt(ui.app, f"Why is {number} voided? (printed on the credit note)", TITLE, "")
        if reason is None:
            ui.status("void cancelled; nothing was changed")
            return None
        if not reason.strip():
            ui.fail("Void invoice: a reason is required; nothing was changed")
            return None
        result = action.run(live, number, reason, email=email)
        if result.errors and not result.done:
            ui.problems(live, result.errors, "Void invoice")
            return result
        book.save()
        cn = result.credit_note
        held = (f" {_money(result.credit, cn.currency)} received is the client's credit."
                if result.credit else "")
        draft = f" E-mail draft: {result.email}." if result.email else ""
        text = (f"Voided {number}: credit note {cn.invoice_no} for "
                f"{_money(-cn.total, cn.currency)}; document {result.document}.{draft}{held} "
                "The workbook was saved.")
        ui.written(live, result.errors, "Void invoice", text,
                   f"voided {number}: credit note {cn.invoice_no}")
        return result
    return _guarded("Void invoice", body, book, app)


#: tables whose rows name a project (for Release Retention)
_PROJECT_ROW_TABLES = (C.PROJECTS.name, C.MILESTONES.name, C.INVOICES.name)


def _selected_project(ui: _Ui, live: LiveBook, what: str) -> str | None:
    """The Project ID of the selected row, or None (the user was told why)."""
    sel = ui.app.selection
    found = live.locate(sel.sheet.name, sel.row, sel.column) if sel is not None else None
    if found is not None and found[0] in _PROJECT_ROW_TABLES:
        pid = to_text(live.value(found[0], found[1], "Project ID"), "Project ID")
        if pid:
            return pid
    ui.fail(f"{what}: first select the project's row on the Projects sheet (or one of its "
            "milestones or invoices), then press the button again")
    return None


def _run_release_retention(book, app, as_of: date | None = None, email: bool = False):
    from ..actions import common, release as action

    def body(ui: _Ui):
        live = LiveBook(book)
        pid = _selected_project(ui, live, "Release retention")
        if pid is None:
            return None
        loaded = common.load(live, as_of)
        inv, errors = action.plan(loaded, pid)
        if errors:
            ui.problems(live, errors, "Release retention")
            return None
        if inv is None:
            ui.status(f"nothing to release for {pid}")
            ui.info(f"Nothing to release: project {pid} holds no retention as of "
                    f"{loaded.as_of.isoformat()}.")
            return action.ReleaseResult(loaded.as_of, (), pid)
        if not ui.ask(f"Issue {inv.invoice_no} dated {inv.issue_date.isoformat()}, releasing the "
                      f"retention project {inv.project_id} holds: {_money(inv.net, inv.currency)} "
                      f"+ tax {_money(inv.tax, inv.currency)} = {_money(inv.total, inv.currency)}?"):
            ui.status("release cancelled; nothing was changed")
            return None
        result = action.run(live, pid, as_of, email=email)
        if result.errors and not result.done:
            ui.problems(live, result.errors, "Release retention")
            return result
        book.save()
        i = result.invoice
        text = (f"Released the retention of {i.project_id}: {i.invoice_no} for "
                f"{_money(i.total, i.currency)}; document {result.document}"
                + (f"; e-mail draft {result.email.name}" if result.email else "")
                + ". The workbook was saved.")
        ui.written(live, result.errors, "Release retention", text,
                   f"released the retention of {i.project_id}: {i.invoice_no}")
        return result
    return _guarded("Release retention", body, book, app)


def _run_report(book, app, as_of: date | None = None):
    from ..actions import report as action

    def body(ui: _Ui):
        live = LiveBook(book)
        rep = action.run(live, as_of)
        if not rep.done:
            ui.problems(live, rep.loaded.errors, "Report")
            return rep
        dash = rep.dashboard
        lines = [f"Billing report as of {rep.as_of.isoformat()}", ""]
        for t in dash.totals:
            lines.append(f"{t.currency}: contract {_money(t.contract, t.currency)}, billed "
                         f"{_money(t.billed, t.currency)}, unbilled {_money(t.unbilled, t.currency)}, "
                         f"collected {_money(t.collected, t.currency)}, outstanding "
                         f"{_money(t.outstanding, t.currency)}, overdue {_money(t.overdue, t.currency)}")
        lines += ["", "Aging of open balances:"]
        for cur, buckets in dash.aging.items():
            lines.append(f"{cur}: " + ", ".join(f"{b} {format_amount(v, cur)}"
                                                for b, v in buckets.items()))
        overdue = rep.overdue()
        lines += ["", f"Overdue invoices: {len(overdue)}"]
        for d in overdue[:MAX_LISTED]:
            lines.append(f"- {d['invoice_no']} {d['client']}: {d['days_overdue']} days, "
                         f"{_money(d['balance'], d['currency'])}")
        unbilled = rep.unbilled()
        lines += ["", f"Approved, not yet invoiced: {len(unbilled)}"]
        for d in unbilled[:MAX_LISTED]:
            lines.append(f"- {d['milestone_id']} ({d['project_id']}): "
                         f"{_money(d['amount'], d['currency'])}, {d['flag']}")
        if dash.forecast:
            lines += ["", "Expected billing:"]
            for f in dash.forecast:
                lines.append(f"- {f.label} {_money(f.amount, f.currency)}")
        credits = rep.credits()
        if credits:
            lines += ["", "Unapplied credit (paid on voided invoices):"]
            for c in credits:
                lines.append(f"- {c.client}: {_money(c.amount, c.currency)} ({', '.join(c.invoices)})")
        if rep.loaded.errors:
            lines += ["", f"{len(rep.loaded.errors)} problem(s) in some rows; Check lists them "
                      "(the figures of those rows may be incomplete)."]
        ui.status(f"report as of {rep.as_of.isoformat()}: {len(overdue)} overdue, "
                  f"{len(unbilled)} to invoice")
        ui.info("\n".join(lines))
        return rep
    return _guarded("Report", body, book, app)


def _run_prepare_for_sharing(book, app, as_of: date | None = None,
                             out_dir: Path | None = None):
    from ..actions import share as action

    def body(ui: _Ui):
        live = LiveBook(book)
        path = live.saved_path
        if path is None:
            ui.fail("Prepare for sharing: " + unsaved_message(live.name).replace(
                "for the invoice documents", "for the shared copy"))
            return None
        answer = app.alert(f"The shared copy is made from the saved file {path.name}. "
                           "Save the workbook first?", TITLE, buttons="yes_no_cancel")
        if answer == "cancel":
            ui.status("prepare for sharing cancelled")
            return None
        if answer == "yes":
            book.save()
        out = action.run(path, out_dir=out_dir, as_of=as_of)
        ui.status(f"shared copy written: {out.name}")
        ui.info(f"Wrote {out}\n\nExternal links and add-in functions are replaced by their "
                "values; the copy can be emailed.")
        return out
    return _guarded("Prepare for sharing", body, book, app)


__all__ = ["refresh", "check", "issue_invoices", "record_payment", "void_invoice", "report",
           "prepare_for_sharing", "prompt"]


def _run_verify_audit(book, app):
    from ..actions import verify as action

    def body(ui: _Ui):
        live = LiveBook(book)
        result = action.run(live)
        if not result.ok:
            ui.problems(live, list(result.errors) + result.breaks, "Verify")
            return result
        ui.status("audit trail verified")
        ui.info(f"Verified: {result.rows_checked} sealed audit row(s) and "
                f"{result.documents_checked} document(s) are as issued.")
        return result
    return _guarded("Verify", body, book, app)


def _run_import_schedule(book, app):
    """Ask for the file (and, optionally, a project), show what would be
    added, and add it when the user agrees."""
    from ..actions import importer as action

    def body(ui: _Ui):
        live = LiveBook(book)
        source = prompt(app, "Path of the CSV file or workbook to import "
                             "(projects, or milestones of one project):", default="")
        if not source:
            ui.status("import cancelled")
            return None
        project = prompt(app, "Project ID for rows that name none (leave blank if the file "
                              "has a Project column):", default="")
        if project is None:
            ui.status("import cancelled")
            return None
        source_path = Path(source.strip().strip('"'))
        plan = action.run(live, source_path, project=project.strip() or None, dry_run=True)
        if plan.errors:
            ui.problems(live, plan.errors, "Import")
            return plan
        sheet = plan.table.removeprefix("tbl")
        lines = [f"Add {len(plan.rows)} row(s) to {sheet}?", ""]
        lines += ["- " + ", ".join(str(v) for v in list(r.values())[:4]) for r in plan.rows[:15]]
        if len(plan.rows) > 15:
            lines.append(f"... and {len(plan.rows) - 15} more")
        if not ui.ask("\n".join(lines)):
            ui.status("import cancelled; nothing was changed")
            return plan
        result = action.run(live, source_path, project=project.strip() or None)
        if result.errors:
            ui.problems(live, result.errors, "Import")
            return result
        ui.status(f"imported {len(result.rows)} row(s) into {sheet}")
        return result
    return _guarded("Import", body, book, app)


def _run_request_approval(book, app, as_of: date | None = None):
    from ..actions import request_approval as action
    from ..actions.common import load

    def body(ui: _Ui):
        live = LiveBook(book)
        waiting = [r for r in load(live, as_of).computation.milestones
                   if r.flag in AWAITING]
        if not waiting:
            ui.info("No Complete milestone is waiting for approval.")
            return None
        names = ", ".join(r.milestone_id for r in waiting[:10])
        if not ui.ask(f"Ask the clients to sign off {len(waiting)} milestone(s) ({names})? "
                      "A sign-off sheet and an e-mail draft are written for each."):
            ui.status("nothing requested")
            return None
        result = action.run(live, as_of=as_of, email=True)
        if result.errors:
            ui.problems(live, result.errors, "Request Approval")
            return result
        folder = Path(result.requested[0]["document"]).parent if result.requested else None
        ui.status(f"approval requested for {len(result.requested)} milestone(s)")
        ui.info(f"Approval requested for {len(result.requested)} milestone(s); "
                f"the sheets and e-mail drafts are in {folder}." if folder else
                "Nothing new to request today.")
        return result
    return _guarded("Request Approval", body, book, app)


def _run_remind(book, app, as_of: date | None = None):
    """List the letters due, ask whether to write e-mail drafts with them
    (Yes: letters and drafts, No: letters only, Cancel: nothing), write
    them and save the workbook (it records the reminders sent)."""
    from ..actions import remind as action
    from ..actions.common import load
    from ..core.dunning import reminders

    def body(ui: _Ui):
        live = LiveBook(book)
        loaded = load(live, as_of)
        if loaded.wide_errors:
            ui.problems(live, loaded.wide_errors, "Remind")
            return None
        due = reminders(loaded.data, loaded.computation, loaded.as_of)
        if not due:
            ui.status(f"no reminder due as of {loaded.as_of.isoformat()}")
            ui.info(f"No reminder due as of {loaded.as_of.isoformat()}: no overdue invoice has "
                    "reached a new level (Settings: Reminder Days).")
            return due
        lines = [f"Write {len(due)} reminder letter(s) dated {loaded.as_of.isoformat()}?", ""]
        for r in due[:MAX_LISTED]:
            lines.append(f"- {r.title} to {r.client}: "
                         + ", ".join(i.invoice_no for i in r.items)
                         + f", {_money(r.amount_due, r.currency)} due")
        if len(due) > MAX_LISTED:
            lines.append(f"... and {len(due) - MAX_LISTED} more")
        lines += ["", "Yes: letters and an e-mail draft of each. No: letters only."]
        answer = app.alert("\n".join(lines), TITLE, buttons="yes_no_cancel")
        if answer == "cancel":
            ui.status("reminders cancelled; nothing was changed")
            return None
        result = action.run(live, as_of, email=answer == "yes")
        if result.errors and not result.done:
            ui.problems(live, result.errors, "Remind")
            return result
        book.save()
        folder = Path(result.letters[0]["document"]).parent
        drafts = " and e-mail drafts" if answer == "yes" else ""
        text = (f"Wrote {len(result.letters)} reminder letter(s){drafts} in {folder}. "
                "The workbook was saved.")
        ui.written(live, result.errors, "Remind", text,
                   f"wrote {len(result.letters)} reminder letter(s)")
        return result
    return _guarded("Remind", body, book, app)
