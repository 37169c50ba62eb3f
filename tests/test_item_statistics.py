"""Item statistics on the quiz analysis page: facility and discrimination, in plain words."""

from __future__ import annotations

import pytest

from student_portal.reports import ItemStatistics, item_statistics
from tests.factories import make_cohort, make_student, make_teacher
from tests.test_dashboards import RIGHT, WRONG, attempt, signed_in


def test_statistics_match_a_hand_computed_example():
    # x (item) = 1, 1, 0, 0 and y (rest of the quiz) = 1, .5, .5, 0:
    # r = (4·1.5 − 2·2) / √((4·2 − 2²)(4·1.5 − 2²)) = 2 / √8 ≈ 0.7071; facility = 2/4.
    stats = item_statistics(4, 2, 2, 2, 1.5, 1.5)
    assert stats.facility == 0.5
    assert stats.discrimination == pytest.approx(0.70711, abs=1e-5)
    assert not stats.enough  # four answers are too few to read anything into
    assert item_statistics(6, 6, 6, 3, 2, 3).discrimination is None  # everyone got it right


@pytest.mark.parametrize(
    ("facility", "discrimination", "words"),
    [
        (0.95, 0.1, "Almost everyone got this right"),
        (0.3, -0.2, "Students who did well overall often missed this: check the wording"),
        (0.6, 0.45, "it separates well"),
        (0.6, 0.1, "This says little about who understood the lesson"),
    ],
)
def test_each_number_has_a_reading_in_plain_words(facility, discrimination, words):
    stats = ItemStatistics(answers=20, facility=facility, discrimination=discrimination)
    assert words in stats.facility_reading + " " + stats.discrimination_reading


def _class_with(app, results):
    with app.app_context():
        teacher = make_teacher("stats-teacher")
        cohort = make_cohort(teacher, "Stats class")
        for number, responses in enumerate(results):
            student = make_student(cohort, f"stats-{number}")
            attempt(student, responses, f"stats-{number}-first")
            attempt(student, RIGHT, f"stats-{number}-second")  # later tries don't count
        return cohort.id


def test_the_analysis_shows_facility_and_discrimination_on_first_attempts(app):
    cohort_id = _class_with(app, [RIGHT, RIGHT, RIGHT, WRONG, WRONG, WRONG])
    page = signed_in(app, "stats-teacher").get(
        f"/teach/cohorts/{cohort_id}/lessons/01-first-steps"
    ).get_data(as_text=True)
    # q-single: three right, three wrong, and the right ones did better on the rest: r = 1.
    assert "<strong>50%</strong> Many students found this hard" in page
    assert "<strong>1.00</strong> Students who did well overall got this right more often" in page
    assert "How to read the numbers" in page
    # No one picked the multiple item's wrong option (they missed a right one instead).
    assert "No one chose this: it may be too easy to rule out." in page
    assert "By learning objective" in page

    best = signed_in(app, "stats-teacher").get(
        f"/teach/cohorts/{cohort_id}/lessons/01-first-steps?basis=best"
    ).get_data(as_text=True)
    assert "Question statistics use first attempts" in best and "Separates" not in best


def test_fewer_than_five_answers_are_too_few(app):
    cohort_id = _class_with(app, [RIGHT, WRONG, WRONG, RIGHT])
    page = signed_in(app, "stats-teacher").get(
        f"/teach/cohorts/{cohort_id}/lessons/01-first-steps"
    ).get_data(as_text=True)
    assert "Too few answers yet." in page
    assert "<strong>50%</strong>" not in page and "<strong>1.00</strong>" not in page


def test_wrong_options_say_how_often_they_drew_students(app):
    wrong_multi = {**RIGHT, "q-multi": ["a", "b", "c"]}  # "Saying hello in class" chosen
    cohort_id = _class_with(app, [wrong_multi] * 3 + [RIGHT] * 3)
    page = signed_in(app, "stats-teacher").get(
        f"/teach/cohorts/{cohort_id}/lessons/01-first-steps"
    ).get_data(as_text=True)
    assert "A common wrong idea: talk it through with the group." in page
