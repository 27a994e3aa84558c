"""programs: a ranking's first N entries are read by rank, and a district's entries by district,
through indexes (the top-50 pages read every entry of the list)

Revision ID: 9b4d2e7c1f05
Revises: 7d3a9b52e8f4
Create Date: 2026-12-07 23:15:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '9b4d2e7c1f05'
down_revision = '7d3a9b52e8f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('program_entries', schema=None) as batch_op:
        batch_op.create_index('ix_program_entries_rank', ['list_id', 'rank'], unique=False)
        batch_op.create_index('ix_program_entries_district', ['list_id', 'district'], unique=False)


def downgrade():
    with op.batch_alter_table('program_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_program_entries_district')
        batch_op.drop_index('ix_program_entries_rank')
