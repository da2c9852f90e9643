"""Factur-X PDFs: the document exported by LibreOffice as PDF/A-3b (one
soffice run for every document of a run), then the validated CII XML
embedded as ``factur-x.xml`` with the Factur-X XMP metadata (profile EN
16931) by the factur-x library.
"""
from __future__ import annotations

import logging
from pathlib import Path

from ... import office

#: LibreOffice's PDF export as PDF/A-3b (SelectPdfVersion 3), in the JSON
#: filter-option syntax soffice --convert-to understands since 7.4
PDFA_3 = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"3"}}'


def start_pdfa(docx_paths: list[Path], out_dir: Path) -> office.Conversion:
    """Start the PDF/A-3 export of ``docx_paths`` into ``out_dir``, in the
    background (``.result()`` waits for the PDFs, ``.cancel()`` stops it)."""
    return office.start([Path(p) for p in docx_paths], PDFA_3, Path(out_dir))


def embed(pdf: Path, xml: bytes, out: Path, doc) -> Path:
    """Write ``out``: the PDF/A ``pdf`` carrying ``xml`` as a Factur-X
    EN 16931 invoice, with title, author and subject from ``doc``."""
    from facturx import generate_from_file
    kind = "Credit note" if doc.is_credit_note else "Invoice"
    metadata = {"author": doc.seller_name, "keywords": f"Factur-X, {kind}",
                "title": f"{doc.seller_name}: {kind} {doc.invoice_no}",
                "subject": f"Factur-X {kind.lower()} {doc.invoice_no} dated "
                           f"{doc.issue_date.isoformat()} issued by {doc.seller_name}"}
    # the library logs each file it writes at INFO level: not our user's news
    logging.getLogger("factur-x").setLevel(logging.WARNING)
    generate_from_file(str(pdf), xml, flavor="factur-x", level="en16931", check_xsd=False,
                       check_schematron=False, pdf_metadata=metadata,
                       lang=doc.locale.replace("_", "-"), output_pdf_file=str(out))
    return out
