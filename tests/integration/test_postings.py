"""Double-entry postings of fills (CONTRACT §8) in the real ledger, from trading over FIX."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.exc import IntegrityError

from fixvenue.ledger.schema import events, postings
from tests.support.fix_client import FixClient
from tests.support.venue import Venue


def test_each_fill_posts_position_cash_and_fee_in_balance_and_only_once(
    venue: Venue, broker1: FixClient, broker2: FixClient
) -> None:
    resting = broker1.new_order(account="BRK1-A", price="99.00", quantity="100")
    broker1.report(resting, "0")
    broker2.report(broker2.new_order(account="BRK2-A", side="2", price="99.00"), "F")
    broker1.report(resting, "F")
    engine = create_engine(venue.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(postings)).all()
            fills = connection.execute(
                select(events.c.event_id).where(events.c.kind == "OrderFilled")
            ).all()
        assert len(rows) == 6 * len(fills) == 12
        by_account = Counter[tuple[str | None, str, str]]()
        balance = Counter[str]()
        for row in rows:
            by_account[(row.account or row.party, row.kind, row.asset)] += row.amount
            balance[row.asset] += row.amount
        assert set(balance.values()) == {0}, balance
        notional = 100 * 99_000_000  # 99.00 USD a share, in millionths
        assert by_account[("BRK1-A", "position", "ACME")] == 100
        assert by_account[("BRK1-A", "cash", "USD")] == -notional
        assert by_account[("BRK1-A", "fee", "USD")] == 200_000  # the maker's rebate
        assert by_account[("BRK2-A", "position", "ACME")] == -100
        assert by_account[("BRK2-A", "cash", "USD")] == notional
        assert by_account[("BRK2-A", "fee", "USD")] == -300_000  # the taker's fee
        assert by_account[("fee_income", "fee", "USD")] == 100_000
        again = rows[0]._asdict()
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert(postings).values(**again))
    finally:
        engine.dispose()
