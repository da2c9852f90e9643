"""`milebill import`: projects and milestones from a CSV or another workbook,
all or nothing, every problem named by source row and column."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from .conftest import cli, digest

AS_OF = "2026-11-25"


@pytest.fixture()
def book(tmp_path) -> Path:
    path = tmp_path / "billing.xlsx"
    assert cli("new", path, "--as-of", AS_OF).exit_code == 0
    return path


def _projects_csv(folder: Path) -> Path:
    """Excel 'CSV' on a German Windows: semicolons, decimal comma, cp1252."""
    path = folder / "projects.csv"
    path.write_bytes("Project ID;Project;Customer;Contract Value;Currency;Payment Terms\r\n"
                     "P-1;Brücke Nord;Müller GmbH;120.000,00;EUR;Net 30\r\n"
                     "P-2;Harbour;ACME Ltd;\"$45,250.50\";USD;\r\n".encode("cp1252"))
    return path


def _milestones(book: Path) -> dict[str, dict]:
    out = json.loads(cli("check", book, "--as-of", AS_OF, "--json").output)
    return {m["milestone_id"]: m for m in out["milestones"]}


def test_projects_from_a_semicolon_csv_with_decimal_commas(book, tmp_path):
    r = cli("import", book, _projects_csv(tmp_path), "--as-of", AS_OF, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["table"] == "tblProjects"
    assert out["mapping"]["Client"] == "Customer"
    assert [(p["Project ID"], p["Project"], p["Client"], p["Contract Value"], p["Currency"])
            for p in out["rows"]] == [("P-1", "Brücke Nord", "Müller GmbH", "120000.00", "EUR"),
                                      ("P-2", "Harbour", "ACME Ltd", "45250.50", "USD")]
    wb = openpyxl.load_workbook(book)
    ws = wb["Projects"]
    assert [ws[f"A{r}"].value for r in (2, 3)] == ["P-1", "P-2"]
    assert ws["G2"].value == 120000 and ws["G3"].value == pytest.approx(45250.5)
    assert wb["Audit"]["C2"].value == "Import"


def test_milestones_from_a_planner_export_dry_run_then_for_real(book, tmp_path):
    assert cli("import", book, _projects_csv(tmp_path), "--as-of", AS_OF).exit_code == 0
    plan = tmp_path / "schedule.csv"
    plan.write_text("ID,Task Name,Finish,Billing %,Notes\n"
                    "1,Design,03/31/2027,30%,Drawings signed\n"
                    "2,Build,4/30/2027,50%,\n"
                    "3,Handover,5/15/2027,20%,Keys\n")
    before = digest(book)
    dry = cli("import", book, plan, "--project", "P-1", "--dry-run", "--as-of", AS_OF)
    assert dry.exit_code == 0
    assert "would add 3 row(s) to Milestones" in dry.output
    assert "P-1-M1" in dry.output and "2027-03-31" in dry.output
    assert digest(book) == before                      # a dry run writes nothing
    assert cli("import", book, plan, "--project", "P-1", "--as-of", AS_OF).exit_code == 0
    ms = _milestones(book)
    assert {k: (v["amount"], v["flag"]) for k, v in ms.items()} == {
        "P-1-M1": ("36000.00", "Scheduled"), "P-1-M2": ("60000.00", "Scheduled"),
        "P-1-M3": ("24000.00", "Scheduled")}
    ws = openpyxl.load_workbook(book)["Milestones"]
    assert ws["C2"].value == "Design" and ws["D2"].value == "Drawings signed"
    assert ws["E3"].value.date() == date(2027, 4, 30)


def test_milestones_from_another_workbook_with_fixed_amounts(book, tmp_path):
    assert cli("import", book, _projects_csv(tmp_path), "--as-of", AS_OF).exit_code == 0
    src = tmp_path / "smartsheet.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Row", "Project", "Milestone", "Due Date", "Amount"])
    ws.append([1, "P-2", "Survey", date(2027, 1, 15), 20000])
    ws.append([2, "P-2", "Report", date(2027, 2, 15), 25250.5])
    wb.save(src)
    r = cli("import", book, src, "--as-of", AS_OF, "--json")
    assert r.exit_code == 0, r.output
    ms = _milestones(book)
    assert (ms["P-2-M1"]["amount"], ms["P-2-M2"]["amount"]) == ("20000.00", "25250.50")


def test_utf16_tab_separated_text_as_excel_saves_unicode_text(book, tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("Project ID\tProject\tClient\tContract Value\tCurrency\r\n"
                     "P-9\t東京 Tower\t株式会社\t1000000\tJPY\r\n".encode("utf-16"))
    r = cli("import", book, path, "--as-of", AS_OF, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["rows"][0]["Project"] == "東京 Tower"


@pytest.mark.parametrize("content, args, message", [
    ("Task Name,Billing %\nDesign,30%\n", ("--project", "P-1"),
     "schedule.csv has no column for Planned Date (its headers: Task Name, Billing %); "
     'name one with --map "Planned Date=<source header>"'),
    ("Task Name,Finish,Billing %\nDesign,31/02/2027,30%\n", ("--project", "P-1"),
     "schedule.csv row 2, column 'Finish': Planned Date '31/02/2027' is not a date; "
     "use a date such as 2026-03-31"),
    ("Milestone ID,Task Name,Finish,Billing %\nM-1,Design,2027-03-31,30%\nM-1,Build,2027-04-30,70%\n",
     ("--project", "P-1"), "schedule.csv row 3: Milestone ID 'M-1' appears twice in the source "
                           "(first at row 2)"),
    ("Task Name,Finish,Billing %\nDesign,2027-03-31,30\n", ("--project", "P-1"),
     "schedule.csv row 2, column 'Billing %': Percent '30' is more than 1; for 30 percent "
     "write 30% or 0.3"),
    ("Task Name,Finish,Billing %\nDesign,2027-03-31,30%\n", ("--project", "P-7"),
     "schedule.csv row 2: Project ID 'P-7' is not on the Projects sheet"),
    ("Task,End,Share\nDesign,2027-03-31,30%\n", ("--project", "P-1", "--map", "Milestone=Stage"),
     "--map: schedule.csv has no column 'Stage' (its headers: Task, End, Share)"),
])
def test_bad_sources_are_refused_with_row_and_column_and_nothing_written(
        book, tmp_path, content, args, message):
    assert cli("import", book, _projects_csv(tmp_path), "--as-of", AS_OF).exit_code == 0
    path = tmp_path / "schedule.csv"
    path.write_text(content)
    before = digest(book)
    r = cli("import", book, path, *args, "--as-of", AS_OF, "--json")
    assert r.exit_code == 1
    assert message in [e["message"] for e in json.loads(r.output)["errors"]]
    assert digest(book) == before


def test_an_id_already_in_the_workbook_is_named_with_its_cell(book, tmp_path):
    projects = _projects_csv(tmp_path)
    assert cli("import", book, projects, "--as-of", AS_OF).exit_code == 0
    before = digest(book)
    r = cli("import", book, projects, "--as-of", AS_OF, "--json")
    assert r.exit_code == 1
    errors = json.loads(r.output)["errors"]
    assert errors[0] == {"sheet": "Projects", "cell": "Projects!A2",
                         "message": "projects.csv row 2: Project ID 'P-1' is already in the "
                                    "workbook at Projects!A2"}
    assert digest(book) == before


def test_a_map_naming_no_column_of_ours_is_a_usage_error(book, tmp_path):
    r = cli("import", book, _projects_csv(tmp_path), "--map", "Colour=Project")
    assert r.exit_code == 2
    assert "Colour" in r.output
