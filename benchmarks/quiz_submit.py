"""SQL statements and time for one quiz answer, and for the final answer that hands a quiz in.

Builds a temporary SQLite database (or uses `PORTAL_DATABASE_URL`, which it empties first), signs
in --students students, and has each take the real quiz of --lesson (default: the first lesson)
through the pages, one answer per POST, choosing the first option shown. Every POST's SQL
statements are recorded. Prints one line per kind of answer:

    quiz_submit database=sqlite answer: posts=380 statements=5 data=3 p50_ms=4.1 p95_ms=6.0
    quiz_submit database=sqlite final: posts=40 statements=9 data=7 p50_ms=9.8 p95_ms=12.5

`statements` counts everything sent (BEGIN and COMMIT included), `data` only the statements that
read or write rows. Targets: at most 6 statements for an answer and 10 for the final one.
Run: `.venv/bin/python benchmarks/quiz_submit.py [--students N] [--lesson SLUG]`
"""

from __future__ import annotations

import argparse
import html
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from student_portal import create_app  # noqa: E402
from student_portal.database import data_queries, recorded_statements  # noqa: E402
from student_portal.extensions import db  # noqa: E402
from student_portal.models import TEACHER, Cohort, Membership, User  # noqa: E402

PASSWORD = "benchmark-password"
FIELD = re.compile(r'<input[^>]*name="(state|question)"[^>]*value="([^"]*)"')
CHOICE = re.compile(r'<input[^>]*name="answer"[^>]*value="([^"]*)"')


def _form(page: str) -> dict[str, str]:
    fields = {name: html.unescape(value) for name, value in FIELD.findall(page)}
    choices = CHOICE.findall(page)
    if not choices or set(fields) != {"state", "question"}:
        raise SystemExit("the quiz page has no answer form: did the page change?")
    return {**fields, "answer": html.unescape(choices[0])}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[round(share * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--lesson", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("PORTAL_DATABASE_URL") or f"sqlite:///{Path(folder) / 'quiz.db'}"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "benchmark",
                "WTF_CSRF_ENABLED": False,
                "SESSION_COOKIE_SECURE": False,
            }
        )
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        with app.app_context():
            engine = db.engine
            if engine.dialect.name == "postgresql":
                with engine.begin() as connection:
                    connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.create_all()
            teacher = User(username="teacher", role=TEACHER, password_hash=password_hash)
            cohort = Cohort(name="Class", grade_band="9-12", owner=teacher, join_code="QUIZ22")
            db.session.add_all([teacher, cohort])
            for number in range(args.students):
                student = User(username=f"student{number}", password_hash=password_hash)
                db.session.add_all([student, Membership(user=student, cohort=cohort)])
            db.session.commit()
        lessons = app.extensions["catalog"].lessons
        slug = args.lesson or lessons[0].slug
        quiz_url = f"/learn/{slug}/quiz"

        timings: dict[str, list[float]] = {"answer": [], "final": []}
        counts: dict[str, set[tuple[int, int]]] = {"answer": set(), "final": set()}
        for number in range(args.students):
            client = app.test_client()
            client.post("/sign-in", data={"username": f"student{number}", "password": PASSWORD})
            client.post(f"/learn/{slug}/start")
            page = client.get(quiz_url).get_data(as_text=True)
            while True:
                form = _form(page)
                with recorded_statements(engine) as statements:
                    began = time.perf_counter()
                    response = client.post(quiz_url, data=form)
                    elapsed = (time.perf_counter() - began) * 1000
                if response.status_code != 302:
                    raise SystemExit(f"answer refused: HTTP {response.status_code}")
                final = "/attempts/" in response.headers["Location"]
                kind = "final" if final else "answer"
                timings[kind].append(elapsed)
                counts[kind].add((len(statements), len(data_queries(statements))))
                if final:
                    break
                page = client.get(quiz_url).get_data(as_text=True)

        for kind in ("answer", "final"):
            worst = max(counts[kind])
            print(
                f"quiz_submit database={engine.dialect.name} lesson={slug} {kind}: "
                f"posts={len(timings[kind])} statements={worst[0]} data={worst[1]} "
                f"p50_ms={statistics.median(timings[kind]):.1f} "
                f"p95_ms={_percentile(timings[kind], 0.95):.1f}"
            )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
