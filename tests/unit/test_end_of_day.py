"""End of a trading date in the core: Day orders expire, closes become reference prices,
the date moves on, ClOrdIDs may be used again and the day's risk counts start afresh."""

from __future__ import annotations

from fixvenue.domain.commands import ConfigureRisk, EndTradingDay
from fixvenue.domain.events import (
    CancelRejected,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderRejected,
    TradingDayEnded,
)
from fixvenue.domain.risk import RiskLimits
from fixvenue.domain.values import OrderRejectReason, OrderStatus
from tests.unit.builders import (
    A1,
    A2,
    ACME,
    BOLT,
    BUY,
    FIRST_TRADING_DATE,
    GTC,
    GTD,
    S2,
    SELL,
    STOP,
    Driver,
    cancel,
    place,
    timestamp_of,
)

NEXT_DATE = "2026-11-03"


def end_day(trading_date: str = FIRST_TRADING_DATE, following: str = NEXT_DATE) -> EndTradingDay:
    return EndTradingDay(trading_date=trading_date, next_trading_date=following)


def test_day_orders_expire_and_are_reported_before_the_end_of_day() -> None:
    driver = Driver.fresh()
    driver.send(place("day-buy", BUY, 100, 9_900))
    driver.send(place("day-stop", SELL, 50, None, order_type=STOP, stop_price=9_000))
    driver.send(place("gtc-sell", SELL, 70, 10_100, time_in_force=GTC, session=S2))
    events = driver.send(end_day())
    expired = [e for e in events if isinstance(e, OrderExpired)]
    assert [e.order.client_order_id for e in expired] == ["day-buy", "day-stop"]
    assert all(
        e.order.status is OrderStatus.EXPIRED and e.order.leaves_quantity == 0 for e in expired
    )
    assert expired[0].text == f"day order expired at the end of trading date {FIRST_TRADING_DATE}"
    ended = events[-1]
    assert isinstance(ended, TradingDayEnded) and ended.expired == 2
    assert (ended.trading_date, ended.next_trading_date) == (FIRST_TRADING_DATE, NEXT_DATE)
    assert driver.core.trading_date == NEXT_DATE
    assert [o.client_order_id for o in driver.core.open_orders.values()] == ["gtc-sell"]
    assert driver.core.books[ACME].best_price(BUY) is None


def test_good_till_date_and_good_till_cancel_orders_carry_over() -> None:
    driver = Driver.fresh()
    expire_time = timestamp_of(1) + 3 * 86_400_000_000
    driver.send(place("gtd", BUY, 10, 9_800, time_in_force=GTD, expire_time_us=expire_time))
    driver.send(place("gtc", SELL, 10, 10_200, time_in_force=GTC))
    assert driver.send(end_day())[0].expired == 0  # type: ignore[union-attr]
    assert driver.core.books[ACME].best_price(BUY) == 9_800
    assert driver.core.books[ACME].best_price(SELL) == 10_200


def test_the_last_trade_is_the_close_and_the_next_dates_reference_price() -> None:
    driver = Driver.fresh()
    driver.send(place("sell", SELL, 10, 10_100, session=S2))
    driver.send(place("buy", BUY, 10, 10_100))
    ended = driver.send(end_day())[-1]
    assert isinstance(ended, TradingDayEnded)
    # ACME traded at 101.00; BOLT did not trade, so its reference price stays its close.
    assert ended.closes == ((ACME, 10_100), (BOLT, 2_000))
    assert driver.core.reference_prices[ACME] == 10_100
    assert driver.core.last_trade_prices == {}
    assert driver.core.risk.anchor(ACME) == 10_100


def test_positions_carry_into_the_next_date() -> None:
    driver = Driver.fresh()
    driver.send(place("sell", SELL, 30, 10_000, session=S2))
    driver.send(place("buy", BUY, 30, 10_000))
    ended = driver.send(end_day())[-1]
    assert isinstance(ended, TradingDayEnded)
    assert ended.positions == ((A1, ACME, 30), (A2, ACME, -30))
    second = driver.send(end_day(NEXT_DATE, "2026-11-04"))[-1]
    assert isinstance(second, TradingDayEnded) and second.positions == ended.positions


def test_a_clordid_may_be_used_again_on_the_next_date_unless_its_order_is_open() -> None:
    driver = Driver.fresh()
    driver.send(place("reused", BUY, 10, 9_900))
    driver.send(place("carried", BUY, 10, 9_800, time_in_force=GTC))
    driver.send(end_day())
    again = driver.send(place("reused", BUY, 10, 9_900))
    assert isinstance(again[0], OrderAccepted)
    duplicate = driver.send(place("carried", BUY, 10, 9_900))
    assert isinstance(duplicate[0], OrderRejected)
    assert duplicate[0].reason is OrderRejectReason.DUPLICATE_ORDER
    # The carried order can still be cancelled by the ClOrdID it was entered with.
    cancelled = driver.send(cancel("cancel-carried", "carried", BUY))
    assert isinstance(cancelled[0], OrderCancelled)


def test_a_cancel_of_an_expired_day_order_is_rejected_on_the_next_date() -> None:
    driver = Driver.fresh()
    driver.send(place("gone", BUY, 10, 9_900))
    driver.send(end_day())
    answer = driver.send(cancel("cancel-gone", "gone", BUY))
    assert isinstance(answer[0], CancelRejected)


def test_the_days_order_count_and_executed_notional_start_again() -> None:
    driver = Driver.fresh()
    limits = RiskLimits(
        max_order_quantity=1_000,
        max_order_notional=10**12,
        collar_basis_points=5_000,
        max_open_orders=10,
        max_orders_per_day=2,
        credit_limit=10**12,
    )
    driver.send(ConfigureRisk(default=limits, accounts=()))
    driver.send(place("one", BUY, 10, 10_000))
    driver.send(place("sell", SELL, 10, 10_000, session=S2))
    driver.send(place("two", BUY, 10, 9_900))
    refused = driver.send(place("three", BUY, 10, 9_000))
    assert isinstance(refused[0], OrderRejected) and "max orders per day" in refused[0].text
    driver.send(end_day())
    exposure = driver.core.risk.exposure_of(A1)
    assert exposure.orders_today == 0
    assert all(credit.executed == 0 for credit in exposure.currencies.values())
    assert isinstance(driver.send(place("three", BUY, 10, 9_000))[0], OrderAccepted)


def test_an_end_of_day_for_another_date_changes_nothing() -> None:
    driver = Driver.fresh()
    driver.send(place("stays", BUY, 10, 9_900))
    assert driver.send(end_day("2026-11-05", "2026-11-06")) == []
    assert driver.core.trading_date == FIRST_TRADING_DATE
    assert len(driver.core.open_orders) == 1
