"""Real-browser tests: the app served on a local port, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import shutil
import threading
import time

import pytest
from werkzeug.serving import make_server

from tests.conftest import app_config

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_app(tmp_path):
    """The app with CSRF on, served from a thread; yields (app, base_url)."""
    from student_portal import create_app
    from student_portal.extensions import db

    app = create_app(app_config(tmp_path, WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=False))
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def _chromium():
    """Debian's Chromium through Playwright (skipped, saying why, when either is missing)."""
    if not shutil.which("chromium") and not shutil.os.path.exists(CHROMIUM):
        pytest.skip(
            "Chromium is not installed: `apt-get install chromium` to run the browser tests"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser():
    yield from _chromium()


@pytest.fixture(scope="module")
def module_browser():
    """One Chromium for a whole module (the page-wide checks open many pages)."""
    yield from _chromium()


@pytest.fixture(scope="module")
def every_page(tmp_path_factory):
    """The real lessons served once for a module, the school seeded once, and for each role
    (tests/pages.py) its session cookie and the pages to load: {role: (cookie, [url, ...])}.

    Yields (base_url, pages). CSRF is off: the seeding posts through a test client.
    """
    from student_portal import create_app
    from student_portal.config import PROJECT_ROOT
    from student_portal.extensions import db
    from tests.conftest import build_school
    from tests.pages import ROLES, add_admin, pages_for, sign_in

    folder = tmp_path_factory.mktemp("every-page")
    app = create_app(
        app_config(folder, SESSION_COOKIE_SECURE=False, LESSONS_DIR=str(PROJECT_ROOT / "lessons"))
    )
    with app.app_context():
        db.create_all()
    school = build_school(app)
    add_admin(app)
    pages = {}
    for role in ROLES:
        client = app.test_client()
        sign_in(client, role)
        urls = pages_for(app, client, role, school)
        cookie = client.get_cookie("session")
        pages[role] = (cookie.value if cookie else None, urls)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", pages
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll `expression` (a JavaScript function or expression) until it is true.

    Playwright's wait_for_function polls through `eval` in the page, which the site's strict
    Content-Security-Policy refuses whenever the first check is not already true; `evaluate`
    goes through the browser's debugging protocol, which the policy does not govern."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.05)


def role_context(browser, base_url: str, cookie: str | None, **options):
    """A browser context signed in with a role's session cookie (none for a visitor)."""
    context = browser.new_context(**options)
    if cookie:
        context.add_cookies([{"name": "session", "value": cookie, "url": base_url}])
    return context
