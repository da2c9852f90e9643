"""The one way we replace a file: write a temp file beside it, then rename.

A crash leaves the old or the new file, never half of one; a failure
leaves no temp file behind. Every file the tool writes (workbooks,
documents, settings files) goes through :func:`atomic_write`.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def atomic_write(path: Path | str, produce: Callable[[BinaryIO], None], *,
                 durable: bool = True) -> Path:
    """Write ``path`` via a temp file in its folder: produce, fsync, os.replace.

    On any failure the temp file is removed and ``path`` is untouched.
    The new file keeps the old file's permission bits when it existed.
    ``durable=False`` skips the fsyncs, for files a later durable step
    commits (documents staged before the workbook is replaced).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".~mb-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            produce(fh)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        except FileNotFoundError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if durable:
        _fsync_dir(folder)
    return path


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
