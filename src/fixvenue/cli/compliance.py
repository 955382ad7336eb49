"""`fixvenue dropcopy export` and `fixvenue audit trail`: compliance files from the ledger
(no running venue needed)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

import click
from sqlalchemy.exc import SQLAlchemyError

from fixvenue.app import ledger_setup
from fixvenue.app.venue import StartupError
from fixvenue.cli.options import (
    config_option,
    data_dir_option,
    date_option,
    db_option,
    ledger_trading_date,
    one_line_errors,
    resolve,
)
from fixvenue.compliance.dropcopy import DropCopyExport, ExportFormat
from fixvenue.compliance.trail import AuditTrail
from fixvenue.domain.values import SessionRole
from fixvenue.fix.outbound import Renderer
from fixvenue.ledger.reader import LedgerReader

out_option = click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The file to write (replaced whole, only once complete).",
)


@click.group("dropcopy")
def dropcopy_group() -> None:
    """Drop copy: the ExecutionReports of a trading date, for compliance."""


@dropcopy_group.command("export")
@date_option
@click.option("--firm", help="Only the reports of this firm's sessions.")
@click.option(
    "--format",
    "export_format",
    required=True,
    type=click.Choice([choice.value for choice in ExportFormat]),
    help="fix: a tag=value message per line, | for SOH; csv; jsonl: a JSON object per line.",
)
@out_option
@config_option
@db_option
@data_dir_option
@one_line_errors
def dropcopy_export(
    *,
    trading_date: datetime,
    firm: str | None,
    export_format: str,
    out: Path,
    config_path: Path,
    database: str | None,
    data_dir: Path | None,
) -> None:
    """Every ExecutionReport of the trading date (and firm), in the order sent."""
    config, _directory, url = resolve(config_path, database, data_dir)
    firms = {
        session.target_comp_id: session.firm
        for session in config.sessions
        if session.role is SessionRole.ORDER_ENTRY and session.firm is not None
    }
    if firm is not None and firm not in firms.values():
        raise StartupError(f"unknown firm {firm}")
    reader = LedgerReader(ledger_setup.open_for_reading(url))
    day = ledger_trading_date(reader, trading_date)
    export = DropCopyExport(
        comp_id=config.comp_id,
        renderer=Renderer({i.symbol: i for i in config.instruments}),
        firms=firms,
    )
    count = _write_whole(
        out,
        lambda handle: export.write(
            reader.execution_reports(day), handle, ExportFormat(export_format), firm
        ),
    )
    click.echo(f"{count} ExecutionReports of {day} written to {out}")


def _write_whole(path: Path, write: Callable[[TextIO], int]) -> int:
    """Writes through a file beside `path` and puts it in place only once complete, so
    that no reader ever sees half a file; whatever goes wrong, no partial file stays."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            count = write(handle)
        os.replace(partial, path)
    except OSError as error:
        raise StartupError(f"cannot write {path}: {error.strerror}") from None
    except SQLAlchemyError as error:
        raise StartupError(f"cannot read the ledger: {error}") from None
    except KeyError as error:
        # A symbol or session of the ledger that the configuration no longer has.
        raise StartupError(
            f"the configuration does not know {error}, which the ledger names: use the "
            "configuration the venue ran with"
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return count


@click.command("trail")
@date_option
@out_option
@config_option
@db_option
@data_dir_option
@one_line_errors
def audit_trail(
    *,
    trading_date: datetime,
    out: Path,
    config_path: Path,
    database: str | None,
    data_dir: Path | None,
) -> None:
    """The lifecycle of every order of the trading date, as JSON lines: each message in as
    received and each report out as sent, with their times, and the venue's own actions."""
    config, _directory, url = resolve(config_path, database, data_dir)
    reader = LedgerReader(ledger_setup.open_for_reading(url))
    day = ledger_trading_date(reader, trading_date)
    trail = AuditTrail(
        renderer=Renderer({i.symbol: i for i in config.instruments}),
        begin_strings={s.target_comp_id: s.begin_string for s in config.sessions},
    )
    count = _write_whole(out, lambda handle: trail.write(reader.command_records(day), handle))
    click.echo(f"{count} audit trail lines of {day} written to {out}")
