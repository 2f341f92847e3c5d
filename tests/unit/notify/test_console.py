"""`ConsoleNotifier`: one readable block per new message on the given stream."""

from __future__ import annotations

import io

from notify.console import ConsoleNotifier

from .messages import email


async def test_prints_one_block_per_message_and_none_for_a_repeat() -> None:
    stream = io.StringIO()
    notifier = ConsoleNotifier(stream=stream)

    first = await notifier.send(email("key-1"))
    again = await notifier.send(email("key-1"))
    await notifier.send(email("key-2", subject="Case assessment-5d1c: reminder, due 14 March 2025"))

    output = stream.getvalue()
    assert again == first
    assert first.status == "delivered"
    assert output.count("Idempotency-Key: key-1\n") == 1
    assert output.count("Idempotency-Key: key-2\n") == 1
    assert "To: Riverside Primary SENCO <senco@riverside.sch.example>\n" in output
    assert "Subject: Case assessment-5d1c: reminder, due 14 March 2025\n" in output
    assert "\nPlease send your educational advice for case assessment-5d1c by 14 March 2025.\n" in output


async def test_separate_notifiers_have_separate_memories() -> None:
    stream = io.StringIO()
    await ConsoleNotifier(stream=stream).send(email())
    await ConsoleNotifier(stream=stream).send(email())

    assert stream.getvalue().count("Idempotency-Key:") == 2
