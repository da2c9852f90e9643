"""New: a workbook from the committed template, optionally with the sample
portfolio's projects and milestones (nothing issued yet)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from ..workbook.book import BookError
from ..resources import template_workbook
from ..xlsx.atomic import atomic_write
from ..template.builder import FIXED_TIME, TEMPLATE_PATH, build_workbook


def run(path: Path, demo: bool = False, as_of: date | None = None) -> Path:
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists; choose another name")
    if path.suffix.lower() != ".xlsx":
        raise BookError(f"{path}: a workbook name must end in .xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    if demo:
        from ..sample import sample_inputs
        rows = sample_inputs(as_of or date.today())
        if as_of is not None:  # reproduce the sample exactly on any day
            rows["settings"]["As Of Date"] = as_of
        build_workbook(path, **rows)
    else:
        atomic_write(path, lambda fh: fh.write(template_workbook().read_bytes()))
    # every formula cell gets its cached value as of the day the book is made
    from ..workbook.filebook import FileBook
    from . import refresh
    result = refresh.run(FileBook(path), as_of)
    if result.errors:
        raise BookError(f"{path.name} has problems: {result.errors[:3]}")
    return path


def build_template(path: Path | str = TEMPLATE_PATH) -> Path:
    """The committed template: built, then refreshed so every formula cell
    carries its cached value, as of the fixed date FIXED_TIME (so a rebuild
    is identical; ``milebill new`` refreshes its copy as of its own day).
    ``python -m milebill_xl.template`` runs this."""
    from ..workbook.filebook import FileBook, lock_path
    from . import refresh
    path = build_workbook(path)
    result = refresh.run(FileBook(path), FIXED_TIME.date())
    lock_path(path).unlink(missing_ok=True)   # refresh's lock file: not part of the template
    if result.errors:
        raise RuntimeError(f"the template has problems: {result.errors}")
    return path
