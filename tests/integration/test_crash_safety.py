"""Three rounds of the crash-safety script (scripts/crash_safety.py; its full run is 20):
under load from three brokers the venue is SIGKILLed at a random moment and started
again, and after the brokers' FIX recovery the books and risk state they rebuild from
their reports are the venue's, with no report lost, repeated as new or numbered twice."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "crash_safety.py"


def test_a_venue_killed_under_load_comes_back_as_the_brokers_last_knew_it(
    database_url: str,
) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--rounds", "3", "--seed", "5", "--db", database_url],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    rounds = re.findall(r"^round \d+: SIGKILL after .* state [0-9a-f]{12} matches$", output, re.M)
    assert len(rounds) == 3, output
    assert "3 rounds (seed 5)" in output and ": clean" in output, output
