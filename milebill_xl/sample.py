"""A sample portfolio: realistic rows for the demo, the docs and the tests.

``sample_portfolio(as_of)`` returns ``{"settings", "projects", "milestones",
"invoices", "payments", "audit"}`` (dicts keyed by contract headers, inputs
only), ready for ``template.builder.build_workbook(path, **rows)``. Dates
are relative to ``as_of`` so every flag keeps its meaning whenever the demo
runs; set Settings ``As Of Date`` to ``as_of`` to reproduce it exactly.

What it shows, as of ``as_of`` (flag per milestone):

- P-100 Website relaunch, USD, Net 30: M-101 ``Paid``, M-102 ``Overdue``
  (invoice partly paid), M-103 ``Ready to Invoice``, M-104 ``Scheduled``.
- P-200 ERP rollout, EUR, 19 % VAT, ``2/10 Net 30``: a fixed kickoff
  M-201 ``Due Soon``, M-202 ``Invoiced``, M-203 ``Approval Overdue``,
  M-204 ``Behind Schedule``.
- P-300 Plant sensors, JPY (0 digits), three 1/3 splits of 10,000,001:
  M-301 ``Rejected`` (its invoice was voided by a credit note), M-302
  ``Awaiting Approval``, M-303 ``Scheduled``.
- P-400 Harbour survey, KWD (3 digits), a *change order*: the contract
  grew from 40,000.000 to 45,250.500 after M-401 was invoiced at 30 % of the
  old value (12,000.000, ``Paid``); the remainder is re-spread over M-402
  (``Ready to Invoice``) and M-403 (``Scheduled``) by rule 10.
- P-500 Data migration, USD: its schedule allocates 80 % (under by
  10,000.00), so the approved M-501 is ``Blocked``; M-502 ``Scheduled``,
  M-503 ``Cancelled``.

``sample_inputs(as_of)`` has the same projects and milestones with nothing
issued (no invoices, payments, or invoice columns) and M-503 not yet
descoped, so every schedule adds up: what ``milebill new --demo`` writes
and where ``milebill demo`` starts.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

D = Decimal

SELLER = {
    "Company": "Northwind Engineering Ltd",
    "Company Address": "12 Harbour Street\nBristol BS1 4QA\nUnited Kingdom",
    "Company Tax ID": "GB 123 4567 89",
    "Company Email": "billing@northwind-engineering.example",
    "Bank Details": ("Northwind Engineering Ltd, Example Bank plc\n"
                     "IBAN GB29 NWBK 6016 1331 9268 19, BIC NWBKGB2L"),
    "Default Currency": "USD",
    "Default Payment Terms": "Net 30",
    "Default Tax Rate": D("0"),
    "Due Soon Days": 7,
    "Approval SLA Days": 5,
}


def _projects() -> list[dict]:
    return [
        {"Project ID": "P-100", "Project": "Website relaunch", "Client": "Acme Retail Inc.",
         "Client Email": "ap@acme-retail.example", "Client Address": "500 Market St\nSan Francisco, CA 94105\nUSA",
         "PO Number": "PO-77120", "Contract Value": D("120000.00"), "Currency": "USD",
         "Tax Rate": D("0"), "Payment Terms": "Net 30", "Retainage %": D("0")},
        {"Project ID": "P-200", "Project": "ERP rollout", "Client": "Bergmann Logistik GmbH",
         "Client Email": "rechnungen@bergmann.example", "Client Address": "Hafenstraße 8\n20457 Hamburg\nGermany",
         "PO Number": "4500091234", "Contract Value": D("250000.00"), "Currency": "EUR",
         "Tax Rate": D("0.19"), "Payment Terms": "2/10 Net 30", "Retainage %": D("0")},
        {"Project ID": "P-300", "Project": "Plant sensors", "Client": "Sakura Manufacturing K.K.",
         "Client Email": "keiri@sakura-mfg.example", "Client Address": "1-2-3 Marunouchi\nChiyoda-ku, Tokyo 100-0005\nJapan",
         "PO Number": "SK-2291", "Contract Value": D("10000001"), "Currency": "JPY",
         "Tax Rate": D("0.10"), "Payment Terms": "Net 45", "Retainage %": D("0")},
        {"Project ID": "P-400", "Project": "Harbour survey (CO-1: +5,250.500)",
         "Client": "Gulf Ports Authority", "Client Email": "finance@gulfports.example",
         "Client Address": "Shuwaikh Port\nKuwait City\nKuwait",
         "PO Number": "GPA-0042", "Contract Value": D("45250.500"), "Currency": "KWD",
         "Tax Rate": D("0"), "Payment Terms": "Net 30", "Retainage %": D("0")},
        {"Project ID": "P-500", "Project": "Data migration", "Client": "Acme Retail Inc.",
         "Client Email": "ap@acme-retail.example", "Client Address": "500 Market St\nSan Francisco, CA 94105\nUSA",
         "PO Number": "PO-77188", "Contract Value": D("50000.00"), "Currency": "",
         "Tax Rate": None, "Payment Terms": "", "Retainage %": None},
    ]


def _m(mid, pid, name, planned, basis, share, status="Planned", completed=None,
       approval="Pending", by="", approved=None, notes="", deliverable=""):
    return {
        "Milestone ID": mid, "Project ID": pid, "Milestone": name,
        "Deliverable": deliverable or f"{name}: signed acceptance certificate",
        "Planned Date": planned, "Basis": basis,
        "Percent": share if basis in ("Percent", "Deposit") else None,
        "Fixed Amount": share if basis == "Fixed" else None,
        "Status": status, "Completed Date": completed, "Approval": approval,
        "Approved By": by, "Approval Date": approved, "Approval Notes": notes,
    }


def _milestones(a: date) -> list[dict]:
    d = lambda n: a + timedelta(days=n)  # noqa: E731
    third = 1 / 3
    return [
        _m("M-101", "P-100", "Discovery", d(-80), "Percent", D("0.20"), "Complete", d(-78),
           "Approved", "J. Rivera", d(-76)),
        _m("M-102", "P-100", "Design sign-off", d(-45), "Percent", D("0.30"), "Complete", d(-43),
           "Approved", "J. Rivera", d(-41)),
        _m("M-103", "P-100", "Build complete", d(-3), "Percent", D("0.30"), "Complete", d(-4),
           "Approved", "J. Rivera", d(-2)),
        _m("M-104", "P-100", "Launch", d(40), "Percent", D("0.20")),
        _m("M-201", "P-200", "Kickoff", d(-30), "Fixed", D("25000.00"), "Complete", d(-28),
           "Approved", "K. Bergmann", d(-26)),
        _m("M-202", "P-200", "Blueprint", d(-14), "Percent", D("0.30"), "Complete", d(-13),
           "Approved", "K. Bergmann", d(-11)),
        _m("M-203", "P-200", "Configuration", d(-12), "Percent", D("0.30"), "Complete", d(-10)),
        _m("M-204", "P-200", "Go-live", d(-5), "Percent", D("0.30"), "In Progress"),
        _m("M-301", "P-300", "Site survey", d(-55), "Percent", third, "Complete", d(-53),
           "Rejected", "H. Sato", d(-18),
           "Invoice voided by credit note: survey report incomplete, resubmit"),
        _m("M-302", "P-300", "Sensor installation", d(-3), "Percent", third, "Complete", d(-2)),
        _m("M-303", "P-300", "Commissioning", d(30), "Percent", third),
        _m("M-401", "P-400", "Mobilisation", d(-65), "Percent", D("0.30"), "Complete", d(-64),
           "Approved", "A. Al-Sabah", d(-62)),
        _m("M-402", "P-400", "Bathymetric survey", d(-6), "Percent", D("0.40"), "Complete", d(-6),
           "Approved", "A. Al-Sabah", d(-4), "Includes change order CO-1 scope"),
        _m("M-403", "P-400", "Final report", d(60), "Percent", D("0.30")),
        _m("M-501", "P-500", "Data mapping", d(-8), "Percent", D("0.40"), "Complete", d(-9),
           "Approved", "J. Rivera", d(-7)),
        _m("M-502", "P-500", "Cut-over", d(100), "Percent", D("0.40")),
        _m("M-503", "P-500", "Legacy archive", d(20), "Percent", D("0.20"), "Cancelled",
           notes="Descoped by client; schedule to be re-planned"),
    ]


def construction_project(as_of: date) -> dict:
    """P-600 Depot construction (USD, 8 % tax, 10 % retention) with a 15 %
    deposit, nothing issued or approved yet: the demo bills it. Its
    figures: deposit 12,000.00 + 960.00 tax = 12,960.00; Foundations and
    Structure (25 % each) 20,000.00 less 2,000.00 retention less 3,000.00
    deposit recovered plus 1,200.00 tax = 16,200.00; Handover (50 %)
    40,000.00 less 4,000.00 less the rest of the deposit 6,000.00 plus
    2,400.00 = 32,400.00; the release 8,000.00 + 640.00 = 8,640.00. The
    client pays 86,400.00 in all: the contract and its tax."""
    d = lambda n: as_of + timedelta(days=n)  # noqa: E731
    project = {"Project ID": "P-600", "Project": "Depot construction",
               "Client": "Harbourside Developments LLC", "Client Email": "ap@harbourside.example",
               "Client Address": "88 Wharf Road\nBaltimore, MD 21231\nUSA", "PO Number": "HD-6120",
               "Contract Value": D("80000.00"), "Currency": "USD", "Tax Rate": D("0.08"),
               "Payment Terms": "Net 30", "Retainage %": D("0.10")}
    milestones = [
        _m("M-600", "P-600", "Deposit on signing", d(-70), "Deposit", D("0.15"), "Complete",
           d(-70), deliverable="Signed contract"),
        _m("M-601", "P-600", "Foundations", d(-40), "Percent", D("0.25"), "Complete", d(-42)),
        _m("M-602", "P-600", "Structure", d(-10), "Percent", D("0.25"), "Complete", d(-12)),
        _m("M-603", "P-600", "Handover", d(-3), "Percent", D("0.50"), "Complete", d(-4)),
    ]
    return {"project": project, "milestones": milestones}


def _inv_no(seq: int, issued: date) -> str:
    return f"INV-{issued.year}-{seq:04d}"


def sample_portfolio(as_of: date) -> dict:
    """Settings, projects, milestones, invoices (one voided by a credit
    note), payments and audit rows of a portfolio in four currencies."""
    a = as_of
    d = lambda n: a + timedelta(days=n)  # noqa: E731
    projects = _projects()
    milestones = _milestones(a)
    by_id = {m["Milestone ID"]: m for m in milestones}
    client = {p["Project ID"]: p["Client"] for p in projects}

    # (seq, milestone, project, currency, net, tax, issue offset, due offset)
    issued = [
        (1, "M-101", "P-100", "USD", D("24000.00"), D("0.00"), -75, -45),
        (2, "M-401", "P-400", "KWD", D("12000.000"), D("0.000"), -60, -30),
        (3, "M-301", "P-300", "JPY", D("3333334"), D("333333"), -50, -5),
        (4, "M-102", "P-100", "USD", D("36000.00"), D("0.00"), -40, -10),
        (5, "M-201", "P-200", "EUR", D("25000.00"), D("4750.00"), -25, 5),
        (6, "M-202", "P-200", "EUR", D("75000.00"), D("14250.00"), -10, 20),
    ]
    invoices, numbers = [], {}
    for seq, mid, pid, cur, net, tax, iss, due in issued:
        no = _inv_no(seq, d(iss))
        numbers[mid] = no
        invoices.append({
            "Invoice No": no, "Type": "Invoice", "Issue Date": d(iss), "Due Date": d(due),
            "Project ID": pid, "Milestone ID": mid, "Client": client[pid], "Currency": cur,
            "Net": net, "Tax": tax, "Total": net + tax, "Document": f"{no}.docx",
            "Related Invoice": ""})
        if mid != "M-301":  # voided: the milestone's invoice columns were cleared
            by_id[mid].update({"Invoice No": no, "Invoice Date": d(iss), "Due Date": d(due)})
    void_date = d(-20)
    cn = f"CN-{void_date.year}-0001"
    voided = invoices[2]
    invoices.append({
        "Invoice No": cn, "Type": "Credit Note", "Issue Date": void_date, "Due Date": void_date,
        "Project ID": "P-300", "Milestone ID": "M-301", "Client": client["P-300"], "Currency": "JPY",
        "Net": -voided["Net"], "Tax": -voided["Tax"], "Total": -voided["Total"],
        "Document": f"{cn}.docx", "Related Invoice": voided["Invoice No"]})

    payments = [
        {"Payment Date": d(-50), "Invoice No": numbers["M-101"], "Amount": D("24000.00"),
         "Reference": "WIRE 20931"},
        {"Payment Date": d(-35), "Invoice No": numbers["M-401"], "Amount": D("12000.000"),
         "Reference": "KFH TT 5518"},
        {"Payment Date": d(-12), "Invoice No": numbers["M-102"], "Amount": D("10000.00"),
         "Reference": "ACH 88213 (partial)"},
    ]

    def stamp(day: date, hour: int) -> str:
        return datetime.combine(day, time(hour, 0)).isoformat(timespec="seconds")

    audit = []
    for seq, mid, pid, cur, net, tax, iss, due in issued:
        audit.append({"Timestamp": stamp(d(iss), 9), "User": "finance", "Action": "issue",
                      "Reference": _inv_no(seq, d(iss)),
                      "Detail": f"{mid} ({pid}) net {net} {cur}, tax {tax}"})
    for p in payments:
        audit.append({"Timestamp": stamp(p["Payment Date"], 15), "User": "finance",
                      "Action": "payment", "Reference": p["Invoice No"],
                      "Detail": f"{p['Amount']} received, {p['Reference']}"})
    audit.append({"Timestamp": stamp(void_date, 11), "User": "finance", "Action": "void",
                  "Reference": voided["Invoice No"],
                  "Detail": f"credit note {cn}: survey report incomplete"})
    audit.append({"Timestamp": stamp(d(-15), 10), "User": "finance", "Action": "re-plan",
                  "Reference": "P-400",
                  "Detail": "Change order CO-1: Contract Value 40,000.000 -> 45,250.500 KWD"})
    audit.sort(key=lambda r: r["Timestamp"])

    settings = dict(SELLER)
    settings["Next Invoice Seq"] = len(issued) + 1
    settings["Next Credit Note Seq"] = 2
    return {"settings": settings, "projects": projects, "milestones": milestones,
            "invoices": invoices, "payments": payments, "audit": audit}


def sample_inputs(as_of: date) -> dict:
    """The same projects and milestones with nothing issued yet."""
    settings = dict(SELLER)
    settings["Next Invoice Seq"] = 1
    settings["Next Credit Note Seq"] = 1
    milestones = _milestones(as_of)
    for m in milestones:
        if m["Milestone ID"] == "M-503":  # not descoped yet: P-500's schedule adds up
            m.update({"Status": "Planned", "Approval Notes": ""})
    return {"settings": settings, "projects": _projects(), "milestones": milestones,
            "invoices": [], "payments": [], "audit": []}
