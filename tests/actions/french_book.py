"""A French seller's book (issue 14's acceptance case): a French client at
the standard 20 % (one milestone at the reduced 10 % of renovation work), a
Spanish client under the reverse charge and a Swiss client under export,
all in euros, every milestone ready to invoice on 2026-06-30."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from milebill_xl.template.builder import build_workbook

AS_OF = date(2026, 6, 30)
D = Decimal

SELLER = {
    "Company": "Atelier Lumière SARL", "Company Address": "12 rue de la Paix\n75002 Paris",
    "Company Tax ID": "FR40303265045", "Company Email": "factures@atelier-lumiere.example",
    "Bank Details": "BNP Paribas, agence Opéra", "Default Currency": "EUR",
    "Company Country": "FR", "IBAN": "FR76 3000 6000 0112 3456 7890 189", "BIC": "BNPAFRPPXXX",
    "As Of Date": AS_OF,
}

PROJECTS = [
    {"Project ID": "FR1", "Project": "Boutique refit", "Client": "Maison Dupont SA",
     "Client Email": "compta@dupont.example", "Client Address": "8 avenue Foch\n69006 Lyon",
     "PO Number": "PO-2026-117", "Contract Value": D("12000.00"), "Currency": "EUR",
     "Tax Rate": D("0.2"), "Payment Terms": "Net 30", "Client Tax ID": "FR23334175221",
     "Client Country": "FR", "Tax Category": "Standard"},
    {"Project ID": "ES1", "Project": "Showroom lighting", "Client": "Iluminaciones Ibéricas SL",
     "Client Email": "facturas@iberica.example", "Client Address": "Calle Mayor 5\n28013 Madrid",
     "Contract Value": D("8000.00"), "Currency": "EUR", "Tax Rate": D("0"),
     "Payment Terms": "Net 45", "Client Tax ID": "ESB58378431", "Client Country": "ES",
     "Tax Category": "Reverse charge"},
    {"Project ID": "CH1", "Project": "Gallery fit-out", "Client": "Galerie Zürich AG",
     "Client Email": "buchhaltung@galerie.example", "Client Address": "Bahnhofstrasse 10\n8001 Zürich",
     "PO Number": "BE-4471", "Contract Value": D("5000.00"), "Currency": "EUR",
     "Tax Rate": D("0"), "Payment Terms": "2/10 Net 30", "Client Tax ID": "CHE-116.281.710 MWST",
     "Client Country": "CH", "Tax Category": "Export"},
]


def _done(mid, pid, name, percent, completed, **extra):
    return {"Milestone ID": mid, "Project ID": pid, "Milestone": name, "Basis": "Percent",
            "Percent": D(percent), "Status": "Complete", "Completed Date": completed,
            "Approval": "Approved", "Deliverable": f"{name} signed off", **extra}


MILESTONES = [
    _done("FR1-1", "FR1", "Design", "0.4", date(2026, 6, 10)),
    _done("FR1-2", "FR1", "Renovation works", "0.6", date(2026, 6, 20), **{"Tax Rate": D("0.1")}),
    _done("ES1-1", "ES1", "Survey", "0.5", date(2026, 6, 15)),
    {"Milestone ID": "ES1-2", "Project ID": "ES1", "Milestone": "Installation", "Basis": "Percent",
     "Percent": D("0.5"), "Status": "Planned", "Planned Date": date(2026, 9, 1)},
    _done("CH1-1", "CH1", "Fit-out", "1", date(2026, 6, 25)),
]


def french_book(path: Path, fmt: str = "None", projects=None, **settings) -> Path:
    return build_workbook(path, settings={**SELLER, "E-Invoice Format": fmt, **settings},
                          projects=PROJECTS if projects is None else projects,
                          milestones=MILESTONES)
