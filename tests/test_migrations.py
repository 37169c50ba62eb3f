"""The migrations build exactly the schema the models describe (on SQLite or PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from student_portal import create_app
from student_portal.extensions import db
from tests.conftest import app_config


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
