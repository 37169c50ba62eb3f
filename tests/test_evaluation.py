"""The anonymous before-and-after check: the survey file, students taking it, anonymity after
the window closes, opting out, who may see what, and the report's numbers."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from student_portal.database import data_queries, recorded_statements
from student_portal.evaluation import (
    MIN_GROUP,
    POST,
    PRE,
    SENT,
    _suppress,
    build_report,
    close_window,
    cohort_scope,
    current_survey,
    open_post_check,
    open_window,
    paired_change,
    respondent_key,
    submit_check,
    t_quantile_975,
    teacher_scope,
)
from student_portal.extensions import db
from student_portal.models import (
    ADMIN,
    Cohort,
    EvaluationWindow,
    Membership,
    SurveyAnswer,
    SurveyResponse,
    User,
)
from student_portal.progress import complete_lesson
from tests.conftest import FIXTURE_LESSONS, Auth
from tests.factories import make_cohort, make_student, make_teacher


@pytest.fixture
def app(shared_app):
    """This file's tests share one app, put back as new before each (conftest.shared_app)."""
    return shared_app

REPO_LESSONS = Path(__file__).parent.parent / "lessons"
RIGHT = {
    "secret-chats": "warning-sign",
    "danger-now": "call-911",
    "image": "dont-copy",
    "before-blocking": "screenshots",
}
SLUGS = ["01-first-steps", "02-second-look"]


def answers_scoring(score: int, agree: int = 3) -> dict[str, str]:
    """Answers with the first `score` knowledge items right, the rest "I'm not sure"."""
    answers = {
        item: (choice if index < score else "not-sure")
        for index, (item, choice) in enumerate(RIGHT.items())
    }
    answers["know-who-to-tell"] = str(agree)
    return answers


def signed_in(app, username):
    client = app.test_client()
    Auth(client).login(username)
    return client


def take(student, window, phase, score, agree=3):
    return submit_check(
        student, window, phase, answers_scoring(score, agree), current_survey(), SLUGS
    )


def cohort_with_checks(cohort, pairs, only_pre=0, prefix="s"):
    """Students in `cohort` who took both checks with (before, after) scores, and `only_pre`
    more who took only the first; the window is closed. Returns the window."""
    window = open_window(cohort)
    students = [make_student(cohort, f"{prefix}{n}") for n in range(len(pairs) + only_pre)]
    for student, (before, _) in zip(students, pairs, strict=False):
        assert take(student, window, PRE, before) == SENT
    for student in students[len(pairs) :]:
        assert take(student, window, PRE, 1) == SENT
    open_post_check(window)
    for student, (_, after) in zip(students, pairs, strict=False):
        assert take(student, window, POST, after, agree=5) == SENT
    close_window(window)
    return window


# --- The survey file ----------------------------------------------------------------------------


def test_the_real_check_has_ten_knowledge_items_each_with_im_not_sure_last(app):
    from student_portal.content.survey import load_survey

    with app.app_context():
        resources = app.extensions["catalog"].resources
    survey = load_survey(REPO_LESSONS, {})
    assert survey is not None
    assert len(survey.knowledge) == 10
    assert 4 <= len(survey.confidence) <= 6
    for item in survey.knowledge:
        last = item.choices[-1]
        assert last.not_sure and last.fixed and not last.correct
        assert sum(choice.correct for choice in item.choices) == 1
    text = (REPO_LESSONS / "evaluation.toml").read_text().lower()
    assert "polaris" not in text and "compass" not in text  # who runs the hotline: not asked
    assert resources  # the fixture resources load alongside


def test_lessons_check_reports_the_check_and_its_counts(app):
    result = app.test_cli_runner().invoke(args=["lessons", "check", str(REPO_LESSONS)])
    assert "Evaluation check: 10 knowledge items, 5 confidence items" in result.stdout


BROKEN = """\
[[knowledge]]
id = "one"
prompt = "A question"
colour = "blue"

  [[knowledge.choice]]
  id = "a"
  text = "A"

  [[knowledge.choice]]
  id = "a"
  text = "B"

  [[knowledge.choice]]
  id = "not-sure"
  text = "I'm not sure"
  not_sure = true

[[knowledge]]
id = "two"

  [[knowledge.choice]]
  id = "x"
  text = "X"
  correct = true

  [[knowledge.choice]]
  id = "y"
  text = "Y"

  [[knowledge.choice]]
  id = "not-sure"
  text = "I'm not sure"
  not_sure = true
  fixed = true

[[confidence]]
id = "one"
statement = "I know who I would tell."
"""


