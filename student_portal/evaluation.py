"""Anonymous before-and-after checks: evaluation windows, responses, and their aggregate report.

Anonymous yet matched. While a cohort's window is open, a response carries
`respondent_key = HMAC(window secret, user id)`: it matches one student's two checks and stops a
second submission, and no response row holds a user id or a time. Closing the window destroys
the secret and rewrites every response with a random pairing token (the same for one
respondent's two checks), in a shuffled order under new ids. After that nobody, not a teacher
and not an admin holding the database and the app's secret key, can link a response to a
student. On SQLite the old values are also wiped from the file (`secure_delete`) and the
write-ahead log is emptied (`wal_checkpoint(TRUNCATE)`).

Reports read closed windows only, so a teacher can't watch figures move as each student hands
in. Any figure resting on fewer than `MIN_GROUP` students is suppressed, with complementary
suppression in breakdowns (see `_suppress`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, true
from sqlalchemy.exc import IntegrityError

from .club import club_banner
from .content.survey import AGREE_SCALE, Survey
from .database import begin_write
from .extensions import db
from .models import (
    POST,
    PRE,
    STUDENT,
    Cohort,
    EvaluationWindow,
    LessonProgress,
    Membership,
    SurveyAnswer,
    SurveyResponse,
    User,
    utcnow,
)

MIN_GROUP = 10  # fewer students than this: a figure is not shown
PHASES = (PRE, POST)
PHASE_NAMES = {PRE: _l("before the course"), POST: _l("after the course")}
SUPPRESSED_TEXT = _l("fewer than 10 students — not shown to protect privacy")


class EvaluationError(Exception):
    """Something a teacher asked that can't be done now; the message (a message id, `_l`) says
    why, kindly, in the reader's language once shown with `str()`."""


def current_survey() -> Survey | None:
    """The running app's survey (`lessons/evaluation.toml`), or None when there is none."""
    return current_app.extensions.get("survey")


# --- windows ------------------------------------------------------------------------------------


def open_window_of(cohort_id: int) -> EvaluationWindow | None:
    return db.session.scalar(
        select(EvaluationWindow).where(
            EvaluationWindow.cohort_id == cohort_id, EvaluationWindow.closed_at.is_(None)
        )
    )


def closed_windows_of(cohort_id: int) -> list[EvaluationWindow]:
    return list(
        db.session.scalars(
            select(EvaluationWindow)
            .where(EvaluationWindow.cohort_id == cohort_id, EvaluationWindow.closed_at.is_not(None))
            .order_by(EvaluationWindow.opened_at.desc())
        )
    )


def open_window(cohort: Cohort) -> EvaluationWindow:
    """Start a window for a cohort: students are invited to the before-course check."""
    begin_write()
    if open_window_of(cohort.id) is not None:
        raise EvaluationError(_l("This cohort already has an open check."))
    window = EvaluationWindow(cohort_id=cohort.id, secret=secrets.token_hex(32))
    db.session.add(window)
    try:
        db.session.commit()
    except IntegrityError as error:  # two clicks at once: the unique index keeps one
        db.session.rollback()
        raise EvaluationError(_l("This cohort already has an open check.")) from error
    return window


def open_post_check(window: EvaluationWindow) -> None:
    """Offer the after-course check to every student now, finished or not."""
    begin_write()
    window.post_open = True
    db.session.commit()


def live_counts(window: EvaluationWindow) -> dict[str, int]:
    """How many took each check (never who): one query."""
    rows = db.session.execute(
        select(SurveyResponse.phase, func.count())
        .where(SurveyResponse.window_id == window.id)
        .group_by(SurveyResponse.phase)
    ).all()
    counts = {PRE: 0, POST: 0}
    counts.update(dict(rows))
    return counts


