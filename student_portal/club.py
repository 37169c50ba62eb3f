"""Club sessions: a leader takes a cohort through a lesson step by step, with live polls."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from .access import ClubSessionPolicy, CohortPolicy
from .content import Choice, Item, Lesson, Section, Step, shuffled
from .database import FastSelect
from .extensions import db
from .models import (
    LEADER,
    MEMBER,
    READER_OUTSIDE_SESSION,
    RESPONDENTS,
    Attendance,
    ClubSession,
    Cohort,
    EvaluationWindow,
    Membership,
    PollTally,
    PollVoter,
    User,
    utcnow,
)

SESSION_HOURS = 3  # a session left open closes itself after this long
MIN_POLL_ANSWERS = 3  # tallies stay hidden until this many have answered


class SessionError(ValueError):
    """Something about a session that can't be done, with a message for the person.

    Raised with a message id (`_l`): `str(error)` gives it in the reader's language, and in
    English outside a request (the CLI, a test), where there is no reader.
    """

    def __str__(self) -> str:
        if has_request_context():
            return super().__str__()
        with force_locale("en"):
            return super().__str__()


def cutoff() -> datetime:
    return utcnow() - timedelta(hours=SESSION_HOURS)


def is_live(session: ClubSession) -> bool:
    return live_at(session.ended_at, session.started_at)


def live_at(ended: datetime | None, started: datetime) -> bool:
    """The live rule on plain values, for the state endpoint that loads no objects."""
    return ended is None and started >= cutoff()


def _bump(session: ClubSession) -> None:
    """Tell followers something changed. In SQL, so two changes at once can't share a number."""
    session.version = ClubSession.version + 1


def ended_at(session: ClubSession) -> datetime:
    """When the session ended, counting an automatic close after SESSION_HOURS."""
    limit = session.started_at + timedelta(hours=SESSION_HOURS)
    return min(session.ended_at or limit, limit)


# Who may run and who may follow a session: access.CohortPolicy and access.ClubSessionPolicy.


# --- Starting, moving, ending ---------------------------------------------------------------


def live_session(cohort: Cohort) -> ClubSession | None:
    return db.session.scalar(
        select(ClubSession).where(
            ClubSession.cohort_id == cohort.id,
            ClubSession.ended_at.is_(None),
            ClubSession.started_at >= cutoff(),
        )
    )


def live_sessions_for_member(user: User) -> list[ClubSession]:
    """Live sessions of the user's cohorts, for the "Club session live — join" banner."""
    return list(
        db.session.scalars(
            select(ClubSession)
            .options(joinedload(ClubSession.cohort))
            .where(
                # Leaders run their group's sessions, not follow them.
                ClubSessionPolicy.follow_filter(user, roles=(MEMBER,)),
                ClubSession.ended_at.is_(None),
                ClubSession.started_at >= cutoff(),
            )
        )
    )


@dataclass(frozen=True)
class BannerCohort:
    id: int
    name: str


@dataclass(frozen=True)
class BannerSession:
    """A live session of one of the student's cohorts, as the banner shows it."""

    id: int
    cohort: BannerCohort


@dataclass(frozen=True)
class ClubBanner:
    """What every signed-in student's page shows of club sessions: the live ones to join, and
    whether the student leads a group (the "Lead" link)."""

    live_sessions: tuple[BannerSession, ...]
    leads_a_group: bool
    # (session id, version) of each live session: what a follower's state.json answers with
    # (read with the user, so its poll costs no second query). Not part of what the banner
    # shows, so not compared: kept pages stay kept as the session moves on.
    versions: tuple[tuple[int, int], ...] = field(default=(), compare=False)
    # Whether one of the student's cohorts has a before-and-after check open (read with the
    # user too: the lesson list offers it; most of the year none is, and then it asks nothing).
    evaluation_open: bool = field(default=False, compare=False)


_USER_COLUMNS = tuple(User.__table__.columns)
_USER_KEYS = tuple(User.__mapper__.get_property_by_column(c).key for c in _USER_COLUMNS)


