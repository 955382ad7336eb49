"""The first ledger: commands, events, FIX session watermarks, ledger facts.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_info",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "commands",
        sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("timestamp_us", sa.BigInteger, nullable=False),
        sa.Column("session", sa.String(64), nullable=True),
        sa.Column("inbound_sequence_number", sa.BigInteger, nullable=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("event_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("command_sequence", sa.BigInteger, nullable=False),
        sa.Column("timestamp_us", sa.BigInteger, nullable=False),
        sa.Column("session", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("ix_events_order_id", "events", ["order_id"])
    op.create_table(
        "fix_sessions",
        sa.Column("session", sa.String(64), primary_key=True),
        sa.Column("last_inbound_sequence_number", sa.BigInteger, nullable=False),
    )
