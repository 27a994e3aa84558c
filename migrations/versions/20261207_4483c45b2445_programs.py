"""programs: reward lists and top-N rankings per program year, their entries; firms' bank account

Revision ID: 4483c45b2445
Revises: 72bd3c50d934
Create Date: 2026-12-07 16:34:34.521264

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4483c45b2445'
down_revision = '72bd3c50d934'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('program_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('budget', sa.BigInteger(), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('computed_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('notice_start', sa.Date(), nullable=True),
    sa.Column('notice_end', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("program IN ('rd_reward', 'rd_top')", name=op.f('ck_program_lists_program')),
    sa.CheckConstraint("status IN ('draft', 'approved', 'public_notice', 'published')", name=op.f('ck_program_lists_status')),
    sa.ForeignKeyConstraint(['computed_by'], ['users.id'], name=op.f('fk_program_lists_computed_by_users')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_program_lists_decided_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_lists')),
    sa.UniqueConstraint('program', 'year', name=op.f('uq_program_lists_program_year'))
    )
    op.create_table('program_entries',
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=False),
    sa.Column('revenue', sa.BigInteger(), nullable=True),
    sa.Column('rd_expense', sa.BigInteger(), nullable=True),
    sa.Column('rd_survey', sa.Boolean(), nullable=True),
    sa.Column('incidents', sa.Boolean(), nullable=True),
    sa.Column('eligible', sa.Boolean(), nullable=True),
    sa.Column('failed', sa.JSON(), nullable=False),
    sa.Column('rate', sa.BigInteger(), nullable=True),
    sa.Column('entitlement', sa.BigInteger(), nullable=True),
    sa.Column('award', sa.BigInteger(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('amount_rank', sa.Integer(), nullable=True),
    sa.Column('intensity_rank', sa.Integer(), nullable=True),
    sa.Column('points', sa.BigInteger(), nullable=True),
    sa.Column('last_rank', sa.Integer(), nullable=True),
    sa.Column('excluded', sa.Boolean(), nullable=False),
    sa.Column('exclusion_reason', sa.Text(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_program_entries_firm_id_firms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['list_id'], ['program_lists.id'], name=op.f('fk_program_entries_list_id_program_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paid_by'], ['users.id'], name=op.f('fk_program_entries_paid_by_users')),
    sa.PrimaryKeyConstraint('list_id', 'firm_id', name=op.f('pk_program_entries'))
    )
    with op.batch_alter_table('program_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_entries_firm_id'), ['firm_id'], unique=False)

    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('bank_account', sa.String(length=40), nullable=True))



def downgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.drop_column('bank_account')
        batch_op.drop_column('bank_name')

    with op.batch_alter_table('program_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_entries_firm_id'))

    op.drop_table('program_entries')
    op.drop_table('program_lists')
