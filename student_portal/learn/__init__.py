"""Students: lesson list, lesson pages, quizzes, their own progress."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import bindparam, select

from .. import lesson_or_404, reader_lessons
from ..access import ClubSessionPolicy, led_cohort_or_404, role_required
from ..club import (
    SessionError,
    club_banner,
    current_poll,
    has_joined,
    has_voted,
    is_live,
    join,
    live_at,
    stage,
    vote,
)
from ..cohorts import student_cohorts
from ..content import Lesson
from ..database import FastSelect
from ..evaluate import evaluation_invitations
from ..extensions import db
from ..forms import ActionForm
from ..kept import render_in_kept_shell, render_kept
from ..models import ClubSession, Cohort, Membership
from ..player import check_feedback, open_part, part_count, record_check_use
from ..progress import (
    PASSED,
    LessonStatus,
    PlaceInLesson,
    attempts_for,
    complete_lesson,
    lesson_statuses,
    place_in_lesson,
    progress_row,
    review,
    start_lesson,
    status_word,
    student_attempt,
)
from ..quizzes import Kind, dump_token, in_shown_order, open_quiz, submit_answer
from ..reports import group_overview
from .forms import answer_form
from .forms import check_form as _check_form

bp = Blueprint("learn", __name__, url_prefix="/learn")


@dataclass(frozen=True)
class ShownInvitation:
    """What the lesson list shows of an invitation to an evaluation check."""

    window_id: int
    phase: str
bp.add_app_template_filter(status_word, "status_word")


@bp.route("/")
@role_required("student")
def lessons():
    statuses = lesson_statuses(current_user, reader_lessons())
    offered = evaluation_invitations()
    # Kept whole for every student whose lessons stand the same way: the page is given only
    # what the key holds (a started lesson's date is not shown, so it is not passed).
    shown = tuple(
        LessonStatus(
            lesson=s.lesson,
            status=s.status,
            started_at=True if s.started_at else None,
            part=s.part,
            best_percent=s.best_percent,
        )
        for s in statuses
    )
    key = (
        "lessons",
        tuple((s.lesson.slug, s.status, s.started_at, s.part, s.best_percent) for s in shown),
        tuple((i.window.id, i.phase) for i in offered),
    )
    invitations = tuple(ShownInvitation(i.window.id, i.phase) for i in offered)
    return render_kept(
        "learn/lessons.html", key, lambda: {"statuses": shown, "invitations": invitations}
    )


@bp.route("/<slug>")
@role_required("student")
def lesson(slug: str):
    lesson = lesson_or_404(slug)
    place = place_in_lesson(current_user, slug)
    if place is None:
        if lesson.content_note:
            return render_template("learn/content_note.html", lesson=lesson, form=ActionForm())
        row = start_lesson(current_user, slug)
        place = PlaceInLesson(row.part, row.completed_at is not None)
    # The same page for every student at this place in the lesson: rendered once, kept.
    return render_kept(
        "learn/lesson.html",
        ("lesson", slug, place),
        lambda: {"lesson": lesson, "progress": place, "form": ActionForm()},
    )


@bp.route("/<slug>/start", methods=["POST"])
@role_required("student")
def start(slug: str):
    """Past the content note: to the whole lesson, or (from the player) to its first part."""
    lesson_or_404(slug)
    if ActionForm().validate_on_submit():
        start_lesson(current_user, slug)
    if request.args.get("to") == "parts":
        return redirect(url_for("learn.part", slug=slug, number=1))
    return redirect(url_for("learn.lesson", slug=slug))


# --- The lesson player: one part (one ## section) per page -----------------------------------


def _section_or_404(lesson: Lesson, number: int):
    if not 1 <= number <= part_count(lesson):
        abort(404)
    return lesson.sections[number - 1]


@bp.route("/<slug>/parts")
@role_required("student")
def resume(slug: str):
    """The part the student last opened (the first part, or the content note, at the start)."""
    lesson = lesson_or_404(slug)
    row = progress_row(current_user, slug)
    number = row.part if row is not None and row.part <= part_count(lesson) else 1
    return redirect(url_for("learn.part", slug=slug, number=number))


@bp.route("/<slug>/part/<int:number>")
@role_required("student")
def part(slug: str, number: int):
    """One part of the lesson; with ?fragment=1 only the part, for player.js to swap in."""
    lesson = lesson_or_404(slug)
    _section_or_404(lesson, number)
    row = progress_row(current_user, slug)
    if row is None:
        if lesson.content_note:
            return render_template(
                "learn/content_note.html", lesson=lesson, form=ActionForm(), to_parts=True
            )
        row = start_lesson(current_user, slug)
    open_part(row, lesson, number)
    return _part_page(lesson, number)


@bp.route("/<slug>/part/<int:number>/check", methods=["POST"])
@role_required("student")
def answer_check(slug: str, number: int):
    """Mark a "check yourself" answer in place: shown, never stored; only its use is recorded."""
    lesson = lesson_or_404(slug)
    section = _section_or_404(lesson, number)
    check = lesson.check(section.check) if section.check else None
    if check is None:
        abort(404)
    form = _check_form(check)
    feedback = None
    if form.validate_on_submit():
        picked = form.answer.data if check.type == "multiple" else [form.answer.data]
        feedback = check_feedback(check, picked)
        if feedback is None:
            form.answer.errors = [_("Choose an answer.")]
        else:
            record_check_use(current_user, lesson, check.id)
    elif not form.answer.errors:  # the form expired or was not ours (CSRF)
        form.answer.errors = [_("This form could not be read. Please choose again.")]
    context = {"check_form": form, "feedback": feedback}
    if request.args.get("fragment"):
        return render_template(
            "learn/_check.html", lesson=lesson, number=number, check=check, **context
        )
    return _part_page(lesson, number, **context)


def _part_page(lesson: Lesson, number: int, check_form=None, feedback=None):
    section = lesson.sections[number - 1]
    check = lesson.check(section.check) if section.check else None
    context = {
        "lesson": lesson,
        "section": section,
        "number": number,
        "total": part_count(lesson),
        "check": check,
        "check_form": check_form or (_check_form(check) if check else None),
        "feedback": feedback,
    }
    if request.args.get("fragment"):
        return render_template("learn/_part.html", **context)
    return render_template("learn/part.html", **context)




@bp.route("/<slug>/complete", methods=["POST"])
@role_required("student")
def complete(slug: str):
    lesson = lesson_or_404(slug)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("learn.lesson", slug=slug))
    complete_lesson(current_user, slug)
    flash(
        _("Well done: you finished reading “%(title)s”. Now try the quiz.", title=lesson.title),
        "success",
    )
    return redirect(url_for("learn.quiz", slug=slug))


@bp.route("/<slug>/quiz")
@role_required("student")
def quiz(slug: str):
    """The next question of the student's quiz; picks up where they left off."""
    lesson = lesson_or_404(slug)
    outcome = open_quiz(current_user, lesson)
    if outcome.kind is not Kind.QUESTION:
        return _after(lesson, outcome)
    return _question_page(lesson, outcome.question, last_decision=outcome.last_decision)


