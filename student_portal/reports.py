"""Aggregates for teacher pages: a fixed number of GROUP BY queries, whatever the cohort size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from .content import Lesson
from .extensions import db
from .models import Cohort, LessonProgress, Membership, QuizAttempt, User


@dataclass(frozen=True)
class RosterRow:
    user: User
    role: str
    joined_at: datetime
    lessons_completed: int
    quizzes_passed: int


def roster(cohort: Cohort, lessons: Sequence[Lesson]) -> list[RosterRow]:
    """Members with their lesson and quiz counts: three queries for any cohort size."""
    slugs = [lesson.slug for lesson in lessons]
    member_ids = select(Membership.user_id).where(Membership.cohort_id == cohort.id)
    completed = dict(
        db.session.execute(
            select(LessonProgress.user_id, func.count(LessonProgress.id))
            .where(
                LessonProgress.user_id.in_(member_ids),
                LessonProgress.lesson_slug.in_(slugs),
                LessonProgress.completed_at.is_not(None),
            )
            .group_by(LessonProgress.user_id)
        ).all()
    )
    passed = dict(
        db.session.execute(
            select(QuizAttempt.user_id, func.count(func.distinct(QuizAttempt.lesson_slug)))
            .where(
                QuizAttempt.user_id.in_(member_ids),
                QuizAttempt.lesson_slug.in_(slugs),
                QuizAttempt.passed.is_(True),
            )
            .group_by(QuizAttempt.user_id)
        ).all()
    )
    rows = db.session.execute(
        select(User, Membership.role, Membership.joined_at)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id)
        .order_by(Membership.role, func.lower(func.coalesce(User.display_name, User.username)))
    )
    return [
        RosterRow(
            user=user,
            role=role,
            joined_at=joined_at,
            lessons_completed=completed.get(user.id, 0),
            quizzes_passed=passed.get(user.id, 0),
        )
        for user, role, joined_at in rows
    ]
