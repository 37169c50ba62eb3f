"""A club session in a real browser: the leader moves on, and a student's page follows by itself."""

from __future__ import annotations

from tests.conftest import build_school
from tests.e2e.conftest import wait_until
from tests.factories import PASSWORD


def sign_in(page, base, username):
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_student_screen_follows_the_leader_without_reloading(live_app, browser):
    app, base = live_app
    build_school(app)

    leader = browser.new_context().new_page()
    sign_in(leader, base, "leader-one")
    leader.get_by_role("link", name="Lead").click()
    leader.get_by_label("Lesson").select_option(label="First steps")
    leader.get_by_label("The trained adult in the room").fill("Ms Rivera")
    leader.get_by_label("This adult is in the room for the whole session").check()
    leader.get_by_role("button", name="Start the session").click()
    leader.get_by_role("heading", name="Before you start: First steps").wait_for()

    student = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(student, base, "student-one")
    student.get_by_role("button", name="Join", exact=True).click()  # one tap, from any page
    student.get_by_text("Welcome: First steps").wait_for()
    student.evaluate("window.notReloaded = true")

    leader.keyboard.press("ArrowRight")  # keyboard: next step
    leader.get_by_text("Step 1 of 3").wait_for()
    leader.get_by_role("button", name="Next →").click()
    leader.get_by_text("Step 2 of 3").wait_for()

    student.get_by_role("heading", name="Noticing signs").wait_for(timeout=10_000)
    assert student.evaluate("window.notReloaded === true")  # swapped in place, no reload

    leader.get_by_label("Ask the group").select_option(value="q-single")
    leader.get_by_role("button", name="Open the poll").click()
    student.get_by_text("Who should you tell?").wait_for(timeout=10_000)
    student.get_by_label("A trusted adult").check()
    student.get_by_role("button", name="Send my answer").click()
    student.get_by_text("your answer is in").wait_for()

    leader.get_by_text("1 answered so far").wait_for(timeout=10_000)  # the panel refreshes itself


def test_a_poll_that_opens_below_the_step_is_brought_into_view_on_a_phone(live_app, browser):
    app, base = live_app
    build_school(app)
    leader = browser.new_context().new_page()
    sign_in(leader, base, "leader-one")
    leader.get_by_role("link", name="Lead").click()
    leader.get_by_label("Lesson").select_option(label="First steps")
    leader.get_by_label("The trained adult in the room").fill("Ms Rivera")
    leader.get_by_label("This adult is in the room for the whole session").check()
    leader.get_by_role("button", name="Start the session").click()
    leader.get_by_role("button", name="Next →").click()

    student = browser.new_context(viewport={"width": 320, "height": 480}).new_page()
    sign_in(student, base, "student-one")
    student.get_by_role("button", name="Join", exact=True).click()
    student.get_by_text("Step 1 of 3").wait_for()
    student.evaluate("window.scrollTo(0, 0)")

    leader.get_by_label("Ask the group").select_option(value="q-single")
    leader.get_by_role("button", name="Open the poll").click()
    student.get_by_text("Who should you tell?").wait_for(timeout=10_000)
    wait_until(
        student,
        "() => { const top = document.getElementById('poll-follow').getBoundingClientRect().top;"
        " return top > -2 && top < window.innerHeight; }"
    )

    student.evaluate("window.scrollTo(0, 0)")
    student.get_by_role("link", name="A poll is open: go to the poll").click()
    assert student.evaluate("document.activeElement.id") == "poll-follow"
