# Run with the project's virtualenv: .venv/bin/python scripts/bench_e2e.py --help
"""End-to-end benchmark: a fresh ledger, the real `fixvenue serve`, scripts/loadtest.py.

  1. creates a PostgreSQL database (127.0.0.1:5432, trust auth, user root or postgres),
     or with --sqlite uses the embedded SQLite ledger in a temporary data directory;
  2. copies config/venue.toml with free ports and absolute data dictionary paths;
  3. starts scripts/baseline_acceptor.py on another such copy (a bare QuickFIX acceptor that
     answers each order message with one ExecutionReport: the ceiling of the FIX stack on
     the machine), runs throughput place-cancel against it and stops it; then the same
     with --drop-copies (the acceptor also sends the venue's drop copies); then, on
     PostgreSQL, the latency runs against it with --commit (each order message committed
     to a database of its own before the answer: the floor of ack after commit)
     (--no-baseline skips all three);
  4. starts the venue and waits for "accepting FIX on";
  5. runs, one after the other: throughput place-cancel, throughput cross, latency
     place-cancel (paced);
  6. stops the venue with SIGTERM, checks its log and the ledger's row counts, reads from
     the ledger where each run's requests spent their time inside the venue, drops the
     databases, and prints the figures, with the venue's place-cancel throughput as a
     share of the bare baseline's and of the one with drop copies.

Exit status 0 when every run was clean and the venue (and the baseline) stopped cleanly,
1 otherwise. The temporary directory (configs, logs, JSON per run) is kept on failure or
--keep.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from machine_speed import calibration_ms
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
LOADTEST = REPO / "scripts" / "loadtest.py"
BASELINE_ACCEPTOR = REPO / "scripts" / "baseline_acceptor.py"
DEFAULT_CONFIG = REPO / "config" / "venue.toml"
STARTUP_SECONDS = 60.0
STOP_SECONDS = 60.0
LOADTEST_LIMITS = ["--timeout", "600", "--ack-timeout", "15"]
# The baseline acceptor's three runs, as the tables name them.
BASELINE = "baseline"
BASELINE_DROP_COPIES = "baseline+copies"
BASELINE_COMMIT = "baseline+commit"
# Those the venue's throughput is compared with, and how each is started.
THROUGHPUT_BASELINES = {BASELINE: [], BASELINE_DROP_COPIES: ["--drop-copies"]}
LOG_PROBLEM = re.compile(r" (WARNING|ERROR|CRITICAL) |Traceback")


class BenchError(Exception):
    pass


@dataclass
class Bench:
    work_dir: Path
    problems: list[str] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def write_config(source: Path, target: Path, ports: dict[str, int]) -> None:
    """The config with the given ports per table and absolute data dictionary paths."""
    section = ""
    lines = []
    for original in source.read_text().splitlines():
        line = original
        stripped = line.strip()
        header = re.match(r"^\[\[?\s*([^\]\s]+)\s*\]\]?", stripped)
        if header:
            section = header.group(1)
        elif section in ports and re.match(r"port\s*=", stripped):
            line = f"port = {ports[section]}"
        elif section == "fix" and stripped.startswith("data_dictionaries"):
            line = re.sub(
                r'"([^"]+\.xml)"',
                lambda match: json.dumps(str((source.parent / match.group(1)).resolve())),
                line,
            )
        lines.append(line)
    target.write_text("\n".join(lines) + "\n")


def demo_config(
    work: Path, source: Path = DEFAULT_CONFIG, name: str = "venue.toml"
) -> tuple[Path, dict[str, int]]:
    """The config (the demo one by default) written into `work` with free ports: its path,
    and the ports by table (fix, metrics, admin)."""
    ports = {table: free_port() for table in ("fix", "metrics", "admin")}
    config = work / name
    write_config(source, config, ports)
    return config, ports


def machine() -> dict[str, Any]:
    model = ""
    with suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "python": sys.version.split()[0],
    }


def cpu_counters() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat", encoding="utf-8") as stat:
        values = [int(value) for value in stat.readline().split()[1:8]]
    return sum(values) - values[3] - values[4], sum(values)  # minus idle and iowait


def busy_cpus(seconds: float = 2.0) -> float:
    """CPUs' worth of busy time, machine-wide, over the next `seconds`."""
    busy_before, total_before = cpu_counters()
    time.sleep(seconds)
    busy, total = cpu_counters()
    return len(os.sched_getaffinity(0)) * (busy - busy_before) / max(total - total_before, 1)


