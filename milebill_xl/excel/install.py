"""``milebill addin install`` / ``uninstall``: put the add-in where Excel
looks for it and point xlwings at this Python, so the one step left is to
tick the add-in in Excel.

Where things go (what Excel and the xlwings runtime inside the add-in read):

- the add-in: Windows ``%APPDATA%\\Microsoft\\AddIns\\MileBill.xlam``; macOS
  ``~/Library/Group Containers/UBF8T346G9.Office/User Content/Add-Ins/``
  (Office creates these folders as ``User Content.localized`` /
  ``Add-Ins.localized`` on many Macs, which Finder shows without the
  suffix: an existing spelling is used);
- the interpreter: the user's xlwings config, which xlwings.bas
  (``GetConfigFilePath``, ``PROJECT_NAME = "xlwings"``) reads: Windows
  ``%USERPROFILE%\\.xlwings\\xlwings.conf``, key ``INTERPRETER_WIN``; macOS
  ``~/Library/Containers/com.microsoft.Excel/Data/xlwings.conf`` (sandboxed
  Excel's home), key ``INTERPRETER_MAC``. Lines are ``"KEY","VALUE"`` as
  ``xlwings config create`` writes them, read by VBA's ``Input #``, so the
  value is plain (no escapes) and cannot hold a double quote; Windows' VBA
  reads the file in the ANSI code page with CRLF line ends. Every other
  line is kept byte for byte;
- macOS only: ``RunPython`` calls ``AppleScriptTask("xlwings-<version>
  .applescript")``, which Excel runs only from
  ``~/Library/Application Scripts/com.microsoft.Excel/`` (what ``xlwings
  runpython install`` copies). Uninstall leaves it: every xlwings workbook
  of the user shares it.

All files are written or none: a failure puts back what was there. On Linux
(no Excel) or with ``dry_run`` the plan is returned and nothing is changed.
"""
from __future__ import annotations

import locale
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..xlsx.atomic import atomic_write
from .addin import ADDIN_NAME, build_addin
from .xlwings_conf import ConfError, conf_line, with_setting, without_setting

__all__ = ["ConfError", "Layout", "current_platform", "install", "layout", "layout_for",
           "uninstall"]

ADDIN_FILE = f"{ADDIN_NAME}.xlam"
WINDOWS, MACOS = "windows", "macos"
_OFFICE = ("Library", "Group Containers", "UBF8T346G9.Office")
_MENU = {WINDOWS: "Developer > Excel Add-ins (or File > Options > Add-ins > Manage: "
                  "Excel Add-ins > Go...)",
         MACOS: "Tools > Excel Add-ins..."}
_TICK = {WINDOWS: f"{_MENU[WINDOWS]}, tick MileBill",
         MACOS: f"{_MENU[MACOS]}, tick MileBill (if it is not listed, Browse... to the "
                "add-ins folder above)"}


@dataclass(frozen=True)
class Layout:
    platform: str
    addins_dir: Path
    conf_path: Path
    key: str
    applescript: Path | None = None    # macOS: where RunPython's AppleScript goes

    @property
    def addin_path(self) -> Path:
        return self.addins_dir / ADDIN_FILE


def current_platform() -> str | None:
    if sys.platform.startswith("win"):
        return WINDOWS
    if sys.platform == "darwin":
        return MACOS
    return None


def layout_for(platform: str | None, home: Path | None) -> Layout | None:
    """The layout for ``platform`` (default: this machine's; None on one
    without Excel) and ``home`` (default: this user's, with Windows'
    %APPDATA% taken from the environment)."""
    platform = platform or current_platform()
    if platform is None:
        return None
    appdata = os.environ.get("APPDATA") if home is None and platform == WINDOWS else None
    return layout(platform, home or Path.home(), Path(appdata) if appdata else None)


