"""E-mail drafts (.eml) for documents the tool writes: the file a finance
user opens in Outlook, Apple Mail or Thunderbird, checks and sends. Built
with the standard library's ``email`` package; nothing is ever sent.

The wording comes from an editable text template: the built-in
``workbook_templates/email.txt`` (found through ``resources``), or a
team's own ``email.txt`` beside the workbook, whose sections replace the
built-in ones. A section is ``[Name]``, then ``Subject: ...``, a blank
line and the body; ``{{token}}`` words are filled in literally (cell text
is never evaluated), and an unknown token refuses the template.
"""
from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path

from ..resources import email_template
from ..xlsx.atomic import atomic_write

_TYPES = {".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
          ".pdf": ("application", "pdf"), ".xml": ("application", "xml")}

#: the placeholders a section may use (see the notes in email.txt)
TOKENS = frozenset({
    "number", "company", "company_email", "client", "project", "project_id", "po_number",
    "milestone", "issue_date", "due_date", "amount_due", "amount", "related_invoice",
    "invoices", "title", "interest", "fee", "balance", "attachment"})
#: the sections a template may have; a document Type without its own
#: section (a new kind of invoice) is worded as an ``Invoice``
SECTIONS = ("Invoice", "Retention Release", "Credit Note", "Reminder", "Approval Request")
FALLBACK_SECTION = "Invoice"
#: a team's own template beside the workbook
OWN_TEMPLATE = "email.txt"
_MAX_TEMPLATE = 256 * 1024
_TOKEN = re.compile(r"\{\{\s*([A-Za-z_]+)\s*\}\}")
_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")


class EmailTemplateError(ValueError):
    """The e-mail template cannot be used; ``str(exc)`` says where and why."""


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


def parse_template(text: str, name: str) -> dict[str, Wording]:
    """The sections of a template's text, checked."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        m = _SECTION.match(line)
        if m:
            current = m.group(1).strip()
            if current not in SECTIONS:
                raise EmailTemplateError(f"{name}: unknown section [{current}]; the sections are "
                                         + ", ".join(f"[{s}]" for s in SECTIONS))
            if current in sections:
                raise EmailTemplateError(f"{name}: section [{current}] appears twice")
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
        elif line.strip() and not line.startswith("#"):
            raise EmailTemplateError(f"{name}: text before the first section ({line.strip()[:40]!r}); "
                                     "start with a section such as [Invoice], or make it a # note")
    out = {}
    for section, lines in sections.items():
        while lines and not lines[0].strip():
            lines.pop(0)
        head = lines[0] if lines else ""
        if not head.lower().startswith("subject:"):
            raise EmailTemplateError(f"{name}: section [{section}] must start with a line "
                                     "'Subject: ...'")
        body = "\n".join(lines[1:]).strip("\n") + "\n"
        subject = head.split(":", 1)[1].strip()
        unknown = sorted({t for part in (subject, body) for t in _TOKEN.findall(part)} - TOKENS)
        if unknown:
            raise EmailTemplateError(
                f"{name}: section [{section}] uses unknown placeholder(s) "
                + ", ".join("{{" + u + "}}" for u in unknown)
                + "; known placeholders: " + ", ".join(sorted(TOKENS)))
        out[section] = Wording(subject, body)
    return out


def _read(path: Path) -> str:
    if path.stat().st_size > _MAX_TEMPLATE:
        raise EmailTemplateError(f"{path} is over {_MAX_TEMPLATE // 1024} kB; an e-mail "
                                 "template is a few lines of text")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


class EmailTemplate:
    """The wording of every kind of draft."""

    def __init__(self, sections: dict[str, Wording]):
        self.sections = sections

    def message(self, section: str, fields: dict[str, str]) -> tuple[str, str]:
        """(subject, body) of ``section`` (or the Invoice wording) with
        ``fields`` filled in; a token without a value is left empty."""
        wording = self.sections.get(section) or self.sections[FALLBACK_SECTION]

        def fill(text: str) -> str:
            return _TOKEN.sub(lambda m: str(fields.get(m.group(1), "") or ""), text)
        return " ".join(fill(wording.subject).split()), fill(wording.body)


def load_email_template(folder: Path | None = None) -> EmailTemplate:
    """The built-in wording, with the sections of ``folder``/email.txt
    (a team's own, beside the workbook) in place of the built-in ones."""
    builtin = email_template()
    sections = parse_template(_read(builtin), str(builtin))
    own = Path(folder) / OWN_TEMPLATE if folder is not None else None
    if own is not None and own.is_file():
        sections.update(parse_template(_read(own), str(own)))
    return EmailTemplate(sections)


def recipients(text: str) -> str | None:
    """The addresses of a Client Email cell (several may be separated by
    commas or semicolons) as a To header, or None when it holds no address
    that looks like one (``name@domain``)."""
    pairs = getaddresses([(text or "").replace(";", ",")])
    good = [(n, a) for n, a in pairs if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", a or "")]
    if not good or len(good) != len([a for _n, a in pairs if a]):
        return None
    return ", ".join(f"{n} <{a}>" if n else a for n, a in good)


def draft(to: str, sender: str, subject: str, body: str, attachments: list[Path],
          when: datetime | None = None) -> bytes:
    """The bytes of an unsent message (``X-Unsent: 1``, which Outlook opens
    as a draft ready to send) with ``attachments``."""
    msg = EmailMessage()
    msg["To"] = to
    msg["From"] = sender
    msg["Subject"] = " ".join(subject.split())
    msg["Date"] = format_datetime(when or datetime.now(timezone.utc))
    msg["Message-ID"] = make_msgid(domain=(sender.rsplit("@", 1)[-1] if "@" in sender else None))
    msg["X-Unsent"] = "1"
    msg.set_content(body)
    for path in attachments:
        path = Path(path)
        maintype, subtype = _TYPES.get(path.suffix.lower()) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream").split("/", 1)
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                           filename=path.name)
    # headers on one line up to RFC 5322's 998 characters: the standard
    # library folds a long Subject before its first word at 78, which mail
    # programs show with a leading space
    return msg.as_bytes(policy=msg.policy.clone(max_line_length=998))


def write_draft(path: Path, to: str, sender: str, subject: str, body: str,
                attachments: list[Path], when: datetime | None = None) -> Path:
    """Write the draft to ``path`` (atomically) and return it."""
    data = draft(to, sender, subject, body, attachments, when)
    return atomic_write(path, lambda fh: fh.write(data))
