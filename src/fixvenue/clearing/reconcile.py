"""`fixvenue reconcile`: the tie-outs of a trading date (CONTRACT §8).

  fills in the trade register  every fill the venue reported is in the register once,
                               as reported, and the register holds nothing else;
  fills posted                 every fill reported to its session has its postings, and
                               they move what the register says; no posting without a fill;
  positions net to zero        per symbol, over all accounts;
  cash nets to zero            per currency, over all firms, before fees;
  debits equal credits         per asset, over every posting of the date;
  positions carried            (once the date has ended) each account's start of day plus
                               its postings is the position carried to the next date.

Each check streams or lets the database sum, so memory stays flat; a break names the row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from fixvenue.domain.events import OrderFilled
from fixvenue.domain.risk import money_text
from fixvenue.ledger.daybook import DayBook, PostingTotal, TradeRecord
from fixvenue.ledger.register import fill_fields
from fixvenue.ledger.text import storable

# A report names this many breaks of each check; the count says how many there were.
BREAKS_SHOWN = 100
T = TypeVar("T")


@dataclass(slots=True)
class Check:
    name: str
    checked: str = ""  # what it looked at, in words
    break_count: int = 0
    breaks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.break_count == 0

    def fail(self, text: str) -> None:
        self.break_count += 1
        if len(self.breaks) < BREAKS_SHOWN:
            self.breaks.append(text)


@dataclass(frozen=True, slots=True)
class Reconciliation:
    trading_date: str
    ended: bool
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "trading_date": self.trading_date,
            "ended": self.ended,
            "ok": self.ok,
            "breaks": sum(check.break_count for check in self.checks),
            "checks": [
                {
                    "check": check.name,
                    "ok": check.ok,
                    "checked": check.checked,
                    "break_count": check.break_count,
                    "breaks": check.breaks,
                }
                for check in self.checks
            ],
        }

    def lines(self) -> list[str]:
        state = "ended" if self.ended else "still the current date"
        breaks = sum(check.break_count for check in self.checks)
        lines = [f"reconcile {self.trading_date} ({state}): {breaks} breaks"]
        for check in self.checks:
            lines.append(f"  {'ok   ' if check.ok else 'BREAK'}  {check.name}: {check.checked}")
            lines += [f"           {text}" for text in check.breaks]
            if check.break_count > len(check.breaks):
                lines.append(f"           ... {check.break_count - len(check.breaks)} more")
        return lines


def reconcile(book: DayBook, sent_through_event_id: int) -> Reconciliation:
    book.refresh_statistics()
    register, posted = Check("fills in the trade register"), Check("fills posted")
    # The checks the database works out run beside the one Python works through, so that
    # both cores are busy.
    with ThreadPoolExecutor(max_workers=1) as pool:
        summed = pool.submit(_check_postings, book, posted)
        unreported, fills = _check_register(book, sent_through_event_id, register)
        totals = summed.result()
    if unreported:
        posted.fail(f"{unreported} fills are not yet reported to their sessions")
    posted.checked = f"{fills - unreported} fills reported, {fills} posted"
    checks = [
        register,
        posted,
        _nets_to_zero(totals, "position", "positions net to zero per symbol", "shares"),
        _nets_to_zero(totals, "cash", "cash nets to zero per currency before fees", "money"),
        _debits_equal_credits(totals),
    ]
    ended = book.end_of_day()
    if ended is not None:
        checks.append(_positions_carried(totals, book.start_of_day_positions(), ended.positions))
    return Reconciliation(
        trading_date=book.day.trading_date, ended=ended is not None, checks=checks
    )


class _Cursor(Generic[T]):
    """An ordered stream, read in step with another by event id."""

    def __init__(self, rows: Iterator[T]) -> None:
        self._rows = rows
        self.head: T | None = next(rows, None)

    def advance(self) -> None:
        self.head = next(self._rows, None)


def _check_register(book: DayBook, sent_through: int, register: Check) -> tuple[int, int]:
    """The date's fills against its register, both in event order, in one pass. Returns
    how many fills are not yet reported, and how many there are."""
    records = _Cursor(book.trades())
    fills = unreported = 0
    for fill in book.fills():
        fills += 1
        event_id = fill.event_id
        while records.head is not None and records.head.event_id < event_id:
            register.fail(f"register row {records.head.event_id} is not a fill")
            records.advance()
        record = records.head if records.head and records.head.event_id == event_id else None
        if record is None:
            register.fail(f"fill {event_id} is not in the trade register")
        else:
            records.advance()
            for difference in _register_differences(fill, record):
                register.fail(f"fill {event_id}: register {difference}")
        if event_id > sent_through:
            unreported += 1
    for extra in _rest(records):
        register.fail(f"register row {extra.event_id} is not a fill")
    register.checked = f"{fills} fills"
    return unreported, fills


def _check_postings(book: DayBook, posted: Check) -> list[PostingTotal]:
    """The register against the postings, fill by fill; returns the postings' totals."""
    for broken in book.posting_breaks():
        posted.fail(
            f"fill {broken.event_id}: postings to account {broken.account} are "
            f"{_legs_text(broken.posted)}, expected {_legs_text(broken.expected)}"
        )
    for event_id in book.posted_without_register_row():
        posted.fail(f"event {event_id} is posted but has no row in the trade register")
    return book.posting_totals()


