# Run with the project's virtualenv: .venv/bin/python scripts/loadtest.py --help
"""End-to-end load test for fixvenue over FIX 4.4: plain sockets, simplefix, one thread.

Modes:
  throughput  keep --window orders in flight (a new one goes out whenever one completes)
              and report orders/s and ExecutionReports/s over the run;
  latency     send new orders paced at --rate per second and report order-to-ack latency
              (send of the D to receipt of its ExecType=New report) in microseconds.

Flows:
  place-cancel  BROKER1 places a limit buy at a price that cannot cross (default 95.00) and
                cancels it as soon as it is acknowledged; an order completes on its
                Cancelled report. --orders counts placements.
  cross         BROKER1 places sells; for each acknowledged sell BROKER2 sends a buy at the
                same price and quantity, so every pair trades; an order completes on its
                fill. --orders counts pairs (2N orders), --rate counts orders on both sides.

The session is a minimal initiator: Logon with ResetSeqNumFlag=Y (every run starts at
MsgSeqNum 1 on both sides), Heartbeat on TestRequest and when idle, Logout at the end.
Inbound messages are not parsed in full: the few tags needed are found in the raw bytes.

Exit status: 0 clean run; 1 any reject, session problem, missing acknowledgement or time
limit reached; 2 bad usage.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import os
import resource
import selectors
import socket
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import simplefix

BEGIN_STRING = "FIX.4.4"
VENUE_COMP_ID = "FIXVENUE"
HEARTBEAT_SECONDS = 30
SOH = b"\x01"

# Needles for the fast scan: SOH + tag + "=" cannot match a longer tag ending in the same digits.
MSG_TYPE = b"\x0135="
MSG_SEQ_NUM = b"\x0134="
POSS_DUP = b"\x0143="
CL_ORD_ID = b"\x0111="
ORDER_ID = b"\x0137="
EXEC_TYPE = b"\x01150="
ORD_STATUS = b"\x0139="
TEXT = b"\x0158="
TEST_REQ_ID = b"\x01112="
NEW_SEQ_NO = b"\x0136="
BEGIN_SEQ_NO = b"\x017="

ER_NEW = b"0"
ER_CANCELLED = b"4"
ER_REJECTED = b"8"
ER_TRADE = b"F"
STATUS_FILLED = b"2"
APP_TYPES = frozenset({b"8", b"9", b"j"})

PERCENTILES = (50.0, 90.0, 99.0, 99.9)
MAX_ORDERS = 10_000_000
RECV_BYTES = 1 << 18
ACK_SLACK_SECONDS = 0.5


def utc_timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H:%M:%S.%f")


def scan(message: bytes, needle: bytes) -> bytes | None:
    """The value of the first field `needle` (SOH + tag + '=') names, or None."""
    start = message.find(needle)
    if start < 0:
        return None
    start += len(needle)
    return message[start : message.find(SOH, start)]


def printable(message: bytes) -> str:
    return message.replace(SOH, b"|").decode(errors="replace")


class SessionError(Exception):
    """The FIX session cannot go on (connection lost, logon refused, garbled stream)."""


class Problems:
    """Everything that makes the run fail, with the first few examples of each kind."""

    EXAMPLES = 5

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.examples: dict[str, list[str]] = {}

    def add(self, kind: str, example: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        examples = self.examples.setdefault(kind, [])
        if len(examples) < self.EXAMPLES:
            examples.append(example)

    def __bool__(self) -> bool:
        return bool(self.counts)

    def as_dict(self) -> dict[str, Any]:
        return {
            kind: {"count": count, "examples": self.examples[kind]}
            for kind, count in self.counts.items()
        }


@dataclass(slots=True, eq=False)
class Request:
    """A D or F in flight, keyed by its ClOrdID."""

    client_order_id: str
    session: FixSession
    side: str
    cancel: bool = False
    sent_ns: int = 0
    pair: int = 0


class FixSession:
    def __init__(
        self, *, sender: str, host: str, port: int, io_timeout: float, problems: Problems
    ) -> None:
        self.sender = sender
        self.problems = problems
        self.next_out = 1
        self.next_in = 1
        self.connect(host, port, io_timeout)

    def connect(self, host: str, port: int, io_timeout: float) -> None:
        """A new connection, logged off; the sequence numbers stay where they are."""
        try:
            self.sock = socket.create_connection((host, port), timeout=io_timeout)
        except OSError as error:
            raise SessionError(f"{self.sender}: cannot connect to {host}:{port}: {error}") from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.logged_on = False
        self.logged_out = False
        self.closed = False
        self._logout_sent = False
        self.last_sent = time.monotonic()
        self._buffer = bytearray()
        self._outbox: list[bytes] = []
        self._unstamped: list[Request] = []

    # -- sending -------------------------------------------------------------------------

    def queue(
        self,
        msg_type: str,
        body: Iterable[tuple[int, str]],
        *,
        request: Request | None = None,
        header: Iterable[tuple[int, str]] = (),
        seq: int | None = None,
    ) -> None:
        """Encodes a message for the next flush; `request` gets the flush's send time."""
        message = simplefix.FixMessage()
        message.append_pair(8, BEGIN_STRING, header=True)
        message.append_pair(35, msg_type, header=True)
        message.append_pair(49, self.sender, header=True)
        message.append_pair(56, VENUE_COMP_ID, header=True)
        message.append_pair(34, self.next_out if seq is None else seq, header=True)
        message.append_pair(52, utc_timestamp(), header=True)
        for tag, value in header:
            message.append_pair(tag, value, header=True)
        for tag, value in body:
            message.append_pair(tag, value)
        encoded: bytes = message.encode()
        self._outbox.append(encoded)
        if seq is None:
            self.next_out += 1
        if request is not None:
            self._unstamped.append(request)

    def flush(self) -> None:
        """Writes everything queued in one send; stamps the requests with its start time."""
        if not self._outbox:
            return
        data = self._outbox[0] if len(self._outbox) == 1 else b"".join(self._outbox)
        self._outbox.clear()
        now = time.perf_counter_ns()
        for request in self._unstamped:
            request.sent_ns = now
        self._unstamped.clear()
        try:
            self.sock.sendall(data)
        except OSError as error:
            self.closed = True
            raise SessionError(f"{self.sender}: send failed: {error}") from None
        self.last_sent = time.monotonic()

    def heartbeat_if_idle(self) -> None:
        if time.monotonic() - self.last_sent >= HEARTBEAT_SECONDS - 1:
            self.queue("0", ())
            self.flush()

    # -- receiving -----------------------------------------------------------------------

    def receive(self) -> list[bytes]:
        """What one recv completed: whole messages, admin ones included."""
        try:
            chunk = self.sock.recv(RECV_BYTES)
        except BlockingIOError:
            return []
        except OSError as error:
            self.closed = True
            raise SessionError(f"{self.sender}: receive failed: {error}") from None
        if not chunk:
            self.closed = True
            return []
        self._buffer += chunk
        return self._frame()

    def _frame(self) -> list[bytes]:
        buffer = self._buffer
        size = len(buffer)
        messages = []
        start = 0
        while size - start > 20:
            if buffer[start : start + 2] != b"8=":
                raise SessionError(f"{self.sender}: stream out of step at {bytes(buffer[:60])!r}")
            length_at = buffer.find(b"\x019=", start)
            length_end = buffer.find(SOH, length_at + 3) if length_at >= 0 else -1
            if length_end < 0:
                break
            end = length_end + 1 + int(buffer[length_at + 3 : length_end]) + 7
            if end > size:
                break
            if buffer[end - 7 : end - 4] != b"10=":
                raise SessionError(f"{self.sender}: bad BodyLength in {bytes(buffer[start:end])!r}")
            messages.append(bytes(buffer[start:end]))
            start = end
        if start:
            del buffer[:start]
        return messages

    def accept(self, message: bytes) -> bytes | None:
        """Sequence check and session-level handling; returns MsgType for app messages."""
        msg_type = scan(message, MSG_TYPE) or b""
        seq = int(scan(message, MSG_SEQ_NUM) or b"0")
        if msg_type == b"4":
            # SequenceReset: the number of the next message is what it says.
            self.next_in = int(scan(message, NEW_SEQ_NO) or b"0")
            self.problems.add("sequence-reset", f"{self.sender}: {printable(message)}")
            return None
        if seq != self.next_in:
            if seq < self.next_in and scan(message, POSS_DUP) == b"Y":
                return None  # a duplicate already processed
            self.problems.add(
                "inbound-sequence", f"{self.sender}: expected {self.next_in}, got {seq}"
            )
        self.next_in = seq + 1
        if msg_type in APP_TYPES:
            return msg_type
        if msg_type == b"1":
            test_request_id = (scan(message, TEST_REQ_ID) or b"").decode()
            self.queue("0", [(112, test_request_id)])
            self.flush()
        elif msg_type == b"A":
            self.logged_on = True
        elif msg_type == b"5":
            self.logged_out = True
            if not self.logged_on:
                text = (scan(message, TEXT) or b"").decode(errors="replace")
                raise SessionError(f"{self.sender}: logon refused: {text}")
            if not self._logout_sent:
                self.problems.add("venue-logout", f"{self.sender}: {printable(message)}")
        elif msg_type == b"3":
            self.problems.add("session-reject", f"{self.sender}: {printable(message)}")
        elif msg_type == b"2":
            self.problems.add("resend-request", f"{self.sender}: {printable(message)}")
            begin = int(scan(message, BEGIN_SEQ_NO) or b"1")
            self.queue(
                "4",
                [(123, "Y"), (36, str(self.next_out))],
                header=[(43, "Y"), (122, utc_timestamp())],
                seq=begin,
            )
            self.flush()
        return None

    def logon(self) -> None:
        self.queue("A", [(98, "0"), (108, str(HEARTBEAT_SECONDS)), (141, "Y")])
        self.flush()

    def logout(self) -> None:
        self._logout_sent = True
        self.queue("5", ())
        self.flush()

    def close(self) -> None:
        self.sock.close()
        self.closed = True


