"""Lesson player: the part a student last read (lesson_progress.part) and check_use, one row per
student, lesson and "check yourself" question answered (never the answer)

Revision ID: 2345e587f6c4
Revises: a3c9e1f4b2d7
Create Date: 2026-12-01 12:34:23.419178

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2345e587f6c4'
down_revision = 'a3c9e1f4b2d7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('check_use',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('lesson_slug', sa.String(length=80), nullable=False),
    sa.Column('check_id', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_check_use_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_use')),
    sa.UniqueConstraint('user_id', 'lesson_slug', 'check_id', name=op.f('uq_check_use_user_id'))
    )
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('part', sa.Integer(), server_default=sa.text('1'), nullable=False))



def downgrade():
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_column('part')

    op.drop_table('check_use')
