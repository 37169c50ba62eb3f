"""The quiz service: every outcome of an answer, races between twin submits, choice order."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from student_portal import catalog
from student_portal.content import Choice, shuffled
from student_portal.extensions import db
from student_portal.models import LessonProgress, QuizAttempt, QuizDraft, User
from student_portal.quizzes import (
    Kind,
    Question,
    current_question,
    dump_token,
    open_quiz,
    record_attempt,
    submit_answer,
)
from tests.helpers import quiz_fields
from tests.real_lessons import real_catalog


@pytest.fixture
def app(shared_app):
    """This file's tests share one app, put back as new before each (conftest.shared_app)."""
    return shared_app

RIGHT = {"q-single": ["a"], "q-multi": ["a", "b"], "start": ["tell"], "tell-adult": ["report"]}


def _student(school) -> User:
    return db.session.get(User, school["student"])


def _lesson(slug="01-first-steps"):
    return catalog().get(slug)


def _answer(user, lesson, question: Question, choice_ids=None):
    """Post the answer a student would give to `question` (the right one unless told)."""
    if choice_ids is None:
        step = question.step.id if question.step else question.item.id
        choice_ids = RIGHT.get(step) or [question.choices[0].id]
    token = dump_token(question.key, user.id, lesson.slug)
    return submit_answer(user, lesson, token, question.marker, choice_ids)


def _drafts(user) -> list[QuizDraft]:
    return list(db.session.scalars(select(QuizDraft).where(QuizDraft.user_id == user.id)))


def _attempt_count(user) -> int:
    return db.session.scalar(
        select(func.count(QuizAttempt.id)).where(QuizAttempt.user_id == user.id)
    )


def test_each_answer_leads_to_the_next_question_then_to_the_stored_attempt(app, ctx, school):
    user, lesson = _student(school), _lesson()
    opened = open_quiz(user, lesson)
    assert opened.kind is Kind.QUESTION and opened.question.item.id == "q-single"
    kinds = []
    question = opened.question
    while True:
        outcome = _answer(user, lesson, question)
        kinds.append(outcome.kind)
        if outcome.kind is not Kind.NEXT:
            break
        question = open_quiz(user, lesson).question
    assert kinds == [Kind.NEXT, Kind.NEXT, Kind.NEXT, Kind.FINISHED]
    attempt = db.session.get(QuizAttempt, outcome.attempt_id)
    assert attempt.user_id == user.id and attempt.passed and attempt.score == attempt.max_score
    assert attempt.idempotency_key == opened.question.key
    assert _drafts(user) == []


def test_the_last_form_sent_again_finds_the_attempt_already_handed_in(app, ctx, school):
    user, lesson = _student(school), _lesson("02-second-look")
    question = open_quiz(user, lesson).question
    first = _answer(user, lesson, question, ["no"])
    again = _answer(user, lesson, question, ["no"])
    assert first.kind is Kind.FINISHED
    assert again.kind is Kind.HANDED_IN and again.attempt_id == first.attempt_id
    assert _attempt_count(user) == 1


def test_an_old_page_from_the_back_button_changes_nothing(app, ctx, school):
    user, lesson = _student(school), _lesson()
    first_question = open_quiz(user, lesson).question
    assert _answer(user, lesson, first_question, ["b"]).kind is Kind.NEXT
    assert _answer(user, lesson, first_question, ["a"]).kind is Kind.ANSWERED
    (draft,) = _drafts(user)
    assert draft.answers == {"q-single": ["b"]}


def test_a_second_window_with_another_attempt_is_told_the_quiz_is_open_elsewhere(
    app, ctx, school
):
    user, lesson = _student(school), _lesson()
    window_a = open_quiz(user, lesson).question
    window_b = open_quiz(user, lesson).question  # no draft yet: a new key
    assert window_a.key != window_b.key
    assert _answer(user, lesson, window_a).kind is Kind.NEXT
    assert _answer(user, lesson, window_b).kind is Kind.ELSEWHERE
    (draft,) = _drafts(user)
    assert draft.key == window_a.key


