"""scans: compact firm verdicts, no per-row foreign key checks on the tables scans write in bulk

Firm verdicts keep no input snapshot and store failed criteria as bit masks. Verdicts, candidates,
flags and opportunities check no foreign key per row (a trigger on firms deletes a deleted firm's
rows, as the cascade did); scan ids are provenance only.

Revision ID: 5e0c1a7d9b21
Revises: 413749f34024
Create Date: 2026-11-24 02:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e0c1a7d9b21'
down_revision = '413749f34024'
branch_labels = None
depends_on = None

TIERS = ('tech_sme', 'hnte', 'gazelle', 'leader')
# (table, column, referred table, on delete) of every foreign key dropped.
FOREIGN_KEYS = [
    ('firm_verdicts', 'firm_id', 'firms', 'CASCADE'),
    ('firm_verdicts', 'scan_id', 'scans', 'SET NULL'),
    ('candidates', 'firm_id', 'firms', 'CASCADE'),
    ('candidates', 'opened_scan_id', 'scans', 'SET NULL'),
    ('candidates', 'last_scan_id', 'scans', 'SET NULL'),
    ('candidates', 'closed_scan_id', 'scans', 'SET NULL'),
    ('firm_flags', 'firm_id', 'firms', 'CASCADE'),
    ('firm_flags', 'raised_scan_id', 'scans', 'SET NULL'),
    ('firm_flags', 'cleared_scan_id', 'scans', 'SET NULL'),
    ('incentive_opportunities', 'firm_id', 'firms', 'CASCADE'),
    ('incentive_opportunities', 'opened_scan_id', 'scans', 'SET NULL'),
    ('incentive_opportunities', 'closed_scan_id', 'scans', 'SET NULL'),
]
CASCADED = ('firm_verdicts', 'candidates', 'firm_flags', 'incentive_opportunities')
DELETE_TRIGGER = {
    'postgresql': [
        """CREATE FUNCTION firms_drop_scan_results() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             DELETE FROM firm_verdicts WHERE firm_id IN (SELECT id FROM gone);
             DELETE FROM candidates WHERE firm_id IN (SELECT id FROM gone);
             DELETE FROM firm_flags WHERE firm_id IN (SELECT id FROM gone);
             DELETE FROM incentive_opportunities WHERE firm_id IN (SELECT id FROM gone);
             RETURN NULL;
           END $$""",
        """CREATE TRIGGER firms_drop_scan_results AFTER DELETE ON firms
           REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
           EXECUTE FUNCTION firms_drop_scan_results()""",
    ],
    'sqlite': [
        """CREATE TRIGGER firms_drop_scan_results AFTER DELETE ON firms FOR EACH ROW
           BEGIN
             DELETE FROM firm_verdicts WHERE firm_id = OLD.id;
             DELETE FROM candidates WHERE firm_id = OLD.id;
             DELETE FROM firm_flags WHERE firm_id = OLD.id;
             DELETE FROM incentive_opportunities WHERE firm_id = OLD.id;
           END""",
    ],
}
# Two workers inserting at once contend for each sequence page and each index's rightmost page;
# cached blocks of ids (per connection) spread them apart.
CACHED_SEQUENCES = ('candidates_id_seq', 'firm_flags_id_seq', 'incentive_opportunities_id_seq')
DROP_DELETE_TRIGGER = {
    'postgresql': ["DROP TRIGGER IF EXISTS firms_drop_scan_results ON firms",
                   "DROP FUNCTION IF EXISTS firms_drop_scan_results()"],
    'sqlite': ["DROP TRIGGER IF EXISTS firms_drop_scan_results"],
}


def _fk_name(table: str, column: str, referred: str) -> str:
    return f'fk_{table}_{column}_{referred}'


def _altering(table: str):
    """batch_alter_table, keeping the triggers on or about the table: SQLite's batch mode rebuilds
    the table, which drops its triggers and refuses the rename while another table's trigger
    names it (the officers' facet triggers on candidates and firms)."""
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


def upgrade():
    with op.batch_alter_table('firm_verdicts', schema=None) as batch_op:
        batch_op.drop_index('ix_firm_verdicts_hnte')
        batch_op.drop_index('ix_firm_verdicts_tech_sme')
    for table in ('firm_verdicts', 'candidates', 'firm_flags', 'incentive_opportunities'):
        batch, triggers = _altering(table)
        with batch as batch_op:
            for name, column, referred, _ondelete in FOREIGN_KEYS:
                if name == table:
                    batch_op.drop_constraint(_fk_name(table, column, referred), type_='foreignkey')
            if table == 'firm_verdicts':
                batch_op.drop_column('snapshot')
                batch_op.drop_column('params_key')
        _restore(triggers)
    with op.batch_alter_table('firm_verdicts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params_key', sa.BigInteger(), nullable=True))
        for tier in TIERS:
            batch_op.add_column(sa.Column(f'failed_{tier}', sa.Integer(), nullable=True))
    # Verdicts of firms deleted meanwhile: gone, as the dropped cascade did.
    for table in CASCADED:
        op.execute(f"DELETE FROM {table} WHERE firm_id NOT IN (SELECT id FROM firms)")
    for statement in DELETE_TRIGGER[op.get_bind().dialect.name]:
        op.execute(statement)
    if op.get_bind().dialect.name == 'postgresql':
        for sequence in CACHED_SEQUENCES:
            op.execute(f'ALTER SEQUENCE {sequence} CACHE 1000')


def downgrade():
    for statement in DROP_DELETE_TRIGGER[op.get_bind().dialect.name]:
        op.execute(statement)
    if op.get_bind().dialect.name == 'postgresql':
        for sequence in CACHED_SEQUENCES:
            op.execute(f'ALTER SEQUENCE {sequence} CACHE 1')
    with op.batch_alter_table('firm_verdicts', schema=None) as batch_op:
        for tier in TIERS:
            batch_op.drop_column(f'failed_{tier}')
        batch_op.drop_column('params_key')
    # Verdicts without a snapshot are rewritten by the next scan of the older code.
    for table in ('firm_verdicts', 'candidates', 'firm_flags', 'incentive_opportunities'):
        batch, triggers = _altering(table)
        with batch as batch_op:
            if table == 'firm_verdicts':
                batch_op.add_column(sa.Column('params_key', sa.String(length=40), nullable=True))
                batch_op.add_column(sa.Column('snapshot', sa.LargeBinary(), nullable=True))
            for name, column, referred, ondelete in FOREIGN_KEYS:
                if name == table:
                    batch_op.create_foreign_key(_fk_name(table, column, referred), referred, [column], ['id'],
                                                ondelete=ondelete)
        _restore(triggers)
    with op.batch_alter_table('firm_verdicts', schema=None) as batch_op:
        batch_op.create_index('ix_firm_verdicts_tech_sme', ['status_tech_sme'], unique=False)
        batch_op.create_index('ix_firm_verdicts_hnte', ['status_hnte'], unique=False)
