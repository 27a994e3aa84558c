"""firm_flags: a partial index of the open flags by cycle and firm (carrying the flag on
PostgreSQL), so the queue's counts join each listed candidate's open flags by index-only probes
instead of reading every open flag of the cycle

Revision ID: 2c7e5a91f4b3
Revises: 4f8a6c2d9e13
Create Date: 2026-12-08 00:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '2c7e5a91f4b3'
down_revision = '4f8a6c2d9e13'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade():
    op.create_index('ix_firm_flags_open', 'firm_flags', ['cycle', 'firm_id'], postgresql_include=['flag'],
                    postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    op.drop_index('ix_firm_flags_open', table_name='firm_flags')
