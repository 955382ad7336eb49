"""Cancel-on-disconnect: when a session that has it logs out or drops, or the venue restarts
after it stopped or crashed, the session's open Day orders are cancelled, and the reports
reach the session at its next logon through FIX recovery.

In the demo configuration BROKER2 (account BRK2-A) has cancel-on-disconnect; BROKER1
(BRK1-A) has not. Only Day orders go: good-till-cancel and good-till-date orders stay open.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import simplefix

from fixvenue.fix.store import body_file
from tests.support.fix_client import SOH, FixClient, Received, utc_timestamp
from tests.support.venue import Venue

ON_DISCONNECT = "cancel on disconnect: session BROKER2 logged out or disconnected"
ON_RESTART = "cancel on disconnect: the venue restarted"


def _wait_until_stored(venue: Venue, text: str, count: int, timeout: float = 10.0) -> None:
    """Waits until the venue's FIX store holds `count` reports to BROKER2 saying `text`.

    The venue cancels on the FIX thread's word but commits and sends from its pipeline, a
    moment later. QuickFIX keeps every outbound application message in the session's store
    before it goes on the wire, logged on or not, so once there a report is FIX recovery's
    to deliver: logging on again before then would race the cancel against the logon, and
    the report could arrive live rather than resent.
    """
    path = body_file(venue.data_dir / "fixstore", "FIX.4.4", "FIXVENUE", "BROKER2")
    needle = f"{SOH}58={text}{SOH}".encode()
    deadline = time.monotonic() + timeout
    while (stored := path.read_bytes().count(needle) if path.exists() else 0) < count:
        assert time.monotonic() < deadline, f"{stored} of {count} reports stored in {timeout}s"
        time.sleep(0.02)
    assert stored == count, f"{stored} reports stored, {count} expected"


def _cancelled_on_disconnect(client: FixClient) -> list[Received]:
    """Every cancel-on-disconnect report the client has received, once the venue is quiet."""
    return [
        m
        for m in client.settle(0.3)
        if m.msg_type == "8" and m.get(58, "").startswith("cancel on disconnect: ")
    ]


def _assert_resent_cancel(report: Received, text: str) -> None:
    assert (report[150], report[39], report[151], report[58]) == ("4", "4", "0", text)
    # Stored while the session was away and resent when it asked for the gap: PossDupFlag
    # and the original sending time, as FIX recovery marks a resent message.
    assert report.get(43) == "Y" and 122 in report, report.raw.replace(SOH, "|")


def _venue_received_a_logout_from_broker2(venue: Venue) -> bool:
    log = venue.data_dir / "fixlog" / "FIX.4.4-FIXVENUE-BROKER2.messages.current.log"
    return any(
        f"{SOH}35=5{SOH}" in line and f"{SOH}49=BROKER2{SOH}" in line
        for line in log.read_text().splitlines()
    )


class _RawSession:
    """BROKER2 as a bare FIX 4.4 initiator on a plain socket, since no engine drops its
    connection without a Logout on purpose. It numbers what it sends and keeps what it
    receives; it answers nothing by itself (no heartbeat falls due in a test's time)."""

    def __init__(self, port: int, *, next_out: int) -> None:
        self.next_out = next_out
        self._socket = socket.create_connection(("127.0.0.1", port), timeout=10)
        self._parser = simplefix.FixParser()
        self._unread: list[Received] = []

    def __enter__(self) -> _RawSession:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._socket.close()

    def send(self, msg_type: str, fields: dict[int, str | int]) -> None:
        message = simplefix.FixMessage()
        message.append_pair(8, "FIX.4.4", header=True)
        message.append_pair(35, msg_type, header=True)
        message.append_pair(49, "BROKER2", header=True)
        message.append_pair(56, "FIXVENUE", header=True)
        message.append_pair(34, self.next_out, header=True)
        message.append_utc_timestamp(52, precision=6, header=True)
        for tag, value in fields.items():
            message.append_pair(tag, value)
        self._socket.sendall(message.encode())
        self.next_out += 1

    def logon(self, *, reset: bool) -> Received:
        self.send("A", {98: 0, 108: 30, **({141: "Y"} if reset else {})})
        return self.expect(lambda m: m.msg_type == "A", "Logon")

    def new_order(self, client_order_id: str, time_in_force: str) -> None:
        self.send(
            "D",
            {
                11: client_order_id,
                1: "BRK2-A",
                55: "ACME",
                54: "1",
                38: 100,
                40: "2",
                44: "99.00",
                59: time_in_force,
                60: utc_timestamp(time.time()),
            },
        )

    def expect(self, predicate: Callable[[Received], bool], what: str) -> Received:
        """The earliest message, read or to come, that satisfies `predicate`."""
        while True:
            for message in self._unread:
                if predicate(message):
                    self._unread.remove(message)
                    return message
            try:
                chunk = self._socket.recv(65536)
            except TimeoutError:
                chunk = b""
            assert chunk, f"no {what}; unread: {[m.raw for m in self._unread]}"
            self._parser.append_buffer(chunk)
            while (message := self._parser.get_message()) is not None:
                self._unread.append(Received.parse(message.encode(raw=True).decode()))

    def report(self, client_order_id: str, exec_type: str) -> Received:
        return self.expect(
            lambda m: m.msg_type == "8" and m[11] == client_order_id and m[150] == exec_type,
            f"ExecutionReport 150={exec_type} for {client_order_id}",
        )

    def drop(self) -> None:
        """Resets the connection: no Logout, not even an orderly TCP close."""
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._socket.close()


def test_a_logout_cancels_day_orders_but_not_gtc_or_gtd_ones_and_reports_them_at_next_logon(
    venue: Venue, tmp_path: Path
) -> None:
    broker1 = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    broker2 = FixClient(sender="BROKER2", port=venue.port, work_dir=tmp_path).start()
    day_bid = broker2.new_order(account="BRK2-A", price="99.00", time_in_force="0")
    # Without TimeInForce an order is a Day order, as FIX has it: cancelled too.
    default_day_offer = broker2.new_order(
        account="BRK2-A", symbol="BOLT", side="2", price="26.00", time_in_force=None
    )
    gtc_bid = broker2.new_order(account="BRK2-A", price="98.00", time_in_force="1")
    gtd_bid = broker2.new_order(
        account="BRK2-A",
        price="97.00",
        time_in_force="6",
        extra={126: utc_timestamp(time.time() + 3600)},
    )
    for order in (day_bid, default_day_offer, gtc_bid, gtd_bid):
        broker2.report(order, "0")
    broker1_day = broker1.new_order(account="BRK1-A", side="2", price="101.00")
    broker1.report(broker1_day, "0")

    broker2.stop(wait_logout=True)
    assert _venue_received_a_logout_from_broker2(venue), "a Logout, not a dropped connection"
    _wait_until_stored(venue, ON_DISCONNECT, 2)

    # BROKER1 has no cancel-on-disconnect, and BROKER2's going is not its business anyway.
    broker1.send("H", {11: broker1_day, 55: "ACME", 54: "2"})
    assert broker1.report(broker1_day, "I")[39] == "0"

    # The same store: the broker's engine logs on where it left off and asks for the gap.
    broker2 = FixClient(sender="BROKER2", port=venue.port, work_dir=tmp_path).start()
    for order in (day_bid, default_day_offer):
        _assert_resent_cancel(broker2.report(order, "4"), ON_DISCONNECT)
    for still_open in (gtc_bid, gtd_bid):
        confirmed = broker2.report(broker2.cancel(still_open), "4")
        assert (confirmed[41], confirmed[39]) == (still_open, "4"), "it was still open"
    assert sorted(m[11] for m in _cancelled_on_disconnect(broker2)) == sorted(
        [day_bid, default_day_offer]
    ), "each Day order reported once, nothing else"
    # Quiet already: the settling above let whatever was still coming arrive.
    broker1.assert_nothing_refused(quiet_seconds=0.05)
    broker2.assert_nothing_refused(quiet_seconds=0.05)
    broker1.stop()
    broker2.stop()


def test_a_dropped_connection_cancels_the_sessions_day_orders_as_a_logout_does(
    venue: Venue,
) -> None:
    # A reset at logon: both sides start at MsgSeqNum 1, whatever went before.
    with _RawSession(venue.port, next_out=1) as session:
        session.logon(reset=True)
        session.new_order("DROP-DAY", time_in_force="0")
        session.new_order("DROP-GTC", time_in_force="1")
        last_report = max(int(session.report(o, "0")[34]) for o in ("DROP-DAY", "DROP-GTC"))
        session.drop()
    _wait_until_stored(venue, ON_DISCONNECT, 1)

    # Logged on again without a reset, numbering on from where it stopped. The venue's Logon
    # comes numbered past what it stored for the session meanwhile: the session asks for the
    # gap, as an engine would, and gets the report resent.
    with _RawSession(venue.port, next_out=session.next_out) as session:
        logon = session.logon(reset=False)
        assert int(logon[34]) == last_report + 2, "one message stored while away"
        session.send("2", {7: last_report + 1, 16: 0})
        _assert_resent_cancel(session.report("DROP-DAY", "4"), ON_DISCONNECT)
        gap_fill = session.expect(lambda m: m.msg_type == "4", "SequenceReset")
        assert (gap_fill.get(123), gap_fill[36]) == ("Y", str(int(logon[34]) + 1))
        session.send(
            "F",
            {11: "DROP-GTC-X", 41: "DROP-GTC", 55: "ACME", 54: "1", 60: utc_timestamp(time.time())},
        )
        confirmed = session.report("DROP-GTC-X", "4")
        assert (confirmed[41], confirmed[39]) == ("DROP-GTC", "4"), "the GTC order was open"


def _a_restart_cancels_broker2s_day_orders_at_start(
    venue: Venue, tmp_path: Path, take_down: Callable[[FixClient], None]
) -> None:
    """`take_down` ends the venue while BROKER2 (the client it is given) is logged on."""
    broker1 = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    broker2 = FixClient(sender="BROKER2", port=venue.port, work_dir=tmp_path).start()
    day_bid = broker2.new_order(account="BRK2-A", price="99.00", time_in_force="0")
    gtc_bid = broker2.new_order(account="BRK2-A", price="98.00", time_in_force="1")
    broker1_day = broker1.new_order(account="BRK1-A", side="2", price="101.00")
    broker2.report(day_bid, "0")
    broker2.report(gtc_bid, "0")
    broker1.report(broker1_day, "0")

    take_down(broker2)
    # Left running, the engines would log on again at their next retry: BROKER2 too early
    # for this test (its reports must be stored first), BROKER1 up to a second late. New
    # clients on the same stores log on at once and number on where these stopped.
    broker1.stop()
    broker2.stop()
    venue.start()

    # Before BROKER2 is back: a sell that would trade with its Day bid finds it gone. The
    # venue sequenced the cancels before it took any FIX message, and sends in that order,
    # so BROKER2's reports are in its store by the time this answer arrives.
    broker1 = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    probe = broker1.new_order(account="BRK1-A", side="2", price="99.00", time_in_force="3")
    assert broker1.report(probe, "4")[14] == "0", "nothing traded"
    # BROKER1 has no cancel-on-disconnect: its Day order outlived the restart.
    cancel = broker1.cancel(broker1_day, side="2")
    assert broker1.report(cancel, "4")[41] == broker1_day

    broker2 = FixClient(sender="BROKER2", port=venue.port, work_dir=tmp_path).start()
    _assert_resent_cancel(broker2.report(day_bid, "4"), ON_RESTART)
    cancel = broker2.cancel(gtc_bid)
    assert broker2.report(cancel, "4")[41] == gtc_bid, "the GTC order outlived the restart"
    assert [m[11] for m in _cancelled_on_disconnect(broker2)] == [day_bid], "reported once"
    assert not [m for m in broker1.received() if m.msg_type == "8" and m[150] == "F"]
    # Quiet already: the settling above let whatever was still coming arrive.
    broker1.assert_nothing_refused(quiet_seconds=0.05)
    broker2.assert_nothing_refused(quiet_seconds=0.05)
    broker1.stop()
    broker2.stop()


def test_a_venue_crash_cancels_the_sessions_day_orders_when_the_venue_starts_again(
    venue: Venue, tmp_path: Path
) -> None:
    _a_restart_cancels_broker2s_day_orders_at_start(venue, tmp_path, lambda _: venue.kill())


def test_a_clean_stop_cancels_the_sessions_day_orders_when_the_venue_starts_again(
    venue: Venue, tmp_path: Path
) -> None:
    # Stopping, the venue logs every session out but records nothing more: it is the start
    # that cancels, as after a crash.
    def stop(broker2: FixClient) -> None:
        assert venue.stop() == 0
        broker2.expect(lambda m: m.msg_type == "5", what="the venue's Logout")

    _a_restart_cancels_broker2s_day_orders_at_start(venue, tmp_path, stop)
