"""`milebill`: the headless twin of the ribbon. Every command runs the same
action code as its button. Exit codes: 0 done, 1 the workbook has problems
(nothing written), 2 wrong usage, 3 done in part (everything the problems
do not touch was written; each problem is listed with its cell)."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from .workbook.book import BookError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


class _IsoDate(click.ParamType):
    """A date typed as YYYY-MM-DD; a wrong one is told what is wrong with it."""
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            from .usage import date_mistake
            self.fail(date_mistake(value), param, ctx)


class _Amount(click.ParamType):
    """An amount typed as digits with a decimal point: 1000.00."""
    name = "AMOUNT"

    def convert(self, value, param, ctx):
        from .usage import amount_mistake
        mistake = amount_mistake(value)
        if mistake:
            self.fail(mistake, param, ctx)
        return value


ISO_DATE = _IsoDate()
AMOUNT = _Amount()
as_of_option = click.option("--as-of", type=ISO_DATE, default=None,
                            help="Evaluate as of this date (default: Settings As Of Date, else today).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
email_option = click.option("--email", is_flag=True,
                            help="Also an .eml draft of each document to the Client Email (never sent).")
book_argument = click.argument("path", type=click.Path(dir_okay=False, path_type=Path))


def _existing(path: Path, hint: str = "PATH") -> Path:
    """``path``, or a usage error (exit 2) naming the argument when there is
    no such file."""
    if not path.exists():
        from .usage import missing_file
        raise click.BadParameter(missing_file(path), param_hint=hint)
    return path


def _open(path: Path):
    from .workbook.filebook import FileBook
    return FileBook(_existing(path))


def _print_json(obj: dict) -> None:
    click.echo(json.dumps(obj, indent=2, default=str))


def _fail_with_errors(errors, as_json: bool, payload: dict | None = None) -> None:
    if as_json:
        _print_json(payload if payload is not None else {"errors": list(errors)})
    else:
        from .report_text import print_errors
        print_errors(errors)
    sys.exit(EXIT_PROBLEMS)


def _respond(errors, payload: dict, as_json: bool, show) -> None:
    """Exit 1 with the problems, or print the JSON payload or ``show()``."""
    if errors:
        _fail_with_errors(errors, as_json, payload)
    if as_json:
        _print_json(payload)
    else:
        show()


def _finish(errors, done: bool, payload: dict, as_json: bool, show) -> None:
    """Exit 1 with the problems when nothing was done; else print the JSON
    payload or ``show()``, then the problems that stopped a part (exit 3)."""
    if errors and not done:
        _fail_with_errors(errors, as_json, payload)
    if as_json:
        _print_json(payload)
    else:
        show()
        if errors:
            from .report_text import print_errors
            print_errors(errors, "done in part; these were left as they are")
    if errors:
        sys.exit(EXIT_PARTIAL)


def _echo_e_invoice(paths) -> None:
    """The e-invoice files a command wrote beside its document."""
    for path in paths:
        click.echo(f"e-invoice (EN 16931, validated): {path}")


def _book_error(exc: Exception, as_json: bool = False) -> None:
    msg = str(exc)
    if as_json:
        _print_json({"errors": [{"sheet": None, "cell": None, "message": msg}]})
    else:
        click.echo(f"error: {msg}", err=True)
    sys.exit(EXIT_PROBLEMS)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="milebill_xl")
def main() -> None:
    """Milestone billing on an Excel workbook."""


@main.command()
@book_argument
@click.option("--demo", is_flag=True, help="Fill it with sample projects and milestones.")
@click.option("--as-of", type=ISO_DATE, default=None, help="Date the sample is built around.")
@json_option
def new(path: Path, demo: bool, as_of: date | None, as_json: bool) -> None:
    """Create a new workbook from the template."""
    from .actions import new as new_action
    try:
        new_action.run(path, demo=demo, as_of=as_of)
    except (BookError, FileExistsError) as exc:
        _book_error(exc, as_json)
    if as_json:
        _print_json({"errors": [], "created": str(path), "demo": demo})
    else:
        click.echo(f"created {path}")


@main.command()
@book_argument
@as_of_option
@json_option
def check(path: Path, as_of: date | None, as_json: bool) -> None:
    """Validate and compute; write nothing."""
    from .actions import check as action
    try:
        loaded = action.run(_open(path), as_of)
    except BookError as exc:
        _book_error(exc, as_json)
    from .report_text import print_check
    _respond(loaded.errors, action.to_json(loaded), as_json, lambda: print_check(loaded))


@main.command()
@book_argument
@as_of_option
@json_option
def refresh(path: Path, as_of: date | None, as_json: bool) -> None:
    """Write computed columns and the dashboard."""
    from .actions import refresh as action
    try:
        result = action.run(_open(path), as_of)
    except BookError as exc:
        _book_error(exc, as_json)

    def show():
        click.echo(f"refreshed {path} as of {result.as_of.isoformat()}: "
                   f"{result.cells_written} computed cells brought up to date")
        if result.uncharted:
            from .actions.refresh import uncharted_note
            click.echo("note: " + uncharted_note(list(result.uncharted)), err=True)
    _finish(result.errors, result.done, result.to_json(), as_json, show)


@main.command()
@book_argument
@as_of_option
@json_option
def report(path: Path, as_of: date | None, as_json: bool) -> None:
    """Overdue invoices, aging, approved-but-unbilled, billing forecast."""
    from .actions import report as action
    try:
        rep = action.run(_open(path), as_of)
    except BookError as exc:
        _book_error(exc, as_json)
    from .report_text import print_report
    _finish(rep.loaded.errors, rep.done, action.to_json(rep) if rep.done else
            {"as_of": rep.as_of.isoformat(), "errors": list(rep.loaded.errors)},
            as_json, lambda: print_report(rep))


@main.command()
@book_argument
@as_of_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the documents (default: the Invoice Folder setting).")
@click.option("--dry-run", is_flag=True, help="Show what would be issued; write nothing.")
@click.option("--pdf", is_flag=True, help="Also convert each document to PDF (needs LibreOffice).")
@email_option
@json_option
def issue(path: Path, as_of: date | None, out_dir: Path | None, dry_run: bool, pdf: bool,
          email: bool, as_json: bool) -> None:
    """Issue invoices for every billable milestone."""
    from .actions import issue as action
    from .report_text import print_issued, progress_bar
    try:
        with progress_bar(enabled=not as_json) as progress:
            result = action.run(_open(path), as_of, out_dir, dry_run, pdf, progress, email)
    except BookError as exc:
        _book_error(exc, as_json)
    _finish(result.errors, bool(result.issued), result.to_json(), as_json,
            lambda: print_issued(result))


@main.command()
@book_argument
@click.option("--invoice", "invoice_no", required=True, help="Invoice number paid.")
@click.option("--amount", required=True, type=AMOUNT,
              help="Amount received, in the invoice's currency: digits and a point, 1000.00.")
@click.option("--date", "pay_date", type=ISO_DATE, default=None, help="Payment date (default: as-of date).")
@click.option("--reference", default="", help="Bank reference.")
@click.option("--write-off", is_flag=True,
              help="Write off what this payment leaves open (up to the Write-off Limit setting).")
@as_of_option
@json_option
def pay(path: Path, invoice_no: str, amount: str, pay_date: date | None, reference: str,
        write_off: bool, as_of: date | None, as_json: bool) -> None:
    """Record a payment (and an early-payment discount or a write-off) against an invoice."""
    from .actions import pay as action
    try:
        result = action.run(_open(path), invoice_no, amount, pay_date, reference, as_of,
                            write_off=write_off)
    except BookError as exc:
        _book_error(exc, as_json)
    _finish(result.errors, result.done, result.to_json(), as_json,
            lambda: click.echo(result.describe()))


@main.command()
@book_argument
@click.option("--invoice", "invoice_no", required=True, help="Invoice number to void.")
@click.option("--reason", required=True, help="Why (printed on the credit note and in the audit).")
@as_of_option
@click.option("--pdf", is_flag=True, help="Also convert the credit note to PDF (needs LibreOffice).")
@email_option
@json_option
def void(path: Path, invoice_no: str, reason: str, as_of: date | None, pdf: bool, email: bool,
         as_json: bool) -> None:
    """Void an invoice with a credit note reversing all of it."""
    from .actions import void as action
    try:
        result = action.run(_open(path), invoice_no, reason, as_of, pdf, email)
    except BookError as exc:
        _book_error(exc, as_json)

    def show():
        from .report_text import money
        cn = result.credit_note
        held = (f"; {money(result.credit, cn.currency)} received is the client's credit, "
                "carried to the milestone's next invoice" if result.credit else "")
        extra = "".join(f", {k} {v.name}" for k, v in (("pdf", result.pdf), ("e-mail draft", result.email))
                        if v is not None)
        click.echo(f"voided {cn.related_invoice}: credit note {cn.invoice_no} for "
                   f"{money(-cn.total, cn.currency)}, document {result.document}{extra}{held}")
        _echo_e_invoice(result.e_invoice)
    _finish(result.errors, result.done, result.to_json(), as_json, show)


@main.command()
@book_argument
@click.option("--project", "project_id", required=True, help="Project ID whose retention is released.")
@as_of_option
@click.option("--pdf", is_flag=True, help="Also convert the document to PDF (needs LibreOffice).")
@email_option
@json_option
def release(path: Path, project_id: str, as_of: date | None, pdf: bool, email: bool,
            as_json: bool) -> None:
    """Invoice the retention a project holds (a Retention Release invoice)."""
    from .actions import release as action
    try:
        result = action.run(_open(path), project_id, as_of, pdf, email)
    except BookError as exc:
        _book_error(exc, as_json)

    def show():
        from .report_text import money
        i = result.invoice
        if i is None:
            click.echo(f"nothing to release: project {result.project_id} holds no retention")
            return
        extra = "".join(f", {k} {v.name}" for k, v in (("pdf", result.pdf), ("e-mail draft", result.email))
                        if v is not None)
        click.echo(f"released the retention of {i.project_id}: {i.invoice_no} for "
                   f"{money(i.total, i.currency)} (net {money(i.net, i.currency)}, tax "
                   f"{money(i.tax, i.currency)}), due {i.due_date.isoformat()}, "
                   f"document {result.document}{extra}")
        _echo_e_invoice(result.e_invoice)
    _finish(result.errors, result.done, result.to_json(), as_json, show)


@main.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path),
                default=Path("demo"))
@click.option("--as-of", type=ISO_DATE, default=None, help="Run the demo as of this date.")
@json_option
def demo(folder: Path, as_of: date | None, as_json: bool) -> None:
    """Run the whole billing cycle on a sample workbook in FOLDER."""
    import io

    from rich.console import Console

    from .actions import demo as action
    try:
        result = action.run(folder, as_of, Console(file=io.StringIO()) if as_json else None)
    except BookError as exc:
        _book_error(exc, as_json)
    if as_json:
        _print_json({"errors": [], "as_of": result.as_of.isoformat(),
                     "workbook": str(result.workbook),
                     "steps": [{"day": s.day.isoformat(), "what": s.what, "outcome": s.outcome}
                               for s in result.steps]})


@main.group()
def addin() -> None:
    """The Excel add-in (MileBill.xlam)."""


@addin.command("build")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path),
                default=Path("dist"))
@click.option("--xlsm", is_flag=True, help="Also build the .xlsm twin (for LibreOffice checks).")
def addin_build(folder: Path, xlsm: bool) -> None:
    """Build MileBill.xlam from macros/ (no Excel needed)."""
    from .excel.addin import build_addin, build_xlsm_twin
    click.echo(str(build_addin(folder)))
    if xlsm:
        click.echo(str(build_xlsm_twin(folder)))


def _install_options(f):
    """Options of addin install/uninstall; the hidden ones place a test or
    an administrator's install somewhere else than this user's folders."""
    f = click.option("--python", "python", default=None, hidden=True,
                     help="Interpreter to name (default: this one).")(f)
    f = click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
                     hidden=True, help="Home folder to install for.")(f)
    f = click.option("--platform", "platform_name", type=click.Choice(["windows", "macos"]),
                     default=None, hidden=True, help="Excel platform (default: this machine's).")(f)
    f = json_option(f)
    return click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")(f)


def _addin_setup(action: str, dry_run: bool, as_json: bool, platform_name: str | None,
                 home: Path | None, python: str | None) -> None:
    from .excel import install as setup
    try:
        outcome = getattr(setup, action)(setup.layout_for(platform_name, home),
                                         python or sys.executable, dry_run)
    except (OSError, setup.ConfError) as exc:
        hint = " (is Excel running with the add-in loaded? Quit Excel and try again)" \
            if isinstance(exc, PermissionError) else ""
        _book_error(BookError(f"nothing {action}ed: {exc}{hint}"), as_json)
    if as_json:
        _print_json(outcome.to_json())
    else:
        click.echo("\n".join(outcome.lines(dry_run)))


@addin.command("install")
@_install_options
def addin_install(**options) -> None:
    """Copy MileBill.xlam into Excel's add-ins folder and point xlwings at this Python."""
    _addin_setup("install", **options)


