"""Help for anyone: help pages, the reporting-path guide, and private requests to talk."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from student_portal.config import PROJECT_ROOT
from student_portal.extensions import db
from student_portal.help_requests import MAX_OPEN_REQUESTS
from student_portal.models import HelpRequest
from tests.factories import make_cohort, make_student


@pytest.fixture
def app(shared_app):
    """This file's tests share one app, put back as new before each (conftest.shared_app)."""
    return shared_app

HELP_PAGES = ["/help/", "/help/report", "/help/checklist"]


@pytest.mark.parametrize("url", HELP_PAGES)
def test_help_pages_are_open_private_and_leave_no_trace(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.get_data(as_text=True)


def test_help_page_puts_911_first_then_each_service_with_tel_and_sms_links(client):
    page = client.get("/help/").get_data(as_text=True)
    assert page.index("If you are in danger right now, call 911.") < page.index(
        "Talk to someone now"
    )
    assert 'href="tel:911"' in page
    assert 'href="tel:18883737888"' in page and 'href="sms:233733"' in page
    assert 'href="sms:741741?&amp;body=THORN"' in page
    assert "counseling line, not a reporting line" in page
    for group in ("Talk to someone now", "Report online harm", "Trafficking"):
        assert f">{group}</h2>" in page


def test_students_report_to_the_cybertipline_and_icac_is_listed_as_who_investigates(make_app):
    app = make_app(LESSONS_DIR=str(PROJECT_ROOT / "lessons"))  # the real resources
    page = app.test_client().get("/help/").get_data(as_text=True)
    groups = dict(re.findall(r'<h2 id="group-\d+">([^<]+)</h2>(.*?)</section>', page, re.S))
    assert "NCMEC CyberTipline" in groups["Report online harm"]
    assert "ICAC" not in groups["Report online harm"]
    assert "Homeland Security" not in groups["Report online harm"]
    assert "ICAC" in groups["Who investigates (for adults helping a family)"]


def test_get_help_is_in_the_header_of_every_page(client):
    for url in ("/", "/sign-in", "/join", "/help/report"):
        assert '<a class="nav-help" href="/help/"' in client.get(url).get_data(as_text=True)


def sections(page: str) -> dict[str, str]:
    """The reporting guide's sections by id."""
    found = re.findall(
        r'<section class="guide-step[^"]*" id="([^"]+)"(.*?)</section>'
        r'\s*(?=<section class="guide-step|</div>)',
        page,
        re.S,
    )
    return dict(found)


@pytest.mark.parametrize(
    "question, yes, no",
    [
        ("start", "danger", "q-images"),
        ("q-images", "images", "q-secrets"),
        ("q-secrets", "grooming", "q-work"),
        ("q-work", "trafficking", "q-friend"),
        ("q-friend", "friend", "other"),
    ],
)
def test_each_guide_question_leads_yes_and_no_to_the_right_place(client, question, yes, no):
    section = sections(client.get("/help/report").get_data(as_text=True))[question]
    assert re.search(rf'href="#{yes}">Yes<', section) and re.search(rf'href="#{no}">No<', section)


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("danger", ["tel:911", "NCMEC CyberTipline"]),
        (
            "images",
            ["Stop replying", "Don't pay", "NCMEC CyberTipline", "Take It Down", "FBI", "988"],
        ),
        ("grooming", ["Tell a trusted adult", "NCMEC CyberTipline", "Local police"]),
        ("trafficking", ["tel:911", "National Human Trafficking Hotline", "sms:233733"]),
        (
            "friend",
            ["Don't promise to keep it secret", "Don't confront the person", "trusted adult"],
        ),
        ("other", ["Childhelp", "not a place to report", "988"]),
    ],
)
def test_each_answer_shows_its_paths_in_order_with_evidence_and_case_number(
    client, answer, expected
):
    section = sections(client.get("/help/report").get_data(as_text=True))[answer]
    positions = [section.find(text) for text in expected]
    assert -1 not in positions, [t for t, p in zip(expected, positions, strict=True) if p == -1]
    if answer in ("danger", "images", "grooming", "trafficking"):
        assert "Ask for a case number" in section
        assert "Don't save or forward a sexual picture" in section
        assert "usernames, profile links, phone numbers" in section
        assert 'href="/help/checklist"' in section
    if answer == "danger":  # safety first: proof comes later
        assert "Later, when you are safe: save proof" in section
    if answer == "friend":  # the friend leaves proof to the adult and forwards nothing
        assert "Leave the proof to the adult" in section and "Don't forward or keep" in section


def test_the_guide_sends_nothing_to_the_server(client):
    page = client.get("/help/report").get_data(as_text=True)
    assert "<form" not in page.split('<main id="main"')[1]  # answers are #links, never requests
    assert "nothing is sent or saved" in page


def test_the_checklist_has_blanks_for_agency_date_officer_and_case_number(client):
    page = client.get("/help/checklist").get_data(as_text=True)
    for heading in (
        "Agency or service",
        "Date",
        "Officer or person I spoke to",
        "Case or report number",
    ):
        assert f">{heading}</th>" in page


# --- "I need to talk to someone" -------------------------------------------------------------


def send(client, cohort_id, message="Can we talk?", contact="in-person"):
    return client.post(
        "/help/talk", data={"cohort": cohort_id, "message": message, "contact": contact}
    )