def close_window(window: EvaluationWindow) -> None:
    """End a window for good: destroy its secret and cut every link to a student.

    Each respondent key becomes a random token (one per respondent, so their two checks stay
    matched); the responses and answers are deleted and written again in a shuffled order, so
    neither their ids nor their order in the file say who answered first.
    """
    begin_write()
    window = db.session.scalar(
        select(EvaluationWindow).where(EvaluationWindow.id == window.id).with_for_update()
    )
    if window.closed_at is not None:
        return
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA secure_delete=ON")  # deleted bytes are zeroed
    responses = db.session.execute(
        select(
            SurveyResponse.id,
            SurveyResponse.phase,
            SurveyResponse.respondent_key,
            SurveyResponse.survey_version,
            SurveyResponse.score,
            SurveyResponse.max_score,
        ).where(SurveyResponse.window_id == window.id)
    ).all()
    response_ids = [row.id for row in responses]
    answers_by_response: dict[int, list[dict]] = defaultdict(list)
    for row in db.session.execute(
        select(
            SurveyAnswer.response_id,
            SurveyAnswer.item_id,
            SurveyAnswer.choice_id,
            SurveyAnswer.correct,
            SurveyAnswer.value,
        ).where(SurveyAnswer.response_id.in_(select_response_ids(window.id)))
    ):
        answers_by_response[row.response_id].append(
            {
                "item_id": row.item_id,
                "choice_id": row.choice_id,
                "correct": row.correct,
                "value": row.value,
            }
        )
    if response_ids:
        db.session.execute(
            delete(SurveyAnswer).where(SurveyAnswer.response_id.in_(select_response_ids(window.id)))
        )
        db.session.execute(delete(SurveyResponse).where(SurveyResponse.window_id == window.id))
    tokens: dict[str, str] = {}
    shuffler = random.SystemRandom()
    order = list(responses)
    shuffler.shuffle(order)
    new_rows = [
        {
            "window_id": window.id,
            "phase": row.phase,
            "respondent_key": tokens.setdefault(row.respondent_key, "r:" + secrets.token_hex(16)),
            "survey_version": row.survey_version,
            "score": row.score,
            "max_score": row.max_score,
        }
        for row in order
    ]
    if new_rows:
        new_ids = db.session.scalars(
            insert(SurveyResponse).returning(SurveyResponse.id, sort_by_parameter_order=True),
            new_rows,
        ).all()
        answer_rows = []
        for new_id, row in zip(new_ids, order, strict=True):
            answers = answers_by_response[row.id]
            shuffler.shuffle(answers)
            answer_rows += [{"response_id": new_id, **answer} for answer in answers]
        if answer_rows:
            db.session.execute(insert(SurveyAnswer), answer_rows)
    window.secret = None
    window.closed_at = utcnow()
    db.session.flush()
    if sqlite:
        connection.exec_driver_sql("PRAGMA secure_delete=OFF")
    db.session.commit()
    if sqlite:
        # Old page versions (with the secret and the keys) live on in the WAL file until a
        # checkpoint copies the new pages over them; TRUNCATE then empties the WAL.
        raw = db.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            raw.close()


def select_response_ids(window_id: int):
    return select(SurveyResponse.id).where(SurveyResponse.window_id == window_id)


# --- students -----------------------------------------------------------------------------------


def respondent_key(window: EvaluationWindow, user_id: int) -> str:
    """HMAC(window secret, user id): the same for one student in one window, and useless once
    the secret is gone."""
    digest = hmac.new(bytes.fromhex(window.secret), str(user_id).encode(), hashlib.sha256)
    return "h:" + digest.hexdigest()


@dataclass(frozen=True)
class Invitation:
    window: EvaluationWindow
    cohort: Cohort
    phase: str


def _taken(window: EvaluationWindow, user: User) -> set[str]:
    return set(
        db.session.scalars(
            select(SurveyResponse.phase).where(
                SurveyResponse.window_id == window.id,
                SurveyResponse.respondent_key == respondent_key(window, user.id),
            )
        )
    )


def _lessons_completed(user: User, slugs: Sequence[str]) -> int:
    return db.session.scalar(
        select(func.count()).where(
            LessonProgress.user_id == user.id,
            LessonProgress.completed_at.is_not(None),
            LessonProgress.lesson_slug.in_(slugs),
        )
    )


def offered_phase(
    window: EvaluationWindow, taken: set[str], completed: int, lesson_count: int
) -> str | None:
    """Which check a student is offered: the before-check until they finish a first lesson, the
    after-check once they finish them all (or the teacher opens it), each once."""
    if PRE not in taken and completed == 0 and not window.post_open:
        return PRE
    if POST not in taken and (window.post_open or (lesson_count and completed >= lesson_count)):
        return POST
    return None


