# Run with the project's virtualenv: .venv/bin/python scripts/crash_safety.py --help
"""Crash safety: the venue is SIGKILLed under load, round after round, and must come back
exactly as the brokers last knew it.

Starts the venue (demo config, free ports; an embedded SQLite ledger unless --db) and
connects the load tool's sessions for three brokers: BROKER1 (BRK1-A), BROKER2 (BRK2-A,
cancel-on-disconnect) and BROKER4 (BRK4-A). Their sequence numbers carry on from round to
round, as a broker's FIX engine keeps them. Each round:

  1. load: the brokers send a paced random mix, pipelined, of limit orders (Day, GTC and
     IOC, on ACME, BOLT and EURX, around the reference price so that many trade), cancels
     and replaces of their open orders;
  2. crash: after a random 0.2 s to --max-load-seconds, the venue gets SIGKILL. What it
     had sent before dying is read off the sockets: that is what the brokers saw;
  3. restart: the venue is started again. Each broker logs on where its numbers stand,
     answers the venue's ResendRequest by sending its unanswered messages again
     (PossDup=Y, as first sent), asks by ResendRequest for any gap in the venue's numbers,
     and waits until every request it ever sent has its answer;
  4. checks:
     - every report a broker received before the kill is in the ledger (by ExecID);
     - the state the brokers reconstruct from their reports (each book's open orders,
       price level by price level in time priority, with their leaves; each account's
       open orders, positions and open buy and sell quantity per symbol) hashes the same
       as the state the venue reports through its admin API;
     - no ExecID names two different reports, no order is reported new twice, and a
       report received twice is marked PossDup or PossResend the second time;
     - sequence numbers continue: no message is lost or numbered lower than the last, no
       session is reset, rejected or logged out.

The state compared in step 4 is the state at the kill completed by the reports the venue
owed the brokers at that moment (committed but not yet delivered), which they receive
after the restart; nothing new is sent before the comparison.

Exit status: 0 when every round was clean and the venue stopped cleanly, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy
from bench_e2e import LOG_PROBLEM, demo_config, fixvenue_executable
from loadtest import (
    BEGIN_SEQ_NO,
    CL_ORD_ID,
    EXEC_TYPE,
    MSG_SEQ_NUM,
    MSG_TYPE,
    NEW_SEQ_NO,
    ORD_STATUS,
    ORDER_ID,
    POSS_DUP,
    TEST_REQ_ID,
    TEXT,
    FixSession,
    Problems,
    SessionError,
    printable,
    scan,
    utc_timestamp,
)

from fixvenue.app.config import load
from fixvenue.cli.admin_client import AdminClient, AdminRefusedError

BROKERS = (("BROKER1", "BRK1-A"), ("BROKER2", "BRK2-A"), ("BROKER4", "BRK4-A"))
# Symbol: (reference price, tick size), as in the demo config.
INSTRUMENTS = {
    "ACME": (Decimal("100.00"), Decimal("0.01")),
    "BOLT": (Decimal("25.00"), Decimal("0.01")),
    "EURX": (Decimal("50.00"), Decimal("0.05")),
}
QUANTITIES = (10, 20, 50, 100, 200)
PRICE_STEPS = 4  # orders are priced up to this many ticks either side of the reference
OPEN_ORDERS_PER_BROKER = 40  # above it, a broker cancels rather than places
STARTUP_SECONDS = 60.0
RECOVERY_SECONDS = 60.0
QUIET_SECONDS = 1.0  # recovery is over when every request is answered and nothing comes
SETTLE_SECONDS = 5.0  # how long a difference between the two states may last
IO_TIMEOUT_SECONDS = 10.0

POSS_RESEND = b"\x0197="
GAP_FILL_FLAG = b"\x01123="
EXEC_ID = b"\x0117="
LEAVES_QTY = b"\x01151="
CUM_QTY = b"\x0114="
ORDER_QTY = b"\x0138="
PRICE = b"\x0144="
LAST_QTY = b"\x0132="
SIDE = b"\x0154="
SYMBOL = b"\x0155="
ACCOUNT = b"\x011="
END_SEQ_NO = b"\x0116="
CXL_REJ_REASON = b"\x01102="
# A cancel or replace may come too late (0: the order filled or was cancelled meanwhile)
# or, when the brokers' view lags a fill, ask for a quantity not above what is filled (99).
EXPECTED_CANCEL_REJECTS = frozenset({b"0", b"99"})


class CrashError(Exception):
    """The round cannot go on (the venue did not start, a broker could not log on)."""


# -- a broker's session across restarts --------------------------------------------------------


class DurableSession(FixSession):
    """The load tool's session kept across the venue's restarts: sequence numbers carry on,
    the orders sent are kept for the venue's ResendRequest, and a gap in the venue's
    numbers is asked for before anything after it is taken."""

    def __init__(self, sender: str, port: int, problems: Problems) -> None:
        super().__init__(
            sender=sender, host="127.0.0.1", port=port, io_timeout=IO_TIMEOUT_SECONDS,
            problems=problems,
        )  # fmt: skip
        self.port = port
        # MsgSeqNum -> (MsgType, body, SendingTime) of each order message sent.
        self.sent: dict[int, tuple[str, list[tuple[int, str]], str]] = {}
        self.resend_through = 0  # asked the venue again for every number up to this one
        self.counts = {"gaps asked for": 0, "messages sent again": 0}

    def reconnect(self) -> None:
        self.close()
        self.connect("127.0.0.1", self.port, IO_TIMEOUT_SECONDS)

    def logon(self) -> None:
        # No ResetSeqNumFlag: the numbers go on from where they stand on both sides.
        self.queue("A", [(98, "0"), (108, "30")])
        self.flush()

    def send_order_message(self, msg_type: str, body: list[tuple[int, str]]) -> None:
        self.sent[self.next_out] = (msg_type, body, utc_timestamp())
        self.queue(msg_type, body)

    @property
    def recovering(self) -> bool:
        return self.next_in <= self.resend_through

    def accept(self, message: bytes) -> bytes | None:
        """Takes the venue's messages strictly in sequence; returns MsgType for reports."""
        msg_type = scan(message, MSG_TYPE) or b""
        seq = int(scan(message, MSG_SEQ_NUM) or b"0")
        if msg_type == b"4" and scan(message, GAP_FILL_FLAG) != b"Y":
            self.problems.add("sequence-reset", f"{self.sender}: {printable(message)}")
            self.next_in = int(scan(message, NEW_SEQ_NO) or b"0")
            return None
        if seq < self.next_in:
            if scan(message, POSS_DUP) != b"Y":
                self.problems.add(
                    "sequence-too-low", f"{self.sender}: expected {self.next_in}, got {seq}"
                )
            return None
        if seq > self.next_in:
            # A Logon and a ResendRequest are taken even when they show a gap (FIX session
            # protocol): the venue asks after its restart for what it did not commit.
            if msg_type == b"A":
                self.logged_on = True
            elif msg_type == b"2":
                self._answer_resend_request(message)
            if not self.recovering:
                self.queue("2", [(7, str(self.next_in)), (16, "0")])
                self.flush()
                self.counts["gaps asked for"] += 1
            # Everything up to the last number seen comes again.
            self.resend_through = max(self.resend_through, seq)
            return None
        if msg_type == b"4":
            new_seq_no = int(scan(message, NEW_SEQ_NO) or b"0")
            if new_seq_no <= self.next_in:
                self.problems.add("gap-fill-backwards", f"{self.sender}: {printable(message)}")
            self.next_in = max(self.next_in, new_seq_no)
            return None
        self.next_in = seq + 1
        if msg_type in (b"8", b"9", b"j"):
            return msg_type
        if msg_type == b"1":
            self.queue("0", [(112, (scan(message, TEST_REQ_ID) or b"").decode())])
            self.flush()
        elif msg_type == b"A":
            self.logged_on = True
        elif msg_type == b"2":
            self._answer_resend_request(message)
        elif msg_type in (b"3", b"5"):
            self.problems.add(
                "session-reject" if msg_type == b"3" else "venue-logout",
                f"{self.sender}: {(scan(message, TEXT) or b'').decode(errors='replace')}",
            )
        return None

    def _answer_resend_request(self, message: bytes) -> None:
        """Orders and amends again as first sent (PossDup=Y); the rest as gap fills."""
        begin = int(scan(message, BEGIN_SEQ_NO) or b"1")
        end = int(scan(message, END_SEQ_NO) or b"0")
        last = self.next_out - 1 if end == 0 or end >= self.next_out else end
        gap_from = None
        for seq in range(begin, last + 1):
            stored = self.sent.get(seq)
            if stored is None:
                gap_from = seq if gap_from is None else gap_from
                continue
            if gap_from is not None:
                self._gap_fill(gap_from, seq)
                gap_from = None
            msg_type, body, sending_time = stored
            self.queue(msg_type, body, header=[(43, "Y"), (122, sending_time)], seq=seq)
            self.counts["messages sent again"] += 1
        if gap_from is not None:
            self._gap_fill(gap_from, last + 1)
        self.flush()

    def _gap_fill(self, begin: int, new_seq_no: int) -> None:
        self.queue("4", [(123, "Y"), (36, str(new_seq_no))], header=[(43, "Y")], seq=begin)


