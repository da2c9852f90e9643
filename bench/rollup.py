"""Portfolio speed target: ``milebill portfolio`` over 100 workbooks of 1,000
milestones takes at most 1.5x the time python-calamine alone needs to read
every sheet of the same 100 files, measured in turns in this one run.

    .venv/bin/python -m bench.rollup [--books 100] [--repeats 3]

Writes ``bench/results-portfolio.md``. The baseline reads the files one
after the other in this process, as a script with calamine would; the
portfolio command is run as users run it (its worker processes included).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from .portfolio import AS_OF, book_path

ROOT = Path(__file__).resolve().parent
TARGET = 1.5


def _calamine(paths: list[Path]) -> None:
    from python_calamine import CalamineWorkbook
    for path in paths:
        with CalamineWorkbook.from_path(str(path)) as wb:
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()


def _portfolio(folder: Path) -> None:
    from milebill_xl.actions import portfolio
    result = portfolio.run(folder, AS_OF)
    assert not result.failed and len(result.books) > 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--books", type=int, default=100)
    ap.add_argument("--milestones", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    source = book_path(args.milestones)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = []
        for k in range(args.books):
            sub = folder / f"region-{k % 10}"
            sub.mkdir(exist_ok=True)
            paths.append(sub / f"book-{k:03d}.xlsx")
            shutil.copyfile(source, paths[-1])
        _calamine(paths[:5])            # warm-up: imports, page cache
        _portfolio(folder)
        times: dict[str, list[float]] = {"calamine": [], "portfolio": []}
        for _ in range(args.repeats):   # in turns, so drift tilts neither side
            for name, fn in (("calamine", lambda: _calamine(paths)),
                             ("portfolio", lambda: _portfolio(folder))):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    base = statistics.median(times["calamine"])
    ours = statistics.median(times["portfolio"])
    ratio = ours / base
    verdict = "met" if ratio <= TARGET else "MISSED"
    lines = [
        "# Portfolio benchmark",
        "",
        f"{args.books} workbooks of {args.milestones:,} milestones, {args.repeats} runs each in turns.",
        "",
        "| what | median seconds |",
        "|---|---|",
        f"| calamine reads every sheet of every file | {base:.2f} |",
        f"| `milebill portfolio` (read, check, compute, roll up) | {ours:.2f} |",
        "",
        f"Ratio {ratio:.2f}x (target at most {TARGET}x): {verdict}.",
        "",
    ]
    (ROOT / "results-portfolio.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
