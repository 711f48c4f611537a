"""unmet local demand: aggregated counts per concept, area and period

Revision ID: 0005
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('demand_counts',
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('area_id', sa.String(length=80), nullable=False),
    sa.Column('concept', sa.String(length=120), nullable=False),
    sa.Column('asks', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('period', 'area_id', 'concept')
    )
    op.create_table('demand_marks',
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('area_id', sa.String(length=80), nullable=False),
    sa.Column('concept', sa.String(length=120), nullable=False),
    sa.Column('asker', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('period', 'area_id', 'concept', 'asker')
    )
    op.create_table('demand_keys',
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('period')
    )


def downgrade() -> None:
    op.drop_table('demand_keys')
    op.drop_table('demand_marks')
    op.drop_table('demand_counts')
