"""FIX session behaviour (CONTRACT §2): who may log on, and what the session layer answers."""

from __future__ import annotations

import re
import socket
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixvenue.fix.credentials import hash_password
from tests.support.fix_client import FixClient, raw_message
from tests.support.raw_session import RawConnection
from tests.support.venue import Venue


def _raw_logon(port: int, sender: str, source: str = "127.0.0.1") -> list[bytes | None]:
    """The types of the messages the venue answers a Logon with, until its Logon."""
    with RawConnection(port, source) as connection:
        connection.send(raw_message("A", sender, 1, {98: 0, 108: 30, 141: "Y"}))
        return [message.get(35) for message in connection.read(until="A")]


def test_a_logon_from_an_unknown_compid_is_dropped_without_an_answer(venue: Venue) -> None:
    assert _raw_logon(venue.port, "INTRUDER") == []


def test_a_venue_on_loopback_drops_a_logon_from_any_other_address(venue: Venue) -> None:
    # QuickFIX listens on every interface; 127.0.0.2 stands for a host elsewhere.
    assert _raw_logon(venue.port, "BROKER4", source="127.0.0.2") == []
    assert _raw_logon(venue.port, "BROKER4") == [b"A"]


def test_a_session_with_allowed_addresses_logs_on_from_those_alone(
    tmp_path: Path, database_url: str
) -> None:
    # 127.0.0.2 stands for the broker's host; 127.0.0.1 for any other.
    allowed = 'firm = "BRK4"\nallowed_addresses = ["127.0.0.2"]'
    venue = Venue(tmp_path, database_url, config_replace={'firm = "BRK4"': allowed}).start()
    try:
        assert _raw_logon(venue.port, "BROKER4") == []
        assert _raw_logon(venue.port, "BROKER4", source="127.0.0.2") == [b"A"]
        # Sessions without a list of their own keep the venue's rule.
        assert _raw_logon(venue.port, "BROKER1", source="127.0.0.2") == []
    finally:
        venue.ensure_stopped()


PASSWORD = "correct horse battery staple"


def _logon_answer(port: int, credentials: dict[int, str | int]) -> list[tuple[bytes, bytes]]:
    """(MsgType, Text) of what the venue answers a BROKER4 Logon carrying `credentials`."""
    with RawConnection(port) as connection:
        connection.send(raw_message("A", "BROKER4", 1, {98: 0, 108: 30, 141: "Y", **credentials}))
        return [(m.get(35), m.get(58) or b"") for m in connection.read(until="A")]


def test_a_session_with_a_password_logs_on_with_its_username_and_password_alone(
    tmp_path: Path, database_url: str
) -> None:
    password_hash = hash_password(PASSWORD)
    credentials = f'firm = "BRK4"\nusername = "brk4-desk"\npassword_hash = "{password_hash}"'
    venue = Venue(tmp_path, database_url, config_replace={'firm = "BRK4"': credentials}).start()
    refused = [(b"5", b"Rejected Logon Attempt: wrong Username(553) or Password(554)")]
    try:
        assert _logon_answer(venue.port, {553: "brk4-desk", 554: PASSWORD}) == [(b"A", b"")]
        assert _logon_answer(venue.port, {553: "brk4-desk", 554: "guessed-password"}) == refused
        assert _logon_answer(venue.port, {553: "someone-else", 554: PASSWORD}) == refused
        assert _logon_answer(venue.port, {}) == refused
        # Sessions without a password of their own log on as before.
        assert _raw_logon(venue.port, "BROKER1") == [b"A"]
    finally:
        venue.ensure_stopped()
    written = [venue.log_path, *(path for path in venue.data_dir.rglob("*") if path.is_file())]
    for path in written:
        content = path.read_bytes()
        assert PASSWORD.encode() not in content and b"guessed-password" not in content, path
    (messages_log,) = venue.data_dir.glob("fixlog/*BROKER4.messages.current.log")
    assert messages_log.read_text().count("\x01554=********\x01") == 3


