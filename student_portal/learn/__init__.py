"""Students: lesson list, lesson pages, quizzes, their own progress."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import catalog
from ..access import role_required
from ..cohorts import format_join_code, student_cohorts
from ..content import InvalidResponse, Lesson
from ..progress import (
    PASSED,
    attempts_for,
    complete_lesson,
    grade_attempt,
    lesson_statuses,
    progress_row,
    review,
    start_lesson,
    student_attempt,
)
from .forms import ActionForm, answer_form
from .quiz_player import (
    QuizState,
    StateError,
    current_question,
    dump_state,
    load_state,
    record_answer,
)

bp = Blueprint("learn", __name__, url_prefix="/learn")


def lesson_or_404(slug: str) -> Lesson:
    lesson = catalog().get(slug)
    if lesson is None:
        abort(404)
    return lesson


@bp.route("/")
@role_required("student")
def lessons():
    statuses = lesson_statuses(current_user, catalog().lessons)
    return render_template("learn/lessons.html", statuses=statuses)


@bp.route("/<slug>")
@role_required("student")
def lesson(slug: str):
    lesson = lesson_or_404(slug)
    row = progress_row(current_user, slug)
    if row is None:
        if lesson.content_note:
            return render_template("learn/content_note.html", lesson=lesson, form=ActionForm())
        row = start_lesson(current_user, slug)
    return render_template("learn/lesson.html", lesson=lesson, progress=row, form=ActionForm())


@bp.route("/<slug>/start", methods=["POST"])
@role_required("student")
def start(slug: str):
    lesson_or_404(slug)
    if ActionForm().validate_on_submit():
        start_lesson(current_user, slug)
    return redirect(url_for("learn.lesson", slug=slug))


@bp.route("/<slug>/complete", methods=["POST"])
@role_required("student")
def complete(slug: str):
    lesson = lesson_or_404(slug)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("learn.lesson", slug=slug))
    complete_lesson(current_user, slug)
    flash(f"Well done: you finished reading “{lesson.title}”. Now try the quiz.", "success")
    return redirect(url_for("learn.quiz", slug=slug))


@bp.route("/<slug>/quiz", methods=["GET", "POST"])
@role_required("student")
def quiz(slug: str):
    lesson = lesson_or_404(slug)
    quiz = lesson.quiz
    last_decision = None
    if ActionForm().is_submitted():
        try:
            state = load_state(request.form.get("state", ""), quiz)
            question = current_question(quiz, state)
        except StateError as error:
            flash(f"{error} Please start the quiz again.", "warning")
            return redirect(url_for("learn.quiz", slug=slug))
        if question is None:  # a retry of a form whose answers are all in
            return _finish(lesson, state)
        form = answer_form(question, from_request=True)
        if not form.validate_on_submit():
            return _question_page(lesson, question, form, state)
        chosen = form.answer.data if isinstance(form.answer.data, list) else [form.answer.data]
        record_answer(state, question, chosen)
        if question.step is not None:
            last_decision = (question.step, question.step.choice(chosen[0]))
    else:
        state = QuizState.new(quiz)
    question = current_question(quiz, state)
    if question is None:
        return _finish(lesson, state)
    form = answer_form(question, from_request=False)
    return _question_page(lesson, question, form, state, last_decision)


def _question_page(lesson, question, form, state, last_decision=None):
    form.state.data = dump_state(state)
    return render_template(
        "learn/question.html",
        lesson=lesson,
        question=question,
        form=form,
        last_decision=last_decision,
        total=len(lesson.quiz.items),
    )


def _finish(lesson: Lesson, state: QuizState):
    try:
        attempt = grade_attempt(current_user, lesson, state.answers, state.key)
    except InvalidResponse:
        flash("Some answers could not be read. Please start the quiz again.", "warning")
        return redirect(url_for("learn.quiz", slug=lesson.slug))
    return redirect(url_for("learn.attempt", slug=lesson.slug, attempt_id=attempt.id))


@bp.route("/<slug>/attempts/<int:attempt_id>")
@role_required("student")
def attempt(slug: str, attempt_id: int):
    lesson = lesson_or_404(slug)
    attempt = student_attempt(current_user, slug, attempt_id)
    if attempt is None:
        abort(404)
    attempts = attempts_for(current_user, slug)
    return render_template(
        "learn/attempt.html",
        lesson=lesson,
        attempt=attempt,
        result=review(attempt, lesson),
        attempts=attempts,
        passed_before=any(a.passed for a in attempts),
    )


@bp.route("/progress")
@role_required("student")
def progress():
    statuses = lesson_statuses(current_user, catalog().lessons)
    return render_template(
        "learn/progress.html",
        statuses=statuses,
        passed=sum(1 for s in statuses if s.status == PASSED),
        cohorts=student_cohorts(current_user),
        format_join_code=format_join_code,
    )