# -- what the brokers know -------------------------------------------------------------------


@dataclass(slots=True)
class OpenOrder:
    order_id: str
    session: str
    account: str
    client_order_id: str
    symbol: str
    side: str
    price: Decimal
    quantity: int
    leaves: int
    priority: int  # ExecID of the report that gave the order its place in the queue


@dataclass(slots=True)
class BrokerView:
    """The venue's state as the brokers can rebuild it from the reports they received."""

    problems: Problems
    orders: dict[str, OpenOrder] = field(default_factory=dict)  # open ones, by OrderID
    positions: dict[tuple[str, str], int] = field(default_factory=dict)
    reports: dict[int, tuple[bytes | None, ...]] = field(default_factory=dict)  # by ExecID
    ever_new: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(
        default_factory=lambda: {"reports": 0, "fills": 0, "seen again": 0}
    )

    def take(self, session: str, message: bytes) -> None:
        exec_id = int(scan(message, EXEC_ID) or b"0")
        fields = (CL_ORD_ID, ORDER_ID, EXEC_TYPE, ORD_STATUS, LEAVES_QTY, CUM_QTY)
        identity = tuple(scan(message, tag) for tag in fields)
        known = self.reports.get(exec_id)
        if known is not None:
            if known != identity:
                self.problems.add("exec-id-reused", f"{session}: {printable(message)}")
            elif scan(message, POSS_DUP) != b"Y" and scan(message, POSS_RESEND) != b"Y":
                self.problems.add("report-repeated", f"{session}: {printable(message)}")
            self.counts["seen again"] += 1
            return
        self.reports[exec_id] = identity
        self.counts["reports"] += 1
        exec_type = (scan(message, EXEC_TYPE) or b"").decode()
        order_id = (scan(message, ORDER_ID) or b"").decode()
        leaves = int(scan(message, LEAVES_QTY) or b"0")
        if exec_type == "8":
            # Nothing in this load breaks a rule: a reject means a request was lost or
            # taken twice (a resend rejected as a duplicate, say).
            self.problems.add("order-rejected", f"{session}: {printable(message)}")
            return
        if exec_type == "0":
            if order_id in self.ever_new:
                self.problems.add("reported-new-twice", f"{session}: {printable(message)}")
            self.ever_new.add(order_id)
            self.orders[order_id] = OpenOrder(
                order_id=order_id,
                session=session,
                account=(scan(message, ACCOUNT) or b"").decode(),
                client_order_id=(scan(message, CL_ORD_ID) or b"").decode(),
                symbol=(scan(message, SYMBOL) or b"").decode(),
                side=(scan(message, SIDE) or b"").decode(),
                price=Decimal((scan(message, PRICE) or b"0").decode()),
                quantity=int(scan(message, ORDER_QTY) or b"0"),
                leaves=leaves,
                priority=exec_id,
            )
        order = self.orders.get(order_id)
        if exec_type == "F":
            self._fill(message)
        if order is None:
            return
        quantity = int(scan(message, ORDER_QTY) or b"0")
        if exec_type == "5":
            price = Decimal((scan(message, PRICE) or b"0").decode())
            # Rules of engagement: a new price or a larger quantity loses the place.
            if price != order.price or quantity > order.quantity:
                order.priority = exec_id
            order.price = price
            order.client_order_id = (scan(message, CL_ORD_ID) or b"").decode()
        order.quantity = quantity  # a restatement lowers it too
        order.leaves = leaves
        if leaves == 0:
            del self.orders[order_id]

    def _fill(self, message: bytes) -> None:
        self.counts["fills"] += 1
        key = ((scan(message, ACCOUNT) or b"").decode(), (scan(message, SYMBOL) or b"").decode())
        quantity = int(scan(message, LAST_QTY) or b"0")
        signed = quantity if scan(message, SIDE) == b"1" else -quantity
        self.positions[key] = self.positions.get(key, 0) + signed

    def state(self) -> dict[str, Any]:
        books: dict[str, dict[str, list[list[Any]]]] = {}
        for symbol in INSTRUMENTS:
            orders = [order for order in self.orders.values() if order.symbol == symbol]
            bids = sorted(
                (o for o in orders if o.side == "1"), key=lambda o: (-o.price, o.priority)
            )
            asks = sorted((o for o in orders if o.side == "2"), key=lambda o: (o.price, o.priority))
            books[symbol] = {"bids": [_entry(o) for o in bids], "asks": [_entry(o) for o in asks]}
        accounts: dict[str, Any] = {}
        for _, account in BROKERS:
            mine = [order for order in self.orders.values() if order.account == account]
            symbols = {}
            for symbol in INSTRUMENTS:
                figures = [
                    self.positions.get((account, symbol), 0),
                    sum(o.leaves for o in mine if o.symbol == symbol and o.side == "1"),
                    sum(o.leaves for o in mine if o.symbol == symbol and o.side == "2"),
                ]
                if any(figures):
                    symbols[symbol] = figures
            accounts[account] = {"open_orders": len(mine), "symbols": symbols}
        return {"books": books, "accounts": accounts}


