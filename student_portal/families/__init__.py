"""For families, no sign-in: what a parent can notice, ask and do, one page per lesson, a
printable follow-up log for reports, and the QR code of this section for letters home.

Like the help pages, these pages set no cookie (not even the language: `?lang=es` or the
browser's Accept-Language chooses it), are never cached or indexed, and carry the Quick exit.
"""

from __future__ import annotations

import io

import segno
from flask import Blueprint, abort, current_app, render_template, request, url_for

from .. import catalog
from ..content import Lesson
from ..content.model import FamilyPage
from ..i18n import DEFAULT_LANGUAGE, offered, reader_language
from . import letter  # noqa: F401 (the letter home's blueprint, registered by create_app)

bp = Blueprint("families", __name__, url_prefix="/families")

# The follow-up log lists these, in this order, with their numbers from resources.toml.
LOG_RESOURCE_IDS = (
    "emergency-911",
    "local-police",
    "ncmec-cybertipline",
    "fbi-tips",
    "icac-task-force",
    "human-trafficking-hotline",
    "take-it-down",
    "988-lifeline",
)
LOG_ROWS = 8  # blank rows: several agencies, and calls back to each


def chosen_language() -> str | None:
    """The language asked for in the address (`?lang=es`), if this site offers it."""
    language = request.args.get("lang")
    return language if language in offered() else None


@bp.app_template_global()
def families_url(endpoint: str, **values) -> str:
    """A link inside the family section that keeps a language chosen with `?lang=`."""
    language = chosen_language()
    if language and "lang" not in values:
        values["lang"] = language
    return url_for(endpoint, **values)


@bp.app_template_global()
def families_address(language: str | None = None) -> str:
    """The absolute address of the family section, for letters and QR codes: from
    PORTAL_PUBLIC_URL when set (behind a proxy, the request may not know the public name),
    else this request's host."""
    path = url_for("families.index", lang=language if language != DEFAULT_LANGUAGE else None)
    public = (current_app.config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if public:
        return public + path
    return request.host_url.rstrip("/") + path


@bp.after_request
def private_page(response):
    """Never cached or indexed, and no cookie at all: a parent's reading leaves no trace here."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _sources(page: FamilyPage) -> list:
    language = reader_language()
    resources = catalog().resources
    return [resources[i].localized(language) for i in page.sources if i in resources]


def _lesson_cards(language: str) -> list[tuple[Lesson, FamilyPage | None]]:
    families = catalog().families
    return [
        (lesson, families.for_lesson(lesson.slug, language))
        for lesson in catalog().lessons_in(language)
    ]


@bp.route("/")
def index():
    language = reader_language()
    return render_template(
        "families/index.html",
        guides=[page.in_language(language) for page in catalog().families.guides],
        lessons=[(lesson, page) for lesson, page in _lesson_cards(language) if page is not None],
    )


@bp.route("/lessons/<slug>")
def lesson(slug: str):
    language = reader_language()
    page = catalog().families.for_lesson(slug, language)
    lesson = catalog().get(slug, language)
    if page is None or lesson is None:
        abort(404)
    return render_template(
        "families/lesson.html", page=page, lesson=lesson, sources=_sources(page)
    )


@bp.route("/follow-up-log")
def follow_up_log():
    """A printable log for a caregiver who reports to several agencies and follows each up."""
    language = reader_language()
    resources = catalog().resources
    return render_template(
        "families/log.html",
        contacts=[resources[i].localized(language) for i in LOG_RESOURCE_IDS if i in resources],
        rows=range(LOG_ROWS),
    )


@bp.route("/qr.svg")
def qr_code():
    """The family section's address as a QR code (SVG made here: nothing from another site)."""
    language = chosen_language()
    address = families_address(language)
    code = segno.make(address, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, scale=4, border=4, title=address, nl=False)
    response = current_app.response_class(out.getvalue(), mimetype="image/svg+xml")
    return response


@bp.route("/<slug>")
def guide(slug: str):
    """One of the general pages: warning signs, talking, what to do."""
    page = catalog().families.guide(slug, reader_language())
    if page is None:
        abort(404)
    return render_template("families/page.html", page=page, sources=_sources(page))
