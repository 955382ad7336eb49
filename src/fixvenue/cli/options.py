"""What every `fixvenue` command shares: the --config option and one-line refusals."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from fixvenue.app import config as venue_config
from fixvenue.app.venue import StartupError
from fixvenue.cli.admin_client import AdminRefusedError
from fixvenue.ledger.database import LedgerUnavailableError

DEFAULT_CONFIG = Path("config/venue.toml")
_REFUSALS = (venue_config.ConfigError, LedgerUnavailableError, StartupError, AdminRefusedError)


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
