"""Demo: the whole billing cycle on the sample portfolio, run forward in time.

The sample (``milebill_xl/sample.py``) starts with nothing approved. The demo
then plays ten weeks of a finance team's life, each step either a user edit
(what someone would type in Excel: an approval, a change order, a re-plan)
or a milebill command run as of that day (issue, pay, void, check, refresh).
It ends on the as-of date with every flag a team meets, and leaves the
workbook, the invoice documents and a report for the user to open.

A construction contract (issue 13): P-600 withholds 10 % retention on each
milestone invoice, recovers its 15 % deposit from the later invoices, and
invoices the retention it holds with ``release`` at handover.

Off the happy path too (issue 12): a paid invoice voided and re-billed (the
money received is applied to the new invoice as Credit Applied rows, so the
client is not asked twice), a payment with bank charges written off under
the Write-off Limit, and an early-payment discount taken within 2/10 Net 30.
On the last day (issue 14) a reminder letter with late-payment interest and
its e-mail draft chase the part-paid invoice that is ten days late.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Callable

from rich.console import Console

from ..core.money import format_amount
from ..core.words import APPROVED, CANCELLED, PENDING
from ..sample import construction_project, sample_inputs
from ..workbook import contract as C
from ..workbook.book import BookError
from ..workbook.filebook import FileBook
from ..workbook.reader import read_book
from ..template.builder import build_workbook
from ..xlsx.patch import Patcher
from . import check, issue, pay, refresh, release, remind, report, stamp, void

WORKBOOK = "milestone_billing_demo.xlsx"


def _edit(path: Path, table: str, key: str, changes: dict[str, dict]) -> None:
    """A user's edit in Excel: rows found by their ID column."""
    data, _ = read_book(path)
    records = {C.MILESTONES.name: data.milestones, C.PROJECTS.name: data.projects}[table]
    rows = {getattr(r, key): r.row for r in records}
    patcher = Patcher.open(path)
    patcher.update_rows(table, {rows[k]: v for k, v in changes.items()})
    patcher.save()


def initial_rows(as_of: date) -> dict:
    """The sample as it was ten weeks before ``as_of``: nothing approved yet,
    P-400 before its change order."""
    rows = sample_inputs(as_of)
    for m in rows["milestones"]:
        if m["Approval"] in (APPROVED, "Rejected"):
            m.update({"Approval": PENDING, "Approved By": "", "Approval Date": None,
                      "Approval Notes": ""})
    for p in rows["projects"]:
        if p["Project ID"] == "P-400":
            p.update({"Project": "Harbour survey", "Contract Value": Decimal("40000.000")})
    # the team tolerates small residuals (bank charges) up to 1 unit
    rows["settings"]["Write-off Limit"] = Decimal("1")
    # and charges statutory late-payment interest (8 points over a 2.15 %
    # reference rate) and a fixed 40 per late invoice
    rows["settings"]["Late Interest Rate"] = Decimal("0.1015")
    rows["settings"]["Late Fee"] = Decimal("40")
    # a construction contract with retention and a deposit (issue 13)
    site = construction_project(as_of)
    rows["projects"].append(site["project"])
    rows["milestones"].extend(site["milestones"])
    return rows


@dataclass
class Step:
    day: date
    what: str
    outcome: str = ""


@dataclass
class DemoResult:
    folder: Path
    workbook: Path
    steps: list[Step] = field(default_factory=list)
    as_of: date | None = None


def run(folder: Path, as_of: date | None = None, console: Console | None = None) -> DemoResult:
    """Play the demo ending on ``as_of`` (default today). An explicit
    ``as_of`` is also written to Settings ``As Of Date``, so the workbook
    shows the story's last day on any day it is opened; without one the
    workbook follows today, as a team's own does. Its Audit rows carry the
    story's dates (each step's day, a minute apart from 09:00), not the
    wall clock of the run."""
    moment = {"day": as_of or date.today(), "rows": 0}

    def tick() -> datetime:
        moment["rows"] += 1
        return datetime.combine(moment["day"], time(9)) + timedelta(minutes=moment["rows"])

    def on(day: date) -> date:
        moment["day"] = day
        return day

    with stamp.clock(tick):
        return _play(folder, as_of, console, on)


