"""monitoring: targets per indicator, year and scope; monthly snapshots of the indicators

Revision ID: bed6e67e9227
Revises: b3e51f0a7c42
Create Date: 2026-12-07 16:30:10

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'bed6e67e9227'
down_revision = 'b3e51f0a7c42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('indicator_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.CheckConstraint("kind IN ('scheduled', 'manual', 'backfilled')", name=op.f('ck_indicator_snapshots_kind')),
    sa.ForeignKeyConstraint(['taken_by_id'], ['users.id'], name=op.f('fk_indicator_snapshots_taken_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_snapshots')),
    sa.UniqueConstraint('as_of', name=op.f('uq_indicator_snapshots_as_of'))
    )
    op.create_table('targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=True),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("direction IN ('at_least', 'at_most')", name=op.f('ck_targets_direction')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_targets_year')),
    sa.ForeignKeyConstraint(['district'], ['districts.code'], name=op.f('fk_targets_district_districts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_targets_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_targets'))
    )
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.create_index('ux_targets_city', ['indicator', 'year'], unique=True, postgresql_where=sa.text('district IS NULL'), sqlite_where=sa.text('district IS NULL'))
        batch_op.create_index('ux_targets_district', ['indicator', 'year', 'district'], unique=True, postgresql_where=sa.text('district IS NOT NULL'), sqlite_where=sa.text('district IS NOT NULL'))
    op.create_table('indicator_snapshot_scopes',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['indicator_snapshots.id'], name=op.f('fk_indicator_snapshot_scopes_snapshot_id_indicator_snapshots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'scope', name=op.f('pk_indicator_snapshot_scopes'))
    )


def downgrade():
    op.drop_table('indicator_snapshot_scopes')
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_index('ux_targets_district', postgresql_where=sa.text('district IS NOT NULL'), sqlite_where=sa.text('district IS NOT NULL'))
        batch_op.drop_index('ux_targets_city', postgresql_where=sa.text('district IS NULL'), sqlite_where=sa.text('district IS NULL'))
    op.drop_table('targets')
    op.drop_table('indicator_snapshots')
