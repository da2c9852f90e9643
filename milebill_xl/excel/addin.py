"""Build the MileBill Excel add-in (``MileBill.xlam``) from ``macros/``, without Excel.

The add-in is an Office Open XML package with:

* ``xl/vbaProject.bin``: a source-only VBA project (see ``ovba``) holding the
  ``.bas`` modules of ``macros/``, the xlwings VBA runtime taken from the
  installed xlwings package (its BSD-licensed ``xlwings.bas``, never copied
  into this repository), and the document modules ThisWorkbook and Sheet1.
  It carries no compiled p-code, so Excel compiles it from source on load.
* ``customUI/customUI14.xml``: ``macros/customUI14.xml`` (2009 customUI
  namespace), related from the package root with the
  ``.../2007/relationships/ui/extensibility`` type; Excel 2010 and later use it.
* ``customUI/customUI.xml``: the same ribbon in the 2006 customUI namespace,
  related with the ``.../2006/relationships/ui/extensibility`` type, for
  Excel 2007 (Office applies only the 2009 part when both are present).

``build_xlsm_twin`` writes the same package as a macro-enabled workbook
(``MileBill.xlsm``): tools that do not open add-ins (LibreOffice) can read it.

Command line: ``python -m milebill_xl.excel.addin build [DIR]``.
"""
from __future__ import annotations

import argparse
import re
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET
from openpyxl.writer.theme import theme_xml

from ..resources import macros_dir
from .ovba import DOCUMENT, PROCEDURAL, Module, build_vba_project

ADDIN_NAME = "MileBill"
PROJECT_NAME = "MileBill"
MACROS_DIR = macros_dir()
RIBBON_SOURCE = "customUI14.xml"

ADDIN_CONTENT_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
XLSM_CONTENT_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"

NS_CUSTOMUI_2006 = "http://schemas.microsoft.com/office/2006/01/customui"
NS_CUSTOMUI_2009 = "http://schemas.microsoft.com/office/2009/07/customui"
REL_UI_2006 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
REL_UI_2007 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
REL_APP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"
REL_SHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
REL_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
REL_THEME = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Document modules Excel expects for the workbook and its one sheet
# (the codeName attributes in workbook.xml and sheet1.xml point at them).
_DOCUMENT_BASES = {
    "ThisWorkbook": "0{00020819-0000-0000-C000-000000000046}",
    "Sheet1": "0{00020820-0000-0000-C000-000000000046}",
}

# customUI elements and attributes that mean the same in the 2006 and the
# 2009 schema: the ribbon source may use only these, so that the 2006 copy
# is valid too.
_RIBBON_ELEMENTS = {"customUI", "ribbon", "tabs", "tab", "group", "button", "separator"}
_RIBBON_ATTRIBUTES = {"id", "idMso", "label", "size", "imageMso", "onAction",
                      "screentip", "supertip", "keytip", "visible",
                      "insertAfterMso", "insertBeforeMso", "showImage", "showLabel"}

_VB_NAME = re.compile(r'^Attribute VB_Name = "([^"]+)"\s*$', re.MULTILINE)


# --------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------

def xlwings_runtime_path() -> Path:
    """The installed xlwings package's VBA runtime, ``xlwings/xlwings.bas``."""
    import xlwings

    path = Path(xlwings.__file__).resolve().parent / "xlwings.bas"
    if not path.is_file():
        raise FileNotFoundError(f"xlwings VBA runtime not found at {path}")
    return path


def read_bas(path: Path) -> Module:
    """A ``.bas`` file as a procedural module named by its VB_Name attribute."""
    text = path.read_bytes().decode("cp1252")
    match = _VB_NAME.search(text.splitlines()[0] if text else "")
    if not match:
        raise ValueError(f'{path}: first line must be Attribute VB_Name = "..."')
    return Module(match.group(1), text, PROCEDURAL)


def _document_module(name: str) -> Module:
    lines = [
        f'Attribute VB_Name = "{name}"',
        f'Attribute VB_Base = "{_DOCUMENT_BASES[name]}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",
        "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = True",
    ]
    return Module(name, "\r\n".join(lines) + "\r\n", DOCUMENT)


def macro_modules(macros_dir: Path = MACROS_DIR) -> list[Module]:
    """Our own ``.bas`` modules in ``macros_dir``, sorted by file name."""
    modules = [read_bas(p) for p in sorted(Path(macros_dir).glob("*.bas"))]
    if not modules:
        raise FileNotFoundError(f"no .bas modules in {macros_dir}")
    return modules


def vba_modules(macros_dir: Path = MACROS_DIR) -> list[Module]:
    """Every module of the add-in's VBA project, in project order."""
    modules = [_document_module("ThisWorkbook"), _document_module("Sheet1")]
    modules += macro_modules(macros_dir)
    runtime = read_bas(xlwings_runtime_path())
    if any(m.name.upper() == runtime.name.upper() for m in modules):
        raise ValueError(f"macros/ must not define a module named {runtime.name}")
    return modules + [runtime]


def ribbon_xml(macros_dir: Path = MACROS_DIR) -> str:
    """The ribbon source (2009 customUI namespace), checked to be well formed."""
    text = (Path(macros_dir) / RIBBON_SOURCE).read_text(encoding="utf-8")
    root = SafeET.fromstring(text.encode("utf-8"))
    if root.tag != f"{{{NS_CUSTOMUI_2009}}}customUI":
        raise ValueError(f"{RIBBON_SOURCE}: root must be customUI in {NS_CUSTOMUI_2009}")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        ns, _, local = el.tag[1:].partition("}")
        if ns != NS_CUSTOMUI_2009 or local not in _RIBBON_ELEMENTS:
            raise ValueError(f"{RIBBON_SOURCE}: element {el.tag} is not supported")
        extra = set(el.attrib) - _RIBBON_ATTRIBUTES
        if extra:
            raise ValueError(f"{RIBBON_SOURCE}: {local} has unsupported attributes {extra}")
    return text


