"""Teachers: cohorts, rosters, join codes, member roles, password resets, teacher accounts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, match_skeleton
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, func, select

from .. import catalog, lesson_or_404, reader_lessons
from ..access import (
    SHARED_STUDENT_MESSAGE,
    StudentRecordsPolicy,
    cohort_for_teacher_or_404,
    membership_in_cohort_or_404,
    role_required,
    staff_account_or_404,
)
from ..cohorts import (
    UsernameTaken,
    create_cohort,
    create_teacher,
    format_join_code,
    leaders_allowed,
    regenerate_join_code,
    remove_member,
    reset_password,
    set_join_open,
    set_member_role,
    set_staff_active,
    staff_accounts,
    student_cohorts,
    username_taken,
)
from ..content import Catalog
from ..content.lint import needing_check
from ..database import FastSelect, writes_explicitly
from ..exports import (
    ExportJob,
    cohort_jobs,
    csv_response,
    finished_file,
    load_job,
    start_export,
)
from ..extensions import db
from ..forms import ActionForm
from ..help_requests import close, inbox, mark_seen, request_for_teacher
from ..i18n import school_timezone
from ..kept import keep_page, kept_page, render_kept
from ..models import ADMIN, CONTACT_PREFERENCES, LEADER, STUDENT, Cohort, User, utcnow
from ..player import check_usage
from ..privacy import delete_student, export_student
from ..progress import lesson_statuses
from ..reports import (
    BEST,
    FILTERS,
    FIRST,
    MAX_GRID_PAGE,
    MIN_ANSWERS_FOR_STATISTICS,
    SORTS,
    answers_table,
    cohort_grid,
    cohort_grid_page,
    cohort_zone,
    grid_table,
    known_zones,
    lesson_analysis,
    slugify,
    student_attempts,
    teacher_overview,
)
from .cells import grid_frame_html, grid_rows_html, row_cells_html
from .forms import (
    CohortForm,
    CohortSettingsForm,
    DeleteStudentForm,
    FindStudentForm,
    JoinCodeForm,
    MemberRoleForm,
    NewTeacherForm,
    ResetPasswordForm,
    StaffActiveForm,
)

bp = Blueprint("teach", __name__, url_prefix="/teach")
bp.add_app_template_global(row_cells_html)
bp.add_app_template_global(grid_rows_html)
bp.add_app_template_global(grid_frame_html)


zone_of = cohort_zone


@bp.app_template_filter("local_day")
def local_day(moment: datetime | None, zone: str | None = None, skeleton: str = "yMMMd") -> str:
    """A stored UTC time's day, in the reader's language and in `zone` ("Jan 5, 2026")."""
    if moment is None:
        return ""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    local = aware.astimezone(ZoneInfo(zone if zone in known_zones() else school_timezone()))
    language = str(get_locale() or "en")
    return format_datetime(local, _skeleton_pattern(skeleton, language), locale=language)


@lru_cache(maxsize=64)
def _skeleton_pattern(skeleton: str, language: str) -> str:
    """The language's pattern for a skeleton ("MMMd": "MMM d" in English, "d MMM" in Spanish).

    Matching a skeleton costs milliseconds, so it is done once, not once per grid row.
    """
    locale = Locale.parse(language)
    return locale.datetime_skeletons[match_skeleton(skeleton, locale.datetime_skeletons)].pattern


@bp.route("/")
@role_required("teacher")
def home():
    overview, open_total = teacher_overview(current_user, reader_lessons())
    # Kept whole while every figure it shows stays the same (the key is exactly those).
    key = (
        "teach-home",
        open_total,
        tuple(
            (
                item.cohort.id,
                item.cohort.name,
                item.cohort.grade_band,
                item.members,
                item.percent_completed,
                item.active_recently,
                item.needs_help,
                item.open_requests,
            )
            for item in overview
        ),
    )
    return render_kept(
        "teach/home.html", key, lambda: {"overview": overview, "open_total": open_total}
    )


@bp.route("/help-requests")
@role_required("teacher")
def help_requests():
    return render_template(
        "teach/help_requests.html",
        requests=inbox(current_user),
        form=ActionForm(),
        contact_preferences=CONTACT_PREFERENCES,
    )


@bp.route("/help-requests/<id:request_id>/<any(seen, closed):status>", methods=["POST"])
@role_required("teacher")
def help_request_status(request_id: int, status: str):
    help_request = request_for_teacher(current_user, request_id)
    if help_request is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if status == "seen":
        mark_seen(help_request)
        flash(_("Marked as seen. The student can see that you have read it."), "success")
    else:
        close(help_request)
        flash(_("Request closed."), "info")
    return redirect(url_for("teach.help_requests"))


@bp.route("/cohorts/new", methods=["GET", "POST"])
@role_required("teacher")
def new_cohort():
    form = CohortForm()
    if form.validate_on_submit():
        cohort = create_cohort(current_user, form.name.data, form.grade_band.data)
        cohort.timezone = form.timezone.data
        db.session.commit()
        flash(
            _(
                "Cohort “%(name)s” created. Share its join code with your students.",
                name=cohort.name,
            ),
            "success",
        )
        return redirect(url_for("teach.cohort", cohort_id=cohort.id))
    return render_template("teach/new_cohort.html", form=form)


@bp.route("/cohorts/<id:cohort_id>")
@role_required("teacher")
def cohort(cohort_id: int):
    """Members and join code."""
    cohort = cohort_for_teacher_or_404(cohort_id)
    return _cohort_page(cohort, CohortSettingsForm(timezone=zone_of(cohort)))


def _cohort_page(cohort: Cohort, settings_form: CohortSettingsForm) -> str:
    grid = cohort_grid(cohort, reader_lessons())
    members = sorted(grid.rows, key=lambda row: (row.role != LEADER, row.user.shown_name.lower()))
    return render_template(
        "teach/cohort.html",
        cohort=cohort,
        members=members,
        lesson_count=len(grid.lessons),
        action_form=ActionForm(),
        settings_form=settings_form,
        LEADER=LEADER,
    )


@bp.route("/cohorts/<id:cohort_id>/settings", methods=["POST"])
@role_required("teacher")
def cohort_settings(cohort_id: int):
    """The cohort's time zone, for every time on its pages and in its downloads."""
    cohort = cohort_for_teacher_or_404(cohort_id)
    form = CohortSettingsForm()
    if not form.validate_on_submit():
        return _cohort_page(cohort, form), 400
    cohort.timezone = form.timezone.data
    db.session.commit()
    flash(
        _(
            "Times for %(name)s are now shown in %(zone)s.",
            name=cohort.name,
            zone=_zone_words(form),
        ),
        "success",
    )
    return redirect(url_for("teach.cohort", cohort_id=cohort.id))


