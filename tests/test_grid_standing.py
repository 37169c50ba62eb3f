"""The grid's standing, kept by the database as students work, always equals a recount."""

from __future__ import annotations

import re

from sqlalchemy import delete, insert, select, text, update

from student_portal import catalog
from student_portal.cohorts import join_cohort, remove_member
from student_portal.extensions import db
from student_portal.models import Cohort, LessonProgress, Membership, User, utcnow
from student_portal.privacy import delete_student
from student_portal.progress import complete_lesson, start_lesson
from student_portal.quizzes import record_attempt
from student_portal.standing import TRIGGERS, bulk_load

from .factories import make_cohort, make_student, make_teacher

RIGHT = {"q-single": ["a"], "q-multi": ["a", "b"], "q-story": ["tell", "report"]}  # 4 of 4
WRONG = {"q-single": ["b"], "q-multi": ["a"], "q-story": ["keep", "tell", "report"]}  # 1 of 4
HALF = {"q-single": ["a"], "q-multi": ["a"], "q-story": ["keep", "tell", "report"]}  # 2 of 4

# What the kept figures must be: worked out from lesson_progress, the way the grid once did.
DONE = "(p.completed_at IS NOT NULL OR p.quiz_passed)"
RECOUNT_TALLY = f"""
SELECT m.cohort_id, p.lesson_slug, coalesce(p.best_fraction, -1), {DONE}, p.quiz_passed, count(*)
FROM membership m JOIN lesson_progress p ON p.user_id = m.user_id
GROUP BY m.cohort_id, p.lesson_slug, coalesce(p.best_fraction, -1), {DONE}, p.quiz_passed"""
KEPT_TALLY = """SELECT cohort_id, lesson_slug, best, done, passed, students FROM grid_tally
WHERE students <> 0"""
RECOUNT_MEMBERS = f"""
SELECT m.id, count(p.id), coalesce(sum(CASE WHEN {DONE} THEN 1 ELSE 0 END), 0),
  coalesce(sum(CASE WHEN p.quiz_passed THEN 1 ELSE 0 END), 0),
  coalesce(sum(CASE WHEN p.attempts >= 2 AND NOT p.quiz_passed THEN 1 ELSE 0 END), 0)
FROM membership m LEFT JOIN lesson_progress p ON p.user_id = m.user_id GROUP BY m.id"""
KEPT_MEMBERS = """SELECT id, lessons_started, lessons_done, quizzes_passed, lessons_struggling
FROM membership"""


def assert_kept_equals_recount() -> None:
    connection = db.session.connection()
    tally = {(c, s, float(b), bool(d), bool(p)): n for c, s, b, d, p, n in
             connection.execute(text(KEPT_TALLY))}  # fmt: skip
    recount = {(c, s, float(b), bool(d), bool(p)): n for c, s, b, d, p, n in
               connection.execute(text(RECOUNT_TALLY))}  # fmt: skip
    assert tally == recount
    kept = set(connection.execute(text(KEPT_MEMBERS)).all())
    assert kept == set(connection.execute(text(RECOUNT_MEMBERS)).all())
    hours = dict(
        connection.execute(
            text("SELECT cohort_id, sum(completions) FROM grid_hour GROUP BY cohort_id")
        ).all()
    )
    read = dict(
        connection.execute(
            text(
                "SELECT m.cohort_id, count(*) FROM membership m JOIN lesson_progress p"
                " ON p.user_id = m.user_id WHERE p.completed_at IS NOT NULL GROUP BY m.cohort_id"
            )
        ).all()
    )
    assert {c: n for c, n in hours.items() if n} == read


def attempt(student, responses, key, slug="01-first-steps"):
    return record_attempt(student, catalog().get(slug), responses, key)


