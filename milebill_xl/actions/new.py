"""New: a workbook from the committed template, optionally with the sample
portfolio's projects and milestones (nothing issued yet)."""
from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

from ..workbook.book import BookError
from ..resources import template_workbook
from ..workbook.template import build_workbook


def run(path: Path, demo: bool = False, as_of: date | None = None) -> Path:
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists; choose another name")
    if path.suffix.lower() != ".xlsx":
        raise BookError(f"{path}: a workbook name must end in .xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".new-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        if demo:
            from ..sample import sample_inputs
            rows = sample_inputs(as_of or date.today())
            if as_of is not None:  # reproduce the sample exactly on any day
                rows["settings"]["As Of Date"] = as_of
            build_workbook(tmp, **rows)
        else:
            shutil.copyfile(template_workbook(), tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    # every formula cell gets its cached value as of the day the book is made
    from ..workbook.filebook import FileBook
    from . import refresh
    result = refresh.run(FileBook(path), as_of)
    if result.errors:
        raise BookError(f"{path.name} has problems: {result.errors[:3]}")
    return path