def test_a_quiz_edited_while_the_student_takes_it_starts_again(app, ctx, school):
    user, lesson = _student(school), _lesson()
    question = open_quiz(user, lesson).question
    _answer(user, lesson, question)
    (draft,) = _drafts(user)
    draft.quiz_version = "older-version"
    db.session.commit()
    assert _answer(user, lesson, open_quiz_question_ignoring_version(user, lesson)).kind is (
        Kind.CHANGED
    )
    assert _drafts(user) == []

    _answer(user, lesson, open_quiz(user, lesson).question)
    (draft,) = _drafts(user)
    draft.quiz_version = "older-version"
    db.session.commit()
    assert open_quiz(user, lesson).kind is Kind.CHANGED
    assert _drafts(user) == []
    assert open_quiz(user, lesson).kind is Kind.QUESTION


def open_quiz_question_ignoring_version(user, lesson) -> Question:
    (draft,) = _drafts(user)
    return current_question(lesson.quiz, draft.answers, draft.key)


def test_answers_that_no_longer_fit_the_quiz_are_unreadable_and_dropped(app, ctx, school):
    user, lesson = _student(school), _lesson()
    _answer(user, lesson, open_quiz(user, lesson).question)
    (draft,) = _drafts(user)
    draft.answers = {"q-single": ["a"], "q-multi": ["a"], "q-story": ["no-such-choice"]}
    db.session.commit()
    assert open_quiz(user, lesson).kind is Kind.UNREADABLE
    assert _drafts(user) == []


def test_a_forged_or_foreign_form_is_refused_and_stores_nothing(app, ctx, school):
    user, lesson = _student(school), _lesson()
    question = open_quiz(user, lesson).question
    forged = submit_answer(user, lesson, "forged", question.marker, ["a"])
    other = db.session.get(User, school["classmate"])
    foreign = submit_answer(
        user, lesson, dump_token(question.key, other.id, lesson.slug), question.marker, ["a"]
    )
    wrong_lesson = submit_answer(
        user, lesson, dump_token(question.key, user.id, "02-second-look"), question.marker, ["a"]
    )
    assert forged.kind is Kind.UNREADABLE
    assert foreign.kind is Kind.NOT_YOURS and wrong_lesson.kind is Kind.NOT_YOURS
    assert _drafts(user) == []


@pytest.mark.parametrize("choice_ids", [[], ["no-such-choice"], ["a", "b"]])
def test_nothing_or_something_not_offered_asks_again_and_stores_nothing(
    app, ctx, school, choice_ids
):
    user, lesson = _student(school), _lesson()
    question = open_quiz(user, lesson).question  # q-single: one answer only
    outcome = _answer(user, lesson, question, choice_ids)
    assert outcome.kind is Kind.ASK_AGAIN and outcome.question.item.id == "q-single"
    assert _drafts(user) == []


