"""Excel calls of each action through LiveBook on the fake xlwings workbook
(tests/excel/fake_xlwings.py), at 10 milestones and at a bigger size:
the counts must be equal (one call per table or column, never per row).

``python -m bench.live [SIZE]`` prints one JSON object.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .cases import _open_invoice
from .portfolio import book_path

ROOT = Path(__file__).resolve().parents[1]
ACTIONS = ("check", "report", "refresh", "issue", "pay", "void")


def available() -> bool:
    return ((ROOT / "milebill_xl" / "excel" / "livebook.py").is_file()
            and (ROOT / "tests" / "excel" / "fake_xlwings.py").is_file())


def _run(name: str, live, invoice_no: str):
    from milebill_xl.actions import check, issue, pay, refresh, report, void
    if name == "check":
        return check.run(live).errors
    if name == "report":
        return report.run(live).loaded.errors
    if name == "refresh":
        return refresh.run(live).errors
    if name == "issue":
        return issue.run(live).errors
    if name == "pay":
        return pay.run(live, invoice_no, "10.00", None, "bench", None).errors
    return void.run(live, invoice_no, "benchmark").errors


def measure(sizes: tuple[int, ...]) -> dict:
    import shutil
    import tempfile
    sys.path.insert(0, str(ROOT / "tests" / "excel"))
    from fake_xlwings import FakeApp, FakeBook
    from milebill_xl.excel.livebook import LiveBook
    out: dict = {}
    for size in sizes:
        src = book_path(size)
        invoice_no = _open_invoice(src)
        for name in ACTIONS:
            folder = Path(tempfile.mkdtemp(prefix="milebill-live-"))
            try:
                path = folder / "book.xlsx"
                shutil.copyfile(src, path)
                app = FakeApp()
                fake = FakeBook.from_xlsx(app, path)
                app.counter.reset()
                start = time.perf_counter()
                errors = _run(name, LiveBook(fake), invoice_no)
                elapsed = time.perf_counter() - start
                assert not errors, errors[:3]
                out.setdefault(name, {})[size] = {**app.counter.snapshot(), "seconds": elapsed}
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    return out


def main(argv: list[str]) -> int:
    big = int(argv[0]) if argv else 1000
    if not available():
        print(json.dumps({"available": False}))
        return 0
    print(json.dumps({"available": True, "sizes": [10, big], "actions": measure((10, big))}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
