"""The page chrome every page shares, rendered once per kind of page and reused.

The navigation links and the footer (the crisis line with its numbers) were a third of a
page's rendering, and they depend on little: the reader's language, whether they are signed
out, a student (leading a group or not) or staff, which page is open (the link marked
`aria-current`), and, in the footer, a family page's `?lang=`. `chrome_links()` and
`chrome_footer()` render `_chrome_links.html` and `_chrome_footer.html` with exactly those
values, passed explicitly, and keep the result under them; nothing else reaches those templates,
so nothing personal can be kept (the user's name, the CSRF token, the language switch's return
address, flashed messages and the club banner stay in base.html, rendered per request).

The kept fragments live as long as the app: translations, the resources and the templates do
not change while it runs. With template auto-reload on (debug), nothing is kept.
"""

from __future__ import annotations

from functools import wraps

from flask import Flask, current_app, request, session
from flask_login import current_user
from markupsafe import Markup

from .i18n import reader_language

# Enough for every page × language × kind of reader; past it, nothing more is kept.
MAX_FRAGMENTS = 2048


def reader_kind() -> tuple[str, bool]:
    """("visitor" | "student" | "staff", leads a group)."""
    user = current_user._get_current_object()  # (each look through the proxy costs)
    if not user or not user.is_authenticated:
        return "visitor", False
    if user.is_staff:
        return "staff", False
    from .club import club_banner

    return "student", club_banner(user).leads_a_group


def _kept(key: tuple, render) -> Markup:
    app = current_app._get_current_object()
    fragments: dict = app.extensions["chrome"]
    fragment = fragments.get(key)
    if fragment is None:
        fragment = Markup(render())
        if not app.jinja_env.auto_reload and len(fragments) < MAX_FRAGMENTS:
            fragments[key] = fragment
    return fragment


def chrome_links() -> Markup:
    """The navigation's links (not the language switch nor the sign-out form)."""
    kind, leads = reader_kind()
    endpoint = request.endpoint
    key = ("links", request.script_root, reader_language(), kind, leads, endpoint)
    return _kept(
        key,
        lambda: current_app.jinja_env.get_template("_chrome_links.html").render(
            kind=kind, leads_a_group=leads, endpoint=endpoint
        ),
    )


def chrome_footer() -> Markup:
    """The footer: the crisis line and the links to help and to the family pages."""
    from .families import chosen_language
    from .help import crisis_footer

    key = ("footer", request.script_root, reader_language(), chosen_language())
    return _kept(
        key,
        lambda: current_app.jinja_env.get_template("_chrome_footer.html").render(
            crisis_footer=crisis_footer()
        ),
    )


def kept_for_visitors(view):
    """A page that, for a visitor, is the same for every visitor reading the same language: the
    signed-out help pages. Its HTML is rendered once per language and kept.

    Kept only when nothing can make one visitor's page differ from another's: nobody signed in,
    an empty session (so no flashed message, no join-code visitor id), no query string (which
    also keeps the number of pages kept small). Anyone else gets the page rendered for them.
    The response is built fresh each time, so the after-request headers (no-store, noindex,
    the security headers) are set as for any page.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.is_authenticated or session or request.query_string:
            return view(*args, **kwargs)
        key = ("visitor", request.endpoint, request.script_root, reader_language(), repr(kwargs))
        app = current_app._get_current_object()
        pages: dict = app.extensions["chrome"]
        page = pages.get(key)
        if page is None:
            page = view(*args, **kwargs)
            # A page that wrote to the session (a CSRF token, say) is that visitor's own.
            if (
                isinstance(page, str)
                and not session.modified
                and not app.jinja_env.auto_reload
                and len(pages) < MAX_FRAGMENTS
            ):
                pages[key] = page
        return page

    return wrapped


def init_app(app: Flask) -> None:
    app.extensions["chrome"] = {}
    app.jinja_env.globals["chrome_links"] = chrome_links
    app.jinja_env.globals["chrome_footer"] = chrome_footer
