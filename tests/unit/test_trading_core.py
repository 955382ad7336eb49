"""TradingCore scenarios: commands in, events out."""

from __future__ import annotations

from typing import get_args

import pytest

from fixvenue.domain.commands import (
    CancelAllOrders,
    Command,
    ControlSession,
    PlaceOrder,
    RequestOrderStatus,
)
from fixvenue.domain.events import (
    CancelRejected,
    Fill,
    MassCancelReported,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
    OrderSnapshot,
    OrderStatusReported,
    OrderTerms,
    SessionControlled,
    event_order_id,
)
from fixvenue.domain.rejection import Rejection
from fixvenue.domain.values import (
    Amendment,
    CancelRejectReason,
    Liquidity,
    MassCancelRejectReason,
    MassCancelScope,
    OrderRejectReason,
    OrderStatus,
    OrderType,
    SessionAction,
    Side,
    TimeInForce,
)
from tests.unit.builders import (
    A1,
    A1B,
    A2,
    ACME,
    BOLT,
    BUY,
    DAY,
    GTC,
    IOC,
    S1,
    S2,
    SELL,
    Driver,
    cancel,
    fills,
    kinds,
    levels,
    new_core,
    place,
    replace,
    reset,
    sequenced,
    single,
    timestamp_of,
)

OPEN = OrderStatus.NEW
PARTIAL = OrderStatus.PARTIALLY_FILLED
FILLED = OrderStatus.FILLED
CANCELLED = OrderStatus.CANCELLED
REJECTED = OrderStatus.REJECTED


def quantities(
    event: OrderAccepted | OrderRejected | OrderFilled | OrderCancelled,
) -> tuple[OrderStatus, int, int, int]:
    """(status, CumQty, LeavesQty, cumulative notional) of the order the event reports."""
    order = event.order
    return order.status, order.cumulative_quantity, order.leaves_quantity, order.cumulative_notional


# -- acceptance ----------------------------------------------------------------------


def test_a_valid_limit_order_is_accepted_with_a_full_snapshot() -> None:
    driver = Driver.fresh()
    events = driver.send(place("B1", BUY, 10, 100, account=A1B, time_in_force=GTC))
    assert events == [
        OrderAccepted(
            event_id=1,
            timestamp_us=timestamp_of(1),
            order=OrderSnapshot(
                order_id="O1",
                terms=OrderTerms(
                    session=S1,
                    account=A1B,
                    symbol=ACME,
                    side=BUY,
                    order_type=OrderType.LIMIT,
                    time_in_force=GTC,
                ),
                client_order_id="B1",
                original_client_order_id=None,
                quantity=10,
                price=100,
                status=OPEN,
                cumulative_quantity=0,
                leaves_quantity=10,
                cumulative_notional=0,
            ),
        )
    ]


def test_successive_orders_get_successive_venue_order_ids() -> None:
    driver = Driver.fresh()
    events = driver.send_all(
        place("B1", BUY, 1, 99),
        place("B2", SELL, 1, 101, session=S2),
        place("B3", BUY, 1, 50, symbol=BOLT),
    )
    assert [(event_order_id(e), e.event_id) for e in events] == [("O1", 1), ("O2", 2), ("O3", 3)]
    assert kinds(events) == ["new B1", "new B2", "new B3"]
    assert [(o.client_order_id, o.order_id) for o in driver.core.open_orders.values()] == [
        ("B1", "O1"),
        ("B2", "O2"),
        ("B3", "O3"),
    ]
    assert sorted(driver.core.open_orders) == ["O1", "O2", "O3"]


def test_an_order_that_crosses_is_reported_new_before_its_fills() -> None:
    driver = Driver.fresh()
    driver.send(place("S", SELL, 5, 100, session=S2))
    events = driver.send(place("B", BUY, 5, 100))
    assert kinds(events) == ["new B", "fill S 5@100", "fill B 5@100"]
    accepted = events[0]
    assert isinstance(accepted, OrderAccepted)
    assert quantities(accepted) == (OPEN, 0, 5, 0)


def test_orders_on_different_symbols_do_not_trade() -> None:
    driver = Driver.fresh()
    driver.send(place("S", SELL, 5, 100, session=S2, symbol=BOLT))
    events = driver.send(place("B", BUY, 5, 100, symbol=ACME))
    assert kinds(events) == ["new B"]
    assert levels(driver.core.books[ACME]) == ([(100, 5, 1)], [])
    assert levels(driver.core.books[BOLT]) == ([], [(100, 5, 1)])


# -- rejects -------------------------------------------------------------------------


