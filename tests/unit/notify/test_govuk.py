"""`GovUkNotifyNotifier` against a mock of the GOV.UK Notify API v2 (`httpx.MockTransport`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from notify.base import Delivery, NotifyConfigError, NotifyPermanentError, NotifyTemporaryError
from notify.govuk import GovUkNotifyNotifier, parse_api_key

from .messages import email, webhook

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"ehcp_live-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
NOW = 1_741_900_000.75
NOTIFICATION_ID = "740e5834-3a29-46b4-9a6f-16142fde533a"

Handler = Callable[[httpx.Request], httpx.Response]


class FakeNotify:
    """Answers the list call with `existing` notifications and the send call with `send_status`."""

    def __init__(self, send_status: int = 201, send_body: Any = None, existing: list[Any] | None = None):
        self.requests: list[httpx.Request] = []
        self.send_status = send_status
        self.send_body = {"id": NOTIFICATION_ID, "reference": "x"} if send_body is None else send_body
        self.existing = existing or []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET" and request.url.path == "/v2/notifications":
            return httpx.Response(200, json={"notifications": self.existing, "links": {}})
        if request.method == "POST" and request.url.path == "/v2/notifications/email":
            return httpx.Response(self.send_status, json=self.send_body)
        return httpx.Response(404, json={"errors": [{"error": "NotFound", "message": "no such route"}]})

    @property
    def sends(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST"]


@pytest.fixture
async def client_for() -> AsyncIterator[Callable[[Handler], httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def make(handler: Handler) -> httpx.AsyncClient:
        clients.append(httpx.AsyncClient(transport=httpx.MockTransport(handler)))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()


def notifier(client: httpx.AsyncClient, **options: Any) -> GovUkNotifyNotifier:
    return GovUkNotifyNotifier(
        API_KEY, email_template_id=TEMPLATE_ID, client=client, now=lambda: NOW, **options
    )


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verified_claims(request: httpx.Request) -> dict[str, Any]:
    """The JWT's claims, after checking its header and its HS256 signature with the secret key."""
    scheme, token = request.headers["Authorization"].split(" ")
    assert scheme == "Bearer"
    header, claims, signature = token.split(".")
    expected = hmac.new(SECRET.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(_unb64(signature), expected)
    assert "=" not in token
    assert json.loads(_unb64(header)) == {"typ": "JWT", "alg": "HS256"}
    decoded: dict[str, Any] = json.loads(_unb64(claims))
    return decoded


async def test_sends_the_email_with_a_signed_token_and_returns_notifys_id(client_for: Any) -> None:
    notify = FakeNotify()
    message = email()

    delivery = await notifier(client_for(notify)).send(message)

    assert delivery.status == "sent"
    assert delivery.provider_ref == NOTIFICATION_ID
    (send,) = notify.sends
    assert send.url == "https://api.notifications.service.gov.uk/v2/notifications/email"
    assert json.loads(send.content) == {
        "email_address": "senco@riverside.sch.example",
        "template_id": TEMPLATE_ID,
        "personalisation": {"subject": message.subject, "body": message.body},
        "reference": message.idempotency_key,
    }
    for request in notify.requests:
        assert verified_claims(request) == {"iss": SERVICE_ID, "iat": 1_741_900_000}


async def test_each_request_gets_a_token_for_its_own_time(client_for: Any) -> None:
    notify = FakeNotify()
    clock = iter([1000.0, 1001.9, 1002.0, 1003.0])
    sender = GovUkNotifyNotifier(
        API_KEY, email_template_id=TEMPLATE_ID, client=client_for(notify), now=lambda: next(clock)
    )
    await sender.send(email("a"))
    await sender.send(email("b"))

    assert [verified_claims(r)["iat"] for r in notify.requests] == [1000, 1001, 1002, 1003]


async def test_a_token_signed_with_another_secret_fails_the_check(client_for: Any) -> None:
    notify = FakeNotify()
    other = f"ehcp_live-{SERVICE_ID}-00000000-0000-4000-8000-000000000000"
    await GovUkNotifyNotifier(other, email_template_id=TEMPLATE_ID, client=client_for(notify)).send(email())

    with pytest.raises(AssertionError):
        verified_claims(notify.requests[0])


async def test_uses_the_configured_base_url(client_for: Any) -> None:
    notify = FakeNotify()
    await notifier(client_for(notify), base_url="https://notify.test.example/").send(email())

    assert [str(r.url.copy_with(query=None)) for r in notify.requests] == [
        "https://notify.test.example/v2/notifications",
        "https://notify.test.example/v2/notifications/email",
    ]


async def test_a_retry_finds_the_earlier_notification_by_reference_and_does_not_send(client_for: Any) -> None:
    message = email()
    earlier = {"id": NOTIFICATION_ID, "reference": message.idempotency_key, "status": "delivered"}
    notify = FakeNotify(existing=[earlier])

    delivery = await notifier(client_for(notify)).send(message)

    assert notify.sends == []
    assert delivery == Delivery(
        "delivered",
        provider_ref=NOTIFICATION_ID,
        detail="already sent through GOV.UK Notify (status delivered)",
    )
    (lookup,) = notify.requests
    assert lookup.url.params["reference"] == message.idempotency_key
    assert lookup.url.params["template_type"] == "email"


async def test_notifications_with_other_references_do_not_count(client_for: Any) -> None:
    notify = FakeNotify(existing=[{"id": "other", "reference": "someone-else", "status": "delivered"}])

    delivery = await notifier(client_for(notify)).send(email())

    assert len(notify.sends) == 1
    assert delivery.provider_ref == NOTIFICATION_ID


@pytest.mark.parametrize(
    ("notify_status", "status"),
    [
        ("created", "sent"),
        ("sending", "sent"),
        ("permanent-failure", "failed"),
        ("technical-failure", "failed"),
    ],
)
async def test_an_earlier_notifications_status_is_reported(
    client_for: Any, notify_status: str, status: str
) -> None:
    message = email()
    notify = FakeNotify(
        existing=[{"id": "n1", "reference": message.idempotency_key, "status": notify_status}]
    )

    delivery = await notifier(client_for(notify)).send(message)

    assert (delivery.status, delivery.provider_ref) == (status, "n1")


@pytest.mark.parametrize(
    ("code", "notify_says"),
    [
        (400, "Can't send to this recipient using a team-only API key"),
        (400, "template_id is not a valid UUID"),
        (404, "Not found"),
    ],
)
async def test_a_refusal_is_permanent_and_quotes_notify(client_for: Any, code: int, notify_says: str) -> None:
    body = {"status_code": code, "errors": [{"error": "BadRequestError", "message": notify_says}]}
    notify = FakeNotify(send_status=code, send_body=body)

    with pytest.raises(NotifyPermanentError) as caught:
        await notifier(client_for(notify)).send(email())

    assert notify_says in str(caught.value)
    assert "assessment-5d1c" in str(caught.value)
    assert "senco@" not in str(caught.value)


async def test_a_rejected_key_tells_the_operator_which_setting_to_check(client_for: Any) -> None:
    body = {
        "status_code": 403,
        "errors": [{"error": "AuthError", "message": "Invalid token: API key not found"}],
    }
    notify = FakeNotify(send_status=403, send_body=body)

    with pytest.raises(NotifyPermanentError, match="EHCP_NOTIFY_API_KEY") as caught:
        await notifier(client_for(notify)).send(email())
    assert "API key not found" in str(caught.value)


async def test_a_rejected_key_on_the_lookup_is_reported_too(client_for: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"errors": [{"error": "AuthError", "message": "Invalid token"}]})

    with pytest.raises(NotifyPermanentError, match="EHCP_NOTIFY_API_KEY"):
        await notifier(client_for(handler)).send(email())


