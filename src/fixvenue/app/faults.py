"""Fail points for crash tests: SIGKILL the venue at a named moment.

`FIXVENUE_FAIL_POINT=after-commit:3` kills the process the third time the writer reaches
"after-commit". The real kill (not an exception) is what the durability rules are about.
Every fail point is on the writer's thread, so counting needs no lock.
"""

from __future__ import annotations

import os
import signal

FAIL_POINTS = ("before-commit", "after-commit", "after-send")


class FailPoints:
    def __init__(self, spec: str | None) -> None:
        self._name: str | None = None
        self._remaining = 0
        if spec:
            name, _, count = spec.partition(":")
            if name not in FAIL_POINTS or not (count or "1").isdigit():
                raise ValueError(
                    f"FIXVENUE_FAIL_POINT={spec!r}: expected one of "
                    f"{', '.join(FAIL_POINTS)}, optionally with :COUNT"
                )
            self._name, self._remaining = name, int(count or "1")

    @classmethod
    def from_environment(cls) -> FailPoints:
        return cls(os.environ.get("FIXVENUE_FAIL_POINT"))

    def reach(self, name: str) -> None:
        if name != self._name:
            return
        self._remaining -= 1
        if self._remaining == 0:
            os.kill(os.getpid(), signal.SIGKILL)
