"""Anonymous before-and-after checks: students take them, teachers run windows and read reports.

Students: `/learn/checks/…`. Teachers: `/teach/cohorts/<id>/evaluation…` (their own cohorts
only, 404 otherwise) and `/teach/evaluation/…` (all their cohorts; the installation for admins).
Families: `/evaluation/families`, the notice explaining the check, no sign-in needed.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import catalog
from ..access import cohort_for_teacher_or_404, membership_in_cohort_or_404, role_required
from ..charts import before_after_chart
from ..content.order import shuffled
from ..content.survey import AGREE_SCALE
from ..evaluation import (
    ALREADY,
    CLOSED,
    EMPTY,
    MIN_GROUP,
    POST,
    PRE,
    SENT,
    SUPPRESSED_TEXT,
    EvaluationError,
    build_report,
    close_window,
    closed_windows_of,
    cohort_scope,
    current_survey,
    installation_scope,
    invitations,
    live_counts,
    open_post_check,
    open_window,
    open_window_of,
    parse_answers,
    report_table,
    set_opt_out,
    submit_check,
    teacher_scope,
    window_for_student,
)
from ..exports import csv_response
from ..extensions import db
from ..forms import ActionForm
from ..i18n import reader_language
from ..models import ADMIN, Membership, utcnow
from ..reports import slugify

bp = Blueprint("evaluate", __name__)

LATER = "evaluation_later"  # the checks a student put off for this sign-in (session only)


def _lesson_slugs() -> list[str]:
    return [lesson.slug for lesson in catalog().lessons]


def _survey_or_404():
    """The check in the reader's language (its ids, answers and version are the English ones, so
    answers in either language count together)."""
    survey = current_survey()
    if survey is None:
        abort(404)
    return survey.in_language(reader_language())


@bp.app_template_global()
def evaluation_invitations():
    """The checks to offer on a student's lesson list (not those put off this sign-in)."""
    if not current_user.is_authenticated or not current_user.is_student:
        return []
    later = set(session.get(LATER, []))
    return [
        invitation
        for invitation in invitations(current_user, _lesson_slugs())
        if f"{invitation.window.id}:{invitation.phase}" not in later
    ]


@bp.app_template_global()
def evaluation_opt_outs(cohort_id: int) -> set[int]:
    """Ids of a cohort's members whose families opted them out (for the roster)."""
    return set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.cohort_id == cohort_id, Membership.evaluation_opt_out.is_(True)
            )
        )
    )


# --- students -----------------------------------------------------------------------------------

PHASE_TITLES = {
    PRE: _l("Before you start: a quick check"),
    POST: _l("After the course: a quick check"),
}


def _check_context(window, cohort, phase, survey, given=None, errors=None):
    seed = f"evaluation-{window.id}-{phase}-{current_user.id}"
    return {
        "window": window,
        "cohort": cohort,
        "phase": phase,
        "title": str(PHASE_TITLES[phase]),
        "knowledge": [(item, shuffled(item.choices, seed, item.id)) for item in survey.knowledge],
        "confidence": survey.confidence,
        "scale": AGREE_SCALE,
        "survey_untranslated": survey.language != "en" and bool(survey.untranslated),
        "given": given or {},
        "errors": errors or {},
        "form": ActionForm(),
    }