class Latencies:
    def __init__(self) -> None:
        self.samples: dict[str, list[int]] = {}

    def add(self, kind: str, nanoseconds: int) -> None:
        self.samples.setdefault(kind, []).append(nanoseconds)

    def summary(self) -> dict[str, dict[str, float]]:
        result = {}
        for kind, samples in self.samples.items():
            ordered = sorted(samples)
            figures: dict[str, float] = {"count": len(ordered)}
            for percentile in PERCENTILES:
                rank = max(1, math.ceil(percentile / 100 * len(ordered)))
                figures[f"p{percentile:g}"] = ordered[rank - 1] / 1000
            figures["max"] = ordered[-1] / 1000
            figures["mean"] = sum(ordered) / len(ordered) / 1000
            result[kind] = figures
        return result


class Flow:
    """Orders in flight and what their reports mean; the driver decides when to send."""

    def __init__(
        self, *, symbol: str, price: str, qty: str, orders: int, prefix: str, problems: Problems
    ) -> None:
        self.symbol = symbol
        self.price = price
        self.qty = qty
        self.target = orders
        self.prefix = prefix
        self.problems = problems
        self.latencies = Latencies()
        self.pending: dict[bytes, Request] = {}
        self.started = 0  # new-order requests begun by the driver (pairs for cross)
        self.outstanding = 0  # orders sent and not yet final
        self.final = 0  # orders that reached their final report (or a reject)
        self.total_orders = orders
        self.counts: dict[str, int] = {
            "new_orders_sent": 0,
            "cancels_sent": 0,
            "execution_reports": 0,
            "acks_new": 0,
            "acks_cancelled": 0,
            "fills": 0,
            "rejects": 0,
            "cancel_rejects": 0,
            "business_rejects": 0,
            "unmatched_reports": 0,
        }
        self.last_ack_ns = 0
        self.orders_per_start = 1  # new orders that one paced start leads to
        self.closing = False  # logging out: send nothing more

    @property
    def can_start(self) -> bool:
        return self.started < self.target

    @property
    def done(self) -> bool:
        return self.final >= self.total_orders

    def start_one(self) -> None:
        raise NotImplementedError

    def on_report(self, session: FixSession, message: bytes, exec_type: bytes, now: int) -> None:
        raise NotImplementedError

    def on_message(self, session: FixSession, message: bytes, msg_type: bytes, now: int) -> None:
        if msg_type == b"8":
            self.counts["execution_reports"] += 1
            self.last_ack_ns = now
            self.on_report(session, message, scan(message, EXEC_TYPE) or b"", now)
        elif msg_type == b"9":
            self.counts["cancel_rejects"] += 1
            self.problems.add("cancel-reject", printable(message))
            request = self.pending.pop(scan(message, CL_ORD_ID) or b"", None)
            if request is not None:
                self._finish()
        else:
            self.counts["business_rejects"] += 1
            self.problems.add("business-reject", printable(message))

    def _new_order(self, session: FixSession, account: str, side: str, number: int) -> Request:
        letter = "B" if side == "1" else "S"
        request = Request(f"{self.prefix}{letter}{number}", session, side, pair=number)
        session.queue(
            "D",
            [
                (11, request.client_order_id),
                (1, account),
                (55, self.symbol),
                (54, side),
                (38, self.qty),
                (40, "2"),
                (44, self.price),
                (59, "0"),
                (60, utc_timestamp()),
            ],
            request=request,
        )
        self.pending[request.client_order_id.encode()] = request
        self.counts["new_orders_sent"] += 1
        self.outstanding += 1
        return request

    def _rejected(self, message: bytes) -> None:
        self.counts["rejects"] += 1
        self.problems.add("reject", printable(message))
        self._finish()

    def _unmatched(self, message: bytes) -> None:
        self.counts["unmatched_reports"] += 1
        self.problems.add("unmatched-report", printable(message))

    def _finish(self) -> None:
        self.outstanding -= 1
        self.final += 1


