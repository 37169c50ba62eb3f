"""Taking a quiz: the one service that reads and writes a quiz in progress.

A quiz is a series of pages, one question or scenario step each. The answers so far live on the
server in a `QuizDraft`, so the Back button can't undo a scenario decision whose feedback was
shown and a student who leaves finds their place again. Each form carries a signed token (the
draft's key, bound to the student and the lesson) and a marker naming the question it answers,
so a stale page, a second tab or a double click never changes an answer already given.

`submit_answer` takes one posted answer and returns an `Outcome` (the next question, finished,
already handed in, open in another window, quiz changed, unreadable, ask again). It runs in
one write transaction: on SQLite it holds the write lock from its first statement (BEGIN
IMMEDIATE); on PostgreSQL it locks the draft row, so two submits of the same form queue and the
second finds the attempt the first stored.

Choices are shown in an order shuffled per attempt, seeded from the draft's key: a reload, the
Back button, the result page and the review of a past attempt all show the same order, and a
student who taps the first option every time gets no help from the file's order.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, case, delete, insert, inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .content import (
    Choice,
    GradeResult,
    InvalidResponse,
    Item,
    Lesson,
    Quiz,
    Step,
    grade,
    shuffled,
    walk_scenario,
)
from .database import FastSelect, begin_write
from .extensions import db
from .models import (
    LessonProgress,
    QuizAnswer,
    QuizAttempt,
    QuizDraft,
    QuizItemResult,
    User,
    utcnow,
)

# --- choice order ---------------------------------------------------------------------------


def item_choices(item: Item, key: str) -> tuple[Choice, ...]:
    """A single or multiple item's choices as this attempt shows them."""
    return shuffled(item.choices, key, item.id)


def step_choices(item: Item, step: Step, key: str) -> tuple[Choice, ...]:
    """A scenario step's choices as this attempt shows them."""
    return shuffled(step.choices, key, f"{item.id}/{step.id}")


def in_shown_order(chosen: Sequence[Choice], item: Item, key: str) -> list[Choice]:
    """Some of an item's choices, in the order the attempt showed them (for the review)."""
    wanted = {choice.id for choice in chosen}
    return [choice for choice in item_choices(item, key) if choice.id in wanted]


# --- the form's token ------------------------------------------------------------------------


class StateError(ValueError):
    """The quiz form's token was tampered with, or the answers so far no longer fit the quiz."""


class NotYourForm(StateError):
    """The quiz form's token was issued to another student, or for another lesson."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="quiz-form")


def dump_token(key: str, user_id: int, slug: str) -> str:
    return _serializer().dumps({"k": key, "u": user_id, "s": slug})


def load_token(token: str, user_id: int, slug: str) -> str:
    """The draft key in a posted token, if it was issued to this student for this lesson."""
    try:
        data = _serializer().loads(token or "")
        key, token_user, token_slug = str(data["k"]), data["u"], data["s"]
    except (BadSignature, KeyError, TypeError, ValueError) as error:
        raise StateError("The quiz form could not be read.") from error
    if token_user != user_id or token_slug != slug:
        raise NotYourForm("This quiz form was not made for you.")
    return key


# --- where the student is --------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """What the student answers next: an item, and for a scenario the step they are on."""

    item: Item
    number: int  # 1-based position of the item in the quiz
    key: str  # the attempt's key: seeds the order of the choices
    step: Step | None = None
    path: tuple[tuple[Step, Choice], ...] = ()  # scenario decisions already made

    @property
    def marker(self) -> str:
        """Names this question in the form, so an answer meant for another one is noticed."""
        return f"{self.item.id}/{self.step.id}" if self.step is not None else self.item.id

    @property
    def choices(self) -> tuple[Choice, ...]:
        """The choices in the order this attempt shows them."""
        if self.step is not None:
            return step_choices(self.item, self.step, self.key)
        return item_choices(self.item, self.key)

    @property
    def multiple(self) -> bool:
        """More than one choice may be picked: a multiple item, or a spot item's chat lines."""
        return self.item.type in ("multiple", "spot")


