"""Inbound FIX application messages → domain commands.

Translation never raises on business content: what cannot be expressed in domain terms
(a price off the tick, an unsupported order type) becomes a `defect` on the command, which
the core records and rejects with a report like any other reject.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from fixvenue.domain.commands import (
    CancelAllOrders,
    CancelOrder,
    PlaceOrder,
    ReplaceOrder,
    RequestOrderStatus,
)
from fixvenue.domain.rejection import Rejection
from fixvenue.domain.values import (
    PRICE_BOUND,
    QUANTITY_MAX,
    Instrument,
    OrderRejectReason,
    OrderType,
    Side,
    TimeInForce,
    price_to_ticks,
)
from fixvenue.fix import tags
from fixvenue.fix.timestamps import parse_utc_microseconds

FieldReader = Callable[[int], str | None]
"""Returns a field's value, or None where the message does not carry it."""


def new_order(
    session: str,
    fields: FieldReader,
    instruments: Mapping[str, Instrument],
    possible_resend: bool,
) -> PlaceOrder:
    defects: list[tuple[OrderRejectReason, str]] = []
    as_received: list[tuple[str, str]] = []

    def defect(reason: OrderRejectReason, text: str) -> None:
        defects.append((reason, text))

    def unsupported(name: str, tag: int, code: str | None, supported: str) -> None:
        as_received.append((name, code or ""))
        defect(
            OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
            f"{name}({tag})={code} is not supported ({supported})",
        )

    symbol = fields(tags.SYMBOL) or ""
    account = fields(tags.ACCOUNT)
    if account is None:
        defect(OrderRejectReason.UNKNOWN_ACCOUNT, "Account(1) is required")
    side = tags.SIDES.get(fields(tags.SIDE) or "")
    if side is None:
        unsupported("Side", tags.SIDE, fields(tags.SIDE), "1 buy, 2 sell")
    order_type = tags.ORDER_TYPES.get(fields(tags.ORD_TYPE) or "")
    if order_type is None:
        unsupported(
            "OrdType",
            tags.ORD_TYPE,
            fields(tags.ORD_TYPE),
            "1 market, 2 limit, 3 stop, 4 stop-limit",
        )
    time_in_force_code = fields(tags.TIME_IN_FORCE) or "0"
    time_in_force = tags.TIMES_IN_FORCE.get(time_in_force_code)
    if time_in_force is None:
        unsupported(
            "TimeInForce",
            tags.TIME_IN_FORCE,
            time_in_force_code,
            "0 Day, 1 GTC, 3 IOC, 4 FOK, 6 GTD",
        )
    instructions = (fields(tags.EXEC_INST) or "").split()
    if set(instructions) - {tags.EXEC_INST_POST_ONLY}:
        unsupported("ExecInst", tags.EXEC_INST, fields(tags.EXEC_INST), "6 post-only")
    self_trade_code = fields(tags.SELF_TRADE_PREVENTION)
    self_trade_prevention = tags.SELF_TRADE_PREVENTIONS.get(self_trade_code or "")
    if self_trade_code is not None and self_trade_prevention is None:
        defect(
            OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
            f"SelfTradePrevention(7928)={self_trade_code} is not supported (O, N, B, D)",
        )
    instrument = instruments.get(symbol)
    quantity = _quantity(fields(tags.ORDER_QTY), defect)
    price = _price(fields(tags.PRICE), instrument, defect)
    stop_price = _price(fields(tags.STOP_PX), instrument, defect, name="StopPx(99)")
    return PlaceOrder(
        session=session,
        client_order_id=fields(tags.CL_ORD_ID) or "",
        account=account or "",
        symbol=symbol,
        # Stand-ins where the value is unsupported: the reject echoes `as_received` instead.
        side=side or Side.BUY,
        order_type=order_type or OrderType.LIMIT,
        quantity=quantity,
        price=price,
        time_in_force=time_in_force or TimeInForce.DAY,
        stop_price=stop_price,
        expire_time_us=_expire_time(fields(tags.EXPIRE_TIME), defect),
        post_only=tags.EXEC_INST_POST_ONLY in instructions,
        minimum_quantity=_optional_quantity(fields(tags.MIN_QTY), defect, "MinQty(110)"),
        display_quantity=_optional_quantity(fields(tags.MAX_FLOOR), defect, "MaxFloor(111)"),
        self_trade_prevention=self_trade_prevention,
        possible_resend=possible_resend,
        defect=Rejection(reason=defects[0][0], text=defects[0][1], as_received=tuple(as_received))
        if defects
        else None,
    )


