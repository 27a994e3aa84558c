"""programs: a list entry says whether the statistics bureau confirmed the firm's R&D survey
(programs.md R1: a self-declared survey is marked unverified on the list)

Revision ID: 4f8a6c2d9e13
Revises: 9b4d2e7c1f05
Create Date: 2026-12-07 23:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4f8a6c2d9e13'
down_revision = '9b4d2e7c1f05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('program_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey_confirmed', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('program_entries', schema=None) as batch_op:
        batch_op.drop_column('survey_confirmed')