REJECTS = [
    pytest.param(
        place("X", BUY, 10, 100, symbol="NOPE"),
        OrderRejectReason.UNKNOWN_SYMBOL,
        "unknown symbol NOPE",
        id="unknown_symbol",
    ),
    pytest.param(
        place("X", BUY, 10, 100, session=S1, account=A2),
        OrderRejectReason.UNKNOWN_ACCOUNT,
        "account A2 may not trade on session S1",
        id="account_of_another_session",
    ),
    pytest.param(
        place("X", BUY, 10, 100, session=S1, account="GHOST"),
        OrderRejectReason.UNKNOWN_ACCOUNT,
        "account GHOST may not trade on session S1",
        id="account_unknown_anywhere",
    ),
    pytest.param(
        place("X", BUY, 10, 100, session="S9", account=A1),
        OrderRejectReason.UNKNOWN_ACCOUNT,
        "account A1 may not trade on session S9",
        id="session_without_profile",
    ),
    pytest.param(
        place("X", BUY, 0, 100),
        OrderRejectReason.INCORRECT_QUANTITY,
        "quantity must be positive, got 0",
        id="zero_quantity",
    ),
    pytest.param(
        place("X", BUY, -3, 100),
        OrderRejectReason.INCORRECT_QUANTITY,
        "quantity must be positive, got -3",
        id="negative_quantity",
    ),
    pytest.param(
        place("X", BUY, 10, None),
        OrderRejectReason.INVALID_PRICE,
        "a limit order needs a positive Price",
        id="missing_price",
    ),
    pytest.param(
        place("X", SELL, 10, 0),
        OrderRejectReason.INVALID_PRICE,
        "a limit order needs a positive Price",
        id="zero_price",
    ),
    pytest.param(
        place("X", SELL, 10, -100),
        OrderRejectReason.INVALID_PRICE,
        "a limit order needs a positive Price",
        id="negative_price",
    ),
    pytest.param(
        place(
            "X",
            BUY,
            10,
            None,
            defect=Rejection(
                reason=OrderRejectReason.INVALID_PRICE, text="price 1.001 is off the 0.01 tick"
            ),
        ),
        OrderRejectReason.INVALID_PRICE,
        "price 1.001 is off the 0.01 tick",
        id="edge_defect_off_tick_price",
    ),
    pytest.param(
        place(
            "X",
            BUY,
            10,
            100,
            defect=Rejection(
                reason=OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC, text="OrdType=1"
            ),
        ),
        OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
        "OrdType=1",
        id="edge_defect_on_an_otherwise_valid_order",
    ),
    pytest.param(
        place(
            "X",
            BUY,
            0,
            None,
            symbol="NOPE",
            defect=Rejection(reason=OrderRejectReason.INCORRECT_QUANTITY, text="edge says no"),
        ),
        OrderRejectReason.INCORRECT_QUANTITY,
        "edge says no",
        id="edge_defect_wins_over_the_cores_own_checks",
    ),
    pytest.param(
        place("X", BUY, 0, None, symbol="NOPE", account=A2),
        OrderRejectReason.UNKNOWN_SYMBOL,
        "unknown symbol NOPE",
        id="unknown_symbol_is_checked_first",
    ),
    pytest.param(
        place("X", BUY, 0, None, account=A2),
        OrderRejectReason.UNKNOWN_ACCOUNT,
        "account A2 may not trade on session S1",
        id="account_is_checked_before_quantity",
    ),
    pytest.param(
        place("X", BUY, 0, None),
        OrderRejectReason.INCORRECT_QUANTITY,
        "quantity must be positive, got 0",
        id="quantity_is_checked_before_price",
    ),
]


@pytest.mark.parametrize(("command", "reason", "text"), REJECTS)
def test_an_invalid_order_is_rejected_and_leaves_nothing_open(
    command: PlaceOrder, reason: OrderRejectReason, text: str
) -> None:
    driver = Driver.fresh()
    driver.send(place("R", SELL, 7, 100, session=S2))  # liquidity a bad order must not touch

    rejected = single(driver.send(command), OrderRejected)

    assert (rejected.reason, rejected.text) == (reason, text)
    assert (rejected.event_id, rejected.timestamp_us) == (2, timestamp_of(2))
    snapshot = rejected.order
    assert (snapshot.order_id, snapshot.client_order_id, snapshot.symbol) == (
        "O2",
        "X",
        command.symbol,
    )
    assert (snapshot.quantity, snapshot.price) == (command.quantity, command.price)
    assert quantities(rejected) == (REJECTED, 0, 0, 0)
    assert list(driver.core.open_orders) == ["O1"]
    assert levels(driver.core.books[ACME]) == ([], [(100, 7, 1)])


def test_the_clordid_of_a_rejected_order_counts_as_used() -> None:
    driver = Driver.fresh()
    driver.send(place("X", BUY, 0, 100))
    again = single(driver.send(place("X", BUY, 10, 100)), OrderRejected)
    assert again.reason is OrderRejectReason.DUPLICATE_ORDER


def test_a_duplicate_clordid_is_rejected_and_nothing_else_changes() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 10, 100), place("S1", SELL, 4, 100, session=S2))
    book_before = levels(driver.core.books[ACME])
    open_before = {oid: order.snapshot() for oid, order in driver.core.open_orders.items()}

    # Same ClOrdID, different everything else; it would cross the resting bid if accepted.
    rejected = single(driver.send(place("B1", SELL, 3, 90)), OrderRejected)

    assert rejected.reason is OrderRejectReason.DUPLICATE_ORDER
    assert rejected.text == "duplicate ClOrdID B1 for session S1"
    assert rejected.event_id == 5  # new B1, new S1, two fills, then this
    assert rejected.order.order_id not in {"O1", "O2"}
    assert (rejected.order.side, rejected.order.quantity, rejected.order.price) == (SELL, 3, 90)
    assert quantities(rejected) == (REJECTED, 0, 0, 0)
    assert levels(driver.core.books[ACME]) == book_before == ([(100, 6, 1)], [])
    assert {o: x.snapshot() for o, x in driver.core.open_orders.items()} == open_before
    # The original order can still be cancelled by its ClOrdID.
    cancelled = single(driver.send(cancel("C1", "B1", BUY)), OrderCancelled)
    assert cancelled.order.order_id == "O1"


