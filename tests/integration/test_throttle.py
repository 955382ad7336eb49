"""The per-session message throttle over FIX: beyond the session's application messages
per rolling second, orders get a reject, cancels an OrderCancelReject; the session stays up."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.fix_client import FixClient, Received
from tests.support.venue import Venue

THROTTLE_TEXT = "message throttle: more than 500 application messages in one second"
BURST = 700  # the demo sessions other than the load-test pair admit 500 per second


def _answers(client: FixClient, client_order_ids: list[str], msg_type: str) -> list[Received]:
    """The answer of `msg_type` to each request, in the order of the requests."""

    def answer(client_order_id: str) -> Received:
        return client.expect(
            lambda m: m.msg_type == msg_type and m.get(11) == client_order_id, 20.0
        )

    return [answer(client_order_id) for client_order_id in client_order_ids]


def _burst_of_orders(client: FixClient, account: str) -> list[str]:
    return [client.new_order(account=account, price="99.00") for _ in range(BURST)]


def test_orders_beyond_the_rate_are_rejected_with_99_and_the_session_stays_up(
    venue: Venue, tmp_path: Path
) -> None:
    broker4 = FixClient(sender="BROKER4", port=venue.port, work_dir=tmp_path).start()
    orders = _burst_of_orders(broker4, "BRK4-A")
    reports = _answers(broker4, orders, "8")
    accepted = [r for r in reports if r[150] == "0"]
    rejected = [r for r in reports if r[150] == "8"]
    assert len(accepted) + len(rejected) == BURST
    assert 500 <= len(accepted) < BURST, "the first 500 in the second are let through"
    assert all(r[103] == "99" and THROTTLE_TEXT in r[58] for r in rejected)
    assert [r[11] for r in accepted[:500]] == orders[:500]

    time.sleep(1.1)
    broker4.report(broker4.new_order(account="BRK4-A", price="99.00"), "0")
    assert not [m for m in broker4.received() if m.msg_type in ("3", "5")]
    broker4.assert_nothing_refused()
    broker4.stop()


def test_a_fix42_session_gets_code_0_for_orders_and_cancel_rejects_for_cancels(
    venue: Venue, tmp_path: Path
) -> None:
    broker3 = FixClient(
        sender="BROKER3", port=venue.port, work_dir=tmp_path, begin_string="FIX.4.2"
    ).start()
    orders = _burst_of_orders(broker3, "BRK3-A")
    cancels = [broker3.cancel(order, side="1") for order in orders[:50]]  # in the same second
    reports = _answers(broker3, orders, "8")
    refused = _answers(broker3, cancels, "9")
    rejected = [r for r in reports if r[150] == "8"]
    assert rejected and all((r[20], r[103]) == ("0", "0") for r in rejected)
    assert all((r[434], r[102]) == ("1", "2") and THROTTLE_TEXT in r[58] for r in refused)
    broker3.assert_nothing_refused()
    broker3.stop()