@addin.command("uninstall")
@_install_options
def addin_uninstall(**options) -> None:
    """Remove MileBill.xlam and the interpreter line install wrote."""
    _addin_setup("uninstall", **options)


@main.command()
@book_argument
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the copy (default: beside the workbook).")
@as_of_option
@json_option
def share(path: Path, out_dir: Path | None, as_of: date | None, as_json: bool) -> None:
    """Write a copy safe to email: no external links, add-in functions as values."""
    from .actions import share as action
    try:
        out = action.run(_existing(path), out_dir, as_of)
    except BookError as exc:
        _book_error(exc, as_json)
    if as_json:
        _print_json({"errors": [], "written": str(out)})
    else:
        click.echo(f"wrote {out}")


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@as_of_option
@json_option
@click.option("--xlsx", "xlsx_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the roll-up as a workbook with a Dashboard.")
def portfolio(folder: Path, as_of: date | None, as_json: bool, xlsx_out: Path | None) -> None:
    """Roll up every milestone workbook under FOLDER; exit 3 if some could not be read."""
    from .actions import portfolio as action
    from .report_text import print_portfolio, progress_bar
    try:
        with progress_bar(enabled=not as_json, label="Reading workbooks") as progress:
            pf = action.run(folder, as_of, progress)
    except BookError as exc:
        _book_error(exc, as_json)
    if xlsx_out is not None:
        from .template.portfolio import write_portfolio
        write_portfolio(pf, xlsx_out)
    if as_json:
        _print_json(pf.to_json())
    else:
        print_portfolio(pf)
        if xlsx_out is not None:
            click.echo(f"wrote {xlsx_out}")
    if pf.partial:
        sys.exit(EXIT_PARTIAL)


