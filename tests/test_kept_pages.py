"""Signed-in pages kept whole (student_portal/kept.py): one rendering serves every reader the
page looks the same to, and nothing of one reader (name, CSRF token, progress, messages,
language, banner) reaches another."""

from __future__ import annotations

import re

from student_portal.club import start_session
from student_portal.extensions import db
from student_portal.models import Cohort, User
from tests.factories import PASSWORD

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def signed_in(app, username: str):
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = TOKEN.search(page)
    data = {"username": username, "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    assert client.post("/sign-in", data=data).status_code == 302
    return client


def lesson_slug(app) -> str:
    return app.extensions["catalog"].lessons[0].slug


def opened(client, slug: str) -> str:
    """The lesson page, past its content note if it has one."""
    page = client.get(f"/learn/{slug}")
    if b"Continue to the lesson" in page.data or b"/start" in page.data:
        token = TOKEN.search(page.get_data(as_text=True))
        client.post(f"/learn/{slug}/start", data={"csrf_token": token.group(1) if token else ""})
        page = client.get(f"/learn/{slug}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_two_students_share_one_rendering_but_each_page_is_their_own(make_app, school_in):
    app = make_app(WTF_CSRF_ENABLED=True)
    school_in(app)
    slug = lesson_slug(app)
    one, two = signed_in(app, "student-one"), signed_in(app, "student-two")
    first = opened(one, slug)
    kept_before = len(app.extensions["kept_pages"])
    second = opened(two, slug)
    assert len(app.extensions["kept_pages"]) == kept_before  # the same kept page served both

    assert "student-one" in first and "student-two" not in first
    assert "student-two" in second and "student-one" not in second
    tokens_one, tokens_two = set(TOKEN.findall(first)), set(TOKEN.findall(second))
    assert tokens_one and tokens_two and not tokens_one & tokens_two
    assert "kept-csrf" not in second and "kept-name" not in second

    # Each student's own token works on their own form, and not on the other's session.
    token_two = tokens_two.pop()
    assert two.post(f"/learn/{slug}/complete", data={"csrf_token": token_two}).status_code == 302
    refused = one.post(f"/learn/{slug}/complete", data={"csrf_token": token_two})
    assert refused.status_code == 400


def test_a_student_who_finishes_sees_it_at_once_and_others_do_not(make_app, school_in):
    app = make_app()
    school_in(app)
    slug = lesson_slug(app)
    one, two = signed_in(app, "student-one"), signed_in(app, "student-two")
    assert "I've finished reading" in opened(one, slug)
    assert "I've finished reading" in opened(two, slug)
    assert one.post(f"/learn/{slug}/complete").status_code == 302
    assert "You finished this lesson" in one.get(f"/learn/{slug}").get_data(as_text=True)
    still = two.get(f"/learn/{slug}").get_data(as_text=True)
    assert "You finished this lesson" not in still and "I've finished reading" in still


def test_a_flashed_message_is_shown_once_and_not_kept_for_anyone(make_app, school_in):
    app = make_app()
    school_in(app)
    slug = lesson_slug(app)
    one = signed_in(app, "student-one")
    opened(one, slug)
    with one.session_transaction() as session:
        session["_flashes"] = [("success", "A message for student one")]
    assert "A message for student one" in one.get(f"/learn/{slug}").get_data(as_text=True)
    assert "A message for student one" not in one.get(f"/learn/{slug}").get_data(as_text=True)
    two = signed_in(app, "student-two")
    assert "A message for student one" not in opened(two, slug)


def test_the_language_and_the_club_banner_are_part_of_what_is_kept(make_app, school_in):
    app = make_app()
    school = school_in(app)
    slug = lesson_slug(app)
    one = signed_in(app, "student-one")
    english = opened(one, slug)
    assert 'lang="en"' in english and "Club session live" not in english
    spanish = one.get(f"/learn/{slug}", headers={"Accept-Language": "es"})
    assert 'lang="es"' in spanish.get_data(as_text=True)
    with app.app_context():
        cohort = db.session.get(Cohort, school["cohort"])
        leader = db.session.get(User, school["leader"])
        start_session(cohort, leader, app.extensions["catalog"].lessons[0])
        db.session.commit()
    assert "Club session live" in one.get(f"/learn/{slug}").get_data(as_text=True)


def test_the_lesson_list_is_each_students_own(make_app, school_in):
    app = make_app()
    school_in(app)
    slug = lesson_slug(app)
    one, two = signed_in(app, "student-one"), signed_in(app, "student-two")
    assert "Continue where you left off" not in one.get("/learn/").get_data(as_text=True)
    assert "Continue where you left off" not in two.get("/learn/").get_data(as_text=True)
    opened(one, slug)
    assert one.get(f"/learn/{slug}/part/2").status_code == 200
    mine = one.get("/learn/").get_data(as_text=True)
    theirs = two.get("/learn/").get_data(as_text=True)
    assert "Continue where you left off: part 2" in mine and "student-one" in mine
    assert "Continue where you left off" not in theirs and "student-one" not in theirs


def test_each_teacher_home_shows_only_their_own_cohorts(make_app, school_in):
    app = make_app()
    school_in(app)
    mine = signed_in(app, "teacher-a").get("/teach/").get_data(as_text=True)
    theirs = signed_in(app, "teacher-b").get("/teach/").get_data(as_text=True)
    assert "Period 3" in mine and "Other class" not in mine and "teacher-a" in mine
    assert "Other class" in theirs and "Period 3" not in theirs and "teacher-a" not in theirs


def test_a_question_page_keeps_its_chrome_but_the_question_is_each_students_own(
    make_app, school_in
):
    app = make_app(WTF_CSRF_ENABLED=True)
    school_in(app)
    slug = lesson_slug(app)
    one, two = signed_in(app, "student-one"), signed_in(app, "student-two")
    first = one.get(f"/learn/{slug}/quiz").get_data(as_text=True)
    shells = len(app.extensions["kept_shells"])
    second = two.get(f"/learn/{slug}/quiz").get_data(as_text=True)
    assert len(app.extensions["kept_shells"]) == shells == 1  # one chrome served both
    assert "student-one" in first and "student-one" not in second and "student-two" in second
    state = re.compile(r'name="state" type="hidden" value="([^"]+)"')
    assert state.search(first).group(1) != state.search(second).group(1)
    assert second.count("<h1") == 1 and "Question 1 of" in second and "kept-" not in second

    # Student two answers with their own form: token, state and a choice from their page.
    choice = re.search(r'name="answer" type="(?:radio|checkbox)" value="([^"]+)"', second)
    marker = re.search(r'name="question" type="hidden" value="([^"]*)"', second).group(1)
    answered = two.post(
        f"/learn/{slug}/quiz",
        data={
            "csrf_token": TOKEN.search(second).group(1),
            "state": state.search(second).group(1),
            "question": marker,
            "answer": choice.group(1),
        },
    )
    assert answered.status_code == 302
    after = two.get(f"/learn/{slug}/quiz").get_data(as_text=True)
    assert "Question 2 of" in after or "/attempts/" in answered.headers["Location"]
    # Student one's page has not moved on.
    assert "Question 1 of" in one.get(f"/learn/{slug}/quiz").get_data(as_text=True)
