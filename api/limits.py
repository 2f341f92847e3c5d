"""How many failed authentications a client address, or an account, may make before it must wait.

Guessing tokens, or a system retrying a dead one, is slowed down: after `limit` failures within a sliding
`window`, further attempts by that key are answered 429 with `Retry-After` until the oldest of those
failures leaves the window (NCSC Cyber Assessment Framework B2.a, identity verification; UK GDPR Art. 32).

The counts live in this process, which is right for the embedded default and for one API container. API
replicas behind a load balancer each count their own, so an address gets `limit` tries per replica:
deploy/README.md says so. The clock is injected, so the tests drive time and never sleep.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

Clock = Callable[[], float]


class FailureLimiter:
    """Failures per key (`client:<address>`, `account:<id>`) in a sliding window of `window` seconds."""

    def __init__(
        self, *, limit: int, window: float, clock: Clock = time.monotonic, max_keys: int = 100_000
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError(f"a limit of at least 1 and a positive window are needed, not {limit}/{window}")
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        # Least recently failed first, so the oldest keys are the ones dropped when memory is bounded.
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> int | None:
        """Whole seconds until `key` may try again, or None when it may try now."""
        now = self.clock()
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        if len(failures) < self.limit:
            return None
        return max(1, math.ceil(failures[0] + self.window - now))

    def failed(self, key: str) -> None:
        """Count one failed authentication against `key`."""
        failures = self._failures.get(key)
        if failures is None:
            # Only the newest `limit` failures matter: the oldest of them says when the key may retry.
            failures = self._failures[key] = deque(maxlen=self.limit)
        failures.append(self.clock())
        self._failures.move_to_end(key)
        self._bound()

    def _bound(self) -> None:
        # Many addresses (a scan) must not grow the process without end. Keys are kept in the order they
        # last failed, so the front holds the ones whose failures have all left the window (dropped
        # first) and then those that failed least recently.
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)
