"""The ribbon buttons against the fake Excel: each runs its action through
LiveBook, shows the outcome (message box, status bar, selected cell) and
makes the same number of Excel calls for a 16-row and a 1,000-row sheet."""
from __future__ import annotations

import zipfile

import pytest
from fake_xlwings import FakeBook

import milebill_xl.excel.buttons as buttons
from milebill_xl.workbook.reader import read_book

# button -> (alert answers, InputBox answers, cell selected first or None)
SCRIPTS = {
    "refresh": ([], [], None),
    "check": ([], [], None),
    "report": ([], [], None),
    "issue_invoices": (["yes"], [], None),
    "record_payment": ([], ["1000.00", "2026-11-20", "ACH 1"], ("Invoices", "C5")),
    "void_invoice": (["yes"], ["wrong rate"], ("Milestones", "A6")),
    "prepare_for_sharing": (["no"], [], None),
    "verify_audit": ([], [], None),
    "request_approval": (["yes"], [], None),
    "issue_and_email": (["yes"], [], None),
    "void_and_email": (["yes"], ["wrong rate"], ("Milestones", "A6")),
    "remind": (["yes"], [], None),
    # the sample holds no retention: the button says so and writes nothing
    "release_retention": ([], [], ("Projects", "A2")),
    "release_and_email": ([], [], ("Projects", "A2")),
}


def _press(name, fake, app):
    alerts, inputs, select = SCRIPTS[name]
    app.alert_answers = list(alerts)
    app.api.answers = list(inputs)
    if select:
        sheet = fake.sheets[select[0]]
        sheet.activate()
        sheet.range(select[1]).select()
    app.counter.reset()
    run = {"issue_and_email": lambda b, a: buttons._run_issue_invoices(b, a, email=True),
           "void_and_email": lambda b, a: buttons._run_void_invoice(b, a, email=True),
           "release_and_email": lambda b, a: buttons._run_release_retention(b, a, email=True)}.get(
               name, getattr(buttons, f"_run_{name}", None))
    return run(fake, app)


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_button_runs_its_action_with_the_same_excel_calls_for_any_row_count(name, open_book):
    counts = {}
    for size in ("small", "big"):
        fake, app = open_book(size)
        result = _press(name, fake, app)
        assert result is not None, app.alerts
        assert not [a for a in app.alerts if a["mode"] == "critical"], app.alerts
        assert app.api.answers == [] and app.alert_answers == []
        counts[size] = app.counter.snapshot()
    assert counts["small"] == counts["big"], counts
    print(name, counts["small"])


def test_problems_are_listed_and_the_first_cell_is_selected(open_book):
    fake, app = open_book("small")
    sheet = fake.sheets["Milestones"]
    sheet.cells[(4, 7)] = 25.0          # Percent 25 instead of 25 % (G4)
    sheet.cells[(6, 9)] = "Done"        # Status not a contract word (I6)
    fake.sheets["Dashboard"].activate()
    buttons._run_check(fake, app)
    alert = app.alerts[-1]
    assert alert["mode"] == "critical"
    assert "Check: 2 problems; nothing was changed." in alert["prompt"]
    assert "- Milestones!G4: Percent must be a fraction between 0 and 1" in alert["prompt"]
    assert "Milestones!I6" in alert["prompt"]
    assert app.selection.sheet.name == "Milestones" and app.selection.address == "$G$4"
    assert "first at Milestones!G4" in app.status_bar
    assert app.counter.writes == 0


def test_refresh_with_a_project_problem_writes_the_rest_and_selects_the_cell(open_book):
    # issue 12: a problem in one project's rows no longer stops refresh
    fake, app = open_book("small")
    fake.sheets["Projects"].cells[(2, 10)] = "Net thirty"   # Payment Terms of P-100
    buttons._run_refresh(fake, app)
    assert app.counter.writes > 0
    assert app.selection.sheet.name == "Projects" and app.selection.address == "$J$2"
    assert "Net thirty" in app.alerts[-1]["prompt"]
    assert app.alerts[-1]["prompt"].startswith("Refresh: refreshed as of 2026-11-25. Left as they are, 1 problem")


