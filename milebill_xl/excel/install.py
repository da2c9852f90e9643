"""``milebill addin install`` / ``uninstall``: put the add-in where Excel
looks for it and point xlwings at this Python, so the one step left is to
tick the add-in in Excel.

Where things go (what Excel and xlwings read):

- the add-in: Windows ``%APPDATA%\\Microsoft\\AddIns\\MileBill.xlam``; macOS
  ``~/Library/Group Containers/UBF8T346G9.Office/User Content/Add-Ins/``;
- the interpreter: the user's xlwings config file, which the VBA runtime in
  the add-in (xlwings.bas, ``GetConfigFilePath``) reads: Windows
  ``%USERPROFILE%\\.xlwings\\xlwings.conf``, key ``INTERPRETER_WIN``; macOS
  ``~/Library/Containers/com.microsoft.Excel/Data/xlwings.conf`` (Excel is
  sandboxed there), key ``INTERPRETER_MAC``. Lines are ``"KEY","VALUE"``;
  every other line is kept as it was.

On Linux (no Excel) or with ``dry_run`` the same plan is returned and
nothing is changed. Uninstall removes the add-in file and the interpreter
line only when it still names the Python it would write.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .addin import ADDIN_NAME, build_addin

ADDIN_FILE = f"{ADDIN_NAME}.xlam"

WINDOWS, MACOS = "windows", "macos"
_TICK = {WINDOWS: "File > Options > Add-ins > Manage: Excel Add-ins > Go..., tick MileBill",
         MACOS: "Tools > Excel Add-ins..., tick MileBill"}


@dataclass(frozen=True)
class Layout:
    platform: str
    addins_dir: Path
    conf_path: Path
    key: str

    @property
    def addin_path(self) -> Path:
        return self.addins_dir / ADDIN_FILE


def current_platform() -> str | None:
    if sys.platform.startswith("win"):
        return WINDOWS
    if sys.platform == "darwin":
        return MACOS
    return None


def layout(platform: str, home: Path, appdata: Path | None = None) -> Layout:
    """Where the add-in and the config go for ``platform`` and a user whose
    home folder is ``home`` (``appdata``: Windows' %APPDATA%, by default
    ``home/AppData/Roaming``)."""
    if platform == WINDOWS:
        roaming = appdata or home / "AppData" / "Roaming"
        return Layout(WINDOWS, roaming / "Microsoft" / "AddIns",
                      home / ".xlwings" / "xlwings.conf", "INTERPRETER_WIN")
    if platform == MACOS:
        return Layout(MACOS, home / "Library" / "Group Containers" / "UBF8T346G9.Office"
                      / "User Content" / "Add-Ins",
                      home / "Library" / "Containers" / "com.microsoft.Excel" / "Data"
                      / "xlwings.conf", "INTERPRETER_MAC")
    raise ValueError(f"unknown platform {platform!r}: windows or macos")


def _line(key: str, value: str) -> str:
    return f'"{key}","{value}"'


def _key_of(line: str) -> str:
    return line.split(",", 1)[0].strip().strip('"').upper()


def with_interpreter(text: str, key: str, python: str) -> str:
    """``text`` of an xlwings.conf with ``key`` set to ``python``: the line
    replaced where it is, else added at the end; other lines untouched."""
    lines = text.splitlines()
    new = _line(key, python)
    for i, line in enumerate(lines):
        if _key_of(line) == key:
            lines[i] = new
            break
    else:
        lines.append(new)
    return "\n".join(lines) + "\n"


def without_interpreter(text: str, key: str, python: str) -> str:
    """``text`` without the ``key`` line if it names ``python``."""
    lines = [l for l in text.splitlines() if l.strip() != _line(key, python)]
    return "\n".join(lines) + ("\n" if lines else "")


@dataclass
class Outcome:
    action: str                      # "install" or "uninstall"
    platform: str | None
    steps: list[str] = field(default_factory=list)
    changed: bool = False
    next_step: str = ""
    addin: str = ""
    conf: str = ""
    python: str = ""

    def to_json(self) -> dict:
        return {"action": self.action, "platform": self.platform, "steps": self.steps,
                "changed": self.changed, "next_step": self.next_step, "addin": self.addin,
                "config": self.conf, "python": self.python, "errors": []}


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def install(lay: Layout | None, python: str, dry_run: bool = False) -> Outcome:
    """Install (or, ``dry_run`` or no Excel platform, only plan) the add-in."""
    out = Outcome("install", lay.platform if lay else None, python=python)
    if lay is None:
        out.steps = ["Excel runs on Windows and macOS: nothing to install on this machine.",
                     "On Windows: MileBill.xlam goes to %APPDATA%\\Microsoft\\AddIns and "
                     "INTERPRETER_WIN in %USERPROFILE%\\.xlwings\\xlwings.conf names this "
                     "installation's python.exe.",
                     "On macOS: MileBill.xlam goes to ~/Library/Group Containers/UBF8T346G9."
                     "Office/User Content/Add-Ins and INTERPRETER_MAC in ~/Library/Containers/"
                     "com.microsoft.Excel/Data/xlwings.conf names this installation's python."]
        return out
    out.addin, out.conf = str(lay.addin_path), str(lay.conf_path)
    out.steps = [f"build {ADDIN_FILE} and copy it to {lay.addin_path}",
                 f"set {lay.key} in {lay.conf_path} to {python} (other lines kept)"]
    out.next_step = f"{_TICK[lay.platform]}."
    if dry_run:
        return out
    with tempfile.TemporaryDirectory() as tmp:
        built = build_addin(Path(tmp))
        lay.addins_dir.mkdir(parents=True, exist_ok=True)
        staged = lay.addins_dir / f".{ADDIN_FILE}.tmp"
        shutil.copyfile(built, staged)
        os.replace(staged, lay.addin_path)
    old = lay.conf_path.read_text(encoding="utf-8") if lay.conf_path.exists() else ""
    _write_atomic(lay.conf_path, with_interpreter(old, lay.key, python))
    out.changed = True
    return out


def uninstall(lay: Layout | None, python: str, dry_run: bool = False) -> Outcome:
    out = Outcome("uninstall", lay.platform if lay else None, python=python)
    if lay is None:
        out.steps = ["Excel runs on Windows and macOS: nothing to uninstall on this machine."]
        return out
    out.addin, out.conf = str(lay.addin_path), str(lay.conf_path)
    out.steps = [f"remove {lay.addin_path}",
                 f"remove the {lay.key} line naming {python} from {lay.conf_path} "
                 "(other lines kept)"]
    out.next_step = f"{_TICK[lay.platform].replace('tick MileBill', 'untick MileBill')}."
    if dry_run:
        return out
    if lay.addin_path.exists():
        lay.addin_path.unlink()
        out.changed = True
    if lay.conf_path.exists():
        old = lay.conf_path.read_text(encoding="utf-8")
        new = without_interpreter(old, lay.key, python)
        if new != old:
            _write_atomic(lay.conf_path, new)
            out.changed = True
    return out
