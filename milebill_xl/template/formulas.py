"""The template's Excel formulas, as text, one per computed table column.

Each formula implements a rule of docs/DESIGN.md exactly as
``milebill_xl.core.engine`` does, so Excel (or LibreOffice) and the Python
engine agree to the cent. Formulas are stored in Excel's *file* form:
structured references spelled out (``tblMilestones[[#This Row],[Percent]]``,
never ``[@Percent]``), no leading ``=``, and only functions Excel 2007 knows
(IF, IFERROR, INDEX, MATCH, SUMIFS, COUNTIFS, ROUND, FIXED, EOMONTH), so no
``_xlfn.`` prefixes are needed and LibreOffice 7.4 evaluates them as well.

Every formula is the same text on every row (``#This Row``), so it is also
the table column's ``calculatedColumnFormula``: Excel fills it into rows a
user adds. On a row whose key (Project ID, Milestone ID, Invoice No) is blank
each formula gives ``""``, never an error value.

Helper columns (``contract.PROJECT_EXTRA`` and friends) come after the
contract's columns and keep the long rules readable. The dependency graph
between columns is acyclic even at whole-column granularity:

    Milestones[Weight, Fixed Part, Issued Net, Plan Amount]  (inputs, Projects[Digits])
      -> Projects[Unissued Percent, Unissued Fixed, Issued Net, Remainder, Drift]
      -> Milestones[Amount]  -> Projects[Allocated, Schedule]
      -> Milestones[Billable, Flag]
    Payments[Amount, Kind] -> Invoices[Paid, Balance, Status] -> Projects[Billed, ...]
                                                -> Milestones[Paid Amount, ...]
"""
from __future__ import annotations

from ..core import words as W
from ..core.deposits import deposit_problems_formula
from ..core.tax import vat_problems_formula
from ..core.flags import billable_formula, days_overdue_formula, flag_formula
from ..core.invoices import invoice_figures_formulas
from ..core.money import round_share_formula as round_share
from ..workbook import contract as C

P, M, I, PAY, CUR = (C.PROJECTS.name, C.MILESTONES.name, C.INVOICES.name,
                     C.PAYMENTS.name, C.CURRENCIES.name)

#: the as-of date every formula uses (defined name)
AS_OF = C.AS_OF_NAME
DEFAULT_CURRENCY = C.SETTING_NAMES["Default Currency"]
DUE_SOON_DAYS = C.SETTING_NAMES["Due Soon Days"]
APPROVAL_SLA_DAYS = C.SETTING_NAMES["Approval SLA Days"]
DEFAULT_TERMS = C.SETTING_NAMES["Default Payment Terms"]
DEFAULT_TAX_RATE = C.SETTING_NAMES["Default Tax Rate"]
#: Projects column -> (Project field, the setting name it defaults to): a
#: blank cell shows the default through a formula (refresh writes it)
PROJECT_DEFAULTS = {
    "Currency": ("currency", DEFAULT_CURRENCY),
    "Tax Rate": ("tax_rate", DEFAULT_TAX_RATE),
    "Payment Terms": ("payment_terms", DEFAULT_TERMS),
}
#: digits used when a currency is not in tblCurrencies (the engine reports it)
FALLBACK_DIGITS = 2


def _esc(column: str) -> str:
    """Escape a header for use inside a structured reference."""
    out = []
    for ch in column:
        if ch in "[]#'":
            out.append("'")
        out.append(ch)
    return "".join(out)


def col(table: str, column: str) -> str:
    """The whole data column: ``tblX[Column]``."""
    return f"{table}[{_esc(column)}]"


def this(table: str, column: str) -> str:
    """This row's cell: ``tblX[[#This Row],[Column]]``."""
    return f"{table}[[#This Row],[{_esc(column)}]]"


def upto(table: str, column: str) -> str:
    """From the first data row down to this row (a growing range)."""
    return f"INDEX({col(table, column)},1):{this(table, column)}"


q = W.excel   # a word as an Excel string literal


def digits_of(currency_expr: str) -> str:
    """Minor-unit digits of a currency code, from tblCurrencies."""
    return (f"IFERROR(INDEX({col(CUR, 'Digits')},MATCH({currency_expr},"
            f"{col(CUR, 'Currency')},0)),{FALLBACK_DIGITS})")