def _entry(order: OpenOrder) -> list[Any]:
    return [
        _price_text(order.price),
        order.order_id,
        order.session,
        order.account,
        order.client_order_id,
        order.leaves,
    ]


def _price_text(price: Decimal) -> str:
    return format(price.normalize(), "f")


def venue_state(admin: AdminClient) -> dict[str, Any]:
    """The same state as the venue reports it through its admin API."""
    books = {}
    for symbol in INSTRUMENTS:
        book = admin.get(f"/book/{symbol}?depth=1000&orders=true")
        books[symbol] = {
            name: [
                [
                    _price_text(Decimal(level["price"])),
                    order["order_id"],
                    order["session"],
                    order["account"],
                    order["client_order_id"],
                    order["leaves_quantity"],
                ]
                for level in book[name]
                for order in level["queue"]
            ]
            for name in ("bids", "asks")
        }
    accounts = {}
    for _, account in BROKERS:
        risk = admin.get(f"/risk/{account}")
        symbols = {}
        for symbol, holding in risk["symbols"].items():
            figures = [holding["position"], holding["open_buy"], holding["open_sell"]]
            if any(figures):
                symbols[symbol] = figures
        accounts[account] = {"open_orders": risk["open_orders"], "symbols": symbols}
    return {"books": books, "accounts": accounts}


