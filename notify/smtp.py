"""Email through the council's own SMTP relay, for authorities that do not use GOV.UK Notify.

`smtplib` blocks, so each send runs in a worker thread. SMTP has no idempotency keys: within one worker
a delivered key is not sent again, and the Message-ID is derived from the key, so a receiving mail
system that drops duplicate Message-IDs drops a resend from another worker too.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formataddr, formatdate, parseaddr

from notify.base import (
    Delivery,
    Message,
    NotifyConfigError,
    NotifyError,
    NotifyPermanentError,
    NotifyTemporaryError,
    key_digest,
    one_line,
)
from notify.once import SendOnce

DEFAULT_TIMEOUT_SECONDS = 30.0
# 7bit: non-ASCII bodies go quoted-printable, so relays without 8BITMIME carry them intact
_POLICY = SMTP_POLICY.clone(cte_type="7bit")
_TRANSIENT_CODES = range(400, 500)


class SmtpNotifier:
    """Sends each message as a plain-text email; status "sent" once the relay accepts it."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._sender_address = parseaddr(sender)[1]
        if "@" not in self._sender_address:
            raise NotifyConfigError(
                "the SMTP sender is not an email address: set EHCP_SMTP_SENDER, e.g. "
                '"SEND Team <send@council.gov.uk>"'
            )
        if username and password is None:
            raise NotifyConfigError("an SMTP username is set without a password: set EHCP_SMTP_PASSWORD")
        self.host = host
        self.port = port
        self._sender = sender
        self._username = username
        self._password = password
        self.starttls = starttls
        self._timeout = timeout
        self._ssl_context = ssl_context
        self._once = SendOnce()

    def message_id(self, message: Message) -> str:
        """The Message-ID for this idempotency key: the same key always gives the same id."""
        domain = self._sender_address.rsplit("@", 1)[1]
        return f"<{key_digest(message.idempotency_key)[:40]}@{domain}>"

    def build_email(self, message: Message) -> EmailMessage:
        """The email for `message`, headers included; the case and template ride in X-EHCP headers."""
        recipient = message.recipient
        if recipient.kind != "email":
            raise NotifyConfigError(
                f"the SMTP notifier sends email, but a message for case {message.case_ref} is addressed "
                f"to a {recipient.kind}: route webhook recipients to the webhook notifier"
            )
        email = EmailMessage(policy=_POLICY)
        try:
            email["From"] = self._sender
            email["To"] = formataddr((one_line(recipient.name), recipient.address))
            email["Subject"] = one_line(message.subject)
            email["Date"] = formatdate(usegmt=True)
            email["Message-ID"] = self.message_id(message)
            email["X-EHCP-Case"] = one_line(message.case_ref)
            if message.template:
                email["X-EHCP-Template"] = one_line(message.template)
        except ValueError as error:
            raise NotifyPermanentError(
                f"the recipient's email address on case {message.case_ref} is not valid: correct it"
            ) from error
        email.set_content(message.body)
        return email

    async def send(self, message: Message) -> Delivery:
        email = self.build_email(message)

        async def deliver() -> Delivery:
            try:
                await asyncio.to_thread(self._deliver, email, message.recipient.address)
            except (smtplib.SMTPException, OSError) as error:
                raise self._error_for(error, message) from error
            return Delivery("sent", provider_ref=str(email["Message-ID"]), detail=f"accepted by {self.host}")

        return await self._once.run(message.idempotency_key, deliver)

    def _deliver(self, email: EmailMessage, address: str) -> None:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
        try:
            if self.starttls:
                smtp.starttls(context=self._ssl_context or ssl.create_default_context())
            if self._username:
                smtp.login(self._username, self._password or "")
            smtp.send_message(email, from_addr=self._sender_address, to_addrs=[address])
        finally:
            # the message is already accepted (or not): a failed goodbye must not turn into a resend
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def _error_for(self, error: smtplib.SMTPException | OSError, message: Message) -> NotifyError:
        where = f"the SMTP server {self.host}:{self.port}"
        case = f"case {message.case_ref}"
        if isinstance(error, smtplib.SMTPNotSupportedError):
            return NotifyConfigError(
                f"{where} lacks an extension the notifier needs ({error}): use a relay that offers STARTTLS "
                "and AUTH, or turn off EHCP_SMTP_STARTTLS only on a trusted network"
            )
        if isinstance(error, smtplib.SMTPAuthenticationError):
            return NotifyConfigError(
                f"{where} refused the login ({error.smtp_code}): "
                "check EHCP_SMTP_USERNAME and EHCP_SMTP_PASSWORD"
            )
        if isinstance(error, ssl.SSLCertVerificationError):
            return NotifyConfigError(
                f"{where} presented a certificate that could not be verified: check EHCP_SMTP_HOST names "
                "the relay its certificate was issued for"
            )
        said: bytes | str
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            code, said = next(iter(error.recipients.values()), (0, b""))
        elif isinstance(error, smtplib.SMTPResponseException):
            code, said = error.smtp_code, error.smtp_error
        else:
            return NotifyTemporaryError(
                f"could not complete the send to {where} for {case} ({type(error).__name__}): "
                "the send will be retried; if it keeps failing, check the relay is up and reachable"
            )
        reply = _redact(_text(said), message.recipient.address)
        if code in _TRANSIENT_CODES:
            return NotifyTemporaryError(f"{where} deferred {case} ({code} {reply}): the send will be retried")
        return NotifyPermanentError(
            f"{where} refused {case} ({code} {reply}): do not retry; check the recipient's address"
        )


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _redact(reply: str, address: str) -> str:
    """The server's reply without the recipient's address: errors must carry no personal data."""
    return re.sub(re.escape(address), "<recipient>", one_line(reply), flags=re.IGNORECASE)
