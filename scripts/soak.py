# Run with the project's virtualenv: .venv/bin/python scripts/soak.py --help
"""Soak test: minutes of mixed order flow against one venue, its memory read each minute.

Starts the venue (demo config, free ports; an embedded SQLite ledger unless --db) and
runs the load tool over and over, paced, alternating the place-cancel flow (BROKER1) and
the crossing flow (BROKER1 selling to BROKER2), for --minutes. Each minute it reads the
venue's resident memory (VmRSS). At the end it reports the growth from the end of the
warm-up (--warm-up minutes) to the last reading; exit 1 if it is --limit percent or more,
or if any load run failed (a reject, a missing report) or the venue did not stop cleanly.

The venue keeps every ClOrdID of the trading day, and the orders they name, until the
day ends: within one day its memory grows with the day's orders by design. With
--day-minutes M the trading day is ended (POST /eod, as `fixvenue eod run` does) every M
minutes between two load runs, so that a run covers several days and what grows from day
to day shows apart from what a day holds.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_e2e import Bench, demo_config, venue

from fixvenue.app.config import load
from fixvenue.cli.admin_client import AdminClient

REPO = Path(__file__).resolve().parents[1]
LOADTEST = REPO / "scripts" / "loadtest.py"
RUN_SECONDS = 30


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def growth_problems(readings: list[float], options: argparse.Namespace) -> list[str]:
    """Prints the growth after warm-up; what is wrong with it, if anything."""
    if len(readings) <= options.warm_up:
        return ["too few memory readings"]
    baseline, last = readings[options.warm_up - 1], readings[-1]
    growth = (last - baseline) / baseline * 100
    print(
        f"soak: RSS {baseline:.1f} MiB after {options.warm_up} minutes of warm-up, "
        f"{last:.1f} MiB at the end: {growth:+.1f}% (limit {options.limit:g}%)"
    )
    return [f"memory grew {growth:.1f}% after warm-up"] if growth >= options.limit else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--warm-up", type=int, default=2, help="minutes before the baseline")
    parser.add_argument("--rate", type=int, default=300, help="new orders per second")
    parser.add_argument("--limit", type=float, default=10.0, help="growth allowed, percent")
    parser.add_argument("--db", help="ledger URL (default: SQLite in a temporary directory)")
    parser.add_argument(
        "--day-minutes", type=int, help="end the trading day this often (default: never)"
    )
    options = parser.parse_args()
    if not 0 < options.warm_up < options.minutes:
        parser.error("--warm-up must be at least 1 and less than --minutes")
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        bench = Bench(work)
        config, ports = demo_config(work)
        url = options.db or f"sqlite:///{work / 'ledger.sqlite3'}"
        readings: list[float] = []
        failures: list[str] = []
        orders = 0
        with venue(config, url, bench, None) as process:
            stop = threading.Event()

            def read_memory() -> None:
                while not stop.wait(60):
                    readings.append(resident_mib(process.pid))
                    print(f"soak: minute {len(readings)}: venue RSS {readings[-1]:.1f} MiB")

            sampler = threading.Thread(target=read_memory, daemon=True)
            sampler.start()
            ends = time.monotonic() + options.minutes * 60 + 1
            run = 0
            admin = AdminClient(load(config))
            # A new ledger starts at the current UTC date.
            trading_date = datetime.now(UTC).date().isoformat()
            day_ends = time.monotonic() + (options.day_minutes or options.minutes + 1) * 60
            while time.monotonic() < ends:
                run += 1
                flow = "place-cancel" if run % 2 else "cross"
                # A cross pair is two orders: the rate counts both.
                count = options.rate * RUN_SECONDS // (1 if flow == "place-cancel" else 2)
                result = subprocess.run(
                    [sys.executable, str(LOADTEST), "latency", "--flow", flow,
                     "--port", str(ports["fix"]), "--rate", str(options.rate),
                     "--orders", str(count)],
                    capture_output=True, text=True, check=False,
                )  # fmt: skip
                orders += count * (1 if flow == "place-cancel" else 2)
                if result.returncode != 0:
                    failures.append(f"load run {run} ({flow}) failed: {result.stdout[-500:]}")
                    break
                if options.day_minutes and time.monotonic() >= day_ends:
                    answer = admin.post("/eod", {"date": trading_date})
                    print(f"soak: trading date {trading_date} ended")
                    trading_date = answer["current_trading_date"]
                    day_ends += options.day_minutes * 60
            stop.set()
            sampler.join()
        print(f"soak: {orders:,} orders over {len(readings)} minutes at {options.rate}/s")
        problems = failures + bench.problems + growth_problems(readings, options)
        for problem in problems:
            print(f"soak: FAILED: {problem}")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