def test_lessons_check_lists_every_problem_in_the_check_with_its_line(app, tmp_path):
    folder = tmp_path / "lessons"
    shutil.copytree(FIXTURE_LESSONS, folder)
    (folder / "evaluation.toml").write_text(BROKEN)
    result = app.test_cli_runner().invoke(args=["lessons", "check", str(folder)])
    assert result.exit_code == 1
    path = folder / "evaluation.toml"
    out = result.stdout
    assert f'{path}:4: unknown key "colour" in knowledge item "one"' in out
    assert f'{path}:11: duplicate choice id "a" in knowledge item "one"' in out
    assert f'{path}:1: knowledge item "one" must have exactly one correct choice, has 0' in out
    not_sure = 'the "I\'m not sure" choice of knowledge item "one" must be the last'
    assert f"{path}:14: {not_sure}" in out
    assert f'{path}:19: knowledge item "two" is missing "prompt"' in out
    assert f'{path}:38: duplicate item id "one" (first used on line 2)' in out


def test_a_portal_without_a_check_file_offers_no_check(make_app, tmp_path):
    folder = tmp_path / "lessons"
    shutil.copytree(FIXTURE_LESSONS, folder)
    (folder / "evaluation.toml").unlink()
    app = make_app(LESSONS_DIR=str(folder))
    with app.app_context():
        cohort_id = make_cohort(make_teacher("teacher-x")).id
    page = signed_in(app, "teacher-x").get(f"/teach/cohorts/{cohort_id}/evaluation")
    assert page.status_code == 404


# --- Students take it ---------------------------------------------------------------------------


@pytest.fixture
def open_check(app, school):
    with app.app_context():
        cohort = db.session.get(Cohort, school["cohort"])
        window = open_window(cohort)
        return {**school, "window": window.id}


def test_student_is_invited_before_their_first_lesson_and_can_put_it_off(app, open_check):
    client = signed_in(app, "student-one")
    page = client.get("/learn/").get_data(as_text=True)
    assert "Before you start: a quick check" in page
    assert client.post(f"/learn/checks/{open_check['window']}/pre/later").status_code == 302
    assert "Before you start: a quick check" not in client.get("/learn/").get_data(as_text=True)


def test_the_form_says_what_it_is_for_and_is_accessible(app, open_check):
    page = signed_in(app, "student-one").get(f"/learn/checks/{open_check['window']}/pre")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "not graded" in html and "never sees your answers" in html
    assert "skip any question" in html
    assert html.count("<h1") == 1
    assert html.count("<fieldset") == html.count("<legend>") == 6
    for input_id in re.findall(r'<input class="choice-input" type="radio" id="([^"]+)"', html):
        assert f'for="{input_id}"' in html
    assert html.count(">I&#39;m not sure<") + html.count(">I'm not sure<") == 4


def test_a_student_takes_each_check_once_and_a_second_send_is_refused_kindly(app, open_check):
    client = signed_in(app, "student-one")
    url = f"/learn/checks/{open_check['window']}/pre"
    first = client.post(url, data=answers_scoring(3), follow_redirects=True)
    again = client.post(url, data=answers_scoring(1), follow_redirects=True)
    assert "Your answers were sent" in first.get_data(as_text=True)
    assert again.status_code == 200
    assert "You already sent this check, so nothing more was saved" in again.get_data(as_text=True)
    with app.app_context():
        responses = db.session.scalars(select(SurveyResponse)).all()
        assert [(r.phase, r.score, r.max_score) for r in responses] == [(PRE, 3, 4)]
        assert len(responses[0].answers) == 5  # 4 knowledge + 1 confidence (one skipped)
    assert "quick check" not in client.get("/learn/").get_data(as_text=True)


def test_skipped_and_not_sure_count_as_not_correct_and_an_empty_form_sends_nothing(app, open_check):
    client = signed_in(app, "student-one")
    url = f"/learn/checks/{open_check['window']}/pre"
    empty = client.post(url, data={}, follow_redirects=True)
    page = empty.get_data(as_text=True)
    assert "answered any question yet, so nothing was sent" in page
    assert 'name="secret-chats"' in page  # back on the check, still offered
    assert "quick check" in client.get("/learn/").get_data(as_text=True)
    client.post(url, data={"secret-chats": "warning-sign", "danger-now": "not-sure"})
    with app.app_context():
        assert db.session.scalars(select(SurveyResponse.score)).all() == [1]


