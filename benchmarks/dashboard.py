"""Teacher dashboard speed at the size of a real school.

Builds a temporary SQLite database with one cohort of N students (default 1,000) who have
opened every lesson and made about three quiz attempts each, then requests the cohort grid, a
lesson analysis and the CSV exports through the test client, and prints one line per page:

    dashboard page=grid students=1000 queries=7 p50_ms=41.2 p95_ms=55.0

Run: `.venv/bin/python benchmarks/dashboard.py [--students N] [--requests R]`
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from student_portal import create_app  # noqa: E402
from student_portal.content import Quiz, grade, walk_scenario  # noqa: E402
from student_portal.database import data_queries, recorded_statements  # noqa: E402
from student_portal.extensions import db  # noqa: E402
from student_portal.models import (  # noqa: E402
    TEACHER,
    Cohort,
    LessonProgress,
    Membership,
    QuizAnswer,
    QuizAttempt,
    QuizItemResult,
    User,
    utcnow,
)

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


def build_school(app, students: int, seed: int = 7) -> int:
    """Bulk-insert one cohort with `students` members and their progress; returns its id."""
    rng = random.Random(seed)
    lessons = app.extensions["catalog"].lessons
    now = utcnow()
    with app.app_context():
        db.create_all()
        teacher = User(
            username="bench-teacher", role=TEACHER, password_hash=generate_password_hash(PASSWORD)
        )
        cohort = Cohort(
            name="Benchmark cohort", grade_band="6-8", owner=teacher, join_code="BENCH2"
        )
        db.session.add_all([teacher, cohort])
        db.session.commit()
        fast_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.execute(
            insert(User),
            [
                {"username": f"student{n:05d}", "password_hash": fast_hash, "role": "student"}
                for n in range(students)
            ],
        )
        ids = [row.id for row in db.session.query(User.id).filter(User.role == "student")]
        db.session.execute(
            insert(Membership),
            [{"user_id": i, "cohort_id": cohort.id, "role": "student"} for i in ids],
        )
        progress, attempts, item_rows, answer_rows = [], [], [], []
        attempt_id = 0
        for user_id in ids:
            skill = rng.uniform(0.3, 0.95)
            for lesson in lessons:
                started = now - timedelta(days=rng.randint(0, 30))
                progress.append(
                    {
                        "user_id": user_id,
                        "lesson_slug": lesson.slug,
                        "started_at": started,
                        "completed_at": started + timedelta(minutes=15)
                        if rng.random() < 0.85
                        else None,
                    }
                )
                for number in range(rng.choice((2, 3, 3, 4))):
                    result = grade(
                        lesson.quiz, random_responses(lesson.quiz, rng, skill + 0.1 * number)
                    )
                    attempt_id += 1
                    attempts.append(
                        {
                            "id": attempt_id,
                            "user_id": user_id,
                            "lesson_slug": lesson.slug,
                            "quiz_version": lesson.quiz.version,
                            "score": result.score,
                            "max_score": result.max_score,
                            "passed": result.passed,
                            "submitted_at": started + timedelta(minutes=20 + number),
                            "idempotency_key": str(uuid.uuid4()),
                        }
                    )
                    item_rows += [
                        {
                            "attempt_id": attempt_id,
                            "item_id": r.item.id,
                            "score": r.score,
                            "points": r.points,
                        }
                        for r in result.items
                    ]
                    answer_rows += [
                        {"attempt_id": attempt_id, **row} for row in result.answer_rows()
                    ]
        for model, rows in (
            (LessonProgress, progress),
            (QuizAttempt, attempts),
            (QuizItemResult, item_rows),
            (QuizAnswer, answer_rows),
        ):
            for start in range(0, len(rows), 20000):
                db.session.execute(insert(model), rows[start : start + 20000])
        db.session.commit()
        print(
            f"# built {students} students, {len(attempts)} attempts, {len(answer_rows)} answers",
            file=sys.stderr,
        )
        return cohort.id


def measure(app, client, url: str, requests: int) -> tuple[int, float, float]:
    with app.app_context():
        engine = db.engine
    assert client.get(url).status_code == 200  # warm up
    with recorded_statements(engine) as statements:
        assert client.get(url).status_code == 200
    queries = len(data_queries(statements))
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return queries, statistics.median(timings), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.db'}",
                "SECRET_KEY": "benchmark",
                "WTF_CSRF_ENABLED": False,
                "SESSION_COOKIE_SECURE": False,
            }
        )
        cohort_id = build_school(app, args.students)
        first_lesson = app.extensions["catalog"].lessons[0].slug
        client = app.test_client()
        client.post("/sign-in", data={"username": "bench-teacher", "password": PASSWORD})
        pages = {
            "grid": f"/teach/cohorts/{cohort_id}/progress",
            "analysis": f"/teach/cohorts/{cohort_id}/lessons/{first_lesson}",
            "csv": f"/teach/cohorts/{cohort_id}/progress.csv",
        }
        for name, url in pages.items():
            queries, p50, p95 = measure(app, client, url, args.requests)
            print(
                f"dashboard page={name} students={args.students} queries={queries} "
                f"p50_ms={p50:.1f} p95_ms={p95:.1f}"
            )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