def _student_windows(user: User) -> list[tuple[EvaluationWindow, Cohort]]:
    """Open windows of the cohorts this student belongs to and was not opted out of."""
    return list(
        db.session.execute(
            select(EvaluationWindow, Cohort)
            .join(Cohort, Cohort.id == EvaluationWindow.cohort_id)
            .join(Membership, Membership.cohort_id == Cohort.id)
            .where(
                Membership.user_id == user.id,
                Membership.evaluation_opt_out.is_(False),
                EvaluationWindow.closed_at.is_(None),
                Cohort.archived.is_(False),
            )
            .order_by(EvaluationWindow.id)
        ).all()
    )


def invitations(user: User, lesson_slugs: Sequence[str]) -> list[Invitation]:
    """The checks this student is offered now (none to staff, or without a survey)."""
    if user.role != STUDENT or current_survey() is None:
        return []
    # Most of the year no check is open: the user's own read says so (club.user_with_banner).
    if not club_banner(user).evaluation_open:
        return []
    windows = _student_windows(user)
    if not windows:
        return []
    completed = _lessons_completed(user, lesson_slugs)
    found = []
    for window, cohort in windows:
        phase = offered_phase(window, _taken(window, user), completed, len(lesson_slugs))
        if phase is not None:
            found.append(Invitation(window, cohort, phase))
    return found


def window_for_student(user: User, window_id: int) -> tuple[EvaluationWindow, Cohort] | None:
    """The open window if the student may take its checks (a member, not opted out)."""
    for window, cohort in _student_windows(user):
        if window.id == window_id:
            return window, cohort
    return None


SENT, ALREADY, NOT_OFFERED, EMPTY, CLOSED = "sent", "already", "not-offered", "empty", "closed"


def parse_answers(survey: Survey, form: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The answers given (item id → choice id or "1".."5") and a message per unreadable one."""
    unreadable = _l("That answer could not be read. Choose one again, or leave it.")
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in survey.knowledge:
        value = (form.get(item.id) or "").strip()
        if not value:
            continue
        if value in {choice.id for choice in item.choices}:
            answers[item.id] = value
        else:
            errors[item.id] = str(unreadable)
    allowed = {str(number) for number, _ in AGREE_SCALE}
    for item in survey.confidence:
        value = (form.get(item.id) or "").strip()
        if not value:
            continue
        if value in allowed:
            answers[item.id] = value
        else:
            errors[item.id] = str(unreadable)
    return answers, errors


def submit_check(
    user: User,
    window: EvaluationWindow,
    phase: str,
    answers: Mapping[str, str],
    survey: Survey,
    lesson_slugs: Sequence[str],
) -> str:
    """Store one check, once: returns SENT, or why nothing was stored."""
    begin_write()
    window = db.session.scalar(
        select(EvaluationWindow).where(EvaluationWindow.id == window.id).with_for_update()
    )
    if window is None or window.closed_at is not None:
        db.session.rollback()
        return CLOSED
    if window_for_student(user, window.id) is None:
        db.session.rollback()
        return NOT_OFFERED
    taken = _taken(window, user)
    if phase in taken:
        db.session.rollback()
        return ALREADY
    if offered_phase(window, taken, _lessons_completed(user, lesson_slugs), len(lesson_slugs)) != (
        phase
    ):
        db.session.rollback()
        return NOT_OFFERED
    if not answers:
        db.session.rollback()
        return EMPTY
    rows = []
    score = 0
    for item in survey.knowledge:
        choice_id = answers.get(item.id)
        if choice_id is None:
            continue
        correct = choice_id == item.correct_choice.id
        score += correct
        rows.append(SurveyAnswer(item_id=item.id, choice_id=choice_id, correct=correct))
    for item in survey.confidence:
        if item.id in answers:
            rows.append(SurveyAnswer(item_id=item.id, value=int(answers[item.id])))
    db.session.add(
        SurveyResponse(
            window_id=window.id,
            phase=phase,
            respondent_key=respondent_key(window, user.id),
            survey_version=survey.version,
            score=score,
            max_score=len(survey.knowledge),
            answers=rows,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # the same form sent twice at once: the unique key keeps one
        db.session.rollback()
        return ALREADY
    return SENT


def set_opt_out(membership: Membership, opted_out: bool) -> int:
    """Mark a student opted out (or back in). While a window is open, checks they already sent
    are deleted (returns how many); after it closes nothing can find them."""
    begin_write()
    membership.evaluation_opt_out = opted_out
    removed = 0
    if opted_out:
        window = open_window_of(membership.cohort_id)
        if window is not None:
            result = db.session.execute(
                delete(SurveyResponse).where(
                    SurveyResponse.window_id == window.id,
                    SurveyResponse.respondent_key == respondent_key(window, membership.user_id),
                )
            )
            removed = result.rowcount or 0
    db.session.commit()
    return removed


# --- statistics ---------------------------------------------------------------------------------

Z_975 = 1.959963984540054
# t(0.975, df) for small df, where the Cornish-Fisher expansion below is less accurate.
T_975 = {
    1: 12.706205,
    2: 4.302653,
    3: 3.182446,
    4: 2.776445,
    5: 2.570582,
    6: 2.446912,
    7: 2.364624,
    8: 2.306004,
}


def t_quantile_975(df: int) -> float:
    """The 97.5th percentile of Student's t with `df` degrees of freedom (two-sided 95%).

    A table below 9; above, the Cornish-Fisher expansion around the normal quantile (Abramowitz
    and Stegun 26.7.5), accurate to 3 decimals from df = 9.
    """
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df in T_975:
        return T_975[df]
    z = Z_975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


@dataclass(frozen=True)
class Change:
    """Matched students' change in knowledge score (after minus before)."""

    n: int
    mean: float
    sd: float
    low: float  # 95% confidence interval
    high: float
    d_z: float | None  # mean change / SD of change; None when every change is the same
    improved_share: float  # share of matched students with a higher score after

    @property
    def interval_includes_zero(self) -> bool:
        return self.low <= 0 <= self.high


def paired_change(pairs: Sequence[tuple[int, int]]) -> Change:
    """Mean change with a t-based 95% interval and d_z, from (before, after) score pairs."""
    n = len(pairs)
    if n < 2:
        raise ValueError("a paired change needs at least 2 pairs")
    diffs = [after - before for before, after in pairs]
    mean = sum(diffs) / n
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1))
    half = t_quantile_975(n - 1) * sd / math.sqrt(n)
    return Change(
        n=n,
        mean=mean,
        sd=sd,
        low=mean - half,
        high=mean + half,
        d_z=mean / sd if sd > 0 else None,
        improved_share=sum(1 for d in diffs if d > 0) / n,
    )


