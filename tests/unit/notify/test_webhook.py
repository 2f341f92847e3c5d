"""`WebhookNotifier` and `verify_signature`, against agency endpoints mocked with `httpx.MockTransport`."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from notify.base import NotifyConfigError, NotifyPermanentError, NotifyTemporaryError, Recipient
from notify.webhook import WebhookNotifier, sign, verify_signature

from .messages import email, webhook

SECRET = b"shared-with-riverside-health-trust"
NOW = 1_741_900_000.6

Handler = Callable[[httpx.Request], httpx.Response]


class Endpoint:
    """An agency endpoint that checks signatures the way the docs tell agencies to, and answers `status`."""

    def __init__(self, status: int = 202, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.headers = headers or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, headers=self.headers)


@pytest.fixture
async def client_for() -> AsyncIterator[Callable[[Handler], httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def make(handler: Handler) -> httpx.AsyncClient:
        clients.append(httpx.AsyncClient(transport=httpx.MockTransport(handler)))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()


def notifier(client: httpx.AsyncClient) -> WebhookNotifier:
    return WebhookNotifier(SECRET, client=client, now=lambda: NOW)


async def test_posts_signed_json_with_the_idempotency_key(client_for: Any) -> None:
    endpoint = Endpoint(headers={"X-Request-Id": "trust-req-42"})
    message = webhook()

    delivery = await notifier(client_for(endpoint)).send(message)

    assert delivery.status == "delivered"
    assert delivery.provider_ref == "trust-req-42"
    (request,) = endpoint.requests
    assert request.method == "POST"
    assert request.url == "https://trust.example/ehcp/notices"
    assert json.loads(request.content) == {
        "idempotency_key": message.idempotency_key,
        "case_ref": "assessment-5d1c",
        "template": "advice_request",
        "subject": message.subject,
        "body": message.body,
    }
    assert request.headers["Idempotency-Key"] == message.idempotency_key
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.headers["X-EHCP-Timestamp"] == "1741900000"
    expected = hmac.new(SECRET, b"1741900000." + request.content, hashlib.sha256).hexdigest()
    assert request.headers["X-EHCP-Signature"] == f"sha256={expected}"
    assert verify_signature(
        SECRET,
        request.headers["X-EHCP-Timestamp"],
        request.content,
        request.headers["X-EHCP-Signature"],
        now=NOW + 3,
    )


async def test_a_delivered_key_is_not_posted_again(client_for: Any) -> None:
    endpoint = Endpoint()
    sender = notifier(client_for(endpoint))

    first = await sender.send(webhook())
    again = await sender.send(webhook())

    assert again == first
    assert len(endpoint.requests) == 1


async def test_a_key_that_failed_is_posted_again_on_retry(client_for: Any) -> None:
    endpoint = Endpoint(status=503)
    sender = notifier(client_for(endpoint))
    with pytest.raises(NotifyTemporaryError):
        await sender.send(webhook())

    endpoint.status = 200
    assert (await sender.send(webhook())).status == "delivered"
    assert [r.headers["Idempotency-Key"] for r in endpoint.requests] == [webhook().idempotency_key] * 2


@pytest.mark.parametrize("code", [200, 201, 202, 204])
async def test_any_2xx_is_delivered(client_for: Any, code: int) -> None:
    assert (await notifier(client_for(Endpoint(code))).send(webhook())).status == "delivered"


@pytest.mark.parametrize("code", [400, 404, 409, 410, 422, 301, 302])
async def test_refusals_and_redirects_are_permanent(client_for: Any, code: int) -> None:
    with pytest.raises(NotifyPermanentError, match=r"trust\.example"):
        await notifier(client_for(Endpoint(code, {"Location": "https://elsewhere.example/"}))).send(webhook())


@pytest.mark.parametrize("code", [401, 403])
async def test_a_refused_signature_points_at_the_shared_secret(client_for: Any, code: int) -> None:
    with pytest.raises(NotifyPermanentError, match="EHCP_WEBHOOK_SECRET"):
        await notifier(client_for(Endpoint(code))).send(webhook())


@pytest.mark.parametrize("code", [500, 502, 503, 504, 408, 429])
async def test_server_errors_timeouts_and_rate_limits_are_temporary(client_for: Any, code: int) -> None:
    with pytest.raises(NotifyTemporaryError, match="retried"):
        await notifier(client_for(Endpoint(code))).send(webhook())


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadError])
async def test_transport_errors_are_temporary(client_for: Any, error: type[httpx.TransportError]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("unreachable", request=request)

    with pytest.raises(NotifyTemporaryError, match=r"could not reach the webhook at trust\.example"):
        await notifier(client_for(handler)).send(webhook())


async def test_error_messages_do_not_quote_what_the_receiver_echoed(client_for: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, content=request.content)

    with pytest.raises(NotifyPermanentError) as caught:
        await notifier(client_for(handler)).send(webhook(body="Advice about a named child"))
    assert "named child" not in str(caught.value)


@pytest.mark.parametrize(
    "address",
    ["http://trust.example/hook", "ftp://trust.example/hook", "not a url", "https://"],
)
async def test_urls_other_than_https_are_refused_before_any_request(client_for: Any, address: str) -> None:
    endpoint = Endpoint()
    message = webhook(recipient=Recipient("webhook", address))

    with pytest.raises(NotifyConfigError, match="agency's webhook address"):
        await notifier(client_for(endpoint)).send(message)
    assert endpoint.requests == []


async def test_plain_http_is_allowed_to_this_machine_only(client_for: Any) -> None:
    endpoint = Endpoint()
    message = webhook(recipient=Recipient("webhook", "http://127.0.0.1:8025/hook"))

    assert (await notifier(client_for(endpoint)).send(message)).status == "delivered"


async def test_email_recipients_are_refused(client_for: Any) -> None:
    with pytest.raises(NotifyConfigError, match="email"):
        await notifier(client_for(Endpoint())).send(email())


def test_an_empty_secret_is_a_configuration_error(client_for: Any) -> None:
    with pytest.raises(NotifyConfigError, match="EHCP_WEBHOOK_SECRET"):
        WebhookNotifier(b"", client=client_for(Endpoint()))


BODY = b'{"idempotency_key":"k","case_ref":"assessment-5d1c"}'
TIMESTAMP = "1741900000"
GOOD = sign(SECRET, TIMESTAMP, BODY)


def test_verify_accepts_a_genuine_fresh_request() -> None:
    assert verify_signature(SECRET, TIMESTAMP, BODY, GOOD, now=1_741_900_000)
    assert verify_signature(SECRET, int(TIMESTAMP), BODY, GOOD, now=1_741_900_299)
    assert verify_signature(SECRET, TIMESTAMP, BODY, GOOD, now=1_741_899_701)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "signature"),
    [
        pytest.param(SECRET, TIMESTAMP, BODY.replace(b"5d1c", b"5d1d"), GOOD, id="tampered body"),
        pytest.param(SECRET, "1741900001", BODY, GOOD, id="tampered timestamp"),
        pytest.param(b"another-secret", TIMESTAMP, BODY, GOOD, id="wrong secret"),
        pytest.param(SECRET, TIMESTAMP, BODY, GOOD.removeprefix("sha256="), id="missing prefix"),
        pytest.param(SECRET, TIMESTAMP, BODY, GOOD.upper(), id="altered signature"),
        pytest.param(SECRET, TIMESTAMP, BODY, "", id="no signature"),
        pytest.param(SECRET, "", BODY, GOOD, id="no timestamp"),
        pytest.param(SECRET, "17419e5", BODY, GOOD, id="not a number"),
        pytest.param(SECRET, TIMESTAMP, BODY, "sha256=é", id="non-ascii signature"),
    ],
)
def test_verify_refuses_anything_altered(secret: bytes, timestamp: str, body: bytes, signature: str) -> None:
    assert not verify_signature(secret, timestamp, body, signature, now=1_741_900_000)


@pytest.mark.parametrize("now", [1_741_900_301, 1_741_899_699, 1_741_990_000])
def test_verify_refuses_a_stale_or_future_timestamp(now: float) -> None:
    assert not verify_signature(SECRET, TIMESTAMP, BODY, GOOD, now=now)


def test_verify_honours_a_custom_tolerance() -> None:
    assert verify_signature(SECRET, TIMESTAMP, BODY, GOOD, now=1_741_900_030, tolerance_seconds=30)
    assert not verify_signature(SECRET, TIMESTAMP, BODY, GOOD, now=1_741_900_031, tolerance_seconds=30)