def _user_with_banner_query():
    """The user's columns, then one row per membership with its cohort's unfinished session
    (the partial index on live sessions finds it) and whether its cohort has a check open."""
    return (
        select(
            *_USER_COLUMNS,
            Membership.role,
            ClubSession.id,
            ClubSession.started_at,
            Cohort.id,
            Cohort.name,
            ClubSession.version,
            exists()
            .where(
                EvaluationWindow.cohort_id == Membership.cohort_id,
                EvaluationWindow.closed_at.is_(None),
            )
            .label("evaluation_open"),
        )
        .select_from(User)
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(
            ClubSession,
            # Leaders run their group's sessions, not follow them.
            (ClubSession.cohort_id == Membership.cohort_id)
            & ClubSession.ended_at.is_(None)
            & (Membership.role == MEMBER),
        )
        .outerjoin(Cohort, Cohort.id == ClubSession.cohort_id)
        .where(User.id == bindparam("user_id"))
    )


_USER_WITH_BANNER = FastSelect(_user_with_banner_query)


def user_with_banner(user_id: int) -> tuple[User | None, ClubBanner]:
    """The user and their club banner in one read, on every signed-in page.

    It runs on the driver (database.FastSelect: a tenth of the ORM's cost), and the User is
    built from the row as if the ORM had loaded it; it joins the session when a view changes
    it, so the change is committed (models.READER_OUTSIDE_SESSION). Already in the session
    (loaded earlier in this request), that instance is used.
    """
    rows = _USER_WITH_BANNER.rows(user_id=user_id)
    if not rows:
        return None, ClubBanner((), False)
    since = cutoff()
    width = len(_USER_COLUMNS)
    live_rows = [row for row in rows if row[width + 1] is not None and row[width + 2] >= since]
    banner = ClubBanner(
        tuple(
            BannerSession(row[width + 1], BannerCohort(row[width + 3], row[width + 4]))
            for row in live_rows
        ),
        any(row[width] == LEADER for row in rows),
        tuple((row[width + 1], row[width + 5]) for row in live_rows),
        any(row[width + 6] for row in rows),
    )
    # Only a session this request already made can hold the user (making one costs more).
    user = None
    if db.session.registry.has():
        user = db.session().identity_map.get(identity_key(User, user_id))
    if user is None:
        # As the ORM's loader does: a new instance whose attributes are the row, then "loaded".
        # It joins the session only when something changes it (models.User's set events):
        # most pages only read it, and joining cost more than the read.
        user = User.__mapper__.class_manager.new_instance()
        user.__dict__.update(zip(_USER_KEYS, rows[0][:width], strict=True))
        make_transient_to_detached(user)
        user.__dict__[READER_OUTSIDE_SESSION] = True
    return user, banner


def club_banner(user: User) -> ClubBanner:
    """The banner read with the user (access.load_user), or read now: one query either way."""
    banner = getattr(user, "club_banner", None)
    if banner is None:
        _, banner = user_with_banner(user.id)
        user.club_banner = banner
    return banner


def start_session(
    cohort: Cohort, leader: User, lesson: Lesson, supervising_adult: str | None = None
) -> ClubSession:
    """A new live session; `supervising_adult` is the trained adult the leader confirmed."""
    # Sessions left open past SESSION_HOURS are closed now, so they don't block a new one.
    for stale in db.session.scalars(
        select(ClubSession).where(
            ClubSession.cohort_id == cohort.id,
            ClubSession.ended_at.is_(None),
            ClubSession.started_at < cutoff(),
        )
    ):
        stale.ended_at = ended_at(stale)
        _end_poll(stale)
    db.session.flush()
    if live_session(cohort) is not None:
        db.session.rollback()
        raise SessionError(_l("A session is already live for this group. Join it or end it first."))
    session = ClubSession(
        cohort_id=cohort.id,
        leader_id=leader.id,
        lesson_slug=lesson.slug,
        supervising_adult=supervising_adult,
    )
    db.session.add(session)
    try:
        db.session.commit()
    except IntegrityError as error:  # two leaders pressed Start at the same moment
        db.session.rollback()
        raise SessionError(_l("A session is already live for this group.")) from error
    return session


def step_count(lesson: Lesson) -> int:
    """Steps of a session: 0 is "before you start", then one per lesson section."""
    return len(lesson.sections) + 1


