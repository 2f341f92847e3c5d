"""Remembering, within one process, which idempotency keys a notifier has already delivered.

Channels that cannot look a key up themselves (the console, SMTP, webhooks, the fake) use `SendOnce` so
that a retried activity in the same worker gets the first `Delivery` back instead of a second send, and
two concurrent sends of one key make one delivery. Across processes the channel must do the rest: the
receiving system deduplicates on the key (webhooks) or on the Message-ID (SMTP).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from notify.base import Delivery, NotifyTemporaryError

DEFAULT_CAPACITY = (
    100_000  # keys remembered; the oldest are forgotten first, so a long-lived worker stays small
)


class SendOnce:
    """Runs a send at most once per key while the key is remembered; failures are not remembered."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._done: OrderedDict[str, Delivery] = OrderedDict()
        self._in_flight: dict[str, asyncio.Future[Delivery]] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._done

    async def run(self, key: str, send: Callable[[], Awaitable[Delivery]]) -> Delivery:
        """The remembered delivery for `key`, or the result of `send()` if the key is new."""
        if key in self._done:
            return self._done[key]
        if key in self._in_flight:
            # shield: a cancelled waiter must not cancel the send another caller started
            return await asyncio.shield(self._in_flight[key])
        future: asyncio.Future[Delivery] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            delivery = await send()
        except Exception as error:
            future.set_exception(error)
            future.exception()  # mark retrieved: nobody else may be waiting
            raise
        except BaseException:
            # the first caller was cancelled: whoever waited on it should retry, not be cancelled too
            future.set_exception(
                NotifyTemporaryError("the first send of this message was cancelled: retry it")
            )
            future.exception()
            raise
        else:
            future.set_result(delivery)
            self._remember(key, delivery)
            return delivery
        finally:
            del self._in_flight[key]

    def _remember(self, key: str, delivery: Delivery) -> None:
        self._done[key] = delivery
        while len(self._done) > self._capacity:
            self._done.popitem(last=False)