def test_a_duplicate_of_a_filled_order_is_still_a_duplicate() -> None:
    driver = Driver.fresh()
    driver.send_all(place("S", SELL, 1, 100, session=S2), place("B", BUY, 1, 100))
    rejected = single(driver.send(place("B", BUY, 1, 100)), OrderRejected)
    assert rejected.reason is OrderRejectReason.DUPLICATE_ORDER


def test_the_same_clordid_on_another_session_is_not_a_duplicate() -> None:
    driver = Driver.fresh()
    driver.send(place("X", BUY, 1, 100, session=S1))
    accepted = single(driver.send(place("X", BUY, 1, 100, session=S2)), OrderAccepted)
    assert accepted.order.session == S2
    assert accepted.order.order_id == "O2"


# -- PossDup / PossResend ------------------------------------------------------------


def test_a_resend_of_an_order_already_seen_produces_no_events_and_changes_nothing() -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 10, 100))
    assert driver.send(place("B1", BUY, 10, 100, possible_resend=True)) == []
    assert driver.send(place("B1", SELL, 99, 1, possible_resend=True)) == []
    assert levels(driver.core.books[ACME]) == ([(100, 10, 1)], [])
    assert list(driver.core.open_orders) == ["O1"]
    assert driver.core.last_sequence == 3
    # Nothing was numbered for the resends: the next order and event follow on directly.
    accepted = single(driver.send(place("B2", BUY, 1, 99)), OrderAccepted)
    assert (accepted.event_id, accepted.order.order_id) == (2, "O2")


def test_a_resend_of_a_rejected_order_produces_no_events() -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 0, 100))
    assert driver.send(place("B1", BUY, 0, 100, possible_resend=True)) == []


def test_a_possible_resend_of_an_unseen_order_is_processed_normally() -> None:
    driver = Driver.fresh()
    driver.send(place("S", SELL, 3, 100, session=S2))
    events = driver.send(place("B1", BUY, 5, 101, possible_resend=True))
    assert kinds(events) == ["new B1", "fill S 3@100", "fill B1 3@100"]
    assert levels(driver.core.books[ACME]) == ([(101, 2, 1)], [])


def test_a_resend_of_a_cancel_already_seen_produces_no_events() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 10, 100), cancel("C1", "B1", BUY))
    assert driver.send(cancel("C1", "B1", BUY, possible_resend=True)) == []
    # Even a resend naming a different order is recognised by its ClOrdID alone.
    driver.send(place("B2", BUY, 10, 100))
    assert driver.send(cancel("C1", "B2", BUY, possible_resend=True)) == []
    assert list(driver.core.open_orders) == ["O2"]


def test_a_possible_resend_of_an_unseen_cancel_is_processed_normally() -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 10, 100))
    cancelled = single(driver.send(cancel("C1", "B1", BUY, possible_resend=True)), OrderCancelled)
    assert cancelled.order.status is CANCELLED
    assert driver.core.open_orders == {}


# -- fills ---------------------------------------------------------------------------


def test_both_sides_of_a_trade_fill_at_the_resting_price_with_one_trade_id() -> None:
    driver = Driver.fresh()
    driver.send(place("S", SELL, 10, 100, session=S2))
    events = driver.send(place("B", BUY, 4, 102))

    resting, aggressor = fills(events)
    assert resting.fill == Fill(trade_id="T1", quantity=4, price=100, liquidity=Liquidity.ADDED)
    assert aggressor.fill == Fill(trade_id="T1", quantity=4, price=100, liquidity=Liquidity.REMOVED)
    assert (resting.order.order_id, resting.order.session) == ("O1", S2)
    assert (aggressor.order.order_id, aggressor.order.session) == ("O2", S1)
    assert quantities(resting) == (PARTIAL, 4, 6, 400)
    assert quantities(aggressor) == (FILLED, 4, 0, 400)
    assert [e.event_id for e in events] == [2, 3, 4]
    assert {e.timestamp_us for e in events} == {timestamp_of(2)}


def test_a_sell_aggressor_removes_liquidity_from_a_resting_bid() -> None:
    driver = Driver.fresh()
    driver.send(place("B", BUY, 5, 100))
    resting, aggressor = fills(driver.send(place("S", SELL, 5, 90, session=S2)))
    assert (resting.order.side, resting.fill.liquidity) == (BUY, Liquidity.ADDED)
    assert (aggressor.order.side, aggressor.fill.liquidity) == (SELL, Liquidity.REMOVED)
    assert resting.fill.price == aggressor.fill.price == 100
    assert quantities(resting) == quantities(aggressor) == (FILLED, 5, 0, 500)
    assert driver.core.open_orders == {}
    assert levels(driver.core.books[ACME]) == ([], [])


