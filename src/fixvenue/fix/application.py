"""The QuickFIX application: translate, hand over, never block on the database.

QuickFIX's Python binding ends the process when an exception escapes a callback, so every
callback catches everything; only the exceptions QuickFIX itself understands
(UnsupportedMessageType, RejectLogon) are raised on purpose.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping

import quickfix

from fixvenue.domain.commands import (
    CancelAllOrders,
    CancelOnDisconnect,
    CancelOrder,
    Command,
    PlaceOrder,
    ReceivedCommand,
    ReplaceOrder,
    ResetSessionSequence,
)
from fixvenue.domain.values import Instrument, SessionRole
from fixvenue.fix import inbound, tags
from fixvenue.fix.credentials import Credentials
from fixvenue.fix.sessions import SessionRegistry

log = logging.getLogger(__name__)

SOH = "\x01"

RESET_COMMIT_TIMEOUT_SECONDS = 5.0
# An order message is a few hundred bytes; a larger one is refused whole. QuickFIX reads a
# message of any size before the venue sees it, so this bounds what is processed, not what
# is received.
MESSAGE_BYTES_MAX = 4096
LEDGER_UNAVAILABLE_TEXT = (
    "the venue cannot record orders now (its ledger is unavailable): nothing was done, "
    "send it again later"
)


def field_reader(text: str) -> inbound.FieldReader:
    """Header and body fields of a message (as text) without repeating groups.

    One toString and a split in Python cost far less than a SWIG call per field.
    """
    fields = dict(field.split("=", 1) for field in text.split(SOH) if field)

    def read(tag: int) -> str | None:
        return fields.get(str(tag))

    return read


def _valid_utf8(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _admitted(credentials: Credentials, logon: quickfix.Message) -> bool:
    read = field_reader(logon.toString())
    return credentials.admit(read(tags.USERNAME), read(tags.PASSWORD))


class VenueApplication(quickfix.Application):  # type: ignore[misc]
    def __init__(
        self,
        *,
        registry: SessionRegistry,
        instruments: Mapping[str, Instrument],
        submit: Callable[[ReceivedCommand], None],
        submit_and_wait: Callable[[ReceivedCommand, float], object | None],
        inbound_watermarks: Mapping[str, int],
        ledger_available: Callable[[], bool],
        note_refused: Callable[[str, int], None],
    ) -> None:
        super().__init__()
        self._registry = registry
        self._instruments = instruments
        self._submit = submit
        self._submit_and_wait = submit_and_wait
        # While the ledger cannot commit, order messages are refused here, and the refused
        # numbers noted, so that recovery does not ask for them again.
        self._ledger_available = ledger_available
        self._note_refused = note_refused
        self._watermarks = inbound_watermarks
        self.accepting = True
        self.creation_failures: list[str] = []
        self.logged_on: set[str] = set()
        # Per TargetCompID: when the last message from it arrived (UTC microseconds).
        self.last_received_us: dict[str, int] = {}

    # -- session events ---------------------------------------------------------------

    def onCreate(self, session_id: quickfix.SessionID) -> None:  # noqa: N802
        try:
            target = session_id.getTargetCompID().getString()
            # The ledger, not QuickFIX's store, knows which inbound messages were committed:
            # expect the one after, so FIX recovery re-delivers anything not yet committed.
            expected = self._watermarks.get(target, 0) + 1
            fix = quickfix.Session.lookupSession(session_id)
            fix.setNextTargetMsgSeqNum(expected)
            self._registry[target].next_sender_at_logoff = fix.getExpectedSenderNum()
            log.info("session %s created, expecting inbound MsgSeqNum %d", target, expected)
        except Exception as error:
            # Running on QuickFIX's own numbering could skip messages never committed.
            self.creation_failures.append(f"{session_id}: {error}")

    def onLogon(self, session_id: quickfix.SessionID) -> None:  # noqa: N802
        try:
            target = session_id.getTargetCompID().getString()
            self.logged_on.add(target)
            log.info("session %s logged on", target)
        except Exception:
            log.exception("onLogon failed for %s", session_id)

    def onLogout(self, session_id: quickfix.SessionID) -> None:  # noqa: N802
        try:
            session = self._registry.of(session_id)
            target = session.target_comp_id
            self.logged_on.discard(target)
            log.info("session %s logged out", target)
            fix = quickfix.Session.lookupSession(session_id)
            session.next_sender_at_logoff = fix.getExpectedSenderNum()
            if self.accepting:
                # After an operator's logout QuickFIX would refuse every logon without a
                # word; the venue decides itself whom it refuses, with a reason (fromAdmin).
                fix.logon()
            # QuickFIX calls this for a Logout and for a connection lost alike. While the
            # venue stops, the command could not be recorded: the restart does it instead.
            if session.cancel_on_disconnect and self.accepting:
                self._submit(
                    ReceivedCommand(
                        command=CancelOnDisconnect(
                            session=target, reason=f"session {target} logged out or disconnected"
                        ),
                        inbound_sequence_number=None,
                    )
                )
        except Exception:
            log.exception("onLogout failed for %s", session_id)

    def toAdmin(self, message: quickfix.Message, session_id: quickfix.SessionID) -> None:  # noqa: N802
        pass

    def toApp(self, message: quickfix.Message, session_id: quickfix.SessionID) -> None:  # noqa: N802
        pass

    def fromAdmin(self, message: quickfix.Message, session_id: quickfix.SessionID) -> None:  # noqa: N802
        reject: str | None = None
        try:
            session = self._registry.of(session_id)
            target = session.target_comp_id
            self.last_received_us[target] = time.time_ns() // 1_000
            header = message.getHeader()
            if header.getField(tags.MSG_TYPE) != tags.MSG_LOGON:
                return
            with session.logon_gate:
                if not session.enabled:
                    reject = f"session {target} is disabled by the venue operator"
                elif session.credentials is not None and not _admitted(
                    session.credentials, message
                ):
                    reject = "wrong Username(553) or Password(554)"
                elif (
                    message.isSetField(tags.RESET_SEQ_NUM_FLAG)
                    and message.getField(tags.RESET_SEQ_NUM_FLAG) == "Y"
                ):
                    reject = self._record_reset(target, int(header.getField(tags.MSG_SEQ_NUM)))
        except Exception:
            log.exception("fromAdmin failed for %s", session_id)
            reject = "the venue could not process the logon"
        if reject is not None:
            log.warning("logon refused: %s", reject)
            raise quickfix.RejectLogon(reject)

    def _record_reset(self, target: str, sequence_number: int) -> str | None:
        """Commits the reset before the Logon is answered, so a crash cannot forget a reset
        the broker saw acknowledged. Returns why the logon is refused, if it is."""
        if not self.accepting:
            return "the venue is stopping: log on again after it restarts"
        reset = ReceivedCommand(
            command=ResetSessionSequence(session=target), inbound_sequence_number=sequence_number
        )
        if self._submit_and_wait(reset, RESET_COMMIT_TIMEOUT_SECONDS) is None:
            return "the venue could not record the sequence reset in time: log on again"
        return None

    # -- application messages ---------------------------------------------------------

    def fromApp(self, message: quickfix.Message, session_id: quickfix.SessionID) -> None:  # noqa: N802
        received_ns = time.monotonic_ns()
        unsupported = False
        try:
            unsupported = not self._receive(message, session_id, received_ns)
        except Exception:
            log.exception(
                "could not take in a message from %s: %s",
                session_id,
                message.toString().replace("\x01", "|"),
            )
        if unsupported:
            raise quickfix.UnsupportedMessageType()

    def _receive(
        self, message: quickfix.Message, session_id: quickfix.SessionID, received_ns: int
    ) -> bool:
        """Hands the message over; False where the venue does not support its type."""
        session = self._registry.of(session_id)
        received_us = time.time_ns() // 1_000
        self.last_received_us[session.target_comp_id] = received_us
        text = message.toString()
        read = field_reader(text)
        msg_type = read(tags.MSG_TYPE)
        if not self.accepting:
            # Stopping: not committed, so after restart FIX recovery asks for it again.
            log.info("stopping: %s from %s left for redelivery", msg_type, session.target_comp_id)
            return True
        if session.role is SessionRole.DROP_COPY:
            self._business_reject(
                message,
                session_id,
                tags.BUSINESS_REJECT_NOT_AUTHORIZED,
                "a drop-copy session may not send orders",
            )
            return True
        if msg_type not in session.dialect.order_messages:
            return False
        sequence_number = read(tags.MSG_SEQ_NUM)
        assert sequence_number is not None, "QuickFIX delivers only sequenced messages"
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogateescape"))
        refusal = None
        if size > MESSAGE_BYTES_MAX:
            refusal = (
                f"message of {size:,} bytes: the venue takes at most "
                f"{MESSAGE_BYTES_MAX:,}; nothing was done"
            )
        elif not _valid_utf8(text):
            # QuickFIX hands bytes that are not UTF-8 over as lone surrogates, which no
            # ledger can store: such a message is refused here, not halfway down the line.
            refusal = "message is not valid UTF-8: nothing was done"
        if refusal is not None:
            # Refused before anything is read from it; asked for again after a restart, it
            # is refused again, so nothing needs recording.
            client_order_id = read(tags.CL_ORD_ID)
            self._business_reject(
                message,
                session_id,
                tags.BUSINESS_REJECT_OTHER,
                refusal,
                reference=client_order_id
                if client_order_id and len(client_order_id) <= 64 and _valid_utf8(client_order_id)
                else None,
            )
            return True
        if not self._ledger_available():
            self._business_reject(
                message,
                session_id,
                tags.BUSINESS_REJECT_APPLICATION_NOT_AVAILABLE,
                LEDGER_UNAVAILABLE_TEXT,
                reference=read(tags.CL_ORD_ID),
            )
            self._note_refused(session.target_comp_id, int(sequence_number))
            return True
        possible_resend = "Y" in (read(tags.POSS_DUP_FLAG), read(tags.POSS_RESEND))
        target = session.target_comp_id
        throttled = (
            None
            if session.throttle.admit(received_ns / 1e9)
            else f"message throttle: more than {session.throttle.limit} application messages "
            f"in one second on session {target}"
        )
        if msg_type == tags.MSG_NEW_ORDER_SINGLE:
            command: Command = inbound.new_order(target, read, self._instruments, possible_resend)
        elif msg_type == tags.MSG_ORDER_CANCEL_REQUEST:
            command = inbound.cancel_order(target, read, possible_resend)
        elif msg_type == tags.MSG_ORDER_CANCEL_REPLACE_REQUEST:
            command = inbound.replace_order(target, read, self._instruments, possible_resend)
        elif msg_type == tags.MSG_ORDER_MASS_CANCEL_REQUEST:
            command = inbound.mass_cancel(target, read, possible_resend)
        else:
            assert msg_type == tags.MSG_ORDER_STATUS_REQUEST, msg_type
            command = inbound.order_status_request(target, read)
        if throttled is not None and isinstance(
            command, PlaceOrder | CancelOrder | ReplaceOrder | CancelAllOrders
        ):
            # Recorded and rejected by the core like any refused request; a status request
            # counts towards the rate but is always answered.
            command = dataclasses.replace(command, throttled=throttled)
        self._submit(
            ReceivedCommand(
                command=command,
                inbound_sequence_number=int(sequence_number),
                received_ns=received_ns,
                message=text,
                received_us=received_us,
            )
        )
        return True

    @staticmethod
    def _business_reject(
        message: quickfix.Message,
        session_id: quickfix.SessionID,
        reason: str,
        text: str,
        reference: str | None = None,
    ) -> None:
        """BusinessMessageReject(j) of the message; `reference`: its ClOrdID, if any, as
        BusinessRejectRefID(379)."""
        header = message.getHeader()
        reply = quickfix.Message()
        reply.getHeader().setField(quickfix.MsgType(tags.MSG_BUSINESS_MESSAGE_REJECT))
        reply.setField(quickfix.StringField(tags.REF_SEQ_NUM, header.getField(tags.MSG_SEQ_NUM)))
        reply.setField(quickfix.StringField(tags.REF_MSG_TYPE, header.getField(tags.MSG_TYPE)))
        if reference:
            reply.setField(quickfix.StringField(tags.BUSINESS_REJECT_REF_ID, reference))
        reply.setField(quickfix.StringField(tags.BUSINESS_REJECT_REASON, reason))
        reply.setField(quickfix.StringField(tags.TEXT, text))
        quickfix.Session.sendToTarget(reply, session_id)
