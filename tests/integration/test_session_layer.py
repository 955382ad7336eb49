"""The FIX session layer as the venue's own QuickFIX configuration answers it: the classic
session test cases (logon with a wrong CompID, BeginString or SendingTime; numbers too
high and too low; PossDup; SequenceReset by gap fill and by reset; TestRequest; bad
frames) and connection faults (a second connection, a flood of logons), on bare sockets
that send exactly the bytes each case needs."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import simplefix
import sqlalchemy

from tests.support.fix_client import raw_message, utc_timestamp
from tests.support.raw_session import RawConnection
from tests.support.venue import Venue

SENDER = "BROKER4"
LOGON: dict[int, str | int] = {98: 0, 108: 30, 141: "Y"}
# QuickFIX holds a connection for a session already taken up to 5 s before it drops it.
TAKEN_SESSION_WAIT_SECONDS = 5.0


def _types(messages: list[simplefix.FixMessage]) -> list[str]:
    return [(m.get(35) or b"").decode() for m in messages]


def _log_on(connection: RawConnection, sender: str = SENDER) -> None:
    connection.send(raw_message("A", sender, 1, LOGON))
    assert "A" in _types(connection.read(until="A")), "the logon was not answered"


def _test_request(connection: RawConnection, number: int, request: str) -> simplefix.FixMessage:
    """Sends TestRequest(1) as message `number`; the Heartbeat naming it."""
    connection.send(raw_message("1", SENDER, number, {112: request}))
    for message in connection.read(until="0"):
        if message.get(35) == b"0" and message.get(112) == request.encode():
            return message
    raise AssertionError(f"no Heartbeat answered TestRequest {request}")


def _accepted(connection: RawConnection, number: int, order: dict[int, str | int]) -> None:
    """Sends the order as message `number`: the session carries on and acknowledges it."""
    connection.send(raw_message("D", SENDER, number, {**order, 60: utc_timestamp(time.time())}))
    (report,) = [m for m in connection.read(until="8") if m.get(35) == b"8"]
    assert (report.get(11), report.get(150)) == (str(order[11]).encode(), b"0")


def _recorded_only(venue: Venue, accepted: str, *, refused: str) -> None:
    """The ledger holds the command of the message naming `accepted`, none naming
    `refused`."""
    engine = sqlalchemy.create_engine(venue.database_url)
    try:
        with engine.connect() as ledger:
            recorded = [
                message or ""
                for message in ledger.scalars(sqlalchemy.text("SELECT message FROM commands"))
            ]
    finally:
        engine.dispose()
    assert any(accepted in message for message in recorded)
    assert not any(refused in message for message in recorded)


def _dropped_without_an_answer(venue: Venue, logon: bytes) -> None:
    with RawConnection(venue.port) as connection:
        connection.send(logon)
        assert connection.read() == [] and connection.closed


def test_a_logon_with_another_begin_string_is_dropped_without_an_answer(venue: Venue) -> None:
    _dropped_without_an_answer(venue, raw_message("A", SENDER, 1, LOGON, begin_string="FIX.4.3"))


def test_a_logon_to_another_target_comp_id_is_dropped_without_an_answer(venue: Venue) -> None:
    _dropped_without_an_answer(venue, raw_message("A", SENDER, 1, LOGON, target="NOTVENUE"))


def test_a_logon_sent_long_ago_is_dropped_without_an_answer(venue: Venue) -> None:
    stale = utc_timestamp(time.time() - 600)  # QuickFIX's MaxLatency is 120 s
    _dropped_without_an_answer(venue, raw_message("A", SENDER, 1, LOGON, sending_time=stale))


def test_a_test_request_is_answered_by_a_heartbeat_naming_it(venue: Venue) -> None:
    with RawConnection(venue.port) as connection:
        _log_on(connection)
        assert _test_request(connection, 2, "are-you-there").get(34) == b"2"


def test_a_message_numbered_too_high_gets_a_resend_request_for_the_gap(venue: Venue) -> None:
    with RawConnection(venue.port) as connection:
        _log_on(connection)
        connection.send(raw_message("1", SENDER, 5, {112: "ahead"}))
        (resend,) = [m for m in connection.read(until="2") if m.get(35) == b"2"]
        assert (resend.get(7), resend.get(16)) == (b"2", b"0")  # from 2, through the newest
        assert not connection.closed


def test_a_message_numbered_too_low_without_possdup_ends_the_session(venue: Venue) -> None:
    with RawConnection(venue.port) as connection:
        _log_on(connection)
        connection.send(raw_message("1", SENDER, 1, {112: "behind"}))
        logout = connection.read(until="5")[-1]
        assert logout.get(35) == b"5"
        assert logout.get(58) == b"MsgSeqNum too low, expecting 2 but received 1"
        connection.read(seconds=3)
        assert connection.closed


def test_a_possdup_of_a_message_already_received_is_ignored(venue: Venue) -> None:
    with RawConnection(venue.port) as connection:
        _log_on(connection)
        _test_request(connection, 2, "first")
        original = utc_timestamp(time.time() - 1)
        again = raw_message("1", SENDER, 2, {112: "again"}, header={43: "Y", 122: original})
        connection.send(again)
        assert connection.read(seconds=1.5) == [] and not connection.closed
        _test_request(connection, 3, "after")


def test_a_gap_fill_moves_the_expected_number_past_the_gap(venue: Venue) -> None:
    with RawConnection(venue.port) as connection:
        _log_on(connection)
        connection.send(raw_message("1", SENDER, 4, {112: "ahead"}))
        assert "2" in _types(connection.read(until="2"))
        original = utc_timestamp(time.time() - 1)
        gap_fill = raw_message("4", SENDER, 2, {123: "Y", 36: 5}, header={43: "Y", 122: original})
        connection.send(gap_fill)
        _test_request(connection, 5, "past-the-gap")


def test_a_sequence_reset_sets_the_next_expected_number(venue: Venue) -> None:
    with RawConnection(venue.port) as connection:
        _log_on(connection)
        connection.send(raw_message("4", SENDER, 2, {36: 10}))
        _test_request(connection, 10, "from-ten")


def test_a_frame_with_a_wrong_body_length_is_dropped_and_the_session_carries_on(
    venue: Venue,
) -> None:
    with RawConnection(venue.port) as connection:
        _log_on(connection)
        wrong = re.sub(rb"\x019=\d+\x01", b"\x019=5\x01", raw_message("1", SENDER, 2, {112: "x"}))
        connection.send(wrong)
        assert connection.read(seconds=1.5) == [] and not connection.closed
        _test_request(connection, 2, "whole")


def test_a_second_connection_for_a_session_logged_on_is_dropped_and_the_first_carries_on(
    venue: Venue,
) -> None:
    with RawConnection(venue.port) as first, RawConnection(venue.port) as second:
        _log_on(first)
        second.send(raw_message("A", SENDER, 1, LOGON))
        assert second.read(seconds=TAKEN_SESSION_WAIT_SECONDS + 3) == [] and second.closed
        _test_request(first, 2, "still-mine")


def test_a_flood_of_logons_is_dropped_while_brokers_log_on_and_trade_on(venue: Venue) -> None:
    def intrude(number: int) -> bool:
        """A logon as an unknown CompID, or for the session already logged on: dropped?"""
        sender = SENDER if number % 2 else f"INTRUDER{number}"
        with RawConnection(venue.port) as connection:
            connection.send(raw_message("A", sender, 1, LOGON))
            return (
                connection.read(seconds=TAKEN_SESSION_WAIT_SECONDS + 5) == [] and connection.closed
            )

    with RawConnection(venue.port) as genuine:
        _log_on(genuine)
        with ThreadPoolExecutor(max_workers=40) as pool:
            flood = [pool.submit(intrude, number) for number in range(40)]
            time.sleep(0.5)  # in the middle of it: other brokers still log on and are answered
            with RawConnection(venue.port) as other:
                started = time.monotonic()
                _log_on(other, sender="BROKER2")
                assert time.monotonic() - started < 2.0
            _test_request(genuine, 2, "through-the-flood")
            assert all(dropped.result() for dropped in flood)
        _test_request(genuine, 3, "after-the-flood")


def test_an_order_message_that_is_not_utf8_is_refused_whole_and_the_venue_carries_on(
    venue: Venue,
) -> None:
    order: dict[int, str | int] = {1: "BRK4-A", 55: "ACME", 54: 1, 38: 100, 40: 2, 44: "100.00"}
    with RawConnection(venue.port) as connection:
        _log_on(connection)
        # Bytes that are not UTF-8 (a Latin-1 é) in Text, then in the ClOrdID itself.
        for number, fields in (
            (2, {11: "LATIN-1", 58: b"caf\xe9"}),
            (3, {11: b"LATIN-\xe9", 58: "caf"}),
        ):
            sent = {**order, **fields, 60: utc_timestamp(time.time())}
            connection.send(raw_message("D", SENDER, number, sent))  # type: ignore[arg-type]
            (reject,) = [m for m in connection.read(until="j") if m.get(35) == b"j"]
            assert (reject.get(45), reject.get(372), reject.get(380)) == (
                str(number).encode(),
                b"D",
                b"0",
            )
            assert reject.get(58) == b"message is not valid UTF-8: nothing was done"
            # The ClOrdID is named where it can be.
            assert reject.get(379) == (b"LATIN-1" if number == 2 else None)
        _accepted(connection, 4, {**order, 11: "UTF8-1"})
    _recorded_only(venue, "UTF8-1", refused="LATIN-")


def test_an_oversized_order_message_is_refused_whole_and_the_session_carries_on(
    venue: Venue,
) -> None:
    order: dict[int, str | int] = {11: "BIG-1", 1: "BRK4-A", 55: "ACME", 54: 1, 38: 100}
    order |= {40: 2, 44: "100.00", 59: 0}
    with RawConnection(venue.port) as connection:
        _log_on(connection)
        connection.send(
            raw_message(
                "D", SENDER, 2, {**order, 58: "x" * 2_000_000, 60: utc_timestamp(time.time())}
            )
        )
        (reject,) = [m for m in connection.read(until="j", seconds=20) if m.get(35) == b"j"]
        assert (reject.get(45), reject.get(372), reject.get(379), reject.get(380)) == (
            b"2",
            b"D",
            b"BIG-1",
            b"0",
        )
        assert reject.get(58).startswith(b"message of 2,000,1")
        assert reject.get(58).endswith(b"bytes: the venue takes at most 4,096; nothing was done")
        _test_request(connection, 3, "after-the-big-one")
        _accepted(connection, 4, {**order, 11: "SMALL-1"})
    _recorded_only(venue, "SMALL-1", refused="BIG-1")
