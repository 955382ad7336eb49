"""A broker's side of a FIX session for tests: a real QuickFIX initiator over loopback.

It validates what the venue sends with the venue's published data dictionary, keeps its
own file store (so sequence numbers and resends behave as a broker's engine would) and
collects every message it receives, admin ones included, for the tests to inspect.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path

import quickfix
import simplefix

SOH = "\x01"
REPO = Path(__file__).resolve().parents[2]
DICTIONARIES = {
    "FIX.4.4": REPO / "fix_specs" / "FIX44.xml",
    "FIX.4.2": REPO / "fix_specs" / "FIX42.xml",
}


class Received(dict[int, str]):
    """A received message as {tag: value} (header, body and trailer; no repeating groups)."""

    @classmethod
    def parse(cls, raw: str) -> Received:
        message = cls(
            (int(tag), value)
            for tag, _, value in (field.partition("=") for field in raw.split(SOH) if field)
        )
        message.raw = raw
        return message

    raw: str = ""

    @property
    def msg_type(self) -> str:
        return self[35]


Predicate = Callable[[Received], bool]


class FixClient(quickfix.Application):  # type: ignore[misc]
    _ids = itertools.count(1)

    def __init__(
        self,
        *,
        sender: str,
        port: int,
        work_dir: Path,
        begin_string: str = "FIX.4.4",
        reset_on_logon: bool = False,
    ) -> None:
        super().__init__()
        self.sender = sender
        self.begin_string = begin_string
        self._received: list[Received] = []
        self._sent_rejects: list[Received] = []
        self._consumed: set[int] = set()
        self._arrival = threading.Condition()
        self.logged_on = threading.Event()
        self.logged_out = threading.Event()
        self.session_id = quickfix.SessionID(begin_string, sender, "FIXVENUE")
        directory = work_dir / f"client-{sender}"
        directory.mkdir(parents=True, exist_ok=True)
        settings_path = directory / "initiator.cfg"
        settings_path.write_text(
            "\n".join(
                [
                    "[DEFAULT]",
                    "ConnectionType=initiator",
                    "SocketConnectHost=127.0.0.1",
                    f"SocketConnectPort={port}",
                    "HeartBtInt=30",
                    "ReconnectInterval=1",
                    f"FileStorePath={directory / 'store'}",
                    "NonStopSession=Y",
                    "UseDataDictionary=Y",
                    f"DataDictionary={DICTIONARIES[begin_string]}",
                    "SocketNodelay=Y",
                    "TimestampPrecision=6",
                    f"ResetOnLogon={'Y' if reset_on_logon else 'N'}",
                    "[SESSION]",
                    f"BeginString={begin_string}",
                    f"SenderCompID={sender}",
                    "TargetCompID=FIXVENUE",
                    "",
                ]
            )
        )
        # QuickFIX keeps references to the settings and the store factory: they must live
        # as long as the initiator does.
        self._settings = quickfix.SessionSettings(str(settings_path))
        self._store_factory = quickfix.FileStoreFactory(self._settings)
        self._initiator: quickfix.SocketInitiator | None = quickfix.SocketInitiator(
            self, self._store_factory, self._settings
        )

    # -- QuickFIX callbacks: collect, never raise ----------------------------------------

    def onCreate(self, session_id: quickfix.SessionID) -> None:  # noqa: N802
        pass

    def onLogon(self, session_id: quickfix.SessionID) -> None:  # noqa: N802
        self.logged_out.clear()
        self.logged_on.set()

    def onLogout(self, session_id: quickfix.SessionID) -> None:  # noqa: N802
        self.logged_on.clear()
        self.logged_out.set()

    def toAdmin(self, message: quickfix.Message, session_id: quickfix.SessionID) -> None:  # noqa: N802
        # A Reject(3) this engine sends means a message from the venue failed its validation
        # (and never reached fromApp): tests assert there are none.
        try:
            parsed = Received.parse(message.toString())
            if parsed.msg_type == "3":
                with self._arrival:
                    self._sent_rejects.append(parsed)
        except Exception as error:
            print(f"test client could not parse an outgoing message: {error}")

    def toApp(self, message: quickfix.Message, session_id: quickfix.SessionID) -> None:  # noqa: N802
        pass

    def fromAdmin(self, message: quickfix.Message, session_id: quickfix.SessionID) -> None:  # noqa: N802
        self._collect(message)

    def fromApp(self, message: quickfix.Message, session_id: quickfix.SessionID) -> None:  # noqa: N802
        self._collect(message)

    def _collect(self, message: quickfix.Message) -> None:
        try:
            parsed = Received.parse(message.toString())
            with self._arrival:
                self._received.append(parsed)
                self._arrival.notify_all()
        except Exception as error:
            print(f"test client could not parse a message: {error}")

    # -- test API ---------------------------------------------------------------------

    def start(self, *, wait_logon: bool = True) -> FixClient:
        assert self._initiator is not None, "a stopped client cannot start again"
        self._initiator.start()
        if wait_logon:
            self.wait_logon()
        return self

    def wait_logon(self, timeout: float = 10.0) -> None:
        if not self.logged_on.wait(timeout):
            raise AssertionError(f"{self.sender} did not log on within {timeout}s")

    def stop(self, *, wait_logout: bool = False) -> None:
        """Logs out and destroys the initiator at once: QuickFIX's session registry is
        global, and a later client for the same session must not find this one's entry."""
        if self._initiator is not None:
            self._initiator.stop(not wait_logout)
            self._initiator = None

    def send(
        self,
        msg_type: str,
        fields: dict[int, str] | list[tuple[int, str]],
        header: dict[int, str] | None = None,
    ) -> None:
        message = quickfix.Message()
        message.getHeader().setField(quickfix.MsgType(msg_type))
        for tag, value in (header or {}).items():
            message.getHeader().setField(quickfix.StringField(tag, value))
        for tag, value in fields.items() if isinstance(fields, dict) else fields:
            message.setField(quickfix.StringField(tag, value))
        if not quickfix.Session.sendToTarget(message, self.session_id):
            raise AssertionError(f"{self.sender} could not send {msg_type}: not logged on")

    def next_client_order_id(self) -> str:
        return f"{self.sender}-{int(time.time() * 1000)}-{next(self._ids)}"

    def new_order(
        self,
        *,
        symbol: str = "ACME",
        side: str = "1",
        quantity: str = "100",
        price: str | None = "100.00",
        account: str | None = None,
        time_in_force: str | None = "0",
        order_type: str = "2",
        client_order_id: str | None = None,
        extra: dict[int, str] | None = None,
        header: dict[int, str] | None = None,
    ) -> str:
        client_order_id = client_order_id or self.next_client_order_id()
        fields: dict[int, str] = {
            11: client_order_id,
            55: symbol,
            54: side,
            38: quantity,
            40: order_type,
            60: _now(),
        }
        if account is not None:
            fields[1] = account
        if price is not None:
            fields[44] = price
        if time_in_force is not None:
            fields[59] = time_in_force
        fields.update(self._handling_instruction())
        fields.update(extra or {})
        self.send("D", fields, header)
        return client_order_id

    def cancel(
        self,
        original_client_order_id: str,
        *,
        symbol: str = "ACME",
        side: str = "1",
        client_order_id: str | None = None,
        order_id: str | None = None,
        header: dict[int, str] | None = None,
    ) -> str:
        client_order_id = client_order_id or self.next_client_order_id()
        fields = {
            11: client_order_id,
            41: original_client_order_id,
            55: symbol,
            54: side,
            60: _now(),
        }
        if order_id is not None:
            fields[37] = order_id
        self.send("F", fields, header)
        return client_order_id

    def replace(
        self,
        original_client_order_id: str,
        *,
        quantity: str,
        price: str | None,
        symbol: str = "ACME",
        side: str = "1",
        order_type: str = "2",
        client_order_id: str | None = None,
        extra: dict[int, str] | None = None,
    ) -> str:
        client_order_id = client_order_id or self.next_client_order_id()
        fields = {
            11: client_order_id,
            41: original_client_order_id,
            55: symbol,
            54: side,
            38: quantity,
            40: order_type,
            60: _now(),
            **self._handling_instruction(),
        }
        if price is not None:
            fields[44] = price
        fields.update(extra or {})
        self.send("G", fields)
        return client_order_id

    def _handling_instruction(self) -> dict[int, str]:
        """HandlInst(21), which FIX 4.2 requires on D and G (1: automated, no intervention)."""
        return {21: "1"} if self.begin_string == "FIX.4.2" else {}

    def expect(
        self, predicate: Predicate, timeout: float = 10.0, what: str = "a matching message"
    ) -> Received:
        """The earliest received, not yet expected message that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        with self._arrival:
            while True:
                for index, message in enumerate(self._received):
                    if index not in self._consumed and predicate(message):
                        self._consumed.add(index)
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{self.sender}: no {what} within {timeout}s; got "
                        f"{[m.raw.replace(SOH, '|') for m in self._received]}"
                    )
                self._arrival.wait(remaining)

    def received(self) -> list[Received]:
        with self._arrival:
            return list(self._received)

    def sent_rejects(self) -> list[Received]:
        """The session Rejects this engine sent: venue messages its dictionary refused."""
        with self._arrival:
            return list(self._sent_rejects)

    def assert_nothing_refused(self, quiet_seconds: float = 0.3) -> None:
        """Once the venue has gone quiet: no message it sent was refused by this engine."""
        self.settle(quiet_seconds)
        refused = [message.raw.replace(SOH, "|") for message in self.sent_rejects()]
        assert not refused, f"{self.sender}'s engine refused messages of the venue: {refused}"

    def report(self, client_order_id: str, exec_type: str, timeout: float = 10.0) -> Received:
        return self.expect(
            lambda m: (
                m.msg_type == "8" and m.get(11) == client_order_id and m.get(150) == exec_type
            ),
            timeout,
            f"ExecutionReport 150={exec_type} for {client_order_id}",
        )

    def settle(self, quiet_seconds: float = 0.5) -> list[Received]:
        """Everything received, once nothing more has arrived for `quiet_seconds`."""
        with self._arrival:
            count = -1
            while count != len(self._received):
                count = len(self._received)
                self._arrival.wait(quiet_seconds)
            return list(self._received)


def utc_timestamp(moment: float) -> str:
    """A FIX UTCTimestamp with microseconds for `moment`, in seconds since the epoch."""
    return time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(moment)) + f".{int(moment % 1 * 1e6):06d}"


def _now() -> str:
    return utc_timestamp(time.time())


def raw_message(
    msg_type: str,
    sender: str,
    sequence: int,
    fields: dict[int, str | int],
    *,
    begin_string: str = "FIX.4.4",
    target: str = "FIXVENUE",
    sending_time: str | None = None,
    header: dict[int, str | int] | None = None,
) -> bytes:
    """A FIX message (4.4 unless told) to the venue as bytes, for a test on a bare socket
    (no engine to check or fix what it sends); SendingTime is now unless given."""
    message = simplefix.FixMessage()
    message.append_pair(8, begin_string, header=True)
    message.append_pair(35, msg_type, header=True)
    message.append_pair(49, sender, header=True)
    message.append_pair(56, target, header=True)
    message.append_pair(34, sequence, header=True)
    if sending_time is None:
        message.append_utc_timestamp(52, precision=6, header=True)
    else:
        message.append_pair(52, sending_time, header=True)
    for tag, value in (header or {}).items():
        message.append_pair(tag, value, header=True)
    for tag, value in fields.items():
        message.append_pair(tag, value)
    encoded: bytes = message.encode()
    return encoded
