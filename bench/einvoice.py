"""Factur-X speed target (issue 14): one ``issue --pdf`` run writing 1,000
Factur-X invoices costs at most 1.5x LibreOffice's own batch conversion
of the same 1,000 .docx files to PDF, the two measured in turns in this
one run.

    .venv/bin/python -m bench.einvoice [--invoices 1000] [--repeats 2]

Writes ``bench/results-einvoice.md``. The book: a French seller (E-Invoice
Format ``Factur-X``), 100 projects of 10 milestones each, every milestone
Complete and Approved, EUR at 20 %, so one issue run writes 1,000 invoices:
1,000 .docx, the workbook, 1,000 CII XMLs checked against the schema and
the EN 16931 Schematron, 1,000 PDF/A-3 exports by soffice, 1,000
embeddings. The baseline is ``soffice --convert-to pdf`` of the .docx
files that run wrote (``milebill_xl.office.convert``). Both go through
soffice in runs of 200 files, one after the other: LibreOffice 7.4 drops
every file past about 245 on one command line.

Both sides start soffice cold with the same private profile; the issue
run is timed in-process (``actions.issue.run(FileBook(copy), pdf=True)``),
its book copied afresh before each run (not timed).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TARGET = 1.5
AS_OF = date(2026, 6, 30)

SELLER = {
    "Company": "Atelier Lumière SARL", "Company Address": "12 rue de la Paix\n75002 Paris",
    "Company Tax ID": "FR40303265045", "Company Email": "factures@atelier-lumiere.example",
    "Bank Details": "BNP Paribas, agence Opéra", "Default Currency": "EUR",
    "Company Country": "FR", "IBAN": "FR76 3000 6000 0112 3456 7890 189", "BIC": "BNPAFRPPXXX",
    "E-Invoice Format": "Factur-X", "As Of Date": AS_OF,
}


def build(path: Path, invoices: int) -> Path:
    """The book: ``invoices`` ready milestones, ten per project."""
    from milebill_xl.template.builder import build_workbook
    projects, milestones = [], []
    for p in range(-(-invoices // 10)):
        pid = f"P{p:04d}"
        projects.append({"Project ID": pid, "Project": f"Boutique {p}", "Client": f"Client {p} SA",
                         "Client Email": f"ap{p}@client.example",
                         "Client Address": f"{p + 1} avenue Foch\n69006 Lyon",
                         "PO Number": f"PO-{p:05d}", "Contract Value": Decimal("100000.00"),
                         "Currency": "EUR", "Tax Rate": Decimal("0.2"), "Payment Terms": "Net 30",
                         "Client Tax ID": "FR23334175221", "Client Country": "FR"})
        for k in range(10):
            milestones.append({
                "Milestone ID": f"{pid}-{k}", "Project ID": pid, "Milestone": f"Phase {k + 1}",
                "Deliverable": f"Phase {k + 1} signed off", "Basis": "Percent",
                "Percent": Decimal("0.1"), "Status": "Complete",
                "Completed Date": date(2026, 6, 1 + k), "Approval": "Approved"})
    return build_workbook(path, settings=SELLER, projects=projects,
                          milestones=milestones[:invoices] + [
                              {**m, "Status": "Planned", "Approval": "Pending",
                               "Completed Date": None} for m in milestones[invoices:]])


def issue_run(source: Path, folder: Path) -> tuple[float, list[Path]]:
    """One timed ``issue --pdf``; the .docx files it wrote."""
    from milebill_xl.actions import issue
    from milebill_xl.workbook.filebook import FileBook
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    book = folder / "book.xlsx"
    shutil.copyfile(source, book)
    start = time.perf_counter()
    result = issue.run(FileBook(book), pdf=True)
    took = time.perf_counter() - start
    assert not result.errors, result.errors[:3]
    assert len(result.pdfs) == len(result.issued), (len(result.pdfs), len(result.issued))
    return took, sorted(result.folder.glob("*.docx"))


def baseline_run(docx: list[Path], out: Path) -> float:
    """LibreOffice alone: the same .docx files to PDF in one soffice run."""
    from milebill_xl import office
    if out.exists():
        shutil.rmtree(out)
    start = time.perf_counter()
    made = office.convert(docx, "pdf", out)
    took = time.perf_counter() - start
    assert len(made) == len(docx)
    return took


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--invoices", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        source = build(tmp / "source.xlsx", args.invoices)
        # warm-up: imports, the Saxon stylesheet, soffice's first start
        issue_run(build(tmp / "warm.xlsx", 10), tmp / "warm")
        times: dict[str, list[float]] = {"soffice": [], "issue": []}
        docx: list[Path] = []
        for r in range(args.repeats):   # in turns, so drift tilts neither side
            took, docx = issue_run(source, tmp / f"issue{r}")
            times["issue"].append(took)
            print(f"issue --pdf (Factur-X) of {len(docx)} invoices: {took:.1f} s", flush=True)
            took = baseline_run(docx, tmp / f"soffice{r}")
            times["soffice"].append(took)
            print(f"soffice --convert-to pdf of the same {len(docx)} .docx: {took:.1f} s",
                  flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["issue"] / med["soffice"]
    verdict = "yes" if ratio <= TARGET else "**no**"
    lines = [
        "# Factur-X issue run vs LibreOffice's batch conversion",
        "",
        f"`python -m bench.einvoice --invoices {args.invoices} --repeats {args.repeats}` "
        f"on {time.strftime('%Y-%m-%d')}: medians of {args.repeats} runs in turns.",
        "",
        "| case | runs (s) | median (s) |",
        "|---|---|---|",
        *(f"| {name} | {', '.join(f'{t:.1f}' for t in times[key])} | {med[key]:.1f} |"
          for name, key in ((f"`issue --pdf`, Factur-X, {args.invoices} invoices", "issue"),
                            (f"`soffice --convert-to pdf`, the same {args.invoices} .docx",
                             "soffice"))),
        "",
        f"Ratio **{ratio:.2f}x** (target <= {TARGET}x): met: {verdict}.",
        "",
    ]
    (ROOT / "results-einvoice.md").write_text("\n".join(lines), encoding="utf-8")
    (ROOT / "results-einvoice.json").write_text(json.dumps(
        {"invoices": args.invoices, "times": times, "ratio": ratio}, indent=2), encoding="utf-8")
    print("\n".join(lines))
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
