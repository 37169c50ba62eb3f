"""The answers export at the size of a big school, two teachers at once, over real HTTP.

Builds a temporary SQLite database (or PORTAL_DATABASE_URL when it is set; `--reset` empties a
throwaway PostgreSQL first) with one cohort of N students (default 3,000; bulk inserts,
the real lessons, about three attempts per lesson), serves it with the README's production
command (`gunicorn --workers 4`, default 30 s timeout) on 127.0.0.1, signs two teachers' browsers
in and downloads the answers export in both at the same time, then checks each file against the
database: every stored answer exactly once, nothing else, and the end-of-file line present.

    export db=sqlite students=3000 answers=1043211 db_rows=1043211 files=2 complete=2 identical=2
        seconds=41.3 slowest_s=41.3 size_mb=88.1

Run: `.venv/bin/python benchmarks/export.py [--students N]`
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.dashboard import PASSWORD, build_school  # noqa: E402
from benchmarks.serving import Client, find, forms_in, gunicorn, location  # noqa: E402
from student_portal import create_app  # noqa: E402
from student_portal.extensions import db  # noqa: E402
from student_portal.models import TEACHER, Cohort, Membership, QuizAnswer, QuizAttempt, User  # noqa: E402


def stored_answers(app, cohort_id: int) -> Counter:
    """(username, lesson, item, step, choice) of every stored answer of the cohort's members."""
    with app.app_context():
        rows = db.session.execute(
            select(
                User.username,
                QuizAnswer.item_id,
                QuizAnswer.step_id,
                QuizAnswer.choice_id,
            )
            .join(QuizAttempt, QuizAttempt.user_id == User.id)
            .join(QuizAnswer, QuizAnswer.attempt_id == QuizAttempt.id)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.cohort_id == cohort_id)
        )
        return Counter((u, i, s or "", c) for u, i, s, c in rows)


def teacher_name(number: int) -> str:
    return "bench-teacher" if number == 0 else f"bench-teacher-{number + 1}"


def add_teachers(app, cohort_id: int, count: int) -> list[int]:
    """More teachers, each with a cohort of the same students: each export is its own job."""
    ids = []
    with app.app_context():
        students = db.session.scalars(
            select(Membership.user_id).where(Membership.cohort_id == cohort_id)
        ).all()
        for number in range(1, count + 1):
            teacher = User(
                username=teacher_name(number),
                role=TEACHER,
                password_hash=generate_password_hash(PASSWORD),
            )
            cohort = Cohort(
                name=f"Benchmark cohort {number + 1}",
                grade_band="6-8",
                owner=teacher,
                join_code=f"BENCH{number + 2}",
            )
            db.session.add_all([teacher, cohort])
            db.session.flush()
            db.session.execute(
                insert(Membership),
                [{"user_id": i, "cohort_id": cohort.id, "role": "student"} for i in students],
            )
            ids.append(cohort.id)
        db.session.commit()
    return ids


def download(client: Client, cohort_id: int) -> tuple[int, bytes, str]:
    """The answers file as a teacher gets it: (status, bytes, how it was fetched)."""
    status, _, body = client.get(f"/teach/cohorts/{cohort_id}/progress")
    export_page = find(r'href="([^"]+/exports)"', body.decode())
    export_form = None
    if export_page:  # the file is prepared in the background: press "Prepare the file"
        status, _, body = client.get(export_page)
        forms = forms_in(body.decode()) if status == 200 else []
        export_form = next((f for f in forms if f["action"].endswith("/exports")), None)
    if export_form is None:  # the file is written inside the request
        try:
            status, _, data = client.get(f"/teach/cohorts/{cohort_id}/attempts.csv")
        except http.client.IncompleteRead as error:
            return 200, error.partial, "in-request, connection cut"
        return status, data, "in-request"
    status, headers, _ = client.post(export_form["action"], export_form["hidden"])
    status_page = location(headers)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        status, _, body = client.get(status_page)
        link = find(r'href="([^"]+/download)"', body.decode())
        if link:
            status, headers, data = client.get(link)
            expected = int(headers.get("Content-Length", -1))
            length = "ok" if expected == len(data) else "WRONG"
            return status, data, f"background, content-length {length}"
        if "could not be finished" in body.decode():
            return 500, b"", "background, failed"
        time.sleep(1)
    return 0, b"", "background, timed out"


