"""officer: the firm directory sorted by name across districts (an admin's default view)

Revision ID: 8c2f4e6a1d37
Revises: 5e0c1a7d9b21
Create Date: 2026-11-24 02:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '8c2f4e6a1d37'
down_revision = '5e0c1a7d9b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.create_index('ix_firms_name_id', ['name', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.drop_index('ix_firms_name_id')