def test_student_sends_a_private_request_and_sees_its_status(app, client, auth, school):
    auth.login("student-one")
    page = client.get("/help/talk").get_data(as_text=True)
    assert "Your teacher won't see this straight away" in page and 'href="tel:911"' in page
    assert "safeguarding lead" in page  # no promise of secrecy the teacher may have to break
    assert "Ms Test (Period 3)" in page
    response = send(client, school["cohort"])
    assert response.status_code == 302
    page = client.get("/help/talk").get_data(as_text=True)
    assert "Your request was sent to Ms Test." in page and "sent, not seen yet" in page
    with app.app_context():
        request = db.session.scalar(select(HelpRequest))
        assert (request.student_id, request.teacher_id) == (school["student"], school["teacher"])
        assert request.message == "Can we talk?" and request.contact_preference == "in-person"

    teacher = app.test_client()
    teacher.post("/sign-in", data={"username": "teacher-a", "password": "correct-horse-9"})
    home = teacher.get("/teach/").get_data(as_text=True)
    assert "1 open help request" in home
    inbox = teacher.get("/teach/help-requests").get_data(as_text=True)
    assert "student-one" in inbox and "Can we talk?" in inbox
    assert "Talk to me in private at school" in inbox
    teacher.post(f"/teach/help-requests/{request.id}/seen")
    assert "seen by your teacher" in client.get("/help/talk").get_data(as_text=True)
    teacher.post(f"/teach/help-requests/{request.id}/closed")
    assert "open help request" not in teacher.get("/teach/").get_data(as_text=True)
    assert "marked as done by your teacher" in client.get("/help/talk").get_data(as_text=True)
    with app.app_context():
        request = db.session.get(HelpRequest, request.id)
        assert request.status == "closed" and request.seen_at and request.closed_at


def test_request_without_a_message_is_fine_and_html_is_shown_as_text(app, client, auth, school):
    auth.login("student-one")
    assert send(client, school["cohort"], message="").status_code == 302
    send(client, school["cohort"], message="<script>alert(1)</script> 🦊")
    teacher = app.test_client()
    teacher.post("/sign-in", data={"username": "teacher-a", "password": "correct-horse-9"})
    inbox = teacher.get("/teach/help-requests").get_data(as_text=True)
    assert "No message: the student only asked to talk." in inbox
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 🦊" in inbox and "<script>alert" not in inbox


def test_long_message_is_refused_beside_the_field_and_kept(client, auth, school):
    auth.login("student-one")
    response = send(client, school["cohort"], message="x" * 501)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Use at most 500 characters." in page
    assert "x" * 501 in page


def test_a_student_can_only_ask_teachers_of_their_own_cohorts(app, client, auth, school):
    auth.login("student-one")
    response = send(client, school["other_cohort"])
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(HelpRequest)) is None


def test_open_requests_are_limited_with_a_clear_message(app, client, auth, school):
    auth.login("student-one")
    for _ in range(MAX_OPEN_REQUESTS):
        assert send(client, school["cohort"]).status_code == 302
    response = send(client, school["cohort"], message="one more")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Your teacher already has your {MAX_OPEN_REQUESTS} requests" in page
    assert "one more" in page  # what they wrote is not lost
    assert "Send my request" not in page  # no button that would do nothing
    with app.app_context():
        assert len(db.session.scalars(select(HelpRequest)).all()) == MAX_OPEN_REQUESTS


def test_a_student_with_no_cohort_is_pointed_elsewhere(app, client, auth):
    with app.app_context():
        make_student(username="lonely-student")
    auth.login("lonely-student")
    page = client.get("/help/talk").get_data(as_text=True)
    assert (
        "You are not in a group yet" in page and '<form method="post"' not in page.split("<main")[1]
    )


@pytest.mark.parametrize(
    "who, inbox_status, status_change",
    [
        ("teacher-b", 200, 404),
        ("leader-one", 403, 403),
        ("student-two", 403, 403),
        (None, 302, 302),
    ],
)
def test_only_the_addressed_teacher_sees_or_changes_a_request(
    app, client, auth, school, who, inbox_status, status_change
):
    student = app.test_client()
    student.post("/sign-in", data={"username": "student-one", "password": "correct-horse-9"})
    send(student, school["cohort"], message="private words")
    with app.app_context():
        request_id = db.session.scalar(select(HelpRequest.id))
    if who:
        auth.login(who)
    inbox = client.get("/teach/help-requests")
    assert inbox.status_code == inbox_status
    assert "private words" not in inbox.get_data(as_text=True)
    assert client.post(f"/teach/help-requests/{request_id}/closed").status_code == status_change
    with app.app_context():
        assert db.session.get(HelpRequest, request_id).status == "sent"


@pytest.mark.parametrize("who, status", [(None, 302), ("teacher-a", 403)])
def test_talk_page_is_for_signed_in_students(client, auth, school, who, status):
    if who:
        auth.login(who)
    assert client.get("/help/talk").status_code == status


def test_content_note_offers_help_and_a_private_talk(client, auth, school):
    auth.login("student-one")
    page = client.get("/learn/01-first-steps").get_data(as_text=True)
    assert 'href="/help/talk"' in page and 'href="/help/"' in page


def test_a_request_goes_to_the_teacher_of_the_chosen_cohort(app, client, auth, school):
    with app.app_context():
        second = make_cohort(name="Youth club")
        db.session.add(second)
        from student_portal.models import Membership

        db.session.add(Membership(user_id=school["student"], cohort_id=second.id))
        db.session.commit()
        second_id, second_owner = second.id, second.owner_id
    auth.login("student-one")
    send(client, second_id)
    with app.app_context():
        assert db.session.scalar(select(HelpRequest.teacher_id)) == second_owner
