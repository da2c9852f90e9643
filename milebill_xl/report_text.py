"""Readable terminal output (rich tables) for the command line.

On a terminal, tables fit its width and wrap their cells (never an
ellipsis); in a pipe or a file every value is printed in full, however
wide the table, so a script or a spreadsheet import gets whole numbers."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

from rich.console import Console, ConsoleDimensions
from rich.table import Table as _RichTable

from .core.money import format_amount

#: the width of a pipe or a file: wide enough that no table is cut
PIPE_WIDTH = 10_000


class WholeConsole(Console):
    """A rich console that does not cut lines at 80 columns when its output
    is not a terminal (rich would, or at the width of a terminal on another
    stream)."""

    def __init__(self, *args, **kwargs) -> None:
        #: a width the caller chose; COLUMNS (which rich also reads) is a
        #: terminal's width and does not narrow a pipe
        self._chosen_width = kwargs.get("width")
        super().__init__(*args, **kwargs)

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self._chosen_width is None and not self.is_terminal:
            return ConsoleDimensions(PIPE_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size) -> None:
        Console.size.fset(self, new_size)


def Table(*headers, **kwargs) -> _RichTable:  # noqa: N802 - stands in for rich's Table
    """A rich table whose cells wrap (fold) instead of ending in an ellipsis."""
    table = _RichTable(*headers, **kwargs)
    for column in table.columns:
        column.overflow = "fold"
    return table


_out = WholeConsole(highlight=False)
_err = WholeConsole(stderr=True, highlight=False)


def print_errors(errors, headline: str = "nothing was written") -> None:
    _err.print(f"[bold red]{len(errors)} problem(s); {headline}:[/]")
    for e in errors:
        where = e.get("cell") or e.get("sheet") or "workbook"
        _err.print(f"  {where}: {e['message']}", markup=False)


def print_check(loaded) -> None:
    flags = Counter(r.flag for r in loaded.computation.milestones)
    _out.print(f"OK as of {loaded.as_of.isoformat()}: {len(loaded.data.projects)} projects, "
               f"{len(loaded.data.milestones)} milestones, {len(loaded.data.invoices)} invoices")
    t = Table("Flag", "Milestones", title="Milestones by flag")
    for flag, n in sorted(flags.items(), key=lambda kv: -kv[1]):
        t.add_row(flag, str(n))
    _out.print(t)


def money(amount, currency) -> str:
    """``3,666,667 JPY``: an amount as the documents show it, with its code."""
    return _money(amount, currency)


def _money(amount, currency) -> str:
    try:
        return f"{format_amount(amount, currency)} {currency}"
    except Exception:  # unknown currency: show the raw figure
        return f"{amount} {currency}"


def print_report(rep, console: Console | None = None) -> None:
    _out = console or globals()["_out"]
    dash = rep.dashboard
    _out.print(f"[bold]Milestone billing report as of {rep.as_of.isoformat()}[/]")
    t = Table("Currency", "Contract", "Billed", "Unbilled", "Collected", "Outstanding", "Overdue",
              title="Totals")
    for x in dash.totals:
        t.add_row(x.currency, *[_money(getattr(x, k), x.currency) for k in
                                ("contract", "billed", "unbilled", "collected", "outstanding", "overdue")])
    _out.print(t)
    t = Table("Invoice", "Client", "Project", "Due", "Days", "Balance", title="Overdue invoices")
    for d in rep.overdue():
        t.add_row(d["invoice_no"], d["client"], d["project_id"], d["due_date"].isoformat(),
                  str(d["days_overdue"]), _money(d["balance"], d["currency"]), style="red")
    _out.print(t)
    buckets = ("Current", "1-30", "31-60", "61-90", "90+")
    t = Table("Currency", *buckets, title="Aging of open balances")
    for cur, row in dash.aging.items():
        t.add_row(cur, *[_money(row.get(b, 0), cur) for b in buckets])
    _out.print(t)
    credits = rep.credits()
    if credits:
        t = Table("Client", "Currency", "Credit", "Voided invoices",
                  title="Unapplied credit (paid on voided invoices, not yet re-billed)")
        for c in credits:
            t.add_row(c.client, c.currency, _money(c.amount, c.currency), ", ".join(c.invoices))
        _out.print(t)
    t = Table("Milestone", "Project", "Amount", "Flag", title="Approved, not yet invoiced")
    for d in rep.unbilled():
        t.add_row(d["milestone_id"], d["project_id"], _money(d["amount"], d["currency"]), d["flag"])
    _out.print(t)
    months = sorted({f.month for f in dash.forecast})
    t = Table("Currency", *[m.strftime("%Y-%m") for m in months], title="Expected billing")
    by = {(f.currency, f.month): f.amount for f in dash.forecast}
    for cur in dict.fromkeys(f.currency for f in dash.forecast):
        t.add_row(cur, *[_money(by.get((cur, m), 0), cur) for m in months])
    _out.print(t)
    m = rep.metrics
    t = Table("Currency", "DSO (countback, 90 days)", "Receivables", title="Days sales outstanding")
    for d in m.dso:
        t.add_row(d.currency, "more than 90" if d.beyond else f"{d.days} days",
                  _money(d.receivables, d.currency))
    _out.print(t)
    _out.print(f"days from completion to approval: {m.days_to_approval or '-'}; "
               f"from issue to full payment: {m.days_to_payment or '-'}")


class progress_bar:
    """A rich progress bar for long issue runs, shown only on a terminal."""

    def __init__(self, enabled: bool = True, label: str = "Rendering invoices") -> None:
        self.enabled = enabled and _err.is_terminal
        self.label = label
        self._progress = None
        self._task = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.progress import Progress
        self._progress = Progress(console=_err, transient=True)
        self._progress.start()
        return self.update

    def update(self, done: int, total: int) -> None:
        if self._task is None:
            self._task = self._progress.add_task(self.label, total=total)
        self._progress.update(self._task, completed=done)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()


def print_issued(result) -> None:
    verb = "would issue" if result.dry_run else "issued"
    if not result.issued:
        _out.print(f"nothing to issue as of {result.as_of.isoformat()}")
        return
    t = Table("Invoice", "Milestone", "Project", "Net", "Tax", "Total", "Due", "Document",
              title=f"{verb} {len(result.issued)} invoice(s) as of {result.as_of.isoformat()}")
    for item in result.issued:
        i = item.invoice
        t.add_row(i.invoice_no, i.milestone_id, i.project_id, _money(i.net, i.currency),
                  _money(i.tax, i.currency), _money(i.total, i.currency), i.due_date.isoformat(),
                  i.document)
    _out.print(t)
    for item in result.issued:
        i = item.invoice
        kept = [f"{word} {_money(v, i.currency)}" for word, v in (
            ("retention withheld", i.retention), ("deposit recovered", i.deposit_applied)) if v]
        if kept:
            _out.print(f"{i.invoice_no}: net {_money(i.net, i.currency)}, {', '.join(kept)}; "
                       f"the total is the amount due")
        if item.credit_applied:
            _out.print(f"{i.invoice_no}: {_money(item.credit_applied, i.currency)} already received "
                       f"(Credit Applied); amount due {_money(i.total - item.credit_applied, i.currency)}")
    for s in getattr(result, "skipped", ()):
        _out.print(f"skipped {s['milestone_id']} ({s['project_id']}, {s['cell']}): "
                   "a problem in its project, listed below", markup=False)
    if not result.dry_run:
        _out.print(f"documents in {result.folder}"
                   + (f", with {len(result.drafts)} e-mail draft(s)" if result.drafts else ""))

        if result.e_invoices:
            kind = "Factur-X PDF/A-3" if result.e_invoices[0].suffix == ".pdf" else "UBL XML"
            _out.print(f"{len(result.e_invoices)} e-invoice(s) ({kind}, EN 16931, validated) "
                       "beside them")

def print_reminders(result) -> None:
    """The letters ``remind`` wrote: level, client, invoices, what is due."""
    if not result.letters:
        _out.print(f"no reminder due as of {result.as_of.isoformat()}")
    for r in result.letters:
        cur = r["currency"]
        t = Table("Invoice", "Due", "Days overdue", "Balance", "Interest", "Fee", "Amount due",
                  title=f"{r['title']} {r['reference']} to {r['client']} ({cur})")
        for i in r["invoices"]:
            t.add_row(i["invoice_no"], i["due_date"], str(i["days_overdue"]),
                      *(_money(Decimal(i[k]), cur) for k in ("balance", "interest", "fee",
                                                              "amount_due")))
        t.add_row("Total", "", "", *(_money(Decimal(r[k]), cur) for k in ("balance", "interest",
                                                                             "fee", "amount_due")))
        _out.print(t)
        files = [Path(r["document"]).name] + [Path(r[k]).name for k in ("pdf", "email") if k in r]
        _out.print(f"written: {', '.join(files)}", markup=False)
    for s in result.skipped:
        _out.print(f"skipped the reminder to {s['client']} ({s['currency']}, "
                   f"{', '.join(s['invoices'])}): a problem in its rows, listed below", markup=False)


def print_portfolio(pf, console: Console | None = None) -> None:
    """The portfolio roll-up: totals, aging and expected billing per
    currency, each workbook, numbers issued twice, files not read."""
    out = console or _out
    totals = pf.by_currency()
    out.print(f"[bold]Portfolio of {len(pf.books)} workbook(s) under {pf.folder} "
              f"as of {pf.as_of.isoformat()}[/]")
    money = ("contract", "billed", "unbilled", "collected", "outstanding", "overdue",
             "approved_unbilled")
    t = Table("Currency", "Contract", "Billed", "Unbilled", "Collected", "Outstanding", "Overdue",
              "Approved, unbilled", title="Totals")
    for cur, row in totals.iterrows():
        t.add_row(cur, *[_money(row[k], cur) for k in money])
    out.print(t)
    buckets = ("Current", "1-30", "31-60", "61-90", "90+")
    t = Table("Currency", *buckets, title="Aging of open balances")
    for cur, row in totals.iterrows():
        t.add_row(cur, *[_money(row[b], cur) for b in buckets])
    out.print(t)
    t = Table("Currency", *pf.months, title="Expected billing")
    for cur, row in totals.iterrows():
        t.add_row(cur, *[_money(row[m], cur) for m in pf.months])
    out.print(t)
    t = Table("Workbook", "Currency", "Contract", "Billed", "Outstanding", "Overdue", "Problems",
              title="Workbooks")
    problems = {b.path: b.problems for b in pf.books}
    for _, row in pf.by_book().iterrows():
        cur = row["currency"]
        t.add_row(row["workbook"], cur, *[_money(row[k], cur) for k in
                                          ("contract", "billed", "outstanding", "overdue")],
                  str(problems[row["workbook"]]))
    out.print(t)
    for d in pf.issued_twice():
        out.print(f"[red]issued twice:[/] {d['message']}", markup=True)
    for s in pf.skipped:
        out.print(f"skipped {s.path}: {s.reason}", markup=False)
    for f in pf.failed:
        _err.print(f"not read {f.path}: {f.reason}", markup=False)


def print_import(result, console: Console | None = None) -> None:
    """The rows ``import`` added (or, dry run, would add), in full."""
    out = console or _out
    verb = "would add" if result.dry_run else "added"
    sheet = result.table.removeprefix("tbl")
    columns = list(dict.fromkeys(k for r in result.rows for k in r))
    t = Table(*columns, title=f"{verb} {len(result.rows)} row(s) to {sheet}")
    for r in result.rows:
        t.add_row(*[(v.isoformat() if hasattr(v, "isoformat") else
                     str(v)) if (v := r.get(c)) is not None else "" for c in columns])
    out.print(t)
    out.print("columns: " + ", ".join(f"{ours} <- {theirs}" for ours, theirs in result.mapping.items()),
              markup=False)
    if result.ignored:
        out.print("ignored source columns: " + ", ".join(result.ignored), markup=False)
    for note in result.notes:
        out.print(f"note: {note}", markup=False)


def print_upgrade(result, console: Console | None = None) -> None:
    """What ``upgrade`` did (or, dry run, would do): the backup, what was
    carried, the columns added and everything not carried."""
    out = console or _out
    name = result.path.name
    if result.current:
        out.print(f"{name} is already current: it has every column of this version's "
                  "template; nothing written", markup=False)
        return
    if result.dry_run:
        out.print(f"dry run: {name} would be rebuilt on the current template as of "
                  f"{result.as_of.isoformat()}; nothing written", markup=False)
        out.print(f"backup it would keep: {result.backup.name} (the old file, byte for byte)",
                  markup=False)
    else:
        out.print(f"upgraded {name} to the current template as of {result.as_of.isoformat()}",
                  markup=False)
        out.print(f"backup: {result.backup.name} (the old file, byte for byte)", markup=False)
    words = {"tblSettings": "settings", "tblProjects": "projects", "tblMilestones": "milestones",
             "tblInvoices": "invoices and credit notes", "tblPayments": "payment rows",
             "tblAudit": "audit rows", "tblCurrencies": "currencies (the currency list)"}
    carried = ", ".join(f"{c['rows']} {words.get(c['table'], c['table'])}" for c in result.carried)
    out.print(f"carried: {carried}", markup=False)
    by_sheet: dict[str, list[str]] = {}
    for c in result.added_columns:
        by_sheet.setdefault(c["sheet"], []).append(c["column"])
    t = Table("Sheet", "Columns added", title="columns added (blank, or their formula)")
    for sheet, columns in by_sheet.items():
        t.add_row(sheet, ", ".join(columns))
    out.print(t)
    if result.added_settings:
        out.print("settings added (at their defaults): " + ", ".join(result.added_settings),
                  markup=False)
    out.print("not carried:", markup=False)
    for n in result.not_carried:
        where = f"{n['cell']}: " if n.get("cell") else (f"{n['sheet']}: " if n.get("sheet") else "")
        out.print(f"  {where}{n['message']}", markup=False)