def wait_quiet(limit_seconds: float, threshold: float = 0.25) -> float:
    """Waits up to `limit_seconds` for the machine to be nearly idle; returns the last load."""
    deadline = time.monotonic() + limit_seconds
    load = busy_cpus()
    while load > threshold and time.monotonic() < deadline:
        print(f"bench: {load:.2f} CPUs busy, waiting for a quiet machine", flush=True)
        time.sleep(5)
        load = busy_cpus()
    return load


def postgres_cpu_seconds() -> float:
    """CPU time of every process named postgres (server, backends, WAL writer...)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if name == "postgres":
            total += process_cpu_seconds(int(entry.name))
    return total


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a running process, from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- ledgers ---------------------------------------------------------------------------------


def pg_admin(host: str, port: int, users: list[str]) -> tuple[psycopg.Connection[Any], str]:
    failures = []
    for user in users:
        try:
            connection = psycopg.connect(
                host=host,
                port=port,
                user=user,
                dbname="postgres",
                autocommit=True,
                connect_timeout=5,
            )
        except psycopg.OperationalError as error:
            failures.append(f"{user}: {str(error).strip().splitlines()[0]}")
            continue
        return connection, user
    raise BenchError(f"cannot reach PostgreSQL at {host}:{port}: {'; '.join(failures)}")


@contextmanager
def postgres_ledger(
    arguments: argparse.Namespace, bench: Bench | None = None, *, keep: bool = False
) -> Iterator[str]:
    """A new PostgreSQL database for one benchmark, dropped at the end unless `keep`."""
    users = [arguments.pg_user] if arguments.pg_user else ["root", "postgres"]
    admin, user = pg_admin(arguments.pg_host, arguments.pg_port, users)
    # Nanoseconds: a benchmark may create a second database within the same second.
    name = f"fixvenue_bench_{os.getpid()}_{time.time_ns()}"
    settings = {}
    with admin:
        for setting in ("server_version", "synchronous_commit", "fsync", "wal_sync_method"):
            row = admin.execute(sql.SQL("SHOW {}").format(sql.Identifier(setting))).fetchone()
            settings[setting] = row[0] if row else ""
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(
        f"bench: created database {name} as {user}; "
        + ", ".join(f"{k}={v}" for k, v in settings.items())
    )
    if bench is not None:
        bench.runs.append({"ledger": "postgresql", "database": name, "settings": settings})
    url = f"postgresql+psycopg://{user}@{arguments.pg_host}:{arguments.pg_port}/{name}"
    try:
        yield url
    finally:
        if keep:
            print(f"bench: kept database {name}")
        else:
            admin, _ = pg_admin(arguments.pg_host, arguments.pg_port, [user])
            with admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
            print(f"bench: dropped database {name}")


def ledger_rows(url: str, query: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The rows of a query (placeholders written `?`) on the benchmark's ledger."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return connection.execute(query, parameters).fetchall()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        return connection.execute(query.replace("?", "%s"), parameters).fetchall()


def ledger_counts(url: str) -> dict[str, int]:
    queries = {
        "commands": "SELECT count(*) FROM commands",
        # Reports: venue-wide events (risk limits configured at start, say) go to no session.
        "events": "SELECT count(*) FROM events WHERE session IS NOT NULL",
    }
    return {name: int(ledger_rows(url, query)[0][0]) for name, query in queries.items()}


def last_sequence(url: str) -> int:
    return int(ledger_rows(url, "SELECT coalesce(max(sequence), 0) FROM commands")[0][0])


# Per FIX command: from its callback to the sequencer's stamp, and from the stamp to its
# reports' hand-over to QuickFIX (the writer's commit, then its sends), as the ledger
# records them.
_STAGES = (
    "SELECT c.timestamp_us - c.received_us, d.sent_us - c.timestamp_us FROM commands c "
    "JOIN deliveries d ON d.command_sequence = c.sequence "
    "WHERE c.received_us IS NOT NULL AND c.sequence > ? AND c.sequence <= ?"
)


def venue_stages(url: str, after: int, through: int) -> dict[str, dict[str, int]]:
    """Percentiles (µs) of the two stages of the commands sequenced in (after, through]."""
    rows = ledger_rows(url, _STAGES, (after, through))
    stages: dict[str, dict[str, int]] = {}
    for index, stage in enumerate(("received->sequenced", "sequenced->sent")):
        values = sorted(row[index] for row in rows)
        stages[stage] = {
            key: int(values[min(len(values) - 1, int(len(values) * share))]) if values else 0
            for key, share in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
        }
    return stages


# -- the venue -------------------------------------------------------------------------------


def fixvenue_executable() -> str:
    """The venue of the environment this script runs in (.venv-compiled/bin/python runs
    the compiled build), else the one on PATH."""
    local = Path(sys.executable).parent / "fixvenue"
    found = str(local) if local.exists() else shutil.which("fixvenue")
    if not found:
        raise BenchError(f"no fixvenue executable ({local} or on PATH)")
    return found


@contextmanager
def acceptor(
    name: str, command: list[str], bench: Bench, startup_seconds: float
) -> Iterator[subprocess.Popen[bytes]]:
    """A FIX acceptor process (the venue or the baseline), accepting FIX within
    `startup_seconds`; stopped with SIGTERM when done, its log (`name`.log in the work
    dir) checked for a clean stop and for warnings."""
    log_path = bench.work_dir / f"{name}.log"
    print("bench: " + " ".join(command))
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + startup_seconds
        while "accepting FIX on" not in log_path.read_text(errors="replace"):
            if process.poll() is not None:
                raise BenchError(f"{name} exited with {process.returncode}: see {log_path}")
            if time.monotonic() > deadline:
                raise BenchError(f"{name} not accepting within {startup_seconds:g}s: {log_path}")
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                bench.problems.append(f"{name} did not stop within {STOP_SECONDS:g}s of SIGTERM")
                process.kill()
                process.wait(10)
        if process.returncode != 0:
            bench.problems.append(f"{name} exited with {process.returncode}")
        text = log_path.read_text(errors="replace")
        if "stopped cleanly" not in text:
            bench.problems.append(f"{name} log has no 'stopped cleanly'")
        flagged = [line for line in text.splitlines() if LOG_PROBLEM.search(line)]
        if flagged:
            bench.problems.append(f"{len(flagged)} WARNING/ERROR lines in the {name} log")
            for line in flagged[:5]:
                print(f"bench: {name} log: {line}")


def pinned(cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus] if cpus else []


@contextmanager
def venue(
    config: Path,
    url: str,
    bench: Bench,
    cpus: str | None,
    startup_seconds: float = STARTUP_SECONDS,
) -> Iterator[subprocess.Popen[bytes]]:
    """The venue, accepting FIX (within `startup_seconds`: replaying a large ledger takes
    time); stopped cleanly when done, its log checked."""
    command = [
        *pinned(cpus),
        fixvenue_executable(),
        "serve",
        "--config",
        str(config),
        "--db",
        url,
        "--data-dir",
        str(bench.work_dir / "data"),
    ]
    with acceptor("venue", command, bench, startup_seconds) as process:
        yield process


@contextmanager
def baseline(
    config: Path, bench: Bench, cpus: str | None, options: list[str]
) -> Iterator[subprocess.Popen[bytes]]:
    """The baseline acceptor (with `options`) on the config's FIX port, pinned like the
    venue, its FIX store and log in the work dir as the venue's are, fresh each time."""
    data_dir = bench.work_dir / "baseline-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    command = [
        *pinned(cpus),
        sys.executable,
        str(BASELINE_ACCEPTOR),
        "--config",
        str(config),
        "--data-dir",
        str(data_dir),
        *options,
    ]
    name = "-".join(["baseline", *(option.strip("-") for option in options[:1])])
    with acceptor(name, command, bench, STARTUP_SECONDS) as process:
        yield process