def _at_once(app, count, work):
    """Run `work(index)` in `count` threads released together; their results, in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        with app.app_context():
            barrier.wait()
            results[index] = work(index)
            db.session.remove()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_a_double_clicked_last_answer_stores_one_attempt_and_shows_it_twice(app, school):
    with app.app_context():
        user_id, lesson = school["student"], _lesson("02-second-look")
        question = open_quiz(db.session.get(User, user_id), lesson).question
        token = dump_token(question.key, user_id, lesson.slug)

    def submit(_index):
        user = db.session.get(User, user_id)
        outcome = submit_answer(user, _lesson("02-second-look"), token, question.marker, ["no"])
        return outcome.kind, outcome.attempt_id

    results = _at_once(app, 2, submit)
    kinds = sorted(kind for kind, _ in results)
    assert kinds == sorted([Kind.FINISHED, Kind.HANDED_IN])
    assert results[0][1] == results[1][1] is not None
    with app.app_context():
        assert _attempt_count(db.session.get(User, user_id)) == 1


def test_two_windows_answering_at_the_same_moment_keep_one_draft(app, school):
    with app.app_context():
        user_id, lesson = school["student"], _lesson()
        user = db.session.get(User, user_id)
        questions = [open_quiz(user, lesson).question for _ in range(2)]

    def submit(index):
        question = questions[index]
        user = db.session.get(User, user_id)
        token = dump_token(question.key, user_id, question_lesson_slug)
        return submit_answer(user, _lesson(), token, question.marker, ["a"]).kind

    question_lesson_slug = lesson.slug
    kinds = _at_once(app, 2, submit)
    assert sorted(kinds) == sorted([Kind.NEXT, Kind.ELSEWHERE])
    with app.app_context():
        assert len(_drafts(db.session.get(User, user_id))) == 1


def test_double_click_through_the_pages_shows_the_result_both_times(app, school):
    """Two posts of the same last form at the same moment: both redirect to one result."""
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        client.post("/sign-in", data={"username": "student-one", "password": "correct-horse-9"})
    page = clients[0].get("/learn/02-second-look/quiz").get_data(as_text=True)
    form = {**quiz_fields(page), "answer": "no"}

    responses = _at_once(
        app, 2, lambda index: clients[index].post("/learn/02-second-look/quiz", data=form)
    )
    assert [response.status_code for response in responses] == [302, 302]
    locations = {response.headers["Location"] for response in responses}
    assert len(locations) == 1 and "/attempts/" in locations.pop()


# --- choice order ------------------------------------------------------------------------------


def _choices(*ids, fixed=()):
    return tuple(Choice(id=i, text=i, feedback="f", fixed=i in fixed) for i in ids)


def test_the_order_is_stable_for_an_attempt_and_differs_between_attempts():
    choices = _choices("a", "b", "c", "d", "e")
    first = shuffled(choices, "key-1", "item")
    assert shuffled(choices, "key-1", "item") == first
    orders = {tuple(c.id for c in shuffled(choices, f"key-{n}", "item")) for n in range(40)}
    assert len(orders) > 20
    assert sorted(c.id for c in first) == ["a", "b", "c", "d", "e"]


def test_a_fixed_choice_keeps_its_place():
    choices = _choices("a", "b", "c", "none", fixed=("none",))
    for n in range(30):
        assert shuffled(choices, f"key-{n}", "item")[3].id == "none"


def test_the_question_page_a_reload_and_the_result_show_the_same_order(client, auth, school):
    auth.login("student-one")
    url = "/learn/01-first-steps/quiz"
    texts = ["Asking you to keep secrets", "Sending gifts out of nowhere", "Saying hello in class"]
    shown = None
    response = client.get(url)
    for answer in (["a"], ["a", "b", "c"], ["tell"], ["report"]):
        page = response.get_data(as_text=True)
        if "Which are warning signs?" in page:
            shown = sorted(texts, key=page.find)
            reloaded = client.get(url).get_data(as_text=True)
            assert sorted(texts, key=reloaded.find) == shown
        response = client.post(url, data={**quiz_fields(page), "answer": answer})
        if response.headers["Location"].endswith(url):
            response = client.get(url)
    assert "/attempts/" in response.headers["Location"]
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert shown is not None and sorted(texts, key=result.find) == shown


def test_different_attempts_show_different_orders(app, ctx):
    lesson = _lesson()
    item = lesson.quiz.item("q-multi")
    orders = {
        tuple(c.id for c in Question(item=item, number=2, key=str(uuid.uuid4())).choices)
        for _ in range(30)
    }
    assert len(orders) >= 4  # of the 6 orders of three choices


# --- position-only strategies on the real lessons --------------------------------------------

REAL = real_catalog()
ATTEMPTS = 20


def _play(lesson, key, pick):
    """Take the quiz the way `pick(question)` chooses; the graded result."""
    from student_portal.content import grade

    answers: dict[str, list[str]] = {}
    while (question := current_question(lesson.quiz, answers, key)) is not None:
        chosen = pick(question)
        if question.step is not None:
            answers.setdefault(question.item.id, []).extend(chosen)
        else:
            answers[question.item.id] = chosen
    return grade(lesson.quiz, answers)


def always_first(question):
    return [question.choices[0].id]


def first_radio_and_all_boxes_but_last(question):
    if question.multiple:
        return [choice.id for choice in question.choices[:-1]]
    return [question.choices[0].id]


@pytest.mark.parametrize("lesson", REAL.lessons, ids=lambda lesson: lesson.slug)
@pytest.mark.parametrize("strategy", [always_first, first_radio_and_all_boxes_but_last])
def test_tapping_positions_without_reading_never_passes_a_real_quiz(lesson, strategy):
    keys = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"{lesson.slug}/{n}")) for n in range(ATTEMPTS)]
    results = [_play(lesson, key, strategy) for key in keys]
    assert not any(result.passed for result in results)
    mean = sum(r.score / r.max_score for r in results) / len(results)
    assert mean < lesson.quiz.pass_mark - 0.15


@pytest.mark.parametrize("lesson", REAL.lessons, ids=lambda lesson: lesson.slug)
def test_the_right_answer_is_spread_across_positions(lesson):
    positions: dict[int, int] = {}
    for n in range(ATTEMPTS):
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"spread/{lesson.slug}/{n}"))
        for item in lesson.quiz.items:
            if item.type != "single":
                continue
            shown = Question(item=item, number=1, key=key).choices
            place = next(index for index, choice in enumerate(shown) if choice.correct)
            positions[place] = positions.get(place, 0) + 1
    total = sum(positions.values())
    assert len(positions) >= 3
    assert max(positions.values()) / total < 0.5


# --- polls in a club session ---------------------------------------------------------------


def test_everyone_in_the_room_sees_one_order_per_poll(app, school):
    from tests.test_club import client_for, live_session_id, start

    texts = ["Asking you to keep secrets", "Sending gifts out of nowhere", "Saying hello in class"]
    leader = client_for(app, "leader-one")
    start(leader, school)
    session_id = live_session_id(app, school)
    followers = [client_for(app, name) for name in ("student-one", "student-two")]
    for follower in followers:
        follower.post(f"/learn/sessions/{session_id}/join")
    orders = []
    for _ in range(8):
        leader.post(f"/lead/sessions/{session_id}/poll", data={"question": "q-multi"})
        pages = [f.get(f"/learn/sessions/{session_id}").get_data(as_text=True) for f in followers]
        pages.append(leader.get(f"/lead/sessions/{session_id}/project").get_data(as_text=True))
        seen = [sorted(texts, key=page.find) for page in pages]
        assert all(page.find(text) >= 0 for page in pages for text in texts)
        assert seen[0] == seen[1] == seen[2]
        orders.append(tuple(seen[0]))
    assert len(set(orders)) > 1  # each poll is shuffled afresh


def test_each_attempt_handed_in_updates_the_lessons_running_summary(app, ctx, school):
    """The grid reads a student's standing from one row per lesson: it must tell what the
    stored attempts tell, attempt after attempt."""
    wrong = {"q-single": ["b"], "q-multi": ["a"], "q-story": ["keep", "tell", "report"]}
    right = {"q-single": ["a"], "q-multi": ["a", "b"], "q-story": ["tell", "report"]}
    student, lesson = _student(school), _lesson()

    def summary():
        db.session.expire_all()
        row = db.session.scalars(
            select(LessonProgress).where(
                LessonProgress.user_id == student.id, LessonProgress.lesson_slug == lesson.slug
            )
        ).one()
        return row.attempts, row.quiz_passed, row.best_fraction, row.last_attempt_at

    def stored():
        attempts = list(
            db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == student.id))
        )
        return (
            len(attempts),
            any(a.passed for a in attempts),
            max(a.score / a.max_score for a in attempts),
            max(a.submitted_at for a in attempts),
        )

    first = record_attempt(student, lesson, wrong)
    assert not first.passed
    assert summary() == stored()
    assert summary()[:2] == (1, False)
    record_attempt(student, lesson, right)
    record_attempt(student, lesson, wrong)  # a weaker try later keeps the best and the pass
    assert summary() == stored()
    assert summary()[:3] == (3, True, 1.0)
