"""`build_notifier`: choosing a channel by name from settings, with errors that name what is missing."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from notify import (
    ConsoleNotifier,
    FakeNotifier,
    FileNotifier,
    GovUkNotifyNotifier,
    NotifyConfigError,
    SmtpNotifier,
    WebhookNotifier,
    build_notifier,
)

from .messages import email, webhook

API_KEY = "ehcp_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        yield client


async def test_builds_the_file_outbox_from_a_string_path(tmp_path: Path) -> None:
    notifier = build_notifier("file", directory=str(tmp_path))

    assert isinstance(notifier, FileNotifier)
    delivery = await notifier.send(email())
    assert (tmp_path / delivery.provider_ref).is_file()


async def test_builds_the_console_on_a_given_stream() -> None:
    stream = io.StringIO()
    notifier = build_notifier("console", stream=stream)

    assert isinstance(notifier, ConsoleNotifier)
    await notifier.send(email())
    assert "Case: assessment-5d1c" in stream.getvalue()


async def test_builds_govuk_notify(client: httpx.AsyncClient) -> None:
    notifier = build_notifier(
        "govuk", api_key=API_KEY, email_template_id="f33517ff-2a88-4f6e-b855-c550268ce08a", client=client
    )
    assert isinstance(notifier, GovUkNotifyNotifier)


async def test_builds_smtp_from_string_settings() -> None:
    notifier = build_notifier("smtp", host="relay.council.example", port="587", sender="send@council.example")

    assert isinstance(notifier, SmtpNotifier)
    assert notifier.port == 587


async def test_builds_a_webhook_notifier_from_a_text_secret(client: httpx.AsyncClient) -> None:
    notifier = build_notifier("webhook", secret="shared secret", client=client)

    assert isinstance(notifier, WebhookNotifier)
    assert (await notifier.send(webhook())).status == "delivered"


def test_builds_the_fake() -> None:
    assert isinstance(build_notifier("fake"), FakeNotifier)


@pytest.mark.parametrize(
    ("kind", "options", "missing"),
    [
        ("file", {}, "directory"),
        ("govuk", {"api_key": API_KEY, "client": object()}, "email_template_id"),
        ("govuk", {"email_template_id": "t", "client": object()}, "api_key"),
        ("govuk", {"api_key": API_KEY, "email_template_id": "t"}, "client"),
        ("smtp", {"host": "relay.council.example", "sender": "send@council.example"}, "port"),
        ("smtp", {"host": "", "port": 25, "sender": "send@council.example"}, "host"),
        ("webhook", {"client": object()}, "secret"),
    ],
)
def test_a_missing_option_is_named(kind: str, options: dict[str, object], missing: str) -> None:
    with pytest.raises(NotifyConfigError, match=rf"needs the option\(s\) {missing}\b"):
        build_notifier(kind, **options)


def test_an_unknown_option_is_named(tmp_path: Path) -> None:
    with pytest.raises(NotifyConfigError, match=r"does not take the option.*directroy"):
        build_notifier("file", directory=tmp_path, directroy=tmp_path)


def test_an_unknown_kind_lists_the_choices() -> None:
    with pytest.raises(NotifyConfigError, match=r"'pigeon'.*console, fake, file, govuk, smtp, webhook"):
        build_notifier("pigeon")


def test_a_port_that_is_not_a_number_is_a_configuration_error() -> None:
    with pytest.raises(NotifyConfigError, match="EHCP_SMTP_PORT"):
        build_notifier("smtp", host="relay.council.example", port="smtp", sender="send@council.example")


@pytest.mark.parametrize(
    ("value", "expected"), [("false", False), ("0", False), ("true", True), (True, True)]
)
def test_starttls_accepts_setting_strings(value: object, expected: bool) -> None:
    notifier = build_notifier(
        "smtp", host="relay.council.example", port=25, sender="send@council.example", starttls=value
    )
    assert isinstance(notifier, SmtpNotifier)
    assert notifier.starttls is expected
