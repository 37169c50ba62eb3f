"""Who may open what: every protected page for every role, with the status each gets."""

from __future__ import annotations

import pytest

from student_portal import catalog
from student_portal.club import start_session
from student_portal.extensions import db
from student_portal.models import Cohort, User
from tests.conftest import Auth, build_school
from tests.factories import make_student
from tests.helpers import stored_rows

USERS = {
    "visitor": None,
    "student": "student-one",
    "outsider": "student-other",  # a student, but not a member of the cohort
    "leader": "leader-one",
    "other_leader": "leader-other",  # leads another teacher's cohort
    "teacher": "teacher-a",
    "other_teacher": "teacher-b",
}
EVERYONE = {  # who gets what on a page only the cohort's runners (its leader, its teacher) see
    "visitor": 302,
    "student": 404,
    "outsider": 404,
    "leader": 200,
    "other_leader": 404,
    "teacher": 200,
    "other_teacher": 404,
}
RUNNERS_POST = {**EVERYONE, "leader": 302, "teacher": 302}
FOLLOWERS = {  # the students' session pages: members of the cohort only
    "visitor": 302,
    "student": 200,
    "outsider": 404,
    "leader": 200,
    "other_leader": 404,
    "teacher": 403,
    "other_teacher": 403,
}
FOLLOWERS_POST = {**FOLLOWERS, "student": 302, "leader": 302}

# (method, url template, {role: expected status}); ids from the `school` fixture fill the template.
PAGES = [
    ("GET", "/learn/", {"visitor": 302, "student": 200, "leader": 200, "teacher": 403}),
    ("GET", "/learn/01-first-steps", {"visitor": 302, "student": 200, "teacher": 403}),
    ("GET", "/learn/01-first-steps/quiz", {"visitor": 302, "student": 200, "teacher": 403}),
    ("GET", "/learn/progress", {"visitor": 302, "student": 200, "leader": 200, "teacher": 403}),
    ("GET", "/teach/", {"visitor": 302, "student": 403, "leader": 403, "teacher": 200}),
    ("GET", "/teach/lessons/01-first-steps", {"visitor": 302, "student": 403, "teacher": 200}),
    # Staff accounts are for admins only (tests/test_staff_accounts.py signs one in).
    ("GET", "/teach/teachers/", {"visitor": 302, "student": 403, "leader": 403, "teacher": 403}),
    ("GET", "/teach/teachers/new", {"visitor": 302, "student": 403, "leader": 403, "teacher": 403}),
    (
        "POST",
        "/teach/teachers/{other_teacher}/active",
        {"visitor": 302, "student": 403, "leader": 403, "teacher": 403},
    ),
    ("GET", "/teach/cohorts/new", {"visitor": 302, "student": 403, "teacher": 200}),
    (
        "GET",
        "/teach/cohorts/{cohort}",
        {"visitor": 302, "student": 403, "leader": 403, "teacher": 200, "other_teacher": 404},
    ),
    ("GET", "/teach/cohorts/999999", {"teacher": 404}),
    (
        "POST",
        "/teach/cohorts/{cohort}/join-code",
        {"visitor": 302, "student": 403, "leader": 403, "other_teacher": 404},
    ),
    (
        "GET",
        "/teach/cohorts/{cohort}/members/{student}/password",
        {"visitor": 302, "leader": 403, "teacher": 200, "other_teacher": 404},
    ),
    (
        "POST",
        "/teach/cohorts/{cohort}/members/{student}/password",
        {"student": 403, "other_teacher": 404},
    ),
    (
        "POST",
        "/teach/cohorts/{cohort}/members/{student}/role",
        {"student": 403, "leader": 403, "other_teacher": 404},
    ),
    (
        "GET",
        "/teach/cohorts/{cohort}/members/{student}/remove",
        {"leader": 403, "teacher": 200, "other_teacher": 404},
    ),
    (
        "POST",
        "/teach/cohorts/{cohort}/members/{student}/remove",
        {"student": 403, "other_teacher": 404},
    ),
    # A teacher reaching a student of another teacher's cohort through their own cohort's URL.
    ("GET", "/teach/cohorts/{cohort}/members/{outsider}/password", {"teacher": 404}),
    ("POST", "/teach/cohorts/{cohort}/members/{outsider}/remove", {"teacher": 404}),
    # Student leaders and teachers running club sessions (lead/).
    (
        "GET",
        "/lead/",
        {**EVERYONE, "student": 403, "outsider": 403, "leader": 302, "other_leader": 302,
         "teacher": 302, "other_teacher": 302},
    ),
    ("GET", "/lead/cohorts/{cohort}", EVERYONE),
    ("POST", "/lead/cohorts/{cohort}", {**EVERYONE, "leader": 200, "teacher": 200}),  # one live
    ("GET", "/lead/sessions/{session}", EVERYONE),
    ("GET", "/lead/sessions/{session}/summary", EVERYONE),
    ("GET", "/lead/sessions/{session}/project", EVERYONE),
    ("GET", "/lead/sessions/{session}/project/stage", EVERYONE),
    ("GET", "/lead/sessions/{session}/poll-panel", EVERYONE),
    ("GET", "/lead/sessions/{session}/state.json", EVERYONE),
    ("GET", "/lead/sessions/{session}/end", EVERYONE),
    ("POST", "/lead/sessions/{session}/step/1", RUNNERS_POST),
    ("POST", "/lead/sessions/{session}/poll", RUNNERS_POST),
    ("POST", "/lead/sessions/{session}/poll/reveal", RUNNERS_POST),
    ("POST", "/lead/sessions/{session}/poll/close", RUNNERS_POST),
    ("POST", "/lead/sessions/{session}/end", RUNNERS_POST),
    ("GET", "/lead/sessions/999999", {"leader": 404, "teacher": 404}),
    # Students following a session, and a leader's group overview (learn/).
    ("GET", "/learn/sessions/{session}", FOLLOWERS),
    ("GET", "/learn/sessions/{session}/stage", FOLLOWERS),
    ("GET", "/learn/sessions/{session}/state.json", FOLLOWERS),
    ("POST", "/learn/sessions/{session}/join", FOLLOWERS_POST),
    ("POST", "/learn/sessions/{session}/poll", FOLLOWERS_POST),
    ("GET", "/learn/sessions/999999/state.json", {"student": 404}),
    (
        "GET",
        "/learn/groups/{cohort}",
        {**FOLLOWERS, "student": 404, "teacher": 403, "other_teacher": 403},
    ),
    # A student's records (export and delete): the teacher of all their cohorts, or an admin.
    (
        "GET",
        "/teach/students/{student}/export.json",
        {"visitor": 302, "student": 403, "leader": 403, "teacher": 200, "other_teacher": 404},
    ),
    (
        "GET",
        "/teach/students/{student}/delete",
        {"visitor": 302, "student": 403, "leader": 403, "teacher": 200, "other_teacher": 404},
    ),
    ("POST", "/teach/students/{student}/delete", {"student": 403, "other_teacher": 404}),
    ("GET", "/teach/students/{outsider}/export.json", {"teacher": 404}),
    ("GET", "/teach/students/", {"visitor": 302, "student": 403, "teacher": 403}),
    ("GET", "/help/", {"visitor": 200, "student": 200, "teacher": 200}),
    ("GET", "/", {"visitor": 200, "student": 302, "teacher": 302}),
]

