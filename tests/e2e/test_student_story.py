"""The first story in a real browser: a teacher makes a cohort; a student joins, learns, passes."""

from __future__ import annotations

import re

from tests.factories import PASSWORD, make_teacher

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def answer(page, *labels):
    for label in labels:
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name=re.compile("^(Next|Choose)$")).click()


def test_teacher_creates_cohort_and_student_joins_learns_and_passes(live_app, browser):
    app, base = live_app
    with app.app_context():
        make_teacher("ms-rivera")

    teacher = browser.new_page()
    teacher.goto(f"{base}/sign-in")
    teacher.get_by_label("Username").fill("ms-rivera")
    teacher.get_by_label("Password").fill(PASSWORD)
    teacher.get_by_role("button", name="Sign in").click()
    teacher.get_by_role("link", name="Create your first cohort").click()
    teacher.get_by_label("Cohort name").fill("Period 3 Health")
    teacher.get_by_role("button", name="Create cohort").click()
    code = teacher.locator(".join-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{3}-[A-Z2-9]{3}", code)

    student = browser.new_page(viewport=PHONE)
    student.goto(base)
    student.get_by_role("link", name="Join with a code").first.click()
    student.get_by_label("Join code").fill(code.lower())
    student.get_by_label("Username").fill("maple-fox")
    student.get_by_label("Password", exact=True).fill("my-secret-pass")
    student.get_by_label("Type the password again").fill("my-secret-pass")
    student.get_by_role("button", name="Create my account").click()
    assert "Welcome! You joined Period 3 Health." in student.content()
    assert no_sideways_scroll(student)

    student.get_by_role("link", name="First steps").click()
    assert "What this lesson talks about" in student.content()
    student.get_by_role("button", name="Continue to the lesson").click()
    assert "Part 1 of 3" in student.content()
    student.get_by_role("link", name="Next").click()  # the lesson player, part by part
    student.get_by_role("heading", name="Noticing signs", level=1).wait_for()
    assert no_sideways_scroll(student)
    student.get_by_role("link", name="Next").click()
    student.get_by_role("heading", name="Who to tell").wait_for()
    student.get_by_role("link", name="Take the quiz").click()

    # First try: some wrong answers.
    answer(student, "Nobody")
    answer(student, "Asking you to keep secrets")
    answer(student, "Keep the secret")
    assert "Not the safest choice" in student.content()
    answer(student, "Tell a trusted adult now")
    answer(student, "Report it to the CyberTipline together")
    assert student.get_by_role("heading", name="Not passed yet").is_visible()
    assert "Keeping it secret leaves you alone with it." in student.content()
    assert no_sideways_scroll(student)

    # Retake and pass.
    student.get_by_role("link", name="Try again").click()
    answer(student, "A trusted adult")
    answer(student, "Asking you to keep secrets", "Sending gifts out of nowhere")
    answer(student, "Tell a trusted adult")
    assert "Safe choice" in student.content()
    answer(student, "Report it to the CyberTipline together")
    assert student.get_by_role("heading", name="You passed").is_visible()

    student.get_by_role("link", name="My progress").first.click()
    assert "You have passed 1 of 2 lesson quizzes" in student.content()
    assert "Period 3 Health" in student.content()

    teacher.reload()
    assert "maple-fox" in teacher.content()
    assert "1 of 2" in teacher.locator("table.roster").inner_text()
