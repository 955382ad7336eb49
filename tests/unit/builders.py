"""Reference data, commands and a driver shared by the unit tests of the trading core."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fixvenue.core.trading import TradingCore
from fixvenue.domain.commands import (
    CancelOrder,
    Command,
    PlaceOrder,
    ReplaceOrder,
    ResetSessionSequence,
    SequencedCommand,
)
from fixvenue.domain.events import (
    CancelRejected,
    Event,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderStatusReported,
)
from fixvenue.domain.values import (
    Instrument,
    OrderType,
    Rejection,
    SessionProfile,
    Side,
    TimeInForce,
)

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
    Instrument(symbol=ACME, currency="USD", tick_size=Decimal("0.01"), reference_price=10_000),
    Instrument(symbol=BOLT, currency="EUR", tick_size=Decimal("0.05"), reference_price=2_000),
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


def new_core() -> TradingCore:
    return TradingCore(instruments=INSTRUMENTS, sessions=PROFILES)


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
    post_only: bool = False,
    possible_resend: bool = False,
    defect: Rejection | None = None,
) -> PlaceOrder:
    return PlaceOrder(
        session=session,
        client_order_id=client_order_id,
        account=ACCOUNTS[session] if account is None else account,
        symbol=symbol,
        side=side,
        order_type=OrderType.LIMIT,
        quantity=quantity,
        price=price,
        time_in_force=time_in_force,
        post_only=post_only,
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
    possible_resend: bool = False,
) -> ReplaceOrder:
    return ReplaceOrder(
        session=session,
        client_order_id=client_order_id,
        original_client_order_id=original_client_order_id,
        order_id=None,
        symbol=symbol,
        side=side,
        quantity=quantity,
        price=price,
        possible_resend=possible_resend,
    )


def reset(session: str = S1) -> ResetSessionSequence:
    return ResetSessionSequence(session=session)


def timestamp_of(sequence: int) -> int:
    return 1_700_000_000_000_000 + sequence


def sequenced(sequence: int, command: Command) -> SequencedCommand:
    return SequencedCommand(
        sequence=sequence,
        timestamp_us=timestamp_of(sequence),
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

    def send(self, command: Command) -> list[Event]:
        result = self.core.apply(sequenced(self.core.last_sequence + 1, command))
        self.events.extend(result)
        return result

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
        else:
            assert isinstance(event, CancelRejected)
            outline.append(f"cancel-reject {event.client_order_id}")
    return outline