# ------------------------------------------------------------ payment terms

def _strip_digits(s: str) -> str:
    """``s`` with every digit removed: "" means ``s`` is all digits."""
    for k in range(10):
        s = f'SUBSTITUTE({s},"{k}","")'
    return s


def _digits(s: str, most: int) -> str:
    """``s`` is 1 to ``most`` digits (errors count as no)."""
    return f'IFERROR(AND(LEN({s})>=1,LEN({s})<={most},{_strip_digits(s)}=""),FALSE)'


def _terms_key(terms: str) -> str:
    """Terms text (blank: Default Payment Terms) lower-cased, spaces,
    non-breaking spaces and tabs removed, as core/terms.py reads it."""
    text = f'IF({terms}="",{DEFAULT_TERMS},{terms})'
    for ch in ('" "', "CHAR(160)", "CHAR(9)", "CHAR(10)", "CHAR(13)"):
        text = f"SUBSTITUTE({text},{ch},\"\")"
    return f"LOWER({text})"


def _terms_ok(k: str) -> str:
    """Is the terms key one of: dueonreceipt, eom, netN, netNeom, D/Nnet M
    (N, M up to 4 digits; D = 1-3 digits with optional decimals, or .d, < 100)."""
    slash = f'IFERROR(FIND("/",{k}),0)'
    net = f'IFERROR(FIND("net",{k}),0)'
    d = f"LEFT({k},{slash}-1)"
    whole = f'IFERROR(LEFT({d},FIND(".",{d})-1),{d})'
    frac = f'IFERROR(MID({d},FIND(".",{d})+1,99),"")'
    has_dot = f'ISNUMBER(FIND(".",{d}))'
    d_ok = (f'IFERROR(AND(LEN({d})>=1,LEN({whole})<=3,{_strip_digits(whole)}="",'
            f'{_strip_digits(frac)}="",OR(NOT({has_dot}),LEN({frac})>=1),'
            f'OR(LEN({whole})>=1,{has_dot}),VALUE({d})<100),FALSE)')
    discount = (f'IFERROR(AND({slash}>1,{net}>{slash}+1,{d_ok},'
                f'{_digits(f"MID({k},{slash}+1,{net}-{slash}-1)", 4)},'
                f'{_digits(f"MID({k},{net}+3,99)", 4)}),FALSE)')
    net_n = f'IFERROR(AND(LEFT({k},3)="net",{_digits(f"MID({k},4,99)", 4)}),FALSE)'
    net_eom = (f'IFERROR(AND(LEFT({k},3)="net",RIGHT({k},3)="eom",'
               f'{_digits(f"MID({k},4,LEN({k})-6)", 4)}),FALSE)')
    return f'OR({k}="dueonreceipt",{k}="eom",{net_n},{net_eom},{discount})'


# ---------------------------------------------------------------- Projects

