# Run with the project's virtualenv: .venv/bin/python scripts/baseline_acceptor.py --help
"""The ceiling of the venue's FIX stack: a bare QuickFIX acceptor, one report per order message.

It answers each NewOrderSingle(D) with one ExecutionReport New and each OrderCancelRequest(F)
with one ExecutionReport Cancelled, and does nothing else: no risk, no matching, no ledger.
It serves the FIX 4.4 order-entry sessions of a venue configuration on its FIX port, with
the settings the venue gives QuickFIX (file store with PersistMessages=Y, file log,
SocketNodelay=Y, inbound messages validated against the same data dictionary), and builds
each report as the venue does: one string that QuickFIX parses, not a call per field. Its
file log is QuickFIX's own, without the wrapper through which the venue masks passwords:
that wrapper is the venue's cost, not the stack's.
What scripts/loadtest.py measures against it in place-cancel mode is the most the venue
could reach on the machine; scripts/bench_e2e.py runs both in the same run and prints
the ratio.

Two options add, each on its own, one piece of what the venue must do, so that a benchmark
can show what that piece alone costs the stack:

  --drop-copies   each report also goes to the configuration's FIX 4.4 drop-copy sessions
                  whose scope takes in the order's session, as the venue sends its copies:
                  one message naming the session in OnBehalfOfCompID(115), sent to each.
                  Logged off, as in the benchmarks, QuickFIX stores every copy for FIX
                  recovery.
  --commit URL    each order message is inserted into a table of that PostgreSQL database,
                  one transaction committed (and flushed to disk) before its report is
                  sent: the least that "ack after commit" costs, with no group commit and no
                  hand-over between threads.

The crossing flow cannot run against it: the load tool sends the buy of a pair when the
sell's New arrives and counts both orders complete on their fills, so a pair needs three
reports for its two orders, not one per order.

  .venv/bin/python scripts/baseline_acceptor.py --config config/venue.toml \
      [--drop-copies] [--commit postgresql://127.0.0.1/test]
  .venv/bin/python scripts/loadtest.py throughput --flow place-cancel --orders 20000

It listens until SIGTERM or SIGINT, then stops its sessions and logs "stopped cleanly".
The FIX store and log go to --data-dir, by default a temporary directory removed on exit.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import quickfix

from fixvenue.app.config import ConfigError, VenueConfig, load
from fixvenue.domain.values import OrderStatus, SessionRole
from fixvenue.fix import tags
from fixvenue.fix.dialects import FIX44, ReportKind
from fixvenue.fix.sessions import SessionRegistry
from fixvenue.fix.settings import AcceptorSession, acceptor_settings
from fixvenue.fix.timestamps import format_utc_microseconds

log = logging.getLogger("baseline")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO / "config" / "venue.toml"
SOH = "\x01"

EXEC_TYPE_NEW = FIX44.exec_type(ReportKind.NEW, OrderStatus.NEW)
EXEC_TYPE_CANCELLED = FIX44.exec_type(ReportKind.CANCELLED, OrderStatus.CANCELLED)
STATUS_NEW = tags.ORDER_STATUS_CODES[OrderStatus.NEW]
STATUS_CANCELLED = tags.ORDER_STATUS_CODES[OrderStatus.CANCELLED]
# What a report repeats of its order, as the venue's reports do; the Cancelled report
# takes them from the New, since an OrderCancelRequest carries only some of them.
ORDER_TAGS = (
    tags.SYMBOL,
    tags.SIDE,
    tags.ORDER_QTY,
    tags.ORD_TYPE,
    tags.TIME_IN_FORCE,
    tags.ACCOUNT,
    tags.PRICE,
)


def parsed(text: str) -> dict[int, str]:
    """Header and body fields of a message without repeating groups: one toString and a
    split cost far less than a call across the binding per field."""
    fields = (field.split("=", 1) for field in text.split(SOH) if field)
    return {int(tag): value for tag, value in fields}


def report(
    begin_string: str, fields: list[tuple[int, str]], on_behalf_of: str | None = None
) -> quickfix.Message:
    """An ExecutionReport (a drop copy: naming `on_behalf_of`); QuickFIX fills in the rest
    of the header, BodyLength and CheckSum when it sends it."""
    header = "" if on_behalf_of is None else f"{tags.ON_BEHALF_OF_COMP_ID}={on_behalf_of}{SOH}"
    body = SOH.join(f"{tag}={value}" for tag, value in fields)
    return quickfix.Message(
        f"{tags.BEGIN_STRING}={begin_string}{SOH}9=0{SOH}"
        f"{tags.MSG_TYPE}={tags.MSG_EXECUTION_REPORT}{SOH}{header}{body}{SOH}10=000{SOH}",
        False,
    )


class Ledger:
    """The least a durable record of each order message costs: one row, one transaction
    committed before the answer (PostgreSQL flushes its log to disk on every commit)."""

    def __init__(self, url: str) -> None:
        # The form `fixvenue serve --db` takes names SQLAlchemy's driver; psycopg's own
        # URLs are the plain ones.
        conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self._connection = psycopg.connect(conninfo, autocommit=True)
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS baseline_messages "
            "(id bigserial PRIMARY KEY, message text NOT NULL)"
        )

    def commit(self, message: str) -> None:
        self._connection.execute("INSERT INTO baseline_messages (message) VALUES (%s)", (message,))

    def close(self) -> None:
        self._connection.close()


def transact_time() -> str:
    return format_utc_microseconds(time.time_ns() // 1_000)


class BaselineApplication(quickfix.Application):  # type: ignore[misc]
    """Answers D and F; QuickFIX's binding ends the process when an exception escapes a
    callback, so none does but the UnsupportedMessageType QuickFIX answers itself."""

    def __init__(self, registry: SessionRegistry | None, ledger: Ledger | None) -> None:
        super().__init__()
        # Where to send drop copies, if it does; where to commit, if it does.
        self._registry = registry
        self._ledger = ledger
        # Safe from every session's thread: next() on a count holds the GIL throughout.
        self._numbers = itertools.count(1)
        # Per OrderID, the order's fields its New report carried, until it is cancelled.
        self._open_orders: dict[str, list[tuple[int, str]]] = {}

    def onCreate(self, session_id: quickfix.SessionID) -> None:  # noqa: N802
        pass

    def onLogon(self, session_id: quickfix.SessionID) -> None:  # noqa: N802
        log.info("session %s logged on", session_id)

    def onLogout(self, session_id: quickfix.SessionID) -> None:  # noqa: N802
        log.info("session %s logged out", session_id)

    def toAdmin(self, message: quickfix.Message, session_id: quickfix.SessionID) -> None:  # noqa: N802
        pass

    def fromAdmin(self, message: quickfix.Message, session_id: quickfix.SessionID) -> None:  # noqa: N802
        pass

    def toApp(self, message: quickfix.Message, session_id: quickfix.SessionID) -> None:  # noqa: N802
        pass

    def fromApp(self, message: quickfix.Message, session_id: quickfix.SessionID) -> None:  # noqa: N802
        answered = True
        try:
            answered = self._answer(message, session_id)
        except Exception:
            log.exception("could not answer %s", message.toString().replace(SOH, "|"))
        if not answered:
            raise quickfix.UnsupportedMessageType()

    def _answer(self, message: quickfix.Message, session_id: quickfix.SessionID) -> bool:
        """Sends the message's one report; False for a message that is neither D nor F."""
        text = message.toString()
        fields = parsed(text)
        msg_type = fields[tags.MSG_TYPE]
        if msg_type == tags.MSG_NEW_ORDER_SINGLE:
            answer = self._new(fields)
        elif msg_type == tags.MSG_ORDER_CANCEL_REQUEST:
            answer = self._cancelled(fields)
        else:
            return False
        if self._ledger is not None:
            self._ledger.commit(text)
        begin_string = fields[tags.BEGIN_STRING]
        quickfix.Session.sendToTarget(report(begin_string, answer), session_id)
        if self._registry is not None:
            origin = self._registry[fields[tags.SENDER_COMP_ID]]
            drop_copies = self._registry.drop_copies_of(origin)
            if drop_copies:
                copy = report(begin_string, answer, on_behalf_of=origin.target_comp_id)
                for drop_copy in drop_copies:
                    quickfix.Session.sendToTarget(copy, drop_copy.quickfix_id)
        return True

    def _new(self, fields: dict[int, str]) -> list[tuple[int, str]]:
        number = next(self._numbers)
        order_id = f"O{number}"
        order = [(tag, fields[tag]) for tag in ORDER_TAGS if tag in fields]
        self._open_orders[order_id] = order
        return [
            (tags.EXEC_ID, str(number)),
            (tags.EXEC_TYPE, EXEC_TYPE_NEW),
            (tags.ORDER_ID, order_id),
            (tags.CL_ORD_ID, fields[tags.CL_ORD_ID]),
            (tags.ORD_STATUS, STATUS_NEW),
            *order,
            (tags.CUM_QTY, "0"),
            (tags.LEAVES_QTY, fields.get(tags.ORDER_QTY, "0")),
            (tags.AVG_PX, "0"),
            (tags.TRANSACT_TIME, transact_time()),
        ]

    def _cancelled(self, fields: dict[int, str]) -> list[tuple[int, str]]:
        order_id = fields.get(tags.ORDER_ID, "NONE")
        order = self._open_orders.pop(order_id, None)
        if order is None:  # not one of ours: what the request names is all there is
            order = [(tag, fields[tag]) for tag in ORDER_TAGS if tag in fields]
        return [
            (tags.EXEC_ID, str(next(self._numbers))),
            (tags.EXEC_TYPE, EXEC_TYPE_CANCELLED),
            (tags.ORDER_ID, order_id),
            (tags.CL_ORD_ID, fields[tags.CL_ORD_ID]),
            (tags.ORIG_CL_ORD_ID, fields[tags.ORIG_CL_ORD_ID]),
            (tags.ORD_STATUS, STATUS_CANCELLED),
            *order,
            (tags.CUM_QTY, "0"),
            (tags.LEAVES_QTY, "0"),
            (tags.AVG_PX, "0"),
            (tags.TRANSACT_TIME, transact_time()),
        ]


