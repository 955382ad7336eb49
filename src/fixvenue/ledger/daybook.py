"""What the ledger holds of one trading date, as the clearing files and reconciliation
read it. Rows are streamed (server-side cursors on PostgreSQL) or summed by the database,
so memory stays flat however many fills the date had."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Engine, Select, case, cast, func, literal, or_, select, text

from fixvenue.domain.events import OrderFilled, TradingDayEnded
from fixvenue.ledger import codec
from fixvenue.ledger.reader import TradingDay
from fixvenue.ledger.schema import events, postings, trades

_STREAM_ROWS = 10_000
_BATCHES_AHEAD = 4


class TradeRecord(NamedTuple):
    """A row of the trade register (ledger/schema.py `trades`)."""

    event_id: int
    trade_id: str
    order_id: str
    client_order_id: str
    session: str
    account: str
    symbol: str
    side: str
    quantity: int
    price: int
    liquidity: str
    fee: int
    timestamp_us: int
    currency: str
    notional: int


class TradeTotal(NamedTuple):
    """The register's fills of one account in one symbol, side and liquidity, summed."""

    account: str
    symbol: str
    currency: str
    side: str
    liquidity: str
    fills: int
    quantity: int
    notional: int
    fees: int


class PostingTotal(NamedTuple):
    """One party's postings of one kind in one asset, summed: what came in (positive
    amounts, debits) and what went out (negative amounts, as a positive sum: credits)."""

    kind: str
    party: str
    account: str | None
    asset: str
    debits: int
    credits: int


class PostingBreak(NamedTuple):
    """A fill whose postings to its account differ from what its register row says: the
    row's figures, then the postings' (None where a leg is missing)."""

    event_id: int
    account: str
    expected: tuple[Any, ...]  # (legs, symbol, shares, currency, cash, currency, fee)
    posted: tuple[Any, ...]


# A fill's legs to its account (ledger/postings.py): 0 position, 2 cash, 4 fee.
_ACCOUNT_LEGS = ((0, "position"), (2, "cash"), (4, "fee"))


def _driver_rows(engine: Engine, query: Select[Any]) -> Iterator[tuple[Any, ...]]:
    """The query's rows as the driver gives them, plain tuples, streamed: a server-side
    cursor on PostgreSQL, and SQLite's cursor reads as it goes (SQLAlchemy's result rows
    would cost more than the rest of the work on a day of a million fills). A thread reads
    ahead, a few batches at most, so the database works while the caller does."""
    batches: queue.Queue[list[tuple[Any, ...]] | BaseException | None] = queue.Queue(_BATCHES_AHEAD)
    stop = threading.Event()

    def read() -> None:
        try:
            for batch in _fetch_batches(engine, query):
                if stop.is_set():
                    return
                batches.put(batch)
            batches.put(None)
        except BaseException as error:  # the caller raises it
            batches.put(error)

    reader = threading.Thread(target=read, name="daybook-reader", daemon=True)
    reader.start()
    try:
        while (batch := batches.get()) is not None:
            if isinstance(batch, BaseException):
                raise batch
            yield from batch
    finally:
        stop.set()
        while reader.is_alive():  # a reader waiting to put a batch must get to stop
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.05)
        reader.join()


def _fetch_batches(engine: Engine, query: Select[Any]) -> Iterator[list[tuple[Any, ...]]]:
    compiled = query.compile(dialect=engine.dialect)
    positions = compiled.positiontup
    parameters: Any = (
        compiled.params if positions is None else tuple(compiled.params[p] for p in positions)
    )
    with engine.connect() as connection:
        driver: Any = connection.connection.driver_connection
        if engine.dialect.name == "postgresql":
            # Binary rows: integers are read without parsing text.
            cursor = driver.cursor(name="daybook", binary=True)
        else:
            cursor = driver.cursor()
        try:
            cursor.execute(str(compiled), parameters)
            while rows := cursor.fetchmany(_STREAM_ROWS):
                yield rows
        finally:
            cursor.close()


