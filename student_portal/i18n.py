"""Languages and time zones: which language a reader gets, and times shown in a cohort's zone.

The language comes from the reader's own choice (a `locale` on their account, or a cookie for
visitors), then the browser's Accept-Language (es-MX, es-419, es-US all mean Spanish), then
English. Times are stored in UTC and shown in the cohort's time zone, or the school's
(`PORTAL_TIMEZONE`) where no cohort applies.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.dates import format_datetime
from flask import Blueprint, current_app, g, has_request_context, redirect, request, url_for
from flask_babel import Babel, get_locale, get_translations
from flask_login import current_user

from .extensions import csrf, db

# Every language the platform is written for; a language is offered once its catalog exists
# (translations/<code>/LC_MESSAGES/messages.mo), so a page never claims a language it isn't in.
LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
DEFAULT_TIMEZONE = "America/New_York"
# Pages whose language switch is a link with ?lang= (they write no cookie, not even this one).
LINKED_LANGUAGE_BLUEPRINTS = frozenset({"families"})

bp = Blueprint("i18n", __name__)


def offered() -> dict[str, str]:
    """The languages this installation can show: English, and those with a compiled catalog."""
    return current_app.extensions["languages"]


def select_locale() -> str:
    """The reader's language: their choice, then the browser's, then English.

    Reads the database only through the user loader. When the database is down, the 503 page
    is rendered as to someone signed out (`_database_error` sets an anonymous user first), so
    the language then comes from the cookie or Accept-Language alone
    (tests/test_spanish_base.py).
    """
    if not has_request_context():  # the CLI, a background export: English
        return DEFAULT_LANGUAGE
    languages = offered()
    # The family pages set no cookie, so their language switch is a link: ?lang=es.
    if request.blueprint in LINKED_LANGUAGE_BLUEPRINTS and request.args.get("lang") in languages:
        return request.args["lang"]
    user = current_user._get_current_object()
    if user and user.is_authenticated and user.locale in languages:
        return user.locale
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    # In the browser's order of preference, "es-MX", "es-419" or "es-US" all mean "es"
    # (werkzeug's best_match would prefer a later exact "en" to an earlier "es-419").
    for value, _quality in request.accept_languages:
        primary = value.replace("_", "-").split("-")[0].lower()
        if primary in languages:
            return primary
    return DEFAULT_LANGUAGE


@lru_cache(maxsize=16)
def _parsed_locale(code: str) -> Locale:
    return Locale.parse(code)


def _selected_locale() -> Locale:
    """select_locale() as a Locale, parsed once per language (Flask-Babel parses the code on
    every request otherwise)."""
    return _parsed_locale(select_locale())


def reader_language() -> str:
    """The language of this request ("en" outside a request, as in the CLI)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    return _request_translations()[1]


def _request_translations():
    """(translations, language) of this request, looked up once per locale.

    Flask-Babel looks the locale and the catalog up again for every string (several context
    lookups and a Locale → str each time); a page has a hundred strings. The answer is kept on
    Flask-Babel's own per-request namespace beside the locale it was made for, so
    `force_locale()` and `refresh()`, which change or clear that locale, are still obeyed.
    """
    babel_context = g.get("_flask_babel")
    locale = getattr(babel_context, "babel_locale", None)
    kept = getattr(babel_context, "portal_translations", None)
    if locale is not None and kept is not None and kept[0] is locale:
        return kept[1]
    locale = get_locale()  # runs the locale selector the first time in a request
    answer = (get_translations(), str(locale or DEFAULT_LANGUAGE))
    babel_context = g.get("_flask_babel")
    if babel_context is not None and locale is not None:
        babel_context.portal_translations = (locale, answer)
    return answer


def _install_fast_gettext(app) -> None:
    """Templates translate through _request_translations() (same catalogs, same newstyle
    formatting and escaping as Flask-Babel's own callables)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _request_translations()[0].ugettext(s),
        ngettext=lambda s, p, n: _request_translations()[0].ungettext(s, p, n),
        pgettext=lambda c, s: _request_translations()[0].upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations()[0].unpgettext(c, s, p, n),
        newstyle=True,
    )


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """The IANA zone names (read from disk once: a page may show hundreds of times)."""
    return frozenset(available_timezones())


def school_timezone() -> str:
    zone = current_app.config.get("TIMEZONE") or DEFAULT_TIMEZONE
    return zone if zone in known_zones() else DEFAULT_TIMEZONE


def init_app(app) -> None:
    translations = Path(app.config["TRANSLATIONS_DIR"])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(translations))
    app.extensions["languages"] = {
        code: name
        for code, name in LANGUAGES.items()
        if code == DEFAULT_LANGUAGE
        or (translations / code / "LC_MESSAGES" / "messages.mo").is_file()
    }
    # One Babel per app: Flask-Babel caches loaded catalogs on the Babel object, and apps with
    # different translation folders (tests, a second site) must not share them.
    Babel(app, locale_selector=_selected_locale, timezone_selector=school_timezone)
    _install_fast_gettext(app)
    app.register_blueprint(bp)
    app.add_template_filter(local_time, "local_time")
    app.jinja_env.globals["offered_languages"] = offered

    @app.context_processor
    def language_context():
        return {"current_language": reader_language()}


def local_time(moment: datetime | None, zone: str | None = None, style: str = "medium") -> str:
    """A stored UTC time in the reader's language and in `zone` (a cohort's), or the school's."""
    if moment is None:
        return ""
    tzinfo = ZoneInfo(zone if zone in known_zones() else school_timezone())
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return format_datetime(aware, style, tzinfo=tzinfo, locale=str(get_locale() or "en"))


def zone_label(zone: str | None, moment: datetime | None = None) -> str:
    """A zone's abbreviation at a moment, like "EST" or "CDT", for headers and CSV columns."""
    tzinfo = ZoneInfo(zone if zone in known_zones() else school_timezone())
    return (moment or datetime.now(UTC)).astimezone(tzinfo).tzname() or str(tzinfo)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an address elsewhere."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not (target or "").startswith("/"):
        return url_for("index")
    return target


@bp.route("/language", methods=["POST"])
@csrf.exempt  # a token would set a session cookie on the help pages, which promise none
def choose_language():
    """Remember the reader's language (on their account and in a cookie) and go back.

    Harmless if forged: at worst a page shows in the other language, with the switch on it.
    """
    language = request.form.get("language")
    response = redirect(_safe_next(request.form.get("next")))
    if language not in offered():
        return response
    if current_user.is_authenticated:
        current_user.locale = language
        db.session.commit()
    # The browser keeps it too: after signing out, and on the page shown when the database is
    # down (which can't read the account), the reader still gets their language.
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", True),
    )
    return response