def test_walking_the_book_reports_running_cumqty_leavesqty_and_notional() -> None:
    driver = Driver.fresh()
    driver.send_all(
        place("A", SELL, 3, 100, session=S2),
        place("B", SELL, 4, 101, session=S2),
        place("C", SELL, 5, 102, session=S2),
    )
    events = driver.send(place("X", BUY, 10, 103))

    assert kinds(events) == [
        "new X",
        "fill A 3@100",
        "fill X 3@100",
        "fill B 4@101",
        "fill X 4@101",
        "fill C 3@102",
        "fill X 3@102",
    ]
    aggressor_fills = [e for e in fills(events) if e.order.client_order_id == "X"]
    assert [quantities(e) for e in aggressor_fills] == [
        (PARTIAL, 3, 7, 300),
        (PARTIAL, 7, 3, 704),
        (FILLED, 10, 0, 1010),
    ]
    resting_fills = [e for e in fills(events) if e.order.client_order_id != "X"]
    assert [quantities(e) for e in resting_fills] == [
        (FILLED, 3, 0, 300),
        (FILLED, 4, 0, 404),
        (PARTIAL, 3, 2, 306),
    ]
    assert [e.fill.trade_id for e in fills(events)] == ["T1", "T1", "T2", "T2", "T3", "T3"]
    assert levels(driver.core.books[ACME]) == ([], [(102, 2, 1)])
    assert list(driver.core.open_orders) == ["O3"]


def test_cumqty_plus_leavesqty_is_the_order_quantity_across_several_fills() -> None:
    driver = Driver.fresh()
    driver.send(place("BIG", SELL, 10, 100, session=S2, time_in_force=GTC))
    snapshots = []
    for n, quantity in enumerate((1, 2, 3, 4), start=1):
        resting, _ = fills(driver.send(place(f"B{n}", BUY, quantity, 100)))
        snapshots.append(quantities(resting))
    assert snapshots == [
        (PARTIAL, 1, 9, 100),
        (PARTIAL, 3, 7, 300),
        (PARTIAL, 6, 4, 600),
        (FILLED, 10, 0, 1000),
    ]
    assert driver.core.open_orders == {}


def test_a_partly_filled_aggressor_rests_its_remainder_behind_nobody() -> None:
    driver = Driver.fresh()
    driver.send(place("S", SELL, 3, 100, session=S2))
    events = driver.send(place("B", BUY, 8, 100, time_in_force=GTC))
    assert quantities(fills(events)[-1]) == (PARTIAL, 3, 5, 300)
    assert levels(driver.core.books[ACME]) == ([(100, 5, 1)], [])
    assert driver.core.open_orders["O2"].leaves_quantity == 5


# -- time in force -------------------------------------------------------------------


def test_an_ioc_remainder_is_cancelled_after_its_fills() -> None:
    driver = Driver.fresh()
    driver.send(place("S", SELL, 3, 100, session=S2))
    events = driver.send(place("B", BUY, 5, 100, time_in_force=IOC))

    assert kinds(events) == ["new B", "fill S 3@100", "fill B 3@100", "cancelled B"]
    cancelled = events[-1]
    assert isinstance(cancelled, OrderCancelled)
    assert quantities(cancelled) == (CANCELLED, 3, 0, 300)
    assert cancelled.text == "IOC remainder cancelled: no further liquidity at the limit price"
    assert cancelled.order.original_client_order_id is None
    assert driver.core.open_orders == {}
    assert levels(driver.core.books[ACME]) == ([], [])


def test_an_ioc_with_no_liquidity_is_accepted_then_cancelled() -> None:
    driver = Driver.fresh()
    driver.send(place("S", SELL, 3, 101, session=S2))
    events = driver.send(place("B", BUY, 5, 100, time_in_force=IOC))

    assert kinds(events) == ["new B", "cancelled B"]
    accepted, cancelled = events
    assert isinstance(accepted, OrderAccepted) and isinstance(cancelled, OrderCancelled)
    assert quantities(accepted) == (OPEN, 0, 5, 0)
    assert quantities(cancelled) == (CANCELLED, 0, 0, 0)
    assert [e.event_id for e in events] == [2, 3]
    assert list(driver.core.open_orders) == ["O1"]
    assert levels(driver.core.books[ACME]) == ([], [(101, 3, 1)])


def test_a_fully_filled_ioc_is_not_cancelled() -> None:
    driver = Driver.fresh()
    driver.send(place("S", SELL, 5, 100, session=S2))
    events = driver.send(place("B", BUY, 5, 100, time_in_force=IOC))
    assert kinds(events) == ["new B", "fill S 5@100", "fill B 5@100"]
    assert driver.core.open_orders == {}


@pytest.mark.parametrize("time_in_force", [DAY, GTC])
def test_day_and_gtc_orders_rest_in_the_book(time_in_force: TimeInForce) -> None:
    driver = Driver.fresh()
    events = driver.send_all(
        place("B", BUY, 5, 99, time_in_force=time_in_force),
        place("S", SELL, 6, 101, session=S2, time_in_force=time_in_force),
    )
    assert kinds(events) == ["new B", "new S"]
    assert levels(driver.core.books[ACME]) == ([(99, 5, 1)], [(101, 6, 1)])
    assert sorted(driver.core.open_orders) == ["O1", "O2"]
    assert driver.core.open_orders["O1"].time_in_force is time_in_force