def stage(session: ClubSession, lesson: Lesson) -> tuple[int, Section | None, PollQuestion | None]:
    """Where a session is: the step number, its lesson section (None before the first), the poll."""
    step = min(session.current_step, step_count(lesson) - 1)
    section = lesson.sections[step - 1] if step > 0 else None
    return step, section, current_poll(session, lesson)


def move_to(session: ClubSession, lesson: Lesson, step: int) -> None:
    session.current_step = max(0, min(step, step_count(lesson) - 1))
    closed = _end_poll(session)  # a new step closes the poll
    _bump(session)
    db.session.commit()
    if closed:
        forget_deleted_rows()


def end_session(session: ClubSession) -> None:
    session.ended_at = utcnow()
    closed = _end_poll(session)
    _bump(session)
    db.session.commit()
    if closed:
        forget_deleted_rows()


# --- Attendance -----------------------------------------------------------------------------


def join(session: ClubSession, user: User) -> None:
    """Record attendance once, however often the student joins. Those who run it don't join."""
    if CohortPolicy.can_lead(user, session.cohort):
        raise SessionError(_l("You run this session, so you don't join it as a student."))
    exists = db.session.scalar(
        select(Attendance.id).where(
            Attendance.session_id == session.id, Attendance.user_id == user.id
        )
    )
    if exists:
        return
    db.session.add(Attendance(session_id=session.id, user_id=user.id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def has_joined(session: ClubSession, user: User) -> bool:
    return (
        db.session.scalar(
            select(Attendance.id).where(
                Attendance.session_id == session.id, Attendance.user_id == user.id
            )
        )
        is not None
    )


def attendees(session: ClubSession) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Attendance, Attendance.user_id == User.id)
            .where(Attendance.session_id == session.id)
            .order_by(func.lower(func.coalesce(User.display_name, User.username)))
        )
    )


# --- Polls ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollQuestion:
    """A quiz item, or one step of a scenario, asked as a poll."""

    item: Item
    step: Step | None
    # Seeds the order of the choices: one order per poll, so "the second option" means the
    # same thing on every follower's screen and on the projector.
    order_seed: str = ""

    @property
    def key(self) -> str:
        return f"{self.item.id}/{self.step.id}" if self.step else self.item.id

    @property
    def choices(self) -> tuple[Choice, ...]:
        authored = self.step.choices if self.step else self.item.choices
        return shuffled(authored, self.order_seed, self.key) if self.order_seed else authored

    @property
    def multiple(self) -> bool:
        """More than one choice may be picked: a multiple item, or a spot item's chat lines."""
        return self.item.type in ("multiple", "spot")

    def is_good(self, choice: Choice) -> bool:
        return choice.safe if self.step else choice.correct


def poll_questions(lesson: Lesson) -> list[PollQuestion]:
    questions = []
    for item in lesson.quiz.items:
        if item.type == "scenario":
            questions += [PollQuestion(item, step) for step in item.steps]
        else:
            questions.append(PollQuestion(item, None))
    return questions


def find_poll_question(lesson: Lesson, key: str) -> PollQuestion | None:
    return next((q for q in poll_questions(lesson) if q.key == key), None)


def open_poll(session: ClubSession, question: PollQuestion) -> None:
    """Ask a question: its counters start at zero, one per choice and one for respondents."""
    was_open = _end_poll(session)
    session.poll_number += 1
    session.poll_item_id = question.item.id
    session.poll_step_id = question.step.id if question.step else None
    session.poll_revealed = False
    _bump(session)
    db.session.add_all(
        PollTally(
            session_id=session.id,
            poll_number=session.poll_number,
            item_id=question.item.id,
            step_id=question.step.id if question.step else None,
            choice_id=choice_id,
        )
        for choice_id in [RESPONDENTS, *(choice.id for choice in question.choices)]
    )
    db.session.commit()
    if was_open:
        forget_deleted_rows()


def reveal_poll(session: ClubSession) -> None:
    if session.poll_item_id is not None and not session.poll_revealed:
        session.poll_revealed = True
        _bump(session)
        db.session.commit()