def _rest(cursor: _Cursor[T]) -> Iterator[T]:
    while cursor.head is not None:
        yield cursor.head
        cursor.advance()


def _register_differences(fill: OrderFilled, record: TradeRecord) -> Iterator[str]:
    reported = fill_fields(fill)
    held = record[: len(reported)]
    if held == reported:  # one comparison for the rows that agree: nearly all
        return
    for name, value, kept in zip(TradeRecord._fields, reported, held, strict=False):
        # A register written before NULs were stored as \x00 holds them as they came.
        if kept != value and not (isinstance(kept, str) and storable(kept) == value):
            yield f"{name} is {kept!r}, the fill's is {value!r}"


def _legs_text(legs: tuple[Any, ...]) -> str:
    count, position_asset, position, cash_asset, cash, fee_asset, fee = legs
    if not count:
        return "missing"
    return (
        f"{count} legs: position {position} {position_asset}, "
        f"cash {_amount(cash)} {cash_asset}, fee {_amount(fee)} {fee_asset}"
    )


def _amount(millionths: int | None) -> str:
    return "none" if millionths is None else money_text(millionths)


def _nets_to_zero(totals: list[PostingTotal], kind: str, name: str, unit: str) -> Check:
    check = Check(name)
    net: dict[str, int] = defaultdict(int)
    for total in totals:
        if total.kind == kind and total.party == "account":
            net[total.asset] += total.debits - total.credits
    for asset, amount in sorted(net.items()):
        if amount:
            shown = str(amount) if unit == "shares" else money_text(amount)
            check.fail(f"{asset} nets to {shown}")
    check.checked = f"{len(net)} {'symbols' if kind == 'position' else 'currencies'}"
    return check


def _debits_equal_credits(totals: list[PostingTotal]) -> Check:
    check = Check("debits equal credits")
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for total in totals:
        figures = sums[(total.kind, total.asset)]
        figures[0] += total.debits
        figures[1] += total.credits
    for (kind, asset), (debits, credits) in sorted(sums.items()):
        if debits != credits:
            check.fail(f"{kind} {asset}: debits {debits}, credits {credits}")
    check.checked = f"{len(sums)} kinds and assets"
    return check


def _positions_carried(
    totals: list[PostingTotal],
    start_of_day: dict[tuple[str, str], int],
    carried: tuple[tuple[str, str, int], ...],
) -> Check:
    check = Check("positions carried to the next date")
    expected = dict(start_of_day)
    for total in totals:
        if total.kind == "position" and total.party == "account":
            assert total.account is not None, total
            key = (total.account, total.asset)
            expected[key] = expected.get(key, 0) + total.debits - total.credits
    held = {(account, symbol): quantity for account, symbol, quantity in carried}
    for key in sorted(set(expected) | set(held)):
        if expected.get(key, 0) != held.get(key, 0):
            check.fail(
                f"{key[0]} {key[1]}: start of day plus postings is {expected.get(key, 0)}, "
                f"carried {held.get(key, 0)}"
            )
    check.checked = f"{len(held)} positions"
    return check
