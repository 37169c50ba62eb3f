"""Database models. Lessons live in files; rows refer to them by slug and quiz version."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint, event, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .passwords import hash_password, verify_password
from .standing import install as install_standing_triggers

USERNAME_MAX = 32
DISPLAY_NAME_MAX = 40
COHORT_NAME_MAX = 80
SLUG_MAX = 80
ITEM_ID_MAX = 64

STUDENT, TEACHER, ADMIN = "student", "teacher", "admin"
MEMBER, LEADER = "student", "leader"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # stored naive, always UTC


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(DISPLAY_NAME_MAX))
    email: Mapped[str | None] = mapped_column(String(254))  # staff only, never asked of students
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=STUDENT)
    locale: Mapped[str | None] = mapped_column(String(8))  # the language they chose, if any
    # Part of the session id: changing it signs out every existing session of this user.
    session_version: Mapped[int] = mapped_column(default=1)
    # A deactivated account can't sign in, and its open sessions end (see access.load_user).
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last day the user signed in or did something (a day's precision: written once a day);
    # `flask purge` removes students whose last activity is older than the retention period.
    last_seen_at: Mapped[datetime | None] = mapped_column(index=True)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_staff(self) -> bool:
        return self.role in (TEACHER, ADMIN)

    @property
    def is_student(self) -> bool:
        return self.role == STUDENT

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def end_all_sessions(self) -> None:
        self.session_version += 1


class Cohort(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(COHORT_NAME_MAX))
    grade_band: Mapped[str] = mapped_column(String(8))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    join_open: Mapped[bool] = mapped_column(default=True)
    # Where the cohort meets (an IANA name like "America/Chicago"): times are shown in it.
    timezone: Mapped[str | None] = mapped_column(String(64))
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # One more for every write the progress grid shows, kept by the database's triggers
    # (student_portal/standing.py): a rendered grid page is served again while it is unchanged.
    grid_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    owner: Mapped[User] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )


class Membership(db.Model):
    __table_args__ = (UniqueConstraint("user_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=MEMBER)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A family opted this student out of the anonymous before-and-after check: never asked.
    evaluation_opt_out: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # The student's standing over their lessons, for the grid's sorting, filters and counts:
    # kept by the database's triggers from lesson_progress (student_portal/standing.py).
    lessons_started: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    lessons_done: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    quizzes_passed: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    lessons_struggling: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    last_active_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="memberships")
    cohort: Mapped[Cohort] = relationship(back_populates="memberships")


class LessonProgress(db.Model):
    """One student's standing in one lesson: the reading, and a running summary of their quiz
    attempts (kept by quizzes.py in the transaction that stores each attempt), so the grid
    reads one row per student and lesson instead of grouping every attempt."""

    __table_args__ = (
        UniqueConstraint("user_id", "lesson_slug"),
        # Covers the grid's per-student reads: answered from the index alone.
        Index(
            "ix_lesson_progress_standing",
            "user_id",
            "lesson_slug",
            "started_at",
            "completed_at",
            "attempts",
            "quiz_passed",
            "best_fraction",
            "last_attempt_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    # The part (1-based `##` section) the student last opened in the lesson player.
    part: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    # The quiz attempts so far: how many, whether one passed, the best score / max score.
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    quiz_passed: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    best_fraction: Mapped[float | None] = mapped_column(Float)
    last_attempt_at: Mapped[datetime | None]


class GridTally(db.Model):
    """How many of a cohort's members are in each state of a lesson: its best score (-1: no
    attempt), read or not, passed or not. Kept by triggers (student_portal/standing.py); the
    grid's summary row and medians are read from it."""

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_MAX), primary_key=True)
    best: Mapped[float] = mapped_column(Float, primary_key=True)
    done: Mapped[bool] = mapped_column(primary_key=True)
    passed: Mapped[bool] = mapped_column(primary_key=True)
    students: Mapped[int] = mapped_column(default=0)


class GridHour(db.Model):
    """How many lessons a cohort's members finished reading in each UTC hour (the start of the
    hour), for the grid's chart. Kept by triggers (student_portal/standing.py)."""

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    completions: Mapped[int] = mapped_column(default=0)