def _mac_addins_dir(home: Path) -> Path:
    office = home.joinpath(*_OFFICE)
    spellings = [("User Content", "Add-Ins"), ("User Content.localized", "Add-Ins.localized"),
                 ("User Content.localized", "Add-Ins"), ("User Content", "Add-Ins.localized")]
    for content, addins in spellings:
        if (office / content / addins).is_dir():
            return office / content / addins
    if (office / "User Content.localized").is_dir():
        return office / "User Content.localized" / "Add-Ins.localized"
    return office / "User Content" / "Add-Ins"


def _applescript_name() -> str:
    import xlwings
    return f"xlwings-{xlwings.__version__}.applescript"


def layout(platform: str, home: Path, appdata: Path | None = None) -> Layout:
    """Where the add-in and the config go for ``platform`` and a user whose
    home folder is ``home`` (``appdata``: Windows' %APPDATA%, by default
    ``home/AppData/Roaming``)."""
    if platform == WINDOWS:
        roaming = appdata or home / "AppData" / "Roaming"
        return Layout(WINDOWS, roaming / "Microsoft" / "AddIns",
                      home / ".xlwings" / "xlwings.conf", "INTERPRETER_WIN")
    if platform == MACOS:
        return Layout(MACOS, _mac_addins_dir(home),
                      home / "Library" / "Containers" / "com.microsoft.Excel" / "Data"
                      / "xlwings.conf", "INTERPRETER_MAC",
                      home / "Library" / "Application Scripts" / "com.microsoft.Excel"
                      / _applescript_name())
    raise ValueError(f"unknown platform {platform!r}: windows or macos")


def _conf_format(lay: Layout) -> tuple[str, bytes]:
    """The encoding and line end the add-in's VBA reads xlwings.conf with:
    Windows' ANSI code page (cp1252 when planning for Windows elsewhere) and
    CRLF; UTF-8 and LF on macOS."""
    if lay.platform == WINDOWS:
        ansi = locale.getpreferredencoding(False) if sys.platform.startswith("win") else "cp1252"
        return ansi, b"\r\n"
    return "utf-8", b"\n"


# ---------------------------------------------------------------- all or nothing

def _commit(changes: dict[Path, bytes | None]) -> list[Path]:
    """Write (bytes) or remove (None) every path, all or none: on a failure
    every path written so far gets its old content back, folders made are
    removed, and the error is raised. Returns the paths changed."""
    old = {p: (p.read_bytes() if p.is_file() else None) for p in changes}
    made: list[Path] = []
    done: list[Path] = []
    try:
        for path, data in changes.items():
            if data == old[path]:
                continue
            if data is None:
                path.unlink()
            else:
                made += [d for d in (path.parent, *path.parent.parents) if not d.exists()]
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, lambda fh, data=data: fh.write(data))
            done.append(path)
    except OSError:
        for path in reversed(done):
            try:
                if old[path] is None:
                    path.unlink()
                else:
                    atomic_write(path, lambda fh, data=old[path]: fh.write(data))
            except OSError:
                pass
        for folder in sorted(made, key=lambda d: len(d.parts), reverse=True):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
    return done


# ---------------------------------------------------------------- commands

@dataclass
class Outcome:
    action: str                      # "install" or "uninstall"
    platform: str | None
    python: str
    steps: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    next_step: str = ""
    lay: Layout | None = None

    def lines(self, dry_run: bool) -> list[str]:
        """What the command prints: the plan, what was done, what is left."""
        where = {WINDOWS: "Excel for Windows", MACOS: "Excel for Mac", None: "Excel"}
        out = [f"MileBill add-in, {self.action} for {where[self.platform]}"
               f"{' (dry run: nothing changed)' if dry_run else ''}:"]
        out += [f"  {k}. {step}" if self.lay else f"  {step}"
                for k, step in enumerate(self.steps, start=1)]
        if self.lay and not dry_run:
            out.append("done: " + (", ".join(self.changed) if self.changed
                                   else "everything was already in place") + ".")
        if self.next_step:
            out.append(("Then, in Excel: " if dry_run else "One step is left, in Excel: ")
                       + self.next_step)
        return out

    def to_json(self) -> dict:
        lay = self.lay
        return {"action": self.action, "platform": self.platform, "python": self.python,
                "addin": str(lay.addin_path) if lay else None,
                "config": str(lay.conf_path) if lay else None,
                "config_key": lay.key if lay else None,
                "applescript": str(lay.applescript) if lay and lay.applescript else None,
                "steps": self.steps, "changed": self.changed, "next_step": self.next_step,
                "errors": []}