def _project_formulas(absent: frozenset[tuple[str, str]] | set = frozenset()) -> dict[str, str]:
    """``absent``: optional columns, as (table, column), this workbook lacks
    (Projects' Retention Held is then not written; a missing Invoices
    Retention or Deposit Applied reads as 0)."""
    t = lambda c: this(P, c)  # noqa: E731
    pid = t("Project ID")
    blank = f'IF({pid}="","",'
    mp = col(M, "Project ID")
    inv_p = col(I, "Project ID")
    v = f"N({t('Contract Value')})"
    d = t("Digits")
    # the schedule's milestones: a deposit sits outside it (core/deposits.py)
    schedule = f'{col(M, "Eff Basis")},{q("<>" + W.DEPOSIT)}'
    not_void = f'{col(I, "Status")},{q("<>" + W.VOID)}'
    live_invoices = f'{inv_p},{pid},{col(I, "Type")},{q(W.INVOICE)},{not_void}'
    recovered = ("" if (I, "Deposit Applied") in absent
                 else f'-SUMIFS({col(I, "Deposit Applied")},{live_invoices})')
    held = ("0" if (I, "Retention") in absent else
            f'SUMIFS({col(I, "Retention")},{live_invoices})'
            f'-SUMIFS({col(I, "Net")},{inv_p},{pid},{col(I, "Type")},{q(W.RETENTION_RELEASE)},'
            f'{not_void})')
    # a contract value finer than its currency (1.745 USD) differs from the
    # allocation by an exact half that binary subtraction leaves a hair
    # below: rounded in two steps, as the engine rounds it
    # VAT particulars that stop billing (core/tax.py), where the workbook
    # has the columns: a book without Tax Category is all Standard
    vat_ok = "" if (P, "Tax Category") in absent else ",NOT(" + vat_problems_formula(
        t("Tax Category"), t("Eff Tax Rate"),
        '""' if (P, "Client Tax ID") in absent else t("Client Tax ID"),
        '""' if (P, "Client Country") in absent else t("Client Country"),
        f"{mp},{pid}", None if (M, "Tax Rate") in absent else col(M, "Tax Rate"),
        col(M, "Invoice No"), col(M, "Status"),
        C.SETTING_NAMES["Company Tax ID"], C.SETTING_NAMES["Company Country"]) + ")"
    under = round_share(f'{v}-{t("Allocated")}', d)
    over = round_share(f'{t("Allocated")}-{v}', d)
    f = {
        # effective currency: blank takes Settings Default Currency
        "Eff Currency": f'{blank}IF({t("Currency")}="",{DEFAULT_CURRENCY},{t("Currency")}))',
        "Digits": f'{blank}{digits_of(t("Eff Currency"))})',
        # sum of the Net of issued, non-cancelled milestones (rule 10)
        "Issued Net": f'{blank}ROUND(SUMIFS({col(M, "Issued Net")},{mp},{pid},{schedule}),{d}))',
        # sum of round(Fixed Amount) of unissued, non-cancelled fixed milestones
        "Unissued Fixed": f'{blank}ROUND(SUMIFS({col(M, "Fixed Part")},{mp},{pid}),{d}))',
        # S: sum of the percents of unissued, non-cancelled percent milestones
        "Unissued Percent": f'{blank}SUMIFS({col(M, "Weight")},{mp},{pid}))',
        # any milestone of the project carries an Invoice No (rule 10 applies)
        "Has Issued": (f'{blank}COUNTIFS({mp},{pid},{col(M, "Invoice Row")},">0",'
                       f'{col(M, "Status")},{q("<>" + W.CANCELLED)},{schedule})>0)'),
        # R = V - issued - unissued fixed: what the percent milestones share
        "Remainder": f'{blank}ROUND({v}-{t("Issued Net")}-{t("Unissued Fixed")},{d}))',
        # rule 10's drift: R - the unissued percent milestones' plan amounts
        # (0 until something is issued; 0 while nothing changed since)
        "Drift": (f'{blank}IF({t("Has Issued")},ROUND({t("Remainder")}'
                  f'-SUMIFS({col(M, "Plan Amount")},{mp},{pid}),{d}),0))'),
        # schedule check (rule 2): OK, or under/over by the difference
        "Schedule": (
            f'{blank}IF(COUNTIFS({mp},{pid},{col(M, "Amount")},"<0",{schedule})>0,"Negative amount",'
            f'IF({t("Allocated")}={v},"OK",'
            f'IF({t("Allocated")}<{v},"Under by "&FIXED({under},{d}),'
            f'"Over by "&FIXED({over},{d})))))'),
        # payment terms (rule 5) lower-cased without spaces, and understood?
        "Terms Key": f'{blank}{_terms_key(t("Payment Terms"))})',
        "Terms OK": f'{blank}{_terms_ok(t("Terms Key"))})',
        # the project can bill: schedule passes, currency known, terms
        # understood, no deposit problem
        "Can Bill": (f'{blank}AND({t("Schedule")}="OK",{t("Terms OK")},'
                     f'ISNUMBER(MATCH({t("Eff Currency")},{col(CUR, "Currency")},0)),'
                     f'NOT({deposit_problems_formula(f"{mp},{pid}", col(M, "Eff Basis"), col(M, "Status"), col(M, "Invoice Row"), col(M, "Amount"), v, "N(" + t("Retainage %") + ")")}){vat_ok})'),
        # the project's tax rate: blank takes Settings Default Tax Rate
        "Eff Tax Rate": (f'{blank}IF(ISNUMBER({t("Tax Rate")}),{t("Tax Rate")},'
                         f'N({DEFAULT_TAX_RATE})))'),
        # contract columns
        "Allocated": f'{blank}ROUND(SUMIFS({col(M, "Amount")},{mp},{pid},{schedule}),{d}))',
        # the work once: invoiced Net less the deposit the invoices recovered
        "Billed": f'{blank}ROUND(SUMIFS({col(I, "Net")},{live_invoices}){recovered},{d}))',
        "Unbilled": f'{blank}ROUND({v}-{t("Billed")},{d}))',
        "Collected": f'{blank}ROUND(SUMIFS({col(I, "Paid")},{inv_p},{pid}),{d}))',
        "Outstanding": (f'{blank}ROUND(SUMIFS({col(I, "Balance")},{inv_p},{pid},'
                        f'{col(I, "Status")},{q("<>" + W.VOID)}),{d}))'),
        # retention withheld by the invoices less what releases paid out
        "Retention Held": f'{blank}ROUND({held},{d}))',
    }
    if (P, "Retention Held") in absent:
        del f["Retention Held"]
    return f