def cancel_order(session: str, fields: FieldReader, possible_resend: bool) -> CancelOrder:
    return CancelOrder(
        session=session,
        client_order_id=fields(tags.CL_ORD_ID) or "",
        original_client_order_id=fields(tags.ORIG_CL_ORD_ID) or "",
        order_id=fields(tags.ORDER_ID),
        symbol=fields(tags.SYMBOL) or "",
        side=tags.SIDES.get(fields(tags.SIDE) or ""),
        possible_resend=possible_resend,
    )


def replace_order(
    session: str,
    fields: FieldReader,
    instruments: Mapping[str, Instrument],
    possible_resend: bool,
) -> ReplaceOrder:
    defects: list[str] = []

    def defect(_reason: OrderRejectReason, text: str) -> None:
        defects.append(text)

    symbol = fields(tags.SYMBOL) or ""
    instrument = instruments.get(symbol)
    return ReplaceOrder(
        session=session,
        client_order_id=fields(tags.CL_ORD_ID) or "",
        original_client_order_id=fields(tags.ORIG_CL_ORD_ID) or "",
        order_id=fields(tags.ORDER_ID),
        symbol=symbol,
        side=tags.SIDES.get(fields(tags.SIDE) or ""),
        order_type=tags.ORDER_TYPES.get(fields(tags.ORD_TYPE) or ""),
        quantity=_quantity(fields(tags.ORDER_QTY), defect),
        price=_price(fields(tags.PRICE), instrument, defect),
        stop_price=_price(fields(tags.STOP_PX), instrument, defect, name="StopPx(99)"),
        possible_resend=possible_resend,
        defect=defects[0] if defects else None,
    )


def mass_cancel(session: str, fields: FieldReader, possible_resend: bool) -> CancelAllOrders:
    # The dictionary admits only MassCancelRequestType values 1-7, all of them scopes.
    return CancelAllOrders(
        session=session,
        client_order_id=fields(tags.CL_ORD_ID) or "",
        scope=tags.MASS_CANCEL_SCOPES[fields(tags.MASS_CANCEL_REQUEST_TYPE) or ""],
        symbol=fields(tags.SYMBOL),
        possible_resend=possible_resend,
    )


def order_status_request(session: str, fields: FieldReader) -> RequestOrderStatus:
    side_code = fields(tags.SIDE) or ""
    side = tags.SIDES.get(side_code)
    return RequestOrderStatus(
        session=session,
        client_order_id=fields(tags.CL_ORD_ID) or "",
        order_id=fields(tags.ORDER_ID),
        symbol=fields(tags.SYMBOL) or "",
        side=side,
        as_received=() if side is not None else (("Side", side_code),),
    )


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


Defect = Callable[[OrderRejectReason, str], None]


def _quantity(text: str | None, defect: Defect, name: str = "OrderQty(38)") -> int:
    value = _decimal(text)
    if value is not None and abs(value) > QUANTITY_MAX:
        defect(
            OrderRejectReason.INCORRECT_QUANTITY,
            f"{name}={text} is beyond the venue's bound of {QUANTITY_MAX}",
        )
        return 0
    if value is None or value != value.to_integral_value():
        defect(
            OrderRejectReason.INCORRECT_QUANTITY, f"{name}={text} is not a whole number of units"
        )
        return 0
    return int(value)


def _optional_quantity(text: str | None, defect: Defect, name: str) -> int | None:
    return None if text is None else _quantity(text, defect, name)


def _price(
    text: str | None, instrument: Instrument | None, defect: Defect, name: str = "Price(44)"
) -> int | None:
    if text is None or instrument is None:
        return None  # the core reports a missing price or an unknown symbol
    value = _decimal(text)
    if value is not None and abs(value) >= PRICE_BOUND:
        defect(
            OrderRejectReason.INVALID_PRICE,
            f"{name}={text} is beyond the venue's bound of {PRICE_BOUND}",
        )
        return None
    ticks = None if value is None else price_to_ticks(value, instrument.tick_size)
    if ticks is None:
        defect(
            OrderRejectReason.INVALID_PRICE,
            f"{name}={text} is not on the tick size {instrument.tick_size} of {instrument.symbol}",
        )
    return ticks


def _expire_time(text: str | None, defect: Defect) -> int | None:
    if text is None:
        return None
    moment = parse_utc_microseconds(text)
    if moment is None:
        defect(
            OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
            f"ExpireTime(126)={text} is not a UTC timestamp (YYYYMMDD-HH:MM:SS[.ffffff])",
        )
    return moment
