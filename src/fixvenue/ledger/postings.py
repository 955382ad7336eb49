"""Double-entry postings for fills: what each fill moves, and from whom to whom.

Every fill posts three balanced pairs, each against the venue's settlement account:
  position  the account's holding of the instrument, in shares;
  cash      the account's money in the instrument's currency, in millionths;
  fee       the venue's fee (or rebate) on the fill, against the venue's fee income.
So for every asset, each fill's postings sum to zero, and so does the whole ledger.

A posting is keyed by its fill's event id and its leg: the ledger holds each at most
once, and nothing changes one; a correction is a new posting.
"""

from __future__ import annotations

import enum

from fixvenue.domain.events import OrderFilled
from fixvenue.domain.risk import money_per_tick
from fixvenue.domain.values import Instrument, Side


class PostingKind(enum.Enum):
    POSITION = "position"
    CASH = "cash"
    FEE = "fee"


class Party(enum.Enum):
    ACCOUNT = "account"  # a trading account, named in the posting
    SETTLEMENT = "settlement"  # the venue's settlement account: every fill's other side
    FEE_INCOME = "fee_income"  # the venue's fee income


_ACCOUNT = Party.ACCOUNT.value
# A posting as the `postings` table holds it, in its columns' order: event id, leg, kind,
# party, account (for the account's legs), asset, amount.
PostingRow = tuple[int, int, str, str, str | None, str, int]


def fill_notional(event: OrderFilled, instrument: Instrument) -> int:
    """The money a fill moves, in millionths of the instrument's currency."""
    return event.fill.quantity * event.fill.price * money_per_tick(instrument)


def _legs(event: OrderFilled, instrument: Instrument) -> list[tuple[PostingKind, str, int, Party]]:
    """(kind, asset, amount to the account, counterparty) of each pair the fill posts."""
    fill = event.fill
    direction = 1 if event.order.side is Side.BUY else -1
    notional = fill_notional(event, instrument)
    return [
        (PostingKind.POSITION, instrument.symbol, direction * fill.quantity, Party.SETTLEMENT),
        (PostingKind.CASH, instrument.currency, -direction * notional, Party.SETTLEMENT),
        (PostingKind.FEE, instrument.currency, -fill.fee, Party.FEE_INCOME),
    ]


def fill_posting_rows(event: OrderFilled, instrument: Instrument) -> list[PostingRow]:
    """The fill's six postings, as the `postings` table holds them: for each pair, the
    account's leg (even), then its counterparty's (odd), which moves the opposite amount.
    Plain tuples: the writer makes six for every fill."""
    event_id, account = event.event_id, event.order.account
    rows = []
    for index, (kind, asset, amount, counterparty) in enumerate(_legs(event, instrument)):
        rows += [
            (event_id, 2 * index, kind.value, _ACCOUNT, account, asset, amount),
            (event_id, 2 * index + 1, kind.value, counterparty.value, None, asset, -amount),
        ]
    return rows
