"""The `fixvenue` command line as an operator meets it: exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from tests.support.venue import (
    REPO,
    Venue,
    assert_refused,
    fixvenue_command,
    free_port,
    run_fixvenue,
    write_config,
)


def test_serve_with_a_missing_config_file_says_so_in_one_line(tmp_path: Path) -> None:
    result = run_fixvenue("serve", "--config", str(tmp_path / "nowhere.toml"))
    assert_refused(result, "nowhere.toml", "no such file")


def test_serve_with_a_bad_config_value_names_the_key(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, fix_port=free_port(), replace={'tick_size = "0.05"': "tick_size = 0.05"}
    )
    result = run_fixvenue("serve", "--config", str(config), "--data-dir", str(tmp_path))
    assert_refused(result, "instruments[2].tick_size")


def test_serve_with_an_unknown_config_key_refuses_it(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        fix_port=free_port(),
        replace={'comp_id = "FIXVENUE"': 'comp_id = "FIXVENUE"\ncolour = "red"'},
    )
    assert_refused(run_fixvenue("serve", "--config", str(config)), "venue", "colour")


def test_serve_with_an_unreachable_database_says_so_in_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, fix_port=free_port())
    result = run_fixvenue(
        "serve",
        "--config",
        str(config),
        "--data-dir",
        str(tmp_path),
        "--db",
        "postgresql+psycopg://127.0.0.1:1/nowhere",
    )
    assert_refused(result, "cannot reach the ledger", "127.0.0.1:1")


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, fix_port=port)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = run_fixvenue("serve", "--config", str(config), "--data-dir", str(tmp_path))
    assert_refused(result, f"127.0.0.1:{port}")


def test_serve_with_a_data_dictionary_quickfix_cannot_read_says_so_in_one_line(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<fix><not-a-dictionary")
    config = write_config(
        tmp_path, fix_port=free_port(), replace={str(REPO / "fix_specs" / "FIX42.xml"): str(broken)}
    )
    result = run_fixvenue("serve", "--config", str(config), "--data-dir", str(tmp_path))
    assert_refused(result, "FIX.4.2 data dictionary", "broken.xml")


def test_an_unknown_option_is_bad_usage() -> None:
    assert run_fixvenue("serve", "--no-such-option").returncode == 2


def test_db_upgrade_creates_the_ledger_schema(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path, fix_port=free_port())
    result = run_fixvenue("db", "upgrade", "--config", str(config), "--db", database_url)
    assert result.returncode == 0, result.stderr
    assert (
        run_fixvenue("db", "upgrade", "--config", str(config), "--db", database_url).returncode == 0
    )
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"commands", "events", "fix_sessions", "ledger_info", "alembic_version"} <= tables


def test_an_operator_command_without_a_running_venue_says_so_in_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, fix_port=free_port())
    for arguments in (
        ("kill", "BRK1-A"),
        ("risk", "show", "BRK1-A"),
        ("halt", "ACME"),
        ("sessions", "list"),
        ("audit", "log"),
    ):
        assert_refused(
            run_fixvenue(*arguments, "--config", str(config)),
            "the venue is not running or not reachable",
        )


def test_the_admin_endpoint_refuses_a_wrong_token_and_the_cli_says_so(venue: Venue) -> None:
    result = run_fixvenue(
        "risk",
        "show",
        "BRK1-A",
        "--config",
        str(venue.config_path),
        env={**os.environ, "FIXVENUE_ADMIN_TOKEN": "not-the-token"},
    )
    assert_refused(result, "refused the admin token")
    endpoint = _admin_address(venue.config_path)
    for headers in ({}, {"Authorization": "Bearer not-the-token"}):
        request = urllib.request.Request(f"{endpoint}/risk/BRK1-A", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
        assert json.loads(refused.value.read()) == {"error": "missing or wrong admin token"}


def test_operator_commands_refuse_unknown_names_and_bad_values(venue: Venue) -> None:
    config = ("--config", str(venue.config_path))
    assert_refused(run_fixvenue("kill", "NOPE", *config), "unknown account NOPE")
    assert_refused(run_fixvenue("kill", "--firm", "NOPE", *config), "unknown firm NOPE")
    assert_refused(run_fixvenue("risk", "show", "NOPE", *config), "unknown account NOPE")
    assert_refused(run_fixvenue("halt", "NOPE", *config), "unknown symbol NOPE")
    assert_refused(
        run_fixvenue("risk", "set", "BRK1-A", "--credit-limit", "1.0000001", *config),
        "credit_limit: expected at most six decimals",
    )
    assert_refused(
        run_fixvenue("risk", "set", "BRK1-A", "--collar-pct", "100", *config), "collar_pct"
    )
    assert_refused(
        run_fixvenue("risk", "set", "BRK1-A", "--restricted-symbols", "ACME,NOPE", *config),
        "unknown symbol NOPE",
    )
    assert_refused(
        run_fixvenue("kill", "BRK1-A", "--reason", "x\x01y", *config),
        "reason must be printable ASCII",
    )
    # Names travel percent-encoded: a "?" or "#" in one cannot make it name another.
    assert_refused(
        run_fixvenue("risk", "show", "BRK1-B?typo", *config), "unknown account BRK1-B?typo"
    )
    assert_refused(run_fixvenue("halt", "EURX#oops", *config), "unknown symbol EURX#oops")
    assert_refused(run_fixvenue("risk", "show", "BRK1 A", *config), "unknown account BRK1 A")
    assert run_fixvenue("kill", *config).returncode == 2  # no scope named
    assert run_fixvenue("kill", "BRK1-A", "--firm", "BRK1", *config).returncode == 2
    assert run_fixvenue("risk", "set", "BRK1-A", *config).returncode == 2  # no limit named


def test_halt_and_resume_answer_in_json(venue: Venue) -> None:
    config = ("--config", str(venue.config_path))
    halted = run_fixvenue("halt", "ACME", "--reason", "news", "--json", *config)
    assert halted.returncode == 0, halted.stderr
    assert json.loads(halted.stdout) == {"symbol": "ACME", "phase": "halted"}
    resumed = run_fixvenue("resume", "ACME", *config)
    assert (resumed.returncode, resumed.stdout.strip()) == (0, "ACME is open")


def _admin_address(config_path: Path) -> str:
    admin = tomllib.loads(config_path.read_text())["admin"]
    return f"http://{admin['host']}:{admin['port']}"


def test_serve_can_log_one_json_object_per_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, fix_port=free_port())
    with subprocess.Popen(
        fixvenue_command(
            "--log-format", "json", "serve", "--config", str(config), "--data-dir", str(tmp_path)
        ),
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stderr is not None
        lines = []
        for line in process.stderr:
            lines.append(json.loads(line))
            if "accepting FIX" in lines[-1]["message"]:
                break
        process.send_signal(signal.SIGTERM)
        # The rest through the same reader: what it has already read ahead is in its
        # buffer, which communicate(), reading the pipe itself, would skip.
        remaining = process.stderr.read()
        assert process.wait(timeout=30) == 0
    lines += [json.loads(line) for line in remaining.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any(line["message"] == "stopped cleanly" for line in lines)
    risk = [line for line in lines if line["logger"] == "fixvenue.events"]
    assert risk and risk[0]["message"].startswith("risk limits of the default are now:")