# What a student is told when an answer does not simply lead to the next question
# (message ids: shown in the reader's language when flashed).
NOTICES = {
    Kind.HANDED_IN: (_l("You already handed in this quiz. Here is your result."), "info"),
    Kind.ANSWERED: (_l("You already answered that question. Here is where you are now."), "info"),
    Kind.ELSEWHERE: (_l("This quiz is open in another window. Here is where you are."), "info"),
    Kind.CHANGED: (
        _l("This quiz was updated since you started it, so it starts again."),
        "warning",
    ),
    Kind.UNREADABLE: (
        _l("The quiz form could not be read. Please carry on from here."),
        "warning",
    ),
    Kind.NOT_YOURS: (
        _l("This quiz form was not made for you. Please carry on from here."),
        "warning",
    ),
}


@bp.route("/<slug>/quiz", methods=["POST"])
@role_required("student")
def answer(slug: str):
    """Store one answer, then show the next question (or the result, after the last one)."""
    lesson = lesson_or_404(slug)
    outcome = submit_answer(
        current_user,
        lesson,
        token=request.form.get("state", ""),
        marker=request.form.get("question", ""),
        choice_ids=request.form.getlist("answer"),
    )
    if outcome.kind is Kind.ASK_AGAIN:
        form = answer_form(outcome.question)
        form.validate()  # puts "Choose an answer" (or "Not a valid choice") by the choices
        return _question_page(lesson, outcome.question, form)
    return _after(lesson, outcome)


