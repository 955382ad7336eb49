"""The clearing files of a trading date (CONTRACT §8; columns in docs/clearing.md).

For each clearing firm, in DIR/FIRM/: the trade register, positions, cash settlement per
currency and the fee report, then DIR/manifest_YYYYMMDD.json naming every file with its
SHA-256 and number of records. Each file is written under a temporary name and renamed
once complete, the manifest last, so a reader who finds the manifest finds every file
whole. Everything comes from the ledger, and nothing from the clock: writing a date's
files again gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

from fixvenue.domain.risk import money_text
from fixvenue.domain.values import Instrument, Side, ticks_to_price
from fixvenue.ledger.daybook import DayBook, TradeRecord, TradeTotal

TRADE_COLUMNS = (
    "trade_id",
    "exec_id",
    "order_id",
    "clordid",
    "account",
    "session",
    "symbol",
    "side",
    "qty",
    "price",
    "currency",
    "notional",
    "liquidity",
    "fee",
    "transact_time",
)
POSITION_COLUMNS = (
    "account",
    "symbol",
    "currency",
    "sod_qty",
    "bought_qty",
    "sold_qty",
    "net_qty",
    "bought_notional",
    "sold_notional",
    "close_price",
)
SETTLEMENT_COLUMNS = (
    "currency",
    "bought_notional",
    "sold_notional",
    "net_cash",
    "fees",
    "net_after_fees",
)
FEE_COLUMNS = ("account", "symbol", "currency", "liquidity", "fills", "qty", "fees")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ROWS_PER_WRITE = 4_096
T = TypeVar("T")
_BUY = Side.BUY.value


class ClearingError(Exception):
    """The files cannot be written; the message says why in one line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WrittenFile:
    name: str  # relative to the output directory
    sha256: str
    records: int


class TransactTimes:
    """UTC times as ISO 8601 with microseconds: 2026-11-23T14:30:00.000125Z. The date and
    time of day are formatted once per second: a day's fills come in time order, many to
    the second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def text(self, timestamp_us: int) -> str:
        second, micro = divmod(timestamp_us, 1_000_000)
        if second != self._second:
            moment = _EPOCH + timedelta(seconds=second)
            self._second, self._text = second, moment.strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self._text}.{micro:06d}Z"


class CsvFile:
    """A CSV file written under a temporary name beside its own, hashed as it is written,
    and put in place by `finish`."""

    def __init__(self, directory: Path, relative: str, columns: Iterable[str]) -> None:
        self.relative = relative
        self._path = directory / relative
        self._partial = self._path.with_name(self._path.name + ".partial")
        self._hash = hashlib.sha256()
        self._handle = self._partial.open("wb")
        # Lines gather here and go to the file (and the hash) a buffer at a time: a list
        # takes a line for a third of what a StringIO does.
        self._lines: list[str] = []
        self._writer = csv.writer(SimpleNamespace(write=self._lines.append), lineterminator="\n")
        self._writer.writerow(columns)
        self.records = 0

    def row(self, values: Iterable[Any]) -> None:
        self._writer.writerow(values)
        self._count()

    def text_row(self, texts: Sequence[str]) -> None:
        """A row of texts, the same bytes `row` writes. Joined as they are when no field
        holds what CSV quotes (a comma, a quote, a line break): csv's writer costs more than
        the rest of a trade register row's work, and almost no row needs it."""
        line = ",".join(texts)
        if (
            len(texts) > 1  # csv quotes a row of one empty field
            and line.count(",") == len(texts) - 1
            and '"' not in line
            and "\n" not in line
            and "\r" not in line  # quoted by csv since Python 3.11.9
        ):
            self._lines.append(line + "\n")
        else:
            self._writer.writerow(texts)
        self._count()

    def _count(self) -> None:
        self.records += 1
        if self.records % _ROWS_PER_WRITE == 0:
            self._flush()

    def _flush(self) -> None:
        data = "".join(self._lines).encode()
        self._lines.clear()
        self._hash.update(data)
        self._handle.write(data)

    def finish(self) -> WrittenFile:
        self._flush()
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self._partial, self._path)
        return WrittenFile(name=self.relative, sha256=self._hash.hexdigest(), records=self.records)

    def abandon(self) -> None:
        self._handle.close()
        self._partial.unlink(missing_ok=True)


