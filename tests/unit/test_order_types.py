"""TradingCore scenarios for market, stop and stop-limit orders, GTD expiry, MinQty,
iceberg orders, self-trade prevention and trading halts."""

from __future__ import annotations

import dataclasses

import pytest

from fixvenue.domain.events import (
    CancelRejected,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderRejected,
    OrderRestated,
    OrderTriggered,
    TradingPhaseChanged,
)
from fixvenue.domain.values import (
    CancelRejectReason,
    OrderRejectReason,
    OrderStatus,
    SelfTradePrevention,
    TimeInForce,
    TradingPhase,
)
from tests.unit.builders import (
    A1,
    A1B,
    ACME,
    BOLT,
    BUY,
    EPOCH_US,
    FOK,
    GTC,
    GTD,
    IOC,
    LIMIT,
    MARKET,
    S1,
    S2,
    SELL,
    STOP,
    STOP_LIMIT,
    Driver,
    cancel,
    fills,
    halt,
    kinds,
    levels,
    place,
    reopen,
    replace,
    single,
)

CANCEL_RESTING = SelfTradePrevention.CANCEL_RESTING
CANCEL_AGGRESSOR = SelfTradePrevention.CANCEL_AGGRESSOR
CANCEL_BOTH = SelfTradePrevention.CANCEL_BOTH
DECREMENT = SelfTradePrevention.DECREMENT


def trade_at(driver: Driver, price: int, symbol: str = ACME) -> None:
    """Prints a trade of 1 at `price` between the two firms, leaving the book as it was."""
    driver.send_all(
        place(f"TS{driver.core.last_sequence}", SELL, 1, price, session=S2, symbol=symbol),
        place(f"TB{driver.core.last_sequence}", BUY, 1, price, symbol=symbol),
    )
    assert driver.core.last_trade_prices[symbol] == price


# -- market orders -------------------------------------------------------------------


def test_a_market_order_sweeps_the_book_at_the_resting_prices() -> None:
    driver = Driver.fresh()
    driver.send_all(
        place("S1", SELL, 3, 10_000, session=S2), place("S2", SELL, 4, 10_010, session=S2)
    )
    events = driver.send(place("B1", BUY, 7, None, order_type=MARKET))
    assert kinds(events) == [
        "new B1",
        "fill S1 3@10000",
        "fill B1 3@10000",
        "fill S2 4@10010",
        "fill B1 4@10010",
    ]
    assert single(events[:1], OrderAccepted).order.price is None


def test_a_market_order_trades_only_within_the_band_around_the_reference_price() -> None:
    driver = Driver.fresh()
    # Reference 100.00 and a 5% band: a market buy may pay up to 105.00.
    driver.send_all(
        place("S1", SELL, 2, 10_500, session=S2), place("S2", SELL, 2, 10_501, session=S2)
    )
    events = driver.send(place("B1", BUY, 4, None, order_type=MARKET))
    assert kinds(events) == ["new B1", "fill S1 2@10500", "fill B1 2@10500", "cancelled B1"]
    cancelled = single(events[3:], OrderCancelled)
    assert "105.00 USD" in cancelled.text
    assert cancelled.order.cumulative_quantity == 2 and cancelled.order.leaves_quantity == 0
    assert levels(driver.core.books[ACME]) == ([], [(10_501, 2, 1)])


def test_the_market_band_follows_the_last_trade_price() -> None:
    driver = Driver.fresh()
    trade_at(driver, 9_000)
    driver.send(place("B0", BUY, 5, 8_550, session=S2))  # 5% under 90.00
    driver.send(place("B9", BUY, 5, 8_549, session=S2))
    events = driver.send(place("S1", SELL, 10, None, order_type=MARKET))
    assert kinds(events) == ["new S1", "fill B0 5@8550", "fill S1 5@8550", "cancelled S1"]


def test_a_market_order_that_finds_no_liquidity_is_cancelled_not_left_silent() -> None:
    driver = Driver.fresh()
    events = driver.send(place("B1", BUY, 5, None, order_type=MARKET, time_in_force=GTC))
    assert kinds(events) == ["new B1", "cancelled B1"]
    assert driver.core.open_orders == {}


