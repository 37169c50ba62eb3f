"""Student leaders (and teachers) run club sessions: step by step, with live polls."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import lesson_or_404, reader_lessons
from ..access import ClubSessionPolicy, CohortPolicy, cohort_to_run_or_404
from ..club import (
    MIN_POLL_ANSWERS,
    SESSION_HOURS,
    SessionError,
    attendance_count,
    attendees,
    close_poll,
    end_session,
    ended_at,
    find_poll_question,
    is_live,
    live_session,
    move_to,
    open_poll,
    past_polls,
    poll_questions,
    reveal_poll,
    sessions_of_cohort,
    stage,
    start_session,
    step_count,
    tally,
)
from ..content.render import html_to_text
from ..extensions import db
from ..forms import ActionForm
from ..help import localized_resources
from ..models import ClubSession
from .forms import OpenPollForm, StartSessionForm

bp = Blueprint("lead", __name__, url_prefix="/lead")


session_to_run_or_404 = ClubSessionPolicy.to_run_or_404


@bp.route("/")
@login_required
def index():
    cohorts = list(db.session.scalars(CohortPolicy.led(current_user)))
    if not cohorts and not current_user.is_staff:
        abort(403)
    if len(cohorts) == 1:
        return redirect(url_for("lead.cohort", cohort_id=cohorts[0].id))
    return render_template("lead/index.html", cohorts=cohorts)


@bp.route("/cohorts/<id:cohort_id>", methods=["GET", "POST"])
@login_required
def cohort(cohort_id: int):
    """Start a session, or go back to the live one; the group's past sessions."""
    cohort = cohort_to_run_or_404(cohort_id)
    lessons = reader_lessons()
    form = StartSessionForm()
    form.lesson.choices = [(lesson.slug, lesson.title) for lesson in lessons]
    if not form.is_submitted() and current_user.is_staff:
        form.supervising_adult.data = current_user.shown_name  # a teacher running it is the adult
    if form.validate_on_submit():
        try:
            session = start_session(
                cohort,
                current_user,
                lesson_or_404(form.lesson.data),
                supervising_adult=form.supervising_adult.data.strip(),
            )
        except SessionError as error:
            form.lesson.errors.append(str(error))
        else:
            return redirect(url_for("lead.run", session_id=session.id))
    return render_template(
        "lead/cohort.html",
        cohort=cohort,
        form=form,
        live=live_session(cohort),
        history=sessions_of_cohort(cohort),
        lessons={lesson.slug: lesson for lesson in lessons},
        ended_at=ended_at,
        is_live=is_live,
    )


def _stage(session: ClubSession):
    """The lesson, step and poll a session is on."""
    lesson = lesson_or_404(session.lesson_slug)
    return (lesson, *stage(session, lesson))


@bp.route("/sessions/<id:session_id>")
@login_required
def run(session_id: int):
    """The facilitator view: the step to project, the guide beside it, polls."""
    session = session_to_run_or_404(session_id)
    if not is_live(session):
        return redirect(url_for("lead.summary", session_id=session.id))
    lesson, step, section, poll = _stage(session)
    poll_form = OpenPollForm()
    poll_form.question.choices = [
        (question.key, _poll_label(question)) for question in poll_questions(lesson)
    ]
    return render_template(
        "lead/run.html",
        session=session,
        lesson=lesson,
        step=step,
        steps=step_count(lesson),
        section=section,
        guide=lesson.guide_for(section) if section else None,
        before_you_start=lesson.guide_matching("before you start", "ground rule"),
        disclosure=lesson.guide_matching("tells you", "disclos"),
        poll=poll,
        tally=tally(session, poll) if poll else None,
        poll_form=poll_form,
        action_form=ActionForm(),
        attended=attendance_count(session),
        min_answers=MIN_POLL_ANSWERS,
        resources=localized_resources(),
    )


def _poll_label(question) -> str:
    text = html_to_text(question.step.text if question.step else question.item.prompt)
    text = f"{text[:90]}{'…' if len(text) > 90 else ''}"
    if question.step:
        return _("Story step: %(text)s", text=text)
    return _("Question: %(text)s", text=text)


