"""The complete order model over real FIX sessions against `fixvenue serve`, on SQLite and
PostgreSQL: market, stop and stop-limit orders, GTD expiry, MinQty, MaxFloor icebergs and
self-trade prevention (fix_specs/rules-of-engagement.md).

ACME trades in ticks of 0.01 around its reference price 100.00, with a market band of 5%.
BROKER1 (firm BRK1, accounts BRK1-A and BRK1-B, whose default self-trade prevention is
decrement) enters the orders under test; BROKER2 (BRK2-A) and BROKER4 (BRK4-A), two other
firms, provide liquidity and print the trades that move the last trade price. Every
broker's engine validates what the venue sends with the published dictionaries, and each
test ends by checking that it refused nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fix_client import FixClient, Received, utc_timestamp
from tests.support.venue import Venue

TRIGGERED_TEXT = "stop order triggered by the last trade price"
EXPIRED_TEXT = "good-till-date order expired at its ExpireTime"


def _checked(client: FixClient) -> Iterator[FixClient]:
    """Yields the client; afterwards checks that its engine refused nothing the venue sent."""
    try:
        yield client
        client.assert_nothing_refused()
    finally:
        client.stop()


def _logged_on(venue: Venue, work_dir: Path, sender: str, begin_string: str) -> FixClient:
    return FixClient(
        sender=sender, port=venue.port, work_dir=work_dir, begin_string=begin_string
    ).start()


@pytest.fixture
def broker1(broker1: FixClient) -> Iterator[FixClient]:
    yield from _checked(broker1)


@pytest.fixture
def broker2(broker2: FixClient) -> Iterator[FixClient]:
    yield from _checked(broker2)


@pytest.fixture
def broker3(venue: Venue, tmp_path: Path) -> Iterator[FixClient]:
    yield from _checked(_logged_on(venue, tmp_path, "BROKER3", "FIX.4.2"))


@pytest.fixture
def broker4(venue: Venue, tmp_path: Path) -> Iterator[FixClient]:
    yield from _checked(_logged_on(venue, tmp_path, "BROKER4", "FIX.4.4"))


def _print_trade(seller: FixClient, buyer: FixClient, price: str) -> None:
    """A trade of 1 at `price` between BRK2-A and BRK4-A: it sets the last trade price."""
    sell = seller.new_order(account="BRK2-A", side="2", quantity="1", price=price)
    seller.report(sell, "0")
    buy = buyer.new_order(account="BRK4-A", side="1", quantity="1", price=price)
    assert buyer.report(buy, "F")[31] == price


def _exec_types(client: FixClient, order_id: str) -> list[str]:
    """The ExecType of every report the client received about one order, once quiet."""
    return [m[150] for m in client.settle() if m.msg_type == "8" and m.get(37) == order_id]


def _quantities(report: Received) -> tuple[str, str, str, str]:
    """(OrdStatus, OrderQty, CumQty, LeavesQty)."""
    return report[39], report[38], report[14], report[151]


def _in_seconds(seconds: float) -> str:
    """A UTC timestamp `seconds` from now, as ExpireTime(126) takes it."""
    return utc_timestamp(time.time() + seconds)


# -- market orders -----------------------------------------------------------------------


def test_a_market_order_trades_within_the_band_around_the_last_trade_and_the_rest_is_cancelled(
    broker1: FixClient, broker2: FixClient, broker4: FixClient
) -> None:
    _print_trade(broker2, broker4, "102.00")  # band: 102.00 + 5% = 107.10, not 105.00
    asks = [
        broker2.new_order(account="BRK2-A", side="2", quantity=quantity, price=price)
        for quantity, price in (("30", "103.00"), ("30", "107.10"), ("40", "107.11"))
    ]
    beyond_band = broker2.report(asks[2], "0")[37]

    market = broker1.new_order(
        account="BRK1-A", side="1", quantity="100", price=None, order_type="1"
    )
    new = broker1.report(market, "0")
    assert (new[40], new[59], 44 in new) == ("1", "0", False)
    first, second = broker1.report(market, "F"), broker1.report(market, "F")
    assert (first[32], first[31], *_quantities(first)) == ("30", "103.00", "1", "100", "30", "70")
    assert (second[32], second[31]) == ("30", "107.10")
    assert _quantities(second) == ("1", "100", "60", "40")
    cancelled = broker1.report(market, "4")
    assert _quantities(cancelled) == ("4", "100", "60", "0")
    assert cancelled[6] == "105.05"
    assert "price band" in cancelled[58] and "107.10 USD" in cancelled[58]
    assert _exec_types(broker2, beyond_band) == ["0"], "nothing traded beyond the band"


def test_before_the_first_trade_the_market_band_is_around_the_reference_price(
    broker1: FixClient, broker2: FixClient
) -> None:
    inside = broker2.new_order(account="BRK2-A", side="2", quantity="10", price="105.00")
    outside = broker2.new_order(account="BRK2-A", side="2", quantity="10", price="105.01")
    outside_id = broker2.report(outside, "0")[37]
    market = broker1.new_order(
        account="BRK1-A", side="1", quantity="20", price=None, order_type="1"
    )
    fill = broker1.report(market, "F")
    assert (fill[32], fill[31], *_quantities(fill)) == ("10", "105.00", "1", "20", "10", "10")
    cancelled = broker1.report(market, "4")
    assert _quantities(cancelled) == ("4", "20", "10", "0") and "105.00 USD" in cancelled[58]
    assert broker2.report(inside, "F")[39] == "2"
    assert _exec_types(broker2, outside_id) == ["0"]


# -- stop and stop-limit orders ------------------------------------------------------------


def test_a_stop_order_waits_off_the_book_until_the_last_trade_reaches_its_stop_price(
    broker1: FixClient, broker2: FixClient, broker4: FixClient
) -> None:
    ask = broker2.new_order(account="BRK2-A", side="2", quantity="50", price="101.50")
    broker2.report(ask, "0")
    stop = broker1.new_order(
        account="BRK1-A", side="1", quantity="50", price=None, order_type="3", extra={99: "101.00"}
    )
    new = broker1.report(stop, "0")
    assert (new[40], new[99], 44 in new) == ("3", "101.00", False)
    assert _quantities(new) == ("0", "50", "0", "50")
    _print_trade(broker2, broker4, "100.50")
    assert _exec_types(broker1, new[37]) == ["0"], "a last trade below a buy stop leaves it"

    _print_trade(broker2, broker4, "101.00")
    triggered = broker1.report(stop, "D")
    assert (triggered[378], triggered[58], triggered[99]) == ("99", TRIGGERED_TEXT, "101.00")
    assert _quantities(triggered) == ("0", "50", "0", "50")
    fill = broker1.report(stop, "F")
    assert (fill[32], fill[31], *_quantities(fill)) == ("50", "101.50", "2", "50", "50", "0")
    assert _exec_types(broker1, new[37]) == ["0", "D", "F"]


def test_a_stop_limit_order_trades_as_a_limit_order_once_triggered_and_its_stop_px_stays(
    broker1: FixClient, broker2: FixClient, broker4: FixClient
) -> None:
    for quantity, price in (("20", "99.00"), ("30", "98.90"), ("40", "98.80")):
        broker2.report(
            broker2.new_order(account="BRK2-A", side="1", quantity=quantity, price=price), "0"
        )
    stop_limit = broker1.new_order(
        account="BRK1-A",
        side="2",
        quantity="100",
        price="98.90",
        order_type="4",
        extra={99: "99.00"},
    )
    new = broker1.report(stop_limit, "0")
    assert (new[40], new[99], new[44]) == ("4", "99.00", "98.90")
    assert _exec_types(broker1, new[37]) == ["0"], "no trade has printed yet: it waits"

    seller = broker4.new_order(account="BRK4-A", side="2", quantity="20", price="99.00")
    assert broker4.report(seller, "F")[31] == "99.00"  # last 99.00 <= StopPx 99.00
    triggered = broker1.report(stop_limit, "D")
    assert (triggered[378], triggered[58]) == ("99", TRIGGERED_TEXT)
    fill = broker1.report(stop_limit, "F")
    assert (fill[32], fill[31], *_quantities(fill)) == ("30", "98.90", "1", "100", "30", "70")
    assert _exec_types(broker1, new[37]) == ["0", "D", "F"], "the rest waits at its limit"

    moved = broker1.replace(
        stop_limit, quantity="100", price="98.90", side="2", order_type="4", extra={99: "98.50"}
    )
    reject = broker1.expect(lambda m: m.msg_type == "9" and m[11] == moved)
    assert (reject[434], reject[102], reject[39]) == ("2", "99", "1")
    assert reject[58] == "StopPx cannot move once the stop has triggered"

    buyer = broker4.new_order(account="BRK4-A", side="1", quantity="70", price="98.90")
    assert broker4.report(buyer, "F")[32] == "70"
    last = broker1.report(stop_limit, "F")
    assert (last[32], *_quantities(last)) == ("70", "2", "100", "100", "0")


def test_a_stop_order_the_last_trade_already_reached_triggers_on_arrival(
    broker1: FixClient, broker2: FixClient, broker4: FixClient
) -> None:
    _print_trade(broker2, broker4, "100.00")
    bid = broker2.new_order(account="BRK2-A", side="1", quantity="10", price="99.80")
    broker2.report(bid, "0")
    stop = broker1.new_order(
        account="BRK1-A", side="2", quantity="10", price=None, order_type="3", extra={99: "100.50"}
    )
    order_id = broker1.report(stop, "0")[37]
    assert broker1.report(stop, "D")[378] == "99"
    fill = broker1.report(stop, "F")
    assert (fill[32], fill[31], *_quantities(fill)) == ("10", "99.80", "2", "10", "10", "0")
    assert _exec_types(broker1, order_id) == ["0", "D", "F"]


def test_a_stop_order_cancelled_before_its_trigger_never_triggers(
    broker1: FixClient, broker2: FixClient, broker4: FixClient
) -> None:
    stop = broker1.new_order(
        account="BRK1-A", side="1", quantity="10", price=None, order_type="3", extra={99: "101.00"}
    )
    order_id = broker1.report(stop, "0")[37]
    cancel = broker1.cancel(stop, side="1")
    cancelled = broker1.report(cancel, "4")
    assert (cancelled[41], cancelled[99]) == (stop, "101.00")
    assert _quantities(cancelled) == ("4", "10", "0", "0")
    ask = broker2.new_order(account="BRK2-A", side="2", quantity="10", price="101.50")
    broker2.report(ask, "0")  # what the stop would buy, had it triggered
    _print_trade(broker2, broker4, "101.00")
    assert _exec_types(broker1, order_id) == ["0", "4"]


def test_a_replace_moves_the_stop_price_of_a_stop_order_before_its_trigger(
    broker1: FixClient, broker2: FixClient, broker4: FixClient
) -> None:
    stop = broker1.new_order(
        account="BRK1-A", side="1", quantity="10", price=None, order_type="3", extra={99: "101.00"}
    )
    order_id = broker1.report(stop, "0")[37]
    moved = broker1.replace(stop, quantity="10", price=None, order_type="3", extra={99: "102.00"})
    replaced = broker1.report(moved, "5")
    assert (replaced[41], replaced[99], replaced[40]) == (stop, "102.00", "3")
    assert _quantities(replaced) == ("0", "10", "0", "10")
    _print_trade(broker2, broker4, "101.00")
    assert _exec_types(broker1, order_id) == ["0", "5"], "the old StopPx no longer applies"

    ask = broker2.new_order(account="BRK2-A", side="2", quantity="10", price="102.50")
    broker2.report(ask, "0")
    _print_trade(broker2, broker4, "102.00")
    assert broker1.report(moved, "D")[99] == "102.00"
    fill = broker1.report(moved, "F")
    assert (fill[32], fill[31], *_quantities(fill)) == ("10", "102.50", "2", "10", "10", "0")


# -- good till date ------------------------------------------------------------------------


def test_a_gtd_order_expires_at_its_expire_time_and_keeps_what_it_filled(
    broker1: FixClient, broker2: FixClient
) -> None:
    expire_time = _in_seconds(2.5)
    order = broker1.new_order(
        account="BRK1-A",
        side="2",
        quantity="100",
        price="100.00",
        time_in_force="6",
        extra={126: expire_time},
    )
    new = broker1.report(order, "0")
    assert (new[59], new[126]) == ("6", expire_time)
    broker2.new_order(account="BRK2-A", side="1", quantity="40", price="100.00")
    assert _quantities(broker1.report(order, "F")) == ("1", "100", "40", "60")

    expired = broker1.report(order, "C", timeout=10)
    assert _quantities(expired) == ("C", "100", "40", "0")
    assert (expired[126], expired[58], expired[6]) == (expire_time, EXPIRED_TEXT, "100")
    assert expired[60] >= expire_time, "not before its expire time"
    taker = broker2.new_order(
        account="BRK2-A", side="1", quantity="60", price="100.00", time_in_force="3"
    )
    assert broker2.report(taker, "4")[14] == "0", "the expired order left the book"


def test_a_gtd_order_whose_time_passed_while_the_venue_was_down_expires_at_start_up(
    venue: Venue, tmp_path: Path
) -> None:
    broker = _logged_on(venue, tmp_path, "BROKER1", "FIX.4.4")
    # Time to place the order, log off and stop the venue, also on a loaded CI machine.
    expire_at = time.time() + 10
    expire_time = utc_timestamp(expire_at)
    order = broker.new_order(
        account="BRK1-A",
        side="1",
        quantity="100",
        price="99.00",
        time_in_force="6",
        extra={126: expire_time},
    )
    broker.report(order, "0")
    broker.stop(wait_logout=True)
    assert venue.stop() == 0
    assert time.time() < expire_at, "the venue must stop before the expire time"
    time.sleep(expire_at - time.time() + 0.5)

    venue.start()
    broker = _logged_on(venue, tmp_path, "BROKER1", "FIX.4.4")
    expired = broker.report(order, "C")
    assert _quantities(expired) == ("C", "100", "0", "0")
    assert (expired[59], expired[126], expired[58]) == ("6", expire_time, EXPIRED_TEXT)
    assert expired.get(43) == "Y", "sent while the broker was logged off: a resend"
    seller = _logged_on(venue, tmp_path, "BROKER2", "FIX.4.4")
    taker = seller.new_order(
        account="BRK2-A", side="2", quantity="100", price="99.00", time_in_force="3"
    )
    assert seller.report(taker, "4")[14] == "0", "the expired order is not on the book"
    for client in (broker, seller):
        client.assert_nothing_refused()
        client.stop()


# -- MinQty and MaxFloor -------------------------------------------------------------------


def test_an_ioc_order_with_min_qty_trades_only_if_at_least_min_qty_trades_at_once(
    broker1: FixClient, broker2: FixClient
) -> None:
    resting = broker2.new_order(account="BRK2-A", side="2", quantity="50", price="100.00")
    resting_id = broker2.report(resting, "0")[37]

    unmet = broker1.new_order(
        account="BRK1-A", quantity="100", price="100.00", time_in_force="3", extra={110: "60"}
    )
    assert broker1.report(unmet, "0")[110] == "60"
    cancelled = broker1.report(unmet, "4")
    assert _quantities(cancelled) == ("4", "100", "0", "0")
    assert "MinQty 60 not met" in cancelled[58]
    assert _exec_types(broker2, resting_id) == ["0"], "the book is as it was"

    met = broker1.new_order(
        account="BRK1-A", quantity="100", price="100.00", time_in_force="3", extra={110: "50"}
    )
    fill = broker1.report(met, "F")
    assert (fill[32], fill[110], *_quantities(fill)) == ("50", "50", "1", "100", "50", "50")
    assert _quantities(broker1.report(met, "4")) == ("4", "100", "50", "0")
    assert broker2.report(resting, "F")[39] == "2"


def test_an_iceberg_shows_max_floor_and_each_new_slice_joins_the_back_of_its_level(
    broker1: FixClient, broker2: FixClient, broker4: FixClient
) -> None:
    iceberg = broker1.new_order(
        account="BRK1-A", side="2", quantity="100", price="100.00", extra={111: "30"}
    )
    assert broker1.report(iceberg, "0")[111] == "30"
    behind = broker4.new_order(account="BRK4-A", side="2", quantity="20", price="100.00")
    broker4.report(behind, "0")

    first_taker = broker2.new_order(account="BRK2-A", side="1", quantity="30", price="100.00")
    assert broker2.report(first_taker, "F")[39] == "2"
    slice_one = broker1.report(iceberg, "F")
    assert (slice_one[32], slice_one[111]) == ("30", "30")
    assert _quantities(slice_one) == ("1", "100", "30", "70")

    second_taker = broker2.new_order(account="BRK2-A", side="1", quantity="30", price="100.00")
    behind_fill = broker4.report(behind, "F")
    assert (behind_fill[32], behind_fill[39]) == ("20", "2"), "queued after it, trades first"
    slice_two = broker1.report(iceberg, "F")
    assert (slice_two[32], *_quantities(slice_two)) == ("10", "1", "100", "40", "60")
    fills = [m for m in broker2.settle() if m.get(11) == second_taker and m[150] == "F"]
    assert [fill[32] for fill in fills] == ["20", "10"]


def test_instructions_the_order_cannot_carry_are_rejected_with_the_matching_reason(
    broker1: FixClient,
) -> None:
    cases = [
        # (what, time in force, order type, price, extra fields, OrdRejReason, Text has)
        ("GTD without ExpireTime", "6", "2", "99.00", {}, "11", "ExpireTime"),
        ("ExpireTime on GTC", "1", "2", "99.00", {126: _in_seconds(60)}, "11", "GTD"),
        ("ExpireTime passed", "6", "2", "99.00", {126: _in_seconds(-60)}, "4", "passed"),
        ("MinQty on Day", "0", "2", "99.00", {110: "10"}, "11", "MinQty"),
        ("MinQty above OrderQty", "3", "2", "99.00", {110: "101"}, "13", "MinQty"),
        ("MaxFloor on IOC", "3", "2", "99.00", {111: "10"}, "11", "MaxFloor"),
        ("MaxFloor on FOK", "4", "2", "99.00", {111: "10"}, "11", "MaxFloor"),
        ("MaxFloor on market", "0", "1", None, {111: "10"}, "11", "MaxFloor"),
    ]
    for what, time_in_force, order_type, price, extra, reason, text in cases:
        order = broker1.new_order(
            account="BRK1-A",
            quantity="100",
            price=price,
            time_in_force=time_in_force,
            order_type=order_type,
            extra=extra,
        )
        report = broker1.report(order, "8")
        assert (report[103], *_quantities(report)) == (reason, "8", "100", "0", "0"), what
        assert text in report[58], (what, report[58])


# -- self-trade prevention -----------------------------------------------------------------


def test_by_default_self_trade_prevention_cancels_the_resting_order_and_7928_overrides_it(
    broker1: FixClient,
) -> None:
    for aggressor_account, instruction, price in (
        ("BRK1-A", {}, "100.00"),  # no tag, no account default: cancel resting
        ("BRK1-B", {7928: "O"}, "101.00"),  # the tag overrides BRK1-B's default, decrement
    ):
        resting = broker1.new_order(account="BRK1-A", side="2", quantity="100", price=price)
        resting_id = broker1.report(resting, "0")[37]
        aggressor = broker1.new_order(
            account=aggressor_account, side="1", quantity="60", price=price, extra=instruction
        )
        aggressor_id = broker1.report(aggressor, "0")[37]
        cancelled = broker1.report(resting, "4")
        assert _quantities(cancelled) == ("4", "100", "0", "0")
        assert "self-trade prevention (cancel resting)" in cancelled[58]
        assert _exec_types(broker1, aggressor_id) == ["0"], "no trade; the aggressor rests"
        assert _exec_types(broker1, resting_id) == ["0", "4"]


def test_self_trade_prevention_n_cancels_the_aggressor_and_b_cancels_both(
    broker1: FixClient,
) -> None:
    resting = broker1.new_order(account="BRK1-A", side="2", quantity="100", price="100.00")
    resting_id = broker1.report(resting, "0")[37]

    newest = broker1.new_order(
        account="BRK1-B", side="1", quantity="60", price="100.00", extra={7928: "N"}
    )
    cancelled = broker1.report(newest, "4")
    assert _quantities(cancelled) == ("4", "60", "0", "0")
    assert f"self-trade prevention (cancel aggressor) against order {resting_id}" in cancelled[58]
    assert _exec_types(broker1, resting_id) == ["0"], "the resting order stays"

    both = broker1.new_order(
        account="BRK1-A", side="1", quantity="60", price="100.00", extra={7928: "B"}
    )
    both_id = broker1.report(both, "0")[37]
    assert _quantities(broker1.report(resting, "4")) == ("4", "100", "0", "0")
    assert _quantities(broker1.report(both, "4")) == ("4", "60", "0", "0")
    assert _exec_types(broker1, both_id) == ["0", "4"]
    assert _exec_types(broker1, resting_id) == ["0", "4"]


def test_self_trade_prevention_d_shrinks_both_orders_by_the_smaller_quantity_without_a_trade(
    broker1: FixClient,
) -> None:
    resting = broker1.new_order(account="BRK1-A", side="2", quantity="100", price="100.00")
    resting_id = broker1.report(resting, "0")[37]

    smaller = broker1.new_order(
        account="BRK1-A", side="1", quantity="30", price="100.00", extra={7928: "D"}
    )
    assert _quantities(broker1.report(smaller, "4")) == ("4", "30", "0", "0")
    restated = broker1.report(resting, "D")
    assert (restated[378], *_quantities(restated)) == ("5", "0", "70", "0", "70")
    assert "self-trade prevention (decrement)" in restated[58]

    larger = broker1.new_order(
        account="BRK1-A", side="1", quantity="100", price="100.00", extra={7928: "D"}
    )
    larger_id = broker1.report(larger, "0")[37]
    assert _quantities(broker1.report(resting, "4")) == ("4", "70", "0", "0")
    restated = broker1.report(larger, "D")
    assert (restated[378], *_quantities(restated)) == ("5", "0", "30", "0", "30")
    assert _exec_types(broker1, larger_id) == ["0", "D"], "the rest of it rests"
    assert _exec_types(broker1, resting_id) == ["0", "D", "4"]


def test_an_account_default_of_decrement_applies_to_orders_without_the_tag(
    broker1: FixClient,
) -> None:
    resting = broker1.new_order(account="BRK1-A", side="2", quantity="100", price="100.00")
    broker1.report(resting, "0")
    aggressor = broker1.new_order(account="BRK1-B", side="1", quantity="40", price="100.00")
    aggressor_id = broker1.report(aggressor, "0")[37]
    assert _quantities(broker1.report(aggressor, "4")) == ("4", "40", "0", "0")
    restated = broker1.report(resting, "D")
    assert (restated[378], *_quantities(restated)) == ("5", "0", "60", "0", "60")
    assert _exec_types(broker1, aggressor_id) == ["0", "4"]


def test_orders_of_different_firms_trade_whatever_their_self_trade_instruction(
    broker1: FixClient, broker2: FixClient
) -> None:
    resting = broker1.new_order(
        account="BRK1-B", side="2", quantity="100", price="100.00", extra={7928: "B"}
    )
    broker1.report(resting, "0")
    aggressor = broker2.new_order(
        account="BRK2-A", side="1", quantity="100", price="100.00", extra={7928: "N"}
    )
    assert _quantities(broker2.report(aggressor, "F")) == ("2", "100", "100", "0")
    assert _quantities(broker1.report(resting, "F")) == ("2", "100", "100", "0")


def test_an_unknown_self_trade_prevention_value_fails_the_dictionary_with_a_session_reject(
    broker1: FixClient,
) -> None:
    # 7928 lists its values (O, N, B, D) in both data dictionaries, so QuickFIX refuses any
    # other before the venue sees the order: no ExecutionReport, and the session stays up.
    refused = broker1.new_order(account="BRK1-A", price="99.00", extra={7928: "X"})
    reject = broker1.expect(lambda m: m.msg_type == "3", what="session Reject")
    assert (reject[372], reject[371], reject[373]) == ("D", "7928", "5")
    later = broker1.new_order(account="BRK1-A", price="99.00", extra={7928: "D"})
    broker1.report(later, "0")
    assert not [m for m in broker1.settle() if m.get(11) == refused]


# -- FIX 4.2 -------------------------------------------------------------------------------


def test_a_fix42_gtd_order_is_reported_expired_with_exec_type_c(broker3: FixClient) -> None:
    expire_time = _in_seconds(2)
    order = broker3.new_order(
        account="BRK3-A",
        side="1",
        quantity="50",
        price="99.00",
        time_in_force="6",
        extra={126: expire_time},
    )
    new = broker3.report(order, "0")
    assert (new[8], new[20], new[59], new[126]) == ("FIX.4.2", "0", "6", expire_time)
    expired = broker3.report(order, "C", timeout=10)
    assert (expired[20], expired[126], expired[58]) == ("0", expire_time, EXPIRED_TEXT)
    assert _quantities(expired) == ("C", "50", "0", "0")


def test_a_fix42_stop_order_is_reported_triggered_with_exec_type_d_and_no_restatement_reason(
    broker3: FixClient, broker1: FixClient, broker2: FixClient, broker4: FixClient
) -> None:
    bid = broker1.new_order(account="BRK1-A", side="1", quantity="40", price="99.40")
    broker1.report(bid, "0")
    stop = broker3.new_order(
        account="BRK3-A", side="2", quantity="40", price=None, order_type="3", extra={99: "99.50"}
    )
    new = broker3.report(stop, "0")
    assert (new[20], new[40], new[99]) == ("0", "3", "99.50")

    _print_trade(broker2, broker4, "99.50")
    triggered = broker3.report(stop, "D")
    assert (triggered[20], triggered[58], 378 in triggered) == ("0", TRIGGERED_TEXT, False)
    assert _quantities(triggered) == ("0", "40", "0", "40")
    fill = broker3.report(stop, "2")
    assert (fill[20], fill[32], fill[31]) == ("0", "40", "99.40")
    assert _quantities(fill) == ("2", "40", "40", "0")
    assert 851 not in fill and 527 not in fill
    assert broker1.report(bid, "F")[32] == "40"
