"""The baseline acceptor (scripts/baseline_acceptor.py), the reference the end-to-end
benchmark measures the venue against, does what each of its modes says: one report per
order message, the venue's drop copies, a committed row per order message."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.support.venue import free_port, write_config

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
ORDERS = 10


@contextmanager
def baseline_acceptor(tmp_path: Path, port: int, *options: str) -> Iterator[Path]:
    """The acceptor on `port`, accepting FIX; its data dir. Stopped with SIGTERM, it must
    stop cleanly with nothing in its log worse than INFO."""
    data_dir = tmp_path / "baseline-data"
    log_path = tmp_path / "baseline.log"
    command = [
        sys.executable,
        str(SCRIPTS / "baseline_acceptor.py"),
        "--config",
        str(write_config(tmp_path, fix_port=port)),
        "--data-dir",
        str(data_dir),
        *options,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while "accepting FIX on" not in log_path.read_text():
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        yield data_dir
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log_path.read_text()
    text = log_path.read_text()
    assert "stopped cleanly" in text
    assert not any(
        level in text for level in (" WARNING ", " ERROR ", " CRITICAL ", "Traceback")
    ), text


def place_and_cancel(port: int, sender: str = "BROKER1", account: str = "BRK1-A") -> None:
    """ORDERS orders of the session, each cancelled once acknowledged, through the load
    tool."""
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "loadtest.py"),
            "throughput",
            "--flow",
            "place-cancel",
            "--window",
            "1",
            "--orders",
            str(ORDERS),
            "--port",
            str(port),
            "--sender",
            sender,
            "--account",
            account,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def stored_copies(data_dir: Path, drop_copy: str) -> list[str]:
    """The messages QuickFIX stored for a drop-copy session (logged off: every copy)."""
    body = data_dir / "fixstore" / f"FIX.4.4-FIXVENUE-{drop_copy}.body"
    if not body.exists():
        return []
    return [message for message in body.read_text().split("8=FIX.4.4\x01") if message]


def test_with_drop_copies_every_report_is_stored_for_each_drop_copy_session_of_its_firm(
    tmp_path: Path,
) -> None:
    port = free_port()
    with baseline_acceptor(tmp_path, port, "--drop-copies") as data_dir:
        place_and_cancel(port)
        place_and_cancel(port, sender="BROKER2", account="BRK2-A")
    # DC-BRK1 takes firm BRK1's reports, DC-ALL every firm's: a New and a Cancelled per order.
    for drop_copy, origins in (("DC-BRK1", ["BROKER1"]), ("DC-ALL", ["BROKER1", "BROKER2"])):
        copies = stored_copies(data_dir, drop_copy)
        assert all("\x0135=8\x01" in copy for copy in copies)
        for origin in origins:
            of_origin = [copy for copy in copies if f"\x01115={origin}\x01" in copy]
            assert len(of_origin) == 2 * ORDERS, (drop_copy, origin)
            assert sum("\x01150=4\x01" in copy for copy in of_origin) == ORDERS
        assert len(copies) == 2 * ORDERS * len(origins), drop_copy


def test_bare_it_sends_no_drop_copies(tmp_path: Path) -> None:
    port = free_port()
    with baseline_acceptor(tmp_path, port) as data_dir:
        place_and_cancel(port)
    assert stored_copies(data_dir, "DC-BRK1") == stored_copies(data_dir, "DC-ALL") == []


@pytest.mark.postgres
def test_with_commit_every_order_message_is_committed_to_the_database(
    tmp_path: Path, postgres_url: str
) -> None:
    port = free_port()
    with baseline_acceptor(tmp_path, port, "--commit", postgres_url):
        place_and_cancel(port)
    with psycopg.connect(postgres_url.replace("+psycopg", "")) as connection:
        kinds = connection.execute(
            "SELECT substring(message from '\x0135=([^\x01]*)') AS kind, count(*) "
            "FROM baseline_messages GROUP BY kind ORDER BY kind"
        ).fetchall()
    assert kinds == [("D", ORDERS), ("F", ORDERS)]


def test_with_a_database_it_cannot_reach_it_says_so_and_exits(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "baseline_acceptor.py"),
            "--config",
            str(write_config(tmp_path, fix_port=free_port())),
            "--commit",
            f"postgresql://127.0.0.1:{free_port()}/nowhere?connect_timeout=3",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "cannot use the database" in result.stderr and "Traceback" not in result.stderr
