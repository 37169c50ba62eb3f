"""Student data rights: export everything about one student, delete it all, and retention."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Column, ForeignKey, Integer, Table, func, select

from student_portal import catalog
from student_portal.club import end_session, join, open_poll, poll_questions, start_session
from student_portal.extensions import db
from student_portal.help_requests import close, send_request
from student_portal.models import (
    ADMIN,
    LEADER,
    Attendance,
    CheckUse,
    ClubSession,
    Cohort,
    HelpRequest,
    Membership,
    QuizDraft,
    User,
    utcnow,
)
from student_portal.privacy import (
    LED,
    OWNED,
    REFERENCES,
    UncoveredReference,
    delete_student,
    dependents,
    export_student,
    user_references,
)
from student_portal.progress import complete_lesson
from student_portal.quizzes import record_attempt
from tests.factories import make_student, make_teacher


@pytest.fixture
def app(shared_app):
    """This file's tests share one app, put back as new before each (conftest.shared_app)."""
    return shared_app

LESSON = "01-first-steps"
RIGHT = {"q-single": ["a"], "q-multi": ["a", "b"], "q-story": ["tell", "report"]}


def user_columns() -> dict[str, Table]:
    """From the schema alone: every "table.column" holding a user id."""
    return {
        f"{table.name}.{key.parent.name}": table
        for table in db.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table is User.__table__
    }


def rows_below(table: Table) -> set[str]:
    """Tables whose rows hang off `table`'s rows, however deep."""
    found: set[str] = set()
    for child, _column, _parent in dependents(table):
        found |= {child.name} | rows_below(child)
    return found


def give_a_full_history(student_name: str = "student-one") -> User:
    """A student leader with a row in every kind of table: the export and delete must reach all.

    When a new table refers to users, add a row for it here, or the coverage test below fails.
    """
    student = db.session.scalar(select(User).where(User.username == student_name))
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Period 3"))
    lessons = catalog().lessons
    lesson = next(lesson for lesson in lessons if lesson.slug == LESSON)
    complete_lesson(student, LESSON)
    record_attempt(student, lesson, RIGHT, str(uuid.uuid4()))
    db.session.add(
        QuizDraft(
            user_id=student.id,
            lesson_slug=lessons[1].slug,
            quiz_version=lessons[1].quiz.version,
            key=str(uuid.uuid4()),
            answers={},
        )
    )
    db.session.add(CheckUse(user_id=student.id, lesson_slug=LESSON, check_id="a-check"))
    db.session.commit()
    send_request(student, cohort, "I want to talk about something", "in-person")
    attended = start_session(cohort, db.session.get(User, cohort.owner_id), lesson)
    join(attended, student)
    end_session(attended)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == student.id))
    membership.role = LEADER  # then the teacher made them a leader, and they ran a session
    db.session.commit()
    led = start_session(cohort, student, lesson)
    open_poll(led, poll_questions(lesson)[0])
    return student


def test_every_column_that_refers_to_users_has_a_rule(ctx):
    assert set(user_columns()) == set(REFERENCES), "add the new column to privacy.REFERENCES"
    assert {reference.name for reference in user_references()} == set(REFERENCES)


def test_a_new_table_about_users_stops_export_and_delete_until_it_has_a_rule(ctx, school):
    table = Table(
        "scratch_note", db.metadata, Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("user.id")),
    )
    try:
        student = db.session.get(User, school["student"])
        with pytest.raises(UncoveredReference, match="scratch_note.user_id"):
            export_student(student)
        with pytest.raises(UncoveredReference):
            delete_student(student)
    finally:
        db.metadata.remove(table)
    assert db.session.get(User, school["student"]) is not None


def test_the_export_holds_every_table_that_refers_to_the_student(ctx, school):
    student = give_a_full_history()
    exported = export_student(student)
    expected = set()
    for name, table in user_columns().items():
        if REFERENCES[name] == OWNED:
            expected |= {table.name} | rows_below(table)
        elif REFERENCES[name] == LED:
            expected.add(table.name)
    assert expected <= set(exported["tables"]), "give_a_full_history needs a row there"
    assert exported["user"]["username"] == "student-one"
    assert "password_hash" not in exported["user"]
    text = json.dumps(exported)
    assert "I want to talk about something" in text and "pbkdf2" not in text
    # Rows about other people are not in it: the other members' memberships, the poll counts.
    assert {row["user_id"] for row in exported["tables"]["membership"]} == {student.id}
    assert "poll_tally" not in exported["tables"]


