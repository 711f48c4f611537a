"""owners' upkeep: moderators, sent notices, revisions in the moderation queue

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "moderators",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "sent_notices",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=160), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "subject", "user_id", "period"),
    )
    with op.batch_alter_table("moderation_items") as batch:
        batch.add_column(sa.Column("changes", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("previous", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("decided_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("moderation_items") as batch:
        batch.drop_column("decided_by")
        batch.drop_column("previous")
        batch.drop_column("changes")
    op.drop_table("sent_notices")
    op.drop_table("moderators")