def _play(folder: Path, as_of: date | None, console: Console | None,
          on: Callable[[date], date]) -> DemoResult:
    from ..report_text import WholeConsole
    out = console or WholeConsole(highlight=False)
    a = as_of or date.today()
    d: Callable[[int], date] = lambda n: a + timedelta(days=n)  # noqa: E731
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / WORKBOOK
    if path.exists():  # a previous demo run: start it again from scratch
        _clear_previous_run(folder, path)
    rows = initial_rows(a)
    if as_of is not None:
        rows["settings"]["As Of Date"] = as_of
    build_workbook(path, **rows)
    book = FileBook(path)
    result = DemoResult(folder, path, as_of=a)

    def step(day: date, what: str, outcome: str) -> None:
        result.steps.append(Step(day, what, outcome))
        out.print(f"[dim]{day.isoformat()}[/]  {what}: {outcome}")

    def approve(day: date, *ids: str, by: str) -> None:
        _edit(path, C.MILESTONES.name, "milestone_id",
              {i: {"Approval": APPROVED, "Approved By": by, "Approval Date": day} for i in ids})
        step(day, f"client approves {', '.join(ids)}", f"approved by {by}")

    def do_issue(day: date) -> None:
        r = issue.run(book, on(day))
        _expect(r.errors, "issue")
        step(day, "milebill issue", ", ".join(
            f"{i.invoice.invoice_no} ({i.milestone_id}, "
            f"{format_amount(i.invoice.total, i.invoice.currency)} {i.invoice.currency}"
            + "".join(f"; {word} {format_amount(v, i.invoice.currency)}" for word, v in (
                ("retention withheld", i.invoice.retention),
                ("deposit recovered", i.invoice.deposit_applied)) if v)
            + (f"; {format_amount(i.credit_applied, i.invoice.currency)} already received, "
               f"Credit Applied" if i.credit_applied else "") + ")"
            for i in r.issued) or "nothing to issue")

    def do_pay(day: date, invoice_no: str, amount: str, ref: str, write_off: bool = False) -> None:
        r = pay.run(book, invoice_no, amount, on(day), ref, day, write_off=write_off)
        _expect(r.errors, "pay")
        step(day, f"milebill pay {invoice_no} {amount}{' --write-off' if write_off else ''}",
             r.describe())

    def number_of(milestone_id: str) -> str:
        data, _ = read_book(path)
        return next(m.invoice_no for m in data.milestones if m.milestone_id == milestone_id)

    out.print(f"[bold]milebill demo[/]: ten weeks of milestone billing, ending {a.isoformat()}\n")
    approve(d(-76), "M-101", by="J. Rivera")
    do_issue(d(-75))
    approve(d(-70), "M-600", by="T. Okafor")
    do_issue(d(-70))
    approve(d(-62), "M-401", by="A. Al-Sabah")
    do_pay(d(-62), number_of("M-600"), "12960.00", "WIRE HD-0415 (deposit)")
    do_issue(d(-60))
    approve(d(-52), "M-301", by="H. Sato")
    do_issue(d(-50))
    do_pay(d(-45), number_of("M-101"), "24000.00", "WIRE 20931")
    paid = number_of("M-101")
    r = void.run(book, paid, "PO number missing; the client asks for a corrected invoice", d(-44))
    _expect(r.errors, "void")
    step(d(-44), f"milebill void {paid} (paid in full)", f"credit note {r.credit_note.invoice_no} "
         f"for {format_amount(-r.credit_note.total, 'USD')} USD; the {format_amount(r.credit, 'USD')} "
         "USD received is Acme's credit; M-101 back to Pending")
    approve(d(-43), "M-101", by="J. Rivera")
    do_issue(d(-43))
    approve(d(-41), "M-102", by="J. Rivera")
    approve(d(-41), "M-601", by="T. Okafor")
    do_issue(d(-40))
    do_pay(d(-35), number_of("M-401"), "11999.500", "KFH TT 5518 (bank charges 0.500)",
           write_off=True)
    approve(d(-26), "M-201", by="K. Bergmann")
    do_issue(d(-25))

    jp = number_of("M-301")
    r = void.run(book, jp, "survey report incomplete; resubmit with sensor map", on(d(-20)))
    _expect(r.errors, "void")
    step(d(-20), f"milebill void {jp}", f"credit note {r.credit_note.invoice_no} "
         f"for {-r.credit_note.total} JPY; M-301 back to Pending")
    _edit(path, C.MILESTONES.name, "milestone_id", {"M-301": {
        "Approval": "Rejected", "Approved By": "H. Sato", "Approval Date": d(-18),
        "Approval Notes": "Invoice voided by credit note: survey report incomplete, resubmit"}})
    step(d(-18), "client rejects M-301", "flag Rejected until the report is resubmitted")

    _edit(path, C.PROJECTS.name, "project_id", {"P-400": {
        "Contract Value": Decimal("45250.500"), "Project": "Harbour survey (CO-1: +5,250.500)"}})
    rf = refresh.run(book, d(-15))
    _expect(rf.errors, "refresh")
    amounts = {m.milestone_id: m.amount for m in check.run(book, d(-15)).computation.milestones}
    step(d(-15), "change order CO-1 on P-400: contract 40,000.000 -> 45,250.500 KWD",
         f"M-401 keeps its invoiced 12,000.000; M-402 now {amounts['M-402']}, "
         f"M-403 {amounts['M-403']} (rule 10)")
    do_pay(d(-14), number_of("M-601"), "16200.00", "WIRE HD-0522")
    do_pay(d(-12), number_of("M-102"), "10000.00", "ACH 88213 (partial)")
    approve(d(-11), "M-202", by="K. Bergmann")
    do_issue(d(-10))

    _edit(path, C.MILESTONES.name, "milestone_id", {"M-503": {
        "Status": CANCELLED, "Approval Notes": "Descoped by client; schedule to be re-planned"}})
    problems = check.run(book, d(-8)).errors
    step(d(-8), "client descopes M-503; milebill check",
         "; ".join(f"{e['cell']}: {e['message']}" for e in problems) or "no problem")
    approve(d(-7), "M-501", by="J. Rivera")
    before = path.read_bytes()
    blocked = issue.run(book, d(-7))
    assert blocked.errors and path.read_bytes() == before
    step(d(-7), "milebill issue", f"refused, workbook unchanged: {blocked.errors[0]['message']}")
    _edit(path, C.MILESTONES.name, "milestone_id", {"M-502": {"Percent": Decimal("0.60")}})
    step(d(-6), "re-plan: M-502 Cut-over 40 % -> 60 %", "P-500 adds up again")
    approve(d(-6), "M-602", by="T. Okafor")
    do_issue(d(-6))

    approve(d(-4), "M-402", by="A. Al-Sabah")
    approve(d(-3), "M-603", by="T. Okafor")
    do_issue(a)
    rr = release.run(book, "P-600", on(a))
    _expect(rr.errors, "release")
    step(a, "milebill release --project P-600 (handover accepted)",
         f"{rr.invoice.invoice_no}: retention {format_amount(rr.invoice.net, 'USD')} + tax "
         f"{format_amount(rr.invoice.tax, 'USD')} = {format_amount(rr.invoice.total, 'USD')} USD")
    # 2/10 Net 30: paid on day 10 less 2 % of 89,250.00
    do_pay(a, number_of("M-202"), "87465.00", "SEPA 7781")
    approve(a, "M-103", by="J. Rivera")
    rm = remind.run(book, on(a), email=True)
    _expect(rm.errors, "remind")
    step(a, "milebill remind --email", "; ".join(
        f"{r['title']} {r['reference']} to {r['client']}: "
        + ", ".join(f"{i['invoice_no']} {i['days_overdue']} days late" for i in r["invoices"])
        + f", {_figure(r['balance'], r['currency'])} + interest {_figure(r['interest'], r['currency'])}"
        f" + fee {_figure(r['fee'], r['currency'])} = {_figure(r['amount_due'], r['currency'])} "
        f"{r['currency']}" for r in rm.letters) + "; letter and e-mail draft in invoices/reminders")
    rf = refresh.run(book, a)
    _expect(rf.errors, "refresh")
    step(a, "milebill refresh", f"{rf.cells_written} computed cells up to date; M-103 is Ready to Invoice")

    rep = report.run(book, a)
    _summary(out, result, rep)
    return result