def digest(state: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def differences(brokers: dict[str, Any], venue: dict[str, Any]) -> list[str]:
    found = []
    for part in ("books", "accounts"):
        for name in sorted(set(brokers[part]) | set(venue[part])):
            mine, theirs = brokers[part].get(name), venue[part].get(name)
            if mine != theirs:
                found.append(f"{part} {name}: brokers {mine} / venue {theirs}")
    return found


# -- the venue -------------------------------------------------------------------------------


class VenueProcess:
    """`fixvenue serve` on one ledger and data directory, started again after each kill."""

    def __init__(self, config: Path, url: str, work: Path) -> None:
        self.command = [
            fixvenue_executable(), "serve", "--config", str(config), "--db", url,
            "--data-dir", str(work / "data"),
        ]  # fmt: skip
        self.log_path = work / "venue.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> float:
        """Starts the venue; the seconds until it accepted FIX."""
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=log)
        self.starts += 1
        while self.log_path.read_text(errors="replace").count("accepting FIX on") < self.starts:
            if self.process.poll() is not None:
                raise CrashError(f"the venue exited with {self.process.returncode}")
            if time.monotonic() - started > STARTUP_SECONDS:
                raise CrashError(f"the venue was not accepting within {STARTUP_SECONDS:g} s")
            time.sleep(0.02)
        return time.monotonic() - started

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> list[str]:
        """Stops the venue with SIGTERM; what was wrong with the stop or the log."""
        if self.process is None or self.process.poll() is not None:
            return []
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return ["the venue did not stop within 60 s of SIGTERM"]
        text = self.log_path.read_text(errors="replace")
        problems = [] if self.process.returncode == 0 else [f"exit {self.process.returncode}"]
        if not text.rstrip().endswith("stopped cleanly"):
            problems.append("the venue log does not end with 'stopped cleanly'")
        problems += [f"venue log: {line}" for line in text.splitlines() if LOG_PROBLEM.search(line)]
        return problems


