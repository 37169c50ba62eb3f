"""Teacher dashboards: the grid, summaries, exports, analysis and charts from known attempts."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from student_portal import catalog
from student_portal.database import data_queries, recorded_statements
from student_portal.extensions import db
from student_portal.models import User
from student_portal.progress import complete_lesson, start_lesson
from student_portal.quizzes import record_attempt
from student_portal.reports import cohort_grid
from tests.factories import make_cohort, make_student, make_teacher, one_transaction

WRONG = {"q-single": ["b"], "q-multi": ["a"], "q-story": ["keep", "tell", "report"]}  # 1 of 4
HALF = {"q-single": ["a"], "q-multi": ["a"], "q-story": ["keep", "tell", "report"]}  # 2 of 4
RIGHT = {"q-single": ["a"], "q-multi": ["a", "b"], "q-story": ["tell", "report"]}  # 4 of 4


def attempt(student, responses, key):
    lesson = catalog().get("01-first-steps")
    return record_attempt(student, lesson, responses, key)


def build_classroom(app) -> dict:
    """Known progress: Ana passed on her 2nd try, Ben failed twice, Cy has done nothing, Dee
    (a leader) has opened lesson 2. A student of another teacher's cohort is never shown."""
    with app.app_context():
        teacher = make_teacher("teacher-a")
        cohort = make_cohort(teacher, "Period 3")
        ana = make_student(cohort, "ana")
        ben = make_student(cohort, "ben")
        make_student(cohort, "cy")
        dee = make_student(cohort, "dee", leader=True)
        stranger = make_student(make_cohort(make_teacher("teacher-b"), "Other"), "stranger")
        complete_lesson(ana, "01-first-steps")
        attempt(ana, WRONG, "ana-1")
        attempt(ana, RIGHT, "ana-2")
        complete_lesson(ben, "01-first-steps")
        attempt(ben, WRONG, "ben-1")
        attempt(ben, HALF, "ben-2")
        start_lesson(dee, "02-second-look")
        attempt(stranger, RIGHT, "stranger-1")
        return {"cohort": cohort.id, "ana": ana.id, "ben": ben.id}


@pytest.fixture(scope="module")
def saved_classroom(save_school):
    return save_school(build_classroom)


@pytest.fixture
def app(request, make_app):
    """A new app; in a test with the classroom, this file's app with the classroom (below)."""
    if "classroom" in request.fixturenames:
        return request.getfixturevalue("saved_classroom").app
    return make_app()


@pytest.fixture
def classroom(saved_classroom):
    """The classroom of `build_classroom`, built once for this file and put back afresh for
    each test."""
    return saved_classroom.restore()


def signed_in(app, username="teacher-a"):
    client = app.test_client()
    client.post("/sign-in", data={"username": username, "password": "correct-horse-9"})
    return client


def test_grid_cells_and_summaries_from_known_attempts(app, classroom):
    with app.app_context():
        from student_portal.models import Cohort

        grid = cohort_grid(db.session.get(Cohort, classroom["cohort"]), catalog().lessons)
    cells = {
        row.user.username: [(c.status, c.best_percent, c.attempts) for c in row.cells]
        for row in grid.rows
    }
    assert cells == {
        "ana": [("quiz passed", 100, 2), ("not started", None, 0)],
        "ben": [("completed", 50, 2), ("not started", None, 0)],
        "cy": [("not started", None, 0), ("not started", None, 0)],
        "dee": [("not started", None, 0), ("in progress", None, 0)],
    }
    first, second = grid.summaries
    assert (first.percent_completed, first.percent_passed, first.median_best) == (50, 25, 75)
    assert (second.percent_completed, second.percent_passed, second.median_best) == (0, 0, None)
    assert [row.user.username for row in grid.rows if row.needs_help] == ["ben"]