def test_refresh_with_a_settings_problem_writes_nothing_and_selects_the_cell(open_book):
    fake, app = open_book("small")
    fake.sheets["Settings"].cells[(8, 2)] = 0   # Next Invoice Seq: workbook-wide
    buttons._run_refresh(fake, app)
    assert app.counter.writes == 0
    assert app.selection.sheet.name == "Settings" and app.selection.address == "$B$8"
    assert "nothing was changed" in app.alerts[-1]["prompt"]


def test_public_buttons_use_the_active_workbook_when_called_from_the_add_in(
        open_book, monkeypatch):
    import xlwings as xw
    fake, app = open_book("small")
    addin = FakeBook(app, r"C:\Users\ann\AppData\Roaming\Microsoft\AddIns\MileBill.xlam")
    fake.activate()
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: addin))
    buttons.check()
    assert app.alerts[-1]["mode"] == "info"
    assert app.alerts[-1]["prompt"].startswith("No problems as of 2026-11-25")
    assert app.counter.reads == 7   # the six contract tables and the currency list
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: fake))
    buttons.report()
    assert app.alerts[-1]["prompt"].startswith("Billing report as of 2026-11-25")


def test_record_payment_asks_with_defaults_from_the_selected_row(open_book):
    fake, app = open_book("small")
    sheet = fake.sheets["Milestones"]
    sheet.activate()
    sheet.range("C3").select()              # M-102, invoiced as INV-2026-0004
    app.api.answers = ["26,000.00", "2026-11-24", " WIRE 9 "]
    result = buttons._run_record_payment(fake, app)
    prompts = app.api.prompts
    assert "INV-2026-0004" in prompts[0]["prompt"] and prompts[0]["default"] == "26000.00"
    assert prompts[1]["default"] == "2026-11-25"
    assert result.status == "Paid"
    assert app.alerts[-1]["prompt"].startswith("Recorded 26,000.00 USD on INV-2026-0004 (2026-11-24)")
    data, _ = buttons.LiveBook(fake).load()
    assert data.payments[-1].reference == "WIRE 9"


def test_record_payment_cancel_or_no_invoice_row_changes_nothing(open_book):
    fake, app = open_book("small")
    sheet = fake.sheets["Invoices"]
    sheet.activate()
    sheet.range("A5").select()
    app.api.answers = [False]               # Cancel on the amount
    assert buttons._run_record_payment(fake, app) is None
    assert app.counter.writes == 0 and "cancelled" in app.status_bar
    fake.sheets["Dashboard"].activate()
    fake.sheets["Dashboard"].range("B2").select()
    assert buttons._run_record_payment(fake, app) is None
    assert "first select the row of the invoice" in app.alerts[-1]["prompt"]
    sheet = fake.sheets["Milestones"]
    sheet.activate()
    sheet.range("A4").select()              # M-103: not invoiced
    buttons._run_record_payment(fake, app)
    assert "has no invoice yet" in app.alerts[-1]["prompt"]
    assert app.counter.writes == 0


def test_record_payment_refuses_a_paid_invoice_before_asking(open_book):
    fake, app = open_book("small")
    sheet = fake.sheets["Invoices"]
    sheet.activate()
    sheet.range("B2").select()              # INV-...-0001, fully paid
    assert buttons._run_record_payment(fake, app) is None
    assert "fully paid" in app.alerts[-1]["prompt"] and app.api.prompts == []


def test_void_refuses_a_void_invoice_and_selects_it(open_book):
    fake, app = open_book("small")
    sheet = fake.sheets["Invoices"]
    sheet.activate()
    sheet.range("D4").select()              # INV-...-0003, voided by CN-...-0001
    assert buttons._run_void_invoice(fake, app) is None
    assert "is already void" in app.alerts[-1]["prompt"]
    assert app.selection.address == "$A$4" and app.counter.writes == 0


