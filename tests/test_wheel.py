"""The wheel works anywhere: built, installed into a fresh virtual
environment with the pinned dependencies, and run from an empty folder
outside the checkout, as a new user would (about a minute; CI runs it)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import olefile
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.wheel


def _run(args, cwd: Path, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheel")
    env = dict(os.environ, PIP_CONSTRAINT=str(ROOT / "constraints.txt"),
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    # a clean copy of the source: setuptools reuses a checkout's build/ folder,
    # whose stale files would end up in the wheel
    source = root / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis", "demo"))
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", root / "dist",
                  source], root, env)
    assert built.returncode == 0, built.stderr
    (wheel,) = (root / "dist").glob("milebill_xl-*.whl")
    venv = root / "venv"
    assert _run([sys.executable, "-m", "venv", venv], root).returncode == 0
    pip = _run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel], root, env)
    assert pip.returncode == 0, pip.stderr
    return wheel, venv / "bin" / "milebill"


def test_the_wheel_carries_the_templates_and_the_macros(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert sorted(n for n in names if n.startswith(("milebill_xl/workbook_templates/",
                                                     "milebill_xl/macros/"))) == [
        "milebill_xl/macros/MileBillRibbon.bas",
        "milebill_xl/macros/README.md",
        "milebill_xl/macros/__init__.py",
        "milebill_xl/macros/customUI14.xml",
        "milebill_xl/workbook_templates/__init__.py",
        "milebill_xl/workbook_templates/email.txt",
        "milebill_xl/workbook_templates/invoice.docx",
        "milebill_xl/workbook_templates/milestone_billing.xlsx"]
    # nothing lands beside the package in site-packages (the old bug's layout)
    assert not [n for n in names if n.startswith(("workbook_templates/", "macros/"))]
    # every code package of the checkout is in the wheel
    packages = {p.parent.relative_to(ROOT).as_posix()
                for p in (ROOT / "milebill_xl").rglob("__init__.py")}
    assert all(f"{p}/__init__.py" in names for p in packages), packages


@pytest.mark.libreoffice      # issue --pdf converts through LibreOffice
def test_a_new_user_runs_it_from_an_empty_folder(installed, tmp_path):
    wheel, milebill = installed
    folder = tmp_path / "somewhere-else"
    folder.mkdir()
    version = _run([milebill, "--version"], folder)
    assert version.returncode == 0 and version.stdout.strip() == "milebill, version 0.1.0"

    # the template caches its values as of 2025-01-01: a new book made as of
    # that day has nothing to bring up to date, so it is the wheel's template
    blank = _run([milebill, "new", "blank.xlsx", "--as-of", "2025-01-01"], folder)
    assert blank.returncode == 0, blank.stderr
    assert (folder / "blank.xlsx").read_bytes() == \
        zipfile.ZipFile(wheel).read("milebill_xl/workbook_templates/milestone_billing.xlsx")

    assert _run([milebill, "new", "book.xlsx", "--demo", "--as-of", "2026-11-25"],
                folder).returncode == 0
    check = _run([milebill, "check", "book.xlsx", "--as-of", "2026-11-25"], folder)
    assert check.returncode == 0
    assert "OK as of 2026-11-25: 5 projects, 17 milestones, 0 invoices" in check.stdout
    issue = _run([milebill, "issue", "book.xlsx", "--as-of", "2026-11-25", "--pdf", "--email"],
                 folder)
    assert issue.returncode == 0, issue.stderr
    made = sorted(p.name for p in (folder / "invoices").iterdir())
    # the e-mail drafts are worded by email.txt, which travels in the wheel
    assert made == [f"INV-2026-{n:04d}.{ext}" for n in range(1, 9) for ext in ("docx", "eml", "pdf")]

    addin = _run([milebill, "addin", "build", "out"], folder)
    assert addin.returncode == 0, addin.stderr
    with zipfile.ZipFile(folder / "out" / "MileBill.xlam") as z:
        vba = olefile.OleFileIO(z.read("xl/vbaProject.bin"))
    assert ["VBA", "MileBillRibbon"] in vba.listdir()      # our ribbon callbacks
    assert ["VBA", "xlwings"] in vba.listdir()             # xlwings' RunPython runtime


def test_the_installed_command_installs_the_add_in_into_a_mac_home(installed, tmp_path):
    _, milebill = installed
    home = tmp_path / "home"
    r = _run([milebill, "addin", "install", "--platform", "macos", "--home", home], tmp_path)
    assert r.returncode == 0, r.stderr
    assert (home / "Library/Group Containers/UBF8T346G9.Office/User Content/Add-Ins/"
                   "MileBill.xlam").is_file()
    assert (home / "Library/Containers/com.microsoft.Excel/Data/xlwings.conf").read_text() == \
        f'"INTERPRETER_MAC","{milebill.parent / "python"}"\n'
    assert (home / "Library/Application Scripts/com.microsoft.Excel/"
                   "xlwings-0.37.8.applescript").is_file()
