"""The book interface over an .xlsx file, without Excel.

Reading goes through the fast calamine reader; writing through the
surgical patcher, which changes only the cells and table ranges asked for
and replaces the file atomically. A workbook open in Excel (its ``~$``
owner file beside it) is not written, and two milebill processes never
interleave on one workbook: :meth:`FileBook.session` holds an exclusive
lock on a small sidecar file for the whole read-compute-write.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from . import contract
from .book import BookError, Changes
from .reader import read_book
from ..xlsx.safezip import WorkbookChanged, WorkbookLocked, check_unlocked, owner_file_message
from ..xlsx.patch import Patcher, PatchError
from ..template.printing import row_height


class BookBusy(BookError):
    """Another milebill process is working on this workbook."""


def lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.milebill-lock")


def _take(path: Path, wait: bool):
    """Open and lock the sidecar; None when another run removed it between
    our open and our lock (then the caller opens the new one)."""
    fh = open(lock_path(path), "a+b")
    try:
        if os.name == "nt":  # pragma: no cover - Windows
            import msvcrt
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
            return fh
        import fcntl
        fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        try:
            same = os.fstat(fh.fileno()).st_ino == os.stat(lock_path(path)).st_ino
        except FileNotFoundError:
            same = False
    except OSError as exc:
        fh.close()
        raise BookBusy(f"{path.name} is being changed by another milebill run; "
                       "try again when it has finished") from exc
    if not same:
        fh.close()
        return None
    return fh


@contextlib.contextmanager
def _exclusive(path: Path, wait: bool) -> Iterator[None]:
    """Hold the lock for one run and leave no sidecar behind. The holder
    deletes the file before it lets go; a run that locked a file already
    deleted sees its inode is no longer the path's and takes the new one,
    so two runs never both hold "the" lock."""
    fh = None
    while fh is None:
        fh = _take(path, wait)
    try:
        yield
    finally:
        if os.name != "nt":
            with contextlib.suppress(OSError):
                os.unlink(lock_path(path))
        fh.close()  # closing releases the lock
        if os.name == "nt":  # pragma: no cover - an open file cannot be deleted there
            with contextlib.suppress(OSError):
                os.unlink(lock_path(path))


def _fit_rows(patcher: Patcher, table: str, at: list[int], rows: list[dict]) -> None:
    """Appended rows get the height that shows every line of their wrapped
    texts, as the rows the template was built with."""
    ref = patcher.table(table)

    def width_of(header: str) -> float:
        return patcher.column_width(ref.sheet, ref.column(header))
    for r, row in zip(at, rows):
        height = row_height(row, width_of)
        if height is not None:
            patcher.set_row_height(ref.sheet, r, height)


class FileBook:
    """An .xlsx on disk."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.folder = self.path.parent
        self._locator = None
        self._stat: tuple[int, int] | None = None

    def session(self, wait: bool = False):
        """Context manager: exclusive use of the workbook for one action."""
        return _exclusive(self.path, wait)

    def load(self):
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise BookError(f"{self.path}: cannot open ({exc.strerror})") from exc
        data, locator = read_book(self.path)
        self._locator, self._stat = locator, (st.st_size, st.st_mtime_ns)
        return data, locator

    def check_writable(self) -> None:
        """Raise BookError when the workbook cannot be written now."""
        try:
            check_unlocked(self.path)
        except WorkbookLocked as exc:
            raise BookError(owner_file_message(self.path)) from exc

    def apply(self, changes: Changes) -> None:
        """Write ``changes`` in one atomic replace, or nothing."""
        if not changes:
            return
        self.check_writable()
        st = os.stat(self.path)
        if self._stat is not None and (st.st_size, st.st_mtime_ns) != self._stat:
            raise BookError(f"{self.name} changed on disk while milebill worked; nothing written")
        try:
            patcher = Patcher.open(self.path)
            for table, rows in changes.appends.items():
                _fit_rows(patcher, table, patcher.append_rows(table, rows), rows)
            for table, columns in changes.cells.items():
                by_row: dict[int, dict] = {}
                for column, values in columns.items():
                    for row, value in values.items():
                        by_row.setdefault(row, {})[column] = value
                patcher.update_rows(table, by_row)
            if changes.settings:
                rows = {}
                for key, value in changes.settings.items():
                    row = self._locator.setting_row(key) if self._locator else None
                    if row is None:
                        raise BookError(f"Settings: no '{key}' row in {contract.SETTINGS.name}")
                    rows[row] = {"Value": value}
                patcher.update_rows(contract.SETTINGS.name, rows)
            for sheet, cells in changes.sheet_cells.items():
                patcher.set_cells(sheet, cells)
            for sheet, ref in changes.print_areas.items():
                patcher.set_print_area(sheet, ref)
            patcher.save()
        except WorkbookLocked as exc:
            raise BookError(str(exc)) from exc
        except WorkbookChanged as exc:
            raise BookError(str(exc)) from exc
        except (PatchError, KeyError, IndexError) as exc:
            raise BookError(f"{self.name}: cannot write: {exc}") from exc
        st = os.stat(self.path)
        self._stat = (st.st_size, st.st_mtime_ns)