def test_void_needs_confirmation_and_a_reason(open_book):
    fake, app = open_book("small")
    sheet = fake.sheets["Invoices"]
    sheet.activate()
    sheet.range("A7").select()              # INV-...-0006
    app.alert_answers = ["no"]
    assert buttons._run_void_invoice(fake, app) is None
    app.alert_answers = ["yes"]
    app.api.answers = ["   "]
    assert buttons._run_void_invoice(fake, app) is None
    assert "a reason is required" in app.alerts[-1]["prompt"]
    assert app.counter.writes == 0 and fake.saves == []
    app.alert_answers = ["yes"]
    app.api.answers = ["duplicate"]
    result = buttons._run_void_invoice(fake, app)
    assert result.credit_note.related_invoice == "INV-2026-0006"
    assert fake.saves == [fake.fullname]
    assert (fake.fullname and result.document.exists())


def test_issue_asks_first_then_issues_and_saves(open_book):
    fake, app = open_book("small")
    app.alert_answers = ["no"]
    assert buttons._run_issue_invoices(fake, app) is None
    assert "Issue 3 invoices dated 2026-11-25" in app.alerts[-1]["prompt"]
    assert app.counter.writes == 0
    app.alert_answers = ["yes"]
    result = buttons._run_issue_invoices(fake, app)
    assert [i.invoice.invoice_no for i in result.issued] == ["INV-2026-0007", "INV-2026-0008", "INV-2026-0009"]
    assert "writing invoice 3 of 3..." in " ".join(map(str, app.status_history))
    assert fake.saves and all((result.folder / i.invoice.document).exists() for i in result.issued)
    app.counter.reset()
    buttons._run_issue_invoices(fake, app)
    assert "Nothing to issue" in app.alerts[-1]["prompt"] and app.counter.writes == 0


def test_issue_in_a_workbook_never_saved_says_so(open_book):
    fake, app = open_book("small")
    fake.fullname = "Book1"
    buttons._run_issue_invoices(fake, app)
    assert app.alerts[-1]["mode"] == "critical"
    assert "Book1 has never been saved" in app.alerts[-1]["prompt"]
    assert app.counter.writes == 0


def test_prepare_for_sharing_writes_the_copy_beside_the_saved_file(open_book):
    fake, app = open_book("small")
    app.alert_answers = ["yes"]
    out = buttons._run_prepare_for_sharing(fake, app)
    assert out.name == "billing (as of 2026-11-25).xlsx" and out.parent.name == "small"
    assert fake.saves == [fake.fullname]
    assert read_book(out)[0].milestones == read_book(fake.fullname)[0].milestones
    assert zipfile.ZipFile(out).testzip() is None
    fake.fullname = "Book2"
    assert buttons._run_prepare_for_sharing(fake, app) is None
    assert "never been saved" in app.alerts[-1]["prompt"]


def test_an_unexpected_failure_is_a_message_not_a_traceback(open_book, monkeypatch):
    from milebill_xl.actions import refresh
    fake, app = open_book("small")

    def boom(*a, **k):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(refresh, "run", boom)
    assert buttons._run_refresh(fake, app) is None
    assert app.alerts[-1] == {"prompt": "Refresh failed unexpectedly: RuntimeError: disk on fire",
                              "title": "Milestone Billing", "buttons": "ok", "mode": "critical"}


def test_prompt_returns_none_on_cancel_and_text_otherwise():
    from fake_xlwings import FakeApp
    app = FakeApp()
    app.api.answers = [False, 1250.0, "x"]
    assert buttons.prompt(app, "Amount?") is None
    assert buttons.prompt(app, "Amount?") == "1250"
    assert buttons.prompt(app, "Text?", "T", "d") == "x"
    assert app.api.prompts[-1] == {"prompt": "Text?", "title": "T", "default": "d", "type": None}