def _after(lesson: Lesson, outcome):
    if outcome.kind in NOTICES:
        message, category = NOTICES[outcome.kind]
        flash(str(message), category)
    if outcome.attempt_id is not None:
        return redirect(url_for("learn.attempt", slug=lesson.slug, attempt_id=outcome.attempt_id))
    return redirect(url_for("learn.quiz", slug=lesson.slug))


def _question_page(lesson, question, form=None, last_decision=None):
    """A question; `form` is the answer form that failed (its errors and ticks are shown).

    The page writes its inputs itself: building and rendering a WTForms form for each question
    was a third of the page's cost, and a question shown afresh has nothing for it to do. The
    posted answer is still read and validated by the form (`answer`)."""
    if form is None:
        answer_errors, ticked = (), frozenset()
    else:
        given = form.answer.data
        answer_errors = tuple(form.answer.errors)
        ticked = frozenset(given if isinstance(given, list) else [given] if given else [])
    title = _("Quiz: %(lesson)s", lesson=lesson.title)
    context = {
        "title": title,
        "lesson": lesson,
        "question": question,
        "form": form,  # for the error summary at the top (None: nothing failed)
        "state": dump_token(question.key, current_user.id, lesson.slug),
        "answer_errors": answer_errors,
        "ticked": ticked,
        "last_decision": last_decision,
        "decision_in_english": _decision_in_english(lesson, last_decision),
        "total": len(lesson.quiz.items),
    }
    return render_in_kept_shell(
        "learn/question.html", "learn/_question_content.html", title, context
    )


def _decision_in_english(lesson: Lesson, last_decision) -> bool:
    """Whether the scenario step just decided belongs to an item still shown in English."""
    if last_decision is None:
        return False
    step = last_decision[0]
    return any(
        item.untranslated and any(other is step for other in item.steps)
        for item in lesson.quiz.items
    )


def _student_zone(student) -> str | None:
    """The time zone of the student's first group (None: the school's zone)."""
    return db.session.scalar(
        select(Cohort.timezone)
        .join(Membership, Membership.cohort_id == Cohort.id)
        .where(Membership.user_id == student.id)
        .order_by(Membership.id)
        .limit(1)
    )


@bp.route("/<slug>/attempts/<id:attempt_id>")
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
        in_shown_order=lambda choices, item: in_shown_order(choices, item, attempt.idempotency_key),
        attempts=attempts,
        next_lesson=_lesson_after(lesson),
        zone=_student_zone(current_user),
    )


def _lesson_after(lesson: Lesson) -> Lesson | None:
    lessons = reader_lessons()
    position = next(index for index, other in enumerate(lessons) if other.slug == lesson.slug)
    return lessons[position + 1] if position + 1 < len(lessons) else None


@bp.route("/progress")
@role_required("student")
def progress():
    statuses = lesson_statuses(current_user, reader_lessons())
    return render_template(
        "learn/progress.html",
        statuses=statuses,
        passed=sum(1 for s in statuses if s.status == PASSED),
        cohorts=student_cohorts(current_user),
    )


@bp.route("/groups/<id:cohort_id>")
@role_required("student")
def group(cohort_id: int):
    """A student leader's view of their group: completion counts, never names or scores."""
    cohort = led_cohort_or_404(current_user, cohort_id)
    return render_template(
        "learn/group.html",
        cohort=cohort,
        overview=group_overview(cohort, reader_lessons(), current_user.id),
    )


# --- Club sessions, from a student's side ---------------------------------------------------


