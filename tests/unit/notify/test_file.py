"""`FileNotifier`: the outbox sink writes each message once, atomically, readable by a person."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from notify.base import Delivery, NotifyConfigError
from notify.file import FileNotifier

from .messages import email, webhook


async def test_writes_a_readable_file_named_by_the_key_digest(tmp_path: Path) -> None:
    message = email()
    delivery = await FileNotifier(tmp_path).send(message)

    name = hashlib.sha256(message.idempotency_key.encode()).hexdigest() + ".eml"
    assert delivery == Delivery("delivered", provider_ref=name)
    assert [path.name for path in tmp_path.iterdir()] == [name]
    assert (tmp_path / name).read_text(encoding="utf-8") == (
        "To: Riverside Primary SENCO <senco@riverside.sch.example>\n"
        "Subject: Case assessment-5d1c: educational advice requested, due 14 March 2025\n"
        "Case: assessment-5d1c\n"
        "Template: advice_request\n"
        "Idempotency-Key: assessment-5d1c:advice_request:educational\n"
        "\n"
        "Please send your educational advice for case assessment-5d1c by 14 March 2025.\n"
    )


async def test_a_second_notifier_on_the_same_directory_does_not_write_again(tmp_path: Path) -> None:
    first = await FileNotifier(tmp_path).send(email(body="the first version\n"))
    second = await FileNotifier(tmp_path).send(email(body="a retried version\n"))

    assert second == first
    (written,) = tmp_path.iterdir()
    assert written.read_text(encoding="utf-8").endswith("\nthe first version\n")


async def test_concurrent_sends_of_one_key_leave_one_file_and_no_temporaries(tmp_path: Path) -> None:
    notifiers = [FileNotifier(tmp_path) for _ in range(8)]
    deliveries = await asyncio.gather(*(n.send(email(body=f"copy {i}\n")) for i, n in enumerate(notifiers)))

    assert len(set(deliveries)) == 1
    assert [path.suffix for path in tmp_path.iterdir()] == [".eml"]


async def test_leaves_no_temporary_files_after_many_messages(tmp_path: Path) -> None:
    notifier = FileNotifier(tmp_path)
    for n in range(5):
        await notifier.send(email(f"key-{n}"))
        await notifier.send(webhook(f"hook-{n}"))

    names = sorted(path.name for path in tmp_path.iterdir())
    assert len(names) == 10
    assert all(name.endswith(".eml") and not name.startswith(".") for name in names)


async def test_keys_with_path_characters_stay_inside_the_directory(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    delivery = await FileNotifier(outbox).send(email("../../etc/passwd"))

    assert (outbox / delivery.provider_ref).is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["outbox"]


async def test_header_lines_cannot_be_forged_through_the_subject(tmp_path: Path) -> None:
    delivery = await FileNotifier(tmp_path).send(email(subject="Advice due\nTo: someone@else.example"))

    head = (tmp_path / delivery.provider_ref).read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert [line.split(":", 1)[0] for line in head.splitlines()] == [
        "To",
        "Subject",
        "Case",
        "Template",
        "Idempotency-Key",
    ]


async def test_an_outbox_path_that_is_a_file_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("not a directory")

    with pytest.raises(NotifyConfigError, match="EHCP_OUTBOX_DIR"):
        await FileNotifier(blocker).send(email())
