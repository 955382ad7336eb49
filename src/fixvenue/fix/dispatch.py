"""Hands committed events to their FIX sessions."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import quickfix

from fixvenue.domain.events import Event, SessionControlled, event_session
from fixvenue.domain.values import SessionAction
from fixvenue.fix import store, tags
from fixvenue.fix.outbound import OutboundMessage, Renderer
from fixvenue.fix.sessions import FixSession, SessionRegistry

SOH = "\x01"


class Dispatcher:
    def __init__(self, registry: SessionRegistry, renderer: Renderer) -> None:
        self._registry = registry
        self._renderer = renderer

    def send(self, event: Event) -> None:
        """Sends one committed event. QuickFIX stores it first, so a session that is logged
        off gets it through FIX recovery at its next logon. An operator's session action is
        carried out here, in its place among the reports."""
        if isinstance(event, SessionControlled):
            self._carry_out(event)
            return
        target = event_session(event)
        if target is None:
            return  # a venue-wide event (a trading halt) has no order-entry session to tell
        session = self._registry[target]
        rendered = self._renderer.render(event, session.dialect)
        self._send(session, rendered, possible_resend=False)
        # The copies for drop-copy sessions of one FIX version are one message: parsed
        # once, and each send gives it its receiver's header.
        parsed: dict[int, quickfix.Message] = {}
        for drop_copy, copy in self._copies(event, session, rendered):
            message = parsed.get(id(copy))
            if message is None:
                message = parsed[id(copy)] = _message(drop_copy.begin_string, copy, False)
            quickfix.Session.sendToTarget(message, drop_copy.quickfix_id)

    def _copies(
        self, event: Event, origin: FixSession, rendered: OutboundMessage
    ) -> list[tuple[FixSession, OutboundMessage]]:
        """The drop copies of an ExecutionReport: the same report rendered in the drop-copy
        session's FIX version, naming the session it went to in OnBehalfOfCompID(115)."""
        drop_copies = self._registry.drop_copies_of(origin)
        if not drop_copies or rendered.msg_type != tags.MSG_EXECUTION_REPORT:
            return []
        copies: dict[str, OutboundMessage] = {}
        for drop_copy in drop_copies:
            dialect = drop_copy.dialect
            if dialect.begin_string not in copies:
                again = (
                    rendered if dialect is origin.dialect else self._renderer.render(event, dialect)
                )
                copies[dialect.begin_string] = OutboundMessage(
                    again.msg_type,
                    again.fields,
                    header=[(tags.ON_BEHALF_OF_COMP_ID, origin.target_comp_id)],
                )
        return [(copy, copies[copy.dialect.begin_string]) for copy in drop_copies]

    def _carry_out(self, event: SessionControlled) -> None:
        if event.session not in self._registry:
            return  # recorded for a session the configuration has since dropped
        session = self._registry[event.session]
        fix = session.engine_session()
        if event.action is SessionAction.ENABLE:
            session.enabled = True
        elif event.action is SessionAction.DISABLE:
            session.enabled = False  # from now on its logons are refused with the reason
            _log_out(fix, event.reason)
        elif event.action is SessionAction.LOGOUT:
            _log_out(fix, event.reason)
        else:
            assert event.action is SessionAction.RESET_SEQUENCE, event
            # Both numbers back to 1 and the stored messages dropped: a resend request can
            # no longer reach anything from before.
            fix.reset()
            session.next_sender_at_logoff = 1

    def redeliver(self, events: Iterable[Event], store_dir: Path) -> list[Event]:
        """After a crash: sends, with PossResend=Y, the committed events (and their drop
        copies) that never reached QuickFIX's store. Returns the events it sent."""
        sent: dict[str, set[tuple[str, str]]] = {}
        resent: list[Event] = []
        for event in events:
            if isinstance(event, SessionControlled):
                # Recorded, then the venue stopped: a sequence reset may not have happened.
                # Done again it changes nothing; a logout or a disable has nobody to log out.
                self._carry_out(event)
                continue
            target = event_session(event)
            if target is None:
                continue
            session = self._registry[target]
            # Rendered as it was the first time, in the session's dialect (and its copies in
            # theirs), so that its identity is the one the store holds if it was sent.
            rendered = self._renderer.render(event, session.dialect)
            for receiver, message in [
                (session, rendered),
                *self._copies(event, session, rendered),
            ]:
                if receiver.target_comp_id not in sent:
                    sent[receiver.target_comp_id] = store.sent_identities(
                        store.body_file(
                            store_dir,
                            receiver.begin_string,
                            self._registry.comp_id,
                            receiver.target_comp_id,
                        )
                    )
                if (
                    store.identity(message.msg_type, message.fields)
                    in sent[receiver.target_comp_id]
                ):
                    continue
                self._send(receiver, message, possible_resend=True)
                if not resent or resent[-1] is not event:
                    resent.append(event)
        return resent

    @staticmethod
    def _send(session: FixSession, rendered: OutboundMessage, *, possible_resend: bool) -> None:
        message = _message(session.begin_string, rendered, possible_resend)
        # False only means "not on the wire yet": QuickFIX stored it for FIX recovery.
        quickfix.Session.sendToTarget(message, session.quickfix_id)


def _message(
    begin_string: str, rendered: OutboundMessage, possible_resend: bool
) -> quickfix.Message:
    # One string parsed by QuickFIX costs far less than a SWIG call per field; QuickFIX
    # fills in the rest of the header, BodyLength and CheckSum when it sends.
    header = "".join([f"{tag}={value}{SOH}" for tag, value in rendered.header])
    resend = f"{tags.POSS_RESEND}=Y{SOH}" if possible_resend else ""
    body = SOH.join([f"{tag}={value}" for tag, value in rendered.fields])
    return quickfix.Message(
        f"{tags.BEGIN_STRING}={begin_string}{SOH}9=0{SOH}"
        f"{tags.MSG_TYPE}={rendered.msg_type}{SOH}{header}{resend}{body}{SOH}10=000{SOH}",
        False,
    )


def _log_out(fix: quickfix.Session, reason: str) -> None:
    # QuickFIX sends the Logout with the reason as its Text, waits for the answer, then
    # disconnects; until told otherwise it would then refuse every logon without a word, so
    # the venue's application re-allows them when the session logs out. A session that went
    # away on its own meanwhile has no logout to come: allowed now.
    fix.logout(reason)
    if not fix.isLoggedOn():
        fix.logon()
