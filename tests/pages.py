"""Every page of the site, per role, with the data it needs: the one list the page-wide checks use.

`pages_for(app, client, role, school)` signs nothing in: `client` is already signed in as the
role's user (see USERNAMES). It creates what the role's pages need (a quiz taken, a club session
started with a poll open, a before-and-after check opened) and returns the addresses to load.
The pseudo-locale test (every string translated), the 320 px layout test and the axe test all
read it, so a page added here is checked by all three. Fragments a page's script fetches
(FRAGMENTS) are listed apart: they are not documents of their own.
"""

from __future__ import annotations

import re

from tests.factories import PASSWORD, make_teacher
from tests.helpers import quiz_fields

ROLES = ("visitor", "student", "leader", "teacher", "admin")
USERNAMES = {
    "student": "student-one",
    "leader": "leader-one",
    "teacher": "teacher-a",
    "admin": "admin-one",
}
# Text the pages show that is nobody's sentence: usernames and names from the school fixture.
NAMES = {
    "student-one", "student-two", "leader-one", "teacher-a", "admin-one", "Period 3", "Ms Test"
}
FRAGMENTS = ("/poll-panel",)
HELP = ["/help/", "/help/report", "/help/checklist"]
FAMILIES = [
    "/families/", "/families/follow-up-log", "/families/warning-signs", "/families/talking",
    "/families/what-to-do", "/families/lessons/grooming-signs",
]
LEADER_LESSON = "healthy-relationships"


def sign_in(client, role: str) -> None:
    if role in USERNAMES:
        response = client.post("/sign-in", data={"username": USERNAMES[role], "password": PASSWORD})
        assert response.status_code == 302, f"{role} could not sign in"


def add_admin(app) -> None:
    """The school fixture has no admin: add one (idempotent)."""
    from sqlalchemy import select

    from student_portal.extensions import db
    from student_portal.models import User

    with app.app_context():
        if db.session.scalar(select(User).where(User.username == "admin-one")) is None:
            make_teacher("admin-one", role="admin")


def live_session_id(app, school: dict) -> int:
    """The cohort's live club session, started (with a poll open) if there is none yet."""
    from student_portal import lesson_or_404
    from student_portal.club import live_session, open_poll, poll_questions, start_session
    from student_portal.extensions import db
    from student_portal.models import Cohort, User

    with app.test_request_context():
        cohort = db.session.get(Cohort, school["cohort"])
        session = live_session(cohort)
        if session is None:
            lesson = lesson_or_404(LEADER_LESSON)
            leader = db.session.get(User, school["leader"])
            session = start_session(cohort, leader, lesson, "Ms Test")
            open_poll(session, poll_questions(lesson)[0])
        return session.id


def open_check_window(app, school: dict) -> int:
    """The cohort's open before-and-after check window (opened if there is none)."""
    from student_portal.evaluation import open_window, open_window_of
    from student_portal.extensions import db
    from student_portal.models import Cohort

    with app.test_request_context():
        window = open_window_of(school["cohort"])
        if window is None:
            window = open_window(db.session.get(Cohort, school["cohort"]))
        return window.id


def _take_quiz(client, slug: str) -> str:
    """Take a quiz choosing the first choice each time; the result page's address."""
    client.post(f"/learn/{slug}/start")
    taken = client.get(f"/learn/{slug}/quiz")
    while taken.status_code == 200:
        page = taken.get_data(as_text=True)
        choice = re.search(r'name="answer"[^>]* value="([^"]+)"', page)
        taken = client.post(f"/learn/{slug}/quiz", data={**quiz_fields(page), "answer": choice[1]})
        if taken.headers.get("Location", "").endswith("/quiz"):
            taken = client.get(taken.headers["Location"])
    return taken.headers["Location"]


def pages_for(app, client, role: str, school: dict) -> list[str]:
    cohort, student = school["cohort"], school["student"]
    if role == "visitor":
        return ["/", "/sign-in", "/join", "/no-such-page", "/evaluation/families", *HELP,
                *FAMILIES]
    if role == "student":
        result = _take_quiz(client, "grooming-signs")
        session = live_session_id(app, school)
        window = open_check_window(app, school)
        return [
            "/learn/",
            "/learn/progress",
            "/learn/healthy-relationships",  # its content note first
            "/learn/healthy-relationships/quiz",
            "/learn/grooming-signs",
            "/learn/grooming-signs/part/1",  # the lesson player, part by part
            "/learn/grooming-signs/part/2",
            "/learn/healthy-relationships/part/1",  # its content note, from the player
            result,
            f"/learn/sessions/{session}",
            f"/learn/checks/{window}/pre",
            "/help/talk",
            "/join",
            *HELP,
        ]
    if role == "leader":
        session = live_session_id(app, school)
        run = f"/lead/sessions/{session}"
        return [
            "/lead/",
            f"/lead/cohorts/{cohort}",
            f"/learn/groups/{cohort}",
            run,
            f"{run}/project",
            f"{run}/poll-panel",
            f"{run}/end",
            f"{run}/summary",
        ]
    staff = [
        "/teach/",
        f"/teach/cohorts/{cohort}",
        f"/teach/cohorts/{cohort}/progress",
        f"/teach/cohorts/{cohort}/lessons/healthy-relationships",
        f"/teach/cohorts/{cohort}/students/{student}",
        "/teach/lessons/",
        "/teach/lessons/healthy-relationships",
        "/teach/help-requests",
        "/teach/cohorts/new",
        f"/teach/cohorts/{cohort}/progress/print",
        f"/teach/cohorts/{cohort}/exports",
        f"/teach/cohorts/{cohort}/members/{student}/password",
        f"/teach/cohorts/{cohort}/members/{student}/remove",
        f"/teach/students/{student}/delete?cohort={cohort}",
        f"/lead/cohorts/{cohort}",
        f"/teach/cohorts/{cohort}/evaluation",
        f"/teach/cohorts/{cohort}/evaluation/notice",
        f"/teach/cohorts/{cohort}/letter",
        f"/teach/cohorts/{cohort}/letter?contact_name=Ms+Test&contact_details=test%40school.example"
        "&start_date=2026-09-14&schedule=10%3A15&language=both",
        "/teach/evaluation/mine",
        "/teach/evaluation/mine/print",
        "/join",
        *HELP,
    ]
    if role == "admin":
        return ["/teach/", "/teach/teachers/", "/teach/teachers/new", "/teach/lessons/",
                "/teach/evaluation/installation", "/teach/students/", *HELP]
    return staff
