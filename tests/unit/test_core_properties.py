"""Properties of TradingCore over random command streams."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from fixvenue.core.trading import TradingCore
from fixvenue.domain.commands import (
    CancelAllOrders,
    CancelOrder,
    Command,
    PlaceOrder,
    ReplaceOrder,
    RequestOrderStatus,
)
from fixvenue.domain.events import (
    CancelRejected,
    Event,
    MassCancelReported,
    OrderAccepted,
    OrderFilled,
    OrderRejected,
    OrderStatusReported,
)
from fixvenue.domain.values import (
    Liquidity,
    MassCancelScope,
    OrderRejectReason,
    Side,
    TimeInForce,
)
from tests.unit.builders import (
    A1B,
    ACCOUNTS,
    BUY,
    DAY,
    GTC,
    IOC,
    S1,
    S2,
    SELL,
    SYMBOLS,
    Driver,
    cancel,
    place,
    replace,
    reset,
    run,
)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, database=None)

SESSIONS = (S1, S2)
ORDER_CLORDIDS = tuple(f"K{n}" for n in range(12))
CANCEL_CLORDIDS = tuple(f"C{n}" for n in range(6))
# Mostly valid, in a narrow band so that orders cross often; now and then invalid.
QUANTITIES = (*range(1, 7), *range(1, 7), *range(1, 7), 0)
PRICES: tuple[int | None, ...] = (*range(98, 103), *range(98, 103), *range(98, 103), None)


@st.composite
def place_orders(draw: st.DrawFn) -> PlaceOrder:
    session = draw(st.sampled_from(SESSIONS))
    other = S2 if session == S1 else S1
    account = draw(
        st.sampled_from(
            (ACCOUNTS[session],) * 8 + (ACCOUNTS[other],) + ((A1B,) if session == S1 else ())
        )
    )
    return place(
        draw(st.sampled_from(ORDER_CLORDIDS)),
        draw(st.sampled_from((BUY, SELL))),
        draw(st.sampled_from(QUANTITIES)),
        draw(st.sampled_from(PRICES)),
        session=session,
        account=account,
        symbol=draw(st.sampled_from(SYMBOLS)),
        time_in_force=draw(st.sampled_from((DAY, DAY, GTC, IOC, TimeInForce.FILL_OR_KILL))),
        post_only=draw(st.integers(0, 5)) == 0,
        possible_resend=draw(st.integers(0, 4)) == 0,
    )


@st.composite
def command_streams(draw: st.DrawFn) -> list[Command]:
    """Orders, cancels (mostly of earlier orders), resends and duplicates, in some order."""
    commands: list[Command] = []
    length = draw(st.integers(min_value=1, max_value=40))
    for _ in range(length):
        places = [c for c in commands if isinstance(c, PlaceOrder)]
        kind = draw(
            st.sampled_from(
                ("place",) * 6 + ("cancel", "cancel", "replace", "replace", "random", "repeat")
            )
        )
        if kind == "place" or (kind in ("cancel", "replace", "repeat") and not places):
            commands.append(draw(place_orders()))
        elif kind == "cancel":
            target = draw(st.sampled_from(places))
            side: Side | None = target.side
            if draw(st.integers(0, 9)) == 0:
                side = draw(st.sampled_from((target.side.opposite, None)))
            commands.append(
                cancel(
                    draw(st.sampled_from(CANCEL_CLORDIDS + ORDER_CLORDIDS[:1])),
                    target.client_order_id,
                    side,
                    session=draw(st.sampled_from((target.session,) * 5 + SESSIONS)),
                    symbol=draw(st.sampled_from((target.symbol,) * 5 + SYMBOLS)),
                    order_id=draw(st.none() | st.sampled_from(("O1", "O2", "O3", "O4", "O5"))),
                    possible_resend=draw(st.integers(0, 4)) == 0,
                )
            )
        elif kind == "replace":
            target = draw(st.sampled_from(places))
            commands.append(
                replace(
                    draw(st.sampled_from(CANCEL_CLORDIDS + ORDER_CLORDIDS[:1])),
                    draw(st.sampled_from((target.client_order_id, *CANCEL_CLORDIDS[:2]))),
                    target.side,
                    draw(st.sampled_from(QUANTITIES)),
                    draw(st.sampled_from(PRICES)),
                    session=target.session,
                    symbol=target.symbol,
                    possible_resend=draw(st.integers(0, 4)) == 0,
                )
            )
        elif kind == "random":
            commands.append(
                draw(
                    st.builds(
                        cancel,
                        st.sampled_from(CANCEL_CLORDIDS),
                        st.sampled_from((*ORDER_CLORDIDS, "NOPE")),
                        st.sampled_from((BUY, SELL, None)),
                        session=st.sampled_from(SESSIONS),
                        symbol=st.sampled_from(SYMBOLS),
                        possible_resend=st.booleans(),
                    )
                    | st.builds(reset, st.sampled_from(SESSIONS))
                    | st.builds(
                        CancelAllOrders,
                        session=st.sampled_from(SESSIONS),
                        client_order_id=st.sampled_from(CANCEL_CLORDIDS),
                        scope=st.sampled_from(
                            (MassCancelScope.ALL, MassCancelScope.SECURITY, MassCancelScope.PRODUCT)
                        ),
                        symbol=st.sampled_from((*SYMBOLS, None)),
                        possible_resend=st.booleans(),
                    )
                    | st.builds(
                        RequestOrderStatus,
                        session=st.sampled_from(SESSIONS),
                        client_order_id=st.sampled_from((*ORDER_CLORDIDS, "NOPE")),
                        order_id=st.none(),
                        symbol=st.sampled_from(SYMBOLS),
                        side=st.sampled_from((BUY, SELL)),
                    )
                )
            )
        else:  # an earlier command again, as a resend or as a plain duplicate
            earlier = draw(st.sampled_from(commands))
            if isinstance(earlier, PlaceOrder | CancelOrder | ReplaceOrder):
                earlier = dataclasses.replace(earlier, possible_resend=draw(st.booleans()))
            commands.append(earlier)
    return commands


# -- the invariants, checked after every command ----------------------------------------


def assert_no_book_is_crossed(core: TradingCore) -> None:
    for symbol, book in core.books.items():
        assert not book.is_crossed(), (symbol, list(book.levels(BUY)), list(book.levels(SELL)))


def assert_order_quantities_are_consistent(
    events: list[Event], fills_so_far: dict[str, tuple[int, int]]
) -> None:
    """CumQty never exceeds OrderQty; open orders have CumQty + LeavesQty == OrderQty; and
    CumQty and the notional are exactly the sums of the order's fills so far."""
    for event in events:
        if isinstance(event, CancelRejected | MassCancelReported) or event.order is None:
            continue
        order = event.order
        if isinstance(event, OrderFilled):
            quantity, notional = fills_so_far[order.order_id]
            fills_so_far[order.order_id] = (
                quantity + event.fill.quantity,
                notional + event.fill.quantity * event.fill.price,
            )
        assert 0 <= order.cumulative_quantity <= max(order.quantity, 0), order
        if order.status.is_open:
            assert order.cumulative_quantity + order.leaves_quantity == order.quantity, order
            assert order.leaves_quantity > 0, order
        else:
            assert order.leaves_quantity == 0, order
        assert (order.cumulative_quantity, order.cumulative_notional) == fills_so_far[
            order.order_id
        ], order


