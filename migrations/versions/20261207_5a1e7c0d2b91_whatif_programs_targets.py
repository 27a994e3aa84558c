"""what-if: the bureau programs and the tax-relief firms per district of a run, and the reward
budgets (base and scenario) it used

Revision ID: 5a1e7c0d2b91
Revises: a9d3c6e1f2b4
Create Date: 2026-12-07 20:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5a1e7c0d2b91'
down_revision = 'a9d3c6e1f2b4'
branch_labels = None
depends_on = None

COUNTS = ("reward_firms", "reward_unknown", "priority", "top", "tax_firms")


def upgrade():
    op.create_table('whatif_district_totals',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('chunk_index', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=False),
    *[sa.Column(f'{side}_{name}', sa.Integer(), nullable=False)
      for name in COUNTS[:2] for side in ('base', 'scenario')],
    sa.Column('base_entitlement', sa.BigInteger(), nullable=False),
    sa.Column('scenario_entitlement', sa.BigInteger(), nullable=False),
    *[sa.Column(f'{side}_{name}', sa.Integer(), nullable=False)
      for name in COUNTS[2:] for side in ('base', 'scenario')],
    sa.ForeignKeyConstraint(['run_id'], ['whatif_runs.id'], name=op.f('fk_whatif_district_totals_run_id_whatif_runs'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'chunk_index', 'district', name=op.f('pk_whatif_district_totals'))
    )
    with op.batch_alter_table('whatif_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('base_budget', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('scenario_budget', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('whatif_runs', schema=None) as batch_op:
        batch_op.drop_column('scenario_budget')
        batch_op.drop_column('base_budget')
    op.drop_table('whatif_district_totals')
