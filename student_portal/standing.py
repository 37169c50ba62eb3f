"""The cohort grid's standing, kept by the database itself as progress is written.

Each membership row carries its student's standing over their lessons (how many started,
read, passed, struggling; when last active), and two small tables count a cohort's cells:
`grid_tally` how many members are in each (lesson, best score, read, passed) state, and
`grid_hour` how many lessons members finished in each UTC hour. The grid page then sorts and
pages the cohort's membership rows and reads a few hundred counts, instead of going over every
student's every lesson on each request (80 ms at 3,000 students on SQLite).

Triggers keep them, in the transaction of the write, for every writer: the quiz service, the
lesson player, imports, bulk loads and cascaded deletes alike, so they cannot drift from
`lesson_progress`. They count every lesson slug; the grid checks that no lesson outside the
catalog has progress in the cohort (a retired lesson) and otherwise reads `lesson_progress`
directly (reports.cohort_grid_page).

Each cohort also carries a `grid_version`, one more for every write the grid shows (a cell, a
member joining, leaving or changing role, a student's name), so a rendered grid page can be
kept and served again until the cohort's version moves on (teach.progress). Those triggers are
named to run before the others on PostgreSQL (triggers on one event fire in name order): every
writer takes the cohort's row first, so two transactions wait in the same order.

Rows of the two tables are touched in one order (tally before hour, lower key first), so two
PostgreSQL transactions moving students between the same states wait rather than deadlock.

A table rebuilt by a batch migration on SQLite loses its triggers: a migration that rebuilds
`lesson_progress` or `membership` must call `create_triggers()` again
(tests/test_migrations.py checks that they are there at the head).
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

# The cell's state in `grid_tally`, from a lesson_progress row (NEW or OLD): a best score of
# -1 for none (a key column cannot hold NULL and still match).
_BEST = "coalesce({row}.best_fraction, -1)"
_DONE = "({row}.completed_at IS NOT NULL OR {row}.quiz_passed)"

# One student's standing, recomputed from their few lesson_progress rows.
_STANDING = """
UPDATE membership SET
  lessons_started = (SELECT count(*) FROM lesson_progress p WHERE p.user_id = membership.user_id),
  lessons_done = (SELECT count(*) FROM lesson_progress p WHERE p.user_id = membership.user_id
    AND (p.completed_at IS NOT NULL OR p.quiz_passed)),
  quizzes_passed = (SELECT count(*) FROM lesson_progress p WHERE p.user_id = membership.user_id
    AND p.quiz_passed),
  lessons_struggling = (SELECT count(*) FROM lesson_progress p
    WHERE p.user_id = membership.user_id AND p.attempts >= 2 AND NOT p.quiz_passed),
  last_active_at = (SELECT max(CASE
      WHEN p.last_attempt_at IS NULL THEN coalesce(p.completed_at, p.started_at)
      WHEN coalesce(p.completed_at, p.started_at) IS NULL THEN p.last_attempt_at
      WHEN coalesce(p.completed_at, p.started_at) > p.last_attempt_at
        THEN coalesce(p.completed_at, p.started_at)
      ELSE p.last_attempt_at END)
    FROM lesson_progress p WHERE p.user_id = membership.user_id)
WHERE {where}"""

SQLITE_HOUR = "substr({row}.completed_at, 1, 13) || ':00:00.000000'"
POSTGRESQL_HOUR = "date_trunc('hour', {row}.completed_at)"


def _tally_add(row: str, hour: str) -> list[str]:
    """Statements counting lesson_progress row `row` (NEW) in each of its student's cohorts."""
    return [
        "INSERT INTO grid_tally (cohort_id, lesson_slug, best, done, passed, students)"
        f" SELECT m.cohort_id, {row}.lesson_slug, {_BEST.format(row=row)},"
        f" {_DONE.format(row=row)}, {row}.quiz_passed, 1"
        f" FROM membership m WHERE m.user_id = {row}.user_id"
        " ON CONFLICT (cohort_id, lesson_slug, best, done, passed)"
        " DO UPDATE SET students = grid_tally.students + 1",
    ], [
        "INSERT INTO grid_hour (cohort_id, hour, completions)"
        f" SELECT m.cohort_id, {hour.format(row=row)}, 1"
        f" FROM membership m WHERE m.user_id = {row}.user_id AND {row}.completed_at IS NOT NULL"
        " ON CONFLICT (cohort_id, hour) DO UPDATE SET completions = grid_hour.completions + 1",
    ]


