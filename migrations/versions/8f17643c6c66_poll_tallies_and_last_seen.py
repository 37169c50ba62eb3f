"""Poll answers as anonymous counters plus a separate "has voted" set; users' last_seen_at

Closed polls' answers are carried over as counts; the old rows (a voter hash next to each
choice) are dropped. Polls open at upgrade time are closed. Downgrade recreates an empty
poll_response table: the counts cannot be turned back into rows.

Revision ID: 8f17643c6c66
Revises: 627900fed22b
Create Date: 2026-12-01 09:42:47.626505

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8f17643c6c66'
down_revision = '627900fed22b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('poll_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('poll_number', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('step_id', sa.String(length=64), nullable=True),
    sa.Column('choice_id', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('shown', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['club_session.id'], name=op.f('fk_poll_tally_session_id_club_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_tally')),
    sa.UniqueConstraint('session_id', 'poll_number', 'choice_id', name=op.f('uq_poll_tally_session_id'))
    )
    op.create_table('poll_voter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('poll_number', sa.Integer(), nullable=False),
    sa.Column('voter', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['club_session.id'], name=op.f('fk_poll_voter_session_id_club_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_voter')),
    sa.UniqueConstraint('session_id', 'poll_number', 'voter', name=op.f('uq_poll_voter_session_id'))
    )
    op.execute(
        "INSERT INTO poll_tally (session_id, poll_number, item_id, step_id, choice_id, count, shown)"
        " SELECT session_id, poll_number, MIN(item_id), MIN(step_id), choice_id, COUNT(*), COUNT(*)"
        " FROM poll_response GROUP BY session_id, poll_number, choice_id"
    )
    op.execute(
        "INSERT INTO poll_tally (session_id, poll_number, item_id, step_id, choice_id, count, shown)"
        " SELECT session_id, poll_number, MIN(item_id), MIN(step_id), '*',"
        " COUNT(DISTINCT voter), COUNT(DISTINCT voter)"
        " FROM poll_response GROUP BY session_id, poll_number"
    )
    # An open poll's "has voted" hashes are not carried over, so it is closed.
    op.execute("UPDATE club_session SET poll_item_id = NULL, poll_step_id = NULL")
    with op.batch_alter_table('poll_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_response_session_id'))

    op.drop_table('poll_response')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_last_seen_at'), ['last_seen_at'], unique=False)



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_last_seen_at'))
        batch_op.drop_column('last_seen_at')

    op.create_table('poll_response',
    sa.Column('id', sa.INTEGER(), nullable=False),
    sa.Column('session_id', sa.INTEGER(), nullable=False),
    sa.Column('poll_number', sa.INTEGER(), nullable=False),
    sa.Column('item_id', sa.VARCHAR(length=64), nullable=False),
    sa.Column('step_id', sa.VARCHAR(length=64), nullable=True),
    sa.Column('choice_id', sa.VARCHAR(length=64), nullable=False),
    sa.Column('voter', sa.VARCHAR(length=64), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['club_session.id'], name=op.f('fk_poll_response_session_id_club_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_response')),
    sa.UniqueConstraint('session_id', 'poll_number', 'voter', 'choice_id', name=op.f('uq_poll_response_session_id'))
    )
    with op.batch_alter_table('poll_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_response_session_id'), ['session_id'], unique=False)

    op.drop_table('poll_voter')
    op.drop_table('poll_tally')
