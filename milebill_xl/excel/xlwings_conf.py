"""Edit one setting of an xlwings config file (``xlwings.conf``), keeping
every other line byte for byte.

The file is what ``xlwings config create`` writes and the add-in's VBA
runtime reads with ``Input #`` (xlwings.bas, ``GetConfigFromFile``): one
``"KEY","VALUE"`` per line, no escapes, so a value cannot hold a double
quote or a line break. VBA reads it in the system's ANSI code page, so the
caller says which encoding (and line end) the reader expects.
"""
from __future__ import annotations


class ConfError(ValueError):
    """A value the config file cannot hold; nothing was written."""


def conf_line(key: str, value: str, encoding: str) -> bytes:
    """The line ``"KEY","VALUE"`` (without its line end) in ``encoding``."""
    if '"' in value or "\n" in value or "\r" in value:
        raise ConfError(f"xlwings.conf cannot hold the value {value!r} of {key} "
                        "(a double quote or line break in it)")
    try:
        return f'"{key}","{value}"'.encode(encoding)
    except UnicodeEncodeError:
        raise ConfError(f"the value {value!r} of {key} has characters the add-in cannot read "
                        f"from xlwings.conf ({encoding}): use a folder whose name has "
                        "none") from None


def _key_of(line: bytes) -> str:
    return line.split(b",", 1)[0].strip().strip(b'"').decode("latin-1").upper()


def _ending(line: bytes) -> bytes:
    return line[len(line.rstrip(b"\r\n")):]


def with_setting(old: bytes, key: str, value: str, encoding: str, eol: bytes) -> bytes:
    """``old`` with ``key`` set to ``value``: its line replaced where it is,
    else added at the end (with the file's own line end, ``eol`` for a new
    file); every other line untouched."""
    new = conf_line(key, value, encoding)
    lines = old.splitlines(keepends=True)
    eol = _ending(lines[0]) or eol if lines else eol
    for i, line in enumerate(lines):
        if _key_of(line) == key.upper():
            lines[i] = new + (_ending(line) or eol)
            return b"".join(lines)
    if lines and not _ending(lines[-1]):
        lines[-1] += eol
    return b"".join(lines) + new + eol


def without_setting(old: bytes, key: str, value: str, encoding: str) -> bytes:
    """``old`` without the line setting ``key`` to exactly ``value`` (a line
    with another value is not ours to remove)."""
    ours = conf_line(key, value, encoding)
    return b"".join(l for l in old.splitlines(keepends=True) if l.rstrip(b"\r\n") != ours)
