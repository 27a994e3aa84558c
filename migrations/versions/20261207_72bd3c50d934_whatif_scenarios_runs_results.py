"""what-if: scenarios, their runs and chunks, and the runs' own result tables (issue 13)

Revision ID: 72bd3c50d934
Revises: 8ec63145390d
Create Date: 2026-12-07 16:33:07.946559

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '72bd3c50d934'
down_revision = '8ec63145390d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('whatif_scenarios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('districts', sa.JSON(), nullable=False),
    sa.Column('overrides', sa.JSON(), nullable=False),
    sa.Column('profiles', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_whatif_scenarios_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_whatif_scenarios'))
    )
    op.create_table('whatif_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('districts', sa.JSON(), nullable=False),
    sa.Column('policy_year', sa.Integer(), nullable=False),
    sa.Column('base_profiles', sa.JSON(), nullable=False),
    sa.Column('profiles', sa.JSON(), nullable=False),
    sa.Column('overrides', sa.JSON(), nullable=False),
    sa.Column('base_parameters', sa.Text(), nullable=False),
    sa.Column('scenario_parameters', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('firms_total', sa.Integer(), nullable=False),
    sa.Column('firms_done', sa.Integer(), nullable=False),
    sa.Column('chunks_total', sa.Integer(), nullable=False),
    sa.Column('chunks_done', sa.Integer(), nullable=False),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'cancelled')", name=op.f('ck_whatif_runs_status')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_whatif_runs_requested_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scenario_id'], ['whatif_scenarios.id'], name=op.f('fk_whatif_runs_scenario_id_whatif_scenarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_whatif_runs'))
    )
    with op.batch_alter_table('whatif_runs', schema=None) as batch_op:
        batch_op.create_index('ix_whatif_runs_scenario_id', ['scenario_id'], unique=False)

    op.create_table('whatif_changes',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('firm_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('change', sa.SmallInteger(), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=False),
    sa.Column('base_status', sa.SmallInteger(), nullable=False),
    sa.Column('scenario_status', sa.SmallInteger(), nullable=False),
    sa.Column('criterion', sa.String(length=48), nullable=True),
    sa.Column('actual', sa.String(length=64), nullable=True),
    sa.Column('base_required', sa.String(length=64), nullable=True),
    sa.Column('scenario_required', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['whatif_runs.id'], name=op.f('fk_whatif_changes_run_id_whatif_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'tier', 'firm_id', name=op.f('pk_whatif_changes'))
    )
    with op.batch_alter_table('whatif_changes', schema=None) as batch_op:
        batch_op.create_index('ix_whatif_changes_list', ['run_id', 'tier', 'change', 'district'], unique=False)

    op.create_table('whatif_chunks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('first_firm_id', sa.Integer(), nullable=False),
    sa.Column('last_firm_id', sa.Integer(), nullable=False),
    sa.Column('firms', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'cancelled')", name=op.f('ck_whatif_chunks_status')),
    sa.ForeignKeyConstraint(['run_id'], ['whatif_runs.id'], name=op.f('fk_whatif_chunks_run_id_whatif_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_whatif_chunks')),
    sa.UniqueConstraint('run_id', 'index', name=op.f('uq_whatif_chunks_run_id_index'))
    )
    op.create_table('whatif_incentive_totals',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('chunk_index', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=False),
    sa.Column('incentive', sa.String(length=32), nullable=False),
    sa.Column('base_firms', sa.Integer(), nullable=False),
    sa.Column('scenario_firms', sa.Integer(), nullable=False),
    sa.Column('base_unknown', sa.Integer(), nullable=False),
    sa.Column('scenario_unknown', sa.Integer(), nullable=False),
    sa.Column('base_saving', sa.BigInteger(), nullable=False),
    sa.Column('scenario_saving', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['whatif_runs.id'], name=op.f('fk_whatif_incentive_totals_run_id_whatif_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'chunk_index', 'district', 'incentive', name=op.f('pk_whatif_incentive_totals'))
    )
    op.create_table('whatif_tier_counts',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('chunk_index', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('firms', sa.Integer(), nullable=False),
    sa.Column('base', sa.Integer(), nullable=False),
    sa.Column('scenario', sa.Integer(), nullable=False),
    sa.Column('winners', sa.Integer(), nullable=False),
    sa.Column('losers', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['whatif_runs.id'], name=op.f('fk_whatif_tier_counts_run_id_whatif_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'chunk_index', 'district', 'tier', name=op.f('pk_whatif_tier_counts'))
    )


def downgrade():
    op.drop_table('whatif_tier_counts')
    op.drop_table('whatif_incentive_totals')
    op.drop_table('whatif_chunks')
    with op.batch_alter_table('whatif_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_whatif_changes_list')

    op.drop_table('whatif_changes')
    with op.batch_alter_table('whatif_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_whatif_runs_scenario_id')

    op.drop_table('whatif_runs')
    op.drop_table('whatif_scenarios')