def test_deleting_a_student_leaves_no_row_that_refers_to_them(ctx, school):
    student = give_a_full_history()
    student_id = student.id
    exported = export_student(student)
    live = db.session.scalars(select(ClubSession).where(ClubSession.ended_at.is_(None))).one()
    join(live, db.session.get(User, school["classmate"]))  # in the session student-one leads
    removed = delete_student(student)
    assert removed["user"] == 1 and removed["quiz_answer"] >= 1
    for name, table in user_columns().items():
        column = table.c[name.split(".")[1]]
        query = select(func.count()).select_from(table).where(column == student_id)
        left = db.session.scalar(query)
        assert left == 0, name
    for table_name, rows in exported["tables"].items():
        table = db.metadata.tables[table_name]
        ids = [row["id"] for row in rows]
        still = db.session.scalar(
            select(func.count()).select_from(table).where(table.c.id.in_(ids))
        )
        expected = len(ids) if table_name == "club_session" else 0
        assert still == expected, table_name
    # The sessions they led stay with the cohort, now under its teacher; others keep their data.
    sessions = db.session.scalars(select(ClubSession)).all()
    assert {session.leader_id for session in sessions} == {school["teacher"]}
    assert db.session.get(User, school["classmate"]) is not None
    attended = select(func.count(Attendance.id)).where(Attendance.user_id == school["classmate"])
    assert db.session.scalar(attended) == 1  # their attendance of the session student-one led
    assert db.session.scalar(select(func.count(Membership.id))) == 3  # leader, classmate, outsider


def test_a_teacher_downloads_a_students_records_from_their_page(app, client, auth, school):
    with app.app_context():
        give_a_full_history()
    auth.login("teacher-a")
    page = client.get(f"/teach/cohorts/{school['cohort']}/students/{school['student']}")
    text = page.get_data(as_text=True)
    assert "Download everything stored about student-one" in text
    response = client.get(f"/teach/students/{school['student']}/export.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="student-student-one.json"'
    )
    data = response.get_json()
    assert data["user"]["username"] == "student-one"
    assert len(data["tables"]["quiz_attempt"]) == 1 and data["tables"]["quiz_answer"]


def test_deleting_asks_for_the_username_then_deletes_everything(app, client, auth, school):
    auth.login("teacher-a")
    url = f"/teach/students/{school['student']}/delete?cohort={school['cohort']}"
    confirm = client.get(url).get_data(as_text=True)
    assert "Delete student-one?" in confirm and "Period 3" in confirm
    wrong = client.post(url, data={"confirm_username": "student-two"})
    assert wrong.status_code == 200
    wrong_text = wrong.get_data(as_text=True)
    assert "That is not student-one." in wrong_text
    with app.app_context():
        assert db.session.get(User, school["student"]) is not None
    done = client.post(url, data={"confirm_username": "Student-One"})
    assert done.status_code == 302
    assert done.headers["Location"] == f"/teach/cohorts/{school['cohort']}"
    roster = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "student-one and everything stored about them" in roster
    with app.app_context():
        assert db.session.get(User, school["student"]) is None
        assert db.session.get(User, school["classmate"]) is not None


@pytest.fixture
def shared(app, school):
    """student-one is also in teacher-b's cohort."""
    with app.app_context():
        db.session.add(Membership(user_id=school["student"], cohort_id=school["other_cohort"]))
        db.session.commit()
    return school