def current_question(quiz: Quiz, answers: Mapping[str, Sequence[str]], key: str) -> Question | None:
    """The first unfinished item, or None when every item is answered."""
    for number, item in enumerate(quiz.items, start=1):
        chosen = answers.get(item.id)
        if item.type == "scenario":
            try:
                path, step = walk_scenario(item, chosen or [])
            except InvalidResponse as error:
                raise StateError(str(error)) from error
            if step is not None:
                return Question(item=item, number=number, key=key, step=step, path=tuple(path))
        elif not chosen:
            return Question(item=item, number=number, key=key)
    return None


def _with_answer(
    answers: Mapping[str, Sequence[str]], question: Question, choice_ids: list[str]
) -> dict[str, list[str]]:
    """A new answers mapping (JSON columns notice replacement, not in-place edits)."""
    updated = {item_id: list(chosen) for item_id, chosen in answers.items()}
    if question.step is not None:
        updated.setdefault(question.item.id, []).extend(choice_ids)
    else:
        updated[question.item.id] = list(choice_ids)
    return updated


def _decision_shown(quiz: Quiz, last_decision: dict | None) -> tuple[Step, Choice] | None:
    """The scenario step and choice whose feedback to show, from a draft's `last_decision`."""
    if not last_decision:
        return None
    item = quiz.item(last_decision.get("item", ""))
    step = item.step(last_decision.get("step", "")) if item else None
    choice = step.choice(last_decision.get("choice", "")) if step else None
    return (step, choice) if choice else None


# --- outcomes --------------------------------------------------------------------------------


class Kind(StrEnum):
    QUESTION = "question"  # a question to answer (opening the quiz)
    NEXT = "next"  # the answer is stored; the next question follows
    FINISHED = "finished"  # the last answer is stored and the attempt graded and kept
    HANDED_IN = "handed-in"  # this form's quiz was handed in already (double click, retry)
    ANSWERED = "answered"  # that question was answered already (Back button, stale page)
    ELSEWHERE = "elsewhere"  # the quiz is open in another window, with other answers
    CHANGED = "changed"  # the quiz was edited since the student started; it starts again
    UNREADABLE = "unreadable"  # the form or the answers so far can't be read
    NOT_YOURS = "not-yours"  # the form was made for another student or another lesson
    ASK_AGAIN = "ask-again"  # nothing, or something not offered, was chosen: nothing stored


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    attempt_id: int | None = None  # FINISHED, HANDED_IN
    question: Question | None = None  # QUESTION, ASK_AGAIN: the question to show
    last_decision: tuple[Step, Choice] | None = None  # QUESTION: feedback on the step just made


def open_quiz(user: User, lesson: Lesson) -> Outcome:
    """Where the student is in the lesson's quiz: the question to show, or why not.

    A draft of an older version of the quiz is discarded (CHANGED); one whose answers no longer
    fit is discarded too (UNREADABLE); one with every answer in is handed in (FINISHED).
    """
    draft = _draft_as_read(user, lesson.slug)
    if draft is None:
        question = current_question(lesson.quiz, {}, str(uuid.uuid4()))
        return Outcome(Kind.QUESTION, question=question)
    if draft.quiz_version != lesson.quiz.version:
        return _discard(draft, Kind.CHANGED)
    try:
        question = current_question(lesson.quiz, draft.answers, draft.key)
    except StateError:
        return _discard(draft, Kind.UNREADABLE)
    if question is None:  # every answer is in; only the hand-in failed before
        return _in_one_transaction(lambda: _hand_in_draft(user, lesson, draft.key))
    return Outcome(
        Kind.QUESTION,
        question=question,
        last_decision=_decision_shown(lesson.quiz, draft.last_decision),
    )


def submit_answer(
    user: User, lesson: Lesson, token: str, marker: str, choice_ids: Sequence[str]
) -> Outcome:
    """Store one answer from a posted quiz form and say what happens next."""
    try:
        key = load_token(token, user.id, lesson.slug)
    except NotYourForm:
        return Outcome(Kind.NOT_YOURS)
    except StateError:
        return Outcome(Kind.UNREADABLE)
    return _in_one_transaction(lambda: _submit(user, lesson, key, marker, list(choice_ids)))


