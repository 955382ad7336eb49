"""Fees and the double-entry postings of fills: exact, and balanced for every asset."""

from __future__ import annotations

from collections import Counter

from fixvenue.domain.events import OrderFilled
from fixvenue.ledger.postings import Party, PostingKind, PostingRow, fill_posting_rows
from fixvenue.ledger.schema import postings as postings_table
from tests.unit.builders import (
    A1,
    A2,
    ACME,
    BOLT,
    BUY,
    INSTRUMENTS,
    S2,
    SELL,
    Driver,
    place,
)

_INSTRUMENTS = {instrument.symbol: instrument for instrument in INSTRUMENTS}


def _postings(fill: OrderFilled) -> list[PostingRow]:
    return fill_posting_rows(fill, _INSTRUMENTS[fill.order.symbol])


def _fills(symbol: str, driver: Driver | None = None) -> list[OrderFilled]:
    driver = driver or Driver.fresh()
    driver.send(place(f"maker-{symbol}", SELL, 300, 2_010, symbol=symbol))
    events = driver.send(place(f"taker-{symbol}", BUY, 120, 2_010, session=S2, symbol=symbol))
    return [event for event in events if isinstance(event, OrderFilled)]


def test_the_resting_order_gets_the_maker_rebate_and_the_incoming_order_pays_the_taker_fee() -> (
    None
):
    maker, taker = _fills(BOLT)
    assert (maker.order.client_order_id, maker.fill.fee) == ("maker-BOLT", 120 * -2_000)
    assert (taker.order.client_order_id, taker.fill.fee) == ("taker-BOLT", 120 * 3_000)
    assert {fill.fill.fee for fill in _fills(ACME)} == {0}  # an instrument without fees


def test_a_fill_posts_position_cash_and_fee_each_against_its_counterpart() -> None:
    maker, taker = _fills(BOLT)
    notional = 120 * 2_010 * 50_000  # 2010 ticks of 0.05 EUR, in millionths
    bought = {
        (PostingKind(kind), Party(party), account, asset): amount
        for _event, _leg, kind, party, account, asset, amount in _postings(taker)
    }
    assert bought == {
        (PostingKind.POSITION, Party.ACCOUNT, A2, BOLT): 120,
        (PostingKind.POSITION, Party.SETTLEMENT, None, BOLT): -120,
        (PostingKind.CASH, Party.ACCOUNT, A2, "EUR"): -notional,
        (PostingKind.CASH, Party.SETTLEMENT, None, "EUR"): notional,
        (PostingKind.FEE, Party.ACCOUNT, A2, "EUR"): -360_000,
        (PostingKind.FEE, Party.FEE_INCOME, None, "EUR"): 360_000,
    }
    sold = {
        (PostingKind(kind), account): amount
        for _event, _leg, kind, _party, account, _asset, amount in _postings(maker)
    }
    assert sold[(PostingKind.POSITION, A1)] == -120
    assert sold[(PostingKind.CASH, A1)] == notional
    assert sold[(PostingKind.FEE, A1)] == 240_000  # a rebate is money in


def test_every_asset_balances_and_every_posting_has_its_own_key() -> None:
    driver = Driver.fresh()
    fills = [*_fills(BOLT, driver), *_fills(ACME, driver)]
    postings = [row for fill in fills for row in _postings(fill)]
    balance: Counter[str] = Counter()
    for _event, _leg, _kind, _party, _account, asset, amount in postings:
        balance[asset] += amount
    assert set(balance.values()) == {0} and set(balance) == {BOLT, ACME, "EUR", "USD"}
    keys = [(event_id, leg) for event_id, leg, *_ in postings]
    assert len(keys) == len(set(keys)) == 4 * 6


def test_the_rows_the_writer_records_are_in_the_postings_tables_columns() -> None:
    assert [column.name for column in postings_table.columns] == [
        "event_id",
        "leg",
        "kind",
        "party",
        "account",
        "asset",
        "amount",
    ]
    for fill in [*_fills(BOLT), *_fills(ACME)]:
        rows = _postings(fill)
        assert [(event_id, leg) for event_id, leg, *_ in rows] == [
            (fill.event_id, leg) for leg in range(6)
        ]
        assert [account for *_, account, _asset, _amount in rows] == [
            fill.order.account if leg % 2 == 0 else None for leg in range(6)
        ]
