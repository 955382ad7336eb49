# Run with the project's virtualenv: .venv/bin/python scripts/bench_writer.py --help
"""Ledger writer benchmark: `LedgerWriter.commit` alone, into a fresh PostgreSQL database.

Before anything is timed, a stream of --commands commands (the mix of
scripts/bench_matching.py: passive adds, cancels, replaces and aggressive orders that
cross the spread) over the demo configuration's instruments and firms is applied by the
real core and cut into batches of --batch commands, by default the most the venue's
sequencer hands the writer at once. As in the venue, each command carries the FIX
message it came in as (for the audit trail), and each commit records the delivery of the
batch before it (delivery is recorded with the next commit).

Only the commits are timed, one after the other on the writer's one connection, --repeat
times, each time into a fresh database. Per run it prints events/s, commands/s, posting
and trade rows/s, commits/s, the mean and p99 commit time and the CPU time of the writer
and of the database's backends (which side sets the pace), then the best and the median
run and the calibration loop before and after; it exits 1 when the best run is below
--floor events/s. Every run checks that the ledger holds every row it was given.
Databases are dropped at the end unless --keep. --sqlite writes to the embedded SQLite
ledger (in a temporary directory) instead; --profile makes one run under cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import pstats
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bench_e2e import postgres_ledger, process_cpu_seconds, wait_quiet
from bench_matching import StreamMix, generate
from demo_ledger import TRADERS, DemoLedger, demo_ledger
from machine_speed import calibration_ms
from sqlalchemy import Table, func, select

from fixvenue.app.memory import freeze_startup_state, tune_garbage_collector
from fixvenue.app.pipeline import BATCH_COMMANDS_MAX
from fixvenue.domain.commands import CancelOrder, PlaceOrder, ReplaceOrder, SequencedCommand
from fixvenue.domain.events import OrderFilled
from fixvenue.domain.values import Side
from fixvenue.ledger.database import sqlite_url
from fixvenue.ledger.schema import commands, deliveries, events, postings, trades
from fixvenue.ledger.writer import LedgerEntry

SOH = "\x01"
MESSAGE_TYPES = {PlaceOrder: "D", CancelOrder: "F", ReplaceOrder: "G"}
# How long after a command's time its reports go out, for the delivery records.
DELIVERY_DELAY_US = 200
POSTINGS_PER_FILL = 6


@dataclass(frozen=True, slots=True)
class Commit:
    """One call of the writer, as the pipeline would make it."""

    entries: list[LedgerEntry]
    sent_through_event_id: int
    delivered: list[tuple[int, int]]


def inbound_message(sequenced: SequencedCommand, tick_sizes: Mapping[str, Decimal]) -> str:
    """A FIX message of the shape and size a broker's order, cancel or replace has: the
    writer stores it beside the command as it is, so only its length matters here."""
    command = sequenced.command
    assert isinstance(command, PlaceOrder | CancelOrder | ReplaceOrder), command
    sent = datetime.fromtimestamp(sequenced.timestamp_us / 1_000_000, UTC)
    sending_time = sent.strftime("%Y%m%d-%H:%M:%S.%f")[:-3]
    fields = [
        f"35={MESSAGE_TYPES[type(command)]}",
        f"34={sequenced.inbound_sequence_number}",
        f"49={command.session}",
        f"52={sending_time}",
        "56=FIXVENUE",
        f"11={command.client_order_id}",
        f"55={command.symbol}",
        f"54={1 if command.side is Side.BUY else 2}",
        f"60={sending_time}",
    ]
    if isinstance(command, PlaceOrder):
        limit = command.price is not None
        fields += [f"1={command.account}", f"40={2 if limit else 1}", "59=0"]
    else:
        fields.append(f"41={command.original_client_order_id}")
    if isinstance(command, PlaceOrder | ReplaceOrder):
        fields.append(f"38={command.quantity}")
        if command.price is not None:
            fields.append(f"44={command.price * tick_sizes[command.symbol]}")
    body = SOH.join(fields) + SOH
    head = f"8=FIX.4.4{SOH}9={len(body)}{SOH}"
    checksum = sum((head + body).encode()) % 256
    return f"{head}{body}10={checksum:03}{SOH}"


def record_stream(ledger: DemoLedger, options: argparse.Namespace) -> list[LedgerEntry]:
    """The stream applied by the ledger's core: an entry per command, as the sequencer
    hands them to the writer."""
    stream = generate(
        options.commands,
        options.seed,
        StreamMix(),
        risk=False,
        instruments=ledger.instruments,
        traders=TRADERS,
    )
    tick_sizes = {instrument.symbol: instrument.tick_size for instrument in ledger.instruments}
    return [
        LedgerEntry(
            sequenced,
            ledger.core.apply(sequenced),
            message=inbound_message(sequenced, tick_sizes),
            received_us=sequenced.timestamp_us,
        )
        for sequenced in stream
    ]


def plan_commits(entries: list[LedgerEntry], batch: int) -> list[Commit]:
    """The entries in batches, each committed with the delivery of the batch before it."""
    commits = []
    sent_through_event_id = 0
    delivered: list[tuple[int, int]] = []
    for start in range(0, len(entries), batch):
        batch_entries = entries[start : start + batch]
        commits.append(Commit(batch_entries, sent_through_event_id, delivered))
        sent = [entry for entry in batch_entries if entry.events]
        if sent:
            sent_through_event_id = sent[-1].events[-1].event_id
        delivered = [
            (entry.command.sequence, entry.command.timestamp_us + DELIVERY_DELAY_US)
            for entry in sent
        ]
    return commits


@dataclass(frozen=True, slots=True)
class Run:
    """One pass of the whole stream through the writer, into a fresh ledger."""

    commit_seconds: list[float]
    writer_cpu_seconds: float
    # Of the PostgreSQL backends serving the database; None for SQLite, which runs in the
    # writer's process.
    database_cpu_seconds: float | None


def expected_rows(commits: list[Commit]) -> dict[str, int]:
    """Per table, the rows the commits add to it."""
    entries = [entry for planned in commits for entry in planned.entries]
    fills = sum(isinstance(event, OrderFilled) for entry in entries for event in entry.events)
    return {
        "commands": len(entries),
        "events": sum(len(entry.events) for entry in entries),
        "deliveries": sum(len(planned.delivered) for planned in commits),
        "postings": POSTINGS_PER_FILL * fills,
        "trades": fills,
    }


def database_cpu_seconds(ledger: DemoLedger) -> float | None:
    """CPU time of this host's PostgreSQL backends that serve the ledger's database (each
    names it in its process title), so that other databases' work on a shared machine does
    not count; None for SQLite, which works in the writer's process."""
    if ledger.engine.name != "postgresql":
        return None
    title = f" {ledger.engine.url.database} ".encode()
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and title in (entry / "cmdline").read_bytes():
                total += process_cpu_seconds(int(entry.name))
        except OSError:  # gone meanwhile
            continue
    return total


