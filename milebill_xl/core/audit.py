"""The tamper-evident audit trail: each Audit row's ``Hash`` is the SHA-256
of the previous row's Hash and this row's own cells, so editing, inserting
or deleting a row breaks every hash after it.

A row that records an issued document (an invoice, a credit note) names
the document and its SHA-256 at the end of its Detail
(``...; INV-2026-0001.docx SHA-256 <hex>``),
and the document's tblInvoices row keeps it in ``Document SHA-256``: the
chain covers the document's bytes too, and ``verify`` checks the file.

What it does not promise: anyone who can edit the workbook can rewrite the
whole chain from the first row, and deleting the last rows leaves a
shorter, valid chain. It makes a quiet edit of history visible; it is not a
signature.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

#: the "previous hash" of the first sealed row
GENESIS = ""
_SEP = "\x1f"     # unit separator: cannot be typed into a cell by accident
_DOC = re.compile(r"; (\S+) SHA-256 ([0-9a-f]{64})\Z")


def entry_hash(previous: str, timestamp: str, user: str, action: str, reference: str,
               detail: str) -> str:
    """The Hash of one Audit row (cells as text, exactly as stored)."""
    payload = _SEP.join((previous, timestamp, user, action, reference, detail))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def with_document(detail: str, document: str, sha256: str) -> str:
    """``detail`` naming the document the row issued and its SHA-256."""
    return f"{detail}; {document} SHA-256 {sha256}"


def document_of(detail: str) -> tuple[str, str] | None:
    """(document, SHA-256) a Detail names, if any."""
    m = _DOC.search(detail or "")
    return (m.group(1), m.group(2)) if m else None


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class Break:
    """The first row whose Hash does not follow: ``row`` is its data row."""

    row: int
    message: str


def first_break(rows) -> Break | None:
    """Check a chain. ``rows``: (row, timestamp, user, action, reference,
    detail, hash) in sheet order. Rows before the first hashed row were
    written before the trail was sealed and are not checked; after it, a
    row without a Hash is a break too."""
    previous = None
    for row, timestamp, user, action, reference, detail, stored in rows:
        if previous is None:
            if not stored:
                continue
            previous = GENESIS
            # the first sealed row may follow unsealed ones: its chain starts here
        expected = entry_hash(previous, timestamp, user, action, reference, detail)
        if stored != expected:
            what = "has no Hash" if not stored else "does not match its content"
            return Break(row, f"Audit row {what}: it, or a row before it, was edited, "
                              "inserted or deleted after it was written")
        previous = stored
    return None
