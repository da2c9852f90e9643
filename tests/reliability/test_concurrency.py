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


def test_second_command_refuses_while_issue_runs(base, tmp_path):
    book = _copy(base, tmp_path / "t")
    first = _start(book, "issue", str(book))
    staging = book.parent / "invoices" / STAGING
    deadline = time.monotonic() + 60
    while not staging.is_dir() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.poll() is None, "issue finished before the second command could start"
    for args in (("issue", str(book)), ("pay", str(book), "--invoice", "INV-2025-0001",
                                        "--amount", "1"), ("refresh", str(book))):
        t0 = time.monotonic()
        second = run_proc(*args, cwd=book.parent, timeout=30)
        assert second.code == 1, second.out
        assert "being changed by another milebill run" in second.out, second.out
        assert "Traceback" not in second.out
        assert time.monotonic() - t0 < 10            # refuses at once, does not wait
    assert first.poll() is None or first.returncode == 0
    out, _ = first.communicate(timeout=120)
    assert first.returncode == 0, out
    _inspect(book, complete=True)                    # 300 invoices, once each, docs match


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