class CheckUse(db.Model):
    """That a student answered a lesson's "check yourself" question: never what they chose.

    Answers to checks are not attempts and are not stored; teachers see only how many students
    used them.
    """

    __table_args__ = (UniqueConstraint("user_id", "lesson_slug", "check_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    check_id: Mapped[str] = mapped_column(String(ITEM_ID_MAX))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuizAttempt(db.Model):
    # Covers the dashboards' per-student, per-lesson aggregates: read from the index alone.
    __table_args__ = (
        Index(
            "ix_quiz_attempt_user_lesson",
            "user_id",
            "lesson_slug",
            "passed",
            "score",
            "max_score",
            "submitted_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    quiz_version: Mapped[str] = mapped_column(String(32))
    score: Mapped[int]
    max_score: Mapped[int]
    passed: Mapped[bool]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    language: Mapped[str] = mapped_column(String(8), default="en")  # the quiz's language
    # One per quiz form: a double click or a browser retry finds the attempt already stored.
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True)

    answers: Mapped[list[QuizAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="QuizAnswer.id"
    )
    item_results: Mapped[list[QuizItemResult]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="QuizItemResult.id"
    )


class QuizItemResult(db.Model):
    """The score of one item in one attempt: what dashboards count as right or missed."""

    __table_args__ = (UniqueConstraint("attempt_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(ITEM_ID_MAX))
    score: Mapped[int]
    points: Mapped[int]

    attempt: Mapped[QuizAttempt] = relationship(back_populates="item_results")


class QuizAnswer(db.Model):
    """One choice made: a selected option, or one decision along a scenario's path."""

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempt.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(ITEM_ID_MAX))
    step_id: Mapped[str | None] = mapped_column(String(ITEM_ID_MAX))
    choice_id: Mapped[str] = mapped_column(String(ITEM_ID_MAX))
    position: Mapped[int] = mapped_column(default=0)
    correct: Mapped[bool]

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


class QuizDraft(db.Model):
    """The answers so far of a quiz being taken: one per student and lesson, kept on the server.

    Each answer is stored as it is given, so going back in the browser cannot undo a scenario
    decision whose feedback was already shown, and a student who leaves finds their place again.
    Submitting the last answer turns the draft into a QuizAttempt under the same key.
    """

    __table_args__ = (UniqueConstraint("user_id", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    quiz_version: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(36), unique=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # item id -> [choice ids]
    # The scenario decision just made, to show its feedback: {"item", "step", "choice"}.
    last_decision: Mapped[dict | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


HELP_MESSAGE_MAX = 500
SENT, SEEN, CLOSED = "sent", "seen", "closed"
IN_PERSON, NOT_FAMILY, NO_PREFERENCE = "in-person", "not-family", "no-preference"
CONTACT_PREFERENCES = {
    IN_PERSON: _l("Talk to me in private at school"),
    NOT_FAMILY: _l("Talk to me at school, and please don't contact my family about this"),
    NO_PREFERENCE: _l("Any way is fine"),
}


class HelpRequest(db.Model):
    """A student's private "I need to talk to someone" to the teacher of one of their cohorts."""

    __table_args__ = (Index("ix_help_request_teacher_status", "teacher_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    message: Mapped[str | None] = mapped_column(String(HELP_MESSAGE_MAX))
    contact_preference: Mapped[str] = mapped_column(String(16), default=NO_PREFERENCE)
    status: Mapped[str] = mapped_column(String(8), default=SENT)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    student: Mapped[User] = relationship(foreign_keys=[student_id])
    cohort: Mapped[Cohort] = relationship()


SUPERVISOR_MAX = 80


class ClubSession(db.Model):
    """A club session a leader (or the teacher) runs for a cohort, one lesson step at a time."""

    __table_args__ = (
        # One live session per cohort.
        Index(
            "uq_club_session_live_cohort",
            "cohort_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lesson_slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    current_step: Mapped[int] = mapped_column(default=0)  # 0: before you start; n: section n
    # Bumped on every change followers must see; their polling compares it.
    version: Mapped[int] = mapped_column(default=1)
    poll_number: Mapped[int] = mapped_column(default=0)  # the latest poll; responses carry it
    poll_item_id: Mapped[str | None] = mapped_column(String(ITEM_ID_MAX))  # None: no poll open
    poll_step_id: Mapped[str | None] = mapped_column(String(ITEM_ID_MAX))
    poll_revealed: Mapped[bool] = mapped_column(default=False)
    # The trained adult the leader confirmed was in the room when the session started.
    supervising_adult: Mapped[str | None] = mapped_column(String(SUPERVISOR_MAX))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    cohort: Mapped[Cohort] = relationship()
    leader: Mapped[User] = relationship()


class Attendance(db.Model):
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("club_session.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class PollTally(db.Model):
    """How many students chose one choice of one poll: a counter, never who chose it.

    One row per choice, plus one row whose `choice_id` is RESPONDENTS that counts the students
    who answered. `count` is every answer so far; `shown` is what the leader sees while the poll
    is open (the counts at the last multiple of three answers), and all of them once it closes.
    """

    __table_args__ = (UniqueConstraint("session_id", "poll_number", "choice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint's first column serves lookups by session, so no separate index.
    session_id: Mapped[int] = mapped_column(ForeignKey("club_session.id", ondelete="CASCADE"))
    poll_number: Mapped[int]
    item_id: Mapped[str] = mapped_column(String(ITEM_ID_MAX))
    step_id: Mapped[str | None] = mapped_column(String(ITEM_ID_MAX))
    choice_id: Mapped[str] = mapped_column(String(ITEM_ID_MAX))
    count: Mapped[int] = mapped_column(default=0)
    shown: Mapped[int] = mapped_column(default=0)


RESPONDENTS = "*"  # the PollTally row counting students who answered (no choice id has a "*")


class PollVoter(db.Model):
    """Who has answered the open poll, as a keyed hash, and nothing about what they chose.

    Written in the same transaction as the PollTally counters it bumps, and deleted when the
    poll closes: no row ever holds a voter next to a choice.
    """

    __table_args__ = (UniqueConstraint("session_id", "poll_number", "voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint's first column serves lookups by session, so no separate index.
    session_id: Mapped[int] = mapped_column(ForeignKey("club_session.id", ondelete="CASCADE"))
    poll_number: Mapped[int]
    voter: Mapped[str] = mapped_column(String(64))


PRE, POST = "pre", "post"


class EvaluationWindow(db.Model):
    """A cohort's period of anonymous before-and-after checks.

    While open, `secret` keys the respondent hashes that match a student's two checks and stop a
    second one. Closing destroys it (NULL) and swaps every hash for a random pairing token.
    """

    __table_args__ = (
        # One open window per cohort.
        Index(
            "uq_evaluation_window_open_cohort",
            "cohort_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    secret: Mapped[str | None] = mapped_column(String(64))  # NULL once closed
    post_open: Mapped[bool] = mapped_column(default=False)  # teacher opened the after-check
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    cohort: Mapped[Cohort] = relationship()


class SurveyResponse(db.Model):
    """One check handed in. No user id and no time: `respondent_key` is HMAC(window secret,
    user id) while the window is open ("h:…"), a random token shared by one respondent's two
    checks once it is closed ("r:…")."""

    __table_args__ = (UniqueConstraint("window_id", "phase", "respondent_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint's index, (window_id, phase, respondent_key), serves lookups by window.
    window_id: Mapped[int] = mapped_column(ForeignKey("evaluation_window.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(4))  # "pre" or "post"
    respondent_key: Mapped[str] = mapped_column(String(66))
    survey_version: Mapped[str] = mapped_column(String(32))
    score: Mapped[int]  # knowledge items answered correctly (skipped and "not sure" count 0)
    max_score: Mapped[int]

    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class SurveyAnswer(db.Model):
    """One answered item: a knowledge choice (with whether it was right) or a 1-5 agreement."""

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(ITEM_ID_MAX))
    choice_id: Mapped[str | None] = mapped_column(String(ITEM_ID_MAX))
    correct: Mapped[bool | None]
    value: Mapped[int | None]  # confidence items: 1 strongly disagree … 5 strongly agree

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")


# The signed-in user is loaded for each request outside the ORM session (club.user_with_banner);
# this flag marks it, and the first change to any of its columns puts it in the session, so
# the change is saved on commit like any loaded object's.
READER_OUTSIDE_SESSION = "_reader_outside_session"


def _join_session_before_a_change(target, value, oldvalue, initiator):
    if target.__dict__.pop(READER_OUTSIDE_SESSION, False):
        db.session.add(target)
    return value


for _column in User.__table__.columns:
    event.listen(getattr(User, _column.key), "set", _join_session_before_a_change, retval=True)


install_standing_triggers(db.metadata)
