"""The trade register: one row per fill (each side of a trade), as the clearing files and
reconciliation read it, written in the fill's own commit beside its postings."""

from __future__ import annotations

from typing import Any

from fixvenue.domain.events import OrderFilled
from fixvenue.domain.values import Instrument
from fixvenue.ledger.postings import fill_notional
from fixvenue.ledger.text import storable


def fill_fields(event: OrderFilled) -> tuple[Any, ...]:
    """What the register takes from the fill itself: its first columns (`trades`)."""
    order, fill = event.order, event.fill
    return (
        event.event_id,
        fill.trade_id,
        order.order_id,
        storable(order.client_order_id),
        order.session,
        order.account,
        order.symbol,
        order.side.value,
        fill.quantity,
        fill.price,
        fill.liquidity.value,
        fill.fee,
        event.timestamp_us,
    )


def register_row(event: OrderFilled, instrument: Instrument) -> tuple[Any, ...]:
    """The fill's row in the `trades` table's columns: the fill's fields, then its
    instrument's currency and its notional."""
    return (*fill_fields(event), instrument.currency, fill_notional(event, instrument))
