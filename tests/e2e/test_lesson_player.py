"""The lesson player in a real browser: part by part without reloads, resumed where the student
left off, and a check-yourself question answered in place."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import app_config
from tests.factories import PASSWORD, make_cohort, make_student, make_teacher

PLAYER_LESSONS = Path(__file__).parent.parent / "fixtures" / "lessons" / "player"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def player_app(tmp_path):
    """The app on the player fixture lessons, with CSRF on, served from a thread."""
    from student_portal import create_app
    from student_portal.extensions import db

    app = create_app(
        app_config(
            tmp_path,
            WTF_CSRF_ENABLED=True,
            SESSION_COOKIE_SECURE=False,
            LESSONS_DIR=str(PLAYER_LESSONS),
        )
    )
    with app.app_context():
        db.create_all()
        make_student(make_cohort(make_teacher("ms-rivera")), "maple-fox")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def sign_in(page, base):
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill("maple-fox")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_student_reads_part_by_part_comes_back_to_the_same_part_and_checks_themselves(
    player_app, browser
):
    _app, base = player_app
    page = browser.new_page(viewport=PHONE)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base)
    page.goto(f"{base}/learn/")
    page.get_by_role("link", name="Part by part").click()
    page.get_by_role("button", name="Continue to the lesson").click()
    assert "Part 1 of 4" in page.locator(".part-count").inner_text()

    # With JavaScript, Next swaps the part in: a marker on window survives (no full reload).
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("link", name="Next").click()
    heading = page.get_by_role("heading", name="Noticing signs", level=1)
    heading.wait_for()
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.url.endswith("/learn/01-part-by-part/part/2")
    assert page.title().startswith("Noticing signs (part 2 of 4)")
    assert page.evaluate("document.activeElement.id") == "part-heading"
    # A locator assertion polls without evaluating a string (the page's CSP forbids eval).
    expect(page.locator("[data-player-status]")).to_have_text("Part 2 of 4")

    # Answering the check shows its feedback in place, still without a reload.
    page.get_by_label("No, friends keep secrets all the time").check()
    page.get_by_role("button", name="Check my answer").click()
    feedback = page.locator("[data-check-feedback]")
    feedback.wait_for()
    assert "Not quite." in feedback.inner_text()
    assert "being asked to hide a friendship is not" in feedback.inner_text()
    assert page.evaluate("window.stillTheSamePage") is True

    page.get_by_role("link", name="Next").click()
    page.get_by_role("heading", name="Gifts and favours", level=1).wait_for()
    assert page.evaluate("window.stillTheSamePage") is True

    # Back, on the page and in the browser.
    page.get_by_role("link", name="Back").click()
    page.get_by_role("heading", name="Noticing signs", level=1).wait_for()
    page.go_back()  # the browser's Back: to part 3, where the link was clicked
    page.get_by_role("heading", name="Gifts and favours", level=1).wait_for()
    assert page.url.endswith("/part/3")
    page.go_forward()
    page.get_by_role("heading", name="Noticing signs", level=1).wait_for()
    assert page.url.endswith("/part/2")
    assert page.evaluate("window.stillTheSamePage") is True
    page.get_by_role("link", name="Next").click()
    page.get_by_role("heading", name="Gifts and favours", level=1).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Leaves, and comes back later: the lesson opens at the same part.
    page.close()
    again = browser.new_page(viewport=PHONE)
    sign_in(again, base)
    again.goto(f"{base}/learn/")
    again.get_by_role("link", name="Continue where you left off: part 3 of 4").click()
    again.get_by_role("heading", name="Gifts and favours", level=1).wait_for()
    again.goto(f"{base}/learn/")
    again.get_by_role("link", name="Part by part", exact=True).click()
    again.get_by_role("heading", name="Gifts and favours", level=1).wait_for()
    assert errors == []


def test_without_javascript_each_part_and_each_check_is_a_normal_page(player_app, browser):
    _app, base = player_app
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base)
    page.goto(f"{base}/learn/01-part-by-part/parts")
    page.get_by_role("button", name="Continue to the lesson").click()
    page.get_by_role("link", name="Next").click()
    page.get_by_role("heading", name="Noticing signs", level=1).wait_for()
    page.get_by_label("Yes, it is a warning sign").check()
    page.get_by_role("button", name="Check my answer").click()
    assert "That's right." in page.locator("[data-check-feedback]").inner_text()
    assert "Part 2 of 4" in page.content()
    context.close()