def write_settings(config: VenueConfig, data_dir: Path, *, drop_copies: bool) -> Path:
    """The venue's QuickFIX settings for the configuration's FIX 4.4 order-entry sessions
    (and its FIX 4.4 drop-copy sessions if `drop_copies`), store and log under
    `data_dir`."""
    roles = (
        {SessionRole.ORDER_ENTRY, SessionRole.DROP_COPY}
        if drop_copies
        else {SessionRole.ORDER_ENTRY}
    )
    store_dir, log_dir = data_dir / "fixstore", data_dir / "fixlog"
    for directory in (store_dir, log_dir):
        directory.mkdir(parents=True, exist_ok=True)
    sessions = [
        AcceptorSession(target_comp_id=session.target_comp_id, begin_string=session.begin_string)
        for session in config.sessions
        if session.role in roles and session.begin_string == FIX44.begin_string
    ]
    path = data_dir / "quickfix.cfg"
    path.write_text(
        acceptor_settings(
            comp_id=config.comp_id,
            host=config.fix.host,
            port=config.fix.port,
            data_dictionaries=config.data_dictionaries,
            store_dir=store_dir,
            log_dir=log_dir,
            sessions=sessions,
        )
    )
    return path


def serve(config: VenueConfig, data_dir: Path, *, drop_copies: bool, ledger: Ledger | None) -> None:
    """Answers orders until SIGTERM or SIGINT."""
    settings_path = write_settings(config, data_dir, drop_copies=drop_copies)
    # QuickFIX keeps references to the settings and factories: they must outlive the
    # acceptor, so they are named here rather than passed as temporaries.
    settings = quickfix.SessionSettings(str(settings_path))
    store_factory = quickfix.FileStoreFactory(settings)
    log_factory = quickfix.FileLogFactory(settings)
    fix44 = [session for session in config.sessions if session.begin_string == FIX44.begin_string]
    registry = SessionRegistry(config.comp_id, fix44) if drop_copies else None
    application = BaselineApplication(registry, ledger)
    acceptor = quickfix.ThreadedSocketAcceptor(application, store_factory, settings, log_factory)
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    acceptor.start()
    log.info("baseline %s accepting FIX on %s:%d", config.comp_id, config.fix.host, config.fix.port)
    while not stop.wait(0.5):
        pass
    acceptor.stop()
    del acceptor  # destroys the sessions while the factories they came from still exist
    log.info("stopped cleanly")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help="venue configuration: CompID, FIX host and port, sessions, data dictionaries",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="FIX store and log (default: a temporary directory, removed on exit)",
    )
    parser.add_argument(
        "--drop-copies",
        action="store_true",
        help="also send each report to the configuration's drop-copy sessions, as the venue does",
    )
    parser.add_argument(
        "--commit",
        metavar="URL",
        help="PostgreSQL database (postgresql://... or postgresql+psycopg://..., as "
        "`fixvenue serve --db` takes it) into which each order message is committed before "
        "its report is sent",
    )
    return parser.parse_args()


def main() -> int:
    arguments = parse_arguments()
    # The venue's log format, so that scripts/bench_e2e.py checks both logs alike.
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = load(arguments.config)
    except ConfigError as error:
        log.error("%s", error)
        return 2
    try:
        ledger = None if arguments.commit is None else Ledger(arguments.commit)
    except psycopg.Error as error:
        log.error("cannot use the database %s: %s", arguments.commit, error)
        return 2
    data_dir = arguments.data_dir or Path(tempfile.mkdtemp(prefix="fixvenue-baseline-"))
    try:
        serve(config, data_dir, drop_copies=arguments.drop_copies, ledger=ledger)
    finally:
        if ledger is not None:
            ledger.close()
        if arguments.data_dir is None:
            shutil.rmtree(data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
