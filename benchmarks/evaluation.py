"""Before-and-after check report speed at the size of a big program.

Builds a database with one cohort of N students (default 1,000) and a closed evaluation window
in which every student took the first check and about 85% the second (rows as they are after
closing: random pairing tokens, 15 answers each), then requests the teacher's check page with
its report, the printable report and the CSV through the test client, and prints one line per
page, the report's headline figures, and which database it ran on:

    evaluation page=cohort students=1000 queries=5 p50_ms=30.1 p95_ms=34.0 database=sqlite

SQLite in a temporary folder by default; set PORTAL_DATABASE_URL to an empty PostgreSQL
database to run it there (its tables are dropped and created).

Run: `.venv/bin/python benchmarks/evaluation.py [--students N] [--requests R]`
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, text
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from student_portal import create_app  # noqa: E402
from student_portal.database import data_queries, recorded_statements  # noqa: E402
from student_portal.evaluation import build_report, cohort_scope, current_survey  # noqa: E402
from student_portal.extensions import db  # noqa: E402
from student_portal.models import (  # noqa: E402
    POST,
    PRE,
    TEACHER,
    Cohort,
    EvaluationWindow,
    Membership,
    SurveyAnswer,
    SurveyResponse,
    User,
    utcnow,
)

PASSWORD = "benchmark-password"


def build(app, students: int) -> int:
    rng = random.Random(13)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        survey = current_survey()
        teacher = User(username="bench-teacher", role=TEACHER)
        teacher.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        cohort = Cohort(name="Big program", grade_band="6-12", owner=teacher, join_code="BENCH1")
        db.session.add_all([teacher, cohort])
        db.session.flush()
        hashed = generate_password_hash("x", method="pbkdf2:sha256:1000")
        user_ids = db.session.scalars(
            insert(User).returning(User.id),
            [{"username": f"s{n}", "role": "student", "password_hash": hashed}
             for n in range(students)],
        ).all()  # fmt: skip
        db.session.execute(
            insert(Membership), [{"user_id": uid, "cohort_id": cohort.id} for uid in user_ids]
        )
        window = EvaluationWindow(cohort_id=cohort.id, secret=None, closed_at=utcnow())
        db.session.add(window)
        db.session.flush()
        responses, plans = [], []
        for _ in range(students):
            token = "r:" + secrets.token_hex(16)
            skill = rng.uniform(0.3, 0.7)
            for phase, gain in ((PRE, 0.0), (POST, 0.2)):
                if phase == POST and rng.random() > 0.85:
                    continue
                right = [rng.random() < skill + gain for _ in survey.knowledge]
                plans.append((right, 3 if phase == PRE else 4))
                responses.append(
                    {
                        "window_id": window.id,
                        "phase": phase,
                        "respondent_key": token,
                        "survey_version": survey.version,
                        "score": sum(right),
                        "max_score": len(survey.knowledge),
                    }
                )
        response_ids = db.session.scalars(
            insert(SurveyResponse).returning(SurveyResponse.id, sort_by_parameter_order=True),
            responses,
        ).all()
        answers = []
        for response_id, (right, agree) in zip(response_ids, plans, strict=True):
            for item, correct in zip(survey.knowledge, right, strict=True):
                choice = item.correct_choice.id if correct else item.choices[-1].id
                answers.append(
                    {"response_id": response_id, "item_id": item.id, "choice_id": choice,
                     "correct": correct, "value": None}
                )  # fmt: skip
            for item in survey.confidence:
                value = max(1, min(5, agree + rng.choice((-1, 0, 1))))
                answers.append(
                    {"response_id": response_id, "item_id": item.id, "choice_id": None,
                     "correct": None, "value": value}
                )  # fmt: skip
        for start in range(0, len(answers), 20000):
            db.session.execute(insert(SurveyAnswer), answers[start : start + 20000])
        db.session.commit()
        print(f"# built {students} students, {len(responses)} checks, {len(answers)} answers",
              file=sys.stderr)  # fmt: skip
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
        url = os.environ.get("PORTAL_DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "benchmark",
                "WTF_CSRF_ENABLED": False,
                "SESSION_COOKIE_SECURE": False,
            }
        )
        cohort_id = build(app, args.students)
        with app.app_context():
            database = db.engine.dialect.name
            report = build_report("bench", cohort_scope(cohort_id), current_survey())
        total = report.total
        print(
            f"# report: n_pre={total.n_pre} n_post={total.n_post} n_matched={total.n_matched} "
            f"pre_mean={total.pre_mean:.2f} post_mean={total.post_mean:.2f} "
            f"change={total.change.mean:.2f} ci=({total.change.low:.2f}, {total.change.high:.2f}) "
            f"d_z={total.change.d_z:.2f}"
        )
        client = app.test_client()
        client.post("/sign-in", data={"username": "bench-teacher", "password": PASSWORD})
        pages = {
            "cohort": f"/teach/cohorts/{cohort_id}/evaluation",
            "print": f"/teach/cohorts/{cohort_id}/evaluation/report/print",
            "csv": f"/teach/cohorts/{cohort_id}/evaluation/report.csv",
        }
        for name, page in pages.items():
            queries, p50, p95 = measure(app, client, page, args.requests)
            print(
                f"evaluation page={name} students={args.students} queries={queries} "
                f"p50_ms={p50:.1f} p95_ms={p95:.1f} database={database}"
            )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
