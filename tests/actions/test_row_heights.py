"""Rows the tool writes later (issue, pay, void, import) wrap their long
and multi-line texts and get the height of their lines, as the template's
rows do, so nothing prints over the next row (issue 15)."""
from __future__ import annotations

import re
import shutil
import sys
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from milebill_xl.actions import pay
from milebill_xl.excel.livebook import LiveBook

from .conftest import cli, sheet_part

sys.path.insert(0, str(Path(__file__).parents[1] / "excel"))
from fake_xlwings import FakeApp, FakeBook  # noqa: E402

AS_OF = "2026-11-25"


def _row_tags(path: Path, sheet: str) -> dict[int, str]:
    """Row number -> the <row ...> start tag, as written in the file."""
    import zipfile
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet_part(path, sheet)).decode()
    return {int(m.group(1)): m.group(0) for m in re.finditer(r'<row r="(\d+)"[^>]*>', xml)}


def test_issue_and_pay_give_their_audit_rows_the_height_of_their_lines(book):
    assert cli("issue", book, "--as-of", AS_OF).exit_code == 0
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "100",
               "--date", AS_OF, "--reference", "wire").exit_code == 0
    ws = load_workbook(book)["Audit"]
    # "M1 (P1) net 3,000.00 tax 600.00 total 3,600.00 USD, due 2026-12-25;
    # INV-2026-0001.docx SHA-256 <64 hex digits>" in a 60-character column:
    # two lines of words, the digest on two more
    assert ws["E2"].value.startswith("M1 (P1) net 3,000.00 tax 600.00 total 3,600.00 USD")
    assert ws["E2"].alignment.wrap_text
    assert (ws.row_dimensions[2].height, ws.row_dimensions[3].height) == (60, 60)
    # "payment 100.00 USD on 2026-11-25 ref wire; balance 3,500.00 USD,
    # Partially Paid": two lines
    assert ws["E4"].value == ("payment 100.00 USD on 2026-11-25 ref wire; balance 3,500.00 USD, "
                              "Partially Paid")
    assert ws.row_dimensions[4].height == 30
    tags = _row_tags(book, "Audit")
    assert 'ht="30"' in tags[4] and 'customHeight="1"' in tags[4]
    # one-line rows keep the default height
    invoices = load_workbook(book)["Invoices"]
    assert invoices["G2"].value == "Harbour Council" and invoices.row_dimensions[2].height is None


def test_imported_rows_get_the_height_of_their_lines(tmp_path):
    book = tmp_path / "import.xlsx"
    assert cli("new", book, "--as-of", AS_OF).exit_code == 0
    source = tmp_path / "projects.csv"
    source.write_text('Project ID,Project,Client,Client Address,Contract Value,Currency\n'
                      'P-1,Bridge,Harbour Council,"2 High Street\nPortside\nPO1 2AB",1000,USD\n'
                      'P-2,Tunnel,Metro KK,Tokyo,2000,USD\n', encoding="utf-8")
    assert cli("import", book, source, "--as-of", AS_OF).exit_code == 0
    plan = tmp_path / "plan.csv"
    plan.write_text('ID,Task Name,Finish,Billing %,Notes\n'
                    '1,Design,03/31/2027,100%,"Drawings signed by the client\'s engineer, '
                    'the council and the harbour master, all three"\n', encoding="utf-8")
    assert cli("import", book, plan, "--project", "P-1", "--as-of", AS_OF).exit_code == 0
    wb = load_workbook(book)
    projects, milestones = wb["Projects"], wb["Milestones"]
    assert projects["E2"].value == "2 High Street\nPortside\nPO1 2AB"
    assert projects.row_dimensions[2].height == 45          # three lines
    assert projects.row_dimensions[3].height is None        # Tokyo: one
    # 87 characters of Deliverable in a 34-character column: three lines
    assert len(milestones["D2"].value) == 87 and milestones.row_dimensions[2].height == 45


def test_excel_sizes_the_rows_the_live_adapter_appends(tmp_path, book):
    path = tmp_path / "live.xlsx"
    shutil.copyfile(book, path)
    assert cli("issue", path, "--as-of", AS_OF).exit_code == 0
    fake = FakeBook.from_xlsx(FakeApp(), path)
    result = pay.run(LiveBook(fake), "INV-2026-0001", "100.00", date(2026, 11, 25), "wire")
    assert result.errors == ()
    # the new Payments row (2) and Audit row (4) are autofitted by Excel
    assert fake.sheets["Payments"].autofitted == [(2, 2)]
    assert fake.sheets["Audit"].autofitted == [(4, 4)]
