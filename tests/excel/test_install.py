"""`milebill addin install` / `uninstall` against a temporary home folder,
for the Windows and the macOS layout."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from milebill_xl.cli import main

WIN_PY = r"C:\Users\ann\AppData\Local\Programs\Python\Python311\python.exe"
MAC_PY = "/Users/ann/.venvs/billing/bin/python"


def _run(*args):
    return CliRunner().invoke(main, ["addin", *[str(a) for a in args]], catch_exceptions=False)


def _files(home: Path) -> list[str]:
    return sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file())


def test_windows_dry_run_prints_the_plan_and_changes_nothing(tmp_path):
    r = _run("install", "--dry-run", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert r.exit_code == 0
    assert r.output.splitlines() == [
        "MileBill add-in, install for Excel for Windows (dry run: nothing changed):",
        f"  1. build MileBill.xlam and copy it to {tmp_path}/AppData/Roaming/Microsoft/AddIns/MileBill.xlam",
        f"  2. set INTERPRETER_WIN in {tmp_path}/.xlwings/xlwings.conf to {WIN_PY} (other lines kept)",
        "Then, in Excel: File > Options > Add-ins > Manage: Excel Add-ins > Go..., tick MileBill."]
    assert _files(tmp_path) == []


def test_windows_install_keeps_the_other_config_lines_and_uninstall_undoes_it(tmp_path):
    conf = tmp_path / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir()
    conf.write_text('"CONDA PATH","C:\\\\conda"\n"INTERPRETER_WIN","C:\\\\old\\\\python.exe"\n'
                    '"SHOW CONSOLE","False"\n')
    r = _run("install", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert r.exit_code == 0
    assert "One step is left, in Excel: File > Options > Add-ins" in r.output
    assert _files(tmp_path) == [".xlwings/xlwings.conf",
                                "AppData/Roaming/Microsoft/AddIns/MileBill.xlam"]
    assert conf.read_text().splitlines() == [
        '"CONDA PATH","C:\\\\conda"', f'"INTERPRETER_WIN","{WIN_PY}"', '"SHOW CONSOLE","False"']
    xlam = tmp_path / "AppData/Roaming/Microsoft/AddIns/MileBill.xlam"
    assert "xl/vbaProject.bin" in zipfile.ZipFile(xlam).namelist()

    r = _run("uninstall", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert r.exit_code == 0
    assert _files(tmp_path) == [".xlwings/xlwings.conf"]
    assert conf.read_text().splitlines() == ['"CONDA PATH","C:\\\\conda"', '"SHOW CONSOLE","False"']


def test_macos_install_into_an_empty_home(tmp_path):
    r = _run("install", "--json", "--platform", "macos", "--home", tmp_path, "--python", MAC_PY)
    assert r.exit_code == 0
    out = json.loads(r.output)
    assert out["addin"] == str(tmp_path / "Library/Group Containers/UBF8T346G9.Office/User Content/"
                                          "Add-Ins/MileBill.xlam")
    assert out["config"] == str(tmp_path / "Library/Containers/com.microsoft.Excel/Data/xlwings.conf")
    assert out["changed"] is True
    assert out["next_step"] == "Tools > Excel Add-ins..., tick MileBill."
    assert (tmp_path / "Library/Containers/com.microsoft.Excel/Data/xlwings.conf").read_text() == \
        f'"INTERPRETER_MAC","{MAC_PY}"\n'


def test_uninstall_leaves_an_interpreter_line_it_did_not_write(tmp_path):
    conf = tmp_path / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir()
    conf.write_text('"INTERPRETER_WIN","C:\\\\other\\\\python.exe"\n')
    r = _run("uninstall", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert r.exit_code == 0
    assert conf.read_text() == '"INTERPRETER_WIN","C:\\\\other\\\\python.exe"\n'


def test_on_a_machine_without_excel_it_only_says_where_things_would_go(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    r = _run("install")
    assert r.exit_code == 0
    assert "Excel runs on Windows and macOS: nothing to install on this machine." in r.output
    assert _files(tmp_path) == []


def test_a_folder_that_cannot_be_made_is_refused_with_exit_1(tmp_path):
    (tmp_path / "AppData").write_text("a file where a folder should be")
    r = _run("install", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert r.exit_code == 1
    assert "nothing installed" in r.output
