"""check / refresh / report through the command line, as a user runs them."""
from __future__ import annotations

import json
from decimal import Decimal

from milebill_xl.core.money import round_money

from .conftest import AS_OF, cli, digest, make_book, milestones, projects


def test_check_json_has_contract_fields(book):
    before = digest(book)
    res = cli("check", book, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["as_of"] == AS_OF.isoformat()
    assert out["errors"] == []
    rows = {m["milestone_id"]: m for m in out["milestones"]}
    # rule 1: 30 % of 10,000.00 USD; JPY has no minor unit
    assert Decimal(rows["M1"]["amount"]) == round_money(Decimal("10000") * Decimal("0.3"), "USD")
    assert rows["M1"]["flag"] == "Ready to Invoice"
    assert rows["M2"]["flag"] == "Scheduled"
    assert rows["M3"]["amount"] == str(round_money(Decimal(1000000) * Decimal("0.3333"), "JPY"))
    assert set(rows["M1"]) >= {"milestone_id", "amount", "flag", "days_overdue", "invoice_no", "due_date"}
    assert digest(book) == before, "check must not write"


def test_as_of_option_overrides_setting(book):
    out = json.loads(cli("check", book, "--json", "--as-of", "2026-12-20").output)
    assert out["as_of"] == "2026-12-20"
    flags = {m["milestone_id"]: m["flag"] for m in out["milestones"]}
    assert flags["M2"] == "Behind Schedule"  # planned 2026-12-15, not complete


def test_bad_input_exit_1_names_cells_and_keeps_bytes(tmp_path):
    rows = milestones()
    rows[0]["Percent"] = "thirty"          # text in a number column
    rows[1]["Project ID"] = "P9"           # unknown project
    p = projects()
    p[0]["Payment Terms"] = "Net thirty"   # unparseable terms
    path = make_book(tmp_path / "bad.xlsx", projects_rows=p, milestone_rows=rows)
    before = digest(path)
    # issue 12: problems in P1's rows stop only P1; report prints what it can
    for command, code in ((["check"], 1), (["report"], 3)):
        res = cli(*command, path, "--json")
        assert res.exit_code == code, (command, res.output)
        assert digest(path) == before, command
    out = json.loads(cli("check", path, "--json").output)
    cells = {e["cell"] for e in out["errors"]}
    assert "Milestones!G2" in cells      # Percent of the first milestone row
    assert "Milestones!B3" in cells      # Project ID of the second
    assert "Projects!J2" in cells        # Payment Terms of P1
    assert all(e["sheet"] and e["message"] for e in out["errors"])


def test_schedule_over_allocation_blocks_billing(tmp_path):
    rows = milestones()
    rows[1]["Percent"] = 0.8  # 30 % + 80 % of P1
    path = make_book(tmp_path / "over.xlsx", milestone_rows=rows)
    res = cli("check", path, "--json")
    assert res.exit_code == 1
    err = json.loads(res.output)["errors"]
    assert any(e["cell"] == "Projects!G2" and "over by 1,000.00" in e["message"] for e in err)


def test_wrong_usage_exit_2(book):
    assert cli("check").exit_code == 2
    assert cli("check", book, "--as-of", "25/11/2026").exit_code == 2
    assert cli("frobnicate", book).exit_code == 2


def test_refresh_writes_cached_values_readable_without_recalc(book):
    from python_calamine import CalamineWorkbook
    res = cli("refresh", book)
    assert res.exit_code == 0, res.output
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Milestones").to_python()
    header = rows[0]
    flag, amount = header.index("Flag"), header.index("Amount")
    by_id = {r[0]: r for r in rows[1:] if r[0]}
    assert by_id["M1"][flag] == "Ready to Invoice"
    assert by_id["M1"][amount] == 3000
    dash = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Dashboard").to_python()
    flat = [c for r in dash for c in r]
    assert "USD" in flat and "JPY" in flat


def test_report_json_aging_and_forecast(book):
    assert cli("issue", book).exit_code == 0
    out = json.loads(cli("report", book, "--json", "--as-of", "2027-01-10").output)
    # INV for M1: 3,600.00 USD due 2026-12-25 -> 16 days overdue on 2027-01-10
    assert out["aging"]["USD"]["1-30"] == "3600.00"
    assert out["aging"]["USD"]["Current"] == "0.00"
    assert [o["invoice_no"] for o in out["overdue"]][0].startswith("INV-2027") is False
    months = {(f["currency"], f["month"]) for f in out["forecast"]}
    assert ("USD", "2027-01") in months
