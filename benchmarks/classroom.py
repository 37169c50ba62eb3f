"""A whole class at once: N students sign in, read lessons and take quizzes for T seconds.

Serves the app with the README's production command (`gunicorn --workers 4`) on 127.0.0.1, on a
temporary SQLite database, or on PostgreSQL when PORTAL_DATABASE_URL is set (its tables are
created; `--reset` drops what is there first, for a throwaway server). Each student signs in,
opens the next lesson, reads it to the end and takes its quiz through the real forms, posting
every third answer twice at the same moment (a double click). Afterwards every write the app
acknowledged is looked for in the database:

    classroom database=sqlite students=50 seconds=60 requests=9120 5xx=0 lost=0 doubled=0
        quizzes=412 p50_ms=41.0 p95_ms=180.3

lost: a hand-in or a finished reading acknowledged but not stored (or stored with fewer answers
than given); doubled: one quiz stored twice, or with answers twice. `--strict` exits 1 on any
5xx, loss or double (CI runs `--students 10 --seconds 10 --strict` on PostgreSQL).

Run: `.venv/bin/python benchmarks/classroom.py [--students N] [--seconds T]`
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import func, make_url, select, text
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.serving import Client, form_with, forms_in, gunicorn, location  # noqa: E402
from student_portal import create_app  # noqa: E402
from student_portal.cohorts import create_cohort  # noqa: E402
from student_portal.extensions import db  # noqa: E402
from student_portal.models import (  # noqa: E402
    STUDENT,
    TEACHER,
    LessonProgress,
    Membership,
    QuizAnswer,
    QuizAttempt,
    User,
)

PASSWORD = "classroom-password"
MAX_REQUESTS_PER_STUDENT = 5000
MAX_STEPS_PER_QUIZ = 60


class Tally:
    """What the students saw, shared by their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.timings: list[float] = []
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        # username -> {attempt id: answers given}, and lessons acknowledged as read
        self.attempts: dict[str, dict[int, int]] = defaultdict(dict)
        self.hand_ins: dict[str, int] = Counter()  # quizzes finished (one key each)
        self.doubled_hand_ins = 0  # one quiz acknowledged with two different attempt ids
        self.read: dict[str, set[str]] = defaultdict(set)
        # Quizzes where an answer got a 5xx: it may or may not be stored, so only checked for loss.
        self.uncertain: dict[str, int] = Counter()
        self.uncertain_attempts: set[int] = set()

    def record(self, status: int, seconds: float, what: str):
        with self.lock:
            self.timings.append(seconds)
            self.statuses[status] += 1
            if status >= 500:
                self.errors[what] += 1


