"""A student's progress: lessons read, their quiz attempts (stored by `quizzes`), statuses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from .content import GradeResult, Lesson, grade
from .database import FastSelect, begin_write
from .extensions import db
from .models import LessonProgress, QuizAttempt, User, utcnow

NOT_STARTED = "not started"
IN_PROGRESS = "in progress"
COMPLETED = "completed"
PASSED = "quiz passed"

# The status words as a student reads them. The constants above are stored and compared in
# code and stay English; templates show a status through `status_word`.
STATUS_WORDS = {
    NOT_STARTED: _l("Not started"),
    IN_PROGRESS: _l("In progress"),
    COMPLETED: _l("Completed"),
    PASSED: _l("Quiz passed"),
}


def status_word(status: str) -> str:
    """A lesson status in the reader's language (the `status_word` template filter)."""
    word = STATUS_WORDS.get(status)
    return str(word) if word is not None else status.capitalize()


def status_of(started: bool, completed: bool, attempts: int, passed: bool) -> str:
    """A lesson's status for one student; the best attempt counts, so one pass is enough."""
    if passed:
        return PASSED
    if completed:
        return COMPLETED
    if started or attempts:
        return IN_PROGRESS
    return NOT_STARTED


@dataclass(frozen=True)
class LessonStatus:
    lesson: Lesson
    status: str
    started_at: datetime | None = None
    completed_at: datetime | None = None
    attempts: int = 0
    best_percent: int | None = None  # the best attempt's score, as a whole percentage
    part: int = 1  # the part of the lesson player last opened


@dataclass(frozen=True)
class PlaceInLesson:
    """How far a student is in one lesson: what the lesson page shows of their progress."""

    part: int
    completed: bool


def _place_query():
    return select(LessonProgress.part, LessonProgress.completed_at).where(
        LessonProgress.user_id == bindparam("user_id"),
        LessonProgress.lesson_slug == bindparam("slug"),
    )


_PLACE = FastSelect(_place_query)


def place_in_lesson(user: User, slug: str) -> PlaceInLesson | None:
    """The student's place in a lesson (None if never opened), read on the driver."""
    rows = _PLACE.rows(user_id=user.id, slug=slug)
    if not rows:
        return None
    part, completed_at = rows[0]
    return PlaceInLesson(part, completed_at is not None)


def progress_row(user: User, slug: str) -> LessonProgress | None:
    return db.session.scalar(
        select(LessonProgress).where(
            LessonProgress.user_id == user.id, LessonProgress.lesson_slug == slug
        )
    )


def start_lesson(user: User, slug: str) -> LessonProgress:
    """Record that the student opened the lesson (once); may be called from a page view."""
    row = progress_row(user, slug)
    if row is None:
        begin_write()
        row = LessonProgress(user_id=user.id, lesson_slug=slug)
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:  # the same student opened it twice at once
            db.session.rollback()
            row = progress_row(user, slug)
    return row


def complete_lesson(user: User, slug: str) -> None:
    """Mark the lesson read to the end; keeps the first completion time."""
    row = start_lesson(user, slug)
    if row.completed_at is None:
        row.completed_at = utcnow()
        db.session.commit()


def attempts_for(user: User, slug: str) -> list[QuizAttempt]:
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.lesson_slug == slug)
            .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
        )
    )


def student_attempt(user: User, slug: str, attempt_id: int) -> QuizAttempt | None:
    """One of the student's own attempts, or None (never another student's)."""
    return db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.id == attempt_id,
            QuizAttempt.user_id == user.id,
            QuizAttempt.lesson_slug == slug,
        )
    )


def review(attempt: QuizAttempt, lesson: Lesson) -> GradeResult | None:
    """Re-grade the stored answers for display; None if the quiz has changed since."""
    if attempt.quiz_version != lesson.quiz.version:
        return None
    responses: dict[str, list[str]] = {}
    for answer in sorted(attempt.answers, key=lambda a: (a.item_id, a.position)):
        responses.setdefault(answer.item_id, []).append(answer.choice_id)
    return grade(lesson.quiz, responses)


def _standing_query():
    return select(
        LessonProgress.lesson_slug,
        LessonProgress.started_at,
        LessonProgress.completed_at,
        LessonProgress.part,
        LessonProgress.attempts,
        LessonProgress.quiz_passed,
        LessonProgress.best_fraction,
    ).where(LessonProgress.user_id == bindparam("user_id"))


_STANDING = FastSelect(_standing_query)


def lesson_statuses(user: User, lessons: Sequence[Lesson]) -> list[LessonStatus]:
    """Every lesson's status for one student, from one query: each reading row carries the
    summary of the student's attempts at its quiz (kept as each attempt is stored)."""
    rows = _STANDING.rows(user_id=user.id)
    by_slug = {row[0]: row for row in rows}

    statuses = []
    for lesson in lessons:
        row = by_slug.get(lesson.slug)
        _, started, completed, part, count, passed, best = row or (None, None, None, 1, 0, 0, None)
        statuses.append(
            LessonStatus(
                lesson=lesson,
                status=status_of(
                    started=row is not None,
                    completed=completed is not None,
                    attempts=count,
                    passed=bool(passed),
                ),
                started_at=started,
                completed_at=completed,
                attempts=count,
                best_percent=round(100 * best) if best is not None else None,
                part=part,
            )
        )
    return statuses
