"""The lesson player: where a student is in a lesson, and the "check yourself" questions.

A lesson is read one part (one `##` section, as in club sessions) at a time; the part last opened
is stored on the student's `LessonProgress` row so the lesson opens there again. Check answers are
not attempts: they are marked on the spot and forgotten. Only the fact that a student used a check
is stored (`CheckUse`), so a teacher can see how many students used them - never who or what.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .content import Choice, Item, Lesson
from .database import begin_write
from .extensions import db
from .models import CheckUse, Cohort, LessonProgress, Membership, User, utcnow


def part_count(lesson: Lesson) -> int:
    return len(lesson.sections)


def open_part(row: LessonProgress, lesson: Lesson, part: int) -> None:
    """Remember that the student opened `part` (1-based) of the lesson their progress `row` is
    about; reaching the last part marks the lesson read (keeping the first time it was).

    Reopening the part they were on writes nothing; otherwise one UPDATE.
    """
    last = part == part_count(lesson)
    if row.part == part and (not last or row.completed_at is not None):
        return
    values: dict = {"part": part}
    if last:
        values["completed_at"] = func.coalesce(LessonProgress.completed_at, utcnow())
    row_id = row.id
    begin_write()
    db.session.execute(update(LessonProgress).where(LessonProgress.id == row_id).values(**values))
    db.session.commit()


@dataclass(frozen=True)
class CheckFeedback:
    """What a student is shown after answering a check: every pick with its feedback."""

    picked: tuple[Choice, ...]
    missed: tuple[Choice, ...]  # right choices not picked

    @property
    def right(self) -> bool:
        return not self.missed and all(choice.correct for choice in self.picked)

    @property
    def partly_right(self) -> bool:
        return not self.right and any(choice.correct for choice in self.picked)


def check_feedback(check: Item, choice_ids: Sequence[str]) -> CheckFeedback | None:
    """The feedback for the picked choices; None when nothing valid was picked (or a single
    check got more than one answer)."""
    picked_ids = set(choice_ids)
    picked = tuple(choice for choice in check.choices if choice.id in picked_ids)
    if not picked or len(picked) != len(picked_ids) or (check.type == "single" and len(picked) > 1):
        return None
    missed = tuple(c for c in check.choices if c.correct and c.id not in picked_ids)
    return CheckFeedback(picked=picked, missed=missed)


def record_check_use(user: User, lesson: Lesson, check_id: str) -> None:
    """Store that the student used this check (once: a double click stores one row)."""
    begin_write()
    exists = db.session.scalar(
        select(CheckUse.id).where(
            CheckUse.user_id == user.id,
            CheckUse.lesson_slug == lesson.slug,
            CheckUse.check_id == check_id,
        )
    )
    if exists is not None:
        db.session.commit()
        return
    db.session.add(CheckUse(user_id=user.id, lesson_slug=lesson.slug, check_id=check_id))
    try:
        db.session.commit()
    except IntegrityError:  # the same answer posted twice at once: the other one stored it
        db.session.rollback()


@dataclass(frozen=True)
class CheckUsage:
    """How many of a cohort's members used a lesson's check-yourself questions."""

    used: int
    members: int


def check_usage(cohort: Cohort, lesson: Lesson) -> CheckUsage | None:
    """Members who answered at least one of the lesson's checks, out of all members; None when
    the lesson has no checks. Two counting queries."""
    if not lesson.checks:
        return None
    members = select(Membership.user_id).where(Membership.cohort_id == cohort.id)
    used = db.session.scalar(
        select(func.count(func.distinct(CheckUse.user_id))).where(
            CheckUse.lesson_slug == lesson.slug,
            CheckUse.check_id.in_([check.id for check in lesson.checks]),
            CheckUse.user_id.in_(members),
        )
    )
    total = db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.cohort_id == cohort.id)
    )
    return CheckUsage(used=used or 0, members=total or 0)
