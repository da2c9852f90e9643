"""Shared fixtures and helpers for the reliability tests: the corpus is
generated once per session; commands run in-process (click's runner) or as
real ``milebill`` subprocesses."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from milebill_xl.cli import main

from . import corpus

MILEBILL = Path(sys.executable).with_name("milebill")


def pytest_configure(config):
    config.addinivalue_line("markers", "crash: kills milebill processes (about 2 minutes); "
                            "runs in CI, skip locally with -m 'not crash'")


@dataclass
class Ran:
    code: int
    out: str          # stdout and stderr together

    @property
    def flat(self) -> str:
        """Output with line wrapping undone (rich wraps at 80 columns)."""
        return " ".join(self.out.split())


def run_cli(*args: str) -> Ran:
    """In process, through click (fast). Exceptions surface as tracebacks
    in the output, exactly as the real entry point would print them."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)
    out = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback
        out += "".join(traceback.format_exception(result.exception))
    return Ran(result.exit_code, out)


def run_proc(*args: str, timeout: float = 60, **kw) -> Ran:
    """A real ``milebill`` process."""
    env = dict(os.environ, COLUMNS="200")
    p = subprocess.run([str(MILEBILL), *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, env=env, **kw)
    return Ran(p.returncode, p.stdout + p.stderr)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def commands(path: Path) -> dict[str, tuple[str, ...]]:
    """The five commands that read or write a workbook, with valid arguments
    for the base book."""
    inv = corpus.open_invoice()
    return {
        "check": ("check", path),
        "refresh": ("refresh", path),
        "issue": ("issue", path),
        "pay": ("pay", path, "--invoice", inv, "--amount", "100.00", "--reference", "R1"),
        "void": ("void", path, "--invoice", inv, "--reason", "wrong amount"),
    }


@pytest.fixture(scope="session")
def corpus_cases(tmp_path_factory) -> dict[str, corpus.Case]:
    folder = tmp_path_factory.mktemp("corpus")
    return {c.name: c for c in corpus.generate(folder)}
