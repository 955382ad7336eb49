"""While the ledger cannot commit (CONTRACT §6): nothing unrecorded is acknowledged, order
messages get BusinessMessageReject 380=4 and change nothing, sessions stay up, and the
venue recovers by itself when the database takes connections again."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, select

from fixvenue.ledger.schema import commands
from tests.support.fix_client import FixClient
from tests.support.venue import Venue

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """PostgreSQL only: an outage is a database that refuses connections."""
    return postgres_url


def _connections(server: str, database: str, *, allowed: bool) -> None:
    """Lets the database take connections, or refuses them and ends the open ones."""
    with psycopg.connect(server, autocommit=True) as connection:
        flag = "true" if allowed else "false"
        connection.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {flag}')
        if not allowed:
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )


def _wait_for_log(venue: Venue, text: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in venue.log():
        assert time.monotonic() < deadline, f"no {text!r} in the venue log"
        time.sleep(0.05)


def test_while_the_ledger_cannot_commit_orders_are_refused_and_nothing_is_lost(
    venue: Venue, postgres_server: str, tmp_path: Path
) -> None:
    database = venue.database_url.rsplit("/", 1)[1]
    client = FixClient(sender="BROKER1", port=venue.port, work_dir=tmp_path).start()
    try:
        client.report(client.new_order(account="BRK1-A", price="99.00"), "0")
        time.sleep(0.5)  # the writer has recorded that delivery: nothing left to commit
        _connections(postgres_server, database, allowed=False)

        # In flight when the venue finds the ledger gone: held, and not acknowledged.
        held = client.new_order(account="BRK1-A", price="98.00")
        _wait_for_log(venue, "the ledger cannot commit")
        with pytest.raises(AssertionError, match="no ExecutionReport"):
            client.report(held, "0", timeout=1.0)

        # Found gone: refused at once, and the session stays up.
        refused = client.new_order(account="BRK1-A", price="97.00")
        reject = client.expect(lambda m: m.msg_type == "j" and m.get(379) == refused)
        assert (reject.get(380), reject.get(372)) == ("4", "D")
        assert "nothing was done" in (reject.get(58) or "")
        cancel = client.cancel(held)
        assert client.expect(lambda m: m.msg_type == "j" and m.get(379) == cancel).get(380) == "4"
        assert client.logged_on.is_set()

        # Back: the held order is committed, then acknowledged; new orders are taken.
        _connections(postgres_server, database, allowed=True)
        client.report(held, "0", timeout=15.0)
        _wait_for_log(venue, "the ledger commits again")
        client.report(client.new_order(account="BRK1-A", price="96.00"), "0")

        # The refused messages were never taken in, and a restart does not ask for them.
        assert venue.stop() == 0
        venue.start()
        client.wait_logon()
        client.report(client.new_order(account="BRK1-A", price="95.00"), "0")
        answered = {m.get(11) for m in client.settle() if m.msg_type == "8"}
        assert refused not in answered and cancel not in answered
    finally:
        client.stop()
    engine = create_engine(venue.database_url)
    try:
        with engine.connect() as connection:
            recorded = connection.execute(select(commands.c.kind, commands.c.message)).all()
    finally:
        engine.dispose()
    assert not [m for _, m in recorded if m and (f"11={refused}\x01" in m)]
    assert ("MessagesRefused", None) in recorded