@bp.route("/sessions/<id:session_id>/poll-panel")
@login_required
def poll_panel(session_id: int):
    """The live tallies, refreshed by the facilitator page's script."""
    session = session_to_run_or_404(session_id)
    lesson, _step, _section, poll = _stage(session)
    return render_template(
        "lead/_tally.html",
        session=session,
        poll=poll,
        tally=tally(session, poll) if poll else None,
        min_answers=MIN_POLL_ANSWERS,
        action_form=ActionForm(),
    )


def _change(session_id: int, form=None):
    """A live session its runner changes by a form post; else the response to send instead."""
    session = session_to_run_or_404(session_id)
    if form is None and not ActionForm().validate_on_submit():
        abort(400)
    if not is_live(session):
        flash(_("This session has ended."), "info")
        return session, redirect(url_for("lead.summary", session_id=session.id))
    return session, None


@bp.route("/sessions/<id:session_id>/step/<int:step>", methods=["POST"])
@login_required
def step(session_id: int, step: int):
    session, done = _change(session_id)
    if done:
        return done
    move_to(session, lesson_or_404(session.lesson_slug), step)
    return redirect(url_for("lead.run", session_id=session.id))


@bp.route("/sessions/<id:session_id>/poll", methods=["POST"])
@login_required
def poll(session_id: int):
    form = OpenPollForm()
    session, done = _change(session_id, form)
    if done:
        return done
    lesson = lesson_or_404(session.lesson_slug)
    form.question.choices = [(q.key, q.key) for q in poll_questions(lesson)]
    if not form.validate_on_submit():
        flash(_("Choose a question to ask."), "warning")
    else:
        open_poll(session, find_poll_question(lesson, form.question.data))
    return redirect(url_for("lead.run", session_id=session.id) + "#poll")


@bp.route("/sessions/<id:session_id>/poll/<any(reveal, close):action>", methods=["POST"])
@login_required
def poll_action(session_id: int, action: str):
    session, done = _change(session_id)
    if done:
        return done
    (reveal_poll if action == "reveal" else close_poll)(session)
    return redirect(url_for("lead.run", session_id=session.id) + "#poll")


@bp.route("/sessions/<id:session_id>/end", methods=["GET", "POST"])
@login_required
def end(session_id: int):
    session = session_to_run_or_404(session_id)
    form = ActionForm()
    if form.validate_on_submit():
        if is_live(session):
            end_session(session)
        return redirect(url_for("lead.summary", session_id=session.id))
    return render_template("lead/end.html", session=session, form=form)


@bp.route("/sessions/<id:session_id>/summary")
@login_required
def summary(session_id: int):
    """Who came (a count for leaders, names for the teacher), poll results, time taken."""
    session = session_to_run_or_404(session_id)
    lesson = lesson_or_404(session.lesson_slug)
    is_teacher = current_user.is_staff
    finished = ended_at(session) if not is_live(session) else None
    return render_template(
        "lead/summary.html",
        session=session,
        lesson=lesson,
        attended=attendance_count(session),
        names=attendees(session) if is_teacher else None,
        polls=past_polls(session, lesson),
        finished=finished,
        minutes=round((finished - session.started_at).total_seconds() / 60) if finished else None,
        live=is_live(session),
        min_answers=MIN_POLL_ANSWERS,
        session_hours=SESSION_HOURS,
    )


def _projector(session_id: int) -> dict:
    session = session_to_run_or_404(session_id)
    lesson, step, section, poll = _stage(session)
    return {
        "mode": "project",
        "session": session,
        "lesson": lesson,
        "step": step,
        "section": section,
        "poll": poll,
        # The class sees counts only once the leader reveals the answers.
        "tally": tally(session, poll) if poll and session.poll_revealed else None,
        "live": is_live(session),
    }


@bp.route("/sessions/<id:session_id>/project")
@login_required
def project(session_id: int):
    """Projector mode: the current step in large type, no names."""
    return render_template("lead/project.html", **_projector(session_id))


@bp.route("/sessions/<id:session_id>/project/stage")
@login_required
def project_stage(session_id: int):
    """The part of the projector view that follows the leader."""
    return render_template("lead/_stage.html", **_projector(session_id))


@bp.route("/sessions/<id:session_id>/state.json")
@login_required
def state(session_id: int):
    session = session_to_run_or_404(session_id)
    return jsonify(version=session.version, live=is_live(session))
