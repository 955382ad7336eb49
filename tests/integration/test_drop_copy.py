"""Drop copy (CONTRACT §7): every ExecutionReport in a drop-copy session's scope, as the
broker received it, in real time and through FIX recovery after downtime."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.fix_client import FixClient, Received
from tests.support.venue import Venue, operator_command

# What a copy carries exactly as the original: the report's and the order's identity,
# state and figures.
_COPIED_TAGS = (
    17,
    37,
    11,
    41,
    1,
    55,
    54,
    38,
    40,
    44,
    39,
    150,
    14,
    151,
    6,
    31,
    32,
    527,
    851,
    58,
    60,
)


def _reports(client: FixClient, count: int, timeout: float = 15.0) -> list[Received]:
    """The client's ExecutionReports, once it has `count` of them (and no more arrive)."""
    deadline = time.monotonic() + timeout
    while len(reports := [m for m in client.settle(0.3) if m.msg_type == "8"]) < count:
        assert time.monotonic() < deadline, f"{client.sender}: {len(reports)} of {count} reports"
    return reports


def _assert_copies(copies: list[Received], originals: list[Received], origin: str) -> None:
    by_exec_id = {copy[17]: copy for copy in copies}
    for original in originals:
        copy = by_exec_id[original[17]]
        assert copy[8] == "FIX.4.4" and copy[115] == origin, copy.raw
        assert {tag: copy.get(tag) for tag in _COPIED_TAGS} == {
            tag: original.get(tag) for tag in _COPIED_TAGS
        }


def test_each_drop_copy_session_gets_the_reports_of_its_scope_with_the_same_exec_ids(
    venue: Venue,
    broker1: FixClient,
    broker2: FixClient,
    dc_brk1: FixClient,
    dc_all: FixClient,
) -> None:
    resting = broker1.new_order(account="BRK1-A", price="99.00", quantity="300")
    broker1.report(resting, "0")
    broker2.report(broker2.new_order(account="BRK2-A", side="2", price="99.00"), "F")
    broker1.report(broker1.cancel(resting), "4")
    broker1.report(broker1.new_order(account="NOT-MINE", price="99.00"), "8")
    firm1, firm2 = _reports(broker1, 4), _reports(broker2, 2)
    _assert_copies(_reports(dc_brk1, 4), firm1, "BROKER1")
    assert {copy[17] for copy in _reports(dc_brk1, 4)} == {report[17] for report in firm1}
    everything = _reports(dc_all, 6)
    _assert_copies(everything, firm1, "BROKER1")
    _assert_copies(everything, firm2, "BROKER2")
    assert [copy[17] for copy in everything] == sorted(
        (copy[17] for copy in everything), key=int
    ), "in the order the venue reported them"
    for client in (broker1, broker2, dc_brk1, dc_all):
        client.assert_nothing_refused()


def test_a_fix_4_2_sessions_reports_are_copied_as_fix_4_4(
    venue: Venue, dc_all: FixClient, tmp_path: Path
) -> None:
    broker3 = FixClient(
        sender="BROKER3", port=venue.port, work_dir=tmp_path, begin_string="FIX.4.2"
    ).start()
    original = broker3.report(broker3.new_order(account="BRK3-A", price="99.00"), "0")
    copy = _reports(dc_all, 1)[0]
    assert copy[17] == original[17] and copy[115] == "BROKER3"
    assert (original.get(20), copy.get(20)) == ("0", None)  # ExecTransType: FIX 4.2 only
    assert copy[150] == "0" and copy[8] == "FIX.4.4"
    dc_all.assert_nothing_refused()
    broker3.stop()


def test_operator_cancels_reach_the_drop_copy_like_any_report(
    venue: Venue, broker1: FixClient, dc_brk1: FixClient
) -> None:
    order = broker1.new_order(account="BRK1-A", price="99.00")
    broker1.report(order, "0")
    operator_command(venue, "kill", "BRK1-A", "--reason", "limits")
    cancelled = broker1.report(order, "4")
    copy = _reports(dc_brk1, 2)[-1]
    assert (copy[17], copy[58]) == (cancelled[17], cancelled[58])


def test_reports_sent_while_a_drop_copy_session_was_down_arrive_at_its_next_logon(
    venue: Venue, broker1: FixClient, tmp_path: Path
) -> None:
    first = FixClient(sender="DC-ALL", port=venue.port, work_dir=tmp_path).start()
    first.stop(wait_logout=True)
    order = broker1.new_order(account="BRK1-A", price="99.00")
    original = broker1.report(order, "0")
    # The same engine (same store) logs on again: the gap is filled by a resend.
    again = FixClient(sender="DC-ALL", port=venue.port, work_dir=tmp_path).start()
    copy = again.expect(lambda m: m.msg_type == "8" and m.get(17) == original[17])
    assert copy.get(43) == "Y" and copy[115] == "BROKER1"
    again.assert_nothing_refused()
    again.stop()


@pytest.mark.parametrize("fail_point", ["after-commit", "after-send"])
def test_after_a_crash_each_report_is_copied_exactly_once(
    venue: Venue, tmp_path: Path, fail_point: str
) -> None:
    venue.restart_to_fail(f"{fail_point}:2")
    broker = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    drop_copy = FixClient(sender="DC-ALL", port=venue.port, work_dir=tmp_path).start()
    broker.report(broker.new_order(account="BRK1-A", price="99.00"), "0")
    crashing = broker.new_order(account="BRK1-A", price="98.00")
    assert venue.wait_exit() == -9, "the fail point killed the venue"
    venue.start()
    original = broker.report(crashing, "0", timeout=20)
    deadline = time.monotonic() + 15  # the drop copy logs on again and recovers
    while True:
        copies = [m for m in drop_copy.settle(0.5) if m.msg_type == "8" and m[17] == original[17]]
        if copies or time.monotonic() > deadline:
            break
    assert len(copies) == 1, [copy.raw for copy in copies]
    exec_ids = [m[17] for m in drop_copy.received() if m.msg_type == "8"]
    assert len(exec_ids) == len(set(exec_ids)), "no report copied twice"
    broker.stop()
    drop_copy.stop()
