"""scans: flags and opportunities keyed by (firm, subject, cycle); candidates' partial indexes

A full scan inserts about one opportunity and a quarter of a flag per firm, and each index costs
each insert: the surrogate id with its key and the queue index (status, subject, id) went, the
natural key became the primary key; flags keep an index for their outreach lists (flag, cycle,
firm). Scans insert candidates unassigned and not deferred, so the indexes on those columns keep
only the rows that have them.

Revision ID: b3e51f0a7c42
Revises: 8c2f4e6a1d37
Create Date: 2026-11-24 04:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3e51f0a7c42'
down_revision = '8c2f4e6a1d37'
branch_labels = None
depends_on = None

KEYED = (('firm_flags', 'flag'), ('incentive_opportunities', 'incentive'))
PARTIAL = (('ix_candidates_assigned_to_id', 'assigned_to_id'), ('ix_candidates_deferred_until', 'deferred_until'))


def _altering(table: str):
    """batch_alter_table, keeping the triggers that name the table: SQLite's batch mode rebuilds
    it, which drops its triggers and is refused while another table's trigger names it. (The
    helper of revision 5e0c1a7d9b21, repeated: a migration must not change when shared code does.)"""
    bind = op.get_bind()
    triggers = []
    if bind.dialect.name == 'sqlite':
        triggers = bind.execute(sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND (tbl_name = :table OR sql LIKE '%' || :table || '%')"), {'table': table}).all()
        for name, _sql in triggers:
            op.execute(f'DROP TRIGGER {name}')
    return op.batch_alter_table(table, schema=None), [sql for _name, sql in triggers]


def _restore(triggers) -> None:
    for sql in triggers:
        op.execute(sql)


def _index_candidates(where_not_null: bool) -> None:
    for name, column in PARTIAL:
        op.drop_index(name, table_name='candidates')
        where = {}
        if where_not_null:
            condition = sa.text(f'{column} IS NOT NULL')
            where = {'postgresql_where': condition, 'sqlite_where': condition}
        op.create_index(name, 'candidates', [column], unique=False, **where)


def upgrade():
    for table, subject in KEYED:
        batch, triggers = _altering(table)
        with batch as batch_op:
            batch_op.drop_index(f'ix_{table}_queue')
            batch_op.drop_constraint(f'uq_{table}_firm_id_{subject}_cycle', type_='unique')
            batch_op.drop_constraint(f'pk_{table}', type_='primary')
            batch_op.drop_column('id')
            batch_op.create_primary_key(f'pk_{table}', ['firm_id', subject, 'cycle'])
        _restore(triggers)
    op.create_index('ix_firm_flags_list', 'firm_flags', ['flag', 'cycle', 'firm_id'], unique=False)
    _index_candidates(where_not_null=True)


def downgrade():
    _index_candidates(where_not_null=False)
    op.drop_index('ix_firm_flags_list', table_name='firm_flags')
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table, subject in KEYED:
        batch, triggers = _altering(table)
        with batch as batch_op:
            batch_op.drop_constraint(f'pk_{table}', type_='primary')
            batch_op.create_unique_constraint(f'uq_{table}_firm_id_{subject}_cycle', ['firm_id', subject, 'cycle'])
        _restore(triggers)
        if postgresql:
            op.execute(f'ALTER TABLE {table} ADD COLUMN id SERIAL')
            op.execute(f'ALTER SEQUENCE {table}_id_seq CACHE 1000')
            op.create_primary_key(f'pk_{table}', table, ['id'])
        else:   # a rebuilt table whose INTEGER PRIMARY KEY numbers the rows
            batch, triggers = _altering(table)
            with batch as batch_op:
                batch_op.add_column(sa.Column('id', sa.Integer(), nullable=False, primary_key=True))
                batch_op.create_primary_key(f'pk_{table}', ['id'])
            _restore(triggers)
        op.create_index(f'ix_{table}_queue', table, ['status', subject, 'id'], unique=False)
