"""`fixvenue`: exit 0 done, 1 refused or failed (one line on stderr), 2 bad usage."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from fixvenue.app import ledger_setup, logs
from fixvenue.app.venue import StartupError, serve
from fixvenue.cli import clearing, compliance, controls, sessions
from fixvenue.cli.options import (
    config_option,
    data_dir_option,
    db_option,
    one_line_errors,
    resolve,
)
from fixvenue.fix.credentials import hash_password


@click.group()
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
    help="How much the venue logs to stderr (DEBUG adds every order, fill and cancel).",
)
@click.option(
    "--log-format",
    default="text",
    show_default=True,
    type=click.Choice(["text", "json"]),
    help="json: one JSON object per line, with session and ClOrdID as fields.",
)
def main(log_level: str, log_format: str) -> None:
    """fixvenue: a FIX trading venue."""
    logs.configure(log_level, as_json=log_format == "json")


@main.command("serve")
@config_option
@db_option
@data_dir_option
@click.option(
    "--fix-host",
    envvar="FIXVENUE_FIX_HOST",
    metavar="HOST",
    help="Take FIX connections from this address's network rather than the config's "
    "(0.0.0.0: from anywhere, as in a container); $FIXVENUE_FIX_HOST.",
)
@click.option(
    "--metrics-host",
    envvar="FIXVENUE_METRICS_HOST",
    metavar="HOST",
    help="Serve metrics on this address rather than the config's; $FIXVENUE_METRICS_HOST.",
)
@one_line_errors
def serve_command(
    config_path: Path,
    database: str | None,
    data_dir: Path | None,
    fix_host: str | None,
    metrics_host: str | None,
) -> None:
    """Run the venue: FIX acceptor, matching, ledger. SIGTERM or SIGINT stops it cleanly."""
    config, directory, url = resolve(config_path, database, data_dir)
    if fix_host:
        config = dataclasses.replace(config, fix=dataclasses.replace(config.fix, host=fix_host))
    if metrics_host:
        config = dataclasses.replace(
            config, metrics=dataclasses.replace(config.metrics, host=metrics_host)
        )
    serve(config, url, directory)


@main.group("db")
def db_group() -> None:
    """The ledger database."""


@db_group.command("upgrade")
@config_option
@db_option
@data_dir_option
@one_line_errors
def db_upgrade_command(config_path: Path, database: str | None, data_dir: Path | None) -> None:
    """Create or migrate the ledger schema to the current version."""
    config, directory, url = resolve(config_path, database, data_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StartupError(f"cannot use the data dir {directory}: {error.strerror}") from None
    ledger_setup.upgrade(ledger_setup.connect(url), config)
    click.echo(f"ledger at {ledger_setup.describe(url)} is at the current schema")


@main.command("password-hash")
@click.password_option(
    "--password", prompt="Logon password", help="Asked for without echo when not given."
)
def password_hash_command(password: str) -> None:
    """Print a salted hash of a session's logon password: the config's password_hash.

    Only the hash goes into the config; the broker's Logon carries the password in
    Password(554), which no log of the venue writes.
    """
    if not password:
        raise click.UsageError("the password must not be empty")
    click.echo(str(hash_password(password)))


sessions.audit_group.add_command(compliance.audit_trail)
for command in (
    *controls.COMMANDS,
    sessions.sessions_group,
    sessions.audit_group,
    compliance.dropcopy_group,
    clearing.eod_group,
    clearing.reconcile_command,
):
    main.add_command(command)