def test_a_market_order_with_a_price_is_rejected() -> None:
    rejected = single(
        Driver.fresh().send(place("B1", BUY, 5, 100, order_type=MARKET)), OrderRejected
    )
    assert rejected.reason is OrderRejectReason.INVALID_PRICE
    assert "takes no Price" in rejected.text


def test_a_fok_market_order_is_all_or_nothing_within_the_band() -> None:
    driver = Driver.fresh()
    driver.send(place("S1", SELL, 3, 10_000, session=S2))
    events = driver.send(place("B1", BUY, 4, None, order_type=MARKET, time_in_force=FOK))
    assert kinds(events) == ["new B1", "cancelled B1"]
    assert levels(driver.core.books[ACME]) == ([], [(10_000, 3, 1)])


# -- stop and stop-limit orders --------------------------------------------------------


def test_a_stop_order_waits_off_the_book_until_the_last_trade_reaches_its_stop_price() -> None:
    driver = Driver.fresh()
    events = driver.send(place("STP", BUY, 5, None, order_type=STOP, stop_price=10_100))
    assert kinds(events) == ["new STP"]
    assert single(events, OrderAccepted).order.stop_price == 10_100
    assert levels(driver.core.books[ACME]) == ([], [])
    driver.send(place("S1", SELL, 5, 10_200, session=S2))
    trade_at(driver, 10_050)
    assert "STP" in [o.client_order_id for o in driver.core.open_orders.values()]
    assert levels(driver.core.books[ACME]) == ([], [(10_200, 5, 1)]), "not triggered yet"


def test_a_buy_stop_triggers_on_a_trade_at_its_stop_price_and_trades_as_a_market_order() -> None:
    driver = Driver.fresh()
    driver.send_all(
        place("STP", BUY, 5, None, order_type=STOP, stop_price=10_100),
        place("S1", SELL, 1, 10_100, session=S2),
        place("S2", SELL, 5, 10_200, session=S2),
    )
    events = driver.send(place("B1", BUY, 1, 10_100, session=S1, account=A1))
    assert kinds(events) == [
        "new B1",
        "fill S1 1@10100",
        "fill B1 1@10100",
        "triggered STP",
        "fill S2 5@10200",
        "fill STP 5@10200",
    ]
    triggered = single(events[3:4], OrderTriggered)
    assert triggered.order.status is OrderStatus.NEW and triggered.order.leaves_quantity == 5


def test_a_sell_stop_limit_triggers_at_or_below_its_stop_price_and_rests_at_its_limit() -> None:
    driver = Driver.fresh()
    driver.send(
        place("STP", SELL, 5, 9_800, order_type=STOP_LIMIT, stop_price=9_900, time_in_force=GTC)
    )
    driver.send(place("B1", BUY, 2, 9_800, session=S2))
    events = driver.send_all(
        place("S9", SELL, 1, 9_850, session=S2), place("B9", BUY, 1, 9_850, account=A1)
    )
    assert kinds(events)[-3:] == ["triggered STP", "fill B1 2@9800", "fill STP 2@9800"]
    assert levels(driver.core.books[ACME]) == ([], [(9_800, 3, 1)])


def test_a_stop_whose_price_was_already_reached_triggers_on_entry() -> None:
    driver = Driver.fresh()
    trade_at(driver, 10_000)
    driver.send(place("S1", SELL, 5, 10_010, session=S2))
    events = driver.send(place("STP", BUY, 5, None, order_type=STOP, stop_price=9_990))
    assert kinds(events) == ["new STP", "triggered STP", "fill S1 5@10010", "fill STP 5@10010"]


def test_triggered_stops_cascade_lowest_buy_stop_first() -> None:
    driver = Driver.fresh()
    driver.send_all(
        place("HIGH", BUY, 1, None, order_type=STOP, stop_price=10_200),
        place("LOW", BUY, 1, None, order_type=STOP, stop_price=10_100),
        place("S1", SELL, 1, 10_100, session=S2),
        place("S2", SELL, 1, 10_200, session=S2),
        place("S3", SELL, 1, 10_300, session=S2),
    )
    events = driver.send(place("B1", BUY, 1, 10_100, account=A1))
    assert kinds(events) == [
        "new B1",
        "fill S1 1@10100",
        "fill B1 1@10100",
        "triggered LOW",  # 101.00 reached LOW; its trade at 102.00 reaches HIGH
        "fill S2 1@10200",
        "fill LOW 1@10200",
        "triggered HIGH",
        "fill S3 1@10300",
        "fill HIGH 1@10300",
    ]