# -- runs ------------------------------------------------------------------------------------


def loadtest(
    bench: Bench,
    process: subprocess.Popen[bytes],
    port: int,
    name: str,
    arguments: list[str],
    *,
    server: str = "venue",
) -> dict[str, Any]:
    json_path = bench.work_dir / (
        re.sub(r"[^A-Za-z0-9]+", "-", f"{server} {name}").strip("-") + ".json"
    )
    # A result left by an earlier run must not pass for this one's.
    json_path.unlink(missing_ok=True)
    command = [sys.executable, str(LOADTEST), *arguments, "--port", str(port)]
    command += ["--json", str(json_path)]
    print(f"\nbench: {name}: " + " ".join(command[1:]), flush=True)
    tick = os.sysconf("SC_CLK_TCK")
    before = (
        process_cpu_seconds(process.pid),
        _children_cpu_seconds(),
        postgres_cpu_seconds(),
        cpu_counters()[0] / tick,
    )
    completed = subprocess.run(command, timeout=900, check=False)
    venue_cpu = process_cpu_seconds(process.pid) - before[0]
    client_cpu = _children_cpu_seconds() - before[1]
    postgres_cpu = postgres_cpu_seconds() - before[2]
    machine_cpu = cpu_counters()[0] / tick - before[3]
    if completed.returncode != 0:
        bench.problems.append(f"{name}: loadtest exited with {completed.returncode}")
    if not json_path.exists():
        raise BenchError(f"{name}: loadtest wrote no results")
    result: dict[str, Any] = json.loads(json_path.read_text())
    result["name"] = name
    result["server"] = server
    # CPU-seconds during the run: the venue (or the baseline acceptor), the loadtest
    # process, PostgreSQL, and the rest of the machine (other work on a shared machine shows
    # up as "other").
    result["venue_cpu_s"] = round(venue_cpu, 2)
    result["loadtest_process_cpu_s"] = round(client_cpu, 2)
    result["postgres_cpu_s"] = round(postgres_cpu, 2)
    result["other_cpu_s"] = round(machine_cpu - venue_cpu - client_cpu - postgres_cpu, 2)
    bench.runs.append(result)
    return result