def _tally_remove(row: str, hour: str) -> tuple[list[str], list[str]]:
    """Statements no longer counting lesson_progress row `row` (OLD)."""
    cohorts = f"(SELECT m.cohort_id FROM membership m WHERE m.user_id = {row}.user_id)"
    return [
        "UPDATE grid_tally SET students = students - 1"
        f" WHERE cohort_id IN {cohorts} AND lesson_slug = {row}.lesson_slug"
        f" AND best = {_BEST.format(row=row)} AND done = {_DONE.format(row=row)}"
        f" AND passed = {row}.quiz_passed",
    ], [
        "UPDATE grid_hour SET completions = completions - 1"
        f" WHERE cohort_id IN {cohorts} AND {row}.completed_at IS NOT NULL"
        f" AND hour = {hour.format(row=row)}",
    ]


def _member_add(hour: str) -> list[str]:
    """Statements counting a new member's (NEW) progress in their cohort, and their standing."""
    done = _DONE.format(row="p")
    return [
        "INSERT INTO grid_tally (cohort_id, lesson_slug, best, done, passed, students)"
        f" SELECT NEW.cohort_id, p.lesson_slug, {_BEST.format(row='p')}, {done}, p.quiz_passed,"
        " count(*) FROM lesson_progress p WHERE p.user_id = NEW.user_id"
        f" GROUP BY p.lesson_slug, {_BEST.format(row='p')}, {done}, p.quiz_passed"
        " ON CONFLICT (cohort_id, lesson_slug, best, done, passed)"
        " DO UPDATE SET students = grid_tally.students + excluded.students",
        "INSERT INTO grid_hour (cohort_id, hour, completions)"
        f" SELECT NEW.cohort_id, {hour.format(row='p')}, count(*) FROM lesson_progress p"
        " WHERE p.user_id = NEW.user_id AND p.completed_at IS NOT NULL"
        f" GROUP BY {hour.format(row='p')}"
        " ON CONFLICT (cohort_id, hour)"
        " DO UPDATE SET completions = grid_hour.completions + excluded.completions",
        _STANDING.format(where="membership.id = NEW.id"),
    ]


def _member_remove(hour: str) -> list[str]:
    """Statements no longer counting a leaving member's (OLD) progress in their cohort."""
    same_state = (
        "p.user_id = OLD.user_id AND p.lesson_slug = grid_tally.lesson_slug"
        f" AND {_BEST.format(row='p')} = grid_tally.best AND {_DONE.format(row='p')} ="
        " grid_tally.done AND p.quiz_passed = grid_tally.passed"
    )
    return [
        "UPDATE grid_tally SET students = students"
        f" - (SELECT count(*) FROM lesson_progress p WHERE {same_state})"
        " WHERE cohort_id = OLD.cohort_id AND lesson_slug IN"
        " (SELECT p.lesson_slug FROM lesson_progress p WHERE p.user_id = OLD.user_id)",
        "UPDATE grid_hour SET completions = completions"
        " - (SELECT count(*) FROM lesson_progress p WHERE p.user_id = OLD.user_id"
        f" AND p.completed_at IS NOT NULL AND {hour.format(row='p')} = grid_hour.hour)"
        " WHERE cohort_id = OLD.cohort_id",
    ]


WATCHED = (
    "user_id, lesson_slug, started_at, completed_at, attempts, quiz_passed, best_fraction,"
    " last_attempt_at"
)
STANDING_OF_BOTH = "membership.user_id IN (OLD.user_id, NEW.user_id)"
STANDING_OF_NEW = "membership.user_id = NEW.user_id"
STANDING_OF_OLD = "membership.user_id = OLD.user_id"


