"""Check: read, validate and compute; write nothing.

``check`` and ``issue`` agree: besides the workbook's problems, check lists
what ``issue`` would refuse for the Ready to Invoice milestones (an invoice
field missing on Settings, Projects or Milestones, an as-of date before the
series' last invoice), on the same cells."""
from __future__ import annotations

from datetime import date

from ..workbook.book import Book
from .common import Loaded, load, milestone_rows
from ..core.records import replace


def run(book: Book, as_of: date | None = None) -> Loaded:
    from .issue import plan_scoped
    loaded = load(book, as_of)
    if loaded.wide_errors:
        return loaded
    _issued, errors, _skipped = plan_scoped(loaded)
    extra = tuple(e for e in errors if e not in loaded.errors)
    return replace(loaded, errors=loaded.errors + extra)


def to_json(loaded: Loaded) -> dict:
    return {
        "as_of": loaded.as_of.isoformat(),
        "errors": list(loaded.errors),
        "milestones": milestone_rows(loaded),
    }