def close_poll(session: ClubSession) -> None:
    if _end_poll(session):
        _bump(session)
        db.session.commit()
        forget_deleted_rows()


def _end_poll(session: ClubSession) -> bool:
    """Close the open poll: its counts all show, and the list of who answered is deleted.

    The counters never held a voter, so once the "has voted" rows are gone nothing on the
    server says who answered, let alone what. True if a poll was open: then call
    `forget_deleted_rows()` after the commit.
    """
    if session.poll_item_id is None:
        return False
    session.poll_item_id = session.poll_step_id = None
    where = (PollTally.session_id == session.id, PollTally.poll_number == session.poll_number)
    db.session.execute(update(PollTally).where(*where).values(shown=PollTally.count))
    db.session.execute(delete(PollVoter).where(PollVoter.session_id == session.id))
    return True


def forget_deleted_rows() -> None:
    """On SQLite, empty the write-ahead log into the database file, so deleted rows are gone.

    Connections zero deleted content (`secure_delete`, see database.py), but the WAL still holds
    earlier copies of each page until a checkpoint; truncating it leaves no old "has voted" row
    on disk. Best effort: if readers keep the log busy past the timeout, it is retried at the
    next close. PostgreSQL keeps old row versions until VACUUM; nothing here can reach them.
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    connection = engine.raw_connection()
    try:
        connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        connection.close()


def current_poll(session: ClubSession, lesson: Lesson) -> PollQuestion | None:
    if session.poll_item_id is None:
        return None
    key = session.poll_item_id + (f"/{session.poll_step_id}" if session.poll_step_id else "")
    question = find_poll_question(lesson, key)
    if question is None:
        return None
    return replace(question, order_seed=f"club-session-{session.id}-poll-{session.poll_number}")


def voter_key(session: ClubSession, user: User) -> str:
    """A keyed hash: the same for one student in one poll, and reveals nothing about who."""
    message = f"{session.id}:{session.poll_number}:{user.id}".encode()
    key = current_app.config["SECRET_KEY"].encode()
    return "h:" + hmac.new(key, message, hashlib.sha256).hexdigest()[:60]


def has_voted(session: ClubSession, user: User) -> bool:
    return (
        db.session.scalar(
            select(PollVoter.id).where(
                PollVoter.session_id == session.id,
                PollVoter.poll_number == session.poll_number,
                PollVoter.voter == voter_key(session, user),
            )
        )
        is not None
    )


def vote(
    session: ClubSession,
    question: PollQuestion,
    user: User,
    choice_ids: Sequence[str],
    poll_number: int | None,
) -> None:
    """Count a student's answer to the open poll; one answer per student per poll.

    `poll_number` comes from the form, so an answer meant for an earlier poll is refused rather
    than counted in the new one. Only students who joined answer; runners don't (a leader who
    knows their own answer would make small tallies easy to read).

    One transaction: the "has voted" row, then the respondents counter (which queues voters of
    the same poll one behind the other on PostgreSQL too), then the chosen choices' counters.
    """
    if poll_number != session.poll_number or session.poll_revealed:
        raise SessionError(_l("That poll has moved on. Here is the current one."))
    if CohortPolicy.can_lead(user, session.cohort):
        raise SessionError(_l("Leaders don't answer their own polls."))
    if not has_joined(session, user):
        raise SessionError(_l("Join the session to answer its polls."))
    valid = {choice.id for choice in question.choices}
    chosen = list(dict.fromkeys(choice_ids))
    if not chosen or any(choice_id not in valid for choice_id in chosen):
        raise SessionError(_l("Choose an answer to send."))
    if not question.multiple and len(chosen) != 1:
        raise SessionError(_l("Choose one answer."))
    if has_voted(session, user):
        raise SessionError(_l("You already answered this poll."))
    number = session.poll_number
    voter = PollVoter(session_id=session.id, poll_number=number, voter=voter_key(session, user))
    db.session.add(voter)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise SessionError(_l("You already answered this poll.")) from error
    this_poll = (PollTally.session_id == session.id, PollTally.poll_number == number)
    still_open = exists().where(
        ClubSession.id == session.id,
        ClubSession.poll_number == number,
        ClubSession.poll_item_id.is_not(None),
        ClubSession.poll_revealed.is_(False),
    )
    respondents = db.session.scalar(
        update(PollTally)
        .where(*this_poll, PollTally.choice_id == RESPONDENTS, still_open)
        .values(count=PollTally.count + 1)
        .returning(PollTally.count)
    )
    if respondents is None:  # the poll closed or moved on since the checks above
        db.session.rollback()
        raise SessionError(_l("That poll has moved on. Here is the current one."))
    db.session.execute(
        update(PollTally)
        .where(*this_poll, PollTally.choice_id.in_(chosen))
        .values(count=PollTally.count + 1)
    )
    if respondents % MIN_POLL_ANSWERS == 0:  # the leader's counts move on by a whole step
        db.session.execute(update(PollTally).where(*this_poll).values(shown=PollTally.count))
    db.session.commit()


@dataclass(frozen=True)
class Tally:
    question: PollQuestion
    respondents: int
    counts: tuple[tuple[Choice, int], ...]
    counted: int | None = None  # answers the counts include (all of them once the poll is over)

    @property
    def visible(self) -> bool:
        return self.respondents >= MIN_POLL_ANSWERS

    @property
    def shown(self) -> int:
        return self.respondents if self.counted is None else self.counted

    @property
    def by_choice(self) -> dict[str, int]:
        """The counts by choice id (a spot item's chat shows one per message)."""
        return {choice.id: count for choice, count in self.counts}


def tally(session: ClubSession, question: PollQuestion) -> Tally:
    """Counts per choice for the open poll (one query); never who chose what.

    While the poll is open, counts move in steps of MIN_POLL_ANSWERS answers (the first 3, then
    the first 6, ...), so a leader watching the room can't tell what the latest person chose.
    """
    rows = db.session.execute(
        select(PollTally.choice_id, PollTally.count, PollTally.shown).where(
            PollTally.session_id == session.id, PollTally.poll_number == session.poll_number
        )
    ).all()
    shown = {choice_id: shown for choice_id, _count, shown in rows}
    respondents = next((count for choice_id, count, _ in rows if choice_id == RESPONDENTS), 0)
    return Tally(
        question,
        respondents,
        tuple((c, shown.get(c.id, 0)) for c in question.choices),
        shown.get(RESPONDENTS, 0),
    )


def past_polls(session: ClubSession, lesson: Lesson) -> list[Tally]:
    """Every answered poll of a session with its counts (one query), for the summary."""
    rows = db.session.execute(
        select(
            PollTally.poll_number,
            PollTally.item_id,
            PollTally.step_id,
            PollTally.choice_id,
            PollTally.count,
        )
        .where(PollTally.session_id == session.id)
        .order_by(PollTally.poll_number)
    ).all()
    polls: dict[int, tuple[str, dict[str, int]]] = {}
    for number, item_id, step_id, choice_id, count in rows:
        key = item_id + (f"/{step_id}" if step_id else "")
        polls.setdefault(number, (key, {}))[1][choice_id] = count
    tallies = []
    for key, counts in polls.values():
        question = find_poll_question(lesson, key)
        if question is not None and counts.get(RESPONDENTS):
            tallies.append(
                Tally(
                    question,
                    counts[RESPONDENTS],
                    tuple((c, counts.get(c.id, 0)) for c in question.choices),
                )
            )
    return tallies


# --- History --------------------------------------------------------------------------------


def sessions_of_cohort(cohort: Cohort) -> list[tuple[ClubSession, int]]:
    """The cohort's sessions, newest first, with attendance counts (one query)."""
    rows = db.session.execute(
        select(ClubSession, func.count(Attendance.id))
        .outerjoin(Attendance, Attendance.session_id == ClubSession.id)
        .where(ClubSession.cohort_id == cohort.id)
        .group_by(ClubSession.id)
        .order_by(ClubSession.started_at.desc(), ClubSession.id.desc())
    )
    return [(session, count) for session, count in rows]


def attendance_count(session: ClubSession) -> int:
    return db.session.scalar(
        select(func.count(Attendance.id)).where(Attendance.session_id == session.id)
    )
