"""Durability over restarts and SIGKILL at chosen moments (CONTRACT §6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fix_client import FixClient, Received
from tests.support.venue import Venue


def _new_reports(client: FixClient, clordid: str) -> list[Received]:
    return [
        m for m in client.settle(0.5) if m.msg_type == "8" and m[11] == clordid and m[150] == "0"
    ]


def _exec_ids(client: FixClient) -> list[int]:
    return [int(m[17]) for m in client.received() if m.msg_type == "8"]


def test_after_a_clean_restart_orders_rest_in_priority_and_numbering_continues(
    venue: Venue, tmp_path: Path
) -> None:
    seller = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    first = seller.new_order(account="BRK1-A", side="2", quantity="100", price="100.00")
    second = seller.new_order(account="BRK1-B", side="2", quantity="100", price="100.00")
    seller.report(first, "0")
    last_sequence_before = int(seller.report(second, "0")[34])
    exec_ids_before = _exec_ids(seller)
    seller.stop(wait_logout=True)
    assert venue.stop() == 0

    venue.start()
    seller = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    buyer = FixClient(sender="BROKER2", port=venue.port, work_dir=tmp_path).start()
    buyer.new_order(account="BRK2-A", side="1", quantity="150", price="100.00")
    first_fill, second_fill = seller.report(first, "F"), seller.report(second, "F")
    assert (first_fill[32], first_fill[39]) == ("100", "2"), "the older order trades first"
    assert (second_fill[32], second_fill[39]) == ("50", "1")
    assert int(first_fill[34]) > last_sequence_before, "outbound MsgSeqNum continues"
    assert min(_exec_ids(seller)) > max(exec_ids_before), "ExecIDs continue"
    seller.stop()
    buyer.stop()


@pytest.mark.parametrize("fail_point", ["before-commit", "after-commit", "after-send"])
def test_an_order_survives_sigkill_and_is_reported_exactly_once(
    venue: Venue, tmp_path: Path, fail_point: str
) -> None:
    venue.restart_to_fail(f"{fail_point}:2")
    client = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    resting = client.new_order(account="BRK1-A", side="2", quantity="100", price="100.00")
    client.report(resting, "0")
    crashing = client.new_order(account="BRK1-A", side="2", quantity="100", price="100.00")
    assert venue.wait_exit() == -9, "the fail point killed the venue"

    venue.start()
    client.wait_logon()
    reports = _new_reports(client, crashing)
    assert len(reports) == 1, f"exactly one New for the order: {[m.raw for m in reports]}"
    if fail_point == "after-commit":
        assert reports[0].get(97) == "Y", "committed but unsent: sent after restart as PossResend"
    exec_ids = _exec_ids(client)
    assert len(exec_ids) == len(set(exec_ids)), "no ExecID is reported twice"

    buyer = FixClient(sender="BROKER2", port=venue.port, work_dir=tmp_path).start()
    buyer.new_order(account="BRK2-A", side="1", quantity="200", price="100.00")
    assert client.report(resting, "F")[32] == "100"
    assert client.report(crashing, "F")[32] == "100", "the recovered order rests behind"
    client.stop()
    buyer.stop()


def test_a_report_stored_but_not_counted_before_a_crash_keeps_its_number(
    venue: Venue, tmp_path: Path
) -> None:
    client = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    order = client.new_order(account="BRK1-A", side="2", quantity="100", price="100.00")
    stored = int(client.report(order, "0")[34])
    venue.kill()
    # QuickFIX stores a message, sends it, then counts it: killed before counting, its
    # numbers file still names the report's number as the next one.
    numbers = venue.data_dir / "fixstore" / "FIX.4.4-FIXVENUE-BROKER1.seqnums"
    sender, _, target = numbers.read_text().partition(" : ")
    assert int(sender) == stored + 1
    numbers.write_text(f"{str(stored).zfill(len(sender))} : {target}")

    venue.start()
    client.wait_logon()
    later = client.new_order(account="BRK1-A", side="2", quantity="100", price="100.00")
    assert int(client.report(later, "0")[34]) > stored + 1
    assert not [m for m in client.received() if m.msg_type == "5"], "no logout"
    assert f"numbering resumes at {stored + 1}" in venue.log()
    client.stop()
    body = numbers.with_suffix(".body").read_text()
    stored_numbers = [
        int(message.split("\x0134=", 1)[1].split("\x01", 1)[0])
        for message in body.split("8=FIX.4.4\x01")
        if message
    ]
    assert len(stored_numbers) == len(set(stored_numbers)), "no number names two messages"


def test_after_sigkill_acknowledged_orders_rest_again_in_the_same_priority(
    venue: Venue, tmp_path: Path
) -> None:
    seller = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    orders = [
        seller.new_order(account="BRK1-A", side="2", quantity="10", price=price)
        for price in ("100.02", "100.01", "100.01", "100.03")
    ]
    for order in orders:
        seller.report(order, "0")
    venue.kill()
    venue.start()
    seller.wait_logon()
    buyer = FixClient(sender="BROKER2", port=venue.port, work_dir=tmp_path).start()
    buyer.new_order(account="BRK2-A", side="1", quantity="40", price="100.03")
    fills = [seller.expect(lambda m: m.msg_type == "8" and m[150] == "F") for _ in orders]
    assert [fill[11] for fill in fills] == [orders[1], orders[2], orders[0], orders[3]]
    assert [fill[31] for fill in fills] == ["100.01", "100.01", "100.02", "100.03"]
    seller.stop()
    buyer.stop()


def test_a_sequence_reset_at_logon_is_remembered_across_a_crash(
    venue: Venue, tmp_path: Path
) -> None:
    veteran = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path / "veteran")
    veteran.start()
    for _ in range(3):
        veteran.report(veteran.new_order(account="BRK1-A", price="99.00"), "0")
    veteran.stop(wait_logout=True)
    resetting = FixClient(
        sender="BROKER1", port=venue.port, work_dir=tmp_path / "fresh", reset_on_logon=True
    ).start()
    resetting.report(resetting.new_order(account="BRK1-A", price="99.00"), "0")
    resetting.stop()
    venue.kill()

    venue.start()
    continuing = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path / "fresh")
    continuing.start()
    order = continuing.new_order(account="BRK1-A", price="99.00")
    continuing.report(order, "0")
    assert not [m for m in continuing.received() if m.msg_type == "5"], "no logout"
    continuing.stop()


def test_a_configuration_that_no_longer_matches_the_ledger_is_refused(
    venue: Venue, tmp_path: Path
) -> None:
    client = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    client.report(client.new_order(account="BRK1-B", side="2", price="100.00"), "0")
    client.stop()
    assert venue.stop() == 0
    text = venue.config_path.read_text()
    without_account = text.replace('["BRK1-A", "BRK1-B"]', '["BRK1-A"]')
    venue.config_path.write_text(without_account.replace('"BRK1-B" = "decrement"', ""))
    venue.start(wait=False)
    assert venue.wait_exit() == 1
    last_line = venue.log().strip().splitlines()[-1]
    assert last_line.startswith("fixvenue: ") and "no longer matches the ledger" in last_line


def test_a_cancel_reject_committed_before_a_crash_is_delivered_after_it(
    venue: Venue, tmp_path: Path
) -> None:
    venue.stop()
    venue.start(fail_point="after-commit:2")
    client = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    client.cancel("NO-SUCH-ORDER", client_order_id="C1")
    first = client.expect(lambda m: m.msg_type == "9" and m[11] == "C1")
    assert first[102] == "1"
    client.cancel("NO-SUCH-ORDER", client_order_id="C1")
    assert venue.wait_exit() == -9

    venue.start()
    client.wait_logon()
    duplicate = client.expect(lambda m: m.msg_type == "9" and m[11] == "C1" and m[102] == "6")
    assert duplicate.get(97) == "Y"
    client.stop()
