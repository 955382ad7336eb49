"""The trading core: applies sequenced commands to orders and books, returns events.

Everything here is a pure function of the command stream and the static reference data it
was built with, so the ledger's commands replay to the same state and the same events.
Business failures are events (rejects), never exceptions.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

from fixvenue.core.identifiers import IdentifierSequence
from fixvenue.core.order import Order
from fixvenue.domain.commands import (
    CancelAllOrders,
    CancelOrder,
    PlaceOrder,
    ReplaceOrder,
    RequestOrderStatus,
    ResetSessionSequence,
    SequencedCommand,
)
from fixvenue.domain.events import (
    CancelRejected,
    Event,
    Fill,
    MassCancelReported,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderStatusReported,
)
from fixvenue.domain.values import (
    Amendment,
    CancelRejectReason,
    Instrument,
    Liquidity,
    MassCancelRejectReason,
    MassCancelScope,
    OrderRejectReason,
    OrderStatus,
    Rejection,
    SessionProfile,
    Side,
    TimeInForce,
)
from fixvenue.matching.book import OrderBook, crosses


class _Repeat(enum.Enum):
    NEW = "new"
    RESEND = "resend"  # PossDup/PossResend of a ClOrdID already processed
    DUPLICATE = "duplicate"


def _duplicate(command: PlaceOrder | CancelOrder | ReplaceOrder | CancelAllOrders) -> str:
    return f"duplicate ClOrdID {command.client_order_id} for session {command.session}"


_IMMEDIATE_CANCEL_TEXT = {
    TimeInForce.IMMEDIATE_OR_CANCEL: "IOC remainder cancelled: no further liquidity at the "
    "limit price",
    TimeInForce.FILL_OR_KILL: "FOK order cancelled: not enough liquidity at the limit price "
    "to fill it at once",
}


class TradingCore:
    def __init__(
        self,
        *,
        instruments: Iterable[Instrument],
        sessions: Iterable[SessionProfile],
    ) -> None:
        self.instruments: Mapping[str, Instrument] = {i.symbol: i for i in instruments}
        self.sessions: Mapping[str, SessionProfile] = {s.session: s for s in sessions}
        self.books = {symbol: OrderBook(symbol) for symbol in self.instruments}
        self.identifiers = IdentifierSequence()
        self.last_sequence = 0
        # Every ClOrdID a session has used (orders, cancels), mapped to the order it names.
        self._client_order_ids: dict[tuple[str, str], Order | None] = {}
        self.open_orders: dict[str, Order] = {}

    def apply(self, sequenced: SequencedCommand) -> list[Event]:
        assert sequenced.sequence == self.last_sequence + 1, (sequenced, self.last_sequence)
        self.last_sequence = sequenced.sequence
        command = sequenced.command
        now = sequenced.timestamp_us
        if isinstance(command, PlaceOrder):
            return self._place(command, now)
        if isinstance(command, CancelOrder | ReplaceOrder):
            return self._amend(command, now)
        if isinstance(command, RequestOrderStatus):
            return [self._status(command, now)]
        if isinstance(command, CancelAllOrders):
            return self._mass_cancel(command, now)
        assert isinstance(command, ResetSessionSequence), command
        return []

    # -- new orders ------------------------------------------------------------------

    def _place(self, command: PlaceOrder, now: int) -> list[Event]:
        key = (command.session, command.client_order_id)
        repeat = self._repeat(command)
        if repeat is _Repeat.RESEND:
            return []
        order = Order(self.identifiers.next_order_id(), command)
        if repeat is _Repeat.DUPLICATE:
            duplicate = Rejection(
                reason=OrderRejectReason.DUPLICATE_ORDER, text=_duplicate(command)
            )
            return [self._reject(order, duplicate, now)]
        rejection = command.defect or self._validate(command)
        if rejection is not None:
            # The ClOrdID is used, but names no order a cancel could find.
            self._client_order_ids[key] = None
            return [self._reject(order, rejection, now)]
        self._client_order_ids[key] = order
        events: list[Event] = [
            OrderAccepted(
                event_id=self.identifiers.next_event_id(), timestamp_us=now, order=order.snapshot()
            )
        ]
        self.open_orders[order.order_id] = order
        self._match(order, now, events)
        return events

    def _validate(self, command: PlaceOrder) -> Rejection | None:
        if command.symbol not in self.instruments:
            return Rejection(
                reason=OrderRejectReason.UNKNOWN_SYMBOL, text=f"unknown symbol {command.symbol}"
            )
        profile = self.sessions.get(command.session)
        if profile is None or command.account not in profile.accounts:
            return Rejection(
                reason=OrderRejectReason.UNKNOWN_ACCOUNT,
                text=f"account {command.account} may not trade on session {command.session}",
            )
        if command.quantity <= 0:
            return Rejection(
                reason=OrderRejectReason.INCORRECT_QUANTITY,
                text=f"quantity must be positive, got {command.quantity}",
            )
        if command.price is None or command.price <= 0:
            return Rejection(
                reason=OrderRejectReason.INVALID_PRICE, text="a limit order needs a positive Price"
            )
        if command.post_only:
            return self._post_only_problem(command, command.price)
        return None

    def _post_only_problem(self, command: PlaceOrder, price: int) -> Rejection | None:
        if command.time_in_force.is_immediate:
            return Rejection(
                reason=OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
                text="a post-only order cannot be IOC or FOK",
            )
        taken = self._liquidity_taken_at(command.symbol, command.side, price)
        if taken is not None:
            return Rejection(
                reason=OrderRejectReason.WOULD_TAKE_LIQUIDITY,
                text=f"post-only order would take liquidity at {taken} ticks",
            )
        return None

    def _repeat(
        self, command: PlaceOrder | CancelOrder | ReplaceOrder | CancelAllOrders
    ) -> _Repeat:
        """Whether the request's ClOrdID was used before, and if so as a resend or not."""
        if (command.session, command.client_order_id) not in self._client_order_ids:
            return _Repeat.NEW
        # A resend of a request already processed was answered then: ignore it.
        return _Repeat.RESEND if command.possible_resend else _Repeat.DUPLICATE

    def _liquidity_taken_at(self, symbol: str, side: Side, price: int) -> int | None:
        """The best opposite price an order at `price` would trade with, if any."""
        opposite = self.books[symbol].best_price(side.opposite)
        if opposite is not None and crosses(side, price, opposite):
            return opposite
        return None

    def _withdraw(
        self, order: Order, client_order_id: str | None, text: str, now: int
    ) -> OrderCancelled:
        """Takes an open order off its book (if it rests there) and reports it cancelled."""
        book = self.books[order.symbol]
        if book.contains(order):
            book.remove(order)
        del self.open_orders[order.order_id]
        order.cancel(client_order_id)
        return OrderCancelled(
            event_id=self.identifiers.next_event_id(),
            timestamp_us=now,
            order=order.snapshot(),
            text=text,
        )

    def _reject(self, order: Order, rejection: Rejection, now: int) -> OrderRejected:
        order.status = OrderStatus.REJECTED
        return OrderRejected(
            event_id=self.identifiers.next_event_id(),
            timestamp_us=now,
            order=order.snapshot(),
            reason=rejection.reason,
            text=rejection.text,
            as_received=rejection.as_received,
        )

    def _match(self, aggressor: Order, now: int, events: list[Event]) -> None:
        assert aggressor.price is not None
        book = self.books[aggressor.symbol]
        matches = book.matches(aggressor.side, aggressor.price, aggressor.leaves_quantity)
        fillable = sum(match.quantity for match in matches)
        if aggressor.time_in_force is TimeInForce.FILL_OR_KILL and fillable < aggressor.quantity:
            matches = []  # all or nothing
        for match in matches:
            resting = self.open_orders[match.resting.order_id]
            trade_id = self.identifiers.next_trade_id()
            for order, liquidity in ((resting, Liquidity.ADDED), (aggressor, Liquidity.REMOVED)):
                order.fill(match.quantity, match.price)
                events.append(
                    OrderFilled(
                        event_id=self.identifiers.next_event_id(),
                        timestamp_us=now,
                        order=order.snapshot(),
                        fill=Fill(
                            trade_id=trade_id,
                            quantity=match.quantity,
                            price=match.price,
                            liquidity=liquidity,
                        ),
                    )
                )
            if not resting.status.is_open:
                book.remove(resting)
                del self.open_orders[resting.order_id]
        if not aggressor.status.is_open:
            del self.open_orders[aggressor.order_id]
        elif aggressor.time_in_force.is_immediate:
            text = _IMMEDIATE_CANCEL_TEXT[aggressor.time_in_force]
            events.append(self._withdraw(aggressor, None, text, now))
        else:
            book.add(aggressor)
        assert not book.is_crossed(), book.symbol

    # -- mass cancel -------------------------------------------------------------------

    def _mass_cancel(self, command: CancelAllOrders, now: int) -> list[Event]:
        repeat = self._repeat(command)
        if repeat is _Repeat.RESEND:
            return []
        if repeat is _Repeat.DUPLICATE:
            return [
                self._mass_cancel_report(
                    command,
                    now,
                    [],
                    MassCancelRejectReason.DUPLICATE_CLIENT_ORDER_ID,
                    _duplicate(command),
                )
            ]
        self._client_order_ids[command.session, command.client_order_id] = None
        if command.scope not in (MassCancelScope.ALL, MassCancelScope.SECURITY):
            return [
                self._mass_cancel_report(
                    command,
                    now,
                    [],
                    MassCancelRejectReason.UNSUPPORTED_SCOPE,
                    f"mass cancel by {command.scope.value} is not supported (all, or one symbol)",
                )
            ]
        if command.scope is MassCancelScope.SECURITY and command.symbol not in self.instruments:
            return [
                self._mass_cancel_report(
                    command,
                    now,
                    [],
                    MassCancelRejectReason.UNKNOWN_SYMBOL,
                    f"unknown symbol {command.symbol}",
                )
            ]
        victims = [
            order
            for order in self.open_orders.values()
            if order.session == command.session
            and (command.scope is MassCancelScope.ALL or order.symbol == command.symbol)
        ]
        events: list[Event] = [
            self._mass_cancel_report(
                command, now, victims, None, f"{len(victims)} orders cancelled"
            )
        ]
        text = f"cancelled by mass cancel {command.client_order_id}"
        events += [self._withdraw(order, None, text, now) for order in victims]
        return events

    def _mass_cancel_report(
        self,
        command: CancelAllOrders,
        now: int,
        victims: list[Order],
        reject_reason: MassCancelRejectReason | None,
        text: str,
    ) -> MassCancelReported:
        return MassCancelReported(
            event_id=self.identifiers.next_event_id(),
            timestamp_us=now,
            session=command.session,
            client_order_id=command.client_order_id,
            scope=command.scope,
            symbol=command.symbol,
            cancelled=len(victims),
            reject_reason=reject_reason,
            text=text,
        )

    # -- status ------------------------------------------------------------------------

    def _status(self, command: RequestOrderStatus, now: int) -> OrderStatusReported:
        order = self._client_order_ids.get((command.session, command.client_order_id))
        known = order is not None and (
            command.order_id in (None, order.order_id)
            and command.symbol == order.symbol
            and command.side is order.side
        )
        return OrderStatusReported(
            event_id=self.identifiers.next_event_id(),
            timestamp_us=now,
            session=command.session,
            client_order_id=command.client_order_id,
            symbol=command.symbol,
            side=command.side,
            order=order.snapshot() if known and order is not None else None,
        )

    # -- cancels ---------------------------------------------------------------------

    def _amend(self, command: CancelOrder | ReplaceOrder, now: int) -> list[Event]:
        """Cancel or replace: the same checks, then what was asked for."""
        key = (command.session, command.client_order_id)
        repeat = self._repeat(command)
        if repeat is _Repeat.RESEND:
            return []
        if repeat is _Repeat.DUPLICATE:
            return [
                self._cancel_reject(
                    command,
                    None,
                    CancelRejectReason.DUPLICATE_CLIENT_ORDER_ID,
                    _duplicate(command),
                    now,
                )
            ]
        order = self._client_order_ids.get((command.session, command.original_client_order_id))
        problem = self._amend_problem(command, order)
        if problem is None and isinstance(command, ReplaceOrder):
            assert order is not None
            problem = self._replace_problem(command, order)
        if problem is not None:
            self._client_order_ids[key] = None  # used, but it never became the order's
            return [self._cancel_reject(command, order, problem[0], problem[1], now)]
        assert order is not None
        self._client_order_ids[key] = order
        if isinstance(command, ReplaceOrder):
            return self._replace(order, command, now)
        return [
            self._withdraw(order, command.client_order_id, "cancelled at the client's request", now)
        ]

    def _replace(self, order: Order, command: ReplaceOrder, now: int) -> list[Event]:
        assert command.price is not None
        # Time priority survives only a smaller quantity at the same price.
        keeps_priority = command.price == order.price and command.quantity <= order.quantity
        book = self.books[order.symbol]
        if not keeps_priority:
            book.remove(order)
        order.replace(command.client_order_id, command.quantity, command.price)
        events: list[Event] = [
            OrderReplaced(
                event_id=self.identifiers.next_event_id(),
                timestamp_us=now,
                order=order.snapshot(),
            )
        ]
        if not keeps_priority:
            self._match(order, now, events)  # a new price may trade at once
        return events

    @staticmethod
    def _amend_problem(
        command: CancelOrder | ReplaceOrder, order: Order | None
    ) -> tuple[CancelRejectReason, str] | None:
        unknown = CancelRejectReason.UNKNOWN_ORDER
        if order is None:
            return unknown, f"no order with ClOrdID {command.original_client_order_id}"
        if command.order_id is not None and command.order_id != order.order_id:
            return unknown, (
                f"OrderID {command.order_id} does not match OrigClOrdID "
                f"{command.original_client_order_id} ({order.order_id})"
            )
        if command.symbol != order.symbol or command.side is not order.side:
            return unknown, (
                f"symbol and side do not match order {command.original_client_order_id}"
            )
        if not order.status.is_open:
            return CancelRejectReason.TOO_LATE_TO_CANCEL, f"order is {order.status.value}"
        return None

    def _replace_problem(
        self, command: ReplaceOrder, order: Order
    ) -> tuple[CancelRejectReason, str] | None:
        invalid = CancelRejectReason.INVALID_REPLACEMENT
        if command.defect is not None:
            return invalid, command.defect
        if command.price is None or command.price <= 0:
            return invalid, "a replacement needs a positive Price"
        if command.quantity <= order.cumulative_quantity:
            return invalid, (
                f"new quantity {command.quantity} is not above the quantity already filled, "
                f"{order.cumulative_quantity}"
            )
        taken = self._liquidity_taken_at(order.symbol, order.side, command.price)
        if order.post_only and taken is not None:
            return invalid, f"post-only order would take liquidity at {taken} ticks"
        return None

    def _cancel_reject(
        self,
        command: CancelOrder | ReplaceOrder,
        order: Order | None,
        reason: CancelRejectReason,
        text: str,
        now: int,
    ) -> CancelRejected:
        return CancelRejected(
            event_id=self.identifiers.next_event_id(),
            timestamp_us=now,
            session=command.session,
            client_order_id=command.client_order_id,
            original_client_order_id=command.original_client_order_id,
            order_id=None if order is None else order.order_id,
            status=None if order is None else order.status,
            reason=reason,
            text=text,
            response_to=Amendment.REPLACE
            if isinstance(command, ReplaceOrder)
            else Amendment.CANCEL,
        )
