"""`fixvenue audit trail`: the lifecycle record of every order of a trading date, from the
ledger, as JSON lines in the order things happened.

One line per message: each inbound FIX message with its receive time, each outbound
report with its send time, and each venue action (an operator's, an expiry, a cancel on
disconnect) that moved an order. Every line names the order it concerns where there is
one, so any order's history is the lines with its order_id; the inbound message that
created it is the line with its session and ClOrdID.

What "as received" and "as sent" mean here: an inbound message is every field QuickFIX
validated and passed on, in QuickFIX's order (header, body, trailer), BodyLength and
CheckSum as it computed them; a NUL byte in a field is written as \\x00. An outbound
report is its message type and body fields exactly as rendered for the session, without
the header QuickFIX adds (MsgSeqNum, SendingTime); its time is when it was handed to
QuickFIX, which stores it for a logged-off session. The FIX logs in the data dir hold the
bytes on the wire.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from fixvenue.domain.events import Event, event_order_id, event_session
from fixvenue.fix import tags
from fixvenue.fix.dialects import DIALECTS
from fixvenue.fix.outbound import Renderer
from fixvenue.ledger.reader import CommandRecord

SOH = "\x01"


class AuditTrail:
    def __init__(self, *, renderer: Renderer, begin_strings: Mapping[str, str]) -> None:
        """`begin_strings`: each session's FIX version, in which its reports were sent."""
        self._renderer = renderer
        self._begin_strings = begin_strings

    def write(self, records: Iterable[CommandRecord], out: TextIO) -> int:
        """Writes the lines of every record; returns how many lines."""
        count = 0
        for record in records:
            for line in self._lines(record):
                out.write(json.dumps(line) + "\n")
                count += 1
        return count

    def _lines(self, record: CommandRecord) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = []
        if record.inbound_sequence_number is not None:
            fields = dict(
                field.split("=", 1) for field in (record.message or "").split(SOH) if "=" in field
            )
            lines.append(
                {
                    "direction": "in",
                    "sequence": record.sequence,
                    "session": record.session,
                    "time_us": record.received_us,
                    "msg_type": fields.get(str(tags.MSG_TYPE)),
                    "cl_ord_id": fields.get(str(tags.CL_ORD_ID)),
                    "order_id": _order_named(record.events, record.session),
                    # None for a command recorded before the ledger kept messages.
                    "message": None if record.message is None else record.message.replace(SOH, "|"),
                }
            )
        elif record.events:
            lines.append(
                {
                    "direction": "venue",
                    "sequence": record.sequence,
                    "time_us": record.timestamp_us,
                    "command": record.kind,
                    "detail": json.loads(record.payload),
                    "order_ids": sorted(
                        {order_id for event in record.events if (order_id := event_order_id(event))}
                    ),
                }
            )
        reports = (self._report(record, event) for event in record.events)
        return lines + [report for report in reports if report is not None]

    def _report(self, record: CommandRecord, event: Event) -> dict[str, Any] | None:
        session = event_session(event)
        if session is None:
            return None  # a venue-wide event (a halt, a limit) went to no session
        rendered = self._renderer.render(event, DIALECTS[self._begin_strings[session]])
        fields = dict(rendered.fields)
        body = "|".join(f"{tag}={value}" for tag, value in rendered.fields)
        return {
            "direction": "out",
            "sequence": record.sequence,
            "event_id": event.event_id,
            "session": session,
            "time_us": record.sent_us,
            "msg_type": rendered.msg_type,
            "cl_ord_id": fields.get(tags.CL_ORD_ID),
            "order_id": event_order_id(event),
            "message": f"{tags.MSG_TYPE}={rendered.msg_type}|{body}",
        }


def _order_named(events: list[Event], session: str | None) -> str | None:
    """The order an inbound message created or named: that of its first answer."""
    for event in events:
        if event_session(event) == session:
            return event_order_id(event)
    return None
