"""Spot the signs in a real browser: a student marks chat messages by touch, and by keyboard."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import app_config
from tests.factories import PASSWORD, make_cohort, make_student, make_teacher
from tests.test_spot_the_signs import SPOT

LESSON = "01-chat-signs"
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}


@pytest.fixture
def spot_live_app(tmp_path):
    """The app on the spot-the-signs fixture lessons, CSRF on, served from a thread."""
    from student_portal import create_app
    from student_portal.extensions import db

    app = create_app(
        app_config(
            tmp_path, WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=False, LESSONS_DIR=str(SPOT)
        )
    )
    with app.app_context():
        db.create_all()
        cohort = make_cohort(make_teacher("spot-teacher"), "Period 3")
        make_student(cohort, "tapper")
        make_student(cohort, "keyboarder")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


def sign_in(page, base, username):
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def bubble(page, text):
    """The label (the whole bubble) of the chat message containing `text`."""
    return page.locator("label.spot-bubble", has_text=text)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_student_marks_the_signs_by_touch(spot_live_app, browser):
    _app, base = spot_live_app
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    sign_in(page, base, "tapper")
    page.goto(f"{base}/learn/{LESSON}/quiz")
    assert "Tap every message that is a warning sign." in page.content()

    bubble(page, "gg! you").tap()
    assert page.locator("#answer-0").is_checked()
    assert bubble(page, "gg! you").get_by_text("Marked as a warning sign").is_visible()
    bubble(page, "gg! you").tap()  # changed my mind: tap again to unmark
    assert not page.locator("#answer-0").is_checked()
    assert not bubble(page, "gg! you").get_by_text("Marked as a warning sign").is_visible()
    for text in ("more mature", "another app", "tell your parents"):
        bubble(page, text).tap()
    assert page.locator("input.spot-input:checked").count() == 3
    page.get_by_role("button", name="Next").tap()

    page.get_by_label("A trusted adult", exact=True).tap()
    page.get_by_role("button", name="Next").tap()
    page.wait_for_url("**/attempts/**")
    content = page.content()
    assert "You passed" in content and "You scored 4 out of 4" in content
    assert content.count("You marked it: right") == 3 and content.count("You left it: right") == 2
    assert "Moving to a private app is a warning sign." in content
    assert no_sideways_scroll(page)
    context.close()


def _tab_to(page, condition: str, limit: int = 60) -> None:
    """Press Tab until `condition` (a JS expression on `el`, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {condition}; }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {condition}")


def test_a_student_marks_the_signs_with_the_keyboard_only(spot_live_app, browser):
    _app, base = spot_live_app
    page = browser.new_page(viewport=NARROW)
    sign_in(page, base, "keyboarder")
    page.goto(f"{base}/learn/{LESSON}/quiz")
    assert no_sideways_scroll(page)  # the chat fits a 320 px screen

    _tab_to(page, "el.id === 'answer-0'")
    # The focused message shows a focus ring around its bubble.
    outline = page.evaluate(
        "getComputedStyle(document.querySelector('label[for=answer-0]')).outlineStyle"
    )
    assert outline == "solid"
    page.keyboard.press("Space")
    page.keyboard.press("Space")  # marked, then unmarked
    for index in (2, 3, 4):  # the three warning signs
        _tab_to(page, f"el.id === 'answer-{index}'")
        page.keyboard.press("Space")
    marked = page.evaluate(
        "[...document.querySelectorAll('input.spot-input:checked')].map(el => el.value)"
    )
    assert marked == ["mature", "app", "secret"]
    _tab_to(page, "el.tagName === 'BUTTON' && el.type === 'submit'")
    page.keyboard.press("Enter")
    page.wait_for_selector("input[type=radio]")

    _tab_to(page, "el.name === 'answer'")
    for _ in range(3):
        if page.evaluate("document.activeElement.value") == "adult":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    _tab_to(page, "el.tagName === 'BUTTON' && el.type === 'submit'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/attempts/**")
    content = page.content()
    assert "You scored 4 out of 4" in content and "You marked it: right" in content
    assert no_sideways_scroll(page)
    page.close()