# -------------------------------------------------------------- Milestones

def _milestone_formulas(requested: bool = True, own_rate: bool = True) -> dict[str, str]:
    """``requested``: the table has the ``Approval Requested`` column (an
    older workbook may not; then the wait counts from Completed Date);
    ``own_rate``: it has the ``Tax Rate`` column (else every milestone
    takes its project's rate)."""
    t = lambda c: this(M, c)  # noqa: E731
    mid = t("Milestone ID")
    blank = f'IF({mid}="","",'
    inv = t("Invoice No")
    status = t("Status")
    pr = t("Project Row")
    ir = t("Invoice Row")
    d = t("Digits")
    basis = t("Eff Basis")
    approval = t("Approval")
    cancelled = f'{status}={q(W.CANCELLED)}'
    # "issued" for allocation: its Invoice No has a row in tblInvoices (a
    # dangling Invoice No is allocated as planned, as the engine does)
    unissued_live = f'{ir}=0,NOT({cancelled})'
    proj = lambda c: f"INDEX({col(P, c)},{pr})"  # noqa: E731
    w, cum = t("Weight"), t("Cum Weight")
    pw, pcum = t("Plan Weight"), t("Plan Cum Weight")
    # rule 1 on the whole schedule (issued included): round(V*P_k) - round(V*P_{k-1})
    value = proj("Contract Value")
    plan = f"{round_share(f'{value}*{pcum}', d)}-{round_share(f'{value}*({pcum}-{pw})', d)}"
    # rule 10: plan amount + share of the drift, round(D*Q_k/S) - round(D*Q_{k-1}/S);
    # nothing when nothing is left (R = 0 after an issue)
    drift, s = proj("Drift"), proj("Unissued Percent")
    share = (f"IF({s}=0,0,{round_share(f'{drift}*{cum}/{s}', d)}"
             f"-{round_share(f'{drift}*({cum}-{w})/{s}', d)})")
    spread = f"IF(AND({proj('Has Issued')},{proj('Remainder')}=0),0,{t('Plan Amount')}+{share})"
    due = t("Eff Due Date")
    complete = f'{status}={q(W.COMPLETE)}'
    inv_due = f'INDEX({col(I, "Due Date")},{ir})'
    # approval is awaited since the later of Completed Date and Approval
    # Requested (a void asks again); 0 when both are blank
    since = (f'MAX(N({t("Completed Date")}),N({t("Approval Requested")}))' if requested
             else f'N({t("Completed Date")})')
    project_rate = f'IF({pr}=0,N({DEFAULT_TAX_RATE}),{proj("Eff Tax Rate")})'
    own_or_project = (f'IF(ISNUMBER({t("Tax Rate")}),{t("Tax Rate")},{project_rate})' if own_rate
                      else project_rate)
    f = {
        # helpers
        "Project Row": f'{blank}IFERROR(MATCH({t("Project ID")},{col(P, "Project ID")},0),0))',
        "Invoice Row": f'{blank}IF({inv}="",0,IFERROR(MATCH({inv},{col(I, "Invoice No")},0),0)))',
        "Project Currency": f'{blank}IF({pr}=0,{DEFAULT_CURRENCY},{proj("Eff Currency")}))',
        "Digits": f'{blank}IF({pr}=0,{FALLBACK_DIGITS},{proj("Digits")}))',
        # blank Basis: Fixed when only Fixed Amount is filled, else Percent
        "Eff Basis": (f'{blank}IF({t("Basis")}<>"",{t("Basis")},IF(AND(ISNUMBER({t("Fixed Amount")}),'
                      f'NOT(ISNUMBER({t("Percent")}))),{q(W.FIXED)},{q(W.PERCENT)})))'),
        # the milestone's Due Date, else its invoice's
        "Eff Due Date": (f'{blank}IF(ISNUMBER({t("Due Date")}),{t("Due Date")},'
                         f'IF({ir}=0,"",IF(ISNUMBER({inv_due}),{inv_due},""))))'),
        "Issued Net": (f'{blank}IF(AND({ir}>0,NOT({cancelled})),'
                       f'N(INDEX({col(I, "Net")},{ir})),0))'),
        "Fixed Part": (f'{blank}IF(AND({unissued_live},{basis}={q(W.FIXED)}),'
                       f'ROUND(N({t("Fixed Amount")}),{d}),0))'),
        "Weight": f'{blank}IF(AND({unissued_live},{basis}={q(W.PERCENT)}),N({t("Percent")}),0))',
        "Cum Weight": (f'{blank}IF({w}=0,0,SUMIFS({upto(M, "Weight")},'
                       f'{upto(M, "Project ID")},{t("Project ID")})))'),
        # percents of every non-cancelled percent milestone, issued or not (plan)
        "Plan Weight": (f'{blank}IF(AND(NOT({cancelled}),{basis}={q(W.PERCENT)}),N({t("Percent")}),0))'),
        "Plan Cum Weight": (f'{blank}IF({pw}=0,0,SUMIFS({upto(M, "Plan Weight")},'
                            f'{upto(M, "Project ID")},{t("Project ID")})))'),
        # an unissued percent milestone's rule-1 amount on the current schedule
        "Plan Amount": f'{blank}IF(OR({w}=0,{pr}=0),0,{plan}))',
        # the rate its invoice is taxed at: its own Tax Rate, else its project's
        "Eff Tax Rate": f'{blank}{own_or_project})',
        # days from completion to approval (cash metrics: their average)
        "Approval Days": (f'{blank}IF(AND({approval}={q(W.APPROVED)},ISNUMBER({t("Approval Date")}),'
                          f'ISNUMBER({t("Completed Date")})),'
                          f'{t("Approval Date")}-{t("Completed Date")},""))'),
        "Billable": (f'{blank}' + billable_formula(complete, approval, inv, t("Amount"),
                                                   f'IF({pr}>0,{proj("Can Bill")},FALSE)') + ")"),
        # contract columns
        # a deposit: its Percent of the contract value, else its Fixed Amount
        "Amount": (f'{blank}IF({cancelled},0,IF({ir}>0,{t("Issued Net")},'
                   f'IF({basis}={q(W.FIXED)},ROUND(N({t("Fixed Amount")}),{d}),'
                   f'IF({basis}={q(W.DEPOSIT)},IF({pr}=0,0,ROUND(IF(N({t("Percent")})<>0,'
                   f'{proj("Contract Value")}*{t("Percent")},N({t("Fixed Amount")})),{d})),'
                   f'IF(OR({w}=0,{pr}=0),0,{spread}))))))'),
        "Paid Amount": f'{blank}IF({ir}=0,0,N(INDEX({col(I, "Paid")},{ir}))))',
        "Balance": f'{blank}IF({ir}=0,0,N(INDEX({col(I, "Balance")},{ir}))))',
        "Days Overdue": f'{blank}' + days_overdue_formula(f"{ir}>0", t("Balance"), due, AS_OF) + ")",
        "Flag": f'{blank}' + flag_formula(
            status=status, approval=approval, invoice_no=inv, invoice_missing=f"{ir}=0",
            balance=t("Balance"), overdue_days=t("Days Overdue"), due=due,
            billable=t("Billable"), since=since, planned_date=t("Planned Date"), as_of=AS_OF,
            due_soon_days=DUE_SOON_DAYS, sla_days=APPROVAL_SLA_DAYS) + ")",
    }
    return f