def effect_label(d_z: float | None) -> str:
    """Cohen's conventional words for a paired effect size (a key of EFFECT_SENTENCES)."""
    if d_z is None:
        return "the same for everyone"
    size = abs(d_z)
    if size < 0.2:
        return "a very small"
    if size < 0.5:
        return "a small"
    if size < 0.8:
        return "a medium"
    return "a large"


# A whole sentence per size, so each language can say it in its own order.
EFFECT_SENTENCES = {
    "a very small": _l(
        "That is a very small change for a program like this (effect size d = %(d)s; by "
        "Cohen's yardstick 0.2 is small, 0.5 medium, 0.8 large)."
    ),
    "a small": _l(
        "That is a small change for a program like this (effect size d = %(d)s; by Cohen's "
        "yardstick 0.2 is small, 0.5 medium, 0.8 large)."
    ),
    "a medium": _l(
        "That is a medium change for a program like this (effect size d = %(d)s; by Cohen's "
        "yardstick 0.2 is small, 0.5 medium, 0.8 large)."
    ),
    "a large": _l(
        "That is a large change for a program like this (effect size d = %(d)s; by Cohen's "
        "yardstick 0.2 is small, 0.5 medium, 0.8 large)."
    ),
}


# --- the report ---------------------------------------------------------------------------------


@dataclass
class GroupFigures:
    """One row of a report: a cohort, or the total of a scope. None means suppressed."""

    label: str
    n_pre: int
    n_post: int
    n_matched: int
    pre_mean: float | None = None
    post_mean: float | None = None
    change: Change | None = None
    pre_shown: bool = False
    post_shown: bool = False
    change_shown: bool = False


@dataclass(frozen=True)
class ItemFigures:
    item: Any  # KnowledgeItem
    pre_percent: int | None  # share correct; None when suppressed
    post_percent: int | None


