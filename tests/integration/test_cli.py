"""The `fixvenue` command line as an operator meets it: exit codes and one-line errors."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, inspect

from tests.support.venue import REPO, fixvenue_command, free_port, write_config


def _run(*arguments: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        fixvenue_command(*arguments), capture_output=True, text=True, timeout=timeout, check=False
    )


def _assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fixvenue: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_serve_with_a_missing_config_file_says_so_in_one_line(tmp_path: Path) -> None:
    result = _run("serve", "--config", str(tmp_path / "nowhere.toml"))
    _assert_refused(result, "nowhere.toml", "no such file")


def test_serve_with_a_bad_config_value_names_the_key(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, fix_port=free_port(), replace={'tick_size = "0.05"': "tick_size = 0.05"}
    )
    result = _run("serve", "--config", str(config), "--data-dir", str(tmp_path))
    _assert_refused(result, "instruments[2].tick_size")


def test_serve_with_an_unknown_config_key_refuses_it(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        fix_port=free_port(),
        replace={'comp_id = "FIXVENUE"': 'comp_id = "FIXVENUE"\ncolour = "red"'},
    )
    _assert_refused(_run("serve", "--config", str(config)), "venue", "colour")


def test_serve_with_an_unreachable_database_says_so_in_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, fix_port=free_port())
    result = _run(
        "serve",
        "--config",
        str(config),
        "--data-dir",
        str(tmp_path),
        "--db",
        "postgresql+psycopg://127.0.0.1:1/nowhere",
    )
    _assert_refused(result, "cannot reach the ledger", "127.0.0.1:1")


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, fix_port=port)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = _run("serve", "--config", str(config), "--data-dir", str(tmp_path))
    _assert_refused(result, f"127.0.0.1:{port}")


def test_serve_with_a_data_dictionary_quickfix_cannot_read_says_so_in_one_line(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<fix><not-a-dictionary")
    config = write_config(
        tmp_path, fix_port=free_port(), replace={str(REPO / "fix_specs" / "FIX42.xml"): str(broken)}
    )
    result = _run("serve", "--config", str(config), "--data-dir", str(tmp_path))
    _assert_refused(result, "FIX.4.2 data dictionary", "broken.xml")


def test_an_unknown_option_is_bad_usage() -> None:
    assert _run("serve", "--no-such-option").returncode == 2


def test_db_upgrade_creates_the_ledger_schema(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path, fix_port=free_port())
    result = _run("db", "upgrade", "--config", str(config), "--db", database_url)
    assert result.returncode == 0, result.stderr
    assert _run("db", "upgrade", "--config", str(config), "--db", database_url).returncode == 0
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"commands", "events", "fix_sessions", "ledger_info", "alembic_version"} <= tables
