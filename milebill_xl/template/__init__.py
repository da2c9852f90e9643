"""The template workbook and Dashboard builders and the Excel formula text.

:mod:`.builder` lays out a new workbook (tables, formats, validation,
print setup); :mod:`.dashboard` the Dashboard sheet; :mod:`.formulas` the
formula text of every computed column; :mod:`.helper_values` the cached
values the tool writes with them; :mod:`.styles` shared colours. Builds on
``workbook.contract`` and ``xlsx``; ``python -m milebill_xl.template``
rebuilds the committed template.
"""