@dataclass(frozen=True)
class ConfidenceFigures:
    item: Any  # ConfidenceItem
    pre: tuple[tuple[str, int], ...] | None  # (scale label, percent); None when suppressed
    post: tuple[tuple[str, int], ...] | None
    pre_agree: int | None  # percent agree or strongly agree
    post_agree: int | None
    n_pre: int
    n_post: int


@dataclass
class Report:
    title: str
    max_score: int
    total: GroupFigures
    breakdown: list[GroupFigures] = field(default_factory=list)
    items: list[ItemFigures] = field(default_factory=list)
    confidence: list[ConfidenceFigures] = field(default_factory=list)
    windows: int = 0
    # Cohorts whose small numbers keep them out of some combined figures (see assemble_report).
    left_out: int = 0

    @property
    def readings(self) -> list[str]:
        return readings(self)


def cohort_scope(cohort_id: int):
    return EvaluationWindow.cohort_id == cohort_id


def teacher_scope(teacher: User):
    return EvaluationWindow.cohort_id.in_(select(Cohort.id).where(Cohort.owner_id == teacher.id))


def installation_scope():
    return true()


def build_report(title: str, scope, survey: Survey, breakdown: bool = False) -> Report:
    """The aggregate report over the closed windows in `scope`: a fixed number of queries
    (three), whatever the number of students."""
    responses = db.session.execute(
        select(
            EvaluationWindow.cohort_id,
            Cohort.name,
            SurveyResponse.window_id,
            SurveyResponse.phase,
            SurveyResponse.respondent_key,
            SurveyResponse.score,
            SurveyResponse.max_score,
        )
        .join(EvaluationWindow, EvaluationWindow.id == SurveyResponse.window_id)
        .join(Cohort, Cohort.id == EvaluationWindow.cohort_id)
        .where(scope, EvaluationWindow.closed_at.is_not(None))
    ).all()
    answered = (
        select(
            EvaluationWindow.cohort_id,
            SurveyResponse.phase,
            SurveyAnswer.item_id,
            SurveyAnswer.value,
            func.count().label("answers"),
            func.count().filter(SurveyAnswer.correct.is_(True)).label("right"),
        )
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(EvaluationWindow, EvaluationWindow.id == SurveyResponse.window_id)
        .where(scope, EvaluationWindow.closed_at.is_not(None))
        .group_by(
            EvaluationWindow.cohort_id,
            SurveyResponse.phase,
            SurveyAnswer.item_id,
            SurveyAnswer.value,
        )
    )
    answer_rows = db.session.execute(answered).all()
    return assemble_report(title, survey, responses, answer_rows, breakdown)


