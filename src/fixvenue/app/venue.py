"""`fixvenue serve`: recover from the ledger, then run the acceptor and the pipeline."""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import TypeVar
from wsgiref.simple_server import WSGIServer

import quickfix
from prometheus_client import start_http_server

from fixvenue.admin.audit import AuditTrail
from fixvenue.admin.errors import AdminError
from fixvenue.admin.server import AdminServer, Sequencer
from fixvenue.admin.sessions import SessionDirectory
from fixvenue.app.config import MAIN_TOKEN_NAME, VenueConfig
from fixvenue.app.faults import FailPoints
from fixvenue.app.ledger_setup import describe, open_for_serving
from fixvenue.app.memory import freeze_startup_state, tune_garbage_collector
from fixvenue.app.pipeline import Pipeline
from fixvenue.core.trading import TradingCore
from fixvenue.domain.commands import CancelOnDisconnect, Command, ReceivedCommand
from fixvenue.domain.events import Event
from fixvenue.fix import store
from fixvenue.fix.application import VenueApplication
from fixvenue.fix.dispatch import Dispatcher
from fixvenue.fix.message_log import MaskingLogFactory
from fixvenue.fix.operator import SessionOperator
from fixvenue.fix.outbound import Renderer
from fixvenue.fix.sessions import SessionRegistry
from fixvenue.fix.settings import AcceptorSession, acceptor_settings, unreachable_addresses
from fixvenue.ledger import codec
from fixvenue.ledger.audit import AuditLog
from fixvenue.ledger.reader import LedgerReader
from fixvenue.ledger.writer import LedgerWriter
from fixvenue.metrics.venue import VenueMetrics

log = logging.getLogger(__name__)
T = TypeVar("T")

ADMIN_TIMEOUT_SECONDS = 10.0


class StartupError(Exception):
    """The venue cannot start; the message says why in one line."""


def clock_us() -> int:
    return time.time_ns() // 1_000


def recover(config: VenueConfig, reader: LedgerReader) -> TradingCore:
    """Rebuilds the trading state by replaying every committed command in order.

    Each replayed event must be the one the ledger holds: with another configuration
    (an account removed, a tick size changed) the same commands could quietly give other
    results, and acknowledged orders would vanish or change. The venue refuses to start.
    """
    core = TradingCore(
        instruments=config.instruments,
        sessions=config.session_profiles(),
        first_trading_date=reader.trading_dates()[0],
        self_trade_prevention=config.self_trade_prevention,
    )
    stored = reader.event_payloads()
    commands = 0
    for sequenced in reader.commands():
        commands += 1
        for event in core.apply(sequenced):
            if next(stored, None) != (event.event_id, *codec.encode(event)):
                raise StartupError(
                    f"replaying command {sequenced.sequence} gave another event "
                    f"{event.event_id} than the ledger holds: the configuration no longer "
                    "matches the ledger"
                )
    if next(stored, None) is not None:
        raise StartupError(
            "the ledger holds events its commands do not give: the "
            "configuration no longer matches the ledger"
        )
    log.info(
        "recovered %d commands, %d events, %d open orders",
        commands,
        core.identifiers.last_event_id,
        len(core.open_orders),
    )
    return core


def startup_commands(config: VenueConfig, core: TradingCore) -> list[Command]:
    """What the venue records before it takes the first FIX message: the configuration's
    risk limits where they differ from the ledger's, and cancel-on-disconnect for the
    sessions that had open Day orders when the venue stopped (no session is logged on
    now, whether the venue stopped cleanly or crashed)."""
    commands: list[Command] = []
    configuration = config.risk_configuration()
    if (core.risk.default_limits, core.risk.configured_limits) != (
        configuration.default,
        dict(configuration.accounts),
    ):
        commands.append(configuration)
    commands += [
        CancelOnDisconnect(session=session.target_comp_id, reason="the venue restarted")
        for session in config.sessions
        if session.cancel_on_disconnect and core.has_open_day_orders(session.target_comp_id)
    ]
    return commands