def test_in_a_container_the_venue_takes_fix_and_metrics_from_any_address(
    tmp_path: Path, database_url: str
) -> None:
    # The image sets these, so that brokers and Prometheus reach the venue from outside.
    venue = Venue(tmp_path, database_url).start(
        environment_extra={"FIXVENUE_FIX_HOST": "0.0.0.0", "FIXVENUE_METRICS_HOST": "0.0.0.0"}
    )
    try:
        assert _raw_logon(venue.port, "BROKER4", source="127.0.0.2") == [b"A"]
        metrics_port = tomllib.loads(venue.config_path.read_text())["metrics"]["port"]
        # Listening on every address: 127.0.0.2 reaches it, as it would not on 127.0.0.1.
        with socket.create_connection(("127.0.0.2", metrics_port), timeout=5) as connection:
            connection.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
            assert connection.recv(64).startswith(b"HTTP/1.0 200")
    finally:
        venue.ensure_stopped()


def test_a_garbled_frame_is_dropped_and_the_session_carries_on(venue: Venue) -> None:
    order: dict[int, str | int] = {
        11: "garbled-1",
        1: "BRK1-A",
        55: "ACME",
        54: 1,
        38: 100,
        40: 2,
        44: "100",
        60: "20260101-00:00:00.000000",
    }
    bad_checksum = re.sub(rb"10=\d{3}\x01$", b"10=000\x01", raw_message("D", "BROKER4", 2, order))
    with RawConnection(venue.port) as connection:
        connection.send(raw_message("A", "BROKER4", 1, {98: 0, 108: 30, 141: "Y"}))
        connection.send(bad_checksum)
        connection.send(raw_message("1", "BROKER4", 2, {112: "still-there"}))
        answers = connection.read(until="0")
    assert [m.get(35) for m in answers] == [b"A", b"0"], "no report, no reject: just dropped"
    assert answers[1].get(112) == b"still-there"


@pytest.fixture
def venue_with_broker4_disabled(tmp_path: Path, database_url: str) -> Iterator[Venue]:
    running = Venue(
        tmp_path, database_url, config_replace={'firm = "BRK4"': 'firm = "BRK4"\nenabled = false'}
    )
    running.start()
    yield running
    running.ensure_stopped()


def test_a_disabled_session_gets_a_logout_saying_why(
    venue_with_broker4_disabled: Venue, tmp_path: Path
) -> None:
    client = FixClient(sender="BROKER4", port=venue_with_broker4_disabled.port, work_dir=tmp_path)
    client.start(wait_logon=False)
    logout = client.expect(lambda m: m.msg_type == "5")
    assert "disabled" in logout[58]
    assert not client.logged_on.is_set()
    client.stop()


def test_the_fix_4_2_session_logs_on(venue: Venue, tmp_path: Path) -> None:
    client = FixClient(
        sender="BROKER3", port=venue.port, work_dir=tmp_path, begin_string="FIX.4.2"
    ).start()
    assert client.logged_on.is_set()
    client.stop()


def test_a_drop_copy_session_may_not_send_orders(venue: Venue, tmp_path: Path) -> None:
    client = FixClient(sender="DC-ALL", port=venue.port, work_dir=tmp_path).start()
    client.new_order(account="BRK1-A")
    reject = client.expect(lambda m: m.msg_type == "j")
    assert (reject[380], reject[372]) == ("6", "D")
    assert client.logged_on.is_set()
    client.stop()


def test_sending_times_carry_microseconds(venue: Venue, tmp_path: Path) -> None:
    client = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    logon = client.expect(lambda m: m.msg_type == "A")
    assert len(logon[52].split(".")[1]) == 6
    client.stop()


def test_a_gap_from_the_broker_is_filled_through_a_resend_request(
    venue: Venue, tmp_path: Path
) -> None:
    client = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    first = client.new_order(account="BRK1-A", price="99.00")
    client.report(first, "0")
    client.stop()
    # The broker's engine moves its outbound number on by five, as if messages were lost.
    seqnums = next((tmp_path / "client-BROKER1" / "store").glob("*.seqnums"))
    sender, target = (int(part) for part in seqnums.read_text().split(":"))
    seqnums.write_text(f"{sender + 5:010d} : {target:010d}")
    client = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    after_gap = client.new_order(account="BRK1-A", price="99.00")
    client.report(after_gap, "0")
    assert client.logged_on.is_set()
    client.stop()
    sent_by_venue = (venue.data_dir / "fixlog").glob("FIX.4.4-FIXVENUE-BROKER1.messages*")
    assert any("\x0135=2\x01" in path.read_text() for path in sent_by_venue), "ResendRequest"
