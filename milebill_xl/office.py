"""LibreOffice, driven headless: our independent spreadsheet and document client.

Used to convert invoices to PDF and, in tests, to open our workbooks,
recalculate every formula and save what it computed. Each ``soffice``
start costs about a second, so every call converts a batch of files.
A private profile (``-env:UserInstallation``) sets ``OOXMLRecalcMode`` to 0
("always recalculate") so saved formula results are never trusted.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

_PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice_path() -> str | None:
    """The soffice executable, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _profile_dir() -> Path:
    root = Path(tempfile.gettempdir()) / f"milebill-lo-profile-{os.getuid()}"
    user = root / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_PROFILE_XCU, encoding="utf-8")
    return root


class Conversion:
    """One soffice run converting a batch of files, started in the
    background (:func:`start`): ``result()`` waits for it, ``cancel()``
    stops it (the whole process group: soffice starts soffice.bin)."""

    def __init__(self, files: list[Path], fmt: str, out_dir: Path, timeout: float | None) -> None:
        exe = soffice_path()
        if exe is None:
            raise RuntimeError("LibreOffice (soffice) is not installed")
        out_dir.mkdir(parents=True, exist_ok=True)
        self.files = list(files)
        self.out_dir = out_dir
        ext = fmt.split(":")[0]
        self.made = [out_dir / (Path(f).stem + "." + ext) for f in self.files]
        # about 0.15 s a document on this kind of machine: allow far more
        self.timeout = timeout if timeout is not None else 180 + 2 * len(self.files)
        self._proc = None
        if self.files:
            cmd = [
                exe,
                f"-env:UserInstallation={_profile_dir().as_uri()}",
                "--headless", "--norestore", "--nolockcheck",
                "--convert-to", fmt, "--outdir", str(out_dir),
                *[str(f) for f in self.files],
            ]
            self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True, start_new_session=True)

    def result(self) -> list[Path]:
        """The produced paths, in the order of the files; RuntimeError when
        a file was not made (or the run took longer than its timeout)."""
        if self._proc is None:
            return []
        try:
            out, err = self._proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise RuntimeError(f"LibreOffice took more than {self.timeout:.0f} s to convert "
                               f"{len(self.files)} file(s); stopped") from None
        missing = [str(m) for m in self.made if not m.exists()]
        if missing:
            raise RuntimeError(
                f"LibreOffice did not produce {missing}: rc={self._proc.returncode} "
                f"stdout={out[-500:]} stderr={err[-500:]}")
        return self.made

    def cancel(self) -> None:
        """Stop the run (nothing it made is used)."""
        if self._proc is not None and self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._proc.communicate()


def start(files: list[Path], fmt: str, out_dir: Path, timeout: float | None = None) -> Conversion:
    """Start converting ``files`` with one soffice run, in the background.

    ``fmt`` is a LibreOffice filter spec such as ``"pdf"`` or ``"xlsx"``.
    Raises RuntimeError when LibreOffice is missing."""
    return Conversion(files, fmt, out_dir, timeout)


def convert(files: list[Path], fmt: str, out_dir: Path, timeout: float | None = None) -> list[Path]:
    """Convert ``files`` with one soffice run; return the produced paths.

    ``fmt`` is a LibreOffice filter spec such as ``"pdf"`` or ``"xlsx"``.
    Raises RuntimeError when LibreOffice is missing or a file was not made.
    """
    return start(files, fmt, out_dir, timeout).result()


def recalculate(files: list[Path], out_dir: Path) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate all, save as .xlsx in out_dir."""
    return convert(files, "xlsx:Calc MS Excel 2007 XML", out_dir)
