# Run with the project's virtualenv: .venv/bin/python scripts/fuzz_inbound.py --help
"""Fuzzer over the venue's inbound path: mutated FIX messages, field by field and byte by
byte, sent to a running venue over a real FIX session.

Starts the venue (demo config, free ports, an embedded SQLite ledger unless --db), logs
on as BROKER1 on a bare socket, and sends valid NewOrderSingle, cancel, replace, status
and mass-cancel messages, each mutated: a field dropped, repeated, moved, given a hostile
value or a stranger tag beside it (the frame stays valid), or a byte flipped, inserted,
deleted or the message cut short (the frame usually does not). Every --check inputs it
sends a TestRequest and must get its Heartbeat within --timeout seconds, answering the
venue's ResendRequests with gap fills and logging on again where the venue logged it out
(as FIX prescribes for a damaged header). At the end:

- the venue is still running and stops cleanly on SIGTERM, no traceback in its log;
- no session hung: every TestRequest was answered;
- no message the session layer rejected (Reject(3)) reached the core: none of them has a
  command in the ledger.

Exit 0 when all hold; the same seed gives the same inputs.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import simplefix
from bench_e2e import Bench, BenchError, demo_config, venue
from sqlalchemy import create_engine, select

from fixvenue.ledger.schema import commands

SENDER, TARGET = "BROKER1", "FIXVENUE"
HEADER_TAGS = (8, 9, 35, 49, 56, 34, 52)
TEMPLATES: dict[str, list[tuple[int, str]]] = {
    "D": [(11, "{id}"), (1, "BRK1-A"), (55, "ACME"), (54, "1"), (38, "100"), (40, "2"),
          (44, "99.00"), (59, "0"), (60, "{now}")],
    "F": [(11, "{id}"), (41, "{earlier}"), (55, "ACME"), (54, "1"), (60, "{now}")],
    "G": [(11, "{id}"), (41, "{earlier}"), (1, "BRK1-A"), (55, "ACME"), (54, "1"),
          (38, "50"), (40, "2"), (44, "98.00"), (60, "{now}")],
    "H": [(11, "{earlier}"), (55, "ACME"), (54, "1")],
    "q": [(11, "{id}"), (530, "7"), (60, "{now}")],
}  # fmt: skip
HOSTILE = ("", "0", "-1", "1e9", "99999999999999999999", "abc", "1.0000001", "\x7f", "é",
           "x" * 300, "Y", "N", "20250101-00:00:00", " 1", "9" * 40, "0.001", "=")  # fmt: skip
RETRY_SECONDS = 0.3
STRANGER_TAGS = (1, 11, 18, 38, 40, 41, 44, 54, 55, 59, 60, 99, 110, 111, 126, 7928, 9999)


class FuzzError(Exception):
    pass


class Session:
    """BROKER1 on a bare socket: sends what it is given, keeps the session alive."""

    def __init__(self, port: int) -> None:
        self._port = port
        self.next_number = 1
        self.logons = 0
        self.rejected: set[tuple[int, int]] = set()  # (logon, MsgSeqNum) refused by Reject(3)
        self._socket: socket.socket | None = None
        self._parser = simplefix.FixParser()
        self._check_number = 0  # the MsgSeqNum of the TestRequest awaited

    def log_on(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self._socket = socket.create_connection(("127.0.0.1", self._port), timeout=5)
        self._parser = simplefix.FixParser()
        self.logons += 1
        self.next_number = 1
        self.send_message("A", [(98, "0"), (108, "30"), (141, "Y")])
        if self._read_until(lambda m: m.get(35) == b"A", time.monotonic() + 10) is not True:
            raise FuzzError("the venue did not answer a logon")

    def message(self, msg_type: str, fields: list[tuple[int, str]]) -> simplefix.FixMessage:
        message = simplefix.FixMessage()
        message.append_pair(8, "FIX.4.4", header=True)
        message.append_pair(35, msg_type, header=True)
        message.append_pair(49, SENDER, header=True)
        message.append_pair(56, TARGET, header=True)
        message.append_pair(34, self.next_number, header=True)
        message.append_utc_timestamp(52, precision=6, header=True)
        for tag, value in fields:
            message.append_pair(tag, value)
        return message

    def send_message(self, msg_type: str, fields: list[tuple[int, str]]) -> None:
        self.send(self.message(msg_type, fields).encode())

    def send(self, data: bytes) -> None:
        """Sends bytes standing for the next message (whether or not they frame one)."""
        self._write(data)
        self.next_number += 1

    def check_alive(self, request: str, timeout: float) -> None:
        """TestRequest; a Heartbeat must come within `timeout`. It is sent again every
        RETRY_SECONDS (a damaged frame before it may have eaten it), and after a logout
        the session logs on again, as a broker's engine would."""
        deadline = time.monotonic() + timeout
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            # A message cut short leaves the venue's parser waiting for the rest, which
            # the next bytes supply: a long Heartbeat fills that in. Then, since the
            # venue may wait for a number whose message was eaten and that it will not
            # ask for again, SequenceReset-Reset to the TestRequest's number.
            self.send_message("0", [(112, "padding" * 60)])
            self.send_message("4", [(36, str(self.next_number + 1))])
            self._check_number = self.next_number
            self.send_message("1", [(112, f"{request}/{attempt}")])
            answered = self._read_until(
                lambda m: (
                    m.get(35) == b"0" and (m.get(112) or b"").startswith(f"{request}/".encode())
                ),
                min(time.monotonic() + RETRY_SECONDS, deadline),
            )
            if answered:
                return
            if answered is None:  # logged out and dropped
                self.log_on()
        raise FuzzError(f"no Heartbeat for TestRequest {request} within {timeout}s: hung")

    def _read_until(
        self, done: Callable[[simplefix.FixMessage], bool], deadline: float
    ) -> bool | None:
        """True once a message is `done`; False at the deadline; None if disconnected."""
        assert self._socket is not None
        while (remaining := deadline - time.monotonic()) > 0:
            self._socket.settimeout(remaining)
            try:
                chunk = self._socket.recv(65536)
            except TimeoutError:
                return False
            except OSError:
                chunk = b""
            if not chunk:
                return None
            self._parser.append_buffer(chunk)
            while (message := self._parser.get_message()) is not None:
                if done(message):
                    return True
                self._answer(message)
        return False

    def _answer(self, message: simplefix.FixMessage) -> None:
        kind = message.get(35)
        if kind == b"2":  # ResendRequest: skip to the TestRequest awaited
            fill = simplefix.FixMessage()
            for tag, value in (
                (8, "FIX.4.4"),
                (35, "4"),
                (49, SENDER),
                (56, TARGET),
                (34, int(message.get(7) or 1)),
                (43, "Y"),
            ):
                fill.append_pair(tag, value, header=True)
            fill.append_utc_timestamp(52, precision=6, header=True)
            fill.append_utc_timestamp(122, precision=6, header=True)
            fill.append_pair(123, "Y")
            fill.append_pair(36, self._check_number or self.next_number)
            self._write(fill.encode())
        elif kind == b"3":
            self.rejected.add((self.logons, int(message.get(45) or 0)))
        elif kind == b"1":
            self.send_message("0", [(112, (message.get(112) or b"").decode())])
        elif kind == b"5":  # a logout answered, so the venue lets go at once
            self.send_message("5", [])

    def _write(self, data: bytes) -> None:
        assert self._socket is not None
        # Logged out meanwhile: the next check logs on again.
        with contextlib.suppress(OSError):
            self._socket.sendall(data)


