"""Rule 10, stable amounts, through the CLI: issuing, paying and voiding one
milestone leaves every other milestone's Amount as it was (issue 12 item 7).
The amounts are read as the tool wrote them (cached values, no
recalculation), as a user's file preview or pandas would see them."""
from __future__ import annotations

from datetime import date

from python_calamine import CalamineWorkbook

from .conftest import AS_OF, cli, digest, make_book

# 100.01 in thirds of 33.33 %, 33.33 %, 33.34 %: rule 1 gives 33.3333 -> 33.33,
# 66.6666 -> 66.67 (33.34), 100.01 (33.34). Only C is ready to invoice.
PROJECT = {"Project ID": "P1", "Project": "Thirds", "Client": "Harbour Council",
           "Client Address": "2 High Street", "Contract Value": 100.01, "Currency": "USD",
           "Tax Rate": 0, "Payment Terms": "Net 30"}
DONE = {"Status": "Complete", "Completed Date": date(2026, 11, 1), "Approval": "Approved"}
MILESTONES = [
    {"Milestone ID": "A", "Project ID": "P1", "Milestone": "Design", "Basis": "Percent",
     "Percent": 0.3333, "Status": "Planned"},
    {"Milestone ID": "B", "Project ID": "P1", "Milestone": "Build", "Basis": "Percent",
     "Percent": 0.3333, "Status": "Planned"},
    {"Milestone ID": "C", "Project ID": "P1", "Milestone": "Handover", "Basis": "Percent",
     "Percent": 0.3334, **DONE},
]


def _amounts(path) -> dict[str, float]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Milestones").to_python()
    header = rows[0]
    mid, amount = header.index("Milestone ID"), header.index("Amount")
    return {r[mid]: r[amount] for r in rows[1:] if r[mid]}


def test_issuing_paying_and_voiding_the_last_third_moves_no_other_amount(tmp_path):
    book = make_book(tmp_path / "thirds.xlsx", projects_rows=[PROJECT], milestone_rows=MILESTONES)
    assert cli("refresh", book, "--as-of", AS_OF.isoformat()).exit_code == 0
    assert _amounts(book) == {"A": 33.33, "B": 33.34, "C": 33.34}

    res = cli("issue", book, "--as-of", AS_OF.isoformat())
    assert res.exit_code == 0, res.output
    # re-spreading the remaining 66.67 over A and B would give 33.34 and 33.33
    assert _amounts(book) == {"A": 33.33, "B": 33.34, "C": 33.34}

    res = cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "10.00",
              "--as-of", AS_OF.isoformat())
    assert res.exit_code == 0, res.output
    assert _amounts(book) == {"A": 33.33, "B": 33.34, "C": 33.34}

    res = cli("void", book, "--invoice", "INV-2026-0001", "--reason", "wrong PO",
              "--as-of", AS_OF.isoformat())
    assert res.exit_code == 0, res.output
    assert _amounts(book) == {"A": 33.33, "B": 33.34, "C": 33.34}


def test_a_workbook_from_an_older_template_is_refused_whole(tmp_path):
    """A book made before the Drift helper column existed: our formulas would
    refer to a missing column, so every writing command refuses, naming the
    table and column, and the file stays byte for byte as it was."""
    import openpyxl
    book = make_book(tmp_path / "old.xlsx", projects_rows=[PROJECT], milestone_rows=MILESTONES)
    wb = openpyxl.load_workbook(book)
    ws = wb["Projects"]
    table = ws.tables["tblProjects"]
    for col in table.tableColumns:
        if col.name == "Drift":           # as the previous template had it: no such column
            col.name = "Notes 2"
    for cell in ws[1]:
        if cell.value == "Drift":
            cell.value = "Notes 2"
    wb.save(book)
    before = digest(book)
    for args in (("refresh",), ("issue",)):
        res = cli(*args, book, "--as-of", AS_OF.isoformat())
        assert res.exit_code == 1
        assert ("Projects: table tblProjects has no column 'Drift': the workbook was made by an "
                "older milebill template") in res.output
        assert digest(book) == before
