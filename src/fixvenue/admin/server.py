"""The admin endpoint: operators' requests as JSON over HTTP on loopback.

Every request must carry the venue's admin token (`Authorization: Bearer TOKEN`),
compared in constant time. A request that changes anything becomes a core command that
goes through the sequencer like any order, so it takes its place in the trading flow and
in the ledger; the answer is given once that command is committed. A request that only
reads runs on the sequencer thread between two commands, so it sees one consistent state.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, TypeVar

from fixvenue.admin.requests import AdminError, Routes
from fixvenue.core.trading import TradingCore
from fixvenue.domain.commands import Command
from fixvenue.domain.events import Event

log = logging.getLogger(__name__)
T = TypeVar("T")

BODY_BYTES_MAX = 64 * 1024
REQUEST_TIMEOUT_SECONDS = 10.0


class Sequencer(Protocol):
    """How the endpoint reaches the trading state: the venue's pipeline."""

    def execute(self, command: Command) -> list[Event]: ...
    def query(self, read: Callable[[TradingCore], T]) -> T: ...


class AdminServer(ThreadingHTTPServer):
    # Closing the server waits for the requests in hand, so that the venue stops only
    # after their commands are answered.
    daemon_threads = False

    def __init__(self, host: str, port: int, token: str, sequencer: Sequencer) -> None:
        self.token = token.encode()
        self.routes = Routes(sequencer)
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
        try:
            if not self._authorized():
                raise AdminError(HTTPStatus.UNAUTHORIZED, "missing or wrong admin token")
            if method not in ("GET", "POST"):
                raise AdminError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not an admin request")
            status, body = (
                HTTPStatus.OK,
                self.server.routes.handle(
                    method, self.path, self._body() if method == "POST" else {}
                ),
            )
        except AdminError as error:
            status, body = error.status, {"error": error.message}
        except Exception:
            log.exception("admin request %s %s failed", method, self.path)
            status, body = HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "the venue failed"}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _authorized(self) -> bool:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        return scheme == "Bearer" and hmac.compare_digest(token.encode(), self.server.token)

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