class Student:
    def __init__(self, base: str, username: str, slugs: list[str], tally: Tally, rng, deadline):
        self.client = Client(base, timeout=60)
        self.username = username
        self.slugs = slugs
        self.tally = tally
        self.rng = rng
        self.deadline = deadline
        self.requests = 0

    def timed(self, method: str, path: str, data=None, what: str = ""):
        started = time.perf_counter()
        try:
            status, headers, body = self.client.request(method, path, data)
        except OSError as error:  # a dropped connection counts as an error, not a crash
            status, headers, body = 599, {}, str(error).encode()
        self.requests += 1
        self.tally.record(status, time.perf_counter() - started, what or path)
        return status, headers, body.decode("utf-8", errors="replace")

    def running(self) -> bool:
        return time.monotonic() < self.deadline and self.requests < MAX_REQUESTS_PER_STUDENT

    def run(self):
        while self.running():
            status, _, page = self.timed("GET", "/sign-in", what="sign-in page")
            form = form_with(page, "username", "password")
            if form is not None:
                data = dict(form["hidden"], username=self.username, password=PASSWORD)
                status, headers, _ = self.timed("POST", "/sign-in", data, "sign-in")
                if status in (302, 303):
                    break
            time.sleep(0.5)
        number = 0
        while self.running():
            slug = self.slugs[number % len(self.slugs)]
            number += 1
            self.read_lesson(slug)
            if self.running():
                self.take_quiz(slug)

    def read_lesson(self, slug: str):
        status, _, page = self.timed("GET", f"/learn/{slug}", what="lesson")
        start = next((f for f in forms_in(page) if f["action"].endswith("/start")), None)
        if start is not None:  # a content note first: "Start the lesson"
            self.timed("POST", start["action"], start["hidden"], "start lesson")
            status, _, page = self.timed("GET", f"/learn/{slug}", what="lesson")
        complete = next((f for f in forms_in(page) if f["action"].endswith("/complete")), None)
        if complete is not None:
            status, headers, _ = self.timed("POST", complete["action"], complete["hidden"], "read")
            if status in (302, 303):
                with self.tally.lock:
                    self.tally.read[self.username].add(slug)

    def choose(self, form) -> list[str]:
        options = form["options"].get("answer", [])
        if not options:
            return []
        if options[0][0] == "checkbox":
            picked = [value for _, value in options if self.rng.random() < 0.5]
            return picked or [options[0][1]]
        return [self.rng.choice(options)[1]]

    def post_twice(self, url: str, data) -> list[tuple[int, dict, str]]:
        """The same form posted twice at the same moment, as a double click does."""
        answers: list = [None, None]

        def send(number):
            answers[number] = self.timed("POST", url, data, "answer (double)")

        threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return answers

    def take_quiz(self, slug: str):
        url = f"/learn/{slug}/quiz"
        given = 0
        uncertain = False
        attempt_ids: set[int] = set()
        for step in range(MAX_STEPS_PER_QUIZ):
            status, _, page = self.timed("GET", url, what="question")
            form = form_with(page, "state", "question", "answer")
            if status != 200 or form is None:
                return
            chosen = self.choose(form)
            data = list(form["hidden"].items()) + [("answer", value) for value in chosen]
            if step % 3 == 2:
                replies = self.post_twice(form["action"] or url, data)
            else:
                replies = [self.timed("POST", form["action"] or url, data, "answer")]
            if any(status in (302, 303) for status, _, _ in replies):
                given += len(chosen)
            uncertain = uncertain or any(status >= 500 for status, _, _ in replies)
            for status, headers, _ in replies:
                match = re.search(r"/attempts/(\d+)", location(headers) if headers else "")
                if status in (302, 303) and match:
                    attempt_ids.add(int(match.group(1)))
            if attempt_ids:
                break
            if not self.running():
                break  # an unfinished quiz is a draft, not an acknowledged write
        with self.tally.lock:
            self.tally.uncertain[self.username] += uncertain
            if uncertain:
                self.tally.uncertain_attempts.update(attempt_ids)
            if attempt_ids:
                self.tally.hand_ins[self.username] += 1
                self.tally.doubled_hand_ins += len(attempt_ids) - 1
                for attempt_id in attempt_ids:
                    self.tally.attempts[self.username][attempt_id] = given


def build(app, students: int, reset: bool) -> list[str]:
    """A teacher, a cohort and `students` students with real password hashes."""
    with app.app_context():
        if reset and db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        if db.session.scalar(select(func.count(User.id))):
            sys.exit("The database already has users: point it at an empty one, or pass --reset.")
        teacher = User(
            username="class-teacher", role=TEACHER, password_hash=generate_password_hash(PASSWORD)
        )
        db.session.add(teacher)
        db.session.commit()
        cohort = create_cohort(teacher, "Classroom benchmark", "6-8")
        password_hash = generate_password_hash(PASSWORD)  # the app's own hashing, as at sign-up
        names = [f"pupil{n:03d}" for n in range(students)]
        for name in names:
            user = User(username=name, role=STUDENT, password_hash=password_hash)
            db.session.add(user)
            db.session.add(Membership(user=user, cohort=cohort))
        db.session.commit()
        return names