def test_dashboard_page_shows_the_grid_with_words_not_only_colour(app, classroom):
    page = (
        signed_in(app).get(f"/teach/cohorts/{classroom['cohort']}/progress").get_data(as_text=True)
    )
    assert "✔</span> Passed" in page and "best 100% · 2 tries" in page
    assert "best 50% · 2 tries" in page and "Needs help" in page
    assert "50% read" in page and "25% passed" in page and "median best 75%" in page
    assert "stranger" not in page
    assert 'role="img"' in page and '<title id="completion-chart-title">' in page
    assert "The figures behind the charts" in page


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ("show=needs-help", ["ben"], ["ana", "cy", "dee"]),
        ("show=not-started", ["cy"], ["ana", "ben", "dee"]),
        ("show=nonsense", ["ana", "ben", "cy", "dee"], []),
    ],
)
def test_filters(app, classroom, query, shown, hidden):
    page = (
        signed_in(app)
        .get(f"/teach/cohorts/{classroom['cohort']}/progress?{query}")
        .get_data(as_text=True)
    )
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    assert all(f">{name}</a>" in body for name in shown)
    assert not any(f">{name}</a>" in body for name in hidden)


def test_sort_by_progress_puts_the_furthest_first(app, classroom):
    page = (
        signed_in(app)
        .get(f"/teach/cohorts/{classroom['cohort']}/progress?sort=progress")
        .get_data(as_text=True)
    )
    body = page.split("<tbody>")[1]
    order = sorted(["ana", "ben", "cy", "dee"], key=lambda name: body.index(f">{name}</a>"))
    assert order[:2] == ["ana", "ben"]


def read_csv(response):
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_grid_csv_has_the_numbers_the_screen_shows(app, classroom):
    rows = read_csv(signed_in(app).get(f"/teach/cohorts/{classroom['cohort']}/progress.csv"))
    header, body, summary = rows[0], rows[1:-1], rows[-1]
    assert header[:7] == [
        "Student",
        "Username",
        "Role",
        "Lessons read",
        "Quizzes passed",
        "Needs help",
        "Last active (America/New_York)",  # the school's zone: the cohort sets none
    ]
    assert header[7:10] == [
        "First steps: status",
        "First steps: best score %",
        "First steps: attempts",
    ]
    by_user = {row[1]: row for row in body}
    assert set(by_user) == {"ana", "ben", "cy", "dee"}
    assert by_user["ana"][3:6] + by_user["ana"][7:10] == ["1", "1", "no", "Passed", "100", "2"]
    assert by_user["ben"][3:6] + by_user["ben"][7:10] == ["1", "0", "yes", "Read", "50", "2"]
    assert by_user["dee"][2] == "student leader" and by_user["dee"][10] == "Started"
    assert summary[0] == "All 4 students"
    assert summary[7:9] == ["50% read, 25% passed", "75"]  # the grid's summary row


def test_csv_neutralises_formulas(app, classroom):
    with app.app_context():
        from student_portal.models import Cohort

        cohort = db.session.get(Cohort, classroom["cohort"])
        for name in ('=HYPERLINK("http://x")', "+1+2", "-3", "@SUM(A1)"):
            student = make_student(cohort)
            student.display_name = name
        db.session.commit()
    rows = read_csv(signed_in(app).get(f"/teach/cohorts/{classroom['cohort']}/progress.csv"))
    names = [row[0] for row in rows[1:]]
    for name in ('\'=HYPERLINK("http://x")', "'+1+2", "'-3", "'@SUM(A1)"):
        assert name in names


def test_lesson_analysis_first_and_best_attempts(app, classroom):
    client = signed_in(app)
    first = client.get(f"/teach/cohorts/{classroom['cohort']}/lessons/01-first-steps").get_data(
        as_text=True
    )
    assert "2 students have taken this quiz" in first
    assert "0% got full marks (0 of 2)" in first  # both missed the single question first time
    assert "2×</strong> Keep the secret" in first  # the unsafe choice made most
    best = client.get(
        f"/teach/cohorts/{classroom['cohort']}/lessons/01-first-steps?basis=best"
    ).get_data(as_text=True)
    assert "100% got full marks (2 of 2)" in best  # the single question, on best attempts
    assert best.index("50% got full marks (1 of 2)") < best.index(
        "100% got full marks"
    )  # most missed first


