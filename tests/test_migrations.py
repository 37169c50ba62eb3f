"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect

from student_portal import create_app
from student_portal.extensions import db
from tests.conftest import app_config


def test_migrations_on_an_empty_database_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app(app_config(tmp_path, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade()
        engine = create_engine(url)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
        engine.dispose()
        db.engine.dispose()
    assert differences == []
    assert {"user", "cohort", "membership", "quiz_attempt", "quiz_answer"} <= tables
