"""Private "I need to talk to someone" requests from a student to a teacher of their cohort."""

from __future__ import annotations

from sqlalchemy import case, func, select

from .extensions import db
from .models import CLOSED, SEEN, SENT, Cohort, HelpRequest, Membership, User, utcnow

MAX_OPEN_REQUESTS = 3


class RequestLimitReached(ValueError):
    """The student already has as many open requests as allowed."""


def cohorts_to_ask(student: User) -> list[Cohort]:
    """The cohorts whose teacher the student can ask, with the teacher loaded."""
    return list(
        db.session.scalars(
            select(Cohort)
            .join(Membership, Membership.cohort_id == Cohort.id)
            .where(Membership.user_id == student.id, Cohort.archived.is_(False))
            .order_by(Cohort.name)
        )
    )


def open_request_count(student: User) -> int:
    return db.session.scalar(
        select(func.count(HelpRequest.id)).where(
            HelpRequest.student_id == student.id, HelpRequest.status != CLOSED
        )
    )


def send_request(
    student: User, cohort: Cohort, message: str | None, contact_preference: str
) -> HelpRequest:
    """Store a request for the cohort's teacher; refuses past MAX_OPEN_REQUESTS open ones."""
    if open_request_count(student) >= MAX_OPEN_REQUESTS:
        raise RequestLimitReached()
    request = HelpRequest(
        student_id=student.id,
        cohort_id=cohort.id,
        teacher_id=cohort.owner_id,
        message=message or None,
        contact_preference=contact_preference,
    )
    db.session.add(request)
    db.session.commit()
    return request


def requests_of_student(student: User) -> list[HelpRequest]:
    return list(
        db.session.scalars(
            select(HelpRequest)
            .where(HelpRequest.student_id == student.id)
            .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
        )
    )


def inbox(teacher: User) -> list[HelpRequest]:
    """The teacher's requests: new first, then seen, then closed; oldest first within each."""
    status_order = case({SENT: 0, SEEN: 1}, value=HelpRequest.status, else_=2)
    return list(
        db.session.scalars(
            select(HelpRequest)
            .where(HelpRequest.teacher_id == teacher.id)
            .order_by(status_order, HelpRequest.created_at, HelpRequest.id)
        )
    )


def request_for_teacher(teacher: User, request_id: int) -> HelpRequest | None:
    """A request addressed to this teacher, or None."""
    request = db.session.get(HelpRequest, request_id)
    return request if request is not None and request.teacher_id == teacher.id else None


def mark_seen(request: HelpRequest) -> None:
    if request.status == SENT:
        request.status = SEEN
        request.seen_at = utcnow()
        db.session.commit()


def close(request: HelpRequest) -> None:
    if request.status != CLOSED:
        request.seen_at = request.seen_at or utcnow()
        request.status = CLOSED
        request.closed_at = utcnow()
        db.session.commit()
