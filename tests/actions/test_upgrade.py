"""`milebill upgrade`: a workbook made by an older template rebuilt on the
current one, through the CLI.

The "old" workbook is made as an older template left it: a book built with
the current builder and used (issue, pay, void), then stripped with
openpyxl of the optional and helper columns (Hash and Document SHA-256
kept, so the audit chain can be verified), with a team's own column, sheet
and setting row added and one setting row (E-Invoice Format) missing.
Every expected value is written here by hand."""
from __future__ import annotations

import json
import shutil
import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import TableColumn

from milebill_xl.workbook.reader import read_book, read_raw_tables
from milebill_xl.xlsx.ooxml import Formula
from milebill_xl.xlsx.patch import Patcher

from .conftest import cli, digest, make_book, milestones, projects

D = Decimal

#: what each table of the old book lacks (the current template's optional
#: and helper columns, but Hash and Document SHA-256)
DROPPED = {
    "Settings": ["Notes"],
    "Projects": ["Retention Held", "Client Tax ID", "Client Country", "Tax Category",
                 "Tax Exemption Reason", "Eff Currency", "Digits", "Issued Net", "Unissued Fixed",
                 "Unissued Percent", "Has Issued", "Remainder", "Drift", "Schedule", "Terms Key",
                 "Terms OK", "Can Bill", "Eff Tax Rate"],
    "Milestones": ["Approval Requested", "Tax Rate", "Project Row", "Invoice Row",
                   "Project Currency", "Digits", "Eff Basis", "Eff Due Date", "Issued Net",
                   "Fixed Part", "Weight", "Cum Weight", "Plan Weight", "Plan Cum Weight",
                   "Plan Amount", "Billable", "Approval Days", "Eff Tax Rate"],
    "Invoices": ["Reminder Level", "Last Reminder", "Retention", "Deposit Applied", "Tax Rate",
                 "Tax Category", "Digits", "Credited", "Days To Pay"],
    "Payments": ["Kind"],
}


def _json(res, code=0):
    assert res.exit_code == code, res.output
    return json.loads(res.output)


