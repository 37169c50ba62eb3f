"""Teachers manage their own cohorts: codes, rosters, leaders, passwords, removals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from student_portal.cohorts import JOIN_CODE_ALPHABET, new_join_code
from student_portal.extensions import db
from student_portal.models import Cohort, Membership, User
from tests.factories import PASSWORD
from tests.helpers import ALL_RIGHT, answer_quiz


@pytest.fixture
def app(shared_app):
    """This file's tests share one app, put back as new before each (conftest.shared_app)."""
    return shared_app


def cohort_row(app, cohort_id):
    with app.app_context():
        return db.session.get(Cohort, cohort_id)


def test_teacher_creates_a_cohort_and_reads_its_join_code(app, client, auth, school):
    auth.login("teacher-a")
    response = client.post(
        "/teach/cohorts/new", data={"name": "Youth Club 🦋", "grade_band": "9-12"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Youth Club 🦋"))
    assert cohort.owner_id == school["teacher"] and cohort.grade_band == "9-12"
    assert f"{cohort.join_code[:3]}-{cohort.join_code[3:]}" in page
    assert "Youth Club 🦋" in client.get("/teach/").get_data(as_text=True)


@pytest.mark.parametrize(
    "name, message", [("", "Give the cohort a name."), ("x" * 81, "Use at most 80 characters.")]
)
def test_cohort_form_errors(client, auth, school, name, message):
    auth.login("teacher-a")
    response = client.post("/teach/cohorts/new", data={"name": name, "grade_band": "6-8"})
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_cohort_form_rejects_unknown_grade_band(client, auth, school):
    auth.login("teacher-a")
    response = client.post("/teach/cohorts/new", data={"name": "X", "grade_band": "<script>"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)


def test_join_codes_are_short_unambiguous_and_unique(app):
    with app.app_context():
        codes = {new_join_code() for _ in range(300)}
    assert len(codes) == 300
    for code in codes:
        assert re.fullmatch(f"[{JOIN_CODE_ALPHABET}]{{6}}", code)
        assert not set(code) & set("0O1IL")


def test_regenerate_close_and_open_the_join_code(app, client, auth, school):
    auth.login("teacher-a")
    url = f"/teach/cohorts/{school['cohort']}/join-code"
    old = school["join_code"]
    client.post(url, data={"action": "regenerate"})
    new = cohort_row(app, school["cohort"]).join_code
    assert new != old
    fresh = app.test_client()
    data = {
        "join_code": old,
        "username": "late-joiner",
        "password": "pass-word-1",
        "confirm": "pass-word-1",
    }
    assert "couldn&#39;t find a group" in fresh.post("/join", data=data).get_data(as_text=True)

    client.post(url, data={"action": "close"})
    assert cohort_row(app, school["cohort"]).join_open is False
    assert "Joining is closed" in client.get(f"/teach/cohorts/{school['cohort']}").get_data(
        as_text=True
    )
    client.post(url, data={"action": "open"})
    assert cohort_row(app, school["cohort"]).join_open is True
    assert client.post(url, data={"action": "explode"}).status_code == 400


def test_roster_lists_members_with_roles_and_counts(app, client, auth, school):
    student = app.test_client()
    student.post("/sign-in", data={"username": "student-one", "password": PASSWORD})
    student.post("/learn/01-first-steps/start")
    student.post("/learn/01-first-steps/complete")
    answer_quiz(student, "01-first-steps", ALL_RIGHT)

    auth.login("teacher-a")
    page = client.get(f"/teach/cohorts/{school['cohort']}").get_data(as_text=True)
    for name in ("leader-one", "student-one", "student-two"):
        assert name in page
    assert "student-other" not in page
    assert "Student leader" in page
    row = page[page.index("student-one") : page.index("student-two")]
    assert row.count("1 of 2") == 2  # one lesson read, one quiz passed


def test_promote_to_leader_and_back(app, client, auth, school):
    auth.login("teacher-a")
    url = f"/teach/cohorts/{school['cohort']}/members/{school['student']}/role"
    client.post(url, data={"role": "leader"})
    with app.app_context():
        role = db.session.scalar(
            select(Membership.role).where(Membership.user_id == school["student"])
        )
    assert role == "leader"
    client.post(url, data={"role": "student"})
    with app.app_context():
        role = db.session.scalar(
            select(Membership.role).where(Membership.user_id == school["student"])
        )
    assert role == "student"
    assert client.post(url, data={"role": "teacher"}).status_code == 400


def test_reset_password_signs_the_student_out_and_sets_the_new_one(app, client, auth, school):
    student = app.test_client()
    student.post("/sign-in", data={"username": "student-one", "password": PASSWORD})
    assert student.get("/learn/").status_code == 200

    auth.login("teacher-a")
    url = f"/teach/cohorts/{school['cohort']}/members/{school['student']}/password"
    page = client.post(url, data={"password": "short", "confirm": "short"}).get_data(as_text=True)
    assert "Use at least 8 characters." in page
    response = client.post(url, data={"password": "new-password-7", "confirm": "new-password-7"})
    assert response.status_code == 302

    assert student.get("/learn/").status_code == 302  # the old session no longer works
    fresh = app.test_client()
    assert (
        fresh.post("/sign-in", data={"username": "student-one", "password": PASSWORD}).status_code
        == 200
    )
    assert (
        fresh.post(
            "/sign-in", data={"username": "student-one", "password": "new-password-7"}
        ).status_code
        == 302
    )


def test_remove_a_student_from_the_cohort(app, client, auth, school):
    auth.login("teacher-a")
    url = f"/teach/cohorts/{school['cohort']}/members/{school['classmate']}/remove"
    assert "Remove" in client.get(url).get_data(as_text=True)
    response = client.post(url, follow_redirects=True)
    assert "student-two was removed from Period 3." in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(Membership).where(Membership.user_id == school["classmate"]))
            is None
        )
        assert db.session.get(User, school["classmate"]) is not None  # the account stays
    assert "student-two" not in client.get(f"/teach/cohorts/{school['cohort']}").get_data(
        as_text=True
    )


def test_students_cannot_create_teachers_or_cohorts(app, client, auth, school):
    auth.login("student-one")
    data = {
        "username": "sneaky",
        "display_name": "S",
        "password": "password-123",
        "confirm": "password-123",
    }
    assert client.post("/teach/teachers/new", data=data).status_code == 403
    assert (
        client.post("/teach/cohorts/new", data={"name": "Mine", "grade_band": "6-8"}).status_code
        == 403
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.username == "sneaky")) == 0
        assert (
            db.session.scalar(select(User.role).where(User.username == "student-one")) == "student"
        )


