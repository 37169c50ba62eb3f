"""How close each signed-in page comes to Flask's own floor, and how many SQL statements it sends.

Builds a demo-like school (a teacher, a 30-student cohort with a student leader, some reading
and quiz attempts, an open club session) in a temporary SQLite database, or in
PORTAL_DATABASE_URL when it is set (`--reset` empties a throwaway PostgreSQL first). Then it
serves a one-route Flask app (benchmarks/floor_app.py, the floor) and the portal under the same
gunicorn settings (2 sync workers), signs in as a student and a teacher, and for 3 rounds
alternates wrk (16 connections, --seconds each; a Python load generator if wrk is missing)
between the floor and each page. One line per page, figures the median of the rounds:

    pages page=lesson rps=512 p50_ms=30.1 p99_ms=61.0 floor_rps=1100 ratio=0.47 target=0.40 sql=2 ok

`sql` is the data statements (SELECT/INSERT/UPDATE/DELETE) of one request, counted in process
with an SQLAlchemy event on a test client; no signed-in page may send more than 3. `--strict`
exits 1 when a ratio or a count misses its target. Absolute figures move with the machine's
load (printed first); the ratios are measured side by side, so they hold on a noisy machine.

Run: `.venv/bin/python benchmarks/pages.py [--seconds S] [--rounds R] [--pages lesson,help]
[--strict]`
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from serving import USER_AGENT, Client, gunicorn  # noqa: E402

from student_portal import create_app  # noqa: E402
from student_portal.club import start_session  # noqa: E402
from student_portal.database import data_queries, recorded_statements  # noqa: E402
from student_portal.extensions import db  # noqa: E402
from student_portal.models import (  # noqa: E402
    LEADER,
    MEMBER,
    STUDENT,
    TEACHER,
    Cohort,
    LessonProgress,
    Membership,
    QuizAttempt,
    User,
    utcnow,
)

PASSWORD = "benchmark-password"
STUDENTS = 30
CONNECTIONS = 16
WORKERS = 2
MAX_SIGNED_IN_STATEMENTS = 3


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    role: str | None  # who is signed in: "student", "teacher", or None (signed out)
    target: float  # the least share of the floor's rate


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float


def build_school(app, reset: bool) -> dict:
    """A teacher, a cohort of STUDENTS students and a leader, some progress, a live session."""
    lessons = app.extensions["catalog"].lessons
    now = utcnow()
    with app.app_context():
        if reset and db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        if db.session.scalar(select(func.count(User.id))):
            sys.exit("The database already has users: point it at an empty one, or pass --reset.")
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        teacher = User(username="bench-teacher", role=TEACHER, password_hash=password_hash)
        cohort = Cohort(name="Period 3 Health", grade_band="6-8", owner=teacher, join_code="PAGES2")
        leader = User(username="bench-leader", role=STUDENT, password_hash=password_hash)
        db.session.add_all([teacher, cohort, leader])
        db.session.flush()
        db.session.add(Membership(user=leader, cohort=cohort, role=LEADER))
        db.session.execute(
            insert(User),
            [
                {"username": f"student{n:02d}", "password_hash": password_hash, "role": STUDENT}
                for n in range(STUDENTS)
            ],
        )
        ids = list(db.session.scalars(select(User.id).where(User.username.like("student%"))))
        db.session.execute(
            insert(Membership),
            [{"user_id": i, "cohort_id": cohort.id, "role": MEMBER} for i in ids],
        )
        progress, attempts = [], []
        for position, user_id in enumerate(ids):
            # The first lesson opened by everyone, later ones by fewer: like a class mid-term.
            # The benchmarked student (the first) has read lesson 1 and not opened the rest.
            read = 1 if position == 0 else 1 + position % len(lessons)
            for number, lesson in enumerate(lessons[:read]):
                started = now - timedelta(days=read - number, minutes=position)
                progress.append(
                    {
                        "user_id": user_id,
                        "lesson_slug": lesson.slug,
                        "started_at": started,
                        "completed_at": started + timedelta(minutes=15),
                    }
                )
                if position == 0:
                    continue
                for attempt in range(1 + position % 3):
                    attempts.append(
                        {
                            "user_id": user_id,
                            "lesson_slug": lesson.slug,
                            "quiz_version": lesson.quiz.version,
                            "score": 3 + attempt,
                            "max_score": 5,
                            "passed": attempt > 0,
                            "submitted_at": started + timedelta(minutes=20 + attempt),
                            "idempotency_key": str(uuid.uuid4()),
                        }
                    )
        db.session.execute(insert(LessonProgress), progress)
        db.session.execute(insert(QuizAttempt), attempts)
        db.session.commit()
        club = start_session(cohort, leader, lessons[0])
        db.session.commit()
        return {
            "cohort": cohort.id,
            "session": club.id,
            "lesson": lessons[0].slug,
            "quiz": lessons[1].slug,
        }


def pages_of(school: dict) -> list[Page]:
    cohort, session = school["cohort"], school["session"]
    return [
        Page("lesson", f"/learn/{school['lesson']}", "student", 0.40),
        Page("lesson-list", "/learn/", "student", 0.40),
        Page("quiz-question", f"/learn/{school['quiz']}/quiz", "student", 0.25),
        Page("teacher-home", "/teach/", "teacher", 0.25),
        Page("grid-30", f"/teach/cohorts/{cohort}/progress", "teacher", 0.25),
        Page("state-json", f"/learn/sessions/{session}/state.json", "student", 0.50),
        Page("help", "/help/", None, 0.40),
    ]


def chosen(pages: list[Page], names: str | None) -> list[Page]:
    """The pages named in a comma-separated `--pages` value (all when it is empty)."""
    if not names:
        return pages
    wanted = set(names.split(","))
    found = [page for page in pages if page.name in wanted]
    if not found:
        sys.exit(f"no such page: {names}")
    return found


USERNAMES = {"student": "student00", "teacher": "bench-teacher"}
HOMES = {"student": "/learn/", "teacher": "/teach/"}


def count_statements(app, pages: list[Page]) -> dict[str, int]:
    """Data statements of one request to each page (after one warm-up), through a test client."""
    clients = {None: app.test_client()}
    for role, username in USERNAMES.items():
        client = app.test_client()
        response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
        assert response.status_code in (302, 303), f"{username} could not sign in"
        clients[role] = client
    with app.app_context():
        engine = db.engine
    counts = {}
    for page in pages:
        client = clients[page.role]
        assert client.get(page.path).status_code == 200, page.path
        with recorded_statements(engine) as statements:
            response = client.get(page.path)
        assert response.status_code == 200, page.path
        counts[page.name] = len(data_queries(statements))
    return counts


def cookie_header(client: Client) -> str:
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in client.cookies)


WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_LATENCY = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, cookie: str, seconds: float) -> Run:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency"]
    command += ["-H", f"User-Agent: {USER_AGENT}", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in output:
        raise RuntimeError(f"{url} answered errors under load:\n{output}")
    latency = {p: float(v) * UNITS[u] for p, v, u in WRK_LATENCY.findall(output)}
    return Run(float(WRK_RPS.search(output).group(1)), latency["50"], latency["99"])


def python_load(url: str, cookie: str, seconds: float) -> Run:
    """wrk's job in threads (slower: the figures are lower, the ratios still comparable)."""
    target = http.client.urlsplit(url)
    timings: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        mine = []
        while time.perf_counter() < deadline:
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            started = time.perf_counter()
            headers = {"User-Agent": USER_AGENT} | ({"Cookie": cookie} if cookie else {})
            connection.request("GET", target.path, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status >= 300:
                errors.append(response.status)
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"{url} answered {errors[0]} under load")
    timings.sort()
    return Run(
        len(timings) / elapsed,
        statistics.median(timings),
        timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="each load run (3)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reset", action="store_true", help="PostgreSQL: drop all tables first")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--pages", help="only these pages, comma-separated (lesson,help,...); default all"
    )
    args = parser.parse_args()
    load = wrk if shutil.which("wrk") else python_load
    with tempfile.TemporaryDirectory() as folder:
        database_url = os.environ.get("PORTAL_DATABASE_URL") or (
            f"sqlite:///{Path(folder) / 'pages.db'}"
        )
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": "benchmark-secret",
                "WTF_CSRF_ENABLED": False,
                "SESSION_COOKIE_SECURE": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        school = build_school(app, args.reset)
        pages = pages_of(school)
        pages = chosen(pages, args.pages)
        statements = count_statements(app, pages)
        with app.app_context():
            db.engine.dispose()  # the server's workers open their own connections
        print(
            f"# database {make_url(database_url).get_backend_name()} · load generator "
            f"{'wrk' if load is wrk else 'python threads'} · {CONNECTIONS} connections · "
            f"gunicorn {WORKERS} sync workers · load average before "
            + " ".join(f"{x:.2f}" for x in os.getloadavg())
        )
        runs: dict[str, list[tuple[Run, Run]]] = {page.name: [] for page in pages}
        log = open(Path(folder) / "gunicorn.log", "w")  # noqa: SIM115
        with (
            gunicorn(database_url, workers=WORKERS, log=log) as portal,
            gunicorn(database_url, workers=WORKERS, app_spec="floor_app:app", cwd=HERE) as floor,
        ):
            cookies = {None: ""}
            for role, username in USERNAMES.items():
                client = Client(portal)
                status = client.sign_in(username, PASSWORD)
                assert status in (302, 303), f"{username} could not sign in ({status})"
                # One page first, as a browser would: it keeps the session's CSRF secret,
                # which the first page after signing in adds (wrk never stores a cookie).
                client.get(HOMES[role])
                cookies[role] = cookie_header(client)
            for page in pages:  # warm up every worker's templates and caches
                load(portal + page.path, cookies[page.role], 1)
            for _ in range(args.rounds):
                for page in pages:
                    floor_run = load(floor + "/", "", args.seconds)
                    page_run = load(portal + page.path, cookies[page.role], args.seconds)
                    runs[page.name].append((floor_run, page_run))
        missed = []
        for page in pages:
            pairs = runs[page.name]
            ratio = statistics.median(p.rps / f.rps for f, p in pairs)
            sql = statements[page.name]
            ok = ratio >= page.target and (
                page.role is None or sql <= MAX_SIGNED_IN_STATEMENTS
            )
            if not ok:
                missed.append(page.name)
            print(
                f"pages page={page.name} rps={statistics.median(p.rps for _, p in pairs):.0f} "
                f"p50_ms={statistics.median(p.p50_ms for _, p in pairs):.1f} "
                f"p99_ms={statistics.median(p.p99_ms for _, p in pairs):.1f} "
                f"floor_rps={statistics.median(f.rps for f, _ in pairs):.0f} "
                f"ratio={ratio:.2f} target={page.target:.2f} sql={sql} "
                f"{'ok' if ok else 'MISSED'}"
            )
        print("# load average after " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        if args.strict and missed:
            sys.exit(f"missed: {', '.join(missed)}")


if __name__ == "__main__":
    main()
