"""The error every layer raises for a workbook that cannot be used at all.

Defined in the file-format layer (a damaged or hostile package is found
here first); :mod:`milebill_xl.workbook.book` re-exports it for actions.
"""


class BookError(Exception):
    """The workbook cannot be used at all (not an xlsx, locked, missing)."""
