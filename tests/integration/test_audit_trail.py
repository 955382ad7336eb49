"""`fixvenue audit trail`: every order's life from the ledger, each message in as received
and each report out as sent, with their times (the record RTS 6 / CAT style rules ask for)."""

from __future__ import annotations

import itertools
import json
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import simplefix
from sqlalchemy import create_engine, select, update

from fixvenue.ledger.schema import trades
from tests.support.fix_client import FixClient, raw_message
from tests.support.venue import Venue, ledger_command, operator_command, run_fixvenue


def _trail(venue: Venue, out: Path) -> list[dict[str, Any]]:
    today = datetime.now(UTC).date().isoformat()
    ledger_command(venue, "audit", "trail", "--date", today, "--out", str(out))
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_the_audit_trail_tells_each_orders_life_in_and_out_with_times(
    venue: Venue, broker1: FixClient, broker2: FixClient, tmp_path: Path
) -> None:
    started_us = datetime.now(UTC).timestamp() * 1e6 - 1e6
    order = broker1.new_order(account="BRK1-A", price="99.00", quantity="300")
    order_id = broker1.report(order, "0")[37]
    broker2.report(broker2.new_order(account="BRK2-A", side="2", price="99.00"), "F")
    replaced = broker1.replace(order, quantity="250", price="99.00")
    broker1.report(replaced, "5")
    operator_command(venue, "cancel", "--account", "BRK1-A", "--reason", "desk")
    broker1.report(replaced, "4")
    received = [m for m in broker1.settle() if m.msg_type == "8"]
    broker1.stop()
    assert venue.stop() == 0  # the trail reads the ledger alone; stopped, it has every time

    lines = _trail(venue, tmp_path / "trail.jsonl")
    life = [
        line
        for line in lines
        if line.get("order_id") == order_id or order_id in line.get("order_ids", [])
    ]
    assert [(line["direction"], line.get("msg_type")) for line in life] == [
        ("in", "D"),
        ("out", "8"),  # accepted
        ("out", "8"),  # filled 100
        ("in", "G"),
        ("out", "8"),  # replaced
        ("venue", None),  # the operator's cancel
        ("out", "8"),  # cancelled
    ]
    new_order = life[0]
    assert new_order["session"] == "BROKER1" and new_order["cl_ord_id"] == order
    assert f"|11={order}|" in new_order["message"] and "|35=D|" in new_order["message"]
    assert life[3]["cl_ord_id"] == replaced and f"|41={order}|" in life[3]["message"]
    assert life[5]["command"] == "OperatorCancel" and life[5]["detail"]["reason"] == "desk"
    # Each report out is the one the broker received, sent after what caused it.
    outs = [line for line in lines if line["direction"] == "out" and line["session"] == "BROKER1"]
    assert [_exec_id(line["message"]) for line in outs] == [report[17] for report in received]
    times = [line["time_us"] for line in life]
    assert all(isinstance(moment, int) for moment in times), times
    assert started_us < times[0]
    for earlier, later in itertools.pairwise(life):
        if earlier["sequence"] == later["sequence"]:  # a report goes out after its cause
            assert earlier["time_us"] <= later["time_us"], (earlier, later)


def _exec_id(message: str) -> str:
    return next(field[3:] for field in message.split("|") if field.startswith("17="))


def test_a_nul_byte_in_a_field_is_kept_in_the_trail_and_the_venue_carries_on(
    venue: Venue, tmp_path: Path
) -> None:
    order: dict[int, str | int] = {
        11: "nul-1",
        1: "BRK4-A",
        55: "ACME",
        54: 1,
        38: 100,
        40: 2,
        44: "99.00",
        60: "20260101-00:00:00.000000",
        58: "a\x00b",
    }
    assert _report_on_a_bare_socket(venue, order).get(150) == b"0"
    assert venue.stop() == 0
    new_order = next(
        line for line in _trail(venue, tmp_path / "trail.jsonl") if line.get("cl_ord_id") == "nul-1"
    )
    assert "|58=a\\x00b|" in new_order["message"]


def test_a_nul_byte_in_the_clordid_of_a_fill_is_registered_and_the_venue_carries_on(
    venue: Venue, broker1: FixClient
) -> None:
    order: dict[int, str | int] = {
        11: "nul\x00id",
        1: "BRK4-A",
        55: "ACME",
        54: 2,
        38: 100,
        40: 2,
        44: "100.00",
        60: "20260101-00:00:00.000000",
    }
    assert _report_on_a_bare_socket(venue, order).get(150) == b"0"
    taker = broker1.new_order(account="BRK1-A", side="1", quantity="100", price="100.00")
    broker1.report(taker, "F")
    assert venue.stop() == 0
    engine = create_engine(venue.database_url)
    try:
        with engine.connect() as ledger:
            registered = ledger.scalars(select(trades.c.client_order_id)).all()
        # Written as the four characters \x00: PostgreSQL's text cannot hold NUL.
        assert sorted(registered) == sorted([taker, "nul\\x00id"])
        _reconciles(venue)
        if venue.database_url.startswith("sqlite"):
            # A register written before NULs were stored as \x00 holds them as they came.
            with engine.begin() as ledger:
                ledger.execute(
                    update(trades)
                    .where(trades.c.client_order_id == "nul\\x00id")
                    .values(client_order_id="nul\x00id")
                )
            _reconciles(venue)
    finally:
        engine.dispose()


def _reconciles(venue: Venue) -> None:
    today = datetime.now(UTC).date().isoformat()
    reconciled = run_fixvenue(
        "reconcile", "--date", today, "--config", str(venue.config_path), "--db", venue.database_url
    )
    assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr


def _report_on_a_bare_socket(venue: Venue, order: dict[int, str | int]) -> simplefix.FixMessage:
    """Logs BROKER4 on over a bare socket (which sends fields exactly as given), sends the
    order and returns its first ExecutionReport."""
    parser = simplefix.FixParser()
    with socket.create_connection(("127.0.0.1", venue.port), timeout=5) as connection:
        connection.sendall(raw_message("A", "BROKER4", 1, {98: 0, 108: 30, 141: "Y"}))
        connection.sendall(raw_message("D", "BROKER4", 2, order))
        while True:
            parser.append_buffer(connection.recv(4096))
            while (message := parser.get_message()) is not None:
                if message.get(35) == b"8":
                    return message
