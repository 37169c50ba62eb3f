"""The progress grid, kept whole under its cohort's grid_version (teach.progress): a teacher
coming back reads the kept page, and every write the grid shows moves the version on, whoever
makes it (a student, the teacher, another worker writing straight to the database), so the
next visit shows it."""

from __future__ import annotations

from sqlalchemy import update

from student_portal.cohorts import format_join_code
from student_portal.database import data_queries, recorded_statements
from student_portal.extensions import db
from student_portal.models import Cohort, LessonProgress, Membership, User, utcnow
from student_portal.progress import complete_lesson
from tests.factories import make_cohort, make_student, one_transaction
from tests.test_kept_pages import lesson_slug, signed_in


def grid(client, school, query: str = "") -> str:
    page = client.get(f"/teach/cohorts/{school['cohort']}/progress{query}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def version(app, school) -> int:
    with app.app_context():
        return db.session.get(Cohort, school["cohort"]).grid_version


def test_the_grid_is_kept_until_something_it_shows_changes(make_app, school_in):
    app = make_app()
    school = school_in(app)
    teacher = signed_in(app, "teacher-a")
    first = grid(teacher, school)
    assert "student-one" in first and "status-completed" not in first
    kept = app.extensions["kept_grids"]
    assert len(kept) == 1
    with app.app_context():
        engine = db.engine
    with recorded_statements(engine) as statements:
        again = grid(teacher, school)
    assert again == first and len(kept) == 1  # served from the kept page
    # The user, then the cohort with its version.
    assert len(data_queries(statements)) == 2, statements

    # A student finishes a lesson: the cell changes at once.
    student = signed_in(app, "student-one")
    before = version(app, school)
    assert student.post(f"/learn/{lesson_slug(app)}/complete").status_code == 302
    assert version(app, school) > before
    assert grid(teacher, school).count("status-completed") == 1


def test_members_names_and_roles_move_the_version_on(make_app, school_in):
    app = make_app()
    school = school_in(app)
    teacher = signed_in(app, "teacher-a")
    cohort_id, student_id = school["cohort"], school["student"]
    assert "Sam Rivera" not in grid(teacher, school)

    # Renamed (by any writer: here straight through the session, as another worker would).
    with app.app_context():
        renamed = update(User).where(User.id == student_id).values(display_name="Sam Rivera")
        db.session.execute(renamed)
        db.session.commit()
    assert "Sam Rivera" in grid(teacher, school)

    # Made a student leader by the teacher.
    page = grid(teacher, school)
    leaders = page.count('class="tag"')
    role_path = f"/teach/cohorts/{cohort_id}/members/{student_id}/role"
    role = teacher.post(role_path, data={"role": "leader"})
    assert role.status_code == 302
    assert grid(teacher, school).count('class="tag"') == leaders + 1

    # A new student joins.
    with app.app_context(), one_transaction():
        make_student(db.session.get(Cohort, cohort_id), "student-new")
    assert "student-new" in grid(teacher, school)

    # A student is removed.
    removed = teacher.post(f"/teach/cohorts/{cohort_id}/members/{school['classmate']}/remove")
    assert removed.status_code == 302
    teacher.get(f"/teach/cohorts/{cohort_id}")  # (where its flashed message is shown)
    assert "student-two" not in grid(teacher, school)

    # Progress written behind the app's back (a script, another worker) shows too.
    with app.app_context():
        complete_lesson(db.session.get(User, school["leader"]), lesson_slug(app))
        db.session.commit()
    assert grid(teacher, school).count("status-completed") == 1


def test_each_sort_is_kept_apart_and_a_new_join_code_shows_at_once(make_app, school_in):
    app = make_app()
    school = school_in(app)
    teacher = signed_in(app, "teacher-a")
    by_name = grid(teacher, school, "?sort=name")
    by_progress = grid(teacher, school, "?sort=progress")
    assert len(app.extensions["kept_grids"]) == 2 and by_progress != by_name

    # An empty cohort's grid shows its join code; a new code is shown on the next visit.
    with app.app_context(), one_transaction():
        empty = make_cohort(db.session.get(User, school["teacher"]), "Period 5")
        empty_id, old_code = empty.id, empty.join_code
    path = f"/teach/cohorts/{empty_id}/progress"
    assert format_join_code(old_code) in teacher.get(path).get_data(as_text=True)
    code_path = f"/teach/cohorts/{empty_id}/join-code"
    regenerated = teacher.post(code_path, data={"action": "regenerate"})
    assert regenerated.status_code == 302
    teacher.get(f"/teach/cohorts/{empty_id}")  # (where the flashed new code is shown)
    with app.app_context():
        new_code = db.session.get(Cohort, empty_id).join_code
    page = teacher.get(path).get_data(as_text=True)
    assert new_code != old_code
    assert format_join_code(new_code) in page and format_join_code(old_code) not in page


def test_a_kept_grid_is_still_only_its_teachers(make_app, school_in):
    app = make_app()
    school = school_in(app)
    assert "student-one" in grid(signed_in(app, "teacher-a"), school)  # now kept
    path = f"/teach/cohorts/{school['cohort']}/progress"
    assert signed_in(app, "teacher-b").get(path).status_code == 404
    assert signed_in(app, "student-one").get(path).status_code == 403
    assert signed_in(app, "leader-one").get(path).status_code == 403
    assert app.test_client().get(path).status_code in (302, 401)
    # Their own cohort's grid is kept apart from the first teacher's.
    other = signed_in(app, "teacher-b").get(f"/teach/cohorts/{school['other_cohort']}/progress")
    assert other.status_code == 200
    text = other.get_data(as_text=True)
    assert "student-other" in text and "student-one" not in text and "teacher-a" not in text


def test_the_version_moves_on_only_for_the_cohorts_a_write_is_in(make_app, school_in):
    app = make_app()
    school = school_in(app)
    with app.app_context():
        other_before = db.session.get(Cohort, school["other_cohort"]).grid_version
        mine_before = db.session.get(Cohort, school["cohort"]).grid_version
        complete_lesson(db.session.get(User, school["student"]), lesson_slug(app))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Cohort, school["cohort"]).grid_version > mine_before
        assert db.session.get(Cohort, school["other_cohort"]).grid_version == other_before
        # Writes the grid does not show leave it alone (a password change, a membership's
        # standing recomputed by the triggers is counted once with its progress).
        settled = db.session.get(Cohort, school["cohort"]).grid_version
        db.session.get(User, school["student"]).set_password("another-horse-7")
        db.session.execute(
            update(Membership)
            .where(Membership.user_id == school["student"])
            .values(evaluation_opt_out=True)
        )
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Cohort, school["cohort"]).grid_version == settled


def test_one_transaction_writing_many_students_shows_them_all(make_app, school_in):
    """A bulk load or an import writes many rows at once (PostgreSQL moves the version on once
    per cohort and transaction): the grid after it shows every one of them."""
    app = make_app()
    school = school_in(app)
    teacher = signed_in(app, "teacher-a")
    assert grid(teacher, school).count("status-completed") == 0  # kept now
    before = version(app, school)
    with app.app_context():
        for key in ("student", "classmate", "leader"):
            db.session.add(
                LessonProgress(
                    user_id=school[key],
                    lesson_slug=lesson_slug(app),
                    started_at=utcnow(),
                    completed_at=utcnow(),
                )
            )
            db.session.flush()  # one statement each, in one transaction
        db.session.commit()
    assert version(app, school) > before
    assert grid(teacher, school).count("status-completed") == 3
