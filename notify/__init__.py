"""Notification channels behind one small `Notifier` protocol, and `build_notifier` to pick one by name.

The default is the outbox: the "file" sink (or "console" in development), so nothing leaves the machine
until an authority chooses "govuk" (GOV.UK Notify), "smtp" or "webhook". Activities hold a `Notifier`
and never know which one it is; tests use `FakeNotifier`. The words of each notice are in
`notify/templates.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from notify.base import (
    Delivery,
    Message,
    Notifier,
    NotifyConfigError,
    NotifyError,
    NotifyPermanentError,
    NotifyTemporaryError,
    Recipient,
)
from notify.console import ConsoleNotifier
from notify.fake import FakeNotifier
from notify.file import FileNotifier
from notify.govuk import GovUkNotifyNotifier
from notify.smtp import SmtpNotifier
from notify.webhook import WebhookNotifier, verify_signature

__all__ = [
    "ConsoleNotifier",
    "Delivery",
    "FakeNotifier",
    "FileNotifier",
    "GovUkNotifyNotifier",
    "Message",
    "Notifier",
    "NotifyConfigError",
    "NotifyError",
    "NotifyPermanentError",
    "NotifyTemporaryError",
    "Recipient",
    "SmtpNotifier",
    "WebhookNotifier",
    "build_notifier",
    "verify_signature",
]


def _file(options: Mapping[str, Any]) -> Notifier:
    return FileNotifier(Path(options["directory"]))


def _console(options: Mapping[str, Any]) -> Notifier:
    return ConsoleNotifier(options.get("stream"))


def _govuk(options: Mapping[str, Any]) -> Notifier:
    extra = {name: options[name] for name in ("base_url", "now") if name in options}
    return GovUkNotifyNotifier(
        str(options["api_key"]),
        email_template_id=str(options["email_template_id"]),
        client=options["client"],
        **extra,
    )


def _smtp(options: Mapping[str, Any]) -> Notifier:
    extra = {
        name: options[name] for name in ("username", "password", "timeout", "ssl_context") if name in options
    }
    if "starttls" in options:
        extra["starttls"] = _flag(options["starttls"])
    try:
        port = int(options["port"])
    except (TypeError, ValueError) as error:
        raise NotifyConfigError("the SMTP port must be a whole number: check EHCP_SMTP_PORT") from error
    return SmtpNotifier(str(options["host"]), port, sender=str(options["sender"]), **extra)


def _webhook(options: Mapping[str, Any]) -> Notifier:
    secret = options["secret"]
    secret = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    extra = {name: options[name] for name in ("now",) if name in options}
    return WebhookNotifier(secret, client=options["client"], **extra)


def _fake(options: Mapping[str, Any]) -> Notifier:
    return FakeNotifier()


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in {"", "0", "false", "no", "off"}
    return bool(value)


# kind -> (required options, optional options, builder)
_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], Callable[[Mapping[str, Any]], Notifier]]] = {
    "file": (("directory",), (), _file),
    "console": ((), ("stream",), _console),
    "govuk": (("api_key", "email_template_id", "client"), ("base_url", "now"), _govuk),
    "smtp": (
        ("host", "port", "sender"),
        ("username", "password", "starttls", "timeout", "ssl_context"),
        _smtp,
    ),
    "webhook": (("secret", "client"), ("now",), _webhook),
    "fake": ((), (), _fake),
}


def build_notifier(kind: str, **options: Any) -> Notifier:
    """The notifier of `kind` ("file", "console", "govuk", "smtp", "webhook" or "fake"), from `options`.

    "govuk" and "webhook" take the `client` (an `httpx.AsyncClient`) from the caller, which opens and
    closes it. A missing, empty or unknown option raises `NotifyConfigError` naming it.
    """
    if kind not in _KINDS:
        raise NotifyConfigError(
            f"unknown notifier kind {kind!r}: set EHCP_NOTIFIER to one of {', '.join(sorted(_KINDS))}"
        )
    required, optional, build = _KINDS[kind]
    missing = [name for name in required if options.get(name) in (None, "")]
    if missing:
        raise NotifyConfigError(
            f"the {kind!r} notifier needs the option(s) {', '.join(missing)}: set them in the settings"
        )
    unknown = sorted(set(options) - set(required) - set(optional))
    if unknown:
        raise NotifyConfigError(
            f"the {kind!r} notifier does not take the option(s) {', '.join(unknown)}: "
            f"it takes {', '.join(required + optional) or 'none'}"
        )
    return build(options)