def _strip(path: Path, dropped: dict[str, list[str]]) -> None:
    """Delete columns from the tables (openpyxl moves the cells; the table
    range and columns are set to match), as an older template had them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # openpyxl on our print areas
        wb = openpyxl.load_workbook(path)
    for sheet, headers in dropped.items():
        ws = wb[sheet]
        table = next(iter(ws.tables.values()))
        c1, r1, _c2, r2 = range_boundaries(table.ref)
        names = [c.name for c in table.tableColumns]
        for h in sorted(headers, key=names.index, reverse=True):
            ws.delete_cols(c1 + names.index(h))
        kept = [c for c in table.tableColumns if c.name not in headers]
        _set_columns(table, kept, f"{get_column_letter(c1)}{r1}:"
                                  f"{get_column_letter(c1 + len(kept) - 1)}{r2}")
    # a team's own column on Projects, its own sheet, its own setting row in
    # place of E-Invoice Format (a setting the older template did not have)
    ws = wb["Projects"]
    table = ws.tables["tblProjects"]
    c1, r1, c2, r2 = range_boundaries(table.ref)
    ws.cell(row=1, column=c2 + 1, value="Account Manager")
    ws.cell(row=2, column=c2 + 1, value="Ann")
    ws.cell(row=3, column=c2 + 1, value="Bob")
    _set_columns(table, list(table.tableColumns) + [TableColumn(id=0, name="Account Manager")],
                 f"A1:{get_column_letter(c2 + 1)}{r2}")
    settings = wb["Settings"]
    assert settings["A27"].value == "E-Invoice Format"
    settings["A27"], settings["B27"] = "Our VAT office", "Leeds"
    wb.create_sheet("Our notes")["A1"] = "call Harbour Council on Mondays"
    wb.save(path)


def _set_columns(table, columns, ref) -> None:
    table.tableColumns = []
    for i, c in enumerate(columns, start=1):
        c.id = i
        table.tableColumns.append(c)
    table.ref = ref
    table.autoFilter.ref = ref


def _used_book(folder: Path, dropped=DROPPED) -> Path:
    """Two projects and a third with its Currency, Tax Rate and Payment
    Terms left to the defaults; INV-2026-0001 (M1, P1) paid 600.00,
    INV-2026-0002 (M3, P2) voided by CN-2026-0001; M2 then completed and
    approved (billable, not yet issued); then made old."""
    rows = projects() + [{"Project ID": "P3", "Project": "Pier", "Client": "Harbour Council",
                          "Client Address": "2 High Street\nPortside", "Contract Value": 5000}]
    pier = {"Milestone ID": "M5", "Project ID": "P3", "Milestone": "Piles", "Basis": "Percent",
            "Percent": 1.0, "Status": "Planned", "Planned Date": date(2027, 2, 1)}
    book = make_book(folder / "billing.xlsx", projects_rows=rows,
                     milestone_rows=milestones() + [pier])
    assert cli("issue", book).exit_code == 0
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "600",
               "--reference", "ACH 1").exit_code == 0
    assert cli("void", book, "--invoice", "INV-2026-0002", "--reason", "wrong PO").exit_code == 0
    p = Patcher.open(book)
    p.update_rows("tblMilestones", {1: {"Status": "Complete", "Completed Date": date(2026, 11, 20),
                                        "Approval": "Approved", "Approved By": "J. Doe",
                                        "Approval Date": date(2026, 11, 24)}})
    p.save()
    _strip(book, dropped)
    # a formula typed into a data cell (openpyxl dropped cached values:
    # written with its value, as Excel saves it)
    p = Patcher.open(book)
    p.update_rows("tblProjects", {1: {"PO Number": Formula('"PO-"&"88"', "PO-88")}})
    p.save()
    return book


@pytest.fixture(scope="module")
def _old_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("old")
    _used_book(folder)
    return folder


@pytest.fixture
def old_book(_old_folder, tmp_path) -> Path:
    """A copy of the old book with its invoice folder (verify reads it)."""
    shutil.copytree(_old_folder, tmp_path, dirs_exist_ok=True)
    return tmp_path / "billing.xlsx"


def test_the_old_book_is_refused_by_refresh_and_points_at_upgrade(old_book):
    before = digest(old_book)
    res = cli("refresh", old_book)
    assert res.exit_code == 1 and digest(old_book) == before
    assert ("the workbook was made by an older milebill template; `milebill upgrade` rebuilds "
            "it on the current one, every row carried and a backup kept; nothing written"
            in " ".join(res.output.split()))


def test_upgrade_carries_every_row_and_keeps_a_backup(old_book):
    original = old_book.read_bytes()
    out = _json(cli("upgrade", old_book, "--json"))
    backup = old_book.parent / "billing.before-upgrade.xlsx"
    assert out["upgraded"] is True and out["already_current"] is False
    assert out["errors"] == [] and out["backup"] == str(backup)
    assert backup.read_bytes() == original
    assert old_book.read_bytes() != original

    # what was carried, and the columns added
    assert [(c["table"], c["rows"]) for c in out["carried"]] == [
        ("tblSettings", 25), ("tblProjects", 3), ("tblMilestones", 5), ("tblInvoices", 3),
        ("tblPayments", 1), ("tblAudit", 4), ("tblCurrencies", 165)]
    added = {}
    for c in out["added_columns"]:
        added.setdefault(c["sheet"], []).append(c["column"])
    assert added == DROPPED
    assert out["added_settings"] == ["E-Invoice Format"]

    # what was not carried
    not_carried = [(n["what"], n["cell"], n["message"]) for n in out["not_carried"]]
    assert not_carried[:4] == [
        ("setting", "Settings!A27", "setting row 'Our VAT office' is not a setting of milebill: "
                                    "not copied"),
        ("formula", "Projects!F3", "the formula =\"PO-\"&\"88\" is carried as its value 'PO-88'"),
        ("column", "Projects!Q1", "column 'Account Manager' of table tblProjects is not a column "
                                  "of the template: not copied (2 values; the backup keeps them)"),
        ("sheet", None, "sheet 'Our notes' is not a sheet of the template: not copied"),
    ]
    assert not_carried[4][0] == "formatting" and "formatting" in not_carried[4][2]
    assert len(not_carried) == 5

    # the new book has every current column
    tables = read_raw_tables(old_book)
    for sheet, table in (("Projects", "tblProjects"), ("Milestones", "tblMilestones"),
                         ("Invoices", "tblInvoices"), ("Payments", "tblPayments")):
        assert set(DROPPED[sheet]) <= set(tables[table].geometry.headers)
    assert tables["tblAudit"].geometry.headers == (
        "Timestamp", "User", "Action", "Reference", "Detail", "Hash")
    assert "Account Manager" not in tables["tblProjects"].geometry.headers

    # its records: numbers, documents and the audit trail as they were
    data, _ = read_book(old_book)
    assert [(i.invoice_no, i.type, i.document, i.net, i.total) for i in data.invoices] == [
        ("INV-2026-0001", "Invoice", "INV-2026-0001.docx", D("3000"), D("3600")),
        ("INV-2026-0002", "Invoice", "INV-2026-0002.docx", D("333300"), D("366630")),
        ("CN-2026-0001", "Credit Note", "CN-2026-0001.docx", D("-333300"), D("-366630"))]
    assert [i.status for i in data.invoices] == ["Partially Paid", "Void", "Applied"]
    assert (data.settings.next_invoice_seq, data.settings.next_credit_note_seq) == (3, 2)
    assert data.settings.e_invoice_format == "None"
    assert [(a.action, a.reference) for a in data.audit] == [
        ("Issue", "INV-2026-0001"), ("Issue", "INV-2026-0002"), ("Payment", "INV-2026-0001"),
        ("Void", "INV-2026-0002")]
    assert data.audit == read_book(backup)[0].audit
    assert [(p.invoice_no, p.amount, p.reference, p.kind) for p in data.payments] == [
        ("INV-2026-0001", D("600"), "ACH 1", "Payment")]
    p3 = data.projects[2]
    assert (p3.project_id, p3.currency, p3.payment_terms) == ("P3", "USD", "Net 30")
    assert data.projects[1].po_number == "PO-88"

    # P3's blank Currency shows the default through its formula again
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # openpyxl on our print areas
        wb = openpyxl.load_workbook(old_book)
    assert wb["Projects"]["H4"].value == "=DefaultCurrency"
    assert wb["Projects"]["F3"].value == "PO-88"          # the typed formula: its value

    # every command works on it
    assert _json(cli("check", old_book, "--json"))["errors"] == []
    res = cli("verify", old_book)
    assert res.exit_code == 0, res.output
    assert "verified: 4 sealed audit row(s) and 3 document(s) are as issued" in res.output
    assert cli("refresh", old_book).exit_code == 0
    issued = _json(cli("issue", old_book, "--json"))["issued"]
    assert [(i["invoice_no"], i["milestone_id"], i["total"]) for i in issued] == [
        ("INV-2026-0003", "M2", "8400.00")]
    voided = _json(cli("void", old_book, "--invoice", "INV-2026-0003", "--reason", "typo",
                       "--json"))
    assert voided["credit_note"]["invoice_no"] == "CN-2026-0002"
    assert cli("verify", old_book).exit_code == 0

    # a second upgrade: already current
    before = digest(old_book)
    res = cli("upgrade", old_book)
    assert res.exit_code == 0 and "already current" in res.output
    assert digest(old_book) == before
    assert sorted(p.name for p in old_book.parent.iterdir()) == [
        "billing.before-upgrade.xlsx", "billing.xlsx", "invoices"]


def test_the_text_output_says_what_was_carried_and_what_not(old_book):
    res = cli("upgrade", old_book)
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "upgraded billing.xlsx to the current template as of 2026-11-25" in text
    assert "backup: billing.before-upgrade.xlsx (the old file, byte for byte)" in text
    assert ("carried: 25 settings, 3 projects, 5 milestones, 3 invoices and credit notes, "
            "1 payment rows, 4 audit rows, 165 currencies (the currency list)") in text
    assert "settings added (at their defaults): E-Invoice Format" in text
    assert ("Projects!Q1: column 'Account Manager' of table tblProjects is not a column of the "
            "template: not copied (2 values; the backup keeps them)") in text
    assert "Payments │ Kind" in text


def test_an_already_current_book_is_left_as_it_is(tmp_path):
    book = make_book(tmp_path / "billing.xlsx")
    assert cli("issue", book).exit_code == 0
    before = digest(book)
    out = _json(cli("upgrade", book, "--json"))
    assert (out["already_current"], out["upgraded"], out["backup"]) == (True, False, None)
    assert out["added_columns"] == [] and out["errors"] == []
    assert digest(book) == before
    assert not (tmp_path / "billing.before-upgrade.xlsx").exists()


def test_a_dry_run_says_it_all_and_writes_nothing(old_book):
    (old_book.parent / "billing.before-upgrade.xlsx").write_bytes(b"an earlier backup")
    listing = sorted(p.name for p in old_book.parent.iterdir())
    before = digest(old_book)
    out = _json(cli("upgrade", old_book, "--dry-run", "--json"))
    assert (out["dry_run"], out["upgraded"], out["already_current"]) == (True, False, False)
    assert out["backup"] == str(old_book.parent / "billing.before-upgrade-2.xlsx")
    assert [n["cell"] for n in out["not_carried"] if n["what"] == "column"] == ["Projects!Q1"]
    assert out["added_settings"] == ["E-Invoice Format"]
    assert digest(old_book) == before
    assert sorted(p.name for p in old_book.parent.iterdir()) == listing
    # the real run numbers its backup the same way
    out = _json(cli("upgrade", old_book, "--json"))
    assert out["backup"] == str(old_book.parent / "billing.before-upgrade-2.xlsx")
    assert (old_book.parent / "billing.before-upgrade.xlsx").read_bytes() == b"an earlier backup"


def test_a_bad_setting_refuses_the_upgrade_naming_its_cell(old_book):
    p = Patcher.open(old_book)
    p.update_rows("tblSettings", {6: {"Value": 0}})         # Next Invoice Seq
    p.save()
    before = digest(old_book)
    out = _json(cli("upgrade", old_book, "--json"), 1)
    assert out["upgraded"] is False
    assert [(e["cell"], e["message"]) for e in out["errors"]] == [
        ("Settings!B8", "Next Invoice Seq must be 1 or more, got 0"),
        ("Settings!B8", "Setting Next Invoice Seq: 1 would reuse INV-2026-0001; the last number "
                        "of this series is INV-2026-0002, so set it to 3 (numbers must follow "
                        "without gaps)")]
    assert digest(old_book) == before
    assert sorted(p.name for p in old_book.parent.iterdir()) == ["billing.xlsx", "invoices"]


def test_a_broken_table_refuses_the_upgrade_naming_it(old_book):
    """A required column missing (renamed away): the table is broken, not old."""
    p = Patcher.open(old_book)
    p.set_cells("Projects", {(1, 3): "Customer"})
    p.save()
    from reliability.corpus import edit_zip, table_part
    edit_zip(old_book, {table_part(old_book, "tblProjects"):
                        lambda b: b.replace(b'name="Client"', b'name="Customer"')})
    before = digest(old_book)
    res = cli("upgrade", old_book)
    assert res.exit_code == 1
    text = " ".join(res.output.split())
    assert ("Projects!A1: Table tblProjects on sheet Projects has no column 'Client'; add a "
            "column with exactly that header") in text
    assert digest(old_book) == before
    assert not (old_book.parent / "billing.before-upgrade.xlsx").exists()


def test_a_book_open_in_excel_is_not_upgraded(old_book):
    (old_book.parent / "~$billing.xlsx").write_bytes(b"owner")
    before = digest(old_book)
    res = cli("upgrade", old_book)
    assert res.exit_code == 1 and "billing.xlsx is open in Excel" in res.output
    assert digest(old_book) == before
    assert not (old_book.parent / "billing.before-upgrade.xlsx").exists()


def test_a_book_without_the_hash_column_gets_one_and_seals_from_then_on(tmp_path):
    book = _used_book(tmp_path, {**DROPPED, "Audit": ["Hash"]})
    assert cli("verify", book).exit_code == 1            # no Hash column
    assert cli("upgrade", book).exit_code == 0
    assert cli("verify", book).exit_code == 0
    assert [a.hash for a in read_book(book)[0].audit] == ["", "", "", ""]
    assert cli("issue", book).exit_code == 0
    res = cli("verify", book)
    assert res.exit_code == 0 and "verified: 1 sealed audit row(s)" in res.output


@pytest.mark.libreoffice
def test_libreoffice_computes_the_upgraded_book_as_the_engine(old_book, tmp_path):
    from recalc_check import cached_mismatches, engine_mismatches, error_cells

    from milebill_xl.office import recalculate
    assert cli("upgrade", old_book).exit_code == 0
    out = recalculate([old_book], tmp_path / "lo")[0]
    assert error_cells(out) == []
    mismatches, compared = engine_mismatches(out, date(2026, 11, 25))
    assert mismatches == [] and compared > 20
    mismatches, compared = cached_mismatches(old_book, out)
    assert mismatches == [] and compared > 500


def test_a_rebuilt_book_that_differs_is_not_written(old_book, monkeypatch):
    """The check before the old file is replaced: a rebuilt book whose
    records differ (here a builder that loses a figure) refuses the upgrade,
    naming the old book's cell; nothing is written, no backup is kept."""
    from milebill_xl.actions import upgrade

    def losing(path, **rows):
        rows["invoices"][1]["Net"] = 333301
        return build_workbook(path, **rows)
    build_workbook = upgrade.build_workbook
    monkeypatch.setattr(upgrade, "build_workbook", losing)
    before = digest(old_book)
    out = _json(cli("upgrade", old_book, "--json"), 1)
    assert [(e["cell"], e["message"]) for e in out["errors"]] == [
        ("Invoices!I3", "the upgraded workbook would differ from the old one: Invoices row "
                        "INV-2026-0002: Net reads 333300 in the old workbook and 333301 in the "
                        "new one; nothing was written")]
    assert out["upgraded"] is False and out["backup"] is None
    assert digest(old_book) == before
    assert sorted(p.name for p in old_book.parent.iterdir()) == ["billing.xlsx", "invoices"]


def test_row_problems_are_carried_as_they_are_and_listed(old_book):
    """A typo in one project's rows does not stop the upgrade: as refresh,
    it writes everything, lists the problem at its cell and exits 3."""
    p = Patcher.open(old_book)
    p.update_rows("tblProjects", {0: {"Currency": "XXX"}})
    p.save()
    out = _json(cli("upgrade", old_book, "--json"), 3)
    assert out["upgraded"] is True
    assert out["errors"] == [{"sheet": "Projects", "cell": "Projects!H2", "message":
                              "Currency 'XXX' is not an ISO 4217 currency code (such as USD, "
                              "EUR, GBP, JPY)"}]
    assert (old_book.parent / "billing.before-upgrade.xlsx").exists()
    assert read_raw_tables(old_book)["tblProjects"].rows[0][7] == "XXX"
