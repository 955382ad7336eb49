"""Properties of TradingCore over random command streams."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fixvenue.core.trading import TradingCore
from fixvenue.domain.commands import (
    CancelAllOrders,
    CancelOnDisconnect,
    CancelOrder,
    Command,
    ConfigureRisk,
    EndTradingDay,
    ExpireOrders,
    PlaceOrder,
    ReplaceOrder,
    RequestOrderStatus,
    SetKillSwitch,
    SetRiskLimits,
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
    OrderStatusReported,
    OrderTriggered,
    RiskLimitsChanged,
    TradingDayEnded,
    TradingPhaseChanged,
    VenueEvent,
)
from fixvenue.domain.risk import MONEY_SCALE, KillScope, RiskLimitChanges, RiskLimits
from fixvenue.domain.values import (
    Liquidity,
    MassCancelScope,
    OrderRejectReason,
    SelfTradePrevention,
    Side,
    TimeInForce,
    has_limit_price,
    is_immediate,
    is_open,
    is_stop,
    opposite,
)
from tests.unit.builders import (
    A1B,
    ACCOUNTS,
    BUY,
    DAY,
    EPOCH_US,
    FIRST_TRADING_DATE,
    FOK,
    GTC,
    GTD,
    INSTRUMENTS,
    IOC,
    LIMIT,
    MARKET,
    S1,
    S2,
    SELL,
    STOP,
    STOP_LIMIT,
    SYMBOLS,
    Driver,
    assert_reservations_match_open_orders,
    cancel,
    halt,
    place,
    reopen,
    replace,
    reset,
    run,
    timestamp_of,
)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, database=None)

SESSIONS = (S1, S2)
ORDER_CLORDIDS = tuple(f"K{n}" for n in range(12))
CANCEL_CLORDIDS = tuple(f"C{n}" for n in range(6))
# Mostly valid, in a narrow band so that orders cross often; now and then invalid.
QUANTITIES = (*range(1, 7), *range(1, 7), *range(1, 7), 0)
# Ticks from the reference price, or None for no price.
PRICE_OFFSETS: tuple[int | None, ...] = (*range(-2, 3), *range(-2, 3), *range(-2, 3), None)
REFERENCE_PRICES = {instrument.symbol: instrument.reference_price for instrument in INSTRUMENTS}


def prices(symbol: str) -> st.SearchStrategy[int | None]:
    """Prices in a narrow band around the symbol's reference, so that orders cross often."""
    return st.sampled_from(PRICE_OFFSETS).map(
        lambda offset: None if offset is None else REFERENCE_PRICES[symbol] + offset
    )


ORDER_TYPES = (LIMIT, LIMIT, LIMIT, LIMIT, MARKET, STOP, STOP_LIMIT)


@st.composite
def place_orders(draw: st.DrawFn, sequence: int) -> PlaceOrder:
    """An order, to be command number `sequence` of its stream."""
    session = draw(st.sampled_from(SESSIONS))
    other = S2 if session == S1 else S1
    account = draw(
        st.sampled_from(
            (ACCOUNTS[session],) * 8 + (ACCOUNTS[other],) + ((A1B,) if session == S1 else ())
        )
    )
    order_type = draw(st.sampled_from(ORDER_TYPES))
    # Now and then an instruction that does not fit the order type or time in force.
    misfit = draw(st.integers(0, 19)) == 0
    symbol = draw(st.sampled_from(SYMBOLS))
    price = draw(prices(symbol)) if has_limit_price(order_type) or misfit else None
    stop_price = draw(prices(symbol)) if is_stop(order_type) or misfit else None
    time_in_force = draw(st.sampled_from((DAY, DAY, GTC, IOC, FOK, GTD)))
    immediate = is_immediate(time_in_force)
    may_rest = has_limit_price(order_type) and not immediate
    # The driver stamps command n with EPOCH_US + n: most of these expire within a stream.
    expire_time = EPOCH_US + sequence + draw(st.integers(-1, 12))
    return place(
        draw(st.sampled_from(ORDER_CLORDIDS)),
        draw(st.sampled_from((BUY, SELL))),
        draw(st.sampled_from(QUANTITIES)),
        price,
        session=session,
        account=account,
        symbol=symbol,
        time_in_force=time_in_force,
        order_type=order_type,
        stop_price=stop_price,
        expire_time_us=expire_time if time_in_force is GTD or misfit else None,
        post_only=(order_type is LIMIT or misfit) and draw(st.integers(0, 5)) == 0,
        minimum_quantity=draw(st.sampled_from((None, 1, 3, 5))) if immediate or misfit else None,
        display_quantity=draw(st.sampled_from((None, 1, 2, 4))) if may_rest or misfit else None,
        self_trade_prevention=draw(st.sampled_from((None, None, *SelfTradePrevention))),
        possible_resend=draw(st.integers(0, 4)) == 0,
    )


