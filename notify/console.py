"""A sink for development and demos: each message is written as one readable block to a text stream.

Nothing leaves the machine. Keys are remembered for the life of the process, so a retried activity does
not print the same message twice.
"""

from __future__ import annotations

import sys
from typing import TextIO

from notify.base import Delivery, Message, key_digest
from notify.once import SendOnce
from notify.render import as_text

RULE = "-" * 72


class ConsoleNotifier:
    """Writes each new message to `stream` (standard output by default); returns status "delivered"."""

    def __init__(self, stream: TextIO | None = None) -> None:
        # resolved per instance, so a test or the CLI that swaps sys.stdout is honoured
        self._stream = stream if stream is not None else sys.stdout
        self._once = SendOnce()

    async def send(self, message: Message) -> Delivery:
        async def write() -> Delivery:
            self._stream.write(f"{RULE}\n{as_text(message)}{RULE}\n")
            self._stream.flush()
            return Delivery("delivered", provider_ref=f"console:{key_digest(message.idempotency_key)[:16]}")

        return await self._once.run(message.idempotency_key, write)
