"""Each lesson_progress row keeps a summary of the student's quiz attempts, for the grid

Revision ID: b7d2e8c41f90
Revises: 2345e587f6c4
Create Date: 2026-12-01 13:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2e8c41f90'
down_revision = '2345e587f6c4'
branch_labels = None
depends_on = None

SAME_CELL = (
    "a.user_id = lesson_progress.user_id AND a.lesson_slug = lesson_progress.lesson_slug"
)


def upgrade():
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('quiz_passed', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('best_fraction', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_lesson_progress_standing', ['user_id', 'lesson_slug', 'started_at', 'completed_at', 'attempts', 'quiz_passed', 'best_fraction', 'last_attempt_at'], unique=False)

    # Attempts handed in before a progress row was kept for them: the lesson was started then.
    op.execute(
        "INSERT INTO lesson_progress (user_id, lesson_slug, started_at, part, attempts, quiz_passed)"
        " SELECT a.user_id, a.lesson_slug, min(a.submitted_at), 1, 0, false FROM quiz_attempt a"
        " WHERE NOT EXISTS (SELECT 1 FROM lesson_progress p"
        " WHERE p.user_id = a.user_id AND p.lesson_slug = a.lesson_slug)"
        " GROUP BY a.user_id, a.lesson_slug"
    )
    op.execute(
        "UPDATE lesson_progress SET"
        f" attempts = (SELECT count(*) FROM quiz_attempt a WHERE {SAME_CELL}),"
        f" quiz_passed = EXISTS (SELECT 1 FROM quiz_attempt a WHERE {SAME_CELL} AND a.passed),"
        " best_fraction = (SELECT max(CAST(a.score AS FLOAT) / NULLIF(a.max_score, 0))"
        f" FROM quiz_attempt a WHERE {SAME_CELL}),"
        f" last_attempt_at = (SELECT max(a.submitted_at) FROM quiz_attempt a WHERE {SAME_CELL})"
        f" WHERE EXISTS (SELECT 1 FROM quiz_attempt a WHERE {SAME_CELL})"
    )


def downgrade():
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_index('ix_lesson_progress_standing')
        batch_op.drop_column('last_attempt_at')
        batch_op.drop_column('best_fraction')
        batch_op.drop_column('quiz_passed')
        batch_op.drop_column('attempts')
