"""The venue's FIX sessions as the acceptor knows them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import quickfix

from fixvenue.domain.values import SessionRole
from fixvenue.fix.dialects import DIALECTS, Dialect
from fixvenue.fix.throttle import MessageThrottle


@dataclass(slots=True, kw_only=True)
class FixSession:
    target_comp_id: str
    begin_string: str
    role: SessionRole
    enabled: bool
    dialect: Dialect = field(repr=False)  # what the session's FIX version says differently
    throttle: MessageThrottle = field(repr=False)
    quickfix_id: quickfix.SessionID = field(repr=False)


class SessionRegistry:
    def __init__(
        self, comp_id: str, sessions: Iterable[tuple[str, str, SessionRole, bool, int]]
    ) -> None:
        """`sessions`: target CompID, begin string, role, enabled, messages per second."""
        self.comp_id = comp_id
        self._sessions = {
            target: FixSession(
                target_comp_id=target,
                begin_string=begin_string,
                role=role,
                enabled=enabled,
                dialect=DIALECTS[begin_string],
                throttle=MessageThrottle(messages_per_second),
                quickfix_id=quickfix.SessionID(begin_string, comp_id, target),
            )
            for target, begin_string, role, enabled, messages_per_second in sessions
        }

    def __getitem__(self, target_comp_id: str) -> FixSession:
        return self._sessions[target_comp_id]

    def __iter__(self) -> Iterator[FixSession]:
        return iter(self._sessions.values())

    def of(self, session_id: quickfix.SessionID) -> FixSession:
        return self._sessions[session_id.getTargetCompID().getString()]
