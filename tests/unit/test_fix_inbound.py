"""Translation of NewOrderSingle fields into the domain: exact, bounded, never rounded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixvenue.domain.commands import PlaceOrder
from fixvenue.domain.values import Instrument, OrderRejectReason, price_to_ticks
from fixvenue.fix import inbound

ACME = Instrument(symbol="ACME", currency="USD", tick_size=Decimal("0.01"), reference_price=10_000)


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
