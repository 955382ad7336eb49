"""Events without a session: venue-wide events such as a trading halt.

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite can only change a column by copying the table.
    with op.batch_alter_table("events") as batch:
        batch.alter_column("session", existing_type=sa.String(64), nullable=True)
