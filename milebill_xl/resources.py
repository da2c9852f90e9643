"""Where the files that ship with milebill are: the workbook and invoice
templates and the add-in's VBA sources. Every lookup of these files goes
through this module.

In a checkout they live at the top (``workbook_templates/``, ``macros/``);
pyproject.toml maps those folders into the wheel as the data packages
``milebill_xl.workbook_templates`` and ``milebill_xl.macros`` (each has an
``__init__.py`` so that setuptools' editable finder imports them too). They
are found through :mod:`importlib.resources`, so a wheel install, an
editable install and a checkout read the same files; only a checkout run
without any install (``python -m`` from its top folder) falls back to the
folders beside the package. The builders that regenerate the committed
files write into the checkout (:func:`source_dir`).
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
_PACKAGES = {"workbook_templates": "milebill_xl.workbook_templates",
             "macros": "milebill_xl.macros"}


def data_dir(name: str) -> Path:
    """The installed folder ``workbook_templates`` or ``macros``."""
    try:
        found = resources.files(_PACKAGES[name])
    except ModuleNotFoundError:      # a checkout run without installing it
        return _CHECKOUT / name
    # wheels install unzipped: a data package is a real folder
    return Path(str(found))


def template_workbook() -> Path:
    """The template workbook a new portfolio is copied from."""
    return data_dir("workbook_templates") / "milestone_billing.xlsx"


def invoice_template() -> Path:
    """The built-in invoice layout (``invoice.docx``)."""
    return data_dir("workbook_templates") / "invoice.docx"


def email_template() -> Path:
    """The built-in wording of the e-mail drafts (``email.txt``)."""
    return data_dir("workbook_templates") / "email.txt"


def macros_dir() -> Path:
    """The add-in's VBA modules and ribbon XML."""
    return data_dir("macros")


def source_dir(name: str) -> Path:
    """Where the builders write ``workbook_templates`` or ``macros`` files:
    the checkout's folder (which the wheel is built from) when running from
    a checkout or an editable install of it, else the installed folder."""
    if (_CHECKOUT / "pyproject.toml").is_file():
        return _CHECKOUT / name
    return data_dir(name)
