"""A short run of the inbound fuzzer (scripts/fuzz_inbound.py; the long run is 100,000
inputs): mutated messages leave the venue running, no session hung, and nothing the
session layer rejected reached the core."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fuzz_inbound.py"


def test_mutated_messages_crash_nothing_hang_nothing_and_change_nothing() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--inputs", "2000", "--seed", "7"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2,000 inputs (seed 7)" in result.stdout and "no hung session" in result.stdout