def test_student_detail_shows_attempts_and_answers(app, classroom):
    page = (
        signed_in(app)
        .get(f"/teach/cohorts/{classroom['cohort']}/students/{classroom['ana']}")
        .get_data(as_text=True)
    )
    assert "4 / 4" in page and "1 / 4" in page
    assert "Keep the secret" in page and "not safe" in page


@pytest.mark.parametrize(
    "who, status",
    [("teacher-b", 404), ("ana", 403), ("dee", 403), (None, 302)],
)
@pytest.mark.parametrize(
    "path",
    [
        "progress",
        "progress/print",
        "progress.csv",
        "exports",
        "lessons/01-first-steps",
        "students/{ana}",
    ],
)
def test_only_the_cohorts_teacher_sees_its_dashboards(app, classroom, who, status, path):
    client = signed_in(app, who) if who else app.test_client()
    url = f"/teach/cohorts/{classroom['cohort']}/" + path.format(**classroom)
    response = client.get(url)
    assert response.status_code == status
    visible = re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))  # not CSRF tokens
    assert not re.search(r"\bben\b", visible)


def test_a_student_of_another_cohort_is_not_found_through_this_one(app, classroom):
    with app.app_context():
        from student_portal.models import User

        stranger = db.session.scalar(select(User.id).where(User.username == "stranger"))
    assert (
        signed_in(app).get(f"/teach/cohorts/{classroom['cohort']}/students/{stranger}").status_code
        == 404
    )


def test_home_shows_each_cohort_with_its_figures(app, classroom):
    page = signed_in(app).get("/teach/").get_data(as_text=True)
    assert "<dt>Members</dt><dd>4</dd>" in page
    assert "<dt>Lessons read</dt><dd>25%</dd>" in page  # 2 read of 4 students × 2 lessons
    assert "<dt>Active in the last 7 days</dt><dd>3</dd>" in page
    assert "<dt>Need help with a quiz</dt><dd>1</dd>" in page


def test_home_figures_leave_out_a_lesson_no_longer_in_the_catalog(app, classroom):
    """The kept standing counts every lesson; a retired one must not change the figures."""
    with app.app_context():
        from student_portal.models import LessonProgress, utcnow

        for student in ("ana", "ben"):  # two more lessons read, in a lesson that is gone
            db.session.add(
                LessonProgress(
                    user_id=classroom[student],
                    lesson_slug="99-retired",
                    completed_at=utcnow(),
                    attempts=3,
                )
            )
        db.session.commit()
    page = signed_in(app).get("/teach/").get_data(as_text=True)
    assert "<dt>Members</dt><dd>4</dd>" in page
    assert "<dt>Lessons read</dt><dd>25%</dd>" in page  # still 2 of 4 students × 2 lessons
    assert "<dt>Need help with a quiz</dt><dd>1</dd>" in page  # Ben only, as before


# --- The number of queries does not grow with the cohort ------------------------------------


def build_cohort(app, size: int) -> int:
    with app.app_context():
        with one_transaction():
            cohort = make_cohort(make_teacher(f"owner-{size}"), f"Size {size}")
            for number in range(size):
                student = make_student(cohort, f"s{size}-{number}")
                complete_lesson(student, "01-first-steps")
                attempt(student, RIGHT if number % 2 else WRONG, f"k{size}-{number}")
        return cohort.id


def count_queries(app, client, url) -> int:
    with app.app_context():
        engine = db.engine
    with recorded_statements(engine) as statements:
        assert client.get(url).status_code == 200
    return len(data_queries(statements))


@pytest.fixture(scope="module")
def five_and_two_hundred(save_school):
    """A cohort of 5 and one of 200 students, built once for the four pages below; each page
    starts from them afresh."""
    return save_school(lambda app: {size: build_cohort(app, size) for size in (5, 200)})


@pytest.mark.parametrize(
    "path",
    [
        "progress",
        "progress.csv",
        "lessons/01-first-steps",
        "lessons/01-first-steps?basis=best",
    ],
)
def test_query_count_is_the_same_for_5_and_200_students(five_and_two_hundred, path):
    app = five_and_two_hundred.app
    counts = []
    for size, cohort_id in five_and_two_hundred.restore().items():
        client = signed_in(app, f"owner-{size}")
        counts.append(count_queries(app, client, f"/teach/cohorts/{cohort_id}/{path}"))
    assert counts[0] == counts[1], counts


