"""what-if: the value kind of a winner's or loser's deciding criterion, so its figures read in
the units people use (a growth as a yearly percentage, money in 万元)

Revision ID: 6c2f8a41d7e3
Revises: a91f3c2d7e10
Create Date: 2026-12-07 20:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '6c2f8a41d7e3'
down_revision = 'a91f3c2d7e10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('whatif_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('whatif_changes', schema=None) as batch_op:
        batch_op.drop_column('kind')
