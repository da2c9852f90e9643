"""Where the files that ship with milebill are: the workbook and invoice
templates and the add-in's VBA sources.

In a checkout they live at the top (``workbook_templates/``, ``macros/``);
the build maps them into the wheel as the data packages
``milebill_xl.workbook_templates`` and ``milebill_xl.macros``. Both are read
through :mod:`importlib.resources`, so an installed wheel, an editable
install and a checkout find the same files. The builders that regenerate
the committed files write into the checkout (:func:`source_dir`).
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
#: folder -> (data package, a file it always holds)
_FOLDERS = {"workbook_templates": ("milebill_xl.workbook_templates", "milestone_billing.xlsx"),
            "macros": ("milebill_xl.macros", "customUI14.xml")}


def _folder(name: str) -> Path:
    package, known = _FOLDERS[name]
    try:
        # a data package has no __init__.py: files() gives a (multiplexed)
        # traversable whose files are real paths in an installed wheel
        found = Path(str(resources.files(package).joinpath(known)))
        if found.is_file():
            return found.parent
    except (ModuleNotFoundError, TypeError, ValueError):
        pass
    return _CHECKOUT / name          # a checkout (or an editable install of it)


def template_workbook() -> Path:
    """The template workbook a new portfolio is copied from."""
    return _folder("workbook_templates") / "milestone_billing.xlsx"


def invoice_template() -> Path:
    """The built-in invoice layout (``invoice.docx``)."""
    return _folder("workbook_templates") / "invoice.docx"


def macros_dir() -> Path:
    """The add-in's VBA modules and ribbon XML."""
    return _folder("macros")


def source_dir(name: str) -> Path:
    """``workbook_templates`` or ``macros`` of the checkout, where the
    builders write the files that are committed."""
    return _CHECKOUT / name