def run_once(
    ledger: DemoLedger,
    commits: list[Commit],
    expected: dict[str, int],
    profiler: cProfile.Profile | None,
) -> Run:
    """Commits the batches one after the other, timing each commit alone; checks that the
    ledger then holds every row."""
    commit = ledger.writer.commit
    commit_seconds = []
    writer_before, database_before = time.process_time(), database_cpu_seconds(ledger)
    if profiler is not None:
        profiler.enable()
    for planned in commits:
        started = time.perf_counter()
        commit(planned.entries, planned.sent_through_event_id, planned.delivered)
        commit_seconds.append(time.perf_counter() - started)
    if profiler is not None:
        profiler.disable()
    writer_after, database_after = time.process_time(), database_cpu_seconds(ledger)
    tables: list[Table] = [commands, events, deliveries, postings, trades]
    with ledger.engine.connect() as connection:
        for table in tables:
            rows = connection.execute(select(func.count()).select_from(table)).scalar_one()
            assert rows == expected[table.name], (table.name, rows, expected[table.name])
    return Run(
        commit_seconds=commit_seconds,
        writer_cpu_seconds=writer_after - writer_before,
        database_cpu_seconds=None
        if database_after is None or database_before is None
        else database_after - database_before,
    )


@contextmanager
def sqlite_database(options: argparse.Namespace) -> Iterator[str]:
    directory = Path(tempfile.mkdtemp(prefix="fixvenue_bench_writer_"))
    print(f"bench: SQLite ledger in {directory}")
    try:
        yield sqlite_url(directory)
    finally:
        if options.keep:
            print(f"bench: kept {directory}")
        else:
            shutil.rmtree(directory)


