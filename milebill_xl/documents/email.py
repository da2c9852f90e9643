"""E-mail drafts (.eml) for documents the tool writes: the file a finance
user opens in Outlook, Apple Mail or Thunderbird, checks and sends. Built
with the standard library's ``email`` package; nothing is ever sent.
"""
from __future__ import annotations

import mimetypes
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone
from pathlib import Path

_TYPES = {".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
          ".pdf": ("application", "pdf"), ".xml": ("application", "xml")}


def draft(to: str, sender: str, subject: str, body: str, attachments: list[Path],
          when: datetime | None = None) -> bytes:
    """The bytes of an unsent message (``X-Unsent: 1``, which Outlook opens
    as a draft ready to send) with ``attachments``."""
    msg = EmailMessage()
    msg["To"] = to
    msg["From"] = sender
    msg["Subject"] = subject
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
    return bytes(msg)
