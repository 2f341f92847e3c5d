"""GOV.UK Notify (API v2) for email: a thin async client that signs every request with a fresh JWT.

One Notify email template with the placeholders ((subject)) and ((body)) carries every notice; the
service fills them in. Notify renders the body as Markdown and HTML, so the notice's plain text is
escaped for it first (`govuk_body`, notify/escape.py): a school's name cannot become a link, a heading
or a ((placeholder)). The idempotency key goes to Notify as the message's `reference` (so it must hold
no personal data, which keys never do). Notify itself does not deduplicate, so before each send the
notifier asks Notify for a notification with that reference, and returns it instead of sending again:
a retry after a timeout, even from another worker, never emails a school or a parent twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from notify.base import (
    Delivery,
    DeliveryStatus,
    Message,
    NotifyConfigError,
    NotifyError,
    NotifyPermanentError,
    NotifyTemporaryError,
)
from notify.escape import govuk_body, govuk_subject

DEFAULT_BASE_URL = "https://api.notifications.service.gov.uk"
SEND_EMAIL_PATH = "/v2/notifications/email"
LIST_PATH = "/v2/notifications"
_UUID_LENGTH = 36
_FAILED = frozenset({"permanent-failure", "temporary-failure", "technical-failure", "failed"})


def parse_api_key(api_key: str) -> tuple[str, str]:
    """The service id and secret key in a Notify API key `{key_name}-{service_id}-{secret_key}`."""
    service_id = api_key[-(2 * _UUID_LENGTH + 1) : -(_UUID_LENGTH + 1)]
    secret_key = api_key[-_UUID_LENGTH:]
    try:
        uuid.UUID(service_id)
        uuid.UUID(secret_key)
        well_formed = api_key[-(_UUID_LENGTH + 1)] == "-" and len(service_id) == _UUID_LENGTH
    except (ValueError, IndexError):
        well_formed = False
    if not well_formed:
        # never echo the key: it is a secret
        raise NotifyConfigError(
            "the GOV.UK Notify API key is malformed (expected {key_name}-{service_id}-{secret_key}): "
            "copy the whole key from Notify's API integration page into EHCP_NOTIFY_API_KEY"
        )
    return service_id, secret_key


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _compact_json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def make_token(service_id: str, secret_key: str, issued_at: float) -> str:
    """The HS256 JWT Notify expects: issuer the service id, issued-at `issued_at` in whole seconds."""
    header = _b64url(_compact_json({"typ": "JWT", "alg": "HS256"}))
    claims = _b64url(_compact_json({"iss": service_id, "iat": int(issued_at)}))
    signing_input = f"{header}.{claims}".encode("ascii")
    signature = hmac.new(secret_key.encode("utf-8"), signing_input, hashlib.sha256).digest()
    return f"{header}.{claims}.{_b64url(signature)}"


class GovUkNotifyNotifier:
    """Sends email through GOV.UK Notify; "sent" means Notify has accepted it for delivery."""

    def __init__(
        self,
        api_key: str,
        *,
        email_template_id: str,
        client: httpx.AsyncClient,
        base_url: str = DEFAULT_BASE_URL,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._service_id, self._secret_key = parse_api_key(api_key)
        if not email_template_id:
            raise NotifyConfigError(
                "no GOV.UK Notify email template id: set EHCP_NOTIFY_EMAIL_TEMPLATE_ID to the id of a "
                "template whose subject is ((subject)) and whose body is ((body))"
            )
        url = httpx.URL(base_url)
        if url.scheme not in ("https", "http") or not url.host:
            raise NotifyConfigError(
                f"the GOV.UK Notify base URL {base_url!r} is not an http(s) URL: leave it unset for "
                f"{DEFAULT_BASE_URL}, or check EHCP_NOTIFY_BASE_URL"
            )
        self._template_id = email_template_id
        self._client = client
        self._base_url = base_url.rstrip("/")
        self._now = now

    async def send(self, message: Message) -> Delivery:
        if message.recipient.kind != "email":
            raise NotifyConfigError(
                f"GOV.UK Notify sends email only, but a message for case {message.case_ref} is addressed "
                f"to a {message.recipient.kind}: route webhook recipients to the webhook notifier"
            )
        earlier = await self._find_by_reference(message)
        if earlier is not None:
            return earlier
        payload = {
            "email_address": message.recipient.address,
            "template_id": self._template_id,
            "personalisation": {"subject": govuk_subject(message.subject), "body": govuk_body(message.body)},
            "reference": message.idempotency_key,
        }
        response = await self._request("POST", SEND_EMAIL_PATH, message, json=payload)
        if response.status_code != httpx.codes.CREATED:
            raise _error_for(response, message)
        notification_id = _json(response).get("id")
        if not isinstance(notification_id, str):
            # Notify accepted it; a retry will find it by reference rather than send it again
            raise NotifyTemporaryError(
                f"GOV.UK Notify accepted case {message.case_ref} but its answer had no notification id: "
                "the send will be retried and will find the notification by its reference"
            )
        return Delivery("sent", provider_ref=notification_id, detail="accepted by GOV.UK Notify")

    async def _find_by_reference(self, message: Message) -> Delivery | None:
        params = {"reference": message.idempotency_key, "template_type": "email"}
        response = await self._request("GET", LIST_PATH, message, params=params)
        if response.status_code != httpx.codes.OK:
            raise _error_for(response, message)
        notifications = _json(response).get("notifications")
        if not isinstance(notifications, list):
            return None
        for notification in notifications:
            if isinstance(notification, dict) and notification.get("reference") == message.idempotency_key:
                status = str(notification.get("status", ""))
                return Delivery(
                    _delivery_status(status),
                    provider_ref=str(notification.get("id", "")),
                    detail=f"already sent through GOV.UK Notify (status {status or 'unknown'})",
                )
        return None

    async def _request(self, method: str, path: str, message: Message, **kwargs: Any) -> httpx.Response:
        token = make_token(self._service_id, self._secret_key, self._now())
        headers = {"Authorization": f"Bearer {token}", "User-Agent": "ehcp-notify"}
        try:
            return await self._client.request(method, self._base_url + path, headers=headers, **kwargs)
        except httpx.TransportError as error:
            raise NotifyTemporaryError(
                f"could not reach GOV.UK Notify for case {message.case_ref} ({type(error).__name__}): "
                "the send will be retried; if it keeps failing, check the worker's network "
                "and https://status.notifications.service.gov.uk"
            ) from error


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _delivery_status(notify_status: str) -> DeliveryStatus:
    if notify_status == "delivered":
        return "delivered"
    if notify_status in _FAILED:
        return "failed"
    return "sent"


def _error_for(response: httpx.Response, message: Message) -> NotifyError:
    """The error for a refusal, with Notify's own words and what the operator should do next."""
    code = response.status_code
    errors = _json(response).get("errors")
    said = (
        "; ".join(str(item.get("message", "")) for item in errors if isinstance(item, dict))
        if isinstance(errors, list)
        else ""
    )
    said = said or response.reason_phrase or "no reason given"
    where = f"GOV.UK Notify answered {code} for case {message.case_ref}: {said}"
    if code == httpx.codes.TOO_MANY_REQUESTS or code >= httpx.codes.INTERNAL_SERVER_ERROR:
        return NotifyTemporaryError(f"{where}. The send will be retried later.")
    if code in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
        return NotifyPermanentError(
            f"GOV.UK Notify rejected the API key ({said}): check EHCP_NOTIFY_API_KEY, "
            "and that the worker's clock is right to within 30 seconds"
        )
    if code == httpx.codes.BAD_REQUEST:
        return NotifyPermanentError(
            f"{where}. Check EHCP_NOTIFY_EMAIL_TEMPLATE_ID, the recipient's address on the case, and "
            "whether a trial-mode or team key is being used to send outside the team"
        )
    return NotifyPermanentError(f"{where}. Do not retry; look at the message in Notify's dashboard.")
