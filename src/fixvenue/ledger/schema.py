"""Table definitions (SQLAlchemy Core). Alembic migrations create them; tests compare."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData()

# Facts about the ledger itself: when it was created, how far delivery has got.
ledger_info = Table(
    "ledger_info",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Every command in the one total order the sequencer gave it; replaying them rebuilds state.
commands = Table(
    "commands",
    metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("timestamp_us", BigInteger, nullable=False),
    Column("session", String(64), nullable=True),
    Column("inbound_sequence_number", BigInteger, nullable=True),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    # A FIX command's message as received (SOH kept) and when (UTC µs): the audit trail's.
    Column("received_us", BigInteger, nullable=True),
    Column("message", Text, nullable=True),
)

# Every event the core produced, reported to `session` (an order-entry session; none for
# venue-wide events such as a trading halt).
events = Table(
    "events",
    metadata,
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),
    Column("command_sequence", BigInteger, nullable=False),
    Column("timestamp_us", BigInteger, nullable=False),
    Column("session", String(64), nullable=True),
    Column("kind", String(64), nullable=False),
    Column("order_id", String(64), nullable=True),
    Column("payload", Text, nullable=False),
    Index("ix_events_order_id", "order_id"),
)

# Per FIX session: the MsgSeqNum of the last inbound message whose command is committed.
# At start-up the acceptor expects the number after it, so FIX recovery re-delivers the rest.
fix_sessions = Table(
    "fix_sessions",
    metadata,
    Column("session", String(64), primary_key=True),
    Column("last_inbound_sequence_number", BigInteger, nullable=False),
)

# Every request to the admin endpoint: who (the token's name), what, when, and the result
# (NULL while it is being carried out, and forever if the venue stopped meanwhile).
audit_log = Table(
    "audit_log",
    metadata,
    Column("entry_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("time_us", BigInteger, nullable=False),
    Column("who", String(64), nullable=False),
    Column("what", Text, nullable=False),
    Column("result", Text, nullable=True),
    Index("ix_audit_log_time_us", "time_us"),
)

# When the reports of each command were handed to QuickFIX (UTC µs): the audit trail's.
deliveries = Table(
    "deliveries",
    metadata,
    Column("command_sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("sent_us", BigInteger, nullable=False),
)

# Double-entry postings of every fill (ledger/postings.py), written in the fill's commit.
# Keyed by the fill's event and the leg: nothing is posted twice.
postings = Table(
    "postings",
    metadata,
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),
    Column("leg", SmallInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),  # position, cash or fee
    Column("party", String(16), nullable=False),  # account, settlement or fee_income
    Column("account", String(64), nullable=True),  # the trading account, for party account
    Column("asset", String(64), nullable=False),  # a symbol (shares) or currency (millionths)
    Column("amount", BigInteger, nullable=False),
)

# The venue's trading dates. A date holds the commands and events after its `after_`
# numbers, up to and including its `through_` numbers: its end of day (EndTradingDay and
# its TradingDayEnded event). Those are NULL while it is the current date.
trading_days = Table(
    "trading_days",
    metadata,
    Column("trading_date", String(10), primary_key=True),  # YYYY-MM-DD
    Column("after_sequence", BigInteger, nullable=False),
    Column("after_event_id", BigInteger, nullable=False),
    Column("through_sequence", BigInteger, nullable=True),
    Column("through_event_id", BigInteger, nullable=True),
)

# The trade register (ledger/register.py): one row per fill, that is per side of a trade,
# written in the fill's commit and keyed by its event id (the fill's ExecID).
trades = Table(
    "trades",
    metadata,
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),
    Column("trade_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("client_order_id", Text, nullable=False),
    Column("session", String(64), nullable=False),
    Column("account", String(64), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("side", String(8), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("price", BigInteger, nullable=False),  # ticks
    Column("liquidity", String(8), nullable=False),
    Column("fee", BigInteger, nullable=False),  # millionths; negative: a rebate
    Column("timestamp_us", BigInteger, nullable=False),
    Column("currency", String(8), nullable=False),
    Column("notional", BigInteger, nullable=False),  # quantity x price, in millionths
)

CREATED_DATE = "created_date"
SENT_THROUGH_EVENT_ID = "sent_through_event_id"
