"""The workbook reader: tables by name, columns by header, every bad cell
reported with its address and a message a finance user understands."""
from __future__ import annotations

import copy
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.table import Table

from milebill_xl.core.records import (Invoice, Milestone, Payment, Problem, Project,
                                      Settings)
from milebill_xl.workbook import contract
from milebill_xl.workbook.cells import (CellProblem, a1, column_letter, column_number,
                                        quote_sheet, split_a1, to_decimal, to_percent,
                                        to_text)
from milebill_xl.workbook.reader import (BookError, Locator, RawTable, TableGeometry,
                                         format_problem, parse_book, read_book,
                                         read_raw_tables)


# ------------------------------------------------------------------ builder

@dataclass
class T:
    """One table to write: sheet, top-left header cell, headers, rows."""

    sheet: str
    at: str
    headers: list[str]
    rows: list[dict] = field(default_factory=list)

    def cell(self, row: int | None, header: str) -> str:
        """Where the test put a value: 'Sheet!H7' (row None: header)."""
        r0, c0 = split_a1(self.at)
        sheet_row = r0 if row is None else r0 + 1 + row
        return f"{quote_sheet(self.sheet)}!{a1(sheet_row, c0 + self.headers.index(header))}"


def good() -> dict[str, T]:
    settings = dict(contract.SETTING_DEFAULTS)
    settings.update({"Company": "Acme Ltd", "Next Invoice Seq": 2, "Default Currency": "EUR",
                     "Default Payment Terms": "Net 30", "As Of Date": datetime(2024, 3, 1)})
    return {
        "tblSettings": T("Settings", "A1", ["Setting", "Value"],
                         [{"Setting": k, "Value": v} for k, v in settings.items()]),
        "tblProjects": T("Projects", "A1", list(contract.PROJECTS.columns), [
            {"Project ID": "P1", "Project": "Website", "Client": "Globex",
             "Client Email": "ap@globex.test", "Client Address": "1 Main St\nSpringfield",
             "PO Number": 4711, "Contract Value": 10000, "Currency": "usd", "Tax Rate": 0.2,
             "Payment Terms": "Net 45", "Retainage %": 0.05,
             "Allocated": -5, "Billed": "junk"},          # computed: ignored
            {"Project ID": 101, "Project": "Audit", "Client": "Initech",
             "Contract Value": 2500.5},                    # defaults apply
        ]),
        "tblMilestones": T("Milestones", "A1", list(contract.MILESTONES.columns), [
            {"Milestone ID": "M1", "Project ID": "P1", "Milestone": "Design",
             "Deliverable": "Signed mockups", "Planned Date": datetime(2024, 1, 15),
             "Basis": "Percent", "Percent": 0.3, "Status": "Complete",
             "Completed Date": datetime(2024, 1, 20), "Approval": "Approved",
             "Approved By": "Dana", "Approval Date": datetime(2024, 1, 22),
             "Approval Notes": " ok ", "Amount": 3000, "Invoice No": "INV-2024-0001",
             "Invoice Date": datetime(2024, 1, 25), "Due Date": datetime(2024, 3, 10),
             "Flag": "Paid"},
            {"Milestone ID": "M2", "Project ID": "P1", "Milestone": "Build",
             "Basis": "percent", "Percent": 0.7, "Status": "in  progress"},
            {"Flag": "Scheduled", "Amount": 0},            # only computed cells: skipped
            {"Milestone ID": "M3", "Project ID": 101, "Milestone": "Report",
             "Planned Date": "2024-06-30", "Fixed Amount": 2500.5},
        ]),
        "tblInvoices": T("Invoices", "A1", list(contract.INVOICES.columns), [
            {"Invoice No": "INV-2024-0001", "Type": "Invoice", "Issue Date": datetime(2024, 1, 25),
             "Due Date": datetime(2024, 3, 10), "Project ID": "P1", "Milestone ID": "M1",
             "Client": "Globex", "Currency": "USD", "Net": 3000, "Tax": 600, "Total": 3600,
             "Paid": 1000, "Balance": 2600, "Status": "Partially Paid",
             "Document": "INV-2024-0001.docx"},
        ]),
        "tblPayments": T("Payments", "A1", list(contract.PAYMENTS.columns), [
            {"Payment Date": datetime(2024, 2, 1), "Invoice No": "INV-2024-0001",
             "Amount": 1000, "Reference": "Wire 123"},
        ]),
        "tblAudit": T("Audit", "A1", list(contract.AUDIT.columns), [
            {"Timestamp": "2024-01-25T10:00:00", "User": "dana", "Action": "issue",
             "Reference": "INV-2024-0001", "Detail": "M1"},
        ]),
    }


