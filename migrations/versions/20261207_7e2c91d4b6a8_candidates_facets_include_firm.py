"""candidates' facets index carries firm_id (PostgreSQL), so the queue's counts stay an index-only
scan now that they leave out deregistered firms

Revision ID: 7e2c91d4b6a8
Revises: 3a9a5119502b
Create Date: 2026-12-07 21:20:00

"""
from alembic import op

revision = '7e2c91d4b6a8'
down_revision = '3a9a5119502b'
branch_labels = None
depends_on = None

COLUMNS = ['cycle', 'status', 'tier', 'district', 'industry_code']


def _recreate(include):
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite has no INCLUDE; its index stays as it is
    op.drop_index('ix_candidates_facets', table_name='candidates')
    op.create_index('ix_candidates_facets', 'candidates', COLUMNS, postgresql_include=include)


def upgrade():
    _recreate(['firm_id'])


def downgrade():
    _recreate([])
