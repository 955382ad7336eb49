"""What the ledger holds of one trading date, as the clearing files and reconciliation
read it. Rows are streamed (server-side cursors on PostgreSQL) or summed by the database,
so memory stays flat however many fills the date had."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import Engine, case, func, select

from fixvenue.domain.events import OrderFilled, TradingDayEnded
from fixvenue.ledger import codec
from fixvenue.ledger.reader import TradingDay
from fixvenue.ledger.schema import events, postings, trades

_STREAM_ROWS = 10_000


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


class FillPostings(NamedTuple):
    """The postings of one event to its trading account: how many, and the asset and amount
    of each of a fill's three legs (None where that leg is missing or not of its kind)."""

    event_id: int
    legs: int
    position_asset: str | None
    position: int | None
    cash_asset: str | None
    cash: int | None
    fee_asset: str | None
    fee: int | None


# A fill's legs to its account (ledger/postings.py): 0 position, 2 cash, 4 fee.
_ACCOUNT_LEGS = ((0, "position"), (2, "cash"), (4, "fee"))


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
        with self._engine.connect() as connection:
            for row in connection.execution_options(yield_per=_STREAM_ROWS).execute(query):
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
        with self._engine.connect() as connection:
            for row in connection.execution_options(yield_per=_STREAM_ROWS).execute(query):
                fill = codec.decode_event(OrderFilled.__name__, row.payload)
                assert isinstance(fill, OrderFilled)
                yield fill

    def account_postings(self) -> Iterator[FillPostings]:
        """The postings to trading accounts of the date, one row per event, in event order."""
        columns = []
        for leg, kind in _ACCOUNT_LEGS:
            this_leg = (postings.c.leg == leg) & (postings.c.kind == kind)
            columns += [
                func.max(case((this_leg, postings.c.asset))),
                func.sum(case((this_leg, postings.c.amount))),
            ]
        query = (
            select(postings.c.event_id, func.count(), *columns)
            .where(postings.c.party == "account", self.day.holds_event(postings.c.event_id))
            .group_by(postings.c.event_id)
            .order_by(postings.c.event_id)
        )
        with self._engine.connect() as connection:
            for row in connection.execution_options(yield_per=_STREAM_ROWS).execute(query):
                yield FillPostings(
                    row[0],
                    row[1],
                    row[2],
                    None if row[3] is None else int(row[3]),
                    row[4],
                    None if row[5] is None else int(row[5]),
                    row[6],
                    None if row[7] is None else int(row[7]),
                )

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