def assert_both_sides_of_every_trade_agree(
    command: Command, events: list[Event], earlier_trade_ids: set[str]
) -> None:
    trades: dict[str, list[OrderFilled]] = defaultdict(list)
    for event in events:
        if isinstance(event, OrderFilled):
            trades[event.fill.trade_id].append(event)
    for trade_id, sides in trades.items():
        assert trade_id not in earlier_trade_ids, trade_id
        assert len(sides) == 2, sides
        resting, aggressor = sorted(sides, key=lambda fill: fill.fill.liquidity.value)
        assert resting.fill.liquidity is Liquidity.ADDED, sides
        assert aggressor.fill.liquidity is Liquidity.REMOVED, sides
        assert resting.fill.quantity == aggressor.fill.quantity > 0, sides
        assert resting.fill.price == aggressor.fill.price == resting.order.price, sides
        assert resting.order.side is aggressor.order.side.opposite, sides
        assert resting.order.symbol == aggressor.order.symbol, sides
        # Only the command's own order removes liquidity, and never beyond its limit.
        assert isinstance(command, PlaceOrder | ReplaceOrder), command
        assert (aggressor.order.session, aggressor.order.client_order_id) == (
            command.session,
            command.client_order_id,
        )
        assert aggressor.order.price is not None
        assert not aggressor.order.post_only, "a post-only order never takes liquidity"
        if aggressor.order.side is BUY:
            assert aggressor.fill.price <= aggressor.order.price, sides
        else:
            assert aggressor.fill.price >= aggressor.order.price, sides
    if isinstance(command, PlaceOrder) and command.time_in_force is TimeInForce.FILL_OR_KILL:
        filled = sum(
            fill.fill.quantity
            for fills in trades.values()
            for fill in fills
            if fill.fill.liquidity is Liquidity.REMOVED
        )
        assert filled in (0, command.quantity), "a FOK order fills completely or not at all"
    earlier_trade_ids.update(trades)


