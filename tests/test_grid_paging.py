"""A teacher reads a big cohort's grid fifty students at a time, sorted and filtered over all."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import insert, select

from student_portal.database import data_queries, recorded_statements
from student_portal.extensions import db
from student_portal.models import (
    MEMBER,
    STUDENT,
    Cohort,
    LessonProgress,
    Membership,
    QuizAttempt,
    User,
    utcnow,
)

from .factories import PASSWORD_HASH, make_cohort, make_student, make_teacher


@pytest.fixture
def app(shared_app):
    """This file's tests share one app, put back as new before each (conftest.shared_app)."""
    return shared_app

PASSWORD = "correct-horse-9"
SIZE = 120  # three pages: 50, 50, 20


def fill_cohort(cohort_id: int, size: int, prefix: str = "s") -> None:
    """`size` students in one go: every third read lesson 1 and passed its quiz, every fifth
    (not a third) failed it twice, the rest have done nothing."""
    now = utcnow()
    db.session.execute(
        insert(User),
        [
            {"username": f"{prefix}{n:04d}", "password_hash": PASSWORD_HASH, "role": STUDENT}
            for n in range(size)
        ],
    )
    users = db.session.execute(
        select(User.id, User.username).where(User.username.like(f"{prefix}%"))
    ).all()
    db.session.execute(
        insert(Membership),
        [{"user_id": user_id, "cohort_id": cohort_id, "role": MEMBER} for user_id, _ in users],
    )
    # Each progress row carries its attempts' summary, as recording an attempt keeps it.
    progress, attempts = [], []
    for user_id, username in users:
        number = int(username[len(prefix) :])
        if number % 3 == 0:
            progress.append(
                {"user_id": user_id, "lesson_slug": "01-first-steps", "started_at": now,
                 "completed_at": now, "attempts": 1, "quiz_passed": True, "best_fraction": 1.0,
                 "last_attempt_at": now}
            )
            attempts.append((user_id, 4, True))
        elif number % 5 == 0:
            progress.append(
                {"user_id": user_id, "lesson_slug": "01-first-steps", "started_at": now,
                 "completed_at": None, "attempts": 2, "quiz_passed": False, "best_fraction": 0.5,
                 "last_attempt_at": now}
            )
            attempts += [(user_id, 1, False), (user_id, 2, False)]
    db.session.execute(insert(LessonProgress), progress)
    db.session.execute(
        insert(QuizAttempt),
        [
            {"user_id": user_id, "lesson_slug": "01-first-steps", "quiz_version": "v",
             "score": score, "max_score": 4, "passed": passed, "submitted_at": now,
             "idempotency_key": str(uuid.uuid4())}
            for user_id, score, passed in attempts
        ],
    )
    db.session.commit()


@pytest.fixture
def big_cohort(app):
    with app.app_context():
        teacher = make_teacher("teacher-a")
        cohort = make_cohort(teacher, "Assembly")
        fill_cohort(cohort.id, SIZE)
        # Sorted by name she comes last of all (page 3); by progress she is first.
        zoe = make_student(cohort, "zzz-zoe")
        complete_both(zoe.id)
        make_teacher("teacher-b")
        make_teacher("admin-c", role="admin")
        make_student(cohort, "a-leader", leader=True)
        return cohort.id


def complete_both(user_id: int) -> None:
    now = utcnow()
    for slug in ("01-first-steps", "02-second-look"):
        db.session.add(
            LessonProgress(user_id=user_id, lesson_slug=slug, completed_at=now, attempts=1,
                           quiz_passed=True, best_fraction=1.0, last_attempt_at=now)
        )
        db.session.add(
            QuizAttempt(user_id=user_id, lesson_slug=slug, quiz_version="v", score=4,
                        max_score=4, passed=True, idempotency_key=str(uuid.uuid4()))
        )
    db.session.commit()


def signed_in(app, username="teacher-a"):
    client = app.test_client()
    client.post("/sign-in", data={"username": username, "password": PASSWORD})
    return client


def names_on(page: str) -> list[str]:
    row_head = r'<th scope="row"><a href="/teach/cohorts/\d+/students/\d+">([^<]+)</a>'
    return re.findall(row_head, page)


