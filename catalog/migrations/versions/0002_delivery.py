"""delivery: the inbox (updates recorded before Telegram is answered), the outbox (replies owed), and
residents' reports de-duplicated per person, business and day

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("processed_updates")
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_key", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=32), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_inbox_pending", "inbox", ["done_at", "chat_key", "update_id"], unique=False)
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chat_key", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("upload_field", sa.String(length=20), nullable=True),
        sa.Column("upload_filename", sa.String(length=200), nullable=True),
        sa.Column("upload_content", sa.LargeBinary(), nullable=True),
        sa.Column("broadcast", sa.Boolean(), nullable=False),
        sa.Column("answers", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=32), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_chat", "outbox", ["chat_key", "id"], unique=False)
    op.add_column("moderation_items", sa.Column("reporter_key", sa.String(length=32), nullable=True))
    op.create_index(
        "ux_moderation_reporter", "moderation_items", ["business_id", "reporter_key"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_moderation_reporter", table_name="moderation_items")
    with op.batch_alter_table("moderation_items") as batch:
        batch.drop_column("reporter_key")
    op.drop_index("ix_outbox_chat", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_inbox_pending", table_name="inbox")
    op.drop_table("inbox")
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
