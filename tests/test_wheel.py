"""The wheel works anywhere: built, installed into a fresh virtual
environment with the pinned dependencies, and run from an empty folder
outside the checkout, as a new user would (about a minute; CI runs it)."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

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
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", root / "dist",
                  ROOT], root, env)
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
    assert {"milebill_xl/workbook_templates/milestone_billing.xlsx",
            "milebill_xl/workbook_templates/invoice.docx",
            "milebill_xl/macros/MileBillRibbon.bas",
            "milebill_xl/macros/customUI14.xml"} <= names
    # every code package of the checkout is in the wheel
    packages = {p.parent.relative_to(ROOT).as_posix()
                for p in (ROOT / "milebill_xl").rglob("__init__.py")}
    assert all(f"{p}/__init__.py" in names for p in packages), packages


def test_a_new_user_runs_it_from_an_empty_folder(installed, tmp_path):
    _, milebill = installed
    folder = tmp_path / "somewhere-else"
    folder.mkdir()
    version = _run([milebill, "--version"], folder)
    assert version.returncode == 0 and version.stdout.strip() == "milebill, version 0.1.0"
    assert _run([milebill, "new", "book.xlsx", "--demo", "--as-of", "2026-11-25"],
                folder).returncode == 0
    check = _run([milebill, "check", "book.xlsx", "--as-of", "2026-11-25"], folder)
    assert check.returncode == 0
    assert "OK as of 2026-11-25: 5 projects, 17 milestones, 0 invoices" in check.stdout
    issue = _run([milebill, "issue", "book.xlsx", "--as-of", "2026-11-25", "--pdf", "--json"],
                 folder)
    assert issue.returncode == 0, issue.stderr
    made = sorted(p.name for p in (folder / "invoices").iterdir())
    assert made == [f"INV-2026-{n:04d}.{ext}" for n in range(1, 9) for ext in ("docx", "pdf")]
    addin = _run([milebill, "addin", "build", "out"], folder)
    assert addin.returncode == 0, addin.stderr
    with zipfile.ZipFile(folder / "out" / "MileBill.xlam") as z:
        assert "xl/vbaProject.bin" in z.namelist()
