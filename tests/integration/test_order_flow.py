"""Orders over a real FIX 4.4 session against `fixvenue serve`, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from tests.support.fix_client import FixClient

TIMESTAMP_US = re.compile(r"^\d{8}-\d{2}:\d{2}:\d{2}\.\d{6}$")


def test_limit_order_is_acknowledged_with_a_new_report(broker1: FixClient) -> None:
    clordid = broker1.new_order(account="BRK1-A", side="1", quantity="100", price="99.50")
    report = broker1.report(clordid, "0")
    assert report[39] == "0"
    assert (report[1], report[55], report[54], report[38], report[44]) == (
        "BRK1-A",
        "ACME",
        "1",
        "100",
        "99.50",
    )
    assert (report[14], report[151], report[6]) == ("0", "100", "0")
    assert report[37] and report[17]
    assert TIMESTAMP_US.match(report[60]) and TIMESTAMP_US.match(report[52])


def test_crossing_orders_fill_at_the_resting_price_and_both_sides_are_told(
    broker1: FixClient, broker2: FixClient
) -> None:
    resting = broker1.new_order(account="BRK1-A", side="2", quantity="100", price="100.10")
    broker1.report(resting, "0")
    aggressor = broker2.new_order(account="BRK2-A", side="1", quantity="100", price="100.50")
    aggressor_new = broker2.report(aggressor, "0")
    aggressor_fill = broker2.report(aggressor, "F")
    resting_fill = broker1.report(resting, "F")
    assert int(aggressor_new[34]) < int(aggressor_fill[34]), "New is reported before the fill"
    for fill, liquidity in ((resting_fill, "1"), (aggressor_fill, "2")):
        assert (fill[32], fill[31], fill[39], fill[14], fill[151], fill[6]) == (
            "100",
            "100.10",
            "2",
            "100",
            "0",
            "100.1",
        )
        assert fill[851] == liquidity
    assert resting_fill[527] == aggressor_fill[527], "both sides share the trade id"
    assert resting_fill[17] != aggressor_fill[17]


def test_a_partial_fill_keeps_the_resting_order_first_in_its_queue(
    broker1: FixClient, broker2: FixClient
) -> None:
    first = broker1.new_order(account="BRK1-A", side="2", quantity="300", price="101.00")
    second = broker1.new_order(account="BRK1-B", side="2", quantity="100", price="101.00")
    broker1.report(second, "0")
    taker = broker2.new_order(account="BRK2-A", side="1", quantity="100", price="101.00")
    partial = broker1.report(first, "F")
    assert (partial[39], partial[14], partial[151]) == ("1", "100", "200")
    taker_two = broker2.new_order(account="BRK2-A", side="1", quantity="250", price="101.00")
    fills = [broker1.report(first, "F")]
    assert (fills[0][32], fills[0][39], fills[0][151]) == ("200", "2", "0")
    fills.append(broker1.report(second, "F"))
    assert (fills[1][32], fills[1][39], fills[1][151]) == ("50", "1", "50")
    broker2.report(taker_two, "F")
    last = broker2.report(taker_two, "F")
    assert (last[14], last[151], last[39], last[6]) == ("250", "0", "2", "101")
    assert broker2.report(taker, "F")[39] == "2"


def test_an_ioc_order_trades_what_it_can_and_its_remainder_is_cancelled(
    broker1: FixClient, broker2: FixClient
) -> None:
    resting = broker1.new_order(account="BRK1-A", side="1", quantity="40", price="99.00")
    broker1.report(resting, "0")
    ioc = broker2.new_order(
        account="BRK2-A", side="2", quantity="100", price="98.00", time_in_force="3"
    )
    assert broker2.report(ioc, "F")[32] == "40"
    cancelled = broker2.report(ioc, "4")
    assert (cancelled[39], cancelled[14], cancelled[151]) == ("4", "40", "0")
    assert "IOC" in cancelled[58]


def test_an_ioc_order_with_nothing_to_trade_is_reported_cancelled(broker2: FixClient) -> None:
    ioc = broker2.new_order(
        account="BRK2-A", side="2", quantity="100", price="98.00", time_in_force="3"
    )
    broker2.report(ioc, "0")
    assert broker2.report(ioc, "4")[14] == "0"


def test_a_good_till_cancel_order_rests(broker1: FixClient) -> None:
    gtc = broker1.new_order(account="BRK1-A", time_in_force="1", price="90.00")
    assert broker1.report(gtc, "0")[59] == "1"


def test_a_cancel_request_cancels_the_open_order(broker1: FixClient) -> None:
    order = broker1.new_order(account="BRK1-A", side="1", quantity="100", price="99.00")
    order_id = broker1.report(order, "0")[37]
    cancel = broker1.cancel(order, side="1", order_id=order_id)
    report = broker1.report(cancel, "4")
    assert (report[41], report[37], report[39], report[151], report[14]) == (
        order,
        order_id,
        "4",
        "0",
        "0",
    )


def test_cancelling_an_unknown_order_gets_an_order_cancel_reject(broker1: FixClient) -> None:
    cancel = broker1.cancel("NO-SUCH-ORDER")
    reject = broker1.expect(lambda m: m.msg_type == "9" and m.get(11) == cancel)
    assert (reject[434], reject[102], reject[41]) == ("1", "1", "NO-SUCH-ORDER")
    assert "NO-SUCH-ORDER" in reject[58]


def test_cancelling_a_filled_order_is_too_late(broker1: FixClient, broker2: FixClient) -> None:
    order = broker1.new_order(account="BRK1-A", side="2", quantity="10", price="100.00")
    broker2.new_order(account="BRK2-A", side="1", quantity="10", price="100.00")
    broker1.report(order, "F")
    cancel = broker1.cancel(order, side="2")
    reject = broker1.expect(lambda m: m.msg_type == "9" and m.get(11) == cancel)
    assert (reject[434], reject[102], reject[39]) == ("1", "0", "2")


def test_a_cancel_naming_a_different_order_id_is_rejected(broker1: FixClient) -> None:
    order = broker1.new_order(account="BRK1-A", side="1", price="99.00")
    broker1.report(order, "0")
    cancel = broker1.cancel(order, side="1", order_id="O999999")
    reject = broker1.expect(lambda m: m.msg_type == "9" and m.get(11) == cancel)
    assert reject[102] == "1" and "O999999" in reject[58]


def test_another_session_cannot_cancel_an_order(broker1: FixClient, broker2: FixClient) -> None:
    order = broker1.new_order(account="BRK1-A", side="1", price="99.00")
    broker1.report(order, "0")
    cancel = broker2.cancel(order, side="1")
    assert broker2.expect(lambda m: m.msg_type == "9" and m.get(11) == cancel)[102] == "1"


def _reject(client: FixClient, clordid: str) -> dict[int, str]:
    report = client.report(clordid, "8")
    assert report[39] == "8" and report[151] == "0" and report[14] == "0"
    return report


def test_a_duplicate_clordid_is_rejected_and_changes_nothing(
    broker1: FixClient, broker2: FixClient
) -> None:
    original = broker1.new_order(account="BRK1-A", side="2", quantity="100", price="100.00")
    broker1.report(original, "0")
    broker1.new_order(
        account="BRK1-A", side="2", quantity="500", price="99.00", client_order_id=original
    )
    report = _reject(broker1, original)
    assert report[103] == "6" and "duplicate" in report[58]
    taker = broker2.new_order(
        account="BRK2-A", side="1", quantity="1000", price="100.00", time_in_force="3"
    )
    assert broker2.report(taker, "F")[32] == "100", "only the original order rests"


def test_a_duplicate_cancel_clordid_gets_cxlrejreason_6(broker1: FixClient) -> None:
    order = broker1.new_order(account="BRK1-A", side="1", price="99.00")
    broker1.report(order, "0")
    broker1.cancel(order, side="1", client_order_id=order)
    reject = broker1.expect(lambda m: m.msg_type == "9" and m.get(11) == order)
    assert reject[102] == "6"


def test_an_unknown_symbol_is_rejected_with_ordrejreason_1(broker1: FixClient) -> None:
    report = _reject(broker1, broker1.new_order(account="BRK1-A", symbol="NOPE"))
    assert report[103] == "1" and "NOPE" in report[58]


def test_an_account_the_session_may_not_trade_is_rejected(broker1: FixClient) -> None:
    report = _reject(broker1, broker1.new_order(account="BRK2-A"))
    assert report[103] == "15" and "BRK2-A" in report[58]


def test_a_price_off_the_tick_is_rejected_not_rounded(broker1: FixClient) -> None:
    report = _reject(broker1, broker1.new_order(account="BRK1-A", price="100.005"))
    assert report[103] == "99" and "tick" in report[58]


def test_the_tick_size_is_per_instrument(broker1: FixClient) -> None:
    report = _reject(broker1, broker1.new_order(account="BRK1-A", symbol="EURX", price="50.02"))
    assert "0.05" in report[58]
    accepted = broker1.new_order(account="BRK1-A", symbol="EURX", price="50.05")
    assert broker1.report(accepted, "0")[44] == "50.05"


def test_an_absurd_price_is_rejected_and_the_venue_trades_on(
    broker1: FixClient, broker2: FixClient
) -> None:
    absurd = "100000000000000000000"
    report = _reject(broker1, broker1.new_order(account="BRK1-A", price=absurd))
    assert report[103] == "99" and "bound" in report[58]
    resting = broker1.new_order(account="BRK1-A", side="2", quantity="10", price="100.00")
    broker2.new_order(account="BRK2-A", side="1", quantity="10", price="100.00")
    assert broker1.report(resting, "F")[31] == "100.00"


def test_an_order_without_an_account_is_rejected_in_a_report_the_broker_accepts(
    broker1: FixClient,
) -> None:
    report = _reject(broker1, broker1.new_order(account=None))
    assert report[103] == "15" and "Account" in report[58]
    assert 1 not in report, "no empty Account(1) in the report"


def test_a_non_positive_quantity_is_rejected_with_ordrejreason_13(broker1: FixClient) -> None:
    for quantity in ("0", "-5"):
        report = _reject(broker1, broker1.new_order(account="BRK1-A", quantity=quantity))
        assert report[103] == "13" and "positive" in report[58]


def test_a_fractional_quantity_is_rejected(broker1: FixClient) -> None:
    report = _reject(broker1, broker1.new_order(account="BRK1-A", quantity="10.5"))
    assert report[103] == "13"


def test_an_unsupported_time_in_force_is_rejected(broker1: FixClient) -> None:
    report = _reject(broker1, broker1.new_order(account="BRK1-A", time_in_force="2"))
    assert report[103] == "11" and "TimeInForce" in report[58]
    assert report[59] == "2", "the reject echoes what was sent"


def test_an_unsupported_side_is_rejected_and_echoed_as_sent(broker1: FixClient) -> None:
    report = _reject(broker1, broker1.new_order(account="BRK1-A", side="5"))
    assert report[103] == "11" and "Side" in report[58]
    assert report[54] == "5"


def test_a_resend_of_a_processed_order_is_ignored(broker1: FixClient) -> None:
    original = broker1.new_order(account="BRK1-A", price="99.00")
    broker1.report(original, "0")
    broker1.new_order(account="BRK1-A", price="99.00", client_order_id=original, header={97: "Y"})
    later = broker1.new_order(account="BRK1-A", price="98.00")
    broker1.report(later, "0")
    about_original = [m for m in broker1.settle(0.3) if m.get(11) == original]
    assert len(about_original) == 1, "no reject and no second acknowledgement"


def test_a_resend_of_an_unseen_order_is_processed(broker1: FixClient) -> None:
    order = broker1.new_order(account="BRK1-A", price="99.00", header={97: "Y"})
    broker1.report(order, "0")


def test_a_message_type_the_venue_does_not_support_gets_a_business_reject(
    broker1: FixClient,
) -> None:
    broker1.send("AF", {584: "status-1", 585: "7"})
    reject = broker1.expect(lambda m: m.msg_type == "j")
    assert (reject[380], reject[372]) == ("3", "AF")
    order = broker1.new_order(account="BRK1-A")
    broker1.report(order, "0")


def test_a_message_missing_a_required_field_gets_a_session_reject(broker1: FixClient) -> None:
    broker1.send(
        "D",
        {
            11: "missing-side",
            55: "ACME",
            38: "100",
            40: "2",
            44: "100",
            60: "20260101-00:00:00.000000",
            1: "BRK1-A",
        },
    )
    reject = broker1.expect(lambda m: m.msg_type == "3")
    assert reject[373] == "1" and reject[371] == "54"
    order = broker1.new_order(account="BRK1-A")
    broker1.report(order, "0")


def test_a_fok_order_fills_completely_or_is_cancelled_without_trading(
    broker1: FixClient, broker2: FixClient
) -> None:
    resting = broker1.new_order(account="BRK1-A", side="2", quantity="50", price="100.00")
    broker1.report(resting, "0")
    killed = broker2.new_order(
        account="BRK2-A", side="1", quantity="60", price="100.00", time_in_force="4"
    )
    broker2.report(killed, "0")
    cancelled = broker2.report(killed, "4")
    assert (cancelled[14], cancelled[59]) == ("0", "4") and "FOK" in cancelled[58]
    filled = broker2.new_order(
        account="BRK2-A", side="1", quantity="50", price="100.00", time_in_force="4"
    )
    fill = broker2.report(filled, "F")
    assert (fill[32], fill[39], fill[151]) == ("50", "2", "0")
    assert broker1.report(resting, "F")[32] == "50"


def test_a_post_only_order_rests_and_one_that_would_take_liquidity_is_rejected(
    broker1: FixClient, broker2: FixClient
) -> None:
    maker = broker1.new_order(
        account="BRK1-A", side="2", quantity="10", price="100.00", extra={18: "6"}
    )
    assert broker1.report(maker, "0")[18] == "6"
    taker = broker2.new_order(
        account="BRK2-A", side="1", quantity="10", price="100.00", extra={18: "6"}
    )
    report = _reject(broker2, taker)
    assert report[103] == "99" and "post-only" in report[58]
    assert report[18] == "6"


def test_an_unsupported_exec_inst_is_rejected_and_echoed(broker1: FixClient) -> None:
    report = _reject(broker1, broker1.new_order(account="BRK1-A", extra={18: "G"}))
    assert report[103] == "11" and "ExecInst" in report[58] and report[18] == "G"


def test_a_status_request_answers_with_the_order_as_it_stands(
    broker1: FixClient, broker2: FixClient
) -> None:
    order = broker1.new_order(account="BRK1-A", side="2", quantity="100", price="100.00")
    broker1.report(order, "0")
    broker2.new_order(account="BRK2-A", side="1", quantity="30", price="100.00")
    broker1.report(order, "F")
    broker1.send("H", {11: order, 55: "ACME", 54: "2"})
    status = broker1.report(order, "I")
    assert (status[39], status[14], status[151], status[6], status[44]) == (
        "1",
        "30",
        "70",
        "100",
        "100.00",
    )
    assert status[37] and status[17]


def test_a_status_request_for_an_unknown_order_says_so(broker1: FixClient) -> None:
    broker1.send("H", {11: "NO-SUCH-ORDER", 55: "ACME", 54: "1"})
    status = broker1.report("NO-SUCH-ORDER", "I")
    assert (status[39], status[37], status[151]) == ("8", "NONE", "0")
    assert "NO-SUCH-ORDER" in status[58]


def test_a_replace_lowering_the_quantity_keeps_priority_and_a_cancel_follows_the_chain(
    broker1: FixClient, broker2: FixClient
) -> None:
    first = broker1.new_order(account="BRK1-A", side="2", quantity="100", price="100.00")
    second = broker1.new_order(account="BRK1-B", side="2", quantity="100", price="100.00")
    broker1.report(second, "0")
    replaced_id = broker1.replace(first, quantity="60", price="100.00", side="2")
    replaced = broker1.report(replaced_id, "5")
    assert (replaced[41], replaced[38], replaced[151], replaced[39]) == (first, "60", "60", "0")
    broker2.new_order(account="BRK2-A", side="1", quantity="60", price="100.00")
    assert broker1.report(replaced_id, "F")[32] == "60", "still first in the queue"
    cancel = broker1.cancel(second, side="2")
    assert broker1.report(cancel, "4")[41] == second


def test_a_replace_to_a_crossing_price_trades_at_once(
    broker1: FixClient, broker2: FixClient
) -> None:
    resting = broker1.new_order(account="BRK1-A", side="2", quantity="10", price="101.00")
    bid = broker2.new_order(account="BRK2-A", side="1", quantity="10", price="100.00")
    broker2.report(bid, "0")
    moved = broker2.replace(bid, quantity="10", price="101.00", side="1")
    assert broker2.report(moved, "5")[44] == "101.00"
    assert broker2.report(moved, "F")[31] == "101.00"
    assert broker1.report(resting, "F")[32] == "10"


def test_a_replace_to_a_quantity_not_above_cumqty_gets_an_order_cancel_reject(
    broker1: FixClient, broker2: FixClient
) -> None:
    order = broker1.new_order(account="BRK1-A", side="2", quantity="100", price="100.00")
    broker2.new_order(account="BRK2-A", side="1", quantity="40", price="100.00")
    broker1.report(order, "F")
    attempt = broker1.replace(order, quantity="40", price="100.00", side="2")
    reject = broker1.expect(lambda m: m.msg_type == "9" and m[11] == attempt)
    assert (reject[434], reject[102], reject[39]) == ("2", "99", "1")
    assert "40" in reject[58]


def test_a_mass_cancel_reports_then_cancels_each_of_the_sessions_orders(
    broker1: FixClient, broker2: FixClient
) -> None:
    acme = broker1.new_order(account="BRK1-A", side="1", price="99.00")
    bolt = broker1.new_order(account="BRK1-B", symbol="BOLT", side="1", price="24.00")
    other = broker2.new_order(account="BRK2-A", side="1", price="98.00")
    broker1.report(bolt, "0")
    broker2.report(other, "0")
    broker1.send("q", {11: "MASS-1", 530: "1", 55: "ACME", 60: "20260101-00:00:00.000000"})
    report = broker1.expect(lambda m: m.msg_type == "r" and m[11] == "MASS-1")
    assert (report[530], report[531], report[533]) == ("1", "1", "1")
    assert broker1.report(acme, "4")[151] == "0"
    broker1.send("q", {11: "MASS-2", 530: "7", 60: "20260101-00:00:00.000000"})
    assert broker1.expect(lambda m: m.msg_type == "r" and m[11] == "MASS-2")[533] == "1"
    broker1.report(bolt, "4")
    broker2.send("H", {11: other, 55: "ACME", 54: "1"})
    assert broker2.report(other, "I")[39] == "0", "another session's order is untouched"


def test_a_mass_cancel_by_an_unsupported_scope_is_rejected(broker1: FixClient) -> None:
    broker1.send("q", {11: "MASS-X", 530: "3", 60: "20260101-00:00:00.000000"})
    report = broker1.expect(lambda m: m.msg_type == "r" and m[11] == "MASS-X")
    assert (report[531], report[532], report[533]) == ("0", "0", "0")


def test_requests_without_a_symbol_are_answered_without_an_empty_one(
    broker1: FixClient,
) -> None:
    # Symbol is optional in FIX 4.4's Instrument block; FIX allows no empty field.
    broker1.send("H", {11: "no-such-order", 54: "1"})
    status = broker1.report("no-such-order", "I")
    assert status.get(55) is None
    broker1.send(
        "D",
        {
            11: "no-symbol",
            1: "BRK1-A",
            54: "1",
            38: "10",
            40: "2",
            44: "99.00",
            60: "20260101-00:00:00.000000",
        },
    )
    rejected = broker1.report("no-symbol", "8")
    assert rejected.get(103) == "1" and rejected.get(55) is None  # unknown symbol
    broker1.assert_nothing_refused()
