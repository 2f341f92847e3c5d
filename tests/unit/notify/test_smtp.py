"""`SmtpNotifier` against a real SMTP conversation with a tiny receiver on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
from collections.abc import AsyncIterator
from email.message import EmailMessage

import pytest

from notify.base import NotifyConfigError, NotifyPermanentError, NotifyTemporaryError, Recipient
from notify.smtp import SmtpNotifier

from .messages import email as email_message
from .messages import webhook
from .smtp_server import SmtpReceiver

SENDER = "SEND Team <send@council.example>"


@pytest.fixture
async def receiver() -> AsyncIterator[SmtpReceiver]:
    server = SmtpReceiver()
    await server.start()
    yield server
    await server.stop()


def notifier(receiver: SmtpReceiver) -> SmtpNotifier:
    return SmtpNotifier("127.0.0.1", receiver.port, sender=SENDER, starttls=False, timeout=5)


def parsed(data: bytes) -> EmailMessage:
    """The received email, with the wire's CRLF line ends turned into newlines as a mailbox stores them."""
    message = email.message_from_bytes(data.replace(b"\r\n", b"\n"), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


async def test_the_relay_receives_the_email_with_a_message_id_from_the_key(receiver: SmtpReceiver) -> None:
    message = email_message(body="Advice is due by 14 March 2025.\n.\n.A line that starts with a dot.\n")
    sender = notifier(receiver)

    delivery = await sender.send(message)

    (received,) = receiver.messages
    assert received.sender == "send@council.example"
    assert received.recipients == ["senco@riverside.sch.example"]
    mail = parsed(received.data)
    assert mail["To"] == "Riverside Primary SENCO <senco@riverside.sch.example>"
    assert mail["From"] == SENDER
    assert mail["Subject"] == message.subject
    assert mail["X-EHCP-Case"] == "assessment-5d1c"
    assert mail["X-EHCP-Template"] == "advice_request"
    assert mail["Message-ID"] == sender.message_id(message)
    assert mail["Message-ID"].endswith("@council.example>")
    assert mail.get_content() == message.body
    assert delivery.status == "sent"
    assert delivery.provider_ref == sender.message_id(message)
    assert receiver.commands[-1] == "QUIT"


async def test_the_message_id_depends_only_on_the_key(receiver: SmtpReceiver) -> None:
    sender = notifier(receiver)
    same = sender.message_id(email_message("k", body="one")) == sender.message_id(
        email_message("k", body="two")
    )

    assert same
    assert sender.message_id(email_message("k")) != sender.message_id(email_message("j"))


async def test_a_repeated_key_is_not_sent_twice(receiver: SmtpReceiver) -> None:
    sender = notifier(receiver)

    first = await sender.send(email_message())
    again = await sender.send(email_message())

    assert again == first
    assert len(receiver.messages) == 1


async def test_non_ascii_text_arrives_intact_through_a_7bit_safe_encoding(receiver: SmtpReceiver) -> None:
    message = email_message(
        subject="Case assessment-5d1c: advice requested — due 14 March 2025",
        body="Dear Ms Ní Bhriain, please send your advice — thank you.\n",
        recipient=Recipient("email", "senco@riverside.sch.example", "Zoë O\u2019Neill\u2019s SENCO"),
    )
    await notifier(receiver).send(message)

    (received,) = receiver.messages
    assert received.data.isascii()
    mail = parsed(received.data)
    assert mail["Subject"] == message.subject
    assert mail["To"].addresses[0].display_name == "Zoë O\u2019Neill\u2019s SENCO"
    assert mail.get_content() == message.body


async def test_a_refused_mailbox_is_permanent_and_the_address_is_not_repeated(receiver: SmtpReceiver) -> None:
    receiver.rcpt_reply = b"550 5.1.1 <senco@riverside.sch.example>: mailbox unavailable"

    with pytest.raises(NotifyPermanentError) as caught:
        await notifier(receiver).send(email_message())

    text = str(caught.value)
    assert "550" in text
    assert "assessment-5d1c" in text
    assert "mailbox unavailable" in text
    assert "senco@riverside" not in text
    assert receiver.messages == []


async def test_a_deferred_mailbox_is_temporary_and_a_retry_then_delivers(receiver: SmtpReceiver) -> None:
    receiver.rcpt_reply = b"451 4.3.0 Try again later"
    sender = notifier(receiver)
    with pytest.raises(NotifyTemporaryError, match="451"):
        await sender.send(email_message())

    receiver.rcpt_reply = b"250 OK"
    assert (await sender.send(email_message())).status == "sent"
    assert len(receiver.messages) == 1


async def test_an_unreachable_relay_is_temporary(receiver: SmtpReceiver) -> None:
    port = receiver.port
    await receiver.stop()
    sender = SmtpNotifier("127.0.0.1", port, sender=SENDER, starttls=False, timeout=5)

    with pytest.raises(NotifyTemporaryError, match="retried"):
        await sender.send(email_message())
    await receiver.start()  # the fixture stops it again


async def test_a_relay_without_starttls_is_a_configuration_error(receiver: SmtpReceiver) -> None:
    sender = SmtpNotifier("127.0.0.1", receiver.port, sender=SENDER, starttls=True, timeout=5)

    with pytest.raises(NotifyConfigError, match="EHCP_SMTP_STARTTLS"):
        await sender.send(email_message())
    assert receiver.messages == []


async def test_webhook_recipients_are_refused_before_connecting(receiver: SmtpReceiver) -> None:
    with pytest.raises(NotifyConfigError, match="webhook"):
        await notifier(receiver).send(webhook())
    assert receiver.commands == []


async def test_an_address_that_would_break_the_headers_is_refused(receiver: SmtpReceiver) -> None:
    bad = Recipient("email", "senco@riverside.sch.example\r\nBcc: all@elsewhere.example")

    with pytest.raises(NotifyPermanentError, match="not valid"):
        await notifier(receiver).send(email_message(recipient=bad))
    assert receiver.messages == []


@pytest.mark.parametrize("sender", ["", "SEND Team", "send-at-council.example"])
def test_a_sender_without_an_address_is_a_configuration_error(sender: str) -> None:
    with pytest.raises(NotifyConfigError, match="EHCP_SMTP_SENDER"):
        SmtpNotifier("127.0.0.1", 25, sender=sender)


def test_a_username_without_a_password_is_a_configuration_error() -> None:
    with pytest.raises(NotifyConfigError, match="EHCP_SMTP_PASSWORD"):
        SmtpNotifier("127.0.0.1", 25, sender=SENDER, username="send-team")
