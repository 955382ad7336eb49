"""Domain events → outbound FIX messages, as plain (tag, value) lists.

Rendering knows no QuickFIX object, so the same function serves the live sessions and,
later, files written from the ledger. It is written once for every FIX version: what a
version says differently comes from its `Dialect`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from fixvenue.domain.events import (
    CancelRejected,
    Event,
    MassCancelReported,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderRestated,
    OrderSnapshot,
    OrderStatusReported,
    OrderTriggered,
)
from fixvenue.domain.values import Instrument, OrderStatus, ticks_to_price
from fixvenue.fix import tags
from fixvenue.fix.dialects import Dialect, ReportKind
from fixvenue.fix.timestamps import format_utc_microseconds

_AVERAGE_PRICE_QUANTUM = Decimal("0.00000001")
# Enough digits for the largest notional the order bounds allow, plus the eight decimals.
_AVERAGE_PRICE_DIGITS = 60


def text_field(text: str) -> tuple[int, str]:
    """Text(58) as FIX can carry it: a character that is not printable ASCII (SOH above
    all, which would end the field) becomes "?". Texts with an operator's words in them
    are checked where they come in; this keeps any other from breaking a report."""
    if text.isascii() and text.isprintable():
        return tags.TEXT, text
    return tags.TEXT, "".join(c if c.isascii() and c.isprintable() else "?" for c in text)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    msg_type: str
    fields: list[tuple[int, str]]
    # Header fields beyond those QuickFIX fills in (OnBehalfOfCompID on a drop copy).
    header: list[tuple[int, str]] = field(default_factory=list)


class Renderer:
    def __init__(self, instruments: Mapping[str, Instrument]) -> None:
        self._instruments = instruments

    def render(self, event: Event, dialect: Dialect) -> OutboundMessage:
        """The event as the message a session speaking `dialect` receives. FIX allows no
        empty value: a field a request left empty (a status request without a Symbol,
        say) is left out of the answer rather than echoed empty."""
        message = self._render(event, dialect)
        if all(value for _tag, value in message.fields):
            return message
        kept = [(tag, value) for tag, value in message.fields if value]
        return OutboundMessage(message.msg_type, kept, message.header)

    def _render(self, event: Event, dialect: Dialect) -> OutboundMessage:
        if isinstance(event, CancelRejected):
            return self._cancel_reject(event, dialect)
        if isinstance(event, MassCancelReported):
            return self._mass_cancel_report(event)
        if isinstance(event, OrderStatusReported) and event.order is None:
            return self._unknown_order_status(event, dialect)
        fields = [(tags.EXEC_ID, str(event.event_id))]
        if isinstance(event, OrderAccepted):
            kind = ReportKind.NEW
        elif isinstance(event, OrderRejected):
            kind = ReportKind.REJECTED
            fields += [
                (tags.ORD_REJ_REASON, dialect.order_reject_reasons[event.reason]),
                text_field(event.text),
            ]
        elif isinstance(event, OrderReplaced):
            kind = ReportKind.REPLACED
        elif isinstance(event, OrderStatusReported):
            kind = ReportKind.STATUS
        elif isinstance(event, OrderFilled):
            kind = (
                ReportKind.FILL
                if event.order.status is OrderStatus.FILLED
                else ReportKind.PARTIAL_FILL
            )
            fields += self._fill_fields(event, dialect)
        elif isinstance(event, OrderExpired):
            kind = ReportKind.EXPIRED
            fields.append(text_field(event.text))
        elif isinstance(event, OrderTriggered):
            kind = ReportKind.TRIGGERED
            fields.append((tags.TEXT, "stop order triggered by the last trade price"))
        elif isinstance(event, OrderRestated):
            kind = ReportKind.RESTATED
            fields.append(text_field(event.text))
        else:
            assert isinstance(event, OrderCancelled), event
            kind = ReportKind.CANCELLED
            fields.append(text_field(event.text))
        assert event.order is not None
        fields += self._report_kind_fields(kind, event.order.status, dialect)
        fields += self._order_fields(event.order)
        if isinstance(event, OrderRejected) and event.as_received:
            echoed = {tags.FIELD_TAGS[name]: value for name, value in event.as_received}
            fields = [(tag, value) for tag, value in fields if tag not in echoed]
            fields += echoed.items()
        fields.append((tags.TRANSACT_TIME, format_utc_microseconds(event.timestamp_us)))
        return OutboundMessage(tags.MSG_EXECUTION_REPORT, fields)

    @staticmethod
    def _report_kind_fields(
        kind: ReportKind, status: OrderStatus, dialect: Dialect
    ) -> list[tuple[int, str]]:
        fields = [(tags.EXEC_TYPE, dialect.exec_type(kind, status))]
        if dialect.exec_trans_types is not None:
            fields.append((tags.EXEC_TRANS_TYPE, dialect.exec_trans_types[kind]))
        restatement = dialect.restatement_reasons.get(kind)
        if restatement is not None:
            fields.append((tags.EXEC_RESTATEMENT_REASON, restatement))
        return fields

    def _fill_fields(self, event: OrderFilled, dialect: Dialect) -> list[tuple[int, str]]:
        fill = event.fill
        fields = [
            (tags.LAST_QTY, str(fill.quantity)),
            (tags.LAST_PX, self._price(event.order.symbol, fill.price)),
        ]
        if dialect.reports_trade_id:
            fields.append((tags.SECONDARY_EXEC_ID, fill.trade_id))
        if dialect.reports_liquidity:
            fields.append((tags.LAST_LIQUIDITY_IND, tags.LIQUIDITY_CODES[fill.liquidity]))
        return fields

    def _order_fields(self, order: OrderSnapshot) -> list[tuple[int, str]]:
        fields = [
            (tags.ORDER_ID, order.order_id),
            (tags.CL_ORD_ID, order.client_order_id),
            (tags.ORD_STATUS, tags.ORDER_STATUS_CODES[order.status]),
            (tags.SYMBOL, order.symbol),
            (tags.SIDE, tags.SIDE_CODES[order.side]),
            (tags.ORDER_QTY, str(order.quantity)),
            (tags.ORD_TYPE, tags.ORDER_TYPE_CODES[order.order_type]),
            (tags.TIME_IN_FORCE, tags.TIME_IN_FORCE_CODES[order.time_in_force]),
            (tags.CUM_QTY, str(order.cumulative_quantity)),
            (tags.LEAVES_QTY, str(order.leaves_quantity)),
            (tags.AVG_PX, self._average_price(order)),
        ]
        if order.post_only:
            fields.append((tags.EXEC_INST, tags.EXEC_INST_POST_ONLY))
        if order.account:  # a reject of an order that named none
            fields.append((tags.ACCOUNT, order.account))
        if order.original_client_order_id is not None:
            fields.append((tags.ORIG_CL_ORD_ID, order.original_client_order_id))
        if order.price is not None:
            fields.append((tags.PRICE, self._price(order.symbol, order.price)))
        if order.stop_price is not None:
            fields.append((tags.STOP_PX, self._price(order.symbol, order.stop_price)))
        if order.expire_time_us is not None:
            fields.append((tags.EXPIRE_TIME, format_utc_microseconds(order.expire_time_us)))
        if order.minimum_quantity is not None:
            fields.append((tags.MIN_QTY, str(order.minimum_quantity)))
        if order.display_quantity is not None:
            fields.append((tags.MAX_FLOOR, str(order.display_quantity)))
        return fields

    @staticmethod
    def _mass_cancel_report(event: MassCancelReported) -> OutboundMessage:
        scope = tags.MASS_CANCEL_SCOPE_CODES[event.scope]
        fields = [
            (tags.CL_ORD_ID, event.client_order_id),
            (tags.ORDER_ID, f"M{event.event_id}"),  # required; names the mass cancel itself
            (tags.MASS_CANCEL_REQUEST_TYPE, scope),
            (tags.TOTAL_AFFECTED_ORDERS, str(event.cancelled)),
            text_field(event.text),
            (tags.TRANSACT_TIME, format_utc_microseconds(event.timestamp_us)),
        ]
        if event.reject_reason is None:
            fields.append((tags.MASS_CANCEL_RESPONSE, scope))
        else:
            fields += [
                (tags.MASS_CANCEL_RESPONSE, tags.MASS_CANCEL_REJECTED),
                (
                    tags.MASS_CANCEL_REJECT_REASON,
                    tags.MASS_CANCEL_REJECT_REASON_CODES[event.reject_reason],
                ),
            ]
        if event.symbol is not None:
            fields.append((tags.SYMBOL, event.symbol))
        return OutboundMessage(tags.MSG_ORDER_MASS_CANCEL_REPORT, fields)

    def _unknown_order_status(
        self, event: OrderStatusReported, dialect: Dialect
    ) -> OutboundMessage:
        fields = [
            (tags.EXEC_ID, str(event.event_id)),
            *self._report_kind_fields(ReportKind.STATUS, OrderStatus.REJECTED, dialect),
            (tags.ORDER_ID, "NONE"),
            (tags.CL_ORD_ID, event.client_order_id),
            (tags.ORD_STATUS, tags.ORDER_STATUS_CODES[OrderStatus.REJECTED]),
            (tags.SYMBOL, event.symbol),
            (tags.CUM_QTY, "0"),
            (tags.LEAVES_QTY, "0"),
            (tags.AVG_PX, "0"),
            (
                tags.TEXT,
                f"no order with ClOrdID {event.client_order_id} for this session, symbol and side",
            ),
            (tags.TRANSACT_TIME, format_utc_microseconds(event.timestamp_us)),
        ]
        if event.side is not None:
            fields.append((tags.SIDE, tags.SIDE_CODES[event.side]))
        # Side is required: one the venue has no word for is echoed as the request sent it.
        fields += [(tags.FIELD_TAGS[name], value) for name, value in event.as_received]
        return OutboundMessage(tags.MSG_EXECUTION_REPORT, fields)

    @staticmethod
    def _cancel_reject(event: CancelRejected, dialect: Dialect) -> OutboundMessage:
        # OrdStatus is required: an unknown order is reported as rejected.
        status = OrderStatus.REJECTED if event.status is None else event.status
        return OutboundMessage(
            tags.MSG_ORDER_CANCEL_REJECT,
            [
                (tags.ORDER_ID, event.order_id or "NONE"),
                (tags.CL_ORD_ID, event.client_order_id),
                (tags.ORIG_CL_ORD_ID, event.original_client_order_id),
                (tags.ORD_STATUS, tags.ORDER_STATUS_CODES[status]),
                (tags.CXL_REJ_RESPONSE_TO, tags.CXL_REJ_RESPONSE_TO_CODES[event.response_to]),
                (tags.CXL_REJ_REASON, dialect.cancel_reject_reasons[event.reason]),
                text_field(event.text),
                (tags.TRANSACT_TIME, format_utc_microseconds(event.timestamp_us)),
            ],
        )

    def _price(self, symbol: str, ticks: int) -> str:
        return str(ticks_to_price(ticks, self._instruments[symbol].tick_size))

    def _average_price(self, order: OrderSnapshot) -> str:
        if order.cumulative_quantity == 0:
            return "0"
        tick_size = self._instruments[order.symbol].tick_size
        with localcontext() as context:
            context.prec = _AVERAGE_PRICE_DIGITS
            average = Decimal(order.cumulative_notional) * tick_size / order.cumulative_quantity
            return format(average.quantize(_AVERAGE_PRICE_QUANTUM).normalize(), "f")