def _date(days_after_the_first: int) -> str:
    """A trading date as the core names it, counted from the builders' first."""
    return (
        date.fromisoformat(FIRST_TRADING_DATE) + timedelta(days=days_after_the_first)
    ).isoformat()


@st.composite
def command_streams(draw: st.DrawFn) -> list[Command]:
    """Orders, cancels (mostly of earlier orders), resends and duplicates, in some order."""
    commands: list[Command] = []
    length = draw(st.integers(min_value=1, max_value=40))
    for _ in range(length):
        places = [c for c in commands if isinstance(c, PlaceOrder)]
        kind = draw(
            st.sampled_from(
                ("place",) * 6
                + ("cancel", "cancel", "replace", "replace", "random", "random", "repeat")
                + ("phase", "risk", "end of day")
            )
        )
        if kind == "place" or (kind in ("cancel", "replace", "repeat") and not places):
            commands.append(draw(place_orders(len(commands) + 1)))
        elif kind == "cancel":
            target = draw(st.sampled_from(places))
            side: Side | None = target.side
            if draw(st.integers(0, 9)) == 0:
                side = draw(st.sampled_from((opposite(target.side), None)))
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
            order_type = target.order_type
            commands.append(
                replace(
                    draw(st.sampled_from(CANCEL_CLORDIDS + ORDER_CLORDIDS[:1])),
                    draw(st.sampled_from((target.client_order_id, *CANCEL_CLORDIDS[:2]))),
                    target.side,
                    draw(st.sampled_from(QUANTITIES)),
                    draw(prices(target.symbol)) if has_limit_price(order_type) else None,
                    session=target.session,
                    symbol=target.symbol,
                    order_type=draw(st.sampled_from((order_type,) * 8 + ORDER_TYPES)),
                    stop_price=draw(prices(target.symbol)) if is_stop(order_type) else None,
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
                    | st.just(ExpireOrders())
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
        elif kind == "risk":
            commands.append(draw(risk_commands()))
        elif kind == "end of day":  # the date ended so far, or now and then a wrong one
            ended = sum(isinstance(command, EndTradingDay) for command in commands)
            day = ended + draw(st.sampled_from((0, 0, 0, 1)))
            commands.append(
                EndTradingDay(trading_date=_date(day), next_trading_date=_date(day + 1))
            )
        elif kind == "phase":  # halts are short: reopening is likelier
            change = draw(st.sampled_from((halt, reopen, reopen)))
            commands.append(change(draw(st.sampled_from(SYMBOLS))))
        else:  # an earlier command again, as a resend or as a plain duplicate
            earlier = draw(st.sampled_from(commands))
            if isinstance(earlier, PlaceOrder | CancelOrder | ReplaceOrder):
                earlier = dataclasses.replace(earlier, possible_resend=draw(st.booleans()))
            commands.append(earlier)
    return commands


# Limits that bind now and then with the small orders of the streams.
limits = st.builds(
    RiskLimits,
    max_order_quantity=st.integers(3, 8),
    max_order_notional=st.integers(20, 60).map(lambda units: units * 100 * MONEY_SCALE),
    collar_basis_points=st.sampled_from((1, 2, 5, 1_000)),
    max_open_orders=st.integers(1, 8),
    max_orders_per_day=st.integers(3, 40),
    credit_limit=st.integers(20, 200).map(lambda units: units * 100 * MONEY_SCALE),
    max_position=st.none() | st.integers(1, 12),
    restricted_symbols=st.sampled_from(((), (SYMBOLS[1],))),
)
ALL_ACCOUNTS = (*ACCOUNTS.values(), A1B)
KILL_SCOPES = (
    *((KillScope.ACCOUNT, account) for account in ALL_ACCOUNTS),
    (KillScope.FIRM, "FIRM1"),
    (KillScope.FIRM, "FIRM2"),
    *((KillScope.SESSION, session) for session in SESSIONS),
)


@st.composite
def risk_commands(draw: st.DrawFn) -> Command:
    kind = draw(st.sampled_from(("configure", "change", "kill", "disconnect")))
    if kind == "configure":
        accounts = draw(st.dictionaries(st.sampled_from(ALL_ACCOUNTS), limits, max_size=2))
        return ConfigureRisk(default=draw(limits), accounts=tuple(sorted(accounts.items())))
    if kind == "change":
        return SetRiskLimits(
            account=draw(st.sampled_from(ALL_ACCOUNTS)),
            changes=RiskLimitChanges(
                max_order_quantity=draw(st.none() | st.integers(1, 8)),
                max_open_orders=draw(st.none() | st.integers(1, 8)),
                max_position=draw(st.none() | st.integers(1, 12)),
            ),
        )
    if kind == "kill":
        scope, name = draw(st.sampled_from(KILL_SCOPES))
        return SetKillSwitch(scope=scope, name=name, engaged=draw(st.booleans()), reason="test")
    return CancelOnDisconnect(session=draw(st.sampled_from(SESSIONS)), reason="test")


# -- the invariants, checked after every command ----------------------------------------


def assert_no_book_is_crossed(core: TradingCore) -> None:
    for symbol, book in core.books.items():
        assert not book.is_crossed(), (symbol, list(book.levels(BUY)), list(book.levels(SELL)))
        for side in (BUY, SELL):
            first = next(book.levels(side), None)
            assert book.best_price(side) == (None if first is None else first.price), symbol


def assert_order_quantities_are_consistent(
    events: list[Event], fills_so_far: dict[str, tuple[int, int]]
) -> None:
    """CumQty never exceeds OrderQty; open orders have CumQty + LeavesQty == OrderQty; and
    CumQty and the notional are exactly the sums of the order's fills so far."""
    for event in events:
        if (
            isinstance(event, CancelRejected | MassCancelReported | VenueEvent)
            or event.order is None
        ):
            continue
        order = event.order
        if isinstance(event, OrderFilled):
            quantity, notional = fills_so_far[order.order_id]
            fills_so_far[order.order_id] = (
                quantity + event.fill.quantity,
                notional + event.fill.quantity * event.fill.price,
            )
        assert 0 <= order.cumulative_quantity <= max(order.quantity, 0), order
        if is_open(order.status):
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
    triggered = set()
    for event in events:
        if isinstance(event, OrderFilled):
            trades[event.fill.trade_id].append(event)
        elif isinstance(event, OrderTriggered):
            triggered.add(event.order.order_id)
    for trade_id, sides in trades.items():
        assert trade_id not in earlier_trade_ids, trade_id
        assert len(sides) == 2, sides
        resting, aggressor = sorted(sides, key=lambda fill: fill.fill.liquidity.value)
        assert resting.fill.liquidity is Liquidity.ADDED, sides
        assert aggressor.fill.liquidity is Liquidity.REMOVED, sides
        assert resting.fill.quantity == aggressor.fill.quantity > 0, sides
        assert resting.fill.price == aggressor.fill.price == resting.order.price, sides
        assert resting.order.side is opposite(aggressor.order.side), sides
        assert resting.order.symbol == aggressor.order.symbol, sides
        # Only the command's own order, or a stop it triggered, removes liquidity, and
        # never beyond its limit.
        assert isinstance(command, PlaceOrder | ReplaceOrder), command
        assert (aggressor.order.session, aggressor.order.client_order_id) == (
            command.session,
            command.client_order_id,
        ) or aggressor.order.order_id in triggered, (command, sides)
        assert not aggressor.order.post_only, "a post-only order never takes liquidity"
        if aggressor.order.price is not None:
            if aggressor.order.side is BUY:
                assert aggressor.fill.price <= aggressor.order.price, sides
            else:
                assert aggressor.fill.price >= aggressor.order.price, sides
    if isinstance(command, PlaceOrder) and is_immediate(command.time_in_force):
        filled = sum(
            fill.fill.quantity
            for fills in trades.values()
            for fill in fills
            if fill.fill.liquidity is Liquidity.REMOVED
            and fill.order.client_order_id == command.client_order_id
        )
        if command.time_in_force is TimeInForce.FILL_OR_KILL:
            assert filled in (0, command.quantity), "a FOK order fills completely or not at all"
        if command.minimum_quantity is not None:
            assert filled == 0 or filled >= command.minimum_quantity, "MinQty or nothing"
    earlier_trade_ids.update(trades)


def assert_open_orders_are_exactly_the_booked_orders_and_waiting_stops(
    core: TradingCore,
) -> None:
    booked = {}
    for symbol, book in core.books.items():
        for side in (BUY, SELL):
            for level in book.levels(side):
                assert level.orders > 0 and level.quantity > 0, (symbol, level)
            for resting in book.orders(side):
                assert resting.order_id not in booked, resting
                booked[resting.order_id] = resting
                assert resting.side is side, resting
    waiting = {order_id for order_id, order in core.open_orders.items() if not order.triggered}
    assert booked.keys() == core.open_orders.keys() - waiting
    assert sum(len(stops) for stops in core.stops.values()) == len(waiting)
    for order_id, order in core.open_orders.items():
        assert is_open(order.status) and order.leaves_quantity > 0, order
        if order_id in waiting:
            assert is_stop(order.order_type) and core.stops[order.symbol].contains(order)
            continue
        assert booked[order_id] is order
        assert not is_immediate(order.time_in_force), "an IOC or FOK order never rests"
        assert order.price is not None, "a market order never rests"
        assert core.books[order.symbol].contains(order), order
        assert 0 < order.visible_quantity <= order.leaves_quantity, order


def assert_expiry_is_exact(core: TradingCore, command: Command, events: list[Event]) -> None:
    """An expiry expires every order whose time has come and no other; the end of a date
    every Day order and no other."""
    now = timestamp_of(core.last_sequence)
    for event in events:
        if isinstance(event, OrderExpired) and isinstance(command, EndTradingDay):
            assert event.order.time_in_force is DAY, event
        elif isinstance(event, OrderExpired):
            assert isinstance(command, ExpireOrders), command
            assert event.order.expire_time_us is not None
            assert event.order.expire_time_us <= now, event
    if isinstance(command, ExpireOrders):
        for order in core.open_orders.values():
            assert order.terms.expire_time_us is None or order.terms.expire_time_us > now, order


def assert_duplicates_and_resends_are_handled(
    core: TradingCore, command: Command, events: list[Event], seen: set[tuple[str, str]]
) -> None:
    if isinstance(command, EndTradingDay):
        if events:  # a new date: only the ClOrdIDs of orders still open stay in use
            assert isinstance(events[-1], TradingDayEnded), events
            assert all(isinstance(event, OrderExpired) for event in events[:-1]), events
            seen.intersection_update({key for key in seen if core.client_order_id_in_use(*key)})
            assert all(order.time_in_force is not DAY for order in core.open_orders.values())
    elif isinstance(command, PlaceOrder | CancelOrder | ReplaceOrder | CancelAllOrders):
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
    elif isinstance(command, SetTradingPhase):
        assert len(events) == 1 and isinstance(events[0], TradingPhaseChanged), events
    elif isinstance(command, SetKillSwitch):
        assert isinstance(events[0], KillSwitchChanged), events
        assert all(isinstance(event, OrderCancelled) for event in events[1:]), events
    elif isinstance(command, CancelOnDisconnect):
        assert all(isinstance(event, OrderCancelled) for event in events), events
    elif isinstance(command, ConfigureRisk | SetRiskLimits):
        assert all(isinstance(event, RiskLimitsChanged) for event in events), events
    elif not isinstance(command, ExpireOrders):
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
        assert_open_orders_are_exactly_the_booked_orders_and_waiting_stops(driver.core)
        assert_duplicates_and_resends_are_handled(driver.core, command, events, seen)
        assert_expiry_is_exact(driver.core, command, events)
        assert_reservations_match_open_orders(driver.core)
        for event in events:
            assert event.event_id == last_event_id + 1, (last_event_id, event)
            last_event_id = event.event_id
    # Trade ids are numbered T1, T2, ... without gaps, each reported by exactly two fills.
    counts = Counter(e.fill.trade_id for e in driver.events if isinstance(e, OrderFilled))
    assert counts == {f"T{n}": 2 for n in range(1, len(counts) + 1)}


@given(command_streams())
@PROPERTY_SETTINGS
def test_reserved_figures_return_to_zero_once_every_order_is_done(
    commands: list[Command],
) -> None:
    driver = Driver.fresh()
    driver.send_all(*commands)
    # The firms' kill switches cancel every open order, stops and good-till orders too.
    for firm in ("FIRM1", "FIRM2"):
        driver.send(SetKillSwitch(scope=KillScope.FIRM, name=firm, engaged=True, reason="end"))
    assert not driver.core.open_orders
    for account, exposure in driver.core.risk.accounts.items():
        assert exposure.open_orders == 0, account
        assert all(credit.reserved == 0 for credit in exposure.currencies.values()), account
        assert all(
            holding.buying == holding.selling == 0 for holding in exposure.symbols.values()
        ), account
    # What was executed stays, and positions net to zero across accounts per symbol.
    for symbol in SYMBOLS:
        assert (
            sum(
                exposure.symbols[symbol].position
                for exposure in driver.core.risk.accounts.values()
                if symbol in exposure.symbols
            )
            == 0
        )


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
        {symbol: len(stops) for symbol, stops in core.stops.items()},
        core.phases,
        core.trading_date,
        core.reference_prices,
        core.last_trade_prices,
        core.next_expiry_us,
        (
            core.identifiers.last_event_id,
            core.identifiers.last_order_number,
            core.identifiers.last_trade_number,
        ),
        core.last_sequence,
    )
