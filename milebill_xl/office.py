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


def convert(files: list[Path], fmt: str, out_dir: Path, timeout: float = 180) -> list[Path]:
    """Convert ``files`` with one soffice run; return the produced paths.

    ``fmt`` is a LibreOffice filter spec such as ``"pdf"`` or ``"xlsx"``.
    Raises RuntimeError when LibreOffice is missing or a file was not made.
    """
    exe = soffice_path()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    out_dir.mkdir(parents=True, exist_ok=True)
    if not files:
        return []
    cmd = [
        exe,
        f"-env:UserInstallation={_profile_dir().as_uri()}",
        "--headless", "--norestore", "--nolockcheck",
        "--convert-to", fmt, "--outdir", str(out_dir),
        *[str(f) for f in files],
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    ext = fmt.split(":")[0]
    made = [out_dir / (Path(f).stem + "." + ext) for f in files]
    missing = [str(m) for m in made if not m.exists()]
    if missing:
        raise RuntimeError(
            f"LibreOffice did not produce {missing}: rc={proc.returncode} "
            f"stdout={proc.stdout[-500:]} stderr={proc.stderr[-500:]}")
    return made


def recalculate(files: list[Path], out_dir: Path) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate all, save as .xlsx in out_dir."""
    return convert(files, "xlsx:Calc MS Excel 2007 XML", out_dir)