def serve(config: VenueConfig, url: str, data_dir: Path) -> None:
    store_dir, log_dir = _prepare_data_dir(data_dir)
    _check_port_free(config.fix.host, config.fix.port)
    _check_data_dictionaries(config)
    fail_points = FailPoints.from_environment()
    tune_garbage_collector()
    engine = open_for_serving(url, config)
    log.info("ledger %s", describe(url))
    reader = LedgerReader(engine)
    core = recover(config, reader)
    freeze_startup_state()
    instruments = {i.symbol: i for i in config.instruments}
    registry = SessionRegistry(config.comp_id, config.sessions)
    _apply_operator_settings(registry, core)
    metrics = VenueMetrics()
    dispatcher = Dispatcher(registry, Renderer(instruments))
    pipeline = Pipeline(
        core=core,
        writer=LedgerWriter(engine, instruments),
        deliver=dispatcher.send,
        clock_us=clock_us,
        fail_points=fail_points,
        sent_through_event_id=reader.last_event_id(),
        metrics=metrics,
    )
    application = VenueApplication(
        registry=registry,
        instruments=instruments,
        submit=pipeline.submit,
        submit_and_wait=pipeline.submit_and_wait,
        inbound_watermarks=reader.inbound_watermarks(),
        ledger_available=pipeline.ledger_available.is_set,
        note_refused=pipeline.note_refused,
    )
    settings_path = _write_acceptor_settings(config, data_dir, store_dir, log_dir)
    # QuickFIX keeps references to the settings and factories: they must outlive the
    # acceptor, so they are named here rather than passed as temporaries.
    settings = quickfix.SessionSettings(str(settings_path))
    store_factory = quickfix.FileStoreFactory(settings)
    log_factory = MaskingLogFactory(settings)
    # Creating the acceptor creates the sessions: onCreate sets their inbound numbers.
    acceptor = quickfix.ThreadedSocketAcceptor(application, store_factory, settings, log_factory)
    if application.creation_failures:
        raise StartupError(
            "cannot set the sessions' inbound sequence numbers from the ledger: "
            + "; ".join(application.creation_failures)
        )
    _resume_numbering_after_stored(registry, store_dir)
    unsent = reader.events_after(reader.sent_through_event_id())
    if unsent:
        resent = {
            event.event_id for event in dispatcher.redeliver([u.event for u in unsent], store_dir)
        }
        # Their send times, for the audit trail: the pipeline's first commit records them.
        pipeline.note_delivered(
            sorted({u.command_sequence for u in unsent if u.event.event_id in resent}),
            clock_us(),
        )
        log.info(
            "%d committed reports had not reached their sessions; %d sent with PossResend=Y",
            len(unsent),
            len(resent),
        )
    for command in startup_commands(config, core):
        pipeline.submit(ReceivedCommand(command=command, inbound_sequence_number=None))
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    # Both serve from here on; their requests wait in the inbound queue until the
    # sequencer starts.
    servers = [
        _admin_server(
            config,
            sequencer=_PipelineSequencer(pipeline),
            sessions=SessionOperator(registry, application, log_dir),
            audit=AuditLog(engine, clock_us),
        ),
        _metrics_server(config, metrics, pipeline, application),
    ]
    pipeline.start()
    try:
        acceptor.start()
    except Exception as error:
        raise StartupError(f"cannot start the FIX acceptor: {error}") from None
    log.info("fixvenue %s accepting FIX on %s:%d", config.comp_id, config.fix.host, config.fix.port)
    while not stop.wait(0.5):
        pass
    log.info("stopping: no new orders, flushing the ledger, logging sessions out")
    application.accepting = False
    for server in servers:  # the admin server waits for the requests in hand
        server.shutdown()
        server.server_close()
    pipeline.stop()
    acceptor.stop()
    del acceptor  # destroys the sessions while the factories they came from still exist
    log.info("stopped cleanly")


def _resume_numbering_after_stored(registry: SessionRegistry, store_dir: Path) -> None:
    """Numbers each session's next message after the last one QuickFIX stored, where a
    crash came between storing a message and counting it (see `store.last_stored_number`).
    The broker then gets that message by FIX recovery, or has it already, and no number
    names two messages."""
    for session in registry:
        stored = store.last_stored_number(
            store.body_file(
                store_dir, session.begin_string, registry.comp_id, session.target_comp_id
            )
        )
        fix = session.engine_session()
        if stored < fix.getExpectedSenderNum():
            continue
        fix.setNextSenderMsgSeqNum(stored + 1)
        session.next_sender_at_logoff = stored + 1
        log.info(
            "session %s: outbound message %d was stored but not counted when the venue "
            "stopped; numbering resumes at %d",
            session.target_comp_id,
            stored,
            stored + 1,
        )


def _apply_operator_settings(registry: SessionRegistry, core: TradingCore) -> None:
    """An operator's enable or disable of a session outlasts the configuration's."""
    for target, enabled in core.sessions_enabled.items():
        if target not in registry:
            continue
        if enabled != registry[target].enabled:
            log.warning(
                "session %s stays %s, as an operator set it, whatever the configuration says",
                target,
                "enabled" if enabled else "disabled",
            )
        registry[target].enabled = enabled


def _prepare_data_dir(data_dir: Path) -> tuple[Path, Path]:
    """The FIX store and log directories, made if need be."""
    store_dir, log_dir = data_dir / "fixstore", data_dir / "fixlog"
    for directory in (store_dir, log_dir):
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StartupError(f"cannot use the data dir {data_dir}: {error.strerror}") from None
    return store_dir, log_dir


