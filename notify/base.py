"""The one `Notifier` protocol every channel adapter implements, its value types and its errors.

Activities send the notices the Regulations require (advice requests under reg 6, the decision on
whether to assess under reg 5, draft and final plans under regs 13-14) through a `Notifier`. Each
`Message` carries an idempotency key: a retried activity sends the same key, and an adapter must never
deliver the same key twice.

The exception tree, so an activity knows whether to retry::

    NotifyError                  anything a notifier raises
    ├── NotifyConfigError        the service is set up wrongly: fix the settings, retrying will not help
    ├── NotifyTemporaryError     the channel is down or busy: retry later with the same key
    └── NotifyPermanentError     the channel refused this message: do not retry, tell a person

Messages carry personal data in `recipient` and `body`; errors and delivery details never do. They name
the case reference, the template and the channel, and say what the operator should do next.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal, Protocol

DeliveryStatus = Literal["sent", "delivered", "failed"]


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a message goes: an email address or an agency system's webhook URL."""

    kind: Literal["email", "webhook"]
    address: str
    name: str = ""  # e.g. "Riverside Primary SENCO"; never a child's name in logs


@dataclass(frozen=True, slots=True)
class Message:
    """One notice to one recipient, sent at most once per idempotency key."""

    idempotency_key: str  # unique per message; a retried send with the same key must never deliver twice
    recipient: Recipient
    subject: str  # plain words naming the case reference, the step and the date
    body: str
    case_ref: str  # e.g. "assessment-5d1c..."; never personal data
    template: str = ""  # e.g. "advice_request", "advice_reminder", "decision_refuse_assess"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the channel said: handed over ("sent"), in the recipient's hands ("delivered"), or "failed"."""

    status: DeliveryStatus
    provider_ref: str = ""
    detail: str = ""


class Notifier(Protocol):
    """Sends one message; returns the same kind of `Delivery` again for a key it has already sent."""

    async def send(self, message: Message) -> Delivery: ...


class NotifyError(Exception):
    """Base of every error a notifier raises; see the module docstring for the tree."""


class NotifyConfigError(NotifyError):
    """The notifier is set up wrongly (a missing option, a malformed key, the wrong recipient kind)."""


class NotifyTemporaryError(NotifyError):
    """The channel could not take the message now; retry later with the same idempotency key."""


class NotifyPermanentError(NotifyError):
    """The channel refused the message; retrying will fail again, so a person must look at it."""


def key_digest(idempotency_key: str) -> str:
    """A filesystem- and header-safe stand-in for an idempotency key: its SHA-256 in hex."""
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()


def one_line(text: str) -> str:
    """`text` with line breaks turned into spaces, so it cannot break out of a header."""
    return " ".join(text.splitlines()).strip()
