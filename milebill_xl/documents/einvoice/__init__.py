"""EN 16931 e-invoices beside the documents (Settings ``E-Invoice Format``).

- ``Factur-X``: each document also as a PDF/A-3 carrying its CII XML
  (profile EN 16931): ``INV-2026-0001.pdf`` beside ``INV-2026-0001.docx``.
- ``UBL``: a UBL 2.1 XML beside each document: ``INV-2026-0001.xml``.

:func:`make` writes them into the run's staging folder, beside the staged
documents, after every XML passed its schema and the EN 16931 Schematron
(validate.py); the first that fails stops the run with :class:`Rejected`
(its rule and its invoice named) and leaves nothing behind, so the caller
writes neither the workbook nor any document. Modules: ``model`` (EN 16931
terms from an InvoiceDocument), ``syntax`` (CII / UBL through the factur-x
library), ``validate``, ``pdfa`` (LibreOffice's PDF/A export and the
Factur-X embedding).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from ...core.records import FACTUR_X, UBL
from ...xlsx.atomic import atomic_write
from .model import FiguresDisagree, missing
from .validate import Failure, failures

__all__ = ["Rejected", "companion_names", "make", "missing", "failures", "Failure"]

#: what each format puts beside a document
SUFFIXES = {FACTUR_X: ".pdf", UBL: ".xml"}


class Rejected(Exception):
    """An e-invoice failed its checks; nothing may be published."""

    def __init__(self, invoice_no: str, fmt: str, broken: list[Failure] | str) -> None:
        self.invoice_no = invoice_no
        self.failures = list(broken) if not isinstance(broken, str) else []
        if isinstance(broken, str):
            what = broken
        else:
            first = broken[0]
            rules = ", ".join(dict.fromkeys(f.rule for f in broken))
            what = (f"breaks EN 16931 rule {first.rule} ({first.message})"
                    + (f"; all rules broken: {rules}" if len(broken) > 1 else ""))
        super().__init__(f"{invoice_no}: the {fmt} e-invoice {what}; nothing was written")


def companion_names(document: str, fmt: str) -> list[str]:
    """The files ``fmt`` adds beside the document named ``document``."""
    suffix = SUFFIXES.get(fmt)
    return [Path(document).stem + suffix] if suffix else []


def make(fmt: str, items: list[tuple[object, Path]]) -> list[str]:
    """Write the e-invoice of each (InvoiceDocument, staged .docx path)
    beside its .docx; return the names written. Nothing for format None.

    Every XML is built and validated first (for Factur-X while LibreOffice
    exports the PDF/A copies in the background, then each is embedded as
    soon as its PDF/A is made); a failure raises :class:`Rejected` and
    removes whatever this call wrote."""
    if fmt not in SUFFIXES or not items:
        return []
    from . import syntax
    from .pdfa import embed, start_pdfa
    staging = Path(items[0][1]).parent
    scratch = staging / ".pdfa"
    conversion = start_pdfa([p for _, p in items], scratch) if fmt == FACTUR_X else None
    written: list[Path] = []
    try:
        xmls = []
        for doc, _path in items:
            try:
                data = syntax.xml(doc, fmt)
            except FiguresDisagree as exc:
                raise Rejected(doc.invoice_no, fmt, f"does not add up ({exc})") from None
            broken = failures(data, fmt, doc.is_credit_note)
            if broken:
                raise Rejected(doc.invoice_no, fmt, broken)
            xmls.append(data)
        if conversion is None:
            for (doc, path), data in zip(items, xmls):
                target = Path(path).with_suffix(SUFFIXES[fmt])
                written.append(target)
                atomic_write(target, lambda fh, data=data: fh.write(data), durable=False)
        else:   # each PDF/A as soon as soffice has made it, while it makes the next
            for k in conversion.as_made():
                (doc, path), target = items[k], Path(items[k][1]).with_suffix(SUFFIXES[fmt])
                written.append(target)
                embed(conversion.made[k], xmls[k], target, doc)
            conversion.result()         # every PDF made, or why not
            conversion = None
        return [p.name for p in written]
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        raise
    finally:
        if conversion is not None:
            conversion.cancel()
        shutil.rmtree(scratch, ignore_errors=True)
