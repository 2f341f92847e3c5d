"""The plain-text form of a message that the outbox file and the console show to a person."""

from __future__ import annotations

from email.utils import formataddr

from notify.base import Message, one_line


def as_text(message: Message) -> str:
    """Headers (To, Subject, Case, Template, Idempotency-Key), a blank line, then the body."""
    recipient = message.recipient
    to = formataddr((one_line(recipient.name), recipient.address)) if recipient.name else recipient.address
    headers = {
        "To": one_line(to),
        "Subject": one_line(message.subject),
        "Case": one_line(message.case_ref),
        "Template": one_line(message.template),
        "Idempotency-Key": one_line(message.idempotency_key),
    }
    head = "".join(f"{name}: {value}\n" for name, value in headers.items())
    body = message.body if message.body.endswith("\n") else message.body + "\n"
    return f"{head}\n{body}"
