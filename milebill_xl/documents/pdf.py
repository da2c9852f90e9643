"""PDF copies of invoice documents, made by LibreOffice in one batch.

Each ``soffice`` start costs about a second, so all documents of an issue
run go to one ``office.convert`` call rather than one call each.
"""
from __future__ import annotations

from pathlib import Path

from .. import office


def to_pdf(docx_paths: list[Path | str], out_dir: Path | str) -> list[Path]:
    """Convert ``docx_paths`` to PDF in ``out_dir`` with one LibreOffice run;
    return the PDF paths in the same order (``INV-1.docx`` -> ``INV-1.pdf``).

    Raises ValueError when two inputs share a file name stem (their PDFs
    would overwrite each other) and RuntimeError when LibreOffice is missing
    or a PDF was not produced."""
    paths = [Path(p) for p in docx_paths]
    stems: dict[str, Path] = {}
    for p in paths:
        key = p.stem.casefold()
        if key in stems:
            raise ValueError(f"{stems[key]} and {p} would both become {p.stem}.pdf")
        stems[key] = p
    if not paths:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        return []
    return office.convert(paths, "pdf", Path(out_dir))