def check(data: bytes, stored: Counter) -> tuple[bool, bool, int]:
    """(complete: ends with the end-of-file line, identical: same answers as stored, rows)."""
    rows = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", errors="replace"))
    header = next(rows, [])
    column = {name: number for number, name in enumerate(header)}
    if not {"Username", "Item", "Step", "Choice"} <= column.keys():
        return False, False, 0  # not the answers file at all
    fields = [column[name] for name in ("Username", "Item", "Step", "Choice")]
    found: Counter = Counter()
    last: list[str] = []
    count = 0
    cut_off = False
    for row in rows:
        if last:
            count += 1
            try:
                found[tuple(last[i] for i in fields)] += 1
            except IndexError:  # a row cut off in the middle
                cut_off = True
        last = row
    complete = last[:1] == ["End of file"]
    if last and not complete:  # the last line was an answer (or half of one)
        count += 1
        try:
            found[tuple(last[i] for i in fields)] += 1
        except IndexError:
            cut_off = True
    return complete, found == stored and not cut_off, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--teachers", type=int, default=2, help="downloads at the same time")
    parser.add_argument("--reset", action="store_true", help="PostgreSQL: drop all tables first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = os.environ.get("PORTAL_DATABASE_URL") or (
            f"sqlite:///{Path(folder) / 'bench.db'}"
        )
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": "benchmark",
            }
        )
        cohort_ids = [build_school(app, args.students, reset=args.reset)]
        cohort_ids += add_teachers(app, cohort_ids[0], args.teachers - 1)
        stored = stored_answers(app, cohort_ids[0])  # every cohort has the same students
        with app.app_context():
            db.engine.dispose()
        log = open(Path(folder) / "gunicorn.log", "w")  # noqa: SIM115
        with gunicorn(
            database_url, extra_env={"PORTAL_EXPORTS_DIR": str(Path(folder) / "exports")}, log=log
        ) as base:
            clients = [Client(base, timeout=600) for _ in range(args.teachers)]
            for number, client in enumerate(clients):
                assert client.sign_in(teacher_name(number), PASSWORD) == 302
            results: list = [None] * len(clients)
            timings: list[float] = [0.0] * len(clients)

            def run(number: int):
                started = time.perf_counter()
                try:
                    results[number] = download(clients[number], cohort_ids[number])
                except Exception as error:  # noqa: BLE001 - reported, not hidden
                    results[number] = (0, b"", f"error: {error!r}")
                timings[number] = time.perf_counter() - started

            started = time.perf_counter()
            threads = [threading.Thread(target=run, args=(n,)) for n in range(len(clients))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        log.close()
        killed = Path(folder, "gunicorn.log").read_text().count("WORKER TIMEOUT")
        complete = identical = 0
        for (status, data, how), seconds in zip(results, timings, strict=True):
            is_complete, is_identical, rows = check(data, stored)
            complete += is_complete and status == 200
            identical += is_identical and status == 200
            print(
                f"# file: status={status} {how} rows={rows} size_mb={len(data) / 1e6:.1f} "
                f"seconds={seconds:.1f} complete={is_complete} identical={is_identical}",
                file=sys.stderr,
            )
        print(
            f"export db={make_url(database_url).get_backend_name()} "
            f"students={args.students} db_rows={sum(stored.values())} "
            f"files={len(results)} complete={complete} identical={identical} "
            f"worker_timeouts={killed} seconds={elapsed:.1f} slowest_s={max(timings):.1f} "
            f"size_mb={max(len(r[1]) for r in results) / 1e6:.1f}"
        )


if __name__ == "__main__":
    main()
