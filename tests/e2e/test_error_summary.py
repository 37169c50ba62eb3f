"""A student's join form comes back with a problem: focus lands on the error summary, its link
puts the cursor in the field, and both passwords are still there."""

from __future__ import annotations

import pytest

from tests.conftest import build_school
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.slow


def test_focus_moves_to_the_summary_and_its_link_to_the_field(live_app, browser):
    app, base_url = live_app
    school = build_school(app)
    page = browser.new_page(viewport={"width": 390, "height": 800})
    page.goto(base_url + "/join")
    page.get_by_label("Join code").fill(school["join_code"])
    page.get_by_label("Username").fill("maple-fox-12")
    page.get_by_label("Password", exact=True).fill("sunny-days-42")
    page.get_by_label("Type the password again").fill("sunny-days-24")
    page.get_by_role("button", name="Create my account").click()

    assert page.title() == "Error: Join your group – Lantern"
    wait_until(page, "document.activeElement.matches('[data-error-summary]')")
    assert page.get_by_label("Password", exact=True).input_value() == "sunny-days-42"
    assert page.get_by_label("Type the password again").input_value() == "sunny-days-24"

    page.get_by_role("link", name="The two passwords don't match.").click()
    assert page.evaluate("document.activeElement.id") == "confirm"
    page.close()
