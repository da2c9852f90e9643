"""LibreOffice, driven headless: our independent spreadsheet and document client.

Used to convert invoices to PDF and, in tests, to open our workbooks,
recalculate every formula and save what it computed. Each ``soffice``
start costs about a second, so every call converts a batch of files (in
runs of at most 200: LibreOffice drops files past about 245 on one command
line).
A private profile (``-env:UserInstallation``) sets ``OOXMLRecalcMode`` to 0
("always recalculate") so saved formula results are never trusted.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
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


#: files per soffice start: LibreOffice 7.4 converts the first 245 files
#: named on one command line and silently drops the rest (rc 0), so a batch
#: goes in runs of at most this many, one after the other
FILES_PER_RUN = 200


class Conversion:
    """A batch of files converted by soffice in the background
    (:func:`start`), in runs of at most ``FILES_PER_RUN`` files one after
    the other (each start costs about a second): ``result()`` waits for
    them, ``cancel()`` stops them (the whole process group of the current
    run: soffice starts soffice.bin)."""

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
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._cancelled = False
        self._last = (0, "", "")          # the last run's return code and output
        self._finished = 0                # files whose run has ended
        self._runs = [[exe, f"-env:UserInstallation={_profile_dir().as_uri()}",
                       "--headless", "--norestore", "--nolockcheck",
                       "--convert-to", fmt, "--outdir", str(out_dir),
                       *[str(f) for f in self.files[k:k + FILES_PER_RUN]]]
                      for k in range(0, len(self.files), FILES_PER_RUN)]
        self._thread = threading.Thread(target=self._work, daemon=True)
        self._thread.start()

    def _work(self) -> None:
        for k, cmd in enumerate(self._runs):
            with self._lock:
                if self._cancelled:
                    return
                self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                              text=True, start_new_session=True)
            out, err = self._proc.communicate()
            self._last = (self._proc.returncode, out, err)
            self._finished = min(len(self.files), (k + 1) * FILES_PER_RUN)

    def as_made(self, poll: float = 0.05) -> Iterator[int]:
        """The index of each file, in order, as soon as its output is
        complete, while the rest are still converting: soffice converts the
        files of a run one after the other, so an output is complete once
        the next file's output exists or its run has ended. Stops at the
        first file not made (``result()`` then says which)."""
        deadline = time.monotonic() + self.timeout
        for k, path in enumerate(self.made):
            while True:
                if k < self._finished:
                    if not path.exists():
                        return
                    break
                if (k + 1) % FILES_PER_RUN and k + 1 < len(self.made) \
                        and self.made[k + 1].exists():
                    break
                if not self._thread.is_alive() and k >= self._finished:
                    return
                if time.monotonic() > deadline:
                    return
                time.sleep(poll)
            yield k

    def result(self) -> list[Path]:
        """The produced paths, in the order of the files; RuntimeError when
        a file was not made (or the runs took longer than the timeout)."""
        self._thread.join(self.timeout)
        if self._thread.is_alive():
            self.cancel()
            raise RuntimeError(f"LibreOffice took more than {self.timeout:.0f} s to convert "
                               f"{len(self.files)} file(s); stopped")
        missing = [m.name for m in self.made if not m.exists()]
        if missing:
            rc, out, err = self._last
            shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
            raise RuntimeError(f"LibreOffice did not produce {shown} in {self.out_dir}: rc={rc} "
                               f"stdout={out[-500:]} stderr={err[-500:]}")
        return self.made

    def cancel(self) -> None:
        """Stop converting (nothing made is used)."""
        with self._lock:
            self._cancelled = True
            proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._thread.join()


def start(files: list[Path], fmt: str, out_dir: Path, timeout: float | None = None) -> Conversion:
    """Start converting ``files`` in the background (one soffice run per
    ``FILES_PER_RUN`` files).

    ``fmt`` is a LibreOffice filter spec such as ``"pdf"`` or ``"xlsx"``.
    Raises RuntimeError when LibreOffice is missing."""
    return Conversion(files, fmt, out_dir, timeout)


def convert(files: list[Path], fmt: str, out_dir: Path, timeout: float | None = None) -> list[Path]:
    """Convert ``files`` (one soffice run per ``FILES_PER_RUN`` files);
    return the produced paths.

    ``fmt`` is a LibreOffice filter spec such as ``"pdf"`` or ``"xlsx"``.
    Raises RuntimeError when LibreOffice is missing or a file was not made.
    """
    return start(files, fmt, out_dir, timeout).result()


def recalculate(files: list[Path], out_dir: Path) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate all, save as .xlsx in out_dir."""
    return convert(files, "xlsx:Calc MS Excel 2007 XML", out_dir)