def throughput_place_cancel(arguments: argparse.Namespace) -> list[str]:
    orders = ["--orders", str(arguments.place_cancel)]
    return ["throughput", "--flow", "place-cancel", "--window", str(arguments.window), *orders]


def plan(arguments: argparse.Namespace) -> list[tuple[str, list[str]]]:
    """The loadtest runs against the venue, in order: (name, arguments)."""
    window = ["--window", str(arguments.window)]
    return [
        ("throughput place-cancel", throughput_place_cancel(arguments)),
        (
            "throughput cross",
            ["throughput", "--flow", "cross", *window, "--orders", str(arguments.cross)],
        ),
        *latency_runs(arguments),
    ]


def latency_runs(arguments: argparse.Namespace) -> list[tuple[str, list[str]]]:
    """The paced runs and the serial one: (name, arguments)."""
    place_cancel = ["--flow", "place-cancel"]
    runs = []
    for rate in arguments.rate if arguments.latency_orders else []:
        orders = ["--orders", str(arguments.latency_orders)]
        runs.append(
            (f"latency {rate:g}/s", ["latency", *place_cancel, "--rate", f"{rate:g}", *orders])
        )
    if arguments.serial_orders:
        orders = ["--orders", str(arguments.serial_orders)]
        runs.append(("serial (window 1)", ["throughput", *place_cancel, "--window", "1", *orders]))
    return runs


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_baseline(arguments: argparse.Namespace, bench: Bench) -> None:
    """Throughput place-cancel against the baseline acceptor, bare and with the venue's
    drop copies; on PostgreSQL, the latency runs against it committing each order message.
    The crossing flow cannot run against it: a crossing pair needs three reports for its
    two orders (see the script)."""
    config, ports = demo_config(bench.work_dir, arguments.config, "baseline.toml")
    run_arguments = [*throughput_place_cancel(arguments), *LOADTEST_LIMITS]
    for server, options in THROUGHPUT_BASELINES.items():
        with baseline(config, bench, arguments.venue_cpus, options) as process:
            loadtest(
                bench,
                process,
                ports["fix"],
                "throughput place-cancel",
                run_arguments,
                server=server,
            )
    runs = latency_runs(arguments)
    if arguments.sqlite or not runs:
        return
    with (
        postgres_ledger(arguments) as url,
        baseline(config, bench, arguments.venue_cpus, ["--commit", url]) as process,
    ):
        for name, latency_arguments in runs:
            loadtest(
                bench,
                process,
                ports["fix"],
                name,
                [*latency_arguments, *LOADTEST_LIMITS],
                server=BASELINE_COMMIT,
            )


