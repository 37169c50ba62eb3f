"""Every page benchmarks/pages.py measures sends few SQL statements, whatever the data behind it.

The signed-in student's pages read the club banner with the user (one query for both), so a
page costs the user, then its own reading: never more than 3 statements.
"""

from __future__ import annotations

import pytest

from student_portal import catalog
from student_portal.club import start_session
from student_portal.database import data_queries, recorded_statements
from student_portal.evaluation import open_window
from student_portal.extensions import db
from student_portal.models import ClubSession, Cohort, User
from student_portal.progress import complete_lesson, start_lesson
from student_portal.quizzes import record_attempt


@pytest.fixture
def app(shared_app):
    """This file's tests share one app, put back as new before each (conftest.shared_app)."""
    return shared_app

PASSWORD = "correct-horse-9"
RIGHT = {"q-single": ["a"], "q-multi": ["a", "b"], "q-story": ["tell", "report"]}


@pytest.fixture
def live_club(app, school):
    """The school's cohort mid-term: a live club session, some reading and an attempt."""
    with app.app_context():
        cohort = db.session.get(Cohort, school["cohort"])
        leader = db.session.get(User, school["leader"])
        student = db.session.get(User, school["student"])
        classmate = db.session.get(User, school["classmate"])
        start_lesson(student, "01-first-steps")
        complete_lesson(classmate, "01-first-steps")
        record_attempt(classmate, catalog().get("01-first-steps"), RIGHT, "classmate-1")
        session = start_session(cohort, leader, catalog().get("01-first-steps"))
        db.session.commit()
        return {**school, "session": session.id}


def signed_in(app, username: str):
    client = app.test_client()
    client.post("/sign-in", data={"username": username, "password": PASSWORD})
    return client


def statements_of(app, client, path: str) -> tuple[int, str]:
    assert client.get(path).status_code == 200  # the first view may record something
    with app.app_context():
        engine = db.engine
    with recorded_statements(engine) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(data_queries(statements)), response.get_data(as_text=True)


STUDENT_PAGES = [
    "/learn/01-first-steps",
    "/learn/",
    "/learn/02-second-look/quiz",
    "/learn/sessions/{session}/state.json",
]


@pytest.mark.parametrize("path", STUDENT_PAGES)
def test_a_students_pages_send_at_most_three_statements(app, live_club, path):
    client = signed_in(app, "student-one")
    count, _ = statements_of(app, client, path.format(**live_club))
    assert count <= 3, count


def test_the_club_banner_costs_no_query_of_its_own(app, live_club):
    """The lesson page: the user with their banner, then the reading row. Nothing else."""
    client = signed_in(app, "student-one")
    count, page = statements_of(app, client, "/learn/01-first-steps")
    assert "Club session live" in page and "Period 3" in page
    assert count == 2


def test_the_lesson_list_asks_about_checks_only_when_one_is_open(app, live_club):
    """The user's read says whether a check is open in their cohorts: the lesson list is then
    the user and the reading rows; with a check open, the invitation is read too."""
    client = signed_in(app, "student-one")
    count, page = statements_of(app, client, "/learn/")
    assert count == 2 and "evaluation-invite" not in page
    with app.app_context():
        open_window(db.session.get(Cohort, live_club["cohort"]))
    count, page = statements_of(app, client, "/learn/")
    assert count > 2 and "evaluation-invite" in page


def test_the_banner_leaves_out_ended_sessions_and_leaders(app, live_club):
    leader_page = statements_of(app, signed_in(app, "leader-one"), "/learn/")[1]
    assert "Club session live" not in leader_page  # leaders run it, they don't follow it
    assert 'href="/lead/"' in leader_page  # but they get the "Lead" link
    with app.app_context():
        db.session.get(ClubSession, live_club["session"]).ended_at = db.func.now()
        db.session.commit()
    page = statements_of(app, signed_in(app, "student-one"), "/learn/")[1]
    assert "Club session live" not in page and 'href="/lead/"' not in page


def test_teacher_home_sends_at_most_three_statements(app, live_club):
    count, page = statements_of(app, signed_in(app, "teacher-a"), "/teach/")
    assert "Period 3" in page and "Other class" not in page
    assert count <= 3, count


def test_the_grid_sends_at_most_three_statements(app, live_club):
    client = signed_in(app, "teacher-a")
    path = f"/teach/cohorts/{live_club['cohort']}/progress"
    count, page = statements_of(app, client, path)
    # Visited again unchanged, the kept page costs the user and the cohort (test_kept_grid.py).
    assert "student-one" in page and count == 2
    # Worked out afresh: the user, the cohort (owner check and version), then one statement
    # for the page's students with their cells, the summary row and the chart. The same at
    # 1,000 (tests/test_grid_paging.py).
    app.extensions["kept_grids"].clear()
    with app.app_context():
        engine = db.engine
    with recorded_statements(engine) as statements:
        fresh = client.get(path)
    assert fresh.get_data(as_text=True) == page
    assert len(data_queries(statements)) == 3, statements


def test_the_help_page_reads_nothing(app):
    count, _ = statements_of(app, app.test_client(), "/help/")
    assert count == 0
