"""A FIX connection on a bare socket: sends exactly the bytes a test gives, and reads
what the venue answers, so the session layer's answers to bad input can be seen."""

from __future__ import annotations

import socket
import time

import simplefix


class RawConnection:
    def __init__(self, port: int, source: str = "127.0.0.1") -> None:
        self._socket = socket.create_connection(
            ("127.0.0.1", port), timeout=5, source_address=(source, 0)
        )
        self._parser = simplefix.FixParser()
        self.closed = False  # by the venue

    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, *_exception: object) -> None:
        self._socket.close()

    def send(self, data: bytes) -> None:
        self._socket.sendall(data)

    def read(self, until: str | None = None, seconds: float = 5.0) -> list[simplefix.FixMessage]:
        """What arrives within `seconds`, or until a message of type `until` (or the
        venue's closing the connection), whichever comes first."""
        messages: list[simplefix.FixMessage] = []
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0 and not self.closed:
            self._socket.settimeout(remaining)
            try:
                chunk = self._socket.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.closed = True
                break
            self._parser.append_buffer(chunk)
            while (message := self._parser.get_message()) is not None:
                messages.append(message)
            if until is not None and any(m.get(35) == until.encode() for m in messages):
                break
        return messages
