# Run with the project's virtualenv: .venv/bin/python scripts/bench_exports.py --help
"""Compliance files benchmark: speed and peak memory of `fixvenue dropcopy export` (each
format) and `fixvenue audit trail` over a ledger of a given number of reports.

Fills a fresh embedded SQLite ledger (in a temporary directory) with a day of demo
trading: BROKER1 and BROKER2 take turns placing orders that rest or cross, applied by the
real core and recorded by the real ledger writer, with the messages the audit trail
keeps. Then it runs each command as the operator would, in its own process, and reports
its wall time and peak resident memory (the process's own high-water mark). Streaming shows as
a peak that stays the same whatever the number of reports.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

from demo_ledger import CONFIG, demo_ledger

from fixvenue.domain.commands import PlaceOrder, SequencedCommand
from fixvenue.domain.values import OrderType, Side, TimeInForce
from fixvenue.ledger.database import sqlite_url
from fixvenue.ledger.writer import LedgerEntry

BATCH = 2_000


def fill_ledger(url: str, reports_wanted: int) -> tuple[str, int]:
    """Records orders until the ledger holds `reports_wanted` ExecutionReports; returns
    the trading date and how many reports it holds."""
    with demo_ledger(url) as ledger:
        core, writer = ledger.core, ledger.writer
        reports = 0
        entries: list[LedgerEntry] = []
        now_us = time.time_ns() // 1_000
        number = 0
        while reports < reports_wanted:
            number += 1
            session, account, side = (
                ("BROKER1", "BRK1-A", Side.BUY) if number % 2 else ("BROKER2", "BRK2-A", Side.SELL)
            )
            # Prices around the reference: about half the orders cross, the rest rest.
            price = 10_000 + (number % 7) - 3 if side is Side.BUY else 10_000 - (number % 5) + 2
            command = PlaceOrder(
                session=session,
                client_order_id=f"bench-{number}",
                account=account,
                symbol="ACME",
                side=side,
                order_type=OrderType.LIMIT,
                quantity=100,
                price=price,
                time_in_force=(
                    TimeInForce.IMMEDIATE_OR_CANCEL if number % 3 == 0 else TimeInForce.DAY
                ),
            )
            sequenced = SequencedCommand(
                sequence=core.last_sequence + 1,
                timestamp_us=now_us + number,
                inbound_sequence_number=number,
                command=command,
            )
            events = core.apply(sequenced)
            reports += len(events)
            message = f"8=FIX.4.4\x0135=D\x0149={session}\x0111=bench-{number}\x01"
            entries.append(LedgerEntry(sequenced, events, message=message, received_us=now_us))
            if len(entries) == BATCH:
                writer.commit(entries, 0, [(e.command.sequence, now_us) for e in entries])
                entries = []
        writer.commit(entries, 0, [(e.command.sequence, now_us) for e in entries])
        return ledger.trading_date, reports


def run_measured(arguments: list[str]) -> tuple[float, int]:
    """Runs a fixvenue command; its wall seconds and peak RSS in MiB.

    The peak is the process's VmHWM, read while it runs: the rusage of a child counts the
    memory of the parent it was forked from, this large one included."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "fixvenue.cli", *arguments], stdout=subprocess.DEVNULL
    )
    peak_kib = 0
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        with suppress(OSError, ValueError):
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kib = max(peak_kib, int(line.split()[1]))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"fixvenue {' '.join(arguments)} failed")
    return seconds, peak_kib // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000, help="reports in the ledger")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        url = sqlite_url(work)
        started = time.perf_counter()
        day, reports = fill_ledger(url, options.reports)
        print(f"ledger: {reports} reports recorded in {time.perf_counter() - started:.1f} s")
        common = ["--config", str(CONFIG), "--db", url]
        runs = {
            f"dropcopy export --format {name}": [
                "dropcopy",
                "export",
                "--date",
                day,
                "--format",
                name,
                "--out",
                str(work / f"export.{name}"),
                *common,
            ]
            for name in ("fix", "csv", "jsonl")
        }
        runs["audit trail"] = [
            "audit",
            "trail",
            "--date",
            day,
            "--out",
            str(work / "trail.jsonl"),
            *common,
        ]
        print(f"{'command':<32}{'seconds':>10}{'reports/s':>12}{'peak MiB':>10}")
        for name, arguments in runs.items():
            seconds, peak = run_measured(arguments)
            print(f"{name:<32}{seconds:>10.1f}{reports / seconds:>12,.0f}{peak:>10}")


if __name__ == "__main__":
    main()