# -- cancels -------------------------------------------------------------------------


def test_a_cancel_of_an_open_order_is_accepted_and_takes_it_out_of_the_book() -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 10, 100))
    events = driver.send(cancel("C1", "B1", BUY))
    assert events == [
        OrderCancelled(
            event_id=2,
            timestamp_us=timestamp_of(2),
            order=OrderSnapshot(
                order_id="O1",
                terms=OrderTerms(
                    session=S1,
                    account=A1,
                    symbol=ACME,
                    side=BUY,
                    order_type=OrderType.LIMIT,
                    time_in_force=DAY,
                ),
                client_order_id="C1",
                original_client_order_id="B1",
                quantity=10,
                price=100,
                status=CANCELLED,
                cumulative_quantity=0,
                leaves_quantity=0,
                cumulative_notional=0,
            ),
            text="cancelled at the client's request",
        )
    ]
    assert driver.core.open_orders == {}
    assert levels(driver.core.books[ACME]) == ([], [])


def test_a_cancel_naming_the_right_order_id_is_accepted() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B0", BUY, 1, 98), place("B1", BUY, 10, 100))
    cancelled = single(driver.send(cancel("C1", "B1", BUY, order_id="O2")), OrderCancelled)
    assert cancelled.order.order_id == "O2"
    assert levels(driver.core.books[ACME]) == ([(98, 1, 1)], [])


def test_a_cancel_of_a_partly_filled_order_keeps_its_cumqty() -> None:
    driver = Driver.fresh()
    driver.send_all(place("S", SELL, 10, 100, session=S2), place("B", BUY, 4, 100))
    cancelled = single(driver.send(cancel("C", "S", SELL, session=S2)), OrderCancelled)
    assert quantities(cancelled) == (CANCELLED, 4, 0, 400)
    assert driver.core.open_orders == {}


def test_a_cancelled_order_no_longer_trades() -> None:
    driver = Driver.fresh()
    driver.send_all(place("S", SELL, 10, 100, session=S2), cancel("C", "S", SELL, session=S2))
    assert kinds(driver.send(place("B", BUY, 4, 100))) == ["new B"]


def test_a_cancel_of_a_rejected_order_names_an_unknown_order() -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 0, 100))
    rejected = single(driver.send(cancel("C1", "B1", BUY)), CancelRejected)
    assert (rejected.reason, rejected.order_id, rejected.status) == (
        CancelRejectReason.UNKNOWN_ORDER,
        None,
        None,
    )


def test_a_cancel_of_an_unknown_clordid_is_rejected() -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 10, 100))
    events = driver.send(cancel("C1", "NOPE", BUY))
    assert events == [
        CancelRejected(
            event_id=2,
            timestamp_us=timestamp_of(2),
            session=S1,
            client_order_id="C1",
            original_client_order_id="NOPE",
            order_id=None,
            status=None,
            reason=CancelRejectReason.UNKNOWN_ORDER,
            text="no order with ClOrdID NOPE",
        )
    ]
    assert list(driver.core.open_orders) == ["O1"]


def test_a_cancel_after_the_order_filled_is_too_late() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 5, 100), place("S1", SELL, 5, 100, session=S2))
    rejected = single(driver.send(cancel("C1", "B1", BUY)), CancelRejected)
    assert (rejected.reason, rejected.order_id, rejected.status, rejected.text) == (
        CancelRejectReason.TOO_LATE_TO_CANCEL,
        "O1",
        FILLED,
        "order is filled",
    )


def test_a_second_cancel_of_a_cancelled_order_is_too_late() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 5, 100), cancel("C1", "B1", BUY))
    rejected = single(driver.send(cancel("C2", "B1", BUY)), CancelRejected)
    assert (rejected.reason, rejected.order_id, rejected.status) == (
        CancelRejectReason.TOO_LATE_TO_CANCEL,
        "O1",
        CANCELLED,
    )


def test_a_cancel_of_an_ioc_that_was_cancelled_is_too_late() -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 5, 100, time_in_force=IOC))
    rejected = single(driver.send(cancel("C1", "B1", BUY)), CancelRejected)
    assert (rejected.reason, rejected.status) == (CancelRejectReason.TOO_LATE_TO_CANCEL, CANCELLED)


def test_a_cancel_may_name_the_order_by_the_clordid_of_an_earlier_cancel() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 5, 100), cancel("C1", "B1", BUY))
    rejected = single(driver.send(cancel("C2", "C1", BUY)), CancelRejected)
    assert (rejected.reason, rejected.order_id) == (CancelRejectReason.TOO_LATE_TO_CANCEL, "O1")


def test_the_clordid_of_a_rejected_cancel_does_not_name_the_order() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 5, 100), cancel("C1", "B1", SELL))  # wrong side: rejected
    rejected = single(driver.send(cancel("C2", "C1", BUY)), CancelRejected)
    assert (rejected.reason, rejected.order_id) == (CancelRejectReason.UNKNOWN_ORDER, None)
    assert list(driver.core.open_orders) == ["O1"]


