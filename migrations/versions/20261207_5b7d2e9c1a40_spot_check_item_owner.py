"""spot-check items get an owner: the officer who records their result

Revision ID: 5b7d2e9c1a40
Revises: 4483c45b2445
Create Date: 2026-12-07 20:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5b7d2e9c1a40'
down_revision = '4483c45b2445'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('spot_check_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_to_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_spot_check_items_assigned_to_id_users'),
                                    'users', ['assigned_to_id'], ['id'], ondelete='SET NULL')
    # Existing items belong to whoever drew their check.
    op.execute("UPDATE spot_check_items SET assigned_to_id = (SELECT drawn_by_id FROM spot_checks "
               "WHERE spot_checks.id = spot_check_items.spot_check_id)")


def downgrade():
    with op.batch_alter_table('spot_check_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_spot_check_items_assigned_to_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('assigned_to_id')
