"""Signed-in pages kept whole for everyone they look the same to.

A lesson page is the same for every student who is at the same part of it, in the same language,
with the same club banner: rendering it again for each of them (Jinja, a hundred translated
strings, the page chrome) was most of its cost. `render_kept()` renders a page once per key and
reuses it, filling in per request only what is personal and not in the key:

- the CSRF token (the page is rendered with a marker where the token goes, and the request's
  own token replaces it), and
- the reader's username (base.html prints it through `reader_name()`, which gives a marker
  while a kept page is being rendered).

The key is the caller's (the page's own inputs, like the lesson and the part) plus everything
base.html shows: the language, the path with its query (the language switch returns to it), and
the reader's kind, role, "leads a group" and live club sessions. A page's context must come only
from its key: `build` is called only when the page is rendered, and views pass it nothing
personal beyond what the key holds. Pages with a flashed message waiting are never kept (the
message is for one reader, once). Kept pages live in each worker's memory, at most
`MAX_PAGES` of them (least recently used go first); with template auto-reload on, none are kept.

A page whose key is only known once its data is read (the progress grid: the cohort's
grid_version, read in the same statement as its figures, so the key is theirs) uses the two
halves: `kept_page()` looks the page up, and on a miss `keep_page()` renders and keeps it.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

from flask import current_app, g, render_template, request, session
from flask.signals import before_render_template, template_rendered
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from .chrome import reader_kind
from .forms import failed_forms
from .i18n import reader_language

MAX_PAGES = 256
GRID_PAGES = 64  # progress grid pages (up to about 150 KB each), kept apart from the others
# A signed CSRF token is reused for this long (Flask-WTF signs a new one per request, with a
# timestamp; it stays valid for WTF_CSRF_TIME_LIMIT, an hour, so at most a minute is lost).
TOKEN_REUSE_SECONDS = 60
MAX_TOKENS = 4096
CSRF_MARK = "\ue000kept-csrf\ue001"
NAME_MARK = "\ue000kept-name\ue001"


class KeptPages:
    def __init__(self, size: int = MAX_PAGES):
        self.size = size
        self._pages: OrderedDict[tuple, str] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: str) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def init_app(app) -> None:
    app.extensions["kept_pages"] = KeptPages()
    app.extensions["kept_shells"] = KeptPages()
    app.extensions["kept_grids"] = KeptPages(GRID_PAGES)
    app.extensions["signed_csrf_tokens"] = {}
    app.jinja_env.globals["csrf_token"] = request_csrf_token  # in place of Flask-WTF's
    app.add_template_global(reader_name)


def request_csrf_token() -> str:
    """This request's CSRF token: Flask-WTF's, or the one signed for this session under a
    minute ago (signing costs more than the rest of a kept page)."""
    if "csrf_token" in g:
        return g.csrf_token
    signed: dict = current_app.extensions["signed_csrf_tokens"]
    secret = session.get("csrf_token")
    if secret is not None:
        kept = signed.get(secret)
        if kept is not None and time.time() - kept[1] < TOKEN_REUSE_SECONDS:
            g.csrf_token = kept[0]
            return kept[0]
    token = generate_csrf()
    if len(signed) >= MAX_TOKENS:
        signed.clear()
    signed[session["csrf_token"]] = (token, time.time())
    return token


def reader_name() -> str:
    """The signed-in reader's username, or the marker render_kept() fills in per request."""
    if g.get("_rendering_kept"):
        return NAME_MARK
    return current_user.username if current_user.is_authenticated else ""


def _reader_key() -> tuple:
    """What base.html shows of the reader: their kind (chrome.py's), role and live sessions."""
    kind, leads = reader_kind()
    if kind == "visitor":
        return (kind, None)
    user = current_user._get_current_object()
    if kind != "student":
        return (kind, user.role)
    from .club import club_banner

    return (kind, user.role, leads, club_banner(user).live_sessions)


def _chrome_key(*parts) -> tuple:
    """`parts` and everything base.html shows: language, path with query, the reader."""
    return (*parts, reader_language(), request.full_path, _reader_key())


def _keeping_off(app) -> bool:
    """Nothing is kept with templates reloading, or with a flashed message to show once."""
    return app.jinja_env.auto_reload or bool(session.get("_flashes"))