def test_import_schedule_asks_for_the_file_shows_the_rows_and_adds_them(open_book, tmp_path):
    fake, app = open_book("small")
    source = tmp_path / "new-projects.csv"
    source.write_text("Project ID,Project,Client,Contract Value,Currency\n"
                      "P-900,Bridge survey,Harbour Council,\"12,500.00\",EUR\n")
    app.api.answers = [str(source), ""]
    app.alert_answers = ["yes"]
    result = buttons._run_import_schedule(fake, app)
    assert result is not None and result.errors == ()
    question = next(a for a in app.alerts if a["buttons"] == "yes_no")["prompt"]
    assert question.startswith("Add 1 row(s) to Projects?")
    assert "- P-900, Bridge survey, Harbour Council, 12500.00" in question
    assert "imported 1 row(s) into Projects" in app.status_bar
    ws = fake.sheets["Projects"]
    last = max(r for (r, c) in ws.cells if c == 1 and ws.cells[(r, c)])
    assert [ws.cells.get((last, c)) for c in (1, 2, 3, 7)] == ["P-900", "Bridge survey",
                                                               "Harbour Council", 12500]


def test_import_schedule_cancelled_changes_nothing(open_book):
    fake, app = open_book("small")
    app.api.answers = [False]
    app.counter.reset()
    assert buttons._run_import_schedule(fake, app) is None
    assert app.counter.writes == 0
    assert "import cancelled" in app.status_bar


def test_verify_audit_names_an_edited_row(open_book):
    from milebill_xl.core.audit import GENESIS, entry_hash
    fake, app = open_book("small")
    audit = fake.sheets["Audit"]
    header = {audit.cells.get((1, c)): c for c in range(1, 10)}
    # seal every audit row as milebill would, then edit the first one's Detail
    previous, row = GENESIS, 2
    while audit.cells.get((row, header["Timestamp"])):
        cells = [str(audit.cells.get((row, header[h])) or "") for h in
                 ("Timestamp", "User", "Action", "Reference", "Detail")]
        audit.cells[(row, header["Hash"])] = previous = entry_hash(previous, *cells)
        row += 1
    assert row > 4
    assert buttons._run_verify_audit(fake, app).ok
    audit.cells[(2, header["Detail"])] = "edited"
    result = buttons._run_verify_audit(fake, app)
    assert not result.ok
    assert "Verify: 1 problem" in app.alerts[-1]["prompt"]
    assert app.selection.sheet.name == "Audit" and app.selection.address == "$F$2"


def test_remind_lists_the_letters_and_asks_whether_to_draft_e_mails(open_book):
    from datetime import date
    from pathlib import Path
    fake, app = open_book("small")
    app.alert_answers = ["cancel"]
    assert buttons._run_remind(fake, app) is None
    prompt = app.alerts[-1]["prompt"]
    # INV-2026-0004: 36,000.00 less 10,000.00 paid, due ten days ago
    assert prompt.startswith("Write 1 reminder letter(s) dated 2026-11-25?")
    assert "- Payment reminder to Acme Retail Inc.: INV-2026-0004, 26,000.00 USD due" in prompt
    assert app.counter.writes == 0
    app.alert_answers = ["no"]                      # letters only
    result = buttons._run_remind(fake, app)
    [letter] = result.letters
    assert Path(letter["document"]).name == "REM-2026-11-25-INV-2026-0004.docx"
    assert Path(letter["document"]).is_file() and "email" not in letter
    assert fake.saves and app.alerts[-1]["prompt"].startswith("Wrote 1 reminder letter(s) in ")
    data, _ = buttons.LiveBook(fake).load()
    inv = next(i for i in data.invoices if i.invoice_no == "INV-2026-0004")
    assert (inv.reminder_level, inv.last_reminder) == (1, date(2026, 11, 25))
    app.counter.reset()
    buttons._run_remind(fake, app)                  # the same day again: nothing due
    assert app.alerts[-1]["prompt"].startswith("No reminder due as of 2026-11-25")
    assert app.counter.writes == 0


def test_issue_and_email_writes_a_draft_beside_each_invoice(open_book):
    fake, app = open_book("small")
    app.alert_answers = ["yes"]
    result = buttons._run_issue_invoices(fake, app, email=True)
    assert "with an e-mail draft of each?" in app.alerts[-2]["prompt"]
    assert sorted(p.name for p in result.drafts.values()) == [
        "INV-2026-0007.eml", "INV-2026-0008.eml", "INV-2026-0009.eml"]
    assert all(p.is_file() for p in result.drafts.values())
    assert "documents and 3 e-mail draft(s) to check and send" in app.alerts[-1]["prompt"]
