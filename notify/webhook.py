"""Signed webhooks: notices POSTed as JSON to an agency's own system (a health trust, a school's MIS).

Each request carries `Idempotency-Key`, `X-EHCP-Timestamp` (unix seconds) and
`X-EHCP-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{raw body}">` under a secret shared with the
agency. Receivers check it with `verify_signature` and must treat a repeated `Idempotency-Key` as the
same notice: a retry after a lost answer sends the key again. Within one worker a key that was
delivered is not posted a second time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import httpx

from notify.base import (
    Delivery,
    Message,
    NotifyConfigError,
    NotifyError,
    NotifyPermanentError,
    NotifyTemporaryError,
)
from notify.once import SendOnce

SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE_SECONDS = 300
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# a receiver that is busy or timed out may take the same notice later; any other 4xx will refuse it again
_RETRYABLE_CLIENT_ERRORS = frozenset({httpx.codes.REQUEST_TIMEOUT, httpx.codes.TOO_MANY_REQUESTS})


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The `X-EHCP-Signature` value for `body` sent at `timestamp`."""
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(
    secret: bytes,
    timestamp: str | int,
    body: bytes,
    signature: str,
    *,
    now: float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether a received webhook is genuine and fresh; for agency systems that receive our notices.

    `timestamp`, `body` and `signature` are the `X-EHCP-Timestamp` header, the raw request body and the
    `X-EHCP-Signature` header; `now` is the receiver's clock in unix seconds. A request older or newer
    than `tolerance_seconds` is refused, so a captured request cannot be replayed later.
    """
    timestamp = str(timestamp)
    if not timestamp.isascii() or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))


class WebhookNotifier:
    """POSTs each message to its recipient's URL; status "delivered" once the receiver answers 2xx."""

    def __init__(
        self, secret: bytes, *, client: httpx.AsyncClient, now: Callable[[], float] = time.time
    ) -> None:
        if not secret:
            raise NotifyConfigError(
                "the webhook signing secret is empty: set EHCP_WEBHOOK_SECRET to a long random value "
                "and share it with the receiving agencies"
            )
        self._secret = secret
        self._client = client
        self._now = now
        self._once = SendOnce()

    async def send(self, message: Message) -> Delivery:
        url = _checked_url(message)
        return await self._once.run(message.idempotency_key, lambda: self._post(url, message))

    async def _post(self, url: httpx.URL, message: Message) -> Delivery:
        body = json.dumps(
            {
                "idempotency_key": message.idempotency_key,
                "case_ref": message.case_ref,
                "template": message.template,
                "subject": message.subject,
                "body": message.body,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        timestamp = str(int(self._now()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.idempotency_key,
            "X-EHCP-Timestamp": timestamp,
            "X-EHCP-Signature": sign(self._secret, timestamp, body),
        }
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.TransportError as error:
            raise NotifyTemporaryError(
                f"could not reach the webhook at {url.host} for case {message.case_ref} "
                f"({type(error).__name__}): the send will be retried; if it keeps failing, ask the agency "
                "whether its endpoint is up"
            ) from error
        if response.is_success:
            return Delivery(
                "delivered",
                provider_ref=response.headers.get("X-Request-Id", ""),
                detail=f"{url.host} answered {response.status_code}",
            )
        raise _error_for(response, url, message)


def _checked_url(message: Message) -> httpx.URL:
    recipient = message.recipient
    if recipient.kind != "webhook":
        raise NotifyConfigError(
            f"the webhook notifier posts to URLs, but a message for case {message.case_ref} is addressed "
            f"to an {recipient.kind}: route email recipients to the email notifier"
        )
    try:
        url = httpx.URL(recipient.address)
    except httpx.InvalidURL as error:
        raise NotifyConfigError(
            f"the webhook URL for case {message.case_ref} is not a valid URL: correct the agency's "
            "webhook address"
        ) from error
    # notices carry special category data: plain http only to this machine, for local testing
    if not url.host or (url.scheme != "https" and not (url.scheme == "http" and url.host in _LOOPBACK_HOSTS)):
        raise NotifyConfigError(
            f"the webhook URL for case {message.case_ref} must start with https:// (host {url.host!r}): "
            "correct the agency's webhook address"
        )
    return url


def _error_for(response: httpx.Response, url: httpx.URL, message: Message) -> NotifyError:
    # the receiver's body is not quoted: it may echo the notice back
    where = f"the webhook at {url.host} answered {response.status_code} for case {message.case_ref}"
    code = response.status_code
    if code >= httpx.codes.INTERNAL_SERVER_ERROR or code in _RETRYABLE_CLIENT_ERRORS:
        return NotifyTemporaryError(f"{where}: the send will be retried")
    if response.is_redirect:
        return NotifyPermanentError(
            f"{where} (a redirect): ask the agency for its final webhook URL and update it"
        )
    if code in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
        return NotifyPermanentError(
            f"{where}: the agency refused our signature; check that it holds the same secret as "
            "EHCP_WEBHOOK_SECRET and that both clocks are right"
        )
    return NotifyPermanentError(f"{where}: the agency's system refused the notice; ask the agency why")
