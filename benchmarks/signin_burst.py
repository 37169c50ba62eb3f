"""A whole class at once: 30 simultaneous sign-ins, then 30 simultaneous joins, under gunicorn.

Starts `gunicorn --workers 4` on a fresh SQLite database in a temporary folder (or on the
PostgreSQL database named by PORTAL_DATABASE_URL), creates a teacher, a cohort and the students'
accounts with the app's own password hashing, then in each round (--rounds) opens 30 (--students)
browsers on the loopback address that each load the form, wait at a barrier and post at the same
moment: first the sign-in form, then the join form (new accounts with the cohort's code). A
request is an error unless it answers with the redirect a successful sign-in or join gives.
Prints the database, the password hashing cost, then per burst errors and p50/p95/max:

    database: sqlite (fresh file in a temporary folder)
    hashing (CPU per hash): scrypt N=2^17 331.2 ms · argon2id m=19 MiB t=2 p=1 41.0 ms ...
    sign-in burst: 90 requests, 0 errors, p50 612 ms, p95 1002 ms, max 1104 ms
    join burst: 90 requests, 0 errors, p50 700 ms, p95 1190 ms, max 1250 ms

Run: `.venv/bin/python benchmarks/signin_burst.py [--students 30] [--rounds 3]`
"""

from __future__ import annotations

import argparse
import hashlib
import http.cookiejar
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from student_portal import create_app  # noqa: E402
from student_portal.extensions import db  # noqa: E402
from student_portal.models import MEMBER, STUDENT, TEACHER, Cohort, Membership, User  # noqa: E402

PASSWORD = "benchmark-pass-1"
TIMEOUT = 30  # seconds a single request may take before it counts as an error


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One student's browser: its own cookies, no redirects followed."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def get_token(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=TIMEOUT) as response:
            page = response.read().decode()
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def post(self, path: str, fields: dict) -> int:
        data = urllib.parse.urlencode(fields).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=TIMEOUT) as response:
                return response.status
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            return error.code
        except OSError:
            return 0  # timed out or connection refused


