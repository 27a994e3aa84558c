"""hardening: per-user session version

Revision ID: 8c36fb4adcef
Revises: bed6e67e9227
Create Date: 2026-12-07 16:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '8c36fb4adcef'
down_revision = 'bed6e67e9227'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