def _zone_words(form: CohortSettingsForm) -> str:
    """The chosen zone in plain words, as the select shows it."""
    for choice in form.timezone.choices:
        if choice.value == form.timezone.data:
            return str(choice.label)
    return form.timezone.data


@bp.route("/cohorts/<id:cohort_id>/progress")
@role_required("teacher")
def progress(cohort_id: int):
    """The cohort's students × lessons grid, a page of 50 at a time, with summaries and charts.

    Sorting and filtering are done over the whole cohort in SQL, so page 2 of "by name" is the
    51st to 100th names; the summary row and the charts count everyone.

    A rendered page is kept under the cohort's grid_version (which the database moves on with
    every write the grid shows: student_portal/standing.py) and what else it shows of the
    cohort, so while nothing changed, a teacher coming back reads the kept page, for the cost
    of one indexed read.
    """
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "name"
    show = request.args.get("show") if request.args.get("show") in FILTERS else "all"
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_GRID_PAGE)
    found = _GRID_COHORT.rows(cohort_id=cohort_id, owner_id=current_user.id)
    if not found:
        abort(404)  # not theirs, or not there: the same answer, so ids reveal nothing
    kept = kept_page(GRID_TEMPLATE, (*found[0], sort, show, page), "kept_grids")
    if kept is not None:
        return kept
    # What the page shows of the cohort, as just read (the grid reads its own version).
    cohort = GridCohort(*found[0][:4])
    zone = zone_of(cohort)
    grid = cohort_grid_page(cohort, reader_lessons(), sort, show, page, zone=zone)
    title = _("%(name)s: progress", name=cohort.name)
    context = {
        "title": title,
        "cohort": cohort,
        "grid": grid,
        "rows": grid.rows,
        "zone": zone,
        "sort": sort,
        "show": show,
    }
    # Kept under what this page shows: the version read with its figures, the cohort as read now.
    key = (cohort.id, cohort.name, cohort.join_code, cohort.timezone, grid.version)
    return keep_page(GRID_TEMPLATE, (*key, sort, show, page), lambda: context, "kept_grids")


@dataclass(frozen=True)
class GridCohort:
    """The cohort as its grid page shows it (any other attribute is an error, not a query)."""

    id: int
    name: str
    join_code: str
    timezone: str | None


