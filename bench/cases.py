"""The benchmark cases: milebill actions and the baselines they are held to.

Each case is ``prepare(size, scratch) -> run`` where ``run()`` is the timed
part (setup such as copying the book is not timed). ``python -m
bench.worker CASE SIZE REPEATS`` runs one case in a fresh process.
"""
from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape

from .portfolio import CACHE, book_path

Run = Callable[[], object]


def _copy(size: int, scratch: Path, name: str = "book.xlsx") -> Path:
    scratch.mkdir(parents=True, exist_ok=True)
    dst = scratch / name
    shutil.copyfile(book_path(size), dst)
    return dst


def _fresh(size: int, scratch: Path) -> Callable[[], Path]:
    """A callable giving a fresh copy of the book in a fresh folder (untimed)."""
    counter = iter(range(1_000_000))

    def make() -> Path:
        folder = scratch / f"run{next(counter)}"
        if folder.exists():
            shutil.rmtree(folder)
        return _copy(size, folder)
    return make


class Case:
    """Setup (untimed) per repeat, then the timed call."""

    def __init__(self, setup: Callable[[], object], timed: Callable[[object], object]):
        self.setup, self.timed = setup, timed


# ------------------------------------------------------------ milebill actions

def case_check(size: int, scratch: Path) -> Case:
    from milebill_xl.actions import check
    from milebill_xl.workbook.filebook import FileBook
    path = _copy(size, scratch)

    def timed(_):
        loaded = check.run(FileBook(path))
        assert not loaded.errors, loaded.errors[:3]
    return Case(lambda: None, timed)


def case_report(size: int, scratch: Path) -> Case:
    from milebill_xl.actions import report
    from milebill_xl.workbook.filebook import FileBook
    path = _copy(size, scratch)

    def timed(_):
        rep = report.run(FileBook(path))
        assert not rep.loaded.errors
        report.to_json(rep)
    return Case(lambda: None, timed)


def case_refresh(size: int, scratch: Path) -> Case:
    from milebill_xl.actions import refresh
    from milebill_xl.workbook.filebook import FileBook

    def timed(path):
        result = refresh.run(FileBook(path))
        assert not result.errors, result.errors[:3]
    return Case(_fresh(size, scratch), timed)


def case_issue(size: int, scratch: Path) -> Case:
    """Issue every billable milestone (10 % of the book: 1,000 at 10k),
    documents included."""
    from milebill_xl.actions import issue
    from milebill_xl.workbook.filebook import FileBook

    def timed(path):
        result = issue.run(FileBook(path), out_dir=path.parent / "invoices")
        assert not result.errors, result.errors[:3]
        assert len(result.issued) == size // 10, len(result.issued)
    return Case(_fresh(size, scratch), timed)


def _open_invoice(path: Path) -> str:
    from milebill_xl.actions import check
    from milebill_xl.workbook.filebook import FileBook
    loaded = check.run(FileBook(path))
    return next(r.invoice_no for r in loaded.computation.invoices
                if r.status == "Partially Paid")


def case_pay(size: int, scratch: Path) -> Case:
    from milebill_xl.actions import pay
    from milebill_xl.workbook.filebook import FileBook
    make = _fresh(size, scratch)
    number = _open_invoice(book_path(size))

    def timed(path):
        result = pay.run(FileBook(path), number, "10.00", None, "bench", None)
        assert not result.errors, result.errors
    return Case(make, timed)


def case_void(size: int, scratch: Path) -> Case:
    from milebill_xl.actions import void
    from milebill_xl.workbook.filebook import FileBook
    make = _fresh(size, scratch)
    number = _open_invoice(book_path(size))

    def timed(path):
        result = void.run(FileBook(path), number, "benchmark")
        assert not result.errors, result.errors
    return Case(make, timed)


# ------------------------------------------------------------------ baselines

def case_calamine(size: int, scratch: Path) -> Case:
    """python-calamine reading every sheet's values of the same book."""
    from python_calamine import CalamineWorkbook
    path = _copy(size, scratch)

    def timed(_):
        with CalamineWorkbook.from_path(str(path)) as wb:
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()
    return Case(lambda: None, timed)


def case_openpyxl(size: int, scratch: Path) -> Case:
    """openpyxl load_workbook + save of the same book."""
    import openpyxl

    def timed(path):
        wb = openpyxl.load_workbook(path)
        wb.save(path.with_name("saved.xlsx"))
    return Case(_fresh(size, scratch), timed)