def test_a_stop_can_be_cancelled_before_it_triggers_and_then_never_triggers() -> None:
    driver = Driver.fresh()
    driver.send(place("STP", BUY, 5, None, order_type=STOP, stop_price=10_100))
    cancelled = single(driver.send(cancel("C1", "STP", BUY)), OrderCancelled)
    assert cancelled.order.status is OrderStatus.CANCELLED
    driver.send(place("S1", SELL, 5, 10_200, session=S2))
    trade_at(driver, 10_100)
    assert not any(isinstance(event, OrderTriggered) for event in driver.events)
    assert levels(driver.core.books[ACME]) == ([], [(10_200, 5, 1)])


def test_a_stop_order_without_a_stop_price_is_rejected() -> None:
    for order_type, price in ((STOP, None), (STOP_LIMIT, 100)):
        rejected = single(
            Driver.fresh().send(place("B1", BUY, 5, price, order_type=order_type)), OrderRejected
        )
        assert rejected.reason is OrderRejectReason.INVALID_PRICE
        assert "StopPx" in rejected.text


def test_a_limit_order_with_a_stop_price_is_rejected() -> None:
    rejected = single(Driver.fresh().send(place("B1", BUY, 5, 100, stop_price=90)), OrderRejected)
    assert rejected.reason is OrderRejectReason.INVALID_PRICE


def test_a_replace_moves_a_waiting_stop_and_may_trigger_it_at_once() -> None:
    driver = Driver.fresh()
    trade_at(driver, 10_000)
    driver.send_all(
        place("STP", BUY, 5, 10_300, order_type=STOP_LIMIT, stop_price=10_200),
        place("S1", SELL, 5, 10_250, session=S2),
    )
    events = driver.send(
        replace("R1", "STP", BUY, 5, 10_300, order_type=STOP_LIMIT, stop_price=10_000)
    )
    assert kinds(events) == [
        "replaced R1 5@10300",
        "triggered R1",
        "fill S1 5@10250",
        "fill R1 5@10250",
    ]


def test_a_replace_cannot_change_the_order_type() -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 5, 100))
    rejected = single(
        driver.send(replace("R1", "B1", BUY, 5, None, order_type=MARKET)), CancelRejected
    )
    assert rejected.reason is CancelRejectReason.INVALID_REPLACEMENT
    assert "order type" in rejected.text


# -- good till date --------------------------------------------------------------------


def test_a_gtd_order_expires_at_its_expire_time_also_when_partly_filled() -> None:
    driver = Driver.fresh()
    expire = EPOCH_US + 60_000_000
    driver.send(place("B1", BUY, 10, 100, time_in_force=GTD, expire_time_us=expire))
    driver.send(place("S1", SELL, 4, 100, session=S2))
    assert driver.core.next_expiry_us == expire
    assert driver.expire_at(expire - 1) == []
    events = driver.expire_at(expire)
    expired = single(events, OrderExpired)
    assert expired.order.status is OrderStatus.EXPIRED
    assert (expired.order.cumulative_quantity, expired.order.leaves_quantity) == (4, 0)
    assert levels(driver.core.books[ACME]) == ([], [])
    assert driver.core.next_expiry_us is None


def test_orders_expire_in_expire_time_order_and_cancelled_ones_are_skipped() -> None:
    driver = Driver.fresh()
    driver.send_all(
        place("LATE", BUY, 1, 100, time_in_force=GTD, expire_time_us=EPOCH_US + 3_000),
        place("EARLY", SELL, 1, 200, time_in_force=GTD, expire_time_us=EPOCH_US + 2_000),
        place("GONE", SELL, 1, 300, time_in_force=GTD, expire_time_us=EPOCH_US + 1_000),
        place("GTC", SELL, 1, 400, time_in_force=GTC),
    )
    driver.send(cancel("C1", "GONE", SELL))
    assert driver.core.next_expiry_us == EPOCH_US + 2_000
    assert kinds(driver.expire_at(EPOCH_US + 5_000)) == ["expired EARLY", "expired LATE"]
    assert [o.client_order_id for o in driver.core.open_orders.values()] == ["GTC"]


