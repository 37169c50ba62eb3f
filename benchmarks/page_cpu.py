"""CPU per request of each page of benchmarks/pages.py, in process, and where it goes.

Builds the same school as benchmarks/pages.py (a temporary SQLite database, or
PORTAL_DATABASE_URL), signs in through the real sign-in form with CSRF and rate limits on, as
in production, and asks each page `--requests` times through Flask's test client, `--runs`
times over. One line per page, the figure the least CPU time (time.process_time) per request of
the runs, which is the least disturbed by other work on the machine:

    page_cpu page=lesson cpu_ms=1.21 calls=5400 runs=1.25,1.24,1.30

`calls` is the Python function calls of one request (counted by cProfile), a figure the
machine's load does not move, to compare versions by.

`--profile NAME` runs that page under cProfile instead and prints the 40 costliest functions
by cumulative time (or pass `--sort tottime`).

Run: `.venv/bin/python benchmarks/page_cpu.py [--requests N] [--runs R] [--profile lesson]`
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from pages import PASSWORD, USERNAMES, build_school, chosen, pages_of  # noqa: E402

from student_portal import create_app  # noqa: E402

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def signed_in_clients(app) -> dict:
    clients = {None: app.test_client()}
    for role, username in USERNAMES.items():
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        token = CSRF_FIELD.search(page).group(1)
        response = client.post(
            "/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code in (302, 303), f"{username} could not sign in"
        clients[role] = client
    return clients


def cpu_per_request(client, path: str, requests: int) -> float:
    started = time.process_time()
    for _ in range(requests):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    return (time.process_time() - started) * 1000 / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per run (200)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", metavar="PAGE", help="profile one page instead")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key")
    parser.add_argument(
        "--pages", "--only", dest="pages", help="only these pages, comma-separated; default all"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = os.environ.get("PORTAL_DATABASE_URL") or (
            f"sqlite:///{Path(folder) / 'pages.db'}"
        )
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": "benchmark-secret",
                "SESSION_COOKIE_SECURE": False,
                "REMEMBER_COOKIE_SECURE": False,
            }
        )
        pages = pages_of(build_school(app, reset=True))
        clients = signed_in_clients(app)
        if args.profile:
            page = next(p for p in pages if p.name == args.profile)
            client = clients[page.role]
            cpu_per_request(client, page.path, 20)  # warm up templates and caches
            profiler = cProfile.Profile()
            profiler.enable()
            cpu_per_request(client, page.path, args.requests)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(40)
            return
        for page in chosen(pages, args.pages):
            client = clients[page.role]
            cpu_per_request(client, page.path, 20)
            runs = [cpu_per_request(client, page.path, args.requests) for _ in range(args.runs)]
            profiler = cProfile.Profile()
            profiler.enable()
            cpu_per_request(client, page.path, 20)
            profiler.disable()
            calls = pstats.Stats(profiler).total_calls / 20
            print(
                f"page_cpu page={page.name} cpu_ms={min(runs):.2f} calls={calls:.0f} "
                f"runs={','.join(f'{r:.2f}' for r in runs)}"
            )


if __name__ == "__main__":
    main()
