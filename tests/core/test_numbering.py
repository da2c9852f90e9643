import pytest

from milebill_xl.core.numbering import NumberFormatError, format_number, validate_number_format


@pytest.mark.parametrize("fmt, year, seq, expected", [
    ("INV-{year}-{seq:04d}", 2025, 7, "INV-2025-0007"),
    ("INV-{year}-{seq:04d}", 2025, 12345, "INV-2025-12345"),  # widens, never truncates
    ("CN-{year}-{seq:04d}", 2026, 1, "CN-2026-0001"),
    ("{seq}", 2025, 42, "42"),
    ("{year}/{seq:05d}", 2025, 3, "2025/00003"),
    ("INV{{{seq}}}", 2025, 3, "INV{3}"),   # doubled braces are literal
])
def test_format_number(fmt, year, seq, expected):
    assert format_number(fmt, year, seq) == expected


@pytest.mark.parametrize("fmt, fragment", [
    ("INV-{yr}-{seq}", "{yr}"),
    ("INV-{}", "{}"),
    ("INV-{0}", "{0}"),
    ("INV-{seq!r}", "conversion"),
    ("INV-{seq.real}", "{seq.real}"),
    ("INV-{seq[0]}", "{seq[0]}"),
    ("INV-{seq:{width}}", "nests"),
    ("INV-{year}", "no {seq}"),
    ("INV-{{seq}}", "no {seq}"),
    ("INV-{seq", "not valid"),
    ("INV-}{seq}", "not valid"),
    ("INV-{seq:s}", "cannot format"),
    ("INV-{seq:.0e}", "same text"),   # 10 and 11 would both print 1e+01
    ("", "blank"),
])
def test_bad_formats_are_refused_with_a_clear_message(fmt, fragment):
    with pytest.raises(NumberFormatError, match=None) as info:
        validate_number_format(fmt)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)
    with pytest.raises(NumberFormatError):
        format_number(fmt, 2025, 1)


def test_default_formats_are_valid():
    from milebill_xl.core.records import Settings
    validate_number_format(Settings().invoice_number_format)
    validate_number_format(Settings().credit_note_number_format)


def test_series_seq_reads_a_number_of_one_series_only():
    from milebill_xl.core.numbering import series_seq
    assert series_seq("INV-{year}-{seq:04d}", 2026, "INV-2026-0009") == 9
    assert series_seq("INV-{year}-{seq:04d}", 2025, "INV-2026-0009") is None   # another year
    assert series_seq("INV-{year}-{seq:04d}", 2026, "CN-2026-0009") is None    # another format
    assert series_seq("INV-{year}-{seq:04d}", 2026, "INV-2026-9") is None      # not as formatted
    assert series_seq("A{seq}", 2026, "A12") == 12                           # no {year}


def test_gap_message_names_the_next_number_to_use():
    from milebill_xl.core.numbering import gap_message
    fmt, done = "INV-{year}-{seq:04d}", ["INV-2026-0001", "INV-2026-0002", "INV-2025-0040"]
    assert gap_message("Next Invoice Seq", fmt, 2026, 3, done) is None
    assert gap_message("Next Invoice Seq", fmt, 2026, 4, done) == (
        "Setting Next Invoice Seq: 4 would leave a gap after INV-2026-0002 (skipping 3); the last "
        "number of this series is INV-2026-0002, so set it to 3 (numbers must follow without gaps)")
    assert "2 would reuse INV-2026-0002" in gap_message("Next Invoice Seq", fmt, 2026, 2, done)
    assert gap_message("Next Invoice Seq", fmt, 2027, 500, done) is None     # a new series