def _clear_previous_run(folder: Path, path: Path) -> None:
    """Remove what an earlier demo left in ``folder`` (its workbook, lock
    file and invoice documents), nothing else."""
    import shutil
    path.unlink()
    lock_file = folder / f".{path.name}.milebill-lock"
    lock_file.unlink(missing_ok=True)
    invoices = folder / "invoices"
    if invoices.is_dir():
        for doc in list(invoices.glob("INV-*")) + list(invoices.glob("CN-*")):
            doc.unlink()
        shutil.rmtree(invoices / ".milebill-pending", ignore_errors=True)
        shutil.rmtree(invoices / remind.FOLDER, ignore_errors=True)


def _figure(text: str, currency: str) -> str:
    return format_amount(Decimal(text), currency)


def _expect(errors, what: str) -> None:
    if errors:
        raise BookError(f"demo step {what} failed: " + "; ".join(
            f"{e.get('cell') or ''} {e['message']}" for e in errors))


def _summary(out: Console, result: DemoResult, rep) -> None:
    from collections import Counter

    from ..report_text import Table, print_report
    out.print()
    print_report(rep, out)
    flags = Counter(r.flag for r in rep.loaded.computation.milestones)
    t = Table("Flag", "Milestones", title=f"Milestones by flag as of {rep.as_of.isoformat()}")
    for flag, n in flags.most_common():
        t.add_row(flag, str(n))
    out.print(t)
    docs = sorted(p.name for p in (result.folder / "invoices").glob("*.docx"))
    out.print(f"\n[bold]Files to open[/] in {result.folder.resolve()}:")
    out.print(f"  {result.workbook.name}  (Dashboard, Milestones, Invoices, Payments, Audit)")
    out.print(f"  invoices/  {len(docs)} documents: {', '.join(docs)}")
    letters = sorted(p.name for p in (result.folder / "invoices" / remind.FOLDER).glob("*"))
    if letters:
        out.print(f"  invoices/{remind.FOLDER}/  {', '.join(letters)}")
    out.print(f"\nTry: milebill issue {result.workbook} --dry-run   (M-103 is ready)")
