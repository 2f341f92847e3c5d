"""The value types and the exception tree of `notify/base.py`."""

from __future__ import annotations

import dataclasses

import pytest

from notify.base import (
    NotifyConfigError,
    NotifyError,
    NotifyPermanentError,
    NotifyTemporaryError,
    key_digest,
    one_line,
)

from .messages import email


@pytest.mark.parametrize("error", [NotifyConfigError, NotifyTemporaryError, NotifyPermanentError])
def test_every_notify_error_is_caught_by_the_base_class(error: type[NotifyError]) -> None:
    with pytest.raises(NotifyError):
        raise error("x")


def test_retryable_and_final_errors_are_distinct_branches() -> None:
    assert not issubclass(NotifyTemporaryError, NotifyPermanentError)
    assert not issubclass(NotifyPermanentError, NotifyTemporaryError)
    assert not issubclass(NotifyConfigError, NotifyTemporaryError | NotifyPermanentError)


def test_messages_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        email().subject = "changed"  # type: ignore[misc]


def test_key_digest_is_stable_hex_and_differs_per_key() -> None:
    assert key_digest("a/b:../c") == key_digest("a/b:../c")
    assert len(key_digest("a/b:../c")) == 64
    assert set(key_digest("a/b:../c")) <= set("0123456789abcdef")
    assert key_digest("a") != key_digest("b")


def test_one_line_cannot_carry_a_header_break() -> None:
    assert one_line("Case 1\r\nBcc: everyone@example.org") == "Case 1 Bcc: everyone@example.org"