# --- Student leaders: counts only -----------------------------------------------------------


def test_leader_sees_totals_only_in_a_small_group(app, classroom):
    page = signed_in(app, "dee").get(f"/learn/groups/{classroom['cohort']}").get_data(as_text=True)
    assert "<dt>Members</dt><dd>4</dd>" in page
    assert "<dt>Lessons read by the others, all together</dt><dd>2</dd>" in page
    assert "fewer than 5 other members, so only totals" in page
    visible = re.sub(r'value="[^"]*"', "", page)  # not the random CSRF tokens
    for private in (r"\bana\b", r"\bben\b", "100%", "50%", "First steps"):
        assert not re.search(private, visible)


def test_leader_sees_per_lesson_counts_without_names_scores_or_small_numbers(app, classroom):
    with app.app_context():
        from student_portal.models import Cohort

        cohort = db.session.get(Cohort, classroom["cohort"])
        make_student(cohort, "eve")
        fay = make_student(cohort, "fay")
        complete_lesson(fay, "02-second-look")
    page = signed_in(app, "dee").get(f"/learn/groups/{classroom['cohort']}").get_data(as_text=True)
    assert "How many of the other 5 members have read each lesson" in page
    assert "Second look</th><td>fewer than 3</td>" in page  # 1 reader could be pointed at
    with app.app_context():
        complete_lesson(db.session.get(User, classroom["ana"]), "02-second-look")
        complete_lesson(
            db.session.scalar(select(User).where(User.username == "eve")), "02-second-look"
        )
    page = signed_in(app, "dee").get(f"/learn/groups/{classroom['cohort']}").get_data(as_text=True)
    assert "Second look</th><td>3 of 5</td>" in page
    for private in (">ana<", ">ben<", "100%", "50%", "Needs help"):
        assert private not in page


@pytest.mark.parametrize("who, status", [("ana", 404), ("teacher-a", 403), ("stranger", 404)])
def test_only_leaders_of_the_group_see_its_overview(app, classroom, who, status):
    assert signed_in(app, who).get(f"/learn/groups/{classroom['cohort']}").status_code == status


def test_my_progress_links_leaders_to_their_group(app, classroom):
    page = signed_in(app, "dee").get("/learn/progress").get_data(as_text=True)
    assert f'href="/learn/groups/{classroom["cohort"]}"' in page
    assert "/learn/groups/" not in signed_in(app, "ana").get("/learn/progress").get_data(
        as_text=True
    )


def test_sort_by_last_active_with_students_never_active(app, classroom):
    page = signed_in(app).get(f"/teach/cohorts/{classroom['cohort']}/progress?sort=active")
    assert page.status_code == 200
    body = page.get_data(as_text=True).split("<tbody>")[1]
    assert body.index(">cy</a>") > body.index(">ana</a>")  # never active comes last


def test_csv_file_names_are_ascii_whatever_the_cohort_name(app, classroom):
    with app.app_context():
        from student_portal.models import Cohort

        db.session.get(Cohort, classroom["cohort"]).name = "七年级 Club"
        db.session.commit()
    response = signed_in(app).get(f"/teach/cohorts/{classroom['cohort']}/progress.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="club-progress.csv"'


def test_the_group_report_never_holds_a_count_below_its_threshold(app, classroom):
    """The rule lives in the report, so no template can show a small number by mistake."""
    from student_portal import catalog
    from student_portal.models import Cohort
    from student_portal.reports import FEWEST, group_overview

    with app.app_context():
        cohort = db.session.get(Cohort, classroom["cohort"])
        leader = db.session.scalar(select(User).where(User.username == "dee"))
        small = group_overview(cohort, catalog().lessons, leader.id)
        assert small.others == 3 and small.per_lesson is None
        make_student(cohort, "eve")
        complete_lesson(make_student(cohort, "fay"), "02-second-look")
        overview = group_overview(cohort, catalog().lessons, leader.id)
    counts = dict((lesson.slug, count) for lesson, count in overview.per_lesson)
    assert counts["02-second-look"].below_threshold and counts["02-second-look"].value is None
    assert all(count.value is None or count.value >= FEWEST for count in counts.values())


def test_chart_labels_are_whole_and_drawn_at_phone_scale(app):
    """A long lesson name is never cut: it wraps onto lines above its bar, and the chart is drawn
    360 wide, so on a 390 px phone its 13 px labels show at about 13 px."""
    import re as regex

    from student_portal.charts import bar_chart

    name = "Healthy and unhealthy relationships, online and off: what to notice and who to tell"
    with app.test_request_context():
        svg = str(bar_chart("c", "Read", "Share who read each lesson", [(name, 40), ("Short", 90)]))
    assert 'viewBox="0 0 360 ' in svg and "…" not in svg
    lines = regex.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)
    assert " ".join(lines[:-1]) == name and lines[-1] == "Short"
    assert all(len(line) <= 44 for line in lines)


