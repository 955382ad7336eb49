"""FIX tag numbers and code values: they live here and nowhere else in the venue."""

from __future__ import annotations

from fixvenue.domain.values import (
    Amendment,
    CancelRejectReason,
    Liquidity,
    MassCancelRejectReason,
    MassCancelScope,
    OrderRejectReason,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)

ACCOUNT = 1
AVG_PX = 6
BEGIN_STRING = 8
CL_ORD_ID = 11
CUM_QTY = 14
EXEC_ID = 17
EXEC_INST = 18
LAST_PX = 31
LAST_QTY = 32
MSG_SEQ_NUM = 34
MSG_TYPE = 35
ORDER_ID = 37
ORDER_QTY = 38
ORD_STATUS = 39
ORD_TYPE = 40
ORIG_CL_ORD_ID = 41
POSS_DUP_FLAG = 43
PRICE = 44
REF_SEQ_NUM = 45
SIDE = 54
SYMBOL = 55
TEXT = 58
TIME_IN_FORCE = 59
TRANSACT_TIME = 60
POSS_RESEND = 97
CXL_REJ_REASON = 102
ORD_REJ_REASON = 103
RESET_SEQ_NUM_FLAG = 141
EXEC_TYPE = 150
LEAVES_QTY = 151
REF_MSG_TYPE = 372
BUSINESS_REJECT_REASON = 380
CXL_REJ_RESPONSE_TO = 434
SECONDARY_EXEC_ID = 527
LAST_LIQUIDITY_IND = 851
MASS_CANCEL_REQUEST_TYPE = 530
MASS_CANCEL_RESPONSE = 531
MASS_CANCEL_REJECT_REASON = 532
TOTAL_AFFECTED_ORDERS = 533

# Field names as inbound translation reports values it could not express in the domain.
FIELD_TAGS = {
    "Side": SIDE,
    "OrdType": ORD_TYPE,
    "TimeInForce": TIME_IN_FORCE,
    "ExecInst": EXEC_INST,
}

MSG_NEW_ORDER_SINGLE = "D"
MSG_ORDER_CANCEL_REQUEST = "F"
MSG_ORDER_STATUS_REQUEST = "H"
MSG_ORDER_CANCEL_REPLACE_REQUEST = "G"
MSG_ORDER_MASS_CANCEL_REQUEST = "q"
MSG_ORDER_MASS_CANCEL_REPORT = "r"
MSG_EXECUTION_REPORT = "8"
MSG_ORDER_CANCEL_REJECT = "9"
MSG_BUSINESS_MESSAGE_REJECT = "j"
MSG_LOGON = "A"

SIDES = {"1": Side.BUY, "2": Side.SELL}
SIDE_CODES = {side: code for code, side in SIDES.items()}
ORDER_TYPES = {"2": OrderType.LIMIT}
ORDER_TYPE_CODES = {kind: code for code, kind in ORDER_TYPES.items()}
TIMES_IN_FORCE = {
    "0": TimeInForce.DAY,
    "1": TimeInForce.GOOD_TILL_CANCEL,
    "3": TimeInForce.IMMEDIATE_OR_CANCEL,
    "4": TimeInForce.FILL_OR_KILL,
}
TIME_IN_FORCE_CODES = {tif: code for code, tif in TIMES_IN_FORCE.items()}

ORDER_STATUS_CODES = {
    OrderStatus.NEW: "0",
    OrderStatus.PARTIALLY_FILLED: "1",
    OrderStatus.FILLED: "2",
    OrderStatus.CANCELLED: "4",
    OrderStatus.REJECTED: "8",
}
LIQUIDITY_CODES = {Liquidity.ADDED: "1", Liquidity.REMOVED: "2"}

# ExecInst is a list of space-separated instructions; the venue knows one.
EXEC_INST_POST_ONLY = "6"

# FIX 4.4 ExecType.
EXEC_TYPE_NEW = "0"
EXEC_TYPE_CANCELLED = "4"
EXEC_TYPE_REPLACED = "5"
EXEC_TYPE_REJECTED = "8"
EXEC_TYPE_TRADE = "F"
EXEC_TYPE_ORDER_STATUS = "I"

# FIX 4.4 OrdRejReason. There is no "invalid price increment" before FIX 5.0, so a price off
# the tick is 99 (other) with a Text that says so: a code outside 4.4's set would fail the
# validation of a broker engine using the standard FIX 4.4 dictionary.
ORDER_REJECT_REASON_CODES = {
    OrderRejectReason.UNKNOWN_SYMBOL: "1",
    OrderRejectReason.DUPLICATE_ORDER: "6",
    OrderRejectReason.UNSUPPORTED_ORDER_CHARACTERISTIC: "11",
    OrderRejectReason.INCORRECT_QUANTITY: "13",
    OrderRejectReason.UNKNOWN_ACCOUNT: "15",
    OrderRejectReason.INVALID_PRICE: "99",
    OrderRejectReason.WOULD_TAKE_LIQUIDITY: "99",
}
CANCEL_REJECT_REASON_CODES = {
    CancelRejectReason.TOO_LATE_TO_CANCEL: "0",
    CancelRejectReason.UNKNOWN_ORDER: "1",
    CancelRejectReason.DUPLICATE_CLIENT_ORDER_ID: "6",
    CancelRejectReason.INVALID_REPLACEMENT: "99",
}
CXL_REJ_RESPONSE_TO_CODES = {Amendment.CANCEL: "1", Amendment.REPLACE: "2"}

BUSINESS_REJECT_NOT_AUTHORIZED = "6"

MASS_CANCEL_SCOPES = {
    "1": MassCancelScope.SECURITY,
    "2": MassCancelScope.UNDERLYING,
    "3": MassCancelScope.PRODUCT,
    "4": MassCancelScope.CFI_CODE,
    "5": MassCancelScope.SECURITY_TYPE,
    "6": MassCancelScope.TRADING_SESSION,
    "7": MassCancelScope.ALL,
}
MASS_CANCEL_SCOPE_CODES = {scope: code for code, scope in MASS_CANCEL_SCOPES.items()}
MASS_CANCEL_REJECTED = "0"
MASS_CANCEL_REJECT_REASON_CODES = {
    MassCancelRejectReason.UNSUPPORTED_SCOPE: "0",
    MassCancelRejectReason.UNKNOWN_SYMBOL: "1",
    MassCancelRejectReason.DUPLICATE_CLIENT_ORDER_ID: "99",
}