def burst(base: str, path: str, forms: list[dict], expected: int = 302) -> tuple[list, list]:
    """Every browser loads `path`, then all post their form at once; (latencies, bad statuses)."""
    browsers = [Browser(base) for _ in forms]
    tokens = [browser.get_token(path) for browser in browsers]
    barrier = threading.Barrier(len(forms))
    latencies: list[float] = [0.0] * len(forms)
    statuses: list[int] = [0] * len(forms)

    def run(index: int) -> None:
        barrier.wait()
        started = time.perf_counter()
        statuses[index] = browsers[index].post(path, {**forms[index], "csrf_token": tokens[index]})
        latencies[index] = time.perf_counter() - started

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(forms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, [status for status in statuses if status != expected]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cpu_per_hash(function, repeats: int) -> float:
    function()  # warm up (first argon2/scrypt call allocates)
    started = time.process_time()
    for _ in range(repeats):
        function()
    return (time.process_time() - started) / repeats


def hashing_figures() -> str:
    """CPU per hash: werkzeug's default scrypt, scrypt N=2^17, argon2id at OWASP's minimum."""
    from werkzeug.security import generate_password_hash

    salt = secrets.token_bytes(16)
    secret = PASSWORD.encode()
    figures = {
        "werkzeug default scrypt N=2^15": cpu_per_hash(
            lambda: generate_password_hash(PASSWORD), 3
        ),
        "scrypt N=2^17 r=8 p=1": cpu_per_hash(
            lambda: hashlib.scrypt(secret, salt=salt, n=2**17, r=8, p=1, maxmem=256 * 2**20), 3
        ),
    }
    try:
        from argon2 import PasswordHasher
    except ImportError:
        figures["argon2id (argon2-cffi not installed)"] = float("nan")
    else:
        hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
        figures["argon2id m=19 MiB t=2 p=1"] = cpu_per_hash(lambda: hasher.hash(PASSWORD), 10)
    return " · ".join(f"{name} {seconds * 1000:.1f} ms" for name, seconds in figures.items())


def app_hashing() -> str:
    try:
        from student_portal.passwords import describe_hashing
    except ImportError:
        return "werkzeug's default (scrypt N=2^15)"
    return describe_hashing()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(base: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn stopped while starting:\n" + log_path.read_text()[-3000:])
        try:
            # Several answers in a row: every worker has loaded the app.
            for _ in range(8):
                urllib.request.urlopen(base + "/sign-in", timeout=5).read()
            return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not answer within 60 s")


def create_school(database_url: str, prefix: str, students: int) -> str:
    """A teacher, an open cohort and `students` student accounts; returns the join code."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "benchmark"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        teacher = User(username=f"{prefix}teacher", role=TEACHER)
        teacher.set_password(PASSWORD)
        join_code = secrets.token_hex(3).upper()
        cohort = Cohort(name="Burst", grade_band="6-8", owner=teacher, join_code=join_code)
        db.session.add_all([teacher, cohort])
        for number in range(students):
            student = User(username=f"{prefix}s{number}", role=STUDENT)
            student.set_password(PASSWORD)  # the app's own hashing: sign-in checks a real hash
            db.session.add_all([student, Membership(user=student, cohort=cohort, role=MEMBER)])
        db.session.commit()
        db.engine.dispose()
    return join_code


def report(name: str, latencies: list[float], errors: list[int]) -> None:
    statuses = ", ".join(f"{s or 'no answer'}×{errors.count(s)}" for s in sorted(set(errors)))
    print(
        f"{name}: {len(latencies)} requests, {len(errors)} errors"
        + (f" ({statuses})" if errors else "")
        + f", p50 {statistics.median(latencies) * 1000:.0f} ms"
        + f", p95 {percentile(latencies, 0.95) * 1000:.0f} ms"
        + f", max {max(latencies) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30, help="browsers per burst (max 100)")
    parser.add_argument("--rounds", type=int, default=3, help="bursts of each kind")
    args = parser.parse_args()
    students = max(1, min(args.students, 100))  # bounded: this is a loopback test, not a flood

    print(f"hashing (CPU per hash): {hashing_figures()}")
    print(f"the app hashes with: {app_hashing()}")
    with tempfile.TemporaryDirectory() as folder:
        database_url = os.environ.get("PORTAL_DATABASE_URL")
        if database_url:
            print(f"database: {database_url.split(':', 1)[0]} (PORTAL_DATABASE_URL)")
        else:
            database_url = f"sqlite:///{Path(folder) / 'burst.db'}"
            print("database: sqlite (fresh file in a temporary folder)")
        prefix = f"b{secrets.token_hex(3)}-"
        join_code = create_school(database_url, prefix, students)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(folder) / "gunicorn.log"
        env = {
            **os.environ,
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_SECRET_KEY": secrets.token_hex(16),
            "PORTAL_SESSION_COOKIE_SECURE": "false",
            "PYTHONPATH": str(ROOT),
        }
        command = [sys.executable, "-m", "gunicorn", "--workers", "4", "--chdir", str(ROOT)]
        command += ["--bind", f"127.0.0.1:{port}", "app:app"]
        with open(log_path, "w") as log:
            server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_until_serving(base, server, log_path)
            sign_ins: tuple[list, list] = ([], [])
            joins: tuple[list, list] = ([], [])
            for round_number in range(args.rounds):
                forms = [
                    {"username": f"{prefix}s{n}", "password": PASSWORD} for n in range(students)
                ]
                latencies, errors = burst(base, "/sign-in", forms)
                sign_ins[0].extend(latencies)
                sign_ins[1].extend(errors)
                forms = [
                    {
                        "join_code": join_code,
                        "username": f"{prefix}r{round_number}n{n}",
                        "password": PASSWORD,
                        "confirm": PASSWORD,
                    }
                    for n in range(students)
                ]
                latencies, errors = burst(base, "/join", forms)
                joins[0].extend(latencies)
                joins[1].extend(errors)
        finally:
            server.terminate()
            server.wait(timeout=30)
        report(f"sign-in burst ({students} at once × {args.rounds})", *sign_ins)
        report(f"join burst ({students} at once × {args.rounds})", *joins)
        locked = log_path.read_text().count("database is locked")
        print(f"'database is locked' in the server log: {locked}")


if __name__ == "__main__":
    main()