class PlaceCancelFlow(Flow):
    def __init__(
        self,
        *,
        session: FixSession,
        account: str,
        symbol: str,
        price: str,
        qty: str,
        orders: int,
        prefix: str,
        problems: Problems,
    ) -> None:
        super().__init__(
            symbol=symbol, price=price, qty=qty, orders=orders, prefix=prefix, problems=problems
        )
        self.session = session
        self.account = account
        self.sessions = [session]

    def start_one(self) -> None:
        self._new_order(self.session, self.account, "1", self.started)
        self.started += 1

    def on_report(self, session: FixSession, message: bytes, exec_type: bytes, now: int) -> None:
        request = self.pending.pop(scan(message, CL_ORD_ID) or b"", None)
        if request is None:
            self._unmatched(message)
            return
        if exec_type == ER_NEW and not request.cancel:
            self.counts["acks_new"] += 1
            self.latencies.add("order->New", now - request.sent_ns)
            if self.closing:
                return
            cancel = Request(request.client_order_id + "C", session, request.side, cancel=True)
            session.queue(
                "F",
                [
                    (11, cancel.client_order_id),
                    (41, request.client_order_id),
                    (37, (scan(message, ORDER_ID) or b"").decode()),
                    (55, self.symbol),
                    (54, request.side),
                    (60, utc_timestamp()),
                ],
                request=cancel,
            )
            self.pending[cancel.client_order_id.encode()] = cancel
            self.counts["cancels_sent"] += 1
        elif exec_type == ER_CANCELLED and request.cancel:
            self.counts["acks_cancelled"] += 1
            self.latencies.add("cancel->Cancelled", now - request.sent_ns)
            self._finish()
        elif exec_type == ER_REJECTED:
            self._rejected(message)
        else:
            self.problems.add("unexpected-report", printable(message))
            self._finish()


