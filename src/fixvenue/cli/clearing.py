"""`fixvenue eod run` and `fixvenue reconcile`: end of day and its tie-outs."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from fixvenue.app import ledger_setup
from fixvenue.app.venue import StartupError
from fixvenue.clearing.files import ClearingFiles
from fixvenue.clearing.reconcile import reconcile
from fixvenue.cli.admin_client import AdminClient
from fixvenue.cli.options import (
    config_option,
    data_dir_option,
    date_option,
    db_option,
    json_option,
    ledger_trading_date,
    one_line_errors,
    resolve,
)
from fixvenue.ledger.daybook import DayBook
from fixvenue.ledger.reader import LedgerReader


@click.group("eod")
def eod_group() -> None:
    """End of day."""


@eod_group.command("run")
@date_option
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="The directory for the clearing files (DIR/FIRM/...) and the manifest.",
)
@config_option
@db_option
@data_dir_option
@json_option
@one_line_errors
def eod_run(
    *,
    trading_date: datetime,
    out: Path,
    config_path: Path,
    database: str | None,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """End the trading date in the running venue (Day orders expire, the closes become the
    next reference prices, the venue moves to the next date), then write each clearing
    firm's files and the manifest. Run again, it changes nothing and writes the same bytes."""
    config, _directory, url = resolve(config_path, database, data_dir)
    answer = AdminClient(config).post("/eod", {"date": trading_date.date().isoformat()})
    engine = ledger_setup.open_for_reading(url)
    reader = LedgerReader(engine)
    try:
        day = reader.trading_day(ledger_trading_date(reader, trading_date))
        assert day is not None and day.closed, day
        files = ClearingFiles(
            {i.symbol: i for i in config.instruments}, config.account_clearing_firms()
        )
        written = files.write(DayBook(engine, day), out)
    except SQLAlchemyError as error:
        raise StartupError(f"cannot read the ledger: {error}") from None
    manifest = out / files.manifest_name(day.trading_date)
    if as_json:
        files_view = [{"name": f.name, "records": f.records} for f in written]
        click.echo(json.dumps(answer | {"manifest": str(manifest), "files": files_view}, indent=2))
        return
    if answer["ended_now"]:
        click.echo(
            f"trading date {day.trading_date} ended: {answer['expired']} Day orders expired; "
            f"the venue is now at {answer['current_trading_date']}"
        )
    else:
        click.echo(f"trading date {day.trading_date} had already ended; nothing posted")
    trades = sum(f.records for f in written if "/trades_" in f.name)
    click.echo(f"{len(written)} files ({trades} trade register rows) and {manifest} written")


@click.command("reconcile")
@date_option
@config_option
@db_option
@data_dir_option
@json_option
@one_line_errors
def reconcile_command(
    *,
    trading_date: datetime,
    config_path: Path,
    database: str | None,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """Check the trading date's tie-outs: fills against the trade register and the
    postings, positions and cash netting to zero, debits against credits. Exit 1 on any
    break."""
    _config, _directory, url = resolve(config_path, database, data_dir)
    engine = ledger_setup.open_for_reading(url)
    reader = LedgerReader(engine)
    try:
        day = reader.trading_day(ledger_trading_date(reader, trading_date))
        assert day is not None
        result = reconcile(DayBook(engine, day), reader.sent_through_event_id())
    except SQLAlchemyError as error:
        raise StartupError(f"cannot read the ledger: {error}") from None
    click.echo(json.dumps(result.as_json(), indent=2) if as_json else "\n".join(result.lines()))
    if not result.ok:
        sys.exit(1)
