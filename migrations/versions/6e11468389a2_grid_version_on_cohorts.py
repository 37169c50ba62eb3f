"""The cohort's grid version: one more for every write its progress grid shows, kept by
triggers (student_portal/standing.py), so a rendered grid page is served again while unchanged.

The trigger SQL is copied here as it was at this revision (the module may change later).

Revision ID: 6e11468389a2
Revises: 333c1db1c0fd
Create Date: 2026-12-01 17:25:07.815348

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6e11468389a2'
down_revision = '333c1db1c0fd'
branch_labels = None
depends_on = None


SQLITE_TRIGGERS = [
    'CREATE TRIGGER IF NOT EXISTS cohort_version_progress_insert AFTER INSERT ON lesson_progress BEGIN\n  UPDATE cohort SET grid_version = grid_version + 1 WHERE id IN (SELECT m.cohort_id FROM membership m WHERE m.user_id = NEW.user_id);\nEND',
    'CREATE TRIGGER IF NOT EXISTS cohort_version_progress_update AFTER UPDATE OF user_id, lesson_slug, started_at, completed_at, attempts, quiz_passed, best_fraction, last_attempt_at ON lesson_progress BEGIN\n  UPDATE cohort SET grid_version = grid_version + 1 WHERE id IN (SELECT m.cohort_id FROM membership m WHERE m.user_id IN (OLD.user_id, NEW.user_id));\nEND',
    'CREATE TRIGGER IF NOT EXISTS cohort_version_progress_delete AFTER DELETE ON lesson_progress BEGIN\n  UPDATE cohort SET grid_version = grid_version + 1 WHERE id IN (SELECT m.cohort_id FROM membership m WHERE m.user_id = OLD.user_id);\nEND',
    'CREATE TRIGGER IF NOT EXISTS cohort_version_member_insert AFTER INSERT ON membership BEGIN\n  UPDATE cohort SET grid_version = grid_version + 1 WHERE id = NEW.cohort_id;\nEND',
    'CREATE TRIGGER IF NOT EXISTS cohort_version_member_update AFTER UPDATE OF user_id, cohort_id, role ON membership BEGIN\n  UPDATE cohort SET grid_version = grid_version + 1 WHERE id IN (OLD.cohort_id, NEW.cohort_id);\nEND',
    'CREATE TRIGGER IF NOT EXISTS cohort_version_member_delete AFTER DELETE ON membership BEGIN\n  UPDATE cohort SET grid_version = grid_version + 1 WHERE id = OLD.cohort_id;\nEND',
    'CREATE TRIGGER IF NOT EXISTS cohort_version_user_update AFTER UPDATE OF username, display_name ON "user" BEGIN\n  UPDATE cohort SET grid_version = grid_version + 1 WHERE id IN (SELECT m.cohort_id FROM membership m WHERE m.user_id = NEW.id);\nEND',
]

POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION cohort_version_progress() RETURNS trigger\nLANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'INSERT' THEN\n    UPDATE cohort SET grid_version = grid_version + 1 WHERE id IN (SELECT m.cohort_id FROM membership m WHERE m.user_id = NEW.user_id) AND cohort.xmin <> pg_current_xact_id()::xid;\n  ELSIF TG_OP = 'DELETE' THEN\n    UPDATE cohort SET grid_version = grid_version + 1 WHERE id IN (SELECT m.cohort_id FROM membership m WHERE m.user_id = OLD.user_id) AND cohort.xmin <> pg_current_xact_id()::xid;\n  ELSE\n    UPDATE cohort SET grid_version = grid_version + 1 WHERE id IN (SELECT m.cohort_id FROM membership m WHERE m.user_id IN (OLD.user_id, NEW.user_id)) AND cohort.xmin <> pg_current_xact_id()::xid;\n  END IF;\n  RETURN NULL;\nEND $$",
    "CREATE OR REPLACE FUNCTION cohort_version_member() RETURNS trigger\nLANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'INSERT' THEN\n    UPDATE cohort SET grid_version = grid_version + 1 WHERE id = NEW.cohort_id AND cohort.xmin <> pg_current_xact_id()::xid;\n  ELSIF TG_OP = 'DELETE' THEN\n    UPDATE cohort SET grid_version = grid_version + 1 WHERE id = OLD.cohort_id AND cohort.xmin <> pg_current_xact_id()::xid;\n  ELSE\n    UPDATE cohort SET grid_version = grid_version + 1 WHERE id IN (OLD.cohort_id, NEW.cohort_id) AND cohort.xmin <> pg_current_xact_id()::xid;\n  END IF;\n  RETURN NULL;\nEND $$",
    'CREATE OR REPLACE FUNCTION cohort_version_user() RETURNS trigger\nLANGUAGE plpgsql AS $$\nBEGIN\n  UPDATE cohort SET grid_version = grid_version + 1 WHERE id IN (SELECT m.cohort_id FROM membership m WHERE m.user_id = NEW.id) AND cohort.xmin <> pg_current_xact_id()::xid;\n  RETURN NULL;\nEND $$',
    'CREATE OR REPLACE TRIGGER cohort_version_progress AFTER INSERT OR DELETE OR UPDATE OF user_id, lesson_slug, started_at, completed_at, attempts, quiz_passed, best_fraction, last_attempt_at ON lesson_progress FOR EACH ROW EXECUTE FUNCTION cohort_version_progress()',
    'CREATE OR REPLACE TRIGGER cohort_version_member AFTER INSERT OR DELETE OR UPDATE OF user_id, cohort_id, role ON membership FOR EACH ROW EXECUTE FUNCTION cohort_version_member()',
    'CREATE OR REPLACE TRIGGER cohort_version_user AFTER UPDATE OF username, display_name ON "user" FOR EACH ROW EXECUTE FUNCTION cohort_version_user()',
]

DROP_TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS cohort_version_progress_insert",
        "DROP TRIGGER IF EXISTS cohort_version_progress_update",
        "DROP TRIGGER IF EXISTS cohort_version_progress_delete",
        "DROP TRIGGER IF EXISTS cohort_version_member_insert",
        "DROP TRIGGER IF EXISTS cohort_version_member_update",
        "DROP TRIGGER IF EXISTS cohort_version_member_delete",
        "DROP TRIGGER IF EXISTS cohort_version_user_update",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS cohort_version_progress ON lesson_progress",
        "DROP TRIGGER IF EXISTS cohort_version_member ON membership",
        'DROP TRIGGER IF EXISTS cohort_version_user ON "user"',
        "DROP FUNCTION IF EXISTS cohort_version_progress()",
        "DROP FUNCTION IF EXISTS cohort_version_member()",
        "DROP FUNCTION IF EXISTS cohort_version_user()",
    ],
}


def _dialect():
    return "postgresql" if op.get_bind().dialect.name == "postgresql" else "sqlite"


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grid_version', sa.Integer(), server_default=sa.text('0'), nullable=False))

    # ### end Alembic commands ###
    run = op.get_bind().exec_driver_sql  # as written: no bind parameters read from the SQL
    for statement in POSTGRESQL_TRIGGERS if _dialect() == "postgresql" else SQLITE_TRIGGERS:
        run(statement)


def downgrade():
    for statement in DROP_TRIGGERS[_dialect()]:
        op.get_bind().exec_driver_sql(statement)
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_column('grid_version')

    # ### end Alembic commands ###
