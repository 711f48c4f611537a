"""payment methods and wheelchair access on businesses

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("businesses") as batch:
        batch.add_column(sa.Column("payment", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("wheelchair", sa.String(length=8), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("businesses") as batch:
        batch.drop_column("wheelchair")
        batch.drop_column("payment")