@main.command("import")
@book_argument
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--map", "mapping", default=None,
              help='Source headers for our columns: "Milestone=Task Name,Planned Date=Finish".')
@click.option("--project", default=None, help="Project ID for every row (fills a blank one).")
@click.option("--dry-run", is_flag=True, help="Show the rows it would add; write nothing.")
@as_of_option
@json_option
def import_(path: Path, source: Path, mapping: str | None, project: str | None, dry_run: bool,
            as_of: date | None, as_json: bool) -> None:
    """Add projects or milestones from a CSV file or another workbook."""
    from .actions import importer as action
    from .report_text import print_import
    try:
        columns = action.parse_map(mapping)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None
    try:
        result = action.run(_open(path), source, columns, project, dry_run, as_of)
    except BookError as exc:
        _book_error(exc, as_json)
    _respond(result.errors, result.to_json(), as_json, lambda: print_import(result))


@main.command("request-approval")
@book_argument
@click.option("--milestone", "milestone_id", default=None,
              help="Only this milestone (default: every Complete one still Pending).")
@as_of_option
@click.option("--pdf", is_flag=True, help="Also a PDF of each sign-off sheet (LibreOffice).")
@email_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the approvals/ folder (default: the Invoice Folder).")
@json_option
def request_approval(path: Path, milestone_id: str | None, as_of: date | None, pdf: bool,
                     email: bool, out_dir: Path | None, as_json: bool) -> None:
    """Send completed milestones for the client's sign-off."""
    from .actions import request_approval as action
    try:
        result = action.run(_open(path), milestone_id, as_of, pdf, email, out_dir)
    except BookError as exc:
        _book_error(exc, as_json)

    def show():
        for r in result.requested:
            extra = "".join(f", {k} {Path(r[k]).name}" for k in ("pdf", "email") if k in r)
            click.echo(f"requested approval of {r['milestone_id']} ({r['amount']} {r['currency']}): "
                       f"{Path(r['document']).name}{extra}")
        for s in result.skipped:
            click.echo(f"skipped {s['milestone_id']}: {s['reason']}")
        if not result.requested and not result.skipped:
            click.echo("no Complete milestone is waiting for approval")
    _respond(result.errors, result.to_json(), as_json, show)


