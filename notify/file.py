"""The default outbox sink: one readable file per message in a directory, so nothing leaves the machine.

Each message becomes `<sha256 of its idempotency key>.eml`, written to a temporary file in the same
directory and then linked into place, so a reader never sees half a message and the first writer of a key
wins. A later send of the same key, from this process or another on the same directory, finds the file
and returns the same `Delivery` without writing again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path

from notify.base import Delivery, Message, NotifyConfigError, NotifyTemporaryError, key_digest
from notify.render import as_text

SUFFIX = ".eml"
TEMP_PREFIX = ".partial-"  # left behind only if the process dies mid-write; safe to delete


class FileNotifier:
    """Writes each message to `directory` once; returns status "delivered" and the file name."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    async def send(self, message: Message) -> Delivery:
        return await asyncio.to_thread(self._write_once, message)

    def path_for(self, message: Message) -> Path:
        """Where the message with this idempotency key is (or will be) written."""
        return self.directory / (key_digest(message.idempotency_key) + SUFFIX)

    def _write_once(self, message: Message) -> Delivery:
        final = self.path_for(message)
        delivery = Delivery("delivered", provider_ref=final.name)
        if final.exists():
            return delivery
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise NotifyConfigError(
                f"cannot create the outbox directory {self.directory} ({error.strerror}): "
                "check EHCP_OUTBOX_DIR and the worker's permissions on it"
            ) from error
        try:
            _publish(final, as_text(message).encode("utf-8"))
        except PermissionError as error:
            raise NotifyConfigError(
                f"cannot write to the outbox directory {self.directory}: "
                "give the worker write access or point EHCP_OUTBOX_DIR elsewhere"
            ) from error
        except OSError as error:
            raise NotifyTemporaryError(
                f"writing case {message.case_ref} to the outbox failed ({error.strerror}): "
                f"check the disk under {self.directory}; the send will be retried"
            ) from error
        return delivery


def _publish(final: Path, content: bytes) -> None:
    """Write `content` to `final` atomically; leave an existing `final` untouched."""
    fd, temp_name = tempfile.mkstemp(dir=final.parent, prefix=TEMP_PREFIX, suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            # a hard link fails if the name exists, so a concurrent writer of the same key cannot clobber
            os.link(temp, final)
        except FileExistsError:
            pass
        except OSError:
            # filesystems without hard links: rename is still atomic, the content is the same message
            os.replace(temp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