def assemble_report(title, survey, responses, answer_rows, breakdown: bool) -> Report:
    """Turn the query rows into suppressed figures (pure: unit tests call it directly)."""
    max_score = len(survey.knowledge)
    by_cohort: dict[int, dict] = {}
    windows = set()
    for row in responses:
        cohort = by_cohort.setdefault(row.cohort_id, {"name": row.name, PRE: {}, POST: {}})
        cohort[row.phase][(row.window_id, row.respondent_key)] = row.score
        windows.add(row.window_id)

    rows = [_group(data["name"], data) for data in by_cohort.values()]
    for measure, count in (("pre", "n_pre"), ("post", "n_post"), ("change", "n_matched")):
        shown = _suppress([getattr(row, count) for row in rows])
        for row, visible in zip(rows, shown, strict=True):
            setattr(row, f"{measure}_shown", visible)
    # A cohort's own page shows its figures once they rest on MIN_GROUP students, so a
    # combined figure that also held a smaller cohort would give that cohort away (the total
    # minus the others). Combined figures only take a cohort's check (and its matched pairs)
    # where it has MIN_GROUP students.
    combined = len(by_cohort) > 1
    eligible: dict[int, set[str]] = {}
    for cohort_id, data in by_cohort.items():
        matched = len(data[PRE].keys() & data[POST].keys())
        eligible[cohort_id] = {
            phase for phase in PHASES if not combined or len(data[phase]) >= MIN_GROUP
        }
        if combined and matched < MIN_GROUP:
            eligible[cohort_id].add("unpaired")
    total_data = {"name": "All", PRE: {}, POST: {}}
    unpaired: set = set()
    for cohort_id, data in by_cohort.items():
        for phase in PHASES:
            if phase in eligible[cohort_id]:
                total_data[phase].update(data[phase])
        if "unpaired" in eligible[cohort_id]:
            unpaired |= data[PRE].keys() & data[POST].keys()
    total = _group(_l("All students"), total_data, unpaired)
    left_out = sum(1 for cohort_id in by_cohort if eligible[cohort_id] != set(PHASES))
    total.pre_shown = total.n_pre >= MIN_GROUP
    total.post_shown = total.n_post >= MIN_GROUP
    total.change_shown = total.n_matched >= MIN_GROUP
    for group in [total, *rows]:
        _hide(group)

    counts = defaultdict(int)  # (phase, item) → answers; (phase, item, "right") → right
    scale = defaultdict(int)  # (phase, item, value) → answers
    for row in answer_rows:
        if row.phase not in eligible.get(row.cohort_id, ()):
            continue
        if row.value is None:
            counts[(row.phase, row.item_id, "right")] += row.right
        else:
            scale[(row.phase, row.item_id, row.value)] += row.answers
            counts[(row.phase, row.item_id)] += row.answers
    n = {PRE: total.n_pre, POST: total.n_post}
    shown = {PRE: total.pre_shown, POST: total.post_shown}
    items = [
        ItemFigures(
            item,
            *(
                _percent(counts[(phase, item.id, "right")], n[phase]) if shown[phase] else None
                for phase in PHASES
            ),
        )
        for item in survey.knowledge
    ]
    confidence = []
    for item in survey.confidence:
        distributions, agrees, answered = [], [], []
        for phase in PHASES:
            answers = counts[(phase, item.id)]
            answered.append(answers)
            if answers < MIN_GROUP:
                distributions.append(None)
                agrees.append(None)
                continue
            distributions.append(
                tuple(
                    (label, _percent(scale[(phase, item.id, value)], answers))
                    for value, label in AGREE_SCALE
                )
            )
            agree = scale[(phase, item.id, 4)] + scale[(phase, item.id, 5)]
            agrees.append(_percent(agree, answers))
        confidence.append(
            ConfidenceFigures(item, *distributions, *agrees, n_pre=answered[0], n_post=answered[1])
        )
    report = Report(
        title=title,
        max_score=max_score,
        total=total,
        breakdown=sorted(rows, key=lambda row: row.label.lower()) if breakdown else [],
        items=items,
        confidence=confidence,
        windows=len(windows),
        left_out=left_out,
    )
    return report


def _group(label: str, data: Mapping, unpaired: set = frozenset()) -> GroupFigures:
    """Figures for one group; `unpaired` keys are left out of the matched change."""
    pre, post = data[PRE], data[POST]
    pairs = [(pre[key], post[key]) for key in sorted((pre.keys() & post.keys()) - unpaired)]
    group = GroupFigures(label=label, n_pre=len(pre), n_post=len(post), n_matched=len(pairs))
    group.pre_mean = sum(pre.values()) / len(pre) if pre else None
    group.post_mean = sum(post.values()) / len(post) if post else None
    group.change = paired_change(pairs) if len(pairs) >= 2 else None
    return group


def _hide(group: GroupFigures) -> None:
    if not group.pre_shown:
        group.pre_mean = None
    if not group.post_shown:
        group.post_mean = None
    if not group.change_shown:
        group.change = None