def test_the_grid_shows_fifty_students_a_page_and_page_two_goes_on_by_name(app, big_cohort):
    client = signed_in(app)
    first = client.get(f"/teach/cohorts/{big_cohort}/progress").get_data(as_text=True)
    assert names_on(first)[:2] == ["a-leader", "s0000"] and len(names_on(first)) == 50
    second = client.get(f"/teach/cohorts/{big_cohort}/progress?page=2").get_data(as_text=True)
    assert names_on(second) == [f"s{n:04d}" for n in range(49, 99)]
    assert "Showing students 51 to 100 of 122." in second
    pages = r'<nav class="pagination" aria-label="Pages of the grid">.*?</nav>'
    nav = re.search(pages, second, re.S)
    assert nav is not None
    current = r'aria-current="page"[^>]*><span class="visually-hidden">Page </span>2<'
    assert re.search(current, nav[0])
    assert "page=3" in nav[0] and "page=1" in nav[0]
    last = client.get(f"/teach/cohorts/{big_cohort}/progress?page=3").get_data(as_text=True)
    assert names_on(last)[-1] == "zzz-zoe" and len(names_on(last)) == 22


def test_sorting_by_progress_brings_the_best_student_to_the_first_page(app, big_cohort):
    page = signed_in(app).get(f"/teach/cohorts/{big_cohort}/progress?sort=progress")
    names = names_on(page.get_data(as_text=True))
    assert names[0] == "zzz-zoe"
    assert names[1:3] == ["s0000", "s0003"]  # one quiz passed each, then by name


def test_needs_help_filter_covers_the_whole_cohort(app, big_cohort):
    page = signed_in(app).get(f"/teach/cohorts/{big_cohort}/progress?show=needs-help")
    html = page.get_data(as_text=True)
    expected = [f"s{n:04d}" for n in range(SIZE) if n % 3 and n % 5 == 0]
    assert names_on(html) == expected
    assert f"Needs help ({len(expected)})" in html
    not_started = sum(1 for n in range(SIZE) if n % 3 and n % 5) + 1  # and the leader
    assert f"Not started ({not_started})" in html
    assert "Everyone (122)" in html


def test_summary_row_and_csv_and_print_count_everyone(app, big_cohort):
    client = signed_in(app)
    page = client.get(f"/teach/cohorts/{big_cohort}/progress?page=3").get_data(as_text=True)
    read = SIZE // 3 + (SIZE % 3 > 0) + 1  # every third student, and Zoe
    assert "All 122 students" in page
    assert f"{round(100 * read / 122)}% read" in page
    csv = client.get(f"/teach/cohorts/{big_cohort}/progress.csv").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == 1 + 122 + 1  # header, everyone, the summary
    printed = client.get(f"/teach/cohorts/{big_cohort}/progress/print").get_data(as_text=True)
    assert "s0000" in printed and "s0119" in printed and "zzz-zoe" in printed


def test_a_page_past_the_end_or_unreadable_shows_the_first(app, big_cohort):
    client = signed_in(app)
    for query in ("page=99", "page=0", "page=abc", "page=-5", "page=99999999999999999999"):
        page = client.get(f"/teach/cohorts/{big_cohort}/progress?{query}")
        assert page.status_code == 200
        assert names_on(page.get_data(as_text=True))[0] == "a-leader"


@pytest.mark.parametrize(
    ("username", "status"),
    [("teacher-a", 200), ("teacher-b", 404), ("admin-c", 404), ("a-leader", 403), ("s0000", 403)],
)
def test_only_the_cohorts_teacher_reads_its_grid(app, big_cohort, username, status):
    for path in ("progress?page=2", "progress.csv", "progress/print"):
        response = signed_in(app, username).get(f"/teach/cohorts/{big_cohort}/{path}")
        assert response.status_code == status, (username, path)


def test_signed_out_visitors_are_sent_to_sign_in(app, big_cohort):
    response = app.test_client().get(f"/teach/cohorts/{big_cohort}/progress?page=2")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def grid_statements(app, client, cohort_id: int) -> int:
    with app.app_context():
        engine = db.engine
    with recorded_statements(engine) as statements:
        response = client.get(f"/teach/cohorts/{cohort_id}/progress?sort=progress&page=2")
    assert response.status_code == 200
    return len(data_queries(statements)), len(response.get_data())


def test_page_weight_and_queries_do_not_grow_with_the_cohort(app):
    with app.app_context():
        small = make_cohort(make_teacher("owner-small"), "Small")
        fill_cohort(small.id, 100, prefix="m")
        large = make_cohort(make_teacher("owner-large"), "Large")
        fill_cohort(large.id, 1000, prefix="l")
        small_id, large_id = small.id, large.id
        assert db.session.get(Cohort, large_id) is not None
    small_count, small_bytes = grid_statements(app, signed_in(app, "owner-small"), small_id)
    large_count, large_bytes = grid_statements(app, signed_in(app, "owner-large"), large_id)
    assert small_count == large_count
    assert large_bytes < 150_000
    # Both pages show 50 students: the page weighs about the same at 100 and 1,000.
    assert abs(large_bytes - small_bytes) < 5_000
