"""The admin endpoint: operators' requests as JSON over HTTP on loopback.

Every request must carry one of the venue's admin tokens (`Authorization: Bearer TOKEN`),
compared in constant time; the token's name is who made the request. A request that
changes anything becomes a core command that goes through the sequencer like any order,
so it takes its place in the trading flow and in the ledger; the answer is given once that
command is committed. A request that only reads runs on the sequencer thread between two
commands, so it sees one consistent state.

Every request, refused ones included, is written to the ledger's audit log before it is
carried out; a request whose entry cannot be written is not carried out.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, TypeVar

from fixvenue.admin.audit import AuditTrail
from fixvenue.admin.errors import AdminError
from fixvenue.admin.requests import Routes
from fixvenue.admin.sessions import SessionDirectory
from fixvenue.core.trading import TradingCore
from fixvenue.domain.commands import Command
from fixvenue.domain.events import Event

log = logging.getLogger(__name__)
T = TypeVar("T")

BODY_BYTES_MAX = 64 * 1024
REQUEST_TIMEOUT_SECONDS = 10.0
# Who a request without a valid token is, in the audit log.
UNAUTHENTICATED = "(no valid token)"
UNAUTHENTICATED_WHAT_LENGTH_MAX = 200


class Sequencer(Protocol):
    """How the endpoint reaches the trading state: the venue's pipeline."""

    def execute(self, command: Command) -> list[Event]: ...
    def query(self, read: Callable[[TradingCore], T]) -> T: ...


class AdminServer(ThreadingHTTPServer):
    # Closing the server waits for the requests in hand, so that the venue stops only
    # after their commands are answered.
    daemon_threads = False

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tokens: Mapping[str, str],
        sequencer: Sequencer,
        sessions: SessionDirectory,
        audit: AuditTrail,
    ) -> None:
        """`tokens` maps each token's name to the token."""
        self.tokens = [(name, token.encode()) for name, token in tokens.items()]
        self.audit = audit
        self.routes = Routes(sequencer, sessions, audit)
        super().__init__((host, port), _Handler)

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, name="admin", daemon=True).start()

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that went away before its answer: nothing for the venue to do.
        log.info("admin connection from %s ended early", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: AdminServer
    timeout = REQUEST_TIMEOUT_SECONDS  # a client that stops sending is dropped

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def do_PUT(self) -> None:
        self._answer("PUT")

    def do_DELETE(self) -> None:
        self._answer("DELETE")

    def _answer(self, method: str) -> None:
        who = self._token_name()
        body: dict[str, Any] = {}
        unreadable: AdminError | None = None
        try:
            body = self._body() if method == "POST" else {}
        except AdminError as error:
            unreadable = error
        what = f"{method} {self.path}"
        if who is None:
            # Anyone on the host can send these: keep them short.
            what = what[:UNAUTHENTICATED_WHAT_LENGTH_MAX]
        elif body:
            what += " " + json.dumps(body, sort_keys=True, separators=(",", ":"))
        try:
            entry_id = self.server.audit.begin(who or UNAUTHENTICATED, what)
        except Exception:
            log.exception("cannot write the audit log: admin request %s refused", what)
            self._send(
                HTTPStatus.SERVICE_UNAVAILABLE,
                {"error": "the audit log cannot be written: the request was not carried out"},
            )
            return
        try:
            if who is None:
                raise AdminError(HTTPStatus.UNAUTHORIZED, "missing or wrong admin token")
            if unreadable is not None:
                raise unreadable
            if method not in ("GET", "POST"):
                raise AdminError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not an admin request")
            answer = self.server.routes.handle(method, self.path, body, audit_entry_id=entry_id)
            status = HTTPStatus.OK
        except AdminError as error:
            status, answer = error.status, {"error": error.message}
        except Exception:
            log.exception("admin request %s failed", what)
            status, answer = HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "the venue failed"}
        try:
            self.server.audit.finish(entry_id, _result(method, status, answer))
        except Exception:
            log.exception("cannot write the result of audit entry %d", entry_id)
        self._send(status, answer)

    def _send(self, status: HTTPStatus, answer: dict[str, Any]) -> None:
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _token_name(self) -> str | None:
        scheme, _, given = self.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer":
            return None
        # Every token is compared, so that the time taken says nothing about which matched.
        matches = [
            name for name, token in self.server.tokens if hmac.compare_digest(given.encode(), token)
        ]
        return matches[0] if matches else None

    def _body(self) -> dict[str, Any]:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise AdminError(HTTPStatus.BAD_REQUEST, "Content-Length is not a number") from None
        if length > BODY_BYTES_MAX:
            raise AdminError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large")
        if length < 0:
            raise AdminError(HTTPStatus.BAD_REQUEST, "Content-Length is negative")
        try:
            raw = self.rfile.read(length)  # the handler's timeout bounds the wait
        except OSError:
            raise AdminError(HTTPStatus.BAD_REQUEST, "the body did not arrive") from None
        if len(raw) < length:
            raise AdminError(HTTPStatus.BAD_REQUEST, "the body is shorter than Content-Length")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise AdminError(HTTPStatus.BAD_REQUEST, "the body is not JSON") from None
        if not isinstance(body, dict):
            raise AdminError(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
        return body

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("admin: " + format, *args)


def _result(method: str, status: HTTPStatus, answer: dict[str, Any]) -> str:
    """The result as the audit log keeps it: what a change answered, why a refusal."""
    if status is HTTPStatus.OK:
        return "ok: " + json.dumps(answer, sort_keys=True) if method == "POST" else "ok"
    kind = "refused" if status < HTTPStatus.INTERNAL_SERVER_ERROR else "failed"
    return f"{kind} ({status.value}): {answer['error']}"