def _suppress(counts: Sequence[int]) -> list[bool]:
    """Which cells of a breakdown to show.

    A cell resting on fewer than MIN_GROUP students is hidden. So that a hidden cell can't be
    worked out from the total minus the shown cells, the next smallest cells are hidden too
    (complementary suppression) until at least two are hidden and the hidden cells together
    hold at least MIN_GROUP students. A cell with no students has nothing to hide.
    """
    shown = [count >= MIN_GROUP for count in counts]
    hidden = [i for i, count in enumerate(counts) if 0 < count < MIN_GROUP]
    if not hidden or len(counts) < 2:
        return shown
    hidden_students = sum(counts[i] for i in hidden)
    for i in sorted(range(len(counts)), key=lambda i: (counts[i], i)):
        if hidden_students >= MIN_GROUP and len(hidden) >= 2:
            break
        if shown[i]:
            shown[i] = False
            hidden.append(i)
            hidden_students += counts[i]
    return shown


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def readings(report: Report) -> list[str]:
    """Plain-words sentences beside the figures, in the reader's language."""
    total, out_of = report.total, report.max_score
    said = []
    if total.pre_mean is not None and total.post_mean is not None:
        before, after = f"{total.pre_mean:.1f}", f"{total.post_mean:.1f}"
        said.append(
            _(
                "Before the course, students answered %(before)s of %(total)s questions "
                "correctly on average; after it, %(after)s.",
                before=before,
                total=out_of,
                after=after,
            )
        )
    change = total.change
    if change is None:
        if total.n_matched < MIN_GROUP:
            said.append(
                _(
                    "Fewer than 10 students took both checks, so the change is not shown, to "
                    "protect their privacy."
                )
            )
        return said
    figures = {
        "students": change.n,
        "change": f"{abs(change.mean):.1f}",
        "total": out_of,
        "low": f"{change.low:.1f}",
        "high": f"{change.high:.1f}",
    }
    if change.mean >= 0:
        sentence = _(
            "The %(students)s students who took both checks answered %(change)s more of "
            "%(total)s correctly after the course (95%% confidence interval %(low)s to "
            "%(high)s).",
            **figures,
        )
    else:
        sentence = _(
            "The %(students)s students who took both checks answered %(change)s fewer of "
            "%(total)s correctly after the course (95%% confidence interval %(low)s to "
            "%(high)s).",
            **figures,
        )
    if change.interval_includes_zero:
        sentence += " " + _(
            "The interval includes 0, so these results alone can't show that the course "
            "changed what students know."
        )
    elif change.d_z is not None:
        sentence += " " + str(
            EFFECT_SENTENCES[effect_label(change.d_z)] % {"d": f"{change.d_z:.2f}"}
        )
    said.append(sentence)
    improved = round(100 * change.improved_share)
    said.append(
        _(
            "%(percent)s%% of them got more questions right after the course than before.",
            percent=improved,
        )
    )
    return said


def report_table(report: Report) -> tuple[list[str], list[list]]:
    """The aggregate figures as CSV rows, in the reader's language: never anything per student."""
    header = [
        _("section"),
        _("group"),
        _("item"),
        _("measure"),
        _("before"),
        _("after"),
        _("students"),
    ]
    rows: list[list] = []
    hidden = _("suppressed: %(reason)s", reason=str(SUPPRESSED_TEXT))
    students, knowledge, change_section = _("students"), _("knowledge"), _("change")

    def value(number, digits=2):
        return hidden if number is None else round(number, digits)

    for group in [report.total, *report.breakdown]:
        label = str(group.label)
        rows.append(
            [
                students,
                label,
                "",
                _("number who took the check"),
                group.n_pre,
                group.n_post,
                "",
            ]
        )
        rows.append(
            [students, label, "", _("number who took both checks"), "", "", group.n_matched]
        )
        rows.append(
            [
                knowledge,
                label,
                "",
                _("mean score (of %(total)s)", total=report.max_score),
                value(group.pre_mean),
                value(group.post_mean),
                "",
            ]
        )
        change = group.change
        for measure, number in (
            (_("mean change (after minus before)"), change and change.mean),
            (_("Confidence interval (95%), low end"), change and change.low),
            (_("Confidence interval (95%), high end"), change and change.high),
            (_("effect size d_z"), change and change.d_z),
            (_("share who improved"), change and change.improved_share),
        ):
            rows.append([change_section, label, "", measure, "", value(number), group.n_matched])
    total_label = str(report.total.label)
    for item in report.items:
        rows.append(
            [
                _("knowledge item"),
                total_label,
                item.item.id,
                _("percent correct"),
                value(item.pre_percent),
                value(item.post_percent),
                "",
            ]
        )
    for item in report.confidence:
        for index, (_value, label) in enumerate(AGREE_SCALE):
            before = item.pre[index][1] if item.pre else None
            after = item.post[index][1] if item.post else None
            rows.append(
                [
                    _("confidence item"),
                    total_label,
                    item.item.id,
                    _("percent %(answer)s", answer=str(label).lower()),
                    value(before),
                    value(after),
                    "",
                ]
            )
    return header, rows
