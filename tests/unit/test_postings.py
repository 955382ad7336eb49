"""Fees and the double-entry postings of fills: exact, and balanced for every asset."""

from __future__ import annotations

from collections import Counter

from fixvenue.domain.events import OrderFilled
from fixvenue.ledger.postings import Party, PostingKind, fill_posting_rows, fill_postings
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
        (p.kind, p.party, p.account, p.asset): p.amount
        for p in fill_postings(taker, _INSTRUMENTS[BOLT])
    }
    assert bought == {
        (PostingKind.POSITION, Party.ACCOUNT, A2, BOLT): 120,
        (PostingKind.POSITION, Party.SETTLEMENT, None, BOLT): -120,
        (PostingKind.CASH, Party.ACCOUNT, A2, "EUR"): -notional,
        (PostingKind.CASH, Party.SETTLEMENT, None, "EUR"): notional,
        (PostingKind.FEE, Party.ACCOUNT, A2, "EUR"): -360_000,
        (PostingKind.FEE, Party.FEE_INCOME, None, "EUR"): 360_000,
    }
    sold = {(p.kind, p.account): p.amount for p in fill_postings(maker, _INSTRUMENTS[BOLT])}
    assert sold[(PostingKind.POSITION, A1)] == -120
    assert sold[(PostingKind.CASH, A1)] == notional
    assert sold[(PostingKind.FEE, A1)] == 240_000  # a rebate is money in


def test_every_asset_balances_and_every_posting_has_its_own_key() -> None:
    driver = Driver.fresh()
    fills = [*_fills(BOLT, driver), *_fills(ACME, driver)]
    postings = [p for fill in fills for p in fill_postings(fill, _INSTRUMENTS[fill.order.symbol])]
    balance: Counter[str] = Counter()
    for posting in postings:
        balance[posting.asset] += posting.amount
    assert set(balance.values()) == {0} and set(balance) == {BOLT, ACME, "EUR", "USD"}
    keys = [(posting.event_id, posting.leg) for posting in postings]
    assert len(keys) == len(set(keys)) == 4 * 6


def test_the_rows_the_writer_records_are_the_postings_fields() -> None:
    for fill in [*_fills(BOLT), *_fills(ACME)]:
        instrument = _INSTRUMENTS[fill.order.symbol]
        expected = [posting.row() for posting in fill_postings(fill, instrument)]
        assert fill_posting_rows(fill, instrument) == expected
