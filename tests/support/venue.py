"""The real `fixvenue serve` as a subprocess, on a private port and data directory."""

from __future__ import annotations

import ctypes
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEMO_CONFIG = REPO / "config" / "venue.toml"


def _die_with_the_test_run() -> None:
    # PR_SET_PDEATHSIG: a venue left behind by a crashed test run is killed with it.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def _listen_ports() -> range:
    """This test worker's own share of the ports below Linux's ephemeral range
    (32768-60999). Below it, a port the kernel hands out for an outgoing connection (FIX
    clients, database connections) never turns out to be one a venue is about to listen
    on; a share of its own per worker means no other worker ever picks a port that this
    one's venue holds, or has let go of for a moment while it restarts."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    span = (32_000 - 20_000) // workers
    start = 20_000 + int(worker.removeprefix("gw")) * span
    return range(start, start + span)


_LISTEN_PORTS = _listen_ports()
# Its own source: test workers must not share a sequence (a seeded global one could).
_choose = random.SystemRandom().choice
# Never handed out twice in this worker: a venue stopped to be restarted keeps its ports.
_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now and this worker has not handed out before, outside
    the range outgoing connections use."""
    while True:
        port = _choose(_LISTEN_PORTS)
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port


def write_config(directory: Path, *, fix_port: int, replace: dict[str, str] | None = None) -> Path:
    """The demo config with this test's ports and absolute dictionary paths."""
    text = DEMO_CONFIG.read_text()
    text = text.replace("port = 9878", f"port = {fix_port}")
    text = text.replace("port = 9108", f"port = {free_port()}")
    text = text.replace("port = 9109", f"port = {free_port()}")
    text = text.replace('"../fix_specs/', f'"{REPO / "fix_specs"}/')
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = directory / "venue.toml"
    path.write_text(text)
    return path


def fixvenue_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "fixvenue.cli", *arguments]


def run_fixvenue(
    *arguments: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Runs `fixvenue` as an operator would, whatever its outcome."""
    return subprocess.run(
        fixvenue_command(*arguments),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


def assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit 1 with one line on stderr, no traceback, saying each of the fragments."""
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fixvenue: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def ledger_command(venue: Venue, *arguments: str) -> str:
    """Runs a `fixvenue` command that reads the venue's ledger; it must succeed. Its output."""
    result = run_fixvenue(
        *arguments, "--config", str(venue.config_path), "--db", venue.database_url
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def operator_command(venue: Venue, *arguments: str) -> str:
    """Runs a `fixvenue` operator command against the venue; it must succeed. Its output."""
    result = run_fixvenue(*arguments, "--config", str(venue.config_path))
    assert result.returncode == 0, result.stderr
    return result.stdout


class Venue:
    def __init__(
        self, work_dir: Path, database_url: str, config_replace: dict[str, str] | None = None
    ) -> None:
        self.work_dir = work_dir
        self.database_url = database_url
        self.port = free_port()
        self.config_path = write_config(work_dir, fix_port=self.port, replace=config_replace)
        self.data_dir = work_dir / "data"
        self.log_path = work_dir / "venue.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(
        self,
        *,
        fail_point: str | None = None,
        wait: bool = True,
        environment_extra: dict[str, str] | None = None,
    ) -> Venue:
        assert self.process is None or self.process.poll() is not None
        environment = dict(os.environ) | (environment_extra or {})
        environment.pop("FIXVENUE_FAIL_POINT", None)
        if fail_point:
            environment["FIXVENUE_FAIL_POINT"] = fail_point
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start {self.starts} =====\n".encode())
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                fixvenue_command(
                    "serve",
                    "--config",
                    str(self.config_path),
                    "--db",
                    self.database_url,
                    "--data-dir",
                    str(self.data_dir),
                ),
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=environment,
            )
        if wait:
            self.wait_accepting()
        return self

    def restart_to_fail(self, fail_point: str) -> None:
        """Stops the venue and starts it again to be killed at `fail_point` (app/faults.py)."""
        self.stop()
        self.start(fail_point=fail_point)

    def wait_accepting(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        marker = f"===== start {self.starts} ====="
        while time.monotonic() < deadline:
            log = self.log_path.read_text()
            if "accepting FIX" in log.split(marker)[-1]:
                return
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"venue exited with {self.process.returncode}:\n{log[-4000:]}")
            time.sleep(0.05)
        raise AssertionError(f"venue not accepting within {timeout}s:\n{self.log()[-4000:]}")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as an operator would; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def wait_exit(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def log(self) -> str:
        return self.log_path.read_text()

    def ensure_stopped(self) -> None:
        """Stops a venue still running with SIGTERM; it must exit cleanly."""
        if self.process is not None and self.process.poll() is None:
            code = self.stop()
            assert code == 0, f"venue exited with {code} on SIGTERM:\n{self.log()[-3000:]}"