def issue_documents(size: int, scratch: Path) -> list[dict[str, str]]:
    """The printed fields of the documents ``issue`` writes for the book."""
    from milebill_xl.actions import issue
    from milebill_xl.actions.common import load
    from milebill_xl.documents.invoice import document_data
    from milebill_xl.workbook.filebook import FileBook
    loaded = load(FileBook(_copy(size, scratch, "plan.xlsx")))
    issued, errors = issue.plan(loaded)
    assert not errors, errors[:3]
    projects = {p.project_id: p for p in loaded.data.projects}
    milestones = {m.milestone_id: m for m in loaded.data.milestones}
    return [document_data(i.invoice, projects[i.invoice.project_id], milestones[i.milestone_id],
                          loaded.data.settings).fields() for i in issued]


_STORY = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")


def naive_render(template: bytes, fields: dict[str, str], out: Path) -> None:
    """Copy the template package member by member, replacing each
    ``{{token}}`` in the story parts with the XML-escaped value."""
    with zipfile.ZipFile(io.BytesIO(template)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if _STORY.fullmatch(info.filename):
                text = data.decode("utf-8")
                for key, value in fields.items():
                    text = text.replace("{{" + key + "}}", escape(value))
                data = text.encode("utf-8")
            zout.writestr(info, data)


def case_naive_docs(size: int, scratch: Path) -> Case:
    """The same documents as ``issue`` writes, by zip copy + str.replace."""
    from milebill_xl.documents.template import DEFAULT_TEMPLATE
    docs = issue_documents(size, scratch)
    template = DEFAULT_TEMPLATE.read_bytes()

    def setup():
        folder = scratch / "naive"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def timed(folder):
        for fields in docs:
            naive_render(template, fields, folder / f"{fields['invoice_no']}.docx")
    return Case(setup, timed)


def case_milebill_docs(size: int, scratch: Path) -> Case:
    """Only the documents part of ``issue``: InvoiceTemplate.render of the
    same documents (for the breakdown, not a target)."""
    from milebill_xl.actions import issue
    from milebill_xl.actions.common import load
    from milebill_xl.documents.invoice import document_data, load_template
    from milebill_xl.workbook.filebook import FileBook
    loaded = load(FileBook(_copy(size, scratch, "plan.xlsx")))
    issued, _ = issue.plan(loaded)
    projects = {p.project_id: p for p in loaded.data.projects}
    milestones = {m.milestone_id: m for m in loaded.data.milestones}

    def setup():
        folder = scratch / "docs"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def timed(folder):
        template = load_template()
        for i in issued:
            doc = document_data(i.invoice, projects[i.invoice.project_id],
                                milestones[i.milestone_id], loaded.data.settings)
            template.render(doc, folder / i.invoice.document)
    return Case(setup, timed)


def docxtpl_template() -> Path:
    """A docxtpl-syntax copy of the invoice template: ``{{ name }}`` tokens."""
    from milebill_xl.documents.template import DEFAULT_TEMPLATE
    out = CACHE / "invoice_docxtpl.docx"
    CACHE.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(DEFAULT_TEMPLATE) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if _STORY.fullmatch(info.filename):
                data = re.sub(rb"\{\{\s*([A-Za-z_]\w*)\s*\}\}", rb"{{ \1 }}", data)
            zout.writestr(info, data)
    return out


def case_docxtpl(size: int, scratch: Path) -> Case:
    """The same documents rendered with docxtpl (Jinja in the .docx)."""
    from docxtpl import DocxTemplate
    docs = issue_documents(size, scratch)
    path = docxtpl_template()

    def setup():
        folder = scratch / "docxtpl"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def timed(folder):
        tpl = DocxTemplate(path)
        for fields in docs:
            tpl.render(fields, autoescape=True)
            tpl.save(folder / f"{fields['invoice_no']}.docx")
    return Case(setup, timed)


CASES: dict[str, Callable[[int, Path], Case]] = {
    "check": case_check, "report": case_report, "refresh": case_refresh,
    "issue": case_issue, "pay": case_pay, "void": case_void,
    "calamine": case_calamine, "openpyxl": case_openpyxl,
    "naive_docs": case_naive_docs, "milebill_docs": case_milebill_docs,
    "docxtpl": case_docxtpl,
}
