"""The two threads behind the FIX edge: sequencer, and ledger writer.

    FIX callbacks ──submit──► inbound queue ──► sequencer: stamp, core.apply
                                                    │ entries (command + events)
                                                    ▼
                          committing queue ──► writer: one transaction per batch, then
                                               its events to their FIX sessions

The sequencer is the one thread that touches trading state. It also keeps the core's time:
when a good-till-date order's expire time comes it sequences an ExpireOrders command, so
expiry is in the ledger and replays like everything else. The writer commits whatever
has piled up since its last commit in one transaction (group commit), so batches grow with
load, and then sends the batch's events itself, in commit order: only committed events
are sent. A thread of its own for sending cost a hand-over per batch and was slower
(docs/performance.md). Every queue is bounded: when the ledger falls behind, the sequencer
waits, the inbound queue fills, and the FIX threads wait on it, which pushes back on the
brokers' TCP connections.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from fixvenue.app.faults import FailPoints
from fixvenue.app.logs import log_events
from fixvenue.core.trading import TradingCore
from fixvenue.domain.commands import (
    Command,
    ExpireOrders,
    MessagesRefused,
    ReceivedCommand,
    SequencedCommand,
)
from fixvenue.domain.events import Event, OrderAccepted, OrderRejected
from fixvenue.ledger.writer import LedgerEntry, LedgerWriter
from fixvenue.metrics.venue import VenueMetrics

log = logging.getLogger(__name__)
T = TypeVar("T")

INBOUND_CAPACITY = 10_000
COMMITTING_CAPACITY = 64
# How long the writer lets delivery records wait for a commit when no command comes.
DELIVERY_RECORD_SECONDS = 0.1
BATCH_COMMANDS_MAX = 2_000
RETRY_DELAY_SECONDS_MAX = 2.0
# The sequencer wakes at least this often while an expire time is further off: a far-off
# time must not become a wait longer than the platform can express.
EXPIRY_WAIT_SECONDS_MAX = 60.0


class Pipeline:
    def __init__(
        self,
        *,
        core: TradingCore,
        writer: LedgerWriter,
        deliver: Callable[[Event], None],
        clock_us: Callable[[], int],
        fail_points: FailPoints,
        sent_through_event_id: int,
        metrics: VenueMetrics,
    ) -> None:
        self._core = core
        self._writer = writer
        self._deliver = deliver
        self._clock_us = clock_us
        self._fail_points = fail_points
        self._sent_through_event_id = sent_through_event_id
        self._metrics = metrics
        self._inbound: queue.Queue[_Submission | _Query[Any] | _Refusals | None] = queue.Queue(
            INBOUND_CAPACITY
        )
        self._committing: queue.Queue[_Batch | None] = queue.Queue(COMMITTING_CAPACITY)
        # (command sequence, when its reports were handed to QuickFIX), recorded with the
        # next commit. Like how far delivery got, touched by the writer thread alone once
        # it runs (and before it starts, and after it stops).
        self._delivered: list[tuple[int, int]] = []
        # Notified after every commit, for those who wait until delivery is recorded.
        self._committed = threading.Condition()
        # Clear while the ledger cannot commit: the FIX edge then refuses order messages
        # rather than hand over what could not be recorded (CONTRACT §6).
        self.ledger_available = threading.Event()
        self.ledger_available.set()
        # Per session, the highest inbound number the edge refused meanwhile; the
        # sequencer records them (MessagesRefused) once woken by _REFUSALS.
        self._refused: dict[str, int] = {}
        self._refused_lock = threading.Lock()
        self._refusals_queued = False
        self._threads = [
            threading.Thread(target=self._guarded(loop), name=name, daemon=True)
            for loop, name in (
                (self._sequence, "sequencer"),
                (self._write, "ledger-writer"),
            )
        ]

    def submit(self, received: ReceivedCommand) -> None:
        self._inbound.put(_Submission(received, None))

    def submit_and_wait(
        self, received: ReceivedCommand, timeout_seconds: float
    ) -> list[Event] | None:
        """Submits and waits until the command is committed and its events are handed to
        the FIX layer (which carries out an operator's session action): its events, or
        None if that took too long."""
        completion = _Completion()
        try:
            self._inbound.put(_Submission(received, completion), timeout=timeout_seconds)
        except queue.Full:
            return None
        if not completion.done.wait(timeout_seconds):
            return None
        return completion.events

    def note_refused(self, session: str, inbound_sequence_number: int) -> None:
        """The edge refused this message of the session without handing it on. Never
        blocks: the sequencer is told once per batch of refusals, and if its queue is
        full, the next refusal tells it."""
        with self._refused_lock:
            self._refused[session] = max(self._refused.get(session, 0), inbound_sequence_number)
            if self._refusals_queued:
                return
            try:
                self._inbound.put_nowait(_REFUSALS)
            except queue.Full:
                return
            self._refusals_queued = True

    def wait_until_recorded(self, event_id: int, timeout_seconds: float) -> bool:
        """Waits until the ledger records the event as delivered (the writer does so with
        its next commit, within DELIVERY_RECORD_SECONDS when quiet); False if it took
        longer than `timeout_seconds`."""
        with self._committed:
            return self._committed.wait_for(
                lambda: (self._writer.recorded_sent_through or 0) >= event_id, timeout_seconds
            )

    def query(self, read: Callable[[TradingCore], T], timeout_seconds: float) -> T:
        """Runs `read` on the sequencer thread, between two commands, so that it sees the
        trading state as one consistent whole. Nothing is recorded: a query changes
        nothing. TimeoutError if the sequencer did not get to it in time."""
        question = _Query(read)
        try:
            self._inbound.put(question, timeout=timeout_seconds)
        except queue.Full:
            raise TimeoutError("the sequencer's queue stayed full") from None
        if not question.answered.wait(timeout_seconds):
            raise TimeoutError("the sequencer did not answer in time")
        if question.error is not None:
            raise question.error
        return question.answer  # type: ignore[return-value]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Applies, commits and sends everything submitted so far, then ends the threads."""
        self._inbound.put(None)
        for thread in self._threads:
            thread.join()
        self._commit([])  # records how far delivery got
        self._writer.close()

    @staticmethod
    def _guarded(loop: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                loop()
            except BaseException:
                # A bug or bad state: stop at once rather than trade on. Nothing uncommitted
                # was acknowledged, and restart rebuilds the state from the ledger.
                log.critical(
                    "%s failed; the venue stops", threading.current_thread().name, exc_info=True
                )
                sys.stderr.flush()
                os._exit(1)

        return run

    def _sequence(self) -> None:
        while True:
            items = _drain(self._inbound, BATCH_COMMANDS_MAX, self._seconds_to_next_expiry())
            batch = _Batch()
            if not items:  # nothing arrived before the next expire time
                self._expire_due(self._now_us(), batch)
            for item in items:
                if item is None:
                    break
                if isinstance(item, _Query):
                    item.run(self._core)
                    continue
                if isinstance(item, _Refusals):
                    self._record_refusals(batch)
                    continue
                now = self._now_us()
                self._expire_due(now, batch)
                received = item.received
                events = self._apply(received.command, now, batch, received)
                batch.received_ns[-1] = received.received_ns
                if item.completion is not None:
                    item.completion.events = events
                batch.completions[-1] = item.completion
            if batch.entries:
                self._committing.put(batch)
            if items and items[-1] is None:
                self._committing.put(None)
                return

    def _record_refusals(self, batch: _Batch) -> None:
        """Records, in their place in the order, the messages the edge refused: the
        ledger then expects the message after them, and recovery does not ask for them."""
        with self._refused_lock:
            refused, self._refused = self._refused, {}
            self._refusals_queued = False
        for session, number in sorted(refused.items()):
            command = MessagesRefused(session=session, reason=LEDGER_UNAVAILABLE)
            self._apply(
                command,
                self._now_us(),
                batch,
                ReceivedCommand(command=command, inbound_sequence_number=number),
            )

    def _now_us(self) -> int:
        """The sequencer's time: the clock, but never earlier than a time already given,
        so that commands are stamped in their sequence order even if the clock steps back
        (also across a restart: the core's last time comes from the replayed ledger)."""
        return max(self._clock_us(), self._core.last_timestamp_us)

    def _seconds_to_next_expiry(self) -> float | None:
        due = self._core.next_expiry_us
        if due is None:
            return None
        return min(max(due - self._clock_us(), 0) / 1_000_000, EXPIRY_WAIT_SECONDS_MAX)

    def _expire_due(self, now: int, batch: _Batch) -> None:
        """Expires what is due before anything else happens at `now`."""
        due = self._core.next_expiry_us
        if due is not None and due <= now:
            self._apply(ExpireOrders(), now, batch)

    def _apply(
        self, command: Command, now: int, batch: _Batch, received: ReceivedCommand | None = None
    ) -> list[Event]:
        sequenced = SequencedCommand(
            sequence=self._core.last_sequence + 1,
            timestamp_us=now,
            inbound_sequence_number=None if received is None else received.inbound_sequence_number,
            command=command,
        )
        events = self._core.apply(sequenced)
        batch.entries.append(
            LedgerEntry(
                sequenced,
                events,
                message=None if received is None else received.message,
                received_us=None if received is None else received.received_us,
            )
        )
        batch.received_ns.append(None)
        batch.completions.append(None)
        return events

    def _write(self) -> None:
        while True:
            batches = _drain(self._committing, COMMITTING_CAPACITY, DELIVERY_RECORD_SECONDS)
            if not batches:
                # Quiet: record how far delivery got and when, rather than wait for the
                # next command to commit.
                if self._undelivered_records():
                    self._commit([])
                continue
            done = [batch for batch in batches if batch is not None]
            entries = [entry for batch in done for entry in batch.entries]
            if entries:
                self._fail_points.reach("before-commit")
                started = time.perf_counter()
                self._commit(entries)
                self._metrics.commit_latency.observe(time.perf_counter() - started)
                self._fail_points.reach("after-commit")
                self._send(
                    [
                        _Sent(entry.command.sequence, entry.events, received_ns, completion)
                        for batch in done
                        for entry, received_ns, completion in zip(
                            batch.entries, batch.received_ns, batch.completions, strict=True
                        )
                    ]
                )
            if batches[-1] is None:
                return

    def _send(self, committed: list[_Sent]) -> None:
        """Sends a committed batch's events, command by command, in commit order."""
        for sent in committed:
            # Counted before they are sent, so that a broker never sees a report the
            # metrics do not count yet.
            self._metrics.count(sent.events)
            for event in sent.events:
                self._deliver(event)
            if sent.completion is not None:
                sent.completion.done.set()
            if (
                sent.received_ns is not None
                and sent.events  # a resend of a processed order has none
                and isinstance(sent.events[0], OrderAccepted | OrderRejected)
            ):
                # An order's first report: its acknowledgement.
                seconds = (time.monotonic_ns() - sent.received_ns) / 1e9
                self._metrics.ack_latency.observe(seconds)
            log_events(sent.events)
            if sent.events:
                # The next commit records how far delivery got, and when each command's
                # reports went out. How far first: a command's send time is then never
                # recorded before its reports count as delivered, so a restart never
                # sends them, nor records it, again.
                self._sent_through_event_id = sent.events[-1].event_id
                self.note_delivered([sent.sequence], self._clock_us())
        self._fail_points.reach("after-send")

    def note_delivered(self, sequences: Iterable[int], sent_us: int) -> None:
        """When the reports of these commands were handed to QuickFIX; recorded with the
        next commit."""
        self._delivered.extend((sequence, sent_us) for sequence in sequences)

    def inbound_depth(self) -> int:
        """Commands waiting for the sequencer (an estimate, as queues give it)."""
        return self._inbound.qsize()

    def _undelivered_records(self) -> bool:
        """Whether delivery has got further than the ledger says."""
        return bool(self._delivered) or (
            self._sent_through_event_id != self._writer.recorded_sent_through
        )

    def _commit(self, entries: list[LedgerEntry]) -> None:
        delivered, self._delivered = self._delivered, []
        sent_through = self._sent_through_event_id
        delay = 0.05
        while True:
            try:
                self._writer.commit(entries, sent_through, delivered)
                with self._committed:
                    self._committed.notify_all()
                if not self.ledger_available.is_set():
                    log.info("the ledger commits again: order messages are taken again")
                    self.ledger_available.set()
                return
            except DBAPIError as error:
                # The database is unreachable or went away: wait for it, holding the batch
                # (nothing in it was acknowledged). Anything else is a bug: stop.
                transient = isinstance(error, OperationalError | InterfaceError)
                if not (transient or error.connection_invalidated):
                    raise
                if self.ledger_available.is_set():
                    log.error("the ledger cannot commit: order messages are refused until it can")
                    self.ledger_available.clear()
                log.error("ledger commit failed, retrying in %.2fs: %s", delay, error.orig)
                time.sleep(delay)
                delay = min(delay * 2, RETRY_DELAY_SECONDS_MAX)


@dataclass(slots=True)
class _Completion:
    """For a submitter who waits: the command's events, handed over once committed and
    delivered."""

    events: list[Event] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True, slots=True)
class _Submission:
    received: ReceivedCommand
    completion: _Completion | None


class _Query(Generic[T]):
    def __init__(self, read: Callable[[TradingCore], T]) -> None:
        self._read = read
        self.answer: T | None = None
        self.error: Exception | None = None
        self.answered = threading.Event()

    def run(self, core: TradingCore) -> None:
        # A failing query changes nothing: its asker gets the error, trading goes on.
        try:
            self.answer = self._read(core)
        except Exception as error:
            self.error = error
        finally:
            self.answered.set()


@dataclass(slots=True)
class _Batch:
    entries: list[LedgerEntry] = field(default_factory=list)
    # Beside each entry: when its command was taken in, for the latency metric, and who
    # waits for it.
    received_ns: list[int | None] = field(default_factory=list)
    completions: list[_Completion | None] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Sent:
    """One command's committed events, as the writer sends them."""

    sequence: int
    events: list[Event]
    received_ns: int | None
    completion: _Completion | None


class _Refusals:
    """The inbound queue's signal that the edge refused messages (see note_refused)."""


_REFUSALS = _Refusals()
LEDGER_UNAVAILABLE = "the ledger could not commit"


def _drain(source: queue.Queue[T], limit: int, timeout_seconds: float | None = None) -> list[T]:
    """Waits for one item (at most `timeout_seconds`, then returns none), then takes whatever
    else is already there, up to `limit`."""
    try:
        items = [source.get(timeout=timeout_seconds)]
    except queue.Empty:
        return []
    while len(items) < limit and items[-1] is not None:
        try:
            items.append(source.get_nowait())
        except queue.Empty:
            break
    return items
