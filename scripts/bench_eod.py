# Run with the project's virtualenv: .venv/bin/python scripts/bench_eod.py --help
"""End-of-day benchmark: `fixvenue eod run` and `fixvenue reconcile` over a day of
1,000,000 fills on PostgreSQL, their wall time and peak memory.

1. creates a fresh PostgreSQL database and fills it with one trading date: the four demo
   firms trade ACME, BOLT and EURX with each other, every trade a resting Day order and
   an IOC that takes all of it (two fills), applied by the real core and recorded by the
   real ledger writer (postings and trade register included), in batches as the venue
   commits them;
2. starts the venue on it (which replays the day: its time is reported too);
3. runs `fixvenue eod run` and then `fixvenue reconcile` as an operator would, each in
   its own process, and reports its wall time and peak resident memory (VmHWM);
4. checks the manifest holds every fill once and the reconciliation found no break.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench_e2e import Bench, demo_config, postgres_ledger, venue
from bench_exports import run_measured
from demo_ledger import TRADERS, DemoLedger, demo_ledger

from fixvenue.domain.commands import PlaceOrder, SequencedCommand
from fixvenue.domain.values import OrderType, Side, TimeInForce, opposite
from fixvenue.ledger.writer import LedgerEntry

BATCH = 2_000
STARTUP_SECONDS = 900.0


def fill_ledger(url: str, fills_wanted: int) -> tuple[str, int]:
    """Records a trading date of `fills_wanted` fills (rounded up to a whole trade);
    returns the date and the number of fills."""
    with demo_ledger(url) as ledger:
        return ledger.trading_date, record_trades(ledger, fills_wanted)


def record_trades(ledger: DemoLedger, fills_wanted: int) -> int:
    """Records trades, each a resting Day order of one firm and an IOC of another that
    takes all of it, until the ledger holds `fills_wanted` fills; returns how many."""
    core, writer, instruments = ledger.core, ledger.writer, ledger.instruments
    entries: list[LedgerEntry] = []
    now_us = time.time_ns() // 1_000
    fills = trade = 0
    while fills < fills_wanted:
        trade += 1
        instrument = instruments[trade % len(instruments)]
        maker, taker_index = TRADERS[trade % 5], (trade + 1 + trade % 3) % 5
        while TRADERS[taker_index][0] == maker[0]:  # never a firm against itself
            taker_index = (taker_index + 1) % 5
        taker = TRADERS[taker_index]
        side = Side.BUY if trade % 2 else Side.SELL
        price = instrument.reference_price + trade % 11 - 5
        quantity = 1 + trade * 37 % 500
        for (session, account), order_side, time_in_force in (
            (maker, side, TimeInForce.DAY),
            (taker, opposite(side), TimeInForce.IMMEDIATE_OR_CANCEL),
        ):
            command = PlaceOrder(
                session=session,
                client_order_id=f"bench-{trade}-{order_side.value}",
                account=account,
                symbol=instrument.symbol,
                side=order_side,
                order_type=OrderType.LIMIT,
                quantity=quantity,
                price=price,
                time_in_force=time_in_force,
            )
            sequenced = SequencedCommand(
                sequence=core.last_sequence + 1,
                timestamp_us=now_us + core.last_sequence,
                inbound_sequence_number=core.last_sequence + 1,
                command=command,
            )
            events = core.apply(sequenced)
            entries.append(LedgerEntry(sequenced, events))
        fills += 2
        if len(entries) >= BATCH:
            writer.commit(entries, entries[-1].events[-1].event_id)
            entries = []
    if entries:
        writer.commit(entries, entries[-1].events[-1].event_id)
    return fills


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fills", type=int, default=1_000_000, help="fills in the day")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default=None, help="default: root, else postgres")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        bench = Bench(work)
        config, _ports = demo_config(work)
        with postgres_ledger(options, bench) as url:
            started = time.perf_counter()
            trading_date, fills = fill_ledger(url, options.fills)
            print(f"ledger: {fills:,} fills recorded in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            with venue(config, url, bench, None, STARTUP_SECONDS):
                print(f"venue: replayed the day in {time.perf_counter() - started:.1f} s")
                common = ["--date", trading_date, "--config", str(config), "--db", url]
                out = work / "clearing"
                runs = {
                    "eod run": ["eod", "run", "--out", str(out), *common],
                    "reconcile": ["reconcile", *common],
                }
                print(f"{'command':<16}{'seconds':>10}{'fills/s':>12}{'peak MiB':>10}")
                for name, arguments in runs.items():
                    seconds, peak = run_measured(arguments)
                    print(f"{name:<16}{seconds:>10.1f}{fills / seconds:>12,.0f}{peak:>10}")
            manifest = json.loads(
                (out / f"manifest_{trading_date.replace('-', '')}.json").read_text()
            )
            registered = sum(f["records"] for f in manifest["files"] if "/trades_" in f["name"])
            assert registered == fills, (registered, fills)
            print(f"manifest: {len(manifest['files'])} files, {registered:,} register rows")
        for problem in bench.problems:
            print(f"problem: {problem}")


if __name__ == "__main__":
    main()