def test_an_unreadable_answer_is_marked_and_what_was_chosen_is_kept(app, open_check):
    client = signed_in(app, "student-one")
    page = client.post(
        f"/learn/checks/{open_check['window']}/pre",
        data={"secret-chats": "warning-sign", "danger-now": "made-up"},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="danger-now-error"' in html
    assert 'value="warning-sign" checked' in html
    with app.app_context():
        assert db.session.scalar(select(SurveyResponse.id)) is None


def test_the_after_check_comes_once_every_lesson_is_read_or_the_teacher_opens_it(app, open_check):
    with app.app_context():
        student = db.session.get(User, open_check["student"])
        complete_lesson(student, SLUGS[0])
    client = signed_in(app, "student-one")
    page = client.get("/learn/").get_data(as_text=True)
    assert "quick check" not in page  # too late for the first, too early for the second
    with app.app_context():
        complete_lesson(db.session.get(User, open_check["student"]), SLUGS[1])
    assert "One last quick check" in client.get("/learn/").get_data(as_text=True)
    classmate = signed_in(app, "student-two")
    assert "Before you start" in classmate.get("/learn/").get_data(as_text=True)
    signed_in(app, "teacher-a").post(f"/teach/cohorts/{open_check['cohort']}/evaluation/post-check")
    assert "One last quick check" in classmate.get("/learn/").get_data(as_text=True)


def test_opted_out_students_are_never_asked(app, open_check):
    teacher = signed_in(app, "teacher-a")
    student = signed_in(app, "student-one")
    url = f"/learn/checks/{open_check['window']}/pre"
    student.post(url, data=answers_scoring(2))
    response = teacher.post(
        f"/teach/cohorts/{open_check['cohort']}/members/{open_check['student']}/evaluation",
        data={"opt_out": "yes"},
        follow_redirects=True,
    )
    assert "opted out of the anonymous check" in response.get_data(as_text=True)
    assert "already sent in this open check were deleted" in response.get_data(as_text=True)
    assert "Opted out" in teacher.get(f"/teach/cohorts/{open_check['cohort']}").get_data(
        as_text=True
    )
    assert "quick check" not in student.get("/learn/").get_data(as_text=True)
    assert student.get(url).status_code == 404
    student.post(url, data=answers_scoring(2))
    with app.app_context():
        assert db.session.scalar(select(SurveyResponse.id)) is None
        membership = db.session.scalar(
            select(Membership).where(Membership.user_id == open_check["student"])
        )
        assert membership.evaluation_opt_out is True


# --- Anonymous after close ----------------------------------------------------------------------


def test_after_closing_no_row_holds_a_user_id_or_a_live_key_and_nothing_links(app, school):
    with app.app_context():
        cohort = db.session.get(Cohort, school["cohort"])
        window = open_window(cohort)
        secret = window.secret
        students = [db.session.get(User, school[name]) for name in ("student", "classmate")]
        live_keys = {respondent_key(window, student.id) for student in students}
        for student in students:
            take(student, window, PRE, 1)
        open_post_check(window)
        take(students[0], window, POST, 3)
        close_window(window)

        for table in (SurveyResponse.__table__, SurveyAnswer.__table__):
            assert not any(fk.column.table.name == "user" for fk in table.foreign_keys)
            assert not {"user_id", "student_id", "submitted_at"} & set(table.columns.keys())
        window = db.session.get(EvaluationWindow, window.id)
        assert window.secret is None and window.closed_at is not None
        stored = db.session.execute(
            select(SurveyResponse.phase, SurveyResponse.respondent_key)
        ).all()
        keys = {key for _, key in stored}
        assert len(stored) == 3 and len(keys) == 2  # the two checks of one student still pair
        assert all(key.startswith("r:") for key in keys)
        assert not keys & live_keys
        app_secret = app.config["SECRET_KEY"].encode()
        user_ids = db.session.scalars(select(User.id)).all()
        for user_id in user_ids:
            for key_material in (app_secret, bytes.fromhex(secret)):
                for message in (str(user_id), f"{window.id}:{user_id}"):
                    digest = hmac.new(key_material, message.encode(), hashlib.sha256).hexdigest()
                    assert not any(digest[:32] in key for key in keys)


def test_after_closing_the_old_secret_and_keys_are_gone_from_the_sqlite_files(app, school):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("reads the SQLite database files")
        cohort = db.session.get(Cohort, school["cohort"])
        window = open_window(cohort)
        secret = window.secret
        students = [db.session.get(User, school[name]) for name in ("student", "classmate")]
        old_keys = [respondent_key(window, student.id) for student in students]
        for student in students:
            take(student, window, PRE, 2)
        database = Path(db.engine.url.database)
        files = [database, Path(f"{database}-wal")]
        before = b"".join(path.read_bytes() for path in files if path.exists())
        assert old_keys[0].encode() in before  # the check would notice them
        close_window(window)
        db.session.remove()
        after = b"".join(path.read_bytes() for path in files if path.exists())
    assert secret.encode() not in after
    for key in old_keys:
        assert key.encode() not in after
        assert key[2:34].encode() not in after


# --- Access -------------------------------------------------------------------------------------

TEACHER_PAGES = [
    ("get", "/teach/cohorts/{cohort}/evaluation"),
    ("get", "/teach/cohorts/{cohort}/evaluation/report/print"),
    ("get", "/teach/cohorts/{cohort}/evaluation/report.csv"),
    ("get", "/teach/cohorts/{cohort}/evaluation/notice"),
    ("get", "/teach/cohorts/{cohort}/evaluation/close"),
    ("post", "/teach/cohorts/{cohort}/evaluation/open"),
    ("post", "/teach/cohorts/{cohort}/members/{student}/evaluation"),
]


@pytest.mark.parametrize(("method", "path"), TEACHER_PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [("teacher-a", 200), ("teacher-b", 404), ("student-one", 403), ("leader-one", 403)],
)
def test_only_the_cohorts_teacher_reaches_its_check_pages(app, school, method, path, who, status):
    url = path.format(**school)
    response = getattr(signed_in(app, who), method)(url)
    expected = status
    if status == 200 and method == "post":
        expected = 302
    if status == 200 and path.endswith("/close"):
        expected = 302  # nothing open to close: back to the check page
    assert response.status_code == expected


def test_signed_out_visitors_are_sent_to_sign_in_but_families_can_read_the_notice(app, school):
    client = app.test_client()
    response = client.get(f"/teach/cohorts/{school['cohort']}/evaluation")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    notice = client.get("/evaluation/families")
    assert notice.status_code == 200
    assert "How to opt your child out" in notice.get_data(as_text=True)
    assert "asks nothing about your child&#39;s own experiences" in notice.get_data(
        as_text=True
    ) or "asks nothing about your child's own experiences" in notice.get_data(as_text=True)


def test_students_of_another_cohort_and_teachers_cant_open_a_students_check(app, open_check):
    url = f"/learn/checks/{open_check['window']}/pre"
    assert signed_in(app, "student-other").get(url).status_code == 404
    assert signed_in(app, "teacher-a").get(url).status_code == 403


def test_the_installation_report_is_for_admins(app, school):
    assert signed_in(app, "teacher-a").get("/teach/evaluation/installation").status_code == 403
    assert signed_in(app, "teacher-a").get("/teach/evaluation/mine").status_code == 200
    with app.app_context():
        make_teacher("the-admin", role=ADMIN)
    assert signed_in(app, "the-admin").get("/teach/evaluation/installation").status_code == 200


def test_teacher_sees_live_counts_not_names_and_closes_the_window(app, open_check):
    for name in ("student-one", "student-two"):
        signed_in(app, name).post(
            f"/learn/checks/{open_check['window']}/pre", data=answers_scoring(2)
        )
    teacher = signed_in(app, "teacher-a")
    page = teacher.get(f"/teach/cohorts/{open_check['cohort']}/evaluation").get_data(as_text=True)
    assert "<strong>2</strong> students have taken the check before the course" in page
    assert "student-one" not in page and "student-two" not in page
    assert "No closed checks yet" in page
    teacher.post(f"/teach/cohorts/{open_check['cohort']}/evaluation/close")
    with app.app_context():
        assert db.session.get(EvaluationWindow, open_check["window"]).closed_at is not None
    page = teacher.get(f"/teach/cohorts/{open_check['cohort']}/evaluation").get_data(as_text=True)
    assert "1 closed check" in page
    assert "not shown" in page  # 2 students: below the privacy threshold


# --- The report's numbers -----------------------------------------------------------------------

# Twelve matched students (before, after), worked by hand:
# changes 2,1,2,1,2,1,1,1,1,2,0,2: sum 16, mean 1.3333; squared deviations sum 4.6667, so
# SD = sqrt(4.6667 / 11) = 0.65134; SE = 0.65134 / sqrt(12) = 0.18803; t(0.975, 11) = 2.200985,
# half-width 0.41385: CI 0.9195 to 1.7472; d_z = 1.3333 / 0.65134 = 2.047; 11 of 12 improved.
PAIRS = [(1, 3), (2, 3), (2, 4), (1, 2), (0, 2), (2, 3), (3, 4), (1, 2), (2, 3), (1, 3), (2, 2),
         (1, 3)]  # fmt: skip


def test_the_change_matches_a_hand_computed_example():
    change = paired_change(PAIRS)
    assert change.n == 12
    assert change.mean == pytest.approx(16 / 12)
    assert change.sd == pytest.approx(0.65134, abs=1e-5)
    assert change.low == pytest.approx(0.9195, abs=1e-4)
    assert change.high == pytest.approx(1.7472, abs=1e-4)
    assert change.d_z == pytest.approx(2.047, abs=1e-3)
    assert change.improved_share == pytest.approx(11 / 12)
    assert not change.interval_includes_zero


@pytest.mark.parametrize(
    ("df", "expected"),
    [(9, 2.262157), (10, 2.228139), (11, 2.200985), (15, 2.131450), (20, 2.085963),
     (30, 2.042272), (60, 2.000298), (120, 1.979930)],
)  # fmt: skip
def test_the_t_quantile_is_right_to_three_decimals(df, expected):
    assert t_quantile_975(df) == pytest.approx(expected, abs=1e-3)


def test_the_cohort_report_shows_the_hand_computed_figures(app):
    with app.app_context():
        teacher = make_teacher("teacher-r")
        cohort = make_cohort(teacher, "Period 5")
        cohort_with_checks(cohort, PAIRS, only_pre=2)
        report = build_report("Period 5", cohort_scope(cohort.id), current_survey())
    total = report.total
    assert (total.n_pre, total.n_post, total.n_matched) == (14, 12, 12)
    assert total.pre_mean == pytest.approx((18 + 2) / 14)  # two more took only the first, at 1
    assert total.post_mean == pytest.approx(34 / 12)
    assert total.change.low == pytest.approx(0.9195, abs=1e-4)
    first = {item.item.id: item for item in report.items}
    # Item 1 was right for every score >= 1: before 13 of 14 (93%), after 12 of 12.
    assert (first["secret-chats"].pre_percent, first["secret-chats"].post_percent) == (93, 100)
    tell = report.confidence[0]
    assert tell.pre_agree == 0 and tell.post_agree == 100
    assert dict(tell.post)["Strongly agree"] == 100
    assert report.confidence[1].pre is None  # nobody answered it: not enough to show
    readings = " ".join(report.readings)
    assert "answered 1.3 more of 4 correctly after the course" in readings
    assert "(95% confidence interval 0.9 to 1.7)" in readings
    assert "That is a large change for a program like this" in readings
    assert "92% of them got more questions right" in readings


def test_with_fewer_than_ten_students_the_figures_are_not_shown(app):
    with app.app_context():
        teacher = make_teacher("teacher-s")
        cohort = make_cohort(teacher, "Small club")
        cohort_with_checks(cohort, PAIRS[:9])
        cohort_id = cohort.id
    page = signed_in(app, "teacher-s").get(f"/teach/cohorts/{cohort_id}/evaluation")
    html = page.get_data(as_text=True)
    assert "fewer than 10 students — not shown to protect privacy" in html
    assert "Fewer than 10 students took both checks" in html
    assert "1.3" not in html and "0.9" not in html


def test_an_interval_that_includes_zero_is_said_plainly():
    from student_portal.evaluation import GroupFigures, Report, readings

    change = paired_change([(2, 3), (3, 2), (2, 2), (1, 2), (3, 3), (2, 1)] * 2)
    total = GroupFigures("All", 12, 12, 12, 2.0, 2.0, change, True, True, True)
    said = " ".join(readings(Report("x", 4, total)))
    assert "The interval includes 0, so these results alone can't show" in said


def test_complementary_suppression_hides_the_next_smallest_cell():
    assert _suppress([30, 12, 6]) == [True, False, False]  # the 12 protects the 6
    assert _suppress([30, 12, 25]) == [True, True, True]
    assert _suppress([3, 4, 40, 30]) == [False, False, True, False]  # 3 + 4 < 10: add the 30
    assert _suppress([5, 6, 40]) == [False, False, True]  # 5 + 6 >= 10 already
    assert _suppress([0, 40]) == [False, True]  # no students: nothing to protect
    assert _suppress([6]) == [False]


def test_the_teachers_breakdown_hides_a_small_cohort_and_the_next_smallest(app):
    with app.app_context():
        teacher = make_teacher("teacher-t")
        big = make_cohort(teacher, "Big")
        middle = make_cohort(teacher, "Middle")
        small = make_cohort(teacher, "Small")
        cohort_with_checks(big, PAIRS * 2, prefix="b")
        cohort_with_checks(middle, PAIRS, prefix="m")
        cohort_with_checks(small, PAIRS[:5], prefix="t")
        report = build_report("Mine", teacher_scope(teacher), current_survey(), breakdown=True)
    rows = {row.label: row for row in report.breakdown}
    assert rows["Big"].change is not None and rows["Big"].pre_mean is not None
    assert rows["Small"].change is None and rows["Small"].pre_mean is None
    assert rows["Middle"].change is None and rows["Middle"].pre_mean is None  # complementary
    # The small cohort is left out of the combined figures too: otherwise "all my cohorts"
    # minus the other cohorts' own pages would give its figures away.
    assert report.total.n_matched == 36 and report.total.n_pre == 36
    assert report.total.change is not None and report.left_out == 1
    page = signed_in(app, "teacher-t").get("/teach/evaluation/mine").get_data(as_text=True)
    assert "1 cohort has fewer than 10 students in a check" in page


def test_the_csv_holds_aggregate_figures_only(app):
    with app.app_context():
        teacher = make_teacher("teacher-c")
        cohort = make_cohort(teacher, "Period 6")
        cohort_with_checks(cohort, PAIRS)
        cohort_id = cohort.id
    response = signed_in(app, "teacher-c").get(f"/teach/cohorts/{cohort_id}/evaluation/report.csv")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert "section,group,item,measure,before,after,students" in text
    assert "mean change (after minus before),,1.33,12" in text
    assert "s0" not in text and "r:" not in text  # no student, no pairing token


def test_the_printable_report_has_a_chart_the_table_and_the_method(app):
    with app.app_context():
        teacher = make_teacher("teacher-p")
        cohort = make_cohort(teacher, "Period 7")
        cohort_with_checks(cohort, PAIRS)
        cohort_id = cohort.id
    page = signed_in(app, "teacher-p").get(f"/teach/cohorts/{cohort_id}/evaluation/report/print")
    html = page.get_data(as_text=True)
    assert html.count("<h1") == 1
    assert '<svg class="chart" id="evaluation-chart"' in html
    assert "How this was measured" in html
    assert "+1.3 (0.9 to 1.7)" in html


def test_query_count_is_the_same_for_12_and_120_students(app):
    counts = []
    for size in (12, 120):
        with app.app_context():
            teacher = make_teacher(f"owner-{size}")
            cohort = make_cohort(teacher, f"Size {size}")
            pairs = [(n % 3, n % 3 + (n % 2)) for n in range(size)]
            cohort_with_checks(cohort, pairs, prefix=f"z{size}-")
            cohort_id = cohort.id
            engine = db.engine
        client = signed_in(app, f"owner-{size}")
        with recorded_statements(engine) as statements:
            assert client.get(f"/teach/cohorts/{cohort_id}/evaluation").status_code == 200
        counts.append(len(data_queries(statements)))
    assert counts[0] == counts[1], counts


def test_a_database_user_id_column_is_nowhere_in_the_response_tables(app):
    with app.app_context():
        inspector = inspect(db.engine)
        for table in ("survey_response", "survey_answer"):
            columns = {column["name"] for column in inspector.get_columns(table)}
            assert not any("user" in name for name in columns)
    assert MIN_GROUP == 10
    assert math.isfinite(t_quantile_975(9))


def test_the_demo_school_has_a_closed_check_with_a_report_to_read(make_app):
    app = make_app(LESSONS_DIR=str(REPO_LESSONS))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert "demo-teacher   password teach-safely-2026" in result.stdout
    with app.app_context():
        windows = db.session.scalars(select(EvaluationWindow)).all()
        assert len(windows) == 1 and windows[0].secret is None
        teacher = db.session.scalar(select(User).where(User.username == "demo-teacher"))
        report = build_report("Demo", teacher_scope(teacher), current_survey(), breakdown=True)
    assert report.total.n_matched >= 10
    assert report.total.change.low > 0
