"""history: per-year facts manufacturer, rd_survey and (FY 2022) rd_expense_q4; per-firm rd_institution

Revision ID: c8403319c14f
Revises: f35d46469ff4
Create Date: 2026-12-07 17:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c8403319c14f'
down_revision = 'f35d46469ff4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rd_expense_q4', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('manufacturer', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('rd_survey', sa.Boolean(), nullable=True))
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rd_institution', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.drop_column('rd_institution')
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_column('rd_survey')
        batch_op.drop_column('manufacturer')
        batch_op.drop_column('rd_expense_q4')
