"""The venue's log lines: which events they tell, and JSON lines with their context."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from fixvenue.app.logs import JsonFormatter, events_log, log_events
from fixvenue.domain.commands import SetKillSwitch
from fixvenue.domain.risk import KillScope
from tests.unit.builders import BUY, S2, Driver, cancel, place


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the events log writes, one JSON object per line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    events_log.addHandler(handler)
    level = events_log.level
    try:
        yield stream
    finally:
        events_log.removeHandler(handler)
        events_log.setLevel(level)


def _logged(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_refusals_and_venue_changes_are_logged_with_their_session_and_clordid(
    lines: io.StringIO,
) -> None:
    events_log.setLevel(logging.INFO)
    driver = Driver.fresh()
    events = driver.send_all(
        place("ok", BUY, 1, 9_900),
        place("bad", BUY, 0, 9_900),
        cancel("c1", "nope", BUY, session=S2),
        SetKillSwitch(scope=KillScope.SESSION, name=S2, engaged=True, reason="check"),
    )
    log_events(events)
    logged = _logged(lines)
    assert [line["message"] for line in logged] == [
        "OrderRejected: quantity must be positive, got 0 (session=S1 client_order_id=bad "
        "order_id=O2)",
        "CancelRejected: no order with ClOrdID nope (session=S2 client_order_id=c1)",
        "kill switch engaged for session S2: check (0 open orders cancelled)",
    ]
    assert logged[0]["level"] == "INFO" and logged[0]["logger"] == "fixvenue.events"
    assert (logged[0]["session"], logged[0]["client_order_id"]) == ("S1", "bad")
    assert str(logged[0]["time"]).endswith("Z")


def test_the_ordinary_flow_is_logged_only_at_debug(lines: io.StringIO) -> None:
    driver = Driver.fresh()
    events = driver.send_all(place("ok", BUY, 1, 9_900), cancel("c1", "ok", BUY))
    events_log.setLevel(logging.INFO)
    log_events(events)
    assert _logged(lines) == []
    events_log.setLevel(logging.DEBUG)
    log_events(events)
    assert [line["message"] for line in _logged(lines)] == [
        "OrderAccepted (session=S1 client_order_id=ok order_id=O1)",
        "OrderCancelled: cancelled at the client's request (session=S1 client_order_id=c1 "
        "order_id=O1)",
    ]