def _in_one_transaction(work) -> Outcome:
    """Run `work` in a write transaction. A race lost to a twin request (the same form posted
    twice at once) is run once more, when the winner's rows are there to be seen."""
    for _ in range(2):
        try:
            begin_write()
            outcome = work()
            db.session.commit()
            return outcome
        except (IntegrityError, StaleDataError):
            db.session.rollback()
    return Outcome(Kind.ELSEWHERE)


def _draft(user: User, slug: str, lock: bool = False) -> QuizDraft | None:
    query = select(QuizDraft).where(QuizDraft.user_id == user.id, QuizDraft.lesson_slug == slug)
    return db.session.scalar(query.with_for_update() if lock else query)


def _discard(draft: DraftAsRead, kind: Kind) -> Outcome:
    begin_write()
    db.session.execute(
        delete(QuizDraft).where(QuizDraft.id == draft.id, QuizDraft.key == draft.key)
    )
    db.session.commit()
    return Outcome(kind)


@dataclass(frozen=True)
class DraftAsRead:
    """A draft as a question page reads it (no ORM object: the page only looks)."""

    id: int
    quiz_version: str
    key: str
    answers: dict
    last_decision: dict | None


def _draft_read_query():
    return select(
        QuizDraft.id,
        QuizDraft.quiz_version,
        QuizDraft.key,
        QuizDraft.answers,
        QuizDraft.last_decision,
    ).where(QuizDraft.user_id == bindparam("user_id"), QuizDraft.lesson_slug == bindparam("slug"))


_DRAFT_AS_READ = FastSelect(_draft_read_query)


def _draft_as_read(user: User, slug: str) -> DraftAsRead | None:
    """The student's draft for a lesson's quiz, read on the driver (every question page)."""
    rows = _DRAFT_AS_READ.rows(user_id=user.id, slug=slug)
    if not rows:
        return None
    draft_id, version, key, answers, last_decision = rows[0]
    return DraftAsRead(draft_id, version, key, answers or {}, last_decision)


def _submit(user: User, lesson: Lesson, key: str, marker: str, choice_ids: list[str]) -> Outcome:
    draft = _draft(user, lesson.slug, lock=True)
    if draft is None or draft.key != key:
        attempt_id = _attempt_id(user, key)
        if attempt_id is not None:
            return Outcome(Kind.HANDED_IN, attempt_id=attempt_id)
        if draft is not None:
            return Outcome(Kind.ELSEWHERE)
        draft = QuizDraft(
            user_id=user.id,
            lesson_slug=lesson.slug,
            quiz_version=lesson.quiz.version,
            key=key,
            answers={},
        )  # added to the session once an answer is stored in it
    if draft.quiz_version != lesson.quiz.version:
        _drop(draft)
        return Outcome(Kind.CHANGED)
    try:
        question = current_question(lesson.quiz, draft.answers, key)
    except StateError:
        _drop(draft)
        return Outcome(Kind.UNREADABLE)
    if question is None:
        return _hand_in(user, lesson, draft)
    if marker != question.marker:
        return Outcome(Kind.ANSWERED)
    shown = {choice.id for choice in question.choices}
    if (
        not choice_ids
        or any(choice_id not in shown for choice_id in choice_ids)
        or (not question.multiple and len(choice_ids) != 1)
    ):
        return Outcome(Kind.ASK_AGAIN, question=question)

    answers = _with_answer(draft.answers, question, list(dict.fromkeys(choice_ids)))
    if current_question(lesson.quiz, answers, key) is None:
        return _hand_in(user, lesson, draft, answers)
    draft.answers = answers
    draft.last_decision = (
        {"item": question.item.id, "step": question.step.id, "choice": choice_ids[0]}
        if question.step is not None
        else None
    )
    db.session.add(draft)
    return Outcome(Kind.NEXT)


def _drop(draft: QuizDraft) -> None:
    """Remove a stored draft; one never stored just goes unsaved."""
    if inspect(draft).persistent:
        db.session.delete(draft)


def _attempt_id(user: User, key: str) -> int | None:
    return db.session.scalar(
        select(QuizAttempt.id).where(
            QuizAttempt.idempotency_key == key, QuizAttempt.user_id == user.id
        )
    )


