"""The billing rules, pure: no files, no Excel, Decimal money.

One small concept per module, each rule of WORKBOOK.md / DESIGN.md in
exactly one place:

- ``records``    plain frozen records of what the sheets hold;
- ``money``      minor units (Babel), Excel-style half-up rounding;
- ``terms``      payment terms (rule 5): parse, due date, discount;
- ``allocation`` milestone amounts (rules 1, 10) and schedule check (rule 2);
- ``invoices``   Paid / Balance / Status of tblInvoices rows;
- ``flags``      billable (rule 3), days overdue (rule 6), flag (rule 7);
- ``aging``      aging buckets (rule 8);
- ``numbering``  invoice and credit-note numbers from the format text;
- ``retention``  retention withheld, the amount due now, held, released;
- ``deposits``   a Deposit milestone's amount and its recovery;
- ``position``   where an invoice stands in its contract (documents);
- ``engine``     ``compute(book, as_of)``: the rules composed over a book;
- ``dashboard``  Dashboard figures as plain data.
"""