def run_all(arguments: argparse.Namespace, bench: Bench, url: str) -> None:
    if arguments.baseline:
        run_baseline(arguments, bench)
    config, ports = demo_config(bench.work_dir, arguments.config)
    results = []
    boundaries = []
    with venue(config, url, bench, arguments.venue_cpus) as process:
        for name, run_arguments in plan(arguments):
            first = last_sequence(url)
            results.append(
                loadtest(bench, process, ports["fix"], name, [*run_arguments, *LOADTEST_LIMITS])
            )
            boundaries.append((first, last_sequence(url)))
    # Read once the venue has stopped: it records the last deliveries as it stops.
    for result, (after, through) in zip(results, boundaries, strict=True):
        result["venue_stages_us"] = venue_stages(url, after, through)
    counts = ledger_counts(url)
    reports = sum(r["execution_reports"] + r["cancel_rejects"] for r in results)
    print(
        f"bench: ledger holds {counts['commands']} commands, {counts['events']} reports; "
        f"the clients received {reports} ExecutionReports/CancelRejects"
    )
    bench.runs.append({"ledger_counts": counts, "reports_received": reports})
    if counts["events"] != reports:
        bench.problems.append(f"ledger reports {counts['events']} != reports received {reports}")


def render(ledger: str, results: list[dict[str, Any]]) -> str:
    header = (
        f"{'ledger':<16}{'run':<25}{'orders':>8}{'s':>8}{'orders/s':>10}{'ERs/s':>9}"
        f"{'p50':>8}{'p90':>8}{'p99':>8}{'p99.9':>8}{'max':>8}{'skipped':>9}{'venue cpu':>10}"
        f"{'other cpu':>10}"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        server = ledger if result["server"] == "venue" else result["server"]
        latency = result["latency_us"].get("order->New", {})
        figures = "".join(
            f"{latency.get(key, 0) / 1000:>8.1f}" for key in ("p50", "p90", "p99", "p99.9", "max")
        )
        lines.append(
            f"{server:<16}{result['name']:<25}{result['new_orders_sent']:>8}"
            f"{result['elapsed_s']:>8.2f}{result['orders_per_s']:>10.0f}{result['ers_per_s']:>9.0f}"
            f"{figures}{result['paced_slots_skipped']:>9}{result['venue_cpu_s']:>10.1f}"
            f"{result['other_cpu_s']:>10.1f}"
        )
    lines += ["", f"{'in the venue (ms)':<36}{'received->sequenced':>27}{'sequenced->sent':>27}"]
    for result in results:
        stages = result.get("venue_stages_us")
        if stages:
            lines.append(
                f"{result['name']:<36}"
                + "".join(
                    "".join(f"{stages[stage][key] / 1000:>9.2f}" for key in ("p50", "p90", "p99"))
                    for stage in ("received->sequenced", "sequenced->sent")
                )
            )
    lines += [
        "",
        "p50..max: order->New latency in ms.",
        "skipped: paced sends dropped because 1000 orders were already in flight.",
        "baseline: the bare acceptor; +copies: with the venue's drop copies; +commit:",
        "  committing each order message to PostgreSQL before answering it.",
        "venue cpu: CPU-seconds the venue (the baseline acceptor on its row) used during the",
        "  run; other cpu: CPU-seconds used machine-wide by anything but it, the load generator",
        "  and PostgreSQL.",
        "in the venue: p50, p90, p99 per FIX request, from the ledger: from QuickFIX's callback",
        "  to the sequencer's stamp, and from the stamp to its reports' hand-over to QuickFIX",
        "  (the writer's commit, then its sends).",
    ]
    return "\n".join(lines)


def against_baseline(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per flow run against the venue and a throughput baseline (bare, or with drop
    copies), over the same window: the venue's throughput, the baseline's, and the venue's
    as a share of the baseline's."""
    baselines = {
        (result["server"], result["flow"], result["window"]): result["orders_per_s"]
        for result in results
        if result["server"] in THROUGHPUT_BASELINES and result["orders_per_s"] > 0
    }
    return [
        {
            "flow": result["flow"],
            "baseline": server,
            "venue_orders_per_s": result["orders_per_s"],
            "baseline_orders_per_s": reference,
            "share": round(result["orders_per_s"] / reference, 3),
        }
        for result in results
        if result["server"] == "venue" and result["mode"] == "throughput"
        for server in THROUGHPUT_BASELINES
        if (reference := baselines.get((server, result["flow"], result["window"])))
    ]


def render_against_baseline(comparisons: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"venue {c['flow']}: {c['share']:.0%} of the {c['baseline']} "
        f"({c['venue_orders_per_s']:,.0f} vs {c['baseline_orders_per_s']:,.0f} orders/s)"
        for c in comparisons
    )


def rates(text: str) -> list[float]:
    values = [float(part) for part in text.split(",") if part.strip()]
    if not values or any(not 0 < value <= 100_000 for value in values):
        raise argparse.ArgumentTypeError(f"expected rates in (0, 100000], got {text}")
    return values


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--sqlite", action="store_true", help="use the embedded SQLite ledger")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default=None, help="default: root, else postgres")
    parser.add_argument("--place-cancel", type=int, default=20_000, help="orders")
    parser.add_argument("--cross", type=int, default=10_000, help="pairs (2 orders each)")
    parser.add_argument(
        "--latency-orders", type=int, default=10_000, help="orders per latency run; 0 skips them"
    )
    parser.add_argument(
        "--rate",
        type=rates,
        default=[1000.0],
        help="latency runs, orders/s, comma-separated (one run per rate)",
    )
    parser.add_argument(
        "--serial-orders",
        type=int,
        default=1000,
        help="orders for a window-1 run (one request in flight: the unloaded round trip); 0 skips",
    )
    parser.add_argument("--window", type=int, default=100, help="throughput runs")
    parser.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="skip the baseline acceptor's runs",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="first wait up to this long for the machine to be nearly idle (shared machines)",
    )
    parser.add_argument(
        "--venue-cpus",
        metavar="LIST",
        help="run the venue under `taskset -c LIST` (e.g. 1): all its threads on those CPUs",
    )
    parser.add_argument("--json", metavar="PATH", help="write all results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args()


def main() -> int:
    arguments = parse_arguments()
    bench = Bench(work_dir=Path(tempfile.mkdtemp(prefix="fixvenue-bench-")))
    info = machine()
    info["busy_cpus_before_start"] = round(wait_quiet(arguments.wait_quiet), 2)
    info["calibration_ms_before"] = calibration_ms()
    info["venue_cpus"] = arguments.venue_cpus or "any"
    ledger = "sqlite" if arguments.sqlite else "postgresql"
    print(
        f"bench: {ledger} ledger; {info['nproc']} CPUs, {info['cpu_model']}; "
        f"{info['busy_cpus_before_start']} CPUs busy before start; "
        f"calibration loop {info['calibration_ms_before']} ms; work dir {bench.work_dir}"
    )
    try:
        if arguments.sqlite:
            url = f"sqlite:///{bench.work_dir / 'data' / 'ledger.sqlite3'}"
            (bench.work_dir / "data").mkdir()
            run_all(arguments, bench, url)
        else:
            with postgres_ledger(arguments, bench) as url:
                run_all(arguments, bench, url)
    except (BenchError, subprocess.TimeoutExpired, psycopg.Error, sqlite3.Error) as error:
        bench.problems.append(str(error))
    info["calibration_ms_after"] = calibration_ms()
    print(f"bench: calibration loop {info['calibration_ms_after']} ms after the runs")
    results = [run for run in bench.runs if "name" in run]
    comparisons = against_baseline(results)
    print()
    print(render(ledger, results))
    if comparisons:
        print(render_against_baseline(comparisons))
    if arguments.json:
        Path(arguments.json).write_text(
            json.dumps(
                {
                    "ledger": ledger,
                    "machine": info,
                    "runs": bench.runs,
                    "against_baseline": comparisons,
                    "problems": bench.problems,
                },
                indent=2,
            )
        )
    for problem in bench.problems:
        print(f"bench: PROBLEM: {problem}", file=sys.stderr)
    if bench.problems or arguments.keep:
        print(f"bench: kept {bench.work_dir}")
    else:
        shutil.rmtree(bench.work_dir)
    return 1 if bench.problems else 0


if __name__ == "__main__":
    sys.exit(main())
