"""Workbooks for the surgical-writer tests: openpyxl builds the tables, then
parts Excel writes (and openpyxl would drop) are injected in Excel's own form:
x14 data validations pointing at another sheet, x14 sparklines, x14 data
bars, a drawing with a chart, legacy comments with their VML, a customXml
item, a calcChain, Excel's worksheet root namespaces and row attributes.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.table import Table, TableStyleInfo

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

EXCEL_ROOT = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'mc:Ignorable="x14ac xr xr2 xr3" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
    'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
    'xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2" '
    'xmlns:xr3="http://schemas.microsoft.com/office/spreadsheetml/2016/revision3" '
    'xr:uid="{6F2C1C55-7B0E-4C43-9E2B-3D1F4A9B7C21}">')

CONDITIONAL_FORMATTING = (
    '<conditionalFormatting sqref="C2:C6"><cfRule type="dataBar" priority="1"><dataBar>'
    '<cfvo type="min"/><cfvo type="max"/><color rgb="FF638EC6"/></dataBar><extLst>'
    '<ext uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:id>{1B7E2A4C-5D6F-4E3A-9B8C-7D6E5F4A3B2C}</x14:id></ext></extLst></cfRule>'
    '</conditionalFormatting>')

DATA_VALIDATIONS = (
    '<dataValidations count="1"><dataValidation type="decimal" operator="greaterThanOrEqual" '
    'allowBlank="1" showInputMessage="1" showErrorMessage="1" sqref="C2:C1000">'
    '<formula1>0</formula1></dataValidation></dataValidations>')

DRAWING_REFS = '<drawing r:id="rIdDr1"/><legacyDrawing r:id="rIdVml1"/>'

EXT_LST = (
    '<extLst>'
    '<ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:conditionalFormattings><x14:conditionalFormatting '
    'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:cfRule type="dataBar" id="{1B7E2A4C-5D6F-4E3A-9B8C-7D6E5F4A3B2C}">'
    '<x14:dataBar minLength="0" maxLength="100" border="1" negativeBarBorderColorSameAsPositive="0">'
    '<x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/><x14:borderColor rgb="FF638EC6"/>'
    '<x14:negativeFillColor rgb="FFFF0000"/><x14:negativeBorderColor rgb="FFFF0000"/>'
    '<x14:axisColor rgb="FF000000"/></x14:dataBar></x14:cfRule><xm:sqref>C2:C6</xm:sqref>'
    '</x14:conditionalFormatting></x14:conditionalFormattings></ext>'
    '<ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
    '<x14:formula1><xm:f>Lists!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>E2:E1000</xm:sqref>'
    '</x14:dataValidation></x14:dataValidations></ext>'
    '<ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:sparklineGroup displayEmptyCellsAs="gap" markers="1">'
    '<x14:colorSeries theme="4" tint="-0.499984740745262"/>'
    '<x14:colorNegative theme="5"/><x14:colorAxis rgb="FF000000"/>'
    '<x14:colorMarkers theme="4" tint="-0.499984740745262"/><x14:colorFirst theme="4" tint="0.39997558519241921"/>'
    '<x14:colorLast theme="4" tint="0.39997558519241921"/><x14:colorHigh theme="4"/><x14:colorLow theme="4"/>'
    '<x14:sparklines><x14:sparkline><xm:f>Milestones!C2:C6</xm:f><xm:sqref>H2</xm:sqref>'
    '</x14:sparkline></x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext>'
    '</extLst>')

SHEET_RELS_EXTRA = (
    '<Relationship Id="rIdDr1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing" '
    'Target="../drawings/drawing1.xml"/>'
    '<Relationship Id="rIdVml1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing" '
    'Target="../drawings/vmlDrawing1.vml"/>'
    '<Relationship Id="rIdCm1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" '
    'Target="../comments1.xml"/>')

DRAWING = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<xdr:twoCellAnchor editAs="oneCell"><xdr:from><xdr:col>9</xdr:col><xdr:colOff>0</xdr:colOff>'
    '<xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>16</xdr:col>'
    '<xdr:colOff>0</xdr:colOff><xdr:row>15</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>'
    '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1"/>'
    '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/>'
    '<a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
    '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
    '<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1"/>'
    '</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>'
    '</xdr:wsDr>')

DRAWING_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart" '
    'Target="../charts/chart1.xml"/></Relationships>')

CHART = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<c:date1904 val="0"/><c:lang val="en-US"/><c:roundedCorners val="0"/>'
    '<c:chart><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
    '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
    '<c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:strRef><c:f>Milestones!$C$1</c:f>'
    '<c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>Amount</c:v></c:pt></c:strCache>'
    '</c:strRef></c:tx><c:val><c:numRef><c:f>Milestones!$C$2:$C$6</c:f><c:numCache>'
    '<c:formatCode>General</c:formatCode><c:ptCount val="5"/>'
    '<c:pt idx="0"><c:v>1000</c:v></c:pt></c:numCache></c:numRef></c:val></c:ser>'
    '<c:gapWidth val="219"/><c:axId val="111"/><c:axId val="222"/></c:barChart>'
    '<c:catAx><c:axId val="111"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
    '<c:delete val="0"/><c:axPos val="b"/><c:crossAx val="222"/></c:catAx>'
    '<c:valAx><c:axId val="222"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
    '<c:delete val="0"/><c:axPos val="l"/><c:crossAx val="111"/></c:valAx></c:plotArea>'
    '<c:plotVisOnly val="1"/></c:chart></c:chartSpace>')

COMMENTS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<authors><author>Dana Finance</author></authors><commentList>'
    '<comment ref="B3" authorId="0" shapeId="0"><text><r><rPr><b/><sz val="9"/>'
    '<color indexed="81"/><rFont val="Tahoma"/><family val="2"/></rPr>'
    '<t>Dana Finance:</t></r><r><rPr><sz val="9"/><color indexed="81"/>'
    '<rFont val="Tahoma"/><family val="2"/></rPr>'
    '<t xml:space="preserve">\ncheck the PO with the client</t></r></text></comment>'
    '</commentList></comments>')

VML = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml"\r\n'
    ' xmlns:o="urn:schemas-microsoft-com:office:office"\r\n'
    ' xmlns:x="urn:schemas-microsoft-com:office:excel">\r\n'
    ' <o:shapelayout v:ext="edit">\r\n  <o:idmap v:ext="edit" data="1"/>\r\n'
    ' </o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202"\r\n'
    '  path="m,l,21600r21600,l21600,xe">\r\n'
    '  <v:stroke joinstyle="miter"/>\r\n  <v:path gradientshapeok="t" o:connecttype="rect"/>\r\n'
    ' </v:shapetype><v:shape id="_x0000_s1025" type="#_x0000_t202" style=\'position:absolute;\r\n'
    '  margin-left:107.25pt;margin-top:1.5pt;width:108pt;height:59.25pt;z-index:1;\r\n'
    '  visibility:hidden\' fillcolor="#ffffe1" o:insetmode="auto">\r\n'
    '  <v:fill color2="#ffffe1"/>\r\n  <v:shadow on="t" color="black" obscured="t"/>\r\n'
    '  <v:path o:connecttype="none"/>\r\n  <v:textbox style=\'mso-direction-alt:auto\'>\r\n'
    '   <div style=\'text-align:left\'></div>\r\n  </v:textbox>\r\n'
    '  <x:ClientData ObjectType="Note">\r\n   <x:MoveWithCells/>\r\n   <x:SizeWithCells/>\r\n'
    '   <x:Anchor>\r\n    2, 15, 1, 2, 4, 15, 5, 2</x:Anchor>\r\n   <x:AutoFill>False</x:AutoFill>\r\n'
    '   <x:Row>2</x:Row>\r\n   <x:Column>1</x:Column>\r\n  </x:ClientData>\r\n </v:shape></xml>')

CUSTOM_XML_ITEM = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
                   '<ct:contentTypeSchema xmlns:ct="http://schemas.microsoft.com/office/2006/'
                   'metadata/contentType" ct:_="" ma:_="" ma:contentTypeName="Document" '
                   'xmlns:ma="http://schemas.microsoft.com/office/2006/metadata/properties/'
                   'metaAttributes"/>')
CUSTOM_XML_PROPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\r\n'
    '<ds:datastoreItem ds:itemID="{4C9B1A21-6E43-4F5E-8A1D-2B3C4D5E6F70}" '
    'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
    '<ds:schemaRefs/></ds:datastoreItem>')
CUSTOM_XML_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps" '
    'Target="itemProps1.xml"/></Relationships>')

CALC_CHAIN = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
              f'<calcChain xmlns="{MAIN}"><c r="G2" i="1"/><c r="G3"/></calcChain>')

CT_EXTRA = (
    '<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
    '<Override PartName="/xl/drawings/drawing1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>'
    '<Override PartName="/xl/charts/chart1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.drawingml.chart+xml"/>'
    '<Override PartName="/xl/comments1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"/>'
    '<Override PartName="/customXml/itemProps1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.customXmlProperties+xml"/>'
    '<Override PartName="/xl/calcChain.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/>')

WB_RELS_EXTRA = (
    '<Relationship Id="rIdCx1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml" '
    'Target="../customXml/item1.xml"/>'
    '<Relationship Id="rIdCc1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain" '
    'Target="calcChain.xml"/>')

MILESTONE_HEADERS = ["Milestone ID", "Project", "Amount", "Due Date", "Status", "Note", "Double"]
INVOICE_HEADERS = ["Invoice No", "Issue Date", "Net", "Total"]

# Sheet part names as openpyxl writes them for the sheets below, in order.
MILESTONES_PART = "xl/worksheets/sheet1.xml"
INVOICES_PART = "xl/worksheets/sheet2.xml"
ANSWERS = [
    ("M1", "P1", Decimal("1000.00"), date(2024, 1, 31), "Planned", None),
    ("M2", "P1", Decimal("2500.50"), date(2024, 2, 29), "Complete", "first"),
    ("M3", "P2", Decimal("99.99"), date(2024, 3, 15), "Planned", None),
    ("M4", "P2", Decimal("0.10"), date(2024, 4, 1), "Planned", None),
    ("M5", "P3", Decimal("12"), date(2024, 5, 2), "Cancelled", "x"),
]


def _openpyxl_book(date1904: bool) -> bytes:
    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Milestones"
    ws.append(MILESTONE_HEADERS)
    for i, (mid, proj, amount, due, status, note) in enumerate(ANSWERS, start=2):
        ws.append([mid, proj, float(amount), due, status, note, f"=C{i}*2"])
        ws.cell(i, 3).number_format = "#,##0.00"
        ws.cell(i, 4).number_format = "yyyy-mm-dd"
        ws.cell(i, 7).number_format = "0.00"
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="FFDDEBF7")
    ws.column_dimensions["C"].width = 14
    ws.column_dimensions["D"].width = 12
    ws["H1"] = "Trend"
    ws["J20"] = "below the table"
    tab = Table(displayName="tblMilestones", ref="A1:G6")
    tab.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(tab)

    inv = wb.create_sheet("Invoices")
    inv.append(INVOICE_HEADERS)
    inv["B2"].number_format = "yyyy-mm-dd"     # the placeholder row keeps formats
    inv["C2"].number_format = "#,##0.00"
    inv.add_table(Table(displayName="tblInvoices", ref="A1:D2"))

    lists = wb.create_sheet("Lists")
    for v in ("Planned", "Complete", "Cancelled"):
        lists.append([v])
    notes = wb.create_sheet("Team Notes")
    notes["A1"] = "Our own sheet: do not touch"
    notes["B2"] = 42
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _inject(sheet: str) -> str:
    assert sheet.startswith(f'<worksheet xmlns="{MAIN}">'), sheet[:200]
    sheet = EXCEL_ROOT + sheet[len(f'<worksheet xmlns="{MAIN}">'):]
    # Excel's row attributes on data rows
    for r in range(2, 7):
        sheet = sheet.replace(f'<row r="{r}">', f'<row r="{r}" spans="1:7" x14ac:dyDescent="0.25">')
    sheet = sheet.replace("<pageMargins", CONDITIONAL_FORMATTING + DATA_VALIDATIONS
                          + "<pageMargins", 1)
    sheet = sheet.replace("<tableParts", DRAWING_REFS + "<tableParts", 1)
    assert sheet.endswith("</worksheet>")
    return sheet[:-len("</worksheet>")] + EXT_LST + "</worksheet>"


def build_workbook(path: Path, date1904: bool = False) -> Path:
    """The rich test workbook at ``path``; returns ``path``."""
    base = zipfile.ZipFile(io.BytesIO(_openpyxl_book(date1904)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in base.infolist():
            data = base.read(info).decode("utf-8")
            name = info.filename
            if name == MILESTONES_PART:
                data = _inject(data)
            elif name == "xl/worksheets/_rels/sheet1.xml.rels":
                data = data.replace("</Relationships>", SHEET_RELS_EXTRA + "</Relationships>")
            elif name == "xl/_rels/workbook.xml.rels":
                data = data.replace("</Relationships>", WB_RELS_EXTRA + "</Relationships>")
            elif name == "xl/workbook.xml":   # as Excel writes it: no fullCalcOnLoad
                data = re.sub(r"<calcPr [^>]*/>", '<calcPr calcId="191029"/>', data)
            elif name == "[Content_Types].xml":
                data = data.replace("</Types>", CT_EXTRA + "</Types>")
            z.writestr(info.filename, data)
        for name, data in (("xl/drawings/drawing1.xml", DRAWING),
                           ("xl/drawings/_rels/drawing1.xml.rels", DRAWING_RELS),
                           ("xl/charts/chart1.xml", CHART),
                           ("xl/comments1.xml", COMMENTS),
                           ("xl/drawings/vmlDrawing1.vml", VML),
                           ("customXml/item1.xml", CUSTOM_XML_ITEM),
                           ("customXml/itemProps1.xml", CUSTOM_XML_PROPS),
                           ("customXml/_rels/item1.xml.rels", CUSTOM_XML_RELS),
                           ("xl/calcChain.xml", CALC_CHAIN)):
            z.writestr(name, data)
    path.write_bytes(out.getvalue())
    return path
