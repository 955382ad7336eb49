"""Reference data, commands and a driver shared by the unit tests of the trading core."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from fixvenue.core.trading import TradingCore
from fixvenue.domain.commands import (
    CancelOrder,
    Command,
    ExpireOrders,
    PlaceOrder,
    ReplaceOrder,
    ResetSessionSequence,
    SequencedCommand,
    SetTradingPhase,
)
from fixvenue.domain.events import (
    CancelRejected,
    Event,
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
    TradingPhaseChanged,
)
from fixvenue.domain.rejection import Rejection
from fixvenue.domain.risk import MONEY_SCALE
from fixvenue.domain.values import (
    Instrument,
    OrderType,
    SelfTradePrevention,
    SessionProfile,
    Side,
    TimeInForce,
    TradingPhase,
)
from fixvenue.matching.book import OrderBook

ACME = "ACME"
BOLT = "BOLT"
SYMBOLS = (ACME, BOLT)

# Two order-entry sessions of two firms, each with its own accounts.
S1 = "S1"
S2 = "S2"
A1 = "A1"
A1B = "A1B"
A2 = "A2"
ACCOUNTS = {S1: A1, S2: A2}

INSTRUMENTS = (
    # Market orders may trade up to 5% from the last (or reference) price.
    Instrument(
        symbol=ACME,
        currency="USD",
        tick_size=Decimal("0.01"),
        reference_price=10_000,
        market_band_basis_points=500,
    ),
    # A maker rebate of 0.002 and a taker fee of 0.003 per share.
    Instrument(
        symbol=BOLT,
        currency="EUR",
        tick_size=Decimal("0.05"),
        reference_price=2_000,
        market_band_basis_points=500,
        maker_fee_per_share=-2_000,
        taker_fee_per_share=3_000,
    ),
)
PROFILES = (
    SessionProfile(session=S1, firm="FIRM1", accounts=frozenset({A1, A1B})),
    SessionProfile(session=S2, firm="FIRM2", accounts=frozenset({A2})),
)

BUY = Side.BUY
SELL = Side.SELL
DAY = TimeInForce.DAY
GTC = TimeInForce.GOOD_TILL_CANCEL
IOC = TimeInForce.IMMEDIATE_OR_CANCEL
FOK = TimeInForce.FILL_OR_KILL
GTD = TimeInForce.GOOD_TILL_DATE
LIMIT = OrderType.LIMIT
MARKET = OrderType.MARKET
STOP = OrderType.STOP
STOP_LIMIT = OrderType.STOP_LIMIT

# Account A1B of FIRM1 prevents self-trades by decrement unless an order says otherwise.
ACCOUNT_SELF_TRADE_PREVENTION = {A1B: SelfTradePrevention.DECREMENT}


FIRST_TRADING_DATE = "2026-11-02"


def new_core() -> TradingCore:
    return TradingCore(
        instruments=INSTRUMENTS,
        sessions=PROFILES,
        first_trading_date=FIRST_TRADING_DATE,
        self_trade_prevention=ACCOUNT_SELF_TRADE_PREVENTION,
    )


def place(
    client_order_id: str,
    side: Side,
    quantity: int,
    price: int | None,
    *,
    session: str = S1,
    account: str | None = None,
    symbol: str = ACME,
    time_in_force: TimeInForce = DAY,
    order_type: OrderType = LIMIT,
    stop_price: int | None = None,
    expire_time_us: int | None = None,
    post_only: bool = False,
    minimum_quantity: int | None = None,
    display_quantity: int | None = None,
    self_trade_prevention: SelfTradePrevention | None = None,
    possible_resend: bool = False,
    defect: Rejection | None = None,
) -> PlaceOrder:
    return PlaceOrder(
        session=session,
        client_order_id=client_order_id,
        account=ACCOUNTS[session] if account is None else account,
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=quantity,
        price=price,
        time_in_force=time_in_force,
        stop_price=stop_price,
        expire_time_us=expire_time_us,
        post_only=post_only,
        minimum_quantity=minimum_quantity,
        display_quantity=display_quantity,
        self_trade_prevention=self_trade_prevention,
        possible_resend=possible_resend,
        defect=defect,
    )


def cancel(
    client_order_id: str,
    original_client_order_id: str,
    side: Side | None,
    *,
    session: str = S1,
    symbol: str = ACME,
    order_id: str | None = None,
    possible_resend: bool = False,
) -> CancelOrder:
    return CancelOrder(
        session=session,
        client_order_id=client_order_id,
        original_client_order_id=original_client_order_id,
        order_id=order_id,
        symbol=symbol,
        side=side,
        possible_resend=possible_resend,
    )


def replace(
    client_order_id: str,
    original_client_order_id: str,
    side: Side | None,
    quantity: int,
    price: int | None,
    *,
    session: str = S1,
    symbol: str = ACME,
    order_type: OrderType | None = LIMIT,
    stop_price: int | None = None,
    possible_resend: bool = False,
) -> ReplaceOrder:
    return ReplaceOrder(
        session=session,
        client_order_id=client_order_id,
        original_client_order_id=original_client_order_id,
        order_id=None,
        symbol=symbol,
        side=side,
        order_type=order_type,
        quantity=quantity,
        price=price,
        stop_price=stop_price,
        possible_resend=possible_resend,
    )


def reset(session: str = S1) -> ResetSessionSequence:
    return ResetSessionSequence(session=session)


def halt(symbol: str = ACME) -> SetTradingPhase:
    return SetTradingPhase(symbol=symbol, phase=TradingPhase.HALTED, reason="news pending")


def reopen(symbol: str = ACME) -> SetTradingPhase:
    return SetTradingPhase(symbol=symbol, phase=TradingPhase.OPEN, reason="news out")


EPOCH_US = 1_700_000_000_000_000


def timestamp_of(sequence: int) -> int:
    """The time the driver gives command `sequence`: a microsecond after the one before."""
    return EPOCH_US + sequence


def sequenced(sequence: int, command: Command, timestamp_us: int | None = None) -> SequencedCommand:
    return SequencedCommand(
        sequence=sequence,
        timestamp_us=timestamp_of(sequence) if timestamp_us is None else timestamp_us,
        inbound_sequence_number=sequence,
        command=command,
    )


@dataclass
class Driver:
    """A core fed with consecutive sequence numbers, remembering every event it returned."""

    core: TradingCore
    events: list[Event]

    @classmethod
    def fresh(cls) -> Driver:
        return cls(new_core(), [])

    def send(self, command: Command, timestamp_us: int | None = None) -> list[Event]:
        result = self.core.apply(sequenced(self.core.last_sequence + 1, command, timestamp_us))
        self.events.extend(result)
        return result

    def expire_at(self, timestamp_us: int) -> list[Event]:
        return self.send(ExpireOrders(), timestamp_us)

    def send_all(self, *commands: Command) -> list[Event]:
        result: list[Event] = []
        for command in commands:
            result.extend(self.send(command))
        return result


def run(commands: list[Command]) -> list[list[Event]]:
    """The events of each command, applied in order to a fresh core."""
    driver = Driver.fresh()
    return [driver.send(command) for command in commands]


def kinds(events: list[Event]) -> list[str]:
    """A compact outline of events: kind, ClOrdID and, for fills, quantity@price."""
    outline: list[str] = []
    for event in events:
        if isinstance(event, OrderAccepted):
            outline.append(f"new {event.order.client_order_id}")
        elif isinstance(event, OrderRejected):
            outline.append(f"reject {event.order.client_order_id}")
        elif isinstance(event, OrderFilled):
            outline.append(
                f"fill {event.order.client_order_id} {event.fill.quantity}@{event.fill.price}"
            )
        elif isinstance(event, OrderCancelled):
            outline.append(f"cancelled {event.order.client_order_id}")
        elif isinstance(event, OrderReplaced):
            order = event.order
            outline.append(f"replaced {order.client_order_id} {order.quantity}@{order.price}")
        elif isinstance(event, OrderStatusReported):
            outline.append(f"status {event.client_order_id}")
        elif isinstance(event, OrderExpired):
            outline.append(f"expired {event.order.client_order_id}")
        elif isinstance(event, OrderTriggered):
            outline.append(f"triggered {event.order.client_order_id}")
        elif isinstance(event, OrderRestated):
            outline.append(f"restated {event.order.client_order_id} {event.order.quantity}")
        elif isinstance(event, TradingPhaseChanged):
            outline.append(f"{event.phase.value} {event.symbol}")
        elif isinstance(event, RiskLimitsChanged):
            outline.append(f"limits {event.account or 'default'}")
        elif isinstance(event, KillSwitchChanged):
            state = "engaged" if event.engaged else "released"
            outline.append(f"kill switch {state} {event.scope.value} {event.name}")
        else:
            assert isinstance(event, CancelRejected)
            outline.append(f"cancel-reject {event.client_order_id}")
    return outline


E = TypeVar(
    "E",
    MassCancelReported,
    OrderAccepted,
    OrderRejected,
    OrderFilled,
    OrderCancelled,
    CancelRejected,
    OrderStatusReported,
    OrderExpired,
    OrderTriggered,
    OrderRestated,
    TradingPhaseChanged,
    RiskLimitsChanged,
    KillSwitchChanged,
    SessionControlled,
)


def levels(book: OrderBook) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """(bids, asks) as (price, quantity, orders), best first."""
    return (
        [(level.price, level.quantity, level.orders) for level in book.levels(BUY)],
        [(level.price, level.quantity, level.orders) for level in book.levels(SELL)],
    )


def single(events: list[Event], kind: type[E]) -> E:
    assert len(events) == 1, events
    (event,) = events
    assert isinstance(event, kind), event
    return event


def fills(events: list[Event]) -> list[OrderFilled]:
    return [event for event in events if isinstance(event, OrderFilled)]


def assert_reservations_match_open_orders(core: TradingCore) -> None:
    """Each account's reserved notional and open quantities are exactly what its open
    orders hold, and its open-order count is theirs."""
    expected: dict[tuple[str, str], int] = {}
    buying: dict[tuple[str, str], int] = {}
    selling: dict[tuple[str, str], int] = {}
    counts: dict[str, int] = {}
    for order in core.open_orders.values():
        account, symbol = order.terms.account, order.symbol
        instrument = core.instruments[symbol]
        price = order.price if order.price is not None else order.stop_price
        assert price is not None, order  # a market order never stays open
        tick_money = int(instrument.tick_size * MONEY_SCALE)
        key = (account, instrument.currency)
        expected[key] = expected.get(key, 0) + order.leaves_quantity * price * tick_money
        sides = buying if order.side is BUY else selling
        sides[(account, symbol)] = sides.get((account, symbol), 0) + order.leaves_quantity
        counts[account] = counts.get(account, 0) + 1
    for account, exposure in core.risk.accounts.items():
        assert exposure.open_orders == counts.get(account, 0), account
        for currency, credit in exposure.currencies.items():
            assert credit.reserved == expected.get((account, currency), 0), (account, currency)
        for symbol, holding in exposure.symbols.items():
            assert holding.buying == buying.get((account, symbol), 0), (account, symbol)
            assert holding.selling == selling.get((account, symbol), 0), (account, symbol)
