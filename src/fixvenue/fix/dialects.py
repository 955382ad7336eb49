"""What the venue says differently to FIX 4.4 and FIX 4.2 sessions: one `Dialect` each.

Translation is written once (inbound.py, outbound.py) and serves both versions; a dialect
holds only the codes and choices in which the versions differ. A new kind of report or a
new reject reason is one entry in each dialect's table, and the unit tests check that
every table covers every member and that each code is one its version's dictionary knows.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from fixvenue.domain.values import CancelRejectReason, OrderRejectReason, OrderStatus
from fixvenue.fix import tags


class ReportKind(enum.Enum):
    """What an ExecutionReport tells the broker; each kind has an ExecType per version."""

    NEW = "new"
    PARTIAL_FILL = "partial_fill"  # a fill after which the order is still open
    FILL = "fill"  # a fill that completes the order
    CANCELLED = "cancelled"
    REPLACED = "replaced"
    REJECTED = "rejected"
    STATUS = "status"  # the answer to an OrderStatusRequest
    EXPIRED = "expired"
    TRIGGERED = "triggered"  # a stop order the last trade reached
    RESTATED = "restated"  # the venue lowered the quantity (self-trade prevention)


@dataclass(frozen=True, slots=True, kw_only=True)
class Dialect:
    begin_string: str
    # The application messages the venue takes on sessions of this version; any other
    # message type the dictionary knows gets BusinessMessageReject 380=3.
    order_messages: frozenset[str]
    # ExecType(150) of each kind of report. None where the version has no ExecType for the
    # kind and reports the order's OrdStatus(39) code in it instead (status on FIX 4.2).
    exec_types: Mapping[ReportKind, str | None]
    # ExecTransType(20) of each kind of report; None for a version without the field.
    exec_trans_types: Mapping[ReportKind, str] | None
    order_reject_reasons: Mapping[OrderRejectReason, str]  # OrdRejReason(103)
    cancel_reject_reasons: Mapping[CancelRejectReason, str]  # CxlRejReason(102)
    # ExecRestatementReason(378) of the kinds of report that carry one.
    restatement_reasons: Mapping[ReportKind, str]
    # On fills: the trade id both sides share in SecondaryExecID(527), and
    # LastLiquidityInd(851). FIX 4.2 defines neither field for an ExecutionReport.
    reports_trade_id: bool
    reports_liquidity: bool

    def exec_type(self, kind: ReportKind, order_status: OrderStatus) -> str:
        code = self.exec_types[kind]
        return tags.ORDER_STATUS_CODES[order_status] if code is None else code


FIX44 = Dialect(
    begin_string="FIX.4.4",
    order_messages=frozenset(
        {
            tags.MSG_NEW_ORDER_SINGLE,
            tags.MSG_ORDER_CANCEL_REQUEST,
            tags.MSG_ORDER_CANCEL_REPLACE_REQUEST,
            tags.MSG_ORDER_STATUS_REQUEST,
            tags.MSG_ORDER_MASS_CANCEL_REQUEST,
        }
    ),
    exec_types={
        ReportKind.NEW: "0",
        ReportKind.PARTIAL_FILL: "F",  # trade: OrdStatus tells partial from full
        ReportKind.FILL: "F",
        ReportKind.CANCELLED: "4",
        ReportKind.REPLACED: "5",
        ReportKind.REJECTED: "8",
        ReportKind.STATUS: "I",
        ReportKind.EXPIRED: "C",
        # FIX 4.4 has no ExecType for a triggered stop (L came with 5.0): it is a
        # restatement, with Text saying what happened.
        ReportKind.TRIGGERED: "D",
        ReportKind.RESTATED: "D",
    },
    exec_trans_types=None,  # dropped in FIX 4.3
    # There is no "invalid price increment" before FIX 5.0, so a price off the tick is 99
    # (other) with a Text that says so: a code outside 4.4's set would fail the validation
    # of a broker engine using the standard FIX 4.4 dictionary.
    order_reject_reasons={
        OrderRejectReason.UNKNOWN_SYMBOL: "1",
        OrderRejectReason.TRADING_HALTED: "2",  # exchange closed
        OrderRejectReason.TOO_LATE_TO_ENTER: "4",
        OrderRejectReason.DUPLICATE_ORDER: "6",
        OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC: "11",
        OrderRejectReason.INCORRECT_QUANTITY: "13",
        OrderRejectReason.UNKNOWN_ACCOUNT: "15",
        OrderRejectReason.INVALID_PRICE: "99",
        OrderRejectReason.WOULD_TAKE_LIQUIDITY: "99",
        OrderRejectReason.THROTTLED: "99",
        OrderRejectReason.RISK_LIMIT: "3",  # order exceeds limit
        OrderRejectReason.KILL_SWITCH: "3",
    },
    cancel_reject_reasons={
        CancelRejectReason.TOO_LATE_TO_CANCEL: "0",
        CancelRejectReason.UNKNOWN_ORDER: "1",
        CancelRejectReason.TRADING_HALTED: "2",  # broker / exchange option
        CancelRejectReason.DUPLICATE_CLIENT_ORDER_ID: "6",
        CancelRejectReason.INVALID_REPLACEMENT: "99",
        CancelRejectReason.THROTTLED: "99",
        CancelRejectReason.RISK_LIMIT: "2",  # broker / exchange option
    },
    restatement_reasons={
        ReportKind.TRIGGERED: "99",  # other
        ReportKind.RESTATED: "5",  # partial decline of OrderQty
    },
    reports_trade_id=True,
    reports_liquidity=True,
)

# FIX 4.2 reports a trade as a partial fill or a fill, tells a status report by its
# ExecTransType, and has smaller reject code sets: a reason without a code of its own gets
# the version's catch-all (0 "broker option" for orders, 2 for cancels), and the Text says
# why. Nothing carries the trade id: the field for it came with FIX 4.3, and ExecRefID(19)
# names the report that a correction or cancel refers to, which a trade id is not.
FIX42 = Dialect(
    begin_string="FIX.4.2",
    order_messages=FIX44.order_messages - {tags.MSG_ORDER_MASS_CANCEL_REQUEST},
    exec_types={
        ReportKind.NEW: "0",
        ReportKind.PARTIAL_FILL: "1",
        ReportKind.FILL: "2",
        ReportKind.CANCELLED: "4",
        ReportKind.REPLACED: "5",
        ReportKind.REJECTED: "8",
        ReportKind.STATUS: None,
        ReportKind.EXPIRED: "C",
        ReportKind.TRIGGERED: "D",
        ReportKind.RESTATED: "D",
    },
    exec_trans_types={
        ReportKind.NEW: "0",
        ReportKind.PARTIAL_FILL: "0",
        ReportKind.FILL: "0",
        ReportKind.CANCELLED: "0",
        ReportKind.REPLACED: "0",
        ReportKind.REJECTED: "0",
        ReportKind.STATUS: "3",
        ReportKind.EXPIRED: "0",
        ReportKind.TRIGGERED: "0",
        ReportKind.RESTATED: "0",
    },
    order_reject_reasons={
        OrderRejectReason.UNKNOWN_SYMBOL: "1",
        OrderRejectReason.TRADING_HALTED: "2",  # exchange closed
        OrderRejectReason.TOO_LATE_TO_ENTER: "4",
        OrderRejectReason.DUPLICATE_ORDER: "6",
        OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC: "0",
        OrderRejectReason.INCORRECT_QUANTITY: "0",
        OrderRejectReason.UNKNOWN_ACCOUNT: "0",
        OrderRejectReason.INVALID_PRICE: "0",
        OrderRejectReason.WOULD_TAKE_LIQUIDITY: "0",
        OrderRejectReason.THROTTLED: "0",
        OrderRejectReason.RISK_LIMIT: "3",  # order exceeds limit
        OrderRejectReason.KILL_SWITCH: "3",
    },
    cancel_reject_reasons={
        CancelRejectReason.TOO_LATE_TO_CANCEL: "0",
        CancelRejectReason.UNKNOWN_ORDER: "1",
        CancelRejectReason.TRADING_HALTED: "2",
        CancelRejectReason.DUPLICATE_CLIENT_ORDER_ID: "2",
        CancelRejectReason.INVALID_REPLACEMENT: "2",
        CancelRejectReason.THROTTLED: "2",
        CancelRejectReason.RISK_LIMIT: "2",
    },
    # FIX 4.2's ExecRestatementReason stops at 5: a triggered stop has only its Text.
    restatement_reasons={ReportKind.RESTATED: "5"},
    reports_trade_id=False,
    reports_liquidity=False,
)

DIALECTS = {dialect.begin_string: dialect for dialect in (FIX44, FIX42)}