# ---------------------------------------------------------------- Invoices

def _invoice_formulas(kind: bool = True) -> dict[str, str]:
    """``kind``: tblPayments has the ``Kind`` column (an older workbook may
    not; then every row is a payment)."""
    t = lambda c: this(I, c)  # noqa: E731
    no = t("Invoice No")
    blank = f'IF({no}="","",'
    credit = f'{t("Type")}={q(W.CREDIT_NOTE)}'
    d = t("Digits")
    cur = t("Currency")
    # blank Currency: the project's, else Settings Default Currency
    eff_currency = (f'IF({cur}="",IFERROR(INDEX({col(P, "Eff Currency")},MATCH({t("Project ID")},'
                    f'{col(P, "Project ID")},0)),{DEFAULT_CURRENCY}),{cur})')
    rows = f'SUMIFS({col(PAY, "Amount")},{col(PAY, "Invoice No")},{no})'
    not_money = "".join(
        f'-SUMIFS({col(PAY, "Amount")},{col(PAY, "Invoice No")},{no},{col(PAY, "Kind")},{q(k)})'
        for k in W.SETTLING_KINDS) if kind else ""
    figures = invoice_figures_formulas(
        is_credit_note=credit, total=t("Total"), money_rows=f"{rows}{not_money}", all_rows=rows,
        credited=t("Credited"), digits=d, paid_cell=t("Paid"), balance_cell=t("Balance"),
        voided=(f'COUNTIFS({col(I, "Related Invoice")},{no},{col(I, "Type")},'
                f'{q(W.CREDIT_NOTE)})>0'))
    f = {
        "Digits": f'{blank}{digits_of(eff_currency)})',
        # total of the credit notes that correct this invoice (negative)
        "Credited": (f'{blank}IF({credit},0,ROUND(SUMIFS({col(I, "Total")},{col(I, "Related Invoice")},{no},'
                     f'{col(I, "Type")},{q(W.CREDIT_NOTE)}),{d})))'),
        # Paid: Payment (or blank) and Credit Applied rows; Balance: Total +
        # credit notes - every row (a Discount or Write-off settles too)
        **{column: f'{blank}{text})' for column, text in figures.items()},
        # a paid invoice: days from its Issue Date to its last tblPayments row
        "Days To Pay": (f'{blank}IF(AND(NOT({credit}),{t("Status")}={q(W.PAID)},ISNUMBER({t("Issue Date")}),'
                        f'SUMPRODUCT(MAX(({col(PAY, "Invoice No")}={no})*{col(PAY, "Payment Date")}))>0),'
                        f'SUMPRODUCT(MAX(({col(PAY, "Invoice No")}={no})*{col(PAY, "Payment Date")}))'
                        f'-{t("Issue Date")},""))'),
    }
    return f


#: table name -> header -> formula text (no leading '='), contract computed
#: columns and our helper columns alike.
FORMULAS: dict[str, dict[str, str]] = {
    P: _project_formulas(),
    M: _milestone_formulas(),
    I: _invoice_formulas(),
}


def formula_columns(table: str, absent: frozenset[tuple[str, str]] | set = frozenset()
                    ) -> dict[str, str]:
    """Header -> formula for ``table`` (empty for input-only tables).
    ``absent`` names optional columns, as (table, column), that the
    workbook lacks: the formulas then read them as blank, and an optional
    computed column is not written."""
    if not absent:
        return dict(FORMULAS.get(table, {}))
    if table == P:
        return _project_formulas(absent)
    if table == M:
        return _milestone_formulas((M, "Approval Requested") not in absent,
                                   (M, "Tax Rate") not in absent)
    if table == I:
        return _invoice_formulas((PAY, "Kind") not in absent)
    return dict(FORMULAS.get(table, {}))