class DayBook:
    def __init__(self, engine: Engine, day: TradingDay) -> None:
        self._engine = engine
        self.day = day

    def trades(self) -> Iterator[TradeRecord]:
        """The register's rows of the date, in ExecID order."""
        query = (
            select(*trades.c)
            .where(self.day.holds_event(trades.c.event_id))
            .order_by(trades.c.event_id)
        )
        for row in _driver_rows(self._engine, query):
            yield TradeRecord(*row)

    def trade_totals(self) -> list[TradeTotal]:
        columns = (
            trades.c.account,
            trades.c.symbol,
            trades.c.currency,
            trades.c.side,
            trades.c.liquidity,
        )
        query = (
            select(
                *columns,
                func.count(),
                func.sum(trades.c.quantity),
                func.sum(trades.c.notional),
                func.sum(trades.c.fee),
            )
            .where(self.day.holds_event(trades.c.event_id))
            .group_by(*columns)
            .order_by(*columns)
        )
        with self._engine.connect() as connection:
            return [
                TradeTotal(*row[:5], *(int(value) for value in row[5:]))
                for row in connection.execute(query)
            ]

    def posting_totals(self) -> list[PostingTotal]:
        columns = (postings.c.kind, postings.c.party, postings.c.account, postings.c.asset)
        amount = postings.c.amount
        query = (
            select(
                *columns,
                func.coalesce(func.sum(case((amount > 0, amount), else_=0)), 0),
                func.coalesce(func.sum(case((amount < 0, -amount), else_=0)), 0),
            )
            .where(self.day.holds_event(postings.c.event_id))
            .group_by(*columns)
            .order_by(*columns)
        )
        with self._engine.connect() as connection:
            return [
                PostingTotal(row[0], row[1], row[2], row[3], int(row[4]), int(row[5]))
                for row in connection.execute(query)
            ]

    def fills(self) -> Iterator[OrderFilled]:
        """Every fill the venue reported on the date, in ExecID order."""
        query = (
            select(events.c.payload)
            .where(events.c.kind == OrderFilled.__name__, self.day.holds_event(events.c.event_id))
            .order_by(events.c.event_id)
        )
        for (payload,) in _driver_rows(self._engine, query):
            fill = codec.decode_event(OrderFilled.__name__, payload)
            assert isinstance(fill, OrderFilled)
            yield fill

    def posting_breaks(self) -> Iterator[PostingBreak]:
        """The register's fills whose postings to their account are not what the row
        says (or are missing), in event order. The database compares: a day's postings
        never leave it."""
        pivot_columns = [func.count().label("legs")]
        for leg, kind in _ACCOUNT_LEGS:
            this_leg = (postings.c.leg == leg) & (postings.c.kind == kind)
            pivot_columns += [
                func.max(case((this_leg, postings.c.asset))).label(f"{kind}_asset"),
                cast(func.sum(case((this_leg, postings.c.amount))), BigInteger).label(kind),
            ]
        pivot = (
            select(postings.c.event_id, *pivot_columns)
            .where(postings.c.party == "account", self.day.holds_event(postings.c.event_id))
            .group_by(postings.c.event_id)
            .subquery()
        )
        direction = case((trades.c.side == "buy", 1), else_=-1)
        expected = (
            literal(len(_ACCOUNT_LEGS)),
            trades.c.symbol,
            direction * trades.c.quantity,
            trades.c.currency,
            -direction * trades.c.notional,
            trades.c.currency,
            -trades.c.fee,
        )
        posted = (
            pivot.c.legs,
            pivot.c.position_asset,
            pivot.c.position,
            pivot.c.cash_asset,
            pivot.c.cash,
            pivot.c.fee_asset,
            pivot.c.fee,
        )
        query = (
            select(trades.c.event_id, trades.c.account, *expected, *posted)
            .select_from(trades.outerjoin(pivot, pivot.c.event_id == trades.c.event_id))
            .where(
                self.day.holds_event(trades.c.event_id),
                or_(
                    *(
                        ours.is_distinct_from(theirs)
                        for ours, theirs in zip(expected, posted, strict=True)
                    )
                ),
            )
            .order_by(trades.c.event_id)
        )
        width = len(expected)
        for row in _driver_rows(self._engine, query):
            yield PostingBreak(row[0], row[1], row[2 : 2 + width], row[2 + width :])

    def posted_without_register_row(self) -> Iterator[int]:
        """Events of the date with postings but no row in the trade register."""
        query = (
            select(postings.c.event_id)
            .select_from(postings.outerjoin(trades, trades.c.event_id == postings.c.event_id))
            .where(self.day.holds_event(postings.c.event_id), trades.c.event_id.is_(None))
            .group_by(postings.c.event_id)
            .order_by(postings.c.event_id)
        )
        for (event_id,) in _driver_rows(self._engine, query):
            yield event_id

    def refresh_statistics(self) -> None:
        """Lets PostgreSQL's planner know how big the day's tables have grown (autovacuum
        may not have looked since): without it, it sorts a million rows on disk where it
        could sum them in memory."""
        if self._engine.dialect.name == "postgresql":
            with self._engine.begin() as connection:
                connection.execute(text("ANALYZE trades, postings"))

    def end_of_day(self) -> TradingDayEnded | None:
        """The date's end of day (None while it is the current date)."""
        return self._day_ended(self.day.through_event_id)

    def start_of_day_positions(self) -> dict[tuple[str, str], int]:
        """(account, symbol) -> the net position carried in from the date before; nothing
        on the ledger's first date."""
        before = self._day_ended(self.day.after_event_id)
        if before is None:
            return {}
        return {(account, symbol): quantity for account, symbol, quantity in before.positions}

    def _day_ended(self, event_id: int | None) -> TradingDayEnded | None:
        if not event_id:
            return None
        with self._engine.connect() as connection:
            row = connection.execute(
                select(events.c.kind, events.c.payload).where(events.c.event_id == event_id)
            ).one()
        event = codec.decode_event(row.kind, row.payload)
        assert isinstance(event, TradingDayEnded), event
        return event