@pytest.mark.parametrize(
    ("order_id", "symbol", "side", "text"),
    [
        pytest.param("O9", ACME, BUY, "OrderID O9 does not match OrigClOrdID B1 (O1)", id="id"),
        pytest.param(None, BOLT, BUY, "symbol and side do not match order B1", id="symbol"),
        pytest.param(None, ACME, SELL, "symbol and side do not match order B1", id="side"),
        pytest.param(None, ACME, None, "symbol and side do not match order B1", id="no_side"),
        pytest.param("O1", BOLT, SELL, "symbol and side do not match order B1", id="both"),
    ],
)
def test_a_cancel_that_does_not_match_the_order_is_rejected_as_unknown(
    order_id: str | None, symbol: str, side: Side | None, text: str
) -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 5, 100))
    command = cancel("C1", "B1", side, symbol=symbol, order_id=order_id)
    rejected = single(driver.send(command), CancelRejected)
    assert (rejected.reason, rejected.order_id, rejected.status, rejected.text) == (
        CancelRejectReason.UNKNOWN_ORDER,
        "O1",
        OPEN,
        text,
    )
    assert list(driver.core.open_orders) == ["O1"]
    assert levels(driver.core.books[ACME]) == ([(100, 5, 1)], [])


def test_a_cancel_reusing_a_cancel_clordid_is_a_duplicate() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 5, 100), cancel("C1", "B1", BUY), place("B2", BUY, 5, 99))
    events = driver.send(cancel("C1", "B2", BUY))
    assert events == [
        CancelRejected(
            event_id=4,
            timestamp_us=timestamp_of(4),
            session=S1,
            client_order_id="C1",
            original_client_order_id="B2",
            order_id=None,
            status=None,
            reason=CancelRejectReason.DUPLICATE_CLIENT_ORDER_ID,
            text="duplicate ClOrdID C1 for session S1",
        )
    ]
    assert list(driver.core.open_orders) == ["O2"]
    assert levels(driver.core.books[ACME]) == ([(99, 5, 1)], [])


def test_a_cancel_reusing_an_order_clordid_is_a_duplicate() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 5, 100), place("B2", BUY, 5, 99))
    rejected = single(driver.send(cancel("B2", "B1", BUY)), CancelRejected)
    assert rejected.reason is CancelRejectReason.DUPLICATE_CLIENT_ORDER_ID
    assert sorted(driver.core.open_orders) == ["O1", "O2"]


def test_an_order_reusing_a_cancel_clordid_is_a_duplicate() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 5, 100), cancel("C1", "NOPE", BUY))
    rejected = single(driver.send(place("C1", BUY, 5, 100)), OrderRejected)
    assert rejected.reason is OrderRejectReason.DUPLICATE_ORDER


def test_a_cancel_from_another_session_is_unknown() -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 5, 100, session=S1))
    rejected = single(driver.send(cancel("C1", "B1", BUY, session=S2)), CancelRejected)
    assert (rejected.session, rejected.reason, rejected.order_id, rejected.status) == (
        S2,
        CancelRejectReason.UNKNOWN_ORDER,
        None,
        None,
    )
    assert list(driver.core.open_orders) == ["O1"]


# -- event ids and sequencing --------------------------------------------------------


def test_event_ids_are_strictly_increasing_without_gaps_across_every_kind_of_event() -> None:
    driver = Driver.fresh()
    driver.send_all(
        place("S1", SELL, 5, 100, session=S2),
        place("B1", BUY, 2, 101),
        place("X", BUY, 0, 100),
        place("B1", BUY, 1, 100),
        place("B2", BUY, 9, 100, time_in_force=IOC),
        reset(S1),
        place("B3", BUY, 1, 90),
        cancel("C1", "B3", BUY),
        cancel("C1", "B3", BUY),
        cancel("C2", "NOPE", SELL),
        place("B1", BUY, 1, 100, possible_resend=True),
    )
    ids = [event.event_id for event in driver.events]
    assert ids == list(range(1, 15))
    assert kinds(driver.events) == [
        "new S1",
        "new B1",
        "fill S1 2@100",
        "fill B1 2@100",
        "reject X",
        "reject B1",
        "new B2",
        "fill S1 3@100",
        "fill B2 3@100",
        "cancelled B2",
        "new B3",
        "cancelled C1",
        "cancel-reject C1",
        "cancel-reject C2",
    ]


def test_a_reset_of_session_sequence_produces_no_events_but_consumes_a_sequence() -> None:
    core = new_core()
    assert core.apply(sequenced(1, reset(S1))) == []
    assert core.last_sequence == 1
    accepted = single(core.apply(sequenced(2, place("B", BUY, 1, 100))), OrderAccepted)
    assert accepted.event_id == 1