def test_teacher_previews_lessons_with_guide_and_answers(client, auth, school):
    auth.login("teacher-a")
    page = client.get("/teach/lessons/01-first-steps").get_data(as_text=True)
    assert "Facilitator guide" in page and "Ask: what does a safe friend do?" in page
    assert "right" in page and "Yes: a trusted adult can help." in page


def test_lessons_page_lists_hotline_details_still_to_confirm(client, auth, school):
    auth.login("teacher-a")
    page = client.get("/teach/lessons/").get_data(as_text=True)
    assert "Hotline details to confirm" in page
    assert "Childhelp National Child Abuse Hotline" in page
    assert "https://www.childhelphotline.org" in page and "20 November 2026" in page
    assert "Test Hotline</strong>" not in page  # checked entries are not listed


def test_promoting_a_leader_in_a_middle_school_group_warns_the_teacher(app, client, auth, school):
    auth.login("teacher-a")  # the school's cohort is grades 6-8
    url = f"/teach/cohorts/{school['cohort']}/members/{school['student']}/role"
    page = client.post(url, data={"role": "leader"}, follow_redirects=True).get_data(as_text=True)
    assert "is now a student leader" in page
    assert "Student leaders should be in grade 9 or older" in page

    with app.app_context():
        from student_portal.models import Cohort

        db.session.get(Cohort, school["cohort"]).grade_band = "9-12"
        db.session.commit()
    url = f"/teach/cohorts/{school['cohort']}/members/{school['classmate']}/role"
    page = client.post(url, data={"role": "leader"}, follow_redirects=True).get_data(as_text=True)
    assert "is now a student leader" in page and "grade 9 or older" not in page


# --- The cohort's time zone: every time on its pages and in its downloads ------------------