def test_a_gtd_order_whose_expire_time_has_passed_is_rejected() -> None:
    driver = Driver.fresh()
    rejected = single(
        driver.send(place("B1", BUY, 1, 100, time_in_force=GTD, expire_time_us=EPOCH_US)),
        OrderRejected,
    )
    assert rejected.reason is OrderRejectReason.TOO_LATE_TO_ENTER


def test_an_expire_time_needs_gtd_and_gtd_needs_an_expire_time() -> None:
    driver = Driver.fresh()
    without = single(driver.send(place("B1", BUY, 1, 100, time_in_force=GTD)), OrderRejected)
    stray = single(
        driver.send(place("B2", BUY, 1, 100, expire_time_us=EPOCH_US + 10**9)), OrderRejected
    )
    for rejected in (without, stray):
        assert rejected.reason is OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC
        assert "ExpireTime" in rejected.text


def test_a_waiting_gtd_stop_expires_too() -> None:
    driver = Driver.fresh()
    driver.send(
        place(
            "STP",
            BUY,
            5,
            None,
            order_type=STOP,
            stop_price=10_100,
            time_in_force=GTD,
            expire_time_us=EPOCH_US + 1_000,
        )
    )
    assert kinds(driver.expire_at(EPOCH_US + 1_000)) == ["expired STP"]
    trade_at(driver, 10_100)
    assert not any(isinstance(event, OrderTriggered) for event in driver.events)


# -- MinQty ----------------------------------------------------------------------------


def test_an_ioc_with_minqty_trades_when_enough_is_there_at_once() -> None:
    driver = Driver.fresh()
    driver.send_all(place("S1", SELL, 3, 100, session=S2), place("S2", SELL, 3, 101, session=S2))
    events = driver.send(place("B1", BUY, 10, 101, time_in_force=IOC, minimum_quantity=6))
    assert kinds(events) == [
        "new B1",
        "fill S1 3@100",
        "fill B1 3@100",
        "fill S2 3@101",
        "fill B1 3@101",
        "cancelled B1",
    ]


def test_an_ioc_with_minqty_does_not_trade_when_less_is_there() -> None:
    driver = Driver.fresh()
    driver.send(place("S1", SELL, 5, 100, session=S2))
    events = driver.send(place("B1", BUY, 10, 100, time_in_force=IOC, minimum_quantity=6))
    assert kinds(events) == ["new B1", "cancelled B1"]
    assert "MinQty 6" in single(events[1:], OrderCancelled).text
    assert levels(driver.core.books[ACME]) == ([], [(100, 5, 1)])


@pytest.mark.parametrize(
    ("time_in_force", "minimum", "reason"),
    [
        (GTC, 1, OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC),
        (IOC, 0, OrderRejectReason.INCORRECT_QUANTITY),
        (FOK, 11, OrderRejectReason.INCORRECT_QUANTITY),
    ],
)
def test_minqty_is_only_for_ioc_and_fok_and_within_the_quantity(
    time_in_force: TimeInForce, minimum: int, reason: OrderRejectReason
) -> None:
    events = Driver.fresh().send(
        place("B1", BUY, 10, 100, time_in_force=time_in_force, minimum_quantity=minimum)
    )
    assert single(events, OrderRejected).reason is reason


# -- iceberg ---------------------------------------------------------------------------


def test_an_iceberg_shows_only_its_display_quantity() -> None:
    driver = Driver.fresh()
    driver.send(place("ICE", SELL, 100, 100, display_quantity=10, session=S2))
    assert levels(driver.core.books[ACME]) == ([], [(100, 10, 1)])


