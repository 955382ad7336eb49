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

The crossing flow cannot run against it: the load tool sends the buy of a pair when the
sell's New arrives and counts both orders complete on their fills, so a pair needs three
reports for its two orders, not one per order.

  .venv/bin/python scripts/baseline_acceptor.py --config config/venue.toml
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

import quickfix

from fixvenue.app.config import ConfigError, VenueConfig, load
from fixvenue.domain.values import OrderStatus, SessionRole
from fixvenue.fix import tags
from fixvenue.fix.dialects import FIX44, ReportKind
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


def report(begin_string: str, fields: list[tuple[int, str]]) -> quickfix.Message:
    """An ExecutionReport; QuickFIX fills in the rest of the header, BodyLength and
    CheckSum when it sends it."""
    body = SOH.join(f"{tag}={value}" for tag, value in fields)
    return quickfix.Message(
        f"{tags.BEGIN_STRING}={begin_string}{SOH}9=0{SOH}"
        f"{tags.MSG_TYPE}={tags.MSG_EXECUTION_REPORT}{SOH}{body}{SOH}10=000{SOH}",
        False,
    )


def transact_time() -> str:
    return format_utc_microseconds(time.time_ns() // 1_000)


class BaselineApplication(quickfix.Application):  # type: ignore[misc]
    """Answers D and F; QuickFIX's binding ends the process when an exception escapes a
    callback, so none does but the UnsupportedMessageType QuickFIX answers itself."""

    def __init__(self) -> None:
        super().__init__()
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
        fields = parsed(message.toString())
        msg_type = fields[tags.MSG_TYPE]
        if msg_type == tags.MSG_NEW_ORDER_SINGLE:
            answer = self._new(fields)
        elif msg_type == tags.MSG_ORDER_CANCEL_REQUEST:
            answer = self._cancelled(fields)
        else:
            return False
        quickfix.Session.sendToTarget(report(fields[tags.BEGIN_STRING], answer), session_id)
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


def write_settings(config: VenueConfig, data_dir: Path) -> Path:
    """The venue's QuickFIX settings for the configuration's FIX 4.4 order-entry sessions,
    store and log under `data_dir`."""
    store_dir, log_dir = data_dir / "fixstore", data_dir / "fixlog"
    for directory in (store_dir, log_dir):
        directory.mkdir(parents=True, exist_ok=True)
    sessions = [
        AcceptorSession(target_comp_id=session.target_comp_id, begin_string=session.begin_string)
        for session in config.sessions
        if session.role is SessionRole.ORDER_ENTRY and session.begin_string == FIX44.begin_string
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


def serve(config: VenueConfig, data_dir: Path) -> None:
    """Answers orders until SIGTERM or SIGINT."""
    settings_path = write_settings(config, data_dir)
    # QuickFIX keeps references to the settings and factories: they must outlive the
    # acceptor, so they are named here rather than passed as temporaries.
    settings = quickfix.SessionSettings(str(settings_path))
    store_factory = quickfix.FileStoreFactory(settings)
    log_factory = quickfix.FileLogFactory(settings)
    application = BaselineApplication()
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
    data_dir = arguments.data_dir or Path(tempfile.mkdtemp(prefix="fixvenue-baseline-"))
    try:
        serve(config, data_dir)
    finally:
        if arguments.data_dir is None:
            shutil.rmtree(data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
