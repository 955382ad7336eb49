"""Trading dates and the trade register.

Revision ID: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    trading_days = op.create_table(
        "trading_days",
        sa.Column("trading_date", sa.String(10), primary_key=True),
        sa.Column("after_sequence", sa.BigInteger, nullable=False),
        sa.Column("after_event_id", sa.BigInteger, nullable=False),
        sa.Column("through_sequence", sa.BigInteger, nullable=True),
        sa.Column("through_event_id", sa.BigInteger, nullable=True),
    )
    # A ledger from before trading dates were rolled is still at its first: the date it
    # was created on.
    created = (
        op.get_bind()
        .execute(sa.text("SELECT value FROM ledger_info WHERE name = 'created_date'"))
        .scalar()
    )
    if created is not None:
        op.bulk_insert(
            trading_days, [{"trading_date": created, "after_sequence": 0, "after_event_id": 0}]
        )
    op.create_table(
        "trades",
        sa.Column("event_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("trade_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("client_order_id", sa.Text, nullable=False),
        sa.Column("session", sa.String(64), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("liquidity", sa.String(8), nullable=False),
        sa.Column("fee", sa.BigInteger, nullable=False),
        sa.Column("timestamp_us", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("notional", sa.BigInteger, nullable=False),
    )