def test_an_operators_enable_or_disable_of_a_session_is_kept_and_reported() -> None:
    driver = Driver.fresh()
    disable = ControlSession(session=S1, action=SessionAction.DISABLE, reason="asked")
    controlled = single(driver.send(disable), SessionControlled)
    assert (controlled.session, controlled.action, controlled.reason) == (
        S1,
        SessionAction.DISABLE,
        "asked",
    )
    assert driver.core.sessions_enabled == {S1: False}
    for action in (SessionAction.LOGOUT, SessionAction.RESET_SEQUENCE):
        single(
            driver.send(ControlSession(session=S1, action=action, reason="r")), SessionControlled
        )
    assert driver.core.sessions_enabled == {S1: False}  # neither changes whether it may log on
    driver.send(ControlSession(session=S1, action=SessionAction.ENABLE, reason="done"))
    assert driver.core.sessions_enabled == {S1: True}


@pytest.mark.parametrize("first", [0, 2, -1, 10])
def test_the_first_command_must_have_sequence_one(first: int) -> None:
    core = new_core()
    with pytest.raises(AssertionError):
        core.apply(sequenced(first, place("B", BUY, 1, 100)))
    assert core.last_sequence == 0
    assert core.open_orders == {}


@pytest.mark.parametrize("following", [1, 2, 4, 100])
def test_a_non_consecutive_sequence_trips_the_assertion(following: int) -> None:
    core = new_core()
    core.apply(sequenced(1, place("B1", BUY, 1, 100)))
    core.apply(sequenced(2, place("B2", BUY, 1, 100)))
    with pytest.raises(AssertionError):
        core.apply(sequenced(following, place("B3", BUY, 1, 100)))
    assert core.last_sequence == 2
    assert sorted(core.open_orders) == ["O1", "O2"]
    # The next consecutive command is still accepted.
    accepted = single(core.apply(sequenced(3, place("B3", BUY, 1, 100))), OrderAccepted)
    assert accepted.order.order_id == "O3"


FOK = TimeInForce.FILL_OR_KILL


def test_a_fok_order_that_can_fill_completely_trades_at_once() -> None:
    driver = Driver.fresh()
    driver.send_all(place("S1", SELL, 4, 100, session=S2), place("S2", SELL, 6, 101, session=S2))
    events = driver.send(place("B1", BUY, 10, 101, time_in_force=FOK))
    assert kinds(events) == [
        "new B1",
        "fill S1 4@100",
        "fill B1 4@100",
        "fill S2 6@101",
        "fill B1 6@101",
    ]
    assert driver.core.open_orders == {}


def test_a_fok_order_that_cannot_fill_completely_is_cancelled_without_trading() -> None:
    driver = Driver.fresh()
    driver.send(place("S1", SELL, 9, 100, session=S2))
    events = driver.send(place("B1", BUY, 10, 100, time_in_force=FOK))
    assert kinds(events) == ["new B1", "cancelled B1"]
    text = single(events[1:], OrderCancelled).text
    assert "FOK" in text and "self-trade" not in text
    assert levels(driver.core.books[ACME]) == ([], [(100, 9, 1)]), "the book is untouched"


def test_a_post_only_order_that_would_not_trade_rests() -> None:
    driver = Driver.fresh()
    driver.send(place("S1", SELL, 5, 101, session=S2))
    events = driver.send(place("B1", BUY, 5, 100, post_only=True))
    assert kinds(events) == ["new B1"]
    assert single(events, OrderAccepted).order.post_only


def test_a_post_only_order_that_would_take_liquidity_is_rejected() -> None:
    driver = Driver.fresh()
    driver.send(place("S1", SELL, 5, 100, session=S2))
    rejected = single(driver.send(place("B1", BUY, 5, 100, post_only=True)), OrderRejected)
    assert rejected.reason is OrderRejectReason.WOULD_TAKE_LIQUIDITY
    assert levels(driver.core.books[ACME]) == ([], [(100, 5, 1)])


def test_a_post_only_order_cannot_be_immediate() -> None:
    driver = Driver.fresh()
    for time_in_force in (IOC, FOK):
        rejected = single(
            driver.send(
                place(
                    f"B{time_in_force.value}",
                    BUY,
                    5,
                    100,
                    post_only=True,
                    time_in_force=time_in_force,
                )
            ),
            OrderRejected,
        )
        assert rejected.reason is OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC


def test_a_status_request_reports_the_order_as_it_stands_and_changes_nothing() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 10, 100), place("S1", SELL, 4, 100, session=S2))
    status = RequestOrderStatus(
        session=S1, client_order_id="B1", order_id=None, symbol=ACME, side=BUY
    )
    reported = single(driver.send(status), OrderStatusReported)
    assert reported.order is not None
    assert (
        reported.order.status,
        reported.order.cumulative_quantity,
        reported.order.leaves_quantity,
    ) == (OrderStatus.PARTIALLY_FILLED, 4, 6)
    assert levels(driver.core.books[ACME]) == ([(100, 6, 1)], [])


def test_a_status_request_for_an_unknown_or_foreign_order_reports_no_order() -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 10, 100))
    for session, clordid, side in ((S2, "B1", BUY), (S1, "NOPE", BUY), (S1, "B1", SELL)):
        status = RequestOrderStatus(
            session=session, client_order_id=clordid, order_id=None, symbol=ACME, side=side
        )
        assert single(driver.send(status), OrderStatusReported).order is None


