"""audit hash chain: each event keeps its position, the previous event's hash and its own; the
chain's head row (made with the first event); existing events chained in id order; actor and firm become plain ids

Revision ID: a9d3c6e1f2b4
Revises: 5b7d2e9c1a40
Create Date: 2026-12-07 20:20:00

"""
import sqlalchemy as sa
from alembic import op

from registry.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'a9d3c6e1f2b4'
down_revision = '5b7d2e9c1a40'
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
BATCH = 5000


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint('fk_audit_events_actor_id_users', type_='foreignkey')
        batch_op.drop_constraint('fk_audit_events_firm_id_firms', type_='foreignkey')
        batch_op.add_column(sa.Column('chain_seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_audit_events_chain_seq', ['chain_seq'], unique=True)
    chain = op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain'))
    )
    _chain_existing_events(chain)


def _chain_existing_events(chain):
    """Chain the events recorded so far, oldest (lowest id) first."""
    from registry.services.audit_chain import link
    events = sa.table('audit_events', sa.column('id', sa.Integer), sa.column('at', UTCDateTime()),
                      sa.column('actor_id', sa.Integer), sa.column('action', sa.String),
                      sa.column('object_type', sa.String), sa.column('object_id', sa.Integer),
                      sa.column('firm_id', sa.Integer), sa.column('details', sa.JSON),
                      sa.column('remote_addr', sa.String), sa.column('chain_seq', sa.BigInteger),
                      sa.column('prev_hash', sa.String), sa.column('hash', sa.String))
    bind = op.get_bind()
    set_links = (events.update().where(events.c.id == sa.bindparam('b_id'))
                 .values(chain_seq=sa.bindparam('b_seq'), prev_hash=sa.bindparam('b_prev'),
                         hash=sa.bindparam('b_hash')))
    seq, prev_hash, after = 0, GENESIS_HASH, 0
    columns = [events.c[name] for name in ('id', 'at', 'actor_id', 'action', 'object_type',
                                           'object_id', 'firm_id', 'details', 'remote_addr')]
    while True:
        rows = bind.execute(sa.select(*columns).where(events.c.id > after)
                            .order_by(events.c.id).limit(BATCH)).all()
        if not rows:
            break
        links = list(link(rows, seq, prev_hash))
        bind.execute(set_links, links)
        seq, prev_hash, after = links[-1]['b_seq'], links[-1]['b_hash'], rows[-1].id
    if seq:  # an empty database stays empty: the first event makes the head
        bind.execute(chain.insert().values(id=1, seq=seq, last_hash=prev_hash))


def downgrade():
    op.drop_table('audit_chain')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_chain_seq')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('chain_seq')
        batch_op.create_foreign_key('fk_audit_events_firm_id_firms', 'firms', ['firm_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_foreign_key('fk_audit_events_actor_id_users', 'users', ['actor_id'],
                                    ['id'], ondelete='SET NULL')