def _write_acceptor_settings(
    config: VenueConfig, data_dir: Path, store_dir: Path, log_dir: Path
) -> Path:
    path = data_dir / "quickfix.cfg"
    sessions = [
        AcceptorSession(
            target_comp_id=s.target_comp_id,
            begin_string=s.begin_string,
            allowed_addresses=s.allowed_addresses,
        )
        for s in config.sessions
    ]
    for session in sessions:
        for address in unreachable_addresses(config.fix.host, session):
            log.warning(
                "session %s may not log on from %s: the venue listens on %s only",
                session.target_comp_id,
                address,
                config.fix.host,
            )
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


class _PipelineSequencer:
    """The admin endpoint's way to the trading state."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    def execute(self, command: Command) -> list[Event]:
        """The command's events, once committed, delivered, and recorded as delivered (so
        that whatever reads the ledger next, such as reconciliation, finds it so)."""
        if not self._pipeline.ledger_available.is_set():
            raise AdminError(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "the ledger cannot commit now: nothing was done; try again once it can",
            )
        deadline = time.monotonic() + ADMIN_TIMEOUT_SECONDS
        events = self._pipeline.submit_and_wait(
            ReceivedCommand(command=command, inbound_sequence_number=None),
            ADMIN_TIMEOUT_SECONDS,
        )
        if events and not self._pipeline.wait_until_recorded(
            events[-1].event_id, max(deadline - time.monotonic(), 0)
        ):
            events = None
        if events is None:
            raise AdminError(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "the venue did not confirm in time: the request may or may not have been "
                "applied; check before repeating it",
            )
        return events

    def query(self, read: Callable[[TradingCore], T]) -> T:
        try:
            return self._pipeline.query(read, ADMIN_TIMEOUT_SECONDS)
        except TimeoutError:
            raise AdminError(
                HTTPStatus.SERVICE_UNAVAILABLE, "the venue did not answer in time"
            ) from None


def admin_token(config: VenueConfig) -> str:
    """The admin token: FIXVENUE_ADMIN_TOKEN if set, else the configuration's."""
    return os.environ.get("FIXVENUE_ADMIN_TOKEN") or config.admin.token


def _metrics_server(
    config: VenueConfig, metrics: VenueMetrics, pipeline: Pipeline, application: VenueApplication
) -> WSGIServer:
    metrics.watch(
        sessions=lambda: {
            session.target_comp_id: session.target_comp_id in application.logged_on
            for session in config.sessions
        },
        inbound_depth=pipeline.inbound_depth,
        query=lambda read: pipeline.query(read, ADMIN_TIMEOUT_SECONDS),
    )
    endpoint = config.metrics
    try:
        server, _thread = start_http_server(
            endpoint.port, addr=endpoint.host, registry=metrics.registry
        )
    except OSError as error:
        raise StartupError(
            f"cannot serve metrics on {endpoint.host}:{endpoint.port}: {error.strerror}"
        ) from None
    return server


def admin_tokens(config: VenueConfig) -> dict[str, str]:
    """Every admin token the venue takes, by the name the audit log gives its holder."""
    tokens = dict(config.admin.named_tokens)
    main_token = admin_token(config)
    if main_token:
        if main_token in tokens.values():
            raise StartupError(
                "the admin token is also one of admin.tokens: the audit log could not tell "
                "their holders apart"
            )
        tokens[MAIN_TOKEN_NAME] = main_token
    if not tokens:
        raise StartupError("no admin token: set admin.token in the config or FIXVENUE_ADMIN_TOKEN")
    return tokens


def _admin_server(
    config: VenueConfig, *, sequencer: Sequencer, sessions: SessionDirectory, audit: AuditTrail
) -> AdminServer:
    endpoint = config.admin.endpoint
    tokens = admin_tokens(config)
    try:
        loopback = ipaddress.ip_address(socket.gethostbyname(endpoint.host)).is_loopback
    except (OSError, ValueError):
        loopback = False
    if not loopback:
        raise StartupError(f"the admin endpoint must listen on loopback, not {endpoint.host}")
    try:
        server = AdminServer(
            endpoint.host,
            endpoint.port,
            tokens=tokens,
            sequencer=sequencer,
            sessions=sessions,
            audit=audit,
        )
    except OSError as error:
        raise StartupError(
            f"cannot listen for admin requests on {endpoint.host}:{endpoint.port}: {error.strerror}"
        ) from None
    server.start()
    return server


def _check_data_dictionaries(config: VenueConfig) -> None:
    """Loads each dictionary once, so that a broken one is refused before anything starts."""
    for begin_string, path in config.data_dictionaries.items():
        try:
            quickfix.DataDictionary(str(path))
        except quickfix.ConfigError as error:
            raise StartupError(
                f"the {begin_string} data dictionary is not usable: {error}"
            ) from None


def _check_port_free(host: str, port: int) -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except OSError as error:
        raise StartupError(f"cannot listen for FIX on {host}:{port}: {error.strerror}") from None
    finally:
        probe.close()