def test_a_smaller_quantity_at_the_same_price_keeps_time_priority() -> None:
    driver = Driver.fresh()
    driver.send_all(place("S1", SELL, 10, 100, session=S2), place("S2", SELL, 10, 100, session=S2))
    events = driver.send(replace("S1R", "S1", SELL, 6, 100, session=S2))
    assert kinds(events) == ["replaced S1R 6@100"]
    fills = driver.send(place("B1", BUY, 6, 100))
    assert kinds(fills) == ["new B1", "fill S1R 6@100", "fill B1 6@100"]


def test_a_larger_quantity_at_the_same_price_loses_time_priority() -> None:
    driver = Driver.fresh()
    driver.send_all(place("S1", SELL, 10, 100, session=S2), place("S2", SELL, 10, 100, session=S2))
    driver.send(replace("S1R", "S1", SELL, 12, 100, session=S2))
    assert kinds(driver.send(place("B1", BUY, 5, 100)))[1] == "fill S2 5@100"


def test_a_new_price_goes_to_the_back_of_its_new_level() -> None:
    driver = Driver.fresh()
    driver.send_all(place("S1", SELL, 10, 100, session=S2), place("S2", SELL, 10, 101, session=S2))
    driver.send(replace("S1R", "S1", SELL, 10, 101, session=S2))
    assert levels(driver.core.books[ACME]) == ([], [(101, 20, 2)])
    assert kinds(driver.send(place("B1", BUY, 5, 101)))[1] == "fill S2 5@101"


def test_a_replace_to_a_crossing_price_trades_at_once() -> None:
    driver = Driver.fresh()
    driver.send_all(place("S1", SELL, 10, 101, session=S2), place("B1", BUY, 4, 100))
    events = driver.send(replace("B1R", "B1", BUY, 4, 101))
    assert kinds(events) == ["replaced B1R 4@101", "fill S1 4@101", "fill B1R 4@101"]
    assert levels(driver.core.books[ACME]) == ([], [(101, 6, 1)])


def test_a_replace_to_a_quantity_not_above_what_is_filled_is_rejected() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 10, 100), place("S1", SELL, 4, 100, session=S2))
    rejected = single(driver.send(replace("B1R", "B1", BUY, 4, 100)), CancelRejected)
    assert (rejected.reason, rejected.response_to) == (
        CancelRejectReason.INVALID_REPLACEMENT,
        Amendment.REPLACE,
    )
    assert levels(driver.core.books[ACME]) == ([(100, 6, 1)], [])


def test_the_replaced_clordid_names_the_order_for_a_later_cancel() -> None:
    driver = Driver.fresh()
    driver.send_all(place("B1", BUY, 10, 100), replace("B1R", "B1", BUY, 8, 100))
    assert kinds(driver.send(cancel("C1", "B1R", BUY))) == ["cancelled C1"]
    assert driver.core.open_orders == {}


def test_a_replace_of_an_unknown_order_is_rejected_as_a_replace() -> None:
    driver = Driver.fresh()
    rejected = single(driver.send(replace("R1", "NOPE", BUY, 8, 100)), CancelRejected)
    assert (rejected.reason, rejected.response_to) == (
        CancelRejectReason.UNKNOWN_ORDER,
        Amendment.REPLACE,
    )


def _mass_cancel(
    clordid: str, scope: MassCancelScope, symbol: str | None = None, session: str = S1
) -> CancelAllOrders:
    return CancelAllOrders(session=session, client_order_id=clordid, scope=scope, symbol=symbol)


def test_a_mass_cancel_cancels_the_sessions_orders_in_scope_only() -> None:
    driver = Driver.fresh()
    driver.send_all(
        place("B1", BUY, 5, 100),
        place("B2", BUY, 5, 99, symbol=BOLT),
        place("S9", SELL, 5, 105, session=S2),
    )
    events = driver.send(_mass_cancel("M1", MassCancelScope.SECURITY, ACME))
    report = events[0]
    assert isinstance(report, MassCancelReported) and report.cancelled == 1
    assert kinds(events[1:]) == ["cancelled B1"]
    events = driver.send(_mass_cancel("M2", MassCancelScope.ALL))
    assert kinds(events[1:]) == ["cancelled B2"]
    assert [order.client_order_id for order in driver.core.open_orders.values()] == ["S9"]


@pytest.mark.parametrize(
    ("scope", "symbol", "reason"),
    [
        (MassCancelScope.PRODUCT, None, MassCancelRejectReason.UNSUPPORTED_SCOPE),
        (MassCancelScope.SECURITY, "NOPE", MassCancelRejectReason.UNKNOWN_SYMBOL),
    ],
)
def test_a_mass_cancel_the_venue_cannot_do_is_rejected_and_cancels_nothing(
    scope: MassCancelScope, symbol: str | None, reason: MassCancelRejectReason
) -> None:
    driver = Driver.fresh()
    driver.send(place("B1", BUY, 5, 100))
    report = single(driver.send(_mass_cancel("M1", scope, symbol)), MassCancelReported)
    assert (report.reject_reason, report.cancelled) == (reason, 0)
    assert list(driver.core.open_orders) == ["O1"]


def test_the_core_handles_every_kind_of_command() -> None:
    core = new_core()
    assert set(get_args(Command)) == set(core._handlers)
