"""A circuit breaker per process: once Redis failed, stop asking it for a few seconds.

A hung Redis costs a call its whole socket timeout; without a breaker every request of every
thread would pay it. Open, the breaker lets one call through per period to probe (so a returned
Redis is noticed within `retry_after` seconds) and says no to the others.
"""

import threading
import time
from collections.abc import Callable


class Breaker:
    def __init__(
        self, name: str, *, retry_after: float, clock: Callable[[], float] = time.monotonic
    ):
        self.name = name
        self.retry_after = retry_after
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until: float | None = None  # None: closed, calls go through

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def allow(self) -> bool:
        """True if this call may try the service (closed, or the probe of an open period)."""
        if self._open_until is None:
            return True
        with self._lock:
            now = self._clock()
            if self._open_until is not None and now >= self._open_until:
                self._open_until = now + self.retry_after  # this caller probes, others wait
                return True
            return self._open_until is None

    def failure(self) -> None:
        with self._lock:
            self._open_until = self._clock() + self.retry_after

    def success(self) -> bool:
        """Closes the breaker; True if it was open (the service just came back)."""
        if self._open_until is None:
            return False
        with self._lock:
            was_open, self._open_until = self._open_until is not None, None
        return was_open

    def reset(self) -> None:
        with self._lock:
            self._open_until = None