class CrossFlow(Flow):
    def __init__(
        self,
        *,
        sell_session: FixSession,
        sell_account: str,
        buy_session: FixSession,
        buy_account: str,
        symbol: str,
        price: str,
        qty: str,
        pairs: int,
        prefix: str,
        problems: Problems,
    ) -> None:
        super().__init__(
            symbol=symbol, price=price, qty=qty, orders=pairs, prefix=prefix, problems=problems
        )
        self.total_orders = 2 * pairs
        self.orders_per_start = 2
        self.sell_session = sell_session
        self.sell_account = sell_account
        self.buy_session = buy_session
        self.buy_account = buy_account
        self.sessions = [sell_session, buy_session]

    def start_one(self) -> None:
        self._new_order(self.sell_session, self.sell_account, "2", self.started)
        self.started += 1

    def on_report(self, session: FixSession, message: bytes, exec_type: bytes, now: int) -> None:
        key = scan(message, CL_ORD_ID) or b""
        request = self.pending.get(key)
        if request is None:
            self._unmatched(message)
            return
        if exec_type == ER_NEW:
            self.counts["acks_new"] += 1
            self.latencies.add("order->New", now - request.sent_ns)
            if request.side == "2" and not self.closing:
                # The sell rests: send the buy that crosses it.
                self._new_order(self.buy_session, self.buy_account, "1", request.pair)
        elif exec_type == ER_TRADE:
            self.counts["fills"] += 1
            if scan(message, ORD_STATUS) == STATUS_FILLED:
                del self.pending[key]
                if request.side == "1":
                    self.latencies.add("buy->Fill", now - request.sent_ns)
                self._finish()
        elif exec_type == ER_REJECTED:
            del self.pending[key]
            self._rejected(message)
        else:
            del self.pending[key]
            self.problems.add("unexpected-report", printable(message))
            self._finish()