@main.command()
@book_argument
@as_of_option
@click.option("--pdf", is_flag=True, help="Also a PDF of each letter (LibreOffice, one batch).")
@email_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the reminders/ folder (default: the Invoice Folder).")
@json_option
def remind(path: Path, as_of: date | None, pdf: bool, email: bool, out_dir: Path | None,
           as_json: bool) -> None:
    """Reminder letters for overdue invoices, per client and currency (Reminder Days levels)."""
    from .actions import remind as action
    from .report_text import print_reminders
    try:
        result = action.run(_open(path), as_of, pdf, email, out_dir)
    except BookError as exc:
        _book_error(exc, as_json)
    _finish(result.errors, result.done, result.to_json(), as_json, lambda: print_reminders(result))


@main.command()
@book_argument
@json_option
def verify(path: Path, as_json: bool) -> None:
    """Check the audit trail's hash chain and the issued documents; exit 1 on any break."""
    from .actions import verify as action
    try:
        result = action.run(_open(path))
    except BookError as exc:
        _book_error(exc, as_json)
    if as_json:
        _print_json(result.to_json())
    elif result.ok:
        click.echo(f"verified: {result.rows_checked} sealed audit row(s) and "
                   f"{result.documents_checked} document(s) are as issued")
    else:
        from .report_text import print_errors
        print_errors(list(result.errors) + result.breaks, "verification failed")
    if not result.ok:
        sys.exit(EXIT_PROBLEMS)


