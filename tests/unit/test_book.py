"""OrderBook scenarios as tables: resting orders, an aggressor, the matches and the book after."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fixvenue.domain.values import SelfTradePrevention, Side
from fixvenue.matching.book import (
    CancelResting,
    Decrement,
    LevelView,
    Match,
    OrderBook,
    RestingOrder,
    Step,
)
from tests.unit.builders import ACME, BUY, SELL

# (order_id, side, price, quantity), in arrival order
Resting = tuple[str, Side, int, int]
# (order_id, quantity, price)
Traded = tuple[str, int, int]
# (price, total quantity, number of orders), best first
Level = tuple[int, int, int]


def resting_order(
    order_id: str, side: Side, price: int | None, quantity: int, display: int | None = None
) -> RestingOrder:
    """An order as the book sees it, an iceberg with its first slice shown, as the core
    enters it."""
    order = RestingOrder(order_id, side, price, quantity, display)
    order.show()
    return order


def book_of(*resting: Resting) -> tuple[OrderBook, dict[str, RestingOrder]]:
    book = OrderBook(ACME)
    orders: dict[str, RestingOrder] = {}
    for order_id, side, price, quantity in resting:
        order = orders[order_id] = resting_order(order_id, side, price, quantity)
        book.add(order)
    return book, orders


def matches(book: OrderBook, side: Side, limit: int, quantity: int) -> list[Match]:
    """The sweep of an order whose firm has nothing on the book: matches only."""
    steps = book.sweep(side, limit, quantity).steps
    assert all(isinstance(step, Match) for step in steps), steps
    return [step for step in steps if isinstance(step, Match)]


def traded(matches: list[Match]) -> list[Traded]:
    return [(m.resting.order_id, m.quantity, m.price) for m in matches]


def apply_fills(book: OrderBook, orders: dict[str, RestingOrder], matches: list[Match]) -> None:
    """What the core does with matches: reduce the resting quantity, remove what is filled,
    and send an iceberg whose slice is used up to the back with a new slice."""
    for match in matches:
        order = orders[match.resting.order_id]
        order.leaves_quantity -= match.quantity
        order.slice_quantity -= match.quantity
        if order.leaves_quantity == 0:
            book.remove(order)
        elif order.display_quantity is not None and order.slice_quantity == 0:
            order.slice_quantity = min(order.display_quantity, order.leaves_quantity)
            book.requeue(order)


def levels(book: OrderBook, side: Side) -> list[Level]:
    return [(level.price, level.quantity, level.orders) for level in book.levels(side)]


def order_ids(book: OrderBook, side: Side) -> list[str]:
    return [order.order_id for order in book.orders(side)]


@dataclass(frozen=True)
class Scenario:
    name: str
    resting: tuple[Resting, ...]
    aggressor: tuple[Side, int, int]  # side, limit price, quantity
    expected: tuple[Traded, ...]
    bids_after: tuple[Level, ...]
    asks_after: tuple[Level, ...]


SCENARIOS = [
    Scenario(
        name="a_buy_trades_with_the_lowest_ask_first_whatever_the_arrival_order",
        resting=(("a", SELL, 102, 5), ("b", SELL, 101, 5), ("c", SELL, 103, 5)),
        aggressor=(BUY, 103, 5),
        expected=(("b", 5, 101),),
        bids_after=(),
        asks_after=((102, 5, 1), (103, 5, 1)),
    ),
    Scenario(
        name="a_sell_trades_with_the_highest_bid_first_whatever_the_arrival_order",
        resting=(("a", BUY, 99, 5), ("b", BUY, 100, 5), ("c", BUY, 98, 5)),
        aggressor=(SELL, 98, 5),
        expected=(("b", 5, 100),),
        bids_after=((99, 5, 1), (98, 5, 1)),
        asks_after=(),
    ),
    Scenario(
        name="within_a_level_the_oldest_order_trades_first",
        resting=(("a", SELL, 101, 5), ("b", SELL, 101, 5), ("c", SELL, 101, 5)),
        aggressor=(BUY, 101, 7),
        expected=(("a", 5, 101), ("b", 2, 101)),
        bids_after=(),
        asks_after=((101, 8, 2),),
    ),
    Scenario(
        name="within_a_bid_level_the_oldest_order_trades_first",
        resting=(("a", BUY, 100, 3), ("b", BUY, 100, 4)),
        aggressor=(SELL, 100, 4),
        expected=(("a", 3, 100), ("b", 1, 100)),
        bids_after=((100, 3, 1),),
        asks_after=(),
    ),
    Scenario(
        name="a_buy_above_the_best_ask_trades_at_the_resting_price",
        resting=(("a", SELL, 100, 5),),
        aggressor=(BUY, 105, 5),
        expected=(("a", 5, 100),),
        bids_after=(),
        asks_after=(),
    ),
    Scenario(
        name="a_sell_below_the_best_bid_trades_at_the_resting_price",
        resting=(("a", BUY, 100, 5),),
        aggressor=(SELL, 90, 5),
        expected=(("a", 5, 100),),
        bids_after=(),
        asks_after=(),
    ),
    Scenario(
        name="a_buy_at_the_best_ask_trades_at_the_resting_price",
        resting=(("a", SELL, 100, 5),),
        aggressor=(BUY, 100, 2),
        expected=(("a", 2, 100),),
        bids_after=(),
        asks_after=((100, 3, 1),),
    ),
    Scenario(
        name="a_large_buy_walks_several_levels_each_at_its_own_price",
        resting=(("a", SELL, 100, 3), ("b", SELL, 101, 4), ("c", SELL, 102, 5)),
        aggressor=(BUY, 102, 10),
        expected=(("a", 3, 100), ("b", 4, 101), ("c", 3, 102)),
        bids_after=(),
        asks_after=((102, 2, 1),),
    ),
    Scenario(
        name="a_large_sell_walks_bid_levels_downwards",
        resting=(("a", BUY, 98, 3), ("b", BUY, 100, 4), ("c", BUY, 99, 5), ("d", BUY, 100, 1)),
        aggressor=(SELL, 99, 9),
        expected=(("b", 4, 100), ("d", 1, 100), ("c", 4, 99)),
        bids_after=((99, 1, 1), (98, 3, 1)),
        asks_after=(),
    ),
    Scenario(
        name="a_buy_does_not_trade_beyond_its_limit",
        resting=(("a", SELL, 100, 3), ("b", SELL, 101, 4)),
        aggressor=(BUY, 100, 10),
        expected=(("a", 3, 100),),
        bids_after=(),
        asks_after=((101, 4, 1),),
    ),
    Scenario(
        name="a_sell_does_not_trade_beyond_its_limit",
        resting=(("a", BUY, 100, 3), ("b", BUY, 99, 4)),
        aggressor=(SELL, 100, 10),
        expected=(("a", 3, 100),),
        bids_after=((99, 4, 1),),
        asks_after=(),
    ),
    Scenario(
        name="a_buy_below_the_best_ask_does_not_trade",
        resting=(("a", SELL, 101, 3), ("b", BUY, 99, 2)),
        aggressor=(BUY, 100, 5),
        expected=(),
        bids_after=((99, 2, 1),),
        asks_after=((101, 3, 1),),
    ),
    Scenario(
        name="a_sell_above_the_best_bid_does_not_trade",
        resting=(("a", BUY, 99, 3),),
        aggressor=(SELL, 100, 5),
        expected=(),
        bids_after=((99, 3, 1),),
        asks_after=(),
    ),
    Scenario(
        name="an_aggressor_never_trades_with_its_own_side",
        resting=(("a", BUY, 100, 3), ("b", BUY, 101, 3)),
        aggressor=(BUY, 105, 5),
        expected=(),
        bids_after=((101, 3, 1), (100, 3, 1)),
        asks_after=(),
    ),
    Scenario(
        name="matching_stops_once_the_aggressor_is_satisfied",
        resting=(("a", SELL, 100, 5), ("b", SELL, 100, 5), ("c", SELL, 101, 5)),
        aggressor=(BUY, 101, 5),
        expected=(("a", 5, 100),),
        bids_after=(),
        asks_after=((100, 5, 1), (101, 5, 1)),
    ),
    Scenario(
        name="an_aggressor_larger_than_the_book_takes_everything_it_can_reach",
        resting=(("a", SELL, 100, 1), ("b", SELL, 101, 2)),
        aggressor=(BUY, 200, 50),
        expected=(("a", 1, 100), ("b", 2, 101)),
        bids_after=(),
        asks_after=(),
    ),
    Scenario(
        name="an_empty_book_has_nothing_to_trade",
        resting=(),
        aggressor=(SELL, 1, 5),
        expected=(),
        bids_after=(),
        asks_after=(),
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_matching_scenario(scenario: Scenario) -> None:
    book, orders = book_of(*scenario.resting)
    side, limit, quantity = scenario.aggressor

    swept = matches(book, side, limit, quantity)

    assert traded(swept) == list(scenario.expected)
    apply_fills(book, orders, swept)
    assert levels(book, BUY) == list(scenario.bids_after)
    assert levels(book, SELL) == list(scenario.asks_after)
    assert not book.is_crossed()


def test_matches_are_the_resting_order_objects_themselves() -> None:
    book, orders = book_of(("a", SELL, 100, 5))
    (match,) = matches(book, BUY, 100, 1)
    assert match.resting is orders["a"]


def test_computing_matches_does_not_change_the_book() -> None:
    book, orders = book_of(("a", SELL, 100, 3), ("b", SELL, 101, 4), ("c", BUY, 99, 1))
    matches(book, BUY, 101, 100)
    assert levels(book, SELL) == [(100, 3, 1), (101, 4, 1)]
    assert levels(book, BUY) == [(99, 1, 1)]
    assert [o.leaves_quantity for o in orders.values()] == [3, 4, 1]


def test_a_partially_filled_order_keeps_its_place_at_the_head_of_its_level() -> None:
    book, orders = book_of(("a", SELL, 101, 10), ("b", SELL, 101, 5))

    first = matches(book, BUY, 101, 4)
    apply_fills(book, orders, first)
    assert traded(first) == [("a", 4, 101)]
    assert levels(book, SELL) == [(101, 11, 2)]
    assert order_ids(book, SELL) == ["a", "b"]

    second = matches(book, BUY, 101, 8)
    apply_fills(book, orders, second)
    assert traded(second) == [("a", 6, 101), ("b", 2, 101)]
    assert levels(book, SELL) == [(101, 3, 1)]
    assert order_ids(book, SELL) == ["b"]


def test_an_order_added_later_at_the_same_price_queues_behind_a_partially_filled_one() -> None:
    book, orders = book_of(("a", BUY, 100, 10))
    apply_fills(book, orders, matches(book, SELL, 100, 7))
    late = resting_order("z", BUY, 100, 50)
    book.add(late)
    orders["z"] = late
    assert traded(matches(book, SELL, 100, 5)) == [("a", 3, 100), ("z", 2, 100)]


def test_removing_the_last_order_of_a_level_deletes_the_level() -> None:
    book, orders = book_of(("a", SELL, 100, 5), ("b", SELL, 101, 5))
    book.remove(orders["a"])
    assert levels(book, SELL) == [(101, 5, 1)]
    assert book.best_price(SELL) == 101
    assert not book.contains(orders["a"])
    assert traded(matches(book, BUY, 100, 5)) == []


def test_removing_every_order_leaves_an_empty_side() -> None:
    book, orders = book_of(("a", BUY, 100, 5))
    book.remove(orders["a"])
    assert levels(book, BUY) == []
    assert book.best_price(BUY) is None
    assert list(book.orders(BUY)) == []


def test_removing_one_order_of_several_keeps_the_level_and_the_others_queue() -> None:
    book, orders = book_of(("a", BUY, 100, 1), ("b", BUY, 100, 2), ("c", BUY, 100, 4))
    book.remove(orders["b"])
    assert levels(book, BUY) == [(100, 5, 2)]
    assert order_ids(book, BUY) == ["a", "c"]
    assert book.contains(orders["a"]) and book.contains(orders["c"])
    assert not book.contains(orders["b"])


def test_an_order_never_added_is_not_contained() -> None:
    book, _ = book_of(("a", BUY, 100, 1))
    assert not book.contains(resting_order("a", BUY, 101, 1))
    assert not book.contains(resting_order("a", SELL, 100, 1))
    assert not book.contains(resting_order("b", BUY, 100, 1))


@pytest.mark.parametrize(
    ("resting", "best_bid", "best_ask"),
    [
        ((), None, None),
        ((("a", BUY, 100, 1),), 100, None),
        ((("a", SELL, 100, 1),), None, 100),
        ((("a", BUY, 98, 1), ("b", BUY, 100, 1), ("c", BUY, 99, 1)), 100, None),
        ((("a", SELL, 103, 1), ("b", SELL, 101, 1), ("c", SELL, 102, 1)), None, 101),
        ((("a", BUY, 97, 1), ("b", SELL, 105, 1), ("c", BUY, 99, 2), ("d", SELL, 104, 1)), 99, 104),
    ],
)
def test_best_price_is_the_highest_bid_and_the_lowest_ask(
    resting: tuple[Resting, ...], best_bid: int | None, best_ask: int | None
) -> None:
    book, _ = book_of(*resting)
    assert (book.best_price(BUY), book.best_price(SELL)) == (best_bid, best_ask)


def test_levels_aggregate_quantity_and_count_per_price_best_first() -> None:
    book, _ = book_of(
        ("a", BUY, 99, 1),
        ("b", BUY, 101, 2),
        ("c", BUY, 99, 3),
        ("d", SELL, 105, 4),
        ("e", SELL, 103, 5),
        ("f", SELL, 105, 6),
        ("g", SELL, 103, 7),
        ("h", BUY, 100, 8),
    )
    assert list(book.levels(BUY)) == [
        LevelView(price=101, quantity=2, orders=1),
        LevelView(price=100, quantity=8, orders=1),
        LevelView(price=99, quantity=4, orders=2),
    ]
    assert list(book.levels(SELL)) == [
        LevelView(price=103, quantity=12, orders=2),
        LevelView(price=105, quantity=10, orders=2),
    ]


def test_levels_report_the_current_leaves_quantity_of_their_orders() -> None:
    book, orders = book_of(("a", SELL, 100, 5), ("b", SELL, 100, 5))
    orders["a"].leaves_quantity = 2
    assert levels(book, SELL) == [(100, 7, 2)]


def test_orders_are_listed_best_price_first_then_oldest_first() -> None:
    book, _ = book_of(
        ("a", SELL, 102, 1),
        ("b", SELL, 101, 1),
        ("c", SELL, 102, 1),
        ("d", SELL, 101, 1),
        ("e", BUY, 99, 1),
        ("f", BUY, 100, 1),
        ("g", BUY, 99, 1),
    )
    assert order_ids(book, SELL) == ["b", "d", "a", "c"]
    assert order_ids(book, BUY) == ["f", "e", "g"]


@pytest.mark.parametrize(
    ("bid", "ask", "crossed"),
    [
        (None, None, False),
        (100, None, False),
        (None, 100, False),
        (99, 100, False),
        (100, 100, True),
        (101, 100, True),
    ],
)
def test_a_book_is_crossed_when_the_best_bid_reaches_the_best_ask(
    bid: int | None, ask: int | None, crossed: bool
) -> None:
    resting: list[Resting] = []
    if bid is not None:
        resting += [("b1", BUY, bid - 5, 1), ("b2", BUY, bid, 1)]
    if ask is not None:
        resting += [("a1", SELL, ask + 5, 1), ("a2", SELL, ask, 1)]
    book, _ = book_of(*resting)
    assert book.is_crossed() is crossed


def test_an_order_without_leaves_quantity_cannot_rest() -> None:
    book = OrderBook(ACME)
    with pytest.raises(AssertionError):
        book.add(resting_order("a", BUY, 100, 0))
    assert levels(book, BUY) == []


def test_an_order_without_a_price_cannot_rest() -> None:
    book = OrderBook(ACME)
    with pytest.raises(AssertionError):
        book.add(resting_order("a", BUY, None, 1))


def test_the_same_order_id_cannot_rest_twice_at_one_price() -> None:
    book, _ = book_of(("a", BUY, 100, 1))
    with pytest.raises(AssertionError):
        book.add(resting_order("a", BUY, 100, 1))
    assert levels(book, BUY) == [(100, 1, 1)]


def test_a_book_knows_its_symbol() -> None:
    assert OrderBook("XYZ").symbol == "XYZ"


# -- icebergs ------------------------------------------------------------------------


def iceberg(order_id: str, side: Side, price: int, quantity: int, display: int) -> RestingOrder:
    return resting_order(order_id, side, price, quantity, display)


def test_a_level_shows_an_iceberg_with_its_slice_only() -> None:
    book = OrderBook(ACME)
    book.add(iceberg("i", SELL, 100, 50, 10))
    book.add(resting_order("a", SELL, 100, 5))
    assert levels(book, SELL) == [(100, 15, 2)]


def test_an_aggressor_takes_the_slice_then_the_next_order_then_the_refreshed_slice() -> None:
    book = OrderBook(ACME)
    orders = {"i": iceberg("i", SELL, 100, 25, 10), "a": resting_order("a", SELL, 100, 4)}
    for order in orders.values():
        book.add(order)

    swept = matches(book, BUY, 100, 30)

    assert traded(swept) == [("i", 10, 100), ("a", 4, 100), ("i", 10, 100), ("i", 5, 100)]
    apply_fills(book, orders, swept)
    assert levels(book, SELL) == []


def test_applying_an_iceberg_sweep_leaves_the_refreshed_slice_at_the_back() -> None:
    book = OrderBook(ACME)
    orders = {"i": iceberg("i", SELL, 100, 25, 10), "a": resting_order("a", SELL, 100, 20)}
    for order in orders.values():
        book.add(order)

    swept = matches(book, BUY, 100, 12)

    assert traded(swept) == [("i", 10, 100), ("a", 2, 100)]
    apply_fills(book, orders, swept)
    assert order_ids(book, SELL) == ["a", "i"]
    assert levels(book, SELL) == [(100, 28, 2)]


def test_an_iceberg_sweep_does_not_go_past_the_limit_price_for_hidden_quantity() -> None:
    book = OrderBook(ACME)
    book.add(iceberg("i", SELL, 101, 25, 10))
    assert traded(matches(book, BUY, 100, 30)) == []


# -- self-trade prevention -------------------------------------------------------------


def own_firm_sweep(
    prevention: SelfTradePrevention, quantity: int = 10
) -> tuple[list[Step], int, str | None]:
    """A buy for `quantity` at 101 into: other firm 3@100, own firm 5@100, other firm 4@101."""
    book, _ = book_of(("x", SELL, 100, 3), ("own", SELL, 100, 5), ("y", SELL, 101, 4))
    sweep = book.sweep(
        BUY, 101, quantity, is_own=lambda resting: resting.order_id == "own", prevention=prevention
    )
    stopped_by = None if sweep.stopped_by is None else sweep.stopped_by.order_id
    return sweep.steps, sweep.traded, stopped_by


def outline(steps: list[Step]) -> list[str]:
    result = []
    for step in steps:
        if isinstance(step, Match):
            result.append(f"trade {step.resting.order_id} {step.quantity}")
        elif isinstance(step, CancelResting):
            result.append(f"cancel {step.resting.order_id}")
        else:
            assert isinstance(step, Decrement)
            result.append(f"decrement {step.resting.order_id} {step.quantity}")
    return result


def test_cancel_resting_skips_the_own_order_and_goes_on_trading() -> None:
    steps, traded_quantity, stopped_by = own_firm_sweep(SelfTradePrevention.CANCEL_RESTING)
    assert outline(steps) == ["trade x 3", "cancel own", "trade y 4"]
    assert (traded_quantity, stopped_by) == (7, None)


def test_cancel_aggressor_stops_at_the_own_order() -> None:
    steps, traded_quantity, stopped_by = own_firm_sweep(SelfTradePrevention.CANCEL_AGGRESSOR)
    assert outline(steps) == ["trade x 3"]
    assert (traded_quantity, stopped_by) == (3, "own")


def test_cancel_both_cancels_the_own_order_and_stops() -> None:
    steps, traded_quantity, stopped_by = own_firm_sweep(SelfTradePrevention.CANCEL_BOTH)
    assert outline(steps) == ["trade x 3", "cancel own"]
    assert (traded_quantity, stopped_by) == (3, "own")


def test_decrement_uses_up_the_smaller_quantity_and_goes_on_with_the_rest() -> None:
    steps, traded_quantity, stopped_by = own_firm_sweep(SelfTradePrevention.DECREMENT, 12)
    assert outline(steps) == ["trade x 3", "decrement own 5", "trade y 4"]
    assert (traded_quantity, stopped_by) == (7, None)


def test_decrement_can_use_up_the_aggressor() -> None:
    steps, traded_quantity, stopped_by = own_firm_sweep(SelfTradePrevention.DECREMENT, 6)
    assert outline(steps) == ["trade x 3", "decrement own 3"]
    assert (traded_quantity, stopped_by) == (3, None)


def test_discarding_an_order_that_is_not_on_the_book_changes_nothing() -> None:
    book, orders = book_of(("a", SELL, 100, 5))
    assert not book.discard(resting_order("z", SELL, 100, 5))
    assert not book.discard(resting_order("y", BUY, 99, 5))
    assert book.discard(orders["a"])
    assert levels(book, SELL) == [] and book.best_price(SELL) is None
