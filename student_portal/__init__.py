"""student_portal: lessons and scenario quizzes on grooming, sextortion and trafficking."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, current_app, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2 import FileSystemBytecodeCache
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import chrome, i18n, icons, kept, throttling
from .club import MIN_POLL_ANSWERS
from .cohorts import format_join_code
from .config import data_folder, load_settings
from .content import Catalog, ContentError, Lesson, load_catalog
from .content.cache import load_cached
from .content.survey import Survey, load_survey
from .cookies import RememberingCookieSessionInterface
from .database import give_back_fast_connection, tune_sqlite
from .extensions import csrf, db, limiter, login_manager, migrate
from .forms import forms_with_errors
from .passwords import init_passwords

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# Nothing here needs a camera, microphone, location or the like: no page (nor anything a page
# could be made to embed) may ask for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
HSTS = "max-age=31536000"


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, the lesson catalog, blueprints, CLI, error pages."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(data_folder("templates")),
        static_folder=str(data_folder("static")),
    )
    load_settings(app, config)
    app.url_map.converters["id"] = IdConverter
    proxies = int(app.config["TRUSTED_PROXIES"] or 0)
    if proxies:
        # Behind that many proxies, the client's address and scheme come from X-Forwarded-*.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(data_folder("migrations")))
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    chrome.init_app(app)
    kept.init_app(app)
    app.teardown_appcontext(give_back_fast_connection)
    app.session_interface = RememberingCookieSessionInterface()
    limiter.init_app(app)
    throttling.init_app(app)
    init_passwords(app)
    with app.app_context():
        tune_sqlite(db.engine)

    # Loaded, validated and rendered once (or read back from instance/, keyed by a hash of the
    # lessons and the loader's code); invalid content stops start-up here.
    app.extensions["catalog"], app.extensions["survey"] = load_cached(
        app.config["LESSONS_DIR"], app.config["CONTENT_CACHE_DIR"], load_content
    )
    _check_help_resources(app)

    from . import auth, evaluate, families, help, lead, learn, teach
    from .cli import register_cli

    app.register_blueprint(auth.bp)
    app.register_blueprint(learn.bp)
    app.register_blueprint(teach.bp)
    app.register_blueprint(help.bp)
    app.register_blueprint(lead.bp)
    app.register_blueprint(evaluate.bp)
    app.register_blueprint(families.bp)
    app.register_blueprint(families.letter.bp)
    register_cli(app)
    _register_pages(app)
    if app.config["TEMPLATE_CACHE_DIR"]:
        app.jinja_env.bytecode_cache = TemplateCache(app.config["TEMPLATE_CACHE_DIR"])
    return app


class TemplateCache(FileSystemBytecodeCache):
    """Compiled templates kept between starts, so each new worker's first pages skip Jinja's
    compiler. Keyed by the template's source, so an edited template is compiled again."""

    def __init__(self, directory: str):
        super().__init__(directory)
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except OSError:
            pass  # then nothing is stored: slower first pages, never an error

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:  # a read-only or removed folder costs speed, never a page
            pass


class IdConverter(IntegerConverter):
    """A database id in a URL: a huge number is a 404, not an overflow error."""

    def __init__(self, url_map, **kwargs):
        super().__init__(url_map, min=1, max=2**31 - 1)


def catalog() -> Catalog:
    """The lesson catalog of the running app."""
    return current_app.extensions["catalog"]


def reader_lessons() -> tuple[Lesson, ...]:
    """Every lesson, in the reader's language where it has been translated."""
    return catalog().lessons_in(i18n.reader_language())


def lesson_or_404(slug: str) -> Lesson:
    """A lesson by slug, in the reader's language where it has been translated."""
    lesson = catalog().get(slug, i18n.reader_language())
    if lesson is None:
        abort(404)
    return lesson


def load_content(lessons_dir: Path) -> tuple[Catalog, Survey | None]:
    """The lesson catalog and the evaluation survey of a lessons folder, validated and rendered.

    What the content cache stores (`content/cache.py`); raises `ContentError` on any problem.
    """
    catalog = load_catalog(lessons_dir)
    return catalog, load_survey(lessons_dir, catalog.resources)


