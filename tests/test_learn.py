"""A student reads lessons, takes quizzes and sees their own progress."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from student_portal.extensions import db
from student_portal.models import LessonProgress, QuizAnswer, QuizAttempt, QuizItemResult, User
from tests.factories import PASSWORD
from tests.helpers import ALL_RIGHT, MOSTLY_WRONG, answer_quiz, quiz_fields


@pytest.fixture
def app(shared_app):
    """This file's tests share one app, put back as new before each (conftest.shared_app)."""
    return shared_app


def attempts_of(app, username):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return list(db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)))


def test_lesson_list_shows_every_lesson_with_status_and_minutes(client, auth, school):
    auth.login("student-one")
    page = client.get("/learn/").get_data(as_text=True)
    assert "First steps" in page and "Second look" in page
    assert "About 10 minutes" in page and "About 5 minutes" in page
    assert page.count("Not started") == 2


def test_content_note_comes_first_with_continue_and_help(client, auth, school):
    auth.login("student-one")
    page = client.get("/learn/01-first-steps").get_data(as_text=True)
    assert "Talks about pretend situations for the test suite." in page
    assert "Continue to the lesson" in page
    assert 'href="/help/"' in page
    assert "Noticing signs" not in page  # the lesson itself waits until they choose

    response = client.post("/learn/01-first-steps/start")
    assert response.status_code == 302
    page = client.get("/learn/01-first-steps").get_data(as_text=True)
    assert "Noticing signs" in page and "<table>" in page
    assert "tel:18883737888" in page


def test_lesson_without_note_opens_directly_and_counts_as_started(app, client, auth, school):
    auth.login("student-one")
    page = client.get("/learn/02-second-look").get_data(as_text=True)
    assert "Only section" in page
    assert "In progress" in client.get("/learn/").get_data(as_text=True)


def test_reaching_the_end_marks_the_lesson_completed(app, client, auth, school):
    auth.login("student-one")
    client.post("/learn/01-first-steps/start")
    response = client.post("/learn/01-first-steps/complete")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/learn/01-first-steps/quiz")
    with app.app_context():
        row = db.session.scalar(
            select(LessonProgress).where(LessonProgress.user_id == school["student"])
        )
        assert row.lesson_slug == "01-first-steps" and row.completed_at is not None
    assert "Completed" in client.get("/learn/").get_data(as_text=True)


def test_quiz_page_never_sends_right_answers_or_feedback(client, auth, school):
    auth.login("student-one")
    page = client.get("/learn/01-first-steps/quiz").get_data(as_text=True)
    assert "Who should you tell?" in page
    assert "A trusted adult" in page
    assert "Yes: a trusted adult can help." not in page  # feedback only after answering
    visible = re.sub(r'value="[^"]*"', "", page)  # the signed form token is not page text
    assert "correct" not in visible.lower()


def test_wrong_then_retake_and_pass(app, client, auth, school):
    auth.login("student-one")
    response = answer_quiz(client, "01-first-steps", MOSTLY_WRONG)
    assert response.status_code == 302
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not passed yet" in result
    assert "You scored 1 out of 4" in result
    assert "Keeping it secret leaves you alone with it." in result  # why the choice was wrong
    assert "Unexpected gifts can be a way to build a debt." in result  # the right one missed
    assert "Try again" in result

    response = answer_quiz(client, "01-first-steps", ALL_RIGHT)
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You passed" in result and "You scored 4 out of 4" in result
    assert "Next lesson: Second look" in result
    assert "All your attempts" in result

    attempts = attempts_of(app, "student-one")
    assert sorted((a.score, a.passed) for a in attempts) == [(1, False), (4, True)]
    with app.app_context():
        answers = db.session.scalars(
            select(QuizAnswer)
            .join(QuizAttempt)
            .where(QuizAttempt.score == 1)
            .order_by(QuizAnswer.id)
        ).all()
        scenario = [(a.step_id, a.choice_id, a.correct) for a in answers if a.item_id == "q-story"]
        assert scenario == [
            ("start", "keep", False),
            ("second-thought", "tell", True),
            ("tell-adult", "report", True),
        ]
        item_scores = db.session.execute(
            select(QuizItemResult.item_id, QuizItemResult.score)
            .join(QuizAttempt)
            .where(QuizAttempt.score == 1)
        ).all()
        assert sorted(item_scores) == [("q-multi", 0), ("q-single", 0), ("q-story", 1)]
    assert "Quiz passed" in client.get("/learn/").get_data(as_text=True)


def test_scenario_shows_feedback_for_each_decision_as_the_story_goes(client, auth, school):
    auth.login("student-one")
    page = answer_quiz(client, "01-first-steps", [["a"], ["a", "b"], ["keep"]]).get_data(
        as_text=True
    )
    assert "Not the safest choice" in page
    assert "the secret keeps you alone with it" in page
    assert "A week later they ask for a photo." in page  # the next step of the story


def test_missing_answer_rerenders_the_question_with_a_message(client, auth, school):
    auth.login("student-one")
    page = client.get("/learn/01-first-steps/quiz").get_data(as_text=True)
    response = client.post("/learn/01-first-steps/quiz", data=quiz_fields(page))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Choose an answer to go on." in body and "Who should you tell?" in body


def test_unknown_choice_is_an_error_not_a_crash(client, auth, school):
    auth.login("student-one")
    page = client.get("/learn/01-first-steps/quiz").get_data(as_text=True)
    response = client.post(
        "/learn/01-first-steps/quiz",
        data={**quiz_fields(page), "answer": "<script>x</script>"},
    )
    assert response.status_code == 200
    assert "<script>x</script>" not in response.get_data(as_text=True)


