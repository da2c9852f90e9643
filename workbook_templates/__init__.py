"""Data package milebill_xl.workbook_templates: the template workbook and the
invoice layout, shipped in the wheel (see milebill_xl/resources.py)."""
