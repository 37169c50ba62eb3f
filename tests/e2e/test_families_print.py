"""The family pages and the letter home in a real browser: printed page counts, phone widths."""

from __future__ import annotations

import re
import threading

import pytest
from werkzeug.serving import make_server

from student_portal.config import PROJECT_ROOT
from tests.conftest import app_config, build_school
from tests.factories import PASSWORD

LETTER = (
    "contact_name=Ms.+Rivera%2C+school+counselor&contact_details=rivera%40school.example"
    "&start_date=2026-09-14&schedule=Tuesdays+and+Thursdays%2C+10%3A15+to+10%3A45%2C+for+four+weeks"
    "&note=Our+family+night+is+on+October+2.+Please+come+and+see+the+lessons+for+yourself."
)


@pytest.fixture
def real_site(tmp_path):
    """The app with the real lessons and family pages, a school in it, served from a thread."""
    from student_portal import create_app
    from student_portal.extensions import db

    app = create_app(
        app_config(tmp_path, SESSION_COOKIE_SECURE=False, LESSONS_DIR=str(PROJECT_ROOT / "lessons"))
    )
    with app.app_context():
        db.create_all()
    school = build_school(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", school
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def printed_pages(page) -> int:
    margin = {side: "0.5in" for side in ("top", "right", "bottom", "left")}
    pdf = page.pdf(format="Letter", margin=margin)
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_the_follow_up_log_and_each_letter_print_on_one_page(real_site, browser):
    _app, base, school = real_site
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/families/follow-up-log")
    assert printed_pages(page) == 1
    page.goto(f"{base}/sign-in")
    page.fill("input[name=username]", "teacher-a")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/teach/")
    for language in ("en", "es", "both"):
        page.goto(f"{base}/teach/cohorts/{school['cohort']}/letter?{LETTER}&language={language}")
        assert page.locator(".letter-qr").first.evaluate("img => img.naturalWidth") > 0
        assert printed_pages(page) == 1, language
    context.close()


@pytest.mark.parametrize(
    "path",
    ["/families/", "/families/what-to-do", "/families/lessons/reporting-paths",
     "/families/follow-up-log"],
)
def test_family_pages_fit_a_320_px_phone(real_site, browser, path):
    _app, base, _school = real_site
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    for language in ("en", "es"):
        page.goto(f"{base}{path}?lang={language}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, (path, language)
    context.close()