# The cohorts a user is in, all of whose grids show that user's row.
_BUMP = (
    "UPDATE cohort SET grid_version = grid_version + 1"
    " WHERE id IN (SELECT m.cohort_id FROM membership m WHERE m.user_id {users}){once}"
)
_BUMP_COHORT = "UPDATE cohort SET grid_version = grid_version + 1 WHERE id {cohorts}{once}"
# PostgreSQL: once per cohort and transaction (a row this transaction already wrote has its id
# as xmin). Updating one row again for each of a bulk load's 80,000 rows made each update walk
# all the row's earlier versions: 3,000 students took 74 s to load instead of 30. (SQLite
# updates the row in place.) One more is enough: no reader sees the transaction's writes
# before it commits, and then the version it commits differs from every one read before.
ONCE_PER_TRANSACTION = " AND cohort.xmin <> pg_current_xact_id()::xid"
# What of a user or a membership the grid shows (and keys its rows by).
USER_SHOWN = "username, display_name"
MEMBER_SHOWN = "user_id, cohort_id, role"


# Which writes move a grid's version on, one table for both databases: per kind of row, its
# table, the columns an update must touch, and per event the statement (its cohorts).
_BY_USER = {"INSERT": "= NEW.user_id", "UPDATE": "IN (OLD.user_id, NEW.user_id)",
            "DELETE": "= OLD.user_id"}  # fmt: skip
_BY_COHORT = {"INSERT": "= NEW.cohort_id", "UPDATE": "IN (OLD.cohort_id, NEW.cohort_id)",
              "DELETE": "= OLD.cohort_id"}  # fmt: skip
VERSION_TRIGGERS = {
    "progress": ("lesson_progress", WATCHED,
                 {event: (_BUMP, {"users": cohorts}) for event, cohorts in _BY_USER.items()}),
    "member": ("membership", MEMBER_SHOWN,
               {event: (_BUMP_COHORT, {"cohorts": c}) for event, c in _BY_COHORT.items()}),
    "user": ('"user"', USER_SHOWN, {"UPDATE": (_BUMP, {"users": "= NEW.id"})}),
}  # fmt: skip


def _bump(bumps: dict, event: str, once: str) -> str:
    template, values = bumps[event]
    return template.format(**values, once=once)


def _version_sqlite() -> list[str]:
    """One trigger per kind of row and event (SQLite's fire on one event each)."""
    statements = []
    for kind, (table, shown, bumps) in VERSION_TRIGGERS.items():
        for on in bumps:
            when = f"AFTER UPDATE OF {shown}" if on == "UPDATE" else f"AFTER {on}"
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS cohort_version_{kind}_{on.lower()}"
                f" {when} ON {table} BEGIN\n  {_bump(bumps, on, '')};\nEND"
            )
    return statements


def _version_postgresql() -> list[str]:
    """One function and one trigger per kind of row, the function branching on the event."""
    once = ONCE_PER_TRANSACTION
    functions, triggers = [], []
    for kind, (table, shown, bumps) in VERSION_TRIGGERS.items():
        if len(bumps) == 1:
            body = f"  {_bump(bumps, next(iter(bumps)), once)};\n"
        else:
            body = (
                f"  IF TG_OP = 'INSERT' THEN\n    {_bump(bumps, 'INSERT', once)};\n"
                f"  ELSIF TG_OP = 'DELETE' THEN\n    {_bump(bumps, 'DELETE', once)};\n"
                f"  ELSE\n    {_bump(bumps, 'UPDATE', once)};\n  END IF;\n"
            )
        functions.append(
            f"CREATE OR REPLACE FUNCTION cohort_version_{kind}() RETURNS trigger\n"
            f"LANGUAGE plpgsql AS $$\nBEGIN\n{body}  RETURN NULL;\nEND $$"
        )
        events = " OR ".join(
            f"UPDATE OF {shown}" if on == "UPDATE" else on
            for on in ("INSERT", "DELETE", "UPDATE")
            if on in bumps
        )
        triggers.append(
            f"CREATE OR REPLACE TRIGGER cohort_version_{kind} AFTER {events} ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION cohort_version_{kind}()"
        )
    return functions + triggers


