"""The two syntaxes of an EN 16931 e-invoice, written by the factur-x
library from one semantic dictionary (model.py):

- ``Factur-X``: UN/CEFACT Cross Industry Invoice (CII D16B), Factur-X /
  ZUGFeRD profile EN 16931 (``urn:cen.eu:en16931:2017``), the XML a
  Factur-X PDF carries as ``factur-x.xml``;
- ``UBL``: OASIS UBL 2.1 ``Invoice``, or ``CreditNote`` for a credit note
  (type 381), with the same specification identifier.

The library's own checks are off here: validate.py checks every XML
against the schema and the EN 16931 Schematron, once, before anything is
published.
"""
from __future__ import annotations

from ...core.records import FACTUR_X, UBL
from .model import semantic

#: the factur-x library's flavour of each format
FLAVORS = {FACTUR_X: "factur-x", UBL: "ubl-2.1"}


def xml(doc, fmt: str) -> bytes:
    """The e-invoice XML of ``doc`` (an InvoiceDocument) in format ``fmt``."""
    from facturx.generate_xml import generate_xml
    return generate_xml(semantic(doc), flavor=FLAVORS[fmt], level="en16931",
                        check_xsd=False, check_schematron=False)