def test_every_way_progress_is_written_keeps_the_standing_equal_to_a_recount(app):
    with app.app_context():
        teacher = make_teacher("teacher-a")
        period_3, period_4 = make_cohort(teacher, "Period 3"), make_cohort(teacher, "Period 4")
        ana, ben = make_student(period_3, "ana"), make_student(period_3, "ben")
        cy = make_student(period_4, "cy")
        assert_kept_equals_recount()

        start_lesson(ana, "01-first-steps")  # opened a lesson
        complete_lesson(ana, "01-first-steps")  # read it
        attempt(ana, WRONG, "ana-1")
        attempt(ana, RIGHT, "ana-2")  # passed on the second try
        attempt(ben, WRONG, "ben-1")  # an attempt before opening the lesson
        attempt(ben, HALF, "ben-2")  # failed twice: needs help
        start_lesson(cy, "02-second-look")
        assert_kept_equals_recount()

        start_lesson(ben, "02-second-look")  # the state cy brings along: counted together
        join_cohort(cy, period_3)  # joins a second cohort, bringing her progress along
        complete_lesson(cy, "02-second-look")  # counted in both cohorts
        attempt(cy, {"q1": ["no"]}, "cy-1", "02-second-look")
        assert_kept_equals_recount()

        leaving = db.session.scalar(select(Membership).where(Membership.user_id == ben.id))
        remove_member(leaving)  # his progress no longer counts in Period 3
        assert_kept_equals_recount()

        delete_student(db.session.get(User, ana.id))  # every row of hers goes
        assert_kept_equals_recount()

        # A bulk load and a bulk change (an import, a correction) are kept as well.
        now = utcnow()
        dee = make_student(period_4, "dee")
        db.session.execute(
            insert(LessonProgress),
            [{"user_id": dee.id, "lesson_slug": slug, "started_at": now, "completed_at": now,
              "attempts": 3, "quiz_passed": False, "best_fraction": 0.25}
             for slug in ("01-first-steps", "02-second-look")],
        )  # fmt: skip
        db.session.execute(
            update(LessonProgress)
            .where(LessonProgress.user_id == dee.id, LessonProgress.lesson_slug == "01-first-steps")
            .values(quiz_passed=True, best_fraction=1.0)
        )
        db.session.execute(
            delete(LessonProgress).where(LessonProgress.lesson_slug == "02-second-look")
        )
        db.session.commit()
        assert_kept_equals_recount()

        db.session.delete(db.session.get(Cohort, period_4.id))  # a cohort deleted: its rows go
        db.session.commit()
        assert_kept_equals_recount()


def test_the_database_has_the_triggers_that_keep_the_standing(app):
    with app.app_context():
        dialect = db.engine.dialect.name
        if dialect == "postgresql":
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        names = set(db.session.scalars(text(query)))
    assert set(TRIGGERS[dialect]) <= names


def test_progress_in_a_lesson_the_catalog_no_longer_has_is_left_out_of_the_grid(app):
    with app.app_context():
        teacher = make_teacher("teacher-a")
        cohort = make_cohort(teacher, "Period 3")
        ana, ben = make_student(cohort, "ana"), make_student(cohort, "ben")
        complete_lesson(ana, "01-first-steps")
        complete_lesson(ana, "retired-lesson")  # a lesson since taken out of the catalog
        complete_lesson(ben, "retired-lesson")  # and nothing else
        cohort_id = cohort.id
    client = app.test_client()
    client.post("/sign-in", data={"username": "teacher-a", "password": "correct-horse-9"})
    page = client.get(f"/teach/cohorts/{cohort_id}/progress").get_data(as_text=True)
    ana_row = re.search(r">ana</a>.*?</tr>", page, re.S)[0]
    ben_row = re.search(r">ben</a>.*?</tr>", page, re.S)[0]
    assert "1 of 2" in ana_row and "0 of 2" in ben_row  # the retired lesson is not counted
    assert "not active yet" in ben_row and "Not started (1)" in page
    assert "50% read" in page and "0% read" in page
    assert "retired" not in page


def test_a_bulk_load_without_the_triggers_is_counted_once_after(app):
    """benchmarks/dashboard.py loads thousands of students with the triggers off
    (standing.bulk_load): afterwards the kept figures equal a recount, the triggers are back,
    and every grid version has moved on."""
    with app.app_context():
        teacher = make_teacher("teacher-bulk")
        cohort = make_cohort(teacher, "Bulk")
        students = [make_student(cohort, f"bulk-{n}") for n in range(3)]
        complete_lesson(students[0], "01-first-steps")  # counted by the triggers
        db.session.commit()
        before = db.session.get(Cohort, cohort.id).grid_version
        connection = db.session.connection()
        dialect = connection.dialect.name
        with bulk_load(connection.exec_driver_sql, dialect):
            newcomer = connection.execute(
                insert(User.__table__).values(username="bulk-new", password_hash="x")
            ).inserted_primary_key[0]
            connection.execute(
                insert(Membership.__table__).values(user_id=newcomer, cohort_id=cohort.id)
            )
            connection.execute(
                insert(LessonProgress.__table__),
                [
                    {"user_id": user_id, "lesson_slug": "01-first-steps", "started_at": utcnow(),
                     "completed_at": utcnow() if user_id == newcomer else None,
                     "attempts": 2, "quiz_passed": False, "best_fraction": 0.25}
                    for user_id in (students[1].id, students[2].id, newcomer)
                ],
            )  # fmt: skip
            # Nothing kept them while loading.
            kept = text("SELECT sum(students) FROM grid_tally")
            assert connection.execute(kept).scalar() == 1
        db.session.commit()
        assert_kept_equals_recount()
        db.session.expire_all()
        assert db.session.get(Cohort, cohort.id).grid_version > before
        names = {
            row[0]
            for row in db.session.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                    if dialect == "sqlite"
                    else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                )
            )
        }
        assert set(TRIGGERS[dialect]) <= names
        # And they count again: a later write is kept as it happens.
        complete_lesson(students[1], "01-first-steps")
        db.session.commit()
        assert_kept_equals_recount()
