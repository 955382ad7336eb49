"""StopBook: which waiting stop order the last trade price triggers, and in what order."""

from __future__ import annotations

from dataclasses import dataclass

from fixvenue.domain.values import Side
from fixvenue.matching.stops import StopBook
from tests.unit.builders import BUY, SELL


@dataclass(frozen=True)
class Stop:
    order_id: str
    side: Side
    stop_price: int | None


def stop_book(*stops: Stop) -> StopBook:
    book = StopBook()
    for stop in stops:
        book.add(stop)
    return book


def triggered(book: StopBook, last_price: int) -> list[str]:
    result = []
    while (stop := book.pop_triggered(last_price, last_price)) is not None:
        result.append(stop.order_id)
    return result


def test_a_buy_stop_triggers_at_or_above_its_stop_price_only() -> None:
    book = stop_book(Stop("b", BUY, 100))
    assert triggered(book, 99) == []
    assert triggered(book, 100) == ["b"]
    assert len(book) == 0


def test_a_sell_stop_triggers_at_or_below_its_stop_price_only() -> None:
    book = stop_book(Stop("s", SELL, 100))
    assert triggered(book, 101) == []
    assert triggered(book, 100) == ["s"]


def test_buy_stops_trigger_lowest_stop_first_and_oldest_first_at_one_price() -> None:
    book = stop_book(Stop("high", BUY, 105), Stop("low-old", BUY, 101), Stop("low-new", BUY, 101))
    assert triggered(book, 110) == ["low-old", "low-new", "high"]


def test_sell_stops_trigger_highest_stop_first() -> None:
    book = stop_book(Stop("low", SELL, 95), Stop("high", SELL, 99))
    assert triggered(book, 90) == ["high", "low"]


def test_when_both_sides_are_reached_the_older_stop_triggers_first() -> None:
    book = stop_book(Stop("sell", SELL, 105), Stop("buy", BUY, 100))
    assert triggered(book, 102) == ["sell", "buy"]


def test_a_removed_stop_never_triggers() -> None:
    kept, removed = Stop("kept", BUY, 100), Stop("removed", BUY, 100)
    book = stop_book(kept, removed)
    book.remove(removed)
    assert not book.contains(removed) and book.contains(kept)
    assert triggered(book, 100) == ["kept"]


def test_trades_on_both_sides_of_a_stop_reach_it_even_when_the_last_one_moved_away() -> None:
    book = stop_book(Stop("buy", BUY, 105), Stop("sell", SELL, 95), Stop("far", BUY, 110))
    assert book.pop_triggered(94, 106) is not None
    assert book.pop_triggered(94, 106) is not None
    assert book.pop_triggered(94, 106) is None
    assert book.contains(Stop("far", BUY, 110))
