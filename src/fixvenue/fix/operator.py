"""What operators see of the FIX sessions, through the admin endpoint. What they do to
them is carried out by the dispatcher, once recorded (fix/dispatch.py)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from fixvenue.fix.application import VenueApplication
from fixvenue.fix.sessions import FixSession, SessionRegistry

# QuickFIX writes this event to the session's log when a connection becomes the session's.
_CONNECTED_FROM = "Allows connections to the acceptor from "
_EVENT_LOG_TAIL_BYTES = 1024 * 1024


class SessionOperator:
    def __init__(
        self, registry: SessionRegistry, application: VenueApplication, log_dir: Path
    ) -> None:
        self._registry = registry
        self._application = application
        self._log_dir = log_dir

    def resolve(self, name: str) -> str | None:
        """The TargetCompID, for a TargetCompID or a full session id (FIX.4.4:A->B)."""
        for session in self._registry:
            if name in (session.target_comp_id, session.quickfix_id.toString()):
                return session.target_comp_id
        return None

    def is_logged_on(self, target_comp_id: str) -> bool:
        """Logged on, or halfway through logging on."""
        fix = self._registry[target_comp_id].engine_session()
        return bool(fix.receivedLogon() or fix.sentLogon())

    def hold_logons(self, target_comp_id: str) -> AbstractContextManager[object]:
        """While held, no logon of the session gets past the venue's checks."""
        return self._registry[target_comp_id].logon_gate

    def undelivered(self, target_comp_id: str) -> int:
        """How many messages the venue has sent the session since it last logged off (or
        since the venue started, or its numbers were reset): waiting for its next logon."""
        session = self._registry[target_comp_id]
        fix = session.engine_session()
        return int(fix.getExpectedSenderNum()) - session.next_sender_at_logoff

    def views(self) -> list[dict[str, Any]]:
        views = []
        for session in self._registry:
            fix = session.engine_session()
            last_message_us = self._application.last_received_us.get(session.target_comp_id)
            views.append(
                {
                    "session_id": session.quickfix_id.toString(),
                    "target_comp_id": session.target_comp_id,
                    "begin_string": session.begin_string,
                    "role": session.role.value,
                    "enabled": session.enabled,
                    "logged_on": bool(fix.isLoggedOn()),
                    "next_sender_seq": int(fix.getExpectedSenderNum()),
                    "next_target_seq": int(fix.getExpectedTargetNum()),
                    # Of the session's current connection, or its last one.
                    "peer_address": self._peer_address(session),
                    # The last message received from the peer since the venue started.
                    "last_message_us": last_message_us,
                }
            )
        return views

    def _peer_address(self, session: FixSession) -> str | None:
        path = self._log_dir / (
            f"{session.begin_string}-{self._registry.comp_id}-{session.target_comp_id}"
            ".event.current.log"
        )
        try:
            with path.open("rb") as handle:
                handle.seek(max(0, handle.seek(0, 2) - _EVENT_LOG_TAIL_BYTES))
                tail = handle.read().decode("latin-1")
        except FileNotFoundError:
            return None
        start = tail.rfind(_CONNECTED_FROM)
        if start < 0:
            return None
        return tail[start + len(_CONNECTED_FROM) :].split("\n", 1)[0].strip() or None
