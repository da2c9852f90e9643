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
