"""Check: read, validate and compute; write nothing."""
from __future__ import annotations

from datetime import date

from ..workbook.book import Book
from .common import Loaded, load, milestone_rows


def run(book: Book, as_of: date | None = None) -> Loaded:
    return load(book, as_of)


def to_json(loaded: Loaded) -> dict:
    return {
        "as_of": loaded.as_of.isoformat(),
        "errors": list(loaded.errors),
        "milestones": milestone_rows(loaded),
    }