def compare(app, tally: Tally) -> tuple[int, int]:
    """(lost, doubled): acknowledged writes against the rows in the database."""
    doubled, lost = tally.doubled_hand_ins, 0
    with app.app_context():
        attempts = db.session.execute(
            select(User.username, QuizAttempt.id, func.count(QuizAnswer.id))
            .join(QuizAttempt, QuizAttempt.user_id == User.id)
            .outerjoin(QuizAnswer, QuizAnswer.attempt_id == QuizAttempt.id)
            .group_by(User.username, QuizAttempt.id)
        ).all()
        completed = set(
            db.session.execute(
                select(User.username, LessonProgress.lesson_slug)
                .join(LessonProgress, LessonProgress.user_id == User.id)
                .where(LessonProgress.completed_at.is_not(None))
            ).all()
        )
    stored: dict[str, dict[int, int]] = defaultdict(dict)
    for username, attempt_id, answers in attempts:
        stored[username][attempt_id] = answers
    for username, acknowledged in tally.attempts.items():
        for attempt_id, given in acknowledged.items():
            if attempt_id not in stored[username]:
                lost += 1
            elif attempt_id in tally.uncertain_attempts:
                continue
            elif stored[username][attempt_id] < given:
                lost += 1
            elif stored[username][attempt_id] > given:
                doubled += 1
    for username, count in stored.items():  # a quiz stored twice: more attempts than hand-ins
        expected = tally.hand_ins.get(username, 0) + tally.uncertain.get(username, 0)
        doubled += max(0, len(count) - expected)
    for username, slugs in tally.read.items():
        lost += sum((username, slug) not in completed for slug in slugs)
    return lost, doubled


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="PostgreSQL: drop all tables first")
    parser.add_argument("--strict", action="store_true", help="exit 1 on any 5xx, loss, double")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = os.environ.get("PORTAL_DATABASE_URL") or (
            f"sqlite:///{Path(folder) / 'classroom.db'}"
        )
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "classroom"})
        dialect = make_url(database_url).get_backend_name()
        names = build(app, args.students, args.reset)
        slugs = [lesson.slug for lesson in app.extensions["catalog"].lessons]
        with app.app_context():
            db.engine.dispose()  # the server's workers open their own connections
        tally = Tally()
        log = open(Path(folder) / "gunicorn.log", "w")  # noqa: SIM115
        with gunicorn(
            database_url, extra_env={"PORTAL_EXPORTS_DIR": str(Path(folder))}, log=log
        ) as base:
            deadline = time.monotonic() + args.seconds
            rng = random.Random(args.seed)
            students = [
                Student(base, name, slugs, tally, random.Random(rng.random()), deadline)
                for name in names
            ]
            threads = [threading.Thread(target=s.run, daemon=True) for s in students]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(args.seconds + 120)
        log.close()
        lost, doubled = compare(app, tally)
        with app.app_context():
            db.engine.dispose()
        server_errors = sum(n for status, n in tally.statuses.items() if status >= 500)
        quizzes = sum(tally.hand_ins.values())
        if tally.errors:
            print(f"# 5xx by request: {dict(tally.errors)}", file=sys.stderr)
            failures = [line for line in open(Path(folder) / "gunicorn.log") if "Error" in line]
            for line in failures[-5:]:
                print(f"# server: {line.rstrip()}", file=sys.stderr)
        print(
            f"classroom database={dialect} students={args.students} "
            f"seconds={args.seconds:g} requests={len(tally.timings)} 5xx={server_errors} "
            f"lost={lost} doubled={doubled} quizzes={quizzes} "
            f"p50_ms={percentile(tally.timings, 0.5) * 1000:.1f} "
            f"p95_ms={percentile(tally.timings, 0.95) * 1000:.1f}"
        )
        if args.strict and (server_errors or lost or doubled):
            sys.exit(1)


if __name__ == "__main__":
    main()