def render_kept(
    template: str, key: tuple, build: Callable[[], dict], store: str = "kept_pages"
) -> str:
    """`template` rendered with `build()`, kept under `key` and the reader's page chrome."""
    page = kept_page(template, key, store)
    if page is None:
        page = keep_page(template, key, build, store)
    return page


def kept_page(template: str, key: tuple, store: str = "kept_pages") -> str | None:
    """The page render_kept() keeps under `key`, filled in for this request, or None when it
    has none (or keeps nothing now)."""
    app = current_app._get_current_object()
    if _keeping_off(app):
        return None
    page = app.extensions[store].get(_chrome_key(template, key))
    if page is None:
        return None
    return _fill(page, request_csrf_token())


def keep_page(
    template: str, key: tuple, build: Callable[[], dict], store: str = "kept_pages"
) -> str:
    """`template` rendered with `build()` (which must come only from `key`, and make any form
    itself: a form takes the CSRF token when it is made), kept under `key` (unless nothing is
    kept now) and filled in for this request."""
    app = current_app._get_current_object()
    if _keeping_off(app):
        return render_template(template, **build())
    token = request_csrf_token()  # (and the session's secret, made if it is missing)
    page = _cut(_render_marked(template, build))
    app.extensions[store].put(_chrome_key(template, key), page)
    return _fill(page, token)


class Marked(tuple):
    """A page rendered with the markers, cut at them: its pieces, and where each marker goes
    (filling it in is then one join, not a pass over the whole page per marker)."""

    csrf_at: tuple[int, ...]
    name_at: tuple[int, ...]


_MARKS = re.compile(f"({re.escape(CSRF_MARK)}|{re.escape(NAME_MARK)})")


def _cut(text: str) -> Marked:
    pieces = Marked(_MARKS.split(text))
    pieces.csrf_at = tuple(i for i, piece in enumerate(pieces) if piece == CSRF_MARK)
    pieces.name_at = tuple(i for i, piece in enumerate(pieces) if piece == NAME_MARK)
    return pieces


def _fill(page: str | Marked, token: str) -> str:
    """The page with this request's token and the reader's name in place of the markers."""
    if not isinstance(page, Marked):
        page = _cut(page)
    if not page.csrf_at and not page.name_at:
        return "".join(page)
    filled = list(page)
    for at in page.csrf_at:
        filled[at] = token
    if page.name_at:
        name = str(escape(current_user.username))
        for at in page.name_at:
            filled[at] = name
    return "".join(filled)


def _render_marked(template: str, build: Callable[[], dict]) -> str:
    """`template` rendered with the markers in place of the token and the name. The context is
    built only once the markers are in place: a form takes its token when it is made."""
    token = request_csrf_token()
    g._rendering_kept = True
    g.csrf_token = CSRF_MARK  # generate_csrf() answers with what is on g
    try:
        return render_template(template, **build())
    finally:
        g.csrf_token = token
        g._rendering_kept = False


def render_in_kept_shell(page: str, content: str, title: str, context: dict) -> str:
    """A page whose content changes per request, in page chrome rendered once and kept.

    `page` extends base.html with `{% block content %}{% include content %}{% endblock %}` and
    a title block that shows `title` (so the chrome depends on nothing else); `content` is the
    page's own part, rendered per request. The chrome (head, header, banner, footer: half of a
    question page's cost) is kept under the title and what render_kept() keys it by.
    """
    app = current_app._get_current_object()
    if _keeping_off(app) or failed_forms(context.values()):
        return render_template(page, **context)
    shells: KeptPages = app.extensions["kept_shells"]
    key = _chrome_key(page, title)
    shell = shells.get(key)
    token = request_csrf_token()
    if shell is None:
        whole = _render_marked(page, lambda: context)
        middle = _render_marked(content, lambda: context)
        before, found, after = whole.partition(middle)
        if not found or not middle or middle in after:
            return _fill(whole, token)  # not cleanly split: served whole, not kept
        shell = (_cut(before), _cut(after))
        shells.put(key, shell)
    template = app.jinja_env.get_template(content)
    app.update_template_context(context)
    before_render_template.send(app, template=template, context=context)
    middle = template.render(context)
    template_rendered.send(app, template=template, context=context)
    return _fill(shell[0], token) + middle + _fill(shell[1], token)
