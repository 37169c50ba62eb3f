"""Accounts can be deactivated: user.active

Revision ID: a3c9e1f4b2d7
Revises: 6c62ee3a50ce
Create Date: 2026-11-25 09:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c9e1f4b2d7'
down_revision = '6c62ee3a50ce'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('active')
