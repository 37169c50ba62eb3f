"""CPU time a new worker spends starting: `create_app()` with a cold and a warm cache.

Each measurement is a fresh Python process (as a gunicorn worker is) that imports the app,
calls `create_app()` on the real lessons and then serves its first three pages (`/`, `/help/`,
`/sign-in`) through the test client. "Cold" starts with empty content and template caches (the
first worker after a deploy or a lesson edit), "warm" with the caches the cold run left (every
worker after it). The rounds alternate cold and warm, so a busy machine slows both alike; the
medians are printed, and the warm figures as a ratio to the cold ones:

    startup cold: create_app_s=1.52 first_pages_s=0.21 imports_s=0.70 process_s=2.49
    startup warm: create_app_s=0.14 first_pages_s=0.05 imports_s=0.70 process_s=0.95
    startup warm/cold: create_app=0.09 first_pages=0.24 process=0.38

`create_app_s` is the call alone; `process_s` is all the CPU the process used (interpreter,
imports, create_app and the first pages). Target: a warm `create_app()` under 0.5 s.
Python's own bytecode (.pyc) is written and used as in any installed deployment, even where
the shell sets PYTHONDONTWRITEBYTECODE (a warm-up process writes it before the rounds).
Run: `.venv/bin/python benchmarks/startup.py [--rounds N]`
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import time
started = time.process_time()
from student_portal import create_app
imported = time.process_time()
app = create_app()
created = time.process_time()
client = app.test_client()
for url in ("/", "/help/", "/sign-in"):
    assert client.get(url).status_code == 200, url
served = time.process_time()
import json
print(json.dumps({
    "imports_s": imported - started,
    "create_app_s": created - imported,
    "first_pages_s": served - created,
    "process_s": served,
}))
"""

FIGURES = ("create_app_s", "first_pages_s", "imports_s", "process_s")


def run_child(env: dict[str, str]) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"the app did not start:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="startup-") as scratch:
        folder = Path(scratch)
        content_cache, template_cache = folder / "content-cache", folder / "template-cache"
        env = {
            key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"
        }
        env.update(
            PORTAL_SECRET_KEY="benchmark",
            PORTAL_DATABASE_URL=f"sqlite:///{folder / 'startup.db'}",
            PORTAL_CONTENT_CACHE_DIR=str(content_cache),
            PORTAL_TEMPLATE_CACHE_DIR=str(template_cache),
        )
        run_child(env)  # writes the .pyc files, so every measured run finds them
        runs: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
        for _round in range(args.rounds):
            for cache_dir in (content_cache, template_cache):
                shutil.rmtree(cache_dir, ignore_errors=True)
            runs["cold"].append(run_child(env))
            runs["warm"].append(run_child(env))

    medians = {
        kind: {figure: statistics.median(run[figure] for run in measured) for figure in FIGURES}
        for kind, measured in runs.items()
    }
    for kind, figures in medians.items():
        shown = " ".join(f"{figure}={value:.3f}" for figure, value in figures.items())
        print(f"startup {kind}: {shown} rounds={args.rounds}")
    ratios = " ".join(
        f"{figure.removesuffix('_s')}={medians['warm'][figure] / medians['cold'][figure]:.2f}"
        for figure in ("create_app_s", "first_pages_s", "process_s")
    )
    print(f"startup warm/cold: {ratios}")
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"startup load average: {load} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