def _hand_in_draft(user: User, lesson: Lesson, key: str) -> Outcome:
    draft = _draft(user, lesson.slug, lock=True)
    if draft is None or draft.key != key:  # a twin request handed it in first
        attempt_id = _attempt_id(user, key)
        if attempt_id is None:
            return Outcome(Kind.ELSEWHERE)
        return Outcome(Kind.HANDED_IN, attempt_id=attempt_id)
    return _hand_in(user, lesson, draft)


def _hand_in(
    user: User, lesson: Lesson, draft: QuizDraft, answers: Mapping[str, Sequence[str]] | None = None
) -> Outcome:
    """Grade the answers (the draft's, unless given), store the attempt and remove the draft,
    in the caller's transaction."""
    try:
        attempt_id = _store_attempt(
            user, lesson, draft.answers if answers is None else answers, draft.key
        )
    except InvalidResponse:
        _drop(draft)
        return Outcome(Kind.UNREADABLE)
    _drop(draft)
    return Outcome(Kind.FINISHED, attempt_id=attempt_id)


def _store_attempt(
    user: User, lesson: Lesson, responses: Mapping[str, Sequence[str]], key: str
) -> int:
    """Grade and insert an attempt with its item results and answers: four statements (the
    children as one executemany each, on the table: the ORM would send them row by row, or
    group them by which values are None)."""
    result = grade(lesson.quiz, responses)
    now = utcnow()
    _count_attempt(user, lesson.slug, result, now)
    attempt_id = db.session.scalar(
        insert(QuizAttempt)
        .values(
            user_id=user.id,
            lesson_slug=lesson.slug,
            quiz_version=lesson.quiz.version,
            score=result.score,
            max_score=result.max_score,
            passed=result.passed,
            submitted_at=now,
            language=lesson.language,
            idempotency_key=key,
        )
        .returning(QuizAttempt.id)
    )
    db.session.execute(
        insert(QuizItemResult.__table__),
        [
            {"attempt_id": attempt_id, "item_id": r.item.id, "score": r.score, "points": r.points}
            for r in result.items
        ],
    )
    answer_rows = result.answer_rows()
    if answer_rows:
        db.session.execute(
            insert(QuizAnswer.__table__), [{"attempt_id": attempt_id, **row} for row in answer_rows]
        )
    return attempt_id


def _count_attempt(user: User, slug: str, result: GradeResult, now: datetime) -> None:
    """The lesson was started (if it wasn't) and its running attempt summary, which the grid
    reads instead of grouping every attempt, takes this one in: one statement either way."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    fraction = result.score / result.max_score if result.max_score else None
    statement = insert(LessonProgress).values(
        user_id=user.id,
        lesson_slug=slug,
        started_at=now,
        attempts=1,
        quiz_passed=result.passed,
        best_fraction=fraction,
        last_attempt_at=now,
    )
    stored, new = LessonProgress.__table__.c, statement.excluded
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "lesson_slug"],
            set_={
                "attempts": stored.attempts + 1,
                "quiz_passed": stored.quiz_passed | new.quiz_passed,
                "best_fraction": case(
                    (stored.best_fraction.is_(None), new.best_fraction),
                    (new.best_fraction > stored.best_fraction, new.best_fraction),
                    else_=stored.best_fraction,
                ),
                "last_attempt_at": new.last_attempt_at,
            },
        )
    )


def record_attempt(
    user: User, lesson: Lesson, responses: Mapping[str, Sequence[str]], key: str | None = None
) -> QuizAttempt:
    """Grade and store a whole set of answers at once (the demo school, tests, imports).

    The same key stores nothing twice. Raises content.InvalidResponse for answers that don't
    fit the quiz.
    """
    key = key or str(uuid.uuid4())

    def work():
        existing = _attempt_id(user, key)
        return existing if existing is not None else _store_attempt(user, lesson, responses, key)

    for last_try in (False, True):
        try:
            begin_write()
            attempt_id = work()
            db.session.commit()
            return db.session.get(QuizAttempt, attempt_id)
        except IntegrityError:
            db.session.rollback()
            if last_try:
                raise
    raise AssertionError("unreachable")