def test_a_new_cohort_is_in_the_school_s_zone_unless_the_teacher_picks_another(
    app, client, auth, school
):
    auth.login("teacher-a")
    page = client.get("/teach/cohorts/new").get_data(as_text=True)
    assert '<option selected value="America/New_York">Eastern time' in page
    assert "Hawaii time (Honolulu)" in page and "Atlantic time (Puerto Rico" in page
    client.post(
        "/teach/cohorts/new",
        data={"name": "Club Chicago", "grade_band": "9-12", "timezone": "America/Chicago"},
    )
    client.post("/teach/cohorts/new", data={"name": "Club Default", "grade_band": "9-12"})
    with app.app_context():
        zones = dict(db.session.execute(select(Cohort.name, Cohort.timezone)).all())
    assert zones["Club Chicago"] == "America/Chicago"
    assert zones["Club Default"] == "America/New_York"


def test_teacher_changes_the_cohort_s_zone_beside_the_join_code(app, client, auth, school):
    auth.login("teacher-a")
    cohort_url = f"/teach/cohorts/{school['cohort']}"
    page = client.get(cohort_url).get_data(as_text=True)
    assert "Time zone" in page and f'action="{cohort_url}/settings"' in page
    response = client.post(f"{cohort_url}/settings", data={"timezone": "America/Phoenix"})
    assert response.status_code == 302
    page = client.get(cohort_url).get_data(as_text=True)
    assert "Times for Period 3 are now shown in Arizona time (Phoenix" in page
    assert '<option selected value="America/Phoenix">' in page
    assert cohort_row(app, school["cohort"]).timezone == "America/Phoenix"


def test_a_zone_not_offered_is_refused_next_to_the_field_and_nothing_changes(
    app, client, auth, school
):
    auth.login("teacher-a")
    response = client.post(
        f"/teach/cohorts/{school['cohort']}/settings", data={"timezone": "Europe/Paris"}
    )
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert cohort_row(app, school["cohort"]).timezone is None


def test_another_teacher_cannot_change_a_cohort_s_zone(app, client, auth, school):
    auth.login("teacher-b")
    response = client.post(
        f"/teach/cohorts/{school['cohort']}/settings", data={"timezone": "America/Denver"}
    )
    assert response.status_code == 404
    assert cohort_row(app, school["cohort"]).timezone is None


def _set_zone_and_time_attempts(app, cohort_id, zone, moment):
    """Every attempt made at `moment`, and the lesson opened and read just before it (the last
    activity is the latest of these, so the real time of the test run must not show)."""
    from datetime import timedelta

    from student_portal.models import LessonProgress, QuizAttempt

    with app.app_context():
        db.session.get(Cohort, cohort_id).timezone = zone
        for attempt in db.session.scalars(select(QuizAttempt)):
            attempt.submitted_at = moment
        for row in db.session.scalars(select(LessonProgress)):
            row.started_at = moment - timedelta(minutes=20)
            if row.completed_at is not None:
                row.completed_at = moment - timedelta(minutes=5)
            if row.last_attempt_at is not None:
                row.last_attempt_at = moment
        db.session.commit()


def test_times_on_the_teacher_s_pages_and_csvs_are_in_the_cohort_s_zone(
    app, client, auth, school
):
    from datetime import datetime

    student = app.test_client()
    student.post("/sign-in", data={"username": "student-one", "password": PASSWORD})
    answer_quiz(student, "01-first-steps", ALL_RIGHT)
    # 03:30 UTC on 2 December is still the evening of 1 December in Los Angeles.
    _set_zone_and_time_attempts(
        app, school["cohort"], "America/Los_Angeles", datetime(2026, 12, 2, 3, 30)
    )
    auth.login("teacher-a")
    page = client.get(f"/teach/cohorts/{school['cohort']}/students/{school['student']}")
    text = page.get_data(as_text=True)
    assert "Dec 1, 2026, 7:30:00\u202fPM" in text and "UTC" not in text
    grid_csv = client.get(f"/teach/cohorts/{school['cohort']}/progress.csv").get_data(as_text=True)
    header, *rows = grid_csv.lstrip("\ufeff").splitlines()
    assert "Last active (America/Los_Angeles)" in header
    assert any("2026-12-01 19:30" in row for row in rows if "student-one" in row)