def mutate(rng: random.Random, session: Session, number: int) -> bytes:
    msg_type = rng.choice(list(TEMPLATES))
    earlier = f"fuzz-{rng.randrange(max(number, 1))}"
    fields = [
        (tag, value.format(id=f"fuzz-{number}", earlier=earlier, now=_now()))
        for tag, value in TEMPLATES[msg_type]
    ]
    if rng.random() < 0.6:  # field by field: the frame stays valid
        kind = rng.randrange(5)
        index = rng.randrange(len(fields))
        if kind == 0:
            del fields[index]
        elif kind == 1:
            fields.insert(index, fields[index])
        elif kind == 2:
            fields[index] = (fields[index][0], rng.choice(HOSTILE))
        elif kind == 3:
            fields.insert(index, (rng.choice(STRANGER_TAGS), rng.choice(HOSTILE)))
        else:
            fields.insert(rng.randrange(len(fields)), fields.pop(index))
        encoded: bytes = session.message(msg_type, fields).encode()
        return encoded
    data = bytearray(session.message(msg_type, fields).encode())
    position = rng.randrange(len(data))
    kind = rng.randrange(4)
    if kind == 0:
        data[position] ^= 1 << rng.randrange(8)
    elif kind == 1:
        data.insert(position, rng.randrange(256))
    elif kind == 2:
        del data[position]
    else:
        del data[position:]
    return bytes(data)


def _now() -> str:
    now = time.time()
    return time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}"


def ledger_leaks(url: str, rejected: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Rejected messages that nonetheless have a command: (logon, MsgSeqNum)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(commands.c.kind, commands.c.inbound_sequence_number)
                .where(commands.c.session == SENDER)
                .order_by(commands.c.sequence)
            ).all()
    finally:
        engine.dispose()
    logon, leaks = 0, []
    for kind, number in rows:
        if kind == "ResetSessionSequence":  # each logon of ours resets the numbers
            logon += 1
        elif (logon, number) in rejected:
            leaks.append((logon, number))
    return leaks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", type=int, default=50, help="inputs between TestRequests")
    parser.add_argument("--timeout", type=float, default=10.0, help="for each Heartbeat")
    parser.add_argument("--db", help="ledger URL (default: SQLite in a temporary directory)")
    options = parser.parse_args()
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        bench = Bench(work)
        config, ports = demo_config(work)
        url = options.db or f"sqlite:///{work / 'ledger.sqlite3'}"
        started = time.perf_counter()
        try:
            with venue(config, url, bench, None) as process:
                session = Session(ports["fix"])
                session.log_on()
                for number in range(1, options.inputs + 1):
                    session.send(mutate(rng, session, number))
                    if number % options.check == 0:
                        session.check_alive(f"check-{number}", options.timeout)
                        if process.poll() is not None:
                            raise FuzzError(f"the venue exited with {process.returncode}")
                session.check_alive("last", options.timeout)
        except (FuzzError, BenchError) as error:
            print(f"fuzz: FAILED: {error}")
            return 1
        seconds = time.perf_counter() - started
        leaks = ledger_leaks(url, session.rejected)
        print(
            f"fuzz: {options.inputs:,} inputs (seed {options.seed}) in {seconds:.1f} s; "
            f"{len(session.rejected):,} refused by Reject(3), {session.logons - 1} logouts "
            f"(logged on again); no hung session"
        )
        problems = [
            *bench.problems,
            *(f"rejected message {leak} reached the core" for leak in leaks),
        ]
        for problem in problems:
            print(f"fuzz: FAILED: {problem}")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
