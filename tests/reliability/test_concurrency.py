"""Two ``milebill`` processes on one workbook never interleave: a second
command started while ``issue`` runs refuses at once (exit 1, a clear
message) and changes nothing; whichever order they start in, every
milestone is billed exactly once."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from milebill_xl.documents.store import STAGING

from .conftest import MILEBILL, run_proc
from .crashbook import build_many
from .test_crash import N, _inspect


def _start(book: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(MILEBILL), *args], cwd=book.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return build_many(tmp_path_factory.mktemp("conc") / "base.xlsx", N)


def _copy(base: Path, folder: Path) -> Path:
    folder.mkdir()
    book = folder / "book.xlsx"
    book.write_bytes(base.read_bytes())
    return book


def test_second_command_refuses_while_issue_runs(tmp_path):
    # 900 invoices: rendering takes long enough for the second commands to
    # start up (about a second each on a loaded machine) while the lock is held
    book = build_many(tmp_path / "book.xlsx", 3 * N)
    first = _start(book, "issue", str(book))
    staging = book.parent / "invoices" / STAGING
    deadline = time.monotonic() + 60
    while not staging.is_dir() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.poll() is None, "issue finished before the second command could start"
    t0 = time.monotonic()
    seconds = [_start(book, *args) for args in (
        ("issue", str(book)), ("pay", str(book), "--invoice", "INV-2025-0001", "--amount", "1"),
        ("refresh", str(book)), ("void", str(book), "--invoice", "INV-2025-0001", "--reason", "x"))]
    for second in seconds:
        out = second.communicate(timeout=60)[0]
        assert second.returncode == 1, out
        assert "being changed by another milebill run" in out, out
        assert "Traceback" not in out
    assert time.monotonic() - t0 < 20               # they refuse at once, none waits
    assert first.poll() is None, "the refusals must have come while issue held the lock"
    out, _ = first.communicate(timeout=180)
    assert first.returncode == 0, out
    data = _inspect(book, complete=True, n=3 * N)
    assert data["issued"] == 3 * N and data["published"] == 3 * N and data["staged"] == 0


@pytest.mark.parametrize("attempt", range(3))
def test_two_issues_started_together_bill_each_milestone_once(base, tmp_path, attempt):
    book = _copy(base, tmp_path / "t")
    procs = [_start(book, "issue", str(book)) for _ in range(2)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    codes = sorted(p.returncode for p in procs)
    # one wins; the other refused (busy) or ran after it and found nothing to bill
    assert codes in ([0, 0], [0, 1]), outs
    for p, out in zip(procs, outs):
        assert "Traceback" not in out
        if p.returncode == 1:
            assert "being changed by another milebill run" in out, out
    _inspect(book, complete=True)
    assert not any(name.startswith(".~mb-") for name in os.listdir(book.parent))