@pytest.mark.parametrize("code", [429, 500, 502, 503])
async def test_rate_limits_and_server_errors_are_temporary(client_for: Any, code: int) -> None:
    body = {"status_code": code, "errors": [{"error": "RateLimitError", "message": "Exceeded rate limit"}]}
    notify = FakeNotify(send_status=code, send_body=body)

    with pytest.raises(NotifyTemporaryError, match="retried"):
        await notifier(client_for(notify)).send(email())


async def test_a_server_error_without_json_is_temporary(client_for: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>Bad gateway</html>")

    with pytest.raises(NotifyTemporaryError, match="Bad Gateway"):
        await notifier(client_for(handler)).send(email())


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError])
async def test_transport_errors_are_temporary(client_for: Any, error: type[httpx.TransportError]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("boom", request=request)

    with pytest.raises(NotifyTemporaryError, match=r"could not reach GOV\.UK Notify"):
        await notifier(client_for(handler)).send(email())


async def test_an_accepted_send_without_an_id_is_retried_not_lost(client_for: Any) -> None:
    notify = FakeNotify(send_body={"unexpected": True})

    with pytest.raises(NotifyTemporaryError, match="reference"):
        await notifier(client_for(notify)).send(email())


async def test_webhook_recipients_are_refused_before_any_request(client_for: Any) -> None:
    notify = FakeNotify()

    with pytest.raises(NotifyConfigError, match="webhook"):
        await notifier(client_for(notify)).send(webhook())
    assert notify.requests == []


def test_the_api_key_splits_into_service_id_and_secret() -> None:
    assert parse_api_key(API_KEY) == (SERVICE_ID, SECRET)
    assert parse_api_key(f"my-key-with-dashes-{SERVICE_ID}-{SECRET}") == (SERVICE_ID, SECRET)


@pytest.mark.parametrize(
    "bad_key",
    [
        "",
        "short",
        SECRET,
        f"name-{SERVICE_ID}{SECRET}",
        f"name-{SERVICE_ID}-{SECRET[:-1]}x",
        f"name-{SERVICE_ID}_{SECRET}",
    ],
)
async def test_a_malformed_key_is_a_configuration_error_that_does_not_echo_it(
    client_for: Any, bad_key: str
) -> None:
    with pytest.raises(NotifyConfigError, match="EHCP_NOTIFY_API_KEY") as caught:
        GovUkNotifyNotifier(bad_key, email_template_id=TEMPLATE_ID, client=client_for(FakeNotify()))
    assert SECRET[:8] not in str(caught.value)


async def test_a_missing_template_id_is_a_configuration_error(client_for: Any) -> None:
    with pytest.raises(NotifyConfigError, match="EHCP_NOTIFY_EMAIL_TEMPLATE_ID"):
        GovUkNotifyNotifier(API_KEY, email_template_id="", client=client_for(FakeNotify()))


@pytest.mark.parametrize("base_url", ["api.notifications.service.gov.uk", "ftp://notify.example", "https://"])
async def test_a_base_url_that_is_not_http_is_a_configuration_error(client_for: Any, base_url: str) -> None:
    with pytest.raises(NotifyConfigError, match="EHCP_NOTIFY_BASE_URL"):
        notifier(client_for(FakeNotify()), base_url=base_url)