def sqlite_statements() -> list[str]:
    hour = SQLITE_HOUR
    add_tally, add_hour = _tally_add("NEW", hour)
    remove_tally, remove_hour = _tally_remove("OLD", hour)

    def trigger(name: str, when: str, body: list[str]) -> str:
        body_text = ";\n  ".join(body)
        return f"CREATE TRIGGER IF NOT EXISTS {name} {when} BEGIN\n  {body_text};\nEND"

    return [
        trigger(
            "grid_progress_insert",
            "AFTER INSERT ON lesson_progress",
            [*add_tally, *add_hour, _STANDING.format(where=STANDING_OF_NEW)],
        ),
        trigger(
            "grid_progress_update",
            f"AFTER UPDATE OF {WATCHED} ON lesson_progress",
            [
                *remove_tally,
                *add_tally,
                *remove_hour,
                *add_hour,
                _STANDING.format(where=STANDING_OF_BOTH),
            ],
        ),  # fmt: skip
        trigger(
            "grid_progress_delete",
            "AFTER DELETE ON lesson_progress",
            [*remove_tally, *remove_hour, _STANDING.format(where=STANDING_OF_OLD)],
        ),
        trigger("grid_member_insert", "AFTER INSERT ON membership", _member_add(hour)),
        trigger("grid_member_delete", "AFTER DELETE ON membership", _member_remove(hour)),
        *_version_sqlite(),
    ]


def postgresql_statements() -> list[str]:
    hour = POSTGRESQL_HOUR
    add_tally, add_hour = _tally_add("NEW", hour)
    remove_tally, remove_hour = _tally_remove("OLD", hour)

    def run(statements: list[str]) -> str:
        return "".join(f"    {statement};\n" for statement in statements)

    old_key, new_key = (
        f"({row}.lesson_slug, {_BEST.format(row=row)}, {_DONE.format(row=row)}, {row}.quiz_passed)"
        for row in ("OLD", "NEW")
    )
    old_hour, new_hour = hour.format(row="OLD"), hour.format(row="NEW")
    progress = f"""CREATE OR REPLACE FUNCTION grid_progress_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
{run([*add_tally, *add_hour, _STANDING.format(where=STANDING_OF_NEW)])}  ELSIF TG_OP = 'DELETE' THEN
{run([*remove_tally, *remove_hour, _STANDING.format(where=STANDING_OF_OLD)])}  ELSE
    IF OLD.user_id <> NEW.user_id OR {old_key} < {new_key} THEN
{run(remove_tally)}{run(add_tally)}    ELSIF {old_key} > {new_key} THEN
{run(add_tally)}{run(remove_tally)}    END IF;
    IF OLD.user_id <> NEW.user_id OR {old_hour} IS DISTINCT FROM {new_hour} THEN
      IF OLD.user_id <> NEW.user_id OR OLD.completed_at IS NULL OR NEW.completed_at IS NULL
         OR {old_hour} < {new_hour} THEN
{run(remove_hour)}{run(add_hour)}      ELSE
{run(add_hour)}{run(remove_hour)}      END IF;
    END IF;
{run([_STANDING.format(where=STANDING_OF_BOTH)])}  END IF;
  RETURN NULL;
END $$"""
    member = f"""CREATE OR REPLACE FUNCTION grid_member_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
{run(_member_add(hour))}  ELSE
{run(_member_remove(hour))}  END IF;
  RETURN NULL;
END $$"""
    return [
        progress,
        member,
        "CREATE OR REPLACE TRIGGER grid_progress_insert_delete"
        " AFTER INSERT OR DELETE ON lesson_progress"
        " FOR EACH ROW EXECUTE FUNCTION grid_progress_changed()",
        "CREATE OR REPLACE TRIGGER grid_progress_update"
        f" AFTER UPDATE OF {WATCHED} ON lesson_progress"
        " FOR EACH ROW EXECUTE FUNCTION grid_progress_changed()",
        "CREATE OR REPLACE TRIGGER grid_member_insert_delete AFTER INSERT OR DELETE ON membership"
        " FOR EACH ROW EXECUTE FUNCTION grid_member_changed()",
        *_version_postgresql(),
    ]