class ClearingFiles:
    def __init__(
        self, instruments: Mapping[str, Instrument], clearing_firms: Mapping[str, str]
    ) -> None:
        """`clearing_firms`: each account's clearing firm; every firm named gets files."""
        self._instruments = instruments
        self._clearing_firms = clearing_firms
        self._firms = sorted(set(clearing_firms.values()))
        self._price_text = lru_cache(maxsize=100_000)(self._uncached_price_text)

    def manifest_name(self, trading_date: str) -> str:
        return f"manifest_{trading_date.replace('-', '')}.json"

    def write(self, book: DayBook, directory: Path) -> list[WrittenFile]:
        """Writes the date's files and then its manifest; returns the files written. The
        date must have ended."""
        ended = book.end_of_day()
        assert ended is not None, book.day
        book.refresh_statistics()
        stamp = book.day.trading_date.replace("-", "")
        open_files: list[CsvFile] = []

        def start(firm: str, kind: str, columns: Iterable[str]) -> CsvFile:
            csv_file = CsvFile(directory, f"{firm}/{kind}_{firm}_{stamp}.csv", columns)
            open_files.append(csv_file)
            return csv_file

        try:
            for firm in self._firms:
                (directory / firm).mkdir(parents=True, exist_ok=True)
            written = self._trades(book.trades(), start)
            totals = book.trade_totals()
            start_of_day = book.start_of_day_positions()
            closes = dict(ended.closes)
            for firm in self._firms:
                positions = start(firm, "positions", POSITION_COLUMNS)
                self._positions(firm, totals, start_of_day, closes, positions)
                settlement = start(firm, "settlement", SETTLEMENT_COLUMNS)
                self._settlement(firm, totals, settlement)
                fees = start(firm, "fees", FEE_COLUMNS)
                self._fees(firm, totals, fees)
                written += [positions.finish(), settlement.finish(), fees.finish()]
        except OSError as error:
            raise ClearingError(f"cannot write the clearing files: {error}") from None
        finally:
            for csv_file in open_files:
                csv_file.abandon()
        ordered = sorted(written, key=lambda f: f.name)
        self._write_manifest(directory / self.manifest_name(book.day.trading_date), ordered)
        return ordered

    def _firm_of(self, account: str) -> str:
        return _configured(self._clearing_firms, account, "account")

    def _trades(
        self, records: Iterable[TradeRecord], start: Callable[[str, str, Iterable[str]], CsvFile]
    ) -> list[WrittenFile]:
        files = {firm: start(firm, "trades", TRADE_COLUMNS) for firm in self._firms}
        # Locals, not attributes: this loop runs once per fill.
        firm_of, price_text, times = self._clearing_firms, self._price_text, TransactTimes()
        for record in records:
            account = record.account
            firm = firm_of.get(account) or self._firm_of(account)
            files[firm].text_row(
                (
                    record.trade_id,
                    str(record.event_id),
                    record.order_id,
                    record.client_order_id,
                    account,
                    record.session,
                    record.symbol,
                    record.side,
                    str(record.quantity),
                    price_text(record.symbol, record.price),
                    record.currency,
                    money_text(record.notional),
                    record.liquidity,
                    money_text(record.fee),
                    times.text(record.timestamp_us),
                )
            )
        return [files[firm].finish() for firm in self._firms]

    def _positions(
        self,
        firm: str,
        totals: list[TradeTotal],
        start_of_day: Mapping[tuple[str, str], int],
        closes: Mapping[str, int],
        out: CsvFile,
    ) -> None:
        # (account, symbol) -> [bought qty, sold qty, bought notional, sold notional]
        moved: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for total in totals:
            if self._firm_of(total.account) != firm:
                continue
            sums = moved[(total.account, total.symbol)]
            offset = 0 if total.side == _BUY else 1
            sums[offset] += total.quantity
            sums[2 + offset] += total.notional
        held = {key for key in start_of_day if self._firm_of(key[0]) == firm}
        for account, symbol in sorted(held | set(moved)):
            bought, sold, bought_notional, sold_notional = moved.get((account, symbol), [0] * 4)
            opening = start_of_day.get((account, symbol), 0)
            out.row(
                (
                    account,
                    symbol,
                    self._instrument(symbol).currency,
                    opening,
                    bought,
                    sold,
                    opening + bought - sold,
                    money_text(bought_notional),
                    money_text(sold_notional),
                    self._price_text(symbol, closes[symbol]),
                )
            )

    def _settlement(self, firm: str, totals: list[TradeTotal], out: CsvFile) -> None:
        # currency -> [bought notional, sold notional, fees]
        sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for total in totals:
            if self._firm_of(total.account) != firm:
                continue
            figures = sums[total.currency]
            figures[0 if total.side == _BUY else 1] += total.notional
            figures[2] += total.fees
        for currency in sorted(sums):
            bought, sold, fees = sums[currency]
            out.row(
                (
                    currency,
                    money_text(bought),
                    money_text(sold),
                    money_text(sold - bought),
                    money_text(fees),
                    money_text(sold - bought - fees),
                )
            )

    def _fees(self, firm: str, totals: list[TradeTotal], out: CsvFile) -> None:
        # (account, symbol, currency, liquidity) -> [fills, qty, fees]
        sums: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for total in totals:
            if self._firm_of(total.account) != firm:
                continue
            figures = sums[(total.account, total.symbol, total.currency, total.liquidity)]
            figures[0] += total.fills
            figures[1] += total.quantity
            figures[2] += total.fees
        for key in sorted(sums):
            fills, quantity, fees = sums[key]
            out.row((*key, fills, quantity, money_text(fees)))

    @staticmethod
    def _write_manifest(path: Path, files: list[WrittenFile]) -> None:
        text = json.dumps(
            {"files": [{"name": f.name, "sha256": f.sha256, "records": f.records} for f in files]},
            indent=2,
        )
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(text + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, path)
        except OSError as error:
            raise ClearingError(f"cannot write the manifest {path}: {error}") from None
        finally:
            partial.unlink(missing_ok=True)

    def _instrument(self, symbol: str) -> Instrument:
        return _configured(self._instruments, symbol, "symbol")

    def _uncached_price_text(self, symbol: str, ticks: int) -> str:
        return f"{ticks_to_price(ticks, self._instrument(symbol).tick_size)}"


def _configured(known: Mapping[str, T], name: str, what: str) -> T:
    """What the configuration says of a name the ledger holds (an account's clearing firm,
    a symbol's instrument); refused in one line if it no longer knows the name."""
    value = known.get(name)
    if value is None:
        raise ClearingError(
            f"{what} {name} of the ledger is not in the configuration: use the configuration "
            "the venue ran with"
        )
    return value
