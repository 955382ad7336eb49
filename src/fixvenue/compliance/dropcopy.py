"""`fixvenue dropcopy export`: a trading date's ExecutionReports from the ledger, in the
order the venue sent them, as FIX lines, CSV or JSON lines.

Each report is rendered as the drop-copy sessions receive it (FIX 4.4, whatever the
session's version), so a file and a drop copy say the same. Rows are written as they are
read: memory stays flat however many reports the day had.
"""

from __future__ import annotations

import csv
import enum
import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

import simplefix

from fixvenue.domain.events import Event, event_session
from fixvenue.fix import tags
from fixvenue.fix.dialects import DIALECTS
from fixvenue.fix.outbound import OutboundMessage, Renderer
from fixvenue.fix.timestamps import format_utc_microseconds

_DIALECT = DIALECTS["FIX.4.4"]


class ExportFormat(enum.Enum):
    FIX = "fix"
    CSV = "csv"
    JSONL = "jsonl"


# The CSV and JSON columns, and the tag each comes from (None: not a field of the report).
COLUMNS: dict[str, int | None] = {
    "exec_id": tags.EXEC_ID,
    "order_id": tags.ORDER_ID,
    "cl_ord_id": tags.CL_ORD_ID,
    "orig_cl_ord_id": tags.ORIG_CL_ORD_ID,
    "account": tags.ACCOUNT,
    "firm": None,
    "session": None,
    "symbol": tags.SYMBOL,
    "side": tags.SIDE,
    "ord_type": tags.ORD_TYPE,
    "time_in_force": tags.TIME_IN_FORCE,
    "exec_type": tags.EXEC_TYPE,
    "ord_status": tags.ORD_STATUS,
    "order_qty": tags.ORDER_QTY,
    "last_qty": tags.LAST_QTY,
    "cum_qty": tags.CUM_QTY,
    "leaves_qty": tags.LEAVES_QTY,
    "price": tags.PRICE,
    "stop_px": tags.STOP_PX,
    "last_px": tags.LAST_PX,
    "avg_px": tags.AVG_PX,
    "trade_id": tags.SECONDARY_EXEC_ID,
    "liquidity": tags.LAST_LIQUIDITY_IND,
    "text": tags.TEXT,
    "transact_time_us": None,
}
# JSON numbers where the value is a whole number of shares; prices stay exact strings.
_QUANTITIES = {"order_qty", "last_qty", "cum_qty", "leaves_qty"}


class DropCopyExport:
    def __init__(self, *, comp_id: str, renderer: Renderer, firms: Mapping[str, str]) -> None:
        """`firms`: the firm of each order-entry session."""
        self._comp_id = comp_id
        self._renderer = renderer
        self._firms = firms

    def write(
        self, reports: Iterable[Event], out: TextIO, export_format: ExportFormat, firm: str | None
    ) -> int:
        """Writes the reports of `firm` (None: every firm); returns how many."""
        csv_writer = csv.writer(out, lineterminator="\n")
        if export_format is ExportFormat.CSV:
            csv_writer.writerow(COLUMNS)
        count = 0
        for event in reports:
            session = event_session(event)
            assert session is not None, event
            if firm is not None and self._firms.get(session) != firm:
                continue
            count += 1
            rendered = self._renderer.render(event, _DIALECT)
            if export_format is ExportFormat.FIX:
                out.write(self._fix_line(rendered, session, count, event.timestamp_us) + "\n")
                continue
            row = self._row(rendered, session, event.timestamp_us)
            if export_format is ExportFormat.CSV:
                csv_writer.writerow("" if value is None else value for value in row.values())
            else:
                out.write(json.dumps(row) + "\n")
        return count

    def _fix_line(
        self, rendered: OutboundMessage, session: str, number: int, timestamp_us: int
    ) -> str:
        """The report as the venue sent it to `session`, numbered by its line in the file
        (the session's own MsgSeqNum is QuickFIX's), sent at its TransactTime."""
        message = simplefix.FixMessage()
        message.append_pair(tags.BEGIN_STRING, _DIALECT.begin_string, header=True)
        message.append_pair(tags.MSG_TYPE, rendered.msg_type, header=True)
        message.append_pair(tags.SENDER_COMP_ID, self._comp_id, header=True)
        message.append_pair(tags.TARGET_COMP_ID, session, header=True)
        message.append_pair(tags.MSG_SEQ_NUM, number, header=True)
        message.append_pair(tags.SENDING_TIME, format_utc_microseconds(timestamp_us), header=True)
        for tag, value in rendered.fields:
            # As bytes: a value may hold any character the session took in (a ClOrdID
            # with an accent), and BodyLength and CheckSum count its UTF-8 bytes.
            message.append_pair(tag, value.encode())
        encoded: bytes = message.encode()
        return encoded.decode().replace("\x01", "|")

    def _row(self, rendered: OutboundMessage, session: str, timestamp_us: int) -> dict[str, Any]:
        fields = dict(rendered.fields)
        row: dict[str, Any] = {}
        for column, tag in COLUMNS.items():
            value: Any = None if tag is None else fields.get(tag)
            if column in _QUANTITIES and value is not None:
                value = int(value)
            row[column] = value
        row["firm"] = self._firms.get(session)
        row["session"] = session
        row["transact_time_us"] = timestamp_us
        return row
