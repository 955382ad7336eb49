"""Operators' requests about FIX sessions: list them, log one out, disable, enable, reset.

    GET  /sessions                   every session, as `fixvenue sessions list` shows it
    POST /sessions/SESSION/ACTION    {"reason": ..., "force": false}; ACTION: logout,
                                     disable, enable or reset-seq; SESSION: the TargetCompID
                                     or the full QuickFIX session id
                                     (FIX.4.4:FIXVENUE->BROKER1)

The action is recorded through the sequencer, so that it takes its place among the orders
and survives a restart; the FIX layer carries it out in that place, after the reports
before it, and the answer waits for that. Meanwhile the session's logons wait, so that
none slips in between the checks here and the action.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol

from fixvenue.admin.audit import utc_time
from fixvenue.admin.errors import AdminError
from fixvenue.domain.commands import ControlSession
from fixvenue.domain.values import SessionAction

if TYPE_CHECKING:
    from fixvenue.admin.server import Sequencer


class SessionDirectory(Protocol):
    """The FIX sessions as the running venue has them."""

    def resolve(self, name: str) -> str | None:
        """The TargetCompID a name means, or None if no session has it."""

    def views(self) -> list[dict[str, Any]]:
        """Each session's state; "last_message_us" is when the venue last heard from it."""

    def is_logged_on(self, target_comp_id: str) -> bool: ...
    def hold_logons(self, target_comp_id: str) -> AbstractContextManager[object]: ...
    def undelivered(self, target_comp_id: str) -> int:
        """How many messages wait for the session's next logon."""


class SessionRequests:
    def __init__(self, sequencer: Sequencer, directory: SessionDirectory) -> None:
        self._sequencer = sequencer
        self._directory = directory

    def listing(self) -> dict[str, Any]:
        views = self._directory.views()
        for view in views:
            last = view["last_message_us"]
            view["last_message_time"] = None if last is None else utc_time(last)
        return {"sessions": views}

    def act(self, name: str, verb: str, reason: str, *, force: bool) -> dict[str, Any]:
        try:
            action = SessionAction(verb)
        except ValueError:
            actions = ", ".join(action.value for action in SessionAction)
            raise AdminError(
                HTTPStatus.NOT_FOUND, f"no session action {verb}: use {actions}"
            ) from None
        target = self._directory.resolve(name)
        if target is None:
            raise AdminError(HTTPStatus.NOT_FOUND, f"unknown session {name}")
        with self._directory.hold_logons(target):
            logged_on = self._directory.is_logged_on(target)
            if action is SessionAction.LOGOUT and not logged_on:
                raise AdminError(HTTPStatus.CONFLICT, f"session {target} is not logged on")
            if action is SessionAction.RESET_SEQUENCE:
                self._check_reset(target, logged_on, force=force)
            self._sequencer.execute(ControlSession(session=target, action=action, reason=reason))
        return {"session": target, "action": action.value, "reason": reason}

    def _check_reset(self, target: str, logged_on: bool, *, force: bool) -> None:
        if logged_on:
            raise AdminError(
                HTTPStatus.CONFLICT,
                f"session {target} is logged on: log it out (or disable it) before resetting "
                "its sequence numbers",
            )
        waiting = self._directory.undelivered(target)
        if waiting > 0 and not force:
            raise AdminError(
                HTTPStatus.CONFLICT,
                f"{waiting} messages wait for session {target}'s next logon and a reset would "
                "drop them: reset with force to do it anyway",
            )