def figures(run: Run, expected: dict[str, int]) -> str:
    seconds = sum(run.commit_seconds)
    commits = len(run.commit_seconds)
    ordered = sorted(run.commit_seconds)
    p99 = ordered[math.ceil(0.99 * commits) - 1]
    return (
        f"{expected['events'] / seconds:,.0f} events/s, {expected['commands'] / seconds:,.0f} "
        f"commands/s, {expected['postings'] / seconds:,.0f} posting rows/s, "
        f"{expected['trades'] / seconds:,.0f} trade rows/s, {commits / seconds:,.1f} commits/s "
        f"({seconds:.2f} s); commit mean {seconds / commits * 1000:.1f} ms, p99 "
        f"{p99 * 1000:.1f} ms; CPU: writer {run.writer_cpu_seconds:.2f} s"
        + (
            ""
            if run.database_cpu_seconds is None
            else f", database {run.database_cpu_seconds:.2f} s"
        )
    )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--commands", type=int, default=200_000, help="commands in the stream")
    parser.add_argument("--seed", type=int, default=1, help="of the stream's generator")
    parser.add_argument("--batch", type=int, default=BATCH_COMMANDS_MAX, help="commands per commit")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs, each into a fresh database; the best counts (shared hosts vary)",
    )
    parser.add_argument(
        "--floor", type=int, default=50_000, help="events/s of the best run to pass"
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each run, wait up to this long for the machine to be nearly idle",
    )
    parser.add_argument("--sqlite", action="store_true", help="use the embedded SQLite ledger")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--profile", action="store_true", help="one run, under cProfile")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default=None, help="default: root, else postgres")
    return parser.parse_args()


def prepare(ledger: DemoLedger, options: argparse.Namespace) -> list[Commit]:
    started = time.perf_counter()
    entries = record_stream(ledger, options)
    commits = plan_commits(entries, options.batch)
    kinds = Counter(type(entry.command.command).__name__ for entry in entries)
    events_count = sum(len(entry.events) for entry in entries)
    print(
        f"stream: {len(entries):,} commands {dict(kinds)}, {events_count:,} events, in "
        f"{len(commits):,} batches of up to {options.batch:,} commands; prepared in "
        f"{time.perf_counter() - started:.1f} s"
    )
    tune_garbage_collector()  # as `fixvenue serve` does
    # The venue's writer holds a batch at a time; this process holds the whole stream,
    # which the collector need not walk again and again.
    freeze_startup_state()
    return commits


def measure(
    number: int,
    ledger: DemoLedger,
    commits: list[Commit],
    options: argparse.Namespace,
    profiler: cProfile.Profile | None,
) -> Run:
    if options.wait_quiet:
        wait_quiet(options.wait_quiet)
    expected = expected_rows(commits)
    run = run_once(ledger, commits, expected, profiler)
    print(f"run {number}: {figures(run, expected)}")
    return run


def main() -> int:
    options = parse_arguments()
    calibration_before = calibration_ms()

    def database() -> AbstractContextManager[str]:
        if options.sqlite:
            return sqlite_database(options)
        return postgres_ledger(options, keep=options.keep)

    profiler = cProfile.Profile() if options.profile else None
    with database() as url, demo_ledger(url) as ledger:
        commits = prepare(ledger, options)
        runs = [measure(1, ledger, commits, options, profiler)]
    for number in range(2, 1 + (1 if profiler else options.repeat)):
        with database() as url, demo_ledger(url) as ledger:
            runs.append(measure(number, ledger, commits, options, None))
    print(f"calibration loop: {calibration_before} ms before, {calibration_ms()} ms after")
    if profiler is not None:
        print("(figures under the profiler)")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats("fixvenue", 25)
        return 0
    events_count = expected_rows(commits)["events"]
    rates = sorted(events_count / sum(run.commit_seconds) for run in runs)
    best, median = rates[-1], rates[len(rates) // 2]
    print(f"best of {len(runs)}: {best:,.0f} events/s; median run {median:,.0f} events/s")
    if best < options.floor:
        print(f"below the floor of {options.floor:,} events/s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