TRIGGERS = {
    "sqlite": ("grid_progress_insert", "grid_progress_update", "grid_progress_delete",
               "grid_member_insert", "grid_member_delete",
               *(f"cohort_version_{kind}_{on.lower()}"
                 for kind, (_, _, bumps) in VERSION_TRIGGERS.items() for on in bumps)),
    "postgresql": ("grid_progress_insert_delete", "grid_progress_update",
                   "grid_member_insert_delete",
                   *(f"cohort_version_{kind}" for kind in VERSION_TRIGGERS)),
}  # fmt: skip
TABLES = {"progress": "lesson_progress", "member": "membership", "user": '"user"'}


def statements(dialect: str) -> list[str]:
    return postgresql_statements() if dialect == "postgresql" else sqlite_statements()


def create_triggers(run, dialect: str) -> None:
    """Create the triggers with `run(sql)` (an Alembic `op.execute` or a connection's)."""
    for statement in statements(dialect):
        run(statement)


def drop_triggers(run, dialect: str) -> None:
    for name in TRIGGERS.get(dialect, TRIGGERS["sqlite"]):
        table = next(table for word, table in TABLES.items() if word in name)
        run(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        for function in ("grid_progress_changed", "grid_member_changed",
                         *(f"cohort_version_{kind}" for kind in VERSION_TRIGGERS)):  # fmt: skip
            run(f"DROP FUNCTION IF EXISTS {function}()")


def recount(run, dialect: str) -> None:
    """Every membership's standing, every cohort's tallies and hours counted afresh from
    lesson_progress, and every grid version moved on: after a bulk load made without the
    triggers (`bulk_load()`), the same figures the triggers would have kept."""
    hour = (POSTGRESQL_HOUR if dialect == "postgresql" else SQLITE_HOUR).format(row="p")
    done = _DONE.format(row="p")
    best = _BEST.format(row="p")
    run(_STANDING.format(where="1 = 1"))
    run("DELETE FROM grid_tally")
    run(
        "INSERT INTO grid_tally (cohort_id, lesson_slug, best, done, passed, students)"
        f" SELECT m.cohort_id, p.lesson_slug, {best}, {done}, p.quiz_passed, count(*)"
        " FROM membership m JOIN lesson_progress p ON p.user_id = m.user_id"
        f" GROUP BY m.cohort_id, p.lesson_slug, {best}, {done}, p.quiz_passed"
    )
    run("DELETE FROM grid_hour")
    run(
        "INSERT INTO grid_hour (cohort_id, hour, completions)"
        f" SELECT m.cohort_id, {hour}, count(*) FROM membership m"
        " JOIN lesson_progress p ON p.user_id = m.user_id WHERE p.completed_at IS NOT NULL"
        f" GROUP BY m.cohort_id, {hour}"
    )
    run("UPDATE cohort SET grid_version = grid_version + 1")


@contextmanager
def bulk_load(run, dialect: str):
    """Inside: no triggers (a bulk insert of 80,000 progress rows ran them 80,000 times: on
    PostgreSQL 10,000 students took over three minutes to load); after: the triggers back and
    everything they keep counted afresh. `run` must be the loading transaction's own, so no
    other writer's rows go uncounted (other writers wait on the tables it holds)."""
    drop_triggers(run, dialect)
    yield
    create_triggers(run, dialect)
    recount(run, dialect)


def install(metadata) -> None:
    """`create_all` (the tests' schema) makes the triggers too, after every table."""

    @event.listens_for(metadata, "after_create")
    def _create(target, connection, **_):
        create_triggers(connection.exec_driver_sql, connection.dialect.name)