def test_an_iceberg_refreshes_from_hidden_quantity_at_the_back_of_its_level() -> None:
    driver = Driver.fresh()
    driver.send_all(
        place("ICE", SELL, 25, 100, display_quantity=10, session=S2),
        place("LATER", SELL, 5, 100, session=S2),
    )
    events = driver.send(place("B1", BUY, 18, 100))
    assert [f"{e.order.client_order_id} {e.fill.quantity}" for e in fills(events)] == [
        "ICE 10",
        "B1 10",
        "LATER 5",  # the refreshed slice queued behind LATER
        "B1 5",
        "ICE 3",
        "B1 3",
    ]
    assert levels(driver.core.books[ACME]) == ([], [(100, 7, 1)])
    assert [o.order_id for o in driver.core.books[ACME].orders(SELL)] == ["O1"]


def test_an_iceberg_that_trades_on_entry_rests_with_a_fresh_slice() -> None:
    driver = Driver.fresh()
    driver.send(place("S1", SELL, 4, 100, session=S2))
    driver.send(place("ICE", BUY, 30, 100, display_quantity=10))
    assert levels(driver.core.books[ACME]) == ([(100, 10, 1)], [])
    [order] = driver.core.open_orders.values()
    assert order.leaves_quantity == 26


@pytest.mark.parametrize(
    ("display", "time_in_force", "reason"),
    [
        (0, GTC, OrderRejectReason.INCORRECT_QUANTITY),
        (11, GTC, OrderRejectReason.INCORRECT_QUANTITY),
        (5, IOC, OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC),
    ],
)
def test_maxfloor_must_fit_the_order_and_the_order_must_be_able_to_rest(
    display: int, time_in_force: TimeInForce, reason: OrderRejectReason
) -> None:
    events = Driver.fresh().send(
        place("B1", BUY, 10, 100, display_quantity=display, time_in_force=time_in_force)
    )
    assert single(events, OrderRejected).reason is reason


# -- self-trade prevention -------------------------------------------------------------


def test_by_default_the_resting_order_of_the_same_firm_is_cancelled() -> None:
    driver = Driver.fresh()
    driver.send_all(
        place("OWN", SELL, 5, 100, account=A1), place("OTHER", SELL, 5, 100, session=S2)
    )
    events = driver.send(place("B1", BUY, 5, 100, account=A1))
    assert kinds(events) == ["new B1", "cancelled OWN", "fill OTHER 5@100", "fill B1 5@100"]
    assert "cancel resting" in single(events[1:2], OrderCancelled).text


def test_cancel_aggressor_keeps_the_resting_order_and_ends_the_aggressor() -> None:
    driver = Driver.fresh()
    driver.send_all(place("OTHER", SELL, 2, 99, session=S2), place("OWN", SELL, 5, 100, account=A1))
    events = driver.send(place("B1", BUY, 5, 100, self_trade_prevention=CANCEL_AGGRESSOR))
    assert kinds(events) == ["new B1", "fill OTHER 2@99", "fill B1 2@99", "cancelled B1"]
    assert "against order O2" in single(events[3:], OrderCancelled).text
    assert levels(driver.core.books[ACME]) == ([], [(100, 5, 1)])


def test_cancel_both_cancels_the_resting_order_and_the_aggressor() -> None:
    driver = Driver.fresh()
    driver.send(place("OWN", SELL, 5, 100, account=A1))
    events = driver.send(place("B1", BUY, 9, 100, self_trade_prevention=CANCEL_BOTH))
    assert kinds(events) == ["new B1", "cancelled OWN", "cancelled B1"]
    assert levels(driver.core.books[ACME]) == ([], [])


def test_decrement_shrinks_the_larger_order_and_cancels_the_smaller() -> None:
    driver = Driver.fresh()
    driver.send(place("OWN", SELL, 5, 100, account=A1))
    events = driver.send(place("B1", BUY, 8, 100, self_trade_prevention=DECREMENT))
    assert kinds(events) == ["new B1", "cancelled OWN", "restated B1 3"]
    restated = single(events[2:], OrderRestated)
    assert (restated.order.quantity, restated.order.leaves_quantity) == (3, 3)
    assert levels(driver.core.books[ACME]) == ([(100, 3, 1)], [])
    assert not fills(events), "no trade is printed"