@bp.app_context_processor
def live_club_sessions():
    """The "Club session live — join" banner on every page of a signed-in student: read with
    the user (club.user_with_banner), no query of its own."""
    if current_user.is_authenticated and current_user.is_student:
        banner = club_banner(current_user)
        return {
            "live_club_sessions": banner.live_sessions,
            "leads_a_group": banner.leads_a_group,
        }
    return {}


session_for_member_or_404 = ClubSessionPolicy.to_follow_or_404


def _follow_context(session: ClubSession) -> dict:
    lesson = lesson_or_404(session.lesson_slug)
    step, section, poll = stage(session, lesson)
    return {
        "mode": "follow",
        "session": session,
        "lesson": lesson,
        "step": step,
        "section": section,
        "poll": poll,
        "voted": has_voted(session, current_user) if poll else False,
        "live": is_live(session),
        "tally": None,
        "form": ActionForm(),
    }


@bp.route("/sessions/<id:session_id>/join", methods=["POST"])
@role_required("student")
def join_session(session_id: int):
    session = session_for_member_or_404(session_id)
    if ActionForm().validate_on_submit() and is_live(session):
        try:
            join(session, current_user)
        except SessionError as error:
            flash(str(error), "info")
            return redirect(url_for("lead.run", session_id=session.id))
    return redirect(url_for("learn.follow_session", session_id=session.id))


@bp.route("/sessions/<id:session_id>")
@role_required("student")
def follow_session(session_id: int):
    """The student's screen: follows the leader's step (a script polls; a link refreshes)."""
    session = session_for_member_or_404(session_id)
    context = _follow_context(session)
    return render_template(
        "learn/session.html", joined=has_joined(session, current_user), **context
    )


@bp.route("/sessions/<id:session_id>/stage")
@role_required("student")
def session_stage(session_id: int):
    """The part of the student's screen that changes with the leader's step."""
    session = session_for_member_or_404(session_id)
    return render_template("lead/_stage.html", **_follow_context(session))


def _session_state_query():
    return select(ClubSession.version, ClubSession.ended_at, ClubSession.started_at).where(
        ClubSession.id == bindparam("session_id"),
        ClubSession.cohort_id.in_(
            select(Membership.cohort_id).where(Membership.user_id == bindparam("user_id"))
        ),
    )


_SESSION_STATE = FastSelect(_session_state_query)


@bp.route("/sessions/<id:session_id>/state.json")
@role_required("student")
def session_state(session_id: int):
    """Cheap to poll: no lesson rendering, no ORM, and for a follower of a live session no
    query beyond the sign-in check's (its version comes with the user's club banner); an ended
    session, or a leader's own group, takes one indexed query on the driver. Only a member of
    the session's group gets an answer."""
    version = dict(club_banner(current_user).versions).get(session_id)
    if version is not None:
        live = True  # (the banner holds live sessions only)
    else:
        rows = _SESSION_STATE.rows(session_id=session_id, user_id=current_user.id)
        if not rows:
            abort(404)
        version, ended, started = rows[0]
        live = live_at(ended, started)
    # A follower whose copy is current gets 304 and no body (its script sends If-None-Match).
    etag = f"{version}-{int(live)}"
    headers = {"Cache-Control": "no-store", "ETag": f'"{etag}"'}
    if etag in request.if_none_match:
        return "", 304, headers
    body = json.dumps({"live": live, "version": version}, separators=(",", ":"))
    return current_app.response_class(body, 200, headers, mimetype="application/json")


@bp.route("/sessions/<id:session_id>/poll", methods=["POST"])
@role_required("student")
def session_vote(session_id: int):
    session = session_for_member_or_404(session_id)
    lesson = lesson_or_404(session.lesson_slug)
    poll = current_poll(session, lesson)
    if not ActionForm().validate_on_submit():
        abort(400)
    if poll is None or not is_live(session):
        flash(_("That poll has closed."), "info")
    else:
        try:
            vote(
                session,
                poll,
                current_user,
                request.form.getlist("choice"),
                request.form.get("poll", type=int),
            )
        except SessionError as error:
            flash(str(error), "warning")
    return redirect(url_for("learn.follow_session", session_id=session.id))