CASES = [
    pytest.param(method, url, role, status, id=f"{role}-{method}-{url}")
    for method, url, expected in PAGES
    for role, status in expected.items()
]


def build_club(app) -> dict:
    """The school, with a leader in the other cohort and a live session in the first."""
    school = build_school(app)
    with app.app_context():
        make_student(db.session.get(Cohort, school["other_cohort"]), "leader-other", leader=True)
        session = start_session(
            db.session.get(Cohort, school["cohort"]),
            db.session.get(User, school["leader"]),
            catalog().lessons[0],
        )
        return {**school, "session": session.id}


@pytest.fixture(scope="module")
def saved_club(save_school):
    """The club's app and rows, built once for this file; each case starts from them afresh."""
    return save_school(build_club)


@pytest.fixture
def club(saved_club):
    return saved_club.restore()


@pytest.mark.parametrize("method, url, role, status", CASES)
def test_access(saved_club, club, method, url, role, status):
    client = saved_club.app.test_client()
    auth = Auth(client)
    if USERS[role]:
        auth.login(USERS[role])
    refused = status >= 400 or role == "visitor"
    before = stored_rows(saved_club.app) if refused else None
    response = client.open(url.format(**club), method=method)
    assert response.status_code == status
    if status == 302:  # the sign-in page for visitors, somewhere of their own for the others
        assert ("/sign-in" in response.headers["Location"]) == (role == "visitor")
    if refused:  # a refused request writes nothing
        assert stored_rows(saved_club.app) == before


def test_a_refused_member_action_changes_nothing(app, client, auth, school):
    auth.login("teacher-b")
    client.post(f"/teach/cohorts/{school['cohort']}/members/{school['student']}/remove")
    auth.logout()
    auth.login("teacher-a")
    assert "student-one" in client.get(f"/teach/cohorts/{school['cohort']}").get_data(as_text=True)
