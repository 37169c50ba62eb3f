"""Help for anyone: who to call or text, a reporting-path guide, and a private request to talk."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from .. import catalog
from ..access import role_required
from ..chrome import kept_for_visitors
from ..help_requests import (
    MAX_OPEN_REQUESTS,
    RequestLimitReached,
    cohorts_to_ask,
    open_request_count,
    requests_of_student,
    send_request,
)
from ..i18n import reader_language
from ..throttling import (
    HELP_REQUESTS_PER_STUDENT,
    count_against_limit,
    limit,
    limited_response,
    retry_after_seconds,
    user_key,
    when_to_try_again,
)
from .forms import TalkForm

bp = Blueprint("help", __name__, url_prefix="/help")

CRISIS_FOOTER_IDS = (
    "emergency-911",
    "human-trafficking-hotline",
    "ncmec-cybertipline",
    "988-lifeline",
)

# How the help page groups the resources of kind "help"; any other one is listed last.
# Students report online harm to the CyberTipline, which routes reports to ICAC task forces, so
# ICAC (and the federal HSI tip line) sit apart under "who investigates", for adults helping.
HELP_GROUPS = [
    (_l("Talk to someone now"), ["988-lifeline", "thorn-crisis-text", "childhelp"]),
    (_l("Report online harm"), ["ncmec-cybertipline", "fbi-tips", "local-police"]),
    (_l("Trafficking"), ["human-trafficking-hotline"]),
    (_l("Get images taken down"), ["take-it-down", "stopncii"]),
    (_l("Who investigates (for adults helping a family)"), ["icac-task-force", "hsi-tip-line"]),
]


# Resources the help pages name; start-up stops if resources.toml lacks one.
REQUIRED_RESOURCE_IDS = (
    "emergency-911",
    "local-police",
    "ncmec-cybertipline",
    "fbi-tips",
    "take-it-down",
    "human-trafficking-hotline",
    "988-lifeline",
    "thorn-crisis-text",
    "childhelp",
)


def missing_resources(resources) -> list[str]:
    return [resource_id for resource_id in REQUIRED_RESOURCE_IDS if resource_id not in resources]


def localized_resources() -> dict:
    """Every resource by id, with its names, purposes and notes in the reader's language."""
    language = reader_language()
    return {id: resource.localized(language) for id, resource in catalog().resources.items()}


@bp.app_template_global()
def resource_lang(resource, field: str) -> Markup:
    """` lang="en"` on a resource text still shown in English to a reader of another language."""
    language = reader_language()
    if language == "en" or field in resource.translations.get(language, {}):
        return Markup("")
    return Markup(' lang="en"')


def crisis_footer() -> list:
    """The footer's crisis line on every page, from resources.toml, in the reader's language
    (rendered once per language: student_portal/chrome.py)."""
    language = reader_language()
    resources = catalog().resources
    return [resources[i].localized(language) for i in CRISIS_FOOTER_IDS if i in resources]


@bp.after_request
def private_page(response):
    """Help pages are never cached or indexed (a shared device must not show them later)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def help_groups() -> list[tuple[str, list]]:
    resources = localized_resources()
    help_resources = [r for r in resources.values() if r.kind == "help" and r.phone != "911"]
    grouped = [(title, [resources[i] for i in ids if i in resources]) for title, ids in HELP_GROUPS]
    listed = {i for _, ids in HELP_GROUPS for i in ids}
    more = [r for r in help_resources if r.id not in listed]
    return [(title, items) for title, items in grouped if items] + (
        [(_("More help"), more)] if more else []
    )


@bp.route("/")
@kept_for_visitors
def index():
    return render_template("help/index.html", groups=help_groups())


@bp.route("/report")
@kept_for_visitors
def report():
    """Questions that lead to the right reporting paths; answers never leave the browser."""
    return render_template("help/report.html", r=localized_resources())


@bp.route("/checklist")
@kept_for_visitors
def checklist():
    """A printable record of a report: agency, date, officer, case number, follow-up."""
    return render_template("help/checklist.html", r=localized_resources())


def _talk_page(cohorts, form: TalkForm, at_limit: bool, limited: str | None = None) -> str:
    return render_template(
        "help/talk.html",
        form=form,
        cohorts=cohorts,
        at_limit=at_limit,
        limited=limited,
        max_open=MAX_OPEN_REQUESTS,
        requests=requests_of_student(current_user),
        r=localized_resources(),
    )


def _talk_form(cohorts) -> TalkForm:
    form = TalkForm()
    form.cohort.choices = [
        (cohort.id, f"{cohort.owner.shown_name} ({cohort.name})") for cohort in cohorts
    ]
    return form


def _talk_limited(request_limit):
    wait = when_to_try_again(retry_after_seconds(request_limit))
    message = (
        f"You have sent a lot of requests in a short time, so this one was not sent. You can "
        f"send it {wait}; what you wrote is still here. Need someone sooner? Use one of the "
        "services above or talk to any adult you trust."
    )
    cohorts = cohorts_to_ask(current_user)
    page = _talk_page(cohorts, _talk_form(cohorts), at_limit=False, limited=message)
    return limited_response(page, request_limit)


@bp.route("/talk", methods=["GET", "POST"])
@role_required("student")
@limit(HELP_REQUESTS_PER_STUDENT, user_key, _talk_limited)
def talk():
    """A private request to a teacher: "I need to talk to someone"."""
    cohorts = cohorts_to_ask(current_user)
    form = _talk_form(cohorts)
    at_limit = open_request_count(current_user) >= MAX_OPEN_REQUESTS
    if form.validate_on_submit():
        cohort = next(c for c in cohorts if c.id == form.cohort.data)
        try:
            send_request(current_user, cohort, form.message.data, form.contact.data)
        except RequestLimitReached:
            at_limit = True
        else:
            count_against_limit()
            flash(
                _(
                    "Your request was sent to %(name)s. They will see it when they next check.",
                    name=cohort.owner.shown_name,
                ),
                "success",
            )
            return redirect(url_for("help.talk"))
    return _talk_page(cohorts, form, at_limit)
