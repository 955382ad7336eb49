"""What every `fixvenue` command shares: the --config option and one-line refusals."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from fixvenue.app import config as venue_config
from fixvenue.app import ledger_setup
from fixvenue.app.venue import StartupError
from fixvenue.clearing.files import ClearingError
from fixvenue.cli.admin_client import AdminRefusedError, client_for
from fixvenue.ledger.database import LedgerUnavailableError
from fixvenue.ledger.reader import LedgerReader

DEFAULT_CONFIG = Path("config/venue.toml")
_REFUSALS = (
    venue_config.ConfigError,
    LedgerUnavailableError,
    StartupError,
    AdminRefusedError,
    ClearingError,
)


def one_line_errors(command: Callable[..., None]) -> Callable[..., None]:
    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except _REFUSALS as error:
            click.echo(f"fixvenue: {error}", err=True)
            sys.exit(1)

    return run


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="The venue's TOML configuration.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Answer in JSON.")


def show(answer: Any, as_json: bool, human: str) -> None:
    """The answer as indented JSON with --json, else as the human text."""
    click.echo(json.dumps(answer, indent=2) if as_json else human)


def reason_command(
    name: str,
    *,
    help_text: str,
    argument: str,
    path: Callable[[str], str],
    describe: Callable[[str, dict[str, Any]], str],
    force_help: str | None = None,
) -> click.Command:
    """A command that asks the venue to do something to one named thing, for a reason:
    `path` gives the request's path for the (percent-encoded) name, `describe` the human
    answer; with `force_help`, a --force flag that overrides a refusal."""

    @click.command(name, help=help_text)
    @click.argument(argument)
    @click.option("--reason", default="operator request", show_default=True)
    @config_option
    @json_option
    @one_line_errors
    def command(config_path: Path, as_json: bool, reason: str, **named: Any) -> None:
        value = named[argument]
        body = {"reason": reason} | ({"force": named["force"]} if force_help else {})
        answer = client_for(config_path).post(path(quote(value, safe="")), body)
        show(answer, as_json, describe(value, answer))

    if force_help:
        command = click.option("--force", is_flag=True, help=force_help)(command)
    return command


def resolve(
    config_path: Path, database: str | None, data_dir: Path | None
) -> tuple[venue_config.VenueConfig, Path, str]:
    """The configuration, the data dir and the ledger URL the options name."""
    config = venue_config.load(config_path)
    directory = data_dir or config.data_dir
    return config, directory, ledger_setup.database_url(database, directory)


db_option = click.option(
    "--db",
    "database",
    metavar="URL",
    help="Ledger database URL (postgresql+psycopg://… or sqlite:///…); default "
    "$FIXVENUE_DATABASE_URL, else an embedded SQLite file in the data dir.",
)
data_dir_option = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Where the FIX store, FIX logs and the embedded ledger live (default: from the config).",
)

date_option = click.option(
    "--date",
    "trading_date",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The trading date, YYYY-MM-DD.",
)


def ledger_trading_date(reader: LedgerReader, trading_date: datetime) -> str:
    """The date as the ledger names it; refused if it is not one of the ledger's."""
    day = trading_date.date().isoformat()
    dates = reader.trading_dates()
    if day not in dates:
        raise StartupError(
            f"{day} is not a trading date of this ledger: its trading dates are "
            f"{dates[0]} to {dates[-1]}"
        )
    return day
