"""Translation of NewOrderSingle fields into the domain: exact, bounded, never rounded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixvenue.domain.commands import PlaceOrder
from fixvenue.domain.values import (
    Instrument,
    OrderRejectReason,
    OrderType,
    SelfTradePrevention,
    TimeInForce,
    price_to_ticks,
)
from fixvenue.fix import inbound

ACME = Instrument(
    symbol="ACME",
    currency="USD",
    tick_size=Decimal("0.01"),
    reference_price=10_000,
    market_band_basis_points=500,
)


def _order(overrides: dict[int, str]) -> PlaceOrder:
    fields = {1: "A", 11: "c1", 38: "100", 40: "2", 44: "100.00", 54: "1", 55: "ACME", 59: "0"}
    fields.update(overrides)
    return inbound.new_order("S", fields.get, {"ACME": ACME}, possible_resend=False)


@pytest.mark.parametrize(
    ("price", "ticks"),
    [("100.00", 10_000), ("0.01", 1), ("100.0000000000000000000000000001", None), ("1.005", None)],
)
def test_a_price_converts_to_ticks_only_when_it_is_exactly_on_the_grid(
    price: str, ticks: int | None
) -> None:
    assert price_to_ticks(Decimal(price), Decimal("0.01")) == ticks


def test_a_price_beyond_the_bound_is_a_defect_not_an_error() -> None:
    order = _order({44: "100000000000000000000"})
    assert order.defect is not None and order.defect.reason is OrderRejectReason.INVALID_PRICE
    assert order.price is None


def test_a_quantity_beyond_the_bound_is_a_defect() -> None:
    order = _order({38: "10000000000"})
    assert order.defect is not None
    assert order.defect.reason is OrderRejectReason.INCORRECT_QUANTITY


def test_a_price_finer_than_decimals_default_precision_is_not_rounded_onto_the_tick() -> None:
    order = _order({44: "100.0000000000000000000000000001"})
    assert order.defect is not None and order.defect.reason is OrderRejectReason.INVALID_PRICE


@pytest.mark.parametrize(
    ("code", "order_type"),
    [
        ("1", OrderType.MARKET),
        ("2", OrderType.LIMIT),
        ("3", OrderType.STOP),
        ("4", OrderType.STOP_LIMIT),
    ],
)
def test_every_supported_order_type_translates(code: str, order_type: OrderType) -> None:
    order = _order({40: code})
    assert order.order_type is order_type and order.defect is None


def test_the_order_instructions_of_a_gtd_iceberg_stop_limit_translate_exactly() -> None:
    order = _order(
        {
            40: "4",
            99: "99.50",
            59: "6",
            126: "20261122-15:30:00.250000",
            111: "10",
            7928: "D",
        }
    )
    assert order.defect is None
    assert (order.stop_price, order.display_quantity) == (9_950, 10)
    assert order.time_in_force is TimeInForce.GOOD_TILL_DATE
    assert order.expire_time_us == 1_795_361_400_250_000
    assert order.self_trade_prevention is SelfTradePrevention.DECREMENT


@pytest.mark.parametrize(
    ("overrides", "reason", "text"),
    [
        ({99: "99.505"}, OrderRejectReason.INVALID_PRICE, "StopPx(99)=99.505"),
        ({110: "1.5"}, OrderRejectReason.INCORRECT_QUANTITY, "MinQty(110)=1.5"),
        ({111: "x"}, OrderRejectReason.INCORRECT_QUANTITY, "MaxFloor(111)=x"),
        ({126: "tomorrow"}, OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "ExpireTime"),
        ({7928: "Z"}, OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC, "7928"),
    ],
)
def test_an_order_instruction_the_venue_cannot_express_is_a_defect_that_says_which(
    overrides: dict[int, str], reason: OrderRejectReason, text: str
) -> None:
    order = _order(overrides)
    assert order.defect is not None
    assert order.defect.reason is reason
    assert text in order.defect.text


def test_an_expire_time_converts_exactly_to_the_last_microsecond_of_year_9999() -> None:
    order = _order({59: "6", 126: "99991231-23:59:59.999999"})
    assert order.expire_time_us == 253_402_300_799_999_999
