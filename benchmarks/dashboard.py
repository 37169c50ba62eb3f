"""Teacher dashboard speed at the size of a real school.

Builds one cohort of N students (default 1,000) who have opened every lesson and made about
three quiz attempts each, in a temporary SQLite database or in PORTAL_DATABASE_URL when it is
set (`--reset` empties a throwaway PostgreSQL first), with bulk inserts in one transaction
(executemany on SQLite, COPY on PostgreSQL: 10,000 students in under two minutes on a loaded
2-core machine). Then it requests the cohort grid (page 1 by name, and page 2 sorted by
progress), a lesson analysis and the CSV export through the test client,
and prints one line per page (the grid's target: p95 under 50 ms at 1,000 and 3,000). Each
request is worked out afresh (the kept pages forgotten first); `grid-kept` is the revisit of an
unchanged grid, served from the page kept under the cohort's grid_version:

    dashboard db=sqlite page=grid students=1000 queries=3 p50_ms=32.0 p95_ms=34.0 kb=95

Run: `.venv/bin/python benchmarks/dashboard.py [--students N] [--requests R]`
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from student_portal import create_app  # noqa: E402
from student_portal.content import Quiz, grade, walk_scenario  # noqa: E402
from student_portal.database import data_queries, recorded_statements  # noqa: E402
from student_portal.extensions import db  # noqa: E402
from student_portal.kept import KeptPages  # noqa: E402
from student_portal.models import (  # noqa: E402
    TEACHER,
    Cohort,
    Membership,
    User,
    utcnow,
)
from student_portal.standing import bulk_load  # noqa: E402

PASSWORD = "benchmark-password"


def random_responses(quiz: Quiz, rng: random.Random, skill: float) -> dict[str, list[str]]:
    """Answers from a student who picks the right (or safe) choice with probability `skill`."""
    responses = {}
    for item in quiz.items:
        if item.type == "single":
            right = [c for c in item.choices if c.correct]
            pool = right if rng.random() < skill else item.choices
            responses[item.id] = [rng.choice(pool).id]
        elif item.type == "spot":  # each message judged right with probability `skill`
            responses[item.id] = [
                c.id for c in item.choices if (rng.random() < skill) == c.correct
            ]
        elif item.type == "multiple":
            if rng.random() < skill:
                responses[item.id] = [c.id for c in item.choices if c.correct]
            else:
                picked = [c.id for c in item.choices if rng.random() < 0.5]
                responses[item.id] = picked or [item.choices[0].id]
        else:
            path: list[str] = []
            _, step = walk_scenario(item, path)
            while step is not None:
                safe = [c for c in step.choices if c.safe]
                path.append(rng.choice(safe if rng.random() < skill else step.choices).id)
                _, step = walk_scenario(item, path)
            responses[item.id] = path
    return responses


RESULTS_PER_LESSON = 64  # graded answer sets to draw from: grading each attempt was the slow part


def graded_pool(lessons, rng: random.Random) -> dict[str, list]:
    """For each lesson, graded random answer sets from weak to strong students."""
    return {
        lesson.slug: [
            grade(lesson.quiz, random_responses(lesson.quiz, rng, skill))
            for skill in (0.3 + 0.7 * n / RESULTS_PER_LESSON for n in range(RESULTS_PER_LESSON))
        ]
        for lesson in lessons
    }


BATCH = 50_000  # rows per executemany / COPY flush: big enough to amortise, small in memory

# Column order of the rows build_school makes for the four big tables.
PROGRESS_COLUMNS = (
    "user_id", "lesson_slug", "started_at", "completed_at", "part",
    "attempts", "quiz_passed", "best_fraction", "last_attempt_at",
)  # fmt: skip
ATTEMPT_COLUMNS = (
    "id", "user_id", "lesson_slug", "quiz_version", "score", "max_score", "passed",
    "submitted_at", "language", "idempotency_key",
)  # fmt: skip
ITEM_COLUMNS = ("attempt_id", "item_id", "score", "points")
ANSWER_COLUMNS = ("attempt_id", "item_id", "step_id", "choice_id", "position", "correct")


class BulkWriter:
    """Rows into a table on the connection's own driver, in big batches: `executemany` of
    plain tuples on SQLite, `COPY ... FROM STDIN` on PostgreSQL (psycopg). Both skip
    SQLAlchemy's per-row work, which was most of the data build's time."""

    def __init__(self, connection, table: str, columns: tuple[str, ...], parent=None):
        self.parent = parent  # flushed first: the rows these point at must be there
        self.cursor = connection.connection.driver_connection.cursor()
        self.postgresql = connection.dialect.name == "postgresql"
        self.rows: list[tuple] = []
        self.text: list[str] = []  # PostgreSQL: ready COPY lines (add_children)
        self.pending = 0  # rows in self.text
        self.count = 0
        names = ", ".join(columns)
        if self.postgresql:
            self.sql = f"COPY {table} ({names}) FROM STDIN"
        else:
            self.sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
            # SQLAlchemy's storage format for SQLite times, so they sort and read back alike.
            self.times = [n for n, c in enumerate(columns) if c.endswith("_at")]

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def add_children(self, parent_id: int, rows: tuple) -> None:
        """Rows that differ only in their first column, the parent's id: `rows` is what
        `children()` made of the rest."""
        if self.postgresql:
            if not rows[1]:
                return
            prefix = f"{parent_id}\t"
            self.text.append(prefix + ("\n" + prefix).join(rows[0]) + "\n")
            self.pending += rows[1]
            if self.pending >= BATCH:
                self.flush()
        else:
            for row in rows:
                self.add((parent_id, *row))

    def children(self, rows: list[tuple]):
        """The shape add_children takes: COPY text lines on PostgreSQL, tuples on SQLite."""
        if self.postgresql:
            return (tuple("\t".join(map(_copy_text, row)) for row in rows), len(rows))
        return tuple(rows)

    def flush(self) -> None:
        if not self.rows and not self.text:
            return
        if self.parent is not None:
            self.parent.flush()
        if self.postgresql:
            with self.cursor.copy(self.sql) as copy:
                for row in self.rows:
                    copy.write_row(row)
                if self.text:
                    copy.write("".join(self.text).encode())
            self.count += self.pending
            self.text, self.pending = [], 0
        else:
            rows = self.rows
            if self.times:
                rows = [self._sqlite_times(row) for row in rows]
            self.cursor.executemany(self.sql, rows)
        self.count += len(self.rows)
        self.rows = []

    def _sqlite_times(self, row: tuple) -> tuple:
        row = list(row)
        for n in self.times:
            if row[n] is not None:
                row[n] = row[n].strftime("%Y-%m-%d %H:%M:%S.%f")
        return tuple(row)


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format (the ids and words here need no escaping)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def build_school(app, students: int, seed: int = 7, reset: bool = False) -> int:
    """Bulk-insert one cohort with `students` members and their progress; returns its id.

    One transaction; the four big tables go in through BulkWriter, and each progress row
    carries the running summary of that student's attempts, as quizzes.py keeps it. The grid's
    triggers are off while it loads; the standing they keep is then counted in one pass."""
    rng = random.Random(seed)
    lessons = app.extensions["catalog"].lessons
    pool = graded_pool(lessons, rng)
    now = utcnow()
    with app.app_context():
        if reset and db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        if db.session.scalar(select(func.count(User.id))):
            sys.exit("The database already has users: point it at an empty one, or pass --reset.")
        teacher = User(
            username="bench-teacher", role=TEACHER, password_hash=generate_password_hash(PASSWORD)
        )
        cohort = Cohort(
            name="Benchmark cohort", grade_band="6-8", owner=teacher, join_code="BENCH2"
        )
        db.session.add_all([teacher, cohort])
        db.session.flush()
        cohort_id = cohort.id
        connection = db.session.connection()
        # Without the triggers, then everything they keep counted once (standing.bulk_load).
        with bulk_load(connection.exec_driver_sql, connection.dialect.name):
            fast_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
            connection.execute(
                insert(User.__table__),
                [
                    {"username": f"student{n:05d}", "password_hash": fast_hash, "role": "student"}
                    for n in range(students)
                ],
            )
            ids = list(connection.scalars(select(User.id).where(User.role == "student")))
            connection.execute(
                insert(Membership.__table__),
                [{"user_id": i, "cohort_id": cohort_id, "role": "student"} for i in ids],
            )
            progress = BulkWriter(connection, "lesson_progress", PROGRESS_COLUMNS)
            attempts = BulkWriter(connection, "quiz_attempt", ATTEMPT_COLUMNS)
            items = BulkWriter(connection, "quiz_item_result", ITEM_COLUMNS, attempts)
            answers = BulkWriter(connection, "quiz_answer", ANSWER_COLUMNS, attempts)
            # Per lesson and answer set: its item and answer rows, without their attempt id.
            pool_rows = {
                slug: [
                    (
                        items.children([(r.item.id, r.score, r.points) for r in result.items]),
                        answers.children(
                            [
                                tuple(a[c] for c in ANSWER_COLUMNS[1:])
                                for a in result.answer_rows()
                            ]
                        ),
                    )
                    for result in results
                ]
                for slug, results in pool.items()
            }
            attempt_id = 0
            for user_id in ids:
                skill = rng.uniform(0.3, 0.95)
                for lesson in lessons:
                    started = now - timedelta(days=rng.randint(0, 30))
                    completed = started + timedelta(minutes=15) if rng.random() < 0.85 else None
                    results, rows = pool[lesson.slug], pool_rows[lesson.slug]
                    tries = rng.choice((2, 3, 3, 4))
                    passed, best, submitted = False, None, None
                    for number in range(tries):
                        # Stronger students, and later tries, draw from the stronger answer sets.
                        level = min(1.0, skill + 0.1 * number)
                        drawn = int(rng.triangular(0, 1, level) * len(results))
                        drawn = min(len(results) - 1, drawn)
                        result = results[drawn]
                        attempt_id += 1
                        submitted = started + timedelta(minutes=20 + number)
                        fraction = result.score / result.max_score
                        passed = passed or result.passed
                        best = fraction if best is None else max(best, fraction)
                        attempts.add(
                            (
                                attempt_id, user_id, lesson.slug, lesson.quiz.version, result.score,
                                result.max_score, result.passed, submitted, "en", str(uuid.uuid4()),
                            )  # fmt: skip
                        )
                        item_rows, answer_rows = rows[drawn]
                        items.add_children(attempt_id, item_rows)
                        answers.add_children(attempt_id, answer_rows)
                    progress.add(
                        (user_id, lesson.slug, started, completed, 1, tries, passed, best,
                         submitted)
                    )  # fmt: skip
            for writer in (progress, items, answers):
                writer.flush()
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('quiz_attempt', 'id'), :last)"),
                {"last": attempt_id},
            )
        db.session.commit()
        connection = db.session.connection()
        connection.execute(text("ANALYZE"))  # as a live database's statistics would be
        db.session.commit()
        print(
            f"# built {students} students, {attempts.count} attempts, {answers.count} answers",
            file=sys.stderr,
        )
        return cohort_id


def measure(app, client, url: str, requests: int, kept: bool) -> tuple[int, float, float, int]:
    """Statements, p50, p95 and size of `url`; each request worked out afresh (the kept pages
    forgotten first), unless `kept`: then the revisit of an unchanged page (student_portal/
    kept.py), which is what a teacher reloading the grid mostly gets."""
    with app.app_context():
        engine = db.engine

    def forget() -> None:
        if not kept:
            for store in app.extensions.values():
                if isinstance(store, KeptPages):
                    store.clear()

    assert client.get(url).status_code == 200  # warm up
    forget()
    with recorded_statements(engine) as statements:
        assert client.get(url).status_code == 200
    queries = len(data_queries(statements))
    timings = []
    size = 0
    for _ in range(requests):
        forget()
        started = time.perf_counter()
        response = client.get(url)
        size = len(response.get_data())
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return queries, statistics.median(timings), p95, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--reset", action="store_true", help="PostgreSQL: drop all tables first")
    parser.add_argument(
        "--pages",
        default="grid,grid-page-2,grid-kept,analysis,csv",
        help="which pages, comma-separated",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = os.environ.get("PORTAL_DATABASE_URL") or (
            f"sqlite:///{Path(folder) / 'bench.db'}"
        )
        dialect = make_url(database_url).get_backend_name()
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": "benchmark",
                "WTF_CSRF_ENABLED": False,
                "SESSION_COOKIE_SECURE": False,
            }
        )
        began = time.perf_counter()
        cohort_id = build_school(app, args.students, reset=args.reset)
        print(
            f"# database {dialect}: built in {time.perf_counter() - began:.1f} s; "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            file=sys.stderr,
        )
        first_lesson = app.extensions["catalog"].lessons[0].slug
        client = app.test_client()
        client.post("/sign-in", data={"username": "bench-teacher", "password": PASSWORD})
        pages = {
            "grid": f"/teach/cohorts/{cohort_id}/progress",
            "grid-page-2": f"/teach/cohorts/{cohort_id}/progress?sort=progress&page=2",
            "grid-kept": f"/teach/cohorts/{cohort_id}/progress",
            "analysis": f"/teach/cohorts/{cohort_id}/lessons/{first_lesson}",
            "csv": f"/teach/cohorts/{cohort_id}/progress.csv",
        }
        for name in args.pages.split(","):
            kept = name.endswith("-kept")
            queries, p50, p95, size = measure(app, client, pages[name], args.requests, kept)
            print(
                f"dashboard db={dialect} page={name} students={args.students} queries={queries} "
                f"p50_ms={p50:.1f} p95_ms={p95:.1f} kb={size / 1024:.0f}"
            )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