def ribbon_xml_2006(macros_dir: Path = MACROS_DIR) -> str:
    """The same ribbon in the 2006 customUI namespace (Excel 2007)."""
    text = ribbon_xml(macros_dir).replace(NS_CUSTOMUI_2009, NS_CUSTOMUI_2006)
    SafeET.fromstring(text.encode("utf-8"))
    return text


# --------------------------------------------------------------------------
# Package parts
# --------------------------------------------------------------------------

def _rels(items: list[tuple[str, str, str]]) -> str:
    rows = "".join(f'<Relationship Id="{rid}" Type="{typ}" Target="{target}"/>'
                   for rid, typ, target in items)
    return f'{_XML_DECL}<Relationships xmlns="{_NS_RELS}">{rows}</Relationships>'


def _content_types(main_type: str) -> str:
    overrides = [
        ("/xl/workbook.xml", main_type),
        ("/xl/worksheets/sheet1.xml",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"),
        ("/xl/styles.xml",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"),
        ("/xl/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        ("/docProps/app.xml",
         "application/vnd.openxmlformats-officedocument.extended-properties+xml"),
    ]
    rows = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
    return (
        f'{_XML_DECL}<Types xmlns="{_NS_CT}">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Default Extension="bin" ContentType="{VBA_CONTENT_TYPE}"/>'
        f"{rows}</Types>")


_WORKBOOK = (
    f'{_XML_DECL}<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_R}">'
    '<workbookPr codeName="ThisWorkbook"/>'
    '<bookViews><workbookView/></bookViews>'
    f'<sheets><sheet name="{ADDIN_NAME}" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>")

_SHEET = (
    f'{_XML_DECL}<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_R}">'
    '<sheetPr codeName="Sheet1"/><sheetData/></worksheet>')

_STYLES = (
    f'{_XML_DECL}<styleSheet xmlns="{_NS_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>")

_APP = (
    f'{_XML_DECL}<Properties xmlns='
    '"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel</Application></Properties>")


def _core() -> str:
    return (
        f'{_XML_DECL}<cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(ADDIN_NAME)}</dc:title>"
        f"<dc:description>{escape('Milestone billing: the Milestone Billing ribbon tab.')}"
        "</dc:description></cp:coreProperties>")


def package_parts(main_type: str, macros_dir: Path = MACROS_DIR) -> dict[str, bytes]:
    """Every part of the package, by zip name, for workbook content type ``main_type``."""
    vba = build_vba_project(vba_modules(macros_dir), project_name=PROJECT_NAME)
    parts = {
        "[Content_Types].xml": _content_types(main_type),
        "_rels/.rels": _rels([
            ("rId1", REL_OFFICE_DOC, "xl/workbook.xml"),
            ("rId2", REL_CORE, "docProps/core.xml"),
            ("rId3", REL_APP, "docProps/app.xml"),
            ("rId4", REL_UI_2006, "customUI/customUI.xml"),
            ("rId5", REL_UI_2007, "customUI/customUI14.xml"),
        ]),
        "docProps/core.xml": _core(),
        "docProps/app.xml": _APP,
        "customUI/customUI.xml": ribbon_xml_2006(macros_dir),
        "customUI/customUI14.xml": ribbon_xml(macros_dir),
        "xl/workbook.xml": _WORKBOOK,
        "xl/_rels/workbook.xml.rels": _rels([
            ("rId1", REL_SHEET, "worksheets/sheet1.xml"),
            ("rId2", REL_STYLES, "styles.xml"),
            ("rId3", REL_VBA, "vbaProject.bin"),
            ("rId4", REL_THEME, "theme/theme1.xml"),
        ]),
        "xl/worksheets/sheet1.xml": _SHEET,
        "xl/styles.xml": _STYLES,
        # Excel always writes a theme (the validator requires one); the
        # Office default theme as openpyxl ships it
        "xl/theme/theme1.xml": theme_xml,
        "xl/vbaProject.bin": vba,
    }
    return {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in parts.items()}


def _write_package(path: Path, parts: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():       # [Content_Types].xml first
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    tmp.replace(path)
    return path


def build_addin(out_dir: Path | str, macros_dir: Path = MACROS_DIR) -> Path:
    """Write ``MileBill.xlam`` into ``out_dir``; return its path."""
    return _write_package(Path(out_dir) / f"{ADDIN_NAME}.xlam",
                          package_parts(ADDIN_CONTENT_TYPE, macros_dir))


def build_xlsm_twin(out_dir: Path | str, macros_dir: Path = MACROS_DIR) -> Path:
    """Write ``MileBill.xlsm``, the same package as a macro-enabled workbook."""
    return _write_package(Path(out_dir) / f"{ADDIN_NAME}.xlsm",
                          package_parts(XLSM_CONTENT_TYPE, macros_dir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m milebill_xl.excel.addin",
        description="Build the MileBill Excel add-in from macros/.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="write MileBill.xlam (and, with --xlsm, MileBill.xlsm)")
    build.add_argument("dir", nargs="?", default=".", help="output folder (default: .)")
    build.add_argument("--xlsm", action="store_true",
                       help="also write the MileBill.xlsm twin")
    args = parser.parse_args(argv)
    path = build_addin(args.dir)
    print(path)
    if args.xlsm:
        print(build_xlsm_twin(args.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