def test_a_student_shared_with_another_teacher_needs_an_admin(app, client, auth, shared):
    school = shared
    auth.login("teacher-a")
    page = client.get(f"/teach/cohorts/{school['cohort']}/students/{school['student']}")
    assert "only an administrator can export or delete" in page.get_data(as_text=True)
    for url in (f"/teach/students/{school['student']}/export.json",
                f"/teach/students/{school['student']}/delete"):
        refused = client.get(url)
        assert refused.status_code == 403
        assert "also in a cohort of another teacher" in refused.get_data(as_text=True)
    assert client.post(
        f"/teach/students/{school['student']}/delete", data={"confirm_username": "student-one"}
    ).status_code == 403
    with app.app_context():
        assert db.session.get(User, school["student"]) is not None
        make_teacher("head-admin", role=ADMIN)
    auth.logout()
    auth.login("head-admin")
    found = client.get("/teach/students/?username=student-one").get_data(as_text=True)
    assert "Period 3" in found and "Other class" in found
    assert client.get(f"/teach/students/{school['student']}/export.json").status_code == 200
    done = client.post(
        f"/teach/students/{school['student']}/delete", data={"confirm_username": "student-one"}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/teach/students/"
    with app.app_context():
        assert db.session.get(User, school["student"]) is None


def test_only_admins_search_students_and_staff_accounts_are_not_students(app, client, auth, school):
    auth.login("teacher-a")
    assert client.get("/teach/students/?username=student-one").status_code == 403
    assert client.get(f"/teach/students/{school['teacher']}/export.json").status_code == 404
    with app.app_context():
        make_teacher("head-admin", role=ADMIN)
    auth.logout()
    auth.login("head-admin")
    missing = client.get("/teach/students/?username=teacher-b").get_data(as_text=True)
    assert "No student has that username." in missing
    assert client.get(f"/teach/students/{school['other_teacher']}/delete").status_code == 404


# --- Retention: flask purge -------------------------------------------------------------------


def age(user_id: int, days: int) -> None:
    user = db.session.get(User, user_id)
    user.created_at = utcnow() - timedelta(days=days)
    user.last_seen_at = None
    db.session.commit()


def test_purge_removes_long_inactive_students_and_old_closed_help_requests(app, runner, school):
    with app.app_context():
        for key in ("student", "classmate", "leader", "outsider"):
            age(school[key], 400)
        classmate = db.session.get(User, school["classmate"])
        complete_lesson(classmate, LESSON)  # read a lesson today: active
        leader = db.session.get(User, school["leader"])
        leader.last_seen_at = utcnow() - timedelta(days=3)  # signed in this week
        make_student(db.session.get(Cohort, school["cohort"]), "new-student")  # joined today
        cohort = db.session.get(Cohort, school["cohort"])
        old = send_request(classmate, cohort, "old and closed", "in-person")
        close(old)
        old.closed_at = utcnow() - timedelta(days=400)
        recent = send_request(classmate, cohort, "closed last week", "in-person")
        close(recent)
        send_request(classmate, cohort, "still open", "in-person")
        db.session.commit()

    dry = runner.invoke(args=["purge", "--older-than", "365", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would delete 2 students" in dry.output
    assert "student-one" in dry.output and "student-other" in dry.output
    assert "student-two" not in dry.output and "leader-one" not in dry.output
    assert "Would delete 1 closed help request" in dry.output
    with app.app_context():
        assert db.session.get(User, school["student"]) is not None  # a dry run deletes nothing

    result = runner.invoke(args=["purge", "--older-than", "365"])
    assert result.exit_code == 0, result.output
    assert (
        "Deleted 2 students with no activity for 365 days: student-one, student-other"
        in result.output
    )
    assert "  student-one: 1 membership, 1 user" in result.output
    assert "Deleted 1 closed help request" in result.output
    with app.app_context():
        names = set(db.session.scalars(select(User.username)))
        messages = set(db.session.scalars(select(HelpRequest.message)))
    assert names == {"teacher-a", "teacher-b", "leader-one", "student-two", "new-student"}
    assert messages == {"closed last week", "still open"}

    again = runner.invoke(args=["purge", "--older-than", "365"])
    assert "Deleted 0 students" in again.output


def test_purge_refuses_a_nonsense_period(runner):
    result = runner.invoke(args=["purge", "--older-than", "0"])
    assert result.exit_code != 0 and "at least 1" in result.output
    assert runner.invoke(args=["purge"]).exit_code != 0  # --older-than is required


def test_signing_in_records_the_day_once(app, client, auth, school):
    auth.login("student-one")
    with app.app_context():
        first = db.session.get(User, school["student"]).last_seen_at
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    auth.logout()
    auth.login("student-one")
    with app.app_context():
        assert db.session.get(User, school["student"]).last_seen_at == first
