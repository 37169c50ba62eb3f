"""How many follower polls per second a live club session's state endpoint answers.

Starts a session in a temporary SQLite database (or PORTAL_DATABASE_URL when it is set;
`--reset` empties a throwaway PostgreSQL first), signs in 30 (--followers) students who join it,
then has them poll `/learn/sessions/<id>/state.json` in turn for a few seconds (--seconds)
through the test client, one request at a time on one core. Prints:

    session_poll db=sqlite followers=30 requests=4200 rps=840.0 p50_ms=1.1 p95_ms=1.6 queries=2

A follower polls every 3 s, so `rps × 3` is how many students one worker can keep in step.
Run: `.venv/bin/python benchmarks/session_poll.py [--followers N] [--seconds S]`
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from student_portal import create_app  # noqa: E402
from student_portal.database import data_queries, recorded_statements  # noqa: E402
from student_portal.extensions import db  # noqa: E402
from student_portal.models import LEADER, TEACHER, Cohort, Membership, User  # noqa: E402

PASSWORD = "benchmark-password"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--reset", action="store_true", help="PostgreSQL: drop all tables first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = os.environ.get("PORTAL_DATABASE_URL") or (
            f"sqlite:///{Path(folder) / 'poll.db'}"
        )
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": "benchmark",
                "WTF_CSRF_ENABLED": False,
                "SESSION_COOKIE_SECURE": False,
            }
        )
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        with app.app_context():
            if args.reset and db.engine.dialect.name == "postgresql":
                with db.engine.begin() as connection:
                    connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.create_all()
            teacher = User(username="teacher", role=TEACHER, password_hash=password_hash)
            cohort = Cohort(name="Club", grade_band="6-8", owner=teacher, join_code="POLL22")
            leader = User(username="leader", password_hash=password_hash)
            db.session.add_all(
                [teacher, cohort, leader, Membership(user=leader, cohort=cohort, role=LEADER)]
            )
            for number in range(args.followers):
                student = User(username=f"follower{number}", password_hash=password_hash)
                db.session.add_all([student, Membership(user=student, cohort=cohort)])
            db.session.commit()
            cohort_id = cohort.id
        lesson = app.extensions["catalog"].lessons[0].slug

        leader_client = app.test_client()
        leader_client.post("/sign-in", data={"username": "leader", "password": PASSWORD})
        started = leader_client.post(
            f"/lead/cohorts/{cohort_id}",
            data={"lesson": lesson, "supervising_adult": "Ms Rivera", "adult_present": "y"},
        )
        session_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
        followers = []
        for number in range(args.followers):
            client = app.test_client()
            client.post("/sign-in", data={"username": f"follower{number}", "password": PASSWORD})
            client.post(f"/learn/sessions/{session_id}/join")
            followers.append(client)
        url = f"/learn/sessions/{session_id}/state.json"

        with app.app_context():
            engine = db.engine
        with recorded_statements(engine) as statements:
            assert followers[0].get(url).status_code == 200
        queries = data_queries(statements)

        timings = []
        deadline = time.perf_counter() + args.seconds
        began = time.perf_counter()
        while time.perf_counter() < deadline:
            for client in followers:
                t0 = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
        elapsed = time.perf_counter() - began
        timings.sort()
        print(
            f"session_poll db={make_url(database_url).get_backend_name()} "
            f"followers={args.followers} requests={len(timings)} "
            f"rps={len(timings) / elapsed:.1f} p50_ms={statistics.median(timings):.2f} "
            f"p95_ms={timings[round(0.95 * (len(timings) - 1))]:.2f} queries={len(queries)}"
        )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
