"""The Prometheus alert rules shipped in config/: valid, and firing on made-up series as
their unit tests say (promtool, from Debian's prometheus package; CI installs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PROMETHEUS_CONFIG = Path(__file__).resolve().parents[2] / "config" / "prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is required in CI and is not installed")
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus)")
    return found


@pytest.mark.parametrize(
    "arguments",
    [
        ("check", "config", "prometheus.yml"),
        ("check", "rules", "alerts.yml"),
        ("test", "rules", "alerts_test.yml"),
    ],
)
def test_promtool_accepts_the_rules(promtool: str, arguments: tuple[str, ...]) -> None:
    result = subprocess.run(
        [promtool, *arguments],
        cwd=PROMETHEUS_CONFIG,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
