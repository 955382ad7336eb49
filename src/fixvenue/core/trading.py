"""The trading core: applies sequenced commands to orders and books, returns events.

Everything here is a pure function of the command stream and the static reference data it
was built with, so the ledger's commands replay to the same state and the same events.
Business failures are events (rejects), never exceptions.
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

from fixvenue.core.identifiers import IdentifierSequence
from fixvenue.core.order import Order
from fixvenue.domain.commands import (
    CancelAllOrders,
    CancelOnDisconnect,
    CancelOrder,
    ConfigureRisk,
    ControlSession,
    EndTradingDay,
    ExpireOrders,
    MessagesRefused,
    OperatorCancel,
    PlaceOrder,
    ReplaceOrder,
    RequestOrderStatus,
    ResetSessionSequence,
    SequencedCommand,
    SetKillSwitch,
    SetRiskLimits,
    SetTradingPhase,
)
from fixvenue.domain.events import (
    CancelRejected,
    Event,
    Fill,
    KillSwitchChanged,
    MassCancelReported,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderRestated,
    OrderStatusReported,
    OrderTriggered,
    RiskLimitsChanged,
    SessionControlled,
    TradingDayEnded,
    TradingPhaseChanged,
)
from fixvenue.domain.rejection import Rejection
from fixvenue.domain.risk import KillScope
from fixvenue.domain.values import (
    BASIS_POINTS_PER_UNIT,
    Amendment,
    CancelRejectReason,
    Instrument,
    Liquidity,
    MassCancelRejectReason,
    MassCancelScope,
    OrderRejectReason,
    OrderType,
    SelfTradePrevention,
    SessionAction,
    SessionProfile,
    Side,
    TimeInForce,
    TradingPhase,
    has_limit_price,
    is_immediate,
    is_open,
    is_stop,
    opposite,
    ticks_to_price,
)
from fixvenue.matching.book import (
    CancelResting,
    Match,
    OrderBook,
    RestingOrder,
    Sweep,
    crosses,
)
from fixvenue.matching.stops import StopBook
from fixvenue.risk.controls import RiskControls, kill_switch_text
from fixvenue.risk.exposure import Reservation


class _Repeat(enum.Enum):
    NEW = "new"
    RESEND = "resend"  # PossDup/PossResend of a ClOrdID already processed
    DUPLICATE = "duplicate"


# The classes of the commands and events every order meets, as Final names: the compiled
# build keeps them in C variables, where a class imported from an interpreted module is
# otherwise looked up in the module's dict at every use.
_PlaceOrder: Final = PlaceOrder
_CancelOrder: Final = CancelOrder
_ReplaceOrder: Final = ReplaceOrder
_OrderAccepted: Final = OrderAccepted
_OrderCancelled: Final = OrderCancelled
_OrderFilled: Final = OrderFilled
_Fill: Final = Fill
_OrderReplaced: Final = OrderReplaced

# Members as module constants where every command reads them: in CPython 3.11 reading an
# enum member off its class costs several times a global lookup. Final, so that the
# compiled build keeps them in C variables instead of looking them up in the module's dict.
_FIRST: Final = _Repeat.NEW
_RESEND: Final = _Repeat.RESEND
_DUPLICATE: Final = _Repeat.DUPLICATE
_HALTED: Final = TradingPhase.HALTED
_GOOD_TILL_DATE: Final = TimeInForce.GOOD_TILL_DATE
_FILL_OR_KILL: Final = TimeInForce.FILL_OR_KILL
_BUY: Final = Side.BUY
_SELL: Final = Side.SELL
_DAY: Final = TimeInForce.DAY

# How far ahead a good-till-date order may expire.
GTD_HORIZON_DAYS: Final = 366
_GTD_HORIZON_US: Final = GTD_HORIZON_DAYS * 24 * 3600 * 1_000_000
_ADDED: Final = Liquidity.ADDED
_REMOVED: Final = Liquidity.REMOVED


def _duplicate(command: PlaceOrder | CancelOrder | ReplaceOrder | CancelAllOrders) -> str:
    return f"duplicate ClOrdID {command.client_order_id} for session {command.session}"


_IOC_CANCEL_TEXT: Final = "IOC remainder cancelled: no further liquidity at the limit price"
_FOK_CANCEL_TEXT: Final = (
    "FOK order cancelled: not enough liquidity at the limit price to fill it at once"
)


def _unsupported(text: str) -> Rejection:
    return Rejection(reason=OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC, text=text)


def _invalid_price(text: str) -> Rejection:
    return Rejection(reason=OrderRejectReason.INVALID_PRICE, text=text)


def _incorrect_quantity(text: str) -> Rejection:
    return Rejection(reason=OrderRejectReason.INCORRECT_QUANTITY, text=text)


# What a session that has used no ClOrdID yet has used.
_NONE_USED: Mapping[str, Order | None] = MappingProxyType({})


class TradingCore:
    def __init__(
        self,
        *,
        instruments: Iterable[Instrument],
        sessions: Iterable[SessionProfile],
        first_trading_date: str,
        self_trade_prevention: Mapping[str, SelfTradePrevention] | None = None,
    ) -> None:
        """`first_trading_date`: the ledger's first (YYYY-MM-DD); each EndTradingDay in the
        command stream moves the core on by one date."""
        # Dicts, not mappings, where the core reads per command: the compiled build reads a
        # dict directly, a mapping through a method call.
        self.instruments = {i.symbol: i for i in instruments}
        self.sessions = {s.session: s for s in sessions}
        # Per account, where it is not the default of cancelling the resting order.
        self.self_trade_prevention = dict(self_trade_prevention or {})
        self.books = {symbol: OrderBook(symbol) for symbol in self.instruments}
        self.stops = {symbol: StopBook() for symbol in self.instruments}
        self.phases = dict.fromkeys(self.instruments, TradingPhase.OPEN)
        self.trading_date = first_trading_date
        # Of the current trading date; the reference prices are the configuration's until
        # the first end of day, then each date's closes.
        self.last_trade_prices: dict[str, int] = {}
        self.reference_prices = {s: i.reference_price for s, i in self.instruments.items()}
        self.risk = RiskControls(
            self.instruments.values(), self.last_trade_prices, self.reference_prices
        )
        # The lowest and highest trade price of each symbol since its stops were last
        # looked at (within one command): a stop triggers if any trade reached it, even
        # when the price has moved on since.
        self._printed: dict[str, tuple[int, int]] = {}
        self.identifiers = IdentifierSequence()
        self.last_sequence = 0
        self.last_timestamp_us = 0
        # Per session, every ClOrdID it has used (orders, cancels), mapped to the order it
        # names. One map per session rather than one keyed by (session, ClOrdID): a key
        # tuple per ClOrdID would be most of the memory the day's ClOrdIDs take.
        self._client_order_ids: dict[str, dict[str, Order | None]] = {}
        self.open_orders: dict[str, Order] = {}
        # (expire time, order number, order id) of good-till-date orders; closed orders
        # are skipped as they come up rather than searched for when they close.
        self._expiries: list[tuple[int, int, str]] = []
        # Sessions an operator enabled (True) or disabled (False); the others are as the
        # configuration says.
        self.sessions_enabled: dict[str, bool] = {}
        # One lookup instead of a chain of isinstance checks. It names every kind of
        # command, though apply calls order entry's handlers directly (see there).
        self._handlers: dict[type, Callable[[Any, int], list[Event]]] = {
            PlaceOrder: self._place,
            CancelOrder: self._amend,
            ReplaceOrder: self._amend,
            RequestOrderStatus: lambda command, now: [self._status(command, now)],
            CancelAllOrders: self._mass_cancel,
            ExpireOrders: lambda _command, now: self._expire(now),
            SetTradingPhase: self._set_phase,
            ResetSessionSequence: lambda _command, _now: [],
            MessagesRefused: lambda _command, _now: [],
            ConfigureRisk: self._configure_risk,
            SetRiskLimits: self._set_risk_limits,
            SetKillSwitch: self._set_kill_switch,
            CancelOnDisconnect: self._cancel_on_disconnect,
            OperatorCancel: self._operator_cancel,
            ControlSession: self._control_session,
            EndTradingDay: self._end_trading_day,
        }

    def apply(self, sequenced: SequencedCommand) -> list[Event]:
        sequence, now, command = sequenced.sequence, sequenced.timestamp_us, sequenced.command
        assert sequence == self.last_sequence + 1, (sequenced, self.last_sequence)
        self.last_sequence = sequence
        self.last_timestamp_us = now
        # Order entry, nearly all the traffic, is called directly: the compiled build makes
        # a direct call of a method, and a call of a bound method from the table through
        # Python's calling convention.
        if isinstance(command, _PlaceOrder):
            return self._place(command, now)
        if isinstance(command, (_CancelOrder, _ReplaceOrder)):
            return self._amend(command, now)
        return self._handlers[type(command)](command, now)

    def client_order_id_in_use(self, session: str, client_order_id: str) -> bool:
        """Whether the session has used the ClOrdID on the current trading date (or on an
        earlier one, for an order still open)."""
        return client_order_id in self._client_order_ids.get(session, _NONE_USED)

    def _used(self, session: str) -> dict[str, Order | None]:
        """The session's ClOrdIDs, to add to."""
        used = self._client_order_ids.get(session)
        if used is None:
            used = self._client_order_ids[session] = {}
        return used

    @property
    def next_expiry_us(self) -> int | None:
        """When the next good-till-date order expires: the sequencer's next wake-up."""
        while self._expiries and self._expiries[0][2] not in self.open_orders:
            heapq.heappop(self._expiries)
        return self._expiries[0][0] if self._expiries else None

    # -- new orders ------------------------------------------------------------------

    def _place(self, command: PlaceOrder, now: int) -> list[Event]:
        session = command.session
        used = self._used(session)
        repeat = self._repeat(command, used)
        if repeat is _RESEND:
            return []
        profile = self.sessions.get(session)
        order = Order(self.identifiers.next_order_id(), command, profile.firm if profile else "")
        if repeat is _DUPLICATE:
            duplicate = Rejection(
                reason=OrderRejectReason.DUPLICATE_ORDER, text=_duplicate(command)
            )
            return [self._reject(order, duplicate, now)]
        throttled = command.throttled
        admitted = (
            Rejection(reason=OrderRejectReason.THROTTLED, text=throttled)
            if throttled is not None
            else command.defect or self._validate(order, profile, now) or self._admit(order)
        )
        if not isinstance(admitted, Reservation):
            # The ClOrdID is used, but names no order a cancel could find.
            used[order.client_order_id] = None
            return [self._reject(order, admitted, now)]
        order.reservation = admitted
        used[order.client_order_id] = order
        events: list[Event] = [
            _OrderAccepted(
                event_id=self.identifiers.next_event_id(), timestamp_us=now, order=order.snapshot()
            )
        ]
        self.open_orders[order.order_id] = order
        if order.expire_time_us is not None:
            heapq.heappush(
                self._expiries,
                (order.expire_time_us, self.identifiers.last_order_number, order.order_id),
            )
        self._enter(order, now, events)
        return events

    def _validate(self, order: Order, profile: SessionProfile | None, now: int) -> Rejection | None:
        """What is wrong with a new order's terms, if anything: read from the order, which
        holds them as the command gave them. `profile`: its session's, if it has one."""
        symbol = order.symbol
        if symbol not in self.instruments:
            return Rejection(
                reason=OrderRejectReason.UNKNOWN_SYMBOL, text=f"unknown symbol {symbol}"
            )
        if profile is None or order.account not in profile.accounts:
            return Rejection(
                reason=OrderRejectReason.UNKNOWN_ACCOUNT,
                text=f"account {order.account} may not trade on session {order.session}",
            )
        if self.phases[symbol] is _HALTED:
            return Rejection(
                reason=OrderRejectReason.TRADING_HALTED, text=f"trading in {symbol} is halted"
            )
        if order.quantity <= 0:
            return _incorrect_quantity(f"quantity must be positive, got {order.quantity}")
        return (
            self._price_problem(order)
            or self._time_in_force_problem(order, now)
            or self._quantity_instruction_problem(order)
            or self._post_only_problem(order)
        )

    def _admit(self, order: Order) -> Rejection | Reservation:
        """The account's kill switches and limits: a reject, or the order's reservation."""
        price = order.price
        buying = order.side is _BUY
        return self.risk.admit(
            account=order.account,
            firm=order.firm,
            session=order.session,
            symbol=order.symbol,
            buying=buying,
            quantity=order.quantity,
            price=price,
            # A buy with a limit price is reckoned at it (see _reserve_price): most orders
            # are, and they need no further call.
            reserve_price=price
            if price is not None and buying
            else self._reserve_price(order, price, order.stop_price),
        )

    def _reserve_price(self, order: Order, price: int | None, stop_price: int | None) -> int:
        """The price an order's notional is reckoned at: the highest it can trade at now.
        A buy: its limit price, or a market order's worst price. A sell: that, or the best
        bid where that is higher, since a sell trades at bids at or above its price. A stop
        waiting for its trigger: its limit price, or a stop order's stop price; the
        trigger reckons it again. An order resting on the book trades at its own price,
        so it is reckoned at that once it rests."""
        if not order.triggered:
            bound = price if price is not None else stop_price
            assert bound is not None
            return bound
        bound = price if price is not None else self._market_limit(order)
        if order.side is _SELL:
            best_bid = self.books[order.symbol].best_price(_BUY)
            if best_bid is not None and best_bid > bound:
                return best_bid
        return bound

    @staticmethod
    def _price_problem(order: Order) -> Rejection | None:
        order_type, price, stop_price = order.order_type, order.price, order.stop_price
        limit, stop = has_limit_price(order_type), is_stop(order_type)
        if limit and (price is None or price <= 0):
            return _invalid_price(f"a {order_type.value} order needs a positive Price")
        if not limit and price is not None:
            return _invalid_price(f"a {order_type.value} order takes no Price")
        if stop and (stop_price is None or stop_price <= 0):
            return _invalid_price(f"a {order_type.value} order needs a positive StopPx")
        if not stop and stop_price is not None:
            return _invalid_price(f"a {order_type.value} order takes no StopPx")
        return None

    @staticmethod
    def _time_in_force_problem(order: Order, now: int) -> Rejection | None:
        good_till_date = order.time_in_force is _GOOD_TILL_DATE
        expire_time_us = order.expire_time_us
        if expire_time_us is None:
            return _unsupported("a GTD order needs an ExpireTime") if good_till_date else None
        if not good_till_date:
            return _unsupported("ExpireTime is only for GTD orders")
        if expire_time_us <= now:
            return Rejection(
                reason=OrderRejectReason.TOO_LATE_TO_ENTER,
                text="the order's ExpireTime has already passed",
            )
        if expire_time_us > now + _GTD_HORIZON_US:
            return _unsupported(f"ExpireTime may be at most {GTD_HORIZON_DAYS} days ahead")
        return None

    @staticmethod
    def _quantity_instruction_problem(order: Order) -> Rejection | None:
        minimum = order.minimum_quantity
        if minimum is not None:
            if not is_immediate(order.time_in_force):
                return _unsupported("MinQty is only for IOC and FOK orders")
            if not 0 < minimum <= order.quantity:
                return _incorrect_quantity(
                    f"MinQty {minimum} must be between 1 and the order quantity"
                )
        display = order.display_quantity
        if display is not None:
            if not has_limit_price(order.order_type) or is_immediate(order.time_in_force):
                return _unsupported("MaxFloor is only for limit orders that may rest")
            if not 0 < display <= order.quantity:
                return _incorrect_quantity(
                    f"MaxFloor {display} must be between 1 and the order quantity"
                )
        return None

    def _post_only_problem(self, order: Order) -> Rejection | None:
        if not order.post_only:
            return None
        if order.order_type is not OrderType.LIMIT or is_immediate(order.time_in_force):
            return _unsupported("post-only is only for limit orders that may rest")
        assert order.price is not None
        taken = self._liquidity_taken_at(order.symbol, order.side, order.price)
        if taken is not None:
            return Rejection(
                reason=OrderRejectReason.WOULD_TAKE_LIQUIDITY,
                text=f"post-only order would take liquidity at {self._format(order.symbol, taken)}",
            )
        return None

    def _repeat(
        self,
        command: PlaceOrder | CancelOrder | ReplaceOrder | CancelAllOrders,
        used: dict[str, Order | None],
    ) -> _Repeat:
        """Whether the request's ClOrdID was used before (is in `used`, its session's), and
        if so as a resend or not."""
        if command.client_order_id not in used:
            return _FIRST
        # A resend of a request already processed was answered then: ignore it.
        return _RESEND if command.possible_resend else _DUPLICATE

    def _liquidity_taken_at(self, symbol: str, side: Side, price: int) -> int | None:
        """The best opposite price an order at `price` would trade with, if any."""
        best = self.books[symbol].best_price(opposite(side))
        if best is not None and crosses(side, price, best):
            return best
        return None

    def _close(self, order: Order) -> None:
        """Takes a closed order off its book or stop book and out of the open orders, and
        releases what it held of its account's risk."""
        self._unlist(order)
        del self.open_orders[order.order_id]
        order.reservation.close()
        # Kept for the rest of the day (status requests, late cancels), a closed order
        # holds nothing of its account's risk any more.
        del order.reservation

    def _unlist(self, order: Order) -> None:
        """Takes the order off its book, or its stop book while it waits for its trigger."""
        if not order.triggered:
            self.stops[order.symbol].remove(order)
        else:
            self.books[order.symbol].discard(order)  # an aggressor is not on the book yet

    def _withdraw(
        self, order: Order, client_order_id: str | None, text: str, now: int
    ) -> OrderCancelled:
        """Cancels an open order and reports it."""
        order.cancel(client_order_id)
        self._close(order)
        return _OrderCancelled(
            event_id=self.identifiers.next_event_id(),
            timestamp_us=now,
            order=order.snapshot(),
            text=text,
        )

    def _reject(self, order: Order, rejection: Rejection, now: int) -> OrderRejected:
        order.reject()
        return OrderRejected(
            event_id=self.identifiers.next_event_id(),
            timestamp_us=now,
            order=order.snapshot(),
            reason=rejection.reason,
            text=rejection.text,
            as_received=rejection.as_received,
        )

    # -- matching --------------------------------------------------------------------

    def _enter(self, order: Order, now: int, events: list[Event]) -> None:
        """Puts an order to work: a stop waits for its trigger; any other order trades what
        it can, then rests or is cancelled. A trade or a new stop may trigger stops."""
        if not order.triggered:
            self.stops[order.symbol].add(order)
        elif not self._execute(order, now, events):
            return  # no trade, so the last price did not move
        self._trigger_stops(order.symbol, now, events)

    def _execute(self, aggressor: Order, now: int, events: list[Event]) -> bool:
        """Matches a live order against the book, then rests or cancels what is left.
        True when it traded."""
        book = self.books[aggressor.symbol]
        side = aggressor.side
        limit = aggressor.price if aggressor.price is not None else self._market_limit(aggressor)
        best = book.best_price(opposite(side))
        # Most orders do not cross on arrival: they skip the sweep altogether.
        crossing = best is not None and crosses(side, limit, best)
        sweep = self._sweep(book, aggressor, limit) if crossing else None
        traded = 0 if sweep is None else sweep.traded
        if aggressor.time_in_force is _FILL_OR_KILL or aggressor.minimum_quantity is not None:
            shortfall = self._shortfall(aggressor, sweep)
            if shortfall is not None:
                events.append(self._withdraw(aggressor, None, shortfall, now))
                return False
        if sweep is not None:
            self._apply_sweep(aggressor, sweep, now, events)
            assert not book.is_crossed(), book.symbol
        if aggressor.leaves_quantity == 0:
            return traded > 0
        if sweep is not None and sweep.stopped_by is not None:
            text = self._self_trade_text(aggressor, sweep.stopped_by)
            events.append(self._withdraw(aggressor, None, text, now))
        elif aggressor.price is None:
            text = (
                "market order remainder cancelled: no further liquidity within the price "
                f"band (worst price {self._format(aggressor.symbol, limit)})"
            )
            events.append(self._withdraw(aggressor, None, text, now))
        elif is_immediate(aggressor.time_in_force):
            fill_or_kill = aggressor.time_in_force is _FILL_OR_KILL
            text = _FOK_CANCEL_TEXT if fill_or_kill else _IOC_CANCEL_TEXT
            events.append(self._withdraw(aggressor, None, text, now))
        else:
            aggressor.show()
            book.add(aggressor)
            if aggressor.side is _SELL and sweep is not None:
                # It was reckoned at the bids it could take; resting, it trades at its price.
                assert aggressor.price is not None
                aggressor.reservation.reprice(aggressor.leaves_quantity, aggressor.price)
        return traded > 0

    def _sweep(self, book: OrderBook, aggressor: Order, limit: int) -> Sweep:
        """What the aggressor would do to the book, up to its limit price. A method of its
        own because of the closure: the compiled build makes a closure's environment on
        every call of the function that holds it, crossing or not."""
        return book.sweep(
            aggressor.side,
            limit,
            aggressor.leaves_quantity,
            is_own=lambda resting: self.open_orders[resting.order_id].firm == aggressor.firm,
            prevention=self._prevention(aggressor),
        )

    def _apply_sweep(self, aggressor: Order, sweep: Sweep, now: int, events: list[Event]) -> None:
        for step in sweep.steps:
            resting = self.open_orders[step.resting.order_id]
            if isinstance(step, Match):
                self._trade(aggressor, resting, step, now, events)
            elif isinstance(step, CancelResting):
                text = self._self_trade_text(aggressor, aggressor)
                events.append(self._withdraw(resting, None, text, now))
            else:
                for order, other in ((resting, aggressor), (aggressor, resting)):
                    events.append(self._decrement(order, step.quantity, other, aggressor, now))

    def _market_limit(self, order: Order) -> int:
        """The worst price a market order may trade at: the edge of the instrument's band
        around the last trade (or the reference price before any trade), or of the
        account's price collar where that is narrower."""
        symbol = order.symbol
        anchor = self.risk.anchor(symbol)
        basis_points = self.instruments[symbol].market_band_basis_points
        collar = self.risk.collar_basis_points(order.account)
        if collar is not None and collar < basis_points:
            basis_points = collar
        band = anchor * basis_points // BASIS_POINTS_PER_UNIT
        return anchor + band if order.side is _BUY else max(anchor - band, 1)

    def _prevention(self, order: Order) -> SelfTradePrevention:
        return order.self_trade_prevention or self.self_trade_prevention.get(
            order.account, SelfTradePrevention.CANCEL_RESTING
        )

    @staticmethod
    def _shortfall(aggressor: Order, sweep: Sweep | None) -> str | None:
        """Why the order may not trade at all (FOK or MinQty not met), if so."""
        traded = 0 if sweep is None else sweep.traded
        minimum = aggressor.minimum_quantity
        if aggressor.time_in_force is _FILL_OR_KILL and traded < aggressor.leaves_quantity:
            text = _FOK_CANCEL_TEXT
        elif minimum is not None and traded < minimum:
            text = f"order cancelled: MinQty {minimum} not met, only {traded} could trade at once"
        else:
            return None
        if sweep is not None and sweep.meets_own_firm:
            text += " (self-trade prevention kept it from trading with orders of its own firm)"
        return text

    def _trade(
        self,
        aggressor: Order,
        resting: Order,
        match: Match,
        now: int,
        events: list[Event],
    ) -> None:
        quantity, price = match.quantity, match.price
        trade_id = self.identifiers.next_trade_id()
        symbol = resting.symbol
        self.last_trade_prices[symbol] = price
        low, high = self._printed.get(symbol, (price, price))
        self._printed[symbol] = (min(low, price), max(high, price))
        book = self.books[resting.symbol]
        instrument = self.instruments[symbol]
        for order, liquidity, fee_per_share in (
            (resting, _ADDED, instrument.maker_fee_per_share),
            (aggressor, _REMOVED, instrument.taker_fee_per_share),
        ):
            order.reservation.execute(quantity, price)
            refreshed = order.fill(quantity, price)
            if order is resting and refreshed:
                book.requeue(resting)  # a new iceberg slice joins the back of the level
            events.append(
                _OrderFilled(
                    event_id=self.identifiers.next_event_id(),
                    timestamp_us=now,
                    order=order.snapshot(),
                    fill=_Fill(
                        trade_id=trade_id,
                        quantity=quantity,
                        price=price,
                        liquidity=liquidity,
                        fee=quantity * fee_per_share,
                    ),
                )
            )
            if order.leaves_quantity == 0:
                self._close(order)

    def _decrement(
        self, order: Order, quantity: int, other: Order, aggressor: Order, now: int
    ) -> Event:
        """Self-trade prevention by decrement, for one of the two orders."""
        text = self._self_trade_text(aggressor, other)
        if quantity == order.leaves_quantity:
            return self._withdraw(order, None, text, now)
        order.decrement(quantity)
        order.reservation.release(quantity)
        return OrderRestated(
            event_id=self.identifiers.next_event_id(),
            timestamp_us=now,
            order=order.snapshot(),
            text=text,
        )

    def _self_trade_text(self, aggressor: Order, other: RestingOrder) -> str:
        mode = self._prevention(aggressor).value.replace("_", " ")
        return f"self-trade prevention ({mode}) against order {other.order_id} of the same firm"

    def _trigger_stops(self, symbol: str, now: int, events: list[Event]) -> None:
        """Triggers, one at a time, every stop order that a trade since the last look has
        reached — or the last trade price, for a stop that just arrived; each may trade and
        reach further stops."""
        last = self.last_trade_prices.get(symbol)
        if last is None:
            return
        low, high = self._printed.pop(symbol, (last, last))
        stops = self.stops[symbol]
        while stops:
            stop = stops.pop_triggered(low, high)
            if stop is None:
                return
            order = self.open_orders[stop.order_id]
            order.triggered = True
            order.reservation.reprice(
                order.leaves_quantity, self._reserve_price(order, order.price, order.stop_price)
            )
            events.append(
                OrderTriggered(
                    event_id=self.identifiers.next_event_id(),
                    timestamp_us=now,
                    order=order.snapshot(),
                )
            )
            self._execute(order, now, events)
            printed_low, printed_high = self._printed.pop(symbol, (low, high))
            low, high = min(low, printed_low), max(high, printed_high)

    def _format(self, symbol: str, ticks: int) -> str:
        """A price for a report's Text, in the instrument's currency."""
        instrument = self.instruments[symbol]
        return f"{ticks_to_price(ticks, instrument.tick_size)} {instrument.currency}"

    # -- expiry and trading phases -----------------------------------------------------

    def _expire(self, now: int) -> list[Event]:
        events: list[Event] = []
        while (due := self.next_expiry_us) is not None and due <= now:
            order = self.open_orders[heapq.heappop(self._expiries)[2]]
            events.append(
                self._expire_order(order, "good-till-date order expired at its ExpireTime", now)
            )
        return events

    def _expire_order(self, order: Order, text: str, now: int) -> OrderExpired:
        order.expire()
        self._close(order)
        return OrderExpired(
            event_id=self.identifiers.next_event_id(),
            timestamp_us=now,
            order=order.snapshot(),
            text=text,
        )

    def _end_trading_day(self, command: EndTradingDay, now: int) -> list[Event]:
        if command.trading_date != self.trading_date:
            return []  # the admin endpoint checks the date before it asks
        ending = self.trading_date
        text = f"day order expired at the end of trading date {ending}"
        events: list[Event] = [
            self._expire_order(order, text, now)
            for order in [o for o in self.open_orders.values() if o.time_in_force is _DAY]
        ]
        self.reference_prices.update(self.last_trade_prices)
        self.last_trade_prices.clear()
        # A ClOrdID may be used again from the next date on, unless it names an order that
        # is still open (a GTC or GTD order carries over, and a cancel may name it so).
        self._client_order_ids = {
            session: {
                client_order_id: order
                for client_order_id, order in used.items()
                if order is not None and order.order_id in self.open_orders
            }
            for session, used in self._client_order_ids.items()
        }
        self.risk.start_day()
        self.trading_date = command.next_trading_date
        events.append(
            TradingDayEnded(
                event_id=self.identifiers.next_event_id(),
                timestamp_us=now,
                trading_date=ending,
                next_trading_date=self.trading_date,
                closes=tuple(sorted(self.reference_prices.items())),
                positions=self.risk.positions(),
                expired=len(events),
            )
        )
        return events

    def _set_phase(self, command: SetTradingPhase, now: int) -> list[Event]:
        if command.symbol not in self.instruments:
            return []  # the operator's tools check the symbol before they ask
        self.phases[command.symbol] = command.phase
        return [
            TradingPhaseChanged(
                event_id=self.identifiers.next_event_id(),
                timestamp_us=now,
                symbol=command.symbol,
                phase=command.phase,
                reason=command.reason,
            )
        ]

    # -- risk controls -----------------------------------------------------------------

    def _configure_risk(self, command: ConfigureRisk, now: int) -> list[Event]:
        changed = self.risk.configure(command.default, dict(command.accounts))
        return [
            RiskLimitsChanged(
                event_id=self.identifiers.next_event_id(),
                timestamp_us=now,
                account=account,
                limits=limits,
            )
            for account, limits in changed
        ]

    def _set_risk_limits(self, command: SetRiskLimits, now: int) -> list[Event]:
        return [
            RiskLimitsChanged(
                event_id=self.identifiers.next_event_id(),
                timestamp_us=now,
                account=command.account,
                limits=self.risk.change(command.account, command.changes),
            )
        ]

    def _set_kill_switch(self, command: SetKillSwitch, now: int) -> list[Event]:
        self.risk.set_kill_switch(command.scope, command.name, command.engaged, command.reason)
        victims = (
            [order for order in self.open_orders.values() if _in_scope(order, command)]
            if command.engaged
            else []
        )
        events: list[Event] = [
            KillSwitchChanged(
                event_id=self.identifiers.next_event_id(),
                timestamp_us=now,
                scope=command.scope,
                name=command.name,
                engaged=command.engaged,
                reason=command.reason,
                cancelled=len(victims),
            )
        ]
        text = kill_switch_text(command.scope, command.name, command.reason)
        events += [self._withdraw(order, None, text, now) for order in victims]
        return events

    def _open_day_orders(self, session: str) -> list[Order]:
        return [
            order
            for order in self.open_orders.values()
            if order.session == session and order.time_in_force is _DAY
        ]

    def _control_session(self, command: ControlSession, now: int) -> list[Event]:
        if command.action in (SessionAction.ENABLE, SessionAction.DISABLE):
            self.sessions_enabled[command.session] = command.action is SessionAction.ENABLE
        return [
            SessionControlled(
                event_id=self.identifiers.next_event_id(),
                timestamp_us=now,
                session=command.session,
                action=command.action,
                reason=command.reason,
            )
        ]

    def has_open_day_orders(self, session: str) -> bool:
        """Whether cancel-on-disconnect would cancel anything of the session's."""
        return bool(self._open_day_orders(session))

    def _cancel_on_disconnect(self, command: CancelOnDisconnect, now: int) -> list[Event]:
        text = f"cancel on disconnect: {command.reason}"
        return [
            self._withdraw(order, None, text, now)
            for order in self._open_day_orders(command.session)
        ]

    def _operator_cancel(self, command: OperatorCancel, now: int) -> list[Event]:
        assert command.account or command.session or command.symbol, command
        victims = [
            order
            for order in self.open_orders.values()
            if command.account in (None, order.account)
            and command.session in (None, order.session)
            and command.symbol in (None, order.symbol)
        ]
        text = f"cancelled by the venue operator: {command.reason}"
        return [self._withdraw(order, None, text, now) for order in victims]

    # -- mass cancel -------------------------------------------------------------------

    def _mass_cancel(self, command: CancelAllOrders, now: int) -> list[Event]:
        used = self._used(command.session)
        repeat = self._repeat(command, used)
        if repeat is _RESEND:
            return []
        if repeat is _DUPLICATE:
            return [
                self._mass_cancel_report(
                    command,
                    now,
                    [],
                    MassCancelRejectReason.DUPLICATE_CLIENT_ORDER_ID,
                    _duplicate(command),
                )
            ]
        used[command.client_order_id] = None
        if command.throttled is not None:
            return [
                self._mass_cancel_report(
                    command, now, [], MassCancelRejectReason.THROTTLED, command.throttled
                )
            ]
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
        order = self._client_order_ids.get(command.session, _NONE_USED).get(command.client_order_id)
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
            as_received=command.as_received,
        )

    # -- cancels ---------------------------------------------------------------------

    def _amend(self, command: CancelOrder | ReplaceOrder, now: int) -> list[Event]:
        """Cancel or replace: the same checks, then what was asked for."""
        used = self._used(command.session)
        repeat = self._repeat(command, used)
        if repeat is _RESEND:
            return []
        if repeat is _DUPLICATE:
            return [
                self._cancel_reject(
                    command,
                    None,
                    CancelRejectReason.DUPLICATE_CLIENT_ORDER_ID,
                    _duplicate(command),
                    now,
                )
            ]
        order = used.get(command.original_client_order_id)
        throttled = command.throttled
        problem = (
            (CancelRejectReason.THROTTLED, throttled)
            if throttled is not None
            else self._amend_problem(command, order)
        )
        replace = command if isinstance(command, _ReplaceOrder) else None
        if problem is None and replace is not None:
            assert order is not None
            problem = self._replace_problem(replace, order)
        client_order_id = command.client_order_id
        if problem is not None:
            used[client_order_id] = None  # used, but it never became the order's
            return [self._cancel_reject(command, order, problem[0], problem[1], now)]
        assert order is not None
        used[client_order_id] = order
        if replace is not None:
            return self._replace(order, replace, now)
        return [self._withdraw(order, client_order_id, "cancelled at the client's request", now)]

    def _replace(self, order: Order, command: ReplaceOrder, now: int) -> list[Event]:
        quantity, price, new_stop_price = command.quantity, command.price, command.stop_price
        stop_price = order.stop_price if new_stop_price is None else new_stop_price
        # Time priority survives only a smaller quantity at the same prices.
        keeps_priority = (
            price == order.price and stop_price == order.stop_price and quantity <= order.quantity
        )
        if not keeps_priority:
            self._unlist(order)
        order.replace(command.client_order_id, quantity, price, stop_price)
        order.reservation.reprice(
            order.leaves_quantity, self._reserve_price(order, price, stop_price)
        )
        events: list[Event] = [
            _OrderReplaced(
                event_id=self.identifiers.next_event_id(),
                timestamp_us=now,
                order=order.snapshot(),
            )
        ]
        if not keeps_priority:
            self._enter(order, now, events)  # a new price may trade at once
        return events

    @staticmethod
    def _amend_problem(
        command: CancelOrder | ReplaceOrder, order: Order | None
    ) -> tuple[CancelRejectReason, str] | None:
        unknown = CancelRejectReason.UNKNOWN_ORDER
        original, order_id = command.original_client_order_id, command.order_id
        if order is None:
            return unknown, f"no order with ClOrdID {original}"
        if order_id is not None and order_id != order.order_id:
            return unknown, (
                f"OrderID {order_id} does not match OrigClOrdID {original} ({order.order_id})"
            )
        if command.symbol != order.symbol or command.side is not order.side:
            return unknown, f"symbol and side do not match order {original}"
        if not is_open(order.status):
            return CancelRejectReason.TOO_LATE_TO_CANCEL, f"order is {order.status.value}"
        if original != order.client_order_id:
            return unknown, (
                f"ClOrdID {original} was replaced: the order is {order.client_order_id} now"
            )
        return None

    def _replace_problem(
        self, command: ReplaceOrder, order: Order
    ) -> tuple[CancelRejectReason, str] | None:
        invalid = CancelRejectReason.INVALID_REPLACEMENT
        quantity, price, new_stop_price = command.quantity, command.price, command.stop_price
        stop_price = order.stop_price if new_stop_price is None else new_stop_price
        order_type = order.order_type
        if self.phases[order.symbol] is _HALTED:
            return CancelRejectReason.TRADING_HALTED, f"trading in {order.symbol} is halted"
        if command.defect is not None:
            return invalid, command.defect
        if command.order_type is not order_type:
            return invalid, f"the order type stays {order_type.value} on a replace"
        if has_limit_price(order_type) and (price is None or price <= 0):
            return invalid, "a replacement needs a positive Price"
        if not has_limit_price(order_type) and price is not None:
            return invalid, f"a {order_type.value} order takes no Price"
        if new_stop_price is not None:
            if not is_stop(order_type):
                return invalid, f"a {order_type.value} order takes no StopPx"
            if new_stop_price <= 0:
                return invalid, "a replacement StopPx must be positive"
            if order.triggered and new_stop_price != order.stop_price:
                return invalid, "StopPx cannot move once the stop has triggered"
        if quantity <= order.cumulative_quantity:
            return invalid, (
                f"new quantity {quantity} is not above the quantity already filled, "
                f"{order.cumulative_quantity}"
            )
        for name, bound in (
            ("MinQty", order.minimum_quantity),
            ("MaxFloor", order.display_quantity),
        ):
            if bound is not None and quantity < bound:
                return invalid, f"new quantity {quantity} is below the order's {name} {bound}"
        if order.post_only:
            assert price is not None
            taken = self._liquidity_taken_at(order.symbol, order.side, price)
            if taken is not None:
                return invalid, (
                    f"post-only order would take liquidity at {self._format(order.symbol, taken)}"
                )
        breach = self.risk.check_replace(
            order.reservation,
            account=order.account,
            symbol=order.symbol,
            side=order.side,
            old_quantity=order.quantity,
            old_limit_price=order.price,
            quantity=quantity,
            open_quantity=quantity - order.cumulative_quantity,
            limit_price=price,
            reserve_price=self._reserve_price(order, price, stop_price),
        )
        if breach is not None:
            return CancelRejectReason.RISK_LIMIT, breach
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
            if isinstance(command, _ReplaceOrder)
            else Amendment.CANCEL,
        )


def _in_scope(order: Order, kill_switch: SetKillSwitch) -> bool:
    scope, name = kill_switch.scope, kill_switch.name
    if scope is KillScope.ACCOUNT:
        return order.account == name
    if scope is KillScope.FIRM:
        return order.firm == name
    return order.session == name