@main.command()
@book_argument
@as_of_option
@click.option("--dry-run", is_flag=True,
              help="Say what would be carried, added and left behind; write nothing.")
@json_option
def upgrade(path: Path, as_of: date | None, dry_run: bool, as_json: bool) -> None:
    """Rebuild a workbook made by an older template on the current one (a backup is kept)."""
    from .actions import upgrade as action
    try:
        result = action.run(_existing(path), as_of, dry_run)
    except BookError as exc:
        _book_error(exc, as_json)
    from .report_text import print_upgrade
    _finish(result.errors, result.done, result.to_json(), as_json,
            lambda: print_upgrade(result))


@main.command()
@click.argument("book_a", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("book_b", type=click.Path(dir_okay=False, path_type=Path))
@json_option
def reconcile(book_a: Path, book_b: Path, as_json: bool) -> None:
    """Compare two copies of a workbook; exit 1 on invoice-number conflicts."""
    from .actions import reconcile as action
    try:
        rec = action.run(_existing(book_a, "BOOK_A"), _existing(book_b, "BOOK_B"))
    except BookError as exc:
        _book_error(exc, as_json)
    if as_json:
        _print_json(rec.to_json())
    elif rec.conflicts:
        click.echo(f"{len(rec.conflicts)} conflict(s) between {book_a.name} and {book_b.name}; "
                   "do not merge them until each is resolved:", err=True)
        for c in rec.conflicts:
            click.echo(f"  {c['kind']}: {c['message']}", err=True)
    else:
        click.echo(f"no conflicts: {len(rec.shared)} invoice(s) in both, "
                   f"{len(rec.only_a)} only in {book_a.name}, {len(rec.only_b)} only in {book_b.name}")
    if rec.conflicts:
        sys.exit(EXIT_PROBLEMS)


if __name__ == "__main__":  # pragma: no cover
    main()