def assert_open_orders_are_exactly_the_booked_orders(core: TradingCore) -> None:
    booked = {}
    for symbol, book in core.books.items():
        for side in (BUY, SELL):
            for level in book.levels(side):
                assert level.orders > 0 and level.quantity > 0, (symbol, level)
            for resting in book.orders(side):
                assert resting.order_id not in booked, resting
                booked[resting.order_id] = resting
                assert resting.side is side, resting
    assert booked.keys() == core.open_orders.keys()
    for order_id, order in core.open_orders.items():
        assert booked[order_id] is order
        assert order.status.is_open and order.leaves_quantity > 0, order
        assert not order.time_in_force.is_immediate, "an IOC or FOK order never rests"
        assert core.books[order.symbol].contains(order), order


def assert_duplicates_and_resends_are_handled(
    command: Command, events: list[Event], seen: set[tuple[str, str]]
) -> None:
    if isinstance(command, PlaceOrder | CancelOrder | ReplaceOrder | CancelAllOrders):
        key = (command.session, command.client_order_id)
        if key in seen and command.possible_resend:
            assert events == []
        elif key in seen:
            assert len(events) == 1, events
            (event,) = events
            if isinstance(command, PlaceOrder):
                assert isinstance(event, OrderRejected), event
                assert event.reason is OrderRejectReason.DUPLICATE_ORDER
            elif isinstance(command, CancelAllOrders):
                assert isinstance(event, MassCancelReported) and event.reject_reason, event
            else:
                assert isinstance(event, CancelRejected), event
        else:
            assert events, "a new request is always answered"
            if isinstance(command, PlaceOrder):
                assert isinstance(events[0], OrderAccepted | OrderRejected), events
        seen.add(key)
    elif isinstance(command, RequestOrderStatus):
        assert len(events) == 1 and isinstance(events[0], OrderStatusReported), events
    else:
        assert events == []


@given(command_streams())
@PROPERTY_SETTINGS
def test_every_command_leaves_the_core_consistent(commands: list[Command]) -> None:
    driver = Driver.fresh()
    fills_so_far: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    trade_ids: set[str] = set()
    seen: set[tuple[str, str]] = set()
    last_event_id = 0
    for command in commands:
        events = driver.send(command)
        assert_no_book_is_crossed(driver.core)
        assert_order_quantities_are_consistent(events, fills_so_far)
        assert_both_sides_of_every_trade_agree(command, events, trade_ids)
        assert_open_orders_are_exactly_the_booked_orders(driver.core)
        assert_duplicates_and_resends_are_handled(command, events, seen)
        for event in events:
            assert event.event_id == last_event_id + 1, (last_event_id, event)
            last_event_id = event.event_id
    # Trade ids are numbered T1, T2, ... without gaps, each reported by exactly two fills.
    counts = Counter(e.fill.trade_id for e in driver.events if isinstance(e, OrderFilled))
    assert counts == {f"T{n}": 2 for n in range(1, len(counts) + 1)}


@given(command_streams())
@PROPERTY_SETTINGS
def test_replaying_the_same_commands_yields_the_same_events_and_state(
    commands: list[Command],
) -> None:
    first = run(commands)
    assert len(first) == len(commands)
    replay = Driver.fresh()
    assert [replay.send(command) for command in commands] == first
    original = Driver.fresh()
    original.send_all(*commands)
    assert state_of(replay.core) == state_of(original.core)


def state_of(core: TradingCore) -> object:
    """Everything observable about the core's state, in comparable form."""
    return (
        {order_id: order.snapshot() for order_id, order in core.open_orders.items()},
        {
            symbol: [[o.order_id for o in book.orders(side)] for side in (BUY, SELL)]
            for symbol, book in core.books.items()
        },
        vars(core.identifiers),
        core.last_sequence,
    )
