"""Operators and the FIX sessions (CONTRACT §9), through the CLI against a running venue:
list them, log one out, disable and enable one, reset its sequence numbers; and the
audit log that keeps every admin request."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import quickfix

from tests.support.fix_client import FixClient
from tests.support.venue import Venue, assert_refused, operator_command, run_fixvenue


def _sessions(venue: Venue) -> dict[str, dict[str, Any]]:
    listing = json.loads(operator_command(venue, "sessions", "list", "--json"))
    return {session["target_comp_id"]: session for session in listing}


def _eventually(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.1)


def _refused(venue: Venue, *arguments: str) -> str:
    result = run_fixvenue(*arguments, "--config", str(venue.config_path))
    assert_refused(result)
    return result.stderr


def test_sessions_list_shows_each_sessions_numbers_peer_and_last_message(
    venue: Venue, broker1: FixClient
) -> None:
    broker1.report(broker1.new_order(account="BRK1-A", price="99.00"), "0")
    before = datetime.now(UTC)
    sessions = _sessions(venue)
    assert set(sessions) == {"BROKER1", "BROKER2", "BROKER3", "BROKER4", "DC-BRK1", "DC-ALL"}
    broker = sessions["BROKER1"]
    client = quickfix.Session.lookupSession(broker1.session_id)
    assert broker == {
        "session_id": "FIX.4.4:FIXVENUE->BROKER1",
        "target_comp_id": "BROKER1",
        "begin_string": "FIX.4.4",
        "role": "order_entry",
        "enabled": True,
        "logged_on": True,
        # What the venue sends next is what the broker expects next, and the other way.
        "next_sender_seq": client.getExpectedTargetNum(),
        "next_target_seq": client.getExpectedSenderNum(),
        "peer_address": "127.0.0.1",
        "last_message_us": broker["last_message_us"],
        "last_message_time": broker["last_message_time"],
    }
    last = datetime.strptime(broker["last_message_time"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert before - timedelta(seconds=30) < last <= before
    idle = sessions["BROKER3"]
    assert (idle["begin_string"], idle["logged_on"], idle["peer_address"]) == (
        "FIX.4.2",
        False,
        None,
    )
    assert idle["last_message_time"] is None
    assert sessions["DC-ALL"]["role"] == "drop_copy"
    table = operator_command(venue, "sessions", "list").splitlines()
    assert table[0].split()[:3] == ["session", "version", "role"]
    row = next(line for line in table if line.startswith("FIX.4.4:FIXVENUE->BROKER1"))
    assert row.split()[3:5] == ["yes", "yes"] and "127.0.0.1" in row


def test_an_operator_logout_tells_the_broker_why_and_lets_it_log_on_again(
    venue: Venue, broker1: FixClient
) -> None:
    answer = json.loads(
        operator_command(
            venue, "sessions", "logout", "BROKER1", "--reason", "end of test", "--json"
        )
    )
    assert answer == {"session": "BROKER1", "action": "logout", "reason": "end of test"}
    assert broker1.expect(lambda m: m.msg_type == "5")[58] == "end of test"
    assert broker1.logged_out.wait(10)
    broker1.wait_logon(15)  # the client reconnects by itself, and is let in
    broker1.report(broker1.new_order(account="BRK1-A", price="99.00"), "0")
    assert "session BROKER3 is not logged on" in _refused(venue, "sessions", "logout", "BROKER3")
    assert "unknown session NOPE" in _refused(venue, "sessions", "logout", "NOPE")


def test_a_disabled_session_is_refused_with_a_reason_until_enabled_even_across_a_restart(
    venue: Venue, tmp_path: Path
) -> None:
    client = FixClient(sender="BROKER4", port=venue.port, work_dir=tmp_path).start()
    operator_command(
        venue, "sessions", "disable", "FIX.4.4:FIXVENUE->BROKER4", "--reason", "broker asked"
    )
    assert client.expect(lambda m: m.msg_type == "5")[58] == "broker asked"
    refusal = client.expect(lambda m: m.msg_type == "5", timeout=15)
    assert refusal[58].endswith(": session BROKER4 is disabled by the venue operator")
    assert not _sessions(venue)["BROKER4"]["enabled"]
    client.stop()
    assert venue.stop() == 0
    venue.start()
    assert not _sessions(venue)["BROKER4"]["enabled"]
    again = FixClient(sender="BROKER4", port=venue.port, work_dir=tmp_path / "again")
    again.start(wait_logon=False)
    assert "disabled" in again.expect(lambda m: m.msg_type == "5", timeout=15)[58]
    operator_command(venue, "sessions", "enable", "BROKER4")
    again.wait_logon(15)
    assert _sessions(venue)["BROKER4"]["enabled"]
    again.stop()


def test_reset_seq_is_refused_while_logged_on_and_numbers_both_ways_from_one_after(
    venue: Venue, tmp_path: Path
) -> None:
    client = FixClient(sender="BROKER4", port=venue.port, work_dir=tmp_path).start()
    client.report(client.new_order(account="BRK4-A", price="99.00"), "0")
    assert "logged on" in _refused(venue, "sessions", "reset-seq", "BROKER4")
    client.stop(wait_logout=True)
    _eventually(lambda: not _sessions(venue)["BROKER4"]["logged_on"], "BROKER4 logged out")
    # Its order's cancel waits for its next logon: a reset would drop it.
    operator_command(venue, "cancel", "--account", "BRK4-A")
    refusal = _refused(venue, "sessions", "reset-seq", "BROKER4")
    assert "1 messages wait for session BROKER4's next logon" in refusal
    operator_command(venue, "sessions", "reset-seq", "BROKER4", "--force")
    numbers = ("next_sender_seq", "next_target_seq")
    assert [_sessions(venue)["BROKER4"][key] for key in numbers] == [1, 1]
    # Recorded in the ledger: after a restart the venue still expects message number 1.
    assert venue.stop() == 0
    venue.start()
    assert [_sessions(venue)["BROKER4"][key] for key in numbers] == [1, 1]
    fresh = FixClient(sender="BROKER4", port=venue.port, work_dir=tmp_path / "fresh").start()
    fresh.report(fresh.new_order(account="BRK4-A", price="98.00"), "0")
    fresh.assert_nothing_refused()
    fresh.stop()


@pytest.fixture
def venue_with_named_tokens(tmp_path: Path, database_url: str) -> Iterator[Venue]:
    running = Venue(
        tmp_path,
        database_url,
        # The configuration's commented-out example, made real.
        config_replace={
            '# [admin.tokens]\n# alice = "a-long-random-secret"': (
                '[admin.tokens]\nalice = "alice-secret"'
            )
        },
    )
    running.start()
    yield running
    running.ensure_stopped()


def _audit(venue: Venue, *arguments: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(
        operator_command(venue, "audit", "log", "--json", *arguments)
    )
    return entries


def test_the_audit_log_keeps_who_did_what_when_and_the_result_of_every_admin_request(
    venue_with_named_tokens: Venue,
) -> None:
    venue = venue_with_named_tokens
    started_us = time.time_ns() // 1_000
    operator_command(venue, "halt", "ACME", "--reason", "news")
    as_alice = {**os.environ, "FIXVENUE_ADMIN_TOKEN": "alice-secret"}
    config = ("--config", str(venue.config_path))
    assert run_fixvenue("resume", "ACME", *config, env=as_alice).returncode == 0
    assert_refused(run_fixvenue("halt", "NOPE", *config, env=as_alice), "unknown symbol NOPE")
    intruder = {**os.environ, "FIXVENUE_ADMIN_TOKEN": "guess"}
    assert_refused(run_fixvenue("risk", "show", "BRK1-A", *config, env=intruder))
    entries = _audit(venue)  # a listing does not list itself
    assert [(entry["who"], entry["what"], entry["result"]) for entry in entries] == [
        ("admin", 'POST /halt/ACME {"reason":"news"}', 'ok: {"phase": "halted", "symbol": "ACME"}'),
        (
            "alice",
            'POST /resume/ACME {"reason":"operator request"}',
            'ok: {"phase": "open", "symbol": "ACME"}',
        ),
        (
            "alice",
            'POST /halt/NOPE {"reason":"operator request"}',
            "refused (404): unknown symbol NOPE",
        ),
        ("(no valid token)", "GET /risk/BRK1-A", "refused (401): missing or wrong admin token"),
    ]
    whens = [entry["when"] for entry in entries]
    assert started_us <= whens[0] and whens == sorted(whens)
    assert entries[0]["time"] == (
        datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=whens[0])
    ).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert [(e["what"], e["result"]) for e in _audit(venue)[4:]] == [("GET /audit", "ok")]
    today = datetime.now(UTC).date().isoformat()
    assert len(_audit(venue, "--date", today)) >= 6
    assert _audit(venue, "--date", "2001-02-03") == []
    table = operator_command(venue, "audit", "log")
    assert "alice" in table and "POST /resume/ACME" in table
    assert run_fixvenue("audit", "log", "--date", "yesterday", *config).returncode == 2
