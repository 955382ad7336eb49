"""The running venue's part of end of day: POST /eod {"date": "YYYY-MM-DD"}.

The current trading date ends through the sequencer, so that its Day orders expire in
their place among the orders (and are reported), and the venue moves on to the next
calendar date. A date that has already ended is answered as such and changes nothing, so
that `fixvenue eod run` can simply be run again; the files come from the ledger.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fixvenue.admin.errors import bad_request
from fixvenue.domain.commands import EndTradingDay
from fixvenue.domain.events import TradingDayEnded
from fixvenue.domain.values import ticks_to_price

if TYPE_CHECKING:
    from fixvenue.admin.server import Sequencer


def end_of_day(sequencer: Sequencer, body: dict[str, Any]) -> dict[str, Any]:
    ending = _trading_date(body.get("date"))
    current = sequencer.query(lambda core: core.trading_date)
    if ending > current:
        raise bad_request(f"trading date {ending} has not begun: the venue is at {current}")
    answer: dict[str, Any] = {"trading_date": ending, "ended_now": False, "expired": 0}
    if ending == current:
        following = (date.fromisoformat(ending) + timedelta(days=1)).isoformat()
        events = sequencer.execute(EndTradingDay(trading_date=ending, next_trading_date=following))
        if not events:  # another request ended the date in the meantime
            current = sequencer.query(lambda core: core.trading_date)
        else:
            ended = events[-1]
            assert isinstance(ended, TradingDayEnded), events
            closes = sequencer.query(
                lambda core: {
                    symbol: str(ticks_to_price(price, core.instruments[symbol].tick_size))
                    for symbol, price in ended.closes
                }
            )
            answer |= {"ended_now": True, "expired": ended.expired, "closes": closes}
            current = ended.next_trading_date
    return answer | {"current_trading_date": current}


def _trading_date(value: object) -> str:
    if not isinstance(value, str):
        raise bad_request("date must be a trading date, YYYY-MM-DD")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise bad_request(f"date must be a trading date, YYYY-MM-DD, not {value!r}") from None
