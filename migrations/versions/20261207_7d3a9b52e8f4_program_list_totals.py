"""programs: a reward list keeps its totals per district (computed when the list changes, not on
every page) and its entries are paged by award through an index

Revision ID: 7d3a9b52e8f4
Revises: 7e2c91d4b6a8
Create Date: 2026-12-07 20:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7d3a9b52e8f4'
down_revision = '7e2c91d4b6a8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('program_lists', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totals', sa.JSON(), nullable=True))
    with op.batch_alter_table('program_entries', schema=None) as batch_op:
        batch_op.create_index('ix_program_entries_page', ['list_id', 'eligible', 'excluded', 'award', 'firm_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('program_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_program_entries_page')
    with op.batch_alter_table('program_lists', schema=None) as batch_op:
        batch_op.drop_column('totals')
