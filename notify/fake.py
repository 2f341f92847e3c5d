"""An in-memory notifier for tests: it records what was sent and can fail on demand.

Tests of activities that send notices use it to check which messages went out and that a retried
activity does not send twice (`FakeNotifier.fail_next(2)` makes the next two sends raise).
"""

from __future__ import annotations

from notify.base import Delivery, Message, NotifyError, NotifyTemporaryError


class FakeNotifier:
    """Records each delivered message once in `sent`; `attempts` counts every call to `send`."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.attempts = 0
        self._deliveries: dict[str, Delivery] = {}
        self._failures: list[NotifyError] = []

    def fail_next(self, times: int = 1, error: NotifyError | None = None) -> None:
        """Make the next `times` sends raise `error` (a `NotifyTemporaryError` unless given)."""
        failure = error if error is not None else NotifyTemporaryError("FakeNotifier told to fail")
        self._failures.extend([failure] * times)

    async def send(self, message: Message) -> Delivery:
        self.attempts += 1
        if self._failures:
            raise self._failures.pop(0)
        key = message.idempotency_key
        if key not in self._deliveries:
            self.sent.append(message)
            self._deliveries[key] = Delivery("delivered", provider_ref=f"fake-{len(self.sent)}")
        return self._deliveries[key]

    def sent_for_case(self, case_ref: str) -> list[Message]:
        """The messages delivered for one case, in the order they were sent."""
        return [message for message in self.sent if message.case_ref == case_ref]