def write(path: Path, tables: dict[str, T]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, t in tables.items():
        ws = wb[t.sheet] if t.sheet in wb.sheetnames else wb.create_sheet(t.sheet)
        r0, c0 = split_a1(t.at)
        for j, header in enumerate(t.headers):
            ws.cell(r0, c0 + j, header)
        for i, row in enumerate(t.rows):
            for header, value in row.items():
                cell = ws.cell(r0 + 1 + i, c0 + t.headers.index(header), value)
                if isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd"
        last = a1(r0 + max(len(t.rows), 1), c0 + len(t.headers) - 1)
        ws.add_table(Table(displayName=name, ref=f"{t.at}:{last}"))
    wb.save(path)
    return path


def read(tmp_path: Path, tables: dict[str, T]):
    return read_book(write(tmp_path / "book.xlsx", tables))


def errors(tmp_path: Path, tables: dict[str, T]) -> list[dict]:
    data, locator = read(tmp_path, tables)
    return [format_problem(p, locator) for p in data.problems]


def only_error(tmp_path: Path, tables: dict[str, T]) -> dict:
    found = errors(tmp_path, tables)
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------- good book

def test_good_workbook_reads_into_expected_records(tmp_path):
    tables = good()
    data, locator = read(tmp_path, tables)
    assert data.problems == ()

    assert data.settings == Settings(
        company="Acme Ltd", next_invoice_seq=2, default_currency="EUR",
        default_payment_terms="Net 30", as_of_date=date(2024, 3, 1))

    p1, p101 = data.projects
    assert p1 == Project(
        project_id="P1", name="Website", client="Globex", client_email="ap@globex.test",
        client_address="1 Main St\nSpringfield", po_number="4711",
        contract_value=Decimal("10000"), currency="USD", tax_rate=Decimal("0.2"),
        payment_terms="Net 45", retainage_pct=Decimal("0.05"), row=0)
    # a numeric Project ID reads as text; blank Currency/Tax/Terms take Settings
    assert p101 == Project(project_id="101", name="Audit", client="Initech",
                           contract_value=Decimal("2500.5"), currency="EUR",
                           tax_rate=Decimal(0), payment_terms="Net 30", row=1,
                           defaulted=("currency", "tax_rate", "payment_terms"))

    m1, m2, m3 = data.milestones
    assert m1 == Milestone(
        milestone_id="M1", project_id="P1", name="Design", deliverable="Signed mockups",
        planned_date=date(2024, 1, 15), basis="Percent", percent=Decimal("0.3"),
        status="Complete", completed_date=date(2024, 1, 20), approval="Approved",
        approved_by="Dana", approval_date=date(2024, 1, 22), approval_notes="ok",
        invoice_no="INV-2024-0001", invoice_date=date(2024, 1, 25),
        due_date=date(2024, 3, 10), row=0)
    assert (m2.basis, m2.percent, m2.status, m2.approval, m2.row) == (
        "Percent", Decimal("0.7"), "In Progress", "Pending", 1)
    # blank row 2 skipped; M3 keeps its sheet position; blank Basis inferred Fixed
    assert (m3.milestone_id, m3.project_id, m3.basis, m3.fixed_amount, m3.planned_date,
            m3.status, m3.row) == ("M3", "101", "Fixed", Decimal("2500.5"),
                                   date(2024, 6, 30), "Planned", 3)

    assert data.invoices == (Invoice(
        invoice_no="INV-2024-0001", type="Invoice", issue_date=date(2024, 1, 25),
        due_date=date(2024, 3, 10), project_id="P1", milestone_id="M1", client="Globex",
        currency="USD", net=Decimal(3000), tax=Decimal(600), total=Decimal(3600),
        status="Partially Paid", document="INV-2024-0001.docx", row=0),)
    assert data.payments == (Payment(payment_date=date(2024, 2, 1), invoice_no="INV-2024-0001",
                                     amount=Decimal(1000), reference="Wire 123", row=0),)

    g = locator.geometry("tblMilestones")
    assert g == TableGeometry("tblMilestones", "Milestones", 1, 1,
                              tuple(contract.MILESTONES.columns), 4)
    assert g.ref == f"A1:{column_letter(len(contract.MILESTONES.columns))}5"
    assert locator.cell("tblMilestones", 3, "Fixed Amount") == tables["tblMilestones"].cell(3, "Fixed Amount") == "Milestones!H5"
    assert locator.sheet("tblPayments") == "Payments"


def test_money_keeps_decimal_digits_exactly(tmp_path):
    tables = good()
    tables["tblProjects"].rows[0]["Contract Value"] = 0.1
    tables["tblProjects"].rows[1]["Contract Value"] = "2500.50"   # plain numeric text is fine
    tables["tblMilestones"].rows[3]["Fixed Amount"] = "2500.50"
    tables["tblMilestones"].rows[0]["Percent"] = 0.7
    tables["tblMilestones"].rows[1]["Percent"] = 0.3
    data, _ = read(tmp_path, tables)
    assert data.problems == ()
    assert data.projects[0].contract_value == Decimal("0.1")
    assert str(data.projects[0].contract_value) == "0.1"
    assert data.projects[1].contract_value == Decimal("2500.50")
    assert str(data.milestones[1].percent) == "0.3"


# ----------------------------------------------------------- bad values

def test_text_in_a_number_column(tmp_path):
    tables = good()
    tables["tblProjects"].rows[0]["Contract Value"] = "abc"
    err = only_error(tmp_path, tables)
    assert err == {"sheet": "Projects", "cell": "Projects!G2",
                   "message": "Contract Value must be a number, got 'abc'"}
    assert tables["tblProjects"].cell(0, "Contract Value") == "Projects!G2"


def test_a_bad_value_repeated_down_a_column_is_reported_on_every_row(tmp_path):
    # a column is read a value at a time: the same typo in two rows still
    # gives two messages, and the same good value in two rows reads alike
    tables = good()
    for i in (1, 3):
        tables["tblMilestones"].rows[i]["Planned Date"] = "soon"
        tables["tblMilestones"].rows[i]["Status"] = "Planned"
    tables["tblMilestones"].rows[3]["Milestone"] = "Build"
    data, locator = read(tmp_path, tables)
    got = [format_problem(p, locator) for p in data.problems]
    assert [e["cell"] for e in got] == ["Milestones!E3", "Milestones!E5"]
    assert got[0]["message"] == got[1]["message"]
    assert "soon" in got[0]["message"]
    assert [(m.name, m.status, m.planned_date) for m in data.milestones] == [
        ("Design", "Complete", date(2024, 1, 15)), ("Build", "Planned", None),
        ("Build", "Planned", None)]


def test_number_with_thousands_separator_is_not_guessed(tmp_path):
    tables = good()
    tables["tblMilestones"].rows[3]["Fixed Amount"] = "1,000.50"
    err = only_error(tmp_path, tables)
    assert err["cell"] == "Milestones!H5"
    assert err["message"] == "Fixed Amount must be a number, got '1,000.50'"


def test_unknown_project_id(tmp_path):
    tables = good()
    tables["tblMilestones"].rows[1]["Project ID"] = "P9"
    data, locator = read(tmp_path, tables)
    [p] = data.problems
    assert format_problem(p, locator) == {
        "sheet": "Milestones", "cell": "Milestones!B3",
        "message": "Project ID 'P9' is not on the Projects sheet"}
    # the orphan is left out so the engine never meets an unknown project
    assert [m.milestone_id for m in data.milestones] == ["M1", "M3"]


def test_duplicate_ids_name_the_first_cell(tmp_path):
    tables = good()
    tables["tblProjects"].rows.append({"Project ID": "P1", "Contract Value": 5})
    tables["tblMilestones"].rows.append({"Milestone ID": "M2", "Project ID": "P1",
                                         "Basis": "Fixed", "Fixed Amount": 1})
    inv = dict(tables["tblInvoices"].rows[0])
    tables["tblInvoices"].rows.append(inv)
    data, locator = read(tmp_path, tables)
    got = [format_problem(p, locator) for p in data.problems]
    assert got == [
        {"sheet": "Projects", "cell": "Projects!A4",
         "message": "Project ID 'P1' is used twice; it is already used at Projects!A2"},
        {"sheet": "Milestones", "cell": "Milestones!A6",
         "message": "Milestone ID 'M2' is used twice; it is already used at Milestones!A3"},
        {"sheet": "Invoices", "cell": "Invoices!A3",
         "message": "Invoice No 'INV-2024-0001' is used twice; it is already used at Invoices!A2"},
    ]
    assert len(data.projects) == 2 and len(data.milestones) == 3 and len(data.invoices) == 1


@pytest.mark.parametrize("value, message", [
    (25, "Percent must be a fraction between 0 and 1, got 25: for 25 percent enter 0.25 or 25%"),
    (1.5, "Percent must be a fraction between 0 and 1, got 1.5: for 1.5 percent enter 0.015 or 1.5%"),
    (-0.1, "Percent must be between 0 and 1 (0% to 100%), got -0.1"),
    ("150%", "Percent must be between 0% and 100%, got '150%'"),
    ("lots", "Percent must be a number, got 'lots'"),
])
def test_percent_outside_0_to_1(tmp_path, value, message):
    tables = good()
    tables["tblMilestones"].rows[1]["Percent"] = value
    assert only_error(tmp_path, tables) == {"sheet": "Milestones", "cell": "Milestones!G3",
                                            "message": message}


def test_percent_as_text_with_sign_is_read(tmp_path):
    tables = good()
    tables["tblMilestones"].rows[1]["Percent"] = "70%"
    tables["tblProjects"].rows[0]["Tax Rate"] = "20 %"
    data, _ = read(tmp_path, tables)
    assert data.problems == ()
    assert data.milestones[1].percent == Decimal("0.7")
    assert data.projects[0].tax_rate == Decimal("0.2")


def test_negative_money(tmp_path):
    tables = good()
    tables["tblMilestones"].rows[3]["Fixed Amount"] = -500
    tables["tblPayments"].rows[0]["Amount"] = -1000
    tables["tblProjects"].rows[1]["Contract Value"] = -2500.5
    got = errors(tmp_path, tables)
    assert got == [
        {"sheet": "Projects", "cell": "Projects!G3",
         "message": "Contract Value must not be negative, got -2500.5"},
        {"sheet": "Milestones", "cell": "Milestones!H5",
         "message": "Fixed Amount must not be negative, got -500"},
        {"sheet": "Payments", "cell": "Payments!C2",
         "message": "Amount must not be negative, got -1000"},
    ]


def test_credit_notes_are_negative_by_design(tmp_path):
    tables = good()
    tables["tblInvoices"].rows.append({
        "Invoice No": "CN-2024-0001", "Type": "credit note", "Issue Date": datetime(2024, 2, 5),
        "Project ID": "P1", "Milestone ID": "M1", "Net": -3000, "Tax": -600, "Total": -3600,
        "Related Invoice": "INV-2024-0001"})
    data, _ = read(tmp_path, tables)
    assert data.problems == ()
    cn = data.invoices[1]
    assert (cn.type, cn.net, cn.tax, cn.total, cn.related_invoice, cn.currency, cn.status) == (
        "Credit Note", Decimal(-3000), Decimal(-600), Decimal(-3600), "INV-2024-0001",
        "USD", "Applied")   # blank Currency: the project's


def test_positive_credit_note_and_negative_invoice(tmp_path):
    tables = good()
    tables["tblInvoices"].rows[0]["Tax"] = -1
    tables["tblInvoices"].rows.append({
        "Invoice No": "CN-2024-0001", "Type": "Credit Note", "Project ID": "P1",
        "Net": 10, "Tax": 0, "Total": 10, "Related Invoice": "INV-2024-0999"})
    got = errors(tmp_path, tables)
    assert got == [
        {"sheet": "Invoices", "cell": "Invoices!J2",
         "message": "Tax must not be negative on an invoice, got -1; a refund or correction "
                    "is a credit note"},
        {"sheet": "Invoices", "cell": "Invoices!I3",
         "message": "Net of a credit note must be zero or negative (it takes money off an "
                    "invoice), got 10"},
        {"sheet": "Invoices", "cell": "Invoices!K3",
         "message": "Total of a credit note must be zero or negative (it takes money off an "
                    "invoice), got 10"},
        {"sheet": "Invoices", "cell": "Invoices!P3",
         "message": "Related Invoice 'INV-2024-0999' is not on the Invoices sheet"},
    ]


def test_dates_as_text(tmp_path):
    tables = good()
    tables["tblMilestones"].rows[1]["Planned Date"] = "next week"
    tables["tblMilestones"].rows[0]["Approval Date"] = "2024-02-30"
    tables["tblPayments"].rows[0]["Payment Date"] = 45000
    got = errors(tmp_path, tables)
    assert got == [
        {"sheet": "Milestones", "cell": "Milestones!M2",
         "message": "Approval Date '2024-02-30' is not a real calendar date"},
        {"sheet": "Milestones", "cell": "Milestones!E3",
         "message": "Planned Date is text 'next week', not a date; enter a date such as 2024-03-31"},
        {"sheet": "Payments", "cell": "Payments!A2",
         "message": "Payment Date is the number 45000, not a date; enter a date, or format "
                    "the cell as a date"},
    ]


def test_missing_table(tmp_path):
    tables = good()
    del tables["tblPayments"]
    data, locator = read(tmp_path, tables)
    [p] = data.problems
    assert p == Problem("tblPayments", None, None, p.message)
    assert format_problem(p, locator) == {
        "sheet": "Payments", "cell": "Payments",
        "message": "The workbook has no table named tblPayments; it belongs on the Payments "
                   "sheet (select the range, Insert > Table, and name it tblPayments under "
                   "Table Design)"}
    assert data.payments == ()


def test_missing_column(tmp_path):
    tables = good()
    t = tables["tblMilestones"]
    t.headers.remove("Percent")
    for row in t.rows:
        row.pop("Percent", None)
    data, locator = read(tmp_path, tables)
    [p] = data.problems
    assert format_problem(p, locator) == {
        "sheet": "Milestones", "cell": "Milestones!A1",
        "message": "Table tblMilestones on sheet Milestones has no column 'Percent'; add a "
                   "column with exactly that header"}
    # the other columns are still read
    assert [m.milestone_id for m in data.milestones] == ["M1", "M2", "M3"]


def test_excel_error_values(tmp_path):
    tables = good()
    tables["tblProjects"].rows[0]["Tax Rate"] = "#REF!"
    tables["tblMilestones"].rows[1]["Planned Date"] = "#N/A"
    tables["tblMilestones"].rows[3]["Milestone"] = "#VALUE!"
    tables["tblMilestones"].rows[0]["Flag"] = "#DIV/0!"      # computed: not our business
    tables["tblPayments"].rows[0]["Invoice No"] = "#N/A"
    path = write(tmp_path / "book.xlsx", tables)
    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet3.xml")
    assert b't="e"' in sheet_xml   # real error cells, which calamine reads as blank
    data, locator = read_book(path)
    got = [format_problem(p, locator) for p in data.problems]
    assert got == [
        {"sheet": "Projects", "cell": "Projects!I2",
         "message": "Tax Rate holds the Excel error #REF!; enter a value instead"},
        {"sheet": "Milestones", "cell": "Milestones!E3",
         "message": "Planned Date holds the Excel error #N/A; enter a value instead"},
        {"sheet": "Milestones", "cell": "Milestones!C5",
         "message": "Milestone holds the Excel error #VALUE!; enter a value instead"},
        {"sheet": "Payments", "cell": "Payments!B2",
         "message": "Invoice No holds the Excel error #N/A; enter a value instead"},
    ]


def test_table_moved_to_another_sheet_and_offset(tmp_path):
    tables = good()
    tables["tblProjects"].sheet = "Client List"
    tables["tblProjects"].at = "C4"
    tables["tblProjects"].rows[1]["Contract Value"] = "n/a"
    data, locator = read(tmp_path, tables)
    [p] = data.problems
    assert format_problem(p, locator) == {
        "sheet": "Client List", "cell": "'Client List'!I6",
        "message": "Contract Value must be a number, got 'n/a'"}
    assert tables["tblProjects"].cell(1, "Contract Value") == "'Client List'!I6"
    assert [x.project_id for x in data.projects] == ["P1", "101"]
    assert locator.geometry("tblProjects") == TableGeometry(
        "tblProjects", "Client List", 4, 3, tuple(contract.PROJECTS.columns), 2)


def test_extra_columns_in_another_order(tmp_path):
    tables = good()
    t = tables["tblMilestones"]
    t.headers = ["Notes"] + list(reversed(t.headers)) + ["Owner"]
    for row in t.rows:
        row["Notes"] = "team note"
        row["Owner"] = 42
    t.rows[1]["Status"] = "Done"
    data, locator = read(tmp_path, tables)
    assert [m.milestone_id for m in data.milestones] == ["M1", "M2", "M3"]
    assert data.milestones[0].percent == Decimal("0.3")
    [p] = data.problems
    assert format_problem(p, locator) == {
        "sheet": "Milestones", "cell": t.cell(1, "Status"),
        "message": "Status must be one of Planned, In Progress, Complete, Cancelled; got 'Done'"}
    assert t.cell(1, "Status") == f"Milestones!{column_letter(t.headers.index('Status') + 1)}3"


def test_same_records_whatever_the_column_order(tmp_path):
    plain, _ = read(tmp_path, good())
    tables = good()
    for t in tables.values():
        t.headers = list(reversed(t.headers)) + ["Extra"]
    (tmp_path / "b").mkdir()
    shuffled, _ = read(tmp_path / "b", tables)
    assert shuffled == plain


def test_blank_rows_skipped_but_blank_ids_reported(tmp_path):
    tables = good()
    tables["tblMilestones"].rows.insert(0, {})
    tables["tblMilestones"].rows.append({"Milestone": "Handover", "Project ID": "P1",
                                         "Basis": "Fixed", "Fixed Amount": 1})
    tables["tblProjects"].rows.append({"Project": "No id", "Contract Value": 5})
    tables["tblMilestones"].rows.append({"Milestone ID": "M9", "Basis": "Fixed",
                                         "Fixed Amount": 1})
    got = errors(tmp_path, tables)
    assert got == [
        {"sheet": "Projects", "cell": "Projects!A4",
         "message": "Project ID is blank; every project needs one"},
        {"sheet": "Milestones", "cell": "Milestones!A7",
         "message": "Milestone ID is blank; every milestone needs one"},
        {"sheet": "Milestones", "cell": "Milestones!B8",
         "message": "Project ID is blank; milestone M9 must belong to a project"},
    ]


def test_enumerations_and_basis_inference(tmp_path):
    tables = good()
    rows = tables["tblMilestones"].rows
    rows[1].update({"Status": " COMPLETE ", "Approval": "rejected"})
    rows[3].update({"Basis": None, "Percent": 0.1, "Fixed Amount": 5})
    rows.append({"Milestone ID": "M4", "Project ID": "P1", "Basis": "Hourly", "Fixed Amount": 1})
    rows.append({"Milestone ID": "M5", "Project ID": "P1"})
    rows.append({"Milestone ID": "M6", "Project ID": "P1", "Basis": "Percent",
                 "Approval": "OK"})
    data, locator = read(tmp_path, tables)
    assert (data.milestones[1].status, data.milestones[1].approval) == ("Complete", "Rejected")
    got = [format_problem(p, locator) for p in data.problems]
    assert got == [
        {"sheet": "Milestones", "cell": "Milestones!F5",
         "message": "Basis is blank and both Percent and Fixed Amount are filled; "
                    "choose Percent or Fixed"},
        {"sheet": "Milestones", "cell": "Milestones!F6",
         "message": "Basis must be one of Percent, Fixed, Deposit; got 'Hourly'"},
        {"sheet": "Milestones", "cell": "Milestones!F7",
         "message": "Basis is blank; enter Percent or Fixed and fill Percent or Fixed Amount"},
        {"sheet": "Milestones", "cell": "Milestones!G8",
         "message": "Percent is blank for a Percent milestone; enter its share of the "
                    "contract, such as 25% or 0.25"},
        {"sheet": "Milestones", "cell": "Milestones!K8",
         "message": "Approval must be one of Pending, Approved, Rejected; got 'OK'"},
    ]


def test_settings_problems(tmp_path):
    tables = good()
    values = {r["Setting"]: r for r in tables["tblSettings"].rows}
    values["Default Currency"]["Value"] = "XYZ"
    values["Default Tax Rate"]["Value"] = 20
    values["Invoice Number Format"]["Value"] = "INV-{client}-{seq}"
    values["Credit Note Number Format"]["Value"] = "CN-{year}"
    values["Next Invoice Seq"]["Value"] = 0
    values["Due Soon Days"]["Value"] = 2.5
    tables["tblSettings"].rows.append({"Setting": "Next Invoice Seq", "Value": 7})
    tables["tblSettings"].rows.append({"Setting": "Our own note", "Value": "anything"})
    data, locator = read(tmp_path, tables)
    keys = [r["Setting"] for r in tables["tblSettings"].rows]

    def at(key):
        return f"Settings!B{keys.index(key) + 2}"

    got = [format_problem(p, locator) for p in data.problems]
    assert got == [
        {"sheet": "Settings", "cell": at("Invoice Number Format"),
         "message": "Invoice Number Format 'INV-{client}-{seq}' may only use {year} and "
                    "{seq}, not {client}"},
        {"sheet": "Settings", "cell": at("Next Invoice Seq"),
         "message": "Next Invoice Seq must be 1 or more, got 0"},
        {"sheet": "Settings", "cell": at("Credit Note Number Format"),
         "message": "Credit Note Number Format 'CN-{year}' must contain {seq} so every "
                    "number is different"},
        {"sheet": "Settings", "cell": at("Default Currency"),
         "message": "Default Currency 'XYZ' is not an ISO 4217 currency code (such as USD, "
                    "EUR, GBP, JPY)"},
        {"sheet": "Settings", "cell": at("Default Tax Rate"),
         "message": "Default Tax Rate must be a fraction between 0 and 1, got 20: for 20 "
                    "percent enter 0.2 or 20%"},
        {"sheet": "Settings", "cell": at("Due Soon Days"),
         "message": "Due Soon Days must be a whole number, got 2.5"},
        {"sheet": "Settings", "cell": f"Settings!A{len(keys)}",
         "message": f"Setting 'Next Invoice Seq' appears twice; the one at "
                    f"Settings!A{keys.index('Next Invoice Seq') + 2} is used"},
    ]
    # bad settings keep their defaults so the rest can still be checked
    s = data.settings
    assert (s.default_currency, s.default_tax_rate, s.next_invoice_seq, s.due_soon_days,
            s.invoice_number_format) == ("USD", Decimal(0), 1, 7, "INV-{year}-{seq:04d}")
    # a setting key as the column points at that setting's Value cell
    assert locator.cell("tblSettings", None, "Default Payment Terms") == at("Default Payment Terms")


def test_engine_settings_problem_points_at_the_setting(tmp_path):
    """The engine reports a bad Default Payment Terms as (tblSettings, None,
    'Value', 'Setting Default Payment Terms: ...'): it lands on that Value."""
    tables = good()
    data, locator = read(tmp_path, tables)
    keys = [r["Setting"] for r in tables["tblSettings"].rows]
    cell = f"Settings!B{keys.index('Default Payment Terms') + 2}"
    p = Problem("tblSettings", None, "Value", "Setting Default Payment Terms: 'soon' is not ...")
    assert format_problem(p, locator)["cell"] == cell
    p = Problem("tblSettings", None, "Default Payment Terms", "anything")
    assert format_problem(p, locator)["cell"] == cell
    p = Problem("tblSettings", None, "Value", "Something else")
    assert format_problem(p, locator)["cell"] == "Settings!B1"


def test_unknown_project_currency(tmp_path):
    tables = good()
    tables["tblProjects"].rows[0]["Currency"] = "US$"
    err = only_error(tmp_path, tables)
    assert err == {"sheet": "Projects", "cell": "Projects!H2",
                   "message": "Currency 'US$' is not an ISO 4217 currency code (such as "
                              "USD, EUR, GBP, JPY)"}


def test_payment_for_unknown_invoice_and_blank_amount(tmp_path):
    tables = good()
    tables["tblPayments"].rows.append({"Payment Date": datetime(2024, 2, 3),
                                       "Invoice No": "INV-2024-0042", "Amount": 50})
    tables["tblPayments"].rows.append({"Payment Date": datetime(2024, 2, 4),
                                       "Invoice No": "INV-2024-0001"})
    data, locator = read(tmp_path, tables)
    got = [format_problem(p, locator) for p in data.problems]
    assert got == [
        {"sheet": "Payments", "cell": "Payments!B3",
         "message": "Invoice No 'INV-2024-0042' is not on the Invoices sheet; a payment "
                    "must be for an issued invoice"},
        {"sheet": "Payments", "cell": "Payments!C4",
         "message": "Amount is blank; enter the amount received"},
    ]
    assert [p.invoice_no for p in data.payments] == ["INV-2024-0001"]


def test_contract_value_blank_on_a_project_with_milestones(tmp_path):
    tables = good()
    tables["tblProjects"].rows[1]["Contract Value"] = None
    tables["tblProjects"].rows.append({"Project ID": "P3", "Project": "Just started"})
    err = only_error(tmp_path, tables)
    assert err == {"sheet": "Projects", "cell": "Projects!G3",
                   "message": "Contract Value is blank but project 101 has milestones; "
                              "enter the contract value"}


def test_many_problems_reported_at_once(tmp_path):
    tables = good()
    tables["tblProjects"].rows[0]["Contract Value"] = "abc"
    tables["tblMilestones"].rows[1]["Percent"] = 30
    tables["tblMilestones"].rows[3]["Planned Date"] = "soon"
    del tables["tblAudit"]
    got = errors(tmp_path, tables)
    assert [e["cell"] for e in got] == ["Projects!G2", "Milestones!G3", "Milestones!E5", "Audit"]


# ---------------------------------------------------------- unusable files

def test_not_a_workbook(tmp_path):
    missing = tmp_path / "nope.xlsx"
    with pytest.raises(BookError, match="no such file"):
        read_book(missing)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(BookError, match=r"empty \(0 bytes\)"):
        read_book(empty)
    text = tmp_path / "notes.xlsx"
    text.write_text("Project ID,Contract Value\nP1,100\n")
    with pytest.raises(BookError, match=r"notes.xlsx is not an Excel workbook \(.xlsx\)"):
        read_book(text)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(BookError, match="damaged or not an Excel workbook"):
        read_book(broken)
    with pytest.raises(BookError, match="is a folder"):
        read_book(tmp_path)


def test_old_xls_and_docx(tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(BookError, match=r"Excel 97-2003 \(.xls\).*save it as an Excel Workbook"):
        read_book(xls)
    docx = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    with pytest.raises(BookError, match="is a Word document"):
        read_book(docx)


def test_password_protected_workbook(tmp_path):
    plain = write(tmp_path / "plain.xlsx", good())
    locked = tmp_path / "locked.xlsx"
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
        with plain.open("rb") as src, locked.open("wb") as dst:
            OOXMLFile(src).encrypt("secret", dst)
    except (ImportError, AttributeError, TypeError):
        # without the encryption tool: the same container signature and stream name
        locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500
                           + "EncryptedPackage".encode("utf-16-le") + b"\0" * 500)
    with pytest.raises(BookError, match="locked.xlsx is protected with a password"):
        read_book(locked)


# ------------------------------------------------------ shared parsing path

def test_parse_book_from_live_excel_style_values():
    """xlwings hands values as lists with None for blanks, floats for
    numbers and datetimes for dates: the same parsing applies."""
    def raw(name, sheet, headers, rows, header_row=1, first_col=1):
        return RawTable(TableGeometry(name, sheet, header_row, first_col, tuple(headers),
                                      len(rows)), rows)
    tables = {
        "tblSettings": raw("tblSettings", "Settings", ["Setting", "Value"],
                           [["Default Currency", "jpy"], ["Next Invoice Seq", 3.0]]),
        "tblProjects": raw("tblProjects", "Projects", contract.PROJECT_INPUTS,
                           [[7.0, "X", None, None, None, None, 1000000.0, None, None, None, None]]),
        "TBLMILESTONES": raw("tblMilestones", "Milestones",
                             ["Percent", "Milestone ID", "Project ID"]
                             + [c for c in contract.MILESTONES.columns
                                if c not in ("Percent", "Milestone ID", "Project ID")],
                             [[1.0, "A", 7.0] + [None] * 19,
                              [None] * 22,
                              [None, "B", "7", None, None, datetime(2024, 5, 1, 0, 0),
                               "Fixed", 12.0] + [None] * 14],
                             header_row=10, first_col=2),
        "tblInvoices": raw("tblInvoices", "Invoices", contract.INVOICES.columns, []),
        "tblPayments": raw("tblPayments", "Payments", contract.PAYMENTS.columns, []),
        "tblAudit": raw("tblAudit", "Audit", contract.AUDIT.columns, []),
    }
    data, locator = parse_book(tables)
    assert data.problems == ()
    assert data.settings.default_currency == "JPY" and data.settings.next_invoice_seq == 3
    assert data.projects[0].project_id == "7" and data.projects[0].currency == "JPY"
    a, b = data.milestones
    assert (a.milestone_id, a.project_id, a.basis, a.percent, a.row) == ("A", "7", "Percent",
                                                                          Decimal(1), 0)
    assert (b.milestone_id, b.basis, b.fixed_amount, b.planned_date, b.row) == (
        "B", "Fixed", Decimal(12), date(2024, 5, 1), 2)
    # header row 10, first column B: Percent is column B, data row 2 is sheet row 13
    assert locator.cell("tblMilestones", 2, "Percent") == "Milestones!B13"
    assert locator.cell("tblMilestones", None, None) == "Milestones!B10"
    assert locator.cell("tblMilestones", 0, "No Such Column") == "Milestones!B11"


# ------------------------------------------------------------ small pieces

def test_cells_helpers():
    assert [column_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
    assert column_number("aaa") == 703
    assert split_a1("$H$7") == (7, 8)
    assert quote_sheet("Milestones") == "Milestones"
    assert quote_sheet("Q1 Plan") == "'Q1 Plan'"
    assert quote_sheet("Bob's") == "'Bob''s'"
    assert quote_sheet("A1") == "'A1'"
    assert to_text(101.0, "x") == "101" and to_text(12.5, "x") == "12.5"
    assert to_decimal(0.1, "x") == Decimal("0.1") and to_decimal(1e20, "x") == 10 ** 20
    assert to_percent("12.5%", "x") == Decimal("0.125")
    with pytest.raises(CellProblem):
        to_decimal("1e5", "x")


def test_locator_for_unknown_tables_and_format_problem():
    locator = Locator({})
    assert locator.sheet("tblInvoices") == "Invoices"
    assert locator.cell("tblInvoices", 3, "Net") == "Invoices"
    assert format_problem(Problem("tblInvoices", 3, "Net", "x"), locator) == {
        "sheet": "Invoices", "cell": "Invoices", "message": "x"}


def test_read_raw_tables_gives_geometry_and_values(tmp_path):
    path = write(tmp_path / "book.xlsx", good())
    raw = read_raw_tables(path)
    assert set(raw) == {t.name for t in contract.TABLES}
    m = raw["tblMilestones"]
    assert m.geometry.n_rows == 4 and len(m.rows) == 4
    assert m.rows[0][m.geometry.index("Percent")] == 0.3


# ----------------------------------------------------------- performance

def _big_book(path: Path, n: int) -> None:
    """A workbook with n milestone rows, its sheet XML written directly
    (openpyxl would take longer than the read we are timing)."""
    tables = good()
    tables["tblMilestones"].rows = tables["tblMilestones"].rows[:1]
    small = write(path.with_name("small.xlsx"), tables)
    headers = tables["tblMilestones"].headers
    letters = [column_letter(i + 1) for i in range(len(headers))]
    with zipfile.ZipFile(small) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = parts["xl/worksheets/sheet3.xml"].decode()
    date_style = sheet.split('r="E2"', 1)[1].split('s="', 1)[1].split('"', 1)[0]

    def s(col, r, text):
        return f'<c r="{col}{r}" t="inlineStr"><is><t>{text}</t></is></c>'

    def num(col, r, value, style=None):
        st = f' s="{style}"' if style else ""
        return f'<c r="{col}{r}"{st}><v>{value}</v></c>'
    L = dict(zip(headers, letters))
    rows = []
    for i in range(n):
        r = i + 2
        rows.append(
            f'<row r="{r}">' + s(L["Milestone ID"], r, f"M{i}") + s(L["Project ID"], r, "P1")
            + s(L["Milestone"], r, f"Step {i}") + s(L["Deliverable"], r, "Report")
            + num(L["Planned Date"], r, 45300 + i % 300, date_style)
            + s(L["Basis"], r, "Percent") + num(L["Percent"], r, "0.00001")
            + s(L["Status"], r, "Complete") + num(L["Completed Date"], r, 45310, date_style)
            + s(L["Approval"], r, "Approved") + s(L["Approved By"], r, "Dana")
            + num(L["Approval Date"], r, 45311, date_style) + num(L["Amount"], r, "0.1")
            + s(L["Flag"], r, "Ready to Invoice") + "</row>")
    head = sheet.split("<sheetData>", 1)[0]
    header_row = sheet.split("<sheetData>", 1)[1].split("</row>", 1)[0] + "</row>"
    tail = sheet.split("</sheetData>", 1)[1]
    last = f"{letters[-1]}{n + 1}"
    parts["xl/worksheets/sheet3.xml"] = (
        head.replace(f'ref="A1:{letters[-1]}2"', f'ref="A1:{last}"') + "<sheetData>"
        + header_row + "".join(rows) + "</sheetData>" + tail).encode()
    for name in parts:
        if name.startswith("xl/tables/") and b'displayName="tblMilestones"' in parts[name]:
            parts[name] = parts[name].replace(f"A1:{letters[-1]}2".encode(),
                                              f"A1:{last}".encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_100k_milestones_read_whole(tmp_path):
    """Every row of a large table arrives, in order, with its cell address
    (speed is measured in bench/, not here)."""
    n = 100_000
    path = tmp_path / "big.xlsx"
    _big_book(path, n)
    data, locator = read_book(path)
    assert data.problems == ()
    assert len(data.milestones) == n
    last = data.milestones[-1]
    assert (last.milestone_id, last.percent, last.planned_date, last.row) == (
        f"M{n - 1}", Decimal("0.00001"), date(1899, 12, 30).fromordinal(
            date(1899, 12, 30).toordinal() + 45300 + (n - 1) % 300), n - 1)
    assert locator.cell("tblMilestones", n - 1, "Milestone ID") == f"Milestones!A{n + 1}"
