"""Quick exit, in a real browser: the button and a double Escape leave, and Back does not return."""

from __future__ import annotations

import pytest

NEUTRAL = "https://www.weather.gov/"


@pytest.fixture
def page(live_app, browser):
    _app, base = live_app
    context = browser.new_context(viewport={"width": 390, "height": 700})
    # No network here: answer for the neutral site so the browser really goes there.
    context.route(
        "https://www.weather.gov/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Weather</h1>"),
    )
    page = context.new_page()
    page.base = base
    yield page
    context.close()


def test_quick_exit_button_replaces_the_page(page):
    page.goto(f"{page.base}/sign-in")
    page.goto(f"{page.base}/help/report")
    page.get_by_role("link", name="Quick exit").click()
    page.wait_for_url(NEUTRAL)
    page.go_back()
    assert page.url != f"{page.base}/help/report"  # the exited page is gone from history
    assert page.url == f"{page.base}/sign-in"


def test_pressing_escape_twice_leaves(page):
    page.goto(f"{page.base}/sign-in")
    page.goto(f"{page.base}/help/")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(NEUTRAL)
    page.go_back()
    assert page.url == f"{page.base}/sign-in"


def test_one_escape_does_nothing(page):
    page.goto(f"{page.base}/help/")
    page.keyboard.press("Escape")
    page.wait_for_timeout(1600)
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert page.url == f"{page.base}/help/"


def test_quick_exit_stays_in_view_on_a_phone(page):
    page.goto(f"{page.base}/help/")
    page.mouse.wheel(0, 3000)
    page.wait_for_timeout(200)
    box = page.get_by_role("link", name="Quick exit").bounding_box()
    assert box is not None and 0 <= box["y"] < 120


def test_reporting_guide_shows_one_step_at_a_time_without_scripts(browser, live_app):
    _app, base = live_app
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/help/report")
    assert page.get_by_role(
        "heading", name="Are you, or is someone else, in danger right now?"
    ).is_visible()
    assert not page.get_by_role("heading", name="Call 911 now").is_visible()
    page.get_by_role("link", name="No", exact=True).first.click()
    question = page.get_by_role(
        "heading",
        name="Is someone asking for sexual pictures, or threatening to share pictures of you?",
    )
    assert question.is_visible()
    question.locator("xpath=..").get_by_role("link", name="Yes", exact=True).click()
    assert page.get_by_role(
        "heading", name="Someone wants pictures, or is threatening to share them"
    ).is_visible()
    assert not page.get_by_role(
        "heading", name="Are you, or is someone else, in danger right now?"
    ).is_visible()
    assert page.url.endswith("/help/report#images")
    context.close()


def test_guide_answers_leave_no_trail_in_history_and_focus_follows(page):
    page.goto(f"{page.base}/sign-in")
    page.goto(f"{page.base}/help/report")
    page.get_by_role("link", name="No", exact=True).first.click()
    step = page.locator("#q-images")
    step.get_by_role("link", name="Yes", exact=True).click()
    assert page.url.endswith("#images")
    heading = page.get_by_role(
        "heading", name="Someone wants pictures, or is threatening to share them"
    )
    assert heading.is_visible()
    assert page.evaluate("document.activeElement.id") == "images-heading"
    page.go_back()
    assert page.url == f"{page.base}/sign-in"  # not back through the answers
