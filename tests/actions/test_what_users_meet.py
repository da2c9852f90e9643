"""What a finance user meets (issue 15): the printout, row heights, output
in a pipe, messages with their exit codes, and a refused run that leaves
the folder as it found it."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rich.console import Console

from milebill_xl.actions import demo
from milebill_xl.office import convert
from milebill_xl.workbook.reader import read_book

from .conftest import cli, digest

AS_OF = date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("users")
    console = Console(file=open(os.devnull, "w"))
    result = demo.run(folder / "run", AS_OF, console)
    console.file.close()
    return result.workbook


def _pdf_pages(pdf: Path) -> list[str]:
    n = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(k), "-l", str(k), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
            for k in range(1, n + 1)]


@pytest.mark.libreoffice
def test_the_demo_prints_on_twelve_landscape_and_portrait_pages(demo_book, tmp_path):
    pdf, = convert([demo_book], "pdf", tmp_path)
    pages = _pdf_pages(pdf)
    # Dashboard 2, Projects, Milestones, Invoices, Payments 1 each, Audit 3
    # (its 24 Details wrap), Settings 1, Lists 2
    assert len(pages) == 12
    footers = [next(line.split()[0] for line in reversed(p.splitlines()) if line.strip())
               for p in pages]
    assert footers == ["Dashboard", "Dashboard", "Projects", "Milestones", "Invoices",
                       "Payments", "Audit", "Audit", "Audit", "Settings", "Lists", "Lists"]
    assert all(f"Page {k} of 12" in p for k, p in enumerate(pages, start=1))
    first, second = pages[0], pages[1]
    # page 1: the figures and the whole chart grid; page 2: the timeline
    assert "Totals by currency" in first and "Expected billing by month" in first
    assert "Milestone timeline" not in first and "Milestone timeline" in second
    # every chart's bars are labelled on page 1 (nothing of a chart on page 2):
    # USD Nov 36.0k, EUR Nov 150.0k, JPY Nov 3.3M (M-302), KWD Jan 14.3k
    for label in ("36.0k", "150.0k", "3.3M", "14.3k"):
        assert label in first and label not in second
    # each currency with its minor unit (issue 15): JPY none, KWD three
    contract = next(line for line in first.splitlines() if " Contract " in line)
    assert contract.split()[-4:] == ["250,000.00", "250,000.00", "10,000,001", "45,250.500"]
    assert "10,000,001.00" not in first and "19,000.286" in first and "3,333,334" in first
    # header rows repeat: the Milestones page starts with the header
    assert "Milestone ID" in pages[3].splitlines()[0] or "Milestone ID" in pages[3][:400]


def test_page_setup_of_every_sheet(demo_book):
    wb = load_workbook(demo_book)
    landscape = {ws.title for ws in wb if ws.page_setup.orientation == "landscape"}
    assert landscape == {"Dashboard", "Projects", "Milestones", "Invoices", "Audit"}
    for ws in wb:
        assert ws.page_setup.paperSize == 9 and ws.page_setup.fitToWidth == 1
        assert ws.oddFooter.left.text == "&A" and ws.oddFooter.right.text == "Page &P of &N"
    assert wb["Milestones"].print_title_rows == "$1:$1"
    dash = wb["Dashboard"]
    assert dash.print_area == "'Dashboard'!$A$1:$T$95"
    assert [b.id for b in dash.row_breaks.brk] == [41]
    # no chart reaches below the break (row 41, zero-based 40 is its last)
    assert all(chart.anchor.to.row < 41 for chart in dash._charts)


def test_multi_line_cells_get_the_height_of_their_lines(demo_book):
    wb = load_workbook(demo_book)
    projects, settings = wb["Projects"], wb["Settings"]
    # P-100's address: three lines of 15 pt
    assert projects["E2"].value == "500 Market St\nSan Francisco, CA 94105\nUSA"
    assert projects.row_dimensions[2].height == 45
    assert projects["E2"].alignment.wrap_text
    company_address = next(r for r in range(2, 30) if settings[f"A{r}"].value == "Company Address")
    lines = settings[f"B{company_address}"].value.count("\n") + 1
    assert lines == 3 and settings.row_dimensions[company_address].height == 45


def test_dashboard_shows_no_helper_and_no_developer_note(demo_book):
    ws = load_workbook(demo_book)["Dashboard"]
    assert ws["H97"].value == "Digits" and ws.row_dimensions[97].hidden   # the helper rows
    assert all(ws.row_dimensions[r].hidden for r in range(98, 102))
    assert ws["D2"].value == "Set Settings > As Of Date to look at a past date; blank means today."


def test_report_and_dry_run_in_a_pipe_print_every_value_in_full(demo_book):
    exe = [sys.executable, "-m", "milebill_xl.cli"]
    report = subprocess.run([*exe, "report", str(demo_book), "--as-of", "2026-11-25"],
                            capture_output=True, text=True, check=True).stdout
    assert "…" not in report and "..." not in report, report
    # USD: P-100, P-500 and P-600 (the construction contract)
    assert "250,000.00 USD" in report and "10,000,001 JPY" in report
    dry = subprocess.run([*exe, "issue", str(demo_book), "--as-of", "2026-11-25", "--dry-run"],
                         capture_output=True, text=True, check=True).stdout
    assert "…" not in dry
    # fourteen invoices (P-600's release included) were issued in the demo:
    # M-103 would be the fifteenth
    assert "INV-2026-0015" in dry and "36,000.00 USD" in dry and "INV-2026-0015.docx" in dry


def test_audit_rows_carry_the_demo_dates_and_formatted_amounts(demo_book):
    data, _ = read_book(demo_book)
    first = data.audit[0]
    # the demo issues INV-2026-0001 75 days before 2026-11-25
    assert first.timestamp == "2026-09-11 09:01:00"
    assert first.detail.startswith("M-101 (P-100) net 24,000.00 tax 0.00 total 24,000.00 USD")
    void = next(a for a in data.audit if a.action == "Void")
    assert void.detail.startswith("credit note CN-2026-0001 for 24,000.00 USD")
    assert "24,000.00 USD received is the client's credit" in void.detail


# ---------------------------------------------------------------- messages

def test_a_date_that_does_not_exist_is_a_usage_error(book):
    ran = cli("check", book, "--as-of", "2026-11-31")
    assert ran.exit_code == 2
    assert "'--as-of': 2026-11-31: November has 30 days; for its last day type 2026-11-30" \
        in ran.output


def test_an_amount_with_thousands_separators_is_a_usage_error(book):
    before = digest(book)
    ran = cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "1,000.00")
    assert ran.exit_code == 2
    assert "'--amount': 1,000.00: type the amount as digits with a point before the decimals " \
           "and no thousands separators: 1000.00" in ran.output
    assert digest(book) == before


def test_a_missing_workbook_is_a_usage_error_naming_the_argument(tmp_path):
    ran = cli("report", tmp_path / "billing.xslx")
    assert ran.exit_code == 2
    assert "Invalid value for PATH" in ran.output and "billing.xslx: no such file" in ran.output
    assert "milebill new" in ran.output


def test_an_unknown_invoice_lists_the_nearest_and_the_open_ones(book):
    assert cli("issue", book).exit_code == 0       # INV-2026-0001 USD, INV-2026-0002 JPY
    before = digest(book)
    ran = cli("pay", book, "--invoice", "INV-2026-0011", "--amount", "1")
    assert ran.exit_code == 1 and digest(book) == before
    assert ("there is no invoice 'INV-2026-0011' on the Invoices sheet; nearest: "
            "INV-2026-0001, INV-2026-0002; open invoices: INV-2026-0001 (3,600.00 USD), "
            "INV-2026-0002 (366,630 JPY)") in ran.output
    assert "tblInvoices" not in ran.output


def test_invoice_numbers_match_whatever_their_case(book):
    assert cli("issue", book).exit_code == 0
    ran = cli("pay", book, "--invoice", "inv-2026-0001", "--amount", "600.00")
    assert ran.exit_code == 0, ran.output
    assert ran.output.strip() == ("Recorded 600.00 USD on INV-2026-0001 (2026-11-25): "
                                  "balance 3,000.00 USD, Partially Paid.")
    data, _ = read_book(book)
    assert [p.invoice_no for p in data.payments] == ["INV-2026-0001"]


def test_excel_owner_file_message_says_how_to_tell_a_stale_one(book):
    owner = book.with_name("~$" + book.name)
    owner.write_bytes(b"x")
    ran = cli("issue", book)
    assert ran.exit_code == 1
    assert "billing.xlsx is open in Excel (found ~$billing.xlsx)" in ran.output
    assert "If no one has it open (Excel crashed" in ran.output


def test_a_refused_run_leaves_the_folder_as_it_found_it(book):
    owner = book.with_name("~$" + book.name)
    owner.write_bytes(b"x")
    before = sorted(os.listdir(book.parent))
    assert cli("issue", book).exit_code == 1
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "1").exit_code == 1
    assert sorted(os.listdir(book.parent)) == before    # no lock file, no invoices/


def test_a_run_leaves_no_lock_file(book):
    assert cli("issue", book).exit_code == 0
    assert sorted(os.listdir(book.parent)) == ["billing.xlsx", "invoices"]


@pytest.mark.libreoffice
def test_every_audit_detail_prints_whole_inside_its_own_row(demo_book, tmp_path):
    """The Audit rows the demo's commands appended wrap their Detail and
    have the height of its lines: each Detail prints complete, between its
    row's top and the next row's."""
    import re
    from html import unescape
    pdf, = convert([demo_book], "pdf", tmp_path)
    details = [a.detail for a in read_book(demo_book)[0].audit]
    checked = 0
    for page in (7, 8, 9):                       # after Dashboard 2, Projects ... Payments
        html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf),
                               "-"], capture_output=True, text=True, check=True).stdout
        words = [(float(x0), float(y0), float(y1), unescape(w)) for x0, y0, y1, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>',
            html)]
        detail_x = next(x for x, _, _, w in words if w == "Detail")
        hash_x = next(x for x, _, _, w in words if w == "Hash")
        # each row starts on the line of its timestamp (cells sit at the top)
        stamps = sorted(y0 for x, y0, _, w in words if re.fullmatch(r"\d{4}-\d\d-\d\d", w)
                        and x < detail_x / 2)
        for top, bottom in zip(stamps, stamps[1:] + [float("inf")]):
            detail = details[checked]
            checked += 1
            printed = "".join(w for x, y0, y1, w in sorted(words, key=lambda t: (t[1], t[0]))
                              if detail_x - 1 <= x < hash_x and top - 1 <= y0 < bottom - 1)
            assert printed == detail.replace(" ", ""), detail
    assert checked == len(details) == 24
