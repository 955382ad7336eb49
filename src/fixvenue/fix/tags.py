"""FIX tag numbers and code values: they live here and nowhere else in the venue.

The codes here mean the same in every FIX version that has them; those that differ between
FIX 4.2 and FIX 4.4 are in dialects.py.
"""

from __future__ import annotations

from fixvenue.domain.values import (
    Amendment,
    Liquidity,
    MassCancelRejectReason,
    MassCancelScope,
    OrderStatus,
    OrderType,
    SelfTradePrevention,
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
EXEC_TRANS_TYPE = 20
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
SENDER_COMP_ID = 49
SENDING_TIME = 52
SIDE = 54
SYMBOL = 55
TARGET_COMP_ID = 56
TEXT = 58
TIME_IN_FORCE = 59
TRANSACT_TIME = 60
POSS_RESEND = 97
STOP_PX = 99
CXL_REJ_REASON = 102
ORD_REJ_REASON = 103
MIN_QTY = 110
MAX_FLOOR = 111
# In a drop copy's header: the order-entry session the original report went to.
ON_BEHALF_OF_COMP_ID = 115
EXPIRE_TIME = 126
RESET_SEQ_NUM_FLAG = 141
USERNAME = 553
PASSWORD = 554
EXEC_TYPE = 150
LEAVES_QTY = 151
REF_MSG_TYPE = 372
EXEC_RESTATEMENT_REASON = 378
BUSINESS_REJECT_REASON = 380
BUSINESS_REJECT_REF_ID = 379
CXL_REJ_RESPONSE_TO = 434
SECONDARY_EXEC_ID = 527
LAST_LIQUIDITY_IND = 851
MASS_CANCEL_REQUEST_TYPE = 530
MASS_CANCEL_RESPONSE = 531
MASS_CANCEL_REJECT_REASON = 532
TOTAL_AFFECTED_ORDERS = 533
# The venue's own field, defined in both data dictionaries (fix_specs/).
SELF_TRADE_PREVENTION = 7928

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
ORDER_TYPES = {
    "1": OrderType.MARKET,
    "2": OrderType.LIMIT,
    "3": OrderType.STOP,
    "4": OrderType.STOP_LIMIT,
}
ORDER_TYPE_CODES = {kind: code for code, kind in ORDER_TYPES.items()}
TIMES_IN_FORCE = {
    "0": TimeInForce.DAY,
    "1": TimeInForce.GOOD_TILL_CANCEL,
    "3": TimeInForce.IMMEDIATE_OR_CANCEL,
    "4": TimeInForce.FILL_OR_KILL,
    "6": TimeInForce.GOOD_TILL_DATE,
}
TIME_IN_FORCE_CODES = {tif: code for code, tif in TIMES_IN_FORCE.items()}

ORDER_STATUS_CODES = {
    OrderStatus.NEW: "0",
    OrderStatus.PARTIALLY_FILLED: "1",
    OrderStatus.FILLED: "2",
    OrderStatus.CANCELLED: "4",
    OrderStatus.EXPIRED: "C",
    OrderStatus.REJECTED: "8",
}
LIQUIDITY_CODES = {Liquidity.ADDED: "1", Liquidity.REMOVED: "2"}

# ExecInst is a list of space-separated instructions; the venue knows one.
EXEC_INST_POST_ONLY = "6"

SELF_TRADE_PREVENTIONS = {
    "O": SelfTradePrevention.CANCEL_RESTING,  # the oldest order
    "N": SelfTradePrevention.CANCEL_AGGRESSOR,  # the newest order
    "B": SelfTradePrevention.CANCEL_BOTH,
    "D": SelfTradePrevention.DECREMENT,
}

CXL_REJ_RESPONSE_TO_CODES = {Amendment.CANCEL: "1", Amendment.REPLACE: "2"}

BUSINESS_REJECT_OTHER = "0"
BUSINESS_REJECT_APPLICATION_NOT_AVAILABLE = "4"
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
    MassCancelRejectReason.THROTTLED: "99",
}
