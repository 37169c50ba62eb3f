"""The migrations build exactly the schema the models describe (on SQLite or PostgreSQL)."""

from __future__ import annotations

import shutil
from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from student_portal import create_app
from student_portal.config import PROJECT_ROOT
from student_portal.extensions import db
from student_portal.models import QuizAnswer, QuizAttempt
from tests.conftest import app_config
from tests.factories import make_student


def test_migrations_on_an_empty_database_match_the_models(tmp_path):
    app = create_app(app_config(tmp_path))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
        downgrade(revision="base")
        with db.engine.connect() as connection:
            left = set(inspect(connection).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert differences == []
    assert {"user", "cohort", "membership", "quiz_attempt", "quiz_answer"} <= tables
    assert left == set()


BATCH_REVISION = '''
"""Test only: rebuild quiz_attempt the way a batch migration does on SQLite."""
from alembic import op
import sqlalchemy as sa

revision = "test_batch_rebuild"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("quiz_attempt", recreate="always") as batch_op:
        batch_op.alter_column("quiz_version", type_=sa.String(40))


def downgrade():
    pass
'''


def test_a_table_rebuild_keeps_the_rows_that_point_at_it(tmp_path):
    """Batch migrations copy and drop tables; that must not cascade-delete children."""
    migrations = tmp_path / "migrations"
    shutil.copytree(
        PROJECT_ROOT / "migrations", migrations, ignore=shutil.ignore_patterns("__pycache__")
    )
    app = create_app(app_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'b.db'}"))
    with app.app_context():
        upgrade(directory=str(migrations))
        head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        student = make_student(username="kept-student")
        db.session.add(
            QuizAttempt(
                user_id=student.id,
                lesson_slug="x",
                quiz_version="v",
                score=1,
                max_score=1,
                passed=True,
                idempotency_key="k",
                answers=[QuizAnswer(item_id="i", choice_id="c", correct=True)],
            )
        )
        db.session.commit()
        db.session.remove()
        (migrations / "versions" / "test_batch_rebuild.py").write_text(
            BATCH_REVISION.replace("{head}", head)
        )
        upgrade(directory=str(migrations))
        assert db.session.scalar(select(func.count(QuizAnswer.id))) == 1
        db.engine.dispose()


def test_old_poll_answers_become_counts_and_lose_their_voters(tmp_path):
    """The poll-tally migration keeps closed polls' counts and drops every voter hash."""
    app = create_app(app_config(tmp_path))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(revision="627900fed22b")  # the revision before the poll tallies
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO \"user\" (id, username, password_hash, role, session_version,"
                    " created_at) VALUES (1, 't', 'x', 'teacher', 1, '2026-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO cohort (id, name, grade_band, owner_id, join_code, join_open,"
                    " archived, created_at) VALUES (1, 'c', '6-8', 1, 'ABCDEFGH', true, false,"
                    " '2026-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO club_session (id, cohort_id, leader_id, lesson_slug, current_step,"
                    " version, poll_number, poll_item_id, poll_revealed, started_at) VALUES"
                    " (1, 1, 1, 'l', 0, 1, 1, 'q', false, '2026-01-01')"
                )
            )
            for voter, choice in [("r:1", "a"), ("r:1", "b"), ("r:2", "a"), ("r:3", "b")]:
                connection.execute(
                    text(
                        "INSERT INTO poll_response (session_id, poll_number, item_id, choice_id,"
                        " voter) VALUES (1, 1, 'q', :choice, :voter)"
                    ),
                    {"choice": choice, "voter": voter},
                )
        upgrade()
        with db.engine.connect() as connection:
            counts = dict(connection.execute(text("SELECT choice_id, count FROM poll_tally")).all())
            open_poll = connection.execute(text("SELECT poll_item_id FROM club_session")).scalar()
            tables = set(inspect(connection).get_table_names())
        db.engine.dispose()
    assert counts == {"*": 3, "a": 2, "b": 2}
    assert open_poll is None  # a poll open during the upgrade is closed
    assert "poll_response" not in tables


def test_the_grid_standing_migration_counts_what_is_there_and_keeps_counting(tmp_path):
    """Progress stored before the grid standing existed is counted once by the migration, and
    the triggers it makes count what comes after (a batch rebuild must not lose them)."""
    app = create_app(app_config(tmp_path))
    with app.app_context():
        dialect = db.engine.dialect.name
        if dialect == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(revision="b7d2e8c41f90")  # the revision before the grid standing
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO \"user\" (id, username, password_hash, role, session_version,"
                    " created_at) VALUES (1, 't', 'x', 'teacher', 1, '2026-01-01'),"
                    " (2, 'ana', 'x', 'student', 1, '2026-01-01'),"
                    " (3, 'ben', 'x', 'student', 1, '2026-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO cohort (id, name, grade_band, owner_id, join_code, join_open,"
                    " archived, created_at) VALUES (1, 'c', '6-8', 1, 'ABCDEFGH', true, false,"
                    " '2026-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO membership (user_id, cohort_id, role, joined_at,"
                    " evaluation_opt_out) VALUES (2, 1, 'student', '2026-01-01', false),"
                    " (3, 1, 'student', '2026-01-01', false)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO lesson_progress (user_id, lesson_slug, started_at, completed_at,"
                    " part, attempts, quiz_passed, best_fraction, last_attempt_at) VALUES"
                    " (2, 'a', :start, :done, 1, 2, false, 0.5, :done),"
                    " (3, 'a', :start, NULL, 1, 1, true, 1.0, :start)"
                ),
                {"start": datetime(2026, 1, 5, 9, 10), "done": datetime(2026, 1, 5, 10, 20)},
            )
        upgrade()
        with db.engine.begin() as connection:
            standing = "SELECT user_id, lessons_started, lessons_done, quizzes_passed,"
            standing += " lessons_struggling FROM membership ORDER BY user_id"
            before = connection.execute(text(standing)).all()
            tally = "SELECT best, done, passed, students FROM grid_tally WHERE students > 0"
            tallied = {tuple(row) for row in connection.execute(text(tally))}
            hours = connection.execute(text("SELECT completions FROM grid_hour")).scalars().all()
            # After the migration, the triggers count a new reading.
            connection.execute(
                text("UPDATE lesson_progress SET completed_at = :now WHERE user_id = 3"),
                {"now": datetime(2026, 1, 6, 8, 0)},
            )
            after = connection.execute(text(standing)).all()
            hours_after = sorted(
                connection.execute(text("SELECT completions FROM grid_hour")).scalars()
            )
        db.engine.dispose()
    assert before == [(2, 1, 1, 0, 1), (3, 1, 1, 1, 0)]
    assert tallied == {(0.5, True, False, 1), (1.0, True, True, 1)}
    assert hours == [1]
    assert after == before and hours_after == [1, 1]
