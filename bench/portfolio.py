"""Generated benchmark portfolios, built with the product's own template
builder (``milebill_xl.template.builder.build_workbook``), so a benchmark
book has exactly the tables, formulas and formats a team's book has.

Proportions per 10 milestones (one project):

- milestones 0-3: Complete, Approved, invoiced (40 % of milestones have an
  invoice row); 0-2 fully paid, 3 half paid (30 % payments + 10 % partial);
- milestone 4: Complete, Approved, not invoiced: ``Ready to Invoice``
  (10 %: the 10k book issues 1,000 invoices);
- milestone 5: Complete, awaiting approval; 6-9 planned (some behind).

Every fifth project opens with a Fixed kickoff; currencies are USD, EUR and
JPY; every invoice's audit row is there too. Books are cached under
``bench/.cache`` keyed by size and a hash of the code that shapes them.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CACHE = ROOT / ".cache"
AS_OF = date(2025, 6, 30)
PER_PROJECT = 10
D = Decimal

_CURRENCIES = (("USD", D("0"), "Net 30"), ("EUR", D("0.19"), "2/10 Net 30"),
               ("USD", D("0.08"), "Net 45"), ("JPY", D("0.10"), "EOM"),
               ("EUR", D("0.20"), "Net 30 EOM"))


def portfolio(n_milestones: int, as_of: date = AS_OF) -> dict:
    """Rows for ``build_workbook``: ``n_milestones`` milestones over
    ``n_milestones / 10`` projects, with invoices, payments and audit."""
    d = lambda n: as_of + timedelta(days=n)  # noqa: E731
    n_projects = max(1, n_milestones // PER_PROJECT)
    projects, milestones, invoices, payments, audit = [], [], [], [], []
    seq = 0
    for p in range(n_projects):
        pid = f"P-{p + 1:06d}"
        currency, tax_rate, terms = _CURRENCIES[p % len(_CURRENCIES)]
        digits = 0 if currency == "JPY" else 2
        value = D(100_000 + 1_000 * (p % 97)) * (150 if currency == "JPY" else 1)
        client = f"Client {p % 500:03d} Ltd"
        projects.append({
            "Project ID": pid, "Project": f"Project {p + 1}", "Client": client,
            "Client Email": f"ap{p % 500}@client.example",
            "Client Address": f"{p % 900 + 1} Main Street\nSpringfield {p % 90000:05d}",
            "PO Number": f"PO-{p + 1:06d}", "Contract Value": value, "Currency": currency,
            "Tax Rate": tax_rate, "Payment Terms": terms, "Retainage %": D("0"),
        })
        fixed_kickoff = p % 5 == 0
        start = -200 + (p % 60)
        for k in range(PER_PROJECT):
            mid = f"M-{p * PER_PROJECT + k + 1:07d}"
            planned = d(start + 25 * k)
            row = {"Milestone ID": mid, "Project ID": pid, "Milestone": f"Stage {k + 1}",
                   "Deliverable": f"Stage {k + 1} accepted", "Planned Date": planned,
                   "Status": "Planned", "Approval": "Pending"}
            if fixed_kickoff and k == 0:
                row.update({"Basis": "Fixed", "Fixed Amount": value / 10})
                share = value / 10
            else:
                row.update({"Basis": "Percent", "Percent": D("0.1")})
                share = value / 10
            if k <= 5:
                row.update({"Status": "Complete", "Completed Date": planned})
            if k <= 4:
                row.update({"Approval": "Approved", "Approved By": "A. Manager",
                            "Approval Date": planned + timedelta(days=2)})
            if k <= 3:
                seq += 1
                no = f"INV-{planned.year}-{seq:06d}"
                issue = planned + timedelta(days=3)
                due = issue + timedelta(days=30)
                net = share.quantize(D(1) / 10 ** digits)
                tax = (net * tax_rate).quantize(D(1) / 10 ** digits)
                row.update({"Invoice No": no, "Invoice Date": issue, "Due Date": due})
                invoices.append({
                    "Invoice No": no, "Type": "Invoice", "Issue Date": issue, "Due Date": due,
                    "Project ID": pid, "Milestone ID": mid, "Client": client,
                    "Currency": currency, "Net": net, "Tax": tax, "Total": net + tax,
                    "Document": f"{no}.docx", "Related Invoice": ""})
                audit.append({"Timestamp": datetime.combine(issue, time(9)).isoformat(sep=" "),
                              "User": "finance", "Action": "Issue", "Reference": no,
                              "Detail": f"{mid} ({pid}) net {net} {currency}"})
                if k <= 3:
                    amount = net + tax if k <= 2 else ((net + tax) / 2).quantize(D(1) / 10 ** digits)
                    paid_on = due - timedelta(days=5)
                    payments.append({"Payment Date": paid_on, "Invoice No": no,
                                     "Amount": amount, "Reference": f"WIRE {seq:07d}"})
            milestones.append(row)
    settings = {
        "Company": "Northwind Engineering Ltd",
        "Company Address": "12 Harbour Street\nBristol BS1 4QA\nUnited Kingdom",
        "Company Tax ID": "GB 123 4567 89",
        "Company Email": "billing@northwind-engineering.example",
        "Bank Details": "Example Bank plc, IBAN GB29 NWBK 6016 1331 9268 19",
        "Invoice Number Format": "INV-{year}-{seq:06d}",
        "Next Invoice Seq": seq + 1,
        "Due Soon Days": 7, "Approval SLA Days": 5,
        "As Of Date": as_of,
    }
    return {"settings": settings, "projects": projects, "milestones": milestones,
            "invoices": invoices, "payments": payments, "audit": audit}


def _code_hash() -> str:
    """Hash of everything that shapes a generated book."""
    import milebill_xl
    h = hashlib.sha256(Path(__file__).read_bytes())
    pkg = Path(milebill_xl.__file__).parent
    for name in ("template/builder.py", "template/formulas.py", "template/dashboard.py",
                 "workbook/contract.py", "core/words.py"):
        h.update((pkg / name).read_bytes())
    return h.hexdigest()[:10]


def book_path(n_milestones: int) -> Path:
    """The cached book of ``n_milestones`` milestones, built when missing.
    The runner pins the paths it built in ``MILEBILL_BENCH_BOOKS`` (JSON), so
    a colleague's template change during a run does not rebuild mid-way."""
    pinned = json.loads(os.environ.get("MILEBILL_BENCH_BOOKS", "{}")).get(str(n_milestones))
    if pinned:
        return Path(pinned)
    path = CACHE / f"portfolio-{n_milestones}-{_code_hash()}.xlsx"
    if not path.exists():
        for stale in CACHE.glob(f"portfolio-{n_milestones}-*.xlsx"):
            stale.unlink()   # built by older code
        from milebill_xl.template.builder import build_workbook
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".building.xlsx")
        build_workbook(tmp, **portfolio(n_milestones))
        tmp.replace(path)
    return path