def _check_help_resources(app: Flask) -> None:
    from .content import Problem
    from .help import missing_resources

    missing = missing_resources(app.extensions["catalog"].resources)
    if missing:
        path = Path(app.config["LESSONS_DIR"]) / "resources.toml"
        raise ContentError(
            [Problem(path, None, f'the help pages need a resource with id "{m}"') for m in missing]
        )


def _register_pages(app: Flask) -> None:
    @app.route("/")
    def index():
        if current_user.is_authenticated:
            if current_user.is_staff:
                return redirect(url_for("teach.home"))
            return redirect(url_for("learn.lessons"))
        return render_template("index.html")

    app.add_template_filter(format_join_code, "join_code")
    app.add_template_global(forms_with_errors)
    app.add_template_global(icons.lesson_icon)
    # The projector says why a small room's poll shows no counts.
    app.add_template_global(MIN_POLL_ANSWERS, "min_poll_answers")

    @app.template_filter("phone_digits")
    def phone_digits(phone: str) -> str:
        """1-888-373-7888 → 18883737888, for tel: links."""
        return "".join(ch for ch in phone if ch.isdigit() or ch == "+")

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        title = _("This form has expired")
        message = _(
            "For your safety, forms expire when you sign out. "
            "Go back, reload the page and try again."
        )
        return render_template("error.html", status=400, title=title, message=message), 400

    security = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
    ]
    if app.config["SESSION_COOKIE_SECURE"]:
        # Cookies only over HTTPS means the site is served over HTTPS: keep browsers on it.
        security.append(("Strict-Transport-Security", HSTS))
    security_names = frozenset(name.lower() for name, _ in security)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        present = {name.lower() for name in headers.keys()}
        if present.isdisjoint(security_names):  # nearly always: add them in one go
            headers.extend(security)
        else:  # a view set one of its own: keep it
            headers.extend((n, v) for n, v in security if n.lower() not in present)
        if current_user.is_authenticated:
            # A shared or handed-over device must not show a student's pages from its cache.
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error):
        # The limited view's own page (its form, with what was typed) when it has one.
        if error.response is not None:
            return error.response
        title = _("Please wait a little")
        message = _("There were too many tries. Please wait a few minutes and try again.")
        return render_template("error.html", status=429, title=title, message=message), 429

    for status in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(status, _error_page(status))
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(PoolTimeout, _database_error)


RETRY_AFTER_SECONDS = 30


def _database_error(error):
    """The database can't be reached: 503 with the help numbers, rendered without it."""
    unreachable = isinstance(error, OperationalError | InterfaceError | PoolTimeout) or getattr(
        error, "connection_invalidated", False
    )
    if not unreachable:
        return _error_page(500)(error)
    current_app.logger.warning("database unavailable: %s", error)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone already; the next request reconnects
        pass
    # The page must not touch the database again: the user loader may be what failed, so the
    # page is shown as to someone signed out (their session cookie is kept, not cleared).
    g._login_user = current_app.login_manager.anonymous_user()
    from .help import help_groups

    page = render_template("errors/unavailable.html", help_groups=help_groups())
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


ERROR_TEXT = {
    400: (_l("Something went wrong with that request"), _l("Please go back and try again.")),
    403: (_l("This page isn't for your account"), _l("You don't have access to this page.")),
    404: (_l("We couldn't find that page"), _l("It may have moved, or the link may be wrong.")),
    405: (_l("That didn't work"), _l("Please go back and try again.")),
    413: (_l("That was too much to send"), _l("Please shorten what you wrote and try again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("It's not your fault. Please try again soon."),
    ),
}


def _error_page(status: int):
    def handler(error):
        if status == 500:
            db.session.rollback()
        # In the reader's language; str() so the page escapes them as text (a lazy string
        # would pass as ready-made HTML).
        title, message = (str(text) for text in ERROR_TEXT[status])
        return render_template("error.html", status=status, title=title, message=message), status

    return handler