GRID_TEMPLATE = "teach/progress.html"
_GRID_COHORT = FastSelect(
    lambda: select(
        Cohort.id, Cohort.name, Cohort.join_code, Cohort.timezone, Cohort.grid_version
    ).where(Cohort.id == bindparam("cohort_id"), Cohort.owner_id == bindparam("owner_id"))
)


@bp.route("/cohorts/<id:cohort_id>/progress/print")
@role_required("teacher")
def progress_print(cohort_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    grid = cohort_grid(cohort, reader_lessons())
    return render_template(
        "teach/progress_print.html",
        cohort=cohort,
        grid=grid,
        printed_at=utcnow(),
        zone=zone_of(cohort),
    )


@bp.route("/cohorts/<id:cohort_id>/progress.csv")
@role_required("teacher")
def progress_csv(cohort_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    grid = cohort_grid(cohort, reader_lessons())
    header, rows = grid_table(grid, zone_of(cohort))
    return csv_response(f"{slugify(cohort.name)}-progress.csv", header, rows)


def _answers_table_builder(cohort_id: int, lessons: Catalog):
    """What the background writer runs: the cohort's answers, read without a write lock.

    It runs in the reader's language (the writer keeps the request's) and the cohort's zone.
    """

    def build():
        db.session.connection(execution_options={"sqlite_immediate": False})
        return answers_table(db.session.get(Cohort, cohort_id), lessons)

    return build


def _cohort_job_or_404(cohort: Cohort, job_id: str, restart: bool = False) -> ExportJob:
    """An export of this cohort (which the caller owns); a job whose writer died restarts."""
    table = _answers_table_builder(cohort.id, catalog()) if restart else None
    job = load_job(job_id, table)
    if job is None or job.cohort_id != cohort.id:
        abort(404)
    return job


@bp.route("/cohorts/<id:cohort_id>/exports", methods=["GET", "POST"])
@role_required("teacher")
def exports(cohort_id: int):
    """The answers export: prepared in the background, then downloaded as one whole file."""
    cohort = cohort_for_teacher_or_404(cohort_id)
    form = ActionForm()
    if form.validate_on_submit():
        job = start_export(
            cohort.id,
            f"{slugify(cohort.name)}-answers.csv",
            _answers_table_builder(cohort.id, catalog()),
        )
        return redirect(url_for(".export_status", cohort_id=cohort.id, job_id=job.id), 303)
    return render_template(
        "teach/exports.html",
        cohort=cohort,
        form=form,
        jobs=cohort_jobs(cohort.id),
        zone=zone_of(cohort),
    )


@bp.route("/cohorts/<id:cohort_id>/exports/<job_id>")
@role_required("teacher")
def export_status(cohort_id: int, job_id: str):
    cohort = cohort_for_teacher_or_404(cohort_id)
    job = _cohort_job_or_404(cohort, job_id, restart=True)
    return render_template(
        "teach/export_status.html", cohort=cohort, job=job, form=ActionForm(), zone=zone_of(cohort)
    )


@bp.route("/cohorts/<id:cohort_id>/exports/<job_id>/download")
@role_required("teacher")
def export_download(cohort_id: int, job_id: str):
    """The finished file only, with its length, so a cut-off download shows as failed."""
    cohort = cohort_for_teacher_or_404(cohort_id)
    job = _cohort_job_or_404(cohort, job_id)
    path = finished_file(job)
    if path is None:
        abort(404)
    response = send_file(path, mimetype="text/csv", as_attachment=True, download_name=job.filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cohorts/<id:cohort_id>/students/<id:user_id>")
@role_required("teacher")
def student(cohort_id: int, user_id: int):
    """One student's lessons, attempts and answers: for the cohort's teacher only."""
    cohort = cohort_for_teacher_or_404(cohort_id)
    membership = membership_in_cohort_or_404(cohort, user_id)
    lessons = reader_lessons()
    attempts = student_attempts(membership.user, lessons)
    return render_template(
        "teach/student.html",
        cohort=cohort,
        member=membership.user,
        role=membership.role,
        statuses=lesson_statuses(membership.user, lessons),
        attempts=attempts,
        zone=zone_of(cohort),
        LEADER=LEADER,
        records=StudentRecordsPolicy.decide(current_user, membership.user),
        ALLOWED=StudentRecordsPolicy.ALLOWED,
        shared_message=SHARED_STUDENT_MESSAGE,
    )


# --- A student's records: export everything, or delete everything (COPPA, FERPA) -----------


def _records_refused():
    page = render_template(
        "error.html",
        status=403,
        title=_("Only an administrator can do this"),
        message=str(SHARED_STUDENT_MESSAGE),
    )
    return page, 403


@bp.route("/students/<id:user_id>/export.json")
@role_required("teacher")
def student_export(user_id: int):
    """Everything stored about one student, as a JSON download."""
    student, decision = StudentRecordsPolicy.student_or_404(user_id)
    if decision != StudentRecordsPolicy.ALLOWED:
        return _records_refused()
    body = json.dumps(export_student(student), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="student-{student.username}.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/students/<id:user_id>/delete", methods=["GET", "POST"])
@role_required("teacher")
def student_delete(user_id: int):
    """Delete a student and everything stored about them, after the teacher confirms."""
    student, decision = StudentRecordsPolicy.student_or_404(user_id)
    if decision != StudentRecordsPolicy.ALLOWED:
        return _records_refused()
    back = _back_to(request.args.get("cohort", type=int))
    form = DeleteStudentForm()
    if form.validate_on_submit():
        if form.confirm_username.data.lower() != student.username.lower():
            form.confirm_username.errors.append(
                _(
                    "That is not %(username)s. Type the username exactly as shown.",
                    username=student.username,
                )
            )
        else:
            name = student.username
            removed = delete_student(student)
            rows = sum(removed.values())
            flash(
                ngettext(
                    "%(name)s and everything stored about them (%(num)s record) were deleted.",
                    "%(name)s and everything stored about them (%(num)s records) were deleted.",
                    rows,
                    name=name,
                ),
                "info",
            )
            return redirect(back)
    return render_template(
        "teach/student_delete.html",
        student=student,
        cohorts=student_cohorts(student),
        form=form,
        back=back,
    )


def _back_to(cohort_id: int | None) -> str:
    """Where to go after a delete: the teacher's cohort it started from, else the start page."""
    if cohort_id is not None:
        cohort = db.session.get(Cohort, cohort_id)
        if cohort is not None and cohort.owner_id == current_user.id:
            return url_for("teach.cohort", cohort_id=cohort.id)
    if current_user.role == ADMIN:
        return url_for("teach.find_student")
    return url_for("teach.home")


@bp.route("/students/")
@role_required("teacher")
def find_student():
    """Administrators find any student by username, to export or delete their records."""
    if current_user.role != ADMIN:
        abort(403)
    form = FindStudentForm(request.args)
    student = None
    if request.args and form.validate():
        student = db.session.scalar(
            select(User).where(
                func.lower(User.username) == form.username.data.lower(), User.role == STUDENT
            )
        )
        if student is None:
            form.username.errors.append(_("No student has that username."))
    return render_template(
        "teach/find_student.html",
        form=form,
        student=student,
        cohorts=student_cohorts(student) if student else [],
    )


@bp.route("/cohorts/<id:cohort_id>/lessons/<slug>")
@role_required("teacher")
def lesson_analysis_page(cohort_id: int, slug: str):
    """Which questions and scenario choices the cohort finds hardest."""
    cohort = cohort_for_teacher_or_404(cohort_id)
    lesson = lesson_or_404(slug)
    basis = BEST if request.args.get("basis") == BEST else FIRST
    return render_template(
        "teach/lesson_analysis.html",
        cohort=cohort,
        analysis=lesson_analysis(cohort, lesson, basis),
        check_usage=check_usage(cohort, lesson),
        FIRST=FIRST,
        BEST=BEST,
        min_answers=MIN_ANSWERS_FOR_STATISTICS,
    )


@bp.route("/cohorts/<id:cohort_id>/join-code", methods=["POST"])
@role_required("teacher")
def join_code(cohort_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    form = JoinCodeForm()
    if not form.validate_on_submit():
        abort(400)
    if form.action.data == "regenerate":
        regenerate_join_code(cohort)
        flash(
            _(
                "New join code: %(code)s. The old one no longer works.",
                code=format_join_code(cohort.join_code),
            ),
            "success",
        )
    else:
        set_join_open(cohort, form.action.data == "open")
        flash(
            _("Joining is open.")
            if cohort.join_open
            else _("Joining is closed: the code no longer works."),
            "info",
        )
    return redirect(url_for("teach.cohort", cohort_id=cohort.id))


@bp.route("/cohorts/<id:cohort_id>/members/<id:user_id>/role", methods=["POST"])
@role_required("teacher")
def member_role(cohort_id: int, user_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    membership = membership_in_cohort_or_404(cohort, user_id)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        abort(400)
    set_member_role(membership, leader=form.role.data == LEADER)
    name = membership.user.shown_name
    if membership.role == LEADER:
        flash(
            _("%(name)s is now a student leader of %(cohort)s.", name=name, cohort=cohort.name),
            "success",
        )
        if not leaders_allowed(cohort.grade_band):
            flash(
                _(
                    "%(cohort)s includes grades below 9. Student leaders should be in grade 9 "
                    "or older: in middle school, an adult leads the session and a student can "
                    "co-facilitate beside them.",
                    cohort=cohort.name,
                ),
                "warning",
            )
    else:
        flash(_("%(name)s is no longer a student leader.", name=name), "info")
    return redirect(url_for("teach.cohort", cohort_id=cohort.id))


@bp.route("/cohorts/<id:cohort_id>/members/<id:user_id>/password", methods=["GET", "POST"])
@writes_explicitly  # the new password is hashed before reset_password takes the write lock
@role_required("teacher")
def member_password(cohort_id: int, user_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    membership = membership_in_cohort_or_404(cohort, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        reset_password(membership.user, form.password.data)
        flash(
            _(
                "Password changed for %(username)s. Tell them the new password in person; "
                "they are signed out everywhere.",
                username=membership.user.username,
            ),
            "success",
        )
        return redirect(url_for("teach.cohort", cohort_id=cohort.id))
    return render_template(
        "teach/member_password.html", cohort=cohort, member=membership.user, form=form
    )


@bp.route("/cohorts/<id:cohort_id>/members/<id:user_id>/remove", methods=["GET", "POST"])
@role_required("teacher")
def member_remove(cohort_id: int, user_id: int):
    cohort = cohort_for_teacher_or_404(cohort_id)
    membership = membership_in_cohort_or_404(cohort, user_id)
    form = ActionForm()
    if form.validate_on_submit():
        name = membership.user.username
        remove_member(membership)
        flash(_("%(name)s was removed from %(cohort)s.", name=name, cohort=cohort.name), "info")
        return redirect(url_for("teach.cohort", cohort_id=cohort.id))
    return render_template(
        "teach/member_remove.html", cohort=cohort, member=membership.user, form=form
    )


@bp.route("/teachers/")
@role_required("admin")
def staff():
    """Staff accounts, for admins: who can sign in as a teacher, and switching accounts off."""
    return render_template("teach/staff.html", accounts=staff_accounts(), form=StaffActiveForm())


@bp.route("/teachers/new", methods=["GET", "POST"])
@writes_explicitly
@role_required("admin")
def new_teacher():
    form = NewTeacherForm()
    if form.validate_on_submit():
        try:
            if username_taken(form.username.data):
                raise UsernameTaken()
            teacher = create_teacher(
                form.username.data, form.display_name.data, form.email.data, form.password.data
            )
        except UsernameTaken as error:
            form.username.errors.append(str(error))
        else:
            flash(
                _("Teacher account “%(username)s” created.", username=teacher.username), "success"
            )
            return redirect(url_for("teach.staff"))
    return render_template("teach/new_teacher.html", form=form)


@bp.route("/teachers/<id:user_id>/active", methods=["POST"])
@role_required("admin")
def staff_active(user_id: int):
    account = staff_account_or_404(user_id)
    form = StaffActiveForm()
    if not form.validate_on_submit():
        abort(400)
    if account.id == current_user.id:
        flash(_("You can't deactivate your own account. Ask another admin."), "warning")
    elif form.action.data == "deactivate":
        set_staff_active(account, False)
        flash(
            _(
                "“%(username)s” is deactivated and signed out everywhere.",
                username=account.username,
            ),
            "info",
        )
    else:
        set_staff_active(account, True)
        flash(_("“%(username)s” can sign in again.", username=account.username), "success")
    return redirect(url_for("teach.staff"))


@bp.route("/lessons/<slug>")
@role_required("teacher")
def lesson_preview(slug: str):
    return render_template("teach/lesson_preview.html", lesson=lesson_or_404(slug))


@bp.route("/lessons/")
@role_required("teacher")
def lessons():
    """The lessons, and the hotline details still to be confirmed at their source."""
    resources = catalog().resources
    return render_template(
        "teach/lessons.html",
        lessons=reader_lessons(),
        to_confirm=[resources[resource_id] for resource_id in needing_check(catalog())],
    )