def test_decrement_of_equal_quantities_cancels_both() -> None:
    driver = Driver.fresh()
    driver.send(place("OWN", SELL, 5, 100, account=A1))
    events = driver.send(place("B1", BUY, 5, 100, self_trade_prevention=DECREMENT))
    assert kinds(events) == ["new B1", "cancelled OWN", "cancelled B1"]


def test_the_account_default_applies_when_the_order_names_no_mode() -> None:
    driver = Driver.fresh()  # A1B decrements by default
    driver.send(place("OWN", SELL, 9, 100, account=A1))
    events = driver.send(place("B1", BUY, 4, 100, account=A1B))
    assert kinds(events) == ["new B1", "restated OWN 5", "cancelled B1"]


def test_the_order_instruction_overrides_the_account_default() -> None:
    driver = Driver.fresh()
    driver.send(place("OWN", SELL, 9, 100, account=A1))
    events = driver.send(
        place("B1", BUY, 4, 100, account=A1B, self_trade_prevention=CANCEL_RESTING)
    )
    assert kinds(events) == ["new B1", "cancelled OWN"]


def test_orders_of_different_firms_trade_whatever_their_instructions() -> None:
    driver = Driver.fresh()
    driver.send(place("THEIRS", SELL, 5, 100, session=S2, self_trade_prevention=CANCEL_BOTH))
    events = driver.send(place("B1", BUY, 5, 100, self_trade_prevention=CANCEL_BOTH))
    assert kinds(events) == ["new B1", "fill THEIRS 5@100", "fill B1 5@100"]


def test_a_fok_that_would_self_trade_does_nothing_at_all() -> None:
    driver = Driver.fresh()
    driver.send_all(
        place("OWN", SELL, 5, 100, account=A1), place("OTHER", SELL, 5, 101, session=S2)
    )
    events = driver.send(place("B1", BUY, 10, 101, time_in_force=FOK))
    assert kinds(events) == ["new B1", "cancelled B1"]
    assert "self-trade prevention" in single(events[1:], OrderCancelled).text
    assert levels(driver.core.books[ACME]) == ([], [(100, 5, 1), (101, 5, 1)])


# -- trading phases --------------------------------------------------------------------


def test_a_halted_symbol_rejects_orders_and_replaces_but_accepts_cancels() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 5, 100), place("B2", BUY, 5, 100))
    changed = single(driver.send(halt()), TradingPhaseChanged)
    assert (changed.symbol, changed.phase) == (ACME, TradingPhase.HALTED)
    rejected = single(driver.send(place("B3", BUY, 5, 100)), OrderRejected)
    assert rejected.reason is OrderRejectReason.TRADING_HALTED
    replace_rejected = single(driver.send(replace("R1", "B1", BUY, 4, 100)), CancelRejected)
    assert replace_rejected.reason is CancelRejectReason.TRADING_HALTED
    assert kinds(driver.send(cancel("C2", "B2", BUY))) == ["cancelled C2"]


def test_a_halt_is_per_symbol_and_reopening_lets_orders_in_again() -> None:
    driver = Driver.fresh()
    driver.send(halt(ACME))
    assert kinds(driver.send(place("B1", BUY, 5, 100, symbol=BOLT))) == ["new B1"]
    driver.send(reopen(ACME))
    assert kinds(driver.send(place("B2", BUY, 5, 100))) == ["new B2"]
    assert driver.core.phases == {ACME: TradingPhase.OPEN, BOLT: TradingPhase.OPEN}


def test_a_phase_change_for_an_unknown_symbol_changes_nothing() -> None:
    driver = Driver.fresh()
    assert driver.send(halt("NOPE")) == []
    assert "NOPE" not in driver.core.phases


# -- found in review -------------------------------------------------------------------


def test_a_gtd_order_may_expire_at_most_a_year_ahead() -> None:
    driver = Driver.fresh()
    year_us = 366 * 24 * 3600 * 1_000_000
    now = EPOCH_US + 1
    kept = driver.send(place("B1", BUY, 1, 100, time_in_force=GTD, expire_time_us=now + year_us))
    assert kinds(kept) == ["new B1"]
    far = driver.send(place("B2", BUY, 1, 100, time_in_force=GTD, expire_time_us=now + year_us + 2))
    rejected = single(far, OrderRejected)
    assert rejected.reason is OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC
    assert "366 days" in rejected.text


