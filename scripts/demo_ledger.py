"""A fresh ledger for the demo configuration, with the real core and the real writer to
fill it: where the benchmarks that record trading of their own start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from fixvenue.app import config as venue_config
from fixvenue.app import ledger_setup
from fixvenue.core.trading import TradingCore
from fixvenue.domain.values import Instrument
from fixvenue.ledger.reader import LedgerReader
from fixvenue.ledger.writer import LedgerWriter

CONFIG = Path(__file__).resolve().parents[1] / "config" / "venue.toml"
# (session, account) of each demo firm's trader; BROKER1 trades for both its accounts.
TRADERS = (
    ("BROKER1", "BRK1-A"),
    ("BROKER2", "BRK2-A"),
    ("BROKER3", "BRK3-A"),
    ("BROKER4", "BRK4-A"),
    ("BROKER1", "BRK1-B"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoLedger:
    engine: Engine
    core: TradingCore
    writer: LedgerWriter
    trading_date: str  # the ledger's first, which the core starts at
    instruments: list[Instrument]  # by symbol


@contextmanager
def demo_ledger(url: str) -> Iterator[DemoLedger]:
    """Migrates the empty ledger at `url` and yields it with a core configured as the
    demo venue's (instruments, sessions, self-trade prevention; no risk limits, so that
    no stream is cut short by them) and a writer; closes both at the end."""
    config = venue_config.load(CONFIG)
    engine = ledger_setup.connect(url)
    try:
        ledger_setup.upgrade(engine, config)
        trading_date = LedgerReader(engine).trading_dates()[0]
        instruments = sorted(config.instruments, key=lambda instrument: instrument.symbol)
        writer = LedgerWriter(engine, {i.symbol: i for i in instruments})
        try:
            yield DemoLedger(
                engine=engine,
                core=TradingCore(
                    instruments=instruments,
                    sessions=config.session_profiles(),
                    first_trading_date=trading_date,
                    self_trade_prevention=config.self_trade_prevention,
                ),
                writer=writer,
                trading_date=trading_date,
                instruments=instruments,
            )
        finally:
            writer.close()
    finally:
        engine.dispose()  # the last connection closed checkpoints SQLite's write-ahead log