def grid_row_of(page: str, name: str) -> str:
    """The <tr> of the student named `name` in the grid's body."""
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    row = next(r for r in body.split("<tr>") if f">{name}</a>" in r)
    return row.split("</tr>")[0]


def test_the_next_grid_request_shows_a_lesson_opened_and_a_quiz_answered(app, classroom):
    # The grid remembers rows it has rendered: a remembered row must never hide a change.
    teacher = signed_in(app)
    url = f"/teach/cohorts/{classroom['cohort']}/progress"
    before = teacher.get(url).get_data(as_text=True)
    assert "not active yet" in grid_row_of(before, "cy") and "Not started (1)" in before
    assert "–</span> Not started" in grid_row_of(before, "cy").split("</th>")[1].split("</td>")[1]

    student = app.test_client()
    student.post("/sign-in", data={"username": "cy", "password": "correct-horse-9"})
    assert student.post("/learn/01-first-steps/start").status_code in (200, 302, 303)
    opened = teacher.get(url).get_data(as_text=True)
    cy = grid_row_of(opened, "cy")
    assert "◐</span> Started" in cy and "not active yet" not in cy and "active " in cy
    assert "Not started (0)" in opened
    assert grid_row_of(opened, "ana") == grid_row_of(before, "ana")

    with app.app_context():
        attempt(db.session.get(User, cy_id(app)), RIGHT, "cy-1")
    answered = teacher.get(url).get_data(as_text=True)
    cy = grid_row_of(answered, "cy")
    assert "✔</span> Passed" in cy and "best 100% · 1 try" in cy and "1 of 2" in cy
    # The summary row counts her too: 3 of 4 members read lesson 1, 2 passed.
    assert "75% read" in answered and "50% passed" in answered
    assert "50% read" not in answered


def cy_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == "cy"))


def test_a_remembered_grid_reads_exactly_as_a_freshly_rendered_one(app, classroom):
    teacher = signed_in(app)
    for query in ("", "?sort=progress", "?show=needs-help", "?sort=active&show=not-started"):
        url = f"/teach/cohorts/{classroom['cohort']}/progress{query}"
        teacher.get(url)  # rendered and remembered
        remembered = teacher.get(url).get_data(as_text=True)
        app.extensions.pop("grid_rows", None), app.extensions.pop("grid_frames", None)
        fresh = teacher.get(url).get_data(as_text=True)
        assert remembered == fresh


def test_remembered_rows_follow_the_readers_language(app, classroom):
    teacher = signed_in(app)
    url = f"/teach/cohorts/{classroom['cohort']}/progress"
    english = teacher.get(url).get_data(as_text=True)
    assert "✔</span> Passed" in grid_row_of(english, "ana")
    teacher.post("/language", data={"language": "es", "next": "/"})
    spanish = teacher.get(url).get_data(as_text=True)
    assert "✔</span> Aprobado" in grid_row_of(spanish, "ana")
    assert "sin actividad todavía" in grid_row_of(spanish, "cy") and "Todos (4)" in spanish
    assert "Passed" not in grid_row_of(spanish, "ana")
