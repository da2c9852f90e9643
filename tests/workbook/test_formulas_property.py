"""Property: in any valid book, the workbook's native formulas compute what
the Python engine computes.

Hypothesis builds random books (tests/property_books.py: mixed currencies,
percent/fixed/cancelled milestones, approvals, issue runs, payments of
every Kind, voids, change orders, any as-of date); each is written the way
the product writes a workbook (``build_workbook``, then ``refresh`` puts
every formula and its cached value in), and ALL of them are recalculated
in one LibreOffice batch. Then, for every book: no error value anywhere;
LibreOffice's contract columns equal the engine's results; and every
formula cell (every computed and helper column of every table, and the
Dashboard) holds what the engine-derived cached value says.

Deterministic: derandomized generation of a fixed number of books in a
fresh interpreter, no example database. A book that fails is printed as
rows to paste into a regression test.
"""
from __future__ import annotations

from collections import Counter

import pytest

from milebill_xl.actions import refresh
from milebill_xl.office import recalculate
from milebill_xl.template.builder import build_workbook
from milebill_xl.workbook.filebook import FileBook
from milebill_xl.workbook.reader import read_book
from property_books import generated_books
from recalc_check import cached_mismatches, engine_mismatches, error_cells

#: books per test session: about 0.8 s each (build, refresh, LibreOffice, compare)
N_BOOKS = 30


@pytest.fixture(scope="module")
def written_books(tmp_path_factory):
    """(book, the file refresh wrote) for every generated book."""
    root = tmp_path_factory.mktemp("property")
    out = []
    for k, book in enumerate(generated_books(N_BOOKS)):
        path = build_workbook(root / f"book{k:02d}.xlsx", **book.rows())
        result = refresh.run(FileBook(path), book.as_of)
        assert result.written, (result.errors, book)
        out.append((book, path))
    return out


@pytest.fixture(scope="module")
def recalculated_books(written_books, tmp_path_factory):
    """(book, written, recalculated): one LibreOffice run for all books."""
    paths = [path for _, path in written_books]
    outs = recalculate(paths, tmp_path_factory.mktemp("property-lo"))
    return [(book, path, out) for (book, path), out in zip(written_books, outs)]


def test_generated_books_are_valid_and_varied(written_books):
    """The generator makes books the reader accepts without a problem, and
    between them every feature the formulas handle."""
    seen = Counter()
    for book, path in written_books:
        data, _ = read_book(path)
        assert data.problems == (), book
        seen.update(f"currency {p.currency}" for p in data.projects)
        seen.update(f"kind {p.kind}" for p in data.payments)
        seen.update(f"type {i.type}" for i in data.invoices)
        seen.update(f"status {m.status}" for m in data.milestones)
        seen.update(f"approval {m.approval}" for m in data.milestones)
        seen.update(f"basis {m.basis}" for m in data.milestones)
        seen.update("retention" for i in data.invoices if i.retention)
        seen.update("deposit applied" for i in data.invoices if i.deposit_applied)
    assert len(written_books) == N_BOOKS
    for feature in ("currency USD", "currency EUR", "currency JPY", "currency KWD",
                    "currency CLF", "kind Payment", "kind Discount", "kind Write-off",
                    "kind Credit Applied", "type Invoice", "type Credit Note",
                    "status Planned", "status In Progress", "status Complete",
                    "status Cancelled", "approval Pending", "approval Approved",
                    "approval Rejected", "basis Percent", "basis Fixed", "basis Deposit",
                    "type Retention Release", "retention", "deposit applied"):
        assert seen[feature] >= 1, (feature, seen)


@pytest.mark.libreoffice
def test_every_formula_cell_computes_what_the_engine_computes(recalculated_books):
    failures = []
    for k, (book, written, out) in enumerate(recalculated_books):
        errors = error_cells(out)
        engine, compared = engine_mismatches(out, book.as_of)
        cached, formulas = cached_mismatches(written, out)
        assert compared > 0 and formulas > 500
        if errors or engine or cached:
            failures.append(f"book {k}: errors {errors[:5]}; engine {engine[:5]}; "
                            f"cached {cached[:10]}\n{book!r}")
    assert not failures, "\n\n".join(failures)
