"""Opening the ledger for the venue and its commands: one clear error when it cannot be used."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from fixvenue.app.config import VenueConfig
from fixvenue.ledger import migrate
from fixvenue.ledger.database import LedgerUnavailableError, open_engine, sqlite_url
from fixvenue.ledger.reader import initialise

DATABASE_URL_VARIABLE = "FIXVENUE_DATABASE_URL"


def database_url(option: str | None, data_dir: Path) -> str:
    return option or os.environ.get(DATABASE_URL_VARIABLE) or sqlite_url(data_dir)


def describe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def connect(url: str) -> Engine:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        message = f"cannot reach the ledger at {describe(url)}: {reason}"
        raise LedgerUnavailableError(message) from None
    return engine


def upgrade(engine: Engine, config: VenueConfig) -> None:
    migrate.upgrade(engine)
    initialise(
        engine,
        created_date=datetime.now(UTC).date().isoformat(),
        sessions=[session.target_comp_id for session in config.sessions],
    )


def open_for_serving(url: str, config: VenueConfig) -> Engine:
    """Connects; migrates an empty ledger; refuses one that needs `fixvenue db upgrade`."""
    engine = connect(url)
    if not migrate.is_empty(engine) and not migrate.is_current(engine):
        raise LedgerUnavailableError(
            f"the ledger at {describe(url)} has an older schema: run `fixvenue db upgrade` first"
        )
    upgrade(engine, config)  # also gives sessions new to the config their rows
    return engine


def open_for_reading(url: str) -> Engine:
    """Connects to a ledger the venue has written, for the post-trade commands."""
    engine = connect(url)
    if migrate.is_empty(engine):
        raise LedgerUnavailableError(f"the ledger at {describe(url)} holds no venue's records")
    if not migrate.is_current(engine):
        raise LedgerUnavailableError(
            f"the ledger at {describe(url)} has an older schema: run `fixvenue db upgrade` first"
        )
    return engine