class Driver:
    """The event loop: one select over the sessions, bounded by count and wall clock."""

    def __init__(self, sessions: Sequence[FixSession], flow: Flow | None = None) -> None:
        self.sessions = list(sessions)
        self.flow = flow
        # select() rather than epoll: its timeout has microsecond, not millisecond, resolution,
        # which the pacing of the latency mode needs.
        self.selector = selectors.SelectSelector()
        for session in self.sessions:
            self.selector.register(session.sock, selectors.EVENT_READ, session)
        self.last_progress = time.monotonic()

    def pump(self, timeout: float) -> None:
        for key, _ in self.selector.select(max(0.0, timeout)):
            session: FixSession = key.data
            messages = session.receive()
            now = time.perf_counter_ns()
            if session.closed:
                if session.logged_out:
                    self.selector.unregister(session.sock)
                    continue
                raise SessionError(f"{session.sender}: the venue closed the connection")
            for message in messages:
                msg_type = session.accept(message)
                if msg_type is None:
                    continue
                self.last_progress = time.monotonic()
                if self.flow is None:
                    session.problems.add("report-before-start", printable(message))
                else:
                    self.flow.on_message(session, message, msg_type, now)
        self.flush()

    def flush(self) -> None:
        for session in self.sessions:
            session.flush()
            session.heartbeat_if_idle()

    def wait_for(self, condition: str, deadline: float) -> bool:
        while time.monotonic() < deadline:
            if all(getattr(session, condition) for session in self.sessions):
                return True
            self.pump(min(0.2, deadline - time.monotonic()))
        return all(getattr(session, condition) for session in self.sessions)

    def stalled(self, ack_timeout: float) -> bool:
        assert self.flow is not None
        idle = time.monotonic() - self.last_progress
        return self.flow.outstanding > 0 and idle > ack_timeout

    def run_throughput(self, window: int, deadline: float, ack_timeout: float) -> None:
        flow = self.flow
        assert flow is not None
        while not flow.done and time.monotonic() < deadline and not self.stalled(ack_timeout):
            while flow.outstanding < window and flow.can_start:
                flow.start_one()
            self.flush()
            self.pump(min(ACK_SLACK_SECONDS, deadline - time.monotonic()))

    def run_paced(self, rate: float, window: int, deadline: float, ack_timeout: float) -> int:
        """Sends new orders on a fixed schedule; returns how many slots the window skipped."""
        flow = self.flow
        assert flow is not None
        interval = round(1e9 * flow.orders_per_start / rate)
        due = time.perf_counter_ns()
        skipped = 0
        while not flow.done and time.monotonic() < deadline and not self.stalled(ack_timeout):
            now = time.perf_counter_ns()
            while flow.can_start and now >= due:
                if flow.outstanding >= window:
                    skipped += 1  # the venue is behind: drop this slot, keep the schedule
                else:
                    flow.start_one()
                due += interval
            self.flush()
            wait = (due - time.perf_counter_ns()) / 1e9 if flow.can_start else ACK_SLACK_SECONDS
            self.pump(min(wait, ACK_SLACK_SECONDS, deadline - time.monotonic()))
        return skipped


def loopback(host: str) -> str:
    address = "127.0.0.1" if host == "localhost" else host
    try:
        if ipaddress.ip_address(address).is_loopback:
            return address
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{host}: only loopback addresses are allowed")