def test_a_stop_reached_during_a_sweep_triggers_although_the_price_moved_on() -> None:
    driver = Driver.fresh()
    trade_at(driver, 10_000)
    driver.send_all(
        place("SS", SELL, 1, None, order_type=STOP, stop_price=9_999),
        place("ASK1", SELL, 1, 9_998, session=S2),
        place("ASK2", SELL, 1, 10_001, session=S2),
        place("BID", BUY, 5, 9_990, session=S2),
    )
    events = driver.send(place("SWEEP", BUY, 2, 10_001))
    assert kinds(events)[-3:] == ["triggered SS", "fill BID 1@9990", "fill SS 1@9990"]


def test_one_trade_reaching_a_buy_and_a_sell_stop_triggers_both() -> None:
    driver = Driver.fresh()
    driver.send_all(
        place("UP", BUY, 1, None, order_type=STOP, stop_price=10_000),
        place("DOWN", SELL, 1, None, order_type=STOP, stop_price=10_000),
        place("ASK", SELL, 1, 10_001, session=S2),
        place("BID", BUY, 1, 9_999, session=S2),
        place("S1", SELL, 1, 10_000, session=S2),
    )
    events = driver.send(place("B1", BUY, 1, 10_000, account=A1B))
    triggered = [e.order.client_order_id for e in events if isinstance(e, OrderTriggered)]
    assert triggered == ["UP", "DOWN"]


def test_a_replace_below_minqty_or_maxfloor_is_rejected() -> None:
    driver = Driver.fresh()
    driver.send_all(
        place(
            "STP",
            BUY,
            10,
            None,
            order_type=STOP,
            stop_price=10_500,
            time_in_force=IOC,
            minimum_quantity=8,
        ),
        place("ICE", BUY, 50, 90, display_quantity=10, time_in_force=GTC),
    )
    for client_order_id, order_type, quantity, price in (
        ("STP", STOP, 5, None),
        ("ICE", LIMIT, 9, 90),
    ):
        rejected = single(
            driver.send(
                replace(
                    f"R-{client_order_id}",
                    client_order_id,
                    BUY,
                    quantity,
                    price,
                    order_type=order_type,
                )
            ),
            CancelRejected,
        )
        assert rejected.reason is CancelRejectReason.INVALID_REPLACEMENT
        assert "below the order's" in rejected.text


def test_after_a_replace_the_old_clordid_no_longer_names_the_order() -> None:
    driver = Driver.fresh()
    driver.send_all(place("O1", BUY, 10, 100), replace("O2", "O1", BUY, 8, 100))
    rejected = single(driver.send(cancel("C1", "O1", BUY)), CancelRejected)
    assert rejected.reason is CancelRejectReason.UNKNOWN_ORDER
    assert "O2" in rejected.text
    second = single(driver.send(replace("O3", "O1", BUY, 6, 100)), CancelRejected)
    assert second.reason is CancelRejectReason.UNKNOWN_ORDER
    assert kinds(driver.send(cancel("C2", "O2", BUY))) == ["cancelled C2"]


def test_the_core_remembers_the_time_of_the_last_command() -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 1, 100), timestamp_us=EPOCH_US + 77)
    assert driver.core.last_timestamp_us == EPOCH_US + 77


# -- message throttle ------------------------------------------------------------------


def test_a_throttled_request_is_recorded_and_rejected_with_the_edges_text() -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 5, 100))
    text = "message throttle: more than 500 application messages in one second"
    order = single(
        driver.send(dataclasses.replace(place("B2", BUY, 5, 100), throttled=text)), OrderRejected
    )
    assert (order.reason, order.text) == (OrderRejectReason.THROTTLED, text)
    refused = single(
        driver.send(dataclasses.replace(cancel("C1", "B1", BUY), throttled=text)), CancelRejected
    )
    assert (refused.reason, refused.order_id) == (CancelRejectReason.THROTTLED, "O1")
    assert kinds(driver.send(place("B2", BUY, 5, 100))) == ["reject B2"], "ClOrdID used"
    assert [o.client_order_id for o in driver.core.open_orders.values()] == ["B1"]
