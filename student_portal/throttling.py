"""Throttling with Flask-Limiter: failed sign-ins, join-code guesses, help requests.

The sign-in and join-code limits count only failed attempts (a wrong password, an unknown
code): the view calls `count_against_limit()` when an attempt fails, so a whole class signing in
and joining from one school address is never slowed down, while guessing is. When a limit is
reached, every further attempt is refused with 429 until the window moves on, and the view's
`on_breach` page shows the form again with what was typed (never the password) and when to try
again. The limits live in memory per process unless RATELIMIT_STORAGE_URI names a shared store.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable
from functools import partial, wraps

from flask import current_app, g, make_response, request, session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user

from .extensions import limiter
from .forms import normalise_username

# Failed sign-ins per username: stops guessing one account's password.
SIGN_IN_FAILURES_PER_ACCOUNT = "10 per 5 minutes"
# Failed sign-ins from one address: a school's students share it, so room for a class (35)
# that mistypes a password or two each, but not for trying many accounts.
SIGN_IN_FAILURES_PER_ADDRESS = "100 per 10 minutes"
# Unknown or closed join codes per browser (or signed-in student), and per address.
JOIN_CODE_FAILURES_PER_VISITOR = "10 per 10 minutes"
JOIN_CODE_FAILURES_PER_ADDRESS = "60 per 10 minutes; 300 per day"
# Requests to talk sent per student (at most 3 are open at once anyway).
HELP_REQUESTS_PER_STUDENT = "5 per hour"


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app) -> None:
    """Every limit here counts POSTs only; with no default or application-wide limit
    configured, a GET has nothing to check, so Flask-Limiter's per-request work is skipped.
    (A limit on a GET view, or `default_limits` given to the Limiter in extensions.py, would
    need this filter changed.)"""
    app.extensions["reads_unlimited"] = reads_unlimited = not (
        app.config.get("RATELIMIT_DEFAULT")
        or app.config.get("RATELIMIT_APPLICATION")
        or app.config.get("RATELIMIT_DEFAULTS_PER_METHOD")
    )
    if reads_unlimited:
        _skip_limiter_hooks_on_reads(app)


def _is_limiters(hook) -> bool:
    return getattr(hook, "__self__", None) is limiter or (
        isinstance(hook, partial) and limiter in hook.args
    )


def _skip_limiter_hooks_on_reads(app) -> None:
    """Flask-Limiter's three request hooks (check, count and headers, tidy up) cost a lesson
    page about 40 µs even when its filter lets the request through; on a read they have nothing
    to do, so they are not called at all. Writes go through them unchanged."""

    def unless_read(hook, passes_through: bool):
        @wraps(hook)
        def hook_unless_read(*args):
            if request.method in READ_METHODS:
                return args[0] if passes_through else None
            return hook(*args)

        return hook_unless_read

    for hooks, passes_through in (
        (app.before_request_funcs, False),
        (app.after_request_funcs, True),  # an after-request hook hands the response on
        (app.teardown_request_funcs, False),
    ):
        functions = hooks.get(None, [])
        hooks[None] = [
            unless_read(hook, passes_through) if _is_limiters(hook) else hook
            for hook in functions
        ]


@limiter.request_filter
def _nothing_to_limit() -> bool:
    return request.method in READ_METHODS and current_app.extensions.get("reads_unlimited", False)


def count_against_limit() -> None:
    """Count this request against the view's limits (a failed attempt, or a sent request)."""
    g.count_against_limit = True


def _counted(_response) -> bool:
    return g.get("count_against_limit", False)


def account_key() -> str:
    return "account:" + (normalise_username(request.form.get("username", "")) or "-")


def address_key() -> str:
    return "address:" + (get_remote_address() or "-")


def visitor_key() -> str:
    """The signed-in user, or this browser's session (an id kept in its cookie)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    if "visitor" not in session:
        session["visitor"] = secrets.token_urlsafe(12)
    return "visitor:" + session["visitor"]


def user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else "user:-"


def limit(
    limit_value: str,
    key_func: Callable[[], str],
    on_breach: Callable[[RequestLimit], object],
):
    """A limit on a view's POSTs that counts the requests marked by count_against_limit()."""
    return limiter.limit(
        limit_value,
        key_func=key_func,
        methods=["POST"],
        deduct_when=_counted,
        on_breach=on_breach,
    )


def retry_after_seconds(request_limit: RequestLimit) -> int:
    reset_time, _remaining = request_limit.window  # when the oldest counted attempt expires
    return max(1, math.ceil(reset_time - time.time()))


def when_to_try_again(seconds: int) -> str:
    """Plain words for a wait, in the reader's language: "in about a minute", "in 4 minutes",
    "in 3 hours". It ends a sentence like "Please try again %(wait)s." """
    minutes = math.ceil(seconds / 60)
    if minutes <= 1:
        return _("in about a minute")
    if minutes < 90:
        return ngettext("in %(num)d minute", "in %(num)d minutes", minutes)
    hours = math.ceil(minutes / 60)
    return ngettext("in %(num)d hour", "in %(num)d hours", hours)


def limited_response(body: str, request_limit: RequestLimit):
    """A 429 response with a Retry-After header, from an already rendered page."""
    response = make_response(body, 429)
    response.headers["Retry-After"] = str(retry_after_seconds(request_limit))
    return response