def positive_int(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_ORDERS:
        raise argparse.ArgumentTypeError(f"expected 1..{MAX_ORDERS}, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="End-to-end FIX load test for fixvenue (FIX 4.4, simplefix, sockets).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("mode", choices=["throughput", "latency"])
    parser.add_argument("--flow", choices=["place-cancel", "cross"], default="place-cancel")
    parser.add_argument("--host", type=loopback, default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9878)
    parser.add_argument(
        "--orders", type=positive_int, default=10_000, help="placements, or pairs for cross"
    )
    parser.add_argument(
        "--window",
        type=positive_int,
        default=None,
        help="orders in flight; in latency mode only a cap (default 100, latency 1000)",
    )
    parser.add_argument(
        "--rate", type=positive_float, default=1000.0, help="new orders/s in latency mode"
    )
    parser.add_argument("--sender", default="BROKER1", help="SenderCompID (sells in cross)")
    parser.add_argument("--account", default="BRK1-A")
    parser.add_argument("--sender2", default="BROKER2", help="SenderCompID of the buys in cross")
    parser.add_argument("--account2", default="BRK2-A")
    parser.add_argument("--symbol", default="ACME")
    parser.add_argument(
        "--price", default=None, help="limit price (default 95.00 place-cancel, 100.00 cross)"
    )
    parser.add_argument("--qty", default="100")
    parser.add_argument("--timeout", type=positive_float, default=600.0, help="whole run, s")
    parser.add_argument(
        "--ack-timeout",
        type=positive_float,
        default=10.0,
        help="give up when orders are outstanding and nothing arrived for this long, s",
    )
    parser.add_argument("--id-prefix", default=None, help="ClOrdID prefix (default: unique)")
    parser.add_argument(
        "--json", metavar="PATH", help="also write the results as JSON; '-': JSON, no table"
    )
    arguments = parser.parse_args(argv)
    if arguments.window is None:
        arguments.window = 100 if arguments.mode == "throughput" else 1000
    return arguments


def build_flow(arguments: argparse.Namespace, problems: Problems) -> tuple[Flow, Driver]:
    prefix = arguments.id_prefix or f"{time.time_ns() // 1_000_000:x}{os.getpid() % 1000:03d}-"
    connect = {"host": arguments.host, "port": arguments.port, "io_timeout": 10.0}
    first = FixSession(sender=arguments.sender, problems=problems, **connect)
    sessions = [first]
    try:
        if arguments.flow == "cross":
            sessions.append(FixSession(sender=arguments.sender2, problems=problems, **connect))
    except SessionError:
        first.close()
        raise
    flow: Flow
    if arguments.flow == "cross":
        flow = CrossFlow(
            sell_session=first,
            sell_account=arguments.account,
            buy_session=sessions[1],
            buy_account=arguments.account2,
            symbol=arguments.symbol,
            price=arguments.price or "100.00",
            qty=arguments.qty,
            pairs=arguments.orders,
            prefix=prefix,
            problems=problems,
        )
    else:
        flow = PlaceCancelFlow(
            session=first,
            account=arguments.account,
            symbol=arguments.symbol,
            price=arguments.price or "95.00",
            qty=arguments.qty,
            orders=arguments.orders,
            prefix=prefix,
            problems=problems,
        )
    return flow, Driver(sessions, flow)


@dataclass(slots=True)
class Span:
    """What the measured part of the run took: wall clock from the first order to the last
    report, and the client's own CPU time."""

    first_ns: int = 0
    end_ns: int = 0
    cpu_s: float = 0.0
    skipped: int = 0
    _cpu_start: float = field(default=0.0, repr=False)

    def start(self) -> None:
        self._cpu_start = _cpu_seconds()
        self.first_ns = self.end_ns = time.perf_counter_ns()

    def stop(self, end_ns: int) -> None:
        if self.first_ns:
            self.end_ns = end_ns
            self.cpu_s = _cpu_seconds() - self._cpu_start

    @property
    def seconds(self) -> float:
        return max(self.end_ns - self.first_ns, 1) / 1e9


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def drive(
    arguments: argparse.Namespace, flow: Flow, driver: Driver, problems: Problems, span: Span
) -> None:
    deadline = time.monotonic() + arguments.timeout
    for session in driver.sessions:
        session.logon()
    if not driver.wait_for("logged_on", min(deadline, time.monotonic() + 10)):
        raise SessionError("logon not answered within 10 s")
    span.start()
    if arguments.mode == "throughput":
        driver.run_throughput(arguments.window, deadline, arguments.ack_timeout)
    else:
        span.skipped = driver.run_paced(
            arguments.rate, arguments.window, deadline, arguments.ack_timeout
        )
    span.stop(flow.last_ack_ns if flow.done else time.perf_counter_ns())
    if not flow.done:
        reason = "time limit" if time.monotonic() >= deadline else "ack timeout"
        problems.add(
            "missing-acks",
            f"{reason}: {flow.outstanding} orders without a final report, "
            f"{flow.total_orders - flow.final - flow.outstanding} never sent",
        )
    flow.closing = True
    for session in driver.sessions:
        session.logout()
    if not driver.wait_for("logged_out", time.monotonic() + 5):
        problems.add("logout", "the venue did not answer Logout within 5 s")


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    problems = Problems()
    flow, driver = build_flow(arguments, problems)
    span = Span()
    try:
        drive(arguments, flow, driver, problems, span)
    except SessionError as error:
        problems.add("session", str(error))
        span.stop(time.perf_counter_ns())
    finally:
        for session in driver.sessions:
            session.close()
    elapsed = span.seconds
    counts = flow.counts
    return {
        "mode": arguments.mode,
        "flow": arguments.flow,
        "venue": f"{arguments.host}:{arguments.port}",
        "window": arguments.window,
        "rate": arguments.rate if arguments.mode == "latency" else None,
        "orders_target": flow.total_orders,
        "orders_final": flow.final,
        "elapsed_s": round(elapsed, 3),
        "orders_per_s": round(counts["new_orders_sent"] / elapsed, 1),
        "ers_per_s": round(counts["execution_reports"] / elapsed, 1),
        "requests_per_s": round((counts["new_orders_sent"] + counts["cancels_sent"]) / elapsed, 1),
        "paced_slots_skipped": span.skipped,
        "client_cpu_s": round(span.cpu_s, 2),
        **counts,
        "latency_us": flow.latencies.summary(),
        "problems": problems.as_dict(),
        "ok": not problems,
    }


def render(result: dict[str, Any]) -> str:
    lines = [
        f"fixvenue loadtest: {result['mode']} / {result['flow']} against {result['venue']}"
        + (f", {result['rate']:g} orders/s" if result["rate"] else "")
        + f", window {result['window']}",
    ]
    rows = [
        ("orders (final/target)", f"{result['orders_final']}/{result['orders_target']}"),
        ("new orders sent", result["new_orders_sent"]),
        ("cancels sent", result["cancels_sent"]),
        ("execution reports", result["execution_reports"]),
        ("  New / Cancelled / fills", "{acks_new} / {acks_cancelled} / {fills}".format(**result)),
        ("rejects / cancel rejects", f"{result['rejects']} / {result['cancel_rejects']}"),
        ("elapsed s", f"{result['elapsed_s']:.3f}"),
        ("orders/s", f"{result['orders_per_s']:.1f}"),
        ("ERs/s", f"{result['ers_per_s']:.1f}"),
        ("requests (D+F)/s", f"{result['requests_per_s']:.1f}"),
        ("client CPU s", f"{result['client_cpu_s']:.2f}"),
    ]
    if result["mode"] == "latency":
        rows.append(("paced slots skipped", result["paced_slots_skipped"]))
    lines += [f"  {name:<26}{value:>14}" for name, value in rows]
    latencies = result["latency_us"]
    if latencies:
        header = ["latency us", "count", *(f"p{p:g}" for p in PERCENTILES), "max"]
        lines.append("  " + f"{header[0]:<20}" + "".join(f"{h:>10}" for h in header[1:]))
        for kind, figures in latencies.items():
            values = [figures["count"], *(figures[f"p{p:g}"] for p in PERCENTILES), figures["max"]]
            lines.append("  " + f"{kind:<20}" + "".join(f"{v:>10.0f}" for v in values))
    for kind, details in result["problems"].items():
        lines.append(f"  PROBLEM {kind} x{details['count']}: {details['examples'][0]}")
    lines.append("  result: " + ("OK" if result["ok"] else "FAILED"))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        result = run(arguments)
    except SessionError as error:
        print(f"loadtest: {error}", file=sys.stderr)
        return 1
    if arguments.json == "-":
        print(json.dumps(result, indent=2))
    else:
        print(render(result))
        if arguments.json:
            with open(arguments.json, "w", encoding="utf-8") as handle:
                json.dump(result, handle, indent=2)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
