"""`milebill addin install` / `uninstall` against a temporary home folder,
for the Windows and the macOS layout: literal paths, literal xlwings.conf
bytes (what the add-in's VBA reads), all-or-nothing writes."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from milebill_xl.cli import main

WIN_PY = r"C:\Users\ann\AppData\Local\Programs\Python\Python311\python.exe"
MAC_PY = "/Users/ann/.venvs/billing/bin/python"
WIN_CONF = ".xlwings/xlwings.conf"
WIN_XLAM = "AppData/Roaming/Microsoft/AddIns/MileBill.xlam"
MAC_CONF = "Library/Containers/com.microsoft.Excel/Data/xlwings.conf"
MAC_XLAM = "Library/Group Containers/UBF8T346G9.Office/User Content/Add-Ins/MileBill.xlam"
MAC_SCRIPT = "Library/Application Scripts/com.microsoft.Excel/xlwings-0.37.8.applescript"


def _run(*args):
    return CliRunner().invoke(main, ["addin", *[str(a) for a in args]],
                                              catch_exceptions=False)


def _files(home: Path) -> list[str]:
    return sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file())


def _tree(home: Path) -> list[str]:
    return sorted(p.relative_to(home).as_posix() for p in home.rglob("*"))


def test_windows_dry_run_prints_the_plan_and_changes_nothing(tmp_path):
    r = _run("install", "--dry-run", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert r.exit_code == 0
    assert r.output.splitlines() == [
        "MileBill add-in, install for Excel for Windows (dry run: nothing changed):",
        f"  1. build MileBill.xlam and copy it to {tmp_path}/{WIN_XLAM}",
        f"  2. set INTERPRETER_WIN in {tmp_path}/{WIN_CONF} to {WIN_PY} (other lines kept)",
        "Then, in Excel: Developer > Excel Add-ins (or File > Options > Add-ins > Manage: "
        "Excel Add-ins > Go...), tick MileBill."]
    assert _tree(tmp_path) == []


def test_macos_dry_run_prints_the_plan_and_changes_nothing(tmp_path):
    r = _run("install", "--dry-run", "--platform", "macos", "--home", tmp_path, "--python", MAC_PY)
    assert r.exit_code == 0
    assert r.output.splitlines() == [
        "MileBill add-in, install for Excel for Mac (dry run: nothing changed):",
        f"  1. build MileBill.xlam and copy it to {tmp_path}/{MAC_XLAM}",
        f"  2. set INTERPRETER_MAC in {tmp_path}/{MAC_CONF} to {MAC_PY} (other lines kept)",
        "  3. copy xlwings' xlwings-0.37.8.applescript (RunPython needs it) to "
        f"{tmp_path}/Library/Application Scripts/com.microsoft.Excel",
        "Then, in Excel: Tools > Excel Add-ins..., tick MileBill (if it is not listed, "
        "Browse... to the add-ins folder above)."]
    assert _tree(tmp_path) == []


def test_windows_install_into_an_empty_home_writes_the_line_xlwings_reads(tmp_path):
    r = _run("install", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert r.exit_code == 0, r.stderr
    assert _files(tmp_path) == [WIN_CONF, WIN_XLAM]
    # VBA's Input # reads "KEY","VALUE" lines, CRLF-terminated, no escapes
    assert (tmp_path / WIN_CONF).read_bytes() == \
        b'"INTERPRETER_WIN","C:\\Users\\ann\\AppData\\Local\\Programs\\Python\\Python311' \
        b'\\python.exe"\r\n'
    names = zipfile.ZipFile(tmp_path / WIN_XLAM).namelist()
    assert {"xl/vbaProject.bin", "customUI/customUI14.xml", "customUI/customUI.xml"} <= set(names)
    assert r.output.splitlines()[-2:] == [
        f"done: {tmp_path}/{WIN_XLAM}, {tmp_path}/{WIN_CONF}.",
        "One step is left, in Excel: Developer > Excel Add-ins (or File > Options > Add-ins > "
        "Manage: Excel Add-ins > Go...), tick MileBill."]


def test_windows_install_keeps_the_other_config_lines_and_uninstall_undoes_only_its_own(tmp_path):
    conf = tmp_path / WIN_CONF
    conf.parent.mkdir()
    # as `xlwings config create` and the xlwings ribbon write it on Windows
    conf.write_bytes(b'"CONDA PATH","C:\\Users\\ann\\miniconda3"\r\n"CONDA ENV","base"\r\n'
                     b'"INTERPRETER_WIN","C:\\old\\python.exe"\r\n"SHOW CONSOLE","False"\r\n')
    r = _run("install", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert r.exit_code == 0, r.stderr
    assert conf.read_bytes() == (
        b'"CONDA PATH","C:\\Users\\ann\\miniconda3"\r\n"CONDA ENV","base"\r\n'
        b'"INTERPRETER_WIN","C:\\Users\\ann\\AppData\\Local\\Programs\\Python\\Python311'
        b'\\python.exe"\r\n"SHOW CONSOLE","False"\r\n')

    r = _run("uninstall", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert r.exit_code == 0, r.stderr
    assert _files(tmp_path) == [WIN_CONF]
    assert conf.read_bytes() == (b'"CONDA PATH","C:\\Users\\ann\\miniconda3"\r\n'
                                 b'"CONDA ENV","base"\r\n"SHOW CONSOLE","False"\r\n')


def test_a_user_name_with_an_accent_is_written_in_the_ansi_code_page(tmp_path):
    python = r"C:\Users\Müller\python.exe"
    r = _run("install", "--platform", "windows", "--home", tmp_path, "--python", python)
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / WIN_CONF).read_bytes() == \
        b'"INTERPRETER_WIN","C:\\Users\\M\xfcller\\python.exe"\r\n'


def test_macos_install_into_an_empty_home(tmp_path):
    r = _run("install", "--json", "--platform", "macos", "--home", tmp_path, "--python", MAC_PY)
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["addin"] == f"{tmp_path}/{MAC_XLAM}"
    assert out["config"] == f"{tmp_path}/{MAC_CONF}"
    assert out["config_key"] == "INTERPRETER_MAC"
    assert out["applescript"] == f"{tmp_path}/{MAC_SCRIPT}"
    assert out["changed"] == [f"{tmp_path}/{MAC_XLAM}", f"{tmp_path}/{MAC_CONF}",
                              f"{tmp_path}/{MAC_SCRIPT}"]
    assert out["next_step"] == ("Tools > Excel Add-ins..., tick MileBill (if it is not listed, "
                                "Browse... to the add-ins folder above).")
    assert out["errors"] == []
    assert _files(tmp_path) == [MAC_SCRIPT, MAC_CONF, MAC_XLAM]
    assert (tmp_path / MAC_CONF).read_bytes() == b'"INTERPRETER_MAC","/Users/ann/.venvs/billing/bin/python"\n'
    # the handler RunPython calls through AppleScriptTask
    assert "on VbaHandler(ParameterString)" in (tmp_path / MAC_SCRIPT).read_text()


def test_macos_uses_the_localized_folders_office_made(tmp_path):
    office = tmp_path / "Library/Group Containers/UBF8T346G9.Office"
    (office / "User Content.localized/Add-Ins.localized").mkdir(parents=True)
    conf = tmp_path / MAC_CONF
    conf.parent.mkdir(parents=True)
    conf.write_bytes(b'"INTERPRETER_MAC","/opt/old/python"\n"USE UDF SERVER","False"')
    r = _run("install", "--platform", "macos", "--home", tmp_path, "--python", MAC_PY)
    assert r.exit_code == 0, r.stderr
    assert (office / "User Content.localized/Add-Ins.localized/MileBill.xlam").is_file()
    assert not (office / "User Content").exists()
    assert conf.read_bytes() == (b'"INTERPRETER_MAC","/Users/ann/.venvs/billing/bin/python"\n'
                                 b'"USE UDF SERVER","False"')


def test_installing_twice_changes_nothing_the_second_time(tmp_path):
    args = ("install", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert _run(*args).exit_code == 0
    before = (tmp_path / WIN_CONF).read_bytes()
    r = _run(*args)
    assert r.exit_code == 0
    assert "done: everything was already in place." in r.output
    assert (tmp_path / WIN_CONF).read_bytes() == before


def test_uninstall_leaves_an_interpreter_line_it_did_not_write(tmp_path):
    conf = tmp_path / WIN_CONF
    conf.parent.mkdir()
    conf.write_bytes(b'"INTERPRETER_WIN","C:\\other\\python.exe"\r\n')
    r = _run("uninstall", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert r.exit_code == 0
    assert conf.read_bytes() == b'"INTERPRETER_WIN","C:\\other\\python.exe"\r\n'


def test_uninstall_dry_run_changes_nothing(tmp_path):
    assert _run("install", "--platform", "macos", "--home", tmp_path, "--python", MAC_PY).exit_code == 0
    before = {f: (tmp_path / f).read_bytes() for f in _files(tmp_path)}
    r = _run("uninstall", "--dry-run", "--platform", "macos", "--home", tmp_path, "--python", MAC_PY)
    assert r.exit_code == 0
    assert r.output.splitlines()[1:3] == [
        f"  1. remove {tmp_path}/{MAC_XLAM}",
        f"  2. remove the INTERPRETER_MAC line naming {MAC_PY} from {tmp_path}/{MAC_CONF} "
        "(other lines kept)"]
    assert {f: (tmp_path / f).read_bytes() for f in _files(tmp_path)} == before


def test_on_a_machine_without_excel_it_only_says_where_things_would_go(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    r = _run("install")
    assert r.exit_code == 0
    assert r.output.splitlines()[:2] == [
        "MileBill add-in, install for Excel:",
        "  Excel runs on Windows and macOS: nothing to install on this machine."]
    assert _tree(tmp_path) == []


def test_an_add_ins_folder_that_cannot_be_made_is_refused_with_exit_1(tmp_path):
    (tmp_path / "AppData").write_text("a file where a folder should be")
    r = _run("install", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert r.exit_code == 1
    assert r.stderr.startswith("error: nothing installed: ")
    assert _tree(tmp_path) == ["AppData"]


def test_a_config_folder_that_cannot_be_made_takes_the_copied_add_in_back(tmp_path):
    (tmp_path / ".xlwings").write_text("a file where a folder should be")
    r = _run("install", "--json", "--platform", "windows", "--home", tmp_path, "--python", WIN_PY)
    assert r.exit_code == 1
    assert json.loads(r.stdout)["errors"][0]["message"].startswith("nothing installed: ")
    assert _tree(tmp_path) == [".xlwings"]     # no add-in left behind, no folders made


def test_an_interpreter_path_xlwings_conf_cannot_hold_is_refused(tmp_path):
    r = _run("install", "--platform", "macos", "--home", tmp_path, "--python", '/Users/a"b/python')
    assert r.exit_code == 1
    assert "xlwings.conf cannot hold the value" in r.stderr
    assert _tree(tmp_path) == []


def test_an_unknown_platform_is_a_usage_error(tmp_path):
    r = _run("install", "--platform", "linux", "--home", tmp_path)
    assert r.exit_code == 2
    assert _tree(tmp_path) == []
