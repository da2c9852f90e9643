Attribute VB_Name = "MileBillRibbon"
' Milestone Billing ribbon callbacks (customUI14.xml onAction -> these Subs).
' Each button runs one Python entry point in milebill_xl.excel.buttons
' through xlwings' RunPython (the xlwings module of this project).
' IRibbonControl comes from the Microsoft Office Object Library reference.
Option Explicit

Public Sub OnRefresh(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.refresh()"
End Sub

Public Sub OnCheck(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.check()"
End Sub

Public Sub OnIssueInvoices(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.issue_invoices()"
End Sub

Public Sub OnRecordPayment(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.record_payment()"
End Sub

Public Sub OnVoidInvoice(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.void_invoice()"
End Sub

Public Sub OnReleaseRetention(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.release_retention()"
End Sub

Public Sub OnReport(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.report()"
End Sub

Public Sub OnPrepareForSharing(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.prepare_for_sharing()"
End Sub

Public Sub OnImportSchedule(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.import_schedule()"
End Sub

Public Sub OnVerifyAudit(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.verify_audit()"
End Sub

Public Sub OnRequestApproval(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.request_approval()"
End Sub

Public Sub OnIssueAndEmail(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.issue_and_email()"
End Sub

Public Sub OnReleaseAndEmail(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.release_and_email()"
End Sub

Public Sub OnVoidAndEmail(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.void_and_email()"
End Sub

Public Sub OnRemind(control As IRibbonControl)
    RunPython "import milebill_xl.excel.buttons as b; b.remind()"
End Sub
