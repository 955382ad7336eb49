"""The venue's FIX sessions as the acceptor knows them."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import quickfix

from fixvenue.domain.values import SessionRole
from fixvenue.fix.credentials import Credentials
from fixvenue.fix.dialects import DIALECTS, Dialect
from fixvenue.fix.throttle import MessageThrottle


@dataclass(slots=True, kw_only=True)
class FixSession:
    target_comp_id: str
    begin_string: str
    role: SessionRole
    # An order-entry session's firm; a drop-copy session's scope (None: every firm).
    firm: str | None
    enabled: bool
    dialect: Dialect = field(repr=False)  # what the session's FIX version says differently
    throttle: MessageThrottle = field(repr=False)
    cancel_on_disconnect: bool
    credentials: Credentials | None = field(repr=False)
    quickfix_id: quickfix.SessionID = field(repr=False)
    # Held while a logon is checked and while an operator acts on the session, so that
    # neither happens halfway through the other.
    logon_gate: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # The next outbound number when the session last logged off, was created or reset:
    # what the venue sent since waits for its next logon.
    next_sender_at_logoff: int = 1

    def engine_session(self) -> quickfix.Session:
        """QuickFIX's session object, which the acceptor created for this session."""
        found = quickfix.Session.lookupSession(self.quickfix_id)
        assert found is not None, f"QuickFIX has no session {self.quickfix_id}"
        return found


class SessionSettings(Protocol):
    """What the registry reads of each configured session."""

    @property
    def target_comp_id(self) -> str: ...
    @property
    def begin_string(self) -> str: ...
    @property
    def role(self) -> SessionRole: ...
    @property
    def firm(self) -> str | None: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def cancel_on_disconnect(self) -> bool: ...
    @property
    def throttle_messages_per_second(self) -> int: ...
    @property
    def credentials(self) -> Credentials | None: ...


class SessionRegistry:
    def __init__(self, comp_id: str, sessions: Iterable[SessionSettings]) -> None:
        self.comp_id = comp_id
        self._sessions = {
            session.target_comp_id: FixSession(
                target_comp_id=session.target_comp_id,
                begin_string=session.begin_string,
                role=session.role,
                firm=session.firm,
                enabled=session.enabled,
                dialect=DIALECTS[session.begin_string],
                throttle=MessageThrottle(session.throttle_messages_per_second),
                cancel_on_disconnect=session.cancel_on_disconnect,
                credentials=session.credentials,
                quickfix_id=quickfix.SessionID(
                    session.begin_string, comp_id, session.target_comp_id
                ),
            )
            for session in sessions
        }
        drop_copies = [s for s in self._sessions.values() if s.role is SessionRole.DROP_COPY]
        self._drop_copies = {
            origin.target_comp_id: [
                copy for copy in drop_copies if copy.firm in (None, origin.firm)
            ]
            for origin in self._sessions.values()
            if origin.role is SessionRole.ORDER_ENTRY
        }

    def __getitem__(self, target_comp_id: str) -> FixSession:
        return self._sessions[target_comp_id]

    def __contains__(self, target_comp_id: object) -> bool:
        return target_comp_id in self._sessions

    def __iter__(self) -> Iterator[FixSession]:
        return iter(self._sessions.values())

    def of(self, session_id: quickfix.SessionID) -> FixSession:
        return self._sessions[session_id.getTargetCompID().getString()]

    def drop_copies_of(self, origin: FixSession) -> list[FixSession]:
        """The drop-copy sessions whose scope takes in the reports of `origin`."""
        return self._drop_copies[origin.target_comp_id]