_NO_EXCEL = ["Excel runs on Windows and macOS: nothing to {} on this machine.",
             "On Windows: MileBill.xlam goes to %APPDATA%\\Microsoft\\AddIns and "
             "INTERPRETER_WIN in %USERPROFILE%\\.xlwings\\xlwings.conf names that "
             "machine's python.exe.",
             "On macOS: MileBill.xlam goes to ~/Library/Group Containers/UBF8T346G9.Office/"
             "User Content/Add-Ins, INTERPRETER_MAC in ~/Library/Containers/"
             "com.microsoft.Excel/Data/xlwings.conf names that machine's python and "
             "xlwings' AppleScript goes to ~/Library/Application Scripts/com.microsoft.Excel."]


def install(lay: Layout | None, python: str, dry_run: bool = False) -> Outcome:
    """Install (or, ``dry_run`` or no Excel platform, only plan) the add-in."""
    out = Outcome("install", lay.platform if lay else None, python, lay=lay)
    if lay is None:
        out.steps = [_NO_EXCEL[0].format("install"), *_NO_EXCEL[1:]]
        return out
    encoding, eol = _conf_format(lay)
    conf_line(lay.key, python, encoding)      # refuse before anything is built
    out.steps = [f"build {ADDIN_FILE} and copy it to {lay.addin_path}",
                 f"set {lay.key} in {lay.conf_path} to {python} (other lines kept)"]
    if lay.applescript:
        out.steps.append(f"copy xlwings' {lay.applescript.name} (RunPython needs it) to "
                         f"{lay.applescript.parent}")
    out.next_step = f"{_TICK[lay.platform]}."
    if dry_run:
        return out
    with tempfile.TemporaryDirectory() as tmp:
        changes: dict[Path, bytes | None] = {lay.addin_path: build_addin(Path(tmp)).read_bytes()}
    old = lay.conf_path.read_bytes() if lay.conf_path.is_file() else b""
    changes[lay.conf_path] = with_setting(old, lay.key, python, encoding, eol)
    if lay.applescript:
        import xlwings
        changes[lay.applescript] = (Path(xlwings.__file__).parent
                                    / lay.applescript.name).read_bytes()
    out.changed = [str(p) for p in _commit(changes)]
    return out


def uninstall(lay: Layout | None, python: str, dry_run: bool = False) -> Outcome:
    """Remove the add-in file and the interpreter line naming ``python``."""
    out = Outcome("uninstall", lay.platform if lay else None, python, lay=lay)
    if lay is None:
        out.steps = [_NO_EXCEL[0].format("uninstall")]
        return out
    out.steps = [f"remove {lay.addin_path}",
                 f"remove the {lay.key} line naming {python} from {lay.conf_path} "
                 "(other lines kept)"]
    out.next_step = (f"{_MENU[lay.platform]}, untick MileBill if it was ticked (Excel then "
                     "offers to remove it from the list).")
    if dry_run:
        return out
    changes: dict[Path, bytes | None] = {lay.addin_path: None}
    if lay.conf_path.is_file():
        changes[lay.conf_path] = without_setting(lay.conf_path.read_bytes(), lay.key, python,
                                                 _conf_format(lay)[0])
    out.changed = [str(p) for p in _commit(changes)]
    return out
