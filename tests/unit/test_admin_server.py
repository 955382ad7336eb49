"""The admin endpoint's own rules: who a token names, and no action without its audit entry."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import pytest

from fixvenue.admin.server import AdminServer
from fixvenue.core.trading import TradingCore
from fixvenue.domain.commands import Command, ControlSession
from fixvenue.domain.events import Event
from fixvenue.domain.values import SessionAction
from fixvenue.ledger.audit import AuditEntry
from tests.support.venue import free_port

T = TypeVar("T")


@dataclass
class _Sequencer:
    logons: threading.Lock
    executed: list[tuple[Command, bool]] = field(default_factory=list)

    def execute(self, command: Command) -> list[Event]:
        self.executed.append((command, self.logons.locked()))
        return []

    def query(self, read: Callable[[TradingCore], T]) -> T:
        raise AssertionError("no request here reads the trading state")


@dataclass
class _Sessions:
    logons: threading.Lock
    logged_on: bool = True
    waiting: int = 0

    def resolve(self, name: str) -> str | None:
        return name if name == "BROKER1" else None

    def views(self) -> list[dict[str, Any]]:
        return []

    def is_logged_on(self, target_comp_id: str) -> bool:
        return self.logged_on

    def hold_logons(self, target_comp_id: str) -> threading.Lock:
        return self.logons

    def undelivered(self, target_comp_id: str) -> int:
        return self.waiting


@dataclass
class _Audit:
    writable: bool = True
    entries_written: list[list[Any]] = field(default_factory=list)

    def begin(self, who: str, what: str) -> int:
        if not self.writable:
            raise OSError("disk full")
        self.entries_written.append([who, what, None])
        return len(self.entries_written)

    def finish(self, entry_id: int, result: str) -> None:
        self.entries_written[entry_id - 1][2] = result

    def entries(self, day: date, *, before: int) -> Sequence[AuditEntry]:
        return []


@dataclass
class _Endpoint:
    url: str
    sequencer: _Sequencer
    sessions: _Sessions
    audit: _Audit

    def post(self, path: str, body: dict[str, Any], token: str) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.url + path,
            method="POST",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


@pytest.fixture
def endpoint() -> Iterator[_Endpoint]:
    port = free_port()
    logons = threading.Lock()
    sequencer, sessions, audit = _Sequencer(logons), _Sessions(logons), _Audit()
    server = AdminServer(
        "127.0.0.1",
        port,
        tokens={"admin": "main-token", "bob": "bobs-token"},
        sequencer=sequencer,
        sessions=sessions,
        audit=audit,
    )
    server.start()
    yield _Endpoint(f"http://127.0.0.1:{port}", sequencer, sessions, audit)
    server.shutdown()
    server.server_close()


def test_each_token_names_who_made_the_request_in_the_audit_log(endpoint: _Endpoint) -> None:
    status, answer = endpoint.post("/sessions/BROKER1/logout", {"reason": "r"}, "bobs-token")
    assert (status, answer) == (200, {"session": "BROKER1", "action": "logout", "reason": "r"})
    # Recorded while the session's logons wait, so that none slips in meanwhile.
    assert endpoint.sequencer.executed == [
        (ControlSession(session="BROKER1", action=SessionAction.LOGOUT, reason="r"), True)
    ]
    assert endpoint.audit.entries_written == [
        [
            "bob",
            'POST /sessions/BROKER1/logout {"reason":"r"}',
            'ok: {"action": "logout", "reason": "r", "session": "BROKER1"}',
        ]
    ]


def test_a_request_without_a_valid_token_is_refused_and_audited_as_nobodys(
    endpoint: _Endpoint,
) -> None:
    status, answer = endpoint.post("/sessions/BROKER1/logout", {}, "main-token-but-longer")
    assert (status, answer) == (401, {"error": "missing or wrong admin token"})
    assert endpoint.sequencer.executed == []
    assert endpoint.audit.entries_written == [
        [
            "(no valid token)",
            "POST /sessions/BROKER1/logout",
            "refused (401): missing or wrong admin token",
        ]
    ]


def test_a_request_whose_audit_entry_cannot_be_written_is_not_carried_out(
    endpoint: _Endpoint,
) -> None:
    endpoint.audit.writable = False
    status, answer = endpoint.post("/sessions/BROKER1/logout", {}, "main-token")
    assert status == 503
    assert answer == {"error": "the audit log cannot be written: the request was not carried out"}
    assert endpoint.sequencer.executed == []


def test_a_reset_that_would_drop_waiting_reports_needs_force(endpoint: _Endpoint) -> None:
    endpoint.sessions.logged_on, endpoint.sessions.waiting = False, 3
    status, answer = endpoint.post("/sessions/BROKER1/reset-seq", {}, "main-token")
    assert (status, answer) == (
        409,
        {
            "error": "3 messages wait for session BROKER1's next logon and a reset would drop "
            "them: reset with force to do it anyway"
        },
    )
    assert endpoint.sequencer.executed == []
    assert endpoint.post("/sessions/BROKER1/reset-seq", {"force": True}, "main-token")[0] == 200
    assert [command for command, _held in endpoint.sequencer.executed] == [
        ControlSession(
            session="BROKER1", action=SessionAction.RESET_SEQUENCE, reason="operator request"
        )
    ]


def test_a_refused_session_request_says_why_in_the_audit_log(endpoint: _Endpoint) -> None:
    assert endpoint.post("/sessions/NOPE/logout", {}, "main-token")[0] == 404
    assert endpoint.post("/sessions/BROKER1/reset-seq", {}, "main-token")[0] == 409
    assert endpoint.post("/sessions/BROKER1/reboot", {}, "main-token")[0] == 404
    assert [entry[2] for entry in endpoint.audit.entries_written] == [
        "refused (404): unknown session NOPE",
        "refused (409): session BROKER1 is logged on: log it out (or disable it) before "
        "resetting its sequence numbers",
        "refused (404): no session action reboot: use logout, disable, enable, reset-seq",
    ]
    assert endpoint.sequencer.executed == []
