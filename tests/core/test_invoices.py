"""Paid, Balance and Status of tblInvoices rows."""
import pytest

from milebill_xl.core.invoices import (APPLIED, credits_by_invoice, invoice_figures,
                                       payments_by_invoice)
from milebill_xl.core.records import CREDIT_NOTE, Invoice, Payment

from .helpers import D, invoice, payment

INV = invoice("INV-1", "1200.00", net="1000.00", tax="200.00")


@pytest.mark.parametrize("paid, balance, status", [
    ("0.00", "1200.00", "Open"),
    ("200.00", "1000.00", "Partially Paid"),
    ("1200.00", "0.00", "Paid"),
    ("1250.00", "-50.00", "Paid"),   # overpaid: balance goes negative, status Paid
])
def test_invoice_status_from_payments(paid, balance, status):
    fig = invoice_figures(INV, D(paid), None)
    assert (fig.paid, fig.balance, fig.status) == (D(paid), D(balance), status)


def test_credit_note_voids_its_invoice_and_clears_the_open_amount():
    # 200 paid, 1,000 open, credited for the open amount: balance 1,200 - 200 - 1,000 = 0.
    fig = invoice_figures(INV, D("200.00"), D("-1000.00"))
    assert (fig.balance, fig.status) == (D("0.00"), "Void")
    # Even a zero credit note marks the invoice Void.
    assert invoice_figures(INV, D("0"), D("0")).status == "Void"


def test_credit_note_is_applied_with_nothing_to_pay():
    cn = invoice("CN-1", "-1000.00", type=CREDIT_NOTE, related_invoice="INV-1")
    fig = invoice_figures(cn, D("0"), None)
    assert (fig.paid, fig.balance, fig.status) == (D("0"), D("0"), APPLIED)
    assert APPLIED == "Applied"


def test_payment_and_credit_sums():
    pays = [payment("INV-1", "100.00"), payment("INV-2", "5.00"), payment("INV-1", "0.50")]
    assert payments_by_invoice(pays) == {"INV-1": D("100.50"), "INV-2": D("5.00")}
    docs = [INV, invoice("CN-1", "-700.00", type=CREDIT_NOTE, related_invoice="INV-1"),
            invoice("CN-2", "-300.00", type=CREDIT_NOTE, related_invoice="INV-1")]
    assert credits_by_invoice(docs) == {"INV-1": D("-1000.00")}


def test_paid_and_balance_are_rounded_to_the_invoice_currency():
    # A JPY invoice paid 333.5 (a bank converted it): Paid rounds half up to 334, Balance 666.
    jpy = invoice("INV-J", "1000", currency="JPY")
    fig = invoice_figures(jpy, D("333.5"), None)
    assert (str(fig.paid), str(fig.balance), fig.status) == ("334", "666", "Partially Paid")
    cn = invoice("CN-K", "-1.000", currency="KWD", type=CREDIT_NOTE)
    assert str(invoice_figures(cn, D("0"), None).balance) == "0.000"


def test_discount_write_off_and_carried_credit_count_against_the_balance_only():
    inv = Invoice("INV-9", total=D("1190.00"), currency="USD")
    # Paid = money (Payment, Credit Applied); Balance = Total + credit notes - every row
    fig = invoice_figures(inv, D("1166.20"), None, D("1190.00"))   # 23.80 discount
    assert (fig.paid, fig.balance, fig.status) == (D("1166.20"), D("0.00"), "Paid")
    void = invoice_figures(inv, D("500.00"), D("-1190.00"), D("500.00"))
    assert (void.paid, void.balance, void.status) == (D("500.00"), D("-500.00"), "Void")
    rows = [Payment(None, "INV-9", D("500.00")),
            Payment(None, "INV-9", D("23.80"), kind="Discount"),
            Payment(None, "INV-9", D("-500.00"), kind="Credit Applied")]
    assert payments_by_invoice(rows) == {"INV-9": D("0.00")}
    assert payments_by_invoice(rows, None) == {"INV-9": D("23.80")}
