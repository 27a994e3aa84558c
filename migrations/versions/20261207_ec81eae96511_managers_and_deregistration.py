"""bureau administration: the manager role; firms' deregistration date (注销)

Revision ID: ec81eae96511
Revises: 8c36fb4adcef
Create Date: 2026-12-07 16:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ec81eae96511'
down_revision = '8c36fb4adcef'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('role', type_='check')
        batch_op.create_check_constraint('role', "role IN ('firm', 'manager', 'officer', 'admin')")
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deregistered_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_firms_deregistered_on', ['deregistered_on'], unique=False)


def downgrade():
    # A plain ALTER TABLE (SQLite has it since 3.35): a batch copy of firms would trip the
    # triggers of the scan tables that name it.
    op.drop_index('ix_firms_deregistered_on', table_name='firms')
    op.drop_column('firms', 'deregistered_on')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('role', type_='check')
        batch_op.create_check_constraint('role', "role IN ('firm', 'officer', 'admin')")
