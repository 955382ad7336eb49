"""What the audit trail needs: each FIX command's message as received and when, and when
each command's reports were sent.

Revision ID: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commands") as batch:
        batch.add_column(sa.Column("received_us", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("message", sa.Text, nullable=True))
    op.create_table(
        "deliveries",
        sa.Column("command_sequence", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("sent_us", sa.BigInteger, nullable=False),
    )
