"""Per-session message throttle: application messages per rolling second."""

from __future__ import annotations

from collections import deque

WINDOW_SECONDS = 1.0


class MessageThrottle:
    """Admits at most `limit` messages in any window of one second.

    Used by one session's QuickFIX thread only. Refused messages do not count: a broker
    that slows down is let through again as soon as its own admitted messages age out.
    """

    def __init__(self, limit: int) -> None:
        assert limit > 0, limit
        self.limit = limit
        self._admitted: deque[float] = deque()

    def admit(self, now: float) -> bool:
        admitted = self._admitted
        while admitted and admitted[0] <= now - WINDOW_SECONDS:
            admitted.popleft()
        if len(admitted) >= self.limit:
            return False
        admitted.append(now)
        return True
