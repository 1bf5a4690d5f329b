"""E-mail (.eml): the From, To, Cc, Date and Subject headers, then the body (plain text, or HTML's visible text)."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

from assistant.documents.formats.base import LoadedDocument, TextBuilder, refuse
from assistant.documents.formats.text import html_to_text

HEADERS = ("From", "To", "Cc", "Date", "Subject")


def load_eml(path: Path, data: bytes) -> LoadedDocument:
    """The message's headers (a line each) and its body; attachments are named, not read."""
    try:
        message = email.message_from_bytes(data, policy=policy.default)
    except (ValueError, TypeError, IndexError) as error:
        raise refuse(path, f"unreadable e-mail ({error})") from error
    if not isinstance(message, EmailMessage) or not any(message.get(name) for name in ("From", "Subject", "To")):
        raise refuse(path, "not an e-mail: it has no From, To or Subject header")
    builder = TextBuilder(path)
    lines = [f"{name}: {' '.join(str(message.get(name)).split())}" for name in HEADERS if message.get(name)]
    builder.add("\n".join(lines), {"part": "headers"}, opens_section=True)
    builder.add(_body(path, message), {"part": "body"}, opens_section=True)
    attachments = [part.get_filename() for part in message.iter_attachments() if part.get_filename()]
    if attachments:
        builder.add("Attachments: " + ", ".join(attachments), {"part": "attachments"})
    return builder.build()


def _body(path: Path, message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, KeyError) as error:  # an unknown charset or a broken transfer encoding
        raise refuse(path, f"the e-mail's body cannot be decoded ({error})") from error
    if not isinstance(content, str):
        return ""
    content = content.replace("\r\n", "\n")
    return html_to_text(content) if part.get_content_subtype() == "html" else content