# -- the rounds ------------------------------------------------------------------------------


@dataclass
class Broker:
    session: DurableSession
    account: str
    # ClOrdID -> OrderID (or "" for a new order) of each request not yet answered.
    unanswered: dict[str, str] = field(default_factory=dict)


class CrashRounds:
    def __init__(self, options: argparse.Namespace, venue: VenueProcess, admin: AdminClient,
                 url: str, port: int) -> None:  # fmt: skip
        self.options = options
        self.venue = venue
        self.admin = admin
        self.engine = sqlalchemy.create_engine(url)
        self.random = random.Random(options.seed)
        self.problems = Problems()
        self.view = BrokerView(self.problems)
        self.brokers = [
            Broker(DurableSession(sender, port, self.problems), account)
            for sender, account in BROKERS
        ]
        self.selector = selectors.DefaultSelector()
        self.last_report = time.monotonic()
        self.next_client_order_id = 0
        self.requests = 0

    # -- FIX traffic ------------------------------------------------------------------------

    def connect_all(self) -> None:
        for broker in self.brokers:
            broker.session.logon()
            self.selector.register(broker.session.sock, selectors.EVENT_READ, broker)

    def pump(self, timeout: float) -> None:
        for key, _ in self.selector.select(max(0.0, timeout)):
            broker: Broker = key.data
            session = broker.session
            try:
                messages = session.receive()
            except SessionError:
                messages = []
            for message in messages:
                if session.accept(message) is not None:
                    self._take(broker, message)
            if session.closed:
                self.selector.unregister(session.sock)
        for broker in self.brokers:
            if not broker.session.closed:
                try:
                    broker.session.heartbeat_if_idle()
                except SessionError:
                    self.selector.unregister(broker.session.sock)

    def _take(self, broker: Broker, message: bytes) -> None:
        self.last_report = time.monotonic()
        msg_type = scan(message, MSG_TYPE)
        client_order_id = (scan(message, CL_ORD_ID) or b"").decode()
        broker.unanswered.pop(client_order_id, None)
        if msg_type == b"8":
            self.view.take(broker.session.sender, message)
        elif msg_type == b"9" and scan(message, CXL_REJ_REASON) not in EXPECTED_CANCEL_REJECTS:
            self.problems.add("cancel-rejected", printable(message))
        elif msg_type == b"j":
            self.problems.add("business-reject", printable(message))

    def send_one(self) -> None:
        broker = self.random.choice(self.brokers)
        mine = sorted(
            (order for order in self.view.orders.values() if order.session == broker.session.sender
             and order.order_id not in broker.unanswered.values()),
            key=lambda order: order.priority,
        )  # fmt: skip
        choice = self.random.random()
        if mine and (choice < 0.25 or len(mine) >= OPEN_ORDERS_PER_BROKER):
            self._amend(broker, self.random.choice(mine), replace=False)
        elif mine and choice < 0.45:
            self._amend(broker, self.random.choice(mine), replace=True)
        else:
            self._place(broker)
        self.requests += 1

    def _client_order_id(self) -> str:
        self.next_client_order_id += 1
        return f"C{self.next_client_order_id}"

    def _place(self, broker: Broker) -> None:
        symbol = self.random.choice(sorted(INSTRUMENTS))
        reference, tick = INSTRUMENTS[symbol]
        side = self.random.choice("12")
        # Mostly on its own side of the reference price, so that the books fill up; the
        # ticks where buyers and sellers overlap make the trades.
        steps = self.random.randint(-PRICE_STEPS, 1)
        price = reference + tick * (steps if side == "1" else -steps)
        time_in_force = self.random.choices(("0", "1", "3"), weights=(7, 2, 1))[0]
        client_order_id = self._client_order_id()
        broker.unanswered[client_order_id] = ""
        self._send(broker, "D", [
            (11, client_order_id), (1, broker.account), (55, symbol),
            (54, side), (38, str(self.random.choice(QUANTITIES))),
            (40, "2"), (44, str(price)), (59, time_in_force), (60, utc_timestamp()),
        ])  # fmt: skip

    def _amend(self, broker: Broker, order: OpenOrder, *, replace: bool) -> None:
        client_order_id = self._client_order_id()
        broker.unanswered[client_order_id] = order.order_id
        body = [
            (11, client_order_id), (41, order.client_order_id), (37, order.order_id),
            (55, order.symbol), (54, order.side), (60, utc_timestamp()),
        ]  # fmt: skip
        if not replace:
            self._send(broker, "F", body)
            return
        _, tick = INSTRUMENTS[order.symbol]
        executed = order.quantity - order.leaves
        quantity = executed + self.random.choice(QUANTITIES)
        price = order.price + tick * self.random.randint(-1, 1)
        self._send(broker, "G", [*body, (38, str(quantity)), (40, "2"), (44, str(price))])

    def _send(self, broker: Broker, msg_type: str, body: list[tuple[int, str]]) -> None:
        broker.session.send_order_message(msg_type, body)
        if not broker.session.closed:
            # A message that cannot be written is kept for the venue's ResendRequest.
            with contextlib.suppress(SessionError):
                broker.session.flush()

    # -- a round -----------------------------------------------------------------------------

    def load_then_kill(self) -> float:
        """Paced random requests until a random moment, then SIGKILL; the load's seconds."""
        seconds = self.random.uniform(0.2, self.options.max_load_seconds)
        interval = 1 / self.options.rate
        started = time.monotonic()
        due = started
        while (now := time.monotonic()) < started + seconds:
            while now >= due:
                self.send_one()
                due += interval
            self.pump(min(due, started + seconds) - time.monotonic())
        self.venue.kill()
        # What the venue wrote before it died is still on the sockets: the brokers saw it.
        while any(not broker.session.closed for broker in self.brokers):
            self.pump(0.1)
        return seconds

    def recover(self) -> None:
        for broker in self.brokers:
            broker.session.reconnect()
        self.connect_all()
        # Quiet counts from the logons: what the restart itself did (BROKER2's
        # cancel-on-disconnect) may reach a broker that has nothing left to ask for.
        self.last_report = time.monotonic()
        deadline = time.monotonic() + RECOVERY_SECONDS
        while time.monotonic() < deadline:
            self.pump(0.05)
            if any(broker.session.closed for broker in self.brokers):
                raise CrashError("the venue closed a session during recovery")
            settled = all(
                broker.session.logged_on and not broker.session.recovering and not broker.unanswered
                for broker in self.brokers
            )
            if settled and time.monotonic() - self.last_report >= QUIET_SECONDS:
                return
        unanswered = [
            f"{broker.session.sender} {client_order_id}"
            for broker in self.brokers
            for client_order_id in broker.unanswered
        ]
        states = [
            f"{broker.session.sender} in {broker.session.next_in} out {broker.session.next_out}"
            f"{' (asked for a gap)' if broker.session.recovering else ''}"
            for broker in self.brokers
        ]
        raise CrashError(
            f"no recovery within {RECOVERY_SECONDS:g} s: unanswered {', '.join(unanswered)}; "
            f"sessions {', '.join(states)}"
        )

    def check(self, acknowledged: set[int]) -> tuple[str, bool]:
        with self.engine.connect() as connection:
            recorded = set(connection.scalars(sqlalchemy.text("SELECT event_id FROM events")))
        missing = sorted(acknowledged - recorded)
        if missing:
            self.problems.add("acknowledged-not-in-ledger", f"ExecIDs {missing[:10]}")
        # The venue may still be delivering what it owes (it answers the admin API from
        # its state, which runs ahead of its sockets): a difference must outlast a wait.
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            brokers, venue = self.view.state(), venue_state(self.admin)
            matches = digest(brokers) == digest(venue)
            if matches or time.monotonic() >= deadline:
                break
            self.pump(0.25)
        if not matches:
            for difference in differences(brokers, venue)[:10]:
                self.problems.add("state-differs", difference)
        return digest(venue), matches

    def run(self) -> bool:
        self.connect_all()
        if not self._wait_logged_on():
            raise CrashError("the brokers could not log on")
        for round_number in range(1, self.options.rounds + 1):
            before = (self.requests, self._session_counts())
            seconds = self.load_then_kill()
            unanswered = sum(len(broker.unanswered) for broker in self.brokers)
            acknowledged = set(self.view.reports)
            restart = self.venue.start()
            self.recover()
            state, matches = self.check(acknowledged)
            counts = self._session_counts()
            print(
                f"round {round_number}: SIGKILL after {seconds:.2f} s and "
                f"{self.requests - before[0]} requests ({unanswered} unanswered); "
                f"restarted in {restart:.1f} s; the venue asked for "
                f"{counts['messages sent again'] - before[1]['messages sent again']} again, "
                f"the brokers for {counts['gaps asked for'] - before[1]['gaps asked for']} gaps; "
                f"{len(self.view.orders)} open orders, {self.view.counts['fills']} fills in all; "
                f"state {state[:12]} {'matches' if matches else 'DIFFERS'}",
                flush=True,
            )
            if self.problems:
                return False
        return True

    def _session_counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for broker in self.brokers:
            for name, count in broker.session.counts.items():
                totals[name] = totals.get(name, 0) + count
        return totals

    def _wait_logged_on(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            self.pump(0.05)
            if all(broker.session.logged_on for broker in self.brokers):
                return True
        return False


def report(problems: Problems) -> None:
    for kind, details in problems.as_dict().items():
        print(f"crash: PROBLEM {kind} x{details['count']}")
        for example in details["examples"]:
            print(f"  {example}")


def positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def main(arguments: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=positive, default=300.0, help="requests per second")
    parser.add_argument("--max-load-seconds", type=positive, default=3.0)
    parser.add_argument("--db", help="ledger URL (default: SQLite in a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    options = parser.parse_args(None if arguments is None else list(arguments))
    if options.rounds < 1 or options.max_load_seconds <= 0.2:
        parser.error("--rounds must be at least 1 and --max-load-seconds more than 0.2")
    work = Path(tempfile.mkdtemp(prefix="fixvenue-crash-"))
    clean = run(options, work)
    if clean and not options.keep:
        shutil.rmtree(work)
    else:
        print(f"crash: kept {work} (config, venue log, data directory)")
    return 0 if clean else 1


def run(options: argparse.Namespace, work: Path) -> bool:
    config, ports = demo_config(work)
    url = options.db or f"sqlite:///{work / 'ledger.sqlite3'}"
    venue = VenueProcess(config, url, work)
    started = time.monotonic()
    rounds = None
    try:
        venue.start()
        rounds = CrashRounds(options, venue, AdminClient(load(config)), url, ports["fix"])
        clean = rounds.run()
    except (CrashError, SessionError, AdminRefusedError) as error:
        print(f"crash: FAILED: {error}")
        clean = False
    finally:
        stop_problems = venue.stop()
    if rounds is not None:
        report(rounds.problems)
    for problem in stop_problems:
        print(f"crash: PROBLEM {problem}")
    if stop_problems:
        print(re.sub(r"(?m)^", "  ", venue.log_path.read_text(errors="replace")[-3000:]))
    clean = clean and not stop_problems
    print(
        f"crash: {options.rounds} rounds (seed {options.seed}) in "
        f"{time.monotonic() - started:.0f} s: {'clean' if clean else 'FAILED'}"
    )
    return clean


if __name__ == "__main__":
    sys.exit(main())
