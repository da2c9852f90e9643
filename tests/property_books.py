"""Random but valid milestone-billing books, for the property test that
recalculates them in LibreOffice (tests/workbook/test_formulas_property.py).

A book is played forward in time the way a team uses milebill: projects in
mixed currencies (0-, 2-, 3- and 4-digit minor units, a blank one taking
the Default Currency), schedules of percent and fixed milestones (some
Basis cells blank, cancelled rows, percents of 2 to 28 decimals, now and
then a schedule that does not add up), then a random sequence of days on
which milestones are completed, approved, rejected or asked again, issue
runs bill whatever the engine says is billable at its amount (with the
carried credit of a voided invoice), payments of every Kind arrive
(partial, full, an early-payment discount, a write-off of a residual),
invoices are voided by credit notes (reversing discounts and write-offs),
contract values change and milestones are cancelled. The as-of date is
drawn last, usually after the last event, sometimes before it.

Issuing, voiding and carrying credit use the actions' own pure functions
(``issue.apply_issue``, ``issue.carried_credit``, ``void.credit_note_for``,
``void.reversals``), so the rows are the ones the commands write.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from milebill_xl.actions.issue import Issued, _charge, _Recoveries, apply_issue, carried_credit
from milebill_xl.actions.void import credit_note_for, reversals
from milebill_xl.core.deposits import is_deposit
from milebill_xl.core.engine import compute
from milebill_xl.core.money import arithmetic, minor_units, round_money
from milebill_xl.core.numbering import format_number
from milebill_xl.core.records import BookData, Invoice, Milestone, Payment, Project, Settings
from milebill_xl.core.retention import release_charge
from milebill_xl.core.terms import discount_amount, due_date
from milebill_xl.core.words import ON_INVOICE, ON_RELEASE, RETENTION_RELEASE
from milebill_xl.core.records import replace

CURRENCIES = ("USD", "EUR", "JPY", "KWD", "CLF", "BHD")   # 2, 2, 0, 3, 4, 3 digits
DEFAULT_CURRENCIES = ("USD", "EUR", "JPY", "KWD")
TERMS = ("Net 30", "Net 14", "Net 0", "Due on receipt", "EOM", "Net 45 EOM", "2/10 Net 30",
         "1.5/10 Net 45", "net  60", ".5/7net14")
TAX_RATES = ("0", "0.05", "0.075", "0.19", "0.2")
RETAINAGE = ("0", "0.05", "0.1")


@dataclass(frozen=True)
class GeneratedBook:
    """Settings and row dicts for ``build_workbook``, and the as-of date."""

    settings: dict
    projects: list
    milestones: list
    invoices: list
    payments: list
    as_of: date

    def rows(self) -> dict:
        return {"settings": {**self.settings, "As Of Date": self.as_of},
                "projects": self.projects, "milestones": self.milestones,
                "invoices": self.invoices, "payments": self.payments}

    def __repr__(self) -> str:   # what a failing test prints: paste into a regression test
        lines = [f"as_of={self.as_of!r}", f"settings={self.settings!r}"]
        for table in ("projects", "milestones", "invoices", "payments"):
            lines.append(f"{table}=[")
            lines += [f"    {{{', '.join(f'{k!r}: {v!r}' for k, v in row.items() if v not in (None, ''))}}},"
                      for row in getattr(self, table)]
            lines.append("]")
        return "\n".join(lines)


def _money(draw, digits: int) -> Decimal:
    """A positive amount with ``digits`` decimals (now and then one more,
    as a hand-typed contract value may have)."""
    units = draw(st.one_of(st.integers(1, 200), st.integers(200, 10 ** 7)))
    if draw(st.integers(0, 7)) == 0:
        return Decimal(units * 10 + draw(st.integers(1, 9))).scaleb(-digits - 1)
    return Decimal(units).scaleb(-digits)


def _schedule(draw, value: Decimal, currency: str) -> list[tuple[str, Decimal]]:
    """(basis, percent or fixed amount) per milestone; the non-cancelled
    ones add up to ``value`` unless the draw says "off"."""
    n = draw(st.integers(2, 5))
    weights = [draw(st.integers(1, 12)) for _ in range(n)]
    fixed = [draw(st.integers(0, 3)) == 0 for _ in range(n)]
    total = sum(weights)
    out: list[tuple[str, Decimal]] = []
    with arithmetic():
        amounts = [round_money(value * w / total, currency) for w in weights]
        fixed_sum = sum((a for a, f in zip(amounts, fixed) if f), Decimal(0))
        percent_weights = [w for w, f in zip(weights, fixed) if not f]
        if not percent_weights:       # all fixed: the last takes what is left
            amounts[-1] = value - sum(amounts[:-1], Decimal(0))
            return [("Fixed", a) for a in amounts]
        target = (value - fixed_sum) / value
        places = draw(st.sampled_from((2, 4, 6, 12, None)))   # None: full precision
        pw_total = sum(percent_weights)
        percents = []
        for w in percent_weights:
            p = target * w / pw_total
            percents.append(p if places is None else p.quantize(Decimal(1).scaleb(-places)))
        percents[-1] = target - sum(percents[:-1], Decimal(0))
        if percents[-1] < 0:
            percents = [target * w / pw_total for w in percent_weights]
        if draw(st.integers(0, 11)) == 0:   # a schedule that does not add up
            percents = [p * Decimal("0.9") for p in percents]
    it = iter(percents)
    for a, f in zip(amounts, fixed):
        out.append(("Fixed", a) if f else ("Percent", next(it)))
    return out


@st.composite
def books(draw) -> GeneratedBook:
    start = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 1000)))
    settings = Settings(
        default_currency=draw(st.sampled_from(DEFAULT_CURRENCIES)),
        default_payment_terms=draw(st.sampled_from(TERMS)),
        default_tax_rate=Decimal(draw(st.sampled_from(TAX_RATES))),
        due_soon_days=draw(st.integers(0, 14)), approval_sla_days=draw(st.integers(0, 10)),
        retention_tax=draw(st.sampled_from((ON_RELEASE, ON_INVOICE))))
    blank: set[tuple[str, str, str]] = set()       # (kind, id, header) written blank
    projects, schedules = [], []
    currencies = draw(st.permutations(CURRENCIES + ("",)))   # each project its own
    for i in range(draw(st.integers(1, 4))):
        pid = f"P{i + 1}"
        currency = currencies[i]
        terms = draw(st.sampled_from(TERMS + ("",)))
        tax = draw(st.sampled_from(TAX_RATES + ("",)))
        for header, value in (("Currency", currency), ("Payment Terms", terms), ("Tax Rate", tax)):
            if value == "":
                blank.add(("project", pid, header))
        currency = currency or settings.default_currency
        value = _money(draw, minor_units(currency))
        projects.append(Project(
            project_id=pid, name=f"Project {pid}", client=f"Client {pid}", contract_value=value,
            currency=currency, tax_rate=Decimal(tax) if tax else settings.default_tax_rate,
            payment_terms=terms or settings.default_payment_terms,
            retainage_pct=Decimal(draw(st.sampled_from(RETAINAGE))), row=i))
        schedule = _schedule(draw, value, currency)
        if draw(st.integers(0, 4)) == 0:   # a deposit, outside the schedule
            fixed = round_money(value / 10, currency)
            schedule.insert(draw(st.integers(0, 1)),
                            ("Deposit Fixed", fixed) if fixed and draw(st.booleans())
                            else ("Deposit", Decimal("0.1")))
        for _ in range(draw(st.integers(0, 1))):   # a cancelled row: its share does not count
            schedule.insert(draw(st.integers(0, len(schedule))),
                            ("Cancelled " + draw(st.sampled_from(("Percent", "Fixed"))),
                             Decimal(draw(st.integers(1, 40))) / 100))
        schedules.append((pid, schedule))
    milestones = []
    for pid, schedule in schedules:
        for k, (basis, share) in enumerate(schedule):
            mid = f"{pid}-{chr(97 + k)}"
            cancelled = basis.startswith("Cancelled")
            deposit = basis.startswith("Deposit")
            fixed_deposit = basis == "Deposit Fixed"
            basis = "Deposit" if deposit else basis.split()[-1]
            if basis == "Fixed" and cancelled:
                share = share * 1000
            status = "Cancelled" if cancelled else draw(st.sampled_from(("Planned", "In Progress", "")))
            if status == "":
                blank.add(("milestone", mid, "Status"))
            if not deposit and draw(st.integers(0, 4)) == 0:
                blank.add(("milestone", mid, "Basis"))
            if draw(st.integers(0, 3)) == 0:
                blank.add(("milestone", mid, "Approval"))
            milestones.append(Milestone(
                milestone_id=mid, project_id=pid, name=f"Milestone {mid}",
                planned_date=(start + timedelta(days=draw(st.integers(-60, 400)))
                              if draw(st.integers(0, 5)) else None),
                basis=basis,
                percent=share if basis == "Percent" or (deposit and not fixed_deposit) else Decimal(0),
                fixed_amount=share if basis == "Fixed" or fixed_deposit else Decimal(0),
                status=status or "Planned",
                # its own tax rate (issue 13) now and then; blank takes the project's
                tax_rate=draw(st.sampled_from((None, None, None, Decimal(0), Decimal("0.055"),
                                               Decimal("0.1"))))))
    if draw(st.booleans()):   # projects' rows interleaved on the sheet
        milestones = draw(st.permutations(milestones))
    milestones = [replace(m, row=r) for r, m in enumerate(milestones)]
    book = BookData(settings=settings, projects=tuple(projects), milestones=tuple(milestones))

    day = start
    for _ in range(draw(st.integers(2, 10))):
        day += timedelta(days=draw(st.integers(0, 40)))
        book = _step(draw, book, day)
    as_of = day + timedelta(days=draw(st.integers(-10, 150)))
    return _rows(book, as_of, blank)


# ------------------------------------------------------------------ events

def _pick(draw, items):
    items = list(items)
    return draw(st.sampled_from(items)) if items else None


def _set_milestone(book: BookData, m: Milestone, **changes) -> BookData:
    return replace(book, milestones=tuple(replace(x, **changes) if x is m else x
                                          for x in book.milestones))


def _progress(draw, book, day):
    open_ = [m for m in book.milestones if m.status in ("Planned", "In Progress")]
    deposits = [m for m in open_ if is_deposit(m)]   # a deposit comes first, as in life
    m = _pick(draw, deposits if deposits and draw(st.booleans()) else open_)
    if m is None:
        return book
    if m.status == "Planned" and draw(st.booleans()):
        return _set_milestone(book, m, status="In Progress")
    return _set_milestone(book, m, status="Complete",
                          completed_date=day if draw(st.integers(0, 6)) else None)


def _approve(draw, book, day):
    m = _pick(draw, (m for m in book.milestones if m.status == "Complete"
                     and m.approval == "Pending" and not m.invoice_no))
    if m is None:
        return book
    word = "Rejected" if not is_deposit(m) and draw(st.integers(0, 4)) == 0 else "Approved"
    return _set_milestone(book, m, approval=word, approved_by="A. Client",
                          approval_date=day if draw(st.integers(0, 6)) else None)


def _request(draw, book, day):
    m = _pick(draw, (m for m in book.milestones if m.status == "Complete"
                     and m.approval in ("Pending", "Rejected")))
    if m is None:
        return book
    return _set_milestone(book, m, approval="Pending", approval_requested=day)


def _issue(draw, book, day):
    """``milebill issue`` on ``day``: every billable milestone, in sheet order."""
    comp = compute(book, day)
    projects = {p.project_id: p for p in book.projects}
    milestones = {m.milestone_id: m for m in book.milestones}
    s = book.settings
    deposits = _Recoveries(book, comp)     # issue's own pricing: retention, deposit recovery
    drafts = []
    for k, r in enumerate(m for m in comp.milestones if m.billable):
        p = projects[r.project_id]
        charge = _charge(deposits.of(p.project_id), milestones[r.milestone_id], p, r.amount,
                         s.retention_tax, r.tax_rate)
        drafts.append(Issued(Invoice(
            invoice_no=format_number(s.invoice_number_format, day.year, s.next_invoice_seq + k),
            issue_date=day, due_date=due_date(comp.project(p.project_id).terms, day),
            project_id=p.project_id, milestone_id=r.milestone_id, client=p.client,
            currency=p.currency, tax_rate=r.tax_rate, tax_category=p.tax_category,
            **charge.columns()), r.milestone_id))
    if not drafts:
        return book
    issued = carried_credit(SimpleNamespace(computation=comp), drafts)
    return apply_issue(book, issued, len(book.invoices))


def _pay(draw, book, day):
    comp = compute(book, day)
    r = _pick(draw, (r for r in comp.invoices if r.type != "Credit Note" and r.balance > 0
                     and r.status != "Void"))
    if r is None:
        return book
    inv = next(i for i in book.invoices if i.invoice_no == r.invoice_no)
    terms = comp.project(inv.project_id).terms
    digits = minor_units(inv.currency)
    unit = Decimal(1).scaleb(-digits)
    early = terms.has_discount and (day - inv.issue_date).days <= terms.discount_days
    how = draw(st.sampled_from(("discount",) if early else ("part", "write-off", "full")))
    rows = []
    if how == "discount":
        off = discount_amount(terms, inv.total, inv.currency)
        if 0 < off < r.balance:
            rows = [(r.balance - off, "Payment"), (off, "Discount")]
    elif how == "write-off" and r.balance > unit:
        left = unit * draw(st.integers(1, 50))
        if left < r.balance:
            rows = [(r.balance - left, "Payment"), (left, "Write-off")]
    elif how == "part" and r.balance > unit:
        part = round_money(r.balance * Decimal(draw(st.integers(1, 99))) / 100, inv.currency)
        rows = [(max(part, unit), "Payment")]
    if not rows:
        rows = [(r.balance, "Payment")]
    new = tuple(Payment(day, inv.invoice_no, amount, f"ref {len(book.payments) + k}", kind=kind)
                for k, (amount, kind) in enumerate(rows))
    return replace(book, payments=book.payments + new)


def _void(draw, book, day):
    """``milebill void`` on ``day``: a credit note for the whole invoice."""
    comp = compute(book, day)
    live = [r for r in comp.invoices if r.type != "Credit Note" and r.status != "Void"
            and not _unwinds(book, comp, r)]
    paid = [r for r in live if r.paid > 0]   # money received: the next invoice carries it
    r = _pick(draw, paid if paid and draw(st.booleans()) else live)
    if r is None:
        return book
    inv = next(i for i in book.invoices if i.invoice_no == r.invoice_no)
    s = book.settings
    number = format_number(s.credit_note_number_format, day.year, s.next_credit_note_seq)
    cn = replace(credit_note_for(SimpleNamespace(as_of=day), inv, number), row=len(book.invoices))
    undo = reversals(book, inv, day, number)
    book = replace(book, invoices=book.invoices + (cn,), payments=book.payments + tuple(undo),
                   settings=replace(s, next_credit_note_seq=s.next_credit_note_seq + 1))
    m = next((m for m in book.milestones if m.invoice_no == inv.invoice_no), None)
    if m is not None:
        again = draw(st.booleans())          # the client approves the corrected work at once
        book = _set_milestone(book, m, invoice_no="", invoice_date=None, due_date=None,
                              approval="Approved" if again else "Pending",
                              approved_by="A. Client" if again else "",
                              approval_date=day if again else None, approval_requested=day)
    return book


def _unwinds(book, comp, r) -> bool:
    """What ``void`` refuses: a milestone invoice whose retention a release
    paid out, a deposit invoice later invoices recovered from."""
    if r.type != "Invoice":
        return False
    project = comp.project(r.project_id)
    milestone = next((m for m in book.milestones if m.milestone_id == r.milestone_id), None)
    return bool((r.retention and project.retention_held - r.retention < 0)
                or (milestone is not None and is_deposit(milestone) and project.deposit_recovered))


def _release(draw, book, day):
    """``milebill release``: a Retention Release invoice for what a project holds."""
    comp = compute(book, day)
    p = _pick(draw, (p for p in book.projects if comp.project(p.project_id).retention_held > 0))
    if p is None:
        return book
    s = book.settings
    held = comp.project(p.project_id).retention_held
    inv = Invoice(invoice_no=format_number(s.invoice_number_format, day.year, s.next_invoice_seq),
                  type=RETENTION_RELEASE, issue_date=day,
                  due_date=due_date(comp.project(p.project_id).terms, day),
                  project_id=p.project_id, client=p.client, currency=p.currency,
                  row=len(book.invoices),
                  **release_charge(held, p.tax_rate, s.retention_tax, p.currency).columns())
    return replace(book, invoices=book.invoices + (inv,),
                   settings=replace(s, next_invoice_seq=s.next_invoice_seq + 1))


def _change(draw, book, day):
    """A change order: the contract value moves by -20 % to +50 %."""
    p = _pick(draw, book.projects)
    factor = Decimal(100 + draw(st.integers(-20, 50))) / 100
    value = round_money(p.contract_value * factor, p.currency)
    if value <= 0:
        return book
    return replace(book, projects=tuple(replace(x, contract_value=value) if x is p else x
                                        for x in book.projects))


def _cancel(draw, book, day):
    m = _pick(draw, (m for m in book.milestones if not m.invoice_no and m.status != "Cancelled"
                     and not is_deposit(m)))
    return book if m is None else _set_milestone(book, m, status="Cancelled")


#: one day of a team's work, in order: (event, at most how many times, or
#: its chance in percent): milestones progress, clients approve, an issue
#: run, payments, now and then a void, a release, a change order, a
#: cancelled milestone
_DAY = ((_progress, 3, 0), (_approve, 3, 0), (_request, 0, 10), (_issue, 0, 70), (_pay, 3, 0),
        (_void, 0, 15), (_release, 0, 15), (_change, 0, 8), (_cancel, 0, 5))


def _step(draw, book, day):
    for event, most, percent in _DAY:
        times = draw(st.integers(0, most)) if most else int(draw(st.integers(0, 99)) < percent)
        for _ in range(times):
            book = event(draw, book, day)
    return book


# -------------------------------------------------------------- the sheets

def _rows(book: BookData, as_of: date, blank: set) -> GeneratedBook:
    s = book.settings
    settings = {"Default Currency": s.default_currency,
                "Default Payment Terms": s.default_payment_terms,
                "Default Tax Rate": s.default_tax_rate, "Due Soon Days": s.due_soon_days,
                "Approval SLA Days": s.approval_sla_days, "Retention Tax": s.retention_tax,
                "Next Invoice Seq": s.next_invoice_seq,
                "Next Credit Note Seq": s.next_credit_note_seq}

    def cell(kind, key, header, value):
        return None if (kind, key, header) in blank else value

    projects = [{
        "Project ID": p.project_id, "Project": p.name, "Client": p.client,
        "Contract Value": p.contract_value,
        "Currency": cell("project", p.project_id, "Currency", p.currency),
        "Tax Rate": cell("project", p.project_id, "Tax Rate", p.tax_rate),
        "Payment Terms": cell("project", p.project_id, "Payment Terms", p.payment_terms),
        "Retainage %": p.retainage_pct or None,
    } for p in book.projects]
    milestones = [{
        "Milestone ID": m.milestone_id, "Project ID": m.project_id, "Milestone": m.name,
        "Planned Date": m.planned_date,
        "Basis": cell("milestone", m.milestone_id, "Basis", m.basis),
        # a deposit fills one of the two
        "Percent": (m.percent if m.basis == "Percent" else
                    m.percent or None if m.basis == "Deposit" else None),
        "Fixed Amount": (m.fixed_amount if m.basis == "Fixed" else
                         m.fixed_amount or None if m.basis == "Deposit" else None),
        "Status": (None if m.status == "Planned" and ("milestone", m.milestone_id, "Status") in blank
                   else m.status),
        "Completed Date": m.completed_date,
        "Approval": (None if m.approval == "Pending"
                     and ("milestone", m.milestone_id, "Approval") in blank else m.approval),
        "Approved By": m.approved_by, "Approval Date": m.approval_date,
        "Invoice No": m.invoice_no, "Invoice Date": m.invoice_date, "Due Date": m.due_date,
        "Approval Requested": m.approval_requested, "Tax Rate": m.tax_rate,
    } for m in book.milestones]
    invoices = [{
        "Invoice No": i.invoice_no, "Type": i.type, "Issue Date": i.issue_date,
        "Due Date": i.due_date, "Project ID": i.project_id, "Milestone ID": i.milestone_id,
        "Client": i.client, "Currency": i.currency, "Net": i.net, "Tax": i.tax,
        "Total": i.total, "Related Invoice": i.related_invoice,
        "Retention": i.retention or None, "Deposit Applied": i.deposit_applied or None,
        "Tax Rate": i.tax_rate, "Tax Category": i.tax_category or None,
    } for i in book.invoices]
    payments = [{
        "Payment Date": p.payment_date, "Invoice No": p.invoice_no, "Amount": p.amount,
        "Reference": p.reference,
        # a plain payment's Kind is left blank on every other row
        "Kind": None if p.kind == "Payment" and k % 2 else p.kind,
    } for k, p in enumerate(book.payments)]
    return GeneratedBook(settings, projects, milestones, invoices, payments, as_of)


# ------------------------------------------------------------ generating

def generate(n: int) -> list[GeneratedBook]:
    """The first ``n`` books Hypothesis generates, derandomized: the same
    books on every run with the pinned Hypothesis version, as long as the
    same modules are loaded (Hypothesis also draws constants it finds in
    loaded modules): call it through ``generated_books``, which runs it in
    a fresh interpreter."""
    found: list[GeneratedBook] = []

    @settings(max_examples=n, derandomize=True, database=None, phases=[Phase.generate],
              deadline=None, suppress_health_check=list(HealthCheck))
    @given(books())
    def collect(book):
        found.append(book)

    collect()
    return found


def generated_books(n: int) -> list[GeneratedBook]:
    """``generate(n)`` in a fresh interpreter, so which tests ran before in
    this one (and which modules they loaded) cannot change the books."""
    import os
    import pickle
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    code = ("import pickle, sys, property_books; "
            f"sys.stdout.buffer.write(pickle.dumps(property_books.generate({int(n)})))")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, "-c", code], cwd=here, env=env, capture_output=True,
                          check=False, timeout=300)
    if done.returncode:
        raise RuntimeError(f"generating books failed: {done.stderr.decode()[-2000:]}")
    return pickle.loads(done.stdout)