def test_tampered_state_restarts_the_quiz(client, auth, school):
    auth.login("student-one")
    response = client.post("/learn/01-first-steps/quiz", data={"state": "forged", "answer": "a"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/learn/01-first-steps/quiz")


def test_double_submit_stores_one_attempt(app, client, auth, school):
    auth.login("student-one")
    page = answer_quiz(client, "01-first-steps", ALL_RIGHT[:-1]).get_data(as_text=True)
    final = {**quiz_fields(page), "answer": ["report"]}
    first = client.post("/learn/01-first-steps/quiz", data=final)
    second = client.post("/learn/01-first-steps/quiz", data=final)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(attempts_of(app, "student-one")) == 1


def test_back_button_cannot_undo_a_scenario_decision(app, client, auth, school):
    auth.login("student-one")
    at_story = answer_quiz(client, "01-first-steps", [["a"], ["a", "b"]]).get_data(as_text=True)
    story_fields = quiz_fields(at_story)
    client.post("/learn/01-first-steps/quiz", data={**story_fields, "answer": "keep"})
    # The student goes Back to the first step and picks the safe choice instead.
    response = client.post("/learn/01-first-steps/quiz", data={**story_fields, "answer": "tell"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You already answered that question." in page
    assert "A week later they ask for a photo." in page  # still where "keep" led
    location = answer_quiz(client, "01-first-steps", [["tell"], ["report"]]).headers["Location"]
    assert "You scored 3 out of 4" in client.get(location).get_data(as_text=True)


def test_leaving_mid_quiz_picks_up_where_the_student_was(app, client, auth, school):
    auth.login("student-one")
    answer_quiz(client, "01-first-steps", [["b"], ["a", "b"]])
    auth.logout()
    auth.login("student-one")
    page = client.get("/learn/01-first-steps/quiz").get_data(as_text=True)
    assert "Question 3 of 3" in page and "A new online friend asks you to keep a secret." in page


def test_a_quiz_form_from_another_student_is_refused(app, school):
    first, second = app.test_client(), app.test_client()
    first.post("/sign-in", data={"username": "student-one", "password": PASSWORD})
    second.post("/sign-in", data={"username": "student-two", "password": PASSWORD})
    page = answer_quiz(first, "01-first-steps", ALL_RIGHT[:-1]).get_data(as_text=True)
    stolen = {**quiz_fields(page), "answer": ["report"]}
    response = second.post("/learn/01-first-steps/quiz", data=stolen)
    assert response.status_code == 302 and response.headers["Location"].endswith("/quiz")
    assert attempts_of(app, "student-two") == []
    # The owner can still finish their own quiz.
    response = first.post("/learn/01-first-steps/quiz", data=stolen)
    assert "/attempts/" in response.headers["Location"]
    assert [a.score for a in attempts_of(app, "student-one")] == [4]


def test_a_form_from_another_lesson_is_refused(client, auth, school):
    auth.login("student-one")
    page = client.get("/learn/02-second-look/quiz").get_data(as_text=True)
    response = client.post("/learn/01-first-steps/quiz", data={**quiz_fields(page), "answer": "a"})
    assert response.status_code == 302
    assert "not made for you" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_back_after_handing_in_shows_the_stored_result(app, client, auth, school):
    auth.login("student-one")
    page = answer_quiz(client, "01-first-steps", ALL_RIGHT[:-1]).get_data(as_text=True)
    final = {**quiz_fields(page), "answer": ["report"]}
    first = client.post("/learn/01-first-steps/quiz", data=final)
    again = client.post("/learn/01-first-steps/quiz", data={**final, "answer": ["ignore"]})
    assert again.headers["Location"] == first.headers["Location"]
    result = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "You already handed in this quiz." in result
    assert len(attempts_of(app, "student-one")) == 1


def test_students_cannot_see_each_others_attempts(app, client, auth, school):
    auth.login("student-one")
    location = answer_quiz(client, "01-first-steps", ALL_RIGHT).headers["Location"]
    auth.logout()
    auth.login("student-two")
    assert client.get(location).status_code == 404
    assert "4 out of 4" not in client.get("/learn/progress").get_data(as_text=True)


def test_progress_page_shows_status_attempts_best_score_and_groups(client, auth, school):
    auth.login("student-one")
    answer_quiz(client, "01-first-steps", MOSTLY_WRONG)
    answer_quiz(client, "01-first-steps", ALL_RIGHT)
    page = client.get("/learn/progress").get_data(as_text=True)
    assert "You have passed 1 of 2 lesson quizzes" in page
    assert "100%" in page
    assert "Period 3" in page


def test_unknown_lesson_is_404(client, auth, school):
    auth.login("student-one")
    assert client.get("/learn/no-such-lesson").status_code == 404
    assert client.get("/learn/no-such-lesson/quiz").status_code == 404


def test_second_quiz_attempt_count_in_database(app, client, auth, school):
    auth.login("student-one")
    answer_quiz(client, "02-second-look", [["yes"]])
    answer_quiz(client, "02-second-look", [["no"]])
    with app.app_context():
        count = db.session.scalar(
            select(func.count(QuizAttempt.id)).where(QuizAttempt.lesson_slug == "02-second-look")
        )
    assert count == 2


def test_choose_all_that_apply_is_said_once(client, auth, school):
    auth.login("student-one")
    answer_quiz(client, "01-first-steps", [["a"]])
    page = client.get("/learn/01-first-steps/quiz").get_data(as_text=True)
    assert "Which are warning signs?" in page
    assert page.count("all that apply") == 1
