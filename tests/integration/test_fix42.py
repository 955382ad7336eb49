"""Orders over a real FIX 4.2 session (BROKER3) against `fixvenue serve`, on SQLite and
PostgreSQL.

The broker's engine validates everything the venue sends against the FIX 4.2 dictionary
with QuickFIX's default validation. A message it refuses never reaches the test: it
answers it with a session Reject, so every test ends by checking that it sent none.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fix_client import SOH, FixClient, Received
from tests.support.venue import Venue

FIX44_ONLY_FILL_TAGS = (851, 527)  # LastLiquidityInd, SecondaryExecID: not in FIX 4.2


def _broker3(venue: Venue, work_dir: Path) -> FixClient:
    return FixClient(
        sender="BROKER3", port=venue.port, work_dir=work_dir, begin_string="FIX.4.2"
    ).start()


def _assert_nothing_refused(client: FixClient) -> None:
    client.settle(0.3)
    refused = [message.raw.replace(SOH, "|") for message in client.sent_rejects()]
    assert not refused, f"the broker's FIX 4.2 engine refused messages of the venue: {refused}"


@pytest.fixture
def broker3(venue: Venue, tmp_path: Path) -> Iterator[FixClient]:
    client = _broker3(venue, tmp_path)
    yield client
    try:
        _assert_nothing_refused(client)
    finally:
        client.stop()


def _cancel_reject(client: FixClient, clordid: str) -> Received:
    return client.expect(lambda m: m.msg_type == "9" and m.get(11) == clordid)


def _reject(client: FixClient, clordid: str) -> Received:
    report = client.report(clordid, "8")
    assert (report[20], report[39], report[14], report[151]) == ("0", "8", "0", "0")
    return report


def test_a_new_order_is_acknowledged_with_exec_trans_type_0_and_exec_type_0(
    broker3: FixClient,
) -> None:
    clordid = broker3.new_order(account="BRK3-A", side="1", quantity="100", price="99.50")
    report = broker3.report(clordid, "0")
    assert (report[8], report[20], report[39]) == ("FIX.4.2", "0", "0")
    assert (report[1], report[55], report[54], report[38], report[44]) == (
        "BRK3-A",
        "ACME",
        "1",
        "100",
        "99.50",
    )
    assert (report[14], report[151], report[6]) == ("0", "100", "0")
    assert report[37] and report[17]


def test_a_fix42_session_sees_partial_fill_then_fill_while_its_fix44_counterparty_sees_trades(
    broker3: FixClient, broker1: FixClient
) -> None:
    resting = broker3.new_order(account="BRK3-A", side="2", quantity="100", price="100.10")
    broker3.report(resting, "0")
    first_taker = broker1.new_order(account="BRK1-A", side="1", quantity="40", price="100.50")

    partial = broker3.report(resting, "1")
    assert (partial[20], partial[39], partial[32], partial[31]) == ("0", "1", "40", "100.10")
    assert (partial[14], partial[151], partial[6]) == ("40", "60", "100.1")
    assert not [tag for tag in FIX44_ONLY_FILL_TAGS if tag in partial]
    taker_fill = broker1.report(first_taker, "F")
    assert (taker_fill[8], taker_fill[851], taker_fill[32], taker_fill[31]) == (
        "FIX.4.4",
        "2",
        "40",
        "100.10",
    )
    assert taker_fill[527] and 20 not in taker_fill

    second_taker = broker1.new_order(account="BRK1-A", side="1", quantity="60", price="100.10")
    full = broker3.report(resting, "2")
    assert (full[20], full[39], full[32], full[14], full[151]) == ("0", "2", "60", "100", "0")
    assert not [tag for tag in FIX44_ONLY_FILL_TAGS if tag in full]
    assert broker1.report(second_taker, "F")[851] == "2"
    assert partial[17] != full[17]


def test_a_cancel_request_is_answered_with_a_cancelled_report(broker3: FixClient) -> None:
    order = broker3.new_order(account="BRK3-A", side="1", quantity="100", price="99.00")
    order_id = broker3.report(order, "0")[37]
    cancel = broker3.cancel(order, side="1", order_id=order_id)
    report = broker3.report(cancel, "4")
    assert (report[20], report[39], report[41], report[37], report[151]) == (
        "0",
        "4",
        order,
        order_id,
        "0",
    )


def test_a_replace_is_answered_with_a_replaced_report(broker3: FixClient) -> None:
    order = broker3.new_order(account="BRK3-A", side="2", quantity="100", price="101.00")
    broker3.report(order, "0")
    replacement = broker3.replace(order, quantity="60", price="101.00", side="2")
    report = broker3.report(replacement, "5")
    assert (report[20], report[39], report[41], report[38], report[151]) == (
        "0",
        "0",
        order,
        "60",
        "60",
    )


def test_a_status_report_has_exec_trans_type_3_and_the_order_status_as_exec_type(
    broker3: FixClient, broker1: FixClient
) -> None:
    def status(clordid: str) -> Received:
        broker3.send("H", {11: clordid, 55: "ACME", 54: "2"})
        return broker3.expect(
            lambda m: m.msg_type == "8" and m.get(11) == clordid and m.get(20) == "3",
            what=f"status report for {clordid}",
        )

    order = broker3.new_order(account="BRK3-A", side="2", quantity="100", price="100.00")
    broker3.report(order, "0")
    fresh = status(order)
    assert (fresh[150], fresh[39], fresh[151]) == ("0", "0", "100")
    broker1.new_order(account="BRK1-A", side="1", quantity="30", price="100.00")
    broker3.report(order, "1")
    partly_filled = status(order)
    assert (partly_filled[150], partly_filled[39], partly_filled[14]) == ("1", "1", "30")
    assert partly_filled[6] == "100"
    unknown = status("NO-SUCH-ORDER")
    assert (unknown[150], unknown[39], unknown[37]) == ("8", "8", "NONE")
    assert "NO-SUCH-ORDER" in unknown[58]


def test_an_unknown_symbol_is_rejected_with_the_fix42_code_1(broker3: FixClient) -> None:
    report = _reject(broker3, broker3.new_order(account="BRK3-A", symbol="NOPE"))
    assert report[103] == "1" and "NOPE" in report[58]


def test_a_reason_fix42_has_no_code_for_is_rejected_with_code_0_and_a_text_saying_why(
    broker3: FixClient,
) -> None:
    foreign_account = _reject(broker3, broker3.new_order(account="BRK1-A"))
    assert foreign_account[103] == "0" and "BRK1-A" in foreign_account[58]
    off_tick = _reject(broker3, broker3.new_order(account="BRK3-A", price="100.005"))
    assert off_tick[103] == "0" and "tick" in off_tick[58]


def test_a_duplicate_clordid_on_a_new_order_is_rejected_with_code_6(broker3: FixClient) -> None:
    original = broker3.new_order(account="BRK3-A", side="1", price="99.00")
    broker3.report(original, "0")
    broker3.new_order(account="BRK3-A", side="1", price="98.00", client_order_id=original)
    report = _reject(broker3, original)
    assert report[103] == "6" and "duplicate" in report[58]


def test_a_duplicate_clordid_on_a_cancel_gets_cxlrejreason_2_with_a_text(
    broker3: FixClient,
) -> None:
    order = broker3.new_order(account="BRK3-A", side="1", price="99.00")
    broker3.report(order, "0")
    broker3.cancel(order, side="1", client_order_id=order)
    reject = _cancel_reject(broker3, order)
    assert (reject[434], reject[102]) == ("1", "2")
    assert "duplicate" in reject[58]


def test_cancelling_an_unknown_order_gets_cxlrejreason_1(broker3: FixClient) -> None:
    cancel = broker3.cancel("NO-SUCH-ORDER")
    reject = _cancel_reject(broker3, cancel)
    assert (reject[434], reject[102], reject[39], reject[37]) == ("1", "1", "8", "NONE")
    assert "NO-SUCH-ORDER" in reject[58]


def test_an_order_mass_cancel_request_gets_a_business_reject_and_the_session_stays_up(
    broker3: FixClient,
) -> None:
    resting = broker3.new_order(account="BRK3-A", side="1", price="99.00")
    broker3.report(resting, "0")
    broker3.send("q", {11: "MASS-1", 530: "7", 60: "20260101-00:00:00.000000"})
    reject = broker3.expect(lambda m: m.msg_type == "j", what="BusinessMessageReject")
    assert (reject[380], reject[372]) == ("3", "q")
    assert not [m for m in broker3.received() if m.msg_type == "3"], "no session Reject"
    later = broker3.new_order(account="BRK3-A", side="1", price="98.00")
    broker3.report(later, "0")
    broker3.send("H", {11: resting, 55: "ACME", 54: "1"})
    status = broker3.expect(lambda m: m.get(11) == resting and m.get(20) == "3")
    assert status[39] == "0", "the mass cancel cancelled nothing"


def _sequence_numbers_sent(venue: Venue, msg_type: str, clordid: str) -> set[str]:
    """The MsgSeqNums of the messages the venue sent on the BROKER3 session: a message
    resent for a ResendRequest keeps its number, a second copy of a report would not."""
    log = venue.data_dir / "fixlog" / "FIX.4.2-FIXVENUE-BROKER3.messages.current.log"
    return {
        Received.parse(line.split(" : ", 1)[1])[34]
        for line in log.read_text().splitlines()
        if f"{SOH}35={msg_type}{SOH}" in line
        and f"{SOH}49=FIXVENUE{SOH}" in line
        and f"{SOH}11={clordid}{SOH}" in line
    }


@pytest.mark.parametrize("fail_point", ["after-commit", "after-send"])
def test_a_fix42_cancel_reject_committed_before_a_crash_is_delivered_exactly_once(
    venue: Venue, tmp_path: Path, fail_point: str
) -> None:
    venue.restart_to_fail(f"{fail_point}:2")
    client = _broker3(venue, tmp_path)
    client.cancel("NO-SUCH-ORDER", client_order_id="C1")
    assert _cancel_reject(client, "C1")[102] == "1"
    client.cancel("NO-SUCH-ORDER", client_order_id="C1")
    assert venue.wait_exit() == -9

    venue.start()
    client.wait_logon()
    duplicate = client.expect(lambda m: m.msg_type == "9" and m[11] == "C1" and m[102] == "2")
    assert "duplicate" in duplicate[58]
    assert (duplicate.get(97) == "Y") == (fail_point == "after-commit")
    _assert_nothing_refused(client)
    assert len(_sequence_numbers_sent(venue, "9", "C1")) == 2, "each reject was sent once"
    client.stop()