@bp.route("/learn/checks/<id:window_id>/<any(pre, post):phase>", methods=["GET", "POST"])
@role_required("student")
def take_check(window_id: int, phase: str):
    survey = _survey_or_404()
    found = window_for_student(current_user, window_id)
    if found is None:
        abort(404)
    window, cohort = found
    offered = {
        (invitation.window.id, invitation.phase)
        for invitation in invitations(current_user, _lesson_slugs())
    }
    if request.method == "GET":
        if (window.id, phase) not in offered:
            flash(_("This check isn't open for you right now. Thank you for looking!"), "info")
            return redirect(url_for("learn.lessons"))
        return render_template(
            "evaluation/check.html", **_check_context(window, cohort, phase, survey)
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    given, errors = parse_answers(survey, request.form)
    if errors:
        context = _check_context(window, cohort, phase, survey, dict(request.form), errors)
        return render_template("evaluation/check.html", **context), 422
    outcome = submit_check(current_user, window, phase, given, survey, _lesson_slugs())
    if outcome == SENT:
        flash(
            _("Thank you! Your answers were sent. Nobody will see them with your name."),
            "success",
        )
    elif outcome == ALREADY:
        flash(_("You already sent this check, so nothing more was saved. Thank you!"), "info")
    elif outcome == EMPTY:  # likely a tap on the button too soon: the check stays offered
        flash(
            _(
                "You haven't answered any question yet, so nothing was sent. Answer the ones "
                "you'd like to, or choose “Not now” to do it another time."
            ),
            "info",
        )
        return redirect(url_for(request.endpoint, **request.view_args))
    elif outcome == CLOSED:
        flash(_("This check has closed, so nothing was saved. Thank you anyway!"), "info")
    else:
        flash(_("This check isn't open for you right now, so nothing was saved."), "info")
    return redirect(url_for("learn.lessons"))


def _put_off(window_id: int, phase: str) -> None:
    later = list(session.get(LATER, []))
    later.append(f"{window_id}:{phase}")
    session[LATER] = later[-20:]


@bp.route("/learn/checks/<id:window_id>/<any(pre, post):phase>/later", methods=["POST"])
@role_required("student")
def put_off_check(window_id: int, phase: str):
    if ActionForm().validate_on_submit():
        _put_off(window_id, phase)
        flash(_("No problem. You can go straight to the lessons."), "info")
    return redirect(url_for("learn.lessons"))


# --- families -----------------------------------------------------------------------------------


@bp.route("/evaluation/families")
def family_notice():
    """What the check is, for parents and carers: no sign-in needed, printable."""
    return render_template(
        "evaluation/notice.html", cohort=None, survey=current_survey(), min_group=MIN_GROUP
    )


# --- teachers -----------------------------------------------------------------------------------


def _report_context(report, back_url: str, csv_url: str, print_url: str):
    chart = None
    if report.items and any(
        i.pre_percent is not None or i.post_percent is not None for i in report.items
    ):
        chart = before_after_chart(
            "evaluation-chart",
            _("Share of students who answered each question correctly"),
            _("For each knowledge question: the percentage correct before the course and after."),
            [
                (_plain(item.item.prompt), item.pre_percent, item.post_percent)
                for item in report.items
            ],
        )
    return {
        "report": report,
        "chart": chart,
        "suppressed_text": str(SUPPRESSED_TEXT),
        "agree_scale": AGREE_SCALE,
        "min_group": MIN_GROUP,
        "back_url": back_url,
        "csv_url": csv_url,
        "print_url": print_url,
        "printed_on": format_date(utcnow(), "long"),
    }


def _plain(html: str) -> str:
    from ..content.render import html_to_text

    return html_to_text(html)


@bp.route("/teach/cohorts/<id:cohort_id>/evaluation")
@role_required("teacher")
def cohort_evaluation(cohort_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    survey = _survey_or_404()
    window = open_window_of(cohort.id)
    report = build_report(
        _("%(cohort)s: before and after the course", cohort=cohort.name),
        cohort_scope(cohort.id),
        survey,
    )
    return render_template(
        "evaluation/cohort.html",
        cohort=cohort,
        window=window,
        counts=live_counts(window) if window else None,
        closed=closed_windows_of(cohort.id),
        form=ActionForm(),
        opted_out=len(evaluation_opt_outs(cohort.id)),
        **_report_context(
            report,
            url_for("evaluate.cohort_evaluation", cohort_id=cohort.id),
            url_for("evaluate.cohort_report_csv", cohort_id=cohort.id),
            url_for("evaluate.cohort_report_print", cohort_id=cohort.id),
        ),
    )


@bp.route("/teach/cohorts/<id:cohort_id>/evaluation/open", methods=["POST"])
@role_required("teacher")
def open_cohort_window(cohort_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    _survey_or_404()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        open_window(cohort)
    except EvaluationError as error:
        flash(str(error), "info")
    else:
        flash(
            _(
                "The check is open. Students see an invitation on their lesson list before "
                "their first lesson."
            ),
            "success",
        )
    return redirect(url_for("evaluate.cohort_evaluation", cohort_id=cohort.id))


@bp.route("/teach/cohorts/<id:cohort_id>/evaluation/post-check", methods=["POST"])
@role_required("teacher")
def open_cohort_post_check(cohort_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    window = open_window_of(cohort.id)
    if window is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    open_post_check(window)
    flash(
        _("The after-course check is now offered to every student who hasn't taken it."),
        "success",
    )
    return redirect(url_for("evaluate.cohort_evaluation", cohort_id=cohort.id))


@bp.route("/teach/cohorts/<id:cohort_id>/evaluation/close", methods=["GET", "POST"])
@role_required("teacher")
def close_cohort_window(cohort_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    window = open_window_of(cohort.id)
    if window is None:
        flash(_("There is no open check to close."), "info")
        return redirect(url_for("evaluate.cohort_evaluation", cohort_id=cohort.id))
    form = ActionForm()
    if form.validate_on_submit():
        close_window(window)
        flash(
            _(
                "The check is closed. Its answers can no longer be linked to anyone, and the "
                "report below now includes them."
            ),
            "success",
        )
        return redirect(url_for("evaluate.cohort_evaluation", cohort_id=cohort.id))
    return render_template(
        "evaluation/close.html", cohort=cohort, counts=live_counts(window), form=form
    )


@bp.route("/teach/cohorts/<id:cohort_id>/evaluation/report/print")
@role_required("teacher")
def cohort_report_print(cohort_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    report = build_report(
        _("%(cohort)s: before and after the course", cohort=cohort.name),
        cohort_scope(cohort.id),
        _survey_or_404(),
    )
    back = url_for("evaluate.cohort_evaluation", cohort_id=cohort.id)
    return render_template("evaluation/print.html", **_report_context(report, back, "", ""))


@bp.route("/teach/cohorts/<id:cohort_id>/evaluation/report.csv")
@role_required("teacher")
def cohort_report_csv(cohort_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    report = build_report(cohort.name, cohort_scope(cohort.id), _survey_or_404())
    header, rows = report_table(report)
    return csv_response(f"{slugify(cohort.name)}-evaluation.csv", header, rows)


@bp.route("/teach/cohorts/<id:cohort_id>/evaluation/notice")
@role_required("teacher")
def cohort_notice(cohort_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    return render_template(
        "evaluation/notice.html", cohort=cohort, survey=current_survey(), min_group=MIN_GROUP
    )


@bp.route("/teach/cohorts/<id:cohort_id>/members/<id:user_id>/evaluation", methods=["POST"])
@role_required("teacher")
def member_opt_out(cohort_id: int, user_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    membership = membership_in_cohort_or_404(cohort, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    opted_out = request.form.get("opt_out") == "yes"
    removed = set_opt_out(membership, opted_out)
    name = membership.user.shown_name
    if opted_out and removed:
        flash(
            _(
                "%(name)s is opted out of the anonymous check and won't be asked. The answers "
                "they had already sent in this open check were deleted.",
                name=name,
            ),
            "success",
        )
    elif opted_out:
        flash(
            _("%(name)s is opted out of the anonymous check and won't be asked.", name=name),
            "success",
        )
    else:
        flash(_("%(name)s may be asked to take the anonymous check again.", name=name), "info")
    return redirect(url_for("teach.cohort", cohort_id=cohort.id))


# --- across cohorts -----------------------------------------------------------------------------


def _scope_report(scope_name: str):
    survey = _survey_or_404()
    if scope_name == "installation":
        if current_user.role != ADMIN:
            abort(403)
        return build_report(_("All cohorts on this portal"), installation_scope(), survey, True)
    return build_report(_("All your cohorts"), teacher_scope(current_user), survey, True)


@bp.route("/teach/evaluation/<any(mine, installation):scope>")
@role_required("teacher")
def scope_report(scope: str):
    report = _scope_report(scope)
    return render_template(
        "evaluation/scope.html",
        scope=scope,
        is_admin=current_user.role == ADMIN,
        **_report_context(
            report,
            url_for("evaluate.scope_report", scope=scope),
            url_for("evaluate.scope_report_csv", scope=scope),
            url_for("evaluate.scope_report_print", scope=scope),
        ),
    )


@bp.route("/teach/evaluation/<any(mine, installation):scope>/print")
@role_required("teacher")
def scope_report_print(scope: str):
    report = _scope_report(scope)
    back = url_for("evaluate.scope_report", scope=scope)
    return render_template("evaluation/print.html", **_report_context(report, back, "", ""))


@bp.route("/teach/evaluation/<any(mine, installation):scope>.csv")
@role_required("teacher")
def scope_report_csv(scope: str):
    report = _scope_report(scope)
    header, rows = report_table(report)
    return csv_response(f"evaluation-{scope}.csv", header, rows)
